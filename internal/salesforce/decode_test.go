package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/embedded"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// spanRecorder is a minimal TracerProvider that records ended spans (the
// otel SDK's recorder would add modules to go.sum).
type spanRecorder struct {
	embedded.TracerProvider
	mu    sync.Mutex
	ended []recordedSpan
}

type recTracer struct {
	embedded.Tracer
	r *spanRecorder
}

type recordedSpan struct {
	name   string
	status codes.Code
	attrs  map[attribute.Key]attribute.Value
}

type recSpan struct {
	noop.Span
	r      *spanRecorder
	name   string
	status codes.Code
	attrs  map[attribute.Key]attribute.Value
}

func (r *spanRecorder) Tracer(string, ...trace.TracerOption) trace.Tracer { return recTracer{r: r} }

func (t recTracer) Start(ctx context.Context, name string, opts ...trace.SpanStartOption) (context.Context, trace.Span) {
	s := &recSpan{r: t.r, name: name, attrs: map[attribute.Key]attribute.Value{}}
	cfg := trace.NewSpanStartConfig(opts...)
	s.SetAttributes(cfg.Attributes()...)
	return trace.ContextWithSpan(ctx, s), s
}

func (s *recSpan) IsRecording() bool                { return true }
func (s *recSpan) SetStatus(c codes.Code, _ string) { s.status = c }
func (s *recSpan) SetAttributes(kv ...attribute.KeyValue) {
	for _, a := range kv {
		s.attrs[a.Key] = a.Value
	}
}

func (s *recSpan) End(...trace.SpanEndOption) {
	s.r.mu.Lock()
	defer s.r.mu.Unlock()
	s.r.ended = append(s.r.ended, recordedSpan{s.name, s.status, s.attrs})
}

// TestDecodeTolerance covers what PROTOCOL.md says real answers (or
// answers of newer API versions) contain, written in unusual but legal
// ways: other prefixes, redeclared namespaces, unknown elements, compound
// and aggregate values, CDATA, references, comments.
func TestDecodeTolerance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		doc  string
		want *partner.QueryResult
	}{
		{
			name: "other prefixes, sObject namespace as default inside records",
			doc: `<E:Envelope xmlns:E="http://schemas.xmlsoap.org/soap/envelope/"><E:Body><p:queryResponse xmlns:p="urn:partner.soap.sforce.com" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">` +
				`<p:result i:type="p:QueryResult"><p:done>true</p:done><p:queryLocator i:nil="1"/>` +
				`<p:records i:type="o:sObject" xmlns:o="urn:sobject.partner.soap.sforce.com" xmlns="urn:sobject.partner.soap.sforce.com"><type>Contact</type><Id>003000000000001AAA</Id><Name>A</Name></p:records>` +
				`<p:size>1</p:size></p:result></p:queryResponse></E:Body></E:Envelope>`,
			want: &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{{Type: "Contact", ID: "003000000000001AAA", Fields: []partner.Field{{Name: "Name", Value: "A"}}}}},
		},
		{
			name: "unknown elements of a newer version are ignored",
			doc: env(`<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><cursorHint><deep><er/></deep></cursorHint>` +
				`<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id xsi:nil="true"/><sf:Name>B</sf:Name></records><size>1</size><newThing>7</newThing></result><extra/></queryResponse>`),
			want: &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "B"}}}}},
		},
		{
			name: "compound address and location, aggregate values",
			doc: env(`<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>` +
				`<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id xsi:nil="true"/>` +
				`<sf:BillingAddress xsi:type="address"><city>Paris</city><country>France</country><latitude xsi:nil="true"/><street>1 rue &amp; co</street></sf:BillingAddress>` +
				`<sf:Loc__c xsi:type="location"><latitude>48.85</latitude><longitude>2.35</longitude></sf:Loc__c>` +
				`<sf:expr0 xsi:type="xsd:int" xmlns:xsd="http://www.w3.org/2001/XMLSchema">42</sf:expr0></records><size>1</size></result></queryResponse>`),
			want: &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{{Type: "Account", Fields: []partner.Field{
				{Name: "BillingAddress", XSIType: partner.TypeAddress, Compound: &partner.Record{Type: "address", Fields: []partner.Field{{Name: "city", Value: "Paris"}, {Name: "country", Value: "France"}, {Name: "latitude", Nil: true}, {Name: "street", Value: "1 rue & co"}}}},
				{Name: "Loc__c", XSIType: partner.TypeLocation, Compound: &partner.Record{Type: "location", Fields: []partner.Field{{Name: "latitude", Value: "48.85"}, {Name: "longitude", Value: "2.35"}}}},
				{Name: "expr0", XSIType: partner.TypeInt, Value: "42"},
			}}}},
		},
		{
			name: "CDATA, character references, comments, CR LF and whitespace are text",
			doc: env(`<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>` +
				`<records xsi:type="sf:sObject"><sf:type>Note</sf:type><sf:Id xsi:nil="true"/>` +
				`<sf:Body>a<![CDATA[<b>&amp;</b>]]>z&#233;&#x1F600;<!-- c -->!</sf:Body><sf:Title>  padded  </sf:Title><sf:Crlf>x` + "\r\n" + `y` + "\r" + `z</sf:Crlf><sf:Empty></sf:Empty>` +
				`</records><size>1</size></result></queryResponse>`),
			want: &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{{Type: "Note", Fields: []partner.Field{
				{Name: "Body", Value: "a<b>&amp;</b>zé😀!"},
				{Name: "Title", Value: "  padded  "},
				{Name: "Crlf", Value: "x\ny\nz"},
				{Name: "Empty", Value: ""},
			}}}},
		},
		{
			name: "nil parent and nil child result, parent without xsi:type",
			doc: env(`<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>` +
				`<records xsi:type="sf:sObject"><sf:type>Contact</sf:type><sf:Id xsi:nil="true"/><sf:Account xsi:nil="true"/><sf:Cases xsi:nil="true"/>` +
				`<sf:Owner><sf:type>User</sf:type><sf:Id xsi:nil="true"/><sf:Name>O</sf:Name></sf:Owner></records><size>1</size></result></queryResponse>`),
			want: &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{{Type: "Contact", Fields: []partner.Field{
				{Name: "Account", Nil: true}, {Name: "Cases", Nil: true},
				{Name: "Owner", Parent: &partner.Record{Type: "User", Fields: []partner.Field{{Name: "Name", Value: "O"}}}},
			}}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, fe := decodeQueryPage([]byte(tc.doc))
			if fe != nil {
				t.Fatalf("decode: %v", fe)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("decoded (-want +got):\n%s", diff)
			}
		})
	}
}

