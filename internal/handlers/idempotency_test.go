package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/idempotency"
)

// idemServer serves the fakes with a memory idempotency store and counts
// the creates that reach the service; create answers by outcome.
func idemServer(t *testing.T, outcome func(n int32) (string, error), edit func(*Options)) (*testServer, *atomic.Int32) {
	t.Helper()
	var creates atomic.Int32
	opts := fullOptions()
	opts.Idempotency = idempotency.NewMemory(time.Hour, 0, nil)
	opts.Records = &fakeRecords{create: func(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
		return outcome(creates.Add(1))
	}}
	if edit != nil {
		edit(&opts)
	}
	return newTestServer(t, opts), &creates
}

func created(int32) (string, error) { return "001000000000001AAA", nil }

func problemCode(t *testing.T, body string) string {
	t.Helper()
	var p struct{ Code string }
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatalf("not a problem: %s", body)
	}
	return p.Code
}

const createPath = "/v1/sobjects/Account/records"

func TestIdempotentReplay(t *testing.T) {
	t.Parallel()
	s, creates := idemServer(t, created, nil)
	st1, h1, b1 := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "k-1")
	st2, h2, b2 := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", `"k-1"`)
	if st1 != 201 || st2 != 201 || b1 != b2 || h2.Get("Location") != h1.Get("Location") {
		t.Fatalf("first %d %s, repeat %d %s: want the same 201", st1, b1, st2, b2)
	}
	if h1.Get("Idempotent-Replayed") != "" || h2.Get("Idempotent-Replayed") != "true" {
		t.Errorf("Idempotent-Replayed: first %q, repeat %q", h1.Get("Idempotent-Replayed"), h2.Get("Idempotent-Replayed"))
	}
	if h2.Get("X-Request-Id") == h1.Get("X-Request-Id") {
		t.Error("the replay carries the first request's X-Request-Id header")
	}
	if n := creates.Load(); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
	// Without a key nothing is kept.
	s.do("POST", createPath, `{"Name":"Acme"}`)
	s.do("POST", createPath, `{"Name":"Acme"}`)
	if n := creates.Load(); n != 3 {
		t.Errorf("%d creates, want 3 (two without a key)", n)
	}
	// Same key, another body or another path: 422.
	for _, tc := range []struct{ path, body string }{{createPath, `{"Name":"Other"}`}, {"/v1/sobjects/Contact/records", `{"Name":"Acme"}`}} {
		st, _, b := s.do("POST", tc.path, tc.body, "Idempotency-Key", "k-1")
		if st != 422 || problemCode(t, b) != sfgate.CodeIdempotencyKeyReused || !strings.Contains(b, "header.Idempotency-Key") {
			t.Errorf("%s %s: %d %s, want 422 IDEMPOTENCY_KEY_REUSED", tc.path, tc.body, st, b)
		}
	}
}

func TestIdempotencyKeyFormat(t *testing.T) {
	t.Parallel()
	s, creates := idemServer(t, created, nil)
	for _, tc := range []struct{ name, key, rule string }{
		{"too long", strings.Repeat("k", 256), "maxLength"},
		{"quoted too long", `"` + strings.Repeat("k", 256) + `"`, "maxLength"},
		{"unterminated quote", `"abc`, "pattern"},
		{"bad escape", `"a\nb"`, "pattern"},
		{"empty quoted", `""`, "minLength"},
		{"not ASCII", "clé", "pattern"},
	} {
		st, _, b := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", tc.key)
		if st != 400 || !strings.Contains(b, "header.Idempotency-Key") || !strings.Contains(b, tc.rule) {
			t.Errorf("%s: %d %s, want 400 naming header.Idempotency-Key and %s", tc.name, st, b, tc.rule)
		}
	}
	if n := creates.Load(); n != 0 {
		t.Errorf("%d creates for refused keys", n)
	}
	// 255 characters is the longest taken; a quoted key may escape.
	for _, k := range []string{strings.Repeat("k", 255), `"a\"b\\c d"`} {
		if st, _, b := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", k); st != 201 {
			t.Errorf("key %.20q: %d %s", k, st, b)
		}
	}
	if got, err := parseIdempotencyKey([]string{`"a\"b\\c d"`}); err != nil || got != `a"b\c d` {
		t.Errorf("quoted key parsed as %q, %v", got, err)
	}
	for _, bad := range [][]string{{"a", "b"}, {"a\x01b"}, {`"a\x7fb"`}} {
		if _, err := parseIdempotencyKey(bad); err == nil {
			t.Errorf("Idempotency-Key %q accepted", bad)
		}
	}
}

