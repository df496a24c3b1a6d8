package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAddFieldTypes(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	tests := []struct {
		name string
		spec FieldSpec
		want func(f *Field) string // "" when right
	}{
		{"text default length", FieldSpec{Name: "Code__c", Type: "text"}, func(f *Field) string {
			return expect(f.Type == "string" && f.SoapType == "xsd:string" && f.Length == 255 && f.ByteLength == 765 && f.Nillable && f.Custom && f.Label == "Code")
		}},
		{"string with length", FieldSpec{Name: "Short__c", Type: "string", Length: 10, Label: "Short One"}, func(f *Field) string {
			return expect(f.Type == "string" && f.Length == 10 && f.ByteLength == 30 && f.Label == "Short One")
		}},
		{"textarea", FieldSpec{Name: "Memo__c", Type: "textarea"}, func(f *Field) string {
			return expect(f.Type == "textarea" && f.Length == 255 && f.Filterable && *f.ExtraTypeInfo == "plaintextarea")
		}},
		{"long text area", FieldSpec{Name: "Essay__c", Type: "longtextarea", Length: 5000}, func(f *Field) string {
			return expect(f.Type == "textarea" && f.Length == 5000 && f.ByteLength == 15000 && !f.Filterable && !f.Sortable && !f.Groupable)
		}},
		{"email", FieldSpec{Name: "Billing_Email__c", Type: "email"}, func(f *Field) string {
			return expect(f.Type == "email" && f.Length == 80 && f.ByteLength == 240)
		}},
		{"phone", FieldSpec{Name: "Hotline__c", Type: "phone"}, func(f *Field) string {
			return expect(f.Type == "phone" && f.Length == 40)
		}},
		{"url", FieldSpec{Name: "Portal__c", Type: "url"}, func(f *Field) string {
			return expect(f.Type == "url" && f.Length == 255)
		}},
		{"number default", FieldSpec{Name: "Seats__c", Type: "number"}, func(f *Field) string {
			return expect(f.Type == "double" && f.SoapType == "xsd:double" && f.Precision == 18 && f.Scale == 0 && f.Length == 0 && f.ByteLength == 0)
		}},
		{"double with scale", FieldSpec{Name: "Ratio__c", Type: "double", Precision: 10, Scale: 4}, func(f *Field) string {
			return expect(f.Type == "double" && f.Precision == 10 && f.Scale == 4)
		}},
		{"int", FieldSpec{Name: "Count__c", Type: "int"}, func(f *Field) string {
			return expect(f.Type == "int" && f.SoapType == "xsd:int" && f.Digits == 9)
		}},
		{"currency default", FieldSpec{Name: "Budget__c", Type: "currency"}, func(f *Field) string {
			return expect(f.Type == "currency" && f.Precision == 18 && f.Scale == 2 && !f.Groupable)
		}},
		{"percent", FieldSpec{Name: "Discount__c", Type: "percent", Precision: 5, Scale: 2}, func(f *Field) string {
			return expect(f.Type == "percent" && f.SoapType == "xsd:double" && f.Precision == 5 && f.Scale == 2)
		}},
		{"checkbox", FieldSpec{Name: "Vip__c", Type: "checkbox"}, func(f *Field) string {
			return expect(f.Type == "boolean" && !f.Nillable && f.DefaultedOnCreate && f.DefaultValue == false)
		}},
		{"boolean default true", FieldSpec{Name: "Opted_In__c", Type: "boolean", DefaultChecked: true}, func(f *Field) string {
			return expect(f.Type == "boolean" && f.DefaultValue == true)
		}},
		{"date", FieldSpec{Name: "Renewal__c", Type: "date"}, func(f *Field) string {
			return expect(f.Type == "date" && f.SoapType == "xsd:date" && f.Groupable)
		}},
		{"datetime", FieldSpec{Name: "Synced_At__c", Type: "datetime"}, func(f *Field) string {
			return expect(f.Type == "datetime" && f.SoapType == "xsd:dateTime" && !f.Groupable)
		}},
		{"time", FieldSpec{Name: "Opens_At__c", Type: "time"}, func(f *Field) string {
			return expect(f.Type == "time" && f.SoapType == "xsd:time")
		}},
		{"picklist", FieldSpec{Name: "Size__c", Type: "picklist", Restricted: true, PicklistValues: []PicklistValueSpec{{Value: "S"}, {Value: "M", Default: true}, {Value: "L", Label: "Large"}}}, func(f *Field) string {
			return expect(f.Type == "picklist" && f.Length == 255 && f.RestrictedPicklist && len(f.PicklistValues) == 3 &&
				f.DefaultValue == "M" && f.DefaultedOnCreate && *f.PicklistValues[2].Label == "Large" && f.PicklistValues[1].DefaultValue)
		}},
		{"multipicklist", FieldSpec{Name: "Channels__c", Type: "multipicklist", PicklistValues: []PicklistValueSpec{{Value: "Web", Default: true}, {Value: "Phone", Default: true}}}, func(f *Field) string {
			return expect(f.Type == "multipicklist" && f.Length == 4099 && f.DefaultValue == "Web;Phone" && !f.Sortable)
		}},
		{"external id unique text", FieldSpec{Name: "Legacy_Key__c", Type: "text", Length: 30, ExternalID: true, Unique: true, CaseSensitive: true}, func(f *Field) string {
			return expect(f.ExternalID && f.Unique && f.CaseSensitive && f.IDLookup)
		}},
		{"required text", FieldSpec{Name: "Must__c", Type: "text", Required: true}, func(f *Field) string {
			return expect(!f.Nillable && f.Createable && !f.DefaultedOnCreate)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := s.AddField("Contact", tc.spec)
			if err != nil {
				t.Fatalf("AddField: %v", err)
			}
			if msg := tc.want(f); msg != "" {
				t.Errorf("field = %+v", *f)
			}
			c, _ := s.Object("Contact")
			got, ok := c.Field(strings.ToLower(tc.spec.Name))
			if !ok || got.Name != tc.spec.Name {
				t.Errorf("the field is not findable on Contact")
			}
		})
	}
}

