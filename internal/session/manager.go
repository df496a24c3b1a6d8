// Package session is the one source of valid Salesforce sessions for a
// configured connection. A Manager logs in with OAuth 2.0 client
// credentials, OAuth 2.0 JWT bearer or (legacy) SOAP login(), shares the
// session with every replica through an encrypted entry in Redis, lets at
// most one login be in flight per connection across all replicas, evicts
// only the exact session Salesforce rejected, and backs off after failed
// logins so that bad credentials never turn into a login storm.
package session

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/metric"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Flow is a way of obtaining a session.
type Flow string

const (
	// FlowClientCredentials is the OAuth 2.0 client credentials flow.
	FlowClientCredentials Flow = "oauth_client_credentials"
	// FlowJWTBearer is the OAuth 2.0 JWT bearer flow.
	FlowJWTBearer Flow = "oauth_jwt_bearer"
	// FlowSOAPLogin is SOAP login() with username and password+token.
	FlowSOAPLogin Flow = "soap_login"
)

// Defaults.
const (
	// DefaultTTL is how long a session is trusted when the flow does not
	// report its timeout: below Salesforce's default two-hour idle timeout.
	DefaultTTL = time.Hour + 45*time.Minute
	// DefaultLoginTimeout bounds one login attempt.
	DefaultLoginTimeout = 30 * time.Second
	// DefaultLockPoll is how often a replica waiting on another's login
	// looks for the winner's session.
	DefaultLockPoll = 25 * time.Millisecond
	// minTTL keeps a tiny sessionSecondsValid from making every call log in.
	minTTL = time.Minute
)

// SOAPLoginer calls SOAP login() at loginURL on the given API version.
// *salesforce.Client, or SOAPLoginFunc around it, satisfies it.
type SOAPLoginer interface {
	Login(ctx context.Context, loginURL, apiVersion, username string, password salesforce.Secret) (*salesforce.LoginResult, error)
}

// SOAPLoginFunc adapts a function to SOAPLoginer.
type SOAPLoginFunc func(ctx context.Context, loginURL, apiVersion, username string, password salesforce.Secret) (*salesforce.LoginResult, error)

// Login implements SOAPLoginer.
func (f SOAPLoginFunc) Login(ctx context.Context, loginURL, apiVersion, username string, password salesforce.Secret) (*salesforce.LoginResult, error) {
	return f(ctx, loginURL, apiVersion, username, password)
}

// Config configures one connection's Manager.
type Config struct {
	// Name is the connection name; it scopes the Redis keys.
	Name string
	// LoginURL is SF_LOGIN_URL: login.salesforce.com, test.salesforce.com,
	// a My Domain URL or the emulator's URL.
	LoginURL string
	// Flow selects the login flow; empty infers it from the credentials
	// given: client id and secret → client credentials; client id,
	// username and JWT key → JWT bearer; username and password → SOAP.
	Flow Flow

	ClientID      string
	ClientSecret  salesforce.Secret
	Username      string
	Password      salesforce.Secret
	SecurityToken salesforce.Secret
	// JWTKey signs the JWT bearer assertion (see LoadRSAKey).
	JWTKey *rsa.PrivateKey
	// JWTAudience overrides the assertion's aud (default: Audience(LoginURL)).
	JWTAudience string

	// APIVersion is SF_API_VERSION; empty means the newest version the org
	// lists at /services/data/. Below 31.0 is refused.
	APIVersion string

	// SOAPLogin performs login() for FlowSOAPLogin.
	SOAPLogin SOAPLoginer
	// HTTPClient is used for the OAuth token endpoint and version discovery.
	// Nil means a client with a 30-second timeout.
	HTTPClient *http.Client

	// Shared is the store shared by all replicas (Redis). Nil means this
	// process only (memory-only deployments, --demo).
	Shared cache.Store
	// Keys encrypts sessions in Shared; required when Shared is set.
	Keys *Keyring

	// MeterProvider records logins and token requests in the Salesforce
	// client's metrics (salesforce.Instruments); nil means the global one.
	MeterProvider metric.MeterProvider

	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// DefaultTTL overrides DefaultTTL.
	DefaultTTL time.Duration
	// LoginTimeout overrides DefaultLoginTimeout.
	LoginTimeout time.Duration
	// LockPoll overrides DefaultLockPoll.
	LockPoll time.Duration
}

