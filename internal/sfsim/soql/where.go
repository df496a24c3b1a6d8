package soql

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// pred is a compiled WHERE condition.
type pred func(ex *exec, rec meta.Record) bool

func (ex *exec) compileExpr(q *Query, obj *meta.Object, e Expr, depth int) (pred, *Error) {
	switch e := e.(type) {
	case *AndExpr, *OrExpr:
		terms, isAnd := andTerms(e)
		ps := make([]pred, len(terms))
		for i, t := range terms {
			p, err := ex.compileExpr(q, obj, t, depth)
			if err != nil {
				return nil, err
			}
			ps[i] = p
		}
		if isAnd {
			return func(ex *exec, r meta.Record) bool {
				for _, p := range ps {
					if !p(ex, r) {
						return false
					}
				}
				return true
			}, nil
		}
		return func(ex *exec, r meta.Record) bool {
			for _, p := range ps {
				if p(ex, r) {
					return true
				}
			}
			return false
		}, nil
	case *NotExpr:
		p, err := ex.compileExpr(q, obj, e.X, depth)
		if err != nil {
			return nil, err
		}
		return func(ex *exec, r meta.Record) bool { return !p(ex, r) }, nil
	case *Cond:
		return ex.compileCond(q, obj, e, depth)
	}
	return nil, plainError(CodeMalformedQuery, "unsupported condition")
}

func andTerms(e Expr) ([]Expr, bool) {
	if a, ok := e.(*AndExpr); ok {
		return a.Terms, true
	}
	return e.(*OrExpr).Terms, false
}

// operand is a literal converted for one field's type.
type operand struct {
	null  bool
	s     string // strings (lower-cased), ids (canonical)
	f     float64
	r     *big.Rat
	t     time.Time
	from  time.Time // date literal range [from, to)
	to    time.Time
	rng   bool
	set   map[string]bool // multipicklist value
	isSet bool
}

func (ex *exec) compileCond(q *Query, obj *meta.Object, c *Cond, depth int) (pred, *Error) {
	ref, err := ex.resolve(q, obj, c.Field)
	if err != nil {
		return nil, err
	}
	f := ref.leaf
	if !f.Filterable {
		return nil, errorAt(CodeInvalidField, q.text, c.Field.Off,
			"field '"+f.Name+"' can not be filtered in a query call")
	}
	cat := categoryOf(f)
	if c.Sub != nil {
		return ex.compileSemiJoin(q, ref, c, depth)
	}
	if len(c.Values) == 0 { // only a hand-built Query can get here
		return nil, errorAt(CodeMalformedQuery, q.text, c.OpOff, "unexpected token: '"+c.Op+"'")
	}
	switch c.Op {
	case "LIKE":
		if cat != catString {
			// Seen for ids: "invalid operator on id field"; the other
			// type words follow the same pattern.
			word := typeWord(f)
			if cat == catID {
				word = "id"
			}
			return nil, errorAt(CodeInvalidFilterOp, q.text, c.OpOff, "invalid operator on "+word+" field")
		}
		v := c.Values[0]
		if v.Kind != ValString {
			return nil, errorAt(CodeInvalidField, q.text, v.Off,
				"value of filter criterion for field '"+f.Name+"' must be of type string and should be enclosed in quotes")
		}
		pat := v.Pat
		return func(ex *exec, r meta.Record) bool {
			s, ok := ex.value(r, ref)
			return ok && likeMatch(pat, s)
		}, nil
	case "INCLUDES", "EXCLUDES":
		if cat != catMulti {
			return nil, errorAt(CodeInvalidFilterOp, q.text, c.OpOff,
				"includes or excludes operator only valid on multipicklist field")
		}
		var want []map[string]bool
		for _, v := range c.Values {
			if v.Kind != ValString {
				return nil, errorAt(CodeInvalidField, q.text, v.Off,
					"value of filter criterion for field '"+f.Name+"' must be of type string and should be enclosed in quotes")
			}
			want = append(want, splitMulti(v.Str))
		}
		excl := c.Op == "EXCLUDES"
		return func(ex *exec, r meta.Record) bool {
			s, _ := ex.value(r, ref)
			have := splitMulti(s)
			hit := false
			for _, w := range want {
				all := len(w) > 0
				for k := range w {
					if !have[k] {
						all = false
						break
					}
				}
				if all {
					hit = true
					break
				}
			}
			return hit != excl
		}, nil
	}
	if cat == catCompound || cat == catOther {
		return nil, errorAt(CodeInvalidField, q.text, c.Field.Off,
			"field '"+f.Name+"' can not be filtered in a query call")
	}
	ops := make([]operand, len(c.Values))
	for i, v := range c.Values {
		o, err := ex.operand(q, f, cat, v, c.Op)
		if err != nil {
			return nil, err
		}
		ops[i] = o
	}
	op := c.Op
	switch op {
	case "IN", "NOT IN":
		neg := op == "NOT IN"
		return func(ex *exec, r meta.Record) bool {
			s, ok := ex.value(r, ref)
			for _, o := range ops {
				if matchEq(cat, s, ok, o, ex.loc) {
					return !neg
				}
			}
			return neg
		}, nil
	}
	o := ops[0]
	return func(ex *exec, r meta.Record) bool {
		s, ok := ex.value(r, ref)
		return compareOp(op, cat, s, ok, o, ex.loc)
	}, nil
}

