package service

import (
	"context"
	"strings"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/jsonw"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// ---- Salesforce → JSON text ----
//
// The functions below write a record as JSON straight from the decoded
// partner.Record: the same walk, the same typing and the same bytes as
// record followed by the HTTP layer's encoder (an OrderedRecord written
// with SetEscapeHTML(false)), without the OrderedRecord, its boxed values
// or the canonical numbers and dates built as strings first.
// TestRecordJSONMatchesRecord holds the two to the same bytes.

// pageJSON writes a page of records, all in one buffer.
func (r *reader) pageJSON(ctx context.Context, recs []partner.Record, hint *metadata.Object) ([]sfgate.RecordJSON, error) {
	out := make([]sfgate.RecordJSON, len(recs))
	ends := make([]int, len(recs))
	buf := make([]byte, 0, r.bufHint(len(recs)))
	for i := range recs {
		var err error
		if buf, err = r.appendRecord(ctx, buf, &recs[i], hint, ""); err != nil {
			return nil, err
		}
		ends[i] = len(buf)
	}
	r.avg = len(buf) / max(len(recs), 1)
	start := 0
	for i, end := range ends {
		out[i] = sfgate.RecordJSON(buf[start:end:end])
		start = end
	}
	return out, nil
}

// bufHint is the buffer a page of n records is likely to take, from the
// size of the records of the page before (a guess for the first).
func (r *reader) bufHint(n int) int {
	avg := r.avg
	if avg == 0 {
		avg = 256
	}
	return n*avg + n*avg/8
}

// appendRecord appends rec as record types it; attributesType, when set,
// is written first as its "attributes" (markType).
func (r *reader) appendRecord(ctx context.Context, dst []byte, rec *partner.Record, hint *metadata.Object, attributesType string) ([]byte, error) {
	x := hint
	if rec.Type != "" && (x == nil || !strings.EqualFold(x.Name, rec.Type)) {
		var err error
		if x, err = r.object(ctx, rec.Type); err != nil {
			return dst, err
		}
	}
	var denied func(string) bool
	if c := restricted(ctx); c != nil && x != nil {
		denied = func(field string) bool { return field != "Id" && c.FieldDenied(x.Name, field) }
	}
	dst = append(dst, '{')
	sep := false
	if attributesType != "" {
		dst = append(dst, `"attributes":{"type":`...)
		dst = append(jsonw.AppendString(dst, attributesType, false), '}')
		sep = true
	}
	if rec.ID != "" && !hasField(rec, "Id") {
		if sep {
			dst = append(dst, ',')
		}
		dst = append(dst, `"Id":`...)
		dst = jsonw.AppendString(dst, rec.ID, false)
		sep = true
	}
	for i := range rec.Fields {
		f := &rec.Fields[i]
		mark := len(dst)
		if sep {
			dst = append(dst, ',')
		}
		dst = append(jsonw.AppendString(dst, f.Name, false), ':')
		var err error
		if dst, err = r.appendValue(ctx, dst, x, f); err != nil {
			return dst, err
		}
		if denied != nil && denied(f.Name) {
			// Typed first, as record does, so an error is the same.
			dst = dst[:mark]
			continue
		}
		sep = true
	}
	return append(dst, '}'), nil
}

// appendValue appends the value of one field as value types it.
func (r *reader) appendValue(ctx context.Context, dst []byte, x *metadata.Object, f *partner.Field) ([]byte, error) {
	switch {
	case f.Parent != nil:
		ph, poly, err := r.parentHint(ctx, x, f)
		if err != nil {
			return dst, err
		}
		typ := ""
		if poly {
			typ = f.Parent.Type
		}
		return r.appendRecord(ctx, dst, f.Parent, ph, typ)
	case f.Children != nil:
		dst = append(dst, '[')
		for j := range f.Children.Records {
			if j > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = r.appendRecord(ctx, dst, &f.Children.Records[j], nil, ""); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case f.Compound != nil:
		return appendCompound(dst, f.Compound), nil
	case f.Nil:
		if x != nil && isChildList(x, f.Name) {
			return append(dst, "[]"...), nil
		}
		return append(dst, "null"...), nil
	}
	var df *partner.DescribeField
	if x != nil {
		df = r.field(x, f.Name)
	}
	if df != nil && f.XSIType == partner.TypeNone {
		return appendFromSalesforce(dst, kindOf(df), f.Value), nil
	}
	return appendFromXSIType(dst, f.XSIType, f.Value), nil
}

// appendFromSalesforce appends what fromSalesforce types s as, for a
// field of kind k.
func appendFromSalesforce(dst []byte, k kind, s string) []byte {
	switch k {
	case kBool:
		return appendBool(dst, s)
	case kInt, kLong, kDecimal:
		return appendNumber(dst, s)
	case kMultiPicklist:
		dst = append(dst, '[')
		for i := 0; s != ""; i++ {
			if i > 0 {
				dst = append(dst, ',')
			}
			part, rest, more := strings.Cut(s, ";")
			dst = jsonw.AppendString(dst, part, false)
			if !more {
				break
			}
			if s = rest; s == "" {
				dst = append(dst, `,""`...) // "a;" is ["a",""], as strings.Split has it
			}
		}
		return append(dst, ']')
	case kDateTime:
		return appendDateTime(dst, s)
	}
	return jsonw.AppendString(dst, s, false)
}

// appendFromXSIType appends what fromXSIType types s as.
func appendFromXSIType(dst []byte, t partner.XSIType, s string) []byte {
	switch t {
	case partner.TypeBoolean:
		return appendBool(dst, s)
	case partner.TypeInt, partner.TypeLong, partner.TypeDouble:
		return appendNumber(dst, s)
	case partner.TypeDateTime:
		return appendDateTime(dst, s)
	}
	return jsonw.AppendString(dst, s, false)
}

func appendBool(dst []byte, s string) []byte {
	if s == "true" || s == "false" {
		return append(dst, s...)
	}
	return jsonw.AppendString(dst, s, false)
}

func appendNumber(dst []byte, s string) []byte {
	if d, ok := parseDecimal(s); ok {
		return d.appendTo(dst)
	}
	return jsonw.AppendString(dst, s, false)
}

// appendDateTime appends dateTimeValue(s). The formatted time holds no
// character JSON escapes.
func appendDateTime(dst []byte, s string) []byte {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return jsonw.AppendString(dst, s, false)
	}
	dst = append(dst, '"')
	return append(t.UTC().AppendFormat(dst, time.RFC3339Nano), '"')
}

// appendCompound appends compoundValue(c).
func appendCompound(dst []byte, c *partner.Record) []byte {
	dst = append(dst, '{')
	for i := range c.Fields {
		cf := &c.Fields[i]
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(jsonw.AppendString(dst, cf.Name, false), ':')
		switch {
		case cf.Nil:
			dst = append(dst, "null"...)
		case cf.Name == "latitude" || cf.Name == "longitude":
			dst = appendNumber(dst, cf.Value)
		default:
			dst = jsonw.AppendString(dst, cf.Value, false)
		}
	}
	return append(dst, '}')
}

// field is x.Field(name), or nil.
func (r *reader) field(x *metadata.Object, name string) *partner.DescribeField {
	df, _ := x.Field(name)
	return df
}
