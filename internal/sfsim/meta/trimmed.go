package meta

import (
	"encoding/json"
	"fmt"
	"slices"
)

// The User and LeadStatus describes were saved by the Salesforce VS Code
// extension, which keeps only 15 of the 57 field attributes (no soapType,
// length, createable, updateable, …) and only name, label, custom,
// queryable, fields and childRelationships at the top. Load completes them:
// object-level flags from describeGlobal, field attributes from the field's
// type (as the complete describes show them) and from the tables below.
// The lengths are those of Salesforce's User and LeadStatus objects as the
// SOAP API Object Reference documents them; they are not from a capture.

// trimmedFix completes one trimmed describe.
type trimmedFix struct {
	drop        []string       // fields to leave out
	lengths     map[string]int // text length per field
	precision   map[string][2]int
	digits      map[string]int
	readOnly    []string // neither createable nor updateable
	createOnly  []string // createable, not updateable
	restricted  []string // restricted picklists
	idLookup    []string
	nameField   string
	compound    map[string]string // component → compound field name
	allReadOnly bool
}

var userFix = trimmedFix{
	// JIRA_User_Id__c is the capturing org's own integration field.
	drop: []string{"JIRA_User_Id__c"},
	lengths: map[string]int{
		"Username": 80, "LastName": 80, "FirstName": 40, "Name": 121, "CompanyName": 80,
		"Division": 80, "Department": 80, "Title": 80, "Street": 255, "City": 40, "State": 80,
		"PostalCode": 20, "Country": 80, "GeocodeAccuracy": 40, "Email": 128, "SenderEmail": 80,
		"SenderName": 80, "Signature": 1333, "StayInTouchSubject": 80, "StayInTouchSignature": 512,
		"StayInTouchNote": 512, "Phone": 40, "Fax": 40, "MobilePhone": 40, "Alias": 8,
		"CommunityNickname": 40, "BadgeText": 80, "TimeZoneSidKey": 40, "LocaleSidKey": 40,
		"EmailEncodingKey": 40, "UserType": 40, "LanguageLocaleKey": 40, "EmployeeNumber": 20,
		"Extension": 40, "FederationIdentifier": 512, "AboutMe": 1000, "FullPhotoUrl": 1024,
		"SmallPhotoUrl": 1024, "MediumPhotoUrl": 1024, "BannerPhotoUrl": 1024,
		"SmallBannerPhotoUrl": 1024, "MediumBannerPhotoUrl": 1024, "OutOfOfficeMessage": 40,
		"DigestFrequency": 40, "DefaultGroupNotificationFrequency": 40,
	},
	precision: map[string][2]int{"Latitude": {18, 15}, "Longitude": {18, 15}},
	digits:    map[string]int{"NumberOfFailedLogins": 9, "JigsawImportLimitOverride": 9},
	readOnly: []string{
		"Id", "Name", "Address", "CreatedDate", "CreatedById", "LastModifiedDate",
		"LastModifiedById", "SystemModstamp", "LastLoginDate", "LastPasswordChangeDate",
		"NumberOfFailedLogins", "OfflineTrialExpirationDate", "OfflinePdaTrialExpirationDate",
		"UserType", "AccountId", "FullPhotoUrl", "SmallPhotoUrl", "MediumPhotoUrl",
		"BannerPhotoUrl", "SmallBannerPhotoUrl", "MediumBannerPhotoUrl", "IsProfilePhotoActive",
		"LastViewedDate", "LastReferencedDate", "OutOfOfficeMessage", "IsExtIndicatorVisible",
	},
	createOnly: []string{"ContactId"},
	restricted: []string{
		"GeocodeAccuracy", "TimeZoneSidKey", "LocaleSidKey", "EmailEncodingKey", "UserType",
		"LanguageLocaleKey", "DigestFrequency", "DefaultGroupNotificationFrequency",
	},
	idLookup:  []string{"Id", "Username", "Email", "EmployeeNumber", "FederationIdentifier"},
	nameField: "Name",
	compound: map[string]string{
		"FirstName": "Name", "LastName": "Name",
		"Street": "Address", "City": "Address", "State": "Address", "PostalCode": "Address",
		"Country": "Address", "Latitude": "Address", "Longitude": "Address", "GeocodeAccuracy": "Address",
	},
}

var leadStatusFix = trimmedFix{
	lengths:     map[string]int{"MasterLabel": 255, "ApiName": 255},
	digits:      map[string]int{"SortOrder": 9},
	allReadOnly: true,
	idLookup:    []string{"Id"},
	nameField:   "MasterLabel",
}

// systemFields are maintained by Salesforce on every object.
var systemFields = []string{"Id", "CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp"}

