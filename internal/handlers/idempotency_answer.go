package handlers

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/sfgate/sfgate"
)

// keptHeaders are the headers of an answer that a replay repeats; the
// others are the replaying request's own (X-Request-Id) or not worth
// keeping.
var keptHeaders = []string{"Content-Type", "Location", "Cache-Control"}

// gzipAbove is the body size past which a kept answer is stored gzipped:
// batch answers compress about tenfold, and they are kept for a day.
const gzipAbove = 16 << 10

// storedAnswer is an answer as the idempotency store keeps it (JSON, the
// store sees opaque bytes).
type storedAnswer struct {
	Status int               `json:"s"`
	Header map[string]string `json:"h,omitempty"`
	Body   []byte            `json:"b,omitempty"`
	Gzip   bool              `json:"z,omitempty"`
	// Size is set instead of Body when the body was larger than the
	// gateway keeps: the request was done, its answer cannot be replayed.
	Size int64 `json:"n,omitempty"`
}

func (a storedAnswer) encode(max int64) []byte {
	if a.Size == 0 && len(a.Body) > gzipAbove {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(a.Body) // a bytes.Buffer does not fail
		zw.Close()
		a.Body, a.Gzip = buf.Bytes(), true
	}
	if int64(len(a.Body)) > max {
		a.Size, a.Body, a.Gzip = int64(len(a.Body)), nil, false
	}
	b, _ := json.Marshal(a) // no value of storedAnswer fails to marshal
	return b
}

// replay answers a stored answer, marked with Idempotent-Replayed.
func replay(w http.ResponseWriter, stored []byte) error {
	var a storedAnswer
	if err := json.Unmarshal(stored, &a); err != nil || a.Status == 0 {
		return &sfgate.Error{Kind: sfgate.KindInternal, Code: sfgate.CodeInternal, Detail: "the kept answer could not be read", Err: err}
	}
	if a.Size > 0 {
		// The request was done; saying 409 (the key's state conflicts with
		// a replay) rather than running it again.
		return &sfgate.Error{Kind: sfgate.KindConflict, Code: sfgate.CodeIdempotencyAnswerNotKept,
			Detail: "the request with this Idempotency-Key was done and answered " + strconv.Itoa(a.Status) + ", but its answer (" +
				strconv.FormatInt(a.Size, 10) + " bytes) was larger than the gateway keeps; query to learn what it did"}
	}
	body := a.Body
	if a.Gzip {
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err == nil {
			body, err = io.ReadAll(zr)
		}
		if err != nil {
			return &sfgate.Error{Kind: sfgate.KindInternal, Code: sfgate.CodeInternal, Detail: "the kept answer could not be read", Err: err}
		}
	}
	for k, v := range a.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set(headerReplayed, "true")
	w.WriteHeader(a.Status)
	_, err := w.Write(body)
	return err
}

// answerRecorder passes an answer through to the caller and keeps a copy,
// up to max bytes of body (past it, only the size).
type answerRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
	body        []byte
	size        int64
	max         int64
}

func (a *answerRecorder) WriteHeader(status int) {
	if !a.wroteHeader {
		a.status, a.wroteHeader = status, true
	}
	a.ResponseWriter.WriteHeader(status)
}

func (a *answerRecorder) Write(b []byte) (int, error) {
	if !a.wroteHeader {
		a.WriteHeader(http.StatusOK)
	}
	a.size += int64(len(b))
	if a.size <= a.max {
		a.body = append(a.body, b...)
	}
	return a.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (a *answerRecorder) Unwrap() http.ResponseWriter { return a.ResponseWriter }

// stored is what was answered, for the store.
func (a *answerRecorder) stored() storedAnswer {
	st := storedAnswer{Status: a.status, Header: map[string]string{}}
	if st.Status == 0 {
		st.Status = http.StatusOK
	}
	for _, k := range keptHeaders {
		if v := a.Header().Get(k); v != "" {
			st.Header[k] = v
		}
	}
	if a.size > a.max {
		st.Size = a.size
	} else {
		st.Body = a.body
	}
	return st
}

// headerOnly is a ResponseWriter that keeps headers and drops the rest:
// under an answerRecorder it renders an answer for the store alone.
type headerOnly struct{ h http.Header }

func (w *headerOnly) Header() http.Header         { return w.h }
func (w *headerOnly) WriteHeader(int)             {}
func (w *headerOnly) Write(b []byte) (int, error) { return len(b), nil }
