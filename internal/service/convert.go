package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// ---- Salesforce → JSON ----

// reader types records read from Salesforce. It remembers the describe of
// every sf:type it met, so a stream of pages costs one describe lookup per
// object, not per record.
type reader struct {
	s      *Service
	byType map[string]*metadata.Object // nil entry: no describe (AggregateResult, …)
	// plans holds the columns of the objects of the records written as
	// JSON (recordjson.go).
	plans map[*metadata.Object]*[]column
}

func (s *Service) newReader() *reader {
	return &reader{s: s, byType: make(map[string]*metadata.Object)}
}

// object returns the describe of typ, or nil when the org has none (an
// AggregateResult row, a type the user cannot describe): its values are
// then typed by their xsi:type.
func (r *reader) object(ctx context.Context, typ string) (*metadata.Object, error) {
	if typ == "" {
		return nil, nil
	}
	if x, ok := r.byType[typ]; ok {
		return x, nil
	}
	var x *metadata.Object
	if typ == nameEntity {
		o, err := r.s.describeName(ctx)
		if err != nil {
			return nil, err
		}
		x = o
	} else if typ != "AggregateResult" {
		o, err := r.s.cfg.Metadata.Describe(ctx, typ)
		switch {
		case err == nil:
			x = o
		case errors.Is(err, metadata.ErrUnknownObject) || partner.IsCode(err, partner.CodeInvalidType):
		default:
			return nil, fmt.Errorf("describe %s: %w", typ, err)
		}
	}
	if len(r.byType) < 64 {
		r.byType[typ] = x
	}
	return x, nil
}

// record types rec, its fields in wire order (which is the SELECT order);
// hint is the describe to use when rec carries no sf:type.
func (r *reader) record(ctx context.Context, rec *partner.Record, hint *metadata.Object) (sfgate.OrderedRecord, error) {
	x := hint
	if rec.Type != "" && (x == nil || !strings.EqualFold(x.Name, rec.Type)) {
		var err error
		if x, err = r.object(ctx, rec.Type); err != nil {
			return nil, err
		}
	}
	out := make(sfgate.OrderedRecord, 0, len(rec.Fields)+1)
	// The sObject's own sf:Id comes first on the wire, before the fields:
	// when the SELECT list does not name Id, it leads the record.
	if rec.ID != "" && !hasField(rec, "Id") {
		out = append(out, sfgate.Member{Key: "Id", Value: rec.ID})
	}
	for i := range rec.Fields {
		f := &rec.Fields[i]
		v, err := r.value(ctx, x, f)
		if err != nil {
			return nil, err
		}
		out = append(out, sfgate.Member{Key: f.Name, Value: v})
	}
	return withhold(ctx, x, out), nil
}

func hasField(rec *partner.Record, name string) bool {
	for i := range rec.Fields {
		if rec.Fields[i].Name == name {
			return true
		}
	}
	return false
}

// value types one field of a record of object x (nil when the org has no
// describe of it).
func (r *reader) value(ctx context.Context, x *metadata.Object, f *partner.Field) (any, error) {
	switch {
	case f.Parent != nil:
		ph, poly, err := r.parentHint(ctx, x, f)
		if err != nil {
			return nil, err
		}
		p, err := r.record(ctx, f.Parent, ph)
		if err != nil {
			return nil, err
		}
		if poly {
			p = markType(p, f.Parent.Type)
		}
		return p, nil
	case f.Children != nil:
		kids := make([]sfgate.OrderedRecord, 0, len(f.Children.Records))
		for j := range f.Children.Records {
			k, err := r.record(ctx, &f.Children.Records[j], nil)
			if err != nil {
				return nil, err
			}
			kids = append(kids, k)
		}
		return kids, nil
	case f.Compound != nil:
		return compoundValue(f.Compound), nil
	case f.Nil:
		// An empty child subquery is nil on the wire; it is still a list.
		if x != nil && isChildList(x, f.Name) {
			return []sfgate.OrderedRecord{}, nil
		}
		return nil, nil
	}
	var df *partner.DescribeField
	if x != nil {
		df, _ = x.Field(f.Name)
	}
	if df != nil && f.XSIType == partner.TypeNone {
		return fromSalesforce(df, f.Value), nil
	}
	return fromXSIType(f.XSIType, f.Value), nil
}

