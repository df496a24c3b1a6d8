package conformance_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/sfsim/conformance"
	"github.com/sfgate/sfgate/internal/testutil/fakeclock"
	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// APIVersion is the version every call uses unless a test says otherwise:
// the WSDL's.
const APIVersion = "58.0"

// samplesDir holds the real Salesforce messages, copied once for the whole
// repository under internal/xsdcheck (which proves them against the WSDL).
var samplesDir = filepath.Join("..", "..", "xsdcheck", "testdata", "samples")

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jwtKeyPEM is one public key shared by every emulator the tests start, so
// none of them spends time generating an RSA key.
var jwtKeyPEM = sync.OnceValues(func() ([]byte, error) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
})

// sim is one emulated org started in-process on a loopback port and
// reached over real HTTP. Every envelope it answers is validated against
// the WSDL's schemas when the test ends.
type sim struct {
	t       *testing.T
	srv     *sfsim.Server
	base    string // scheme://host:port
	http    *http.Client
	session string
	server  string // LoginResult.serverUrl

	mu      sync.Mutex
	replies []*reply
}

func newSim(t *testing.T, cfg sfsim.Config) *sim {
	t.Helper()
	if cfg.JWTCertificatePEM == nil {
		pemKey, err := jwtKeyPEM()
		if err != nil {
			t.Fatal(err)
		}
		cfg.JWTCertificatePEM = pemKey
	}
	srv, err := sfsim.New(cfg)
	if err != nil {
		t.Fatalf("sfsim.New: %v", err)
	}
	base, stop, err := srv.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sfsim Start: %v", err)
	}
	s := &sim{t: t, srv: srv, base: base, http: &http.Client{Timeout: 30 * time.Second}}
	t.Cleanup(func() {
		s.validateAll()
		stop()
	})
	return s
}

// validateAll runs every SOAP answer of the test through xsdcheck, in one
// xmllint process per batch.
func (s *sim) validateAll() {
	s.mu.Lock()
	replies := s.replies
	s.replies = nil
	s.mu.Unlock()
	var docs [][]byte
	var names []string
	for _, r := range replies {
		docs = append(docs, r.body)
		names = append(names, r.name)
	}
	if len(docs) == 0 {
		return
	}
	// t.Context() is already done during Cleanup.
	ctx, cancel := contextWithTimeout(2 * time.Minute)
	defer cancel()
	results, err := xsdcheck.ValidateAll(ctx, docs)
	if err != nil {
		s.t.Errorf("xsdcheck: %v", err)
		return
	}
	for i, err := range results {
		if err != nil {
			s.t.Errorf("%s: sfsim's answer is not valid against the WSDL:\n%v\n--- envelope ---\n%s", names[i], err, xsdcheck.Excerpt(docs[i]))
		}
	}
}

// reply is one HTTP answer of the emulator.
type reply struct {
	name   string
	status int
	header http.Header
	body   []byte
	root   *elem
}

