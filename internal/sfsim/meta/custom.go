package meta

import (
	"fmt"
	"strings"
)

// AddObject adds a custom object with the standard fields every custom
// object has, then spec.Fields in order, and returns it. A key prefix is
// allocated (a01, a02, …) unless spec.KeyPrefix names a free one. Lookups
// among spec.Fields add their child relationships to the targets. Nothing is
// published unless the whole spec is valid. Errors wrap ErrDuplicate or
// ErrInvalidSpec (or ErrNotFound for a lookup's target).
func (s *Schema) AddObject(spec ObjectSpec) (*Object, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name, err := s.checkNewObject(spec)
	if err != nil {
		return nil, err
	}
	o, err := s.newCustomObject(name, spec)
	if err != nil {
		return nil, err
	}
	staged, err := s.stageCustomObject(o, spec.Fields)
	if err != nil {
		return nil, err
	}
	for _, x := range staged {
		s.put(x)
	}
	return staged[strings.ToLower(name)], nil
}

// checkNewObject checks the object's name, its number of fields and the
// org's limit of custom objects, and returns the name with its __c. The
// caller holds the lock.
func (s *Schema) checkNewObject(spec ObjectSpec) (string, error) {
	name, err := customName(spec.Name, "object")
	if err != nil {
		return "", err
	}
	if _, dup := s.byName[strings.ToLower(name)]; dup {
		return "", fmt.Errorf("%w: an object named %s exists", ErrDuplicate, name)
	}
	if len(spec.Fields) > MaxCustomFields {
		return "", invalid("an object takes at most %d custom fields", MaxCustomFields)
	}
	custom := 0
	for _, o := range s.byName {
		if o.Custom {
			custom++
		}
	}
	if custom >= MaxCustomObjects {
		return "", invalid("the org already has %d custom objects, the limit", MaxCustomObjects)
	}
	return name, nil
}

// newCustomObject returns the object spec describes, with its labels, its
// key prefix and the standard fields of every custom object, indexed. The
// caller holds the lock.
func (s *Schema) newCustomObject(name string, spec ObjectSpec) (*Object, error) {
	label := spec.Label
	if label == "" {
		label = labelFrom(name)
	}
	plural := spec.LabelPlural
	if plural == "" {
		plural = label + "s"
	}
	if len(label) > maxObjectLabel || len(plural) > maxObjectLabel {
		return nil, invalid("object labels are at most %d characters", maxObjectLabel)
	}
	prefix := spec.KeyPrefix
	if prefix == "" {
		prefix = s.freeKeyPrefix()
	} else if len(prefix) != 3 || !isBase62(prefix) || prefix[0] != 'a' {
		return nil, invalid("custom key prefix %q must be 3 base-62 characters starting with a", prefix)
	} else if _, dup := s.byPrefix[prefix]; dup {
		return nil, fmt.Errorf("%w: key prefix %s is taken", ErrDuplicate, prefix)
	}
	if prefix == "" {
		return nil, invalid("no free custom key prefix is left")
	}
	nameLabel := spec.NameFieldLabel
	if nameLabel == "" {
		nameLabel = label + " Name"
	}
	o := &Object{
		ActionOverrides:   []ActionOverride{},
		CompactLayoutable: true,
		Createable:        true,
		Custom:            true,
		Deletable:         true,
		IDEnabled:         true,
		KeyPrefix:         strPtr(prefix),
		Label:             label,
		LabelPlural:       plural,
		Layoutable:        true,
		MruEnabled:        true,
		Name:              name,
		NamedLayoutInfos:  []NamedLayoutInfo{},
		Queryable:         true,
		RecordTypeInfos:   []RecordTypeInfo{masterRecordType()},
		Replicateable:     true,
		Retrieveable:      true,
		SearchLayoutable:  new(bool),
		SupportedScopes:   customScopes(plural),
		Triggerable:       true,
		Undeletable:       true,
		Updateable:        true,
		Fields:            customObjectStandardFields(nameLabel),
	}
	o.Index()
	return o, nil
}

