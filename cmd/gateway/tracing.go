package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// The standard OpenTelemetry variables the gateway interprets itself
// (docs/tracing.md). It reads them through run's getenv, so tests and main
// agree, and refuses to start on a value it cannot honour; the SDK reads the
// rest (headers, compression, TLS files, batch sizes) from the process
// environment.
const (
	envSDKDisabled        = "OTEL_SDK_DISABLED"
	envTracesExporter     = "OTEL_TRACES_EXPORTER"
	envEndpoint           = "OTEL_EXPORTER_OTLP_ENDPOINT"
	envTracesEndpoint     = "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
	envProtocol           = "OTEL_EXPORTER_OTLP_PROTOCOL"
	envTracesProtocol     = "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	envTimeout            = "OTEL_EXPORTER_OTLP_TIMEOUT"
	envTracesTimeout      = "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"
	envServiceName        = "OTEL_SERVICE_NAME"
	envResourceAttributes = "OTEL_RESOURCE_ATTRIBUTES"
	envSampler            = "OTEL_TRACES_SAMPLER"
	envSamplerArg         = "OTEL_TRACES_SAMPLER_ARG"
)

const (
	// defaultServiceName replaces the SDK's "unknown_service:gateway".
	defaultServiceName = "sfgate"
	// defaultTracesEndpoint is the specification's default for OTLP/HTTP,
	// used when only OTEL_TRACES_EXPORTER=otlp asks for export.
	defaultTracesEndpoint = "http://localhost:4318/v1/traces"
	// defaultExportTimeout is the specification's default for
	// OTEL_EXPORTER_OTLP_TIMEOUT.
	defaultExportTimeout = 10 * time.Second
)

// tracingConfig is what the OTEL_* variables ask of tracing.
type tracingConfig struct {
	// Enabled reports whether spans are exported. Off says why not when a
	// variable turned tracing off; the zero value is off for want of an
	// exporter.
	Enabled bool
	Off     string
	// Endpoint is the full URL spans are POSTed to.
	Endpoint string
	// JSON selects http/json instead of http/protobuf.
	JSON bool
	// Timeout bounds one export and the final flush at exit.
	Timeout time.Duration
	// Sampler decides which traces are recorded.
	Sampler sdktrace.Sampler
	// ServiceName and Attributes describe the process (the resource).
	ServiceName string
	Attributes  []attribute.KeyValue
}

// describe is the tracing line of the start-up configuration log. The
// endpoint loses any user info and query, which could carry credentials.
func (t tracingConfig) describe() string {
	if !t.Enabled {
		if t.Off == "" {
			return "off (no exporter set: " + envTracesExporter + ", " + envEndpoint + " and " + envTracesEndpoint + " are empty)"
		}
		return "off (" + t.Off + ")"
	}
	enc := "http/protobuf"
	if t.JSON {
		enc = "http/json"
	}
	ep := t.Endpoint
	if u, err := url.Parse(ep); err == nil {
		u.User, u.RawQuery, u.Fragment = nil, "", ""
		ep = u.String()
	}
	return fmt.Sprintf("otlp %s to %s, service %q, sampler %s", enc, ep, t.ServiceName, t.Sampler.Description())
}

