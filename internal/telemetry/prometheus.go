// Package telemetry builds the gateway's OpenTelemetry meter provider with
// its Prometheus exporter: one registry holding the OpenTelemetry metrics
// and the Go runtime and process collectors, served as /metrics.
package telemetry

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Prometheus is a meter provider whose metrics are scraped from Handler.
type Prometheus struct {
	// MeterProvider makes the instruments; pass it down to every package
	// that records metrics.
	MeterProvider *sdkmetric.MeterProvider
	// Handler serves the Prometheus text exposition format.
	Handler http.Handler
}

// NewPrometheus builds the provider and its handler on a registry of its
// own (never the global one, so tests and several gateways in one process
// do not collide).
//
// Instrument names are the Prometheus names, exact: the exporter adds no
// unit or _total suffix (UnderscoreEscapingWithoutSuffixes), no
// otel_scope_* labels and no target_info series, so what docs/metrics.md
// lists is what is scraped.
func NewPrometheus() (*Prometheus, error) {
	reg := prometheus.NewRegistry()
	if err := reg.Register(collectors.NewGoCollector()); err != nil {
		return nil, fmt.Errorf("go collector: %w", err)
	}
	if err := reg.Register(collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})); err != nil {
		return nil, fmt.Errorf("process collector: %w", err)
	}
	exp, err := otelprom.New(
		otelprom.WithRegisterer(reg),
		otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithoutSuffixes),
		otelprom.WithoutScopeInfo(),
		otelprom.WithoutTargetInfo(),
	)
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	return &Prometheus{
		MeterProvider: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)),
		Handler:       promhttp.HandlerFor(reg, promhttp.HandlerOpts{}),
	}, nil
}

// Shutdown stops the provider.
func (p *Prometheus) Shutdown(ctx context.Context) error { return p.MeterProvider.Shutdown(ctx) }