// isChildList reports whether name is a child relationship of x and not
// also a field.
func isChildList(x *metadata.Object, name string) bool {
	_, child := x.Child(name)
	_, field := x.Field(name)
	return child && !field
}

// page types one page of records.
func (r *reader) page(ctx context.Context, recs []partner.Record, hint *metadata.Object) ([]sfgate.OrderedRecord, error) {
	out := make([]sfgate.OrderedRecord, len(recs))
	for i := range recs {
		rec, err := r.record(ctx, &recs[i], hint)
		if err != nil {
			return nil, err
		}
		out[i] = rec
	}
	return out, nil
}

// ---- JSON → Salesforce ----

type writeMode uint8

const (
	modeCreate writeMode = iota + 1
	modeUpdate
	modeUpsert
)

// maxProblems bounds the problems listed for one record or request: a
// 32 MiB batch of junk must not become an answer of millions of entries.
const maxProblems = 100

// codeTooManyErrors ends a list of problems that was cut.
const codeTooManyErrors = "TOO_MANY_ERRORS"

// problems collects the field errors of one request (or one record of a
// batch).
type problems struct {
	errs []sfgate.FieldError
	// malformed is set when one error makes the request malformed (a
	// character XML cannot carry): the answer is then 400, not 422.
	malformed bool
	// dropped counts problems past maxProblems (limit, when set, replaces
	// it).
	dropped, limit int
}

// add records e, refused in field (of the record at index in a batch).
func (p *problems) add(index *int, field string, e *valueError) {
	p.addError(sfgate.FieldError{Index: index, Field: field, Code: e.code, Message: field + " " + e.msg})
}

// addError records a problem already described: one the transport found
// while decoding, or one of a record's own list.
func (p *problems) addError(fe sfgate.FieldError) {
	if fe.Code == codeInvalidCharacter {
		p.malformed = true
	}
	limit := p.limit
	if limit == 0 {
		limit = maxProblems
	}
	if len(p.errs) >= limit {
		p.dropped++
		return
	}
	p.errs = append(p.errs, fe)
}

// merge adds every problem of q, as q holds them.
func (p *problems) merge(q *problems) {
	for _, fe := range q.errs {
		p.addError(fe)
	}
	p.dropped += q.dropped
	p.malformed = p.malformed || q.malformed
}

// list returns the problems, with a last entry saying how many more there
// were when the list was cut.
func (p *problems) list() []sfgate.FieldError {
	if p.dropped == 0 {
		return p.errs
	}
	return append(p.errs, sfgate.FieldError{Code: codeTooManyErrors, Message: fmt.Sprintf("%d more problems not listed", p.dropped)})
}

func (p *problems) addf(index *int, field, code, format string, args ...any) {
	p.add(index, field, verr(code, format, args...))
}

func (p *problems) empty() bool { return len(p.errs) == 0 && p.dropped == 0 }

// err returns the one *sfgate.Error naming every problem.
func (p *problems) err(detail string) error {
	if p.malformed {
		return sfgate.Invalid(detail, p.list()...)
	}
	return sfgate.Unprocessable(detail, p.list()...)
}

