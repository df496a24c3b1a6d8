package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// stack is one emulated org with the gateway and the bare proxy in front
// of it.
type stack struct {
	simURL       string
	gw, px       *child
	gwURL, pxURL string
	metricsURL   string
	gwHTTP       *http.Client // to the gateway
	soap         *soapClient  // to sfsim through the proxy
	session      string       // the proxy's callers' session at sfsim
	closers      []func() error
}

// startStack seeds an org with accounts accounts and starts the proxy and
// the gateway in front of it.
func (b *bench) startStack(ctx context.Context, accounts int) (_ *stack, err error) {
	s := &stack{}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.close())
		}
	}()
	sim, err := sfsim.New(sfsim.Config{SeedAccounts: accounts, DailyLimit: 1 << 30})
	if err != nil {
		return nil, fmt.Errorf("sfsim: %w", err)
	}
	simURL, stopSim, err := sim.Start(context.WithoutCancel(ctx), "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("sfsim: %w", err)
	}
	s.simURL = simURL
	s.closers = append(s.closers, func() error { stopSim(); return nil })

	if err := b.startProxy(ctx, s); err != nil {
		return nil, err
	}
	if err := b.startGateway(ctx, s); err != nil {
		return nil, err
	}
	if s.session, err = simToken(ctx, simURL); err != nil {
		return nil, err
	}
	version := fmt.Sprintf("%.1f", sfsim.DefaultNewestVersion)
	s.soap = &soapClient{http: loadClient(), endpoint: s.pxURL + "/services/Soap/u/" + version}
	s.gwHTTP = loadClient()
	return s, nil
}

// loadClient is an HTTP client that keeps enough idle connections for the
// open-loop measurements not to dial.
func loadClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 512
	return &http.Client{Transport: tr, Timeout: 10 * time.Minute}
}

func (b *bench) startProxy(ctx context.Context, s *stack) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	opsAddr, err := freeAddr()
	if err != nil {
		return err
	}
	px, err := startChild("proxy", b.self, nil, []string{
		roleEnv + "=" + roleProxy, proxyTargetEnv + "=" + s.simURL, proxyAddrEnv + "=" + addr, proxyOpsAddrEnv + "=" + opsAddr,
	})
	if err != nil {
		return err
	}
	px.allocURL = "http://" + opsAddr + "/"
	s.px, s.pxURL = px, "http://"+addr
	s.closers = append(s.closers, px.stop)
	return px.waitReady(ctx, s.pxURL+"/services/data/")
}

// startGateway starts the gateway as it runs in production (Redis, JSON
// logs at info, the access log included), with no rate limit and
// profiles on its metrics listener.
func (b *bench) startGateway(ctx context.Context, s *stack) error {
	addr, err := freeAddr()
	if err != nil {
		return err
	}
	maddr, err := freeAddr()
	if err != nil {
		return err
	}
	env := []string{
		"GATEWAY_ADDR=" + addr, "GATEWAY_METRICS_ADDR=" + maddr, "GATEWAY_PPROF=true",
		"SF_LOGIN_URL=" + s.simURL, "SF_CLIENT_ID=" + sfsim.DemoClientID, "SF_CLIENT_SECRET=" + sfsim.DemoClientSecret,
		"GATEWAY_RATE_LIMIT=0", "GATEWAY_CURSOR_KEY=" + randomKey(),
	}
	if b.opts.redis != "" {
		env = append(env, "REDIS_URL=redis://"+b.opts.redis+"/0", "REDIS_KEY_PREFIX="+b.opts.prefix, "CACHE_ENCRYPTION_KEY="+randomKey())
		// Registered before the gateway starts, so it runs after the
		// gateway has stopped writing.
		s.closers = append(s.closers, func() error { return deleteKeys(context.WithoutCancel(ctx), b.opts.redis, b.opts.prefix) })
	}
	env = append(env, b.opts.gatewayEnv...)
	gw, err := startChild("gateway", b.gatewayBin, nil, env)
	if err != nil {
		return err
	}
	gw.allocURL = "http://" + maddr + "/metrics"
	s.gw, s.gwURL, s.metricsURL = gw, "http://"+addr, "http://"+maddr
	s.closers = append(s.closers, gw.stop)
	return gw.waitReady(ctx, s.gwURL+"/readyz")
}

// close stops everything startStack started, last first.
func (s *stack) close() error {
	var errs []error
	for i := len(s.closers) - 1; i >= 0; i-- {
		errs = append(errs, s.closers[i]())
	}
	s.closers = nil
	return errors.Join(errs...)
}

// pingRedis checks, before anything starts, that the gateway will find
// Redis: without it the gateway would run degraded on its in-process cache
// and the figures would not be those of a Redis deployment.
func pingRedis(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	c := goredis.NewClient(&goredis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	if err := c.Ping(pctx).Err(); err != nil {
		return fmt.Errorf("redis at %s: %w (-redis \"\" measures the gateway on its in-memory cache)", addr, err)
	}
	return nil
}

// deleteKeys deletes the keys under prefix, the gateway's and only its.
func deleteKeys(ctx context.Context, addr, prefix string) error {
	c := goredis.NewClient(&goredis.Options{Addr: addr})
	defer c.Close()
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, globEscape(prefix)+"*", 500).Result()
		if err != nil {
			return fmt.Errorf("delete the gateway's Redis keys: %w", err)
		}
		if len(keys) > 0 {
			if err := c.Del(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("delete the gateway's Redis keys: %w", err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

func randomKey() string {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

func randomHex() string {
	k := make([]byte, 8)
	_, _ = rand.Read(k)
	return hex.EncodeToString(k)
}

// simControl calls sfsim's control API (docs/sfsim.md) and decodes its
// JSON answer into out when out is not nil.
func (s *stack) simControl(ctx context.Context, method, path, body string, want int, out any) error {
	req, err := newJSONRequest(ctx, method, s.simURL+path, body)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("sfsim %s %s: %d %.300s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

// simCalls returns sfsim's count of calls of op so far.
func (s *stack) simCalls(ctx context.Context, op string) (int64, error) {
	var st struct {
		Calls map[string]int64 `json:"calls"`
	}
	if err := s.simControl(ctx, http.MethodGet, "/_sim/stats", "", http.StatusOK, &st); err != nil {
		return 0, err
	}
	return st.Calls[op], nil
}

// globEscape quotes the characters SCAN's MATCH pattern gives a meaning.
func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`*?[]\^-`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}
