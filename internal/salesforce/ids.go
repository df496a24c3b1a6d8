package salesforce

import (
	"fmt"
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
// returned. Anything else is refused with an *Error of code MALFORMED_ID.
func NormalizeID(id string) (string, error) {
	switch len(id) {
	case 15, 18:
	default:
		return "", malformedID(id, fmt.Sprintf("has %d characters, want 15 or 18", len(id)))
	}
	var out [18]byte
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !isAlnum(c) {
			return "", malformedID(id, "contains a character other than A-Z, a-z, 0-9")
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
		return string(out[:]), nil
	}
	for block := 0; block < 3; block++ {
		s := upper(out[15+block])
		mask := -1
		for k := 0; k < len(idSuffixAlphabet); k++ {
			if idSuffixAlphabet[k] == s {
				mask = k
				break
			}
		}
		if mask < 0 {
			return "", malformedID(id, "has an invalid checksum suffix")
		}
		out[15+block] = s
		for j := 0; j < 5; j++ {
			p := block*5 + j
			c := out[p]
			isLetter := upper(c) >= 'A' && upper(c) <= 'Z'
			if mask&(1<<j) != 0 {
				if !isLetter {
					return "", malformedID(id, "does not match its checksum suffix")
				}
				out[p] = upper(c)
			} else if isLetter {
				out[p] = c | 0x20 // lower case
			}
		}
	}
	return string(out[:]), nil
}

// normalizeIDs normalises ids into a new slice; the error names the index.
func normalizeIDs(op string, ids []string) ([]string, error) {
	out := make([]string, len(ids))
	for i, id := range ids {
		n, err := NormalizeID(id)
		if err != nil {
			e := err.(*Error)
			e.Op = op
			e.Message = fmt.Sprintf("id %d: %s", i, e.Message)
			return nil, e
		}
		out[i] = n
	}
	return out, nil
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
		Message: fmt.Sprintf("malformed id %q: %s", shown, why)}
}
