package salesforce

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// readMetrics collects r's sums and histogram counts keyed as
// "name{k=v,...}" with the attributes in their canonical order.
func readMetrics(t *testing.T, r *sdkmetric.ManualReader) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	key := func(name string, set attribute.Set) string {
		var kv []string
		for _, a := range set.ToSlice() {
			kv = append(kv, string(a.Key)+"="+a.Value.String())
		}
		return name + "{" + strings.Join(kv, ",") + "}"
	}
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = p.Value
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					out[key(m.Name, p.Attributes)] = int64(p.Count)
				}
			}
		}
	}
	return out
}

func TestCallMetrics(t *testing.T) {
	t.Parallel()
	// The first query attempt meets lock contention and is retried; the
	// first create is refused with INVALID_SESSION_ID and replayed.
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		switch {
		case r.op == "query" && n == 1:
			return 500, faultAnswer(partner.CodeUnableToLockRow, "UnexpectedErrorFault", "locked")
		case r.op == "create" && strings.HasSuffix(r.session, "-0"):
			return 500, faultAnswer(partner.CodeInvalidSessionID, "UnexpectedErrorFault", "Invalid Session ID")
		case r.op == "delete":
			return 500, faultAnswer("SOME_CODE_FROM_THE_FUTURE", "UnexpectedErrorFault", "new")
		}
		return minimalAnswer(r, n)
	})
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	c, _ := newTestClient(t, f, func(cfg *Config) { cfg.MeterProvider = mp })

	ctx, count := sfgate.WithCallCount(t.Context())
	if _, err := c.Query(ctx, "SELECT Id FROM Account"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(ctx, []partner.Record{{Type: "Account"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Delete(ctx, []string{"001D000000HS2PP"}); err == nil {
		t.Fatal("delete: want the fault")
	}
	if got, want := count.Load(), int64(len(f.requests())); got != want || want != 5 {
		t.Errorf("CallCount = %d, fake Salesforce got %d requests (want 5)", got, want)
	}
	got := readMetrics(t, reader)
	want := map[string]int64{
		"sfgate_salesforce_calls_total{operation=query,outcome=UNABLE_TO_LOCK_ROW}":  1,
		"sfgate_salesforce_calls_total{operation=query,outcome=ok}":                  1,
		"sfgate_salesforce_calls_total{operation=create,outcome=INVALID_SESSION_ID}": 1,
		"sfgate_salesforce_calls_total{operation=create,outcome=ok}":                 1,
		"sfgate_salesforce_calls_total{operation=delete,outcome=other}":              1,
		"sfgate_salesforce_call_duration_seconds{operation=query}":                   2,
		"sfgate_salesforce_call_duration_seconds{operation=create}":                  2,
		"sfgate_salesforce_call_duration_seconds{operation=delete}":                  1,
		"sfgate_retries_total{reason=UNABLE_TO_LOCK_ROW}":                            1,
		"sfgate_retries_total{reason=session_refresh}":                               1,
		"sfgate_salesforce_inflight_calls{}":                                         0,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %d, want %d", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("series: got %v, want exactly %v", got, want)
	}
}

func TestOutcome(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{fmt.Errorf("wrapped: %w", &partner.Error{Kind: partner.KindFault, Code: partner.CodeRequestLimitExceeded}), "REQUEST_LIMIT_EXCEEDED"},
		{&partner.Error{Kind: partner.KindFault, Code: "MADE_UP<script>"}, "other"},
		{&partner.Error{Kind: partner.KindTransport, Code: "Server"}, "transport"},
		{&partner.Error{Kind: partner.KindNetwork}, "network"},
		{&partner.Error{Kind: partner.KindInvalidInput, Code: partner.CodeMalformedID}, "invalid_input"},
		{&partner.Error{Kind: partner.KindDecode}, "decode"},
		{&partner.LoginError{Kind: partner.LoginCredentials, Code: "invalid_grant"}, "credentials"},
		{&partner.LoginError{Kind: partner.LoginRateLimited}, "rate_limited"},
		{&partner.LoginError{Kind: partner.LoginTransient, Code: "HTTP 503"}, "transient"},
		{context.Canceled, "canceled"},
		{fmt.Errorf("x: %w", context.DeadlineExceeded), "deadline"},
		{errors.New("anything else"), "other"},
	}
	for _, tt := range tests {
		if got := Outcome(tt.err); got != tt.want {
			t.Errorf("Outcome(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
}
