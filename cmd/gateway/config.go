package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/handlers"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/service"
	"github.com/sfgate/sfgate/internal/session"
)

// Config is the gateway's whole configuration: the environment variables of
// DESIGN.md ("Configuration"), then flags of the same meaning, which
// override them. Secrets have no flags (command lines are visible to every
// user of the host) and are salesforce.Secret, which never prints.
type Config struct {
	Addr string
	// MetricsAddr, when set (GATEWAY_METRICS_ADDR), serves /metrics on a
	// listener of its own at this address; the main listener then answers
	// /metrics 404.
	MetricsAddr string
	// Pprof (GATEWAY_PPROF) serves net/http/pprof under /debug/pprof/ on
	// the metrics listener, never on the main one; it requires MetricsAddr.
	Pprof    bool
	LoginURL string

	ClientID      string
	ClientSecret  salesforce.Secret
	Username      string
	Password      salesforce.Secret
	SecurityToken salesforce.Secret
	JWTKeyFile    string

	// APIVersion is normalised ("58.0"); "" means the newest the org lists.
	APIVersion string

	RedisURL salesforce.Secret // may carry a password
	// RedisKeyPrefix is prepended to every Redis key and pub/sub channel
	// the gateway uses (REDIS_KEY_PREFIX), so that deployments or tests
	// can share one Redis database. Empty by default.
	RedisKeyPrefix string
	// RedisSentinel reaches Redis through Sentinel instead of RedisURL
	// (REDIS_SENTINEL_*, config_sentinel.go).
	RedisSentinel      sentinelConfig
	CacheEncryptionKey salesforce.Secret
	// CursorKey signs query cursors (GATEWAY_CURSOR_KEY, base64, >= 32
	// bytes); replicas must share it. Empty: derived from
	// CACHE_ENCRYPTION_KEY, else random for this process.
	CursorKey salesforce.Secret
	// CursorTTL is how long a query cursor stays usable
	// (GATEWAY_CURSOR_TTL), at most the query locator's life.
	CursorTTL   time.Duration
	DescribeTTL time.Duration

	LogLevel  zerolog.Level
	LogFormat string

	// Demo runs against the in-process emulator.
	Demo bool

	// The gateway's own settings (docs/http-api.md), beyond DESIGN.md's table.
	APIKeys           []handlers.APIKey // GATEWAY_API_KEYS: name=key,name=key
	Callers           callersConfig     // GATEWAY_CALLERS_FILE, GATEWAY_JWT_* (callers.go)
	RateLimit         float64           // GATEWAY_RATE_LIMIT: requests/second per caller; 0 = off
	RateBurst         int               // GATEWAY_RATE_BURST
	MaxBodyBytes      int64             // GATEWAY_MAX_BODY_BYTES
	MaxBatchBodyBytes int64             // GATEWAY_MAX_BATCH_BODY_BYTES
	MaxBufferedBytes  int64             // GATEWAY_MAX_BUFFERED_BODY_BYTES
	RequestTimeout    time.Duration     // GATEWAY_REQUEST_TIMEOUT
	ShutdownTimeout   time.Duration     // GATEWAY_SHUTDOWN_TIMEOUT
	// PublicURL is the gateway's URL as callers reach it
	// (GATEWAY_PUBLIC_URL), written as the one server of the served
	// /openapi.yaml; empty keeps the document's relative server.
	PublicURL string
	// Door bounds requests before and while their bodies arrive, and
	// holds the TLS listener's files (config_door.go).
	Door doorConfig

	// OrgLimits protect the org and the replicas (orglimits.go).
	OrgLimits orgLimitsConfig

	// Idempotency-Key: GATEWAY_IDEMPOTENCY_* (idempotency.go).
	Idempotency idempotencyConfig

	// Tracing is what the standard OTEL_* variables ask for (tracing.go).
	Tracing tracingConfig
}

// Flow names the login flow the credentials select, for the start-up log.
func (c Config) Flow() string {
	switch {
	case c.Demo:
		return "demo (emulator, OAuth client credentials)"
	case c.ClientID != "" && c.ClientSecret != "":
		return string(session.FlowClientCredentials)
	case c.ClientID != "" && c.Username != "" && c.JWTKeyFile != "":
		return string(session.FlowJWTBearer)
	case c.Username != "" && c.Password != "":
		return string(session.FlowSOAPLogin)
	}
	return ""
}

