package handlers

import (
	"fmt"
	"net/http"
	"time"
)

// Error is an error the gateway decided itself (validation, not found,
// rate limit, …) and knows how to answer. Services return it for what they
// refuse before or instead of calling Salesforce.
type Error struct {
	// Status is the HTTP status to answer.
	Status int
	// Code is the stable machine-readable code, e.g. VALIDATION_FAILED.
	Code string
	// Detail is a human-readable explanation safe to show the caller.
	Detail string
	// Errors are per-field or per-record problems.
	Errors []FieldError
	// RetryAfter, when positive, is sent as the Retry-After header.
	RetryAfter time.Duration
	// Err is the cause; logged, never sent.
	Err error
}

// FieldError is one problem with one field or record. Field is an API field
// name, "query.<param>"/"path.<param>"/"header.<name>", or a JSON pointer
// into the body; Index is the record's position in a batch.
type FieldError struct {
	Index   *int   `json:"index,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%d %s", e.Status, e.Code)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// The gateway's own codes, beside Salesforce's.
const (
	CodeValidationFailed = "VALIDATION_FAILED"
	CodeNotFound         = "NOT_FOUND"
	CodeBodyTooLarge     = "BODY_TOO_LARGE"
	CodeUnauthorized     = "UNAUTHORIZED"
	CodeRateLimited      = "RATE_LIMITED"
	CodeClientClosed     = "CLIENT_CLOSED_REQUEST"
	CodeTimeout          = "GATEWAY_TIMEOUT"
	CodeInternal         = "INTERNAL_ERROR"
	CodeUpstream         = "SALESFORCE_ERROR"
	CodeUnavailable      = "SALESFORCE_UNAVAILABLE"
	CodeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	CodeNotAcceptable    = "NOT_ACCEPTABLE"
	CodeOverloaded       = "GATEWAY_OVERLOADED"
)

// NewError returns an *Error with the given status, code and detail.
func NewError(status int, code, detail string) *Error {
	return &Error{Status: status, Code: code, Detail: detail}
}

// Validation returns a 400 VALIDATION_FAILED naming each problem. Use 422
// (Unprocessable) for input that is well-formed but refused by describe.
func Validation(detail string, errs ...FieldError) *Error {
	return &Error{Status: http.StatusBadRequest, Code: CodeValidationFailed, Detail: detail, Errors: errs}
}

// Unprocessable returns a 422 VALIDATION_FAILED naming each problem: the
// request is well-formed JSON of the right shape, but describe refuses it
// (unknown or read-only field, wrong type for the field, missing required
// field).
func Unprocessable(detail string, errs ...FieldError) *Error {
	return &Error{Status: http.StatusUnprocessableEntity, Code: CodeValidationFailed, Detail: detail, Errors: errs}
}

// NotFound returns a 404 NOT_FOUND.
func NotFound(detail string) *Error {
	return &Error{Status: http.StatusNotFound, Code: CodeNotFound, Detail: detail}
}
