package cache_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
)

// lockStores are the stores the session manager may lock with.
func lockStores(t *testing.T) map[string]cache.Store {
	r, _ := sharedRedis(t)
	r2, _ := sharedRedis(t)
	return map[string]cache.Store{
		"memory": cache.NewMemory(cache.MemoryOptions{}),
		"redis":  r,
		"tiered": newTiered(t, r2, cache.TieredOptions{}),
	}
}

func TestLockMutualExclusion(t *testing.T) {
	t.Parallel()
	for name, store := range lockStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			key := cache.Key("prod", "login-lock")
			var inside, maxInside, runs atomic.Int32
			var wg sync.WaitGroup
			for range 8 {
				wg.Go(func() {
					l, err := cache.Lock(t.Context(), store, key, 5*time.Second)
					if err != nil {
						t.Errorf("Lock: %v", err)
						return
					}
					n := inside.Add(1)
					for m := maxInside.Load(); n > m && !maxInside.CompareAndSwap(m, n); m = maxInside.Load() {
					}
					time.Sleep(5 * time.Millisecond)
					inside.Add(-1)
					runs.Add(1)
					if err := l.Release(t.Context()); err != nil {
						t.Errorf("Release: %v", err)
					}
				})
			}
			wg.Wait()
			if maxInside.Load() != 1 || runs.Load() != 8 {
				t.Fatalf("max holders at once %d (want 1), runs %d (want 8)", maxInside.Load(), runs.Load())
			}
		})
	}
}

func TestLockExpiresAndStaleReleaseIsHarmless(t *testing.T) {
	t.Parallel()
	for name, store := range lockStores(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ctx, key := t.Context(), cache.Key("prod", "expiring-lock")
			crashed, err := cache.TryLock(ctx, store, key, 100*time.Millisecond)
			if err != nil {
				t.Fatal(err)
			}
			wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			defer cancel()
			next, err := cache.Lock(wctx, store, key, time.Minute)
			if err != nil {
				t.Fatalf("Lock after the holder's TTL: %v", err)
			}
			if err := crashed.Release(ctx); !errors.Is(err, cache.ErrLeaseLost) {
				t.Fatalf("stale Release: err = %v, want ErrLeaseLost", err)
			}
			if _, err := cache.TryLock(ctx, store, key, time.Minute); !errors.Is(err, cache.ErrLocked) {
				t.Fatalf("the stale release freed the successor's lock: %v", err)
			}
			if err := next.Release(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestLockHonoursContext(t *testing.T) {
	t.Parallel()
	store := cache.NewMemory(cache.MemoryOptions{})
	key := "k"
	if _, err := cache.TryLock(t.Context(), store, key, time.Minute); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := cache.Lock(ctx, store, key, time.Minute); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock on a held lock: err = %v, want DeadlineExceeded", err)
	}
	if _, err := cache.Wait(ctx, store, "never"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait for a value that never comes: err = %v", err)
	}
	if _, err := cache.TryLock(t.Context(), store, "x", 0); err == nil {
		t.Fatal("TryLock accepted a zero TTL")
	}
}

// TestWaitOrLockOneLoginAcrossReplicas is the session manager's pattern: of
// many callers on several replicas, one takes the lock and logs in, the
// others reuse its session.
func TestWaitOrLockOneLoginAcrossReplicas(t *testing.T) {
	t.Parallel()
	r, _ := sharedRedis(t)
	var logins atomic.Int32
	sessionKey, lockKey := cache.Key("prod", "session"), cache.Key("prod", "session", "lock")
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			ctx := t.Context()
			v, lease, err := cache.WaitOrLock(ctx, r, sessionKey, lockKey, 5*time.Second)
			if err != nil {
				t.Errorf("WaitOrLock: %v", err)
				return
			}
			if lease != nil {
				defer lease.Release(ctx)
				if v, err = r.Get(ctx, sessionKey); errors.Is(err, cache.ErrNotFound) {
					logins.Add(1)
					time.Sleep(30 * time.Millisecond) // the login call
					v = []byte("session-1")
					if err := r.Set(ctx, sessionKey, v, time.Minute); err != nil {
						t.Errorf("Set: %v", err)
					}
				}
			}
			if string(v) != "session-1" {
				t.Errorf("got session %q", v)
			}
		})
	}
	wg.Wait()
	if logins.Load() != 1 {
		t.Fatalf("%d logins for 30 concurrent callers, want 1", logins.Load())
	}
}
