package service

import (
	"strings"
)

// decimal is an exact decimal number held as text: never a float64, so
// 12345678901234567.89 stays 12345678901234567.89. intPart has no leading
// zeros ("" for zero), frac no trailing zeros.
type decimal struct {
	neg     bool
	intPart string
	frac    string
}

// maxExponent bounds the exponent of numbers such as 1e400: the digits are
// materialised, so an unbounded exponent would be a memory attack.
const maxExponent = 400

// parseDecimal reads a JSON number, or the text Salesforce writes for a
// number (Java's Double.toString: "350000.0", "5.59335E8", "1.0E-4").
func parseDecimal(s string) (decimal, bool) {
	var d decimal
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		d.neg = s[i] == '-'
		i++
	}
	start := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits := s[start:i]
	var fracDigits string
	if i < len(s) && s[i] == '.' {
		i++
		fs := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		fracDigits = s[fs:i]
		if fracDigits == "" {
			return d, false
		}
	}
	if intDigits == "" {
		return d, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		es := i
		for i < len(s) && isDigit(s[i]) {
			if exp = exp*10 + int(s[i]-'0'); exp > maxExponent {
				return d, false
			}
			i++
		}
		if i == es {
			return d, false
		}
		if eneg {
			exp = -exp
		}
	}
	if i != len(s) {
		return d, false
	}
	if exp == 0 {
		// Nothing to shift (every number Salesforce writes below 10^7):
		// no digit string to build.
		d.intPart, d.frac = intDigits, fracDigits
		return d.trimmed(), true
	}
	// Shift the point by exp over the digit string.
	digits := intDigits + fracDigits
	point := len(intDigits) + exp
	switch {
	case point <= 0:
		d.intPart, d.frac = "", strings.Repeat("0", -point)+digits
	case point >= len(digits):
		d.intPart, d.frac = digits+strings.Repeat("0", point-len(digits)), ""
	default:
		d.intPart, d.frac = digits[:point], digits[point:]
	}
	return d.trimmed(), true
}

// trimmed drops the leading zeros of d's integer part and the trailing
// zeros of its fraction.
func (d decimal) trimmed() decimal {
	d.intPart = strings.TrimLeft(d.intPart, "0")
	d.frac = strings.TrimRight(d.frac, "0")
	if d.intPart == "" && d.frac == "" {
		d.neg = false // -0 is 0
	}
	return d
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// String returns the plain decimal text: no exponent, no superfluous
// zeros ("559335000", "0.0001", "-12.5").
func (d decimal) String() string {
	var tmp [48]byte
	return string(d.appendTo(tmp[:0]))
}

// appendTo appends the text String returns.
func (d decimal) appendTo(dst []byte) []byte {
	if d.neg {
		dst = append(dst, '-')
	}
	if d.intPart == "" {
		dst = append(dst, '0')
	} else {
		dst = append(dst, d.intPart...)
	}
	if d.frac != "" {
		dst = append(dst, '.')
		dst = append(dst, d.frac...)
	}
	return dst
}

// isInteger reports whether d has no fractional part.
func (d decimal) isInteger() bool { return d.frac == "" }

// fitsInt reports whether the integer d lies within [-2^(bits-1), 2^(bits-1)-1],
// compared as text so no value is rounded.
func (d decimal) fitsInt(bits int) bool {
	limit := "2147483647"
	if bits == 64 {
		limit = "9223372036854775807"
	}
	if d.neg {
		// The negative bound is one further: ...648 / ...808.
		limit = limit[:len(limit)-1] + string(limit[len(limit)-1]+1)
	}
	if len(d.intPart) != len(limit) {
		return len(d.intPart) < len(limit)
	}
	return d.intPart <= limit
}
