package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"sync"
	"testing"
)

// front is a test upstream between the gateway and sfsim, over real HTTP:
// it passes every call on to sfsim, keeping the Host header so that the
// instance and server URLs sfsim hands out point back at the front (sfsim
// builds them from the Host it was reached on); it records the SOAP
// envelopes the gateway sends; and it answers the operations a test arms
// with a replayed envelope instead, for what sfsim does not do (a
// duplicate rule, a concurrent-request limit, an unrounded number).
type front struct {
	mu      sync.Mutex
	replies map[string]reply // by SOAP operation (the Body entry's local name)
	sent    map[string][]string
}

type reply struct {
	status int
	body   string
}

// soapOp finds the local name of a SOAP Body's first element.
var soapOp = regexp.MustCompile(`<(?:[A-Za-z0-9_]+:)?Body[^>]*>\s*<(?:[A-Za-z0-9_]+:)?([A-Za-z]+)`)

// start serves the front in front of simURL and returns its URL.
func (f *front) start(t *testing.T, simURL string) string {
	t.Helper()
	target, err := url.Parse(simURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(target)
		r.Out.Host = r.In.Host
	}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(raw))
		env := raw
		if r.Header.Get("Content-Encoding") == "gzip" {
			if zr, err := gzip.NewReader(bytes.NewReader(raw)); err == nil {
				env, _ = io.ReadAll(zr)
			}
		}
		var op string
		if m := soapOp.FindSubmatch(env); m != nil {
			op = string(m[1])
		}
		f.mu.Lock()
		if f.sent == nil {
			f.sent = map[string][]string{}
		}
		f.sent[op] = append(f.sent[op], string(env))
		rep, armed := f.replies[op]
		f.mu.Unlock()
		if !armed {
			proxy.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/xml; charset=utf-8")
		w.WriteHeader(rep.status)
		_, _ = io.WriteString(w, rep.body)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// arm answers every later call of op with body and status, until disarm.
func (f *front) arm(op string, status int, body string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.replies == nil {
		f.replies = map[string]reply{}
	}
	f.replies[op] = reply{status: status, body: body}
}

func (f *front) disarm(op string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.replies, op)
}

// last returns the last envelope of op the gateway sent.
func (f *front) last(op string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if s := f.sent[op]; len(s) > 0 {
		return s[len(s)-1]
	}
	return ""
}

// sentOf returns every envelope of op the gateway sent.
func (f *front) sentOf(op string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.sent[op]...)
}
