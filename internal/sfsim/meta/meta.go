// Package meta holds the emulated org's schema: objects, fields and
// relationships as Salesforce describes them, plus the record shape the
// emulator stores. It is shared by the SOQL engine and the SOAP server.
package meta

import "strings"

// Field is one field of an object, with the attributes of the partner WSDL's
// Field type. JSON tags match Salesforce's REST describe, so the real
// describes in testdata unmarshal straight into it.
type Field struct {
	Aggregatable                 bool            `json:"aggregatable"`
	AIPredictionField            bool            `json:"aiPredictionField"`
	AutoNumber                   bool            `json:"autoNumber"`
	ByteLength                   int             `json:"byteLength"`
	Calculated                   bool            `json:"calculated"`
	CalculatedFormula            *string         `json:"calculatedFormula"`
	CascadeDelete                bool            `json:"cascadeDelete"`
	CaseSensitive                bool            `json:"caseSensitive"`
	CompoundFieldName            *string         `json:"compoundFieldName"`
	ControllerName               *string         `json:"controllerName"`
	Createable                   bool            `json:"createable"`
	Custom                       bool            `json:"custom"`
	DataTranslationEnabled       *bool           `json:"dataTranslationEnabled"`
	DefaultValue                 any             `json:"defaultValue"`
	DefaultValueFormula          *string         `json:"defaultValueFormula"`
	DefaultedOnCreate            bool            `json:"defaultedOnCreate"`
	DependentPicklist            bool            `json:"dependentPicklist"`
	DeprecatedAndHidden          bool            `json:"deprecatedAndHidden"`
	Digits                       int             `json:"digits"`
	DisplayLocationInDecimal     bool            `json:"displayLocationInDecimal"`
	Encrypted                    bool            `json:"encrypted"`
	ExternalID                   bool            `json:"externalId"`
	ExtraTypeInfo                *string         `json:"extraTypeInfo"`
	Filterable                   bool            `json:"filterable"`
	FormulaTreatNullNumberAsZero bool            `json:"formulaTreatNullNumberAsZero"`
	Groupable                    bool            `json:"groupable"`
	HighScaleNumber              bool            `json:"highScaleNumber"`
	HTMLFormatted                bool            `json:"htmlFormatted"`
	IDLookup                     bool            `json:"idLookup"`
	InlineHelpText               *string         `json:"inlineHelpText"`
	Label                        string          `json:"label"`
	Length                       int             `json:"length"`
	Mask                         *string         `json:"mask"`
	MaskType                     *string         `json:"maskType"`
	Name                         string          `json:"name"`
	NameField                    bool            `json:"nameField"`
	NamePointing                 bool            `json:"namePointing"`
	Nillable                     bool            `json:"nillable"`
	Permissionable               bool            `json:"permissionable"`
	PicklistValues               []PicklistEntry `json:"picklistValues"`
	PolymorphicForeignKey        bool            `json:"polymorphicForeignKey"`
	Precision                    int             `json:"precision"`
	QueryByDistance              bool            `json:"queryByDistance"`
	ReferenceTargetField         *string         `json:"referenceTargetField"`
	ReferenceTo                  []string        `json:"referenceTo"`
	RelationshipName             *string         `json:"relationshipName"`
	RelationshipOrder            *int            `json:"relationshipOrder"`
	RestrictedDelete             bool            `json:"restrictedDelete"`
	RestrictedPicklist           bool            `json:"restrictedPicklist"`
	Scale                        int             `json:"scale"`
	SearchPrefilterable          bool            `json:"searchPrefilterable"`
	SoapType                     string          `json:"soapType"`
	Sortable                     bool            `json:"sortable"`
	Type                         string          `json:"type"`
	Unique                       bool            `json:"unique"`
	Updateable                   bool            `json:"updateable"`
	WriteRequiresMasterRead      bool            `json:"writeRequiresMasterRead"`
}

// PicklistEntry is one value of a picklist or multipicklist field.
type PicklistEntry struct {
	Active       bool    `json:"active"`
	DefaultValue bool    `json:"defaultValue"`
	Label        *string `json:"label"`
	ValidFor     *string `json:"validFor"`
	Value        string  `json:"value"`
}

// ChildRelationship is a relationship from another object's lookup field to
// this object, navigable in SOQL as a child subquery.
type ChildRelationship struct {
	CascadeDelete       bool     `json:"cascadeDelete"`
	ChildSObject        string   `json:"childSObject"`
	DeprecatedAndHidden bool     `json:"deprecatedAndHidden"`
	Field               string   `json:"field"`
	JunctionIDListNames []string `json:"junctionIdListNames"`
	JunctionReferenceTo []string `json:"junctionReferenceTo"`
	RelationshipName    *string  `json:"relationshipName"`
	RestrictedDelete    bool     `json:"restrictedDelete"`
}

