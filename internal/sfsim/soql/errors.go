// Package soql is sfsim's SOQL engine and SOSL subset: it parses query text,
// checks it against the emulated org's schema (internal/sfsim/meta), and
// evaluates it over a snapshot of records, failing the way Salesforce fails
// (same exception codes, same message layout with the echoed query, caret,
// row and column).
package soql

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Exception codes the engine raises; they are the partner WSDL's
// ExceptionCode values verbatim.
const (
	CodeMalformedQuery     = "MALFORMED_QUERY"
	CodeMalformedSearch    = "MALFORMED_SEARCH"
	CodeInvalidField       = "INVALID_FIELD"
	CodeInvalidType        = "INVALID_TYPE"
	CodeInvalidFilterOp    = "INVALID_QUERY_FILTER_OPERATOR"
	CodeNumberOutsideRange = "NUMBER_OUTSIDE_VALID_RANGE"
	CodeInvalidSearch      = "INVALID_SEARCH"
	CodeTooComplicated     = "QUERY_TOO_COMPLICATED"
)

const (
	maxRelationshipDepth   = 5
	maxOffset              = 2000
	windowChars            = 30
	customFieldHint        = " If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names."
	customObjectHint       = " If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names."
	customRelationshipHint = " If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names."
)

// Error is a query or search fault as Salesforce reports it. Code is the
// ExceptionCode (MALFORMED_QUERY, INVALID_FIELD, …); Message is the complete
// exceptionMessage, which for positioned errors starts with a newline, echoes
// the part of the query around the offending token, draws a caret under it
// and names the position ("ERROR at Row:1:Column:8") before the description.
// Row and Column are 1-based and 0 when the error has no position. The SOAP
// server writes faultstring as Code + ": " + Message.
type Error struct {
	Code    string
	Message string
	Row     int
	Column  int
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// FaultType names the partner WSDL fault element that carries this error
// (MalformedQueryFault, InvalidFieldFault, InvalidSObjectFault, …), so the
// server need not keep its own table.
func (e *Error) FaultType() string {
	switch e.Code {
	case CodeMalformedQuery:
		return "MalformedQueryFault"
	case CodeMalformedSearch:
		return "MalformedSearchFault"
	case CodeInvalidField:
		return "InvalidFieldFault"
	case CodeInvalidType:
		return "InvalidSObjectFault"
	}
	return "UnexpectedErrorFault"
}

// errorAt builds a positioned error for the token that starts at byte offset
// off of text.
func errorAt(code, text string, off int, desc string) *Error {
	if off < 0 {
		off = 0
	}
	if off > len(text) {
		off = len(text)
	}
	lineStart := strings.LastIndexByte(text[:off], '\n') + 1
	lineEnd := strings.IndexByte(text[off:], '\n')
	if lineEnd < 0 {
		lineEnd = len(text)
	} else {
		lineEnd += off
	}
	row := strings.Count(text[:lineStart], "\n") + 1
	line := strings.TrimSuffix(text[lineStart:lineEnd], "\r")
	col := off - lineStart
	if col > len(line) {
		col = len(line)
	}
	from, to := echoWindow(line, col)
	caret := utf8.RuneCountInString(line[from:col])
	column := utf8.RuneCountInString(line[:col]) + 1
	var b strings.Builder
	b.WriteByte('\n')
	b.WriteString(line[from:to])
	b.WriteByte('\n')
	b.WriteString(strings.Repeat(" ", caret))
	b.WriteString("^\nERROR at Row:")
	b.WriteString(strconv.Itoa(row))
	b.WriteString(":Column:")
	b.WriteString(strconv.Itoa(column))
	b.WriteByte('\n')
	b.WriteString(desc)
	return &Error{Code: code, Message: b.String(), Row: row, Column: column}
}

// plainError is an error Salesforce reports without a position.
func plainError(code, desc string) *Error { return &Error{Code: code, Message: desc} }

// echoWindow picks the part of one query line Salesforce echoes: the tokens
// that overlap 30 characters either side of the offending token's start; a
// boundary that falls on white space takes in the next token outwards. This
// matches every real message we found (docs/sfsim-soql.md lists them): short
// lines come back whole, long ones as a window of whole tokens.
func echoWindow(line string, col int) (from, to int) {
	spans := roughTokens(line)
	if len(spans) == 0 {
		return 0, len(line)
	}
	lo, hi := col-windowChars, col+windowChars
	from, to = col, col
	if lo <= 0 {
		from = 0
	} else {
		from = spans[0][0]
		for _, s := range spans {
			if s[0] <= lo {
				from = s[0]
			}
		}
	}
	if hi >= len(line) {
		to = len(line)
	} else {
		to = len(line)
		for _, s := range spans {
			if s[1] > hi {
				to = s[1]
				break
			}
		}
	}
	if from > col {
		from = col
	}
	if to < col {
		to = col
	}
	return from, to
}

// roughTokens splits a line into token spans without ever failing: quoted
// strings, runs of word characters, and single punctuation characters.
func roughTokens(line string) [][2]int {
	var spans [][2]int
	for i := 0; i < len(line); {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '\'' || c == '"':
			j := i + 1
			for j < len(line) && line[j] != c {
				if line[j] == '\\' {
					j++
				}
				j++
			}
			if j < len(line) {
				j++
			}
			if j > len(line) {
				j = len(line)
			}
			spans = append(spans, [2]int{i, j})
			i = j
		case strings.IndexByte("(),=<>!{}", c) >= 0:
			j := i + 1
			if j < len(line) && (c == '<' || c == '>' || c == '!') && (line[j] == '=' || line[j] == '>') {
				j++
			}
			spans = append(spans, [2]int{i, j})
			i = j
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t\r\n'\"(),=<>!{}", rune(line[j])) {
				j++
			}
			spans = append(spans, [2]int{i, j})
			i = j
		}
	}
	return spans
}
