package deploytest

import (
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ociLabels are the OCI image annotations both images carry
// (https://github.com/opencontainers/image-spec/blob/main/annotations.md).
var ociLabels = []string{
	"org.opencontainers.image.title", "org.opencontainers.image.version", "org.opencontainers.image.revision",
	"org.opencontainers.image.created", "org.opencontainers.image.source", "org.opencontainers.image.licenses",
}

// TestDockerfileRelease checks what makes a released image identifiable:
// every base pinned by a digest ARG that scripts/build-image.sh resolves,
// the version and commit stamped into the binaries by -ldflags -X on
// variables cmd/gateway declares, and the OCI labels filled from ARGs the
// script passes.
func TestDockerfileRelease(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t)
	script, err := os.ReadFile(filepath.Join(root, "scripts", "build-image.sh"))
	if err != nil {
		t.Fatal(err)
	}
	passed := map[string]string{}
	for _, m := range regexp.MustCompile(`--build-arg ([A-Z_]+)="([^"]*)"`).FindAllStringSubmatch(string(script), -1) {
		passed[m[1]] = m[2]
	}

	// Bases: each FROM ends in a pin ARG the script fills with "@" and a
	// digest it resolved.
	pinned := regexp.MustCompile(`^[^@]+\$\{([A-Z_]+_PIN)\}$`)
	for _, s := range stages {
		m := pinned.FindStringSubmatch(s.raw)
		if m == nil {
			t.Errorf("stage %s FROM %q is not pinned by a *_PIN digest ARG", s.name, s.raw)
			continue
		}
		if v, ok := passed[m[1]]; !ok || !strings.HasPrefix(v, "@${") || !strings.Contains(string(script), "digest()") {
			t.Errorf("scripts/build-image.sh does not pass %s as @<resolved digest> (passes %q)", m[1], v)
		}
		ref := strings.Replace(s.raw, "${"+m[1]+"}", "@sha256:"+strings.Repeat("0", 64), 1)
		ref = os.Expand(ref, func(k string) string { return map[string]string{"GO_VERSION": "1.26"}[k] })
		if !regexp.MustCompile(`^[a-z0-9./-]+:[a-z0-9.-]+@sha256:[a-f0-9]{64}$`).MatchString(ref) {
			t.Errorf("stage %s pinned is %q, not name:tag@sha256:digest", s.name, ref)
		}
	}

	// Version and commit: -X on main's variables, from ARGs the script sets.
	build := findStage(t, stages, "build")
	var buildRun string
	for _, r := range build.all("RUN") {
		if strings.Contains(r, "go build") {
			buildRun = r
		}
	}
	for variable, arg := range map[string]string{"version": "VERSION", "commit": "REVISION"} {
		if !strings.Contains(buildRun, "-X main."+variable+"=${"+arg+"}") {
			t.Errorf("go build does not stamp main.%s from ${%s}: %s", variable, arg, buildRun)
		}
		if _, ok := build.args()[arg]; !ok {
			t.Errorf("the build stage does not declare ARG %s", arg)
		}
		if _, ok := passed[arg]; !ok {
			t.Errorf("scripts/build-image.sh does not pass %s", arg)
		}
	}
	vars := mainStringVars(t)
	for _, v := range []string{"version", "commit"} {
		if _, ok := vars[v]; !ok {
			t.Errorf("cmd/gateway has no package-level string variable %s for -X to set", v)
		}
	}

	// Labels: all six, each a literal or an ARG of the stage that sets it
	// (an ARG ends with its stage), inherited from a parent stage or not.
	for _, name := range []string{"gateway", "sfsim"} {
		labels := map[string]string{}
		for s := findStage(t, stages, name); ; s = *s.parent {
			args := s.args()
			for _, l := range s.all("LABEL") {
				for _, f := range shellFields(l) {
					k, v, _ := strings.Cut(f, "=")
					if _, set := labels[k]; !set {
						labels[k] = v
					}
					for _, ref := range regexp.MustCompile(`\$\{([A-Z_]+)\}`).FindAllStringSubmatch(v, -1) {
						if _, declared := args[ref[1]]; !declared {
							t.Errorf("stage %s label %s uses ${%s}, which the stage does not declare", s.name, k, ref[1])
						}
					}
				}
			}
			if s.parent == nil {
				break
			}
		}
		for _, k := range ociLabels {
			if labels[k] == "" {
				t.Errorf("image %s has no label %s", name, k)
			}
		}
		for arg, label := range map[string]string{"VERSION": "version", "REVISION": "revision", "CREATED": "created"} {
			if labels["org.opencontainers.image."+label] != "${"+arg+"}" {
				t.Errorf("image %s label org.opencontainers.image.%s is not ${%s}", name, label, arg)
			}
		}
	}
}

// mainStringVars lists cmd/gateway's package-level variables initialised
// with a string literal (what -ldflags -X can set).
func mainStringVars(t *testing.T) map[string]string {
	t.Helper()
	files, err := parsePackage(filepath.Join(root, "cmd", "gateway"))
	if err != nil {
		t.Fatal(err)
	}
	return stringDecls(files, token.VAR)
}
