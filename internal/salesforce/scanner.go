package salesforce

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Namespaces of the Partner API.
const (
	nsSOAPEnv = "http://schemas.xmlsoap.org/soap/envelope/"
	nsPartner = "urn:partner.soap.sforce.com"
	nsSObject = "urn:sobject.partner.soap.sforce.com"
	nsFault   = "urn:fault.partner.soap.sforce.com"
	nsXSI     = "http://www.w3.org/2001/XMLSchema-instance"
	nsXML     = "http://www.w3.org/XML/1998/namespace"
	// nsUndeclared stands for a prefix no xmlns attribute declared. Real
	// answers declare everything, but samples trimmed by hand (see
	// PROTOCOL.md) use sf: and xsi: without declaring them; the decoder
	// matches record fields by local name, so they still decode.
	nsUndeclared = "\x00undeclared"
)

// scanner is a pull parser over one XML document held in memory. It is
// written for the shape of SOAP answers: element-only content with simple
// text leaves. Strings it returns are slices of the document or of an arena
// (for text that needed entity decoding), never copies per value.
//
// It resolves namespaces (xmlns and xmlns:p declarations, scoped per
// element), checks that end tags match, decodes the five predefined entities
// and character references, handles CDATA sections, skips comments and
// processing instructions, refuses DOCTYPE (no entity expansion) and caps
// the nesting depth. Errors are sticky: after the first, every call
// returns the end of input and err() reports it.
type scanner struct {
	s        string
	pos      int
	maxDepth int
	binds    []binding
	frames   []frame
	arena    []byte
	attrs    []rawAttr
	pending  bool // a self-closing element's end is still to be reported
	fail     error
	// generalOnly disables simpleElement, for the differential fuzz test.
	generalOnly bool
}

type binding struct{ prefix, uri string }

// frame and rawAttr hold offsets into the document, not strings: the
// scanner lives on the heap, and storing pointers there on every element
// would cost a GC write barrier each while a collection runs.
type frame struct {
	start, end int // the element's qualified name
	nsLen      int // len(binds) before the element's declarations
}

type rawAttr struct{ nameStart, nameEnd, valStart, valEnd int }

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokStart
	tokEnd
)

// token is one event, returned by value (it lives on the caller's stack).
type token struct {
	kind  tokKind
	ns    string // resolved namespace of the element
	local string
	// nil reports xsi:nil="true".
	nil bool
	// xsiType and xsiTypeNS are the local part and resolved namespace of an
	// xsi:type attribute.
	xsiType, xsiTypeNS string
}

// SyntaxError reports malformed XML at a byte offset.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("xml: %s at offset %d", e.Msg, e.Offset) }

var errDepth = errors.New("xml: nesting deeper than the limit")

// maxAttrs bounds the attributes of one element (answers carry at most a
// few namespace declarations and xsi attributes); the duplicate check is
// quadratic in it.
const maxAttrs = 32

func newScanner(doc []byte, maxDepth int) *scanner {
	sc := &scanner{maxDepth: maxDepth}
	sc.reset(doc)
	return sc
}

// reset prepares sc for doc, keeping allocated buffers.
func (sc *scanner) reset(doc []byte) {
	if len(doc) > 0 {
		// The caller owns doc and never changes it afterwards, so strings
		// that alias it stay immutable.
		sc.s = unsafe.String(&doc[0], len(doc))
	} else {
		sc.s = ""
	}
	sc.pos = 0
	sc.binds = sc.binds[:0]
	sc.frames = sc.frames[:0]
	sc.arena = nil // strings may alias the previous arena: never reuse it
	sc.pending = false
	sc.fail = nil
	if !utf8.ValidString(sc.s) {
		sc.fail = &SyntaxError{Offset: invalidUTF8Offset(sc.s), Msg: "invalid UTF-8"}
		return
	}
	sc.prolog()
}

// release drops sc's references to the document and its arena, keeping
// its stacks for the next document. It reports whether the stacks are
// small enough to be worth pooling.
func (sc *scanner) release() bool {
	clear(sc.binds[:cap(sc.binds)]) // strings of the document
	sc.s, sc.arena, sc.fail = "", nil, nil
	sc.binds, sc.frames, sc.attrs = sc.binds[:0], sc.frames[:0], sc.attrs[:0]
	return cap(sc.binds) <= maxPooledScratch && cap(sc.frames) <= maxPooledScratch
}

func invalidUTF8Offset(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n <= 1 {
				return i
			}
		}
	}
	return len(s)
}

