// Package handlers is sfgate's HTTP face: the chi router, the middleware in
// the order STYLE.md gives, the OpenAPI request validator (the embedded
// api/openapi.yaml, enforced on every /v1 request), thin handlers that
// decode, call a service and encode, and the one adapter that turns errors
// into RFC 9457 problem+json through one code → status table.
//
// The services the handlers call are the domain's interfaces (package
// sfgate, at the module root); the engine (internal/service) implements
// them and cmd/gateway wires it in. Errors arrive as *sfgate.Error kinds
// and Salesforce codes; status.go holds the one table that makes them
// statuses.
package handlers

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/api"
	"github.com/sfgate/sfgate/internal/orgspec"
)

// Options configure the handlers. Services left nil answer their routes
// with 501 NOT_IMPLEMENTED, so a gateway without an engine says so instead
// of pretending.
type Options struct {
	Describe sfgate.DescribeService
	// CachedDescribe serves the org-typed document (GET
	// /openapi.yaml?sobjects=…); nil answers it 501.
	CachedDescribe sfgate.CachedDescribeService
	Schemas        sfgate.SchemaService
	Records        sfgate.RecordService
	Queries        sfgate.QueryService
	Limits         sfgate.LimitsService
	Cache          sfgate.CacheAdmin
	// Ready reports Redis and Salesforce state for /readyz; nil reports
	// Redis "disabled" and Salesforce "unknown".
	Ready sfgate.Readiness

	// Logger is the base logger; each request gets a child with its id.
	Logger zerolog.Logger
	// TracerProvider makes the request spans; nil means the global one.
	TracerProvider trace.TracerProvider
	// MeterProvider records the HTTP metrics; nil means the global one.
	MeterProvider metric.MeterProvider
	// Metrics serves /metrics (the exporter of MeterProvider's metrics);
	// nil answers /metrics 404, for metrics served on a listener of their
	// own (GATEWAY_METRICS_ADDR).
	Metrics http.Handler

	// APIKeys are the simple callers' keys (full access). Auth finds the
	// other callers (the callers file, JWTs). With neither, caller auth is
	// off.
	APIKeys []APIKey
	Auth    Authenticator
	// RateLimit is each caller's sustained requests per second; 0 turns
	// rate limiting off. RateBurst is the bucket size.
	RateLimit float64
	RateBurst int
	// MaxCallers caps the rate limiter's buckets (default 10,000).
	MaxCallers int
	// RateLimiter, when set, decides the rate limit (shared by every
	// replica); nil means an in-process token bucket per caller.
	RateLimiter RateLimiter

	// MaxStreams caps the NDJSON streams open on this replica (default
	// 64) and MaxStreamsPerCaller those of one caller on it (default 8).
	MaxStreams          int
	MaxStreamsPerCaller int

	// MaxBodyBytes caps request bodies (default 1 MiB); MaxBatchBodyBytes
	// caps batch bodies (default 32 MiB: 10,000 records of ~3 KiB).
	MaxBodyBytes      int64
	MaxBatchBodyBytes int64
	// MaxBufferedBodyBytes bounds the bodies held in memory at once across
	// all requests (default 256 MiB); past it requests get 503 with
	// Retry-After. A single body is always admitted when none is held.
	// Bodies are charged as their bytes arrive, not as declared.
	MaxBufferedBodyBytes int64
	// CallerBodyShare is the fraction of MaxBufferedBodyBytes one caller's
	// bodies may hold at once (default 0.25; never less than one body of
	// MaxBatchBodyBytes); past it the caller gets 429.
	CallerBodyShare float64
	// BodyReadTimeout bounds how long an authenticated request's body may
	// take to arrive (default 60s); past it the answer is 408.
	BodyReadTimeout time.Duration
	// MaxUnauthenticated caps the /v1 requests not yet authenticated at
	// once (default 64); past it 503 GATEWAY_OVERLOADED.
	MaxUnauthenticated int
	// UnauthenticatedTimeout bounds the authentication step and the body
	// reads before it (default 5s).
	UnauthenticatedTimeout time.Duration
	// RequestTimeout bounds a request (default 60s); StreamTimeout bounds an
	// NDJSON stream (default 30m).
	RequestTimeout time.Duration
	StreamTimeout  time.Duration

	// Idempotency keeps the first answer of writes sent with an
	// Idempotency-Key (idempotency.go); nil answers such requests 501.
	// MaxIdempotentAnswerBytes caps a kept answer's body (default
	// DefaultMaxIdempotentAnswerBytes).
	Idempotency              sfgate.IdempotencyStore
	MaxIdempotentAnswerBytes int64

	// PublicURL, when set, is written as the one server of the served
	// /openapi.yaml (GATEWAY_PUBLIC_URL), for client generators that need
	// an absolute URL; empty serves the document as embedded (server "/").
	PublicURL string

	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Defaults for Options' zero values.
const (
	DefaultMaxBodyBytes           = 1 << 20
	DefaultMaxBatchBodyBytes      = 32 << 20
	DefaultMaxBufferedBodyBytes   = 256 << 20
	DefaultRequestTimeout         = 60 * time.Second
	DefaultStreamTimeout          = 30 * time.Minute
	DefaultMaxCallers             = 10000
	DefaultCallerBodyShare        = 0.25
	DefaultBodyReadTimeout        = 60 * time.Second
	DefaultMaxUnauthenticated     = 64
	DefaultUnauthenticatedTimeout = 5 * time.Second
)

// Handlers is the gateway's http.Handler.
type Handlers struct {
	opts     Options
	doc      *openapi3.T
	specYAML []byte // the served /openapi.yaml
	router   chi.Router
	metrics  *httpMetrics
	rates    RateLimiter
	streams  *streamSlots
	bodies   *budget
	unauth   chan struct{} // slots of requests not yet authenticated (door.go)
	keys     []hashedKey
	draining atomic.Bool
	// specs keeps the org-typed documents rendered (orgspec.go); orgSpec
	// is their handler behind the door, auth and the rate limit.
	specs   *orgspec.Cache
	orgSpec http.Handler
}

// New builds the router. It fails if the embedded document is invalid or
// lacks an operation the router serves.
func New(ctx context.Context, opts Options) (*Handlers, error) {
	if opts.TracerProvider == nil {
		opts.TracerProvider = otel.GetTracerProvider()
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.MaxBatchBodyBytes <= 0 {
		opts.MaxBatchBodyBytes = DefaultMaxBatchBodyBytes
	}
	if opts.MaxBufferedBodyBytes <= 0 {
		opts.MaxBufferedBodyBytes = DefaultMaxBufferedBodyBytes
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = DefaultRequestTimeout
	}
	if opts.StreamTimeout <= 0 {
		opts.StreamTimeout = DefaultStreamTimeout
	}
	if opts.MaxCallers <= 0 {
		opts.MaxCallers = DefaultMaxCallers
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	doorDefaults(&opts)
	if opts.MaxIdempotentAnswerBytes <= 0 {
		opts.MaxIdempotentAnswerBytes = DefaultMaxIdempotentAnswerBytes
	}
	doc, err := LoadSpec(ctx)
	if err != nil {
		return nil, err
	}
	spec, err := servedSpec(api.OpenAPI, opts.PublicURL)
	if err != nil {
		return nil, err
	}
	hm, err := newHTTPMetrics(opts.MeterProvider)
	if err != nil {
		return nil, err
	}
	h := &Handlers{opts: opts, doc: doc, specYAML: spec, metrics: hm, specs: orgspec.NewCache(spec, specCacheBytes),
		bodies: newBudget(opts.MaxBufferedBodyBytes, opts.CallerBodyShare, opts.MaxBatchBodyBytes),
		unauth: make(chan struct{}, opts.MaxUnauthenticated)}
	for _, k := range opts.APIKeys {
		if k.Name == "" || len(k.Key) < 16 {
			return nil, fmt.Errorf("caller API key %q: a name and a key of at least 16 characters are required", k.Name)
		}
		h.keys = append(h.keys, hashedKey{sum: sha256.Sum256([]byte(k.Key.Reveal())), caller: &sfgate.Caller{Name: k.Name}})
	}
	if opts.RateBurst < 1 {
		opts.RateBurst = max(1, int(opts.RateLimit))
		h.opts.RateBurst = opts.RateBurst
	}
	h.rates = opts.RateLimiter
	if h.rates == nil {
		h.rates = newLimiter(opts.RateLimit, opts.RateBurst, opts.MaxCallers, opts.Now)
	}
	h.streams = newStreamSlots(opts.MaxStreams, opts.MaxStreamsPerCaller)
	if err := h.routes(); err != nil {
		return nil, err
	}
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handlers) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.router.ServeHTTP(w, r) }

// SetDraining marks the pod as shutting down: /readyz answers 503 so the
// load balancer stops sending new requests while in-flight ones finish.
func (h *Handlers) SetDraining(v bool) { h.draining.Store(v) }

// Spec returns the loaded document (servers dropped).
func (h *Handlers) Spec() *openapi3.T { return h.doc }

// route is one served operation; path is both chi's pattern and the
// document's path template.
type route struct {
	method, path string
	fn           handlerFunc
	// need is the permission the route checks before validation; the zero
	// value checks none there (the handler or the engine does).
	need permission
}

func (h *Handlers) routes() error {
	r := chi.NewRouter()
	// recoverer → OpenTelemetry → request id and logger → access log →
	// (on /v1) tracked properties → door → caller auth → admitted → rate
	// limit → body cap → deadline → OpenAPI validation → handler. STYLE.md
	// put the body cap before auth; door.go says why it is after.
	r.Use(h.recoverer, h.tracing, h.requestID, h.accessLog)
	r.NotFound(h.adapt(func(w http.ResponseWriter, r *http.Request) error {
		return sfgate.NotFound("no such endpoint: " + r.URL.Path)
	}))
	r.MethodNotAllowed(h.adapt(func(w http.ResponseWriter, req *http.Request) error {
		// RFC 9110 requires Allow on a 405; chi sets it only in its own
		// default handler.
		var allowed []string
		for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete} {
			if r.Match(chi.NewRouteContext(), m, req.URL.Path) {
				allowed = append(allowed, m)
			}
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		return &statusError{status: http.StatusMethodNotAllowed, err: sfgate.NewError(sfgate.KindInvalid, codeMethodNotAllowed, req.Method+" is not allowed on "+req.URL.Path)}
	}))

	ops := []route{
		{http.MethodGet, "/healthz", h.healthz, permission{}},
		{http.MethodGet, "/readyz", h.readyz, permission{}},
		{http.MethodGet, "/metrics", h.metricsPage, permission{}},
		{http.MethodGet, "/openapi.yaml", h.openapi, permission{}},
		{http.MethodGet, "/docs", h.docsPage, permission{}},
		{http.MethodGet, "/docs/redoc.standalone.js", h.docsScript, permission{}},
	}
	for _, rt := range ops {
		if _, err := Route(h.doc, rt.method, rt.path); err != nil {
			return err
		}
		r.Method(rt.method, rt.path, h.adapt(rt.fn))
	}

	// Permissions (docs/http-api.md, "Callers"): the path's object and the
	// route's action. Writes that create or change records in ways a
	// repeat could double take an Idempotency-Key (idempotency.go). Listing objects and limits name no object and need
	// none; batches are checked once the operation is read; SOQL, SOSL
	// and cursors by the engine, which sees every object they reach.
	v1 := []route{
		{http.MethodGet, "/v1/sobjects", h.listSObjects, permission{}},
		{http.MethodGet, "/v1/sobjects/{sobject}", h.describeSObject, permission{action: sfgate.ActionRead}},
		{http.MethodGet, "/v1/sobjects/{sobject}/schema", h.sobjectSchema, permission{action: sfgate.ActionRead}},
		{http.MethodPost, "/v1/sobjects/{sobject}/records", h.idempotent(h.createRecord), permission{action: sfgate.ActionCreate}},
		{http.MethodGet, "/v1/sobjects/{sobject}/records/{id}", h.getRecord, permission{action: sfgate.ActionRead}},
		{http.MethodPatch, "/v1/sobjects/{sobject}/records/{id}", h.updateRecord, permission{action: sfgate.ActionUpdate}},
		{http.MethodDelete, "/v1/sobjects/{sobject}/records/{id}", h.deleteRecord, permission{action: sfgate.ActionDelete}},
		{http.MethodPut, "/v1/sobjects/{sobject}/records/by/{externalIdField}/{value}", h.idempotent(h.upsertRecord), permission{action: sfgate.ActionUpsert}},
		{http.MethodPost, "/v1/sobjects/{sobject}/records/batch", h.idempotent(h.batch), permission{action: sfgate.ActionBulk}},
		{http.MethodPost, "/v1/sobjects/{sobject}/records/{id}/merge", h.idempotent(h.merge), permission{action: sfgate.ActionMerge}},
		{http.MethodPost, "/v1/sobjects/{sobject}/query", h.structuredQuery, permission{action: sfgate.ActionQuery}},
		{http.MethodPost, "/v1/sobjects/{sobject}/query/stream", h.structuredQueryStream, permission{action: sfgate.ActionQuery}},
		{http.MethodPost, "/v1/query", h.soqlQuery, permission{}},
		{http.MethodPost, "/v1/query/stream", h.soqlQueryStream, permission{}},
		{http.MethodGet, "/v1/query/{cursor}", h.queryMore, permission{}},
		{http.MethodGet, "/v1/query/{cursor}/stream", h.queryMoreStream, permission{}},
		{http.MethodPost, "/v1/search", h.search, permission{}},
		{http.MethodPost, "/v1/leads/convert", h.idempotent(h.convertLead), permission{action: sfgate.ActionConvert, object: "Lead"}},
		{http.MethodGet, "/v1/limits", h.limits, permission{}},
		{http.MethodPost, "/v1/admin/cache/invalidate", h.invalidate, permission{action: sfgate.ActionAdmin}},
	}
	h.orgSpec = chi.Chain(h.door, h.auth, h.admitted, h.rateLimit, h.deadline).Handler(h.adapt(h.orgSpecPage))
	var routeErr error
	r.Group(func(g chi.Router) {
		g.Use(h.tracked, h.door, h.auth, h.admitted, h.rateLimit, h.bodyCap, h.deadline)
		for _, rt := range v1 {
			v, err := newValidator(h.doc, rt.method, rt.path)
			if err != nil {
				routeErr = errors.Join(routeErr, err)
				continue
			}
			mw := []func(http.Handler) http.Handler{v.middleware(h)}
			if rt.need.action != "" {
				mw = append([]func(http.Handler) http.Handler{h.require(rt.need)}, mw...)
			}
			g.With(mw...).Method(rt.method, rt.path, h.adapt(rt.fn))
		}
	})
	if routeErr != nil {
		return routeErr
	}
	h.router = r
	return nil
}
