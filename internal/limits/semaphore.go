package limits

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate"
)

// Defaults of SemaphoreConfig.
const (
	// DefaultMaxConcurrent is the org-wide cap on concurrent Salesforce
	// calls: below Salesforce's 25 concurrent long-running (20 s and more)
	// API requests of a production org, so a burst of slow queries leaves
	// headroom for other integrations of the same org ("API Request Limits
	// and Allocations", Salesforce Developer Limits and Allocations Quick
	// Reference).
	DefaultMaxConcurrent = 20
	// DefaultLeaseTTL is how long a slot outlives its holder's last
	// renewal: a replica that dies frees its slots within it.
	DefaultLeaseTTL = 15 * time.Second
	// DefaultIdleHold is how long a replica keeps a slot it has just
	// freed, for its next call to take without a Redis round trip.
	DefaultIdleHold = 20 * time.Millisecond
)

// key builds a key in the cache's layout, sfgate:{connection}:part:…, so
// every key of a connection shares the Redis Cluster hash tag.
func key(connection string, parts ...string) string {
	return "sfgate:{" + connection + "}:" + strings.Join(parts, ":")
}

// SemaphoreConfig configures a Semaphore.
type SemaphoreConfig struct {
	// Connection scopes the Redis key.
	Connection string
	// Max is the cap across all replicas (default DefaultMaxConcurrent).
	Max int
	// LocalMax is this replica's cap while Redis cannot be reached
	// (default max(1, Max/2): two replicas degraded at once still stay
	// within Max; with more replicas, set it to Max divided by their
	// number).
	LocalMax int
	// LeaseTTL: see DefaultLeaseTTL. Holders renew every LeaseTTL/3.
	LeaseTTL time.Duration
	// IdleHold is how long a freed Redis slot stays with this replica for
	// its next call (default DefaultIdleHold; negative: given back at
	// once). A held slot still counts against Max, so the cap holds; under
	// steady traffic a call then costs no Redis round trip, where taking
	// and giving back a lease costs two (about a fifth of a single-record
	// read's CPU, docs/performance.md). Other replicas wait at most this
	// long longer for a slot.
	IdleHold time.Duration
	// Shared is Redis; nil means the in-process semaphore only.
	Shared *Shared
}

// Semaphore caps concurrent Salesforce calls across replicas. In Redis it
// is a sorted set of holders scored by lease expiry, taken and given back
// by Lua scripts that first drop expired leases, using Redis' clock so
// replicas' clocks never matter.
type Semaphore struct {
	cfg   SemaphoreConfig
	key   string
	local chan struct{}

	mu   sync.Mutex
	wake chan struct{} // closed when this replica frees a slot
	idle []*lease      // Redis slots freed here in the last IdleHold
}

// lease is a slot held in Redis, renewed until stop is closed.
type lease struct {
	token string
	stop  chan struct{}
}

// NewSemaphore returns a Semaphore for cfg.
func NewSemaphore(cfg SemaphoreConfig) *Semaphore {
	if cfg.Max <= 0 {
		cfg.Max = DefaultMaxConcurrent
	}
	if cfg.LocalMax <= 0 {
		cfg.LocalMax = max(1, cfg.Max/2)
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = DefaultLeaseTTL
	}
	if cfg.IdleHold == 0 {
		cfg.IdleHold = DefaultIdleHold
	}
	return &Semaphore{cfg: cfg, key: key(cfg.Connection, "sf", "concurrency"),
		local: make(chan struct{}, cfg.LocalMax), wake: make(chan struct{})}
}

// Max returns the cluster-wide cap.
func (s *Semaphore) Max() int { return s.cfg.Max }

var acquireScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
  redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[3]))
  return 1
