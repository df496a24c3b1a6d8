package service

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// oracleJSON writes rec as the HTTP layer writes an OrderedRecord in an
// NDJSON line, through encoding/json itself: the bytes pageJSON must give.
func oracleJSON(t testing.TB, rec sfgate.OrderedRecord) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(rec); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// samePage fails unless got holds, record by record, the bytes of want.
func samePage(t *testing.T, what string, want []sfgate.OrderedRecord, got []sfgate.RecordJSON) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d records written, %d typed", what, len(got), len(want))
	}
	for i := range want {
		if w := oracleJSON(t, want[i]); !bytes.Equal(got[i], w) {
			t.Fatalf("%s: record %d\n got %s\nwant %s", what, i, got[i], w)
		}
	}
}

// checkPages types recs both ways with one reader each and compares.
func checkPages(t *testing.T, ctx context.Context, s *Service, what string, recs []partner.Record, hint *metadata.Object) {
	t.Helper()
	want, werr := s.newReader().page(ctx, recs, hint)
	got, gerr := s.newReader().pageJSON(ctx, recs, hint)
	if (werr == nil) != (gerr == nil) || (werr != nil && werr.Error() != gerr.Error()) {
		t.Fatalf("%s: errors differ: typed %v, written %v", what, werr, gerr)
	}
	samePage(t, what, want, got)
}

// The golden files of internal/salesforce hold the real answers of
// testdata/samples as decoded; XSIType is written as its name.
type goldenRecord struct {
	Type, ID string
	Fields   []goldenField
}

type goldenField struct {
	Name, Value      string
	Parent, Compound *goldenRecord
	Children         *goldenResult
	Nil              bool
	XSIType          string
}

type goldenResult struct {
	Done    bool
	Records []struct {
		goldenRecord
		Record *goldenRecord // a search hit
	}
}

func (g *goldenRecord) partner() *partner.Record {
	if g == nil {
		return nil
	}
	r := &partner.Record{Type: g.Type, ID: g.ID}
	for _, f := range g.Fields {
		pf := partner.Field{Name: f.Name, Value: f.Value, Nil: f.Nil, XSIType: partner.ParseXSIType(f.XSIType),
			Parent: f.Parent.partner(), Compound: f.Compound.partner()}
		if f.Children != nil {
			pf.Children = &partner.QueryResult{Done: f.Children.Done, Records: f.Children.records()}
		}
		r.Fields = append(r.Fields, pf)
	}
	return r
}

func (g *goldenResult) records() []partner.Record {
	var out []partner.Record
	for _, r := range g.Records {
		if r.Record != nil {
			out = append(out, *r.Record.partner())
		} else {
			out = append(out, *r.goldenRecord.partner())
		}
	}
	return out
}

// TestRecordJSONMatchesRecord holds the records written straight to JSON
// to the bytes of the records typed as OrderedRecords and written by
// encoding/json, on the real answers of internal/salesforce/testdata
// (typed against the emulated org's describes), then on queries of the
// emulated org covering every field of every object it describes, parent
// relationships, child subqueries, TYPEOF, aggregates, and a caller with
// fields withheld.
func TestRecordJSONMatchesRecord(t *testing.T) {
	st := newStack(t, 250)
	t.Run("samples", func(t *testing.T) { checkSamplesJSON(t, st) })
	t.Run("queries", func(t *testing.T) { checkQueriesJSON(t, st) })
	t.Run("stream", func(t *testing.T) { checkStreamJSON(t, st) })
}

