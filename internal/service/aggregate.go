package service

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Aggregate queries (SOQL and SOSL Reference: "Aggregate Functions",
// "GROUP BY", "GROUP BY ROLLUP", "GROUP BY CUBE", "HAVING", "Use Aliases with
// GROUP BY"; https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_groupby.htm
// and the pages beside it). Salesforce answers AggregateResult rows: each
// grouped field under its field name, each aggregate under its alias or,
// unaliased, expr0, expr1, … counting only unaliased aggregates in SELECT
// order; values carry their xsi:type and are typed by it.

// maxBatch is the largest QueryOptions batch size. A grouped query cannot
// be continued with queryMore ("Queries that include GROUP BY don't
// support queryMore()", SOQL and SOSL Reference, "Considerations for GROUP
// BY"): Salesforce faults EXCEEDED_ID_LIMIT when the groups do not fit one
// batch, so aggregate queries are always asked at this size.
const maxBatch = 2000

// maxSubtotalFields bounds GROUP BY ROLLUP and CUBE ("You can't include
// more than three fields in a GROUP BY ROLLUP/CUBE clause", SOQL and SOSL
// Reference, "GROUP BY ROLLUP" and "GROUP BY CUBE").
const maxSubtotalFields = 3

// aliasPattern is what an alias may be: an API name the document's
// FieldName pattern also allows. The keywords are those SOQL refuses as
// aliases (SOQL and SOSL Reference, "Alias Notation",
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_alias.htm);
// exprN is refused too, as it would collide with an unaliased aggregate's
// name.
var (
	aliasPattern    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	impliedAlias    = regexp.MustCompile(`(?i)^expr[0-9]+$`)
	reservedAliases = map[string]bool{
		"AND": true, "ASC": true, "DESC": true, "EXCLUDES": true, "FIRST": true, "FROM": true, "GROUP": true,
		"HAVING": true, "IN": true, "INCLUDES": true, "LAST": true, "LIKE": true, "LIMIT": true, "NOT": true,
		"NULL": true, "NULLS": true, "OR": true, "SELECT": true, "USING": true, "WHERE": true, "WITH": true,
	}
)

// aggColumn is an aggregate of the SELECT list: its SOQL, and the describe
// field that types comparisons with its value (HAVING).
type aggColumn struct {
	soql string
	df   *partner.DescribeField
}

// aggScope is what HAVING and ORDER BY of an aggregate query may name:
// the grouped fields (by canonical path) and the aggregates (by their
// record key: alias or exprN). active is set while they are being built.
type aggScope struct {
	groups  map[string]bool // lower-case canonical path
	columns map[string]aggColumn
	active  bool
}

// isAggregateQuery reports whether q asks for AggregateResult rows.
func isAggregateQuery(q *sfgate.StructuredQuery) bool {
	return len(q.Aggregates) > 0 || len(q.GroupBy) > 0
}

// field resolves a field named by a comparison or a sort key: a path from
// the root, or in HAVING and ORDER BY of an aggregate query a grouped
// field or an aggregate's key.
func (b *builder) field(ctx context.Context, where, path string) (string, *partner.DescribeField, error) {
	if b.agg == nil || !b.agg.active {
		return b.path(ctx, where, path)
	}
	if c, ok := b.agg.columns[strings.ToLower(path)]; ok {
		return c.soql, c.df, nil
	}
	name, df, err := b.path(ctx, where, path)
	if err != nil || df == nil {
		return name, df, err
	}
	if !b.agg.groups[strings.ToLower(name)] {
		b.p.addf(nil, where, "MALFORMED_QUERY", "%s is neither grouped (groupBy) nor the alias or exprN of an aggregate", name)
		return "", nil, nil
	}
	return name, df, nil
}

