package sfsim

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/testutil/fakeclock"
	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// Every envelope the tests receive is kept (a few per operation and
// status) and validated against the WSDL's schemas in one xmllint run at
// the end, so schema validity is checked for every kind of answer without
// paying for a validator process per request.
var envelopes struct {
	sync.Mutex
	docs  [][]byte
	names []string
	seen  map[string]int
}

const envelopesPerKind = 4

func keepEnvelope(kind string, body []byte) {
	envelopes.Lock()
	defer envelopes.Unlock()
	if envelopes.seen == nil {
		envelopes.seen = map[string]int{}
	}
	if envelopes.seen[kind] >= envelopesPerKind {
		return
	}
	envelopes.seen[kind]++
	envelopes.docs = append(envelopes.docs, bytes.Clone(body))
	envelopes.names = append(envelopes.names, kind)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 && len(envelopes.docs) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		errs, err := xsdcheck.ValidateAll(ctx, envelopes.docs)
		cancel()
		if err != nil {
			fmt.Fprintln(os.Stderr, "schema validation could not run (is xmllint installed? apt-get install libxml2-utils):", err)
			code = 1
		} else {
			bad := 0
			for i, e := range errs {
				if e != nil {
					bad++
					fmt.Fprintf(os.Stderr, "envelope %q is not valid against the partner WSDL: %v\n%s\n", envelopes.names[i], e, xsdcheck.Excerpt(envelopes.docs[i]))
				}
			}
			if bad > 0 {
				code = 1
			} else if testing.Verbose() {
				fmt.Fprintf(os.Stderr, "%d response envelopes valid against the partner WSDL\n", len(envelopes.docs))
			}
		}
	}
	os.Exit(code)
}

type clock = fakeclock.Clock

func newClock() *clock { return fakeclock.New(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) }

// sim is a running emulator and a SOAP client for it.
type sim struct {
	t       *testing.T
	srv     *Server
	url     string
	clock   *clock
	version string
	sid     string
}

