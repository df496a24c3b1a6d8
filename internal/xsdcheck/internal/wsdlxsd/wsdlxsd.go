// Package wsdlxsd cuts the XML Schemas out of a WSDL's <types> so that a
// schema validator can load them as standalone .xsd files.
//
// The schemas are copied byte for byte. Only two things change, both
// required for a schema to stand alone: the namespace declarations the
// schema inherited from <definitions> are written onto its <schema> start
// tag, and each <import> of a sibling schema gets a schemaLocation naming
// the sibling's file.
package wsdlxsd

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
)

const xsdNS = "http://www.w3.org/2001/XMLSchema"

// File is one extracted schema.
type File struct {
	Name            string // file name, from the locations map
	TargetNamespace string
	Content         []byte
}

type span struct{ start, end int64 }

type schemaCut struct {
	tag       span // the <schema …> start tag
	whole     span // from the start tag to the end of </schema>
	target    string
	inherited map[string]string // prefix → URI in scope outside the schema ("" = default)
	declared  map[string]bool   // prefixes declared on the schema tag itself
	imports   []importCut
}

type importCut struct {
	tag       span
	namespace string
}

// Extract returns one File per <schema> in wsdl, in document order.
// locations maps each schema's targetNamespace to the file name it gets;
// a schema or an import whose namespace is not in it is an error, so a new
// schema in a future WSDL cannot be dropped silently.
func Extract(wsdl []byte, locations map[string]string) ([]File, error) {
	cuts, err := scan(wsdl)
	if err != nil {
		return nil, err
	}
	if len(cuts) == 0 {
		return nil, errors.New("wsdlxsd: no <schema> in the WSDL")
	}
	files := make([]File, 0, len(cuts))
	seen := map[string]bool{}
	for _, c := range cuts {
		name, ok := locations[c.target]
		if !ok {
			return nil, fmt.Errorf("wsdlxsd: no file name for schema %q", c.target)
		}
		if seen[name] {
			return nil, fmt.Errorf("wsdlxsd: two schemas for file %q", name)
		}
		seen[name] = true
		content, err := render(wsdl, c, locations)
		if err != nil {
			return nil, err
		}
		files = append(files, File{Name: name, TargetNamespace: c.target, Content: content})
	}
	return files, nil
}

// scan walks the WSDL once and records where each schema, its start tag
// and its imports are.
func scan(wsdl []byte) ([]schemaCut, error) {
	d := xml.NewDecoder(bytes.NewReader(wsdl))
	var (
		scopes []map[string]string // namespace declarations per open element
		names  []xml.Name          // raw names of the open elements
		cuts   []schemaCut
		cur    *schemaCut
		depth  int // depth of the open schema element, 0 when outside
	)
	lookup := func(prefix string) string {
		for i := len(scopes) - 1; i >= 0; i-- {
			if uri, ok := scopes[i][prefix]; ok {
				return uri
			}
		}
		return ""
	}
	for {
		before := d.InputOffset()
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("wsdlxsd: parse WSDL: %w", err)
		}
		after := d.InputOffset()
		switch t := tok.(type) {
		case xml.StartElement:
			decls := map[string]string{}
			for _, a := range t.Attr {
				switch {
				case a.Name.Space == "" && a.Name.Local == "xmlns":
					decls[""] = a.Value
				case a.Name.Space == "xmlns":
					decls[a.Name.Local] = a.Value
				}
			}
			outer := scopes
			scopes = append(scopes, decls)
			names = append(names, t.Name)
			ns := lookup(t.Name.Space)
			switch {
			case cur == nil && t.Name.Local == "schema" && ns == xsdNS:
				c := schemaCut{tag: span{before, after}, inherited: flatten(outer), declared: map[string]bool{}}
				for p := range decls {
					c.declared[p] = true
				}
				for _, a := range t.Attr {
					if a.Name.Space == "" && a.Name.Local == "targetNamespace" {
						c.target = a.Value
					}
				}
				if c.target == "" {
					return nil, errors.New("wsdlxsd: a <schema> without targetNamespace")
				}
				if bytes.HasSuffix(wsdl[before:after], []byte("/>")) {
					return nil, fmt.Errorf("wsdlxsd: empty schema %q", c.target)
				}
				cuts = append(cuts, c)
				cur = &cuts[len(cuts)-1]
				depth = len(scopes)
			case cur != nil && len(scopes) == depth+1 && t.Name.Local == "import" && ns == xsdNS:
				imp := importCut{tag: span{before, after}}
				for _, a := range t.Attr {
					switch {
					case a.Name.Space == "" && a.Name.Local == "namespace":
						imp.namespace = a.Value
					case a.Name.Space == "" && a.Name.Local == "schemaLocation":
						return nil, fmt.Errorf("wsdlxsd: import of %q already has a schemaLocation", a.Value)
					}
				}
				cur.imports = append(cur.imports, imp)
			}
		case xml.EndElement:
			// RawToken does not pair tags: check it here.
			if len(names) == 0 || names[len(names)-1] != t.Name {
				return nil, fmt.Errorf("wsdlxsd: parse WSDL: unexpected end tag </%s> at byte %d", rawName(t.Name), before)
			}
			names = names[:len(names)-1]
			if cur != nil && len(scopes) == depth {
				cur.whole = span{cur.tag.start, after}
				cur = nil
				depth = 0
			}
			scopes = scopes[:len(scopes)-1]
		}
	}
	if len(names) > 0 {
		return nil, fmt.Errorf("wsdlxsd: parse WSDL: <%s> is not closed", rawName(names[len(names)-1]))
	}
	return cuts, nil
}

