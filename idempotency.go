package sfgate

import (
	"context"
	"crypto/sha256"
	"time"
)

// The codes of writes that are safe to retry (docs/http-api.md,
// "Idempotency").
const (
	// CodeOutcomeUnknown is a write whose request reached Salesforce, or may
	// have, but whose answer never came back (the connection dropped, the
	// deadline passed): Salesforce may or may not have done it. Repeating
	// it blindly may do it twice; query for the record, or upsert by an
	// external id, before trying again.
	CodeOutcomeUnknown = "OUTCOME_UNKNOWN"
	// CodeIdempotencyKeyInUse is a request whose idempotency key belongs to
	// a request still in flight.
	CodeIdempotencyKeyInUse = "IDEMPOTENCY_KEY_IN_USE"
	// CodeIdempotencyKeyReused is a request whose idempotency key was first
	// used for another request (another method, path or body).
	CodeIdempotencyKeyReused = "IDEMPOTENCY_KEY_REUSED"
	// CodeIdempotencyUnavailable is a request with an idempotency key that
	// the gateway cannot honour now, its store (Redis) being unreachable.
	CodeIdempotencyUnavailable = "IDEMPOTENCY_UNAVAILABLE"
	// CodeIdempotencyAnswerNotKept is a repeated request whose first answer
	// was larger than the gateway keeps: the request was done, its answer
	// cannot be replayed.
	CodeIdempotencyAnswerNotKept = "IDEMPOTENCY_ANSWER_NOT_KEPT"
)

// IdempotencyKey names one request made safe to retry: the caller, the key
// it chose, and a fingerprint of what it asked (SHA-256 of method, path
// and body), so the same key cannot stand for two different requests.
type IdempotencyKey struct {
	Caller      string
	Key         string
	Fingerprint [sha256.Size]byte
}

// ClaimState is what a store found under an idempotency key.
type ClaimState uint8

const (
	// ClaimAcquired: the key was free; the request runs, and its answer is
	// settled (or the claim released) when it is done.
	ClaimAcquired ClaimState = iota + 1
	// ClaimInFlight: the first request with this key is still running.
	ClaimInFlight
	// ClaimMismatch: the key was first used for another request.
	ClaimMismatch
	// ClaimDone: the first request's answer is in Claim.Answer.
	ClaimDone
	// ClaimAbandoned: the first request claimed the key and never settled
	// it within its lease (its replica stopped): what it did is unknown.
	ClaimAbandoned
)

// Claim is the outcome of IdempotencyStore.Claim.
type Claim struct {
	State ClaimState
	// Answer is the stored answer when State is ClaimDone, opaque to the
	// store.
	Answer []byte
	// Token identifies the holder when State is ClaimAcquired.
	Token string
	// Key is the key claimed.
	Key IdempotencyKey
}

// IdempotencyStore keeps, per caller and key, the first answer to a write,
// shared by every replica. Answers are opaque bytes: what they hold is the
// transport's business.
type IdempotencyStore interface {
	// Claim takes key for a request that will answer within lease, or
	// reports what holds it.
	Claim(ctx context.Context, key IdempotencyKey, lease time.Duration) (Claim, error)
	// Settle stores the answer of an acquired claim, for replays. It
	// reports false when the claim was no longer held (its lease ran out
	// and another request took the key over).
	Settle(ctx context.Context, c Claim, answer []byte) (bool, error)
	// Release frees an acquired claim whose request did nothing, so the
	// key can be used again.
	Release(ctx context.Context, c Claim) error
}
