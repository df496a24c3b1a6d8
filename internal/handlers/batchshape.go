package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfgate/sfgate"
)

// batchShape checks a batch body against the document's BatchRequest
// without building a tree of its records. kin-openapi would decode the
// whole body into maps and walk every record (a 10,000-record body cost
// 42 MB and twice the time of decoding it, BenchmarkBatchRequest), while
// all the document says of a record is that it is an object of so many
// members: the describe typing that follows (internal/service) checks
// every value, and is stricter than the document. So the envelope (every
// member but records) is validated by kin-openapi against the document's
// own schema, and the records array is scanned token by token for the
// document's bounds (minItems, maxItems, and minProperties, maxProperties
// of a record), each read from the document, never restated here.
type batchShape struct {
	envelope *openapi3.Schema // BatchRequest without records
	records  *openapi3.Schema // BatchRequest.records
	record   *openapi3.Schema // one record
}

// maxShapeProblems bounds the problems one body reports.
const maxShapeProblems = 100

func newBatchShape(doc *openapi3.T) (*batchShape, error) {
	ref := doc.Components.Schemas["BatchRequest"]
	if ref == nil || ref.Value == nil {
		return nil, errors.New("api/openapi.yaml has no BatchRequest schema")
	}
	full := ref.Value
	recs := full.Properties["records"]
	if recs == nil || recs.Value == nil || recs.Value.Items == nil || recs.Value.Items.Value == nil {
		return nil, errors.New("api/openapi.yaml's BatchRequest has no records array")
	}
	env := *full
	env.Properties = maps.Clone(full.Properties)
	delete(env.Properties, "records")
	env.Required = slices.DeleteFunc(slices.Clone(full.Required), func(s string) bool { return s == "records" })
	return &batchShape{envelope: &env, records: recs.Value, record: recs.Value.Items.Value}, nil
}

// check returns the body's problems, as the validator names them
// ("/records/3" minProperties, "/records" maxItems, "/operation" enum);
// none for a body that fits. The scan only measures: decodeBatch decodes
// the body strictly afterwards, so JSON the scan lets through is refused
// there.
func (s *batchShape) check(body []byte) []sfgate.FieldError {
	malformed := func(msg string) []sfgate.FieldError {
		return []sfgate.FieldError{{Field: "body", Code: "malformed", Message: "failed to decode request body: " + msg}}
	}
	sc := scanner{b: body}
	env := map[string]any{}
	var records []byte
	err := sc.members(func(key, value []byte) error {
		var name string
		if err := json.Unmarshal(key, &name); err != nil {
			return err
		}
		if name == "records" {
			records = value
			return nil
		}
		var v any
		if err := json.Unmarshal(value, &v); err != nil {
			return err
		}
		env[name] = v
		return nil
	})
	if err != nil {
		return malformed(decodeMessage(err))
	}
	var out []sfgate.FieldError
	if err := s.envelope.VisitJSON(env, openapi3.MultiErrors()); err != nil {
		out = requestFieldErrors(err)
		for i := range out {
			if out[i].Field == "" {
				out[i].Field = "body"
			}
		}
	}
	if records == nil {
		return append(out, sfgate.FieldError{Field: "/records", Code: "required", Message: `property "records" is missing`})
	}
	recs, err := s.checkRecords(records)
	if err != nil {
		return malformed(decodeMessage(err))
	}
	return append(out, recs...)
}

