package cache_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
)

// storeUnderTest is one Store plus how to let time pass for it: a fake clock
// for Memory, real sleeping for anything that involves Redis.
type storeUnderTest struct {
	store cache.Store
	// advance lets d pass for the store's TTLs.
	advance func(d time.Duration)
}

// conformanceTTL is the TTL of the expiry cases: long enough for a Redis
// round trip on a busy machine, short enough to wait out.
const conformanceTTL = 150 * time.Millisecond

// conformanceCases are the one suite every Store passes; each case makes
// its stores with newStore.
var conformanceCases = []struct {
	name string
	run  func(t *testing.T, newStore func(t *testing.T) storeUnderTest)
}{
	{"get of a missing key is ErrNotFound", conformGetMissing},
	{"set then get returns the value, set again replaces it", conformSetThenGet},
	{"the stored value does not alias the caller's slice", conformNoAlias},
	{"values expire after their ttl, not before", conformExpiry},
	{"setnx stores only into an empty or expired key", conformSetNXEmptyOrExpired},
	{"setnx under contention lets exactly one win", conformSetNXContention},
	{"delete removes, and deleting a missing key is fine", conformDeleteTwice},
	{"compare and delete", conformCompareAndDelete},
	{"a cancelled context is honoured", conformCancelledContext},
	{"lock: one holder at a time, release by token only", conformLockHolder},
}

// runConformance runs every conformance case, in parallel, over stores
// newStore makes.
func runConformance(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	t.Helper()
	for _, c := range conformanceCases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, newStore)
		})
	}
}

func conformGetMissing(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	_, err := s.store.Get(t.Context(), cache.Key("c", "missing"))
	if !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get missing: err = %v, want ErrNotFound", err)
	}
}

func conformSetThenGet(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k := t.Context(), cache.Key("c", "k")
	for _, v := range []string{"one", "two", ""} {
		if err := s.store.Set(ctx, k, []byte(v), 0); err != nil {
			t.Fatalf("Set %q: %v", v, err)
		}
		got, err := s.store.Get(ctx, k)
		if err != nil || string(got) != v {
			t.Fatalf("Get after Set %q = %q, %v", v, got, err)
		}
	}
}

func conformNoAlias(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k := t.Context(), cache.Key("c", "alias")
	v := []byte("abc")
	if err := s.store.Set(ctx, k, v, 0); err != nil {
		t.Fatal(err)
	}
	v[0] = 'X'
	if got, _ := s.store.Get(ctx, k); string(got) != "abc" {
		t.Fatalf("Get = %q after the caller changed its slice, want abc", got)
	}
}

func conformExpiry(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k, keep := t.Context(), cache.Key("c", "ttl"), cache.Key("c", "keep")
	if err := s.store.Set(ctx, k, []byte("v"), conformanceTTL); err != nil {
		t.Fatal(err)
	}
	if err := s.store.Set(ctx, keep, []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.store.Get(ctx, k); err != nil {
		t.Fatalf("Get before expiry: %v", err)
	}
	s.advance(conformanceTTL + 100*time.Millisecond)
	if _, err := s.store.Get(ctx, k); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get after expiry: err = %v, want ErrNotFound", err)
	}
	if _, err := s.store.Get(ctx, keep); err != nil {
		t.Fatalf("Get of a key without ttl: %v", err)
	}
}

func conformSetNXEmptyOrExpired(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k := t.Context(), cache.Key("c", "nx")
	steps := []struct {
		value string
		want  bool
	}{{"first", true}, {"second", false}}
	for _, st := range steps {
		ok, err := s.store.SetNX(ctx, k, []byte(st.value), conformanceTTL)
		if err != nil || ok != st.want {
			t.Fatalf("SetNX %q = %v, %v; want %v", st.value, ok, err, st.want)
		}
	}
	if got, _ := s.store.Get(ctx, k); string(got) != "first" {
		t.Fatalf("Get = %q, want first", got)
	}
	s.advance(conformanceTTL + 100*time.Millisecond)
	if ok, err := s.store.SetNX(ctx, k, []byte("third"), conformanceTTL); err != nil || !ok {
		t.Fatalf("SetNX after expiry = %v, %v; want true", ok, err)
	}
}

