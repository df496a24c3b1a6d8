package salesforce

import (
	"context"
	"net/http/httptrace"
	"sync/atomic"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// sendTrace records, through net/http's client trace hooks, how far one
// request got, so a network failure can say whether Salesforce may have
// received the whole request ("sent, no answer": the outcome of a write is
// unknown) or provably did not ("never sent": safe to repeat).
//
// net/http calls WroteRequest once per attempt to write the request, after
// the last byte went to the connection or with the write's error
// (net/http.Request.write defers it); its transport may retry on a fresh
// connection a request of which nothing was written, which fires the hooks
// again.
type sendTrace struct {
	askedConn atomic.Bool // GetConn: the transport looked for a connection
	gotConn   atomic.Bool // GotConn: it had one
	wroteOK   atomic.Bool // WroteRequest without error: the whole request left
	wroteErr  atomic.Bool // WroteRequest with an error: a write failed
}

// with returns ctx carrying hooks that fill t.
func (t *sendTrace) with(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(string) { t.askedConn.Store(true) },
		GotConn: func(httptrace.GotConnInfo) { t.gotConn.Store(true) },
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				t.wroteOK.Store(true)
			} else {
				t.wroteErr.Store(true)
			}
		},
	})
}

// unsent reports whether the request provably never reached Salesforce in
// full. Without evidence either way (an HTTP client whose transport does
// not call the hooks) it answers false: the request may have arrived.
func (t *sendTrace) unsent(cause error) bool {
	switch {
	case notSent(cause):
		return true
	case t.wroteOK.Load():
		return false
	case t.wroteErr.Load():
		return true
	}
	return t.askedConn.Load() && !t.gotConn.Load()
}

// settleOutcome marks the final error of a call that is not idempotent
// whose request may have reached Salesforce: its outcome is unknown, and
// neither the client nor anyone above it may repeat it blindly. Only an
// *partner.Error of the call itself counts (not one wrapped from fetching a
// session, which says nothing of this request).
func settleOutcome(idem Idempotency, err error) {
	if idem != NotIdempotent || err == nil {
		return
	}
	if e, ok := err.(*partner.Error); ok && e.Kind == partner.KindNetwork && !e.Unsent {
		e.OutcomeUnknown = true
	}
}
