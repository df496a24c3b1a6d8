package partner

// Option sets a SOAP header of one call. Options that do not apply to an
// operation are ignored by it (the WSDL binding lists which headers each
// operation takes; the client only sends those).
type Option func(*Options)

// Options are the headers of one call, as its Option values set them; nil
// and zero fields leave the header out. The client reads them through
// NewOptions.
type Options struct {
	AllOrNone            *bool
	AllowFieldTruncation *bool
	// AssignmentRuleID and UseDefaultRule are the AssignmentRuleHeader;
	// setting one clears the other.
	AssignmentRuleID string
	UseDefaultRule   *bool
	DuplicateRule    *DuplicateRule
	// BatchSize is QueryOptions/batchSize, 0 or clamped to 200–2,000.
	BatchSize int
}

// DuplicateRule is the DuplicateRuleHeader.
type DuplicateRule struct {
	// AllowSave saves a record flagged as a duplicate by an "alert" rule.
	AllowSave bool
	// IncludeRecordDetails returns the fields of the duplicates found.
	IncludeRecordDetails bool
	// RunAsCurrentUser applies sharing rules of the current user to the
	// duplicate search.
	RunAsCurrentUser bool
}

// AllOrNone sets AllOrNoneHeader: when true a failing record rolls back the
// whole call. Calls with allOrNone true are never split into chunks, so
// they are refused locally above 200 records (atomicity cannot span calls).
func AllOrNone(v bool) Option { return func(o *Options) { o.AllOrNone = &v } }

// AllowFieldTruncation sets AllowFieldTruncationHeader: over-long strings
// are truncated instead of failing with STRING_TOO_LONG.
func AllowFieldTruncation(v bool) Option {
	return func(o *Options) { o.AllowFieldTruncation = &v }
}

// AssignmentRule sets AssignmentRuleHeader with a specific rule id (Case and
// Lead creates/updates). The id is normalised to 18 characters.
func AssignmentRule(id string) Option {
	return func(o *Options) { o.AssignmentRuleID = id; o.UseDefaultRule = nil }
}

// DefaultAssignmentRule sets AssignmentRuleHeader/useDefaultRule.
func DefaultAssignmentRule(v bool) Option {
	return func(o *Options) { o.UseDefaultRule = &v; o.AssignmentRuleID = "" }
}

// WithDuplicateRule sets DuplicateRuleHeader.
func WithDuplicateRule(r DuplicateRule) Option {
	return func(o *Options) { o.DuplicateRule = &r }
}

// BatchSize sets QueryOptions/batchSize for query, queryAll, queryMore and
// retrieve. Salesforce accepts 200 to 2,000 and treats it as a hint; values
// outside that range are clamped locally rather than faulting with
// INVALID_BATCH_SIZE. 0 leaves the header out (Salesforce's default).
func BatchSize(n int) Option { return func(o *Options) { o.BatchSize = n } }

// NewOptions applies opts in order (nil ones skipped) and clamps the batch
// size.
func NewOptions(opts []Option) Options {
	var o Options
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if o.BatchSize != 0 {
		o.BatchSize = min(max(o.BatchSize, 200), 2000)
	}
	return o
}
