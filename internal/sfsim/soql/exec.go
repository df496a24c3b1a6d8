package soql

import (
	"slices"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// Source is the org snapshot a query runs over. The SOAP server implements
// it over its store.
type Source interface {
	// Object finds an sObject's describe by name, ignoring case.
	Object(name string) (*meta.Object, bool)
	// Records returns every stored row of the object (named in describe
	// case), including rows in the recycle bin (IsDeleted "true"). The engine
	// only reads the slice and the maps.
	Records(object string) []meta.Record
	// Get finds any record by a 15- or 18-character id and names its object.
	Get(id string) (object string, rec meta.Record, ok bool)
}

// Options are the per-call settings of a query.
type Options struct {
	// IncludeDeleted is queryAll: rows in the recycle bin are returned too.
	IncludeDeleted bool
	// Now anchors date literals (TODAY, LAST_N_DAYS:n, …); zero means
	// time.Now().
	Now time.Time
	// Location is the user's time zone, which decides where a day starts for
	// date literals on dateTime fields; nil means UTC.
	Location *time.Location
	// Defer leaves the top-level rows of a record query unbuilt: the query
	// is filtered, sorted and sized as usual, but Result.Rows stays nil and
	// Result.Page builds the rows of one page when asked. COUNT() and
	// aggregate results are built at once all the same.
	Defer bool
}

// ItemKind tells what a Row item holds.
type ItemKind int

// The kinds of Row item.
const (
	ItemScalar   ItemKind = iota // Value, or Null
	ItemParent                   // Parent, nil when the lookup is empty
	ItemChildren                 // Children, nil when the subquery found nothing
	ItemCompound                 // Compound (address or location), or Null
)

// Item is one selected element of a row, in SELECT order. Name is the field
// or relationship name in describe case, which is also the XML element name.
type Item struct {
	Kind     ItemKind
	Name     string
	Value    string // Salesforce wire form, as stored
	Null     bool
	Parent   *Row
	Children *Result
	Compound *Compound
	// XSIType is the xsi:type an AggregateResult value carries (xsd:int,
	// xsd:double, xsd:string, …); empty for record fields, which the
	// partner WSDL writes untyped.
	XSIType string
}

// Compound is an address or location value assembled from its component
// fields. Type is "address" or "location", the xsi:type the partner WSDL
// gives it; Fields are all the type's elements in WSDL order.
type Compound struct {
	Type   string
	Fields []CompoundField
}

// CompoundField is one element of a compound value (latitude, street, …).
type CompoundField struct {
	Name  string
	Value string
	Null  bool
}

// Row is one record of a result. Type is its sObject type; ID its record id.
// The partner WSDL writes the sObject's own Id element nil unless Id was
// selected at this level, which IDSelected reports.
type Row struct {
	Type       string
	ID         string
	IDSelected bool
	Items      []Item
}

// Result is the answer to a query or a child subquery. Size is the number of
// rows (for COUNT() the count, with no Rows). All rows after LIMIT and OFFSET
// are returned; batching them into queryMore pages is the caller's job.
//
// A result run with Options.Defer keeps the matched records instead of Rows;
// Len and Page serve both kinds.
type Result struct {
	Size  int
	Rows  []*Row
	Count bool
	// Aggregate reports AggregateResult rows (aggregate functions or GROUP
	// BY), which Salesforce never pages with a locator.
	Aggregate bool

	deferred *deferred
}

// deferred is what building a deferred result's rows needs: the selected
// records in result order and the plan that projects them.
type deferred struct {
	src  Source
	opt  Options // Now resolved, so a later page sees the same date literals
	p    *plan
	recs []meta.Record
}

// Len is the number of rows the result holds: len(Rows), or for a deferred
// result the number of records Page can build.
func (r *Result) Len() int {
	if r.deferred != nil {
		return len(r.deferred.recs)
	}
	return len(r.Rows)
}

// Page returns rows [off, end) of the result; the bounds must lie within
// [0, Len()]. A built result hands out a subslice of Rows. A deferred one
// builds the rows now, reading parents and child subqueries from the
// Source the query ran over, so the caller must make reading that Source
// safe exactly as for Execute (the server holds its store's read lock). The
// records themselves are those the query selected; parent and child values
// are the Source's at the time of the call.
func (r *Result) Page(off, end int) []*Row {
	d := r.deferred
	if d == nil {
		return r.Rows[off:end]
	}
	ex := newExec(d.src, d.opt)
	rows := make([]*Row, end-off)
	for i, rec := range d.recs[off:end] {
		rows[i] = ex.buildRow(d.p.root, d.p.obj.Name, rec)
	}
	return rows
}

// Run parses and executes text in one step.
func Run(text string, src Source, opt Options) (*Result, error) {
	q, err := Parse(text)
	if err != nil {
		return nil, err
	}
	return Execute(q, src, opt)
}

// Execute checks q against src's schema and evaluates it. Schema problems
// come back as *Error (INVALID_TYPE, INVALID_FIELD, …) positioned in the
// query text.
func Execute(q *Query, src Source, opt Options) (*Result, error) {
	ex := newExec(src, opt)
	obj, err := ex.object(q)
	if err != nil {
		return nil, err
	}
	p, err := ex.compile(q, obj, 0)
	if err != nil {
		return nil, err
	}
	if opt.Defer && !p.count && p.agg == nil {
		recs := ex.selectRows(p, src.Records(obj.Name))
		return &Result{Size: len(recs), deferred: &deferred{src: src, opt: ex.opt, p: p, recs: recs}}, nil
	}
	return ex.run(p, src.Records(obj.Name)), nil
}

type exec struct {
	src      Source
	opt      Options
	loc      *time.Location
	today    time.Time
	parents  map[string]parentRec
	children map[*plan]map[string][]meta.Record
	semis    map[*plan]map[string]bool
}

type parentRec struct {
	obj string
	rec meta.Record
	ok  bool
}

func newExec(src Source, opt Options) *exec {
	loc := opt.Location
	if loc == nil {
		loc = time.UTC
	}
	now := opt.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.In(loc)
	opt.Now = now
	return &exec{
		src: src, opt: opt, loc: loc,
		today:    time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc),
		parents:  map[string]parentRec{},
		children: map[*plan]map[string][]meta.Record{},
		semis:    map[*plan]map[string]bool{},
	}
}

