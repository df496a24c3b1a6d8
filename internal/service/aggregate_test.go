package service

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func agg(f *partner.DescribeField)       { f.Aggregatable = true }
func groupable(f *partner.DescribeField) { f.Groupable = true }

// opportunity has the flags of the real describe
// (../shared/salesforce/describe/Opportunity.json): Amount aggregatable but
// not groupable, Description neither, IsWon groupable only.
func opportunity() *metadata.Object {
	return metadata.NewObject(&partner.DescribeSObjectResult{Name: "Opportunity", Fields: []partner.DescribeField{
		fld("Id", "id", agg, groupable), fld("Name", "string", agg, groupable),
		fld("StageName", "picklist", agg, groupable), fld("Amount", "currency", agg),
		fld("CloseDate", "date", agg, groupable), fld("IsWon", "boolean", groupable),
		fld("Description", "textarea", notFilterable),
		fld("AccountId", "reference", agg, groupable, refTo("Account", "Account")),
	}})
}

func aggObjects() fixedObjects {
	objs := testObjects()
	objs["opportunity"] = opportunity()
	a := account()
	for i := range a.Fields {
		a.Fields[i].Groupable = true
	}
	objs["account"] = metadata.NewObject(a.DescribeSObjectResult)
	return objs
}

func TestBuildAggregates(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		q    sfgate.StructuredQuery
		want string
	}{
		{"group with count and sum", sfgate.StructuredQuery{
			Fields:     []string{"StageName"},
			Aggregates: []sfgate.Aggregate{{Function: "COUNT", Field: "Id", Alias: "n"}, {Function: "SUM", Field: "Amount"}},
			GroupBy:    []string{"stagename"},
		}, "SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity GROUP BY StageName"},
		{"aggregates only", sfgate.StructuredQuery{
			Aggregates: []sfgate.Aggregate{{Function: "count_distinct", Field: "StageName"}, {Function: "MAX", Field: "CloseDate", Alias: "latest"}},
		}, "SELECT COUNT_DISTINCT(StageName), MAX(CloseDate) latest FROM Opportunity"},
		{"rollup with having on alias and exprN, order by aggregate", sfgate.StructuredQuery{
			Fields:      []string{"StageName", "Account.Industry"},
			Aggregates:  []sfgate.Aggregate{{Function: "SUM", Field: "Amount", Alias: "total"}, {Function: "COUNT", Field: "Id"}},
			GroupBy:     []string{"StageName", "Account.Industry"},
			GroupByMode: sfgate.GroupByRollup,
			Where:       cmpq("CloseDate", ">=", "2024-01-01"),
			Having:      &sfgate.Condition{Or: []sfgate.Condition{*cmpq("total", ">", num("1000.5")), *cmpq("expr0", ">=", num("2")), *cmpq("StageName", "like", "Closed%")}},
			OrderBy:     []sfgate.OrderBy{{Field: "total", Direction: "desc"}, {Field: "StageName"}},
			Limit:       10,
		}, "SELECT StageName, Account.Industry, SUM(Amount) total, COUNT(Id) FROM Opportunity WHERE CloseDate >= 2024-01-01 GROUP BY ROLLUP(StageName, Account.Industry) HAVING (SUM(Amount) > 1000.5 OR COUNT(Id) >= 2 OR StageName LIKE 'Closed%') ORDER BY SUM(Amount) DESC, StageName LIMIT 10"},
		{"cube, group without aggregates", sfgate.StructuredQuery{
			Fields: []string{"IsWon"}, GroupBy: []string{"IsWon"}, GroupByMode: sfgate.GroupByCube,
		}, "SELECT IsWon FROM Opportunity GROUP BY CUBE(IsWon)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantBuild(t, aggObjects(), opportunity(), &c.q, c.want)
		})
	}
}

