package sfsim

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Grant types of the OAuth 2.0 token endpoint.
const (
	grantClientCredentials = "client_credentials"
	grantJWTBearer         = "urn:ietf:params:oauth:grant-type:jwt-bearer"
)

// Names under which /_sim/stats counts token requests, beside the SOAP
// operation names.
const (
	StatOAuthClientCredentials = "oauth2:client_credentials"
	StatOAuthJWTBearer         = "oauth2:jwt_bearer"
)

// jwtMaxLifetime is how far in the future an assertion's exp may lie:
// Salesforce wants it "within 3 minutes". jwtSkew tolerates clocks a few
// seconds apart.
const (
	jwtMaxLifetime = 3 * time.Minute
	jwtSkew        = 5 * time.Second
)

// oauthError is Salesforce's token endpoint error body (HTTP 400).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// Error bodies as Salesforce sends them.
var (
	errUnsupportedGrant = &oauthError{"unsupported_grant_type", "grant type not supported"}
	errClientID         = &oauthError{"invalid_client_id", "client identifier invalid"}
	errClientCreds      = &oauthError{"invalid_client", "invalid client credentials"}
	errAssertion        = &oauthError{"invalid_grant", "invalid assertion"}
	errAudience         = &oauthError{"invalid_grant", "audience is invalid"}
	errNotApproved      = &oauthError{"invalid_grant", "user hasn't approved this consumer"}
)

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeJSON(w, http.StatusMethodNotAllowed, &oauthError{"invalid_request", "must use HTTP POST"})
		return
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/x-www-form-urlencoded" {
		writeJSON(w, http.StatusBadRequest, &oauthError{"invalid_request", "unsupported content type"})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, &oauthError{"invalid_request", "invalid request body"})
		return
	}
	var (
		user string
		oe   *oauthError
	)
	stat := ""
	switch r.PostForm.Get("grant_type") {
	case grantClientCredentials:
		stat = StatOAuthClientCredentials
	case grantJWTBearer:
		stat = StatOAuthJWTBearer
	}
	if stat != "" {
		s.stats.add(stat)
		if inj := s.faults.take(stat); inj != nil && s.inject(w, r, inj) {
			return
		}
	}
	switch stat {
	case StatOAuthClientCredentials:
		user, oe = s.clientCredentials(r)
	case StatOAuthJWTBearer:
		user, oe = s.jwtBearer(r.PostForm.Get("assertion"), requestHost(r))
	default:
		oe = errUnsupportedGrant
	}
	if oe != nil {
		writeJSON(w, http.StatusBadRequest, oe)
		return
	}
	now := s.now()
	s.sessions.sweep(now, s.cfg.SessionTimeout)
	token := s.sessions.create(s.orgID, user, now)
	host := requestHost(r)
	id := host + "/id/" + s.orgID + "/" + user
	issued := strconv.FormatInt(now.UnixMilli(), 10)
	mac := hmac.New(sha256.New, []byte(DemoClientSecret))
	mac.Write([]byte(id + issued))
	writeJSON(w, http.StatusOK, map[string]string{
		"access_token": token,
		"signature":    base64.StdEncoding.EncodeToString(mac.Sum(nil)),
		"scope":        "api",
		"instance_url": host,
		"id":           id,
		"token_type":   "Bearer",
		"issued_at":    issued,
	})
}

// clientCredentials checks client_id and client_secret, from the form or
// from HTTP Basic authentication; the app runs as the demo user.
func (s *Server) clientCredentials(r *http.Request) (string, *oauthError) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(DemoClientID)) != 1 {
		return "", errClientID
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(DemoClientSecret)) != 1 {
		return "", errClientCreds
	}
	return s.usr().ID, nil
}

type jwtClaims struct {
	Iss string          `json:"iss"`
	Sub string          `json:"sub"`
	Aud json.RawMessage `json:"aud"`
	Exp json.Number     `json:"exp"`
}

// jwtBearer verifies an RS256 assertion: signature by the connected app's
// certificate, iss = client id, sub = a user, aud = a login host, exp in the
// future but no more than 3 minutes ahead.
func (s *Server) jwtBearer(assertion, host string) (string, *oauthError) {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "", errAssertion
	}
	hb, err1 := base64.RawURLEncoding.DecodeString(parts[0])
	cb, err2 := base64.RawURLEncoding.DecodeString(parts[1])
	sig, err3 := base64.RawURLEncoding.DecodeString(parts[2])
	if err := errors.Join(err1, err2, err3); err != nil {
		return "", errAssertion
	}
	var hdr struct {
		Alg string `json:"alg"`
	}
	if json.Unmarshal(hb, &hdr) != nil || hdr.Alg != "RS256" {
		return "", errAssertion
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(s.jwtPub, crypto.SHA256, digest[:], sig) != nil {
		return "", errAssertion
	}
	var cl jwtClaims
	dec := json.NewDecoder(strings.NewReader(string(cb)))
	dec.UseNumber()
	if dec.Decode(&cl) != nil {
		return "", errAssertion
	}
	if cl.Iss != DemoClientID {
		return "", errClientID
	}
	if !audienceOK(cl.Aud, host) {
		return "", errAudience
	}
	exp, err := cl.Exp.Int64()
	if err != nil {
		return "", errAssertion
	}
	now := s.now()
	expAt := time.Unix(exp, 0)
	if !expAt.After(now) || expAt.After(now.Add(jwtMaxLifetime+jwtSkew)) {
		return "", errAssertion
	}
	if !strings.EqualFold(cl.Sub, s.usr().Username) {
		return "", errNotApproved
	}
	return s.usr().ID, nil
}

// audienceOK accepts the production and sandbox login hosts and the
// emulator's own URL (standing in for a My Domain), as a string or an
// array of strings.
func audienceOK(raw json.RawMessage, host string) bool {
	var list []string
	var one string
	if json.Unmarshal(raw, &one) == nil {
		list = []string{one}
	} else if json.Unmarshal(raw, &list) != nil {
		return false
	}
	for _, a := range list {
		a = strings.TrimSuffix(a, "/")
		if a == "https://login.salesforce.com" || a == "https://test.salesforce.com" || strings.EqualFold(a, host) {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private")
	w.WriteHeader(status)
	w.Write(b) //nolint:errcheck // the client went away; nothing to do
}
