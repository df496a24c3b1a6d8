// Package limits protects the Salesforce org and the gateway from their
// callers, across every replica: a cluster-wide cap on concurrent
// Salesforce calls (a Redis semaphore with leases), an API budget guard
// fed by Salesforce's LimitInfoHeader, and per-caller rate limits (GCRA).
// Each keeps working in process when Redis cannot be reached, so a Redis
// outage degrades sharing, never availability.
//
// It holds Redis logic the HTTP layer must not: the handlers and the SOAP
// client declare the small interfaces they need and cmd/gateway wires
// these types in. It imports only the domain of this module.
package limits

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// The gateway's own codes for what this package refuses.
const (
	// CodeConcurrencyLimit: the org's concurrent-call cap stayed full for
	// as long as the request could wait.
	CodeConcurrencyLimit = "SALESFORCE_CONCURRENCY_LIMIT"
	// CodeAPIBudgetExhausted: the org's daily API allowance is used past
	// the configured share (or Salesforce answered REQUEST_LIMIT_EXCEEDED).
	CodeAPIBudgetExhausted = "API_BUDGET_EXHAUSTED"
)

// Shared is the Redis every replica talks to: the client and the key
// prefix (cache.Redis' Client and Prefix). A nil *Shared means this
// process only.
type Shared struct {
	Client redis.UniversalClient
	// Prefix is REDIS_KEY_PREFIX, prepended to every key.
	Prefix string
	// CommandTimeout bounds each Redis command (default 500 ms).
	CommandTimeout time.Duration
	// DownFor is how long the package keeps to its in-process fallback
	// after a Redis failure before trying Redis again (default 2 s), so an
	// outage costs one failed command per DownFor, not one per call.
	DownFor time.Duration
	// Logger reports the transitions (default: a no-op logger).
	Logger *zerolog.Logger

	downUntil atomic.Int64 // unix nanoseconds
	mu        sync.Mutex
	down      bool
}

func (s *Shared) key(k string) string { return s.Prefix + k }

// usable reports whether Redis should be tried now.
func (s *Shared) usable() bool {
	return s != nil && s.Client != nil && time.Now().UnixNano() >= s.downUntil.Load()
}

// cmdCtx bounds one command.
func (s *Shared) cmdCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := s.CommandTimeout
	if d <= 0 {
		d = 500 * time.Millisecond
	}
	return context.WithTimeout(context.WithoutCancel(ctx), d)
}

// failed records a Redis failure and reports whether err was one (a nil
// error, or redis.Nil, is not).
func (s *Shared) failed(err error) bool {
	if err == nil || errors.Is(err, redis.Nil) {
		s.recovered()
		return false
	}
	d := s.DownFor
	if d <= 0 {
		d = 2 * time.Second
	}
	s.downUntil.Store(time.Now().Add(d).UnixNano())
	s.mu.Lock()
	first := !s.down
	s.down = true
	s.mu.Unlock()
	if first && s.Logger != nil {
		s.Logger.Warn().Err(err).Msg("limits: Redis unavailable; concurrency cap, API budget and rate limits apply per replica until it is back")
	}
	return true
}

func (s *Shared) recovered() {
	s.mu.Lock()
	was := s.down
	s.down = false
	s.mu.Unlock()
	if was && s.Logger != nil {
		s.Logger.Info().Msg("limits: Redis is back; limits are shared across replicas again")
	}
}

// Degraded reports whether the package is on its in-process fallback.
func (s *Shared) Degraded() bool {
	if s == nil || s.Client == nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.down
}
