package sfgate

import (
	"bytes"
	"encoding/json"
)

// Member is one field of an OrderedRecord: an API name and its value.
type Member struct {
	Key   string
	Value any
}

// OrderedRecord is a record as read from Salesforce: its fields in the
// order the query's SELECT list named them (the field-list order for a
// get), written to JSON in that order. Values are nil, string, bool,
// json.Number, []any of strings (a multi-select picklist), OrderedRecord
// (a parent relationship, an address or location) or []OrderedRecord (a
// child subquery, never nil).
//
// It is a slice of pairs rather than a map so that writing a record costs
// no hashing, no sorting and, for a caller that allocates the members of
// a whole page at once, no allocation per record. Keys are unique: a
// query names a field once (Salesforce refuses "duplicate field selected").
type OrderedRecord []Member

// Get returns the value of key (exact API name) and whether it is there.
func (r OrderedRecord) Get(key string) (any, bool) {
	for i := range r {
		if r[i].Key == key {
			return r[i].Value, true
		}
	}
	return nil, false
}

// Keys returns the keys in order.
func (r OrderedRecord) Keys() []string {
	keys := make([]string, len(r))
	for i := range r {
		keys[i] = r[i].Key
	}
	return keys
}

// Map returns r as a Record, nested records and child lists converted
// too (OrderedRecord to Record, []OrderedRecord to []any of Record): for
// code that looks values up by name and does not care about order.
func (r OrderedRecord) Map() Record {
	if r == nil {
		return nil
	}
	m := make(Record, len(r))
	for _, mb := range r {
		m[mb.Key] = plain(mb.Value)
	}
	return m
}

func plain(v any) any {
	switch x := v.(type) {
	case OrderedRecord:
		return x.Map()
	case []OrderedRecord:
		out := make([]any, len(x))
		for i, r := range x {
			out[i] = r.Map()
		}
		return out
	}
	return v
}

// MarshalJSON writes r as a JSON object with its keys in order. Values
// are written as encoding/json writes them; HTML characters are left to
// the encoder that called (json.Marshal escapes them, an Encoder with
// SetEscapeHTML(false) does not), as for a map.
func (r OrderedRecord) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, mb := range r {
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(mb.Key); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1) // Encode ends each value with a newline
		buf.WriteByte(':')
		if err := enc.Encode(mb.Value); err != nil {
			return nil, err
		}
		buf.Truncate(buf.Len() - 1)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}
