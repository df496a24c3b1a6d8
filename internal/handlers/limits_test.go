package handlers

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
)

// TestRateLimitHeaders checks the draft-ietf-httpapi-ratelimit-headers-10
// fields on allowed and refused answers.
func TestRateLimitHeaders(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := fullOptions()
	opts.RateLimit, opts.RateBurst = 2, 4
	opts.Now = func() time.Time { return now }
	s := newTestServer(t, opts)
	var hdr http.Header
	for i := range 4 {
		var st int
		st, hdr, _ = s.do("GET", "/v1/limits", "")
		if st != 200 {
			t.Fatalf("request %d: %d", i, st)
		}
		if i == 0 && hdr.Get("RateLimit") != `"caller";r=3;t=1` {
			t.Errorf("first answer RateLimit %q, want r=3 and t=1", hdr.Get("RateLimit"))
		}
	}
	if p := hdr.Get("RateLimit-Policy"); p != `"caller";q=4;w=2` {
		t.Errorf("RateLimit-Policy %q, want quota 4 over a 2 s window", p)
	}
	st, hdr, _ := s.do("GET", "/v1/limits", "")
	if st != 429 || hdr.Get("RateLimit") != `"caller";r=0;t=2` || hdr.Get("Retry-After") != "1" {
		t.Errorf("refused: %d RateLimit %q Retry-After %q", st, hdr.Get("RateLimit"), hdr.Get("Retry-After"))
	}
}

// fixedRates is a RateLimiter that records what it was asked.
type fixedRates struct {
	mu    sync.Mutex
	asked []float64
}

func (f *fixedRates) Allow(ctx context.Context, caller string, rate float64, burst int) (RateDecision, error) {
	f.mu.Lock()
	f.asked = append(f.asked, rate)
	f.mu.Unlock()
	return RateDecision{Allowed: true, Remaining: burst - 1, Reset: time.Second}, nil
}

// TestRateLimitUsesTheSharedLimiterAndTheCallersOwnRate checks a wired
// RateLimiter decides, with a caller's own rate replacing the default.
func TestRateLimitUsesTheSharedLimiterAndTheCallersOwnRate(t *testing.T) {
	t.Parallel()
	rates := &fixedRates{}
	opts := fullOptions()
	opts.RateLimit, opts.RateBurst, opts.RateLimiter = 5, 10, rates
	h, err := New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	mw := h.rateLimit(next)
	for _, c := range []*sfgate.Caller{nil, {Name: "own", RateLimit: &sfgate.RateLimit{PerSecond: 1, Burst: 2}}} {
		r, _ := http.NewRequestWithContext(sfgate.WithCaller(t.Context(), c), "GET", "/v1/limits", nil)
		mw.ServeHTTP(&statusWriter{ResponseWriter: discard{}}, r)
	}
	if len(rates.asked) != 2 || rates.asked[0] != 5 || rates.asked[1] != 1 {
		t.Errorf("limiter asked rates %v, want [5 1]", rates.asked)
	}
}

type discard struct{}

func (discard) Header() http.Header         { return http.Header{} }
func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

func TestStreamSlots(t *testing.T) {
	t.Parallel()
	s := newStreamSlots(3, 2)
	var releases []func()
	for range 2 {
		rel, err := s.acquire("a")
		if err != nil {
			t.Fatal(err)
		}
		releases = append(releases, rel)
	}
	if _, err := s.acquire("a"); !isCode(err, CodeTooManyStreams, sfgate.KindRateLimited) {
		t.Errorf("third stream of one caller: %v, want %s", err, CodeTooManyStreams)
	}
	rel, err := s.acquire("b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.acquire("c"); !isCode(err, sfgate.CodeOverloaded, sfgate.KindUnavailable) {
		t.Errorf("fourth stream on the replica: %v, want %s", err, sfgate.CodeOverloaded)
	}
	rel()
	rel() // twice is harmless
	releases[0]()
	if _, err := s.acquire("a"); err != nil {
		t.Errorf("after a release: %v", err)
	}
}

func isCode(err error, code string, kind sfgate.ErrorKind) bool {
	e, ok := err.(*sfgate.Error)
	return ok && e.Code == code && e.Kind == kind
}

// TestStreamLimitAnswers checks the limit reaches callers of the NDJSON
// endpoint as a problem, while JSON pages are not counted.
func TestStreamLimitAnswers(t *testing.T) {
	t.Parallel()
	block := make(chan struct{})
	started := make(chan struct{}, 1)
	opts := fullOptions()
	opts.MaxStreamsPerCaller = 1
	opts.Queries = &fakeQueries{stream: func(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error {
		started <- struct{}{}
		<-block
		return nil
	}}
	s := newTestServer(t, opts)
	done := make(chan int, 1)
	go func() {
		st, _, _ := s.do("POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`, "Accept", "application/x-ndjson")
		done <- st
	}()
	<-started
	st, hdr, body := s.do("POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`, "Accept", "application/x-ndjson")
	close(block)
	if st != 429 || hdr.Get("Retry-After") == "" {
		t.Errorf("second stream of one caller: %d %s", st, body)
	}
	if st := <-done; st != 200 {
		t.Errorf("first stream: %d", st)
	}
}
