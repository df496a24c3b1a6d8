// Command sfbench measures the gateway against a bare reverse proxy in the
// same run: it starts sfsim in this process, and the gateway (cmd/gateway,
// with Redis) and a bare httputil.ReverseProxy as processes of their own in
// front of it, so that each one's CPU time and memory can be read from
// /proc. It prints one Markdown table of figures, baselines and ratios
// (docs/performance.md).
//
//	go run ./cmd/sfbench          # the full suite, a few minutes
//	go run ./cmd/sfbench -quick   # the same measurements, small, < 60 s
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// The baseline proxy is this program again, started with these variables.
const (
	roleEnv        = "SFBENCH_ROLE"
	roleProxy      = "proxy"
	proxyTargetEnv = "SFBENCH_PROXY_TARGET"
	proxyAddrEnv   = "SFBENCH_PROXY_ADDR"
	// proxyOpsAddrEnv is a second listener of the proxy's, apart from the
	// proxied traffic, that reports the bytes it has allocated.
	proxyOpsAddrEnv = "SFBENCH_PROXY_OPS_ADDR"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "sfbench:", err)
		os.Exit(1)
	}
}
