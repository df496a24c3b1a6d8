package deploytest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Helm that renders the chart in tests: the real helm CLI, built from
// the Go module proxy at a pinned version outside our go.mod, so the main
// module does not carry Kubernetes' dependency tree (docs/deploy.md).
const (
	helmPackage = "helm.sh/helm/v3/cmd/helm"
	helmVersion = "v3.22.0"
	// minKube is the chart's kubeVersion floor (lifecycle.preStop.sleep).
	minKube = "1.30.0"
)

// chartDir is the chart under test.
var chartDir = filepath.Join(root, "helm", "sfgate")

// helmBinary returns the path of the pinned helm: $SFGATE_HELM if set, else
// a copy built once into the user cache directory by `go install`.
var helmBinary = sync.OnceValues(func() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if p := os.Getenv("SFGATE_HELM"); p != "" {
		return p, checkHelmVersion(ctx, p)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for helm (set SFGATE_HELM): %w", err)
	}
	dir := filepath.Join(cache, "sfgate", "helm-"+helmVersion)
	bin := filepath.Join(dir, "helm")
	if checkHelmVersion(ctx, bin) == nil {
		return bin, nil
	}
	cmd := exec.CommandContext(ctx, "go", "install", helmPackage+"@"+helmVersion)
	cmd.Dir = os.TempDir() // outside our module: helm's own go.mod and go.sum decide
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build helm %s (needs the Go module proxy; or set SFGATE_HELM): %v\n%s", helmVersion, err, out)
	}
	return bin, checkHelmVersion(ctx, bin)
})

// checkHelmVersion reads the module version from the binary's build
// information: a helm built by go install reports only "v3.22" itself.
func checkHelmVersion(ctx context.Context, bin string) error {
	if _, err := os.Stat(bin); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "go", "version", "-m", bin).Output()
	if err != nil {
		return fmt.Errorf("go version -m %s: %w", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" && f[1] == "helm.sh/helm/v3" {
			if f[2] != helmVersion {
				return fmt.Errorf("%s is helm %s, want %s", bin, f[2], helmVersion)
			}
			return nil
		}
	}
	return fmt.Errorf("%s is not a helm built from helm.sh/helm/v3", bin)
}

// helm runs the pinned helm with a private home, so no user repository or
// plugin changes what it does, and returns stdout and stderr.
func helm(t *testing.T, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin, berr := helmBinary()
	if berr != nil {
		t.Fatal(berr)
	}
	home := t.TempDir()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Env = append(os.Environ(),
		"HELM_CONFIG_HOME="+filepath.Join(home, "config"),
		"HELM_CACHE_HOME="+filepath.Join(home, "cache"),
		"HELM_DATA_HOME="+filepath.Join(home, "data"),
	)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.String(), errb.String(), err
}

// release is the release name the tests render with; the chart's resources
// are then called "demo-sfgate".
const release = "demo"

// render runs `helm template` over the chart with extra arguments (--set,
// -f) and returns its manifests by kind and name.
func render(t *testing.T, args ...string) manifests {
	t.Helper()
	all := append([]string{"template", release, chartDir, "--namespace", "sfgate", "--kube-version", minKube}, args...)
	out, stderr, err := helm(t, all...)
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(all, " "), err, stderr)
	}
	m := manifests{}
	for _, doc := range decodeAll(t, []byte(out)) {
		k := str(doc, "kind") + "/" + str(doc, "metadata", "name")
		if _, dup := m[k]; dup {
			t.Fatalf("%s rendered twice", k)
		}
		m[k] = doc
	}
	return m
}

// manifests are rendered objects keyed "Kind/name".
type manifests map[string]map[string]any

// one returns the only object of a kind, failing unless there is exactly one.
func (m manifests) one(t *testing.T, kind string) map[string]any {
	t.Helper()
	var found []map[string]any
	for k, v := range m {
		if strings.HasPrefix(k, kind+"/") {
			found = append(found, v)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s, want 1 (have %v)", len(found), kind, m.keys())
	}
	return found[0]
}

func (m manifests) has(kind string) bool {
	for k := range m {
		if strings.HasPrefix(k, kind+"/") {
			return true
		}
	}
	return false
}

func (m manifests) keys() []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
