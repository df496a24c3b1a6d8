package soql

import (
	"math/big"
	"strconv"
	"strings"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// runAggregate groups the rows that passed WHERE and builds one
// AggregateResult row per group that passes HAVING, ordered and sliced by
// ORDER BY, LIMIT and OFFSET. Groups come in the order their first record
// appears (store order), each grouping set after the previous one
// (ROLLUP's subtotals after the detail rows, the grand total last).
func (ex *exec) runAggregate(p *plan, rows []meta.Record) *Result {
	a := p.agg
	var groups []meta.Record
	for _, set := range a.sets {
		groups = append(groups, ex.groupSet(a, set, rows)...)
	}
	sp := &plan{where: a.having, order: a.order, limit: a.limit, offset: a.offset}
	groups = ex.selectRows(sp, groups)
	res := &Result{Size: len(groups), Rows: make([]*Row, len(groups)), Aggregate: true}
	for i, g := range groups {
		row := &Row{Type: "AggregateResult", Items: make([]Item, len(a.cols))}
		for j, c := range a.cols {
			v := g[c.key]
			if c.fn != "" && v != "" {
				v = ex.applyFunc(c.fn, c.field, v)
			}
			row.Items[j] = Item{Kind: ItemScalar, Name: c.name, Value: v, Null: v == "", XSIType: c.xsi}
		}
		res.Rows[i] = row
	}
	return res
}

// groupSet groups rows by the grouped fields set keeps and computes each
// group's synthetic record. Without GROUP BY there is one group, also over
// no rows (COUNT() of nothing is 0); a grouping set that keeps no field
// (ROLLUP's or CUBE's grand total) yields a row only when there are rows.
func (ex *exec) groupSet(a *aggPlan, set []bool, rows []meta.Record) []meta.Record {
	type bucket struct {
		first meta.Record
		rows  []meta.Record
	}
	var order []string
	buckets := map[string]*bucket{}
	for _, r := range rows {
		var k strings.Builder
		for i, g := range a.groups {
			if !set[i] {
				continue
			}
			v, ok := ex.value(r, g)
			k.WriteString(groupKey(categoryOf(g.leaf), v, ok))
			k.WriteByte(0)
		}
		b := buckets[k.String()]
		if b == nil {
			b = &bucket{first: r}
			buckets[k.String()] = b
			order = append(order, k.String())
		}
		b.rows = append(b.rows, r)
	}
	if len(a.groups) == 0 && len(rows) == 0 {
		order, buckets[""] = []string{""}, &bucket{}
	}
	out := make([]meta.Record, 0, len(order))
	for _, k := range order {
		b := buckets[k]
		rec := meta.Record{}
		for i, g := range a.groups {
			if set[i] && b.first != nil {
				if v, ok := ex.value(b.first, g); ok {
					rec[a.obj.Fields[i].Name] = v
				}
			}
		}
		for _, e := range a.exprs {
			if e.fn == "GROUPING" {
				rec[e.key] = "0"
				if !set[e.group] {
					rec[e.key] = "1"
				}
				continue
			}
			if v := ex.aggregate(e, b.rows); v != "" {
				rec[e.key] = v
			}
		}
		out = append(out, rec)
	}
	return out
}

// groupKey is a value's identity for grouping: text ignores case, ids their
// 15/18-character form, numbers their exact value; null is a group of its
// own.
func groupKey(cat category, v string, ok bool) string {
	if !ok {
		return "\x01null"
	}
	switch cat {
	case catString:
		return strings.ToLower(v)
	case catID:
		return canonID(v)
	case catNumber:
		if r, ok := parseRat(v); ok {
			return r.RatString()
		}
	}
	return v
}

// aggregate computes one aggregate function over a group's rows, in wire
// form: counts as integers, SUM and AVG as doubles (Java's
// Double.toString, as Salesforce writes xsd:double), MIN and MAX as the
// field's own value. Empty means null (SUM of no values).
func (ex *exec) aggregate(e *aggExpr, rows []meta.Record) string {
	cat := categoryOf(e.ref.leaf)
	switch e.fn {
	case "COUNT":
		n := 0
		for _, r := range rows {
			if _, ok := ex.value(r, e.ref); ok {
				n++
			}
		}
		return strconv.Itoa(n)
	case "COUNT_DISTINCT":
		seen := map[string]bool{}
		for _, r := range rows {
			if v, ok := ex.value(r, e.ref); ok {
				seen[groupKey(cat, v, true)] = true
			}
		}
		return strconv.Itoa(len(seen))
	case "SUM", "AVG":
		sum, n := new(big.Rat), 0
		for _, r := range rows {
			v, ok := ex.value(r, e.ref)
			if !ok {
				continue
			}
			if x, ok := parseRat(v); ok {
				sum.Add(sum, x)
				n++
			}
		}
		if n == 0 {
			return ""
		}
		if e.fn == "AVG" {
			sum.Quo(sum, new(big.Rat).SetInt64(int64(n)))
		}
		f, _ := sum.Float64()
		return meta.FormatDouble(f)
	}
	var best string
	var bestKey sortKey
	found := false
	for _, r := range rows {
		v, ok := ex.value(r, e.ref)
		if !ok {
			continue
		}
		k := makeSortKey(cat, v, true, ex.loc)
		if c := compareKeys(k, bestKey); !found || (e.fn == "MIN" && c < 0) || (e.fn == "MAX" && c > 0) {
			best, bestKey, found = v, k, true
		}
	}
	return best
}
