package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/handlers"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/service"
	"github.com/sfgate/sfgate/internal/session"
	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/telemetry"
)

// connection is the name of the one Salesforce connection the gateway
// serves; it scopes every cache key.
const connection = "default"

// run is the whole program: main only supplies the process's arguments,
// environment and stdout, and tests call it the same way. It returns when
// ctx ends (after a graceful shutdown) or the server fails. Each step below
// is a function of its own; everything started is stopped in reverse order
// on the way out.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (err error) {
	if isVersionRequest(args) {
		return printVersion(stdout)
	}
	cfg, err := parseConfig(args, getenv, stdout)
	if err != nil {
		return err
	}
	logger := newLogger(cfg, stdout)
	ctx = logger.WithContext(ctx)
	logger.Info().Str("version", version).Str("commit", commit).Fields(cfg.masked()).Msg("configuration")

	var closers []func()
	defer func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}()

	// First in, so last out: the final spans are flushed after the HTTP
	// server has drained and everything else has stopped.
	tp, stopTracing, err := startTracing(ctx, cfg.Tracing, &logger)
	if err != nil {
		return err
	}
	closers = append(closers, stopTracing)

	// One meter provider for the whole process, exported to Prometheus
	// (docs/metrics.md); every package records through it.
	prom, err := telemetry.NewPrometheus()
	if err != nil {
		return err
	}
	closers = append(closers, func() { _ = prom.Shutdown(context.WithoutCancel(ctx)) })
	tel := telemetryProviders{tracer: tp, meter: prom.MeterProvider}
	if cfg.MetricsAddr == "" {
		tel.metrics = prom.Handler
	} else {
		stopMetrics, err := serveMetrics(ctx, cfg.MetricsAddr, prom.Handler, cfg.Pprof, &logger)
		if err != nil {
			return err
		}
		closers = append(closers, stopMetrics)
	}

	if cfg.Demo {
		stopSim, err := startDemoOrg(ctx, &cfg, &logger)
		if err != nil {
			return err
		}
		closers = append(closers, stopSim)
	}
	if cfg.Flow() == string(session.FlowSOAPLogin) {
		logger.Warn().Msg("using SOAP login(): Salesforce removed it from API 65.0, turns it off by default in orgs created since Winter '26 and retires it for all versions in Summer '27; move to SF_CLIENT_ID/SF_CLIENT_SECRET (OAuth client credentials)")
	}

	// Callers first: a callers file that does not parse stops the start
	// before anything is spent on Salesforce.
	auth, err := buildAuth(ctx, cfg, &logger)
	if err != nil {
		return err
	}
	tiered, redis, keys, err := openCache(ctx, cfg, &logger)
	if err != nil {
		return err
	}
	// The Redis client closes after the tiered cache that uses it, or the
	// cache's subscriber would report a spurious outage on the way out.
	if redis != nil {
		closers = append(closers, func() { _ = redis.Close() })
	}
	closers = append(closers, func() { _ = tiered.Close() })

	org, err := newOrgProtection(cfg, redis, &logger)
	if err != nil {
		return err
	}
	sfHTTP := &http.Client{Transport: salesforce.NewTransport(salesforce.TransportConfig{})}
	closers = append(closers, sfHTTP.CloseIdleConnections)
	client, err := connectSalesforce(ctx, cfg, sfHTTP, tel, redis, keys, org.guard, &logger)
	if err != nil {
		return err
	}
	if err := observeState(tel.meter, client, tiered); err != nil {
		return err
	}
	h, err := buildHandlers(ctx, cfg, auth, client, tiered, idempotencyStore(cfg, redis), tel, org.rates, &logger)
	if err != nil {
		return err
	}
	return serve(ctx, cfg, h, &logger)
}

// telemetryProviders are the process's tracer and meter providers, handed
// to every package that makes spans or records metrics.
type telemetryProviders struct {
	tracer trace.TracerProvider
	meter  metric.MeterProvider
	// metrics serves /metrics on the main listener; nil when it has a
	// listener of its own (GATEWAY_METRICS_ADDR).
	metrics http.Handler
}

