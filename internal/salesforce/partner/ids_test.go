package partner

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"001D000000HS2PP", "001D000000HS2PPIA1", true},
		{"001D000000HS2PPIA1", "001D000000HS2PPIA1", true},
		{"001d000000hs2ppia1", "001D000000HS2PPIA1", true}, // case restored from the suffix
		{"0016F00002S4Wj0", "0016F00002S4Wj0QAF", true},
		{"0016f00002s4wj0qaf", "0016F00002S4Wj0QAF", true},
		{"005000000000000", "005000000000000AAA", true},
		{"ABCDEABCDEABCDE", "ABCDEABCDEABCDE555", true},
		{"001D000000HS2P", "", false},      // 14
		{"001D000000HS2PPIA", "", false},   // 17
		{"001D000000HS2PPIA12", "", false}, // 19
		{"", "", false},
		{"001D000000HS2P-", "", false},
		{"001D000000HS2PPIA!", "", false},
		{"001D000000HS2PP\x00A1", "", false},
		{"001D000000HS2PP999", "", false}, // suffix char outside the alphabet
		{"0010000000000005AA", "", false}, // suffix says upper-case letter where a digit is
	}
	for _, tc := range tests {
		got, err := NormalizeID(tc.in)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("NormalizeID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeMalformedID || e.Kind != KindInvalidInput {
			t.Errorf("NormalizeID(%q) = %q, %v; want MALFORMED_ID", tc.in, got, err)
		}
	}
	// Every 15-character id and its 18-character form agree both ways.
	for _, id := range []string{"a0B5e00000AbCdE", "zzzzzZZZZZzzzzz", "00Q2x00000AH981"} {
		n, err := NormalizeID(id)
		if err != nil || n[:15] != id {
			t.Fatalf("NormalizeID(%q) = %q, %v", id, n, err)
		}
		again, err := NormalizeID(strings.ToLower(n))
		if err != nil || again != n {
			t.Errorf("NormalizeID(lower %q) = %q, %v; want %q", n, again, err, n)
		}
	}
}
