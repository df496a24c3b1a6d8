package handlers

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/handlers/spectest"
)

// fakeDescribe, fakeRecords and fakeQueries answer from function fields;
// a nil field answers a fixed, valid value.
type fakeDescribe struct {
	list     func(ctx context.Context, f sfgate.SObjectFilter) ([]sfgate.SObjectSummary, error)
	describe func(ctx context.Context, name string) (*sfgate.SObjectDescribe, error)
}

func (f *fakeDescribe) ListSObjects(ctx context.Context, filter sfgate.SObjectFilter) ([]sfgate.SObjectSummary, error) {
	if f.list != nil {
		return f.list(ctx, filter)
	}
	return []sfgate.SObjectSummary{{Name: "Account", Label: "Account", Queryable: true, Createable: true}}, nil
}

func (f *fakeDescribe) DescribeSObject(ctx context.Context, name string) (*sfgate.SObjectDescribe, error) {
	if f.describe != nil {
		return f.describe(ctx, name)
	}
	prefix := "001"
	return &sfgate.SObjectDescribe{
		SObjectSummary: sfgate.SObjectSummary{Name: name, Label: name, KeyPrefix: &prefix, Queryable: true},
		Fields: []sfgate.FieldDescribe{{Name: "Name", Label: "Name", Type: "string", Length: 255, Createable: true, Updateable: true,
			ReferenceTo: []string{}, PicklistValues: []sfgate.PicklistValue{}}},
		ChildRelationships: []sfgate.ChildRelationship{{ChildSObject: "Contact", Field: "AccountId", RelationshipName: "Contacts"}},
		RecordTypeInfos: []sfgate.RecordTypeInfo{{Name: "Master", DeveloperName: "Master", RecordTypeID: ptrTo("012000000000000AAA"), Active: true, Available: true, DefaultRecordTypeMapping: true, Master: true},
			{Name: "Partner", DeveloperName: "Partner", Active: true}},
	}, nil
}

// CachedDescribe answers as DescribeSObject does.
func (f *fakeDescribe) CachedDescribe(ctx context.Context, name string) (*sfgate.SObjectDescribe, error) {
	return f.DescribeSObject(ctx, name)
}

func (f *fakeDescribe) RecordSchema(ctx context.Context, name string) (map[string]any, error) {
	return map[string]any{"$schema": "https://json-schema.org/draft/2020-12/schema", "title": name, "type": "object"}, nil
}

type fakeRecords struct {
	get    func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error)
	create func(ctx context.Context, obj string, rec sfgate.Record) (string, error)
	upsert func(ctx context.Context, obj, field, value string, rec sfgate.Record) (sfgate.UpsertResult, error)
	batch  func(ctx context.Context, obj string, req sfgate.BatchRequest) (sfgate.BatchResponse, error)
}

func (f *fakeRecords) Get(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
	if f.get != nil {
		return f.get(ctx, obj, id, fields)
	}
	return ord("Id", id, "Name", "Acme"), nil
}

func (f *fakeRecords) Create(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
	if f.create != nil {
		return f.create(ctx, obj, rec)
	}
	return "001000000000001AAA", nil
}

func (f *fakeRecords) Update(ctx context.Context, obj, id string, rec sfgate.Record) error {
	return nil
}

func (f *fakeRecords) Upsert(ctx context.Context, obj, field, value string, rec sfgate.Record) (sfgate.UpsertResult, error) {
	if f.upsert != nil {
		return f.upsert(ctx, obj, field, value, rec)
	}
	return sfgate.UpsertResult{ID: "001000000000001AAA", Created: true}, nil
}

func (f *fakeRecords) Delete(ctx context.Context, obj, id string) error { return nil }

