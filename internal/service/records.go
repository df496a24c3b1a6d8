package service

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// checkPrefix refuses an id whose key prefix names another object: without
// it, DELETE /v1/sobjects/Account/records/<a contact's id> would delete the
// contact.
func checkPrefix(x *metadata.Object, id string) error {
	if p := x.KeyPrefix; p != "" && !strings.HasPrefix(id, p) {
		return &sfgate.Error{Kind: sfgate.KindNotFound, Code: sfgate.CodeNotFound,
			Detail: fmt.Sprintf("%s is not the id of a %s record", id, x.Name)}
	}
	return nil
}

// recordErr turns the per-record errors of a single-record call into the
// error the status table maps, with Salesforce's code and fields carried.
// onPath says the record was named by the request path: then a record
// that is gone (ENTITY_IS_DELETED, or INVALID_CROSS_REFERENCE_KEY about the
// id itself) is a 404, not a 422.
func recordErr(op string, errs []partner.StatusError, onPath bool) error {
	if len(errs) == 0 {
		return &partner.Error{Op: op, Kind: partner.KindFault, Code: "UNKNOWN_EXCEPTION", Message: "Salesforce reported a failure without saying why"}
	}
	first := errs[0]
	var msgs, fields []string
	for _, e := range errs {
		msgs = append(msgs, strings.TrimSpace(e.Message))
		for _, f := range e.Fields {
			if !slices.Contains(fields, f) {
				fields = append(fields, f)
			}
		}
	}
	se := &partner.Error{Op: op, Kind: partner.KindFault, Code: first.StatusCode, Message: strings.Join(msgs, "; "), Fields: fields}
	gone := first.StatusCode == "ENTITY_IS_DELETED" ||
		(first.StatusCode == "INVALID_CROSS_REFERENCE_KEY" && (len(first.Fields) == 0 || slices.ContainsFunc(first.Fields, isIDKey)))
	if onPath && gone {
		return &sfgate.Error{Kind: sfgate.KindNotFound, Code: first.StatusCode, Detail: se.Message, Errors: fieldErrors(errs), Err: se}
	}
	if slices.ContainsFunc(errs, func(e partner.StatusError) bool { return e.Duplicate != nil }) {
		// A duplicate rule refused the save: the records it matched are
		// the answer's point, so the errors are the records' own (with
		// their duplicate results), answered by Salesforce's code.
		return &sfgate.Error{Kind: sfgate.KindUpstream, Code: first.StatusCode, Salesforce: true, Detail: se.Message, Errors: fieldErrors(errs), Err: se}
	}
	return se
}

// fieldErrors maps per-record errors to the document's shape: one entry
// per field named, or one without a field; a duplicate rule's refusal
// carries what the rule matched.
func fieldErrors(errs []partner.StatusError) []sfgate.FieldError {
	out := make([]sfgate.FieldError, 0, len(errs))
	for _, e := range errs {
		msg := strings.TrimSpace(e.Message)
		dup := duplicate(e.Duplicate)
		if len(e.Fields) == 0 {
			out = append(out, sfgate.FieldError{Code: e.StatusCode, Message: msg, Duplicate: dup})
			continue
		}
		for _, f := range e.Fields {
			out = append(out, sfgate.FieldError{Field: f, Code: e.StatusCode, Message: msg, Duplicate: dup})
		}
	}
	return out
}

// duplicate is a DuplicateError's result as callers see it: the rule and
// every matched record with its id, object, matching rule and confidence
// (SOAP API Developer Guide, DuplicateResult and MatchRecord; WSDL v58).
func duplicate(d *partner.DuplicateResult) *sfgate.Duplicate {
	if d == nil {
		return nil
	}
	out := &sfgate.Duplicate{Rule: d.DuplicateRule, EntityType: d.DuplicateRuleEntityType, AllowSave: d.AllowSave, Matches: []sfgate.DuplicateMatch{}}
	for _, mr := range d.MatchResults {
		for _, m := range mr.MatchRecords {
			dm := sfgate.DuplicateMatch{ID: m.Record.ID, EntityType: m.Record.Type, MatchingRule: mr.Rule, MatchEngine: mr.MatchEngine}
			if dm.EntityType == "" {
				dm.EntityType = mr.EntityType
			}
			if c, ok := parseDecimal(m.MatchConfidence); ok {
				dm.Confidence = json.Number(c.String())
			}
			out.Matches = append(out.Matches, dm)
		}
	}
	return out
}

