package salesforce

import (
	"context"
	"fmt"
	"iter"
	"strings"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func (c *Client) query(ctx context.Context, op, argName, arg string, opts []partner.Option) (*partner.QueryResult, error) {
	o := partner.NewOptions(opts)
	var res *partner.QueryResult
	err := c.invoke(ctx, &call{
		op: op, idem: Idempotent, session: true,
		headers: func(w *envWriter) { writeQueryOptions(w, &o) },
		body: func(w *envWriter) {
			w.open(op)
			w.leaf(argName, argName, arg)
			w.close(op)
		},
		decode: func(d *decoder) { res = d.queryResponse() },
	})
	if err != nil {
		return nil, err
	}
	if res == nil {
		return nil, decodeErr(op, "answer holds no result")
	}
	return res, nil
}

// Query runs query() and returns the first page. Use Pages or Records to
// read every page.
func (c *Client) Query(ctx context.Context, soql string, opts ...partner.Option) (*partner.QueryResult, error) {
	return c.query(ctx, "query", "queryString", soql, opts)
}

// QueryAll runs queryAll() (deleted and archived rows included) and returns
// the first page.
func (c *Client) QueryAll(ctx context.Context, soql string, opts ...partner.Option) (*partner.QueryResult, error) {
	return c.query(ctx, "queryAll", "queryString", soql, opts)
}

// QueryMore fetches the page after locator.
func (c *Client) QueryMore(ctx context.Context, locator string, opts ...partner.Option) (*partner.QueryResult, error) {
	if strings.TrimSpace(locator) == "" {
		return nil, invalidInput("queryMore", partner.CodeInvalidQueryLocator, "empty query locator")
	}
	return c.query(ctx, "queryMore", "queryLocator", locator, opts)
}

// QueryIterator fetches the pages of a query one at a time, on demand: at
// most one page is held, and none is fetched before Next asks for it.
//
//	it := c.Pages(soql, false)
//	for it.Next(ctx) {
//		page := it.Page()
//		…
//	}
//	if err := it.Err(); err != nil { … }
type QueryIterator struct {
	c        *Client
	soql     string
	all      bool
	locator  string
	opts     []partner.Option
	page     *partner.QueryResult
	err      error
	started  bool
	finished bool
}

// Pages returns an iterator over the pages of soql; includeDeleted selects
// queryAll.
func (c *Client) Pages(soql string, includeDeleted bool, opts ...partner.Option) *QueryIterator {
	return &QueryIterator{c: c, soql: soql, all: includeDeleted, opts: opts}
}

// PagesFrom returns an iterator that continues a query from locator (a
// page's QueryLocator), starting with queryMore.
func (c *Client) PagesFrom(locator string, opts ...partner.Option) *QueryIterator {
	return &QueryIterator{c: c, locator: locator, started: true, opts: opts}
}

// Next fetches the next page and reports whether there is one. It returns
// false after the last page or on error (see Err).
func (it *QueryIterator) Next(ctx context.Context) bool {
	if it.err != nil || it.finished {
		it.page = nil
		return false
	}
	var page *partner.QueryResult
	var err error
	switch {
	case !it.started && it.all:
		page, err = it.c.QueryAll(ctx, it.soql, it.opts...)
	case !it.started:
		page, err = it.c.Query(ctx, it.soql, it.opts...)
	default:
		page, err = it.c.QueryMore(ctx, it.locator, it.opts...)
	}
	it.started = true
	if err != nil {
		it.err, it.page = err, nil
		return false
	}
	it.page = page
	it.locator = page.QueryLocator
	if page.Done || page.QueryLocator == "" {
		it.finished = true
	}
	return true
}

// Page returns the page the last successful Next fetched.
func (it *QueryIterator) Page() *partner.QueryResult { return it.page }

// Locator returns the locator of the page after the current one, or ""
// when the current page is the last.
func (it *QueryIterator) Locator() string {
	if it.finished {
		return ""
	}
	return it.locator
}

// Err returns the error that stopped the iteration, if any.
func (it *QueryIterator) Err() error { return it.err }

// Records iterates over every record of soql, fetching the next page only
// when the loop has consumed the current one; ctx bounds every fetch. An
// error ends the iteration with (nil, err).
func (c *Client) Records(ctx context.Context, soql string, includeDeleted bool, opts ...partner.Option) iter.Seq2[*partner.Record, error] {
	return func(yield func(*partner.Record, error) bool) {
		it := c.Pages(soql, includeDeleted, opts...)
		for it.Next(ctx) {
			p := it.Page()
			for i := range p.Records {
				if !yield(&p.Records[i], nil) {
					return
				}
			}
		}
		if err := it.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// Retrieve fetches records by id, MaxRetrieveBatch ids per call. The result
// has one entry per id, in input order, nil where Salesforce returned no
// record (deleted, inaccessible, of another type). Ids may have 15 or 18
// characters; fieldList names the fields to return.
func (c *Client) Retrieve(ctx context.Context, fieldList []string, sObjectType string, ids []string, opts ...partner.Option) ([]*partner.Record, error) {
	const op = "retrieve"
	if !partner.ValidName(sObjectType) {
		return nil, invalidInput(op, partner.CodeInvalidType, fmt.Sprintf("invalid sObject type %q", sObjectType))
	}
	if len(fieldList) == 0 {
		return nil, invalidInput(op, partner.CodeInvalidField, "empty field list")
	}
	for _, f := range fieldList {
		if !partner.ValidName(f) {
			return nil, invalidInput(op, partner.CodeInvalidField, fmt.Sprintf("invalid field name %q", f), f)
		}
	}
	norm, err := normalizeIDs(op, ids)
	if err != nil {
		return nil, err
	}
	o := partner.NewOptions(opts)
	fields := strings.Join(fieldList, ", ")
	return chunked(norm, partner.MaxRetrieveBatch, func(part []string) ([]*partner.Record, error) {
		var res []*partner.Record
		err := c.invoke(ctx, &call{
			op: op, idem: Idempotent, session: true,
			headers: func(w *envWriter) { writeQueryOptions(w, &o) },
			body: func(w *envWriter) {
				w.open(op)
				w.leaf("fieldList", "fieldList", fields)
				w.leaf("sObjectType", "sObjectType", sObjectType)
				for _, id := range part {
					w.leaf("ids", "ids", id)
				}
				w.close(op)
			},
			decode: func(d *decoder) { res = d.retrieveResults() },
		})
		if err == nil && len(res) != len(part) {
			err = decodeErr(op, fmt.Sprintf("answer holds %d results for %d ids", len(res), len(part)))
		}
		return res, err
	})
}

// Search runs a SOSL search.
func (c *Client) Search(ctx context.Context, sosl string) (*partner.SearchResult, error) {
	const op = "search"
	var res *partner.SearchResult
	err := c.invoke(ctx, &call{
		op: op, idem: Idempotent, session: true,
		body: func(w *envWriter) {
			w.open(op)
			w.leaf("searchString", "searchString", sosl)
			w.close(op)
		},
		decode: func(d *decoder) { res = d.searchResult() },
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
