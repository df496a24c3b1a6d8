package cache

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// ErrUnavailable is wrapped by errors of the shared level when Redis could
// not be reached or did not answer in time (as opposed to answering "no such
// key" or rejecting a command). Tiered treats it as the signal to degrade.
var ErrUnavailable = errors.New("cache: redis unavailable")

// DefaultCommandTimeout bounds one Redis command: the shared level is an
// optimisation, and waiting on it much longer than a local reload would take
// defeats its purpose. It is not shorter because a timeout degrades the
// Tiered cache (each replica then loads for itself), and a busy 2-core pod
// can take hundreds of milliseconds to schedule a healthy answer. A Redis
// that is down refuses connections at once and costs no timeout at all.
const DefaultCommandTimeout = time.Second

// RedisOptions configures a Redis store.
type RedisOptions struct {
	// Prefix is prepended to every key and pub/sub channel this store
	// touches (the gateway's REDIS_KEY_PREFIX), here and nowhere else, so
	// the session, describe, fill-lock and invalidation keys of everything
	// built on the store carry it alike. Deployments that share a Redis
	// database set it to keep apart; tests use redistest.Shared's unique
	// prefix. Empty by default: keys already start with "sfgate:".
	Prefix string
	// CommandTimeout bounds each command (default DefaultCommandTimeout).
	CommandTimeout time.Duration
}

// Redis is a Store over a go-redis client. Every command runs under the
// caller's ctx further bounded by the command timeout.
type Redis struct {
	client  redis.UniversalClient
	prefix  string
	timeout time.Duration
	owned   bool

	hits, misses, errs atomic.Uint64
}

var _ Store = (*Redis)(nil)

// NewRedis wraps client. The caller keeps ownership of client (Close does
// not close it) and should give it short timeouts and one dial attempt as
// OpenRedis does; go-redis' defaults make every call against a stopped Redis
// wait about half a second.
func NewRedis(client redis.UniversalClient, opts RedisOptions) *Redis {
	if opts.CommandTimeout <= 0 {
		opts.CommandTimeout = DefaultCommandTimeout
	}
	return &Redis{client: client, prefix: opts.Prefix, timeout: opts.CommandTimeout}
}

// OpenRedis connects to the redis:// or rediss:// URL (as in REDIS_URL) with
// short dial, read and write timeouts and one retry, so that an unreachable
// Redis costs a request milliseconds, not seconds. It does not contact the
// server; the first command does. Close closes the connection pool.
func OpenRedis(rawURL string, opts RedisOptions) (*Redis, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		// The URL may carry a password: do not echo it.
		return nil, errors.New("cache: REDIS_URL is not a valid redis:// or rediss:// URL")
	}
	o.DialTimeout, o.DialerRetries, o.MaxRetries = dialTimeout, dialerRetries, maxRetries
	o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = ioTimeout, ioTimeout, ioTimeout
	o.ContextTimeoutEnabled = true
	return owned(redis.NewClient(o), opts), nil
}

// The bounds OpenRedis and OpenRedisSentinel give go-redis, so that an
// unreachable Redis costs a request milliseconds, not seconds. The command
// timeout (a context deadline) is the bound that matters; these only keep
// go-redis from waiting longer on its own.
const (
	dialTimeout = time.Second
	// go-redis retries a failed dial 5 times 100 ms apart by default: a
	// refused connection would cost every call half a second.
	dialerRetries = 1
	ioTimeout     = 2 * time.Second
	maxRetries    = 1
)

// SentinelOptions locate the master through Redis Sentinel.
type SentinelOptions struct {
	MasterName string   // the master's name in the sentinels' configuration
	Addrs      []string // host:port of each sentinel
	// Password authenticates to the master and its replicas,
	// SentinelPassword to the sentinels; either may be empty.
	Password, SentinelPassword string
}

// OpenRedisSentinel is OpenRedis through Redis Sentinel: go-redis asks the
// sentinels for the current master and follows a failover by itself. It
// does not contact any server; the first command does.
func OpenRedisSentinel(s SentinelOptions, opts RedisOptions) *Redis {
	o := &redis.FailoverOptions{
		MasterName: s.MasterName, SentinelAddrs: s.Addrs,
		Password: s.Password, SentinelPassword: s.SentinelPassword,
	}
	o.DialTimeout, o.DialerRetries, o.MaxRetries = dialTimeout, dialerRetries, maxRetries
	o.ReadTimeout, o.WriteTimeout, o.PoolTimeout = ioTimeout, ioTimeout, ioTimeout
	o.ContextTimeoutEnabled = true
	return owned(redis.NewFailoverClient(o), opts)
}

// owned wraps a client that the returned Redis closes.
func owned(c redis.UniversalClient, opts RedisOptions) *Redis {
	r := NewRedis(c, opts)
	r.owned = true
	return r
}

// Client returns the underlying go-redis client.
func (r *Redis) Client() redis.UniversalClient { return r.client }

// Prefix returns the prefix prepended to keys and channels.
func (r *Redis) Prefix() string { return r.prefix }

