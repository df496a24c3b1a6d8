package meta

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
)

// loaded is one Schema shared by read-only tests; tests that change a
// schema Clone it or Load their own.
var loaded = sync.OnceValues(Load)

func mustLoad(t testing.TB) *Schema {
	t.Helper()
	s, err := loaded()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return s
}

func TestLoadObjects(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	var names []string
	for _, o := range s.Objects() {
		names = append(names, o.Name)
	}
	want := []string{"Account", "Case", "Contact", "Invoice__c", "Lead", "LeadStatus", "Opportunity", "User"}
	if !slices.Equal(names, want) {
		t.Errorf("Objects() = %v, want %v", names, want)
	}
	// Byte order, as the real describeGlobal (upper case before lower).
	c := s.Clone()
	if _, err := c.AddObject(ObjectSpec{Name: "AppleX__c"}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddObject(ObjectSpec{Name: "APIx__c"}); err != nil {
		t.Fatal(err)
	}
	if objs := c.Objects(); objs[0].Name != "APIx__c" || objs[1].Name != "Account" || objs[2].Name != "AppleX__c" {
		t.Errorf("Objects() starts %s, %s, %s; want APIx__c, Account, AppleX__c", objs[0].Name, objs[1].Name, objs[2].Name)
	}
	tests := []struct {
		lookup, name, prefix string
		custom               bool
	}{
		{"Account", "Account", "001", false},
		{"account", "Account", "001", false},
		{"CONTACT", "Contact", "003", false},
		{"Lead", "Lead", "00Q", false},
		{"opportunity", "Opportunity", "006", false},
		{"Case", "Case", "500", false},
		{"user", "User", "005", false},
		{"LeadStatus", "LeadStatus", "01J", false},
		{"invoice__C", "Invoice__c", "a01", true},
	}
	for _, tc := range tests {
		o, ok := s.Object(tc.lookup)
		if !ok {
			t.Errorf("Object(%q) not found", tc.lookup)
			continue
		}
		if o.Name != tc.name || o.Prefix() != tc.prefix || o.Custom != tc.custom {
			t.Errorf("Object(%q) = %s %s custom=%v, want %s %s custom=%v", tc.lookup, o.Name, o.Prefix(), o.Custom, tc.name, tc.prefix, tc.custom)
		}
		if byPrefix, ok := s.ObjectByKeyPrefix(tc.prefix); !ok || byPrefix != o {
			t.Errorf("ObjectByKeyPrefix(%q) does not give %s", tc.prefix, tc.name)
		}
		if byID, ok := s.ObjectForID(NewID(tc.prefix)); !ok || byID != o {
			t.Errorf("ObjectForID of a new %s id does not give it", tc.name)
		}
	}
	if _, ok := s.Object("Asset"); ok {
		t.Errorf("Object(Asset) found; the emulator has no Asset")
	}
	if _, ok := s.ObjectByKeyPrefix("02i"); ok {
		t.Errorf("ObjectByKeyPrefix(02i) found")
	}
}

// TestLoadIsFresh: each Load is independent.
func TestLoadIsFresh(t *testing.T) {
	t.Parallel()
	a, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	b := mustLoad(t)
	if _, err := a.AddField("Contact", FieldSpec{Name: "Fresh__c", Type: "text"}); err != nil {
		t.Fatal(err)
	}
	if c, _ := b.Object("Contact"); c != nil {
		if _, ok := c.Field("Fresh__c"); ok {
			t.Errorf("a field added to one loaded schema shows in another")
		}
	}
}

// TestChildRelationshipsResolve: the real describes' child relationships
// are all kept (a real org describes relationships whose child object the
// emulator lacks); every one whose child object is emulated points at a
// reference field of it that references the parent; names are unique per
// parent.
func TestChildRelationshipsResolve(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	for _, parent := range s.Objects() {
		seen := map[string]bool{}
		for _, c := range parent.ChildRelationships {
			if c.RelationshipName != nil {
				k := strings.ToLower(*c.RelationshipName)
				if seen[k] {
					t.Errorf("%s has two child relationships named %s", parent.Name, *c.RelationshipName)
				}
				seen[k] = true
				if got, ok := parent.ChildRelationship(*c.RelationshipName); !ok || got.Field != c.Field {
					t.Errorf("%s.ChildRelationship(%q) does not find it", parent.Name, *c.RelationshipName)
				}
			}
			child, ok := s.Object(c.ChildSObject)
			if !ok {
				continue
			}
			f, ok := child.Field(c.Field)
			if !ok {
				t.Errorf("%s advertises child %s.%s: no such field", parent.Name, c.ChildSObject, c.Field)
				continue
			}
			if f.Type != "reference" || !slices.Contains(f.ReferenceTo, parent.Name) {
				t.Errorf("%s.%s (%s → %v) does not reference %s", c.ChildSObject, c.Field, f.Type, f.ReferenceTo, parent.Name)
			}
		}
	}
	// Counts of the captures (describe/README.md) plus what the emulated
	// org adds: Account 75 + Invoices__r; User 1993 - Accounts__r (see dropForeignFields) + Invoice__c's
	// CreatedBy, LastModifiedBy and Owner.
	want := map[string]struct {
		n     int
		names []string
	}{
		"Account":     {76, []string{"Cases", "ChildAccounts", "Contacts", "Invoices__r", "Notes", "Opportunities", "telearndaypkg__Financial_Accounts__r"}},
		"Contact":     {95, []string{"Cases", "Opportunities", "Users"}},
		"Case":        {49, []string{"CaseComments", "Cases"}},
		"Opportunity": {49, nil},
		"Lead":        {57, nil},
		"User":        {1995, []string{"DelegatedUsers", "ManagedUsers"}},
	}
	for obj, w := range want {
		o, _ := s.Object(obj)
		if len(o.ChildRelationships) != w.n {
			t.Errorf("%s has %d child relationships, want %d", obj, len(o.ChildRelationships), w.n)
		}
		for _, name := range w.names {
			if _, ok := o.ChildRelationship(name); !ok {
				t.Errorf("%s lacks child relationship %s", obj, name)
			}
		}
	}
}

var soapTypeOf = map[string]string{
	"id": "tns:ID", "reference": "tns:ID", "string": "xsd:string", "picklist": "xsd:string",
	"multipicklist": "xsd:string", "combobox": "xsd:string", "textarea": "xsd:string",
	"phone": "xsd:string", "url": "xsd:string", "email": "xsd:string", "encryptedstring": "xsd:string",
	"boolean": "xsd:boolean", "double": "xsd:double", "currency": "xsd:double", "percent": "xsd:double",
	"int": "xsd:int", "date": "xsd:date", "datetime": "xsd:dateTime", "time": "xsd:time",
	"address": "tns:address", "location": "tns:location", "base64": "xsd:base64Binary",
	"anyType": "xsd:anyType",
}

// TestFieldInvariants checks, for every field of every object, the rules
// the real describes follow (describe/README.md "What the data shows").
func TestFieldInvariants(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	for _, o := range s.Objects() {
		names := map[string]bool{}
		for i := range o.Fields {
			f := &o.Fields[i]
			where := o.Name + "." + f.Name
			if names[strings.ToLower(f.Name)] {
				t.Errorf("%s: duplicate field", where)
			}
			names[strings.ToLower(f.Name)] = true
			if got, ok := o.Field(strings.ToUpper(f.Name)); !ok || got != f {
				t.Errorf("%s: Field() by upper-case name does not find it", where)
			}
			if want, ok := soapTypeOf[f.Type]; !ok || f.SoapType != want {
				t.Errorf("%s: type %s has soapType %s, want %s", where, f.Type, f.SoapType, want)
			}
			switch f.SoapType {
			case "xsd:string":
				// Two real standard fields break the 3× rule; the captures
				// are kept as they are.
				if where == "Case.Comments" || where == "Opportunity.Fiscal" {
					break
				}
				if f.Length <= 0 || f.ByteLength != 3*f.Length {
					t.Errorf("%s: length %d byteLength %d, want byteLength 3×length", where, f.Length, f.ByteLength)
				}
			case "tns:ID":
				if f.Length != 18 || f.ByteLength != 18 {
					t.Errorf("%s: id length %d/%d, want 18/18", where, f.Length, f.ByteLength)
				}
			case "xsd:double":
				if f.Precision <= 0 || f.Scale < 0 || f.Scale > f.Precision {
					t.Errorf("%s: precision %d scale %d", where, f.Precision, f.Scale)
				}
			case "xsd:int":
				if f.Digits <= 0 {
					t.Errorf("%s: int without digits", where)
				}
			case "xsd:boolean":
				if f.Nillable {
					t.Errorf("%s: boolean is nillable", where)
				}
			}
			if f.Custom != strings.HasSuffix(f.Name, "__c") {
				t.Errorf("%s: custom=%v", where, f.Custom)
			}
			if (f.Type == "reference") != (len(f.ReferenceTo) > 0) {
				t.Errorf("%s: type %s with referenceTo %v", where, f.Type, f.ReferenceTo)
			}
			if f.PolymorphicForeignKey != (len(f.ReferenceTo) > 1) {
				t.Errorf("%s: polymorphicForeignKey=%v with referenceTo %v", where, f.PolymorphicForeignKey, f.ReferenceTo)
			}
			if f.RestrictedPicklist && len(f.PicklistValues) == 0 {
				t.Errorf("%s: restricted picklist without values", where)
			}
			if f.RelationshipName != nil {
				if p, ok := o.ParentRelationship(*f.RelationshipName); !ok || p.Name != f.Name {
					t.Errorf("%s: ParentRelationship(%q) does not find it", where, *f.RelationshipName)
				}
			}
		}
		id, ok := o.Field("Id")
		if !ok || id.Type != "id" || id.Nillable || id.Createable || id.Updateable || !id.IDLookup {
			t.Errorf("%s: Id field missing or wrong", o.Name)
		}
		if _, ok := o.NameField(); !ok {
			t.Errorf("%s: no name field", o.Name)
		}
		if o.Name != "LeadStatus" {
			if sys, ok := o.Field("SystemModstamp"); !ok || sys.Createable || sys.Nillable {
				t.Errorf("%s: SystemModstamp missing or writable", o.Name)
			}
		}
		if !o.IDEnabled || !slices.ContainsFunc(o.RecordTypeInfos, func(r RecordTypeInfo) bool { return r.Master }) {
			t.Errorf("%s: idEnabled=%v recordTypeInfos=%v, want idEnabled and a Master", o.Name, o.IDEnabled, o.RecordTypeInfos)
		}
		if _, has := o.Field("RecordTypeId"); has != (len(o.RecordTypeInfos) > 1) {
			t.Errorf("%s: RecordTypeId field %v with %d record types: a real org has the field exactly when a record type besides Master exists", o.Name, has, len(o.RecordTypeInfos))
		}
	}
}

// TestRequiredFields: the fields required on create (nillable false,
// createable, not defaulted) are those the real describes show.
func TestRequiredFields(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	want := map[string][]string{
		"Account":     {"Name"},
		"Contact":     {"LastName"},
		"Lead":        {"Company", "LastName"},
		"Opportunity": {"CloseDate", "Name", "StageName"},
		"Case":        nil,
		"User": {"Alias", "CommunityNickname", "Email", "EmailEncodingKey", "LanguageLocaleKey",
			"LastName", "LocaleSidKey", "ProfileId", "TimeZoneSidKey", "Username"},
		"Invoice__c": nil,
		"LeadStatus": nil,
	}
	for obj, names := range want {
		o, _ := s.Object(obj)
		var got []string
		for _, f := range o.Fields {
			if !f.Nillable && f.Createable && !f.DefaultedOnCreate {
				got = append(got, f.Name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, names) {
			t.Errorf("%s required fields = %v, want %v", obj, got, names)
		}
	}
}

// TestPackagedFieldsKept: the captured Account's installed-package fields
// (ns__Name__c) are all there, as the real org described them.
func TestPackagedFieldsKept(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	acct, _ := s.Object("Account")
	byNS := map[string]int{}
	for _, f := range acct.Fields {
		if ns, rest, ok := strings.Cut(f.Name, "__"); ok && strings.Contains(rest, "__") {
			byNS[ns]++
		}
	}
	want := map[string]int{"playgroundorg": 11, "mikesnamespace1": 7, "telearndaypkg": 1}
	if !maps.Equal(byNS, want) {
		t.Errorf("packaged fields by namespace = %v, want %v", byNS, want)
	}
}

func TestCustomizations(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	acct, _ := s.Object("Account")
	ext, ok := acct.Field("External_Id__c")
	if !ok || !ext.ExternalID || !ext.Unique || !ext.IDLookup || ext.Type != "string" || ext.Length != 40 || ext.ByteLength != 120 {
		t.Errorf("Account.External_Id__c = %+v", ext)
	}
	tier, ok := acct.Field("Tier__c")
	if !ok || !tier.RestrictedPicklist || len(tier.PicklistValues) != 4 || tier.DefaultValue != "Bronze" || !tier.DefaultedOnCreate {
		t.Errorf("Account.Tier__c = %+v", tier)
	}
	inv, _ := s.Object("Invoice__c")
	acc, ok := inv.Field("Account__c")
	if !ok || acc.RelationshipName == nil || *acc.RelationshipName != "Account__r" || !slices.Equal(acc.ReferenceTo, []string{"Account"}) {
		t.Errorf("Invoice__c.Account__c = %+v", acc)
	}
	if p, ok := inv.ParentRelationship("account__r"); !ok || p.Name != "Account__c" {
		t.Errorf("Invoice__c has no parent relationship Account__r")
	}
	if c, ok := acct.ChildRelationship("invoices__r"); !ok || c.ChildSObject != "Invoice__c" || c.Field != "Account__c" {
		t.Errorf("Account has no child relationship Invoices__r")
	}
	owner, _ := inv.Field("OwnerId")
	if !slices.Equal(owner.ReferenceTo, []string{"Group", "User"}) || !owner.PolymorphicForeignKey {
		t.Errorf("Invoice__c.OwnerId = %+v", owner)
	}
	name, _ := inv.NameField()
	if name.Name != "Name" || name.Length != 80 || name.Label != "Invoice Name" {
		t.Errorf("Invoice__c name field = %+v", name)
	}
	user, _ := s.Object("User")
	n := 0
	for _, c := range user.ChildRelationships {
		if c.ChildSObject == "Invoice__c" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("User lists %d child relationships from Invoice__c, want 3 (CreatedBy, LastModifiedBy, Owner)", n)
	}
}

func TestLeadConvertedStatus(t *testing.T) {
	t.Parallel()
	s := mustLoad(t)
	lead, _ := s.Object("Lead")
	status, _ := lead.Field("Status")
	var values []string
	for _, p := range status.PicklistValues {
		values = append(values, p.Value)
	}
	if !slices.Contains(values, ConvertedLeadStatus) {
		t.Errorf("Lead.Status values %v lack %q", values, ConvertedLeadStatus)
	}
	ls, _ := s.Object("LeadStatus")
	if ls.Createable || ls.Updateable || ls.Deletable || !ls.Queryable {
		t.Errorf("LeadStatus flags: createable %v updateable %v deletable %v queryable %v", ls.Createable, ls.Updateable, ls.Deletable, ls.Queryable)
	}
}

func TestSchemaVersionAndClone(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	c := s.Clone()
	v := s.Version()
	if _, err := s.AddField("Case", FieldSpec{Name: "Clone_Test__c", Type: "checkbox"}); err != nil {
		t.Fatal(err)
	}
	if s.Version() == v {
		t.Errorf("Version did not change after AddField")
	}
	cs, _ := c.Object("Case")
	if _, ok := cs.Field("Clone_Test__c"); ok {
		t.Errorf("a field added after Clone shows in the clone")
	}
	if _, err := c.AddObject(ObjectSpec{Name: "Only_In_Clone__c"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Object("Only_In_Clone__c"); ok {
		t.Errorf("an object added to the clone shows in the original")
	}
}
