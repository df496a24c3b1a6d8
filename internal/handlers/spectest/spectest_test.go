package spectest

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestCheckCatchesDrift proves the checker can fail: answers that break the
// document are reported, answers that match are not.
func TestCheckCatchesDrift(t *testing.T) {
	t.Parallel()
	c := New(t)
	json := http.Header{"Content-Type": {"application/json"}}
	problem := http.Header{"Content-Type": {"application/problem+json"}}
	ndjson := http.Header{"Content-Type": {"application/x-ndjson"}}
	tests := []struct {
		name, method, path string
		status             int
		header             http.Header
		body               string
		ok                 bool
	}{
		{"query page", "GET", "/v1/query/c2Vjb25kLXBhZ2UtY3Vyc29y", 200, json, `{"totalSize":1,"done":true,"records":[{"Id":"x"}]}`, true},
		{"query page without done", "GET", "/v1/query/c2Vjb25kLXBhZ2UtY3Vyc29y", 200, json, `{"totalSize":1,"records":[]}`, false},
		{"create answers an unknown field", "POST", "/v1/sobjects/Account/records", 201, json, `{"id":"001000000000001AAA","extra":1}`, false},
		{"problem", "GET", "/v1/sobjects/Account", 404, problem, `{"type":"urn:x","title":"Not Found","status":404,"code":"NOT_FOUND","requestId":"r"}`, true},
		{"problem without requestId", "GET", "/v1/sobjects/Account", 404, problem, `{"type":"urn:x","title":"Not Found","status":404,"code":"NOT_FOUND"}`, false},
		{"ndjson lines", "POST", "/v1/query", 200, ndjson, "{\"Id\":\"a\"}\n{\"Id\":\"b\"}\n", true},
		{"ndjson line not an object", "POST", "/v1/query", 200, ndjson, "{\"Id\":\"a\"}\n[1]\n", false},
		{"unmatched path answered 200", "GET", "/nowhere", 200, json, `{}`, false},
		{"unmatched path answered a problem", "GET", "/nowhere", 404, problem, `{"type":"urn:x","title":"Not Found","status":404,"code":"NOT_FOUND","requestId":"r"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := httptest.NewRequestWithContext(t.Context(), tt.method, tt.path, nil)
			err := c.Check(req, tt.status, tt.header, []byte(tt.body))
			if (err == nil) != tt.ok {
				t.Fatalf("Check = %v, want ok=%v", err, tt.ok)
			}
		})
	}
}
