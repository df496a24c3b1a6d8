package main

// Overhead benchmark: the same reads once through the Salesforce client
// alone and once through the whole gateway, against one emulated org and
// one Redis started once, so the ratio gateway/direct is measured in the
// same run. docs/e2e.md ("Overhead benchmark") has the figures.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

// benchAccounts seeds the org: a few hundred accounts, so LIMIT 200 is a
// real page and not the whole table.
const benchAccounts = 300

// benchFields are the ~10 Account fields both paths read: strings,
// picklists, a currency, an integer and a datetime.
var benchFields = []string{
	"Id", "Name", "AccountNumber", "Type", "Industry", "AnnualRevenue",
	"NumberOfEmployees", "Phone", "BillingCity", "CreatedDate",
}

var benchSOQL = "SELECT " + strings.Join(benchFields, ", ") + " FROM Account LIMIT 200"

// benchStack is one org, one Redis database and one gateway, plus a
// Salesforce client holding its own session of the same org.
type benchStack struct {
	base   string // the gateway
	simURL string
	http   *http.Client // plain (unvalidated) client of the gateway
	direct *salesforce.Client
}

// startBenchStack is startStack for a benchmark: sfsim on loopback, a
// Redis key prefix of its own, and run booted by the same bootGateway. It
// differs in two ways that matter for timing: the org's daily API limit is
// raised (the default 15,000 would be reached by -count runs), and the
// gateway's client is a plain one, since startStack's per-answer OpenAPI
// validation would be counted as gateway cost.
func startBenchStack(b *testing.B) *benchStack {
	b.Helper()
	sim, err := sfsim.New(sfsim.Config{SeedAccounts: benchAccounts, DailyLimit: 1 << 30})
	if err != nil {
		b.Fatalf("sfsim: %v", err)
	}
	simURL, stopSim, err := sim.Start(context.WithoutCancel(b.Context()), "127.0.0.1:0")
	if err != nil {
		b.Fatalf("sfsim: %v", err)
	}
	b.Cleanup(stopSim)
	redisAddr, redisPrefix := redistest.Shared(b)
	addr, _ := bootGateway(b, simURL, redisAddr, redisPrefix, randomBytes(b, 32), randomBytes(b, 32), nil)
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	b.Cleanup(tr.CloseIdleConnections)

	// The direct client is built as run builds the gateway's (its
	// transport, client name, and the version the gateway discovers: the
	// org's newest), with a session from the same OAuth token endpoint.
	sess := benchSession(b, simURL)
	sfHTTP := &http.Client{Transport: salesforce.NewTransport(salesforce.TransportConfig{})}
	b.Cleanup(sfHTTP.CloseIdleConnections)
	direct, err := salesforce.New(salesforce.Config{
		Sessions:   staticSession{sess},
		APIVersion: fmt.Sprintf("%.1f", sfsim.DefaultNewestVersion),
		HTTPClient: sfHTTP,
		ClientName: "sfgate",
	})
	if err != nil {
		b.Fatal(err)
	}
	return &benchStack{
		base:   "http://" + addr,
		simURL: simURL,
		http:   &http.Client{Transport: tr, Timeout: 30 * time.Second},
		direct: direct,
	}
}

// benchSession obtains an access token with the client-credentials flow,
// the one the gateway uses.
func benchSession(b *testing.B, loginURL string) salesforce.Session {
	b.Helper()
	form := url.Values{
		"grant_type":    {"client_credentials"},
		"client_id":     {sfsim.DemoClientID},
		"client_secret": {sfsim.DemoClientSecret},
	}
	req, err := http.NewRequestWithContext(b.Context(), http.MethodPost,
		loginURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("token: %v", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		InstanceURL string `json:"instance_url"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		// The answer may hold a token: report the status only.
		b.Fatalf("token: HTTP %d (decode error: %v)", resp.StatusCode, err)
	}
	return salesforce.Session{ID: salesforce.Secret(tok.AccessToken), InstanceURL: tok.InstanceURL}
}

// staticSession hands out one session; the benchmark is far shorter than
// sfsim's idle timeout, so a rejection is a failure, not something to heal.
type staticSession struct{ s salesforce.Session }

func (s staticSession) Session(context.Context) (salesforce.Session, error) { return s.s, nil }

func (s staticSession) Invalidate(context.Context, salesforce.Session) error {
	return fmt.Errorf("benchmark session rejected by sfsim")
}

// gatewayJSON sends one request to the gateway and decodes its JSON answer
// into out; anything but 200 is an error.
func (s *benchStack) gatewayJSON(ctx context.Context, method, path, body string, out any) error {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 2048))
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(out)
}

// simCalls runs fn once and returns the SOAP calls it cost at sfsim, by
// operation.
func (s *benchStack) simCalls(b *testing.B, fn func(context.Context) error) map[string]int64 {
	b.Helper()
	before := s.simStats(b)
	if err := fn(b.Context()); err != nil {
		b.Fatal(err)
	}
	after := s.simStats(b)
	delta := map[string]int64{}
	for op, n := range after {
		if n != before[op] {
			delta[op] = n - before[op]
		}
	}
	return delta
}

func (s *benchStack) simStats(b *testing.B) map[string]int64 {
	b.Helper()
	req, err := http.NewRequestWithContext(b.Context(), http.MethodGet, s.simURL+"/_sim/stats", nil)
	if err != nil {
		b.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatalf("sfsim stats: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Calls map[string]int64 `json:"calls"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("sfsim stats: HTTP %d: %v", resp.StatusCode, err)
	}
	return out.Calls
}

// benchOp is one operation done both ways. Each function does one call and
// checks what it got, so a benchmark of a broken path fails rather than
// timing error answers.
type benchOp struct {
	name            string
	direct, gateway func(ctx context.Context) error
}

// BenchmarkGatewayOverhead times each benchOp directly and through the
// gateway, in the same run, and reports the gateway's added cost against
// the direct path (docs/e2e.md, "Overhead benchmark").
func BenchmarkGatewayOverhead(b *testing.B) {
	s := startBenchStack(b)
	ctx := b.Context()
	ops := benchOps(b, s)
	warmAndCompare(b, s, ops)

	for _, op := range ops {
		// directNs is the direct path's ns/op from this run: the gateway
		// sub-benchmark, which runs after it, reports its own cost against it.
		var directNs float64
		b.Run(op.name+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := op.direct(ctx); err != nil {
					b.Fatal(err)
				}
			}
			directNs = float64(b.Elapsed().Nanoseconds()) / float64(b.N)
		})
		b.Run(op.name+"/gateway", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := op.gateway(ctx); err != nil {
					b.Fatal(err)
				}
			}
			if directNs > 0 {
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
				b.ReportMetric(ns-directNs, "added-ns/op")
				b.ReportMetric(ns/directNs, "x-direct")
			}
		})
	}
}

