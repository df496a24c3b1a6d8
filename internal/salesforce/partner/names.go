package partner

import "unicode/utf8"

// InvalidXMLChar finds the first character of s that XML 1.0 cannot carry
// and its byte offset: C0 controls other than tab, LF and CR, U+FFFE,
// U+FFFF, surrogates (which UTF-8 cannot encode validly) and invalid UTF-8
// (reported as utf8.RuneError). SOAP bodies are XML 1.0, so a value
// holding one can never reach Salesforce; the envelope writer refuses it,
// and callers check first to say so in their own words.
func InvalidXMLChar(s string) (i int, r rune, bad bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
				return i, rune(c), true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n <= 1 {
			return i, utf8.RuneError, true
		}
		if !IsXMLChar(r) {
			return i, r, true
		}
		i += n
	}
	return 0, 0, false
}

// ValidName reports whether s is a Salesforce API name (an object, field
// or relationship name) usable as an XML element name: a letter, then
// letters, digits and underscores, at most 255 bytes.
func ValidName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// IsXMLChar reports whether r may appear in an XML 1.0 document (the Char
// production of https://www.w3.org/TR/xml/#charsets).
func IsXMLChar(r rune) bool {
	switch {
	case r == 0x9 || r == 0xA || r == 0xD:
		return true
	case r >= 0x20 && r <= 0xD7FF:
		return true
	case r >= 0xE000 && r <= 0xFFFD:
		return true
	case r >= 0x10000 && r <= 0x10FFFF:
		return true
	}
	return false
}