// checkSamplesJSON compares on the real answers.
func checkSamplesJSON(t *testing.T, st *stack) {
	ctx := t.Context()
	files, err := filepath.Glob("../salesforce/testdata/golden/*.json")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, file := range files {
		name := filepath.Base(file)
		if !strings.HasPrefix(name, "query") && !strings.HasPrefix(name, "retrieve") && !strings.HasPrefix(name, "search") {
			continue
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct{ Result json.RawMessage }
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		var recs []partner.Record
		if strings.HasPrefix(name, "retrieve") {
			var rs []*goldenRecord
			if err := json.Unmarshal(doc.Result, &rs); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			for _, r := range rs {
				if r != nil {
					recs = append(recs, *r.partner())
				}
			}
		} else {
			var res goldenResult
			if err := json.Unmarshal(doc.Result, &res); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			recs = res.records()
		}
		checkPages(t, ctx, st.svc, name, recs, nil)
		n += len(recs)
	}
	if n < 10 {
		t.Fatalf("only %d records in the samples: the golden files moved?", n)
	}
}

// queriesJSON is a query of every field of every object the emulated org
// describes, and queries of relationships, TYPEOF and aggregates.
func queriesJSON(t *testing.T, st *stack) []string {
	ctx := t.Context()
	g, err := st.meta.DescribeGlobal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, o := range g.SObjects {
		if !o.Queryable {
			continue
		}
		x, err := st.meta.Describe(ctx, o.Name)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range x.Fields {
			names = append(names, f.Name)
			if _, known := g.SObject(firstOf(f.ReferenceTo)); known && f.RelationshipName != "" {
				names = append(names, f.RelationshipName+".Id")
			}
		}
		queries = append(queries, fmt.Sprintf("SELECT %s FROM %s LIMIT 200", strings.Join(names, ", "), o.Name))
	}
	queries = append(queries,
		"SELECT Id, Name, Owner.Name, Owner.IsActive, (SELECT Id, LastName, Email, CreatedDate FROM Contacts) FROM Account",
		"SELECT Id, (SELECT Id, (SELECT Subject FROM Cases) FROM Contacts) FROM Account",
		"SELECT Subject, TYPEOF Owner WHEN User THEN Username, Email, IsActive ELSE Name END FROM Case",
		"SELECT Id, Owner.Type, Owner.Name FROM Case",
		"SELECT StageName, COUNT(Id) n, SUM(Amount), MAX(CloseDate) latest FROM Opportunity GROUP BY StageName",
		"SELECT COUNT(Id) FROM Contact",
		"SELECT Name FROM Account WHERE Name = 'no such account'",
	)
	return queries
}

// checkQueriesJSON compares the pages of queriesJSON, as the service
// answers them and as typed for a caller with fields withheld.
func checkQueriesJSON(t *testing.T, st *stack) {
	ctx := t.Context()
	// A caller the fields below are withheld from: queries naming them are
	// refused, so their pages are typed from the org's answer directly.
	narrow := sfgate.WithCaller(ctx, &sfgate.Caller{Name: "narrow", Access: withholdAccess{
		"account.industry": true, "account.annualrevenue": true, "contact.email": true, "user.email": true, "case.subject": true}})
	compared := 0
	for _, soql := range queriesJSON(t, st) {
		compared += compareQuery(t, st, soql, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: soql, PageSize: 200}})

		res, err := st.client.Query(ctx, soql)
		if err != nil {
			t.Fatalf("%s: %v", soql, err)
		}
		checkPages(t, narrow, st.svc, "withheld "+soql, res.Records, nil)
	}
	for i, q := range []struct {
		sobject string
		q       sfgate.StructuredQuery
	}{
		{"Account", sfgate.StructuredQuery{Fields: []string{"Name", "AnnualRevenue", "Industry", "CreatedDate", "Owner.Name", "Owner.IsActive"},
			Children: []sfgate.ChildQuery{{Relationship: "Contacts", Fields: []string{"LastName", "Email"}}}, PageSize: 200}},
		{"Case", sfgate.StructuredQuery{Fields: []string{"Subject"}, TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: map[string][]string{"User": {"Username", "IsActive"}}, Else: []string{"Name"}}}}},
		{"Opportunity", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "SUM", Field: "Amount", Alias: "total"}, {Function: "MAX", Field: "CloseDate"}}, GroupBy: []string{"StageName"}}},
	} {
		n := compareQuery(t, st, fmt.Sprintf("structured %d", i), sfgate.QueryInput{SObject: q.sobject, Structured: &q.q})
		if n == 0 {
			t.Fatalf("structured %d: no records to compare", i)
		}
		compared += n
	}
	if compared < 500 {
		t.Fatalf("only %d records compared", compared)
	}
}

