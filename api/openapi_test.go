package api

import (
	"context"
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
	dir, err := filepath.Abs("../tools/openapi-lint")
	if err != nil {
		t.Fatal(err)
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is needed to lint api/openapi.yaml (apt-get install npm): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if _, err := os.Stat(filepath.Join(dir, "node_modules", ".bin", "redocly")); err != nil {
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
		}
	}
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
