// Package redistest gives tests a Redis: a key prefix of their own on the
// always-running shared Redis (Shared), or a private redis-server they can
// stop and restart to simulate an outage (Start). No test empties data it
// did not write: the shared Redis is used only under per-test prefixes, in
// database 0, and whole gateways get the prefix as REDIS_KEY_PREFIX.
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// SharedAddrEnv overrides the address of the shared Redis.
const SharedAddrEnv = "SFGATE_TEST_REDIS_ADDR"

// DefaultSharedAddr is where CI and the dev machines run Redis.
const DefaultSharedAddr = "127.0.0.1:6379"

// RunEnv names one run of the whole suite (./test.sh sets it to a fresh
// value): Shared's prefixes then start with "test:<run>:", so that the
// script can check, once every test has finished, that the run left no key
// behind, even while other suites share the Redis.
const RunEnv = "SFGATE_TEST_RUN"

// SharedAddr returns the shared Redis address (SFGATE_TEST_REDIS_ADDR or
// DefaultSharedAddr).
func SharedAddr() string {
	if a := os.Getenv(SharedAddrEnv); a != "" {
		return a
	}
	return DefaultSharedAddr
}

// Shared checks that the shared Redis answers and returns its address and a
// key prefix unique to this test ("test:<name>:<random>:", or
// "test:<run>:<name>:<random>:" under RunEnv), for database 0. Cleanup
// deletes every key under the prefix, then fails the test if keys under it
// are still there: something the test started (a gateway, a goroutine)
// still writes after the test ended, and would leave keys behind. If Redis
// does not answer the test fails (it does not skip): tests that need Redis
// must not pass without it.
func Shared(t testing.TB) (addr, prefix string) {
	t.Helper()
	addr = SharedAddr()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 2 * time.Second, MaxRetries: -1})
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		_ = c.Close()
		t.Fatalf("redistest: the shared Redis at %s does not answer (%v): start it (redis-server on 127.0.0.1:6379, or set %s); tests that need Redis fail rather than skip",
			addr, err, SharedAddrEnv)
	}
	prefix = "test:"
	if run := os.Getenv(RunEnv); run != "" {
		prefix += sanitize(run) + ":"
	}
	prefix += sanitize(t.Name()) + ":" + randomHex(4) + ":"
	t.Cleanup(func() {
		defer c.Close()
		cleanUp(t, c, prefix, nil)
	})
	return addr, prefix
}

// cleanUp deletes every key under prefix, then reports keys that are there
// again. between, if set, runs between the two (tests use it to play a
// writer that outlives its test).
func cleanUp(t testing.TB, c *redis.Client, prefix string, between func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := deletePrefix(ctx, c, prefix); err != nil {
		t.Errorf("redistest: cleaning up %s*: %v", prefix, err)
		return
	}
	if between != nil {
		between()
	}
	if left, err := scanPrefix(ctx, c, prefix, 10); err != nil {
		t.Errorf("redistest: checking %s* after cleanup: %v", prefix, err)
	} else if len(left) > 0 {
		t.Errorf("redistest: keys were written under %s after the test's cleanup deleted them (%q): something the test started outlives it and would leave keys behind", prefix, left)
		_ = deletePrefix(ctx, c, prefix)
	}
}

// scanPrefix returns up to limit keys under prefix.
func scanPrefix(ctx context.Context, c *redis.Client, prefix string, limit int) ([]string, error) {
	var keys []string
	var cursor uint64
	for {
		batch, next, err := c.Scan(ctx, cursor, globEscape(prefix)+"*", 500).Result()
		if err != nil {
			return nil, err
		}
		keys = append(keys, batch...)
		if len(keys) >= limit {
			return keys[:limit], nil
		}
		if cursor = next; cursor == 0 {
			return keys, nil
		}
	}
}

// Keys returns the keys under prefix on the Redis at addr (at most 10,000),
// for tests that inspect what was stored.
func Keys(t testing.TB, addr, prefix string) []string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	keys, err := scanPrefix(ctx, c, prefix, 10_001)
	if err != nil {
		t.Fatalf("redistest: scanning %s*: %v", prefix, err)
	}
	if len(keys) > 10_000 {
		t.Fatalf("redistest: more than 10,000 keys under %s", prefix)
	}
	return keys
}

func deletePrefix(ctx context.Context, c *redis.Client, prefix string) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, globEscape(prefix)+"*", 500).Result()
		if err != nil {
			return err
		}
		if len(keys) > 0 {
			if err := c.Unlink(ctx, keys...).Err(); err != nil {
				return err
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}

// Server is a private redis-server on a loopback port, for tests that stop
// Redis mid-test. It is killed at the end of the test.
type Server struct {
	t    testing.TB
	port int
	dir  string

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

// Start runs redis-server (which must be on PATH) on a free loopback port
// without persistence, waits until it answers, and registers its shutdown
// with t.Cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Fatalf("redistest: redis-server is not on PATH (%v): install it (Debian: apt-get install redis-server)", err)
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("redistest: finding a free port: %v", err)
	}
	s := &Server{t: t, port: port, dir: t.TempDir()}
	t.Cleanup(s.Stop)
	if err := s.start(); err != nil {
		t.Fatalf("redistest: %v", err)
	}
	return s
}

// Addr returns host:port.
func (s *Server) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)) }

// URL returns the redis:// URL of the server.
func (s *Server) URL() string { return "redis://" + s.Addr() }

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd != nil {
		return errors.New("redis-server already running")
	}
	cmd := exec.Command("redis-server",
		"--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir,
		// DEBUG SLEEP lets tests simulate a Redis that hangs.
		"--enable-debug-command", "local",
		"--logfile", filepath.Join(s.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting redis-server: %w", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	// Wait until it answers.
	c := redis.NewClient(&redis.Options{Addr: s.Addr(), DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			s.cmd, s.done = cmd, done
			return nil
		}
		select {
		case <-done:
			log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
			return fmt.Errorf("redis-server on port %d exited: %s", s.port, lastLines(string(log), 5))
		default:
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			<-done
			return fmt.Errorf("redis-server on port %d did not answer within 10s: %v", s.port, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Stop kills the server (as a crash would: no clean shutdown) and waits for
// it to exit. Stopping a stopped server does nothing.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	<-s.done
	s.cmd, s.done = nil, nil
}

// Restart starts the server again on the same port, empty (no
// persistence), stopping it first if it runs.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	if err := s.start(); err != nil {
		s.t.Fatalf("redistest: restarting: %v", err)
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func sanitize(name string) string {
	var b strings.Builder
	for _, c := range name {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-', c == '/', c == '.':
			b.WriteRune(c)
		default:
			b.WriteByte('_')
		}
	}
	return b.String()
}

func globEscape(s string) string {
	var b strings.Builder
	for _, c := range s {
		switch c {
		case '*', '?', '[', ']', '\\', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