end
return 0`)

var renewScript = redis.NewScript(`
if not redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 0 end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZADD', KEYS[1], 'XX', now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], 2 * tonumber(ARGV[2]))
return 1`)

// Acquire waits for a slot until ctx's deadline (less a small margin, so
// the refusal can still be answered) and returns the function that gives it
// back. A full cap past the deadline is a 503-kind *sfgate.Error with code
// CodeConcurrencyLimit and a Retry-After.
func (s *Semaphore) Acquire(ctx context.Context) (release func(), err error) {
	wctx, cancel := queueContext(ctx)
	defer cancel()
	wait := 2 * time.Millisecond
	for {
		if !s.cfg.Shared.usable() {
			rel, ok, done := s.tryLocal(wctx)
			if ok {
				return rel, nil
			}
			if done {
				return nil, s.refusal()
			}
			continue
		}
		rel, ok, rerr := s.tryRedis(ctx)
		if rerr != nil {
			continue // Shared is now marked down: the local path next
		}
		if ok {
			return rel, nil
		}
		s.mu.Lock()
		wake := s.wake
		s.mu.Unlock()
		timer := time.NewTimer(wait/2 + rand.N(wait/2+1))
		select {
		case <-wctx.Done():
			timer.Stop()
			return nil, s.refusal()
		case <-wake:
			timer.Stop()
		case <-timer.C:
		}
		wait = min(2*wait, 50*time.Millisecond)
	}
}

// queueContext is ctx ending a little before its deadline: a request that
// waited its whole deadline away could not be answered with the 503.
func queueContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok {
		margin := min(time.Until(dl)/10, 250*time.Millisecond)
		return context.WithDeadline(ctx, dl.Add(-margin))
	}
	return context.WithCancel(ctx)
}

func (s *Semaphore) refusal() error {
	return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: CodeConcurrencyLimit,
		Detail: "the org's cap on concurrent Salesforce calls stayed full for as long as the request could wait", RetryAfter: time.Second}
}

// tryLocal takes a slot of the in-process fallback, waiting for one until
// ctx is done (done reports that).
func (s *Semaphore) tryLocal(ctx context.Context) (release func(), ok, done bool) {
	// A short wait, then back to the loop: Redis may be usable again.
	t := time.NewTimer(100 * time.Millisecond)
	defer t.Stop()
	select {
	case s.local <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-s.local; s.notify() }) }, true, false
	case <-ctx.Done():
		return nil, false, true
	case <-t.C:
		return nil, false, false
	}
}

// tryRedis takes a slot in Redis if one is free, one this replica freed
// in the last IdleHold first; err means Redis failed.
func (s *Semaphore) tryRedis(ctx context.Context) (release func(), ok bool, err error) {
	if l := s.takeIdle(); l != nil {
		return s.releaser(l), true, nil
	}
	token := newToken()
	cctx, cancel := s.cfg.Shared.cmdCtx(ctx)
	defer cancel()
	sh := s.cfg.Shared
	n, err := acquireScript.Run(cctx, sh.Client, []string{sh.key(s.key)}, token, s.cfg.Max, s.cfg.LeaseTTL.Milliseconds()).Int()
	if sh.failed(err) {
		return nil, false, err
	}
	if n != 1 {
		return nil, false, nil
	}
	l := &lease{token: token, stop: make(chan struct{})}
	go s.renew(l.token, l.stop)
	return s.releaser(l), true, nil
}

// takeIdle takes a slot this replica freed in the last IdleHold, if any.
func (s *Semaphore) takeIdle() *lease {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.idle)
	if n == 0 {
		return nil
	}
	l := s.idle[n-1]
	s.idle = s.idle[:n-1]
	return l
}

// releaser is the release function of a call holding l: the slot stays
// with this replica for IdleHold, then goes back to Redis unless a call
// took it meanwhile. Being in s.idle, under s.mu, decides which.
func (s *Semaphore) releaser(l *lease) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			if s.cfg.IdleHold < 0 {
				s.giveBack(l)
				return
			}
			s.mu.Lock()
			s.idle = append(s.idle, l)
			s.mu.Unlock()
			time.AfterFunc(s.cfg.IdleHold, func() {
				s.mu.Lock()
				i := slices.Index(s.idle, l)
				if i >= 0 {
					s.idle = slices.Delete(s.idle, i, i+1)
				}
				s.mu.Unlock()
				if i >= 0 {
					s.giveBack(l)
				}
			})
			s.notify()
		})
	}
}

// giveBack ends l's lease in Redis.
func (s *Semaphore) giveBack(l *lease) {
	close(l.stop)
	sh := s.cfg.Shared
	ctx, cancel := sh.cmdCtx(context.Background())
	defer cancel()
	// A failed ZREM leaves the lease to expire by itself.
	sh.failed(sh.Client.ZRem(ctx, sh.key(s.key), l.token).Err())
	s.notify()
}

// renew keeps the lease alive while its call runs.
func (s *Semaphore) renew(token string, stop <-chan struct{}) {
	t := time.NewTicker(s.cfg.LeaseTTL / 3)
	defer t.Stop()
	sh := s.cfg.Shared
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			ctx, cancel := sh.cmdCtx(context.Background())
			_, err := renewScript.Run(ctx, sh.Client, []string{sh.key(s.key)}, token, s.cfg.LeaseTTL.Milliseconds()).Result()
			cancel()
			sh.failed(err)
		}
	}
}

// notify wakes this replica's waiters: a slot was just freed here.
func (s *Semaphore) notify() {
	s.mu.Lock()
	close(s.wake)
	s.wake = make(chan struct{})
	s.mu.Unlock()
}

// Holders returns how many leases Redis holds now (expired ones dropped),
// for tests and diagnostics.
func (s *Semaphore) Holders(ctx context.Context) (int64, error) {
	sh := s.cfg.Shared
	if sh == nil || sh.Client == nil {
		return int64(len(s.local)), nil
	}
	cctx, cancel := sh.cmdCtx(ctx)
	defer cancel()
	return sh.Client.ZCard(cctx, sh.key(s.key)).Result()
}

func newToken() string {
	b := make([]byte, 16)
	_, _ = crand.Read(b)
	return hex.EncodeToString(b)
}
