package service

import (
	"errors"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// TestMalformedIDMessagesSayWhy checks that every place an id is refused
// says what is wrong with it: the length, a foreign character, or (for 18
// characters) a checksum suffix that does not match, which used to be
// reported as "not an id of 15 or 18 characters".
func TestMalformedIDMessagesSayWhy(t *testing.T) {
	t.Parallel()
	const good = "0015g00000AbCdEAAV"
	tests := []struct {
		name, id string
		want     string // the message must contain this
		notWant  string // …and not this
	}{
		{"wrong checksum", "0015g00000AbCdEBAV", "checksum", "15 or 18 characters"},
		{"checksum letter outside the alphabet", "0015g00000AbCdEA9V", "checksum", "15 or 18 characters"},
		{"checksum marks a digit as upper case", "001000000000001BAA", "checksum", "15 or 18 characters"},
		{"14 characters", good[:14], "14 characters", "checksum"},
		{"17 characters", good[:17], "17 characters", "checksum"},
		{"a foreign character in 18", "0015g00000AbCd-AAV", "A-Z, a-z and 0-9", "checksum"},
	}
	if p := partner.IDProblem(good); p != "" {
		t.Errorf("IDProblem(%q) = %q for a good id", good, p)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			check := func(where, msg string) {
				t.Helper()
				if !strings.Contains(msg, tt.want) || strings.Contains(msg, tt.notWant) {
					t.Errorf("%s: %q, want it to say %q (and not %q)", where, msg, tt.want, tt.notWant)
				}
			}
			_, err := partner.NormalizeID(tt.id)
			if err == nil {
				t.Fatalf("NormalizeID(%q) accepted it", tt.id)
			}
			check("client", err.Error())
			check("IDProblem", partner.IDProblem(tt.id))

			_, err = pathID(tt.id)
			var he *sfgate.Error
			if !errors.As(err, &he) || he.Code != codeMalformedID || len(he.Errors) != 1 {
				t.Fatalf("pathID: %v, want a MALFORMED_ID with one field error", err)
			}
			check("path detail", he.Detail)
			check("path field message", he.Errors[0].Message)

			_, ve := toSalesforce(&partner.DescribeField{Name: "ParentId", Type: "reference"}, tt.id)
			if ve == nil || ve.code != codeMalformedID {
				t.Fatalf("toSalesforce: %v, want %s", ve, codeMalformedID)
			}
			check("reference value", ve.msg)
		})
	}
}