func conformSetNXContention(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k := t.Context(), cache.Key("c", "race")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			ok, err := s.store.SetNX(ctx, k, fmt.Appendf(nil, "w%d", i), time.Minute)
			if err != nil {
				t.Errorf("SetNX: %v", err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d SetNX calls won, want exactly 1", n)
	}
}

func conformDeleteTwice(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k := t.Context(), cache.Key("c", "del")
	if err := s.store.Set(ctx, k, []byte("v"), 0); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := s.store.Delete(ctx, k); err != nil {
			t.Fatalf("Delete: %v", err)
		}
	}
	if _, err := s.store.Get(ctx, k); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("Get after Delete: err = %v", err)
	}
}

func conformCompareAndDelete(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	tests := []struct {
		name     string
		stored   *string
		expected string
		deleted  bool
	}{
		{"matching value is deleted", new("tok-1"), "tok-1", true},
		{"other value is kept", new("tok-2"), "tok-1", false},
		{"missing key reports false", nil, "tok-1", false},
		{"prefix of the value does not match", new("tok-12"), "tok-1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			ctx, k := t.Context(), cache.Key("c", "cad")
			if tc.stored != nil {
				if err := s.store.Set(ctx, k, []byte(*tc.stored), time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			ok, err := s.store.CompareAndDelete(ctx, k, []byte(tc.expected))
			if err != nil || ok != tc.deleted {
				t.Fatalf("CompareAndDelete = %v, %v; want %v", ok, err, tc.deleted)
			}
			_, err = s.store.Get(ctx, k)
			if gone := errors.Is(err, cache.ErrNotFound); gone != (tc.stored == nil || tc.deleted) {
				t.Fatalf("after CompareAndDelete, Get err = %v", err)
			}
		})
	}
}

func conformCancelledContext(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	k := cache.Key("c", "cancel")
	if _, err := s.store.Get(ctx, k); !errors.Is(err, context.Canceled) {
		t.Errorf("Get: err = %v, want context.Canceled", err)
	}
	if err := s.store.Set(ctx, k, []byte("v"), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("Set: err = %v, want context.Canceled", err)
	}
	if _, err := s.store.SetNX(ctx, k, []byte("v"), 0); !errors.Is(err, context.Canceled) {
		t.Errorf("SetNX: err = %v, want context.Canceled", err)
	}
	if _, err := s.store.CompareAndDelete(ctx, k, []byte("v")); !errors.Is(err, context.Canceled) {
		t.Errorf("CompareAndDelete: err = %v, want context.Canceled", err)
	}
}

func conformLockHolder(t *testing.T, newStore func(t *testing.T) storeUnderTest) {
	s := newStore(t)
	ctx, k := t.Context(), cache.Key("c", "lock")
	l1, err := cache.TryLock(ctx, s.store, k, time.Minute)
	if err != nil {
		t.Fatalf("TryLock: %v", err)
	}
	if _, err := cache.TryLock(ctx, s.store, k, time.Minute); !errors.Is(err, cache.ErrLocked) {
		t.Fatalf("second TryLock: err = %v, want ErrLocked", err)
	}
	if err := l1.Release(ctx); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := l1.Release(ctx); !errors.Is(err, cache.ErrLeaseLost) {
		t.Fatalf("second Release: err = %v, want ErrLeaseLost", err)
	}
	l2, err := cache.TryLock(ctx, s.store, k, time.Minute)
	if err != nil {
		t.Fatalf("TryLock after release: %v", err)
	}
	defer l2.Release(context.WithoutCancel(ctx))
}
