package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

func envFrom(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func writeJWTKey(t *testing.T) string {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "jwt.pem")
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// configCase is one scenario of parseConfig: the environment and flags
// given, and either the substrings every error must show or a check of the
// parsed Config.
type configCase struct {
	name    string
	env     map[string]string
	args    []string
	wantErr []string // substrings, all must appear
	check   func(t *testing.T, c Config)
}

// testCacheKey is a valid CACHE_ENCRYPTION_KEY (32 zero bytes).
var testCacheKey = base64.StdEncoding.EncodeToString(make([]byte, 32))

// clientCreds selects the client credentials flow.
var clientCreds = map[string]string{"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "secret"}

// with returns a copy of base with the key/value pairs kv set.
func with(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// credentialCases are the login flows and what each one lacks; jwtKey is
// a readable RSA key file.
func credentialCases(jwtKey string) []configCase {
	cc := clientCreds
	return []configCase{
		{name: "no credentials refuses and names the options", env: map[string]string{},
			wantErr: []string{"no Salesforce credentials", "SF_CLIENT_ID and SF_CLIENT_SECRET", "SF_JWT_KEY_FILE", "SF_PASSWORD", "--demo"}},
		{name: "client id alone", env: map[string]string{"SF_CLIENT_ID": "id"},
			wantErr: []string{"SF_CLIENT_ID is set but neither SF_CLIENT_SECRET"}},
		{name: "username alone", env: map[string]string{"SF_USERNAME": "u@x"},
			wantErr: []string{"SF_USERNAME is set but neither SF_PASSWORD"}},
		{name: "password alone", env: map[string]string{"SF_PASSWORD": "p"},
			wantErr: []string{"without SF_CLIENT_ID or SF_USERNAME"}},
		{name: "jwt without username", env: map[string]string{"SF_CLIENT_ID": "id", "SF_JWT_KEY_FILE": jwtKey},
			wantErr: []string{"JWT bearer flow needs SF_USERNAME"}},
		{name: "jwt key file missing", env: map[string]string{"SF_CLIENT_ID": "id", "SF_USERNAME": "u@x", "SF_JWT_KEY_FILE": "/nonexistent/key.pem"},
			wantErr: []string{`SF_JWT_KEY_FILE "/nonexistent/key.pem" cannot be read`}},
		{name: "jwt flow", env: map[string]string{"SF_CLIENT_ID": "id", "SF_USERNAME": "u@x", "SF_JWT_KEY_FILE": jwtKey},
			check: func(t *testing.T, c Config) {
				if c.Flow() != "oauth_jwt_bearer" {
					t.Errorf("flow %q", c.Flow())
				}
			}},
		{name: "ambiguous flow", env: with(cc, "SF_PASSWORD", "p", "SF_USERNAME", "u@x"),
			wantErr: []string{"unambiguous"}},
		{name: "soap flow", env: map[string]string{"SF_USERNAME": "u@x", "SF_PASSWORD": "p", "SF_SECURITY_TOKEN": "t"},
			check: func(t *testing.T, c Config) {
				if c.Flow() != "soap_login" && !strings.Contains(c.Flow(), "soap") {
					t.Errorf("flow %q", c.Flow())
				}
			}},
	}
}

// settingsCases are everything beyond the credentials, with client
// credentials set.
var settingsCases = []configCase{
	{name: "defaults", env: clientCreds,
		check: func(t *testing.T, c Config) {
			want := Config{Addr: ":8080", LoginURL: "https://login.salesforce.com", DescribeTTL: 5 * time.Minute, LogLevel: zerolog.InfoLevel, LogFormat: "json",
				RateLimit: 50, RateBurst: 100, MaxBodyBytes: 1 << 20, MaxBatchBodyBytes: 32 << 20, MaxBufferedBytes: 256 << 20,
				OrgLimits:      orgLimitsConfig{MaxConcurrent: 20, MaxConcurrentLocal: 10, BudgetShare: 0.9, BudgetRetryAfter: 5 * time.Minute, MaxStreams: 64, MaxStreamsPerCall: 8, BatchConcurrency: 4},
				RequestTimeout: time.Minute, ShutdownTimeout: 25 * time.Second, CursorTTL: 24 * time.Hour, ClientID: "id", ClientSecret: "secret",
				Door:        doorConfig{BodyReadTimeout: time.Minute, CallerBodyShare: 0.25, MaxUnauthenticated: 64},
				Callers:     callersConfig{Poll: 5 * time.Second, PermissionsClaim: "permissions", NameClaim: "sub", Skew: time.Minute},
				Idempotency: idempotencyConfig{TTL: 24 * time.Hour, MaxAnswerBytes: 8 << 20}}
			if diff := cmp.Diff(want, c); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
	{name: "flags override the environment", env: with(clientCreds, "GATEWAY_ADDR", ":9000", "DESCRIBE_TTL", "1m", "SF_API_VERSION", "58"),
		args: []string{"-addr", "127.0.0.1:0", "-describe-ttl", "90s", "-sf-api-version", "v60.0"},
		check: func(t *testing.T, c Config) {
			if c.Addr != "127.0.0.1:0" || c.DescribeTTL != 90*time.Second || c.APIVersion != "60.0" {
				t.Errorf("addr %q ttl %v version %q", c.Addr, c.DescribeTTL, c.APIVersion)
			}
		}},
	{name: "jwt callers", env: with(clientCreds, "GATEWAY_JWT_JWKS_URL", "https://idp.example/jwks", "GATEWAY_JWT_ISSUER", "https://idp.example/",
		"GATEWAY_JWT_AUDIENCE", "sfgate", "GATEWAY_JWT_PERMISSIONS_CLAIM", "scp", "GATEWAY_JWT_CLOCK_SKEW", "5s", "GATEWAY_CALLERS_FILE", "/etc/callers.yaml"),
		check: func(t *testing.T, c Config) {
			want := callersConfig{File: "/etc/callers.yaml", Poll: 5 * time.Second, JWKSURL: "https://idp.example/jwks", Issuer: "https://idp.example/",
				Audience: "sfgate", PermissionsClaim: "scp", NameClaim: "sub", Skew: 5 * time.Second}
			if diff := cmp.Diff(want, c.Callers); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		}},
	{name: "jwt callers need issuer and audience", env: with(clientCreds, "GATEWAY_JWT_JWKS_URL", "https://idp.example/jwks"),
		wantErr: []string{"GATEWAY_JWT_ISSUER is required", "GATEWAY_JWT_AUDIENCE is required"}},
	{name: "jwks over plain http refused", env: with(clientCreds, "GATEWAY_JWT_JWKS_URL", "http://idp.example/jwks", "GATEWAY_JWT_ISSUER", "i",
		"GATEWAY_JWT_AUDIENCE", "a", "GATEWAY_JWT_CLOCK_SKEW", "1h"),
		wantErr: []string{`GATEWAY_JWT_JWKS_URL "http://idp.example/jwks" must use https`, `GATEWAY_JWT_CLOCK_SKEW "1h"`}},
	{name: "api version below 31 refused", env: with(clientCreds, "SF_API_VERSION", "30.0"),
		wantErr: []string{`SF_API_VERSION "30.0"`, "31.0"}},
	{name: "api version malformed", env: with(clientCreds, "SF_API_VERSION", "fifty"),
		wantErr: []string{`SF_API_VERSION "fifty"`}},
	{name: "bad durations named", env: with(clientCreds, "DESCRIBE_TTL", "soon", "GATEWAY_REQUEST_TIMEOUT", "-1s"),
		wantErr: []string{`DESCRIBE_TTL "soon"`, `GATEWAY_REQUEST_TIMEOUT "-1s"`}},
	{name: "cursor lifetime set", env: with(clientCreds, "GATEWAY_CURSOR_TTL", "36h"), args: []string{},
		check: func(t *testing.T, c Config) {
			if c.CursorTTL != 36*time.Hour {
				t.Errorf("cursor ttl %v", c.CursorTTL)
			}
		}},
	{name: "cursor lifetime flag overrides", env: with(clientCreds, "GATEWAY_CURSOR_TTL", "36h"), args: []string{"-cursor-ttl", "2h"},
		check: func(t *testing.T, c Config) {
			if c.CursorTTL != 2*time.Hour {
				t.Errorf("cursor ttl %v", c.CursorTTL)
			}
		}},
	{name: "cursor lifetime of exactly two days accepted", env: with(clientCreds, "GATEWAY_CURSOR_TTL", "48h"),
		check: func(t *testing.T, c Config) {
			if c.CursorTTL != 48*time.Hour {
				t.Errorf("cursor ttl %v", c.CursorTTL)
			}
		}},
	{name: "cursor outliving the query locator refused", env: with(clientCreds, "GATEWAY_CURSOR_TTL", "48h1s"),
		wantErr: []string{"GATEWAY_CURSOR_TTL 48h0m1s is longer than a Salesforce query locator lives (48h0m0s)"}},
	{name: "cursor lifetime not a duration", env: with(clientCreds, "GATEWAY_CURSOR_TTL", "0"),
		wantErr: []string{`GATEWAY_CURSOR_TTL "0"`}},
	{name: "redis without key refused", env: with(clientCreds, "REDIS_URL", "redis://127.0.0.1:6379/0"),
		wantErr: []string{"CACHE_ENCRYPTION_KEY is required when REDIS_URL or REDIS_SENTINEL_MASTER is set"}},
	{name: "redis with key", env: with(clientCreds, "REDIS_URL", "redis://:pw@127.0.0.1:6379/0", "CACHE_ENCRYPTION_KEY", testCacheKey),
		check: func(t *testing.T, c Config) {
			b, _ := json.Marshal(c.masked())
			if strings.Contains(string(b), ":pw@") || strings.Contains(string(b), testCacheKey) || strings.Contains(string(b), `"secret"`) {
				t.Errorf("masked config leaks a secret: %s", b)
			}
			if !strings.Contains(string(b), "redacted@127.0.0.1") {
				t.Errorf("masked REDIS_URL: %s", b)
			}
		}},
	{name: "bad key", env: with(clientCreds, "REDIS_URL", "redis://127.0.0.1:6379", "CACHE_ENCRYPTION_KEY", "c2hvcnQ="),
		wantErr: []string{"CACHE_ENCRYPTION_KEY"}},
	{name: "bad redis url", env: with(clientCreds, "REDIS_URL", "http://x", "CACHE_ENCRYPTION_KEY", testCacheKey),
		wantErr: []string{"REDIS_URL is not a redis:// or rediss:// URL"}},
	{name: "demo needs no credentials nor key with redis", env: map[string]string{"REDIS_URL": "redis://127.0.0.1:6379"}, args: []string{"--demo"},
		check: func(t *testing.T, c Config) {
			if !c.Demo {
				t.Error("demo not set")
			}
		}},
	{name: "demo refuses real credentials", env: clientCreds, args: []string{"--demo"},
		wantErr: []string{"unset SF_CLIENT_ID", "unset SF_CLIENT_SECRET"}},
	{name: "plain http login url refused unless loopback", env: with(clientCreds, "SF_LOGIN_URL", "http://login.example.com"),
		wantErr: []string{"must use https"}},
	{name: "loopback emulator over http", env: with(clientCreds, "SF_LOGIN_URL", "http://127.0.0.1:8081/"),
		check: func(t *testing.T, c Config) {
			if c.LoginURL != "http://127.0.0.1:8081" {
				t.Errorf("login url %q", c.LoginURL)
			}
		}},
	{name: "log settings", env: with(clientCreds, "LOG_LEVEL", "loud", "LOG_FORMAT", "xml"),
		wantErr: []string{`LOG_LEVEL "loud"`, `LOG_FORMAT "xml"`}},
	{name: "api keys", env: with(clientCreds, "GATEWAY_API_KEYS", "billing=0123456789abcdef0,crm=fedcba9876543210x"),
		check: func(t *testing.T, c Config) {
			if len(c.APIKeys) != 2 || c.APIKeys[1].Name != "crm" || c.APIKeys[1].Key.Reveal() != "fedcba9876543210x" {
				t.Errorf("keys %+v", c.APIKeys)
			}
		}},
	{name: "api keys malformed", env: with(clientCreds, "GATEWAY_API_KEYS", "billing=short,nokey,a=0123456789abcdef0,a=0123456789abcdef1"),
		wantErr: []string{`"billing": the key must be at least 16`, "entry 2 is not name=key", `names "a" twice`}},
	{name: "org limit settings", env: with(clientCreds, "SF_MAX_CONCURRENT_CALLS", "0", "SF_MAX_CONCURRENT_CALLS_LOCAL", "x", "SF_API_BUDGET_SHARE", "90", "SF_API_BUDGET_RETRY_AFTER", "-1m", "GATEWAY_MAX_STREAMS", "none", "GATEWAY_MAX_STREAMS_PER_CALLER", "0", "GATEWAY_BATCH_CONCURRENCY", "0"),
		wantErr: []string{"SF_MAX_CONCURRENT_CALLS ", "SF_MAX_CONCURRENT_CALLS_LOCAL", "SF_API_BUDGET_SHARE", "SF_API_BUDGET_RETRY_AFTER", "GATEWAY_MAX_STREAMS ", "GATEWAY_MAX_STREAMS_PER_CALLER", "GATEWAY_BATCH_CONCURRENCY"}},
	{name: "batch concurrency above its cap", env: with(clientCreds, "GATEWAY_BATCH_CONCURRENCY", "17"), wantErr: []string{"GATEWAY_BATCH_CONCURRENCY 17 is above 16"}},
	{name: "local concurrency above the cap", env: with(clientCreds, "SF_MAX_CONCURRENT_CALLS", "4", "SF_MAX_CONCURRENT_CALLS_LOCAL", "5"),
		wantErr: []string{"one replica alone would exceed"}},
	{name: "rate limit settings", env: with(clientCreds, "GATEWAY_RATE_LIMIT", "-1", "GATEWAY_RATE_BURST", "0", "GATEWAY_MAX_BODY_BYTES", "12"),
		wantErr: []string{"GATEWAY_RATE_LIMIT", "GATEWAY_RATE_BURST", "GATEWAY_MAX_BODY_BYTES"}},
	{name: "idempotency settings", env: with(clientCreds, "GATEWAY_IDEMPOTENCY_TTL", "2h", "GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES", "65536"),
		check: func(t *testing.T, c Config) {
			if c.Idempotency != (idempotencyConfig{TTL: 2 * time.Hour, MaxAnswerBytes: 65536}) {
				t.Errorf("idempotency %+v", c.Idempotency)
			}
		}},
	{name: "bad idempotency settings named", env: with(clientCreds, "GATEWAY_IDEMPOTENCY_TTL", "forever", "GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES", "12"),
		wantErr: []string{`GATEWAY_IDEMPOTENCY_TTL "forever"`, `GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES "12"`}},
	{name: "buffered budget below the batch cap", env: with(clientCreds, "GATEWAY_MAX_BUFFERED_BODY_BYTES", "4096"),
		wantErr: []string{"GATEWAY_MAX_BUFFERED_BODY_BYTES (4096) is below GATEWAY_MAX_BATCH_BODY_BYTES"}},
	{name: "bad listen address", env: with(clientCreds, "GATEWAY_ADDR", "8080"),
		wantErr: []string{`GATEWAY_ADDR "8080"`}},
	{name: "metrics listener", env: with(clientCreds, "GATEWAY_METRICS_ADDR", "127.0.0.1:9090"),
		check: func(t *testing.T, c Config) {
			if c.MetricsAddr != "127.0.0.1:9090" || c.masked()["GATEWAY_METRICS_ADDR"] != "127.0.0.1:9090" {
				t.Errorf("MetricsAddr %q, logged as %v", c.MetricsAddr, c.masked()["GATEWAY_METRICS_ADDR"])
			}
		}},
	{name: "metrics listener flag overrides the environment", env: with(clientCreds, "GATEWAY_METRICS_ADDR", "127.0.0.1:9090"),
		args: []string{"-metrics-addr", ":9102"},
		check: func(t *testing.T, c Config) {
			if c.MetricsAddr != ":9102" {
				t.Errorf("MetricsAddr %q", c.MetricsAddr)
			}
		}},
	{name: "pprof on the metrics listener", env: with(clientCreds, "GATEWAY_METRICS_ADDR", "127.0.0.1:9090", "GATEWAY_PPROF", "true"),
		check: func(t *testing.T, c Config) {
			if !c.Pprof || c.masked()["GATEWAY_PPROF"] != true {
				t.Errorf("Pprof %t, logged as %v", c.Pprof, c.masked()["GATEWAY_PPROF"])
			}
		}},
	{name: "pprof flag overrides the environment", env: with(clientCreds, "GATEWAY_METRICS_ADDR", "127.0.0.1:9090", "GATEWAY_PPROF", "true"),
		args: []string{"-pprof=false"},
		check: func(t *testing.T, c Config) {
			if c.Pprof {
				t.Error("Pprof on despite -pprof=false")
			}
		}},
	{name: "pprof without the metrics listener", env: with(clientCreds, "GATEWAY_PPROF", "true"),
		wantErr: []string{"GATEWAY_PPROF needs GATEWAY_METRICS_ADDR"}},
	{name: "pprof not a boolean", env: with(clientCreds, "GATEWAY_METRICS_ADDR", "127.0.0.1:9090", "GATEWAY_PPROF", "yes please"),
		wantErr: []string{`GATEWAY_PPROF "yes please" is not true or false`}},
	{name: "bad metrics listen address", env: with(clientCreds, "GATEWAY_METRICS_ADDR", "9090"),
		wantErr: []string{`GATEWAY_METRICS_ADDR "9090"`}},
	{name: "metrics listener on the main address", env: with(clientCreds, "GATEWAY_ADDR", ":9000", "GATEWAY_METRICS_ADDR", ":9000"),
		wantErr: []string{`GATEWAY_METRICS_ADDR ":9000" is GATEWAY_ADDR`}},
	{name: "public url", env: with(clientCreds, "GATEWAY_PUBLIC_URL", "https://api.example.com/sfgate/"),
		check: func(t *testing.T, c Config) {
			if c.PublicURL != "https://api.example.com/sfgate" || c.masked()["GATEWAY_PUBLIC_URL"] != c.PublicURL {
				t.Errorf("PublicURL %q, logged as %v", c.PublicURL, c.masked()["GATEWAY_PUBLIC_URL"])
			}
		}},
	{name: "public url flag overrides the environment", env: with(clientCreds, "GATEWAY_PUBLIC_URL", "https://a.example"),
		args: []string{"-public-url", "https://b.example"},
		check: func(t *testing.T, c Config) {
			if c.PublicURL != "https://b.example" {
				t.Errorf("PublicURL %q", c.PublicURL)
			}
		}},
	{name: "public url not absolute", env: with(clientCreds, "GATEWAY_PUBLIC_URL", "api.example.com"),
		wantErr: []string{`GATEWAY_PUBLIC_URL "api.example.com"`}},
	{name: "public url with a query", env: with(clientCreds, "GATEWAY_PUBLIC_URL", "https://api.example.com/?x=1"),
		wantErr: []string{`GATEWAY_PUBLIC_URL "https://api.example.com/?x=1"`}},
	{name: "redis key prefix", env: with(clientCreds, "REDIS_URL", "redis://127.0.0.1:6379/0", "CACHE_ENCRYPTION_KEY", testCacheKey, "REDIS_KEY_PREFIX", "team-a:"),
		check: func(t *testing.T, c Config) {
			if c.RedisKeyPrefix != "team-a:" || c.masked()["REDIS_KEY_PREFIX"] != "team-a:" {
				t.Errorf("RedisKeyPrefix %q, logged as %v", c.RedisKeyPrefix, c.masked()["REDIS_KEY_PREFIX"])
			}
		}},
	{name: "redis key prefix flag overrides the environment", env: with(clientCreds, "REDIS_URL", "redis://127.0.0.1:6379/0", "CACHE_ENCRYPTION_KEY", testCacheKey, "REDIS_KEY_PREFIX", "team-a:"),
		args: []string{"-redis-key-prefix", "team-b:"},
		check: func(t *testing.T, c Config) {
			if c.RedisKeyPrefix != "team-b:" {
				t.Errorf("RedisKeyPrefix %q", c.RedisKeyPrefix)
			}
		}},
	{name: "redis key prefix without redis", env: with(clientCreds, "REDIS_KEY_PREFIX", "team-a:"),
		wantErr: []string{"REDIS_KEY_PREFIX is set but neither REDIS_URL nor REDIS_SENTINEL_MASTER is"}},
	{name: "redis key prefix with a hash tag", env: with(clientCreds, "REDIS_URL", "redis://127.0.0.1:6379/0", "CACHE_ENCRYPTION_KEY", testCacheKey, "REDIS_KEY_PREFIX", "{team}:"),
		wantErr: []string{`REDIS_KEY_PREFIX "{team}:" must not contain { or }`}},
	{name: "redis key prefix with a space", env: with(clientCreds, "REDIS_URL", "redis://127.0.0.1:6379/0", "CACHE_ENCRYPTION_KEY", testCacheKey, "REDIS_KEY_PREFIX", "team a:"),
		wantErr: []string{"must not contain spaces or control characters"}},
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	for _, tt := range append(credentialCases(writeJWTKey(t)), settingsCases...) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkConfigCase(t, tt)
		})
	}
}

// checkConfigCase parses tt's environment and flags and checks the result.
func checkConfigCase(t *testing.T, tt configCase) {
	t.Helper()
	c, err := parseConfig(tt.args, envFrom(tt.env), io.Discard)
	if len(tt.wantErr) > 0 {
		if err == nil {
			t.Fatalf("accepted: %+v", c)
		}
		for _, w := range tt.wantErr {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("error lacks %q:\n%v", w, err)
			}
		}
		if tt.env["CACHE_ENCRYPTION_KEY"] != "" && strings.Contains(err.Error(), tt.env["CACHE_ENCRYPTION_KEY"]) {
			t.Errorf("error leaks the key: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatalf("refused: %v", err)
	}
	if tt.check != nil {
		tt.check(t, c)
	}
}

func TestCursorKey(t *testing.T) {
	t.Parallel()
	enc := base64.StdEncoding.EncodeToString
	cacheKey := enc([]byte("0123456789abcdef0123456789abcdef"))
	explicit := []byte("cursor-key-cursor-key-cursor-key-!")
	cc := map[string]string{"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "s", "REDIS_URL": "redis://127.0.0.1:6379"}

	get := func(env map[string]string) ([]byte, string) {
		t.Helper()
		m := map[string]string{}
		for k, v := range cc {
			m[k] = v
		}
		for k, v := range env {
			m[k] = v
		}
		c, err := parseConfig(nil, envFrom(m), io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		k, from, err := c.cursorKey()
		if err != nil {
			t.Fatal(err)
		}
		return k, from
	}
	k1, from := get(map[string]string{"CACHE_ENCRYPTION_KEY": cacheKey})
	k2, _ := get(map[string]string{"CACHE_ENCRYPTION_KEY": cacheKey + "," + enc(make([]byte, 32))})
	if from != "derived from CACHE_ENCRYPTION_KEY" || len(k1) != 32 || string(k1) != string(k2) {
		t.Errorf("derived key: from %q, %d bytes, stable across an added secondary key: %v", from, len(k1), string(k1) == string(k2))
	}
	if strings.Contains(string(k1), "0123456789abcdef") {
		t.Error("the cursor key shows the cache key")
	}
	k3, from := get(map[string]string{"CACHE_ENCRYPTION_KEY": cacheKey, "GATEWAY_CURSOR_KEY": enc(explicit)})
	if from != "GATEWAY_CURSOR_KEY" || string(k3) != string(explicit) {
		t.Errorf("explicit key: from %q", from)
	}
	if _, err := parseConfig(nil, envFrom(map[string]string{"SF_CLIENT_ID": "id", "SF_CLIENT_SECRET": "s", "GATEWAY_CURSOR_KEY": enc([]byte("short"))}), io.Discard); err == nil ||
		!strings.Contains(err.Error(), "GATEWAY_CURSOR_KEY is not base64 of at least 32 bytes") {
		t.Errorf("short cursor key: %v", err)
	}
}
