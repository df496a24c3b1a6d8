package soql

import (
	"strconv"
	"strings"
)

// Query is a parsed SOQL statement (or a child or semi-join subquery). It is
// syntax only: names are checked against the schema by Execute, so one Query
// can run against any org snapshot.
type Query struct {
	Select  []SelectItem
	From    Name
	Alias   string
	Where   Expr // nil when there is no WHERE clause
	OrderBy []OrderItem
	Limit   *int
	Offset  *int
	// Count reports a SELECT COUNT() query, whose answer is a size only.
	Count bool
	// With is the WITH clause's mode: SECURITY_ENFORCED, USER_MODE or
	// SYSTEM_MODE (upper case), "" when absent.
	With string
	// GroupBy lists the grouped fields; Rollup or Cube says which subtotal
	// form wrapped them (GROUP BY ROLLUP(…) / CUBE(…)).
	GroupBy []Name
	Rollup  bool
	Cube    bool
	Having  Expr // nil when there is no HAVING clause
	// For is VIEW or REFERENCE (FOR VIEW / FOR REFERENCE), "" when absent;
	// ForUpdate is FOR UPDATE.
	For       string
	ForUpdate bool

	text string // the whole statement, for error messages
}

// Name is an identifier or dotted field path with the offset where it starts
// in the query text.
type Name struct {
	Text string
	Off  int
}

// Parts splits a dotted path into its segments.
func (n Name) Parts() []string { return strings.Split(n.Text, ".") }

// SelectKind tells what a SELECT item is.
type SelectKind int

// The kinds of SELECT item.
const (
	SelectField    SelectKind = iota // a field or parent path
	SelectSubquery                   // a child relationship subquery
	SelectCountOf                    // an aggregate function: COUNT(field), SUM(field), …
	SelectFunc                       // toLabel, FORMAT, convertCurrency or GROUPING
	SelectTypeOf                     // TYPEOF … END
)

// SelectItem is one entry of the SELECT list (or, for aggregates, of a
// HAVING or ORDER BY expression).
type SelectItem struct {
	Kind  SelectKind
	Field Name   // SelectField, and the argument of SelectCountOf/SelectFunc
	Sub   *Query // SelectSubquery
	// Func is the function's name in upper case: COUNT, COUNT_DISTINCT,
	// SUM, AVG, MIN, MAX for SelectCountOf; TOLABEL, FORMAT,
	// CONVERTCURRENCY, GROUPING for SelectFunc.
	Func    string
	FuncOff int
	// Arg is a nested function argument, as in FORMAT(MIN(CloseDate)) or
	// FORMAT(convertCurrency(Amount)); Field is then unused.
	Arg      *SelectItem
	Alias    string
	AliasOff int
	TypeOf   *TypeOf // SelectTypeOf
}

// TypeOf is a TYPEOF expression over a polymorphic relationship: per
// object type the fields to read, and the fields for any other type.
type TypeOf struct {
	Rel   Name
	Whens []When
	Else  []Name
}

// When is one WHEN type THEN fields branch of a TYPEOF.
type When struct {
	Type   Name
	Fields []Name
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Field      Name
	Agg        *SelectItem // ORDER BY an aggregate function, e.g. COUNT(Id) DESC
	Desc       bool
	NullsFirst bool // after defaults: true for ASC, false for DESC unless NULLS given
}

// Expr is a WHERE condition: *AndExpr, *OrExpr, *NotExpr or *Cond.
type Expr interface {
	String() string
	isExpr()
}

// AndExpr is a conjunction.
type AndExpr struct{ Terms []Expr }

// OrExpr is a disjunction.
type OrExpr struct{ Terms []Expr }

// NotExpr negates its operand.
type NotExpr struct{ X Expr }

// Cond compares a field with a value, a value list, or a semi-join subquery.
type Cond struct {
	Field  Name
	Agg    *SelectItem // HAVING on an aggregate function, e.g. COUNT(Id) > 1
	Op     string      // = != < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES
	OpOff  int
	Values []Value // one for comparisons and LIKE, any number for the lists
	Sub    *Query  // IN / NOT IN (SELECT …)
}

func (*AndExpr) isExpr() {}
func (*OrExpr) isExpr()  {}
func (*NotExpr) isExpr() {}
func (*Cond) isExpr()    {}

// ValueKind is the lexical kind of a literal.
type ValueKind int

// Literal kinds.
const (
	ValString ValueKind = iota
	ValNumber
	ValBool
	ValNull
	ValDate
	ValDateTime
	ValDateLiteral // TODAY, LAST_N_DAYS:n, …
)

// Value is a literal in a WHERE clause.
type Value struct {
	Kind ValueKind
	Text string // source spelling (date literal name without its :n)
	Str  string // decoded string literal
	Pat  string // string literal with LIKE escapes kept
	N    int    // the n of LAST_N_DAYS:n and friends
	HasN bool
	Off  int
}

