package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// Defaults of TieredOptions.
const (
	DefaultLocalTTL      = 30 * time.Second
	DefaultSharedTTL     = 5 * time.Minute
	DefaultLoadTimeout   = 30 * time.Second
	DefaultProbeInterval = time.Second
	DefaultChannel       = "sfgate:invalidate"
)

// fillSuffix names the lock a process holds in Redis while it loads a key
// for everyone. It keeps the key's hash tag, so the key and its lock share
// a slot on Redis Cluster.
const fillSuffix = ":~fill"

// TieredOptions configures a Tiered store.
type TieredOptions struct {
	// Local is the in-process level (default NewMemory with defaults).
	Local *Memory
	// Shared is the Redis level; nil selects memory-only mode, where the
	// in-process level is the only one and Invalidate affects only this
	// process.
	Shared *Redis
	// Channel is the base name of the invalidation channel (default
	// DefaultChannel). An invalidation of a key with a hash tag is
	// published on Channel + ":" + tag, e.g. "sfgate:invalidate:{prod}".
	Channel string
	// LocalTTL caps how long the in-process level keeps a value when the
	// call gives no TTL of its own (default DefaultLocalTTL).
	LocalTTL time.Duration
	// SharedTTL is the Redis TTL of GetOrLoad when LoadOptions gives none
	// (default DefaultSharedTTL).
	SharedTTL time.Duration
	// LoadTimeout bounds one shared load: waiting for a peer plus calling
	// the loader (default DefaultLoadTimeout). It also is the TTL of the
	// fill lock, so a crashed loader blocks its peers at most this long.
	LoadTimeout time.Duration
	// ProbeInterval is how often the subscriber checks its connection and,
	// when degraded, whether Redis is back (default DefaultProbeInterval).
	ProbeInterval time.Duration
	// Logger receives the degraded/recovered transitions (default: the
	// logger in Start's ctx, else zerolog.Ctx of the call).
	Logger *zerolog.Logger
}

// LoadOptions gives the TTLs of one GetOrLoad. Zero fields take the
// Tiered's defaults.
type LoadOptions struct {
	// LocalTTL caps the in-process copy's lifetime; it is also capped by
	// what remains of the Redis TTL.
	LocalTTL time.Duration
	// SharedTTL is the Redis TTL of a freshly loaded value. In memory-only
	// mode it is the in-process TTL, the only level there being.
	SharedTTL time.Duration
}

// Tiered is the two-level cache: a bounded in-process Memory with short
// TTLs over Redis with longer TTLs. See docs/cache.md.
//
// Writes through the Store methods go to Redis first and then to the
// in-process level, and are announced to the other replicas so they drop
// their in-process copies. When Redis is unreachable Tiered degrades: it
// serves from the in-process level and the loader, logs the transition once,
// reports Degraded, and recovers by itself (emptying the in-process level on
// recovery, because invalidations may have been missed meanwhile).
type Tiered struct {
	local       *Memory
	shared      *Redis
	channel     string
	localTTL    time.Duration
	sharedTTL   time.Duration
	loadTimeout time.Duration
	probeEvery  time.Duration
	logger      atomic.Pointer[zerolog.Logger]
	id          string // origin of our invalidations, to skip our own

	// mu orders in-process writes after loads against invalidations: a
	// load that started before an invalidation (epoch changed) does not
	// populate the in-process level.
	mu      sync.Mutex
	epoch   uint64
	flights map[string]*flight

	down       atomic.Bool
	slowStreak atomic.Int32 // Redis timeouts in a row
	nextProbe  atomic.Int64 // unix nanos; probing by calls when no subscriber runs
	running    atomic.Bool

	life   sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
	ps     *redis.PubSub

	loads, loadErrs, coalesced, peerWaits, sent, received, resets atomic.Uint64
}

// flight is one load in progress in this process.
type flight struct {
	done chan struct{}
	val  []byte
	err  error
}

var _ Store = (*Tiered)(nil)

// NewTiered returns a Tiered store. With opts.Shared set, call Start before
// serving so that invalidations from other replicas are applied, and Close
// at shutdown.
func NewTiered(opts TieredOptions) *Tiered {
	if opts.Local == nil {
		opts.Local = NewMemory(MemoryOptions{})
	}
	if opts.Channel == "" {
		opts.Channel = DefaultChannel
	}
	if opts.LocalTTL <= 0 {
		opts.LocalTTL = DefaultLocalTTL
	}
	if opts.SharedTTL <= 0 {
		opts.SharedTTL = DefaultSharedTTL
	}
	if opts.LoadTimeout <= 0 {
		opts.LoadTimeout = DefaultLoadTimeout
	}
	if opts.ProbeInterval <= 0 {
		opts.ProbeInterval = DefaultProbeInterval
	}
	var id [8]byte
	_, _ = rand.Read(id[:])
	t := &Tiered{
		local:       opts.Local,
		shared:      opts.Shared,
		channel:     opts.Channel,
		localTTL:    opts.LocalTTL,
		sharedTTL:   opts.SharedTTL,
		loadTimeout: opts.LoadTimeout,
		probeEvery:  opts.ProbeInterval,
		id:          hex.EncodeToString(id[:]),
		flights:     make(map[string]*flight),
	}
	if opts.Logger != nil {
		t.logger.Store(opts.Logger)
	}
	return t
}

// MemoryOnly reports whether t runs without Redis.
func (t *Tiered) MemoryOnly() bool { return t.shared == nil }

// Degraded reports whether Redis is configured but currently unusable, so
// that t serves from the in-process level and the loader alone. Readiness
// reports it; it does not make the pod unready.
func (t *Tiered) Degraded() bool { return t.shared != nil && t.down.Load() }

// Stats returns a snapshot of t's counters.
func (t *Tiered) Stats() Stats {
	s := t.local.Stats()
	if t.shared != nil {
		r := t.shared.Stats()
		s.SharedHits, s.SharedMisses, s.SharedErrors = r.SharedHits, r.SharedMisses, r.SharedErrors
	}
	s.Loads = t.loads.Load()
	s.LoadErrors = t.loadErrs.Load()
	s.Coalesced = t.coalesced.Load()
	s.PeerWaits = t.peerWaits.Load()
	s.InvalidationsSent = t.sent.Load()
	s.InvalidationsReceived = t.received.Load()
	s.LocalResets = t.resets.Load()
	s.Degraded = t.Degraded()
	return s
}

func (t *Tiered) log(ctx context.Context) *zerolog.Logger {
	if l := t.logger.Load(); l != nil {
		return l
	}
	return zerolog.Ctx(ctx)
}
