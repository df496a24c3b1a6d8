package handlers

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// RateLimiter decides whether a caller may make one more request, under
// rate requests per second with the given burst. The handlers declare it;
// cmd/gateway wires in one shared by every replica through Redis
// (internal/limits). Without one, each replica limits on its own.
type RateLimiter interface {
	Allow(ctx context.Context, caller string, rate float64, burst int) (RateDecision, error)
}

// RateDecision is a RateLimiter's answer.
type RateDecision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is how many more requests would be allowed now.
	Remaining int
	// Reset is how long until the caller's quota is whole again.
	Reset time.Duration
	// RetryAfter, when refused, is how long until one request is allowed.
	RetryAfter time.Duration
}

// limiter is a token bucket per caller. The number of buckets is capped:
// when full, buckets that have refilled (idle callers) are dropped first.
type limiter struct {
	rate, burst float64
	max         int
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens, rate, burst float64
	last                time.Time
}

func newLimiter(rate float64, burst, max int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), max: max, now: now, buckets: make(map[string]*bucket)}
}

// Allow takes a token for caller (the in-process RateLimiter) from a
// bucket of the rate and burst asked (a caller's own, or the default).
func (l *limiter) Allow(_ context.Context, caller string, rate float64, burst int) (RateDecision, error) {
	if rate <= 0 {
		rate, burst = l.rate, int(l.burst)
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[caller]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: float64(burst), last: now}
		l.buckets[caller] = b
	}
	b.rate, b.burst = rate, float64(max(burst, 1))
	b.tokens = math.Min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	d := RateDecision{}
	if b.tokens >= 1 {
		b.tokens--
		d.Allowed = true
	} else {
		d.RetryAfter = time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
	}
	d.Remaining = int(b.tokens)
	d.Reset = time.Duration((b.burst - b.tokens) / b.rate * float64(time.Second))
	return d, nil
}

// evict drops full buckets (callers idle long enough to have refilled); if
// none is full it drops an arbitrary half, which can only make the limit
// more lenient, never stricter.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*b.rate >= b.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.max {
		return
	}
	n := len(l.buckets) / 2
	for k := range l.buckets {
		if n == 0 {
			break
		}
		delete(l.buckets, k)
		n--
	}
}

// rateLimit answers 429 with Retry-After once a caller's quota is spent.
// Every answer carries the caller's quota as the IETF draft
// draft-ietf-httpapi-ratelimit-headers-10 (September 2025) defines it:
// RateLimit-Policy names the policy with its quota q and window w (the
// seconds an empty quota takes to refill), RateLimit the remaining r and
// the seconds t until the quota is whole again. A caller's own rate
// (sfgate.Caller.RateLimit) replaces the gateway's default.
func (h *Handlers) rateLimit(next http.Handler) http.Handler {
	if h.rates == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rate, burst := h.opts.RateLimit, h.opts.RateBurst
		if c := sfgate.CallerFrom(r.Context()); c != nil && c.RateLimit != nil && c.RateLimit.PerSecond > 0 {
			rate, burst = c.RateLimit.PerSecond, c.RateLimit.Burst
		}
		if rate <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		burst = max(burst, 1)
		d, err := h.rates.Allow(r.Context(), callerFrom(r.Context()), rate, burst)
		if err != nil {
			// A limiter that cannot decide lets the request through: the
			// limit protects capacity, it must not become an outage.
			next.ServeHTTP(w, r)
			return
		}
		hd := w.Header()
		window := int64(math.Ceil(float64(burst) / rate))
		hd.Set("RateLimit-Policy", `"caller";q=`+strconv.Itoa(burst)+`;w=`+strconv.FormatInt(window, 10))
		hd.Set("RateLimit", `"caller";r=`+strconv.Itoa(max(d.Remaining, 0))+`;t=`+strconv.FormatInt(ceilSeconds(d.Reset), 10))
		if !d.Allowed {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindRateLimited, Code: sfgate.CodeRateLimited,
				Detail: "this caller's request rate is over its limit", RetryAfter: max(d.RetryAfter, time.Second)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func ceilSeconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