// compareQuery compares the page of in, typed and written, and returns
// its number of records.
func compareQuery(t *testing.T, st *stack, what string, in sfgate.QueryInput) int {
	t.Helper()
	want, err := st.svc.Query(t.Context(), in)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	got, err := st.svc.QueryJSON(t.Context(), in)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if got.TotalSize != want.TotalSize || got.Done != want.Done || (got.NextCursor == "") != (want.NextCursor == "") {
		t.Fatalf("%s: page %+v, want %+v", what, got, want)
	}
	samePage(t, what, want.Records, got.Records)
	return len(got.Records)
}

// checkStreamJSON compares the records of a stream of several pages.
func checkStreamJSON(t *testing.T, st *stack) {
	ctx := t.Context()
	in := sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id, Name, Email, Account.Name, CreatedDate FROM Contact", PageSize: 200}}
	var want []sfgate.OrderedRecord
	var got []sfgate.RecordJSON
	pages := 0
	if err := st.svc.Stream(ctx, in, func(recs []sfgate.OrderedRecord) error { want = append(want, recs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := st.svc.StreamJSON(ctx, in, func(recs []sfgate.RecordJSON) error { pages++; got = append(got, recs...); return nil }); err != nil {
		t.Fatal(err)
	}
	if pages < 2 {
		t.Fatalf("%d pages: the stream must cross a page", pages)
	}
	samePage(t, "stream", want, got)
}

func firstOf(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

// withholdAccess allows every object and withholds the fields it names
// (object.field, lower case).
type withholdAccess map[string]bool

func (withholdAccess) Allows(string, sfgate.Action) bool { return true }

func (w withholdAccess) FieldDenied(object, field string) bool {
	return w[strings.ToLower(object+"."+field)]
}

// TestAppendScalars covers the typing of values the emulated org does not
// send: text that does not parse as its type, numbers in every form Java
// writes them, multi-select picklists with empty values, date-times with
// offsets and fractions.
func TestAppendScalars(t *testing.T) {
	t.Parallel()
	values := []string{"", "true", "false", "TRUE", "1", "-0", "0.0", "007.50", "350000.0", "5.59335E8", "1.0E-4", "-1.5e3", "+3", "1e401", "x",
		"a;b", ";", "a;", ";a", "a;;b", "<a&b>", "2024-05-01T12:30:00.000Z", "2024-05-01T12:30:00.120Z", "2024-05-01T12:30:00+05:30",
		"2024-02-30T00:00:00Z", "2024-05-01", "12:30:00.000Z", "é\u2028\x01\"\\"}
	kinds := []kind{kString, kPicklist, kMultiPicklist, kID, kBool, kInt, kLong, kDecimal, kDate, kDateTime, kTime, kBase64, kAny}
	for _, k := range kinds {
		df := &partner.DescribeField{Name: "F", Type: typeOfKind(t, k)}
		for _, v := range values {
			want := oracleJSON(t, sfgate.OrderedRecord{{Key: "v", Value: fromSalesforce(df, v)}})
			got := append(append([]byte(`{"v":`), appendFromSalesforce(nil, k, v)...), '}')
			if !bytes.Equal(got, want) {
				t.Errorf("kind %d %q: got %s, want %s", k, v, got, want)
			}
		}
	}
	for t8 := partner.TypeNone; t8 <= partner.TypeOther; t8++ {
		for _, v := range values {
			want := oracleJSON(t, sfgate.OrderedRecord{{Key: "v", Value: fromXSIType(t8, v)}})
			if got := append(append([]byte(`{"v":`), appendFromXSIType(nil, t8, v)...), '}'); !bytes.Equal(got, want) {
				t.Errorf("xsi:type %s %q: got %s, want %s", t8, v, got, want)
			}
		}
	}
}

// typeOfKind is a Salesforce field type of kind k.
func typeOfKind(t *testing.T, k kind) string {
	t.Helper()
	for _, ft := range []string{"string", "picklist", "multipicklist", "id", "boolean", "int", "long", "double", "date", "datetime", "time", "base64", "anyType"} {
		if sfgate.ValueKindOf(ft, "") == k {
			return ft
		}
	}
	if !slices.Contains([]kind{kAddress, kLocation}, k) {
		t.Fatalf("no field type of kind %d", k)
	}
	return ""
}
