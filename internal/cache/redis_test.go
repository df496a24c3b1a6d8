package cache_test

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial; the outage tests cause many.
	redis.SetLogger(discardLogger{})
	os.Exit(m.Run())
}

type discardLogger struct{}

func (discardLogger) Printf(context.Context, string, ...any) {}

// sharedRedis returns a Redis store on the shared Redis under a prefix of
// the test's own.
func sharedRedis(t *testing.T) (*cache.Redis, string) {
	t.Helper()
	addr, prefix := redistest.Shared(t)
	return openRedis(t, "redis://"+addr, prefix), prefix
}

func openRedis(t *testing.T, url, prefix string) *cache.Redis {
	t.Helper()
	r, err := cache.OpenRedis(url, cache.RedisOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	return r
}

func TestRedisConformance(t *testing.T) {
	t.Parallel()
	runConformance(t, func(t *testing.T) storeUnderTest {
		r, _ := sharedRedis(t)
		return storeUnderTest{store: r, advance: time.Sleep}
	})
}

func TestRedisDeletePrefix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		prefix string
		keys   []string
		kept   []string
	}{
		{
			name:   "describes of one connection",
			prefix: cache.Key("prod", "describe") + ":",
			keys:   []string{cache.Key("prod", "describe", "Account"), cache.Key("prod", "describe", "Contact")},
			kept:   []string{cache.Key("prod", "session"), cache.Key("dev", "describe", "Account")},
		},
		{
			name:   "glob characters in the prefix match literally",
			prefix: "a*[b]?:",
			keys:   []string{"a*[b]?:1"},
			kept:   []string{"ax[b]?:1", "ab?:1", "a*b?:1"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := sharedRedis(t)
			ctx := t.Context()
			for _, k := range slices.Concat(tc.keys, tc.kept) {
				if err := r.Set(ctx, k, []byte("v"), time.Minute); err != nil {
					t.Fatal(err)
				}
			}
			n, err := r.DeletePrefix(ctx, tc.prefix)
			if err != nil || n != len(tc.keys) {
				t.Fatalf("DeletePrefix = %d, %v; want %d", n, err, len(tc.keys))
			}
			for _, k := range tc.keys {
				if _, err := r.Get(ctx, k); !errors.Is(err, cache.ErrNotFound) {
					t.Errorf("%s survived: %v", k, err)
				}
			}
			for _, k := range tc.kept {
				if _, err := r.Get(ctx, k); err != nil {
					t.Errorf("%s was deleted: %v", k, err)
				}
			}
		})
	}
}

func TestRedisUnreachableIsErrUnavailable(t *testing.T) {
	t.Parallel()
	// A port that nobody listens on.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := openRedis(t, "redis://"+addr, "")
	ctx := t.Context()
	k := cache.Key("c", "k")
	ops := map[string]func() error{
		"get":    func() error { _, err := r.Get(ctx, k); return err },
		"set":    func() error { return r.Set(ctx, k, []byte("v"), 0) },
		"setnx":  func() error { _, err := r.SetNX(ctx, k, []byte("v"), 0); return err },
		"delete": func() error { return r.Delete(ctx, k) },
		"cad":    func() error { _, err := r.CompareAndDelete(ctx, k, []byte("v")); return err },
		"prefix": func() error { _, err := r.DeletePrefix(ctx, "x"); return err },
		"ping":   func() error { return r.Ping(ctx) },
	}
	for name, op := range ops {
		start := time.Now()
		err := op()
		if !errors.Is(err, cache.ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", name, err)
		}
		if d := time.Since(start); d > 500*time.Millisecond { // no dial retries with pauses
			t.Errorf("%s took %v against a closed port", name, d)
		}
	}
	if got := r.Stats().SharedErrors; got < uint64(len(ops)) {
		t.Errorf("SharedErrors = %d, want >= %d", got, len(ops))
	}
}

func TestRedisCommandTimeoutBoundsASlowServer(t *testing.T) {
	t.Parallel()
	r, err := cache.OpenRedis("redis://"+hungListener(t), cache.RedisOptions{CommandTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	start := time.Now()
	_, err = r.Get(t.Context(), "k")
	if !errors.Is(err, cache.ErrUnavailable) {
		t.Fatalf("Get: err = %v, want ErrUnavailable", err)
	}
	// The command timeout bounds the call, retry included.
	if d := time.Since(start); d > 600*time.Millisecond {
		t.Fatalf("Get against a hung server took %v, want about the command timeout", d)
	}
}

func TestOpenRedisDoesNotEchoTheURL(t *testing.T) {
	t.Parallel()
	_, err := cache.OpenRedis("redis://:s3cret-pass@host:notaport/0", cache.RedisOptions{})
	if err == nil {
		t.Fatal("OpenRedis accepted a bad URL")
	}
	if got := err.Error(); strings.Contains(got, "s3cret") {
		t.Fatalf("error %q leaks the password", got)
	}
}
