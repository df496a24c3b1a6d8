package service

import (
	"context"
	"slices"
	"strings"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
)

// grant is one object and action a statement needs.
type grant struct {
	object string
	action sfgate.Action
}

func (g grant) String() string { return g.object + ":" + string(g.action) }

// fieldRef is one field of one object a statement reads or filters on.
type fieldRef struct{ object, field string }

func (f fieldRef) String() string { return f.object + "." + f.field }

// reach is what a statement reaches: the objects with the action each
// needs, and the fields read or filtered on, each once, in the order met.
//
// Reaching a parent's fields through a query (Account.Name from Contact)
// needs query on the parent, like querying it directly: the caller reads
// the parent's data either way. Reading a child set or a semi-join's
// object needs query on it too. The reference field crossed is a field
// reached (Account.Id from Contact reveals Contact.AccountId). A
// polymorphic relationship reaches every object of its referenceTo
// (Case.Owner reaches User and Group), since which one a row points to is
// only known once the data is read.
type reach struct {
	grants []grant
	fields []fieldRef
	seen   map[string]bool
	// check, when set, is asked about each grant as it is found, before
	// anything further is described; deny about each field. An error stops
	// the analysis.
	check func(grant) error
	deny  func(fieldRef) error
}

func (r *reach) need(object string, a sfgate.Action) error {
	g := grant{object, a}
	if k := "g" + strings.ToLower(g.String()); !r.seen[k] {
		r.seen[k] = true
		r.grants = append(r.grants, g)
	}
	if r.check != nil {
		return r.check(g)
	}
	return nil
}

func (r *reach) field(object, field string) error {
	f := fieldRef{object, field}
	if k := "f" + strings.ToLower(f.String()); !r.seen[k] {
		r.seen[k] = true
		r.fields = append(r.fields, f)
	}
	if r.deny != nil {
		return r.deny(f)
	}
	return nil
}

// resolver maps what a statement names onto describes.
type resolver struct {
	objs objects
	r    *reach
}

func newReach() *reach { return &reach{seen: make(map[string]bool)} }

// analyzeSOQL returns what the SOQL statement soql reaches. The
// statement's own object is described (an unknown one is not found), and
// every relationship it crosses; a statement the analyzer cannot read, or
// a relationship no describe has, is a *reachError.
func analyzeSOQL(ctx context.Context, objs objects, r *reach, soql string) error {
	q, err := parseSOQL(soql)
	if err != nil {
		return err
	}
	rs := &resolver{objs: objs, r: r}
	x, err := rs.root(ctx, q.from, sfgate.ActionQuery)
	if err != nil {
		return err
	}
	return rs.query(ctx, q, x, nil)
}

// root asks for action on the object named by tok, then describes it; an
// object the org does not have is not found.
func (rs *resolver) root(ctx context.Context, tok token, a sfgate.Action) (*metadata.Object, error) {
	x, err := rs.target(ctx, tok.text, a)
	if err == nil && x == nil {
		err = describeErr(tok.text, metadata.ErrUnknownObject)
	}
	return x, err
}

// target asks for action on the object name, then describes it; nil for
// an object the org does not have (a polymorphic relationship's target
// the org lacks, such as Group in an emulated org: no row can point to it,
// so nothing of it is read).
func (rs *resolver) target(ctx context.Context, name string, a sfgate.Action) (*metadata.Object, error) {
	if err := rs.r.need(name, a); err != nil {
		return nil, err
	}
	x, err := rs.objs.object(ctx, name)
	if err != nil || x == nil {
		return nil, err
	}
	return x, rs.r.need(x.Name, a)
}

// query resolves the names of q, whose object is x; prefixes are the
// names a path may start with that mean x itself (the alias, the object's
// name, a child subquery's relationship name).
func (rs *resolver) query(ctx context.Context, q *rquery, x *metadata.Object, prefixes []string) error {
	prefixes = append(prefixes, x.Name)
	if q.alias != "" {
		prefixes = append(prefixes, q.alias)
	}
	for _, p := range q.paths {
		if err := rs.path(ctx, x, prefixes, p); err != nil {
			return err
		}
	}
	for _, kind := range q.fields {
		for i := range x.Fields {
			f := &x.Fields[i]
			if kind == "ALL" || (kind == "CUSTOM") == f.Custom {
				if err := rs.r.field(x.Name, f.Name); err != nil {
					return err
				}
			}
		}
	}
	for i := range q.typeofs {
		if err := rs.typeOf(ctx, x, &q.typeofs[i]); err != nil {
			return err
		}
	}
	for _, sub := range q.children {
		cr, ok := x.Child(sub.from.text)
		if !ok {
			return rerr(sub.from.off, "%s has no child relationship %s", x.Name, sub.from.text)
		}
		cx, err := rs.root(ctx, token{kind: tIdent, text: cr.ChildSObject, off: sub.from.off}, sfgate.ActionQuery)
		if err != nil {
			return err
		}
		if err := rs.query(ctx, sub, cx, []string{cr.RelationshipName}); err != nil {
			return err
		}
	}
	for _, sub := range q.semis {
		sx, err := rs.root(ctx, sub.from, sfgate.ActionQuery)
		if err != nil {
			return err
		}
		if err := rs.query(ctx, sub, sx, nil); err != nil {
			return err
		}
	}
	return nil
}

