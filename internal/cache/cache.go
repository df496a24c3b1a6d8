// Package cache stores bytes under keys with TTLs at two levels: a bounded
// in-process level with short TTLs over a shared Redis level with longer
// TTLs. It coalesces concurrent misses, fans invalidations out to every
// replica over Redis pub/sub, and keeps serving from the in-process level and
// the loader when Redis is unreachable. It knows nothing of Salesforce.
package cache

import (
	"context"
	"errors"
	"strings"
	"time"
)

// ErrNotFound is returned by Get when the key holds nothing.
var ErrNotFound = errors.New("cache: not found")

// Store is a byte store with TTLs. Memory, Redis and the two-level Tiered
// store all satisfy it and pass one conformance suite.
type Store interface {
	// Get returns the value or ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Set stores value for ttl (ttl <= 0 means no expiry).
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	// SetNX stores value only if key is empty and reports whether it did.
	SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error)
	// Delete removes key; deleting a missing key is not an error.
	Delete(ctx context.Context, key string) error
	// CompareAndDelete removes key only if it holds expected, atomically,
	// and reports whether it did.
	CompareAndDelete(ctx context.Context, key string, expected []byte) (bool, error)
}

// Key builds a key for one connection. The connection name is wrapped in a
// Redis Cluster hash tag so that all keys of a connection share a slot.
// Key("prod", "describe", "Account") == "sfgate:{prod}:describe:Account".
func Key(connection string, parts ...string) string {
	var b strings.Builder
	b.WriteString("sfgate:{")
	b.WriteString(connection)
	b.WriteString("}")
	for _, p := range parts {
		b.WriteByte(':')
		b.WriteString(p)
	}
	return b.String()
}
