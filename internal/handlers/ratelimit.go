package handlers

import (
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

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
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst, max int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), max: max, now: now, buckets: make(map[string]*bucket)}
}

// allow takes a token for caller; when none is left it reports how long
// until one is.
func (l *limiter) allow(caller string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[caller]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[caller] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// evict drops full buckets (callers idle long enough to have refilled); if
// none is full it drops an arbitrary half, which can only make the limit
// more lenient, never stricter.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
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

// rateLimit answers 429 with Retry-After once a caller's bucket is empty.
func (h *Handlers) rateLimit(next http.Handler) http.Handler {
	if h.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := h.limiter.allow(callerFrom(r.Context()))
		if !ok {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindRateLimited, Code: sfgate.CodeRateLimited,
				Detail: "this caller's request rate is over its limit", RetryAfter: max(wait, time.Second)})
			return
		}
		next.ServeHTTP(w, r)
	})
}