func loadTrimmed(file string, fix trimmedFix, global map[string]*Object) (*Object, error) {
	b, err := describeFS.ReadFile("describes/" + file)
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	var t Object
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("meta: parse %s: %w", file, err)
	}
	g, ok := global[t.Name]
	if !ok {
		return nil, fmt.Errorf("meta: %s is not in describeGlobal", t.Name)
	}
	o := *g // object-level flags
	o.Fields = slices.DeleteFunc(t.Fields, func(f Field) bool { return slices.Contains(fix.drop, f.Name) })
	o.ChildRelationships = t.ChildRelationships
	o.CompactLayoutable = o.Layoutable
	o.SearchLayoutable = new(bool)
	*o.SearchLayoutable = o.Searchable
	o.RecordTypeInfos = []RecordTypeInfo{masterRecordType()}
	o.SupportedScopes = []ScopeInfo{}
	if o.Createable {
		// Ownerless objects such as User still list the "everything" scope.
		o.SupportedScopes = []ScopeInfo{{Label: "All " + lowerFirst(o.LabelPlural), Name: "everything"}}
	}
	for i := range o.Fields {
		if err := completeField(&o.Fields[i], fix); err != nil {
			return nil, fmt.Errorf("meta: %s: %w", t.Name, err)
		}
	}
	return &o, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	b := []byte(s)
	if b[0] >= 'A' && b[0] <= 'Z' {
		b[0] += 'a' - 'A'
	}
	return string(b)
}

func masterRecordType() RecordTypeInfo {
	return RecordTypeInfo{
		Active: true, Available: true, DefaultRecordTypeMapping: true,
		DeveloperName: "Master", Master: true, Name: "Master",
		RecordTypeID: strPtr(MasterRecordTypeID),
	}
}

// completeField fills the attributes a trimmed describe lacks, following the
// patterns of the complete describes (README "What the data shows").
func completeField(f *Field, fix trimmedFix) error {
	if f.ReferenceTo == nil {
		f.ReferenceTo = []string{}
	}
	if f.PicklistValues == nil {
		f.PicklistValues = []PicklistEntry{}
	}
	text := func() error {
		n, ok := fix.lengths[f.Name]
		if !ok {
			return fmt.Errorf("no length for %s field %s", f.Type, f.Name)
		}
		f.Length, f.ByteLength = n, 3*n
		f.SoapType = "xsd:string"
		return nil
	}
	switch f.Type {
	case "id":
		f.SoapType, f.Length, f.ByteLength = "tns:ID", 18, 18
		f.DefaultedOnCreate = true
	case "reference":
		f.SoapType, f.Length, f.ByteLength = "tns:ID", 18, 18
		f.PolymorphicForeignKey = len(f.ReferenceTo) > 1
		f.NamePointing = f.PolymorphicForeignKey
	case "string", "textarea", "email", "phone", "url", "picklist", "multipicklist", "combobox":
		if err := text(); err != nil {
			return err
		}
	case "boolean":
		f.SoapType = "xsd:boolean"
		f.DefaultedOnCreate = true
	case "double", "currency", "percent":
		f.SoapType = "xsd:double"
		p, ok := fix.precision[f.Name]
		if !ok {
			return fmt.Errorf("no precision for %s field %s", f.Type, f.Name)
		}
		f.Precision, f.Scale = p[0], p[1]
	case "int":
		f.SoapType = "xsd:int"
		d, ok := fix.digits[f.Name]
		if !ok {
			return fmt.Errorf("no digits for int field %s", f.Name)
		}
		f.Digits = d
	case "date":
		f.SoapType = "xsd:date"
	case "datetime":
		f.SoapType = "xsd:dateTime"
	case "time":
		f.SoapType = "xsd:time"
	case "address":
		f.SoapType = "tns:address"
	case "location":
		f.SoapType = "tns:location"
	default:
		return fmt.Errorf("field %s has unexpected type %q", f.Name, f.Type)
	}
	switch {
	case fix.allReadOnly || slices.Contains(fix.readOnly, f.Name):
	case slices.Contains(fix.createOnly, f.Name):
		f.Createable = true
	default:
		f.Createable, f.Updateable = true, true
	}
	if slices.Contains(systemFields, f.Name) {
		f.DefaultedOnCreate = true
	}
	if f.DefaultValue != nil {
		f.DefaultedOnCreate = true
	}
	f.RestrictedPicklist = slices.Contains(fix.restricted, f.Name)
	f.IDLookup = slices.Contains(fix.idLookup, f.Name)
	f.NameField = f.Name == fix.nameField
	if c, ok := fix.compound[f.Name]; ok {
		f.CompoundFieldName = strPtr(c)
	}
	f.Permissionable = f.Nillable && (f.Createable || f.Updateable) && f.Type != "address"
	return nil
}