// parseTracing reads the OTEL_* variables. Tracing is off unless an
// exporter is asked for (DESIGN.md "Configuration"), unlike the
// specification's default of otlp to localhost: a gateway must not start
// sending spans somewhere nobody configured. Values the gateway cannot
// honour are errors that name the variable, like the rest of the
// configuration, rather than the SDK's log-and-ignore.
func parseTracing(getenv func(string) string) (tracingConfig, []error) {
	env := func(k string) string { return strings.TrimSpace(getenv(k)) }
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }

	switch v := strings.ToLower(env(envSDKDisabled)); v {
	case "true":
		return tracingConfig{Off: envSDKDisabled + "=true"}, nil
	case "", "false":
	default:
		// The specification reads anything but "true" as false; refusing
		// avoids exporting when OTEL_SDK_DISABLED=1 meant "off".
		bad("%s %q is not true or false", envSDKDisabled, env(envSDKDisabled))
	}

	var tc tracingConfig
	switch exp := env(envTracesExporter); exp {
	case "otlp":
		tc.Enabled = true
	case "none":
		return tracingConfig{Off: envTracesExporter + "=none"}, errs
	case "":
		tc.Enabled = env(envEndpoint) != "" || env(envTracesEndpoint) != ""
	default:
		bad("%s %q is not supported: this build exports OTLP over HTTP only (otlp, or none)", envTracesExporter, exp)
	}
	if !tc.Enabled {
		return tc, errs
	}

	protoVar, proto := envProtocol, env(envProtocol)
	if v := env(envTracesProtocol); v != "" {
		protoVar, proto = envTracesProtocol, v
	}
	switch proto {
	case "", "http/protobuf":
	case "http/json":
		tc.JSON = true
	default:
		bad("%s %q is not supported: this build speaks OTLP over HTTP (http/protobuf or http/json), not gRPC", protoVar, proto)
	}

	tc.Endpoint = defaultTracesEndpoint
	if v := env(envTracesEndpoint); v != "" {
		// A signal's own endpoint is used as it is.
		if u, err := endpointURL(envTracesEndpoint, v); err != nil {
			errs = append(errs, err)
		} else {
			if u.Path == "" {
				u.Path = "/"
			}
			tc.Endpoint = u.String()
		}
	} else if v := env(envEndpoint); v != "" {
		// The base endpoint gets the signal's path appended.
		if u, err := endpointURL(envEndpoint, v); err != nil {
			errs = append(errs, err)
		} else {
			u.Path = strings.TrimRight(u.Path, "/") + "/v1/traces"
			u.RawPath = ""
			tc.Endpoint = u.String()
		}
	}

	tc.Timeout = defaultExportTimeout
	for _, k := range []string{envTimeout, envTracesTimeout} {
		if v := env(k); v != "" {
			ms, err := strconv.Atoi(v)
			if err != nil || ms <= 0 {
				bad("%s %q is not a positive number of milliseconds", k, v)
				continue
			}
			tc.Timeout = time.Duration(ms) * time.Millisecond
		}
	}

	var err error
	if tc.Sampler, err = parseSampler(env(envSampler), env(envSamplerArg)); err != nil {
		errs = append(errs, err)
	}

	tc.ServiceName = defaultServiceName
	if v := env(envResourceAttributes); v != "" {
		attrs, err := parseResourceAttributes(v)
		if err != nil {
			errs = append(errs, err)
		}
		for _, a := range attrs {
			if a.Key == "service.name" {
				tc.ServiceName = a.Value.AsString()
				continue
			}
			tc.Attributes = append(tc.Attributes, a)
		}
	}
	if v := env(envServiceName); v != "" {
		tc.ServiceName = v
	}
	return tc, errs
}

// endpointURL checks an OTLP/HTTP endpoint: an absolute http(s) URL.
func endpointURL(name, v string) (*url.URL, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The value is not echoed: it may hold credentials in its user info.
		return nil, fmt.Errorf("%s is not an absolute http(s) URL such as http://otel-collector:4318", name)
	}
	return u, nil
}

// parseSampler maps OTEL_TRACES_SAMPLER and its argument to a sampler. The
// default, as in the SDK, follows the caller's decision and samples new
// traces.
func parseSampler(name, arg string) (sdktrace.Sampler, error) {
	ratio := func() (float64, error) {
		if arg == "" {
			return 1, nil
		}
		f, err := strconv.ParseFloat(arg, 64)
		if err != nil || f < 0 || f > 1 {
			return 0, fmt.Errorf("%s %q is not a probability between 0 and 1", envSamplerArg, arg)
		}
		return f, nil
	}
	switch name {
	case "", "parentbased_always_on":
		return sdktrace.ParentBased(sdktrace.AlwaysSample()), nil
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample()), nil
	case "always_on":
		return sdktrace.AlwaysSample(), nil
	case "always_off":
		return sdktrace.NeverSample(), nil
	case "traceidratio":
		f, err := ratio()
		return sdktrace.TraceIDRatioBased(f), err
	case "parentbased_traceidratio":
		f, err := ratio()
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(f)), err
	}
	return nil, fmt.Errorf("%s %q is not supported: use always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio", envSampler, name)
}

// parseResourceAttributes reads "key=value,key=value" with percent-encoded
// values, as the specification defines OTEL_RESOURCE_ATTRIBUTES.
func parseResourceAttributes(v string) ([]attribute.KeyValue, error) {
	var attrs []attribute.KeyValue
	for i, pair := range strings.Split(v, ",") {
		k, val, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return attrs, fmt.Errorf("%s entry %d is not key=value", envResourceAttributes, i+1)
		}
		dec, err := url.PathUnescape(strings.TrimSpace(val))
		if err != nil {
			return attrs, fmt.Errorf("%s entry %q: the value is not percent-encoded correctly", envResourceAttributes, k)
		}
		attrs = append(attrs, attribute.String(k, dec))
	}
	return attrs, nil
}

