package soql

import (
	"strconv"
	"strings"
)

// maxQueryLength is Salesforce's limit on SOQL statement length (100,000
// characters); longer text is refused before lexing.
const maxQueryLength = 100000

// Parse parses one SOQL statement. Syntax errors come back as *Error with
// code MALFORMED_QUERY and Salesforce's message layout.
func Parse(text string) (*Query, error) {
	if len(text) > maxQueryLength {
		return nil, plainError(CodeMalformedQuery, "Query is too long: the maximum length is 100000 characters")
	}
	toks, lerr := lex(text)
	if lerr != nil {
		return nil, lerr
	}
	p := &parser{code: CodeMalformedQuery, text: text, toks: toks}
	q, err := p.query(0)
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.unexpected(t)
	}
	return q, nil
}

// maxNesting bounds parentheses and NOT chains in WHERE, so hostile input
// cannot recurse without end.
const maxNesting = 200

type parser struct {
	nest   int
	having bool   // parsing HAVING, where aggregate functions may be compared
	code   string // MALFORMED_QUERY, or MALFORMED_SEARCH for SOSL
	text   string
	toks   []token
	pos    int
}

func (p *parser) peek() token { return p.toks[p.pos] }
func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tkEOF {
		p.pos++
	}
	return t
}

// isKw reports whether t is the keyword kw (case-insensitive).
func isKw(t token, kw string) bool { return t.kind == tkIdent && strings.EqualFold(t.text, kw) }

func (p *parser) acceptKw(kw string) bool {
	if isKw(p.peek(), kw) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) expectKw(kw string) *Error {
	if !p.acceptKw(kw) {
		return p.unexpected(p.peek())
	}
	return nil
}

func (p *parser) expect(k tokKind) (token, *Error) {
	t := p.peek()
	if t.kind != k {
		return t, p.unexpected(t)
	}
	p.pos++
	return t, nil
}

func (p *parser) unexpected(t token) *Error {
	if t.kind == tkEOF {
		return errorAt(p.code, p.text, t.off, "unexpected token: <EOF>")
	}
	return errorAt(p.code, p.text, t.off, "unexpected token: '"+t.text+"'")
}

// reserved words cannot be an alias or a bare field name.
var reserved = map[string]bool{
	"select": true, "from": true, "where": true, "and": true, "or": true, "not": true, "like": true,
	"in": true, "includes": true, "excludes": true, "order": true, "by": true, "asc": true, "desc": true,
	"nulls": true, "first": true, "last": true, "limit": true, "offset": true, "null": true, "true": true,
	"false": true, "group": true, "having": true, "with": true, "using": true, "for": true, "update": true,
	"view": true, "reference": true, "typeof": true, "rollup": true, "cube": true,
}

func (p *parser) query(depth int) (*Query, *Error) {
	q := &Query{text: p.text}
	if err := p.expectKw("SELECT"); err != nil {
		return nil, err
	}
	if err := p.selectList(q, depth); err != nil {
		return nil, err
	}
	if err := p.expectKw("FROM"); err != nil {
		return nil, err
	}
	from := p.peek()
	if from.kind != tkIdent || reserved[strings.ToLower(from.text)] {
		return nil, p.unexpected(from)
	}
	p.pos++
	q.From = Name{Text: from.text, Off: from.off}
	if t := p.peek(); t.kind == tkIdent && !reserved[strings.ToLower(t.text)] && !strings.Contains(t.text, ".") {
		q.Alias = t.text
		p.pos++
	}
	if err := p.clauses(q, depth); err != nil {
		return nil, err
	}
	if err := p.forClauses(q); err != nil {
		return nil, err
	}
	return q, nil
}

