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
	if len(recs) > 0 {
		r.s.recordJSONSize.Store(int64(len(buf) / len(recs)))
	}
	start := 0
	for i, end := range ends {
		out[i] = sfgate.RecordJSON(buf[start:end:end])
		start = end
	}
	return out, nil
}

// bufHint is the buffer a page of n records is likely to take: an eighth
// more than n records of the last page written (of this query or
// another), a guess before the first.
func (r *reader) bufHint(n int) int {
	size := int(r.s.recordJSONSize.Load())
	if size == 0 {
		size = 512
	}
	return n*size + n*size/8
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
	var c *sfgate.Caller // withholding fields, as withhold does
	if x != nil {
		c = restricted(ctx)
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
	var plan *[]column
	if x != nil {
		plan = r.plan(x)
	}
	for i := range rec.Fields {
		f := &rec.Fields[i]
		mark := len(dst)
		if sep {
			dst = append(dst, ',')
		}
		dst = append(jsonw.AppendString(dst, f.Name, false), ':')
		var col column
		if plan != nil {
			col = columnOf(plan, x, i, f.Name)
		}
		var err error
		if dst, err = r.appendValue(ctx, dst, &col, f); err != nil {
			return dst, err
		}
		if c != nil && f.Name != "Id" && c.FieldDenied(x.Name, f.Name) {
			// Typed first, as record does, so an error is the same.
			dst = dst[:mark]
			continue
		}
		sep = true
	}
	return append(dst, '}'), nil
}

// appendValue appends the value of one field as value types it; col is
// what the describe of the record's object says of the field (zero when
// there is no describe).
func (r *reader) appendValue(ctx context.Context, dst []byte, col *column, f *partner.Field) ([]byte, error) {
	switch {
	case f.Parent != nil:
		ph, poly, err := r.parentHintOf(ctx, col.parent, f)
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
		if col.childList {
			return append(dst, "[]"...), nil
		}
		return append(dst, "null"...), nil
	}
	if col.field != nil && f.XSIType == partner.TypeNone {
		return appendFromSalesforce(dst, col.kind, f.Value), nil
	}
	return appendFromXSIType(dst, f.XSIType, f.Value), nil
}

// column is what the describe of an object says of one field of a SELECT
// list: looked up once per page and object, not once per value.
type column struct {
	name      string
	field     *partner.DescribeField // nil: not a field of the object
	kind      kind                   // of field
	parent    *partner.DescribeField // the reference field of a parent relationship
	childList bool                   // isChildList
}

// plan returns the columns met so far in records of x, by position.
func (r *reader) plan(x *metadata.Object) *[]column {
	if p := r.plans[x]; p != nil {
		return p
	}
	if r.plans == nil {
		r.plans = make(map[*metadata.Object]*[]column)
	}
	p := new([]column)
	r.plans[x] = p
	return p
}

// columnOf returns the column of field i, named name, of a record of x,
// from plan when the records before named the same field there.
func columnOf(plan *[]column, x *metadata.Object, i int, name string) column {
	cols := *plan
	if i < len(cols) && cols[i].name == name {
		return cols[i]
	}
	c := column{name: name, childList: isChildList(x, name)}
	c.field, _ = x.Field(name)
	if c.field != nil {
		c.kind = kindOf(c.field)
	}
	c.parent, _ = x.Parent(name)
	for len(cols) <= i {
		cols = append(cols, column{})
	}
	cols[i] = c
	*plan = cols
	return c
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
