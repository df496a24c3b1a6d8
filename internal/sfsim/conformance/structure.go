// Package conformance holds the independent checks that sfsim (and, later,
// the gateway's Salesforce client) speak the real Partner API: every
// envelope validated against the WSDL's schemas (internal/xsdcheck), every
// real response sample compared structurally with sfsim's answer to the
// same kind of call, and a WSDL-driven SOAP client none of us wrote
// (node-soap, wsdlclient/) pointed at sfsim. The tests are in this
// directory's _test files; this file holds the structural comparator.
package conformance

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Namespaces of the Partner API.
const (
	NSSOAPEnv = "http://schemas.xmlsoap.org/soap/envelope/"
	NSPartner = "urn:partner.soap.sforce.com"
	NSSObject = "urn:sobject.partner.soap.sforce.com"
	NSFault   = "urn:fault.partner.soap.sforce.com"
	NSXSI     = "http://www.w3.org/2001/XMLSchema-instance"
)

var shortNS = map[string]string{
	NSSOAPEnv: "soapenv",
	NSPartner: "partner",
	NSSObject: "sobject",
	NSFault:   "fault",
	NSXSI:     "xsi",
	"":        "none",
}

// Node is one element of an envelope reduced to its structure: what a
// client that walks the XML depends on, without the values.
type Node struct {
	Prefix string // the literal prefix ("" for the default namespace)
	Space  string // namespace URI
	Local  string

	// XSIType is the literal xsi:type value ("sf:sObject"), TypeSpace the
	// namespace its prefix resolves to.
	XSIType, TypeSpace string
	Nil                bool // xsi:nil="true"

	// QName is set for an element whose text is a QName clients parse
	// (faultcode): its literal prefix and the namespace that resolves to.
	QNamePrefix, QNameSpace string

	Children []*Node
}

// qnameText lists the elements whose text is compared as a QName prefix.
var qnameText = map[string]bool{"faultcode": true}

// Parse reads an XML document into its structure. Text, comments and
// processing instructions are dropped, except the prefix of a faultcode.
func Parse(doc []byte) (*Node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var p structureParser
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("conformance: parse: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			err = p.start(t)
		case xml.EndElement:
			err = p.end()
		case xml.CharData:
			if len(p.stack) > 0 {
				p.stack[len(p.stack)-1].text.Write(t)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if p.root == nil {
		return nil, errors.New("conformance: no root element")
	}
	return p.root, nil
}

// structureParser is Parse's state: the open elements, innermost last,
// with the namespaces each declares, and the root once it is seen.
type structureParser struct {
	stack []*openElement
	root  *Node
}

type openElement struct {
	n     *Node
	decls map[string]string
	text  strings.Builder
}

// lookup resolves a prefix in the scope of the open elements.
func (p *structureParser) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return "http://www.w3.org/XML/1998/namespace", true
	}
	for i := len(p.stack) - 1; i >= 0; i-- {
		if uri, ok := p.stack[i].decls[prefix]; ok {
			return uri, true
		}
	}
	return "", prefix == ""
}

// start opens an element: its declarations (in scope for its own name and
// attributes), its namespace, its xsi attributes, its place in the tree.
func (p *structureParser) start(t xml.StartElement) error {
	o := &openElement{n: &Node{Prefix: t.Name.Space, Local: t.Name.Local}, decls: map[string]string{}}
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			o.decls[""] = a.Value
		case a.Name.Space == "xmlns":
			o.decls[a.Name.Local] = a.Value
		}
	}
	p.stack = append(p.stack, o)
	uri, ok := p.lookup(o.n.Prefix)
	if !ok {
		return fmt.Errorf("conformance: prefix %q of <%s:%s> is not declared", o.n.Prefix, o.n.Prefix, o.n.Local)
	}
	o.n.Space = uri
	if err := p.xsiAttributes(o.n, t.Attr); err != nil {
		return err
	}
	if len(p.stack) == 1 {
		if p.root != nil {
			return errors.New("conformance: more than one root element")
		}
		p.root = o.n
	} else {
		parent := p.stack[len(p.stack)-2].n
		parent.Children = append(parent.Children, o.n)
	}
	return nil
}

// xsiAttributes records xsi:type and xsi:nil of n; every attribute prefix
// must be declared.
func (p *structureParser) xsiAttributes(n *Node, attrs []xml.Attr) error {
	for _, a := range attrs {
		if a.Name.Space == "" || a.Name.Space == "xmlns" {
			continue
		}
		auri, ok := p.lookup(a.Name.Space)
		if !ok {
			return fmt.Errorf("conformance: prefix %q of attribute %s:%s is not declared", a.Name.Space, a.Name.Space, a.Name.Local)
		}
		if auri != NSXSI {
			continue
		}
		switch a.Name.Local {
		case "type":
			n.XSIType = a.Value
			prefix, _, found := strings.Cut(a.Value, ":")
			if !found {
				prefix = ""
			}
			tu, ok := p.lookup(prefix)
			if !ok {
				return fmt.Errorf("conformance: prefix %q of xsi:type %q is not declared", prefix, a.Value)
			}
			n.TypeSpace = tu
		case "nil":
			n.Nil = a.Value == "true" || a.Value == "1"
		}
	}
	return nil
}

