package sfsim

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/soql"
)

func TestDescribe(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	t.Run("global", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		r := s.do("describeGlobal", "", "").ok()
		res := r.find("Body", "describeGlobalResponse", "result")
		if res.child("encoding").text != "UTF-8" || res.child("maxBatchSize").text != "200" {
			t.Errorf("describeGlobal head: %.400s", r.raw)
		}
		names := map[string]bool{}
		for _, o := range res.all("sobjects") {
			names[o.child("name").text] = true
		}
		for _, n := range []string{"Account", "Contact", "Lead", "Opportunity", "Case", "User"} {
			if !names[n] {
				t.Errorf("describeGlobal lacks %s", n)
			}
		}
	})
	t.Run("one object", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		r := s.do("describeSObject", "", "<urn:sObjectType>account</urn:sObjectType>").ok()
		res := r.find("Body", "describeSObjectResponse", "result")
		if res.child("name").text != "Account" || res.child("keyPrefix").text != "001" {
			t.Errorf("describe Account: name %q prefix %q", res.child("name").text, res.child("keyPrefix").text)
		}
		if len(res.all("fields")) < 40 || len(res.all("childRelationships")) == 0 {
			t.Errorf("describe Account has %d fields", len(res.all("fields")))
		}
	})
	t.Run("several objects", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		r := s.do("describeSObjects", "", "<urn:sObjectType>Contact</urn:sObjectType><urn:sObjectType>Lead</urn:sObjectType>").ok()
		res := r.results("describeSObjects")
		if len(res) != 2 || res[0].child("name").text != "Contact" || res[1].child("name").text != "Lead" {
			t.Errorf("got %d results", len(res))
		}
	})
	t.Run("unknown type", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		msg := s.do("describeSObject", "", "<urn:sObjectType>Nope__c</urn:sObjectType>").fault("sf:INVALID_TYPE", "InvalidSObjectFault")
		if !strings.HasPrefix(msg, "INVALID_TYPE: sObject type 'Nope__c' is not supported.") {
			t.Errorf("faultstring %q", msg)
		}
	})
	t.Run("more than 100 types", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		s.do("describeSObjects", "", strings.Repeat("<urn:sObjectType>Account</urn:sObjectType>", 101)).fault("sf:EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
	})
}

// accounts creates n accounts named Acct 000…, each with a contact.
func (s *sim) accounts(n int) []string {
	s.t.Helper()
	var ids []string
	for start := 0; start < n; start += 200 {
		var recs []string
		for i := start; i < min(n, start+200); i++ {
			recs = append(recs, sobj("Account", "Name", fmt.Sprintf("Acct %03d", i), "Industry", "Energy", "AnnualRevenue", strconv.Itoa(i*1000)))
		}
		ids = append(ids, s.create(recs...)...)
	}
	return ids
}

