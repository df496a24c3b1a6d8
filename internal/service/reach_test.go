package service

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// reachObjects is a small org: Account, Contact, Case, User, Group, Task,
// Lead, Opportunity, with the relationships the analyzer crosses.
func reachObjects() fixedObjects {
	obj := func(name string, children []partner.ChildRelationship, fields ...partner.DescribeField) *metadata.Object {
		return metadata.NewObject(&partner.DescribeSObjectResult{Name: name, Fields: fields, ChildRelationships: children})
	}
	child := func(object, field, rel string) partner.ChildRelationship {
		return partner.ChildRelationship{ChildSObject: object, Field: field, RelationshipName: rel}
	}
	custom := func(f *partner.DescribeField) { f.Custom = true }
	name := func(f *partner.DescribeField) { f.NameField = true }
	objs := fixedObjects{}
	for _, x := range []*metadata.Object{
		obj("Account", []partner.ChildRelationship{child("Contact", "AccountId", "Contacts"), child("Case", "AccountId", "Cases")},
			fld("Id", "id"), fld("Name", "string", name), fld("Phone", "phone"), fld("NumberOfEmployees", "int"),
			fld("Secret__c", "string", custom), fld("OwnerId", "reference", refTo("Owner", "User")),
			fld("ParentId", "reference", refTo("Parent", "Account"))),
		obj("Contact", []partner.ChildRelationship{child("Case", "ContactId", "Cases")},
			fld("Id", "id"), fld("LastName", "string"), fld("Name", "string", name), fld("Email", "email"),
			fld("AccountId", "reference", refTo("Account", "Account")), fld("OwnerId", "reference", refTo("Owner", "User"))),
		obj("Case", nil, fld("Id", "id"), fld("Subject", "string"),
			fld("AccountId", "reference", refTo("Account", "Account")), fld("ContactId", "reference", refTo("Contact", "Contact")),
			fld("OwnerId", "reference", refTo("Owner", "Group", "User"))),
		obj("User", nil, fld("Id", "id"), fld("Name", "string", name), fld("Email", "email"), fld("Username", "string"),
			fld("ManagerId", "reference", refTo("Manager", "User"))),
		obj("Group", nil, fld("Id", "id"), fld("Name", "string", name), fld("Email", "email")),
		obj("Task", nil, fld("Id", "id"), fld("Subject", "string"),
			fld("WhatId", "reference", refTo("What", "Account", "Opportunity")),
			fld("WhoId", "reference", refTo("Who", "Contact", "Lead"))),
		obj("Lead", nil, fld("Id", "id"), fld("Name", "string", name), fld("Email", "email")),
		obj("Opportunity", nil, fld("Id", "id"), fld("Name", "string", name), fld("Amount", "currency")),
	} {
		objs[strings.ToLower(x.Name)] = x
	}
	return objs
}

// analyzed is the reach of a statement as sorted strings.
func analyzed(t *testing.T, sosl bool, stmt string) (grants, fields []string, err error) {
	t.Helper()
	r := newReach()
	if sosl {
		err = analyzeSOSL(t.Context(), reachObjects(), r, stmt)
	} else {
		err = analyzeSOQL(t.Context(), reachObjects(), r, stmt)
	}
	for _, g := range r.grants {
		grants = append(grants, g.String())
	}
	for _, f := range r.fields {
		fields = append(fields, f.String())
	}
	slices.Sort(grants)
	slices.Sort(fields)
	return slices.Compact(grants), fields, err
}

