package handlers

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// The door: on /v1, nothing before authentication costs the gateway more
// than a connection, a header block and one of a fixed number of slots.
//
//	door → auth (auth.go) → admitted → rate limit → body cap → …
//
// door takes one of MaxUnauthenticated slots (503 when none is free), arms
// a short read deadline and bounds the authentication step's time, both
// UnauthenticatedTimeout; auth decides who the caller is; admitted gives
// the slot back and arms the body read deadline (BodyReadTimeout). Nothing
// reads the body before admitted, so a request refused by auth has held no
// body budget, and the body it declared is never read: door shortens the
// read deadline so that the server does not wait for it either.

type doorKey struct{}

// doorPass is one request's way through the door.
type doorPass struct {
	once     sync.Once
	release  func()
	admitted bool
	// outer is the request's context before the authentication step's
	// time bound: admitted puts it back under the values auth added.
	outer  context.Context
	cancel context.CancelFunc
}

func (p *doorPass) leave() { p.once.Do(p.release) }

func (h *Handlers) door(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Every /v1 answer is about this caller's data or request: no
		// cache may keep it (problems set it too).
		w.Header().Set("Cache-Control", "no-store")
		rc := http.NewResponseController(w)
		select {
		case h.unauth <- struct{}{}:
		default:
			_ = rc.SetReadDeadline(time.Now())
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeOverloaded, RetryAfter: time.Second,
				Detail: "the gateway is authenticating as many requests as it allows; retry shortly"})
			return
		}
		_ = rc.SetReadDeadline(time.Now().Add(h.opts.UnauthenticatedTimeout))
		ctx, cancel := context.WithTimeout(r.Context(), h.opts.UnauthenticatedTimeout)
		p := &doorPass{release: func() { <-h.unauth }, outer: r.Context(), cancel: cancel}
		defer func() {
			p.leave()
			cancel()
			if !p.admitted && r.ContentLength != 0 {
				// Refused: the declared body will not be read, and the
				// server must not wait for it before answering.
				_ = rc.SetReadDeadline(time.Now())
			}
		}()
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, doorKey{}, p)))
	})
}

// admitted runs right after authentication: the caller is known, so the
// slot goes back, the request's context loses the authentication step's
// time bound, and the body (if any) may take BodyReadTimeout to arrive.
func (h *Handlers) admitted(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := r.Context().Value(doorKey{}).(*doorPass)
		if p == nil {
			next.ServeHTTP(w, r)
			return
		}
		p.admitted = true
		p.leave()
		deadline := time.Time{} // no body: nothing more to read
		if r.Body != nil && r.Body != http.NoBody {
			deadline = time.Now().Add(h.opts.BodyReadTimeout)
		}
		_ = http.NewResponseController(w).SetReadDeadline(deadline)
		// The values auth added stay; the authentication step's time
		// bound goes, and the connection's cancellation comes back.
		ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
		stop := context.AfterFunc(p.outer, cancel)
		defer func() {
			stop()
			cancel()
		}()
		p.cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// doorDefaults fills the door's and the body budget's zero options.
func doorDefaults(o *Options) {
	if o.CallerBodyShare <= 0 || o.CallerBodyShare > 1 {
		o.CallerBodyShare = DefaultCallerBodyShare
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = DefaultBodyReadTimeout
	}
	if o.MaxUnauthenticated <= 0 {
		o.MaxUnauthenticated = DefaultMaxUnauthenticated
	}
	if o.UnauthenticatedTimeout <= 0 {
		o.UnauthenticatedTimeout = DefaultUnauthenticatedTimeout
	}
}
