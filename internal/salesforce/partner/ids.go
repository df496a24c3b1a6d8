package partner

import (
	"fmt"
	"strings"
)

// idSuffixAlphabet maps a 5-bit case mask to the checksum character of an
// 18-character id.
const idSuffixAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"

// NormalizeID returns the 18-character, case-safe form of a Salesforce id
// (the WSDL's ID type). A 15-character id is case-sensitive: the three
// suffix characters encode, per block of five, which characters are
// upper-case letters. An 18-character id is case-insensitive: its suffix is
// used to restore the case of the first 15 characters (so an id that went
// through a case-folding system still works), and the canonical form is
// returned. Anything else is refused with an *Error of code MALFORMED_ID
// saying why (see IDProblem).
func NormalizeID(id string) (string, error) {
	n, why := normalizeID(id)
	if why != "" {
		return "", malformedID(id, why)
	}
	return n, nil
}

// IDProblem says why s is not a Salesforce id, in words for the caller: the
// wrong length, a character ids do not hold, or (for 18 characters) a
// checksum suffix that does not match the case of the first 15. It is ""
// for an id NormalizeID accepts.
func IDProblem(s string) string {
	_, why := normalizeID(s)
	return why
}

// The reasons an id is refused; each reads after "the id".
const (
	idWrongChar     = "is not a Salesforce id: it holds a character other than A-Z, a-z and 0-9"
	idWrongChecksum = "has a wrong checksum suffix: its last 3 characters do not match the case of its first 15"
)

func normalizeID(id string) (string, string) {
	switch len(id) {
	case 15, 18:
	default:
		return "", fmt.Sprintf("is not a Salesforce id: it has %d characters, want 15 or 18", len(id))
	}
	var out [18]byte
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isAlnum(c) {
			return "", idWrongChar
		}
		out[i] = c
	}
	if len(id) == 15 {
		for block := 0; block < 3; block++ {
			mask := 0
			for j := 0; j < 5; j++ {
				if c := out[block*5+j]; c >= 'A' && c <= 'Z' {
					mask |= 1 << j
				}
			}
			out[15+block] = idSuffixAlphabet[mask]
		}
		return string(out[:]), ""
	}
	for block := 0; block < 3; block++ {
		s := upper(out[15+block])
		mask := strings.IndexByte(idSuffixAlphabet, s)
		if mask < 0 {
			return "", idWrongChecksum
		}
		out[15+block] = s
		for j := 0; j < 5; j++ {
			p := block*5 + j
			c := out[p]
			isLetter := upper(c) >= 'A' && upper(c) <= 'Z'
			if mask&(1<<j) != 0 {
				if !isLetter {
					return "", idWrongChecksum
				}
				out[p] = upper(c)
			} else if isLetter {
				out[p] = c | 0x20 // lower case
			}
		}
	}
	return string(out[:]), ""
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 0x20
	}
	return c
}

func malformedID(id, why string) *Error {
	// Ids are not secrets; quoting a bounded prefix keeps messages short.
	shown := id
	if len(shown) > 40 {
		shown = shown[:40] + "…"
	}
	return &Error{Kind: KindInvalidInput, Code: CodeMalformedID,
		Message: fmt.Sprintf("the id %q %s", shown, why)}
}
