package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/handlers"
	"github.com/sfgate/sfgate/internal/limits"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/service"
)

// orgLimitsConfig is what protects the org and the replicas
// (docs/limits.md): the cluster-wide cap on concurrent Salesforce calls,
// the API budget guard and the stream caps.
type orgLimitsConfig struct {
	MaxConcurrent      int           // SF_MAX_CONCURRENT_CALLS
	MaxConcurrentLocal int           // SF_MAX_CONCURRENT_CALLS_LOCAL (0: MaxConcurrent/2)
	BudgetShare        float64       // SF_API_BUDGET_SHARE
	BudgetRetryAfter   time.Duration // SF_API_BUDGET_RETRY_AFTER
	MaxStreams         int           // GATEWAY_MAX_STREAMS
	MaxStreamsPerCall  int           // GATEWAY_MAX_STREAMS_PER_CALLER
	BatchConcurrency   int           // GATEWAY_BATCH_CONCURRENCY
}

// parseOrgLimits reads the org limits' variables; an unset one takes its
// default, a malformed one is named in errs.
func parseOrgLimits(getenv func(string) string, errs *[]error) orgLimitsConfig {
	c := orgLimitsConfig{
		MaxConcurrent:     intVar(errs, "SF_MAX_CONCURRENT_CALLS", getenv("SF_MAX_CONCURRENT_CALLS"), limits.DefaultMaxConcurrent, 1),
		BudgetShare:       limits.DefaultBudgetShare,
		BudgetRetryAfter:  limits.DefaultBudgetRetryAfter,
		MaxStreams:        intVar(errs, "GATEWAY_MAX_STREAMS", getenv("GATEWAY_MAX_STREAMS"), handlers.DefaultMaxStreams, 1),
		MaxStreamsPerCall: intVar(errs, "GATEWAY_MAX_STREAMS_PER_CALLER", getenv("GATEWAY_MAX_STREAMS_PER_CALLER"), handlers.DefaultMaxStreamsPerCaller, 1),
		BatchConcurrency:  intVar(errs, "GATEWAY_BATCH_CONCURRENCY", getenv("GATEWAY_BATCH_CONCURRENCY"), service.DefaultBatchConcurrency, 1),
	}
	if c.BatchConcurrency > service.MaxBatchConcurrency {
		badf(errs, "GATEWAY_BATCH_CONCURRENCY %d is above %d: one batch would take most of the org's concurrent calls", c.BatchConcurrency, service.MaxBatchConcurrency)
	}
	c.MaxConcurrentLocal = intVar(errs, "SF_MAX_CONCURRENT_CALLS_LOCAL", getenv("SF_MAX_CONCURRENT_CALLS_LOCAL"), max(1, c.MaxConcurrent/2), 1)
	if v := strings.TrimSpace(getenv("SF_API_BUDGET_SHARE")); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 || f > 1 {
			badf(errs, "SF_API_BUDGET_SHARE %q is not a share of the daily allowance in (0, 1], such as 0.9", v)
		}
		c.BudgetShare = f
	}
	if v := strings.TrimSpace(getenv("SF_API_BUDGET_RETRY_AFTER")); v != "" {
		c.BudgetRetryAfter = positiveDuration(errs, "SF_API_BUDGET_RETRY_AFTER", v)
	}
	if c.MaxConcurrentLocal > c.MaxConcurrent {
		badf(errs, "SF_MAX_CONCURRENT_CALLS_LOCAL (%d) is above SF_MAX_CONCURRENT_CALLS (%d): one replica alone would exceed the org's cap", c.MaxConcurrentLocal, c.MaxConcurrent)
	}
	return c
}

// intVar parses the value v of the variable name: a whole number of at
// least least, def when unset.
func intVar(errs *[]error, name, v string, def, least int) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < least {
		badf(errs, "%s %q is not a whole number >= %d", name, v, least)
		return def
	}
	return n
}

func (c orgLimitsConfig) describe() map[string]any {
	return map[string]any{
		"SF_MAX_CONCURRENT_CALLS": c.MaxConcurrent, "SF_MAX_CONCURRENT_CALLS_LOCAL": c.MaxConcurrentLocal,
		"SF_API_BUDGET_SHARE": c.BudgetShare, "SF_API_BUDGET_RETRY_AFTER": c.BudgetRetryAfter.String(),
		"GATEWAY_MAX_STREAMS": c.MaxStreams, "GATEWAY_MAX_STREAMS_PER_CALLER": c.MaxStreamsPerCall,
		"GATEWAY_BATCH_CONCURRENCY": c.BatchConcurrency,
	}
}

// orgProtection is the wired protection: the client's Guard and the
// handlers' RateLimiter, shared through redis when it is set.
type orgProtection struct {
	guard orgGuard
	rates handlers.RateLimiter
}

func newOrgProtection(cfg Config, redis *cache.Redis, logger *zerolog.Logger) (orgProtection, error) {
	var shared *limits.Shared
	if redis != nil {
		shared = &limits.Shared{Client: redis.Client(), Prefix: redis.Prefix(), Logger: logger}
	}
	o := cfg.OrgLimits
	budget, err := limits.NewBudget(limits.BudgetConfig{Connection: connection, Share: o.BudgetShare, RetryAfter: o.BudgetRetryAfter, Shared: shared})
	if err != nil {
		return orgProtection{}, fmt.Errorf("API budget guard: %w", err)
	}
	sem := limits.NewSemaphore(limits.SemaphoreConfig{Connection: connection, Max: o.MaxConcurrent, LocalMax: o.MaxConcurrentLocal, Shared: shared})
	return orgProtection{
		guard: orgGuard{sem: sem, budget: budget},
		rates: sharedRates{limits.NewRateLimiter(connection, shared, 0)},
	}, nil
}

// orgGuard is the client's Guard over the semaphore and the budget.
type orgGuard struct {
	sem    *limits.Semaphore
	budget *limits.Budget
}

var _ salesforce.Guard = orgGuard{}

// Admit lets logins through: they do not count against the daily API
// allowance, and the session manager backs off failed ones itself (five
// minutes to an hour after REQUEST_LIMIT_EXCEEDED, shared by replicas).
func (g orgGuard) Admit(ctx context.Context, op string) error {
	if op == "login" {
		return nil
	}
	return g.budget.Admit(ctx)
}

func (g orgGuard) Acquire(ctx context.Context, op string) (func(), error) { return g.sem.Acquire(ctx) }

func (g orgGuard) Observe(ctx context.Context, op string, usage partner.LimitInfo, limitExceeded bool) {
	g.budget.Observe(ctx, usage.Current, usage.Limit, limitExceeded)
}

// sharedRates adapts limits.RateLimiter to the handlers' RateLimiter.
type sharedRates struct{ l *limits.RateLimiter }

func (s sharedRates) Allow(ctx context.Context, caller string, rate float64, burst int) (handlers.RateDecision, error) {
	d, err := s.l.Allow(ctx, caller, rate, burst)
	return handlers.RateDecision{Allowed: d.Allowed, Remaining: d.Remaining, Reset: d.Reset, RetryAfter: d.RetryAfter}, err
}