// Get implements sfgate.RecordService: one retrieve with every field of
// the describe (fields nil) or the named fields, checked against it.
func (s *Service) Get(ctx context.Context, sobject, id string, fields []string) (_ sfgate.OrderedRecord, err error) {
	defer s.settle(&err)
	nid, err := pathID(id)
	if err != nil {
		return nil, err
	}
	if err := s.allow(ctx, sobject, sfgate.ActionRead); err != nil {
		return nil, err
	}
	var x *metadata.Object
	var list []string
	if fields == nil {
		if x, err = s.describe(ctx, sobject); err != nil {
			return nil, err
		}
		list = s.visibleFields(ctx, x)
	} else {
		// The document gives every name of ?fields= the shape of an API
		// name; whether the object has it is checked here.
		var p problems
		if x, _, err = s.ensure(ctx, sobject, fields); err != nil {
			return nil, err
		}
		list = []string{"Id"}
		for _, f := range fields {
			df, ok := x.Field(f)
			if !ok {
				p.addf(nil, f, codeUnknownField, "is not a field of %s", x.Name)
				continue
			}
			if !slices.Contains(list, df.Name) {
				list = append(list, df.Name)
			}
		}
		if !p.empty() {
			return nil, p.err("unknown fields requested")
		}
		if err := s.readable(ctx, x, list); err != nil {
			return nil, err
		}
	}
	if err := checkPrefix(x, nid); err != nil {
		return nil, err
	}
	recs, err := s.cfg.Client.Retrieve(ctx, list, x.Name, []string{nid})
	if partner.IsCode(err, partner.CodeInvalidField) && fields == nil {
		// A field of the cached describe is gone (deleted, or access
		// removed): refresh once and retry with the fresh describe.
		o, rerr := s.cfg.Metadata.RefreshOnInvalidField(ctx, x.Name)
		if rerr != nil {
			return nil, err
		}
		x = o
		recs, err = s.cfg.Client.Retrieve(ctx, s.visibleFields(ctx, x), x.Name, []string{nid})
	}
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || recs[0] == nil {
		return nil, sfgate.NotFound(fmt.Sprintf("no %s record has id %s", x.Name, nid))
	}
	out, err := s.newReader().record(ctx, recs[0], x)
	if err != nil {
		return nil, err
	}
	return inListOrder(out, list), nil
}

// inListOrder puts the members of rec in the order of list, the field list
// the retrieve named: the caller's ?fields= order (Id first), or the
// describe's. Members the list does not name (none, from Salesforce) keep
// their place after those it does.
func inListOrder(rec sfgate.OrderedRecord, list []string) sfgate.OrderedRecord {
	at := make(map[string]int, len(rec))
	for i, m := range rec {
		at[m.Key] = i
	}
	out := make(sfgate.OrderedRecord, 0, len(rec))
	taken := make([]bool, len(rec))
	for _, name := range list {
		if i, ok := at[name]; ok && !taken[i] {
			out = append(out, rec[i])
			taken[i] = true
		}
	}
	for i, m := range rec {
		if !taken[i] {
			out = append(out, m)
		}
	}
	return out
}

// allFields lists every field of the describe, Id first.
func allFields(x *metadata.Object) []string {
	list := make([]string, 0, len(x.Fields)+1)
	list = append(list, "Id")
	for _, f := range x.Fields {
		if f.Name != "Id" {
			list = append(list, f.Name)
		}
	}
	return list
}