func TestQueryShapes(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	acct := s.create(sobj("Account", "Name", "United Oil & Gas", "BillingCity", "Singapore", "BillingCountry", "SG"))[0]
	s.create(sobj("Contact", "FirstName", "Liz", "LastName", "DCruz", "Email", "ldcruz@uog.com", "AccountId", acct),
		sobj("Contact", "LastName", "Administrator"))
	t.Run("plain", func(t *testing.T) {
		s := s.as(t)
		r := s.do("query", "", "<urn:queryString>SELECT Id, Name FROM Contact ORDER BY LastName</urn:queryString>").ok()
		res := r.find("Body", "queryResponse", "result")
		recs := res.all("records")
		if len(recs) != 2 || res.child("size").text != "2" || res.child("done").text != "true" || !res.child("queryLocator").nilAttr {
			t.Fatalf("%s", r.raw)
		}
		want, _ := parseXML(bytes.NewReader(readSample(t, "query-response-compact-www-salesforce.xml")))
		if g, w := shapeOf(r.find("Body")), shapeOf(want.child("Body")); g != w {
			t.Errorf("shape differs from the real sample:\n%s\nwant\n%s", g, w)
		}
		ids := recs[0].all("Id")
		if len(ids) != 2 || ids[0].text != ids[1].text || recs[0].child("Name").text != "Administrator" {
			t.Errorf("Id twice and Name: %s", r.raw)
		}
		if !bytes.Contains(r.raw, []byte(`<result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Contact</sf:type><sf:Id>`)) {
			t.Errorf("prefix/xsi usage differs: %s", r.raw)
		}
	})
	t.Run("parent path and nil parent", func(t *testing.T) {
		s := s.as(t)
		r := s.do("queryAll", "", "<urn:queryString>SELECT Account.Name, FirstName, LastName FROM Contact ORDER BY LastName</urn:queryString>").ok()
		recs := r.find("Body", "queryAllResponse", "result").all("records")
		if len(recs) != 2 {
			t.Fatalf("%s", r.raw)
		}
		// Administrator has no account: nil parent; the sObject Id is nil
		// because Id was not selected.
		if a := recs[0].child("Account"); a == nil || !a.nilAttr {
			t.Errorf("empty lookup should be nil: %s", r.raw)
		}
		if id := recs[0].child("Id"); id == nil || !id.nilAttr {
			t.Errorf("unselected Id should be nil")
		}
		want, _ := parseXML(bytes.NewReader(readSample(t, "queryall-response-parent-relationship-sfpytoolkit.xml")))
		got := recs[1]
		wantRec := want.child("Body").child("queryAllResponse").child("result").child("records")
		// The sample's contact has no first name; ours has one.
		if shapeOf(got) != strings.Replace(shapeOf(wantRec), "FirstName nil", "FirstName", 1) {
			t.Errorf("shape\n%s\nwant\n%s", shapeOf(got), shapeOf(wantRec))
		}
		if !bytes.Contains(r.raw, []byte(`<sf:Account xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id xsi:nil="true"/><sf:Name>United Oil &amp; Gas</sf:Name></sf:Account>`)) {
			t.Errorf("parent rendering: %s", r.raw)
		}
	})
	t.Run("child subqueries", func(t *testing.T) {
		s := s.as(t)
		r := s.do("query", "", "<urn:queryString>SELECT Id, Name, AnnualRevenue, (SELECT Id, FirstName, Email FROM Contacts), (SELECT Id FROM Cases) FROM Account</urn:queryString>").ok()
		rec := r.find("Body", "queryResponse", "result", "records")
		if c := rec.child("Contacts"); c == nil || c.child("size").text != "1" || c.child("records").child("FirstName").text != "Liz" {
			t.Errorf("Contacts: %s", r.raw)
		}
		if c := rec.child("Cases"); c == nil || !c.nilAttr {
			t.Errorf("empty Cases should be nil: %s", r.raw)
		}
		if a := rec.child("AnnualRevenue"); a == nil || !a.nilAttr {
			t.Errorf("null field should be present and nil")
		}
		if !bytes.Contains(r.raw, []byte(`<sf:Contacts xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Contact</sf:type>`)) {
			t.Errorf("child result rendering: %s", r.raw)
		}
	})
	t.Run("address compound", func(t *testing.T) {
		s := s.as(t)
		r := s.do("query", "", "<urn:queryString>SELECT BillingAddress, ShippingAddress FROM Account</urn:queryString>").ok()
		rec := r.find("Body", "queryResponse", "result", "records")
		ba := rec.child("BillingAddress")
		if ba == nil || ba.child("city").text != "Singapore" || ba.child("country").text != "SG" || !ba.child("street").nilAttr {
			t.Errorf("BillingAddress: %s", r.raw)
		}
		if !bytes.Contains(r.raw, []byte(`<sf:BillingAddress xsi:type="address">`)) {
			t.Errorf("address xsi:type: %s", r.raw)
		}
		if sa := rec.child("ShippingAddress"); sa == nil || !sa.nilAttr {
			t.Errorf("empty address should be nil: %s", r.raw)
		}
	})
	t.Run("aggregate", func(t *testing.T) {
		s := s.as(t)
		r := s.do("query", "", "<urn:queryString>SELECT COUNT(Id) FROM Contact</urn:queryString>").ok()
		if !bytes.Contains(r.raw, []byte(`<records xsi:type="sf:sObject"><sf:type>AggregateResult</sf:type><sf:Id xsi:nil="true"/><sf:expr0 xsi:type="xsd:int">2</sf:expr0></records>`)) {
			t.Errorf("%s", r.raw)
		}
	})
	t.Run("count", func(t *testing.T) {
		s := s.as(t)
		r := s.do("query", "", "<urn:queryString>SELECT COUNT() FROM Contact</urn:queryString>").ok()
		res := r.find("Body", "queryResponse", "result")
		if res.child("size").text != "2" || len(res.all("records")) != 0 {
			t.Errorf("%s", r.raw)
		}
	})
}

