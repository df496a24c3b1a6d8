package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

func TestEndpointsAnswerAsSpecified(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	tests := []struct {
		name, method, path, body string
		header                   []string
		want                     int
		wantIn                   string
	}{
		{"list sobjects", "GET", "/v1/sobjects?custom=false&queryable=true", "", nil, 200, `"name":"Account"`},
		{"describe", "GET", "/v1/sobjects/Account", "", nil, 200, `"childRelationships"`},
		{"schema", "GET", "/v1/sobjects/Invoice__c/schema", "", nil, 200, `"title":"Invoice__c"`},
		{"get record", "GET", "/v1/sobjects/Account/records/001000000000001AAA?fields=Id,Name", "", nil, 200, `"Name":"Acme"`},
		{"get record 15-char id", "GET", "/v1/sobjects/Account/records/001000000000001", "", nil, 200, `"Id":"001000000000001"`},
		{"create", "POST", "/v1/sobjects/Account/records", `{"Name":"Acme","AnnualRevenue":12345678901234567.89}`, nil, 201, `"id":"001000000000001AAA"`},
		{"update", "PATCH", "/v1/sobjects/Account/records/001000000000001AAA", `{"Phone":null}`, nil, 204, ``},
		{"delete", "DELETE", "/v1/sobjects/Account/records/001000000000001AAA", "", nil, 204, ``},
		{"upsert created", "PUT", "/v1/sobjects/Account/records/by/Ext__c/A-1", `{"Name":"Acme"}`, nil, 201, `"created":true`},
		{"batch", "POST", "/v1/sobjects/Account/records/batch", `{"operation":"create","records":[{"Name":"A"},{"Name":"B"}]}`, nil, 200, `"successCount":2`},
		{"merge", "POST", "/v1/sobjects/Account/records/001000000000001AAA/merge", `{"mergeIds":["001000000000002AAA"]}`, nil, 200, `"mergedRecordIds":["001000000000002AAA"]`},
		{"structured query", "POST", "/v1/sobjects/Account/query", `{"fields":["Id","Owner.Name"],"where":{"and":[{"field":"Name","op":"like","value":"Ac%"},{"not":{"field":"Industry","op":"=","value":null}}]},"orderBy":[{"field":"Name","direction":"desc","nulls":"last"}],"limit":10,"pageSize":200}`, nil, 200, `"nextCursor":"c2Vjb25kLXBhZ2UtY3Vyc29y"`},
		{"soql", "POST", "/v1/query", `{"soql":"SELECT Id FROM Account","pageSize":2000}`, nil, 200, `"totalSize":3`},
		{"query more", "GET", "/v1/query/c2Vjb25kLXBhZ2UtY3Vyc29y", "", nil, 200, `"records"`},
		{"ndjson stream", "POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`, []string{"Accept", "application/x-ndjson"}, 200, `"Page":1`},
		{"search", "POST", "/v1/search", `{"sosl":"FIND {Acme}"}`, nil, 200, `"sobject":"Account"`},
		{"convert lead", "POST", "/v1/leads/convert", `{"leadId":"00Q000000000001AAA","convertedStatus":"Closed - Converted"}`, nil, 200, `"opportunityId":null`},
		{"limits", "GET", "/v1/limits", "", nil, 200, `"reportedAt":"2026-01-05T10:00:00Z"`},
		{"invalidate one", "POST", "/v1/admin/cache/invalidate", `{"sobject":"Account"}`, nil, 200, `"invalidated":"Account"`},
		{"invalidate all", "POST", "/v1/admin/cache/invalidate", `{}`, nil, 200, `"invalidated":"*"`},
		{"healthz", "GET", "/healthz", "", nil, 200, `"status":"ok"`},
		{"readyz", "GET", "/readyz", "", nil, 200, `"redis":"ok"`},
		{"openapi", "GET", "/openapi.yaml", "", nil, 200, `openapi: 3.0.3`},
		{"docs", "GET", "/docs", "", nil, 200, `<redoc spec-url="/openapi.yaml"`},
		{"docs script", "GET", "/docs/redoc.standalone.js", "", nil, 200, `Redoc`},
		{"unknown path", "GET", "/v1/nope", "", nil, 404, `"code":"NOT_FOUND"`},
		{"wrong method", "DELETE", "/v1/query", "", nil, 405, `"code":"METHOD_NOT_ALLOWED"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := s.do(tt.method, tt.path, tt.body, tt.header...)
			if status != tt.want {
				t.Fatalf("status %d, want %d; body %.500s", status, tt.want, body)
			}
			if !strings.Contains(body, tt.wantIn) {
				t.Errorf("body lacks %s: %.500s", tt.wantIn, body)
			}
		})
	}
}

// TestNumbersKeepTheirDigits checks the decoding path: a number too precise
// for float64 reaches the service as its exact text.
func TestNumbersKeepTheirDigits(t *testing.T) {
	t.Parallel()
	got := make(chan sfgate.Record, 1)
	opts := fullOptions()
	opts.Records = &fakeRecords{create: func(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
		got <- rec
		return "001000000000001AAA", nil
	}}
	s := newTestServer(t, opts)
	if status, _, body := s.do("POST", "/v1/sobjects/Account/records", `{"AnnualRevenue":12345678901234567.89,"Count__c":9007199254740993}`); status != 201 {
		t.Fatalf("status %d: %s", status, body)
	}
	rec := <-got
	want := sfgate.Record{"AnnualRevenue": json.Number("12345678901234567.89"), "Count__c": json.Number("9007199254740993")}
	if diff := cmp.Diff(want, rec); diff != "" {
		t.Errorf("record reaching the service (-want +got):\n%s", diff)
	}
}

// TestFieldsParameterForms checks ?fields= through the whole middleware,
// OpenAPI validation included: comma lists, the repeated form generated
// clients send (openapi-fetch, orval, oapi-codegen for form and explode),
// and mixtures all reach the service as one list, in order.
func TestFieldsParameterForms(t *testing.T) {
	t.Parallel()
	got := make(chan []string, 1)
	opts := fullOptions()
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		got <- fields
		return sfgate.OrderedRecord{{Key: "Id", Value: id}}, nil
	}}
	s := newTestServer(t, opts)
	tests := []struct {
		name, query string
		want        []string
	}{
		{"none: every field", "", nil},
		{"one name", "?fields=Name", []string{"Name"}},
		{"comma list", "?fields=Id,Name", []string{"Id", "Name"}},
		{"repeated", "?fields=Id&fields=Name", []string{"Id", "Name"}},
		{"mixed", "?fields=Id,Name&fields=Industry&fields=Phone,Website", []string{"Id", "Name", "Industry", "Phone", "Website"}},
		{"800 names in all", "?fields=" + strings.Repeat("F,", 499) + "F&fields=" + strings.Repeat("G&fields=", 299) + "G", append(slicesRepeat("F", 500), slicesRepeat("G", 300)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA"+tt.query, "")
			if status != 200 {
				t.Fatalf("status %d: %.300s", status, body)
			}
			if diff := cmp.Diff(tt.want, <-got); diff != "" {
				t.Errorf("fields reaching the service (-want +got):\n%s", diff)
			}
		})
	}
}

func slicesRepeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

func TestUpsertUpdatedAnswers200(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.Records = &fakeRecords{upsert: func(ctx context.Context, obj, field, value string, rec sfgate.Record) (sfgate.UpsertResult, error) {
		if value != "A/1" {
			return sfgate.UpsertResult{}, fmt.Errorf("value %q reached the service, want it decoded", value)
		}
		return sfgate.UpsertResult{ID: "001000000000001AAA", Created: false}, nil
	}}
	s := newTestServer(t, opts)
	status, _, body := s.do("PUT", "/v1/sobjects/Account/records/by/Ext__c/A%2F1", `{"Name":"Acme"}`)
	if status != 200 || !strings.Contains(body, `"created":false`) {
		t.Fatalf("status %d body %s", status, body)
	}
}

func TestValidationNamesEveryProblem(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	big := `{"operation":"create","records":[` + strings.TrimSuffix(strings.Repeat(`{"Name":"x"},`, sfgate.MaxBatchRecords+1), ",") + `]}`
	checkValidation(t, s, []validationCase{
		{"page size too large", "POST", "/v1/query", `{"soql":"SELECT Id FROM Account","pageSize":5000}`,
			[]sfgate.FieldError{{Field: "/pageSize", Code: "maximum"}}},
		{"page size too small", "POST", "/v1/query", `{"soql":"SELECT Id FROM Account","pageSize":10}`,
			[]sfgate.FieldError{{Field: "/pageSize", Code: "minimum"}}},
		{"several problems at once", "POST", "/v1/query", `{"soql":"","pageSize":"big","extra":1}`,
			[]sfgate.FieldError{{Field: "/extra", Code: "additionalProperties"}, {Field: "/pageSize", Code: "type"}, {Field: "/soql", Code: "minLength"}}},
		{"missing required", "POST", "/v1/query", `{"pageSize":200}`,
			[]sfgate.FieldError{{Field: "/soql", Code: "required"}}},
		{"malformed json", "POST", "/v1/query", `{"soql":`,
			[]sfgate.FieldError{{Field: "body", Code: "malformed"}}},
		{"bad id", "GET", "/v1/sobjects/Account/records/001-bad", "",
			[]sfgate.FieldError{{Field: "path.id", Code: "pattern"}}},
		{"bad sobject name", "GET", "/v1/sobjects/Acc'ount", "",
			[]sfgate.FieldError{{Field: "path.sobject", Code: "pattern"}}},
		{"bad boolean filter", "GET", "/v1/sobjects?custom=maybe", "",
			[]sfgate.FieldError{{Field: "query.custom", Code: "malformed"}}},
		{"injection in field list", "GET", "/v1/sobjects/Account/records/001000000000001AAA?fields=Id,Name%20FROM%20User", "",
			[]sfgate.FieldError{{Field: "query.fields/0", Code: "pattern"}}},
		{"injection in a repeated fields value", "GET", "/v1/sobjects/Account/records/001000000000001AAA?fields=Id&fields=Name%20FROM%20User", "",
			[]sfgate.FieldError{{Field: "query.fields/1", Code: "pattern"}}},
		{"empty name in a fields list", "GET", "/v1/sobjects/Account/records/001000000000001AAA?fields=Id,,Name", "",
			[]sfgate.FieldError{{Field: "query.fields/0", Code: "pattern"}}},
		{"over 800 field names, repeated", "GET", "/v1/sobjects/Account/records/001000000000001AAA?fields=" + strings.Repeat("F&fields=", 800) + "F", "",
			[]sfgate.FieldError{{Field: "query.fields", Code: "maxItems"}}},
		{"over 800 field names, in comma lists", "GET", "/v1/sobjects/Account/records/001000000000001AAA?fields=" + strings.Repeat("F,", 400) + "F&fields=" + strings.Repeat("F,", 399) + "F", "",
			[]sfgate.FieldError{{Field: "query.fields", Code: "maxItems"}}},
		{"batch over 10,000", "POST", "/v1/sobjects/Account/records/batch", big,
			[]sfgate.FieldError{{Field: "/records", Code: "maxItems"}}},
		{"unknown batch operation", "POST", "/v1/sobjects/Account/records/batch", `{"operation":"explode","records":[{"Name":"x"}]}`,
			[]sfgate.FieldError{{Field: "/operation", Code: "enum"}}},
		{"field path injection", "POST", "/v1/sobjects/Account/query", `{"fields":["Id, (SELECT Id FROM Contacts)"]}`,
			[]sfgate.FieldError{{Field: "/fields/0", Code: "pattern"}}},
		{"too many merge ids", "POST", "/v1/sobjects/Account/records/001000000000001AAA/merge", `{"mergeIds":["001000000000002AAA","001000000000003AAA","001000000000004AAA"]}`,
			[]sfgate.FieldError{{Field: "/mergeIds", Code: "maxItems"}}},
		{"empty record", "POST", "/v1/sobjects/Account/records", `{}`,
			[]sfgate.FieldError{{Field: "body", Code: "minProperties"}}},
		{"record is not an object", "POST", "/v1/sobjects/Account/records", `[1,2]`,
			[]sfgate.FieldError{{Field: "body", Code: "type"}}},
		{"forged cursor characters", "GET", "/v1/query/abc$def$ghi$jkl$mno", "",
			[]sfgate.FieldError{{Field: "path.cursor", Code: "pattern"}}},
		// Properties declared allOf: [$ref] (to carry a description) name
		// the rule their schema breaks, not "allOf".
		{"allOf property breaks pattern", "POST", "/v1/admin/cache/invalidate", `{"sobject":"Account; FLUSHALL"}`,
			[]sfgate.FieldError{{Field: "/sobject", Code: "pattern"}}},
		{"allOf property breaks maxLength", "POST", "/v1/admin/cache/invalidate", `{"sobject":"A` + strings.Repeat("b", 80) + `"}`,
			[]sfgate.FieldError{{Field: "/sobject", Code: "maxLength"}}},
		{"allOf property of the wrong type", "POST", "/v1/sobjects/Account/records/batch", `{"operation":"upsert","externalIdField":7,"records":[{"Name":"x"}]}`,
			[]sfgate.FieldError{{Field: "/externalIdField", Code: "type"}}},
		{"allOf property breaks pattern in a batch", "POST", "/v1/sobjects/Account/records/batch", `{"operation":"upsert","externalIdField":"Ext__c--","records":[{"Name":"x"}]}`,
			[]sfgate.FieldError{{Field: "/externalIdField", Code: "pattern"}}},
		{"allOf object property, nested rule", "POST", "/v1/sobjects/Account/records/001000000000001AAA/merge", `{"mergeIds":["001000000000002AAA"],"fields":{}}`,
			[]sfgate.FieldError{{Field: "/fields", Code: "minProperties"}}},
	})
}

// TestConditionValidationNamesTheField checks the where and having trees
// (a oneOf of and, or, not and comparisons discriminated by op): the
// problem names the spot inside the branch the node was meant for, or the
// node itself when no branch, or several, fit it.
func TestConditionValidationNamesTheField(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	checkValidation(t, s, []validationCase{
		{"bad operator", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"Name","op":"~","value":"x"}}`,
			[]sfgate.FieldError{{Field: "/where/op", Code: "enum"}}},
		{"bad operator deep in a tree", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"and":[{"field":"Id","op":"!=","value":null},{"not":{"field":"Name","op":"~","value":"x"}}]}}`,
			[]sfgate.FieldError{{Field: "/where/and/1/not/op", Code: "enum"}}},
		{"comparison without op", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"or":[{"field":"Name","value":"x"}]}}`,
			[]sfgate.FieldError{{Field: "/where/or/0", Code: "oneOf"}}},
		{"scalar for in", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"Industry","op":"in","value":"Energy"}}`,
			[]sfgate.FieldError{{Field: "/where/value", Code: "type"}}},
		{"array for =", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"Industry","op":"=","value":["Energy"]}}`,
			[]sfgate.FieldError{{Field: "/where/value", Code: "oneOf"}}},
		{"null with <", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"AnnualRevenue","op":"<","value":null}}`,
			[]sfgate.FieldError{{Field: "/where/value", Code: "oneOf"}}},
		{"number for like", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"Name","op":"like","value":1}}`,
			[]sfgate.FieldError{{Field: "/where/value", Code: "type"}}},
		{"node mixing and with a comparison", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"and":[{"field":"Name","op":"=","value":"a"}],"field":"Name","op":"=","value":"b"}}`,
			[]sfgate.FieldError{{Field: "/where", Code: "oneOf"}}},
		{"empty and", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"having":{"and":[]}}`,
			[]sfgate.FieldError{{Field: "/having/and", Code: "minItems"}}},
		{"unknown key in a comparison", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"Name","op":"=","value":"a","nulls":"first"}}`,
			[]sfgate.FieldError{{Field: "/where/nulls", Code: "additionalProperties"}}},
	})
}

// validationCase is a request the validator refuses with a 400 naming
// want (field and code only).
type validationCase struct {
	name, method, path, body string
	want                     []sfgate.FieldError
}

func checkValidation(t *testing.T, s *testServer, tests []validationCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, hdr, body := s.do(tt.method, tt.path, tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %.800s", status, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if p.Code != sfgate.CodeValidationFailed || p.RequestID == "" {
				t.Errorf("code %q requestId %q", p.Code, p.RequestID)
			}
			var got []sfgate.FieldError
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Errorf("error %+v has no message", e)
				}
				got = append(got, sfgate.FieldError{Field: e.Field, Code: e.Code})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s\nbody: %.800s", diff, body)
			}
		})
	}
}

func TestWrongContentTypeIsRefused(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	status, _, body := s.do("POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`, "Content-Type", "text/plain")
	if status != 400 || !strings.Contains(body, `"code":"content-type"`) {
		t.Fatalf("status %d body %s", status, body)
	}
}

