package sfsim

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// Per-call caps of merge and convertLead (docs: merge takes up to 200
// requests of at most 3 records each; convertLead up to 100 leads).
const (
	maxMergeRequests  = 200
	maxMergeRecords   = 3
	maxLeadConversion = 100
	convertedStatus   = "Closed - Converted"
)

func (s *Server) opMerge(c *call) *Fault {
	reqs := mergeRequests(c.body)
	if len(reqs) > maxMergeRequests {
		return faultIDLimit()
	}
	if len(reqs) == 0 {
		return noItems(c.op, "request")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, req := range reqs {
		res := s.mergeOne(c, req)
		w := &c.w
		w.open("result")
		writeErrors(w, res.errs)
		w.opt("id", res.id, res.id != "")
		if len(res.errs) == 0 {
			for _, id := range res.merged {
				w.elem("mergedRecordIds", id)
			}
		}
		w.boolElem("success", len(res.errs) == 0)
		if len(res.errs) == 0 {
			for _, id := range res.related {
				w.elem("updatedRelatedIds", id)
			}
		}
		w.close("result")
	}
	return nil
}

type mergeResult struct {
	id      string
	merged  []string
	related []string
	errs    []*recordError
}

// mergeOne merges the losers into the master: the master takes the field
// values sent in masterRecord, every child of a loser is reparented to the
// master, and the losers go to the recycle bin. A failure undoes the
// request.
func (s *Server) mergeOne(c *call, req *node) mergeResult {
	fail := func(res mergeResult, e *recordError) mergeResult {
		res.errs = []*recordError{e}
		return res
	}
	master := req.child("masterRecord")
	if master == nil {
		return fail(mergeResult{}, recErr("MISSING_ARGUMENT", nil, "masterRecord not specified"))
	}
	in, f := s.parseSObject(master)
	if f != nil {
		return fail(mergeResult{}, recErr(f.Code, nil, "%s", f.Message))
	}
	res := mergeResult{id: in.id}
	if id, err := meta.To18(in.id); err == nil {
		res.id = id
	}
	if !in.obj.Mergeable {
		return fail(res, recErr("INVALID_TYPE", nil, "entity type %s does not support merge", in.obj.Name))
	}
	losers := req.values("recordToMergeIds")
	if len(losers) == 0 {
		return fail(res, recErr("MISSING_ARGUMENT", nil, "recordToMergeIds not specified"))
	}
	if len(losers)+1 > maxMergeRecords {
		return fail(res, recErr("LIMIT_EXCEEDED", nil, "A maximum of %d records can be merged at once", maxMergeRecords))
	}
	wc := s.beginWrite(c)
	wc.allOrNone = false
	if !in.hasID {
		return fail(res, recErr("MISSING_ARGUMENT", nil, "Id not specified in the masterRecord"))
	}
	cur, e := wc.live(in.obj, in.id)
	if e != nil {
		return fail(res, e)
	}
	var loserRecs []meta.Record
	for _, raw := range losers {
		id, err := meta.To18(raw)
		if err != nil || meta.KeyPrefix(id) != in.obj.Prefix() {
			return fail(res, recErr("MALFORMED_ID", nil, "bad id in recordsToMerge: %s", raw))
		}
		if id == res.id || slices.ContainsFunc(loserRecs, func(r meta.Record) bool { return r["Id"] == id }) {
			return fail(res, recErr("INVALID_ID_FIELD", nil, "Duplicate ids in merge request: %s", id))
		}
		r := wc.d.get(in.obj.Name, id)
		if r == nil || isDeleted(r) {
			wc.u.rollback()
			return fail(res, recErr("ENTITY_IS_DELETED", nil, "entity is deleted"))
		}
		loserRecs = append(loserRecs, r)
	}
	if _, e := wc.modify(in, cur); e != nil {
		wc.u.rollback()
		return fail(res, e)
	}
	for _, l := range loserRecs {
		lid := l["Id"]
		res.related = append(res.related, wc.reparent(in.obj, lid, res.id)...)
		if _, ok := in.obj.Field("MasterRecordId"); ok {
			wc.u.save(in.obj.Name, lid)
			nl := maps.Clone(wc.d.get(in.obj.Name, lid))
			nl["MasterRecordId"] = res.id
			wc.d.put(in.obj.Name, nl)
		}
		wc.softDelete(in.obj, wc.d.get(in.obj.Name, lid), 0)
		res.merged = append(res.merged, lid)
	}
	return res
}

// reparent points every live child of from at to and returns the
// children's ids.
func (wc *writeCall) reparent(obj *meta.Object, from, to string) []string {
	var ids []string
	for _, cr := range obj.ChildRelationships {
		child, ok := wc.s.sc().Object(cr.ChildSObject)
		if !ok {
			continue
		}
		t := wc.d.tables[strings.ToLower(child.Name)]
		if t == nil {
			continue
		}
		var hits []meta.Record
		t.each(func(r meta.Record) bool {
			if r[cr.Field] == from && !isDeleted(r) {
				hits = append(hits, r)
			}
			return true
		})
		for _, r := range hits {
			wc.u.save(child.Name, r["Id"])
			nr := maps.Clone(r)
			nr[cr.Field] = to
			wc.stamp(child, nr, false)
			wc.d.put(child.Name, nr)
			wc.d.record(child.Name, nr["Id"], changeUpsert, wc.now)
			if !slices.Contains(ids, nr["Id"]) {
				ids = append(ids, nr["Id"])
			}
		}
	}
	return ids
}

// createFrom inserts a record from field values, skipping fields the
// object lacks or that cannot be set on create.
func (wc *writeCall) createFrom(objName string, values map[string]string, order []string) (string, *recordError) {
	obj, ok := wc.s.sc().Object(objName)
	if !ok {
		return "", recErr("INVALID_TYPE", nil, "sObject type '%s' is not supported", objName)
	}
	r := &inRecord{obj: obj}
	for _, name := range order {
		v, ok := values[name]
		if !ok || v == "" {
			continue
		}
		if f, ok := obj.Field(name); ok && f.Createable {
			r.fields = append(r.fields, inField{field: f, value: v})
		}
	}
	return wc.insert(r)
}

// leadStatusConverted reports whether status is a converted lead status:
// the API value of a LeadStatus row with IsConverted, or the standard
// "Closed - Converted" when the org has no LeadStatus rows.
func (s *Server) leadStatusConverted(status string) bool {
	t := s.data.tables["leadstatus"]
	if t == nil || len(t.rows) == 0 {
		return status == convertedStatus
	}
	ok := false
	t.each(func(r meta.Record) bool {
		// The status's API value is what counts; a differing label does
		// not convert (douglascayers/sfdc-auto-convert-leads-process#8).
		name := r["ApiName"]
		if name == "" {
			name = r["MasterLabel"]
		}
		if name == status && r["IsConverted"] == "true" {
			ok = true
			return false
		}
		return true
	})
	return ok
}

func (s *Server) opConvertLead(c *call) *Fault {
	items := c.body.all("leadConverts")
	if len(items) > maxLeadConversion {
		return unexpected("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than %d records into this call", maxLeadConversion)
	}
	if len(items) == 0 {
		return noItems(c.op, "leadConverts")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, it := range items {
		r := s.convertOne(c, it)
		w := &c.w
		w.open("result")
		ok := len(r.errs) == 0
		w.opt("accountId", r.account, ok && r.account != "")
		w.opt("contactId", r.contact, ok && r.contact != "")
		writeErrors(w, r.errs)
		w.opt("leadId", r.lead, r.lead != "")
		w.opt("opportunityId", r.opportunity, ok && r.opportunity != "")
		w.boolElem("success", ok)
		w.close("result")
	}
	return nil
}

type convertResult struct {
	account, contact, lead, opportunity string
	errs                                []*recordError
}

func (s *Server) convertOne(c *call, it *node) (res convertResult) {
	wc := s.beginWrite(c)
	wc.allOrNone = false
	defer func() {
		if len(res.errs) > 0 {
			wc.u.rollback()
		}
	}()
	lc := leadConversion{s: s, wc: wc, it: it, res: &res}
	if e := lc.convert(); e != nil {
		res.errs = []*recordError{e}
	}
	return res
}

// leadConversion converts one lead (one leadConverts element, it) inside
// the write wc, filling res as it goes: a failure leaves in res what was
// known when it happened, as Salesforce's result does.
type leadConversion struct {
	s   *Server
	wc  *writeCall
	it  *node
	res *convertResult

	lead  map[string]string // the lead record
	owner string            // the owner of the records created
}

// convert runs the steps of a conversion in Salesforce's order.
func (lc *leadConversion) convert() *recordError {
	leadObj, _ := lc.s.sc().Object("Lead")
	status, e := lc.checkRequest(leadObj)
	if e != nil {
		return e
	}
	if e := lc.account(); e != nil {
		return e
	}
	if e := lc.contact(); e != nil {
		return e
	}
	if !lc.it.boolValue("doNotCreateOpportunity", false) {
		if e := lc.opportunity(); e != nil {
			return e
		}
	}
	lc.markConverted(leadObj, status)
	return nil
}

// checkRequest finds the lead, and checks the converted status and the
// owner; it returns the status.
func (lc *leadConversion) checkRequest(leadObj *meta.Object) (string, *recordError) {
	s, it, res := lc.s, lc.it, lc.res
	rawLead, _ := it.value("leadId")
	res.lead = rawLead
	if rawLead == "" {
		return "", recErr("MISSING_ARGUMENT", nil, "leadId not specified")
	}
	lead, e := lc.wc.live(leadObj, rawLead)
	if e != nil {
		return "", e
	}
	lc.lead = lead
	res.lead = lead["Id"]
	status, _ := it.value("convertedStatus")
	if !s.leadStatusConverted(status) {
		return "", recErr("INVALID_STATUS", nil, "invalid convertedStatus: %s", status)
	}
	lc.owner = s.usr().ID
	if o, ok := it.value("ownerId"); ok && o != "" {
		id, err := meta.To18(o)
		if err != nil || s.data.get("User", id) == nil {
			return "", recErr("INVALID_CROSS_REFERENCE_KEY", []string{"OwnerId"}, "invalid cross reference id")
		}
		lc.owner = id
	}
	return status, nil
}

// existing returns the id of the live record of object the request names
// in field, or "" when it names none.
func (lc *leadConversion) existing(field, object string) (string, *recordError) {
	v, ok := lc.it.value(field)
	if !ok || v == "" {
		return "", nil
	}
	obj, _ := lc.s.sc().Object(object)
	rec, e := lc.wc.live(obj, v)
	if e != nil {
		return "", e
	}
	return rec["Id"], nil
}

// account uses the account the request names or creates one from the lead.
func (lc *leadConversion) account() *recordError {
	lead, res := lc.lead, lc.res
	var e *recordError
	if res.account, e = lc.existing("accountId", "Account"); e != nil || res.account != "" {
		return e
	}
	res.account, e = lc.wc.createFrom("Account", map[string]string{
		"Name": lead["Company"], "OwnerId": lc.owner, "Phone": lead["Phone"], "Website": lead["Website"],
		"Industry": lead["Industry"], "AnnualRevenue": lead["AnnualRevenue"], "NumberOfEmployees": lead["NumberOfEmployees"],
		"BillingStreet": lead["Street"], "BillingCity": lead["City"], "BillingState": lead["State"],
		"BillingPostalCode": lead["PostalCode"], "BillingCountry": lead["Country"], "AccountSource": lead["LeadSource"],
	}, []string{"Name", "OwnerId", "Phone", "Website", "Industry", "AnnualRevenue", "NumberOfEmployees", "BillingStreet", "BillingCity", "BillingState", "BillingPostalCode", "BillingCountry", "AccountSource"})
	return e
}

// contact uses the contact the request names or creates one from the lead,
// on the account.
func (lc *leadConversion) contact() *recordError {
	lead, res := lc.lead, lc.res
	var e *recordError
	if res.contact, e = lc.existing("contactId", "Contact"); e != nil || res.contact != "" {
		return e
	}
	res.contact, e = lc.wc.createFrom("Contact", map[string]string{
		"AccountId": res.account, "OwnerId": lc.owner, "Salutation": lead["Salutation"], "FirstName": lead["FirstName"],
		"LastName": lead["LastName"], "Title": lead["Title"], "Email": lead["Email"], "Phone": lead["Phone"],
		"MobilePhone": lead["MobilePhone"], "LeadSource": lead["LeadSource"], "MailingStreet": lead["Street"],
		"MailingCity": lead["City"], "MailingState": lead["State"], "MailingPostalCode": lead["PostalCode"],
		"MailingCountry": lead["Country"], "Description": lead["Description"],
	}, []string{"AccountId", "OwnerId", "Salutation", "FirstName", "LastName", "Title", "Email", "Phone", "MobilePhone", "LeadSource", "MailingStreet", "MailingCity", "MailingState", "MailingPostalCode", "MailingCountry", "Description"})
	return e
}

// opportunity uses the opportunity the request names or creates one on
// the account.
func (lc *leadConversion) opportunity() *recordError {
	lead, res := lc.lead, lc.res
	var e *recordError
	if res.opportunity, e = lc.existing("opportunityId", "Opportunity"); e != nil || res.opportunity != "" {
		return e
	}
	name, _ := lc.it.value("opportunityName")
	if name == "" {
		name = lead["Company"] + "-"
	}
	res.opportunity, e = lc.wc.createFrom("Opportunity", map[string]string{
		"Name": name, "AccountId": res.account, "OwnerId": lc.owner, "StageName": lc.s.defaultStage(),
		"CloseDate": quarterEnd(lc.wc.now).Format("2006-01-02"), "LeadSource": lead["LeadSource"],
	}, []string{"Name", "AccountId", "OwnerId", "StageName", "CloseDate", "LeadSource"})
	return e
}

// markConverted saves the lead as converted into the records it became.
func (lc *leadConversion) markConverted(leadObj *meta.Object, status string) {
	wc, res := lc.wc, lc.res
	wc.u.save("Lead", res.lead)
	nl := maps.Clone(lc.lead)
	nl["Status"] = status
	nl["IsConverted"] = "true"
	nl["ConvertedAccountId"] = res.account
	nl["ConvertedContactId"] = res.contact
	if res.opportunity != "" {
		nl["ConvertedOpportunityId"] = res.opportunity
	}
	nl["ConvertedDate"] = wc.now.Format("2006-01-02")
	wc.stamp(leadObj, nl, false)
	wc.d.put("Lead", nl)
	wc.d.record("Lead", res.lead, changeUpsert, wc.now)
}

// defaultStage is the first stage of Opportunity.StageName, the one a
// converted lead's opportunity starts in.
func (s *Server) defaultStage() string {
	if o, ok := s.sc().Object("Opportunity"); ok {
		if f, ok := o.Field("StageName"); ok {
			for _, p := range f.PicklistValues {
				if p.Active && p.DefaultValue {
					return p.Value
				}
			}
			for _, p := range f.PicklistValues {
				if p.Active {
					return p.Value
				}
			}
		}
	}
	return "Prospecting"
}

func quarterEnd(t time.Time) time.Time {
	q := (int(t.Month()) - 1) / 3
	return time.Date(t.Year(), time.Month(q*3+4), 0, 0, 0, 0, 0, time.UTC)
}
