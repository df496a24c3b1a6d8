package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// print writes the machine, the sizes and the table. The table is Markdown,
// to paste into docs/performance.md; its numeric cells are plain numbers
// so that it can be read back (the test does).
func (b *bench) print(start time.Time, load0 string) {
	o := b.opts
	w := b.out
	fmt.Fprintf(w, "\n## sfbench %s\n\n", start.UTC().Format(time.RFC3339))
	fmt.Fprintf(w, "- machine: %d CPUs (%s), %s RAM, Linux %s\n", runtime.NumCPU(), cpuModel(), memTotal(), kernel())
	fmt.Fprintf(w, "- Go %s; gateway %s; cache: %s\n", runtime.Version(), b.gatewayName(), b.cacheName())
	fmt.Fprintf(w, "- load average (1, 5, 15 min): %s at the start, %s at the end; run took %s\n", load0, loadAverage(), time.Since(start).Round(time.Second))
	mode := "full"
	if o.quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "- sizes (%s): CPU %d reads and %d query pages per process and round, rounds: %d (median), %d in flight; latency %v at %d reads/s and %d pages/s, open loop; batch %d records, %v per create call, rounds: %d (median); stream %d records, pages of %d, RSS sampled every %d\n\n",
		mode, o.readN, o.queryN, o.rounds, o.conc, o.latency, o.readRate, o.queryRate, o.batch, o.batchDelay, o.batchRounds, o.stream, streamPage, o.sampleEvery)
	fmt.Fprintln(w, "| figure | unit | gateway | baseline | ratio | baseline is |")
	fmt.Fprintln(w, "|---|---|---:|---:|---:|---|")
	for _, r := range b.rows {
		ratio := "n/a"
		if r.baseline > 0 {
			ratio = fmt.Sprintf("%.2f", r.gateway/r.baseline)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n", r.figure, r.unit, num(r.gateway), num(r.baseline), ratio, r.baselineIs)
	}
	fmt.Fprintln(w)
	for _, n := range b.notes {
		fmt.Fprintf(w, "- %s\n", n)
	}
}

// num prints a figure with three significant digits or more.
func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}

func (b *bench) cacheName() string {
	if b.opts.redis == "" {
		return "in-memory"
	}
	return fmt.Sprintf("Redis at %s, key prefix %s (deleted at the end)", b.opts.redis, b.opts.prefix)
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if err != nil || len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	return procField("/proc/cpuinfo", "model name")
}

func memTotal() string {
	v := procField("/proc/meminfo", "MemTotal")
	var kb int64
	if _, err := fmt.Sscanf(v, "%d kB", &kb); err != nil {
		return v
	}
	return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// procField returns the value of the first "key: value" line of a /proc
// file.
func procField(path, key string) string {
	f, err := os.Open(path)
	if err != nil {
		return "unknown"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// gatewayName says which gateway was measured: the binary given, or the
// commit of the checkout it was built from.
func (b *bench) gatewayName() string {
	if b.opts.gatewayBin != "" {
		return "binary " + b.opts.gatewayBin
	}
	return "built " + gitDescribe()
}

// gitDescribe names the commit of the checkout, when run from one.
func gitDescribe() string {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "git", "describe", "--always", "--dirty").Output()
	if err != nil {
		return "of an unknown commit"
	}
	return "at " + strings.TrimSpace(string(out))
}
