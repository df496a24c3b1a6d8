package main

import (
	"strconv"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/handlers"
	"github.com/sfgate/sfgate/internal/idempotency"
)

// idempotencyConfig sizes the Idempotency-Key store (docs/http-api.md,
// "Idempotency").
type idempotencyConfig struct {
	// TTL is how long a key and its answer are kept
	// (GATEWAY_IDEMPOTENCY_TTL, default 24h).
	TTL time.Duration
	// MaxAnswerBytes caps a kept answer's body
	// (GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES, default 8 MiB).
	MaxAnswerBytes int64
}

// parseIdempotency reads the store's settings; env is parseConfig's.
func parseIdempotency(env func(k, def string) string, errs *[]error) idempotencyConfig {
	return idempotencyConfig{
		TTL:            positiveDuration(errs, "GATEWAY_IDEMPOTENCY_TTL", env("GATEWAY_IDEMPOTENCY_TTL", idempotency.DefaultTTL.String())),
		MaxAnswerBytes: byteCount(errs, "GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES", env("GATEWAY_IDEMPOTENCY_MAX_ANSWER_BYTES", strconv.Itoa(handlers.DefaultMaxIdempotentAnswerBytes))),
	}
}

// idempotencyStore is where the first answers of writes are kept: Redis,
// shared by the replicas, when there is one (a Redis outage then refuses
// requests that carry a key with 503, rather than risk a duplicate);
// process memory otherwise, which honours keys per replica only.
func idempotencyStore(cfg Config, redis *cache.Redis) sfgate.IdempotencyStore {
	if redis == nil {
		return idempotency.NewMemory(cfg.Idempotency.TTL, 0, nil)
	}
	return idempotency.NewRedis(redis.Client(), idempotency.RedisOptions{Prefix: redis.Prefix(), TTL: cfg.Idempotency.TTL})
}
