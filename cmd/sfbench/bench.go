package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// benchFields are the 10 Account fields of the read and the query:
// strings, picklists, a currency, an integer and a datetime.
var benchFields = []string{
	"Id", "Name", "AccountNumber", "Type", "Industry", "AnnualRevenue",
	"NumberOfEmployees", "Phone", "BillingCity", "CreatedDate",
}

// pageSize is the query page: 200 records of the 10 fields.
const pageSize = 200

// streamPage is the batch size of the stream's query and queryMore calls,
// the gateway's and the baseline's.
const streamPage = 2000

var pageSOQL = "SELECT " + strings.Join(benchFields, ", ") + " FROM Account LIMIT " + strconv.Itoa(pageSize)

// readAccounts seeds the org of the read, query and batch measurements:
// more than a page, so LIMIT 200 is a real page and not the whole table.
const readAccounts = 300

// bench runs the suite and collects its table.
type bench struct {
	opts       options
	gatewayBin string
	self       string
	out        io.Writer
	rows       []row
	notes      []string
}

// row is one figure of the table: the gateway's value, the baseline's and
// what the baseline is.
type row struct {
	figure, unit string
	gateway      float64
	baseline     float64
	baselineIs   string
}

func (b *bench) add(r row) { b.rows = append(b.rows, r) }

func (b *bench) run(ctx context.Context) (err error) {
	start := time.Now()
	load0 := loadAverage()
	s, err := b.startStack(ctx, readAccounts)
	if err != nil {
		return err
	}
	defer func() {
		if s != nil {
			err = errors.Join(err, s.close())
		}
	}()
	fmt.Fprintf(b.out, "sfbench: gateway and proxy up; profiles while it runs: go tool pprof %s/debug/pprof/profile?seconds=20\n", s.metricsURL)
	for _, phase := range []func(context.Context, *stack) error{b.measureRead, b.measureQuery, b.measureBatch} {
		if err := phase(ctx, s); err != nil {
			return err
		}
	}
	if err := s.close(); err != nil {
		return err
	}
	s = nil
	// The stream gets an org of its own, seeded with its records, and a
	// fresh gateway, so that its peak resident size is the stream's.
	if s, err = b.startStack(ctx, b.opts.stream); err != nil {
		return err
	}
	if err := b.measureStream(ctx, s); err != nil {
		return err
	}
	b.print(start, load0)
	return nil
}

// measureRead is the single-record read: the gateway's GET of one record
// against the same SOAP retrieve carried by the proxy.
func (b *bench) measureRead(ctx context.Context, s *stack) error {
	id, err := firstID(ctx, s)
	if err != nil {
		return err
	}
	path := "/v1/sobjects/Account/records/" + id + "?fields=" + strings.Join(benchFields, ",")
	gw := func(ctx context.Context) error { _, err := s.gatewayDo(ctx, http.MethodGet, path, ""); return err }
	env := retrieveEnvelope(s.session, benchFields, id)
	px := func(ctx context.Context) error { _, _, err := s.soap.post(ctx, env); return err }

	// Warm both, and check once that each answers the record.
	got, err := s.gatewayDo(ctx, http.MethodGet, path, "")
	if err != nil {
		return err
	}
	var rec map[string]any
	if err := json.Unmarshal(got, &rec); err != nil || rec["Id"] != id || len(rec) < len(benchFields) {
		return fmt.Errorf("gateway read: %v: %.300s", err, got)
	}
	if plain, err := s.soap.postPlain(ctx, env); err != nil || !bytes.Contains(plain, []byte(id)) {
		return fmt.Errorf("proxy retrieve: %v: %.300s", err, plain)
	}
	return b.compare(ctx, s, "read", 1, b.opts.readN, b.opts.readRate, gw, px)
}

// measureQuery is the 200-record page of 10 fields: the gateway's POST
// /v1/query against the same SOAP query carried by the proxy.
func (b *bench) measureQuery(ctx context.Context, s *stack) error {
	body, err := json.Marshal(map[string]string{"soql": pageSOQL})
	if err != nil {
		return err
	}
	gw := func(ctx context.Context) error {
		_, err := s.gatewayDo(ctx, http.MethodPost, "/v1/query", string(body))
		return err
	}
	env := queryEnvelope(s.session, 0, pageSOQL)
	px := func(ctx context.Context) error { _, _, err := s.soap.post(ctx, env); return err }

	got, err := s.gatewayDo(ctx, http.MethodPost, "/v1/query", string(body))
	if err != nil {
		return err
	}
	var page struct {
		Records []json.RawMessage `json:"records"`
	}
	if err := json.Unmarshal(got, &page); err != nil || len(page.Records) != pageSize {
		return fmt.Errorf("gateway query: %d records (%v), want %d", len(page.Records), err, pageSize)
	}
	plain, err := s.soap.postPlain(ctx, env)
	if err != nil {
		return fmt.Errorf("proxy query: %w", err)
	}
	if n := len(reRecord.FindAllIndex(plain, -1)); n != pageSize {
		return fmt.Errorf("proxy query: %d records, want %d", n, pageSize)
	}
	return b.compare(ctx, s, "query page", pageSize, b.opts.queryN, b.opts.queryRate, gw, px)
}

