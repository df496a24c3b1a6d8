package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/callers"
	"github.com/sfgate/sfgate/internal/handlers"
)

// callersConfig is who may call beyond GATEWAY_API_KEYS: the callers file
// and JWTs from an identity provider (docs/http-api.md, "Callers").
type callersConfig struct {
	File string        // GATEWAY_CALLERS_FILE
	Poll time.Duration // GATEWAY_CALLERS_POLL: how often the file is checked

	JWKSURL          string        // GATEWAY_JWT_JWKS_URL
	Issuer           string        // GATEWAY_JWT_ISSUER
	Audience         string        // GATEWAY_JWT_AUDIENCE
	PermissionsClaim string        // GATEWAY_JWT_PERMISSIONS_CLAIM
	NameClaim        string        // GATEWAY_JWT_NAME_CLAIM
	Skew             time.Duration // GATEWAY_JWT_CLOCK_SKEW
}

// jwtOn reports whether JWT callers are configured.
func (c callersConfig) jwtOn() bool { return c.JWKSURL != "" }

// parseCallers reads the GATEWAY_CALLERS_* and GATEWAY_JWT_* variables.
func parseCallers(env func(k, def string) string, errs *[]error) callersConfig {
	c := callersConfig{
		File: env("GATEWAY_CALLERS_FILE", ""), JWKSURL: env("GATEWAY_JWT_JWKS_URL", ""),
		Issuer: env("GATEWAY_JWT_ISSUER", ""), Audience: env("GATEWAY_JWT_AUDIENCE", ""),
		PermissionsClaim: env("GATEWAY_JWT_PERMISSIONS_CLAIM", "permissions"), NameClaim: env("GATEWAY_JWT_NAME_CLAIM", "sub"),
	}
	c.Poll = positiveDuration(errs, "GATEWAY_CALLERS_POLL", env("GATEWAY_CALLERS_POLL", callers.DefaultPollInterval.String()))
	skew := env("GATEWAY_JWT_CLOCK_SKEW", "60s")
	d, err := time.ParseDuration(skew)
	if err != nil || d < 0 || d > 10*time.Minute {
		badf(errs, "GATEWAY_JWT_CLOCK_SKEW %q is not a duration from 0s to 10m", skew)
	}
	c.Skew = d
	if c.JWKSURL == "" && c.Issuer == "" && c.Audience == "" {
		return c
	}
	for name, v := range map[string]string{"GATEWAY_JWT_JWKS_URL": c.JWKSURL, "GATEWAY_JWT_ISSUER": c.Issuer, "GATEWAY_JWT_AUDIENCE": c.Audience} {
		if v == "" {
			badf(errs, "%s is required with the other GATEWAY_JWT_* settings: a token is checked against the issuer's keys, its iss and its aud", name)
		}
	}
	if c.JWKSURL != "" {
		if u, err := url.Parse(c.JWKSURL); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			badf(errs, "GATEWAY_JWT_JWKS_URL %q is not an http(s) URL", c.JWKSURL)
		} else if u.Scheme == "http" && !isLoopback(u.Hostname()) {
			badf(errs, "GATEWAY_JWT_JWKS_URL %q must use https (http is allowed only on loopback)", c.JWKSURL)
		}
	}
	for name, v := range map[string]string{"GATEWAY_JWT_PERMISSIONS_CLAIM": c.PermissionsClaim, "GATEWAY_JWT_NAME_CLAIM": c.NameClaim} {
		if strings.ContainsAny(v, " \t") {
			badf(errs, "%s %q is not a claim name", name, v)
		}
	}
	return c
}

// buildAuth loads the callers file (a file that does not parse stops the
// start, naming each entry at fault), starts its reloading until ctx
// ends, and builds the JWT verifier. It returns nil when neither is
// configured.
func buildAuth(ctx context.Context, cfg Config, logger *zerolog.Logger) (handlers.Authenticator, error) {
	cc := cfg.Callers
	if cc.File == "" && !cc.jwtOn() {
		return nil, nil
	}
	var file *callers.File
	if cc.File != "" {
		var err error
		if file, err = callers.LoadFile(cc.File); err != nil {
			return nil, fmt.Errorf("GATEWAY_CALLERS_FILE: %w", err)
		}
		var clash []error
		for _, k := range cfg.APIKeys {
			for _, n := range file.Keys().Names() {
				if strings.EqualFold(k.Name, n) {
					clash = append(clash, fmt.Errorf("caller %q is named in both GATEWAY_API_KEYS and GATEWAY_CALLERS_FILE", n))
				}
			}
		}
		if len(clash) > 0 {
			return nil, errors.Join(clash...)
		}
		wctx := logger.WithContext(context.WithoutCancel(ctx))
		wctx, cancel := context.WithCancel(wctx)
		context.AfterFunc(ctx, cancel)
		go file.Watch(wctx, cc.Poll)
		logger.Info().Int("callers", file.Keys().Len()).Strs("names", file.Keys().Names()).Dur("poll", cc.Poll).Msg("callers file loaded")
	}
	var jwt *callers.Verifier
	if cc.jwtOn() {
		var err error
		jwt, err = callers.NewVerifier(callers.JWTConfig{
			JWKSURL: cc.JWKSURL, Issuer: cc.Issuer, Audience: cc.Audience,
			PermissionsClaim: cc.PermissionsClaim, NameClaim: cc.NameClaim, Skew: cc.Skew,
		})
		if err != nil {
			return nil, fmt.Errorf("GATEWAY_JWT_*: %w", err)
		}
	}
	return callers.NewAuthenticator(file, jwt), nil
}
