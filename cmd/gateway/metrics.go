package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"time"

	"github.com/rs/zerolog"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce"
)

// observeState registers the metrics read from state the gateway already
// keeps rather than counted as things happen: the org's API usage from the
// client's last LimitInfoHeader, the cache's lookups from cache.Stats and
// whether Redis is usable. Only Redis deployments export sfgate_redis_up.
func observeState(mp metric.MeterProvider, client *salesforce.Client, tiered *cache.Tiered) error {
	m := mp.Meter("github.com/sfgate/sfgate/cmd/gateway")
	used, err1 := m.Int64ObservableGauge("sfgate_salesforce_api_requests_used", metric.WithUnit("{request}"),
		metric.WithDescription("API requests the org used in the last 24 hours, as Salesforce last reported (LimitInfoHeader)."))
	limit, err2 := m.Int64ObservableGauge("sfgate_salesforce_api_requests_limit", metric.WithUnit("{request}"),
		metric.WithDescription("API requests the org may make in 24 hours, as Salesforce last reported (LimitInfoHeader)."))
	lookups, err3 := m.Int64ObservableCounter("sfgate_cache_lookups_total", metric.WithUnit("{lookup}"),
		metric.WithDescription("Cache lookups, by level (local: in process; shared: Redis) and result (hit, miss)."))
	instruments := []metric.Observable{used, limit, lookups}
	var redisUp metric.Int64ObservableGauge
	var err4 error
	if !tiered.MemoryOnly() {
		redisUp, err4 = m.Int64ObservableGauge("sfgate_redis_up", metric.WithUnit("1"),
			metric.WithDescription("1 while the shared cache (Redis) is usable, 0 while the gateway runs degraded on its in-process cache."))
		instruments = append(instruments, redisUp)
	}
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return fmt.Errorf("gateway metrics: %w", err)
	}
	level := func(l, r string) metric.ObserveOption {
		return metric.WithAttributes(attribute.String("level", l), attribute.String("result", r))
	}
	_, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		if li := client.Limits(); !li.Updated.IsZero() {
			o.ObserveInt64(used, li.Current)
			o.ObserveInt64(limit, li.Limit)
		}
		s := tiered.Stats()
		o.ObserveInt64(lookups, int64(s.LocalHits), level("local", "hit"))
		o.ObserveInt64(lookups, int64(s.LocalMisses), level("local", "miss"))
		if redisUp != nil {
			o.ObserveInt64(lookups, int64(s.SharedHits), level("shared", "hit"))
			o.ObserveInt64(lookups, int64(s.SharedMisses), level("shared", "miss"))
			up := int64(1)
			if tiered.Degraded() {
				up = 0
			}
			o.ObserveInt64(redisUp, up)
		}
		return nil
	}, instruments...)
	if err != nil {
		return fmt.Errorf("gateway metrics: %w", err)
	}
	return nil
}

// serveMetrics serves /metrics on addr (GATEWAY_METRICS_ADDR), so scrapes
// need not pass the main listener's door, and with withPprof
// (GATEWAY_PPROF) the profiles of net/http/pprof under /debug/pprof/;
// stop closes it.
func serveMetrics(ctx context.Context, addr string, metrics http.Handler, withPprof bool, logger *zerolog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on GATEWAY_METRICS_ADDR %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics)
	writeTimeout := 30 * time.Second
	if withPprof {
		mountPprof(mux)
		// pprof refuses a profile or trace whose ?seconds= reaches the
		// server's WriteTimeout; the default profile takes 30s.
		writeTimeout = pprofWriteTimeout
	}
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readHeaderTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
		ErrorLog:          log.New(logger.With().Str("component", "metrics http.Server").Logger(), "", 0),
	}
	logger.Info().Str("metrics_addr", ln.Addr().String()).Bool("pprof", withPprof).Msgf("metrics listening on %s", ln.Addr())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error().Err(err).Msg("metrics listener stopped")
		}
	}()
	return func() { _ = srv.Close() }, nil
}

// pprofWriteTimeout bounds an answer of the metrics listener when it serves
// profiles: a CPU profile or an execution trace may ask for up to just
// under this many seconds.
const pprofWriteTimeout = 5 * time.Minute

// mountPprof serves net/http/pprof's handlers under /debug/pprof/ on mux.
// They are mounted one by one because importing net/http/pprof registers
// them on http.DefaultServeMux, which the gateway never serves.
func mountPprof(mux *http.ServeMux) {
	mux.HandleFunc("GET /debug/pprof/", pprof.Index) // the index and every named profile (heap, allocs, goroutine, …)
	mux.HandleFunc("GET /debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("GET /debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("GET /debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("POST /debug/pprof/symbol", pprof.Symbol) // go tool pprof posts addresses to it
	mux.HandleFunc("GET /debug/pprof/trace", pprof.Trace)
}
