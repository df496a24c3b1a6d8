package main

import (
	"crypto/tls"
	"errors"
	"flag"
	"strconv"
	"time"

	"github.com/sfgate/sfgate/internal/handlers"
)

// doorConfig is what bounds a request before and while its body arrives
// (internal/handlers/door.go), and the optional TLS listener (tls.go).
type doorConfig struct {
	BodyReadTimeout    time.Duration // GATEWAY_BODY_READ_TIMEOUT
	CallerBodyShare    float64       // GATEWAY_CALLER_BODY_SHARE, (0, 1]
	MaxUnauthenticated int           // GATEWAY_MAX_UNAUTHENTICATED
	TLSCertFile        string        // GATEWAY_TLS_CERT_FILE
	TLSKeyFile         string        // GATEWAY_TLS_KEY_FILE
}

// doorFlagValues are the door settings as given, before parsing.
type doorFlagValues struct {
	bodyReadTimeout, callerBodyShare, maxUnauthenticated string
	tlsCertFile, tlsKeyFile                              string
}

// doorFlags registers the door's and TLS's flags, defaulting to the
// environment's values.
func doorFlags(fs *flag.FlagSet, env func(k, def string) string, f *doorFlagValues) {
	fs.StringVar(&f.bodyReadTimeout, "body-read-timeout", env("GATEWAY_BODY_READ_TIMEOUT", handlers.DefaultBodyReadTimeout.String()), "how long an authenticated request's body may take to arrive (GATEWAY_BODY_READ_TIMEOUT)")
	fs.StringVar(&f.callerBodyShare, "caller-body-share", env("GATEWAY_CALLER_BODY_SHARE", strconv.FormatFloat(handlers.DefaultCallerBodyShare, 'f', -1, 64)), "share of the buffered-body budget one caller may hold, 0 < share <= 1 (GATEWAY_CALLER_BODY_SHARE)")
	fs.StringVar(&f.maxUnauthenticated, "max-unauthenticated", env("GATEWAY_MAX_UNAUTHENTICATED", strconv.Itoa(handlers.DefaultMaxUnauthenticated)), "requests not yet authenticated at once (GATEWAY_MAX_UNAUTHENTICATED)")
	fs.StringVar(&f.tlsCertFile, "tls-cert-file", env("GATEWAY_TLS_CERT_FILE", ""), "PEM certificate chain; with -tls-key-file the gateway serves HTTPS (GATEWAY_TLS_CERT_FILE)")
	fs.StringVar(&f.tlsKeyFile, "tls-key-file", env("GATEWAY_TLS_KEY_FILE", ""), "PEM private key of -tls-cert-file (GATEWAY_TLS_KEY_FILE)")
}

// parseDoor parses and checks the door and TLS settings.
func parseDoor(f doorFlagValues, errs *[]error) doorConfig {
	var d doorConfig
	d.BodyReadTimeout = positiveDuration(errs, "GATEWAY_BODY_READ_TIMEOUT", f.bodyReadTimeout)
	share, err := strconv.ParseFloat(f.callerBodyShare, 64)
	if err != nil || !(share > 0 && share <= 1) {
		badf(errs, "GATEWAY_CALLER_BODY_SHARE %q is not a fraction above 0 and at most 1 (0.25 lets one caller hold a quarter of GATEWAY_MAX_BUFFERED_BODY_BYTES)", f.callerBodyShare)
	}
	d.CallerBodyShare = share
	n, err := strconv.Atoi(f.maxUnauthenticated)
	if err != nil || n < 1 {
		badf(errs, "GATEWAY_MAX_UNAUTHENTICATED %q is not a whole number >= 1", f.maxUnauthenticated)
	}
	d.MaxUnauthenticated = n
	d.TLSCertFile, d.TLSKeyFile = f.tlsCertFile, f.tlsKeyFile
	switch {
	case (d.TLSCertFile == "") != (d.TLSKeyFile == ""):
		badf(errs, "GATEWAY_TLS_CERT_FILE and GATEWAY_TLS_KEY_FILE go together: set both to serve HTTPS, or neither")
	case d.TLSCertFile != "":
		if _, err := tls.LoadX509KeyPair(d.TLSCertFile, d.TLSKeyFile); err != nil {
			badf(errs, "GATEWAY_TLS_CERT_FILE/GATEWAY_TLS_KEY_FILE: %v", errors.Unwrap(err))
		}
	}
	return d
}

// masked returns the door settings for the start-up log.
func (d doorConfig) masked() map[string]any {
	return map[string]any{
		"GATEWAY_BODY_READ_TIMEOUT": d.BodyReadTimeout.String(), "GATEWAY_CALLER_BODY_SHARE": d.CallerBodyShare,
		"GATEWAY_MAX_UNAUTHENTICATED": d.MaxUnauthenticated,
		"GATEWAY_TLS_CERT_FILE":       d.TLSCertFile, "GATEWAY_TLS_KEY_FILE": d.TLSKeyFile,
	}
}

// options sets the door's handler options.
func (d doorConfig) options(o *handlers.Options) {
	o.BodyReadTimeout = d.BodyReadTimeout
	o.CallerBodyShare = d.CallerBodyShare
	o.MaxUnauthenticated = d.MaxUnauthenticated
}
