package conformance_test

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim/conformance"
)

// TestStructureComparator proves the comparator sees what it must (order,
// names, namespaces, the literal prefixes, xsi:type, xsi:nil, a doubled
// sf:Id, the faultcode's prefix) and ignores what it must (values, how many
// records, comments, whitespace).
func TestStructureComparator(t *testing.T) {
	t.Parallel()
	query := string(readSample(t, "query-response-compact-www-salesforce.xml"))
	fault := string(readSample(t, "fault-invalid-field-www-salesforce.xml"))
	record := regexp.MustCompile(`<records .*?</records>`).FindString(query)
	cases := []struct {
		name, base, old, new string
		same                 bool
	}{
		{name: "other values", base: query, old: `FooBar Homer`, new: `Someone Else`, same: true},
		{name: "other size and ids", base: query, old: `0BXBXBXBXBXcvhDAAR`, new: `001000000000001AAA`, same: true},
		{name: "one more record", base: query, old: record, new: record + record, same: true},
		{name: "one record fewer", base: query, old: record, new: "", same: true},
		{name: "pretty-printed, with a comment", base: query, old: `<done>`, new: "\n  <!-- note -->\n  <done>", same: true},
		{name: "elements swapped", base: query, old: `<done>true</done><queryLocator xsi:nil="true"/>`, new: `<queryLocator xsi:nil="true"/><done>true</done>`},
		{name: "element renamed", base: query, old: `<size>2</size>`, new: `<totalSize>2</totalSize>`},
		{name: "element missing", base: query, old: `<size>2</size>`, new: ``},
		{name: "sf prefix renamed", base: query, old: `xmlns:sf=`, new: `xmlns:ns1=`, same: false},
		{name: "an unused declaration added", base: query, old: `xmlns="urn:partner.soap.sforce.com"`, new: `xmlns:p="urn:partner.soap.sforce.com" xmlns="urn:partner.soap.sforce.com"`, same: true},
		{name: "a partner element prefixed", base: query, old: `<size>2</size>`, new: `<p:size xmlns:p="urn:partner.soap.sforce.com">2</p:size>`},
		{name: "sf bound to another namespace", base: query, old: `xmlns:sf="urn:sobject.partner.soap.sforce.com"`, new: `xmlns:sf="urn:fault.partner.soap.sforce.com"`},
		{name: "xsi:type dropped", base: query, old: `<result xsi:type="QueryResult">`, new: `<result>`},
		{name: "xsi:type other", base: query, old: `xsi:type="sf:sObject"`, new: `xsi:type="sObject"`},
		{name: "xsi:nil dropped", base: query, old: `<queryLocator xsi:nil="true"/>`, new: `<queryLocator/>`},
		{name: "single sf:Id", base: query, old: `<sf:Id>0BXBXBXBXBXcvhDAAR</sf:Id><sf:Id>0BXBXBXBXBXcvhDAAR</sf:Id>`, new: `<sf:Id>0BXBXBXBXBXcvhDAAR</sf:Id>`},
		{name: "other fault code", base: fault, old: `sf:INVALID_FIELD</faultcode>`, new: `sf:MALFORMED_QUERY</faultcode>`, same: true},
		{name: "faultcode prefix", base: fault, old: `<faultcode>sf:`, new: `<faultcode>soapenv:`},
		{name: "detail child order", base: fault, old: `<sf:row>1</sf:row><sf:column>8</sf:column>`, new: `<sf:column>8</sf:column><sf:row>1</sf:row>`},
	}
	lines := func(doc string) []string {
		n, err := conformance.Parse([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		return n.Lines()
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(c.base, c.old) {
				t.Fatalf("base has no %q", c.old)
			}
			changed := strings.Replace(c.base, c.old, c.new, 1)
			if c.name == "sf prefix renamed" {
				changed = strings.ReplaceAll(changed, "sf:", "ns1:")
			}
			got := slices.Equal(lines(c.base), lines(changed))
			if got != c.same {
				t.Errorf("same structure: %t, want %t\n%s\n---\n%s", got, c.same, strings.Join(lines(c.base), "\n"), strings.Join(lines(changed), "\n"))
			}
		})
	}

	if _, err := conformance.Parse([]byte(`<a><sf:b/></a>`)); err == nil {
		t.Error("an undeclared prefix parsed")
	}
	if _, err := conformance.Parse([]byte(`<a xmlns:xsi="` + conformance.NSXSI + `" xsi:type="q:T"/>`)); err == nil {
		t.Error("an xsi:type with an undeclared prefix parsed")
	}
}

// TestStructureDrop checks the allowance helpers find and drop by path
// suffix.
func TestStructureDrop(t *testing.T) {
	t.Parallel()
	n, err := conformance.Parse(readSample(t, "login-response-v37-compact-www-salesforce.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(n.Find("userInfo/userId")); got != 1 {
		t.Errorf("Find userInfo/userId: %d, want 1 (not result/userId)", got)
	}
	if got := len(n.Find("userId")); got != 2 {
		t.Errorf("Find userId: %d, want 2", got)
	}
	if got := n.Drop("userInfo/roleId"); got != 1 {
		t.Errorf("Drop: %d", got)
	}
	if len(n.Find("roleId")) != 0 || n.Drop("userInfo/roleId") != 0 {
		t.Error("roleId still there")
	}
}

func TestParseRefusesAStrayEndTag(t *testing.T) {
	t.Parallel()
	for _, doc := range []string{"</a>", "<a></a></b>"} {
		if _, err := conformance.Parse([]byte(doc)); err == nil {
			t.Errorf("Parse(%q) accepted a document with an end tag that closes nothing", doc)
		}
	}
}
