package salesforce

import (
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// TestSampleValues states, by hand, the values that matter in the real
// answers: independent of the golden files, which only prove stability.
func TestSampleValues(t *testing.T) {
	t.Parallel()
	for _, tc := range sampleChecks {
		t.Run(tc.sample, func(t *testing.T) {
			t.Parallel()
			tc.check(t, decodeAnswer(t, sampleOp(tc.sample), loadSample(t, tc.sample)))
		})
	}
}

func sampleField(t *testing.T, r *partner.Record, path string) partner.Field {
	t.Helper()
	f, ok := r.Get(path)
	if !ok {
		t.Fatalf("record %s has no %s", r.Type, path)
	}
	return f
}

func checkEq(t *testing.T, what string, got, want any) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func checkLimit(t *testing.T, d decoded, cur, lim int64) {
	t.Helper()
	if d.Limit == nil || d.Limit.Current != cur || d.Limit.Limit != lim || d.Limit.Type != "API REQUESTS" {
		t.Errorf("limit = %+v, want %d/%d API REQUESTS", d.Limit, cur, lim)
	}
}

func checkFault(t *testing.T, d decoded, kind partner.Kind, code, faultType, msgPrefix string) *partner.Error {
	t.Helper()
	if d.Fault == nil {
		t.Fatalf("no fault decoded")
	}
	checkEq(t, "kind", d.Fault.Kind, kind)
	checkEq(t, "code", d.Fault.Code, code)
	checkEq(t, "fault type", d.Fault.FaultType, faultType)
	if !strings.HasPrefix(d.Fault.Message, msgPrefix) {
		t.Errorf("message %q, want prefix %q", d.Fault.Message, msgPrefix)
	}
	return d.Fault
}

// sampleChecks holds, per real answer in testdata/samples, the values
// TestSampleValues expects decoded from it.
var sampleChecks = []struct {
	sample string
	check  func(t *testing.T, d decoded)
}{
	{"query-response-compact-www-salesforce.xml", func(t *testing.T, d decoded) {
		checkLimit(t, d, 22092, 64000)
		qr := d.Result.(*partner.QueryResult)
		checkEq(t, "done", qr.Done, true)
		checkEq(t, "size", qr.Size, 2)
		checkEq(t, "records", len(qr.Records), 2)
		r := &qr.Records[0]
		checkEq(t, "type", r.Type, "Contact")
		checkEq(t, "id", r.ID, "0BXBXBXBXBXcvhDAAR")
		// The doubled sf:Id: the second is the selected field.
		checkEq(t, "field Id", sampleField(t, r, "Id").Value, "0BXBXBXBXBXcvhDAAR")
		checkEq(t, "fields", len(r.Fields), 2)
		checkEq(t, "Name", sampleField(t, &qr.Records[1], "Name").Value, "BazQux Simpson")
	}},
	{"query-response-child-subqueries-fragment-palominolabs.xml", func(t *testing.T, d decoded) {
		qr := d.Result.(*partner.QueryResult)
		r := &qr.Records[0]
		checkEq(t, "Name", sampleField(t, r, "Name").Value, "United Oil & Gas, Singapore")
		checkEq(t, "AnnualRevenue nil", sampleField(t, r, "AnnualRevenue").Nil, true)
		contacts := sampleField(t, r, "Contacts").Children
		if contacts == nil || len(contacts.Records) != 2 || contacts.Size != 2 || !contacts.Done {
			t.Fatalf("Contacts = %+v", contacts)
		}
		checkEq(t, "contact email", sampleField(t, &contacts.Records[1], "Email").Value, "tripley@uog.com")
		tasks := sampleField(t, r, "Tasks")
		checkEq(t, "empty subquery is nil", tasks.Nil, true)
		if tasks.Children != nil {
			t.Errorf("nil Tasks has children")
		}
		cases := sampleField(t, r, "Cases").Children
		if cases == nil || len(cases.Records) != 3 {
			t.Fatalf("Cases = %+v", cases)
		}
		checkEq(t, "case subject", sampleField(t, &cases.Records[2], "Subject").Value, "Electronic panel fitting loose")
		checkEq(t, "SELECT order", r.Fields[len(r.Fields)-1].Name, "Cases")
	}},
	{"query-response-parent-owner-fragment-palominolabs.xml", func(t *testing.T, d decoded) {
		r := &d.Result.(*partner.QueryResult).Records[0]
		checkEq(t, "id nil", r.ID, "")
		checkEq(t, "Owner.Name", sampleField(t, r, "Owner.Name").Value, "sftestorg3 mpierce")
		checkEq(t, "Owner type", sampleField(t, r, "Owner").Parent.Type, "User")
	}},
	{"queryall-response-parent-relationship-sfpytoolkit.xml", func(t *testing.T, d decoded) {
		r := &d.Result.(*partner.QueryResult).Records[0]
		checkEq(t, "Account.Name", sampleField(t, r, "Account.Name").Value, "Unknown")
		checkEq(t, "FirstName nil", sampleField(t, r, "FirstName").Nil, true)
		checkEq(t, "LastName", sampleField(t, r, "LastName").Value, "Administrator")
		checkEq(t, "order", r.Fields[0].Name+","+r.Fields[1].Name+","+r.Fields[2].Name, "Account,FirstName,LastName")
	}},
	{"querymore-response-notdone-wiki-v10.xml", func(t *testing.T, d decoded) {
		qr := d.Result.(*partner.QueryResult)
		checkEq(t, "done", qr.Done, false)
		checkEq(t, "locator", qr.QueryLocator, "01gD0000001vELkIAM-400")
		checkEq(t, "size is the query's total", qr.Size, 427)
		checkEq(t, "records", len(qr.Records), 3)
		checkEq(t, "last", sampleField(t, &qr.Records[2], "Name").Value, "Vizrt")
	}},
	{"retrieve-response-soapforce.xml", func(t *testing.T, d decoded) {
		rs := d.Result.([]*partner.Record)
		checkEq(t, "results", len(rs), 1)
		checkEq(t, "id without repeat", rs[0].ID, "006A000000LbkT5IAJ")
		checkEq(t, "Description nil", sampleField(t, rs[0], "Description").Nil, true)
		if _, ok := rs[0].Get("Id"); ok {
			t.Errorf("Id not selected but present as a field")
		}
	}},
	{"search-response-wso2.xml", func(t *testing.T, d decoded) {
		sr := d.Result.(*partner.SearchResult)
		checkEq(t, "hits", len(sr.Records), 1)
		checkEq(t, "Name", sampleField(t, &sr.Records[0].Record, "Name").Value, "GenePoint")
	}},
	{"search-response-empty-soapforce.xml", func(t *testing.T, d decoded) {
		checkEq(t, "hits", len(d.Result.(*partner.SearchResult).Records), 0)
	}},
	{"create-response-error-fields-cumulusci.xml", func(t *testing.T, d decoded) {
		checkLimit(t, d, 43, 5000000)
		r := d.Result.([]partner.SaveResult)[0]
		checkEq(t, "success", r.Success, false)
		checkEq(t, "id", r.ID, "")
		checkEq(t, "code", r.Errors[0].StatusCode, "FIELD_INTEGRITY_EXCEPTION")
		checkEq(t, "fields", strings.Join(r.Errors[0].Fields, ","), "Name")
	}},
	{"create-response-limitinfo-wso2.xml", func(t *testing.T, d decoded) {
		checkLimit(t, d, 9, 15000)
		r := d.Result.([]partner.SaveResult)[0]
		checkEq(t, "id", r.ID, "0036F00002mdwl2QAA")
		checkEq(t, "success", r.Success, true)
	}},
	{"delete-response-failure-malformed-id-soapforce.xml", func(t *testing.T, d decoded) {
		r := d.Result.([]partner.DeleteResult)[0]
		checkEq(t, "code", r.Errors[0].StatusCode, "MALFORMED_ID")
		checkEq(t, "message", r.Errors[0].Message, "bad id 006i000004DAKd")
	}},
	{"upsert-response-limitinfo-wso2.xml", func(t *testing.T, d decoded) {
		rs := d.Result.([]partner.UpsertResult)
		checkEq(t, "results", len(rs), 2)
		checkEq(t, "first updated", rs[0].Created, false)
		checkEq(t, "second created", rs[1].Created, true)
		checkEq(t, "second id", rs[1].ID, "0016F00002pUVTMQA4")
	}},
	{"merge-response-soapforce.xml", func(t *testing.T, d decoded) {
		r := d.Result.([]partner.MergeResult)[0]
		checkEq(t, "merged", strings.Join(r.MergedRecordIDs, ","), "001140000000000AA4,001150000000000AAO")
	}},
	{"convertlead-response-wso2.xml", func(t *testing.T, d decoded) {
		r := d.Result.([]partner.LeadConvertResult)[0]
		checkEq(t, "lead", r.LeadID, "00Q2x00000AH981EAD")
		checkEq(t, "opportunity", r.OpportunityID, "0062x0000053r8FAAQ")
		checkEq(t, "success", r.Success, true)
	}},
	{"describeglobal-response-elided-wso2.xml", func(t *testing.T, d decoded) {
		g := d.Result.(*partner.DescribeGlobalResult)
		checkEq(t, "maxBatchSize", g.MaxBatchSize, 200)
		checkEq(t, "name", g.SObjects[0].Name, "AcceptedEventRelation")
		checkEq(t, "nil keyPrefix", g.SObjects[0].KeyPrefix, "")
		checkEq(t, "queryable", g.SObjects[0].Queryable, true)
	}},
	{"describeglobal-response-trimmed-soapforce.xml", func(t *testing.T, d decoded) {
		g := d.Result.(*partner.DescribeGlobalResult)
		checkEq(t, "objects", len(g.SObjects), 2)
		checkEq(t, "keyPrefix", g.SObjects[0].KeyPrefix, "001")
		checkEq(t, "mergeable", g.SObjects[0].Mergeable, true)
		checkEq(t, "label", g.SObjects[1].Label, "Account Contact Role")
	}},
	{"describesobject-response-elided-wso2.xml", func(t *testing.T, d decoded) {
		o := d.Result.([]partner.DescribeSObjectResult)[0]
		checkEq(t, "relationship", o.ChildRelationships[0].RelationshipName, "ChildAccounts")
		checkEq(t, "field", o.ChildRelationships[0].Field, "ParentId")
	}},
	{"login-response-v37-compact-www-salesforce.xml", func(t *testing.T, d decoded) {
		l := d.Result.(*LoginResult)
		checkEq(t, "serverUrl", l.ServerURL, "https://foobar.my.salesforce.com/services/Soap/u/37.0/00D30ACACA00RnR")
		checkEq(t, "instance", l.InstanceURL(), "https://foobar.my.salesforce.com")
		if !strings.HasPrefix(l.SessionID.Reveal(), "00D30ACACA00RnR!") {
			t.Errorf("session id not decoded")
		}
		checkEq(t, "userId", l.UserID, "000606060606WH5AAO")
		checkEq(t, "seconds valid", l.UserInfo.SessionSecondsValid, 14400)
		checkEq(t, "nil currency", l.UserInfo.UserDefaultCurrencyIsoCode, "")
		checkEq(t, "org", l.UserInfo.OrganizationName, "Foo Bar, Inc.")
	}},
	{"login-response-sandbox-v34-gist.xml", func(t *testing.T, d decoded) {
		l := d.Result.(*LoginResult)
		checkEq(t, "sandbox", l.Sandbox, true)
		if l.UserInfo != nil {
			t.Errorf("userInfo decoded from nothing")
		}
	}},
	{"getuserinfo-response-soapforce.xml", func(t *testing.T, d decoded) {
		u := d.Result.(*GetUserInfoResult)
		checkEq(t, "org id", u.OrganizationID, "00DA0000000YpZ4MAK")
		checkEq(t, "role nil", u.RoleID, "")
		checkEq(t, "user", u.UserName, "john.doe@email.com")
	}},
	{"fault-invalid-field-www-salesforce.xml", func(t *testing.T, d decoded) {
		e := checkFault(t, d, partner.KindFault, "INVALID_FIELD", "InvalidFieldFault", "\nselect adfId, Name, Account.Name from Contact")
		checkEq(t, "row", e.Row, 1)
		checkEq(t, "column", e.Column, 8)
		if !strings.Contains(e.Message, "No such column 'adfId' on entity 'Contact'") {
			t.Errorf("entities not decoded: %q", e.Message)
		}
	}},
	{"fault-invalid-login-www-salesforce-nb.xml", func(t *testing.T, d decoded) {
		checkFault(t, d, partner.KindFault, "INVALID_LOGIN", "LoginFault", "Invalid username, password, security token; or user locked out.")
	}},
	{"fault-invalid-session-id-cumulusci.xml", func(t *testing.T, d decoded) {
		checkFault(t, d, partner.KindFault, "INVALID_SESSION_ID", "UnexpectedErrorFault", "Invalid Session ID found in SessionHeader: Illegal Session")
	}},
	{"fault-client-content-type-www-salesforce-nb.xml", func(t *testing.T, d decoded) {
		e := checkFault(t, d, partner.KindTransport, "Client", "", "content-type of the request should be text/xml")
		checkEq(t, "retryable", e.Retryable(), false)
	}},
	{"fault-client-premature-eof-www-salesforce-nb.xml", func(t *testing.T, d decoded) {
		checkFault(t, d, partner.KindTransport, "Client", "", "Premature end of file.")
	}},
	{"getdeleted-response-wso2.xml", func(t *testing.T, d decoded) {
		checkLimit(t, d, 55, 15000)
	}},
}
