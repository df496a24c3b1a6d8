package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Bounds of a structured query, beyond what the document enforces. The
// document (api/openapi.yaml, enforced on every request before a handler
// runs) already bounds the rest and is not checked again here: at least one
// field; each path API names, at most five relationships up (FieldPath);
// and/or and value lists not empty; direction and nulls from their enums;
// limit 1–50,000,000; page size 200–2,000. A caller of the service outside
// HTTP gets Salesforce's refusal for what breaks those, never an injection:
// every name written is the describe's, every value typed and escaped.
const (
	maxWhereDepth    = 32 // nesting of and/or/not
	maxWhereNodes    = 2000
	soqlDateTimeZ    = "2006-01-02T15:04:05Z"
	soqlDateTimeFrac = "2006-01-02T15:04:05.000Z"
)

// objects resolves object names to describes for the builder; in the
// service it is the metadata service, in tests a fixed map.
type objects interface {
	// object returns the describe of name.
	object(ctx context.Context, name string) (*metadata.Object, error)
	// refreshed returns the describe of name after one refresh if it lacks
	// field (a field just added); it may return x unchanged.
	refreshed(ctx context.Context, x *metadata.Object, field string) (*metadata.Object, error)
}

// builder turns a structured query into SOQL. Names are never copied from
// the request: each is looked up in describe and the describe's spelling
// is written. Values are never pasted: each is typed against its field
// and formatted or quoted and escaped.
type builder struct {
	objs objects
	root *metadata.Object
	// ptr prefixes the JSON pointers of problems: "" for the query,
	// "/children/2" inside a child subquery.
	ptr   string
	p     *problems
	nodes *int
	agg   *aggScope // set for an aggregate query
}

// build returns the SOQL of q on root, or the problems found, all of them.
func build(ctx context.Context, objs objects, root *metadata.Object, q *sfgate.StructuredQuery) (string, error) {
	b := &builder{objs: objs, root: root, p: &problems{}, nodes: new(int)}
	var sb strings.Builder
	var groups []string
	if isAggregateQuery(q) {
		var err error
		if groups, err = b.groupBy(ctx, q); err != nil {
			return "", err
		}
	}
	sb.WriteString("SELECT ")
	if err := b.selectList(ctx, &sb, q); err != nil {
		return "", err
	}
	if err := b.from(ctx, &sb, root.Name, q.Where); err != nil {
		return "", err
	}
	if err := b.groupClause(ctx, &sb, q, groups); err != nil {
		return "", err
	}
	if b.agg != nil {
		b.agg.active = true // ORDER BY names grouped fields and aggregates
	}
	if err := b.tail(ctx, &sb, q.OrderBy, q.Limit); err != nil {
		return "", err
	}
	if !b.p.empty() {
		return "", b.p.err("the query does not fit the object's describe")
	}
	return sb.String(), nil
}

// childFields writes the fields of a child subquery's SELECT list
// (duplicates dropped) and returns how many it wrote.
func (b *builder) childFields(ctx context.Context, sb *strings.Builder, fields []string) (int, error) {
	seen := make(map[string]bool, len(fields))
	n := 0
	for i, f := range fields {
		name, _, err := b.path(ctx, fmt.Sprintf("%s/fields/%d", b.ptr, i), f)
		if err != nil {
			return 0, err
		}
		if name == "" || seen[strings.ToLower(name)] {
			continue // a problem, or a duplicate Salesforce would refuse
		}
		seen[strings.ToLower(name)] = true
		if n > 0 {
			sb.WriteString(", ")
		}
		n++
		sb.WriteString(name)
	}
	return n, nil
}

