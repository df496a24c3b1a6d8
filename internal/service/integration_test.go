package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// wantError fails unless err is (or wraps) an *sfgate.Error of kind and
// code ("" for any code), and returns it.
func wantError(t *testing.T, err error, kind sfgate.ErrorKind, code string) *sfgate.Error {
	t.Helper()
	var e *sfgate.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want an *sfgate.Error %s %s", err, kind, code)
	}
	if e.Kind != kind || (code != "" && e.Code != code) {
		t.Fatalf("got %s %s (%s, %+v), want %s %s", e.Kind, e.Code, e.Detail, e.Errors, kind, code)
	}
	return e
}

func TestRecordsCRUD(t *testing.T) {
	t.Parallel()
	st := newStack(t, 3)
	ctx := t.Context()
	s := st.svc

	id, err := s.Create(ctx, "Account", rec(t, `{"Name":"Acme <&> Ltd","NumberOfEmployees":12,"Industry":"Energy","BillingCity":"Paris","Description":"line1\nline2"}`))
	if err != nil {
		t.Fatal(err)
	}
	row, err := s.Get(ctx, "Account", id, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := row.Map()
	if got["Name"] != "Acme <&> Ltd" || got["NumberOfEmployees"] != json.Number("12") || got["Description"] != "line1\nline2" || got["Id"] != id {
		t.Errorf("get: %v", got)
	}
	if got["IsDeleted"] != false || got["Fax"] != nil {
		t.Errorf("typed values: IsDeleted %#v, Fax %#v", got["IsDeleted"], got["Fax"])
	}
	if addr, ok := got["BillingAddress"].(Record); !ok || addr["city"] != "Paris" {
		t.Errorf("BillingAddress = %#v, want a read-only object with city", got["BillingAddress"])
	}
	// The 15-character form of the id works and comes back as 18.
	some, err := s.Get(ctx, "account", id[:15], []string{"name", "NumberOfEmployees"})
	if err != nil {
		t.Fatal(err)
	}
	// In the order ?fields= named them, Id first.
	if diff := fmt.Sprint(some); diff != fmt.Sprint(sfgate.OrderedRecord{{Key: "Id", Value: id}, {Key: "Name", Value: "Acme <&> Ltd"}, {Key: "NumberOfEmployees", Value: json.Number("12")}}) {
		t.Errorf("get with fields: %v", some)
	}
	// Update: a value and a null (fieldsToNull).
	if err := s.Update(ctx, "Account", id, rec(t, `{"NumberOfEmployees":13,"Industry":null}`)); err != nil {
		t.Fatal(err)
	}
	row, _ = s.Get(ctx, "Account", id, []string{"NumberOfEmployees", "Industry"})
	got = row.Map()
	if got["NumberOfEmployees"] != json.Number("13") || got["Industry"] != nil {
		t.Errorf("after update: %v", got)
	}
	// Upsert by external id: 201 then 200.
	up, err := s.Upsert(ctx, "Account", "External_Id__c", "EXT-1", rec(t, `{"Name":"Upserted"}`))
	if err != nil || !up.Created {
		t.Fatalf("upsert 1: %+v, %v", up, err)
	}
	up2, err := s.Upsert(ctx, "Account", "External_Id__c", "EXT-1", rec(t, `{"Name":"Upserted again"}`))
	if err != nil || up2.Created || up2.ID != up.ID {
		t.Fatalf("upsert 2: %+v, %v (first %+v)", up2, err, up)
	}
	// Upsert by a field that is no external id: 422 before any call.
	_, err = s.Upsert(ctx, "Account", "Name", "x", rec(t, `{"Industry":"Energy"}`))
	wantError(t, err, sfgate.KindUnprocessable, sfgate.CodeValidationFailed)

	// Delete, then the record is gone: 404 for get, update and delete.
	if err := s.Delete(ctx, "Account", id); err != nil {
		t.Fatal(err)
	}
	_, err = s.Get(ctx, "Account", id, nil)
	wantError(t, err, sfgate.KindNotFound, sfgate.CodeNotFound)
	err = s.Update(ctx, "Account", id, rec(t, `{"Name":"x"}`))
	wantError(t, err, sfgate.KindNotFound, "ENTITY_IS_DELETED")
	err = s.Delete(ctx, "Account", id)
	wantError(t, err, sfgate.KindNotFound, "ENTITY_IS_DELETED")
	// An id that never existed.
	err = s.Update(ctx, "Account", "001000000000000AAA", rec(t, `{"Name":"x"}`))
	wantError(t, err, sfgate.KindNotFound, "")
	// An id of another object is not an Account.
	contacts, err := s.Query(ctx, sfgate.QueryInput{SObject: "Contact", Structured: &sfgate.StructuredQuery{Fields: []string{"Id"}, Limit: 1}})
	if err != nil || len(contacts.Records) != 1 {
		t.Fatalf("contacts: %v", err)
	}
	before := st.calls(t)["delete"]
	err = s.Delete(ctx, "Account", contacts.Records[0].Map()["Id"].(string))
	wantError(t, err, sfgate.KindNotFound, sfgate.CodeNotFound)
	if st.calls(t)["delete"] != before {
		t.Error("a delete of a contact through /sobjects/Account reached Salesforce")
	}
	// Unknown object, malformed id.
	_, err = s.Get(ctx, "Nope__c", id, nil)
	wantError(t, err, sfgate.KindNotFound, sfgate.CodeNotFound)
	_, err = s.Get(ctx, "Account", "001'--", nil)
	wantError(t, err, sfgate.KindInvalid, "MALFORMED_ID")
}

func TestRecordsRefusedBeforeSalesforce(t *testing.T) {
	t.Parallel()
	st := newStack(t, 1)
	ctx := t.Context()
	before := st.calls(t)
	_, err := st.svc.Create(ctx, "Account", rec(t, `{"Nope__c":1,"Industry":5,"IsDeleted":true,"Description":"bad\u0000char"}`))
	he := wantError(t, err, sfgate.KindInvalid, sfgate.CodeValidationFailed)
	var fields []string
	for _, e := range he.Errors {
		fields = append(fields, e.Field+":"+e.Code)
	}
	slices.Sort(fields)
	want := []string{"Description:" + codeInvalidCharacter, "Industry:" + codeWrongType, "IsDeleted:" + codeNotCreateable, "Name:" + codeRequired, "Nope__c:" + codeUnknownField}
	if !slices.Equal(fields, want) {
		t.Errorf("errors %v, want %v", fields, want)
	}
	after := st.calls(t)
	if after["create"] != before["create"] {
		t.Error("an invalid create reached Salesforce")
	}
	// Salesforce's own refusals carry its code: a duplicate external id.
	if _, err := st.svc.Create(ctx, "Account", rec(t, `{"Name":"A","External_Id__c":"DUP"}`)); err != nil {
		t.Fatal(err)
	}
	_, err = st.svc.Create(ctx, "Account", rec(t, `{"Name":"B","External_Id__c":"DUP"}`))
	var se *partner.Error
	if !errors.As(err, &se) || se.Code != "DUPLICATE_VALUE" {
		t.Errorf("duplicate: %v, want Salesforce's DUPLICATE_VALUE (409)", err)
	}
}

// TestBatchWritesInCallsOf200 checks that a batch costs one call per 200
// records, whatever the operation, and answers in input order.
func TestBatchWritesInCallsOf200(t *testing.T) {
	t.Parallel()
	st := newStack(t, -1)
	ctx := t.Context()
	s := st.svc

	recs := make([]Record, 450)
	for i := range recs {
		recs[i] = rec(t, fmt.Sprintf(`{"Name":"Batch %03d","NumberOfEmployees":%d}`, i, i))
	}
	// Warm the describe so the count below is the creates alone.
	if _, err := s.DescribeSObject(ctx, "Account"); err != nil {
		t.Fatal(err)
	}
	before := st.calls(t)
	res, err := s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", Records: recs})
	if err != nil {
		t.Fatal(err)
	}
	after := st.calls(t)
	if d := after["create"] - before["create"]; d != 3 {
		t.Errorf("450 creates cost %d create calls, want 3", d)
	}
	if res.SuccessCount != 450 || res.FailureCount != 0 || len(res.Results) != 450 {
		t.Fatalf("results: %d ok, %d failed, %d results", res.SuccessCount, res.FailureCount, len(res.Results))
	}
	ids := make([]Record, 450)
	for i, r := range res.Results {
		if r.Index != i || !r.Success || r.ID == "" {
			t.Fatalf("result %d: %+v", i, r)
		}
		ids[i] = Record{"Id": r.ID}
	}
	// In input order: record 321 has 321 employees.
	got, err := s.Get(ctx, "Account", res.Results[321].ID, []string{"NumberOfEmployees"})
	if err != nil || got.Map()["NumberOfEmployees"] != json.Number("321") {
		t.Errorf("record 321: %v, %v", got, err)
	}

	// Update, delete and undelete in batches.
	upd := make([]Record, len(ids))
	for i, r := range ids {
		upd[i] = Record{"Id": r["Id"], "NumberOfEmployees": json.Number("1")}
	}
	before = st.calls(t)
	res, err = s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "update", Records: upd})
	if err != nil || res.SuccessCount != 450 {
		t.Fatalf("update: %+v, %v", res.FailureCount, err)
	}
	res, err = s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "delete", Records: ids})
	if err != nil || res.SuccessCount != 450 {
		t.Fatalf("delete: %v", err)
	}
	res, err = s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "undelete", Records: ids[:10]})
	if err != nil || res.SuccessCount != 10 {
		t.Fatalf("undelete: %+v %v", res, err)
	}
	after = st.calls(t)
	if after["update"]-before["update"] != 3 || after["delete"]-before["delete"] != 3 || after["undelete"]-before["undelete"] != 1 {
		t.Errorf("calls: update %d, delete %d, undelete %d; want 3, 3, 1",
			after["update"]-before["update"], after["delete"]-before["delete"], after["undelete"]-before["undelete"])
	}
}

