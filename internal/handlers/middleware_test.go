package handlers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/handlers/spectest"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func TestBodyCap(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.MaxBodyBytes = 64
	opts.MaxBatchBodyBytes = 256
	s := newTestServer(t, opts)
	long := `{"Name":"` + strings.Repeat("x", 100) + `"}`
	tests := []struct {
		name, path, body string
		chunked          bool
		want             int
	}{
		{"over the limit with Content-Length", "/v1/sobjects/Account/records", long, false, 413},
		{"over the limit chunked", "/v1/sobjects/Account/records", long, true, 413},
		{"malformed and over the limit is still 413", "/v1/sobjects/Account/records", strings.Repeat("{", 100), false, 413},
		{"under the limit", "/v1/sobjects/Account/records", `{"Name":"Acme"}`, false, 201},
		{"batch has its own limit", "/v1/sobjects/Account/records/batch", `{"operation":"create","records":[` + long + `]}`, false, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = strings.NewReader(tt.body)
			if tt.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, err := http.NewRequestWithContext(t.Context(), "POST", s.url+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", "application/json")
			resp, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, b)
			}
			if tt.want == 413 && !strings.Contains(string(b), `"code":"BODY_TOO_LARGE"`) {
				t.Errorf("body %s", b)
			}
		})
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	opts := fullOptions()
	opts.Logger = zerolog.New(&logs)
	s := newTestServer(t, opts)

	_, hdr, _ := s.do("GET", "/healthz", "", "X-Request-Id", "caller-chosen.id-1")
	if got := hdr.Get("X-Request-Id"); got != "caller-chosen.id-1" {
		t.Errorf("well-formed caller id not kept: %q", got)
	}
	_, hdr, _ = s.do("GET", "/healthz", "", "X-Request-Id", "bad id with spaces and {braces}")
	if got := hdr.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(got) {
		t.Errorf("malformed caller id not replaced: %q", got)
	}
	_, hdr, body := s.do("GET", "/v1/sobjects/Account/records/bad", "")
	id := hdr.Get("X-Request-Id")
	var p problem
	if err := json.Unmarshal([]byte(body), &p); err != nil {
		t.Fatal(err)
	}
	if p.RequestID != id || id == "" {
		t.Errorf("problem requestId %q, header %q", p.RequestID, id)
	}
	// The access log and the error log both carry it.
	var access, failed bool
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line not JSON: %q", line)
		}
		if m["request_id"] != id {
			continue
		}
		switch m["message"] {
		case "request":
			access = m["status"] == float64(400) && m["route"] == "/v1/sobjects/{sobject}/records/{id}"
		case "request failed":
			failed = m["code"] == sfgate.CodeValidationFailed
		}
	}
	if !access || !failed {
		t.Errorf("logs for %s: access %v, failure %v\n%s", id, access, failed, logs.String())
	}
}

func TestPanicBecomes500Problem(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	opts := fullOptions()
	opts.Logger = zerolog.New(&logs)
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		panic("boom")
	}}
	s := newTestServer(t, opts)
	status, hdr, body := s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA", "")
	if status != 500 || !strings.Contains(body, `"code":"INTERNAL_ERROR"`) || strings.Contains(body, "boom") {
		t.Fatalf("status %d body %s", status, body)
	}
	if !strings.Contains(body, hdr.Get("X-Request-Id")) {
		t.Errorf("problem lacks the request id: %s", body)
	}
	if !strings.Contains(logs.String(), `"panic":"boom"`) {
		t.Errorf("panic not logged: %s", logs.String())
	}
	if !strings.Contains(logs.String(), "middleware_test.go") {
		t.Errorf("the logged stack does not reach the panicking code: %s", logs.String())
	}
}

// TestCallerGoneIs499 calls the handler directly: a caller that went away
// cannot read an answer, but the adapter must classify and log it as 499.
func TestCallerGoneIs499(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	opts := fullOptions()
	opts.Logger = zerolog.New(&logs)
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	h, err := New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	req := httptest.NewRequestWithContext(ctx, "GET", "/v1/sobjects/Account/records/001000000000001AAA", nil)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() { h.ServeHTTP(rec, req); close(done) }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	<-done
	if rec.Code != StatusClientClosedRequest {
		t.Fatalf("status %d, want 499", rec.Code)
	}
	if err := spectest.New(t).Check(req, rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
		t.Error(err)
	}
	if !strings.Contains(logs.String(), `"status":499`) {
		t.Errorf("499 not logged: %s", logs.String())
	}
}

func TestRequestDeadlineIs504(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.RequestTimeout = 50 * time.Millisecond
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	s := newTestServer(t, opts)
	status, _, body := s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA", "")
	if status != 504 || !strings.Contains(body, sfgate.CodeTimeout) {
		t.Fatalf("status %d body %s", status, body)
	}
}