// prolog skips a byte-order mark and checks the XML declaration's encoding.
func (sc *scanner) prolog() {
	sc.s = strings.TrimPrefix(sc.s, "\uFEFF")
	if !strings.HasPrefix(sc.s, "<?xml") || len(sc.s) < 6 || !isSpace(sc.s[5]) {
		return
	}
	end := strings.Index(sc.s, "?>")
	if end < 0 {
		sc.errorf(0, "unterminated XML declaration")
		return
	}
	decl := sc.s[:end]
	if i := strings.Index(decl, "encoding"); i >= 0 {
		v := strings.TrimLeft(decl[i+len("encoding"):], " \t\r\n=")
		if len(v) > 0 && (v[0] == '"' || v[0] == '\'') {
			q := v[0]
			v = v[1:]
			if j := strings.IndexByte(v, q); j >= 0 {
				v = v[:j]
			}
		}
		if !strings.EqualFold(v, "UTF-8") && !strings.EqualFold(v, "UTF8") {
			sc.errorf(i, "unsupported encoding "+strconv.Quote(v))
			return
		}
	}
	sc.pos = end + 2
}

func (sc *scanner) err() error { return sc.fail }

func (sc *scanner) errorf(off int, msg string) {
	if sc.fail == nil {
		sc.fail = &SyntaxError{Offset: off, Msg: msg}
	}
}

func (sc *scanner) setErr(err error) {
	if sc.fail == nil {
		sc.fail = err
	}
}

// depth returns the number of open elements.
func (sc *scanner) depth() int { return len(sc.frames) }

// nameByte marks the bytes that may appear in an element name as far as
// the scanner is concerned (anything but markup and white space).
var nameByte = func() (t [256]bool) {
	for i := range t {
		t[i] = true
	}
	for _, c := range []byte("<>/=\"'& \t\r\n") {
		t[c] = false
	}
	return t
}()

// textStop marks the bytes that end the fast path of text: markup start,
// references and carriage returns (which need normalising).
var textStop = func() (t [256]bool) {
	t['<'], t['&'], t['\r'] = true, true, true
	return t
}()

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// next returns the next start or end tag, skipping text between elements,
// comments and processing instructions. At the end of input, or after an
// error, it returns a token of kind tokEOF.
func (sc *scanner) next() token {
	if sc.fail != nil {
		return token{}
	}
	if sc.pending {
		sc.pending = false
		sc.pop()
		return token{kind: tokEnd}
	}
	for {
		i := 0
		if sc.pos >= len(sc.s) || sc.s[sc.pos] != '<' {
			// Compact answers put tags back to back; only pretty-printed
			// ones and mixed content need the search.
			i = strings.IndexByte(sc.s[sc.pos:], '<')
		}
		if i < 0 {
			if len(sc.frames) > 0 {
				sc.errorf(len(sc.s), "unexpected end of input inside <"+sc.openName()+">")
			} else if strings.TrimLeft(sc.s[sc.pos:], " \t\r\n") != "" {
				sc.errorf(sc.pos, "text outside the root element")
			}
			return token{}
		}
		if len(sc.frames) == 0 && strings.TrimLeft(sc.s[sc.pos:sc.pos+i], " \t\r\n") != "" {
			sc.errorf(sc.pos, "text outside the root element")
			return token{}
		}
		sc.pos += i
		rest := sc.s[sc.pos:]
		if len(rest) < 2 {
			sc.errorf(sc.pos, "unexpected end of input")
			return token{}
		}
		switch rest[1] {
		case '/':
			if sc.endTag() {
				return token{kind: tokEnd}
			}
			return token{}
		case '?':
			if !sc.skipPast("?>") {
				return token{}
			}
		case '!':
			switch {
			case strings.HasPrefix(rest, "<!--"):
				if !sc.skipPast("-->") {
					return token{}
				}
			case strings.HasPrefix(rest, "<![CDATA["):
				if len(sc.frames) == 0 || !sc.skipPast("]]>") {
					sc.errorf(sc.pos, "CDATA outside an element")
					return token{}
				}
			default:
				sc.errorf(sc.pos, "DOCTYPE and declarations are not accepted")
				return token{}
			}
		default:
			return sc.startTag()
		}
	}
}

// openName returns the name of the innermost open element.
func (sc *scanner) openName() string {
	f := sc.frames[len(sc.frames)-1]
	return sc.s[f.start:f.end]
}

