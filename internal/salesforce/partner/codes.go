package partner

import "slices"

//go:generate go test -run TestCodesMatchWSDL -update .

var (
	exceptionCodeSet = setOf(exceptionCodes[:])
	statusCodeSet    = setOf(statusCodes[:])
)

func setOf(list []string) map[string]struct{} {
	m := make(map[string]struct{}, len(list))
	for _, c := range list {
		m[c] = struct{}{}
	}
	return m
}

// ExceptionCodes returns the partner WSDL's ExceptionCode enumeration: the
// codes of SOAP faults, in WSDL order.
func ExceptionCodes() []string { return slices.Clone(exceptionCodes[:]) }

// StatusCodes returns the partner WSDL's StatusCode enumeration: the codes
// of per-record errors, in WSDL order.
func StatusCodes() []string { return slices.Clone(statusCodes[:]) }

// IsExceptionCode reports whether code is in the ExceptionCode enumeration.
func IsExceptionCode(code string) bool {
	_, ok := exceptionCodeSet[code]
	return ok
}

// IsStatusCode reports whether code is in the StatusCode enumeration.
func IsStatusCode(code string) bool {
	_, ok := statusCodeSet[code]
	return ok
}