func TestQueryFaults(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	t.Run("invalid field as the real sample", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		r := s.do("query", "", "<urn:queryString>select adfId, Name, Account.Name from Contact</urn:queryString>")
		r.fault("sf:INVALID_FIELD", "InvalidFieldFault")
		want := bytes.TrimSpace(readSample(t, "fault-invalid-field-www-salesforce.xml"))
		if !bytes.Equal(r.raw, want) {
			t.Errorf("got\n%s\nwant\n%s", r.raw, want)
		}
	})
	cases := []struct{ q, code, detail string }{
		{"SELECT FROM Account", "sf:MALFORMED_QUERY", "MalformedQueryFault"},
		{"SELECT Id FROM Nope__c", "sf:INVALID_TYPE", "InvalidSObjectFault"},
		{"", "sf:MALFORMED_QUERY", "MalformedQueryFault"},
	}
	for _, tc := range cases {
		t.Run(tc.q, func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			s.do("query", "", "<urn:queryString>"+tc.q+"</urn:queryString>").fault(tc.code, tc.detail)
		})
	}
	t.Run("row and column", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		r := s.do("query", "", "<urn:queryString>SELECT Id\nFROM Account WHERE Nope = 1</urn:queryString>")
		r.fault("sf:INVALID_FIELD", "InvalidFieldFault")
		d := r.find("Body", "Fault", "detail", "InvalidFieldFault")
		if d.child("row").text != "2" || d.child("column").text != "20" {
			t.Errorf("row %s column %s", d.child("row").text, d.child("column").text)
		}
	})
}

func TestQueryMore(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.accounts(450)
	batch := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	r := s.do("query", batch, "<urn:queryString>SELECT Id, Name FROM Account ORDER BY Name</urn:queryString>").ok()
	res := r.find("Body", "queryResponse", "result")
	loc := res.child("queryLocator").text
	if res.child("done").text != "false" || res.child("size").text != "450" || len(res.all("records")) != 200 {
		t.Fatalf("first page: done %s size %s records %d", res.child("done").text, res.child("size").text, len(res.all("records")))
	}
	if !strings.HasPrefix(loc, "01g") || !strings.HasSuffix(loc, "-200") || len(loc) != 22 {
		t.Errorf("locator %q, want 01g…-200", loc)
	}
	cursors := map[string]bool{loc[:strings.LastIndexByte(loc, '-')]: true}
	var names []string
	for _, rec := range res.all("records") {
		names = append(names, rec.child("Name").text)
	}
	for page := 2; ; page++ {
		r = s.do("queryMore", batch, "<urn:queryLocator>"+loc+"</urn:queryLocator>").ok()
		res = r.find("Body", "queryMoreResponse", "result")
		for _, rec := range res.all("records") {
			names = append(names, rec.child("Name").text)
		}
		if res.child("size").text != "450" {
			t.Errorf("page %d size %s, want the total", page, res.child("size").text)
		}
		if res.child("done").text == "true" {
			if !res.child("queryLocator").nilAttr {
				t.Errorf("last page locator should be nil")
			}
			break
		}
		loc = res.child("queryLocator").text
		cursors[loc[:strings.LastIndexByte(loc, '-')]] = true
	}
	if len(cursors) != 1 || s.srv.locators.size() != 1 {
		t.Errorf("paging one query used cursors %v and registered %d, want one", cursors, s.srv.locators.size())
	}
	if len(names) != 450 || names[0] != "Acct 000" || names[449] != "Acct 449" {
		t.Errorf("paged %d rows: first %q last %q", len(names), names[0], names[len(names)-1])
	}
	// Locators are reusable (API 56.0 cursors)…
	first := s.do("query", batch, "<urn:queryString>SELECT Id FROM Account</urn:queryString>").ok().text("Body", "queryResponse", "result", "queryLocator")
	s.do("queryMore", batch, "<urn:queryLocator>"+first+"</urn:queryLocator>").ok()
	s.do("queryMore", batch, "<urn:queryLocator>"+first+"</urn:queryLocator>").ok()
	// …until they expire after two days.
	s.clock.Advance(48*time.Hour + time.Second)
	s.login()
	s.do("queryMore", batch, "<urn:queryLocator>"+first+"</urn:queryLocator>").fault("sf:INVALID_QUERY_LOCATOR", "InvalidQueryLocatorFault")
	for _, bad := range []string{"nonsense", "01gD0000001vELkIAM-200", ""} {
		s.do("queryMore", "", "<urn:queryLocator>"+bad+"</urn:queryLocator>").fault("sf:INVALID_QUERY_LOCATOR", "InvalidQueryLocatorFault")
	}
}