// stageCustomObject adds the custom fields to o against a private view of
// the schema, so a failure part-way publishes nothing, and returns every
// object to publish by lower-case name: o, User with its new child
// relationships, and the targets of o's lookups. The caller holds the lock.
func (s *Schema) stageCustomObject(o *Object, fields []FieldSpec) (map[string]*Object, error) {
	staged := map[string]*Object{strings.ToLower(o.Name): o}
	lookup := func(n string) (*Object, bool) {
		if x, ok := staged[strings.ToLower(n)]; ok {
			return x, true
		}
		x, ok := s.byName[strings.ToLower(n)]
		return x, ok
	}
	// The standard lookups to User add child relationships without names,
	// as on the real User describe.
	if u, ok := lookup("User"); ok {
		u = u.clone()
		for _, fn := range []string{"CreatedById", "LastModifiedById", "OwnerId"} {
			u.ChildRelationships = append(u.ChildRelationships, ChildRelationship{
				ChildSObject: o.Name, Field: fn,
				JunctionIDListNames: []string{}, JunctionReferenceTo: []string{},
			})
		}
		sortChildRelationships(u.ChildRelationships)
		staged["user"] = u
	}
	// Staged objects are private until published, so they are changed in
	// place; an object of the schema is cloned the first time it changes.
	private := map[*Object]bool{o: true}
	if u, ok := staged["user"]; ok {
		private[u] = true
	}
	for _, fs := range fields {
		cur := staged[strings.ToLower(o.Name)]
		f, target, childRel, err := buildField(cur, fs, lookup)
		if err != nil {
			return nil, err
		}
		cur.Fields = append(cur.Fields, f)
		cur.byName[strings.ToLower(f.Name)] = len(cur.Fields) - 1
		if target != nil {
			t := target
			if !private[t] {
				t = t.clone()
				private[t] = true
				staged[strings.ToLower(t.Name)] = t
			}
			t.ChildRelationships = append(t.ChildRelationships, ChildRelationship{
				ChildSObject: o.Name, Field: f.Name,
				JunctionIDListNames: []string{}, JunctionReferenceTo: []string{},
				RelationshipName: strPtr(childRel),
			})
			sortChildRelationships(t.ChildRelationships)
		}
	}
	return staged, nil
}

// freeKeyPrefix returns the first unused custom key prefix from a01 on, in
// base-62 order, or "" when none is left. The caller holds the lock.
func (s *Schema) freeKeyPrefix() string {
	for i := 1; i < 62*62; i++ {
		p := "a" + string(base62[i/62]) + string(base62[i%62])
		if _, taken := s.byPrefix[p]; !taken {
			return p
		}
	}
	return ""
}

// customScopes are the USING SCOPE values of a custom object (as a real
// custom object's describe lists them).
func customScopes(plural string) []ScopeInfo {
	p := strings.ToLower(plural)
	return []ScopeInfo{
		{Label: "All " + p, Name: "everything"},
		{Label: "My " + p, Name: "mine"},
		{Label: "Queue owned " + p, Name: "queue_owned"},
		{Label: "My team's " + p, Name: "team"},
		{Label: "User owned " + p, Name: "user_owned"},
	}
}

