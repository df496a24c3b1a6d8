package main

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// simCounts is sfsim's /_sim/stats: its calls by operation (SOAP
// operations and OAuth token requests) and the org's API usage.
type simCounts struct {
	Calls       map[string]int64 `json:"calls"`
	APIRequests int64            `json:"apiRequests"`
	DailyLimit  int64            `json:"dailyLimit"`
}

// total is every request sfsim received, each counted once:
// "queryMore:childLocator" counts again queryMore calls already under
// "queryMore".
func (c simCounts) total() int64 {
	var n int64
	for k, v := range c.Calls {
		if k != "queryMore:childLocator" {
			n += v
		}
	}
	return n
}

func (s *stack) simCounts(t *testing.T) simCounts {
	t.Helper()
	var c simCounts
	s.simCall(t, http.MethodGet, "/_sim/stats", nil, &c)
	return c
}

var limitInfoRE = regexp.MustCompile(`^api-usage=([0-9]+)/([0-9]+)$`)

// TestMetricsAgainstTheOrg runs a workload of reads, queries, a create, a
// batch, a describe miss and a login (forced by expiring the session) one
// request at a time, and checks against the emulator's own counts that
// every /v1 answer says what it cost (X-Salesforce-Calls) and the org's
// usage (Sforce-Limit-Info), and that /metrics has every family, with
// sfgate_salesforce_calls_total summed equal to the calls the org saw.
// `promtool check metrics` must find nothing to say about the scrape.
func TestMetricsAgainstTheOrg(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{})
	var spent int64
	for _, st := range metricsWorkload(t, s) {
		before := s.simCounts(t)
		a := st.do()
		after := s.simCounts(t)
		if a.status != st.status {
			t.Fatalf("%s: %s", st.name, a)
		}
		spent += checkTracked(t, st, a, before, after)
	}
	if spent < 8 {
		t.Errorf("the workload cost %d calls: it exercised too little", spent)
	}
	body := s.scrape(t, "")
	parser := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	checkFamilies(t, fams)
	checkMetricValues(t, fams, s.simCounts(t))
	promtoolCheck(t, body)
}

// workloadStep is one request of the metrics workload.
type workloadStep struct {
	name    string
	do      func() answer
	status  int
	minCost int64 // calls the request must at least cost
}

// metricsWorkload is the scripted workload: each kind of call once,
// sequentially.
func metricsWorkload(t *testing.T, s *stack) []workloadStep {
	var accountID string
	get := func(path string) func() answer {
		return func() answer { return s.do(t, http.MethodGet, path, nil) }
	}
	return []workloadStep{
		{"describe", get("/v1/sobjects/Account"), 200, 0},
		{"query", func() answer {
			a := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id, Name FROM Account ORDER BY Id LIMIT 3"})
			if m := regexp.MustCompile(`"Id":"(001[A-Za-z0-9]{15})"`).FindSubmatch(a.body); m != nil {
				accountID = string(m[1])
			}
			return a
		}, 200, 1},
		{"streamed query", func() answer {
			// X-Salesforce-Calls is written with the first page: here the
			// only one, so it is the whole cost.
			a := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account ORDER BY Id LIMIT 3"},
				"Accept", "application/x-ndjson")
			if ct := a.header.Get("Content-Type"); ct != "application/x-ndjson" {
				t.Errorf("streamed query answered %s", ct)
			}
			return a
		}, 200, 1},
		{"structured query", func() answer {
			return s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{"fields": []string{"Id", "Name"}, "limit": 2})
		}, 200, 1},
		{"read", func() answer { return get("/v1/sobjects/Account/records/" + accountID)() }, 200, 1},
		{"create", func() answer {
			return s.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": uniq("E2E metrics")})
		}, 201, 1},
		{"batch", func() answer {
			return s.do(t, http.MethodPost, "/v1/sobjects/Account/records/batch", map[string]any{"operation": "create",
				"records": []any{map[string]any{"Name": uniq("E2E metrics batch")}, map[string]any{"Name": uniq("E2E metrics batch")}}})
		}, 200, 1},
		{"describe miss", get("/v1/sobjects/NoSuchThing__c"), 404, 0},
		{"login after the session expired", func() answer {
			s.simCall(t, http.MethodPost, "/_sim/sessions/expire", nil, nil)
			return get("/v1/sobjects/Account/records/" + accountID)()
		}, 200, 3}, // the rejected call, the token request, the replay
		{"cached describe", get("/v1/sobjects/Account"), 200, 0},
		{"limits", get("/v1/limits"), 200, 0},
		{"refused before any call", get("/v1/sobjects/Account/records/nope"), 400, 0},
	}
}

