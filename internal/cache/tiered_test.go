package cache_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// newTiered starts a Tiered over r (memory-only if r is nil) and closes it
// at the end of the test.
func newTiered(t *testing.T, r *cache.Redis, opts cache.TieredOptions) *cache.Tiered {
	t.Helper()
	opts.Shared = r
	if opts.ProbeInterval == 0 {
		opts.ProbeInterval = 100 * time.Millisecond
	}
	if opts.LoadTimeout == 0 {
		opts.LoadTimeout = 5 * time.Second
	}
	tc := cache.NewTiered(opts)
	if err := tc.Start(t.Context()); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := tc.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tc
}

func TestTieredConformance(t *testing.T) {
	t.Parallel()
	t.Run("memory only", func(t *testing.T) {
		t.Parallel()
		runConformance(t, func(t *testing.T) storeUnderTest {
			clk := newFakeClock()
			local := cache.NewMemory(cache.MemoryOptions{Now: clk.Now})
			return storeUnderTest{store: newTiered(t, nil, cache.TieredOptions{Local: local}), advance: clk.Advance}
		})
	})
	t.Run("over redis", func(t *testing.T) {
		t.Parallel()
		runConformance(t, func(t *testing.T) storeUnderTest {
			r, _ := sharedRedis(t)
			return storeUnderTest{store: newTiered(t, r, cache.TieredOptions{}), advance: time.Sleep}
		})
	})
}

// source is a loader that counts its calls and returns the current version.
type source struct {
	calls   atomic.Int32
	version atomic.Int32
	delay   time.Duration
	fail    atomic.Bool
	// gate, if set, holds every load until it is closed.
	gate chan struct{}
}

func (s *source) load(ctx context.Context) ([]byte, error) {
	s.calls.Add(1)
	if s.gate != nil {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.fail.Load() {
		return nil, errors.New("source down")
	}
	return fmt.Appendf(nil, "v%d", s.version.Load()), nil
}

// stacks returns n Tiered instances sharing one Redis prefix, as n replicas
// would (memory-only instances if shared is false).
func stacks(t *testing.T, n int, shared bool, opts cache.TieredOptions) []*cache.Tiered {
	t.Helper()
	var addr, prefix string
	if shared {
		addr, prefix = redistest.Shared(t)
	}
	out := make([]*cache.Tiered, n)
	for i := range out {
		o := opts
		o.Local = nil
		var r *cache.Redis
		if shared {
			r = openRedis(t, "redis://"+addr, prefix)
		}
		out[i] = newTiered(t, r, o)
	}
	t.Cleanup(func() {
		if t.Failed() {
			for i, x := range out {
				t.Logf("replica %d: %+v", i, x.Stats())
			}
		}
	})
	return out
}

func TestGetOrLoadCoalesces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		instances int
		shared    bool
		wantLoads int32
	}{
		{"one process, memory only", 1, false, 1},
		{"one process over redis", 1, true, 1},
		{"three processes sharing redis", 3, true, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tcs := stacks(t, tc.instances, tc.shared, cache.TieredOptions{})
			src := &source{gate: make(chan struct{})}
			key := cache.Key("prod", "describe", "Account")
			const callers = 100
			var wg sync.WaitGroup
			for i := range callers {
				tc := tcs[i%len(tcs)]
				wg.Go(func() {
					v, err := tc.GetOrLoad(t.Context(), key, cache.LoadOptions{}, src.load)
					if err != nil || string(v) != "v0" {
						t.Errorf("GetOrLoad = %q, %v", v, err)
					}
				})
			}
			// Hold the load until every caller has joined a flight:
			// one flight per process, all other callers coalesced.
			stat := func() (loads, coalesced, waits uint64) {
				for _, tc := range tcs {
					s := tc.Stats()
					loads, coalesced, waits = loads+s.Loads, coalesced+s.Coalesced, waits+s.PeerWaits
				}
				return
			}
			eventually(t, "every caller joined a flight and every other process waits for the first", func() bool {
				_, coalesced, waits := stat()
				return coalesced == uint64(callers-len(tcs)) && waits == uint64(len(tcs)-1)
			})
			close(src.gate)
			wg.Wait()
			if got := src.calls.Load(); got != tc.wantLoads {
				t.Fatalf("loader ran %d times for %d concurrent misses, want %d", got, callers, tc.wantLoads)
			}
			if loads, _, _ := stat(); loads != 1 {
				t.Errorf("stats: loads %d, want 1", loads)
			}
			// A second round is served without loading.
			for _, tc := range tcs {
				if _, err := tc.GetOrLoad(t.Context(), key, cache.LoadOptions{}, src.load); err != nil {
					t.Fatal(err)
				}
			}
			if got := src.calls.Load(); got != tc.wantLoads {
				t.Fatalf("loader ran again on a warm cache (%d calls)", got)
			}
		})
	}
}