// Create implements sfgate.RecordService.
func (s *Service) Create(ctx context.Context, sobject string, rec Record) (_ string, err error) {
	defer s.settle(&err)
	if err := s.allow(ctx, sobject, sfgate.ActionCreate); err != nil {
		return "", err
	}
	x, _, err := s.ensure(ctx, sobject, recordKeys([]Record{rec}, noKey))
	if err != nil {
		return "", err
	}
	if err := s.writable(ctx, x, rec); err != nil {
		return "", err
	}
	var p problems
	sr := encode(x, modeCreate, rec, nil, nil, &p)
	if !p.empty() {
		return "", p.err(fmt.Sprintf("the %s record is not valid", x.Name))
	}
	res, err := s.cfg.Client.Create(ctx, []partner.Record{sr})
	if err != nil {
		return "", err
	}
	if len(res) != 1 || !res[0].Success {
		return "", recordErr("create", firstErrors(res), false)
	}
	return res[0].ID, nil
}

func firstErrors[T partner.SaveResult | partner.UpsertResult | partner.DeleteResult | partner.UndeleteResult](res []T) []partner.StatusError {
	if len(res) == 0 {
		return nil
	}
	switch r := any(res[0]).(type) {
	case partner.SaveResult:
		return r.Errors
	case partner.UpsertResult:
		return r.Errors
	case partner.DeleteResult:
		return r.Errors
	case partner.UndeleteResult:
		return r.Errors
	}
	return nil
}

// Update implements sfgate.RecordService. An Id in the body must be the
// path's.
func (s *Service) Update(ctx context.Context, sobject, id string, rec Record) (err error) {
	defer s.settle(&err)
	nid, err := pathID(id)
	if err != nil {
		return err
	}
	if err := s.allow(ctx, sobject, sfgate.ActionUpdate); err != nil {
		return err
	}
	x, _, err := s.ensure(ctx, sobject, recordKeys([]Record{rec}, isIDKey))
	if err != nil {
		return err
	}
	if err := s.writable(ctx, x, rec); err != nil {
		return err
	}
	if err := checkPrefix(x, nid); err != nil {
		return err
	}
	var p problems
	if bid := recordID(rec, false, nil, &p); bid != "" && bid != nid {
		p.addf(nil, "Id", "INVALID_ID_FIELD", "in the body differs from the id of the path")
	}
	sr := encode(x, modeUpdate, rec, isIDKey, nil, &p)
	if !p.empty() {
		return p.err(fmt.Sprintf("the %s update is not valid", x.Name))
	}
	sr.ID = nid
	res, err := s.cfg.Client.Update(ctx, []partner.Record{sr})
	if err != nil {
		return err
	}
	if len(res) != 1 || !res[0].Success {
		return recordErr("update", firstErrors(res), true)
	}
	return nil
}

// externalID checks the upsert key field of x and returns its describe.
func externalID(x *metadata.Object, name, where string) (*partner.DescribeField, *problems) {
	var p problems
	df, ok := x.Field(name)
	switch {
	case !ok:
		p.addf(nil, where, codeUnknownField, "names no field of %s", x.Name)
	case df.Name != "Id" && !df.ExternalID && !df.IDLookup:
		p.addf(nil, where, "INVALID_EXTERNAL_ID_FIELD_NAME", "names %s, which is not an external id field of %s", df.Name, x.Name)
	default:
		return df, nil
	}
	return nil, &p
}

