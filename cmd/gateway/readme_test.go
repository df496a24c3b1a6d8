package main

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/handlers/spectest"
)

// readmeExamples is the README section whose shell blocks are the examples
// a newcomer pastes against --demo.
const readmeExamples = "## The API, with examples against `--demo`"

// readmeBase is how the examples name the gateway: the address --demo
// listens on by default. The test's gateway listens on a port of its own,
// so this one assignment is the only text of the examples it replaces.
const readmeBase = "B=http://localhost:8080;"

// readmeShell runs before the examples: curl fails on any HTTP error status
// (printing the problem it got) instead of printing it and carrying on, and
// bash traces each command so a failure names it.
const readmeShell = `curl() { command curl --fail-with-body --show-error "$@"; }
PS4='+ README: '
set -x
`

// TestREADMEExamples runs every shell block of README.md's examples section,
// in order and in one bash session (so $ID, $OTHER, $LEAD and $CURSOR carry
// over from block to block), with -euo pipefail, against the gateway started
// as `go run ./cmd/gateway --demo` starts it. The README's opening block (run
// the gateway, run the tests) is checked, not run. Any command failing, any
// HTTP error status, and any answer the spec does not allow (every request
// goes through a proxy that checks answers against api/openapi.yaml) fails
// the test.
func TestREADMEExamples(t *testing.T) {
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("the README examples need bash, curl and jq, and %s is not installed (./test.sh installs them): %v", tool, err)
		}
	}
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	opening, examples := readmeBlocks(string(readme), readmeExamples)
	for _, want := range []string{"go run ./cmd/gateway --demo", "./test.sh"} {
		if !strings.Contains(opening, want) {
			t.Errorf("README.md's first block lacks %q:\n%s", want, opening)
		}
	}
	if len(examples) < 5 {
		t.Fatalf("README.md's section %q has %d shell blocks; want the examples there", readmeExamples, len(examples))
	}
	script := strings.Join(examples, "\n")
	if n := strings.Count(script, readmeBase); n != 1 {
		t.Fatalf("the examples assign %q %d times; the test replaces exactly one such assignment", readmeBase, n)
	}

	base, logs, stop := boot(t, []string{"--demo"}, map[string]string{})
	target, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	proxy := httptest.NewServer(&httputil.ReverseProxy{
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: spectest.New(t).Transport(t, tr),
	})
	t.Cleanup(proxy.Close)
	script = strings.Replace(script, readmeBase, "B="+proxy.URL+";", 1)

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-euo", "pipefail", "-c", readmeShell+script)
	// The proxy is on loopback; a proxy configured for the machine must
	// not come between.
	cmd.Env = append(os.Environ(), "NO_PROXY=*", "no_proxy=*")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("README examples: %v\n%s\ngateway log (tail):\n%s", err, tail(out.String(), 6000), tail(logs.text(), 3000))
	}
	if err := stop(); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// readmeBlocks returns the text of markdown's first fenced block and of
// every fenced sh block under the level-2 heading section.
func readmeBlocks(markdown, section string) (first string, blocks []string) {
	var (
		heading string
		block   *strings.Builder
		lang    string
		seen    bool
	)
	sc := bufio.NewScanner(strings.NewReader(markdown))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case block == nil && strings.HasPrefix(line, "```"):
			block, lang = &strings.Builder{}, strings.TrimPrefix(line, "```")
		case block != nil && strings.TrimSpace(line) == "```":
			if !seen {
				first, seen = block.String(), true
			}
			if heading == section && lang == "sh" {
				blocks = append(blocks, block.String())
			}
			block = nil
		case block != nil:
			block.WriteString(line)
			block.WriteByte('\n')
		case strings.HasPrefix(line, "## "):
			heading = line
		}
	}
	return first, blocks
}

// tail returns the last n bytes of s.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