func TestGetOrLoadCallerGivingUpDoesNotFailOthers(t *testing.T) {
	t.Parallel()
	tc := stacks(t, 1, true, cache.TieredOptions{})[0]
	src := &source{delay: 200 * time.Millisecond}
	key := cache.Key("prod", "describe", "Lead")

	impatient, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	first := make(chan error, 1)
	go func() {
		_, err := tc.GetOrLoad(impatient, key, cache.LoadOptions{}, src.load)
		first <- err
	}()
	time.Sleep(5 * time.Millisecond) // let the impatient caller start the load
	v, err := tc.GetOrLoad(t.Context(), key, cache.LoadOptions{}, src.load)
	if err != nil || string(v) != "v0" {
		t.Fatalf("patient caller: GetOrLoad = %q, %v", v, err)
	}
	if err := <-first; !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: err = %v, want its own deadline", err)
	}
	if got := src.calls.Load(); got != 1 {
		t.Fatalf("loader ran %d times, want 1 (the shared load survives its starter)", got)
	}
}

func TestGetOrLoadErrorsAreSharedNotCached(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprintf("shared=%v", shared), func(t *testing.T) {
			t.Parallel()
			tcs := stacks(t, 2, shared, cache.TieredOptions{})
			src := &source{delay: 30 * time.Millisecond}
			src.fail.Store(true)
			key := cache.Key("prod", "describe", "Case")
			var wg sync.WaitGroup
			var failed atomic.Int32
			for i := range 10 {
				wg.Go(func() {
					_, err := tcs[i%2].GetOrLoad(t.Context(), key, cache.LoadOptions{}, src.load)
					if err != nil && strings.Contains(err.Error(), "source down") {
						failed.Add(1)
					}
				})
			}
			wg.Wait()
			if failed.Load() != 10 {
				t.Fatalf("%d of 10 callers saw the loader's error", failed.Load())
			}
			if c := src.calls.Load(); c < 1 || c > 10 {
				t.Fatalf("loader calls = %d", c)
			}
			src.fail.Store(false)
			before := src.calls.Load()
			v, err := tcs[0].GetOrLoad(t.Context(), key, cache.LoadOptions{}, src.load)
			if err != nil || string(v) != "v0" || src.calls.Load() != before+1 {
				t.Fatalf("after the source recovered: %q, %v, calls %d→%d", v, err, before, src.calls.Load())
			}
		})
	}
}