// Close closes the connection pool if OpenRedis created it.
func (r *Redis) Close() error {
	if !r.owned {
		return nil
	}
	return r.client.Close()
}

func (r *Redis) k(key string) string { return r.prefix + key }

// cmdCtx bounds one command by the command timeout.
func (r *Redis) cmdCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, r.timeout)
}

// fail turns a go-redis error into ours: the caller's own cancellation stays
// ctx.Err(), server error replies stay errors, everything else (network
// errors, our command timeout, a closed pool, a server that is loading or
// read-only) wraps ErrUnavailable.
func (r *Redis) fail(ctx context.Context, op, key string, err error) error {
	r.errs.Add(1)
	if cerr := ctx.Err(); cerr != nil {
		return cerr
	}
	if isUnavailable(err) {
		return &unavailableError{op: op, key: key, err: err}
	}
	return fmt.Errorf("cache: redis %s %q: %w", op, key, err)
}

func isUnavailable(err error) bool {
	var rerr redis.Error
	if errors.As(err, &rerr) {
		msg := rerr.Error()
		for _, p := range []string{"LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN"} {
			if strings.HasPrefix(msg, p) {
				return true
			}
		}
		return false
	}
	var nerr net.Error
	return errors.As(err, &nerr) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, redis.ErrClosed) || errors.Is(err, net.ErrClosed) ||
		strings.Contains(err.Error(), "EOF") || strings.Contains(err.Error(), "connection")
}

type unavailableError struct {
	op, key string
	err     error
}

// isSlow reports whether err is Redis not answering in time (as opposed to
// refusing or dropping the connection).
func isSlow(err error) bool {
	var ue *unavailableError
	if !errors.As(err, &ue) {
		return false
	}
	if errors.Is(ue.err, context.DeadlineExceeded) {
		return true
	}
	var nerr net.Error
	return errors.As(ue.err, &nerr) && nerr.Timeout()
}

func (e *unavailableError) Error() string {
	return fmt.Sprintf("cache: redis %s %q: unavailable: %v", e.op, e.key, e.err)
}
func (e *unavailableError) Unwrap() []error { return []error{ErrUnavailable, e.err} }

// Get returns the value at key or ErrNotFound.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, error) {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	v, err := r.client.Get(cctx, r.k(key)).Bytes()
	switch {
	case errors.Is(err, redis.Nil):
		r.misses.Add(1)
		return nil, ErrNotFound
	case err != nil:
		return nil, r.fail(ctx, "get", key, err)
	}
	r.hits.Add(1)
	return v, nil
}

// getTTL returns the value at key and its remaining TTL (0: no expiry), in
// one round trip.
func (r *Redis) getTTL(ctx context.Context, key string) ([]byte, time.Duration, error) {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	var get *redis.StringCmd
	var ttl *redis.DurationCmd
	_, err := r.client.Pipelined(cctx, func(p redis.Pipeliner) error {
		get = p.Get(cctx, r.k(key))
		ttl = p.PTTL(cctx, r.k(key))
		return nil
	})
	if errors.Is(err, redis.Nil) || (err == nil && errors.Is(get.Err(), redis.Nil)) {
		r.misses.Add(1)
		return nil, 0, ErrNotFound
	}
	if err != nil {
		return nil, 0, r.fail(ctx, "get", key, err)
	}
	v, _ := get.Bytes()
	left := ttl.Val()
	switch {
	case left == -1: // no expiry
		left = 0
	case left < 0: // expired between GET and PTTL
		left = time.Millisecond
	}
	r.hits.Add(1)
	return v, left, nil
}

// Set stores value at key for ttl (ttl <= 0: no expiry).
func (r *Redis) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	if err := r.client.Set(cctx, r.k(key), value, max(ttl, 0)).Err(); err != nil {
		return r.fail(ctx, "set", key, err)
	}
	return nil
}

// setAndUnlock stores value at key and removes lockKey in one transaction,
// so that a load holding lockKey cannot overwrite the value afterwards.
func (r *Redis) setAndUnlock(ctx context.Context, key, lockKey string, value []byte, ttl time.Duration) error {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	_, err := r.client.TxPipelined(cctx, func(p redis.Pipeliner) error {
		p.Set(cctx, r.k(key), value, max(ttl, 0))
		p.Del(cctx, r.k(lockKey))
		return nil
	})
	if err != nil {
		return r.fail(ctx, "set", key, err)
	}
	return nil
}

// SetNX stores value at key only if key is empty (SET NX PX) and reports
// whether it did.
func (r *Redis) SetNX(ctx context.Context, key string, value []byte, ttl time.Duration) (bool, error) {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	ok, err := r.client.SetNX(cctx, r.k(key), value, max(ttl, 0)).Result()
	if err != nil {
		return false, r.fail(ctx, "setnx", key, err)
	}
	return ok, nil
}

// Delete removes key.
func (r *Redis) Delete(ctx context.Context, key string) error {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	if err := r.client.Del(cctx, r.k(key)).Err(); err != nil {
		return r.fail(ctx, "del", key, err)
	}
	return nil
}

