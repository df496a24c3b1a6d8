package salesforce

import "time"

// DescribeGlobalResult mirrors the WSDL's DescribeGlobalResult.
type DescribeGlobalResult struct {
	Encoding     string
	MaxBatchSize int
	SObjects     []DescribeGlobalSObjectResult
}

// DescribeGlobalSObjectResult mirrors the WSDL's DescribeGlobalSObjectResult:
// the object-level summary describeGlobal lists for every object.
type DescribeGlobalSObjectResult struct {
	Name                  string
	Label                 string
	LabelPlural           string
	KeyPrefix             string // "" when Salesforce sent nil
	AssociateEntityType   string
	AssociateParentEntity string
	ObjectFlags
}

// ObjectFlags are the object-level flags that describeGlobal and
// describeSObject both report, under the same element names.
type ObjectFlags struct {
	Activateable           bool
	Createable             bool
	Custom                 bool
	CustomSetting          bool
	DataTranslationEnabled bool
	DeepCloneable          bool
	Deletable              bool
	DeprecatedAndHidden    bool
	FeedEnabled            bool
	HasSubtypes            bool
	IDEnabled              bool
	IsInterface            bool
	IsSubtype              bool
	Layoutable             bool
	Mergeable              bool
	MRUEnabled             bool
	Queryable              bool
	Replicateable          bool
	Retrieveable           bool
	Searchable             bool
	Triggerable            bool
	Undeletable            bool
	Updateable             bool
}

// DescribeSObjectResult mirrors the WSDL's DescribeSObjectResult: one
// object's metadata with its fields, child relationships and record types.
type DescribeSObjectResult struct {
	Name                  string
	Label                 string
	LabelPlural           string
	KeyPrefix             string
	AssociateEntityType   string
	AssociateParentEntity string
	DefaultImplementation string
	ImplementedBy         string
	ImplementsInterfaces  string
	NetworkScopeFieldName string
	URLDetail             string
	URLEdit               string
	URLNew                string
	ObjectFlags
	CompactLayoutable  bool
	SearchLayoutable   bool
	Fields             []DescribeField
	ChildRelationships []ChildRelationship
	RecordTypeInfos    []RecordTypeInfo
	NamedLayoutInfos   []string
	SupportedScopes    []ScopeInfo
}

// Field returns the field named name (exact API name) and whether it exists.
func (d *DescribeSObjectResult) Field(name string) (*DescribeField, bool) {
	for i := range d.Fields {
		if d.Fields[i].Name == name {
			return &d.Fields[i], true
		}
	}
	return nil, false
}

// DescribeField mirrors the WSDL's Field complex type (named DescribeField
// here because Field is a record's value).
type DescribeField struct {
	Name                         string
	Label                        string
	Type                         string // fieldType enumeration: string, picklist, reference, …
	SoapType                     string // soapType enumeration: tns:ID, xsd:string, …
	Length                       int
	ByteLength                   int
	Precision                    int
	Scale                        int
	Digits                       int
	RelationshipOrder            int
	HasRelationshipOrder         bool
	CalculatedFormula            string
	CompoundFieldName            string
	ControllerName               string
	DefaultValue                 string // text of the anyType defaultValue, if any
	DefaultValueType             string // its xsi:type without prefix, e.g. "boolean"
	HasDefaultValue              bool
	DefaultValueFormula          string
	ExtraTypeInfo                string
	InlineHelpText               string
	Mask                         string
	MaskType                     string
	ReferenceTargetField         string
	RelationshipName             string
	ReferenceTo                  []string
	PicklistValues               []PicklistEntry
	FilteredLookupInfo           *FilteredLookupInfo
	Aggregatable                 bool
	AIPredictionField            bool
	AutoNumber                   bool
	Calculated                   bool
	CascadeDelete                bool
	CaseSensitive                bool
	Createable                   bool
	Custom                       bool
	DataTranslationEnabled       bool
	DefaultedOnCreate            bool
	DependentPicklist            bool
	DeprecatedAndHidden          bool
	DisplayLocationInDecimal     bool
	Encrypted                    bool
	ExternalID                   bool
	Filterable                   bool
	FormulaTreatNullNumberAsZero bool
	Groupable                    bool
	HighScaleNumber              bool
	HTMLFormatted                bool
	IDLookup                     bool
	NameField                    bool
	NamePointing                 bool
	Nillable                     bool
	Permissionable               bool
	PolymorphicForeignKey        bool
	QueryByDistance              bool
	RestrictedDelete             bool
	RestrictedPicklist           bool
	SearchPrefilterable          bool
	Sortable                     bool
	Unique                       bool
	Updateable                   bool
	WriteRequiresMasterRead      bool
}

// PicklistEntry mirrors the WSDL's PicklistEntry.
type PicklistEntry struct {
	Value        string
	Label        string
	ValidFor     string // base64 bitmap of controlling values, as sent
	Active       bool
	DefaultValue bool
}

// FilteredLookupInfo mirrors the WSDL's FilteredLookupInfo.
type FilteredLookupInfo struct {
	ControllingFields []string
	Dependent         bool
	OptionalFilter    bool
}

// ChildRelationship mirrors the WSDL's ChildRelationship.
type ChildRelationship struct {
	ChildSObject        string
	Field               string
	RelationshipName    string // "" when the relationship cannot be queried
	JunctionIDListNames []string
	JunctionReferenceTo []string
	CascadeDelete       bool
	DeprecatedAndHidden bool
	RestrictedDelete    bool
}

