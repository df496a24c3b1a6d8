package main

import (
	"net/http"
	"net/url"
	"testing"
)

// TestE2EHostileValues checks that values which would break SOQL or XML if
// pasted in are escaped, not refused: XML's special characters round-trip
// exactly, and SOQL injection attempts in filter values are answered 200
// with no rows (the value is compared literally), each costing exactly one
// well-formed query at sfsim.
func TestE2EHostileValues(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})

	// XML special characters, a CDATA end, an entity, a backslash, a quote
	// of each kind, tabs and line breaks, and characters outside ASCII.
	name := uniq(`<Acme & "Sons"> 'Ltd' ]]> &amp; \ é 😀`)
	desc := "line 1\nline 2\r\n\ttabbed <b>&nbsp;</b> ' \" \\' \\\\"
	a := s.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": name, "Description": desc})
	if a.status != http.StatusCreated {
		t.Fatalf("create with XML special characters: %s", a)
	}
	id := a.json(t)["id"].(string)
	rec := s.do(t, http.MethodGet, "/v1/sobjects/Account/records/"+id+"?fields=Name,Description", nil).json(t)
	if rec["Name"] != name || rec["Description"] != desc {
		t.Errorf("round trip changed the values:\n got Name %q Description %q\nwant Name %q Description %q", rec["Name"], rec["Description"], name, desc)
	}

	// The same value as a filter finds exactly that record.
	found := s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{
		"fields": []string{"Id"}, "where": map[string]any{"field": "Name", "op": "=", "value": name},
	}).json(t)
	if recs, _ := found["records"].([]any); len(recs) != 1 || recs[0].(map[string]any)["Id"] != id {
		t.Errorf("filtering on the hostile name: %v, want exactly %s", found, id)
	}

	// Injection attempts in values: each is one literal value.
	injections := []struct {
		name, op string
		value    any
	}{
		{"quote OR", "=", `x' OR Name != '`},
		{"escaped quote OR", "=", `x\' OR Name != \'`},
		{"lone backslash", "=", `\`},
		{"double backslash then quote", "=", `x\\' OR Name != '`},
		{"newline then OR", "=", "x'\nOR Name != '"},
		{"comment", "=", `x' OR Name != '' --`},
		{"LIMIT smuggling", "!=", `x' LIMIT 1`},
		{"like with quotes", "like", `%' OR Name LIKE '%`},
		{"subquery", "=", `x' OR Id IN (SELECT AccountId FROM Contact) OR Name = '`},
		{"in list", "in", []string{`a' OR Name != '`, `b\' OR Name != \'`}},
		{"unicode quote look-alike", "=", "x\u2019 OR Name != \u2019"},
	}
	for _, in := range injections {
		t.Run(in.name, func(t *testing.T) {
			before := s.simStats(t)
			a := s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{
				"fields": []string{"Id", "Name"}, "where": map[string]any{"field": "Name", "op": in.op, "value": in.value},
			})
			after := s.simStats(t)
			if a.status != http.StatusOK {
				t.Fatalf("want 200 (escaped, not refused): %s", a)
			}
			m := a.json(t)
			want := "0"
			if in.op == "!=" {
				// Every account's name differs from the literal: all rows.
				want = ""
			}
			if got := m["totalSize"].(interface{ String() string }).String(); want != "" && got != want {
				t.Errorf("totalSize %s, want %s: the value was not compared literally: %s", got, want, a)
			}
			if want == "" && len(m["records"].([]any)) < 50 {
				t.Errorf("!= a literal should match every account: %s", a)
			}
			if d := after["query"] - before["query"]; d != 1 {
				t.Errorf("%d query calls, want exactly 1", d)
			}
		})
	}

	// An external id value with quotes and XML characters in the upsert path.
	ext := `a'b"c<d>&e\f`
	up := s.do(t, http.MethodPut, "/v1/sobjects/Account/records/by/External_Id__c/"+url.PathEscape(ext), map[string]any{"Name": uniq("E2E upsert hostile")})
	if up.status != http.StatusCreated {
		t.Fatalf("upsert by a hostile external id: %s", up)
	}
	upID := up.json(t)["id"].(string)
	if got := s.do(t, http.MethodGet, "/v1/sobjects/Account/records/"+upID+"?fields=External_Id__c", nil).json(t)["External_Id__c"]; got != ext {
		t.Errorf("external id stored as %q, want %q", got, ext)
	}
	if again := s.do(t, http.MethodPut, "/v1/sobjects/Account/records/by/External_Id__c/"+url.PathEscape(ext), map[string]any{"Industry": "Energy"}); again.status != http.StatusOK || again.json(t)["id"] != upID {
		t.Errorf("second upsert by the same hostile external id: %s, want 200 for %s", again, upID)
	}
	for _, del := range []string{id, upID} {
		if d := s.do(t, http.MethodDelete, "/v1/sobjects/Account/records/"+del, nil); d.status != http.StatusNoContent {
			t.Errorf("delete %s: %s", del, d)
		}
	}
}