func (ex *exec) object(q *Query) (*meta.Object, *Error) {
	obj, ok := ex.src.Object(q.From.Text)
	if !ok {
		return nil, errorAt(CodeInvalidType, q.text, q.From.Off,
			"sObject type '"+q.From.Text+"' is not supported."+customObjectHint)
	}
	return obj, nil
}

// get finds a parent record, once per id per execution.
func (ex *exec) get(id string) parentRec {
	if p, ok := ex.parents[id]; ok {
		return p
	}
	obj, rec, ok := ex.src.Get(id)
	p := parentRec{obj: obj, rec: rec, ok: ok}
	ex.parents[id] = p
	return p
}

// fieldRef is a resolved field path: the reference fields walked, then the
// leaf field.
type fieldRef struct {
	rels     []*meta.Field
	relNames []string
	objs     []*meta.Object // objs[i] is the object rels[i] points to
	leaf     *meta.Field
	owner    *meta.Object // the object that holds leaf
	path     string       // describe case, dotted
}

// value reads the path from rec, following lookups.
func (ex *exec) value(rec meta.Record, f *fieldRef) (string, bool) {
	obj := ""
	for _, r := range f.rels {
		p := parentRec{}
		if id := rec[r.Name]; id != "" {
			p = ex.get(id)
		}
		if !p.ok {
			if f.leaf.Type == "boolean" {
				return "false", true // also on a missing parent (docs: outer joins)
			}
			return "", false
		}
		rec = p.rec
		obj = p.obj
	}
	var v string
	if f.owner == nameObject {
		v = nameValue(obj, rec, f.leaf.Name)
	} else {
		v = rec[f.leaf.Name]
	}
	if v == "" {
		if f.leaf.Type == "boolean" {
			// Booleans are never null in Salesforce: an unset one is false.
			return "false", true
		}
		return "", false
	}
	return v, true
}