// post sends raw bytes. Every answer that is XML is kept for validation.
func (s *sim) post(name, url, contentType string, body []byte, headers ...string) *reply {
	s.t.Helper()
	req, err := http.NewRequestWithContext(s.t.Context(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("SOAPAction", `""`)
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := s.http.Do(req)
	if err != nil {
		s.t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	var rd io.Reader = resp.Body
	// Set explicitly, Accept-Encoding turns off Go's transparent gunzip.
	if strings.EqualFold(resp.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			s.t.Fatalf("%s: gzip answer: %v", name, err)
		}
		rd = zr
	}
	b, err := io.ReadAll(io.LimitReader(rd, 64<<20))
	if err != nil {
		s.t.Fatalf("%s: read answer: %v", name, err)
	}
	r := &reply{name: name, status: resp.StatusCode, header: resp.Header, body: b}
	if ct := resp.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/xml") {
		// Every SOAP answer as Salesforce sends it (PROTOCOL.md §2, §3):
		// text/xml; charset=utf-8, the XML declaration, compact XML.
		if !strings.EqualFold(ct, "text/xml; charset=utf-8") {
			s.t.Errorf("%s: Content-Type %q, want text/xml; charset=utf-8", name, ct)
		}
		if !bytes.HasPrefix(b, []byte(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope `)) {
			s.t.Errorf("%s: answer does not start with the XML declaration and soapenv:Envelope: %.120s", name, b)
		}
		if bytes.Contains(b, []byte(">\n<")) || bytes.Contains(b, []byte("> <")) {
			s.t.Errorf("%s: answer is not compact XML", name)
		}
		s.mu.Lock()
		s.replies = append(s.replies, r)
		s.mu.Unlock()
		root, err := parseElem(b)
		if err != nil {
			s.t.Fatalf("%s: answer is not XML: %v\n%s", name, err, b)
		}
		r.root = root
	} else {
		s.t.Errorf("%s: Content-Type %q, want text/xml; charset=utf-8 (PROTOCOL.md §3)\n%s", name, ct, b)
	}
	return r
}

// soapURL is the login endpoint of a version.
func (s *sim) soapURL(version string) string { return s.base + "/services/Soap/u/" + version }

// envelope wraps a body (and header entries) the way most clients do:
// soapenv, urn for the partner namespace, urn1 for the sObject one.
func envelope(headers, body string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com" ` +
		`xmlns:urn1="urn:sobject.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<soapenv:Header>` + headers + `</soapenv:Header><soapenv:Body>` + body + `</soapenv:Body></soapenv:Envelope>`)
}

func sessionHeader(id string) string {
	return `<urn:SessionHeader><urn:sessionId>` + xmlEscape(id) + `</urn:sessionId></urn:SessionHeader>`
}

// login logs in as the demo user and keeps the session and serverUrl.
func (s *sim) login() {
	s.t.Helper()
	r := s.post("login", s.soapURL(APIVersion), "text/xml; charset=UTF-8", envelope("",
		`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>`+
			sfsim.DemoPassword+sfsim.DemoSecurityToken+`</urn:password></urn:login>`))
	r.wantOK(s.t)
	s.session = r.text("loginResponse", "result", "sessionId")
	s.server = r.text("loginResponse", "result", "serverUrl")
	if s.session == "" || !strings.HasPrefix(s.server, s.base+"/services/Soap/u/"+APIVersion) {
		s.t.Fatalf("login: got a session: %t, serverUrl %q (want it under %s)", s.session != "", s.server, s.base)
	}
}

// call sends one operation with the session to serverUrl.
func (s *sim) call(name, headers, body string) *reply {
	s.t.Helper()
	if s.session == "" {
		s.login()
	}
	return s.post(name, s.server, "text/xml; charset=UTF-8", envelope(sessionHeader(s.session)+headers, body))
}

func (r *reply) wantOK(t testing.TB) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: HTTP %d, want 200:\n%s", r.name, r.status, r.body)
	}
	if f := r.root.path("Body", "Fault"); f != nil {
		t.Fatalf("%s: fault with HTTP 200:\n%s", r.name, r.body)
	}
}

// text returns the text of the first element at the path under Body.
func (r *reply) text(path ...string) string {
	e := r.root.path(append([]string{"Body"}, path...)...)
	if e == nil {
		return ""
	}
	return e.Text
}

// fault is what a client reads from a SOAP fault.
type fault struct {
	Code          string // faultcode as written
	CodeNS        string // namespace its prefix is bound to
	String        string
	DetailType    string // local name of the detail element
	DetailNS      string
	XSIType       string
	ExceptionCode string
	Message       string
	Row, Column   string
}

// wantFault checks HTTP 500 and a fault with the given code (sf:CODE in the
// fault namespace, "CODE: " starting faultstring, the detail element
// named detail with xsi:type repeating it, exceptionCode CODE), and returns
// it. For soapenv:Client faults pass detail "".
func (r *reply) wantFault(t testing.TB, code, detail string) fault {
	t.Helper()
	var f fault
	fe := r.root.path("Body", "Fault")
	if r.status != http.StatusInternalServerError || fe == nil {
		t.Errorf("%s: HTTP %d, want 500 with a SOAP fault %s:\n%s", r.name, r.status, code, r.body)
		return f
	}
	f.Code = strings.TrimSpace(fe.child("faultcode").Text)
	f.String = fe.child("faultstring").Text
	if prefix, _, ok := strings.Cut(f.Code, ":"); ok {
		f.CodeNS = r.nsOf(prefix)
	}
	if d := fe.child("detail"); d != nil && len(d.Kids) > 0 {
		de := &d.Kids[0]
		f.DetailType, f.DetailNS = de.XMLName.Local, de.XMLName.Space
		f.XSIType = de.attr(conformance.NSXSI, "type")
		f.ExceptionCode = de.child("exceptionCode").Text
		f.Message = de.child("exceptionMessage").Text
		f.Row = de.child("row").Text
		f.Column = de.child("column").Text
	}
	if detail == "" {
		if f.Code != "soapenv:Client" || f.CodeNS != conformance.NSSOAPEnv || f.DetailType != "" {
			t.Errorf("%s: fault %q (%s) with detail %q, want soapenv:Client without detail", r.name, f.Code, f.CodeNS, f.DetailType)
		}
		if code != "" && f.String != code {
			t.Errorf("%s: faultstring %q, want %q", r.name, f.String, code)
		}
		return f
	}
	if f.Code != "sf:"+code || f.CodeNS != conformance.NSFault {
		t.Errorf("%s: faultcode %q bound to %q, want sf:%s in %s", r.name, f.Code, f.CodeNS, code, conformance.NSFault)
	}
	if !strings.HasPrefix(f.String, code+": ") {
		t.Errorf("%s: faultstring %q does not start with %q", r.name, f.String, code+": ")
	}
	if f.DetailType != detail || f.DetailNS != conformance.NSFault || f.XSIType != "sf:"+detail {
		t.Errorf("%s: detail {%s}%s xsi:type=%q, want sf:%s with the same xsi:type", r.name, f.DetailNS, f.DetailType, f.XSIType, detail)
	}
	if f.ExceptionCode != code {
		t.Errorf("%s: exceptionCode %q, want %q", r.name, f.ExceptionCode, code)
	}
	if f.String != code+": "+f.Message {
		t.Errorf("%s: faultstring %q is not %q + exceptionMessage %q", r.name, f.String, code+": ", f.Message)
	}
	return f
}

// nsOf resolves a prefix declared on the envelope element, where Salesforce
// declares every namespace it uses.
func (r *reply) nsOf(prefix string) string {
	for _, a := range r.root.Attrs {
		if (a.Name.Space == "xmlns" && a.Name.Local == prefix) || (prefix == "" && a.Name.Space == "" && a.Name.Local == "xmlns") {
			return a.Value
		}
	}
	// encoding/xml reports declarations on nested elements too; look there.
	var found string
	var walk func(e *elem)
	walk = func(e *elem) {
		for _, a := range e.Attrs {
			if found == "" && a.Name.Space == "xmlns" && a.Name.Local == prefix {
				found = a.Value
			}
		}
		for i := range e.Kids {
			walk(&e.Kids[i])
		}
	}
	walk(r.root)
	return found
}

// elem is a generic XML element, for reading values out of answers.
type elem struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []elem     `xml:",any"`
}

