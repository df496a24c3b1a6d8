package sfgate

import "context"

// Action is what a caller does to an object; permissions are granted per
// object and action ("Account:read", "*:query").
type Action string

// The actions a permission can grant. ActionAdmin is not about an object:
// it guards the gateway's own administration (cache invalidation).
const (
	ActionRead    Action = "read"
	ActionQuery   Action = "query"
	ActionSearch  Action = "search"
	ActionCreate  Action = "create"
	ActionUpdate  Action = "update"
	ActionUpsert  Action = "upsert"
	ActionDelete  Action = "delete"
	ActionMerge   Action = "merge"
	ActionConvert Action = "convert"
	ActionBulk    Action = "bulk"
	ActionAdmin   Action = "admin"
)

// Access decides what one caller may reach. A nil Access grants everything
// (the simple GATEWAY_API_KEYS form, or caller auth switched off).
type Access interface {
	// Allows reports whether the caller may do action on object (object
	// is "" for ActionAdmin). Object names compare case-insensitively.
	Allows(object string, action Action) bool
	// FieldDenied reports whether object.field is withheld from the caller
	// in reads and refused in writes.
	FieldDenied(object, field string) bool
}

// Caller is who made a request, as authentication established it. The
// engine reads it from the context to enforce permissions, bind cursors and
// idempotency keys to their caller, and spare essential callers from the
// API budget guard.
type Caller struct {
	// Name identifies the caller in logs, metrics and rate limits; never a
	// secret.
	Name string
	// Essential callers keep working past the API budget guard's share.
	Essential bool
	// Anonymous is a caller when authentication is off: Name is then the
	// client's address, good for logs and per-address rate limits but not
	// an identity, since a retry may come from another address behind a
	// NAT or a proxy. Cursors and idempotency keys are not bound to it.
	Anonymous bool
	// Access is nil for full access.
	Access Access
	// RateLimit, when set, is the caller's own request rate, in place of
	// the gateway-wide default.
	RateLimit *RateLimit
}

// RateLimit is a token bucket: PerSecond requests sustained, Burst at once.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// Allows reports whether c may do action on object; a nil Caller (no
// authentication configured) and a nil Access allow everything.
func (c *Caller) Allows(object string, action Action) bool {
	return c == nil || c.Access == nil || c.Access.Allows(object, action)
}

// FieldDenied reports whether c may not see or write object.field.
func (c *Caller) FieldDenied(object, field string) bool {
	return c != nil && c.Access != nil && c.Access.FieldDenied(object, field)
}

type callerKey struct{}

// WithCaller returns ctx carrying c.
func WithCaller(ctx context.Context, c *Caller) context.Context {
	return context.WithValue(ctx, callerKey{}, c)
}

// Identity is the name cursors and idempotency keys are bound to: "" for
// no caller or an anonymous one.
func (c *Caller) Identity() string {
	if c == nil || c.Anonymous {
		return ""
	}
	return c.Name
}

// CallerFrom returns the caller ctx carries, or nil.
func CallerFrom(ctx context.Context) *Caller {
	c, _ := ctx.Value(callerKey{}).(*Caller)
	return c
}
