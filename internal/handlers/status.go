package handlers

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/sfgate/sfgate"
)

// StatusClientClosedRequest is answered (and logged) when the caller went
// away before the answer was ready; nginx's convention, so dashboards can
// tell it from the gateway's own failures.
const StatusClientClosedRequest = 499

// codeMethodNotAllowed is the code of a 405, an answer only HTTP has.
const codeMethodNotAllowed = "METHOD_NOT_ALLOWED"

// statusByCode is the one table from Salesforce's codes (the ExceptionCode
// and StatusCode enumerations of the partner WSDL; a test checks each name)
// to the status the gateway answers. A code missing here is answered by its
// error's kind: 502 for what Salesforce refused, logged as unmapped so new
// codes are noticed rather than guessed; 400 for what the client refused
// before sending anything.
var statusByCode = map[string]int{
	// The caller's input is malformed: 400.
	"MALFORMED_QUERY":                  http.StatusBadRequest,
	"MALFORMED_SEARCH":                 http.StatusBadRequest,
	"INVALID_SEARCH":                   http.StatusBadRequest,
	"INVALID_SEARCH_SCOPE":             http.StatusBadRequest,
	"INVALID_QUERY_FILTER_OPERATOR":    http.StatusBadRequest,
	"INVALID_QUERY_SCOPE":              http.StatusBadRequest,
	"INVALID_QUERY_VALUE":              http.StatusBadRequest,
	"INVALID_FILTER_VALUE":             http.StatusBadRequest,
	"INVALID_DATE_FORMAT":              http.StatusBadRequest,
	"INVALID_SORT_OPTION":              http.StatusBadRequest,
	"QUERY_TOO_COMPLICATED":            http.StatusBadRequest,
	"UNSUPPORTED_QUERY":                http.StatusBadRequest,
	"EXCEEDED_MAX_SEMIJOIN_SUBSELECTS": http.StatusBadRequest,
	"EXCEEDED_MAX_TYPES_LIMIT":         http.StatusBadRequest,
	"EXCEEDED_ID_LIMIT":                http.StatusBadRequest,
	"INVALID_BATCH_SIZE":               http.StatusBadRequest,
	"MALFORMED_ID":                     http.StatusBadRequest,
	"INVALID_ID_FIELD":                 http.StatusBadRequest,
	// In raw SOQL an unknown object or field is the caller's typo. (For a
	// path's {sobject} the describe service answers 404 before any call.)
	"INVALID_TYPE":               http.StatusBadRequest,
	"INVALID_FIELD":              http.StatusBadRequest,
	"ENTITY_NOT_QUERYABLE":       http.StatusBadRequest,
	"INVALID_TYPE_FOR_OPERATION": http.StatusBadRequest,
	"INVALID_OPERATION":          http.StatusBadRequest,
	"DUPLICATE_ARGUMENT_VALUE":   http.StatusBadRequest,
	"MISSING_ARGUMENT":           http.StatusBadRequest,

	// Well-formed, but the org's rules refuse the values: 422.
	"REQUIRED_FIELD_MISSING":                  http.StatusUnprocessableEntity,
	"STRING_TOO_LONG":                         http.StatusUnprocessableEntity,
	"INVALID_FIELD_FOR_INSERT_UPDATE":         http.StatusUnprocessableEntity,
	"INVALID_FIELD_WHEN_USING_TEMPLATE":       http.StatusUnprocessableEntity,
	"FIELD_NOT_UPDATABLE":                     http.StatusUnprocessableEntity,
	"FIELD_CUSTOM_VALIDATION_EXCEPTION":       http.StatusUnprocessableEntity,
	"FIELD_FILTER_VALIDATION_EXCEPTION":       http.StatusUnprocessableEntity,
	"FIELD_INTEGRITY_EXCEPTION":               http.StatusUnprocessableEntity,
	"INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST": http.StatusUnprocessableEntity,
	"INVALID_EMAIL_ADDRESS":                   http.StatusUnprocessableEntity,
	"NUMBER_OUTSIDE_VALID_RANGE":              http.StatusUnprocessableEntity,
	"INVALID_TYPE_ON_FIELD_IN_RECORD":         http.StatusUnprocessableEntity,
	"TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET":     http.StatusUnprocessableEntity,
	"INVALID_CROSS_REFERENCE_KEY":             http.StatusUnprocessableEntity, // a reference field names a record that is not there
	"INVALID_CROSS_REFERENCE_TYPE_FOR_FIELD":  http.StatusUnprocessableEntity,
	"INVALID_STATUS":                          http.StatusUnprocessableEntity, // convertLead's convertedStatus
	"CANNOT_UPDATE_CONVERTED_LEAD":            http.StatusUnprocessableEntity,
	"INVALID_MERGE_RECORD":                    http.StatusUnprocessableEntity,
	"MERGE_FAILED":                            http.StatusUnprocessableEntity,
	"DELETE_FAILED":                           http.StatusUnprocessableEntity, // e.g. referenced by other records
	"UNDELETE_FAILED":                         http.StatusUnprocessableEntity,
	"CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY":    http.StatusUnprocessableEntity, // a trigger or flow refused the write
	"ENTITY_SAVE_VALIDATION_ERROR":            http.StatusUnprocessableEntity,
	"INVALID_ENTITY_FOR_UPSERT":               http.StatusUnprocessableEntity,
	"INVALID_EXTERNAL_ID_FIELD_NAME":          http.StatusUnprocessableEntity,
	"INACTIVE_OWNER_OR_USER":                  http.StatusUnprocessableEntity,
	"CANNOT_REPARENT_RECORD":                  http.StatusUnprocessableEntity,
	"CIRCULAR_DEPENDENCY":                     http.StatusUnprocessableEntity,
	"LIMIT_EXCEEDED":                          http.StatusUnprocessableEntity,
	"STORAGE_LIMIT_EXCEEDED":                  http.StatusUnprocessableEntity,
	// Only in allOrNone batches: this record was fine but rolled back
	// because another failed.
	"ALL_OR_NONE_OPERATION_ROLLED_BACK": http.StatusUnprocessableEntity,

	// Conflicts with existing data: 409.
	"DUPLICATE_VALUE":       http.StatusConflict,
	"DUPLICATES_DETECTED":   http.StatusConflict,
	"DUPLICATE_EXTERNAL_ID": http.StatusConflict, // upsert key matches several records
	"DUPLICATE_USERNAME":    http.StatusConflict,
	"ENTITY_IS_LOCKED":      http.StatusConflict, // approval lock: waiting will not help
	"DEPENDENCY_EXISTS":     http.StatusConflict,

	// Not there: 404.
	"ENTITY_IS_DELETED": http.StatusNotFound,
	"NOT_FOUND":         http.StatusNotFound,
	"RECORD_NOT_FOUND":  http.StatusNotFound,
	"MISSING_RECORD":    http.StatusNotFound,
	// A query locator expires after 15 minutes idle, or was never valid.
	"INVALID_QUERY_LOCATOR": http.StatusNotFound,
	"INVALID_LOCATOR":       http.StatusNotFound,

	// Salesforce refuses the gateway's user access: 403.
	"INSUFFICIENT_ACCESS":                           http.StatusForbidden,
	"INSUFFICIENT_ACCESS_OR_READONLY":               http.StatusForbidden,
	"INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY": http.StatusForbidden,
	"INSUFFICIENT_ACCESS_TO_INSIGHTSEXTERNALDATA":   http.StatusForbidden,
	"GUEST_INSUFFICIENT_ACCESS":                     http.StatusForbidden,
	"TXN_SECURITY_NO_ACCESS":                        http.StatusForbidden,
	"FUNCTIONALITY_NOT_ENABLED":                     http.StatusForbidden,
	"CANNOT_DELETE_OWNER":                           http.StatusForbidden,

	// The org's limits or availability: 503 with Retry-After.
	"REQUEST_LIMIT_EXCEEDED":                              http.StatusServiceUnavailable,
	"SERVER_UNAVAILABLE":                                  http.StatusServiceUnavailable,
	"UNABLE_TO_LOCK_ROW":                                  http.StatusServiceUnavailable, // contention: retryable soon
	"TOO_MANY_APEX_REQUESTS":                              http.StatusServiceUnavailable,
	"API_CURRENTLY_DISABLED":                              http.StatusServiceUnavailable,
	"ORG_IN_MAINTENANCE":                                  http.StatusServiceUnavailable,
	"INSERT_UPDATE_DELETE_NOT_ALLOWED_DURING_MAINTENANCE": http.StatusServiceUnavailable,
	"FUNCTIONALITY_TEMPORARILY_UNAVAILABLE":               http.StatusServiceUnavailable,
	"LOGIN_RATE_EXCEEDED":                                 http.StatusServiceUnavailable, // the gateway cannot log in for a while

	// Salesforce took too long: 504.
	"QUERY_TIMEOUT":            http.StatusGatewayTimeout,
	"REQUEST_RUNNING_TOO_LONG": http.StatusGatewayTimeout,

	// The gateway's own credentials or org configuration were refused:
	// 502, since the caller can do nothing about it.
	"INVALID_LOGIN":                           http.StatusBadGateway,
	"INVALID_SESSION_ID":                      http.StatusBadGateway, // still rejected after one refresh
	"LOGIN_MUST_USE_SECURITY_TOKEN":           http.StatusBadGateway,
	"INVALID_OPERATION_WITH_EXPIRED_PASSWORD": http.StatusBadGateway,
	"PASSWORD_LOCKOUT":                        http.StatusBadGateway,
	"LOGIN_DURING_RESTRICTED_DOMAIN":          http.StatusBadGateway,
	"LOGIN_DURING_RESTRICTED_TIME":            http.StatusBadGateway,
	"API_DISABLED_FOR_ORG":                    http.StatusBadGateway,
	"ORG_LOCKED":                              http.StatusBadGateway,
	"INVALID_CLIENT":                          http.StatusBadGateway,
	"UNSUPPORTED_API_VERSION":                 http.StatusBadGateway,
	"UNSUPPORTED_CLIENT":                      http.StatusBadGateway,
	"TRIAL_EXPIRED":                           http.StatusBadGateway,
	"INVALID_SOAP_HEADER":                     http.StatusBadGateway, // our envelope was wrong
	"UNKNOWN_EXCEPTION":                       http.StatusBadGateway,
	"INTERNAL_ERROR":                          http.StatusBadGateway,
	"INTERNAL_SERVER_ERROR":                   http.StatusBadGateway,
}

