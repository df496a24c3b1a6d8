package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestE2EPolymorphic: a polymorphic parent (Case.Owner: Group or User in
// the real describe, ../shared/salesforce/describe/Case.json) reads the Name
// object, raw and structured, typed from Name's fields and marked
// "attributes": {"type": "Name"}; Account.Owner reaches User only (real
// describe Account.json: OwnerId referenceTo [User]), so Owner.Type there
// is refused; TYPEOF, raw and structured, answers the parent's real type.
func TestE2EPolymorphic(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})

	checkName := func(t *testing.T, what string, recs []map[string]any) {
		t.Helper()
		if len(recs) == 0 {
			t.Fatalf("%s: no cases", what)
		}
		for _, r := range recs {
			owner, ok := r["Owner"].(map[string]any)
			if !ok {
				t.Fatalf("%s: Owner is not an object: %v", what, r)
			}
			if diff := cmp.Diff(map[string]any{"type": "Name"}, owner["attributes"]); diff != "" {
				t.Errorf("%s: Owner attributes (-want +got):\n%s", what, diff)
			}
			if owner["Type"] != "User" || owner["IsActive"] != true {
				t.Errorf("%s: Owner.Type %#v, Owner.IsActive %#v; want \"User\" and the boolean true", what, owner["Type"], owner["IsActive"])
			}
			if n, _ := owner["Name"].(string); n == "" {
				t.Errorf("%s: Owner.Name %#v, want the user's name", what, owner["Name"])
			}
		}
	}
	raw := s.soqlAll(t, "SELECT Id, Owner.Type, Owner.Name, Owner.IsActive FROM Case LIMIT 5")
	checkName(t, "raw", raw)

	a := s.do(t, http.MethodPost, "/v1/sobjects/Case/query", map[string]any{
		"fields": []string{"Id", "Owner.Type", "Owner.Name", "Owner.IsActive"},
		"where":  map[string]any{"field": "Owner.Type", "op": "=", "value": "User"},
		"limit":  5,
	})
	if a.status != http.StatusOK {
		t.Fatalf("structured: %s", a)
	}
	checkName(t, "structured", records(t, a))

	// Account.Owner is a User: Owner.Type is no field of it.
	a = s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{"fields": []string{"Id", "Owner.Type"}})
	wantProblem(t, a, http.StatusUnprocessableEntity, "/fields/1", "UNKNOWN_FIELD")
	a = s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Owner.Type FROM Account"})
	wantProblem(t, a, http.StatusBadRequest, "", "INVALID_FIELD")

	// TYPEOF: the parent comes back with its real type and that type's
	// fields, typed from User's describe.
	checkUser := func(t *testing.T, what string, recs []map[string]any) {
		t.Helper()
		if len(recs) == 0 {
			t.Fatalf("%s: no cases", what)
		}
		for _, r := range recs {
			owner, _ := r["Owner"].(map[string]any)
			if diff := cmp.Diff(map[string]any{"type": "User"}, owner["attributes"]); diff != "" {
				t.Errorf("%s: Owner attributes (-want +got):\n%s", what, diff)
			}
			if u, _ := owner["Username"].(string); u == "" || owner["IsActive"] != true {
				t.Errorf("%s: Owner %v; want a Username and IsActive true", what, owner)
			}
		}
	}
	checkUser(t, "raw TYPEOF", s.soqlAll(t, "SELECT Id, TYPEOF Owner WHEN User THEN Username, IsActive ELSE Name END FROM Case LIMIT 5"))
	a = s.do(t, http.MethodPost, "/v1/sobjects/Case/query", map[string]any{
		"fields": []string{"Id"},
		"typeOf": []any{map[string]any{"relationship": "Owner", "when": map[string]any{"User": []string{"Username", "IsActive"}}, "else": []string{"Name"}}},
		"limit":  5,
	})
	if a.status != http.StatusOK {
		t.Fatalf("structured TYPEOF: %s", a)
	}
	checkUser(t, "structured TYPEOF", records(t, a))

	// The structured TYPEOF is checked against each WHEN type's describe.
	a = s.do(t, http.MethodPost, "/v1/sobjects/Case/query", map[string]any{
		"fields": []string{"Id"},
		"typeOf": []any{map[string]any{"relationship": "Owner", "when": map[string]any{"User": []string{"Amount"}}}},
	})
	wantProblem(t, a, http.StatusUnprocessableEntity, "/typeOf/0/when/User/0", "UNKNOWN_FIELD")
}