// resolve checks a field path against obj. alias is the FROM alias, which
// (like the object's own name) may prefix a path.
func (ex *exec) resolve(q *Query, obj *meta.Object, n Name) (*fieldRef, *Error) {
	parts := n.Parts()
	if len(parts) > 1 {
		first := parts[0]
		_, isRel := obj.ParentRelationship(first)
		if (q.Alias != "" && strings.EqualFold(first, q.Alias)) || (!isRel && strings.EqualFold(first, obj.Name)) {
			parts = parts[1:]
		}
	}
	if len(parts)-1 > maxRelationshipDepth {
		return nil, errorAt(CodeMalformedQuery, q.text, n.Off,
			"SOQL statements cannot query relationships that are more than 5 levels away from the root entity object.")
	}
	ref := &fieldRef{}
	cands := []*meta.Object{obj}
	entity := obj.Name
	var names []string
	for _, seg := range parts[:len(parts)-1] {
		var rel *meta.Field
		for _, c := range cands {
			if f, ok := c.ParentRelationship(seg); ok {
				rel = f
				break
			}
		}
		if rel == nil {
			return nil, errorAt(CodeInvalidField, q.text, n.Off,
				"Didn't understand relationship '"+seg+"' in field path."+customRelationshipHint)
		}
		cands = cands[:0:0]
		for _, to := range rel.ReferenceTo {
			if o, ok := ex.src.Object(to); ok {
				cands = append(cands, o)
			}
		}
		if len(cands) == 0 {
			return nil, errorAt(CodeInvalidField, q.text, n.Off,
				"Didn't understand relationship '"+seg+"' in field path."+customRelationshipHint)
		}
		entity = cands[0].Name
		if len(rel.ReferenceTo) > 1 {
			entity = "Name" // polymorphic lookups point at the Name entity
		}
		ref.rels = append(ref.rels, rel)
		ref.relNames = append(ref.relNames, *rel.RelationshipName)
		ref.objs = append(ref.objs, cands[0])
		names = append(names, *rel.RelationshipName)
	}
	last := parts[len(parts)-1]
	if entity == "Name" {
		if f, ok := nameObject.Field(last); ok {
			ref.leaf, ref.owner = f, nameObject
		}
	}
	for _, c := range cands {
		if entity == "Name" {
			break
		}
		if f, ok := c.Field(last); ok {
			ref.leaf, ref.owner = f, c
			break
		}
	}
	if ref.leaf == nil {
		return nil, errorAt(CodeInvalidField, q.text, n.Off,
			"No such column '"+last+"' on entity '"+entity+"'."+customFieldHint)
	}
	ref.path = strings.Join(append(names, ref.leaf.Name), ".")
	return ref, nil
}

// node is one object level of the output shape.
type node struct {
	entries    []*entry
	idSelected bool
	// poly marks a polymorphic parent read as the Name entity: the row is
	// typed Name and its fields come from nameValue.
	poly bool
}

type entry struct {
	kind  ItemKind
	name  string
	field *meta.Field // scalar or compound leaf; the lookup field for parents
	comps []compPart  // compound components
	child *node       // parent relationship
	sub   *plan       // child subquery
	fn    string      // TOLABEL, FORMAT or CONVERTCURRENCY applied to a scalar
	// typeOf holds a TYPEOF's field lists by lower-case object type; other
	// types use child (the ELSE list, nil without ELSE).
	typeOf map[string]*node
}

type compPart struct {
	name  string
	field string // stored component field, "" when the object lacks it
}

// plan is a compiled query or subquery.
type plan struct {
	q        *Query
	obj      *meta.Object
	root     *node
	where    pred
	order    []orderKey
	limit    int // -1 when absent
	offset   int
	count    bool
	agg      *aggPlan // aggregate functions or GROUP BY: AggregateResult rows
	linkName string   // child subqueries: the child's lookup to the parent
	relName  string   // child subqueries: the relationship name, describe case
}

type orderKey struct {
	ref        *fieldRef
	ranks      map[string]int // picklists sort in their defined order
	cat        category
	desc       bool
	nullsFirst bool
}

func (ex *exec) compile(q *Query, obj *meta.Object, depth int) (*plan, *Error) {
	p := &plan{q: q, obj: obj, root: &node{}, limit: -1, count: q.Count}
	if q.Offset != nil {
		if *q.Offset > maxOffset {
			// Reported without echo or position (real REST error bodies).
			return nil, plainError(CodeNumberOutsideRange, "Maximum SOQL offset allowed is 2000")
		}
		p.offset = *q.Offset
	}
	if q.Limit != nil {
		p.limit = *q.Limit
	}
	if isAggregate(q) {
		if err := ex.compileAggregate(p, depth); err != nil {
			return nil, err
		}
	} else if err := ex.compileSelect(p, depth); err != nil {
		return nil, err
	}
	if q.Where != nil {
		w, err := ex.compileExpr(q, obj, q.Where, depth)
		if err != nil {
			return nil, err
		}
		p.where = w
	}
	if p.agg != nil {
		return p, nil // ORDER BY, LIMIT and OFFSET apply to the groups
	}
	for _, o := range q.OrderBy {
		if o.Agg != nil {
			return nil, errorAt(CodeMalformedQuery, q.text, o.Agg.FuncOff, "unexpected token: '"+o.Agg.Func+"'")
		}
		ref, err := ex.resolve(q, obj, o.Field)
		if err != nil {
			return nil, err
		}
		if !ref.leaf.Sortable {
			return nil, errorAt(CodeInvalidField, q.text, o.Field.Off,
				"field '"+ref.leaf.Name+"' can not be sorted in a query call")
		}
		k := orderKey{ref: ref, cat: categoryOf(ref.leaf), desc: o.Desc, nullsFirst: o.NullsFirst}
		if ref.leaf.Type == "picklist" && len(ref.leaf.PicklistValues) > 0 {
			// "Picklist sorting is defined by the picklist sort determined
			// during setup" (SOQL ORDER BY docs); unknown values sort last.
			k.ranks = make(map[string]int, len(ref.leaf.PicklistValues))
			for i, v := range ref.leaf.PicklistValues {
				k.ranks[strings.ToLower(v.Value)] = i
			}
		}
		p.order = append(p.order, k)
	}
	return p, nil
}

