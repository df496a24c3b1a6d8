package conformance_test

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/sfsim/conformance"
)

// TestQueryShapes runs queries whose answers have the richer shapes
// (compound address, COUNT(), child subqueries, parent paths, custom
// fields of every type, system fields) on the seeded org; each answer is
// validated against the WSDL's schemas, beside the checks here.
func TestQueryShapes(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{})
	s.login()
	cases := []struct {
		name, soql string
		check      func(t *testing.T, res *elem)
	}{
		{"compound address", "SELECT Id, Name, BillingAddress FROM Account WHERE BillingCity != null LIMIT 3", func(t *testing.T, res *elem) {
			recs := res.all("records")
			if len(recs) == 0 {
				t.Fatal("no account with a billing city in the seeded org")
			}
			if a := recs[0].child("BillingAddress"); a.attr(conformance.NSXSI, "type") != "address" || a.child("city").Text == "" {
				t.Errorf("BillingAddress: want xsi:type=\"address\" with a city (PROTOCOL.md §7)")
			}
		}},
		{"COUNT()", "SELECT COUNT() FROM Account", func(t *testing.T, res *elem) {
			if n, _ := strconv.Atoi(res.child("size").Text); n == 0 || len(res.all("records")) != 0 {
				t.Errorf("COUNT(): want a size and no records")
			}
		}},
		{"child subquery", "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account LIMIT 20", func(t *testing.T, res *elem) {
			sub := 0
			for _, r := range res.all("records") {
				c := r.child("Contacts")
				switch {
				case c.isNil():
				case c.attr(conformance.NSXSI, "type") == "QueryResult" && len(c.all("records")) > 0:
					sub++
				default:
					t.Errorf("Contacts is neither nil nor a non-empty QueryResult")
				}
			}
			if sub == 0 {
				t.Errorf("no account with contacts among 20")
			}
		}},
		{"parent path, two levels", "SELECT Id, Account.Owner.Name FROM Contact WHERE AccountId != null LIMIT 3", func(t *testing.T, res *elem) {
			recs := res.all("records")
			if len(recs) == 0 || recs[0].path("Account", "Owner", "Name") == nil {
				t.Errorf("want sf:Account/sf:Owner/sf:Name")
			}
		}},
		{"empty parent", "SELECT Id, Parent.Name FROM Account WHERE ParentId = null LIMIT 1", func(t *testing.T, res *elem) {
			if recs := res.all("records"); len(recs) != 1 || !recs[0].child("Parent").isNil() {
				t.Errorf("an empty lookup: want <sf:Parent xsi:nil=\"true\"/> (PROTOCOL.md §7)")
			}
		}},
		{"system fields", "SELECT Id, CreatedDate, LastModifiedDate, SystemModstamp, IsDeleted, OwnerId, CreatedById FROM Account LIMIT 2", nil},
		{"custom fields", "SELECT Id, External_Id__c, Tier__c, Regions__c, Number_of_Locations__c, Key_Account__c, Customer_Since__c, Health_Score__c FROM Account LIMIT 10", nil},
		{"custom object and relationship", "SELECT Id, Name, Invoice_Number__c, Account__r.Name FROM Invoice__c LIMIT 5", nil},
		{"custom child relationship", "SELECT Id, (SELECT Id FROM Invoices__r) FROM Account LIMIT 5", nil},
		{"date literal and ORDER BY", "SELECT Id, Name, CloseDate, Amount FROM Opportunity WHERE CloseDate < NEXT_N_DAYS:3650 ORDER BY CloseDate DESC NULLS LAST LIMIT 5", nil},
		{"every type on Lead and Case", "SELECT Id, Name, Email, Status, IsConverted, Company FROM Lead LIMIT 3", nil},
		{"Case", "SELECT Id, CaseNumber, Subject, Status, Priority, Account.Name FROM Case LIMIT 3", nil},
		{"User", "SELECT Id, Username, Name, IsActive, ProfileId, UserRoleId FROM User LIMIT 3", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.call(c.name, "", `<urn:query><urn:queryString>`+xmlEscape(c.soql)+`</urn:queryString></urn:query>`)
			r.wantOK(t)
			if c.check != nil {
				c.check(t, r.root.path("Body", "queryResponse", "result"))
			}
		})
	}
}

// TestDescribeAll describes every object describeGlobal lists, one by one
// and in one describeSObjects call: the largest answers, all validated.
func TestDescribeAll(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	r := s.call("describeGlobal", "", `<urn:describeGlobal/>`)
	r.wantOK(t)
	var names []string
	for _, so := range r.root.path("Body", "describeGlobalResponse", "result").all("sobjects") {
		names = append(names, so.child("name").Text)
	}
	if len(names) == 0 || len(names) > 100 {
		t.Fatalf("%d objects", len(names))
	}
	var all strings.Builder
	for _, n := range names {
		all.WriteString("<urn:sObjectType>" + n + "</urn:sObjectType>")
		r := s.call("describeSObject "+n, "", `<urn:describeSObject><urn:sObjectType>`+n+`</urn:sObjectType></urn:describeSObject>`)
		r.wantOK(t)
		if got := r.text("describeSObjectResponse", "result", "name"); got != n {
			t.Errorf("describeSObject %s: name %q", n, got)
		}
	}
	r = s.call("describeSObjects all", "", `<urn:describeSObjects>`+all.String()+`</urn:describeSObjects>`)
	r.wantOK(t)
	if got := len(results(r, "describeSObjects")); got != len(names) {
		t.Errorf("describeSObjects: %d results for %d names", got, len(names))
	}
}

