package handlers

import (
	"context"
	"net/http"
	"strconv"

	"github.com/sfgate/sfgate"
)

// Tracked properties: headers on every /v1 answer that tell the caller what
// it cost on the Salesforce side (with X-Request-Id, set by requestID).
const (
	// headerSalesforceCalls is how many requests the gateway sent to
	// Salesforce for this one (SOAP call attempts and logins), counted up
	// to the moment the answer's headers went out: for an NDJSON stream,
	// the calls made until its first page, not those of later pages.
	headerSalesforceCalls = "X-Salesforce-Calls"
	// headerLimitInfo is the org's API usage in the form of Salesforce
	// REST's own Sforce-Limit-Info header ("api-usage=25/15000"), from the
	// last LimitInfoHeader a SOAP answer carried; left out until one has.
	headerLimitInfo = "Sforce-Limit-Info"
)

// apiRequestsLimit is the LimitInfoHeader type of the daily API allowance.
const apiRequestsLimit = "API REQUESTS"

// tracked gives the request an sfgate.CallCount, which the Salesforce client
// adds to, and writes the tracked properties when the answer's headers are
// written (statusWriter.beforeHeader), whichever middleware or handler
// writes them.
func (h *Handlers) tracked(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, calls := sfgate.WithCallCount(r.Context())
		if sw, ok := w.(*statusWriter); ok {
			sw.beforeHeader = func(hdr http.Header) {
				hdr.Set(headerSalesforceCalls, strconv.FormatInt(calls.Load(), 10))
				if v := h.limitInfo(ctx); v != "" {
					hdr.Set(headerLimitInfo, v)
				} else {
					hdr.Del(headerLimitInfo)
				}
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// limitInfo is the Sforce-Limit-Info value, or "" when no usage is known.
func (h *Handlers) limitInfo(ctx context.Context) string {
	if h.opts.Limits == nil {
		return ""
	}
	ls, at, err := h.opts.Limits.Limits(ctx)
	if err != nil || at.IsZero() {
		return ""
	}
	for _, l := range ls {
		if l.Type == apiRequestsLimit && l.Limit > 0 {
			return "api-usage=" + strconv.FormatInt(l.Current, 10) + "/" + strconv.FormatInt(l.Limit, 10)
		}
	}
	return ""
}
