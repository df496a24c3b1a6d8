package redistest

import (
	"context"
	"fmt"
	"os"
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
		want := "test:"
		if run := os.Getenv(RunEnv); run != "" {
			want += sanitize(run) + ":"
		}
		if !strings.HasPrefix(prefix, want+"TestSharedCleansUpItsPrefix/user:") {
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

// recorder is a testing.TB whose Errorf is recorded, not reported, so a
// test can check that a helper fails the test it is given.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestCleanUpReportsWritesAfterTheTest(t *testing.T) {
	t.Parallel()
	addr, prefix := Shared(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	set := func(k string) {
		if err := c.Set(t.Context(), prefix+k, "v", time.Minute).Err(); err != nil {
			t.Fatal(err)
		}
	}
	set("during")

	clean := &recorder{TB: t}
	cleanUp(clean, c, prefix, nil)
	if len(clean.errs) != 0 || len(Keys(t, addr, prefix)) != 0 {
		t.Fatalf("a clean test: errors %q, keys left %v", clean.errs, Keys(t, addr, prefix))
	}

	set("during")
	late := &recorder{TB: t}
	cleanUp(late, c, prefix, func() { set("late") })
	if len(late.errs) != 1 || !strings.Contains(late.errs[0], prefix+"late") || !strings.Contains(late.errs[0], "outlives it") {
		t.Fatalf("a write after cleanup: errors %q, want one naming %slate", late.errs, prefix)
	}
	if left := Keys(t, addr, prefix); len(left) != 0 {
		t.Fatalf("the late key is left: %v", left)
	}
}

// TestSharedPrefixNamesTheRun is not parallel: it sets the environment.
func TestSharedPrefixNamesTheRun(t *testing.T) {
	t.Setenv(RunEnv, "run 42")
	_, prefix := Shared(t)
	if !strings.HasPrefix(prefix, "test:run_42:TestSharedPrefixNamesTheRun:") {
		t.Fatalf("prefix %q does not start with the run, then the test", prefix)
	}
}
