// Package sfsim is an in-memory Salesforce org that speaks the SOAP Partner
// API (v58.0 WSDL) the way the real service does: same envelopes, faults,
// limits and auth flows. Tests and `gateway --demo` start it in-process;
// cmd/sfsim runs it as a program. It builds its XML on its own and imports
// none of the gateway's packages, so a bug in the gateway's client cannot
// hide behind the same bug here.
package sfsim

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// Defaults of Config, each matching a real Developer Edition org.
const (
	DefaultDailyLimit      = 15000          // Developer Edition daily API requests (samples' LimitInfoHeader)
	DefaultSessionTimeout  = 2 * time.Hour  // docs Error Handling: 120 minutes of inactivity
	DefaultLoginRefusedAt  = 65.0           // login() gone from API 65.0 (PROTOCOL.md §0)
	DefaultNewestVersion   = 66.0           // Spring '26, the newest version the sources attest
	OldestVersion          = 31.0           // 21.0–30.0 retired in Summer '25
	DefaultLocatorLifetime = 48 * time.Hour // "available for 2 days" since API 56.0
	DefaultMaxRequestBytes = 50 << 20       // 50 MB
	DefaultSeedAccounts    = 50
)

// Demo org credentials (DESIGN.md "Seeded demo org").
const (
	DemoUsername      = "admin@sfsim.local"
	DemoPassword      = "password"
	DemoSecurityToken = "token"
	DemoClientID      = "sfsim-client"
	DemoClientSecret  = "sfsim-secret"
)

// Config shapes the emulated org. The zero value is a usable Developer
// Edition org with DefaultSeedAccounts accounts.
type Config struct {
	// DailyLimit is the org's daily API request allowance reported in
	// LimitInfoHeader; calls past it fail with REQUEST_LIMIT_EXCEEDED.
	DailyLimit int
	// SessionTimeout is the idle time after which a session id stops working.
	SessionTimeout time.Duration
	// DisableSOAPLogin switches the org's "Enable SOAP API login()" off, as
	// in orgs created since Winter '26.
	DisableSOAPLogin bool
	// LoginRefusedFrom is the first API version whose login() is refused.
	LoginRefusedFrom float64
	// NewestVersion is the newest API version served and listed.
	NewestVersion float64
	// SeedAccounts sizes the seeded data; negative means none at all.
	SeedAccounts int
	// SeedValue makes the seeded data reproducible (0 picks 1).
	SeedValue int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// LocatorLifetime is how long a query locator stays usable.
	LocatorLifetime time.Duration
	// MaxRequestBytes caps a request body after decompression.
	MaxRequestBytes int64
	// JWTCertificatePEM is the certificate (or PKIX public key) of the
	// connected app that JWT-bearer assertions must be signed for. Empty
	// means the server generates a key pair (see JWTPrivateKey).
	JWTCertificatePEM []byte
}

