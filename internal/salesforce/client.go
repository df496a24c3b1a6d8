package salesforce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"iter"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// DefaultAPIVersion is the Partner API version used when Config.APIVersion
// is empty: the version of the WSDL the client is written and tested against.
const DefaultAPIVersion = "58.0"

// Limits of the Partner API the client enforces by chunking.
const (
	// MaxWriteBatch is the most records create, update, upsert, delete,
	// undelete and merge accept per call.
	MaxWriteBatch = 200
	// MaxRetrieveBatch is the most ids retrieve accepts per call.
	MaxRetrieveBatch = 2000
	// MaxDescribeBatch is the most types describeSObjects accepts per call.
	MaxDescribeBatch = 100
	// MaxConvertLeadBatch is the most leads one convertLead call converts.
	MaxConvertLeadBatch = 100
)

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
	// ClientName is sent as CallOptions/client when not empty.
	ClientName string
	// TracerProvider makes the spans (one per SOAP call, named
	// salesforce.<operation>); nil means the global provider.
	TracerProvider trace.TracerProvider
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
	limits  atomic.Pointer[LimitInfo]
	tracer  trace.Tracer
	version string
}

// RetryPolicy decides which failed calls are retried and how long to wait;
// see ShouldRetry and Backoff.
type RetryPolicy struct {
	// MaxAttempts is the most attempts of one call, the first included.
	MaxAttempts int
	// BaseDelay and MaxDelay bound the exponential backoff.
	BaseDelay, MaxDelay time.Duration
	// BudgetPerSecond and BudgetBurst size the token bucket that caps
	// retries across all calls of a Client.
	BudgetPerSecond float64
	BudgetBurst     int
}

// DefaultRetryPolicy returns the policy used when Config.Retry is zero: up
// to 4 attempts, 200 ms doubling to at most 5 s, and a budget of 20 retries
// refilled at 2 per second.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second,
		BudgetPerSecond: 2, BudgetBurst: 20}
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
	p := cfg.Retry.withDefaults()
	return &Client{
		cfg:     cfg,
		http:    hc,
		policy:  p,
		budget:  newBudget(p.BudgetPerSecond, p.BudgetBurst, cfg.Now),
		tracer:  cfg.TracerProvider.Tracer("github.com/sfgate/sfgate/internal/salesforce"),
		version: cfg.APIVersion,
	}, nil
}

// APIVersion returns the version of data calls.
func (c *Client) APIVersion() string { return c.version }

