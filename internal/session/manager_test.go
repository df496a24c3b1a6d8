package session

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func TestNewRefusesBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"no credentials", Config{Name: "c"}, "no credentials"},
		{"version below 31", Config{Name: "c", ClientID: "id", ClientSecret: "s", APIVersion: "30.0"}, "below 31.0"},
		{"malformed version", Config{Name: "c", ClientID: "id", ClientSecret: "s", APIVersion: "fifty"}, "not of the form"},
		{"jwt without key", Config{Name: "c", Flow: FlowJWTBearer, ClientID: "id", Username: "u"}, "SF_JWT_KEY_FILE"},
		{"soap without client", Config{Name: "c", Username: "u", Password: "p"}, "SOAP client"},
		{"redis without key", Config{Name: "c", ClientID: "id", ClientSecret: "s", Shared: cache.NewMemory(cache.MemoryOptions{})}, "CACHE_ENCRYPTION_KEY"},
		{"bad login url", Config{Name: "c", LoginURL: "login.salesforce.com", ClientID: "id", ClientSecret: "s"}, "not an http(s) URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New: err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestClientCredentialsLogin(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	clk := newClock()
	m := mustNew(t, ccConfig(ts, clk))
	if m.Flow() != FlowClientCredentials {
		t.Fatalf("flow = %s", m.Flow())
	}
	s, err := m.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	f := ts.form()
	if f.Get("grant_type") != "client_credentials" || f.Get("client_id") != "3MVG9client" || f.Get("client_secret") != "very-secret-client-secret" {
		t.Errorf("form = %v", f)
	}
	if s.InstanceURL != ts.URL || s.OrgID != "00D000000000001AAA" || s.UserID != "005000000000001AAA" || !strings.HasPrefix(s.ID.Reveal(), "00D000000000001!") {
		t.Errorf("session = %+v (id %q)", s, s.ID.Reveal())
	}
	// The hot path answers from process memory until the TTL.
	for range 5 {
		if _, err := m.Session(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if n := ts.grants.Load(); n != 1 {
		t.Fatalf("grants = %d, want 1", n)
	}
	clk.Advance(DefaultTTL - time.Second)
	_, _ = m.Session(t.Context())
	if n := ts.grants.Load(); n != 1 {
		t.Fatalf("before the TTL: grants = %d, want 1", n)
	}
	clk.Advance(2 * time.Second)
	s2, err := m.Session(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n := ts.grants.Load(); n != 2 || s2.ID == s.ID {
		t.Fatalf("after the TTL: grants = %d, want 2 and a new session", n)
	}
}

func TestJWTBearerLogin(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	clk := newClock()
	key := testRSAKey(t)
	m := mustNew(t, Config{Name: "j", LoginURL: ts.URL, ClientID: "3MVG9jwt", Username: "admin@sfsim.local", JWTKey: key, Now: clk.Now})
	if m.Flow() != FlowJWTBearer {
		t.Fatalf("flow = %s", m.Flow())
	}
	if _, err := m.Session(t.Context()); err != nil {
		t.Fatal(err)
	}
	f := ts.form()
	if f.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		t.Fatalf("grant_type = %q", f.Get("grant_type"))
	}
	parts := strings.Split(f.Get("assertion"), ".")
	if len(parts) != 3 {
		t.Fatalf("assertion has %d parts", len(parts))
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, sum[:], sig); err != nil {
		t.Fatalf("signature: %v", err)
	}
	var hdr map[string]string
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	_ = json.Unmarshal(hb, &hdr)
	if hdr["alg"] != "RS256" {
		t.Errorf("alg = %q", hdr["alg"])
	}
	var c struct {
		Iss, Sub, Aud string
		Exp           int64
	}
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	if err := json.Unmarshal(cb, &c); err != nil {
		t.Fatal(err)
	}
	if c.Iss != "3MVG9jwt" || c.Sub != "admin@sfsim.local" || c.Aud != ts.URL {
		t.Errorf("claims = %+v", c)
	}
	if d := time.Unix(c.Exp, 0).Sub(clk.Now()); d <= 0 || d > 3*time.Minute {
		t.Errorf("exp is %v after now, want (0, 3m]", d)
	}
}

func TestAudience(t *testing.T) {
	t.Parallel()
	tests := []struct{ loginURL, want string }{
		{"https://login.salesforce.com", "https://login.salesforce.com"},
		{"https://test.salesforce.com/", "https://test.salesforce.com"},
		{"https://acme.my.salesforce.com", "https://login.salesforce.com"},
		{"https://acme--uat.sandbox.my.salesforce.com", "https://test.salesforce.com"},
		{"http://127.0.0.1:4321", "http://127.0.0.1:4321"},
		{"https://acme.my.site.com/customers", "https://acme.my.site.com/customers"},
	}
	for _, tt := range tests {
		t.Run(tt.loginURL, func(t *testing.T) {
			t.Parallel()
			got, err := Audience(tt.loginURL)
			if err != nil || got != tt.want {
				t.Fatalf("Audience(%q) = %q, %v; want %q", tt.loginURL, got, err, tt.want)
			}
		})
	}
}

func TestOAuthErrorsBackOff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		code     string
		status   int
		is       error
		kind     partner.LoginKind
		firstGap time.Duration
		desc     string
	}{
		{"invalid client", "invalid_client", 400, partner.ErrLoginCredentials, partner.LoginCredentials, 30 * time.Second, ""},
		{"invalid grant", "invalid_grant", 400, partner.ErrLoginCredentials, partner.LoginCredentials, 30 * time.Second, ""},
		{"rate exceeded", "LOGIN_RATE_EXCEEDED", 400, partner.ErrLoginRateLimited, partner.LoginRateLimited, 5 * time.Minute, ""},
		{"rate exceeded as invalid_grant", "invalid_grant", 400, partner.ErrLoginRateLimited, partner.LoginRateLimited, 5 * time.Minute, "Login Rate Exceeded"},
		{"server error", "server_error", 503, nil, partner.LoginTransient, time.Second, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTokenServer(t)
			if tt.desc == "" {
				tt.desc = "authentication failure"
			}
			ts.setFail(tt.code, tt.desc, tt.status)
			ts.delay = 20 * time.Millisecond
			clk := newClock()
			m := mustNew(t, ccConfig(ts, clk))

			var wg sync.WaitGroup
			errs := make([]error, 50)
			for i := range errs {
				wg.Go(func() { _, errs[i] = m.Session(t.Context()) })
			}
			wg.Wait()
			for range 20 {
				_, err := m.Session(t.Context())
				errs = append(errs, err)
			}
			if n := ts.grants.Load(); n != 1 {
				t.Fatalf("token requests = %d, want 1 (no login storm)", n)
			}
			for _, err := range errs {
				var le *partner.LoginError
				if !errors.As(err, &le) {
					t.Fatalf("err = %v, want *partner.LoginError", err)
				}
				if le.Code != tt.code || le.Kind != tt.kind || le.Message != tt.desc {
					t.Fatalf("partner.LoginError = %+v", le)
				}
				if tt.is != nil && !errors.Is(err, tt.is) {
					t.Fatalf("errors.Is(%v, %v) = false", err, tt.is)
				}
				if got := le.RetryAt.Sub(clk.Now()); got != tt.firstGap {
					t.Fatalf("retry after %v, want %v", got, tt.firstGap)
				}
				assertNoSecret(t, err.Error(), "very-secret-client-secret")
			}
			// Within the window: no new attempt. After it: one, and the
			// window doubles.
			clk.Advance(tt.firstGap - time.Millisecond)
			_, _ = m.Session(t.Context())
			if n := ts.grants.Load(); n != 1 {
				t.Fatalf("inside the backoff: token requests = %d, want 1", n)
			}
			clk.Advance(time.Millisecond)
			_, err := m.Session(t.Context())
			var le *partner.LoginError
			if !errors.As(err, &le) || ts.grants.Load() != 2 {
				t.Fatalf("after the backoff: err = %v, requests = %d", err, ts.grants.Load())
			}
			if got := le.RetryAt.Sub(clk.Now()); got != 2*tt.firstGap {
				t.Fatalf("second backoff = %v, want %v", got, 2*tt.firstGap)
			}
			// Success resets everything.
			ts.setFail("", "", 0)
			clk.Advance(2 * tt.firstGap)
			if _, err := m.Session(t.Context()); err != nil {
				t.Fatalf("after recovery: %v", err)
			}
		})
	}
}

