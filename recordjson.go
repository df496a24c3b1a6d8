package sfgate

import "context"

// RecordJSON is a record read from Salesforce already written as a JSON
// object: the bytes an OrderedRecord of the same record encodes to with an
// Encoder that does not escape HTML (SetEscapeHTML(false)), keys in SELECT
// order. The engine writes it straight from Salesforce's values and the
// describe's typing, with no OrderedRecord, no boxed values and no
// allocation per record; the HTTP layer copies it out.
type RecordJSON []byte

// MarshalJSON returns r itself (null when r is nil): encoding/json then
// escapes its HTML characters when asked, as for an OrderedRecord.
func (r RecordJSON) MarshalJSON() ([]byte, error) {
	if r == nil {
		return []byte("null"), nil
	}
	return r, nil
}

// QueryPageJSON is QueryPage with its records written as JSON. Its JSON is
// QueryPage's, byte for byte.
type QueryPageJSON struct {
	TotalSize  int          `json:"totalSize"`
	Done       bool         `json:"done"`
	Records    []RecordJSON `json:"records"`
	NextCursor string       `json:"nextCursor,omitempty"`
}

// JSONQueryService is a QueryService that can also answer its records as
// JSON text: what the HTTP answers of queries are made of. Its answers are
// those of Query and Stream, written.
type JSONQueryService interface {
	// QueryJSON is Query with the page's records written as JSON.
	QueryJSON(ctx context.Context, in QueryInput) (QueryPageJSON, error)
	// StreamJSON is Stream with each page's records written as JSON.
	StreamJSON(ctx context.Context, in QueryInput, emit func(records []RecordJSON) error) error
}
