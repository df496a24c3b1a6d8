package callers

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
)

var b64 = base64.RawURLEncoding.EncodeToString

// issuer is a test identity provider: keys, a JWKS endpoint that counts
// its fetches, and a token minter.
type issuer struct {
	rsaKey  *rsa.PrivateKey
	ecKey   *ecdsa.PrivateKey
	mu      sync.Mutex
	jwks    []map[string]string
	fetches atomic.Int32
	srv     *httptest.Server
}

var (
	testRSAOnce sync.Once
	testRSA     *rsa.PrivateKey
)

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	testRSAOnce.Do(func() {
		var err error
		if testRSA, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
	})
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{rsaKey: testRSA, ecKey: ec}
	is.jwks = []map[string]string{
		{"kty": "RSA", "kid": "rsa1", "use": "sig", "alg": "RS256", "n": b64(testRSA.N.Bytes()), "e": b64(big.NewInt(int64(testRSA.E)).Bytes())},
		{"kty": "EC", "kid": "ec1", "crv": "P-256", "x": b64(pad32(ec.X.Bytes())), "y": b64(pad32(ec.Y.Bytes()))},
	}
	is.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		is.fetches.Add(1)
		is.mu.Lock()
		defer is.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": is.jwks})
	}))
	t.Cleanup(is.srv.Close)
	return is
}

func pad32(b []byte) []byte { return append(make([]byte, 32-len(b)), b...) }

func (is *issuer) addKey(k map[string]string) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.jwks = append(is.jwks, k)
}

