package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
)

func jsonNumber(s string) json.Number { return json.Number(s) }

// codeNotProcessed marks the records of a batch that Salesforce never saw
// because the call carrying them failed as a whole.
const codeNotProcessed = "NOT_PROCESSED"

// Batch implements sfgate.RecordService. Every record is checked
// locally first; invalid records get their own error results and are not
// sent. With AllOrNone, one invalid record fails the whole batch before
// any call, and the valid ones go in one call with AllOrNoneHeader, which
// is why an allOrNone batch carries at most 200 records: Salesforce rolls
// back one call, never several, and a gateway that undid earlier calls by
// hand could not restore what updates and deletes overwrote.
func (s *Service) Batch(ctx context.Context, sobject string, req sfgate.BatchRequest) (_ sfgate.BatchResponse, err error) {
	defer s.settle(&err)
	n := len(req.Records)
	switch {
	case req.AllOrNone && n > salesforce.MaxWriteBatch:
		return sfgate.BatchResponse{}, sfgate.Invalid("an allOrNone batch is atomic only within one Salesforce call",
			sfgate.FieldError{Field: "/allOrNone", Code: "maxItems", Message: fmt.Sprintf("allOrNone batches carry at most %d records; split the batch or drop allOrNone", salesforce.MaxWriteBatch)})
	}
	var x *metadata.Object
	var ext *salesforce.DescribeField
	switch req.Operation {
	case "create", "update":
		skip := isIDKey
		if req.Operation == "create" {
			skip = func(string) bool { return false }
		}
		x, _, err = s.ensure(ctx, sobject, recordKeys(req.Records, skip))
	case "upsert":
		keys := append(recordKeys(req.Records, func(string) bool { return false }), req.ExternalIDField)
		if x, _, err = s.ensure(ctx, sobject, keys); err == nil {
			var bad *problems
			if ext, bad = externalID(x, req.ExternalIDField, "/externalIdField"); bad != nil {
				return sfgate.BatchResponse{}, bad.err("the upsert key is not an external id field")
			}
		}
	case "delete", "undelete":
		x, err = s.describe(ctx, sobject)
	default:
		// The document allows only the five operations.
		return sfgate.BatchResponse{}, fmt.Errorf("batch operation %q unknown", req.Operation)
	}
	if err != nil {
		return sfgate.BatchResponse{}, err
	}

	results := make([]sfgate.BatchResult, n)
	all := problems{limit: 10 * maxProblems} // every record's problems, for allOrNone
	sent := make([]int, 0, n)
	var recs []salesforce.Record
	var ids []string
	for i, rec := range req.Records {
		idx := i
		var p problems
		// What the handlers found while decoding (a JSON member named
		// twice) fails the record like the engine's own findings.
		for _, e := range req.RecordErrors[i] {
			e.Index = &idx
			p.addError(e)
		}
		switch req.Operation {
		case "create":
			recs = append(recs, encode(x, modeCreate, rec, nil, &idx, &p))
		case "update":
			id := recordID(rec, true, &idx, &p)
			if id != "" && checkPrefix(x, id) != nil {
				p.addf(&idx, "Id", "INVALID_CROSS_REFERENCE_KEY", "is not the id of a %s record", x.Name)
			}
			sr := encode(x, modeUpdate, rec, isIDKey, &idx, &p)
			sr.ID = id
			recs = append(recs, sr)
		case "upsert":
			var sr salesforce.Record
			if ext.Name == "Id" {
				id := recordID(rec, true, &idx, &p)
				sr = encode(x, modeUpsert, rec, isIDKey, &idx, &p)
				sr.ID = id
			} else {
				sr = encode(x, modeUpsert, rec, nil, &idx, &p)
				if !hasValue(sr, ext.Name) && p.empty() {
					p.addf(&idx, ext.Name, "MISSING_ARGUMENT", "is the upsert key and must have a value")
				}
			}
			recs = append(recs, sr)
		case "delete", "undelete":
			id := recordID(rec, true, &idx, &p)
			if id != "" && checkPrefix(x, id) != nil {
				p.addf(&idx, "Id", "INVALID_CROSS_REFERENCE_KEY", "is not the id of a %s record", x.Name)
			}
			for k := range rec {
				if !isIDKey(k) {
					p.addf(&idx, k, codeUnknownField, "is not taken by %s: records carry only Id", req.Operation)
				}
			}
			ids = append(ids, id)
		}
		if p.empty() {
			sent = append(sent, i)
			continue
		}
		// The batch's own results are bare; the allOrNone problem carries
		// the index on each entry.
		all.merge(&p)
		fe := p.list()
		for j := range fe {
			fe[j].Index = nil
		}
		results[i] = sfgate.BatchResult{Index: i, Errors: fe}
		switch req.Operation {
		case "delete", "undelete":
			ids = ids[:len(ids)-1]
		default:
			recs = recs[:len(recs)-1]
		}
	}
	if req.AllOrNone && !all.empty() {
		return sfgate.BatchResponse{}, all.err(fmt.Sprintf("%d of %d records are not valid; with allOrNone nothing was sent", n-len(sent), n))
	}

	var opts []salesforce.Option
	if req.AllOrNone {
		opts = append(opts, salesforce.AllOrNone(true))
	}
	var outcomes []outcome
	if len(sent) > 0 {
		outcomes, err = s.send(ctx, req.Operation, ext, recs, ids, opts)
		if err != nil && len(outcomes) == 0 {
			return sfgate.BatchResponse{}, err
		}
	}
	for j, i := range sent {
		if j < len(outcomes) {
			o := outcomes[j]
			results[i] = sfgate.BatchResult{Index: i, Success: o.success, ID: o.id, Created: o.created, Errors: fieldErrors(o.errs)}
			continue
		}
		// The call carrying this record failed after earlier calls had
		// succeeded: their results stand, this record was not processed.
		results[i] = sfgate.BatchResult{Index: i, Errors: []sfgate.FieldError{notProcessed(err)}}
	}
	resp := sfgate.BatchResponse{Results: results}
	for _, r := range results {
		if r.Success {
			resp.SuccessCount++
		} else {
			resp.FailureCount++
		}
	}
	return resp, nil
}

