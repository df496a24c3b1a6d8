package soql

import (
	"slices"
	"strings"
	"unicode"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// maxSearchRows is SOSL's cap on rows per search.
const maxSearchRows = 2000

// SearchQuery is a parsed SOSL statement:
// FIND {term} [IN scope FIELDS] [RETURNING Object[(fields [WHERE …]
// [ORDER BY …] [LIMIT n] [OFFSET n])], …] [LIMIT n].
type SearchQuery struct {
	Term      string // the text between the braces, escapes removed
	Scope     string // ALL, NAME, EMAIL or PHONE
	Returning []*Query
	Limit     *int

	text    string
	termOff int
	expr    [][]searchTerm // OR of ANDs
}

// searchTerm is one word or phrase of the search term; words may carry *
// (any run) and ? (one character) wildcards.
type searchTerm struct {
	words  []string
	negate bool
}

// SearchGroup is the rows one RETURNING object contributed.
type SearchGroup struct {
	Object string
	Rows   []*Row
}

// SearchResult is the answer to a search, grouped per object in RETURNING
// order. The partner WSDL's searchResponse lists Records() in that order.
type SearchResult struct {
	Groups []SearchGroup
}

// Records flattens the groups in order.
func (r *SearchResult) Records() []*Row {
	var rows []*Row
	for _, g := range r.Groups {
		rows = append(rows, g.Rows...)
	}
	return rows
}

// ObjectLister is an optional Source extension: a FIND without RETURNING
// searches every searchable object it names.
type ObjectLister interface {
	ObjectNames() []string
}

// ParseSearch parses a SOSL statement; syntax errors are MALFORMED_SEARCH.
func ParseSearch(text string) (*SearchQuery, error) {
	if len(text) > maxQueryLength {
		return nil, plainError(CodeMalformedSearch, "Search is too long: the maximum length is 100000 characters")
	}
	sq := &SearchQuery{text: text, Scope: "ALL"}
	i := skipSpace(text, 0)
	if !hasWordAt(text, i, "FIND") {
		tok := firstWord(text[i:])
		if tok == "" {
			return nil, errorAt(CodeMalformedSearch, text, i, "unexpected token: <EOF>")
		}
		return nil, errorAt(CodeMalformedSearch, text, i, "unexpected token: '"+tok+"'")
	}
	i = skipSpace(text, i+4)
	if i >= len(text) || text[i] != '{' {
		return nil, plainError(CodeMalformedSearch, "No search term found. The search term must be enclosed in braces.")
	}
	var term strings.Builder
	j := i + 1
	for ; j < len(text) && text[j] != '}'; j++ {
		if text[j] == '\\' && j+1 < len(text) {
			j++
			term.WriteByte('\\')
		}
		term.WriteByte(text[j])
	}
	if j >= len(text) {
		return nil, plainError(CodeMalformedSearch, "No search term found. The search term must be enclosed in braces.")
	}
	sq.termOff = i
	raw := term.String()
	sq.Term = strings.ReplaceAll(raw, "\\", "")
	expr, ok := parseTerm(raw)
	if !ok {
		// Real bodies: INVALID_SEARCH, the term appended, no position.
		return nil, plainError(CodeInvalidSearch, "search term must be longer than one character: "+sq.Term)
	}
	sq.expr = expr

	toks, lerr := lexFrom(text, j+1)
	if lerr != nil {
		lerr.Code = CodeMalformedSearch
		return nil, lerr
	}
	p := &parser{code: CodeMalformedSearch, text: text, toks: toks}
	if p.acceptKw("IN") {
		scope := p.peek()
		s := strings.ToUpper(scope.text)
		if scope.kind != tkIdent || (s != "ALL" && s != "NAME" && s != "EMAIL" && s != "PHONE" && s != "SIDEBAR") {
			return nil, p.unexpected(scope)
		}
		p.pos++
		if err := p.expectKw("FIELDS"); err != nil {
			return nil, err
		}
		if s == "SIDEBAR" {
			s = "NAME"
		}
		sq.Scope = s
	}
	if p.acceptKw("RETURNING") {
		for {
			o := p.peek()
			if o.kind != tkIdent || reserved[strings.ToLower(o.text)] {
				return nil, p.unexpected(o)
			}
			p.pos++
			q := &Query{text: text, From: Name{Text: o.text, Off: o.off}}
			if p.peek().kind == tkLParen {
				p.pos++
				for {
					f := p.peek()
					if f.kind != tkIdent || reserved[strings.ToLower(f.text)] {
						return nil, p.unexpected(f)
					}
					p.pos++
					q.Select = append(q.Select, SelectItem{Kind: SelectField, Field: Name{Text: f.text, Off: f.off}})
					if p.peek().kind != tkComma {
						break
					}
					p.pos++
				}
				if err := p.clauses(q, 1); err != nil {
					return nil, err
				}
				if _, err := p.expect(tkRParen); err != nil {
					return nil, err
				}
			}
			sq.Returning = append(sq.Returning, q)
			if p.peek().kind != tkComma {
				break
			}
			p.pos++
		}
	}
	if p.acceptKw("LIMIT") {
		n, _, err := p.integer()
		if err != nil {
			return nil, err
		}
		sq.Limit = &n
	}
	if t := p.peek(); t.kind != tkEOF {
		return nil, p.unexpected(t)
	}
	return sq, nil
}

// parseTerm splits the term into OR-separated groups of AND-ed words and
// "phrases"; AND NOT negates the next word or phrase.
func parseTerm(raw string) ([][]searchTerm, bool) {
	var groups [][]searchTerm
	var cur []searchTerm
	negate := false
	rs := []rune(raw)
	for i := 0; i < len(rs); {
		switch {
		case unicode.IsSpace(rs[i]):
			i++
		case rs[i] == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			words := termWords(string(rs[i+1 : min(j, len(rs))]))
			if len(words) > 0 {
				cur = append(cur, searchTerm{words: words, negate: negate})
			}
			negate = false
			i = j + 1
		default:
			j := i
			for j < len(rs) && !unicode.IsSpace(rs[j]) && rs[j] != '"' {
				if rs[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j, len(rs))
			w := string(rs[i:j])
			i = j
			switch strings.ToUpper(w) {
			case "OR":
				if len(cur) > 0 {
					groups = append(groups, cur)
					cur = nil
				}
				continue
			case "AND":
				continue
			case "NOT", "ANDNOT":
				negate = true
				continue
			}
			words := termWords(strings.ReplaceAll(w, "\\", ""))
			if len(words) > 0 {
				cur = append(cur, searchTerm{words: words, negate: negate})
			}
			negate = false
		}
	}
	if len(cur) > 0 {
		groups = append(groups, cur)
	}
	// Wildcards do not count towards the two characters a term needs.
	total := 0
	for _, g := range groups {
		for _, t := range g {
			total += len(strings.NewReplacer("*", "", "?", "").Replace(strings.Join(t.words, "")))
		}
	}
	if total < 2 {
		return nil, false
	}
	return groups, true
}

// termWords splits text into lower-cased words of letters, digits and the
// wildcards * and ?.
func termWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '*' && r != '?'
	})
}

