package cache

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Defaults of TieredOptions.
const (
	DefaultLocalTTL      = 30 * time.Second
	DefaultSharedTTL     = 5 * time.Minute
	DefaultLoadTimeout   = 30 * time.Second
	DefaultProbeInterval = time.Second
	DefaultChannel       = "sfgate:invalidate"
)

// fillSuffix names the lock a process holds in Redis while it loads a key
// for everyone. It keeps the key's hash tag, so the key and its lock share
// a slot on Redis Cluster.
const fillSuffix = ":~fill"

// TieredOptions configures a Tiered store.
type TieredOptions struct {
	// Local is the in-process level (default NewMemory with defaults).
	Local *Memory
	// Shared is the Redis level; nil selects memory-only mode, where the
	// in-process level is the only one and Invalidate affects only this
	// process.
	Shared *Redis
	// Channel is the base name of the invalidation channel (default
	// DefaultChannel). An invalidation of a key with a hash tag is
	// published on Channel + ":" + tag, e.g. "sfgate:invalidate:{prod}".
	Channel string
	// LocalTTL caps how long the in-process level keeps a value when the
	// call gives no TTL of its own (default DefaultLocalTTL).
	LocalTTL time.Duration
	// SharedTTL is the Redis TTL of GetOrLoad when LoadOptions gives none
	// (default DefaultSharedTTL).
	SharedTTL time.Duration
	// LoadTimeout bounds one shared load: waiting for a peer plus calling
	// the loader (default DefaultLoadTimeout). It also is the TTL of the
	// fill lock, so a crashed loader blocks its peers at most this long.
	LoadTimeout time.Duration
	// ProbeInterval is how often the subscriber checks its connection and,
	// when degraded, whether Redis is back (default DefaultProbeInterval).
	ProbeInterval time.Duration
	// Logger receives the degraded/recovered transitions (default: the
	// logger in Start's ctx, else zerolog.Ctx of the call).
	Logger *zerolog.Logger
}

// LoadOptions gives the TTLs of one GetOrLoad. Zero fields take the
// Tiered's defaults.
type LoadOptions struct {
	// LocalTTL caps the in-process copy's lifetime; it is also capped by
	// what remains of the Redis TTL.
	LocalTTL time.Duration
	// SharedTTL is the Redis TTL of a freshly loaded value. In memory-only
	// mode it is the in-process TTL, the only level there being.
	SharedTTL time.Duration
}

// Tiered is the two-level cache: a bounded in-process Memory with short
// TTLs over Redis with longer TTLs. See docs/cache.md.
//
// Writes through the Store methods go to Redis first and then to the
// in-process level, and are announced to the other replicas so they drop
// their in-process copies. When Redis is unreachable Tiered degrades: it
// serves from the in-process level and the loader, logs the transition once,
// reports Degraded, and recovers by itself (emptying the in-process level on
// recovery, because invalidations may have been missed meanwhile).
type Tiered struct {
	local       *Memory
	shared      *Redis
	channel     string
	localTTL    time.Duration
	sharedTTL   time.Duration
	loadTimeout time.Duration
	probeEvery  time.Duration
	logger      atomic.Pointer[zerolog.Logger]
	id          string // origin of our invalidations, to skip our own

	// mu orders in-process writes after loads against invalidations: a
	// load that started before an invalidation (epoch changed) does not
	// populate the in-process level.
	mu      sync.Mutex
	epoch   uint64
	flights map[string]*flight

	down       atomic.Bool
	slowStreak atomic.Int32 // Redis timeouts in a row
	nextProbe  atomic.Int64 // unix nanos; probing by calls when no subscriber runs
	running    atomic.Bool

	life   sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	ps     *redis.PubSub

	loads, loadErrs, coalesced, peerWaits, sent, received, resets atomic.Uint64
}

// flight is one load in progress in this process.
type flight struct {
	done chan struct{}
	val  []byte
	err  error
}

var _ Store = (*Tiered)(nil)

