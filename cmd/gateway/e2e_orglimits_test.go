package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// Acceptance tests of issue 9's "protecting the org" (docs/limits.md):
// several gateways in one process as replicas of one deployment (one
// org, one Redis key prefix), sfsim over real HTTP.

// startReplicas boots sfsim with simCfg and n gateways sharing it and the
// Redis at redisAddr (empty: the test Redis under a prefix of its own).
func startReplicas(t *testing.T, simCfg sfsim.Config, n int, redisAddr string, env map[string]string) []*stack {
	t.Helper()
	sim, err := sfsim.New(simCfg)
	if err != nil {
		t.Fatalf("sfsim: %v", err)
	}
	simURL, stopSim, err := sim.Start(context.WithoutCancel(t.Context()), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sfsim: %v", err)
	}
	t.Cleanup(stopSim)
	prefix := "test:dead-redis:"
	if redisAddr == "" {
		redisAddr, prefix = redistest.Shared(t)
	}
	cursorKey, enc := randomBytes(t, 32), randomBytes(t, 32)
	var out []*stack
	for range n {
		addr, logs := bootGateway(t, simURL, redisAddr, prefix, enc, cursorKey, env)
		s := &stack{base: "http://" + addr, sim: sim, simURL: simURL, tr: &http.Transport{MaxIdleConnsPerHost: 64},
			logs: logs, cursorKey: cursorKey, encKey: enc, redisAddr: redisAddr, redisPrefix: prefix}
		t.Cleanup(s.tr.CloseIdleConnections)
		out = append(out, s)
	}
	return out
}

// simState is /_sim/stats beyond the call counts.
type simState struct {
	Calls       map[string]int64 `json:"calls"`
	APIRequests int64            `json:"apiRequests"`
	MaxInFlight int              `json:"maxInFlight"`
	Faults      map[string]int64 `json:"faults"`
}

func (s *stack) simState(t *testing.T) simState {
	t.Helper()
	var st simState
	s.simCall(t, http.MethodGet, "/_sim/stats", nil, &st)
	return st
}

func totalCalls(st simState) (n int64) {
	for k, v := range st.Calls {
		if !strings.HasPrefix(k, "oauth2:") {
			n += v
		}
	}
	return n
}

// raw sends one request without the spec-validating client (these tests
// fire hundreds concurrently) and returns status, code and Retry-After.
func (s *stack) raw(t *testing.T, method, path, body string) (int, string, string) {
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, strings.NewReader(body))
	if err != nil {
		t.Error(err)
		return 0, "", ""
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Transport: s.tr}).Do(req)
	if err != nil {
		t.Error(err)
		return 0, "", ""
	}
	defer resp.Body.Close()
	var p struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&p)
	return resp.StatusCode, p.Code, resp.Header.Get("Retry-After")
}

// fire sends n requests from workers goroutines, round robin over the
// replicas, and counts the answers by status and code.
func fire(t *testing.T, replicas []*stack, n, workers int, method, path, body string) map[string]int {
	t.Helper()
	var mu sync.Mutex
	got := map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				st, code, ra := replicas[i%int64(len(replicas))].raw(t, method, path, body)
				if st == http.StatusServiceUnavailable && ra == "" {
					t.Errorf("503 %s without Retry-After", code)
				}
				mu.Lock()
				got[http.StatusText(st)+" "+code]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return got
}

const soqlOne = `{"soql":"SELECT Id, Name FROM Account LIMIT 1"}`

// TestE2EBudgetGuardStopsAtTheShare: with the org's daily limit at 300
// and the guard's share at 50%, three replicas stop sending non-essential
// work once Salesforce reports 150 requests used; the org never answers
// REQUEST_LIMIT_EXCEEDED, and the refused requests cost it nothing.
func TestE2EBudgetGuardStopsAtTheShare(t *testing.T) {
	t.Parallel()
	rs := startReplicas(t, sfsim.Config{DailyLimit: 300}, 3, "", map[string]string{"SF_API_BUDGET_SHARE": "0.5"})
	got := fire(t, rs, 400, 6, http.MethodPost, "/v1/query", soqlOne)
	st := rs[0].simState(t)
	t.Logf("400 queries over 3 replicas, daily limit 300, share 0.5: answers %v; org used %d requests, faults %v", got, st.APIRequests, st.Faults)
	if got["OK "] < 100 || got["Service Unavailable API_BUDGET_EXHAUSTED"] < 150 {
		t.Errorf("answers %v: want the first ~150 served and the rest refused with API_BUDGET_EXHAUSTED", got)
	}
	if st.Faults["REQUEST_LIMIT_EXCEEDED"] != 0 || st.APIRequests >= 300 {
		t.Errorf("the org answered REQUEST_LIMIT_EXCEEDED %d times, %d of 300 requests used", st.Faults["REQUEST_LIMIT_EXCEEDED"], st.APIRequests)
	}
	if st.APIRequests < 150 || st.APIRequests > 150+20 {
		t.Errorf("%d requests used, want the share (150) plus at most the calls in flight (20)", st.APIRequests)
	}
	before := totalCalls(st)
	fire(t, rs, 200, 6, http.MethodGet, "/v1/sobjects/Contact/records/003000000000001AAA", "")
	if d := totalCalls(rs[0].simState(t)) - before; d != 0 {
		t.Errorf("200 requests past the share cost the org %d calls, want 0", d)
	}
}

