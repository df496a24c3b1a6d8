package main

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestE2EStreamCost streams 5,000 accounts as NDJSON at page size 2,000
// through the real server and counts what it cost at sfsim: one query and
// two queryMore calls, every record exactly once, each line a record that
// the document's NDJSON schema accepts (the validating transport buffers
// the stream to check it, so this test does not measure memory).
func TestE2EStreamCost(t *testing.T) {
	t.Parallel()
	const n = 5000
	s := startStack(t, stackOptions{seedAccounts: n})
	before := s.simStats(t)
	body := `{"fields": ["Id", "Name", "CreatedDate", "Owner.Name"], "pageSize": 2000}`
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, s.base+"/v1/sobjects/Account/query", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/x-ndjson")
	start := time.Now()
	resp, err := s.client(t).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	seen := make(map[string]bool, n)
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		var rec struct {
			ID          string `json:"Id"`
			CreatedDate string
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil || rec.ID == "" {
			t.Fatalf("line %d: %v: %q", len(seen)+1, err, sc.Text())
		}
		if _, err := time.Parse(time.RFC3339, rec.CreatedDate); err != nil {
			t.Fatalf("line %d: CreatedDate %q is not RFC 3339", len(seen)+1, rec.CreatedDate)
		}
		if seen[rec.ID] {
			t.Fatalf("record %s streamed twice", rec.ID)
		}
		seen[rec.ID] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	after := s.simStats(t)
	q, qm := after["query"]-before["query"], after["queryMore"]-before["queryMore"]
	t.Logf("%d records streamed in %v with %d query and %d queryMore calls", len(seen), time.Since(start).Round(time.Millisecond), q, qm)
	if len(seen) != n || q != 1 || qm != 2 {
		t.Errorf("streamed %d records with %d query and %d queryMore calls; want %d with 1 and 2", len(seen), q, qm, n)
	}
}
