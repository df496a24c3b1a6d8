package integration

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/session"
	"github.com/sfgate/sfgate/internal/sfsim"
)

// connection is the connection name all stacks of a test share: they stand
// for replicas of one gateway.
const connection = "it"

// sim is an in-process emulated org served over real HTTP.
type sim struct {
	*sfsim.Server
	url string
}

func startSim(t *testing.T) *sim {
	t.Helper()
	s, err := sfsim.New(sfsim.Config{SeedAccounts: 20})
	if err != nil {
		t.Fatal(err)
	}
	u, stop, err := s.Start(t.Context(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return &sim{Server: s, url: u}
}

// stats returns GET /_sim/stats's call counts.
func (s *sim) stats(t *testing.T) map[string]int64 {
	t.Helper()
	resp, err := http.Get(s.url + "/_sim/stats")
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

// post calls the control API and fails the test unless it answers 2xx.
func (s *sim) post(t *testing.T, path string, body any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	resp, err := http.Post(s.url+path, "application/json", rd)
	if err != nil {
		t.Error(err)
		return
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Errorf("POST %s: %d %s", path, resp.StatusCode, b)
	}
}

// flow is how a stack logs in.
type flow struct {
	name    string
	statKey string // the sfsim stats entry that counts its logins
	config  func(s *sim) session.Config
}

var (
	oauthFlow = flow{"oauth client credentials", sfsim.StatOAuthClientCredentials, func(s *sim) session.Config {
		return session.Config{ClientID: sfsim.DemoClientID, ClientSecret: sfsim.DemoClientSecret}
	}}
	jwtFlow = flow{"oauth jwt bearer", sfsim.StatOAuthJWTBearer, func(s *sim) session.Config {
		return session.Config{ClientID: sfsim.DemoClientID, Username: sfsim.DemoUsername, JWTKey: s.JWTPrivateKey()}
	}}
	soapFlow = flow{"soap login", "login", func(s *sim) session.Config {
		lc, _ := salesforce.New(salesforce.Config{})
		return session.Config{Username: sfsim.DemoUsername, Password: sfsim.DemoPassword, SecurityToken: sfsim.DemoSecurityToken, SOAPLogin: lc}
	}}
)

// stack is one replica's worth of the gateway's engine: its own Salesforce
// client, session manager, two-level cache and describe service.
type stack struct {
	client   *salesforce.Client
	sessions *session.Manager
	tiered   *cache.Tiered
	redis    *cache.Redis
	meta     *metadata.Service
}

type stackOptions struct {
	redisURL, prefix string
	keys             *session.Keyring
}

func newStack(t *testing.T, s *sim, f flow, o stackOptions) *stack {
	t.Helper()
	// A longer command timeout than production's 500 ms: these tests
	// count calls exactly, and on a loaded 2-core machine (or under -race)
	// a Redis answer can take longer than that, which the cache rightly
	// treats as an outage and answers from the loader. Outages proper are
	// tested with a stopped server, which fails fast.
	r, err := cache.OpenRedis(o.redisURL, cache.RedisOptions{Prefix: o.prefix, CommandTimeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = r.Close() })
	tiered := cache.NewTiered(cache.TieredOptions{Shared: r, ProbeInterval: 200 * time.Millisecond})
	if err := tiered.Start(testLogger(t).WithContext(context.WithoutCancel(t.Context()))); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tiered.Close() })

	cfg := f.config(s)
	cfg.Name = connection
	cfg.LoginURL = s.url
	// Pinned so that building a stack makes no call: the first login
	// happens under the test's concurrency. Discovery has its own test.
	cfg.APIVersion = "66.0"
	cfg.Shared, cfg.Keys = r, o.keys
	mgr, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := mgr.APIVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	client, err := salesforce.New(salesforce.Config{Sessions: mgr, APIVersion: v})
	if err != nil {
		t.Fatal(err)
	}
	meta, err := metadata.New(metadata.Config{Connection: connection, Client: client, Cache: tiered})
	if err != nil {
		t.Fatal(err)
	}
	return &stack{client: client, sessions: mgr, tiered: tiered, redis: r, meta: meta}
}

func newKeys(t *testing.T) *session.Keyring {
	t.Helper()
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	kr, err := session.NewKeyring(k)
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

// objects and the fields each call names.
var objects = []struct {
	name   string
	fields []string
}{
	{"Account", []string{"Name", "Industry"}},
	{"Contact", []string{"LastName", "Email"}},
	{"Opportunity", []string{"Name", "StageName"}},
	{"Lead", []string{"LastName", "Company"}},
	{"Case", []string{"Subject", "Status"}},
}

// call is what one gateway request does: check the fields it names
// against the cached describe, then query.
func (st *stack) call(ctx context.Context, i int) error {
	o := objects[i%len(objects)]
	if _, err := st.meta.EnsureFields(ctx, o.name, o.fields); err != nil {
		return fmt.Errorf("describe %s: %w", o.name, err)
	}
	soql := "SELECT Id"
	for _, f := range o.fields {
		soql += ", " + f
	}
	soql += " FROM " + o.name + " LIMIT 5"
	if _, err := st.client.Query(ctx, soql); err != nil {
		return fmt.Errorf("query %s: %w", o.name, err)
	}
	return nil
}

func delta(after, before map[string]int64, key string) int64 { return after[key] - before[key] }

// testLogger sends warnings and above to the test log when SFGATE_IT_LOG
// is set.
func testLogger(t *testing.T) zerolog.Logger {
	if os.Getenv("SFGATE_IT_LOG") == "" {
		return zerolog.Nop()
	}
	return zerolog.New(zerolog.TestWriter{T: t}).Level(zerolog.InfoLevel).With().Timestamp().Logger()
}
