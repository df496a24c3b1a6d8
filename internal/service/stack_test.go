package service

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/session"
	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// stack is the whole engine of one gateway against an emulated org served
// over real HTTP, with the describe cache on the real shared Redis under a
// prefix of the test's own.
type stack struct {
	svc    *Service
	client *salesforce.Client
	meta   *metadata.Service
	simURL string
}

const testConnection = "svc-test"

func newStack(t testing.TB, seedAccounts int) *stack {
	t.Helper()
	org, err := sfsim.New(sfsim.Config{SeedAccounts: seedAccounts})
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := org.Start(context.WithoutCancel(t.Context()), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return newStackAt(t, url)
}

// newStackAt builds the engine against an org at url.
func newStackAt(t testing.TB, url string) *stack {
	t.Helper()
	addr, prefix := redistest.Shared(t)
	r, err := cache.OpenRedis("redis://"+addr, cache.RedisOptions{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	tiered := cache.NewTiered(cache.TieredOptions{Shared: r})
	if err := tiered.Start(context.WithoutCancel(t.Context())); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tiered.Close() })
	mgr, err := session.New(session.Config{
		Name: testConnection, LoginURL: url, ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret,
		APIVersion: "58.0",
	})
	if err != nil {
		t.Fatal(err)
	}
	client, err := salesforce.New(salesforce.Config{Sessions: mgr, APIVersion: "58.0"})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := metadata.New(metadata.Config{Connection: testConnection, Client: client, Cache: tiered})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := New(Config{Client: client, Metadata: meta, Connection: testConnection})
	if err != nil {
		t.Fatal(err)
	}
	return &stack{svc: svc, client: client, meta: meta, simURL: url}
}

// calls returns sfsim's SOAP call counts.
func (st *stack) calls(t testing.TB) map[string]int64 {
	t.Helper()
	resp, err := http.Get(st.simURL + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Calls map[string]int64 `json:"calls"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	return body.Calls
}

// control posts to sfsim's control API and fails unless it answers 2xx.
func (st *stack) control(t testing.TB, path string, body any) {
	t.Helper()
	b, _ := json.Marshal(body)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, st.simURL+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST %s: %d %s", path, resp.StatusCode, msg)
	}
}

// rec decodes a JSON object the way the handlers do (numbers as
// json.Number).
func rec(t testing.TB, s string) Record {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	var r Record
	if err := dec.Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}
