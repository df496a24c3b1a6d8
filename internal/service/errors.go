package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// The waits asked of callers on REQUEST_LIMIT_EXCEEDED, by the limit its
// message names. Salesforce imposes two kinds ("API Request Limits and
// Allocations",
// https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html):
//
//   - the total allocation over a rolling 24 hours, reported as
//     "TotalRequests Limit exceeded." (seen in SalesforceLabs/OrgCheck#181).
//     Calls come back only as the ones made a day earlier leave the
//     window, and neither the fault nor the LimitInfoHeader (current and
//     limit, no history) says when that is: the wait is a conservative
//     hour, so callers do not spend the first calls freed on retries.
//   - concurrent long-running requests (20 seconds or more; 25 in a
//     production org, 5 in a Developer Edition), reported as
//     "ConcurrentRequests (Concurrent API Requests) Limit exceeded."
//     (OrgCheck#432) or "ConcurrentPerOrgLongTxn Limit exceeded"
//     (mautic/mautic#5006). New requests are taken again as soon as one of
//     those finishes, so the wait is the 20 seconds that make a request
//     long-running.
//
// A message naming neither keeps the former five minutes.
const (
	retryAfterDailyLimit      = time.Hour
	retryAfterConcurrentLimit = 20 * time.Second
	retryAfterOrgLimit        = 5 * time.Minute
)

// orgLimitWait is the wait for a REQUEST_LIMIT_EXCEEDED with message msg.
func orgLimitWait(msg string) time.Duration {
	switch {
	case strings.Contains(msg, "TotalRequests"):
		return retryAfterDailyLimit
	case strings.Contains(msg, "Concurrent"):
		return retryAfterConcurrentLimit
	}
	return retryAfterOrgLimit
}

// settle is deferred by every exported method: the error it returns
// becomes what callers of the domain read. Errors of the layers below (the
// client's *partner.Error, a failed login, metadata's unknown object or
// field) become an *sfgate.Error with a kind, a code and a detail safe to
// show; the original stays as its cause, for the log. An *sfgate.Error the
// service made itself, and anything unknown (an internal error), pass as
// they are.
func (s *Service) settle(err *error) {
	if *err != nil {
		*err = s.domainError(*err)
	}
}

func (s *Service) domainError(err error) error {
	var de *sfgate.Error
	if errors.As(err, &de) {
		return err
	}
	var uo *metadata.UnknownObjectError
	if errors.As(err, &uo) {
		return &sfgate.Error{Kind: sfgate.KindNotFound, Code: sfgate.CodeNotFound, Detail: fmt.Sprintf("the org has no object %q", uo.Object), Err: err}
	}
	var uf *metadata.UnknownFieldError
	if errors.As(err, &uf) {
		e := &sfgate.Error{Kind: sfgate.KindUnprocessable, Code: sfgate.CodeValidationFailed,
			Detail: fmt.Sprintf("%s has no field named %s", uf.Object, strings.Join(uf.Fields, ", ")), Err: err}
		for _, f := range uf.Fields {
			e.Errors = append(e.Errors, sfgate.FieldError{Field: f, Code: codeUnknownField, Message: uf.Object + " has no field " + f})
		}
		return e
	}
	var ed *metadata.EmptyDescribeError
	if errors.As(err, &ed) {
		return &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeEmptyDescribe,
			Detail: fmt.Sprintf("Salesforce described %s without %s; the answer was not used or cached", ed.Object, ed.Missing), Err: err}
	}
	var le *partner.LoginError
	if errors.As(err, &le) {
		return s.loginError(le, err)
	}
	var se *partner.Error
	if errors.As(err, &se) {
		return salesforceError(se, err)
	}
	return err
}

