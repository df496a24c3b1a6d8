package service

import (
	"regexp"
	"strings"
)

// rquery is what one SELECT names: the top-level statement, a child
// subquery (from is then a child relationship of the enclosing object) or
// a semi-join (from is an object). Names are kept as written; values are
// skipped.
type rquery struct {
	from     token
	alias    string
	paths    []token  // every field path named: SELECT, WHERE, GROUP BY, HAVING, ORDER BY, function arguments
	fields   []string // FIELDS(ALL|STANDARD|CUSTOM), upper case
	typeofs  []rtypeof
	children []*rquery
	semis    []*rquery
}

// rtypeof is TYPEOF rel WHEN Type THEN fields … ELSE fields END.
type rtypeof struct {
	rel   token
	whens []rwhen
	els   []token
}

type rwhen struct {
	object token
	fields []token
}

// parseSOQL reads a SOQL statement.
func parseSOQL(s string) (*rquery, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	t := &tokens{toks: toks}
	q, err := t.query()
	if err != nil {
		return nil, err
	}
	if t.peek().kind != tEOF {
		return nil, t.unexpected("expected the end of the statement")
	}
	return q, nil
}

// query reads SELECT … FROM … and its clauses, up to the end of the
// statement or the parenthesis closing a subquery.
func (t *tokens) query() (*rquery, error) {
	if err := t.enter(); err != nil {
		return nil, err
	}
	defer t.leave()
	q := &rquery{}
	if err := t.expect("SELECT"); err != nil {
		return nil, err
	}
	for {
		if err := t.selectItem(q); err != nil {
			return nil, err
		}
		if !t.accept(",") {
			break
		}
	}
	if err := t.expect("FROM"); err != nil {
		return nil, err
	}
	if err := t.fromClause(q); err != nil {
		return nil, err
	}
	return q, t.clauses(q)
}

// soqlClauses are the keywords that may follow FROM object: a name there
// is a clause, not an alias.
var soqlClauses = map[string]bool{
	"USING": true, "WHERE": true, "WITH": true, "GROUP": true, "HAVING": true, "ORDER": true,
	"LIMIT": true, "OFFSET": true, "FOR": true, "UPDATE": true, "FROM": true,
}

func (t *tokens) fromClause(q *rquery) error {
	tok := t.next()
	if tok.kind != tIdent || strings.Contains(tok.text, ".") {
		t.pos--
		return t.unexpected("expected an object name after FROM")
	}
	q.from = tok
	if a := t.peek(); a.kind == tIdent && !soqlClauses[strings.ToUpper(a.text)] && !strings.Contains(a.text, ".") {
		q.alias = t.next().text
	}
	if t.punct(",") {
		// FROM Contact c, c.Account a: the old relationship-join form.
		return t.unexpected("relationship joins in FROM are not supported; use a parent path")
	}
	return nil
}

// clauses reads what follows FROM, in SOQL's order.
func (t *tokens) clauses(q *rquery) error {
	if t.accept("USING") {
		if err := t.expect("SCOPE"); err != nil {
			return err
		}
		if t.next().kind != tIdent {
			t.pos--
			return t.unexpected("expected a scope after USING SCOPE")
		}
	}
	if t.accept("WHERE") {
		if err := t.cond(q); err != nil {
			return err
		}
	}
	if t.accept("WITH") {
		if !t.kw("SECURITY_ENFORCED") && !t.kw("USER_MODE") && !t.kw("SYSTEM_MODE") {
			return t.unexpected("expected SECURITY_ENFORCED, USER_MODE or SYSTEM_MODE after WITH")
		}
		t.next()
	}
	if t.accept("GROUP") {
		if err := t.groupBy(q); err != nil {
			return err
		}
	}
	if t.accept("HAVING") {
		if err := t.cond(q); err != nil {
			return err
		}
	}
	if t.accept("ORDER") {
		if err := t.orderBy(q); err != nil {
			return err
		}
	}
	for _, kw := range []string{"LIMIT", "OFFSET"} {
		if t.accept(kw) && t.next().kind != tNumber {
			t.pos--
			return t.unexpected("expected a number after " + kw)
		}
	}
	if t.accept("FOR") && !t.accept("VIEW") && !t.accept("REFERENCE") && !t.accept("UPDATE") {
		return t.unexpected("expected VIEW, REFERENCE or UPDATE after FOR")
	}
	return t.updateClause()
}

// updateClause reads UPDATE TRACKING / UPDATE VIEWSTAT, which reach nothing.
func (t *tokens) updateClause() error {
	if t.accept("UPDATE") {
		if !t.accept("TRACKING") && !t.accept("VIEWSTAT") {
			return t.unexpected("expected TRACKING or VIEWSTAT after UPDATE")
		}
		if t.accept(",") && !t.accept("TRACKING") && !t.accept("VIEWSTAT") {
			return t.unexpected("expected TRACKING or VIEWSTAT")
		}
	}
	return nil
}