// Upsert implements sfgate.RecordService. value is the key from the
// path; a key also in the body must agree with it.
func (s *Service) Upsert(ctx context.Context, sobject, externalIDField, value string, rec Record) (_ sfgate.UpsertResult, err error) {
	defer s.settle(&err)
	if err := s.allow(ctx, sobject, sfgate.ActionUpsert); err != nil {
		return sfgate.UpsertResult{}, err
	}
	keys := append(recordKeys([]Record{rec}, noKey), externalIDField)
	x, _, err := s.ensure(ctx, sobject, keys)
	if err != nil {
		return sfgate.UpsertResult{}, err
	}
	if err := s.writable(ctx, x, rec, Record{externalIDField: nil}); err != nil {
		return sfgate.UpsertResult{}, err
	}
	df, bad := externalID(x, externalIDField, "path.externalIdField")
	if bad != nil {
		return sfgate.UpsertResult{}, bad.err("the upsert key is not an external id field")
	}
	var p problems
	key, e := keyText(df, value)
	if e != nil {
		p.add(nil, "path.value", e)
	}
	skip := func(k string) bool { return strings.EqualFold(k, df.Name) }
	for k, v := range rec {
		if skip(k) && e == nil {
			if t, e2 := toSalesforce(df, v); e2 != nil || t != key {
				p.addf(nil, df.Name, "INVALID_FIELD", "in the body differs from the key in the path")
			}
		}
	}
	sr := encode(x, modeUpsert, rec, skip, nil, &p)
	if !p.empty() {
		return sfgate.UpsertResult{}, p.err(fmt.Sprintf("the %s upsert is not valid", x.Name))
	}
	if df.Name == "Id" {
		sr.ID = key
	} else {
		sr.Fields = append(sr.Fields, partner.Field{Name: df.Name, Value: key})
	}
	res, err := s.cfg.Client.Upsert(ctx, df.Name, []partner.Record{sr})
	if err != nil {
		return sfgate.UpsertResult{}, err
	}
	if len(res) != 1 || !res[0].Success {
		return sfgate.UpsertResult{}, recordErr("upsert", firstErrors(res), false)
	}
	return sfgate.UpsertResult{ID: res[0].ID, Created: res[0].Created}, nil
}

// keyText types an upsert key given as path text: numbers are numbers.
func keyText(df *partner.DescribeField, value string) (string, *valueError) {
	switch kindOf(df) {
	case kInt, kLong, kDecimal:
		return toSalesforce(df, jsonNumber(value))
	}
	return toSalesforce(df, value)
}

// Delete implements sfgate.RecordService.
func (s *Service) Delete(ctx context.Context, sobject, id string) (err error) {
	defer s.settle(&err)
	nid, err := pathID(id)
	if err != nil {
		return err
	}
	if err := s.allow(ctx, sobject, sfgate.ActionDelete); err != nil {
		return err
	}
	x, err := s.describe(ctx, sobject)
	if err != nil {
		return err
	}
	if err := checkPrefix(x, nid); err != nil {
		return err
	}
	res, err := s.cfg.Client.Delete(ctx, []string{nid})
	if err != nil {
		return err
	}
	if len(res) != 1 || !res[0].Success {
		return recordErr("delete", firstErrors(res), true)
	}
	return nil
}

