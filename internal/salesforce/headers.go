package salesforce

import "github.com/sfgate/sfgate/internal/salesforce/partner"

// writeQueryOptions writes QueryOptions when o sets a batch size.
func writeQueryOptions(w *envWriter, o *partner.Options) {
	if o.BatchSize > 0 {
		w.open("QueryOptions")
		w.intLeaf("batchSize", o.BatchSize)
		w.close("QueryOptions")
	}
}

// writeHeaders writes the write-call headers the operation's binding
// accepts.
func writeHeaders(w *envWriter, o *partner.Options, allOrNone, assignment bool) {
	if allOrNone && o.AllOrNone != nil {
		w.open("AllOrNoneHeader")
		w.boolLeaf("allOrNone", *o.AllOrNone)
		w.close("AllOrNoneHeader")
	}
	if assignment && (o.AssignmentRuleID != "" || o.UseDefaultRule != nil) {
		w.open("AssignmentRuleHeader")
		if o.AssignmentRuleID != "" {
			id, err := partner.NormalizeID(o.AssignmentRuleID)
			if err != nil {
				e := err.(*partner.Error)
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
		if o.UseDefaultRule != nil {
			w.boolLeaf("useDefaultRule", *o.UseDefaultRule)
		} else {
			w.nilLeaf("useDefaultRule")
		}
		w.close("AssignmentRuleHeader")
	}
	if o.AllowFieldTruncation != nil {
		w.open("AllowFieldTruncationHeader")
		w.boolLeaf("allowFieldTruncation", *o.AllowFieldTruncation)
		w.close("AllowFieldTruncationHeader")
	}
	if r := o.DuplicateRule; r != nil {
		w.open("DuplicateRuleHeader")
		w.boolLeaf("allowSave", r.AllowSave)
		w.boolLeaf("includeRecordDetails", r.IncludeRecordDetails)
		w.boolLeaf("runAsCurrentUser", r.RunAsCurrentUser)
		w.close("DuplicateRuleHeader")
	}
}