func TestCallerAuth(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.APIKeys = []APIKey{{Name: "billing", Key: "k-billing-0123456789"}, {Name: "crm", Key: "k-crm-0123456789abc"}}
	s := newTestServer(t, opts)
	tests := []struct {
		name, auth string
		want       int
	}{
		{"no key", "", 401},
		{"wrong scheme", "Basic azpr", 401},
		{"unknown key", "Bearer k-unknown-0123456789", 401},
		{"first key", "Bearer k-billing-0123456789", 200},
		{"second key", "Bearer k-crm-0123456789abc", 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			status, h, body := s.do("GET", "/v1/sobjects", "", hdr...)
			if status != tt.want {
				t.Fatalf("status %d, want %d: %s", status, tt.want, body)
			}
			if status == 401 && h.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
	}
	if status, _, _ := s.do("GET", "/healthz", ""); status != 200 {
		t.Errorf("probes need no key: %d", status)
	}
	if _, err := New(t.Context(), Options{APIKeys: []APIKey{{Name: "x", Key: "short"}}}); err == nil {
		t.Error("a short key was accepted")
	}
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	opts := fullOptions()
	opts.RateLimit, opts.RateBurst = 0.5, 2
	opts.APIKeys = []APIKey{{Name: "a", Key: "key-a-0123456789ab"}, {Name: "b", Key: "key-b-0123456789ab"}}
	opts.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	s := newTestServer(t, opts)
	get := func(key string) (int, string) {
		status, hdr, _ := s.do("GET", "/v1/limits", "", "Authorization", "Bearer "+key)
		return status, hdr.Get("Retry-After")
	}
	for i := range 2 {
		if st, _ := get("key-a-0123456789ab"); st != 200 {
			t.Fatalf("request %d within burst: %d", i, st)
		}
	}
	st, ra := get("key-a-0123456789ab")
	if st != 429 || ra != "2" {
		t.Fatalf("over the limit: status %d Retry-After %q, want 429 and 2", st, ra)
	}
	if st, _ := get("key-b-0123456789ab"); st != 200 {
		t.Fatalf("another caller is limited separately: %d", st)
	}
	mu.Lock()
	now = now.Add(2 * time.Second)
	mu.Unlock()
	if st, _ := get("key-a-0123456789ab"); st != 200 {
		t.Fatalf("after refill: %d", st)
	}
}

func TestLimiterBoundsItsMemory(t *testing.T) {
	t.Parallel()
	now := time.Now()
	l := newLimiter(1, 1, 100, func() time.Time { return now })
	for i := range 1000 {
		_, _ = l.Allow(t.Context(), string(rune('a'+i%26))+strings.Repeat("x", i), 1, 1)
	}
	if n := len(l.buckets); n > 100 {
		t.Fatalf("%d buckets kept, cap 100", n)
	}
}

func TestNDJSONStream(t *testing.T) {
	t.Parallel()
	t.Run("every page, one record per line", func(t *testing.T) {
		t.Parallel()
		s := newTestServer(t, fullOptions())
		status, hdr, body := s.do("POST", "/v1/sobjects/Account/query", `{"fields":["Id"]}`, "Accept", "application/x-ndjson")
		if status != 200 || hdr.Get("Content-Type") != "application/x-ndjson" {
			t.Fatalf("status %d type %q", status, hdr.Get("Content-Type"))
		}
		if lines := strings.Count(body, "\n"); lines != 4 {
			t.Errorf("%d lines, want 4:\n%s", lines, body)
		}
	})
	t.Run("error before the first page is a problem", func(t *testing.T) {
		t.Parallel()
		opts := fullOptions()
		opts.Queries = &fakeQueries{stream: func(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error {
			return sfgate.Unprocessable("no such field", sfgate.FieldError{Field: "/fields/0", Code: "UNKNOWN_FIELD", Message: "Account has no field Nope"})
		}}
		s := newTestServer(t, opts)
		status, _, body := s.do("POST", "/v1/query", `{"soql":"SELECT Nope FROM Account"}`, "Accept", "application/x-ndjson")
		if status != 422 || !strings.Contains(body, "UNKNOWN_FIELD") {
			t.Fatalf("status %d body %s", status, body)
		}
	})
	t.Run("error mid-stream cuts the connection", func(t *testing.T) {
		t.Parallel()
		opts := fullOptions()
		opts.Queries = &fakeQueries{stream: func(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error {
			if err := emit([]sfgate.OrderedRecord{ord("Id", "001000000000001AAA")}); err != nil {
				return err
			}
			return errors.New("queryMore failed")
		}}
		h, err := New(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		req, _ := http.NewRequestWithContext(t.Context(), "POST", srv.URL+"/v1/query", strings.NewReader(`{"soql":"SELECT Id FROM Account"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/x-ndjson")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		br := bufio.NewReader(resp.Body)
		first, err := br.ReadString('\n')
		if err != nil || !strings.Contains(first, "001000000000001AAA") {
			t.Fatalf("first line %q, %v", first, err)
		}
		if _, err := io.ReadAll(br); err == nil {
			t.Fatal("stream ended cleanly after a failure; the caller cannot tell it is incomplete")
		}
	})
}

// TestStatusTableCodesAreSalesforceCodes keeps the table honest: every
// Salesforce code in it is in the partner WSDL's StatusCode or ExceptionCode
// enumeration (testdata/partner.wsdl, copied from shared/salesforce),
// except the few Salesforce sends that v58.0's WSDL does not list.
func TestStatusTableCodesAreSalesforceCodes(t *testing.T) {
	t.Parallel()
	wsdl, err := os.ReadFile("testdata/partner.wsdl")
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, enum := range []string{"StatusCode", "ExceptionCode"} {
		start := bytes.Index(wsdl, []byte(`<simpleType name="`+enum+`">`))
		if start < 0 {
			t.Fatalf("no %s enumeration in the WSDL", enum)
		}
		end := bytes.Index(wsdl[start:], []byte("</simpleType>"))
		for _, m := range regexp.MustCompile(`value="([A-Z_]+)"`).FindAllSubmatch(wsdl[start:start+end], -1) {
			known[string(m[1])] = true
		}
	}
	if len(known) < 500 {
		t.Fatalf("only %d codes read from the WSDL", len(known))
	}
	notInV58 := map[string]string{
		"LOGIN_RATE_EXCEEDED": "sent by login() when a user logs in too often; not in the v58.0 enumerations",
	}
	for code := range statusByCode {
		if !known[code] && notInV58[code] == "" {
			t.Errorf("%s is neither a StatusCode nor an ExceptionCode of the partner WSDL", code)
		}
	}
	for code, status := range statusByCode {
		if partner.IsCredentialCode(code) && status != http.StatusBadGateway {
			t.Errorf("credential code %s must answer 502", code)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for the server's goroutines.
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

func TestBodyBudgetBoundsMemory(t *testing.T) {
	t.Parallel()
	b := newBudget(100, 0.5, 10)
	if err := b.acquire("a", 80); err != nil {
		t.Fatalf("first body refused: %v", err)
	}
	if err := b.acquire("b", 30); err == nil {
		t.Fatal("over the budget accepted")
	}
	if err := b.acquire("b", 20); err != nil {
		t.Fatalf("within the budget refused: %v", err)
	}
	b.release("a", 80)
	b.release("b", 20)
	if err := b.acquire("a", 500); err != nil {
		t.Fatalf("a body larger than the budget must pass when nothing else is held: %v", err)
	}
	b.release("a", 500)
	if total, _ := b.held("a"); total != 0 {
		t.Fatalf("%d bytes still held after every release", total)
	}
}

func TestBodyBudgetCallerShare(t *testing.T) {
	t.Parallel()
	b := newBudget(100, 0.25, 10) // 25 bytes a caller
	if err := b.acquire("greedy", 20); err != nil {
		t.Fatal(err)
	}
	var refused errBodyRefused
	if err := b.acquire("greedy", 10); !errors.As(err, &refused) || !refused.overShare {
		t.Fatalf("past its share: %v, want a share refusal", err)
	}
	if err := b.acquire("other", 25); err != nil {
		t.Fatalf("another caller refused while the total has room: %v", err)
	}
	if err := b.acquire("greedy", 5); err != nil {
		t.Fatalf("up to its share refused: %v", err)
	}
	if got := newBudget(100, 0.01, 40).perCaller; got != 40 {
		t.Errorf("share below one batch body: %d, want the batch cap 40", got)
	}
}

func TestBodyBudgetAnswers503(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	entered := make(chan struct{}, 1)
	opts := fullOptions()
	opts.MaxBufferedBodyBytes = 1024
	opts.Records = &fakeRecords{create: func(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
		entered <- struct{}{}
		<-release
		return "001000000000001AAA", nil
	}}
	s := newTestServer(t, opts)
	done := make(chan int, 1)
	go func() {
		status, _, _ := s.do("POST", "/v1/sobjects/Account/records", `{"Name":"`+strings.Repeat("x", 900)+`"}`)
		done <- status
	}()
	<-entered
	status, hdr, body := s.do("POST", "/v1/sobjects/Account/records", `{"Name":"`+strings.Repeat("y", 200)+`"}`)
	close(release)
	if status != 503 || hdr.Get("Retry-After") != "1" || !strings.Contains(body, sfgate.CodeOverloaded) {
		t.Errorf("second body: %d %q %s", status, hdr.Get("Retry-After"), body)
	}
	if st := <-done; st != 201 {
		t.Errorf("first body: %d", st)
	}
}
