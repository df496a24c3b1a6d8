package main

import (
	"net/http"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// TestE2EFaults injects Salesforce's failures at sfsim and checks the
// answers callers get: the status, code and Retry-After of
// docs/http-api.md's table, each a problem the document accepts; and that
// an expired session is renewed without the caller noticing.
// REQUEST_LIMIT_EXCEEDED trips the API budget guard (docs/limits.md), so
// those cases run on a stack of their own and check that the next
// request is held back without a Salesforce call.
func TestE2EFaults(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})
	query := map[string]any{"soql": "SELECT Id FROM Account LIMIT 1"}
	tests := []struct {
		name, op, fault string
		status          int
		code            string
		retryAfter      string
	}{
		// sfsim words it as Salesforce does: "TotalRequests Limit exceeded."
		{"org out of API requests", "query", "REQUEST_LIMIT_EXCEEDED", 503, "REQUEST_LIMIT_EXCEEDED", "3600"},
		{"server unavailable", "query", "SERVER_UNAVAILABLE", 503, "SERVER_UNAVAILABLE", "5"},
		{"row lock", "query", "UNABLE_TO_LOCK_ROW", 503, "UNABLE_TO_LOCK_ROW", "5"},
		{"HTTP 500 without SOAP", "query", "http500", 502, "SALESFORCE_ERROR", ""},
		{"create refused for the org's limit", "create", "REQUEST_LIMIT_EXCEEDED", 503, "REQUEST_LIMIT_EXCEEDED", "3600"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := s
			if tc.fault == "REQUEST_LIMIT_EXCEEDED" {
				s = startStack(t, stackOptions{})
				defer wantGuardTripped(t, s, query)
			}
			s.simCall(t, http.MethodDelete, "/_sim/faults", nil, nil)
			// Enough uses to outlast the client's retries of idempotent calls.
			s.simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": tc.op, "fault": tc.fault, "count": 20}, nil)
			defer s.simCall(t, http.MethodDelete, "/_sim/faults", nil, nil)
			var a answer
			if tc.op == "create" {
				a = s.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": uniq("E2E fault")})
			} else {
				a = s.do(t, http.MethodPost, "/v1/query", query)
			}
			if a.status != tc.status || a.header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("want %d problem+json: %s", tc.status, a)
			}
			if code := a.json(t)["code"]; code != tc.code {
				t.Errorf("code %v, want %s", code, tc.code)
			}
			if got := a.header.Get("Retry-After"); got != tc.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tc.retryAfter)
			}
		})
	}

	t.Run("expired session renewed transparently", func(t *testing.T) {
		before := s.simStats(t)
		s.simCall(t, http.MethodPost, "/_sim/sessions/expire", nil, nil)
		want(t, "query after the session expired", s.do(t, http.MethodPost, "/v1/query", query), 200)
		after := s.simStats(t)
		if n := after[sfsim.StatOAuthClientCredentials] - before[sfsim.StatOAuthClientCredentials]; n != 1 {
			t.Errorf("%d token requests to renew the session, want 1", n)
		}
		if n := after["query"] - before["query"]; n != 2 {
			t.Errorf("%d query calls, want 2 (the refused one and its retry)", n)
		}
	})
}

// wantGuardTripped checks the API budget guard holds the next request back
// at the gateway: 503 API_BUDGET_EXHAUSTED, and no call reaches the org.
func wantGuardTripped(t *testing.T, s *stack, query map[string]any) {
	t.Helper()
	before := s.simStats(t)
	a := s.do(t, http.MethodPost, "/v1/query", query)
	want(t, "the request after REQUEST_LIMIT_EXCEEDED", a, 503, `"API_BUDGET_EXHAUSTED"`)
	if a.header.Get("Retry-After") == "" {
		t.Error("API_BUDGET_EXHAUSTED without Retry-After")
	}
	if n := s.simStats(t)["query"] - before["query"]; n != 0 {
		t.Errorf("the held-back request cost %d query calls, want 0", n)
	}
}
