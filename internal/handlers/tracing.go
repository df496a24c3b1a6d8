package handlers

import (
	"net/http"
	"runtime/debug"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// tracing starts the request's server span, continuing a caller's
// traceparent. The span is renamed with the route once routing is done.
func (h *Handlers) tracing(next http.Handler) http.Handler {
	tracer := h.opts.TracerProvider.Tracer("github.com/sfgate/sfgate/internal/handlers")
	prop := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := prop.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, "HTTP "+r.Method, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("http.request.method", r.Method), attribute.String("url.path", r.URL.Path)))
		defer func() {
			if route := routePattern(r); route != "" {
				span.SetName("HTTP " + r.Method + " " + route)
				span.SetAttributes(attribute.String("http.route", route))
			}
			if rec := recover(); rec != nil {
				// The recoverer (outside) answers 500; the span must say so
				// before it ends. The original stack travels with the value.
				span.SetStatus(codes.Error, "panic")
				if rec != http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
					span.SetAttributes(attribute.Int("http.response.status_code", http.StatusInternalServerError))
					rec = &panicked{value: rec, stack: debug.Stack()}
				}
				span.End()
				panic(rec)
			}
			if sw, ok := w.(*statusWriter); ok {
				span.SetAttributes(attribute.Int("http.response.status_code", sw.status))
				if sw.status >= 500 {
					span.SetStatus(codes.Error, http.StatusText(sw.status))
				}
			}
			span.End()
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// panicked carries a handler's panic value with the stack where it
// happened, through the tracing middleware's re-panic to the recoverer.
type panicked struct {
	value any
	stack []byte
}
