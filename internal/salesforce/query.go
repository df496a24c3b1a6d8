package salesforce

import (
	"context"
	"fmt"
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

// Query runs query() and returns the first page; QueryMore with its
// QueryLocator fetches the next until Done. The paging loop lives in the
// engine (internal/service), which decides how many pages it holds.
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
