// Package metadata is the describe metadata service: describeGlobal and
// describeSObject answers cached across replicas for DESCRIBE_TTL, field
// lookups that refresh a describe once, early, when a request names a field
// it lacks (so a custom field an admin just added works at once), and
// invalidation on demand across replicas.
package metadata

import (
	"bytes"
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Defaults.
const (
	// DefaultTTL is DESCRIBE_TTL's default.
	DefaultTTL = 5 * time.Minute
	// DefaultLocalTTL caps the in-process copy, so an invalidation missed
	// while Redis was unreachable heals soon.
	DefaultLocalTTL = 30 * time.Second
	// DefaultMinRefreshAge is how old a describe that was itself fetched
	// by an early refresh must be before an unknown field (or
	// INVALID_FIELD) may refresh it again. A describe loaded normally (first
	// use, TTL) may be refreshed at once, so a new field works in the very
	// next call; junk names cost at most one describe per object per this
	// interval across all replicas, because the refreshed describe is
	// shared.
	DefaultMinRefreshAge = 2 * time.Second
)

// Describer is what the service needs of the Salesforce client;
// *salesforce.Client satisfies it (cmd/gateway checks).
type Describer interface {
	DescribeGlobal(ctx context.Context) (*partner.DescribeGlobalResult, error)
	DescribeSObject(ctx context.Context, sObjectType string) (*partner.DescribeSObjectResult, error)
}

// Cache is what the service needs of the two-level cache; *cache.Tiered
// satisfies it.
type Cache interface {
	GetOrLoad(ctx context.Context, key string, o cache.LoadOptions, load func(ctx context.Context) ([]byte, error)) ([]byte, error)
	Refresh(ctx context.Context, key string, stale []byte, o cache.LoadOptions, load func(ctx context.Context) ([]byte, error)) ([]byte, error)
	Invalidate(ctx context.Context, key string) error
	InvalidatePrefix(ctx context.Context, prefix string) error
}

var _ Cache = (*cache.Tiered)(nil)

// Config configures a Service.
type Config struct {
	// Connection is the connection name; it scopes the cache keys.
	Connection string
	// Client calls describeGlobal and describeSObject.
	Client Describer
	// Cache is the shared two-level cache.
	Cache Cache
	// TTL is DESCRIBE_TTL (default DefaultTTL).
	TTL time.Duration
	// LocalTTL caps the in-process copy (default DefaultLocalTTL, never
	// above TTL).
	LocalTTL time.Duration
	// MinRefreshAge overrides DefaultMinRefreshAge.
	MinRefreshAge time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Service answers describe questions for one connection. It is safe for
// concurrent use.
type Service struct {
	cfg Config
	lo  cache.LoadOptions

	mu      sync.Mutex
	objects map[string]*decodedObject // by cache key
	global  *decodedGlobal
	// refreshedAt is when this process last asked for each object's
	// describe to be refreshed (by cache key); see refresh.
	refreshedAt map[string]time.Time
	// refreshing holds a channel per refresh under way, closed when it ends.
	refreshing map[string]chan struct{}
}

// ErrUnknownObject matches (errors.Is) an UnknownObjectError.
var ErrUnknownObject = errors.New("metadata: unknown object")

// ErrUnknownField matches (errors.Is) an UnknownFieldError.
var ErrUnknownField = errors.New("metadata: unknown field")

// UnknownObjectError says the org has no object of that name (as of a
// describeGlobal at most MinRefreshAge old).
type UnknownObjectError struct{ Object string }

func (e *UnknownObjectError) Error() string {
	return fmt.Sprintf("metadata: the org has no object %q", e.Object)
}

// Is matches ErrUnknownObject.
func (e *UnknownObjectError) Is(target error) bool { return target == ErrUnknownObject }

// UnknownFieldError says an object has none of the named fields, even
// after refreshing its describe.
type UnknownFieldError struct {
	Object string
	Fields []string
}

func (e *UnknownFieldError) Error() string {
	return fmt.Sprintf("metadata: %s has no field %s", e.Object, strings.Join(e.Fields, ", "))
}

// Is matches ErrUnknownField.
func (e *UnknownFieldError) Is(target error) bool { return target == ErrUnknownField }

// ErrEmptyDescribe matches (errors.Is) an EmptyDescribeError.
var ErrEmptyDescribe = errors.New("metadata: empty describe")

// EmptyDescribeError says Salesforce answered a describeSObject without
// the object's name or without a single field. Every object has a name
// and at least its Id, so such an answer is Salesforce failing, not the
// object: it is refused, and never cached, so the next request asks
// again instead of checking records against nothing for DESCRIBE_TTL.
type EmptyDescribeError struct {
	Object string
	// Missing says what the answer lacked: "name" or "fields".
	Missing string
}

func (e *EmptyDescribeError) Error() string {
	return fmt.Sprintf("metadata: Salesforce described %q without %s", e.Object, e.Missing)
}

// Is matches ErrEmptyDescribe.
func (e *EmptyDescribeError) Is(target error) bool { return target == ErrEmptyDescribe }

// checkDescribe refuses a describe of object that has no name or no
// fields (EmptyDescribeError).
func checkDescribe(object string, r *partner.DescribeSObjectResult) error {
	switch {
	case r == nil || strings.TrimSpace(r.Name) == "":
		return &EmptyDescribeError{Object: object, Missing: "name"}
	case len(r.Fields) == 0:
		return &EmptyDescribeError{Object: object, Missing: "fields"}
	}
	return nil
}

// New returns a Service.
func New(cfg Config) (*Service, error) {
	if cfg.Connection == "" || cfg.Client == nil || cfg.Cache == nil {
		return nil, errors.New("metadata: Connection, Client and Cache are required")
	}
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.LocalTTL <= 0 {
		cfg.LocalTTL = DefaultLocalTTL
	}
	cfg.LocalTTL = min(cfg.LocalTTL, cfg.TTL)
	if cfg.MinRefreshAge <= 0 {
		cfg.MinRefreshAge = DefaultMinRefreshAge
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Service{
		cfg:         cfg,
		lo:          cache.LoadOptions{LocalTTL: cfg.LocalTTL, SharedTTL: cfg.TTL},
		objects:     make(map[string]*decodedObject),
		refreshedAt: make(map[string]time.Time),
		refreshing:  make(map[string]chan struct{}),
	}, nil
}

// Object is a cached describe with its index: fields, parent relationships
// and child relationships, each matched case-insensitively as Salesforce
// matches names. The index is built once, when the describe is decoded, and
// serves every request that uses this describe. An Object is shared
// between callers and must not be modified.
type Object struct {
	*partner.DescribeSObjectResult
	// Fetched is when describeSObject answered.
	Fetched time.Time
	// Refreshed reports whether an early refresh fetched it.
	Refreshed bool
	fields    map[string]*partner.DescribeField     // by lower-case name
	parents   map[string]*partner.DescribeField     // reference fields by lower-case relationshipName
	children  map[string]*partner.ChildRelationship // by lower-case relationshipName
}

// NewObject indexes d. d must not be modified afterwards.
func NewObject(d *partner.DescribeSObjectResult) *Object {
	o := &Object{
		DescribeSObjectResult: d,
		fields:                make(map[string]*partner.DescribeField, len(d.Fields)),
		parents:               make(map[string]*partner.DescribeField),
		children:              make(map[string]*partner.ChildRelationship, len(d.ChildRelationships)),
	}
	for i := range d.Fields {
		f := &d.Fields[i]
		o.fields[strings.ToLower(f.Name)] = f
		if f.RelationshipName != "" && len(f.ReferenceTo) > 0 {
			o.parents[strings.ToLower(f.RelationshipName)] = f
		}
	}
	for i := range d.ChildRelationships {
		c := &d.ChildRelationships[i]
		if c.RelationshipName != "" {
			o.children[strings.ToLower(c.RelationshipName)] = c
		}
	}
	return o
}

// Field returns the field named name and whether it exists.
func (o *Object) Field(name string) (*partner.DescribeField, bool) {
	return lookup(o.fields, name)
}

// Parent returns the reference field whose relationshipName is name (the
// "Owner" of "Owner.Name") and whether there is one.
func (o *Object) Parent(name string) (*partner.DescribeField, bool) {
	return lookup(o.parents, name)
}

// Child returns the child relationship named name (the "Contacts" of a
// subquery) and whether there is one.
func (o *Object) Child(name string) (*partner.ChildRelationship, bool) {
	return lookup(o.children, name)
}

// lookup finds name in m, whose keys are lower-case. It runs for every
// value of every record read, so an ASCII name (every API name) is
// lower-cased on the stack: m[string(b)] does not allocate.
func lookup[V any](m map[string]V, name string) (V, bool) {
	var buf [64]byte
	b := buf[:0]
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= utf8.RuneSelf {
			v, ok := m[strings.ToLower(name)]
			return v, ok
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	v, ok := m[string(b)]
	return v, ok
}

// Global is a cached describeGlobal answer.
type Global struct {
	*partner.DescribeGlobalResult
	// Fetched is when describeGlobal answered.
	Fetched time.Time
	// Refreshed reports whether an early refresh fetched it.
	Refreshed bool
	byName    map[string]*partner.DescribeGlobalSObjectResult
}

// SObject returns the summary of the object named name (case-insensitive).
func (g *Global) SObject(name string) (*partner.DescribeGlobalSObjectResult, bool) {
	o, ok := g.byName[strings.ToLower(name)]
	return o, ok
}

// ---- keys and encoding ----

// ObjectKey is the cache key of an object's describe. Object names are
// case-insensitive in Salesforce, so the key uses the lower-case name: one
// describe serves "Account" and "account".
func ObjectKey(connection, object string) string {
	return cache.Key(connection, "describe", strings.ToLower(object))
}

// GlobalKey is the cache key of the describeGlobal answer.
func GlobalKey(connection string) string { return cache.Key(connection, "describe-global") }

// allPrefix covers every describe key of a connection, global included.
func allPrefix(connection string) string { return cache.Key(connection, "describe") }

// format is the first byte of every stored value: gob of the entry types
// below. A change of layout bumps it, and old values then read as misses
// (reloaded) instead of being misread. 2: the object flags moved into the
// embedded partner.ObjectFlags, which gob would silently read as false
// from a version-1 value.
const format = 2

// Refreshed marks an entry fetched by an early refresh: only those gate
// the next refresh (see DefaultMinRefreshAge).
type objectEntry struct {
	Fetched   time.Time
	Refreshed bool
	Result    *partner.DescribeSObjectResult
}

type globalEntry struct {
	Fetched   time.Time
	Refreshed bool
	Result    *partner.DescribeGlobalResult
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte(format)
	if err := gob.NewEncoder(&b).Encode(v); err != nil {
		return nil, fmt.Errorf("metadata: encode describe: %w", err)
	}
	return b.Bytes(), nil
}

var errBadFormat = errors.New("metadata: cached describe in an unknown format")

func decode(raw []byte, v any) error {
	if len(raw) == 0 || raw[0] != format {
		return errBadFormat
	}
	if err := gob.NewDecoder(bytes.NewReader(raw[1:])).Decode(v); err != nil {
		return fmt.Errorf("metadata: decode cached describe: %w", err)
	}
	return nil
}

// decodedObject memoises the decoding of one raw value: the in-process
// cache level hands back the same slice until the value changes, so the
// hot path compares a pointer instead of decoding a describe per request.
type decodedObject struct {
	raw []byte
	obj *Object
}

type decodedGlobal struct {
	raw []byte
	g   *Global
}

func sameBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	if len(a) == 0 || &a[0] == &b[0] {
		return true
	}
	return bytes.Equal(a, b)
}

func (s *Service) decodeObject(key string, raw []byte) (*Object, error) {
	s.mu.Lock()
	d := s.objects[key]
	s.mu.Unlock()
	if d != nil && sameBytes(d.raw, raw) {
		return d.obj, nil
	}
	var e objectEntry
	if err := decode(raw, &e); err != nil {
		return nil, err
	}
	if e.Result == nil {
		return nil, errBadFormat
	}
	o := NewObject(e.Result)
	o.Fetched, o.Refreshed = e.Fetched, e.Refreshed
	s.mu.Lock()
	s.objects[key] = &decodedObject{raw: raw, obj: o}
	s.mu.Unlock()
	return o, nil
}

func (s *Service) decodeGlobal(raw []byte) (*Global, error) {
	s.mu.Lock()
	d := s.global
	s.mu.Unlock()
	if d != nil && sameBytes(d.raw, raw) {
		return d.g, nil
	}
	var e globalEntry
	if err := decode(raw, &e); err != nil {
		return nil, err
	}
	if e.Result == nil {
		return nil, errBadFormat
	}
	g := &Global{DescribeGlobalResult: e.Result, Fetched: e.Fetched, Refreshed: e.Refreshed, byName: make(map[string]*partner.DescribeGlobalSObjectResult, len(e.Result.SObjects))}
	for i := range e.Result.SObjects {
		o := &e.Result.SObjects[i]
		g.byName[strings.ToLower(o.Name)] = o
	}
	s.mu.Lock()
	s.global = &decodedGlobal{raw: raw, g: g}
	s.mu.Unlock()
	return g, nil
}

// ---- describeGlobal ----

func (s *Service) globalLoader(refreshed bool) func(ctx context.Context) ([]byte, error) {
	return func(ctx context.Context) ([]byte, error) {
		r, err := s.cfg.Client.DescribeGlobal(ctx)
		if err != nil {
			return nil, err
		}
		return encode(globalEntry{Fetched: s.cfg.Now(), Refreshed: refreshed, Result: r})
	}
}

// mayRefresh reports whether a describe fetched at fetched (by an early
// refresh if refreshed) may be refreshed early now.
func (s *Service) mayRefresh(fetched time.Time, refreshed bool) bool {
	return !refreshed || s.cfg.Now().Sub(fetched) >= s.cfg.MinRefreshAge
}

// DescribeGlobal returns the org's object list, cached for TTL across
// replicas.
func (s *Service) DescribeGlobal(ctx context.Context) (*Global, error) {
	g, _, err := s.global_(ctx)
	return g, err
}

func (s *Service) global_(ctx context.Context) (*Global, []byte, error) {
	key := GlobalKey(s.cfg.Connection)
	raw, err := s.cfg.Cache.GetOrLoad(ctx, key, s.lo, s.globalLoader(false))
	if err != nil {
		return nil, nil, err
	}
	g, err := s.decodeGlobal(raw)
	if err != nil {
		// Undecodable (another version's layout): replace it.
		if raw, err = s.cfg.Cache.Refresh(ctx, key, raw, s.lo, s.globalLoader(false)); err != nil {
			return nil, nil, err
		}
		g, err = s.decodeGlobal(raw)
	}
	return g, raw, err
}

// objectExists checks name against describeGlobal, refreshing the list once
// when the name is missing (the object may be new), as gated by mayRefresh.
// It keeps junk object names from costing a describeSObject each.
func (s *Service) objectExists(ctx context.Context, name string) error {
	g, raw, err := s.global_(ctx)
	if err != nil {
		return err
	}
	if _, ok := g.SObject(name); ok {
		return nil
	}
	if s.mayRefresh(g.Fetched, g.Refreshed) {
		raw, err = s.cfg.Cache.Refresh(ctx, GlobalKey(s.cfg.Connection), raw, s.lo, s.globalLoader(true))
		if err != nil {
			return err
		}
		if g, err = s.decodeGlobal(raw); err != nil {
			return err
		}
		if _, ok := g.SObject(name); ok {
			return nil
		}
	}
	return &UnknownObjectError{Object: name}
}

// ---- describeSObject ----

func (s *Service) objectLoader(name string, refreshed bool) func(ctx context.Context) ([]byte, error) {
	key := ObjectKey(s.cfg.Connection, name)
	return func(ctx context.Context) ([]byte, error) {
		if err := s.objectExists(ctx, name); err != nil {
			return nil, err
		}
		r, err := s.cfg.Client.DescribeSObject(ctx, name)
		if err != nil {
			return nil, err
		}
		// A loader's error is never stored: an empty answer is not cached.
		if err := checkDescribe(name, r); err != nil {
			return nil, err
		}
		// A plain load can win the race against a refresh it coincides
		// with (the cache shares one load per key, whoever starts it): what
		// it fetches is just as fresh, so it is marked refreshed too, or
		// the next unknown name would refresh again at once.
		refreshed := refreshed || s.refreshedRecently(key)
		return encode(objectEntry{Fetched: s.cfg.Now(), Refreshed: refreshed, Result: r})
	}
}

// refreshedRecently reports whether this process asked for key's describe
// to be refreshed less than MinRefreshAge ago.
func (s *Service) refreshedRecently(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.refreshedAt[key]
	return ok && s.cfg.Now().Sub(at) < s.cfg.MinRefreshAge
}

// Describe returns the describe of object, cached for TTL across replicas:
// one describeSObject per object per TTL for all replicas together.
func (s *Service) Describe(ctx context.Context, object string) (*Object, error) {
	o, _, err := s.describe(ctx, object)
	return o, err
}

func (s *Service) describe(ctx context.Context, object string) (*Object, []byte, error) {
	if object == "" {
		return nil, nil, &UnknownObjectError{Object: object}
	}
	key := ObjectKey(s.cfg.Connection, object)
	raw, err := s.cfg.Cache.GetOrLoad(ctx, key, s.lo, s.objectLoader(object, false))
	if err != nil {
		return nil, nil, err
	}
	o, err := s.decodeObject(key, raw)
	if err != nil {
		if raw, err = s.cfg.Cache.Refresh(ctx, key, raw, s.lo, s.objectLoader(object, false)); err != nil {
			return nil, nil, err
		}
		o, err = s.decodeObject(key, raw)
	}
	return o, raw, err
}

// refresh replaces the describe o (raw) unless it was itself fetched by a
// refresh less than MinRefreshAge ago, and returns the describe to use.
// Concurrent refreshes of one object share one describeSObject in this
// process and, through the cache's compare-and-delete, across replicas. A
// caller still holding the describe from before a refresh this process
// started less than MinRefreshAge ago does not refresh again: it waits for
// that refresh if it is still running, then reads the describe anew.
func (s *Service) refresh(ctx context.Context, object string, o *Object, raw []byte) (*Object, error) {
	if !s.mayRefresh(o.Fetched, o.Refreshed) {
		return o, nil
	}
	key := ObjectKey(s.cfg.Connection, object)
	now := s.cfg.Now()
	s.mu.Lock()
	at, ok := s.refreshedAt[key]
	running := s.refreshing[key]
	if ok && now.Sub(at) < s.cfg.MinRefreshAge {
		s.mu.Unlock()
		if running != nil {
			select {
			case <-running:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		o, _, err := s.describe(ctx, object)
		return o, err
	}
	done := make(chan struct{})
	s.refreshedAt[key], s.refreshing[key] = now, done
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.refreshing, key)
		s.mu.Unlock()
		close(done)
	}()
	raw, err := s.cfg.Cache.Refresh(ctx, key, raw, s.lo, s.objectLoader(object, true))
	if err != nil {
		return nil, err
	}
	return s.decodeObject(key, raw)
}

// Field returns the field of object named field. If the cached describe
// lacks it, the describe is refreshed once (unless an early refresh already
// fetched it less than MinRefreshAge ago) before the answer is an
// *UnknownFieldError, so a field an
// admin has just added is usable in the very next call that names it.
func (s *Service) Field(ctx context.Context, object, field string) (*partner.DescribeField, error) {
	o, err := s.EnsureFields(ctx, object, []string{field})
	if err != nil {
		return nil, err
	}
	f, _ := o.Field(field)
	return f, nil
}

// EnsureFields returns the describe of object after checking that it has
// every field in names, refreshing it once as Field does. The error lists
// every missing field.
func (s *Service) EnsureFields(ctx context.Context, object string, names []string) (*Object, error) {
	o, raw, err := s.describe(ctx, object)
	if err != nil {
		return nil, err
	}
	if missing(o, names) == nil {
		return o, nil
	}
	if o, err = s.refresh(ctx, object, o, raw); err != nil {
		return nil, err
	}
	if m := missing(o, names); m != nil {
		return o, &UnknownFieldError{Object: o.Name, Fields: m}
	}
	return o, nil
}

func missing(o *Object, names []string) []string {
	var m []string
	for _, n := range names {
		if _, ok := o.Field(n); !ok && !slices.Contains(m, n) {
			m = append(m, n)
		}
	}
	return m
}

// RefreshOnInvalidField is called when Salesforce answered INVALID_FIELD
// for object although the cached describe had the field (it was deleted or
// its access changed): the describe is refreshed once, gated like Field,
// and the fresh describe returned.
func (s *Service) RefreshOnInvalidField(ctx context.Context, object string) (*Object, error) {
	o, raw, err := s.describe(ctx, object)
	if err != nil {
		return nil, err
	}
	return s.refresh(ctx, object, o, raw)
}

// Revalidate returns object's describe as Salesforce has it now: it fetches
// a fresh describeSObject and shares it with every replica, unless the
// cached copy was itself loaded during this call. It serves the describe
// and schema endpoints, where a person browsing the org expects a field an
// admin has just added to show at once; the hot path (records, queries)
// keeps using the cached describe. Concurrent revalidations of one object
// share one describeSObject, as refreshes do. Unlike a refresh for an
// unknown field it is not rate-gated and does not mark the describe as
// refreshed, so it never delays the refresh a write naming a new field
// needs.
func (s *Service) Revalidate(ctx context.Context, object string) (*Object, error) {
	start := s.cfg.Now()
	o, raw, err := s.describe(ctx, object)
	if err != nil {
		return nil, err
	}
	if !o.Fetched.Before(start) {
		return o, nil
	}
	key := ObjectKey(s.cfg.Connection, object)
	if raw, err = s.cfg.Cache.Refresh(ctx, key, raw, s.lo, s.objectLoader(object, false)); err != nil {
		return nil, err
	}
	return s.decodeObject(key, raw)
}

// Invalidate drops the cached describe of object on every replica.
func (s *Service) Invalidate(ctx context.Context, object string) error {
	if err := s.cfg.Cache.Invalidate(ctx, ObjectKey(s.cfg.Connection, object)); err != nil {
		return fmt.Errorf("metadata: invalidate %s: %w", object, err)
	}
	return nil
}

// InvalidateAll drops every cached describe of the connection, the global
// list included, on every replica.
func (s *Service) InvalidateAll(ctx context.Context) error {
	if err := s.cfg.Cache.InvalidatePrefix(ctx, allPrefix(s.cfg.Connection)); err != nil {
		return fmt.Errorf("metadata: invalidate all: %w", err)
	}
	return nil
}