// NewTiered returns a Tiered store. With opts.Shared set, call Start before
// serving so that invalidations from other replicas are applied, and Close
// at shutdown.
func NewTiered(opts TieredOptions) *Tiered {
	if opts.Local == nil {
		opts.Local = NewMemory(MemoryOptions{})
	}
	if opts.Channel == "" {
		opts.Channel = DefaultChannel
	}
	if opts.LocalTTL <= 0 {
		opts.LocalTTL = DefaultLocalTTL
	}
	if opts.SharedTTL <= 0 {
		opts.SharedTTL = DefaultSharedTTL
	}
	if opts.LoadTimeout <= 0 {
		opts.LoadTimeout = DefaultLoadTimeout
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = DefaultProbeInterval
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	t := &Tiered{
		local:       opts.Local,
		shared:      opts.Shared,
		channel:     opts.Channel,
		localTTL:    opts.LocalTTL,
		sharedTTL:   opts.SharedTTL,
		loadTimeout: opts.LoadTimeout,
		probeEvery:  opts.ProbeInterval,
		id:          hex.EncodeToString(id[:]),
		flights:     make(map[string]*flight),
	}
	if opts.Logger != nil {
		t.logger.Store(opts.Logger)
	}
	return t
}

// MemoryOnly reports whether t runs without Redis.
func (t *Tiered) MemoryOnly() bool { return t.shared == nil }

// Degraded reports whether Redis is configured but currently unusable, so
// that t serves from the in-process level and the loader alone. Readiness
// reports it; it does not make the pod unready.
func (t *Tiered) Degraded() bool { return t.shared != nil && t.down.Load() }

// Stats returns a snapshot of t's counters.
func (t *Tiered) Stats() Stats {
	s := t.local.Stats()
	if t.shared != nil {
		r := t.shared.Stats()
		s.SharedHits, s.SharedMisses, s.SharedErrors = r.SharedHits, r.SharedMisses, r.SharedErrors
	}
	s.Loads = t.loads.Load()
	s.LoadErrors = t.loadErrs.Load()
	s.Coalesced = t.coalesced.Load()
	s.PeerWaits = t.peerWaits.Load()
	s.InvalidationsSent = t.sent.Load()
	s.InvalidationsReceived = t.received.Load()
	s.LocalResets = t.resets.Load()
	s.Degraded = t.Degraded()
	return s
}

func (t *Tiered) log(ctx context.Context) *zerolog.Logger {
	if l := t.logger.Load(); l != nil {
		return l
	}
	return zerolog.Ctx(ctx)
}

// ---- degraded mode ----

// sharedUsable reports whether this call should use Redis. While degraded,
// the subscriber probes and recovers; without a subscriber, one call per
// probe interval tries Redis.
func (t *Tiered) sharedUsable() bool {
	if t.shared == nil {
		return false
	}
	if !t.down.Load() {
		return true
	}
	if t.running.Load() {
		return false
	}
	now := time.Now().UnixNano()
	next := t.nextProbe.Load()
	return now >= next && t.nextProbe.CompareAndSwap(next, now+int64(t.probeEvery))
}

// slowLimit is how many Redis timeouts in a row degrade a Tiered. A refused
// or broken connection degrades at once; a timeout may be this host's CPU
// being busy rather than Redis being gone, and degrading on one would make
// the replica load for itself (one more describe, one more login).
const slowLimit = 3

// sharedFailed reports whether err says Redis is unreachable (the caller then
// falls back to the in-process level for this call), and degrades t if it
// is: at once for a refused or broken connection, after slowLimit timeouts
// in a row for a timeout.
func (t *Tiered) sharedFailed(ctx context.Context, err error) bool {
	if !errors.Is(err, ErrUnavailable) {
		return false
	}
	if !isSlow(err) || t.slowStreak.Add(1) >= slowLimit {
		t.markDown(ctx, err)
	}
	return true
}

// sharedOK is called after a command succeeded; without a subscriber it is
// how a degraded Tiered recovers.
func (t *Tiered) sharedOK(ctx context.Context) {
	if t.slowStreak.Load() != 0 {
		t.slowStreak.Store(0)
	}
	if t.down.Load() && !t.running.Load() {
		t.recover(ctx)
	}
}

func (t *Tiered) markDown(ctx context.Context, err error) {
	t.nextProbe.Store(time.Now().Add(t.probeEvery).UnixNano())
	if t.down.CompareAndSwap(false, true) {
		t.log(ctx).Warn().Err(err).Str("cache", "tiered").
			Msg("redis unreachable: serving from the in-process level and the loader until it returns")
	}
}

// recover leaves degraded mode. The in-process level is emptied first:
// invalidations published while this replica could not hear them would
// otherwise leave stale entries behind.
func (t *Tiered) recover(ctx context.Context) {
	t.mu.Lock()
	t.epoch++
	t.local.Clear()
	t.mu.Unlock()
	t.resets.Add(1)
	if t.down.CompareAndSwap(true, false) {
		t.log(ctx).Info().Str("cache", "tiered").
			Msg("redis reachable again: in-process level emptied, sharing resumed")
	}
}

// ---- in-process level under the epoch fence ----

func (t *Tiered) currentEpoch() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.epoch
}