// end closes the innermost element, resolving the prefix of its text when
// that is a QName clients parse.
func (p *structureParser) end() error {
	// RawToken does not pair tags, so a stray end tag must be caught here.
	if len(p.stack) == 0 {
		return errors.New("conformance: an end tag with no start tag")
	}
	o := p.stack[len(p.stack)-1]
	if qnameText[o.n.Local] && len(o.n.Children) == 0 {
		v := strings.TrimSpace(o.text.String())
		if prefix, _, found := strings.Cut(v, ":"); found {
			o.n.QNamePrefix = prefix
			uri, ok := p.lookup(prefix)
			if !ok {
				return fmt.Errorf("conformance: prefix %q of %s %q is not declared", prefix, o.n.Local, v)
			}
			o.n.QNameSpace = uri
		}
	}
	p.stack = p.stack[:len(p.stack)-1]
	return nil
}

// Lines renders the structure one element a line, indented by depth.
// Consecutive siblings with the same name are folded into one entry (the
// number of records, results or describe fields is data, not structure),
// listing each distinct shape of the run once, sorted. In the sObject
// namespace runs are kept: a doubled sf:Id is structure (Id selected in the
// SOQL).
func (n *Node) Lines() []string {
	var out []string
	n.render(&out, 0)
	return out
}

func (n *Node) label() string {
	var b strings.Builder
	if n.Prefix != "" {
		b.WriteString(n.Prefix + ":")
	}
	b.WriteString(n.Local)
	b.WriteString(" {" + nsName(n.Space) + "}")
	if n.XSIType != "" {
		fmt.Fprintf(&b, " xsi:type=%s{%s}", n.XSIType, nsName(n.TypeSpace))
	}
	if n.Nil {
		b.WriteString(" xsi:nil")
	}
	if n.QNamePrefix != "" {
		fmt.Fprintf(&b, " text=%s:…{%s}", n.QNamePrefix, nsName(n.QNameSpace))
	}
	return b.String()
}

func nsName(uri string) string {
	if s, ok := shortNS[uri]; ok {
		return s
	}
	return uri
}

func (n *Node) render(out *[]string, depth int) {
	*out = append(*out, strings.Repeat("  ", depth)+n.label())
	kids := n.Children
	for i := 0; i < len(kids); {
		j := i + 1
		if kids[i].Space != NSSObject {
			for j < len(kids) && kids[j].Space == kids[i].Space && kids[j].Local == kids[i].Local && kids[j].Prefix == kids[i].Prefix {
				j++
			}
		}
		if j-i == 1 {
			kids[i].render(out, depth+1)
			i = j
			continue
		}
		var variants []string
		seen := map[string]bool{}
		for _, k := range kids[i:j] {
			var sub []string
			k.render(&sub, depth+1)
			s := strings.Join(sub, "\n")
			if !seen[s] {
				seen[s] = true
				variants = append(variants, s)
			}
		}
		slices.Sort(variants)
		for _, v := range variants {
			*out = append(*out, strings.Split(v, "\n")...)
		}
		i = j
	}
}

// Find returns the nodes whose path of local names ends with path (for
// example "userInfo/chatterExternal"), in document order.
func (n *Node) Find(path string) []*Node {
	want := strings.Split(path, "/")
	var out []*Node
	var walk func(x *Node, trail []string)
	walk = func(x *Node, trail []string) {
		trail = append(trail, x.Local)
		if len(trail) >= len(want) && slices.Equal(trail[len(trail)-len(want):], want) {
			out = append(out, x)
		}
		for _, c := range x.Children {
			walk(c, trail)
		}
	}
	walk(n, nil)
	return out
}

// Drop removes every element whose path ends with path and returns how
// many it removed.
func (n *Node) Drop(path string) int {
	doomed := map[*Node]bool{}
	for _, x := range n.Find(path) {
		doomed[x] = true
	}
	var walk func(x *Node)
	walk = func(x *Node) {
		x.Children = slices.DeleteFunc(x.Children, func(c *Node) bool { return doomed[c] })
		for _, c := range x.Children {
			walk(c)
		}
	}
	walk(n)
	return len(doomed)
}

// Body returns the single entry of the envelope's Body, or nil.
func (n *Node) Body() *Node {
	for _, c := range n.Children {
		if c.Space == NSSOAPEnv && c.Local == "Body" && len(c.Children) == 1 {
			return c.Children[0]
		}
	}
	return nil
}
