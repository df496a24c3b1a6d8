package handlers

import (
	"fmt"
	"net/http"
	"runtime/debug"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// recoverer turns a panic into a logged 500 problem (or a cut connection
// when the answer has begun). http.ErrAbortHandler passes through: it is how
// a handler asks for exactly that cut.
func (h *Handlers) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, ctx: r.Context()}
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler { //nolint:errorlint // sentinel compared as net/http does
				panic(rec)
			}
			value, stack := rec, debug.Stack()
			if p, ok := rec.(*panicked); ok {
				value, stack = p.value, p.stack
			}
			ctx := sw.ctx
			zerolog.Ctx(ctx).Error().Str("panic", fmt.Sprint(value)).Bytes("stack", stack).Msg("handler panicked")
			h.metrics.problem(ctx, sfgate.CodeInternal)
			if sw.wroteHeader {
				panic(http.ErrAbortHandler)
			}
			writeProblem(sw, r.WithContext(ctx), classified{status: http.StatusInternalServerError, code: sfgate.CodeInternal})
		}()
		next.ServeHTTP(sw, r)
	})
}