func hasValue(r salesforce.Record, name string) bool {
	for _, f := range r.Fields {
		if f.Name == name && !f.Nil {
			return true
		}
	}
	return false
}

// notProcessed is the result of a record whose call failed as a whole.
func notProcessed(err error) sfgate.FieldError {
	fe := sfgate.FieldError{Code: codeNotProcessed, Message: "not processed: the Salesforce call carrying this record failed"}
	var se *salesforce.Error
	if errors.As(err, &se) && se.Kind == salesforce.KindFault {
		fe.Message += " with " + se.Code + ": " + strings.TrimSpace(se.Message)
	}
	return fe
}

// outcome is one record's result of any write operation.
type outcome struct {
	success bool
	id      string
	created *bool
	errs    []salesforce.StatusError
}

// send makes the calls of one batch; the client packs them in chunks of
// MaxWriteBatch. On error, the outcomes of the calls that succeeded are
// returned with it.
func (s *Service) send(ctx context.Context, op string, ext *salesforce.DescribeField, recs []salesforce.Record, ids []string, opts []salesforce.Option) ([]outcome, error) {
	var out []outcome
	var err error
	switch op {
	case "create", "update":
		var res []salesforce.SaveResult
		if op == "create" {
			res, err = s.cfg.Client.Create(ctx, recs, opts...)
		} else {
			res, err = s.cfg.Client.Update(ctx, recs, opts...)
		}
		for _, r := range res {
			out = append(out, outcome{success: r.Success, id: r.ID, errs: r.Errors})
		}
	case "upsert":
		var res []salesforce.UpsertResult
		res, err = s.cfg.Client.Upsert(ctx, ext.Name, recs, opts...)
		for _, r := range res {
			c := r.Created
			out = append(out, outcome{success: r.Success, id: r.ID, created: &c, errs: r.Errors})
		}
	case "delete":
		var res []salesforce.DeleteResult
		res, err = s.cfg.Client.Delete(ctx, ids, opts...)
		for _, r := range res {
			out = append(out, outcome{success: r.Success, id: r.ID, errs: r.Errors})
		}
	case "undelete":
		var res []salesforce.UndeleteResult
		res, err = s.cfg.Client.Undelete(ctx, ids, opts...)
		for _, r := range res {
			out = append(out, outcome{success: r.Success, id: r.ID, errs: r.Errors})
		}
	default:
		return nil, fmt.Errorf("batch operation %q unknown", op)
	}
	for i := range out {
		if !out[i].success {
			out[i].id = ""
		}
	}
	return out, err
}