// TestQueryMoreBuildsItsPageAtTheCall: the rows a query selected are fixed
// when it runs (Size, which records, their order, their own fields), but a
// queryMore page is built when it is asked for, so it shows parent values as
// of that call.
func TestQueryMoreBuildsItsPageAtTheCall(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	mother := s.create(sobj("Account", "Name", "Mother"))[0]
	var kids []string
	for start := 0; start < 250; start += 125 {
		var recs []string
		for i := start; i < start+125; i++ {
			recs = append(recs, sobj("Account", "Name", fmt.Sprintf("Kid %03d", i), "ParentId", mother))
		}
		kids = append(kids, s.create(recs...)...)
	}
	batch := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	var last string
	page := func(r *response, op string) (size string, parents []string, loc string) {
		res := r.find("Body", op+"Response", "result")
		for _, rec := range res.all("records") {
			parents = append(parents, rec.child("Parent").child("Name").text)
			last = rec.child("Name").text
		}
		return res.child("size").text, parents, res.child("queryLocator").text
	}
	size, parents, loc := page(s.do("query", batch, "<urn:queryString>SELECT Name, Parent.Name FROM Account WHERE ParentId != null ORDER BY Name</urn:queryString>").ok(), "query")
	if size != "250" || len(parents) != 200 || parents[0] != "Mother" || parents[199] != "Mother" {
		t.Fatalf("first page: size %s, %d records, parents %q…%q", size, len(parents), parents[0], parents[len(parents)-1])
	}
	if res := s.saves("update", "", sobj("Account", "Id", mother, "Name", "Mother Renamed")); !res[0].success {
		t.Fatalf("update: %+v", res[0])
	}
	if res := s.saves("update", "", sobj("Account", "Id", kids[249], "Name", "Kid 249 renamed")); !res[0].success {
		t.Fatalf("update: %+v", res[0])
	}
	s.create(sobj("Account", "Name", "Kid 999", "ParentId", mother))
	size, parents, _ = page(s.do("queryMore", batch, "<urn:queryLocator>"+loc+"</urn:queryLocator>").ok(), "queryMore")
	if size != "250" || len(parents) != 50 {
		t.Fatalf("queryMore: size %s, %d records; want the query's 250 and the last 50", size, len(parents))
	}
	for i, p := range parents {
		if p != "Mother Renamed" {
			t.Fatalf("queryMore record %d parent %q, want the name as of the call", i, p)
		}
	}
	if last != "Kid 249" {
		t.Errorf("queryMore last record Name %q, want Kid 249 as the query saw it", last)
	}
}

// TestQueryMoreWhileWriting pages a cursor while another client renames the
// parent and adds rows: each page is built under the store's read lock (the
// race detector checks it), and every page holds whole, consistent rows.
func TestQueryMoreWhileWriting(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	mother := s.create(sobj("Account", "Name", "Mother"))[0]
	var recs []string
	for i := range 200 {
		recs = append(recs, sobj("Account", "Name", fmt.Sprintf("Kid %03d", i), "ParentId", mother))
	}
	s.create(recs...)
	s.create(recs[:100]...)
	batch := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	loc := s.do("query", batch, "<urn:queryString>SELECT Name, Parent.Name, (SELECT Name FROM ChildAccounts) FROM Account WHERE ParentId != null</urn:queryString>").ok().
		text("Body", "queryResponse", "result", "queryLocator")
	const rounds = 20
	t.Run("concurrently", func(t *testing.T) {
		t.Run("writer", func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			for i := range rounds {
				if res := s.saves("update", "", sobj("Account", "Id", mother, "Name", fmt.Sprintf("Mother %d", i))); !res[0].success {
					t.Fatalf("update: %+v", res[0])
				}
				s.create(sobj("Account", "Name", fmt.Sprintf("Late %d", i), "ParentId", mother))
			}
		})
		t.Run("reader", func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			for range rounds {
				res := s.do("queryMore", batch, "<urn:queryLocator>"+loc+"</urn:queryLocator>").ok().find("Body", "queryMoreResponse", "result")
				recs := res.all("records")
				if res.child("size").text != "300" || len(recs) != 100 {
					t.Fatalf("size %s, %d records; want 300 and the last 100", res.child("size").text, len(recs))
				}
				for _, rec := range recs {
					if p := rec.child("Parent").child("Name").text; !strings.HasPrefix(p, "Mother") {
						t.Fatalf("parent %q", p)
					}
				}
			}
		})
	})
}

