package service

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// kind is how a Salesforce field type travels as JSON (sfgate.ValueKind,
// shared with the org-typed OpenAPI document).
type kind = sfgate.ValueKind

const (
	kString        = sfgate.ValueString
	kPicklist      = sfgate.ValuePicklist
	kMultiPicklist = sfgate.ValueMultiPicklist
	kID            = sfgate.ValueID
	kBool          = sfgate.ValueBool
	kInt           = sfgate.ValueInt
	kLong          = sfgate.ValueLong
	kDecimal       = sfgate.ValueDecimal
	kDate          = sfgate.ValueDate
	kDateTime      = sfgate.ValueDateTime
	kTime          = sfgate.ValueTime
	kBase64        = sfgate.ValueBase64
	kAddress       = sfgate.ValueAddress
	kLocation      = sfgate.ValueLocation
	kAny           = sfgate.ValueAny
)

// kindOf maps a describe field to its kind.
func kindOf(f *partner.DescribeField) kind { return sfgate.ValueKindOf(f.Type, f.SoapType) }

// Salesforce's wire formats.
const (
	sfDateTime = "2006-01-02T15:04:05.000Z"
	sfDate     = "2006-01-02"
)

// Field error codes. Where Salesforce has a StatusCode for the same
// refusal it is used, so callers see one vocabulary whether the gateway or
// Salesforce refused.
const (
	codeUnknownField     = "UNKNOWN_FIELD"
	codeNotCreateable    = "INVALID_FIELD_FOR_INSERT_UPDATE"
	codeNotUpdateable    = "FIELD_NOT_UPDATABLE"
	codeWrongType        = "INVALID_TYPE_ON_FIELD_IN_RECORD"
	codeTooLong          = "STRING_TOO_LONG"
	codeBadPicklist      = "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
	codeOutOfRange       = "NUMBER_OUTSIDE_VALID_RANGE"
	codeMalformedID      = partner.CodeMalformedID
	codeRequired         = "REQUIRED_FIELD_MISSING"
	codeNotNillable      = "NOT_NILLABLE"
	codeInvalidCharacter = partner.CodeInvalidCharacter
	codeBadDate          = "INVALID_DATE_FORMAT"
	codeReadOnlyCompound = "COMPOUND_FIELD_READ_ONLY"
)

// valueError is one refused value: a code and a message safe to show.
type valueError struct {
	code, msg string
}

func (e *valueError) Error() string { return e.code + ": " + e.msg }

func verr(code, format string, args ...any) *valueError {
	return &valueError{code: code, msg: fmt.Sprintf(format, args...)}
}

// checkXML refuses s if it holds a character XML 1.0 cannot carry: such a
// value can never be sent to Salesforce.
func checkXML(s string) *valueError {
	if i, r, bad := partner.InvalidXMLChar(s); bad {
		return verr(codeInvalidCharacter, "holds a character XML 1.0 cannot carry (%U at byte %d)", r, i)
	}
	return nil
}

// toSalesforce converts one JSON value (not null) to the text Salesforce
// takes for field f, checking type, length, picklist values and the digits
// a precision allows before the decimal point. It never rounds.
func toSalesforce(f *partner.DescribeField, v any) (string, *valueError) {
	switch k := kindOf(f); k {
	case kString, kPicklist:
		return textIn(f, k, v)
	case kMultiPicklist:
		return multiPicklistIn(f, v)
	case kID:
		return idIn(f, v)
	case kBool:
		b, ok := v.(bool)
		if !ok {
			return "", wrongType(f, "true or false", v)
		}
		return strconv.FormatBool(b), nil
	case kInt, kLong, kDecimal:
		n, ok := v.(json.Number)
		if !ok {
			return "", wrongType(f, "a number", v)
		}
		d, ok := parseDecimal(string(n))
		if !ok {
			return "", wrongType(f, "a number", v)
		}
		return checkNumber(f, k, d)
	case kDate, kDateTime, kTime:
		return temporalIn(f, k, v)
	case kBase64:
		s, ok := v.(string)
		if !ok {
			return "", wrongType(f, "a base64 string", v)
		}
		if _, err := base64.StdEncoding.DecodeString(s); err != nil {
			return "", verr(codeWrongType, "is not standard base64")
		}
		return s, nil
	case kAddress, kLocation:
		return "", verr(codeReadOnlyCompound, "is a compound field and read-only: write its component fields instead")
	case kAny:
		return anyIn(f, v)
	}
	return "", wrongType(f, "a string", v)
}

