package deploytest

import (
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/sfgate/sfgate/internal/session"
	"github.com/sfgate/sfgate/internal/sfsim"
)

// composeFile is the subset of the Compose specification the tests read.
type composeFile struct {
	Services map[string]composeService `yaml:"services"`
}

type composeService struct {
	Image       string                       `yaml:"image"`
	Build       *composeBuild                `yaml:"build"`
	Command     []string                     `yaml:"command"`
	Environment map[string]string            `yaml:"environment"`
	Ports       []string                     `yaml:"ports"`
	NetworkMode string                       `yaml:"network_mode"`
	DependsOn   map[string]composeDependency `yaml:"depends_on"`
	Healthcheck *composeHealthcheck          `yaml:"healthcheck"`
	ReadOnly    bool                         `yaml:"read_only"`
	CapDrop     []string                     `yaml:"cap_drop"`
}

type composeBuild struct {
	Context string `yaml:"context"`
	Target  string `yaml:"target"`
}

type composeDependency struct {
	Condition string `yaml:"condition"`
}

type composeHealthcheck struct {
	Test        []string `yaml:"test"`
	Interval    string   `yaml:"interval"`
	Timeout     string   `yaml:"timeout"`
	Retries     int      `yaml:"retries"`
	StartPeriod string   `yaml:"start_period"`
}

func readCompose(t *testing.T) composeFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, "docker-compose.yml"))
	if err != nil {
		t.Fatal(err)
	}
	// Compose interpolates ${VAR}; the file must not depend on the caller's
	// environment to mean what it says.
	if strings.Contains(string(b), "${") {
		t.Errorf("docker-compose.yml interpolates variables; the demo must be self-contained")
	}
	var c composeFile
	if err := yaml.Unmarshal(b, &c); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	if len(c.Services) == 0 {
		t.Fatal("docker-compose.yml has no services")
	}
	return c
}

func TestCompose(t *testing.T) {
	t.Parallel()
	c := readCompose(t)
	known := gatewayEnv(t)
	stages := parseDockerfile(t)

	var gateways []string
	for name, s := range c.Services {
		if s.Build != nil && s.Build.Target == "gateway" {
			gateways = append(gateways, name)
		}
	}
	slices.Sort(gateways)
	if len(gateways) < 2 {
		t.Fatalf("gateway services %v: want two replicas to show shared sessions", gateways)
	}
	for _, want := range []string{"redis", "sfsim"} {
		if _, ok := c.Services[want]; !ok {
			t.Fatalf("no %s service", want)
		}
	}

	t.Run("healthchecks and dependencies", func(t *testing.T) {
		t.Parallel()
		checkComposeHealth(t, c, stages, gateways)
	})
	t.Run("gateway environment", func(t *testing.T) {
		t.Parallel()
		checkComposeGateways(t, c, stages, gateways, known)
	})
}

// checkComposeHealth checks that every service has an exec-form
// healthcheck whose binary its image ships, and waits only for healthy
// services; the gateways wait for Redis and sfsim.
func checkComposeHealth(t *testing.T, c composeFile, stages []stage, gateways []string) {
	t.Helper()
	for name, s := range c.Services {
		hc := s.Healthcheck
		if hc == nil || len(hc.Test) < 2 || hc.Test[0] != "CMD" || hc.Interval == "" || hc.Timeout == "" || hc.Retries == 0 {
			t.Errorf("%s: healthcheck %+v, want an exec-form (CMD) test with interval, timeout and retries", name, hc)
			continue
		}
		// Our images are distroless: the probe must be a binary the
		// stage ships, not a shell command.
		if s.Build != nil {
			st := findStage(t, stages, s.Build.Target)
			if !copiedBinaries(t, st)[hc.Test[1]] {
				t.Errorf("%s: healthcheck runs %s, which stage %s does not contain", name, hc.Test[1], st.name)
			}
		}
		for dep, d := range s.DependsOn {
			if d.Condition != "service_healthy" {
				t.Errorf("%s depends on %s with condition %q, want service_healthy", name, dep, d.Condition)
			}
			if ds, ok := c.Services[dep]; !ok || ds.Healthcheck == nil {
				t.Errorf("%s depends on %s, which has no healthcheck", name, dep)
			}
		}
	}
	for _, g := range gateways {
		for _, dep := range []string{"redis", "sfsim"} {
			if _, ok := c.Services[g].DependsOn[dep]; !ok {
				t.Errorf("%s does not wait for %s", g, dep)
			}
		}
	}
}