func (sc *scanner) skipPast(end string) bool {
	j := strings.Index(sc.s[sc.pos:], end)
	if j < 0 {
		sc.errorf(sc.pos, "unterminated "+end)
		return false
	}
	sc.pos += j + len(end)
	return true
}

// startTag parses the tag at sc.pos and pushes its frame and namespace
// declarations. It returns tokEOF on error.
func (sc *scanner) startTag() token {
	s := sc.s
	p := sc.pos + 1
	nameStart := p
	colon := -1
	for p < len(s) && nameByte[s[p]] {
		if s[p] == ':' && colon < 0 {
			colon = p
		}
		p++
	}
	if p < len(s) {
		if c := s[p]; c != '>' && c != '/' && !isSpace(c) {
			sc.errorf(p, "invalid character in element name")
			return token{}
		}
	}
	nameEnd := p
	if nameEnd == nameStart {
		sc.errorf(sc.pos, "empty element name")
		return token{}
	}
	if len(sc.frames) >= sc.maxDepth {
		sc.setErr(errDepth)
		return token{}
	}
	attrs := sc.attrs[:0]
	selfClosing := false
	for {
		sp := p
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p >= len(s) {
			sc.errorf(p, "unexpected end of input in a tag")
			return token{}
		}
		if s[p] == '>' {
			p++
			break
		}
		if s[p] == '/' {
			if p+1 >= len(s) || s[p+1] != '>' {
				sc.errorf(p, "expected />")
				return token{}
			}
			selfClosing = true
			p += 2
			break
		}
		if p == sp {
			sc.errorf(p, "missing space before attribute")
			return token{}
		}
		an := p
		for p < len(s) && s[p] != '=' && !isSpace(s[p]) && s[p] != '>' && s[p] != '/' && s[p] != '<' {
			p++
		}
		ae := p
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if ae == an || p >= len(s) || s[p] != '=' {
			sc.errorf(p, "malformed attribute")
			return token{}
		}
		p++
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p >= len(s) || (s[p] != '"' && s[p] != '\'') {
			sc.errorf(p, "attribute value must be quoted")
			return token{}
		}
		q := s[p]
		p++
		j := strings.IndexByte(s[p:], q)
		if j < 0 {
			sc.errorf(p, "unterminated attribute value")
			return token{}
		}
		vs, ve := p, p+j
		p = ve + 1
		if strings.IndexByte(s[vs:ve], '<') >= 0 {
			sc.errorf(vs, "< in attribute value")
			return token{}
		}
		if len(attrs) >= maxAttrs {
			sc.errorf(an, "too many attributes")
			return token{}
		}
		for _, a := range attrs {
			if s[a.nameStart:a.nameEnd] == s[an:ae] {
				sc.errorf(an, "duplicate attribute "+s[an:ae])
				return token{}
			}
		}
		attrs = append(attrs, rawAttr{nameStart: an, nameEnd: ae, valStart: vs, valEnd: ve})
	}
	sc.attrs = attrs
	sc.pos = p
	sc.frames = append(sc.frames, frame{start: nameStart, end: nameEnd, nsLen: len(sc.binds)})

	// Namespace declarations first: they apply to this element's own name
	// and attributes.
	for _, a := range attrs {
		name := s[a.nameStart:a.nameEnd]
		if name == "xmlns" {
			sc.binds = append(sc.binds, binding{prefix: "", uri: sc.attrValue(s[a.valStart:a.valEnd])})
		} else if pfx, ok := strings.CutPrefix(name, "xmlns:"); ok {
			uri := sc.attrValue(s[a.valStart:a.valEnd])
			if pfx == "" || uri == "" {
				sc.errorf(a.nameStart, "invalid namespace declaration "+name)
				return token{}
			}
			sc.binds = append(sc.binds, binding{prefix: pfx, uri: uri})
		}
	}
	prefix, local := "", s[nameStart:nameEnd]
	if colon >= 0 {
		prefix, local = s[nameStart:colon], s[colon+1:nameEnd]
	}
	if local == "" {
		sc.errorf(nameStart, "invalid element name "+s[nameStart:nameEnd])
		return token{}
	}
	t := token{kind: tokStart, local: local, ns: sc.lookup(prefix)}
	for _, a := range attrs {
		ap, al := splitQName(s[a.nameStart:a.nameEnd])
		if ap == "" || ap == "xmlns" {
			continue
		}
		if sc.lookup(ap) != nsXSI {
			continue
		}
		switch al {
		case "nil":
			v := strings.TrimSpace(sc.attrValue(s[a.valStart:a.valEnd]))
			t.nil = v == "true" || v == "1"
		case "type":
			tp, tl := splitQName(strings.TrimSpace(sc.attrValue(s[a.valStart:a.valEnd])))
			t.xsiType = tl
			t.xsiTypeNS = sc.lookup(tp)
		}
	}
	sc.pending = selfClosing
	if sc.fail != nil {
		return token{}
	}
	return t
}

