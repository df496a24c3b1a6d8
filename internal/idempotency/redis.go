// Package idempotency keeps the first answer of a write per caller and
// idempotency key, so a retried request is answered, not run again
// (docs/http-api.md, "Idempotency"). Redis holds them for every replica;
// Memory serves a gateway without Redis (one replica, or --demo). Both
// implement sfgate.IdempotencyStore; the answers are opaque bytes.
package idempotency

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate"
)

// DefaultTTL is how long a key and its answer are kept: 24 hours, the
// window a caller retrying a failed write across an outage needs.
const DefaultTTL = 24 * time.Hour

// ErrUnavailable is wrapped by the errors of a store that cannot answer
// (Redis unreachable, memory full): the request must not run unguarded.
var ErrUnavailable = errors.New("idempotency: store unavailable")

// keyspace is the part of every Redis key after the deployment's prefix.
const keyspace = "sfgate:idempotency:"

// redisKey is where key lives: the caller and the key hashed together, so
// neither a caller's name nor its keys appear in Redis, and no caller can
// reach another's.
func redisKey(prefix string, k sfgate.IdempotencyKey) string {
	h := sha256.New()
	h.Write([]byte(k.Caller))
	h.Write([]byte{0})
	h.Write([]byte(k.Key))
	return prefix + keyspace + hex.EncodeToString(h.Sum(nil))
}

// Redis is the store shared by every replica. A key is one hash: fp (the
// request's fingerprint), state (pending or done), and token and lease
// (the holder and when its claim lapses) while pending, or answer once
// done. Each step is one Lua script, so two replicas never both acquire.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	ttl     time.Duration
	timeout time.Duration
	now     func() time.Time
}

var _ sfgate.IdempotencyStore = (*Redis)(nil)

// RedisOptions configure a Redis store.
type RedisOptions struct {
	// Prefix is prepended to every key (the gateway's REDIS_KEY_PREFIX).
	Prefix string
	// TTL is how long a key is kept from its first use (default DefaultTTL).
	TTL time.Duration
	// CommandTimeout bounds each script (default 1s).
	CommandTimeout time.Duration
	// Now is the clock of leases (default time.Now).
	Now func() time.Time
}

// NewRedis returns a store over client; the caller keeps ownership of it.
func NewRedis(client redis.UniversalClient, o RedisOptions) *Redis {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.CommandTimeout <= 0 {
		o.CommandTimeout = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Redis{client: client, prefix: o.Prefix, ttl: o.TTL, timeout: o.CommandTimeout, now: o.Now}
}

// claimScript: KEYS[1] the key; ARGV fingerprint, token, lease end (unix
// ms), now (unix ms), TTL (ms). It answers {state} or {"done", answer}.
var claimScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'fp', 'state', 'lease')
if not v[1] then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'state', 'pending', 'token', ARGV[2], 'lease', ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {'acquired'}
end
if v[1] ~= ARGV[1] then return {'mismatch'} end
if v[2] == 'done' then return {'done', redis.call('HGET', KEYS[1], 'answer')} end
if tonumber(v[3]) > tonumber(ARGV[4]) then return {'inflight'} end
return {'abandoned'}
`)

// settleScript: KEYS[1] the key; ARGV token, answer. 1 when stored.
var settleScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'state', 'done', 'answer', ARGV[2])
redis.call('HDEL', KEYS[1], 'token', 'lease')
return 1
`)

// releaseScript: KEYS[1] the key; ARGV token. Deletes a pending claim
// still held by token.
var releaseScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'token') == ARGV[1] and redis.call('HGET', KEYS[1], 'state') == 'pending' then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

func (r *Redis) cmdCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// Claim implements sfgate.IdempotencyStore.
func (r *Redis) Claim(ctx context.Context, k sfgate.IdempotencyKey, lease time.Duration) (sfgate.Claim, error) {
	token, err := newToken()
	if err != nil {
		return sfgate.Claim{}, err
	}
	ctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	now := r.now()
	res, err := claimScript.Run(ctx, r.client, []string{redisKey(r.prefix, k)},
		k.Fingerprint[:], token, now.Add(lease).UnixMilli(), now.UnixMilli(), r.ttl.Milliseconds()).Slice()
	if err != nil {
		return sfgate.Claim{}, fmt.Errorf("%w: claim: %w", ErrUnavailable, err)
	}
	c := sfgate.Claim{Key: k}
	state, _ := res[0].(string)
	switch state {
	case "acquired":
		c.State, c.Token = sfgate.ClaimAcquired, token
	case "mismatch":
		c.State = sfgate.ClaimMismatch
	case "inflight":
		c.State = sfgate.ClaimInFlight
	case "abandoned":
		c.State = sfgate.ClaimAbandoned
	case "done":
		s, _ := res[1].(string)
		c.State, c.Answer = sfgate.ClaimDone, []byte(s)
	default:
		return sfgate.Claim{}, fmt.Errorf("idempotency: claim script answered %q", state)
	}
	return c, nil
}

// Settle implements sfgate.IdempotencyStore.
func (r *Redis) Settle(ctx context.Context, c sfgate.Claim, answer []byte) (bool, error) {
	ctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	n, err := settleScript.Run(ctx, r.client, []string{redisKey(r.prefix, c.Key)}, c.Token, answer).Int()
	if err != nil {
		return false, fmt.Errorf("%w: settle: %w", ErrUnavailable, err)
	}
	return n == 1, nil
}

// Release implements sfgate.IdempotencyStore.
func (r *Redis) Release(ctx context.Context, c sfgate.Claim) error {
	ctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	if err := releaseScript.Run(ctx, r.client, []string{redisKey(r.prefix, c.Key)}, c.Token).Err(); err != nil {
		return fmt.Errorf("%w: release: %w", ErrUnavailable, err)
	}
	return nil
}

func newToken() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("idempotency: token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