// TestE2ERequestLimitExceededTripsEveryReplica: one REQUEST_LIMIT_EXCEEDED
// seen by one replica holds back every replica; 600 requests meanwhile
// (queries and describes of objects nobody cached) cost no Salesforce
// call and no login.
func TestE2ERequestLimitExceededTripsEveryReplica(t *testing.T) {
	t.Parallel()
	rs := startReplicas(t, sfsim.Config{}, 3, "", nil)
	rs[0].simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "query", "fault": "REQUEST_LIMIT_EXCEEDED", "count": 1}, nil)
	st, code, ra := rs[0].raw(t, http.MethodPost, "/v1/query", soqlOne)
	if st != http.StatusServiceUnavailable || code != "REQUEST_LIMIT_EXCEEDED" || ra == "" {
		t.Fatalf("the org's refusal: %d %s Retry-After %q", st, code, ra)
	}
	before := totalCalls(rs[0].simState(t))
	got := fire(t, rs[1:], 300, 6, http.MethodPost, "/v1/query", soqlOne)
	for k, v := range fire(t, rs, 300, 6, http.MethodGet, "/v1/sobjects/Opportunity", "") {
		got[k] += v
	}
	after := rs[0].simState(t)
	t.Logf("600 requests while tripped: answers %v; org calls %d before, %d after", got, before, totalCalls(after))
	if d := totalCalls(after) - before; d > 1 {
		t.Errorf("600 requests while tripped cost the org %d calls (%v), want ~0", d, after.Calls)
	}
	if got["Service Unavailable API_BUDGET_EXHAUSTED"] < 590 {
		t.Errorf("answers %v: want API_BUDGET_EXHAUSTED", got)
	}
}

// TestE2EConcurrencyCapAcrossReplicas: three replicas, a cap of 4 and
// every call delayed by 150 ms; the org never serves more than 4 at once,
// and every request still succeeds by queueing.
func TestE2EConcurrencyCapAcrossReplicas(t *testing.T) {
	t.Parallel()
	rs := startReplicas(t, sfsim.Config{}, 3, "", map[string]string{"SF_MAX_CONCURRENT_CALLS": "4"})
	rs[0].simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "*", "fault": "delay", "delayMs": 150, "count": 1000}, nil)
	got := fire(t, rs, 45, 45, http.MethodPost, "/v1/query", soqlOne)
	st := rs[0].simState(t)
	t.Logf("45 concurrent queries over 3 replicas, cap 4, 150 ms per call: answers %v; sfsim peak in flight %d", got, st.MaxInFlight)
	if got["OK "] != 45 {
		t.Errorf("answers %v, want all 45 served by queueing", got)
	}
	if st.MaxInFlight > 4 || st.MaxInFlight < 2 {
		t.Errorf("sfsim served %d calls at once, want at most the cap of 4 (and some overlap)", st.MaxInFlight)
	}
}

// TestE2EConcurrencyWithoutRedis: with Redis unreachable each replica
// falls back to its in-process share (SF_MAX_CONCURRENT_CALLS_LOCAL,
// here 2), so two replicas stay within the cap of 4.
func TestE2EConcurrencyWithoutRedis(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	ln.Close()
	rs := startReplicas(t, sfsim.Config{}, 2, dead, map[string]string{"SF_MAX_CONCURRENT_CALLS": "4"})
	rs[0].simCall(t, http.MethodPost, "/_sim/faults", map[string]any{"operation": "*", "fault": "delay", "delayMs": 100, "count": 1000}, nil)
	got := fire(t, rs, 24, 24, http.MethodPost, "/v1/query", soqlOne)
	st := rs[0].simState(t)
	t.Logf("Redis down, 24 concurrent queries over 2 replicas, cap 4 (2 each): answers %v; sfsim peak in flight %d", got, st.MaxInFlight)
	if got["OK "] != 24 || st.MaxInFlight > 4 {
		t.Errorf("Redis down: answers %v, sfsim peak %d; want all served and at most 4 at once", got, st.MaxInFlight)
	}
}

// TestE2EIdleReplicaAdoptsAStaleSession: an idle replica holds an old
// session while its peer's newer one (in Redis) has expired too. Its next
// request is rejected with its own session, adopts the peer's, is
// rejected again, and then logs in: the caller sees 200, not a 502 that
// blames the gateway's credentials.
func TestE2EIdleReplicaAdoptsAStaleSession(t *testing.T) {
	t.Parallel()
	rs := startReplicas(t, sfsim.Config{}, 2, "", nil)
	a, b := rs[0], rs[1]
	for _, s := range rs {
		if st, code, _ := s.raw(t, http.MethodPost, "/v1/query", soqlOne); st != 200 {
			t.Fatalf("warm-up: %d %s", st, code)
		}
	}
	b.simCall(t, http.MethodPost, "/_sim/sessions/expire", nil, nil)
	if st, code, _ := b.raw(t, http.MethodPost, "/v1/query", soqlOne); st != 200 { // b logs in: S2 in Redis
		t.Fatalf("b after the first expiry: %d %s", st, code)
	}
	b.simCall(t, http.MethodPost, "/_sim/sessions/expire", nil, nil) // S2 is stale too; a still holds S1
	st, code, _ := a.raw(t, http.MethodPost, "/v1/query", soqlOne)
	if st != 200 {
		t.Errorf("the idle replica after two expiries: %d %s, want 200", st, code)
	}
	if n := a.simState(t).Calls[sfsim.StatOAuthClientCredentials]; n != 3 {
		t.Errorf("%d token requests, want 3 (start, b's refresh, a's refresh)", n)
	}
}
