package salesforce

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// retrieveOneAnswer is retrieve's answer for one Account with eleven
// fields and the API usage header, the shape of a single-record read.
const retrieveOneAnswer = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com">` +
	`<soapenv:Header><LimitInfoHeader><limitInfo><current>22092</current><limit>64000</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>` +
	`<soapenv:Body><retrieveResponse><result xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>001D000000IqhSLIAZ</sf:Id>` +
	`<sf:Id>001D000000IqhSLIAZ</sf:Id><sf:Name>Smith &amp; Sons</sf:Name><sf:AccountNumber>CD000042</sf:AccountNumber>` +
	`<sf:Industry>Energy</sf:Industry><sf:AnnualRevenue>1000137.0</sf:AnnualRevenue><sf:NumberOfEmployees>120</sf:NumberOfEmployees>` +
	`<sf:CreatedDate>2024-03-04T10:14:07.000Z</sf:CreatedDate><sf:LastActivityDate xsi:nil="true"/>` +
	`<sf:Description>Key account since 2019.` + "\n" + `Renewal due in Q3.</sf:Description>` +
	`<sf:Phone>(415) 555-0142</sf:Phone><sf:OwnerId>005D0000001AbCdIAK</sf:OwnerId>` +
	`</result></retrieveResponse></soapenv:Body></soapenv:Envelope>`

