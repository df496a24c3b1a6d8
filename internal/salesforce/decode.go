package salesforce

import (
	"strings"
	"sync"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// decoder turns one SOAP answer into values. Records and their fields are
// carved out of slabs so a page costs a few allocations in total. The slabs
// belong to the decoded values (callers keep records as long as they like),
// so they are never pooled; instead they are sized to the answer: the first
// field slab from the document's length, later ones doubling up to
// fieldSlabSize, so a single record or a write result allocates a few KB
// and a 2,000-record page the same chunks as before.
type decoder struct {
	sc        *scanner
	fieldSlab []partner.Field
	recSlab   []partner.Record
	nestSlab  []partner.Field
	scratch   [][]partner.Field
	level     int
	direct    bool // a record is appending to fieldSlab
	limit     *partner.LimitInfo
}

const (
	// fieldSlabSize and recordSlabSize are the largest slab chunks: big
	// enough that a 2,000-record page takes a dozen allocations, small
	// enough that the unused tail of the last one is bounded.
	fieldSlabSize  = 4096
	recordSlabSize = 256
	// minFieldSlab, minRecordSlab and minNestSlab are the smallest chunks.
	minFieldSlab  = 16
	minRecordSlab = 4
	minNestSlab   = 16
	// bytesPerField estimates the document bytes of one field element
	// (<sf:Name>value</sf:Name>): the first field slab holds the fields a
	// document of its length could carry at that density, so most answers
	// fit in one chunk and a dense one grows geometrically.
	bytesPerField = 48
)

func newDecoder(doc []byte, maxDepth int) *decoder {
	return &decoder{sc: newScanner(doc, maxDepth)}
}

// decoders pools decoders for their scratch: the scanner's element, binding
// and attribute stacks and the buffers of nested records. None of it is
// reachable from decoded values, which live in the document, the arena and
// the slabs, and those are never pooled.
var decoders = sync.Pool{New: func() any { return &decoder{sc: &scanner{}} }}

// maxPooledScratch bounds each scratch buffer a pooled decoder keeps (in
// elements): an answer nested unusually deep does not pin its stacks.
const maxPooledScratch = 256

// getDecoder returns a pooled decoder for doc. Call release once decoding
// is done; the decoded values stay valid.
func getDecoder(doc []byte, maxDepth int) *decoder {
	d := decoders.Get().(*decoder)
	d.sc.maxDepth = maxDepth
	d.sc.reset(doc)
	return d
}

// release drops every reference d holds to the answer and its values, and
// pools d unless its scratch grew past maxPooledScratch.
func (d *decoder) release() {
	sc, scratch := d.sc, d.scratch
	*d = decoder{sc: sc}
	pool := sc.release()
	for i, s := range scratch {
		clear(s[:cap(s)]) // fields hold strings of the answer and parent pointers
		scratch[i] = s[:0]
		pool = pool && cap(s) <= maxPooledScratch
	}
	if pool && len(scratch) <= maxPooledScratch {
		d.scratch = scratch
		decoders.Put(d)
	}
}

// nextChunk returns the capacity of the slab chunk after one of capacity
// prev: the first sized to the document, then doubling up to largest.
func (d *decoder) nextChunk(prev, smallest, largest int) int {
	if prev == 0 {
		return min(max(len(d.sc.s)/bytesPerField, smallest), largest)
	}
	return min(max(2*prev, smallest), largest)
}

// allocNested returns n zeroed fields from the slab of nested records.
func (d *decoder) allocNested(n int) []partner.Field {
	if cap(d.nestSlab)-len(d.nestSlab) < n {
		size := min(max(2*cap(d.nestSlab), minNestSlab), fieldSlabSize/4)
		d.nestSlab = make([]partner.Field, 0, max(n, size))
	}
	l := len(d.nestSlab)
	d.nestSlab = d.nestSlab[:l+n]
	return d.nestSlab[l : l+n : l+n]
}

// newRecord returns a record from the slab (its address stays valid).
func (d *decoder) newRecord() *partner.Record {
	if len(d.recSlab) == cap(d.recSlab) {
		size := min(max(2*cap(d.recSlab), minRecordSlab), recordSlabSize)
		d.recSlab = make([]partner.Record, 0, size)
	}
	d.recSlab = d.recSlab[:len(d.recSlab)+1]
	return &d.recSlab[len(d.recSlab)-1]
}

// envelope decodes a SOAP envelope. For a fault it returns the fault as an
// *Error (Op left empty for the caller). Otherwise it finds the Body's
// entry, checks it is the partner-namespace element named response, and
// calls body, which must consume that element's children.
func (d *decoder) envelope(response string, body func()) *partner.Error {
	sc := d.sc
	t := sc.next()
	if t.kind != tokStart || t.local != "Envelope" || t.ns != nsSOAPEnv {
		return d.shapeError("answer is not a SOAP 1.1 envelope")
	}
	sawBody := false
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		if t.ns != nsSOAPEnv {
			sc.skip()
			continue
		}
		switch t.local {
		case "Header":
			d.header()
		case "Body":
			sawBody = true
			if fe := d.body(response, body); fe != nil {
				return fe
			}
		default:
			sc.skip()
		}
	}
	if sc.err() == nil {
		if t := sc.next(); t.kind != tokEOF {
			sc.errorf(sc.pos, "content after the envelope")
		}
	}
	if err := sc.err(); err != nil {
		return &partner.Error{Kind: partner.KindDecode, Message: "malformed answer", Cause: err}
	}
	if !sawBody {
		return d.shapeError("envelope has no Body")
	}
	return nil
}

