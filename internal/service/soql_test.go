package service

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// fixedObjects serves the builder from fixed describes.
type fixedObjects map[string]*metadata.Object

func (f fixedObjects) object(_ context.Context, name string) (*metadata.Object, error) {
	return f[strings.ToLower(name)], nil
}

func (f fixedObjects) refreshed(_ context.Context, x *metadata.Object, _ string) (*metadata.Object, error) {
	return x, nil
}

func testObjects() fixedObjects {
	objs := fixedObjects{"account": account()}
	objs["user"] = metadata.NewObject(&partner.DescribeSObjectResult{Name: "User", Fields: []partner.DescribeField{
		fld("Id", "id"), fld("Name", "string"), fld("Email", "email"), fld("Username", "string"),
		fld("ManagerId", "reference", refTo("Manager", "User")),
	}})
	objs["group"] = metadata.NewObject(&partner.DescribeSObjectResult{Name: "Group", Fields: []partner.DescribeField{
		fld("Id", "id"), fld("Name", "string"), fld("Email", "email"),
	}})
	objs["task"] = metadata.NewObject(&partner.DescribeSObjectResult{Name: "Task", Fields: []partner.DescribeField{
		fld("Id", "id"), fld("Subject", "string"),
		fld("OwnerId", "reference", refTo("Owner", "Group", "User")),
	}})
	return objs
}

func cmpq(field, op string, v any) *sfgate.Condition {
	return &sfgate.Condition{Field: field, Op: op, Value: v}
}

