package salesforce

import (
	"context"
	"time"

	"github.com/sfgate/sfgate"
)

// Secret is the domain's secret, a string that never prints. The client
// takes credentials and hands out session ids as Secrets; the type lives
// in the domain so every layer (configuration, caller API keys) shares it.
type Secret = sfgate.Secret

// Session is what the client needs to call Salesforce on behalf of one
// connection.
type Session struct {
	// ID is the SOAP session id (or the OAuth access token used as one).
	ID Secret
	// InstanceURL is the scheme and host that serve data calls, e.g.
	// "https://acme.my.salesforce.com"; the client appends
	// "/services/Soap/u/{version}".
	InstanceURL string
	// OrgID is the 18-character organization id, when known.
	OrgID string
	// UserID is the 18-character user id, when known.
	UserID string
	// Obtained is when the session was issued.
	Obtained time.Time
}

// SessionSource hands out the current session of a connection. The session
// manager implements it; the client never logs in by itself.
type SessionSource interface {
	// Session returns a session believed valid, logging in if needed.
	Session(ctx context.Context) (Session, error)
	// Invalidate reports that Salesforce rejected s (INVALID_SESSION_ID). The
	// source drops s only if it is still the current session, so a stale
	// caller cannot evict a session a peer has just obtained.
	Invalidate(ctx context.Context, s Session) error
}