// String renders the query back as SOQL, for debugging.
func (q *Query) String() string {
	var b strings.Builder
	b.WriteString("SELECT ")
	if q.Count {
		b.WriteString("COUNT()")
	}
	for i, it := range q.Select {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(it.String())
	}
	b.WriteString(" FROM " + q.From.Text)
	if q.Alias != "" {
		b.WriteString(" " + q.Alias)
	}
	if q.Where != nil {
		b.WriteString(" WHERE " + q.Where.String())
	}
	if q.With != "" {
		b.WriteString(" WITH " + q.With)
	}
	q.writeGroup(&b)
	for i, o := range q.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		if o.Agg != nil {
			b.WriteString(o.Agg.String())
		} else {
			b.WriteString(o.Field.Text)
		}
		if o.Desc {
			b.WriteString(" DESC")
		} else {
			b.WriteString(" ASC")
		}
		if o.NullsFirst {
			b.WriteString(" NULLS FIRST")
		} else {
			b.WriteString(" NULLS LAST")
		}
	}
	if q.Limit != nil {
		b.WriteString(" LIMIT " + strconv.Itoa(*q.Limit))
	}
	if q.Offset != nil {
		b.WriteString(" OFFSET " + strconv.Itoa(*q.Offset))
	}
	if q.For != "" {
		b.WriteString(" FOR " + q.For)
	}
	if q.ForUpdate {
		b.WriteString(" FOR UPDATE")
	}
	return b.String()
}

func (q *Query) writeGroup(b *strings.Builder) {
	if len(q.GroupBy) == 0 {
		return
	}
	b.WriteString(" GROUP BY ")
	names := make([]string, len(q.GroupBy))
	for i, g := range q.GroupBy {
		names[i] = g.Text
	}
	switch {
	case q.Rollup:
		b.WriteString("ROLLUP(" + strings.Join(names, ", ") + ")")
	case q.Cube:
		b.WriteString("CUBE(" + strings.Join(names, ", ") + ")")
	default:
		b.WriteString(strings.Join(names, ", "))
	}
	if q.Having != nil {
		b.WriteString(" HAVING " + q.Having.String())
	}
}

// String renders one SELECT item as SOQL.
func (it SelectItem) String() string {
	var s string
	switch it.Kind {
	case SelectSubquery:
		return "(" + it.Sub.String() + ")"
	case SelectTypeOf:
		return it.TypeOf.String()
	case SelectCountOf, SelectFunc:
		arg := it.Field.Text
		if it.Arg != nil {
			arg = it.Arg.String()
		}
		s = it.Func + "(" + arg + ")"
	default:
		s = it.Field.Text
	}
	if it.Alias != "" {
		s += " " + it.Alias
	}
	return s
}

// String renders the TYPEOF expression as SOQL.
func (t *TypeOf) String() string {
	var b strings.Builder
	b.WriteString("TYPEOF " + t.Rel.Text)
	list := func(ns []Name) string {
		parts := make([]string, len(ns))
		for i, n := range ns {
			parts[i] = n.Text
		}
		return strings.Join(parts, ", ")
	}
	for _, w := range t.Whens {
		b.WriteString(" WHEN " + w.Type.Text + " THEN " + list(w.Fields))
	}
	if len(t.Else) > 0 {
		b.WriteString(" ELSE " + list(t.Else))
	}
	b.WriteString(" END")
	return b.String()
}

func (e *AndExpr) String() string { return joinExpr(e.Terms, " AND ") }
func (e *OrExpr) String() string  { return joinExpr(e.Terms, " OR ") }
func (e *NotExpr) String() string { return "NOT (" + e.X.String() + ")" }

func (c *Cond) String() string {
	var b strings.Builder
	if c.Agg != nil {
		b.WriteString(c.Agg.String() + " " + c.Op + " ")
	} else {
		b.WriteString(c.Field.Text + " " + c.Op + " ")
	}
	switch {
	case c.Sub != nil:
		b.WriteString("(" + c.Sub.String() + ")")
	case c.Op == "IN" || c.Op == "NOT IN" || c.Op == "INCLUDES" || c.Op == "EXCLUDES":
		b.WriteString("(")
		for i, v := range c.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(v.String())
		}
		b.WriteString(")")
	case len(c.Values) > 0:
		b.WriteString(c.Values[0].String())
	}
	return b.String()
}

// String renders the literal as SOQL.
func (v Value) String() string {
	switch v.Kind {
	case ValString:
		// Pat keeps every backslash as an escape (\\ \% \_) and has the
		// rest decoded, so only quotes and control characters need escaping.
		return "'" + strings.NewReplacer(`'`, `\'`, `"`, `\"`, "\n", `\n`, "\r", `\r`, "\t", `\t`, "\b", `\b`, "\f", `\f`).Replace(v.Pat) + "'"
	case ValDateLiteral:
		if v.HasN {
			return v.Text + ":" + strconv.Itoa(v.N)
		}
	}
	return v.Text
}

func joinExpr(terms []Expr, sep string) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		s := t.String()
		if _, leaf := t.(*Cond); !leaf {
			s = "(" + s + ")"
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}
