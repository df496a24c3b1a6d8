package handlers

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/sfgate/sfgate"
)

// encoding/json keeps the last of two members of the same name without a
// word, and so does the OpenAPI validator, which decodes with it. Every
// body is therefore scanned once for members named twice before it is
// decoded (duplicateMembers); what a duplicate means depends on where it
// is: a field of a record is refused like a field named in two spellings
// (422, or that record's own failure in a batch), any other member of the
// request (e.g. "soql" twice) breaks the document's shape (400).

// decodeRecord decodes a body that is one record.
func decodeRecord(r *http.Request) (sfgate.Record, error) {
	var rec sfgate.Record
	dups, err := decodeJSON(r, &rec)
	if err != nil {
		return nil, err
	}
	if len(dups) > 0 {
		return nil, duplicateFields(dups)
	}
	return rec, nil
}

// decodeBatch decodes a batch body. A record naming a member twice does
// not fail the batch here: its problems go in RecordErrors, so the engine
// fails that record alone (or, with allOrNone, the whole batch), as it
// does a field named twice in two spellings.
func decodeBatch(r *http.Request) (sfgate.BatchRequest, error) {
	var req sfgate.BatchRequest
	dups, err := decodeJSON(r, &req)
	if err != nil {
		return sfgate.BatchRequest{}, err
	}
	var other [][]string
	for _, d := range dups {
		i, err := strconv.Atoi(d[min(1, len(d)-1)])
		if len(d) < 3 || d[0] != "records" || err != nil || i < 0 || i >= len(req.Records) {
			other = append(other, d)
			continue
		}
		if req.RecordErrors == nil {
			req.RecordErrors = map[int][]sfgate.FieldError{}
		}
		e := duplicateField(d[2:])
		e.Index = &i
		req.RecordErrors[i] = append(req.RecordErrors[i], e)
	}
	if len(other) > 0 {
		return sfgate.BatchRequest{}, duplicateMembersError(other)
	}
	return req, nil
}

// decodeMerge decodes a merge body; a field named twice in fields is a 422.
func decodeMerge(r *http.Request) (sfgate.MergeRequest, error) {
	var req sfgate.MergeRequest
	dups, err := decodeJSON(r, &req)
	if err != nil || len(dups) == 0 {
		return req, err
	}
	var fields []sfgate.FieldError
	for _, d := range dups {
		if len(d) < 2 || d[0] != "fields" {
			return sfgate.MergeRequest{}, duplicateMembersError(dups)
		}
		fields = append(fields, duplicateField(d[1:]))
	}
	return sfgate.MergeRequest{}, sfgate.Unprocessable("the record names a field more than once", fields...)
}

// duplicateFields is the 422 for a record naming members twice; each path
// is relative to the record.
func duplicateFields(dups [][]string) *sfgate.Error {
	errs := make([]sfgate.FieldError, len(dups))
	for i, d := range dups {
		errs[i] = duplicateField(d)
	}
	return sfgate.Unprocessable("the record names a field more than once", errs...)
}

// duplicateField names a record's own field as it is ("Name"), a member of
// a value nested in a field by its path ("BillingAddress.city").
func duplicateField(path []string) sfgate.FieldError {
	field := strings.Join(path, ".")
	return sfgate.FieldError{Field: field, Code: sfgate.CodeDuplicateField, Message: field + " is named more than once (a JSON member may appear only once)"}
}

// duplicateMembersError is the 400 for a request (not record) member
// named twice, e.g. {"soql": "…", "soql": "…"}; fields are JSON pointers.
func duplicateMembersError(dups [][]string) *sfgate.Error {
	errs := make([]sfgate.FieldError, len(dups))
	for i, d := range dups {
		p := jsonPointer(d)
		errs[i] = sfgate.FieldError{Field: p, Code: sfgate.CodeDuplicateField, Message: p + " is named more than once (a JSON member may appear only once)"}
	}
	return sfgate.Invalid("the body names a member more than once", errs...)
}

