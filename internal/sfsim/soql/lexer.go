package soql

import (
	"strings"
	"unicode/utf8"
)

type tokKind int

const (
	tkEOF tokKind = iota
	tkIdent
	tkString
	tkNumber
	tkDate
	tkDateTime
	tkLParen
	tkRParen
	tkComma
	tkOp
	tkColon
	tkStar
	tkLBrace
	tkRBrace
)

// token is one lexeme. off is its byte offset in the query text; text is the
// source spelling; str is the decoded value of a string literal and pat the
// same with LIKE escapes (\% \_) and backslashes kept for the pattern
// compiler.
type token struct {
	kind tokKind
	off  int
	text string
	str  string
	pat  string
}

// lex splits text into tokens. SOSL's {…} search term is read by the SOSL
// parser directly from the text, so the lexer only marks the braces.
func lex(text string) ([]token, *Error) { return lexFrom(text, 0) }

// lexFrom lexes text from byte offset start on; offsets stay relative to the
// whole text so errors echo it.
func lexFrom(text string, start int) ([]token, *Error) {
	var toks []token
	i := start
	for i < len(text) {
		c := text[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f':
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(text) && (isIdentPart(text[j]) || text[j] == '.') {
				j++
			}
			toks = append(toks, token{kind: tkIdent, off: i, text: text[i:j]})
			i = j
		case c >= '0' && c <= '9', (c == '-' || c == '+' || c == '.') && i+1 < len(text) && (isDigit(text[i+1]) || text[i+1] == '.'):
			if n := dateLen(text[i:]); n > 0 {
				kind := tkDate
				if n > 10 {
					kind = tkDateTime
				}
				toks = append(toks, token{kind: kind, off: i, text: text[i : i+n]})
				i += n
				continue
			}
			j := i
			if c == '-' || c == '+' {
				j++
			}
			for j < len(text) && isDigit(text[j]) {
				j++
			}
			if j < len(text) && text[j] == '.' {
				j++
				for j < len(text) && isDigit(text[j]) {
					j++
				}
			}
			if j < len(text) && (text[j] == 'e' || text[j] == 'E') {
				k := j + 1
				if k < len(text) && (text[k] == '+' || text[k] == '-') {
					k++
				}
				if k < len(text) && isDigit(text[k]) {
					for k < len(text) && isDigit(text[k]) {
						k++
					}
					j = k
				}
			}
			toks = append(toks, token{kind: tkNumber, off: i, text: text[i:j]})
			i = j
		case c == '\'':
			t, err := lexString(text, i)
			if err != nil {
				return nil, err
			}
			toks = append(toks, t)
			i += len(t.text)
		case c == '(':
			toks = append(toks, token{kind: tkLParen, off: i, text: "("})
			i++
		case c == ')':
			toks = append(toks, token{kind: tkRParen, off: i, text: ")"})
			i++
		case c == ',':
			toks = append(toks, token{kind: tkComma, off: i, text: ","})
			i++
		case c == ':':
			toks = append(toks, token{kind: tkColon, off: i, text: ":"})
			i++
		case c == '*':
			toks = append(toks, token{kind: tkStar, off: i, text: "*"})
			i++
		case c == '{':
			toks = append(toks, token{kind: tkLBrace, off: i, text: "{"})
			i++
		case c == '}':
			toks = append(toks, token{kind: tkRBrace, off: i, text: "}"})
			i++
		case c == '=':
			toks = append(toks, token{kind: tkOp, off: i, text: "="})
			i++
		case c == '!' && i+1 < len(text) && text[i+1] == '=':
			toks = append(toks, token{kind: tkOp, off: i, text: "!="})
			i += 2
		case c == '<' || c == '>':
			j := i + 1
			if j < len(text) && (text[j] == '=' || (c == '<' && text[j] == '>')) {
				j++
			}
			toks = append(toks, token{kind: tkOp, off: i, text: text[i:j]})
			i = j
		default:
			return nil, badCharacter(text, i)
		}
	}
	toks = append(toks, token{kind: tkEOF, off: len(text), text: "<EOF>"})
	return toks, nil
}

