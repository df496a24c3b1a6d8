package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Permissions are enforced here, in the engine, before any Salesforce
// call: every object a request reaches (by its path, a relationship, a
// subquery, a semi-join, TYPEOF, SOSL RETURNING, a batch, a merge, a
// conversion) needs its action, and a denied field is refused where it is
// named and withheld where it is not. docs/service.md, "Permissions",
// lists what each operation needs.

// Codes of the refusals decided here.
const (
	// codeForbidden is a caller without the permission a request needs.
	codeForbidden = "FORBIDDEN"
	// codeQueryNotUnderstood is a statement the reach analyzer cannot
	// read: it is refused rather than sent unchecked.
	codeQueryNotUnderstood = "QUERY_NOT_UNDERSTOOD"
	// codeQueryTooLong is a SOQL statement over Salesforce's limit.
	codeQueryTooLong = "QUERY_TOO_LONG"
)

// maxSOQLLength is Salesforce's limit on a SOQL statement: "Maximum length
// of SOQL statements: By default, 100,000 characters" (Salesforce
// Developer Limits and Allocations Quick Reference, "SOQL and SOSL Limits
// for Search Queries",
// https://developer.salesforce.com/docs/atlas.en-us.salesforce_app_limits_cheatsheet.meta/salesforce_app_limits_cheatsheet/salesforce_app_limits_platform_soslsoql.htm).
// A longer statement is refused locally instead of costing a call that
// must fail.
const maxSOQLLength = 100_000

// checkSOQLLength refuses soql past maxSOQLLength characters; where is the
// request member it came from ("/soql"), or "" for SOQL the gateway built.
func checkSOQLLength(soql, where string) error {
	if len(soql) <= maxSOQLLength {
		return nil
	}
	n := utf8.RuneCountInString(soql)
	if n <= maxSOQLLength {
		return nil
	}
	msg := fmt.Sprintf("the SOQL statement is %d characters; Salesforce takes at most %d", n, maxSOQLLength)
	if where == "" {
		msg = fmt.Sprintf("the SOQL built from this query is %d characters; Salesforce takes at most %d (shorten value lists or split the query)", n, maxSOQLLength)
	}
	return &sfgate.Error{Kind: sfgate.KindInvalid, Code: codeQueryTooLong, Detail: msg,
		Errors: []sfgate.FieldError{{Field: where, Code: codeQueryTooLong, Message: msg}}}
}

// restricted returns the caller of ctx when its access is limited, nil
// when everything is allowed (no caller: authentication off; no Access:
// the simple key form).
func restricted(ctx context.Context) *sfgate.Caller {
	if c := sfgate.CallerFrom(ctx); c != nil && c.Access != nil {
		return c
	}
	return nil
}

func forbidden(what, detail string) error {
	return &sfgate.Error{Kind: sfgate.KindForbidden, Code: codeForbidden, Detail: detail,
		Errors: []sfgate.FieldError{{Field: what, Code: codeForbidden, Message: detail}}}
}

func needs(g grant) error { return forbidden(g.String(), "needs "+g.String()) }

// allow refuses the request unless the caller may do a on object.
func (s *Service) allow(ctx context.Context, object string, a sfgate.Action) error {
	if c := restricted(ctx); c != nil && !c.Allows(object, a) {
		return needs(grant{object, a})
	}
	return nil
}

// objectActions are the actions that concern an object's data.
var objectActions = []sfgate.Action{
	sfgate.ActionRead, sfgate.ActionQuery, sfgate.ActionSearch, sfgate.ActionCreate, sfgate.ActionUpdate,
	sfgate.ActionUpsert, sfgate.ActionDelete, sfgate.ActionMerge, sfgate.ActionConvert, sfgate.ActionBulk,
}

// allowsAny reports whether c may do anything with object.
func allowsAny(c *sfgate.Caller, object string) bool {
	return slices.ContainsFunc(objectActions, func(a sfgate.Action) bool { return c.Allows(object, a) })
}

// allowDescribe refuses the describe of an object the caller may do
// nothing with: its metadata is no business of the caller's.
func (s *Service) allowDescribe(ctx context.Context, object string) error {
	if c := restricted(ctx); c != nil && !allowsAny(c, object) {
		return forbidden(object, fmt.Sprintf("needs a permission on %s to describe it", object))
	}
	return nil
}

// writable refuses records that name a field denied to the caller, all
// such fields listed at once.
func (s *Service) writable(ctx context.Context, x *metadata.Object, recs ...Record) error {
	c := restricted(ctx)
	if c == nil {
		return nil
	}
	var denied []string
	for _, rec := range recs {
		for k := range rec {
			name := k
			if df, ok := x.Field(k); ok {
				name = df.Name
			}
			if c.FieldDenied(x.Name, name) && !slices.Contains(denied, name) {
				denied = append(denied, name)
			}
		}
	}
	return deniedFields(x.Name, denied)
}

