package cache_test

import (
	"errors"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/testutil/fakeclock"
)

type fakeClock = fakeclock.Clock

func newFakeClock() *fakeClock { return fakeclock.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) }

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	runConformance(t, func(t *testing.T) storeUnderTest {
		clk := newFakeClock()
		return storeUnderTest{store: cache.NewMemory(cache.MemoryOptions{Now: clk.Now}), advance: clk.Advance}
	})
}

func TestMemoryBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		opts      cache.MemoryOptions
		sets      []string // keys set in order, each with a 100-byte value
		touch     string   // read before the last set, so it is recent
		wantGone  []string
		wantKept  []string
		evictions uint64
	}{
		{
			name:      "max entries evicts the least recently used",
			opts:      cache.MemoryOptions{MaxEntries: 3},
			sets:      []string{"a", "b", "c", "d"},
			touch:     "a",
			wantGone:  []string{"b"},
			wantKept:  []string{"a", "c", "d"},
			evictions: 1,
		},
		{
			name:      "max bytes evicts until the budget holds",
			opts:      cache.MemoryOptions{MaxBytes: 3 * (100 + 1 + 96)},
			sets:      []string{"a", "b", "c", "d", "e"},
			wantGone:  []string{"a", "b"},
			wantKept:  []string{"c", "d", "e"},
			evictions: 2,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := cache.NewMemory(tc.opts)
			ctx := t.Context()
			val := make([]byte, 100)
			for i, k := range tc.sets {
				if i == len(tc.sets)-1 && tc.touch != "" {
					if _, err := m.Get(ctx, tc.touch); err != nil {
						t.Fatal(err)
					}
				}
				if err := m.Set(ctx, k, val, 0); err != nil {
					t.Fatal(err)
				}
			}
			for _, k := range tc.wantGone {
				if _, err := m.Get(ctx, k); !errors.Is(err, cache.ErrNotFound) {
					t.Errorf("%s kept, want evicted", k)
				}
			}
			for _, k := range tc.wantKept {
				if _, err := m.Get(ctx, k); err != nil {
					t.Errorf("%s evicted, want kept", k)
				}
			}
			if s := m.Stats(); s.Evictions != tc.evictions || s.Entries != len(tc.wantKept) {
				t.Errorf("stats %+v, want %d evictions and %d entries", s, tc.evictions, len(tc.wantKept))
			}
		})
	}
}

func TestMemoryExpiredEntriesGoFirst(t *testing.T) {
	t.Parallel()
	clk := newFakeClock()
	m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 2, Now: clk.Now})
	ctx := t.Context()
	_ = m.Set(ctx, "short", []byte("x"), time.Second)
	_ = m.Set(ctx, "long", []byte("x"), time.Hour)
	_, _ = m.Get(ctx, "short") // most recent, but about to expire
	clk.Advance(2 * time.Second)
	_ = m.Set(ctx, "new", []byte("x"), time.Hour)
	if _, err := m.Get(ctx, "long"); err != nil {
		t.Fatalf("a live entry was evicted while an expired one was there: %v", err)
	}
	if s := m.Stats(); s.Evictions != 0 {
		t.Fatalf("dropping an expired entry counted as an eviction: %+v", s)
	}
}

func TestMemoryTooLargeAndPrefix(t *testing.T) {
	t.Parallel()
	m := cache.NewMemory(cache.MemoryOptions{MaxBytes: 1000})
	ctx := t.Context()
	_ = m.Set(ctx, "big", []byte("old"), 0)
	if err := m.Set(ctx, "big", make([]byte, 2000), 0); !errors.Is(err, cache.ErrTooLarge) {
		t.Fatalf("Set of an oversized value: err = %v, want ErrTooLarge", err)
	}
	if _, err := m.Get(ctx, "big"); !errors.Is(err, cache.ErrNotFound) {
		t.Fatal("the value an oversized Set replaced is still served")
	}
	for _, k := range []string{"p:1", "p:2", "q:1"} {
		_ = m.Set(ctx, k, []byte("v"), 0)
	}
	if n, err := m.DeletePrefix(ctx, "p:"); n != 2 || err != nil {
		t.Fatalf("DeletePrefix = %d, %v", n, err)
	}
	if m.Len() != 1 {
		t.Fatalf("Len = %d, want 1", m.Len())
	}
	if s := m.Stats(); s.Bytes != int64(len("q:1")+1+96) {
		t.Fatalf("Bytes = %d after deletes, accounting drifted", s.Bytes)
	}
}
