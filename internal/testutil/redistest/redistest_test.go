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
