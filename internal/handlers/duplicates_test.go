package handlers

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate"
)

// recordingRecords is a record service that counts the writes it is asked
// for and keeps the last batch.
type recordingRecords struct {
	fakeRecords
	mu        sync.Mutex
	calls     int
	lastBatch sfgate.BatchRequest
}

func newRecordingRecords() *recordingRecords {
	r := &recordingRecords{}
	r.create = func(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
		r.count()
		return "001000000000001AAA", nil
	}
	r.upsert = func(ctx context.Context, obj, field, value string, rec sfgate.Record) (sfgate.UpsertResult, error) {
		r.count()
		return sfgate.UpsertResult{ID: "001000000000001AAA", Created: true}, nil
	}
	r.batch = func(ctx context.Context, obj string, req sfgate.BatchRequest) (sfgate.BatchResponse, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.lastBatch = req
		res := sfgate.BatchResponse{}
		for i := range req.Records {
			res.Results = append(res.Results, sfgate.BatchResult{Index: i, Success: true, ID: "001000000000001AAA"})
		}
		return res, nil
	}
	return r
}

func (r *recordingRecords) count() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
}

func (r *recordingRecords) writes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls
}

// newRecordingServer serves every fake with a recording record service.
func newRecordingServer(t *testing.T) (*testServer, *recordingRecords) {
	t.Helper()
	records := newRecordingRecords()
	opts := fullOptions()
	opts.Records = records
	return newTestServer(t, opts), records
}

const accountRecords = "/v1/sobjects/Account/records"

// TestDuplicateMembersAreRefused sends record bodies naming a member twice
// — which encoding/json would accept, keeping the last value — to every
// endpoint that takes one record: a single record or merge fields is a 422
// DUPLICATE_FIELD naming the field before the service is called.
func TestDuplicateMembersAreRefused(t *testing.T) {
	t.Parallel()
	s, records := newRecordingServer(t)
	const acc = accountRecords
	tests := []struct {
		name, method, path, body string
		want                     []string // fields named DUPLICATE_FIELD; nil: accepted
	}{
		{"create", "POST", acc, `{"Name":"a","Name":"b"}`, []string{"Name"}},
		{"create, three times", "POST", acc, `{"Name":"a","Phone":"1","Name":"b","Name":"c"}`, []string{"Name"}},
		{"create, two fields", "POST", acc, `{"Name":"a","Phone":"1","Phone":"2","Name":"b"}`, []string{"Phone", "Name"}}, // in the order the repeats come,
		{"create, a nested object", "POST", acc, `{"Name":"a","BillingAddress":{"city":"x","city":"y"}}`, []string{"BillingAddress.city"}},
		{"create, an object in an array", "POST", acc, `{"Name":"a","Tags__c":[{"k":1,"k":2}]}`, []string{"Tags__c.0.k"}},
		{"create, escaped spelling of the same name", "POST", acc, `{"Name":"a","N\u0061me":"b"}`, []string{"Name"}},
		{"create, same name in sibling objects is fine", "POST", acc, `{"Name":"a","A__c":{"x":1},"B__c":{"x":2}}`, nil},
		{"create, other case is the engine's call", "POST", acc, `{"Name":"a","name":"b"}`, nil},
		{"update", "PATCH", acc + "/001000000000001AAA", `{"Phone":null,"Phone":"1"}`, []string{"Phone"}},
		{"upsert", "PUT", acc + "/by/Ext__c/A-1", `{"Name":"a","Name":"a"}`, []string{"Name"}},
		{"merge fields", "POST", acc + "/001000000000001AAA/merge", `{"mergeIds":["001000000000002AAA"],"fields":{"Phone":"1","Phone":"2"}}`, []string{"Phone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := records.writes()
			status, _, body := s.do(tt.method, tt.path, tt.body)
			if tt.want == nil {
				if status >= 300 {
					t.Fatalf("status %d: %.500s", status, body)
				}
				return
			}
			if status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422: %.500s", status, body)
			}
			if records.writes() != before {
				t.Errorf("the service was called")
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range p.Errors {
				if e.Code != sfgate.CodeDuplicateField || !strings.HasPrefix(e.Message, e.Field+" ") {
					t.Errorf("error %+v", e)
				}
				got = append(got, e.Field)
			}
			if p.Code != sfgate.CodeValidationFailed || !cmp.Equal(got, tt.want) {
				t.Errorf("code %s, fields %v, want %v: %s", p.Code, got, tt.want, body)
			}
		})
	}
}

