package sfsim

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"strconv"
	"sync"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

var randReader io.Reader = rand.Reader

// demoUser is the org's one API user (DESIGN.md "Seeded demo org").
type demoUser struct {
	ID        string
	Username  string
	Password  string
	Token     string
	Email     string
	FirstName string
	LastName  string
	ProfileID string
	TimeZone  string
}

func (u *demoUser) fullName() string { return u.FirstName + " " + u.LastName }

// session is one live session id.
type session struct {
	userID   string
	lastUsed time.Time
}

type sessionTable struct {
	mu sync.Mutex
	m  map[string]*session
}

func (t *sessionTable) init() { t.m = make(map[string]*session) }

// sessionAlphabet is what real session tokens are made of.
const sessionAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._"

// newSessionID returns "<15-char org id>!<opaque token>", the shape of real
// session ids and OAuth access tokens (PROTOCOL.md §4).
func newSessionID(orgID string) string {
	var raw [84]byte
	if _, err := io.ReadFull(randReader, raw[:]); err != nil {
		panic(fmt.Sprintf("sfsim: random source failed: %v", err))
	}
	b := make([]byte, 0, 16+2+len(raw))
	b = append(b, orgID[:15]...)
	b = append(b, '!', 'A', 'Q')
	for _, c := range raw {
		b = append(b, sessionAlphabet[int(c)%len(sessionAlphabet)])
	}
	return string(b)
}

func (t *sessionTable) create(orgID, userID string, now time.Time) string {
	id := newSessionID(orgID)
	t.mu.Lock()
	t.m[id] = &session{userID: userID, lastUsed: now}
	t.mu.Unlock()
	return id
}

// check validates a session id and resets its idle timer.
func (t *sessionTable) check(id string, now time.Time, idle time.Duration) (*session, *Fault) {
	if id == "" {
		return nil, faultInvalidSession()
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	sess, ok := t.m[id]
	if !ok {
		return nil, faultInvalidSession()
	}
	if now.Sub(sess.lastUsed) > idle {
		delete(t.m, id)
		return nil, faultInvalidSession()
	}
	sess.lastUsed = now
	return sess, nil
}

func (t *sessionTable) remove(id string) {
	t.mu.Lock()
	delete(t.m, id)
	t.mu.Unlock()
}

// expireAll invalidates every session (control API).
func (t *sessionTable) expireAll() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.m)
	clear(t.m)
	return n
}

// sweep drops sessions idle longer than idle, so the table stays bounded
// by the number of sessions used within one timeout.
func (t *sessionTable) sweep(now time.Time, idle time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for id, s := range t.m {
		if now.Sub(s.lastUsed) > idle {
			delete(t.m, id)
		}
	}
}

// checkCredentials compares in constant time. The password is the user's
// password with the security token appended (PROTOCOL.md §4).
func (s *Server) checkCredentials(username, password string) bool {
	u := s.usr()
	okUser := subtle.ConstantTimeCompare([]byte(username), []byte(u.Username)) == 1
	okPass := subtle.ConstantTimeCompare([]byte(password), []byte(u.Password+u.Token)) == 1
	return okUser && okPass
}

func (s *Server) opLogin(c *call) *Fault {
	if c.version >= s.cfg.LoginRefusedFrom {
		// Real wording, forcedotcom/wsc#363 (API 65.0).
		return unexpected("INVALID_OPERATION", "The SOAP Login operation is not available in the API version specified (%s). Refer to the documentation for supported versions.", formatVersion(c.version))
	}
	if s.cfg.DisableSOAPLogin {
		// Real wording, OpenFn/adaptors#1715.
		return unexpected("INVALID_OPERATION", "SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login().")
	}
	username, _ := c.body.value("username")
	password, _ := c.body.value("password")
	if !s.checkCredentials(username, password) {
		return faultInvalidLogin()
	}
	// LoginScopeHeader names the org to log in to; another org's id does
	// not match this user.
	if org, ok := c.soapHeader("LoginScopeHeader").value("organizationId"); ok && org != "" {
		if id, err := meta.To18(org); err != nil || id != s.orgID {
			return faultInvalidLogin()
		}
	}
	now := s.now()
	s.sessions.sweep(now, s.cfg.SessionTimeout)
	sid := s.sessions.create(s.orgID, s.usr().ID, now)
	ver := formatVersion(c.version)
	w := &c.w
	w.open("result")
	w.elem("metadataServerUrl", c.host+"/services/Soap/m/"+ver+"/"+s.orgID[:15])
	w.boolElem("passwordExpired", false)
	w.boolElem("sandbox", false)
	w.elem("serverUrl", c.host+"/services/Soap/u/"+ver+"/"+s.orgID[:15])
	w.elem("sessionId", sid)
	w.elem("userId", s.usr().ID)
	w.open("userInfo")
	s.writeUserInfo(w)
	w.close("userInfo")
	w.close("result")
	return nil
}

