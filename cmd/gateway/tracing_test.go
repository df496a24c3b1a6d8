package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// collector is a fake OTLP/HTTP collector: it accepts POST /v1/traces with
// a protobuf ExportTraceServiceRequest and keeps what it decoded.
type collector struct {
	URL string

	mu       sync.Mutex
	requests []*coltracepb.ExportTraceServiceRequest
	problems []string // requests that did not follow OTLP/HTTP
}

// newCollector starts a collector; hang makes it never answer, as a
// collector that is stuck would.
func newCollector(t *testing.T, hang bool) *collector {
	t.Helper()
	c := &collector{}
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hang {
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" {
			c.problem(fmt.Sprintf("%s %s (%s)", r.Method, r.URL.Path, r.Header.Get("Content-Type")))
			http.Error(w, "not an OTLP/HTTP protobuf trace export", http.StatusNotFound)
			return
		}
		var body io.Reader = http.MaxBytesReader(w, r.Body, 16<<20)
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(body)
			if err != nil {
				c.problem("bad gzip: " + err.Error())
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		req := &coltracepb.ExportTraceServiceRequest{}
		if err == nil {
			err = proto.Unmarshal(b, req)
		}
		if err != nil {
			c.problem("undecodable export: " + err.Error())
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.requests = append(c.requests, req)
		c.mu.Unlock()
		out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblocks hung handlers
	c.URL = srv.URL
	return c
}

func (c *collector) problem(s string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.problems = append(c.problems, s)
}

// exported is one span with where it came from.
type exported struct {
	span     *tracepb.Span
	resource []*commonpb.KeyValue
	scope    string
}

func (c *collector) spans() []exported {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []exported
	for _, req := range c.requests {
		for _, rs := range req.GetResourceSpans() {
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					out = append(out, exported{span: sp, resource: rs.GetResource().GetAttributes(), scope: ss.GetScope().GetName()})
				}
			}
		}
	}
	return out
}

// attr returns an attribute's value as text, "" when absent.
func attr(kvs []*commonpb.KeyValue, key string) string {
	for _, kv := range kvs {
		if kv.GetKey() == key {
			return anyText(kv.GetValue())
		}
	}
	return ""
}

func anyText(v *commonpb.AnyValue) string {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return strconv.FormatInt(x.IntValue, 10)
	case *commonpb.AnyValue_BoolValue:
		return strconv.FormatBool(x.BoolValue)
	case *commonpb.AnyValue_DoubleValue:
		return strconv.FormatFloat(x.DoubleValue, 'g', -1, 64)
	case *commonpb.AnyValue_BytesValue:
		return string(x.BytesValue)
	case *commonpb.AnyValue_ArrayValue:
		parts := make([]string, 0, len(x.ArrayValue.GetValues()))
		for _, e := range x.ArrayValue.GetValues() {
			parts = append(parts, anyText(e))
		}
		return strings.Join(parts, ",")
	case *commonpb.AnyValue_KvlistValue:
		parts := make([]string, 0, len(x.KvlistValue.GetValues()))
		for _, kv := range x.KvlistValue.GetValues() {
			parts = append(parts, kv.GetKey()+"="+anyText(kv.GetValue()))
		}
		return strings.Join(parts, ",")
	}
	return ""
}

// sessionIDRE matches Salesforce session ids and access tokens (15-char
// org id, "!", opaque token), the shape sfsim issues too.
var sessionIDRE = regexp.MustCompile(`[0-9A-Za-z]{15}![0-9A-Za-z._]{20,}`)

