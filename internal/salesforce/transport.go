package salesforce

import (
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

// readBody reads the (possibly gzipped) answer into one buffer, at most
// limit bytes after decompression.
func readBody(ctx context.Context, resp *http.Response, limit int64) ([]byte, error) {
	var r io.Reader = resp.Body
	gz := strings.EqualFold(strings.TrimSpace(resp.Header.Get("Content-Encoding")), "gzip")
	if gz {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip answer: %w", err)
		}
		defer zr.Close()
		r = zr
	}
	size := int64(64 << 10)
	if !gz && resp.ContentLength > 0 {
		size = resp.ContentLength + 1
	}
	buf := make([]byte, 0, min(size, limit+1))
	lr := io.LimitReader(r, limit+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := lr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, err
		}
	}
	if int64(len(buf)) > limit {
		return nil, errTooLarge{limit}
	}
	return buf, nil
}
