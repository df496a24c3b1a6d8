package e2eclient

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// TestGeneratedClientIsCurrent runs the //go:generate line of gen.go into a
// temporary file and compares it byte for byte with the committed
// client.gen.go, so a change to api/openapi.yaml without regenerating
// fails. The generator comes from the Go module proxy (or the module
// cache), as `go generate` fetches it.
func TestGeneratedClientIsCurrent(t *testing.T) {
	src, err := os.ReadFile("gen.go")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^//go:generate go run (\S+) -config oapi-codegen.yaml (\S+)$`).FindSubmatch(src)
	if m == nil {
		t.Fatal("gen.go has no //go:generate line of the expected form")
	}
	generator, spec := string(m[1]), string(m[2])
	cfg, err := os.ReadFile("oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "client.gen.go")
	cfg = regexp.MustCompile(`(?m)^output: .*$`).ReplaceAll(cfg, []byte("output: "+out))
	cfgPath := filepath.Join(t.TempDir(), "oapi-codegen.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), "go", "run", generator, "-config", cfgPath, spec)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run %s: %v\n%s", generator, err, b)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("client.gen.go is not what %s makes of %s (%d bytes generated, %d committed): run `go generate ./internal/e2eclient`", generator, spec, len(got), len(want))
	}
}