func (d *decoder) shapeError(msg string) *partner.Error {
	if err := d.sc.err(); err != nil {
		return &partner.Error{Kind: partner.KindDecode, Message: "malformed answer", Cause: err}
	}
	return &partner.Error{Kind: partner.KindDecode, Message: msg}
}

func (d *decoder) header() {
	sc := d.sc
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		if t.local != "LimitInfoHeader" || t.ns != nsPartner {
			sc.skip()
			continue
		}
		for t, ok := sc.child(); ok; t, ok = sc.child() {
			if t.local != "limitInfo" {
				sc.skip()
				continue
			}
			var li partner.LimitInfo
			for t, ok := sc.child(); ok; t, ok = sc.child() {
				switch t.local {
				case "current":
					li.Current = sc.int64()
				case "limit":
					li.Limit = sc.int64()
				case "type":
					li.Type = strings.Clone(sc.text())
				default:
					sc.skip()
				}
			}
			if li.Type == "API REQUESTS" {
				li.Updated = time.Now()
				d.limit = &li
			}
		}
	}
}

func (d *decoder) body(response string, body func()) *partner.Error {
	sc := d.sc
	found := false
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch {
		case t.ns == nsSOAPEnv && t.local == "Fault":
			return d.fault()
		case !found && t.ns == nsPartner && t.local == response:
			found = true
			body()
		default:
			sc.skip()
		}
	}
	if !found && sc.err() == nil {
		return d.shapeError("Body has no <" + response + ">")
	}
	return nil
}

// fault decodes soapenv:Fault. Strings are cloned: errors outlive answers.
func (d *decoder) fault() *partner.Error {
	sc := d.sc
	e := &partner.Error{}
	var codeNS, faultString string
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "faultcode":
			codeNS, e.Code = sc.textQName()
		case "faultstring":
			faultString = sc.text()
		case "detail":
			for t, ok := sc.child(); ok; t, ok = sc.child() {
				e.FaultType = strings.Clone(t.local)
				for t, ok := sc.child(); ok; t, ok = sc.child() {
					switch t.local {
					case "exceptionCode":
						e.Code = strings.TrimSpace(sc.text())
						codeNS = nsFault
					case "exceptionMessage":
						e.Message = sc.text()
					case "row":
						e.Row = sc.integer()
					case "column":
						e.Column = sc.integer()
					default:
						sc.skip()
					}
				}
			}
		default:
			sc.skip()
		}
	}
	if err := sc.err(); err != nil {
		return &partner.Error{Kind: partner.KindDecode, Message: "malformed fault", Cause: err}
	}
	e.Code = strings.Clone(e.Code)
	if e.Message == "" {
		e.Message = strings.TrimPrefix(faultString, e.Code+": ")
	}
	e.Message = strings.Clone(e.Message)
	if codeNS == nsSOAPEnv {
		e.Kind = partner.KindTransport
	} else {
		e.Kind = partner.KindFault
	}
	// Drain the rest of the envelope so the scanner ends cleanly; a
	// malformed tail does not hide the fault.
	for sc.err() == nil && sc.depth() > 0 {
		sc.skip()
	}
	return e
}