// TestBatchInvalidRecords checks that invalid records fail alone, or with
// allOrNone fail the batch before any call.
func TestBatchInvalidRecords(t *testing.T) {
	t.Parallel()
	st := newStack(t, -1)
	ctx := t.Context()
	s := st.svc

	// Without allOrNone, invalid records get their own results and are
	// not sent; the rest are.
	mixed := []Record{rec(t, `{"Name":"ok 1"}`), rec(t, `{"Nope__c":1}`), rec(t, `{"Name":"ok 2"}`), rec(t, `{"Name":5}`)}
	res, err := s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", Records: mixed})
	if err != nil {
		t.Fatal(err)
	}
	if res.SuccessCount != 2 || res.FailureCount != 2 || !res.Results[0].Success || res.Results[1].Success || !res.Results[2].Success || res.Results[3].Success {
		t.Errorf("mixed: %+v", res)
	}
	if len(res.Results[1].Errors) == 0 || res.Results[1].Errors[0].Field != "Nope__c" {
		t.Errorf("mixed record 1 errors: %+v", res.Results[1].Errors)
	}

	// With allOrNone, one invalid record fails the batch before any call.
	before := st.calls(t)
	_, err = s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", AllOrNone: true, Records: mixed})
	he := wantError(t, err, sfgate.KindUnprocessable, sfgate.CodeValidationFailed)
	if he.Errors[0].Index == nil || *he.Errors[0].Index != 1 {
		t.Errorf("allOrNone errors carry the index: %+v", he.Errors)
	}
	if st.calls(t)["create"] != before["create"] {
		t.Error("an allOrNone batch with an invalid record reached Salesforce")
	}
	// allOrNone where Salesforce refuses one record: nothing is kept.
	dup := []Record{rec(t, `{"Name":"x","External_Id__c":"AON"}`), rec(t, `{"Name":"y","External_Id__c":"AON"}`)}
	res, err = s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", AllOrNone: true, Records: dup})
	if err != nil {
		t.Fatal(err)
	}
	if res.SuccessCount != 0 {
		t.Errorf("allOrNone with a duplicate: %+v", res)
	}
	// allOrNone over 200 records is refused: atomicity spans one call.
	many := make([]Record, partner.MaxWriteBatch+1)
	for i := range many {
		many[i] = rec(t, fmt.Sprintf(`{"Name":"Many %03d"}`, i))
	}
	_, err = s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", AllOrNone: true, Records: many})
	wantError(t, err, sfgate.KindInvalid, sfgate.CodeValidationFailed)
}

