package sfsim

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/seed"
)

func (s *sim) saves(op, headers, body string) []saveResult {
	s.t.Helper()
	r := s.do(op, headers, body).ok()
	var out []saveResult
	for _, n := range r.results(op) {
		out = append(out, decodeSave(n))
	}
	return out
}

// get reads fields of one record by query (queryAll so deleted rows show).
func (s *sim) get(object, id, fields string) *node {
	s.t.Helper()
	r := s.do("queryAll", "", "<urn:queryString>SELECT "+fields+" FROM "+object+" WHERE Id = '"+id+"'</urn:queryString>").ok()
	return r.find("Body", "queryAllResponse", "result", "records")
}

func TestCreate(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	r := s.do("create", "", sobj("Contact", "FirstName", "Ada", "LastName", "Lovelace", "Email", "ada@example.com", "Birthdate", "1815-12-10")).ok()
	want, _ := parseXML(bytes.NewReader(readSample(t, "create-response-limitinfo-wso2.xml")))
	if g, w := shapeOf(r.root), shapeOf(want); g != w {
		t.Errorf("shape\n%s\nwant\n%s", g, w)
	}
	res := decodeSave(r.results("create")[0])
	if !res.success || !strings.HasPrefix(res.id, "003") || len(res.id) != 18 {
		t.Fatalf("%+v", res)
	}
	rec := s.get("Contact", res.id, "Name, OwnerId, CreatedById, CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted, Birthdate")
	if rec.child("Name").text != "Ada Lovelace" {
		t.Errorf("Name %q, want the composed name", rec.child("Name").text)
	}
	if rec.child("OwnerId").text != seed.AdminID || rec.child("CreatedById").text != seed.AdminID {
		t.Errorf("owner/creator not the user: %s %s", rec.child("OwnerId").text, rec.child("CreatedById").text)
	}
	if rec.child("CreatedDate").text != "2026-11-30T12:00:00.000Z" || rec.child("SystemModstamp").text != "2026-11-30T12:00:00.000Z" || rec.child("IsDeleted").text != "false" {
		t.Errorf("system fields: %s %s %s", rec.child("CreatedDate").text, rec.child("SystemModstamp").text, rec.child("IsDeleted").text)
	}
	// Case numbers are handed out.
	cs := s.create(sobj("Case", "Subject", "a"), sobj("Case", "Subject", "b"))
	n1 := s.get("Case", cs[0], "CaseNumber").child("CaseNumber").text
	n2 := s.get("Case", cs[1], "CaseNumber").child("CaseNumber").text
	if len(n1) != 8 || n1 == n2 {
		t.Errorf("case numbers %q %q", n1, n2)
	}
}