// Limits returns the API usage Salesforce reported in the last answer that
// carried a LimitInfoHeader of type "API REQUESTS" (zero before any).
func (c *Client) Limits() LimitInfo {
	if l := c.limits.Load(); l != nil {
		return *l
	}
	return LimitInfo{}
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

// invoke runs one SOAP call with its retries and session refresh.
func (c *Client) invoke(ctx context.Context, cl *call) (err error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.CallTimeout)
		defer cancel()
	}
	ctx, span := c.tracer.Start(ctx, "salesforce."+cl.op,
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("sf.op", cl.op), attribute.String("sf.api_version", c.version)))
	start := c.cfg.Now()
	attempts := 0
	defer func() {
		log := zerolog.Ctx(ctx)
		ev := log.Debug()
		var se *Error
		if err != nil {
			ev = log.Warn()
			if errors.As(err, &se) {
				ev = ev.Str("sf_code", se.Code).Str("sf_error_kind", se.Kind.String())
				span.SetAttributes(attribute.String("sf.code", se.Code))
			}
			span.RecordError(err)
			span.SetStatus(codes.Error, "salesforce call failed")
		}
		span.SetAttributes(attribute.Int("sf.attempts", attempts))
		span.End()
		ev.Str("sf_op", cl.op).Int("attempts", attempts).
			Int64("duration_ms", c.cfg.Now().Sub(start).Milliseconds()).Err(err).Msg("salesforce call")
	}()

	var hw, bw envWriter
	hw.op, bw.op = cl.op, cl.op
	if cl.headers != nil {
		cl.headers(&hw)
	}
	cl.body(&bw)
	if hw.err != nil {
		return hw.err
	}
	if bw.err != nil {
		return bw.err
	}
	if cl.session && c.cfg.Sessions == nil {
		return &Error{Op: cl.op, Kind: KindInvalidInput, Message: "client has no SessionSource"}
	}
	refreshed := false
	for attempt := 1; ; attempt++ {
		attempts++
		endpoint := cl.endpoint
		var sess *Session
		if cl.session {
			s, serr := c.cfg.Sessions.Session(ctx)
			if serr != nil {
				return fmt.Errorf("salesforce %s: get session: %w", cl.op, serr)
			}
			sess = &s
			endpoint = strings.TrimRight(s.InstanceURL, "/") + "/services/Soap/u/" + c.version
		}
		env, eerr := c.envelope(cl.op, sess, hw.b, bw.b)
		if eerr != nil {
			return eerr
		}
		err = c.post(ctx, cl, endpoint, env)
		if err == nil {
			return nil
		}
		var se *Error
		if cl.session && !refreshed && errors.As(err, &se) && se.Code == CodeInvalidSessionID {
			// The session expired or was revoked: drop exactly this one,
			// get a fresh one and replay once. Safe for every operation:
			// Salesforce rejected the call before running it.
			refreshed = true
			if ierr := c.cfg.Sessions.Invalidate(ctx, *sess); ierr != nil {
				return fmt.Errorf("salesforce %s: invalidate session: %w", cl.op, ierr)
			}
			attempt--
			continue
		}
		if ctx.Err() != nil {
			return &Error{Op: cl.op, Kind: KindNetwork, Message: "call abandoned", Cause: ctx.Err()}
		}
		if !c.policy.ShouldRetry(cl.idem, attempt, err) {
			return err
		}
		if !c.budget.take() {
			zerolog.Ctx(ctx).Warn().Str("sf_op", cl.op).Msg("salesforce retry budget exhausted")
			return err
		}
		wait := c.policy.Backoff(attempt, c.cfg.Rand())
		zerolog.Ctx(ctx).Info().Str("sf_op", cl.op).Int("attempt", attempt).
			Int64("wait_ms", wait.Milliseconds()).Err(err).Msg("salesforce call retried")
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return &Error{Op: cl.op, Kind: KindNetwork, Message: "call abandoned", Cause: ctx.Err()}
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
		return &Error{Op: cl.op, Kind: KindInvalidInput, Message: "invalid endpoint URL", Cause: err}
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	req.Header.Set("Accept-Encoding", "gzip")
	if gz {
		req.Header.Set("Content-Encoding", "gzip")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return classifyTransportErr(cl.op, err)
	}
	defer resp.Body.Close()
	data, err := readBody(ctx, resp, c.cfg.MaxResponseBytes)
	if err != nil {
		var tl errTooLarge
		if errors.As(err, &tl) {
			return &Error{Op: cl.op, Kind: KindDecode, HTTPStatus: resp.StatusCode, Message: tl.Error()}
		}
		e := classifyTransportErr(cl.op, err)
		e.HTTPStatus = resp.StatusCode
		return e
	}
	d := newDecoder(data, c.cfg.MaxDepth)
	fe := d.envelope(cl.op+"Response", func() { cl.decode(d) })
	if d.limit != nil {
		d.limit.Type = strings.Clone(d.limit.Type)
		c.limits.Store(d.limit)
	}
	if fe != nil {
		fe.Op = cl.op
		fe.HTTPStatus = resp.StatusCode
		if fe.Kind == KindDecode && resp.StatusCode != http.StatusOK {
			// Not a SOAP answer at all: a proxy, a maintenance page, a
			// gateway timeout. Say what arrived, not what it contained.
			return &Error{Op: cl.op, Kind: KindTransport, HTTPStatus: resp.StatusCode,
				Message: fmt.Sprintf("unexpected HTTP status %d (%s)", resp.StatusCode, resp.Header.Get("Content-Type"))}
		}
		return fe
	}
	if resp.StatusCode != http.StatusOK {
		return &Error{Op: cl.op, Kind: KindTransport, HTTPStatus: resp.StatusCode,
			Message: fmt.Sprintf("unexpected HTTP status %d with a non-fault answer", resp.StatusCode)}
	}
	return nil
}

