package handlers

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// metrics is a small hand-written Prometheus registry. The gateway exports
// a handful of families with bounded labels (route patterns, methods,
// statuses, problem codes); writing the text format (0.0.4) directly keeps
// the prometheus client and its dependency tree out of the module.
type metrics struct {
	inFlight atomic.Int64

	mu       sync.Mutex
	requests map[reqKey]uint64
	duration map[durKey]*histogram
	problems map[string]uint64
}

type reqKey struct {
	route, method string
	status        int
}

type durKey struct{ route, method string }

// durationBuckets are upper bounds in seconds: a cached describe answers in
// milliseconds, a Salesforce write in hundreds, a large batch in seconds.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[reqKey]uint64{}, duration: map[durKey]*histogram{}, problems: map[string]uint64{}}
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[reqKey{route, method, status}]++
	k := durKey{route, method}
	hg := m.duration[k]
	if hg == nil {
		hg = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.duration[k] = hg
	}
	s := d.Seconds()
	for i, ub := range durationBuckets {
		if s <= ub {
			hg.counts[i]++
			break
		}
	}
	hg.sum += s
	hg.count++
}

func (m *metrics) problem(code string) {
	m.mu.Lock()
	m.problems[code]++
	m.mu.Unlock()
}

// labelValue escapes a label value as the text format requires.
func labelValue(s string) string {
	return strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`).Replace(s)
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// write renders every family in the Prometheus text format, sorted so the
// output is stable.
func (m *metrics) write(w io.Writer) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	b.WriteString("# HELP sfgate_http_requests_in_flight HTTP requests being served.\n")
	b.WriteString("# TYPE sfgate_http_requests_in_flight gauge\n")
	fmt.Fprintf(&b, "sfgate_http_requests_in_flight %d\n", m.inFlight.Load())

	b.WriteString("# HELP sfgate_http_requests_total HTTP requests answered, by route, method and status.\n")
	b.WriteString("# TYPE sfgate_http_requests_total counter\n")
	rks := slices.SortedFunc(maps.Keys(m.requests), func(a, b reqKey) int {
		return strings.Compare(fmt.Sprintf("%s %s %03d", a.route, a.method, a.status), fmt.Sprintf("%s %s %03d", b.route, b.method, b.status))
	})
	for _, k := range rks {
		fmt.Fprintf(&b, "sfgate_http_requests_total{route=\"%s\",method=\"%s\",status=\"%d\"} %d\n",
			labelValue(k.route), labelValue(k.method), k.status, m.requests[k])
	}

	b.WriteString("# HELP sfgate_http_request_duration_seconds Time to answer HTTP requests, by route and method.\n")
	b.WriteString("# TYPE sfgate_http_request_duration_seconds histogram\n")
	dks := slices.SortedFunc(maps.Keys(m.duration), func(a, b durKey) int {
		return strings.Compare(a.route+" "+a.method, b.route+" "+b.method)
	})
	for _, k := range dks {
		hg := m.duration[k]
		labels := fmt.Sprintf("route=\"%s\",method=\"%s\"", labelValue(k.route), labelValue(k.method))
		var cum uint64
		for i, ub := range durationBuckets {
			cum += hg.counts[i]
			fmt.Fprintf(&b, "sfgate_http_request_duration_seconds_bucket{%s,le=\"%s\"} %d\n", labels, formatFloat(ub), cum)
		}
		fmt.Fprintf(&b, "sfgate_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %d\n", labels, hg.count)
		fmt.Fprintf(&b, "sfgate_http_request_duration_seconds_sum{%s} %s\n", labels, formatFloat(hg.sum))
		fmt.Fprintf(&b, "sfgate_http_request_duration_seconds_count{%s} %d\n", labels, hg.count)
	}

	b.WriteString("# HELP sfgate_http_problems_total Error answers, by problem code.\n")
	b.WriteString("# TYPE sfgate_http_problems_total counter\n")
	for _, code := range slices.Sorted(maps.Keys(m.problems)) {
		fmt.Fprintf(&b, "sfgate_http_problems_total{code=\"%s\"} %d\n", labelValue(code), m.problems[code])
	}
	_, err := io.WriteString(w, b.String())
	return err
}
