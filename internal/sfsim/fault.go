package sfsim

import (
	"fmt"
	"strconv"
)

// Fault detail element names of the partner WSDL's fault namespace.
const (
	ftUnexpected   = "UnexpectedErrorFault"
	ftInvalidSObj  = "InvalidSObjectFault"
	ftInvalidField = "InvalidFieldFault"
	ftMalformedQ   = "MalformedQueryFault"
	ftMalformedS   = "MalformedSearchFault"
	ftInvalidID    = "InvalidIdFault"
	ftLogin        = "LoginFault"
	ftInvalidQL    = "InvalidQueryLocatorFault"
)

// Fault is a SOAP fault as Salesforce sends it: HTTP 500, faultcode
// sf:CODE, faultstring "CODE: message" and one typed detail element
// (PROTOCOL.md §10). A fault with a soapCode ("Client", "VersionMismatch") is a
// transport-level soapenv fault without detail, as in the content-type and
// premature-EOF samples.
type Fault struct {
	Code    string // ExceptionCode, e.g. INVALID_FIELD
	Type    string // detail element, e.g. InvalidFieldFault
	Message string
	// Row and Column are written for the ApiQueryFault subtypes.
	Row, Column int

	soapCode string
}

func (f *Fault) Error() string {
	if f.soapCode != "" {
		return "soapenv:" + f.soapCode + ": " + f.Message
	}
	return f.Code + ": " + f.Message
}

// hasPosition reports whether the detail type extends ApiQueryFault and so
// carries row and column.
func (f *Fault) hasPosition() bool {
	switch f.Type {
	case ftInvalidSObj, ftInvalidField, ftMalformedQ, ftMalformedS:
		return true
	}
	return false
}

func newFault(code, typ, format string, args ...any) *Fault {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &Fault{Code: code, Type: typ, Message: msg}
}

// unexpected is the generic fault type for session, limit and most
// operational errors.
func unexpected(code, format string, args ...any) *Fault {
	return newFault(code, ftUnexpected, format, args...)
}

func clientFault(msg string) *Fault { return &Fault{soapCode: "Client", Message: msg} }

// Faults with fixed wording, taken from the real samples and reports cited
// in PROTOCOL.md.
func faultInvalidSession() *Fault {
	return unexpected("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session")
}

func faultInvalidLogin() *Fault {
	return newFault("INVALID_LOGIN", ftLogin, "Invalid username, password, security token; or user locked out.")
}

func faultRequestLimit() *Fault {
	return unexpected("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")
}

func faultIDLimit() *Fault {
	return unexpected("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than 200 records into this call")
}

// faultInvalidType is an unknown object outside a query: an
// InvalidSObjectFault with no position (row and column -1).
func faultInvalidType(name string) *Fault {
	f := newFault("INVALID_TYPE", ftInvalidSObj, "sObject type '%s' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.", name)
	f.Row, f.Column = -1, -1
	return f
}

// writeFault renders f as a complete envelope.
func writeFault(w *xw, f *Fault) {
	w.raw(`<?xml version="1.0" encoding="UTF-8"?>`)
	if f.soapCode != "" {
		w.raw(`<soapenv:Envelope xmlns:soapenv="` + nsSOAPEnv + `"><soapenv:Body><soapenv:Fault>`)
		w.elem("faultcode", "soapenv:"+f.soapCode)
		w.elem("faultstring", f.Message)
		w.raw(`</soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
		return
	}
	w.raw(`<soapenv:Envelope xmlns:soapenv="` + nsSOAPEnv + `" xmlns:sf="` + nsFault + `" xmlns:xsi="` + nsXSI + `"><soapenv:Body><soapenv:Fault>`)
	w.elem("faultcode", "sf:"+f.Code)
	w.elem("faultstring", f.Code+": "+f.Message)
	w.open("detail")
	w.openType("sf:"+f.Type, "sf:"+f.Type)
	w.elem("sf:exceptionCode", f.Code)
	w.elem("sf:exceptionMessage", f.Message)
	if f.hasPosition() {
		w.elem("sf:row", strconv.Itoa(f.Row))
		w.elem("sf:column", strconv.Itoa(f.Column))
	}
	w.close("sf:" + f.Type)
	w.close("detail")
	w.raw(`</soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
}

// recordError is one Error element inside a per-record result.
type recordError struct {
	Code    string // StatusCode
	Message string
	Fields  []string
	dup     *dupMatch // a DuplicateError's duplicateResult
}

func (e *recordError) Error() string { return e.Code + ": " + e.Message }

func recErr(code string, fields []string, format string, args ...any) *recordError {
	msg := format
	if len(args) > 0 {
		msg = fmt.Sprintf(format, args...)
	}
	return &recordError{Code: code, Message: msg, Fields: fields}
}

func writeErrors(w *xw, errs []*recordError) {
	for _, e := range errs {
		if e.dup != nil {
			w.openType("errors", "DuplicateError")
		} else {
			w.open("errors")
		}
		for _, f := range e.Fields {
			w.elem("fields", f)
		}
		w.elem("message", e.Message)
		w.elem("statusCode", e.Code)
		if e.dup != nil {
			writeDuplicateResult(w, e.dup)
		}
		w.close("errors")
	}
}