// putLocal stores v in the in-process level unless an invalidation happened
// since epoch was read.
func (t *Tiered) putLocal(key string, v []byte, ttl time.Duration, epoch uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.epoch != epoch {
		return
	}
	// A value too large for the in-process level is simply not kept there.
	_ = t.local.Set(context.Background(), key, v, ttl)
}

// dropLocal removes key (or every key under it, if prefix) from the
// in-process level and detaches loads in flight for it, so later callers
// start a fresh load instead of joining one that began before.
func (t *Tiered) dropLocal(key string, prefix bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.epoch++
	bg := context.Background()
	if prefix {
		_, _ = t.local.DeletePrefix(bg, key)
		for k := range t.flights {
			if strings.HasPrefix(k, key) {
				delete(t.flights, k)
			}
		}
		return
	}
	_ = t.local.Delete(bg, key)
	delete(t.flights, key)
}

// localTTLFor is the in-process TTL of a value written with ttl. A copy of
// what is also in Redis lives at most LocalTTL; when the in-process level
// holds the only copy (memory-only mode, or Redis unreachable) the writer's
// TTL applies as given, since shortening it would, for instance, shorten a
// lock.
func (t *Tiered) localTTLFor(ttl time.Duration, onlyCopy bool) time.Duration {
	if onlyCopy || t.shared == nil {
		return ttl
	}
	if ttl <= 0 {
		return t.localTTL
	}
	return min(ttl, t.localTTL)
}

// ---- Store ----

// Get returns the value from the in-process level, else from Redis (keeping
// an in-process copy for at most LocalTTL and never beyond the Redis TTL).
func (t *Tiered) Get(ctx context.Context, key string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if v, _, ok := t.local.lookup(key); ok {
		return v, nil
	}
	if !t.sharedUsable() {
		return nil, ErrNotFound
	}
	epoch := t.currentEpoch()
	v, left, err := t.shared.getTTL(ctx, key)
	if err != nil {
		if t.sharedFailed(ctx, err) {
			return nil, ErrNotFound
		}
		return nil, err
	}
	t.sharedOK(ctx)
	t.putLocal(key, v, capTTL(t.localTTL, left), epoch)
	return v, nil
}

func capTTL(ttl, left time.Duration) time.Duration {
	if left > 0 {
		return min(ttl, left)
	}
	return ttl
}

// Set stores value in Redis for ttl and in the in-process level for at most
// LocalTTL, then tells the other replicas to drop their copies. A load in
// flight for key cannot overwrite it afterwards. While degraded only the
// in-process level is written.
func (t *Tiered) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	shared := false
	if t.sharedUsable() {
		if err := t.shared.setAndUnlock(ctx, key, fillKey(key), value, ttl); err != nil {
			if !t.sharedFailed(ctx, err) {
				return err
			}
		} else {
			t.sharedOK(ctx)
			shared = true
		}
	}
	t.dropLocal(key, false)
	if err := t.local.Set(ctx, key, value, t.localTTLFor(ttl, !shared)); err != nil && !errors.Is(err, ErrTooLarge) {
		return err
	}
	if shared {
		// Stored; if the announcement fails, peers keep their copy for
		// at most LocalTTL.
		_ = t.announce(ctx, "k", key)
	}
	return nil
}