// retryAfterUnavailable is the Retry-After of a 503 whose error names no
// wait of its own (Salesforce unreachable or in maintenance, row-lock
// contention): long enough not to hammer, short enough for a blip.
const retryAfterUnavailable = 5 * time.Second

// statusByKind is the status of each kind of error; a kind missing here is
// answered 500.
var statusByKind = [...]int{
	sfgate.KindInternal:      http.StatusInternalServerError,
	sfgate.KindInvalid:       http.StatusBadRequest,
	sfgate.KindUnprocessable: http.StatusUnprocessableEntity,
	sfgate.KindNotFound:      http.StatusNotFound,
	sfgate.KindUnauthorized:  http.StatusUnauthorized,
	sfgate.KindRateLimited:   http.StatusTooManyRequests,
	sfgate.KindTooLarge:      http.StatusRequestEntityTooLarge,
	sfgate.KindNotAcceptable: http.StatusNotAcceptable,
	// The org's limits and Salesforce's availability: 503 with Retry-After.
	sfgate.KindUnavailable: http.StatusServiceUnavailable,
	sfgate.KindTimeout:     http.StatusGatewayTimeout,
	// Salesforce failed, or refused in a way the caller cannot fix (the
	// gateway's own credentials, a code missing from statusByCode).
	sfgate.KindUpstream: http.StatusBadGateway,
	sfgate.KindCanceled: StatusClientClosedRequest,
	// A known caller without the permission; a request colliding with one
	// in flight.
	sfgate.KindForbidden: http.StatusForbidden,
	sfgate.KindConflict:  http.StatusConflict,
}