// TestErrorsMapThroughTheTables answers errors as the service returns
// them (internal/service's errors_test.go checks how Salesforce's become
// those): Salesforce's codes by statusByCode, everything else by kind.
func TestErrorsMapThroughTheTables(t *testing.T) {
	t.Parallel()
	sf := func(kind sfgate.ErrorKind, code, detail string) *sfgate.Error {
		return &sfgate.Error{Kind: kind, Code: code, Detail: detail, Salesforce: true, Err: errors.New("salesforce create: secret internals")}
	}
	up := sfgate.KindUpstream
	tests := []struct {
		name       string
		err        error
		want       int
		code       string
		retryAfter string
		detailHas  string
		unmapped   bool
	}{
		{"duplicate", sf(up, "DUPLICATE_VALUE", "duplicate value found: Ext__c"), 409, "DUPLICATE_VALUE", "", "duplicate value found", false},
		{"deleted", sf(up, "ENTITY_IS_DELETED", "entity is deleted"), 404, "ENTITY_IS_DELETED", "", "deleted", false},
		{"no access", sf(up, "INSUFFICIENT_ACCESS_OR_READONLY", ""), 403, "INSUFFICIENT_ACCESS_OR_READONLY", "", "", false},
		{"required missing", sf(up, "REQUIRED_FIELD_MISSING", "Required fields are missing: [Name]"), 422, "REQUIRED_FIELD_MISSING", "", "Required fields", false},
		{"malformed query", sf(up, "MALFORMED_QUERY", "unexpected token"), 400, "MALFORMED_QUERY", "", "unexpected token", false},
		{"org limit keeps its own wait", &sfgate.Error{Kind: up, Code: "REQUEST_LIMIT_EXCEEDED", Salesforce: true, RetryAfter: 5 * time.Minute}, 503, "REQUEST_LIMIT_EXCEEDED", "300", "", false},
		{"row lock waits the default", sf(up, "UNABLE_TO_LOCK_ROW", ""), 503, "UNABLE_TO_LOCK_ROW", "5", "", false},
		{"query timeout", sf(up, "QUERY_TIMEOUT", ""), 504, "QUERY_TIMEOUT", "", "", false},
		{"credentials", sf(up, "INVALID_LOGIN", "Salesforce rejected the gateway's own credentials"), 502, "INVALID_LOGIN", "", "gateway's own credentials", false},
		{"local refusal in the table", sf(sfgate.KindInvalid, "MALFORMED_ID", "bad id"), 400, "MALFORMED_ID", "", "bad id", false},
		{"local refusal the table lacks", sf(sfgate.KindInvalid, "SOMETHING_LOCAL", "refused"), 400, "SOMETHING_LOCAL", "", "refused", false},
		{"unmapped code", sf(up, "SOMETHING_NEW", ""), 502, "SOMETHING_NEW", "", "", true},
		{"the kind decides over a Salesforce code", &sfgate.Error{Kind: sfgate.KindNotFound, Code: "INVALID_CROSS_REFERENCE_KEY", Detail: "gone"}, 404, "INVALID_CROSS_REFERENCE_KEY", "", "gone", false},
		{"unreachable", &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeUnavailable, Detail: "Salesforce could not be reached"}, 503, sfgate.CodeUnavailable, "5", "could not be reached", false},
		{"not in time", &sfgate.Error{Kind: sfgate.KindTimeout, Code: sfgate.CodeUnavailable, Detail: "Salesforce did not answer in time"}, 504, sfgate.CodeUnavailable, "", "in time", false},
		{"upstream", &sfgate.Error{Kind: up, Code: sfgate.CodeUpstream}, 502, sfgate.CodeUpstream, "", "", false},
		{"login rate exceeded waits as told", &sfgate.Error{Kind: sfgate.KindUnavailable, Code: "LOGIN_RATE_EXCEEDED", RetryAfter: 90 * time.Second}, 503, "LOGIN_RATE_EXCEEDED", "90", "", false},
		{"gateway error wrapped", fmt.Errorf("wrap: %w", sfgate.Unprocessable("unknown fields", sfgate.FieldError{Field: "Nope__c", Code: "UNKNOWN_FIELD", Message: "no such field"})), 422, sfgate.CodeValidationFailed, "", "unknown fields", false},
		{"deadline", fmt.Errorf("describe: %w", context.DeadlineExceeded), 504, sfgate.CodeTimeout, "", "longer than the gateway allows", false},
		{"a kind without a status is 500", &sfgate.Error{Kind: sfgate.KindConflict + 1, Code: "ODD"}, 500, "ODD", "", "", false},
		{"forbidden is 403", &sfgate.Error{Kind: sfgate.KindForbidden, Code: "FORBIDDEN", Detail: "needs Account:read"}, 403, "FORBIDDEN", "", "", false},
		{"conflict is 409", &sfgate.Error{Kind: sfgate.KindConflict, Code: "IDEMPOTENCY_KEY_IN_USE", Detail: "in flight"}, 409, "IDEMPOTENCY_KEY_IN_USE", "", "", false},
		{"plain error is 500 without detail", errors.New("secret internals"), 500, sfgate.CodeInternal, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if c := classify(t.Context(), tt.err); c.unmapped != tt.unmapped {
				t.Errorf("unmapped = %v, want %v", c.unmapped, tt.unmapped)
			}
			opts := fullOptions()
			opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
				return nil, fmt.Errorf("fake: %w", tt.err)
			}}
			s := newTestServer(t, opts)
			status, hdr, body := s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA", "")
			if status != tt.want {
				t.Fatalf("status %d, want %d: %s", status, tt.want, body)
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if p.Code != tt.code {
				t.Errorf("code %q, want %q", p.Code, tt.code)
			}
			if got := hdr.Get("Retry-After"); got != tt.retryAfter {
				t.Errorf("Retry-After %q, want %q", got, tt.retryAfter)
			}
			if !strings.Contains(p.Detail, tt.detailHas) {
				t.Errorf("detail %q lacks %q", p.Detail, tt.detailHas)
			}
			if strings.Contains(body, "secret internals") {
				t.Errorf("body leaks the cause: %s", body)
			}
		})
	}
}

