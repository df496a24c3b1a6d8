package partner

// Record is one sObject as the Partner API carries it: its type, its id and
// its fields in the order Salesforce sent them (SELECT-list order for
// queries). The same type is used to write records: Fields then lists the
// values to set, and a Field with Nil set becomes a fieldsToNull entry.
//
// Decoded records are built for the hot path: Type, ID, field names and
// values are slices of one backing buffer per answer (the answer's bytes
// plus an arena for values that needed entity decoding), and Fields slices
// share a slab, so decoding a page costs a handful of allocations, not one
// per field. A decoded Record is immutable by convention: callers may read
// and copy it, but appending to rec.Fields must not be relied on to leave
// neighbours untouched (use slices.Clone first).
type Record struct {
	// Type is the sObject type API name (sf:type), e.g. "Account".
	Type string
	// ID is the record's 18-character id, or "" when Salesforce sent a nil
	// sf:Id (a parent relationship whose Id was not selected, a query that
	// did not select Id). On writes it is the id of the record to update.
	ID string
	// Fields are the record's fields in wire order. When the SELECT list
	// names Id, the repeated sf:Id appears here as a field named "Id".
	Fields []Field
}

// Field is one element of a record: a scalar value, a nil value, a parent
// relationship (Parent), a child subquery (Children) or a compound value
// such as an address or a location (Compound). It is 64 bytes: a page of
// 2,000 records of 20 fields is 2.5 MB of fields, decoded in place.
type Field struct {
	// Name is the field or relationship API name as Salesforce spelled it
	// (describe case), e.g. "Name", "Account", "Contacts", "BillingAddress".
	Name string
	// Value is the text of a scalar value exactly as sent: booleans
	// "true"/"false", numbers in decimal form (never rounded through a
	// float), dates YYYY-MM-DD, datetimes ISO 8601. Empty for nil, parent,
	// children and compound fields.
	Value string
	// Parent is set for a parent relationship (SELECT Account.Name FROM
	// Contact gives a field "Account" whose Parent is the Account). On writes
	// a Parent with Type and an external id field sets a lookup by external
	// id.
	Parent *Record
	// Children is set for a child subquery (SELECT (SELECT Id FROM Contacts)
	// FROM Account gives a field "Contacts").
	Children *QueryResult
	// Compound is set for a compound value: Compound.Type is its xsi:type
	// ("address", "location") and Compound.Fields its components (city,
	// country, …, street; latitude, longitude) in wire order, a nil
	// component with Nil set.
	Compound *Record
	// Nil reports that the element carried xsi:nil="true": a null value, an
	// empty parent relationship or an empty child subquery. On writes it
	// sends the field in fieldsToNull.
	Nil bool
	// XSIType is the xsi:type the element carried. Plain values carry none
	// (TypeNone); aggregate query values do (TypeInt, TypeDouble, …), and
	// compound values (TypeAddress, TypeLocation).
	XSIType XSIType
}

// XSIType is the xsi:type of a value, for the few values that carry one.
type XSIType uint8

// The xsi:types the decoder recognises; any other is TypeOther.
const (
	TypeNone XSIType = iota
	TypeString
	TypeBoolean
	TypeInt
	TypeLong
	TypeDouble
	TypeDate
	TypeDateTime
	TypeTime
	TypeBase64
	TypeAddress
	TypeLocation
	TypeOther
)

var xsiTypeNames = [...]string{"", "string", "boolean", "int", "long", "double", "date", "dateTime", "time", "base64Binary", "address", "location", "other"}

// String returns the type's local name as in the WSDL, e.g. "int".
func (t XSIType) String() string {
	if int(t) < len(xsiTypeNames) {
		return xsiTypeNames[t]
	}
	return "other"
}

// MarshalText implements encoding.TextMarshaler ("" for TypeNone).
func (t XSIType) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// ParseXSIType returns the XSIType of an xsi:type local name, TypeOther for
// one it does not know.
func ParseXSIType(local string) XSIType {
	for i := 1; i < len(xsiTypeNames)-1; i++ {
		if xsiTypeNames[i] == local {
			return XSIType(i)
		}
	}
	return TypeOther
}

// Get returns the first field named name (case-sensitive, as Salesforce
// sends describe names) and whether it exists. A dotted path such as
// "Account.Owner.Name" walks parent relationships.
func (r *Record) Get(name string) (Field, bool) {
	if r == nil {
		return Field{}, false
	}
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			head, rest := name[:i], name[i+1:]
			f, ok := r.Get(head)
			if !ok || f.Parent == nil {
				return Field{}, false
			}
			return f.Parent.Get(rest)
		}
	}
	for i := range r.Fields {
		if r.Fields[i].Name == name {
			return r.Fields[i], true
		}
	}
	return Field{}, false
}

// QueryResult is one page of a query, queryAll or queryMore answer, or a
// child subquery inside a record.
type QueryResult struct {
	// Done reports whether this is the last page.
	Done bool
	// QueryLocator is the opaque cursor for queryMore when Done is false.
	QueryLocator string
	// Records are this page's rows.
	Records []Record
	// Size is the total number of rows of the whole query (not of the page).
	Size int
}
