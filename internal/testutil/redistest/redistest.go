// Package redistest gives tests a Redis: a key prefix of their own on the
// always-running shared Redis (Shared), or a private redis-server they can
// stop and restart to simulate an outage (Start).
package redistest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
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

// SharedAddr returns the shared Redis address (SFGATE_TEST_REDIS_ADDR or
// DefaultSharedAddr).
func SharedAddr() string {
	if a := os.Getenv(SharedAddrEnv); a != "" {
		return a
	}
	return DefaultSharedAddr
}

// Shared checks that the shared Redis answers and returns its address and a
// key prefix unique to this test ("test:<name>:<random>:"). Cleanup deletes
// every key under the prefix. If Redis does not answer the test fails (it
// does not skip): tests that need Redis must not pass without it.
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
	prefix = "test:" + sanitize(t.Name()) + ":" + randomHex(4) + ":"
	t.Cleanup(func() {
		defer c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := deletePrefix(ctx, c, prefix); err != nil {
			t.Errorf("redistest: cleaning up %s*: %v", prefix, err)
		}
	})
	return addr, prefix
}

// Keys returns the keys under prefix on the Redis at addr (at most 10,000),
// for tests that inspect what was stored.
func Keys(t testing.TB, addr, prefix string) []string {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var keys []string
	var cursor uint64
	for {
		batch, next, err := c.Scan(ctx, cursor, globEscape(prefix)+"*", 500).Result()
		if err != nil {
			t.Fatalf("redistest: scanning %s*: %v", prefix, err)
		}
		keys = append(keys, batch...)
		if len(keys) > 10_000 {
			t.Fatalf("redistest: more than 10,000 keys under %s", prefix)
		}
		if cursor = next; cursor == 0 {
			return keys
		}
	}
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

// ClaimKey marks a database of the shared Redis as owned by one test.
const ClaimKey = "sfgate-test:claim"

// ClaimTTL bounds a claim, so the claim of a run that was killed lapses by
// itself. A test holding a database must finish within it.
const ClaimTTL = 15 * time.Minute

// ClaimDB gives the test a database of the shared Redis of its own (one of
// 1–15), for programs whose keys carry no per-test prefix, such as a whole
// gateway. The claim is SET NX on ClaimKey with ClaimTTL, so parallel tests
// and parallel test processes never share a database. Anything else the
// database holds was left by a run that no longer owns it and is deleted
// before the test starts. Cleanup empties the database and drops the claim.
// The test fails, never skips, when Redis does not answer or every database
// is taken.
func ClaimDB(t testing.TB) int {
	t.Helper()
	addr := SharedAddr()
	token := randomHex(8)
	// A random order spreads parallel claimers over the databases.
	for _, db := range mrand.Perm(15) {
		db++
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, DialTimeout: 2 * time.Second, MaxRetries: -1})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		ok, err := c.SetNX(ctx, ClaimKey, token, ClaimTTL).Result()
		if err != nil {
			cancel()
			_ = c.Close()
			t.Fatalf("redistest: the shared Redis at %s does not answer (%v): start it (redis-server on 127.0.0.1:6379, or set %s); tests that need Redis fail rather than skip",
				addr, err, SharedAddrEnv)
		}
		if !ok {
			cancel()
			_ = c.Close()
			continue
		}
		err = deleteAllBut(ctx, c, ClaimKey)
		cancel()
		if err != nil {
			_ = c.Close()
			t.Fatalf("redistest: emptying claimed database %d: %v", db, err)
		}
		t.Cleanup(func() {
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := deleteAllBut(ctx, c, ClaimKey); err != nil {
				t.Errorf("redistest: emptying database %d: %v", db, err)
			}
			if v, _ := c.Get(ctx, ClaimKey).Result(); v == token {
				c.Del(ctx, ClaimKey)
			}
		})
		return db
	}
	t.Fatalf("redistest: every database 1–15 of the shared Redis at %s is claimed by a running test", addr)
	return 0
}

// deleteAllBut deletes every key of c's database except keep.
func deleteAllBut(ctx context.Context, c *redis.Client, keep string) error {
	var cursor uint64
	for {
		keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
		if err != nil {
			return err
		}
		keys = slices.DeleteFunc(keys, func(k string) bool { return k == keep })
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