// Merge implements sfgate.RecordService: id is the master record, which
// takes req.Fields; req.MergeIDs (one or two) are merged into it.
func (s *Service) Merge(ctx context.Context, sobject, id string, req sfgate.MergeRequest) (_ sfgate.MergeResult, err error) {
	defer s.settle(&err)
	nid, err := pathID(id)
	if err != nil {
		return sfgate.MergeResult{}, err
	}
	if err := s.allow(ctx, sobject, sfgate.ActionMerge); err != nil {
		return sfgate.MergeResult{}, err
	}
	x, _, err := s.ensure(ctx, sobject, recordKeys([]Record{req.Fields}, isIDKey))
	if err != nil {
		return sfgate.MergeResult{}, err
	}
	if err := s.writable(ctx, x, req.Fields); err != nil {
		return sfgate.MergeResult{}, err
	}
	if err := checkPrefix(x, nid); err != nil {
		return sfgate.MergeResult{}, err
	}
	// The document allows one or two mergeIds, no two spelt alike; two
	// spellings of one id (15 and 18 characters), or the master's own id,
	// it cannot see.
	var p problems
	ids := make([]string, 0, len(req.MergeIDs))
	for i, m := range req.MergeIDs {
		n, err := partner.NormalizeID(m)
		where := fmt.Sprintf("/mergeIds/%d", i)
		switch {
		case err != nil:
			p.addf(nil, where, codeMalformedID, "%s", partner.IDProblem(m))
		case n == nid || slices.Contains(ids, n):
			p.addf(nil, where, "DUPLICATE_ARGUMENT_VALUE", "names a record twice")
		case x.KeyPrefix != "" && !strings.HasPrefix(n, x.KeyPrefix):
			p.addf(nil, where, "INVALID_MERGE_RECORD", "is not the id of a %s record", x.Name)
		default:
			ids = append(ids, n)
		}
	}
	master := encode(x, modeUpdate, req.Fields, isIDKey, nil, &p)
	if !p.empty() {
		return sfgate.MergeResult{}, p.err("the merge request is not valid")
	}
	master.ID = nid
	res, err := s.cfg.Client.Merge(ctx, []partner.MergeRequest{{MasterRecord: master, RecordToMergeIDs: ids}})
	if err != nil {
		return sfgate.MergeResult{}, err
	}
	if len(res) != 1 || !res[0].Success {
		var errs []partner.StatusError
		if len(res) == 1 {
			errs = res[0].Errors
		}
		return sfgate.MergeResult{}, recordErr("merge", errs, true)
	}
	return sfgate.MergeResult{ID: res[0].ID, MergedRecordIDs: res[0].MergedRecordIDs, UpdatedRelatedIDs: res[0].UpdatedRelatedIDs}, nil
}

// ConvertLead implements sfgate.RecordService.
func (s *Service) ConvertLead(ctx context.Context, req sfgate.LeadConvertRequest) (_ sfgate.LeadConvertResult, err error) {
	defer s.settle(&err)
	if err := s.allowConvert(ctx, req); err != nil {
		return sfgate.LeadConvertResult{}, err
	}
	var p problems
	// The document requires leadId and convertedStatus and gives ids
	// their shape; their checksums and the characters XML cannot carry are
	// checked here.
	id := func(v, where string) string {
		if v == "" {
			return ""
		}
		n, err := partner.NormalizeID(v)
		if err != nil {
			p.addf(nil, where, codeMalformedID, "%s", partner.IDProblem(v))
		}
		return n
	}
	lc := partner.LeadConvert{
		LeadID:                 id(req.LeadID, "/leadId"),
		AccountID:              id(req.AccountID, "/accountId"),
		ContactID:              id(req.ContactID, "/contactId"),
		OwnerID:                id(req.OwnerID, "/ownerId"),
		ConvertedStatus:        req.ConvertedStatus,
		OpportunityName:        req.OpportunityName,
		DoNotCreateOpportunity: req.DoNotCreateOpportunity,
		OverwriteLeadSource:    req.OverwriteLeadSource,
		SendNotificationEmail:  req.SendNotificationEmail,
	}
	for _, t := range [][2]string{{"/convertedStatus", req.ConvertedStatus}, {"/opportunityName", req.OpportunityName}} {
		if e := checkXML(t[1]); e != nil {
			p.add(nil, t[0], e)
		}
	}
	if !p.empty() {
		return sfgate.LeadConvertResult{}, p.err("the lead conversion is not valid")
	}
	res, err := s.cfg.Client.ConvertLead(ctx, []partner.LeadConvert{lc})
	if err != nil {
		return sfgate.LeadConvertResult{}, err
	}
	if len(res) != 1 || !res[0].Success {
		var errs []partner.StatusError
		if len(res) == 1 {
			errs = res[0].Errors
		}
		return sfgate.LeadConvertResult{}, recordErr("convertLead", errs, false)
	}
	out := sfgate.LeadConvertResult{LeadID: res[0].LeadID, AccountID: res[0].AccountID, ContactID: res[0].ContactID}
	if res[0].OpportunityID != "" {
		o := res[0].OpportunityID
		out.OpportunityID = &o
	}
	return out, nil
}
