package partner

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Kind says where an error came from.
type Kind int

const (
	// KindFault is a SOAP fault raised by Salesforce with an ExceptionCode
	// (faultcode in the fault namespace, usually with a detail element).
	KindFault Kind = iota + 1
	// KindTransport is a soapenv:Client / soapenv:Server fault without
	// detail, or an HTTP answer that is not a SOAP envelope (502 from a
	// proxy, 503 during maintenance, …).
	KindTransport
	// KindNetwork is a failure to reach Salesforce or to read its answer
	// (dial, TLS, reset, timeout).
	KindNetwork
	// KindInvalidInput is a request refused locally before anything was
	// sent: a malformed id, a character XML 1.0 cannot carry, too many
	// records for allOrNone, ….
	KindInvalidInput
	// KindDecode is an answer that could not be decoded (malformed XML, over
	// the size or depth cap, an unexpected shape).
	KindDecode
)

func (k Kind) String() string {
	switch k {
	case KindFault:
		return "fault"
	case KindTransport:
		return "transport"
	case KindNetwork:
		return "network"
	case KindInvalidInput:
		return "invalid input"
	case KindDecode:
		return "decode"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Error is the one error type of the Salesforce client: every failed call
// returns an *Error (possibly wrapped), so callers use errors.As once and
// switch on Code or Kind.
type Error struct {
	// Op is the SOAP operation, e.g. "query", "create", "login".
	Op string
	// Kind classifies the error.
	Kind Kind
	// Code is the Salesforce ExceptionCode (faults) or StatusCode, verbatim,
	// e.g. "INVALID_FIELD"; for KindTransport it is the faultcode's local
	// part ("Client", "Server") or "" when the answer was not a fault; for
	// local refusals a StatusCode that describes it (e.g. "MALFORMED_ID").
	Code string
	// Message is Salesforce's exceptionMessage (or faultstring), or the
	// local explanation.
	Message string
	// FaultType is the detail element's name, e.g. "InvalidFieldFault".
	FaultType string
	// Row and Column locate a SOQL/SOSL error (ApiQueryFault); 0 when absent.
	Row, Column int
	// Fields names the fields involved, when Salesforce or the encoder said.
	Fields []string
	// HTTPStatus is the answer's HTTP status; 0 when no answer arrived.
	HTTPStatus int
	// Cause is the underlying error (network, decode, context), if any. It
	// is logged by callers, never sent to API users.
	Cause error
	// Unsent is set on a KindNetwork error when the client knows the
	// request never reached Salesforce in full: no connection was opened
	// (dial or DNS failure, a refused connection, no free connection before
	// the deadline) or writing the request failed. Salesforce acts only on a
	// whole envelope, so such a call had no effect and may be repeated. The
	// zero value is the cautious one: the request may have arrived.
	Unsent bool
	// OutcomeUnknown is set on a KindNetwork error of a call that is not
	// idempotent (create, merge, convertLead, undelete) whose request may
	// have reached Salesforce in full but whose answer never arrived (the
	// connection dropped, the deadline passed): Salesforce may or may not
	// have run it, and repeating it may double its effect.
	OutcomeUnknown bool
}

// Error implements error. It never contains a session id: messages come
// from Salesforce faults or from the client, and causes are transport
// errors whose text names URLs, not headers.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("salesforce ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	if e.Code != "" {
		b.WriteString(e.Code)
		if e.Message != "" || e.Cause != nil {
			b.WriteString(": ")
		}
	}
	msg := strings.TrimSpace(e.Message)
	b.WriteString(msg)
	if len(e.Fields) > 0 {
		fmt.Fprintf(&b, " (fields %s)", strings.Join(e.Fields, ", "))
	}
	if e.Cause != nil {
		if msg != "" {
			b.WriteString(": ")
		}
		b.WriteString(e.Cause.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// Retryable reports whether repeating the same call later may succeed:
// row-lock contention, a server that is briefly unavailable, network and
// transport failures. It says nothing about whether the call is safe to
// repeat; that is the retry policy's business (see RetryPolicy).
// Daily-limit errors (REQUEST_LIMIT_EXCEEDED) are not retryable: the
// allowance only comes back over hours.
func (e *Error) Retryable() bool {
	switch e.Kind {
	case KindNetwork:
		return !errors.Is(e.Cause, context.Canceled) && !errors.Is(e.Cause, context.DeadlineExceeded)
	case KindTransport:
		// soapenv:Client means our request was bad: repeating it cannot help.
		if e.Code == "Client" {
			return false
		}
		return e.HTTPStatus == 0 || e.HTTPStatus >= 500 || e.HTTPStatus == 429
	case KindFault:
		return retryableCodes[e.Code]
	}
	return false
}

// retryableCodes are the fault codes that describe a transient state of
// the org rather than a problem with the request.
var retryableCodes = map[string]bool{
	CodeUnableToLockRow:      true,
	CodeServerUnavailable:    true,
	"QUERY_TIMEOUT":          false, // the same query will time out again
	"INTERNAL_SERVER_ERROR":  false, // usually deterministic on the request
	CodeRequestLimitExceeded: false,
}

// Codes the client itself interprets. They are ExceptionCode or StatusCode
// values of the partner WSDL (a test checks).
const (
	CodeInvalidSessionID     = "INVALID_SESSION_ID"
	CodeInvalidLogin         = "INVALID_LOGIN"
	CodeUnableToLockRow      = "UNABLE_TO_LOCK_ROW"
	CodeServerUnavailable    = "SERVER_UNAVAILABLE"
	CodeRequestLimitExceeded = "REQUEST_LIMIT_EXCEEDED"
	// CodeLoginRateExceeded is what Salesforce reports once a user passed
	// 3,600 logins in an hour. It is not in the WSDL's enumerations (the
	// one code here that is not; the session manager relies on it).
	CodeLoginRateExceeded   = "LOGIN_RATE_EXCEEDED"
	CodeMalformedID         = "MALFORMED_ID"
	CodeInvalidField        = "INVALID_FIELD"
	CodeInvalidType         = "INVALID_TYPE"
	CodeInvalidQueryLocator = "INVALID_QUERY_LOCATOR"
	CodeExceededIDLimit     = "EXCEEDED_ID_LIMIT"
	CodeInvalidBatchSize    = "INVALID_BATCH_SIZE"
	// CodeInvalidCharacter is used for values holding characters XML 1.0
	// cannot carry: Salesforce's own StatusCode for text it cannot store.
	CodeInvalidCharacter = "TEXT_DATA_OUTSIDE_SUPPORTED_CHARSET"
)

// credentialCodes are the codes of a call that mean Salesforce refused the
// gateway's own credentials, user or org rather than anything about the
// request: INVALID_SESSION_ID once the one refresh has not helped, a
// locked or restricted user, an org without API access.
var credentialCodes = map[string]bool{
	"INVALID_LOGIN": true, "INVALID_SESSION_ID": true, "LOGIN_MUST_USE_SECURITY_TOKEN": true,
	"INVALID_OPERATION_WITH_EXPIRED_PASSWORD": true, "PASSWORD_LOCKOUT": true,
	"LOGIN_DURING_RESTRICTED_DOMAIN": true, "LOGIN_DURING_RESTRICTED_TIME": true,
	"API_DISABLED_FOR_ORG": true, "ORG_LOCKED": true, "INVALID_CLIENT": true,
}

// IsCredentialCode reports whether code means Salesforce refused the
// gateway's own credentials, user or org. Nothing the caller sends can fix
// that, and Salesforce's message (which may name the user) is for the
// gateway's log, not for its callers.
func IsCredentialCode(code string) bool { return credentialCodes[code] }

// IsCode reports whether err is (or wraps) an *Error with the given code.
func IsCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