// eventually polls cond every 10 ms for up to 3 s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestInvalidationReachesOtherReplicas(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		invalidate func(ctx context.Context, tc *cache.Tiered) error
	}{
		{"one key", func(ctx context.Context, tc *cache.Tiered) error {
			return tc.Invalidate(ctx, cache.Key("prod", "describe", "Account"))
		}},
		{"a prefix", func(ctx context.Context, tc *cache.Tiered) error {
			return tc.InvalidatePrefix(ctx, cache.Key("prod", "describe")+":")
		}},
		{"delete", func(ctx context.Context, tc *cache.Tiered) error {
			return tc.Delete(ctx, cache.Key("prod", "describe", "Account"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// A long LocalTTL: only the invalidation can make B reload.
			ab := stacks(t, 2, true, cache.TieredOptions{LocalTTL: time.Hour})
			a, b := ab[0], ab[1]
			src := &source{}
			key := cache.Key("prod", "describe", "Account")
			ctx := t.Context()
			for _, x := range ab {
				if v, err := x.GetOrLoad(ctx, key, cache.LoadOptions{}, src.load); err != nil || string(v) != "v0" {
					t.Fatalf("warm-up: %q, %v", v, err)
				}
			}
			src.version.Store(1)
			if err := tc.invalidate(ctx, a); err != nil {
				t.Fatalf("invalidate: %v", err)
			}
			eventually(t, "B serves the new version", func() bool {
				v, err := b.GetOrLoad(ctx, key, cache.LoadOptions{}, src.load)
				return err == nil && string(v) == "v1"
			})
			if v, err := a.GetOrLoad(ctx, key, cache.LoadOptions{}, src.load); err != nil || string(v) != "v1" {
				t.Fatalf("A after its own invalidation: %q, %v", v, err)
			}
			if got := src.calls.Load(); got != 2 {
				t.Errorf("loader calls = %d, want 2 (one per version across both replicas)", got)
			}
			if s := b.Stats(); s.InvalidationsReceived == 0 {
				t.Errorf("B received no invalidation: %+v", s)
			}
		})
	}
}

func TestSetIsSeenByOtherReplicas(t *testing.T) {
	t.Parallel()
	ab := stacks(t, 2, true, cache.TieredOptions{LocalTTL: time.Hour})
	a, b := ab[0], ab[1]
	ctx, key := t.Context(), cache.Key("prod", "session")
	if err := a.Set(ctx, key, []byte("s1"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get(ctx, key); err != nil || string(v) != "s1" {
		t.Fatalf("B.Get = %q, %v", v, err)
	}
	if err := a.Set(ctx, key, []byte("s2"), time.Minute); err != nil {
		t.Fatal(err)
	}
	eventually(t, "B sees the replaced value", func() bool {
		v, err := b.Get(ctx, key)
		return err == nil && string(v) == "s2"
	})
	// Evicting only the rejected session: B's compare and delete of the old
	// one leaves A's new one in place.
	if ok, err := b.CompareAndDelete(ctx, key, []byte("s1")); err != nil || ok {
		t.Fatalf("CompareAndDelete(stale) = %v, %v; want false", ok, err)
	}
	if v, err := a.Get(ctx, key); err != nil || string(v) != "s2" {
		t.Fatalf("A.Get after B's stale CAD = %q, %v", v, err)
	}
}

func TestInvalidateFencesALoadInFlight(t *testing.T) {
	t.Parallel()
	ab := stacks(t, 2, true, cache.TieredOptions{LocalTTL: time.Hour})
	a, b := ab[0], ab[1]
	ctx, key := t.Context(), cache.Key("prod", "describe", "Opportunity")
	release := make(chan struct{})
	started := make(chan struct{})
	var calls atomic.Int32
	slowOld := func(ctx context.Context) ([]byte, error) {
		calls.Add(1)
		close(started)
		<-release
		return []byte("old"), nil
	}
	done := make(chan []byte)
	go func() {
		v, _ := a.GetOrLoad(ctx, key, cache.LoadOptions{}, slowOld)
		done <- v
	}()
	<-started
	if err := b.Invalidate(ctx, key); err != nil {
		t.Fatal(err)
	}
	// Wait until A has applied the invalidation, then let the old load end.
	eventually(t, "A receives the invalidation", func() bool { return a.Stats().InvalidationsReceived > 0 })
	close(release)
	if v := <-done; string(v) != "old" {
		t.Fatalf("the caller that asked before the invalidation got %q", v)
	}
	fresh := func(context.Context) ([]byte, error) { calls.Add(1); return []byte("new"), nil }
	for name, x := range map[string]*cache.Tiered{"A": a, "B": b} {
		v, err := x.GetOrLoad(ctx, key, cache.LoadOptions{}, fresh)
		if err != nil || string(v) != "new" {
			t.Fatalf("%s after the invalidation: %q, %v (the pre-invalidation load was written back)", name, v, err)
		}
	}
	if got := calls.Load(); got != 2 {
		t.Fatalf("loader calls = %d, want 2", got)
	}
}

func TestRefreshRunsOnceAcrossReplicas(t *testing.T) {
	t.Parallel()
	tcs := stacks(t, 3, true, cache.TieredOptions{LocalTTL: time.Hour})
	src := &source{delay: 30 * time.Millisecond}
	ctx, key := t.Context(), cache.Key("prod", "describe", "Account")
	for _, x := range tcs {
		if _, err := x.GetOrLoad(ctx, key, cache.LoadOptions{}, src.load); err != nil {
			t.Fatal(err)
		}
	}
	stale := []byte("v0")
	src.version.Store(1)
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() {
			v, err := tcs[i%3].Refresh(ctx, key, stale, cache.LoadOptions{}, src.load)
			if err != nil || string(v) != "v1" {
				t.Errorf("Refresh = %q, %v", v, err)
			}
		})
	}
	wg.Wait()
	if got := src.calls.Load(); got != 2 {
		for i, x := range tcs {
			t.Logf("replica %d: %+v", i, x.Stats())
		}
		t.Fatalf("loader calls = %d, want 2 (warm-up + one refresh for 30 refreshers on 3 replicas)", got)
	}
}

func TestMemoryOnlyInvalidateIsLocal(t *testing.T) {
	t.Parallel()
	tc := newTiered(t, nil, cache.TieredOptions{})
	if !tc.MemoryOnly() || tc.Degraded() {
		t.Fatalf("MemoryOnly %v Degraded %v", tc.MemoryOnly(), tc.Degraded())
	}
	src := &source{}
	ctx, key := t.Context(), cache.Key("demo", "describe", "Account")
	for range 3 {
		if _, err := tc.GetOrLoad(ctx, key, cache.LoadOptions{}, src.load); err != nil {
			t.Fatal(err)
		}
	}
	if err := tc.Invalidate(ctx, key); err != nil {
		t.Fatal(err)
	}
	src.version.Store(1)
	if v, _ := tc.GetOrLoad(ctx, key, cache.LoadOptions{}, src.load); string(v) != "v1" || src.calls.Load() != 2 {
		t.Fatalf("after Invalidate: %q with %d loads", v, src.calls.Load())
	}
}

func TestRedisOutageAndReturn(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	var logs syncBuffer
	logger := zerolog.New(&logs)
	mk := func() *cache.Tiered {
		r := openRedis(t, srv.URL(), "")
		return newTiered(t, r, cache.TieredOptions{LocalTTL: time.Hour, Logger: &logger})
	}
	a, b := mk(), mk()
	ctx := t.Context()
	src := &source{}
	k1, k2, k3 := cache.Key("prod", "describe", "A"), cache.Key("prod", "describe", "B"), cache.Key("prod", "describe", "C")
	for _, x := range []*cache.Tiered{a, b} {
		if v, err := x.GetOrLoad(ctx, k1, cache.LoadOptions{}, src.load); err != nil || string(v) != "v0" {
			t.Fatalf("before the outage: %q, %v", v, err)
		}
	}
	if src.calls.Load() != 1 {
		t.Fatalf("before the outage: %d loads, want 1 (shared)", src.calls.Load())
	}

	srv.Stop()
	// Reads keep succeeding: from the in-process level, then the loader.
	for range 20 {
		if v, err := a.GetOrLoad(ctx, k1, cache.LoadOptions{}, src.load); err != nil || string(v) != "v0" {
			t.Fatalf("during the outage, cached key: %q, %v", v, err)
		}
	}
	if src.calls.Load() != 1 {
		t.Fatalf("the in-process level did not serve the cached key: %d loads", src.calls.Load())
	}
	start := time.Now()
	for range 20 {
		if v, err := a.GetOrLoad(ctx, k2, cache.LoadOptions{}, src.load); err != nil || string(v) != "v0" {
			t.Fatalf("during the outage, new key: %q, %v", v, err)
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("20 reads during the outage took %v", d)
	}
	eventually(t, "both replicas report degraded", func() bool { return a.Degraded() && b.Degraded() })
	// A change made while the replicas cannot hear each other: B's
	// invalidation reaches nobody and says so.
	src.version.Store(1)
	if err := b.Invalidate(ctx, k1); !errors.Is(err, cache.ErrUnavailable) {
		t.Fatalf("Invalidate during the outage: err = %v, want ErrUnavailable", err)
	}

	srv.Restart()
	eventually(t, "both replicas recover", func() bool { return !a.Degraded() && !b.Degraded() })
	// A's copy of k1 predates the missed invalidation: it must be gone.
	if v, err := a.GetOrLoad(ctx, k1, cache.LoadOptions{}, src.load); err != nil || string(v) != "v1" {
		t.Fatalf("after recovery A serves %q, %v; a stale entry survived the outage", v, err)
	}
	// Sharing resumed without recreating anything: B reads A's load.
	before := src.calls.Load()
	if _, err := a.GetOrLoad(ctx, k3, cache.LoadOptions{}, src.load); err != nil {
		t.Fatal(err)
	}
	if _, err := b.GetOrLoad(ctx, k3, cache.LoadOptions{}, src.load); err != nil {
		t.Fatal(err)
	}
	if got := src.calls.Load() - before; got != 1 {
		t.Fatalf("after recovery, a key read by both replicas was loaded %d times, want 1", got)
	}
	// And invalidations flow again.
	src.version.Store(2)
	if err := a.Invalidate(ctx, k3); err != nil {
		t.Fatalf("Invalidate after recovery: %v", err)
	}
	eventually(t, "B sees the invalidation after recovery", func() bool {
		v, err := b.GetOrLoad(ctx, k3, cache.LoadOptions{}, src.load)
		return err == nil && string(v) == "v2"
	})
	if s := a.Stats(); s.LocalResets == 0 {
		t.Errorf("stats after an outage: %+v", s)
	}
	// Logged once per transition, not per call, and never a value.
	out := logs.String()
	if n := strings.Count(out, "redis unreachable"); n != 2 {
		t.Errorf("degraded was logged %d times for 2 replicas, want 2:\n%s", n, out)
	}
	for _, v := range []string{`"v0"`, `"v1"`, `"v2"`} {
		if strings.Contains(out, v) {
			t.Errorf("a cached value appears in the logs:\n%s", out)
		}
	}
}

func TestTieredStartsDegradedWithoutRedis(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	srv.Stop()
	r := openRedis(t, srv.URL(), "")
	tc := newTiered(t, r, cache.TieredOptions{LocalTTL: 100 * time.Millisecond})
	if !tc.Degraded() {
		t.Fatal("Start against a stopped Redis did not report degraded")
	}
	src := &source{}
	ctx := t.Context()
	if v, err := tc.GetOrLoad(ctx, cache.Key("c", "k"), cache.LoadOptions{}, src.load); err != nil || string(v) != "v0" {
		t.Fatalf("GetOrLoad while degraded: %q, %v", v, err)
	}
	// The Store methods work on the in-process level, keeping the
	// writer's TTL (not the short LocalTTL): it holds the only copy.
	sk, lk := cache.Key("c", "session"), cache.Key("c", "lock")
	if err := tc.Set(ctx, sk, []byte("s"), time.Minute); err != nil {
		t.Fatalf("Set while degraded: %v", err)
	}
	lease, err := cache.TryLock(ctx, tc, lk, time.Minute)
	if err != nil {
		t.Fatalf("TryLock while degraded: %v", err)
	}
	time.Sleep(150 * time.Millisecond) // past LocalTTL
	if v, err := tc.Get(ctx, sk); err != nil || string(v) != "s" {
		t.Fatalf("Get while degraded after LocalTTL: %q, %v", v, err)
	}
	if _, err := cache.TryLock(ctx, tc, lk, time.Minute); !errors.Is(err, cache.ErrLocked) {
		t.Fatalf("second TryLock while degraded: %v, want ErrLocked", err)
	}
	if err := lease.Release(ctx); err != nil {
		t.Fatalf("Release while degraded: %v", err)
	}
	if err := tc.Delete(ctx, sk); !errors.Is(err, cache.ErrUnavailable) {
		t.Fatalf("Delete while degraded: %v, want ErrUnavailable", err)
	}
	srv.Restart()
	eventually(t, "recovery once Redis appears", func() bool { return !tc.Degraded() })
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRecoversFromAHangUnderInvalidationTraffic: Redis hangs long enough for
// commands to time out (degrading the replica) but the subscription
// survives; with invalidations arriving faster than the probe interval the
// replica must still notice that Redis is back.
func TestRecoversFromAHangUnderInvalidationTraffic(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	r, err := cache.OpenRedis(srv.URL(), cache.RedisOptions{CommandTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	tc := newTiered(t, r, cache.TieredOptions{ProbeInterval: 200 * time.Millisecond})
	ctx := t.Context()
	raw := r.Client()

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			_ = raw.Publish(context.WithoutCancel(ctx), "sfgate:invalidate:{other}", "peer k sfgate:{other}:x").Err()
		}
	})
	defer func() { close(stop); wg.Wait() }()

	eventually(t, "invalidation traffic flows", func() bool { return tc.Stats().InvalidationsReceived > 0 })
	hang := make(chan error, 1)
	go func() { hang <- raw.Do(context.WithoutCancel(ctx), "DEBUG", "SLEEP", "0.5").Err() }()
	eventually(t, "a command times out and degrades the replica", func() bool {
		_, _ = tc.Get(ctx, cache.Key("c", "k"))
		return tc.Degraded()
	})
	if err := <-hang; err != nil && !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("DEBUG SLEEP: %v", err)
	}
	eventually(t, "the replica recovers while invalidations keep arriving", func() bool { return !tc.Degraded() })
}

// hungListener accepts connections and never answers: a Redis that hangs.
func hungListener(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			t.Cleanup(func() { c.Close() })
		}
	}()
	return l.Addr().String()
}

