package idempotency

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/testutil/fakeclock"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// stores returns each store under test on the same clock.
func stores(t *testing.T, clock func() time.Time, ttl time.Duration) map[string]sfgate.IdempotencyStore {
	t.Helper()
	addr, prefix := redistest.Shared(t)
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	return map[string]sfgate.IdempotencyStore{
		"memory": NewMemory(ttl, 0, clock),
		"redis":  NewRedis(client, RedisOptions{Prefix: prefix, TTL: ttl, Now: clock}),
	}
}

func key(caller, k, body string) sfgate.IdempotencyKey {
	return sfgate.IdempotencyKey{Caller: caller, Key: k, Fingerprint: sha256.Sum256([]byte(body))}
}

func claim(t *testing.T, s sfgate.IdempotencyStore, k sfgate.IdempotencyKey, lease time.Duration) sfgate.Claim {
	t.Helper()
	c, err := s.Claim(t.Context(), k, lease)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	return c
}

// TestStoreConformance runs the same life of a key through both stores:
// acquired, in flight, mismatch, settled and replayed, caller apart,
// released, abandoned past its lease, expired past the TTL.
func TestStoreConformance(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	// Redis expires keys on its own clock: the TTL is long and expiry is
	// checked on the memory store only.
	for name, s := range stores(t, clock.Now, time.Hour) {
		t.Run(name, func(t *testing.T) {
			k := key("app-a", "k-"+name, `{"Name":"Acme"}`)
			first := claim(t, s, k, time.Minute)
			if first.State != sfgate.ClaimAcquired || first.Token == "" {
				t.Fatalf("first claim = %+v, want acquired with a token", first)
			}
			if c := claim(t, s, k, time.Minute); c.State != sfgate.ClaimInFlight {
				t.Errorf("second claim while in flight = %v, want in flight", c.State)
			}
			if c := claim(t, s, key("app-a", "k-"+name, `{"Name":"Other"}`), time.Minute); c.State != sfgate.ClaimMismatch {
				t.Errorf("claim with another body = %v, want mismatch", c.State)
			}
			other := claim(t, s, key("app-b", "k-"+name, `{"Name":"Acme"}`), time.Minute)
			if other.State != sfgate.ClaimAcquired {
				t.Errorf("another caller's same key = %v, want acquired (keys are per caller)", other.State)
			}
			if ok, err := s.Settle(t.Context(), sfgate.Claim{Key: k, Token: "not-the-holder"}, []byte("x")); ok || err != nil {
				t.Errorf("settle by a stranger = %v, %v; want false", ok, err)
			}
			if ok, err := s.Settle(t.Context(), first, []byte("answer-1")); !ok || err != nil {
				t.Fatalf("settle = %v, %v", ok, err)
			}
			if c := claim(t, s, k, time.Minute); c.State != sfgate.ClaimDone || string(c.Answer) != "answer-1" {
				t.Errorf("claim after settle = %v %q, want done with the answer", c.State, c.Answer)
			}
			if c := claim(t, s, key("app-a", "k-"+name, `{}`), time.Minute); c.State != sfgate.ClaimMismatch {
				t.Errorf("claim with another body after settle = %v, want mismatch", c.State)
			}
			if err := s.Release(t.Context(), first); err != nil {
				t.Fatal(err)
			}
			if c := claim(t, s, k, time.Minute); c.State != sfgate.ClaimDone {
				t.Errorf("a settled key was released: %v", c.State)
			}
			if err := s.Release(t.Context(), other); err != nil {
				t.Fatal(err)
			}
			if c := claim(t, s, other.Key, time.Minute); c.State != sfgate.ClaimAcquired {
				t.Errorf("claim after release = %v, want acquired", c.State)
			}

			lapsed := key("app-a", "lapsed-"+name, "b")
			claim(t, s, lapsed, time.Second)
			clock.Advance(2 * time.Second)
			if c := claim(t, s, lapsed, time.Second); c.State != sfgate.ClaimAbandoned {
				t.Errorf("claim past the holder's lease = %v, want abandoned", c.State)
			}
		})
	}
}

func TestMemoryExpiresAndBounds(t *testing.T) {
	t.Parallel()
	clock := fakeclock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	m := NewMemory(time.Hour, 2, clock.Now)
	a := claim(t, m, key("c", "a", ""), time.Minute)
	m.Settle(t.Context(), a, []byte("x"))
	claim(t, m, key("c", "b", ""), time.Minute)
	if _, err := m.Claim(t.Context(), key("c", "c", ""), time.Minute); !errors.Is(err, ErrUnavailable) {
		t.Errorf("claim past the bound: err = %v, want ErrUnavailable", err)
	}
	clock.Advance(time.Hour)
	if c := claim(t, m, key("c", "a", ""), time.Minute); c.State != sfgate.ClaimAcquired {
		t.Errorf("claim past the TTL = %v, want acquired", c.State)
	}
	if c := claim(t, m, key("c", "c", ""), time.Minute); c.State != sfgate.ClaimAcquired {
		t.Errorf("claim after expired keys were swept = %v, want acquired", c.State)
	}
}

// TestRedisTTLAndRace checks the key carries the TTL and that of 50
// concurrent claims exactly one acquires.
func TestRedisTTLAndRace(t *testing.T) {
	t.Parallel()
	addr, prefix := redistest.Shared(t)
	client := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { client.Close() })
	s := NewRedis(client, RedisOptions{Prefix: prefix, TTL: 90 * time.Minute})
	k := key("app", "race", "body")
	var acquired, inflight atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			c, err := s.Claim(context.WithoutCancel(t.Context()), k, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			switch c.State {
			case sfgate.ClaimAcquired:
				acquired.Add(1)
			case sfgate.ClaimInFlight:
				inflight.Add(1)
			}
		})
	}
	wg.Wait()
	if acquired.Load() != 1 || inflight.Load() != 49 {
		t.Errorf("%d acquired, %d in flight; want 1 and 49", acquired.Load(), inflight.Load())
	}
	ttl, err := client.PTTL(t.Context(), redisKey(prefix, k)).Result()
	if err != nil || ttl <= 89*time.Minute || ttl > 90*time.Minute {
		t.Errorf("TTL = %v (%v), want about 90m", ttl, err)
	}
}

// TestRedisDown checks an unreachable Redis is ErrUnavailable, so the
// gateway refuses the request rather than running it unguarded.
func TestRedisDown(t *testing.T) {
	t.Parallel()
	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 100 * time.Millisecond, MaxRetries: -1})
	t.Cleanup(func() { client.Close() })
	s := NewRedis(client, RedisOptions{})
	if _, err := s.Claim(t.Context(), key("a", "b", "c"), time.Minute); !errors.Is(err, ErrUnavailable) {
		t.Errorf("err = %v, want ErrUnavailable", err)
	}
}
