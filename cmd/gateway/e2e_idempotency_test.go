package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// TestE2EIdempotency is issue 9's "writes that are safe to retry" against
// sfsim and the real Redis, with two replicas of one deployment sharing
// the key store: 50 concurrent creates under one Idempotency-Key make one
// record, whichever replica they reach; the key with another body is 422;
// a create whose answer sfsim never sends (its timeout fault) is 502
// OUTCOME_UNKNOWN without Retry-After, and its retry with the key does not
// reach Salesforce again.
func TestE2EIdempotency(t *testing.T) {
	t.Parallel()
	a := startStack(t, stackOptions{})
	b := startStack(t, stackOptions{replicaOf: a})

	t.Run("50 concurrent creates under one key", func(t *testing.T) { idemBurst(t, a, b) })
	t.Run("outcome unknown", func(t *testing.T) { idemOutcomeUnknown(t, a, b) })
}

// idemBurst sends 50 creates under one key, alternating replicas a and b.
func idemBurst(t *testing.T, a, b *stack) {
	name := uniq("E2E idem")
	body, _ := json.Marshal(map[string]any{"Name": name})
	key := uniq("burst")
	before := a.simStats(t)
	// The first create takes 300 ms at sfsim, so the others arrive
	// while it runs (409) and after it settled (replayed 201).
	a.simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "create", "fault": "delay", "delayMs": 300, "count": 1}, nil)
	defer a.simCall(t, http.MethodDelete, "/_sim/faults", nil, nil)
	answers := make([]answer, 50)
	var wg sync.WaitGroup
	for i := range answers {
		s := a
		if i%2 == 1 {
			s = b
		}
		wg.Go(func() {
			if i%5 == 4 {
				time.Sleep(time.Second) // after the first has answered
			}
			answers[i] = postFromAnyGoroutine(t, s, "/v1/sobjects/Account/records", body, "Idempotency-Key", key)
		})
	}
	wg.Wait()
	ids := map[string]int{}
	var first, replayed, inUse int
	for _, ans := range answers {
		switch {
		case ans.status == http.StatusCreated && ans.header.Get("Idempotent-Replayed") == "":
			first++
			ids[fmt.Sprint(ans.json(t)["id"])]++
		case ans.status == http.StatusCreated && ans.header.Get("Idempotent-Replayed") == "true":
			replayed++
			ids[fmt.Sprint(ans.json(t)["id"])]++
		case ans.status == http.StatusConflict && ans.json(t)["code"] == "IDEMPOTENCY_KEY_IN_USE" && ans.header.Get("Retry-After") != "":
			inUse++
		default:
			t.Errorf("answer neither the 201 nor 409 IDEMPOTENCY_KEY_IN_USE: %s", ans)
		}
	}
	t.Logf("50 creates under one key: %d created, %d replayed, %d in use (409)", first, replayed, inUse)
	if first != 1 || len(ids) != 1 || inUse == 0 || replayed == 0 {
		t.Errorf("%d first answers, ids %v, %d 409s, %d replayed: want one create, one id, some 409 while it ran and replays after", first, ids, inUse, replayed)
	}
	after := a.simStats(t)
	if n := after["create"] - before["create"]; n != 1 {
		t.Errorf("%d create calls at sfsim, want 1", n)
	}
	if recs := a.soqlAll(t, "SELECT Id FROM Account WHERE Name = '"+name+"'"); len(recs) != 1 {
		t.Errorf("%d records named %s, want 1", len(recs), name)
	}
	// Later, on either replica: the same 201, replayed.
	again := b.do(t, http.MethodPost, "/v1/sobjects/Account/records", body, "Idempotency-Key", key)
	if again.status != http.StatusCreated || again.header.Get("Idempotent-Replayed") != "true" || ids[fmt.Sprint(again.json(t)["id"])] == 0 {
		t.Errorf("retry after the burst: %s", again)
	}
	// The key with another body: 422, nothing sent.
	other := a.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": name + " (other)"}, "Idempotency-Key", key)
	want(t, "same key, another body", other, http.StatusUnprocessableEntity, "IDEMPOTENCY_KEY_REUSED", "header.Idempotency-Key")
	if n := a.simStats(t)["create"] - before["create"]; n != 1 {
		t.Errorf("%d create calls at sfsim after the retries, want 1", n)
	}
}

// idemOutcomeUnknown loses a create's answer at sfsim and retries it with
// its key on the other replica.
func idemOutcomeUnknown(t *testing.T, a, b *stack) {
	a.simCall(t, http.MethodDelete, "/_sim/faults", nil, nil)
	defer a.simCall(t, http.MethodDelete, "/_sim/faults", nil, nil)
	before := a.simStats(t)
	// sfsim reads the create, then drops the connection without an
	// answer after 200 ms: sent, no answer.
	a.simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "create", "fault": "timeout", "delayMs": 200, "count": 2}, nil)
	rec := map[string]any{"Name": uniq("E2E unknown")}
	key := uniq("unknown")
	first := a.do(t, http.MethodPost, "/v1/sobjects/Account/records", rec, "Idempotency-Key", key)
	want(t, "create whose answer was lost", first, http.StatusBadGateway, "OUTCOME_UNKNOWN", "query for the record")
	if ra := first.header.Get("Retry-After"); ra != "" {
		t.Errorf("OUTCOME_UNKNOWN with Retry-After %q: it invites a duplicate", ra)
	}
	// Retried with its key, on the other replica: the same answer,
	// replayed; Salesforce is not called again, though the fault would
	// still drop a second create.
	retry := b.do(t, http.MethodPost, "/v1/sobjects/Account/records", rec, "Idempotency-Key", key)
	want(t, "retry with the same key", retry, http.StatusBadGateway, "OUTCOME_UNKNOWN")
	if retry.header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(retry.body, first.body) {
		t.Errorf("retry not the first answer replayed: %s", retry)
	}
	if n := a.simStats(t)["create"] - before["create"]; n != 1 {
		t.Errorf("%d create calls at sfsim, want 1: the gateway repeated a create whose outcome was unknown", n)
	}
	// Without a key the answer is the same code, and the client does
	// not repeat the create either.
	bare := a.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": uniq("E2E unknown bare")})
	want(t, "create without a key whose answer was lost", bare, http.StatusBadGateway, "OUTCOME_UNKNOWN")
	if n := a.simStats(t)["create"] - before["create"]; n != 2 {
		t.Errorf("%d create calls at sfsim, want 2", n)
	}
}

// postFromAnyGoroutine sends one request from any goroutine (s.do fails the test with
// Fatalf, which only the test's own goroutine may call).
func postFromAnyGoroutine(t *testing.T, s *stack, path string, body []byte, hdr ...string) answer {
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.base+path, bytes.NewReader(body))
	if err != nil {
		t.Error(err)
		return answer{}
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client(t).Do(req)
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
		return answer{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("POST %s: %v", path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}