func TestBuildRefusesAggregates(t *testing.T) {
	t.Parallel()
	count := []sfgate.Aggregate{{Function: "COUNT", Field: "Id"}}
	cases := []struct {
		name  string
		q     sfgate.StructuredQuery
		field string
		code  string
	}{
		{"field not grouped", sfgate.StructuredQuery{Fields: []string{"Name"}, Aggregates: count}, "/fields/0", "MALFORMED_QUERY"},
		{"field not among the grouped", sfgate.StructuredQuery{Fields: []string{"Name"}, GroupBy: []string{"StageName"}}, "/fields/0", "MALFORMED_QUERY"},
		{"not groupable", sfgate.StructuredQuery{GroupBy: []string{"Amount"}, Aggregates: count}, "/groupBy/0", "INVALID_FIELD"},
		{"not aggregatable", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "MAX", Field: "Description"}}}, "/aggregates/0/field", "INVALID_FIELD"},
		{"sum of a string", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "SUM", Field: "Name"}}}, "/aggregates/0/field", "MALFORMED_QUERY"},
		{"min of a boolean", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "MIN", Field: "Id"}, {Function: "MIN", Field: "IsWon"}}}, "/aggregates/1/field", "INVALID_FIELD"},
		{"unknown function", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "MEDIAN", Field: "Amount"}}}, "/aggregates/0/function", "enum"},
		{"unknown aggregate field", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "SUM", Field: "Nope"}}}, "/aggregates/0/field", codeUnknownField},
		{"alias a keyword", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "COUNT", Field: "Id", Alias: "limit"}}}, "/aggregates/0/alias", "MALFORMED_QUERY"},
		{"alias not a name", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "COUNT", Field: "Id", Alias: "n) FROM User --"}}}, "/aggregates/0/alias", "pattern"},
		{"alias exprN", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "COUNT", Field: "Id", Alias: "Expr1"}}}, "/aggregates/0/alias", "DUPLICATE_ALIAS"},
		{"alias twice", sfgate.StructuredQuery{Aggregates: []sfgate.Aggregate{{Function: "COUNT", Field: "Id", Alias: "n"}, {Function: "SUM", Field: "Amount", Alias: "N"}}}, "/aggregates/1/alias", "DUPLICATE_ALIAS"},
		{"alias of a grouped field", sfgate.StructuredQuery{GroupBy: []string{"StageName"}, Aggregates: []sfgate.Aggregate{{Function: "COUNT", Field: "Id", Alias: "stagename"}}}, "/aggregates/0/alias", "DUPLICATE_ALIAS"},
		{"two grouped fields with one key", sfgate.StructuredQuery{GroupBy: []string{"Name", "Account.Name"}}, "/groupBy/1", "DUPLICATE_ALIAS"},
		{"rollup without groupBy", sfgate.StructuredQuery{Aggregates: count, GroupByMode: sfgate.GroupByRollup}, "/groupByMode", "MALFORMED_QUERY"},
		{"cube of four", sfgate.StructuredQuery{GroupBy: []string{"Name", "StageName", "CloseDate", "IsWon"}, GroupByMode: sfgate.GroupByCube}, "/groupByMode", "MALFORMED_QUERY"},
		{"having without groupBy", sfgate.StructuredQuery{Aggregates: count, Having: cmpq("expr0", ">", num("1"))}, "/having", "MALFORMED_QUERY"},
		{"limit without groupBy", sfgate.StructuredQuery{Aggregates: count, Limit: 1}, "/limit", "MALFORMED_QUERY"},
		{"having on an ungrouped field", sfgate.StructuredQuery{GroupBy: []string{"StageName"}, Aggregates: count, Having: cmpq("Name", "=", "x")}, "/having/field", "MALFORMED_QUERY"},
		{"having on an unknown alias", sfgate.StructuredQuery{GroupBy: []string{"StageName"}, Aggregates: count, Having: cmpq("total", ">", num("1"))}, "/having/field", codeUnknownField},
		{"having count with a fraction", sfgate.StructuredQuery{GroupBy: []string{"StageName"}, Aggregates: count, Having: cmpq("expr0", ">", num("1.5"))}, "/having/value", codeWrongType},
		{"having value injection", sfgate.StructuredQuery{GroupBy: []string{"StageName"}, Aggregates: count, Having: cmpq("expr0", ">", "1 OR Name != null")}, "/having/value", codeWrongType},
		{"order by ungrouped", sfgate.StructuredQuery{GroupBy: []string{"StageName"}, OrderBy: []sfgate.OrderBy{{Field: "Name"}}}, "/orderBy/0/field", "MALFORMED_QUERY"},
		{"typeOf in an aggregate query", sfgate.StructuredQuery{Aggregates: count, TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: map[string][]string{"User": {"Name"}}}}}, "/typeOf", "MALFORMED_QUERY"},
		{"nothing selected", sfgate.StructuredQuery{}, "/fields", "minItems"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantBuildProblem(t, aggObjects(), opportunity(), &c.q, c.field, c.code)
		})
	}
}

// TestBuildAggregateNamesNeverCopied: whatever the request holds, the SOQL
// holds only describe spellings, known function names and checked aliases.
func TestBuildAggregateNamesNeverCopied(t *testing.T) {
	t.Parallel()
	q := &sfgate.StructuredQuery{
		Fields:     []string{"STAGENAME"},
		GroupBy:    []string{"stageName"},
		Aggregates: []sfgate.Aggregate{{Function: "sum", Field: "amount", Alias: "Total_1"}},
	}
	got, err := build(t.Context(), aggObjects(), opportunity(), q)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT StageName, SUM(Amount) Total_1 FROM Opportunity GROUP BY StageName"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if strings.Contains(got, "amount") {
		t.Errorf("request spelling leaked: %s", got)
	}
}

// wantBuild checks the SOQL build makes of q.
func wantBuild(t *testing.T, objs fixedObjects, root *metadata.Object, q *sfgate.StructuredQuery, want string) {
	t.Helper()
	got, err := build(t.Context(), objs, root, q)
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// wantBuildProblem checks that build refuses q naming field with code.
func wantBuildProblem(t *testing.T, objs fixedObjects, root *metadata.Object, q *sfgate.StructuredQuery, field, code string) {
	t.Helper()
	soql, err := build(t.Context(), objs, root, q)
	var he *sfgate.Error
	if !errors.As(err, &he) {
		t.Fatalf("build = %q, %v; want an *sfgate.Error", soql, err)
	}
	for _, e := range he.Errors {
		if e.Field == field && e.Code == code {
			return
		}
	}
	t.Errorf("errors %+v do not name %s with %s", he.Errors, field, code)
}
