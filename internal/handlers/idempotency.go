package handlers

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// Idempotency-Key, as draft-ietf-httpapi-idempotency-key-header-06 (The
// Idempotency-Key HTTP Header Field, 24 February 2025,
// https://datatracker.ietf.org/doc/draft-ietf-httpapi-idempotency-key-header/06/)
// defines it: a key the client chooses per request, so a retried POST is
// answered with the first outcome instead of being run again; the same key
// with another payload is 422, a key whose first request is still running
// is 409. docs/http-api.md ("Idempotency") says what the gateway keeps and
// why.
const (
	headerIdempotencyKey = "Idempotency-Key"
	// headerReplayed marks an answer replayed from the store.
	headerReplayed = "Idempotent-Replayed"
	// maxIdempotencyKey is the longest key taken, in characters.
	maxIdempotencyKey = 255
	// leaseMargin is added to the request timeout to make a claim's lease:
	// a request ends within its timeout, so a claim outliving it by this
	// much belongs to a replica that stopped.
	leaseMargin = 15 * time.Second
	// settleTimeout bounds storing an answer, after the request's own
	// context may have ended.
	settleTimeout = 2 * time.Second
	// inFlightRetryAfter is the wait suggested to a request whose key's
	// first request is still running.
	inFlightRetryAfter = time.Second
)

// DefaultMaxIdempotentAnswerBytes is the largest answer body kept for
// replay (Options.MaxIdempotentAnswerBytes): a 10,000-record batch answers
// about 1.5 MB.
const DefaultMaxIdempotentAnswerBytes = 8 << 20

const fieldIdempotencyKey = "header." + headerIdempotencyKey

// idempotent makes fn, a write, safe to retry under an Idempotency-Key:
// without the header it is fn; with it, the first answer is kept per caller
// and key and replayed to any repeat of the same request.
func (h *Handlers) idempotent(fn handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		values := r.Header.Values(headerIdempotencyKey)
		if len(values) == 0 {
			return fn(w, r)
		}
		key, err := parseIdempotencyKey(values)
		if err != nil {
			return err
		}
		if h.opts.Idempotency == nil {
			return notImplemented("idempotency key store")
		}
		ik, err := idempotencyKeyOf(r, h.idempotencyScope(r), key)
		if err != nil {
			return err
		}
		claim, err := h.opts.Idempotency.Claim(r.Context(), ik, h.opts.RequestTimeout+leaseMargin)
		if err != nil {
			return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeIdempotencyUnavailable,
				Detail: "the gateway cannot reach its idempotency key store, so it does not run a request that carries a key; retry shortly", Err: err}
		}
		switch claim.State {
		case sfgate.ClaimDone:
			return replay(w, claim.Answer)
		case sfgate.ClaimInFlight:
			return &sfgate.Error{Kind: sfgate.KindConflict, Code: sfgate.CodeIdempotencyKeyInUse, RetryAfter: inFlightRetryAfter,
				Detail: "a request with this Idempotency-Key is still running; retry shortly to get its answer"}
		case sfgate.ClaimMismatch:
			return &sfgate.Error{Kind: sfgate.KindUnprocessable, Code: sfgate.CodeIdempotencyKeyReused,
				Detail: "this Idempotency-Key was first used for another request (method, path or body); use a new key for a new request",
				Errors: []sfgate.FieldError{{Field: fieldIdempotencyKey, Code: sfgate.CodeIdempotencyKeyReused, Message: "used before for a different request"}}}
		case sfgate.ClaimAbandoned:
			return &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeOutcomeUnknown,
				Detail: "the first request with this Idempotency-Key was interrupted before it answered, so it may or may not have been done; " +
					"do not repeat it blindly: query for the record (or upsert by an external id) before trying again"}
		case sfgate.ClaimAcquired:
		default:
			return fmt.Errorf("idempotency store answered claim state %d", claim.State)
		}
		rec := &answerRecorder{ResponseWriter: w, max: h.opts.MaxIdempotentAnswerBytes}
		err = fn(rec, r)
		h.settle(r, claim, rec, err)
		return err
	}
}

// parseIdempotencyKey takes the header's one value: a Structured Field
// String (RFC 8941 §3.3.3, what the draft specifies: "key" in double
// quotes, \" and \\ escaped) or, as many clients send it, the bare key.
// Either way the key is 1 to 255 printable ASCII characters.
func parseIdempotencyKey(values []string) (string, error) {
	bad := func(code, msg string) error {
		return sfgate.Invalid("the Idempotency-Key header is not valid: "+msg, sfgate.FieldError{Field: fieldIdempotencyKey, Code: code, Message: msg})
	}
	if len(values) > 1 {
		return "", bad("maxItems", "send one Idempotency-Key, not several")
	}
	v := strings.Trim(values[0], " \t")
	if strings.HasPrefix(v, `"`) {
		var b strings.Builder
		i := 1
		for ; i < len(v) && v[i] != '"'; i++ {
			c := v[i]
			if c == '\\' {
				if i+1 >= len(v) || (v[i+1] != '"' && v[i+1] != '\\') {
					return "", bad("pattern", `in a quoted key only \" and \\ may be escaped`)
				}
				i++
				c = v[i]
			}
			b.WriteByte(c)
		}
		if i != len(v)-1 {
			return "", bad("pattern", "a quoted key must end with its closing quote")
		}
		v = b.String()
	}
	switch {
	case v == "":
		return "", bad("minLength", "the key is empty")
	case len(v) > maxIdempotencyKey:
		return "", bad("maxLength", fmt.Sprintf("the key is longer than %d characters", maxIdempotencyKey))
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", bad("pattern", "the key holds a character that is not printable ASCII")
		}
	}
	return v, nil
}