func TestNilServicesAnswerNotImplemented(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{})
	for _, path := range []string{"/v1/sobjects", "/v1/limits"} {
		status, _, body := s.do("GET", path, "")
		if status != http.StatusNotImplemented || !strings.Contains(body, "NOT_IMPLEMENTED") {
			t.Errorf("%s: status %d body %s", path, status, body)
		}
	}
	status, _, body := s.do("GET", "/readyz", "")
	if status != 200 || !strings.Contains(body, `"redis":"disabled"`) || !strings.Contains(body, `"salesforce":"unknown"`) {
		t.Errorf("readyz: %d %s", status, body)
	}
}

func TestReadyzDrains(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.Ready = fakeReady{redis: "degraded"}
	s := newTestServer(t, opts)
	if status, _, body := s.do("GET", "/readyz", ""); status != 200 || !strings.Contains(body, `"redis":"degraded"`) {
		t.Fatalf("degraded Redis must stay ready: %d %s", status, body)
	}
	s.h.SetDraining(true)
	if status, _, body := s.do("GET", "/readyz", ""); status != 503 || !strings.Contains(body, `"status":"draining"`) {
		t.Fatalf("draining: %d %s", status, body)
	}
	if status, _, _ := s.do("GET", "/healthz", ""); status != 200 {
		t.Fatalf("healthz while draining: %d", status)
	}
}