// child writes the child subquery c, the i-th of the query: its
// relationship must be a child relationship of the root in describe, its
// fields, where and orderBy are checked against the child object's
// describe like the query's own. Salesforce pages its rows; the service
// reads them all (children.go).
func (b *builder) child(ctx context.Context, sb *strings.Builder, i int, c *sfgate.ChildQuery) error {
	ptr := fmt.Sprintf("/children/%d", i)
	rel, ok := b.root.Child(c.Relationship)
	if !ok {
		nx, err := b.objs.refreshed(ctx, b.root, c.Relationship)
		if err != nil {
			return err
		}
		rel, ok = nx.Child(c.Relationship)
	}
	if !ok {
		b.p.addf(nil, ptr+"/relationship", "INVALID_TYPE", "%s has no child relationship %s", b.root.Name, c.Relationship)
		return nil
	}
	x, err := b.objs.object(ctx, rel.ChildSObject)
	if err != nil {
		return err
	}
	if x == nil {
		b.p.addf(nil, ptr+"/relationship", "INVALID_TYPE", "%s leads to %s, which this gateway cannot describe", rel.RelationshipName, rel.ChildSObject)
		return nil
	}
	cb := &builder{objs: b.objs, root: x, ptr: ptr, p: b.p, nodes: b.nodes}
	sb.WriteString("(SELECT ")
	if _, err := cb.childFields(ctx, sb, c.Fields); err != nil {
		return err
	}
	if err := cb.from(ctx, sb, rel.RelationshipName, c.Where); err != nil {
		return err
	}
	if err := cb.tail(ctx, sb, c.OrderBy, c.Limit); err != nil {
		return err
	}
	sb.WriteString(")")
	return nil
}

// from writes FROM from and the WHERE clause.
func (b *builder) from(ctx context.Context, sb *strings.Builder, from string, where *sfgate.Condition) error {
	sb.WriteString(" FROM ")
	sb.WriteString(from)
	if where != nil {
		var w strings.Builder
		if err := b.cond(ctx, &w, b.ptr+"/where", where, 0); err != nil {
			return err
		}
		sb.WriteString(" WHERE ")
		sb.WriteString(w.String())
	}
	return nil
}

// tail writes the ORDER BY and LIMIT clauses.
func (b *builder) tail(ctx context.Context, sb *strings.Builder, orderBy []sfgate.OrderBy, limit int) error {
	for i, o := range orderBy {
		at := fmt.Sprintf("%s/orderBy/%d", b.ptr, i)
		name, df, err := b.field(ctx, at+"/field", o.Field)
		if err != nil {
			return err
		}
		if df != nil && !df.Sortable {
			b.p.addf(nil, at+"/field", "INVALID_SORT_OPTION", "%s cannot be sorted on", name)
		}
		if i == 0 {
			sb.WriteString(" ORDER BY ")
		} else {
			sb.WriteString(", ")
		}
		sb.WriteString(name)
		switch o.Direction {
		case "desc":
			sb.WriteString(" DESC")
		}
		switch o.Nulls {
		case "first":
			sb.WriteString(" NULLS FIRST")
		case "last":
			sb.WriteString(" NULLS LAST")
		}
	}
	if limit > 0 {
		sb.WriteString(" LIMIT ")
		sb.WriteString(strconv.Itoa(limit))
	}
	return nil
}

