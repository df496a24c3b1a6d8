package service

import "strings"

// rsearch is what a SOSL statement names: the fields searched and the
// objects returned (each an rquery whose from is the object).
type rsearch struct {
	// scope is the IN … FIELDS group (ALL, NAME, EMAIL, PHONE, SIDEBAR);
	// ALL when the statement names none.
	scope string
	// returning is empty when the statement has no RETURNING: it then
	// searches every searchable object.
	returning []*rquery
}

// parseSOSL reads a SOSL statement: FIND {term} [IN group FIELDS]
// [RETURNING object[(fields [WHERE …] [ORDER BY …] [LIMIT n] [OFFSET n])], …]
// [WITH …] [LIMIT n] [UPDATE …] (SOQL and SOSL Reference, "SOSL Syntax",
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_sosl_syntax.htm).
func parseSOSL(s string) (*rsearch, error) {
	toks, err := lex(s)
	if err != nil {
		return nil, err
	}
	t := &tokens{toks: toks}
	if err := t.expect("FIND"); err != nil {
		return nil, err
	}
	if k := t.next().kind; k != tBraces && k != tString {
		t.pos--
		return nil, t.unexpected("expected the search term in braces after FIND")
	}
	r := &rsearch{scope: "ALL"}
	if t.accept("IN") {
		g := strings.ToUpper(t.next().text)
		switch g {
		case "ALL", "NAME", "EMAIL", "PHONE", "SIDEBAR":
			r.scope = g
		default:
			t.pos--
			return nil, t.unexpected("expected ALL, NAME, EMAIL, PHONE or SIDEBAR after IN")
		}
		if err := t.expect("FIELDS"); err != nil {
			return nil, err
		}
	}
	if t.accept("RETURNING") {
		for {
			q, err := t.returning()
			if err != nil {
				return nil, err
			}
			r.returning = append(r.returning, q)
			if !t.accept(",") {
				break
			}
		}
	}
	if err := t.withClauses(); err != nil {
		return nil, err
	}
	if t.accept("LIMIT") && t.next().kind != tNumber {
		t.pos--
		return nil, t.unexpected("expected a number after LIMIT")
	}
	if err := t.updateClause(); err != nil {
		return nil, err
	}
	if t.peek().kind != tEOF {
		return nil, t.unexpected("expected the end of the statement")
	}
	return r, nil
}

// returning reads one object of RETURNING with its optional field list
// and clauses.
func (t *tokens) returning() (*rquery, error) {
	tok := t.next()
	if tok.kind != tIdent || strings.Contains(tok.text, ".") {
		t.pos--
		return nil, t.unexpected("expected an object after RETURNING")
	}
	q := &rquery{from: tok}
	if !t.accept("(") {
		return q, nil
	}
	for {
		if err := t.operand(q); err != nil {
			return nil, err
		}
		if a := t.peek(); a.kind == tIdent && !soslInner[strings.ToUpper(a.text)] && !strings.Contains(a.text, ".") {
			t.next() // alias of toLabel(…) and friends
		}
		if !t.accept(",") {
			break
		}
	}
	if t.accept("WHERE") {
		if err := t.cond(q); err != nil {
			return nil, err
		}
	}
	if t.accept("USING") {
		if err := t.expect("LISTVIEW"); err != nil {
			return nil, err
		}
		if err := t.expect("="); err != nil {
			return nil, err
		}
		t.next()
	}
	if t.accept("ORDER") {
		if err := t.orderBy(q); err != nil {
			return nil, err
		}
	}
	for _, kw := range []string{"LIMIT", "OFFSET"} {
		if t.accept(kw) && t.next().kind != tNumber {
			t.pos--
			return nil, t.unexpected("expected a number after " + kw)
		}
	}
	return q, t.expect(")")
}

// soslInner are the keywords that may follow a RETURNING field.
var soslInner = map[string]bool{"WHERE": true, "USING": true, "ORDER": true, "LIMIT": true, "OFFSET": true}

// withClauses skips WITH DIVISION, DATA CATEGORY, SNIPPET, NETWORK,
// HIGHLIGHT, SPELL_CORRECTION, METADATA, PricebookId and USER_MODE: they
// narrow or decorate the search and name no object or field. Their
// contents are values and keywords only; a SELECT among them is refused.
func (t *tokens) withClauses() error {
	for t.accept("WITH") {
		depth := 0
		for {
			tok := t.peek()
			if tok.kind == tEOF || (depth == 0 && (t.kw("WITH") || t.kw("LIMIT") || t.kw("UPDATE"))) {
				break
			}
			switch {
			case t.kw("SELECT") || t.kw("RETURNING") || t.kw("FIND"):
				return t.unexpected("expected a WITH clause's value")
			case tok.text == "(":
				depth++
			case tok.text == ")":
				if depth--; depth < 0 {
					return t.unexpected("unbalanced parenthesis")
				}
			}
			t.next()
		}
	}
	return nil
}
