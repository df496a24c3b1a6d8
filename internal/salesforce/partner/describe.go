package partner

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