func TestBatchSizeClamp(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.accounts(2100)
	cases := []struct {
		header string
		want   int
	}{
		{"", 2000},
		{`<urn:QueryOptions><urn:batchSize>50</urn:batchSize></urn:QueryOptions>`, 200},
		{`<urn:QueryOptions><urn:batchSize>500</urn:batchSize></urn:QueryOptions>`, 500},
		{`<urn:QueryOptions><urn:batchSize>5000</urn:batchSize></urn:QueryOptions>`, 2000},
	}
	for _, tc := range cases {
		r := s.do("query", tc.header, "<urn:queryString>SELECT Id FROM Account</urn:queryString>").ok()
		if got := len(r.find("Body", "queryResponse", "result").all("records")); got != tc.want {
			t.Errorf("%s: %d records, want %d", tc.header, got, tc.want)
		}
	}
}

func TestQueryLocatorControlExpiry(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.accounts(250)
	batch := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	loc := s.do("query", batch, "<urn:queryString>SELECT Id FROM Account</urn:queryString>").ok().text("Body", "queryResponse", "result", "queryLocator")
	s.control("POST", "/_sim/locators/expire", "")
	s.do("queryMore", batch, "<urn:queryLocator>"+loc+"</urn:queryLocator>").fault("sf:INVALID_QUERY_LOCATOR", "InvalidQueryLocatorFault")
}

func TestSearch(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.create(sobj("Account", "Name", "GenePoint"), sobj("Account", "Name", "Other"), sobj("Contact", "LastName", "Genesis"))
	r := s.do("search", "", "<urn:searchString>FIND {GenePoint} IN NAME FIELDS RETURNING Account(Id, Name)</urn:searchString>").ok()
	recs := r.find("Body", "searchResponse", "result").all("searchRecords")
	if len(recs) != 1 || recs[0].child("record").child("Name").text != "GenePoint" {
		t.Fatalf("%s", r.raw)
	}
	if r.text("Body", "searchResponse", "result", "queryId") == "" {
		t.Errorf("no queryId")
	}
	want, _ := parseXML(bytes.NewReader(readSample(t, "search-response-wso2.xml")))
	got := r.find("Body", "searchResponse", "result", "searchRecords")
	if g, w := shapeOf(got), shapeOf(want.child("Body").child("searchResponse").child("result").child("searchRecords")); g != w {
		t.Errorf("shape\n%s\nwant\n%s", g, w)
	}
	if !bytes.Contains(r.raw, []byte(`<searchRecords><record xsi:type="sf:sObject"><sf:type>Account</sf:type>`)) {
		t.Errorf("%s", r.raw)
	}
	// Wildcards across objects; no hits gives an empty result.
	r = s.do("search", "", "<urn:searchString>FIND {Gene*} RETURNING Account(Name), Contact(LastName)</urn:searchString>").ok()
	if n := len(r.find("Body", "searchResponse", "result").all("searchRecords")); n != 2 {
		t.Errorf("%d hits, want 2: %s", n, r.raw)
	}
	r = s.do("search", "", "<urn:searchString>FIND {zzzz} RETURNING Account</urn:searchString>").ok()
	if n := len(r.find("Body", "searchResponse", "result").children); n != 1 {
		t.Errorf("empty search: %s", r.raw)
	}
	s.do("search", "", "<urn:searchString>FIND GenePoint</urn:searchString>").fault("sf:MALFORMED_SEARCH", "MalformedSearchFault")
	s.do("search", "", "<urn:searchString>FIND {xyz} RETURNING Nope__c</urn:searchString>").fault("sf:INVALID_TYPE", "InvalidSObjectFault")
}

