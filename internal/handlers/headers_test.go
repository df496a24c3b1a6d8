package handlers

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
)

// TestSecurityHeaders: every answer says nosniff and forbids framing;
// every /v1 answer, success or problem, is no-store.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		if id == "001000000000404AAA" {
			return nil, sfgate.NotFound("gone")
		}
		return sfgate.OrderedRecord{{Key: "Id", Value: id}, {Key: "Name", Value: "Acme"}}, nil
	}}
	s := newTestServer(t, opts)
	tests := []struct {
		method, path, body string
		v1                 bool
	}{
		{"GET", "/v1/sobjects/Account/records/001000000000001AAA", "", true},
		{"GET", "/v1/sobjects/Account/records/001000000000404AAA", "", true},
		{"POST", "/v1/sobjects/Account/records", `{"Name":"Acme"}`, true},
		{"POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`, true},
		{"GET", "/v1/sobjects", "", true},
		{"GET", "/v1/limits", "", true},
		{"GET", "/healthz", "", false},
		{"GET", "/openapi.yaml", "", false},
		{"GET", "/no/such/path", "", false},
	}
	for _, tt := range tests {
		status, hdr, _ := s.do(tt.method, tt.path, tt.body)
		if hdr.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %s (%d): X-Content-Type-Options %q", tt.method, tt.path, status, hdr.Get("X-Content-Type-Options"))
		}
		if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s %s: Content-Security-Policy %q", tt.method, tt.path, csp)
		}
		if tt.v1 && hdr.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s (%d): Cache-Control %q, want no-store", tt.method, tt.path, status, hdr.Get("Cache-Control"))
		}
	}
}

// TestDocsPageFitsItsCSP: /docs has a policy that allows what the page
// loads (its script and the spec, same origin) and nothing inline that a
// strict script-src would block.
func TestDocsPageFitsItsCSP(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	status, hdr, page := s.do("GET", "/docs", "")
	if status != 200 {
		t.Fatalf("/docs: %d", status)
	}
	csp := map[string]string{}
	for _, d := range strings.Split(hdr.Get("Content-Security-Policy"), ";") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), " ")
		csp[name] = val
	}
	want := map[string]string{"default-src": "'none'", "script-src": "'self'", "connect-src": "'self'", "worker-src": "blob:", "frame-ancestors": "'none'"}
	for k, v := range want {
		if csp[k] != v {
			t.Errorf("%s %q, want %q (policy %q)", k, csp[k], v, hdr.Get("Content-Security-Policy"))
		}
	}
	if strings.Contains(csp["script-src"], "unsafe") {
		t.Errorf("script-src allows %s", csp["script-src"])
	}
	scripts := regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(page, -1)
	if len(scripts) == 0 {
		t.Fatal("the page loads no script")
	}
	for _, m := range scripts {
		src := regexp.MustCompile(`src="([^"]*)"`).FindStringSubmatch(m[1])
		if src == nil || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script, blocked by script-src 'self': %s", m[0])
		} else if !strings.HasPrefix(src[1], "/") || strings.HasPrefix(src[1], "//") {
			t.Errorf("script from another origin: %s", src[1])
		}
	}
	if m := regexp.MustCompile(`spec-url="([^"]*)"`).FindStringSubmatch(page); m == nil || !strings.HasPrefix(m[1], "/") {
		t.Errorf("the spec is not fetched from the same origin: %v", m)
	}
	status, hdr, _ = s.do("GET", "/docs/redoc.standalone.js", "")
	if status != 200 || !strings.HasPrefix(hdr.Get("Content-Type"), "application/javascript") || hdr.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("script: %d %q %q (nosniff needs a JavaScript type)", status, hdr.Get("Content-Type"), hdr.Get("X-Content-Type-Options"))
	}
}

// TestRequestIDOnEveryAnswer: X-Request-Id is on every answer, whatever
// answered it: a handler, the router (404, 405), caller auth (401), request
// validation (400), the recoverer (500), the operational endpoints.
func TestRequestIDOnEveryAnswer(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.APIKeys = []APIKey{{Name: "ops", Key: "k-ops-0123456789abcdef"}}
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		panic("boom")
	}}
	s := newTestServer(t, withMetrics(t, opts))
	const auth = "Bearer k-ops-0123456789abcdef"
	tests := []struct {
		method, path, body, auth string
		status                   int
	}{
		{"GET", "/healthz", "", "", 200},
		{"GET", "/readyz", "", "", 200},
		{"GET", "/metrics", "", "", 200},
		{"GET", "/openapi.yaml", "", "", 200},
		{"GET", "/docs", "", "", 200},
		{"GET", "/docs/redoc.standalone.js", "", "", 200},
		{"GET", "/v1/sobjects", "", auth, 200},
		{"GET", "/v1/sobjects", "", "", 401},
		{"GET", "/no/such/path", "", "", 404},
		{"DELETE", "/healthz", "", "", 405},
		{"BREW", "/v1/sobjects", "", auth, 405},
		{"POST", "/v1/query", `{"soql": 42}`, auth, 400},
		{"GET", "/v1/sobjects/Account/records/001000000000001AAA", "", auth, 500},
	}
	for _, tt := range tests {
		var body io.Reader
		if tt.body != "" {
			body = strings.NewReader(tt.body)
		}
		req, err := http.NewRequestWithContext(t.Context(), tt.method, s.url+tt.path, body)
		if err != nil {
			t.Fatal(err)
		}
		if tt.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if tt.auth != "" {
			req.Header.Set("Authorization", tt.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.method, tt.path, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
		if id := resp.Header.Get("X-Request-Id"); !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) {
			t.Errorf("%s %s (%d): X-Request-Id %q", tt.method, tt.path, resp.StatusCode, id)
		}
	}
}

// TestDocsScriptLoadsNothingOffTheGateway: the vendored bundle's one
// off-gateway load, the Redocly logo, is gone from the served script
// (a newer Redoc moving it would fail here; cmd/gateway's browser test
// checks the page as a whole).
func TestDocsScriptLoadsNothingOffTheGateway(t *testing.T) {
	t.Parallel()
	if !bytes.Contains(redocBundle, []byte(redocLogoURL)) {
		t.Fatalf("the vendored bundle no longer names %s: check what it loads and update ops.go", redocLogoURL)
	}
	s := newTestServer(t, fullOptions())
	_, _, script := s.do("GET", "/docs/redoc.standalone.js", "")
	for _, off := range []string{"cdn.redoc.ly", "fonts.googleapis.com", "fonts.gstatic.com"} {
		if strings.Contains(script, off) {
			t.Errorf("the served script still names %s", off)
		}
	}
}