// checkRecords scans the records array: its length and each record's
// member count, without decoding any value.
func (s *batchShape) checkRecords(raw []byte) ([]sfgate.FieldError, error) {
	if raw[0] != '[' {
		return []sfgate.FieldError{{Field: "/records", Code: "type", Message: "value must be an array"}}, nil
	}
	var out []sfgate.FieldError
	n := 0
	err := (&scanner{b: raw}).elements(func(item []byte) error {
		i := n
		n++
		if len(out) >= maxShapeProblems {
			return nil
		}
		field := "/records/" + strconv.Itoa(i)
		switch {
		case string(item) == "null":
			out = append(out, sfgate.FieldError{Field: field, Code: "nullable", Message: "Value is not nullable"})
			return nil
		case item[0] != '{':
			out = append(out, sfgate.FieldError{Field: field, Code: "type", Message: "value must be an object"})
			return nil
		}
		members := 0
		if err := (&scanner{b: item}).members(func(_, _ []byte) error { members++; return nil }); err != nil {
			return err
		}
		switch {
		case uint64(members) < s.record.MinProps:
			out = append(out, sfgate.FieldError{Field: field, Code: "minProperties", Message: fmt.Sprintf("there must be at least %d properties", s.record.MinProps)})
		case s.record.MaxProps != nil && uint64(members) > *s.record.MaxProps:
			out = append(out, sfgate.FieldError{Field: field, Code: "maxProperties", Message: fmt.Sprintf("there must be at most %d properties", *s.record.MaxProps)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	switch {
	case uint64(n) < s.records.MinItems:
		out = append(out, sfgate.FieldError{Field: "/records", Code: "minItems", Message: fmt.Sprintf("minimum number of items is %d", s.records.MinItems)})
	case s.records.MaxItems != nil && uint64(n) > *s.records.MaxItems:
		out = append(out, sfgate.FieldError{Field: "/records", Code: "maxItems", Message: fmt.Sprintf("maximum number of items is %d", *s.records.MaxItems)})
	}
	return out, nil
}

// scanner measures JSON without decoding it: it finds where values begin
// and end. It trusts the input to be JSON (decodeBatch checks that) but
// never reads out of bounds or loops on input that is not.
type scanner struct {
	b []byte
	i int
}

var errScan = errors.New("unexpected end of JSON input or invalid character")

func (s *scanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// literalEnd marks the bytes that end a number or a literal.
var literalEnd = [256]bool{',': true, '}': true, ']': true, ' ': true, '\t': true, '\n': true, '\r': true}

// value skips one value and returns it.
func (s *scanner) value() ([]byte, error) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, errScan
	}
	start := s.i
	switch s.b[s.i] {
	case '"':
		if err := s.str(); err != nil {
			return nil, err
		}
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if err := s.str(); err != nil {
					return nil, err
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				return s.b[start:s.i], nil
			}
		}
		return nil, errScan
	default:
		for s.i < len(s.b) && !literalEnd[s.b[s.i]] {
			s.i++
		}
		if s.i == start {
			return nil, errScan
		}
	}
	return s.b[start:s.i], nil
}

// str skips a string, the scanner at its opening quote.
func (s *scanner) str() error {
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return nil
		}
	}
	return errScan
}

// open steps past the opening delimiter c; it reports whether the value
// is empty (and steps past its closing delimiter too).
func (s *scanner) open(c, end byte) (empty bool, err error) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != c {
		return false, errScan
	}
	s.i++
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == end {
		s.i++
		return true, nil
	}
	return false, nil
}

// next steps past the separator after an item: true after the closing
// delimiter end, false after a comma.
func (s *scanner) next(end byte) (done bool, err error) {
	s.ws()
	if s.i >= len(s.b) {
		return false, errScan
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, nil
	case end:
		s.i++
		return true, nil
	}
	return false, errScan
}

// members calls fn with each member of the object the scanner is at.
func (s *scanner) members(fn func(key, value []byte) error) error {
	if empty, err := s.open('{', '}'); empty || err != nil {
		return err
	}
	for {
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != '"' {
			return errScan
		}
		ks := s.i
		if err := s.str(); err != nil {
			return err
		}
		key := s.b[ks:s.i]
		s.ws()
		if s.i >= len(s.b) || s.b[s.i] != ':' {
			return errScan
		}
		s.i++
		v, err := s.value()
		if err != nil {
			return err
		}
		if err := fn(key, v); err != nil {
			return err
		}
		if done, err := s.next('}'); done || err != nil {
			return err
		}
	}
}

// elements calls fn with each element of the array the scanner is at.
func (s *scanner) elements(fn func(item []byte) error) error {
	if empty, err := s.open('[', ']'); empty || err != nil {
		return err
	}
	for {
		v, err := s.value()
		if err != nil {
			return err
		}
		if err := fn(v); err != nil {
			return err
		}
		if done, err := s.next(']'); done || err != nil {
			return err
		}
	}
}

// checkBatch does for a batch body what kin-openapi does for the others:
// the Content-Type the operation takes, then the body's shape. The body
// is left unread for the handler.
func (v *validator) checkBatch(r *http.Request) ([]sfgate.FieldError, error) {
	ct, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || ct != mediaJSON {
		return []sfgate.FieldError{{Field: "body", Code: "content-type", Message: fmt.Sprintf("header Content-Type has unexpected value %q", r.Header.Get("Content-Type"))}}, nil
	}
	body, err := bodyBytes(r)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if hb, ok := r.Body.(*heldBody); ok {
		if _, err := hb.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
	} else {
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if len(body) == 0 {
		return []sfgate.FieldError{{Field: "body", Code: "required", Message: "a value is required"}}, nil
	}
	return v.batch.check(body), nil
}
