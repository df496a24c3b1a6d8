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
	SelectCountOf                    // COUNT(field) aggregate
)

// SelectItem is one entry of the SELECT list.
type SelectItem struct {
	Kind  SelectKind
	Field Name   // SelectField, SelectCountOf
	Sub   *Query // SelectSubquery
	Alias string // SelectCountOf
}

// OrderItem is one ORDER BY key.
type OrderItem struct {
	Field      Name
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
	Op     string // = != < <= > >= LIKE IN NOT IN INCLUDES EXCLUDES
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
		switch it.Kind {
		case SelectField:
			b.WriteString(it.Field.Text)
		case SelectCountOf:
			b.WriteString("COUNT(" + it.Field.Text + ")")
			if it.Alias != "" {
				b.WriteString(" " + it.Alias)
			}
		case SelectSubquery:
			b.WriteString("(" + it.Sub.String() + ")")
		}
	}
	b.WriteString(" FROM " + q.From.Text)
	if q.Alias != "" {
		b.WriteString(" " + q.Alias)
	}
	if q.Where != nil {
		b.WriteString(" WHERE " + q.Where.String())
	}
	for i, o := range q.OrderBy {
		if i == 0 {
			b.WriteString(" ORDER BY ")
		} else {
			b.WriteString(", ")
		}
		b.WriteString(o.Field.Text)
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
	return b.String()
}

func (e *AndExpr) String() string { return joinExpr(e.Terms, " AND ") }
func (e *OrExpr) String() string  { return joinExpr(e.Terms, " OR ") }
func (e *NotExpr) String() string { return "NOT (" + e.X.String() + ")" }

func (c *Cond) String() string {
	var b strings.Builder
	b.WriteString(c.Field.Text + " " + c.Op + " ")
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
