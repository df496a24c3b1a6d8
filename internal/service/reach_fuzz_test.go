package service

import (
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim/soql"
)

// reachSeeds are statements of every form the analyzer reads, and the
// forms sfsim runs (docs/sfsim-soql.md): each must be read, not refused.
var reachSeeds = []string{
	"SELECT Id FROM Account",
	"SELECT Name, Owner.Name, (SELECT Id FROM Contacts WHERE Email != null LIMIT 2) FROM Account a WHERE a.Name LIKE 'x\\%%' ORDER BY Name DESC NULLS LAST LIMIT 5 OFFSET 1",
	"SELECT COUNT() FROM Contact WHERE AccountId IN (SELECT Id FROM Account) AND CreatedDate = LAST_N_DAYS:3",
	"SELECT Id FROM Account WHERE (Industry = 'a' OR Industry = null) AND NOT Tags__c INCLUDES ('a;b', 'c') AND AnnualRevenue >= -1.5e3",
	"SELECT Id FROM Account WHERE CreatedDate > 2020-01-01T00:00:00.123+05:30 AND SLAExpirationDate__c <= 2020-01-01",
	"SELECT Industry ind, COUNT(Id), SUM(AnnualRevenue) s, GROUPING(Industry) FROM Account WHERE Name != null WITH SECURITY_ENFORCED GROUP BY ROLLUP(Industry) HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC LIMIT 5",
	"SELECT FORMAT(MIN(CreatedDate)) m, COUNT_DISTINCT(Name) FROM Account GROUP BY CUBE(Name, Industry)",
	"SELECT toLabel(Industry), convertCurrency(AnnualRevenue), TYPEOF Who WHEN Contact THEN Name, Email ELSE Name END FROM Task FOR VIEW",
	"SELECT Id FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account WHERE Name = 'FROM User')",
	"SELECT Account.Owner.Manager.Name FROM Contact c WHERE c.Account.Name <> 'x' FOR UPDATE",
	"SELECT TYPEOF Owner WHEN User THEN Username WHEN Group THEN Name END FROM Case WHERE Owner.Type = 'User' WITH USER_MODE",
	"SELECT Id, (SELECT Id, (SELECT Subject FROM Cases) FROM Contacts) FROM Account WHERE Id IN ('001000000000001AAA')",
	"SELECT Id FROM Opportunity WHERE CloseDate = THIS_FISCAL_QUARTER AND Amount > USD5000",
	"FIND {Acme} IN NAME FIELDS RETURNING Account(Id, Name WHERE Industry != null ORDER BY Name LIMIT 2), Contact LIMIT 5",
}

// TestAnalyzerReadsSimForms: every seed is read (a refusal here would
// make a working integration fail once permissions are on), and names at
// least the objects sfsim's own parser finds in it.
func TestAnalyzerReadsSimForms(t *testing.T) {
	t.Parallel()
	for _, s := range reachSeeds {
		if strings.HasPrefix(s, "FIND") {
			if _, err := parseSOSL(s); err != nil {
				t.Errorf("%q: %v", s, err)
			}
			continue
		}
		q, err := parseSOQL(s)
		if err != nil {
			t.Errorf("%q: %v", s, err)
			continue
		}
		sq, err := soql.Parse(s)
		if err != nil {
			continue // a form sfsim does not run (currency literals)
		}
		if missing := missingObjects(simObjects(sq), q); len(missing) > 0 {
			t.Errorf("%q: the analyzer misses %v", s, missing)
		}
	}
}

// FuzzAnalyzeSOQL: the analyzer never panics; a statement sfsim's parser
// accepts is either refused or read with every object sfsim's parser
// names in it (FROM, child subqueries, semi-joins, TYPEOF types), never
// with fewer, and never with no object at all.
func FuzzAnalyzeSOQL(f *testing.F) {
	for _, s := range reachSeeds {
		f.Add(s)
	}
	for _, s := range []string{"", "SELECT", "SELECT Id FROM Account WHERE Name = '\\'", "FIND {a\\}b}", "SELECT Id FROM Account -- x"} {
		f.Add(s)
	}
	objs := reachObjects()
	f.Fuzz(func(t *testing.T, text string) {
		_ = analyzeSOQL(t.Context(), objs, newReach(), text)
		_ = analyzeSOSL(t.Context(), objs, newReach(), text)
		q, err := parseSOQL(text)
		sq, serr := soql.Parse(text)
		if err != nil || serr != nil {
			return
		}
		if q.from.text == "" {
			t.Fatalf("%q: read with no object", text)
		}
		if missing := missingObjects(simObjects(sq), q); len(missing) > 0 {
			t.Fatalf("%q: the analyzer misses %v that sfsim's parser finds", text, missing)
		}
	})
}

// simObjects lists the object and relationship names sfsim's parse of a
// statement reaches.
func simObjects(q *soql.Query) []string {
	out := []string{q.From.Text}
	for _, it := range q.Select {
		switch {
		case it.Sub != nil:
			out = append(out, simObjects(it.Sub)...)
		case it.TypeOf != nil:
			for _, w := range it.TypeOf.Whens {
				out = append(out, w.Type.Text)
			}
		}
	}
	var walk func(e soql.Expr)
	walk = func(e soql.Expr) {
		switch x := e.(type) {
		case *soql.AndExpr:
			for _, t := range x.Terms {
				walk(t)
			}
		case *soql.OrExpr:
			for _, t := range x.Terms {
				walk(t)
			}
		case *soql.NotExpr:
			walk(x.X)
		case *soql.Cond:
			if x.Sub != nil {
				out = append(out, simObjects(x.Sub)...)
			}
		}
	}
	if q.Where != nil {
		walk(q.Where)
	}
	return out
}

// missingObjects returns the names of want the analyzer's read of q lacks.
func missingObjects(want []string, q *rquery) []string {
	got := map[string]bool{}
	var add func(q *rquery)
	add = func(q *rquery) {
		got[strings.ToLower(q.from.text)] = true
		for _, to := range q.typeofs {
			for _, w := range to.whens {
				got[strings.ToLower(w.object.text)] = true
			}
		}
		for _, c := range q.children {
			add(c)
		}
		for _, s := range q.semis {
			add(s)
		}
	}
	add(q)
	var missing []string
	for _, w := range want {
		if !got[strings.ToLower(w)] {
			missing = append(missing, w)
		}
	}
	return missing
}