// sign makes a token; alg selects the signature ("none" leaves it empty,
// "HS256" uses the RSA public key's DER as the HMAC secret, the classic
// confusion attack).
func (is *issuer) sign(t *testing.T, hdr map[string]any, claims map[string]any) string {
	t.Helper()
	h, _ := json.Marshal(hdr)
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	digest := sha256.Sum256([]byte(input))
	var sig []byte
	switch hdr["alg"] {
	case "RS256":
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, is.rsaKey, crypto.SHA256, digest[:]); err != nil {
			t.Fatal(err)
		}
	case "ES256":
		r, s, err := ecdsa.Sign(rand.Reader, is.ecKey, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig = append(pad32(r.Bytes()), pad32(s.Bytes())...)
	case "HS256":
		der, _ := x509.MarshalPKIXPublicKey(&is.rsaKey.PublicKey)
		m := hmac.New(sha256.New, der)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + b64(sig)
}

var jwtNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func goodClaims() map[string]any {
	return map[string]any{
		"iss": "https://idp.test/", "aud": []string{"other", "sfgate"}, "sub": "reporting",
		"exp": jwtNow.Add(5 * time.Minute).Unix(), "nbf": jwtNow.Add(-time.Minute).Unix(),
		"permissions": []string{"Contact:read", "Contact:query"},
	}
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for kk, vv := range m {
		out[kk] = vv
	}
	if v == nil {
		delete(out, k)
	} else {
		out[k] = v
	}
	return out
}

func (is *issuer) verifier(t *testing.T) *Verifier {
	t.Helper()
	v, err := NewVerifier(JWTConfig{JWKSURL: is.srv.URL, Issuer: "https://idp.test/", Audience: "sfgate",
		Skew: 30 * time.Second, Now: func() time.Time { return jwtNow }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerifyAccepts(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	v := is.verifier(t)
	for _, tt := range []struct {
		name   string
		hdr    map[string]any
		claims map[string]any
	}{
		{"RS256", map[string]any{"alg": "RS256", "kid": "rsa1", "typ": "JWT"}, goodClaims()},
		{"ES256", map[string]any{"alg": "ES256", "kid": "ec1"}, goodClaims()},
		{"aud as a string, permissions space-separated", map[string]any{"alg": "RS256", "kid": "rsa1"},
			with(with(goodClaims(), "aud", "sfgate"), "permissions", "Contact:read Contact:query")},
		{"expired within the skew", map[string]any{"alg": "RS256", "kid": "rsa1"}, with(goodClaims(), "exp", jwtNow.Add(-20*time.Second).Unix())},
		{"nbf within the skew", map[string]any{"alg": "RS256", "kid": "rsa1"}, with(goodClaims(), "nbf", jwtNow.Add(20*time.Second).Unix())},
	} {
		c, err := v.Verify(t.Context(), is.sign(t, tt.hdr, tt.claims))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if c.Name != "jwt:reporting" || !c.Allows("contact", sfgate.ActionQuery) || c.Allows("Account", sfgate.ActionRead) {
			t.Errorf("%s: caller %+v", tt.name, c)
		}
	}
	if n := is.fetches.Load(); n != 1 {
		t.Errorf("the key set was fetched %d times for known kids, want 1", n)
	}
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	v := is.verifier(t)
	rs := map[string]any{"alg": "RS256", "kid": "rsa1"}
	good := is.sign(t, rs, goodClaims())
	parts := strings.Split(good, ".")
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	foreign := &issuer{rsaKey: is.rsaKey, ecKey: otherKey}
	tests := []struct {
		name, token, want string
	}{
		{"expired", is.sign(t, rs, with(goodClaims(), "exp", jwtNow.Add(-time.Minute).Unix())), "expired"},
		{"no exp", is.sign(t, rs, with(goodClaims(), "exp", nil)), "exp is missing"},
		{"not yet valid", is.sign(t, rs, with(goodClaims(), "nbf", jwtNow.Add(time.Minute).Unix())), "not valid yet"},
		{"wrong audience", is.sign(t, rs, with(goodClaims(), "aud", "someone-else")), "aud"},
		{"no audience", is.sign(t, rs, with(goodClaims(), "aud", nil)), "aud"},
		{"wrong issuer", is.sign(t, rs, with(goodClaims(), "iss", "https://evil.test/")), "iss"},
		{"alg none", is.sign(t, map[string]any{"alg": "none", "kid": "rsa1"}, goodClaims()), `alg "none"`},
		{"alg none, no signature part", parts[0] + "." + parts[1], "not a signed JWT"},
		{"HS256 with the public key as secret", is.sign(t, map[string]any{"alg": "HS256", "kid": "rsa1"}, goodClaims()), `alg "HS256"`},
		{"RS512", is.sign(t, map[string]any{"alg": "RS512", "kid": "rsa1"}, goodClaims()), `alg "RS512"`},
		{"ES256 header on the RSA key", is.sign(t, map[string]any{"alg": "ES256", "kid": "rsa1"}, goodClaims()), "does not match the key"},
		{"signed by another key", foreign.sign(t, map[string]any{"alg": "ES256", "kid": "ec1"}, goodClaims()), "does not verify"},
		{"payload altered", parts[0] + "." + b64([]byte(`{"iss":"https://idp.test/","aud":"sfgate","sub":"admin","exp":9999999999,"permissions":["*:*"]}`)) + "." + parts[2], "does not verify"},
		{"no kid", is.sign(t, map[string]any{"alg": "RS256"}, goodClaims()), "no kid"},
		{"crit", is.sign(t, map[string]any{"alg": "RS256", "kid": "rsa1", "crit": []string{"exp"}}, goodClaims()), "crit"},
		{"no sub", is.sign(t, rs, with(goodClaims(), "sub", nil)), "claim sub"},
		{"bad permission", is.sign(t, rs, with(goodClaims(), "permissions", []string{"Contact:write"})), "unknown action"},
		{"permissions not strings", is.sign(t, rs, with(goodClaims(), "permissions", []any{1})), "non-string"},
		{"garbage", "eyJ.not.base64!", "header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := v.Verify(t.Context(), tt.token)
			var e *sfgate.Error
			if c != nil || !errors.As(err, &e) || e.Kind != sfgate.KindUnauthorized || !strings.Contains(e.Detail, tt.want) {
				t.Errorf("caller %v, err %v; want unauthorized saying %q", c, err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), tt.token) {
				t.Error("the error echoes the token")
			}
		})
	}
}

// TestVerifyUnknownKid: an unknown kid fetches the key set again (the
// issuer rotated), but only once per MinRefresh however many tokens name
// made-up kids.
func TestVerifyUnknownKid(t *testing.T) {
	t.Parallel()
	is := newIssuer(t)
	now := jwtNow
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	v, err := NewVerifier(JWTConfig{JWKSURL: is.srv.URL, Issuer: "https://idp.test/", Audience: "sfgate", MinRefresh: time.Minute, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), is.sign(t, map[string]any{"alg": "ES256", "kid": "ec1"}, goodClaims())); err != nil {
		t.Fatal(err)
	}
	// A rotated key appears at the issuer; its first token finds it, but
	// only after MinRefresh has passed since the last fetch.
	rotated, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	is.addKey(map[string]string{"kty": "EC", "kid": "ec2", "crv": "P-256", "x": b64(pad32(rotated.X.Bytes())), "y": b64(pad32(rotated.Y.Bytes()))})
	next := &issuer{rsaKey: is.rsaKey, ecKey: rotated}
	tok := next.sign(t, map[string]any{"alg": "ES256", "kid": "ec2"}, goodClaims())
	if _, err := v.Verify(t.Context(), tok); err == nil || !strings.Contains(err.Error(), "kid") {
		t.Errorf("within MinRefresh of the last fetch: %v, want unknown kid", err)
	}
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	// Many made-up kids at once, then the rotated one: one fetch between them.
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			bogus := is.sign(t, map[string]any{"alg": "RS256", "kid": "made-up-" + string(rune('a'+i))}, with(goodClaims(), "exp", now.Add(time.Minute).Unix()))
			if _, err := v.Verify(t.Context(), bogus); err == nil {
				t.Error("a made-up kid verified")
			}
		})
	}
	wg.Wait()
	if n := is.fetches.Load(); n != 2 {
		t.Errorf("%d fetches after 20 unknown kids, want 2 (the first, and one refresh)", n)
	}
	if n := v.keys.attempts(); n != 2 {
		t.Errorf("attempts() = %d, want 2", n)
	}
	if _, err := v.Verify(t.Context(), next.sign(t, map[string]any{"alg": "ES256", "kid": "ec2"}, with(goodClaims(), "exp", now.Add(time.Minute).Unix()))); err != nil {
		t.Errorf("the rotated key after the refresh: %v", err)
	}
}

