package handlers

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// bodyCap reads the body up to its limit before anything parses it, so an
// oversized body is refused with 413 whatever its content, and the
// validator and handler read from memory. Batch requests get a larger
// limit than single-record requests.
func (h *Handlers) bodyCap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		limit := h.opts.MaxBodyBytes
		if strings.HasSuffix(r.URL.Path, "/records/batch") {
			limit = h.opts.MaxBatchBodyBytes
		}
		tooLarge := func() {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindTooLarge, Code: sfgate.CodeBodyTooLarge,
				Detail: fmt.Sprintf("the request body is larger than %d bytes", limit)})
		}
		if r.ContentLength > limit {
			tooLarge()
			return
		}
		// Bodies are held in memory until the answer is written, so their
		// total is bounded too: a body of unknown length reserves the cap.
		reserve := limit
		if r.ContentLength >= 0 {
			reserve = r.ContentLength
		}
		if !h.bodies.acquire(reserve) {
			h.fail(w, r, &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeOverloaded,
				Detail: "the gateway is holding as many request bodies as it allows; retry shortly", RetryAfter: time.Second})
			return
		}
		defer h.bodies.release(reserve)
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				tooLarge()
				return
			}
			h.fail(w, r, fmt.Errorf("read request body: %w", err))
			return
		}
		r.Body = newHeldBody(body)
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return newHeldBody(body), nil }
		next.ServeHTTP(w, r)
	})
}

// heldBody is a request body bodyCap holds in memory; bodyBytes hands its
// bytes to the decoder without another copy.
type heldBody struct {
	*bytes.Reader
	b []byte
}

func newHeldBody(b []byte) *heldBody { return &heldBody{Reader: bytes.NewReader(b), b: b} }

// Close implements io.Closer.
func (*heldBody) Close() error { return nil }

// bodyBytes returns the request body: the held bytes when bodyCap holds it
// and nothing has been read from it yet, else what is left to read.
func bodyBytes(r *http.Request) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if hb, ok := r.Body.(*heldBody); ok && hb.Len() == len(hb.b) {
		_, _ = hb.Seek(0, io.SeekEnd)
		return hb.b, nil
	}
	return io.ReadAll(r.Body)
}

// budget bounds a total (bytes of request bodies held at once).
type budget struct {
	mu        sync.Mutex
	used, max int64
}

func (b *budget) acquire(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.used+n > b.max && b.used > 0 {
		return false
	}
	b.used += n
	return true
}

func (b *budget) release(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}