// startDemoOrg starts the emulator in-process on a loopback port (--demo)
// and points cfg at it with the emulator's own OAuth client.
func startDemoOrg(ctx context.Context, cfg *Config, logger *zerolog.Logger) (stop func(), err error) {
	sim, err := sfsim.New(sfsim.Config{})
	if err != nil {
		return nil, fmt.Errorf("demo emulator: %w", err)
	}
	simURL, stop, err := sim.Start(context.WithoutCancel(ctx), "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("demo emulator: %w", err)
	}
	cfg.LoginURL, cfg.ClientID, cfg.ClientSecret = simURL, sfsim.DemoClientID, sfsim.DemoClientSecret
	logger.Warn().Str("sf_login_url", simURL).Msg("demo mode: serving the built-in Salesforce emulator, not a real org")
	return stop, nil
}

// connectSalesforce builds the session manager (the login flow cfg
// selects, sessions shared through redis when it is set) and the client of
// the data calls, at the API version apiVersion settles on; guard protects
// the org from both.
func connectSalesforce(ctx context.Context, cfg Config, sfHTTP *http.Client, tel telemetryProviders, redis *cache.Redis, keys *session.Keyring, guard salesforce.Guard, logger *zerolog.Logger) (*salesforce.Client, error) {
	loginClient, err := salesforce.New(salesforce.Config{HTTPClient: sfHTTP, ClientName: "sfgate", TracerProvider: tel.tracer, MeterProvider: tel.meter, Guard: guard})
	if err != nil {
		return nil, fmt.Errorf("salesforce login client: %w", err)
	}
	scfg := session.Config{
		Name: connection, LoginURL: cfg.LoginURL,
		ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		Username: cfg.Username, Password: cfg.Password, SecurityToken: cfg.SecurityToken,
		APIVersion: cfg.APIVersion, SOAPLogin: loginClient, Keys: keys, MeterProvider: tel.meter,
	}
	if redis != nil {
		scfg.Shared = redis
	}
	if cfg.JWTKeyFile != "" {
		if scfg.JWTKey, err = session.LoadRSAKey(cfg.JWTKeyFile); err != nil {
			return nil, fmt.Errorf("SF_JWT_KEY_FILE: %w", err)
		}
	}
	sessions, err := session.New(scfg)
	if err != nil {
		return nil, err
	}
	version := apiVersion(ctx, sessions, logger)
	client, err := salesforce.New(salesforce.Config{Sessions: sessions, APIVersion: version, HTTPClient: sfHTTP, ClientName: "sfgate", TracerProvider: tel.tracer, MeterProvider: tel.meter, Guard: guard})
	if err != nil {
		return nil, fmt.Errorf("salesforce client: %w", err)
	}
	return client, nil
}

// The engine declares what it needs of the SOAP client in its own terms
// (docs/ARCHITECTURE.md); the wiring is where the client must fit.
var (
	_ service.Client     = (*salesforce.Client)(nil)
	_ metadata.Describer = (*salesforce.Client)(nil)
)