// parseConfig reads the environment, then the flags, then validates the
// result, reporting every problem at once by name.
func parseConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	env := func(k, def string) string {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
		return def
	}
	f, err := parseFlags(args, env, stderr)
	if err != nil {
		return Config{}, err
	}
	var errs []error
	if len(f.rest) > 0 {
		badf(&errs, "unexpected arguments %q", f.rest)
	}
	c := Config{
		Addr: f.addr, MetricsAddr: f.metricsAddr, LoginURL: strings.TrimRight(f.loginURL, "/"),
		ClientID: f.clientID, ClientSecret: salesforce.Secret(env("SF_CLIENT_SECRET", "")),
		Username: f.username, Password: salesforce.Secret(env("SF_PASSWORD", "")),
		SecurityToken: salesforce.Secret(env("SF_SECURITY_TOKEN", "")), JWTKeyFile: f.jwtKeyFile,
		RedisURL:           salesforce.Secret(env("REDIS_URL", "")),
		RedisKeyPrefix:     f.redisKeyPrefix,
		CacheEncryptionKey: salesforce.Secret(env("CACHE_ENCRYPTION_KEY", "")),
		CursorKey:          salesforce.Secret(env("GATEWAY_CURSOR_KEY", "")),
		LogFormat:          f.logFormat, Demo: f.demo,
		PublicURL: strings.TrimRight(f.publicURL, "/"),
	}
	checkEndpoints(&c, f, &errs)
	parseLimits(&c, f, &errs)
	c.Door = parseDoor(f.door, &errs)
	c.APIKeys = parseAPIKeys(getenv("GATEWAY_API_KEYS"), &errs)
	c.Callers = parseCallers(env, &errs)
	c.OrgLimits = parseOrgLimits(getenv, &errs)
	c.Idempotency = parseIdempotency(env, &errs)
	c.RedisSentinel = parseSentinel(env, &errs)
	checkRedis(c, &errs)

	var terrs []error
	c.Tracing, terrs = parseTracing(getenv)
	errs = append(errs, terrs...)

	if c.Demo {
		// The emulator's own credentials are used; refusing stray real ones
		// avoids the surprise of a --demo gateway that looks configured.
		for _, k := range []string{"SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_USERNAME", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_JWT_KEY_FILE"} {
			if getenv(k) != "" {
				badf(&errs, "--demo uses the emulator's credentials; unset %s", k)
			}
		}
	} else {
		errs = append(errs, credentialErrors(c)...)
	}
	if len(errs) > 0 {
		return c, fmt.Errorf("configuration is not valid:\n  %w", joinLines(errs))
	}
	return c, nil
}

// flagValues are the settings that have a flag: the environment's value
// (the flag's default), overridden by the command line.
type flagValues struct {
	addr, metricsAddr, loginURL, clientID, username, jwtKeyFile  string
	apiVersion, describeTTL, logLevel, logFormat, redisKeyPrefix string
	rateLimit, rateBurst, maxBody, maxBatchBody, maxBuffered     string
	reqTimeout, shutdownTimeout, cursorTTL, publicURL, pprof     string
	demo                                                         bool
	door                                                         doorFlagValues
	rest                                                         []string // arguments left after the flags
}