func parseElem(b []byte) (*elem, error) {
	var e elem
	if err := xml.Unmarshal(b, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

// child returns the first child with the local name, or an empty element.
func (e *elem) child(local string) *elem {
	if e == nil {
		return &elem{}
	}
	for i := range e.Kids {
		if e.Kids[i].XMLName.Local == local {
			return &e.Kids[i]
		}
	}
	return &elem{}
}

// path walks down by local names, each step the first match; nil if absent.
func (e *elem) path(locals ...string) *elem {
	cur := e
	for _, l := range locals {
		var next *elem
		for i := range cur.Kids {
			if cur.Kids[i].XMLName.Local == l {
				next = &cur.Kids[i]
				break
			}
		}
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// all returns the children with the local name.
func (e *elem) all(local string) []*elem {
	if e == nil {
		return nil
	}
	var out []*elem
	for i := range e.Kids {
		if e.Kids[i].XMLName.Local == local {
			out = append(out, &e.Kids[i])
		}
	}
	return out
}

func (e *elem) attr(space, local string) string {
	for _, a := range e.Attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func (e *elem) isNil() bool { return e.attr(conformance.NSXSI, "nil") == "true" }

func xmlEscape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) //nolint:errcheck // strings.Builder cannot fail
	return b.String()
}

// sobject writes one sObject element's content: type, then fields.
func sobject(typ string, fields ...string) string {
	var b strings.Builder
	b.WriteString("<urn1:type>" + typ + "</urn1:type>")
	for i := 0; i+1 < len(fields); i += 2 {
		fmt.Fprintf(&b, "<urn1:%s>%s</urn1:%s>", fields[i], xmlEscape(fields[i+1]), fields[i])
	}
	return b.String()
}

// create makes records and returns their ids, failing the test on any
// per-record error.
func (s *sim) create(t testing.TB, records ...string) []string {
	t.Helper()
	var body strings.Builder
	body.WriteString("<urn:create>")
	for _, r := range records {
		body.WriteString("<urn:sObjects>" + r + "</urn:sObjects>")
	}
	body.WriteString("</urn:create>")
	rep := s.call("create (setup)", "", body.String())
	rep.wantOK(t)
	var ids []string
	for _, res := range rep.root.path("Body", "createResponse").all("result") {
		if res.child("success").Text != "true" {
			t.Fatalf("setup create failed: %s", rep.body)
		}
		ids = append(ids, res.child("id").Text)
	}
	if len(ids) != len(records) {
		t.Fatalf("setup create: %d results for %d records", len(ids), len(records))
	}
	return ids
}

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

type clock = fakeclock.Clock

func newClock() *clock { return fakeclock.New(time.Now().UTC().Truncate(time.Second)) }
