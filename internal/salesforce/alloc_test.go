package salesforce

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
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
		d := newDecoder(data, DefaultMaxDepth)
		ok := false
		if fe := d.envelope(responseName(answer), func() { ok = decode(d) }); fe != nil || !ok {
			b.Fatalf("decode: %v", fe)
		}
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

