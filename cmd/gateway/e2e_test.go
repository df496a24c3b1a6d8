package main

// End-to-end harness: the whole program (run) on a loopback port, against
// an in-process sfsim over real HTTP and the real Redis, with every answer a
// test sees validated against api/openapi.yaml. docs/e2e.md says what each
// test proves.

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	mathrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/e2eclient"
	"github.com/sfgate/sfgate/internal/handlers/spectest"
	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// stack is one gateway process-in-a-goroutine with its own emulated org and
// its own Redis key prefix.
type stack struct {
	base    string // the gateway, http://127.0.0.1:port
	sim     *sfsim.Server
	simURL  string
	checker *spectest.Checker
	tr      *http.Transport
	logs    *e2eLog
	// cursorKey signs the gateway's cursors (GATEWAY_CURSOR_KEY), so the
	// cursor tests can re-sign a cursor with another key.
	cursorKey []byte
	encKey    []byte // CACHE_ENCRYPTION_KEY
	// redisAddr and redisPrefix are the shared Redis and the stack's
	// REDIS_KEY_PREFIX there (redistest.Shared).
	redisAddr, redisPrefix string
	// cov, when set, records which operations answered what.
	cov *coverage
}

type stackOptions struct {
	seedAccounts int               // sfsim.Config.SeedAccounts (0: the default 50)
	env          map[string]string // extra gateway environment
	// replicaOf, when set, makes the new gateway a replica of that stack:
	// the same org, Redis prefix and keys.
	replicaOf *stack
	// front, when set, stands between the gateway and sfsim (see
	// e2e_upstream_test.go): it records what the gateway sends and
	// replays the envelopes a test arms.
	front *front
}

// startStack boots sfsim and run, and registers their shutdown; run's error
// on the way out fails the test.
func startStack(t *testing.T, o stackOptions) *stack {
	t.Helper()
	var (
		sim            *sfsim.Server
		simURL         string
		redisAddr      string
		redisPrefix    string
		cursorKey, enc []byte
	)
	if r := o.replicaOf; r != nil {
		sim, simURL, redisAddr, redisPrefix, cursorKey, enc = r.sim, r.simURL, r.redisAddr, r.redisPrefix, r.cursorKey, r.encKey
	} else {
		var err error
		if sim, err = sfsim.New(sfsim.Config{SeedAccounts: o.seedAccounts}); err != nil {
			t.Fatalf("sfsim: %v", err)
		}
		var stopSim func()
		if simURL, stopSim, err = sim.Start(context.WithoutCancel(t.Context()), "127.0.0.1:0"); err != nil {
			t.Fatalf("sfsim: %v", err)
		}
		t.Cleanup(stopSim)
		// Each stack's keys and invalidation channels live under a prefix
		// of its own (REDIS_KEY_PREFIX), deleted when the test ends.
		redisAddr, redisPrefix = redistest.Shared(t)
		cursorKey, enc = randomBytes(t, 32), randomBytes(t, 32)
	}
	upstream := simURL
	if o.front != nil {
		upstream = o.front.start(t, simURL)
	}
	addr, logs := bootGateway(t, upstream, redisAddr, redisPrefix, enc, cursorKey, o.env)
	s := &stack{
		base: "http://" + addr, sim: sim, simURL: simURL, checker: spectest.New(t),
		tr: &http.Transport{MaxIdleConnsPerHost: 16}, logs: logs, cursorKey: cursorKey,
		encKey: enc, redisAddr: redisAddr, redisPrefix: redisPrefix,
	}
	t.Cleanup(s.tr.CloseIdleConnections)
	return s
}

// bootGateway runs the program (run, as main does) against the emulator at
// simURL with database 0 of the Redis at redisAddr under the key prefix
// redisPrefix and the given keys, plus extra environment, waits until it
// listens, and returns its address and log. Its clean-up, registered after
// the prefix's, runs before it: the gateway stops writing keys before they
// are deleted; run's error on the way out fails tb.
func bootGateway(tb testing.TB, simURL, redisAddr, redisPrefix string, encKey, cursorKey []byte, extra map[string]string) (string, *e2eLog) {
	tb.Helper()
	env := map[string]string{
		"GATEWAY_ADDR":         "127.0.0.1:0",
		"SF_LOGIN_URL":         simURL,
		"SF_CLIENT_ID":         sfsim.DemoClientID,
		"SF_CLIENT_SECRET":     sfsim.DemoClientSecret,
		"REDIS_URL":            "redis://" + redisAddr + "/0",
		"REDIS_KEY_PREFIX":     redisPrefix,
		"CACHE_ENCRYPTION_KEY": base64.StdEncoding.EncodeToString(encKey),
		"GATEWAY_CURSOR_KEY":   base64.StdEncoding.EncodeToString(cursorKey),
		// The tests send hundreds of requests a second from one address.
		"GATEWAY_RATE_LIMIT": "0",
		"LOG_LEVEL":          "info",
	}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.WithoutCancel(tb.Context()))
	logs := &e2eLog{addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, nil, func(k string) string { return env[k] }, logs) }()
	var addr string
	select {
	case addr = <-logs.addr:
	case err := <-done:
		cancel()
		tb.Fatalf("run returned before listening: %v\n%s", err, logs.tail())
	case <-time.After(30 * time.Second):
		cancel()
		tb.Fatalf("run did not listen within 30s\n%s", logs.tail())
	}
	tb.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				tb.Errorf("run: %v", err)
			}
		case <-time.After(30 * time.Second):
			tb.Errorf("run did not return within 30s of its context ending")
		}
	})
	return addr, logs
}