// customObjectStandardFields are the fields Salesforce creates with every
// custom object, with the attributes real custom-object describes show.
func customObjectStandardFields(nameLabel string) []Field {
	base := func(name, label, typ, soap string) Field {
		return Field{
			Aggregatable: true, Filterable: true, Groupable: true, Sortable: true,
			Label: label, Name: name, Type: typ, SoapType: soap,
			ReferenceTo: []string{}, PicklistValues: []PicklistEntry{},
		}
	}
	id := base("Id", "Record ID", "id", "tns:ID")
	id.Length, id.ByteLength, id.DefaultedOnCreate, id.IDLookup = 18, 18, true, true

	owner := base("OwnerId", "Owner ID", "reference", "tns:ID")
	owner.Length, owner.ByteLength = 18, 18
	owner.Createable, owner.Updateable, owner.DefaultedOnCreate = true, true, true
	owner.ReferenceTo = []string{"Group", "User"}
	owner.RelationshipName = strPtr("Owner")
	owner.PolymorphicForeignKey, owner.NamePointing = true, true

	deleted := base("IsDeleted", "Deleted", "boolean", "xsd:boolean")
	deleted.Aggregatable = false
	deleted.DefaultedOnCreate = true
	deleted.DefaultValue = false

	name := base("Name", nameLabel, "string", "xsd:string")
	name.Length, name.ByteLength = 80, 240
	name.Createable, name.Updateable, name.Nillable = true, true, true
	name.DefaultedOnCreate, name.IDLookup, name.NameField = true, true, true
	name.Permissionable = false

	when := func(n, label string) Field {
		f := base(n, label, "datetime", "xsd:dateTime")
		f.Groupable = false
		f.DefaultedOnCreate = true
		return f
	}
	by := func(n, label, rel string) Field {
		f := base(n, label, "reference", "tns:ID")
		f.Length, f.ByteLength, f.DefaultedOnCreate = 18, 18, true
		f.ReferenceTo = []string{"User"}
		f.RelationshipName = strPtr(rel)
		return f
	}
	viewed := func(n, label string) Field {
		f := base(n, label, "datetime", "xsd:dateTime")
		f.Groupable = false
		f.Nillable = true
		return f
	}
	return []Field{
		id, owner, deleted, name,
		when("CreatedDate", "Created Date"),
		by("CreatedById", "Created By ID", "CreatedBy"),
		when("LastModifiedDate", "Last Modified Date"),
		by("LastModifiedById", "Last Modified By ID", "LastModifiedBy"),
		when("SystemModstamp", "System Modstamp"),
		viewed("LastViewedDate", "Last Viewed Date"),
		viewed("LastReferencedDate", "Last Referenced Date"),
	}
}

// The emulated org's own customisations, created through the same code as
// the control API so they look exactly like fields added at run time.
var (
	accountCustomFields = []FieldSpec{
		{Name: "External_Id__c", Type: "text", Label: "External ID", Length: 40, ExternalID: true, Unique: true},
		{Name: "Tier__c", Type: "picklist", Label: "Tier", Restricted: true, PicklistValues: []PicklistValueSpec{
			{Value: "Bronze", Default: true}, {Value: "Silver"}, {Value: "Gold"}, {Value: "Platinum"},
		}},
		{Name: "Regions__c", Type: "multipicklist", Label: "Regions", PicklistValues: []PicklistValueSpec{
			{Value: "AMER"}, {Value: "EMEA"}, {Value: "APAC"}, {Value: "LATAM"},
		}},
		{Name: "Number_of_Locations__c", Type: "number", Label: "Number of Locations", Precision: 4, Scale: 0},
		{Name: "Key_Account__c", Type: "checkbox", Label: "Key Account"},
		{Name: "Customer_Since__c", Type: "date", Label: "Customer Since"},
		{Name: "Health_Score__c", Type: "percent", Label: "Health Score", Precision: 5, Scale: 2},
	}
	invoiceObject = ObjectSpec{
		Name: "Invoice__c", Label: "Invoice", LabelPlural: "Invoices", KeyPrefix: "a01",
		Fields: []FieldSpec{
			{Name: "Account__c", Type: "lookup", Label: "Account", ReferenceTo: "Account", RelationshipName: "Invoices"},
			{Name: "Invoice_Number__c", Type: "text", Label: "Invoice Number", Length: 20, ExternalID: true, Unique: true},
			{Name: "Amount__c", Type: "currency", Label: "Amount", Precision: 16, Scale: 2},
			{Name: "Status__c", Type: "picklist", Label: "Status", Restricted: true, PicklistValues: []PicklistValueSpec{
				{Value: "Draft", Default: true}, {Value: "Sent"}, {Value: "Paid"}, {Value: "Overdue"}, {Value: "Void"},
			}},
			{Name: "Issue_Date__c", Type: "date", Label: "Issue Date"},
			{Name: "Due_Date__c", Type: "date", Label: "Due Date"},
			{Name: "Paid_At__c", Type: "datetime", Label: "Paid At"},
			{Name: "Notes__c", Type: "longtextarea", Label: "Notes", Length: 32768},
		},
	}
)

func addCustomizations(s *Schema) error {
	for _, f := range accountCustomFields {
		if _, err := s.AddField("Account", f); err != nil {
			return err
		}
	}
	if _, err := s.AddObject(invoiceObject); err != nil {
		return err
	}
	return nil
}
