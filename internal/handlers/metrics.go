package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// httpMetrics are the HTTP server's metrics (docs/metrics.md), recorded
// through OpenTelemetry; cmd/gateway exports them with the Prometheus
// exporter. Every label is bounded: routes are chi patterns ("unmatched"
// when none matched), methods the nine of RFC 9110 and PATCH or "_OTHER",
// statuses three digits, problem codes the gateway's own.
type httpMetrics struct {
	inFlight metric.Int64UpDownCounter
	requests metric.Int64Counter
	duration metric.Float64Histogram
	problems metric.Int64Counter
}

// durationBuckets are upper bounds in seconds: a cached describe answers in
// milliseconds, a Salesforce write in hundreds, a large batch in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

func newHTTPMetrics(mp metric.MeterProvider) (*httpMetrics, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter("github.com/sfgate/sfgate/internal/handlers")
	var hm httpMetrics
	var errs [4]error
	hm.inFlight, errs[0] = m.Int64UpDownCounter("sfgate_http_requests_in_flight", metric.WithUnit("{request}"),
		metric.WithDescription("HTTP requests being served."))
	hm.requests, errs[1] = m.Int64Counter("sfgate_http_requests_total", metric.WithUnit("{request}"),
		metric.WithDescription("HTTP requests answered, by route, method and status."))
	hm.duration, errs[2] = m.Float64Histogram("sfgate_http_request_duration_seconds", metric.WithUnit("s"),
		metric.WithDescription("Time to answer HTTP requests, by route and method."),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	hm.problems, errs[3] = m.Int64Counter("sfgate_http_problems_total", metric.WithUnit("{answer}"),
		metric.WithDescription("Error answers, by problem code."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("http metrics: %w", err)
	}
	return &hm, nil
}

func (m *httpMetrics) observe(ctx context.Context, route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	r, me := attribute.String("route", route), attribute.String("method", metricMethod(method))
	m.requests.Add(ctx, 1, metric.WithAttributes(r, me, attribute.String("status", strconv.Itoa(status))))
	m.duration.Record(ctx, d.Seconds(), metric.WithAttributes(r, me))
}

func (m *httpMetrics) problem(ctx context.Context, code string) {
	m.problems.Add(ctx, 1, metric.WithAttributes(attribute.String("code", code)))
}

// metricMethod is method as a bounded label: the methods of RFC 9110 and
// RFC 5789 (PATCH) as they are, anything else "_OTHER", as OpenTelemetry's
// HTTP semantic conventions name it (http.request.method,
// https://opentelemetry.io/docs/specs/semconv/http/http-metrics/).
func metricMethod(method string) string {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return method
	}
	return "_OTHER"
}
