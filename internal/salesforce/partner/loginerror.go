package partner

import (
	"errors"
	"fmt"
	"time"
)

// LoginKind classifies a failed login, for backoff and for callers.
type LoginKind int

// The values are stored in Redis (a failure shared with peers): never
// renumber them.
const (
	// LoginTransient is a network error, a timeout or a 5xx: retried soon.
	LoginTransient LoginKind = iota
	// LoginCredentials means Salesforce refused the configured credentials
	// (INVALID_LOGIN, invalid_client, invalid_grant, …): retrying with the
	// same credentials cannot succeed, so retries are spaced out.
	LoginCredentials
	// LoginRateLimited is LOGIN_RATE_EXCEEDED: the user may not log in for
	// a while (up to an hour).
	LoginRateLimited
)

func (k LoginKind) String() string {
	switch k {
	case LoginCredentials:
		return "credentials rejected"
	case LoginRateLimited:
		return "login rate exceeded"
	default:
		return "transient"
	}
}

// ErrLoginCredentials matches (errors.Is) a LoginError of LoginCredentials.
var ErrLoginCredentials = errors.New("salesforce: login credentials rejected")

// ErrLoginRateLimited matches (errors.Is) a LoginError of LoginRateLimited.
var ErrLoginRateLimited = errors.New("salesforce: login rate exceeded")

// LoginError is a failed login of a connection, whatever the flow (SOAP
// login(), OAuth). The session manager returns it; it lives here, beside
// Error, so that whoever reads a failed call's error can tell the
// gateway's own credentials being refused from anything else without
// depending on the session manager. It carries Salesforce's code and
// message, never a credential, and when the next attempt is allowed.
type LoginError struct {
	// Connection is the configured connection name.
	Connection string
	// Flow is the login flow that failed (e.g. "oauth_client_credentials").
	Flow string
	// Code is Salesforce's code verbatim: a SOAP exception code such as
	// INVALID_LOGIN, an OAuth error such as invalid_grant, "HTTP 503", or
	// empty for a network error.
	Code string
	// Message is Salesforce's description of the failure.
	Message string
	// Kind classifies the failure.
	Kind LoginKind
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

// Is makes errors.Is(err, ErrLoginCredentials) and errors.Is(err,
// ErrLoginRateLimited) work.
func (e *LoginError) Is(target error) bool {
	switch target {
	case ErrLoginCredentials:
		return e.Kind == LoginCredentials
	case ErrLoginRateLimited:
		return e.Kind == LoginRateLimited
	}
	return false
}
