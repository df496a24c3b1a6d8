package cache_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// sentinelMaster is the master's name in the test sentinel's configuration.
const sentinelMaster = "sfgate-test"

// startSentinel runs `redis-server --sentinel` on a free loopback port,
// monitoring the master at masterAddr, and waits until it names that
// master. It is killed at the end of the test.
func startSentinel(t *testing.T, masterAddr string) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	host, port, _ := net.SplitHostPort(addr)
	mhost, mport, _ := net.SplitHostPort(masterAddr)
	dir := t.TempDir()
	conf := filepath.Join(dir, "sentinel.conf")
	// Sentinel rewrites its configuration file, so it lives in a directory
	// of the test's own.
	body := fmt.Sprintf("port %s\nbind %s\ndir %s\nlogfile %s\nsentinel monitor %s %s %s 1\n",
		port, host, dir, filepath.Join(dir, "sentinel.log"), sentinelMaster, mhost, mport)
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("redis-server", conf, "--sentinel")
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting redis-server --sentinel: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
	defer sc.Close()
	for deadline := time.Now().Add(10 * time.Second); ; {
		got, err := sc.GetMasterAddrByName(t.Context(), sentinelMaster).Result()
		if err == nil && strings.Join(got, ":") == mhost+":"+mport {
			return addr
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "sentinel.log"))
			t.Fatalf("sentinel on %s does not name master %s: %v %v\n%s", addr, masterAddr, got, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRedisSentinelConformance runs the store conformance suite on a store
// opened through Sentinel: a private master, a real sentinel monitoring it,
// and OpenRedisSentinel finding the master by name.
func TestRedisSentinelConformance(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	sentinel := startSentinel(t, master.Addr())
	var n atomic.Int64
	runConformance(t, func(t *testing.T) storeUnderTest {
		// The master is the test's own; a prefix per case keeps the
		// parallel cases apart.
		r := cache.OpenRedisSentinel(cache.SentinelOptions{MasterName: sentinelMaster, Addrs: []string{sentinel}},
			cache.RedisOptions{Prefix: "sentinel-test-" + strconv.FormatInt(n.Add(1), 10) + ":"})
		t.Cleanup(func() { _ = r.Close() })
		return storeUnderTest{store: r, advance: time.Sleep}
	})
}

// TestRedisSentinelUnknownMaster: a master name the sentinels do not know
// fails the command within the command timeout, without echoing secrets.
func TestRedisSentinelUnknownMaster(t *testing.T) {
	t.Parallel()
	master := redistest.Start(t)
	sentinel := startSentinel(t, master.Addr())
	r := cache.OpenRedisSentinel(cache.SentinelOptions{MasterName: "no-such-master", Addrs: []string{sentinel}, Password: "s3cret-pass"},
		cache.RedisOptions{CommandTimeout: 500 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	start := time.Now()
	err := r.Client().Ping(ctx).Err()
	if err == nil {
		t.Fatal("ping through sentinel succeeded for an unknown master")
	}
	if strings.Contains(err.Error(), "s3cret-pass") {
		t.Errorf("error echoes the password: %v", err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("failing took %s", d)
	}
}