// checkTracked checks a's tracked properties against what the org counted
// between before and after, and returns the calls a says it cost.
func checkTracked(t *testing.T, st workloadStep, a answer, before, after simCounts) int64 {
	t.Helper()
	if a.header.Get("X-Request-Id") == "" {
		t.Errorf("%s: no X-Request-Id", st.name)
	}
	calls, err := strconv.ParseInt(a.header.Get("X-Salesforce-Calls"), 10, 64)
	if err != nil {
		t.Errorf("%s: X-Salesforce-Calls %q", st.name, a.header.Get("X-Salesforce-Calls"))
	}
	if org := after.total() - before.total(); calls != org || calls < st.minCost {
		t.Errorf("%s: X-Salesforce-Calls %d, the org counted %d (want at least %d)", st.name, calls, org, st.minCost)
	}
	m := limitInfoRE.FindStringSubmatch(a.header.Get("Sforce-Limit-Info"))
	if m == nil {
		t.Errorf("%s: Sforce-Limit-Info %q", st.name, a.header.Get("Sforce-Limit-Info"))
		return calls
	}
	used, _ := strconv.ParseInt(m[1], 10, 64)
	limit, _ := strconv.ParseInt(m[2], 10, 64)
	if limit != after.DailyLimit || used < 1 || used > after.APIRequests {
		t.Errorf("%s: Sforce-Limit-Info %s, the org has used %d of %d", st.name, m[0], after.APIRequests, after.DailyLimit)
	}
	return calls
}

// checkFamilies checks that every family of docs/metrics.md is scraped,
// with its type and at least one series.
func checkFamilies(t *testing.T, fams map[string]*dto.MetricFamily) {
	t.Helper()
	for name, typ := range map[string]dto.MetricType{
		"sfgate_salesforce_calls_total":           dto.MetricType_COUNTER,
		"sfgate_salesforce_call_duration_seconds": dto.MetricType_HISTOGRAM,
		"sfgate_salesforce_api_requests_used":     dto.MetricType_GAUGE,
		"sfgate_salesforce_api_requests_limit":    dto.MetricType_GAUGE,
		"sfgate_salesforce_logins_total":          dto.MetricType_COUNTER,
		"sfgate_cache_lookups_total":              dto.MetricType_COUNTER,
		"sfgate_redis_up":                         dto.MetricType_GAUGE,
		"sfgate_salesforce_inflight_calls":        dto.MetricType_GAUGE,
		"sfgate_retries_total":                    dto.MetricType_COUNTER,
		"sfgate_http_requests_total":              dto.MetricType_COUNTER,
		"sfgate_http_request_duration_seconds":    dto.MetricType_HISTOGRAM,
		"sfgate_http_requests_in_flight":          dto.MetricType_GAUGE,
		"sfgate_http_problems_total":              dto.MetricType_COUNTER,
		"go_goroutines":                           dto.MetricType_GAUGE,
		"process_cpu_seconds_total":               dto.MetricType_COUNTER,
	} {
		f := fams[name]
		if f == nil || f.GetType() != typ || len(f.GetMetric()) == 0 {
			t.Errorf("/metrics lacks %s as a %s", name, typ)
		}
	}
}

// sumSeries adds the values of the counter or gauge series of family name
// whose labels include match.
func sumSeries(fams map[string]*dto.MetricFamily, name string, match map[string]string) float64 {
	var n float64
next:
	for _, m := range fams[name].GetMetric() {
		for _, l := range m.GetLabel() {
			if v, ok := match[l.GetName()]; ok && v != l.GetValue() {
				continue next
			}
		}
		n += m.GetCounter().GetValue() + m.GetGauge().GetValue()
	}
	return n
}