// startTracing installs what tc asks for and returns the provider to hand
// to the packages that make spans (nil when tracing is off: they then use
// the global one, which only propagates) and the function that flushes the
// spans still queued, bounded by tc.Timeout; run calls it after the HTTP
// server has drained, so the last requests' spans go out too.
//
// The provider is passed explicitly rather than made global, so that
// several gateways in one process (tests) never export each other's spans.
func startTracing(ctx context.Context, tc tracingConfig, logger *zerolog.Logger) (trace.TracerProvider, func(), error) {
	if !tc.Enabled {
		logger.Debug().Str("tracing", tc.describe()).Msg("tracing: spans are not exported")
		return nil, func() {}, nil
	}
	opts := []otlptracehttp.Option{otlptracehttp.WithEndpointURL(tc.Endpoint), otlptracehttp.WithTimeout(tc.Timeout)}
	if tc.JSON {
		opts = append(opts, otlptracehttp.WithEncoding(otlptracehttp.EncodingJSON))
	}
	exp, err := otlptracehttp.New(ctx, opts...)
	if err != nil {
		return nil, nil, fmt.Errorf("tracing: OTLP exporter: %w", err)
	}

	attrs := append([]attribute.KeyValue{}, tc.Attributes...)
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		attrs = append(attrs, attribute.String("service.version", bi.Main.Version))
	}
	attrs = append(attrs, attribute.String("service.name", tc.ServiceName))
	res, err := resource.New(ctx, resource.WithTelemetrySDK(), resource.WithHost(), resource.WithAttributes(attrs...))
	if err != nil {
		// Only a detector (the host name) can fail: describe the process
		// with what is known rather than not trace at all.
		logger.Warn().Err(err).Msg("tracing: resource detection incomplete")
		if res == nil {
			res = resource.NewSchemaless(attrs...)
		}
	}

	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(scrubbingExporter{exp}), sdktrace.WithResource(res), sdktrace.WithSampler(tc.Sampler))
	// Propagators and the error handler are process-wide by nature. Export
	// failures (collector down) are logged, never fatal: tracing must not
	// take the gateway down.
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		logger.Warn().Err(err).Msg("tracing: OpenTelemetry error")
	}))
	logger.Info().Str("tracing", tc.describe()).Msg("tracing: exporting spans over OTLP/HTTP")

	stop := func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), tc.Timeout)
		defer cancel()
		if err := tp.Shutdown(sctx); err != nil {
			ev := logger.Warn().Err(err).Dur("timeout", tc.Timeout)
			if errors.Is(err, context.DeadlineExceeded) {
				ev.Msg("tracing: the collector did not take the last spans in time; they are lost")
				return
			}
			ev.Msg("tracing: flushing the last spans failed")
		}
	}
	return tp, stop, nil
}

// scrubbingExporter removes exception.message from span events before they
// leave the process. The salesforce client records a failed call's error on
// its span, and Salesforce's fault messages quote the caller's SOQL with its
// literal values (INVALID_FIELD, MALFORMED_QUERY, …): record data that
// DESIGN.md does not put in traces. The span keeps the exception event, its
// exception.type, the error status and error.type (the fault code); the full message stays in
// the log line that carries the same trace_id.
type scrubbingExporter struct{ sdktrace.SpanExporter }

func (e scrubbingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	out := spans
	for i, s := range spans {
		events, changed := scrubEvents(s.Events())
		if !changed {
			continue
		}
		if &out[0] == &spans[0] {
			out = append([]sdktrace.ReadOnlySpan(nil), spans...)
		}
		out[i] = scrubbedSpan{ReadOnlySpan: s, events: events}
	}
	return e.SpanExporter.ExportSpans(ctx, out)
}

// scrubEvents returns events without exception.message, and whether any
// had one; events without it are returned as they are.
func scrubEvents(events []sdktrace.Event) ([]sdktrace.Event, bool) {
	var out []sdktrace.Event
	for i, ev := range events {
		keep := ev.Attributes[:0:0]
		for _, a := range ev.Attributes {
			if a.Key != "exception.message" {
				keep = append(keep, a)
			}
		}
		if len(keep) == len(ev.Attributes) {
			continue
		}
		if out == nil {
			out = append([]sdktrace.Event(nil), events...)
		}
		ev.Attributes = keep
		out[i] = ev
	}
	if out == nil {
		return events, false
	}
	return out, true
}

// scrubbedSpan is an ended span with its events replaced.
type scrubbedSpan struct {
	sdktrace.ReadOnlySpan
	events []sdktrace.Event
}

func (s scrubbedSpan) Events() []sdktrace.Event { return s.events }