// Manager hands out the current session of one connection. It implements
// salesforce.SessionSource and is safe for concurrent use.
type Manager struct {
	cfg      Config
	jwtKey   *rsa.PrivateKey
	audience string
	pinned   string // normalised SF_API_VERSION, or ""

	sessionKey, lockKey, errorKey string

	cur atomic.Pointer[held] // the hot path reads only this

	mu       sync.Mutex
	flight   *flight
	failure  *partner.LoginError // last failure, answered until RetryAt
	failures int                 // consecutive failures, for the backoff
	rejected string              // id of the last session Salesforce rejected

	verMu       sync.Mutex // guards dataVersion
	dataVersion string
	lverMu      sync.Mutex // guards loginVersion; apart from verMu because APIVersion may log in
	loginVer    string

	logins  atomic.Int64
	metrics *salesforce.Instruments
}

var _ salesforce.SessionSource = (*Manager)(nil)

// held is a session with its local deadline.
type held struct {
	session salesforce.Session
	expires time.Time
}

// obtained is what a login flow returns.
type obtained struct {
	session salesforce.Session
	// valid is the session timeout Salesforce reported (0 = unknown).
	valid time.Duration
}

type flight struct {
	done chan struct{}
	s    salesforce.Session
	err  error
}

// New validates cfg and returns a Manager. It does not log in.
func New(cfg Config) (*Manager, error) {
	if cfg.Name == "" {
		return nil, errors.New("session: connection name is empty")
	}
	if cfg.LoginURL == "" {
		cfg.LoginURL = "https://login.salesforce.com"
	}
	u, err := url.Parse(cfg.LoginURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("session %q: SF_LOGIN_URL %q is not an http(s) URL", cfg.Name, cfg.LoginURL)
	}
	cfg.LoginURL = strings.TrimRight(cfg.LoginURL, "/")
	if cfg.Flow == "" {
		cfg.Flow = inferFlow(cfg)
	}
	m := &Manager{
		cfg:        cfg,
		sessionKey: cache.Key(cfg.Name, "session"),
		lockKey:    cache.Key(cfg.Name, "session", "lock"),
		errorKey:   cache.Key(cfg.Name, "session", "error"),
	}
	var missing []string
	need := func(ok bool, name string) {
		if !ok {
			missing = append(missing, name)
		}
	}
	switch cfg.Flow {
	case FlowClientCredentials:
		need(cfg.ClientID != "", "SF_CLIENT_ID")
		need(cfg.ClientSecret != "", "SF_CLIENT_SECRET")
	case FlowJWTBearer:
		need(cfg.ClientID != "", "SF_CLIENT_ID")
		need(cfg.Username != "", "SF_USERNAME")
		need(cfg.JWTKey != nil, "SF_JWT_KEY_FILE")
		m.jwtKey = cfg.JWTKey
		m.audience = cfg.JWTAudience
		if m.audience == "" {
			if m.audience, err = Audience(cfg.LoginURL); err != nil {
				return nil, fmt.Errorf("session %q: %w", cfg.Name, err)
			}
		}
	case FlowSOAPLogin:
		need(cfg.Username != "", "SF_USERNAME")
		need(cfg.Password != "", "SF_PASSWORD")
		if cfg.SOAPLogin == nil {
			return nil, fmt.Errorf("session %q: SOAP login flow needs a SOAP client", cfg.Name)
		}
	case "":
		return nil, fmt.Errorf("session %q: no credentials: set SF_CLIENT_ID and SF_CLIENT_SECRET (client credentials), SF_CLIENT_ID, SF_USERNAME and SF_JWT_KEY_FILE (JWT bearer), or SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (SOAP login)", cfg.Name)
	default:
		return nil, fmt.Errorf("session %q: unknown login flow %q", cfg.Name, cfg.Flow)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("session %q: %s flow needs %s", cfg.Name, cfg.Flow, strings.Join(missing, ", "))
	}
	if cfg.APIVersion != "" {
		if m.pinned, err = ParseAPIVersion(cfg.APIVersion); err != nil {
			return nil, fmt.Errorf("session %q: %w", cfg.Name, err)
		}
	}
	if cfg.Shared != nil && cfg.Keys == nil {
		return nil, fmt.Errorf("session %q: CACHE_ENCRYPTION_KEY is required to share sessions through Redis", cfg.Name)
	}
	if m.cfg.HTTPClient == nil {
		m.cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if m.cfg.Now == nil {
		m.cfg.Now = time.Now
	}
	if m.metrics, err = salesforce.NewInstruments(cfg.MeterProvider); err != nil {
		return nil, fmt.Errorf("session %q: %w", cfg.Name, err)
	}
	if m.cfg.DefaultTTL <= 0 {
		m.cfg.DefaultTTL = DefaultTTL
	}
	if m.cfg.LoginTimeout <= 0 {
		m.cfg.LoginTimeout = DefaultLoginTimeout
	}
	if m.cfg.LockPoll <= 0 {
		m.cfg.LockPoll = DefaultLockPoll
	}
	return m, nil
}

func inferFlow(cfg Config) Flow {
	switch {
	case cfg.ClientID != "" && cfg.ClientSecret != "":
		return FlowClientCredentials
	case cfg.ClientID != "" && cfg.Username != "" && cfg.JWTKey != nil:
		return FlowJWTBearer
	case cfg.Username != "" && cfg.Password != "":
		return FlowSOAPLogin
	}
	return ""
}

// metricLabel is the flow's value of the logins metric's flow label:
// OAuth's grant names, and "password" for SOAP login().
func (f Flow) metricLabel() string {
	switch f {
	case FlowClientCredentials:
		return "client_credentials"
	case FlowJWTBearer:
		return "jwt_bearer"
	case FlowSOAPLogin:
		return "password"
	}
	return "other"
}

// Name returns the connection name.
func (m *Manager) Name() string { return m.cfg.Name }

// Flow returns the login flow in use.
func (m *Manager) Flow() Flow { return m.cfg.Flow }

// Logins reports how many login attempts this Manager has made itself,
// failed ones included, not counting sessions adopted from peers.
func (m *Manager) Logins() int64 { return m.logins.Load() }

func (m *Manager) now() time.Time { return m.cfg.Now() }

// Session returns a session believed valid. The in-process copy answers
// without any I/O; otherwise one login (or one read of a peer's session)
// is shared by all concurrent callers of this process, and across
// processes through the Redis lock. After a failed login, callers get the
// same error until its backoff has passed.
func (m *Manager) Session(ctx context.Context) (salesforce.Session, error) {
	if h := m.cur.Load(); h != nil && m.now().Before(h.expires) {
		return h.session, nil
	}
	m.mu.Lock()
	if h := m.cur.Load(); h != nil && m.now().Before(h.expires) {
		m.mu.Unlock()
		return h.session, nil
	}
	if f := m.failure; f != nil && m.now().Before(f.RetryAt) {
		m.mu.Unlock()
		return salesforce.Session{}, f
	}
	fl := m.flight
	if fl == nil {
		fl = &flight{done: make(chan struct{})}
		m.flight = fl
		// The shared attempt must not die with the caller that started it:
		// everyone else is waiting on it too.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*m.cfg.LoginTimeout+5*time.Second)
		go func() {
			defer cancel()
			m.run(lctx, fl)
		}()
	}
	m.mu.Unlock()
	select {
	case <-fl.done:
		return fl.s, fl.err
	case <-ctx.Done():
		return salesforce.Session{}, ctx.Err()
	}
}

func (m *Manager) run(ctx context.Context, fl *flight) {
	h, err := m.acquire(ctx)
	m.mu.Lock()
	defer m.mu.Unlock()
	if err == nil {
		m.cur.Store(h)
		m.failure, m.failures = nil, 0
		fl.s = h.session
	} else {
		fl.err = m.recordFailure(err)
	}
	m.flight = nil
	close(fl.done)
}

// recordFailure turns err into a *partner.LoginError with a RetryAt and remembers
// it. Called with m.mu held.
func (m *Manager) recordFailure(err error) *partner.LoginError {
	var le *partner.LoginError
	if !errors.As(err, &le) {
		le = m.loginErr("", "", err)
	}
	m.failures++
	if le.RetryAt.IsZero() {
		le.RetryAt = m.now().Add(defaultBackoff[le.Kind].after(m.failures))
	}
	m.failure = le
	return le
}

// loginErr builds a partner.LoginError for this connection, classifying code.
func (m *Manager) loginErr(code, msg string, cause error) *partner.LoginError {
	return &partner.LoginError{Connection: m.cfg.Name, Flow: string(m.cfg.Flow), Code: code, Message: msg, Kind: classifyCode(code), Err: cause}
}

// acquire finds or makes a session. With a shared store, it adopts a peer's
// session when there is one, otherwise takes the login lock and logs in,
// or waits for the lock holder's session. If the store is unreachable it
// logs in on its own: a Redis outage must not stop the gateway.
func (m *Manager) acquire(ctx context.Context) (*held, error) {
	if m.cfg.Shared == nil {
		return m.loginLocal(ctx)
	}
	log := zerolog.Ctx(ctx)
	for {
		h, err := m.readShared(ctx)
		if err != nil {
			return m.degraded(ctx, err)
		}
		if h != nil {
			return h, nil
		}
		if le := m.readSharedFailure(ctx); le != nil {
			return nil, le
		}
		lease, err := cache.TryLock(ctx, m.cfg.Shared, m.lockKey, m.cfg.LoginTimeout+5*time.Second)
		if err == nil {
			return m.loginLocked(ctx, lease)
		}
		if !errors.Is(err, cache.ErrLocked) {
			return m.degraded(ctx, err)
		}
		log.Debug().Str("connection", m.cfg.Name).Msg("waiting for a peer's login")
		// Jitter keeps waiting replicas from polling in lockstep.
		wait := m.cfg.LockPoll + rand.N(m.cfg.LockPoll)
		select {
		case <-ctx.Done():
			return nil, m.loginErr("", "gave up waiting for another replica's login", ctx.Err())
		case <-time.After(wait):
		}
	}
}

// loginLocked runs with the login lock held.
func (m *Manager) loginLocked(ctx context.Context, lease *cache.Lease) (*held, error) {
	defer func() {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if err := lease.Release(rctx); err != nil {
			zerolog.Ctx(ctx).Warn().Err(err).Str("connection", m.cfg.Name).Msg("login lock release")
		}
	}()
	// A peer may have finished its login between our read and our lock.
	if h, err := m.readShared(ctx); err == nil && h != nil {
		return h, nil
	}
	h, err := m.loginLocal(ctx)
	if err != nil {
		m.writeSharedFailure(ctx, err)
		return nil, err
	}
	if err := m.writeShared(ctx, h); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("connection", m.cfg.Name).Msg("session not shared: Redis write failed; this replica keeps it in process")
	}
	return h, nil
}

