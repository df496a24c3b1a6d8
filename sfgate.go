// Package sfgate is the gateway's domain: the records, queries, batches and
// describes callers exchange with it, the services that answer them, and
// the errors those services return, as kinds rather than HTTP statuses.
//
// It imports nothing of the module, so every other package may import it:
// internal/service implements the services on Salesforce, internal/handlers
// serves them over HTTP and maps error kinds to statuses, cmd/gateway wires
// the two. The layout follows benbjohnson/wtf: the domain at the root, one
// package per technology around it.
package sfgate

import (
	"context"
	"time"
)

// The interfaces below are what the HTTP layer needs of the engine. They
// live in the domain, beside the types they speak, so neither side imports
// the other: the handlers compile and are tested with fakes, and the engine
// can change without touching the HTTP layer.
//
// Conventions for every implementation:
//   - ctx carries the request's deadline and cancellation; honour it.
//   - Records written are Record values: JSON objects keyed by API field
//     name whose numbers are json.Number (never float64), so no value is
//     rounded on its way through the gateway. Request bodies reach the
//     services decoded with json.Decoder.UseNumber. Records read are
//     OrderedRecord values: the same values, their keys in SELECT order.
//   - Errors the caller should see are *Error (possibly wrapped), with a
//     Kind and a Code; the HTTP layer maps them to statuses through one
//     table. Anything else is an internal error, answered without detail.

// DescribeService answers metadata questions from cached describes.
type DescribeService interface {
	// ListSObjects returns the org's objects (describeGlobal), filtered.
	ListSObjects(ctx context.Context, filter SObjectFilter) ([]SObjectSummary, error)
	// DescribeSObject returns one object's describe. An unknown object is an
	// *Error of kind NotFound.
	DescribeSObject(ctx context.Context, sobject string) (*SObjectDescribe, error)
}

// CachedDescribeService gives the describes records are typed with now,
// for documents built from many objects at once (the org-typed OpenAPI
// document): unlike DescribeService.DescribeSObject it does not ask
// Salesforce again while the describe is cached.
type CachedDescribeService interface {
	// CachedDescribe returns one object's cached describe (loaded on a
	// miss), as the caller may see it. An unknown object is an *Error of
	// kind NotFound; one the caller may not describe, of kind Forbidden.
	CachedDescribe(ctx context.Context, sobject string) (*SObjectDescribe, error)
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
// required fields with an *Error that names each field.
type RecordService interface {
	// Get returns one record, its keys in the order of fields (Id first);
	// fields nil means every field, in the describe's order.
	Get(ctx context.Context, sobject, id string, fields []string) (OrderedRecord, error)
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
	// and returns it. An error before the first emit can still be answered
	// whole; after it, the caller has seen part of the answer.
	Stream(ctx context.Context, in QueryInput, emit func(records []OrderedRecord) error) error
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