// TestDuplicateBatchMembersReachTheEngine checks that a batch record
// naming a member twice does not fail the batch: it reaches the service
// with the problem at its index, for the engine to fail that record.
func TestDuplicateBatchMembersReachTheEngine(t *testing.T) {
	t.Parallel()
	s, records := newRecordingServer(t)
	body := `{"operation":"create","records":[{"Name":"a"},{"Name":"b","Name":"c"},{"Name":"d","Phone":"1","Phone":"2"}]}`
	status, _, out := s.do("POST", accountRecords+"/batch", body)
	if status != http.StatusOK {
		t.Fatalf("status %d: %.500s", status, out)
	}
	records.mu.Lock()
	req := records.lastBatch
	records.mu.Unlock()
	if len(req.Records) != 3 {
		t.Fatalf("%d records reached the service", len(req.Records))
	}
	got := map[int][]string{}
	for i, errs := range req.RecordErrors {
		for _, e := range errs {
			if e.Index == nil || *e.Index != i || e.Code != sfgate.CodeDuplicateField {
				t.Errorf("record %d: %+v", i, e)
			}
			got[i] = append(got[i], e.Field)
		}
	}
	if diff := cmp.Diff(map[int][]string{1: {"Name"}, 2: {"Phone"}}, got); diff != "" {
		t.Errorf("record errors (-want +got):\n%s", diff)
	}
}

// TestDuplicateMembers checks the scanner that finds members named twice
// in one object, wherever they are, and only those.
func TestDuplicateMembers(t *testing.T) {
	t.Parallel()
	var wide strings.Builder
	wide.WriteString("{")
	for i := range 200 {
		fmt.Fprintf(&wide, `"F%d":%d,`, i, i)
	}
	wide.WriteString(`"F150":"again","F7":{"x":1,"x":2}}`)
	tests := []struct {
		name, in string
		want     [][]string
	}{
		{"none", `{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}`, nil},
		{"top level", `{"a":1,"b":2,"a":3}`, [][]string{{"a"}}},
		{"three times, listed once", `{"a":1,"a":2,"a":3}`, [][]string{{"a"}}},
		{"nested", `{"a":{"b":1,"b":2}}`, [][]string{{"a", "b"}}},
		{"in an array", `{"r":[{"x":1},{"y":1,"y":2}]}`, [][]string{{"r", "1", "y"}}},
		{"escaped spelling", `{"Name":1,"N\u0061me":2}`, [][]string{{"Name"}}},
		{"escapes in values and keys", `{"a\"b":"x\"}","a\"b":"\\"}`, [][]string{{`a"b`}}},
		{"empty key", `{"":1,"":2}`, [][]string{{""}}},
		{"case differs: not a duplicate", `{"Name":1,"name":2}`, nil},
		{"a key repeated as a value", `{"a":"a","b":"a"}`, nil},
		{"wide object", wide.String(), [][]string{{"F150"}, {"F7"}, {"F7", "x"}}},
		{"whitespace", " {\n\t\"a\" : 1 ,\r\n \"a\":[ ] } ", [][]string{{"a"}}},
		{"scalars", `[1, -2.5e3, true, false, null, "s"]`, nil},
		{"empty", ``, nil},
		{"truncated", `{"a":1,"a":`, [][]string{{"a"}}},
		{"garbage", `{"a" 1}`, nil},
		{"unterminated string", `{"a`, nil},
		{"too deep", strings.Repeat("[", maxScanDepth+1) + strings.Repeat("]", maxScanDepth+1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, duplicateMembers([]byte(tt.in))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestNonRecordMembersNamedTwice checks a request member named twice
// outside a record is a 400 naming it by JSON pointer.
func TestNonRecordMembersNamedTwice(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	tests := []struct{ name, path, body, field string }{
		{"soql", "/v1/query", `{"soql":"SELECT Id FROM Account","soql":"SELECT Id FROM User"}`, "/soql"},
		{"batch operation", "/v1/sobjects/Account/records/batch", `{"operation":"delete","records":[{"Id":"001000000000001AAA"}],"operation":"create"}`, "/operation"},
		{"merge ids", "/v1/sobjects/Account/records/001000000000001AAA/merge", `{"mergeIds":["001000000000002AAA"],"mergeIds":["001000000000003AAA"]}`, "/mergeIds"},
		{"where in a query", "/v1/sobjects/Account/query", `{"fields":["Id"],"where":{"field":"Name","op":"=","value":"a","value":"b"}}`, "/where/value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := s.do("POST", tt.path, tt.body)
			if status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400: %.500s", status, body)
			}
			var p problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatal(err)
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != tt.field || p.Errors[0].Code != sfgate.CodeDuplicateField {
				t.Errorf("errors %+v, want %s %s", p.Errors, tt.field, sfgate.CodeDuplicateField)
			}
		})
	}
}
