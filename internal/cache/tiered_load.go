package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"
)

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
	// Look again under the lock: a flight may have stored the value and
	// ended between the lookup above and here, and starting another would
	// load the key twice.
	if v, _, ok := t.local.lookup(key); ok {
		t.mu.Unlock()
		return v, nil
	}
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
