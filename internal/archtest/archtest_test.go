// Package archtest checks the import rules of docs/ARCHITECTURE.md with the
// go tool itself, so the package graph cannot drift from the design.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// root is the module's import path: the domain package at its root.
const root = "github.com/sfgate/sfgate"

const module = root + "/"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// listAll returns every package of the module with its transitive
// dependencies, test files excluded.
func listAll(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", "list", "-json=ImportPath,Imports,Deps", "./...")
	cmd.Dir = "../.."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func TestImportRules(t *testing.T) {
	t.Parallel()
	// forbidden lists the module packages (by prefix) a package must not
	// depend on, directly or not; except lists the ones under them it may.
	gateway := []string{"internal/salesforce", "internal/session", "internal/cache", "internal/metadata", "internal/handlers", "cmd/"}
	rules := []struct {
		pkg       string
		forbidden []string
		except    []string
		why       string
	}{
		{"internal/salesforce/partner", []string{"internal/", "cmd/"}, nil,
			"the Partner API's vocabulary has no transport: it imports nothing of the module but the domain"},
		{"internal/salesforce", []string{"internal/"}, nil, "the client asks a SessionSource; it imports none of ours"},
		{"internal/cache", []string{"internal/"}, nil, "the cache never knows about Salesforce"},
		{"internal/limits", []string{"internal/", "cmd/"}, nil,
			"the org's protection (semaphore, budget guard, rate limits) imports only the domain; the client and the handlers declare the interfaces it fills"},
		{"internal/idempotency", []string{"internal/", "cmd/"}, nil, "the idempotency key store keeps opaque answers: it knows neither HTTP handlers nor Salesforce"},
		{"internal/jsonw", []string{"internal/", "cmd/"}, nil, "the JSON writer shared by the engine and the handlers knows neither"},
		{"internal/telemetry", []string{"internal/", "cmd/"}, nil, "the meter provider and its exporter know none of the packages that record through it"},
		{"internal/orgspec", []string{"internal/", "cmd/"}, nil,
			"the org-typed document is built from the domain's describes and YAML: the handlers fetch the describes through the domain's interfaces"},
		{"internal/sfsim", gateway, nil, "the emulator writes its XML on its own"},
		{"internal/session", []string{"internal/handlers", "internal/metadata", "internal/sfsim"}, nil, "session uses salesforce and cache only"},
		{"internal/metadata", []string{"internal/handlers", "internal/session", "internal/sfsim", "internal/salesforce"}, []string{"internal/salesforce/partner"},
			"metadata speaks the Partner API's types (partner) and uses cache; the SOAP client comes in through Describer"},
		{"internal/service", []string{"internal/handlers", "internal/session", "internal/sfsim", "internal/salesforce", "cmd/"}, []string{"internal/salesforce/partner"},
			"the engine speaks the domain and the Partner API's types; HTTP is the handlers' business, sessions and SOAP the client's (it comes in through Client)"},
		{"internal/handlers", []string{"internal/salesforce", "internal/session", "internal/metadata", "internal/cache", "internal/service", "internal/sfsim", "internal/limits"}, nil,
			"the HTTP layer speaks the domain only: no Salesforce or Redis logic; cmd/gateway wires the engine in"},
	}
	for _, p := range listAll(t) {
		rel := strings.TrimPrefix(p.ImportPath, module)
		if p.ImportPath == root {
			for _, d := range p.Deps {
				if d == root || strings.HasPrefix(d, module) {
					t.Errorf("the domain package depends on %s: it imports nothing of the module, so every package may import it", d)
				}
			}
			continue
		}
		for _, r := range rules {
			if rel != r.pkg && !strings.HasPrefix(rel, r.pkg+"/") {
				continue
			}
			for _, d := range p.Deps {
				if !strings.HasPrefix(d, module) {
					continue
				}
				drel := strings.TrimPrefix(d, module)
				if strings.HasPrefix(drel, r.pkg) || slices.Contains(r.except, drel) {
					continue
				}
				for _, f := range r.forbidden {
					if strings.HasPrefix(drel, f) {
						t.Errorf("%s depends on %s: %s", rel, drel, r.why)
					}
				}
			}
		}
	}
}

// engine lists the packages that hold the business logic, and why
// HTTP stays out of them (docs/ARCHITECTURE.md, "Import rules").
var engine = []string{root, module + "internal/service", module + "internal/metadata", module + "internal/salesforce/partner",
	// Not the engine, but as free of HTTP: the org-typed document's builder.
	module + "internal/orgspec"}

const engineWhy = "the business layer speaks domain types; HTTP is the handlers' job and SOAP over HTTP the client's, which the engine reaches through an interface it declares (docs/ARCHITECTURE.md)"

// httpDeps returns what makes p an HTTP package: net/http (or a package
// under it) or internal/handlers among its transitive dependencies.
func httpDeps(p pkg) []string {
	var out []string
	for _, d := range p.Deps {
		if d == "net/http" || strings.HasPrefix(d, "net/http/") ||
			d == module+"internal/handlers" || strings.HasPrefix(d, module+"internal/handlers/") {
			out = append(out, d)
		}
	}
	return out
}

// TestEngineLinksNoHTTP keeps statuses, requests and the HTTP stack out of
// the engine: neither the domain, nor the service, nor metadata, nor the
// Partner API types link net/http or internal/handlers, not even through
// another package. To prove the check can fail, it must find them in
// packages known to hold them: the SOAP client (net/http) and the gateway
// (handlers).
func TestEngineLinksNoHTTP(t *testing.T) {
	t.Parallel()
	byPath := map[string]pkg{}
	for _, p := range listAll(t) {
		byPath[p.ImportPath] = p
	}
	for _, path := range engine {
		p, ok := byPath[path]
		if !ok {
			t.Errorf("go list did not list %s", path)
			continue
		}
		if bad := httpDeps(p); len(bad) > 0 {
			t.Errorf("%s depends on %s: %s", path, strings.Join(bad, ", "), engineWhy)
		}
	}
	for path, want := range map[string]string{module + "internal/salesforce": "net/http", module + "cmd/gateway": module + "internal/handlers"} {
		if !slices.Contains(httpDeps(byPath[path]), want) {
			t.Errorf("httpDeps(%s) misses %s: the check above cannot see what it forbids", path, want)
		}
	}
}

// TestOnlyTheWiringKnowsPrometheus keeps the exporter where the meter
// provider is built: the packages that record metrics take an
// OpenTelemetry MeterProvider and link neither the OpenTelemetry SDK nor
// any Prometheus library (docs/metrics.md). To prove the check can fail,
// it must find them in the packages that build the provider.
func TestOnlyTheWiringKnowsPrometheus(t *testing.T) {
	t.Parallel()
	exporterDeps := func(p pkg) []string {
		var out []string
		for _, d := range p.Deps {
			if strings.HasPrefix(d, "github.com/prometheus/") || strings.HasPrefix(d, "go.opentelemetry.io/otel/sdk/metric") ||
				strings.HasPrefix(d, "go.opentelemetry.io/otel/exporters/prometheus") {
				out = append(out, d)
			}
		}
		return out
	}
	byPath := map[string]pkg{}
	for _, p := range listAll(t) {
		byPath[p.ImportPath] = p
	}
	for _, rel := range []string{"internal/salesforce", "internal/session", "internal/handlers", "internal/cache", "internal/service"} {
		if bad := exporterDeps(byPath[module+rel]); len(bad) > 0 {
			t.Errorf("%s depends on %s: it records through the MeterProvider it is given; only cmd/gateway and internal/telemetry build the exporter", rel, bad[0])
		}
	}
	for _, rel := range []string{"internal/telemetry", "cmd/gateway"} {
		if len(exporterDeps(byPath[module+rel])) == 0 {
			t.Errorf("%s links no exporter: the check above cannot see what it forbids", rel)
		}
	}
}