func TestBuildEscaping(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		cond *sfgate.Condition
		want string
	}{
		{"plain", cmpq("Name", "=", "Acme"), "Name = 'Acme'"},
		{"injection through a quote", cmpq("Name", "=", "x' OR Name != '"), `Name = 'x\' OR Name != \''`},
		{"injection with a backslash before the quote", cmpq("Name", "=", `x\' OR Id != null OR Name = \'`), `Name = 'x\\\' OR Id != null OR Name = \\\''`},
		{"backslash", cmpq("Name", "=", `a\b`), `Name = 'a\\b'`},
		{"double quote", cmpq("Name", "=", `say "hi"`), `Name = 'say \"hi\"'`},
		{"newline CR tab", cmpq("Name", "=", "a\nb\rc\td"), `Name = 'a\nb\rc\td'`},
		{"unicode kept", cmpq("Name", "=", "Zoë ☃"), "Name = 'Zoë ☃'"},
		{"like keeps the caller's wildcards", cmpq("Name", "like", "Ac%_me"), "Name LIKE 'Ac%_me'"},
		{"like escapes quotes and backslashes", cmpq("Name", "like", `50\%' OR '`), `Name LIKE '50\\%\' OR \''`},
		{"not equal", cmpq("Name", "!=", "x"), "Name != 'x'"},
		{"null", cmpq("Industry", "=", nil), "Industry = null"},
		{"not null", cmpq("Industry", "!=", nil), "Industry != null"},
		{"number exact", cmpq("Score__c", ">=", num("12345678901234567.89")), "Score__c >= 12345678901234567.89"},
		{"number exponent written plain", cmpq("Score__c", "<", num("1e3")), "Score__c < 1000"},
		{"int", cmpq("NumberOfEmployees", "<=", num("10")), "NumberOfEmployees <= 10"},
		{"boolean", cmpq("Active__c", "=", true), "Active__c = true"},
		{"date", cmpq("Founded__c", ">", "2024-02-29"), "Founded__c > 2024-02-29"},
		{"datetime to UTC", cmpq("Seen__c", "<", "2024-05-01T12:30:00+02:00"), "Seen__c < 2024-05-01T10:30:00Z"},
		{"datetime with fraction", cmpq("Seen__c", "<", "2024-05-01T12:30:00.25Z"), "Seen__c < 2024-05-01T12:30:00.250Z"},
		{"id normalised", cmpq("ParentId", "=", "001000000000001"), "ParentId = '001000000000001AAA'"},
		{"in", cmpq("Industry", "in", []any{"Energy", "O'Brien"}), `Industry IN ('Energy', 'O\'Brien')`},
		{"notIn numbers", cmpq("NumberOfEmployees", "notIn", []any{num("1"), num("2")}), "NumberOfEmployees NOT IN (1, 2)"},
		{"includes", cmpq("Tags__c", "includes", []any{"A;B", "C"}), "Tags__c INCLUDES ('A;B', 'C')"},
		{"excludes one string", cmpq("Tags__c", "excludes", "A"), "Tags__c EXCLUDES ('A')"},
		{"parent path canonical", cmpq("owner.NAME", "=", "x"), "Owner.Name = 'x'"},
		{"and or not", &sfgate.Condition{And: []sfgate.Condition{
			*cmpq("Name", "=", "a"),
			{Or: []sfgate.Condition{*cmpq("Rating", "=", "Hot"), {Not: cmpq("Industry", "=", nil)}}},
		}}, "(Name = 'a' AND (Rating = 'Hot' OR (NOT Industry = null)))"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, err := build(t.Context(), testObjects(), account(), &sfgate.StructuredQuery{Fields: []string{"Id"}, Where: c.cond})
			if err != nil {
				t.Fatalf("build: %v", err)
			}
			want := "SELECT Id FROM Account WHERE " + c.want
			if got != want {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestBuildRefuses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		q     sfgate.StructuredQuery
		field string
		code  string
	}{
		// The document refuses names that are not API names before the
		// builder sees them; were one to get through, it still names no
		// field, and only the describe's spelling is ever written.
		{"field name injection", sfgate.StructuredQuery{Fields: []string{"Name FROM User --"}}, "/fields/0", codeUnknownField},
		{"field list in one name", sfgate.StructuredQuery{Fields: []string{"Id,Name"}}, "/fields/0", codeUnknownField},
		{"field with a quote", sfgate.StructuredQuery{Fields: []string{"Name'"}}, "/fields/0", codeUnknownField},
		{"unknown field", sfgate.StructuredQuery{Fields: []string{"Nope__c"}}, "/fields/0", codeUnknownField},
		{"unknown relationship", sfgate.StructuredQuery{Fields: []string{"Nope.Name"}}, "/fields/0", "INVALID_FIELD"},
		{"reference field is not a relationship", sfgate.StructuredQuery{Fields: []string{"OwnerId.Name"}}, "/fields/0", "INVALID_FIELD"},
		{"unknown field on parent", sfgate.StructuredQuery{Fields: []string{"Owner.Nope"}}, "/fields/0", codeUnknownField},
		{"where field injection", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name = 'x' OR Name", "=", "y")}, "/where/field", codeUnknownField},
		{"includes on a string", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "includes", []any{"a"})}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"like on a number", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("NumberOfEmployees", "like", "1%")}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"like on an id", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("ParentId", "like", "001%")}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"less than on a boolean", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Active__c", "<", true)}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"less than on a multipicklist", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Tags__c", "<", "A")}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"unknown op", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "~", "a")}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"compound not filterable", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("BillingAddress", "=", "x")}, "/where/op", "INVALID_QUERY_FILTER_OPERATOR"},
		{"not filterable", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Description", "=", "x")}, "/where/field", "INVALID_QUERY_FILTER_OPERATOR"},
		{"string for a number", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("NumberOfEmployees", "=", "5 OR Name != null")}, "/where/value", codeWrongType},
		{"fraction for an int", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("NumberOfEmployees", "=", num("1.5"))}, "/where/value", codeWrongType},
		{"number for a string", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "=", num("5"))}, "/where/value", codeWrongType},
		{"bad date", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Founded__c", "=", "2024-13-01")}, "/where/value", codeBadDate},
		{"date literal smuggled", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Founded__c", "=", "TODAY")}, "/where/value", codeBadDate},
		{"bad datetime", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Seen__c", "=", "2024-05-01")}, "/where/value", codeBadDate},
		{"malformed id", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("ParentId", "=", "001' OR Id != '")}, "/where/value", codeMalformedID},
		{"in with a scalar", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Industry", "in", "Energy")}, "/where/value", "type"},
		{"in with a bad item", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Industry", "in", []any{"a", num("1")})}, "/where/value/1", codeWrongType},
		{"null with less than", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("NumberOfEmployees", "<", nil)}, "/where/value", "type"},
		{"array for =", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "=", []any{"a"})}, "/where/value", "type"},
		{"backspace is not XML 1.0", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "=", "a\bb")}, "/where/value", codeInvalidCharacter},
		{"invalid XML in a value", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "=", "a\x00")}, "/where/value", codeInvalidCharacter},
		{"mixed node", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: &sfgate.Condition{And: []sfgate.Condition{*cmpq("Name", "=", "a")}, Field: "Name"}}, "/where", "oneOf"},
		{"empty node", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: &sfgate.Condition{}}, "/where", "oneOf"},
		{"nested error path", sfgate.StructuredQuery{Fields: []string{"Id"}, Where: &sfgate.Condition{Or: []sfgate.Condition{*cmpq("Name", "=", "a"), {Not: cmpq("Nope", "=", "a")}}}}, "/where/or/1/not/field", codeUnknownField},
		{"order by not sortable", sfgate.StructuredQuery{Fields: []string{"Id"}, OrderBy: []sfgate.OrderBy{{Field: "Description"}}}, "/orderBy/0/field", "INVALID_SORT_OPTION"},
		{"polymorphic field outside Name", sfgate.StructuredQuery{Fields: []string{"Owner.ManagerId"}}, "/fields/0", codeUnknownField},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			root := account()
			if strings.HasPrefix(c.name, "polymorphic") {
				root = testObjects()["task"]
			}
			soql, err := build(t.Context(), testObjects(), root, &c.q)
			var he *sfgate.Error
			if !errors.As(err, &he) {
				t.Fatalf("build = %q, %v; want an *sfgate.Error", soql, err)
			}
			if he.Kind != sfgate.KindInvalid && he.Kind != sfgate.KindUnprocessable {
				t.Errorf("kind %s, want invalid or unprocessable", he.Kind)
			}
			for _, e := range he.Errors {
				if e.Field == c.field && e.Code == c.code {
					return
				}
			}
			t.Errorf("errors %+v do not name %s with %s", he.Errors, c.field, c.code)
		})
	}
}

