package sfsim

import (
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
	"github.com/sfgate/sfgate/internal/sfsim/soql"
)

// cursor is a query's answer kept for queryMore: for a record query the
// selected records, whose rows each page builds; for a child relationship
// the child rows of one parent row.
type cursor struct {
	res     *soql.Result
	expires time.Time
	// family is the top-level query the cursor belongs to; child cursors
	// of a family die when the parent's queryMore moves on.
	family uint64
	child  bool
}

// locatorTable keeps query cursors. Locators are reusable until they
// expire (the API 56.0 rule: two days, no limit on open cursors); the table
// is bounded by evicting the oldest. Child cursors are also dropped when
// their family's parent cursor is read again (see invalidateChildren).
type locatorTable struct {
	mu       sync.Mutex
	m        map[string]*cursor
	order    []string
	rows     int // rows held by the cursors in m
	families uint64
	kids     map[uint64][]string // family → its child cursor ids
}

func (t *locatorTable) init() {
	t.m = make(map[string]*cursor)
	t.kids = make(map[uint64][]string)
}

// newFamily numbers a top-level query, so its child cursors can be found.
func (t *locatorTable) newFamily() uint64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.families++
	return t.families
}

// add registers res and returns its cursor id; a locator is
// "<cursor id>-<row offset>", Salesforce's classic shape.
func (t *locatorTable) add(res *soql.Result, now time.Time, life time.Duration, family uint64, child bool) string {
	id := meta.NewID(cursorPrefix)
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.order) > 0 && (len(t.order) >= maxLocators || t.rows+res.Len() > maxLocatorRows) {
		t.drop(t.order[0])
		t.order = t.order[1:]
	}
	t.m[id] = &cursor{res: res, expires: now.Add(life), family: family, child: child}
	t.rows += res.Len()
	t.order = append(t.order, id)
	if child {
		t.kids[family] = append(t.kids[family], id)
	}
	return id
}

// drop forgets a cursor; the caller holds t.mu and fixes t.order (an id
// left there is skipped when it reaches the front).
func (t *locatorTable) drop(id string) {
	if c, ok := t.m[id]; ok {
		t.rows -= c.res.Len()
		delete(t.m, id)
	}
}

// invalidateChildren drops every child cursor of a family. The SOAP API
// Developer Guide, QueryLocator / queryMore(): "A queryMore() call on a
// parent object invalidates all child cursors in the previous result set.
// If you need the results from the child, you must use queryMore() on those
// results before using queryMore() on the parent results."
// (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_querymore_querylocator.htm)
func (t *locatorTable) invalidateChildren(family uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range t.kids[family] {
		t.drop(id)
	}
	delete(t.kids, family)
}

// found is a resolved locator.
type found struct {
	id  string
	cur *cursor
	off int
}

// find resolves a locator to its cursor and row offset. A locator made up
// by the client with another offset inside the result is accepted too, as
// Salesforce does.
func (t *locatorTable) find(loc string, now time.Time) (found, bool) {
	i := strings.LastIndexByte(loc, '-')
	if i < 0 {
		return found{}, false
	}
	off, err := strconv.Atoi(loc[i+1:])
	id, err18 := meta.To18(loc[:i])
	if err != nil || err18 != nil {
		return found{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[id]
	if !ok {
		return found{}, false
	}
	if !now.Before(c.expires) {
		t.drop(id) // its t.order entry goes when it reaches the front
		return found{}, false
	}
	if off <= 0 || off >= c.res.Len() {
		return found{}, false
	}
	return found{id: id, cur: c, off: off}, true
}

func (t *locatorTable) size() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

func (t *locatorTable) expireAll() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := len(t.m)
	clear(t.m)
	clear(t.kids)
	t.order = nil
	t.rows = 0
	return n
}