// SetNX stores value only if key is empty in Redis (in the in-process level
// while degraded or in memory-only mode) and reports whether it did.
func (t *Tiered) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if t.sharedUsable() {
		ok, err := t.shared.SetNX(ctx, key, value, ttl)
		if err == nil {
			t.sharedOK(ctx)
			if ok {
				t.dropLocal(key, false)
				epoch := t.currentEpoch()
				t.putLocal(key, value, t.localTTLFor(ttl, false), epoch)
				_ = t.announce(ctx, "k", key)
			}
			return ok, nil
		}
		if !t.sharedFailed(ctx, err) {
			return false, err
		}
	}
	return t.local.SetNX(ctx, key, value, t.localTTLFor(ttl, true))
}

// Delete removes key from Redis and from every replica's in-process level.
// While degraded it removes only this process's copy and returns an error
// wrapping ErrUnavailable, because Redis and the other replicas still hold
// theirs.
func (t *Tiered) Delete(ctx context.Context, key string) error {
	return t.Invalidate(ctx, key)
}

// CompareAndDelete removes key only if it holds expected (atomically in
// Redis; in the in-process level while degraded or in memory-only mode) and
// reports whether it did. A local copy equal to expected is dropped either
// way, since Redis no longer holds it.
func (t *Tiered) CompareAndDelete(ctx context.Context, key string, expected []byte) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if t.sharedUsable() {
		ok, err := t.shared.CompareAndDelete(ctx, key, expected)
		if err == nil {
			t.sharedOK(ctx)
			if ok {
				t.dropLocal(key, false)
				_ = t.announce(ctx, "k", key)
			} else if v, _, held := t.local.lookup(key); held && bytes.Equal(v, expected) {
				t.dropLocal(key, false)
			}
			return ok, nil
		}
		if !t.sharedFailed(ctx, err) {
			return false, err
		}
	}
	ok, err := t.local.CompareAndDelete(ctx, key, expected)
	if ok {
		t.dropLocal(key, false)
	}
	return ok, err
}

// ---- invalidation ----

// Invalidate drops key everywhere: from this process's in-process level at
// once, from Redis (with any fill lock, so that a load in flight cannot
// write back what it read before), and from every other replica's
// in-process level through the invalidation channel. In memory-only mode it
// affects this process only. While degraded the local effect still happens
// and the error wraps ErrUnavailable: Redis and the other replicas were not
// reached, and the caller should retry.
func (t *Tiered) Invalidate(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.dropLocal(key, false)
	if t.shared == nil {
		return nil
	}
	if !t.sharedUsable() {
		return fmt.Errorf("cache: invalidate %q: %w", key, ErrUnavailable)
	}
	if err := t.shared.deleteKeys(ctx, key, fillKey(key)); err != nil {
		t.sharedFailed(ctx, err)
		return err
	}
	t.sharedOK(ctx)
	return t.announce(ctx, "k", key)
}

// InvalidatePrefix is Invalidate for every key starting with prefix, e.g.
// Key("prod", "describe") + ":" for all describes of connection prod.
func (t *Tiered) InvalidatePrefix(ctx context.Context, prefix string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	t.dropLocal(prefix, true)
	if t.shared == nil {
		return nil
	}
	if !t.sharedUsable() {
		return fmt.Errorf("cache: invalidate prefix %q: %w", prefix, ErrUnavailable)
	}
	// Fill locks share their key's prefix, so loads in flight are fenced
	// off too.
	if _, err := t.shared.DeletePrefix(ctx, prefix); err != nil {
		t.sharedFailed(ctx, err)
		return err
	}
	t.sharedOK(ctx)
	return t.announce(ctx, "p", prefix)
}

// announce publishes an invalidation for the other replicas. kind is "k"
// (one key) or "p" (a prefix).
func (t *Tiered) announce(ctx context.Context, kind, key string) error {
	msg := t.id + " " + kind + " " + key
	if err := t.shared.publish(ctx, channelFor(t.channel, key), msg); err != nil {
		t.sharedFailed(ctx, err)
		return fmt.Errorf("cache: announce invalidation: %w", err)
	}
	t.sent.Add(1)
	return nil
}

// channelFor returns the channel an invalidation of key goes to: the base
// channel suffixed with key's hash tag, if it has one.
func channelFor(base, key string) string {
	if tag := hashTag(key); tag != "" {
		return base + ":" + tag
	}
	return base
}