func expect(ok bool) string {
	if ok {
		return ""
	}
	return "unexpected attributes"
}

func TestAddFieldRejects(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	long := strings.Repeat("a", 41)
	tests := []struct {
		name   string
		object string
		spec   FieldSpec
		want   error
	}{
		{"unknown object", "Widget__c", FieldSpec{Name: "X__c", Type: "text"}, ErrNotFound},
		{"no __c", "Account", FieldSpec{Name: "Tier", Type: "text"}, ErrInvalidSpec},
		{"only __c", "Account", FieldSpec{Name: "__c", Type: "text"}, ErrInvalidSpec},
		{"starts with digit", "Account", FieldSpec{Name: "1Tier__c", Type: "text"}, ErrInvalidSpec},
		{"double underscore", "Account", FieldSpec{Name: "ns__Tier__c", Type: "text"}, ErrInvalidSpec},
		{"trailing underscore", "Account", FieldSpec{Name: "Tier___c", Type: "text"}, ErrInvalidSpec},
		{"space", "Account", FieldSpec{Name: "My Tier__c", Type: "text"}, ErrInvalidSpec},
		{"name too long", "Account", FieldSpec{Name: long + "__c", Type: "text"}, ErrInvalidSpec},
		{"label too long", "Account", FieldSpec{Name: "L__c", Type: "text", Label: long}, ErrInvalidSpec},
		{"duplicate of custom", "Account", FieldSpec{Name: "tier__c", Type: "text"}, ErrDuplicate},
		{"no type", "Account", FieldSpec{Name: "Untyped__c"}, ErrInvalidSpec},
		{"unknown type", "Account", FieldSpec{Name: "Blob__c", Type: "blob"}, ErrInvalidSpec},
		{"text too long", "Account", FieldSpec{Name: "T__c", Type: "text", Length: 256}, ErrInvalidSpec},
		{"text negative", "Account", FieldSpec{Name: "T__c", Type: "text", Length: -1}, ErrInvalidSpec},
		{"text with scale", "Account", FieldSpec{Name: "T__c", Type: "text", Scale: 2}, ErrInvalidSpec},
		{"email with length", "Account", FieldSpec{Name: "E__c", Type: "email", Length: 100}, ErrInvalidSpec},
		{"long text too short", "Account", FieldSpec{Name: "L__c", Type: "longtextarea", Length: 255}, ErrInvalidSpec},
		{"long text too long", "Account", FieldSpec{Name: "L__c", Type: "longtextarea", Length: 131073}, ErrInvalidSpec},
		{"precision too big", "Account", FieldSpec{Name: "N__c", Type: "number", Precision: 19}, ErrInvalidSpec},
		{"scale above precision", "Account", FieldSpec{Name: "N__c", Type: "number", Precision: 4, Scale: 5}, ErrInvalidSpec},
		{"number with length", "Account", FieldSpec{Name: "N__c", Type: "number", Length: 10}, ErrInvalidSpec},
		{"int with precision", "Account", FieldSpec{Name: "I__c", Type: "int", Precision: 5}, ErrInvalidSpec},
		{"required checkbox", "Account", FieldSpec{Name: "C__c", Type: "checkbox", Required: true}, ErrInvalidSpec},
		{"picklist without values", "Account", FieldSpec{Name: "P__c", Type: "picklist"}, ErrInvalidSpec},
		{"picklist empty value", "Account", FieldSpec{Name: "P__c", Type: "picklist", PicklistValues: []PicklistValueSpec{{Value: " "}}}, ErrInvalidSpec},
		{"picklist duplicate value", "Account", FieldSpec{Name: "P__c", Type: "picklist", PicklistValues: []PicklistValueSpec{{Value: "A"}, {Value: "a"}}}, ErrDuplicate},
		{"picklist two defaults", "Account", FieldSpec{Name: "P__c", Type: "picklist", PicklistValues: []PicklistValueSpec{{Value: "A", Default: true}, {Value: "B", Default: true}}}, ErrInvalidSpec},
		{"picklist value too long", "Account", FieldSpec{Name: "P__c", Type: "picklist", PicklistValues: []PicklistValueSpec{{Value: strings.Repeat("v", 256)}}}, ErrInvalidSpec},
		{"multipicklist semicolon", "Account", FieldSpec{Name: "M__c", Type: "multipicklist", PicklistValues: []PicklistValueSpec{{Value: "A;B"}}}, ErrInvalidSpec},
		{"external id checkbox", "Account", FieldSpec{Name: "X__c", Type: "checkbox", ExternalID: true}, ErrInvalidSpec},
		{"unique picklist", "Account", FieldSpec{Name: "X__c", Type: "picklist", Unique: true, PicklistValues: []PicklistValueSpec{{Value: "A"}}}, ErrInvalidSpec},
		{"case sensitive not unique", "Account", FieldSpec{Name: "X__c", Type: "text", CaseSensitive: true}, ErrInvalidSpec},
		{"lookup without target", "Contact", FieldSpec{Name: "Parent__c", Type: "lookup"}, ErrInvalidSpec},
		{"lookup to unknown", "Contact", FieldSpec{Name: "Parent__c", Type: "lookup", ReferenceTo: "Asset"}, ErrNotFound},
		{"lookup child name taken", "Contact", FieldSpec{Name: "Billing_Account__c", Type: "lookup", ReferenceTo: "Account", RelationshipName: "Invoices"}, ErrDuplicate},
		{"lookup bad child name", "Contact", FieldSpec{Name: "Other_Account__c", Type: "lookup", ReferenceTo: "Account", RelationshipName: "Bad Name"}, ErrInvalidSpec},
		{"lookup to a read-only object", "Contact", FieldSpec{Name: "Status_Value__c", Type: "lookup", ReferenceTo: "LeadStatus"}, ErrInvalidSpec},
		{"read-only object", "LeadStatus", FieldSpec{Name: "X__c", Type: "text"}, ErrInvalidSpec},
		{"lookup with length", "Contact", FieldSpec{Name: "Other_Account__c", Type: "lookup", ReferenceTo: "Account", Length: 18}, ErrInvalidSpec},
	}
	before := s.Version()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f, err := s.AddField(tc.object, tc.spec)
			if !errors.Is(err, tc.want) {
				t.Errorf("AddField(%s, %+v) = %v, %v; want an error wrapping %v", tc.object, tc.spec, f, err, tc.want)
			}
		})
	}
	t.Cleanup(func() {
		if s.Version() != before {
			t.Errorf("a rejected AddField changed the schema")
		}
	})
}

