package sfsim

import (
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// The record types of the captured Account (describe/Account.json): the
// org's own My_Record_Type (active, not available to the user) and Master
// (available, the default).
const (
	myRecordTypeID = "012i00000015xjdAAA"
	unknownRTID    = "0125g000000AbCd"
)

// TestAccountDescribeIsTheRealOrgs: the SOAP describe of Account carries
// what the captured org had — both record types, RecordTypeId, the
// installed packages' fields, every child relationship — and validates
// against the WSDL.
func TestAccountDescribeIsTheRealOrgs(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	r := s.do("describeSObject", "", `<urn:sObjectType>Account</urn:sObjectType>`).ok()
	xsdcheck.Validate(t, r.raw)
	res := r.find("Body", "describeSObjectResponse", "result")
	var rts []string
	for _, rt := range res.all("recordTypeInfos") {
		rts = append(rts, rt.child("developerName").text+"/"+rt.child("recordTypeId").text+"/available="+rt.child("available").text+"/default="+rt.child("defaultRecordTypeMapping").text)
	}
	want := []string{"My_Record_Type/" + myRecordTypeID + "/available=false/default=false", "Master/" + meta.MasterRecordTypeID + "/available=true/default=true"}
	if !slices.Equal(rts, want) {
		t.Errorf("recordTypeInfos = %v, want %v", rts, want)
	}
	var fields []string
	for _, f := range res.all("fields") {
		fields = append(fields, f.child("name").text)
	}
	for _, name := range []string{"RecordTypeId", "playgroundorg__Controlling_Picklist__c", "mikesnamespace1__SLA__c", "telearndaypkg__Credit_Rating__c", "Tier__c"} {
		if !slices.Contains(fields, name) {
			t.Errorf("Account describe lacks field %s", name)
		}
	}
	var rels []string
	for _, c := range res.all("childRelationships") {
		if n, ok := c.value("relationshipName"); ok {
			rels = append(rels, n)
		}
	}
	for _, name := range []string{"Contacts", "Notes", "Attachments", "telearndaypkg__Financial_Accounts__r", "Invoices__r"} {
		if !slices.Contains(rels, name) {
			t.Errorf("Account describe lacks child relationship %s", name)
		}
	}
}

// TestSubqueryOnUnemulatedChild: a child relationship the describe lists
// but whose object the emulator lacks answers no rows (a nil child
// QueryResult, as Salesforce writes an empty child set); selecting a field
// sfsim cannot know is refused as an unknown column.
func TestSubqueryOnUnemulatedChild(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	id := s.create(sobj("Account", "Name", "Parent"))[0]
	r := s.do("query", "", `<urn:queryString>SELECT Id, (SELECT Id FROM Notes), (SELECT Id, ParentId FROM Attachments), (SELECT Id FROM telearndaypkg__Financial_Accounts__r), (SELECT Id FROM Contacts) FROM Account WHERE Id = '`+id+`'</urn:queryString>`).ok()
	rec := r.find("Body", "queryResponse", "result", "records")
	if rec == nil {
		t.Fatalf("no record:\n%s", r.raw)
	}
	for _, rel := range []string{"Notes", "Attachments", "telearndaypkg__Financial_Accounts__r", "Contacts"} {
		c := rec.child(rel)
		if c == nil || !c.nilAttr {
			t.Errorf("%s: want a nil child result, got %+v\n%s", rel, c, r.raw)
		}
	}
	r = s.do("query", "", `<urn:queryString>SELECT Id, (SELECT Id, Title FROM Notes) FROM Account</urn:queryString>`)
	if msg := r.fault("sf:INVALID_FIELD", "InvalidFieldFault"); !strings.Contains(msg, "Title") {
		t.Errorf("fault %q does not name the column", msg)
	}
}

// TestNamespacedFieldsRoundTrip: an installed package's fields are written
// and read like any other.
func TestNamespacedFieldsRoundTrip(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	id := s.create(sobj("Account", "Name", "Pkg", "telearndaypkg__Credit_Rating__c", "AAA", "mikesnamespace1__NumberofLocations__c", "12"))[0]
	rec := s.get("Account", id, "telearndaypkg__Credit_Rating__c, mikesnamespace1__NumberofLocations__c")
	if got := rec.child("telearndaypkg__Credit_Rating__c").text; got != "AAA" {
		t.Errorf("telearndaypkg__Credit_Rating__c = %q", got)
	}
	if got := rec.child("mikesnamespace1__NumberofLocations__c").text; got != "12.0" {
		t.Errorf("mikesnamespace1__NumberofLocations__c = %q", got)
	}
}

// TestRecordTypeOnWrite: RecordTypeId must be a record type the user may
// use; Master (the default) stores null.
func TestRecordTypeOnWrite(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	for _, tc := range []struct {
		name, value, code, stored string
	}{
		{"absent gets the default, Master, which has no id", "", "", ""},
		{"master by id stores null", meta.MasterRecordTypeID, "", ""},
		{"master by 15-character id", meta.MasterRecordTypeID[:15], "", ""},
		{"unavailable to the user", myRecordTypeID, "INVALID_CROSS_REFERENCE_KEY", ""},
		{"not a record type of the object", unknownRTID, "INVALID_CROSS_REFERENCE_KEY", ""},
		{"an id of another object", "0015g000000AAAA", "INVALID_CROSS_REFERENCE_KEY", ""},
		{"malformed", "not-an-id", "MALFORMED_ID", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			fields := []string{"Name", "RT " + tc.name}
			if tc.value != "" {
				fields = append(fields, "RecordTypeId", tc.value)
			}
			res := s.saves("create", "", sobj("Account", fields...))[0]
			if tc.code == "" {
				if !res.success {
					t.Fatalf("create failed: %v %v", res.codes, res.msgs)
				}
				rt := s.get("Account", res.id, "RecordTypeId").child("RecordTypeId")
				if rt == nil || !rt.nilAttr {
					t.Errorf("RecordTypeId = %+v, want nil", rt)
				}
				return
			}
			if res.success || !slices.Equal(res.codes, []string{tc.code}) || !slices.Equal(res.fields, []string{"RecordTypeId"}) {
				t.Fatalf("got %+v, want %s on RecordTypeId", res, tc.code)
			}
			if tc.code == "INVALID_CROSS_REFERENCE_KEY" && res.msgs[0] != "Record Type ID: this ID value isn't valid for the user: "+tc.value {
				t.Errorf("message %q", res.msgs[0])
			}
		})
	}
	id := s.create(sobj("Account", "Name", "RT update"))[0]
	res := s.saves("update", "", sobj("Account", "Id", id, "RecordTypeId", myRecordTypeID))[0]
	if res.success || !slices.Equal(res.codes, []string{"INVALID_CROSS_REFERENCE_KEY"}) {
		t.Errorf("update to an unavailable record type: %+v", res)
	}
	// Objects with only Master have no RecordTypeId field, as in a real org.
	r := s.do("create", "", sobj("Contact", "LastName", "X", "RecordTypeId", meta.MasterRecordTypeID))
	r.fault("sf:INVALID_FIELD", "InvalidFieldFault")
}