// parseFlags parses args over the environment's values; a malformed
// command line (or -h) ends parsing with the flag package's error.
func parseFlags(args []string, env func(k, def string) string, stderr io.Writer) (flagValues, error) {
	var f flagValues
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.addr, "addr", env("GATEWAY_ADDR", ":8080"), "listen address (GATEWAY_ADDR)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", env("GATEWAY_METRICS_ADDR", ""), "serve /metrics on a listener of its own at this address (GATEWAY_METRICS_ADDR; default: on the main listener)")
	fs.StringVar(&f.pprof, "pprof", env("GATEWAY_PPROF", "false"), "serve net/http/pprof under /debug/pprof/ on the metrics listener, which must be set (GATEWAY_PPROF)")
	fs.StringVar(&f.publicURL, "public-url", env("GATEWAY_PUBLIC_URL", ""), "the gateway's URL as callers reach it, the server of the served /openapi.yaml (GATEWAY_PUBLIC_URL)")
	fs.StringVar(&f.loginURL, "sf-login-url", env("SF_LOGIN_URL", "https://login.salesforce.com"), "Salesforce login host (SF_LOGIN_URL)")
	fs.StringVar(&f.clientID, "sf-client-id", env("SF_CLIENT_ID", ""), "OAuth client id (SF_CLIENT_ID)")
	fs.StringVar(&f.username, "sf-username", env("SF_USERNAME", ""), "Salesforce username (SF_USERNAME)")
	fs.StringVar(&f.jwtKeyFile, "sf-jwt-key-file", env("SF_JWT_KEY_FILE", ""), "PEM file of the JWT bearer key (SF_JWT_KEY_FILE)")
	fs.StringVar(&f.apiVersion, "sf-api-version", env("SF_API_VERSION", ""), "Partner API version, >= 31.0 (SF_API_VERSION; default: the newest the org lists)")
	fs.StringVar(&f.describeTTL, "describe-ttl", env("DESCRIBE_TTL", "5m"), "how long describe metadata is trusted (DESCRIBE_TTL)")
	fs.StringVar(&f.logLevel, "log-level", env("LOG_LEVEL", "info"), "zerolog level (LOG_LEVEL)")
	fs.StringVar(&f.redisKeyPrefix, "redis-key-prefix", env("REDIS_KEY_PREFIX", ""), "prefix of every Redis key and channel (REDIS_KEY_PREFIX)")
	fs.StringVar(&f.logFormat, "log-format", env("LOG_FORMAT", "json"), "json or console (LOG_FORMAT)")
	fs.BoolVar(&f.demo, "demo", false, "run against the embedded Salesforce emulator with an in-memory cache (unless REDIS_URL is set)")
	fs.StringVar(&f.rateLimit, "rate-limit", env("GATEWAY_RATE_LIMIT", "50"), "requests per second per caller, 0 = off (GATEWAY_RATE_LIMIT)")
	fs.StringVar(&f.rateBurst, "rate-burst", env("GATEWAY_RATE_BURST", "100"), "rate limit burst (GATEWAY_RATE_BURST)")
	fs.StringVar(&f.maxBody, "max-body-bytes", env("GATEWAY_MAX_BODY_BYTES", strconv.Itoa(handlers.DefaultMaxBodyBytes)), "request body cap (GATEWAY_MAX_BODY_BYTES)")
	fs.StringVar(&f.maxBatchBody, "max-batch-body-bytes", env("GATEWAY_MAX_BATCH_BODY_BYTES", strconv.Itoa(handlers.DefaultMaxBatchBodyBytes)), "batch request body cap (GATEWAY_MAX_BATCH_BODY_BYTES)")
	fs.StringVar(&f.maxBuffered, "max-buffered-body-bytes", env("GATEWAY_MAX_BUFFERED_BODY_BYTES", strconv.Itoa(handlers.DefaultMaxBufferedBodyBytes)), "request bodies held in memory at once (GATEWAY_MAX_BUFFERED_BODY_BYTES)")
	fs.StringVar(&f.reqTimeout, "request-timeout", env("GATEWAY_REQUEST_TIMEOUT", handlers.DefaultRequestTimeout.String()), "bound on one request (GATEWAY_REQUEST_TIMEOUT)")
	fs.StringVar(&f.cursorTTL, "cursor-ttl", env("GATEWAY_CURSOR_TTL", service.DefaultCursorTTL.String()), "how long a query cursor stays usable, at most "+service.MaxCursorTTL.String()+" (GATEWAY_CURSOR_TTL)")
	fs.StringVar(&f.shutdownTimeout, "shutdown-timeout", env("GATEWAY_SHUTDOWN_TIMEOUT", "25s"), "how long in-flight requests may finish on SIGTERM (GATEWAY_SHUTDOWN_TIMEOUT)")
	doorFlags(fs, env, &f.door)
	if err := fs.Parse(args); err != nil {
		return flagValues{}, err
	}
	f.rest = fs.Args()
	return f, nil
}

