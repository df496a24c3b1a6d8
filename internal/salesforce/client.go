package salesforce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// DefaultAPIVersion is the Partner API version used when Config.APIVersion
// is empty: the version of the WSDL the client is written and tested against.
const DefaultAPIVersion = "58.0"

// Defaults of Config.
const (
	DefaultCallTimeout       = 2 * time.Minute
	DefaultMaxResponseBytes  = 64 << 20
	DefaultMaxDepth          = 64
	DefaultGzipRequestsAbove = 16 << 10
)

// Config configures a Client. Every field but Sessions has a default.
type Config struct {
	// Sessions hands out the session of every call but Login. Required for
	// data calls.
	Sessions SessionSource
	// APIVersion is the Partner API version of data calls, e.g. "58.0".
	APIVersion string
	// HTTPClient overrides the HTTP client; its Transport should come from
	// NewTransport (automatic decompression off). Its Timeout should be 0:
	// calls are bounded by their context and CallTimeout.
	HTTPClient *http.Client
	// Transport sizes the default transport when HTTPClient is nil.
	Transport TransportConfig
	// CallTimeout bounds each SOAP call, all attempts included, when ctx has
	// no earlier deadline. Default 2 minutes.
	CallTimeout time.Duration
	// MaxResponseBytes caps an answer's decompressed size. Default 64 MiB.
	MaxResponseBytes int64
	// MaxDepth caps the XML nesting depth of an answer. Default 64.
	MaxDepth int
	// GzipRequestsAbove gzips request bodies larger than this many bytes
	// (Content-Encoding: gzip). Default 16 KiB; negative disables.
	GzipRequestsAbove int
	// Retry is the retry policy; the zero value means DefaultRetryPolicy().
	Retry RetryPolicy
	// Guard, when set, admits each call, caps concurrent requests toward
	// the org and hears the org's API usage (guard.go).
	Guard Guard
	// ClientName is sent as CallOptions/client when not empty.
	ClientName string
	// TracerProvider makes the spans (one per SOAP call, named
	// Soap/<operation>, spans.go); nil means the global provider.
	TracerProvider trace.TracerProvider
	// MeterProvider records the calls' metrics (metrics.go); nil means the
	// global provider.
	MeterProvider metric.MeterProvider
	// Now and Rand replace the clock and the jitter source in tests.
	Now  func() time.Time
	Rand func() float64
}

// Client calls the Salesforce SOAP Partner API. It is safe for concurrent
// use; create one per Salesforce connection and reuse it.
type Client struct {
	cfg     Config
	http    *http.Client
	policy  RetryPolicy
	budget  *budget
	limits  atomic.Pointer[partner.LimitInfo]
	tracer  trace.Tracer
	metrics *Instruments
	version string
}

var versionRE = regexp.MustCompile(`^[1-9][0-9]{0,2}\.0$`)

// New returns a Client for cfg.
func New(cfg Config) (*Client, error) {
	if cfg.APIVersion == "" {
		cfg.APIVersion = DefaultAPIVersion
	}
	if !versionRE.MatchString(cfg.APIVersion) {
		return nil, fmt.Errorf("salesforce: API version %q is not of the form NN.0", cfg.APIVersion)
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.MaxResponseBytes <= 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = DefaultMaxDepth
	}
	if cfg.GzipRequestsAbove == 0 {
		cfg.GzipRequestsAbove = DefaultGzipRequestsAbove
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Transport: NewTransport(cfg.Transport)}
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = otel.GetTracerProvider()
	}
	inst, err := NewInstruments(cfg.MeterProvider)
	if err != nil {
		return nil, err
	}
	p := cfg.Retry.withDefaults()
	return &Client{
		metrics: inst,
		cfg:     cfg,
		http:    hc,
		policy:  p,
		budget:  newBudget(p, cfg.Now),
		tracer:  newTracer(cfg.TracerProvider),
		version: cfg.APIVersion,
	}, nil
}

// APIVersion returns the version of data calls.
func (c *Client) APIVersion() string { return c.version }

// Limits returns the API usage Salesforce reported in the last answer that
// carried a LimitInfoHeader of type "API REQUESTS" (zero before any).
func (c *Client) Limits() partner.LimitInfo {
	if l := c.limits.Load(); l != nil {
		return *l
	}
	return partner.LimitInfo{}
}

// call describes one SOAP operation.
type call struct {
	op       string
	idem     Idempotency
	session  bool   // needs SessionHeader
	endpoint string // for calls without a session (login)
	headers  func(w *envWriter)
	body     func(w *envWriter)
	// decode consumes the children of the <opResponse> element. It must
	// assign (not append to) its outputs: a retried call decodes again.
	decode func(d *decoder)
}

const envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<soapenv:Envelope xmlns:soapenv="` + nsSOAPEnv + `" xmlns="` + nsPartner +
	`" xmlns:sf="` + nsSObject + `" xmlns:xsi="` + nsXSI + `">`

// envelope assembles a request from the pre-encoded headers and body.
func (c *Client) envelope(op string, sess *Session, headers, body []byte) ([]byte, error) {
	w := envWriter{op: op, b: make([]byte, 0, len(envelopeOpen)+len(headers)+len(body)+256)}
	w.b = append(w.b, envelopeOpen...)
	w.open("soapenv:Header")
	if sess != nil {
		w.open("SessionHeader")
		w.leaf("sessionId", "sessionId", sess.ID.Reveal())
		w.close("SessionHeader")
	}
	if c.cfg.ClientName != "" {
		w.open("CallOptions")
		w.leaf("client", "CallOptions.client", c.cfg.ClientName)
		w.nilLeaf("defaultNamespace")
		w.close("CallOptions")
	}
	w.b = append(w.b, headers...)
	w.close("soapenv:Header")
	w.open("soapenv:Body")
	w.b = append(w.b, body...)
	w.close("soapenv:Body")
	w.close("soapenv:Envelope")
	if w.err != nil {
		return nil, w.err
	}
	return w.b, nil
}

// invoke runs one SOAP call under CallTimeout, inside its span
// (Soap/<operation>, spans.go) and with its log line; callWithRetries does the
// call itself.
func (c *Client) invoke(ctx context.Context, cl *call) (err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.CallTimeout)
		defer cancel()
	}
	ctx, span := c.startSpan(ctx, cl.op)
	start := c.cfg.Now()
	attempts := 0
	defer func() {
		log := zerolog.Ctx(ctx)
		ev := log.Debug()
		if err != nil {
			ev = logCallError(log.Warn(), err)
		}
		endSpan(span, attempts, err)
		ev.Str("sf_op", cl.op).Int("attempts", attempts).
			Int64("duration_ms", c.cfg.Now().Sub(start).Milliseconds()).Msg("salesforce call")
	}()
	attempts, err = c.callWithRetries(ctx, cl)
	settleOutcome(cl.idem, err)
	return err
}

// maxSessionRefreshes is how many times one call replays after
// INVALID_SESSION_ID, each time with a different session.
const maxSessionRefreshes = 2

// callWithRetries encodes the call once and posts it until it succeeds or
// the retry policy, the retry budget or ctx stops it, replaying it with a
// fresh session after INVALID_SESSION_ID (at most twice, see below). It
// returns the number of attempts begun, replays included (0 when encoding
// failed or the guard refused the call).
func (c *Client) callWithRetries(ctx context.Context, cl *call) (attempts int, err error) {
	var hw, bw envWriter
	hw.op, bw.op = cl.op, cl.op
	if cl.headers != nil {
		cl.headers(&hw)
	}
	cl.body(&bw)
	if hw.err != nil {
		return attempts, hw.err
	}
	if bw.err != nil {
		return attempts, bw.err
	}
	if cl.session && c.cfg.Sessions == nil {
		return attempts, &partner.Error{Op: cl.op, Kind: partner.KindInvalidInput, Message: "client has no SessionSource"}
	}
	if err := c.admit(ctx, cl); err != nil {
		return attempts, fmt.Errorf("salesforce %s: %w", cl.op, err)
	}
	c.budget.earn()
	refreshes, lastRejected := 0, ""
	for attempt := 1; ; attempt++ {
		attempts++
		endpoint := cl.endpoint
		var sess *Session
		if cl.session {
			s, serr := c.cfg.Sessions.Session(ctx)
			if serr != nil {
				return attempts, fmt.Errorf("salesforce %s: get session: %w", cl.op, serr)
			}
			sess = &s
			endpoint = strings.TrimRight(s.InstanceURL, "/") + "/services/Soap/u/" + c.version
		}
		env, eerr := c.envelope(cl.op, sess, hw.b, bw.b)
		if eerr != nil {
			return attempts, eerr
		}
		err = c.guardedPost(ctx, cl, endpoint, env)
		if err == nil {
			return attempts, nil
		}
		var se *partner.Error
		if cl.session && errors.As(err, &se) && se.Code == partner.CodeInvalidSessionID &&
			refreshes < maxSessionRefreshes && sess.ID.Reveal() != lastRejected {
			// The session expired or was revoked: drop exactly this one,
			// get a fresh one and replay. Safe for every operation:
			// Salesforce rejected the call before running it. A second
			// replay is for a replica that adopted a peer's session which
			// had expired too (an idle replica after a session-expiry
			// storm): that session is evicted by compare-and-delete, so
			// one replica logs in and the others adopt its session.
			refreshes++
			lastRejected = sess.ID.Reveal()
			if ierr := c.cfg.Sessions.Invalidate(ctx, *sess); ierr != nil {
				return attempts, fmt.Errorf("salesforce %s: invalidate session: %w", cl.op, ierr)
			}
			c.metrics.Retry(ctx, reasonSessionRefresh)
			attempt--
			continue
		}
		if ctx.Err() != nil {
			return attempts, abandoned(cl.op, ctx.Err(), err)
		}
		if !c.policy.ShouldRetry(cl.idem, attempt, err) {
			return attempts, err
		}
		if !c.budget.take() {
			zerolog.Ctx(ctx).Warn().Str("sf_op", cl.op).Msg("salesforce retry budget exhausted")
			return attempts, err
		}
		c.metrics.Retry(ctx, Outcome(err))
		wait := c.policy.Backoff(attempt, c.cfg.Rand())
		logCallError(zerolog.Ctx(ctx).Info(), err).Str("sf_op", cl.op).Int("attempt", attempt).
			Int64("wait_ms", wait.Milliseconds()).Msg("salesforce call retried")
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return attempts, abandoned(cl.op, ctx.Err(), err)
		case <-timer.C:
		}
	}
}

