package sfgate

// SObjectFilter narrows ListSObjects; a nil field does not filter.
type SObjectFilter struct {
	Custom    *bool
	Queryable *bool
}

// SObjectSummary is one object of the org's list.
type SObjectSummary struct {
	Name         string  `json:"name"`
	Label        string  `json:"label"`
	LabelPlural  string  `json:"labelPlural,omitempty"`
	KeyPrefix    *string `json:"keyPrefix,omitempty"`
	Custom       bool    `json:"custom"`
	Queryable    bool    `json:"queryable"`
	Createable   bool    `json:"createable"`
	Updateable   bool    `json:"updateable"`
	Deletable    bool    `json:"deletable"`
	Searchable   bool    `json:"searchable"`
	Retrieveable bool    `json:"retrieveable"`
}

// SObjectDescribe is one object's describe.
type SObjectDescribe struct {
	SObjectSummary
	Fields             []FieldDescribe     `json:"fields"`
	ChildRelationships []ChildRelationship `json:"childRelationships"`
	RecordTypeInfos    []RecordTypeInfo    `json:"recordTypeInfos"`
}

// RecordTypeInfo is one record type of an object, as describe reports it
// for the gateway's user (Salesforce's RecordTypeInfo).
type RecordTypeInfo struct {
	Name          string `json:"name"`
	DeveloperName string `json:"developerName"`
	// RecordTypeID is the id to write in RecordTypeId; nil when Salesforce
	// sent none.
	RecordTypeID *string `json:"recordTypeId"`
	Active       bool    `json:"active"`
	// Available reports whether the user may assign this record type.
	Available bool `json:"available"`
	// DefaultRecordTypeMapping reports whether it is the user's default.
	DefaultRecordTypeMapping bool `json:"defaultRecordTypeMapping"`
	// Master reports whether it is the master record type (the object's
	// records without a record type of their own).
	Master bool `json:"master"`
}

// FieldDescribe is one field of a describe. Type is Salesforce's fieldType.
type FieldDescribe struct {
	Name               string          `json:"name"`
	Label              string          `json:"label"`
	Type               string          `json:"type"`
	SoapType           string          `json:"soapType,omitempty"`
	Length             int             `json:"length"`
	ByteLength         int             `json:"byteLength,omitempty"`
	Precision          int             `json:"precision"`
	Scale              int             `json:"scale"`
	Digits             int             `json:"digits,omitempty"`
	Createable         bool            `json:"createable"`
	Updateable         bool            `json:"updateable"`
	Nillable           bool            `json:"nillable"`
	Custom             bool            `json:"custom"`
	ExternalID         bool            `json:"externalId"`
	IDLookup           bool            `json:"idLookup"`
	Unique             bool            `json:"unique"`
	Calculated         bool            `json:"calculated"`
	DefaultedOnCreate  bool            `json:"defaultedOnCreate"`
	RestrictedPicklist bool            `json:"restrictedPicklist,omitempty"`
	CompoundFieldName  string          `json:"compoundFieldName,omitempty"`
	RelationshipName   string          `json:"relationshipName,omitempty"`
	ReferenceTo        []string        `json:"referenceTo"`
	PicklistValues     []PicklistValue `json:"picklistValues"`
}

// PicklistValue is one value of a picklist field.
type PicklistValue struct {
	Value        string `json:"value"`
	Label        string `json:"label,omitempty"`
	Active       bool   `json:"active"`
	DefaultValue bool   `json:"defaultValue,omitempty"`
}

// ChildRelationship is one child relationship of a describe.
type ChildRelationship struct {
	RelationshipName string `json:"relationshipName,omitempty"`
	ChildSObject     string `json:"childSObject"`
	Field            string `json:"field"`
	CascadeDelete    bool   `json:"cascadeDelete"`
}

// Limit is one entry of the org's API usage (Salesforce's LimitInfoHeader).
type Limit struct {
	Type    string `json:"type"`
	Current int64  `json:"current"`
	Limit   int64  `json:"limit"`
}
