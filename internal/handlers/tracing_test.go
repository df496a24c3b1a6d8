package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sfgate/sfgate"
)

// recorder is a minimal recording TracerProvider (the SDK's tracetest
// would pull another module into go.sum for one test).
type recorder struct {
	noop.TracerProvider
	mu    sync.Mutex
	spans []*recSpan
}

func (r *recorder) Tracer(string, ...trace.TracerOption) trace.Tracer { return recTracer{r: r} }

type recTracer struct {
	noop.Tracer
	r *recorder
}

func (t recTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	cfg := trace.NewSpanStartConfig(opts...)
	sc := trace.SpanContextConfig{TraceFlags: trace.FlagsSampled}
	if p := trace.SpanContextFromContext(ctx); p.HasTraceID() {
		sc.TraceID = p.TraceID()
	} else {
		_, _ = rand.Read(sc.TraceID[:])
	}
	_, _ = rand.Read(sc.SpanID[:])
	s := &recSpan{sc: trace.NewSpanContext(sc), name: name, attrs: map[attribute.Key]attribute.Value{}}
	s.SetAttributes(cfg.Attributes()...)
	t.r.mu.Lock()
	t.r.spans = append(t.r.spans, s)
	t.r.mu.Unlock()
	return trace.ContextWithSpan(ctx, s), s
}

type recSpan struct {
	noop.Span
	mu     sync.Mutex
	sc     trace.SpanContext
	name   string
	attrs  map[attribute.Key]attribute.Value
	status codes.Code
	ended  bool
}

func (s *recSpan) SpanContext() trace.SpanContext { return s.sc }
func (s *recSpan) IsRecording() bool              { return true }
func (s *recSpan) SetName(n string)               { s.mu.Lock(); s.name = n; s.mu.Unlock() }
func (s *recSpan) End(...trace.SpanEndOption)     { s.mu.Lock(); s.ended = true; s.mu.Unlock() }
func (s *recSpan) SetStatus(c codes.Code, _ string) {
	s.mu.Lock()
	s.status = c
	s.mu.Unlock()
}
func (s *recSpan) SetAttributes(kv ...attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range kv {
		s.attrs[a.Key] = a.Value
	}
}

