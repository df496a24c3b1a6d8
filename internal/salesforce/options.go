package salesforce

// Option sets a SOAP header of one call. Options that do not apply to an
// operation are ignored by it (the WSDL binding lists which headers each
// operation takes; the client only sends those).
type Option func(*callOptions)

type callOptions struct {
	allOrNone            *bool
	allowFieldTruncation *bool
	assignmentRuleID     string
	useDefaultRule       *bool
	duplicateRule        *DuplicateRule
	batchSize            int
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
func AllOrNone(v bool) Option { return func(o *callOptions) { o.allOrNone = &v } }

// AllowFieldTruncation sets AllowFieldTruncationHeader: over-long strings
// are truncated instead of failing with STRING_TOO_LONG.
func AllowFieldTruncation(v bool) Option {
	return func(o *callOptions) { o.allowFieldTruncation = &v }
}

// AssignmentRule sets AssignmentRuleHeader with a specific rule id (Case and
// Lead creates/updates). The id is normalised to 18 characters.
func AssignmentRule(id string) Option {
	return func(o *callOptions) { o.assignmentRuleID = id; o.useDefaultRule = nil }
}

// DefaultAssignmentRule sets AssignmentRuleHeader/useDefaultRule.
func DefaultAssignmentRule(v bool) Option {
	return func(o *callOptions) { o.useDefaultRule = &v; o.assignmentRuleID = "" }
}

// WithDuplicateRule sets DuplicateRuleHeader.
func WithDuplicateRule(r DuplicateRule) Option {
	return func(o *callOptions) { o.duplicateRule = &r }
}

// BatchSize sets QueryOptions/batchSize for query, queryAll, queryMore and
// retrieve. Salesforce accepts 200 to 2,000 and treats it as a hint; values
// outside that range are clamped locally rather than faulting with
// INVALID_BATCH_SIZE. 0 leaves the header out (Salesforce's default).
func BatchSize(n int) Option { return func(o *callOptions) { o.batchSize = n } }

func buildOptions(opts []Option) callOptions {
	var o callOptions
	for _, f := range opts {
		if f != nil {
			f(&o)
		}
	}
	if o.batchSize != 0 {
		o.batchSize = min(max(o.batchSize, 200), 2000)
	}
	return o
}

func (o *callOptions) writeQueryOptions(w *envWriter) {
	if o.batchSize > 0 {
		w.open("QueryOptions")
		w.intLeaf("batchSize", o.batchSize)
		w.close("QueryOptions")
	}
}

// writeHeaders writes the write-call headers the operation's binding
// accepts.
func (o *callOptions) writeHeaders(w *envWriter, allOrNone, assignment bool) {
	if allOrNone && o.allOrNone != nil {
		w.open("AllOrNoneHeader")
		w.boolLeaf("allOrNone", *o.allOrNone)
		w.close("AllOrNoneHeader")
	}
	if assignment && (o.assignmentRuleID != "" || o.useDefaultRule != nil) {
		w.open("AssignmentRuleHeader")
		if o.assignmentRuleID != "" {
			id, err := NormalizeID(o.assignmentRuleID)
			if err != nil {
				e := err.(*Error)
				e.Op = w.op
				e.Fields = []string{"assignmentRuleId"}
				if w.err == nil {
					w.err = e
				}
				return
			}
			w.leaf("assignmentRuleId", "assignmentRuleId", id)
		} else {
			w.nilLeaf("assignmentRuleId")
		}
		if o.useDefaultRule != nil {
			w.boolLeaf("useDefaultRule", *o.useDefaultRule)
		} else {
			w.nilLeaf("useDefaultRule")
		}
		w.close("AssignmentRuleHeader")
	}
	if o.allowFieldTruncation != nil {
		w.open("AllowFieldTruncationHeader")
		w.boolLeaf("allowFieldTruncation", *o.allowFieldTruncation)
		w.close("AllowFieldTruncationHeader")
	}
	if r := o.duplicateRule; r != nil {
		w.open("DuplicateRuleHeader")
		w.boolLeaf("allowSave", r.AllowSave)
		w.boolLeaf("includeRecordDetails", r.IncludeRecordDetails)
		w.boolLeaf("runAsCurrentUser", r.RunAsCurrentUser)
		w.close("DuplicateRuleHeader")
	}
}