// badf adds one named problem to errs.
func badf(errs *[]error, format string, a ...any) {
	*errs = append(*errs, fmt.Errorf(format, a...))
}

// checkEndpoints checks the listen address and the login URL, and
// normalises the API version.
func checkEndpoints(c *Config, f flagValues, errs *[]error) {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		badf(errs, "GATEWAY_ADDR %q is not host:port: %v", c.Addr, err)
	}
	if c.MetricsAddr != "" {
		if _, port, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			badf(errs, "GATEWAY_METRICS_ADDR %q is not host:port: %v", c.MetricsAddr, err)
		} else if c.MetricsAddr == c.Addr && port != "0" {
			badf(errs, "GATEWAY_METRICS_ADDR %q is GATEWAY_ADDR: leave it unset to serve /metrics on the main listener", c.MetricsAddr)
		}
	}
	pprof, err := strconv.ParseBool(f.pprof)
	switch {
	case err != nil:
		badf(errs, "GATEWAY_PPROF %q is not true or false", f.pprof)
	case pprof && c.MetricsAddr == "":
		// Profiles reveal the program's internals and cost CPU while they
		// run: they are served only on the operational listener, which a
		// deployment keeps off the callers' network.
		badf(errs, "GATEWAY_PPROF needs GATEWAY_METRICS_ADDR: profiles are served only on the metrics listener, never on the main one")
	}
	c.Pprof = pprof
	if u, err := url.Parse(c.LoginURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		badf(errs, "SF_LOGIN_URL %q is not an http(s) URL", c.LoginURL)
	} else if u.Scheme == "http" && !c.Demo && !isLoopback(u.Hostname()) {
		badf(errs, "SF_LOGIN_URL %q must use https (http is allowed only for a loopback emulator)", c.LoginURL)
	}
	if c.PublicURL != "" {
		u, err := url.Parse(c.PublicURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			badf(errs, "GATEWAY_PUBLIC_URL %q is not an http(s) URL without user, query or fragment", c.PublicURL)
		}
	}
	if f.apiVersion != "" {
		v, err := session.ParseAPIVersion(f.apiVersion)
		if err != nil {
			badf(errs, "SF_API_VERSION %q: %v (Salesforce retired 21.0–30.0; use 31.0 or later)", f.apiVersion, err)
		}
		c.APIVersion = v
	}
}

// parseLimits parses the durations, the log settings, the rate limit and
// the body caps.
func parseLimits(c *Config, f flagValues, errs *[]error) {
	c.DescribeTTL = positiveDuration(errs, "DESCRIBE_TTL", f.describeTTL)
	c.RequestTimeout = positiveDuration(errs, "GATEWAY_REQUEST_TIMEOUT", f.reqTimeout)
	c.ShutdownTimeout = positiveDuration(errs, "GATEWAY_SHUTDOWN_TIMEOUT", f.shutdownTimeout)
	if c.CursorTTL = positiveDuration(errs, "GATEWAY_CURSOR_TTL", f.cursorTTL); c.CursorTTL > service.MaxCursorTTL {
		badf(errs, "GATEWAY_CURSOR_TTL %s is longer than a Salesforce query locator lives (%s): a cursor would outlive the results it points at", c.CursorTTL, service.MaxCursorTTL)
	}

	lvl, err := zerolog.ParseLevel(strings.ToLower(f.logLevel))
	if err != nil || f.logLevel == "" {
		badf(errs, "LOG_LEVEL %q is not one of trace, debug, info, warn, error, fatal, panic, disabled", f.logLevel)
	}
	c.LogLevel = lvl
	if c.LogFormat != "json" && c.LogFormat != "console" {
		badf(errs, "LOG_FORMAT %q is not json or console", c.LogFormat)
	}

	if c.RateLimit, err = strconv.ParseFloat(f.rateLimit, 64); err != nil || c.RateLimit < 0 {
		badf(errs, "GATEWAY_RATE_LIMIT %q is not a number of requests per second >= 0", f.rateLimit)
	}
	if c.RateBurst, err = strconv.Atoi(f.rateBurst); err != nil || c.RateBurst < 1 {
		badf(errs, "GATEWAY_RATE_BURST %q is not a whole number >= 1", f.rateBurst)
	}
	c.MaxBodyBytes = byteCount(errs, "GATEWAY_MAX_BODY_BYTES", f.maxBody)
	c.MaxBatchBodyBytes = byteCount(errs, "GATEWAY_MAX_BATCH_BODY_BYTES", f.maxBatchBody)
	c.MaxBufferedBytes = byteCount(errs, "GATEWAY_MAX_BUFFERED_BODY_BYTES", f.maxBuffered)
	if c.MaxBufferedBytes > 0 && c.MaxBufferedBytes < c.MaxBatchBodyBytes {
		badf(errs, "GATEWAY_MAX_BUFFERED_BODY_BYTES (%d) is below GATEWAY_MAX_BATCH_BODY_BYTES (%d)", c.MaxBufferedBytes, c.MaxBatchBodyBytes)
	}
}