// secretsIn lists every place in the exported spans that carries one of
// the demo org's secrets or a session id: names, status messages,
// attributes (keys and values), events, links and resources.
func secretsIn(reqs []*coltracepb.ExportTraceServiceRequest) []string {
	var found []string
	check := func(where, s string) {
		low := strings.ToLower(s)
		switch {
		case strings.Contains(s, sfsim.DemoClientSecret):
			found = append(found, where+": the demo client secret")
		case strings.Contains(s, sfsim.DemoPassword+sfsim.DemoSecurityToken), s == sfsim.DemoPassword, s == sfsim.DemoSecurityToken:
			found = append(found, where+": the demo password or security token")
		case sessionIDRE.MatchString(s):
			found = append(found, where+": a session id")
		case strings.Contains(low, "bearer "), strings.Contains(s, "<sessionId>"):
			found = append(found, where+": a credential header")
		}
	}
	checkKVs := func(where string, kvs []*commonpb.KeyValue) {
		for _, kv := range kvs {
			k := strings.ToLower(kv.GetKey())
			for _, bad := range []string{"password", "secret", "token", "session", "authorization", "cookie"} {
				if strings.Contains(k, bad) {
					found = append(found, where+": attribute "+kv.GetKey()+" is named like a secret")
				}
			}
			check(where+" "+kv.GetKey(), anyText(kv.GetValue()))
		}
	}
	for _, req := range reqs {
		for _, rs := range req.GetResourceSpans() {
			checkKVs("resource", rs.GetResource().GetAttributes())
			for _, ss := range rs.GetScopeSpans() {
				for _, sp := range ss.GetSpans() {
					where := "span " + sp.GetName()
					check(where+" name", sp.GetName())
					check(where+" status", sp.GetStatus().GetMessage())
					check(where+" tracestate", sp.GetTraceState())
					checkKVs(where, sp.GetAttributes())
					for _, ev := range sp.GetEvents() {
						check(where+" event", ev.GetName())
						checkKVs(where+" event "+ev.GetName(), ev.GetAttributes())
					}
					for _, l := range sp.GetLinks() {
						checkKVs(where+" link", l.GetAttributes())
					}
				}
			}
		}
	}
	return found
}

// TestSecretsInFindsWhatItLooksFor is the secrets scan's own control: a
// scan that cannot fail would prove nothing below.
func TestSecretsInFindsWhatItLooksFor(t *testing.T) {
	t.Parallel()
	str := func(k, v string) *commonpb.KeyValue {
		return &commonpb.KeyValue{Key: k, Value: &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: v}}}
	}
	tests := []struct {
		name string
		span *tracepb.Span
		want bool
	}{
		{"clean", &tracepb.Span{Name: "Soap/query", Attributes: []*commonpb.KeyValue{str("rpc.method", "Soap/query"), str("url.path", "/v1/query")}}, false},
		{"session id in an attribute", &tracepb.Span{Name: "x", Attributes: []*commonpb.KeyValue{str("sf.note", "00DVS000000GvQm!AQEAQH5mxA0ZtM1a2b3c4d5e6f7g8h9i0j.k_l")}}, true},
		{"client secret in an event", &tracepb.Span{Name: "x", Events: []*tracepb.Span_Event{{Name: "exception", Attributes: []*commonpb.KeyValue{str("exception.message", "invalid client sfsim-secret")}}}}, true},
		{"password as a value", &tracepb.Span{Name: "x", Attributes: []*commonpb.KeyValue{str("user.pw", "password")}}, true},
		{"attribute named like a secret", &tracepb.Span{Name: "x", Attributes: []*commonpb.KeyValue{str("sf.session_id", "[redacted]")}}, true},
		{"bearer header in the status", &tracepb.Span{Name: "x", Status: &tracepb.Status{Message: "Authorization: Bearer abc"}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
				ScopeSpans: []*tracepb.ScopeSpans{{Spans: []*tracepb.Span{tt.span}}},
			}}}
			if got := secretsIn([]*coltracepb.ExportTraceServiceRequest{req}); (len(got) > 0) != tt.want {
				t.Errorf("secretsIn = %q, want found=%v", got, tt.want)
			}
		})
	}
}

