package sfsim

import (
	"encoding/base64"
	"math"
	"math/big"
	"net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// isStringType reports whether a field holds text whose length is checked.
func isStringType(f *meta.Field) bool {
	switch f.Type {
	case "string", "textarea", "picklist", "multipicklist", "combobox", "email", "phone", "url", "encryptedstring":
		return true
	}
	return false
}

// convertValue turns a request value into the stored wire form, validating
// it as Salesforce does for the field's type. truncate is the
// AllowFieldTruncationHeader.
func convertValue(f *meta.Field, raw string, truncate bool) (string, *recordError) {
	switch f.SoapType {
	case "xsd:boolean":
		switch strings.ToLower(raw) {
		case "true", "1":
			return "true", nil
		case "false", "0":
			return "false", nil
		}
		return "", typeError(f, raw)
	case "xsd:int":
		return convertInt(f, raw)
	case "xsd:long":
		n, err := strconv.ParseInt(strings.TrimPrefix(raw, "+"), 10, 64)
		if err != nil {
			return "", typeError(f, raw)
		}
		return strconv.FormatInt(n, 10), nil
	case "xsd:double":
		return convertDouble(f, raw)
	case "xsd:date":
		t, err := parseDate(raw)
		if err != nil {
			return "", typeError(f, raw)
		}
		return t.Format("2006-01-02"), nil
	case "xsd:dateTime":
		t, err := parseDateTime(raw)
		if err != nil {
			return "", typeError(f, raw)
		}
		return formatDateTime(t), nil
	case "xsd:time":
		t, err := parseTime(raw)
		if err != nil {
			return "", typeError(f, raw)
		}
		return t.Format("15:04:05.000Z"), nil
	case "xsd:base64Binary":
		if _, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(raw), "")); err != nil {
			return "", typeError(f, raw)
		}
		return strings.Join(strings.Fields(raw), ""), nil
	case "tns:ID":
		// References are checked by the caller, which knows the store.
		return raw, nil
	}
	if isStringType(f) {
		return convertString(f, raw, truncate)
	}
	return raw, nil
}

// typeError is Salesforce's error for a value that is not of the field's
// type.
func typeError(f *meta.Field, raw string) *recordError {
	return recErr("INVALID_TYPE_ON_FIELD_IN_RECORD", []string{f.Name}, "%s: value not of required type: %s", f.Label, raw)
}

// convertInt converts the value of an xsd:int field.
func convertInt(f *meta.Field, raw string) (string, *recordError) {
	n, err := strconv.ParseInt(strings.TrimPrefix(raw, "+"), 10, 32)
	if err != nil {
		// Salesforce accepts "12.0" for an int field but nothing fractional.
		if fl, ferr := strconv.ParseFloat(raw, 64); ferr == nil && fl == math.Trunc(fl) && math.Abs(fl) <= math.MaxInt32 {
			n = int64(fl)
		} else {
			return "", typeError(f, raw)
		}
	}
	if f.Digits > 0 && len(strconv.FormatInt(abs64(n), 10)) > f.Digits {
		return "", recErr("NUMBER_OUTSIDE_VALID_RANGE", []string{f.Name}, "%s: value outside of valid range on numeric field: %s", f.Label, raw)
	}
	return strconv.FormatInt(n, 10), nil
}

// convertDouble converts the value of an xsd:double field (number,
// currency, percent). The value is kept exactly as sent, with every
// decimal, not rounded to the field's scale: "Apex and API methods can save
// records with decimal places beyond the field definition … When you
// retrieve the value via API, no rounding occurs" (Salesforce Help 000212661,
// 000387302). Only the integer part is bounded, by precision − scale
// digits (NUMBER_OUTSIDE_VALID_RANGE).
func convertDouble(f *meta.Field, raw string) (string, *recordError) {
	v := strings.TrimPrefix(raw, "+")
	fl, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsInf(fl, 0) || math.IsNaN(fl) || strings.ContainsAny(v, "xXpP_") {
		return "", typeError(f, raw)
	}
	r, ok := new(big.Rat).SetString(v)
	if !ok {
		return "", typeError(f, raw)
	}
	if f.Precision > 0 {
		intPart := new(big.Int).Quo(new(big.Int).Abs(r.Num()), r.Denom())
		intDigits := 0
		if intPart.Sign() != 0 {
			intDigits = len(intPart.String())
		}
		if intDigits > f.Precision-f.Scale {
			return "", recErr("NUMBER_OUTSIDE_VALID_RANGE", []string{f.Name}, "%s: value outside of valid range on numeric field: %s", f.Label, raw)
		}
	}
	return meta.FormatDecimal(r), nil
}

// convertString checks the value of a text field: an email's address, a
// restricted picklist's values, the length (truncated when truncate).
func convertString(f *meta.Field, raw string, truncate bool) (string, *recordError) {
	if f.Type == "email" {
		if a, err := mail.ParseAddress(raw); err != nil || a.Address != raw || !strings.Contains(raw[strings.LastIndexByte(raw, '@')+1:], ".") {
			return "", recErr("INVALID_EMAIL_ADDRESS", []string{f.Name}, "%s: invalid email address: %s", f.Label, raw)
		}
	}
	if f.Type == "picklist" && f.RestrictedPicklist && !picklistHas(f, raw) {
		return "", recErr("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{f.Name}, "%s: bad value for restricted picklist field: %s", f.Label, raw)
	}
	if f.Type == "multipicklist" && f.RestrictedPicklist {
		for _, v := range strings.Split(raw, ";") {
			if !picklistHas(f, v) {
				return "", recErr("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{f.Name}, "%s: bad value for restricted picklist field: %s", f.Label, v)
			}
		}
	}
	if f.Length > 0 && utf8.RuneCountInString(raw) > f.Length {
		if !truncate {
			return "", recErr("STRING_TOO_LONG", []string{f.Name}, "%s: data value too large: %s (max length=%d)", f.Label, raw, f.Length)
		}
		raw = string([]rune(raw)[:f.Length])
	}
	return raw, nil
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}

func picklistHas(f *meta.Field, v string) bool {
	for _, p := range f.PicklistValues {
		if p.Active && p.Value == v {
			return true
		}
	}
	return false
}

func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t, nil
	}
	t, err := parseDateTime(s)
	if err != nil {
		return time.Time{}, err
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
}

// parseDateTime accepts xsd:dateTime with or without fraction and zone
// (no zone means UTC).
func parseDateTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04:05.999999999Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	_, err := time.Parse(time.RFC3339, s)
	return time.Time{}, err
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range []string{"15:04:05.999999999Z07:00", "15:04:05.999999999", "15:04:05Z07:00", "15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	_, err := time.Parse("15:04:05", s)
	return time.Time{}, err
}
