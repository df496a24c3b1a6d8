package handlers

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfgate/sfgate"
)

// TestBatchShapeAgreesWithTheDocument: for bodies that break BatchRequest
// in every way the document can say, the scan finds the same problems
// (field and rule) as kin-openapi validating the decoded body against the
// document's own schema, the oracle it replaces.
func TestBatchShapeAgreesWithTheDocument(t *testing.T) {
	t.Parallel()
	doc, shape := loadBatchShape(t)
	full := doc.Components.Schemas["BatchRequest"].Value
	many := func(n int, rec string) string {
		return strings.TrimSuffix(strings.Repeat(rec+",", n), ",")
	}
	wide := map[string]int{}
	for i := range 1001 {
		wide[fmt.Sprintf("F%d__c", i)] = i
	}
	wideJSON, _ := json.Marshal(wide)
	for _, body := range []string{
		`{"operation":"create","records":[{"Name":"a"}]}`,
		`{"operation":"create","allOrNone":true,"records":[{"Name":"a"},{"Name":"b","Nested":{"x":[1,{"y":"}"}]}}]}`,
		`{"operation":"upsert","externalIdField":"Key__c","records":[{"Key__c":"k\"}]"}]}`,
		`{"operation":"create","records":[]}`,
		`{"operation":"create","records":[` + many(10001, `{"Name":"a"}`) + `]}`,
		`{"operation":"create","records":[{}]}`,
		`{"operation":"create","records":[` + string(wideJSON) + `]}`,
		`{"operation":"create","records":[1,"x",[],null,{"Name":"a"}]}`,
		`{"operation":"create","records":{"Name":"a"}}`,
		`{"operation":"create"}`,
		`{"records":[{"Name":"a"}]}`,
		`{"operation":"insert","records":[{"Name":"a"}]}`,
		`{"operation":"create","allOrNone":"yes","records":[{"Name":"a"}]}`,
		`{"operation":"create","externalIdField":"not a name","records":[{"Name":"a"}]}`,
		`{"operation":"create","extra":1,"records":[{"Name":"a"}]}`,
		` { "operation" : "delete" , "records" : [ { "Id" : "001000000000001AAA" } , { } ] } `,
	} {
		var decoded any
		if err := json.Unmarshal([]byte(body), &decoded); err != nil {
			t.Fatalf("%.80s: %v", body, err)
		}
		var want []string
		if err := full.VisitJSON(decoded, openapi3.MultiErrors()); err != nil {
			want = problemKeys(requestFieldErrors(err))
		}
		got := problemKeys(shape.check([]byte(body)))
		if len(got) > maxShapeProblems || len(want) > maxShapeProblems {
			got, want = got[:min(len(got), maxShapeProblems)], want[:min(len(want), maxShapeProblems)]
		}
		if !slices.Equal(got, want) {
			t.Errorf("%.120s:\n got  %v\n want %v (kin-openapi)", body, got, want)
		}
	}
}

func problemKeys(errs []sfgate.FieldError) []string {
	var out []string
	for _, e := range errs {
		if e.Field == "" {
			e.Field = "body"
		}
		out = append(out, e.Field+" "+e.Code)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// TestBatchShapeMalformed: bodies that are not JSON are malformed, never
// a crash, a hang or a pass.
func TestBatchShapeMalformed(t *testing.T) {
	t.Parallel()
	_, shape := loadBatchShape(t)
	for _, body := range []string{
		``, `{`, `[`, `{"operation":"create","records":[`, `{"operation":"create","records":[{"Name":"a}]}`,
		`{"operation":"create","records":[{"Name" "a"}]}`, `{"operation":"create","records":[{"Name":"a"}`,
		`{"operation":"create","records":[{"Name":"a"},]}`, `{"operation":"create","records":[{"Name":"a"} {"Name":"b"}]}`,
		`{"operation":"create",,"records":[]}`, `{"operation":}`, `"just a string"`, `{"records":[{"a":"\`,
	} {
		errs := shape.check([]byte(body))
		if len(errs) == 0 || errs[0].Field != "body" || errs[0].Code != "malformed" {
			t.Errorf("%q: %+v, want body malformed", body, errs)
		}
	}
}

// FuzzBatchShape: whatever the bytes, the scan ends, and on JSON whose
// records are objects it counts them as encoding/json does.
func FuzzBatchShape(f *testing.F) {
	_, shape := loadBatchShape(f)
	for _, s := range []string{`{"operation":"create","records":[{"Name":"a"}]}`, `{"records":[{},{"a":[1,"]"]}]}`, `{"records":[{"a":"\\\""}]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		errs := shape.check(body)
		var v struct{ Records []map[string]json.RawMessage }
		if json.Unmarshal(body, &v) != nil || len(v.Records) == 0 || len(v.Records) > maxShapeProblems {
			return
		}
		for _, e := range errs {
			if e.Code == "malformed" {
				t.Fatalf("valid JSON called malformed: %+v", e)
			}
		}
	})
}

func loadBatchShape(tb testing.TB) (*openapi3.T, *batchShape) {
	tb.Helper()
	doc, err := LoadSpec(tb.Context())
	if err != nil {
		tb.Fatal(err)
	}
	shape, err := newBatchShape(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return doc, shape
}
