package session

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies a failed login for backoff and for callers.
type Kind int

const (
	// KindTransient is a network error, a timeout or a 5xx: retried soon.
	KindTransient Kind = iota
	// KindCredentials means Salesforce refused the configured credentials
	// (INVALID_LOGIN, invalid_client, invalid_grant, …): retrying with the
	// same credentials cannot succeed, so retries are spaced out.
	KindCredentials
	// KindRateLimited is LOGIN_RATE_EXCEEDED: the user may not log in for
	// a while (up to an hour).
	KindRateLimited
)

func (k Kind) String() string {
	switch k {
	case KindCredentials:
		return "credentials rejected"
	case KindRateLimited:
		return "login rate exceeded"
	default:
		return "transient"
	}
}

// ErrCredentials matches (errors.Is) a LoginError of KindCredentials.
var ErrCredentials = errors.New("session: credentials rejected")

// ErrRateLimited matches (errors.Is) a LoginError of KindRateLimited.
var ErrRateLimited = errors.New("session: login rate exceeded")

// LoginError is a failed login. It carries Salesforce's code and message,
// never a credential, and when the next attempt is allowed.
type LoginError struct {
	// Connection is the configured connection name.
	Connection string
	// Flow is the login flow that failed.
	Flow Flow
	// Code is Salesforce's code verbatim: a SOAP exception code such as
	// INVALID_LOGIN, an OAuth error such as invalid_grant, "HTTP 503", or
	// empty for a network error.
	Code string
	// Message is Salesforce's description of the failure.
	Message string
	// Kind classifies the failure.
	Kind Kind
	// RetryAt is when the next login attempt is allowed; until then callers
	// get this error without a new attempt.
	RetryAt time.Time
	// Err is the underlying error, if any (network errors).
	Err error
}

func (e *LoginError) Error() string {
	msg := fmt.Sprintf("session %q: %s login failed", e.Connection, e.Flow)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Code == "" && e.Message == "" && e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	if !e.RetryAt.IsZero() {
		msg += fmt.Sprintf(" (%s; next attempt not before %s)", e.Kind, e.RetryAt.UTC().Format(time.RFC3339))
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *LoginError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCredentials) and errors.Is(err,
// ErrRateLimited) work.
func (e *LoginError) Is(target error) bool {
	switch target {
	case ErrCredentials:
		return e.Kind == KindCredentials
	case ErrRateLimited:
		return e.Kind == KindRateLimited
	}
	return false
}

// classifyCode maps a Salesforce SOAP exception code or OAuth error code to
// a Kind.
func classifyCode(code string) Kind {
	switch code {
	case "LOGIN_RATE_EXCEEDED", "REQUEST_LIMIT_EXCEEDED", "rate_limit_exceeded":
		return KindRateLimited
	case "INVALID_LOGIN", "LOGIN_MUST_USE_SECURITY_TOKEN", "PASSWORD_LOCKOUT",
		"LOGIN_DURING_RESTRICTED_DOMAIN", "LOGIN_DURING_RESTRICTED_TIME",
		"API_DISABLED_FOR_ORG", "INSUFFICIENT_ACCESS", "INVALID_OPERATION_WITH_EXPIRED_PASSWORD",
		"UNSUPPORTED_API_VERSION", "INVALID_OPERATION", "ORG_LOCKED", "SSO_SERVICE_DOWN",
		"invalid_client", "invalid_client_id", "invalid_client_credentials", "invalid_grant",
		"unauthorized_client", "unsupported_grant_type", "invalid_request", "inactive_user",
		"inactive_org", "invalid_app_access", "invalid_scope":
		return KindCredentials
	}
	return KindTransient
}

// backoff says how long to wait before the attempt after the n-th
// consecutive failure (n >= 1) of a kind: doubling from a base up to a cap.
type backoff struct {
	base, max time.Duration
}

// defaultBackoff is the per-kind schedule. Credentials do not fix
// themselves, so the gateway retries slowly enough that a wrong password
// never approaches the 3,600 logins per user per hour (or locks the user
// out); a rate-limited user is blocked for up to an hour.
var defaultBackoff = map[Kind]backoff{
	KindTransient:   {base: time.Second, max: 30 * time.Second},
	KindCredentials: {base: 30 * time.Second, max: 15 * time.Minute},
	KindRateLimited: {base: 5 * time.Minute, max: time.Hour},
}

func (b backoff) after(n int) time.Duration {
	d := b.base
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}