// hashTag returns key's Redis Cluster hash tag with its braces ("{prod}"), or
// "" if key has none: the tag is what lies between the first '{' and the
// first '}' after it, if that is not empty.
func hashTag(key string) string {
	i := strings.IndexByte(key, '{')
	if i < 0 {
		return ""
	}
	j := strings.IndexByte(key[i+1:], '}')
	if j <= 0 {
		return ""
	}
	return key[i : i+j+2]
}

func fillKey(key string) string { return key + fillSuffix }

// apply handles one invalidation message from the channel.
func (t *Tiered) apply(payload string) {
	origin, rest, ok := strings.Cut(payload, " ")
	if !ok || origin == t.id {
		return
	}
	kind, key, ok := strings.Cut(rest, " ")
	if !ok {
		return
	}
	switch kind {
	case "k":
		t.dropLocal(key, false)
	case "p":
		t.dropLocal(key, true)
	default:
		return
	}
	t.received.Add(1)
}

// ---- GetOrLoad ----

// GetOrLoad returns the value at key from the in-process level, else from
// Redis, else from load, storing what it loads in both levels.
//
// Concurrent misses for one key in this process share one load (single
// flight). Across processes the first to miss takes a short fill lock in
// Redis and loads; the others wait for the value to appear in Redis (or for
// the lock to go away, and then try to take it themselves). The shared load
// runs on context.WithoutCancel(ctx) bounded by LoadTimeout, so a caller that
// gives up returns ctx.Err() without failing the others. Loader errors are
// returned to every waiter and not cached.
//
// While degraded, or in memory-only mode, the loader result is kept in the
// in-process level only.
func (t *Tiered) GetOrLoad(ctx context.Context, key string, o LoadOptions, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if v, _, ok := t.local.lookup(key); ok {
		return v, nil
	}
	if o.LocalTTL <= 0 {
		o.LocalTTL = t.localTTL
	}
	if o.SharedTTL <= 0 {
		o.SharedTTL = t.sharedTTL
	}

	t.mu.Lock()
	f, joined := t.flights[key]
	if !joined {
		f = &flight{done: make(chan struct{})}
		t.flights[key] = f
		epoch := t.epoch
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.loadTimeout)
		go func() {
			defer cancel()
			f.val, f.err = t.load(lctx, key, o, load, epoch)
			t.mu.Lock()
			if t.flights[key] == f {
				delete(t.flights, key)
			}
			t.mu.Unlock()
			close(f.done)
		}()
	}
	t.mu.Unlock()
	if joined {
		t.coalesced.Add(1)
	}

	select {
	case <-f.done:
		return f.val, f.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Refresh replaces a value the caller found stale (for instance a describe
// that lacks a field a request names): if key still holds stale, it is
// dropped here and in Redis (compare and delete, so only the first of many
// concurrent refreshers across replicas succeeds) and the other replicas are
// told; then GetOrLoad runs, so concurrent refreshers share one load.
func (t *Tiered) Refresh(ctx context.Context, key string, stale []byte, o LoadOptions, load func(ctx context.Context) ([]byte, error)) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Check and drop under one lock, so that of many refreshers in this
	// process only the first detaches the load in flight.
	t.mu.Lock()
	localStale := false
	if v, _, ok := t.local.lookup(key); ok && bytes.Equal(v, stale) {
		localStale = true
		t.epoch++
		_ = t.local.Delete(ctx, key)
		delete(t.flights, key)
	}
	t.mu.Unlock()
	if t.sharedUsable() {
		ok, err := t.shared.CompareAndDelete(ctx, key, stale)
		switch {
		case err == nil:
			t.sharedOK(ctx)
			if ok {
				if !localStale {
					// The stale value came from Redis; a load in
					// flight here may have read it too.
					t.dropLocal(key, false)
				}
				_ = t.announce(ctx, "k", key)
			}
		case !t.sharedFailed(ctx, err):
			return nil, err
		}
	}
	return t.GetOrLoad(ctx, key, o, load)
}

// loaderError marks an error that came from the loader, so that it is not
// mistaken for Redis being unavailable (which would call the loader again).
type loaderError struct{ err error }

func (e *loaderError) Error() string { return e.err.Error() }
func (e *loaderError) Unwrap() error { return e.err }

// load is the body of one flight.
func (t *Tiered) load(ctx context.Context, key string, o LoadOptions, load func(context.Context) ([]byte, error), epoch uint64) ([]byte, error) {
	// A timeout is retried (up to slowLimit times in all, after which t is
	// degraded) rather than answered by a load of our own: the shared
	// load is what keeps the org's API calls to one per key.
	for t.sharedUsable() {
		v, localTTL, err := t.loadShared(ctx, key, o, load)
		if err == nil {
			t.sharedOK(ctx)
			t.putLocal(key, v, localTTL, epoch)
			return v, nil
		}
		if le, ok := errors.AsType[*loaderError](err); ok {
			return nil, le.err
		}
		if !t.sharedFailed(ctx, err) {
			return nil, err
		}
		if !isSlow(err) || t.down.Load() {
			break
		}
	}
	v, err := t.callLoader(ctx, key, load)
	if err != nil {
		return nil, err
	}
	ttl := o.LocalTTL
	if t.shared == nil {
		ttl = o.SharedTTL
	}
	t.putLocal(key, v, ttl, epoch)
	return v, nil
}

// loadShared reads key from Redis, or loads it under the fill lock, or
// waits for the process holding the lock. It returns the value and the TTL
// its in-process copy may have.
func (t *Tiered) loadShared(ctx context.Context, key string, o LoadOptions, load func(context.Context) ([]byte, error)) ([]byte, time.Duration, error) {
	p := newPoller()
	waited := false
	for {
		v, left, err := t.shared.getTTL(ctx, key)
		if err == nil {
			return v, capTTL(o.LocalTTL, left), nil
		}
		if !errors.Is(err, ErrNotFound) {
			return nil, 0, err
		}
		token, err := newToken()
		if err != nil {
			return nil, 0, err
		}
		// The lock lives as long as the load may take, plus a margin for
		// the write that follows it.
		ok, err := t.shared.SetNX(ctx, fillKey(key), token, t.loadTimeout+time.Second)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			return t.fill(ctx, key, token, o, load)
		}
		if !waited {
			waited = true
			t.peerWaits.Add(1)
		}
		if err := p.wait(ctx); err != nil {
			return nil, 0, err
		}
	}
}