// textIn is a string or picklist value: XML-safe, within the field's
// length, and for a restricted picklist one of its active values.
func textIn(f *partner.DescribeField, k kind, v any) (string, *valueError) {
	s, ok := v.(string)
	if !ok {
		return "", wrongType(f, "a string", v)
	}
	if e := checkXML(s); e != nil {
		return "", e
	}
	if e := checkLength(f, s); e != nil {
		return "", e
	}
	if k == kPicklist && f.RestrictedPicklist && !picklistHas(f, s) {
		return "", verr(codeBadPicklist, "%q is not a value of this restricted picklist", s)
	}
	return s, nil
}

// multiPicklistIn is an array of values, sent joined by ';'.
func multiPicklistIn(f *partner.DescribeField, v any) (string, *valueError) {
	items, ok := v.([]any)
	if !ok {
		return "", wrongType(f, "an array of strings", v)
	}
	parts := make([]string, 0, len(items))
	for _, it := range items {
		s, ok := it.(string)
		if !ok {
			return "", wrongType(f, "an array of strings", v)
		}
		if e := checkXML(s); e != nil {
			return "", e
		}
		if s == "" || strings.Contains(s, ";") {
			return "", verr(codeWrongType, "values must be non-empty and must not contain ';'")
		}
		if f.RestrictedPicklist && !picklistHas(f, s) {
			return "", verr(codeBadPicklist, "%q is not a value of this restricted picklist", s)
		}
		parts = append(parts, s)
	}
	joined := strings.Join(parts, ";")
	if e := checkLength(f, joined); e != nil {
		return "", e
	}
	return joined, nil
}

// idIn is a record id, sent in its 18-character form.
func idIn(f *partner.DescribeField, v any) (string, *valueError) {
	s, ok := v.(string)
	if !ok {
		return "", wrongType(f, "a record id", v)
	}
	id, err := partner.NormalizeID(s)
	if err != nil {
		if e := checkXML(s); e != nil {
			return "", e
		}
		return "", verr(codeMalformedID, "%s", partner.IDProblem(s))
	}
	return id, nil
}

// temporalIn is a date (as is), a date-time (sent in UTC) or a time (sent
// as HH:MM:SS.sssZ).
func temporalIn(f *partner.DescribeField, k kind, v any) (string, *valueError) {
	s, ok := v.(string)
	if !ok {
		want := "a time HH:MM:SS"
		switch k {
		case kDate:
			want = "a date YYYY-MM-DD"
		case kDateTime:
			want = "an RFC 3339 date-time"
		}
		return "", wrongType(f, want, v)
	}
	switch k {
	case kDate:
		if _, err := time.Parse(sfDate, s); err != nil {
			return "", verr(codeBadDate, "is not a date YYYY-MM-DD")
		}
		return s, nil
	case kDateTime:
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "", verr(codeBadDate, "is not an RFC 3339 date-time such as 2024-05-01T12:30:00Z")
		}
		return t.UTC().Format(sfDateTime), nil
	}
	t, ok := parseTime(s)
	if !ok {
		return "", verr(codeBadDate, "is not a time HH:MM[:SS[.sss]][Z]")
	}
	return t, nil
}

// anyIn is an anyType value: a string, number or boolean, sent as text.
func anyIn(f *partner.DescribeField, v any) (string, *valueError) {
	switch x := v.(type) {
	case string:
		if e := checkXML(x); e != nil {
			return "", e
		}
		return x, nil
	case bool:
		return strconv.FormatBool(x), nil
	case json.Number:
		d, ok := parseDecimal(string(x))
		if !ok {
			return "", wrongType(f, "a number", v)
		}
		return d.String(), nil
	}
	return "", wrongType(f, "a string, number or boolean", v)
}

func wrongType(f *partner.DescribeField, want string, v any) *valueError {
	return verr(codeWrongType, "takes %s (it is a %s field), not %s", want, f.Type, jsonKind(v))
}

// jsonKind names the JSON type of v without echoing the value.
func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64, int, int64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// checkLength counts characters, as Salesforce's length does.
func checkLength(f *partner.DescribeField, s string) *valueError {
	if f.Length > 0 {
		if n := utf8.RuneCountInString(s); n > f.Length {
			return verr(codeTooLong, "has %d characters, more than its maximum of %d", n, f.Length)
		}
	}
	return nil
}

func picklistHas(f *partner.DescribeField, s string) bool {
	for _, p := range f.PicklistValues {
		if p.Active && p.Value == s {
			return true
		}
	}
	return false
}

