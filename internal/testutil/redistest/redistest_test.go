package redistest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func TestSharedCleansUpItsPrefix(t *testing.T) {
	t.Parallel()
	var addr, prefix string
	t.Run("user", func(t *testing.T) {
		addr, prefix = Shared(t)
		if !strings.HasPrefix(prefix, "test:TestSharedCleansUpItsPrefix/user:") {
			t.Errorf("prefix %q does not name the test", prefix)
		}
		c := redis.NewClient(&redis.Options{Addr: addr})
		defer c.Close()
		for _, k := range []string{"a", "b{x}", "c*"} {
			if err := c.Set(t.Context(), prefix+k, "v", time.Minute).Err(); err != nil {
				t.Fatal(err)
			}
		}
		if got := Keys(t, addr, prefix); len(got) != 3 {
			t.Fatalf("Keys = %v, want 3", got)
		}
	})
	if got := Keys(t, addr, prefix); len(got) != 0 {
		t.Fatalf("keys left after the subtest's cleanup: %v", got)
	}
}

func TestServerStopAndRestartKeepTheAddress(t *testing.T) {
	t.Parallel()
	s := Start(t)
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), MaxRetries: -1, DialerRetries: 1})
	defer c.Close()
	ping := func() error {
		ctx, cancel := context.WithTimeout(t.Context(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err()
	}
	if err := ping(); err != nil {
		t.Fatalf("after Start: %v", err)
	}
	s.Stop()
	if err := ping(); err == nil {
		t.Fatal("after Stop the server still answers")
	}
	s.Restart()
	if err := ping(); err != nil {
		t.Fatalf("after Restart on %s: %v", s.Addr(), err)
	}
	if s.URL() != "redis://"+s.Addr() {
		t.Fatalf("URL = %q", s.URL())
	}
}

func TestClaimDBOwnsAnEmptyDatabase(t *testing.T) {
	t.Parallel()
	var first int
	t.Run("claim", func(t *testing.T) {
		first = ClaimDB(t)
		second := ClaimDB(t)
		if first == second {
			t.Fatalf("two claims got database %d", first)
		}
		c := redis.NewClient(&redis.Options{Addr: SharedAddr(), DB: first})
		defer c.Close()
		if n, err := c.DBSize(t.Context()).Result(); err != nil || n != 1 {
			t.Fatalf("claimed database holds %d keys (%v), want only the claim", n, err)
		}
		// A key the test leaves behind is gone after cleanup.
		if err := c.Set(t.Context(), "sfgate:{default}:left", "x", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	c := redis.NewClient(&redis.Options{Addr: SharedAddr(), DB: first})
	defer c.Close()
	if n, err := c.DBSize(t.Context()).Result(); err != nil || n != 0 {
		t.Fatalf("after cleanup database %d holds %d keys (%v), want 0", first, n, err)
	}
}

func TestDeleteAllButKeepsOnlyTheClaim(t *testing.T) {
	t.Parallel()
	db := ClaimDB(t)
	c := redis.NewClient(&redis.Options{Addr: SharedAddr(), DB: db})
	defer c.Close()
	// What a killed run leaves: more keys than one SCAN page.
	for i := range 2500 {
		c.Set(t.Context(), "sfgate:{default}:stale:"+strings.Repeat("x", i%7)+time.Duration(i).String(), "x", time.Minute)
	}
	if err := deleteAllBut(t.Context(), c, ClaimKey); err != nil {
		t.Fatal(err)
	}
	keys, err := c.Keys(t.Context(), "*").Result()
	if err != nil || len(keys) != 1 || keys[0] != ClaimKey {
		t.Fatalf("left %v (%v), want only %s", keys, err, ClaimKey)
	}
}
