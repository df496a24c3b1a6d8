package limits

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// sharedRedis is the test Redis under this test's own prefix.
func sharedRedis(t *testing.T) *Shared {
	t.Helper()
	addr, prefix := redistest.Shared(t)
	c := redis.NewClient(&redis.Options{Addr: addr})
	t.Cleanup(func() { _ = c.Close() })
	return &Shared{Client: c, Prefix: prefix}
}

// deadRedis is a Redis nobody listens on: every command fails at once.
func deadRedis(t *testing.T) *Shared {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialerRetries: 1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = c.Close() })
	return &Shared{Client: c, Prefix: "test:dead:"}
}

// hammer runs n workers through sems (round robin), each holding a slot
// for hold, and returns the most held at once and how many were refused.
func hammer(t *testing.T, sems []*Semaphore, n int, hold, wait time.Duration) (peak int64, refused int64) {
	t.Helper()
	var cur atomic.Int64
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(t.Context(), wait)
			defer cancel()
			release, err := sems[i%len(sems)].Acquire(ctx)
			if err != nil {
				var se *sfgate.Error
				if !errors.As(err, &se) || se.Code != CodeConcurrencyLimit || se.RetryAfter <= 0 {
					t.Errorf("refusal %v, want %s with a Retry-After", err, CodeConcurrencyLimit)
				}
				atomic.AddInt64(&refused, 1)
				return
			}
			c := cur.Add(1)
			for {
				p := atomic.LoadInt64(&peak)
				if c <= p || atomic.CompareAndSwapInt64(&peak, p, c) {
					break
				}
			}
			time.Sleep(hold)
			cur.Add(-1)
			release()
		}()
	}
	wg.Wait()
	return peak, refused
}

func TestSemaphoreCapAcrossReplicas(t *testing.T) {
	t.Parallel()
	sh := sharedRedis(t)
	var sems []*Semaphore
	for range 3 {
		sems = append(sems, NewSemaphore(SemaphoreConfig{Connection: "c", Max: 4, Shared: sh}))
	}
	peak, refused := hammer(t, sems, 30, 20*time.Millisecond, 20*time.Second)
	if peak > 4 || peak < 2 || refused != 0 {
		t.Errorf("three replicas with cap 4: peak %d, refused %d; want ≤ 4 (and some overlap), none refused", peak, refused)
	}
	// Slots freed last stay with their replica for IdleHold, then go back.
	waitHolders(t, sems[0], 0)
}