func TestAnalyzeSOQL(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, soql     string
		grants, fields string // comma-separated, sorted
	}{
		{"from only", "SELECT Id, Name FROM Account",
			"Account:query", "Account.Id,Account.Name"},
		{"parent path", "SELECT Account.Name FROM Contact",
			"Account:query,Contact:query", "Account.Name,Contact.AccountId"},
		{"two hops", "SELECT Account.Owner.Email FROM Contact",
			"Account:query,Contact:query,User:query", "Account.OwnerId,Contact.AccountId,User.Email"},
		{"polymorphic parent reaches every target", "SELECT Owner.Email FROM Case",
			"Case:query,Group:query,User:query", "Case.OwnerId,Group.Email,User.Email"},
		{"alias", "SELECT c.Account.Name, c.LastName FROM Contact c",
			"Account:query,Contact:query", "Account.Name,Contact.AccountId,Contact.LastName"},
		{"object name as prefix", "SELECT Contact.LastName FROM Contact",
			"Contact:query", "Contact.LastName"},
		{"alias that is also a relationship takes both readings", "SELECT Account.Name FROM Contact Account",
			"Account:query,Contact:query", "Account.Name,Contact.AccountId,Contact.Name"},
		{"child subquery", "SELECT Name, (SELECT LastName, Owner.Username FROM Contacts WHERE Email != null) FROM Account",
			"Account:query,Contact:query,User:query", "Account.Name,Contact.Email,Contact.LastName,Contact.OwnerId,User.Username"},
		{"nested child subquery", "SELECT Id, (SELECT Id, (SELECT Subject FROM Cases) FROM Contacts) FROM Account",
			"Account:query,Case:query,Contact:query", "Account.Id,Case.Subject,Contact.Id"},
		{"semi-join", "SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Contact WHERE Email LIKE '%x')",
			"Account:query,Contact:query", "Account.Id,Contact.AccountId,Contact.Email"},
		{"anti-join", "SELECT Id FROM Contact WHERE AccountId NOT IN (SELECT Id FROM Account WHERE Secret__c = 'x')",
			"Account:query,Contact:query", "Account.Id,Account.Secret__c,Contact.AccountId,Contact.Id"},
		{"where order group having", "SELECT Owner.Name, COUNT(Id) n FROM Account WHERE Phone = '1' GROUP BY Owner.Name HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC NULLS LAST LIMIT 5",
			"Account:query,User:query", "Account.Id,Account.OwnerId,Account.Phone,User.Name"},
		{"typeof", "SELECT TYPEOF What WHEN Account THEN Phone, Owner.Email WHEN Opportunity THEN Amount ELSE Name END FROM Task",
			"Account:query,Opportunity:query,Task:query,User:query", "Account.OwnerId,Account.Phone,Opportunity.Amount,Task.WhatId,User.Email"},
		{"typeof else reaches the other targets", "SELECT TYPEOF Who WHEN Contact THEN Email ELSE Name END FROM Task",
			"Contact:query,Lead:query,Task:query", "Contact.Email,Lead.Name,Task.WhoId"},
		{"fields custom", "SELECT FIELDS(CUSTOM) FROM Account LIMIT 200",
			"Account:query", "Account.Secret__c"},
		{"functions", "SELECT toLabel(Name) l, FORMAT(MIN(NumberOfEmployees)) m, CALENDAR_YEAR(Parent.Name) y FROM Account GROUP BY CALENDAR_YEAR(Parent.Name)",
			"Account:query", "Account.Name,Account.NumberOfEmployees,Account.ParentId"},
		{"string that looks like SQL", `SELECT Id FROM Account WHERE Name = 'FROM User' OR Name = '\'; SELECT Email FROM User' OR Name = 'a\\'`,
			"Account:query", "Account.Id,Account.Name"},
		{"string with a closing parenthesis", `SELECT Id FROM Contact WHERE LastName IN ('a)', 'b(SELECT Id FROM User)')`,
			"Contact:query", "Contact.Id,Contact.LastName"},
		{"newlines, tabs, unicode in strings", "SELECT\n\tId\r\nFROM\tAccount\nWHERE Name = 'Zoë ☃ --' AND NumberOfEmployees > -5",
			"Account:query", "Account.Id,Account.Name,Account.NumberOfEmployees"},
		{"date literals and nested conditions", "SELECT Id FROM Account WHERE (NOT (Name = null)) AND (Phone != '1' OR NumberOfEmployees IN (1, 2)) AND Name > LAST_N_DAYS:30 AND Name < 2024-01-01T00:00:00+01:00",
			"Account:query", "Account.Id,Account.Name,Account.NumberOfEmployees,Account.Phone"},
		{"clauses", "SELECT Id FROM Account USING SCOPE mine WHERE Name != 'x' WITH SECURITY_ENFORCED ORDER BY Name ASC LIMIT 10 OFFSET 5 FOR VIEW",
			"Account:query", "Account.Id,Account.Name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, f, err := analyzed(t, false, c.soql)
			if err != nil {
				t.Fatalf("%s: %v", c.soql, err)
			}
			if got := strings.Join(g, ","); got != c.grants {
				t.Errorf("grants %s, want %s", got, c.grants)
			}
			if got := strings.Join(f, ","); got != c.fields {
				t.Errorf("fields %s, want %s", got, c.fields)
			}
		})
	}
}