// selectItem reads one entry of a SELECT list.
func (t *tokens) selectItem(q *rquery) error {
	tok := t.peek()
	switch {
	case tok.kind == tPunct && tok.text == "(":
		t.next()
		sub, err := t.query()
		if err != nil {
			return err
		}
		q.children = append(q.children, sub)
		return t.expect(")")
	case t.kw("TYPEOF") && t.peekAt(1).kind == tIdent && strings.EqualFold(t.peekAt(2).text, "WHEN"):
		return t.typeOf(q)
	case tok.kind != tIdent:
		return t.unexpected("expected a field, a function, TYPEOF or a subquery")
	}
	if t.peekAt(1).kind == tPunct && t.peekAt(1).text == "(" {
		if err := t.function(q); err != nil {
			return err
		}
	} else {
		q.paths = append(q.paths, t.next())
	}
	// An alias (aggregates, grouped fields, toLabel and friends).
	if a := t.peek(); a.kind == tIdent && !strings.EqualFold(a.text, "FROM") && !strings.Contains(a.text, ".") {
		t.next()
	}
	return nil
}

// typeOf reads TYPEOF rel WHEN Type THEN f, … [ELSE f, …] END.
func (t *tokens) typeOf(q *rquery) error {
	t.next() // TYPEOF
	to := rtypeof{rel: t.next()}
	for t.accept("WHEN") {
		w := rwhen{object: t.next()}
		if w.object.kind != tIdent {
			t.pos--
			return t.unexpected("expected an object after WHEN")
		}
		if err := t.expect("THEN"); err != nil {
			return err
		}
		var err error
		if w.fields, err = t.nameList(); err != nil {
			return err
		}
		to.whens = append(to.whens, w)
	}
	if t.accept("ELSE") {
		var err error
		if to.els, err = t.nameList(); err != nil {
			return err
		}
	}
	q.typeofs = append(q.typeofs, to)
	return t.expect("END")
}

// nameList reads f, g.h, … (the fields of a TYPEOF branch).
func (t *tokens) nameList() ([]token, error) {
	var out []token
	for {
		tok := t.next()
		if tok.kind != tIdent {
			t.pos--
			return nil, t.unexpected("expected a field")
		}
		out = append(out, tok)
		if !t.accept(",") {
			return out, nil
		}
	}
}

// soqlFunctions are the functions SOQL allows in SELECT, WHERE, GROUP BY,
// HAVING and ORDER BY; any other name is refused. Every name argument of
// them is a field path.
var soqlFunctions = map[string]bool{
	"COUNT": true, "COUNT_DISTINCT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true,
	"TOLABEL": true, "FORMAT": true, "CONVERTCURRENCY": true, "CONVERTTIMEZONE": true, "GROUPING": true,
	"DISTANCE": true, "GEOLOCATION": true, "FIELDS": true,
	"CALENDAR_MONTH": true, "CALENDAR_QUARTER": true, "CALENDAR_YEAR": true, "DAY_IN_MONTH": true,
	"DAY_IN_WEEK": true, "DAY_IN_YEAR": true, "DAY_ONLY": true, "FISCAL_MONTH": true,
	"FISCAL_QUARTER": true, "FISCAL_YEAR": true, "HOUR_IN_DAY": true, "WEEK_IN_MONTH": true, "WEEK_IN_YEAR": true,
}

// function reads name(args): field paths, literals and nested functions.
func (t *tokens) function(q *rquery) error {
	name := t.next()
	fn := strings.ToUpper(name.text)
	if !soqlFunctions[fn] {
		return rerr(name.off, "unknown function %q", name.text)
	}
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	t.next() // (
	if fn == "FIELDS" {
		arg := t.next()
		k := strings.ToUpper(arg.text)
		if arg.kind != tIdent || (k != "ALL" && k != "STANDARD" && k != "CUSTOM") {
			t.pos--
			return t.unexpected("expected ALL, STANDARD or CUSTOM in FIELDS()")
		}
		q.fields = append(q.fields, k)
		return t.expect(")")
	}
	if t.accept(")") {
		return nil // COUNT()
	}
	for {
		tok := t.peek()
		switch {
		case tok.kind == tIdent && t.peekAt(1).kind == tPunct && t.peekAt(1).text == "(":
			if err := t.function(q); err != nil {
				return err
			}
		case tok.kind == tIdent:
			q.paths = append(q.paths, t.next())
		case tok.kind == tString || tok.kind == tNumber:
			t.next()
		default:
			return t.unexpected("expected a function argument")
		}
		if !t.accept(",") {
			return t.expect(")")
		}
	}
}

