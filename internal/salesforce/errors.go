package salesforce

import (
	"errors"
	"net"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// classifyTransportErr turns an error from the HTTP client into an *Error.
func classifyTransportErr(op string, err error) *partner.Error {
	e := &partner.Error{Op: op, Kind: partner.KindNetwork, Cause: err, Unsent: notSent(err)}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		e.Message = "timeout"
	}
	return e
}

func invalidInput(op, code, msg string, fields ...string) *partner.Error {
	return &partner.Error{Op: op, Kind: partner.KindInvalidInput, Code: code, Message: msg, Fields: fields}
}
