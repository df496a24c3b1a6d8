package soql

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// now is the fixed clock: Monday 30 November 2026, noon UTC. The week
// (en_US) started on Sunday 29 November.
var now = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

// render flattens a result into a compact text the tables can state:
// rows separated by " | ", items "Name=value", parents "(Type …)", children
// "[row; row]", compounds "{k=v …}".
func render(res *Result) string {
	if res.Count {
		return "count=" + itoa(res.Size)
	}
	parts := make([]string, len(res.Rows))
	for i, r := range res.Rows {
		parts[i] = renderRow(r)
	}
	return strings.Join(parts, " | ")
}

func renderRow(r *Row) string {
	var b strings.Builder
	for i, it := range r.Items {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(it.Name + "=")
		switch {
		case it.Null:
			b.WriteString("null")
		case it.Kind == ItemParent:
			b.WriteString("(" + it.Parent.Type + " " + renderRow(it.Parent) + ")")
		case it.Kind == ItemChildren:
			kids := make([]string, len(it.Children.Rows))
			for j, k := range it.Children.Rows {
				kids[j] = renderRow(k)
			}
			b.WriteString("[" + strings.Join(kids, "; ") + "]")
		case it.Kind == ItemCompound:
			b.WriteString("{" + it.Compound.Type)
			for _, f := range it.Compound.Fields {
				if !f.Null {
					b.WriteString(" " + f.Name + ":" + f.Value)
				}
			}
			b.WriteString("}")
		default:
			b.WriteString(it.Value)
		}
	}
	return b.String()
}

// queryCase is a query of TestQuery and its rendered answer.
type queryCase struct {
	name    string
	soql    string
	deleted bool
	zone    string // the user's time zone (Options.Location); "" for UTC
	want    string
}