// createOneAnswer is create's answer for one record.
const createOneAnswer = `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
	`<soapenv:Header><LimitInfoHeader><limitInfo><current>22093</current><limit>64000</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>` +
	`<soapenv:Body><createResponse><result><id>001D000000IqhSMIAZ</id><success>true</success></result></createResponse></soapenv:Body></soapenv:Envelope>`

func gzipString(s string) []byte {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, s)
	zw.Close()
	return b.Bytes()
}

// fixedSF is an in-process Salesforce that drains each request and answers
// every one with the same gzipped envelope, allocating little itself, so
// the client's allocations dominate a measurement.
func fixedSF(tb testing.TB, answer string) *httptest.Server {
	tb.Helper()
	body := gzipString(answer)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		h := w.Header()
		h["Content-Type"] = []string{"text/xml; charset=utf-8"}
		h["Content-Encoding"] = []string{"gzip"}
		w.Write(body)
	}))
	tb.Cleanup(srv.Close)
	return srv
}

type fixedSessions struct{ s Session }

func (f fixedSessions) Session(context.Context) (Session, error) { return f.s, nil }
func (fixedSessions) Invalidate(context.Context, Session) error  { return nil }

func fixedClient(tb testing.TB, srv *httptest.Server) *Client {
	tb.Helper()
	c, err := New(Config{Sessions: fixedSessions{Session{ID: "00Dxx0000001gPF!SESSION", InstanceURL: srv.URL}}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(c.http.CloseIdleConnections)
	return c
}

var (
	retrieveFields = []string{"Id", "Name", "AccountNumber", "Industry", "AnnualRevenue", "NumberOfEmployees",
		"CreatedDate", "LastActivityDate", "Description", "Phone", "OwnerId"}
	retrieveIDs = []string{"001D000000IqhSLIAZ"}
)

func retrieveOne(tb testing.TB, c *Client) {
	recs, err := c.Retrieve(context.Background(), retrieveFields, "Account", retrieveIDs)
	if err != nil || len(recs) != 1 || recs[0] == nil || len(recs[0].Fields) != 11 {
		tb.Fatalf("retrieve: %v %v", recs, err)
	}
}

func createOne(tb testing.TB, c *Client, recs []partner.Record) {
	res, err := c.Create(context.Background(), recs)
	if err != nil || len(res) != 1 || !res[0].Success {
		tb.Fatalf("create: %v %v", res, err)
	}
}

// BenchmarkClientRetrieveOne reads one record through the client from an
// in-process server: request encoding, HTTP, gunzip and decode. B/op
// includes the server's own (small) share.
func BenchmarkClientRetrieveOne(b *testing.B) {
	c := fixedClient(b, fixedSF(b, retrieveOneAnswer))
	retrieveOne(b, c)
	b.ReportAllocs()
	for b.Loop() {
		retrieveOne(b, c)
	}
}

// BenchmarkClientCreateOne creates one record through the client.
func BenchmarkClientCreateOne(b *testing.B) {
	c := fixedClient(b, fixedSF(b, createOneAnswer))
	recs := []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "Acme"}}}}
	createOne(b, c, recs)
	b.ReportAllocs()
	for b.Loop() {
		createOne(b, c, recs)
	}
}

// answerResponse is a gzipped HTTP answer as the transport hands it over.
func answerResponse(gz []byte) *http.Response {
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Encoding": {"gzip"}},
		Body: io.NopCloser(bytes.NewReader(gz)), ContentLength: int64(len(gz))}
}

// benchAnswer reads, gunzips and decodes one answer per iteration, without
// the network: the share of an answer's cost that is the client's own.
func benchAnswer(b *testing.B, answer string, decode func(d *decoder) bool) {
	gz := gzipString(answer)
	b.SetBytes(int64(len(answer)))
	b.ReportAllocs()
	for b.Loop() {
		resp := answerResponse(gz)
		data, err := readBody(context.Background(), resp, DefaultMaxResponseBytes)
		if err != nil {
			b.Fatal(err)
		}
		d := getDecoder(data, DefaultMaxDepth)
		ok := false
		if fe := d.envelope(responseName(answer), func() { ok = decode(d) }); fe != nil || !ok {
			b.Fatalf("decode: %v", fe)
		}
		d.release()
	}
}

func responseName(answer string) string {
	for _, n := range []string{"retrieveResponse", "createResponse", "queryResponse"} {
		if strings.Contains(answer, "<"+n+">") {
			return n
		}
	}
	return ""
}

func BenchmarkAnswerRetrieveOne(b *testing.B) {
	benchAnswer(b, retrieveOneAnswer, func(d *decoder) bool {
		r := d.retrieveResults()
		return len(r) == 1 && len(r[0].Fields) == 11
	})
}

func BenchmarkAnswerCreateOne(b *testing.B) {
	benchAnswer(b, createOneAnswer, func(d *decoder) bool {
		r := d.saveResults()
		return len(r) == 1 && r[0].Success
	})
}

func BenchmarkAnswerQueryPage(b *testing.B) {
	doc, _ := benchPage(benchRecords)
	benchAnswer(b, string(doc), func(d *decoder) bool {
		return len(d.queryResponse().Records) == benchRecords
	})
}

// allocBudget is what one single-record read or one-record write may
// allocate through the client, the in-process server's share included
// (issue 11: at most 20 KB per read, against about 420 KB before answers
// were sized to their content).
const allocBudget = 20 << 10

// bytesPerCall measures the bytes allocated per call of fn, the smallest
// of three rounds, so a stray allocation elsewhere cannot fail the bound.
func bytesPerCall(fn func()) uint64 {
	const rounds, calls = 3, 100
	best := uint64(1 << 62)
	for range rounds {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range calls {
			fn()
		}
		runtime.ReadMemStats(&after)
		best = min(best, (after.TotalAlloc-before.TotalAlloc)/calls)
	}
	return best
}

// TestAnswerAllocationBound fails when a single-record read or a one-record
// create through the client allocates more than allocBudget: the decoder's
// slabs, the read buffer and the gzip reader must stay sized to the answer.
// Not parallel: it counts every allocation of the process.
func TestAnswerAllocationBound(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates per access and drops pooled items on purpose")
	}
	rc := fixedClient(t, fixedSF(t, retrieveOneAnswer))
	cc := fixedClient(t, fixedSF(t, createOneAnswer))
	recs := []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "Acme"}}}}
	for _, tc := range []struct {
		name string
		call func()
	}{
		{"retrieve one record", func() { retrieveOne(t, rc) }},
		{"create one record", func() { createOne(t, cc, recs) }},
	} {
		tc.call() // warm the connection and the pools
		if n := bytesPerCall(tc.call); n > allocBudget {
			t.Errorf("%s allocates %d bytes per call, budget %d", tc.name, n, allocBudget)
		} else {
			t.Logf("%s: %d bytes per call", tc.name, n)
		}
	}
}

// renderRecords writes records with their parents and compound values, to
// compare decoded values before and after the decoder is reused.
func renderRecords(b *strings.Builder, recs []partner.Record) {
	for _, r := range recs {
		b.WriteString(r.Type + "/" + r.ID + "{")
		for _, f := range r.Fields {
			b.WriteString(f.Name + "=" + f.Value)
			if f.Nil {
				b.WriteString("(nil)")
			}
			for _, p := range []*partner.Record{f.Parent, f.Compound} {
				if p != nil {
					renderRecords(b, []partner.Record{*p})
				}
			}
			if f.Children != nil {
				renderRecords(b, f.Children.Records)
			}
			b.WriteString(";")
		}
		b.WriteString("}")
	}
}

// TestPooledDecoderLeavesValuesAlone decodes a page with parents, compound
// values and escaped text through a pooled decoder, then decodes other
// pages concurrently with pooled decoders, and checks the first page's
// values did not change: nothing decoded may alias the pooled scratch.
func TestPooledDecoderLeavesValuesAlone(t *testing.T) {
	t.Parallel()
	page := func(seed int) []byte {
		var b strings.Builder
		for i := range 30 {
			fmt.Fprintf(&b, `<records xsi:type="sf:sObject"><sf:type>Contact</sf:type><sf:Id xsi:nil="true"/><sf:Name>N%d-%d &amp; co</sf:Name>`+
				`<sf:Account xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id xsi:nil="true"/><sf:Name>A%d</sf:Name>`+
				`<sf:Owner xsi:type="sf:sObject"><sf:type>User</sf:type><sf:Id xsi:nil="true"/><sf:Alias>u%d</sf:Alias></sf:Owner></sf:Account>`+
				`<sf:MailingAddress xsi:type="address"><city>C%d</city><country>FR</country></sf:MailingAddress></records>`, seed, i, seed*i, seed+i, i)
		}
		return []byte(env(`<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>` + b.String() + `<size>30</size></result></queryResponse>`))
	}
	decode := func(doc []byte) *partner.QueryResult {
		d := getDecoder(doc, DefaultMaxDepth)
		defer d.release()
		var qr *partner.QueryResult
		if fe := d.envelope("queryResponse", func() { qr = d.queryResponse() }); fe != nil || qr == nil || len(qr.Records) != 30 {
			t.Errorf("decode: %v", fe)
			return &partner.QueryResult{}
		}
		return qr
	}
	first := decode(page(1))
	var want strings.Builder
	renderRecords(&want, first.Records)
	if !strings.Contains(want.String(), "Name=N1-3 & co") || !strings.Contains(want.String(), "Alias=u4") || !strings.Contains(want.String(), "city=C7") {
		t.Fatalf("unexpected decoding: %.300s", want.String())
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 25 {
				decode(page(2 + g*25 + i))
			}
		})
	}
	wg.Wait()
	var got strings.Builder
	renderRecords(&got, first.Records)
	if got.String() != want.String() {
		t.Errorf("values changed after the decoder was reused:\n got %.300s\nwant %.300s", got.String(), want.String())
	}
}