func TestBuildWholeQuery(t *testing.T) {
	t.Parallel()
	q := &sfgate.StructuredQuery{
		Fields:  []string{"id", "Name", "Owner.Name", "Parent.Owner.Email", "name"},
		Where:   &sfgate.Condition{And: []sfgate.Condition{*cmpq("AnnualRevenue", ">", num("1000000")), *cmpq("Parent.Name", "like", "Ac%")}},
		OrderBy: []sfgate.OrderBy{{Field: "Name", Direction: "desc", Nulls: "last"}, {Field: "owner.name"}},
		Limit:   10,
	}
	got, err := build(t.Context(), testObjects(), account(), q)
	if err != nil {
		t.Fatal(err)
	}
	want := "SELECT Id, Name, Owner.Name, Parent.Owner.Email FROM Account WHERE (AnnualRevenue > 1000000 AND Parent.Name LIKE 'Ac%') ORDER BY Name DESC NULLS LAST, Owner.Name LIMIT 10"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// A polymorphic lookup reaches the Name object's fields.
	got, err = build(t.Context(), testObjects(), testObjects()["task"], &sfgate.StructuredQuery{Fields: []string{"Subject", "Owner.Name"}})
	if err != nil || got != "SELECT Subject, Owner.Name FROM Task" {
		t.Errorf("polymorphic: %q, %v", got, err)
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	t.Parallel()
	q := &sfgate.StructuredQuery{
		Fields: []string{"Nope1", "Name", "Nope2"},
		Where:  &sfgate.Condition{And: []sfgate.Condition{*cmpq("Name", "includes", []any{"x"}), *cmpq("Active__c", "=", "yes")}},
	}
	_, err := build(t.Context(), testObjects(), account(), q)
	var he *sfgate.Error
	if !errors.As(err, &he) || len(he.Errors) != 4 {
		t.Fatalf("got %v, want one error naming 4 problems", err)
	}
}

// TestQuote covers the escapes XML cannot carry too (\b, \f): the builder
// refuses them first, but quote itself must still be complete.
func TestQuote(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":       "''",
		"a'b":    `'a\'b'`,
		`a"b`:    `'a\"b'`,
		`a\b`:    `'a\\b'`,
		"\n\r\t": `'\n\r\t'`,
		"\b\f":   `'\b\f'`,
		"%_":     "'%_'",
	} {
		if got := quote(in); got != want {
			t.Errorf("quote(%q) = %s, want %s", in, got, want)
		}
	}
}

