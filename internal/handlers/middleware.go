package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/sfgate/sfgate"
)

// statusWriter records what was answered, for the access log, metrics, the
// recoverer and the error adapter (which must not write a problem after a
// stream has begun). The outermost middleware installs it.
type statusWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
	// ctx is the request context once the request id middleware has run, so
	// the recoverer (outside it) logs with the request's logger and id.
	ctx context.Context
	// caller is set by the auth middleware for the access log (outside it).
	caller string
}

func (w *statusWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = status, true
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Flush lets streaming handlers push each page.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if !w.wroteHeader {
			w.WriteHeader(http.StatusOK)
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection (write deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// recoverer turns a panic into a logged 500 problem (or a cut connection
// when the answer has begun). http.ErrAbortHandler passes through: it is how
// a handler asks for exactly that cut.
func (h *Handlers) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, ctx: r.Context()}
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(rec)
			}
			value, stack := rec, debug.Stack()
			if p, ok := rec.(*panicked); ok {
				value, stack = p.value, p.stack
			}
			ctx := sw.ctx
			zerolog.Ctx(ctx).Error().Str("panic", fmt.Sprint(value)).Bytes("stack", stack).Msg("handler panicked")
			h.metrics.problem(sfgate.CodeInternal)
			if sw.wroteHeader {
				panic(http.ErrAbortHandler)
			}
			writeProblem(sw, r.WithContext(ctx), classified{status: http.StatusInternalServerError, code: sfgate.CodeInternal})
		}()
		next.ServeHTTP(sw, r)
	})
}

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
// well-formed) and a request-scoped logger carrying it and the trace id.
func (h *Handlers) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID.MatchString(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-Id", id)
		lc := h.opts.Logger.With().Str("request_id", id)
		if sc := trace.SpanContextFromContext(r.Context()); sc.HasTraceID() {
			lc = lc.Str("trace_id", sc.TraceID().String())
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
		h.metrics.inFlight.Add(1)
		defer h.metrics.inFlight.Add(-1)
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
		h.metrics.observe(route, r.Method, status, d)
		zerolog.Ctx(r.Context()).Info().
			Str("method", r.Method).Str("path", r.URL.Path).Str("route", route).
			Int("status", status).Int64("bytes", n).
			Float64("duration_ms", float64(d.Microseconds())/1000).
			Str("caller", callerOf(w)).
			Msg("request")
	})
}

// routePattern is chi's matched route ("/v1/sobjects/{sobject}"), or ""
// when nothing matched; used for low-cardinality labels.
func routePattern(r *http.Request) string {
	if rc := chi.RouteContext(r.Context()); rc != nil {
		return rc.RoutePattern()
	}
	return ""
}

// bodyCap reads the body up to its limit before anything parses it, so an
// oversized body is refused with 413 whatever its content, and the
// validator and handler read from memory. Batch requests get a larger
// limit than single-record requests.
func (h *Handlers) bodyCap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		limit := h.opts.MaxBodyBytes
		if strings.HasSuffix(r.URL.Path, "/records/batch") {
			limit = h.opts.MaxBatchBodyBytes
		}
		tooLarge := func() {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindTooLarge, Code: sfgate.CodeBodyTooLarge,
				Detail: fmt.Sprintf("the request body is larger than %d bytes", limit)})
		}
		if r.ContentLength > limit {
			tooLarge()
			return
		}
		// Bodies are held in memory until the answer is written, so their
		// total is bounded too: a body of unknown length reserves the cap.
		reserve := limit
		if r.ContentLength >= 0 {
			reserve = r.ContentLength
		}
		if !h.bodies.acquire(reserve) {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeOverloaded,
				Detail: "the gateway is holding as many request bodies as it allows; retry shortly", RetryAfter: time.Second})
			return
		}
		defer h.bodies.release(reserve)
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge()
				return
			}
			h.fail(w, r, fmt.Errorf("read request body: %w", err))
			return
		}
		r.Body = newHeldBody(body)
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return newHeldBody(body), nil }
		next.ServeHTTP(w, r)
	})
}

// heldBody is a request body bodyCap holds in memory; bodyBytes hands its
// bytes to the decoder without another copy.
type heldBody struct {
	*bytes.Reader
	b []byte
}

