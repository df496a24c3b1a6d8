package salesforce

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeReq is one request the fake Salesforce received.
type fakeReq struct {
	op      string // local name of the Body entry
	session string // SessionHeader/sessionId
	header  http.Header
	body    []byte // the envelope, decompressed
	gzipped bool
}

// fakeSF is an httptest server standing in for Salesforce in unit tests:
// it records every envelope and answers with respond. It reads requests
// with encoding/xml, independently of the client's own code.
type fakeSF struct {
	t       *testing.T
	srv     *httptest.Server
	mu      sync.Mutex
	reqs    []fakeReq
	respond func(r fakeReq, n int) (status int, body string)
	gzipOut bool
}

func newFakeSF(t *testing.T, respond func(r fakeReq, n int) (int, string)) *fakeSF {
	t.Helper()
	f := &fakeSF{t: t, respond: respond}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeSF) serve(w http.ResponseWriter, r *http.Request) {
	var rd io.Reader = r.Body
	gz := r.Header.Get("Content-Encoding") == "gzip"
	if gz {
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		rd = zr
	}
	body, err := io.ReadAll(rd)
	if err != nil {
		http.Error(w, err.Error(), 400)
		return
	}
	req := fakeReq{header: r.Header.Clone(), body: body, gzipped: gz}
	req.op, req.session = parseRequest(body)
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	n := len(f.reqs)
	f.mu.Unlock()
	status, answer := f.respond(req, n)
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	if f.gzipOut && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(status)
		zw := gzip.NewWriter(w)
		io.WriteString(zw, answer)
		zw.Close()
		return
	}
	w.WriteHeader(status)
	io.WriteString(w, answer)
}

// parseRequest finds the Body entry's name and the session id.
func parseRequest(body []byte) (op, session string) {
	d := xml.NewDecoder(bytes.NewReader(body))
	var path []string
	for {
		tok, err := d.Token()
		if err != nil {
			return op, session
		}
		switch t := tok.(type) {
		case xml.StartElement:
			path = append(path, t.Name.Local)
			if len(path) == 3 && path[1] == "Body" && op == "" {
				op = t.Name.Local
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) == 4 && path[2] == "SessionHeader" && path[3] == "sessionId" {
				session = string(t)
			}
		}
	}
}

func (f *fakeSF) requests() []fakeReq {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeReq(nil), f.reqs...)
}

// answer wraps a response element in an envelope with a LimitInfoHeader.
func answer(op, inner string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com">` +
		`<soapenv:Header><LimitInfoHeader><limitInfo><current>17</current><limit>15000</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>` +
		`<soapenv:Body><` + op + `Response>` + inner + `</` + op + `Response></soapenv:Body></soapenv:Envelope>`
}

// faultAnswer is a Salesforce fault as real answers carry it.
func faultAnswer(code, faultType, msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>sf:` + code + `</faultcode><faultstring>` + code + `: ` + msg + `</faultstring><detail><sf:` + faultType + ` xsi:type="sf:` + faultType + `">` +
		`<sf:exceptionCode>` + code + `</sf:exceptionCode><sf:exceptionMessage>` + msg + `</sf:exceptionMessage></sf:` + faultType + `></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
}

// sessions is a SessionSource for tests: Invalidate replaces the current
// session only when handed the current one, like the session manager.
type sessions struct {
	mu          sync.Mutex
	instance    string
	gen         int
	invalidated []string
}

func (s *sessions) current() Session {
	return Session{ID: Secret(fmt.Sprintf("00Dxx0000001gPF!SECRET-%d", s.gen)), InstanceURL: s.instance, Obtained: time.Now()}
}

func (s *sessions) Session(ctx context.Context) (Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.current(), nil
}

func (s *sessions) Invalidate(ctx context.Context, sess Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, sess.ID.Reveal())
	if sess.ID == s.current().ID {
		s.gen++
	}
	return nil
}

// fastRetry retries quickly so tests stay fast.
var fastRetry = RetryPolicy{MaxAttempts: 4, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond, BudgetRatio: 1, BudgetFloorPerSecond: 100, BudgetMax: 1000}

func newTestClient(t *testing.T, f *fakeSF, mod func(*Config)) (*Client, *sessions) {
	t.Helper()
	ss := &sessions{instance: f.srv.URL}
	cfg := Config{Sessions: ss, Retry: fastRetry, GzipRequestsAbove: -1}
	if mod != nil {
		mod(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, ss
}