// childObjects is testObjects with Account's Contacts (and a relationship
// Salesforce lists without a name, which cannot be queried).
func childObjects() fixedObjects {
	objs := testObjects()
	d := *account().DescribeSObjectResult
	d.ChildRelationships = []partner.ChildRelationship{
		{ChildSObject: "Contact", Field: "AccountId", RelationshipName: "Contacts"},
		{ChildSObject: "Task", Field: "WhatId", RelationshipName: ""},
		{ChildSObject: "Ghost__c", Field: "Account__c", RelationshipName: "Ghosts__r"},
	}
	objs["account"] = metadata.NewObject(&d)
	objs["contact"] = metadata.NewObject(&partner.DescribeSObjectResult{Name: "Contact", ObjectFlags: partner.ObjectFlags{Queryable: true}, Fields: []partner.DescribeField{
		fld("Id", "id"), fld("LastName", "string"), fld("Email", "email"), fld("Birthdate", "date"),
		fld("AccountId", "reference", refTo("Account", "Account")), fld("Description", "textarea", notFilterable),
	}})
	return objs
}

func TestBuildChildSubqueries(t *testing.T) {
	t.Parallel()
	objs := childObjects()
	q := &sfgate.StructuredQuery{
		Fields: []string{"Id", "Name"},
		Children: []sfgate.ChildQuery{{
			Relationship: "contacts", Fields: []string{"lastname", "Account.Name", "Email", "LastName"},
			Where:   &sfgate.Condition{Or: []sfgate.Condition{*cmpq("LastName", "=", "O'Brien' OR Id != null"), *cmpq("Birthdate", ">", "2000-01-01")}},
			OrderBy: []sfgate.OrderBy{{Field: "LastName", Direction: "desc"}},
			Limit:   5,
		}},
		Where: cmpq("Name", "like", "Ac%"),
	}
	got, err := build(t.Context(), objs, objs["account"], q)
	if err != nil {
		t.Fatal(err)
	}
	want := `SELECT Id, Name, (SELECT LastName, Account.Name, Email FROM Contacts WHERE (LastName = 'O\'Brien\' OR Id != null' OR Birthdate > 2000-01-01) ORDER BY LastName DESC LIMIT 5) FROM Account WHERE Name LIKE 'Ac%'`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	// Children only, no field of the parent's own.
	got, err = build(t.Context(), objs, objs["account"], &sfgate.StructuredQuery{Children: []sfgate.ChildQuery{{Relationship: "Contacts", Fields: []string{"Id"}}}})
	if err != nil || got != "SELECT (SELECT Id FROM Contacts) FROM Account" {
		t.Errorf("children only: %q, %v", got, err)
	}
}

func TestBuildChildSubqueryRefusals(t *testing.T) {
	t.Parallel()
	objs := childObjects()
	q := &sfgate.StructuredQuery{
		Fields: []string{"Id"},
		Children: []sfgate.ChildQuery{
			{Relationship: "Nope", Fields: []string{"Id"}},
			{Relationship: "Contacts", Fields: []string{"Id", "Name"}, Where: cmpq("Description", "=", "x"), OrderBy: []sfgate.OrderBy{{Field: "Nope__c"}}},
			{Relationship: "Contacts", Fields: []string{"LastName"}, Where: cmpq("LastName", "includes", []any{"x"})},
			{Relationship: "Ghosts__r", Fields: []string{"Id"}},
			{Relationship: "Name FROM Contacts) --", Fields: []string{"Id"}},
		},
	}
	_, err := build(t.Context(), objs, objs["account"], q)
	var he *sfgate.Error
	if !errors.As(err, &he) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, e := range he.Errors {
		got = append(got, e.Field+" "+e.Code)
	}
	want := []string{
		"/children/0/relationship INVALID_TYPE",
		"/children/1/fields/1 " + codeUnknownField,
		"/children/1/where/field INVALID_QUERY_FILTER_OPERATOR",
		"/children/1/orderBy/0/field " + codeUnknownField,
		"/children/2/where/op INVALID_QUERY_FILTER_OPERATOR",
		"/children/3/relationship INVALID_TYPE",
		"/children/4/relationship INVALID_TYPE",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
