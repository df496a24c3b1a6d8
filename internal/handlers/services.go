package handlers

import (
	"context"
	"time"
)

// The interfaces below are what the handlers need from the rest of the
// gateway. They are declared here, where they are used, so the handlers
// compile and are tested with fakes, and the engine behind them can change
// without touching the HTTP layer.
//
// Conventions for every implementation:
//   - ctx carries the request's deadline and cancellation; honour it.
//   - Records are Record values: JSON objects keyed by API field name whose
//     numbers are json.Number (never float64), so no value is rounded on
//     its way through the gateway. Request bodies reach the services decoded
//     with json.Decoder.UseNumber.
//   - Errors are returned as *salesforce.Error (possibly wrapped) for what
//     Salesforce said, or *Error (see NewError, Validation, NotFound) for
//     what the service decided itself; the adapter maps both to problem+json
//     through one table (status.go). Anything else becomes a 500.

// Record is one record, keyed by API field name. Parents nest as Record
// (map[string]any), child subqueries as []any of Record.
type Record = map[string]any

// DescribeService answers metadata questions from cached describes.
type DescribeService interface {
	// ListSObjects returns the org's objects (describeGlobal), filtered.
	ListSObjects(ctx context.Context, filter SObjectFilter) ([]SObjectSummary, error)
	// DescribeSObject returns one object's describe. An unknown object is an
	// *Error with status 404 (NotFound).
	DescribeSObject(ctx context.Context, sobject string) (*SObjectDescribe, error)
}

// SchemaService builds record schemas; it belongs with the JSON⇄Salesforce
// typing, so it is separate from DescribeService.
type SchemaService interface {
	// RecordSchema returns a JSON Schema 2020-12 document of the object's
	// record for create and update, built from the live describe, custom
	// fields included.
	RecordSchema(ctx context.Context, sobject string) (map[string]any, error)
}

// RecordService reads and writes records. Implementations type values from
// describe both ways and refuse unknown, read-only, mistyped and missing
// required fields with an *Error that names each field (Validation).
type RecordService interface {
	// Get returns one record; fields nil means every field.
	Get(ctx context.Context, sobject, id string, fields []string) (Record, error)
	// Create creates one record and returns its id.
	Create(ctx context.Context, sobject string, rec Record) (string, error)
	// Update changes the fields present in rec; a nil value clears a field.
	Update(ctx context.Context, sobject, id string, rec Record) error
	// Upsert creates or updates the record whose externalIDField is value.
	Upsert(ctx context.Context, sobject, externalIDField, value string, rec Record) (UpsertResult, error)
	// Delete deletes one record.
	Delete(ctx context.Context, sobject, id string) error
	// Batch applies one operation to up to MaxBatchRecords records, in calls
	// of at most 200, and returns one result per input record in input
	// order. A per-record failure is a result, not an error; an error means
	// the batch as a whole failed.
	Batch(ctx context.Context, sobject string, req BatchRequest) (BatchResponse, error)
	// Merge merges req.MergeIDs into the master record id.
	Merge(ctx context.Context, sobject, id string, req MergeRequest) (MergeResult, error)
	// ConvertLead converts one lead.
	ConvertLead(ctx context.Context, req LeadConvertRequest) (LeadConvertResult, error)
}

// QueryService runs queries and searches.
type QueryService interface {
	// Query returns the first page of in (or, for a cursor, the next page).
	Query(ctx context.Context, in QueryInput) (QueryPage, error)
	// Stream sends every record of every page of in to emit, one page at a
	// time, fetching the next page while emit writes the current one, in
	// memory bounded by two pages. It stops at the first error emit returns
	// and returns it. An error before the first emit is answered as
	// problem+json; after it, the stream is cut so the caller sees it
	// incomplete.
	Stream(ctx context.Context, in QueryInput, emit func(records []Record) error) error
	// Search runs a SOSL search.
	Search(ctx context.Context, sosl string) ([]SearchHit, error)
}

// LimitsService reports the org's API usage as last seen.
type LimitsService interface {
	// Limits returns the limits of the last LimitInfoHeader and when it came;
	// a zero time means no Salesforce answer has been seen yet.
	Limits(ctx context.Context) ([]Limit, time.Time, error)
}

// CacheAdmin drops cached describes on every replica.
type CacheAdmin interface {
	// InvalidateDescribe drops one object's describe, or every describe
	// (and the global describe) when sobject is "".
	InvalidateDescribe(ctx context.Context, sobject string) error
}

// Readiness reports the state of what readiness depends on.
type Readiness interface {
	// Redis reports "ok", "degraded" (configured but unreachable; serving
	// from memory) or "disabled" (no REDIS_URL).
	Redis(ctx context.Context) string
	// Salesforce reports "ok", "unreachable" or "unknown"; it is shown in
	// the body only and never fails readiness.
	Salesforce(ctx context.Context) string
}

// SObjectFilter narrows ListSObjects; a nil field does not filter.
type SObjectFilter struct {
	Custom    *bool
	Queryable *bool
}

// SObjectSummary is one entry of GET /v1/sobjects.
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

