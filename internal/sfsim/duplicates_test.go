package sfsim

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// TestDuplicateRules: an armed rule turns a create, update or upsert that
// matches a live record into a SaveResult whose error is an
// xsi:type="DuplicateError" with the matched records, in the v58 WSDL's
// shape (validated).
func TestDuplicateRules(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	orig := s.create(sobj("Account", "Name", "Acme", "BillingCity", "Paris"), sobj("Account", "Name", "acme", "BillingCity", "paris"))
	if st, body := s.control(http.MethodPost, "/_sim/duplicate-rules", `{"object":"account","fields":["name","BillingCity"]}`); st != http.StatusCreated {
		t.Fatalf("arm: %d %s", st, body)
	}

	r := s.do("create", "", sobj("Account", "Name", "ACME", "BillingCity", "Paris")).ok()
	xsdcheck.Validate(t, r.raw)
	res := r.results("create")[0]
	if res.child("success").text != "false" {
		t.Fatalf("duplicate saved:\n%s", r.raw)
	}
	e := res.child("errors")
	if got := string(r.raw); !containsAll(got, `<errors xsi:type="DuplicateError">`, `<record xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>`) {
		t.Errorf("not a typed DuplicateError with sObject records:\n%s", got)
	}
	if e.child("statusCode").text != "DUPLICATES_DETECTED" || e.child("message").text != "Use one of these records?" {
		t.Errorf("error %s / %s", e.child("statusCode").text, e.child("message").text)
	}
	dr := e.child("duplicateResult")
	if dr.child("allowSave").text != "false" || dr.child("duplicateRule").text != "Standard_Account_Duplicate_Rule" || dr.child("duplicateRuleEntityType").text != "Account" || dr.child("errorMessage").text != "Use one of these records?" {
		t.Errorf("duplicateResult:\n%s", r.raw)
	}
	mr := dr.child("matchResults")
	if mr.child("entityType").text != "Account" || mr.child("rule").text != "Standard_Account_Match_Rule_v1_0" || mr.child("size").text != "2" || mr.child("success").text != "true" || mr.child("matchEngine").text != "ExactMatchEngine" {
		t.Errorf("matchResults:\n%s", r.raw)
	}
	var ids []string
	for _, m := range mr.all("matchRecords") {
		ids = append(ids, m.child("record").child("Id").text)
		if m.child("matchConfidence").text != "100.0" || len(m.all("fieldDiffs")) != 2 || m.child("fieldDiffs").child("difference").text != "SAME" {
			t.Errorf("matchRecord:\n%s", r.raw)
		}
		if m.child("record").child("Name") != nil {
			t.Errorf("record details sent without includeRecordDetails")
		}
	}
	if !slices.Equal(ids, orig) {
		t.Errorf("matched %v, want %v", ids, orig)
	}

	// Not a match: a field differs, or is blank.
	s.create(sobj("Account", "Name", "Acme", "BillingCity", "Lyon"), sobj("Account", "Name", "Acme"))

	// An update into a duplicate fails too; the record itself never matches.
	if res := s.saves("update", "", sobj("Account", "Id", orig[0], "Phone", "1"))[0]; res.success {
		// orig[0] still equals orig[1] on Name and city, so the rule fires.
		t.Errorf("update of a record that duplicates another was saved")
	}
	other := s.create(sobj("Account", "Name", "Other"))[0]
	res2 := s.saves("update", "", sobj("Account", "Id", other, "Name", "Acme", "BillingCity", "PARIS"))[0]
	if res2.success || !slices.Equal(res2.codes, []string{"DUPLICATES_DETECTED"}) {
		t.Errorf("update into a duplicate: %+v", res2)
	}
	// upsert runs the rules on its insert.
	res3 := s.saves("upsert", "", `<urn:externalIDFieldName>External_Id__c</urn:externalIDFieldName>`+sobj("Account", "External_Id__c", "X-1", "Name", "Acme", "BillingCity", "Paris"))[0]
	if res3.success || !slices.Equal(res3.codes, []string{"DUPLICATES_DETECTED"}) {
		t.Errorf("upsert of a duplicate: %+v", res3)
	}

	// A blocking rule ignores DuplicateRuleHeader.allowSave.
	hdr := `<urn:DuplicateRuleHeader><urn:allowSave>true</urn:allowSave><urn:includeRecordDetails>true</urn:includeRecordDetails><urn:runAsCurrentUser>true</urn:runAsCurrentUser></urn:DuplicateRuleHeader>`
	r = s.do("create", hdr, sobj("Account", "Name", "Acme", "BillingCity", "Paris")).ok()
	xsdcheck.Validate(t, r.raw)
	if got := r.results("create")[0]; got.child("success").text != "false" || got.find("errors", "duplicateResult", "matchResults", "matchRecords", "record", "Name") == nil {
		t.Errorf("blocking rule with allowSave header, or no details with includeRecordDetails:\n%s", r.raw)
	}

	// An alerting rule (allowSave) lets the header save the duplicate.
	s.control(http.MethodDelete, "/_sim/duplicate-rules", "")
	if st, body := s.control(http.MethodPost, "/_sim/duplicate-rules", `{"object":"Contact","fields":["Email"],"allowSave":true,"name":"Contact_Email","errorMessage":"Possible duplicate"}`); st != http.StatusCreated {
		t.Fatalf("arm: %d %s", st, body)
	}
	s.create(sobj("Contact", "LastName", "A", "Email", "a@example.com"))
	res4 := s.saves("create", "", sobj("Contact", "LastName", "B", "Email", "A@example.com"))[0]
	if res4.success || res4.msgs[0] != "Possible duplicate" {
		t.Errorf("alerting rule without the header: %+v", res4)
	}
	if res := s.saves("create", hdr, sobj("Contact", "LastName", "B", "Email", "a@example.com"))[0]; !res.success {
		t.Errorf("alerting rule with allowSave: %+v", res)
	}
	// Cleared rules no longer fire.
	s.control(http.MethodDelete, "/_sim/duplicate-rules", "")
	s.create(sobj("Contact", "LastName", "C", "Email", "a@example.com"))
}

func (n *node) find(path ...string) *node {
	for _, p := range path {
		n = n.child(p)
		if n == nil {
			return nil
		}
	}
	return n
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}

func TestDuplicateRuleControlRefusals(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"object":"Nope","fields":["Name"]}`, http.StatusNotFound},
		{`{"object":"Account","fields":[]}`, http.StatusBadRequest},
		{`{"object":"Account","fields":["NoSuch__c"]}`, http.StatusBadRequest},
		{`{"object":"Account","fields":["Id"]}`, http.StatusBadRequest},
		{`{"object":"Account","fields":["Description"]}`, http.StatusBadRequest},
		{`{"object":"Account","fields":["Name"],"typo":1}`, http.StatusBadRequest},
	} {
		if st, body := s.control(http.MethodPost, "/_sim/duplicate-rules", tc.body); st != tc.want {
			t.Errorf("%s: %d %s, want %d", tc.body, st, body, tc.want)
		}
	}
}
