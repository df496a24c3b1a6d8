package service

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func jsonNumber(s string) json.Number { return json.Number(s) }

// codeNotProcessed marks the records of a batch that Salesforce never saw
// because the call carrying them failed as a whole.
const codeNotProcessed = "NOT_PROCESSED"

// batch is one batch request being carried out.
type batch struct {
	op  string
	x   *metadata.Object
	ext *partner.DescribeField // the upsert key
}

// batchStep is how one operation carries out a batch: what the one
// describe check of the batch covers, how one record is checked and
// becomes what the call takes, and the call.
type batchStep struct {
	// keys are the field names the records name, for the describe check;
	// nil when the records carry only an Id (the describe is then loaded
	// as it is).
	keys func(recs []Record) []string
	// keyed operations take an external id field (upsert), checked once
	// for the batch.
	keyed bool
	// record checks rec (the index-th of the batch), adding its problems
	// to p, and returns what the call takes of it.
	record func(b *batch, rec Record, index *int, p *problems) partner.Record
	// call sends one call's records (at most partner.MaxWriteBatch; see
	// sendChunks).
	call func(ctx context.Context, c Client, b *batch, recs []partner.Record, opts []partner.Option) ([]outcome, error)
}

var batchSteps = map[string]batchStep{
	"create": {
		keys: func(recs []Record) []string { return recordKeys(recs, noKey) },
		record: func(b *batch, rec Record, index *int, p *problems) partner.Record {
			return encode(b.x, modeCreate, rec, nil, index, p)
		},
		call: func(ctx context.Context, c Client, _ *batch, recs []partner.Record, opts []partner.Option) ([]outcome, error) {
			res, err := c.Create(ctx, recs, opts...)
			return outcomes(res, err, saved)
		},
	},
	"update": {
		keys: func(recs []Record) []string { return recordKeys(recs, isIDKey) },
		record: func(b *batch, rec Record, index *int, p *problems) partner.Record {
			id := b.recordID(rec, index, p)
			sr := encode(b.x, modeUpdate, rec, isIDKey, index, p)
			sr.ID = id
			return sr
		},
		call: func(ctx context.Context, c Client, _ *batch, recs []partner.Record, opts []partner.Option) ([]outcome, error) {
			res, err := c.Update(ctx, recs, opts...)
			return outcomes(res, err, saved)
		},
	},
	"upsert": {
		keys:   func(recs []Record) []string { return recordKeys(recs, noKey) },
		keyed:  true,
		record: upsertRecord,
		call: func(ctx context.Context, c Client, b *batch, recs []partner.Record, opts []partner.Option) ([]outcome, error) {
			res, err := c.Upsert(ctx, b.ext.Name, recs, opts...)
			return outcomes(res, err, func(r *partner.UpsertResult) outcome {
				created := r.Created
				return outcome{success: r.Success, id: r.ID, created: &created, errs: r.Errors}
			})
		},
	},
	"delete": {
		record: idRecord,
		call: func(ctx context.Context, c Client, _ *batch, recs []partner.Record, opts []partner.Option) ([]outcome, error) {
			res, err := c.Delete(ctx, recordIDs(recs), opts...)
			return outcomes(res, err, func(r *partner.DeleteResult) outcome { return outcome{success: r.Success, id: r.ID, errs: r.Errors} })
		},
	},
	"undelete": {
		record: idRecord,
		call: func(ctx context.Context, c Client, _ *batch, recs []partner.Record, opts []partner.Option) ([]outcome, error) {
			res, err := c.Undelete(ctx, recordIDs(recs), opts...)
			return outcomes(res, err, func(r *partner.UndeleteResult) outcome {
				return outcome{success: r.Success, id: r.ID, errs: r.Errors}
			})
		},
	},
}

func noKey(string) bool { return false }

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
	if req.AllOrNone && n > partner.MaxWriteBatch {
		return sfgate.BatchResponse{}, sfgate.Invalid("an allOrNone batch is atomic only within one Salesforce call",
			sfgate.FieldError{Field: "/allOrNone", Code: "maxItems", Message: fmt.Sprintf("allOrNone batches carry at most %d records; split the batch or drop allOrNone", partner.MaxWriteBatch)})
	}
	step, ok := batchSteps[req.Operation]
	if !ok {
		// The document allows only the five operations.
		return sfgate.BatchResponse{}, fmt.Errorf("batch operation %q unknown", req.Operation)
	}
	if err := s.allow(ctx, sobject, batchActions[req.Operation]); err != nil {
		return sfgate.BatchResponse{}, err
	}
	b, err := s.startBatch(ctx, sobject, step, &req)
	if err != nil {
		return sfgate.BatchResponse{}, err
	}
	if err := s.writable(ctx, b.x, req.Records...); err != nil {
		return sfgate.BatchResponse{}, err
	}
	results := make([]sfgate.BatchResult, n)
	sent, recs, all := b.check(step, &req, results)
	if req.AllOrNone && !all.empty() {
		return sfgate.BatchResponse{}, all.err(fmt.Sprintf("%d of %d records are not valid; with allOrNone nothing was sent", n-len(sent), n))
	}
	var opts []partner.Option
	if req.AllOrNone {
		opts = append(opts, partner.AllOrNone(true))
	}
	chunks := s.sendChunks(ctx, step, b, recs, opts)
	if err := failedWhole(chunks); err != nil {
		return sfgate.BatchResponse{}, err
	}
	return answerBatch(results, sent, chunks), nil
}

