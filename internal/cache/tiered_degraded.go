package cache

import (
	"context"
	"errors"
	"time"
)

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
