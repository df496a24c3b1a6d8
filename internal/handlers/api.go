package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// pathParam returns a path parameter, percent-decoded (chi matches on the
// raw path, so "a%2Fb" arrives encoded).
func pathParam(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}

// decodeBody decodes the (already validated) JSON body into v, keeping
// numbers as json.Number so no value is rounded. A member named twice is a
// 400 (duplicates.go).
func decodeBody(r *http.Request, v any) error {
	dups, err := decodeJSON(r, v)
	if err != nil {
		return err
	}
	if len(dups) > 0 {
		return duplicateMembersError(dups)
	}
	return nil
}

// decodeJSON decodes the body into v, numbers as json.Number, and returns
// the paths of the members named twice, which decoding silently drops.
func decodeJSON(r *http.Request, v any) ([][]string, error) {
	b, err := bodyBytes(r)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return nil, sfgate.Invalid("the body is not the JSON this endpoint takes", sfgate.FieldError{Field: "body", Code: "malformed", Message: err.Error()})
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, sfgate.Invalid("the body holds more than one JSON value", sfgate.FieldError{Field: "body", Code: "malformed", Message: "unexpected data after the JSON value"})
	}
	return duplicateMembers(b), nil
}

// notImplemented answers for a service the gateway was built without.
func notImplemented(what string) error {
	return &statusError{status: http.StatusNotImplemented, err: sfgate.NewError(sfgate.KindInternal, "NOT_IMPLEMENTED", "this gateway has no "+what+" service configured")}
}

// wantsNDJSON reports whether the caller asked for a stream: Accept names
// application/x-ndjson itself (a wildcard does not) with a q above 0.
func wantsNDJSON(r *http.Request) bool {
	ranges, _ := parseAccept(strings.Join(r.Header.Values("Accept"), ","))
	q, exact := acceptQ(ranges, mediaNDJSON)
	return exact && q > 0
}

func boolQuery(r *http.Request, name string) *bool {
	v := r.URL.Query().Get(name)
	if v == "" {
		return nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return nil // the validator has refused anything but a boolean
	}
	return &b
}

func (h *Handlers) listSObjects(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Describe == nil {
		return notImplemented("describe")
	}
	list, err := h.opts.Describe.ListSObjects(r.Context(), sfgate.SObjectFilter{Custom: boolQuery(r, "custom"), Queryable: boolQuery(r, "queryable")})
	if err != nil {
		return fmt.Errorf("list sobjects: %w", err)
	}
	if list == nil {
		list = []sfgate.SObjectSummary{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"sobjects": list})
}

func (h *Handlers) describeSObject(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Describe == nil {
		return notImplemented("describe")
	}
	obj := pathParam(r, "sobject")
	d, err := h.opts.Describe.DescribeSObject(r.Context(), obj)
	if err != nil {
		return fmt.Errorf("describe %s: %w", obj, err)
	}
	return writeJSON(w, http.StatusOK, d)
}

func (h *Handlers) sobjectSchema(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Schemas == nil {
		return notImplemented("schema")
	}
	obj := pathParam(r, "sobject")
	s, err := h.opts.Schemas.RecordSchema(r.Context(), obj)
	if err != nil {
		return fmt.Errorf("schema of %s: %w", obj, err)
	}
	return writeJSONAs(w, http.StatusOK, "application/schema+json", s)
}

// maxFieldsParam is the most names ?fields= may carry in all, the
// document's maxItems for the parameter counted over every form.
const maxFieldsParam = 800

// fieldsParam gathers ?fields= in both forms the document declares:
// repeated (fields=A&fields=B, what generated clients send for form and
// explode), comma-separated (fields=A,B), or a mixture. The validator
// has checked each value's shape and counted values; the names inside
// comma lists are counted here, against the same maxItems. nil means
// all fields.
func fieldsParam(r *http.Request) ([]string, error) {
	vals := r.URL.Query()["fields"]
	if len(vals) == 0 {
		return nil, nil
	}
	var names []string
	for _, v := range vals {
		names = append(names, strings.Split(v, ",")...)
	}
	if len(names) > maxFieldsParam {
		msg := fmt.Sprintf("names %d fields, more than the %d allowed", len(names), maxFieldsParam)
		return nil, sfgate.Invalid("query.fields: "+msg, sfgate.FieldError{Field: "query.fields", Code: "maxItems", Message: msg})
	}
	return names, nil
}

func (h *Handlers) getRecord(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj, id := pathParam(r, "sobject"), pathParam(r, "id")
	fields, err := fieldsParam(r)
	if err != nil {
		return err
	}
	rec, err := h.opts.Records.Get(r.Context(), obj, id, fields)
	if err != nil {
		return fmt.Errorf("get %s %s: %w", obj, id, err)
	}
	return writeJSON(w, http.StatusOK, rec)
}

