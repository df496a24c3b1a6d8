package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// clockTicks is USER_HZ, the unit of utime and stime in /proc/<pid>/stat:
// 100 on every architecture Linux builds Go for.
const clockTicks = 100

// child is one process the suite measures: the gateway or the bare proxy.
type child struct {
	name string
	// allocURL answers the process's allocated bytes (allocMetric) in the
	// Prometheus text format.
	allocURL string
	cmd      *exec.Cmd
	out      *tailBuffer
	done     chan error
}

// startChild starts path with env (and nothing else of this process's
// environment but what passEnv lets through), its output kept in a small
// buffer for the error message should it die.
// It outlives ctx: stop ends it, gracefully, however the run ends.
func startChild(name, path string, args, env []string) (*child, error) {
	cmd := exec.Command(path, args...)
	cmd.Env = append(passEnv(), env...)
	out := &tailBuffer{max: 16 << 10}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.WaitDelay = 30 * time.Second
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	c := &child{name: name, cmd: cmd, out: out, done: make(chan error, 1)}
	go func() { c.done <- cmd.Wait() }()
	return c, nil
}

// passEnv is what a child inherits: the Go runtime's knobs, so that a run
// with GOGC or GOMAXPROCS set measures both processes under them.
func passEnv() []string {
	var env []string
	for _, k := range []string{"PATH", "GOGC", "GOMEMLIMIT", "GOMAXPROCS", "GODEBUG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func (c *child) pid() int { return c.cmd.Process.Pid }

// failed names the process in err and adds the end of its output, where
// the proxy logs a failed body copy and the gateway its errors.
func (c *child) failed(err error) error {
	out := c.out.String()
	if i := len(out) - 4096; i > 0 {
		out = out[i:]
	}
	return fmt.Errorf("%s: %w\n--- end of its output ---\n%s", c.name, err, out)
}

// stop asks the process to end (SIGTERM) and waits for it.
func (c *child) stop() error {
	select {
	case err := <-c.done:
		return fmt.Errorf("%s had already exited: %v\n%s", c.name, err, c.out.String())
	default:
	}
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop %s: %w", c.name, err)
	}
	select {
	case err := <-c.done:
		if err != nil {
			return fmt.Errorf("%s: %w\n%s", c.name, err, c.out.String())
		}
		return nil
	case <-time.After(40 * time.Second):
		_ = c.cmd.Process.Kill()
		return fmt.Errorf("%s did not stop within 40s of SIGTERM", c.name)
	}
}

// waitReady polls url until it answers 200, the process exits or the
// time runs out.
func (c *child) waitReady(ctx context.Context, url string) error {
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.done:
			return fmt.Errorf("%s exited before it was ready: %v\n%s", c.name, err, c.out.String())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
	}
	return fmt.Errorf("%s not ready at %s within 60s\n%s", c.name, url, c.out.String())
}

// cpuTime is the CPU the process has used so far, user and system.
func (c *child) cpuTime() (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", c.pid()))
	if err != nil {
		return 0, fmt.Errorf("%s CPU time: %w", c.name, err)
	}
	// The command name (field 2) may hold spaces; fields count from the
	// state, field 3, after its closing parenthesis.
	var f []string
	if i := bytes.LastIndexByte(b, ')'); i >= 0 {
		f = strings.Fields(string(b[i+1:]))
	}
	if len(f) < 13 {
		return 0, fmt.Errorf("%s CPU time: /proc/%d/stat has no utime and stime", c.name, c.pid())
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("%s CPU time: %w", c.name, err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// allocated returns the bytes the process has allocated on its heap so
// far, as its Go runtime counts them.
func (c *child) allocated(ctx context.Context) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.allocURL, nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s allocated bytes: %w", c.name, err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, v, ok := strings.Cut(sc.Text(), " ")
		if ok && name == allocMetric {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 0, fmt.Errorf("%s allocated bytes: %q", c.name, v)
			}
			return int64(f), nil
		}
	}
	return 0, fmt.Errorf("%s allocated bytes: no %s at %s (%v)", c.name, allocMetric, c.allocURL, sc.Err())
}

// memory returns VmRSS (resident now) and VmHWM (peak resident) in bytes.
func (c *child) memory() (rss, hwm int64, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.pid()))
	if err != nil {
		return 0, 0, fmt.Errorf("%s memory: %w", c.name, err)
	}
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		if k != "VmRSS" && k != "VmHWM" {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s memory: %s %q", c.name, k, v)
		}
		if k == "VmRSS" {
			rss = kb << 10
		} else {
			hwm = kb << 10
		}
	}
	if rss == 0 || hwm == 0 {
		return 0, 0, fmt.Errorf("%s memory: no VmRSS or VmHWM in /proc/%d/status", c.name, c.pid())
	}
	return rss, hwm, nil
}

// freeAddr returns a loopback address with a port free a moment ago; the
// children are given addresses so the suite need not read their logs.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	b   []byte
	max int
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if over := len(t.b) - t.max; over > 0 {
		t.b = append(t.b[:0], t.b[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}

// checkPlatform refuses to run where /proc does not give CPU times and
// resident sizes.
func checkPlatform() error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("sfbench reads /proc/<pid>/stat and /proc/<pid>/status: it runs on Linux only, not %s", runtime.GOOS)
	}
	return nil
}
