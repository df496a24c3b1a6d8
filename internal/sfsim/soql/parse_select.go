package soql

import "strings"

// aggregateFuncs are SOQL's aggregate functions (SOQL and SOSL Reference,
// Aggregate Functions,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_agg_functions.htm).
var aggregateFuncs = map[string]bool{
	"COUNT": true, "COUNT_DISTINCT": true, "SUM": true, "AVG": true, "MIN": true, "MAX": true,
}

// fieldFuncs are the other SELECT functions the engine knows (SOQL SELECT
// Functions,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_functions.htm).
var fieldFuncs = map[string]bool{
	"TOLABEL": true, "FORMAT": true, "CONVERTCURRENCY": true, "GROUPING": true,
}

func (p *parser) selectList(q *Query, depth int) *Error {
	if t := p.peek(); isKw(t, "COUNT") && p.at(1).kind == tkLParen && p.at(2).kind == tkRParen {
		p.pos += 3
		q.Count = true
		return nil // COUNT() stands alone: anything else is FROM's problem
	}
	for {
		t := p.peek()
		up := strings.ToUpper(t.text)
		switch {
		case t.kind == tkLParen:
			if depth >= maxRelationshipDepth-1 || !isKw(p.at(1), "SELECT") {
				return p.unexpected(p.at(1))
			}
			p.pos++
			sub, err := p.query(depth + 1)
			if err != nil {
				return err
			}
			if sub.Count {
				return errorAt(CodeMalformedQuery, p.text, sub.From.Off, "COUNT() is not allowed in a subquery")
			}
			if _, err := p.expect(tkRParen); err != nil {
				return err
			}
			q.Select = append(q.Select, SelectItem{Kind: SelectSubquery, Sub: sub})
		case t.kind == tkIdent && (aggregateFuncs[up] || fieldFuncs[up]) && p.at(1).kind == tkLParen:
			it, err := p.call(true)
			if err != nil {
				return err
			}
			p.alias(it)
			q.Select = append(q.Select, *it)
		case isKw(t, "TYPEOF"):
			to, err := p.typeOf()
			if err != nil {
				return err
			}
			q.Select = append(q.Select, SelectItem{Kind: SelectTypeOf, TypeOf: to})
		case t.kind == tkIdent && !reserved[strings.ToLower(t.text)]:
			if strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
				return p.unexpected(t)
			}
			p.pos++
			it := &SelectItem{Kind: SelectField, Field: Name{Text: t.text, Off: t.off}}
			// Only grouped queries may alias a field (Execute checks). A word
			// not followed by a comma or FROM is no alias but a misspelling
			// (SELECT Id FORM Account), reported where it stands.
			if n := p.at(1); n.kind == tkComma || isKw(n, "FROM") {
				p.alias(it)
			}
			q.Select = append(q.Select, *it)
		default:
			return p.unexpected(t)
		}
		if p.peek().kind != tkComma {
			return nil
		}
		p.pos++
	}
}

// alias takes an alias after a SELECT item when one follows.
func (p *parser) alias(it *SelectItem) {
	if a := p.peek(); a.kind == tkIdent && !reserved[strings.ToLower(a.text)] && !strings.Contains(a.text, ".") {
		it.Alias, it.AliasOff = a.text, a.off
		p.pos++
	}
}

// call parses FUNC(field) or, when nested is true, FORMAT(MIN(field)) and
// FORMAT(convertCurrency(field)). The current token is the function name.
func (p *parser) call(nested bool) (*SelectItem, *Error) {
	t := p.next()
	up := strings.ToUpper(t.text)
	it := &SelectItem{Kind: SelectFunc, Func: up, FuncOff: t.off}
	if aggregateFuncs[up] {
		it.Kind = SelectCountOf
	}
	p.pos++ // (
	a := p.peek()
	switch {
	case nested && up == "FORMAT" && a.kind == tkIdent && p.at(1).kind == tkLParen &&
		(aggregateFuncs[strings.ToUpper(a.text)] || strings.EqualFold(a.text, "convertCurrency")):
		arg, err := p.call(false)
		if err != nil {
			return nil, err
		}
		it.Arg = arg
		it.Field = arg.Field
	case a.kind == tkIdent && !reserved[strings.ToLower(a.text)]:
		p.pos++
		it.Field = Name{Text: a.text, Off: a.off}
	default:
		return nil, p.unexpected(a)
	}
	if _, err := p.expect(tkRParen); err != nil {
		return nil, err
	}
	return it, nil
}