// TestBatchUpsert checks the created flags of an upsert batch, and that a
// record without its key fails alone.
func TestBatchUpsert(t *testing.T) {
	t.Parallel()
	st := newStack(t, -1)
	ctx := t.Context()
	s := st.svc
	upsert := func(recs ...Record) sfgate.BatchResponse {
		t.Helper()
		res, err := s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "upsert", ExternalIDField: "External_Id__c", Records: recs})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := upsert(rec(t, `{"External_Id__c":"U1","Name":"u1"}`), rec(t, `{"External_Id__c":"U2","Name":"u2"}`), rec(t, `{"Name":"no key"}`))
	if c := res.Results[0].Created; c == nil || !*c || !res.Results[0].Success || !res.Results[1].Success {
		t.Errorf("first upsert: %+v", res.Results)
	}
	if r := res.Results[2]; r.Success || len(r.Errors) != 1 || r.Errors[0].Field != "External_Id__c" || r.Errors[0].Code != "MISSING_ARGUMENT" {
		t.Errorf("a record without its key: %+v", r)
	}
	res = upsert(rec(t, `{"External_Id__c":"U1","Name":"u1 again"}`))
	if c := res.Results[0].Created; c == nil || *c || !res.Results[0].Success {
		t.Errorf("second upsert of U1: %+v, want updated", res.Results)
	}
}