// TestOrgFaults provokes the faults that come from the org's state or the
// control API: an expired session, an expired locator, the daily limit, and
// each injected fault kind that answers with a SOAP fault.
func TestOrgFaults(t *testing.T) {
	t.Parallel()
	faults, err := declaredFaults()
	if err != nil {
		t.Fatal(err)
	}
	control := func(t *testing.T, s *sim, path, body string) {
		t.Helper()
		resp, err := http.Post(s.base+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			t.Fatalf("POST %s: HTTP %d", path, resp.StatusCode)
		}
	}

	t.Run("expired session", func(t *testing.T) {
		s := newSim(t, sfsim.Config{SeedAccounts: -1})
		s.login()
		control(t, s, "/_sim/sessions/expire", "")
		s.call("after expiry", "", `<urn:getUserInfo/>`).wantFault(t, "INVALID_SESSION_ID", "UnexpectedErrorFault")
	})

	t.Run("expired locator", func(t *testing.T) {
		s := newSim(t, sfsim.Config{SeedAccounts: 250})
		r := s.call("query", `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`, `<urn:query><urn:queryString>SELECT Id FROM Account</urn:queryString></urn:query>`)
		r.wantOK(t)
		loc := r.text("queryResponse", "result", "queryLocator")
		if loc == "" {
			t.Fatalf("no locator over 250 accounts:\n%s", r.body)
		}
		control(t, s, "/_sim/locators/expire", "")
		s.call("queryMore expired", "", `<urn:queryMore><urn:queryLocator>`+loc+`</urn:queryLocator></urn:queryMore>`).
			wantFault(t, "INVALID_QUERY_LOCATOR", "InvalidQueryLocatorFault")
	})

	t.Run("daily limit", func(t *testing.T) {
		s := newSim(t, sfsim.Config{SeedAccounts: -1, DailyLimit: 3})
		s.login()
		var r *reply
		for i := range 5 {
			r = s.call("call "+strconv.Itoa(i), "", `<urn:getServerTimestamp/>`)
			if r.status != http.StatusOK {
				break
			}
		}
		f := r.wantFault(t, "REQUEST_LIMIT_EXCEEDED", "UnexpectedErrorFault")
		if f.Message != "TotalRequests Limit exceeded." {
			t.Errorf("message %q, want Salesforce's \"TotalRequests Limit exceeded.\" (PROTOCOL.md §10)", f.Message)
		}
	})

	for _, c := range []struct{ op, fault, body string }{
		{"query", "REQUEST_LIMIT_EXCEEDED", `<urn:query><urn:queryString>SELECT Id FROM Account</urn:queryString></urn:query>`},
		{"create", "UNABLE_TO_LOCK_ROW", `<urn:create><urn:sObjects>` + sobject("Account", "Name", "x") + `</urn:sObjects></urn:create>`},
		{"retrieve", "SERVER_UNAVAILABLE", `<urn:retrieve><urn:fieldList>Id</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>001000000000000AAA</urn:ids></urn:retrieve>`},
	} {
		t.Run("injected "+c.fault, func(t *testing.T) {
			s := newSim(t, sfsim.Config{SeedAccounts: -1})
			s.login()
			control(t, s, "/_sim/faults", `{"operation":"`+c.op+`","fault":"`+c.fault+`","count":1}`)
			f := s.call(c.op+" "+c.fault, "", c.body).wantFault(t, c.fault, "UnexpectedErrorFault")
			if !faults[c.op][f.DetailType] {
				t.Errorf("detail %s not declared for %s", f.DetailType, c.op)
			}
			s.call(c.op+" after", "", c.body).wantOK(t)
		})
	}
}

// TestGzip sends a gzip-compressed request asking for a gzip-compressed
// answer (PROTOCOL.md §3), and validates the answer once inflated.
func TestGzip(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{})
	s.login()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(envelope(sessionHeader(s.session), `<urn:query><urn:queryString>SELECT Id, Name FROM Account</urn:queryString></urn:query>`)) //nolint:errcheck // bytes.Buffer
	zw.Close()                                                                                                                             //nolint:errcheck // bytes.Buffer
	r := s.post("gzip query", s.server, "text/xml; charset=UTF-8", buf.Bytes(), "Content-Encoding", "gzip", "Accept-Encoding", "gzip")
	r.wantOK(t)
	if ce := r.header.Get("Content-Encoding"); ce != "gzip" {
		t.Errorf("Content-Encoding %q, want gzip", ce)
	}
	if len(r.root.path("Body", "queryResponse", "result").all("records")) == 0 {
		t.Errorf("no records")
	}
}