// parseAPIKeys parses GATEWAY_API_KEYS, name=key,name=key.
func parseAPIKeys(keys string, errs *[]error) []handlers.APIKey {
	if strings.TrimSpace(keys) == "" {
		return nil
	}
	var out []handlers.APIKey
	seen := map[string]bool{}
	for i, pair := range strings.Split(keys, ",") {
		name, key, ok := strings.Cut(strings.TrimSpace(pair), "=")
		switch {
		case !ok || name == "" || key == "":
			badf(errs, "GATEWAY_API_KEYS entry %d is not name=key", i+1)
		case len(key) < 16:
			badf(errs, "GATEWAY_API_KEYS entry %q: the key must be at least 16 characters", name)
		case seen[name]:
			badf(errs, "GATEWAY_API_KEYS names %q twice", name)
		default:
			seen[name] = true
			out = append(out, handlers.APIKey{Name: name, Key: salesforce.Secret(key)})
		}
	}
	return out
}

// UsesRedis reports whether a shared Redis is configured, by URL or through
// Sentinel.
func (c Config) UsesRedis() bool { return c.RedisURL != "" || c.RedisSentinel.Enabled() }

// checkRedis checks REDIS_URL, REDIS_KEY_PREFIX and the keys: the session
// encryption key Redis requires, and the cursor key.
func checkRedis(c Config, errs *[]error) {
	if c.RedisURL != "" && c.RedisSentinel.Enabled() {
		badf(errs, "REDIS_URL and REDIS_SENTINEL_MASTER are both set: use one way to reach Redis")
	}
	if c.UsesRedis() {
		if c.RedisURL != "" {
			u, err := url.Parse(c.RedisURL.Reveal())
			if err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
				badf(errs, "REDIS_URL is not a redis:// or rediss:// URL")
			}
		}
		switch {
		case c.CacheEncryptionKey != "":
		case c.Demo:
			// --demo generates a key for the process: sessions are still
			// encrypted in Redis, and die with the process.
		default:
			badf(errs, "CACHE_ENCRYPTION_KEY is required when REDIS_URL or REDIS_SENTINEL_MASTER is set (base64 of 32 random bytes, e.g. `head -c32 /dev/urandom | base64`): session ids are stored in Redis only encrypted")
		}
	}
	if c.RedisKeyPrefix != "" {
		switch {
		case !c.UsesRedis():
			badf(errs, "REDIS_KEY_PREFIX is set but neither REDIS_URL nor REDIS_SENTINEL_MASTER is: without Redis nothing uses it")
		case strings.ContainsAny(c.RedisKeyPrefix, "{}"):
			// Every key of a connection carries the hash tag {connection}
			// so that multi-key commands stay in one Redis Cluster slot; a
			// brace in the prefix would become the tag instead.
			badf(errs, "REDIS_KEY_PREFIX %q must not contain { or }: they would replace the Redis Cluster hash tag of every key", c.RedisKeyPrefix)
		case strings.IndexFunc(c.RedisKeyPrefix, func(r rune) bool { return r <= ' ' || r == 0x7f }) >= 0:
			badf(errs, "REDIS_KEY_PREFIX %q must not contain spaces or control characters", c.RedisKeyPrefix)
		}
	}
	if c.CacheEncryptionKey != "" {
		if _, err := session.ParseKeys(c.CacheEncryptionKey.Reveal()); err != nil {
			badf(errs, "CACHE_ENCRYPTION_KEY: %v", err)
		}
	}
	if c.CursorKey != "" {
		if k, err := base64.StdEncoding.DecodeString(c.CursorKey.Reveal()); err != nil || len(k) < 32 {
			badf(errs, "GATEWAY_CURSOR_KEY is not base64 of at least 32 bytes")
		}
	}
}

