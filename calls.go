package sfgate

import (
	"context"
	"sync/atomic"
)

// CallCount counts the Salesforce calls made on behalf of one request: every
// HTTP request sent to Salesforce (each attempt of a SOAP call, each OAuth
// token request), as Salesforce counts them against the org's allowance.
// The HTTP layer puts one in the request's context and reports it in the
// X-Salesforce-Calls header; the Salesforce client adds to it. It is safe
// for concurrent use (a batch may call Salesforce from several goroutines).
type CallCount struct{ n atomic.Int64 }

type callCountKey struct{}

// WithCallCount returns ctx carrying a new, zero CallCount, and the count.
func WithCallCount(ctx context.Context) (context.Context, *CallCount) {
	c := &CallCount{}
	return context.WithValue(ctx, callCountKey{}, c), c
}

// CountCall adds one call to the count ctx carries, if any.
func CountCall(ctx context.Context) {
	if c, ok := ctx.Value(callCountKey{}).(*CallCount); ok {
		c.n.Add(1)
	}
}

// Load returns the calls counted so far.
func (c *CallCount) Load() int64 { return c.n.Load() }
