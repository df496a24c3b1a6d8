package service

import (
	"fmt"
	"strings"
)

// The reach analyzer reads raw SOQL and SOSL to find every object and
// field a statement reaches, so permissions can be enforced before the
// statement is sent. It is a reader, not an evaluator: it keeps names and
// structure and skips values. It fails closed: a form it does not know is
// refused, never passed through, since a form it misread could reach an
// object it did not see. Grammar: SOQL and SOSL Reference, "SOQL SELECT
// Syntax"
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select.htm)
// and "SOSL Syntax"
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_sosl_syntax.htm).

// tokKind is the lexical class of a token.
type tokKind uint8

const (
	tEOF    tokKind = iota
	tIdent          // a name or dotted path: Account, Owner.Name, LAST_N_DAYS
	tString         // a quoted string literal, escapes and all
	tNumber         // a number, date or date-time literal: 12, -1.5e3, 2024-01-01T00:00:00Z
	tPunct          // ( ) , = != <> < <= > >= :
	tBraces         // SOSL's {search term}
)

// token is one token of a statement; off is its byte offset.
type token struct {
	kind tokKind
	text string
	off  int
}

// reachError is a statement the analyzer cannot read; off is where.
type reachError struct {
	off int
	msg string
}

func (e *reachError) Error() string { return fmt.Sprintf("%s (at character %d)", e.msg, e.off+1) }

func rerr(off int, format string, args ...any) *reachError {
	return &reachError{off: off, msg: fmt.Sprintf(format, args...)}
}

func isLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }
func isWord(c byte) bool   { return isLetter(c) || isDigit(c) || c == '_' }

// lex splits s into tokens. SOQL has no comments: "--" and "/*" are not
// SOQL, so they are refused rather than guessed at, as is any character
// outside a string that no SOQL token starts with (non-ASCII included).
func lex(s string) ([]token, error) {
	var out []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case isLetter(c) || c == '_':
			j := lexIdent(s, i)
			out = append(out, token{tIdent, s[i:j], i})
			i = j
		case isDigit(c) || ((c == '-' || c == '+') && i+1 < len(s) && isDigit(s[i+1])):
			j := i + 1
			for j < len(s) && (isWord(s[j]) || s[j] == '.' || s[j] == ':' || ((s[j] == '-' || s[j] == '+') && j+1 < len(s) && isDigit(s[j+1]))) {
				j++
			}
			out = append(out, token{tNumber, s[i:j], i})
			i = j
		case c == '\'':
			j, err := lexQuoted(s, i, '\'')
			if err != nil {
				return nil, err
			}
			out = append(out, token{tString, s[i:j], i})
			i = j
		case c == '{':
			j, err := lexQuoted(s, i, '}')
			if err != nil {
				return nil, err
			}
			out = append(out, token{tBraces, s[i:j], i})
			i = j
		default:
			n := punctLen(s[i:])
			if n == 0 {
				return nil, rerr(i, "unexpected character %q", firstRune(s[i:]))
			}
			out = append(out, token{tPunct, s[i : i+n], i})
			i += n
		}
	}
	return append(out, token{tEOF, "", len(s)}), nil
}

// lexIdent returns the end of the name or dotted path starting at i.
func lexIdent(s string, i int) int {
	j := i
	for {
		for j < len(s) && isWord(s[j]) {
			j++
		}
		if j+1 < len(s) && s[j] == '.' && (isLetter(s[j+1]) || s[j+1] == '_') {
			j++
			continue
		}
		return j
	}
}

// lexQuoted returns the end of the literal opened at i and closed by end;
// a backslash escapes the next character, whatever it is, so an escaped
// quote never ends the literal.
func lexQuoted(s string, i int, end byte) (int, error) {
	for j := i + 1; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
		case end:
			return j + 1, nil
		}
	}
	return 0, rerr(i, "unterminated literal")
}

// punctLen is the length of the punctuation token s starts with, or 0.
func punctLen(s string) int {
	for _, p := range []string{"!=", "<>", "<=", ">=", "(", ")", ",", "=", "<", ">", ":"} {
		if strings.HasPrefix(s, p) {
			return len(p)
		}
	}
	return 0
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

// tokens is a cursor over a statement's tokens.
type tokens struct {
	toks  []token
	pos   int
	depth int
}

// maxReachDepth bounds nesting (parentheses, subqueries, functions), so a
// hostile statement cannot exhaust the stack; Salesforce nests subqueries
// five levels at most.
const maxReachDepth = 64

func (t *tokens) peek() token { return t.toks[t.pos] }
func (t *tokens) peekAt(n int) token {
	if t.pos+n < len(t.toks) {
		return t.toks[t.pos+n]
	}
	return t.toks[len(t.toks)-1]
}

func (t *tokens) next() token {
	tok := t.toks[t.pos]
	if tok.kind != tEOF {
		t.pos++
	}
	return tok
}

// kw reports whether the next token is the keyword word (any case).
func (t *tokens) kw(word string) bool {
	tok := t.peek()
	return tok.kind == tIdent && strings.EqualFold(tok.text, word)
}

// punct reports whether the next token is the punctuation p.
func (t *tokens) punct(p string) bool {
	tok := t.peek()
	return tok.kind == tPunct && tok.text == p
}

// accept consumes the keyword or punctuation word if it is next.
func (t *tokens) accept(word string) bool {
	if t.kw(word) || t.punct(word) {
		t.pos++
		return true
	}
	return false
}

// expect consumes word or fails naming it.
func (t *tokens) expect(word string) error {
	if !t.accept(word) {
		return t.unexpected("expected " + word)
	}
	return nil
}

func (t *tokens) unexpected(what string) error {
	tok := t.peek()
	if tok.kind == tEOF {
		return rerr(tok.off, "%s, found the end of the statement", what)
	}
	text := tok.text
	if len(text) > 40 {
		text = text[:40] + "…"
	}
	return rerr(tok.off, "%s, found %q", what, text)
}

// enter and leave bound the nesting.
func (t *tokens) enter() error {
	t.depth++
	if t.depth > maxReachDepth {
		return rerr(t.peek().off, "nested deeper than %d levels", maxReachDepth)
	}
	return nil
}

func (t *tokens) leave() { t.depth-- }
