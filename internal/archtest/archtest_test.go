// Package archtest checks the import rules of docs/ARCHITECTURE.md with the
// go tool itself, so the package graph cannot drift from the design.
package archtest

import (
	"encoding/json"
	"io"
	"os/exec"
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
	// forbidden maps a package prefix to the module packages it must not
	// depend on, directly or not.
	gateway := []string{"internal/salesforce", "internal/session", "internal/cache", "internal/metadata", "internal/handlers", "cmd/"}
	rules := []struct {
		pkg       string
		forbidden []string
		why       string
	}{
		{"internal/salesforce", []string{"internal/"}, "the client asks a SessionSource; it imports none of ours"},
		{"internal/cache", []string{"internal/"}, "the cache never knows about Salesforce"},
		{"internal/sfsim", gateway, "the emulator writes its XML on its own"},
		{"internal/session", []string{"internal/handlers", "internal/metadata", "internal/sfsim"}, "session uses salesforce and cache only"},
		{"internal/metadata", []string{"internal/handlers", "internal/session", "internal/sfsim"}, "metadata uses salesforce and cache only"},
		{"internal/service", []string{"internal/handlers", "internal/session", "internal/sfsim", "cmd/"},
			"the engine speaks the domain; HTTP is the handlers' business and sessions the client's"},
		{"internal/handlers", []string{"internal/salesforce", "internal/session", "internal/metadata", "internal/cache", "internal/service", "internal/sfsim"},
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
				for _, f := range r.forbidden {
					if strings.HasPrefix(drel, f) && !strings.HasPrefix(drel, r.pkg) {
						t.Errorf("%s depends on %s: %s", rel, drel, r.why)
					}
				}
			}
		}
	}
}

// TestServiceSpeaksNoHTTP keeps statuses and requests out of the engine:
// internal/service imports neither net/http nor anything under it. (It
// still depends on net/http through the SOAP client, which is an HTTP
// client; that is the client's business, not the service's.)
func TestServiceSpeaksNoHTTP(t *testing.T) {
	t.Parallel()
	found := false
	for _, p := range listAll(t) {
		if p.ImportPath != module+"internal/service" {
			continue
		}
		found = true
		for _, imp := range p.Imports {
			if imp == "net/http" || strings.HasPrefix(imp, "net/http/") {
				t.Errorf("internal/service imports %s: statuses and requests are the handlers' business", imp)
			}
		}
	}
	if !found {
		t.Fatal("go list did not list internal/service")
	}
}
