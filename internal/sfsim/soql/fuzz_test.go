package soql

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParse proves the lexer, parser and evaluator never panic, that every
// failure is an *Error with a sane position, and that what parses renders
// back (String) to text that parses again.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"SELECT Id FROM Account",
		"SELECT Name, Owner.Name, (SELECT Id FROM Contacts WHERE Email != null LIMIT 2) FROM Account a WHERE a.Name LIKE 'x\\%%' ORDER BY Name DESC NULLS LAST LIMIT 5 OFFSET 1",
		"SELECT COUNT() FROM Contact WHERE AccountId IN (SELECT Id FROM Account) AND CreatedDate = LAST_N_DAYS:3",
		"SELECT Id FROM Account WHERE (Industry = 'a' OR Industry = null) AND NOT Tags__c INCLUDES ('a;b', 'c') AND AnnualRevenue >= -1.5e3",
		"SELECT Id FROM Account WHERE CreatedDate > 2020-01-01T00:00:00.123+05:30 AND SLAExpirationDate__c <= 2020-01-01",
		"select adfId, Name, Account.Name from Contact",
		"SELECT Id FROM Account WHERE Name = 'unterminated",
		"SELECT (SELECT (SELECT (SELECT (SELECT Id FROM A) FROM B) FROM C) FROM D) FROM E",
		"FIND {acme*} IN NAME FIELDS RETURNING Account(Id, Name WHERE Industry != null ORDER BY Name LIMIT 2), Contact LIMIT 5",
		"SELECT Id FROM Account WHERE Name = :x\n\tAND Id = '001'",
		"SELECT Industry ind, COUNT(Id), SUM(AnnualRevenue) s, GROUPING(Industry) FROM Account WHERE Name != null WITH SECURITY_ENFORCED GROUP BY ROLLUP(Industry) HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC LIMIT 5",
		"SELECT FORMAT(MIN(CreatedDate)) m, COUNT_DISTINCT(Name) FROM Account GROUP BY CUBE(Name, Industry)",
		"SELECT toLabel(Industry), convertCurrency(AnnualRevenue), TYPEOF Who WHEN Contact THEN Name, Email ELSE Name END FROM Task FOR VIEW FOR UPDATE",
		"",
	} {
		f.Add(s)
	}
	src := newMemSource()
	f.Fuzz(func(t *testing.T, text string) {
		check := func(err error) {
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("%q: error %v is not *Error", text, err)
			}
			if strings.HasPrefix(se.Message, "\n") && (se.Row < 1 || se.Column < 1) {
				t.Fatalf("%q: positioned error without a position: %+v", text, se)
			}
		}
		q, err := Parse(text)
		if err != nil {
			check(err)
		} else {
			if _, err := Parse(q.String()); err != nil {
				t.Fatalf("%q parses but its String %q does not: %v", text, q.String(), err)
			}
			if _, err := Execute(q, src, Options{Now: now}); err != nil {
				check(err)
			}
		}
		sq, err := ParseSearch(text)
		if err != nil {
			check(err)
			return
		}
		if _, err := Search(sq, src, Options{Now: now}); err != nil {
			check(err)
		}
	})
}