// compare measures gw and px the same way: CPU per request of each
// process (median of the rounds), then p50 and p99 latency at rate.
func (b *bench) compare(ctx context.Context, s *stack, what string, records, n, rate int, gw, px request) error {
	warm := max(n/10, 20)
	if err := closedLoop(ctx, warm, b.opts.conc, gw); err != nil {
		return fmt.Errorf("%s warm-up: %w", what, s.gw.failed(err))
	}
	if err := closedLoop(ctx, warm, b.opts.conc, px); err != nil {
		return fmt.Errorf("%s warm-up: %w", what, s.px.failed(err))
	}
	var gcpu, pcpu, galloc, palloc []float64
	for range b.opts.rounds {
		g, err := measure(ctx, s.gw, n, b.opts.conc, gw)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		p, err := measure(ctx, s.px, n, b.opts.conc, px)
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		gcpu, pcpu = append(gcpu, micros(g.cpu)), append(pcpu, micros(p.cpu))
		galloc, palloc = append(galloc, kb(g.alloc)), append(palloc, kb(p.alloc))
	}
	proxyIs := "bare proxy, same SOAP call"
	b.add(row{figure: what + ": CPU per request", unit: "µs", gateway: median(gcpu), baseline: median(pcpu), baselineIs: proxyIs})
	b.add(row{figure: what + ": heap allocated per request", unit: "KB", gateway: median(galloc), baseline: median(palloc), baselineIs: proxyIs})
	if records > 1 {
		b.add(row{figure: what + ": CPU per record", unit: "µs", gateway: median(gcpu) / float64(records), baseline: median(pcpu) / float64(records), baselineIs: proxyIs})
	}
	glat, err := openLoop(ctx, rate, b.opts.latency, gw)
	if err != nil {
		return fmt.Errorf("%s latency: %w", what, s.gw.failed(err))
	}
	plat, err := openLoop(ctx, rate, b.opts.latency, px)
	if err != nil {
		return fmt.Errorf("%s latency: %w", what, s.px.failed(err))
	}
	for _, p := range []float64{50, 99} {
		b.add(row{figure: fmt.Sprintf("%s: p%.0f latency at %d/s", what, p, rate), unit: "ms",
			gateway: millis(percentile(glat, p)), baseline: millis(percentile(plat, p)), baselineIs: proxyIs})
	}
	return nil
}