func attrs(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i+1))
		b.WriteString(`="1"`)
	}
	return b.String()
}

func env(body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"><soapenv:Body>` +
		body + `</soapenv:Body></soapenv:Envelope>`
}

// TestDecodeRefuses covers malformed and hostile input: each is a decode
// error, never a wrong value.
func TestDecodeRefuses(t *testing.T) {
	t.Parallel()
	ok := `<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><size>0</size></result></queryResponse>`
	tests := []struct{ name, doc string }{
		{"empty", ""},
		{"not XML", "<html><body>Service Unavailable"},
		{"wrong root namespace", strings.Replace(env(ok), `xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"`, `xmlns:soapenv="http://www.w3.org/2003/05/soap-envelope"`, 1)},
		{"prefix is not enough", `<soapenv:Envelope><soapenv:Body>` + ok + `</soapenv:Body></soapenv:Envelope>`},
		{"mismatched end tag", env(strings.Replace(ok, "</done>", "</dome>", 1))},
		{"truncated", env(ok)[:len(env(ok))-20]},
		{"DOCTYPE", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>` + env(ok)},
		{"unknown entity", env(strings.Replace(ok, "<size>0", "<size>&bogus;0", 1))},
		{"char ref to NUL", env(strings.Replace(ok, "<size>0", "<size>&#0;0", 1))},
		{"invalid UTF-8", env(strings.Replace(ok, "<size>0", "<size>\xff0", 1))},
		{"other encoding", strings.Replace(env(ok), `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)},
		{"bad boolean", env(strings.Replace(ok, "<done>true", "<done>maybe", 1))},
		{"bad integer", env(strings.Replace(ok, "<size>0", "<size>zero", 1))},
		{"missing response element", env(`<queryAllResponse/>`)},
		{"two roots", env(ok) + `<x/>`},
		{"text outside root", env(ok) + `junk`},
		{"duplicate attribute", env(strings.Replace(ok, `<queryLocator xsi:nil="true"/>`, `<queryLocator xsi:nil="true" xsi:nil="true"/>`, 1))},
		{"too many attributes", env(strings.Replace(ok, `<done>`, `<done`+attrs(40)+`>`, 1))},
		{"unquoted attribute", env(strings.Replace(ok, `xsi:nil="true"`, `xsi:nil=true`, 1))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, fe := decodeQueryPage([]byte(tc.doc))
			if fe == nil || fe.Kind != partner.KindDecode {
				t.Errorf("decode = %v, want a decode error", fe)
			}
		})
	}
	t.Run("depth cap", func(t *testing.T) {
		t.Parallel()
		doc := env(`<queryResponse>` + strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100) + `</queryResponse>`)
		d := newDecoder([]byte(doc), 50)
		fe := d.envelope("queryResponse", func() { d.sc.skip() })
		if fe == nil || !errors.Is(fe.Cause, errDepth) {
			t.Errorf("decode = %v, want the depth error", fe)
		}
	})
}

