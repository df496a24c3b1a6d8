package conformance_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// declaredFaults reads, from the WSDL's portType, the fault detail
// elements each operation may answer with: a fault outside that list is
// one a WSDL-generated client cannot map to a type.
var declaredFaults = sync.OnceValues(func() (map[string]map[string]bool, error) {
	b, err := os.ReadFile(filepath.Join("..", "..", "xsdcheck", "testdata", "partner.wsdl"))
	if err != nil {
		return nil, err
	}
	var defs struct {
		Messages []struct {
			Name  string `xml:"name,attr"`
			Parts []struct {
				Element string `xml:"element,attr"`
			} `xml:"part"`
		} `xml:"message"`
		PortTypes []struct {
			Operations []struct {
				Name   string `xml:"name,attr"`
				Faults []struct {
					Message string `xml:"message,attr"`
				} `xml:"fault"`
			} `xml:"operation"`
		} `xml:"portType"`
	}
	if err := xml.Unmarshal(b, &defs); err != nil {
		return nil, err
	}
	element := map[string]string{}
	for _, m := range defs.Messages {
		if len(m.Parts) == 1 {
			_, local, _ := strings.Cut(m.Parts[0].Element, ":")
			element[m.Name] = local
		}
	}
	out := map[string]map[string]bool{}
	for _, pt := range defs.PortTypes {
		for _, op := range pt.Operations {
			set := map[string]bool{}
			for _, f := range op.Faults {
				_, msg, _ := strings.Cut(f.Message, ":")
				set[element[msg]] = true
			}
			out[op.Name] = set
		}
	}
	return out, nil
})
