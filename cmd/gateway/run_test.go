package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/handlers/spectest"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// logWriter collects run's log lines and reports the listen address.
type logWriter struct {
	mu    sync.Mutex
	lines []string
	addr  chan string
	part  strings.Builder
}

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.part.Write(p)
	s := w.part.String()
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		line := s[:i]
		s = s[i+1:]
		w.lines = append(w.lines, line)
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil && strings.HasPrefix(fmt.Sprint(m["message"]), "gateway listening on") {
			w.addr <- m["addr"].(string)
		}
	}
	w.part.Reset()
	w.part.WriteString(s)
	return len(p), nil
}

func (w *logWriter) text() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.lines, "\n")
}

// boot starts run on 127.0.0.1:0 and returns its base URL, the log, and a
// stop function that waits for run to return and reports its error.
func boot(t *testing.T, args []string, env map[string]string) (string, *logWriter, func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	lw := &logWriter{addr: make(chan string, 1)}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), envFrom(env), lw) }()
	select {
	case addr := <-lw.addr:
		var once sync.Once
		var runErr error
		stop := func() error {
			once.Do(func() { cancel(); runErr = <-done })
			return runErr
		}
		t.Cleanup(func() { _ = stop() })
		return "http://" + addr, lw, stop
	case err := <-done:
		cancel()
		t.Fatalf("run returned before listening: %v\n%s", err, lw.text())
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("run did not start listening in 30s\n%s", lw.text())
	}
	return "", nil, nil
}

