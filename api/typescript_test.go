package api

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestTypeScriptClient generates TypeScript types from the document with
// openapi-typescript 7 (pinned in tools/openapi-ts), as an app using
// openapi-fetch would, and type-checks the programs in
// tools/openapi-ts/testdata with tsc: typed.ts, a correct use, must
// compile; each misuse_*.ts must fail with the error its "// want:" line
// names. So a query page whose records come out unknown, a property with
// a default that comes out required, or a Condition that lets nonsense
// through fails here.
func TestTypeScriptClient(t *testing.T) {
	t.Parallel()
	ctx, dir := npmTools(t, "../tools/openapi-ts", "openapi-typescript")
	bin := func(name string) string { return filepath.Join(dir, "node_modules", ".bin", name) }
	// Inside the tools folder, so that the programs resolve openapi-fetch
	// from its node_modules.
	work, err := os.MkdirTemp(dir, "check-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(work) })
	spec, err := filepath.Abs("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	gen := exec.CommandContext(ctx, bin("openapi-typescript"), spec, "-o", filepath.Join(work, "schema.d.ts"))
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("openapi-typescript: %v\n%s", err, out)
	}
	programs, err := filepath.Glob(filepath.Join(dir, "testdata", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var misuses []string
	for _, p := range programs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(work, filepath.Base(p)), b, 0o600); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(filepath.Base(p), "misuse_") {
			misuses = append(misuses, filepath.Base(p))
		}
	}
	if len(misuses) < 5 {
		t.Fatalf("%d misuse programs in testdata; want them all", len(misuses))
	}
	// One tsc run over every program; its errors are told apart by file.
	cmd := exec.CommandContext(ctx, bin("tsc"), "-p", "tsconfig.json")
	cmd.Dir = work
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("tsc found no error at all; every misuse_*.ts should have one")
	}
	errs := map[string][]string{} // file → its error lines
	for line := range strings.Lines(string(out)) {
		if file, _, ok := strings.Cut(line, "("); ok && strings.Contains(line, ": error TS") {
			errs[file] = append(errs[file], strings.TrimSpace(line))
		}
	}
	if e := errs["typed.ts"]; len(e) > 0 {
		t.Errorf("typed.ts does not type-check against the generated client:\n%s", strings.Join(e, "\n"))
	}
	for _, m := range misuses {
		src, err := os.ReadFile(filepath.Join(work, m))
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(src), "\n")
		want, ok := strings.CutPrefix(first, "// want: ")
		switch {
		case !ok:
			t.Errorf("%s does not start with a // want: line", m)
		case len(errs[m]) == 0:
			t.Errorf("%s type-checks; the generated client should refuse it (%s)", m, want)
		case !strings.Contains(strings.Join(errs[m], "\n"), want):
			t.Errorf("%s: tsc failed without %s:\n%s", m, want, strings.Join(errs[m], "\n"))
		}
	}
	if len(errs) == 0 {
		t.Errorf("tsc failed without naming a file:\n%s", out)
	}
}