func splitQName(q string) (prefix, local string) {
	if i := strings.IndexByte(q, ':'); i >= 0 {
		return q[:i], q[i+1:]
	}
	return "", q
}

// lookup resolves a prefix in the current scope.
func (sc *scanner) lookup(prefix string) string {
	for i := len(sc.binds) - 1; i >= 0; i-- {
		if sc.binds[i].prefix == prefix {
			return sc.binds[i].uri
		}
	}
	switch prefix {
	case "":
		return ""
	case "xml":
		return nsXML
	case "xsi":
		return nsXSI
	}
	return nsUndeclared
}

// endTag parses the end tag at sc.pos and pops its frame.
func (sc *scanner) endTag() bool {
	s := sc.s
	p := sc.pos + 2
	if len(sc.frames) == 0 {
		sc.errorf(sc.pos, "end tag without start tag")
		return false
	}
	want := sc.openName()
	if !strings.HasPrefix(s[p:], want) {
		sc.errorf(sc.pos, "end tag does not match <"+want+">")
		return false
	}
	p += len(want)
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	if p >= len(s) || s[p] != '>' {
		sc.errorf(sc.pos, "end tag does not match <"+want+">")
		return false
	}
	sc.pos = p + 1
	sc.pop()
	return true
}

func (sc *scanner) pop() {
	f := sc.frames[len(sc.frames)-1]
	sc.frames = sc.frames[:len(sc.frames)-1]
	sc.binds = sc.binds[:f.nsLen]
}

// simpleElement consumes, when the next content is one, a complete
// element without attributes whose content is plain text and whose end tag
// follows at once — <sf:Name>Acme</sf:Name> — and returns its local name
// and text. It checks what the general path checks (the end tag matches,
// the depth cap) and leaves anything else (attributes, references, CDATA,
// children, comments, malformed input) to it, reporting ok false. The
// element's prefix is not resolved: callers use it only for record
// fields, which are matched by local name in any namespace.
func (sc *scanner) simpleElement() (local, value string, isNil, ok bool) {
	if sc.pending || sc.fail != nil || len(sc.frames) >= sc.maxDepth || sc.generalOnly {
		return "", "", false, false
	}
	s := sc.s
	p := sc.pos
	for p < len(s) && isSpace(s[p]) {
		p++
	}
	if p+1 >= len(s) || s[p] != '<' || s[p+1] == '!' || s[p+1] == '?' {
		return "", "", false, false
	}
	q := p + 1
	colon := -1
	for q < len(s) && nameByte[s[q]] {
		if s[q] == ':' && colon < 0 {
			colon = q
		}
		q++
	}
	if q == p+1 || q >= len(s) {
		return "", "", false, false
	}
	if s[q] == ' ' {
		// <sf:Name xsi:nil="true"/>, the other common shape: one xsi:nil
		// attribute, its prefix resolved like any other.
		return sc.simpleNil(p, q, colon)
	}
	if s[q] != '>' {
		return "", "", false, false
	}
	r := q + 1
	for r < len(s) && !textStop[s[r]] {
		r++
	}
	if r+1 >= len(s) || s[r] != '<' || s[r+1] != '/' {
		return "", "", false, false
	}
	name := s[p+1 : q]
	e := r + 2 + len(name)
	if e >= len(s) || s[e] != '>' || s[r+2:e] != name {
		return "", "", false, false
	}
	local = name
	if colon >= 0 {
		local = s[colon+1 : q]
	}
	if local == "" {
		return "", "", false, false
	}
	sc.pos = e + 1
	return local, s[q+1 : r], false, true
}

