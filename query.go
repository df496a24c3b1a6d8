package sfgate

// QueryInput is exactly one of a structured query on SObject, raw SOQL, or
// the cursor of a previous page.
type QueryInput struct {
	// SObject is the object of a structured query.
	SObject string
	// Structured is a query built from names and values, never from text.
	Structured *StructuredQuery
	// SOQL is a raw SOQL query.
	SOQL *SOQLQuery
	// Cursor is the caller's opaque nextCursor of a previous page, to be
	// verified (tamper-evident) by the service.
	Cursor string
}

// StructuredQuery is a query on one object. The HTTP layer's document
// has checked its shape and bounds; the service checks every object,
// field and path against describe and escapes every value.
type StructuredQuery struct {
	Fields []string `json:"fields"`
	// Children are child subqueries: each a list of the object's child
	// records (Contacts of an Account), read whole however Salesforce
	// pages them.
	Children       []ChildQuery `json:"children,omitempty"`
	Where          *Condition   `json:"where,omitempty"`
	OrderBy        []OrderBy    `json:"orderBy,omitempty"`
	Limit          int          `json:"limit,omitempty"`
	IncludeDeleted bool         `json:"includeDeleted"`
	// PageSize is 200–2000; 0 means the default (2000).
	PageSize int `json:"pageSize,omitempty"`
	// TypeOf selects fields of polymorphic parents by their runtime type.
	TypeOf []TypeOf `json:"typeOf,omitempty"`
	// Aggregates, GroupBy, GroupByMode and Having make an aggregate query
	// (see Aggregate).
	Aggregates  []Aggregate `json:"aggregates,omitempty"`
	GroupBy     []string    `json:"groupBy,omitempty"`
	GroupByMode string      `json:"groupByMode,omitempty"`
	Having      *Condition  `json:"having,omitempty"`
}

// ChildQuery is a child subquery of a structured query: Relationship is a
// child relationship of the queried object (its relationshipName in
// describe, e.g. "Contacts"), Fields, Where and OrderBy name fields of
// the child object, Limit bounds the rows per parent record.
type ChildQuery struct {
	Relationship string     `json:"relationship"`
	Fields       []string   `json:"fields"`
	Where        *Condition `json:"where,omitempty"`
	OrderBy      []OrderBy  `json:"orderBy,omitempty"`
	Limit        int        `json:"limit,omitempty"`
}

// Condition is a node of a where tree: exactly one of And, Or, Not, or a
// comparison (Field, Op, Value).
type Condition struct {
	And   []Condition `json:"and,omitempty"`
	Or    []Condition `json:"or,omitempty"`
	Not   *Condition  `json:"not,omitempty"`
	Field string      `json:"field,omitempty"`
	// Op is one of = != < <= > >= like in notIn includes excludes.
	Op string `json:"op,omitempty"`
	// Value is nil, string, json.Number, bool, or []any of those.
	Value any `json:"value,omitempty"`
}

// OrderBy is one sort key; Direction is "asc" (or "") or "desc", Nulls
// "", "first" or "last".
type OrderBy struct {
	Field     string `json:"field"`
	Direction string `json:"direction,omitempty"`
	Nulls     string `json:"nulls,omitempty"`
}

// SOQLQuery is a raw SOQL query.
type SOQLQuery struct {
	SOQL           string `json:"soql"`
	IncludeDeleted bool   `json:"includeDeleted"`
	// PageSize is 200–2000; 0 means the default (2000).
	PageSize int `json:"pageSize,omitempty"`
}

// QueryPage is one page of a query answer.
type QueryPage struct {
	TotalSize int             `json:"totalSize"`
	Done      bool            `json:"done"`
	Records   []OrderedRecord `json:"records"`
	// NextCursor is set while Done is false.
	NextCursor string `json:"nextCursor,omitempty"`
}

// SearchHit is one record found by SOSL.
type SearchHit struct {
	SObject string        `json:"sobject"`
	Record  OrderedRecord `json:"record"`
}
