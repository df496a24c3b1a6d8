package salesforce

import (
	"context"
	"time"
)

// Secret is a string that never prints: fmt, %v, %+v, %#v and JSON all show
// "[redacted]". Use Reveal where the real value must go on the wire.
type Secret string

// Reveal returns the secret's value.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer.
func (s Secret) String() string { return "[redacted]" }

// GoString implements fmt.GoStringer.
func (s Secret) GoString() string { return `"[redacted]"` }

// MarshalJSON keeps secrets out of JSON logs and answers.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"[redacted]"`), nil }

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