func (m *Manager) degraded(ctx context.Context, err error) (*held, error) {
	zerolog.Ctx(ctx).Warn().Err(err).Str("connection", m.cfg.Name).Msg("Redis unavailable: logging in without sharing the session")
	return m.loginLocal(ctx)
}

// loginLocal performs one login with the configured flow.
func (m *Manager) loginLocal(ctx context.Context) (*held, error) {
	ctx, cancel := context.WithTimeout(ctx, m.cfg.LoginTimeout)
	defer cancel()
	start := time.Now()
	var (
		o   obtained
		err error
	)
	m.logins.Add(1)
	switch m.cfg.Flow {
	case FlowClientCredentials:
		o, err = m.clientCredentialsLogin(ctx)
	case FlowJWTBearer:
		o, err = m.jwtBearerLogin(ctx)
	case FlowSOAPLogin:
		o, err = m.soapLogin(ctx)
	}
	m.metrics.Login(ctx, m.cfg.Flow.metricLabel(), err)
	log := zerolog.Ctx(ctx)
	if err != nil {
		log.Error().Err(err).Str("connection", m.cfg.Name).Str("flow", string(m.cfg.Flow)).Msg("login failed")
		return nil, err
	}
	ttl := m.cfg.DefaultTTL
	if o.valid > 0 {
		// Stop using a session well before Salesforce's idle timeout.
		ttl = max(o.valid*7/8, minTTL)
	}
	log.Info().Str("connection", m.cfg.Name).Str("flow", string(m.cfg.Flow)).
		Int64("duration_ms", time.Since(start).Milliseconds()).Dur("ttl", ttl).Msg("logged in")
	return &held{session: o.session, expires: m.now().Add(ttl)}, nil
}