func newHeldBody(b []byte) *heldBody { return &heldBody{Reader: bytes.NewReader(b), b: b} }

// Close implements io.Closer.
func (*heldBody) Close() error { return nil }

// bodyBytes returns the request body: the held bytes when bodyCap holds it
// and nothing has been read from it yet, else what is left to read.
func bodyBytes(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if hb, ok := r.Body.(*heldBody); ok && hb.Len() == len(hb.b) {
		_, _ = hb.Seek(0, io.SeekEnd)
		return hb.b, nil
	}
	return io.ReadAll(r.Body)
}

// budget bounds a total (bytes of request bodies held at once).
type budget struct {
	mu        sync.Mutex
	used, max int64
}

func (b *budget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max && b.used > 0 {
		return false
	}
	b.used += n
	return true
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

type callerKey struct{}

func callerOf(w http.ResponseWriter) string {
	if sw, ok := w.(*statusWriter); ok {
		return sw.caller
	}
	return ""
}

// withCaller records the caller for the handlers (context) and the access
// log (statusWriter).
func withCaller(w http.ResponseWriter, r *http.Request, caller string) *http.Request {
	if sw, ok := w.(*statusWriter); ok {
		sw.caller = caller
	}
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, caller))
}

// callerFrom returns the caller's name (the API key's name, or the client
// address when caller auth is off).
func callerFrom(ctx context.Context) string {
	c, _ := ctx.Value(callerKey{}).(string)
	return c
}

// APIKey is one caller's key. Only its SHA-256 is kept after New.
type APIKey struct {
	// Name identifies the caller in logs and rate limits.
	Name string
	// Key is the secret the caller sends as "Authorization: Bearer <key>".
	Key sfgate.Secret
}

type hashedKey struct {
	name string
	sum  [sha256.Size]byte
}

// auth checks the caller's API key when keys are configured. Every key is
// compared, in constant time, so timing tells nothing about which matched.
func (h *Handlers) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(h.keys) == 0 {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			next.ServeHTTP(w, withCaller(w, r, host))
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			h.fail(w, r, sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "send a caller API key as Authorization: Bearer <key>"))
			return
		}
		sum := sha256.Sum256([]byte(token))
		name := ""
		for _, k := range h.keys {
			if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
				name = k.name
			}
		}
		if name == "" {
			h.fail(w, r, sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "unknown caller API key"))
			return
		}
		next.ServeHTTP(w, withCaller(w, r, name))
	})
}

// limiter is a token bucket per caller. The number of buckets is capped:
// when full, buckets that have refilled (idle callers) are dropped first.
type limiter struct {
	rate, burst float64
	max         int
	now         func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64, burst, max int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), max: max, now: now, buckets: make(map[string]*bucket)}
}

// allow takes a token for caller; when none is left it reports how long
// until one is.
func (l *limiter) allow(caller string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[caller]
	if !ok {
		if len(l.buckets) >= l.max {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[caller] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.last).Seconds()*l.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// evict drops full buckets (callers idle long enough to have refilled); if
// none is full it drops an arbitrary half, which can only make the limit
// more lenient, never stricter.
func (l *limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.last).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.max {
		return
	}
	n := len(l.buckets) / 2
	for k := range l.buckets {
		if n == 0 {
			break
		}
		delete(l.buckets, k)
		n--
	}
}

// rateLimit answers 429 with Retry-After once a caller's bucket is empty.
func (h *Handlers) rateLimit(next http.Handler) http.Handler {
	if h.limiter == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, wait := h.limiter.allow(callerFrom(r.Context()))
		if !ok {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindRateLimited, Code: sfgate.CodeRateLimited,
				Detail: "this caller's request rate is over its limit", RetryAfter: max(wait, time.Second)})
			return
		}
		next.ServeHTTP(w, r)
	})
}

// deadline bounds the whole request. Streams (Accept: application/x-ndjson)
// get the longer stream limit and extend the write deadline themselves.
func (h *Handlers) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := h.opts.RequestTimeout
		if wantsNDJSON(r) {
			d = h.opts.StreamTimeout
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