// loginError is a failed login of the gateway's own connection: the
// caller can do nothing about it, so it is never the caller's kind of
// failure, and Salesforce's message (which may name the user) is not
// passed on. The kind decides, not the code: a login's codes include
// OAuth's, which are not Salesforce's exception codes.
func (s *Service) loginError(le *partner.LoginError, err error) *sfgate.Error {
	code := le.Code
	if code == "" {
		code = sfgate.CodeUnavailable
	}
	var retry time.Duration // none: the transport's own default
	if !le.RetryAt.IsZero() {
		retry = max(le.RetryAt.Sub(s.cfg.Now()), time.Second)
	}
	switch le.Kind {
	case partner.LoginCredentials:
		return &sfgate.Error{Kind: sfgate.KindUpstream, Code: code, Detail: "Salesforce rejected the gateway's own credentials", Err: err}
	case partner.LoginRateLimited:
		return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: code, Detail: "Salesforce refuses the gateway's logins for a while", RetryAfter: retry, Err: err}
	}
	return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: code, Detail: "the gateway could not log in to Salesforce", RetryAfter: retry, Err: err}
}

// outcomeUnknownDetail says what happened to a write whose answer was lost,
// and the safe way forward.
const outcomeUnknownDetail = "the write reached Salesforce but its answer never came back, so it may or may not have been done; " +
	"do not repeat it blindly: query for the record (or upsert by an external id) before trying again"

// salesforceError is what the client reported: a Salesforce that could
// not be reached or read becomes the gateway's own code; a fault keeps
// Salesforce's code (Salesforce set), whose meaning the transport knows
// better than a kind can say, with upstream as the kind for a code it
// does not know.
func salesforceError(se *partner.Error, err error) *sfgate.Error {
	switch se.Kind {
	case partner.KindNetwork:
		if se.OutcomeUnknown {
			// No Retry-After and not 503/504: those tell a caller to repeat
			// the request, which could create the record twice.
			return &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeOutcomeUnknown, Detail: outcomeUnknownDetail, Err: err}
		}
		if errors.Is(se.Cause, context.DeadlineExceeded) || se.Message == "timeout" {
			return &sfgate.Error{Kind: sfgate.KindTimeout, Code: sfgate.CodeUnavailable, Detail: "Salesforce did not answer in time", Err: err}
		}
		return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeUnavailable, Detail: "Salesforce could not be reached", Err: err}
	case partner.KindTransport:
		// 503 Service Unavailable (maintenance) and 429 Too Many Requests
		// pass; anything else from a proxy or a broken answer will not.
		if se.HTTPStatus == 503 || se.HTTPStatus == 429 {
			return &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeUnavailable, Detail: "Salesforce is unavailable", Err: err}
		}
		return &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeUpstream, Detail: "Salesforce answered with an error the gateway cannot use", Err: err}
	case partner.KindDecode:
		return &sfgate.Error{Kind: sfgate.KindUpstream, Code: sfgate.CodeUpstream, Detail: "Salesforce's answer could not be read", Err: err}
	}
	e := &sfgate.Error{Kind: sfgate.KindUpstream, Code: se.Code, Salesforce: true, Detail: strings.TrimSpace(se.Message), Err: err}
	if se.Kind == partner.KindInvalidInput {
		// Refused by the client before anything was sent.
		e.Kind = sfgate.KindInvalid
	}
	for _, f := range se.Fields {
		e.Errors = append(e.Errors, sfgate.FieldError{Field: f, Code: se.Code, Message: e.Detail})
	}
	if partner.IsCredentialCode(se.Code) {
		e.Detail, e.Errors = "Salesforce rejected the gateway's own credentials", nil
	}
	if se.Code == partner.CodeInvalidSessionID {
		// Still rejected after the client replaced the session (a login
		// succeeded, so the credentials are good): a session revoked as
		// soon as it was issued, or an org-side policy, not a bad secret.
		e.Detail = "Salesforce kept rejecting the gateway's sessions, new ones included; the gateway's credentials were accepted at login"
	}
	if se.Code == partner.CodeRequestLimitExceeded {
		e.RetryAfter = orgLimitWait(se.Message)
	}
	return e
}
