package cache_test

import (
	"context"
	"testing"

	"github.com/sfgate/sfgate/internal/cache"
)

// BenchmarkGetOrLoadHit measures the hot path (an in-process hit through
// Tiered.GetOrLoad) against its baseline, a bare Memory.Get, in the same run.
func BenchmarkGetOrLoadHit(b *testing.B) {
	key := cache.Key("prod", "describe", "account")
	val := make([]byte, 64<<10)
	b.Run("baseline=Memory.Get", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{})
		_ = m.Set(b.Context(), key, val, 0)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if _, err := m.Get(ctx, key); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
	b.Run("Tiered.GetOrLoad", func(b *testing.B) {
		tc := cache.NewTiered(cache.TieredOptions{})
		load := func(context.Context) ([]byte, error) { return val, nil }
		_, _ = tc.GetOrLoad(b.Context(), key, cache.LoadOptions{}, load)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			ctx := context.Background()
			for pb.Next() {
				if _, err := tc.GetOrLoad(ctx, key, cache.LoadOptions{}, load); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}