func TestWriteValidation(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	acct := s.create(sobj("Account", "Name", "Acme"))[0]
	if st, body := s.control("POST", "/_sim/sobjects/Contact/fields", `{"name":"Flag__c","type":"checkbox"}`); st != 201 {
		t.Fatalf("add field: %d %s", st, body)
	}
	opp := s.create(sobj("Opportunity", "Name", "Deal", "StageName", "Prospecting", "CloseDate", "2026-12-31"))[0]
	cases := []struct {
		name   string
		record string
		code   string
		fields []string
		msg    string
	}{
		{"required field", sobj("Contact", "FirstName", "No"), "REQUIRED_FIELD_MISSING", []string{"LastName"}, "Required fields are missing: [LastName]"},
		{"required fields", sobj("Opportunity", "Name", "x"), "REQUIRED_FIELD_MISSING", []string{"StageName", "CloseDate"}, ""},
		{"read-only field", sobj("Account", "Name", "x", "CreatedDate", "2020-01-01T00:00:00Z"), "INVALID_FIELD_FOR_INSERT_UPDATE", []string{"CreatedDate"},
			"Unable to create/update fields: CreatedDate. Please check the security settings of this field and verify that it is read/write for your profile or permission set."},
		{"id on insert", sobj("Account", "Id", acct, "Name", "x"), "INVALID_FIELD_FOR_INSERT_UPDATE", []string{"Id"}, "cannot specify Id in an insert call"},
		{"int type", sobj("Account", "Name", "x", "NumberOfEmployees", "many"), "INVALID_TYPE_ON_FIELD_IN_RECORD", []string{"NumberOfEmployees"}, "Employees: value not of required type: many"},
		{"double type", sobj("Account", "Name", "x", "AnnualRevenue", "lots"), "INVALID_TYPE_ON_FIELD_IN_RECORD", []string{"AnnualRevenue"}, ""},
		{"date type", sobj("Contact", "LastName", "x", "Birthdate", "31/12/2020"), "INVALID_TYPE_ON_FIELD_IN_RECORD", []string{"Birthdate"}, ""},
		{"boolean type", sobj("Contact", "LastName", "x", "Flag__c", "maybe"), "INVALID_TYPE_ON_FIELD_IN_RECORD", []string{"Flag__c"}, ""},
		{"string too long", sobj("Account", "Name", strings.Repeat("n", 256)), "STRING_TOO_LONG", []string{"Name"}, ""},
		{"restricted picklist", sobj("Account", "Name", "x", "BillingGeocodeAccuracy", "Nope"), "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{"BillingGeocodeAccuracy"}, "bad value for restricted picklist field: Nope"},
		{"email", sobj("Contact", "LastName", "x", "Email", "not-an-email"), "INVALID_EMAIL_ADDRESS", []string{"Email"}, ""},
		{"malformed reference", sobj("Contact", "LastName", "x", "AccountId", "001xx"), "MALFORMED_ID", []string{"AccountId"}, ""},
		{"reference of the wrong type", sobj("Contact", "LastName", "x", "AccountId", opp), "FIELD_INTEGRITY_EXCEPTION", []string{"AccountId"}, ""},
		{"missing reference", sobj("Contact", "LastName", "x", "AccountId", "001000000000000AAA"), "INVALID_CROSS_REFERENCE_KEY", []string{"AccountId"}, "invalid cross reference id"},
		{"number out of range", sobj("Account", "Name", "x", "NumberOfEmployees", "12345678901"), "INVALID_TYPE_ON_FIELD_IN_RECORD", []string{"NumberOfEmployees"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			r := s.saves("create", "", tc.record)[0]
			if r.success || r.id != "" || len(r.codes) != 1 || r.codes[0] != tc.code {
				t.Fatalf("%+v, want %s", r, tc.code)
			}
			if !slices.Equal(r.fields, tc.fields) {
				t.Errorf("fields %v, want %v", r.fields, tc.fields)
			}
			if tc.msg != "" && !strings.HasSuffix(r.msgs[0], tc.msg) {
				t.Errorf("message %q, want %q", r.msgs[0], tc.msg)
			}
		})
	}
	runWholeCreateSubtests(t, s)
}

// runWholeCreateSubtests checks what applies to a create call as a whole
// rather than to one record's values: the shape of a failure, the
// truncation header, the faults that fail the call, value normalisation.
func runWholeCreateSubtests(t *testing.T, s *sim) {
	t.Run("failure matches the real sample", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		r := s.do("create", "", sobj("Contact", "FirstName", "No"))
		want, _ := parseXML(bytes.NewReader(readSample(t, "create-response-error-fields-cumulusci.xml")))
		if g, w := shapeOf(r.root), shapeOf(want); g != w {
			t.Errorf("shape\n%s\nwant\n%s", g, w)
		}
	})
	t.Run("truncation header", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		h := `<urn:AllowFieldTruncationHeader><urn:allowFieldTruncation>true</urn:allowFieldTruncation></urn:AllowFieldTruncationHeader>`
		res := s.saves("create", h, sobj("Account", "Name", strings.Repeat("n", 300)))
		if !res[0].success {
			t.Fatalf("%+v", res[0])
		}
		if got := s.get("Account", res[0].id, "Name").child("Name").text; len(got) != 255 {
			t.Errorf("Name has %d characters, want 255", len(got))
		}
	})
	t.Run("unknown field fails the call", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		s.do("create", "", sobj("Account", "Name", "x", "Nope__c", "1")).fault("sf:INVALID_FIELD", "InvalidFieldFault")
	})
	t.Run("missing type fails the call", func(t *testing.T) {
		t.Parallel()
		s := s.as(t)
		msg := s.do("create", "", "<urn:sObjects><Name>x</Name></urn:sObjects>").fault("sf:INVALID_TYPE", "InvalidSObjectFault")
		if msg != "INVALID_TYPE: Missing entity type information. sObject requires a separate 'type' field be sent." {
			t.Errorf("faultstring %q", msg)
		}
		msg = s.do("create", "", "<urn:sObjects><urn1:type></urn1:type><Name>x</Name></urn:sObjects>").fault("sf:INVALID_TYPE", "InvalidSObjectFault")
		if msg != "INVALID_TYPE: Must send a concrete entity type." {
			t.Errorf("faultstring %q", msg)
		}
	})
	t.Run("unknown type fails the call", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		s.do("create", "", sobj("Nope__c", "Name", "x")).fault("sf:INVALID_TYPE", "InvalidSObjectFault")
	})
	t.Run("values are normalized", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		id := s.create(sobj("Account", "Name", "Norm", "AnnualRevenue", "350000", "NumberOfEmployees", "+12"))[0]
		rec := s.get("Account", id, "AnnualRevenue, NumberOfEmployees")
		if rec.child("AnnualRevenue").text != "350000.0" || rec.child("NumberOfEmployees").text != "12" {
			t.Errorf("AnnualRevenue %q NumberOfEmployees %q", rec.child("AnnualRevenue").text, rec.child("NumberOfEmployees").text)
		}
	})
}