// operand converts a literal for field f, failing as Salesforce does when
// the literal's kind does not suit the field's type.
func (ex *exec) operand(q *Query, f *meta.Field, cat category, v Value, op string) (operand, *Error) {
	if v.Kind == ValNull {
		if cat == catBool {
			// "= null" on a boolean means "= false" (docs: null in WHERE).
			return operand{s: "false"}, nil
		}
		return operand{null: true}, nil
	}
	mismatch := func() *Error {
		quoted := "should not be enclosed in quotes"
		if cat == catString || cat == catID || cat == catMulti {
			quoted = "should be enclosed in quotes"
		}
		// Real error bodies show INVALID_FIELD for dates and dateTimes but
		// MALFORMED_QUERY for a quoted number (docs/sfsim-soql.md).
		code := CodeInvalidField
		if cat == catNumber {
			code = CodeMalformedQuery
		}
		return errorAt(code, q.text, v.Off,
			"value of filter criterion for field '"+f.Name+"' must be of type "+typeWord(f)+" and "+quoted)
	}
	switch cat {
	case catString, catTime:
		if v.Kind != ValString {
			return operand{}, mismatch()
		}
		if v.Str == "" {
			return operand{null: true}, nil
		}
		return operand{s: strings.ToLower(v.Str)}, nil
	case catMulti:
		if v.Kind != ValString {
			return operand{}, mismatch()
		}
		if v.Str == "" {
			return operand{null: true}, nil
		}
		return operand{set: splitMulti(v.Str), isSet: true}, nil
	case catID:
		if v.Kind != ValString {
			return operand{}, mismatch()
		}
		if v.Str == "" {
			return operand{null: true}, nil
		}
		if !validID(v.Str) {
			return operand{}, errorAt(CodeInvalidFilterOp, q.text, v.Off, "invalid ID field: "+v.Str)
		}
		return operand{s: canonID(v.Str)}, nil
	case catBool:
		if v.Kind != ValBool || (op != "=" && op != "!=" && op != "IN" && op != "NOT IN") {
			return operand{}, mismatch()
		}
		return operand{s: v.Text}, nil
	case catNumber:
		if v.Kind != ValNumber {
			return operand{}, mismatch()
		}
		r, ok := parseRat(v.Text)
		if !ok {
			return operand{}, mismatch()
		}
		f, _ := strconv.ParseFloat(strings.TrimPrefix(v.Text, "+"), 64)
		return operand{r: r, f: f}, nil
	case catDate, catDateTime:
		switch {
		case v.Kind == ValDateLiteral:
			spec, ok := dateLiterals[strings.ToUpper(v.Text)]
			if !ok {
				return operand{}, errorAt(CodeMalformedQuery, q.text, v.Off, "unexpected token: '"+v.Text+"'")
			}
			from, to := spec.span(ex.today, v.N)
			return operand{rng: true, from: from, to: to}, nil
		case v.Kind == ValDate && cat == catDate:
			t, ok := parseDate(v.Text, ex.loc)
			if !ok {
				return operand{}, errorAt(CodeInvalidField, q.text, v.Off, "invalid date: "+v.Text)
			}
			return operand{t: t}, nil
		case v.Kind == ValDateTime && cat == catDateTime:
			t, ok := parseDateTime(v.Text)
			if !ok {
				return operand{}, errorAt(CodeInvalidField, q.text, v.Off, "invalid dateTime: "+v.Text)
			}
			return operand{t: t}, nil
		}
		return operand{}, mismatch()
	}
	return operand{}, mismatch()
}

// fieldTime reads a stored date or dateTime for comparison.
func fieldTime(cat category, s string, loc *time.Location) (time.Time, bool) {
	if cat == catDate {
		return parseDate(s, loc)
	}
	return parseDateTime(s)
}

