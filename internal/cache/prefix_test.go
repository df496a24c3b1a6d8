package cache_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// TestPrefixCoversKeysLocksAndChannels plays two deployments sharing one
// Redis database, told apart only by RedisOptions.Prefix (the gateway's
// REDIS_KEY_PREFIX): values, fill locks and invalidation channels all carry
// the prefix, so neither deployment sees the other's, and nothing is
// written without it.
func TestPrefixCoversKeysLocksAndChannels(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	addr, a := redistest.Shared(t)
	_, b := redistest.Shared(t)
	a1 := newTiered(t, openRedis(t, "redis://"+addr, a), cache.TieredOptions{})
	a2 := newTiered(t, openRedis(t, "redis://"+addr, a), cache.TieredOptions{})
	b1 := newTiered(t, openRedis(t, "redis://"+addr, b), cache.TieredOptions{})
	conn := strings.TrimSuffix(strings.TrimPrefix(a, "test:"), ":")
	conn = strings.NewReplacer("/", "_", ":", "_").Replace(conn)
	key := cache.Key(conn, "describe", "Account")

	// A raw subscriber sees invalidations of this connection under any
	// prefix, or none.
	raw := redis.NewClient(&redis.Options{Addr: addr})
	defer raw.Close()
	ps := raw.PSubscribe(ctx, "*sfgate:invalidate:{"+conn+"}")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatal(err)
	}

	v, err := a1.GetOrLoad(ctx, key, cache.LoadOptions{}, func(context.Context) ([]byte, error) {
		// The fill lock is under the prefix while the load runs.
		if keys := redistest.Keys(t, addr, a); !slices.Contains(keys, a+key+":~fill") {
			t.Errorf("keys during the load: %v, want the fill lock %s", keys, a+key+":~fill")
		}
		return []byte("from a"), nil
	})
	if err != nil || string(v) != "from a" {
		t.Fatalf("a1.GetOrLoad = %q, %v", v, err)
	}
	if v, err := b1.GetOrLoad(ctx, key, cache.LoadOptions{}, func(context.Context) ([]byte, error) { return []byte("from b"), nil }); err != nil || string(v) != "from b" {
		t.Fatalf("b1.GetOrLoad = %q, %v; want its own load, not a's value", v, err)
	}
	if v, err := a2.Get(ctx, key); err != nil || string(v) != "from a" {
		t.Fatalf("a2.Get = %q, %v; want a1's value, shared under prefix a", v, err)
	}
	if got := redistest.Keys(t, addr, a); !slices.Equal(got, []string{a + key}) {
		t.Errorf("keys under a: %v, want only %s", got, a+key)
	}
	if n, err := raw.Exists(ctx, key, key+":~fill").Result(); err != nil || n != 0 {
		t.Errorf("%d of the key and its lock exist without a prefix (%v)", n, err)
	}

	if err := a1.Invalidate(ctx, key); err != nil {
		t.Fatal(err)
	}
	msg, err := ps.ReceiveMessage(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if msg.Channel != a+"sfgate:invalidate:{"+conn+"}" {
		t.Errorf("the invalidation went out on %q, want a's prefix on it", msg.Channel)
	}
	deadline := time.Now().Add(5 * time.Second)
	for a2.Stats().InvalidationsReceived == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if a2.Stats().InvalidationsReceived == 0 {
		t.Error("a2 did not receive a1's invalidation")
	}
	if v, err := b1.Get(ctx, key); err != nil || string(v) != "from b" || b1.Stats().InvalidationsReceived != 0 {
		t.Errorf("b1 after a's invalidation: %q, %v, %d received; want its value kept", v, err, b1.Stats().InvalidationsReceived)
	}
}