func TestNonJSONErrorKeepsOnlyStatus(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	m := mustNew(t, Config{Name: "x", LoginURL: ts.URL + "/nowhere", ClientID: "id", ClientSecret: "s3cr3t", Now: newClock().Now})
	_, err := m.Session(t.Context())
	var le *partner.LoginError
	if !errors.As(err, &le) || le.Code != "HTTP 404" || le.Kind != partner.LoginCredentials {
		t.Fatalf("err = %v", err)
	}
}

// TestSharedSingleLogin: three managers (three replicas) sharing one store,
// 100 concurrent callers each: exactly one login, every caller gets the
// same session, and the store never holds the session id in clear.
func TestSharedSingleLogin(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	ts.delay = 30 * time.Millisecond
	clk := newClock()
	shared := cache.NewMemory(cache.MemoryOptions{})
	keys := testKeys(t)
	var ms []*Manager
	for range 3 {
		cfg := ccConfig(ts, clk)
		cfg.Shared, cfg.Keys = shared, keys
		ms = append(ms, mustNew(t, cfg))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[string]int{}
	for i := range 300 {
		wg.Go(func() {
			s, err := ms[i%3].Session(t.Context())
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			ids[s.ID.Reveal()]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if n := ts.grants.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
	if len(ids) != 1 {
		t.Fatalf("callers saw %d different sessions", len(ids))
	}
	var id string
	for k := range ids {
		id = k
	}
	raw, err := shared.Get(t.Context(), cache.Key("t", "session"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte(id)) || bytes.Contains(raw, []byte("secret-token")) {
		t.Fatal("the shared entry holds the session id in clear text")
	}
	if _, err := shared.Get(t.Context(), cache.Key("t", "session", "lock")); !errors.Is(err, cache.ErrNotFound) {
		t.Fatalf("login lock not released: %v", err)
	}
}

// TestInvalidateComparesAndDeletes: a stale replica reporting an old
// session must not evict the new one a peer already obtained.
func TestInvalidateComparesAndDeletes(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	clk := newClock()
	shared := cache.NewMemory(cache.MemoryOptions{})
	keys := testKeys(t)
	mk := func() *Manager {
		cfg := ccConfig(ts, clk)
		cfg.Shared, cfg.Keys = shared, keys
		return mustNew(t, cfg)
	}
	a, b := mk(), mk()
	old, _ := a.Session(t.Context())
	if s, _ := b.Session(t.Context()); s.ID != old.ID {
		t.Fatal("b did not adopt a's session")
	}
	// Salesforce rejects the session; a notices first and gets a new one.
	if err := a.Invalidate(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	fresh, err := a.Session(t.Context())
	if err != nil || fresh.ID == old.ID {
		t.Fatalf("a: %v, same session %v", err, fresh.ID == old.ID)
	}
	// b reports the old session late: the fresh one must survive.
	if err := b.Invalidate(t.Context(), old); err != nil {
		t.Fatal(err)
	}
	got, err := b.Session(t.Context())
	if err != nil || got.ID != fresh.ID {
		t.Fatalf("b got a different session than a's fresh one (err %v)", err)
	}
	if n := ts.grants.Load(); n != 2 {
		t.Fatalf("token requests = %d, want 2", n)
	}
	// Invalidating something that is not current is a no-op.
	if err := a.Invalidate(t.Context(), salesforce.Session{ID: "unknown"}); err != nil {
		t.Fatal(err)
	}
	if s, _ := a.Session(t.Context()); s.ID != fresh.ID {
		t.Fatal("an unknown session's invalidation evicted the current one")
	}
}

func TestRedisDownDegrades(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	clk := newClock()
	ds := &downStore{Store: cache.NewMemory(cache.MemoryOptions{})}
	cfg := ccConfig(ts, clk)
	cfg.Shared, cfg.Keys = ds, testKeys(t)
	m := mustNew(t, cfg)
	ds.down.Store(true)
	s, err := m.Session(t.Context())
	if err != nil {
		t.Fatalf("with Redis down: %v", err)
	}
	if err := m.Invalidate(t.Context(), s); err != nil {
		t.Fatalf("Invalidate with Redis down: %v (the local drop is what the retry needs)", err)
	}
	s1, err := m.Session(t.Context())
	if err != nil || s1.ID == s.ID {
		t.Fatalf("after Invalidate with Redis down: %v, same session %v", err, s1.ID == s.ID)
	}
	ds.down.Store(false)
	_ = m.Invalidate(t.Context(), s1)
	// Redis back: the next login is shared again.
	s2, err := m.Session(t.Context())
	if err != nil || s2.ID == s1.ID {
		t.Fatalf("after Redis returned: %v", err)
	}
	if _, err := ds.Get(t.Context(), cache.Key("t", "session")); err != nil {
		t.Fatalf("session not shared after Redis returned: %v", err)
	}
}

// TestWaitsForPeerLogin: while another replica holds the login lock, a
// manager waits and adopts the session the holder stores.
func TestWaitsForPeerLogin(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	clk := newClock()
	shared := cache.NewMemory(cache.MemoryOptions{})
	keys := testKeys(t)
	cfg := ccConfig(ts, clk)
	cfg.Shared, cfg.Keys = shared, keys
	waiter := mustNew(t, cfg)
	peer := mustNew(t, cfg)
	lease, err := cache.TryLock(t.Context(), shared, cache.Key("t", "session", "lock"), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan salesforce.Session)
	go func() {
		s, err := waiter.Session(t.Context())
		if err != nil {
			t.Error(err)
		}
		done <- s
	}()
	time.Sleep(30 * time.Millisecond)
	// The peer "logs in" under the lock: write its session directly.
	h := &held{session: salesforce.Session{ID: "00D!peer-session", InstanceURL: ts.URL}, expires: clk.Now().Add(time.Hour)}
	if err := peer.writeShared(t.Context(), h); err != nil {
		t.Fatal(err)
	}
	_ = lease.Release(t.Context())
	if s := <-done; s.ID.Reveal() != "00D!peer-session" {
		t.Fatalf("waiter got %q, want the peer's session", s.ID.Reveal())
	}
	if n := ts.grants.Load(); n != 0 {
		t.Fatalf("waiter logged in itself (%d requests)", n)
	}
}

// TestSharedFailureStopsPeers: after one replica's login is refused, the
// others answer the same error without trying the same credentials.
func TestSharedFailureStopsPeers(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	ts.setFail("invalid_client", "invalid client credentials", 400)
	clk := newClock()
	shared := cache.NewMemory(cache.MemoryOptions{})
	cfg := ccConfig(ts, clk)
	cfg.Shared, cfg.Keys = shared, testKeys(t)
	a, b := mustNew(t, cfg), mustNew(t, cfg)
	if _, err := a.Session(t.Context()); !errors.Is(err, partner.ErrLoginCredentials) {
		t.Fatalf("a: %v", err)
	}
	_, err := b.Session(t.Context())
	if !errors.Is(err, partner.ErrLoginCredentials) || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("b: %v", err)
	}
	if n := ts.grants.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
}

func TestSessionHonoursContext(t *testing.T) {
	t.Parallel()
	ts := newTokenServer(t)
	ts.delay = 200 * time.Millisecond
	m := mustNew(t, ccConfig(ts, newClock()))
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := m.Session(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
	// The login the caller abandoned still completes for the others.
	if _, err := m.Session(t.Context()); err != nil {
		t.Fatal(err)
	}
	if n := ts.grants.Load(); n != 1 {
		t.Fatalf("token requests = %d, want 1", n)
	}
}

// fakeSOAP records login() calls.
type fakeSOAP struct {
	calls    atomic.Int64
	mu       sync.Mutex
	versions []string
	pw       string
	err      error
	valid    int
	url      string
}

func (f *fakeSOAP) Login(ctx context.Context, loginURL, version, username string, password salesforce.Secret) (*salesforce.LoginResult, error) {
	n := f.calls.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	f.versions = append(f.versions, version)
	f.pw = password.Reveal()
	if f.err != nil {
		return nil, f.err
	}
	return &salesforce.LoginResult{
		ServerURL: f.url + "/services/Soap/u/" + version + "/00D000000000001",
		SessionID: salesforce.Secret("00D000000000001!soap-" + string(rune('a'+n))),
		UserID:    "005000000000001AAA",
		UserInfo:  &salesforce.GetUserInfoResult{OrganizationID: "00D000000000001AAA", SessionSecondsValid: f.valid},
	}, nil
}

func TestSOAPLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		pinned      string
		listed      []string
		wantLogin   string
		wantData    string
		valid       int
		wantTTL     time.Duration
		wantWarning bool
	}{
		{"pinned above 64 logs in at 64", "66.0", nil, "64.0", "66.0", 7200, 105 * time.Minute, true},
		{"pinned below 64 logs in at it", "58", nil, "58.0", "58.0", 14400, 210 * time.Minute, true},
		{"discovered newest above 64", "", []string{"31.0", "62.0", "66.0"}, "64.0", "66.0", 0, DefaultTTL, true},
		{"discovered newest below 64", "", []string{"58.0", "60.0"}, "60.0", "60.0", 60, minTTL, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTokenServer(t)
			if tt.listed != nil {
				ts.versions = tt.listed
			}
			clk := newClock()
			soap := &fakeSOAP{url: ts.URL, valid: tt.valid}
			var logs bytes.Buffer
			ctx := zerolog.New(&logs).WithContext(t.Context())
			m := mustNew(t, Config{
				Name: "s", LoginURL: ts.URL, Username: "admin@sfsim.local", Password: "password",
				SecurityToken: "token", APIVersion: tt.pinned, SOAPLogin: soap, Now: clk.Now,
			})
			if m.Flow() != FlowSOAPLogin {
				t.Fatalf("flow = %s", m.Flow())
			}
			s, err := m.Session(ctx)
			if err != nil {
				t.Fatal(err)
			}
			v, err := m.APIVersion(ctx)
			if err != nil || v != tt.wantData {
				t.Fatalf("APIVersion = %q, %v; want %q", v, err, tt.wantData)
			}
			if soap.versions[0] != tt.wantLogin {
				t.Errorf("login() at %s, want %s", soap.versions[0], tt.wantLogin)
			}
			if soap.pw != "passwordtoken" {
				t.Errorf("password sent without the security token appended")
			}
			if s.InstanceURL != ts.URL || s.OrgID != "00D000000000001AAA" {
				t.Errorf("session = %+v", s)
			}
			if !strings.Contains(logs.String(), "Summer '27") {
				t.Errorf("no retirement warning in %s", logs.String())
			}
			assertNoSecret(t, logs.String(), "password", s.ID.Reveal())
			clk.Advance(tt.wantTTL - time.Second)
			_, _ = m.Session(ctx)
			clk.Advance(2 * time.Second)
			_, _ = m.Session(ctx)
			if n := soap.calls.Load(); n != 2 {
				t.Fatalf("logins = %d, want 2 (TTL %v)", n, tt.wantTTL)
			}
		})
	}
}

func TestSOAPLoginFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		kind partner.LoginKind
	}{
		{"invalid login", &partner.Error{Op: "login", Kind: partner.KindFault, Code: "INVALID_LOGIN", Message: "Invalid username, password, security token; or user locked out."}, partner.LoginCredentials},
		{"rate exceeded", &partner.Error{Op: "login", Kind: partner.KindFault, Code: "LOGIN_RATE_EXCEEDED", Message: "Login Rate Exceeded"}, partner.LoginRateLimited},
		{"network", &partner.Error{Op: "login", Kind: partner.KindNetwork, Cause: errors.New("connection refused")}, partner.LoginTransient},
		{"soap login switched off", &partner.Error{Op: "login", Kind: partner.KindFault, Code: "INVALID_OPERATION", Message: "SOAP API login() is disabled by default in this org."}, partner.LoginCredentials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := newTokenServer(t)
			soap := &fakeSOAP{url: ts.URL, err: tt.err}
			m := mustNew(t, Config{Name: "s", LoginURL: ts.URL, Username: "u", Password: "hunter2", SecurityToken: "Zq9tokXy", APIVersion: "58.0", SOAPLogin: soap, Now: newClock().Now})
			for range 10 {
				_, err := m.Session(t.Context())
				var le *partner.LoginError
				if !errors.As(err, &le) || le.Kind != tt.kind {
					t.Fatalf("err = %v, want kind %v", err, tt.kind)
				}
				assertNoSecret(t, err.Error(), "hunter2", "Zq9tokXy")
			}
			if n := soap.calls.Load(); n != 1 {
				t.Fatalf("login() calls = %d, want 1", n)
			}
		})
	}
}
