package service

import (
	"context"
	"maps"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
)

// TestContactOnlyCallerCannotReachAccount: a caller allowed Contact:read
// and Contact:query only is refused every way of reaching another object,
// with the missing permission named, and sfsim sees no call for any of the
// refusals.
func TestContactOnlyCallerCannotReachAccount(t *testing.T) {
	t.Parallel()
	st := newStack(t, 3)
	admin := t.Context() // no caller: authentication off, everything allowed
	acct, err := st.svc.Create(admin, "Account", rec(t, `{"Name":"Reach Co"}`))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := st.svc.Create(admin, "Account", rec(t, `{"Name":"Reach Other"}`))
	contact, err := st.svc.Create(admin, "Contact", rec(t, `{"LastName":"Reach","AccountId":"`+acct+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := &sfgate.Caller{Name: "contacts", Access: testAccess{allow: []string{"contact:read", "contact:query"}}}
	ctx := sfgate.WithCaller(t.Context(), c)
	// What the caller may do works (and warms Contact's describe).
	page, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id, LastName FROM Contact WHERE Id = '" + contact + "'"}})
	if err != nil || len(page.Records) != 1 {
		t.Fatalf("allowed query: %+v, %v", page, err)
	}
	if _, err := st.svc.Get(ctx, "Contact", contact, []string{"LastName"}); err != nil {
		t.Fatalf("allowed get: %v", err)
	}

	before := st.calls(t)
	for _, r := range accountRefusals(t, st, acct, other) {
		e := wantError(t, r.do(ctx), sfgate.KindForbidden, codeForbidden)
		if !strings.Contains(e.Detail, r.want) {
			t.Errorf("%s: %q, want it to name %s", r.name, e.Detail, r.want)
		}
	}
	if after := st.calls(t); !maps.Equal(before, after) {
		t.Errorf("refused requests reached sfsim: before %v, after %v", before, after)
	}
	// The object list shows only what the caller may use.
	list, err := st.svc.ListSObjects(ctx, sfgate.SObjectFilter{})
	if err != nil || len(list) != 1 || list[0].Name != "Contact" {
		t.Errorf("list: %d objects, %v", len(list), err)
	}
}

// refusal is a request a caller must be refused, and the permission the
// refusal must name.
type refusal struct {
	name, want string
	do         func(context.Context) error
}

// accountRefusals are the ways a Contact-only caller might reach the
// account acct (and other, to merge).
func accountRefusals(t *testing.T, st *stack, acct, other string) []refusal {
	t.Helper()
	soql := func(q string) func(context.Context) error {
		return func(ctx context.Context) error {
			_, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: q}})
			return err
		}
	}
	return []refusal{
		{"path: get", "Account:read", func(ctx context.Context) error { _, err := st.svc.Get(ctx, "Account", acct, nil); return err }},
		{"path: structured query", "Account:query", func(ctx context.Context) error {
			_, err := st.svc.Query(ctx, sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{Fields: []string{"Name"}}})
			return err
		}},
		{"relationship path in a structured query", "Account:query", func(ctx context.Context) error {
			_, err := st.svc.Query(ctx, sfgate.QueryInput{SObject: "Contact", Structured: &sfgate.StructuredQuery{Fields: []string{"Account.Name"}}})
			return err
		}},
		{"relationship filter in a structured query", "Account:query", func(ctx context.Context) error {
			_, err := st.svc.Query(ctx, sfgate.QueryInput{SObject: "Contact", Structured: &sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Account.Name", "=", "Reach Co")}})
			return err
		}},
		{"raw SOQL from", "Account:query", soql("SELECT Name FROM Account")},
		{"raw SOQL parent path", "Account:query", soql("SELECT Account.Name FROM Contact")},
		{"raw SOQL parent path behind an alias", "Account:query", soql("SELECT c.Account.Name FROM Contact c")},
		{"raw SOQL semi-join", "Account:query", soql("SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name = 'Reach Co')")},
		{"raw SOQL filter on a parent", "Account:query", soql("SELECT Id FROM Contact WHERE Account.Name LIKE 'Reach%'")},
		{"raw SOQL child subquery", "Case:query", soql("SELECT Id, (SELECT Id FROM Cases) FROM Contact")},
		{"raw SOQL owner", "User:query", soql("SELECT Owner.Email FROM Contact")},
		{"SOSL returning", "Account:search", func(ctx context.Context) error {
			_, err := st.svc.Search(ctx, "FIND {Reach} RETURNING Account(Name)")
			return err
		}},
		{"SOSL without returning", "*:search", func(ctx context.Context) error { _, err := st.svc.Search(ctx, "FIND {Reach}"); return err }},
		{"create", "Account:create", func(ctx context.Context) error {
			_, err := st.svc.Create(ctx, "Account", rec(t, `{"Name":"x"}`))
			return err
		}},
		{"update", "Account:update", func(ctx context.Context) error { return st.svc.Update(ctx, "Account", acct, rec(t, `{"Name":"x"}`)) }},
		{"delete", "Account:delete", func(ctx context.Context) error { return st.svc.Delete(ctx, "Account", acct) }},
		{"upsert", "Account:upsert", func(ctx context.Context) error {
			_, err := st.svc.Upsert(ctx, "Account", "External_Id__c", "X", rec(t, `{"Name":"x"}`))
			return err
		}},
		{"batch", "Account:create", func(ctx context.Context) error {
			_, err := st.svc.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", Records: []Record{rec(t, `{"Name":"x"}`)}})
			return err
		}},
		{"batch delete", "Account:delete", func(ctx context.Context) error {
			_, err := st.svc.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "delete", Records: []Record{{"Id": acct}}})
			return err
		}},
		{"merge", "Account:merge", func(ctx context.Context) error {
			_, err := st.svc.Merge(ctx, "Account", acct, sfgate.MergeRequest{MergeIDs: []string{other}})
			return err
		}},
		{"convert", "Lead:convert", func(ctx context.Context) error {
			_, err := st.svc.ConvertLead(ctx, sfgate.LeadConvertRequest{LeadID: "00Q000000000001", ConvertedStatus: "Closed - Converted"})
			return err
		}},
		{"describe", "on Account", func(ctx context.Context) error { _, err := st.svc.DescribeSObject(ctx, "Account"); return err }},
		{"schema", "on Account", func(ctx context.Context) error { _, err := st.svc.RecordSchema(ctx, "Account"); return err }},
		{"cache admin", ":admin", func(ctx context.Context) error { return st.svc.InvalidateDescribe(ctx, "Account") }},
	}
}

