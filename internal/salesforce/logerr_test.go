package salesforce

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func TestLogCallErrorKeepsValuesOut(t *testing.T) {
	t.Parallel()
	const value = "QZX-record-value"
	tests := []struct {
		name     string
		err      error
		want     []string
		wantNone bool // the value must not appear
	}{
		{"fault echoing a value", fmt.Errorf("create: %w", &partner.Error{Op: "create", Kind: partner.KindFault, Code: "STRING_TOO_LONG",
			Message: "Account Name: data value too large: " + value, Fields: []string{"Name"}}),
			[]string{`"sf_code":"STRING_TOO_LONG"`, `"sf_fields":"Name"`}, true},
		{"SOAP client fault", &partner.Error{Op: "query", Kind: partner.KindTransport, Code: "Client", Message: "unexpected element " + value},
			[]string{`"sf_code":"Client"`}, true},
		{"refused locally", &partner.Error{Op: "create", Kind: partner.KindInvalidInput, Code: "MALFORMED_ID", Message: "malformed id " + value},
			[]string{`"sf_code":"MALFORMED_ID"`}, true},
		{"network", &partner.Error{Op: "query", Kind: partner.KindNetwork, Message: "dial", Cause: errors.New("connection refused")},
			[]string{"connection refused"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			logger := zerolog.New(&b)
			logCallError(logger.Warn(), tt.err).Msg("salesforce call")
			for _, w := range tt.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("log %s lacks %s", b.String(), w)
				}
			}
			if tt.wantNone && strings.Contains(b.String(), value) {
				t.Errorf("log holds the value: %s", b.String())
			}
		})
	}
}