// post sends a JSON request with the given headers and returns the status.
func post(t *testing.T, url, body string, hdr map[string]string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

// TestTracingExportsRequestAndSalesforceSpans boots a --demo gateway that
// exports to a fake collector, continues a caller's trace through a query,
// and checks what reached the collector once the gateway has stopped.
func TestTracingExportsRequestAndSalesforceSpans(t *testing.T) {
	t.Parallel()
	col := newCollector(t, false)
	base, logs, stop := boot(t, []string{"--demo"}, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL,
		"OTEL_RESOURCE_ATTRIBUTES":    "deployment.environment.name=test,team=sf%20gate",
	})

	const callerTrace, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	traceparent := map[string]string{"traceparent": "00-" + callerTrace + "-" + callerSpan + "-01"}
	if st := post(t, base+"/v1/query", `{"soql":"SELECT Id, Name FROM Account WHERE Name LIKE 'A%' LIMIT 5"}`, traceparent); st != http.StatusOK {
		t.Fatalf("query: status %d\n%s", st, logs.text())
	}
	// A query Salesforce refuses: its span records the fault as an event,
	// which the secrets scan below covers too.
	if st := post(t, base+"/v1/query", `{"soql":"SELECT Id FROM NoSuchObject__c"}`, nil); st < 400 {
		t.Fatalf("bad query: status %d", st)
	}
	// The batch processor exports every 5 s; the test stops sooner, so what
	// arrives was flushed at shutdown.
	if err := stop(); err != nil {
		t.Fatalf("run: %v\n%s", err, logs.text())
	}

	col.mu.Lock()
	problems, reqs := col.problems, col.requests
	col.mu.Unlock()
	if len(problems) > 0 {
		t.Errorf("collector got malformed exports: %q", problems)
	}
	spans := col.spans()
	if len(spans) == 0 {
		t.Fatalf("the collector received no span\n%s", logs.text())
	}

	server, sfQuery, refused := findQuerySpans(t, spans, callerTrace)

	checks := []struct {
		what      string
		got, want string
	}{
		{"server span name", server.span.GetName(), "POST /v1/query"},
		{"server http.request.method", attr(server.span.GetAttributes(), "http.request.method"), "POST"},
		{"server url.scheme", attr(server.span.GetAttributes(), "url.scheme"), "http"},
		{"server url.path", attr(server.span.GetAttributes(), "url.path"), "/v1/query"},
		{"server server.address", attr(server.span.GetAttributes(), "server.address"), "127.0.0.1"},
		{"server network.protocol.version", attr(server.span.GetAttributes(), "network.protocol.version"), "1.1"},
		{"server span continues the caller's span", hex.EncodeToString(server.span.GetParentSpanId()), callerSpan},
		{"server http.route", attr(server.span.GetAttributes(), "http.route"), "/v1/query"},
		{"server http.response.status_code", attr(server.span.GetAttributes(), "http.response.status_code"), "200"},
		{"server scope", server.scope, "github.com/sfgate/sfgate/internal/handlers"},
		{"salesforce span is the server span's child", hex.EncodeToString(sfQuery.span.GetParentSpanId()), hex.EncodeToString(server.span.GetSpanId())},
		{"salesforce span kind", sfQuery.span.GetKind().String(), tracepb.Span_SPAN_KIND_CLIENT.String()},
		{"salesforce span name", sfQuery.span.GetName(), "Soap/query"},
		{"salesforce rpc.system.name", attr(sfQuery.span.GetAttributes(), "rpc.system.name"), "soap"},
		{"salesforce rpc.method", attr(sfQuery.span.GetAttributes(), "rpc.method"), "Soap/query"},
		{"salesforce server.address", attr(sfQuery.span.GetAttributes(), "server.address"), "127.0.0.1"},
		{"salesforce attempts", attr(sfQuery.span.GetAttributes(), "sfgate.salesforce.attempts"), "1"},
		{"salesforce scope", sfQuery.scope, "github.com/sfgate/sfgate/internal/salesforce"},
		{"service.name", attr(server.resource, "service.name"), "sfgate"},
		{"service.name on the salesforce span", attr(sfQuery.resource, "service.name"), "sfgate"},
		{"OTEL_RESOURCE_ATTRIBUTES", attr(server.resource, "deployment.environment.name"), "test"},
		{"OTEL_RESOURCE_ATTRIBUTES percent-decoded", attr(server.resource, "team"), "sf gate"},
		{"telemetry.sdk.language", attr(server.resource, "telemetry.sdk.language"), "go"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	checkRefusedQuerySpans(t, refused)
	// Neither the span nor the log carries Salesforce's message (it can
	// echo record values); the log names the code.
	if !strings.Contains(logs.text(), `"sf_code":"INVALID_TYPE"`) {
		t.Error("the log lacks the fault's code")
	}
	if found := secretsIn(reqs); len(found) > 0 {
		t.Errorf("spans carry secrets:\n  %s", strings.Join(found, "\n  "))
	}
}

// findQuerySpans picks, among the exported spans, the server span and the
// Soap/query span of the caller's trace, and the query spans that
// ended in an error; it fails t without the first two.
func findQuerySpans(t *testing.T, spans []exported, callerTrace string) (server, sfQuery *exported, refused []exported) {
	t.Helper()
	for i := range spans {
		sp := spans[i].span
		t.Logf("span %s kind=%s trace=%x attrs=%v events=%v", sp.GetName(), sp.GetKind(), sp.GetTraceId(), sp.GetAttributes(), sp.GetEvents())
		switch {
		case sp.GetKind() == tracepb.Span_SPAN_KIND_SERVER && hex.EncodeToString(sp.GetTraceId()) == callerTrace:
			server = &spans[i]
		case sp.GetName() == "Soap/query" && sp.GetStatus().GetCode() == tracepb.Status_STATUS_CODE_ERROR:
			refused = append(refused, spans[i])
		case sp.GetName() == "Soap/query" && hex.EncodeToString(sp.GetTraceId()) == callerTrace:
			sfQuery = &spans[i]
		}
	}
	if server == nil || sfQuery == nil {
		names := make([]string, len(spans))
		for i, s := range spans {
			names[i] = s.span.GetName() + " " + hex.EncodeToString(s.span.GetTraceId())
		}
		t.Fatalf("want the server span and a Soap/query span in trace %s; got %q", callerTrace, names)
	}
	return server, sfQuery, refused
}

// checkRefusedQuerySpans checks the spans of a query Salesforce refused:
// an exception event with its type but not its message (which quotes the
// SOQL), and the Salesforce code.
func checkRefusedQuerySpans(t *testing.T, refused []exported) {
	t.Helper()
	if len(refused) == 0 {
		t.Error("no Soap/query span with an error status for the refused query")
	}
	for _, r := range refused {
		evs := r.span.GetEvents()
		if len(evs) == 0 || evs[0].GetName() != "exception" || attr(evs[0].GetAttributes(), "exception.type") == "" {
			t.Errorf("refused query span has events %v, want an exception with its type", evs)
			continue
		}
		// Salesforce's fault message quotes the SOQL with its values: it
		// stays in the log, not in the span.
		if msg := attr(evs[0].GetAttributes(), "exception.message"); msg != "" {
			t.Errorf("refused query span exports exception.message %q", msg)
		}
		for _, k := range []string{"error.type", "rpc.response.status_code"} {
			if code := attr(r.span.GetAttributes(), k); code != "INVALID_TYPE" {
				t.Errorf("refused query span %s = %q, want INVALID_TYPE", k, code)
			}
		}
	}
}

// TestTracingOffOrSampledOutExportsNothing boots gateways whose variables
// name a collector yet turn export off, and checks the collector hears
// nothing; the first row, with export on, shows the check can fail.
func TestTracingOffOrSampledOutExportsNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		env       map[string]string
		wantSpans bool
	}{
		{"endpoint set: exported", map[string]string{}, true},
		{"OTEL_SDK_DISABLED=true", map[string]string{"OTEL_SDK_DISABLED": "true"}, false},
		{"OTEL_TRACES_EXPORTER=none", map[string]string{"OTEL_TRACES_EXPORTER": "none"}, false},
		{"OTEL_TRACES_SAMPLER=always_off", map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, false},
		{"traceidratio 0 and a caller that did not sample", map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			col := newCollector(t, false)
			tt.env["OTEL_EXPORTER_OTLP_ENDPOINT"] = col.URL
			base, logs, stop := boot(t, []string{"--demo"}, tt.env)
			if st := post(t, base+"/v1/query", `{"soql":"SELECT Id FROM Account LIMIT 1"}`, nil); st != http.StatusOK {
				t.Fatalf("query: status %d", st)
			}
			if err := stop(); err != nil {
				t.Fatalf("run: %v", err)
			}
			if got := len(col.spans()); (got > 0) != tt.wantSpans {
				t.Errorf("collector received %d spans, want spans=%v\n%s", got, tt.wantSpans, logs.text())
			}
		})
	}
}