func decodeErr(op, msg string) *Error {
	return &Error{Op: op, Kind: KindDecode, Message: msg}
}

// Login calls login() on loginURL (scheme and host, e.g.
// "https://login.salesforce.com", a My Domain or the emulator) at the given
// API version ("64.0" at most: Salesforce removed login() from 65.0). It
// needs no session. It is not retried except when the connection could not
// be opened: every login spends the user's hourly allowance.
func (c *Client) Login(ctx context.Context, loginURL, version, username string, password Secret) (*LoginResult, error) {
	const op = "login"
	u, err := url.Parse(loginURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, invalidInput(op, "", fmt.Sprintf("login URL %q is not an absolute http(s) URL", loginURL))
	}
	if !versionRE.MatchString(version) {
		return nil, invalidInput(op, "", fmt.Sprintf("API version %q is not of the form NN.0", version))
	}
	var res *LoginResult
	err = c.invoke(ctx, &call{
		op: op, idem: NotIdempotent,
		endpoint: u.Scheme + "://" + u.Host + "/services/Soap/u/" + version,
		body: func(w *envWriter) {
			w.open("login")
			w.leaf("username", "username", username)
			w.leaf("password", "password", password.Reveal())
			w.close("login")
		},
		decode: func(d *decoder) { res = d.loginResponse() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr(op, "answer holds no result")
	}
	return res, nil
}

func instanceURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// DescribeGlobal lists the org's objects.
func (c *Client) DescribeGlobal(ctx context.Context) (*DescribeGlobalResult, error) {
	var res *DescribeGlobalResult
	err := c.invoke(ctx, &call{
		op: "describeGlobal", idem: Idempotent, session: true,
		body:   func(w *envWriter) { w.b = append(w.b, "<describeGlobal/>"...) },
		decode: func(d *decoder) { res = d.describeGlobal() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr("describeGlobal", "answer holds no result")
	}
	return res, nil
}

// DescribeSObject describes one object.
func (c *Client) DescribeSObject(ctx context.Context, sObjectType string) (*DescribeSObjectResult, error) {
	const op = "describeSObject"
	if !validName(sObjectType) {
		return nil, invalidInput(op, CodeInvalidType, fmt.Sprintf("invalid sObject type %q", sObjectType))
	}
	var res *DescribeSObjectResult
	err := c.invoke(ctx, &call{
		op: op, idem: Idempotent, session: true,
		body: func(w *envWriter) {
			w.open(op)
			w.leaf("sObjectType", "sObjectType", sObjectType)
			w.close(op)
		},
		decode: func(d *decoder) {
			res = nil
			d.results(func(isNil bool) {
				if res != nil || isNil {
					d.sc.skip()
					return
				}
				r := d.describeSObject()
				res = &r
			})
		},
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr(op, "answer holds no result")
	}
	return res, nil
}

// DescribeSObjects describes several objects, MaxDescribeBatch per call;
// results come back in input order. On error, the results of the calls
// that succeeded are returned with it.
func (c *Client) DescribeSObjects(ctx context.Context, sObjectTypes []string) ([]DescribeSObjectResult, error) {
	const op = "describeSObjects"
	for _, t := range sObjectTypes {
		if !validName(t) {
			return nil, invalidInput(op, CodeInvalidType, fmt.Sprintf("invalid sObject type %q", t))
		}
	}
	return chunked(sObjectTypes, MaxDescribeBatch, func(part []string) ([]DescribeSObjectResult, error) {
		var res []DescribeSObjectResult
		err := c.invoke(ctx, &call{
			op: op, idem: Idempotent, session: true,
			body: func(w *envWriter) {
				w.open(op)
				for _, t := range part {
					w.leaf("sObjectType", "sObjectType", t)
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.describeSObjects() },
		})
		if err != nil {
			return nil, err
		}
		return inRequestOrder(op, part, res)
	})
}

// inRequestOrder returns describe results in the order their types were
// asked for. Salesforce answers in request order; this does not rely on it
// (names compare case-insensitively, as Salesforce treats them).
func inRequestOrder(op string, types []string, res []DescribeSObjectResult) ([]DescribeSObjectResult, error) {
	if len(res) != len(types) {
		return nil, decodeErr(op, fmt.Sprintf("answer holds %d results for %d types", len(res), len(types)))
	}
	inOrder := true
	for i := range types {
		if !strings.EqualFold(res[i].Name, types[i]) {
			inOrder = false
			break
		}
	}
	if inOrder {
		return res, nil
	}
	byName := make(map[string]int, len(res))
	for i := range res {
		byName[strings.ToLower(res[i].Name)] = i
	}
	out := make([]DescribeSObjectResult, len(types))
	for i, t := range types {
		j, ok := byName[strings.ToLower(t)]
		if !ok {
			return nil, decodeErr(op, fmt.Sprintf("answer holds no result for %s", t))
		}
		out[i] = res[j]
	}
	return out, nil
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

func (o *callOptions) writeQueryOptions(w *envWriter) {
	if o.batchSize > 0 {
		w.open("QueryOptions")
		w.intLeaf("batchSize", o.batchSize)
		w.close("QueryOptions")
	}
}

// writeHeaders writes the write-call headers the operation's binding
// accepts.
func (o *callOptions) writeHeaders(w *envWriter, allOrNone, assignment bool) {
	if allOrNone && o.allOrNone != nil {
		w.open("AllOrNoneHeader")
		w.boolLeaf("allOrNone", *o.allOrNone)
		w.close("AllOrNoneHeader")
	}
	if assignment && (o.assignmentRuleID != "" || o.useDefaultRule != nil) {
		w.open("AssignmentRuleHeader")
		if o.assignmentRuleID != "" {
			id, err := NormalizeID(o.assignmentRuleID)
			if err != nil {
				e := err.(*Error)
				e.Op = w.op
				e.Fields = []string{"assignmentRuleId"}
				if w.err == nil {
					w.err = e
				}
				return
			}
			w.leaf("assignmentRuleId", "assignmentRuleId", id)
		} else {
			w.nilLeaf("assignmentRuleId")
		}
		if o.useDefaultRule != nil {
			w.boolLeaf("useDefaultRule", *o.useDefaultRule)
		} else {
			w.nilLeaf("useDefaultRule")
		}
		w.close("AssignmentRuleHeader")
	}
	if o.allowFieldTruncation != nil {
		w.open("AllowFieldTruncationHeader")
		w.boolLeaf("allowFieldTruncation", *o.allowFieldTruncation)
		w.close("AllowFieldTruncationHeader")
	}
	if r := o.duplicateRule; r != nil {
		w.open("DuplicateRuleHeader")
		w.boolLeaf("allowSave", r.AllowSave)
		w.boolLeaf("includeRecordDetails", r.IncludeRecordDetails)
		w.boolLeaf("runAsCurrentUser", r.RunAsCurrentUser)
		w.close("DuplicateRuleHeader")
	}
}

func (c *Client) query(ctx context.Context, op, argName, arg string, opts []Option) (*QueryResult, error) {
	o := buildOptions(opts)
	var res *QueryResult
	err := c.invoke(ctx, &call{
		op: op, idem: Idempotent, session: true,
		headers: o.writeQueryOptions,
		body: func(w *envWriter) {
			w.open(op)
			w.leaf(argName, argName, arg)
			w.close(op)
		},
		decode: func(d *decoder) { res = d.queryResponse() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr(op, "answer holds no result")
	}
	return res, nil
}

// Query runs query() and returns the first page. Use Pages or Records to
// read every page.
func (c *Client) Query(ctx context.Context, soql string, opts ...Option) (*QueryResult, error) {
	return c.query(ctx, "query", "queryString", soql, opts)
}

// QueryAll runs queryAll() (deleted and archived rows included) and returns
// the first page.
func (c *Client) QueryAll(ctx context.Context, soql string, opts ...Option) (*QueryResult, error) {
	return c.query(ctx, "queryAll", "queryString", soql, opts)
}

// QueryMore fetches the page after locator.
func (c *Client) QueryMore(ctx context.Context, locator string, opts ...Option) (*QueryResult, error) {
	if strings.TrimSpace(locator) == "" {
		return nil, invalidInput("queryMore", CodeInvalidQueryLocator, "empty query locator")
	}
	return c.query(ctx, "queryMore", "queryLocator", locator, opts)
}

// QueryIterator fetches the pages of a query one at a time, on demand: at
// most one page is held, and none is fetched before Next asks for it.
//
//	it := c.Pages(soql, false)
//	for it.Next(ctx) {
//		page := it.Page()
//		…
//	}
//	if err := it.Err(); err != nil { … }
type QueryIterator struct {
	c        *Client
	soql     string
	all      bool
	locator  string
	opts     []Option
	page     *QueryResult
	err      error
	started  bool
	finished bool
}

// Pages returns an iterator over the pages of soql; includeDeleted selects
// queryAll.
func (c *Client) Pages(soql string, includeDeleted bool, opts ...Option) *QueryIterator {
	return &QueryIterator{c: c, soql: soql, all: includeDeleted, opts: opts}
}

// PagesFrom returns an iterator that continues a query from locator (a
// page's QueryLocator), starting with queryMore.
func (c *Client) PagesFrom(locator string, opts ...Option) *QueryIterator {
	return &QueryIterator{c: c, locator: locator, started: true, opts: opts}
}

// Next fetches the next page and reports whether there is one. It returns
// false after the last page or on error (see Err).
func (it *QueryIterator) Next(ctx context.Context) bool {
	if it.err != nil || it.finished {
		it.page = nil
		return false
	}
	var page *QueryResult
	var err error
	switch {
	case !it.started && it.all:
		page, err = it.c.QueryAll(ctx, it.soql, it.opts...)
	case !it.started:
		page, err = it.c.Query(ctx, it.soql, it.opts...)
	default:
		page, err = it.c.QueryMore(ctx, it.locator, it.opts...)
	}
	it.started = true
	if err != nil {
		it.err, it.page = err, nil
		return false
	}
	it.page = page
	it.locator = page.QueryLocator
	if page.Done || page.QueryLocator == "" {
		it.finished = true
	}
	return true
}

// Page returns the page the last successful Next fetched.
func (it *QueryIterator) Page() *QueryResult { return it.page }

// Locator returns the locator of the page after the current one, or ""
// when the current page is the last.
func (it *QueryIterator) Locator() string {
	if it.finished {
		return ""
	}
	return it.locator
}

// Err returns the error that stopped the iteration, if any.
func (it *QueryIterator) Err() error { return it.err }

// Records iterates over every record of soql, fetching the next page only
// when the loop has consumed the current one; ctx bounds every fetch. An
// error ends the iteration with (nil, err).
func (c *Client) Records(ctx context.Context, soql string, includeDeleted bool, opts ...Option) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		it := c.Pages(soql, includeDeleted, opts...)
		for it.Next(ctx) {
			p := it.Page()
			for i := range p.Records {
				if !yield(&p.Records[i], nil) {
					return
				}
			}
		}
		if err := it.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// Retrieve fetches records by id, MaxRetrieveBatch ids per call. The result
// has one entry per id, in input order, nil where Salesforce returned no
// record (deleted, inaccessible, of another type). Ids may have 15 or 18
// characters; fieldList names the fields to return.
func (c *Client) Retrieve(ctx context.Context, fieldList []string, sObjectType string, ids []string, opts ...Option) ([]*Record, error) {
	const op = "retrieve"
	if !validName(sObjectType) {
		return nil, invalidInput(op, CodeInvalidType, fmt.Sprintf("invalid sObject type %q", sObjectType))
	}
	if len(fieldList) == 0 {
		return nil, invalidInput(op, CodeInvalidField, "empty field list")
	}
	for _, f := range fieldList {
		if !validName(f) {
			return nil, invalidInput(op, CodeInvalidField, fmt.Sprintf("invalid field name %q", f), f)
		}
	}
	norm, err := normalizeIDs(op, ids)
	if err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	fields := strings.Join(fieldList, ", ")
	return chunked(norm, MaxRetrieveBatch, func(part []string) ([]*Record, error) {
		var res []*Record
		err := c.invoke(ctx, &call{
			op: op, idem: Idempotent, session: true,
			headers: o.writeQueryOptions,
			body: func(w *envWriter) {
				w.open(op)
				w.leaf("fieldList", "fieldList", fields)
				w.leaf("sObjectType", "sObjectType", sObjectType)
				for _, id := range part {
					w.leaf("ids", "ids", id)
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.retrieveResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d ids", len(res), len(part)))
		}
		return res, err
	})
}

// Search runs a SOSL search.
func (c *Client) Search(ctx context.Context, sosl string) (*SearchResult, error) {
	const op = "search"
	var res *SearchResult
	err := c.invoke(ctx, &call{
		op: op, idem: Idempotent, session: true,
		body: func(w *envWriter) {
			w.open(op)
			w.leaf("searchString", "searchString", sosl)
			w.close(op)
		},
		decode: func(d *decoder) { res = d.searchResult() },
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// writeChunks checks a write's size against allOrNone and returns the
// chunk size to use.
func writeChunks(op string, n int, o *callOptions) (int, error) {
	if o.allOrNone != nil && *o.allOrNone && n > MaxWriteBatch {
		return 0, invalidInput(op, CodeExceededIDLimit, fmt.Sprintf(
			"allOrNone with %d records: one call takes at most %d and atomicity cannot span calls", n, MaxWriteBatch))
	}
	return MaxWriteBatch, nil
}

func (c *Client) saveCall(ctx context.Context, op string, records []Record, idem Idempotency, opts []Option) ([]SaveResult, error) {
	o := buildOptions(opts)
	size, err := writeChunks(op, len(records), &o)
	if err != nil {
		return nil, err
	}
	if op == "update" {
		for i := range records {
			if records[i].ID == "" {
				return nil, invalidInput(op, CodeMalformedID, fmt.Sprintf("record %d has no Id", i), "Id")
			}
		}
	}
	return chunked(indexes(len(records)), size, func(part []int) ([]SaveResult, error) {
		var res []SaveResult
		err := c.invoke(ctx, &call{
			op: op, idem: idem, session: true,
			headers: func(w *envWriter) { o.writeHeaders(w, true, true) },
			body: func(w *envWriter) {
				w.open(op)
				for _, i := range part {
					w.sObject("sObjects", &records[i], fmt.Sprintf("records[%d]", i))
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.saveResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d records", len(res), len(part)))
		}
		return res, err
	})
}

func indexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Create inserts records, MaxWriteBatch per call; one result per record, in
// input order. A field with Nil set is sent in fieldsToNull. Creates are
// never retried once the request may have reached Salesforce: a repeat
// would insert twice. On error, the results of the calls already made are
// returned with it (a prefix of records).
func (c *Client) Create(ctx context.Context, records []Record, opts ...Option) ([]SaveResult, error) {
	return c.saveCall(ctx, "create", records, NotIdempotent, opts)
}

// Update updates records by ID, MaxWriteBatch per call; one result per
// record, in input order. Fields with Nil set are cleared (fieldsToNull).
func (c *Client) Update(ctx context.Context, records []Record, opts ...Option) ([]SaveResult, error) {
	return c.saveCall(ctx, "update", records, Idempotent, opts)
}

// Upsert inserts or updates records matched on externalIDField (an
// external id field, or "Id"), MaxWriteBatch per call; one result per
// record, in input order. Retried like update: a repeat matches the
// records the first attempt created.
func (c *Client) Upsert(ctx context.Context, externalIDField string, records []Record, opts ...Option) ([]UpsertResult, error) {
	const op = "upsert"
	if !validName(externalIDField) {
		return nil, invalidInput(op, CodeInvalidField, fmt.Sprintf("invalid external id field %q", externalIDField), externalIDField)
	}
	o := buildOptions(opts)
	size, err := writeChunks(op, len(records), &o)
	if err != nil {
		return nil, err
	}
	return chunked(indexes(len(records)), size, func(part []int) ([]UpsertResult, error) {
		var res []UpsertResult
		err := c.invoke(ctx, &call{
			op: op, idem: Idempotent, session: true,
			headers: func(w *envWriter) { o.writeHeaders(w, true, true) },
			body: func(w *envWriter) {
				w.open(op)
				w.leaf("externalIDFieldName", "externalIDFieldName", externalIDField)
				for _, i := range part {
					w.sObject("sObjects", &records[i], fmt.Sprintf("records[%d]", i))
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.upsertResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d records", len(res), len(part)))
		}
		return res, err
	})
}

func idsCall[R any](ctx context.Context, c *Client, op string, idem Idempotency, ids []string, opts []Option, decode func(d *decoder) []R) ([]R, error) {
	norm, err := normalizeIDs(op, ids)
	if err != nil {
		return nil, err
	}
	o := buildOptions(opts)
	size, err := writeChunks(op, len(norm), &o)
	if err != nil {
		return nil, err
	}
	return chunked(norm, size, func(part []string) ([]R, error) {
		var res []R
		err := c.invoke(ctx, &call{
			op: op, idem: idem, session: true,
			headers: func(w *envWriter) { o.writeHeaders(w, true, false) },
			body: func(w *envWriter) {
				w.open(op)
				for _, id := range part {
					w.leaf("ids", "ids", id)
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = decode(d) },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d ids", len(res), len(part)))
		}
		return res, err
	})
}

// Delete deletes records by id, MaxWriteBatch per call; one result per id,
// in input order.
func (c *Client) Delete(ctx context.Context, ids []string, opts ...Option) ([]DeleteResult, error) {
	return idsCall(ctx, c, "delete", Idempotent, ids, opts, (*decoder).deleteResults)
}

// Undelete restores records from the recycle bin, MaxWriteBatch per call;
// one result per id, in input order. Not retried blindly: a repeat would
// report failures for the records the first attempt restored.
func (c *Client) Undelete(ctx context.Context, ids []string, opts ...Option) ([]UndeleteResult, error) {
	return idsCall(ctx, c, "undelete", NotIdempotent, ids, opts, (*decoder).undeleteResults)
}

// Merge merges records: each request names a master record (ID set, plus
// fields to update on it) and one or two records merged into it.
// MaxWriteBatch requests per call; one result per request, in input order.
// Never retried blindly.
func (c *Client) Merge(ctx context.Context, requests []MergeRequest, opts ...Option) ([]MergeResult, error) {
	const op = "merge"
	o := buildOptions(opts)
	for i, r := range requests {
		if n := len(r.RecordToMergeIDs); n < 1 || n > 2 {
			return nil, invalidInput(op, "", fmt.Sprintf("request %d merges %d records into the master, want 1 or 2", i, n))
		}
		if r.MasterRecord.ID == "" {
			return nil, invalidInput(op, CodeMalformedID, fmt.Sprintf("request %d: master record has no Id", i), "Id")
		}
		if _, err := normalizeIDs(op, r.RecordToMergeIDs); err != nil {
			return nil, err
		}
	}
	return chunked(indexes(len(requests)), MaxWriteBatch, func(part []int) ([]MergeResult, error) {
		var res []MergeResult
		err := c.invoke(ctx, &call{
			op: op, idem: NotIdempotent, session: true,
			headers: func(w *envWriter) { o.writeHeaders(w, false, true) },
			body: func(w *envWriter) {
				w.open(op)
				for _, i := range part {
					r := &requests[i]
					w.open("request")
					w.sObject("masterRecord", &r.MasterRecord, fmt.Sprintf("requests[%d].masterRecord", i))
					ids, _ := normalizeIDs(op, r.RecordToMergeIDs)
					for _, id := range ids {
						w.leaf("recordToMergeIds", "recordToMergeIds", id)
					}
					w.close("request")
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.mergeResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d requests", len(res), len(part)))
		}
		return res, err
	})
}

// ConvertLead converts leads, MaxConvertLeadBatch per call; one result per
// lead, in input order. Never retried blindly.
func (c *Client) ConvertLead(ctx context.Context, converts []LeadConvert, opts ...Option) ([]LeadConvertResult, error) {
	const op = "convertLead"
	o := buildOptions(opts)
	return chunked(indexes(len(converts)), MaxConvertLeadBatch, func(part []int) ([]LeadConvertResult, error) {
		var res []LeadConvertResult
		err := c.invoke(ctx, &call{
			op: op, idem: NotIdempotent, session: true,
			headers: func(w *envWriter) { o.writeHeaders(w, false, false) },
			body: func(w *envWriter) {
				w.open(op)
				for _, i := range part {
					w.leadConvert(&converts[i], fmt.Sprintf("leadConverts[%d]", i))
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.leadConvertResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d leads", len(res), len(part)))
		}
		return res, err
	})
}

// leadConvert writes a LeadConvert with every element the schema requires,
// in WSDL order; absent optional values are written nil.
func (w *envWriter) leadConvert(lc *LeadConvert, path string) {
	idLeaf := func(name, v string, required bool) {
		if v == "" {
			if required {
				w.refuse(CodeMalformedID, path+": "+name+" is required", name)
				return
			}
			w.nilLeaf(name)
			return
		}
		id, err := NormalizeID(v)
		if err != nil {
			e := err.(*Error)
			e.Op = w.op
			e.Message = path + "." + name + ": " + e.Message
			e.Fields = []string{name}
			if w.err == nil {
				w.err = e
			}
			return
		}
		w.leaf(name, path+"."+name, id)
	}
	optBool := func(name string, v *bool) {
		if v == nil {
			w.nilLeaf(name)
		} else {
			w.boolLeaf(name, *v)
		}
	}
	optText := func(name, v string) {
		if v == "" {
			w.nilLeaf(name)
		} else {
			w.leaf(name, path+"."+name, v)
		}
	}
	if lc.ConvertedStatus == "" {
		w.refuse("", path+": convertedStatus is required", "convertedStatus")
		return
	}
	w.open("leadConverts")
	idLeaf("accountId", lc.AccountID, false)
	w.nilLeaf("accountRecord")
	optBool("bypassAccountDedupeCheck", lc.BypassAccountDedupeCheck)
	optBool("bypassContactDedupeCheck", lc.BypassContactDedupeCheck)
	idLeaf("contactId", lc.ContactID, false)
	w.nilLeaf("contactRecord")
	w.leaf("convertedStatus", path+".convertedStatus", lc.ConvertedStatus)
	w.boolLeaf("doNotCreateOpportunity", lc.DoNotCreateOpportunity)
	idLeaf("leadId", lc.LeadID, true)
	idLeaf("opportunityId", lc.OpportunityID, false)
	optText("opportunityName", lc.OpportunityName)
	w.nilLeaf("opportunityRecord")
	w.boolLeaf("overwriteLeadSource", lc.OverwriteLeadSource)
	idLeaf("ownerId", lc.OwnerID, false)
	idLeaf("relatedPersonAccountId", lc.RelatedPersonAccountID, false)
	w.nilLeaf("relatedPersonAccountRecord")
	w.boolLeaf("sendNotificationEmail", lc.SendNotificationEmail)
	w.close("leadConverts")
}

// GetUserInfo returns the session user's information.
func (c *Client) GetUserInfo(ctx context.Context) (*GetUserInfoResult, error) {
	var res *GetUserInfoResult
	err := c.invoke(ctx, &call{
		op: "getUserInfo", idem: Idempotent, session: true,
		body:   func(w *envWriter) { w.b = append(w.b, "<getUserInfo/>"...) },
		decode: func(d *decoder) { res = d.userInfoResponse() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr("getUserInfo", "answer holds no result")
	}
	return res, nil
}

// GetServerTimestamp returns Salesforce's clock.
func (c *Client) GetServerTimestamp(ctx context.Context) (time.Time, error) {
	var ts time.Time
	var ok bool
	err := c.invoke(ctx, &call{
		op: "getServerTimestamp", idem: Idempotent, session: true,
		body:   func(w *envWriter) { w.b = append(w.b, "<getServerTimestamp/>"...) },
		decode: func(d *decoder) { ts, ok = d.serverTimestamp() },
	})
	if err != nil {
		return time.Time{}, err
	}
	if !ok {
		return time.Time{}, decodeErr("getServerTimestamp", "answer holds no timestamp")
	}
	return ts, nil
}