// DefaultBatchConcurrency and MaxBatchConcurrency bound the calls one
// batch has in flight (Config.BatchConcurrency). Four calls of 200 records
// make a 10,000-record batch about 13 call times long instead of 50, and
// stay well inside Salesforce's 25 concurrent long-running calls per org,
// which every replica and every other request share.
const (
	DefaultBatchConcurrency = 4
	MaxBatchConcurrency     = 16
)

// chunk is one call of a batch: the records it carries (recs[start:end])
// and what came back.
type chunk struct {
	start, end int
	done       []outcome
	err        error
}

// sendChunks sends recs in calls of partner.MaxWriteBatch records, at most
// Config.BatchConcurrency at once, and returns every call's outcome in
// input order. A call that fails fails its own records only: the others
// stand. Once ctx ends no further call starts; those not started fail with
// ctx's error. Each call takes its slot of the cluster-wide concurrency cap
// as it is sent (the client does), so a batch waiting for slots holds none.
func (s *Service) sendChunks(ctx context.Context, step batchStep, b *batch, recs []partner.Record, opts []partner.Option) []chunk {
	var chunks []chunk
	for start := 0; start < len(recs); start += partner.MaxWriteBatch {
		chunks = append(chunks, chunk{start: start, end: min(start+partner.MaxWriteBatch, len(recs))})
	}
	send := func(c *chunk) {
		if err := ctx.Err(); err != nil {
			c.err = err
			return
		}
		c.done, c.err = step.call(ctx, s.cfg.Client, b, recs[c.start:c.end], opts)
	}
	if len(chunks) == 1 {
		send(&chunks[0])
		return chunks
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(s.cfg.BatchConcurrency, len(chunks)) {
		wg.Go(func() {
			for i := range next {
				send(&chunks[i])
			}
		})
	}
	for i := range chunks {
		next <- i
	}
	close(next)
	wg.Wait()
	return chunks
}

// failedWhole is the error of a batch none of whose calls got an answer
// (the first call's error, in input order): the request fails as a whole,
// as one call does. Nil when any call was answered or none was made.
func failedWhole(chunks []chunk) error {
	for _, c := range chunks {
		if c.err == nil || len(c.done) > 0 {
			return nil
		}
	}
	if len(chunks) == 0 {
		return nil
	}
	return chunks[0].err
}

// startBatch makes the batch's one describe check (at most one refresh for
// all its records) and, for upsert, checks the key field.
func (s *Service) startBatch(ctx context.Context, sobject string, step batchStep, req *sfgate.BatchRequest) (*batch, error) {
	b := &batch{op: req.Operation}
	var err error
	if step.keys == nil {
		b.x, err = s.describe(ctx, sobject)
	} else {
		keys := step.keys(req.Records)
		if step.keyed {
			keys = append(keys, req.ExternalIDField)
		}
		b.x, _, err = s.ensure(ctx, sobject, keys)
	}
	if err != nil {
		return nil, err
	}
	if step.keyed {
		var bad *problems
		if b.ext, bad = externalID(b.x, req.ExternalIDField, "/externalIdField"); bad != nil {
			return nil, bad.err("the upsert key is not an external id field")
		}
	}
	return b, nil
}

// check checks every record: a valid one is kept (its index in sent, what
// the call takes in recs); an invalid one gets its result now, with its
// problems, and they join all (for allOrNone, each entry naming its
// record).
func (b *batch) check(step batchStep, req *sfgate.BatchRequest, results []sfgate.BatchResult) (sent []int, recs []partner.Record, all problems) {
	all.limit = 10 * maxProblems
	sent = make([]int, 0, len(req.Records))
	recs = make([]partner.Record, 0, len(req.Records))
	for i, rec := range req.Records {
		index := i
		var p problems
		// What the handlers found while decoding (a JSON member named
		// twice) fails the record like the engine's own findings.
		for _, e := range req.RecordErrors[i] {
			e.Index = &index
			p.addError(e)
		}
		sr := step.record(b, rec, &index, &p)
		if p.empty() {
			sent, recs = append(sent, i), append(recs, sr)
			continue
		}
		all.merge(&p)
		// The batch's own results are bare: the result says which record.
		fe := p.list()
		for j := range fe {
			fe[j].Index = nil
		}
		results[i] = sfgate.BatchResult{Index: i, Errors: fe}
	}
	return sent, recs, all
}

// answerBatch fills the results of the records sent from their calls'
// outcomes and counts them. A record of a call that failed as a whole was
// not processed (or has an unknown outcome: the call's error says which);
// the records of the other calls keep their results.
func answerBatch(results []sfgate.BatchResult, sent []int, chunks []chunk) sfgate.BatchResponse {
	for _, c := range chunks {
		for j := c.start; j < c.end; j++ {
			i := sent[j]
			if k := j - c.start; k < len(c.done) {
				o := c.done[k]
				results[i] = sfgate.BatchResult{Index: i, Success: o.success, ID: o.id, Created: o.created, Errors: fieldErrors(o.errs)}
				continue
			}
			results[i] = sfgate.BatchResult{Index: i, Errors: []sfgate.FieldError{notProcessed(c.err)}}
		}
	}
	resp := sfgate.BatchResponse{Results: results}
	for _, r := range results {
		if r.Success {
			resp.SuccessCount++
		} else {
			resp.FailureCount++
		}
	}
	return resp
}

// recordID takes the required Id of a record to update, delete or
// undelete, which must be one of the batch's object.
func (b *batch) recordID(rec Record, index *int, p *problems) string {
	id := recordID(rec, true, index, p)
	if id != "" && checkPrefix(b.x, id) != nil {
		p.addf(index, "Id", "INVALID_CROSS_REFERENCE_KEY", "is not the id of a %s record", b.x.Name)
	}
	return id
}

// upsertRecord is an upsert's record: keyed by Id, or by an external id
// field that must have a value.
func upsertRecord(b *batch, rec Record, index *int, p *problems) partner.Record {
	if b.ext.Name == "Id" {
		id := recordID(rec, true, index, p)
		sr := encode(b.x, modeUpsert, rec, isIDKey, index, p)
		sr.ID = id
		return sr
	}
	sr := encode(b.x, modeUpsert, rec, nil, index, p)
	if !hasValue(sr, b.ext.Name) && p.empty() {
		p.addf(index, b.ext.Name, "MISSING_ARGUMENT", "is the upsert key and must have a value")
	}
	return sr
}

// idRecord is a delete's or undelete's record: its Id and nothing else.
func idRecord(b *batch, rec Record, index *int, p *problems) partner.Record {
	id := b.recordID(rec, index, p)
	for k := range rec {
		if !isIDKey(k) {
			p.addf(index, k, codeUnknownField, "is not taken by %s: records carry only Id", b.op)
		}
	}
	return partner.Record{ID: id}
}

func recordIDs(recs []partner.Record) []string {
	ids := make([]string, len(recs))
	for i := range recs {
		ids[i] = recs[i].ID
	}
	return ids
}

func hasValue(r partner.Record, name string) bool {
	for _, f := range r.Fields {
		if f.Name == name && !f.Nil {
			return true
		}
	}
	return false
}

// notProcessed is the result of a record whose call failed as a whole.
func notProcessed(err error) sfgate.FieldError {
	var se *partner.Error
	if errors.As(err, &se) && se.OutcomeUnknown {
		// Not "not processed": Salesforce may have written the record.
		return sfgate.FieldError{Code: sfgate.CodeOutcomeUnknown, Message: "the Salesforce call carrying this record got no answer: " + outcomeUnknownDetail}
	}
	fe := sfgate.FieldError{Code: codeNotProcessed, Message: "not processed: the Salesforce call carrying this record failed"}
	if errors.As(err, &se) && se.Kind == partner.KindFault {
		fe.Message += " with " + se.Code + ": " + strings.TrimSpace(se.Message)
	}
	return fe
}

// outcome is one record's result of any write operation.
type outcome struct {
	success bool
	id      string
	created *bool
	errs    []partner.StatusError
}

// outcomes turns a call's results into outcomes; a failed record has no
// id.
func outcomes[R any](res []R, err error, of func(*R) outcome) ([]outcome, error) {
	out := make([]outcome, len(res))
	for i := range res {
		if out[i] = of(&res[i]); !out[i].success {
			out[i].id = ""
		}
	}
	return out, err
}

func saved(r *partner.SaveResult) outcome {
	return outcome{success: r.Success, id: r.ID, errs: r.Errors}
}
