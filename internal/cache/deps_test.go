package cache_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoneOfOurs keeps the package boundary of STYLE.md honest: the
// cache imports none of the gateway's packages.
func TestImportsNoneOfOurs(t *testing.T) {
	t.Parallel()
	out, err := exec.CommandContext(t.Context(), "go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		if strings.HasPrefix(p, "github.com/sfgate/sfgate/") && p != "github.com/sfgate/sfgate/internal/cache" {
			t.Errorf("internal/cache imports %s", p)
		}
	}
}