// credentialErrors names what is missing for a login flow; it never falls
// back to a fake org.
func credentialErrors(c Config) []error {
	hasSecret, hasJWT, hasPassword := c.ClientSecret != "", c.JWTKeyFile != "", c.Password != ""
	var errs []error
	switch {
	case c.ClientID != "" && hasSecret:
		if hasJWT || hasPassword {
			errs = append(errs, errors.New("SF_CLIENT_SECRET selects the client credentials flow; unset SF_JWT_KEY_FILE and SF_PASSWORD so the flow in use is unambiguous"))
		}
	case c.ClientID != "" && hasJWT:
		if c.Username == "" {
			errs = append(errs, errors.New("the JWT bearer flow needs SF_USERNAME (SF_CLIENT_ID and SF_JWT_KEY_FILE are set)"))
		}
		if _, err := os.Stat(c.JWTKeyFile); err != nil {
			errs = append(errs, fmt.Errorf("SF_JWT_KEY_FILE %q cannot be read: %v", c.JWTKeyFile, err))
		} else if _, err := session.LoadRSAKey(c.JWTKeyFile); err != nil {
			errs = append(errs, fmt.Errorf("SF_JWT_KEY_FILE %q: %v", c.JWTKeyFile, err))
		}
	case c.ClientID != "":
		errs = append(errs, errors.New("SF_CLIENT_ID is set but neither SF_CLIENT_SECRET (client credentials) nor SF_USERNAME and SF_JWT_KEY_FILE (JWT bearer)"))
	case c.Username != "" && hasPassword:
		// SOAP login(): legacy, warned about at start.
	case c.Username != "":
		errs = append(errs, errors.New("SF_USERNAME is set but neither SF_PASSWORD (SOAP login) nor SF_CLIENT_ID and SF_JWT_KEY_FILE (JWT bearer)"))
	case hasSecret || hasJWT || hasPassword:
		errs = append(errs, errors.New("SF_CLIENT_SECRET, SF_JWT_KEY_FILE or SF_PASSWORD is set without SF_CLIENT_ID or SF_USERNAME"))
	default:
		errs = append(errs, errors.New("no Salesforce credentials: set SF_CLIENT_ID and SF_CLIENT_SECRET (OAuth client credentials), or SF_CLIENT_ID, SF_USERNAME and SF_JWT_KEY_FILE (OAuth JWT bearer), or SF_USERNAME, SF_PASSWORD and SF_SECURITY_TOKEN (SOAP login, legacy); or run with --demo for the built-in emulator"))
	}
	return errs
}

func positiveDuration(errs *[]error, name, v string) time.Duration {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		*errs = append(*errs, fmt.Errorf("%s %q is not a positive duration such as 30s or 5m", name, v))
	}
	return d
}