func TestVerifyKeySetUnreachable(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusBadGateway) }))
	t.Cleanup(srv.Close)
	is := newIssuer(t)
	v, err := NewVerifier(JWTConfig{JWKSURL: srv.URL, Issuer: "https://idp.test/", Audience: "sfgate", Now: func() time.Time { return jwtNow }})
	if err != nil {
		t.Fatal(err)
	}
	_, err = v.Verify(t.Context(), is.sign(t, map[string]any{"alg": "RS256", "kid": "rsa1"}, goodClaims()))
	var e *sfgate.Error
	if !errors.As(err, &e) || e.Kind != sfgate.KindUnavailable {
		t.Errorf("err %v, want unavailable (the issuer's fault, not the token's)", err)
	}
}

func TestParseJWKSSkipsUnusableKeys(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	is := newIssuer(t)
	set := map[string]any{"keys": []map[string]string{
		{"kty": "RSA", "kid": "weak", "n": b64(small.N.Bytes()), "e": "AQAB"},
		{"kty": "RSA", "kid": "enc", "use": "enc", "n": b64(is.rsaKey.N.Bytes()), "e": "AQAB"},
		{"kty": "RSA", "kid": "hs", "alg": "HS256", "n": b64(is.rsaKey.N.Bytes()), "e": "AQAB"},
		{"kty": "oct", "kid": "sym", "k": "c2VjcmV0"},
		{"kty": "EC", "kid": "p384", "crv": "P-384", "x": "AA", "y": "AA"},
		{"kty": "EC", "kid": "offcurve", "crv": "P-256", "x": b64(make([]byte, 32)), "y": b64(append(make([]byte, 31), 1))},
		{"kty": "RSA", "n": b64(is.rsaKey.N.Bytes()), "e": "AQAB"},
		{"kty": "RSA", "kid": "ok", "n": b64(is.rsaKey.N.Bytes()), "e": "AQAB"},
	}}
	b, _ := json.Marshal(set)
	keys, err := parseJWKS(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys["ok"].alg != "RS256" {
		t.Errorf("keys = %v, want only \"ok\"", keys)
	}
}
