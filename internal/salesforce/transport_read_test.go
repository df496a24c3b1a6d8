package salesforce

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadBody covers the three ways an answer is read (gzipped, with a
// Content-Length, without one) at sizes within one pooled chunk, across
// chunks and beyond what the pool keeps, and the size limit.
func TestReadBody(t *testing.T) {
	t.Parallel()
	sizes := []int{0, 1, 1500, readChunkSize, readChunkSize + 1, (maxPooledChunks+2)*readChunkSize + 17}
	const limit = (maxPooledChunks + 3) * readChunkSize
	type way struct {
		name string
		resp func(body []byte) *http.Response
	}
	ways := []way{
		{"gzip", func(b []byte) *http.Response {
			return &http.Response{Header: http.Header{"Content-Encoding": {" GZIP "}},
				Body: io.NopCloser(bytes.NewReader(gzipString(string(b)))), ContentLength: -1}
		}},
		{"content length", func(b []byte) *http.Response {
			return &http.Response{Header: http.Header{}, Body: io.NopCloser(iotest.HalfReader(bytes.NewReader(b))), ContentLength: int64(len(b))}
		}},
		{"unknown length", func(b []byte) *http.Response {
			return &http.Response{Header: http.Header{}, Body: io.NopCloser(iotest.OneByteReader(bytes.NewReader(b))), ContentLength: -1}
		}},
		{"longer than announced", func(b []byte) *http.Response {
			return &http.Response{Header: http.Header{}, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b) / 2)}
		}},
	}
	for _, w := range ways {
		for _, n := range sizes {
			if w.name == "unknown length" && n > 2*readChunkSize {
				continue // one byte per Read: slow, and the chunk logic is covered by gzip
			}
			body := bytes.Repeat([]byte("0123456789abcdef<>"), n/18+1)[:n]
			got, err := readBody(t.Context(), w.resp(body), limit)
			if err != nil || !bytes.Equal(got, body) {
				t.Errorf("%s, %d bytes: got %d bytes, err %v", w.name, n, len(got), err)
			}
		}
		for _, n := range []int{limit, limit + 1} {
			body := bytes.Repeat([]byte("x"), n)
			if w.name == "unknown length" {
				continue
			}
			_, err := readBody(t.Context(), w.resp(body), limit)
			if tooLarge := errors.As(err, new(errTooLarge)); tooLarge != (n > limit) {
				t.Errorf("%s, %d bytes with limit %d: err %v", w.name, n, limit, err)
			}
		}
	}
}

// TestReadBodyOwnsItsBuffer checks an answer's bytes survive later reads:
// decoded values alias them, so they must never be pooled memory.
func TestReadBodyOwnsItsBuffer(t *testing.T) {
	t.Parallel()
	read := func(s string) []byte {
		resp := &http.Response{Header: http.Header{"Content-Encoding": {"gzip"}},
			Body: io.NopCloser(bytes.NewReader(gzipString(s))), ContentLength: -1}
		b, err := readBody(t.Context(), resp, DefaultMaxResponseBytes)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	first := strings.Repeat("a", 3*readChunkSize/2)
	kept := read(first)
	for range 50 {
		read(strings.Repeat("b", 3*readChunkSize/2))
	}
	if string(kept) != first {
		t.Error("an earlier answer changed after later reads")
	}
}

// TestReadBodyErrors checks a truncated gzip stream and a failing body are
// errors, not short answers.
func TestReadBodyErrors(t *testing.T) {
	t.Parallel()
	gz := gzipString(strings.Repeat("<a>x</a>", 1000))
	for name, resp := range map[string]*http.Response{
		"truncated gzip": {Header: http.Header{"Content-Encoding": {"gzip"}}, Body: io.NopCloser(bytes.NewReader(gz[:len(gz)-10]))},
		"not gzip":       {Header: http.Header{"Content-Encoding": {"gzip"}}, Body: io.NopCloser(strings.NewReader("<soapenv:Envelope/>"))},
		"body fails":     {Header: http.Header{}, Body: io.NopCloser(iotest.TimeoutReader(strings.NewReader("<a>"))), ContentLength: -1},
	} {
		if b, err := readBody(t.Context(), resp, DefaultMaxResponseBytes); err == nil {
			t.Errorf("%s: read %d bytes without error", name, len(b))
		}
	}
}