// TestChildSubqueryAndTypeOfNeedTheirObjects: a caller allowed to query
// Account and Case reaches their children and TYPEOF targets only with
// those objects' permissions.
func TestChildSubqueryAndTypeOfNeedTheirObjects(t *testing.T) {
	t.Parallel()
	st := newStack(t, 3)
	c := &sfgate.Caller{Name: "accounts", Access: testAccess{allow: []string{"account:query", "case:query"}}}
	ctx := sfgate.WithCaller(t.Context(), c)
	if _, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Name FROM Account LIMIT 1"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Subject FROM Case LIMIT 1"}}); err != nil {
		t.Fatal(err)
	}
	before := st.calls(t)
	for q, want := range map[string]string{
		"SELECT Name, (SELECT LastName FROM Contacts) FROM Account":                               "needs Contact:query",
		"SELECT TYPEOF Owner WHEN User THEN Username END FROM Case":                               "needs User:query",
		"SELECT Subject FROM Case WHERE ContactId IN (SELECT Id FROM Contact)":                    "needs Contact:query",
		"SELECT Id FROM Account WHERE Name IN (SELECT Name FROM Account) -- not SOQL":             "cannot read",
		"SELECT Id FROM Account WHERE Id IN (SELECT AccountId FROM Case WHERE Owner.Email = 'x')": "needs ",
	} {
		_, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: q}})
		kind, code := sfgate.KindForbidden, codeForbidden
		if want == "cannot read" {
			kind, code = sfgate.KindInvalid, codeQueryNotUnderstood
		}
		if e := wantError(t, err, kind, code); !strings.Contains(e.Detail, want) {
			t.Errorf("%s: %q, want %q", q, e.Detail, want)
		}
	}
	if after := st.calls(t); !maps.Equal(before, after) {
		t.Errorf("refused requests reached sfsim: before %v, after %v", before, after)
	}
}

