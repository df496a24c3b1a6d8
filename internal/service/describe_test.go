package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func TestRecordSchema(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Client: &countingClient{}, Metadata: fixedMetadata{objs: testObjects()}, Connection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.RecordSchema(t.Context(), "account")
	if err != nil {
		t.Fatal(err)
	}
	if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %v", doc["$schema"])
	}
	defs := doc["$defs"].(map[string]any)
	create := defs["create"].(map[string]any)
	update := defs["update"].(map[string]any)
	req := create["required"].([]string)
	if !slices.Equal(req, []string{"Name", "Code__c"}) {
		t.Errorf("required = %v, want Name and Code__c (booleans and defaulted fields are not required)", req)
	}
	cp := create["properties"].(map[string]any)
	up := update["properties"].(map[string]any)
	if _, ok := cp["CreatedDate"]; ok {
		t.Error("create takes read-only CreatedDate")
	}
	if _, ok := up["Code__c"]; ok {
		t.Error("update takes create-only Code__c")
	}
	if _, ok := cp["BillingAddress"]; ok {
		t.Error("create takes the compound BillingAddress")
	}
	read := doc["properties"].(map[string]any)
	if read["BillingAddress"].(map[string]any)["readOnly"] != true || read["CreatedDate"].(map[string]any)["readOnly"] != true {
		t.Error("read-only fields are not marked readOnly")
	}
	for name, want := range map[string]map[string]any{
		"Name":              {"type": "string", "maxLength": 255},
		"Rating":            {"type": []string{"string", "null"}, "enum": []any{"Hot", "Cold", nil}},
		"Score__c":          {"type": []string{"number", "null"}, "multipleOf": nil, "exclusiveMaximum": json.Number("10000000000000000")},
		"Seen__c":           {"type": []string{"string", "null"}, "format": "date-time"},
		"Active__c":         {"type": "boolean"},
		"ParentId":          {"pattern": idPattern},
		"Tags__c":           {"type": []string{"array", "null"}, "uniqueItems": true},
		"NumberOfEmployees": {"type": []string{"integer", "null"}, "maximum": json.Number("2147483647")},
	} {
		got := cp[name].(map[string]any)
		for k, v := range want {
			if !cmp.Equal(got[k], v) {
				t.Errorf("%s.%s = %#v, want %#v", name, k, got[k], v)
			}
		}
	}
}

func TestReaderNestsAndTypes(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Client: &countingClient{}, Metadata: fixedMetadata{objs: testObjects()}, Connection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	in := partner.Record{Type: "Account", ID: "001000000000001AAA", Fields: []partner.Field{
		{Name: "Id", Value: "001000000000001AAA"},
		{Name: "AnnualRevenue", Value: "5.59335E8"},
		{Name: "Active__c", Value: "true"},
		{Name: "Tags__c", Value: "A;C"},
		{Name: "Seen__c", Value: "2026-11-30T12:00:00.000Z"},
		{Name: "Industry", Nil: true},
		{Name: "Owner", Parent: &partner.Record{Type: "User", Fields: []partner.Field{
			{Name: "Name", Value: "Ann"},
			{Name: "Manager", Nil: true},
		}}},
		{Name: "BillingAddress", Compound: &partner.Record{Type: "address", Fields: []partner.Field{
			{Name: "city", Value: "Paris"}, {Name: "latitude", Value: "48.85"}, {Name: "street", Nil: true},
		}}},
		{Name: "Tasks", Children: &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{
			{Type: "Task", Fields: []partner.Field{{Name: "Subject", Value: "Call"}}},
		}}},
		{Name: "expr0", Value: "3", XSIType: partner.TypeInt},
	}}
	got, err := s.newReader().record(t.Context(), &in, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Keys in wire order, which is the SELECT order, at every level.
	want := ord(
		"Id", "001000000000001AAA", "AnnualRevenue", json.Number("559335000"), "Active__c", true,
		"Tags__c", []any{"A", "C"}, "Seen__c", "2026-11-30T12:00:00Z", "Industry", nil,
		"Owner", ord("Name", "Ann", "Manager", nil),
		"BillingAddress", ord("city", "Paris", "latitude", json.Number("48.85"), "street", nil),
		"Tasks", []sfgate.OrderedRecord{ord("Subject", "Call")},
		"expr0", json.Number("3"),
	)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Without Id in the SELECT list, the record's own sf:Id leads.
	in.Fields = in.Fields[1:3]
	got, err = s.newReader().record(t.Context(), &in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ord("Id", "001000000000001AAA", "AnnualRevenue", json.Number("559335000"), "Active__c", true), got); diff != "" {
		t.Errorf("without Id selected (-want +got):\n%s", diff)
	}
}

// ord builds an OrderedRecord from key, value pairs.
func ord(kv ...any) sfgate.OrderedRecord {
	r := make(sfgate.OrderedRecord, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		r = append(r, sfgate.Member{Key: kv[i].(string), Value: kv[i+1]})
	}
	return r
}

// countingMetadata counts EnsureFields calls (each may cost a describe).
type countingMetadata struct {
	fixedMetadata
	ensures *int
	names   *int
}