// groupBy reads GROUP BY f, … or GROUP BY ROLLUP(…) / CUBE(…).
func (t *tokens) groupBy(q *rquery) error {
	if err := t.expect("BY"); err != nil {
		return err
	}
	wrapped := (t.kw("ROLLUP") || t.kw("CUBE")) && t.peekAt(1).text == "("
	if wrapped {
		t.next()
		t.next()
	}
	for {
		if err := t.operand(q); err != nil {
			return err
		}
		if !t.accept(",") {
			break
		}
	}
	if wrapped {
		return t.expect(")")
	}
	return nil
}

// orderBy reads ORDER BY key [ASC|DESC] [NULLS FIRST|LAST], ….
func (t *tokens) orderBy(q *rquery) error {
	if err := t.expect("BY"); err != nil {
		return err
	}
	for {
		if err := t.operand(q); err != nil {
			return err
		}
		_ = t.accept("ASC") || t.accept("DESC")
		if t.accept("NULLS") && !t.accept("FIRST") && !t.accept("LAST") {
			return t.unexpected("expected FIRST or LAST after NULLS")
		}
		if !t.accept(",") {
			return nil
		}
	}
}

// operand reads a field path or a function call.
func (t *tokens) operand(q *rquery) error {
	tok := t.peek()
	switch {
	case tok.kind == tIdent && t.peekAt(1).kind == tPunct && t.peekAt(1).text == "(":
		return t.function(q)
	case tok.kind == tIdent:
		q.paths = append(q.paths, t.next())
		return nil
	}
	return t.unexpected("expected a field or a function")
}

// cond reads a WHERE or HAVING condition: terms joined by AND and OR.
func (t *tokens) cond(q *rquery) error {
	for {
		if err := t.term(q); err != nil {
			return err
		}
		if !t.accept("AND") && !t.accept("OR") {
			return nil
		}
	}
}

func (t *tokens) term(q *rquery) error {
	if err := t.enter(); err != nil {
		return err
	}
	defer t.leave()
	if t.accept("NOT") {
		return t.term(q)
	}
	if t.accept("(") {
		if err := t.cond(q); err != nil {
			return err
		}
		return t.expect(")")
	}
	if err := t.operand(q); err != nil {
		return err
	}
	return t.comparison(q)
}

// comparison reads the operator and right-hand side of a condition: a
// value, a list of values, or a semi-join subquery.
func (t *tokens) comparison(q *rquery) error {
	op := t.next()
	list := false
	switch strings.ToUpper(op.text) {
	case "=", "!=", "<>", "<", "<=", ">", ">=", "LIKE":
	case "IN", "INCLUDES", "EXCLUDES":
		list = true
	case "NOT":
		if err := t.expect("IN"); err != nil {
			return err
		}
		list = true
	default:
		t.pos--
		return t.unexpected("expected a comparison operator")
	}
	if !list {
		return t.value()
	}
	if err := t.expect("("); err != nil {
		return err
	}
	if t.kw("SELECT") {
		sub, err := t.query()
		if err != nil {
			return err
		}
		q.semis = append(q.semis, sub)
		return t.expect(")")
	}
	for {
		if err := t.value(); err != nil {
			return err
		}
		if !t.accept(",") {
			return t.expect(")")
		}
	}
}

// dateLiteral matches SOQL's date literals and currency literals
// (USD5000), the names a value may be.
var dateLiteral = regexp.MustCompile(`^(?i:YESTERDAY|TODAY|TOMORROW|(LAST|THIS|NEXT)_(WEEK|MONTH|QUARTER|YEAR|FISCAL_QUARTER|FISCAL_YEAR)|LAST_90_DAYS|NEXT_90_DAYS|(LAST|NEXT)_N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)|N_(DAYS|WEEKS|MONTHS|QUARTERS|YEARS|FISCAL_QUARTERS|FISCAL_YEARS)_AGO|TRUE|FALSE|NULL|[A-Z]{3}[0-9][0-9.]*)$`)

// value reads one literal. A name is a value only if it is a date,
// boolean, null or currency literal: SOQL compares a field with values,
// never with another field, and a bind variable (:x) is Apex, not the API.
func (t *tokens) value() error {
	tok := t.next()
	switch tok.kind {
	case tString, tNumber:
		return nil
	case tIdent:
		if !dateLiteral.MatchString(tok.text) {
			t.pos--
			return t.unexpected("expected a value")
		}
		if t.accept(":") && t.next().kind != tNumber {
			t.pos--
			return t.unexpected("expected a number after the date literal's colon")
		}
		return nil
	}
	t.pos--
	return t.unexpected("expected a value")
}
