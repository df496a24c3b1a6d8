package main

import (
	"net/http"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// TestE2EReplicas runs two gateways as replicas of one deployment (one
// org, one Redis database, the same CACHE_ENCRYPTION_KEY and
// GATEWAY_CURSOR_KEY) and checks what callers and the org see: one login
// and one describe per object between them, a cursor issued by one
// accepted by the other, and a describe invalidated on one dropped on the
// other.
func TestE2EReplicas(t *testing.T) {
	t.Parallel()
	a := startStack(t, stackOptions{seedAccounts: 250})
	b := startStack(t, stackOptions{replicaOf: a})
	start := a.simStats(t)
	if n := start[sfsim.StatOAuthClientCredentials]; n != 1 {
		t.Errorf("two replicas started with %d token requests, want 1 (the session is shared through Redis)", n)
	}

	// Records and queries use the shared cached describe (the describe
	// endpoint itself revalidates on every request, see docs/metadata.md).
	contacts := map[string]any{"fields": []string{"Id", "LastName"}, "limit": 1}
	want(t, "query on A", a.do(t, http.MethodPost, "/v1/sobjects/Contact/query", contacts), 200)
	want(t, "query on B", b.do(t, http.MethodPost, "/v1/sobjects/Contact/query", contacts), 200)
	if n := a.simStats(t)["describeSObject"] - start["describeSObject"]; n != 1 {
		t.Errorf("Contact described on both replicas cost %d describeSObject calls, want 1", n)
	}

	first := a.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account ORDER BY Id", "pageSize": 200})
	want(t, "first page on A", first, 200, `"nextCursor"`)
	cursor := first.json(t)["nextCursor"].(string)
	next := b.do(t, http.MethodGet, "/v1/query/"+cursor, nil)
	want(t, "next page on B", next, 200, `"done":true`)
	if n := len(first.json(t)["records"].([]any)) + len(next.json(t)["records"].([]any)); n != countSOQL(t, b, "SELECT COUNT() FROM Account") {
		t.Errorf("the two pages across replicas hold %d records", n)
	}

	// Invalidation on A reaches B's in-process copy.
	want(t, "warm B", b.do(t, http.MethodGet, "/v1/sobjects/Invoice__c", nil), 200)
	a.simCall(t, http.MethodPost, "/_sim/sobjects/Invoice__c/fields", map[string]any{"name": "Replica_Note__c", "type": "text", "length": 20}, nil)
	want(t, "invalidate on A", a.do(t, http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{"sobject": "Invoice__c"}), 200)
	want(t, "describe on B after A invalidated", b.do(t, http.MethodGet, "/v1/sobjects/Invoice__c", nil), 200, `"Replica_Note__c"`)

	// A record written through one replica reads back through the other.
	c := a.do(t, http.MethodPost, "/v1/sobjects/Invoice__c/records", map[string]any{"Name": "INV-R", "Replica_Note__c": "via A", "Paid_At__c": "2026-01-02T03:04:05Z"})
	want(t, "create on A", c, 201)
	got := b.do(t, http.MethodGet, "/v1/sobjects/Invoice__c/records/"+c.json(t)["id"].(string)+"?fields=Replica_Note__c,Paid_At__c", nil)
	want(t, "get on B", got, 200, `"Replica_Note__c":"via A"`, `"Paid_At__c":"2026-01-02T03:04:05Z"`)
}
