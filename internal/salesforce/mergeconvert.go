package salesforce

import (
	"context"
	"fmt"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Merge merges records: each request names a master record (ID set, plus
// fields to update on it) and one or two records merged into it.
// MaxWriteBatch requests per call; one result per request, in input order.
// Never retried blindly.
func (c *Client) Merge(ctx context.Context, requests []partner.MergeRequest, opts ...partner.Option) ([]partner.MergeResult, error) {
	const op = "merge"
	o := partner.NewOptions(opts)
	for i, r := range requests {
		if n := len(r.RecordToMergeIDs); n < 1 || n > 2 {
			return nil, invalidInput(op, "", fmt.Sprintf("request %d merges %d records into the master, want 1 or 2", i, n))
		}
		if r.MasterRecord.ID == "" {
			return nil, invalidInput(op, partner.CodeMalformedID, fmt.Sprintf("request %d: master record has no Id", i), "Id")
		}
		if _, err := normalizeIDs(op, r.RecordToMergeIDs); err != nil {
			return nil, err
		}
	}
	return chunked(indexes(len(requests)), partner.MaxWriteBatch, func(part []int) ([]partner.MergeResult, error) {
		var res []partner.MergeResult
		err := c.invoke(ctx, &call{
			op: op, idem: NotIdempotent, session: true,
			headers: func(w *envWriter) { writeHeaders(w, &o, false, true) },
			body: func(w *envWriter) {
				w.open(op)
				for _, i := range part {
					r := &requests[i]
					w.open("request")
					w.sObject("masterRecord", &r.MasterRecord, fmt.Sprintf("requests[%d].masterRecord", i))
					ids, _ := normalizeIDs(op, r.RecordToMergeIDs)
					for _, id := range ids {
						w.leaf("recordToMergeIds", "recordToMergeIds", id)
					}
					w.close("request")
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.mergeResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d requests", len(res), len(part)))
		}
		return res, err
	})
}

// ConvertLead converts leads, MaxConvertLeadBatch per call; one result per
// lead, in input order. Never retried blindly.
func (c *Client) ConvertLead(ctx context.Context, converts []partner.LeadConvert, opts ...partner.Option) ([]partner.LeadConvertResult, error) {
	const op = "convertLead"
	o := partner.NewOptions(opts)
	return chunked(indexes(len(converts)), partner.MaxConvertLeadBatch, func(part []int) ([]partner.LeadConvertResult, error) {
		var res []partner.LeadConvertResult
		err := c.invoke(ctx, &call{
			op: op, idem: NotIdempotent, session: true,
			headers: func(w *envWriter) { writeHeaders(w, &o, false, false) },
			body: func(w *envWriter) {
				w.open(op)
				for _, i := range part {
					w.leadConvert(&converts[i], fmt.Sprintf("leadConverts[%d]", i))
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.leadConvertResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d leads", len(res), len(part)))
		}
		return res, err
	})
}

// leadConvert writes a LeadConvert with every element the schema requires,
// in WSDL order; absent optional values are written nil.
func (w *envWriter) leadConvert(lc *partner.LeadConvert, path string) {
	idLeaf := func(name, v string, required bool) {
		if v == "" {
			if required {
				w.refuse(partner.CodeMalformedID, path+": "+name+" is required", name)
				return
			}
			w.nilLeaf(name)
			return
		}
		id, err := partner.NormalizeID(v)
		if err != nil {
			e := err.(*partner.Error)
			e.Op = w.op
			e.Message = path + "." + name + ": " + e.Message
			e.Fields = []string{name}
			if w.err == nil {
				w.err = e
			}
			return
		}
		w.leaf(name, path+"."+name, id)
	}
	optBool := func(name string, v *bool) {
		if v == nil {
			w.nilLeaf(name)
		} else {
			w.boolLeaf(name, *v)
		}
	}
	optText := func(name, v string) {
		if v == "" {
			w.nilLeaf(name)
		} else {
			w.leaf(name, path+"."+name, v)
		}
	}
	if lc.ConvertedStatus == "" {
		w.refuse("", path+": convertedStatus is required", "convertedStatus")
		return
	}
	w.open("leadConverts")
	idLeaf("accountId", lc.AccountID, false)
	w.nilLeaf("accountRecord")
	optBool("bypassAccountDedupeCheck", lc.BypassAccountDedupeCheck)
	optBool("bypassContactDedupeCheck", lc.BypassContactDedupeCheck)
	idLeaf("contactId", lc.ContactID, false)
	w.nilLeaf("contactRecord")
	w.leaf("convertedStatus", path+".convertedStatus", lc.ConvertedStatus)
	w.boolLeaf("doNotCreateOpportunity", lc.DoNotCreateOpportunity)
	idLeaf("leadId", lc.LeadID, true)
	idLeaf("opportunityId", lc.OpportunityID, false)
	optText("opportunityName", lc.OpportunityName)
	w.nilLeaf("opportunityRecord")
	w.boolLeaf("overwriteLeadSource", lc.OverwriteLeadSource)
	idLeaf("ownerId", lc.OwnerID, false)
	idLeaf("relatedPersonAccountId", lc.RelatedPersonAccountID, false)
	w.nilLeaf("relatedPersonAccountRecord")
	w.boolLeaf("sendNotificationEmail", lc.SendNotificationEmail)
	w.close("leadConverts")
}
