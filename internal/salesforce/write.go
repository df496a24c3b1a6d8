package salesforce

import (
	"context"
	"fmt"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// writeChunks checks a write's size against allOrNone and returns the
// chunk size to use.
func writeChunks(op string, n int, o *partner.Options) (int, error) {
	if o.AllOrNone != nil && *o.AllOrNone && n > partner.MaxWriteBatch {
		return 0, invalidInput(op, partner.CodeExceededIDLimit, fmt.Sprintf(
			"allOrNone with %d records: one call takes at most %d and atomicity cannot span calls", n, partner.MaxWriteBatch))
	}
	return partner.MaxWriteBatch, nil
}

func (c *Client) saveCall(ctx context.Context, op string, records []partner.Record, idem Idempotency, opts []partner.Option) ([]partner.SaveResult, error) {
	o := partner.NewOptions(opts)
	size, err := writeChunks(op, len(records), &o)
	if err != nil {
		return nil, err
	}
	if op == "update" {
		for i := range records {
			if records[i].ID == "" {
				return nil, invalidInput(op, partner.CodeMalformedID, fmt.Sprintf("record %d has no Id", i), "Id")
			}
		}
	}
	return chunked(indexes(len(records)), size, func(part []int) ([]partner.SaveResult, error) {
		var res []partner.SaveResult
		err := c.invoke(ctx, &call{
			op: op, idem: idem, session: true,
			headers: func(w *envWriter) { writeHeaders(w, &o, true, true) },
			body: func(w *envWriter) {
				w.open(op)
				for _, i := range part {
					w.sObject("sObjects", &records[i], fmt.Sprintf("records[%d]", i))
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.saveResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d records", len(res), len(part)))
		}
		return res, err
	})
}

// Create inserts records, MaxWriteBatch per call; one result per record, in
// input order. A field with Nil set is sent in fieldsToNull. Creates are
// never retried once the request may have reached Salesforce: a repeat
// would insert twice. On error, the results of the calls already made are
// returned with it (a prefix of records).
func (c *Client) Create(ctx context.Context, records []partner.Record, opts ...partner.Option) ([]partner.SaveResult, error) {
	return c.saveCall(ctx, "create", records, NotIdempotent, opts)
}

// Update updates records by ID, MaxWriteBatch per call; one result per
// record, in input order. Fields with Nil set are cleared (fieldsToNull).
func (c *Client) Update(ctx context.Context, records []partner.Record, opts ...partner.Option) ([]partner.SaveResult, error) {
	return c.saveCall(ctx, "update", records, Idempotent, opts)
}

// Upsert inserts or updates records matched on externalIDField (an
// external id field, or "Id"), MaxWriteBatch per call; one result per
// record, in input order. Retried like update: a repeat matches the
// records the first attempt created.
func (c *Client) Upsert(ctx context.Context, externalIDField string, records []partner.Record, opts ...partner.Option) ([]partner.UpsertResult, error) {
	const op = "upsert"
	if !partner.ValidName(externalIDField) {
		return nil, invalidInput(op, partner.CodeInvalidField, fmt.Sprintf("invalid external id field %q", externalIDField), externalIDField)
	}
	o := partner.NewOptions(opts)
	size, err := writeChunks(op, len(records), &o)
	if err != nil {
		return nil, err
	}
	return chunked(indexes(len(records)), size, func(part []int) ([]partner.UpsertResult, error) {
		var res []partner.UpsertResult
		err := c.invoke(ctx, &call{
			op: op, idem: Idempotent, session: true,
			headers: func(w *envWriter) { writeHeaders(w, &o, true, true) },
			body: func(w *envWriter) {
				w.open(op)
				w.leaf("externalIDFieldName", "externalIDFieldName", externalIDField)
				for _, i := range part {
					w.sObject("sObjects", &records[i], fmt.Sprintf("records[%d]", i))
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.upsertResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d records", len(res), len(part)))
		}
		return res, err
	})
}

func idsCall[R any](ctx context.Context, c *Client, op string, idem Idempotency, ids []string, opts []partner.Option, decode func(d *decoder) []R) ([]R, error) {
	norm, err := normalizeIDs(op, ids)
	if err != nil {
		return nil, err
	}
	o := partner.NewOptions(opts)
	size, err := writeChunks(op, len(norm), &o)
	if err != nil {
		return nil, err
	}
	return chunked(norm, size, func(part []string) ([]R, error) {
		var res []R
		err := c.invoke(ctx, &call{
			op: op, idem: idem, session: true,
			headers: func(w *envWriter) { writeHeaders(w, &o, true, false) },
			body: func(w *envWriter) {
				w.open(op)
				for _, id := range part {
					w.leaf("ids", "ids", id)
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = decode(d) },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d ids", len(res), len(part)))
		}
		return res, err
	})
}

// Delete deletes records by id, MaxWriteBatch per call; one result per id,
// in input order.
func (c *Client) Delete(ctx context.Context, ids []string, opts ...partner.Option) ([]partner.DeleteResult, error) {
	return idsCall(ctx, c, "delete", Idempotent, ids, opts, (*decoder).deleteResults)
}

// Undelete restores records from the recycle bin, MaxWriteBatch per call;
// one result per id, in input order. Not retried blindly: a repeat would
// report failures for the records the first attempt restored.
func (c *Client) Undelete(ctx context.Context, ids []string, opts ...partner.Option) ([]partner.UndeleteResult, error) {
	return idsCall(ctx, c, "undelete", NotIdempotent, ids, opts, (*decoder).undeleteResults)
}
