package handlers

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
)

const doorKeyBilling = "k-billing-0123456789"

func doorOptions() Options {
	opts := fullOptions()
	opts.APIKeys = []APIKey{{Name: "billing", Key: sfgate.Secret(doorKeyBilling)}}
	return opts
}

// rawRequest opens a connection to the server at base and sends the header
// block of a POST declaring a body of declared bytes, plus body (which may
// be shorter); it returns the connection and a reader of the answer.
func rawRequest(t *testing.T, base, path, auth string, declared int64, body string) (net.Conn, *bufio.Reader) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	c, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	hdr := fmt.Sprintf("POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n", path, u.Host, declared)
	if auth != "" {
		hdr += "Authorization: Bearer " + auth + "\r\n"
	}
	if _, err := io.WriteString(c, hdr+"\r\n"+body); err != nil {
		t.Fatal(err)
	}
	return c, bufio.NewReader(c)
}

func readStatus(t *testing.T, c net.Conn, br *bufio.Reader, within time.Duration) *http.Response {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer within %s: %v", within, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// TestUnauthenticatedBodyIsNeverRead: a request without a key that declares
// a 32 MiB batch and sends nothing is refused at once, holds no body budget,
// and its connection is closed rather than waited on.
func TestUnauthenticatedBodyIsNeverRead(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, doorOptions())
	for _, auth := range []string{"", "k-wrong-key-0123456789"} {
		start := time.Now()
		c, br := rawRequest(t, s.url, "/v1/sobjects/Account/records/batch", auth, 32<<20, "")
		resp := readStatus(t, c, br, 2*time.Second)
		if resp.StatusCode != 401 {
			t.Fatalf("key %q: status %d, want 401", auth, resp.StatusCode)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("key %q: the 401 took %s", auth, d)
		}
		if total, _ := s.h.bodies.held(""); total != 0 {
			t.Errorf("key %q: %d body bytes held for a refused request", auth, total)
		}
		if !resp.Close {
			t.Errorf("key %q: connection kept open for a body that will never be read", auth)
		}
	}
}

// TestBodyChargedAsItArrives: an authenticated request that declares a
// large body holds nothing until bytes arrive, then about what arrived.
func TestBodyChargedAsItArrives(t *testing.T) {
	t.Parallel()
	opts := doorOptions()
	opts.MaxBodyBytes = 1 << 20
	s := newTestServer(t, opts)
	c, _ := rawRequest(t, s.url, "/v1/sobjects/Account/records", doorKeyBilling, 1<<20, "")
	time.Sleep(100 * time.Millisecond)
	if total, mine := s.h.bodies.held("billing"); total != 0 || mine != 0 {
		t.Fatalf("before any byte: %d held (%d by the caller), want 0", total, mine)
	}
	if _, err := io.WriteString(c, `{"Name":"`+strings.Repeat("x", 1000)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		_, mine := s.h.bodies.held("billing")
		if mine > 0 {
			if mine > firstBodyChunk {
				t.Fatalf("1 KB sent of 1 MiB declared: %d bytes held, want at most %d", mine, firstBodyChunk)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the bytes sent were never charged")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = c.Close()
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if total, _ := s.h.bodies.held("billing"); total == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the caller went away and its bytes stay held")
		}
	}
}

// TestBodyReadTimeout: a body that does not arrive in time is 408.
func TestBodyReadTimeout(t *testing.T) {
	t.Parallel()
	opts := doorOptions()
	opts.BodyReadTimeout = 300 * time.Millisecond
	s := newTestServer(t, opts)
	c, br := rawRequest(t, s.url, "/v1/sobjects/Account/records", doorKeyBilling, 100, `{"Name":`)
	resp := readStatus(t, c, br, 3*time.Second)
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("status %d, want 408", resp.StatusCode)
	}
	if total, _ := s.h.bodies.held("billing"); total != 0 {
		t.Errorf("%d bytes held after the timeout", total)
	}
}

