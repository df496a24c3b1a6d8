package sfgate

// Record is one record written by a caller, keyed by API field name.
// Records read come back as OrderedRecord, in SELECT order.
type Record = map[string]any

// UpsertResult is the answer of an upsert.
type UpsertResult struct {
	ID      string `json:"id"`
	Created bool   `json:"created"`
}

// MergeRequest is what a merge takes besides the master record's id.
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

// LeadConvertRequest is one lead conversion.
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