func (c Config) withDefaults() Config {
	if c.DailyLimit <= 0 {
		c.DailyLimit = DefaultDailyLimit
	}
	if c.SessionTimeout <= 0 {
		c.SessionTimeout = DefaultSessionTimeout
	}
	if c.LoginRefusedFrom <= 0 {
		c.LoginRefusedFrom = DefaultLoginRefusedAt
	}
	if c.NewestVersion <= 0 {
		c.NewestVersion = DefaultNewestVersion
	}
	if c.SeedAccounts == 0 {
		c.SeedAccounts = DefaultSeedAccounts
	}
	if c.SeedValue == 0 {
		c.SeedValue = 1
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.LocatorLifetime <= 0 {
		c.LocatorLifetime = DefaultLocatorLifetime
	}
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	return c
}

// Server is one emulated org. It is safe for concurrent use.
type Server struct {
	cfg     Config
	orgID   string // 18 characters
	user    atomic.Pointer[demoUser]
	handler http.Handler

	jwtPub  *rsa.PublicKey
	jwtPriv *rsa.PrivateKey // nil when a certificate was configured

	mu     sync.RWMutex // guards data; writers hold it for a whole call
	schema atomic.Pointer[meta.Schema]
	data   *store

	closing   chan struct{} // closed by Close: stalled calls give up
	closeOnce sync.Once

	sessions sessionTable
	locators locatorTable
	stats    callStats
	gauge    inFlight
	faults   faultTable
	dups     dupTable
}

// New builds an org seeded as cfg says.
func New(cfg Config) (*Server, error) {
	cfg = cfg.withDefaults()
	if cfg.NewestVersion < OldestVersion {
		return nil, fmt.Errorf("newest version %.1f is older than %.1f", cfg.NewestVersion, OldestVersion)
	}
	s := &Server{cfg: cfg, orgID: meta.OrgID, closing: make(chan struct{})}
	if err := s.initJWTKey(); err != nil {
		return nil, err
	}
	s.sessions.init()
	s.locators.init()
	s.stats.init()
	if err := s.reset(); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

func (s *Server) initJWTKey() error {
	if len(s.cfg.JWTCertificatePEM) == 0 {
		k, err := generatedKey()
		if err != nil {
			return fmt.Errorf("generate jwt key: %w", err)
		}
		s.jwtPriv, s.jwtPub = k, &k.PublicKey
		return nil
	}
	pub, err := parsePublicKeyPEM(s.cfg.JWTCertificatePEM)
	if err != nil {
		return fmt.Errorf("jwt certificate: %w", err)
	}
	s.jwtPub = pub
	return nil
}

// generatedKey is the demo connected app's key pair, made once per process:
// RSA generation is slow enough to dominate a test that starts many orgs.
var generatedKey = sync.OnceValues(func() (*rsa.PrivateKey, error) {
	return rsa.GenerateKey(randReader, 2048)
})

// parsePublicKeyPEM reads an RSA public key from a CERTIFICATE or PUBLIC
// KEY PEM block.
func parsePublicKeyPEM(b []byte) (*rsa.PublicKey, error) {
	for {
		var blk *pem.Block
		blk, b = pem.Decode(b)
		if blk == nil {
			return nil, errors.New("no CERTIFICATE or PUBLIC KEY block")
		}
		switch blk.Type {
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return nil, err
			}
			if k, ok := c.PublicKey.(*rsa.PublicKey); ok {
				return k, nil
			}
			return nil, errors.New("certificate key is not RSA")
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(blk.Bytes)
			if err != nil {
				return nil, err
			}
			if rk, ok := k.(*rsa.PublicKey); ok {
				return rk, nil
			}
			return nil, errors.New("public key is not RSA")
		}
	}
}

// JWTPrivateKey returns the key the server generated for the demo
// connected app, for tests and demos that sign JWT-bearer assertions. It
// is nil when Config.JWTCertificatePEM was given.
func (s *Server) JWTPrivateKey() *rsa.PrivateKey { return s.jwtPriv }

// OrgID returns the org's 18-character id.
func (s *Server) OrgID() string { return s.orgID }

// Handler serves the SOAP API, the OAuth endpoint, the version list and
// the control API.
func (s *Server) Handler() http.Handler { return s.handler }

// Start serves the org on addr (for example "127.0.0.1:0") until ctx ends
// or stop is called, and returns its base URL.
func (s *Server) Start(ctx context.Context, addr string) (url string, stop func(), err error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	go srv.Serve(ln) //nolint:errcheck // Serve returns ErrServerClosed after Shutdown
	var once sync.Once
	stop = func() {
		once.Do(func() {
			s.Close()
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			srv.Shutdown(sctx) //nolint:errcheck // best effort at shutdown
		})
	}
	context.AfterFunc(ctx, stop)
	return "http://" + ln.Addr().String(), stop, nil
}

// usr is the org's API user.
func (s *Server) usr() *demoUser { return s.user.Load() }

// sc is the current schema (replaced whole by reset).
func (s *Server) sc() *meta.Schema { return s.schema.Load() }

// Close ends calls stalled by injected "timeout" or "delay" faults (their
// connections are dropped), so an http.Server holding this handler can shut
// down promptly. The org keeps serving other calls.
func (s *Server) Close() {
	s.closeOnce.Do(func() { close(s.closing) })
}

func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/services/Soap/u/{version}", s.counted(s.serveSOAP))
	mux.HandleFunc("/services/Soap/u/{version}/{org}", s.counted(s.serveSOAP))
	mux.HandleFunc("GET /services/data/{$}", s.serveVersions)
	mux.HandleFunc("GET /services/data", s.serveVersions)
	mux.HandleFunc("/services/oauth2/token", s.serveToken)
	s.controlRoutes(mux)
	return mux
}
