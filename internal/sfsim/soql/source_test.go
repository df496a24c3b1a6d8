package soql

import (
	"strings"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// memSource is a tiny org for the tests: Account, Contact, User and a custom
// object, with the attributes the engine reads set as real describes set them.
type memSource struct {
	objects map[string]*meta.Object
	records map[string][]meta.Record // by object name
	byID    map[string]string        // canonical id → object
	recByID map[string]meta.Record   // canonical id → record
}

func ptr[T any](v T) *T { return &v }

func fld(name, typ string, opts ...func(*meta.Field)) meta.Field {
	f := meta.Field{Name: name, Type: typ, Filterable: true, Sortable: true, SoapType: "xsd:string"}
	switch typ {
	case "id":
		f.SoapType = "tns:ID"
	case "reference":
		f.SoapType = "tns:ID"
	case "boolean":
		f.SoapType = "xsd:boolean"
	case "int":
		f.SoapType = "xsd:int"
	case "double", "currency", "percent":
		f.SoapType = "xsd:double"
	case "date":
		f.SoapType = "xsd:date"
	case "datetime":
		f.SoapType = "xsd:dateTime"
	case "textarea":
		f.Sortable = false
	case "address":
		f.SoapType = "urn:address"
		f.Filterable, f.Sortable = false, false
	}
	for _, o := range opts {
		o(&f)
	}
	return f
}

func ref(rel string, to ...string) func(*meta.Field) {
	return func(f *meta.Field) { f.RelationshipName, f.ReferenceTo = ptr(rel), to }
}

func compound(name string) func(*meta.Field) {
	return func(f *meta.Field) { f.CompoundFieldName = ptr(name) }
}

func picklist(values ...string) func(*meta.Field) {
	return func(f *meta.Field) {
		for _, v := range values {
			f.PicklistValues = append(f.PicklistValues, meta.PicklistEntry{Active: true, Value: v})
		}
	}
}

func nameField(f *meta.Field) { f.NameField = true }

func noFilter(f *meta.Field) { f.Filterable, f.Sortable = false, false }

func newMemSource() *memSource {
	account := &meta.Object{Name: "Account", Queryable: true, Fields: []meta.Field{
		fld("Id", "id"), fld("IsDeleted", "boolean"), fld("Name", "string", nameField),
		fld("ParentId", "reference", ref("Parent", "Account")),
		fld("OwnerId", "reference", ref("Owner", "User")),
		fld("Industry", "picklist"), fld("Rating", "picklist", picklist("Hot", "Warm", "Cold")), fld("AnnualRevenue", "currency"), fld("NumberOfEmployees", "int"),
		fld("BillingStreet", "textarea", compound("BillingAddress")), fld("BillingCity", "string", compound("BillingAddress")),
		fld("BillingPostalCode", "string", compound("BillingAddress")), fld("BillingCountry", "string", compound("BillingAddress")),
		fld("BillingLatitude", "double", compound("BillingAddress")), fld("BillingLongitude", "double", compound("BillingAddress")),
		fld("BillingAddress", "address"),
		fld("Description", "textarea", noFilter),
		fld("CreatedDate", "datetime"), fld("SLAExpirationDate__c", "date"),
		fld("Tags__c", "multipicklist"), fld("Active__c", "boolean"),
		fld("Site__Latitude__s", "double", compound("Site__c")), fld("Site__Longitude__s", "double", compound("Site__c")),
		fld("Site__c", "location", noFilter),
	}, ChildRelationships: []meta.ChildRelationship{
		{ChildSObject: "Contact", Field: "AccountId", RelationshipName: ptr("Contacts")},
		{ChildSObject: "Account", Field: "ParentId", RelationshipName: ptr("ChildAccounts")},
	}}
	contact := &meta.Object{Name: "Contact", Queryable: true, Fields: []meta.Field{
		fld("Id", "id"), fld("IsDeleted", "boolean"), fld("FirstName", "string", compound("Name")), fld("LastName", "string", compound("Name")),
		fld("Name", "string", nameField), fld("Email", "email"), fld("Phone", "phone"),
		fld("AccountId", "reference", ref("Account", "Account")), fld("Birthdate", "date"),
		fld("OwnerId", "reference", ref("Owner", "User")),
	}}
	user := &meta.Object{Name: "User", Queryable: true, Fields: []meta.Field{
		fld("Id", "id"), fld("Name", "string"), fld("IsActive", "boolean"),
		fld("ManagerId", "reference", ref("Manager", "User")),
	}}
	task := &meta.Object{Name: "Task", Queryable: true, Fields: []meta.Field{
		fld("Id", "id"), fld("IsDeleted", "boolean"), fld("Subject", "string"),
		fld("WhoId", "reference", ref("Who", "Contact", "Lead")),
	}}
	s := &memSource{objects: map[string]*meta.Object{}, records: map[string][]meta.Record{}, byID: map[string]string{}, recByID: map[string]meta.Record{}}
	for _, o := range []*meta.Object{account, contact, user, task} {
		s.objects[strings.ToLower(o.Name)] = o
	}
	// Users form a management chain u5 → u4 → u3 → u2 → u1.
	s.add("User", meta.Record{"Id": "005000000000001AAA", "Name": "Ursula Boss", "IsActive": "true"})
	s.add("User", meta.Record{"Id": "005000000000002AAA", "Name": "Victor Two", "IsActive": "true", "ManagerId": "005000000000001AAA"})
	s.add("User", meta.Record{"Id": "005000000000003AAA", "Name": "Wanda Three", "IsActive": "false", "ManagerId": "005000000000002AAA"})
	s.add("User", meta.Record{"Id": "005000000000004AAA", "Name": "Xavier Four", "IsActive": "true", "ManagerId": "005000000000003AAA"})
	s.add("Account", meta.Record{"Id": "001000000000001AAA", "IsDeleted": "false", "Name": "Acme", "Industry": "Energy", "Rating": "Hot",
		"AnnualRevenue": "1000000.10", "NumberOfEmployees": "250", "OwnerId": "005000000000004AAA",
		"BillingStreet": "1 Main St", "BillingCity": "Springfield", "BillingCountry": "US", "BillingLatitude": "39.78",
		"CreatedDate": "2026-11-30T08:00:00.000Z", "SLAExpirationDate__c": "2026-12-01", "Tags__c": "Gold;Partner", "Active__c": "true",
		"Description": "long text", "Site__Latitude__s": "-33.5", "Site__Longitude__s": "151.25"})
	s.add("Account", meta.Record{"Id": "001000000000002AAA", "IsDeleted": "false", "Name": "globex", "Industry": "Banking", "Rating": "cold",
		"AnnualRevenue": "1000000.1", "NumberOfEmployees": "90", "ParentId": "001000000000001AAA", "OwnerId": "005000000000003AAA",
		"CreatedDate": "2026-11-29T23:30:00.000Z", "SLAExpirationDate__c": "2026-10-15", "Tags__c": "Silver", "Active__c": "false"})
	s.add("Account", meta.Record{"Id": "001000000000003AAA", "IsDeleted": "false", "Name": "Initech 50%_off", "Rating": "Warm", "ParentId": "001000000000002AAA",
		"OwnerId": "005000000000004AAA", "AnnualRevenue": "0.3", "CreatedDate": "2025-06-01T12:00:00.000Z", "Tags__c": "Gold;Silver", "Active__c": "true"})
	s.add("Account", meta.Record{"Id": "001000000000004AAA", "IsDeleted": "true", "Name": "Umbrella (deleted)", "Industry": "Energy",
		"CreatedDate": "2024-01-01T00:00:00.000Z"})
	s.add("Account", meta.Record{"Id": "001000000000005AAA", "IsDeleted": "false", "Name": "O'Brien & Co\\", "Industry": "Retail",
		"ParentId": "001000000000003AAA", "NumberOfEmployees": "5", "CreatedDate": "2026-11-28T10:00:00.000Z"})
	s.add("Account", meta.Record{"Id": "001000000000006AAA", "IsDeleted": "false", "Name": "Deep Six", "ParentId": "001000000000005AAA",
		"OwnerId": "005000000000004AAA", "CreatedDate": "2026-12-01T10:00:00.000Z"})
	s.add("Contact", meta.Record{"Id": "003000000000001AAA", "IsDeleted": "false", "FirstName": "Ann", "LastName": "Able", "Name": "Ann Able",
		"Email": "ann@acme.test", "Phone": "(415) 555-0101", "AccountId": "001000000000001AAA", "Birthdate": "1990-05-17"})
	s.add("Contact", meta.Record{"Id": "003000000000002AAA", "IsDeleted": "false", "FirstName": "Bob", "LastName": "Baker", "Name": "Bob Baker",
		"Email": "bob@acme.test", "AccountId": "001000000000001AAA"})
	s.add("Contact", meta.Record{"Id": "003000000000003AAA", "IsDeleted": "true", "FirstName": "Cy", "LastName": "Gone", "Name": "Cy Gone",
		"AccountId": "001000000000001AAA"})
	s.add("Contact", meta.Record{"Id": "003000000000004AAA", "IsDeleted": "false", "LastName": "Lonely", "Name": "Lonely"})
	s.add("Contact", meta.Record{"Id": "003000000000005AAA", "IsDeleted": "false", "FirstName": "Dee", "LastName": "Deep", "Name": "Dee Deep",
		"AccountId": "001000000000006AAA", "Email": "dee@six.test"})
	s.add("Task", meta.Record{"Id": "00T000000000001AAA", "IsDeleted": "false", "Subject": "Call", "WhoId": "003000000000001AAA"})
	return s
}

func (s *memSource) add(obj string, r meta.Record) {
	s.records[obj] = append(s.records[obj], r)
	s.byID[canonID(r["Id"])] = obj
	s.recByID[canonID(r["Id"])] = r
}

func (s *memSource) Object(name string) (*meta.Object, bool) {
	o, ok := s.objects[strings.ToLower(name)]
	return o, ok
}

func (s *memSource) Records(object string) []meta.Record { return s.records[object] }

func (s *memSource) Get(id string) (string, meta.Record, bool) {
	obj, ok := s.byID[canonID(id)]
	if !ok {
		return "", nil, false
	}
	return obj, s.recByID[canonID(id)], true
}