func TestSeededOrgAndReset(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{SeedAccounts: 30}).login()
	count := func(q string) string {
		return s.do("query", "", "<urn:queryString>"+q+"</urn:queryString>").ok().text("Body", "queryResponse", "result", "size")
	}
	if n := count("SELECT COUNT() FROM Account"); n != "30" {
		t.Fatalf("%s seeded accounts, want 30", n)
	}
	for _, o := range []string{"Contact", "Opportunity", "Case", "Lead", "Invoice__c"} {
		if n := count("SELECT COUNT() FROM " + o); n == "0" {
			t.Errorf("no seeded %s", o)
		}
	}
	r := s.do("query", "", "<urn:queryString>SELECT Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account LIMIT 5</urn:queryString>").ok()
	if r.text("Body", "queryResponse", "result", "records", "Owner", "Name") != "Sim Admin" {
		t.Errorf("owner: %s", r.raw)
	}
	// A new case continues the seeded numbering.
	id := s.create(sobj("Case", "Subject", "new"))[0]
	num := s.get("Case", id, "CaseNumber").child("CaseNumber").text
	last := s.do("query", "", "<urn:queryString>SELECT CaseNumber FROM Case WHERE Id != '"+id+"' ORDER BY CaseNumber DESC LIMIT 1</urn:queryString>").ok().text("Body", "queryResponse", "result", "records", "CaseNumber")
	if num <= last || len(num) != len(last) {
		t.Errorf("new case number %q after %q", num, last)
	}
	s.create(sobj("Account", "Name", "Extra"))
	if st, body := s.control("POST", "/_sim/sobjects/Account/fields", `{"name":"Region_Code__c","type":"picklist","picklistValues":["Gold","Silver"]}`); st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	s.do("query", "", "<urn:queryString>SELECT Region_Code__c FROM Account</urn:queryString>").ok()
	if st, _ := s.control("POST", "/_sim/reset", ""); st != 200 {
		t.Fatalf("reset: %d", st)
	}
	if n := count("SELECT COUNT() FROM Account"); n != "30" {
		t.Errorf("%s accounts after reset, want 30", n)
	}
	s.do("query", "", "<urn:queryString>SELECT Region_Code__c FROM Account</urn:queryString>").fault("sf:INVALID_FIELD", "InvalidFieldFault")
	if calls := s.stats(); calls["query"] != 2 || calls["login"] != 0 {
		t.Errorf("stats after reset: %v", calls)
	}
}

func TestCustomObjectLive(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	st, body := s.control("POST", "/_sim/sobjects", `{"name":"Widget__c","label":"Widget","fields":[{"name":"Size__c","type":"number","precision":5,"scale":1}]}`)
	if st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	r := s.do("describeSObject", "", "<urn:sObjectType>Widget__c</urn:sObjectType>").ok()
	if r.text("Body", "describeSObjectResponse", "result", "custom") != "true" {
		t.Errorf("%.500s", r.raw)
	}
	id := s.create(sobj("Widget__c", "Name", "w1", "Size__c", "12.34"))[0]
	// Stored unrounded beyond the scale, as Salesforce does through the API
	// (Help 000212661).
	if got := s.get("Widget__c", id, "Size__c").child("Size__c").text; got != "12.34" {
		t.Errorf("Size__c %q, want 12.34 (scale 1, unrounded)", got)
	}
	if res := s.saves("create", "", sobj("Widget__c", "Name", "w2", "Size__c", "123456")); res[0].codes[0] != "NUMBER_OUTSIDE_VALID_RANGE" {
		t.Errorf("%+v", res[0])
	}
}

func TestLocatorTableIsBounded(t *testing.T) {
	t.Parallel()
	var lt locatorTable
	lt.init()
	now := time.Now()
	big := &soql.Result{Rows: make([]*soql.Row, maxLocatorRows/2+1)}
	first := lt.add(big, now, time.Hour, 1, false)
	second := lt.add(big, now, time.Hour, 2, false) // does not fit beside the first
	if _, ok := lt.find(first+"-1", now); ok {
		t.Error("the oldest cursor survived past the row budget")
	}
	if _, ok := lt.find(second+"-1", now); !ok {
		t.Error("the newest cursor was dropped")
	}
	if lt.rows != len(big.Rows) {
		t.Errorf("rows %d, want %d", lt.rows, len(big.Rows))
	}
}