// duplicateMembers returns the path (keys unescaped, array indexes in
// decimal) of every member that repeats a name earlier in its object, each
// once. It does not check syntax: on malformed input it returns what it
// found so far, and decoding reports the error. Keys are compared as
// slices of b (unescaped only when they hold an escape), and the stacks
// are reused across objects, so a body without duplicates costs a few
// allocations, not one per member.
func duplicateMembers(b []byte) [][]string {
	s := dupScanner{b: b}
	s.value()
	return s.dups
}

// maxScanDepth matches encoding/json's nesting limit.
const maxScanDepth = 10000

// smallObject is the member count up to which names are compared one by
// one; larger objects switch to a set.
const smallObject = 32

type pathSeg struct {
	key     []byte
	index   int
	isIndex bool // an array element: index, not key
}

type dupScanner struct {
	b     []byte
	i     int
	depth int
	path  []pathSeg
	keys  [][]byte // the names of the objects being scanned, innermost last
	dups  [][]string
	bad   bool
}

func (s *dupScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *dupScanner) value() {
	s.ws()
	if s.i >= len(s.b) {
		s.bad = true
		return
	}
	switch s.b[s.i] {
	case '{':
		s.object()
	case '[':
		s.array()
	case '"':
		s.str()
	default: // number, true, false, null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return
			}
			s.i++
		}
	}
}

// str skips the string at s.i and returns its content, unescaped only if
// it holds an escape.
func (s *dupScanner) str() []byte {
	start := s.i
	escaped := false
	for j := start + 1; j < len(s.b); j++ {
		switch s.b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			s.i = j + 1
			if !escaped {
				return s.b[start+1 : j]
			}
			var u string
			if err := json.Unmarshal(s.b[start:s.i], &u); err != nil {
				s.bad = true
				return nil
			}
			return []byte(u)
		}
	}
	s.bad = true
	s.i = len(s.b)
	return nil
}

func (s *dupScanner) object() {
	if s.depth++; s.depth > maxScanDepth {
		s.bad = true
		return
	}
	first := len(s.keys)
	defer func() { s.keys, s.depth = s.keys[:first], s.depth-1 }()
	var set map[string]struct{}
	s.i++ // '{'
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == '}' {
		s.i++
		return
	}
	for !s.bad {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			s.bad = true
			return
		}
		key := s.str()
		var dup bool
		if set != nil {
			if _, dup = set[string(key)]; !dup {
				set[string(key)] = struct{}{}
			}
		} else {
			dup = slices.ContainsFunc(s.keys[first:], func(k []byte) bool { return bytes.Equal(k, key) })
			s.keys = append(s.keys, key)
			if len(s.keys)-first > smallObject {
				set = make(map[string]struct{}, 2*smallObject)
				for _, k := range s.keys[first:] {
					set[string(k)] = struct{}{}
				}
			}
		}
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			s.bad = true
			return
		}
		s.i++
		s.path = append(s.path, pathSeg{key: key})
		if dup {
			s.duplicate()
		}
		s.value()
		s.path = s.path[:len(s.path)-1]
		if !s.next('}') {
			return
		}
	}
}

func (s *dupScanner) array() {
	if s.depth++; s.depth > maxScanDepth {
		s.bad = true
		return
	}
	defer func() { s.depth-- }()
	s.i++ // '['
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == ']' {
		s.i++
		return
	}
	for index := 0; !s.bad; index++ {
		s.path = append(s.path, pathSeg{index: index, isIndex: true})
		s.value()
		s.path = s.path[:len(s.path)-1]
		if !s.next(']') {
			return
		}
	}
}

// next consumes the comma before another element (true) or the closing
// delimiter (false).
func (s *dupScanner) next(closing byte) bool {
	s.ws()
	if s.i >= len(s.b) {
		s.bad = true
		return false
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return true
	case closing:
		s.i++
		return false
	}
	s.bad = true
	return false
}

// duplicate records the current path, once.
func (s *dupScanner) duplicate() {
	p := make([]string, len(s.path))
	for i, seg := range s.path {
		if seg.isIndex {
			p[i] = strconv.Itoa(seg.index)
		} else {
			p[i] = string(seg.key)
		}
	}
	if !slices.ContainsFunc(s.dups, func(d []string) bool { return slices.Equal(d, p) }) {
		s.dups = append(s.dups, p)
	}
}
