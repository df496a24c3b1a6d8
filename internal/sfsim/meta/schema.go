package meta

import (
	"slices"
	"strings"
	"sync"
)

// Schema is the emulated org's set of objects. It is safe for concurrent
// use. Objects it hands out are never mutated afterwards: AddField and
// AddObject publish modified copies (copy-on-write), so a reader holding an
// *Object sees one consistent describe for as long as it keeps it.
type Schema struct {
	mu       sync.RWMutex
	byName   map[string]*Object // lower-case name → object
	byPrefix map[string]*Object // key prefix → object
	version  uint64
}

// NewSchema returns a schema holding the given objects, which it owns from
// then on. It is mostly useful for tests; Load builds the emulated org.
func NewSchema(objects ...*Object) *Schema {
	s := &Schema{byName: make(map[string]*Object), byPrefix: make(map[string]*Object)}
	for _, o := range objects {
		o.Index()
		s.put(o)
	}
	return s
}

// put publishes o. The caller holds the write lock (or owns s exclusively).
func (s *Schema) put(o *Object) {
	s.byName[strings.ToLower(o.Name)] = o
	if o.KeyPrefix != nil {
		s.byPrefix[*o.KeyPrefix] = o
	}
	s.version++
}

// Object returns the object named name, ignoring case as Salesforce does.
func (s *Schema) Object(name string) (*Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.byName[strings.ToLower(name)]
	return o, ok
}

// Objects returns every object sorted by name in byte order, as the real
// describeGlobal lists them ("AppTabMember" before "AppleDomainVerification").
func (s *Schema) Objects() []*Object {
	s.mu.RLock()
	out := make([]*Object, 0, len(s.byName))
	for _, o := range s.byName {
		out = append(out, o)
	}
	s.mu.RUnlock()
	slices.SortFunc(out, func(a, b *Object) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// ObjectByKeyPrefix returns the object whose ids start with prefix (the
// first three characters of an id; see KeyPrefix).
func (s *Schema) ObjectByKeyPrefix(prefix string) (*Object, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.byPrefix[prefix]
	return o, ok
}

// ObjectForID returns the object an id belongs to, by its key prefix.
func (s *Schema) ObjectForID(id string) (*Object, bool) {
	return s.ObjectByKeyPrefix(KeyPrefix(id))
}

// Version is a counter that changes whenever the schema does, so a caller
// can tell cheaply whether something it derived from the schema is stale.
func (s *Schema) Version() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// Clone returns an independent schema with the same objects: changes to
// either afterwards do not show in the other. Objects are shared, which is
// safe because they are immutable once published.
func (s *Schema) Clone() *Schema {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c := &Schema{
		byName:   make(map[string]*Object, len(s.byName)),
		byPrefix: make(map[string]*Object, len(s.byPrefix)),
		version:  s.version,
	}
	for k, o := range s.byName {
		c.byName[k] = o
	}
	for k, o := range s.byPrefix {
		c.byPrefix[k] = o
	}
	return c
}

// clone returns a deep copy of o that may be modified before publishing.
func (o *Object) clone() *Object {
	c := *o
	c.Fields = make([]Field, len(o.Fields))
	for i := range o.Fields {
		c.Fields[i] = o.Fields[i].clone()
	}
	c.ChildRelationships = slices.Clone(o.ChildRelationships)
	c.RecordTypeInfos = slices.Clone(o.RecordTypeInfos)
	c.SupportedScopes = slices.Clone(o.SupportedScopes)
	c.ActionOverrides = slices.Clone(o.ActionOverrides)
	c.NamedLayoutInfos = slices.Clone(o.NamedLayoutInfos)
	c.byName = nil
	c.Index()
	return &c
}

// clone copies f's slices, so the copy can be changed independently.
func (f Field) clone() Field {
	f.PicklistValues = slices.Clone(f.PicklistValues)
	f.ReferenceTo = slices.Clone(f.ReferenceTo)
	return f
}

// NameField returns the object's name field (Name, CaseNumber, …), if any.
func (o *Object) NameField() (*Field, bool) {
	for i := range o.Fields {
		if o.Fields[i].NameField {
			return &o.Fields[i], true
		}
	}
	return nil, false
}

// Prefix returns the object's key prefix, or "" if it has none.
func (o *Object) Prefix() string {
	if o.KeyPrefix == nil {
		return ""
	}
	return *o.KeyPrefix
}