// place adds a resolved path to the output shape: lookups nest, and all
// fields under one relationship share the nested row created where the
// relationship first appears.
func (ex *exec) place(root *node, ref *fieldRef) *entry {
	n := root
	for i, rel := range ref.rels {
		var e *entry
		for _, c := range n.entries {
			if c.kind == ItemParent && c.field == rel {
				e = c
				break
			}
		}
		if e == nil {
			e = &entry{kind: ItemParent, name: ref.relNames[i], field: rel, child: &node{poly: len(rel.ReferenceTo) > 1}}
			n.entries = append(n.entries, e)
		}
		n = e.child
	}
	e := &entry{kind: ItemScalar, name: ref.leaf.Name, field: ref.leaf}
	if categoryOf(ref.leaf) == catCompound {
		e.kind = ItemCompound
		e.comps = compoundParts(ref.owner, ref.leaf)
	}
	if strings.EqualFold(ref.leaf.Name, "Id") {
		n.idSelected = true
	}
	n.entries = append(n.entries, e)
	return e
}

// compoundParts maps a compound field to the stored component fields whose
// compoundFieldName names it (BillingAddress → BillingStreet, …), in the
// element order of the WSDL's address and location types.
func compoundParts(owner *meta.Object, f *meta.Field) []compPart {
	names := []string{"latitude", "longitude"}
	if f.Type == "address" {
		names = append(names, "city", "country", "countryCode", "geocodeAccuracy", "postalCode", "state", "stateCode", "street")
	}
	parts := make([]compPart, len(names))
	for i, n := range names {
		parts[i].name = n
	}
	if owner == nil {
		return parts
	}
	prefix := strings.TrimSuffix(f.Name, "Address")
	if strings.HasSuffix(f.Name, "__c") { // custom geolocation Loc__c → Loc__Latitude__s
		prefix = strings.TrimSuffix(f.Name, "__c") + "__"
	}
	for _, c := range owner.Fields {
		if c.CompoundFieldName == nil || *c.CompoundFieldName != f.Name {
			continue
		}
		suffix := strings.TrimSuffix(strings.TrimPrefix(c.Name, prefix), "__s")
		for i := range parts {
			if strings.EqualFold(parts[i].name, suffix) {
				parts[i].field = c.Name
			}
		}
	}
	return parts
}

func (ex *exec) compileChild(outer *Query, obj *meta.Object, sub *Query, depth int) (*plan, *Error) {
	cr, ok := obj.ChildRelationship(sub.From.Text)
	var child *meta.Object
	if ok {
		if child, ok = ex.src.Object(cr.ChildSObject); !ok {
			child, ok = meta.UnemulatedChild(cr, obj.Name), true
		}
	}
	if !ok {
		return nil, errorAt(CodeInvalidType, outer.text, sub.From.Off,
			"Didn't understand relationship '"+sub.From.Text+"' in FROM part of query call."+customRelationshipHint)
	}
	sp, err := ex.compile(sub, child, depth+1)
	if err != nil {
		return nil, err
	}
	sp.linkName, sp.relName = cr.Field, *cr.RelationshipName
	return sp, nil
}

// run evaluates a compiled plan over candidate rows.
func (ex *exec) run(p *plan, recs []meta.Record) *Result {
	rows := ex.selectRows(p, recs)
	if p.count {
		return &Result{Size: len(rows), Count: true}
	}
	if p.agg != nil {
		return ex.runAggregate(p, rows)
	}
	res := &Result{Size: len(rows), Rows: make([]*Row, len(rows))}
	for i, r := range rows {
		res.Rows[i] = ex.buildRow(p.root, p.obj.Name, r)
	}
	return res
}

