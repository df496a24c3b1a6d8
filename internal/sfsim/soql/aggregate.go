package soql

import (
	"strconv"
	"strings"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// Aggregate queries (SOQL and SOSL Reference: Aggregate Functions, GROUP BY,
// GROUP BY ROLLUP, GROUP BY CUBE, GROUPING(), HAVING, Using Aliases with
// GROUP BY; https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby.htm
// and the pages beside it). The records that pass WHERE are grouped; each
// group becomes one synthetic record holding its grouped values and every
// aggregate the query names (SELECT, HAVING, ORDER BY), keyed by a field of
// a synthetic object, so HAVING, ORDER BY, LIMIT and OFFSET reuse the
// record machinery over the groups.

// isAggregate reports a query whose rows are AggregateResults.
func isAggregate(q *Query) bool {
	if len(q.GroupBy) > 0 {
		return true
	}
	for _, it := range q.Select {
		if it.Kind == SelectCountOf || (it.Kind == SelectFunc && (it.Func == "GROUPING" || it.Arg != nil && it.Arg.Kind == SelectCountOf)) {
			return true
		}
	}
	return false
}

type aggPlan struct {
	groups []*fieldRef
	sets   [][]bool // grouping sets: which grouped fields each keeps
	cols   []aggCol
	exprs  []*aggExpr
	obj    *meta.Object // synthetic: one field per grouped field and expression
	having pred
	order  []orderKey
	limit  int
	offset int
}

// aggCol is one AggregateResult field in SELECT order.
type aggCol struct {
	name  string
	key   string      // the synthetic field it reads
	xsi   string      // its xsi:type
	fn    string      // FORMAT or TOLABEL applied on output
	field *meta.Field // the field the function formats as
}

type aggExpr struct {
	fn    string    // COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX, GROUPING
	ref   *fieldRef // the argument
	group int       // GROUPING: index of the grouped field
	key   string
	field meta.Field // the synthetic field: its type is the result's
}

type aggBuilder struct {
	ex   *exec
	q    *Query
	obj  *meta.Object
	a    *aggPlan
	keys map[string]bool
	byEx map[string]*aggExpr
}

func (b *aggBuilder) key(base string) string {
	k := base
	for i := 1; b.keys[strings.ToLower(k)]; i++ {
		k = base + "_" + strconv.Itoa(i)
	}
	b.keys[strings.ToLower(k)] = true
	return k
}

// group finds the grouped field a path names, or -1.
func (b *aggBuilder) group(ref *fieldRef) int {
	for i, g := range b.a.groups {
		if strings.EqualFold(g.path, ref.path) {
			return i
		}
	}
	return -1
}

// expr registers an aggregate function call, once per distinct call.
func (b *aggBuilder) expr(it *SelectItem) (*aggExpr, *Error) {
	ref, err := b.ex.resolve(b.q, b.obj, it.Field)
	if err != nil {
		return nil, err
	}
	id := it.Func + "(" + strings.ToLower(ref.path) + ")"
	if e, ok := b.byEx[id]; ok {
		return e, nil
	}
	e := &aggExpr{fn: it.Func, ref: ref, group: -1}
	switch it.Func {
	case "COUNT", "COUNT_DISTINCT":
		e.field = meta.Field{Type: "int"}
	case "GROUPING":
		e.group = b.group(ref)
		if e.group < 0 {
			return nil, errorAt(CodeMalformedQuery, b.q.text, it.Field.Off, "Field must be grouped or aggregated: "+ref.path)
		}
		e.field = meta.Field{Type: "int"}
	case "SUM", "AVG":
		if categoryOf(ref.leaf) != catNumber {
			return nil, errorAt(CodeMalformedQuery, b.q.text, it.Field.Off,
				"field "+ref.leaf.Name+" does not support aggregate operator "+it.Func)
		}
		e.field = meta.Field{Type: "double"}
	default: // MIN, MAX
		switch categoryOf(ref.leaf) {
		case catBool, catMulti, catCompound, catOther:
			return nil, errorAt(CodeMalformedQuery, b.q.text, it.Field.Off,
				"field "+ref.leaf.Name+" does not support aggregate operator "+it.Func)
		}
		e.field = *ref.leaf
	}
	e.key = b.key(it.Func + "_" + ref.leaf.Name)
	e.field.Name, e.field.Filterable, e.field.Sortable = e.key, true, true
	b.byEx[id] = e
	b.a.exprs = append(b.a.exprs, e)
	return e, nil
}

func (ex *exec) compileAggregate(p *plan, depth int) *Error {
	q := p.q
	b := &aggBuilder{ex: ex, q: q, obj: p.obj, a: &aggPlan{limit: p.limit, offset: p.offset}, keys: map[string]bool{}, byEx: map[string]*aggExpr{}}
	p.agg, p.limit, p.offset = b.a, -1, 0
	if depth > 0 {
		return errorAt(CodeMalformedQuery, q.text, q.From.Off, "Aggregate functions and GROUP BY are not supported in a subquery")
	}
	if q.ForUpdate {
		return errorAt(CodeMalformedQuery, q.text, q.From.Off, "FOR UPDATE is not allowed in an aggregate query")
	}
	var gfields []meta.Field
	for _, g := range q.GroupBy {
		ref, err := ex.resolve(q, p.obj, g)
		if err != nil {
			return err
		}
		if !ref.leaf.Groupable {
			// The describe's groupable flag decides (Considerations for
			// GROUP BY); wording as for filter and sort.
			return errorAt(CodeInvalidField, q.text, g.Off, "field '"+ref.leaf.Name+"' can not be grouped in a query call")
		}
		b.a.groups = append(b.a.groups, ref)
		f := *ref.leaf
		f.Name = b.key(ref.leaf.Name)
		gfields = append(gfields, f)
	}
	b.a.sets = groupingSets(len(b.a.groups), q.Rollup, q.Cube)
	if err := b.columns(gfields); err != nil {
		return err
	}
	having, order, err := b.rewrite(gfields)
	if err != nil {
		return err
	}
	syn := &meta.Object{Name: p.obj.Name, Fields: gfields}
	for _, e := range b.a.exprs {
		syn.Fields = append(syn.Fields, e.field)
	}
	b.a.obj = syn
	sq := &Query{text: q.text}
	if having != nil {
		w, err := ex.compileExpr(sq, syn, having, depth)
		if err != nil {
			return err
		}
		b.a.having = w
	}
	for _, o := range order {
		ref, err := ex.resolve(sq, syn, o.Field)
		if err != nil {
			return err
		}
		b.a.order = append(b.a.order, orderKey{ref: ref, cat: categoryOf(ref.leaf), desc: o.Desc, nullsFirst: o.NullsFirst})
	}
	return nil
}

// groupingSets lists which grouped fields each set of groups keeps: one set
// for GROUP BY; for ROLLUP(a, b) (a, b), (a), () — subtotals then the grand
// total; for CUBE every subset, largest first.
func groupingSets(n int, rollup, cube bool) [][]bool {
	set := func(keep func(i int) bool) []bool {
		s := make([]bool, n)
		for i := range s {
			s[i] = keep(i)
		}
		return s
	}
	switch {
	case rollup:
		var out [][]bool
		for k := n; k >= 0; k-- {
			out = append(out, set(func(i int) bool { return i < k }))
		}
		return out
	case cube:
		var out [][]bool
		for size := n; size >= 0; size-- {
			for mask := (1 << n) - 1; mask >= 0; mask-- {
				if popcount(mask) == size {
					out = append(out, set(func(i int) bool { return mask&(1<<(n-1-i)) != 0 }))
				}
			}
		}
		return out
	}
	return [][]bool{set(func(int) bool { return true })}
}

func popcount(m int) int {
	n := 0
	for ; m > 0; m &= m - 1 {
		n++
	}
	return n
}

// columns compiles the SELECT list. Unaliased aggregates are named expr0,
// expr1, … in order, counting only unaliased aggregates; grouped fields keep
// their field name (Using Aliases with GROUP BY,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby_alias.htm).
func (b *aggBuilder) columns(gfields []meta.Field) *Error {
	q, n := b.q, 0
	seen := map[string]bool{}
	for i := range q.Select {
		it := &q.Select[i]
		var col aggCol
		switch {
		case it.Kind == SelectSubquery || it.Kind == SelectTypeOf:
			// "You can't use child relationship expressions … in a query
			// that uses a GROUP BY clause" (Considerations for GROUP BY).
			off := q.From.Off
			if it.Sub != nil {
				off = it.Sub.From.Off
			} else if it.TypeOf != nil {
				off = it.TypeOf.Rel.Off
			}
			return errorAt(CodeMalformedQuery, q.text, off, "Field must be grouped or aggregated")
		case it.Kind == SelectCountOf || it.Func == "GROUPING" || it.Arg != nil:
			inner := it
			if it.Arg != nil {
				inner = it.Arg
			}
			if inner.Kind != SelectCountOf && inner.Func != "GROUPING" {
				// FORMAT(convertCurrency(x)) in a grouped query: format the
				// grouped field.
				ic := *inner
				ic.Kind = SelectField
				c, err := b.groupedCol(&ic, gfields)
				if err != nil {
					return err
				}
				col = c
				break
			}
			e, err := b.expr(inner)
			if err != nil {
				return err
			}
			col = aggCol{key: e.key, xsi: xsdType(&e.field)}
			if it.Func == "FORMAT" {
				f := e.field
				col.fn, col.field, col.xsi = "FORMAT", &f, "xsd:string"
			}
			if it.Alias == "" {
				col.name = "expr" + strconv.Itoa(n)
				n++
			}
		default: // a grouped field, maybe through toLabel/FORMAT/convertCurrency
			c, err := b.groupedCol(it, gfields)
			if err != nil {
				return err
			}
			col = c
		}
		if it.Alias != "" {
			col.name = it.Alias
		}
		if seen[strings.ToLower(col.name)] {
			return plainError(CodeInvalidField, "duplicate alias: "+col.name)
		}
		seen[strings.ToLower(col.name)] = true
		b.a.cols = append(b.a.cols, col)
	}
	return nil
}

// groupedCol is a SELECT item that must be one of the grouped fields.
func (b *aggBuilder) groupedCol(it *SelectItem, gfields []meta.Field) (aggCol, *Error) {
	ref, err := b.ex.resolve(b.q, b.obj, it.Field)
	if err != nil {
		return aggCol{}, err
	}
	g := b.group(ref)
	if g < 0 {
		return aggCol{}, errorAt(CodeMalformedQuery, b.q.text, it.Field.Off, "Field must be grouped or aggregated: "+ref.leaf.Name)
	}
	col := aggCol{name: ref.leaf.Name, key: gfields[g].Name, xsi: xsdType(ref.leaf)}
	if it.Kind == SelectFunc && it.Func != "CONVERTCURRENCY" {
		if err := checkFunc(b.q, it, ref.leaf); err != nil {
			return aggCol{}, err
		}
		col.fn, col.field = it.Func, ref.leaf
		if it.Func == "FORMAT" {
			col.xsi = "xsd:string"
		}
	}
	return col, nil
}

// rewrite turns HAVING and ORDER BY into conditions and keys over the
// synthetic object: an aggregate or a grouped field becomes its key.
func (b *aggBuilder) rewrite(gfields []meta.Field) (Expr, []OrderItem, *Error) {
	q := b.q
	name := func(n Name, agg *SelectItem, what string) (Name, *Error) {
		if agg != nil {
			e, err := b.expr(agg)
			if err != nil {
				return Name{}, err
			}
			return Name{Text: e.key, Off: n.Off}, nil
		}
		ref, err := b.ex.resolve(q, b.obj, n)
		if err != nil {
			return Name{}, err
		}
		g := b.group(ref)
		if g < 0 {
			return Name{}, errorAt(CodeMalformedQuery, q.text, n.Off, what+" must be grouped or aggregated: "+ref.leaf.Name)
		}
		return Name{Text: gfields[g].Name, Off: n.Off}, nil
	}
	var having Expr
	if q.Having != nil {
		h, err := rewriteExpr(q.Having, func(c *Cond) (*Cond, *Error) {
			if c.Sub != nil {
				return nil, errorAt(CodeMalformedQuery, q.text, c.OpOff, "unexpected token: '"+c.Op+"'")
			}
			n, err := name(c.Field, c.Agg, "Field")
			if err != nil {
				return nil, err
			}
			cc := *c
			cc.Field, cc.Agg = n, nil
			return &cc, nil
		})
		if err != nil {
			return nil, nil, err
		}
		having = h
	}
	order := make([]OrderItem, len(q.OrderBy))
	for i, o := range q.OrderBy {
		n, err := name(o.Field, o.Agg, "Ordered field")
		if err != nil {
			return nil, nil, err
		}
		order[i] = OrderItem{Field: n, Desc: o.Desc, NullsFirst: o.NullsFirst}
	}
	return having, order, nil
}

// rewriteExpr copies a condition tree, replacing each leaf.
func rewriteExpr(e Expr, leaf func(*Cond) (*Cond, *Error)) (Expr, *Error) {
	switch e := e.(type) {
	case *AndExpr, *OrExpr:
		terms, isAnd := andTerms(e)
		out := make([]Expr, len(terms))
		for i, t := range terms {
			r, err := rewriteExpr(t, leaf)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		if isAnd {
			return &AndExpr{Terms: out}, nil
		}
		return &OrExpr{Terms: out}, nil
	case *NotExpr:
		x, err := rewriteExpr(e.X, leaf)
		if err != nil {
			return nil, err
		}
		return &NotExpr{X: x}, nil
	case *Cond:
		return leaf(e)
	}
	return e, nil
}

// xsdType is the xsi:type an AggregateResult value of field f carries.
func xsdType(f *meta.Field) string {
	switch f.Type {
	case "int":
		return "xsd:int"
	case "double", "currency", "percent":
		return "xsd:double"
	case "boolean":
		return "xsd:boolean"
	case "date":
		return "xsd:date"
	case "datetime":
		return "xsd:dateTime"
	case "time":
		return "xsd:time"
	}
	return "xsd:string"
}
