package handlers

import (
	"context"
	"net/http"
)

// deadline bounds the whole request. Streams (Accept: application/x-ndjson)
// get the longer stream limit and extend the write deadline themselves.
func (h *Handlers) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d := h.opts.RequestTimeout
		if wantsNDJSON(r) {
			d = h.opts.StreamTimeout
		}
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}