// post sends one request and decodes the answer.
func (c *Client) post(ctx context.Context, cl *call, endpoint string, env []byte) error {
	payload := env
	gz := c.cfg.GzipRequestsAbove >= 0 && len(env) > c.cfg.GzipRequestsAbove
	if gz {
		payload = gzipBytes(env)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(payload))
	if err != nil {
		return &partner.Error{Op: cl.op, Kind: partner.KindInvalidInput, Message: "invalid endpoint URL", Cause: err}
	}
	setSpanServer(ctx, req.URL)
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	req.Header.Set("Accept-Encoding", "gzip")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	var tr sendTrace
	req = req.WithContext(tr.with(ctx))
	resp, err := c.http.Do(req)
	if err != nil {
		e := classifyTransportErr(cl.op, err)
		e.Unsent = tr.unsent(err)
		return e
	}
	defer resp.Body.Close()
	data, err := readBody(ctx, resp, c.cfg.MaxResponseBytes)
	if err != nil {
		var tl errTooLarge
		if errors.As(err, &tl) {
			return &partner.Error{Op: cl.op, Kind: partner.KindDecode, HTTPStatus: resp.StatusCode, Message: tl.Error()}
		}
		e := classifyTransportErr(cl.op, err)
		e.HTTPStatus = resp.StatusCode
		return e
	}
	d := getDecoder(data, c.cfg.MaxDepth)
	fe := d.envelope(cl.op+"Response", func() { cl.decode(d) })
	if d.limit != nil {
		c.limits.Store(d.limit) // its Type is a copy, not a slice of data
	}
	d.release()
	if fe != nil {
		fe.Op = cl.op
		fe.HTTPStatus = resp.StatusCode
		if fe.Kind == partner.KindDecode && resp.StatusCode != http.StatusOK {
			// Not a SOAP answer at all: a proxy, a maintenance page, a
			// gateway timeout. Say what arrived, not what it contained.
			return &partner.Error{Op: cl.op, Kind: partner.KindTransport, HTTPStatus: resp.StatusCode,
				Message: fmt.Sprintf("unexpected HTTP status %d (%s)", resp.StatusCode, resp.Header.Get("Content-Type"))}
		}
		return fe
	}
	if resp.StatusCode != http.StatusOK {
		return &partner.Error{Op: cl.op, Kind: partner.KindTransport, HTTPStatus: resp.StatusCode,
			Message: fmt.Sprintf("unexpected HTTP status %d with a non-fault answer", resp.StatusCode)}
	}
	return nil
}

// abandoned is the error of a call given up because ctx ended; last is the
// failure of its last attempt, which says whether that request may have
// reached Salesforce (an earlier attempt was retried, so for a call that
// is not idempotent it provably had not).
func abandoned(op string, ctxErr, last error) *partner.Error {
	e := &partner.Error{Op: op, Kind: partner.KindNetwork, Message: "call abandoned", Cause: ctxErr}
	var le *partner.Error
	if errors.As(last, &le) {
		e.Unsent = le.Unsent || le.Kind == partner.KindInvalidInput
	}
	return e
}

func decodeErr(op, msg string) *partner.Error {
	return &partner.Error{Op: op, Kind: partner.KindDecode, Message: msg}
}

// chunked calls fn on consecutive parts of at most size items and
// concatenates the results, which fn returns one per item in order. On
// error it returns the results of the parts already done (a prefix of the
// input) with the error.
func chunked[T, R any](items []T, size int, fn func([]T) ([]R, error)) ([]R, error) {
	out := make([]R, 0, len(items))
	for start := 0; start < len(items); start += size {
		part := items[start:min(start+size, len(items))]
		res, err := fn(part)
		if err != nil {
			return out, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}
