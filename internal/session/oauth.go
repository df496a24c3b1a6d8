package session

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// maxTokenBody caps the token endpoint's answer (a real one is < 2 KB).
const maxTokenBody = 64 << 10

// jwtLifetime is the assertion's lifetime; Salesforce accepts at most 3
// minutes after issue.
const jwtLifetime = 3 * time.Minute

// tokenAnswer is the token endpoint's JSON, success or error.
type tokenAnswer struct {
	AccessToken      string `json:"access_token"`
	InstanceURL      string `json:"instance_url"`
	ID               string `json:"id"`
	IssuedAt         string `json:"issued_at"`
	TokenType        string `json:"token_type"`
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// postToken posts form to {loginURL}/services/oauth2/token and returns the
// session, or a *partner.LoginError with Salesforce's error code and description.
func (m *Manager) postToken(ctx context.Context, form url.Values) (_ obtained, err error) {
	u := strings.TrimRight(m.cfg.LoginURL, "/") + "/services/oauth2/token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		return obtained{}, m.loginErr("", "", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	// One call to Salesforce, counted like a SOAP call (metrics and the
	// request's X-Salesforce-Calls).
	done := m.metrics.StartCall(ctx, salesforce.OpOAuthToken)
	defer func() { done(err) }()
	resp, err := m.cfg.HTTPClient.Do(req)
	if err != nil {
		// url.Error repeats the URL, which carries no secret (the form is
		// in the body).
		return obtained{}, m.loginErr("", "", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBody+1))
	if err != nil {
		return obtained{}, m.loginErr("", "", fmt.Errorf("read token answer: %w", err))
	}
	if len(body) > maxTokenBody {
		return obtained{}, m.loginErr("", "token answer larger than 64 KB", nil)
	}
	var ans tokenAnswer
	jsonErr := json.Unmarshal(body, &ans)
	if resp.StatusCode != http.StatusOK {
		if jsonErr == nil && ans.Error != "" {
			e := m.loginErr(ans.Error, ans.ErrorDescription, nil)
			// The token endpoint reports a blocked user as invalid_grant
			// with a description rather than a code of its own.
			if strings.Contains(strings.ToLower(ans.ErrorDescription), "rate exceeded") {
				e.Kind = partner.LoginRateLimited
			}
			return obtained{}, e
		}
		// Not Salesforce's JSON (a proxy, an outage page): keep the status
		// only, the body might echo anything.
		e := m.loginErr("HTTP "+strconv.Itoa(resp.StatusCode), http.StatusText(resp.StatusCode), nil)
		if resp.StatusCode == http.StatusTooManyRequests {
			e.Kind = partner.LoginRateLimited
		} else if resp.StatusCode < 500 {
			e.Kind = partner.LoginCredentials
		}
		return obtained{}, e
	}
	if jsonErr != nil {
		return obtained{}, m.loginErr("", "token answer is not JSON", nil)
	}
	if ans.AccessToken == "" {
		return obtained{}, m.loginErr("", "token answer has no access_token", nil)
	}
	iu, err := url.Parse(ans.InstanceURL)
	if err != nil || (iu.Scheme != "https" && iu.Scheme != "http") || iu.Host == "" {
		return obtained{}, m.loginErr("", "token answer has no usable instance_url", nil)
	}
	s := salesforce.Session{
		ID:          salesforce.Secret(ans.AccessToken),
		InstanceURL: iu.Scheme + "://" + iu.Host,
		Obtained:    m.now(),
	}
	// id is https://login.salesforce.com/id/{orgId}/{userId}.
	if p := strings.Split(strings.TrimRight(ans.ID, "/"), "/"); len(p) >= 3 && p[len(p)-3] == "id" {
		s.OrgID, s.UserID = p[len(p)-2], p[len(p)-1]
	}
	if ms, err := strconv.ParseInt(ans.IssuedAt, 10, 64); err == nil && ms > 0 {
		s.Obtained = time.UnixMilli(ms)
	}
	// The token endpoint does not report the session timeout.
	return obtained{session: s}, nil
}

func (m *Manager) clientCredentialsLogin(ctx context.Context) (obtained, error) {
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {m.cfg.ClientID},
		"client_secret": {m.cfg.ClientSecret.Reveal()},
	}
	return m.postToken(ctx, form)
}

func (m *Manager) jwtBearerLogin(ctx context.Context) (obtained, error) {
	assertion, err := signJWT(m.jwtKey, m.cfg.ClientID, m.cfg.Username, m.audience, m.now())
	if err != nil {
		return obtained{}, m.loginErr("", "", err)
	}
	form := url.Values{
		"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"},
		"assertion":  {assertion},
	}
	return m.postToken(ctx, form)
}

// Audience returns the JWT "aud" Salesforce expects for a login URL: the
// authorization server, which is https://login.salesforce.com for
// production and Developer orgs (their My Domain hosts included) and
// https://test.salesforce.com for sandboxes (*.sandbox.my.salesforce.com
// included). Any other host — an Experience Cloud site, the emulator — is
// its own authorization server, so its scheme, host and path are used.
func Audience(loginURL string) (string, error) {
	u, err := url.Parse(loginURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("SF_LOGIN_URL %q is not an absolute URL", loginURL)
	}
	h := strings.ToLower(u.Hostname())
	switch {
	case h == "test.salesforce.com" || strings.HasSuffix(h, ".sandbox.my.salesforce.com"):
		return "https://test.salesforce.com", nil
	case h == "login.salesforce.com" || strings.HasSuffix(h, ".my.salesforce.com"):
		return "https://login.salesforce.com", nil
	}
	return u.Scheme + "://" + u.Host + strings.TrimRight(u.Path, "/"), nil
}

// signJWT builds the RS256 assertion of the JWT bearer flow (RFC 7523):
// iss is the client id, sub the username, aud the authorization server,
// exp at most 3 minutes ahead.
func signJWT(key *rsa.PrivateKey, clientID, username, aud string, now time.Time) (string, error) {
	header, err := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT"})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Exp int64  `json:"exp"`
		Iat int64  `json:"iat"`
	}{clientID, username, aud, now.Add(jwtLifetime).Unix(), now.Unix()})
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	signing := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", fmt.Errorf("sign JWT: %w", err)
	}
	return signing + "." + enc.EncodeToString(sig), nil
}

// LoadRSAKey reads an RSA private key from a PEM file (PKCS #1 "RSA PRIVATE
// KEY" or PKCS #8 "PRIVATE KEY"). Errors name the file, never its content.
func LoadRSAKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("SF_JWT_KEY_FILE: %w", err)
	}
	k, err := ParseRSAKey(b)
	if err != nil {
		return nil, fmt.Errorf("SF_JWT_KEY_FILE %s: %w", path, err)
	}
	return k, nil
}

// ParseRSAKey parses a PEM-encoded RSA private key.
func ParseRSAKey(pemBytes []byte) (*rsa.PrivateKey, error) {
	for {
		var blk *pem.Block
		blk, pemBytes = pem.Decode(pemBytes)
		if blk == nil {
			return nil, errors.New("no PEM private key found")
		}
		switch blk.Type {
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(blk.Bytes)
			if err != nil {
				return nil, errors.New("malformed PKCS #1 RSA key")
			}
			return k, nil
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
			if err != nil {
				return nil, errors.New("malformed PKCS #8 key")
			}
			rk, ok := k.(*rsa.PrivateKey)
			if !ok {
				return nil, errors.New("the key is not RSA (the JWT bearer flow signs with RS256)")
			}
			return rk, nil
		}
	}
}
