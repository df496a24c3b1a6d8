package sfgate

// MaxBatchRecords is the most records one batch request may carry; the
// HTTP layer's document enforces it before a service sees the batch.
const MaxBatchRecords = 10000

// BatchRequest is one operation on many records of one object.
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