func TestRunDemoServesTheOperationalEndpoints(t *testing.T) {
	t.Parallel()
	base, logs, stop := boot(t, []string{"--demo"}, map[string]string{})
	client := spectest.New(t).Client(t)
	tests := []struct {
		path, wantType, wantIn string
	}{
		{"/healthz", "application/json", `"status":"ok"`},
		{"/readyz", "application/json", `"redis":"disabled"`},
		{"/openapi.yaml", "application/yaml", "openapi: 3.0.3"},
		{"/docs", "text/html; charset=utf-8", "/docs/redoc.standalone.js"},
		{"/docs/redoc.standalone.js", "application/javascript", "redoc"},
		{"/v1/sobjects/Account", "application/json", `"name":"Account"`},
		{"/v1/sobjects?custom=true", "application/json", `"Invoice__c"`},
		{"/v1/sobjects/NoSuch__c", "application/problem+json", `"code":"NOT_FOUND"`},
		{"/v1/limits", "application/json", `"API REQUESTS"`},
		{"/metrics", "text/plain; version=0.0.4; charset=utf-8; escaping=underscores", `sfgate_http_requests_total{method="GET",route="/v1/sobjects/{sobject}",status="200"} 1`},
	}
	for _, tt := range tests {
		resp, err := client.Get(base + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); ct != tt.wantType {
			t.Errorf("GET %s: Content-Type %q, want %q", tt.path, ct, tt.wantType)
		}
		if !strings.Contains(string(b), tt.wantIn) {
			t.Errorf("GET %s: %d body lacks %s: %.300s", tt.path, resp.StatusCode, tt.wantIn, b)
		}
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
	text := logs.text()
	for _, want := range []string{`"message":"configuration"`, `"message":"demo mode`, `"message":"stopped"`} {
		if !strings.Contains(text, want) {
			t.Errorf("log lacks %s", want)
		}
	}
	if strings.Contains(text, "sfsim-secret") {
		t.Error("the log shows the demo client secret")
	}
}

// TestRunWithRedis boots --demo over the shared Redis under a key prefix of
// the test's own (REDIS_KEY_PREFIX): the gateway reports Redis ready, and
// the session it stores there carries the prefix, so nothing it writes
// outlives the test.
func TestRunWithRedis(t *testing.T) {
	t.Parallel()
	addr, prefix := redistest.Shared(t)
	key := base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	base, _, stop := boot(t, []string{"--demo"}, map[string]string{
		"REDIS_URL": "redis://" + addr + "/0", "REDIS_KEY_PREFIX": prefix, "CACHE_ENCRYPTION_KEY": key,
	})
	resp, err := spectest.New(t).Client(t).Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"redis":"ok"`) {
		t.Fatalf("readyz %d %s", resp.StatusCode, b)
	}
	if keys := redistest.Keys(t, addr, prefix); !slices.Contains(keys, prefix+"sfgate:{default}:session") {
		t.Errorf("keys under REDIS_KEY_PREFIX %s: %v, want the session", prefix, keys)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
}

// TestRunDrainsOnShutdown checks that a request in flight when ctx ends
// still completes before run returns.
func TestRunDrainsOnShutdown(t *testing.T) {
	t.Parallel()
	base, _, stop := boot(t, []string{"--demo", "-shutdown-timeout", "5s"}, map[string]string{})
	// Hold a connection with a slow request: a body trickled in.
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"sobject":"Account"}`
	fmt.Fprintf(conn, "POST /v1/admin/cache/invalidate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(body), body[:5])
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(200 * time.Millisecond)
	fmt.Fprint(conn, body[5:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request lost during shutdown: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"invalidated":"Account"`) {
		t.Fatalf("in-flight request: %d %s", resp.StatusCode, b)
	}
	if err := <-stopped; err != nil {
		t.Fatalf("run: %v", err)
	}
}

func TestRunRefusesBadConfiguration(t *testing.T) {
	t.Parallel()
	err := run(t.Context(), []string{"-addr", "127.0.0.1:0"}, envFrom(map[string]string{"SF_API_VERSION": "29.0"}), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "no Salesforce credentials") || !strings.Contains(err.Error(), "SF_API_VERSION") {
		t.Fatalf("run = %v", err)
	}
}

// TestRunDemoRecordRoundTrip drives the records and query endpoints of a
// --demo gateway, every answer checked against the document.
func TestRunDemoRecordRoundTrip(t *testing.T) {
	t.Parallel()
	base, _, _ := boot(t, []string{"--demo"}, map[string]string{})
	client := spectest.New(t).Client(t)
	call := func(method, path, body string, hdr ...string) (int, string) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}

	status, body := call("POST", "/v1/sobjects/Account/records", `{"Name":"Round Trip Ltd","AnnualRevenue":1234567}`)
	if status != 201 {
		t.Fatalf("create: %d %s", status, body)
	}
	var created struct{ ID string }
	if err := json.Unmarshal([]byte(body), &created); err != nil || created.ID == "" {
		t.Fatalf("create answer %s", body)
	}
	if status, body = call("GET", "/v1/sobjects/Account/records/"+created.ID+"?fields=Id,Name,AnnualRevenue", ""); status != 200 || !strings.Contains(body, `"Round Trip Ltd"`) {
		t.Fatalf("get: %d %s", status, body)
	}
	if status, body = call("PATCH", "/v1/sobjects/Account/records/"+created.ID, `{"Name":"Round Trip plc"}`); status != 204 {
		t.Fatalf("update: %d %s", status, body)
	}
	if status, body = call("POST", "/v1/query", `{"soql":"SELECT Id, Name FROM Account WHERE Name = 'Round Trip plc'"}`); status != 200 || !strings.Contains(body, `"totalSize":1`) {
		t.Fatalf("query: %d %s", status, body)
	}
	if status, body = call("POST", "/v1/sobjects/Account/query", `{"fields":["Id","Name"],"where":{"field":"Name","op":"like","value":"Round%"}}`, "Accept", "application/x-ndjson"); status != 200 || strings.Count(body, "\n") != 1 {
		t.Fatalf("stream: %d %s", status, body)
	}
	if status, body = call("POST", "/v1/sobjects/Account/records", `{"Nope__c":1}`); status < 400 || status > 499 || !strings.Contains(body, "Nope__c") {
		t.Fatalf("unknown field: %d %s", status, body)
	}
	if status, body = call("DELETE", "/v1/sobjects/Account/records/"+created.ID, ""); status != 204 {
		t.Fatalf("delete: %d %s", status, body)
	}
	if status, body = call("GET", "/v1/sobjects/Account/records/"+created.ID, ""); status != 404 {
		t.Fatalf("get after delete: %d %s", status, body)
	}
}