func (m *Manager) soapLogin(ctx context.Context) (obtained, error) {
	ver, err := m.soapLoginVersion(ctx)
	if err != nil {
		return obtained{}, err
	}
	zerolog.Ctx(ctx).Warn().Str("connection", m.cfg.Name).Str("api_version", ver).
		Msg("using SOAP login(), which Salesforce removed from API 65.0 and retires for all versions in Summer '27: switch this connection to OAuth (SF_CLIENT_ID with SF_CLIENT_SECRET or SF_JWT_KEY_FILE)")
	pw := salesforce.Secret(m.cfg.Password.Reveal() + m.cfg.SecurityToken.Reveal())
	res, err := m.cfg.SOAPLogin.Login(ctx, m.cfg.LoginURL, ver, m.cfg.Username, pw)
	if err != nil {
		var se *partner.Error
		if errors.As(err, &se) {
			le := m.loginErr(se.Code, se.Message, nil)
			if se.Kind != partner.KindFault {
				le.Err, le.Kind = err, partner.LoginTransient
			}
			if se.Code == partner.CodeLoginRateExceeded {
				le.Kind = partner.LoginRateLimited
			}
			return obtained{}, le
		}
		return obtained{}, m.loginErr("", "", err)
	}
	if res.PasswordExpired {
		return obtained{}, m.loginErr("INVALID_OPERATION_WITH_EXPIRED_PASSWORD", "the user's password has expired; only setPassword() is allowed", nil)
	}
	inst := res.InstanceURL()
	if res.SessionID == "" || inst == "" {
		return obtained{}, m.loginErr("", "login answer has no sessionId or serverUrl", nil)
	}
	o := obtained{session: salesforce.Session{ID: res.SessionID, InstanceURL: inst, UserID: res.UserID, Obtained: m.now()}}
	if ui := res.UserInfo; ui != nil {
		o.session.OrgID = ui.OrganizationID
		o.valid = time.Duration(ui.SessionSecondsValid) * time.Second
	}
	return o, nil
}

