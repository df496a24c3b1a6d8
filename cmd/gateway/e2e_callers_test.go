package main

// Callers end to end (docs/http-api.md, "Callers"): a callers file and
// JWTs from a test identity provider, through the whole program against
// sfsim. Refused requests must cost Salesforce nothing.

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// idp is a test identity provider: one RSA key, its JWKS, a token minter.
type idp struct {
	key  *rsa.PrivateKey
	jwks *httptest.Server
}

func newIDP(t *testing.T) *idp {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := base64.RawURLEncoding.EncodeToString
	set, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "alg": "RS256", "use": "sig", "n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(set) }))
	t.Cleanup(srv.Close)
	return &idp{key: key, jwks: srv}
}

// token mints a JWT. alg "RS256" signs with signer (the idp's key unless
// another is given); "HS256" uses the idp's public key as the HMAC secret;
// "none" has an empty signature.
func (p *idp) token(t *testing.T, alg string, signer *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	b64 := base64.RawURLEncoding.EncodeToString
	h, _ := json.Marshal(map[string]string{"alg": alg, "kid": "k1", "typ": "JWT"})
	c, _ := json.Marshal(claims)
	input := b64(h) + "." + b64(c)
	sum := sha256.Sum256([]byte(input))
	var sig []byte
	switch alg {
	case "RS256":
		if signer == nil {
			signer = p.key
		}
		var err error
		if sig, err = rsa.SignPKCS1v15(rand.Reader, signer, crypto.SHA256, sum[:]); err != nil {
			t.Fatal(err)
		}
	case "HS256":
		der, _ := x509.MarshalPKIXPublicKey(&p.key.PublicKey)
		m := hmac.New(sha256.New, der)
		m.Write([]byte(input))
		sig = m.Sum(nil)
	}
	return input + "." + b64(sig)
}

func jwtClaims(mod map[string]any) map[string]any {
	c := map[string]any{
		"iss": "https://idp.test/", "aud": "sfgate-e2e", "sub": "reporting",
		"exp": time.Now().Add(5 * time.Minute).Unix(), "permissions": "Contact:read Contact:query",
	}
	maps.Copy(c, mod)
	return c
}

// callersStack boots a gateway with a callers file (full, contacts,
// contacts2) and JWT callers, over an org with enough Contacts for a
// second page.
func callersStack(t *testing.T, p *idp) (*stack, map[string]string) {
	t.Helper()
	keys := map[string]string{}
	file := "callers:\n"
	for name, perms := range map[string]string{
		"full": `["*:*"]`, "contacts": `["Contact:read", "Contact:query"]`, "contacts2": `["contact:READ", "Contact:query"]`,
	} {
		keys[name] = fmt.Sprintf("%x", randomBytes(t, 16))
		sum := sha256.Sum256([]byte(keys[name]))
		file += fmt.Sprintf("  - {name: %s, keySHA256: %s, permissions: %s}\n", name, hex.EncodeToString(sum[:]), perms)
	}
	path := filepath.Join(t.TempDir(), "callers.yaml")
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startStack(t, stackOptions{seedAccounts: 120, env: map[string]string{
		"GATEWAY_CALLERS_FILE": path, "GATEWAY_JWT_JWKS_URL": p.jwks.URL,
		"GATEWAY_JWT_ISSUER": "https://idp.test/", "GATEWAY_JWT_AUDIENCE": "sfgate-e2e",
	}})
	return s, keys
}