// TestE2EAggregates: GROUP BY with COUNT and SUM, plain and ROLLUP, raw and
// structured, decode as JSON numbers (COUNT whole) matching totals computed
// from the plain rows; grouped queries are never paged.
func TestE2EAggregates(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{seedAccounts: 250})

	// The expected groups, from the plain rows.
	type group struct {
		n     int64
		total *big.Rat
	}
	want := map[string]*group{}
	for _, r := range s.soqlAll(t, "SELECT StageName, Amount FROM Opportunity") {
		st, _ := r["StageName"].(string)
		g := want[st]
		if g == nil {
			g = &group{total: new(big.Rat)}
			want[st] = g
		}
		g.n++
		if amt, ok := r["Amount"].(json.Number); ok {
			x, _ := new(big.Rat).SetString(string(amt))
			g.total.Add(g.total, x)
		}
	}
	if len(want) < 2 {
		t.Fatalf("seeded opportunities have %d stages, want several", len(want))
	}
	check := func(t *testing.T, what, nKey, sumKey string, recs []map[string]any) {
		t.Helper()
		if len(recs) != len(want) {
			t.Fatalf("%s: %d groups, want %d: %v", what, len(recs), len(want), recs)
		}
		for _, r := range recs {
			st, _ := r["StageName"].(string)
			g := want[st]
			n, ok := r[nKey].(json.Number)
			if g == nil || !ok || n.String() != fmt.Sprint(g.n) {
				t.Errorf("%s: %s count %#v, want the JSON number %d", what, st, r[nKey], g.n)
				continue
			}
			sum, ok := r[sumKey].(json.Number)
			x, _ := new(big.Rat).SetString(string(sum))
			if !ok || x == nil || new(big.Rat).Sub(x, g.total).Abs(new(big.Rat).Sub(x, g.total)).Cmp(big.NewRat(1, 100)) > 0 {
				t.Errorf("%s: %s sum %#v, want the JSON number %s", what, st, r[sumKey], g.total.FloatString(2))
			}
		}
	}
	check(t, "raw", "n", "expr0", s.soqlAll(t, "SELECT StageName, COUNT(Id) n, SUM(Amount) FROM Opportunity GROUP BY StageName"))
	a := s.do(t, http.MethodPost, "/v1/sobjects/Opportunity/query", map[string]any{
		"fields":     []string{"StageName"},
		"aggregates": []any{map[string]any{"function": "COUNT", "field": "Id", "alias": "n"}, map[string]any{"function": "SUM", "field": "Amount"}},
		"groupBy":    []string{"StageName"},
	})
	if a.status != http.StatusOK {
		t.Fatalf("structured: %s", a)
	}
	check(t, "structured", "n", "expr0", records(t, a))

	// ROLLUP: one row per stage, then the grand total with StageName null.
	var all int64
	for _, g := range want {
		all += g.n
	}
	rollup := func(t *testing.T, what string, recs []map[string]any) {
		t.Helper()
		if len(recs) != len(want)+1 {
			t.Fatalf("%s: %d rows, want %d groups and a total", what, len(recs), len(want)+1)
		}
		last := recs[len(recs)-1]
		if last["StageName"] != nil || fmt.Sprint(last["n"]) != fmt.Sprint(all) {
			t.Errorf("%s: total row %v, want StageName null and n %d", what, last, all)
		}
		check(t, what, "n", "total", recs[:len(recs)-1])
	}
	rollup(t, "raw ROLLUP", s.soqlAll(t, "SELECT StageName, COUNT(Id) n, SUM(Amount) total FROM Opportunity GROUP BY ROLLUP(StageName)"))
	a = s.do(t, http.MethodPost, "/v1/sobjects/Opportunity/query", map[string]any{
		"fields":      []string{"StageName"},
		"aggregates":  []any{map[string]any{"function": "COUNT", "field": "Id", "alias": "n"}, map[string]any{"function": "SUM", "field": "Amount", "alias": "total"}},
		"groupBy":     []string{"StageName"},
		"groupByMode": "rollup",
	})
	if a.status != http.StatusOK {
		t.Fatalf("structured rollup: %s", a)
	}
	rollup(t, "structured ROLLUP", records(t, a))

	aggregatesHaving(t, s)
	aggregatesNeverPaged(t, s)
}