// Invalidate drops s if it is still the current session: in process, and
// in Redis with a compare-and-delete of exactly that entry, so a replica
// holding a stale session never evicts the one a peer has just obtained.
// It never calls logout(): the session is shared.
func (m *Manager) Invalidate(ctx context.Context, s salesforce.Session) error {
	id := s.ID.Reveal()
	if id == "" {
		return nil
	}
	m.mu.Lock()
	if h := m.cur.Load(); h != nil && h.session.ID.Reveal() == id {
		m.cur.Store(nil)
	}
	m.rejected = id
	m.mu.Unlock()
	if m.cfg.Shared == nil {
		return nil
	}
	raw, h, err := m.getShared(ctx)
	if err == nil && h != nil && h.session.ID.Reveal() == id {
		_, err = m.cfg.Shared.CompareAndDelete(ctx, m.sessionKey, raw)
	}
	if errors.Is(err, cache.ErrUnavailable) {
		// The rejected session is gone from this process, which is what
		// the caller's retry needs; peers will be told by Salesforce
		// itself, and readShared skips the rejected id if Redis returns
		// still holding it.
		zerolog.Ctx(ctx).Warn().Err(err).Str("connection", m.cfg.Name).Msg("Redis unavailable: rejected session dropped in process only")
		return nil
	}
	if err != nil {
		return fmt.Errorf("session %q: evict rejected session: %w", m.cfg.Name, err)
	}
	return nil
}

// record is a session as stored (encrypted) in Redis.
type record struct {
	ID          string    `json:"id"`
	InstanceURL string    `json:"instanceUrl"`
	OrgID       string    `json:"orgId,omitempty"`
	UserID      string    `json:"userId,omitempty"`
	Obtained    time.Time `json:"obtained"`
	Expires     time.Time `json:"expires"`
}

// getShared reads and decrypts the shared session. A missing, expired or
// undecryptable entry is (nil, nil): undecryptable means a key was rotated
// away, and a fresh login replaces it.
func (m *Manager) getShared(ctx context.Context) ([]byte, *held, error) {
	raw, err := m.cfg.Shared.Get(ctx, m.sessionKey)
	if errors.Is(err, cache.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	pt, err := m.cfg.Keys.Open(raw, []byte(m.sessionKey))
	if err != nil {
		zerolog.Ctx(ctx).Warn().Str("connection", m.cfg.Name).Msg("shared session cannot be decrypted with any configured key; ignoring it")
		return raw, nil, nil
	}
	var r record
	if err := json.Unmarshal(pt, &r); err != nil || r.ID == "" {
		return raw, nil, nil
	}
	if !m.now().Before(r.Expires) {
		return raw, nil, nil
	}
	return raw, &held{
		session: salesforce.Session{ID: salesforce.Secret(r.ID), InstanceURL: r.InstanceURL, OrgID: r.OrgID, UserID: r.UserID, Obtained: r.Obtained},
		expires: r.Expires,
	}, nil
}

// readShared is getShared minus a session this process already saw
// rejected (which it evicts).
func (m *Manager) readShared(ctx context.Context) (*held, error) {
	raw, h, err := m.getShared(ctx)
	if err != nil || h == nil {
		return nil, err
	}
	m.mu.Lock()
	rejected := m.rejected
	m.mu.Unlock()
	if h.session.ID.Reveal() == rejected {
		_, _ = m.cfg.Shared.CompareAndDelete(ctx, m.sessionKey, raw)
		return nil, nil
	}
	return h, nil
}

func (m *Manager) writeShared(ctx context.Context, h *held) error {
	ttl := h.expires.Sub(m.now())
	if ttl <= 0 {
		return nil
	}
	pt, err := json.Marshal(record{
		ID: h.session.ID.Reveal(), InstanceURL: h.session.InstanceURL, OrgID: h.session.OrgID,
		UserID: h.session.UserID, Obtained: h.session.Obtained, Expires: h.expires,
	})
	if err != nil {
		return err
	}
	blob, err := m.cfg.Keys.Seal(pt, []byte(m.sessionKey))
	if err != nil {
		return err
	}
	return m.cfg.Shared.Set(ctx, m.sessionKey, blob, ttl)
}

// sharedFailure is a failed login as published to peers, so they answer
// the same error instead of each trying the same bad credentials.
type sharedFailure struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Kind    partner.LoginKind `json:"kind"`
	RetryAt time.Time         `json:"retryAt"`
}