// clauses parses what may follow FROM (or a SOSL RETURNING object's field
// list): WHERE, ORDER BY, LIMIT, OFFSET, in that order.
func (p *parser) clauses(q *Query, depth int) *Error {
	if p.acceptKw("WHERE") {
		e, err := p.orExpr(depth)
		if err != nil {
			return err
		}
		q.Where = e
	}
	if p.code == CodeMalformedQuery {
		if err := p.withGroupHaving(q, depth); err != nil {
			return err
		}
	}
	if p.acceptKw("ORDER") {
		if err := p.expectKw("BY"); err != nil {
			return err
		}
		for {
			f := p.peek()
			if f.kind != tkIdent || reserved[strings.ToLower(f.text)] {
				return p.unexpected(f)
			}
			o := OrderItem{Field: Name{Text: f.text, Off: f.off}, NullsFirst: true}
			if p.code == CodeMalformedQuery && aggregateFuncs[strings.ToUpper(f.text)] && p.at(1).kind == tkLParen {
				agg, err := p.call(false)
				if err != nil {
					return err
				}
				o.Agg = agg
			} else {
				p.pos++
			}
			if p.acceptKw("DESC") {
				o.Desc, o.NullsFirst = true, false
			} else {
				p.acceptKw("ASC")
			}
			if p.acceptKw("NULLS") {
				switch {
				case p.acceptKw("FIRST"):
					o.NullsFirst = true
				case p.acceptKw("LAST"):
					o.NullsFirst = false
				default:
					return p.unexpected(p.peek())
				}
			}
			q.OrderBy = append(q.OrderBy, o)
			if p.peek().kind != tkComma {
				break
			}
			p.pos++
		}
	}
	if p.acceptKw("LIMIT") {
		n, _, err := p.integer()
		if err != nil {
			return err
		}
		q.Limit = &n
	}
	if p.acceptKw("OFFSET") {
		n, _, err := p.integer()
		if err != nil {
			return err
		}
		q.Offset = &n
	}
	return nil
}

