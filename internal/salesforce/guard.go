package salesforce

import (
	"context"
	"errors"
	"strings"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Guard protects the org from the gateway: it may refuse a call before
// anything is done for it, holds one of the org's concurrent-call slots
// for each HTTP request the client sends, and hears how each ended. The
// client declares it; cmd/gateway wires in internal/limits (a Redis
// semaphore and the API budget guard). Errors it returns are handed back
// to the caller as they are (wrapped), so they should be domain errors.
type Guard interface {
	// Admit is asked once per call, before its session is fetched: a
	// refused call costs neither a Salesforce call nor a login.
	Admit(ctx context.Context, op string) error
	// Acquire waits for a slot for one attempt; release gives it back.
	Acquire(ctx context.Context, op string) (release func(), err error)
	// Observe is told the org's API usage after every attempt that got an
	// answer (zero when none reported it yet) and whether Salesforce
	// answered REQUEST_LIMIT_EXCEEDED.
	Observe(ctx context.Context, op string, usage partner.LimitInfo, limitExceeded bool)
}

// admit asks the guard, if any, whether cl may start.
func (c *Client) admit(ctx context.Context, cl *call) error {
	if c.cfg.Guard == nil {
		return nil
	}
	return c.cfg.Guard.Admit(ctx, cl.op)
}

// guardedPost is post inside one of the org's concurrent-call slots, with
// the answer's usage reported to the guard.
func (c *Client) guardedPost(ctx context.Context, cl *call, endpoint string, env []byte) error {
	g := c.cfg.Guard
	if g == nil {
		return c.countedPost(ctx, cl, endpoint, env)
	}
	release, err := g.Acquire(ctx, cl.op)
	if err != nil {
		return err
	}
	err = c.countedPost(ctx, cl, endpoint, env)
	release()
	g.Observe(ctx, cl.op, c.Limits(), dailyLimitExceeded(err))
	return err
}

// dailyLimitExceeded reports whether err is REQUEST_LIMIT_EXCEEDED for the
// org's rolling 24-hour allowance, the one the guard must hold back for.
// The same code also reports too many concurrent long-running requests
// ("ConcurrentRequests (Concurrent API Requests) Limit exceeded.",
// "ConcurrentPerOrgLongTxn Limit exceeded"), which frees itself as soon as
// one of them ends: the concurrency cap, not the budget guard, answers
// that (API Request Limits and Allocations,
// https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html).
func dailyLimitExceeded(err error) bool {
	var e *partner.Error
	if !partner.IsCode(err, partner.CodeRequestLimitExceeded) || !errors.As(err, &e) {
		return false
	}
	return !strings.Contains(e.Message, "Concurrent")
}