// TestE2ECallersRefused: without credentials, with a wrong key, and with
// expired, wrongly signed, alg none, HS256-confused or wrong-audience JWTs,
// every kind of request is 401 and sfsim sees no call at all.
func TestE2ECallersRefused(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	s, keys := callersStack(t, p)
	stranger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(cred string) []string { return []string{"Authorization", "Bearer " + cred} }
	creds := map[string][]string{
		"no credentials":                      nil,
		"wrong key":                           bearer(fmt.Sprintf("%x", randomBytes(t, 16))),
		"digest as the key":                   bearer(hex.EncodeToString(func() []byte { x := sha256.Sum256([]byte(keys["full"])); return x[:] }())),
		"expired JWT":                         bearer(p.token(t, "RS256", nil, jwtClaims(map[string]any{"exp": time.Now().Add(-5 * time.Minute).Unix()}))),
		"JWT signed by another key":           bearer(p.token(t, "RS256", stranger, jwtClaims(nil))),
		"alg none JWT":                        bearer(p.token(t, "none", nil, jwtClaims(nil))),
		"HS256 JWT keyed with the public key": bearer(p.token(t, "HS256", nil, jwtClaims(nil))),
		"JWT for another audience":            bearer(p.token(t, "RS256", nil, jwtClaims(map[string]any{"aud": "another-service"}))),
		"JWT from another issuer":             bearer(p.token(t, "RS256", nil, jwtClaims(map[string]any{"iss": "https://evil.test/"}))),
	}
	requests := []struct {
		method, path string
		body         any
	}{
		{http.MethodGet, "/v1/sobjects/Contact/records/003000000000001AAA", nil},
		{http.MethodPost, "/v1/sobjects/Contact/records", map[string]any{"LastName": "Intruder"}},
		{http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Contact"}},
		{http.MethodPost, "/v1/search", map[string]any{"sosl": "FIND {Acme} RETURNING Account(Id)"}},
		{http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{}},
		{http.MethodGet, "/v1/sobjects", nil},
	}
	before := s.simStats(t)
	for name, hdr := range creds {
		for _, rq := range requests {
			a := s.do(t, rq.method, rq.path, rq.body, hdr...)
			want(t, name+": "+rq.method+" "+rq.path, a, http.StatusUnauthorized, `"UNAUTHORIZED"`)
			if a.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: 401 without WWW-Authenticate", name)
			}
		}
	}
	if after := s.simStats(t); !maps.Equal(before, after) {
		t.Errorf("refused requests reached Salesforce: before %v, after %v", before, after)
	}
	// The same door opens for a good token and a good key, so the refusals
	// above are about the credentials.
	good := p.token(t, "RS256", nil, jwtClaims(nil))
	want(t, "a good JWT", s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Contact LIMIT 1"}, bearer(good)...), 200)
	want(t, "the JWT caller cannot reach Account", s.do(t, http.MethodGet, "/v1/sobjects/Account", nil, bearer(good)...), 403, "Account:read")
	want(t, "a good key, lower-case scheme", s.do(t, http.MethodGet, "/v1/sobjects", nil, "Authorization", "bearer "+keys["full"]), 200)
}

// TestE2ECallersContactOnly: a caller allowed Contact:read and
// Contact:query reaches Contacts but not Account by path, batch, merge or
// the admin endpoint, nor another caller's cursor; none of the refusals
// costs a Salesforce call.
func TestE2ECallersContactOnly(t *testing.T) {
	t.Parallel()
	p := newIDP(t)
	s, keys := callersStack(t, p)
	as := func(name string) []string { return []string{"Authorization", "Bearer " + keys[name]} }

	rows := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id, AccountId FROM Contact LIMIT 1"}, as("full")...)
	want(t, "setup query", rows, 200)
	rec := rows.json(t)["records"].([]any)[0].(map[string]any)
	contactID, accountID := rec["Id"].(string), rec["AccountId"].(string)

	want(t, "own object", s.do(t, http.MethodGet, "/v1/sobjects/Contact/records/"+contactID, nil, as("contacts")...), 200)

	// contacts2 pages through Contacts; its cursor is its own.
	first := s.do(t, http.MethodPost, "/v1/sobjects/Contact/query", map[string]any{"fields": []string{"Id"}, "pageSize": 200}, as("contacts2")...)
	want(t, "contacts2's query", first, 200)
	cursor, _ := first.json(t)["nextCursor"].(string)
	if cursor == "" {
		t.Fatalf("no second page to test cursors with: %s", first)
	}

	before := s.simStats(t)
	refused := []struct {
		what, method, path string
		body               any
		status             int
		holds              string
	}{
		{"Account by path", http.MethodGet, "/v1/sobjects/Account/records/" + accountID, nil, 403, "Account:read"},
		{"Account describe", http.MethodGet, "/v1/sobjects/Account", nil, 403, "Account:read"},
		{"Account by structured query", http.MethodPost, "/v1/sobjects/Account/query", map[string]any{"fields": []string{"Id"}}, 403, "Account:query"},
		{"Account by batch", http.MethodPost, "/v1/sobjects/Account/records/batch", map[string]any{"operation": "delete", "records": []map[string]any{{"Id": accountID}}}, 403, "Account:bulk"},
		{"Contact batch without bulk", http.MethodPost, "/v1/sobjects/Contact/records/batch", map[string]any{"operation": "update", "records": []map[string]any{{"Id": contactID, "LastName": "X"}}}, 403, "Contact:bulk"},
		{"Account by merge", http.MethodPost, "/v1/sobjects/Account/records/" + accountID + "/merge", map[string]any{"mergeIds": []string{accountID}}, 403, "Account:merge"},
		{"Contact delete", http.MethodDelete, "/v1/sobjects/Contact/records/" + contactID, nil, 403, "Contact:delete"},
		{"the admin endpoint", http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{"sobject": "Account"}, 403, "*:admin"},
		// The engine reads what raw SOQL, SOSL and structured paths reach.
		{"Account by a structured relationship path", http.MethodPost, "/v1/sobjects/Contact/query", map[string]any{"fields": []string{"Id", "Account.Name"}}, 403, "Account:query"},
		{"Account by a raw parent path", http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Account.Name FROM Contact"}, 403, "Account:query"},
		{"Account by a semi-join", http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name LIKE 'A%')"}, 403, "Account:query"},
		{"Account by raw FROM", http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account"}, 403, "Account:query"},
		{"Account by SOSL", http.MethodPost, "/v1/search", map[string]any{"sosl": "FIND {Acme} RETURNING Account(Name), Contact(LastName)"}, 403, "Account:search"},
		{"User by a raw parent path", http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Owner.Email FROM Contact"}, 403, "User:query"},
		{"another caller's cursor", http.MethodGet, "/v1/query/" + cursor, nil, 404, "NOT_FOUND"},
	}
	for _, r := range refused {
		want(t, r.what, s.do(t, r.method, r.path, r.body, as("contacts")...), r.status, r.holds)
	}
	want(t, "the full caller cannot page contacts2's cursor either", s.do(t, http.MethodGet, "/v1/query/"+cursor, nil, as("full")...), 404)
	if after := s.simStats(t); !maps.Equal(before, after) {
		t.Errorf("refused requests reached Salesforce: before %v, after %v", before, after)
	}
	want(t, "its own caller pages on", s.do(t, http.MethodGet, "/v1/query/"+cursor, nil, as("contacts2")...), 200)
}
