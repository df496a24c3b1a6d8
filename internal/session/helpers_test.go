package session

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/testutil/fakeclock"
)

type fakeClock = fakeclock.Clock

func newClock() *fakeClock { return fakeclock.New(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)) }

// tokenServer is a fake Salesforce login host: the OAuth token endpoint and
// the version list, with a counter and a programmable failure.
type tokenServer struct {
	*httptest.Server
	grants   atomic.Int64
	mu       sync.Mutex
	fail     string // OAuth error code to answer with, "" for success
	failDesc string
	status   int           // HTTP status of failures (default 400)
	delay    time.Duration // before answering, to widen race windows
	lastForm url.Values
	versions []string
}

func newTokenServer(t *testing.T) *tokenServer {
	t.Helper()
	ts := &tokenServer{versions: []string{"58.0", "64.0", "66.0"}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /services/oauth2/token", ts.token)
	mux.HandleFunc("GET /services/data/", func(w http.ResponseWriter, r *http.Request) {
		var list []map[string]string
		for _, v := range ts.versions {
			list = append(list, map[string]string{"label": "x", "url": "/services/data/v" + v, "version": v})
		}
		_ = json.NewEncoder(w).Encode(list)
	})
	ts.Server = httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	return ts
}

func (ts *tokenServer) setFail(code, desc string, status int) {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	ts.fail, ts.failDesc, ts.status = code, desc, status
}

func (ts *tokenServer) form() url.Values {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.lastForm
}

func (ts *tokenServer) token(w http.ResponseWriter, r *http.Request) {
	n := ts.grants.Add(1)
	_ = r.ParseForm()
	ts.mu.Lock()
	ts.lastForm = r.PostForm
	fail, desc, status, delay := ts.fail, ts.failDesc, ts.status, ts.delay
	ts.mu.Unlock()
	time.Sleep(delay)
	w.Header().Set("Content-Type", "application/json")
	if fail != "" {
		if status == 0 {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": fail, "error_description": desc})
		return
	}
	_ = json.NewEncoder(w).Encode(map[string]string{
		"access_token": fmt.Sprintf("00D000000000001!AQ.secret-token-%d", n),
		"instance_url": ts.URL,
		"id":           ts.URL + "/id/00D000000000001AAA/005000000000001AAA",
		"token_type":   "Bearer",
		"issued_at":    "1764500000000",
	})
}

// downStore wraps a Store and fails every call while down is set, the way
// cache.Redis fails when Redis is unreachable.
type downStore struct {
	cache.Store
	down atomic.Bool
}

func (d *downStore) err() error {
	if d.down.Load() {
		return fmt.Errorf("redis: dial tcp: connection refused: %w", cache.ErrUnavailable)
	}
	return nil
}

func (d *downStore) Get(ctx context.Context, k string) ([]byte, error) {
	if err := d.err(); err != nil {
		return nil, err
	}
	return d.Store.Get(ctx, k)
}

func (d *downStore) Set(ctx context.Context, k string, v []byte, ttl time.Duration) error {
	if err := d.err(); err != nil {
		return err
	}
	return d.Store.Set(ctx, k, v, ttl)
}

func (d *downStore) SetNX(ctx context.Context, k string, v []byte, ttl time.Duration) (bool, error) {
	if err := d.err(); err != nil {
		return false, err
	}
	return d.Store.SetNX(ctx, k, v, ttl)
}

func (d *downStore) CompareAndDelete(ctx context.Context, k string, v []byte) (bool, error) {
	if err := d.err(); err != nil {
		return false, err
	}
	return d.Store.CompareAndDelete(ctx, k, v)
}

func testKeys(t *testing.T) *Keyring {
	t.Helper()
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	kr, err := NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

var (
	rsaOnce sync.Once
	rsaKey  *rsa.PrivateKey
)

func testRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	rsaOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		rsaKey = k
	})
	return rsaKey
}

// ccConfig is a client-credentials configuration against ts.
func ccConfig(ts *tokenServer, clk *fakeClock) Config {
	return Config{
		Name:         "t",
		LoginURL:     ts.URL,
		ClientID:     "3MVG9client",
		ClientSecret: salesforce.Secret("very-secret-client-secret"),
		Now:          clk.Now,
		LockPoll:     2 * time.Millisecond,
	}
}

func mustNew(t *testing.T, cfg Config) *Manager {
	t.Helper()
	m, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return m
}

func assertNoSecret(t *testing.T, s string, secrets ...string) {
	t.Helper()
	for _, sec := range secrets {
		if sec != "" && strings.Contains(s, sec) {
			t.Errorf("%q contains a secret", s)
		}
	}
}