// groupBy checks the grouped fields and writes nothing: the GROUP BY
// clause comes after WHERE (groupClause).
func (b *builder) groupBy(ctx context.Context, q *sfgate.StructuredQuery) ([]string, error) {
	b.agg = &aggScope{groups: make(map[string]bool), columns: make(map[string]aggColumn)}
	keys := make(map[string]string) // record key → what it names
	var out []string
	for i, g := range q.GroupBy {
		where := fmt.Sprintf("/groupBy/%d", i)
		name, df, err := b.path(ctx, where, g)
		if err != nil {
			return nil, err
		}
		if df == nil || b.agg.groups[strings.ToLower(name)] {
			continue
		}
		if !df.Groupable {
			b.p.addf(nil, where, "INVALID_FIELD", "%s cannot be grouped (its describe says groupable: false)", name)
			continue
		}
		if prev, dup := keys[strings.ToLower(df.Name)]; dup {
			b.p.addf(nil, where, "DUPLICATE_ALIAS", "%s and %s would both come back as %s", prev, name, df.Name)
			continue
		}
		keys[strings.ToLower(df.Name)] = name
		b.agg.groups[strings.ToLower(name)] = true
		out = append(out, name)
	}
	switch q.GroupByMode {
	case "":
	case sfgate.GroupByRollup, sfgate.GroupByCube:
		if len(q.GroupBy) == 0 || len(q.GroupBy) > maxSubtotalFields {
			b.p.addf(nil, "/groupByMode", "MALFORMED_QUERY", "%s takes 1 to %d groupBy fields, not %d", q.GroupByMode, maxSubtotalFields, len(q.GroupBy))
		}
	default:
		b.p.addf(nil, "/groupByMode", "enum", "is rollup, cube or absent")
	}
	b.aggChecks(q)
	return out, nil
}

// aggChecks refuses what Salesforce refuses of an aggregate query as a
// whole.
func (b *builder) aggChecks(q *sfgate.StructuredQuery) {
	if len(q.TypeOf) > 0 {
		// "TYPEOF can't be used in a query with … GROUP BY" (SOQL and SOSL
		// Reference, "TYPEOF", Considerations).
		b.p.addf(nil, "/typeOf", "MALFORMED_QUERY", "cannot be used in an aggregate query (with aggregates or groupBy)")
	}
	if q.Having != nil && len(q.GroupBy) == 0 {
		// SOQL SELECT syntax: [GROUP BY … [HAVING …]].
		b.p.addf(nil, "/having", "MALFORMED_QUERY", "needs groupBy")
	}
	if q.Limit > 0 && len(q.GroupBy) == 0 {
		// "You can't use a LIMIT clause in a query that uses an aggregate
		// function, but does not use a GROUP BY clause" (SOQL and SOSL
		// Reference, "LIMIT").
		b.p.addf(nil, "/limit", "MALFORMED_QUERY", "cannot limit an aggregate query without groupBy: it answers one row")
	}
}

// selectAggregates writes the aggregates of the SELECT list (after the
// grouped fields) and registers their keys for HAVING and ORDER BY.
func (b *builder) selectAggregates(ctx context.Context, w *strings.Builder, q *sfgate.StructuredQuery, first bool) error {
	implied := 0
	for i, a := range q.Aggregates {
		where := fmt.Sprintf("/aggregates/%d", i)
		soql, df, err := b.aggregate(ctx, where, a)
		if err != nil {
			return err
		}
		key := a.Alias
		if key == "" {
			key = fmt.Sprintf("expr%d", implied)
			implied++
		} else if !b.alias(where+"/alias", a.Alias) {
			continue
		}
		if df == nil {
			continue
		}
		if _, dup := b.agg.columns[strings.ToLower(key)]; dup {
			b.p.addf(nil, where+"/alias", "DUPLICATE_ALIAS", "%s names two aggregates (aliases are case-insensitive)", key)
			continue
		}
		col := *df
		col.Name, col.Filterable, col.Sortable = key, true, true
		b.agg.columns[strings.ToLower(key)] = aggColumn{soql: soql, df: &col}
		if !first {
			w.WriteString(", ")
		}
		first = false
		w.WriteString(soql)
		if a.Alias != "" {
			w.WriteString(" " + a.Alias)
		}
	}
	return nil
}

// alias checks an alias: a name, no SOQL keyword, no implied exprN, no
// grouped field's name.
func (b *builder) alias(where, alias string) bool {
	switch {
	case !aliasPattern.MatchString(alias):
		b.p.addf(nil, where, "pattern", "must be a name: a letter, then letters, digits or _")
	case reservedAliases[strings.ToUpper(alias)]:
		b.p.addf(nil, where, "MALFORMED_QUERY", "%s is a SOQL keyword and cannot be an alias", alias)
	case impliedAlias.MatchString(alias):
		b.p.addf(nil, where, "DUPLICATE_ALIAS", "%s is the name Salesforce gives unaliased aggregates; choose another", alias)
	default:
		for g := range b.agg.groups {
			if strings.EqualFold(g[strings.LastIndexByte(g, '.')+1:], alias) {
				b.p.addf(nil, where, "DUPLICATE_ALIAS", "%s is also the key of a grouped field", alias)
				return false
			}
		}
		return true
	}
	return false
}

