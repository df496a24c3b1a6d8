package cache

import (
	"bytes"
	"context"
	"errors"
	"time"
)

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
