package salesforce

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// FuzzDecode feeds arbitrary bytes to every answer decoder: malformed,
// truncated or hostile input must give an error, never a panic or a hang.
// The seed corpus is every real sample plus a small generated page.
func FuzzDecode(f *testing.F) {
	names, _ := filepath.Glob(filepath.Join("testdata", "samples", "*.xml"))
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		f.Add(fragmentEnvelope(b))
	}
	page, _ := benchPage(3)
	f.Add(page)
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>`))
	f.Add([]byte(`<a xmlns:p="u"><p:b x="&#0;" y='&#x110000;'><![CDATA[`))
	ops := []string{"query", "retrieve", "search", "create", "upsert", "merge", "convertLead",
		"describeGlobal", "describeSObject", "login", "getUserInfo", "getServerTimestamp"}
	f.Fuzz(func(t *testing.T, doc []byte) {
		// The one-step path for plain fields must decode exactly what the
		// general path decodes, and fail where it fails.
		fast, ferr := decodeQueryPage(doc)
		d := newDecoder(doc, DefaultMaxDepth)
		d.sc.generalOnly = true
		var slow *partner.QueryResult
		serr := d.envelope("queryResponse", func() { slow = d.queryResponse() })
		if (ferr == nil) != (serr == nil) {
			t.Fatalf("fast path error %v, general path error %v", ferr, serr)
		}
		if ferr == nil && !cmp.Equal(fast, slow) {
			t.Fatalf("fast and general paths differ:\n%s", cmp.Diff(slow, fast))
		}
		for _, op := range ops {
			d := newDecoder(doc, 32)
			d.envelope(op+"Response", func() {
				switch op {
				case "query":
					d.queryResponse()
				case "retrieve":
					d.retrieveResults()
				case "search":
					d.searchResult()
				case "create":
					d.saveResults()
				case "upsert":
					d.upsertResults()
				case "merge":
					d.mergeResults()
				case "convertLead":
					d.leadConvertResults()
				case "describeGlobal":
					d.describeGlobal()
				case "describeSObject":
					d.describeSObjects()
				case "login":
					d.loginResponse()
				case "getUserInfo":
					d.userInfoResponse()
				case "getServerTimestamp":
					d.serverTimestamp()
				}
			})
			if d.sc.depth() > 32 {
				t.Fatalf("depth %d passed the cap", d.sc.depth())
			}
		}
	})
}

// FuzzEncodeValue checks the escaping writer: any value is either refused
// (a character XML 1.0 cannot carry) or read back exactly by encoding/xml.
func FuzzEncodeValue(f *testing.F) {
	for _, s := range []string{"", tricky, "a\x00b", "\uFFFE", "\xed\xa0\x80", "]]>", "\r\n\r", "&lt;", "\t\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		w := envWriter{op: "fuzz"}
		w.open("r")
		w.leaf("v", "v", v)
		w.close("r")
		_, _, bad := partner.InvalidXMLChar(v)
		if w.err != nil {
			if !bad {
				t.Fatalf("refused a valid value %q: %v", v, w.err)
			}
			return
		}
		if bad {
			t.Fatalf("accepted %q", v)
		}
		var got struct {
			V string `xml:"v"`
		}
		if err := xml.Unmarshal(w.b, &got); err != nil {
			t.Fatalf("wrote invalid XML for %q: %v\n%s", v, err, w.b)
		}
		if got.V != v {
			t.Fatalf("round trip %q -> %q", v, got.V)
		}
	})
}