func (f *fakeRecords) Batch(ctx context.Context, obj string, req sfgate.BatchRequest) (sfgate.BatchResponse, error) {
	if f.batch != nil {
		return f.batch(ctx, obj, req)
	}
	res := sfgate.BatchResponse{}
	for i := range req.Records {
		res.Results = append(res.Results, sfgate.BatchResult{Index: i, Success: true, ID: "001000000000001AAA"})
		res.SuccessCount++
	}
	return res, nil
}

func (f *fakeRecords) Merge(ctx context.Context, obj, id string, req sfgate.MergeRequest) (sfgate.MergeResult, error) {
	return sfgate.MergeResult{ID: id, MergedRecordIDs: req.MergeIDs}, nil
}

func (f *fakeRecords) ConvertLead(ctx context.Context, req sfgate.LeadConvertRequest) (sfgate.LeadConvertResult, error) {
	return sfgate.LeadConvertResult{LeadID: req.LeadID, AccountID: "001000000000003AAA", ContactID: "003000000000003AAA"}, nil
}

type fakeQueries struct {
	query  func(ctx context.Context, in sfgate.QueryInput) (sfgate.QueryPage, error)
	stream func(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error
}

func (f *fakeQueries) Query(ctx context.Context, in sfgate.QueryInput) (sfgate.QueryPage, error) {
	if f.query != nil {
		return f.query(ctx, in)
	}
	return sfgate.QueryPage{TotalSize: 3, Done: false, Records: []sfgate.OrderedRecord{ord("Id", "001000000000001AAA")}, NextCursor: "c2Vjb25kLXBhZ2UtY3Vyc29y"}, nil
}

func (f *fakeQueries) Stream(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error {
	if f.stream != nil {
		return f.stream(ctx, in, emit)
	}
	for page := range 2 {
		recs := []sfgate.OrderedRecord{ord("Id", "001000000000001AAA", "Page", page), ord("Id", "001000000000002AAA", "Page", page)}
		if err := emit(recs); err != nil {
			return err
		}
	}
	return nil
}

func (f *fakeQueries) Search(ctx context.Context, sosl string) ([]sfgate.SearchHit, error) {
	return []sfgate.SearchHit{{SObject: "Account", Record: ord("Id", "001000000000001AAA")}}, nil
}

type fakeLimits struct{}

func (fakeLimits) Limits(ctx context.Context) ([]sfgate.Limit, time.Time, error) {
	return []sfgate.Limit{{Type: "API REQUESTS", Current: 10, Limit: 15000}}, time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC), nil
}

type fakeCache struct{ got chan string }

func (f *fakeCache) InvalidateDescribe(ctx context.Context, sobject string) error {
	if f.got != nil {
		f.got <- sobject
	}
	return nil
}

type fakeReady struct{ redis string }

func (f fakeReady) Redis(ctx context.Context) string      { return f.redis }
func (f fakeReady) Salesforce(ctx context.Context) string { return "unknown" }

// fullOptions wires every fake.
func fullOptions() Options {
	return Options{
		Describe: &fakeDescribe{}, CachedDescribe: &fakeDescribe{}, Schemas: &fakeDescribe{}, Records: &fakeRecords{}, Queries: &fakeQueries{},
		Limits: fakeLimits{}, Cache: &fakeCache{}, Ready: fakeReady{redis: "ok"},
		Logger: zerolog.Nop(),
	}
}

// testServer serves h and returns a client whose every answer is checked
// against api/openapi.yaml.
type testServer struct {
	t      *testing.T
	h      *Handlers
	url    string
	client *http.Client
}

func newTestServer(t *testing.T, opts Options) *testServer {
	t.Helper()
	h, err := New(t.Context(), opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &testServer{t: t, h: h, url: srv.URL, client: spectest.New(t).Client(t)}
}

// do sends a request and returns status, headers and body.
func (s *testServer) do(method, path, body string, header ...string) (int, http.Header, string) {
	s.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(s.t.Context(), method, s.url+path, rd)
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, string(b)
}

func ptrTo[T any](v T) *T { return &v }