func (p *parser) integer() (int, int, *Error) {
	t := p.peek()
	if t.kind != tkNumber || strings.ContainsAny(t.text, ".eE+-") {
		return 0, 0, p.unexpected(t)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < 0 {
		return 0, 0, errorAt(CodeNumberOutsideRange, p.text, t.off, "For input string: \""+t.text+"\"")
	}
	p.pos++
	return n, t.off, nil
}

// orExpr parses a condition. SOQL makes you parenthesise when you mix AND
// and OR, so a chain is all ANDs or all ORs; the first operator of the other
// kind is an unexpected token, as Salesforce reports it.
func (p *parser) orExpr(depth int) (Expr, *Error) {
	first, err := p.term(depth)
	if err != nil {
		return nil, err
	}
	var op string
	switch {
	case isKw(p.peek(), "AND"):
		op = "AND"
	case isKw(p.peek(), "OR"):
		op = "OR"
	default:
		return first, nil
	}
	terms := []Expr{first}
	for p.acceptKw(op) {
		t, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		terms = append(terms, t)
	}
	if t := p.peek(); isKw(t, "AND") || isKw(t, "OR") {
		return nil, p.unexpected(t)
	}
	if op == "AND" {
		return &AndExpr{Terms: terms}, nil
	}
	return &OrExpr{Terms: terms}, nil
}

func (p *parser) term(depth int) (Expr, *Error) {
	t := p.peek()
	p.nest++
	defer func() { p.nest-- }()
	if p.nest > maxNesting {
		return nil, plainError(CodeTooComplicated, "Query is either selecting too many fields or the filter conditions are too complicated.")
	}
	switch {
	case isKw(t, "NOT"):
		p.pos++
		x, err := p.term(depth)
		if err != nil {
			return nil, err
		}
		return &NotExpr{X: x}, nil
	case t.kind == tkLParen:
		p.pos++
		x, err := p.orExpr(depth)
		if err != nil {
			return nil, err
		}
		if _, err := p.expect(tkRParen); err != nil {
			return nil, err
		}
		return x, nil
	case p.having && aggregateFuncs[strings.ToUpper(t.text)] && p.at(1).kind == tkLParen:
		agg, err := p.call(false)
		if err != nil {
			return nil, err
		}
		e, err := p.condition(Name{Text: agg.String(), Off: t.off}, depth)
		if err != nil {
			return nil, err
		}
		e.(*Cond).Agg = agg
		return e, nil
	case t.kind == tkIdent && !reserved[strings.ToLower(t.text)]:
		p.pos++
		return p.condition(Name{Text: t.text, Off: t.off}, depth)
	}
	return nil, p.unexpected(t)
}

func (p *parser) condition(field Name, depth int) (Expr, *Error) {
	t := p.next()
	c := &Cond{Field: field, OpOff: t.off}
	switch {
	case t.kind == tkOp:
		c.Op = t.text
		if c.Op == "<>" {
			c.Op = "!="
		}
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.Values = []Value{v}
		return c, nil
	case isKw(t, "LIKE"):
		c.Op = "LIKE"
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.Values = []Value{v}
		return c, nil
	case isKw(t, "NOT"):
		if err := p.expectKw("IN"); err != nil {
			return nil, err
		}
		c.Op = "NOT IN"
	case isKw(t, "IN"):
		c.Op = "IN"
	case isKw(t, "INCLUDES"):
		c.Op = "INCLUDES"
	case isKw(t, "EXCLUDES"):
		c.Op = "EXCLUDES"
	default:
		p.pos--
		return nil, p.unexpected(t)
	}
	if t := p.peek(); t.kind == tkColon && p.at(1).kind == tkIdent && p.at(1).off == t.off+1 {
		return nil, errorAt(p.code, p.text, t.off, "Bind variables only allowed in Apex code")
	}
	if _, err := p.expect(tkLParen); err != nil {
		return nil, err
	}
	if (c.Op == "IN" || c.Op == "NOT IN") && isKw(p.peek(), "SELECT") {
		if depth >= maxRelationshipDepth-1 {
			return nil, p.unexpected(p.peek())
		}
		sub, err := p.query(depth + 1)
		if err != nil {
			return nil, err
		}
		c.Sub = sub
		if _, err := p.expect(tkRParen); err != nil {
			return nil, err
		}
		return c, nil
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.Values = append(c.Values, v)
		if p.peek().kind != tkComma {
			break
		}
		p.pos++
	}
	if _, err := p.expect(tkRParen); err != nil {
		return nil, err
	}
	return c, nil
}

func (p *parser) value() (Value, *Error) {
	t := p.next()
	switch t.kind {
	case tkString:
		return Value{Kind: ValString, Text: t.text, Str: t.str, Pat: t.pat, Off: t.off}, nil
	case tkNumber:
		return Value{Kind: ValNumber, Text: t.text, Off: t.off}, nil
	case tkDate:
		return Value{Kind: ValDate, Text: t.text, Off: t.off}, nil
	case tkDateTime:
		return Value{Kind: ValDateTime, Text: t.text, Off: t.off}, nil
	case tkColon:
		if n := p.peek(); n.kind == tkIdent && n.off == t.off+1 {
			return Value{}, errorAt(p.code, p.text, t.off, "Bind variables only allowed in Apex code")
		}
	case tkIdent:
		switch strings.ToUpper(t.text) {
		case "NULL":
			return Value{Kind: ValNull, Text: "null", Off: t.off}, nil
		case "TRUE", "FALSE":
			return Value{Kind: ValBool, Text: strings.ToLower(t.text), Off: t.off}, nil
		}
		name := strings.ToUpper(t.text)
		if spec, ok := dateLiterals[name]; ok {
			v := Value{Kind: ValDateLiteral, Text: name, Off: t.off}
			if spec.takesN {
				if _, err := p.expect(tkColon); err != nil {
					return Value{}, err
				}
				n := p.peek()
				if n.kind != tkNumber || strings.ContainsAny(n.text, ".eE+-") {
					return Value{}, p.unexpected(n)
				}
				p.pos++
				v.N, _ = strconv.Atoi(n.text)
				v.HasN = true
			}
			return v, nil
		}
	}
	p.pos--
	if t.kind == tkEOF {
		return Value{}, p.unexpected(t)
	}
	return Value{}, p.unexpected(t)
}

// at looks n tokens ahead, stopping at EOF.
func (p *parser) at(n int) token {
	if p.pos+n >= len(p.toks) {
		return p.toks[len(p.toks)-1]
	}
	return p.toks[p.pos+n]
}