// aggregatesHaving: HAVING over an alias keeps only the groups with more
// than one row, ordered by the aggregate.
func aggregatesHaving(t *testing.T, s *stack) {
	a := s.do(t, http.MethodPost, "/v1/sobjects/Opportunity/query", map[string]any{
		"fields":     []string{"StageName"},
		"aggregates": []any{map[string]any{"function": "COUNT", "field": "Id", "alias": "n"}},
		"groupBy":    []string{"StageName"},
		"having":     map[string]any{"field": "n", "op": ">", "value": 1},
		"orderBy":    []any{map[string]any{"field": "n", "direction": "desc"}},
	})
	if a.status != http.StatusOK {
		t.Fatalf("structured having: %s", a)
	}
	prev := int64(1 << 62)
	for _, r := range records(t, a) {
		n, _ := r["n"].(json.Number).Int64()
		if n <= 1 || n > prev {
			t.Errorf("having n > 1 ordered by n desc: got %v", r)
		}
		prev = n
	}

}

// aggregatesNeverPaged: 250 groups do not fit the caller's batch of 200:
// the structured query asks at 2,000 at once; raw SOQL is asked again at
// 2,000 once Salesforce refuses the smaller batch.
func aggregatesNeverPaged(t *testing.T, s *stack) {
	before := s.simStats(t)["query"]
	a := s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{
		"fields": []string{"Id"}, "groupBy": []string{"Id"}, "pageSize": 200,
	})
	if got := len(records(t, a)); a.status != http.StatusOK || got < 250 {
		t.Fatalf("structured 250 groups at pageSize 200: %d records: %s", got, a)
	}
	mid := s.simStats(t)["query"]
	a = s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account GROUP BY Id", "pageSize": 200})
	if got := len(records(t, a)); a.status != http.StatusOK || got < 250 || a.json(t)["done"] != true {
		t.Fatalf("raw 250 groups at pageSize 200: %d records: %s", got, a)
	}
	after := s.simStats(t)["query"]
	if mid-before != 1 || after-mid != 2 {
		t.Errorf("query calls: structured %d (want 1), raw %d (want 2: refused at 200, then 2,000)", mid-before, after-mid)
	}
}

// records returns the records of a 200 query answer.
func records(t *testing.T, a answer) []map[string]any {
	t.Helper()
	recs, _ := a.json(t)["records"].([]any)
	out := make([]map[string]any, 0, len(recs))
	for _, r := range recs {
		m, _ := r.(map[string]any)
		out = append(out, m)
	}
	return out
}

// wantProblem checks a problem's status and code and, when field is set,
// that one of its errors names field with code.
func wantProblem(t *testing.T, a answer, status int, field, code string) {
	t.Helper()
	if a.status != status {
		t.Fatalf("status %d, want %d: %s", a.status, status, a)
	}
	p := a.json(t)
	if field == "" {
		if p["code"] != code {
			t.Errorf("code %v, want %s: %s", p["code"], code, a)
		}
		return
	}
	errs, _ := p["errors"].([]any)
	for _, e := range errs {
		if m, _ := e.(map[string]any); m["field"] == field && m["code"] == code {
			return
		}
	}
	t.Errorf("no error names %s with %s: %s", field, code, a)
}
