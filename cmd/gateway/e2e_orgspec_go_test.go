package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// oapiCodegen is the generator internal/e2eclient pins (gen.go).
const oapiCodegen = "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2"

// The Go programs compiled against oapi-codegen's models of the typed
// document: good uses Support_Tier__c on the create body (Name is required,
// so a plain string) and reads it from the read type; each misuse must not
// compile.
const goGood = `package main

import "orgcheck/org"

func main() {
	tier := org.AccountCreateSupportTierCGold
	create := org.AccountCreate{Name: "Acme", SupportTierC: &tier}
	var got org.Account
	var read *org.AccountSupportTierC = got.SupportTierC
	_, _ = create, read
}
`

var goMisuses = []struct{ name, code, want string }{
	{"wrong type", `_ = org.AccountCreate{Name: "Acme", SupportTierC: 42}`, "cannot use 42"},
	{"unknown field", `_ = org.AccountCreate{Name: "Acme", TierTypoC: nil}`, "unknown field TierTypoC"},
	{"read-only field in an update", `_ = org.AccountUpdate{CreatedDate: nil}`, "unknown field CreatedDate"},
	{"required field as a pointer", `n := "Acme"; _ = org.AccountCreate{Name: &n}`, "cannot use &n"},
}

// goCheckClient generates Go models from doc with oapi-codegen and
// compiles the good program (must build) and each misuse (must not), in a
// module of their own that resolves oapi-codegen's runtime from the module
// cache only (the gateway depends on the same version).
func goCheckClient(t *testing.T, doc []byte) {
	t.Helper()
	dir := t.TempDir()
	sum, err := os.ReadFile("../../go.sum")
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"org.yaml": string(doc),
		"cfg.yaml": "package: org\noutput: org/org.gen.go\ngenerate:\n  models: true\noutput-options:\n  exclude-operation-ids: [getOpenAPI]\n",
		"go.mod":   "module orgcheck\n\ngo 1.26\n\nrequire github.com/oapi-codegen/runtime v1.9.0\n",
		"go.sum":   string(sum),
	}
	if err := os.Mkdir(filepath.Join(dir, "org"), 0o700); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	gen := exec.CommandContext(ctx, "go", "run", oapiCodegen, "-config", "cfg.yaml", "org.yaml")
	gen.Dir = dir
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("go run %s: %v\n%s", oapiCodegen, err, out)
	}
	build := func(program string) (string, error) {
		if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte(program), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", os.DevNull, ".")
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off")
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := build(goGood); err != nil {
		t.Fatalf("go build refused the program using Support_Tier__c: %v\n%s", err, out)
	}
	for _, m := range goMisuses {
		t.Run(m.name, func(t *testing.T) {
			prog := "package main\n\nimport \"orgcheck/org\"\n\nfunc main() {\n\t" + m.code + "\n}\n"
			out, err := build(prog)
			if err == nil {
				t.Fatalf("go build accepted a misuse:\n%s", prog)
			}
			if !strings.Contains(out, m.want) {
				t.Errorf("go build refused it, but not with %q:\n%s", m.want, out)
			}
		})
	}
}