func TestAnalyzeSOQLCount(t *testing.T) {
	t.Parallel()
	g, f, err := analyzed(t, false, "select count() from contact")
	if err != nil || strings.Join(g, ",") != "contact:query" || len(f) != 0 {
		t.Errorf("grants %v fields %v err %v", g, f, err)
	}
}

// TestAnalyzeSOQLRefuses: what the analyzer cannot read is refused, never
// passed through.
func TestAnalyzeSOQLRefuses(t *testing.T) {
	t.Parallel()
	for _, soql := range []string{
		"",
		"SELECT",
		"SELECT Id FROM",
		"SELECT Id FROM Account -- comment",
		"SELECT Id FROM Account /* SELECT Email FROM User */",
		"SELECT Id FROM Account WHERE Name = 'unterminated",
		`SELECT Id FROM Account WHERE Name = 'escaped quote at the end\'`,
		"SELECT Id FROM Account WHERE Name = \"double\"",
		"SELECT Id FROM Contact c, c.Account a",
		"SELECT Id FROM Account WHERE Name = :bind",
		"SELECT Id FROM Account WHERE Name = OtherField",
		"SELECT Id FROM Account WHERE Name = 'x' extra",
		"SELECT Evil(Name) FROM Account",
		"SELECT Id FROM Account WITH DATA CATEGORY Geography__c AT asia__c",
		"SELECT Id FROM Account\u00a0WHERE Name = 'x'",
		"SELECT Ｉd FROM Account",
		"SELECT Id, (SELECT Id FROM Nothing) FROM Account",
		"SELECT Nothing.Name FROM Contact",
		"SELECT TYPEOF Nothing WHEN User THEN Name END FROM Case",
		"SELECT Id FROM Account WHERE Id IN (SELECT Id FROM Contact",
		"SELECT Id FROM Account WHERE " + strings.Repeat("(", 200) + "Name = 'x'" + strings.Repeat(")", 200),
		"SELECT Id FROM Account ORDER BY Name NULLS MIDDLE",
	} {
		_, _, err := analyzed(t, false, soql)
		var re *reachError
		if !errors.As(err, &re) {
			t.Errorf("%q: got %v, want a refusal", soql, err)
		}
	}
	// An unknown object is not found, as for a structured query.
	_, _, err := analyzed(t, false, "SELECT Id FROM Nothing__c")
	wantError(t, err, sfgate.KindNotFound, sfgate.CodeNotFound)
}

