// Package callers says who a caller is and what it may touch: callers
// listed in a file by the SHA-256 of their key (GATEWAY_CALLERS_FILE,
// reloaded on change), and callers bearing RS256/ES256 JWTs from an
// identity provider (GATEWAY_JWT_*). Both become *sfgate.Caller with an
// Access built from "Object:action" permissions.
//
// It speaks the domain only; the HTTP layer declares the Authenticator
// interface it needs and cmd/gateway wires this package in.
package callers

import (
	"context"

	"github.com/sfgate/sfgate"
)

// Authenticator finds the caller a bearer credential names: a key from
// the callers file, else (when configured) a JWT.
type Authenticator struct {
	file *File
	jwt  *Verifier
}

// NewAuthenticator combines a callers file and a JWT verifier; either may
// be nil.
func NewAuthenticator(file *File, jwt *Verifier) *Authenticator {
	return &Authenticator{file: file, jwt: jwt}
}

// Authenticate returns the caller credential names, nil when it names
// none, or an error for a refused token (KindUnauthorized) or a key set
// that cannot be fetched (KindUnavailable).
func (a *Authenticator) Authenticate(ctx context.Context, credential string) (*sfgate.Caller, error) {
	if a.file != nil {
		if c := a.file.Keys().Lookup(credential); c != nil {
			return c, nil
		}
	}
	if a.jwt != nil && LooksLikeJWT(credential) {
		return a.jwt.Verify(ctx, credential)
	}
	return nil, nil
}