// readable refuses fields named explicitly that are denied to the caller.
func (s *Service) readable(ctx context.Context, x *metadata.Object, names []string) error {
	c := restricted(ctx)
	if c == nil {
		return nil
	}
	var denied []string
	for _, n := range names {
		if df, ok := x.Field(n); ok {
			n = df.Name
		}
		if c.FieldDenied(x.Name, n) && !slices.Contains(denied, n) {
			denied = append(denied, n)
		}
	}
	return deniedFields(x.Name, denied)
}

func deniedFields(object string, denied []string) error {
	if len(denied) == 0 {
		return nil
	}
	slices.Sort(denied)
	e := &sfgate.Error{Kind: sfgate.KindForbidden, Code: codeForbidden,
		Detail: fmt.Sprintf("the caller may not use %s.%s", object, strings.Join(denied, ", "+object+"."))}
	for _, f := range denied {
		e.Errors = append(e.Errors, sfgate.FieldError{Field: f, Code: codeForbidden, Message: "the caller may not use " + object + "." + f})
	}
	return e
}

// visibleFields is every field of x the caller may see, Id first: a read
// that names no fields leaves the denied ones out.
func (s *Service) visibleFields(ctx context.Context, x *metadata.Object) []string {
	list := allFields(x)
	if c := restricted(ctx); c != nil {
		list = slices.DeleteFunc(list, func(f string) bool { return f != "Id" && c.FieldDenied(x.Name, f) })
	}
	return list
}

// visible returns x without the fields denied to the caller (x itself when
// none is), for describes and schemas.
func (s *Service) visible(ctx context.Context, x *metadata.Object) *metadata.Object {
	c := restricted(ctx)
	if c == nil || !slices.ContainsFunc(x.Fields, func(f partner.DescribeField) bool { return c.FieldDenied(x.Name, f.Name) }) {
		return x
	}
	d := *x.DescribeSObjectResult
	d.Fields = slices.DeleteFunc(slices.Clone(x.Fields), func(f partner.DescribeField) bool { return c.FieldDenied(x.Name, f.Name) })
	return metadata.NewObject(&d)
}

// withhold drops from a record read the fields denied to the caller: a
// last guard behind the checks made before the call, for answers whose
// fields were not named (a whole-record read, TYPEOF's real types).
func withhold(ctx context.Context, x *metadata.Object, out sfgate.OrderedRecord) sfgate.OrderedRecord {
	if x == nil {
		return out
	}
	c := restricted(ctx)
	if c == nil {
		return out
	}
	kept := out[:0]
	for _, m := range out {
		if m.Key == "Id" || !c.FieldDenied(x.Name, m.Key) {
			kept = append(kept, m)
		}
	}
	return kept
}

// enforce returns the reach of a statement checked as it is found: the
// first object or field the caller may not reach stops the analysis.
func enforce(c *sfgate.Caller) *reach {
	r := newReach()
	r.check = func(g grant) error {
		if !c.Allows(g.object, g.action) {
			return needs(g)
		}
		return nil
	}
	r.deny = func(f fieldRef) error {
		if c.FieldDenied(f.object, f.field) {
			return deniedFields(f.object, []string{f.field})
		}
		return nil
	}
	return r
}

// reachSOQL refuses soql unless the caller may reach everything it names.
// where is the request member it came from ("/soql"; "" for SOQL the
// gateway built). Unrestricted callers are not analyzed.
func (s *Service) reachSOQL(ctx context.Context, soql, where string) error {
	c := restricted(ctx)
	if c == nil {
		return nil
	}
	return notUnderstood(analyzeSOQL(ctx, metaObjects{s}, enforce(c), soql), where, "query")
}

// reachSOSL refuses sosl unless the caller may reach everything it names.
func (s *Service) reachSOSL(ctx context.Context, sosl string) error {
	c := restricted(ctx)
	if c == nil {
		return nil
	}
	return notUnderstood(analyzeSOSL(ctx, metaObjects{s}, enforce(c), sosl), "/sosl", "search")
}

// notUnderstood turns the analyzer's failure to read a statement into a
// 400 naming where and why; other errors pass.
func notUnderstood(err error, where, what string) error {
	var re *reachError
	if !errors.As(err, &re) {
		return err
	}
	msg := fmt.Sprintf("the gateway checks every object a %s reaches and cannot read this one: %s", what, re.Error())
	return &sfgate.Error{Kind: sfgate.KindInvalid, Code: codeQueryNotUnderstood, Detail: msg,
		Errors: []sfgate.FieldError{{Field: where, Code: codeQueryNotUnderstood, Message: msg}}}
}