// TestCallerBodyShare: a caller trickling many large bodies is stopped at
// its share of the buffer (429) while another caller still gets through.
func TestCallerBodyShare(t *testing.T) {
	t.Parallel()
	opts := doorOptions()
	opts.APIKeys = append(opts.APIKeys, APIKey{Name: "crm", Key: "k-crm-0123456789abc"})
	opts.MaxBodyBytes = 64 << 10
	opts.MaxBatchBodyBytes = 64 << 10
	opts.MaxBufferedBodyBytes = 1 << 20
	opts.CallerBodyShare = 0.25 // 256 KiB: four bodies of 64 KiB
	s := newTestServer(t, opts)
	chunk := `{"Name":"` + strings.Repeat("x", 40<<10) // 40 KiB of 64 KiB declared: 64 KiB held each
	refused := 0
	for i := range 8 {
		c, br := rawRequest(t, s.url, "/v1/sobjects/Account/records", doorKeyBilling, 64<<10, chunk)
		// Wait until this one is charged or refused before the next.
		for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			_ = c.SetReadDeadline(time.Now().Add(5 * time.Millisecond))
			if _, err := br.Peek(1); err == nil {
				resp := readStatus(t, c, br, time.Second)
				if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
					t.Fatalf("request %d: status %d, want 429 with Retry-After", i, resp.StatusCode)
				}
				refused++
				break
			}
			if _, mine := s.h.bodies.held("billing"); mine >= int64(i+1)*(64<<10) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("request %d neither charged nor refused", i)
			}
		}
	}
	if _, mine := s.h.bodies.held("billing"); mine > s.h.bodies.perCaller {
		t.Errorf("the caller holds %d bytes, over its share %d", mine, s.h.bodies.perCaller)
	}
	if refused != 4 {
		t.Errorf("%d of 8 trickling requests refused, want 4 (share of 256 KiB, 64 KiB each)", refused)
	}
	status, _, body := s.do("POST", "/v1/sobjects/Account/records", `{"Name":"Acme"}`, "Authorization", "Bearer k-crm-0123456789abc")
	if status != 201 {
		t.Errorf("another caller's create: %d %s", status, body)
	}
}

// TestUnauthenticatedSlots: when every slot for requests not yet
// authenticated is taken, the next is 503 GATEWAY_OVERLOADED at once, and
// an authenticated request gives its slot back.
func TestUnauthenticatedSlots(t *testing.T) {
	t.Parallel()
	opts := doorOptions()
	opts.MaxUnauthenticated = 2
	s := newTestServer(t, opts)
	auth := []string{"Authorization", "Bearer " + doorKeyBilling}
	for range 5 {
		if status, _, body := s.do("GET", "/v1/sobjects", "", auth...); status != 200 {
			t.Fatalf("status %d: %s", status, body)
		}
	}
	s.h.unauth <- struct{}{}
	s.h.unauth <- struct{}{}
	status, hdr, body := s.do("GET", "/v1/sobjects", "", auth...)
	<-s.h.unauth
	<-s.h.unauth
	if status != 503 || hdr.Get("Retry-After") == "" || !strings.Contains(body, sfgate.CodeOverloaded) {
		t.Errorf("with no slot free: %d %q %s", status, hdr.Get("Retry-After"), body)
	}
}

// TestAuthenticationStepIsTimeBound: auth runs under UnauthenticatedTimeout;
// what comes after it does not.
func TestAuthenticationStepIsTimeBound(t *testing.T) {
	t.Parallel()
	opts := doorOptions()
	opts.UnauthenticatedTimeout = time.Second
	var inAuth, after time.Time
	h, err := New(t.Context(), opts)
	if err != nil {
		t.Fatal(err)
	}
	probe := h.door(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inAuth, _ = r.Context().Deadline()
		r = r.WithContext(sfgate.WithCaller(r.Context(), &sfgate.Caller{Name: "billing"}))
		h.admitted(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			after, _ = r.Context().Deadline()
			if callerFrom(r.Context()) != "billing" {
				t.Error("what auth put in the context was lost")
			}
			if r.Context().Err() != nil {
				t.Errorf("context ended once admitted: %v", r.Context().Err())
			}
		})).ServeHTTP(w, r)
	}))
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "/v1/sobjects", nil)
	probe.ServeHTTP(&statusWriter{ResponseWriter: discardWriter{}}, req)
	if inAuth.IsZero() || time.Until(inAuth) > time.Second {
		t.Errorf("authentication step deadline %v, want within 1s", inAuth)
	}
	if !after.IsZero() {
		t.Errorf("deadline %v after authentication, want none (the request deadline comes later)", after)
	}
}

type discardWriter struct{}

func (discardWriter) Header() http.Header         { return http.Header{} }
func (discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (discardWriter) WriteHeader(int)             {}