// TestDefaultRecordTypeApplied: on an object whose default record type is
// not Master, a create without RecordTypeId stores the default's id, and an
// explicit Master stores null.
func TestDefaultRecordTypeApplied(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	acct, _ := s.srv.sc().Object("Account")
	o := *acct
	o.RecordTypeInfos = slices.Clone(acct.RecordTypeInfos)
	for i := range o.RecordTypeInfos {
		r := &o.RecordTypeInfos[i]
		r.Available = true
		r.DefaultRecordTypeMapping = !r.Master
	}
	d, ok := o.DefaultRecordType()
	if !ok || *d.RecordTypeID != myRecordTypeID {
		t.Fatalf("DefaultRecordType = %+v", d)
	}
	rec := meta.Record{}
	defaultRecordType(&inRecord{obj: &o}, rec)
	if rec["RecordTypeId"] != myRecordTypeID {
		t.Errorf("default not applied: %v", rec)
	}
	f, _ := o.Field("RecordTypeId")
	rec = meta.Record{}
	defaultRecordType(&inRecord{obj: &o, fields: []inField{{field: f, value: meta.MasterRecordTypeID}}}, rec)
	if _, set := rec["RecordTypeId"]; set {
		t.Errorf("a record type sent was overridden by the default: %v", rec)
	}
}