func formatVersion(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func (s *Server) opLogout(c *call) *Fault {
	s.sessions.remove(s.soapSessionID(c.header))
	return nil
}

// writeUserInfo writes GetUserInfoResult's elements in v58 WSDL order.
func (s *Server) writeUserInfo(w *xw) {
	u := s.usr()
	w.boolElem("accessibilityMode", false)
	w.boolElem("chatterExternal", false)
	w.elem("currencySymbol", "$")
	w.intElem("orgAttachmentFileSizeLimit", 5242880)
	w.elem("orgDefaultCurrencyIsoCode", "USD")
	w.nilElem("orgDefaultCurrencyLocale")
	w.boolElem("orgDisallowHtmlAttachments", false)
	w.boolElem("orgHasPersonAccounts", false)
	w.elem("organizationId", s.orgID)
	w.boolElem("organizationMultiCurrency", false)
	w.elem("organizationName", "sfsim")
	w.elem("profileId", u.ProfileID)
	w.nilElem("roleId")
	w.intElem("sessionSecondsValid", int(s.cfg.SessionTimeout/time.Second))
	w.nilElem("userDefaultCurrencyIsoCode")
	w.elem("userEmail", u.Email)
	w.elem("userFullName", u.fullName())
	w.elem("userId", u.ID)
	w.elem("userLanguage", "en_US")
	w.elem("userLocale", "en_US")
	w.elem("userName", u.Username)
	w.elem("userTimeZone", u.TimeZone)
	w.elem("userType", "Standard")
	w.elem("userUiSkin", "Theme3")
}

func (s *Server) opGetUserInfo(c *call) *Fault {
	c.w.open("result")
	s.writeUserInfo(&c.w)
	c.w.close("result")
	return nil
}

func (s *Server) opGetServerTimestamp(c *call) *Fault {
	c.w.open("result")
	c.w.elem("timestamp", formatDateTime(s.now()))
	c.w.close("result")
	return nil
}

// formatDateTime is Salesforce's xsd:dateTime form, e.g.
// 2020-06-18T04:10:20.000Z.
func formatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// callStats counts SOAP calls by operation and the daily API usage.
// Salesforce counts the allowance over a rolling 24 hours; usage is kept
// in hourly buckets so calls older than a day stop counting.
type callStats struct {
	mu    sync.Mutex
	calls map[string]int64
	hours [24]hourBucket
}

type hourBucket struct {
	hour int64 // Unix hour the bucket counts, or 0
	n    int
}

func (c *callStats) init() { c.calls = make(map[string]int64) }

func (c *callStats) add(op string) {
	c.mu.Lock()
	c.calls[op]++
	c.mu.Unlock()
}

// spend counts one API request against the daily limit and returns the
// running total, or REQUEST_LIMIT_EXCEEDED once the limit is used up.
func (c *callStats) spend(limit int, now time.Time) (int, *Fault) {
	c.mu.Lock()
	defer c.mu.Unlock()
	used := c.usedLocked(now)
	if used >= limit {
		return used, faultRequestLimit()
	}
	h := now.Unix() / 3600
	b := &c.hours[h%24]
	if b.hour != h {
		*b = hourBucket{hour: h}
	}
	b.n++
	return used + 1, nil
}

// usedLocked sums the calls of the last 24 hours.
func (c *callStats) usedLocked(now time.Time) int {
	h := now.Unix() / 3600
	n := 0
	for _, b := range c.hours {
		if b.hour > h-24 && b.hour <= h {
			n += b.n
		}
	}
	return n
}

func (c *callStats) snapshot(now time.Time) (map[string]int64, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int64, len(c.calls))
	for k, v := range c.calls {
		out[k] = v
	}
	return out, c.usedLocked(now)
}

func (c *callStats) reset() {
	c.mu.Lock()
	clear(c.calls)
	c.hours = [24]hourBucket{}
	c.mu.Unlock()
}