func byteCount(errs *[]error, name, v string) int64 {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1024 {
		*errs = append(*errs, fmt.Errorf("%s %q is not a number of bytes >= 1024", name, v))
	}
	return n
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// joinLines joins errors one per line, indented under the heading.
func joinLines(errs []error) error {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return errors.New(strings.Join(msgs, "\n  "))
}

// masked returns the effective configuration for the start-up log: secrets
// show only whether they are set, and REDIS_URL loses its password.
func (c Config) masked() map[string]any {
	set := func(s salesforce.Secret) string {
		if s == "" {
			return ""
		}
		return "[set]"
	}
	redisURL := ""
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL.Reveal()); err == nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "redacted")
			}
			redisURL = u.String()
		}
	}
	keys := make([]string, len(c.APIKeys))
	for i, k := range c.APIKeys {
		keys[i] = k.Name
	}
	apiVersion := c.APIVersion
	if apiVersion == "" {
		apiVersion = "newest listed by the org"
	}
	m := map[string]any{
		"GATEWAY_ADDR": c.Addr, "GATEWAY_METRICS_ADDR": c.MetricsAddr, "GATEWAY_PPROF": c.Pprof, "GATEWAY_PUBLIC_URL": c.PublicURL, "SF_LOGIN_URL": c.LoginURL, "login_flow": c.Flow(),
		"SF_CLIENT_ID": c.ClientID, "SF_CLIENT_SECRET": set(c.ClientSecret), "SF_USERNAME": c.Username,
		"SF_PASSWORD": set(c.Password), "SF_SECURITY_TOKEN": set(c.SecurityToken), "SF_JWT_KEY_FILE": c.JWTKeyFile,
		"SF_API_VERSION": apiVersion, "REDIS_URL": redisURL, "REDIS_KEY_PREFIX": c.RedisKeyPrefix, "CACHE_ENCRYPTION_KEY": set(c.CacheEncryptionKey),
		"GATEWAY_CURSOR_KEY": set(c.CursorKey), "GATEWAY_CURSOR_TTL": c.CursorTTL.String(),
		"DESCRIBE_TTL": c.DescribeTTL.String(), "LOG_LEVEL": c.LogLevel.String(), "LOG_FORMAT": c.LogFormat,
		"demo": c.Demo, "GATEWAY_API_KEYS": keys, "GATEWAY_CALLERS_FILE": c.Callers.File, "GATEWAY_JWT_JWKS_URL": c.Callers.JWKSURL,
		"GATEWAY_JWT_ISSUER": c.Callers.Issuer, "GATEWAY_JWT_AUDIENCE": c.Callers.Audience, "GATEWAY_RATE_LIMIT": c.RateLimit, "GATEWAY_RATE_BURST": c.RateBurst,
		"GATEWAY_MAX_BODY_BYTES": c.MaxBodyBytes, "GATEWAY_MAX_BATCH_BODY_BYTES": c.MaxBatchBodyBytes,
		"GATEWAY_MAX_BUFFERED_BODY_BYTES": c.MaxBufferedBytes,
		"GATEWAY_REQUEST_TIMEOUT":         c.RequestTimeout.String(), "GATEWAY_SHUTDOWN_TIMEOUT": c.ShutdownTimeout.String(),
		"GATEWAY_IDEMPOTENCY_TTL": c.Idempotency.TTL.String(), "GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES": c.Idempotency.MaxAnswerBytes,
		"tracing": c.Tracing.describe(), "org_limits": c.OrgLimits.describe(),
	}
	for k, v := range c.Door.masked() {
		m[k] = v
	}
	for k, v := range c.RedisSentinel.masked() {
		m[k] = v
	}
	return m
}

// cursorKey returns the key that signs query cursors, and where it came
// from. Replicas must agree on it for a cursor issued by one to be accepted
// by another: GATEWAY_CURSOR_KEY when set; else one derived from the
// primary CACHE_ENCRYPTION_KEY, which Redis deployments already share
// (HMAC with a fixed label, so the cursor key reveals nothing of it); else
// a random key, good for one process only.
func (c Config) cursorKey() ([]byte, string, error) {
	if c.CursorKey != "" {
		k, err := base64.StdEncoding.DecodeString(c.CursorKey.Reveal())
		return k, "GATEWAY_CURSOR_KEY", err
	}
	if c.CacheEncryptionKey != "" {
		primary, _, _ := strings.Cut(c.CacheEncryptionKey.Reveal(), ",")
		m := hmac.New(sha256.New, []byte(strings.TrimSpace(primary)))
		m.Write([]byte("sfgate query cursor key v1"))
		return m.Sum(nil), "derived from CACHE_ENCRYPTION_KEY", nil
	}
	k := make([]byte, 32)
	_, err := rand.Read(k)
	return k, "random for this process", err
}
