package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// metaObjects resolves names for the builder through the metadata service.
type metaObjects struct{ s *Service }

func (m metaObjects) object(ctx context.Context, name string) (*metadata.Object, error) {
	if name == nameEntity {
		return m.s.describeName(ctx)
	}
	o, err := m.s.cfg.Metadata.Describe(ctx, name)
	switch {
	case err == nil:
		return o, nil
	case errors.Is(err, metadata.ErrUnknownObject):
		return nil, nil
	}
	return nil, fmt.Errorf("describe %s: %w", name, err)
}

func (m metaObjects) refreshed(ctx context.Context, x *metadata.Object, field string) (*metadata.Object, error) {
	nx, _, err := m.s.ensure(ctx, x.Name, []string{field})
	if err != nil {
		return nil, err
	}
	return nx, nil
}

// run is one query in progress: its first page and what its cursors carry.
type run struct {
	first          *partner.QueryResult
	hint           *metadata.Object
	object         string
	pageSize       int
	includeDeleted bool
}

// pageSizeOr is n, or the default when the caller named none. The document
// bounds n to 200–2,000 (PageSize) and cursors carry what was accepted.
func pageSizeOr(n int) int {
	if n <= 0 {
		return DefaultPageSize
	}
	return n
}

// start validates in and fetches its first page.
func (s *Service) start(ctx context.Context, in sfgate.QueryInput) (*run, error) {
	set := 0
	for _, b := range []bool{in.Structured != nil, in.SOQL != nil, in.Cursor != ""} {
		if b {
			set++
		}
	}
	if set != 1 {
		return nil, sfgate.Invalid("a query is exactly one of a structured query, SOQL or a cursor")
	}
	switch {
	case in.Cursor != "":
		c, err := s.readCursor(ctx, in.Cursor)
		if err != nil {
			return nil, err
		}
		r := &run{object: c.Object, pageSize: pageSizeOr(c.PageSize), includeDeleted: c.IncludeDeleted}
		if r.first, err = s.cfg.Client.QueryMore(ctx, c.Locator, partner.BatchSize(r.pageSize)); err != nil {
			return nil, err
		}
		return r, s.drainChildren(ctx, r.first, r.pageSize)
	case in.SOQL != nil:
		q := in.SOQL
		if e := checkXML(q.SOQL); e != nil {
			return nil, sfgate.Invalid("the query cannot be sent", sfgate.FieldError{Field: "/soql", Code: e.code, Message: "the query " + e.msg})
		}
		if err := checkSOQLLength(q.SOQL, "/soql"); err != nil {
			return nil, err
		}
		if err := s.reachSOQL(ctx, q.SOQL, "/soql"); err != nil {
			return nil, err
		}
		r := &run{pageSize: pageSizeOr(q.PageSize), includeDeleted: q.IncludeDeleted}
		var err error
		if r.first, err = s.callRaw(ctx, q.SOQL, r); err != nil {
			return nil, err
		}
		if len(r.first.Records) > 0 {
			r.object = r.first.Records[0].Type
		}
		return r, s.drainChildren(ctx, r.first, r.pageSize)
	}
	q := in.Structured
	if err := s.allow(ctx, in.SObject, sfgate.ActionQuery); err != nil {
		return nil, err
	}
	root, err := s.describe(ctx, in.SObject)
	if err != nil {
		return nil, err
	}
	if !root.Queryable {
		return nil, &sfgate.Error{Kind: sfgate.KindInvalid, Code: "ENTITY_NOT_QUERYABLE", Detail: root.Name + " cannot be queried"}
	}
	r := &run{hint: root, object: root.Name, pageSize: pageSizeOr(q.PageSize), includeDeleted: q.IncludeDeleted}
	if err := s.reachStructured(ctx, root, q); err != nil {
		return nil, err
	}
	if isAggregateQuery(q) {
		r.pageSize = maxBatch // groups are never paged (aggregate.go)
	}
	soql, err := build(ctx, metaObjects{s}, root, q)
	if err != nil {
		return nil, err
	}
	if err := s.reachSOQL(ctx, soql, ""); err != nil {
		return nil, err
	}
	r.first, err = s.call(ctx, soql, r.includeDeleted, r.pageSize)
	if partner.IsCode(err, partner.CodeInvalidField) {
		// The cached describe named a field Salesforce no longer has:
		// refresh once and build again, so the caller gets a precise 422
		// (or the query runs, if the field came back).
		if _, rerr := s.cfg.Metadata.RefreshOnInvalidField(ctx, root.Name); rerr == nil {
			if root, rerr = s.describe(ctx, in.SObject); rerr == nil {
				r.hint = root
				if soql, err = build(ctx, metaObjects{s}, root, q); err != nil {
					return nil, err
				}
				r.first, err = s.call(ctx, soql, r.includeDeleted, r.pageSize)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return r, s.drainChildren(ctx, r.first, r.pageSize)
}

func (s *Service) call(ctx context.Context, soql string, includeDeleted bool, pageSize int) (*partner.QueryResult, error) {
	if err := checkSOQLLength(soql, ""); err != nil {
		return nil, err
	}
	if includeDeleted {
		return s.cfg.Client.QueryAll(ctx, soql, partner.BatchSize(pageSize))
	}
	return s.cfg.Client.Query(ctx, soql, partner.BatchSize(pageSize))
}

// Query implements sfgate.QueryService: one page, typed, with a signed
// cursor to the next.
func (s *Service) Query(ctx context.Context, in sfgate.QueryInput) (_ sfgate.QueryPage, err error) {
	defer s.settle(&err)
	recs, p, err := query(ctx, s, in, (*reader).page)
	if err != nil {
		return sfgate.QueryPage{}, err
	}
	return sfgate.QueryPage{TotalSize: p.TotalSize, Done: p.Done, Records: recs, NextCursor: p.NextCursor}, nil
}

// QueryJSON implements sfgate.JSONQueryService: Query, the records written
// as JSON.
func (s *Service) QueryJSON(ctx context.Context, in sfgate.QueryInput) (_ sfgate.QueryPageJSON, err error) {
	defer s.settle(&err)
	recs, p, err := query(ctx, s, in, (*reader).pageJSON)
	if err != nil {
		return sfgate.QueryPageJSON{}, err
	}
	p.Records = recs
	return p, nil
}

// pageOf types the records of one page: as OrderedRecords (reader.page) or
// as JSON (reader.pageJSON).
type pageOf[T any] func(r *reader, ctx context.Context, recs []partner.Record, hint *metadata.Object) ([]T, error)

// query fetches the page of in and types its records with typed; the
// page's other members are in p.
func query[T any](ctx context.Context, s *Service, in sfgate.QueryInput, typed pageOf[T]) (_ []T, p sfgate.QueryPageJSON, err error) {
	r, err := s.start(ctx, in)
	if err != nil {
		return nil, p, err
	}
	recs, err := typed(s.newReader(), ctx, r.first.Records, r.hint)
	if err != nil {
		return nil, p, err
	}
	p = sfgate.QueryPageJSON{TotalSize: r.first.Size, Done: r.first.Done}
	if !r.first.Done && r.first.QueryLocator != "" {
		p.NextCursor = s.cursorFor(ctx, r.first.QueryLocator, r.object, r.pageSize, r.includeDeleted)
	} else {
		p.Done = true
	}
	return recs, p, nil
}

// streamPage is what the fetching goroutine hands the emitting one.
type streamPage[T any] struct {
	records []T
	err     error
}

// Stream implements sfgate.QueryService. A goroutine fetches and types
// page n+1 while emit writes page n; the hand-over channel is unbuffered,
// so at most two typed pages exist at once (the one being written and the
// one waiting), whatever the result's size. Nothing accumulates: each page
// is dropped once emitted.
func (s *Service) Stream(ctx context.Context, in sfgate.QueryInput, emit func(records []sfgate.OrderedRecord) error) (err error) {
	defer s.settle(&err)
	return stream(ctx, s, in, (*reader).page, emit)
}

// StreamJSON implements sfgate.JSONQueryService: Stream, the records
// written as JSON.
func (s *Service) StreamJSON(ctx context.Context, in sfgate.QueryInput, emit func(records []sfgate.RecordJSON) error) (err error) {
	defer s.settle(&err)
	return stream(ctx, s, in, (*reader).pageJSON, emit)
}

func stream[T any](ctx context.Context, s *Service, in sfgate.QueryInput, typed pageOf[T], emit func([]T) error) error {
	r, err := s.start(ctx, in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	pages := make(chan streamPage[T])
	go fetch(ctx, s, r, typed, pages)
	defer func() {
		cancel()
		for range pages { // wait for the fetcher to stop
		}
	}()
	for p := range pages {
		if p.err != nil {
			return p.err
		}
		if err := emit(p.records); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// fetch types the pages of r one by one and hands each to pages, fetching
// the next (queryMore) while the previous is being emitted. Each page's
// child sets are read in full as soon as the page arrives (start did it
// for the first), so the look-ahead never moves the parent on while a
// child locator of the page before is still needed.
func fetch[T any](ctx context.Context, s *Service, r *run, typed pageOf[T], pages chan<- streamPage[T]) {
	defer close(pages)
	rd := s.newReader()
	res := r.first
	r.first = nil // the run must not pin the first page for the whole stream
	send := func(p streamPage[T]) bool {
		select {
		case pages <- p:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		recs, err := typed(rd, ctx, res.Records, r.hint)
		if !send(streamPage[T]{records: recs, err: err}) || err != nil {
			return
		}
		if res.Done || res.QueryLocator == "" {
			return
		}
		locator := res.QueryLocator
		res = nil
		if res, err = s.cfg.Client.QueryMore(ctx, locator, partner.BatchSize(r.pageSize)); err == nil {
			// Before the next queryMore on the parent, which would
			// invalidate this page's child locators (children.go).
			err = s.drainChildren(ctx, res, r.pageSize)
		}
		if err != nil {
			send(streamPage[T]{err: err})
			return
		}
	}
}

// Search implements sfgate.QueryService.
func (s *Service) Search(ctx context.Context, sosl string) (_ []sfgate.SearchHit, err error) {
	defer s.settle(&err)
	if e := checkXML(sosl); e != nil {
		return nil, sfgate.Invalid("the search cannot be sent", sfgate.FieldError{Field: "/sosl", Code: e.code, Message: "the search " + e.msg})
	}
	if err := s.reachSOSL(ctx, sosl); err != nil {
		return nil, err
	}
	res, err := s.cfg.Client.Search(ctx, sosl)
	if err != nil {
		return nil, err
	}
	rd := s.newReader()
	hits := make([]sfgate.SearchHit, 0, len(res.Records))
	for i := range res.Records {
		rec, err := rd.record(ctx, &res.Records[i].Record, nil)
		if err != nil {
			return nil, err
		}
		hits = append(hits, sfgate.SearchHit{SObject: res.Records[i].Record.Type, Record: rec})
	}
	return hits, nil
}
