package meta

import (
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The describes are real REST describes captured from real orgs; see
// describes/README.md for where each comes from and what Load changes.
//
//go:embed describes/*.json
var describeFS embed.FS

// Standard objects taken from complete describes.
var completeDescribes = []string{"Account", "Contact", "Lead", "Opportunity", "Case"}

// Load builds the emulated org: Account, Contact, Lead, Opportunity, Case
// and User from real describes, LeadStatus (so that clients can look up the
// converted status before convertLead), the custom fields on Account and the
// custom object Invoice__c. Every call returns a fresh, independent Schema.
func Load() (*Schema, error) {
	global, err := loadGlobal()
	if err != nil {
		return nil, err
	}
	var objects []*Object
	for _, name := range completeDescribes {
		o, err := loadObject(name + ".json")
		if err != nil {
			return nil, err
		}
		objects = append(objects, o)
	}
	for _, t := range []struct {
		file string
		fix  trimmedFix
	}{
		{"User.soqlMetadata-v61.json", userFix},
		{"LeadStatus.json", leadStatusFix},
	} {
		o, err := loadTrimmed(t.file, t.fix, global)
		if err != nil {
			return nil, err
		}
		objects = append(objects, o)
	}
	for _, o := range objects {
		normalize(o)
	}
	pruneChildRelationships(objects)
	s := NewSchema(objects...)
	if err := addCustomizations(s); err != nil {
		return nil, fmt.Errorf("meta: custom metadata: %w", err)
	}
	return s, nil
}

func loadObject(file string) (*Object, error) {
	b, err := describeFS.ReadFile("describes/" + file)
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	var o Object
	if err := json.Unmarshal(b, &o); err != nil {
		return nil, fmt.Errorf("meta: parse %s: %w", file, err)
	}
	return &o, nil
}

func loadGlobal() (map[string]*Object, error) {
	b, err := describeFS.ReadFile("describes/describeGlobal.subset.json")
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	var g struct {
		SObjects []Object `json:"sobjects"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("meta: parse describeGlobal: %w", err)
	}
	out := make(map[string]*Object, len(g.SObjects))
	for i := range g.SObjects {
		out[g.SObjects[i].Name] = &g.SObjects[i]
	}
	return out, nil
}

// isPackaged reports whether a field belongs to an installed package
// (ns__Name__c).
func isPackaged(name string) bool {
	return strings.HasSuffix(name, "__c") && strings.Count(name, "__") > 1
}

// normalize adapts a REST describe to the emulated org:
//   - fields of installed packages (ns__X__c) are dropped: the emulated org
//     has no packages, and its own custom fields are added by
//     addCustomizations;
//   - the org has only the Master record type, so RecordTypeId (present on
//     Account because the capturing org had a second record type) and the
//     other record types are dropped;
//   - REST's soapType "urn:address"/"urn:location" become the WSDL's
//     "tns:address"/"tns:location";
//   - every object has an Id, so idEnabled is true (a SOAP-only element).
func normalize(o *Object) {
	o.Fields = slices.DeleteFunc(o.Fields, func(f Field) bool {
		return isPackaged(f.Name) || f.Name == "RecordTypeId"
	})
	for i := range o.Fields {
		f := &o.Fields[i]
		switch f.SoapType {
		case "urn:address":
			f.SoapType = "tns:address"
		case "urn:location":
			f.SoapType = "tns:location"
		}
		if f.ReferenceTo == nil {
			f.ReferenceTo = []string{}
		}
		if f.PicklistValues == nil {
			f.PicklistValues = []PicklistEntry{}
		}
	}
	o.RecordTypeInfos = slices.DeleteFunc(o.RecordTypeInfos, func(r RecordTypeInfo) bool { return !r.Master })
	o.IDEnabled = true
	o.Index()
}

// pruneChildRelationships keeps only the child relationships whose child
// object exists in the emulator and has the field, referencing the parent:
// so every relationship a describe advertises can be used in SOQL.
func pruneChildRelationships(objects []*Object) {
	byName := make(map[string]*Object, len(objects))
	for _, o := range objects {
		o.Index()
		byName[o.Name] = o
	}
	for _, parent := range objects {
		parent.ChildRelationships = slices.DeleteFunc(parent.ChildRelationships, func(c ChildRelationship) bool {
			child, ok := byName[c.ChildSObject]
			if !ok {
				return true
			}
			f, ok := child.Field(c.Field)
			return !ok || !slices.Contains(f.ReferenceTo, parent.Name)
		})
		for i := range parent.ChildRelationships {
			c := &parent.ChildRelationships[i]
			if c.JunctionIDListNames == nil {
				c.JunctionIDListNames = []string{}
			}
			if c.JunctionReferenceTo == nil {
				c.JunctionReferenceTo = []string{}
			}
		}
		sortChildRelationships(parent.ChildRelationships)
	}
}

// sortChildRelationships puts relationships in describe order: by child
// object, then field.
func sortChildRelationships(rs []ChildRelationship) {
	slices.SortStableFunc(rs, func(a, b ChildRelationship) int {
		if c := strings.Compare(a.ChildSObject, b.ChildSObject); c != 0 {
			return c
		}
		return strings.Compare(a.Field, b.Field)
	})
}

// ConvertedLeadStatus is the Lead.Status value that marks a converted lead
// (the LeadStatus record with IsConverted true), as in the real Lead
// describe's picklist.
const ConvertedLeadStatus = "Closed - Converted"