// TestTracingFlushIsBounded: a collector that never answers must not hold
// the gateway's exit for longer than the export timeout.
func TestTracingFlushIsBounded(t *testing.T) {
	t.Parallel()
	col := newCollector(t, true)
	base, logs, stop := boot(t, []string{"--demo"}, map[string]string{
		"OTEL_EXPORTER_OTLP_ENDPOINT": col.URL,
		"OTEL_EXPORTER_OTLP_TIMEOUT":  "300",
	})
	if st := post(t, base+"/v1/query", `{"soql":"SELECT Id FROM Account LIMIT 1"}`, nil); st != http.StatusOK {
		t.Fatalf("query: status %d", st)
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("run took %v to stop with a stuck collector and a 300 ms export timeout", d)
	}
	if !strings.Contains(logs.text(), "tracing: the collector did not take the last spans in time") {
		t.Errorf("no warning about the lost spans:\n%s", logs.text())
	}
}

// tracingWant is what parseTracing should make of one environment: on
// (and where to, how), off, or errors naming the variables.
type tracingWant struct {
	on       bool
	endpoint string
	json     bool
	timeout  time.Duration
	sampler  string
	service  string
	attrs    string
	errs     []string // substrings; all must appear
}

// otlpEndpoint is the collector most cases point at.
const otlpEndpoint = "http://collector:4318"

