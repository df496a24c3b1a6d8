package sfsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// benchOrg starts a seeded org over real HTTP (loopback, keep-alive) and
// logs in. The numbers measure the emulator as the gateway sees it.
func benchOrg(b *testing.B) (url, sid string, srv *Server) {
	b.Helper()
	srv, err := New(Config{SeedAccounts: 2000, DailyLimit: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	b.Cleanup(hs.Close)
	body := envelope("", "", "login", "<urn:username>"+DemoUsername+"</urn:username><urn:password>"+DemoPassword+DemoSecurityToken+"</urn:password>")
	out := benchPost(b, hs.URL+"/services/Soap/u/64.0", body)
	i := strings.Index(out, "<sessionId>")
	j := strings.Index(out, "</sessionId>")
	if i < 0 || j < 0 {
		b.Fatalf("login: %s", out)
	}
	return hs.URL + "/services/Soap/u/58.0", out[i+len("<sessionId>") : j], srv
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}}

func benchPost(b *testing.B, url, body string) string {
	res := benchSend(b, url, body)
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("status %d: %.500s", res.StatusCode, out)
	}
	return string(out)
}

func benchSend(b *testing.B, url, body string) *http.Response {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	res, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	return res
}

// benchDo sends a call and discards the answer, so the client side costs
// as little as possible in the figures; it returns the answer's size.
func benchDo(b *testing.B, url, body string) int64 {
	res := benchSend(b, url, body)
	n, _ := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("status %d", res.StatusCode)
	}
	return n
}

// cpuTime is the CPU time this process has used (client and server
// together). On a shared machine wall time per op mostly measures the
// queue for a core; CPU time per op is what a call costs.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// runBench measures one request body, serially and from parallel clients,
// reporting cpu-ns/op beside the wall time.
func runBench(b *testing.B, url, body string) {
	b.Run("serial", func(b *testing.B) {
		var n int64
		start := cpuTime()
		for b.Loop() {
			n = benchDo(b, url, body)
		}
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
		b.SetBytes(n)
	})
	b.Run("parallel", func(b *testing.B) {
		start := cpuTime()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchDo(b, url, body)
			}
		})
		b.ReportMetric(float64(cpuTime()-start)/float64(b.N), "cpu-ns/op")
	})
}

// BenchmarkBaselineTimestamp is the floor: an authenticated call that does
// no work (HTTP, envelope parsing, session check, LimitInfoHeader).
func BenchmarkBaselineTimestamp(b *testing.B) {
	url, sid, _ := benchOrg(b)
	runBench(b, url, envelope(sid, "", "getServerTimestamp", ""))
}

// BenchmarkRetrieve reads one account by id with ten fields.
func BenchmarkRetrieve(b *testing.B) {
	url, sid, srv := benchOrg(b)
	srv.mu.RLock()
	id := srv.data.tables["account"].ids[1000]
	srv.mu.RUnlock()
	runBench(b, url, envelope(sid, "", "retrieve", "<urn:fieldList>Id, Name, Industry, Type, Phone, Website, AnnualRevenue, NumberOfEmployees, BillingCity, OwnerId</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>"+id+"</urn:ids>"))
}

// BenchmarkQueryPage200 answers 200-record query pages with a parent
// field out of 2,000 accounts: "query" runs the query and returns its first
// page (batchSize 200), "queryMore" serves a later page from the cursor (a
// locator is reusable), "sorted" adds WHERE and ORDER BY over all rows.
func BenchmarkQueryPage200(b *testing.B) {
	url, sid, _ := benchOrg(b)
	opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	const fields = "SELECT Id, Name, Industry, Type, AnnualRevenue, BillingCity, Owner.Name FROM Account"
	b.Run("query", func(b *testing.B) {
		runBench(b, url, envelope(sid, opts, "query", "<urn:queryString>"+fields+"</urn:queryString>"))
	})
	b.Run("queryMore", func(b *testing.B) {
		out := benchPost(b, url, envelope(sid, opts, "query", "<urn:queryString>"+fields+"</urn:queryString>"))
		i, j := strings.Index(out, "<queryLocator>"), strings.Index(out, "</queryLocator>")
		if i < 0 || j < 0 {
			b.Fatalf("no locator: %.300s", out)
		}
		loc := out[i+len("<queryLocator>") : j]
		loc = loc[:strings.LastIndexByte(loc, '-')] + "-1000" // a page in the middle
		runBench(b, url, envelope(sid, opts, "queryMore", "<urn:queryLocator>"+loc+"</urn:queryLocator>"))
	})
	b.Run("sorted", func(b *testing.B) {
		runBench(b, url, envelope(sid, opts, "query", "<urn:queryString>"+fields+" WHERE Industry != null ORDER BY Name LIMIT 200</urn:queryString>"))
	})
}