// selectRows filters, sorts and slices.
func (ex *exec) selectRows(p *plan, recs []meta.Record) []meta.Record {
	var rows []meta.Record
	for _, r := range recs {
		if !ex.opt.IncludeDeleted && r["IsDeleted"] == "true" {
			continue
		}
		if p.where != nil && !p.where(ex, r) {
			continue
		}
		rows = append(rows, r)
	}
	if len(p.order) > 0 {
		type keyed struct {
			rec  meta.Record
			pos  int
			keys []sortKey
		}
		ks := make([]keyed, len(rows))
		flat := make([]sortKey, len(rows)*len(p.order))
		for i, r := range rows {
			ks[i] = keyed{rec: r, pos: i, keys: flat[i*len(p.order) : (i+1)*len(p.order)]}
			for j, o := range p.order {
				v, ok := ex.value(r, o.ref)
				ks[i].keys[j] = makeSortKey(o.cat, v, ok, ex.loc)
				if o.ranks != nil && ok {
					r, known := o.ranks[strings.ToLower(v)]
					if !known {
						r = len(o.ranks)
					}
					ks[i].keys[j].rank = r
				}
			}
		}
		// Ties keep source order (pos), like a stable sort, at the cost of
		// an unstable one.
		slices.SortFunc(ks, func(a, b keyed) int {
			for j, o := range p.order {
				x, y := a.keys[j], b.keys[j]
				if x.null || y.null {
					if x.null == y.null {
						continue
					}
					if x.null == o.nullsFirst {
						return -1
					}
					return 1
				}
				c := compareKeys(x, y)
				if o.desc {
					c = -c
				}
				if c != 0 {
					return c
				}
			}
			return a.pos - b.pos
		})
		for i := range ks {
			rows[i] = ks[i].rec
		}
	}
	if p.offset > 0 {
		if p.offset >= len(rows) {
			rows = nil
		} else {
			rows = rows[p.offset:]
		}
	}
	if p.limit >= 0 && p.limit < len(rows) {
		rows = rows[:p.limit]
	}
	return rows
}

func (ex *exec) buildRow(n *node, objName string, rec meta.Record) *Row {
	row := &Row{Type: objName, ID: rec["Id"], IDSelected: n.idSelected, Items: make([]Item, 0, len(n.entries))}
	if n.poly {
		row.Type = "Name"
	}
	for _, e := range n.entries {
		it := Item{Kind: e.kind, Name: e.name}
		switch e.kind {
		case ItemScalar:
			if n.poly {
				it.Value = nameValue(objName, rec, e.field.Name)
			} else {
				it.Value = rec[e.field.Name]
			}
			if it.Value == "" && e.field.Type == "boolean" {
				it.Value = "false"
			}
			if e.fn != "" && it.Value != "" {
				it.Value = ex.applyFunc(e.fn, e.field, it.Value)
			}
			it.Null = it.Value == ""
		case ItemCompound:
			c := &Compound{Type: e.field.Type, Fields: make([]CompoundField, len(e.comps))}
			has := false
			for i, part := range e.comps {
				v := ""
				if part.field != "" {
					v = rec[part.field]
				}
				c.Fields[i] = CompoundField{Name: part.name, Value: v, Null: v == ""}
				has = has || v != ""
			}
			if has {
				it.Compound = c
			} else {
				it.Null = true
			}
		case ItemParent:
			if id := rec[e.field.Name]; id != "" {
				if p := ex.get(id); p.ok {
					it.Parent = ex.buildParent(e, p)
				}
			}
			it.Null = it.Parent == nil
		case ItemChildren:
			kids := ex.childRecords(e.sub)[canonID(rec["Id"])]
			if len(kids) > 0 {
				if r := ex.run(e.sub, kids); r.Size > 0 {
					it.Children = r
				}
			}
			it.Null = it.Children == nil
		}
		row.Items = append(row.Items, it)
	}
	return row
}

// childRecords indexes a subquery's object by its lookup to the parent, once
// per execution.
func (ex *exec) childRecords(p *plan) map[string][]meta.Record {
	if m, ok := ex.children[p]; ok {
		return m
	}
	m := map[string][]meta.Record{}
	for _, r := range ex.src.Records(p.obj.Name) {
		if id := r[p.linkName]; id != "" {
			k := canonID(id)
			m[k] = append(m[k], r)
		}
	}
	ex.children[p] = m
	return m
}