// buildHandlers builds the describe metadata service, the records service
// and the HTTP handlers over them, with the pod's readiness.
func buildHandlers(ctx context.Context, cfg Config, auth handlers.Authenticator, client *salesforce.Client, tiered *cache.Tiered, idem sfgate.IdempotencyStore, tel telemetryProviders, rates handlers.RateLimiter, logger *zerolog.Logger) (*handlers.Handlers, error) {
	meta, err := metadata.New(metadata.Config{Connection: connection, Client: client, Cache: tiered, TTL: cfg.DescribeTTL})
	if err != nil {
		return nil, fmt.Errorf("metadata service: %w", err)
	}

	ck, ckFrom, err := cfg.cursorKey()
	if err != nil {
		return nil, fmt.Errorf("cursor key: %w", err)
	}
	if ckFrom == "random for this process" && !cfg.Demo {
		logger.Warn().Msg("neither GATEWAY_CURSOR_KEY nor CACHE_ENCRYPTION_KEY is set: query cursors are signed with a key of this process, so a cursor only works on the replica that issued it")
	}
	svc, err := service.New(service.Config{Client: client, Metadata: meta, Connection: connection, CursorKey: ck, CursorTTL: cfg.CursorTTL,
		BatchConcurrency: cfg.OrgLimits.BatchConcurrency})
	if err != nil {
		return nil, fmt.Errorf("records service: %w", err)
	}

	opts := handlers.Options{
		Describe: svc, CachedDescribe: svc, Schemas: svc, Records: svc, Queries: svc, Limits: svc, Cache: svc,
		Ready: readiness{tiered: tiered, client: client}, PublicURL: cfg.PublicURL,
		Logger: *logger, TracerProvider: tel.tracer, MeterProvider: tel.meter, Metrics: tel.metrics, APIKeys: cfg.APIKeys, Auth: auth, RateLimit: cfg.RateLimit, RateBurst: cfg.RateBurst,
		MaxBodyBytes: cfg.MaxBodyBytes, MaxBatchBodyBytes: cfg.MaxBatchBodyBytes, MaxBufferedBodyBytes: cfg.MaxBufferedBytes, RequestTimeout: cfg.RequestTimeout,
		RateLimiter: rates, MaxStreams: cfg.OrgLimits.MaxStreams, MaxStreamsPerCaller: cfg.OrgLimits.MaxStreamsPerCall,
		Idempotency: idem, MaxIdempotentAnswerBytes: cfg.Idempotency.MaxAnswerBytes,
	}
	cfg.Door.options(&opts)
	h, err := handlers.New(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("handlers: %w", err)
	}
	if len(cfg.APIKeys) == 0 && auth == nil {
		logger.Warn().Msg("none of GATEWAY_API_KEYS, GATEWAY_CALLERS_FILE and GATEWAY_JWT_JWKS_URL is set: callers are not authenticated, and the rate limit applies per client address (behind a proxy, every caller shares the proxy's)")
	}
	return h, nil
}

// readHeaderTimeout bounds how long a request's header block may take to
// arrive; a client that trickles headers is cut after it.
const readHeaderTimeout = 10 * time.Second

// drainable is the HTTP handler serve runs: it can turn /readyz to 503.
type drainable interface {
	http.Handler
	SetDraining(bool)
}

// serve listens on cfg.Addr and serves h until ctx ends, then drains:
// /readyz turns 503 so the load balancer stops sending, and in-flight
// requests get ShutdownTimeout to finish.
func serve(ctx context.Context, cfg Config, h drainable, logger *zerolog.Logger) error {
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: readHeaderTimeout,
		// A backstop only: on /v1 the handlers set each request's read
		// deadline themselves (a short one until the caller is
		// authenticated, then GATEWAY_BODY_READ_TIMEOUT for its body), and
		// nothing else reads a body.
		ReadTimeout: readHeaderTimeout + handlers.DefaultUnauthenticatedTimeout,
		// Ordinary answers; NDJSON streams extend their own write deadline.
		WriteTimeout:   cfg.RequestTimeout + 10*time.Second,
		IdleTimeout:    120 * time.Second,
		MaxHeaderBytes: 64 << 10,
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:       log.New(logger.With().Str("component", "http.Server").Logger(), "", 0),
	}
	scheme := "http"
	if cfg.Door.TLSCertFile != "" {
		certs, err := newCertReloader(cfg.Door.TLSCertFile, cfg.Door.TLSKeyFile, logger)
		if err != nil {
			_ = ln.Close()
			return err
		}
		srv.TLSConfig = certs.tlsConfig()
		scheme = "https"
	}
	logger.Info().Str("addr", ln.Addr().String()).Str("scheme", scheme).Msgf("gateway listening on %s", ln.Addr())

	errc := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	logger.Info().Dur("timeout", cfg.ShutdownTimeout).Msg("shutting down")
	h.SetDraining(true)
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = srv.Close()
		return fmt.Errorf("shutdown: %w", err)
	}
	logger.Info().Msg("stopped")
	return nil
}

func newLogger(cfg Config, stdout io.Writer) zerolog.Logger {
	var w io.Writer = stdout
	if cfg.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: stdout, NoColor: true, TimeFormat: time.RFC3339}
	}
	return zerolog.New(w).Level(cfg.LogLevel).With().Timestamp().Str("service", "sfgate").Logger()
}