// queryResult decodes the children of a QueryResult element.
func (d *decoder) queryResult(qr *partner.QueryResult) {
	sc := d.sc
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "done":
			qr.Done = sc.boolean()
		case "queryLocator":
			qr.QueryLocator = sc.text()
		case "records":
			if t.nil {
				sc.skip()
				continue
			}
			start := sc.pos
			qr.Records = append(qr.Records, partner.Record{})
			d.record(&qr.Records[len(qr.Records)-1], false)
			if len(qr.Records) == 1 && !d.direct {
				// Records of a page are alike: size the slice from the
				// first one instead of growing it by doubling (bounded by
				// the largest batch Salesforce sends). Only for the page
				// itself: a subquery ends long before the answer does.
				if per := sc.pos - start; per > 0 {
					n := min((len(sc.s)-sc.pos)/per+1, 2048)
					grown := make([]partner.Record, 1, n+1)
					grown[0] = qr.Records[0]
					qr.Records = grown
				}
			}
		case "size":
			qr.Size = sc.integer()
		default:
			sc.skip()
		}
	}
}

// record decodes the children of an sObject element into rec. With
// compound set the element is a compound value: every child is a field.
// The elements an sObject starts with (structuralElement) set rec.Type and
// rec.ID; every later child is a field (fieldValue when it is not plain
// text), collected as fieldSink says.
func (d *decoder) record(rec *partner.Record, compound bool) {
	sc := d.sc
	sink := d.openFields()
	structural := !compound // still before the first field
	head := recordHead{sawType: compound, sawID: compound}
	for {
		// Most fields are <sf:Name>text</sf:Name>: simpleElement consumes
		// those whole; anything else goes through the general path.
		var t token
		local, value, isNil, simple := sc.simpleElement()
		if simple {
			t.local, t.nil = local, isNil
		} else {
			var ok bool
			if t, ok = sc.child(); !ok {
				break
			}
		}
		if structural {
			if d.structuralElement(rec, &head, &t, value, simple) {
				continue
			}
			structural = false
		}
		var f *partner.Field
		if sink.direct && len(d.fieldSlab) < cap(d.fieldSlab) {
			// The common case, inline: the slab's next slot, which is
			// fresh memory and so zero.
			d.fieldSlab = d.fieldSlab[:len(d.fieldSlab)+1]
			f = &d.fieldSlab[len(d.fieldSlab)-1]
		} else {
			f = d.addField(&sink)
		}
		f.Name = t.local
		if simple {
			f.Value, f.Nil = value, isNil
			continue
		}
		d.fieldValue(f, &t)
	}
	d.closeFields(rec, &sink)
}

// fieldSink is where a record being decoded collects its fields. The
// outermost record appends them straight into the field slab (one write
// per field); records nested in it (parents, compound values) collect
// theirs in a per-level scratch buffer and copy them into a second slab
// when complete, since they interleave with the outer record's fields on
// the wire.
type fieldSink struct {
	direct bool            // appending to d.fieldSlab
	start  int             // the record's first field in d.fieldSlab, when direct
	lvl    int             // the nesting level, index of the scratch buffer
	fs     []partner.Field // the scratch buffer, when not direct
}

// openFields starts collecting the fields of a record.
func (d *decoder) openFields() fieldSink {
	if !d.direct {
		d.direct = true
		return fieldSink{direct: true, start: len(d.fieldSlab), lvl: d.level}
	}
	lvl := d.level
	d.level++
	if len(d.scratch) <= lvl {
		d.scratch = append(d.scratch, make([]partner.Field, 0, 32))
	}
	return fieldSink{lvl: lvl, fs: d.scratch[lvl][:0]}
}

