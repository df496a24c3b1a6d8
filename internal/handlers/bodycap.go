package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// codeBodyShare is the code of a 429 for a caller whose request bodies in
// flight already hold its share of the gateway's body buffer.
const codeBodyShare = "BODY_BUDGET_EXCEEDED"

// codeBodyReadTimeout is the code of a 408: the body did not arrive in time.
const codeBodyReadTimeout = "BODY_READ_TIMEOUT"

// firstBodyChunk is the buffer a body gets once its first byte has arrived;
// it doubles from there as bytes keep arriving.
const firstBodyChunk = 16 << 10

// bodyCap reads the body into memory up to its limit before anything
// parses it, so an oversized body is refused with 413 whatever its content,
// and the validator and handler read from memory. Batch requests get a
// larger limit than single-record requests. It runs after authentication
// (door.go): nothing is buffered for a caller the gateway does not know,
// and what is buffered is charged to the caller as it arrives (readBody).
func (h *Handlers) bodyCap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body == nil || r.Body == http.NoBody {
			next.ServeHTTP(w, r)
			return
		}
		rc := http.NewResponseController(w)
		// refuse answers err without reading the rest of the body: the
		// server must not wait for it before answering (it would, to keep
		// the connection), so the connection is closed instead.
		refuse := func(err error) {
			_ = rc.SetReadDeadline(time.Now())
			h.fail(w, r, err)
		}
		if err := checkCharset(r); err != nil {
			refuse(err)
			return
		}
		limit := h.opts.MaxBodyBytes
		if strings.HasSuffix(r.URL.Path, "/records/batch") {
			limit = h.opts.MaxBatchBodyBytes
		}
		if r.ContentLength > limit {
			refuse(tooLarge(limit))
			return
		}
		caller := callerFrom(r.Context())
		body, held, err := h.readBody(w, r, caller, limit)
		defer h.bodies.release(caller, held)
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				// The server cancels the request's context when a read on
				// the connection fails, the deadline's too; the caller is
				// still there to read the 408, so it is not a 499.
				r = r.WithContext(context.WithoutCancel(r.Context()))
			}
			refuse(h.bodyError(err, limit))
			return
		}
		// The whole body is in: nothing more is read from the connection
		// for this request, and a read deadline left armed would cancel
		// the request's context when it fires during a long answer.
		_ = rc.SetReadDeadline(time.Time{})
		if err := checkUTF8(r, body); err != nil {
			h.fail(w, r, err)
			return
		}
		r.Body = newHeldBody(body)
		r.ContentLength = int64(len(body))
		r.GetBody = func() (io.ReadCloser, error) { return newHeldBody(body), nil }
		next.ServeHTTP(w, r)
	})
}

func tooLarge(limit int64) error {
	return &sfgate.Error{Kind: sfgate.KindTooLarge, Code: sfgate.CodeBodyTooLarge,
		Detail: fmt.Sprintf("the request body is larger than %d bytes", limit)}
}

// errBodyRefused is readBody's refusal to hold more: over the gateway's
// total (overShare false) or over the caller's share.
type errBodyRefused struct{ overShare bool }

func (e errBodyRefused) Error() string { return "request body budget exhausted" }

// bodyError is how a failed body read is answered.
func (h *Handlers) bodyError(err error, limit int64) error {
	var mbe *http.MaxBytesError
	var refused errBodyRefused
	var ne net.Error
	switch {
	case errors.As(err, &mbe):
		return tooLarge(limit)
	case errors.As(err, &refused) && refused.overShare:
		return &sfgate.Error{Kind: sfgate.KindRateLimited, Code: codeBodyShare, RetryAfter: time.Second,
			Detail: fmt.Sprintf("this caller's request bodies in flight already hold its share (%d bytes) of the gateway's body buffer; retry when earlier requests have finished", h.bodies.perCaller)}
	case errors.As(err, &refused):
		return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeOverloaded, RetryAfter: time.Second,
			Detail: "the gateway is holding as many request bodies as it allows; retry shortly"}
	case errors.As(err, &ne) && ne.Timeout():
		return &statusError{status: http.StatusRequestTimeout, err: &sfgate.Error{Kind: sfgate.KindInvalid, Code: codeBodyReadTimeout,
			Detail: fmt.Sprintf("the request body did not arrive within %s", h.opts.BodyReadTimeout), Err: err}}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return sfgate.Invalid("the request body ended before its declared Content-Length",
			sfgate.FieldError{Field: "body", Code: "incomplete", Message: "the body is shorter than its Content-Length"})
	}
	return fmt.Errorf("read request body: %w", err)
}