// newSim starts an emulator over real HTTP. The default config has no
// seeded accounts so tests own their data.
func newSim(t *testing.T, cfg Config) *sim {
	t.Helper()
	ck := newClock()
	if cfg.Now == nil {
		cfg.Now = ck.Now
	}
	if cfg.SeedAccounts == 0 {
		cfg.SeedAccounts = -1
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	return &sim{t: t, srv: srv, url: hs.URL, clock: ck, version: "58.0"}
}

// login logs in at 64.0 and keeps the session for later calls.
func (s *sim) login() *sim {
	s.t.Helper()
	resp := s.call("64.0", "login", "", `<urn:username>`+DemoUsername+`</urn:username><urn:password>`+DemoPassword+DemoSecurityToken+`</urn:password>`)
	resp.ok()
	s.sid = resp.text("Body", "loginResponse", "result", "sessionId")
	if s.sid == "" {
		s.t.Fatalf("login gave no sessionId:\n%s", resp.raw)
	}
	return s
}

// envelope builds a request the way common clients do: urn: prefixes, the
// sObject namespace as urn1.
func envelope(sid, headers, op, body string) string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com" xmlns:urn1="urn:sobject.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Header>`)
	if sid != "" {
		b.WriteString(`<urn:SessionHeader><urn:sessionId>` + sid + `</urn:sessionId></urn:SessionHeader>`)
	}
	b.WriteString(headers)
	b.WriteString(`</soapenv:Header><soapenv:Body><urn:` + op + `>` + body + `</urn:` + op + `></soapenv:Body></soapenv:Envelope>`)
	return b.String()
}

// response is a SOAP answer.
type response struct {
	t      *testing.T
	status int
	header http.Header
	raw    []byte
	root   *node
}

// call sends one operation with the current session.
func (s *sim) call(version, op, headers, body string) *response {
	s.t.Helper()
	return s.post(version, envelope(s.sid, headers, op, body), op, nil)
}

// do is call at the default version.
func (s *sim) do(op, headers, body string) *response {
	s.t.Helper()
	return s.call(s.version, op, headers, body)
}

func (s *sim) post(version, env, kind string, hdr http.Header) *response {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), http.MethodPost, s.url+"/services/Soap/u/"+version, strings.NewReader(env))
	if err != nil {
		s.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	for k, v := range hdr {
		req.Header[k] = v
	}
	return s.send(req, kind)
}

func (s *sim) send(req *http.Request, kind string) *response {
	s.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatalf("%s: %v", kind, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	r := &response{t: s.t, status: res.StatusCode, header: res.Header, raw: raw}
	if strings.HasPrefix(res.Header.Get("Content-Type"), "text/xml") && res.Header.Get("Content-Encoding") == "" {
		root, err := parseXML(bytes.NewReader(raw))
		if err != nil {
			s.t.Fatalf("%s: response is not XML: %v\n%s", kind, err, raw)
		}
		r.root = root
		keepEnvelope(fmt.Sprintf("%s/%d", kind, res.StatusCode), raw)
	}
	return r
}

// ok fails the test unless the answer is HTTP 200.
func (r *response) ok() *response {
	r.t.Helper()
	if r.status != http.StatusOK {
		r.t.Fatalf("status %d, want 200:\n%s", r.status, r.raw)
	}
	return r
}

// find walks the path of local names from the envelope.
func (r *response) find(path ...string) *node {
	n := r.root
	for _, p := range path {
		n = n.child(p)
		if n == nil {
			return nil
		}
	}
	return n
}

func (r *response) text(path ...string) string {
	n := r.find(path...)
	if n == nil {
		return ""
	}
	return n.text
}

// result returns the operation's result elements.
func (r *response) results(op string) []*node {
	return r.find("Body", op+"Response").all("result")
}

// fault checks the answer is a SOAP fault with code and detail type, and
// returns its faultstring.
func (r *response) fault(code, detail string) string {
	r.t.Helper()
	if r.status != http.StatusInternalServerError {
		r.t.Fatalf("status %d, want 500:\n%s", r.status, r.raw)
	}
	f := r.find("Body", "Fault")
	if f == nil {
		r.t.Fatalf("no Fault:\n%s", r.raw)
	}
	if got := f.child("faultcode").text; got != code {
		r.t.Fatalf("faultcode %q, want %q:\n%s", got, code, r.raw)
	}
	if detail != "" {
		d := f.child("detail").child(detail)
		if d == nil {
			r.t.Fatalf("no detail %s:\n%s", detail, r.raw)
		}
		if got, want := strings.TrimPrefix(code, "sf:"), d.child("exceptionCode").text; got != want {
			r.t.Fatalf("exceptionCode %q, want %q", want, got)
		}
	}
	return f.child("faultstring").text
}

// soapFault builds what a sObject argument looks like in a request.
func sobj(typ string, fields ...string) string {
	var b strings.Builder
	b.WriteString(`<urn:sObjects><urn1:type>` + typ + `</urn1:type>`)
	for i := 0; i+1 < len(fields); i += 2 {
		if fields[i] == "Id" {
			b.WriteString(`<urn1:Id>` + fields[i+1] + `</urn1:Id>`)
			continue
		}
		if fields[i] == "fieldsToNull" {
			b.WriteString(`<urn1:fieldsToNull>` + fields[i+1] + `</urn1:fieldsToNull>`)
			continue
		}
		b.WriteString(`<` + fields[i] + `>` + xmlEscape(fields[i+1]) + `</` + fields[i] + `>`)
	}
	b.WriteString(`</urn:sObjects>`)
	return b.String()
}

func xmlEscape(s string) string {
	var w xw
	w.text(s)
	return string(w.b)
}

// saveResult is a decoded SaveResult/UpsertResult/DeleteResult.
type saveResult struct {
	id      string
	success bool
	created bool
	codes   []string
	fields  []string
	msgs    []string
}

func decodeSave(n *node) saveResult {
	var r saveResult
	r.id, _ = n.value("id")
	r.success = n.boolValue("success", false)
	r.created = n.boolValue("created", false)
	for _, e := range n.all("errors") {
		r.codes = append(r.codes, e.child("statusCode").text)
		r.msgs = append(r.msgs, e.child("message").text)
		r.fields = append(r.fields, e.values("fields")...)
	}
	return r
}

// create makes records and returns their ids, failing on any error.
func (s *sim) create(records ...string) []string {
	s.t.Helper()
	resp := s.do("create", "", strings.Join(records, "")).ok()
	var ids []string
	for _, n := range resp.results("create") {
		r := decodeSave(n)
		if !r.success {
			s.t.Fatalf("create failed: %v %v\n%s", r.codes, r.msgs, resp.raw)
		}
		ids = append(ids, r.id)
	}
	return ids
}

// control calls the control API and returns the status and body.
func (s *sim) control(method, path, body string) (int, string) {
	s.t.Helper()
	req, err := http.NewRequestWithContext(context.WithoutCancel(s.t.Context()), method, s.url+path, strings.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// as returns a copy of the client that reports to t, for subtests.
func (s *sim) as(t *testing.T) *sim {
	c := *s
	c.t = t
	return &c
}