// queryCases are TestQuery's queries over newMemSource's records.
var queryCases = []queryCase{
	// Field lists, names and shapes.
	{"describe case for fields", "select name, INDUSTRY from ACCOUNT where name = 'acme'", false, "", "Name=Acme Industry=Energy"},
	{"null scalar", "SELECT Name, Industry FROM Account WHERE Name = 'Deep Six'", false, "", "Name=Deep Six Industry=null"},
	{"alias prefix", "SELECT a.Name FROM Account a WHERE a.Industry = 'Energy'", false, "", "Name=Acme"},
	{"object name prefix", "SELECT Account.Name FROM Account WHERE Account.Name = 'Acme'", false, "", "Name=Acme"},
	{"parent path", "SELECT Name, Account.Name FROM Contact WHERE LastName = 'Able'", false, "", "Name=Ann Able Account=(Account Name=Acme)"},
	{"empty lookup is null", "SELECT Name, Account.Name FROM Contact WHERE LastName = 'Lonely'", false, "", "Name=Lonely Account=null"},
	{"fields of one parent share a row", "SELECT Account.Name, Id, Account.Industry FROM Contact WHERE LastName = 'Able'", false, "",
		"Account=(Account Name=Acme Industry=Energy) Id=003000000000001AAA"},
	{"four levels", "SELECT Account.Owner.Manager.Manager.Name FROM Contact WHERE LastName = 'Able'", false, "",
		"Account=(Account Owner=(User Manager=(User Manager=(User Name=Victor Two))))"},
	{"five levels", "SELECT Parent.Parent.Parent.Parent.Owner.Name FROM Account WHERE Name = 'Deep Six'", false, "",
		"Parent=(Account Parent=(Account Parent=(Account Parent=(Account Owner=(User Name=Xavier Four)))))"},
	{"null in the middle of a path", "SELECT Name, Parent.Owner.Name FROM Account WHERE Name = 'Acme'", false, "", "Name=Acme Parent=null"},
	{"polymorphic lookup", "SELECT Subject, Who.Name FROM Task", false, "", "Subject=Call Who=(Name Name=Ann Able)"},
	{"polymorphic Type", "SELECT Who.Type, Who.Name FROM Task", false, "", "Who=(Name Type=Contact Name=Ann Able)"},
	{"compound address", "SELECT Name, BillingAddress FROM Account WHERE Name IN ('Acme', 'globex') ORDER BY Name", false, "",
		"Name=Acme BillingAddress={address latitude:39.78 city:Springfield country:US street:1 Main St} | Name=globex BillingAddress=null"},

	{"compound location", "SELECT Site__c FROM Account WHERE Name IN ('Acme', 'globex') ORDER BY Name", false, "",
		"Site__c={location latitude:-33.5 longitude:151.25} | Site__c=null"},
	{"duplicate child subquery name in another case is still one relationship", "SELECT (SELECT Id FROM contacts) FROM Account WHERE Name = 'globex'", false, "", "Contacts=null"},

	// Child subqueries.
	{"child subquery", "SELECT Name, (SELECT LastName FROM Contacts ORDER BY LastName DESC) FROM Account WHERE Name = 'Acme'", false, "",
		"Name=Acme Contacts=[LastName=Baker; LastName=Able]"},
	{"child subquery sees deleted rows in queryAll", "SELECT (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account WHERE Name = 'Acme'", true, "",
		"Contacts=[LastName=Able; LastName=Baker; LastName=Gone]"},
	{"empty child subquery is null", "SELECT Name, (SELECT Id FROM Contacts) FROM Account WHERE Name = 'globex'", false, "", "Name=globex Contacts=null"},
	{"child subquery filter and limit", "SELECT (SELECT FirstName FROM Contacts WHERE Email LIKE '%acme%' ORDER BY FirstName DESC LIMIT 1) FROM Account WHERE Name = 'Acme'", false, "",
		"Contacts=[FirstName=Bob]"},
	{"child subquery with parent path", "SELECT Name, (SELECT Name, Owner.Name FROM ChildAccounts) FROM Account WHERE Name = 'Acme'", false, "",
		"Name=Acme ChildAccounts=[Name=globex Owner=(User Name=Wanda Three)]"},
	{"nested child subqueries", "SELECT Name, (SELECT Name, (SELECT LastName FROM Contacts) FROM ChildAccounts) FROM Account WHERE Name LIKE 'O%'", false, "",
		"Name=O'Brien & Co\\ ChildAccounts=[Name=Deep Six Contacts=[LastName=Deep]]"},

	// Comparison operators and SOQL's null rules.
	{"= ignores case", "SELECT Name FROM Account WHERE Name = 'ACME'", false, "", "Name=Acme"},
	{"!= keeps nulls", "SELECT Name FROM Account WHERE Industry != 'Energy'", false, "",
		"Name=globex | Name=Initech 50%_off | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"<> is !=", "SELECT Name FROM Account WHERE Industry <> 'Energy' AND Industry != null", false, "", "Name=globex | Name=O'Brien & Co\\"},
	{"= null", "SELECT Name FROM Account WHERE Industry = null", false, "", "Name=Initech 50%_off | Name=Deep Six"},
	{"= '' is null", "SELECT Name FROM Account WHERE Industry = ''", false, "", "Name=Initech 50%_off | Name=Deep Six"},
	{"!= null", "SELECT Name FROM Account WHERE Industry != null", false, "", "Name=Acme | Name=globex | Name=O'Brien & Co\\"},
	{"decimal equality without float rounding", "SELECT Name FROM Account WHERE AnnualRevenue = 1000000.1", false, "", "Name=Acme | Name=globex"},
	{"decimal >", "SELECT Name FROM Account WHERE AnnualRevenue > 0.29999999999999999", false, "", "Name=Acme | Name=globex | Name=Initech 50%_off"},
	{"decimal > excludes equal", "SELECT Name FROM Account WHERE AnnualRevenue > 0.3", false, "", "Name=Acme | Name=globex"},
	{"integer >=", "SELECT Name FROM Account WHERE NumberOfEmployees >= 90", false, "", "Name=Acme | Name=globex"},
	{"< skips nulls", "SELECT Name FROM Account WHERE NumberOfEmployees < 100", false, "", "Name=globex | Name=O'Brien & Co\\"},
	{"<= negative literal", "SELECT Name FROM Account WHERE NumberOfEmployees <= -1", false, "", ""},
	{"string < ignores case", "SELECT Name FROM Account WHERE Name < 'B' ORDER BY Name", false, "", "Name=Acme"},
	{"boolean true", "SELECT Name FROM Account WHERE Active__c = TRUE", false, "", "Name=Acme | Name=Initech 50%_off"},
	{"boolean false includes unset", "SELECT Name FROM Account WHERE Active__c = false", false, "", "Name=globex | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"boolean = null is = false", "SELECT Name FROM Account WHERE Active__c = null", false, "", "Name=globex | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"boolean != null is = true", "SELECT Name FROM Account WHERE Active__c != null", false, "", "Name=Acme | Name=Initech 50%_off"},
	{"boolean on a missing parent is false", "SELECT Name FROM Account WHERE Parent.Active__c = false AND Name LIKE 'A%'", false, "", "Name=Acme"},
	{"unset boolean selects as false", "SELECT Active__c FROM Account WHERE Name = 'Deep Six'", false, "", "Active__c=false"},
	{"15-character id", "SELECT Name FROM Account WHERE Id = '001000000000001'", false, "", "Name=Acme"},
	{"18-character id in any case", "SELECT Name FROM Account WHERE Id = '001000000000001aaa'", false, "", "Name=Acme"},
	{"reference field", "SELECT Name FROM Contact WHERE AccountId = '001000000000001AAA' ORDER BY Name", false, "", "Name=Ann Able | Name=Bob Baker"},
	{"escaped quote and backslash", `SELECT Name FROM Account WHERE Name = 'O\'Brien & Co\\'`, false, "", "Name=O'Brien & Co\\"},

	// LIKE.
	{"LIKE prefix, any case", "SELECT Name FROM Account WHERE Name LIKE 'GL%'", false, "", "Name=globex"},
	{"LIKE single character", "SELECT Name FROM Account WHERE Name LIKE '_cme'", false, "", "Name=Acme"},
	{"LIKE escaped % and _", `SELECT Name FROM Account WHERE Name LIKE '%50\%\_off'`, false, "", "Name=Initech 50%_off"},
	{"LIKE escaped % is literal", `SELECT Name FROM Account WHERE Name LIKE '%5\%'`, false, "", ""},
	{"LIKE middle wildcard", "SELECT Name FROM Account WHERE Name LIKE 'I%off'", false, "", "Name=Initech 50%_off"},
	{"NOT LIKE via NOT", "SELECT Name FROM Account WHERE NOT Name LIKE '%c%'", false, "", "Name=globex | Name=Deep Six"},

	// IN, NOT IN, semi-joins.
	{"IN", "SELECT Name FROM Account WHERE Name IN ('acme', 'Deep Six')", false, "", "Name=Acme | Name=Deep Six"},
	{"IN with null", "SELECT Name FROM Account WHERE Industry IN ('Energy', null)", false, "", "Name=Acme | Name=Initech 50%_off | Name=Deep Six"},
	{"NOT IN keeps nulls", "SELECT Name FROM Account WHERE Industry NOT IN ('Energy', 'Banking')", false, "",
		"Name=Initech 50%_off | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"IN ids", "SELECT Name FROM Account WHERE Id IN ('001000000000002AAA', '001000000000003')", false, "", "Name=globex | Name=Initech 50%_off"},
	{"semi-join", "SELECT Name FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%acme%')", false, "", "Name=Acme"},
	{"anti-join", "SELECT Name FROM Account WHERE Id NOT IN (SELECT AccountId FROM Contact)", false, "",
		"Name=globex | Name=Initech 50%_off | Name=O'Brien & Co\\"},

	// Multipicklists.
	{"INCLUDES with ; means all of", "SELECT Name FROM Account WHERE Tags__c INCLUDES ('gold;partner')", false, "", "Name=Acme"},
	{"INCLUDES list means any of", "SELECT Name FROM Account WHERE Tags__c INCLUDES ('Silver', 'Partner')", false, "",
		"Name=Acme | Name=globex | Name=Initech 50%_off"},
	{"EXCLUDES", "SELECT Name FROM Account WHERE Tags__c EXCLUDES ('Gold')", false, "", "Name=globex | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"multipicklist = ignores order", "SELECT Name FROM Account WHERE Tags__c = 'Partner;Gold'", false, "", "Name=Acme"},

	// AND, OR, NOT, parentheses.
	{"NOT over OR", "SELECT Name FROM Account WHERE NOT (Industry = 'Energy' OR Industry = 'Banking')", false, "",
		"Name=Initech 50%_off | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"OR in parentheses under AND", "SELECT Name FROM Account WHERE (Industry = 'Energy' OR Industry = 'Retail') AND NumberOfEmployees > 10", false, "", "Name=Acme"},
	{"AND chain", "SELECT Name FROM Account WHERE Industry != null AND NumberOfEmployees > 10 AND Active__c = true", false, "", "Name=Acme"},
	{"filter on parent paths", "SELECT Name FROM Account WHERE Owner.Manager.Name = 'Wanda Three'", false, "",
		"Name=Acme | Name=Initech 50%_off | Name=Deep Six"},
	{"filter on grandparent", "SELECT Name FROM Account WHERE Parent.Parent.Name = 'Acme'", false, "", "Name=Initech 50%_off"},

	// Dates, with the fixed clock.
	{"TODAY on dateTime", "SELECT Name FROM Account WHERE CreatedDate = TODAY", false, "", "Name=Acme"},
	{"YESTERDAY on dateTime", "SELECT Name FROM Account WHERE CreatedDate = YESTERDAY", false, "", "Name=globex"},
	{"TODAY in the user's zone", "SELECT Name FROM Account WHERE CreatedDate = TODAY", false, "America/Los_Angeles", "Name=Acme"},
	{"YESTERDAY in the user's zone", "SELECT Name FROM Account WHERE CreatedDate = YESTERDAY", false, "America/Los_Angeles", "Name=globex"},
	{"THIS_WEEK starts Sunday", "SELECT Name FROM Account WHERE CreatedDate = THIS_WEEK", false, "", "Name=Acme | Name=globex | Name=Deep Six"},
	{"LAST_WEEK", "SELECT Name FROM Account WHERE CreatedDate = LAST_WEEK", false, "", "Name=O'Brien & Co\\"},
	{"LAST_N_DAYS includes today", "SELECT Name FROM Account WHERE CreatedDate = LAST_N_DAYS:2", false, "",
		"Name=Acme | Name=globex | Name=O'Brien & Co\\"},
	{"NEXT_N_DAYS starts tomorrow", "SELECT Name FROM Account WHERE CreatedDate = NEXT_N_DAYS:1", false, "", "Name=Deep Six"},
	{"THIS_MONTH", "SELECT Name FROM Account WHERE CreatedDate = THIS_MONTH", false, "", "Name=Acme | Name=globex | Name=O'Brien & Co\\"},
	{"NEXT_MONTH", "SELECT Name FROM Account WHERE CreatedDate = NEXT_MONTH", false, "", "Name=Deep Six"},
	{"THIS_QUARTER", "SELECT Name FROM Account WHERE CreatedDate = THIS_QUARTER", false, "",
		"Name=Acme | Name=globex | Name=O'Brien & Co\\ | Name=Deep Six"},
	{"LAST_YEAR", "SELECT Name FROM Account WHERE CreatedDate = LAST_YEAR", false, "", "Name=Initech 50%_off"},
	{"LAST_90_DAYS", "SELECT Name FROM Account WHERE CreatedDate = LAST_90_DAYS", false, "", "Name=Acme | Name=globex | Name=O'Brien & Co\\"},
	{"< before the range", "SELECT Name FROM Account WHERE CreatedDate < THIS_MONTH", false, "", "Name=Initech 50%_off"},
	{"> after the range", "SELECT Name FROM Account WHERE CreatedDate > TODAY", false, "", "Name=Deep Six"},
	{">= from the range start", "SELECT Name FROM Account WHERE CreatedDate >= TODAY", false, "", "Name=Acme | Name=Deep Six"},
	{"<= to the range end", "SELECT Name FROM Account WHERE CreatedDate <= YESTERDAY AND CreatedDate > LAST_N_DAYS:1", false, "", ""},
	{"!= range", "SELECT Name FROM Account WHERE CreatedDate != THIS_YEAR", false, "", "Name=Initech 50%_off"},
	{"date field TOMORROW", "SELECT Name FROM Account WHERE SLAExpirationDate__c = TOMORROW", false, "", "Name=Acme"},
	{"date field LAST_N_MONTHS", "SELECT Name FROM Account WHERE SLAExpirationDate__c = LAST_N_MONTHS:2", false, "", "Name=globex"},
	{"N_DAYS_AGO", "SELECT Name FROM Account WHERE CreatedDate = N_DAYS_AGO:2", false, "", "Name=O'Brien & Co\\"},
	{"date literal value", "SELECT Name FROM Account WHERE SLAExpirationDate__c >= 2026-11-01", false, "", "Name=Acme"},
	{"dateTime literal Z", "SELECT Name FROM Account WHERE CreatedDate > 2026-11-29T23:00:00Z", false, "", "Name=Acme | Name=globex | Name=Deep Six"},
	{"dateTime literal with offset", "SELECT Name FROM Account WHERE CreatedDate >= 2026-11-30T09:00:00+01:00", false, "", "Name=Acme | Name=Deep Six"},
	{"dateTime literal with millis", "SELECT Name FROM Account WHERE CreatedDate = 2026-11-30T08:00:00.000Z", false, "", "Name=Acme"},

	// ORDER BY, LIMIT, OFFSET.
	{"order ignores case", "SELECT Name FROM Account ORDER BY Name", false, "",
		"Name=Acme | Name=Deep Six | Name=globex | Name=Initech 50%_off | Name=O'Brien & Co\\"},
	{"ASC puts nulls first", "SELECT Name FROM Account ORDER BY Industry", false, "",
		"Name=Initech 50%_off | Name=Deep Six | Name=globex | Name=Acme | Name=O'Brien & Co\\"},
	{"DESC puts nulls last", "SELECT Name FROM Account ORDER BY Industry DESC", false, "",
		"Name=O'Brien & Co\\ | Name=Acme | Name=globex | Name=Initech 50%_off | Name=Deep Six"},
	{"NULLS LAST and a second key", "SELECT Name FROM Account ORDER BY Industry ASC NULLS LAST, Name DESC", false, "",
		"Name=globex | Name=Acme | Name=O'Brien & Co\\ | Name=Initech 50%_off | Name=Deep Six"},
	{"DESC NULLS FIRST", "SELECT Name FROM Account ORDER BY NumberOfEmployees DESC NULLS FIRST", false, "",
		"Name=Initech 50%_off | Name=Deep Six | Name=Acme | Name=globex | Name=O'Brien & Co\\"},
	{"picklists order as defined, not alphabetically", "SELECT Name FROM Account ORDER BY Rating", false, "",
		"Name=O'Brien & Co\\ | Name=Deep Six | Name=Acme | Name=Initech 50%_off | Name=globex"},
	{"picklist order DESC", "SELECT Name FROM Account WHERE Rating != null ORDER BY Rating DESC", false, "",
		"Name=globex | Name=Initech 50%_off | Name=Acme"},
	{"numbers order as decimals", "SELECT Name FROM Account WHERE AnnualRevenue != null ORDER BY AnnualRevenue DESC, Name", false, "",
		"Name=Acme | Name=globex | Name=Initech 50%_off"},
	{"order by parent path", "SELECT Name FROM Account ORDER BY Owner.Name, Name", false, "",
		"Name=O'Brien & Co\\ | Name=globex | Name=Acme | Name=Deep Six | Name=Initech 50%_off"},
	{"order by date", "SELECT Name FROM Account WHERE SLAExpirationDate__c != null ORDER BY SLAExpirationDate__c", false, "", "Name=globex | Name=Acme"},
	{"order by boolean then id", "SELECT Name FROM Account ORDER BY Active__c DESC, Id DESC", false, "",
		"Name=Initech 50%_off | Name=Acme | Name=Deep Six | Name=O'Brien & Co\\ | Name=globex"},
	{"order by dateTime with LIMIT", "SELECT Name FROM Account ORDER BY CreatedDate DESC LIMIT 2", false, "", "Name=Deep Six | Name=Acme"},
	{"LIMIT and OFFSET", "SELECT Name FROM Account ORDER BY Name LIMIT 2 OFFSET 1", false, "", "Name=Deep Six | Name=globex"},
	{"OFFSET past the end", "SELECT Name FROM Account OFFSET 10", false, "", ""},
	{"LIMIT 0", "SELECT Name FROM Account LIMIT 0", false, "", ""},

	// COUNT and deleted rows.
	{"COUNT()", "SELECT COUNT() FROM Account", false, "", "count=5"},
	{"COUNT() with WHERE", "select count() from Account where Industry = 'Energy'", false, "", "count=1"},
	{"COUNT() in queryAll", "SELECT COUNT() FROM Account", true, "", "count=6"},
	{"COUNT() with LIMIT", "SELECT COUNT() FROM Account LIMIT 2", false, "", "count=2"},
	{"COUNT(field)", "SELECT COUNT(Industry) FROM Account", false, "", "expr0=3"},
	{"COUNT(field) alias", "SELECT COUNT(Id) total FROM Account", false, "", "total=5"},
	{"deleted rows hidden from query", "SELECT Name FROM Account WHERE IsDeleted = true", false, "", ""},
	{"deleted rows in queryAll", "SELECT Name FROM Account WHERE IsDeleted = true", true, "", "Name=Umbrella (deleted)"},
}

func TestQuery(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	for _, tt := range queryCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var loc *time.Location // nil: UTC
			if tt.zone != "" {
				var err error
				if loc, err = time.LoadLocation(tt.zone); err != nil {
					t.Fatal(err)
				}
			}
			res, err := Run(tt.soql, src, Options{IncludeDeleted: tt.deleted, Now: now, Location: loc})
			if err != nil {
				t.Fatalf("Run(%q): %v", tt.soql, err)
			}
			if got := render(res); got != tt.want {
				t.Errorf("Run(%q)\n got: %s\nwant: %s", tt.soql, got, tt.want)
			}
			if !res.Count && res.Size != len(res.Rows) {
				t.Errorf("Size %d with %d rows", res.Size, len(res.Rows))
			}
			// Deferred, the same query answers the same, page by page.
			lazy, err := Run(tt.soql, src, Options{IncludeDeleted: tt.deleted, Now: now, Location: loc, Defer: true})
			if err != nil {
				t.Fatalf("Run(%q) deferred: %v", tt.soql, err)
			}
			if got := renderPages(lazy, 2); got != tt.want {
				t.Errorf("Run(%q) deferred, pages of 2\n got: %s\nwant: %s", tt.soql, got, tt.want)
			}
			if lazy.Size != res.Size || lazy.Count != res.Count || lazy.Len() != len(res.Rows) {
				t.Errorf("deferred Size %d Count %v Len %d, want %d %v %d", lazy.Size, lazy.Count, lazy.Len(), res.Size, res.Count, len(res.Rows))
			}
		})
	}
}

// renderPages is render over a result read through Page, size rows at a
// time.
func renderPages(res *Result, size int) string {
	if res.Count {
		return "count=" + itoa(res.Size)
	}
	var parts []string
	for off := 0; off < res.Len(); off += size {
		for _, r := range res.Page(off, min(off+size, res.Len())) {
			parts = append(parts, renderRow(r))
		}
	}
	return strings.Join(parts, " | ")
}

// TestDeferredRowsAreBuiltPerPage: a deferred result keeps the records the
// query selected (later inserts stay out, Size holds), and builds each page
// on demand, with parent values as the source has them at that moment.
func TestDeferredRowsAreBuiltPerPage(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	const q = "SELECT Name, Owner.Name FROM Account WHERE OwnerId != null ORDER BY Name DESC"
	res, err := Run(q, src, Options{Now: now, Defer: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Rows != nil {
		t.Fatalf("deferred result built %d rows up front", len(res.Rows))
	}
	if res.Size != 4 || res.Len() != 4 {
		t.Fatalf("Size %d Len %d, want 4 and 4", res.Size, res.Len())
	}
	if got, want := renderPages(res, 3), "Name=Initech 50%_off Owner=(User Name=Xavier Four) | Name=globex Owner=(User Name=Wanda Three) | "+
		"Name=Deep Six Owner=(User Name=Xavier Four) | Name=Acme Owner=(User Name=Xavier Four)"; got != want {
		t.Fatalf("pages\n got: %s\nwant: %s", got, want)
	}
	// Writes replace records (stored maps are immutable) and add new ones.
	renamed := maps.Clone(src.recByID[canonID("005000000000004AAA")])
	renamed["Name"] = "Xavier Renamed"
	src.recByID[canonID("005000000000004AAA")] = renamed
	src.add("Account", meta.Record{"Id": "001000000000009AAA", "IsDeleted": "false", "Name": "Zeta", "OwnerId": "005000000000004AAA"})
	tests := []struct {
		off, end int
		want     string
	}{
		{0, 1, "Name=Initech 50%_off Owner=(User Name=Xavier Renamed)"},
		{1, 3, "Name=globex Owner=(User Name=Wanda Three) | Name=Deep Six Owner=(User Name=Xavier Renamed)"},
		{3, 4, "Name=Acme Owner=(User Name=Xavier Renamed)"},
		{4, 4, ""},
	}
	for _, tt := range tests {
		rows := res.Page(tt.off, tt.end)
		parts := make([]string, len(rows))
		for i, r := range rows {
			parts[i] = renderRow(r)
		}
		if got := strings.Join(parts, " | "); got != tt.want {
			t.Errorf("Page(%d, %d)\n got: %s\nwant: %s", tt.off, tt.end, got, tt.want)
		}
	}
	if res.Size != 4 || res.Len() != 4 {
		t.Errorf("after the insert Size %d Len %d, want 4 and 4", res.Size, res.Len())
	}
}

func TestRowShape(t *testing.T) {
	t.Parallel()
	res, err := Run("SELECT Name, Owner.Id, Owner.Name, (SELECT Id FROM Contacts) FROM Account WHERE Name = 'Acme'", newMemSource(), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	want := &Result{Size: 1, Rows: []*Row{{
		Type: "Account", ID: "001000000000001AAA", IDSelected: false,
		Items: []Item{
			{Kind: ItemScalar, Name: "Name", Value: "Acme"},
			{Kind: ItemParent, Name: "Owner", Parent: &Row{Type: "User", ID: "005000000000004AAA", IDSelected: true, Items: []Item{
				{Kind: ItemScalar, Name: "Id", Value: "005000000000004AAA"},
				{Kind: ItemScalar, Name: "Name", Value: "Xavier Four"},
			}}},
			{Kind: ItemChildren, Name: "Contacts", Children: &Result{Size: 2, Rows: []*Row{
				{Type: "Contact", ID: "003000000000001AAA", IDSelected: true, Items: []Item{{Kind: ItemScalar, Name: "Id", Value: "003000000000001AAA"}}},
				{Type: "Contact", ID: "003000000000002AAA", IDSelected: true, Items: []Item{{Kind: ItemScalar, Name: "Id", Value: "003000000000002AAA"}}},
			}}},
		},
	}}}
	if diff := cmp.Diff(want, res, cmp.AllowUnexported(Result{})); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
}

func TestCompoundFieldsInWSDLOrder(t *testing.T) {
	t.Parallel()
	res, err := Run("SELECT BillingAddress FROM Account WHERE Name = 'Acme'", newMemSource(), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Rows[0].Items[0].Compound
	var names []string
	for _, f := range c.Fields {
		names = append(names, f.Name)
	}
	want := []string{"latitude", "longitude", "city", "country", "countryCode", "geocodeAccuracy", "postalCode", "state", "stateCode", "street"}
	if c.Type != "address" || !cmp.Equal(names, want) {
		t.Errorf("compound %s %v, want address %v", c.Type, names, want)
	}
}

const (
	fieldHint = " If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
	typeHint  = " If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
	relHint   = " If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
)

// errorCase is a query TestErrors expects to fail, and its error.
type errorCase struct {
	name     string
	soql     string
	code     string
	message  string
	row, col int
}

// errorLongPrefix pads a query so that an error after it is far into its
// line (column 239): the echo shows only the window around the error.
var errorLongPrefix = "SELECT Id, Title, " + strings.Repeat("X", 196-len("SELECT Id, Title, ")-len(" FROM ")) + " FROM "

// errorCases are TestErrors' failing queries over newMemSource's records.
var errorCases = []errorCase{
	// Real Salesforce messages, verbatim (sources in docs/sfsim-soql.md).
	{"real: no such column", "select adfId, Name, Account.Name from Contact", CodeInvalidField,
		"\nselect adfId, Name, Account.Name from Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'adfId' on entity 'Contact'." + fieldHint, 1, 8},
	{"real: no such column, window stops after LIMIT", "SELECT Id, DepProbeField__c FROM Account LIMIT 10", CodeInvalidField,
		"\nSELECT Id, DepProbeField__c FROM Account LIMIT\n           ^\nERROR at Row:1:Column:12\nNo such column 'DepProbeField__c' on entity 'Account'." + fieldHint, 1, 12},
	{"real: unknown object", "SELECT Id, Name, AccountNumber FROM AccountOpps WHERE Name like 'okToDelete%'", CodeInvalidType,
		"\nSELECT Id, Name, AccountNumber FROM AccountOpps WHERE Name like 'okToDelete%'\n                                    ^\nERROR at Row:1:Column:37\nsObject type 'AccountOpps' is not supported." + typeHint, 1, 37},
	{"real: bad character", "select Id from Account where id = $sfid", CodeMalformedQuery,
		"\nselect Id from Account where id = $sfid\n                                 ^\nERROR at Row:1:Column:34\nline 1:34 no viable alternative at character '$'", 1, 34},
	{"real: stray quote far into a long line", errorLongPrefix + "ContentVersion WHERE ContentDocumentId = '''", CodeMalformedQuery,
		"\nContentVersion WHERE ContentDocumentId = '''\n" + strings.Repeat(" ", 42) + "^\nERROR at Row:1:Column:239\nunexpected token: '''", 1, 239},
	{"mixing AND and OR on a later row", "SELECT Id, Email, Name\nFROM Contact\nWHERE AccountId = '0014000000p6XlS' AND LastName LIKE 'test' OR email LIKE 'test'", CodeMalformedQuery,
		"\n'0014000000p6XlS' AND LastName LIKE 'test' OR email LIKE 'test'\n" + strings.Repeat(" ", 43) + "^\nERROR at Row:3:Column:62\nunexpected token: 'OR'", 3, 62},

	// Syntax.
	{"missing object", "SELECT Id FROM", CodeMalformedQuery, "\nSELECT Id FROM\n              ^\nERROR at Row:1:Column:15\nunexpected token: <EOF>", 1, 15},
	{"missing field list", "SELECT FROM Account", CodeMalformedQuery, "\nSELECT FROM Account\n       ^\nERROR at Row:1:Column:8\nunexpected token: 'FROM'", 1, 8},
	{"COUNT() with fields", "SELECT COUNT(), Name FROM Account", CodeMalformedQuery, "\nSELECT COUNT(), Name FROM Account\n              ^\nERROR at Row:1:Column:15\nunexpected token: ','", 1, 15},
	{"OR then AND", "SELECT Id FROM Account WHERE Name = 'a' OR Name = 'b' AND Name = 'c'", CodeMalformedQuery,
		"\nWHERE Name = 'a' OR Name = 'b' AND Name = 'c'\n" + strings.Repeat(" ", 31) + "^\nERROR at Row:1:Column:55\nunexpected token: 'AND'", 1, 55},
	{"bad escape", `SELECT Id FROM Account WHERE Name = 'a\q'`, CodeMalformedQuery,
		"\nSELECT Id FROM Account WHERE Name = 'a\\q'\n" + strings.Repeat(" ", 36) + "^\nERROR at Row:1:Column:37\nInvalid string literal 'a\\q'. Illegal character sequence '\\q' in string literal.", 1, 37},
	{"bind variable", "SELECT Id FROM Account WHERE Name = :name", CodeMalformedQuery,
		"\nSELECT Id FROM Account WHERE Name = :name\n" + strings.Repeat(" ", 36) + "^\nERROR at Row:1:Column:37\nBind variables only allowed in Apex code", 1, 37},
	{"bind variable list", "SELECT Id FROM Account WHERE Id IN :ids", CodeMalformedQuery,
		"\nSELECT Id FROM Account WHERE Id IN :ids\n" + strings.Repeat(" ", 35) + "^\nERROR at Row:1:Column:36\nBind variables only allowed in Apex code", 1, 36},
	{"trailing garbage", "SELECT Id FROM Account LIMIT 5 5", CodeMalformedQuery,
		"\nSELECT Id FROM Account LIMIT 5 5\n" + strings.Repeat(" ", 31) + "^\nERROR at Row:1:Column:32\nunexpected token: '5'", 1, 32},
	{"OFFSET over 2000", "SELECT Id FROM Account OFFSET 2001", CodeNumberOutsideRange,
		"Maximum SOQL offset allowed is 2000", 0, 0},

	// Schema.
	{"unknown field on parent", "SELECT Account.Nmae FROM Contact", CodeInvalidField,
		"\nSELECT Account.Nmae FROM Contact\n       ^\nERROR at Row:1:Column:8\nNo such column 'Nmae' on entity 'Account'." + fieldHint, 1, 8},
	{"unknown relationship", "SELECT Acount.Name FROM Contact", CodeInvalidField,
		"\nSELECT Acount.Name FROM Contact\n       ^\nERROR at Row:1:Column:8\nDidn't understand relationship 'Acount' in field path." + relHint, 1, 8},
	{"a field is not a relationship", "SELECT Id FROM Contact WHERE AccountId.Name = 'x'", CodeInvalidField,
		"\nSELECT Id FROM Contact WHERE AccountId.Name = 'x'\n" + strings.Repeat(" ", 29) + "^\nERROR at Row:1:Column:30\nDidn't understand relationship 'AccountId' in field path." + relHint, 1, 30},
	{"polymorphic lookup reads the Name entity", "SELECT Who.Foo FROM Task", CodeInvalidField,
		"\nSELECT Who.Foo FROM Task\n       ^\nERROR at Row:1:Column:8\nNo such column 'Foo' on entity 'Name'." + fieldHint, 1, 8},
	{"unknown child relationship", "SELECT (SELECT Id FROM Contactz) FROM Account", CodeInvalidType,
		"\nSELECT (SELECT Id FROM Contactz) FROM Account\n" + strings.Repeat(" ", 23) + "^\nERROR at Row:1:Column:24\nDidn't understand relationship 'Contactz' in FROM part of query call." + relHint, 1, 24},
	{"COUNT(field) with a plain field", "SELECT COUNT(Id), Name FROM Account", CodeMalformedQuery,
		"\nSELECT COUNT(Id), Name FROM Account\n" + strings.Repeat(" ", 18) + "^\nERROR at Row:1:Column:19\nField must be grouped or aggregated: Name", 1, 19},
	{"duplicate child subquery", "SELECT (SELECT Id FROM Contacts), (SELECT Id FROM contacts) FROM Account", CodeInvalidField,
		"duplicate field selected: Contacts", 0, 0},
	{"duplicate field (no position, as documented)", "SELECT Id, Name, name FROM Account", CodeInvalidField,
		"duplicate field selected: Name", 0, 0},
	{"six levels", "SELECT Parent.Parent.Parent.Parent.Parent.Owner.Name FROM Account", CodeMalformedQuery,
		"\nSELECT Parent.Parent.Parent.Parent.Parent.Owner.Name\n       ^\nERROR at Row:1:Column:8\nSOQL statements cannot query relationships that are more than 5 levels away from the root entity object.", 1, 8},
	{"not filterable", "SELECT Id FROM Account WHERE Description = 'x'", CodeInvalidField,
		"\nSELECT Id FROM Account WHERE Description = 'x'\n" + strings.Repeat(" ", 29) + "^\nERROR at Row:1:Column:30\nfield 'Description' can not be filtered in a query call", 1, 30},
	{"not sortable", "SELECT Id FROM Account ORDER BY Description", CodeInvalidField,
		"\nSELECT Id FROM Account ORDER BY Description\n" + strings.Repeat(" ", 32) + "^\nERROR at Row:1:Column:33\nfield 'Description' can not be sorted in a query call", 1, 33},

	// Literal types.
	{"quoted dateTime", "SELECT Id FROM Account WHERE CreatedDate > '2020-01-01'", CodeInvalidField,
		"\nFROM Account WHERE CreatedDate > '2020-01-01'\n" + strings.Repeat(" ", 33) + "^\nERROR at Row:1:Column:44\nvalue of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes", 1, 44},
	{"date for a dateTime field", "SELECT Id FROM Account WHERE CreatedDate > 2020-01-01", CodeInvalidField,
		"\nFROM Account WHERE CreatedDate > 2020-01-01\n" + strings.Repeat(" ", 33) + "^\nERROR at Row:1:Column:44\nvalue of filter criterion for field 'CreatedDate' must be of type dateTime and should not be enclosed in quotes", 1, 44},
	{"dateTime for a date field", "SELECT Id FROM Account WHERE SLAExpirationDate__c = 2020-01-01T00:00:00Z", CodeInvalidField,
		"\nAccount WHERE SLAExpirationDate__c = 2020-01-01T00:00:00Z\n" + strings.Repeat(" ", 37) + "^\nERROR at Row:1:Column:53\nvalue of filter criterion for field 'SLAExpirationDate__c' must be of type date and should not be enclosed in quotes", 1, 53},
	{"number for a string", "SELECT Id FROM Account WHERE Name = 5", CodeInvalidField,
		"\nSELECT Id FROM Account WHERE Name = 5\n" + strings.Repeat(" ", 36) + "^\nERROR at Row:1:Column:37\nvalue of filter criterion for field 'Name' must be of type string and should be enclosed in quotes", 1, 37},
	{"quoted number (currency)", "SELECT Id FROM Account WHERE AnnualRevenue = '5'", CodeMalformedQuery,
		"\nAccount WHERE AnnualRevenue = '5'\n" + strings.Repeat(" ", 30) + "^\nERROR at Row:1:Column:46\nvalue of filter criterion for field 'AnnualRevenue' must be of type double and should not be enclosed in quotes", 1, 46},
	{"quoted integer", "SELECT Id FROM Account WHERE NumberOfEmployees = '5'", CodeMalformedQuery,
		"\nAccount WHERE NumberOfEmployees = '5'\n" + strings.Repeat(" ", 34) + "^\nERROR at Row:1:Column:50\nvalue of filter criterion for field 'NumberOfEmployees' must be of type integer and should not be enclosed in quotes", 1, 50},
	{"quoted boolean", "SELECT Id FROM Account WHERE Active__c = 'true'", CodeInvalidField,
		"\nFROM Account WHERE Active__c = 'true'\n" + strings.Repeat(" ", 31) + "^\nERROR at Row:1:Column:42\nvalue of filter criterion for field 'Active__c' must be of type boolean and should not be enclosed in quotes", 1, 42},
	{"malformed id", "SELECT Id FROM Account WHERE Id = 'abc'", CodeInvalidFilterOp,
		"\nSELECT Id FROM Account WHERE Id = 'abc'\n" + strings.Repeat(" ", 34) + "^\nERROR at Row:1:Column:35\ninvalid ID field: abc", 1, 35},
	{"LIKE on an id", "SELECT Id FROM Account WHERE Id LIKE '001%'", CodeInvalidFilterOp,
		"\nSELECT Id FROM Account WHERE Id LIKE '001%'\n" + strings.Repeat(" ", 32) + "^\nERROR at Row:1:Column:33\ninvalid operator on id field", 1, 33},
	{"LIKE on a number", "SELECT Id FROM Account WHERE AnnualRevenue LIKE '1%'", CodeInvalidFilterOp,
		"\nFROM Account WHERE AnnualRevenue LIKE '1%'\n" + strings.Repeat(" ", 33) + "^\nERROR at Row:1:Column:44\ninvalid operator on double field", 1, 44},
	{"INCLUDES on a picklist", "SELECT Id FROM Account WHERE Industry INCLUDES ('a')", CodeInvalidFilterOp,
		"\nId FROM Account WHERE Industry INCLUDES ('a')\n" + strings.Repeat(" ", 31) + "^\nERROR at Row:1:Column:39\nincludes or excludes operator only valid on multipicklist field", 1, 39},
	{"semi-join on a non-id field", "SELECT Id FROM Account WHERE Id IN (SELECT Name FROM Contact)", CodeInvalidField,
		"\nFROM Account WHERE Id IN (SELECT Name FROM Contact)\n" + strings.Repeat(" ", 33) + "^\nERROR at Row:1:Column:44\nsemi join sub selects can only query id fields, cannot use: 'Name'", 1, 44},
}

func TestErrors(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	for _, tt := range errorCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Run(tt.soql, src, Options{Now: now})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("Run(%q) = %v, want *Error", tt.soql, err)
			}
			want := &Error{Code: tt.code, Message: tt.message, Row: tt.row, Column: tt.col}
			if diff := cmp.Diff(want, se); diff != "" {
				t.Errorf("Run(%q) error (-want +got):\n%s", tt.soql, diff)
			}
		})
	}
}

// TestEchoWindow checks the echo against a real message whose query we only
// know around the error: "…,CreatedById,OCE__ActualCap__c,TPI_Product__c,
// Name,OCE__JobId__c…" failing at column 114.
func TestEchoWindow(t *testing.T) {
	t.Parallel()
	before := "SELECT Id," + strings.Repeat("F__c,", 14)
	before += strings.Repeat("Y", 82-len(before)) + ","
	text := before + "CreatedById,OCE__ActualCap__c,TPI_Product__c,Name,OCE__JobId__c,Owner.Name FROM OCE__ActivityPlan__c"
	off := strings.Index(text, "TPI_Product__c")
	if off != 113 {
		t.Fatalf("fixture puts the token at %d", off)
	}
	got := errorAt(CodeInvalidField, text, off, "x").Message
	want := "\nCreatedById,OCE__ActualCap__c,TPI_Product__c,Name,OCE__JobId__c\n" + strings.Repeat(" ", 30) + "^\nERROR at Row:1:Column:114\nx"
	if got != want {
		t.Errorf("message\n got: %q\nwant: %q", got, want)
	}
}

func TestErrorFaultType(t *testing.T) {
	t.Parallel()
	if got := (&Error{Code: CodeInvalidField, Message: "\nx"}).Error(); got != "INVALID_FIELD: \nx" {
		t.Errorf("Error() = %q, want the faultstring form", got)
	}
	for code, want := range map[string]string{
		CodeMalformedQuery: "MalformedQueryFault", CodeInvalidField: "InvalidFieldFault", CodeInvalidType: "InvalidSObjectFault",
		CodeMalformedSearch: "MalformedSearchFault", CodeInvalidFilterOp: "UnexpectedErrorFault",
	} {
		if got := (&Error{Code: code}).FaultType(); got != want {
			t.Errorf("FaultType(%s) = %s, want %s", code, got, want)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	t.Parallel()
	for _, soql := range []string{
		"SELECT Name, Owner.Name, (SELECT Id FROM Contacts WHERE Email != null ORDER BY Name DESC NULLS LAST LIMIT 3) FROM Account a WHERE (Name LIKE 'a\\%%' OR Industry IN ('x', 'y')) AND NOT Tags__c INCLUDES ('a;b') AND CreatedDate = LAST_N_DAYS:5 ORDER BY Name ASC NULLS FIRST LIMIT 10 OFFSET 2",
		"SELECT COUNT() FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Active__c = true)",
		`SELECT Id FROM Account WHERE Name LIKE 'a\_b\%c\\d\'e' AND Name = 'x\%\ny'`,
	} {
		q, err := Parse(soql)
		if err != nil {
			t.Fatalf("Parse(%q): %v", soql, err)
		}
		q2, err := Parse(q.String())
		if err != nil {
			t.Fatalf("Parse(String()) of %q: %v", q.String(), err)
		}
		if q.String() != q2.String() {
			t.Errorf("round trip changed the query:\n%s\n%s", q.String(), q2.String())
		}
		if a, b := literals(q.Where), literals(q2.Where); !cmp.Equal(a, b) {
			t.Errorf("round trip changed the literals:\n%q\n%q", a, b)
		}
	}
}

// literals lists the decoded value and LIKE pattern of every literal.
func literals(e Expr) []string {
	var out []string
	switch e := e.(type) {
	case *AndExpr:
		for _, t := range e.Terms {
			out = append(out, literals(t)...)
		}
	case *OrExpr:
		for _, t := range e.Terms {
			out = append(out, literals(t)...)
		}
	case *NotExpr:
		out = literals(e.X)
	case *Cond:
		for _, v := range e.Values {
			out = append(out, v.Str+"|"+v.Pat+"|"+v.Text)
		}
		if e.Sub != nil {
			out = append(out, literals(e.Sub.Where)...)
		}
	}
	return out
}

func TestHandBuiltQueryFailsCleanly(t *testing.T) {
	t.Parallel()
	for _, q := range []*Query{
		{Select: []SelectItem{{Field: Name{Text: "Id"}}}, From: Name{Text: "Account"}, Where: &Cond{Field: Name{Text: "Name"}, Op: "="}},
		{Select: []SelectItem{{Field: Name{Text: "Id"}}}, From: Name{Text: "Account"},
			Where: &Cond{Field: Name{Text: "CreatedDate"}, Op: "=", Values: []Value{{Kind: ValDateLiteral, Text: "SOMEDAY"}}}},
	} {
		_, err := Execute(q, newMemSource(), Options{Now: now})
		var se *Error
		if !errors.As(err, &se) || se.Code != CodeMalformedQuery {
			t.Errorf("Execute(%s) = %v, want MALFORMED_QUERY", q, err)
		}
	}
}

func TestDeepNestingIsRefused(t *testing.T) {
	t.Parallel()
	soql := "SELECT Id FROM Account WHERE " + strings.Repeat("(", 5000) + "Name = 'x'" + strings.Repeat(")", 5000)
	_, err := Parse(soql)
	var se *Error
	if !errors.As(err, &se) || se.Code != "QUERY_TOO_COMPLICATED" {
		t.Fatalf("Parse of 5,000 nested parentheses = %v, want QUERY_TOO_COMPLICATED", err)
	}
	if _, err := Parse("SELECT Id FROM Account WHERE " + strings.Repeat("(", 100) + "Name = 'x'" + strings.Repeat(")", 100)); err != nil {
		t.Fatalf("100 nested parentheses: %v", err)
	}
}

func TestLikeMatch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pat, s string
		want   bool
	}{
		{"a%", "ABC", true}, {"%c", "abc", true}, {"a_c", "abc", true}, {"a_c", "abbc", false},
		{"%b%", "abc", true}, {"%", "", true}, {"_", "", false}, {`a\%`, "a%", true}, {`a\%`, "ab", false},
		{`a\_`, "a_", true}, {`a\_`, "ax", false}, {`a\\`, `a\`, true}, {"%a%a%", "banana", true}, {"É%", "école", true},
	}
	for _, tt := range tests {
		if got := likeMatch(tt.pat, tt.s); got != tt.want {
			t.Errorf("likeMatch(%q, %q) = %v, want %v", tt.pat, tt.s, got, tt.want)
		}
	}
}

func TestCanonID(t *testing.T) {
	t.Parallel()
	// 001A0000006Vm9r is a real-shaped id whose 18-character form is
	// 001A0000006Vm9rIAC; the suffix restores case however the rest is typed.
	for _, id := range []string{"001A0000006Vm9r", "001A0000006Vm9rIAC", "001a0000006vm9riac", "001A0000006VM9RIAC"} {
		if got := canonID(id); got != "001A0000006Vm9r" {
			t.Errorf("canonID(%q) = %q", id, got)
		}
	}
	if canonID("001a0000006vm9r") == "001A0000006Vm9r" {
		t.Error("15-character ids must stay case-sensitive")
	}
}
