package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// run is the whole program; tests call it the way main does.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := flag.NewFlagSet("sfsim", flag.ContinueOnError)
	fs.SetOutput(stdout)
	addr := fs.String("addr", envOr(getenv, "SFSIM_ADDR", "127.0.0.1:8081"), "listen address")
	seed := fs.Int("seed-accounts", sfsim.DefaultSeedAccounts, "number of seeded accounts (0 for none)")
	seedValue := fs.Int64("seed", 1, "random seed of the generated data")
	limit := fs.Int("daily-limit", sfsim.DefaultDailyLimit, "daily API request allowance reported in LimitInfoHeader")
	idle := fs.Duration("session-timeout", sfsim.DefaultSessionTimeout, "idle time after which a session expires")
	noLogin := fs.Bool("disable-soap-login", false, "switch off SOAP login() as in orgs created since Winter '26")
	refusedFrom := fs.Float64("login-refused-from", sfsim.DefaultLoginRefusedAt, "first API version whose login() is refused")
	newest := fs.Float64("newest-version", sfsim.DefaultNewestVersion, "newest API version served")
	locators := fs.Duration("locator-lifetime", sfsim.DefaultLocatorLifetime, "how long a query locator stays usable")
	certFile := fs.String("jwt-cert", "", "PEM certificate (or public key) of the connected app for the JWT bearer flow; empty generates a key pair")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := sfsim.Config{
		DailyLimit: *limit, SessionTimeout: *idle, DisableSOAPLogin: *noLogin,
		LoginRefusedFrom: *refusedFrom, NewestVersion: *newest, SeedAccounts: *seed,
		SeedValue: *seedValue, LocatorLifetime: *locators,
	}
	if cfg.SeedAccounts == 0 {
		cfg.SeedAccounts = -1 // the flag's 0 means none; Config's 0 means the default
	}
	if *certFile != "" {
		b, err := os.ReadFile(*certFile)
		if err != nil {
			return fmt.Errorf("read jwt certificate: %w", err)
		}
		cfg.JWTCertificatePEM = b
	}
	org, err := sfsim.New(cfg)
	if err != nil {
		return err
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           org.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	// Credentials are never printed, not even the documented demo ones.
	fmt.Fprintf(stdout, "sfsim listening on http://%s (user %s, OAuth client %s; demo credentials in docs/sfsim.md)\n",
		ln.Addr(), sfsim.DemoUsername, sfsim.DemoClientID)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
