// Package jsonw appends JSON text to byte slices exactly as encoding/json
// writes it: strings escaped as json.Marshal escapes them (HTML characters
// optionally), integers, number literals checked. The gateway's answers
// (internal/handlers) and its records written straight from Salesforce's
// values (internal/service) share it, so the two cannot drift apart.
package jsonw

import "unicode/utf8"

// AppendInt appends n in decimal.
func AppendInt(dst []byte, n int) []byte {
	var tmp [20]byte
	u := uint64(n)
	if n < 0 {
		dst = append(dst, '-')
		u = uint64(-n) // the most negative int wraps to its own magnitude
	}
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(dst, tmp[i:]...)
}

const hexDigits = "0123456789abcdef"

// plain marks the ASCII bytes a JSON string carries as they are; htmlChar
// those json.Marshal escapes besides (<, > and &).
var plain, htmlChar [utf8.RuneSelf]bool

func init() {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		plain[b] = b != '"' && b != '\\'
	}
	htmlChar['<'], htmlChar['>'], htmlChar['&'] = true, true, true
}

// Eight bytes at a time: the tests below are exact as to whether any byte
// of w is of the kind, which is all the loops need to skip eight bytes.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func load8[T string | []byte](b T) uint64 {
	_ = b[7]
	return uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
		uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
}

// hasByte reports whether a byte of w is c.
func hasByte(w uint64, c byte) bool {
	x := w ^ ones*uint64(c)
	return (x-ones)&^x&highs != 0
}

// htmlFree8 reports whether no byte of w is <, > or &.
func htmlFree8(w uint64) bool { return !hasByte(w, '<') && !hasByte(w, '>') && !hasByte(w, '&') }

// plain8 reports whether every byte of w is carried as it is in a JSON
// string: ASCII, not a control character, not " or \\ (nor <, > or & when
// html).
func plain8(w uint64, html bool) bool {
	if w&highs != 0 || (w-ones*0x20)&^w&highs != 0 || hasByte(w, '"') || hasByte(w, '\\') {
		return false
	}
	return !html || htmlFree8(w)
}

// AppendHTMLEscaped appends raw, JSON text written without HTML escaping
// (as an Encoder with SetEscapeHTML(false) writes it), with <, > and &
// escaped as json.Marshal escapes them. Outside strings JSON has none of
// the three, so escaping every one of them is escaping those in strings.
func AppendHTMLEscaped(dst, raw []byte) []byte {
	start := 0
	for i := 0; i < len(raw); i++ {
		for i+8 <= len(raw) && htmlFree8(load8(raw[i:i+8])) {
			i += 8
		}
		if i == len(raw) {
			break
		}
		if b := raw[i]; b < utf8.RuneSelf && htmlChar[b] {
			dst = append(dst, raw[start:i]...)
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			start = i + 1
		}
	}
	return append(dst, raw[start:]...)
}

// AppendString appends s as a JSON string the way encoding/json
// escapes it.
func AppendString(dst []byte, s string, html bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		for i+8 <= len(s) && plain8(load8(s[i:i+8]), html) {
			i += 8
		}
		if i == len(s) {
			break
		}
		b := s[i]
		if b < utf8.RuneSelf {
			if plain[b] && (!html || !htmlChar[b]) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript: encoding/json always
			// escapes them.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// ValidNumber reports whether s is a JSON number literal:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func ValidNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i == len(s):
		return false
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		i = skipDigits(s, i+1)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func skipDigits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}
