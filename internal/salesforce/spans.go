package salesforce

import (
	"context"
	"errors"
	"net/url"
	"regexp"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// The client's spans follow OpenTelemetry's RPC conventions (semconv
// v1.43.0, https://opentelemetry.io/docs/specs/semconv/rpc/rpc-spans/):
// one CLIENT span per logical call, retries and session refreshes
// included, named by rpc.method.
const (
	// rpcSystem is rpc.system.name. The conventions list grpc, dubbo,
	// connectrpc and jsonrpc and leave the attribute open to other
	// values; SOAP has none, so the protocol's name is used.
	rpcSystem = "soap"
	// rpcInterface qualifies rpc.method: "Soap" is the partner WSDL's
	// portType, the interface every operation belongs to (its service
	// element, SforceService, is the endpoint, not the interface).
	rpcInterface = "Soap"
	// attrAttempts and attrAPIVersion are sfgate's own attributes, in
	// its namespace: HTTP attempts made for the call (replays after
	// INVALID_SESSION_ID included) and the Partner API version.
	attrAttempts   = attribute.Key("sfgate.salesforce.attempts")
	attrAPIVersion = attribute.Key("sfgate.salesforce.api_version")
)

// newTracer is the client's tracer, marked with the conventions' schema.
func newTracer(tp trace.TracerProvider) trace.Tracer {
	return tp.Tracer("github.com/sfgate/sfgate/internal/salesforce", trace.WithSchemaURL(semconv.SchemaURL))
}

// startSpan starts the span of one SOAP call, e.g. "Soap/query". Nothing
// of the call's content goes on it: no SOQL, no record values, no session.
func (c *Client) startSpan(ctx context.Context, op string) (context.Context, trace.Span) {
	method := rpcInterface + "/" + op
	return c.tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(semconv.RPCSystemNameKey.String(rpcSystem), semconv.RPCMethod(method),
			attrAPIVersion.String(c.version)))
}

// endSpan records how the call ended and ends the span. A failed call's
// error is recorded as an exception event too; the exporter drops its
// message (cmd/gateway/tracing.go), which may quote SOQL literals.
func endSpan(span trace.Span, attempts int, err error) {
	span.SetAttributes(attrAttempts.Int(attempts))
	if err != nil {
		et := errorType(err)
		span.SetAttributes(semconv.ErrorTypeKey.String(et))
		var se *partner.Error
		if errors.As(err, &se) && se.Code != "" {
			// The SOAP fault's code, or the local StatusCode a refusal
			// carries: what rpc.response.status_code means for SOAP here.
			span.SetAttributes(semconv.RPCResponseStatusCode(se.Code))
		}
		span.RecordError(err)
		span.SetStatus(codes.Error, et)
	}
	span.End()
}

// setSpanServer records the Salesforce host a call was sent to (the
// instance, or the login host) on ctx's span: server.address and
// server.port, the scheme's default port when the URL has none.
func setSpanServer(ctx context.Context, u *url.URL) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return
	}
	port, _ := strconv.Atoi(u.Port())
	if port == 0 {
		port = map[string]int{"http": 80, "https": 443}[u.Scheme]
	}
	span.SetAttributes(semconv.ServerAddress(u.Hostname()))
	if port > 0 {
		span.SetAttributes(semconv.ServerPort(port))
	}
}

// salesforceCode is the shape of Salesforce's ExceptionCode and StatusCode
// values; a code of a newer API version than the WSDL the enumerations
// were generated from still has it.
var salesforceCode = regexp.MustCompile(`^[A-Z][A-Z0-9_]{1,79}$`)

// errorType is error.type, a bounded class: the Salesforce code when
// Salesforce (or the client, refusing locally) gave one, otherwise the
// kind of failure, and _OTHER for errors from outside the client (a
// guard's refusal).
func errorType(err error) string {
	var se *partner.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case !errors.As(err, &se):
		return semconv.ErrorTypeOther.Value.AsString()
	case se.Kind != partner.KindTransport && salesforceCode.MatchString(se.Code):
		return se.Code
	}
	switch se.Kind {
	case partner.KindFault:
		return "fault"
	case partner.KindTransport:
		return "transport"
	case partner.KindNetwork:
		return "network"
	case partner.KindInvalidInput:
		return "invalid_input"
	case partner.KindDecode:
		return "decode"
	}
	return semconv.ErrorTypeOther.Value.AsString()
}
