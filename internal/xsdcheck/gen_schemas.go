//go:build ignore

// gen_schemas writes the schemas carried in testdata/partner.wsdl to
// schemas/*.xsd. Run it with `go generate ./internal/xsdcheck`.
package main

import (
	"log"
	"os"
	"path/filepath"

	"github.com/sfgate/sfgate/internal/xsdcheck/internal/wsdlxsd"
)

func main() {
	wsdl, err := os.ReadFile(filepath.Join("testdata", "partner.wsdl"))
	if err != nil {
		log.Fatal(err)
	}
	files, err := wsdlxsd.Extract(wsdl, wsdlxsd.PartnerLocations)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join("schemas", f.Name), f.Content, 0o644); err != nil {
			log.Fatal(err)
		}
	}
}
