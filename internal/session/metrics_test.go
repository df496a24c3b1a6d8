package session

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sfgate/sfgate"
)

// counterValue is the value of the int64 counter name at attrs in r.
func counterValue(t *testing.T, r *sdkmetric.ManualReader, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	want := attribute.NewSet(attrs...)
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if sum, ok := m.Data.(metricdata.Sum[int64]); ok && m.Name == name {
				for _, p := range sum.DataPoints {
					if p.Attributes.Equals(&want) {
						return p.Value
					}
				}
			}
		}
	}
	return 0
}

// A login through the token endpoint is one Salesforce call (metrics and
// the request's CallCount) and one login of its flow, with its outcome.
func TestLoginMetrics(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	clk := newClock()
	reader := sdkmetric.NewManualReader()
	cfg := ccConfig(ts, clk)
	cfg.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	m := mustNew(t, cfg)

	ts.setFail("invalid_client", "invalid client credentials", 400)
	ctx, count := sfgate.WithCallCount(t.Context())
	if _, err := m.Session(ctx); err == nil {
		t.Fatal("want the login to fail")
	}
	ts.setFail("", "", 0)
	clk.Advance(time.Hour) // past the backoff
	if _, err := m.Session(ctx); err != nil {
		t.Fatal(err)
	}
	if got := count.Load(); got != 2 || ts.grants.Load() != 2 {
		t.Errorf("CallCount = %d, token requests %d: want 2 and 2", got, ts.grants.Load())
	}
	cc := attribute.String("flow", "client_credentials")
	for _, c := range []struct {
		name  string
		attrs []attribute.KeyValue
	}{
		{"sfgate_salesforce_logins_total", []attribute.KeyValue{cc, attribute.String("outcome", "credentials")}},
		{"sfgate_salesforce_logins_total", []attribute.KeyValue{cc, attribute.String("outcome", "ok")}},
		{"sfgate_salesforce_calls_total", []attribute.KeyValue{attribute.String("operation", "oauth2_token"), attribute.String("outcome", "credentials")}},
		{"sfgate_salesforce_calls_total", []attribute.KeyValue{attribute.String("operation", "oauth2_token"), attribute.String("outcome", "ok")}},
	} {
		if got := counterValue(t, reader, c.name, c.attrs...); got != 1 {
			t.Errorf("%s%v = %d, want 1", c.name, c.attrs, got)
		}
	}
}
