package handlers

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/sfgate/sfgate"
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
		return appendJSONString(dst, x, html), nil
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
		if !validNumber(s) {
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
			dst = appendJSONString(dst, x[i].SObject, html)
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
	dst = append(dst, `{"totalSize":`...)
	dst = appendInt(dst, p.TotalSize)
	if p.Done {
		dst = append(dst, `,"done":true,"records":`...)
	} else {
		dst = append(dst, `,"done":false,"records":`...)
	}
	dst, err := appendRecords(dst, p.Records, html, depth)
	if err != nil {
		return dst, err
	}
	if p.NextCursor != "" {
		dst = append(dst, `,"nextCursor":`...)
		dst = appendJSONString(dst, p.NextCursor, html)
	}
	return append(dst, '}'), nil
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
		dst = appendJSONString(dst, r[i].Key, html)
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
		dst = appendJSONString(dst, ms[i].key, html)
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

func appendInt(dst []byte, n int) []byte {
	var tmp [20]byte
	u := uint64(n)
	if n < 0 {
		dst = append(dst, '-')
		u = uint64(-n) // the most negative int wraps to its own magnitude
	}
	i := len(tmp)
	for {
		i--
		tmp[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	return append(dst, tmp[i:]...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json
// escapes it.
func appendJSONString(dst []byte, s string, html bool) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && (!html || (b != '<' && b != '>' && b != '&')) {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			// Valid JSON, but not valid JavaScript: encoding/json always
			// escapes them.
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// validNumber reports whether s is a JSON number literal:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i == len(s):
		return false
	case s[i] == '0':
		i++
	case '1' <= s[i] && s[i] <= '9':
		i = skipDigits(s, i+1)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		j := skipDigits(s, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := skipDigits(s, i)
		if j == i {
			return false
		}
		i = j
	}
	return i == len(s)
}

func skipDigits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
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