func (m countingMetadata) EnsureFields(ctx context.Context, name string, names []string) (*metadata.Object, error) {
	*m.ensures++
	*m.names += len(names)
	return m.fixedMetadata.EnsureFields(ctx, name, names)
}

func TestJunkIsBounded(t *testing.T) {
	t.Parallel()
	var ensures, names int
	s, err := New(Config{Client: &countingClient{}, Metadata: countingMetadata{fixedMetadata{objs: testObjects()}, &ensures, &names}, Connection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	junk := Record{"Name": "ok"}
	for i := range 300 {
		junk[fmt.Sprintf("Junk%03d__c", i)] = "x"
	}
	_, err = s.Create(t.Context(), "Account", junk)
	var he *sfgate.Error
	if !errors.As(err, &he) || len(he.Errors) != maxProblems+1 || he.Errors[maxProblems].Code != codeTooManyErrors {
		t.Fatalf("300 unknown fields: %v, want %d errors and a last TOO_MANY_ERRORS", err, maxProblems+1)
	}
	if ensures != 0 {
		t.Errorf("300 unknown names cost %d describe refreshes, want none", ensures)
	}
	// A few unknown names are worth one refresh, and only they are asked.
	_, _ = s.Create(t.Context(), "Account", Record{"Name": "ok", "New__c": "x"})
	if ensures != 1 || names != 1 {
		t.Errorf("one new name: %d refreshes naming %d fields, want 1 naming 1", ensures, names)
	}
	// A batch of invalid records lists at most maxProblems per record and
	// 10*maxProblems for allOrNone.
	recs := make([]Record, 50)
	for i := range recs {
		recs[i] = junk
	}
	_, err = s.Batch(t.Context(), "Account", sfgate.BatchRequest{Operation: "create", AllOrNone: true, Records: recs})
	if !errors.As(err, &he) || len(he.Errors) != 10*maxProblems+1 {
		t.Fatalf("allOrNone junk: %v (%d errors)", err, len(he.Errors))
	}
}

// TestRecordTypes checks describe's record types reach the answer as
// Salesforce listed them, a nil recordTypeId as null, and none as [].
func TestRecordTypes(t *testing.T) {
	t.Parallel()
	got := recordTypes([]partner.RecordTypeInfo{
		{Name: "Partner", DeveloperName: "Partner_Account", RecordTypeID: "012000000000001AAA", Active: true, Available: true},
		{Name: "Master", DeveloperName: "Master", RecordTypeID: "012000000000000AAA", Active: true, Available: true, DefaultRecordTypeMapping: true, Master: true},
		{Name: "Hidden", DeveloperName: "Hidden"},
	})
	id1, id0 := "012000000000001AAA", "012000000000000AAA"
	want := []sfgate.RecordTypeInfo{
		{Name: "Partner", DeveloperName: "Partner_Account", RecordTypeID: &id1, Active: true, Available: true},
		{Name: "Master", DeveloperName: "Master", RecordTypeID: &id0, Active: true, Available: true, DefaultRecordTypeMapping: true, Master: true},
		{Name: "Hidden", DeveloperName: "Hidden"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if none := recordTypes(nil); none == nil || len(none) != 0 {
		t.Errorf("no record types: %#v, want an empty list", none)
	}
}

// cachedOnly fails any revalidation: CachedDescribe must not ask
// Salesforce again while the describe is cached.
type cachedOnly struct{ fixedMetadata }

func (m cachedOnly) Revalidate(context.Context, string) (*metadata.Object, error) {
	return nil, errors.New("CachedDescribe revalidated the describe")
}

func TestCachedDescribe(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Client: &countingClient{}, Metadata: cachedOnly{fixedMetadata{objs: testObjects()}}, Connection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	hasField := func(d *sfgate.SObjectDescribe, name string) bool {
		return slices.ContainsFunc(d.Fields, func(f sfgate.FieldDescribe) bool { return f.Name == name })
	}
	d, err := s.CachedDescribe(t.Context(), "account")
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Account" || !hasField(d, "Rating") {
		t.Errorf("the cached describe of Account: %s with %d fields", d.Name, len(d.Fields))
	}
	c := &sfgate.Caller{Name: "reader", Access: testAccess{allow: []string{"account:read"}, deny: []string{"account.rating"}}}
	ctx := sfgate.WithCaller(t.Context(), c)
	if d, err = s.CachedDescribe(ctx, "Account"); err != nil || hasField(d, "Rating") || !hasField(d, "Name") {
		t.Errorf("a caller denied Account.Rating: %v, Rating shown %v", err, err == nil && hasField(d, "Rating"))
	}
	var e *sfgate.Error
	if _, err := s.CachedDescribe(ctx, "User"); !errors.As(err, &e) || e.Kind != sfgate.KindForbidden {
		t.Errorf("an object the caller has no permission on: %v, want forbidden", err)
	}
	if _, err := s.CachedDescribe(t.Context(), "Nope__c"); !errors.As(err, &e) || e.Kind != sfgate.KindNotFound {
		t.Errorf("an unknown object: %v, want not found", err)
	}
}