// measureBatch is the batch of creates with sfsim holding every create
// call for batchDelay: the gateway's one batch request against the same
// records sent as 200-record SOAP creates one after another through the
// proxy (what a client that does not parallelise pays).
func (b *bench) measureBatch(ctx context.Context, s *stack) error {
	n, delay := b.opts.batch, b.opts.batchDelay
	recs := make([]map[string]string, n)
	names := make([]string, n)
	for i := range recs {
		names[i] = fmt.Sprintf("sfbench batch %d", i)
		recs[i] = map[string]string{"Name": names[i]}
	}
	body, err := json.Marshal(map[string]any{"operation": "create", "records": recs})
	if err != nil {
		return err
	}
	var envs [][]byte
	for i := 0; i < n; i += 200 {
		envs = append(envs, createEnvelope(s.session, names[i:min(i+200, n)]))
	}
	fault := fmt.Sprintf(`{"operation":"create","fault":"delay","delayMs":%d,"count":1000000}`, delay.Milliseconds())
	if err := s.simControl(ctx, http.MethodPost, "/_sim/faults", fault, http.StatusCreated, nil); err != nil {
		return err
	}
	rss0, _, err := s.gw.memory()
	if err != nil {
		return err
	}
	var gwall, pwall, gcalls, pcalls []float64
	for range b.opts.batchRounds {
		calls, wall, err := s.countCalls(ctx, "create", func() error {
			var res struct {
				SuccessCount int `json:"successCount"`
			}
			got, err := s.gatewayDo(ctx, http.MethodPost, "/v1/sobjects/Account/records/batch", string(body))
			if err == nil {
				err = json.Unmarshal(got, &res)
			}
			if err == nil && res.SuccessCount != n {
				err = fmt.Errorf("%d of %d records created", res.SuccessCount, n)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("gateway batch: %w", err)
		}
		gwall, gcalls = append(gwall, wall.Seconds()), append(gcalls, float64(calls))
		calls, wall, err = s.countCalls(ctx, "create", func() error {
			for _, env := range envs {
				plain, err := s.soap.postPlain(ctx, env)
				if err != nil {
					return err
				}
				if ok := len(reSuccess.FindAllIndex(plain, -1)); ok != bytes.Count(env, []byte("<sObjects>")) {
					return fmt.Errorf("%d records created of a call's %d", ok, bytes.Count(env, []byte("<sObjects>")))
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("proxy creates: %w", err)
		}
		pwall, pcalls = append(pwall, wall.Seconds()), append(pcalls, float64(calls))
	}
	if err := s.simControl(ctx, http.MethodDelete, "/_sim/faults", "", http.StatusNoContent, nil); err != nil {
		return err
	}
	rss1, _, err := s.gw.memory()
	if err != nil {
		return err
	}
	what := fmt.Sprintf("batch of %d creates, %v per call", n, delay)
	seq := "sequential 200-record creates via proxy"
	b.add(row{figure: what + ": wall time", unit: "s", gateway: median(gwall), baseline: median(pwall), baselineIs: seq})
	b.add(row{figure: what + ": create calls", unit: "calls", gateway: median(gcalls), baseline: median(pcalls), baselineIs: seq})
	b.add(row{figure: what + ": gateway RSS right after", unit: "MB", gateway: mb(rss1), baseline: mb(rss0), baselineIs: "the gateway's RSS before the batches"})
	return nil
}

// countCalls runs fn and returns the calls of op it cost at sfsim and how
// long it took.
func (s *stack) countCalls(ctx context.Context, op string, fn func() error) (int64, time.Duration, error) {
	before, err := s.simCalls(ctx, op)
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	if err := fn(); err != nil {
		return 0, 0, err
	}
	wall := time.Since(start)
	after, err := s.simCalls(ctx, op)
	return after - before, wall, err
}

// measureStream is the NDJSON stream of every account of the org: the
// gateway's peak and sampled resident size against the proxy's carrying
// the same query and queryMore pages.
func (b *bench) measureStream(ctx context.Context, s *stack) error {
	// Warm both: the gateway's session and describe, the proxy's
	// connection.
	small, err := json.Marshal(map[string]any{"fields": benchFields, "limit": 1})
	if err != nil {
		return err
	}
	if _, err := s.gatewayDo(ctx, http.MethodPost, "/v1/sobjects/Account/query", string(small)); err != nil {
		return err
	}
	soql := "SELECT " + strings.Join(benchFields, ", ") + " FROM Account"
	if _, err := s.soap.postPlain(ctx, queryEnvelope(s.session, 0, soql+" LIMIT 1")); err != nil {
		return err
	}

	want := b.opts.stream
	gs, err := b.streamGateway(ctx, s)
	if err != nil {
		return err
	}
	ps, err := b.streamProxy(ctx, s, soql)
	if err != nil {
		return err
	}
	for _, st := range []streamStats{gs, ps} {
		if st.records != want {
			return fmt.Errorf("%s streamed %d records, want %d", st.who, st.records, want)
		}
	}
	what := fmt.Sprintf("NDJSON stream of %d records", want)
	proxyIs := "proxy carrying the query/queryMore pages"
	b.add(row{figure: what + ": peak RSS (VmHWM)", unit: "MB", gateway: mb(gs.hwm), baseline: mb(ps.hwm), baselineIs: proxyIs})
	b.add(row{figure: fmt.Sprintf("%s: RSS growth after %d records", what, b.opts.sampleEvery), unit: "MB", gateway: mb(gs.growth()), baseline: mb(ps.growth()), baselineIs: proxyIs})
	b.add(row{figure: what + ": CPU per record", unit: "µs", gateway: micros(gs.cpu) / float64(want), baseline: micros(ps.cpu) / float64(want), baselineIs: proxyIs})
	b.add(row{figure: what + ": wall time", unit: "s", gateway: gs.wall.Seconds(), baseline: ps.wall.Seconds(), baselineIs: proxyIs})
	for _, st := range []streamStats{gs, ps} {
		var vs []string
		for _, r := range st.samples {
			vs = append(vs, fmt.Sprintf("%.1f", mb(r)))
		}
		b.notes = append(b.notes, fmt.Sprintf("%s RSS (MB) every %d records: %s", st.who, b.opts.sampleEvery, strings.Join(vs, " ")))
	}
	return nil
}

// streamStats is what one side of the stream measured.
type streamStats struct {
	who     string
	records int
	samples []int64 // VmRSS every sampleEvery records
	hwm     int64
	cpu     time.Duration
	wall    time.Duration
}

// growth is how far the resident size rose above its first sample.
func (st streamStats) growth() int64 {
	if len(st.samples) == 0 {
		return 0
	}
	top := st.samples[0]
	for _, v := range st.samples {
		top = max(top, v)
	}
	return top - st.samples[0]
}

// sampler takes a resident-size sample of p each time the count of
// records passes a multiple of every.
type sampler struct {
	p       *child
	every   int
	next    int
	samples []int64
}

func (sm *sampler) at(records int) error {
	for records >= sm.next {
		rss, _, err := sm.p.memory()
		if err != nil {
			return err
		}
		sm.samples = append(sm.samples, rss)
		sm.next += sm.every
	}
	return nil
}

func (b *bench) streamGateway(ctx context.Context, s *stack) (streamStats, error) {
	st := streamStats{who: "gateway"}
	body, err := json.Marshal(map[string]any{"fields": benchFields, "pageSize": streamPage})
	if err != nil {
		return st, err
	}
	cpu0, err := s.gw.cpuTime()
	if err != nil {
		return st, err
	}
	sm := &sampler{p: s.gw, every: b.opts.sampleEvery, next: b.opts.sampleEvery}
	start := time.Now()
	req, err := newJSONRequest(ctx, http.MethodPost, s.gwURL+"/v1/sobjects/Account/query", string(body))
	if err != nil {
		return st, err
	}
	req.Header.Set("Accept", "application/x-ndjson")
	resp, err := s.gwHTTP.Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/x-ndjson" {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return st, fmt.Errorf("gateway stream: %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), msg)
	}
	br := bufio.NewReaderSize(resp.Body, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			return st, fmt.Errorf("gateway stream: a line over 64 KiB")
		}
		if len(bytes.TrimSpace(line)) > 0 {
			if !bytes.HasPrefix(line, []byte(`{`)) {
				return st, fmt.Errorf("gateway stream: line %d is not a record: %.200s", st.records+1, line)
			}
			st.records++
			if err := sm.at(st.records); err != nil {
				return st, err
			}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, fmt.Errorf("gateway stream: %w", err)
		}
	}
	st.wall = time.Since(start)
	return st, finish(&st, s.gw, cpu0, sm)
}

func (b *bench) streamProxy(ctx context.Context, s *stack, soql string) (streamStats, error) {
	st := streamStats{who: "proxy"}
	cpu0, err := s.px.cpuTime()
	if err != nil {
		return st, err
	}
	sm := &sampler{p: s.px, every: b.opts.sampleEvery, next: b.opts.sampleEvery}
	start := time.Now()
	env := queryEnvelope(s.session, streamPage, soql)
	for {
		page, err := s.soap.postPlain(ctx, env)
		if err != nil {
			return st, fmt.Errorf("proxy stream: %w", err)
		}
		st.records += len(reRecord.FindAllIndex(page, -1))
		if err := sm.at(st.records); err != nil {
			return st, err
		}
		done := reDone.FindSubmatch(page)
		if done == nil {
			return st, fmt.Errorf("proxy stream: a page without done: %.300s", page)
		}
		if string(done[1]) == "true" {
			break
		}
		loc := reLocator.FindSubmatch(page)
		if loc == nil {
			return st, fmt.Errorf("proxy stream: a page not done without a locator")
		}
		env = queryMoreEnvelope(s.session, streamPage, string(loc[1]))
	}
	st.wall = time.Since(start)
	return st, finish(&st, s.px, cpu0, sm)
}

// finish records the process's CPU since cpu0, its peak resident size and
// the samples.
func finish(st *streamStats, p *child, cpu0 time.Duration, sm *sampler) error {
	cpu1, err := p.cpuTime()
	if err != nil {
		return err
	}
	_, hwm, err := p.memory()
	if err != nil {
		return err
	}
	st.cpu, st.hwm, st.samples = cpu1-cpu0, hwm, sm.samples
	return nil
}

// firstID is the Id of the first account of the query page, read through
// the proxy.
func firstID(ctx context.Context, s *stack) (string, error) {
	plain, err := s.soap.postPlain(ctx, queryEnvelope(s.session, 0, pageSOQL))
	if err != nil {
		return "", fmt.Errorf("first account: %w", err)
	}
	m := reID.FindSubmatch(plain)
	if m == nil {
		return "", fmt.Errorf("first account: no Id in %.300s", plain)
	}
	return string(m[1]), nil
}

// gatewayDo sends one request to the gateway and returns its body; any
// status but 200 is an error.
func (s *stack) gatewayDo(ctx context.Context, method, path, body string) ([]byte, error) {
	req, err := newJSONRequest(ctx, method, s.gwURL+path, body)
	if err != nil {
		return nil, err
	}
	resp, err := s.gwHTTP.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: %d %.300s", method, path, resp.StatusCode, b)
	}
	return b, nil
}

func newJSONRequest(ctx context.Context, method, url, body string) (*http.Request, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return nil, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	return req, nil
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }
func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
func mb(b int64) float64             { return float64(b) / (1 << 20) }
func kb(b int64) float64             { return float64(b) / (1 << 10) }
