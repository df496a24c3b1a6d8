package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// sizes are how much each measurement does.
type sizes struct {
	readN, queryN, rounds, conc int
	readRate, queryRate         int
	latency                     time.Duration
	batch, batchRounds          int
	batchDelay                  time.Duration
	stream, sampleEvery         int
}

var (
	fullSizes = sizes{
		readN: 4000, queryN: 2000, rounds: 3, conc: 4,
		readRate: 200, queryRate: 50, latency: 10 * time.Second,
		batch: 10_000, batchRounds: 3, batchDelay: 100 * time.Millisecond,
		stream: 200_000, sampleEvery: 5000,
	}
	quickSizes = sizes{
		readN: 400, queryN: 60, rounds: 1, conc: 4,
		readRate: 100, queryRate: 20, latency: 2 * time.Second,
		batch: 1000, batchRounds: 1, batchDelay: 100 * time.Millisecond,
		stream: 20_000, sampleEvery: 5000,
	}
)

// options are the command line.
type options struct {
	sizes
	quick      bool
	redis      string
	prefix     string
	gatewayBin string
	gatewayEnv []string
}

// run is the whole program; the test calls it the way main does.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if getenv(roleEnv) == roleProxy {
		return serveProxy(ctx, getenv(proxyTargetEnv), getenv(proxyAddrEnv), getenv(proxyOpsAddrEnv))
	}
	opts, err := parseOptions(args, stdout)
	if err != nil {
		return err
	}
	if err := checkPlatform(); err != nil {
		return err
	}
	if err := pingRedis(ctx, opts.redis); err != nil {
		return err
	}
	bin := opts.gatewayBin
	if bin == "" {
		dir, err := os.MkdirTemp("", "sfbench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		if bin, err = buildGateway(ctx, dir); err != nil {
			return err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find this program to start the proxy: %w", err)
	}
	// One key prefix for the run: its two gateways run one after the
	// other, each deleting the keys when it is done.
	if opts.prefix == "" {
		opts.prefix = "sfbench-" + randomHex() + ":"
	}
	b := &bench{opts: opts, gatewayBin: bin, self: self, out: stdout}
	return b.run(ctx)
}

func parseOptions(args []string, stdout io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("sfbench", flag.ContinueOnError)
	fs.SetOutput(stdout)
	fs.BoolVar(&o.quick, "quick", false, "small sizes, one round: the whole suite in under a minute")
	fs.StringVar(&o.redis, "redis", "127.0.0.1:6379", "Redis the gateway uses, under a key prefix of its own that is deleted at the end; empty: the gateway's in-memory cache")
	fs.StringVar(&o.prefix, "redis-key-prefix", "", "REDIS_KEY_PREFIX of the gateway, whose keys are deleted at the end; empty: sfbench-<random>:")
	fs.StringVar(&o.gatewayBin, "gateway-bin", "", "gateway binary to measure; empty: go build ./cmd/gateway")
	fs.Func("gateway-env", "KEY=VALUE added to the gateway's environment (repeatable), e.g. GOGC=400 or LOG_LEVEL=warn", func(s string) error {
		if k, _, ok := strings.Cut(s, "="); !ok || k == "" {
			return errors.New("want KEY=VALUE")
		}
		o.gatewayEnv = append(o.gatewayEnv, s)
		return nil
	})
	var set sizes
	fs.IntVar(&set.readN, "read-n", 0, "single-record reads per round and process (default 4000; -quick 400)")
	fs.IntVar(&set.queryN, "query-n", 0, "200-record query pages per round and process (default 2000; -quick 60)")
	fs.IntVar(&set.rounds, "rounds", 0, "rounds of the CPU measurements, the median reported (default 3; -quick 1)")
	fs.IntVar(&set.conc, "concurrency", 0, "requests in flight during the CPU measurements (default 4)")
	fs.IntVar(&set.readRate, "read-rate", 0, "reads a second of the latency measurement (default 200; -quick 100)")
	fs.IntVar(&set.queryRate, "query-rate", 0, "query pages a second of the latency measurement (default 50; -quick 20)")
	fs.DurationVar(&set.latency, "latency-duration", 0, "length of each latency measurement (default 10s; -quick 2s)")
	fs.IntVar(&set.batch, "batch", 0, "records of the batch of creates (default 10000; -quick 1000)")
	fs.IntVar(&set.batchRounds, "batch-rounds", 0, "rounds of the batch measurement (default 3; -quick 1)")
	fs.DurationVar(&set.batchDelay, "batch-delay", 0, "delay sfsim adds to every create call (default 100ms)")
	fs.IntVar(&set.stream, "stream", 0, "records of the NDJSON stream, seeded as accounts (default 200000; -quick 20000)")
	fs.IntVar(&set.sampleEvery, "sample-every", 0, "records between two resident-size samples of the stream (default 5000)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	o.sizes = fullSizes
	if o.quick {
		o.sizes = quickSizes
	}
	overrideInt(&o.readN, set.readN)
	overrideInt(&o.queryN, set.queryN)
	overrideInt(&o.rounds, set.rounds)
	overrideInt(&o.conc, set.conc)
	overrideInt(&o.readRate, set.readRate)
	overrideInt(&o.queryRate, set.queryRate)
	overrideInt(&o.batch, set.batch)
	overrideInt(&o.batchRounds, set.batchRounds)
	overrideInt(&o.stream, set.stream)
	overrideInt(&o.sampleEvery, set.sampleEvery)
	if set.latency > 0 {
		o.latency = set.latency
	}
	if set.batchDelay > 0 {
		o.batchDelay = set.batchDelay
	}
	if o.stream < o.sampleEvery {
		return o, fmt.Errorf("-stream %d is below -sample-every %d: no resident-size sample would be taken", o.stream, o.sampleEvery)
	}
	return o, nil
}

// overrideInt sets *dst to v when the flag was given (positive).
func overrideInt(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}

// buildGateway builds cmd/gateway into dir with the go command that runs
// this program, from the module this program is in.
func buildGateway(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "gateway")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/sfgate/sfgate/cmd/gateway")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gateway: %w\n%s", err, out)
	}
	return bin, nil
}
