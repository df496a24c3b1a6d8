package callers

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/sfgate/sfgate"
)

// JWTConfig configures bearer tokens from an identity provider.
type JWTConfig struct {
	// JWKSURL is where the issuer publishes its signing keys (required).
	JWKSURL string
	// Issuer and Audience must match the iss and aud claims (required).
	Issuer, Audience string
	// PermissionsClaim holds the caller's permissions: an array of
	// "Object:action" strings or one space-separated string (default
	// "permissions").
	PermissionsClaim string
	// NameClaim names the caller (default "sub").
	NameClaim string
	// Skew is the clock difference tolerated on exp and nbf (default 60s).
	Skew time.Duration
	// MinRefresh is the least time between two fetches of the key set
	// (default 30s); MaxAge is how long a fetched set is trusted before it
	// is fetched again (default 1h).
	MinRefresh, MaxAge time.Duration
	// HTTPClient fetches the key set (default: a client with a 10s timeout).
	HTTPClient *http.Client
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Verifier checks RS256 and ES256 bearer tokens (RFC 7519) against an
// issuer's JWKS and turns them into callers.
//
// Hand-written rather than a JWT library: the gateway accepts exactly two
// algorithms, each bound to the key type the key set gives it, which is a
// page of crypto/rsa and crypto/ecdsa; a library would bring the
// algorithm negotiation (none, HS*) that this code exists to refuse.
type Verifier struct {
	cfg  JWTConfig
	keys *jwks
}

// maxTokenBytes bounds a token before any decoding.
const maxTokenBytes = 16 << 10

// NewVerifier checks cfg. Keys are fetched on the first token.
func NewVerifier(cfg JWTConfig) (*Verifier, error) {
	if cfg.JWKSURL == "" || cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("a JWKS URL, an issuer and an audience are all required")
	}
	if cfg.PermissionsClaim == "" {
		cfg.PermissionsClaim = "permissions"
	}
	if cfg.NameClaim == "" {
		cfg.NameClaim = "sub"
	}
	if cfg.Skew <= 0 {
		cfg.Skew = 60 * time.Second
	}
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = 30 * time.Second
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = time.Hour
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Verifier{cfg: cfg, keys: &jwks{
		url: cfg.JWKSURL, client: cfg.HTTPClient, now: cfg.Now, minRefresh: cfg.MinRefresh, maxAge: cfg.MaxAge,
	}}, nil
}

// LooksLikeJWT reports whether token has a JWS compact serialization's
// shape (three base64url parts), so an API key is not sent to Verify.
func LooksLikeJWT(token string) bool {
	return strings.Count(token, ".") == 2 && strings.HasPrefix(token, "eyJ")
}

// invalid is a token refused: 401 with error="invalid_token" (RFC 6750
// §3.1). The detail says why without echoing the token.
func invalid(why string) error {
	return sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "the bearer token is not valid: "+why)
}

type jwtHeader struct {
	Alg  string `json:"alg"`
	Kid  string `json:"kid"`
	Crit []any  `json:"crit"`
}

// Verify checks the token's signature, issuer, audience and validity
// period, and returns its caller. Refused tokens are KindUnauthorized; a
// key set that cannot be fetched while the token's key is unknown is
// KindUnavailable.
func (v *Verifier) Verify(ctx context.Context, token string) (*sfgate.Caller, error) {
	if len(token) > maxTokenBytes {
		return nil, invalid("longer than the gateway takes")
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, invalid("not a signed JWT (header.payload.signature)")
	}
	var hdr jwtHeader
	if err := decodeSegment(parts[0], &hdr); err != nil {
		return nil, invalid("the header is not base64url JSON")
	}
	// Only RS256 and ES256: "none" would need no signature, and HS256 with
	// the issuer's public key as the secret is the classic RS/HS confusion
	// (RFC 8725 §2.1, §3.1: "libraries MUST enable the caller to specify a
	// supported set of algorithms").
	if hdr.Alg != "RS256" && hdr.Alg != "ES256" {
		return nil, invalid(fmt.Sprintf("alg %q is not accepted (RS256 or ES256)", truncate(hdr.Alg)))
	}
	if len(hdr.Crit) > 0 {
		return nil, invalid("crit names extensions the gateway does not understand")
	}
	if hdr.Kid == "" {
		return nil, invalid("the header has no kid")
	}
	key, err := v.keys.key(ctx, hdr.Kid)
	switch {
	case errors.Is(err, errUnknownKid):
		return nil, invalid("its kid is not one of the issuer's keys")
	case err != nil:
		return nil, &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeUnavailable, Detail: "the token issuer's keys cannot be fetched", Err: err}
	}
	if key.alg != hdr.Alg {
		return nil, invalid("alg does not match the key's type")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, invalid("the signature is not base64url")
	}
	if !verifySignature(key, []byte(parts[0]+"."+parts[1]), sig) {
		return nil, invalid("the signature does not verify")
	}
	var claims map[string]any
	if err := decodeSegment(parts[1], &claims); err != nil {
		return nil, invalid("the payload is not base64url JSON")
	}
	if err := v.checkClaims(claims); err != nil {
		return nil, err
	}
	return v.caller(claims)
}