// TestServerSpans: server spans follow the HTTP semantic conventions
// (name, attributes, status) and continue a caller's traceparent; the
// logs carry the trace and span ids.
func TestServerSpans(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var logs syncBuffer
	opts := fullOptions()
	opts.TracerProvider = rec
	opts.Logger = zerolog.New(&logs)
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		if id == "001000000000404AAA" {
			return nil, sfgate.NotFound("gone")
		}
		panic("boom")
	}}
	s := newTestServer(t, opts)

	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	s.do("GET", "/v1/sobjects/Account", "", "traceparent", parent, "User-Agent", "sfgate-test/1.0")
	s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA", "")
	s.do("GET", "/v1/sobjects/Account/records/001000000000404AAA", "")
	s.do("GET", "/no/such/path", "")
	// An unknown method, sent without the spec-checking client.
	req, _ := http.NewRequestWithContext(t.Context(), "BREW", s.url+"/v1/sobjects", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.spans) != 5 {
		t.Fatalf("%d spans, want 5", len(rec.spans))
	}
	for _, sp := range rec.spans {
		if !sp.ended {
			t.Errorf("span %q not ended", sp.name)
		}
	}
	host, port, _ := net.SplitHostPort(strings.TrimPrefix(s.url, "http://"))
	str := func(v string) attribute.Value { return attribute.StringValue(v) }
	num := func(v int) attribute.Value { return attribute.IntValue(v) }
	portN, _ := strconv.Atoi(port)
	tests := []struct {
		name     string
		span     *recSpan
		wantName string
		want     map[attribute.Key]attribute.Value
		absent   []attribute.Key
		status   codes.Code
	}{
		{"routed, with a caller's trace", rec.spans[0], "GET /v1/sobjects/{sobject}", map[attribute.Key]attribute.Value{
			"http.request.method": str("GET"), "http.route": str("/v1/sobjects/{sobject}"), "url.path": str("/v1/sobjects/Account"),
			"url.scheme": str("http"), "server.address": str(host), "server.port": num(portN), "client.address": str("127.0.0.1"),
			"user_agent.original": str("sfgate-test/1.0"), "network.protocol.version": str("1.1"), "http.response.status_code": num(200),
		}, []attribute.Key{"error.type", "http.request.method_original", "url.query"}, codes.Unset},
		{"panic", rec.spans[1], "GET /v1/sobjects/{sobject}/records/{id}", map[attribute.Key]attribute.Value{
			"http.response.status_code": num(500), "error.type": str("500"),
		}, nil, codes.Error},
		{"4xx is not a server error", rec.spans[2], "GET /v1/sobjects/{sobject}/records/{id}", map[attribute.Key]attribute.Value{
			"http.response.status_code": num(404),
		}, []attribute.Key{"error.type"}, codes.Unset},
		{"no route", rec.spans[3], "GET", map[attribute.Key]attribute.Value{
			"http.response.status_code": num(404), "url.path": str("/no/such/path"),
		}, []attribute.Key{"http.route"}, codes.Unset},
		{"unknown method (405: no route matched it)", rec.spans[4], "HTTP", map[attribute.Key]attribute.Value{
			"http.request.method": str("_OTHER"), "http.request.method_original": str("BREW"), "http.response.status_code": num(405),
		}, []attribute.Key{"http.route"}, codes.Unset},
	}
	for _, tt := range tests {
		if tt.span.name != tt.wantName {
			t.Errorf("%s: span name %q, want %q", tt.name, tt.span.name, tt.wantName)
		}
		for k, v := range tt.want {
			if got, ok := tt.span.attrs[k]; !ok || got != v {
				t.Errorf("%s: %s = %v, want %v", tt.name, k, got.String(), v.String())
			}
		}
		for _, k := range tt.absent {
			if _, ok := tt.span.attrs[k]; ok {
				t.Errorf("%s: has %s", tt.name, k)
			}
		}
		if tt.span.status != tt.status {
			t.Errorf("%s: status %v, want %v", tt.name, tt.span.status, tt.status)
		}
	}
	first := rec.spans[0]
	if got := first.sc.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("caller's trace not continued: %s", got)
	}
	want := fmt.Sprintf(`"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","span_id":"%s"`, first.sc.SpanID())
	if !strings.Contains(logs.String(), want) {
		t.Errorf("logs lack %s:\n%s", want, logs.String())
	}
	if strings.Contains(logs.String(), "00f067aa0ba902b7") {
		t.Errorf("logs name the caller's span as this request's:\n%s", logs.String())
	}
}

// TestLogsOmitTheCallersSpanWithoutTracing: with the no-op provider (tracing
// off) the caller's trace id still reaches the logs, but not the caller's
// span id, which names no span of this gateway.
func TestLogsOmitTheCallersSpanWithoutTracing(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	opts := fullOptions()
	opts.TracerProvider = noop.NewTracerProvider()
	opts.Logger = zerolog.New(&logs)
	s := newTestServer(t, opts)
	s.do("GET", "/healthz", "", "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	out := logs.String()
	if !strings.Contains(out, `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) || strings.Contains(out, "span_id") {
		t.Errorf("want the trace id and no span id:\n%s", out)
	}
}

// TestServerSpanHidesAnUpsertValue: an upsert's external id value is a
// record value, so url.path carries {value} as the access log does.
func TestServerSpanHidesAnUpsertValue(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	opts := fullOptions()
	opts.TracerProvider = rec
	s := newTestServer(t, opts)
	s.do("PUT", "/v1/sobjects/Contact/records/by/Email__c/ann@example.com", `{"LastName":"Ann"}`)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.spans) != 1 {
		t.Fatalf("%d spans", len(rec.spans))
	}
	if got := rec.spans[0].attrs["url.path"].AsString(); got != "/v1/sobjects/Contact/records/by/Email__c/{value}" {
		t.Errorf("url.path %q", got)
	}
}

func TestSplitHostPort(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		host string
		port int
	}{
		{"example.com", "example.com", 0},
		{"example.com:8443", "example.com", 8443},
		{"[::1]:8080", "::1", 8080},
		{"[::1]", "::1", 0},
		{"10.0.0.1:0", "10.0.0.1", 0},
		{"10.0.0.1:99999", "10.0.0.1", 0},
		{"", "", 0},
	}
	for _, tt := range tests {
		host, port := splitHostPort(tt.in)
		if host != tt.host || port != tt.port {
			t.Errorf("splitHostPort(%q) = %q, %d; want %q, %d", tt.in, host, port, tt.host, tt.port)
		}
	}
}