// TestRouterServesEveryOperation keeps the router and the document in step:
// every operation of the document is routed, and every route is documented
// (New already refuses a route the document lacks).
func TestRouterServesEveryOperation(t *testing.T) {
	t.Parallel()
	h, err := New(t.Context(), fullOptions())
	if err != nil {
		t.Fatal(err)
	}
	routed := map[string]bool{}
	err = chi.Walk(h.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		routed[method+" "+strings.TrimSuffix(route, "/")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for path, item := range h.Spec().Paths.Map() {
		for method := range item.Operations() {
			n++
			if !routed[method+" "+path] {
				t.Errorf("%s %s is in api/openapi.yaml but not routed", method, path)
			}
		}
	}
	if n != len(routed) {
		t.Errorf("%d operations documented, %d routed: %v", n, len(routed), routed)
	}
}

func TestMethodNotAllowedListsAllowed(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	status, hdr, _ := s.do("PUT", "/v1/sobjects/Account/records/001000000000001AAA", `{"Name":"x"}`)
	if status != 405 || hdr.Get("Allow") != "GET, PATCH, DELETE" {
		t.Fatalf("status %d Allow %q", status, hdr.Get("Allow"))
	}
}

// limitsFunc answers Limits with a function.
type limitsFunc func() ([]sfgate.Limit, time.Time, error)

func (f limitsFunc) Limits(ctx context.Context) ([]sfgate.Limit, time.Time, error) { return f() }

func TestLimitsBeforeAnyAnswer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Limits: limitsFunc(func() ([]sfgate.Limit, time.Time, error) { return nil, time.Time{}, nil }), Logger: zerolog.Nop()})
	if status, _, body := s.do("GET", "/v1/limits", ""); status != 200 || body != `{"limits":[],"reportedAt":null}`+"\n" {
		t.Errorf("limits: %d %q", status, body)
	}
}