// path resolves a field path from x. A first segment naming x itself (its
// alias or name) is dropped; if it is also a relationship of x, both
// readings are taken, so an ambiguity can only ask for more.
func (rs *resolver) path(ctx context.Context, x *metadata.Object, prefixes []string, tok token) error {
	segs := strings.Split(tok.text, ".")
	if len(segs) > 1 && slices.ContainsFunc(prefixes, func(p string) bool { return strings.EqualFold(p, segs[0]) }) {
		if _, rel := x.Parent(segs[0]); rel {
			if err := rs.walk(ctx, []*metadata.Object{x}, segs, tok.off); err != nil {
				return err
			}
		}
		segs = segs[1:]
	}
	return rs.walk(ctx, []*metadata.Object{x}, segs, tok.off)
}

// walk follows the relationships of segs from the objects cur (several
// behind a polymorphic relationship) and reaches the last segment's field
// on each object it arrives at.
func (rs *resolver) walk(ctx context.Context, cur []*metadata.Object, segs []string, off int) error {
	for _, seg := range segs[:len(segs)-1] {
		var targets []string
		for i, x := range cur {
			rf, ok := x.Parent(seg)
			if !ok {
				nx, err := rs.objs.refreshed(ctx, x, seg)
				if err != nil {
					return err
				}
				cur[i] = nx
				rf, ok = nx.Parent(seg)
			}
			if !ok {
				return rerr(off, "%s has no relationship %s", x.Name, seg)
			}
			if err := rs.r.field(x.Name, rf.Name); err != nil {
				return err
			}
			for _, t := range rf.ReferenceTo {
				if !slices.ContainsFunc(targets, func(s string) bool { return strings.EqualFold(s, t) }) {
					targets = append(targets, t)
				}
			}
		}
		next := make([]*metadata.Object, 0, len(targets))
		for _, t := range targets {
			tx, err := rs.target(ctx, t, sfgate.ActionQuery)
			if err != nil {
				return err
			}
			if tx != nil {
				next = append(next, tx)
			}
		}
		cur = next
	}
	last := segs[len(segs)-1]
	for _, x := range cur {
		name := last
		if df, ok := x.Field(last); ok {
			name = df.Name
		}
		if err := rs.r.field(x.Name, name); err != nil {
			return err
		}
	}
	return nil
}

// typeOf resolves TYPEOF rel WHEN T THEN … ELSE … END on x: each WHEN
// object with its fields, and with ELSE every other object of rel's
// referenceTo with the ELSE fields.
func (rs *resolver) typeOf(ctx context.Context, x *metadata.Object, to *rtypeof) error {
	rf, ok := x.Parent(to.rel.text)
	if !ok || strings.Contains(to.rel.text, ".") {
		return rerr(to.rel.off, "%s has no polymorphic relationship %s", x.Name, to.rel.text)
	}
	if err := rs.r.field(x.Name, rf.Name); err != nil {
		return err
	}
	var named []string
	for _, w := range to.whens {
		named = append(named, w.object.text)
		wx, err := rs.target(ctx, w.object.text, sfgate.ActionQuery)
		if err != nil {
			return err
		}
		if wx == nil {
			continue
		}
		for _, f := range w.fields {
			if err := rs.walk(ctx, []*metadata.Object{wx}, strings.Split(f.text, "."), f.off); err != nil {
				return err
			}
		}
	}
	if len(to.els) == 0 {
		return nil
	}
	for _, t := range rf.ReferenceTo {
		if slices.ContainsFunc(named, func(s string) bool { return strings.EqualFold(s, t) }) {
			continue
		}
		tx, err := rs.target(ctx, t, sfgate.ActionQuery)
		if err != nil {
			return err
		}
		if tx == nil {
			continue
		}
		for _, f := range to.els {
			if err := rs.walk(ctx, []*metadata.Object{tx}, strings.Split(f.text, "."), f.off); err != nil {
				return err
			}
		}
	}
	return nil
}