// tracingCase is one environment for parseTracing and what it should make
// of it.
type tracingCase struct {
	name string
	env  map[string]string
	want tracingWant
}

// parseTracingCases are the variable combinations: on (and where to), off,
// or a start-up error that names the variable.
var parseTracingCases = []tracingCase{
	{"nothing set: off", map[string]string{}, tracingWant{}},
	{"service name alone: off", map[string]string{"OTEL_SERVICE_NAME": "gw"}, tracingWant{}},
	{"headers alone: off", map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=k"}, tracingWant{}},
	{"base endpoint gets /v1/traces", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces"}},
	{"base endpoint with a trailing slash", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint + "/"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces"}},
	{"base endpoint with a path", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://otlp.example.com/otel"},
		tracingWant{on: true, endpoint: "https://otlp.example.com/otel/v1/traces"}},
	{"traces endpoint used as it is", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "https://otlp.example.com/api/spans"},
		tracingWant{on: true, endpoint: "https://otlp.example.com/api/spans"}},
	{"traces endpoint without a path gets /", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": otlpEndpoint},
		tracingWant{on: true, endpoint: otlpEndpoint + "/"}},
	{"traces endpoint wins over the base", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://a:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://b:4318/v1/traces"},
		tracingWant{on: true, endpoint: "http://b:4318/v1/traces"}},
	{"exporter otlp alone: the specification's default endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "otlp"},
		tracingWant{on: true, endpoint: "http://localhost:4318/v1/traces"}},
	{"exporter none beats an endpoint", map[string]string{"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint}, tracingWant{}},
	{"SDK disabled beats an endpoint", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint}, tracingWant{}},
	{"SDK disabled, any case", map[string]string{"OTEL_SDK_DISABLED": "TRUE", "OTEL_TRACES_EXPORTER": "otlp"}, tracingWant{}},
	{"SDK disabled: other values not checked", map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "zipkin"}, tracingWant{}},
	{"SDK disabled false", map[string]string{"OTEL_SDK_DISABLED": "false", "OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces"}},
	{"SDK disabled not a boolean", map[string]string{"OTEL_SDK_DISABLED": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint},
		tracingWant{errs: []string{`OTEL_SDK_DISABLED "1"`}}},
	{"exporter zipkin", map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"},
		tracingWant{errs: []string{`OTEL_TRACES_EXPORTER "zipkin" is not supported`}}},
	{"exporter list", map[string]string{"OTEL_TRACES_EXPORTER": "otlp,console"},
		tracingWant{errs: []string{`OTEL_TRACES_EXPORTER "otlp,console"`}}},
	{"protocol grpc", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"},
		tracingWant{errs: []string{`OTEL_EXPORTER_OTLP_PROTOCOL "grpc" is not supported`}}},
	{"traces protocol grpc", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc"},
		tracingWant{errs: []string{`OTEL_EXPORTER_OTLP_TRACES_PROTOCOL "grpc"`}}},
	{"traces protocol wins over the general one", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces"}},
	{"protocol http/json", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", json: true}},
	{"protocol not checked while off", map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, tracingWant{}},
	{"endpoint without a scheme", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4318"},
		tracingWant{errs: []string{"OTEL_EXPORTER_OTLP_ENDPOINT is not an absolute http(s) URL"}}},
	{"traces endpoint not http", map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "ftp://collector/x"},
		tracingWant{errs: []string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is not an absolute http(s) URL"}}},
	{"timeout in milliseconds", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_EXPORTER_OTLP_TIMEOUT": "2500"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", timeout: 2500 * time.Millisecond}},
	{"traces timeout wins", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_EXPORTER_OTLP_TIMEOUT": "2500", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "700"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", timeout: 700 * time.Millisecond}},
	{"timeout not a number", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_EXPORTER_OTLP_TIMEOUT": "5s"},
		tracingWant{errs: []string{`OTEL_EXPORTER_OTLP_TIMEOUT "5s"`}}},
	{"sampler ratio", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", sampler: "ParentBased{root:TraceIDRatioBased{0.25}"}},
	{"sampler always_off", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_TRACES_SAMPLER": "always_off"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", sampler: "AlwaysOffSampler"}},
	{"sampler ratio out of range", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"},
		tracingWant{errs: []string{`OTEL_TRACES_SAMPLER_ARG "2"`}}},
	{"sampler jaeger_remote", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_TRACES_SAMPLER": "jaeger_remote"},
		tracingWant{errs: []string{`OTEL_TRACES_SAMPLER "jaeger_remote" is not supported`}}},
	{"service name from resource attributes", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs,k8s.namespace.name=prod"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", service: "from-attrs", attrs: "k8s.namespace.name=prod"}},
	{"OTEL_SERVICE_NAME wins over resource attributes", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_SERVICE_NAME": "gw", "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-attrs"},
		tracingWant{on: true, endpoint: otlpEndpoint + "/v1/traces", service: "gw"}},
	{"resource attributes malformed", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": otlpEndpoint, "OTEL_RESOURCE_ATTRIBUTES": "a=b,novalue"},
		tracingWant{errs: []string{"OTEL_RESOURCE_ATTRIBUTES entry 2 is not key=value"}}},
	{"every problem at once", map[string]string{"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_TRACES_SAMPLER": "xray", "OTEL_EXPORTER_OTLP_TIMEOUT": "-1"},
		tracingWant{errs: []string{"OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_TRACES_SAMPLER", "OTEL_EXPORTER_OTLP_TIMEOUT"}}},
}

// TestParseTracing runs parseTracingCases.
func TestParseTracing(t *testing.T) {
	t.Parallel()
	for _, tt := range parseTracingCases {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkParseTracing(t, tt.env, tt.want)
		})
	}
}

// checkParseTracing parses env and compares the result with want.
func checkParseTracing(t *testing.T, env map[string]string, want tracingWant) {
	t.Helper()
	tc, errs := parseTracing(envFrom(env))
	var msgs []string
	for _, e := range errs {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	if len(want.errs) == 0 && len(errs) > 0 {
		t.Fatalf("unexpected errors: %s", all)
	}
	for _, w := range want.errs {
		if !strings.Contains(all, w) {
			t.Errorf("errors %q lack %q", all, w)
		}
	}
	if len(want.errs) > 0 {
		return
	}
	if tc.Enabled != want.on {
		t.Fatalf("enabled = %v, want %v (%s)", tc.Enabled, want.on, tc.describe())
	}
	if !tc.Enabled {
		if !strings.HasPrefix(tc.describe(), "off (") {
			t.Errorf("describe = %q", tc.describe())
		}
		return
	}
	wantTimeout, wantService, wantSampler := want.timeout, want.service, want.sampler
	if wantTimeout == 0 {
		wantTimeout = 10 * time.Second
	}
	if wantService == "" {
		wantService = "sfgate"
	}
	if wantSampler == "" {
		wantSampler = "ParentBased{root:AlwaysOnSampler"
	}
	var attrs []string
	for _, a := range tc.Attributes {
		attrs = append(attrs, string(a.Key)+"="+a.Value.String())
	}
	got := fmt.Sprintf("endpoint=%s json=%v timeout=%v service=%s attrs=%s", tc.Endpoint, tc.JSON, tc.Timeout, tc.ServiceName, strings.Join(attrs, ","))
	wantS := fmt.Sprintf("endpoint=%s json=%v timeout=%v service=%s attrs=%s", want.endpoint, want.json, wantTimeout, wantService, want.attrs)
	if got != wantS {
		t.Errorf("got  %s\nwant %s", got, wantS)
	}
	if d := tc.Sampler.Description(); !strings.HasPrefix(d, wantSampler) {
		t.Errorf("sampler %q, want %q…", d, wantSampler)
	}
}

// TestRunRefusesUnsupportedTracing: the tracing errors are part of the
// configuration check, so run refuses to start and names the variable, and
// the start-up log never shows an endpoint's credentials.
func TestRunRefusesUnsupportedTracing(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), []string{"-addr", "127.0.0.1:0", "--demo"},
		envFrom(map[string]string{"OTEL_TRACES_EXPORTER": "zipkin", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "configuration is not valid") || !strings.Contains(err.Error(), "OTEL_TRACES_EXPORTER") {
		t.Fatalf("run = %v", err)
	}

	var buf bytes.Buffer
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // start, log the configuration, stop at once
	_ = run(ctx, []string{"-addr", "127.0.0.1:0", "--demo"},
		envFrom(map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://user:hunter2@127.0.0.1:9/?api_key=k3y"}), &buf)
	log := buf.String()
	if strings.Contains(log, "hunter2") || strings.Contains(log, "k3y") {
		t.Errorf("the log shows the endpoint's credentials:\n%s", log)
	}
	if !strings.Contains(log, `otlp http/protobuf to http://127.0.0.1:9/v1/traces`) {
		t.Errorf("the configuration log does not describe tracing:\n%s", log)
	}
}
