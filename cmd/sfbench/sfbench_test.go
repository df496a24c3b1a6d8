package main

import (
	"bytes"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// TestMain lets the test binary be the baseline proxy too: the suite
// starts the proxy by running its own executable again.
func TestMain(m *testing.M) {
	if os.Getenv(roleEnv) == roleProxy {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestQuickSuiteRuns runs the whole suite at tiny sizes (the real gateway
// built from this checkout, Redis, the proxy, sfsim) and checks that its
// table parses, names every figure, and that the batch cost the calls it
// must; the numbers themselves are not judged, so that this test keeps
// the command from rotting without timing anything.
func TestQuickSuiteRuns(t *testing.T) {
	addr, prefix := redistest.Shared(t)
	var out bytes.Buffer
	args := []string{"-quick", "-redis", addr, "-redis-key-prefix", prefix, "-read-n", "40", "-query-n", "10", "-read-rate", "50", "-query-rate", "10",
		"-latency-duration", "500ms", "-batch", "400", "-batch-delay", "10ms", "-stream", "3000", "-sample-every", "1000"}
	if err := run(t.Context(), args, os.Getenv, &out); err != nil {
		t.Fatalf("sfbench (it needs Redis at %s and the go command): %v\n%s", addr, err, out.String())
	}
	t.Log("\n" + out.String())

	rows := parseTable(t, out.String())
	wantFigures := []string{
		"read: CPU per request", "read: heap allocated per request", "read: p50 latency at 50/s", "read: p99 latency at 50/s",
		"query page: CPU per request", "query page: heap allocated per request", "query page: CPU per record", "query page: p50 latency at 10/s", "query page: p99 latency at 10/s",
		"batch of 400 creates, 10ms per call: wall time", "batch of 400 creates, 10ms per call: create calls", "batch of 400 creates, 10ms per call: gateway RSS right after",
		"NDJSON stream of 3000 records: peak RSS (VmHWM)", "NDJSON stream of 3000 records: RSS growth after 1000 records",
		"NDJSON stream of 3000 records: CPU per record", "NDJSON stream of 3000 records: wall time",
	}
	for _, f := range wantFigures {
		if _, ok := rows[f]; !ok {
			t.Errorf("no row %q", f)
		}
	}
	if len(rows) != len(wantFigures) {
		t.Errorf("%d rows, want %d", len(rows), len(wantFigures))
	}
	if calls := rows["batch of 400 creates, 10ms per call: create calls"]; calls != [2]float64{2, 2} {
		t.Errorf("create calls (gateway, baseline) %v, want 2 each for 400 records", calls)
	}
	for _, f := range []string{"read: heap allocated per request", "query page: heap allocated per request"} {
		if a := rows[f]; a[0] <= 0 || a[1] <= 0 {
			t.Errorf("%s (gateway, baseline) %v KB: the runtime's count was not read", f, a)
		}
	}
	if hwm := rows["NDJSON stream of 3000 records: peak RSS (VmHWM)"]; hwm[0] <= 0 || hwm[1] <= 0 {
		t.Errorf("peak RSS (gateway, baseline) %v MB: /proc was not read", hwm)
	}
	for _, who := range []string{"gateway", "proxy"} {
		if !regexp.MustCompile(`(?m)^- ` + who + ` RSS \(MB\) every 1000 records:( [0-9.]+){3}$`).MatchString(out.String()) {
			t.Errorf("no three RSS samples of the %s", who)
		}
	}

	// The gateway's keys are gone by the time run returns.
	if !strings.Contains(out.String(), "key prefix "+prefix) {
		t.Errorf("the report does not name the Redis key prefix %s", prefix)
	}
	if keys := redistest.Keys(t, addr, prefix); len(keys) > 0 {
		t.Errorf("Redis keys left under %s: %d", prefix, len(keys))
	}
}

// parseTable reads the report's table: figure → gateway and baseline
// values. Every numeric cell must parse.
func parseTable(t *testing.T, out string) map[string][2]float64 {
	t.Helper()
	rows := map[string][2]float64{}
	var header bool
	for line := range strings.Lines(out) {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		if len(cells) != 6 {
			t.Fatalf("row of %d cells, want 6: %q", len(cells), line)
		}
		if !header {
			if cells[0] != "figure" || cells[2] != "gateway" || cells[3] != "baseline" || cells[4] != "ratio" {
				t.Fatalf("first row is not the header: %q", line)
			}
			header = true
			continue
		}
		if strings.HasPrefix(cells[0], "---") {
			continue
		}
		gw, err1 := strconv.ParseFloat(cells[2], 64)
		base, err2 := strconv.ParseFloat(cells[3], 64)
		if err1 != nil || err2 != nil || gw < 0 || base < 0 || cells[1] == "" || cells[5] == "" {
			t.Errorf("row does not parse: %q", line)
			continue
		}
		// "n/a" only where the baseline is zero; the ratio is computed
		// from unrounded values, so it is not recomputed from the cells.
		if _, err := strconv.ParseFloat(cells[4], 64); (err != nil || base == 0) && !(cells[4] == "n/a" && base == 0) {
			t.Errorf("ratio %q of row %q", cells[4], line)
		}
		rows[cells[0]] = [2]float64{gw, base}
	}
	if !header {
		t.Fatalf("no table in the report:\n%s", out)
	}
	return rows
}
