package handlers

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"net"
	"net/http"
	"strings"

	"github.com/sfgate/sfgate"
)

type callerKey struct{}

func callerOf(w http.ResponseWriter) string {
	if sw, ok := w.(*statusWriter); ok {
		return sw.caller
	}
	return ""
}

// withCaller records the caller for the handlers (context) and the access
// log (statusWriter).
func withCaller(w http.ResponseWriter, r *http.Request, caller string) *http.Request {
	if sw, ok := w.(*statusWriter); ok {
		sw.caller = caller
	}
	return r.WithContext(context.WithValue(r.Context(), callerKey{}, caller))
}

// callerFrom returns the caller's name (the API key's name, or the client
// address when caller auth is off).
func callerFrom(ctx context.Context) string {
	c, _ := ctx.Value(callerKey{}).(string)
	return c
}

// APIKey is one caller's key. Only its SHA-256 is kept after New.
type APIKey struct {
	// Name identifies the caller in logs and rate limits.
	Name string
	// Key is the secret the caller sends as "Authorization: Bearer <key>".
	Key sfgate.Secret
}

type hashedKey struct {
	name string
	sum  [sha256.Size]byte
}

// auth checks the caller's API key when keys are configured. Every key is
// compared, in constant time, so timing tells nothing about which matched.
func (h *Handlers) auth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(h.keys) == 0 {
			host, _, err := net.SplitHostPort(r.RemoteAddr)
			if err != nil {
				host = r.RemoteAddr
			}
			next.ServeHTTP(w, withCaller(w, r, host))
			return
		}
		token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" {
			h.fail(w, r, sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "send a caller API key as Authorization: Bearer <key>"))
			return
		}
		sum := sha256.Sum256([]byte(token))
		name := ""
		for _, k := range h.keys {
			if subtle.ConstantTimeCompare(sum[:], k.sum[:]) == 1 {
				name = k.name
			}
		}
		if name == "" {
			h.fail(w, r, sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "unknown caller API key"))
			return
		}
		next.ServeHTTP(w, withCaller(w, r, name))
	})
}
