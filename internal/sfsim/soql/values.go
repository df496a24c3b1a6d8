package soql

import (
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// category groups field types by how SOQL compares them.
type category int

const (
	catString category = iota
	catID
	catBool
	catNumber
	catDate
	catDateTime
	catTime
	catMulti
	catCompound
	catOther
)

func categoryOf(f *meta.Field) category {
	switch f.Type {
	case "id", "reference":
		return catID
	case "boolean":
		return catBool
	case "int", "double", "currency", "percent", "long":
		return catNumber
	case "date":
		return catDate
	case "datetime":
		return catDateTime
	case "time":
		return catTime
	case "multipicklist":
		return catMulti
	case "address", "location":
		return catCompound
	case "base64", "anyType", "complexvalue":
		return catOther
	}
	return catString
}

// typeWord is how Salesforce names a field's type in "value of filter
// criterion" messages.
func typeWord(f *meta.Field) string {
	switch categoryOf(f) {
	case catBool:
		return "boolean"
	case catDate:
		return "date"
	case catDateTime:
		return "dateTime"
	case catTime:
		return "time"
	case catNumber:
		switch f.SoapType {
		case "xsd:int":
			return "integer"
		case "xsd:long":
			return "long"
		}
		return "double"
	}
	return "string"
}

// canonID turns a 15- or 18-character id into its case-sensitive 15-character
// form, restoring letter case from an 18-character id's checksum suffix so
// that 18-character ids match whatever their case, as in Salesforce. Anything
// else comes back unchanged.
func canonID(s string) string {
	switch len(s) {
	case 15:
		return s
	case 18:
	default:
		return s
	}
	b := []byte(s[:15])
	for chunk := 0; chunk < 3; chunk++ {
		c := s[15+chunk]
		var bits int
		switch {
		case c >= 'A' && c <= 'Z':
			bits = int(c - 'A')
		case c >= 'a' && c <= 'z':
			bits = int(c - 'a')
		case c >= '0' && c <= '5':
			bits = int(c-'0') + 26
		default:
			return s
		}
		for i := 0; i < 5; i++ {
			k := chunk*5 + i
			if bits&(1<<i) != 0 {
				b[k] = upper(b[k])
			} else {
				b[k] = lower(b[k])
			}
		}
	}
	return string(b)
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 32
	}
	return c
}

// validID reports whether s looks like a Salesforce id.
func validID(s string) bool {
	if len(s) != 15 && len(s) != 18 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isIdentPart(s[i]) || s[i] == '_' {
			return false
		}
	}
	return true
}

// cmpDecimal compares two decimals exactly. Parsing to float64 rounds
// correctly and so keeps order (a <= b implies f(a) <= f(b)); floats that
// differ therefore decide, and only equal floats need the exact rationals.
func cmpDecimal(fa float64, ra *big.Rat, fb float64, rb *big.Rat) int {
	switch {
	case fa < fb:
		return -1
	case fa > fb:
		return 1
	}
	return ra.Cmp(rb)
}

func parseRat(s string) (*big.Rat, bool) {
	r, ok := new(big.Rat).SetString(strings.TrimPrefix(s, "+"))
	return r, ok
}

// parseDate reads a stored or literal date as midnight in loc.
func parseDate(s string, loc *time.Location) (time.Time, bool) {
	t, err := time.ParseInLocation("2006-01-02", s, loc)
	return t, err == nil
}

func parseDateTime(s string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339Nano, strings.ToUpper(s))
	return t, err == nil
}

// sortKey is a field value prepared once for ordering.
type sortKey struct {
	null bool
	s    string
	rank int     // picklists: position in the picklist's defined order
	num  bool    // a decimal: f is its correctly rounded float, s its text
	f    float64 // compared first; the exact value is parsed only on a tie
	t    time.Time
}

func makeSortKey(cat category, v string, ok bool, loc *time.Location) sortKey {
	if !ok {
		return sortKey{null: true}
	}
	switch cat {
	case catNumber:
		if f, err := strconv.ParseFloat(v, 64); err == nil {
			return sortKey{num: true, f: f, s: v}
		}
	case catDate:
		if t, ok := parseDate(v, loc); ok {
			return sortKey{t: t}
		}
	case catDateTime:
		if t, ok := parseDateTime(v); ok {
			return sortKey{t: t}
		}
	case catBool:
		if v == "true" {
			return sortKey{s: "1"}
		}
		return sortKey{s: "0"}
	case catID:
		return sortKey{s: v}
	}
	return sortKey{s: strings.ToLower(v)}
}

func compareKeys(a, b sortKey) int {
	switch {
	case a.rank != b.rank:
		return a.rank - b.rank
	case a.num && b.num:
		if a.f != b.f {
			return cmpDecimal(a.f, nil, b.f, nil)
		}
		ra, okA := parseRat(a.s)
		rb, okB := parseRat(b.s)
		if !okA || !okB {
			return 0
		}
		return ra.Cmp(rb)
	case !a.t.IsZero() || !b.t.IsZero():
		return a.t.Compare(b.t)
	}
	return strings.Compare(a.s, b.s)
}

// splitMulti splits a multipicklist value into its lower-cased, trimmed set.
func splitMulti(v string) map[string]bool {
	set := map[string]bool{}
	for _, p := range strings.Split(v, ";") {
		if p = strings.TrimSpace(p); p != "" {
			set[strings.ToLower(p)] = true
		}
	}
	return set
}

// likeMatch matches s against a SOQL LIKE pattern (pat keeps \% \_ \\
// escapes): % is any run, _ any one character, case-insensitive.
func likeMatch(pat, s string) bool {
	type elem struct {
		any, one bool
		r        rune
	}
	var elems []elem
	rs := []rune(pat)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '%':
			elems = append(elems, elem{any: true})
		case '_':
			elems = append(elems, elem{one: true})
		case '\\':
			if i+1 < len(rs) {
				i++
			}
			elems = append(elems, elem{r: toLowerRune(rs[i])})
		default:
			elems = append(elems, elem{r: toLowerRune(rs[i])})
		}
	}
	text := []rune(s)
	// Iterative wildcard matching with one backtrack point.
	pi, ti, star, mark := 0, 0, -1, 0
	for ti < len(text) {
		switch {
		case pi < len(elems) && !elems[pi].any && (elems[pi].one || elems[pi].r == toLowerRune(text[ti])):
			pi++
			ti++
		case pi < len(elems) && elems[pi].any:
			star, mark = pi, ti
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			ti = mark
		default:
			return false
		}
	}
	for pi < len(elems) && elems[pi].any {
		pi++
	}
	return pi == len(elems)
}

func toLowerRune(r rune) rune {
	if r < 128 {
		return rune(lower(byte(r)))
	}
	return []rune(strings.ToLower(string(r)))[0]
}
