package salesforce

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// TransportConfig sizes the HTTP transport toward Salesforce. Zero fields
// take the defaults shown.
type TransportConfig struct {
	// DialTimeout bounds opening a TCP connection. Default 10s.
	DialTimeout time.Duration
	// TLSHandshakeTimeout bounds the TLS handshake. Default 10s.
	TLSHandshakeTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the answer's headers after
	// the request is written. Salesforce runs a query for up to 120 s
	// before answering, so the default is 150s.
	ResponseHeaderTimeout time.Duration
	// IdleConnTimeout closes keep-alive connections idle this long.
	// Default 90s.
	IdleConnTimeout time.Duration
	// MaxConnsPerHost bounds the concurrent requests toward one Salesforce
	// host: the transport speaks HTTP/1.1, one request per connection, so
	// this is the client's concurrency. Salesforce counts long-running
	// requests per org (25 over 20 s on production orgs). Default 16.
	MaxConnsPerHost int
	// MaxIdleConnsPerHost keeps this many idle connections. Default
	// MaxConnsPerHost.
	MaxIdleConnsPerHost int
}

// NewTransport returns the pooled transport the client uses: keep-alive
// HTTP/1.1 with dial, TLS and response-header timeouts, a bound on
// connections per host, and automatic decompression switched off (the
// client asks for gzip itself, so it can cap the decompressed size).
func NewTransport(cfg TransportConfig) *http.Transport {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&cfg.DialTimeout, 10*time.Second)
	def(&cfg.TLSHandshakeTimeout, 10*time.Second)
	def(&cfg.ResponseHeaderTimeout, 150*time.Second)
	def(&cfg.IdleConnTimeout, 90*time.Second)
	if cfg.MaxConnsPerHost <= 0 {
		cfg.MaxConnsPerHost = 16
	}
	if cfg.MaxIdleConnsPerHost <= 0 {
		cfg.MaxIdleConnsPerHost = cfg.MaxConnsPerHost
	}
	dialer := &net.Dialer{Timeout: cfg.DialTimeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSHandshakeTimeout:   cfg.TLSHandshakeTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		IdleConnTimeout:       cfg.IdleConnTimeout,
		MaxConnsPerHost:       cfg.MaxConnsPerHost,
		MaxIdleConnsPerHost:   cfg.MaxIdleConnsPerHost,
		MaxIdleConns:          cfg.MaxIdleConnsPerHost * 4,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true,
		ForceAttemptHTTP2:     false,
	}
}

var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b) / 4)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b) // writes to a bytes.Buffer cannot fail
	zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}

// errTooLarge marks an answer over Config.MaxResponseBytes.
type errTooLarge struct{ limit int64 }

func (e errTooLarge) Error() string {
	return fmt.Sprintf("answer larger than the %d-byte limit", e.limit)
}

// Reading answers. Each answer gets one buffer of its own, exactly its
// size: decoded values are slices of it, so it outlives the call and is
// never pooled. What is pooled is the scratch that produces it: the gzip
// reader (its 32 KiB window and Huffman tables) with the bufio.Reader it
// reads through, and fixed-size read chunks. A gzipped answer (whose size
// is unknown until its end) is read into chunks and copied once into its
// own buffer, so a 1 KB answer costs 1 KB, not a 64 KiB read buffer and a
// 45 KB gzip reader; the copy is also what growing a buffer by doubling
// costs, without the discarded intermediate buffers.
const (
	// readChunkSize is the size of a pooled read chunk.
	readChunkSize = 32 << 10
	// maxPooledChunks bounds what one read puts back into the pool (1 MiB):
	// the chunks of a larger answer beyond it are left to the collector,
	// so a burst of big pages does not pin memory in the pool.
	maxPooledChunks = 32
)

type readChunk [readChunkSize]byte

var (
	readChunks = sync.Pool{New: func() any { return new(readChunk) }}
	gunzippers = sync.Pool{New: func() any { return &gunzipper{br: bufio.NewReaderSize(nil, 4<<10)} }}
)

// gunzipper is a reusable gzip reader. gzip.Reader.Reset wraps a source
// that is not an io.ByteReader in a fresh bufio.Reader every time; giving
// it a pooled one keeps Reset free of allocations.
type gunzipper struct {
	br *bufio.Reader
	zr gzip.Reader
}

// open starts decompressing r.
func (g *gunzipper) open(r io.Reader) error {
	g.br.Reset(r)
	return g.zr.Reset(g.br)
}

// release drops the reference to the answer's body and pools g.
func (g *gunzipper) release() {
	g.br.Reset(nil)
	gunzippers.Put(g)
}

// readBody reads the (possibly gzipped) answer into a buffer of its own,
// at most limit bytes after decompression.
func readBody(ctx context.Context, resp *http.Response, limit int64) ([]byte, error) {
	var (
		buf []byte
		err error
	)
	switch {
	case strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip"):
		g := gunzippers.Get().(*gunzipper)
		if err = g.open(resp.Body); err != nil {
			g.release()
			return nil, fmt.Errorf("gzip answer: %w", err)
		}
		buf, err = readChunked(&g.zr, limit)
		g.release()
	case resp.ContentLength > 0 && resp.ContentLength <= limit:
		buf, err = readSized(resp.Body, resp.ContentLength, limit)
	default:
		buf, err = readChunked(resp.Body, limit)
	}
	if err != nil && ctx.Err() != nil {
		return nil, ctx.Err()
	}
	return buf, err
}

// readSized reads an answer that announced its length n straight into a
// buffer of that size (one byte more, to see that it ends there).
func readSized(r io.Reader, n, limit int64) ([]byte, error) {
	buf := make([]byte, 0, n+1)
	for {
		if int64(len(buf)) > limit {
			return nil, errTooLarge{limit}
		}
		if len(buf) == cap(buf) {
			// Longer than announced (a server may send more): grow.
			buf = append(buf, 0)[:len(buf)]
		}
		m, err := r.Read(buf[len(buf):min(int64(cap(buf)), limit+1)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) > limit {
				return nil, errTooLarge{limit}
			}
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readChunked reads r to its end into pooled chunks, then copies them
// into one buffer of the answer's size.
func readChunked(r io.Reader, limit int64) ([]byte, error) {
	var inline [4]*readChunk
	chunks := inline[:0]
	defer func() {
		for i, c := range chunks {
			if i == maxPooledChunks {
				break
			}
			readChunks.Put(c)
		}
	}()
	total, last := int64(0), 0 // bytes in all chunks, in the last one
	for {
		if len(chunks) == 0 || last == readChunkSize {
			chunks = append(chunks, readChunks.Get().(*readChunk))
			last = 0
		}
		c := chunks[len(chunks)-1]
		m, err := r.Read(c[last:])
		last += m
		total += int64(m)
		if total > limit {
			return nil, errTooLarge{limit}
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	buf := make([]byte, total)
	n := 0
	for _, c := range chunks {
		n += copy(buf[n:], c[:])
	}
	return buf, nil
}