// waitHolders waits up to a second for Redis to hold want leases.
func waitHolders(t *testing.T, s *Semaphore, want int64) {
	t.Helper()
	var n int64
	var err error
	for range 100 {
		if n, err = s.Holders(t.Context()); err == nil && n == want {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("holders: %d, %v; want %d", n, err, want)
}

// TestSemaphoreIdleHold: calls one after another on a replica reuse the
// slot the previous one freed, with no lease taken in Redis in between;
// another replica still gets that slot once the hold is over; with
// IdleHold negative a slot goes back at once.
func TestSemaphoreIdleHold(t *testing.T) {
	t.Parallel()
	sh := sharedRedis(t)
	a := NewSemaphore(SemaphoreConfig{Connection: "hold", Max: 1, IdleHold: 300 * time.Millisecond, Shared: sh})
	b := NewSemaphore(SemaphoreConfig{Connection: "hold", Max: 1, Shared: sh})
	tokens := map[string]bool{}
	for range 20 {
		release, err := a.Acquire(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		members, err := sh.Client.ZRange(t.Context(), sh.key(a.key), 0, -1).Result()
		if err != nil || len(members) != 1 {
			t.Fatalf("leases %v, %v; want one", members, err)
		}
		tokens[members[0]] = true
		release()
	}
	if len(tokens) != 1 {
		t.Errorf("20 calls in a row took %d leases, want 1", len(tokens))
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	release, err := b.Acquire(ctx)
	if err != nil {
		t.Fatalf("the other replica never got the held slot: %v", err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("the other replica got the slot after %v, while the first still held it", waited)
	}
	release()

	c := NewSemaphore(SemaphoreConfig{Connection: "hold-none", Max: 1, IdleHold: -1, Shared: sh})
	release, err = c.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if n, err := c.Holders(t.Context()); err != nil || n != 0 {
		t.Errorf("IdleHold -1: %d leases right after release, want 0", n)
	}
}

func TestSemaphoreRefusesAtTheDeadline(t *testing.T) {
	t.Parallel()
	s := NewSemaphore(SemaphoreConfig{Connection: "c", Max: 1, Shared: sharedRedis(t)})
	release, err := s.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	start := time.Now()
	_, refused := hammer(t, []*Semaphore{s}, 1, 0, 300*time.Millisecond)
	if refused != 1 {
		t.Fatal("a full cap did not refuse")
	}
	if el := time.Since(start); el < 200*time.Millisecond || el > 2*time.Second {
		t.Errorf("refused after %v, want close to the 300ms deadline (it queues)", el)
	}
}

// TestSemaphoreLeaseOfADeadReplicaExpires takes a slot as a replica that
// then dies (no release, no renewal): the slot comes back after its lease.
func TestSemaphoreLeaseOfADeadReplicaExpires(t *testing.T) {
	t.Parallel()
	sh := sharedRedis(t)
	s := NewSemaphore(SemaphoreConfig{Connection: "c", Max: 1, LeaseTTL: 300 * time.Millisecond, Shared: sh})
	if n, err := acquireScript.Run(t.Context(), sh.Client, []string{sh.key(s.key)}, "dead-replica", 1, 300).Int(); err != nil || n != 1 {
		t.Fatalf("dead replica's acquire: %d, %v", n, err)
	}
	start := time.Now()
	release, err := s.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	release()
	if el := time.Since(start); el < 250*time.Millisecond {
		t.Errorf("acquired after %v, before the dead replica's lease ran out", el)
	}
}

// TestSemaphoreRenewsLongCalls holds a slot for three lease TTLs: renewal
// keeps it, so a second caller waits.
func TestSemaphoreRenewsLongCalls(t *testing.T) {
	t.Parallel()
	s := NewSemaphore(SemaphoreConfig{Connection: "c", Max: 1, LeaseTTL: 150 * time.Millisecond, Shared: sharedRedis(t)})
	release, err := s.Acquire(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	_, refused := hammer(t, []*Semaphore{s}, 1, 0, 450*time.Millisecond)
	release()
	if refused != 1 {
		t.Error("a slot held past its lease TTL was taken by another caller: renewal failed")
	}
}

func TestSemaphoreFallsBackWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	sh := deadRedis(t)
	s := NewSemaphore(SemaphoreConfig{Connection: "c", Max: 8, Shared: sh}) // LocalMax 4
	peak, refused := hammer(t, []*Semaphore{s}, 20, 10*time.Millisecond, 10*time.Second)
	if peak > 4 || refused != 0 {
		t.Errorf("in-process fallback: peak %d, refused %d; want ≤ 4 (Max/2), none refused", peak, refused)
	}
	if !sh.Degraded() {
		t.Error("Shared not reported degraded")
	}
}

func TestBudgetTripsAcrossReplicas(t *testing.T) {
	t.Parallel()
	sh := sharedRedis(t)
	cfg := BudgetConfig{Connection: "c", Shared: sh, RetryAfter: 2 * time.Second, RefreshEvery: time.Nanosecond}
	a, _ := NewBudget(cfg)
	b, _ := NewBudget(cfg)
	plain := sfgate.WithCaller(t.Context(), &sfgate.Caller{Name: "app"})
	essential := sfgate.WithCaller(t.Context(), &sfgate.Caller{Name: "billing", Essential: true})

	a.Observe(plain, 899, 1000, false)
	if err := b.Admit(plain); err != nil {
		t.Fatalf("below the share: %v", err)
	}
	a.Observe(plain, 900, 1000, false) // 90%: trips
	err := b.Admit(plain)
	var se *sfgate.Error
	if !errors.As(err, &se) || se.Code != CodeAPIBudgetExhausted || se.Kind != sfgate.KindUnavailable || se.RetryAfter < time.Second {
		t.Fatalf("past the share on a peer: %v, want %s with a Retry-After", err, CodeAPIBudgetExhausted)
	}
	if err := b.Admit(essential); err != nil {
		t.Errorf("essential caller refused past the share: %v", err)
	}
	if used, limit := b.Usage(); used != 900 || limit != 1000 {
		t.Errorf("b's reading %d/%d, want the peer's 900/1000", used, limit)
	}

	a.Observe(plain, 0, 0, true) // REQUEST_LIMIT_EXCEEDED: nobody passes
	if err := b.Admit(essential); !errors.As(err, &se) || se.Code != CodeAPIBudgetExhausted {
		t.Errorf("essential caller after REQUEST_LIMIT_EXCEEDED on a peer: %v, want refused", err)
	}
	time.Sleep(2100 * time.Millisecond)
	if err := b.Admit(plain); err != nil {
		t.Errorf("after the trip's expiry: %v", err)
	}
}

func TestBudgetWithoutRedis(t *testing.T) {
	t.Parallel()
	b, _ := NewBudget(BudgetConfig{Connection: "c", Share: 0.5, Shared: deadRedis(t)})
	b.Observe(t.Context(), 50, 100, false)
	if err := b.Admit(t.Context()); err == nil {
		t.Error("no refusal past the share with Redis down")
	}
	if _, err := NewBudget(BudgetConfig{Share: 1.5}); err == nil {
		t.Error("a share above 1 was accepted")
	}
}

func TestRateLimiterSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	sh := sharedRedis(t)
	a, b := NewRateLimiter("c", sh, 0), NewRateLimiter("c", sh, 0)
	var allowed int
	var last Decision
	for i := range 6 {
		l := a
		if i%2 == 1 {
			l = b
		}
		d, err := l.Allow(t.Context(), "app", 0.5, 3)
		if err != nil {
			t.Fatal(err)
		}
		if d.Allowed {
			allowed++
			if d.Remaining != 3-allowed {
				t.Errorf("remaining %d after %d requests, want %d", d.Remaining, allowed, 3-allowed)
			}
		}
		last = d
	}
	if allowed != 3 {
		t.Errorf("%d of 6 allowed across two replicas at burst 3, want 3", allowed)
	}
	if last.Allowed || last.RetryAfter < time.Second || last.RetryAfter > 2*time.Second || last.Reset < 5*time.Second {
		t.Errorf("refusal %+v, want retry in ~2s and a reset of ~6s", last)
	}
	if d, _ := a.Allow(t.Context(), "other", 0.5, 3); !d.Allowed {
		t.Error("another caller was limited by the first one's use")
	}
}

func TestRateLimiterFallsBackWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	l := NewRateLimiter("c", deadRedis(t), 2)
	allowed := 0
	for range 5 {
		if d, _ := l.Allow(t.Context(), "app", 1, 2); d.Allowed {
			allowed++
		}
	}
	if allowed != 2 {
		t.Errorf("%d of 5 allowed in process at burst 2, want 2", allowed)
	}
	for _, c := range []string{"x", "y", "z"} { // past maxLocal: evicts, never stricter
		if d, _ := l.Allow(t.Context(), c, 1, 2); !d.Allowed {
			t.Errorf("new caller %s refused", c)
		}
	}
}