// statusError is an answer only HTTP has a status for (405, 501): no
// error kind names it, so the status travels with the error.
type statusError struct {
	status int
	err    *sfgate.Error
}

func (e *statusError) Error() string { return strconv.Itoa(e.status) + " " + e.err.Error() }

// Unwrap returns the domain error.
func (e *statusError) Unwrap() error { return e.err }

// classified is how one error is answered.
type classified struct {
	status     int
	code       string
	title      string
	detail     string
	errors     []sfgate.FieldError
	retryAfter time.Duration
	// unmapped is set for a Salesforce code missing from statusByCode.
	unmapped bool
}

// answer is how e is answered: a Salesforce code by statusByCode, any
// other error (and a Salesforce code the table lacks) by its kind.
func answer(e *sfgate.Error) classified {
	c := classified{code: e.Code, detail: e.Detail, errors: e.Errors, retryAfter: e.RetryAfter}
	status, known := 0, false
	if e.Salesforce {
		status, known = statusByCode[e.Code]
	}
	if !known {
		status = http.StatusInternalServerError
		if int(e.Kind) < len(statusByKind) && statusByKind[e.Kind] != 0 {
			status = statusByKind[e.Kind]
		}
		// A code Salesforce refused with that nobody mapped is logged as
		// such, so new codes are noticed rather than guessed.
		c.unmapped = e.Salesforce && e.Kind == sfgate.KindUpstream
	}
	c.status = status
	if status == http.StatusServiceUnavailable && c.retryAfter <= 0 {
		c.retryAfter = retryAfterUnavailable
	}
	return c
}

// classify decides status, code and body for err. ctx is the request's:
// a caller that went away is 499 whatever the error says.
func classify(ctx context.Context, err error) classified {
	if errors.Is(ctx.Err(), context.Canceled) {
		return answer(&sfgate.Error{Kind: sfgate.KindCanceled, Code: sfgate.CodeClientClosed, Detail: "the caller closed the request"})
	}
	var he *statusError
	if errors.As(err, &he) {
		c := answer(he.err)
		c.status = he.status
		return c
	}
	var ge *sfgate.Error
	if errors.As(err, &ge) {
		return answer(ge)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return answer(&sfgate.Error{Kind: sfgate.KindTimeout, Code: sfgate.CodeTimeout, Detail: "the request took longer than the gateway allows"})
	}
	return answer(&sfgate.Error{Kind: sfgate.KindInternal, Code: sfgate.CodeInternal})
}