// simpleNil matches `<name P:nil="true"/>` at p (the name ends at q), P
// bound to the XML Schema instance namespace.
func (sc *scanner) simpleNil(p, q, colon int) (local, value string, isNil, ok bool) {
	s := sc.s
	a := q + 1
	ac := strings.IndexByte(s[a:min(len(s), a+64)], ':')
	if ac <= 0 {
		return "", "", false, false
	}
	rest := s[a+ac:]
	const tail = `:nil="true"/>`
	if !strings.HasPrefix(rest, tail) {
		return "", "", false, false
	}
	prefix := s[a : a+ac]
	for i := 0; i < len(prefix); i++ {
		if !nameByte[prefix[i]] || prefix[i] == ':' {
			return "", "", false, false
		}
	}
	if sc.lookup(prefix) != nsXSI {
		return "", "", false, false
	}
	local = s[p+1 : q]
	if colon >= 0 {
		local = s[colon+1 : q]
	}
	if local == "" {
		return "", "", false, false
	}
	sc.pos = a + ac + len(tail)
	return local, "", true, true
}

// child returns the next child element of the element whose start was the
// last token; ok is false at that element's end (or on error).
func (sc *scanner) child() (t token, ok bool) {
	t = sc.next()
	return t, t.kind == tokStart
}

// skip consumes the rest of the element whose start was the last token.
func (sc *scanner) skip() {
	d := len(sc.frames)
	if sc.pending {
		sc.pending = false
		sc.pop()
		return
	}
	for sc.fail == nil && len(sc.frames) >= d {
		if sc.next().kind == tokEOF {
			return
		}
	}
}

// text returns the character content of the element whose start was the
// last token and consumes its end tag. It fails on a child element.
func (sc *scanner) text() string {
	v, _ := sc.textScoped(false)
	return v
}

// textQName returns the content as a QName resolved in the element's own
// scope: the namespace and the local part.
func (sc *scanner) textQName() (ns, local string) {
	return sc.textScoped(true)
}

func (sc *scanner) textScoped(qname bool) (string, string) {
	if sc.fail != nil {
		return "", ""
	}
	if sc.pending {
		sc.pending = false
		var ns string
		if qname {
			ns = sc.lookup("")
		}
		sc.pop()
		return ns, ""
	}
	start := sc.pos
	s := sc.s
	// Short values are the common case: a byte loop over a table finds
	// the end (or a reference or CR that needs the slow path) faster than
	// several IndexByte calls; long values switch to IndexByte.
	p := start
	for p < len(s) && p-start < 64 && !textStop[s[p]] {
		p++
	}
	if p < len(s) && p-start >= 64 && !textStop[s[p]] {
		if i := strings.IndexByte(s[p:], '<'); i >= 0 {
			if strings.IndexByte(s[p:p+i], '&') >= 0 || strings.IndexByte(s[p:p+i], '\r') >= 0 {
				p = start // slow path below
			} else {
				p += i
			}
		} else {
			p = len(s)
		}
	}
	var v string
	if p+1 < len(s) && s[p] == '<' && s[p+1] == '/' {
		// Fast path: plain text directly followed by the end tag.
		sc.pos = p
		v = s[start:p]
	} else {
		v = sc.slowText()
		if sc.fail != nil {
			return "", ""
		}
	}
	var ns string
	if qname {
		p, l := splitQName(strings.TrimSpace(v))
		ns, v = sc.lookup(p), l
	}
	if !sc.endTag() {
		return "", ""
	}
	if qname {
		return ns, v
	}
	return v, ""
}

// slowText decodes text with references, CDATA sections, comments and
// carriage returns into the arena, stopping before the end tag.
func (sc *scanner) slowText() string {
	a := sc.arena
	mark := len(a)
	s := sc.s
	p := sc.pos
	for {
		i := strings.IndexByte(s[p:], '<')
		if i < 0 {
			sc.errorf(len(s), "unexpected end of input in text")
			return ""
		}
		var ok bool
		a, ok = sc.appendText(a, s[p:p+i], p)
		if !ok {
			return ""
		}
		p += i
		rest := s[p:]
		switch {
		case strings.HasPrefix(rest, "</"):
			sc.pos = p
			sc.arena = a
			return sc.arenaString(mark)
		case strings.HasPrefix(rest, "<![CDATA["):
			j := strings.Index(rest, "]]>")
			if j < 0 {
				sc.errorf(p, "unterminated CDATA section")
				return ""
			}
			a = appendNormalizedCR(a, rest[len("<![CDATA["):j])
			p += j + 3
		case strings.HasPrefix(rest, "<!--"):
			j := strings.Index(rest, "-->")
			if j < 0 {
				sc.errorf(p, "unterminated comment")
				return ""
			}
			p += j + 3
		case strings.HasPrefix(rest, "<?"):
			j := strings.Index(rest, "?>")
			if j < 0 {
				sc.errorf(p, "unterminated processing instruction")
				return ""
			}
			p += j + 2
		default:
			sc.errorf(p, "unexpected element inside <"+sc.openName()+">")
			return ""
		}
	}
}

