// Package orgspec builds the org-typed OpenAPI document: the generic
// api/openapi.yaml with, for each object asked for, typed record schemas
// (read, create, update) made from the object's live describe, and paths of
// its own (/v1/sobjects/Account/records, …) whose operations use them, so
// that client generators (openapi-typescript, oapi-codegen, …) produce an
// Account type that knows the org's custom fields and picklists.
//
// It speaks the domain's describe types and YAML, nothing of HTTP: the
// handlers fetch the describes (with the caller's permissions applied) and
// serve what Render or Cache returns.
package orgspec

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	str "strings"

	"go.yaml.in/yaml/v4"

	"github.com/sfgate/sfgate"
)

// MaxObjects bounds the objects one document covers: each costs a
// describe on a cold cache and adds its schemas and paths; 200 objects of
// a real Account's size make a document of about 28 MB that takes seconds
// to render (BenchmarkRender).
const MaxObjects = 200

// Ops are the operations an object's paths offer: those the object allows
// (describe's createable, updateable, …) and the caller may do.
type Ops struct {
	Create, Read, Update, Delete, Query bool
}

// Object is one object to type: its describe (as the caller may see it)
// and its operations.
type Object struct {
	Describe *sfgate.SObjectDescribe `json:"describe"`
	Ops      Ops                     `json:"ops"`
}

// input is which typed body a RecordInput becomes.
type input int

const (
	inCreate input = iota
	inUpdate
)

// operation is one generic operation that an object gets a typed copy of.
type operation struct {
	method string
	// verb + the object's name is the copy's operationId (createAccount,
	// queryInvoice__c): unique per object, as generators need.
	verb string
	on   func(Ops) bool
	in   input
}

// templates are the generic paths copied per object, and which of their
// operations; an operation the generic document lacks is skipped, so the
// package follows whatever the document holds. Upsert, batch and merge are
// left generic: their bodies mix creates and updates.
var templates = []struct {
	path string
	ops  []operation
}{
	{"/v1/sobjects/{sobject}/records", []operation{
		{"post", "create", func(o Ops) bool { return o.Create }, inCreate},
	}},
	{"/v1/sobjects/{sobject}/records/{id}", []operation{
		{"get", "get", func(o Ops) bool { return o.Read }, inUpdate},
		{"patch", "update", func(o Ops) bool { return o.Update }, inUpdate},
		{"delete", "delete", func(o Ops) bool { return o.Delete }, inUpdate},
	}},
	{"/v1/sobjects/{sobject}/query", []operation{
		{"post", "query", func(o Ops) bool { return o.Query }, inUpdate},
	}},
	{"/v1/sobjects/{sobject}/query/stream", []operation{
		{"post", "streamQuery", func(o Ops) bool { return o.Query }, inUpdate},
	}},
}

// opLinks are the operation extensions that name another operation by its
// operationId (the JSON query's NDJSON twin): in a typed copy they name
// the twin's typed copy, when the object has one.
var opLinks = []string{"x-ndjson-operation"}

// The generic schemas the typed ones stand in for.
const (
	schemas     = "#/components/schemas/"
	recordRef   = schemas + "Record"
	recordInRef = schemas + "RecordInput"
)

// ErrNameClash is a typed name (Account, AccountCreate, a path) that the
// generic document already uses.
var ErrNameClash = errors.New("orgspec: name already used by the generic document")

