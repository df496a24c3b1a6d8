package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// DefaultMaxPageRows is how many rows one page may hold once its child
// sets are read in full, parents and children counted alike: five times
// the largest page Salesforce sends, so a page stays within a few tens of
// MiB however many children its records have.
const DefaultMaxPageRows = 10000

// CodePageTooLarge refuses a query one of whose pages would hold more rows
// than Config.MaxPageRows once its child sets are read in full.
const CodePageTooLarge = "QUERY_PAGE_TOO_LARGE"

// Salesforce pages large child sets inside a query result: a child
// QueryResult of a record may come with done=false, a queryLocator of its
// own and a size larger than the rows sent, the rest to be read with
// queryMore on that locator (SOAP API Developer Guide, queryMore();
// jsforce issue #577 and PR #1752 fixed the same truncation in a client).
// The guide's QueryLocator page warns: "A queryMore() call on a parent
// object invalidates all child cursors in the previous result set. If you
// need the results from the child, you must use queryMore() on those
// results before using queryMore() on the parent results."
// (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_querymore_querylocator.htm).
// So every child set of a page is drained here, right after the page
// arrives and before anything asks for the parent's next page; within a
// child set, the grandchild sets of each batch are drained before the
// child set's own next batch, for the same reason one level down.

// drainer reads the child sets of one page in full, counting the page's
// rows against the bound.
type drainer struct {
	s        *Service
	pageSize int
	rows     int
}

// drainChildren completes every child set of page in place (each field's
// Children is replaced by one QueryResult holding every row, Done set),
// or fails: it never leaves a child set short.
func (s *Service) drainChildren(ctx context.Context, page *partner.QueryResult, pageSize int) error {
	d := &drainer{s: s, pageSize: pageSize, rows: len(page.Records)}
	return d.records(ctx, page.Records)
}

// records drains the child sets of recs.
func (d *drainer) records(ctx context.Context, recs []partner.Record) error {
	for i := range recs {
		for j := range recs[i].Fields {
			f := &recs[i].Fields[j]
			if f.Children == nil {
				continue
			}
			qr, err := d.set(ctx, f.Name, f.Children)
			if err != nil {
				return err
			}
			f.Children = qr
		}
	}
	return nil
}

// set returns the child set name whose first batch is qr, every row read.
func (d *drainer) set(ctx context.Context, name string, qr *partner.QueryResult) (*partner.QueryResult, error) {
	d.rows += len(qr.Records)
	if err := d.records(ctx, qr.Records); err != nil {
		return nil, err
	}
	if qr.Done {
		return qr, nil
	}
	all := slices.Clip(qr.Records) // appending copies: the decoded page is not written over
	batch := qr
	for !batch.Done {
		if batch.QueryLocator == "" {
			return nil, &partner.Error{Op: "queryMore", Kind: partner.KindDecode,
				Message: fmt.Sprintf("the child set %s is not done but carries no query locator", name)}
		}
		// Fail before spending calls when the set's own size says the
		// page cannot fit.
		if left := qr.Size - len(all); d.rows+max(left, 1) > d.s.cfg.MaxPageRows {
			return nil, d.tooLarge(name, qr.Size)
		}
		next, err := d.s.cfg.Client.QueryMore(ctx, batch.QueryLocator, partner.BatchSize(d.pageSize))
		if err != nil {
			return nil, fmt.Errorf("read the rest of child set %s: %w", name, err)
		}
		d.rows += len(next.Records)
		if d.rows > d.s.cfg.MaxPageRows {
			return nil, d.tooLarge(name, qr.Size)
		}
		if err := d.records(ctx, next.Records); err != nil {
			return nil, err
		}
		all = append(all, next.Records...)
		batch = next
	}
	return &partner.QueryResult{Done: true, Records: all, Size: max(qr.Size, len(all))}, nil
}

func (d *drainer) tooLarge(name string, size int) error {
	return &sfgate.Error{Kind: sfgate.KindUnprocessable, Code: CodePageTooLarge,
		Detail: fmt.Sprintf("a page of this query would hold more than %d records counting child records (one record's %s has %d): "+
			"ask for a smaller pageSize, or limit or filter the subquery", d.s.cfg.MaxPageRows, name, size)}
}