func (m *Manager) writeSharedFailure(ctx context.Context, err error) {
	var le *partner.LoginError
	if !errors.As(err, &le) {
		return
	}
	m.mu.Lock()
	n := m.failures + 1
	m.mu.Unlock()
	retryAt := m.now().Add(defaultBackoff[le.Kind].after(n))
	le.RetryAt = retryAt
	b, jerr := json.Marshal(sharedFailure{Code: le.Code, Message: le.Message, Kind: le.Kind, RetryAt: retryAt})
	if jerr != nil {
		return
	}
	_ = m.cfg.Shared.Set(ctx, m.errorKey, b, retryAt.Sub(m.now()))
}

func (m *Manager) readSharedFailure(ctx context.Context) *partner.LoginError {
	b, err := m.cfg.Shared.Get(ctx, m.errorKey)
	if err != nil {
		return nil
	}
	var f sharedFailure
	if json.Unmarshal(b, &f) != nil || !m.now().Before(f.RetryAt) {
		return nil
	}
	return &partner.LoginError{Connection: m.cfg.Name, Flow: string(m.cfg.Flow), Code: f.Code, Message: f.Message, Kind: f.Kind, RetryAt: f.RetryAt}
}

// APIVersion returns the API version for data calls: SF_API_VERSION when
// pinned, otherwise the newest version the org lists at
// {instance}/services/data/ (which needs a session, so this may log in).
// The discovered version is remembered for the life of the Manager.
func (m *Manager) APIVersion(ctx context.Context) (string, error) {
	if m.pinned != "" {
		return m.pinned, nil
	}
	m.verMu.Lock()
	v := m.dataVersion
	m.verMu.Unlock()
	if v != "" {
		return v, nil
	}
	// Not under verMu: a login may take a while and must honour ctx.
	s, err := m.Session(ctx)
	if err != nil {
		return "", err
	}
	m.verMu.Lock()
	defer m.verMu.Unlock()
	if m.dataVersion != "" {
		return m.dataVersion, nil
	}
	v, err = discoverVersion(ctx, m.cfg.HTTPClient, s.InstanceURL)
	if err != nil {
		return "", fmt.Errorf("session %q: %w", m.cfg.Name, err)
	}
	m.dataVersion = v
	return v, nil
}

// soapLoginVersion is the version login() is called at: the pinned data
// version or the newest the login host lists, and never above 64.0.
func (m *Manager) soapLoginVersion(ctx context.Context) (string, error) {
	if m.pinned != "" {
		return loginVersion(m.pinned), nil
	}
	m.lverMu.Lock()
	defer m.lverMu.Unlock()
	if m.loginVer != "" {
		return m.loginVer, nil
	}
	v, err := discoverVersion(ctx, m.cfg.HTTPClient, m.cfg.LoginURL)
	if err != nil {
		// The login host may not serve the version list; 64.0 is the
		// newest version with login() and served by every current org.
		zerolog.Ctx(ctx).Debug().Err(err).Str("connection", m.cfg.Name).Msg("login host lists no versions; using 64.0")
		v = loginVersion("")
	}
	m.loginVer = loginVersion(v)
	return m.loginVer, nil
}
