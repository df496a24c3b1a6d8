package sfsim

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Namespaces of the partner API (PROTOCOL.md §2).
const (
	nsSOAPEnv = "http://schemas.xmlsoap.org/soap/envelope/"
	nsPartner = "urn:partner.soap.sforce.com"
	nsSObject = "urn:sobject.partner.soap.sforce.com"
	nsFault   = "urn:fault.partner.soap.sforce.com"
	nsXSI     = "http://www.w3.org/2001/XMLSchema-instance"
	nsXSD     = "http://www.w3.org/2001/XMLSchema"
)

// node is one element of a parsed request. Requests are matched by local
// name only: Salesforce accepts any prefix and, for sObject fields, any
// namespace (PROTOCOL.md §2, §14.9).
type node struct {
	space, local string
	nilAttr      bool
	text         string
	children     []*node
}

// child returns the first child with the local name (element names are
// case-sensitive; the namespace is not compared).
func (n *node) child(local string) *node {
	if n == nil {
		return nil
	}
	for _, c := range n.children {
		if c.local == local {
			return c
		}
	}
	return nil
}

// all returns every child with the local name, in document order.
func (n *node) all(local string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, c := range n.children {
		if c.local == local {
			out = append(out, c)
		}
	}
	return out
}

// value returns the trimmed text of the named child and whether it is
// present and not nil.
func (n *node) value(local string) (string, bool) {
	c := n.child(local)
	if c == nil || c.nilAttr {
		return "", false
	}
	return strings.TrimSpace(c.text), true
}

// values returns the trimmed texts of every named child.
func (n *node) values(local string) []string {
	var out []string
	for _, c := range n.all(local) {
		if !c.nilAttr {
			out = append(out, strings.TrimSpace(c.text))
		}
	}
	return out
}

// boolValue reads an xsd:boolean child; absent or unreadable is def.
func (n *node) boolValue(local string, def bool) bool {
	v, ok := n.value(local)
	if !ok {
		return def
	}
	switch v {
	case "true", "1":
		return true
	case "false", "0":
		return false
	}
	return def
}

// Limits on a parsed request, so a hostile body cannot exhaust memory.
const (
	maxDepth    = 64
	maxElements = 500_000
)

// faultText is a message of Salesforce's XML parser for a request it cannot
// read. The caller gets it verbatim as the faultstring of a soapenv:Client
// fault, capital and full stop included, as the real samples show
// (fault-client-premature-eof-www-salesforce-nb.xml): it is wire text, not
// a Go error string, and is an error only to travel back through
// parseXML, and through encoding/xml from charsetReader.
type faultText string

func (t faultText) Error() string { return string(t) }

// Salesforce's words for an empty body and for one that ends inside an
// element.
const (
	errPrematureEOF = faultText("Premature end of file.")
	errUnclosed     = faultText("XML document structures must start and end within the same entity.")
)

// parseXML reads a whole document into a node tree. Malformed input is an
// error whose text is shown to the caller in a soapenv:Client fault.
func parseXML(r io.Reader) (*node, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && string(b) == "\xef\xbb\xbf" {
		br.Discard(3) //nolint:errcheck // peeked, cannot fail
	}
	d := xml.NewDecoder(br)
	d.Strict = true
	d.CharsetReader = charsetReader
	var (
		root  *node
		stack []*node
		count int
		text  strings.Builder
	)
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == nil {
				return nil, errPrematureEOF
			}
			if len(stack) > 0 {
				return nil, errUnclosed
			}
			return root, nil
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				if strings.Contains(se.Msg, "unexpected EOF") {
					if root == nil {
						return nil, errPrematureEOF
					}
					return nil, errUnclosed
				}
				return nil, fmt.Errorf("%s (line %d)", se.Msg, se.Line)
			}
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxElements || len(stack) >= maxDepth {
				return nil, errors.New("request too complex")
			}
			if root != nil && len(stack) == 0 {
				return nil, faultText("The markup in the document following the root element must be well-formed.")
			}
			n := &node{space: t.Name.Space, local: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == nsXSI && a.Name.Local == "nil" && (a.Value == "true" || a.Value == "1") {
					n.nilAttr = true
				}
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
			text.Reset()
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(t)
			} else if len(bytes.TrimSpace(t)) > 0 {
				return nil, faultText("Content is not allowed in prolog.")
			}
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.children) == 0 {
				n.text = text.String()
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		}
	}
}

// charsetReader accepts the encodings SOAP clients declare. Everything is
// decoded as UTF-8 except Latin-1, which is widened byte by byte.
func charsetReader(label string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "utf-8", "utf8", "us-ascii", "ascii":
		return input, nil
	case "iso-8859-1", "latin1", "iso8859-1":
		b, err := io.ReadAll(input)
		if err != nil {
			return nil, err
		}
		var out strings.Builder
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return strings.NewReader(out.String()), nil
	}
	return nil, faultText(fmt.Sprintf("Invalid encoding name %q.", label))
}

// xw builds compact XML into a byte slice. Responses are written by hand,
// element by element in WSDL order, because the order and the prefixes are
// part of the contract (PROTOCOL.md §2, §14.3).
type xw struct {
	b []byte
}

func (w *xw) raw(s string) { w.b = append(w.b, s...) }

func (w *xw) open(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// openType opens an element carrying xsi:type.
func (w *xw) openType(name, typ string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, ` xsi:type="`...)
	w.b = append(w.b, typ...)
	w.b = append(w.b, `">`...)
}

func (w *xw) close(name string) {
	w.b = append(w.b, "</"...)
	w.b = append(w.b, name...)
	w.b = append(w.b, '>')
}

// elem writes <name>text</name> with text escaped.
func (w *xw) elem(name, text string) {
	w.open(name)
	w.text(text)
	w.close(name)
}

// nilElem writes <name xsi:nil="true"/>.
func (w *xw) nilElem(name string) {
	w.b = append(w.b, '<')
	w.b = append(w.b, name...)
	w.b = append(w.b, ` xsi:nil="true"/>`...)
}

// opt writes the element with its text, or nil when ok is false.
func (w *xw) opt(name, text string, ok bool) {
	if ok {
		w.elem(name, text)
	} else {
		w.nilElem(name)
	}
}

func (w *xw) boolElem(name string, v bool) { w.elem(name, strconv.FormatBool(v)) }

func (w *xw) intElem(name string, v int) {
	w.open(name)
	w.b = strconv.AppendInt(w.b, int64(v), 10)
	w.close(name)
}

// text appends s escaped as Salesforce escapes it (&apos; and &quot; as in
// the real fault samples), dropping characters XML 1.0 cannot carry.
func (w *xw) text(s string) {
	clean := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '\r' || c >= utf8.RuneSelf || (c < 0x20 && c != '\n' && c != '\t') {
			clean = false
			break
		}
	}
	if clean {
		w.b = append(w.b, s...)
		return
	}
	for _, r := range s {
		switch r {
		case '&':
			w.b = append(w.b, "&amp;"...)
		case '<':
			w.b = append(w.b, "&lt;"...)
		case '>':
			w.b = append(w.b, "&gt;"...)
		case '"':
			w.b = append(w.b, "&quot;"...)
		case '\'':
			w.b = append(w.b, "&apos;"...)
		case '\r':
			w.b = append(w.b, "&#xD;"...)
		case '\n', '\t':
			w.b = append(w.b, byte(r))
		default:
			if r < 0x20 || r == utf8.RuneError || (r >= 0xFFFE && r <= 0xFFFF) {
				continue
			}
			w.b = utf8.AppendRune(w.b, r)
		}
	}
}