func TestAddLookup(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	oldAccount, _ := s.Object("Account")
	f, err := s.AddField("Case", FieldSpec{Name: "Billing_Account__c", Type: "lookup", Label: "Billing Account", ReferenceTo: "account", RelationshipName: "Billed_Cases"})
	if err != nil {
		t.Fatal(err)
	}
	if f.Type != "reference" || f.SoapType != "tns:ID" || f.Length != 18 || !slices.Equal(f.ReferenceTo, []string{"Account"}) ||
		f.RelationshipName == nil || *f.RelationshipName != "Billing_Account__r" || !f.Nillable {
		t.Errorf("lookup = %+v", *f)
	}
	acct, _ := s.Object("Account")
	c, ok := acct.ChildRelationship("Billed_Cases__r")
	if !ok || c.ChildSObject != "Case" || c.Field != "Billing_Account__c" || c.CascadeDelete {
		t.Errorf("child relationship = %+v, %v", c, ok)
	}
	if _, ok := oldAccount.ChildRelationship("Billed_Cases__r"); ok {
		t.Errorf("the Account a reader held before AddField changed")
	}
	// Default child relationship name: the child's plural label.
	if _, err := s.AddField("Contact", FieldSpec{Name: "Favourite_Case__c", Type: "lookup", ReferenceTo: "Case"}); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Object("Case")
	if _, ok := cs.ChildRelationship("Contacts__r"); !ok {
		t.Errorf("default child relationship Contacts__r missing")
	}
	// A self-lookup updates one object with both the field and the child.
	if _, err := s.AddField("Invoice__c", FieldSpec{Name: "Replaces__c", Type: "lookup", ReferenceTo: "Invoice__c", RelationshipName: "Replacements"}); err != nil {
		t.Fatal(err)
	}
	inv, _ := s.Object("Invoice__c")
	if _, ok := inv.Field("Replaces__c"); !ok {
		t.Errorf("self-lookup field missing")
	}
	if _, ok := inv.ChildRelationship("Replacements__r"); !ok {
		t.Errorf("self-lookup child relationship missing")
	}
}

