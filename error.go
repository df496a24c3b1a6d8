package sfgate

import (
	"encoding/json"
	"strconv"
	"time"
)

// ErrorKind says what kind of failure an Error is, in terms a caller can
// act on; a transport maps it to its own vocabulary (internal/handlers to
// HTTP statuses). The zero value is KindInternal.
type ErrorKind uint8

const (
	// KindInternal is the gateway's own failure; nothing about it is shown.
	KindInternal ErrorKind = iota
	// KindInvalid is a malformed request: a shape the API does not take, a
	// malformed id, a character XML 1.0 cannot carry, a bad cursor. It can
	// never succeed as sent.
	KindInvalid
	// KindUnprocessable is a well-formed request that describe or the org's
	// rules refuse: an unknown or read-only field, a value of the wrong
	// type for its field, a missing required field.
	KindUnprocessable
	// KindNotFound is an object, record or endpoint that is not there.
	KindNotFound
	// KindUnauthorized is a caller that did not prove who it is.
	KindUnauthorized
	// KindRateLimited is a caller over its own request rate.
	KindRateLimited
	// KindTooLarge is a request larger than the gateway takes.
	KindTooLarge
	// KindNotAcceptable is a caller that accepts none of the forms the
	// answer comes in.
	KindNotAcceptable
	// KindUnavailable is Salesforce (or the gateway) unable to serve now:
	// unreachable, in maintenance, refusing logins for a while, or over
	// the org's limits. Retrying after RetryAfter may succeed.
	KindUnavailable
	// KindTimeout is Salesforce (or the request as a whole) taking longer
	// than allowed.
	KindTimeout
	// KindUpstream is Salesforce failing, answering what the gateway cannot
	// use, or refusing in a way the caller cannot fix (the gateway's own
	// credentials, an error code nobody mapped).
	KindUpstream
	// KindCanceled is a caller that went away before the answer was ready.
	KindCanceled
	// KindForbidden is a known caller without the permission the request
	// needs; the detail names the permission.
	KindForbidden
	// KindConflict is a request that collides with another in flight (the
	// same idempotency key, say).
	KindConflict
)

var kindNames = [...]string{
	KindInternal: "internal", KindInvalid: "invalid", KindUnprocessable: "unprocessable",
	KindNotFound: "not found", KindUnauthorized: "unauthorized", KindRateLimited: "rate limited",
	KindTooLarge: "too large", KindNotAcceptable: "not acceptable", KindUnavailable: "unavailable",
	KindTimeout: "timeout", KindUpstream: "upstream", KindCanceled: "canceled",
	KindForbidden: "forbidden", KindConflict: "conflict",
}

func (k ErrorKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// The gateway's own codes. Salesforce's codes (its ExceptionCode and
// StatusCode values) travel verbatim beside them, with Error.Salesforce set.
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
	// CodeEmptyDescribe is a describe Salesforce answered without the
	// object's name or without fields: unusable, so refused (upstream).
	CodeEmptyDescribe = "SALESFORCE_EMPTY_DESCRIBE"
	CodeUnavailable   = "SALESFORCE_UNAVAILABLE"
	CodeNotAcceptable = "NOT_ACCEPTABLE"
	CodeOverloaded    = "GATEWAY_OVERLOADED"
	// CodeDuplicateField marks a member named twice in one JSON object, or
	// one field named in two spellings (field names are case-insensitive).
	CodeDuplicateField = "DUPLICATE_FIELD"
)

// Error is an error a caller may see: what kind of failure it is, a stable
// code, a detail safe to show, and the problems of each field or record.
// Services return it (possibly wrapped) for everything they refuse or
// Salesforce refused; anything else is an internal error.
type Error struct {
	// Kind is what kind of failure this is.
	Kind ErrorKind
	// Code is the stable machine-readable code: one of the gateway's
	// (CodeValidationFailed, …) or, with Salesforce set, Salesforce's.
	Code string
	// Detail is a human-readable explanation safe to show the caller.
	Detail string
	// Errors are per-field or per-record problems.
	Errors []FieldError
	// RetryAfter, when positive, is how long the caller should wait before
	// trying again.
	RetryAfter time.Duration
	// Salesforce reports that Code is Salesforce's own and decides the
	// answer: a transport that knows Salesforce's codes answers by the code
	// and falls back on Kind only for a code it does not know. Left false
	// where the gateway decided the kind itself, even about a Salesforce
	// code (a record named by the path that is gone is not found).
	Salesforce bool
	// Err is the cause; logged, never sent.
	Err error
}

// FieldError is one problem with one field or record. Field is an API
// field name, a JSON pointer into the request body ("/records/3"), or
// where the transport found it ("query.fields", "path.id"); Index is the
// record's position in a batch.
type FieldError struct {
	Index   *int   `json:"index,omitempty"`
	Field   string `json:"field,omitempty"`
	Code    string `json:"code"`
	Message string `json:"message"`
	// Duplicate is what a duplicate rule found, on a DUPLICATES_DETECTED
	// error; nil otherwise.
	Duplicate *Duplicate `json:"duplicate,omitempty"`
}

// Duplicate is what a Salesforce duplicate rule found when it refused a
// save (Salesforce's DuplicateResult): the rule, and the existing records
// the caller may want to use instead.
type Duplicate struct {
	// Rule is the duplicate rule's developer name.
	Rule string `json:"rule"`
	// EntityType is the object the duplicate rule belongs to.
	EntityType string `json:"entityType"`
	// AllowSave reports whether the rule lets the save go ahead when
	// repeated with the duplicate rule header's allowSave.
	AllowSave bool `json:"allowSave"`
	// Matches are the records found, every matching rule's together.
	Matches []DuplicateMatch `json:"matches"`
}

// DuplicateMatch is one existing record a matching rule found.
type DuplicateMatch struct {
	// ID is the matched record's id.
	ID string `json:"id"`
	// EntityType is the matched record's object.
	EntityType string `json:"entityType"`
	// MatchingRule is the developer name of the matching rule that found it.
	MatchingRule string `json:"matchingRule"`
	// MatchEngine is Salesforce's engine (ExactMatchEngine,
	// FuzzyMatchEngine, …).
	MatchEngine string `json:"matchEngine,omitempty"`
	// Confidence is the match's confidence, 0 to 100, as Salesforce wrote
	// it; empty when it sent none.
	Confidence json.Number `json:"confidence,omitempty"`
}

func (e *Error) Error() string {
	s := e.Kind.String() + " " + e.Code
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

// NewError returns an *Error of the given kind, code and detail.
func NewError(kind ErrorKind, code, detail string) *Error {
	return &Error{Kind: kind, Code: code, Detail: detail}
}

// Invalid returns a KindInvalid VALIDATION_FAILED naming each problem. Use
// Unprocessable for input that is well-formed but refused by describe.
func Invalid(detail string, errs ...FieldError) *Error {
	return &Error{Kind: KindInvalid, Code: CodeValidationFailed, Detail: detail, Errors: errs}
}

// Unprocessable returns a KindUnprocessable VALIDATION_FAILED naming each
// problem: the request is well-formed, but describe refuses it (unknown or
// read-only field, wrong type for the field, missing required field).
func Unprocessable(detail string, errs ...FieldError) *Error {
	return &Error{Kind: KindUnprocessable, Code: CodeValidationFailed, Detail: detail, Errors: errs}
}

// NotFound returns a KindNotFound NOT_FOUND.
func NotFound(detail string) *Error {
	return &Error{Kind: KindNotFound, Code: CodeNotFound, Detail: detail}
}
