package salesforce

import (
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// TestDuplicateErrorDecoded replays a create refused by a duplicate rule
// (an xsi:type="DuplicateError", WSDL v58) over HTTP: the per-record error
// keeps its code and message and carries the rule and every record its
// matching rule found, ids included. The envelope itself is checked
// against the WSDL's schemas, so the replay is one Salesforce could send.
func TestDuplicateErrorDecoded(t *testing.T) {
	t.Parallel()
	env, err := os.ReadFile("testdata/replay/create-duplicate-error.xml")
	if err != nil {
		t.Fatal(err)
	}
	xsdcheck.Validate(t, env)
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) { return 200, string(env) })
	c, _ := newTestClient(t, f, nil)
	res, err := c.Create(t.Context(), []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "Acme Duplicate Ltd"}}}})
	if err != nil {
		t.Fatal(err)
	}
	msg := "You're creating a duplicate record. We recommend you use an existing record instead."
	want := []partner.SaveResult{{Errors: []partner.StatusError{{
		StatusCode: "DUPLICATES_DETECTED", Message: msg,
		Duplicate: &partner.DuplicateResult{
			DuplicateRule: "Standard_Account_Duplicate_Rule", DuplicateRuleEntityType: "Account", ErrorMessage: msg,
			MatchResults: []partner.MatchResult{{
				EntityType: "Account", MatchEngine: "FuzzyMatchEngine", Rule: "Standard_Account_Match_Rule_v1_0", Size: 2, Success: true,
				MatchRecords: []partner.MatchRecord{
					{MatchConfidence: "100.0", FieldDiffs: []partner.FieldDiff{{Name: "Name", Difference: "SAME"}, {Name: "BillingCity", Difference: "DIFFERENT"}}},
					{MatchConfidence: "87.5", FieldDiffs: []partner.FieldDiff{{Name: "Name", Difference: "SAME"}}},
				},
			}},
		},
	}}}}
	// The matched records are compared apart: their fields are the
	// decoder's business, their type and Id are what callers need.
	var got []partner.MatchRecord
	if len(res) == 1 && len(res[0].Errors) == 1 && res[0].Errors[0].Duplicate != nil && len(res[0].Errors[0].Duplicate.MatchResults) == 1 {
		mr := &res[0].Errors[0].Duplicate.MatchResults[0]
		got = mr.MatchRecords
		mr.MatchRecords = nil
		for _, m := range got {
			mr.MatchRecords = append(mr.MatchRecords, partner.MatchRecord{MatchConfidence: m.MatchConfidence, FieldDiffs: m.FieldDiffs})
		}
	}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Fatalf("results (-want +got):\n%s", diff)
	}
	for i, id := range []string{"001Dn00000QdupAIAR", "001Dn00000QdupBIAR"} {
		if r := got[i].Record; r.Type != "Account" || r.ID != id {
			t.Errorf("match %d: record %s %s, want Account %s", i, r.Type, r.ID, id)
		}
	}
}

// TestPlainErrorHasNoDuplicate checks an ordinary per-record error decodes
// as before, without a duplicate result.
func TestPlainErrorHasNoDuplicate(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		return 200, answer("create", `<result><errors><message>bad</message><statusCode>FIELD_CUSTOM_VALIDATION_EXCEPTION</statusCode></errors><id xsi:nil="true"/><success>false</success></result>`)
	})
	c, _ := newTestClient(t, f, nil)
	res, err := c.Create(t.Context(), []partner.Record{{Type: "Account"}})
	if err != nil || len(res) != 1 || len(res[0].Errors) != 1 || res[0].Errors[0].Duplicate != nil || res[0].Errors[0].StatusCode != "FIELD_CUSTOM_VALIDATION_EXCEPTION" {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// TestRecordTypeInfosDecoded replays a describeSObject with two record
// types, one without an id, and checks every member the gateway shows.
func TestRecordTypeInfosDecoded(t *testing.T) {
	t.Parallel()
	rt := func(active, avail, def, master bool, dev, name, id string) string {
		b := func(v bool) string {
			if v {
				return "true"
			}
			return "false"
		}
		idEl := `<recordTypeId xsi:nil="true"/>`
		if id != "" {
			idEl = "<recordTypeId>" + id + "</recordTypeId>"
		}
		return "<recordTypeInfos><active>" + b(active) + "</active><available>" + b(avail) + "</available><defaultRecordTypeMapping>" + b(def) +
			"</defaultRecordTypeMapping><developerName>" + dev + "</developerName><master>" + b(master) + "</master><name>" + name + "</name>" + idEl + "</recordTypeInfos>"
	}
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		return 200, answer("describeSObject", `<result><fields><name>Id</name><type>id</type></fields><name>Account</name>`+
			rt(true, true, false, false, "Partner_Account", "Partner", "012000000000001AAA")+rt(true, true, true, true, "Master", "Master", "")+`</result>`)
	})
	c, _ := newTestClient(t, f, nil)
	d, err := c.DescribeSObject(t.Context(), "Account")
	if err != nil {
		t.Fatal(err)
	}
	want := []partner.RecordTypeInfo{
		{Name: "Partner", DeveloperName: "Partner_Account", RecordTypeID: "012000000000001AAA", Active: true, Available: true},
		{Name: "Master", DeveloperName: "Master", Active: true, Available: true, DefaultRecordTypeMapping: true, Master: true},
	}
	if diff := cmp.Diff(want, d.RecordTypeInfos); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
