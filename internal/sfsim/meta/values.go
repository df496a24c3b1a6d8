package meta

import (
	"math"
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

// FormatDateTime writes t in UTC as DateTimeLayout.
func FormatDateTime(t time.Time) string { return t.UTC().Format(DateTimeLayout) }

// FormatDate writes the calendar date of t (in t's own location).
func FormatDate(t time.Time) string { return t.Format(DateLayout) }