// addField returns a zeroed slot for the next field of a nested record,
// or of the outermost one when the field slab is full: its fields so far
// then move to a fresh chunk, so they stay contiguous. (record takes the
// next slot of a slab with room itself, in its loop.)
func (d *decoder) addField(s *fieldSink) *partner.Field {
	if !s.direct {
		s.fs = append(s.fs, partner.Field{})
		return &s.fs[len(s.fs)-1]
	}
	if len(d.fieldSlab) == cap(d.fieldSlab) {
		n := len(d.fieldSlab) - s.start
		size := d.nextChunk(cap(d.fieldSlab), minFieldSlab, fieldSlabSize)
		chunk := make([]partner.Field, n, max(size, 2*n))
		copy(chunk, d.fieldSlab[s.start:])
		d.fieldSlab, s.start = chunk, 0
	}
	d.fieldSlab = d.fieldSlab[:len(d.fieldSlab)+1]
	return &d.fieldSlab[len(d.fieldSlab)-1]
}

// closeFields hands the collected fields to rec.
func (d *decoder) closeFields(rec *partner.Record, s *fieldSink) {
	if s.direct {
		n := len(d.fieldSlab) - s.start
		if n > 0 {
			rec.Fields = d.fieldSlab[s.start : s.start+n : s.start+n]
		}
		d.direct = false
		return
	}
	if len(s.fs) > 0 {
		rec.Fields = d.allocNested(len(s.fs))
		copy(rec.Fields, s.fs)
	}
	d.scratch[s.lvl] = s.fs[:0]
	d.level--
}

// recordHead tracks the elements an sObject starts with.
type recordHead struct {
	sawType, sawID bool
}

// structuralElement consumes t, whose text is value when simple, if it is
// one of the elements an sObject starts with: its type, fieldsToNull, or
// its first Id (the sObject's own; a second Id is the field the SELECT
// named). It reports whether it did.
func (d *decoder) structuralElement(rec *partner.Record, h *recordHead, t *token, value string, simple bool) bool {
	sc := d.sc
	switch {
	case !h.sawType && t.local == "type":
		h.sawType = true
		if !simple {
			value = sc.text()
		}
		rec.Type = value
	case t.local == "fieldsToNull":
		if !simple {
			sc.skip()
		}
	case !h.sawID && t.local == "Id":
		h.sawID = true
		switch {
		case simple:
			rec.ID = value // "" when nil
		case t.nil:
			sc.skip()
		default:
			rec.ID = sc.text()
		}
	default:
		return false
	}
	return true
}

// fieldValue decodes the value of a field whose element is not plain text:
// nil, a parent record, a subquery, a compound or typed value.
func (d *decoder) fieldValue(f *partner.Field, t *token) {
	sc := d.sc
	switch {
	case t.nil:
		f.Nil = true
		sc.skip()
	case t.xsiType == "sObject" && (t.xsiTypeNS == nsSObject || t.xsiTypeNS == nsUndeclared):
		p := d.newRecord()
		d.record(p, false)
		f.Parent = p
	case t.xsiType == "QueryResult" && (t.xsiTypeNS == nsPartner || t.xsiTypeNS == nsUndeclared):
		qr := &partner.QueryResult{}
		d.queryResult(qr)
		f.Children = qr
	case t.xsiType != "":
		// address, location, aggregate values (xsd:int, …), or a
		// QName in a namespace the decoder does not know.
		f.XSIType = partner.ParseXSIType(t.xsiType)
		if sc.peekChild() {
			c := d.newRecord()
			c.Type = t.xsiType // a slice of the answer, like every value
			d.record(c, true)
			f.Compound = c
		} else {
			f.Value = sc.text()
		}
	case sc.peekChild():
		// Structured content without xsi:type: a parent record when it
		// starts with a type, otherwise a compound value.
		p := d.newRecord()
		d.record(p, false)
		if p.Type != "" {
			f.Parent = p
		} else {
			f.Compound = p
		}
	default:
		f.Value = sc.text()
	}
}
