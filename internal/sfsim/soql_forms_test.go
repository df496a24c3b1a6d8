package sfsim

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Doc pages the table cites (SOQL and SOSL Reference unless noted).
const (
	docGroupBy    = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby.htm"
	docAggregates = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_agg_functions.htm"
	docAlias      = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby_alias.htm"
	docGroupCons  = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_group_by_considerations.htm"
	docRollup     = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby_rollup.htm"
	docCube       = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby_cube.htm"
	docHaving     = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_having.htm"
	docOffset     = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_offset.htm"
	docToLabel    = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_tolabel.htm"
	docFormat     = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_format.htm"
	docConvert    = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_convertcurrency.htm"
	docForView    = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_for_view.htm"
	docForUpdate  = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_for_update.htm"
	docSelect     = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm"
	docTypeOf     = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_typeof.htm"
	docNameObject = "https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_name.htm"
	docPolymorph  = "https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_and_polymorph_keys.htm"
)

// agg is the start of an AggregateResult record as the partner API writes it.
const agg = `<records xsi:type="sf:sObject"><sf:type>AggregateResult</sf:type><sf:Id xsi:nil="true"/>`

// TestSOQLForms runs each SOQL form integrations send against sfsim over
// HTTP and compares the answer's shape or fault with the documented
// behaviour; every envelope is also validated against the WSDL (TestMain).
func TestSOQLForms(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.create(
		sobj("Account", "Name", "A1", "Industry", "Energy", "Rating", "Hot", "AnnualRevenue", "1250000", "NumberOfEmployees", "10"),
		sobj("Account", "Name", "A2", "Industry", "Energy", "Rating", "Cold", "AnnualRevenue", "750000", "NumberOfEmployees", "30"),
		sobj("Account", "Name", "A3", "Industry", "Banking", "Rating", "Hot", "AnnualRevenue", "500000"),
	)
	s.create(sobj("Case", "Subject", "Broken", "Status", "New"))
	rows := []struct {
		name, doc, query string
		want             []string // substrings of the answer, in order
		fault, detail    string   // or the fault code and detail element
		msg              string   // a substring of the faultstring
	}{
		{"group by with aggregates and aliases", docAlias,
			"SELECT Industry, COUNT(Id), SUM(AnnualRevenue) total, AVG(NumberOfEmployees), MIN(Name), MAX(AnnualRevenue) FROM Account GROUP BY Industry",
			[]string{agg + `<sf:Industry xsi:type="xsd:string">Energy</sf:Industry><sf:expr0 xsi:type="xsd:int">2</sf:expr0><sf:total xsi:type="xsd:double">2000000.0</sf:total><sf:expr1 xsi:type="xsd:double">20.0</sf:expr1><sf:expr2 xsi:type="xsd:string">A1</sf:expr2><sf:expr3 xsi:type="xsd:double">1250000.0</sf:expr3></records>`,
				agg + `<sf:Industry xsi:type="xsd:string">Banking</sf:Industry><sf:expr0 xsi:type="xsd:int">1</sf:expr0><sf:total xsi:type="xsd:double">500000.0</sf:total><sf:expr1 xsi:nil="true"/>`,
				`<size>2</size>`}, "", "", ""},
		{"alias on a grouped field, ORDER BY a grouped field", docAlias, "SELECT Industry ind, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Industry",
			[]string{agg + `<sf:ind xsi:type="xsd:string">Banking</sf:ind><sf:expr0 xsi:type="xsd:int">1</sf:expr0>`}, "", "", ""},
		{"ORDER BY a field neither grouped nor aggregated", docGroupBy, "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Name",
			nil, "sf:MALFORMED_QUERY", "MalformedQueryFault", "Ordered field must be grouped or aggregated: Name"},
		{"count distinct", docAggregates, "SELECT COUNT_DISTINCT(Rating) FROM Account",
			[]string{agg + `<sf:expr0 xsi:type="xsd:int">2</sf:expr0></records><size>1</size>`}, "", "", ""},
		{"having", docHaving, "SELECT Industry, COUNT(Id) n FROM Account GROUP BY Industry HAVING COUNT(Id) > 1",
			[]string{`<sf:Industry xsi:type="xsd:string">Energy</sf:Industry><sf:n xsi:type="xsd:int">2</sf:n></records><size>1</size>`}, "", "", ""},
		{"order by an aggregate", docGroupBy, "SELECT Rating, COUNT(Id) FROM Account GROUP BY Rating ORDER BY COUNT(Id) ASC",
			[]string{`<sf:Rating xsi:type="xsd:string">Cold</sf:Rating>`, `<sf:Rating xsi:type="xsd:string">Hot</sf:Rating>`}, "", "", ""},
		{"rollup with GROUPING", docRollup, "SELECT Industry, COUNT(Id), GROUPING(Industry) g FROM Account GROUP BY ROLLUP(Industry)",
			[]string{`<sf:Industry xsi:type="xsd:string">Energy</sf:Industry><sf:expr0 xsi:type="xsd:int">2</sf:expr0><sf:g xsi:type="xsd:int">0</sf:g>`,
				agg + `<sf:Industry xsi:nil="true"/><sf:expr0 xsi:type="xsd:int">3</sf:expr0><sf:g xsi:type="xsd:int">1</sf:g></records><size>3</size>`}, "", "", ""},
		{"cube", docCube, "SELECT Industry, Rating, COUNT(Id) FROM Account GROUP BY CUBE(Industry, Rating)",
			[]string{agg + `<sf:Industry xsi:nil="true"/><sf:Rating xsi:nil="true"/><sf:expr0 xsi:type="xsd:int">3</sf:expr0></records><size>8</size>`}, "", "", ""}, // 3 pairs + 2 industries + 2 ratings + the total
		{"field neither grouped nor aggregated", docGroupBy, "SELECT Name, COUNT(Id) FROM Account GROUP BY Industry",
			nil, "sf:MALFORMED_QUERY", "MalformedQueryFault", "Field must be grouped or aggregated: Name"},
		{"SUM of a text field", docAggregates, "SELECT SUM(Name) FROM Account",
			nil, "sf:MALFORMED_QUERY", "MalformedQueryFault", "does not support aggregate operator SUM"},
		{"alias on a plain field outside GROUP BY", docAlias, "SELECT Name n FROM Account",
			nil, "sf:MALFORMED_QUERY", "MalformedQueryFault", "unexpected token: 'n'"},
		{"offset", docOffset, "SELECT Name FROM Account ORDER BY Name LIMIT 1 OFFSET 1",
			[]string{`<sf:Name>A2</sf:Name></records><size>1</size>`}, "", "", ""},
		{"offset over 2000", docOffset, "SELECT Name FROM Account OFFSET 2001",
			nil, "sf:NUMBER_OUTSIDE_VALID_RANGE", "UnexpectedErrorFault", "Maximum SOQL offset allowed is 2000"},
		{"toLabel", docToLabel, "SELECT toLabel(Rating) FROM Account WHERE Name = 'A1'",
			[]string{`<sf:Rating>Hot</sf:Rating>`}, "", "", ""},
		{"FORMAT with alias", docFormat, "SELECT AnnualRevenue, FORMAT(AnnualRevenue) rev FROM Account WHERE Name = 'A1'",
			[]string{`<sf:AnnualRevenue>1250000.0</sf:AnnualRevenue><sf:rev>$1,250,000</sf:rev>`}, "", "", ""},
		{"FORMAT of an aggregate", docFormat, "SELECT FORMAT(MAX(AnnualRevenue)) m FROM Account",
			[]string{agg + `<sf:m xsi:type="xsd:string">$1,250,000</sf:m>`}, "", "", ""},
		{"convertCurrency in a single-currency org", docConvert, "SELECT convertCurrency(AnnualRevenue) FROM Account WHERE Name = 'A2'",
			[]string{`<sf:AnnualRevenue>750000.0</sf:AnnualRevenue>`}, "", "", ""},
		{"FOR VIEW", docForView, "SELECT Name FROM Account WHERE Name = 'A1' FOR VIEW", []string{`<size>1</size>`}, "", "", ""},
		{"FOR REFERENCE", docForView, "SELECT Name FROM Account WHERE Name = 'A1' FOR REFERENCE", []string{`<size>1</size>`}, "", "", ""},
		{"FOR UPDATE", docForUpdate, "SELECT Name FROM Account WHERE Name = 'A1' FOR UPDATE", []string{`<size>1</size>`}, "", "", ""},
		{"FOR UPDATE with ORDER BY", docForUpdate, "SELECT Name FROM Account ORDER BY Name FOR UPDATE",
			nil, "sf:MALFORMED_QUERY", "MalformedQueryFault", "FOR UPDATE"},
		{"WITH SECURITY_ENFORCED", docSelect, "SELECT Name FROM Account WHERE Name = 'A1' WITH SECURITY_ENFORCED", []string{`<size>1</size>`}, "", "", ""},
		{"WITH USER_MODE", docSelect, "SELECT Name FROM Account WITH USER_MODE ORDER BY Name LIMIT 1", []string{`<sf:Name>A1</sf:Name>`}, "", "", ""},
		{"WITH SYSTEM_MODE", docSelect, "SELECT COUNT() FROM Account WITH SYSTEM_MODE", []string{`<size>3</size>`}, "", "", ""},
		{"polymorphic Owner is the Name entity", docNameObject, "SELECT Owner.Type, Owner.Name, Owner.Alias FROM Case",
			[]string{`<sf:Owner xsi:type="sf:sObject"><sf:type>Name</sf:type><sf:Id xsi:nil="true"/><sf:Type>User</sf:Type><sf:Name>`}, "", "", ""},
		{"Owner on Account is User only (real describe: referenceTo [User])", docPolymorph, "SELECT Owner.Type FROM Account",
			nil, "sf:INVALID_FIELD", "InvalidFieldFault", "No such column 'Type' on entity 'User'"},
		{"Name entity field outside the Name object", docNameObject, "SELECT Owner.CompanyName FROM Case",
			nil, "sf:INVALID_FIELD", "InvalidFieldFault", "No such column 'CompanyName' on entity 'Name'"},
		{"TYPEOF picks the real type's fields", docTypeOf, "SELECT Subject, TYPEOF Owner WHEN User THEN Alias, Username WHEN Group THEN Email ELSE Name END FROM Case",
			[]string{`<sf:Owner xsi:type="sf:sObject"><sf:type>User</sf:type><sf:Id xsi:nil="true"/><sf:Alias>`, `<sf:Username>admin@sfsim.local</sf:Username></sf:Owner>`}, "", "", ""},
		{"TYPEOF WHEN a type the relationship cannot point to", docTypeOf, "SELECT TYPEOF Owner WHEN Account THEN Name END FROM Case",
			nil, "sf:INVALID_TYPE", "InvalidSObjectFault", "sObject type 'Account' is not supported."},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			env := envelope(s.sid, "", "query", "<urn:queryString>"+xmlEscape(row.query)+"</urn:queryString>")
			r := s.post(s.version, env, "soql-forms/"+row.name, nil)
			if row.fault != "" {
				if msg := r.fault(row.fault, row.detail); !strings.Contains(msg, row.msg) {
					t.Errorf("%s (%s): faultstring %q lacks %q", row.query, row.doc, msg, row.msg)
				}
				return
			}
			r.ok()
			rest := string(r.raw)
			for _, w := range row.want {
				i := strings.Index(rest, w)
				if i < 0 {
					t.Fatalf("%s (%s): answer lacks (in order) %s\n%s", row.query, row.doc, w, r.raw)
				}
				rest = rest[i+len(w):]
			}
		})
	}
}