// Search runs a parsed SOSL statement over src.
func Search(sq *SearchQuery, src Source, opt Options) (*SearchResult, error) {
	ex := newExec(src, opt)
	queries := sq.Returning
	if len(queries) == 0 {
		if l, ok := src.(ObjectLister); ok {
			names := slices.Clone(l.ObjectNames())
			slices.Sort(names)
			for _, n := range names {
				if o, ok := src.Object(n); ok && o.Searchable {
					queries = append(queries, &Query{text: sq.text, From: Name{Text: o.Name}})
				}
			}
		}
	}
	type compiled struct {
		p      *plan
		fields []*meta.Field
	}
	var plans []compiled
	for _, q := range queries {
		obj, ok := src.Object(q.From.Text)
		if !ok {
			return nil, errorAt(CodeInvalidType, sq.text, q.From.Off,
				"sObject type '"+q.From.Text+"' is not supported."+customObjectHint)
		}
		qq := *q
		if len(qq.Select) == 0 {
			qq.Select = []SelectItem{{Kind: SelectField, Field: Name{Text: "Id", Off: q.From.Off}}}
		}
		p, err := ex.compile(&qq, obj, 0)
		if err != nil {
			return nil, err
		}
		plans = append(plans, compiled{p: p, fields: scopeFields(obj, sq.Scope)})
	}
	res := &SearchResult{}
	budget := maxSearchRows
	if sq.Limit != nil && *sq.Limit < budget {
		budget = *sq.Limit
	}
	for _, c := range plans {
		if budget <= 0 {
			break
		}
		var hits []meta.Record
		for _, r := range src.Records(c.p.obj.Name) {
			if sq.matches(r, c.fields) {
				hits = append(hits, r)
			}
		}
		rows := ex.run(c.p, hits).Rows
		if len(rows) > budget {
			rows = rows[:budget]
		}
		budget -= len(rows)
		if len(rows) > 0 {
			res.Groups = append(res.Groups, SearchGroup{Object: c.p.obj.Name, Rows: rows})
		}
	}
	return res, nil
}