// TestSpans checks one span per SOAP call, named and described as the RPC
// semantic conventions say, with nothing of the call's content on it.
func TestSpans(t *testing.T) {
	t.Parallel()
	tp := &spanRecorder{}
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		if r.op == "search" {
			return 500, faultAnswer("MALFORMED_SEARCH", "MalformedSearchFault", "bad")
		}
		return minimalAnswer(r, n)
	})
	c, _ := newTestClient(t, f, func(cfg *Config) { cfg.TracerProvider = tp })
	ctx := t.Context()
	c.Query(ctx, "SELECT Id FROM Account WHERE Name = 'Acme'")
	c.Search(ctx, "FIND {x")
	recs := make([]partner.Record, 201)
	for i := range recs {
		recs[i] = partner.Record{Type: "Account"}
	}
	c.Create(ctx, recs)
	var names []string
	for _, s := range tp.ended {
		names = append(names, s.name)
		if (s.name == "Soap/search") != (s.status == codes.Error) {
			t.Errorf("span %s has status %v", s.name, s.status)
		}
	}
	want := []string{"Soap/query", "Soap/search", "Soap/create", "Soap/create"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("spans (-want +got):\n%s", diff)
	}
	u, _ := url.Parse(f.srv.URL)
	port, _ := strconv.Atoi(u.Port())
	str := attribute.StringValue
	wantAttrs := map[attribute.Key]attribute.Value{
		"rpc.system.name": str("soap"), "rpc.method": str("Soap/query"),
		"server.address": str(u.Hostname()), "server.port": attribute.IntValue(port),
		"sfgate.salesforce.api_version": str(c.APIVersion()), "sfgate.salesforce.attempts": attribute.IntValue(1),
	}
	if diff := cmp.Diff(wantAttrs, tp.ended[0].attrs, cmp.Comparer(func(a, b attribute.Value) bool { return a == b })); diff != "" {
		t.Errorf("query span attributes (-want +got):\n%s", diff)
	}
	failed := tp.ended[1].attrs
	if failed["error.type"].AsString() != "MALFORMED_SEARCH" || failed["rpc.response.status_code"].AsString() != "MALFORMED_SEARCH" {
		t.Errorf("failed search span: %v", failed)
	}
	for _, s := range tp.ended {
		for k, v := range s.attrs {
			if strings.Contains(v.String(), "Acme") || strings.Contains(v.String(), "FIND") {
				t.Errorf("span %s attribute %s carries call content: %s", s.name, k, v.String())
			}
		}
	}
}

// TestErrorType: error.type stays a bounded class.
func TestErrorType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"fault code", &partner.Error{Kind: partner.KindFault, Code: "INVALID_FIELD"}, "INVALID_FIELD"},
		{"wrapped local refusal", fmt.Errorf("create: %w", &partner.Error{Kind: partner.KindInvalidInput, Code: "MALFORMED_ID"}), "MALFORMED_ID"},
		{"SOAP Server fault without a code", &partner.Error{Kind: partner.KindTransport, Code: "Server"}, "transport"},
		{"network", &partner.Error{Kind: partner.KindNetwork, Cause: io.ErrUnexpectedEOF}, "network"},
		{"deadline", abandoned("query", context.DeadlineExceeded, nil), "timeout"},
		{"canceled", abandoned("query", context.Canceled, nil), "canceled"},
		{"decode", decodeErr("query", "bad xml"), "decode"},
		{"fault code that is not a code", &partner.Error{Kind: partner.KindFault, Code: "no such thing 'x'"}, "fault"},
		{"an error from outside the client", errors.New("budget guard refused"), "_OTHER"},
	}
	for _, tt := range tests {
		if got := errorType(tt.err); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
