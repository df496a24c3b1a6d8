package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"regexp"
	"runtime/metrics"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// The baseline's requests are the SOAP calls the gateway makes for the same
// work, written here by hand (the Partner API's envelope, the session and
// client headers the gateway sends) so that the baseline shares no code
// with the gateway.
const envelopeOpen = `<?xml version="1.0" encoding="UTF-8"?>` +
	`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com"` +
	` xmlns:sf="urn:sobject.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">`

// envelope wraps body in the SOAP envelope with the session, the client
// name and, when batchSize > 0, QueryOptions.
func envelope(session string, batchSize int, body string) []byte {
	var b strings.Builder
	b.WriteString(envelopeOpen)
	b.WriteString("<soapenv:Header><SessionHeader><sessionId>")
	b.WriteString(html.EscapeString(session))
	b.WriteString(`</sessionId></SessionHeader><CallOptions><client>sfgate</client><defaultNamespace xsi:nil="true"/></CallOptions>`)
	if batchSize > 0 {
		fmt.Fprintf(&b, "<QueryOptions><batchSize>%d</batchSize></QueryOptions>", batchSize)
	}
	b.WriteString("</soapenv:Header><soapenv:Body>")
	b.WriteString(body)
	b.WriteString("</soapenv:Body></soapenv:Envelope>")
	return []byte(b.String())
}

func retrieveEnvelope(session string, fields []string, id string) []byte {
	return envelope(session, 0, "<retrieve><fieldList>"+strings.Join(fields, ", ")+
		"</fieldList><sObjectType>Account</sObjectType><ids>"+id+"</ids></retrieve>")
}

func queryEnvelope(session string, batchSize int, soql string) []byte {
	return envelope(session, batchSize, "<query><queryString>"+html.EscapeString(soql)+"</queryString></query>")
}

func queryMoreEnvelope(session string, batchSize int, locator string) []byte {
	return envelope(session, batchSize, "<queryMore><queryLocator>"+html.EscapeString(locator)+"</queryLocator></queryMore>")
}

// createEnvelope creates one Account per name.
func createEnvelope(session string, names []string) []byte {
	var b strings.Builder
	b.WriteString("<create>")
	for _, n := range names {
		b.WriteString("<sObjects><sf:type>Account</sf:type><sf:Name>")
		b.WriteString(html.EscapeString(n))
		b.WriteString("</sf:Name></sObjects>")
	}
	b.WriteString("</create>")
	return envelope(session, 0, b.String())
}

// soapClient posts envelopes to one SOAP endpoint (the proxy's) as the
// gateway's client does: gzip accepted, the answer read whole.
type soapClient struct {
	http     *http.Client
	endpoint string
}

// post sends env and returns the answer as received (gzipped or not) and
// whether it is gzipped; anything but 200 is an error.
func (c *soapClient) post(ctx context.Context, env []byte) ([]byte, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(env))
	if err != nil {
		return nil, false, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("SOAPAction", `""`)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, false, err
	}
	gz := resp.Header.Get("Content-Encoding") == "gzip"
	if resp.StatusCode != http.StatusOK {
		if plain, err := unzip(b, gz); err == nil {
			b = plain
		}
		return nil, false, fmt.Errorf("SOAP answer %d: %.300s", resp.StatusCode, b)
	}
	return b, gz, nil
}

// postPlain is post with the answer decompressed.
func (c *soapClient) postPlain(ctx context.Context, env []byte) ([]byte, error) {
	b, gz, err := c.post(ctx, env)
	if err != nil {
		return nil, err
	}
	return unzip(b, gz)
}

func unzip(b []byte, gz bool) ([]byte, error) {
	if !gz {
		return b, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

var (
	reLocator = regexp.MustCompile(`<queryLocator>([^<]+)</queryLocator>`)
	reDone    = regexp.MustCompile(`<done>(true|false)</done>`)
	reID      = regexp.MustCompile(`<sf:Id>([^<]+)</sf:Id>`)
	reRecord  = regexp.MustCompile(`<records\b`)
	reSuccess = regexp.MustCompile(`<success>true</success>`)
)

// simToken gets a session from sfsim's OAuth token endpoint with the
// client-credentials flow, the one the gateway is given.
func simToken(ctx context.Context, simURL string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {sfsim.DemoClientID}, "client_secret": {sfsim.DemoClientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, simURL+"/services/oauth2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&tok); err != nil || resp.StatusCode != http.StatusOK || tok.AccessToken == "" {
		// The answer may hold a token: only the status is reported.
		return "", fmt.Errorf("token: HTTP %d (decode error: %v)", resp.StatusCode, err)
	}
	return tok.AccessToken, nil
}

// serveProxy is the baseline process: a bare httputil.ReverseProxy in
// front of target, with connection reuse sized like the gateway's (the
// default of two idle connections per host would make it dial on most
// requests under concurrency).
func serveProxy(ctx context.Context, target, addr, opsAddr string) error {
	u, err := url.Parse(target)
	if err != nil || u.Host == "" {
		return fmt.Errorf("proxy target %q is not a URL", target)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 256
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.Transport = tr
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Without full duplex, net/http's server may close the request body
		// once the answer starts while the transport still reads it for its
		// trailing EOF check; the transport then drops the upstream
		// connection mid-answer (about one query page in a thousand here).
		_ = http.NewResponseController(w).EnableFullDuplex()
		rp.ServeHTTP(w, r)
	})
	srv := &http.Server{Addr: addr, Handler: h, ReadHeaderTimeout: 10 * time.Second}
	ops := &http.Server{Addr: opsAddr, Handler: http.HandlerFunc(serveAllocated), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 2)
	go func() { errc <- srv.ListenAndServe() }()
	go func() { errc <- ops.ListenAndServe() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	_ = ops.Shutdown(sctx)
	return srv.Shutdown(sctx)
}

// allocMetric is the Go runtime's count of bytes allocated on the heap,
// under the name the gateway's /metrics gives it (client_golang's Go
// collector), so that one parser reads both processes.
const allocMetric = "go_memstats_alloc_bytes_total"

// serveAllocated answers the proxy's allocated bytes as one line of the
// Prometheus text format.
func serveAllocated(w http.ResponseWriter, _ *http.Request) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	metrics.Read(s)
	fmt.Fprintf(w, "%s %d\n", allocMetric, s[0].Value.Uint64())
}
