package api

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// TestLint runs the pinned Redocly CLI (tools/openapi-lint) over the
// document. It installs the linter with `npm ci` when it is missing rather
// than skipping: an unlinted spec must not pass CI.
func TestLint(t *testing.T) {
	t.Parallel()
	ctx, dir := npmTools(t, "../tools/openapi-lint", "redocly")
	cmd := exec.CommandContext(ctx, filepath.Join(dir, "node_modules", ".bin", "redocly"),
		"lint", "--config", "redocly.yaml", "--format", "codeframe", "--max-problems", "200", "../../api/openapi.yaml")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "REDOCLY_TELEMETRY=off", "REDOCLY_SUPPRESS_UPDATE_NOTICE=true")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("redocly lint failed: %v\n%s", err, out)
	}
	// Warnings do not fail redocly's exit code; we hold the document to none.
	// Redocly prints this line only when it found neither errors nor warnings.
	if !strings.Contains(string(out), "Woohoo! Your API description is valid") {
		t.Fatalf("redocly lint reported problems:\n%s", out)
	}
}

// npmTools returns the absolute path of the Node project rel (relative to
// this package), installing its locked dependencies with `npm ci` when
// node_modules lacks bin, rather than skipping: the checks they run must
// not pass unrun.
// The context bounds the test's use of the tools to five minutes.
func npmTools(t *testing.T, rel, bin string) (context.Context, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	t.Cleanup(cancel)
	dir, err := filepath.Abs(rel)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", bin)); err == nil {
		return ctx, dir
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is needed to run %s from %s (apt-get install npm): %v", bin, rel, err)
	}
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return ctx, dir
}

// TestLoads checks that kin-openapi, which enforces the document at run
// time, accepts it too, examples included.
func TestLoads(t *testing.T) {
	t.Parallel()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if err := doc.Validate(t.Context(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatalf("validate: %v", err)
	}
	seen := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				t.Errorf("%s %s has no operationId", method, path)
			}
			if seen[op.OperationID] {
				t.Errorf("operationId %s used twice", op.OperationID)
			}
			seen[op.OperationID] = true
			if len(op.Tags) == 0 {
				t.Errorf("%s %s has no tag", method, path)
			}
		}
	}
}

// trackedHeaders are the headers every /v1 answer declares (docs/http-api.md,
// "Tracked properties").
var trackedHeaders = []string{"X-Request-Id", "X-Salesforce-Calls", "Sforce-Limit-Info"}

// TestGeneratorFriendly holds the document to what client generators
// (openapi-typescript with openapi-fetch, orval, oapi-codegen) need to make
// typed clients of it: one media type per success answer, no schema
// defaults (openapi-typescript 7 makes a property with a default
// non-optional), an example on every error answer, the tracked headers on
// every /v1 answer, a relative server, and stream twins that exist.
func TestGeneratorFriendly(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(OpenAPI)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	if len(doc.Servers) != 1 || doc.Servers[0].URL != "/" {
		t.Errorf("servers = %v, want the one relative server /", doc.Servers)
	}
	ops := map[string]*openapi3.Operation{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = op
		}
	}
	seen := map[*openapi3.Schema]bool{}
	var noDefaults func(where string, ref *openapi3.SchemaRef)
	noDefaults = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if s.Default != nil {
			t.Errorf("%s has a default (%v): generators make it a required property; say it in the description", where, s.Default)
		}
		for name, p := range s.Properties {
			noDefaults(where+"/"+name, p)
		}
		for i, sub := range append(append(append(append([]*openapi3.SchemaRef{}, s.OneOf...), s.AnyOf...), s.AllOf...), s.Items, s.Not) {
			noDefaults(fmt.Sprintf("%s[%d]", where, i), sub)
		}
		if s.AdditionalProperties.Schema != nil {
			noDefaults(where+"/*", s.AdditionalProperties.Schema)
		}
	}
	for name, ref := range doc.Components.Schemas {
		noDefaults("#/components/schemas/"+name, ref)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range append(append(openapi3.Parameters{}, item.Parameters...), op.Parameters...) {
				noDefaults(where+" parameter "+p.Value.Name, p.Value.Schema)
			}
			if op.RequestBody != nil {
				for mt, c := range op.RequestBody.Value.Content {
					noDefaults(where+" body "+mt, c.Schema)
				}
			}
			if twin, ok := op.Extensions["x-ndjson-operation"]; ok {
				id, _ := twin.(string)
				tw := ops[id]
				if tw == nil {
					t.Errorf("%s names stream twin %v, which is no operation", where, twin)
				} else if ok := tw.Responses.Status(200); ok == nil || len(ok.Value.Content) != 1 || ok.Value.Content.Get("application/x-ndjson") == nil {
					t.Errorf("%s names stream twin %s, whose 200 is not application/x-ndjson alone", where, id)
				}
			}
			for code, resp := range op.Responses.Map() {
				r := resp.Value
				if strings.HasPrefix(code, "2") && len(r.Content) > 1 {
					t.Errorf("%s %s declares %d media types: a generated client cannot type the answer", where, code, len(r.Content))
				}
				if strings.HasPrefix(path, "/v1/") {
					for _, h := range trackedHeaders {
						if r.Headers[h] == nil {
							t.Errorf("%s %s does not declare %s", where, code, h)
						}
					}
				}
				if pj := r.Content.Get("application/problem+json"); pj != nil && pj.Example == nil && len(pj.Examples) == 0 {
					t.Errorf("%s %s: problem+json answer without an example", where, code)
				}
				for mt, c := range r.Content {
					noDefaults(where+" "+code+" "+mt, c.Schema)
				}
			}
		}
	}
}