func (h *Handlers) createRecord(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj := pathParam(r, "sobject")
	rec, err := decodeRecord(r)
	if err != nil {
		return err
	}
	id, err := h.opts.Records.Create(r.Context(), obj, rec)
	if err != nil {
		return fmt.Errorf("create %s: %w", obj, err)
	}
	w.Header().Set("Location", "/v1/sobjects/"+url.PathEscape(obj)+"/records/"+url.PathEscape(id))
	return writeJSON(w, http.StatusCreated, map[string]string{"id": id})
}

func (h *Handlers) updateRecord(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj, id := pathParam(r, "sobject"), pathParam(r, "id")
	rec, err := decodeRecord(r)
	if err != nil {
		return err
	}
	if err := h.opts.Records.Update(r.Context(), obj, id, rec); err != nil {
		return fmt.Errorf("update %s %s: %w", obj, id, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) deleteRecord(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj, id := pathParam(r, "sobject"), pathParam(r, "id")
	if err := h.opts.Records.Delete(r.Context(), obj, id); err != nil {
		return fmt.Errorf("delete %s %s: %w", obj, id, err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handlers) upsertRecord(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj, field, value := pathParam(r, "sobject"), pathParam(r, "externalIdField"), pathParam(r, "value")
	rec, err := decodeRecord(r)
	if err != nil {
		return err
	}
	res, err := h.opts.Records.Upsert(r.Context(), obj, field, value, rec)
	if err != nil {
		return fmt.Errorf("upsert %s by %s: %w", obj, field, err)
	}
	status := http.StatusOK
	if res.Created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, res)
}

func (h *Handlers) batch(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj := pathParam(r, "sobject")
	req, err := decodeBatch(r)
	if err != nil {
		return err
	}
	if err := needBatch(r, obj, req.Operation); err != nil {
		return err
	}
	if req.Operation == "upsert" && req.ExternalIDField == "" {
		return sfgate.Invalid("upsert needs externalIdField", sfgate.FieldError{Field: "/externalIdField", Code: "required", Message: "required when operation is upsert"})
	}
	res, err := h.opts.Records.Batch(r.Context(), obj, req)
	if err != nil {
		return fmt.Errorf("batch %s %s of %d: %w", req.Operation, obj, len(req.Records), err)
	}
	if len(res.Results) != len(req.Records) {
		return fmt.Errorf("batch %s %s: %d results for %d records", req.Operation, obj, len(res.Results), len(req.Records))
	}
	for i := range res.Results {
		if res.Results[i].Errors == nil {
			res.Results[i].Errors = []sfgate.FieldError{}
		}
	}
	return writeJSON(w, http.StatusOK, res)
}

func (h *Handlers) merge(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	obj, id := pathParam(r, "sobject"), pathParam(r, "id")
	req, err := decodeMerge(r)
	if err != nil {
		return err
	}
	res, err := h.opts.Records.Merge(r.Context(), obj, id, req)
	if err != nil {
		return fmt.Errorf("merge into %s %s: %w", obj, id, err)
	}
	if res.MergedRecordIDs == nil {
		res.MergedRecordIDs = []string{}
	}
	if res.UpdatedRelatedIDs == nil {
		res.UpdatedRelatedIDs = []string{}
	}
	return writeJSON(w, http.StatusOK, res)
}

func (h *Handlers) convertLead(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Records == nil {
		return notImplemented("records")
	}
	var req sfgate.LeadConvertRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	res, err := h.opts.Records.ConvertLead(r.Context(), req)
	if err != nil {
		return fmt.Errorf("convert lead %s: %w", req.LeadID, err)
	}
	return writeJSON(w, http.StatusOK, res)
}

// The query operations come in pairs (docs/http-api.md, "Streams"): the
// JSON one answers a page, its /stream twin every page as NDJSON. The JSON
// one still streams when Accept names application/x-ndjson, the form
// clients used before the twins existed; a spec with both media types
// under one answer left generated clients with an untyped page.

func (h *Handlers) structuredQuery(w http.ResponseWriter, r *http.Request) error {
	return h.withStructured(w, r, h.runQuery)
}

func (h *Handlers) structuredQueryStream(w http.ResponseWriter, r *http.Request) error {
	return h.withStructured(w, r, h.streamQuery)
}

func (h *Handlers) soqlQuery(w http.ResponseWriter, r *http.Request) error {
	return h.withSOQL(w, r, h.runQuery)
}

func (h *Handlers) soqlQueryStream(w http.ResponseWriter, r *http.Request) error {
	return h.withSOQL(w, r, h.streamQuery)
}

func (h *Handlers) queryMore(w http.ResponseWriter, r *http.Request) error {
	return h.runQuery(w, r, sfgate.QueryInput{Cursor: pathParam(r, "cursor")})
}

func (h *Handlers) queryMoreStream(w http.ResponseWriter, r *http.Request) error {
	return h.streamQuery(w, r, sfgate.QueryInput{Cursor: pathParam(r, "cursor")})
}

type queryAnswer func(http.ResponseWriter, *http.Request, sfgate.QueryInput) error

func (h *Handlers) withStructured(w http.ResponseWriter, r *http.Request, answer queryAnswer) error {
	var q sfgate.StructuredQuery
	if err := decodeBody(r, &q); err != nil {
		return err
	}
	return answer(w, r, sfgate.QueryInput{SObject: pathParam(r, "sobject"), Structured: &q})
}

func (h *Handlers) withSOQL(w http.ResponseWriter, r *http.Request, answer queryAnswer) error {
	var q sfgate.SOQLQuery
	if err := decodeBody(r, &q); err != nil {
		return err
	}
	return answer(w, r, sfgate.QueryInput{SOQL: &q})
}

// runQuery answers one page as JSON, or every page as NDJSON when Accept
// asks for it.
func (h *Handlers) runQuery(w http.ResponseWriter, r *http.Request, in sfgate.QueryInput) error {
	if wantsNDJSON(r) {
		return h.streamQuery(w, r, in)
	}
	if h.opts.Queries == nil {
		return notImplemented("query")
	}
	if jq, ok := h.opts.Queries.(sfgate.JSONQueryService); ok {
		page, err := jq.QueryJSON(r.Context(), in)
		if err != nil {
			return fmt.Errorf("query: %w", err)
		}
		if page.Records == nil {
			page.Records = []sfgate.RecordJSON{}
		}
		return writeJSON(w, http.StatusOK, &page)
	}
	page, err := h.opts.Queries.Query(r.Context(), in)
	if err != nil {
		return fmt.Errorf("query: %w", err)
	}
	if page.Records == nil {
		page.Records = []sfgate.OrderedRecord{}
	}
	return writeJSON(w, http.StatusOK, page)
}

// streamQuery answers every page as NDJSON, one record per line.
func (h *Handlers) streamQuery(w http.ResponseWriter, r *http.Request, in sfgate.QueryInput) error {
	if h.opts.Queries == nil {
		return notImplemented("query")
	}
	ctx := r.Context()
	release, err := h.streams.acquire(callerFrom(ctx))
	if err != nil {
		return err
	}
	defer release()
	rc := http.NewResponseController(w)
	// The server's WriteTimeout is sized for ordinary answers; a stream may
	// run as long as its own deadline allows.
	_ = rc.SetWriteDeadline(h.opts.Now().Add(h.opts.StreamTimeout))
	started := false
	start := func() {
		if !started {
			w.Header().Set("Content-Type", "application/x-ndjson")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			started = true
		}
	}
	// One write per page: each record is one line, written as an Encoder
	// with SetEscapeHTML(false) would.
	writePage := func(b []byte) error {
		start()
		if _, err := w.Write(b); err != nil {
			return err
		}
		return rc.Flush()
	}
	if jq, ok := h.opts.Queries.(sfgate.JSONQueryService); ok {
		err = jq.StreamJSON(ctx, in, func(records []sfgate.RecordJSON) error {
			buf := getBuf()
			defer putBuf(buf)
			b := *buf
			for _, rec := range records {
				b = append(append(b, rec...), '\n')
			}
			*buf = b
			return writePage(b)
		})
	} else {
		err = h.opts.Queries.Stream(ctx, in, func(records []sfgate.OrderedRecord) error {
			buf := getBuf()
			defer putBuf(buf)
			b := *buf
			for _, rec := range records {
				var err error
				if b, err = appendOrdered(b, rec, false, 0); err != nil {
					return err
				}
				b = append(b, '\n')
			}
			*buf = b
			return writePage(b)
		})
	}
	if err != nil {
		return fmt.Errorf("stream query: %w", err)
	}
	start()
	return nil
}

func (h *Handlers) search(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Queries == nil {
		return notImplemented("query")
	}
	var req struct {
		SOSL string `json:"sosl"`
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	hits, err := h.opts.Queries.Search(r.Context(), req.SOSL)
	if err != nil {
		return fmt.Errorf("search: %w", err)
	}
	if hits == nil {
		hits = []sfgate.SearchHit{}
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": hits})
}

func (h *Handlers) limits(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Limits == nil {
		return notImplemented("limits")
	}
	ls, at, err := h.opts.Limits.Limits(r.Context())
	if err != nil {
		return fmt.Errorf("limits: %w", err)
	}
	if ls == nil {
		ls = []sfgate.Limit{}
	}
	var reported *string
	if !at.IsZero() {
		s := at.UTC().Format(time.RFC3339)
		reported = &s
	}
	return writeJSON(w, http.StatusOK, map[string]any{"limits": ls, "reportedAt": reported})
}

func (h *Handlers) invalidate(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Cache == nil {
		return notImplemented("cache")
	}
	var req struct {
		SObject string `json:"sobject"`
	}
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	if err := h.opts.Cache.InvalidateDescribe(r.Context(), req.SObject); err != nil {
		return fmt.Errorf("invalidate describe %q: %w", req.SObject, err)
	}
	scope := req.SObject
	if scope == "" {
		scope = "*"
	}
	zerolog.Ctx(r.Context()).Info().Str("sobject", scope).Msg("describe cache invalidated")
	return writeJSON(w, http.StatusOK, map[string]string{"invalidated": scope})
}
