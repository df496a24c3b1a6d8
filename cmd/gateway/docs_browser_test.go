package main

// /docs in a real browser (issue 10): Debian's headless Chromium loads the
// page from a gateway, with every host name but 127.0.0.1 made
// unresolvable, and the test checks that Redoc rendered every operation
// of the spec and that the page asked for nothing but the gateway.

import (
	"bytes"
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfgate/sfgate/api"
)

// chromiumForTest returns the path of Debian's chromium, failing t with
// what to do when it is missing (./test.sh installs it).
func chromiumForTest(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("chromium is not installed: this test needs Debian's headless Chromium (apt-get install chromium; ./test.sh installs it)")
	}
	return p
}

// browserLoad is what headless Chromium made of one page.
type browserLoad struct {
	dom string
	// cspRefusals are the console's Content-Security-Policy refusals:
	// loads the browser blocked before any request (so not in the net log).
	cspRefusals []string
	// requests are the URLs the page asked for (pageRequests).
	requests []string
}

// loadInChromium loads pageURL in Debian's headless Chromium, with every
// host name but 127.0.0.1 unresolvable, scripts run for up to 10 s of
// virtual time, and returns the rendered DOM, CSP refusals and requests.
func loadInChromium(t *testing.T, pageURL string) browserLoad {
	t.Helper()
	chromium := chromiumForTest(t)
	dir := t.TempDir()
	netlog := filepath.Join(dir, "netlog.json")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, chromium,
		"--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--user-data-dir="+filepath.Join(dir, "profile"),
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-default-apps", "--disable-extensions",
		// Any host but the gateway's fails to resolve: a request off the
		// gateway cannot succeed, and the net log shows it was attempted.
		"--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
		"--log-net-log="+netlog,
		// Console messages (a Content-Security-Policy refusal among them)
		// go to stderr.
		"--enable-logging=stderr", "--v=0",
		"--virtual-time-budget=10000", "--dump-dom", pageURL)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	t.Logf("chromium loaded %s in %v", pageURL, time.Since(start).Round(time.Millisecond))
	u, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	load := browserLoad{dom: stdout.String(), requests: pageRequests(t, netlog, u.Scheme+"://"+u.Host)}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "Content Security Policy") {
			load.cspRefusals = append(load.cspRefusals, line)
		}
	}
	return load
}

func TestDocsPageMakesNoRequestOffTheGateway(t *testing.T) {
	t.Parallel()
	base, _, _ := boot(t, []string{"--demo"}, map[string]string{})
	load := loadInChromium(t, base+"/docs")

	// Every operation's summary is in the rendered page (the menu and the
	// operation's heading): Redoc fetched the spec and rendered it.
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	n := 0
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			n++
			if !strings.Contains(load.dom, html.EscapeString(op.Summary)) {
				missing = append(missing, op.Summary)
			}
		}
	}
	if n < 10 || len(missing) > 0 {
		t.Errorf("%d operations in the spec; the rendered page lacks %q\n%.3000s", n, missing, load.dom)
	}

	for _, line := range load.cspRefusals {
		t.Errorf("the page tried a load its policy refuses: %s", line)
	}
	t.Logf("the page's requests: %q", load.requests)
	for _, want := range []string{base + "/docs", base + "/docs/redoc.standalone.js", base + "/openapi.yaml"} {
		if !slices.Contains(load.requests, want) {
			t.Errorf("the net log lacks the page's request for %s (is it recording?): %q", want, load.requests)
		}
	}
	for _, u := range load.requests {
		if !strings.HasPrefix(u, base+"/") {
			t.Errorf("the page requested %s, off the gateway", u)
		}
	}
}

// TestBrowserCheckSeesOffSiteLoads shows the checks above can fail: a page
// whose policy refuses an off-site image and that fetches another site
// shows both, one as a CSP refusal, the other as a request.
func TestBrowserCheckSeesOffSiteLoads(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/page" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Security-Policy", "img-src 'self'")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, `<!DOCTYPE html><html><body><img src="https://cdn.example.com/logo.svg">`+
			`<script>fetch("https://api.example.org/data").catch(() => {})</script>rendered</body></html>`)
	}))
	defer srv.Close()
	load := loadInChromium(t, srv.URL+"/page")
	if !strings.Contains(load.dom, "rendered") {
		t.Errorf("DOM %q", load.dom)
	}
	if !slices.ContainsFunc(load.cspRefusals, func(l string) bool { return strings.Contains(l, "https://cdn.example.com/logo.svg") }) {
		t.Errorf("the refused image is not among the CSP refusals %q", load.cspRefusals)
	}
	if !slices.Contains(load.requests, "https://api.example.org/data") {
		t.Errorf("the off-site fetch is not among the page's requests %q", load.requests)
	}
}

// pageRequests returns the URLs of the requests a Chromium net log shows
// made by the page at origin (its own load, and whatever it asked for):
// those whose initiator is that origin, and the main frame. Chromium's own
// traffic (update checks, network time, account probes, autofill queries
// about the page) has no initiator, so it is told apart without guessing
// its host names.
func pageRequests(t *testing.T, path, origin string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read the net log: %v", err)
	}
	var netLog struct {
		Constants struct {
			LogEventTypes map[string]int `json:"logEventTypes"`
		} `json:"constants"`
		Events []struct {
			Type   int            `json:"type"`
			Params map[string]any `json:"params"`
		} `json:"events"`
	}
	if err := json.Unmarshal(b, &netLog); err != nil {
		// Chromium may exit without closing the events array; its
		// documentation tells readers to close it themselves.
		fixed := strings.TrimRight(strings.TrimSpace(string(b)), ",") + "]}"
		if err2 := json.Unmarshal([]byte(fixed), &netLog); err2 != nil {
			t.Fatalf("decode the net log: %v", err)
		}
	}
	startJob, ok := netLog.Constants.LogEventTypes["URL_REQUEST_START_JOB"]
	if !ok {
		t.Fatal("the net log names no URL_REQUEST_START_JOB event type")
	}
	var urls []string
	for _, ev := range netLog.Events {
		if ev.Type != startJob {
			continue
		}
		initiator, _ := ev.Params["initiator"].(string)
		reqType, _ := ev.Params["request_type"].(string)
		u, _ := ev.Params["url"].(string)
		byPage := initiator == origin || reqType == "main frame" && strings.HasPrefix(u, origin+"/")
		if byPage && !slices.Contains(urls, u) {
			urls = append(urls, u)
		}
	}
	return urls
}
