// Command healthprobe GETs one URL and exits 0 when the answer is 2xx, 1
// otherwise. The gateway's container image is distroless (no shell, curl or
// wget), so Docker and docker compose healthchecks run this static binary
// instead: ["CMD", "/usr/local/bin/healthprobe", "http://127.0.0.1:8080/readyz"].
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "healthprobe:", err)
		os.Exit(1)
	}
}

// maxBody bounds how much of the answer is read (and echoed) so a
// misbehaving endpoint cannot make the probe use unbounded memory.
const maxBody = 4 << 10

// run GETs the one URL in args and reports an error unless the answer is
// 2xx within the timeout. The first bytes of the body go to stdout, where
// `docker inspect` shows them as the healthcheck's output.
func run(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("healthprobe", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	timeout := fs.Duration("timeout", 3*time.Second, "bound on the whole request")
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w (usage: healthprobe [-timeout 3s] http://host:port/path)", err)
	}
	if fs.NArg() != 1 {
		return errors.New("usage: healthprobe [-timeout 3s] http://host:port/path")
	}
	u, err := url.Parse(fs.Arg(0))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", fs.Arg(0))
	}
	if *timeout <= 0 {
		return fmt.Errorf("-timeout %s is not positive", *timeout)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	// Probes never follow redirects: a redirect to a login page is not health.
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u.Redacted(), err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxBody))
	if err != nil {
		return fmt.Errorf("GET %s: read body: %w", u.Redacted(), err)
	}
	if len(body) > 0 {
		fmt.Fprintf(stdout, "%s\n", body)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("GET %s: %s", u.Redacted(), res.Status)
	}
	return nil
}