// aggregate checks one aggregate function against its field's describe
// (aggregatable; SUM and AVG take numbers; MIN and MAX no booleans,
// multi-select picklists or compounds) and returns its SOQL and the type
// of its value: COUNT and COUNT_DISTINCT integers, SUM and AVG doubles,
// MIN and MAX the field's own.
func (b *builder) aggregate(ctx context.Context, where string, a sfgate.Aggregate) (string, *partner.DescribeField, error) {
	fn := strings.ToUpper(a.Function)
	switch fn {
	case "COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX":
	default:
		b.p.addf(nil, where+"/function", "enum", "is one of COUNT, COUNT_DISTINCT, SUM, AVG, MIN, MAX")
		return "", nil, nil
	}
	name, df, err := b.path(ctx, where+"/field", a.Field)
	if err != nil || df == nil {
		return "", nil, err
	}
	soql := fn + "(" + name + ")"
	if !df.Aggregatable {
		b.p.addf(nil, where+"/field", "INVALID_FIELD", "%s cannot be aggregated (its describe says aggregatable: false)", name)
		return soql, nil, nil
	}
	switch k := kindOf(df); fn {
	case "COUNT", "COUNT_DISTINCT":
		return soql, &partner.DescribeField{Type: "int", SoapType: "xsd:int"}, nil
	case "SUM", "AVG":
		if k != kInt && k != kLong && k != kDecimal {
			b.p.addf(nil, where+"/field", "MALFORMED_QUERY", "%s of %s: %s takes a number field, not a %s field", fn, name, fn, df.Type)
			return soql, nil, nil
		}
		return soql, &partner.DescribeField{Type: "double", SoapType: "xsd:double"}, nil
	default:
		switch k {
		case kBool, kMultiPicklist, kAddress, kLocation, kBase64:
			b.p.addf(nil, where+"/field", "MALFORMED_QUERY", "%s of %s: %s does not take a %s field", fn, name, fn, df.Type)
			return soql, nil, nil
		}
		return soql, df, nil
	}
}

// groupClause writes GROUP BY (ROLLUP/CUBE) and HAVING.
func (b *builder) groupClause(ctx context.Context, w *strings.Builder, q *sfgate.StructuredQuery, groups []string) error {
	if len(groups) == 0 {
		return nil
	}
	w.WriteString(" GROUP BY ")
	list := strings.Join(groups, ", ")
	switch q.GroupByMode {
	case sfgate.GroupByRollup:
		list = "ROLLUP(" + list + ")"
	case sfgate.GroupByCube:
		list = "CUBE(" + list + ")"
	}
	w.WriteString(list)
	if q.Having == nil {
		return nil
	}
	var h strings.Builder
	b.agg.active = true
	defer func() { b.agg.active = false }()
	if err := b.cond(ctx, &h, "/having", q.Having, 0); err != nil {
		return err
	}
	w.WriteString(" HAVING " + h.String())
	return nil
}

// ---- raw SOQL ----

// callRaw runs raw SOQL. The gateway does not parse it, so it cannot know
// an aggregate query beforehand: when Salesforce refuses one whose groups
// do not fit the caller's batch (EXCEEDED_ID_LIMIT, "Aggregate query does
// not support queryMore()"), it asks once more at the largest batch, and
// only then passes the refusal on (a 400 with Salesforce's message).
func (s *Service) callRaw(ctx context.Context, soql string, r *run) (*partner.QueryResult, error) {
	res, err := s.call(ctx, soql, r.includeDeleted, r.pageSize)
	if partner.IsCode(err, partner.CodeExceededIDLimit) && r.pageSize < maxBatch {
		r.pageSize = maxBatch
		res, err = s.call(ctx, soql, r.includeDeleted, r.pageSize)
	}
	return res, err
}