func TestStreamCostsAndCursor(t *testing.T) {
	t.Parallel()
	st := newStack(t, -1)
	ctx := t.Context()
	s := st.svc
	const n = 5000
	recs := make([]Record, n)
	for i := range recs {
		recs[i] = Record{"Name": fmt.Sprintf("Stream %04d", i)}
	}
	if res, err := s.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", Records: recs}); err != nil || res.SuccessCount != n {
		t.Fatalf("seed: %v", err)
	}
	in := sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{
		Fields: []string{"Id", "Name", "Owner.Name"}, OrderBy: []sfgate.OrderBy{{Field: "Name"}}, PageSize: 2000}}
	before := st.calls(t)
	var seen, pages int
	err := s.Stream(ctx, in, func(page []sfgate.OrderedRecord) error {
		pages++
		for _, row := range page {
			r := row.Map()
			if r["Name"] != fmt.Sprintf("Stream %04d", seen) {
				return fmt.Errorf("record %d is %v", seen, r["Name"])
			}
			if o, ok := r["Owner"].(Record); !ok || o["Name"] == nil {
				return fmt.Errorf("record %d has no nested Owner: %v", seen, r)
			}
			seen++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	after := st.calls(t)
	if seen != n || pages != 3 {
		t.Errorf("streamed %d records in %d pages, want %d in 3", seen, pages, n)
	}
	if q, m := after["query"]-before["query"], after["queryMore"]-before["queryMore"]; q != 1 || m != 2 {
		t.Errorf("stream cost %d query + %d queryMore, want 1 + 2", q, m)
	}

	// Paging with cursors: the same records, page by page.
	in.Structured.PageSize = 2000
	page, err := s.Query(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	total := len(page.Records)
	for !page.Done {
		if page.NextCursor == "" {
			t.Fatal("a page not done has no cursor")
		}
		if page, err = s.Query(ctx, sfgate.QueryInput{Cursor: page.NextCursor}); err != nil {
			t.Fatal(err)
		}
		total += len(page.Records)
	}
	if total != n || page.TotalSize != n {
		t.Errorf("paged %d records (totalSize %d), want %d", total, page.TotalSize, n)
	}

	// A stream can start from a cursor: the rest of the query.
	first, err := s.Query(ctx, in)
	if err != nil || first.NextCursor == "" {
		t.Fatalf("first page: %v", err)
	}
	rest := 0
	if err := s.Stream(ctx, sfgate.QueryInput{Cursor: first.NextCursor}, func(p []sfgate.OrderedRecord) error { rest += len(p); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(first.Records)+rest != n {
		t.Errorf("first page %d + streamed rest %d, want %d", len(first.Records), rest, n)
	}

	// An emit error stops the stream and is returned.
	stop := errors.New("client went away")
	if err := s.Stream(ctx, in, func([]sfgate.OrderedRecord) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("stream with failing emit: %v", err)
	}
}

func TestLiveCustomField(t *testing.T) {
	t.Parallel()
	st := newStack(t, 2)
	ctx := t.Context()
	s := st.svc
	// Load and cache the describe first, so the new field is really new to
	// the gateway.
	if _, err := s.DescribeSObject(ctx, "Account"); err != nil {
		t.Fatal(err)
	}
	st.control(t, "/_sim/sobjects/Account/fields", map[string]any{
		"name": "Segment__c", "type": "picklist", "label": "Segment", "restricted": true, "picklistValues": []string{"SMB", "Enterprise"},
	})
	st.control(t, "/_sim/sobjects/Account/fields", map[string]any{"name": "Score__c", "type": "number", "label": "Score", "precision": 18, "scale": 2})

	id, err := s.Create(ctx, "Account", rec(t, `{"Name":"Live","Segment__c":"Enterprise","Score__c":98765.43}`))
	if err != nil {
		t.Fatalf("create with a just-added field: %v", err)
	}
	page, err := s.Query(ctx, sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{
		Fields: []string{"Name", "Segment__c", "Score__c"}, Where: cmpq("Segment__c", "=", "Enterprise")}})
	if err != nil {
		t.Fatalf("query with a just-added field: %v", err)
	}
	if len(page.Records) != 1 || page.Records[0].Map()["Score__c"] != json.Number("98765.43") {
		t.Errorf("query: %+v", page.Records)
	}
	// A restricted value of the new picklist is checked locally.
	_, err = s.Create(ctx, "Account", rec(t, `{"Name":"Live","Segment__c":"Gov"}`))
	wantError(t, err, sfgate.KindUnprocessable, sfgate.CodeValidationFailed)
	d, err := s.DescribeSObject(ctx, "Account")
	if err != nil || !slices.ContainsFunc(d.Fields, func(f sfgate.FieldDescribe) bool { return f.Name == "Segment__c" }) {
		t.Errorf("describe lacks the new field: %v", err)
	}
	schema, err := s.RecordSchema(ctx, "Account")
	if err != nil {
		t.Fatal(err)
	}
	props := schema["$defs"].(map[string]any)["create"].(map[string]any)["properties"].(map[string]any)
	seg, ok := props["Segment__c"].(map[string]any)
	if !ok || fmt.Sprint(seg["enum"]) != "[SMB Enterprise <nil>]" {
		t.Errorf("schema Segment__c = %v", seg)
	}
	if _, err := s.Get(ctx, "Account", id, []string{"Segment__c"}); err != nil {
		t.Errorf("get with the new field: %v", err)
	}
}

func TestRawSOQLIncludeDeleted(t *testing.T) {
	t.Parallel()
	st := newStack(t, 2)
	ctx := t.Context()
	s := st.svc
	id, err := s.Create(ctx, "Account", rec(t, `{"Name":"Soon deleted"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "Account", id); err != nil {
		t.Fatal(err)
	}
	soql := fmt.Sprintf("SELECT Id, Name, IsDeleted, CreatedDate, (SELECT Id FROM Contacts) FROM Account WHERE Id = '%s'", id)
	before := st.calls(t)
	live, err := s.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: soql}})
	if err != nil || len(live.Records) != 0 {
		t.Fatalf("query: %+v, %v", live, err)
	}
	all, err := s.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: soql, IncludeDeleted: true, PageSize: 200}})
	if err != nil || len(all.Records) != 1 {
		t.Fatalf("queryAll: %+v, %v", all, err)
	}
	r := all.Records[0].Map()
	if r["IsDeleted"] != true || r["Name"] != "Soon deleted" {
		t.Errorf("typed from the FROM object's describe: %#v", r)
	}
	if kids, ok := r["Contacts"].([]any); !ok || len(kids) != 0 {
		t.Errorf("empty child subquery = %#v, want []", r["Contacts"])
	}
	after := st.calls(t)
	if after["query"]-before["query"] != 1 || after["queryAll"]-before["queryAll"] != 1 {
		t.Errorf("calls: query %d, queryAll %d", after["query"]-before["query"], after["queryAll"]-before["queryAll"])
	}
	// Aggregates have no describe and are typed by xsi:type.
	agg, err := s.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT COUNT(Id) FROM Contact"}})
	if err != nil || len(agg.Records) != 1 {
		t.Fatalf("aggregate: %+v, %v", agg, err)
	}
	if _, ok := agg.Records[0].Map()["expr0"].(json.Number); !ok {
		t.Errorf("COUNT(Id) = %#v, want a number", agg.Records[0].Map()["expr0"])
	}
	// Salesforce's own SOQL errors pass through.
	_, err = s.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Nope FROM Account"}})
	if !partner.IsCode(err, "INVALID_FIELD") {
		t.Errorf("bad SOQL: %v", err)
	}
	_, err = s.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id FROM Account WHERE Name = '\x01'"}})
	wantError(t, err, sfgate.KindInvalid, sfgate.CodeValidationFailed)
}

func TestMergeConvertSearchLimits(t *testing.T) {
	t.Parallel()
	st := newStack(t, 3)
	ctx := t.Context()
	s := st.svc
	a, _ := s.Create(ctx, "Account", rec(t, `{"Name":"Master"}`))
	b, _ := s.Create(ctx, "Account", rec(t, `{"Name":"Loser"}`))
	m, err := s.Merge(ctx, "Account", a, sfgate.MergeRequest{MergeIDs: []string{b}, Fields: rec(t, `{"Description":"merged"}`)})
	if err != nil || m.ID != a || !slices.Equal(m.MergedRecordIDs, []string{b}) {
		t.Fatalf("merge: %+v, %v", m, err)
	}
	_, err = s.Merge(ctx, "Account", a, sfgate.MergeRequest{MergeIDs: []string{a}})
	wantError(t, err, sfgate.KindUnprocessable, sfgate.CodeValidationFailed)

	lead, err := s.Create(ctx, "Lead", rec(t, `{"LastName":"Lee","Company":"Lee Co"}`))
	if err != nil {
		t.Fatal(err)
	}
	statuses, err := s.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT MasterLabel FROM LeadStatus WHERE IsConverted = true LIMIT 1"}})
	if err != nil || len(statuses.Records) != 1 {
		t.Fatalf("lead status: %v", err)
	}
	conv, err := s.ConvertLead(ctx, sfgate.LeadConvertRequest{LeadID: lead, ConvertedStatus: statuses.Records[0].Map()["MasterLabel"].(string), DoNotCreateOpportunity: true})
	if err != nil || conv.AccountID == "" || conv.ContactID == "" || conv.OpportunityID != nil {
		t.Fatalf("convert: %+v, %v", conv, err)
	}
	hits, err := s.Search(ctx, "FIND {Master} IN NAME FIELDS RETURNING Account(Id, Name)")
	if err != nil || len(hits) == 0 || hits[0].SObject != "Account" || hits[0].Record.Map()["Name"] != "Master" {
		t.Errorf("search: %+v, %v", hits, err)
	}
	ls, at, err := s.Limits(ctx)
	if err != nil || len(ls) != 1 || ls[0].Limit == 0 || at.IsZero() {
		t.Errorf("limits: %+v %v %v", ls, at, err)
	}
	list, err := s.ListSObjects(ctx, sfgate.SObjectFilter{Custom: new(bool)})
	if err != nil || len(list) == 0 || slices.ContainsFunc(list, func(o sfgate.SObjectSummary) bool { return o.Custom }) {
		t.Errorf("list standard objects: %v", err)
	}
	if err := s.InvalidateDescribe(ctx, "Account"); err != nil {
		t.Error(err)
	}
	if err := s.InvalidateDescribe(ctx, ""); err != nil {
		t.Error(err)
	}
	_, err = s.DescribeSObject(ctx, "Nope__c")
	wantError(t, err, sfgate.KindNotFound, sfgate.CodeNotFound)
}