// checkNumber checks d against the field's kind and, for decimals, the
// integer digits precision − scale allows, and returns its plain decimal
// text, every decimal place kept.
func checkNumber(f *partner.DescribeField, k kind, d decimal) (string, *valueError) {
	switch k {
	case kInt, kLong:
		bits := 32
		if k == kLong {
			bits = 64
		}
		if !d.isInteger() {
			return "", verr(codeWrongType, "takes a whole number (it is a %s field)", f.Type)
		}
		if !d.fitsInt(bits) {
			return "", verr(codeOutOfRange, "is outside the range of a %d-bit integer", bits)
		}
		if f.Digits > 0 && len(d.intPart) > f.Digits {
			return "", verr(codeOutOfRange, "has more than its %d digits", f.Digits)
		}
	case kDecimal:
		// Only the integer part is bounded. Salesforce's API saves decimal
		// places beyond the field's scale and returns them unrounded
		// (Salesforce Help 000212661 and 000387302: "Apex and API methods
		// can save records with decimal places beyond the field definition
		// ... When you retrieve the value via API, no rounding occurs"), so
		// the gateway refuses no scale and rounds nothing. The message is
		// Salesforce's own for the integer part, without the value.
		if maxInt := f.Precision - f.Scale; f.Precision > 0 && len(d.intPart) > maxInt {
			return "", verr(codeOutOfRange, "value outside of valid range on numeric field: %d digits before the decimal point, more than the %d its precision %d and scale %d allow",
				len(d.intPart), maxInt, f.Precision, f.Scale)
		}
	}
	return d.String(), nil
}

// parseTime accepts HH:MM, HH:MM:SS or HH:MM:SS.sss, with or without a
// trailing Z, and returns Salesforce's HH:MM:SS.sssZ.
func parseTime(s string) (string, bool) {
	s = strings.TrimSuffix(s, "Z")
	hms, frac, hasFrac := strings.Cut(s, ".")
	parts := strings.Split(hms, ":")
	if len(parts) < 2 || len(parts) > 3 || (hasFrac && len(parts) != 3) {
		return "", false
	}
	limits := []int{23, 59, 59}
	nums := []int{0, 0, 0}
	for i, p := range parts {
		if len(p) != 2 || !isDigit(p[0]) || !isDigit(p[1]) {
			return "", false
		}
		if nums[i] = int(p[0]-'0')*10 + int(p[1]-'0'); nums[i] > limits[i] {
			return "", false
		}
	}
	ms := "000"
	if hasFrac {
		if frac == "" || len(frac) > 3 {
			return "", false
		}
		for i := 0; i < len(frac); i++ {
			if !isDigit(frac[i]) {
				return "", false
			}
		}
		ms = (frac + "00")[:3]
	}
	return fmt.Sprintf("%02d:%02d:%02d.%sZ", nums[0], nums[1], nums[2], ms), true
}

// fromSalesforce types the text of a scalar value of field f as JSON.
// Text that does not parse as its type is passed on as a string rather
// than dropped: Salesforce is the authority on what it stores.
func fromSalesforce(f *partner.DescribeField, s string) any {
	switch kindOf(f) {
	case kBool:
		return boolValue(s)
	case kInt, kLong, kDecimal:
		return numberValue(s)
	case kMultiPicklist:
		if s == "" {
			return []any{}
		}
		parts := strings.Split(s, ";")
		out := make([]any, len(parts))
		for i, p := range parts {
			out[i] = p
		}
		return out
	case kDateTime:
		return dateTimeValue(s)
	}
	return s
}

// fromXSIType types a value the describe does not know (aggregates,
// anyType) by the xsi:type it carried.
func fromXSIType(t partner.XSIType, s string) any {
	switch t {
	case partner.TypeBoolean:
		return boolValue(s)
	case partner.TypeInt, partner.TypeLong, partner.TypeDouble:
		return numberValue(s)
	case partner.TypeDateTime:
		return dateTimeValue(s)
	}
	return s
}

func boolValue(s string) any {
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	return s
}

func numberValue(s string) any {
	if d, ok := parseDecimal(s); ok {
		return json.Number(d.String())
	}
	return s
}

func dateTimeValue(s string) any {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return s
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// compoundValue types an address or location: components named as
// Salesforce names them, in wire order, latitude and longitude as numbers.
func compoundValue(c *partner.Record) sfgate.OrderedRecord {
	out := make(sfgate.OrderedRecord, 0, len(c.Fields))
	for _, cf := range c.Fields {
		var v any
		switch {
		case cf.Nil:
		case cf.Name == "latitude" || cf.Name == "longitude":
			v = numberValue(cf.Value)
		default:
			v = cf.Value
		}
		out = append(out, sfgate.Member{Key: cf.Name, Value: v})
	}
	return out
}