// benchOps builds the operations to time: a get of one record and a query
// of 200, each direct and through the gateway.
func benchOps(b *testing.B, s *benchStack) []benchOp {
	b.Helper()
	ctx := b.Context()

	// One record to get: the first of the query, read directly.
	first, err := s.direct.Query(ctx, benchSOQL)
	if err != nil {
		b.Fatalf("direct query: %v", err)
	}
	if len(first.Records) != 200 {
		b.Fatalf("direct query: %d records, want 200", len(first.Records))
	}
	id := first.Records[0].ID
	getPath := "/v1/sobjects/Account/records/" + id + "?fields=" + strings.Join(benchFields, ",")
	queryBody, err := json.Marshal(map[string]string{"soql": benchSOQL})
	if err != nil {
		b.Fatal(err)
	}
	type page struct {
		Done    bool             `json:"done"`
		Records []map[string]any `json:"records"`
	}
	return []benchOp{
		{
			name: "get",
			direct: func(ctx context.Context) error {
				recs, err := s.direct.Retrieve(ctx, benchFields, "Account", []string{id})
				if err != nil {
					return err
				}
				if len(recs) != 1 || recs[0] == nil || recs[0].ID != id || len(recs[0].Fields) < len(benchFields) {
					return fmt.Errorf("retrieve: got %d records, want %s with %d fields", len(recs), id, len(benchFields))
				}
				return nil
			},
			gateway: func(ctx context.Context) error {
				var rec map[string]any
				if err := s.gatewayJSON(ctx, http.MethodGet, getPath, "", &rec); err != nil {
					return err
				}
				if rec["Id"] != id || len(rec) < len(benchFields) {
					return fmt.Errorf("get: Id %v and %d members, want %s and at least %d", rec["Id"], len(rec), id, len(benchFields))
				}
				return nil
			},
		},
		{
			name: "query200",
			direct: func(ctx context.Context) error {
				qr, err := s.direct.Query(ctx, benchSOQL)
				if err != nil {
					return err
				}
				if !qr.Done || len(qr.Records) != 200 || qr.Records[0].ID != id {
					return fmt.Errorf("query: done %t, %d records", qr.Done, len(qr.Records))
				}
				return nil
			},
			gateway: func(ctx context.Context) error {
				var p page
				if err := s.gatewayJSON(ctx, http.MethodPost, "/v1/query", string(queryBody), &p); err != nil {
					return err
				}
				if !p.Done || len(p.Records) != 200 || p.Records[0]["Id"] != id {
					return fmt.Errorf("query: done %t, %d records", p.Done, len(p.Records))
				}
				return nil
			},
		},
	}
}

// warmAndCompare warms both paths of every op, then checks that, once warm,
// one operation costs the same single SOAP call both ways.
func warmAndCompare(b *testing.B, s *benchStack, ops []benchOp) {
	b.Helper()
	ctx := b.Context()
	// Warm both paths outside the timings: connections, the gateway's
	// describe cache and session, sfsim's query plan of the SOQL.
	for _, op := range ops {
		for range 5 {
			if err := op.direct(ctx); err != nil {
				b.Fatalf("%s/direct warm-up: %v", op.name, err)
			}
			if err := op.gateway(ctx); err != nil {
				b.Fatalf("%s/gateway warm-up: %v", op.name, err)
			}
		}
	}

	// Like for like: once warm, one operation costs the same SOAP calls
	// both ways (no describe, no login on the gateway's side).
	for _, op := range ops {
		d, g := s.simCalls(b, op.direct), s.simCalls(b, op.gateway)
		if len(d) != 1 || fmt.Sprint(d) != fmt.Sprint(g) {
			b.Fatalf("%s: SOAP calls per operation: direct %v, gateway %v; want the same single call", op.name, d, g)
		}
		b.Logf("%s: one %v each way", op.name, d)
	}
}
