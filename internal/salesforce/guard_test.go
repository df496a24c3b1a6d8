package salesforce

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// recordingGuard counts what the client asks of its Guard.
type recordingGuard struct {
	refuse           error
	admits, acquires atomic.Int32
	released         atomic.Int32
	mu               sync.Mutex
	observed         []bool // limitExceeded per Observe
}

func (g *recordingGuard) Admit(ctx context.Context, op string) error {
	g.admits.Add(1)
	return g.refuse
}

func (g *recordingGuard) Acquire(ctx context.Context, op string) (func(), error) {
	g.acquires.Add(1)
	return func() { g.released.Add(1) }, nil
}

func (g *recordingGuard) Observe(ctx context.Context, op string, usage partner.LimitInfo, limitExceeded bool) {
	g.mu.Lock()
	g.observed = append(g.observed, limitExceeded)
	g.mu.Unlock()
}

// TestGuardRefusalCostsNothing checks a refused call asks for no session
// and sends nothing, and that the guard's error comes back to the caller.
func TestGuardRefusalCostsNothing(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, minimalAnswer)
	var sessionsAsked atomic.Int32
	refusal := errors.New("budget exhausted")
	g := &recordingGuard{refuse: refusal}
	c, err := New(Config{Sessions: countingSessions{&sessions{instance: f.srv.URL}, &sessionsAsked}, Guard: g, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query(t.Context(), "SELECT Id FROM Account"); !errors.Is(err, refusal) {
		t.Fatalf("err = %v, want the guard's refusal", err)
	}
	if n := len(f.requests()); n != 0 || sessionsAsked.Load() != 0 || g.acquires.Load() != 0 {
		t.Errorf("refused call: %d requests, %d sessions, %d slots; want none", n, sessionsAsked.Load(), g.acquires.Load())
	}
}

// TestGuardSlotPerAttempt checks every attempt, retries included, holds a
// slot that is given back, and that REQUEST_LIMIT_EXCEEDED is reported.
func TestGuardSlotPerAttempt(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		switch n {
		case 1:
			return 500, faultAnswer(partner.CodeServerUnavailable, "UnexpectedErrorFault", "down")
		case 2:
			return minimalAnswer(r, n)
		}
		return 500, faultAnswer(partner.CodeRequestLimitExceeded, "UnexpectedErrorFault", "TotalRequests Limit exceeded.")
	})
	g := &recordingGuard{}
	c, _ := newTestClient(t, f, func(cfg *Config) { cfg.Guard = g })
	if _, err := c.Query(t.Context(), "SELECT Id FROM Account"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Query(t.Context(), "SELECT Id FROM Account"); !partner.IsCode(err, partner.CodeRequestLimitExceeded) {
		t.Fatalf("err = %v", err)
	}
	if a, r, ad := g.acquires.Load(), g.released.Load(), g.admits.Load(); a != 3 || r != 3 || ad != 2 {
		t.Errorf("acquired %d, released %d, admitted %d; want 3, 3, 2", a, r, ad)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if len(g.observed) != 3 || g.observed[0] || g.observed[1] || !g.observed[2] {
		t.Errorf("observed limitExceeded %v, want [false false true]", g.observed)
	}
}
