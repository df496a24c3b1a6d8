package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/orgspec"
)

// The org-typed document: GET /openapi.yaml?sobjects=Account,Invoice__c
// (or ?sobjects=*) answers the generic document with typed schemas and
// paths for those objects (internal/orgspec), built from the describes the
// gateway types records with, as the caller may see them. Without the
// parameter /openapi.yaml stays the public generic contract; with it the
// request is about the org, so it passes the door, caller auth and the
// rate limit like a /v1 request.

// specCacheBytes bounds the rendered documents kept: a few of the largest
// (200 objects are several MB), many of a handful of objects.
const specCacheBytes = 64 << 20

// specDescribeParallel bounds the describes one request loads at once.
const specDescribeParallel = 4

var sobjectName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,79}$`)

// specObjectsParam reads ?sobjects=: names separated by commas, the
// parameter repeated or both; "*" alone for every queryable object.
// Duplicates (names compare case-insensitively) are dropped.
func specObjectsParam(r *http.Request) (names []string, all bool, err error) {
	bad := func(msg string) error {
		return sfgate.Invalid("the sobjects parameter "+msg,
			sfgate.FieldError{Field: "query.sobjects", Code: "invalid", Message: msg})
	}
	for _, v := range r.URL.Query()["sobjects"] {
		for n := range strings.SplitSeq(v, ",") {
			n = strings.TrimSpace(n)
			switch {
			case n == "*":
				all = true
			case !sobjectName.MatchString(n):
				return nil, false, bad(fmt.Sprintf("names %q, which is not an object API name", n))
			case !slices.ContainsFunc(names, func(m string) bool { return strings.EqualFold(m, n) }):
				names = append(names, n)
			}
		}
	}
	switch {
	case all && len(names) > 0:
		return nil, false, bad("takes either * or object names, not both")
	case !all && len(names) == 0:
		return nil, false, bad("names no object: give names separated by commas, or *")
	case len(names) > orgspec.MaxObjects:
		return nil, false, bad(fmt.Sprintf("names %d objects; at most %d fit in one document", len(names), orgspec.MaxObjects))
	}
	return names, all, nil
}

// orgSpecPage answers the org-typed document.
func (h *Handlers) orgSpecPage(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Describe == nil || h.opts.CachedDescribe == nil {
		return notImplemented("describe")
	}
	names, all, err := specObjectsParam(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	caller := sfgate.CallerFrom(ctx)
	if all {
		yes := true
		list, err := h.opts.Describe.ListSObjects(ctx, sfgate.SObjectFilter{Queryable: &yes})
		if err != nil {
			return fmt.Errorf("list sobjects: %w", err)
		}
		for _, o := range list {
			if caller.Allows(o.Name, sfgate.ActionRead) {
				names = append(names, o.Name)
			}
		}
		if len(names) > orgspec.MaxObjects {
			msg := fmt.Sprintf("* is %d objects this caller may read; at most %d fit in one document: name them", len(names), orgspec.MaxObjects)
			return sfgate.Invalid("the sobjects parameter "+msg, sfgate.FieldError{Field: "query.sobjects", Code: "too-many", Message: msg})
		}
	} else {
		for _, n := range names {
			if err := need(r, n, sfgate.ActionRead); err != nil {
				return err
			}
		}
	}
	objs, err := h.specObjects(ctx, names, all)
	if err != nil {
		return err
	}
	// The document shows what this caller may see: private to it, and
	// revalidated by its entity tag, which needs no render.
	tag, err := h.specs.ETag(objs)
	if err != nil {
		return fmt.Errorf("org-typed document: %w", err)
	}
	w.Header().Set("Cache-Control", "private, no-cache")
	w.Header().Set("ETag", tag)
	w.Header().Set("Vary", "Authorization")
	if inm := r.Header.Get("If-None-Match"); inm != "" && slices.Contains(strings.Split(strings.ReplaceAll(inm, " ", ""), ","), tag) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	doc, err := h.specs.Get(ctx, objs)
	if err != nil {
		return fmt.Errorf("org-typed document: %w", err)
	}
	// YAML only, as the generic document: every generator reads it, and
	// one media type per answer is what lets them type it.
	w.Header().Set("Content-Type", "application/yaml")
	_, err = w.Write(doc.YAML)
	return err
}

// specObjects loads the describes of names, a few at a time, in names'
// order. For *, an object that vanished or that the caller may not
// describe since the list was made is left out; a named one fails the
// request: an unknown name is the caller's mistake (400 naming the
// parameter), a forbidden one 403.
func (h *Handlers) specObjects(ctx context.Context, names []string, all bool) ([]orgspec.Object, error) {
	caller := sfgate.CallerFrom(ctx)
	out := make([]orgspec.Object, len(names))
	errs := make([]error, len(names))
	sem := make(chan struct{}, specDescribeParallel)
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			d, err := h.opts.CachedDescribe.CachedDescribe(ctx, n)
			if err != nil {
				errs[i] = err
				return
			}
			out[i] = orgspec.Object{Describe: d, Ops: orgspec.Ops{
				Read:   d.Retrieveable && caller.Allows(d.Name, sfgate.ActionRead),
				Create: d.Createable && caller.Allows(d.Name, sfgate.ActionCreate),
				Update: d.Updateable && caller.Allows(d.Name, sfgate.ActionUpdate),
				Delete: d.Deletable && caller.Allows(d.Name, sfgate.ActionDelete),
				Query:  d.Queryable && caller.Allows(d.Name, sfgate.ActionQuery),
			}}
		})
	}
	wg.Wait()
	kept := out[:0]
	for i, err := range errs {
		var e *sfgate.Error
		switch {
		case err == nil:
			kept = append(kept, out[i])
		case all && errors.As(err, &e) && (e.Kind == sfgate.KindNotFound || e.Kind == sfgate.KindForbidden):
		case errors.As(err, &e) && e.Kind == sfgate.KindNotFound:
			msg := "no object " + names[i] + " in the org"
			return nil, sfgate.Invalid("the sobjects parameter names "+names[i]+", which the org does not have",
				sfgate.FieldError{Field: "query.sobjects", Code: "unknown-object", Message: msg})
		default:
			return nil, fmt.Errorf("describe %s: %w", names[i], err)
		}
	}
	return kept, nil
}