// RecordTypeInfo mirrors the WSDL's RecordTypeInfo.
type RecordTypeInfo struct {
	Name                     string
	DeveloperName            string
	RecordTypeID             string
	Active                   bool
	Available                bool
	DefaultRecordTypeMapping bool
	Master                   bool
}

// ScopeInfo mirrors the WSDL's ScopeInfo.
type ScopeInfo struct {
	Label string
	Name  string
}

// StatusError is one per-record error (the WSDL's Error type) of a write.
type StatusError struct {
	// StatusCode is the StatusCode enumeration value, verbatim.
	StatusCode string
	Message    string
	Fields     []string
	// ExtendedErrorCodes lists extendedErrorDetails/extendedErrorCode values.
	ExtendedErrorCodes []string
}

// SaveResult mirrors the WSDL's SaveResult (create and update).
type SaveResult struct {
	ID      string
	Success bool
	Errors  []StatusError
}

// UpsertResult mirrors the WSDL's UpsertResult.
type UpsertResult struct {
	ID      string
	Success bool
	// Created reports whether the record was inserted rather than updated.
	Created bool
	Errors  []StatusError
}

// DeleteResult mirrors the WSDL's DeleteResult.
type DeleteResult struct {
	ID      string
	Success bool
	Errors  []StatusError
}

// UndeleteResult mirrors the WSDL's UndeleteResult.
type UndeleteResult struct {
	ID      string
	Success bool
	Errors  []StatusError
}

// MergeRequest mirrors the WSDL's MergeRequest: the master record (its ID
// set, plus any fields to update on it) and up to two records to merge into
// it.
type MergeRequest struct {
	MasterRecord     Record
	RecordToMergeIDs []string
}

// MergeResult mirrors the WSDL's MergeResult.
type MergeResult struct {
	ID                string
	Success           bool
	MergedRecordIDs   []string
	UpdatedRelatedIDs []string
	Errors            []StatusError
}

// LeadConvert mirrors the WSDL's LeadConvert (the record variants
// accountRecord, contactRecord, … are not offered).
type LeadConvert struct {
	LeadID                   string
	ConvertedStatus          string
	AccountID                string
	ContactID                string
	OpportunityID            string
	OpportunityName          string
	OwnerID                  string
	RelatedPersonAccountID   string
	DoNotCreateOpportunity   bool
	OverwriteLeadSource      bool
	SendNotificationEmail    bool
	BypassAccountDedupeCheck *bool
	BypassContactDedupeCheck *bool
}

// LeadConvertResult mirrors the WSDL's LeadConvertResult.
type LeadConvertResult struct {
	LeadID                 string
	AccountID              string
	ContactID              string
	OpportunityID          string
	RelatedPersonAccountID string
	Success                bool
	Errors                 []StatusError
}

// SearchResult mirrors the WSDL's SearchResult.
type SearchResult struct {
	QueryID string
	Records []SearchRecord
}

// SearchRecord is one hit of a search.
type SearchRecord struct {
	Record Record
	// SnippetText is the highlighted snippet text, when requested.
	SnippetText string
}

// GetUserInfoResult mirrors the WSDL's GetUserInfoResult.
type GetUserInfoResult struct {
	AccessibilityMode          bool
	ChatterExternal            bool
	CurrencySymbol             string
	OrgAttachmentFileSizeLimit int
	OrgDefaultCurrencyIsoCode  string
	OrgDefaultCurrencyLocale   string
	OrgDisallowHTMLAttachments bool
	OrgHasPersonAccounts       bool
	OrganizationID             string
	OrganizationMultiCurrency  bool
	OrganizationName           string
	ProfileID                  string
	RoleID                     string
	SessionSecondsValid        int
	UserDefaultCurrencyIsoCode string
	UserEmail                  string
	UserFullName               string
	UserID                     string
	UserLanguage               string
	UserLocale                 string
	UserName                   string
	UserTimeZone               string
	UserType                   string
	UserUISkin                 string
}

// LoginResult mirrors the WSDL's LoginResult. SessionID is a Secret so it
// never reaches a log by accident.
type LoginResult struct {
	MetadataServerURL string
	PasswordExpired   bool
	Sandbox           bool
	// ServerURL is where data calls go, e.g.
	// https://acme.my.salesforce.com/services/Soap/u/58.0/00D…
	ServerURL string
	SessionID Secret
	UserID    string
	// UserInfo is nil when the answer omitted it.
	UserInfo *GetUserInfoResult
}

// InstanceURL returns the scheme and host of ServerURL, the value a Session's
// InstanceURL expects, or "" when ServerURL is not an absolute URL.
func (r *LoginResult) InstanceURL() string {
	return instanceURL(r.ServerURL)
}

// LimitInfo is the org's API usage as Salesforce last reported it in a
// LimitInfoHeader of type "API REQUESTS".
type LimitInfo struct {
	// Current is the number of API requests used in the last 24 hours.
	Current int64
	// Limit is the number allowed.
	Limit int64
	// Type is the limit's type as sent, "API REQUESTS".
	Type string
	// Updated is when the answer carrying these figures arrived; the zero
	// time means no answer has reported limits yet.
	Updated time.Time
}