// TestAggregateQueryIsNeverPaged: more groups than the batch size is
// Salesforce's EXCEEDED_ID_LIMIT, not a locator ("In SOAP API, queries that
// include a GROUP BY clause can't use the queryMore() call", docGroupCons;
// wording from restforce/restforce#726).
func TestAggregateQueryIsNeverPaged(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	s.accounts(201)
	opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	msg := s.do("query", opts, "<urn:queryString>SELECT Name, COUNT(Id) FROM Account GROUP BY Name</urn:queryString>").
		fault("sf:EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
	if msg != "EXCEEDED_ID_LIMIT: Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch" {
		t.Errorf("faultstring %q", msg)
	}
	r := s.do("query", opts, "<urn:queryString>SELECT Name, COUNT(Id) FROM Account GROUP BY Name LIMIT 200</urn:queryString>").ok()
	if got := r.text("Body", "queryResponse", "result", "done"); got != "true" {
		t.Errorf("done %q with LIMIT 200", got)
	}
}

// TestChildSubqueryPaging: 1 Account with 1,000 Contacts. The child
// QueryResult carries childBatch rows, done=false, its own locator and
// size 1000; following the child locator with queryMore reads the rest,
// and /_sim/stats counts those calls apart.
func TestChildSubqueryPaging(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	acct := s.create(sobj("Account", "Name", "Parent"))[0]
	for start := 0; start < 1000; start += 200 {
		var recs []string
		for i := start; i < start+200; i++ {
			recs = append(recs, sobj("Contact", "LastName", fmt.Sprintf("C%04d", i), "AccountId", acct))
		}
		s.create(recs...)
	}
	opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	r := s.do("query", opts, "<urn:queryString>SELECT Id, (SELECT Id FROM Contacts) FROM Account WHERE Id = '"+acct+"'</urn:queryString>").ok()
	kids := r.find("Body", "queryResponse", "result", "records", "Contacts")
	if kids == nil || kids.child("done").text != "false" || kids.child("size").text != "1000" || len(kids.all("records")) != childBatch {
		t.Fatalf("child set not paged:\n%.2000s", r.raw)
	}
	seen := map[string]bool{}
	for _, k := range kids.all("records") {
		seen[k.child("Id").text] = true
	}
	loc := kids.child("queryLocator").text
	for calls := 0; loc != ""; calls++ {
		if calls > 10 {
			t.Fatal("child locators never end")
		}
		m := s.do("queryMore", opts, "<urn:queryLocator>"+loc+"</urn:queryLocator>").ok()
		res := m.find("Body", "queryMoreResponse", "result")
		for _, k := range res.all("records") {
			seen[k.child("Id").text] = true
		}
		loc, _ = res.value("queryLocator")
	}
	if len(seen) != 1000 {
		t.Errorf("read %d distinct contacts, want 1000", len(seen))
	}
	_, body := s.control("GET", "/_sim/stats", "")
	var st struct{ Calls map[string]int }
	if err := json.Unmarshal([]byte(body), &st); err != nil {
		t.Fatal(err)
	}
	if st.Calls[statChildQueryMore] != 4 || st.Calls["queryMore"] != 4 {
		t.Errorf("stats %s: want 4 child queryMore calls", body)
	}
}

// TestChildLocatorDiesWithParentQueryMore: "A queryMore() call on a parent
// object invalidates all child cursors in the previous result set" (SOAP
// API Developer Guide, QueryLocator). Child rows count toward the batch, so
// with batchSize 200 each page holds one parent with its 200 children.
func TestChildLocatorDiesWithParentQueryMore(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	for a := range 2 {
		acct := s.create(sobj("Account", "Name", fmt.Sprintf("P%d", a)))[0]
		var recs []string
		for i := range 200 {
			recs = append(recs, sobj("Contact", "LastName", fmt.Sprintf("C%d", i), "AccountId", acct))
		}
		s.create(recs...)
		s.create(sobj("Contact", "LastName", "Extra", "AccountId", acct))
	}
	opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	query := "<urn:queryString>SELECT Name, (SELECT LastName FROM Contacts) FROM Account ORDER BY Name</urn:queryString>"
	first := s.do("query", opts, query).ok().find("Body", "queryResponse", "result")
	if n := len(first.all("records")); n != 1 || first.child("size").text != "2" {
		t.Fatalf("page holds %d parents, want 1 (child rows count toward the batch)", n)
	}
	child := first.child("records").child("Contacts").child("queryLocator").text
	parent := first.child("queryLocator").text
	// Before the parent moves on, the child locator works (and can be reused).
	s.do("queryMore", opts, "<urn:queryLocator>"+child+"</urn:queryLocator>").ok()
	s.do("queryMore", opts, "<urn:queryLocator>"+parent+"</urn:queryLocator>").ok()
	s.do("queryMore", opts, "<urn:queryLocator>"+child+"</urn:queryLocator>").fault("sf:INVALID_QUERY_LOCATOR", "InvalidQueryLocatorFault")
}