// fill runs the loader under the fill lock and writes the result to Redis if
// the lock is still ours.
func (t *Tiered) fill(ctx context.Context, key string, token []byte, o LoadOptions, load func(context.Context) ([]byte, error)) ([]byte, time.Duration, error) {
	release := func() {
		// Our ctx may be spent; the release gets its own short one.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), t.shared.timeout)
		defer cancel()
		_, _ = t.shared.CompareAndDelete(rctx, fillKey(key), token)
	}
	// The value may have been written between our miss and our lock.
	if v, left, err := t.shared.getTTL(ctx, key); err == nil {
		release()
		return v, capTTL(o.LocalTTL, left), nil
	}
	v, err := t.callLoader(ctx, key, load)
	if err != nil {
		release()
		return nil, 0, &loaderError{err}
	}
	stored, err := t.shared.fillIfLocked(ctx, key, fillKey(key), token, v, o.SharedTTL)
	if err != nil {
		// We have the value; only sharing it failed.
		t.sharedFailed(ctx, err)
		return v, o.LocalTTL, nil
	}
	if !stored {
		// Invalidated while loading: hand the value to those who asked
		// before the invalidation, but keep no copy of it.
		return v, 0, nil
	}
	return v, min(o.LocalTTL, o.SharedTTL), nil
}

func (t *Tiered) callLoader(ctx context.Context, key string, load func(context.Context) ([]byte, error)) (v []byte, err error) {
	t.loads.Add(1)
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("cache: loader for %q panicked: %v", key, r)
		}
		if err != nil {
			t.loadErrs.Add(1)
		}
	}()
	v, err = load(ctx)
	if err == nil && v == nil {
		v = []byte{}
	}
	return v, err
}

// ---- subscriber ----

