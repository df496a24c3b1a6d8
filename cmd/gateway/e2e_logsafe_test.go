package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestLogsHoldNoRecordValues sends failing requests that carry distinctive
// record values (in bodies, batches, an upsert's external id, a SOQL
// literal, a Salesforce fault that echoes the value) and checks that the
// log, at debug level, names fields and codes but holds none of the
// values (issue 9, item 5: a failing 5.7 MB batch used to be logged whole).
func TestLogsHoldNoRecordValues(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{env: map[string]string{"LOG_LEVEL": "debug"}})
	long := "QZXLONGVALUE" + strings.Repeat("q", 300)
	values := []string{"QZXLONGVALUE", "QZXBATCHVALUE", "QZXTYPEDVALUE", "QZXEXTERNALID", "QZXSOQLLITERAL", "QZXUNKNOWNFIELD", "QZXMERGEVALUE"}
	requests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		// Salesforce's own fault echoes the value (STRING_TOO_LONG).
		{"too long for Salesforce", http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": long}, 0},
		// The validator's error (kin-openapi) prints the value it checked.
		{"batch breaking the document", http.MethodPost, "/v1/sobjects/Account/records/batch",
			map[string]any{"operation": "create", "records": []any{map[string]any{"Name": "QZXBATCHVALUE"}, "QZXBATCHVALUE"}}, http.StatusBadRequest},
		{"batch with a mistyped field", http.MethodPost, "/v1/sobjects/Account/records/batch",
			map[string]any{"operation": "create", "allOrNone": true, "records": []any{map[string]any{"Name": "ok", "NumberOfEmployees": "QZXTYPEDVALUE"}}}, 0},
		{"unknown field with a value", http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": "x", "Bogus__c": "QZXUNKNOWNFIELD"}, 0},
		{"upsert by a value", http.MethodPut, "/v1/sobjects/Account/records/by/Id/QZXEXTERNALID", map[string]any{"Name": "QZXTYPEDVALUE", "Bogus__c": 1}, 0},
		{"SOQL with a literal", http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account WHERE Nonexistent__c = 'QZXSOQLLITERAL'"}, 0},
		{"merge of a bad id", http.MethodPost, "/v1/sobjects/Account/records/001000000000001AAA/merge",
			map[string]any{"mergeIds": []string{"001QZXMERGEVALUE"}}, 0},
	}
	for _, rq := range requests {
		a := s.do(t, rq.method, rq.path, rq.body)
		if a.status < 400 || (rq.want != 0 && a.status != rq.want) {
			t.Errorf("%s: %s, want a failure", rq.name, a)
		}
	}
	lines := strings.Split(s.logs.tail(), "\n")
	if len(lines) >= e2eLogKeep {
		t.Fatalf("the log kept only its last %d lines; this test needs them all", e2eLogKeep)
	}
	failed := 0
	for _, l := range lines {
		if strings.Contains(l, `"request failed"`) {
			failed++
		}
		for _, v := range values {
			if strings.Contains(l, v) {
				t.Errorf("the log holds the record value %s: %.400s", v, l)
			}
		}
	}
	if failed < len(requests) {
		t.Errorf("%d failures logged for %d failing requests", failed, len(requests))
	}
	if !strings.Contains(s.logs.tail(), `"fields":"`) {
		t.Error("no failure named its fields")
	}
}
