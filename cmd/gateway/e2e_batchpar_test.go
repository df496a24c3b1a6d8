package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// Acceptance tests of issue 11's parallel batch chunks (docs/service.md,
// "Batches"): the 200-record calls of one batch go out concurrently,
// GATEWAY_BATCH_CONCURRENCY at once and never past the org's cap, and the
// results still come back in input order. What is asserted is what the
// org saw (sfsim's peak of calls in flight), not how long anything took.

type batchAnswer struct {
	SuccessCount int `json:"successCount"`
	FailureCount int `json:"failureCount"`
	Results      []struct {
		Index   int    `json:"index"`
		Success bool   `json:"success"`
		ID      string `json:"id"`
		Errors  []struct {
			Code string `json:"code"`
		} `json:"errors"`
	} `json:"results"`
}

// createBatch sends n creates named prefix-0 … prefix-(n-1) in one batch.
func createBatch(t *testing.T, s *stack, prefix string, n int) batchAnswer {
	t.Helper()
	recs := make([]map[string]any, n)
	for i := range recs {
		recs[i] = map[string]any{"Name": fmt.Sprintf("%s-%d", prefix, i)}
	}
	a := s.do(t, http.MethodPost, accRecords+"/batch", map[string]any{"operation": "create", "records": recs})
	if a.status != http.StatusOK {
		t.Fatalf("batch: %s", a)
	}
	var out batchAnswer
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Results) != n {
		t.Fatalf("%d results for %d records", len(out.Results), n)
	}
	return out
}

// namesByID reads back the Names of the accounts whose Name starts with
// prefix, by id.
func namesByID(t *testing.T, s *stack, prefix string) map[string]string {
	t.Helper()
	names := map[string]string{}
	a := s.do(t, http.MethodPost, "/v1/query/stream", map[string]any{
		"soql": "SELECT Id, Name FROM Account WHERE Name LIKE '" + prefix + "-%'"}, "Accept", "application/x-ndjson")
	if a.status != http.StatusOK {
		t.Fatalf("query: %s", a)
	}
	for line := range bytes.Lines(a.body) {
		var r struct{ Id, Name string }
		if err := json.Unmarshal(line, &r); err != nil {
			t.Fatalf("stream line %q: %v", line, err)
		}
		names[r.Id] = r.Name
	}
	return names
}

func TestE2EBatchChunksInParallel(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		env      map[string]string
		wantPeak int
	}{
		// 10 calls of 200, each held 100 ms by the org: four at a time.
		{"default concurrency", nil, 4},
		// The org's cap (here 2) wins over the batch's own bound.
		{"within the org's cap", map[string]string{"SF_MAX_CONCURRENT_CALLS": "2", "SF_MAX_CONCURRENT_CALLS_LOCAL": "2"}, 2},
		{"one at a time", map[string]string{"GATEWAY_BATCH_CONCURRENCY": "1"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, stackOptions{env: tc.env})
			s.do(t, http.MethodGet, "/v1/sobjects/Account/describe", nil) // describe before the batch
			s.simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "create", "fault": "delay", "delayMs": 100, "count": 10}, nil)
			before := s.simState(t)
			const n = 2000
			out := createBatch(t, s, "par", n)
			after := s.simState(t)
			if got := after.Calls["create"] - before.Calls["create"]; got != 10 {
				t.Errorf("%d create calls for %d records, want 10", got, n)
			}
			if after.MaxInFlight != tc.wantPeak {
				t.Errorf("the org saw at most %d calls at once, want %d", after.MaxInFlight, tc.wantPeak)
			}
			if out.SuccessCount != n || out.FailureCount != 0 {
				t.Fatalf("%d succeeded, %d failed", out.SuccessCount, out.FailureCount)
			}
			names := namesByID(t, s, "par")
			for i, r := range out.Results {
				if r.Index != i || names[r.ID] != fmt.Sprintf("par-%d", i) {
					t.Fatalf("result %d: index %d, id %s names %q, want par-%d", i, r.Index, r.ID, names[r.ID], i)
				}
			}
		})
	}
}

// TestE2EBatchChunkFailsAlone: one call of a parallel batch failing as a
// whole fails its own 200 records only; the other calls' records stand.
func TestE2EBatchChunkFailsAlone(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})
	s.do(t, http.MethodGet, "/v1/sobjects/Account/describe", nil)
	s.simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "create", "fault": "UNABLE_TO_LOCK_ROW", "count": 1}, nil)
	const n = 1000
	out := createBatch(t, s, "one-fails", n)
	if out.SuccessCount != n-200 || out.FailureCount != 200 {
		t.Fatalf("%d succeeded, %d failed; want %d and 200", out.SuccessCount, out.FailureCount, n-200)
	}
	failedChunk := -1
	for i, r := range out.Results {
		if r.Success {
			continue
		}
		if failedChunk == -1 {
			failedChunk = i / 200
		}
		if i/200 != failedChunk || len(r.Errors) != 1 || r.Errors[0].Code != "NOT_PROCESSED" {
			t.Fatalf("record %d failed with %+v; want only chunk %d's records, NOT_PROCESSED", i, r.Errors, failedChunk)
		}
	}
	names := namesByID(t, s, "one-fails")
	if len(names) != n-200 {
		t.Errorf("the org holds %d of the records, want %d", len(names), n-200)
	}
	for i, r := range out.Results {
		if r.Success && names[r.ID] != fmt.Sprintf("one-fails-%d", i) {
			t.Fatalf("result %d: id %s names %q", i, r.ID, names[r.ID])
		}
	}
}
