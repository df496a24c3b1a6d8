package handlers

import (
	"net"
	"net/http"
	"runtime/debug"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
)

// tracing starts the request's server span, continuing a caller's
// traceparent, as OpenTelemetry's HTTP semantic conventions (v1.43.0,
// https://opentelemetry.io/docs/specs/semconv/http/http-spans/) describe
// it: named "{method} {route}" once routing is done ("{method}" alone when
// no route matched), the request's attributes set at start so a sampler
// sees them, the route, status and error.type at the end.
func (h *Handlers) tracing(next http.Handler) http.Handler {
	tracer := h.opts.TracerProvider.Tracer("github.com/sfgate/sfgate/internal/handlers",
		trace.WithSchemaURL(semconv.SchemaURL))
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		method, known := spanMethod(r.Method)
		ctx, span := tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(serverAttributes(r, method, known)...))
		defer func() {
			route := routePattern(r)
			if route != "" {
				span.SetName(method + " " + route)
				span.SetAttributes(semconv.HTTPRoute(route))
			}
			// Set at the end: an upsert's external id value, a record
			// value, is replaced by {value} once the route is known
			// (loggedPath), as in the access log.
			span.SetAttributes(semconv.URLPath(loggedPath(r)))
			if rec := recover(); rec != nil {
				// The recoverer (outside) answers 500; the span must say so
				// before it ends. The original stack travels with the value.
				if rec != http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
					endStatus(span, http.StatusInternalServerError)
					rec = &panicked{value: rec, stack: debug.Stack()}
				} else {
					// A cut connection (a stream that failed once begun):
					// the answer is incomplete whatever its status said.
					if sw, ok := w.(*statusWriter); ok && sw.wroteHeader {
						span.SetAttributes(semconv.HTTPResponseStatusCode(sw.status))
					}
					span.SetAttributes(semconv.ErrorTypeKey.String("http.ErrAbortHandler"))
					span.SetStatus(codes.Error, "answer aborted")
				}
				span.End()
				panic(rec)
			}
			if sw, ok := w.(*statusWriter); ok && sw.wroteHeader {
				endStatus(span, sw.status)
			}
			span.End()
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// endStatus records the answered status; a server span is an error only
// on 5xx (a 4xx is the caller's mistake, not the server's), and error.type
// is then the status code as a string.
func endStatus(span trace.Span, status int) {
	span.SetAttributes(semconv.HTTPResponseStatusCode(status))
	if status >= 500 {
		code := strconv.Itoa(status)
		span.SetAttributes(semconv.ErrorTypeKey.String(code))
		span.SetStatus(codes.Error, code)
	}
}

// knownMethods are the methods of RFC 9110, PATCH (RFC 5789) and QUERY,
// the conventions' default list. The gateway answers none outside it with
// anything but 404 or 405, so no configurable list is needed (the
// conventions ask for one only when a valid method could become _OTHER).
var knownMethods = map[string]bool{
	http.MethodConnect: true, http.MethodDelete: true, http.MethodGet: true,
	http.MethodHead: true, http.MethodOptions: true, http.MethodPatch: true,
	http.MethodPost: true, http.MethodPut: true, http.MethodTrace: true, "QUERY": true,
}

// spanMethod is the request's method for the span name and
// http.request.method: itself when known, otherwise "HTTP" for the name
// (the conventions forbid an arbitrary method there) and false.
func spanMethod(m string) (string, bool) {
	if knownMethods[m] {
		return m, true
	}
	return "HTTP", false
}

// serverAttributes are the request's attributes known before routing.
// Query strings are left out on purpose (docs/tracing.md); so are
// headers other than User-Agent.
func serverAttributes(r *http.Request, method string, known bool) []attribute.KeyValue {
	attrs := make([]attribute.KeyValue, 0, 9)
	if known {
		attrs = append(attrs, semconv.HTTPRequestMethodKey.String(method))
	} else {
		attrs = append(attrs, semconv.HTTPRequestMethodOther, semconv.HTTPRequestMethodOriginal(r.Method))
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	attrs = append(attrs, semconv.URLScheme(scheme), semconv.NetworkProtocolVersion(protocolVersion(r)))
	if host, port := splitHostPort(r.Host); host != "" {
		attrs = append(attrs, semconv.ServerAddress(host))
		if port > 0 {
			attrs = append(attrs, semconv.ServerPort(port))
		}
	}
	if host, _ := splitHostPort(r.RemoteAddr); host != "" {
		attrs = append(attrs, semconv.ClientAddress(host))
	}
	if ua := r.UserAgent(); ua != "" {
		attrs = append(attrs, semconv.UserAgentOriginal(ua))
	}
	return attrs
}

// protocolVersion is network.protocol.version: "1.1", "1.0", "2", "3".
func protocolVersion(r *http.Request) string {
	if r.ProtoMajor >= 2 {
		return strconv.Itoa(r.ProtoMajor)
	}
	return strconv.Itoa(r.ProtoMajor) + "." + strconv.Itoa(r.ProtoMinor)
}

// splitHostPort splits a Host header or a remote address ("[::1]:8080",
// "example.com", "10.0.0.1:5000"); the port is 0 when absent or invalid,
// and then left out of the span, as the conventions allow.
func splitHostPort(hp string) (string, int) {
	host, portStr, err := net.SplitHostPort(hp)
	if err != nil {
		// No port: the whole value is the host (brackets of a bare IPv6
		// literal dropped).
		if len(hp) > 1 && hp[0] == '[' && hp[len(hp)-1] == ']' {
			return hp[1 : len(hp)-1], 0
		}
		return hp, 0
	}
	port, err := strconv.ParseUint(portStr, 10, 16)
	if err != nil || port == 0 {
		return host, 0
	}
	return host, int(port)
}

// panicked carries a handler's panic value with the stack where it
// happened, through the tracing middleware's re-panic to the recoverer.
type panicked struct {
	value any
	stack []byte
}