// badCharacter reports a character the grammar has no place for. Salesforce's
// lexer reports it ANTLR-style, and its caret and column are one to the left
// of the character (the 0-based column printed as if 1-based), which we copy.
func badCharacter(text string, i int) *Error {
	r, _ := utf8.DecodeRuneInString(text[i:])
	lineStart := strings.LastIndexByte(text[:i], '\n') + 1
	row := strings.Count(text[:lineStart], "\n") + 1
	col0 := utf8.RuneCountInString(text[lineStart:i])
	at := i - 1
	if at < lineStart {
		at = lineStart
	}
	desc := "line " + itoa(row) + ":" + itoa(col0) + " no viable alternative at character '" + string(r) + "'"
	return errorAt(CodeMalformedQuery, text, at, desc)
}

// lexString reads a single-quoted literal starting at text[i]. Salesforce
// accepts \n \r \t \b \f \" \' \\ (letters in either case), plus \% and \_
// which only mean something to LIKE; any other escape is an error.
func lexString(text string, i int) (token, *Error) {
	var val, pat strings.Builder
	j := i + 1
	for j < len(text) {
		c := text[j]
		switch c {
		case '\'':
			return token{kind: tkString, off: i, text: text[i : j+1], str: val.String(), pat: pat.String()}, nil
		case '\\':
			if j+1 >= len(text) {
				j++
				continue
			}
			e := text[j+1]
			var out string
			switch e {
			case 'n', 'N':
				out = "\n"
			case 'r', 'R':
				out = "\r"
			case 't', 'T':
				out = "\t"
			case 'b', 'B':
				out = "\b"
			case 'f', 'F':
				out = "\f"
			case '"', '\'':
				out = string(e)
			case '\\':
				val.WriteByte('\\')
				pat.WriteString(`\\`)
				j += 2
				continue
			case '%', '_':
				val.WriteByte(e)
				pat.WriteByte('\\')
				pat.WriteByte(e)
				j += 2
				continue
			default:
				end := strings.IndexByte(text[j+2:], '\'')
				lit := text[i:]
				if end >= 0 {
					lit = text[i : j+2+end+1]
				}
				return token{}, errorAt(CodeMalformedQuery, text, i,
					"Invalid string literal "+lit+". Illegal character sequence '\\"+string(e)+"' in string literal.")
			}
			val.WriteString(out)
			pat.WriteString(out)
			j += 2
		default:
			val.WriteByte(c)
			pat.WriteByte(c)
			j++
		}
	}
	// An unterminated quote is a lone token the parser cannot place. It is a
	// lexer error, so Salesforce's caret sits one to its left, as for
	// badCharacter.
	at := i - 1
	if at < 0 || text[at] == '\n' {
		at = i
	}
	return token{}, errorAt(CodeMalformedQuery, text, at, "unexpected token: '''")
}

// dateLen returns the length of a date (YYYY-MM-DD) or dateTime literal at
// the start of s, or 0.
func dateLen(s string) int {
	if !digitsAt(s, 0, 4) || !byteAt(s, 4, '-') || !digitsAt(s, 5, 2) || !byteAt(s, 7, '-') || !digitsAt(s, 8, 2) {
		return 0
	}
	if !byteAt(s, 10, 'T') && !byteAt(s, 10, 't') {
		return 10
	}
	if !digitsAt(s, 11, 2) || !byteAt(s, 13, ':') || !digitsAt(s, 14, 2) || !byteAt(s, 16, ':') || !digitsAt(s, 17, 2) {
		return 10
	}
	n := 19
	if byteAt(s, n, '.') {
		k := n + 1
		for k < len(s) && isDigit(s[k]) {
			k++
		}
		if k == n+1 {
			return 10
		}
		n = k
	}
	switch {
	case byteAt(s, n, 'Z') || byteAt(s, n, 'z'):
		return n + 1
	case (byteAt(s, n, '+') || byteAt(s, n, '-')) && digitsAt(s, n+1, 2) && byteAt(s, n+3, ':') && digitsAt(s, n+4, 2):
		return n + 6
	}
	return 10
}

func digitsAt(s string, i, n int) bool {
	if i+n > len(s) {
		return false
	}
	for k := i; k < i+n; k++ {
		if !isDigit(s[k]) {
			return false
		}
	}
	return true
}

func byteAt(s string, i int, c byte) bool { return i < len(s) && s[i] == c }
func isDigit(c byte) bool                 { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_'
}
func isIdentPart(c byte) bool { return isIdentStart(c) || isDigit(c) }

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	if neg {
		i--
		b[i] = '-'
	}
	return string(b[i:])
}
