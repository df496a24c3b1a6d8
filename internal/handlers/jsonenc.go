package handlers

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/jsonw"
)

// The answers that dominate the gateway's CPU are records: OrderedRecord
// (and map[string]any) holding only strings, json.Number, bools, nil,
// nested records, []OrderedRecord and []any. encoding/json spends most of
// its time there on reflection (and, for maps, on sorting keys through
// reflect.Value); appendJSON writes those shapes directly and hands every
// other value to encoding/json, so the bytes stay exactly what json.Marshal
// (or an Encoder with SetEscapeHTML(false)) would write: an OrderedRecord's
// keys in its order, a map's sorted, <>& escaped when asked, U+2028/2029
// escaped, invalid UTF-8 replaced by \ufffd, json.Number written as is
// once checked.

// maxFastDepth is how deep appendJSON nests before it hands the rest of a
// value to encoding/json, which is what detects a cyclic map.
const maxFastDepth = 100

// appendJSON appends the JSON of v to dst, as json.Marshal would write it
// when escapeHTML is true, and as an Encoder with SetEscapeHTML(false)
// would (without its newline) when it is false.
func appendJSON(dst []byte, v any, escapeHTML bool) ([]byte, error) {
	return appendValue(dst, v, escapeHTML, 0)
}

func appendValue(dst []byte, v any, html bool, depth int) ([]byte, error) {
	if depth > maxFastDepth {
		return appendStdlib(dst, v, html)
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return jsonw.AppendString(dst, x, html), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case json.Number:
		s := string(x)
		if s == "" {
			s = "0" // as encoding/json writes an empty Number
		}
		if !jsonw.ValidNumber(s) {
			return appendStdlib(dst, v, html) // for encoding/json's own error
		}
		return append(dst, s...), nil
	case map[string]any:
		return appendRecord(dst, x, html, depth)
	case []any:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, html, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case sfgate.OrderedRecord:
		return appendOrdered(dst, x, html, depth)
	case []sfgate.OrderedRecord:
		return appendRecords(dst, x, html, depth)
	case sfgate.QueryPage:
		return appendQueryPage(dst, &x, html, depth)
	case *sfgate.QueryPage:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendQueryPage(dst, x, html, depth)
	case sfgate.RecordJSON:
		return appendRecordJSON(dst, x, html), nil
	case *sfgate.QueryPageJSON:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return appendQueryPageJSON(dst, x, html), nil
	case []sfgate.SearchHit:
		if x == nil {
			return append(dst, "null"...), nil
		}
		dst = append(dst, '[')
		for i := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"sobject":`...)
			dst = jsonw.AppendString(dst, x[i].SObject, html)
			dst = append(dst, `,"record":`...)
			var err error
			if dst, err = appendOrdered(dst, x[i].Record, html, depth+1); err != nil {
				return dst, err
			}
			dst = append(dst, '}')
		}
		return append(dst, ']'), nil
	}
	return appendStdlib(dst, v, html)
}

// appendQueryPage writes the fields of QueryPage in declaration order;
// TestQueryPageShape fails when the struct changes so this cannot drift.
func appendQueryPage(dst []byte, p *sfgate.QueryPage, html bool, depth int) ([]byte, error) {
	dst = appendPageHead(dst, p.TotalSize, p.Done)
	dst, err := appendRecords(dst, p.Records, html, depth)
	if err != nil {
		return dst, err
	}
	return appendPageTail(dst, p.NextCursor, html), nil
}

// appendPageHead writes a page's members up to its records.
func appendPageHead(dst []byte, totalSize int, done bool) []byte {
	dst = append(dst, `{"totalSize":`...)
	dst = jsonw.AppendInt(dst, totalSize)
	if done {
		return append(dst, `,"done":true,"records":`...)
	}
	return append(dst, `,"done":false,"records":`...)
}

// appendPageTail writes a page's members after its records.
func appendPageTail(dst []byte, nextCursor string, html bool) []byte {
	if nextCursor != "" {
		dst = append(dst, `,"nextCursor":`...)
		dst = jsonw.AppendString(dst, nextCursor, html)
	}
	return append(dst, '}')
}

// appendQueryPageJSON writes a QueryPageJSON as appendQueryPage writes the
// QueryPage it stands for.
func appendQueryPageJSON(dst []byte, p *sfgate.QueryPageJSON, html bool) []byte {
	dst = appendPageHead(dst, p.TotalSize, p.Done)
	if p.Records == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, r := range p.Records {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendRecordJSON(dst, r, html)
		}
		dst = append(dst, ']')
	}
	return appendPageTail(dst, p.NextCursor, html)
}

// appendRecordJSON copies a record the engine wrote, escaping its HTML
// characters when asked.
func appendRecordJSON(dst []byte, r sfgate.RecordJSON, html bool) []byte {
	switch {
	case r == nil:
		return append(dst, "null"...)
	case html:
		return jsonw.AppendHTMLEscaped(dst, r)
	}
	return append(dst, r...)
}

func appendRecords(dst []byte, recs []sfgate.OrderedRecord, html bool, depth int) ([]byte, error) {
	if recs == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, r := range recs {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = appendOrdered(dst, r, html, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, ']'), nil
}

// appendOrdered writes a record's members in its order, as its MarshalJSON
// does, with no map and no sorting.
func appendOrdered(dst []byte, r sfgate.OrderedRecord, html bool, depth int) ([]byte, error) {
	if r == nil {
		return append(dst, "null"...), nil
	}
	if depth > maxFastDepth {
		return appendStdlib(dst, r, html)
	}
	dst = append(dst, '{')
	for i := range r {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, r[i].Key, html)
		dst = append(dst, ':')
		var err error
		if dst, err = appendValue(dst, r[i].Value, html, depth+1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// member is one entry of a record, sorted by key before it is written.
type member struct {
	key string
	val any
}

// membersPool holds the slices appendRecord sorts members in; sorting the
// pairs spares a map lookup per key.
var membersPool = sync.Pool{New: func() any { return new([]member) }}

func appendRecord(dst []byte, m map[string]any, html bool, depth int) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	mp := membersPool.Get().(*[]member)
	ms := (*mp)[:0]
	for k, v := range m {
		ms = append(ms, member{k, v})
	}
	// encoding/json sorts map keys as strings, byte by byte.
	slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
	dst = append(dst, '{')
	var err error
	for i := range ms {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = jsonw.AppendString(dst, ms[i].key, html)
		dst = append(dst, ':')
		if dst, err = appendValue(dst, ms[i].val, html, depth+1); err != nil {
			break
		}
	}
	clear(ms) // do not keep the caller's values alive from the pool
	*mp = ms[:0]
	membersPool.Put(mp)
	if err != nil {
		return dst, err
	}
	return append(dst, '}'), nil
}

// appendStdlib appends what encoding/json writes for v with the same
// HTML escaping.
func appendStdlib(dst []byte, v any, html bool) ([]byte, error) {
	if html {
		b, err := json.Marshal(v)
		if err != nil {
			return dst, err
		}
		return append(dst, b...), nil
	}
	buf := sliceWriter{b: dst}
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return dst, err
	}
	return buf.b[:len(buf.b)-1], nil // Encode ends with a newline
}

type sliceWriter struct{ b []byte }

func (w *sliceWriter) Write(p []byte) (int, error) {
	w.b = append(w.b, p...)
	return len(p), nil
}

// bufPool holds answer buffers; one larger than maxPooledBuf is dropped
// so a rare huge answer does not pin its memory.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

const maxPooledBuf = 1 << 20

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}