// openCache builds the two-level cache (memory only without Redis) and
// the keyring that encrypts sessions in Redis.
func openCache(ctx context.Context, cfg Config, logger *zerolog.Logger) (*cache.Tiered, *cache.Redis, *session.Keyring, error) {
	if !cfg.UsesRedis() {
		return cache.NewTiered(cache.TieredOptions{Logger: logger}), nil, nil, nil
	}
	var keys *session.Keyring
	var err error
	if cfg.CacheEncryptionKey != "" {
		keys, err = session.ParseKeys(cfg.CacheEncryptionKey.Reveal())
	} else {
		// Only --demo gets here (parseConfig refuses it otherwise).
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		keys, err = session.NewKeyring(key)
		logger.Warn().Msg("demo mode: sessions in Redis are encrypted with a key generated for this process")
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("CACHE_ENCRYPTION_KEY: %w", err)
	}
	// go-redis prints its own dial failures (about one a second during an
	// outage) to stderr; the cache already logs the outage once, so these
	// go to the log at debug level.
	goredis.SetLogger(redisLogger{logger})
	redis, err := openRedis(cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	tiered := cache.NewTiered(cache.TieredOptions{Shared: redis, Logger: logger})
	// Start does not fail when Redis is down: the cache degrades to memory
	// and recovers by itself, and readiness reports it.
	if err := tiered.Start(context.WithoutCancel(ctx)); err != nil {
		_ = redis.Close()
		return nil, nil, nil, fmt.Errorf("cache: %w", err)
	}
	return tiered, redis, keys, nil
}

// openRedis opens the shared Redis by REDIS_URL or through Sentinel.
func openRedis(cfg Config) (*cache.Redis, error) {
	opts := cache.RedisOptions{Prefix: cfg.RedisKeyPrefix}
	if s := cfg.RedisSentinel; s.Enabled() {
		return cache.OpenRedisSentinel(cache.SentinelOptions{
			MasterName: s.Master, Addrs: s.Addrs, Password: s.Password.Reveal(), SentinelPassword: s.SentinelPassword.Reveal(),
		}, opts), nil
	}
	redis, err := cache.OpenRedis(cfg.RedisURL.Reveal(), opts)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	return redis, nil
}

// apiVersion resolves the data calls' API version: SF_API_VERSION, else the
// newest the org lists. A Salesforce that cannot be reached at start must
// not keep the gateway from starting (readiness does not depend on it), so
// discovery failing falls back to the client's default with a warning.
func apiVersion(ctx context.Context, sessions *session.Manager, logger *zerolog.Logger) string {
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := sessions.APIVersion(dctx)
	if err != nil {
		logger.Warn().Err(err).Str("api_version", salesforce.DefaultAPIVersion).Msg("could not ask the org for its newest API version; using the default")
		return salesforce.DefaultAPIVersion
	}
	logger.Info().Str("api_version", v).Msg("API version for data calls")
	return v
}

// readiness reports the cache's Redis state and whether Salesforce has
// answered recently.
type readiness struct {
	tiered *cache.Tiered
	client *salesforce.Client
}

func (r readiness) Redis(ctx context.Context) string {
	switch {
	case r.tiered.MemoryOnly():
		return "disabled"
	case r.tiered.Degraded():
		return "degraded"
	}
	return "ok"
}

// Salesforce is "ok" when an answer reported limits in the last five
// minutes, else "unknown": readiness never calls Salesforce itself, which
// would spend the org's API allowance on probes.
func (r readiness) Salesforce(ctx context.Context) string {
	if li := r.client.Limits(); !li.Updated.IsZero() && time.Since(li.Updated) < 5*time.Minute {
		return "ok"
	}
	return "unknown"
}

// redisLogger routes go-redis's internal messages into zerolog.
type redisLogger struct{ l *zerolog.Logger }

func (r redisLogger) Printf(_ context.Context, format string, v ...any) {
	r.l.Debug().Str("component", "go-redis").Msgf(format, v...)
}