func TestAddObject(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	o, err := s.AddObject(ObjectSpec{
		Name: "Shipment__c", Label: "Shipment",
		Fields: []FieldSpec{
			{Name: "Invoice__c", Type: "lookup", ReferenceTo: "Invoice__c"},
			{Name: "Tracking__c", Type: "text", Length: 30, ExternalID: true},
			{Name: "Weight__c", Type: "number", Precision: 8, Scale: 3},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if o.Prefix() != "a02" || !o.Custom || o.LabelPlural != "Shipments" || !o.Queryable || !o.Createable || o.Mergeable {
		t.Errorf("object = %s %s custom=%v plural=%s", o.Name, o.Prefix(), o.Custom, o.LabelPlural)
	}
	var names []string
	for _, f := range o.Fields {
		names = append(names, f.Name)
	}
	want := []string{"Id", "OwnerId", "IsDeleted", "Name", "CreatedDate", "CreatedById", "LastModifiedDate",
		"LastModifiedById", "SystemModstamp", "LastViewedDate", "LastReferencedDate", "Invoice__c", "Tracking__c", "Weight__c"}
	if d := cmp.Diff(want, names); d != "" {
		t.Errorf("fields (-want +got):\n%s", d)
	}
	got, _ := s.Object("shipment__c")
	if got != o {
		t.Errorf("Object(shipment__c) is not the returned object")
	}
	if byPrefix, _ := s.ObjectByKeyPrefix("a02"); byPrefix != o {
		t.Errorf("ObjectByKeyPrefix(a02) is not the new object")
	}
	inv, _ := s.Object("Invoice__c")
	if _, ok := inv.ChildRelationship("Shipments__r"); !ok {
		t.Errorf("Invoice__c lacks child relationship Shipments__r")
	}
	o2, err := s.AddObject(ObjectSpec{Name: "Crate__c", KeyPrefix: "a0Z"})
	if err != nil || o2.Prefix() != "a0Z" || o2.Label != "Crate" {
		t.Errorf("AddObject with key prefix = %v, %v", o2, err)
	}
}

func TestAddObjectRejects(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	tests := []struct {
		name string
		spec ObjectSpec
		want error
	}{
		{"standard name", ObjectSpec{Name: "Widget"}, ErrInvalidSpec},
		{"exists", ObjectSpec{Name: "invoice__c"}, ErrDuplicate},
		{"prefix taken", ObjectSpec{Name: "W1__c", KeyPrefix: "a01"}, ErrDuplicate},
		{"standard prefix", ObjectSpec{Name: "W2__c", KeyPrefix: "001"}, ErrInvalidSpec},
		{"bad prefix", ObjectSpec{Name: "W3__c", KeyPrefix: "a_1"}, ErrInvalidSpec},
		{"label too long", ObjectSpec{Name: "W4__c", Label: strings.Repeat("L", 41)}, ErrInvalidSpec},
		{"bad field", ObjectSpec{Name: "W5__c", Fields: []FieldSpec{{Name: "Ok__c", Type: "text"}, {Name: "Bad", Type: "text"}}}, ErrInvalidSpec},
		{"duplicate field", ObjectSpec{Name: "W6__c", Fields: []FieldSpec{{Name: "A__c", Type: "text"}, {Name: "a__c", Type: "date"}}}, ErrDuplicate},
		{"lookup to nowhere", ObjectSpec{Name: "W7__c", Fields: []FieldSpec{{Name: "Asset__c", Type: "lookup", ReferenceTo: "Asset"}}}, ErrNotFound},
	}
	before := s.Version()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if o, err := s.AddObject(tc.spec); !errors.Is(err, tc.want) {
				t.Errorf("AddObject(%+v) = %v, %v; want an error wrapping %v", tc.spec, o, err, tc.want)
			}
		})
	}
	t.Cleanup(func() {
		if s.Version() != before {
			t.Errorf("a rejected AddObject changed the schema")
		}
		for _, n := range []string{"W5__c", "W6__c", "W7__c"} {
			if _, ok := s.Object(n); ok {
				t.Errorf("rejected object %s was published", n)
			}
		}
	})
}