// Start subscribes to the invalidation channel and starts the goroutine
// that applies invalidations from other replicas, watches the connection,
// and recovers from degraded mode. It waits up to the probe interval for the
// subscription to be confirmed; if Redis is unreachable it returns nil with
// t degraded, and keeps trying in the background. In memory-only mode it
// does nothing. Close stops it.
func (t *Tiered) Start(ctx context.Context) error {
	if t.shared == nil {
		return nil
	}
	t.life.Lock()
	defer t.life.Unlock()
	if t.cancel != nil {
		return errors.New("cache: tiered already started")
	}
	if t.logger.Load() == nil {
		if l := zerolog.Ctx(ctx); l.GetLevel() != zerolog.Disabled {
			t.logger.Store(l)
		}
	}
	sctx, cancel := context.WithCancel(ctx)
	t.cancel = cancel
	t.done = make(chan struct{})
	t.ps = t.shared.client.PSubscribe(sctx)
	pattern := escapeGlob(t.shared.k(t.channel)) + "*"
	// PSubscribe registers the pattern even when it fails to send it; the
	// subscriber's reconnects resubscribe.
	_ = t.ps.PSubscribe(sctx, pattern)
	confirmed := t.awaitSubscription(sctx)
	if confirmed {
		t.sharedOK(sctx)
	}
	t.running.Store(true)
	go t.subscriber(sctx, confirmed)
	return nil
}

// awaitSubscription waits for the confirmation of the pattern subscription.
func (t *Tiered) awaitSubscription(ctx context.Context) bool {
	deadline := time.Now().Add(t.probeEvery)
	for time.Now().Before(deadline) {
		msg, err := t.ps.ReceiveTimeout(ctx, time.Until(deadline))
		if err != nil {
			t.markDown(ctx, &unavailableError{op: "psubscribe", key: t.channel, err: err})
			return false
		}
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "psubscribe" {
				return true
			}
		case *redis.Message:
			t.apply(m.Payload)
		}
	}
	t.markDown(ctx, &unavailableError{op: "psubscribe", key: t.channel, err: context.DeadlineExceeded})
	return false
}

// subscriber applies invalidations and watches the connection. A lost
// connection degrades t (invalidations may be missed from then on); once
// go-redis has reconnected and resubscribed and Redis answers a PING, t
// recovers, emptying the in-process level.
func (t *Tiered) subscriber(ctx context.Context, subscribed bool) {
	defer close(t.done)
	const minBackoff = 20 * time.Millisecond
	backoff := minBackoff
	var lastProbe time.Time
	for {
		msg, err := t.ps.ReceiveTimeout(ctx, t.probeEvery)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			if ne, ok := errors.AsType[net.Error](err); ok && ne.Timeout() && subscribed {
				// Idle. A PING on the subscription connection
				// finds a half-open one; a degraded Tiered checks
				// whether commands work again.
				if err := t.ps.Ping(ctx); err != nil {
					subscribed = false
					t.markDown(ctx, &unavailableError{op: "ping", err: err})
					continue
				}
				lastProbe = time.Now()
				t.probe(ctx)
				continue
			}
			subscribed = false
			t.markDown(ctx, &unavailableError{op: "receive", key: t.channel, err: err})
			tm := time.NewTimer(backoff)
			select {
			case <-ctx.Done():
				tm.Stop()
				return
			case <-tm.C:
			}
			backoff = min(backoff*2, t.probeEvery)
			continue
		}
		backoff = minBackoff
		switch m := msg.(type) {
		case *redis.Subscription:
			if m.Kind == "psubscribe" {
				subscribed = true
				t.probe(ctx)
			}
		case *redis.Message:
			t.apply(m.Payload)
			// Under steady invalidation traffic the idle probe
			// never runs: probe between messages too.
			if subscribed && t.down.Load() && time.Since(lastProbe) >= t.probeEvery {
				lastProbe = time.Now()
				t.probe(ctx)
			}
		case *redis.Pong:
		}
	}
}

// probe recovers a degraded Tiered whose subscription is live if Redis
// answers a PING.
func (t *Tiered) probe(ctx context.Context) {
	if !t.down.Load() {
		return
	}
	if t.shared.Ping(ctx) == nil {
		t.recover(ctx)
	}
}

// Close stops the subscriber and waits for it. It does not close the Redis
// client.
func (t *Tiered) Close() error {
	t.life.Lock()
	defer t.life.Unlock()
	if t.cancel == nil {
		return nil
	}
	t.cancel()
	err := t.ps.Close()
	<-t.done
	t.running.Store(false)
	t.cancel = nil
	return err
}
