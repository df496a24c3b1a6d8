package deploytest

import (
	"bytes"
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

	"go.yaml.in/yaml/v4"
)

// root is the repository root, from this package's directory.
var root = func() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}()

// designEnv is DESIGN.md's configuration contract (OTEL_* aside): the scan
// of cmd/gateway must find every one, so a scanner that silently finds
// nothing cannot make the name checks pass.
var designEnv = []string{
	"GATEWAY_ADDR", "SF_LOGIN_URL", "SF_CLIENT_ID", "SF_CLIENT_SECRET", "SF_USERNAME",
	"SF_JWT_KEY_FILE", "SF_PASSWORD", "SF_SECURITY_TOKEN", "SF_API_VERSION", "REDIS_URL",
	"CACHE_ENCRYPTION_KEY", "DESCRIBE_TTL", "LOG_LEVEL", "LOG_FORMAT",
}

// secretEnv are the variables whose values are confidential: they may reach
// a pod only through a Secret.
var secretEnv = []string{
	"SF_CLIENT_SECRET", "SF_PASSWORD", "SF_SECURITY_TOKEN", "CACHE_ENCRYPTION_KEY", "REDIS_URL", "GATEWAY_API_KEYS",
	"GATEWAY_CURSOR_KEY", "REDIS_PASSWORD", "REDIS_SENTINEL_PASSWORD",
}

var gatewayEnvOnce = sync.OnceValues(func() (map[string]bool, error) {
	return ReadEnvNames(filepath.Join(root, "cmd", "gateway"))
})

// gatewayEnv returns the variables the gateway reads.
func gatewayEnv(t *testing.T) map[string]bool {
	t.Helper()
	names, err := gatewayEnvOnce()
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// decodeAll decodes a stream of YAML documents, skipping empty ones.
func decodeAll(t *testing.T, b []byte) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return docs
		}
		if err != nil {
			t.Fatalf("decode YAML: %v\n%s", err, b)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
}

// get walks a decoded YAML tree: string keys index maps, ints index lists.
// It returns nil when a step is missing.
func get(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return nil
			}
			v = l[k]
		default:
			panic(fmt.Sprintf("get: bad path element %T", p))
		}
	}
	return v
}

func str(v any, path ...any) string {
	s, _ := get(v, path...).(string)
	return s
}

func list(v any, path ...any) []any {
	l, _ := get(v, path...).([]any)
	return l
}

func obj(v any, path ...any) map[string]any {
	m, _ := get(v, path...).(map[string]any)
	return m
}

// num returns a decoded YAML integer as an int, failing the test otherwise.
func num(t *testing.T, v any, path ...any) int {
	t.Helper()
	switch n := get(v, path...).(type) {
	case int:
		return n
	case int64:
		return int(n)
	case uint64:
		return int(n)
	}
	t.Fatalf("%v: not an integer: %#v", path, get(v, path...))
	return 0
}

// goCmd runs the go command with the test's environment, failing with its
// output.
func goCmd(t *testing.T, dir string, env []string, args ...string) []byte {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), "go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}