// recordKeys returns the keys of recs, deduplicated, for one EnsureFields
// call: one describe refresh at most for a whole batch.
func recordKeys(recs []Record, skip func(string) bool) []string {
	seen := make(map[string]bool)
	var keys []string
	for _, r := range recs {
		for k := range r {
			if !seen[k] && !skip(k) {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

func isIDKey(k string) bool { return strings.EqualFold(k, "Id") }

// encode converts one JSON record to a Salesforce record of object x for
// mode, adding every problem to p (index is the record's position in a
// batch, nil for a single record). Keys for which skip is true are left
// out (the Id of an update, handled by the caller). A null on update
// becomes fieldsToNull; on create it is the same as leaving the field out.
func encode(x *metadata.Object, mode writeMode, in Record, skip func(string) bool, index *int, p *problems) partner.Record {
	out := partner.Record{Type: x.Name}
	keys := make([]string, 0, len(in))
	for k := range in {
		if skip == nil || !skip(k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	present := make(map[*partner.DescribeField]bool, len(keys))
	for _, k := range keys {
		v := in[k]
		if e := checkXML(k); e != nil {
			p.add(index, "body", verr(codeInvalidCharacter, "a field name %s", e.msg))
			continue
		}
		df, ok := x.Field(k)
		if !ok {
			p.addf(index, k, codeUnknownField, "is not a field of %s", x.Name)
			continue
		}
		if present[df] {
			p.addf(index, df.Name, "DUPLICATE_FIELD", "is named more than once (field names are case-insensitive)")
			continue
		}
		present[df] = true
		if k := kindOf(df); k == kAddress || k == kLocation {
			p.addf(index, df.Name, codeReadOnlyCompound, "is a compound field and read-only: write its component fields instead")
			continue
		}
		switch mode {
		case modeCreate:
			if !df.Createable {
				p.addf(index, df.Name, codeNotCreateable, "cannot be set on create")
				continue
			}
		case modeUpdate:
			if !df.Updateable {
				p.addf(index, df.Name, codeNotUpdateable, "cannot be changed on update")
				continue
			}
		case modeUpsert:
			if !df.Createable && !df.Updateable {
				p.addf(index, df.Name, codeNotCreateable, "cannot be written")
				continue
			}
		}
		if v == nil {
			if mode == modeCreate {
				present[df] = false
				continue
			}
			if !df.Nillable {
				p.addf(index, df.Name, codeNotNillable, "cannot be cleared (it is required)")
				continue
			}
			out.Fields = append(out.Fields, partner.Field{Name: df.Name, Nil: true})
			continue
		}
		text, e := toSalesforce(df, v)
		if e != nil {
			p.add(index, df.Name, e)
			continue
		}
		out.Fields = append(out.Fields, partner.Field{Name: df.Name, Value: text})
	}
	if mode == modeCreate {
		for i := range x.Fields {
			df := &x.Fields[i]
			if requiredOnCreate(df) && !present[df] {
				p.addf(index, df.Name, codeRequired, "is required on create")
			}
		}
	}
	return out
}

// requiredOnCreate reports whether a create must name df: Salesforce
// refuses a create without it. Booleans are never null (they default to
// false), so they are never required.
func requiredOnCreate(df *partner.DescribeField) bool {
	return !df.Nillable && df.Createable && !df.DefaultedOnCreate && kindOf(df) != kBool
}

// recordID takes the Id out of a record: required reports whether it must
// be there. It returns the normalised id, or adds a problem.
func recordID(in Record, required bool, index *int, p *problems) string {
	var raw any
	found := false
	for k, v := range in {
		if isIDKey(k) {
			raw, found = v, true
			break
		}
	}
	if !found {
		if required {
			p.addf(index, "Id", "MISSING_ARGUMENT", "is required")
		}
		return ""
	}
	s, ok := raw.(string)
	if !ok {
		p.addf(index, "Id", codeWrongType, "takes a record id, not %s", jsonKind(raw))
		return ""
	}
	id, err := partner.NormalizeID(s)
	if err != nil {
		if e := checkXML(s); e != nil {
			p.add(index, "Id", e)
			return ""
		}
		p.addf(index, "Id", codeMalformedID, "%s", partner.IDProblem(s))
		return ""
	}
	return id
}

// pathID normalises the id of a request path; a malformed id is a 400.
func pathID(id string) (string, error) {
	n, err := partner.NormalizeID(id)
	if err != nil {
		return "", &sfgate.Error{Kind: sfgate.KindInvalid, Code: codeMalformedID,
			Detail: "the record id " + partner.IDProblem(id),
			Errors: []sfgate.FieldError{{Field: "path.id", Code: codeMalformedID, Message: partner.IDProblem(id)}}}
	}
	return n, nil
}
