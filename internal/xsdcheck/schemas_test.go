package xsdcheck_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sfgate/sfgate/internal/xsdcheck"
	"github.com/sfgate/sfgate/internal/xsdcheck/internal/wsdlxsd"
)

// TestSchemasMatchWSDL keeps schemas/ equal to what `go generate` cuts out
// of testdata/partner.wsdl, so the schemas cannot drift from the WSDL.
func TestSchemasMatchWSDL(t *testing.T) {
	t.Parallel()
	wsdl, err := os.ReadFile(filepath.Join("testdata", "partner.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := wsdlxsd.Extract(wsdl, wsdlxsd.PartnerLocations)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{xsdcheck.EntrySchema}
	for _, f := range files {
		want = append(want, f.Name)
		got, err := os.ReadFile(filepath.Join("schemas", f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, f.Content) {
			t.Errorf("schemas/%s differs from the WSDL's schema %s: run go generate ./internal/xsdcheck", f.Name, f.TargetNamespace)
		}
	}
	got, err := filepath.Glob(filepath.Join("schemas", "*.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i] = filepath.Base(got[i])
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("schemas/ holds %v, want %v", got, want)
	}
	if len(files) != 3 {
		t.Errorf("%d schemas in the WSDL, want 3 (partner, sobject, fault)", len(files))
	}
}

// TestExtractKeepsSchemaText checks the extraction changes nothing but the
// start tag's inherited namespace declarations and the imports'
// schemaLocation: with those undone, each schema is the WSDL's text.
func TestExtractKeepsSchemaText(t *testing.T) {
	t.Parallel()
	wsdl, err := os.ReadFile(filepath.Join("testdata", "partner.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	files, err := wsdlxsd.Extract(wsdl, wsdlxsd.PartnerLocations)
	if err != nil {
		t.Fatal(err)
	}
	inherited := [][]byte{
		[]byte(` xmlns:ens="urn:sobject.partner.soap.sforce.com"`),
		[]byte(` xmlns:fns="urn:fault.partner.soap.sforce.com"`),
		[]byte(` xmlns:soap="http://schemas.xmlsoap.org/wsdl/soap/"`),
		[]byte(` xmlns:tns="urn:partner.soap.sforce.com"`),
		[]byte(` xmlns:xsd="http://www.w3.org/2001/XMLSchema"`),
	}
	for _, f := range files {
		body := f.Content
		_, body, _ = bytes.Cut(body, []byte("DO NOT EDIT. -->\n"))
		body = bytes.TrimSuffix(body, []byte("\n"))
		tagEnd := bytes.IndexByte(body, '>')
		tag := body[:tagEnd]
		for _, d := range inherited {
			// fns is declared on the fault schema itself; keep that one.
			if f.TargetNamespace == "urn:fault.partner.soap.sforce.com" && bytes.Contains(d, []byte("xmlns:fns")) {
				continue
			}
			tag = bytes.Replace(tag, d, nil, 1)
		}
		body = append(append([]byte{}, tag...), body[tagEnd:]...)
		for _, loc := range wsdlxsd.PartnerLocations {
			body = bytes.ReplaceAll(body, []byte(` schemaLocation="`+loc+`"`), nil)
		}
		if !bytes.Contains(wsdl, body) {
			t.Errorf("%s: the schema text is not the WSDL's once the two additions are undone", f.Name)
		}
	}
}

// TestCopiesMatchShared checks the copies under testdata/ against the team's
// shared ground truth, when this machine has it (CI machines may not).
func TestCopiesMatchShared(t *testing.T) {
	t.Parallel()
	// shared/ lies beside the repository (CI's clone and the work tree).
	shared := ""
	for _, dir := range []string{filepath.Join("..", "..", "..", "shared", "salesforce"), "/work/shared/salesforce"} {
		if _, err := os.Stat(filepath.Join(dir, "partner.wsdl")); err == nil {
			shared = dir
			break
		}
	}
	if shared == "" {
		t.Skip("no shared ground truth beside the repository; testdata/ is the committed copy")
	}
	pairs := map[string]string{filepath.Join(shared, "partner.wsdl"): filepath.Join("testdata", "partner.wsdl")}
	src, err := filepath.Glob(filepath.Join(shared, "samples", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range src {
		pairs[s] = filepath.Join(samplesDir, filepath.Base(s))
	}
	copies, err := filepath.Glob(filepath.Join(samplesDir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(copies) != len(src) {
		t.Errorf("%d samples in testdata, %d in %s", len(copies), len(src), shared)
	}
	for s, c := range pairs {
		a, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(c)
		if err != nil {
			t.Errorf("%s is not copied: %v", s, err)
			continue
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s", c, s)
		}
	}
}