// compareAndDelete runs GET and DEL as one step on the server.
var compareAndDelete = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
	return redis.call('DEL', KEYS[1])
end
return 0
`)

// CompareAndDelete removes key only if it holds expected, atomically (a Lua
// script), and reports whether it did.
func (r *Redis) CompareAndDelete(ctx context.Context, key string, expected []byte) (bool, error) {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	n, err := compareAndDelete.Run(cctx, r.client, []string{r.k(key)}, expected).Int()
	if err != nil {
		return false, r.fail(ctx, "compare-and-delete", key, err)
	}
	return n == 1, nil
}

// fillIfLocked stores value at key and frees lockKey, only if lockKey still
// holds token: a load that was invalidated (its lock deleted) or outlived
// its lock cannot write what it loaded over a newer state.
var fillIfLocked = redis.NewScript(`
if redis.call('GET', KEYS[2]) ~= ARGV[1] then
	return 0
end
if tonumber(ARGV[3]) > 0 then
	redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
else
	redis.call('SET', KEYS[1], ARGV[2])
end
redis.call('DEL', KEYS[2])
return 1
`)

func (r *Redis) fillIfLocked(ctx context.Context, key, lockKey string, token, value []byte, ttl time.Duration) (bool, error) {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	ms := int64(0)
	if ttl > 0 {
		ms = max(ttl.Milliseconds(), 1)
	}
	n, err := fillIfLocked.Run(cctx, r.client, []string{r.k(key), r.k(lockKey)}, token, value, ms).Int()
	if err != nil {
		return false, r.fail(ctx, "fill", key, err)
	}
	return n == 1, nil
}

// deleteKeys removes several keys in one command. On Redis Cluster they must
// share a hash slot (cache.Key's hash tag sees to that).
func (r *Redis) deleteKeys(ctx context.Context, keys ...string) error {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	full := make([]string, len(keys))
	for i, k := range keys {
		full[i] = r.k(k)
	}
	if err := r.client.Del(cctx, full...).Err(); err != nil {
		return r.fail(ctx, "del", keys[0], err)
	}
	return nil
}

// scanBatch is the SCAN COUNT hint and the most keys one UNLINK removes.
const scanBatch = 500

// DeletePrefix removes every key starting with prefix (SCAN MATCH, then
// UNLINK of each batch) and returns how many it removed. On Redis Cluster it
// scans every master. Each command has the command timeout; the whole walk
// is bounded by ctx.
func (r *Redis) DeletePrefix(ctx context.Context, prefix string) (int, error) {
	pattern := escapeGlob(r.k(prefix)) + "*"
	cc, ok := r.client.(*redis.ClusterClient)
	if !ok {
		return r.scanDelete(ctx, r.client, pattern, prefix, false)
	}
	// A prefix need not contain a whole hash tag, so every master is
	// scanned; the callbacks run concurrently.
	var total atomic.Int64
	err := cc.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
		n, err := r.scanDelete(ctx, c, pattern, prefix, true)
		total.Add(int64(n))
		return err
	})
	return int(total.Load()), err
}

// scanDelete deletes the keys of one node matching pattern. On a cluster
// node keys are unlinked one by one: a multi-key UNLINK must stay within
// one slot.
func (r *Redis) scanDelete(ctx context.Context, c redis.Cmdable, pattern, prefix string, perKey bool) (int, error) {
	var cursor uint64
	n := 0
	for {
		cctx, cancel := r.cmdCtx(ctx)
		keys, next, err := c.Scan(cctx, cursor, pattern, scanBatch).Result()
		switch {
		case err != nil || len(keys) == 0:
		case perKey:
			for _, k := range keys {
				if err = c.Unlink(cctx, k).Err(); err != nil {
					break
				}
			}
		default:
			err = c.Unlink(cctx, keys...).Err()
		}
		cancel()
		if err != nil {
			return n, r.fail(ctx, "delete-prefix", prefix, err)
		}
		n += len(keys)
		if cursor = next; cursor == 0 {
			return n, nil
		}
	}
}

// escapeGlob escapes the characters that Redis glob patterns treat
// specially, so that a prefix matches literally.
func escapeGlob(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// Ping reports whether Redis answers within the command timeout.
func (r *Redis) Ping(ctx context.Context) error {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	if err := r.client.Ping(cctx).Err(); err != nil {
		return r.fail(ctx, "ping", "", err)
	}
	return nil
}

// publish sends msg on channel (prefixed).
func (r *Redis) publish(ctx context.Context, channel, msg string) error {
	cctx, cancel := r.cmdCtx(ctx)
	defer cancel()
	if err := r.client.Publish(cctx, r.k(channel), msg).Err(); err != nil {
		return r.fail(ctx, "publish", channel, err)
	}
	return nil
}

// Stats returns SharedHits, SharedMisses and SharedErrors.
func (r *Redis) Stats() Stats {
	return Stats{SharedHits: r.hits.Load(), SharedMisses: r.misses.Load(), SharedErrors: r.errs.Load()}
}