// checkComposeGateways checks the replicas' environment: only variables
// the gateway reads, sfsim's OAuth client on loopback, one key, Redis and
// org for all, a distinct published port each that its healthcheck probes.
func checkComposeGateways(t *testing.T, c composeFile, stages []stage, gateways []string, known map[string]bool) {
	t.Helper()
	sim := c.Services["sfsim"]
	simPort := flagValue(t, append(entrypoint(t, findStage(t, stages, "sfsim"))[1:], sim.Command...), "-addr")
	published := map[string]bool{}
	for _, p := range sim.Ports {
		host, container, _ := strings.Cut(p, ":")
		if host != container {
			t.Errorf("sfsim publishes %s; the demo's URLs assume the same port outside", p)
		}
		published[container] = true
	}
	if !published[portOf(t, simPort)] {
		t.Errorf("sfsim listens on %s but does not publish it (ports %v)", simPort, sim.Ports)
	}
	shared := map[string]string{}
	addrs := map[string]string{}
	for _, g := range gateways {
		s := c.Services[g]
		env := s.Environment
		for k := range env {
			if !known[k] {
				t.Errorf("%s sets %s, which the gateway does not read", g, k)
			}
		}
		// Loopback http is the only plain-http login URL the gateway
		// accepts outside --demo, hence sfsim's network namespace.
		if s.NetworkMode != "service:sfsim" {
			t.Errorf("%s network_mode %q, want service:sfsim", g, s.NetworkMode)
		}
		u, err := url.Parse(env["SF_LOGIN_URL"])
		if err != nil || u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() != portOf(t, simPort) {
			t.Errorf("%s SF_LOGIN_URL %q is not sfsim on loopback port %s", g, env["SF_LOGIN_URL"], portOf(t, simPort))
		}
		if env["SF_CLIENT_ID"] != sfsim.DemoClientID || env["SF_CLIENT_SECRET"] != sfsim.DemoClientSecret {
			t.Errorf("%s does not use sfsim's OAuth client %s", g, sfsim.DemoClientID)
		}
		if _, err := session.ParseKeys(env["CACHE_ENCRYPTION_KEY"]); err != nil {
			t.Errorf("%s CACHE_ENCRYPTION_KEY: %v", g, err)
		}
		if r, err := url.Parse(env["REDIS_URL"]); err != nil || r.Scheme != "redis" || r.Hostname() != "redis" {
			t.Errorf("%s REDIS_URL %q is not the redis service", g, env["REDIS_URL"])
		}
		// Sessions are shared only if every replica encrypts with the
		// same key, logs in to the same org and uses the same Redis.
		for _, k := range []string{"CACHE_ENCRYPTION_KEY", "REDIS_URL", "SF_LOGIN_URL", "SF_CLIENT_ID"} {
			if prev, ok := shared[k]; ok && prev != env[k] {
				t.Errorf("%s %s differs from the other replicas'", g, k)
			}
			shared[k] = env[k]
		}
		port := portOf(t, env["GATEWAY_ADDR"])
		if other, dup := addrs[port]; dup {
			t.Errorf("%s and %s both listen on %s in one network namespace", g, other, port)
		}
		addrs[port] = g
		if !published[port] {
			t.Errorf("%s listens on %s, which sfsim does not publish", g, port)
		}
		hc, err := url.Parse(s.Healthcheck.Test[len(s.Healthcheck.Test)-1])
		if err != nil || hc.Port() != port || hc.Path != "/readyz" {
			t.Errorf("%s healthcheck %v does not probe its own /readyz on %s", g, s.Healthcheck.Test, port)
		}
		if !s.ReadOnly || !slices.Contains(s.CapDrop, "ALL") {
			t.Errorf("%s: read_only %v, cap_drop %v", g, s.ReadOnly, s.CapDrop)
		}
	}
}

// flagValue returns the value of a flag in an argument list (last wins).
func flagValue(t *testing.T, args []string, name string) string {
	t.Helper()
	v := ""
	for i, a := range args {
		if a == name && i+1 < len(args) {
			v = args[i+1]
		} else if s, ok := strings.CutPrefix(a, name+"="); ok {
			v = s
		}
	}
	if v == "" {
		t.Fatalf("no %s in %v", name, args)
	}
	return v
}

func portOf(t *testing.T, addr string) string {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatalf("%q is not host:port: %v", addr, err)
	}
	if _, err := strconv.Atoi(p); err != nil {
		t.Fatalf("%q has no numeric port", addr)
	}
	return p
}