// Object is one sObject type. Object-level flags follow the WSDL's
// DescribeSObjectResult; Fields keep describe order.
//
// An *Object obtained from a Schema is immutable: the Schema replaces the
// whole object when a field or relationship is added (copy-on-write), so a
// reader may keep and use it without locking.
type Object struct {
	ActionOverrides        []ActionOverride    `json:"actionOverrides"`
	Activateable           bool                `json:"activateable"`
	AssociateEntityType    *string             `json:"associateEntityType"`
	AssociateParentEntity  *string             `json:"associateParentEntity"`
	ChildRelationships     []ChildRelationship `json:"childRelationships"`
	CompactLayoutable      bool                `json:"compactLayoutable"`
	Createable             bool                `json:"createable"`
	Custom                 bool                `json:"custom"`
	CustomSetting          bool                `json:"customSetting"`
	DataTranslationEnabled *bool               `json:"dataTranslationEnabled"`
	DeepCloneable          bool                `json:"deepCloneable"`
	DefaultImplementation  *string             `json:"defaultImplementation"`
	Deletable              bool                `json:"deletable"`
	DeprecatedAndHidden    bool                `json:"deprecatedAndHidden"`
	FeedEnabled            bool                `json:"feedEnabled"`
	Fields                 []Field             `json:"fields"`
	HasSubtypes            bool                `json:"hasSubtypes"`
	IDEnabled              bool                `json:"idEnabled"`
	ImplementedBy          *string             `json:"implementedBy"`
	ImplementsInterfaces   *string             `json:"implementsInterfaces"`
	IsInterface            bool                `json:"isInterface"`
	IsSubtype              bool                `json:"isSubtype"`
	KeyPrefix              *string             `json:"keyPrefix"`
	Label                  string              `json:"label"`
	LabelPlural            string              `json:"labelPlural"`
	Layoutable             bool                `json:"layoutable"`
	Mergeable              bool                `json:"mergeable"`
	MruEnabled             bool                `json:"mruEnabled"`
	Name                   string              `json:"name"`
	NamedLayoutInfos       []NamedLayoutInfo   `json:"namedLayoutInfos"`
	NetworkScopeFieldName  *string             `json:"networkScopeFieldName"`
	Queryable              bool                `json:"queryable"`
	RecordTypeInfos        []RecordTypeInfo    `json:"recordTypeInfos"`
	Replicateable          bool                `json:"replicateable"`
	Retrieveable           bool                `json:"retrieveable"`
	SearchLayoutable       *bool               `json:"searchLayoutable"`
	Searchable             bool                `json:"searchable"`
	SupportedScopes        []ScopeInfo         `json:"supportedScopes"`
	Triggerable            bool                `json:"triggerable"`
	Undeletable            bool                `json:"undeletable"`
	Updateable             bool                `json:"updateable"`

	byName map[string]int // lower-case field name → index in Fields
}

// ActionOverride is a standard button overridden by a page (WSDL type
// ActionOverride).
type ActionOverride struct {
	FormFactor         *string `json:"formFactor"`
	IsAvailableInTouch bool    `json:"isAvailableInTouch"`
	Name               string  `json:"name"`
	PageID             string  `json:"pageId"`
	URL                *string `json:"url"`
}

// NamedLayoutInfo names an alternative layout of an object.
type NamedLayoutInfo struct {
	Name string `json:"name"`
}

// RecordTypeInfo is one record type available on an object.
type RecordTypeInfo struct {
	Active                   bool    `json:"active"`
	Available                bool    `json:"available"`
	DefaultRecordTypeMapping bool    `json:"defaultRecordTypeMapping"`
	DeveloperName            string  `json:"developerName"`
	Master                   bool    `json:"master"`
	Name                     string  `json:"name"`
	RecordTypeID             *string `json:"recordTypeId"`
}

// ScopeInfo is a USING SCOPE value the object supports ("mine",
// "everything", …).
type ScopeInfo struct {
	Label string `json:"label"`
	Name  string `json:"name"`
}

// Index (re)builds the case-insensitive field index. Call it after Fields
// changes.
func (o *Object) Index() {
	o.byName = make(map[string]int, len(o.Fields))
	for i, f := range o.Fields {
		o.byName[strings.ToLower(f.Name)] = i
	}
}

// Field finds a field by name, ignoring case as Salesforce does. Objects
// published by a Schema are indexed; an object that is not (one built by
// hand) is scanned rather than indexed here, because concurrent readers
// must never write to a shared object.
func (o *Object) Field(name string) (*Field, bool) {
	if o.byName == nil {
		for i := range o.Fields {
			if strings.EqualFold(o.Fields[i].Name, name) {
				return &o.Fields[i], true
			}
		}
		return nil, false
	}
	i, ok := o.byName[strings.ToLower(name)]
	if !ok {
		return nil, false
	}
	return &o.Fields[i], true
}

// ParentRelationship finds the reference field whose relationshipName is name
// (ignoring case), e.g. "Account" on Contact or "Owner" on Account.
func (o *Object) ParentRelationship(name string) (*Field, bool) {
	for i := range o.Fields {
		f := &o.Fields[i]
		if f.RelationshipName != nil && strings.EqualFold(*f.RelationshipName, name) {
			return f, true
		}
	}
	return nil, false
}

// ChildRelationship finds a child relationship by name, ignoring case, e.g.
// "Contacts" on Account.
func (o *Object) ChildRelationship(name string) (*ChildRelationship, bool) {
	for i := range o.ChildRelationships {
		c := &o.ChildRelationships[i]
		if c.RelationshipName != nil && strings.EqualFold(*c.RelationshipName, name) {
			return c, true
		}
	}
	return nil, false
}

// Record is one stored row: field values keyed by the field's canonical
// (describe-cased) name, each in Salesforce's wire form ("true", "12.5",
// "2024-01-31", "2024-01-31T10:00:00.000Z", 18-character ids). A field that is
// absent is null. Compound fields (address, location) are not stored; they are
// assembled from their components when read. "IsDeleted" is "true" for a
// record in the recycle bin.
type Record map[string]string