// analyzeSOSL returns what the SOSL statement sosl reaches: search on each
// RETURNING object (on every searchable object, "*", without RETURNING),
// its fields, the fields its search group matches (so a denied field is
// not probed by searching it), and what its WHERE and ORDER BY name.
func analyzeSOSL(ctx context.Context, objs objects, r *reach, sosl string) error {
	sq, err := parseSOSL(sosl)
	if err != nil {
		return err
	}
	if len(sq.returning) == 0 {
		return r.need("*", sfgate.ActionSearch)
	}
	rs := &resolver{objs: objs, r: r}
	for _, q := range sq.returning {
		x, err := rs.root(ctx, q.from, sfgate.ActionSearch)
		if err != nil {
			return err
		}
		for i := range x.Fields {
			if f := &x.Fields[i]; searched(sq.scope, f) {
				if err := r.field(x.Name, f.Name); err != nil {
					return err
				}
			}
		}
		if err := rs.query(ctx, q, x, nil); err != nil {
			return err
		}
	}
	return nil
}

// searched reports whether the search group scope matches field f (SOSL
// "IN SearchGroup": ALL and SIDEBAR every text field, NAME the name
// fields, EMAIL and PHONE the fields of that type).
func searched(scope string, f *partner.DescribeField) bool {
	switch scope {
	case "NAME":
		return f.NameField
	case "EMAIL":
		return f.Type == "email"
	case "PHONE":
		return f.Type == "phone"
	}
	k := kindOf(f)
	return k == kString || k == kPicklist || k == kMultiPicklist
}

// convertGrants are the permissions a lead conversion needs. convertLead
// updates the lead and writes an Account and a Contact (new ones, or the
// existing ones named by accountId and contactId, which it updates) and,
// unless doNotCreateOpportunity, a new Opportunity (SOAP API Developer
// Guide, "convertLead()": the user needs "Convert Leads" and "Edit" on
// leads, "Create" and "Edit" on Account, Contact and Opportunity,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/object_ref/sforce_api_calls_convertlead.htm).
// The gateway asks for what this conversion writes: create where a record
// is made, update where an existing one is merged into.
func convertGrants(req sfgate.LeadConvertRequest) []grant {
	gs := []grant{{"Lead", sfgate.ActionConvert}}
	for _, t := range []struct{ object, existing string }{{"Account", req.AccountID}, {"Contact", req.ContactID}} {
		a := sfgate.ActionCreate
		if t.existing != "" {
			a = sfgate.ActionUpdate
		}
		gs = append(gs, grant{t.object, a})
	}
	if !req.DoNotCreateOpportunity {
		gs = append(gs, grant{"Opportunity", sfgate.ActionCreate})
	}
	return gs
}

// allowConvert refuses a conversion unless the caller holds every grant it
// needs.
func (s *Service) allowConvert(ctx context.Context, req sfgate.LeadConvertRequest) error {
	for _, g := range convertGrants(req) {
		if err := s.allow(ctx, g.object, g.action); err != nil {
			return err
		}
	}
	return nil
}

// batchActions is the permission each batch operation needs. Undelete
// needs delete: restoring from the recycle bin undoes what delete did,
// and no action of its own exists.
var batchActions = map[string]sfgate.Action{
	"create": sfgate.ActionCreate, "update": sfgate.ActionUpdate, "upsert": sfgate.ActionUpsert,
	"delete": sfgate.ActionDelete, "undelete": sfgate.ActionDelete,
}

// listed reports whether the object list shows object to the caller: only
// objects it may do something with.
func (s *Service) listed(ctx context.Context, object string) bool {
	c := restricted(ctx)
	return c == nil || allowsAny(c, object)
}

// reachStructured checks the paths a structured query names (fields,
// where, orderBy) before the builder resolves them, so a forbidden parent
// is refused before it is described. What the analyzer cannot resolve is
// left to the builder, which names it (422); the SOQL built is checked
// whole afterwards (reachSOQL), which covers whatever else it holds.
func (s *Service) reachStructured(ctx context.Context, root *metadata.Object, q *sfgate.StructuredQuery) error {
	c := restricted(ctx)
	if c == nil {
		return nil
	}
	paths := slices.Clone(q.Fields)
	for _, o := range q.OrderBy {
		paths = append(paths, o.Field)
	}
	paths = conditionFields(paths, q.Where, 0)
	rs := &resolver{objs: metaObjects{s}, r: enforce(c)}
	for _, p := range paths {
		err := rs.path(ctx, root, nil, token{kind: tIdent, text: p})
		var re *reachError
		if err != nil && !errors.As(err, &re) {
			return err
		}
	}
	return nil
}

// conditionFields appends the fields of a where tree to paths, down to
// the builder's depth bound (it refuses deeper trees itself).
func conditionFields(paths []string, c *sfgate.Condition, depth int) []string {
	if c == nil || depth > maxWhereDepth {
		return paths
	}
	if c.Field != "" {
		paths = append(paths, c.Field)
	}
	for i := range c.And {
		paths = conditionFields(paths, &c.And[i], depth+1)
	}
	for i := range c.Or {
		paths = conditionFields(paths, &c.Or[i], depth+1)
	}
	return conditionFields(paths, c.Not, depth+1)
}
