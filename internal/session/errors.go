package session

import (
	"time"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// classifyCode maps a Salesforce SOAP exception code or OAuth error code to
// a partner.LoginKind.
func classifyCode(code string) partner.LoginKind {
	switch code {
	case "LOGIN_RATE_EXCEEDED", "REQUEST_LIMIT_EXCEEDED", "rate_limit_exceeded":
		return partner.LoginRateLimited
	case "INVALID_LOGIN", "LOGIN_MUST_USE_SECURITY_TOKEN", "PASSWORD_LOCKOUT",
		"LOGIN_DURING_RESTRICTED_DOMAIN", "LOGIN_DURING_RESTRICTED_TIME",
		"API_DISABLED_FOR_ORG", "INSUFFICIENT_ACCESS", "INVALID_OPERATION_WITH_EXPIRED_PASSWORD",
		"UNSUPPORTED_API_VERSION", "INVALID_OPERATION", "ORG_LOCKED", "SSO_SERVICE_DOWN",
		"invalid_client", "invalid_client_id", "invalid_client_credentials", "invalid_grant",
		"unauthorized_client", "unsupported_grant_type", "invalid_request", "inactive_user",
		"inactive_org", "invalid_app_access", "invalid_scope":
		return partner.LoginCredentials
	}
	return partner.LoginTransient
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
var defaultBackoff = map[partner.LoginKind]backoff{
	partner.LoginTransient:   {base: time.Second, max: 30 * time.Second},
	partner.LoginCredentials: {base: 30 * time.Second, max: 15 * time.Minute},
	partner.LoginRateLimited: {base: 5 * time.Minute, max: time.Hour},
}

func (b backoff) after(n int) time.Duration {
	d := b.base
	for i := 1; i < n && d < b.max; i++ {
		d *= 2
	}
	return min(d, b.max)
}
