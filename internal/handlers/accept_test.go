package handlers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sfgate/sfgate"
)

// TestAcceptNegotiation checks that an Accept header admitting none of an
// operation's media types is refused with 406 problem+json before the
// service is called, and that wildcards, q-values, a missing header and the
// NDJSON stream keep working.
func TestAcceptNegotiation(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	opts := fullOptions()
	opts.Queries = &fakeQueries{
		query: func(ctx context.Context, in sfgate.QueryInput) (sfgate.QueryPage, error) {
			calls.Add(1)
			return sfgate.QueryPage{TotalSize: 1, Done: true, Records: []sfgate.OrderedRecord{ord("Id", "001000000000001AAA")}}, nil
		},
		stream: func(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error {
			calls.Add(1)
			return emit([]sfgate.OrderedRecord{ord("Id", "001000000000001AAA")})
		},
	}
	s := newTestServer(t, opts)
	const soql = `{"soql":"SELECT Id FROM Account"}`
	tests := []struct {
		name, method, path, body, accept string
		want                             int
		wantCT                           string
	}{
		{"xml", "POST", "/v1/query", soql, "application/xml", 406, "application/problem+json"},
		{"text/html", "POST", "/v1/query", soql, "text/html", 406, "application/problem+json"},
		{"several, none offered", "POST", "/v1/query", soql, "text/csv, application/xml;q=0.9", 406, "application/problem+json"},
		{"json refused by q=0", "POST", "/v1/query", soql, "application/json;q=0", 406, "application/problem+json"},
		{"wildcard overridden by q=0", "POST", "/v1/query", soql, "application/*;q=0, text/plain", 406, "application/problem+json"},
		{"ndjson not offered by records", "GET", "/v1/sobjects/Account/records/001000000000001AAA", "", "application/x-ndjson", 406, "application/problem+json"},
		{"xml on describe", "GET", "/v1/sobjects/Account", "", "application/xml", 406, "application/problem+json"},
		{"missing", "POST", "/v1/query", soql, "", 200, "application/json"},
		{"any", "POST", "/v1/query", soql, "*/*", 200, "application/json"},
		{"application/*", "POST", "/v1/query", soql, "application/*", 200, "application/json"},
		{"json", "POST", "/v1/query", soql, "application/json", 200, "application/json"},
		{"json with params", "POST", "/v1/query", soql, "Application/JSON; charset=utf-8", 200, "application/json"},
		{"problem+json only", "POST", "/v1/query", soql, "application/problem+json", 200, "application/json"},
		{"q-values, xml preferred", "POST", "/v1/query", soql, "application/xml, application/json;q=0.5", 200, "application/json"},
		{"ndjson", "POST", "/v1/query", soql, "application/x-ndjson", 200, "application/x-ndjson"},
		{"ndjson refused by q=0", "POST", "/v1/query", soql, "application/x-ndjson;q=0, application/json", 200, "application/json"},
		{"browser", "GET", "/v1/sobjects/Account", "", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", 200, "application/json"},
		{"schema+json offered", "GET", "/v1/sobjects/Account/schema", "", "application/schema+json", 200, "application/schema+json"},
		{"garbage is ignored", "POST", "/v1/query", soql, "nonsense", 200, "application/json"},
		{"stream twin, no Accept", "POST", "/v1/query/stream", soql, "", 200, "application/x-ndjson"},
		{"stream twin, any", "POST", "/v1/query/stream", soql, "*/*", 200, "application/x-ndjson"},
		{"stream twin, ndjson", "POST", "/v1/query/stream", soql, "application/x-ndjson", 200, "application/x-ndjson"},
		{"stream twin refuses json only", "POST", "/v1/query/stream", soql, "application/json", 406, "application/problem+json"},
		{"structured stream twin", "POST", "/v1/sobjects/Account/query/stream", `{"fields":["Id"]}`, "", 200, "application/x-ndjson"},
		{"cursor stream twin", "GET", "/v1/query/" + strings.Repeat("c", 16) + "/stream", "", "", 200, "application/x-ndjson"},
		{"cursor page, ndjson the older way", "GET", "/v1/query/" + strings.Repeat("c", 16), "", "application/x-ndjson", 200, "application/x-ndjson"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.accept != "" {
				hdr = []string{"Accept", tt.accept}
			}
			before := calls.Load()
			status, h, body := s.do(tt.method, tt.path, tt.body, hdr...)
			if status != tt.want {
				t.Fatalf("status %d, want %d; body %.500s", status, tt.want, body)
			}
			if ct := h.Get("Content-Type"); ct != tt.wantCT {
				t.Errorf("Content-Type %q, want %q", ct, tt.wantCT)
			}
			if status != http.StatusNotAcceptable {
				return
			}
			if n := calls.Load() - before; n != 0 {
				t.Errorf("the refused request reached the service %d time(s)", n)
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if p.Code != sfgate.CodeNotAcceptable || p.Status != http.StatusNotAcceptable || p.Detail == "" {
				t.Errorf("problem %+v", p)
			}
		})
	}
}