// idempotencyKeyOf names the request: its caller (so no caller reaches
// another's keys), the key, and the SHA-256 of method, path, query and
// body.
func idempotencyKeyOf(r *http.Request, scope, key string) (sfgate.IdempotencyKey, error) {
	body, err := bodyBytes(r)
	if err != nil {
		return sfgate.IdempotencyKey{}, fmt.Errorf("read request body: %w", err)
	}
	r.Body = newHeldBody(body)
	hash := sha256.New()
	fmt.Fprintf(hash, "%s\n%s?%s\n", r.Method, r.URL.EscapedPath(), r.URL.RawQuery)
	hash.Write(body)
	ik := sfgate.IdempotencyKey{Caller: scope, Key: key}
	hash.Sum(ik.Fingerprint[:0])
	return ik, nil
}

// idempotencyScope is whose keys a request's key is among: the caller
// authentication established. Without caller auth every request is the
// same anonymous caller (the client's address would change between a
// request and its retry behind a NAT or a proxy).
func (h *Handlers) idempotencyScope(r *http.Request) string {
	if id := sfgate.CallerFrom(r.Context()).Identity(); id != "" {
		return "caller:" + id
	}
	if len(h.keys) > 0 {
		return "caller:" + callerFrom(r.Context())
	}
	return "anonymous"
}

// keepAnswer reports whether err's answer (nil: the handler's own) is the
// one every repeat of the request gets. It is not when the gateway refused
// before sending anything, or said "try again later" (429, 503, 504,
// 499): nothing was written, so a retry with the same key runs anew.
// Anything that reflects what Salesforce did, or may have done, is kept:
// successes, Salesforce's refusals, OUTCOME_UNKNOWN, answers the gateway
// could not read, internal errors.
func keepAnswer(err error) bool {
	if err == nil {
		return true
	}
	var e *sfgate.Error
	if errors.As(err, &e) && e.Code == sfgate.CodeOutcomeUnknown {
		return true
	}
	switch classify(context.Background(), err).status {
	case http.StatusTooManyRequests, http.StatusServiceUnavailable, http.StatusGatewayTimeout, StatusClientClosedRequest,
		http.StatusUnauthorized, http.StatusForbidden:
		return false
	}
	if e == nil || e.Salesforce {
		return true
	}
	switch e.Kind {
	case sfgate.KindInvalid, sfgate.KindUnprocessable, sfgate.KindNotFound, sfgate.KindConflict,
		sfgate.KindTooLarge, sfgate.KindNotAcceptable, sfgate.KindCanceled, sfgate.KindTimeout:
		return false
	}
	return true
}

// settle stores the request's answer under its claim, or releases the
// claim when the answer is not to be kept. It runs after the request's
// context may have ended (the caller went away mid-create): what happened
// at Salesforce must still be recorded.
func (h *Handlers) settle(r *http.Request, claim sfgate.Claim, rec *answerRecorder, err error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), settleTimeout)
	defer cancel()
	log := zerolog.Ctx(r.Context())
	if !keepAnswer(err) {
		if rerr := h.opts.Idempotency.Release(ctx, claim); rerr != nil {
			log.Warn().Err(rerr).Msg("idempotency key not released: repeats answer 409 until its lease ends, then OUTCOME_UNKNOWN")
		}
		return
	}
	var st storedAnswer
	if err != nil && !rec.wroteHeader {
		// The adapter writes the problem after this returns; keep the same
		// answer, except that a caller who went away is not what a repeat
		// should see: the error's own status is.
		var buf answerRecorder
		buf.ResponseWriter = &headerOnly{h: http.Header{}}
		buf.max = h.opts.MaxIdempotentAnswerBytes
		writeProblem(&buf, r, classify(context.Background(), err))
		st = buf.stored()
	} else {
		st = rec.stored()
	}
	ok, serr := h.opts.Idempotency.Settle(ctx, claim, st.encode(h.opts.MaxIdempotentAnswerBytes))
	switch {
	case serr != nil:
		log.Error().Err(serr).Int("status", st.Status).Msg("idempotent answer not stored: repeats answer 409 until its lease ends, then OUTCOME_UNKNOWN")
	case !ok:
		log.Warn().Int("status", st.Status).Msg("idempotent answer not stored: the key's claim had lapsed")
	}
}
