package sfsim

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/seed"
)

// signJWT makes an RS256 assertion the way Salesforce's JWT bearer flow
// expects it.
func signJWT(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(b)
	}
	signing := enc(map[string]string{"alg": "RS256"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

func (s *sim) token(form url.Values, basic ...string) (int, map[string]string) {
	s.t.Helper()
	req, _ := http.NewRequestWithContext(s.t.Context(), "POST", s.url+"/services/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(basic[0], basic[1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
		s.t.Fatalf("token answer is not a JSON object of strings: %v", err)
	}
	return res.StatusCode, body
}

func TestClientCredentials(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	cases := []struct {
		name   string
		form   url.Values
		basic  []string
		status int
		err    string
		desc   string
	}{
		{"form credentials", url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}, nil, 200, "", ""},
		{"basic auth", url.Values{"grant_type": {"client_credentials"}}, []string{DemoClientID, DemoClientSecret}, 200, "", ""},
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {"x"}}, nil, 400, "invalid_client", "invalid client credentials"},
		{"unknown client", url.Values{"grant_type": {"client_credentials"}, "client_id": {"nobody"}, "client_secret": {DemoClientSecret}}, nil, 400, "invalid_client_id", "client identifier invalid"},
		{"unsupported grant", url.Values{"grant_type": {"password"}}, nil, 400, "unsupported_grant_type", "grant type not supported"},
		{"no grant", url.Values{}, nil, 400, "unsupported_grant_type", "grant type not supported"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			status, body := s.token(tc.form, tc.basic...)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %v", status, tc.status, body)
			}
			if tc.status != 200 {
				if body["error"] != tc.err || body["error_description"] != tc.desc || len(body) != 2 {
					t.Errorf("error body %v, want %s / %s", body, tc.err, tc.desc)
				}
				return
			}
			for _, k := range []string{"access_token", "instance_url", "id", "token_type", "issued_at", "signature", "scope"} {
				if body[k] == "" {
					t.Errorf("no %s in %v", k, body)
				}
			}
			if body["token_type"] != "Bearer" || body["instance_url"] != s.url || !strings.HasPrefix(body["access_token"], s.srv.OrgID()[:15]+"!") {
				t.Errorf("token %v", body)
			}
			if body["id"] != s.url+"/id/"+s.srv.OrgID()+"/"+seed.AdminID {
				t.Errorf("id %q", body["id"])
			}
			// The access token is a SOAP session id.
			s2 := *s
			s2.t = t
			s2.sid = body["access_token"]
			s2.do("getUserInfo", "", "").ok()
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		_, stats := s.control("GET", "/_sim/stats", "")
		var st struct{ Calls map[string]float64 }
		json.Unmarshal([]byte(stats), &st)
		if n := st.Calls[StatOAuthClientCredentials]; n != 4 {
			t.Errorf("stats count %v client-credential grants, want 4: %s", n, stats)
		}
	})
}

func TestJWTBearer(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	key := s.srv.JWTPrivateKey()
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := s.clock.Now()
	good := func() map[string]any {
		return map[string]any{"iss": DemoClientID, "sub": DemoUsername, "aud": "https://login.salesforce.com", "exp": now.Add(2 * time.Minute).Unix()}
	}
	with := func(k string, v any) map[string]any { c := good(); c[k] = v; return c }
	cases := []struct {
		name   string
		key    *rsa.PrivateKey
		claims map[string]any
		err    string
		desc   string
	}{
		{"valid", key, good(), "", ""},
		{"sandbox audience", key, with("aud", "https://test.salesforce.com"), "", ""},
		{"own url as audience", key, with("aud", s.url), "", ""},
		{"audience list", key, with("aud", []string{"https://login.salesforce.com"}), "", ""},
		{"signed with another key", other, good(), "invalid_grant", "invalid assertion"},
		{"wrong audience", key, with("aud", "https://example.com"), "invalid_grant", "audience is invalid"},
		{"expired", key, with("exp", now.Add(-time.Second).Unix()), "invalid_grant", "invalid assertion"},
		{"more than 3 minutes ahead", key, with("exp", now.Add(10*time.Minute).Unix()), "invalid_grant", "invalid assertion"},
		{"no exp", key, with("exp", nil), "invalid_grant", "invalid assertion"},
		{"unknown client", key, with("iss", "someone"), "invalid_client_id", "client identifier invalid"},
		{"unknown user", key, with("sub", "who@example.com"), "invalid_grant", "user hasn't approved this consumer"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			if tc.claims["exp"] == nil {
				delete(tc.claims, "exp")
			}
			status, body := s.token(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signJWT(t, tc.key, tc.claims)}})
			if tc.err == "" {
				if status != 200 || body["access_token"] == "" {
					t.Fatalf("status %d %v", status, body)
				}
				s2 := *s
				s2.t, s2.sid = t, body["access_token"]
				s2.do("getServerTimestamp", "", "").ok()
				return
			}
			if status != 400 || body["error"] != tc.err || body["error_description"] != tc.desc {
				t.Errorf("status %d %v, want 400 %s / %s", status, body, tc.err, tc.desc)
			}
		})
	}
	t.Run("garbage assertion", func(t *testing.T) {
		s := s.as(t)
		t.Parallel()
		status, body := s.token(url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {"not.a.jwt"}})
		if status != 400 || body["error"] != "invalid_grant" {
			t.Errorf("%d %v", status, body)
		}
	})
}

func TestJWTConfiguredCertificate(t *testing.T) {
	t.Parallel()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sfsim-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	s := newSim(t, Config{JWTCertificatePEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})})
	if s.srv.JWTPrivateKey() != nil {
		t.Error("a configured certificate must not come with a generated private key")
	}
	claims := map[string]any{"iss": DemoClientID, "sub": DemoUsername, "aud": "https://login.salesforce.com", "exp": s.clock.Now().Add(time.Minute).Unix()}
	if status, body := s.token(url.Values{"grant_type": {grantJWTBearer}, "assertion": {signJWT(t, key, claims)}}); status != 200 {
		t.Errorf("status %d %v", status, body)
	}
	if st, _ := s.control("GET", "/_sim/jwt-key", ""); st != 404 {
		t.Errorf("jwt-key with a configured certificate: %d, want 404", st)
	}
}

func TestJWTKeyEndpoint(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	st, body := s.control("GET", "/_sim/jwt-key", "")
	blk, _ := pem.Decode([]byte(body))
	if st != 200 || blk == nil {
		t.Fatalf("%d %s", st, body)
	}
	k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
	if err != nil || !k.Equal(s.srv.JWTPrivateKey()) {
		t.Fatalf("key from the endpoint differs: %v", err)
	}
}

func TestTokenEndpointFaults(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	if st, body := s.control("POST", "/_sim/faults", `{"operation":"oauth2:client_credentials","fault":"http500"}`); st != 201 {
		t.Fatalf("%d %s", st, body)
	}
	if st, _ := s.control("POST", "/_sim/faults", `{"operation":"oauth2:jwt_bearer","fault":"UNABLE_TO_LOCK_ROW"}`); st != 400 {
		t.Errorf("SOAP fault on the token endpoint accepted: %d", st)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {DemoClientID}, "client_secret": {DemoClientSecret}}
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.url+"/services/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 500 {
		t.Errorf("status %d, want the injected 500", res.StatusCode)
	}
	if st, _ := s.token(form); st != 200 {
		t.Errorf("second grant: %d, want 200 (count used up)", st)
	}
}
