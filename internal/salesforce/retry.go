package salesforce

import (
	"errors"
	"math"
	"net"
	"sync"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// RetryPolicy decides which failed calls are retried and how long to wait;
// see ShouldRetry and Backoff.
type RetryPolicy struct {
	// MaxAttempts is the most attempts of one call, the first included.
	MaxAttempts int
	// BaseDelay and MaxDelay bound the exponential backoff.
	BaseDelay, MaxDelay time.Duration
	// The retry budget is a token bucket shared by all calls of a Client,
	// sized as a share of traffic (Google SRE book, "Handling Overload":
	// a client-side retry budget keeps retries under about 10% of
	// requests): every call earns BudgetRatio tokens, every retry spends
	// one. BudgetFloorPerSecond also refills it with time, so a quiet
	// client can still retry its rare failures; BudgetMax caps what a
	// long calm saves up for the next outage.
	BudgetRatio          float64
	BudgetFloorPerSecond float64
	BudgetMax            float64
}

// DefaultRetryPolicy returns the policy used when Config.Retry is zero: up
// to 4 attempts, 200 ms doubling to at most 5 s, and a retry budget of 0.1
// retry per call, plus 1 per second, holding at most 100.
func DefaultRetryPolicy() RetryPolicy {
	return RetryPolicy{MaxAttempts: 4, BaseDelay: 200 * time.Millisecond, MaxDelay: 5 * time.Second,
		BudgetRatio: 0.1, BudgetFloorPerSecond: 1, BudgetMax: 100}
}

// Idempotency says whether repeating a call whose outcome is unknown is
// harmless.
type Idempotency int

const (
	// Idempotent calls read (query, retrieve, describe, search, …) or write
	// to a state that does not depend on how often they run: update (same
	// values), upsert by external id or Id (the second run updates what the
	// first created), delete (the record is gone either way; a repeat
	// reports ENTITY_IS_DELETED for it).
	Idempotent Idempotency = iota + 1
	// NotIdempotent calls may double their effect: create (a second record),
	// merge, convertLead, undelete (a repeat reports failures for records it
	// did restore), login (spends the hourly login allowance). They are
	// retried only when the request provably never reached Salesforce.
	NotIdempotent
)

// ShouldRetry is the retry policy as a pure function: whether attempt
// number attempt (1 for the first) of a call of the given idempotency,
// which failed with err, is followed by another attempt. It does not
// consider the retry budget or INVALID_SESSION_ID (refreshed once by the
// client, whatever the policy).
//
//   - UNABLE_TO_LOCK_ROW and SERVER_UNAVAILABLE faults, soapenv:Server and
//     HTTP 5xx/429 without a fault, and network failures are retried for
//     idempotent calls;
//   - a non-idempotent call is retried only when its request provably never
//     reached Salesforce in full (Error.Unsent: a dial or DNS failure, a
//     refused connection, a failed write); once it may have arrived, the
//     call ends with Error.OutcomeUnknown instead;
//   - REQUEST_LIMIT_EXCEEDED (the org's daily allowance) and every other
//     fault, invalid input, decode errors and cancelled contexts are never
//     retried.
func (p RetryPolicy) ShouldRetry(idem Idempotency, attempt int, err error) bool {
	if attempt >= p.MaxAttempts {
		return false
	}
	var e *partner.Error
	if !errors.As(err, &e) {
		return false
	}
	if e.Code == partner.CodeRequestLimitExceeded {
		return false
	}
	if e.Kind == partner.KindNetwork && (e.Unsent || notSent(e.Cause)) {
		return true
	}
	if idem != Idempotent {
		return false
	}
	return e.Retryable()
}

// notSent reports whether err proves the request never left: the
// connection could not be opened.
func notSent(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "dial"
}

// Backoff returns the wait before attempt+1: exponential from BaseDelay,
// capped at MaxDelay, with "equal jitter" (half fixed, half random, so
// waits never collapse to zero and concurrent callers spread out). r is a
// random number in [0, 1).
func (p RetryPolicy) Backoff(attempt int, r float64) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := float64(p.BaseDelay) * math.Pow(2, float64(attempt-1))
	if d > float64(p.MaxDelay) || math.IsInf(d, 0) {
		d = float64(p.MaxDelay)
	}
	return time.Duration(d/2 + r*d/2)
}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p == (RetryPolicy{}) {
		return DefaultRetryPolicy()
	}
	if p.MaxAttempts < 1 {
		p.MaxAttempts = 1
	}
	if p.MaxDelay < p.BaseDelay {
		p.MaxDelay = p.BaseDelay
	}
	if p.BudgetMax < 1 {
		p.BudgetMax = 1
	}
	return p
}

// budget is the retry budget: a token bucket shared by every call of a
// Client, credited per call (earn) and with time, debited per retry
// (take). When Salesforce fails for everyone, retries stay a bounded
// share of the traffic instead of multiplying it.
type budget struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
	ratio  float64
	rate   float64
	max    float64
	now    func() time.Time
}

// newBudget starts with a tenth of the cap (at least one token): enough
// for the first failures after a start, not a saved-up storm.
func newBudget(p RetryPolicy, now func() time.Time) *budget {
	return &budget{tokens: max(1, p.BudgetMax/10), ratio: p.BudgetRatio, rate: p.BudgetFloorPerSecond,
		max: p.BudgetMax, now: now, last: now()}
}

// refill adds the time-based floor; called with mu held.
func (b *budget) refill() {
	now := b.now()
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(b.max, b.tokens+el*b.rate)
	}
	b.last = now
}

// earn credits one call.
func (b *budget) earn() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	b.tokens = math.Min(b.max, b.tokens+b.ratio)
}

// take reports whether a retry may proceed, consuming a token.
func (b *budget) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	if b.tokens < 1-1e-9 { // ten credits of 0.1 make one token

		return false
	}
	b.tokens--
	return true
}