func rawName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func flatten(scopes []map[string]string) map[string]string {
	out := map[string]string{}
	for _, s := range scopes {
		for p, uri := range s {
			out[p] = uri
		}
	}
	return out
}

func render(wsdl []byte, c schemaCut, locations map[string]string) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
	b.WriteString("<!-- Generated by internal/xsdcheck (go generate) from partner.wsdl. DO NOT EDIT. -->\n")

	// The start tag, with the inherited declarations it does not override.
	tag := wsdl[c.tag.start:c.tag.end]
	b.Write(tag[:len(tag)-1])
	prefixes := make([]string, 0, len(c.inherited))
	for p := range c.inherited {
		if !c.declared[p] {
			prefixes = append(prefixes, p)
		}
	}
	slices.Sort(prefixes)
	for _, p := range prefixes {
		// The default namespace too: unprefixed QNames in the schema's
		// attributes keep the meaning they had inside the WSDL.
		if p == "" {
			fmt.Fprintf(&b, " xmlns=%q", c.inherited[p])
			continue
		}
		fmt.Fprintf(&b, " xmlns:%s=%q", p, c.inherited[p])
	}
	b.WriteByte('>')

	pos := c.tag.end
	for _, imp := range c.imports {
		loc, ok := locations[imp.namespace]
		if !ok {
			return nil, fmt.Errorf("wsdlxsd: schema %q imports %q, which has no file name", c.target, imp.namespace)
		}
		b.Write(wsdl[pos:imp.tag.start])
		it := wsdl[imp.tag.start:imp.tag.end]
		cut := len(it) - 1
		if bytes.HasSuffix(it, []byte("/>")) {
			cut = len(it) - 2
		}
		b.Write(bytes.TrimRight(it[:cut], " \t\r\n"))
		fmt.Fprintf(&b, " schemaLocation=%q", loc)
		b.Write(it[cut:])
		pos = imp.tag.end
	}
	b.Write(wsdl[pos:c.whole.end])
	b.WriteByte('\n')
	return b.Bytes(), nil
}

// PartnerLocations names the file of each schema in Salesforce's Partner
// WSDL.
var PartnerLocations = map[string]string{
	"urn:partner.soap.sforce.com":         "partner.xsd",
	"urn:sobject.partner.soap.sforce.com": "sobject.xsd",
	"urn:fault.partner.soap.sforce.com":   "fault.xsd",
}
