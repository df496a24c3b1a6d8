package limits

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// Defaults of BudgetConfig.
const (
	// DefaultBudgetShare is the share of the daily API allowance past which
	// only essential callers' work is sent.
	DefaultBudgetShare = 0.9
	// DefaultBudgetRetryAfter is how long the guard stays tripped, and the
	// Retry-After of its refusals. Salesforce counts the allowance over a
	// rolling 24 hours, so no exact moment of relief exists; after it one
	// call's LimitInfoHeader tells whether to trip again.
	DefaultBudgetRetryAfter = 5 * time.Minute
	// defaultRefreshEvery is how often a replica reads the cluster's state.
	defaultRefreshEvery = 250 * time.Millisecond
	// publishEvery is how often a replica writes its reading.
	publishEvery = time.Second
)

// Trip reasons, as stored in Redis.
const (
	reasonShare = "share" // past the configured share: essential callers pass
	reasonLimit = "limit" // REQUEST_LIMIT_EXCEEDED: nobody passes
)

// BudgetConfig configures a Budget.
type BudgetConfig struct {
	Connection string
	// Share is the share of the daily allowance (0 < Share ≤ 1) past which
	// non-essential work is refused (default DefaultBudgetShare).
	Share float64
	// RetryAfter: see DefaultBudgetRetryAfter.
	RetryAfter time.Duration
	// Shared is Redis; nil means this process only.
	Shared *Shared
	// RefreshEvery is how often the cluster's state is read (default
	// 250 ms): a trip reaches every replica within it.
	RefreshEvery time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Budget is the API budget guard. Every Salesforce answer's
// LimitInfoHeader (API REQUESTS current/limit) is observed; once the
// org's usage reaches Share of its limit, the guard trips for RetryAfter,
// cluster-wide: new calls of non-essential callers are refused locally
// (no Salesforce call) with API_BUDGET_EXHAUSTED. REQUEST_LIMIT_EXCEEDED
// trips it for everyone, so an org over its allowance costs nothing more
// per request — describes, queries and the logins behind them are not
// attempted until the trip expires.
type Budget struct {
	cfg               BudgetConfig
	tripKey, usageKey string

	// refreshMu makes callers wait for a read in flight rather than pass
	// on state it is about to replace (a trip a peer has just shared).
	refreshMu   sync.Mutex
	mu          sync.Mutex
	reason      string    // "" when not tripped
	until       time.Time // end of the trip
	used, limit int64     // newest reading known here
	readAt      time.Time // when the cluster state was last read
	publishedAt time.Time
}

// NewBudget returns a Budget for cfg.
func NewBudget(cfg BudgetConfig) (*Budget, error) {
	if cfg.Share == 0 {
		cfg.Share = DefaultBudgetShare
	}
	if cfg.Share <= 0 || cfg.Share > 1 {
		return nil, fmt.Errorf("API budget share %v is not in (0, 1]", cfg.Share)
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = DefaultBudgetRetryAfter
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshEvery <= 0 {
		cfg.RefreshEvery = defaultRefreshEvery
	}
	return &Budget{cfg: cfg, tripKey: key(cfg.Connection, "limits", "budget", "tripped"),
		usageKey: key(cfg.Connection, "limits", "budget", "usage")}, nil
}

// Admit refuses new work while the guard is tripped: everyone's after
// REQUEST_LIMIT_EXCEEDED, non-essential callers' past the share.
func (b *Budget) Admit(ctx context.Context) error {
	b.refresh(ctx)
	now := b.cfg.Now()
	b.mu.Lock()
	reason, until := b.reason, b.until
	b.mu.Unlock()
	if reason == "" || !now.Before(until) {
		return nil
	}
	if reason == reasonShare {
		if c := sfgate.CallerFrom(ctx); c != nil && c.Essential {
			return nil
		}
	}
	detail := fmt.Sprintf("the org has used %.0f%% or more of its daily API allowance; only essential callers are served until it recovers", b.cfg.Share*100)
	if reason == reasonLimit {
		detail = "Salesforce reports the org's daily API allowance used up (REQUEST_LIMIT_EXCEEDED); calls are held back until it recovers"
	}
	return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: CodeAPIBudgetExhausted, Detail: detail,
		RetryAfter: max(until.Sub(now), time.Second)}
}

// Observe takes one answer's reading (used, limit; zero when the answer
// had none) and whether Salesforce answered REQUEST_LIMIT_EXCEEDED.
func (b *Budget) Observe(ctx context.Context, used, limit int64, limitExceeded bool) {
	now := b.cfg.Now()
	var trip string
	publish := false
	b.mu.Lock()
	if limit > 0 {
		b.used, b.limit = used, limit
		if float64(used) >= b.cfg.Share*float64(limit) && !b.trippedLocked(now) {
			trip = reasonShare
		}
		publish = now.Sub(b.publishedAt) >= publishEvery
		if publish {
			b.publishedAt = now
		}
	}
	if limitExceeded && !(b.reason == reasonLimit && now.Before(b.until)) {
		trip = reasonLimit
	}
	if trip != "" {
		b.reason, b.until = trip, now.Add(b.cfg.RetryAfter)
		publish = publish || limit > 0
	}
	b.mu.Unlock()
	if trip != "" {
		b.share(ctx, trip)
	}
	if publish {
		b.publishUsage(ctx, used, limit)
	}
}

func (b *Budget) trippedLocked(now time.Time) bool { return b.reason != "" && now.Before(b.until) }

// Usage returns the newest reading this replica knows (its own answers or
// a peer's), zeros before any.
func (b *Budget) Usage() (used, limit int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.limit
}

// share tells the other replicas about a trip. A limit trip replaces a
// share trip; a share trip never shortens or weakens a limit trip.
func (b *Budget) share(ctx context.Context, reason string) {
	sh := b.cfg.Shared
	if !sh.usable() {
		return
	}
	cctx, cancel := sh.cmdCtx(ctx)
	defer cancel()
	k := sh.key(b.tripKey)
	var err error
	if reason == reasonLimit {
		err = sh.Client.Set(cctx, k, reason, b.cfg.RetryAfter).Err()
	} else {
		err = sh.Client.SetNX(cctx, k, reason, b.cfg.RetryAfter).Err()
	}
	sh.failed(err)
}

func (b *Budget) publishUsage(ctx context.Context, used, limit int64) {
	sh := b.cfg.Shared
	if !sh.usable() {
		return
	}
	cctx, cancel := sh.cmdCtx(ctx)
	defer cancel()
	v := strconv.FormatInt(used, 10) + " " + strconv.FormatInt(limit, 10)
	sh.failed(sh.Client.Set(cctx, sh.key(b.usageKey), v, 24*time.Hour).Err())
}

// refresh reads the cluster's trip and reading, at most every
// RefreshEvery, so the hot path costs one Redis round trip per replica
// per quarter second, not one per call.
func (b *Budget) refresh(ctx context.Context) {
	sh := b.cfg.Shared
	if !sh.usable() {
		return
	}
	b.refreshMu.Lock()
	defer b.refreshMu.Unlock()
	now := b.cfg.Now()
	b.mu.Lock()
	due := now.Sub(b.readAt) >= b.cfg.RefreshEvery
	if due {
		b.readAt = now
	}
	b.mu.Unlock()
	if !due {
		return
	}
	cctx, cancel := sh.cmdCtx(ctx)
	defer cancel()
	pipe := sh.Client.Pipeline()
	get := pipe.Get(cctx, sh.key(b.tripKey))
	ttl := pipe.PTTL(cctx, sh.key(b.tripKey))
	usage := pipe.Get(cctx, sh.key(b.usageKey))
	_, err := pipe.Exec(cctx)
	if sh.failed(err) {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if reason, err := get.Result(); err == nil && ttl.Val() > 0 {
		// A local limit trip is stronger than a peer's share trip.
		if !(b.reason == reasonLimit && now.Before(b.until) && reason == reasonShare) {
			b.reason, b.until = reason, now.Add(ttl.Val())
		}
	}
	if u, err := usage.Result(); err == nil {
		us, ls, _ := strings.Cut(u, " ")
		used, e1 := strconv.ParseInt(us, 10, 64)
		limit, e2 := strconv.ParseInt(ls, 10, 64)
		if e1 == nil && e2 == nil && limit > 0 && used > b.used {
			b.used, b.limit = used, limit
		}
	}
}