// typeOf parses TYPEOF rel WHEN Type THEN f, … [ELSE f, …] END (SOQL and
// SOSL Reference, TYPEOF,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_typeof.htm).
func (p *parser) typeOf() (*TypeOf, *Error) {
	p.pos++ // TYPEOF
	rel := p.peek()
	if rel.kind != tkIdent || reserved[strings.ToLower(rel.text)] {
		return nil, p.unexpected(rel)
	}
	p.pos++
	to := &TypeOf{Rel: Name{Text: rel.text, Off: rel.off}}
	for p.acceptKw("WHEN") {
		typ := p.peek()
		if typ.kind != tkIdent { // Group is an object here, not GROUP BY
			return nil, p.unexpected(typ)
		}
		p.pos++
		if err := p.expectKw("THEN"); err != nil {
			return nil, err
		}
		fields, err := p.nameList()
		if err != nil {
			return nil, err
		}
		to.Whens = append(to.Whens, When{Type: Name{Text: typ.text, Off: typ.off}, Fields: fields})
	}
	if len(to.Whens) == 0 {
		return nil, p.unexpected(p.peek())
	}
	if p.acceptKw("ELSE") {
		fields, err := p.nameList()
		if err != nil {
			return nil, err
		}
		to.Else = fields
	}
	if err := p.expectKw("END"); err != nil {
		return nil, err
	}
	return to, nil
}

// nameList parses field, field, … (no functions, no aliases).
func (p *parser) nameList() ([]Name, *Error) {
	var out []Name
	for {
		t := p.peek()
		if t.kind != tkIdent || reserved[strings.ToLower(t.text)] || isKw(t, "WHEN") || isKw(t, "ELSE") || isKw(t, "END") ||
			strings.HasSuffix(t.text, ".") || strings.Contains(t.text, "..") {
			return nil, p.unexpected(t)
		}
		p.pos++
		out = append(out, Name{Text: t.text, Off: t.off})
		if p.peek().kind != tkComma {
			return out, nil
		}
		p.pos++
	}
}

// withGroupHaving parses what may follow WHERE before ORDER BY: WITH,
// GROUP BY [ROLLUP|CUBE] and HAVING (SOQL SELECT Syntax,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm).
func (p *parser) withGroupHaving(q *Query, depth int) *Error {
	if p.acceptKw("WITH") {
		t := p.peek()
		switch up := strings.ToUpper(t.text); {
		case t.kind == tkIdent && (up == "SECURITY_ENFORCED" || up == "USER_MODE" || up == "SYSTEM_MODE"):
			q.With = up
			p.pos++
		default:
			return p.unexpected(t)
		}
	}
	if !p.acceptKw("GROUP") {
		return nil
	}
	if err := p.expectKw("BY"); err != nil {
		return err
	}
	paren := false
	switch {
	case isKw(p.peek(), "ROLLUP") && p.at(1).kind == tkLParen:
		q.Rollup, paren = true, true
	case isKw(p.peek(), "CUBE") && p.at(1).kind == tkLParen:
		q.Cube, paren = true, true
	}
	if paren {
		p.pos += 2
	}
	for {
		f := p.peek()
		if f.kind != tkIdent || reserved[strings.ToLower(f.text)] {
			return p.unexpected(f)
		}
		p.pos++
		q.GroupBy = append(q.GroupBy, Name{Text: f.text, Off: f.off})
		if p.peek().kind != tkComma {
			break
		}
		p.pos++
	}
	if paren {
		if _, err := p.expect(tkRParen); err != nil {
			return err
		}
	}
	if p.acceptKw("HAVING") {
		p.having = true
		e, err := p.orExpr(depth)
		p.having = false
		if err != nil {
			return err
		}
		q.Having = e
	}
	return nil
}

// forClauses parses FOR VIEW / FOR REFERENCE and FOR UPDATE, which end a
// statement (SOQL SELECT Syntax).
func (p *parser) forClauses(q *Query) *Error {
	if p.code != CodeMalformedQuery {
		return nil
	}
	for isKw(p.peek(), "FOR") {
		t := p.at(1)
		switch {
		case q.For == "" && !q.ForUpdate && (isKw(t, "VIEW") || isKw(t, "REFERENCE")):
			q.For = strings.ToUpper(t.text)
		case !q.ForUpdate && isKw(t, "UPDATE"):
			q.ForUpdate = true
		default:
			return p.unexpected(t)
		}
		p.pos += 2
	}
	return nil
}