func verifySignature(k verifyKey, input, sig []byte) bool {
	digest := sha256.Sum256(input)
	switch pub := k.key.(type) {
	case *rsa.PublicKey:
		return rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig) == nil
	case *ecdsa.PublicKey:
		// JWS ES256 signatures are R || S, 32 bytes each (RFC 7518 §3.4),
		// not ASN.1.
		if len(sig) != 64 {
			return false
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		return ecdsa.Verify(pub, digest[:], r, s)
	}
	return false
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

// checkClaims checks iss, aud, exp and nbf (RFC 7519 §4.1), with skew.
func (v *Verifier) checkClaims(c map[string]any) error {
	if iss, _ := c["iss"].(string); iss != v.cfg.Issuer {
		return invalid("iss is not the configured issuer")
	}
	if !hasAudience(c["aud"], v.cfg.Audience) {
		return invalid("aud does not name this gateway")
	}
	now := v.cfg.Now()
	exp, ok := numericDate(c["exp"])
	if !ok {
		return invalid("exp is missing")
	}
	if !now.Before(exp.Add(v.cfg.Skew)) {
		return invalid("it has expired")
	}
	if raw, has := c["nbf"]; has {
		nbf, ok := numericDate(raw)
		if !ok {
			return invalid("nbf is not a NumericDate")
		}
		if now.Add(v.cfg.Skew).Before(nbf) {
			return invalid("it is not valid yet (nbf)")
		}
	}
	return nil
}

func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if s, _ := x.(string); s == want {
				return true
			}
		}
	}
	return false
}

// numericDate reads seconds since the epoch, fractions allowed.
func numericDate(v any) (time.Time, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return time.Time{}, false
	}
	f, err := n.Float64()
	if err != nil || f < 0 || f > 1e11 {
		return time.Time{}, false
	}
	return time.Unix(0, 0).Add(time.Duration(f * float64(time.Second))), true
}

// caller builds the caller a verified token names. Its name is "jwt:"
// and the name claim, so a token can never pass for a key caller (whose
// names have no colon) and take over its cursors or rate limit.
func (v *Verifier) caller(c map[string]any) (*sfgate.Caller, error) {
	name, _ := c[v.cfg.NameClaim].(string)
	if name == "" || len(name) > 200 {
		return nil, invalid("claim " + v.cfg.NameClaim + " (the caller's name) is missing or too long")
	}
	var perms []string
	switch p := c[v.cfg.PermissionsClaim].(type) {
	case nil:
	case string:
		perms = strings.Fields(p)
	case []any:
		for _, x := range p {
			s, ok := x.(string)
			if !ok {
				return nil, invalid("claim " + v.cfg.PermissionsClaim + " holds a non-string")
			}
			perms = append(perms, s)
		}
	default:
		return nil, invalid("claim " + v.cfg.PermissionsClaim + " is neither an array of strings nor a string")
	}
	access, err := NewAccess(perms, nil)
	if err != nil {
		return nil, invalid("claim " + v.cfg.PermissionsClaim + ": " + err.Error())
	}
	return &sfgate.Caller{Name: "jwt:" + name, Access: access}, nil
}

func truncate(s string) string {
	if len(s) > 16 {
		return s[:16] + "…"
	}
	return s
}