// matchEq is "=" with SOQL's null rules: null only equals null.
func matchEq(cat category, s string, ok bool, o operand, loc *time.Location) bool {
	if !ok || o.null {
		return !ok && o.null
	}
	switch cat {
	case catString, catTime:
		return strings.ToLower(s) == o.s
	case catID:
		return canonID(s) == o.s
	case catBool:
		return s == o.s
	case catMulti:
		have := splitMulti(s)
		if len(have) != len(o.set) {
			return false
		}
		for k := range o.set {
			if !have[k] {
				return false
			}
		}
		return true
	case catNumber:
		c, good := compareNumber(s, o)
		return good && c == 0
	case catDate, catDateTime:
		t, good := fieldTime(cat, s, loc)
		if !good {
			return false
		}
		if o.rng {
			return !t.Before(o.from) && t.Before(o.to)
		}
		return t.Equal(o.t)
	}
	return false
}

// compareOp applies a comparison operator. SOQL's null rules differ from
// SQL's: "!=" is true when exactly one side is null, and ordering operators
// are false on a null field.
func compareOp(op string, cat category, s string, ok bool, o operand, loc *time.Location) bool {
	switch op {
	case "=":
		return matchEq(cat, s, ok, o, loc)
	case "!=":
		return !matchEq(cat, s, ok, o, loc)
	}
	if !ok || o.null {
		return false
	}
	var c int
	switch cat {
	case catNumber:
		n, good := compareNumber(s, o)
		if !good {
			return false
		}
		c = n
	case catDate, catDateTime:
		t, good := fieldTime(cat, s, loc)
		if !good {
			return false
		}
		if o.rng {
			switch op {
			case "<":
				return t.Before(o.from)
			case "<=":
				return t.Before(o.to)
			case ">":
				return !t.Before(o.to)
			case ">=":
				return !t.Before(o.from)
			}
			return false
		}
		c = t.Compare(o.t)
	case catID:
		c = strings.Compare(canonID(s), o.s)
	case catString, catTime:
		c = strings.Compare(strings.ToLower(s), o.s)
	default:
		return false
	}
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// compareNumber compares a stored decimal with a literal exactly, parsing
// the exact rational only when the floats tie (see cmpDecimal).
func compareNumber(s string, o operand) (int, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	if f != o.f {
		return cmpDecimal(f, nil, o.f, nil), true
	}
	r, ok := parseRat(s)
	if !ok {
		return 0, false
	}
	return r.Cmp(o.r), true
}

// compileSemiJoin handles Id IN (SELECT AccountId FROM Contact …): the
// subquery runs once and its ids form a set.
func (ex *exec) compileSemiJoin(q *Query, ref *fieldRef, c *Cond, depth int) (pred, *Error) {
	if categoryOf(ref.leaf) != catID {
		return nil, errorAt(CodeInvalidField, q.text, c.Field.Off,
			"The left operand field in the where expression for outer query should be an id field, cannot use: '"+ref.leaf.Name+"'")
	}
	sub := c.Sub
	sobj, err := ex.object(sub)
	if err != nil {
		return nil, err
	}
	if sub.Count || len(sub.Select) != 1 || sub.Select[0].Kind != SelectField {
		off := sub.From.Off
		if len(sub.Select) > 1 {
			off = sub.Select[1].Field.Off
		}
		return nil, errorAt(CodeMalformedQuery, q.text, off, "semi join sub-selects can only query a single field")
	}
	sref, err := ex.resolve(sub, sobj, sub.Select[0].Field)
	if err != nil {
		return nil, err
	}
	if categoryOf(sref.leaf) != catID {
		return nil, errorAt(CodeInvalidField, q.text, sub.Select[0].Field.Off,
			"semi join sub selects can only query id fields, cannot use: '"+sref.leaf.Name+"'")
	}
	sp, err := ex.compile(sub, sobj, depth+1)
	if err != nil {
		return nil, err
	}
	neg := c.Op == "NOT IN"
	return func(ex *exec, r meta.Record) bool {
		set, ok := ex.semis[sp]
		if !ok {
			set = map[string]bool{}
			for _, row := range ex.selectRows(sp, ex.src.Records(sp.obj.Name)) {
				if v, ok := ex.value(row, sref); ok {
					set[canonID(v)] = true
				}
			}
			ex.semis[sp] = set
		}
		v, ok := ex.value(r, ref)
		return (ok && set[canonID(v)]) != neg
	}, nil
}