func TestRecordCap(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	recs := strings.Repeat(sobj("Account", "Name", "x"), 201)
	for _, op := range []string{"create", "update", "upsert"} {
		msg := s.do(op, "", "<urn:externalIDFieldName>Id</urn:externalIDFieldName>"[:0]+recs).fault("sf:EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
		if msg != "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than 200 records into this call" {
			t.Errorf("%s: %q", op, msg)
		}
	}
	ids := strings.Repeat("<urn:ids>001000000000000AAA</urn:ids>", 201)
	for _, op := range []string{"delete", "undelete", "emptyRecycleBin"} {
		s.do(op, "", ids).fault("sf:EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
	}
	// 200 is fine.
	if res := s.saves("create", "", strings.Repeat(sobj("Account", "Name", "x"), 200)); len(res) != 200 || !res[199].success {
		t.Errorf("200 records: %d results", len(res))
	}
}

func TestAllOrNone(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	aon := `<urn:AllOrNoneHeader><urn:allOrNone>true</urn:allOrNone></urn:AllOrNoneHeader>`
	body := sobj("Account", "Name", "Good 1") + sobj("Contact", "FirstName", "Bad") + sobj("Account", "Name", "Good 2")
	res := s.saves("create", aon, body)
	if res[0].success || res[0].codes[0] != "ALL_OR_NONE_OPERATION_ROLLED_BACK" || res[2].codes[0] != "ALL_OR_NONE_OPERATION_ROLLED_BACK" {
		t.Errorf("good records: %+v %+v", res[0], res[2])
	}
	if res[1].codes[0] != "REQUIRED_FIELD_MISSING" {
		t.Errorf("bad record: %+v", res[1])
	}
	if n := s.do("query", "", "<urn:queryString>SELECT COUNT() FROM Account</urn:queryString>").ok().text("Body", "queryResponse", "result", "size"); n != "0" {
		t.Errorf("%s accounts after rollback, want 0", n)
	}
	// Without the header the good ones are saved.
	res = s.saves("create", "", body)
	if !res[0].success || res[1].success || !res[2].success {
		t.Errorf("partial success: %+v", res)
	}
	// Updates roll back too.
	id := res[0].id
	res = s.saves("update", aon, sobj("Account", "Id", id, "Name", "Changed")+sobj("Account", "Id", id[:3]+"000000000000AAA", "Name", "x"))
	if res[0].success || res[1].success {
		t.Fatalf("%+v", res)
	}
	if got := s.get("Account", id, "Name").child("Name").text; got != "Good 1" {
		t.Errorf("Name %q after rollback", got)
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	id := s.create(sobj("Contact", "FirstName", "Grace", "LastName", "Hopper", "Title", "RADM", "Email", "g@example.com"))[0]
	s.clock.Advance(time.Minute)
	res := s.saves("update", "", sobj("Contact", "fieldsToNull", "Title", "Id", id[:15], "FirstName", "Amazing", "Email", ""))
	if !res[0].success || res[0].id != id {
		t.Fatalf("%+v", res[0])
	}
	rec := s.get("Contact", id, "Name, Title, Email, LastModifiedDate, CreatedDate")
	if rec.child("Name").text != "Amazing Hopper" || !rec.child("Title").nilAttr || !rec.child("Email").nilAttr {
		t.Errorf("after update: %s %v %v", rec.child("Name").text, rec.child("Title").nilAttr, rec.child("Email").nilAttr)
	}
	if rec.child("LastModifiedDate").text != "2026-11-30T12:01:00.000Z" || rec.child("CreatedDate").text != "2026-11-30T12:00:00.000Z" {
		t.Errorf("dates %s %s", rec.child("CreatedDate").text, rec.child("LastModifiedDate").text)
	}
	cases := []struct {
		name, record, code string
	}{
		{"no id", sobj("Contact", "LastName", "x"), "MISSING_ARGUMENT"},
		{"malformed id", sobj("Contact", "Id", "003xyz", "LastName", "x"), "MALFORMED_ID"},
		{"id of another type", sobj("Contact", "Id", "001000000000000AAA", "LastName", "x"), "MALFORMED_ID"},
		{"null a required field", sobj("Contact", "Id", id, "fieldsToNull", "LastName"), "REQUIRED_FIELD_MISSING"},
		{"read-only field", sobj("Contact", "Id", id, "Name", "x"), "INVALID_FIELD_FOR_INSERT_UPDATE"},
	}
	for _, tc := range cases {
		res := s.saves("update", "", tc.record)
		if res[0].success || res[0].codes[0] != tc.code {
			t.Errorf("%s: %+v, want %s", tc.name, res[0], tc.code)
		}
	}
	s.saves("delete", "", "<urn:ids>"+id+"</urn:ids>")
	if res := s.saves("update", "", sobj("Contact", "Id", id, "LastName", "x")); res[0].codes[0] != "ENTITY_IS_DELETED" {
		t.Errorf("update of a deleted record: %+v", res[0])
	}
}

func TestUpsert(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	if st, body := s.control("POST", "/_sim/sobjects/Account/fields", `{"name":"Ext_Id__c","type":"text","length":20,"externalId":true,"unique":true}`); st != 201 {
		t.Fatalf("add field: %d %s", st, body)
	}
	// The wiki request sample, pointed at our field.
	body := string(readSample(t, "upsert-request-externalid-wiki-v10.xml"))
	body = strings.ReplaceAll(body, "External_Id__c", "Ext_Id__c")
	body = strings.Replace(body, "QwWsHJyTPW.1pd0_jXlNKOSU", s.sid, 1)
	r := s.post("58.0", body, "upsert", nil).ok()
	res := r.results("upsert")
	if len(res) != 2 || !decodeSave(res[0]).created || !decodeSave(res[1]).created {
		t.Fatalf("first upsert creates both: %s", r.raw)
	}
	r = s.post("58.0", strings.Replace(body, "Acme Medical Supplies", "Acme Medical", 1), "upsert", nil).ok()
	res = r.results("upsert")
	first, second := decodeSave(res[0]), decodeSave(res[1])
	if first.created || second.created || !second.success {
		t.Fatalf("second upsert updates: %s", r.raw)
	}
	want, _ := parseXML(bytes.NewReader(readSample(t, "upsert-response-limitinfo-wso2.xml")))
	if g, w := shapeOf(r.root), shapeOf(want); g != w {
		t.Errorf("shape\n%s\nwant\n%s", g, w)
	}
	if got := s.get("Account", second.id, "Name, Ext_Id__c"); got.child("Name").text != "Acme Medical" || got.child("Ext_Id__c").text != "ams1" {
		t.Errorf("after upsert: %s", got.child("Name").text)
	}
	ext := "<urn:externalIDFieldName>Ext_Id__c</urn:externalIDFieldName>"
	// Duplicates within one call, a missing value, and a case-insensitive match.
	rs := s.saves("upsert", "", ext+sobj("Account", "Ext_Id__c", "dup", "Name", "a")+sobj("Account", "Ext_Id__c", "DUP", "Name", "b")+sobj("Account", "Name", "c")+sobj("Account", "Ext_Id__c", "ARS1", "Name", "d"))
	if rs[0].codes[0] != "DUPLICATE_EXTERNAL_ID" || rs[1].codes[0] != "DUPLICATE_EXTERNAL_ID" || rs[2].codes[0] != "MISSING_ARGUMENT" || !rs[3].success || rs[3].created {
		t.Errorf("%+v", rs)
	}
	// Create with a taken unique value.
	if rs := s.saves("create", "", sobj("Account", "Name", "e", "Ext_Id__c", "ams1")); rs[0].codes[0] != "DUPLICATE_VALUE" {
		t.Errorf("unique: %+v", rs[0])
	}
	// Upsert on a field that is not an external id fails the call.
	s.do("upsert", "", "<urn:externalIDFieldName>Name</urn:externalIDFieldName>"+sobj("Account", "Name", "x")).fault("sf:INVALID_FIELD", "InvalidFieldFault")
	// Upsert by Id.
	rs = s.saves("upsert", "", "<urn:externalIDFieldName>Id</urn:externalIDFieldName>"+sobj("Account", "Id", second.id, "Name", "By Id")+sobj("Account", "Name", "New by Id"))
	if !rs[0].success || rs[0].created || !rs[1].success || !rs[1].created {
		t.Errorf("upsert by Id: %+v", rs)
	}
	// Foreign key by external id: a contact under the account with ams1.
	fk := `<urn:sObjects><urn1:type>Contact</urn1:type><LastName>Child</LastName><Account><urn1:type>Account</urn1:type><Ext_Id__c>ams1</Ext_Id__c></Account></urn:sObjects>`
	rs = s.saves("create", "", fk)
	if !rs[0].success {
		t.Fatalf("foreign key by external id: %+v", rs[0])
	}
	if got := s.get("Contact", rs[0].id, "AccountId").child("AccountId").text; got != second.id {
		t.Errorf("AccountId %q, want %q", got, second.id)
	}
}

func TestDeleteUndeleteEmpty(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	acct := s.create(sobj("Account", "Name", "Gone"))[0]
	opp := s.create(sobj("Opportunity", "Name", "Deal", "StageName", "Prospecting", "CloseDate", "2026-12-31", "AccountId", acct))[0]
	r := s.do("delete", "", "<urn:ids>"+acct+"</urn:ids><urn:ids>006i000004DAKd</urn:ids><urn:ids>"+acct+"</urn:ids>").ok()
	res := r.results("delete")
	if d := decodeSave(res[0]); !d.success || d.id != acct {
		t.Errorf("delete: %+v", d)
	}
	if d := decodeSave(res[1]); d.success || d.codes[0] != "MALFORMED_ID" || d.msgs[0] != "bad id 006i000004DAKd" {
		t.Errorf("malformed: %+v", d)
	}
	if d := decodeSave(res[2]); d.codes[0] != "ENTITY_IS_DELETED" {
		t.Errorf("twice: %+v", d)
	}
	// query no longer sees it, queryAll does, with IsDeleted; the
	// opportunity went with its account (cascade delete).
	if n := s.do("query", "", "<urn:queryString>SELECT COUNT() FROM Account</urn:queryString>").ok().text("Body", "queryResponse", "result", "size"); n != "0" {
		t.Errorf("query sees %s deleted accounts", n)
	}
	if rec := s.get("Account", acct, "IsDeleted"); rec.child("IsDeleted").text != "true" {
		t.Errorf("queryAll IsDeleted %q", rec.child("IsDeleted").text)
	}
	if rec := s.get("Opportunity", opp, "IsDeleted"); rec.child("IsDeleted").text != "true" {
		t.Errorf("cascade: opportunity IsDeleted %q", rec.child("IsDeleted").text)
	}
	if u := s.saves("undelete", "", "<urn:ids>"+acct+"</urn:ids>"); !u[0].success {
		t.Fatalf("undelete: %+v", u[0])
	}
	if n := s.do("query", "", "<urn:queryString>SELECT COUNT() FROM Account</urn:queryString>").ok().text("Body", "queryResponse", "result", "size"); n != "1" {
		t.Errorf("after undelete %s accounts", n)
	}
	if u := s.saves("undelete", "", "<urn:ids>"+acct+"</urn:ids>"); u[0].success || u[0].codes[0] != "UNDELETE_FAILED" {
		t.Errorf("undelete of a live record: %+v", u[0])
	}
	s.saves("delete", "", "<urn:ids>"+acct+"</urn:ids>")
	if e := s.saves("emptyRecycleBin", "", "<urn:ids>"+acct+"</urn:ids>"); !e[0].success {
		t.Fatalf("emptyRecycleBin: %+v", e[0])
	}
	if rec := s.get("Account", acct, "Id"); rec != nil {
		t.Errorf("purged record still found by queryAll")
	}
	if u := s.saves("undelete", "", "<urn:ids>"+acct+"</urn:ids>"); u[0].success {
		t.Errorf("undelete after purge succeeded")
	}
	if d := s.saves("delete", "", "<urn:ids>"+seed.AdminID+"</urn:ids>"); d[0].success {
		t.Errorf("users are not deletable")
	}
}

func TestRetrieve(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	ids := s.create(sobj("Opportunity", "Name", "SOAPForce Opportunity", "StageName", "Prospecting", "CloseDate", "2026-12-31"))
	r := s.do("retrieve", "", "<urn:fieldList>Name, Description, StageName</urn:fieldList><urn:sObjectType>Opportunity</urn:sObjectType><urn:ids>"+ids[0][:15]+"</urn:ids><urn:ids>006000000000000AAA</urn:ids>").ok()
	want, _ := parseXML(bytes.NewReader(readSample(t, "retrieve-response-soapforce.xml")))
	got := r.results("retrieve")
	if len(got) != 2 || shapeOf(got[0]) != shapeOf(want.child("Body").child("retrieveResponse").child("result")) {
		t.Errorf("shape\n%s\nwant\n%s", shapeOf(got[0]), shapeOf(want.child("Body").child("retrieveResponse").child("result")))
	}
	if got[0].child("Id").text != ids[0] || !got[1].nilAttr {
		t.Errorf("retrieve: %s", r.raw)
	}
	if !bytes.Contains(r.raw, []byte(`<result xsi:type="sf:sObject"><sf:type>Opportunity</sf:type><sf:Id>`+ids[0]+`</sf:Id><sf:Name>`)) {
		t.Errorf("rendering: %s", r.raw)
	}
	// Id in the field list repeats it, as in the wso2 sample.
	r = s.do("retrieve", "", "<urn:fieldList>Id, Name</urn:fieldList><urn:sObjectType>Opportunity</urn:sObjectType><urn:ids>"+ids[0]+"</urn:ids>").ok()
	if n := len(r.results("retrieve")[0].all("Id")); n != 2 {
		t.Errorf("%d Id elements, want 2", n)
	}
	s.do("retrieve", "", "<urn:fieldList>Nope</urn:fieldList><urn:sObjectType>Opportunity</urn:sObjectType><urn:ids>"+ids[0]+"</urn:ids>").fault("sf:INVALID_FIELD", "InvalidFieldFault")
	s.do("retrieve", "", "<urn:fieldList>Name</urn:fieldList><urn:sObjectType>Nope</urn:sObjectType><urn:ids>"+ids[0]+"</urn:ids>").fault("sf:INVALID_TYPE", "InvalidSObjectFault")
	s.do("retrieve", "", "<urn:fieldList>Name</urn:fieldList><urn:sObjectType>Opportunity</urn:sObjectType>"+strings.Repeat("<urn:ids>"+ids[0]+"</urn:ids>", 2001)).fault("sf:EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
}

func TestMerge(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	acc := s.create(sobj("Account", "Name", "Master"), sobj("Account", "Name", "Loser 1"), sobj("Account", "Name", "Loser 2"))
	con := s.create(sobj("Contact", "LastName", "C1", "AccountId", acc[1]), sobj("Contact", "LastName", "C2", "AccountId", acc[2]))
	req := fmt.Sprintf(`<urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>%s</urn1:Id><Description>merged</Description></urn:masterRecord><urn:recordToMergeIds>%s</urn:recordToMergeIds><urn:recordToMergeIds>%s</urn:recordToMergeIds></urn:request>`, acc[0], acc[1], acc[2])
	r := s.do("merge", "", req).ok()
	res := r.results("merge")[0]
	if res.child("success").text != "true" || res.child("id").text != acc[0] {
		t.Fatalf("%s", r.raw)
	}
	if got := res.values("mergedRecordIds"); !slices.Equal(got, acc[1:]) {
		t.Errorf("mergedRecordIds %v", got)
	}
	if got := res.values("updatedRelatedIds"); !slices.Equal(got, con) {
		t.Errorf("updatedRelatedIds %v, want %v", got, con)
	}
	for _, c := range con {
		if got := s.get("Contact", c, "AccountId").child("AccountId").text; got != acc[0] {
			t.Errorf("contact %s AccountId %s", c, got)
		}
	}
	if s.get("Account", acc[1], "IsDeleted").child("IsDeleted").text != "true" || s.get("Account", acc[0], "Description").child("Description").text != "merged" {
		t.Errorf("losers not deleted or master not updated")
	}
	// Failure keeps the master id, as the real sample.
	r = s.do("merge", "", fmt.Sprintf(`<urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>%s</urn1:Id></urn:masterRecord><urn:recordToMergeIds>0011500000000</urn:recordToMergeIds></urn:request>`, acc[0])).ok()
	want, _ := parseXML(bytes.NewReader(readSample(t, "merge-response-failure-soapforce.xml")))
	if g, w := shapeOf(r.find("Body")), shapeOf(want.child("Body")); g != w {
		t.Errorf("shape\n%s\nwant\n%s", g, w)
	}
	if got := r.text("Body", "mergeResponse", "result", "errors", "message"); got != "bad id in recordsToMerge: 0011500000000" {
		t.Errorf("message %q", got)
	}
	// At most three records per request.
	four := s.create(sobj("Account", "Name", "a"), sobj("Account", "Name", "b"), sobj("Account", "Name", "c"), sobj("Account", "Name", "d"))
	r = s.do("merge", "", fmt.Sprintf(`<urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>%s</urn1:Id></urn:masterRecord><urn:recordToMergeIds>%s</urn:recordToMergeIds><urn:recordToMergeIds>%s</urn:recordToMergeIds><urn:recordToMergeIds>%s</urn:recordToMergeIds></urn:request>`, four[0], four[1], four[2], four[3])).ok()
	if r.text("Body", "mergeResponse", "result", "success") != "false" {
		t.Errorf("4-way merge accepted")
	}
}

func TestConvertLead(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	lead := s.create(sobj("Lead", "FirstName", "Jo", "LastName", "Lee", "Company", "Lee Corp", "Email", "jo@lee.example"))[0]
	r := s.do("convertLead", "", `<urn:leadConverts><urn:convertedStatus>Closed - Converted</urn:convertedStatus><urn:doNotCreateOpportunity>false</urn:doNotCreateOpportunity><urn:leadId>`+lead+`</urn:leadId><urn:overwriteLeadSource>false</urn:overwriteLeadSource><urn:sendNotificationEmail>false</urn:sendNotificationEmail></urn:leadConverts>`).ok()
	want, _ := parseXML(bytes.NewReader(readSample(t, "convertlead-response-wso2.xml")))
	if g, w := shapeOf(r.find("Body")), shapeOf(want.child("Body")); g != w {
		t.Errorf("shape\n%s\nwant\n%s", g, w)
	}
	res := r.results("convertLead")[0]
	acct, con, opp := res.child("accountId").text, res.child("contactId").text, res.child("opportunityId").text
	if !strings.HasPrefix(acct, "001") || !strings.HasPrefix(con, "003") || !strings.HasPrefix(opp, "006") || res.child("leadId").text != lead {
		t.Fatalf("%s", r.raw)
	}
	l := s.get("Lead", lead, "IsConverted, Status, ConvertedAccountId, ConvertedContactId, ConvertedOpportunityId, ConvertedDate")
	if l.child("IsConverted").text != "true" || l.child("ConvertedAccountId").text != acct || l.child("ConvertedContactId").text != con || l.child("ConvertedOpportunityId").text != opp || l.child("ConvertedDate").text != "2026-11-30" {
		t.Errorf("lead after conversion: %s", shapeOf(l))
	}
	if got := s.get("Contact", con, "Name, AccountId"); got.child("Name").text != "Jo Lee" || got.child("AccountId").text != acct {
		t.Errorf("contact %s", got.child("Name").text)
	}
	if got := s.get("Account", acct, "Name").child("Name").text; got != "Lee Corp" {
		t.Errorf("account %q", got)
	}
	// Converting again, or with a status that is not a converted one, fails.
	lead2 := s.create(sobj("Lead", "LastName", "Two", "Company", "Two Inc"))[0]
	for _, tc := range []struct{ lead, status, code string }{
		{lead, "Closed - Converted", "CANNOT_UPDATE_CONVERTED_LEAD"},
		{lead2, "Open - Not Contacted", "INVALID_STATUS"},
	} {
		r := s.do("convertLead", "", `<urn:leadConverts><urn:convertedStatus>`+tc.status+`</urn:convertedStatus><urn:doNotCreateOpportunity>true</urn:doNotCreateOpportunity><urn:leadId>`+tc.lead+`</urn:leadId><urn:overwriteLeadSource>false</urn:overwriteLeadSource><urn:sendNotificationEmail>false</urn:sendNotificationEmail></urn:leadConverts>`).ok()
		if got := r.text("Body", "convertLeadResponse", "result", "errors", "statusCode"); got != tc.code {
			t.Errorf("%s: %s", tc.code, r.raw)
		}
	}
	// Into an existing account, without an opportunity.
	r = s.do("convertLead", "", `<urn:leadConverts><urn:accountId>`+acct+`</urn:accountId><urn:convertedStatus>Closed - Converted</urn:convertedStatus><urn:doNotCreateOpportunity>true</urn:doNotCreateOpportunity><urn:leadId>`+lead2+`</urn:leadId><urn:overwriteLeadSource>false</urn:overwriteLeadSource><urn:sendNotificationEmail>false</urn:sendNotificationEmail></urn:leadConverts>`).ok()
	res = r.results("convertLead")[0]
	if res.child("accountId").text != acct || !res.child("opportunityId").nilAttr || res.child("success").text != "true" {
		t.Errorf("%s", r.raw)
	}
}

func TestGetUpdatedDeleted(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	start := s.clock.Now()
	ids := s.create(sobj("Account", "Name", "a"), sobj("Account", "Name", "b"))
	s.clock.Advance(2 * time.Minute)
	s.saves("delete", "", "<urn:ids>"+ids[1]+"</urn:ids>")
	s.clock.Advance(2 * time.Minute)
	window := "<urn:sObjectType>Account</urn:sObjectType><urn:startDate>" + formatDateTime(start.Add(-time.Minute)) + "</urn:startDate><urn:endDate>" + formatDateTime(s.clock.Now()) + "</urn:endDate>"
	r := s.do("getUpdated", "", window).ok()
	res := r.find("Body", "getUpdatedResponse", "result")
	if got := res.values("ids"); !slices.Equal(got, ids[:1]) {
		t.Errorf("updated ids %v, want %v", got, ids[:1])
	}
	if res.child("latestDateCovered").text != "2026-11-30T12:04:00.000Z" {
		t.Errorf("latestDateCovered %s", res.child("latestDateCovered").text)
	}
	r = s.do("getDeleted", "", window).ok()
	want, _ := parseXML(bytes.NewReader(readSample(t, "getdeleted-response-wso2.xml")))
	if g, w := shapeOf(r.find("Body")), shapeOf(want.child("Body")); g != w {
		t.Errorf("shape\n%s\nwant\n%s", g, w)
	}
	if r.text("Body", "getDeletedResponse", "result", "deletedRecords", "id") != ids[1] || r.text("Body", "getDeletedResponse", "result", "deletedRecords", "deletedDate") != "2026-11-30T12:02:00.000Z" {
		t.Errorf("%s", r.raw)
	}
	bad := "<urn:sObjectType>Account</urn:sObjectType><urn:startDate>" + formatDateTime(s.clock.Now()) + "</urn:startDate><urn:endDate>" + formatDateTime(start) + "</urn:endDate>"
	s.do("getUpdated", "", bad).fault("sf:INVALID_REPLICATION_DATE", "UnexpectedErrorFault")
	s.do("getDeleted", "", "<urn:sObjectType>Nope</urn:sObjectType>"+bad[len("<urn:sObjectType>Account</urn:sObjectType>"):]).fault("sf:INVALID_TYPE", "InvalidSObjectFault")
}

func TestChangeLogIsBounded(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{SessionTimeout: 90 * 24 * time.Hour}).login()
	s.create(sobj("Account", "Name", "old"))
	s.clock.Advance(40 * 24 * time.Hour)
	s.create(sobj("Account", "Name", "new"))
	s.srv.mu.RLock()
	n := len(s.srv.data.log)
	s.srv.mu.RUnlock()
	if n != 1 {
		t.Errorf("%d change entries after 40 days, want 1 (older ones dropped)", n)
	}
}
