package handlers

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/telemetry"
)

// withMetrics gives opts a Prometheus-exported meter provider of its own.
func withMetrics(t *testing.T, opts Options) Options {
	t.Helper()
	p, err := telemetry.NewPrometheus()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	opts.MeterProvider, opts.Metrics = p.MeterProvider, p.Handler
	return opts
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withMetrics(t, fullOptions()))
	s.do("GET", "/v1/sobjects/Account", "")
	s.do("GET", "/v1/sobjects/Account/records/nope", "")
	_, hdr, body := s.do("GET", "/metrics", "")
	if ct := hdr.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("Content-Type %q", ct)
	}
	for _, want := range []string{
		`sfgate_http_requests_total{method="GET",route="/v1/sobjects/{sobject}",status="200"} 1`,
		`sfgate_http_requests_total{method="GET",route="/v1/sobjects/{sobject}/records/{id}",status="400"} 1`,
		`sfgate_http_request_duration_seconds_count{method="GET",route="/v1/sobjects/{sobject}"} 1`,
		`sfgate_http_problems_total{code="VALIDATION_FAILED"} 1`,
		"# TYPE sfgate_http_request_duration_seconds histogram",
		"# TYPE sfgate_http_requests_in_flight gauge",
		"# TYPE go_goroutines gauge",
		"# TYPE process_cpu_seconds_total counter",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s\n%s", want, body)
		}
	}
	for _, noise := range []string{"target_info", "otel_scope_"} {
		if strings.Contains(body, noise) {
			t.Errorf("metrics carry %s", noise)
		}
	}
}

// Made-up methods share one "_OTHER" series: a caller cannot grow the
// metrics by inventing methods.
func TestMetricsMethodIsBounded(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, withMetrics(t, fullOptions()))
	// series is the set of sfgate_http_ series scraped, values left out.
	series := func() map[string]bool {
		_, _, body := s.do("GET", "/metrics", "")
		out := map[string]bool{}
		for l := range strings.Lines(body) {
			if strings.HasPrefix(l, "sfgate_http_") {
				out[l[:strings.LastIndexByte(l, ' ')]] = true
			}
		}
		return out
	}
	series()
	s.do("BREW", "/healthz", "")
	before := series()
	for _, m := range []string{"WHEN", "PROPFIND", "X-MADE-UP"} {
		s.do(m, "/healthz", "")
	}
	after := series()
	for k := range after {
		if !before[k] {
			t.Errorf("made-up methods added the series %s", k)
		}
	}
	if !after[`sfgate_http_requests_total{method="_OTHER",route="unmatched",status="405"}`] {
		t.Errorf("no _OTHER series: %v", after)
	}
}

func TestMetricsNotOnMainListener(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions()) // no Metrics handler: served elsewhere
	if status, _, body := s.do("GET", "/metrics", ""); status != http.StatusNotFound || !strings.Contains(body, "NOT_FOUND") {
		t.Errorf("/metrics without a handler: %d %s", status, body)
	}
}

// countingRecords makes n Salesforce calls per Get, as the client would.
type countingRecords struct {
	fakeRecords
	n int
}

func (c *countingRecords) Get(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
	for range c.n {
		sfgate.CountCall(ctx)
	}
	return c.fakeRecords.Get(ctx, obj, id, fields)
}

func TestTrackedProperties(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.Records = &countingRecords{n: 3}
	s := newTestServer(t, opts)
	status, hdr, _ := s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA", "")
	if status != 200 || hdr.Get("X-Salesforce-Calls") != "3" || hdr.Get("Sforce-Limit-Info") != "api-usage=10/15000" || hdr.Get("X-Request-Id") == "" {
		t.Errorf("%d: X-Salesforce-Calls %q, Sforce-Limit-Info %q, X-Request-Id %q", status, hdr.Get("X-Salesforce-Calls"), hdr.Get("Sforce-Limit-Info"), hdr.Get("X-Request-Id"))
	}
	// An error answered before any handler ran carries them too.
	status, hdr, _ = s.do("GET", "/v1/sobjects/Account/records/nope", "")
	if status != 400 || hdr.Get("X-Salesforce-Calls") != "0" || hdr.Get("Sforce-Limit-Info") == "" {
		t.Errorf("%d: X-Salesforce-Calls %q, Sforce-Limit-Info %q", status, hdr.Get("X-Salesforce-Calls"), hdr.Get("Sforce-Limit-Info"))
	}
	// Not on the operational endpoints.
	if _, hdr, _ = s.do("GET", "/healthz", ""); hdr.Get("X-Salesforce-Calls") != "" {
		t.Errorf("/healthz carries X-Salesforce-Calls")
	}

	// Before any Salesforce answer reported the usage, no Sforce-Limit-Info.
	s = newTestServer(t, Options{Limits: limitsFunc(func() ([]sfgate.Limit, time.Time, error) { return []sfgate.Limit{}, time.Time{}, nil }), Logger: zerolog.Nop()})
	_, hdr, _ = s.do("GET", "/v1/limits", "")
	if _, ok := hdr["Sforce-Limit-Info"]; ok || hdr.Get("X-Salesforce-Calls") != "0" {
		t.Errorf("no usage known: Sforce-Limit-Info %q, X-Salesforce-Calls %q", hdr.Get("Sforce-Limit-Info"), hdr.Get("X-Salesforce-Calls"))
	}
}