func TestAnalyzeSOSL(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, sosl, grants, fields string }{
		{"no returning reaches every searchable object", "FIND {Acme}",
			"*:search", ""},
		{"returning with fields and a parent", "FIND {Acme} IN NAME FIELDS RETURNING Account(Name, Owner.Email WHERE Phone != null ORDER BY Name LIMIT 5), Contact",
			"Account:search,Contact:search,User:query", "Account.Name,Account.OwnerId,Account.Phone,Contact.Name,User.Email"},
		{"all fields matches every text field", "FIND {x\\}y} RETURNING Lead",
			"Lead:search", "Lead.Email,Lead.Name"},
		{"email fields", "find {a@b.c} in email fields returning Contact(Id) with highlight with snippet (target_length=120) limit 10 update viewstat",
			"Contact:search", "Contact.Email,Contact.Id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			g, f, err := analyzed(t, true, c.sosl)
			if err != nil {
				t.Fatalf("%s: %v", c.sosl, err)
			}
			if got := strings.Join(g, ","); got != c.grants {
				t.Errorf("grants %s, want %s", got, c.grants)
			}
			if got := strings.Join(f, ","); got != c.fields {
				t.Errorf("fields %s, want %s", got, c.fields)
			}
		})
	}
	for _, sosl := range []string{"FIND Acme", "FIND {Acme", "FIND {a} RETURNING", "FIND {a} WITH x = (SELECT Id FROM User)", "FIND {a} IN CUSTOM FIELDS"} {
		var re *reachError
		if _, _, err := analyzed(t, true, sosl); !errors.As(err, &re) {
			t.Errorf("%q: got %v, want a refusal", sosl, err)
		}
	}
}

// TestEnforceStopsAtFirstForbidden: the check runs as objects are found,
// so nothing past a forbidden object is described.
func TestEnforceStopsAtFirstForbidden(t *testing.T) {
	t.Parallel()
	c := &sfgate.Caller{Name: "t", Access: testAccess{allow: []string{"contact:query"}, deny: []string{"contact.email"}}}
	for soql, want := range map[string]string{
		"SELECT Account.Name FROM Contact":                                              "needs Account:query",
		"SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account)":            "needs Account:query",
		"SELECT Id, (SELECT Id FROM Cases) FROM Contact":                                "needs Case:query",
		"SELECT Id FROM Contact WHERE Email = 'a@b.c'":                                  "the caller may not use Contact.Email",
		"SELECT Id FROM Contact ORDER BY Email":                                         "the caller may not use Contact.Email",
		"SELECT Id FROM Contact WHERE Id IN (SELECT Id FROM Contact WHERE Email = 'x')": "the caller may not use Contact.Email",
	} {
		err := analyzeSOQL(t.Context(), reachObjects(), enforce(c), soql)
		e := wantError(t, err, sfgate.KindForbidden, codeForbidden)
		if e.Detail != want {
			t.Errorf("%s: %q, want %q", soql, e.Detail, want)
		}
	}
}

func TestCheckSOQLLength(t *testing.T) {
	t.Parallel()
	ok := "SELECT Id FROM Account WHERE Name = '" + strings.Repeat("é", maxSOQLLength-len("SELECT Id FROM Account WHERE Name = ''")) + "'"
	if err := checkSOQLLength(ok, "/soql"); err != nil {
		t.Errorf("%d characters (more bytes) refused: %v", len([]rune(ok)), err)
	}
	e := wantError(t, checkSOQLLength(ok+" ", "/soql"), sfgate.KindInvalid, codeQueryTooLong)
	if len(e.Errors) != 1 || e.Errors[0].Field != "/soql" || !strings.Contains(e.Detail, "100000") {
		t.Errorf("refusal %+v", e)
	}
}

// testAccess allows "object:action" entries (lower case; "*" for any
// object) and denies "object.field" entries.
type testAccess struct{ allow, deny []string }

func (a testAccess) Allows(object string, action sfgate.Action) bool {
	return slices.Contains(a.allow, strings.ToLower(object)+":"+string(action)) || slices.Contains(a.allow, "*:"+string(action))
}

func (a testAccess) FieldDenied(object, field string) bool {
	return slices.Contains(a.deny, strings.ToLower(fmt.Sprintf("%s.%s", object, field)))
}
