package partner

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestErrorFormatting(t *testing.T) {
	t.Parallel()
	e := &Error{Op: "query", Kind: KindFault, Code: "INVALID_FIELD", Message: "\nNo such column 'x'", Row: 1, Column: 8}
	if got := e.Error(); got != "salesforce query: INVALID_FIELD: No such column 'x'" {
		t.Errorf("Error() = %q", got)
	}
	n := &Error{Op: "create", Kind: KindNetwork, Cause: io.ErrUnexpectedEOF}
	if got := n.Error(); got != "salesforce create: unexpected EOF" || !errors.Is(n, io.ErrUnexpectedEOF) {
		t.Errorf("Error() = %q", got)
	}
	if !IsCode(fmt.Errorf("wrapped: %w", e), "INVALID_FIELD") || IsCode(e, "OTHER") {
		t.Error("IsCode")
	}
}
