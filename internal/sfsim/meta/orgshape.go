package meta

import "strings"

// MasterRecordTypeID is the id every object's Master record type shows in
// describe. It names no RecordType row: "As the master record type is a
// place holder it does not have a record type id" (Salesforce Help
// 000005125), so a record of the Master record type has a null
// RecordTypeId.
const MasterRecordTypeID = "012000000000000AAA"

// RecordType finds one of the object's record types by a 15- or
// 18-character id (the suffix compared ignoring case, as everywhere).
func (o *Object) RecordType(id string) (*RecordTypeInfo, bool) {
	id18, err := To18(id)
	if err != nil {
		return nil, false
	}
	for i := range o.RecordTypeInfos {
		r := &o.RecordTypeInfos[i]
		if r.RecordTypeID != nil && strings.EqualFold(*r.RecordTypeID, id18) {
			return r, true
		}
	}
	return nil, false
}

// DefaultRecordType returns the record type a create without RecordTypeId
// gets: the one describe marks defaultRecordTypeMapping for the calling
// user. ok is false when the object has none.
func (o *Object) DefaultRecordType() (*RecordTypeInfo, bool) {
	for i := range o.RecordTypeInfos {
		r := &o.RecordTypeInfos[i]
		if r.DefaultRecordTypeMapping && r.Available {
			return r, true
		}
	}
	return nil, false
}

// UnemulatedChild is the describe the SOQL engine uses for the child side
// of a child relationship whose object the emulated org does not have (the
// real describes list every child relationship, e.g. Account's Notes or
// ActivityHistories). Such an object has no records, so a subquery on it
// answers no rows, as Salesforce does for a parent without children; only
// Id and the link field are known, so selecting anything else is refused as
// an unknown column.
func UnemulatedChild(c *ChildRelationship, parent string) *Object {
	o := &Object{
		Name: c.ChildSObject, Label: c.ChildSObject, LabelPlural: c.ChildSObject,
		Queryable: true, Retrieveable: true, IDEnabled: true,
		Fields: []Field{
			{Name: "Id", Type: "id", SoapType: "tns:ID", Label: "Record ID", Length: 18, ByteLength: 18,
				Filterable: true, Groupable: true, Sortable: true, IDLookup: true, DefaultedOnCreate: true,
				ReferenceTo: []string{}, PicklistValues: []PicklistEntry{}},
		},
	}
	if !strings.EqualFold(c.Field, "Id") {
		o.Fields = append(o.Fields, Field{
			Name: c.Field, Type: "reference", SoapType: "tns:ID", Label: c.Field, Length: 18, ByteLength: 18,
			Filterable: true, Groupable: true, Sortable: true, Nillable: true,
			ReferenceTo: []string{parent}, PicklistValues: []PicklistEntry{},
		})
	}
	o.Index()
	return o
}