// selectList writes the fields, then the TYPEOF expressions, then the
// aggregates; in an aggregate query every field must be grouped.
func (b *builder) selectList(ctx context.Context, sb *strings.Builder, q *sfgate.StructuredQuery) error {
	seen := make(map[string]bool, len(q.Fields))
	rels := make(map[string]bool) // parent relationships the fields read through
	first := true
	for i, f := range q.Fields {
		where := fmt.Sprintf("/fields/%d", i)
		name, _, err := b.path(ctx, where, f)
		if err != nil {
			return err
		}
		if name == "" || seen[strings.ToLower(name)] {
			continue // a problem, or a duplicate Salesforce would refuse
		}
		if b.agg != nil && !b.agg.groups[strings.ToLower(name)] {
			b.p.addf(nil, where, "MALFORMED_QUERY", "%s must be grouped (named in groupBy) in an aggregate query", name)
			continue
		}
		seen[strings.ToLower(name)] = true
		if rel, _, ok := strings.Cut(name, "."); ok {
			rels[strings.ToLower(rel)] = true
		}
		if !first {
			sb.WriteString(", ")
		}
		first = false
		sb.WriteString(name)
	}
	for i := range q.TypeOf {
		var w strings.Builder
		if err := b.typeOf(ctx, &w, fmt.Sprintf("/typeOf/%d", i), &q.TypeOf[i], rels); err != nil {
			return err
		}
		if w.Len() > 0 {
			if !first {
				sb.WriteString(", ")
			}
			first = false
			sb.WriteString(w.String())
		}
	}
	if b.agg != nil {
		if err := b.selectAggregates(ctx, sb, q, first); err != nil {
			return err
		}
		first = first && len(q.Aggregates) == 0
	}
	for i := range q.Children {
		if !first {
			sb.WriteString(", ")
		}
		first = false
		if err := b.child(ctx, sb, i, &q.Children[i]); err != nil {
			return err
		}
	}
	if first && b.p.empty() {
		b.p.addf(nil, "/fields", "minItems", "selects nothing: name fields, typeOf, aggregates or children")
	}
	return nil
}

// path resolves a field or parent path ("Owner.Name") from the root and
// returns its canonical spelling and the final field's describe. Problems
// are recorded (name ""); an error is a failure to describe.
func (b *builder) path(ctx context.Context, where, path string) (string, *partner.DescribeField, error) {
	segs := strings.Split(path, ".")
	objs := []*metadata.Object{b.root}
	canon := make([]string, 0, len(segs))
	for _, seg := range segs[:len(segs)-1] {
		var rel *partner.DescribeField
		for i, x := range objs {
			rf, ok := x.Parent(seg)
			if !ok && x != staticName {
				nx, err := b.objs.refreshed(ctx, x, seg)
				if err != nil {
					return "", nil, err
				}
				objs[i] = nx
				rf, ok = nx.Parent(seg)
			}
			if !ok {
				b.p.addf(nil, where, "INVALID_FIELD", "%s has no parent relationship %s", x.Name, seg)
				return "", nil, nil
			}
			if rel == nil {
				rel = rf
			}
		}
		canon = append(canon, rel.RelationshipName)
		next, err := b.targets(ctx, rel)
		if err != nil {
			return "", nil, err
		}
		if len(next) == 0 {
			b.p.addf(nil, where, "INVALID_FIELD", "%s points to no object this gateway can describe", seg)
			return "", nil, nil
		}
		objs = next
	}
	last := segs[len(segs)-1]
	var df *partner.DescribeField
	for i, x := range objs {
		f, ok := x.Field(last)
		if !ok && x != staticName {
			nx, err := b.objs.refreshed(ctx, x, last)
			if err != nil {
				return "", nil, err
			}
			objs[i] = nx
			f, ok = nx.Field(last)
		}
		if !ok {
			b.p.addf(nil, where, codeUnknownField, "%s has no field %s", x.Name, last)
			return "", nil, nil
		}
		if df == nil {
			df = f
		}
	}
	canon = append(canon, df.Name)
	return strings.Join(canon, "."), df, nil
}

// cond writes one node of the where tree.
func (b *builder) cond(ctx context.Context, w *strings.Builder, where string, c *sfgate.Condition, depth int) error {
	*b.nodes++
	if depth > maxWhereDepth || *b.nodes > maxWhereNodes {
		b.p.addf(nil, where, "QUERY_TOO_COMPLICATED", "nests deeper than %d levels or has more than %d nodes", maxWhereDepth, maxWhereNodes)
		return nil
	}
	kinds := 0
	for _, set := range []bool{c.And != nil, c.Or != nil, c.Not != nil, c.Field != "" || c.Op != "" || c.Value != nil} {
		if set {
			kinds++
		}
	}
	if kinds != 1 {
		b.p.addf(nil, where, "oneOf", "must be exactly one of and, or, not, or a comparison (field, op, value)")
		return nil
	}
	switch {
	case c.And != nil || c.Or != nil:
		list, op, key := c.And, " AND ", "and"
		if c.Or != nil {
			list, op, key = c.Or, " OR ", "or"
		}
		w.WriteByte('(')
		for i := range list {
			if i > 0 {
				w.WriteString(op)
			}
			if err := b.cond(ctx, w, fmt.Sprintf("%s/%s/%d", where, key, i), &list[i], depth+1); err != nil {
				return err
			}
		}
		w.WriteByte(')')
		return nil
	case c.Not != nil:
		w.WriteString("(NOT ")
		if err := b.cond(ctx, w, where+"/not", c.Not, depth+1); err != nil {
			return err
		}
		w.WriteByte(')')
		return nil
	}
	return b.comparison(ctx, w, where, c)
}