func TestIdempotentInFlight(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	s, creates := idemServer(t, func(n int32) (string, error) {
		started <- struct{}{}
		<-release
		return "001000000000001AAA", nil
	}, nil)
	first := make(chan int, 1)
	go func() {
		st, _, _ := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "slow")
		first <- st
	}()
	<-started
	st, h, b := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "slow")
	if st != 409 || problemCode(t, b) != sfgate.CodeIdempotencyKeyInUse || h.Get("Retry-After") == "" {
		t.Errorf("while in flight: %d %s Retry-After %q, want 409 IDEMPOTENCY_KEY_IN_USE with Retry-After", st, b, h.Get("Retry-After"))
	}
	close(release)
	if st := <-first; st != 201 {
		t.Errorf("first: %d", st)
	}
	if st, h, _ := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "slow"); st != 201 || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("after: %d replayed %q", st, h.Get("Idempotent-Replayed"))
	}
	if n := creates.Load(); n != 1 {
		t.Errorf("%d creates, want 1", n)
	}
}

// TestIdempotentWhatIsKept checks which failures are kept for replay (what
// Salesforce did or may have done) and which free the key (nothing was
// written).
func TestIdempotentWhatIsKept(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name       string
		err        error
		status     int
		kept       bool
		retryAfter bool
	}{
		{"outcome unknown", &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeOutcomeUnknown, Detail: "may or may not"}, 502, true, false},
		{"salesforce refused", &sfgate.Error{Kind: sfgate.KindUpstream, Code: "DUPLICATE_VALUE", Salesforce: true}, 409, true, false},
		{"answer unreadable", &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeUpstream}, 502, true, false},
		{"internal", errors.New("boom"), 500, true, false},
		{"unreachable", &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeUnavailable}, 503, false, true},
		{"org limit", &sfgate.Error{Kind: sfgate.KindUpstream, Code: "REQUEST_LIMIT_EXCEEDED", Salesforce: true, RetryAfter: time.Minute}, 503, false, true},
		{"refused before sending", sfgate.Unprocessable("no such field"), 422, false, false},
		{"timeout before sending", context.DeadlineExceeded, 504, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, creates := idemServer(t, func(n int32) (string, error) {
				if n == 1 {
					return "", tc.err
				}
				return "001000000000001AAA", nil
			}, nil)
			st1, h1, b1 := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "k")
			if st1 != tc.status || (h1.Get("Retry-After") != "") != tc.retryAfter {
				t.Fatalf("first: %d Retry-After %q, want %d (Retry-After %v)", st1, h1.Get("Retry-After"), tc.status, tc.retryAfter)
			}
			st2, h2, b2 := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "k")
			if tc.kept {
				if st2 != st1 || b2 != b1 || h2.Get("Idempotent-Replayed") != "true" || creates.Load() != 1 {
					t.Errorf("repeat: %d %s (%d creates), want the first answer replayed", st2, b2, creates.Load())
				}
				return
			}
			if st2 != 201 || creates.Load() != 2 {
				t.Errorf("repeat: %d (%d creates), want a second attempt", st2, creates.Load())
			}
		})
	}
}