// Render returns generic (an OpenAPI 3.0 document in YAML) with objs typed
// in, in YAML.
func Render(generic []byte, objs []Object) ([]byte, error) {
	if len(objs) > MaxObjects {
		return nil, fmt.Errorf("orgspec: %d objects, more than the %d one document covers", len(objs), MaxObjects)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(generic, &doc); err != nil {
		return nil, fmt.Errorf("orgspec: parse the generic document: %w", err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, errors.New("orgspec: the generic document is not a YAML mapping")
	}
	root := doc.Content[0]
	comps := child(root, "components")
	paths := child(root, "paths")
	for _, o := range objs {
		if err := addObject(root, comps, paths, o); err != nil {
			return nil, err
		}
	}
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.Describe.Name
	}
	info := child(root, "info")
	desc := ""
	if d := get(info, "description"); d != nil {
		desc = str.TrimRight(d.Value, "\n") + "\n\n"
	}
	add(info, "description", desc+"This copy is typed for the org's objects "+str.Join(names, ", ")+
		" from their describes as the gateway holds them (GET /openapi.yaml?sobjects=…): each has read, create and update schemas and paths of its own.\n",
		"x-sfgate-sobjects", strings(names))
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return nil, fmt.Errorf("orgspec: encode: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("orgspec: encode: %w", err)
	}
	return b.Bytes(), nil
}

// child returns the mapping under key k of m, adding an empty one if m has
// none.
func child(m *yaml.Node, k string) *yaml.Node {
	c := get(m, k)
	if c == nil || c.Kind != yaml.MappingNode {
		c = mapping()
		add(m, k, c)
	}
	return c
}

func addObject(root, comps, paths *yaml.Node, o Object) error {
	d := o.Describe
	name := d.Name
	t := &typer{comps: comps, obj: name, read: name, create: name + "Create", update: name + "Update", memo: map[string]string{}}
	sch := child(comps, "schemas")
	for _, n := range []string{t.read, t.create, t.update} {
		if get(sch, n) != nil {
			return fmt.Errorf("%w: schema %s", ErrNameClash, n)
		}
	}
	r, c, u := recordSchemas(d, t.read, t.create, t.update)
	add(sch, t.read, r, t.create, c, t.update, u)

	tags := get(root, "tags")
	if tags == nil || tags.Kind != yaml.SequenceNode {
		tags = &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		add(root, "tags", tags)
	}
	if !slices.ContainsFunc(tags.Content, func(n *yaml.Node) bool { return get(n, "name") != nil && get(n, "name").Value == name }) {
		label := d.LabelPlural
		if label == "" {
			label = name
		}
		tags.Content = append(tags.Content, mapping("name", name, "description", label+", typed from the org's describe."))
	}

	ids := map[string]string{} // generic operationId → the object's
	var copies []*yaml.Node
	for _, tp := range templates {
		item := get(paths, tp.path)
		if item == nil {
			continue
		}
		typed := mapping()
		if ps := get(item, "parameters"); ps != nil {
			if kept := t.params(ps); len(kept.Content) > 0 {
				add(typed, "parameters", kept)
			}
		}
		ops := 0
		for _, op := range tp.ops {
			g := get(item, op.method)
			if g == nil || !op.on(o.Ops) {
				continue
			}
			cp := clone(g)
			if id := get(g, "operationId"); id != nil {
				ids[id.Value] = op.verb + name
			}
			copies = append(copies, cp)
			add(cp, "operationId", op.verb+name, "tags", strings([]string{name}))
			if ps := get(cp, "parameters"); ps != nil {
				add(cp, "parameters", t.params(ps))
			}
			t.in = op.in
			t.walk(cp, false)
			add(typed, op.method, cp)
			ops++
		}
		if ops == 0 {
			continue
		}
		p := str.Replace(tp.path, "{sobject}", name, 1)
		if get(paths, p) != nil {
			return fmt.Errorf("%w: path %s", ErrNameClash, p)
		}
		add(paths, p, typed)
	}
	for _, cp := range copies {
		for _, k := range opLinks {
			if v := get(cp, k); v != nil {
				if id, ok := ids[v.Value]; ok {
					v.Value = id
				} else {
					del(cp, k)
				}
			}
		}
	}
	return nil
}

// typer retypes one object's copies of generic operations: the generic
// Record becomes the object's read schema and RecordInput its create or
// update schema, and every component that reaches either (QueryResult
// through records, the QueryAnswer response, …) gets a typed copy named
// after the object.
type typer struct {
	comps                     *yaml.Node
	obj, read, create, update string
	in                        input
	memo                      map[string]string
}

// params returns the parameters of ps without the {sobject} path
// parameter, which the typed path spells out.
func (t *typer) params(ps *yaml.Node) *yaml.Node {
	out := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
	for _, p := range ps.Content {
		q := p
		if ref := get(p, "$ref"); ref != nil {
			q = t.target(ref.Value)
		}
		if get(q, "in") != nil && get(q, "in").Value == "path" && get(q, "name") != nil && get(q, "name").Value == "sobject" {
			continue
		}
		out.Content = append(out.Content, clone(p))
	}
	return out
}

// target returns the component a local $ref names, or nil.
func (t *typer) target(ref string) *yaml.Node {
	kind, name, ok := splitRef(ref)
	if !ok {
		return nil
	}
	return get(get(t.comps, kind), name)
}

// splitRef splits "#/components/<kind>/<name>".
func splitRef(ref string) (kind, name string, ok bool) {
	rest, ok := str.CutPrefix(ref, "#/components/")
	if !ok {
		return "", "", false
	}
	kind, name, ok = str.Cut(rest, "/")
	return kind, name, ok && !str.Contains(name, "/")
}

// walk retypes the $refs under n and reports whether any changed. The
// examples of what changed are dropped: written for the generic record,
// they need not fit the object's schema.
func (t *typer) walk(n *yaml.Node, props bool) bool {
	changed := false
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i].Value, n.Content[i+1]
			if k == "$ref" && v.Kind == yaml.ScalarNode && !props {
				if nr := t.ref(v.Value); nr != v.Value {
					v.Value, changed = nr, true
				}
				continue
			}
			if t.walk(v, k == "properties" && !props) {
				changed = true
			}
		}
		if changed && !props {
			del(n, "example")
			del(n, "examples")
		}
	case yaml.SequenceNode:
		for _, c := range n.Content {
			if t.walk(c, false) {
				changed = true
			}
		}
	}
	return changed
}

// ref returns the $ref that stands for ref in the object's copy.
func (t *typer) ref(ref string) string {
	switch ref {
	case recordRef:
		return schemas + t.read
	case recordInRef:
		if t.in == inCreate {
			return schemas + t.create
		}
		return schemas + t.update
	}
	kind, name, ok := splitRef(ref)
	if !ok {
		return ref
	}
	reachesIn := t.reaches(ref, recordInRef, map[string]bool{})
	if !reachesIn && !t.reaches(ref, recordRef, map[string]bool{}) {
		return ref
	}
	newName := t.obj + name
	if reachesIn {
		newName = t.obj + [...]string{"Create", "Update"}[t.in] + name
	}
	nr := "#/components/" + kind + "/" + newName
	if _, done := t.memo[nr]; done {
		return nr
	}
	t.memo[nr] = ref
	c := clone(t.target(ref))
	t.walk(c, false)
	add(child(t.comps, kind), newName, c)
	return nr
}

// reaches reports whether the component ref names refers to want,
// directly or through other components.
func (t *typer) reaches(ref, want string, seen map[string]bool) bool {
	if ref == want {
		return true
	}
	if seen[ref] {
		return false
	}
	seen[ref] = true
	var found bool
	var visit func(n *yaml.Node)
	visit = func(n *yaml.Node) {
		if n == nil || found {
			return
		}
		if n.Kind == yaml.MappingNode {
			if r := get(n, "$ref"); r != nil && r.Kind == yaml.ScalarNode && t.reaches(r.Value, want, seen) {
				found = true
				return
			}
		}
		for _, c := range n.Content {
			visit(c)
		}
	}
	visit(t.target(ref))
	return found
}
