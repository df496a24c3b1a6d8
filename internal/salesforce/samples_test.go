package salesforce

import (
	"strings"
	"testing"
)

// TestSampleValues states, by hand, the values that matter in the real
// answers: independent of the golden files, which only prove stability.
func TestSampleValues(t *testing.T) {
	t.Parallel()
	field := func(t *testing.T, r *Record, path string) Field {
		t.Helper()
		f, ok := r.Get(path)
		if !ok {
			t.Fatalf("record %s has no %s", r.Type, path)
		}
		return f
	}
	eq := func(t *testing.T, what string, got, want any) {
		t.Helper()
		if got != want {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	limit := func(t *testing.T, d decoded, cur, lim int64) {
		t.Helper()
		if d.Limit == nil || d.Limit.Current != cur || d.Limit.Limit != lim || d.Limit.Type != "API REQUESTS" {
			t.Errorf("limit = %+v, want %d/%d API REQUESTS", d.Limit, cur, lim)
		}
	}
	fault := func(t *testing.T, d decoded, kind Kind, code, faultType, msgPrefix string) *Error {
		t.Helper()
		if d.Fault == nil {
			t.Fatalf("no fault decoded")
		}
		eq(t, "kind", d.Fault.Kind, kind)
		eq(t, "code", d.Fault.Code, code)
		eq(t, "fault type", d.Fault.FaultType, faultType)
		if !strings.HasPrefix(d.Fault.Message, msgPrefix) {
			t.Errorf("message %q, want prefix %q", d.Fault.Message, msgPrefix)
		}
		return d.Fault
	}
	tests := []struct {
		sample string
		check  func(t *testing.T, d decoded)
	}{
		{"query-response-compact-www-salesforce.xml", func(t *testing.T, d decoded) {
			limit(t, d, 22092, 64000)
			qr := d.Result.(*QueryResult)
			eq(t, "done", qr.Done, true)
			eq(t, "size", qr.Size, 2)
			eq(t, "records", len(qr.Records), 2)
			r := &qr.Records[0]
			eq(t, "type", r.Type, "Contact")
			eq(t, "id", r.ID, "0BXBXBXBXBXcvhDAAR")
			// The doubled sf:Id: the second is the selected field.
			eq(t, "field Id", field(t, r, "Id").Value, "0BXBXBXBXBXcvhDAAR")
			eq(t, "fields", len(r.Fields), 2)
			eq(t, "Name", field(t, &qr.Records[1], "Name").Value, "BazQux Simpson")
		}},
		{"query-response-child-subqueries-fragment-palominolabs.xml", func(t *testing.T, d decoded) {
			qr := d.Result.(*QueryResult)
			r := &qr.Records[0]
			eq(t, "Name", field(t, r, "Name").Value, "United Oil & Gas, Singapore")
			eq(t, "AnnualRevenue nil", field(t, r, "AnnualRevenue").Nil, true)
			contacts := field(t, r, "Contacts").Children
			if contacts == nil || len(contacts.Records) != 2 || contacts.Size != 2 || !contacts.Done {
				t.Fatalf("Contacts = %+v", contacts)
			}
			eq(t, "contact email", field(t, &contacts.Records[1], "Email").Value, "tripley@uog.com")
			tasks := field(t, r, "Tasks")
			eq(t, "empty subquery is nil", tasks.Nil, true)
			if tasks.Children != nil {
				t.Errorf("nil Tasks has children")
			}
			cases := field(t, r, "Cases").Children
			if cases == nil || len(cases.Records) != 3 {
				t.Fatalf("Cases = %+v", cases)
			}
			eq(t, "case subject", field(t, &cases.Records[2], "Subject").Value, "Electronic panel fitting loose")
			eq(t, "SELECT order", r.Fields[len(r.Fields)-1].Name, "Cases")
		}},
		{"query-response-parent-owner-fragment-palominolabs.xml", func(t *testing.T, d decoded) {
			r := &d.Result.(*QueryResult).Records[0]
			eq(t, "id nil", r.ID, "")
			eq(t, "Owner.Name", field(t, r, "Owner.Name").Value, "sftestorg3 mpierce")
			eq(t, "Owner type", field(t, r, "Owner").Parent.Type, "User")
		}},
		{"queryall-response-parent-relationship-sfpytoolkit.xml", func(t *testing.T, d decoded) {
			r := &d.Result.(*QueryResult).Records[0]
			eq(t, "Account.Name", field(t, r, "Account.Name").Value, "Unknown")
			eq(t, "FirstName nil", field(t, r, "FirstName").Nil, true)
			eq(t, "LastName", field(t, r, "LastName").Value, "Administrator")
			eq(t, "order", r.Fields[0].Name+","+r.Fields[1].Name+","+r.Fields[2].Name, "Account,FirstName,LastName")
		}},
		{"querymore-response-notdone-wiki-v10.xml", func(t *testing.T, d decoded) {
			qr := d.Result.(*QueryResult)
			eq(t, "done", qr.Done, false)
			eq(t, "locator", qr.QueryLocator, "01gD0000001vELkIAM-400")
			eq(t, "size is the query's total", qr.Size, 427)
			eq(t, "records", len(qr.Records), 3)
			eq(t, "last", field(t, &qr.Records[2], "Name").Value, "Vizrt")
		}},
		{"retrieve-response-soapforce.xml", func(t *testing.T, d decoded) {
			rs := d.Result.([]*Record)
			eq(t, "results", len(rs), 1)
			eq(t, "id without repeat", rs[0].ID, "006A000000LbkT5IAJ")
			eq(t, "Description nil", field(t, rs[0], "Description").Nil, true)
			if _, ok := rs[0].Get("Id"); ok {
				t.Errorf("Id not selected but present as a field")
			}
		}},
		{"search-response-wso2.xml", func(t *testing.T, d decoded) {
			sr := d.Result.(*SearchResult)
			eq(t, "hits", len(sr.Records), 1)
			eq(t, "Name", field(t, &sr.Records[0].Record, "Name").Value, "GenePoint")
		}},
		{"search-response-empty-soapforce.xml", func(t *testing.T, d decoded) {
			eq(t, "hits", len(d.Result.(*SearchResult).Records), 0)
		}},
		{"create-response-error-fields-cumulusci.xml", func(t *testing.T, d decoded) {
			limit(t, d, 43, 5000000)
			r := d.Result.([]SaveResult)[0]
			eq(t, "success", r.Success, false)
			eq(t, "id", r.ID, "")
			eq(t, "code", r.Errors[0].StatusCode, "FIELD_INTEGRITY_EXCEPTION")
			eq(t, "fields", strings.Join(r.Errors[0].Fields, ","), "Name")
		}},
		{"create-response-limitinfo-wso2.xml", func(t *testing.T, d decoded) {
			limit(t, d, 9, 15000)
			r := d.Result.([]SaveResult)[0]
			eq(t, "id", r.ID, "0036F00002mdwl2QAA")
			eq(t, "success", r.Success, true)
		}},
		{"delete-response-failure-malformed-id-soapforce.xml", func(t *testing.T, d decoded) {
			r := d.Result.([]DeleteResult)[0]
			eq(t, "code", r.Errors[0].StatusCode, "MALFORMED_ID")
			eq(t, "message", r.Errors[0].Message, "bad id 006i000004DAKd")
		}},
		{"upsert-response-limitinfo-wso2.xml", func(t *testing.T, d decoded) {
			rs := d.Result.([]UpsertResult)
			eq(t, "results", len(rs), 2)
			eq(t, "first updated", rs[0].Created, false)
			eq(t, "second created", rs[1].Created, true)
			eq(t, "second id", rs[1].ID, "0016F00002pUVTMQA4")
		}},
		{"merge-response-soapforce.xml", func(t *testing.T, d decoded) {
			r := d.Result.([]MergeResult)[0]
			eq(t, "merged", strings.Join(r.MergedRecordIDs, ","), "001140000000000AA4,001150000000000AAO")
		}},
		{"convertlead-response-wso2.xml", func(t *testing.T, d decoded) {
			r := d.Result.([]LeadConvertResult)[0]
			eq(t, "lead", r.LeadID, "00Q2x00000AH981EAD")
			eq(t, "opportunity", r.OpportunityID, "0062x0000053r8FAAQ")
			eq(t, "success", r.Success, true)
		}},
		{"describeglobal-response-elided-wso2.xml", func(t *testing.T, d decoded) {
			g := d.Result.(*DescribeGlobalResult)
			eq(t, "maxBatchSize", g.MaxBatchSize, 200)
			eq(t, "name", g.SObjects[0].Name, "AcceptedEventRelation")
			eq(t, "nil keyPrefix", g.SObjects[0].KeyPrefix, "")
			eq(t, "queryable", g.SObjects[0].Queryable, true)
		}},
		{"describeglobal-response-trimmed-soapforce.xml", func(t *testing.T, d decoded) {
			g := d.Result.(*DescribeGlobalResult)
			eq(t, "objects", len(g.SObjects), 2)
			eq(t, "keyPrefix", g.SObjects[0].KeyPrefix, "001")
			eq(t, "mergeable", g.SObjects[0].Mergeable, true)
			eq(t, "label", g.SObjects[1].Label, "Account Contact Role")
		}},
		{"describesobject-response-elided-wso2.xml", func(t *testing.T, d decoded) {
			o := d.Result.([]DescribeSObjectResult)[0]
			eq(t, "relationship", o.ChildRelationships[0].RelationshipName, "ChildAccounts")
			eq(t, "field", o.ChildRelationships[0].Field, "ParentId")
		}},
		{"login-response-v37-compact-www-salesforce.xml", func(t *testing.T, d decoded) {
			l := d.Result.(*LoginResult)
			eq(t, "serverUrl", l.ServerURL, "https://foobar.my.salesforce.com/services/Soap/u/37.0/00D30ACACA00RnR")
			eq(t, "instance", l.InstanceURL(), "https://foobar.my.salesforce.com")
			if !strings.HasPrefix(l.SessionID.Reveal(), "00D30ACACA00RnR!") {
				t.Errorf("session id not decoded")
			}
			eq(t, "userId", l.UserID, "000606060606WH5AAO")
			eq(t, "seconds valid", l.UserInfo.SessionSecondsValid, 14400)
			eq(t, "nil currency", l.UserInfo.UserDefaultCurrencyIsoCode, "")
			eq(t, "org", l.UserInfo.OrganizationName, "Foo Bar, Inc.")
		}},
		{"login-response-sandbox-v34-gist.xml", func(t *testing.T, d decoded) {
			l := d.Result.(*LoginResult)
			eq(t, "sandbox", l.Sandbox, true)
			if l.UserInfo != nil {
				t.Errorf("userInfo decoded from nothing")
			}
		}},
		{"getuserinfo-response-soapforce.xml", func(t *testing.T, d decoded) {
			u := d.Result.(*GetUserInfoResult)
			eq(t, "org id", u.OrganizationID, "00DA0000000YpZ4MAK")
			eq(t, "role nil", u.RoleID, "")
			eq(t, "user", u.UserName, "john.doe@email.com")
		}},
		{"fault-invalid-field-www-salesforce.xml", func(t *testing.T, d decoded) {
			e := fault(t, d, KindFault, "INVALID_FIELD", "InvalidFieldFault", "\nselect adfId, Name, Account.Name from Contact")
			eq(t, "row", e.Row, 1)
			eq(t, "column", e.Column, 8)
			if !strings.Contains(e.Message, "No such column 'adfId' on entity 'Contact'") {
				t.Errorf("entities not decoded: %q", e.Message)
			}
		}},
		{"fault-invalid-login-www-salesforce-nb.xml", func(t *testing.T, d decoded) {
			fault(t, d, KindFault, "INVALID_LOGIN", "LoginFault", "Invalid username, password, security token; or user locked out.")
		}},
		{"fault-invalid-session-id-cumulusci.xml", func(t *testing.T, d decoded) {
			fault(t, d, KindFault, "INVALID_SESSION_ID", "UnexpectedErrorFault", "Invalid Session ID found in SessionHeader: Illegal Session")
		}},
		{"fault-client-content-type-www-salesforce-nb.xml", func(t *testing.T, d decoded) {
			e := fault(t, d, KindTransport, "Client", "", "content-type of the request should be text/xml")
			eq(t, "retryable", e.Retryable(), false)
		}},
		{"fault-client-premature-eof-www-salesforce-nb.xml", func(t *testing.T, d decoded) {
			fault(t, d, KindTransport, "Client", "", "Premature end of file.")
		}},
		{"getdeleted-response-wso2.xml", func(t *testing.T, d decoded) {
			limit(t, d, 55, 15000)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.sample, func(t *testing.T) {
			t.Parallel()
			tc.check(t, decodeAnswer(t, sampleOp(tc.sample), loadSample(t, tc.sample)))
		})
	}
}