// comparison writes a leaf of the where tree: a filterable field, an
// operator its type takes, and the value typed against it.
func (b *builder) comparison(ctx context.Context, w *strings.Builder, where string, c *sfgate.Condition) error {
	name, df, err := b.field(ctx, where+"/field", c.Field)
	if err != nil || df == nil {
		return err
	}
	k := kindOf(df)
	if !df.Filterable {
		b.p.addf(nil, where+"/field", "INVALID_QUERY_FILTER_OPERATOR", "%s cannot be filtered on", name)
		return nil
	}
	if !opAllowed(c.Op, k) {
		b.p.addf(nil, where+"/op", "INVALID_QUERY_FILTER_OPERATOR", "%q is not an operator for %s, a %s field", c.Op, name, df.Type)
		return nil
	}
	w.WriteString(name)
	switch c.Op {
	case "in", "notIn", "includes", "excludes":
		b.listValue(w, where+"/value", df, k, c)
	default:
		b.scalarValue(w, where+"/value", df, k, c)
	}
	return nil
}

// listOps are the SOQL of the operators that take a list of values.
var listOps = map[string]string{"in": " IN (", "notIn": " NOT IN (", "includes": " INCLUDES (", "excludes": " EXCLUDES ("}

// listValue writes the operator and values of an in, notIn, includes or
// excludes; includes and excludes also take one string.
func (b *builder) listValue(w *strings.Builder, where string, df *partner.DescribeField, k kind, c *sfgate.Condition) {
	list, ok := c.Value.([]any)
	if !ok {
		s, isStr := c.Value.(string)
		if !isStr || (c.Op != "includes" && c.Op != "excludes") {
			b.p.addf(nil, where, "type", "%s takes an array of values", c.Op)
			return
		}
		list = []any{s}
	}
	w.WriteString(listOps[c.Op])
	for i, v := range list {
		if i > 0 {
			w.WriteString(", ")
		}
		lit, e := literal(df, k, v, c.Op)
		if e != nil {
			b.p.add(nil, fmt.Sprintf("%s/%d", where, i), e)
			return
		}
		w.WriteString(lit)
	}
	w.WriteByte(')')
}

// scalarValue writes the operator and value of a comparison with one
// value; null is compared with = and != only.
func (b *builder) scalarValue(w *strings.Builder, where string, df *partner.DescribeField, k kind, c *sfgate.Condition) {
	if c.Value == nil {
		if c.Op != "=" && c.Op != "!=" {
			b.p.addf(nil, where, "type", "null is compared with = and != only")
			return
		}
		w.WriteString(" " + c.Op + " null")
		return
	}
	if _, isList := c.Value.([]any); isList {
		b.p.addf(nil, where, "type", "%s takes one value, not an array", c.Op)
		return
	}
	lit, e := literal(df, k, c.Value, c.Op)
	if e != nil {
		b.p.add(nil, where, e)
		return
	}
	if c.Op == "like" {
		w.WriteString(" LIKE ")
	} else {
		w.WriteString(" " + c.Op + " ")
	}
	w.WriteString(lit)
}

