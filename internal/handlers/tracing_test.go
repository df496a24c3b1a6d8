package handlers

import (
	"context"
	"crypto/rand"
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

func TestServerSpans(t *testing.T) {
	t.Parallel()
	rec := &recorder{}
	var logs syncBuffer
	opts := fullOptions()
	opts.TracerProvider = rec
	opts.Logger = zerolog.New(&logs)
	opts.Records = &fakeRecords{get: func(ctx context.Context, obj, id string, fields []string) (sfgate.OrderedRecord, error) {
		panic("boom")
	}}
	s := newTestServer(t, opts)

	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	s.do("GET", "/v1/sobjects/Account", "", "traceparent", parent)
	s.do("GET", "/v1/sobjects/Account/records/001000000000001AAA", "")

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.spans) != 2 {
		t.Fatalf("%d spans, want 2", len(rec.spans))
	}
	first, second := rec.spans[0], rec.spans[1]
	if !first.ended || !second.ended {
		t.Error("span not ended")
	}
	if first.name != "HTTP GET /v1/sobjects/{sobject}" {
		t.Errorf("span name %q", first.name)
	}
	if got := first.sc.TraceID().String(); got != "4bf92f3577b34da6a3ce929d0e0e4736" {
		t.Errorf("caller's trace not continued: %s", got)
	}
	if first.attrs["http.route"].AsString() != "/v1/sobjects/{sobject}" || first.attrs["http.response.status_code"].AsInt64() != 200 {
		t.Errorf("attributes %v", first.attrs)
	}
	if second.status != codes.Error || second.attrs["http.response.status_code"].AsInt64() != 500 {
		t.Errorf("a panicking request's span: status %v attrs %v", second.status, second.attrs)
	}
	if !strings.Contains(logs.String(), `"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"`) {
		t.Errorf("logs lack the trace id:\n%s", logs.String())
	}
}
