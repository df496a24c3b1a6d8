package wsdlxsd

import (
	"strings"
	"testing"
)

const wsdlHead = `<?xml version="1.0"?><definitions xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:a="urn:a" xmlns:b="urn:b"><types>`

func TestExtract(t *testing.T) {
	t.Parallel()
	locs := map[string]string{"urn:a": "a.xsd", "urn:b": "b.xsd"}
	cases := []struct {
		name, types string
		want        []string // substrings of the files, in order
		err         string
	}{
		{
			name: "two schemas importing each other",
			types: `<xsd:schema targetNamespace="urn:a"><xsd:import namespace="urn:b"/><xsd:element name="e" type="b:T"/></xsd:schema>` +
				`<schema xmlns="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:other" targetNamespace="urn:b"><import namespace="urn:a" /><complexType name="T"/></schema>`,
			want: []string{
				// The WSDL's default namespace is carried too.
				`<xsd:schema targetNamespace="urn:a" xmlns="http://schemas.xmlsoap.org/wsdl/" xmlns:a="urn:a" xmlns:b="urn:b" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><xsd:import namespace="urn:b" schemaLocation="b.xsd"/><xsd:element name="e" type="b:T"/></xsd:schema>`,
				// b is redeclared on the schema: the schema's own wins.
				`<schema xmlns="http://www.w3.org/2001/XMLSchema" xmlns:b="urn:other" targetNamespace="urn:b" xmlns:a="urn:a" xmlns:xsd="http://www.w3.org/2001/XMLSchema"><import namespace="urn:a" schemaLocation="a.xsd"/><complexType name="T"/></schema>`,
			},
		},
		{name: "no schema", types: ``, err: "no <schema>"},
		{name: "no target namespace", types: `<xsd:schema><xsd:element name="e"/></xsd:schema>`, err: "without targetNamespace"},
		{name: "unknown schema", types: `<xsd:schema targetNamespace="urn:c"><xsd:element name="e"/></xsd:schema>`, err: `no file name for schema "urn:c"`},
		{name: "unknown import", types: `<xsd:schema targetNamespace="urn:a"><xsd:import namespace="urn:c"/></xsd:schema>`, err: `imports "urn:c"`},
		{name: "import with a location", types: `<xsd:schema targetNamespace="urn:a"><xsd:import namespace="urn:b" schemaLocation="x.xsd"/></xsd:schema>`, err: "already has a schemaLocation"},
		{name: "empty schema", types: `<xsd:schema targetNamespace="urn:a"/>`, err: "empty schema"},
		{name: "two schemas, one file", types: `<xsd:schema targetNamespace="urn:a"><xsd:element name="e"/></xsd:schema><xsd:schema targetNamespace="urn:a"><xsd:element name="f"/></xsd:schema>`, err: "two schemas"},
		{name: "tags do not pair", types: `<xsd:schema targetNamespace="urn:a">`, err: "unexpected end tag </types>"},
		{name: "not closed", types: `<xsd:schema targetNamespace="urn:a"><xsd:element name="e"></xsd:schema></types>`, err: "unexpected end tag </xsd:schema>"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			files, err := Extract([]byte(wsdlHead+c.types+`</types></definitions>`), locs)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(files) != len(c.want) {
				t.Fatalf("%d files, want %d", len(files), len(c.want))
			}
			for i, f := range files {
				if !strings.Contains(string(f.Content), c.want[i]) {
					t.Errorf("file %s:\n%s\nwant it to contain\n%s", f.Name, f.Content, c.want[i])
				}
			}
		})
	}
}