// opAllowed reports whether op applies to fields of kind k.
func opAllowed(op string, k kind) bool {
	switch op {
	case "=", "!=":
		return k != kAddress && k != kLocation && k != kBase64
	case "<", "<=", ">", ">=":
		switch k {
		case kString, kID, kInt, kLong, kDecimal, kDate, kDateTime, kTime:
			return true
		}
	case "like":
		return k == kString || k == kPicklist
	case "in", "notIn":
		switch k {
		case kString, kPicklist, kID, kInt, kLong, kDecimal, kDate, kDateTime, kTime, kAny:
			return true
		}
	case "includes", "excludes":
		return k == kMultiPicklist
	}
	return false
}

// literal formats one value for a comparison with field df: strings are
// quoted and escaped, everything else is typed and written from its parsed
// form, never from the caller's text.
func literal(df *partner.DescribeField, k kind, v any, op string) (string, *valueError) {
	str := func() (string, *valueError) {
		s, ok := v.(string)
		if !ok {
			return "", verr(codeWrongType, "%s (%s) is compared with a string, not %s", df.Name, df.Type, jsonKind(v))
		}
		if e := checkXML(s); e != nil {
			return "", e
		}
		return s, nil
	}
	switch k {
	case kString, kPicklist, kMultiPicklist:
		s, e := str()
		if e != nil {
			return "", e
		}
		return quote(s), nil
	case kID:
		s, e := str()
		if e != nil {
			return "", e
		}
		id, err := partner.NormalizeID(s)
		if err != nil {
			return "", verr(codeMalformedID, "%s", partner.IDProblem(s))
		}
		return quote(id), nil
	case kBool:
		bv, ok := v.(bool)
		if !ok {
			return "", verr(codeWrongType, "%s is compared with true or false, not %s", df.Name, jsonKind(v))
		}
		return strconv.FormatBool(bv), nil
	case kInt, kLong, kDecimal:
		n, ok := v.(json.Number)
		if !ok {
			return "", verr(codeWrongType, "%s (%s) is compared with a number, not %s", df.Name, df.Type, jsonKind(v))
		}
		d, ok := parseDecimal(string(n))
		if !ok {
			return "", verr(codeWrongType, "is not a number")
		}
		if k != kDecimal && !d.isInteger() {
			return "", verr(codeWrongType, "%s (%s) is compared with a whole number", df.Name, df.Type)
		}
		return d.String(), nil
	case kDate:
		s, e := str()
		if e != nil {
			return "", e
		}
		if _, err := time.Parse(sfDate, s); err != nil {
			return "", verr(codeBadDate, "is not a date YYYY-MM-DD")
		}
		return s, nil
	case kDateTime:
		s, e := str()
		if e != nil {
			return "", e
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return "", verr(codeBadDate, "is not an RFC 3339 date-time such as 2024-05-01T12:30:00Z")
		}
		t = t.UTC()
		if t.Nanosecond() != 0 {
			return t.Format(soqlDateTimeFrac), nil
		}
		return t.Format(soqlDateTimeZ), nil
	case kTime:
		s, e := str()
		if e != nil {
			return "", e
		}
		t, ok := parseTime(s)
		if !ok {
			return "", verr(codeBadDate, "is not a time HH:MM[:SS[.sss]][Z]")
		}
		return t, nil
	case kAny:
		switch x := v.(type) {
		case string:
			if e := checkXML(x); e != nil {
				return "", e
			}
			return quote(x), nil
		case bool:
			return strconv.FormatBool(x), nil
		case json.Number:
			if d, ok := parseDecimal(string(x)); ok {
				return d.String(), nil
			}
		}
		return "", verr(codeWrongType, "is not a string, number or boolean")
	}
	return "", verr("INVALID_QUERY_FILTER_OPERATOR", "%s (%s) cannot be compared", df.Name, df.Type)
}

// quote returns s as a SOQL string literal. SOQL's escapes (SOQL and SOSL
// Reference, "Quoted String Escape Sequences"): \' \" \\ \n \r \t \b \f.
// In a LIKE pattern the caller's % and _ stay wildcards; a backslash is a
// literal backslash, never an escape the caller controls.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'':
			b.WriteString(`\'`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