func TestFieldSpecJSON(t *testing.T) {
	t.Parallel()
	body := `{"name":"Tier2__c","type":"picklist","label":"Tier 2","picklistValues":["A",{"value":"B","label":"Bee","default":true}],"restricted":true,"required":false}`
	var spec FieldSpec
	if err := json.Unmarshal([]byte(body), &spec); err != nil {
		t.Fatal(err)
	}
	want := FieldSpec{Name: "Tier2__c", Type: "picklist", Label: "Tier 2", Restricted: true,
		PicklistValues: []PicklistValueSpec{{Value: "A"}, {Value: "B", Label: "Bee", Default: true}}}
	if d := cmp.Diff(want, spec); d != "" {
		t.Errorf("decoded spec (-want +got):\n%s", d)
	}
	if err := json.Unmarshal([]byte(`{"picklistValues":[3]}`), &spec); err == nil {
		t.Errorf("a number as picklist value decoded without error")
	}
}

// TestCopyOnWriteConcurrentReaders runs readers against writers (run with
// -race): every reader keeps the object it got and checks that it never
// changes under it.
func TestCopyOnWriteConcurrentReaders(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	var stop atomic.Bool
	var wg sync.WaitGroup
	for r := range 4 {
		wg.Go(func() {
			for !stop.Load() {
				o, ok := s.Object("Account")
				if !ok {
					t.Error("Account vanished")
					return
				}
				n, c := len(o.Fields), len(o.ChildRelationships)
				for i := range o.Fields {
					if _, ok := o.Field(o.Fields[i].Name); !ok {
						t.Errorf("reader %d: field %s not found on its own object", r, o.Fields[i].Name)
						return
					}
				}
				_, _ = o.ChildRelationship("Contacts")
				_ = s.Objects()
				if len(o.Fields) != n || len(o.ChildRelationships) != c {
					t.Errorf("reader %d: the object changed under it", r)
					return
				}
			}
		})
	}
	for i := range 40 {
		if _, err := s.AddField("Account", FieldSpec{Name: fmt.Sprintf("Live_%d__c", i), Type: "text"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AddField("Contact", FieldSpec{Name: fmt.Sprintf("Acct_%d__c", i), Type: "lookup", ReferenceTo: "Account", RelationshipName: fmt.Sprintf("Rel_%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
	a, _ := s.Object("Account")
	if _, ok := a.Field("Live_39__c"); !ok {
		t.Errorf("last added field missing")
	}
	if _, ok := a.ChildRelationship("Rel_39__r"); !ok {
		t.Errorf("last added child relationship missing")
	}
}

func TestCustomFieldLimit(t *testing.T) {
	t.Parallel()
	s := mustLoad(t).Clone()
	many := make([]FieldSpec, MaxCustomFields+1)
	for i := range many {
		many[i] = FieldSpec{Name: fmt.Sprintf("G%d__c", i), Type: "date"}
	}
	if _, err := s.AddObject(ObjectSpec{Name: "Huge__c", Fields: many}); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("an object with %d custom fields was accepted: %v", len(many), err)
	}
	if _, err := s.AddObject(ObjectSpec{Name: "Full__c", Fields: many[:MaxCustomFields-1]}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddField("Full__c", FieldSpec{Name: "Last__c", Type: "checkbox"}); err != nil {
		t.Errorf("field %d refused: %v", MaxCustomFields, err)
	}
	if _, err := s.AddField("Full__c", FieldSpec{Name: "One_Too_Many__c", Type: "checkbox"}); !errors.Is(err, ErrInvalidSpec) {
		t.Errorf("field %d was accepted: %v", MaxCustomFields+1, err)
	}
	o, _ := s.Object("Full__c")
	if got := customFieldCount(o); got != MaxCustomFields {
		t.Errorf("%d custom fields, want %d", got, MaxCustomFields)
	}
	if f, ok := o.Field("g798__C"); !ok || f.Name != "G798__c" {
		t.Errorf("a field added by AddObject is not indexed")
	}
}