// RunSearch parses and runs a SOSL statement.
func RunSearch(text string, src Source, opt Options) (*SearchResult, error) {
	sq, err := ParseSearch(text)
	if err != nil {
		return nil, err
	}
	return Search(sq, src, opt)
}

// scopeFields lists the fields a search scope covers.
func scopeFields(o *meta.Object, scope string) []*meta.Field {
	var out []*meta.Field
	for i := range o.Fields {
		f := &o.Fields[i]
		var in bool
		switch scope {
		case "NAME":
			in = f.NameField || (f.CompoundFieldName != nil && *f.CompoundFieldName == "Name" && f.Type == "string")
		case "EMAIL":
			in = f.Type == "email"
		case "PHONE":
			in = f.Type == "phone"
		default:
			in = categoryOf(f) == catString || categoryOf(f) == catMulti
		}
		if in {
			out = append(out, f)
		}
	}
	return out
}

func (sq *SearchQuery) matches(r meta.Record, fields []*meta.Field) bool {
	values := make([][]string, 0, len(fields))
	var digits []string
	for _, f := range fields {
		v := r[f.Name]
		if v == "" {
			continue
		}
		values = append(values, termWords(strings.ReplaceAll(strings.ReplaceAll(v, "*", " "), "?", " ")))
		if f.Type == "phone" {
			digits = append(digits, onlyDigits(v))
		}
	}
	for _, group := range sq.expr {
		ok := true
		for _, t := range group {
			if termHit(t, values, digits) == t.negate {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func termHit(t searchTerm, values [][]string, digits []string) bool {
	if d := onlyDigits(strings.Join(t.words, "")); len(d) >= 3 && len(d) == len(strings.Join(t.words, "")) {
		for _, p := range digits {
			if strings.Contains(p, d) {
				return true
			}
		}
	}
	for _, words := range values {
		for start := 0; start+len(t.words) <= len(words); start++ {
			all := true
			for k, w := range t.words {
				if !wildMatch(w, words[start+k]) {
					all = false
					break
				}
			}
			if all {
				return true
			}
		}
	}
	return false
}

// wildMatch matches one word against a pattern with * and ?.
func wildMatch(pat, word string) bool {
	var b strings.Builder
	for _, r := range pat {
		switch r {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return likeMatch(b.String(), word)
}

func onlyDigits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

func hasWordAt(s string, i int, w string) bool {
	return len(s) >= i+len(w) && strings.EqualFold(s[i:i+len(w)], w) && (len(s) == i+len(w) || !isIdentPart(s[i+len(w)]))
}

func firstWord(s string) string {
	end := strings.IndexAny(s, " \t\r\n{(")
	if end < 0 {
		return s
	}
	if end == 0 {
		return s[:1]
	}
	return s[:end]
}
