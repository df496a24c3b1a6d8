package limits

import (
	"context"
	"math"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Decision is a rate limiter's answer for one request.
type Decision struct {
	// Allowed reports whether the request may proceed.
	Allowed bool
	// Remaining is how many more requests would be allowed right now.
	Remaining int
	// Reset is how long until the caller's quota is whole again.
	Reset time.Duration
	// RetryAfter, when refused, is how long until one request is allowed.
	RetryAfter time.Duration
}

// RateLimiter limits each caller's request rate across all replicas with
// GCRA (the generic cell rate algorithm: one "theoretical arrival time"
// per caller, so one Redis key and one script call per request). It falls
// back to the same algorithm in process while Redis cannot be reached;
// each replica then grants the full rate on its own.
type RateLimiter struct {
	connection string
	shared     *Shared
	local      *localGCRA
}

// NewRateLimiter returns a RateLimiter for the connection's callers;
// shared nil means this process only. maxLocal bounds the in-process
// table of callers (default 10,000).
func NewRateLimiter(connection string, shared *Shared, maxLocal int) *RateLimiter {
	if maxLocal <= 0 {
		maxLocal = 10000
	}
	return &RateLimiter{connection: connection, shared: shared,
		local: &localGCRA{max: maxLocal, tat: map[string]time.Time{}, now: time.Now}}
}

// gcraScript: KEYS[1] the caller's arrival time (µs, Redis clock), ARGV[1]
// the emission interval T (µs per request), ARGV[2] the burst tolerance
// (T × burst). Returns {allowed, remaining, reset µs, retry µs}.
var gcraScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T = tonumber(ARGV[1])
local tau = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
local new = tat + T
if new - tau > now then
  return {0, 0, tat - now, new - tau - now}
end
redis.call('SET', KEYS[1], string.format('%d', new), 'PX', math.ceil((new - now) / 1000) + 1000)
return {1, math.floor((tau - (new - now)) / T), new - now, 0}`)

// Allow decides one request of caller under rate requests per second with
// the given burst.
func (l *RateLimiter) Allow(ctx context.Context, caller string, rate float64, burst int) (Decision, error) {
	if rate <= 0 {
		return Decision{Allowed: true, Remaining: math.MaxInt32}, nil
	}
	burst = max(burst, 1)
	T := int64(1e6 / rate)
	T = max(T, 1)
	sh := l.shared
	if sh.usable() {
		cctx, cancel := sh.cmdCtx(ctx)
		defer cancel()
		res, err := gcraScript.Run(cctx, sh.Client, []string{sh.key(key(l.connection, "ratelimit", caller))}, T, T*int64(burst)).Int64Slice()
		if !sh.failed(err) && len(res) == 4 {
			return Decision{Allowed: res[0] == 1, Remaining: int(res[1]),
				Reset: time.Duration(res[2]) * time.Microsecond, RetryAfter: time.Duration(res[3]) * time.Microsecond}, nil
		}
	}
	return l.local.allow(caller, time.Duration(T)*time.Microsecond, burst), nil
}

// localGCRA is the in-process fallback: the same algorithm over a map.
type localGCRA struct {
	mu  sync.Mutex
	max int
	tat map[string]time.Time
	now func() time.Time
}

func (g *localGCRA) allow(caller string, T time.Duration, burst int) Decision {
	tau := T * time.Duration(burst)
	now := g.now()
	g.mu.Lock()
	defer g.mu.Unlock()
	tat, ok := g.tat[caller]
	if !ok && len(g.tat) >= g.max {
		g.evict(now)
	}
	if tat.Before(now) {
		tat = now
	}
	next := tat.Add(T)
	if next.Sub(now) > tau {
		return Decision{Reset: tat.Sub(now), RetryAfter: next.Sub(now) - tau}
	}
	g.tat[caller] = next
	return Decision{Allowed: true, Remaining: int((tau - next.Sub(now)) / T), Reset: next.Sub(now)}
}

// evict drops callers whose quota is whole again (idle ones); if none is,
// an arbitrary half, which can only make the limit more lenient.
func (g *localGCRA) evict(now time.Time) {
	for k, t := range g.tat {
		if !t.After(now) {
			delete(g.tat, k)
		}
	}
	n := len(g.tat) / 2
	for k := range g.tat {
		if len(g.tat) < g.max || n == 0 {
			break
		}
		delete(g.tat, k)
		n--
	}
}