func (sc *scanner) arenaString(mark int) string {
	n := len(sc.arena) - mark
	if n == 0 {
		return ""
	}
	return unsafe.String(&sc.arena[mark], n)
}

// appendText appends raw character data with references decoded and line
// ends normalised.
func (sc *scanner) appendText(a []byte, raw string, off int) ([]byte, bool) {
	for len(raw) > 0 {
		j := strings.IndexAny(raw, "&\r")
		if j < 0 {
			return append(a, raw...), true
		}
		a = append(a, raw[:j]...)
		raw = raw[j:]
		if raw[0] == '\r' {
			a = append(a, '\n')
			raw = raw[1:]
			if len(raw) > 0 && raw[0] == '\n' {
				raw = raw[1:]
			}
			continue
		}
		end := strings.IndexByte(raw, ';')
		if end < 0 || end > 12 {
			sc.errorf(off, "malformed character reference")
			return a, false
		}
		ref := raw[1:end]
		raw = raw[end+1:]
		switch ref {
		case "lt":
			a = append(a, '<')
		case "gt":
			a = append(a, '>')
		case "amp":
			a = append(a, '&')
		case "apos":
			a = append(a, '\'')
		case "quot":
			a = append(a, '"')
		default:
			r, ok := charRef(ref)
			if !ok {
				sc.errorf(off, "unknown entity &"+ref+";")
				return a, false
			}
			a = utf8.AppendRune(a, r)
		}
	}
	return a, true
}

func charRef(ref string) (rune, bool) {
	if len(ref) < 2 || ref[0] != '#' {
		return 0, false
	}
	var n uint64
	var err error
	if ref[1] == 'x' {
		n, err = strconv.ParseUint(ref[2:], 16, 32)
	} else {
		n, err = strconv.ParseUint(ref[1:], 10, 32)
	}
	if err != nil || !partner.IsXMLChar(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

func appendNormalizedCR(a []byte, s string) []byte {
	for {
		j := strings.IndexByte(s, '\r')
		if j < 0 {
			return append(a, s...)
		}
		a = append(a, s[:j]...)
		a = append(a, '\n')
		s = s[j+1:]
		if len(s) > 0 && s[0] == '\n' {
			s = s[1:]
		}
	}
}

// attrValue decodes an attribute value (references only; attribute
// whitespace normalisation is irrelevant for the attributes read here).
func (sc *scanner) attrValue(raw string) string {
	if strings.IndexByte(raw, '&') < 0 {
		return raw
	}
	mark := len(sc.arena)
	a, ok := sc.appendText(sc.arena, raw, sc.pos)
	sc.arena = a
	if !ok {
		return ""
	}
	return sc.arenaString(mark)
}

// peekChild reports whether the content of the element whose start was the
// last token begins (after white space) with a child element.
func (sc *scanner) peekChild() bool {
	if sc.pending || sc.fail != nil {
		return false
	}
	s := sc.s
	p := sc.pos
	for {
		for p < len(s) && isSpace(s[p]) {
			p++
		}
		if p+1 >= len(s) || s[p] != '<' {
			return false
		}
		switch s[p+1] {
		case '/':
			return false
		case '!':
			if !strings.HasPrefix(s[p:], "<!--") {
				return false // CDATA: text
			}
			j := strings.Index(s[p:], "-->")
			if j < 0 {
				return false
			}
			p += j + 3
		case '?':
			j := strings.Index(s[p:], "?>")
			if j < 0 {
				return false
			}
			p += j + 2
		default:
			return true
		}
	}
}

// Simple-type helpers over text(); a malformed value is a decode error.

func (sc *scanner) boolean() bool {
	v := strings.TrimSpace(sc.text())
	switch v {
	case "true", "1":
		return true
	case "false", "0", "":
		return false
	}
	sc.errorf(sc.pos, "invalid boolean "+strconv.Quote(v))
	return false
}

func (sc *scanner) integer() int { return int(sc.int64()) }

func (sc *scanner) int64() int64 {
	v := strings.TrimSpace(sc.text())
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		sc.errorf(sc.pos, "invalid integer "+strconv.Quote(v))
	}
	return n
}
