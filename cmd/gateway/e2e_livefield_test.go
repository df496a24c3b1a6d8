package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/metadata"
)

// TestE2ELiveCustomField adds custom fields to Account through sfsim's
// control API while the gateway runs, and checks that the very next
// request, whichever it is, sees the field: describe, JSON Schema, a write,
// a structured query. Each first request gets a field of its own, so each
// is really the first to meet it. DESCRIBE_TTL stays at its default (5m):
// nothing expires during the test.
func TestE2ELiveCustomField(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})
	// Warm the describe cache first, so it holds Account without the fields.
	for _, p := range []string{"/v1/sobjects/Account", "/v1/sobjects/Account/schema"} {
		if a := s.do(t, http.MethodGet, p, nil); a.status != http.StatusOK {
			t.Fatalf("GET %s: %s", p, a)
		}
	}
	if a := s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{"fields": []string{"Id"}, "limit": 1}); a.status != http.StatusOK {
		t.Fatalf("warm-up query: %s", a)
	}
	addField := func(t *testing.T, spec map[string]any) {
		t.Helper()
		s.simCall(t, http.MethodPost, "/_sim/sobjects/Account/fields", spec, nil)
	}

	t.Run("describe first", func(t *testing.T) {
		addField(t, map[string]any{"name": "Loyalty_Tier__c", "type": "picklist", "label": "Loyalty Tier",
			"picklistValues": []string{"Bronze", "Silver", "Gold"}, "restricted": true})
		if f := describedField(t, s, "Loyalty_Tier__c"); f == nil {
			t.Error("GET /v1/sobjects/Account right after the field was added lacks Loyalty_Tier__c")
		} else if f["type"] != "picklist" || f["custom"] != true || f["restrictedPicklist"] != true {
			t.Errorf("Loyalty_Tier__c described as %v", f)
		}
	})

	t.Run("schema first", func(t *testing.T) {
		addField(t, map[string]any{"name": "Loyalty_Points__c", "type": "number", "label": "Loyalty Points", "precision": 10, "scale": 0})
		if p := schemaProperty(t, s, "Loyalty_Points__c"); p == nil {
			t.Error("GET /v1/sobjects/Account/schema right after the field was added lacks Loyalty_Points__c")
		}
	})

	var id string
	t.Run("write first", func(t *testing.T) {
		addField(t, map[string]any{"name": "Loyalty_Since__c", "type": "date", "label": "Loyalty Since"})
		before := s.simStats(t)
		a := s.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": uniq("E2E loyal"), "Loyalty_Since__c": "2025-03-01"})
		if a.status != http.StatusCreated {
			t.Fatalf("create naming a field added a moment ago: %s (it cost %d describeSObject calls: 0 means the refresh was not attempted)",
				a, s.simStats(t)["describeSObject"]-before["describeSObject"])
		}
		id = a.json(t)["id"].(string)
		if got := s.do(t, http.MethodGet, "/v1/sobjects/Account/records/"+id+"?fields=Loyalty_Since__c", nil).json(t)["Loyalty_Since__c"]; got != "2025-03-01" {
			t.Errorf("Loyalty_Since__c read back as %v", got)
		}
	})

	t.Run("query first", func(t *testing.T) {
		// The write's early refresh fetched a describe moments ago; the
		// metadata service refreshes such a describe again only once it is
		// metadata.DefaultMinRefreshAge old, so junk field names cannot
		// make every request a describe call. Wait that out: the field is
		// then added "while the gateway runs", as an admin would.
		time.Sleep(metadata.DefaultMinRefreshAge + 100*time.Millisecond)
		addField(t, map[string]any{"name": "Loyalty_Note__c", "type": "text", "label": "Loyalty Note", "length": 100})
		a := s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{
			"fields": []string{"Id", "Loyalty_Note__c"}, "where": map[string]any{"field": "Loyalty_Note__c", "op": "=", "value": nil}, "limit": 3,
		})
		if a.status != http.StatusOK {
			t.Fatalf("query naming a field added a moment ago: %s (%d describeSObject calls so far)", a, s.simStats(t)["describeSObject"])
		}
		recs := a.json(t)["records"].([]any)
		if len(recs) != 3 {
			t.Fatalf("want 3 accounts with no note: %s", a)
		}
		if v, ok := recs[0].(map[string]any)["Loyalty_Note__c"]; !ok || v != nil {
			t.Errorf("Loyalty_Note__c missing or not null in %v", recs[0])
		}
	})

	t.Run("all of them, everywhere, afterwards", func(t *testing.T) { liveFieldsEverywhere(t, s, id) })
}