// TestIdempotentCallerCanceled checks that a caller gone mid-create (499)
// does not free its key when the outcome is unknown: the repeat gets 502
// OUTCOME_UNKNOWN, never a second create.
func TestIdempotentCallerCanceled(t *testing.T) {
	t.Parallel()
	store := idempotency.NewMemory(time.Hour, 0, nil)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// The caller goes away while the create is at Salesforce: the request
	// was read and sent, its answer lost.
	h, err := New(t.Context(), Options{Records: &fakeRecords{create: func(context.Context, string, sfgate.Record) (string, error) {
		cancel()
		return "", &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeOutcomeUnknown}
	}}, Idempotency: store})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, "POST", createPath, strings.NewReader(`{"Name":"Acme"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", "gone")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	s := newTestServer(t, Options{Records: &fakeRecords{}, Idempotency: store})
	st, _, b := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "gone")
	if st != 502 || problemCode(t, b) != sfgate.CodeOutcomeUnknown {
		t.Errorf("repeat after the caller went away: %d %s, want 502 OUTCOME_UNKNOWN", st, b)
	}
}

type downStore struct{}

func (downStore) Claim(context.Context, sfgate.IdempotencyKey, time.Duration) (sfgate.Claim, error) {
	return sfgate.Claim{}, idempotency.ErrUnavailable
}
func (downStore) Settle(context.Context, sfgate.Claim, []byte) (bool, error) { return false, nil }
func (downStore) Release(context.Context, sfgate.Claim) error                { return nil }

type abandonedStore struct{ downStore }

func (abandonedStore) Claim(_ context.Context, k sfgate.IdempotencyKey, _ time.Duration) (sfgate.Claim, error) {
	return sfgate.Claim{State: sfgate.ClaimAbandoned, Key: k}, nil
}

func TestIdempotencyStoreStates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		store  sfgate.IdempotencyStore
		status int
		code   string
	}{
		{"store down fails closed", downStore{}, 503, sfgate.CodeIdempotencyUnavailable},
		{"first request's replica stopped", abandonedStore{}, 502, sfgate.CodeOutcomeUnknown},
	} {
		s, creates := idemServer(t, created, func(o *Options) { o.Idempotency = tc.store })
		st, _, b := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "k")
		if st != tc.status || problemCode(t, b) != tc.code || creates.Load() != 0 {
			t.Errorf("%s: %d %s (%d creates), want %d %s and no create", tc.name, st, b, creates.Load(), tc.status, tc.code)
		}
		// Without a key the store is not consulted.
		if st, _, _ := s.do("POST", createPath, `{"Name":"Acme"}`); st != 201 {
			t.Errorf("%s: without a key %d", tc.name, st)
		}
	}
	s, _ := idemServer(t, created, func(o *Options) { o.Idempotency = nil })
	if st, _, _ := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "k"); st != 501 {
		t.Errorf("no store: %d, want 501", st)
	}
}

func TestIdempotentCallersApartAndLargeAnswers(t *testing.T) {
	t.Parallel()
	s, creates := idemServer(t, created, func(o *Options) {
		o.APIKeys = []APIKey{{Name: "app-a", Key: "a-key-of-sixteen-chars"}, {Name: "app-b", Key: "b-key-of-sixteen-chars"}}
		o.MaxIdempotentAnswerBytes = 2048
	})
	for _, key := range []string{"a-key-of-sixteen-chars", "b-key-of-sixteen-chars"} {
		if st, h, _ := s.do("POST", createPath, `{"Name":"Acme"}`, "Idempotency-Key", "shared", "Authorization", "Bearer "+key); st != 201 || h.Get("Idempotent-Replayed") != "" {
			t.Errorf("caller %s: %d replayed %q, want its own create", key[:1], st, h.Get("Idempotent-Replayed"))
		}
	}
	if n := creates.Load(); n != 2 {
		t.Errorf("%d creates, want one per caller", n)
	}
	// A batch answer over the cap: done, not replayable.
	body := `{"operation":"create","records":[` + strings.TrimSuffix(strings.Repeat(`{"Name":"Acme"},`, 100), ",") + `]}`
	auth := []string{"Idempotency-Key", "big", "Authorization", "Bearer a-key-of-sixteen-chars"}
	if st, _, b := s.do("POST", "/v1/sobjects/Account/records/batch", body, auth...); st != 200 || len(b) <= 2048 {
		t.Fatalf("batch: %d, %d bytes (want over the 2048-byte cap)", st, len(b))
	}
	st, _, b := s.do("POST", "/v1/sobjects/Account/records/batch", body, auth...)
	if st != 409 || problemCode(t, b) != sfgate.CodeIdempotencyAnswerNotKept || !strings.Contains(b, "answered 200") {
		t.Errorf("repeat of a batch whose answer was too large: %d %s", st, b)
	}
}
