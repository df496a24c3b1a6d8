package sfsim

import (
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// table holds one object's records, in insertion order (which is id order,
// as ids increase), so unordered queries come back the way Salesforce
// tends to return them.
type table struct {
	rows map[string]meta.Record // 18-character id → record
	ids  []string
	dead int // ids no longer in rows, compacted lazily
	// cache is the records in id order for the query engine, built on
	// first use after a change. Readers share Server.mu's read lock, so
	// several may build it at once; they build the same slice.
	cache atomic.Pointer[[]meta.Record]
}

// list returns every record in id order. Callers must not modify it.
func (t *table) list() []meta.Record {
	if p := t.cache.Load(); p != nil {
		return *p
	}
	out := make([]meta.Record, 0, len(t.rows))
	t.each(func(r meta.Record) bool { out = append(out, r); return true })
	t.cache.Store(&out)
	return out
}

func newTable() *table { return &table{rows: make(map[string]meta.Record)} }

// each calls fn for every record in id order until fn returns false.
func (t *table) each(fn func(meta.Record) bool) {
	for _, id := range t.ids {
		if r, ok := t.rows[id]; ok {
			if !fn(r) {
				return
			}
		}
	}
}

// changeKind tells what a change log entry records.
type changeKind uint8

const (
	changeUpsert changeKind = iota // created or updated
	changeDelete
)

// change is one entry of the replication log behind getUpdated and
// getDeleted.
type change struct {
	object string // lower-case object name
	id     string
	kind   changeKind
	at     time.Time
}

// store is the org's data. All access happens under Server.mu.
type store struct {
	tables  map[string]*table // lower-case object name → table
	log     []change
	created time.Time // org creation time, the start of the replication log
	// autoFormat: lower-case object name → its auto-number field's state
	autoFormat map[string]autoNumber
}

func newStore(now time.Time) *store {
	return &store{tables: make(map[string]*table), created: now, autoFormat: make(map[string]autoNumber)}
}

func (d *store) table(object string) *table {
	k := strings.ToLower(object)
	t := d.tables[k]
	if t == nil {
		t = newTable()
		d.tables[k] = t
	}
	return t
}

// get returns the stored record (not a copy) or nil.
func (d *store) get(object, id string) meta.Record {
	t := d.tables[strings.ToLower(object)]
	if t == nil {
		return nil
	}
	return t.rows[id]
}

// put stores rec under its Id, appending it to the id order when new.
func (d *store) put(object string, rec meta.Record) {
	t := d.table(object)
	id := rec["Id"]
	if _, ok := t.rows[id]; !ok {
		t.ids = append(t.ids, id)
	}
	t.rows[id] = rec
	t.cache.Store(nil)
}

// remove deletes a record for good (emptyRecycleBin, merge losers purged).
func (d *store) remove(object, id string) {
	t := d.tables[strings.ToLower(object)]
	if t == nil {
		return
	}
	if _, ok := t.rows[id]; !ok {
		return
	}
	delete(t.rows, id)
	t.cache.Store(nil)
	t.dead++
	if t.dead > 64 && t.dead > len(t.ids)/4 {
		t.ids = slices.DeleteFunc(t.ids, func(id string) bool { _, ok := t.rows[id]; return !ok })
		t.dead = 0
	}
}

// trimLog drops change entries older than the replication window, so the
// log stays bounded by a month of writes. Call it between write calls only:
// an undo journal remembers log positions.
func (d *store) trimLog(now time.Time) {
	cut := now.Add(-replicationWindow - time.Hour)
	i := 0
	for i < len(d.log) && d.log[i].at.Before(cut) {
		i++
	}
	if i > 0 {
		d.log = append(d.log[:0:0], d.log[i:]...)
	}
}

func (d *store) record(object, id string, kind changeKind, at time.Time) {
	d.log = append(d.log, change{object: strings.ToLower(object), id: id, kind: kind, at: at})
}

// undo is a journal of one write call, so allOrNone can roll it back.
type undo struct {
	d       *store
	entries []undoEntry
	logLen  int
}

type undoEntry struct {
	object string
	id     string
	before meta.Record // nil: the record did not exist
	isNew  bool
}

func (d *store) begin() *undo { return &undo{d: d, logLen: len(d.log)} }

// save remembers the state of a record before the call changes it. Call it
// once per record before the first change.
func (u *undo) save(object, id string) {
	for _, e := range u.entries {
		if e.id == id {
			return
		}
	}
	prev := u.d.get(object, id)
	e := undoEntry{object: object, id: id, isNew: prev == nil}
	if prev != nil {
		e.before = maps.Clone(prev)
	}
	u.entries = append(u.entries, e)
}

// rollback restores every saved record and truncates the change log.
func (u *undo) rollback() {
	for i := len(u.entries) - 1; i >= 0; i-- {
		e := u.entries[i]
		if e.isNew {
			u.d.remove(e.object, e.id)
			continue
		}
		t := u.d.table(e.object)
		if _, ok := t.rows[e.id]; !ok {
			t.ids = append(t.ids, e.id)
			slices.Sort(t.ids) // ids increase with creation, so this restores the order
		}
		t.rows[e.id] = e.before
		t.cache.Store(nil)
	}
	u.d.log = u.d.log[:u.logLen]
}

// isDeleted reports whether a record sits in the recycle bin.
func isDeleted(r meta.Record) bool { return r["IsDeleted"] == "true" }