// liveFieldsEverywhere checks that the four fields added while the gateway
// ran are described, in the schema, writable (the restricted picklist
// checked, null clearing) and queryable on the record id created with them.
func liveFieldsEverywhere(t *testing.T, s *stack, id string) {
	if id == "" {
		t.Skip("write first failed")
	}
	for _, f := range []string{"Loyalty_Tier__c", "Loyalty_Points__c", "Loyalty_Since__c", "Loyalty_Note__c"} {
		if describedField(t, s, f) == nil {
			t.Errorf("GET /v1/sobjects/Account lacks %s after a write and a query named new fields", f)
		}
		if schemaProperty(t, s, f) == nil {
			t.Errorf("GET /v1/sobjects/Account/schema lacks %s", f)
		}
	}
	// Writable: update with the new fields, including the restricted
	// picklist's check and null clearing.
	if a := s.do(t, http.MethodPatch, "/v1/sobjects/Account/records/"+id, map[string]any{
		"Loyalty_Tier__c": "Gold", "Loyalty_Points__c": 1200, "Loyalty_Note__c": "VIP <gold> & 'co'", "Loyalty_Since__c": nil,
	}); a.status != http.StatusNoContent {
		t.Fatalf("update with the new fields: %s", a)
	}
	if a := s.do(t, http.MethodPatch, "/v1/sobjects/Account/records/"+id, map[string]any{"Loyalty_Tier__c": "Platinum"}); a.status != http.StatusUnprocessableEntity {
		t.Errorf("a value outside the new restricted picklist: %s, want 422", a)
	}
	// Queryable: select and filter on them.
	a := s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{
		"fields": []string{"Id", "Loyalty_Tier__c", "Loyalty_Points__c", "Loyalty_Note__c", "Loyalty_Since__c"},
		"where": map[string]any{"and": []any{
			map[string]any{"field": "Loyalty_Tier__c", "op": "in", "value": []string{"Gold", "Silver"}},
			map[string]any{"field": "Loyalty_Points__c", "op": ">=", "value": 1000},
		}},
	})
	if a.status != http.StatusOK {
		t.Fatalf("query on the new fields: %s", a)
	}
	recs := a.json(t)["records"].([]any)
	if len(recs) != 1 {
		t.Fatalf("want the one updated account: %s", a)
	}
	r := recs[0].(map[string]any)
	if r["Id"] != id || r["Loyalty_Tier__c"] != "Gold" || r["Loyalty_Points__c"] != json.Number("1200") || r["Loyalty_Note__c"] != "VIP <gold> & 'co'" || r["Loyalty_Since__c"] != nil {
		t.Errorf("record read back: %v", r)
	}
}

// describedField returns the field of GET /v1/sobjects/Account named name.
func describedField(t *testing.T, s *stack, name string) map[string]any {
	t.Helper()
	a := s.do(t, http.MethodGet, "/v1/sobjects/Account", nil)
	if a.status != http.StatusOK {
		t.Fatalf("describe: %s", a)
	}
	fields, _ := a.json(t)["fields"].([]any)
	i := slices.IndexFunc(fields, func(f any) bool { return f.(map[string]any)["name"] == name })
	if i < 0 {
		return nil
	}
	return fields[i].(map[string]any)
}

// schemaProperty returns the create schema's property name from GET
// /v1/sobjects/Account/schema, wherever the document keeps it.
func schemaProperty(t *testing.T, s *stack, name string) any {
	t.Helper()
	a := s.do(t, http.MethodGet, "/v1/sobjects/Account/schema", nil)
	if a.status != http.StatusOK {
		t.Fatalf("schema: %s", a)
	}
	doc := a.json(t)
	for _, props := range []any{doc["properties"], dig(doc, "$defs", "create", "properties"), dig(doc, "$defs", "update", "properties")} {
		if m, ok := props.(map[string]any); ok && m[name] != nil {
			return m[name]
		}
	}
	return nil
}

func dig(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}