// SObjectDescribe is the answer of GET /v1/sobjects/{sobject}.
type SObjectDescribe struct {
	SObjectSummary
	Fields             []FieldDescribe     `json:"fields"`
	ChildRelationships []ChildRelationship `json:"childRelationships"`
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

// UpsertResult is the answer of an upsert.
type UpsertResult struct {
	ID      string `json:"id"`
	Created bool   `json:"created"`
}

// MaxBatchRecords is the most records one batch request may carry; the
// document enforces it before a handler runs.
const MaxBatchRecords = 10000

// BatchRequest is the body of POST /v1/sobjects/{sobject}/records/batch.
type BatchRequest struct {
	// Operation is create, update, upsert, delete or undelete.
	Operation string `json:"operation"`
	// AllOrNone asks for every record to succeed or none.
	AllOrNone bool `json:"allOrNone"`
	// ExternalIDField names the upsert key; required for upsert.
	ExternalIDField string `json:"externalIdField,omitempty"`
	// Records are the input records; update, delete and undelete carry Id.
	Records []Record `json:"records"`
	// RecordErrors are problems found while decoding, by record index (a
	// JSON member named twice, which decoding cannot keep): the engine
	// must fail those records as if it had found the problems itself.
	RecordErrors map[int][]FieldError `json:"-"`
}

// BatchResponse is one result per input record, in input order.
type BatchResponse struct {
	SuccessCount int           `json:"successCount"`
	FailureCount int           `json:"failureCount"`
	Results      []BatchResult `json:"results"`
}

// BatchResult is the outcome of one record of a batch.
type BatchResult struct {
	Index   int          `json:"index"`
	Success bool         `json:"success"`
	ID      string       `json:"id,omitempty"`
	Created *bool        `json:"created,omitempty"`
	Errors  []FieldError `json:"errors"`
}

// MergeRequest is the body of POST …/records/{id}/merge.
type MergeRequest struct {
	MergeIDs []string `json:"mergeIds"`
	Fields   Record   `json:"fields,omitempty"`
}

// MergeResult is the answer of a merge.
type MergeResult struct {
	ID                string   `json:"id"`
	MergedRecordIDs   []string `json:"mergedRecordIds"`
	UpdatedRelatedIDs []string `json:"updatedRelatedIds"`
}

// LeadConvertRequest is the body of POST /v1/leads/convert.
type LeadConvertRequest struct {
	LeadID                 string `json:"leadId"`
	ConvertedStatus        string `json:"convertedStatus"`
	AccountID              string `json:"accountId,omitempty"`
	ContactID              string `json:"contactId,omitempty"`
	OwnerID                string `json:"ownerId,omitempty"`
	OpportunityName        string `json:"opportunityName,omitempty"`
	DoNotCreateOpportunity bool   `json:"doNotCreateOpportunity"`
	OverwriteLeadSource    bool   `json:"overwriteLeadSource"`
	SendNotificationEmail  bool   `json:"sendNotificationEmail"`
}

// LeadConvertResult is the answer of a lead conversion; OpportunityID is
// nil when no opportunity was created.
type LeadConvertResult struct {
	LeadID        string  `json:"leadId"`
	AccountID     string  `json:"accountId"`
	ContactID     string  `json:"contactId"`
	OpportunityID *string `json:"opportunityId"`
}

// QueryInput is exactly one of a structured query on SObject, raw SOQL, or
// the cursor of a previous page.
type QueryInput struct {
	// SObject is the path's object for a structured query.
	SObject string
	// Structured is set for POST /v1/sobjects/{sobject}/query.
	Structured *StructuredQuery
	// SOQL is set for POST /v1/query.
	SOQL *SOQLQuery
	// Cursor is set for GET /v1/query/{cursor}: the caller's opaque
	// nextCursor, to be verified (tamper-evident) by the service.
	Cursor string
}

// StructuredQuery is the body of POST /v1/sobjects/{sobject}/query. The
// document has checked its shape and limits; the service checks every
// object, field and path against describe and escapes every value.
type StructuredQuery struct {
	Fields         []string   `json:"fields"`
	Where          *Condition `json:"where,omitempty"`
	OrderBy        []OrderBy  `json:"orderBy,omitempty"`
	Limit          int        `json:"limit,omitempty"`
	IncludeDeleted bool       `json:"includeDeleted"`
	// PageSize is 200–2000; 0 means the default (2000).
	PageSize int `json:"pageSize,omitempty"`
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

// OrderBy is one sort key.
type OrderBy struct {
	Field     string `json:"field"`
	Direction string `json:"direction,omitempty"`
	Nulls     string `json:"nulls,omitempty"`
}

// SOQLQuery is the body of POST /v1/query.
type SOQLQuery struct {
	SOQL           string `json:"soql"`
	IncludeDeleted bool   `json:"includeDeleted"`
	PageSize       int    `json:"pageSize,omitempty"`
}

// QueryPage is one page of a query answer.
type QueryPage struct {
	TotalSize int      `json:"totalSize"`
	Done      bool     `json:"done"`
	Records   []Record `json:"records"`
	// NextCursor is set while Done is false.
	NextCursor string `json:"nextCursor,omitempty"`
}

// SearchHit is one record found by SOSL.
type SearchHit struct {
	SObject string `json:"sobject"`
	Record  Record `json:"record"`
}

// Limit is one entry of the LimitInfoHeader.
type Limit struct {
	Type    string `json:"type"`
	Current int64  `json:"current"`
	Limit   int64  `json:"limit"`
}