// client returns an HTTP client whose every answer is validated against
// api/openapi.yaml (status, headers, body; problem+json; NDJSON line by
// line); a mismatch fails t.
func (s *stack) client(t *testing.T) *http.Client {
	var base http.RoundTripper = s.tr
	if s.cov != nil {
		base = s.cov.wrap(base)
	}
	return &http.Client{Transport: s.checker.Transport(t, base), Timeout: 60 * time.Second}
}

// gen returns the oapi-codegen client over the validating HTTP client.
func (s *stack) gen(t *testing.T) *e2eclient.ClientWithResponses {
	t.Helper()
	c, err := e2eclient.NewClientWithResponses(s.base, e2eclient.WithHTTPClient(s.client(t)))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is one response, body read.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) String() string {
	return fmt.Sprintf("%d %s %.1500s", a.status, a.header.Get("Content-Type"), a.body)
}

// json decodes the body (numbers as json.Number) or fails t.
func (a answer) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(a.body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("answer is not a JSON object: %v: %s", err, a)
	}
	return m
}

// do sends one request through the validating client. body may be a string
// or []byte (sent as is) or anything else (marshalled); hdr are header
// name/value pairs; Content-Type defaults to application/json with a body.
func (s *stack) do(t *testing.T, method, path string, body any, hdr ...string) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := s.client(t).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}
}

// simStats returns sfsim's SOAP call counts by operation.
func (s *stack) simStats(t *testing.T) map[string]int64 {
	t.Helper()
	var out struct {
		Calls map[string]int64 `json:"calls"`
	}
	s.simCall(t, http.MethodGet, "/_sim/stats", nil, &out)
	return out.Calls
}

// simCall calls sfsim's control API; anything but 2xx fails t.
func (s *stack) simCall(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, s.simURL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("sfsim %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("sfsim %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("sfsim %s %s: %v: %s", method, path, err, b)
		}
	}
}

// soqlAll runs SOQL through the gateway, following every cursor, and
// returns all records.
func (s *stack) soqlAll(t *testing.T, soql string) []map[string]any {
	t.Helper()
	a := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": soql})
	var recs []map[string]any
	for {
		if a.status != http.StatusOK {
			t.Fatalf("query %q: %s", soql, a)
		}
		var page struct {
			Done       bool             `json:"done"`
			Records    []map[string]any `json:"records"`
			NextCursor string           `json:"nextCursor"`
		}
		dec := json.NewDecoder(bytes.NewReader(a.body))
		dec.UseNumber()
		if err := dec.Decode(&page); err != nil {
			t.Fatalf("query %q: %v", soql, err)
		}
		recs = append(recs, page.Records...)
		if page.Done {
			return recs
		}
		a = s.do(t, http.MethodGet, "/v1/query/"+page.NextCursor, nil)
	}
}

// e2eLog collects run's log lines (the last few hundred, for failure
// messages) and reports the address from "gateway listening on".
type e2eLog struct {
	mu    sync.Mutex
	part  []byte
	lines []string
	addr  chan string
	sent  bool
}

const e2eLogKeep = 300

func (w *e2eLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.part = append(w.part, p...)
	for {
		i := bytes.IndexByte(w.part, '\n')
		if i < 0 {
			break
		}
		line := string(w.part[:i])
		w.part = w.part[i+1:]
		if len(w.lines) == e2eLogKeep {
			w.lines = w.lines[1:]
		}
		w.lines = append(w.lines, line)
		if !w.sent && strings.Contains(line, "gateway listening on") {
			var m struct {
				Addr string `json:"addr"`
			}
			if json.Unmarshal([]byte(line), &m) == nil && m.Addr != "" {
				w.sent = true
				w.addr <- m.Addr
			}
		}
	}
	return len(p), nil
}

func (w *e2eLog) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

func randomBytes(t testing.TB, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// uniq returns a name unique to this run, for records a test creates.
func uniq(prefix string) string {
	return fmt.Sprintf("%s %010x", prefix, mathrand.Uint64()>>24)
}
