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
	dropForeignFields(objects)
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

// normalize adapts a REST describe to the SOAP describe, and keeps
// everything the real org had: installed-package fields (ns__X__c), every
// record type with RecordTypeId, every child relationship.
//   - REST's soapType "urn:address"/"urn:location" become the WSDL's
//     "tns:address"/"tns:location";
//   - every object has an Id, so idEnabled is true (a SOAP-only element);
//   - absent lists become empty ones, so they render as no elements.
func normalize(o *Object) {
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
	for i := range o.ChildRelationships {
		c := &o.ChildRelationships[i]
		if c.JunctionIDListNames == nil {
			c.JunctionIDListNames = []string{}
		}
		if c.JunctionReferenceTo == nil {
			c.JunctionReferenceTo = []string{}
		}
	}
	sortChildRelationships(o.ChildRelationships)
	o.IDEnabled = true
	o.Index()
}

// dropForeignFields removes the child relationships that name a field the
// emulated child object does not have. The describes come from different
// orgs: the User capture lists Accounts__r, the link of its org's own
// Account.JIRA_Project_Lead__c, which the captured Account (another org)
// lacks. Relationships to objects the emulator does not have are all kept.
func dropForeignFields(objects []*Object) {
	byName := make(map[string]*Object, len(objects))
	for _, o := range objects {
		byName[o.Name] = o
	}
	for _, parent := range objects {
		parent.ChildRelationships = slices.DeleteFunc(parent.ChildRelationships, func(c ChildRelationship) bool {
			child, ok := byName[c.ChildSObject]
			if !ok {
				return false
			}
			_, has := child.Field(c.Field)
			return !has
		})
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
