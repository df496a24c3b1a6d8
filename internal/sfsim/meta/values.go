package meta

import (
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Wire forms of values, as Salesforce writes them in SOAP responses.

// FormatDouble writes a double, currency or percent value the way
// Salesforce returns it: Java's Double.toString, so "1234567.0" but
// "1.2345678E7" from 10^7 up (Salesforce knowledge article 000221617,
// "Why do I see exponential values for custom number field?"), and
// "1.0E-4" below 10^-3. NaN and infinities, which no field stores, come out
// as xsd:double spells them.
func FormatDouble(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, 1):
		return "INF"
	case math.IsInf(v, -1):
		return "-INF"
	case v == 0:
		if math.Signbit(v) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(v); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(v, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(v, 'e', -1, 64) // 1.2345678e+07
	mant, exp, _ := strings.Cut(s, "e")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	neg := strings.HasPrefix(exp, "-")
	exp = strings.TrimLeft(strings.TrimPrefix(exp, "-"), "0")
	if neg {
		exp = "-" + exp
	}
	return mant + "E" + exp
}

// DateTimeLayout is the wire form of an xsd:dateTime value: UTC with
// milliseconds, as Salesforce writes CreatedDate and friends.
const DateTimeLayout = "2006-01-02T15:04:05.000Z"

// DateLayout is the wire form of an xsd:date value.
const DateLayout = "2006-01-02"

// FormatDateTime writes t in UTC as DateTimeLayout (years 0 to 9999; the
// emulator has no others). It is on the path of every write and of seeding
// millions of records, hence written out rather than time.Format.
func FormatDateTime(t time.Time) string {
	t = t.UTC()
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	ms := t.Nanosecond() / 1e6
	if y < 0 || y > 9999 {
		return t.Format(DateTimeLayout)
	}
	var b [24]byte
	put := func(i, v, width int) {
		for j := i + width - 1; j >= i; j-- {
			b[j] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	b[4] = '-'
	put(5, int(mo), 2)
	b[7] = '-'
	put(8, d, 2)
	b[10] = 'T'
	put(11, h, 2)
	b[13] = ':'
	put(14, mi, 2)
	b[16] = ':'
	put(17, s, 2)
	b[19] = '.'
	put(20, ms, 3)
	b[23] = 'Z'
	return string(b[:])
}

// FormatDate writes the calendar date of t (in t's own location).
func FormatDate(t time.Time) string { return t.Format(DateLayout) }

// FormatDecimal writes an exact decimal value (a number, currency or
// percent as a client sent it) in the layout of FormatDouble, keeping every
// digit: Salesforce stores API values unrounded, beyond the field's scale,
// and "when you retrieve the value via API, no rounding occurs" (Salesforce
// Help 000212661, 000387302). So 1250000.123456789 comes back as sent,
// 12500000 as "1.25E7". r must have a finite decimal expansion (a
// denominator of 2s and 5s only), which every parsed decimal text has.
func FormatDecimal(r *big.Rat) string {
	if r.Sign() == 0 {
		return "0.0"
	}
	// digits × 10^-scale = |r|, digits an integer without trailing zeros.
	num := new(big.Int).Abs(r.Num())
	den := r.Denom()
	scale := 0
	ten := big.NewInt(10)
	for new(big.Int).Rem(num, den).Sign() != 0 {
		num.Mul(num, ten)
		scale++
	}
	num.Quo(num, den)
	digits := num.String()
	for len(digits) > 1 && digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		scale--
	}
	sign := ""
	if r.Sign() < 0 {
		sign = "-"
	}
	// exp is the power of ten of the first digit.
	exp := len(digits) - 1 - scale
	if exp >= -3 && exp < 7 {
		var intPart, frac string
		if exp >= 0 {
			if len(digits) > exp+1 {
				intPart, frac = digits[:exp+1], digits[exp+1:]
			} else {
				intPart = digits + strings.Repeat("0", exp+1-len(digits))
			}
		} else {
			intPart, frac = "0", strings.Repeat("0", -exp-1)+digits
		}
		if frac == "" {
			frac = "0"
		}
		return sign + intPart + "." + frac
	}
	frac := digits[1:]
	if frac == "" {
		frac = "0"
	}
	return sign + digits[:1] + "." + frac + "E" + strconv.Itoa(exp)
}
