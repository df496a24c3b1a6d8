package handlers

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/trace"
)

type requestIDKey struct{}

// validRequestID is what a caller-supplied X-Request-Id must look like to be
// kept; anything else is replaced, so logs cannot be forged or flooded.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

// RequestID returns the request's id, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestID gives every request an id (the caller's X-Request-Id when it is
// well-formed) and a request-scoped logger carrying it, the trace id and
// the server span's id.
func (h *Handlers) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		setSecurityHeaders(w.Header())
		lc := h.opts.Logger.With().Str("request_id", id)
		if sc := trace.SpanContextFromContext(r.Context()); sc.HasTraceID() {
			lc = lc.Str("trace_id", sc.TraceID().String())
			// The server span's own id. A remote span context means no
			// span was made here (tracing off: the no-op provider only
			// carries the caller's context), and the caller's span id
			// would name a span this gateway never exported.
			if sc.HasSpanID() && !sc.IsRemote() {
				lc = lc.Str("span_id", sc.SpanID().String())
			}
		}
		logger := lc.Logger()
		ctx := context.WithValue(r.Context(), requestIDKey{}, id)
		ctx = logger.WithContext(ctx)
		if sw, ok := w.(*statusWriter); ok {
			sw.ctx = ctx
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// accessLog logs one line per request and feeds the HTTP metrics.
func (h *Handlers) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.opts.Now()
		h.metrics.inFlight.Add(r.Context(), 1)
		defer h.metrics.inFlight.Add(r.Context(), -1)
		next.ServeHTTP(w, r)
		d := h.opts.Now().Sub(start)
		status, n := http.StatusOK, int64(0)
		if sw, ok := w.(*statusWriter); ok {
			if sw.wroteHeader {
				status = sw.status
			}
			n = sw.bytes
		}
		if errors.Is(r.Context().Err(), context.Canceled) && status < 400 {
			status = StatusClientClosedRequest
		}
		route := routePattern(r)
		h.metrics.observe(r.Context(), route, r.Method, status, d)
		zerolog.Ctx(r.Context()).Info().
			Str("method", r.Method).Str("path", loggedPath(r)).Str("route", route).
			Int("status", status).Int64("bytes", n).
			Float64("duration_ms", float64(d.Microseconds())/1000).
			Str("caller", callerOf(w)).
			Msg("request")
	})
}

// apiCSP is the Content-Security-Policy of every answer but /docs: the
// API's answers are data, never a page to render or frame.
const apiCSP = "default-src 'none'; frame-ancestors 'none'"

// setSecurityHeaders sets the headers every answer carries, as OWASP's REST
// Security Cheat Sheet advises for APIs
// (https://cheatsheetseries.owasp.org/cheatsheets/REST_Security_Cheat_Sheet.html#security-headers):
// no MIME sniffing (a JSON answer echoing caller input must never be
// sniffed into HTML), no framing, no referrer. /v1 answers add
// Cache-Control: no-store (door.go), and /docs its own policy (ops.go).
func setSecurityHeaders(h http.Header) {
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", apiCSP)
	h.Set("Referrer-Policy", "no-referrer")
}

// routePattern is chi's matched route ("/v1/sobjects/{sobject}"), or ""
// when nothing matched; used for low-cardinality labels.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}
