package cache

import (
	"context"
	"strings"
	"time"
)

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