func TestWhenToDegrade(t *testing.T) {
	t.Parallel()
	refused := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		return addr
	}
	tests := []struct {
		name    string
		addr    func(t *testing.T) string
		timeout time.Duration
		// degradedAfter is the number of failed reads after which the
		// Tiered reports degraded.
		degradedAfter int
	}{
		{"a refused connection degrades at once", refused, time.Second, 1},
		{"timeouts degrade only when repeated", hungListener, 50 * time.Millisecond, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := cache.OpenRedis("redis://"+tc.addr(t), cache.RedisOptions{CommandTimeout: tc.timeout})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { r.Close() })
			// Not started: without a subscriber only the calls decide.
			tr := cache.NewTiered(cache.TieredOptions{Shared: r, ProbeInterval: time.Hour})
			for i := 1; i <= tc.degradedAfter; i++ {
				if _, err := tr.Get(t.Context(), "k"); !errors.Is(err, cache.ErrNotFound) {
					t.Fatalf("Get %d: err = %v, want ErrNotFound (served by the in-process level)", i, err)
				}
				if got, want := tr.Degraded(), i == tc.degradedAfter; got != want {
					t.Fatalf("after %d failed reads Degraded = %v, want %v", i, got, want)
				}
			}
		})
	}
}

func TestLevelTTLs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		shared bool
		// after LocalTTL has passed (but not SharedTTL):
		wantLoads      int32  // loader calls in all
		wantSharedHits uint64 // reads answered by Redis
	}{
		// Memory-only: the in-process level is the only one and keeps
		// the value for SharedTTL.
		{"memory only keeps SharedTTL", false, 1, 0},
		// Over Redis: the in-process copy expires after LocalTTL and is
		// read back from Redis, without a load.
		{"over redis the local copy expires after LocalTTL", true, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newFakeClock()
			var r *cache.Redis
			if tc.shared {
				r, _ = sharedRedis(t)
			}
			tr := newTiered(t, r, cache.TieredOptions{Local: cache.NewMemory(cache.MemoryOptions{Now: clk.Now})})
			src := &source{}
			o := cache.LoadOptions{LocalTTL: time.Second, SharedTTL: time.Hour}
			ctx, key := t.Context(), cache.Key("c", "describe", "x")
			if _, err := tr.GetOrLoad(ctx, key, o, src.load); err != nil {
				t.Fatal(err)
			}
			clk.Advance(2 * time.Second)
			if v, err := tr.GetOrLoad(ctx, key, o, src.load); err != nil || string(v) != "v0" {
				t.Fatalf("GetOrLoad after LocalTTL = %q, %v", v, err)
			}
			if got := src.calls.Load(); got != tc.wantLoads {
				t.Errorf("loads = %d, want %d", got, tc.wantLoads)
			}
			if got := tr.Stats().SharedHits; got != tc.wantSharedHits {
				t.Errorf("shared hits = %d, want %d", got, tc.wantSharedHits)
			}
		})
	}
}