// TestDeniedFields: a denied field is refused where named (select, filter,
// order, write) and withheld where not (whole-record get, describe,
// schema).
func TestDeniedFields(t *testing.T) {
	t.Parallel()
	st := newStack(t, 3)
	id, err := st.svc.Create(t.Context(), "Contact", rec(t, `{"LastName":"Deny","Email":"deny@example.com"}`))
	if err != nil {
		t.Fatal(err)
	}
	c := &sfgate.Caller{Name: "no-email", Access: testAccess{
		allow: []string{"contact:read", "contact:query", "contact:update", "contact:create", "contact:search"},
		deny:  []string{"contact.email"},
	}}
	ctx := sfgate.WithCaller(t.Context(), c)
	ordered, err := st.svc.Get(ctx, "Contact", id, nil)
	got := ordered.Map()
	if err != nil || got["LastName"] != "Deny" {
		t.Fatalf("get: %v, %v", got, err)
	}
	if _, ok := got["Email"]; ok {
		t.Errorf("get without fields returned the denied Email")
	}
	d, err := st.svc.DescribeSObject(ctx, "Contact")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range d.Fields {
		if f.Name == "Email" {
			t.Errorf("describe lists the denied Email")
		}
	}
	schema, err := st.svc.RecordSchema(ctx, "Contact")
	if err != nil {
		t.Fatal(err)
	}
	if props, _ := schema["properties"].(map[string]any); props["Email"] != nil || props["LastName"] == nil {
		t.Errorf("schema properties: Email %v, LastName %v", props["Email"], props["LastName"])
	}
	before := st.calls(t)
	for name, do := range map[string]func() error{
		"get named": func() error { _, err := st.svc.Get(ctx, "Contact", id, []string{"email"}); return err },
		"update":    func() error { return st.svc.Update(ctx, "Contact", id, rec(t, `{"Email":"x@example.com"}`)) },
		"create": func() error {
			_, err := st.svc.Create(ctx, "Contact", rec(t, `{"LastName":"x","EMAIL":"x@example.com"}`))
			return err
		},
		"select":      func() error { return querySOQL(ctx, st, "SELECT Email FROM Contact") },
		"filter":      func() error { return querySOQL(ctx, st, "SELECT Id FROM Contact WHERE Email LIKE 'deny%'") },
		"order":       func() error { return querySOQL(ctx, st, "SELECT Id FROM Contact ORDER BY Email") },
		"fields(all)": func() error { return querySOQL(ctx, st, "SELECT FIELDS(ALL) FROM Contact LIMIT 1") },
		"sosl returns": func() error {
			_, err := st.svc.Search(ctx, "FIND {Deny} IN NAME FIELDS RETURNING Contact(Email)")
			return err
		},
		"sosl matches": func() error {
			_, err := st.svc.Search(ctx, "FIND {deny@example.com} IN EMAIL FIELDS RETURNING Contact(Id)")
			return err
		},
		"structured filter": func() error {
			_, err := st.svc.Query(ctx, sfgate.QueryInput{SObject: "Contact", Structured: &sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Email", "=", "deny@example.com")}})
			return err
		},
	} {
		if e := wantError(t, do(), sfgate.KindForbidden, codeForbidden); !strings.Contains(e.Detail, "Contact.Email") {
			t.Errorf("%s: %q does not name Contact.Email", name, e.Detail)
		}
	}
	if after := st.calls(t); !maps.Equal(before, after) {
		t.Errorf("refused requests reached sfsim: before %v, after %v", before, after)
	}
}

func querySOQL(ctx context.Context, st *stack, q string) error {
	_, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: q}})
	return err
}

// TestSOQLLengthRefusedLocally: a statement over 100,000 characters, raw
// or built from a structured query's value list, never reaches sfsim.
func TestSOQLLengthRefusedLocally(t *testing.T) {
	t.Parallel()
	st := newStack(t, 1)
	ctx := t.Context()
	if _, err := st.svc.Query(ctx, sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id FROM Account LIMIT 1"}}); err != nil {
		t.Fatal(err)
	}
	before := st.calls(t)
	long := "SELECT Id FROM Account WHERE Name = '" + strings.Repeat("x", maxSOQLLength) + "'"
	e := wantError(t, querySOQL(ctx, st, long), sfgate.KindInvalid, codeQueryTooLong)
	if e.Errors[0].Field != "/soql" {
		t.Errorf("refusal names %q", e.Errors[0].Field)
	}
	names := make([]any, 5000)
	for i := range names {
		names[i] = strings.Repeat("n", 20)
	}
	_, err := st.svc.Query(ctx, sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{Fields: []string{"Id"}, Where: cmpq("Name", "in", names)}})
	wantError(t, err, sfgate.KindInvalid, codeQueryTooLong)
	if after := st.calls(t); !maps.Equal(before, after) {
		t.Errorf("refused queries reached sfsim: before %v, after %v", before, after)
	}
}

// TestForbiddenParentIsNotDescribed: with a cold cache, a structured
// query through a forbidden parent is refused before the parent's
// describe is fetched.
func TestForbiddenParentIsNotDescribed(t *testing.T) {
	t.Parallel()
	st := newStack(t, 1)
	c := &sfgate.Caller{Name: "contacts", Access: testAccess{allow: []string{"contact:query"}}}
	ctx := sfgate.WithCaller(t.Context(), c)
	if err := querySOQL(ctx, st, "SELECT Id FROM Contact LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	before := st.calls(t)
	for _, fields := range [][]string{{"Account.Name"}, {"Id", "Account.Owner.Email"}} {
		_, err := st.svc.Query(ctx, sfgate.QueryInput{SObject: "Contact", Structured: &sfgate.StructuredQuery{Fields: fields}})
		if e := wantError(t, err, sfgate.KindForbidden, codeForbidden); e.Detail != "needs Account:query" {
			t.Errorf("%v: %q", fields, e.Detail)
		}
	}
	if after := st.calls(t); !maps.Equal(before, after) {
		t.Errorf("the refusal cost calls: before %v, after %v", before, after)
	}
}
