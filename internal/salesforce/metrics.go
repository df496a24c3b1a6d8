package salesforce

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// meterName is the instrumentation scope of the Salesforce metrics. Every
// Instruments built from one MeterProvider shares it, so the login client,
// the data client and the session manager add to the same series.
const meterName = "github.com/sfgate/sfgate/internal/salesforce"

// OpOAuthToken is the operation label of a request to the OAuth 2.0 token
// endpoint (/services/oauth2/token), beside the SOAP operation names.
const OpOAuthToken = "oauth2_token"

// Instruments are the metrics of the requests the gateway sends to
// Salesforce (docs/metrics.md). The names are the Prometheus names, exact,
// for an exporter that adds no suffix; every label value comes from a
// bounded set: SOAP operation names, Outcome's classes, login flows.
type Instruments struct {
	calls    metric.Int64Counter
	duration metric.Float64Histogram
	inflight metric.Int64UpDownCounter
	retries  metric.Int64Counter
	logins   metric.Int64Counter
}

// callBuckets are upper bounds in seconds: a retrieve answers in tens of
// milliseconds, a query may run 120 s before Salesforce answers.
var callBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120}

// NewInstruments makes the instruments on mp; nil means the global
// provider (a no-op until one is installed).
func NewInstruments(mp metric.MeterProvider) (*Instruments, error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	m := mp.Meter(meterName)
	var in Instruments
	var errs [5]error
	in.calls, errs[0] = m.Int64Counter("sfgate_salesforce_calls_total", metric.WithUnit("{call}"),
		metric.WithDescription("HTTP requests sent to Salesforce (each attempt of a SOAP call, each OAuth token request), by operation and outcome."))
	in.duration, errs[1] = m.Float64Histogram("sfgate_salesforce_call_duration_seconds", metric.WithUnit("s"),
		metric.WithDescription("Time from sending a request to Salesforce to having decoded its answer, by operation."),
		metric.WithExplicitBucketBoundaries(callBuckets...))
	in.inflight, errs[2] = m.Int64UpDownCounter("sfgate_salesforce_inflight_calls", metric.WithUnit("{call}"),
		metric.WithDescription("Requests to Salesforce awaiting their answer."))
	in.retries, errs[3] = m.Int64Counter("sfgate_retries_total", metric.WithUnit("{retry}"),
		metric.WithDescription("SOAP calls sent again, by the failure that caused it (session_refresh: replayed with a fresh session after INVALID_SESSION_ID)."))
	in.logins, errs[4] = m.Int64Counter("sfgate_salesforce_logins_total", metric.WithUnit("{login}"),
		metric.WithDescription("Logins to Salesforce, by flow and outcome."))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, fmt.Errorf("salesforce metrics: %w", err)
	}
	return &in, nil
}

// StartCall is told that a request to Salesforce for op is about to be
// sent; the function it returns is told how it ended. It counts the call
// in the request's sfgate.CallCount too.
func (in *Instruments) StartCall(ctx context.Context, op string) (done func(err error)) {
	in.inflight.Add(ctx, 1)
	start := time.Now()
	return func(err error) {
		in.inflight.Add(ctx, -1)
		if !unsent(err) {
			// A request that provably never left (a refused dial) costs
			// the org nothing.
			sfgate.CountCall(ctx)
		}
		opAttr := attribute.String("operation", op)
		in.calls.Add(ctx, 1, metric.WithAttributes(opAttr, attribute.String("outcome", Outcome(err))))
		in.duration.Record(ctx, time.Since(start).Seconds(), metric.WithAttributes(opAttr))
	}
}

// Retry counts one call sent again; reason is Outcome of the failed
// attempt, or "session_refresh".
func (in *Instruments) Retry(ctx context.Context, reason string) {
	in.retries.Add(ctx, 1, metric.WithAttributes(attribute.String("reason", reason)))
}

// Login counts one login of flow ("password", "client_credentials",
// "jwt_bearer") that ended with err.
func (in *Instruments) Login(ctx context.Context, flow string, err error) {
	in.logins.Add(ctx, 1, metric.WithAttributes(attribute.String("flow", flow), attribute.String("outcome", Outcome(err))))
}

// reasonSessionRefresh is the retry reason of a replay after
// INVALID_SESSION_ID.
const reasonSessionRefresh = "session_refresh"

// Outcome classifies how a request to Salesforce ended, as a bounded
// metric label: "ok"; a SOAP fault's ExceptionCode when the partner WSDL
// lists it (INVALID_FIELD, REQUEST_LIMIT_EXCEEDED, …); "transport",
// "network", "invalid_input" or "decode" for the client's other error
// kinds; "credentials", "rate_limited" or "transient" for a failed login;
// "canceled" or "deadline" when the context ended; else "other".
func Outcome(err error) string {
	if err == nil {
		return "ok"
	}
	var le *partner.LoginError
	if errors.As(err, &le) {
		switch le.Kind {
		case partner.LoginCredentials:
			return "credentials"
		case partner.LoginRateLimited:
			return "rate_limited"
		}
		return "transient"
	}
	var e *partner.Error
	if errors.As(err, &e) {
		switch e.Kind {
		case partner.KindFault:
			if partner.IsExceptionCode(e.Code) {
				return e.Code
			}
		case partner.KindTransport:
			return "transport"
		case partner.KindNetwork:
			return "network"
		case partner.KindInvalidInput:
			return "invalid_input"
		case partner.KindDecode:
			return "decode"
		}
		return "other"
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline"
	}
	return "other"
}

// unsent reports whether err says the request never reached Salesforce.
func unsent(err error) bool {
	var e *partner.Error
	return errors.As(err, &e) && e.Unsent
}

// countedPost is post, counted in the metrics and the request's
// CallCount: one call per request sent, as Salesforce counts them.
func (c *Client) countedPost(ctx context.Context, cl *call, endpoint string, env []byte) error {
	done := c.metrics.StartCall(ctx, cl.op)
	err := c.post(ctx, cl, endpoint, env)
	done(err)
	return err
}
