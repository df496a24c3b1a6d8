package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/sfgate/sfgate"
)

func callerOf(w http.ResponseWriter) string {
	if sw, ok := w.(*statusWriter); ok {
		return sw.caller
	}
	return ""
}

// withCaller records the caller for the handlers and the engine (the
// context, sfgate.WithCaller) and for the access log (statusWriter).
func withCaller(w http.ResponseWriter, r *http.Request, c *sfgate.Caller) *http.Request {
	if sw, ok := w.(*statusWriter); ok {
		sw.caller = c.Name
	}
	return r.WithContext(sfgate.WithCaller(r.Context(), c))
}

// callerFrom returns the caller's name (the key's or token's caller, or
// the client address when caller auth is off).
func callerFrom(ctx context.Context) string {
	if c := sfgate.CallerFrom(ctx); c != nil {
		return c.Name
	}
	return ""
}

// APIKey is one caller's key (GATEWAY_API_KEYS, the simple form: full
// access). Only its SHA-256 is kept after New.
type APIKey struct {
	// Name identifies the caller in logs and rate limits.
	Name string
	// Key is the secret the caller sends as "Authorization: Bearer <key>".
	Key sfgate.Secret
}

// Authenticator finds the caller a bearer credential names (the callers
// file, JWTs: internal/callers). It returns nil, nil for a credential it
// does not know; an error that is not an *sfgate.Error counts as a refused
// credential.
type Authenticator interface {
	Authenticate(ctx context.Context, credential string) (*sfgate.Caller, error)
}

type hashedKey struct {
	sum    [sha256.Size]byte
	caller *sfgate.Caller
}

// authOn reports whether callers must prove who they are.
func (h *Handlers) authOn() bool { return len(h.keys) > 0 || h.opts.Auth != nil }

// bearer returns the credential of "Authorization: Bearer <credential>".
// The scheme is case-insensitive (RFC 9110 §11.1: "It uses a
// case-insensitive token to identify the authentication scheme").
func bearer(r *http.Request) (string, bool) {
	scheme, cred, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	cred = strings.TrimSpace(cred)
	return cred, cred != ""
}

// auth establishes the caller: a GATEWAY_API_KEYS key (every one compared
// in constant time, so timing tells nothing about which matched), else the
// Authenticator (callers file, JWT). Without either, caller auth is off and
// the caller is the client address with full access.
func (h *Handlers) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.authOn() {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			next.ServeHTTP(w, withCaller(w, r, &sfgate.Caller{Name: host, Anonymous: true}))
			return
		}
		token, ok := bearer(r)
		if !ok {
			h.fail(w, r, sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "send a caller key or token as Authorization: Bearer <credential>"))
			return
		}
		c, err := h.authenticate(r.Context(), token)
		if err == nil && c == nil {
			err = sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "unknown caller key or token")
		}
		if err != nil {
			var e *sfgate.Error
			if !errors.As(err, &e) || e.Kind == sfgate.KindUnauthorized {
				// RFC 6750 §3.1: a request that carried a token which is
				// not valid says so in the challenge.
				w.Header().Set("WWW-Authenticate", `Bearer realm="sfgate", error="invalid_token"`)
			}
			if !errors.As(err, &e) {
				err = sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "the caller key or token is not valid")
			}
			h.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, withCaller(w, r, c))
	})
}

func (h *Handlers) authenticate(ctx context.Context, token string) (*sfgate.Caller, error) {
	sum := sha256.Sum256([]byte(token))
	var found *sfgate.Caller
	for _, k := range h.keys {
		if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
			found = k.caller
		}
	}
	if found != nil || h.opts.Auth == nil {
		return found, nil
	}
	return h.opts.Auth.Authenticate(ctx, token)
}