// readBody reads r.Body into memory as it arrives. Nothing is held until
// the first byte is in; then the buffer doubles as bytes keep coming, and
// each growth is reserved from the budget (charged to caller) before it is
// made. So a request holds what it has sent, at most twice over, never what
// it declared: a caller that declares 32 MiB and sends nothing holds
// nothing but its connection, until the body read deadline cuts it. held is
// what the caller must release, also on error.
func (h *Handlers) readBody(w http.ResponseWriter, r *http.Request, caller string, limit int64) (body []byte, held int64, err error) {
	src := http.MaxBytesReader(w, r.Body, limit)
	var one [1]byte
	if _, err := io.ReadFull(src, one[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return []byte{}, 0, nil
		}
		return nil, 0, err
	}
	ceiling := limit
	if r.ContentLength >= 0 {
		ceiling = min(ceiling, r.ContentLength)
	}
	var buf []byte
	pending := one[:]
	for {
		if len(buf) == cap(buf) {
			next := min(max(int64(cap(buf))*2, firstBodyChunk), ceiling)
			if next == int64(cap(buf)) {
				// As much as may come has come: only the end may follow.
				if n, err := src.Read(one[:]); n > 0 || (err != nil && !errors.Is(err, io.EOF)) {
					if err == nil {
						err = &http.MaxBytesError{Limit: limit}
					}
					return nil, held, err
				}
				return buf, held, nil
			}
			if err := h.bodies.acquire(caller, next-int64(cap(buf))); err != nil {
				return nil, held, err
			}
			held += next - int64(cap(buf))
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		if pending != nil {
			buf, pending = append(buf, pending...), nil
			continue
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if errors.Is(err, io.EOF) {
			return buf, held, nil
		}
		if err != nil {
			return nil, held, err
		}
	}
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

// budget bounds the bytes of request bodies held at once: in total (max),
// and per caller (perCaller, a share of max), so that one caller, however
// many requests it opens, cannot take the buffer from the others.
type budget struct {
	mu        sync.Mutex
	used, max int64
	perCaller int64
	callers   map[string]int64
}

func newBudget(total int64, share float64, largestBody int64) *budget {
	// A caller may always hold one body of the largest size the gateway
	// takes, whatever the share says.
	per := max(int64(float64(total)*share), largestBody)
	return &budget{max: total, perCaller: per, callers: make(map[string]int64)}
}

// acquire reserves n more bytes for caller, or returns errBodyRefused. A
// caller holding nothing is never refused for its share, and a reservation
// is never refused for the total while nothing at all is held, so a single
// body always fits.
func (b *budget) acquire(caller string, n int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := b.callers[caller]
	if c > 0 && c+n > b.perCaller {
		return errBodyRefused{overShare: true}
	}
	if b.used > 0 && b.used+n > b.max {
		return errBodyRefused{}
	}
	b.used += n
	b.callers[caller] = c + n
	return nil
}

func (b *budget) release(caller string, n int64) {
	if n == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	if c := b.callers[caller] - n; c > 0 {
		b.callers[caller] = c
	} else {
		delete(b.callers, caller)
	}
}

// held reports the bytes held in total and by caller.
func (b *budget) held(caller string) (total, byCaller int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used, b.callers[caller]
}
