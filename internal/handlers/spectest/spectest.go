// Package spectest checks, in tests, that every answer the gateway gives
// matches api/openapi.yaml: status, headers and body, with
// openapi3filter.ValidateResponse. NDJSON streams are checked line by line
// against the media type's schema (one record per line).
package spectest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/sfgate/sfgate/api"
)

var registerOnce sync.Once

// registerDecoders teaches kin-openapi the gateway's non-JSON answers.
func registerDecoders() {
	registerOnce.Do(func() {
		openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
		openapi3filter.RegisterBodyDecoder("application/javascript", openapi3filter.PlainBodyDecoder)
	})
}

// Checker validates answers against the embedded document.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
	name   string // how errors name the document
}

// New loads the embedded document (servers dropped, so any host matches).
func New(t testing.TB) *Checker {
	t.Helper()
	registerDecoders()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatalf("load api/openapi.yaml: %v", err)
	}
	c := NewFor(t, doc)
	c.name = "api/openapi.yaml"
	return c
}

// NewFor checks answers against doc (servers dropped) instead: the
// org-typed document, for one.
func NewFor(t testing.TB, doc *openapi3.T) *Checker {
	t.Helper()
	registerDecoders()
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatalf("router over the document: %v", err)
	}
	return &Checker{doc: doc, router: router, name: "the document"}
}

// Check validates one answer to req. body is the answer's whole body.
func (c *Checker) Check(req *http.Request, status int, header http.Header, body []byte) error {
	// Route on the path as sent, so an encoded "/" inside a parameter
	// stays inside it.
	routed := req.Clone(req.Context())
	routed.URL.Path = req.URL.EscapedPath()
	routed.URL.RawPath = ""
	route, params, err := c.router.FindRoute(routed)
	if err != nil {
		// No operation: the gateway's 404/405 must still be a problem.
		return c.checkProblem(req, status, header, body)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: status,
		Header: header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
		},
	}
	ct := header.Get("Content-Type")
	ndjson := strings.HasPrefix(ct, "application/x-ndjson")
	if ndjson {
		in.Options.ExcludeResponseBody = true
	}
	if err := openapi3filter.ValidateResponse(req.Context(), in); err != nil {
		return fmt.Errorf("%s %s → %d %s does not match %s: %w", req.Method, req.URL.Path, status, ct, c.name, err)
	}
	if ndjson {
		return c.checkNDJSON(route, status, body)
	}
	return nil
}

// checkProblem validates an answer to a request no operation matches: it
// must be a 404 or 405 problem+json document.
func (c *Checker) checkProblem(req *http.Request, status int, header http.Header, body []byte) error {
	if status != http.StatusNotFound && status != http.StatusMethodNotAllowed {
		return fmt.Errorf("%s %s matches no operation yet answered %d", req.Method, req.URL.Path, status)
	}
	if ct := header.Get("Content-Type"); ct != "application/problem+json" {
		return fmt.Errorf("%s %s → %d with Content-Type %q, want application/problem+json", req.Method, req.URL.Path, status, ct)
	}
	ref := c.doc.Components.Schemas["Problem"]
	if ref == nil || ref.Value == nil {
		return fmt.Errorf("%s has no Problem schema", c.name)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%s %s → %d: body is not JSON: %w", req.Method, req.URL.Path, status, err)
	}
	if err := ref.Value.VisitJSON(v); err != nil {
		return fmt.Errorf("%s %s → %d: not a Problem: %w", req.Method, req.URL.Path, status, err)
	}
	return nil
}

func (c *Checker) checkNDJSON(route *routers.Route, status int, body []byte) error {
	resp := route.Operation.Responses.Status(status)
	if resp == nil || resp.Value == nil {
		return fmt.Errorf("%s: no %d answer declared", route.Path, status)
	}
	mt := resp.Value.Content.Get("application/x-ndjson")
	if mt == nil {
		// A JSON query operation streams, when Accept asks, the answer of
		// the twin it names.
		mt = c.twinStream(route, status)
	}
	if mt == nil || mt.Schema == nil {
		return fmt.Errorf("%s: %d has no application/x-ndjson schema", route.Path, status)
	}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var v any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			return fmt.Errorf("%s: NDJSON line %d is not JSON: %w", route.Path, n, err)
		}
		if err := mt.Schema.Value.VisitJSON(v); err != nil {
			return fmt.Errorf("%s: NDJSON line %d: %w", route.Path, n, err)
		}
	}
	return sc.Err()
}

// twinStream is the NDJSON media type of the status answer of the stream
// operation route's operation names as its twin (x-ndjson-operation), or
// nil.
func (c *Checker) twinStream(route *routers.Route, status int) *openapi3.MediaType {
	id, _ := route.Operation.Extensions["x-ndjson-operation"].(string)
	if id == "" {
		return nil
	}
	for _, item := range c.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != id {
				continue
			}
			if resp := op.Responses.Status(status); resp != nil && resp.Value != nil {
				return resp.Value.Content.Get("application/x-ndjson")
			}
		}
	}
	return nil
}

// Transport wraps base so that every answer is validated; a mismatch fails
// t. The body stays readable by the caller.
func (c *Checker) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return roundTripper(func(req *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		if err := c.Check(req, resp.StatusCode, resp.Header, body); err != nil {
			t.Errorf("answer breaks the spec: %v\nbody: %.2000s", err, body)
		}
		return resp, nil
	})
}

// Client returns an http.Client whose every answer is validated.
func (c *Checker) Client(t testing.TB) *http.Client {
	return &http.Client{Transport: c.Transport(t, nil)}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
