package partner

import "time"

// Limits of the Partner API per call; the client chunks bigger requests.
const (
	// MaxWriteBatch is the most records create, update, upsert, delete,
	// undelete and merge accept per call.
	MaxWriteBatch = 200
	// MaxRetrieveBatch is the most ids retrieve accepts per call.
	MaxRetrieveBatch = 2000
	// MaxDescribeBatch is the most types describeSObjects accepts per call.
	MaxDescribeBatch = 100
	// MaxConvertLeadBatch is the most leads one convertLead call converts.
	MaxConvertLeadBatch = 100
)

// StatusError is one per-record error (the WSDL's Error type) of a write.
type StatusError struct {
	// StatusCode is the StatusCode enumeration value, verbatim.
	StatusCode string
	Message    string
	Fields     []string
	// ExtendedErrorCodes lists extendedErrorDetails/extendedErrorCode values.
	ExtendedErrorCodes []string
	// Duplicate is the duplicateResult of an xsi:type="DuplicateError"
	// (StatusCode DUPLICATES_DETECTED): what a duplicate rule matched. Nil
	// for every other error.
	Duplicate *DuplicateResult
}

// DuplicateResult mirrors the WSDL's DuplicateResult: the rule that
// fired and the records its matching rules found.
type DuplicateResult struct {
	AllowSave               bool
	DuplicateRule           string // the duplicate rule's developer name
	DuplicateRuleEntityType string
	ErrorMessage            string
	MatchResults            []MatchResult
}

// MatchResult mirrors the WSDL's MatchResult: one matching rule's finds.
type MatchResult struct {
	EntityType   string
	Errors       []StatusError
	MatchEngine  string // ExactMatchEngine, FuzzyMatchEngine, …
	MatchRecords []MatchRecord
	Rule         string // the matching rule's developer name
	Size         int
	Success      bool
}

// MatchRecord mirrors the WSDL's MatchRecord: one record found.
type MatchRecord struct {
	AdditionalInformation []NameValue
	FieldDiffs            []FieldDiff
	// MatchConfidence is the xsd:double as Salesforce wrote it ("100.0").
	MatchConfidence string
	// Record is the matched record: its type and Id, and whatever fields
	// the rule compared.
	Record Record
}

// NameValue mirrors the WSDL's AdditionalInformationMap.
type NameValue struct {
	Name, Value string
}

// FieldDiff mirrors the WSDL's FieldDiff: how one compared field differs
// (differenceType: SAME, DIFFERENT, NULL).
type FieldDiff struct {
	Name       string
	Difference string
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
