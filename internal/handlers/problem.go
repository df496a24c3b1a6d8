package handlers

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// problem is the RFC 9457 body, with sfgate's code, errors and requestId.
type problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Code      string              `json:"code"`
	Errors    []sfgate.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"requestId"`
}

// problemType is the problem's type URI: a stable URN per code, so callers
// can switch on it without a lookup service.
func problemType(code string) string {
	return "urn:sfgate:problem:" + strings.ToLower(strings.ReplaceAll(code, "_", "-"))
}

func statusTitle(status int) string {
	if status == StatusClientClosedRequest {
		return "Client Closed Request"
	}
	if t := http.StatusText(status); t != "" {
		return t
	}
	return "Error"
}

// writeProblem answers c as application/problem+json.
func writeProblem(w http.ResponseWriter, r *http.Request, c classified) {
	if c.code == "" {
		c.code = sfgate.CodeInternal
	}
	p := problem{
		Type:      problemType(c.code),
		Title:     c.title,
		Status:    c.status,
		Detail:    c.detail,
		Code:      c.code,
		Errors:    c.errors,
		RequestID: RequestID(r.Context()),
	}
	if p.Title == "" {
		p.Title = statusTitle(c.status)
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if c.retryAfter > 0 {
		secs := int64((c.retryAfter + 999_999_999) / 1_000_000_000)
		h.Set("Retry-After", strconv.FormatInt(secs, 10))
	}
	if c.status == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
		h.Set("WWW-Authenticate", `Bearer realm="sfgate"`)
	}
	w.WriteHeader(c.status)
	_ = json.NewEncoder(w).Encode(p)
}

// handlerFunc is a handler that returns its error to the adapter.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// adapt turns a handlerFunc into an http.Handler: the one place where an
// error becomes a status and a problem+json body, and is logged, once.
func (h *Handlers) adapt(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := fn(w, r)
		if err == nil {
			return
		}
		h.fail(w, r, err)
	}
}

// fail answers err. When the answer has already started (a stream), the
// connection is cut instead so the caller sees the answer incomplete.
func (h *Handlers) fail(w http.ResponseWriter, r *http.Request, err error) {
	ctx := r.Context()
	c := classify(ctx, err)
	log := zerolog.Ctx(ctx)
	ev := log.Info()
	switch {
	case c.unmapped:
		ev = log.Error().Bool("unmapped_code", true)
	case c.status >= 500:
		ev = log.Error()
	case c.status == StatusClientClosedRequest:
		ev = log.Info()
	}
	logFailure(ev, err).Int("status", c.status).Str("code", c.code).Msg("request failed")
	h.metrics.problem(ctx, c.code)

	if sw, ok := w.(*statusWriter); ok && sw.wroteHeader {
		panic(http.ErrAbortHandler)
	}
	writeProblem(w, r, c)
}

// writeJSON answers v as application/json with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	return writeJSONAs(w, status, "application/json", v)
}

func writeJSONAs(w http.ResponseWriter, status int, contentType string, v any) error {
	buf := getBuf()
	defer putBuf(buf)
	b, err := appendJSON(*buf, v, true)
	if err != nil {
		return errors.Join(errors.New("encode answer"), err)
	}
	b = append(b, '\n')
	*buf = b
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, err = w.Write(b)
	return err
}
