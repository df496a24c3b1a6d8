package sfsim

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
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
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	res, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.Fatalf("status %d: %.500s", res.StatusCode, out)
	}
	return string(out)
}

// runBench measures one request body, serially and from parallel clients.
func runBench(b *testing.B, url, body string) {
	b.Run("serial", func(b *testing.B) {
		var n int
		for b.Loop() {
			n = len(benchPost(b, url, body))
		}
		b.SetBytes(int64(n))
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchPost(b, url, body)
			}
		})
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

// BenchmarkQueryPage200 answers a 200-record query page with a parent
// field, out of 2,000 accounts.
func BenchmarkQueryPage200(b *testing.B) {
	url, sid, _ := benchOrg(b)
	runBench(b, url, envelope(sid, `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`, "query",
		"<urn:queryString>SELECT Id, Name, Industry, Type, AnnualRevenue, BillingCity, Owner.Name FROM Account WHERE Industry != null ORDER BY Name LIMIT 200</urn:queryString>"))
}