// checkMetricValues checks the scraped values against the workload and
// the org's counts.
func checkMetricValues(t *testing.T, fams map[string]*dto.MetricFamily, org simCounts) {
	t.Helper()
	if got := sumSeries(fams, "sfgate_salesforce_calls_total", nil); int64(got) != org.total() {
		t.Errorf("sfgate_salesforce_calls_total sums to %v, the org counted %d calls: %v", got, org.total(), org.Calls)
	}
	for _, c := range []struct {
		name  string
		match map[string]string
		want  float64
	}{
		{"sfgate_salesforce_logins_total", map[string]string{"flow": "client_credentials", "outcome": "ok"}, 2},
		{"sfgate_salesforce_calls_total", map[string]string{"operation": "oauth2_token"}, 2},
		{"sfgate_salesforce_calls_total", map[string]string{"outcome": "INVALID_SESSION_ID"}, 1},
		{"sfgate_retries_total", map[string]string{"reason": "session_refresh"}, 1},
		{"sfgate_salesforce_api_requests_limit", nil, float64(org.DailyLimit)},
		{"sfgate_redis_up", nil, 1},
		{"sfgate_salesforce_inflight_calls", nil, 0},
	} {
		if got := sumSeries(fams, c.name, c.match); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.match, got, c.want)
		}
	}
	if sumSeries(fams, "sfgate_cache_lookups_total", map[string]string{"level": "local", "result": "hit"}) < 1 {
		t.Errorf("no local cache hit counted, though the describe was read twice")
	}
	if used := sumSeries(fams, "sfgate_salesforce_api_requests_used", nil); used < 1 || used > float64(org.APIRequests) {
		t.Errorf("sfgate_salesforce_api_requests_used %v, the org has used %d", used, org.APIRequests)
	}
}

// scrape fetches /metrics from the gateway (or base, when not empty).
func (s *stack) scrape(t *testing.T, base string) []byte {
	t.Helper()
	if base == "" {
		base = s.base
	}
	status, body := plainGet(t, base+"/metrics")
	if status != http.StatusOK {
		t.Fatalf("GET %s/metrics: %d %.500s", base, status, body)
	}
	b := []byte(body)
	return b
}

// promtoolCheck pipes a scrape into `promtool check metrics` (Debian's
// prometheus package; ./test.sh installs it), which lints names, types,
// help and label use; any finding fails t.
func promtoolCheck(t *testing.T, body []byte) {
	t.Helper()
	if _, err := exec.LookPath("promtool"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("promtool is not installed (./test.sh installs Debian's prometheus package): %v", err)
		}
		t.Skipf("promtool is not installed (./test.sh installs Debian's prometheus package): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "promtool", "check", "metrics")
	cmd.Stdin = bytes.NewReader(body)
	out, err := cmd.CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "" {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
}

// With GATEWAY_METRICS_ADDR, /metrics is served on its own listener (and
// counts the main listener's requests); the main listener answers it 404.
func TestMetricsOnTheirOwnListener(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{env: map[string]string{"GATEWAY_METRICS_ADDR": "127.0.0.1:0"}})
	m := regexp.MustCompile(`"metrics_addr":"([^"]+)"`).FindStringSubmatch(s.logs.tail())
	if m == nil {
		t.Fatalf("no metrics listener logged:\n%s", s.logs.tail())
	}
	if a := s.do(t, http.MethodGet, "/v1/sobjects/Account", nil); a.status != http.StatusOK {
		t.Fatalf("describe: %s", a)
	}
	want(t, "/metrics on the main listener", s.do(t, http.MethodGet, "/metrics", nil), 404, `"code":"NOT_FOUND"`)
	body := string(s.scrape(t, "http://"+m[1]))
	if !strings.Contains(body, `sfgate_http_requests_total{method="GET",route="/v1/sobjects/{sobject}",status="200"} 1`) {
		t.Errorf("the metrics listener does not count the main listener's requests:\n%s", body)
	}
	if !strings.Contains(body, `sfgate_http_requests_total{method="GET",route="/metrics",status="404"} 1`) {
		t.Errorf("the refused /metrics is not counted:\n%s", body)
	}
}
