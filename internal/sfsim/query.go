package sfsim

import (
	"errors"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
	"github.com/sfgate/sfgate/internal/sfsim/soql"
)

// Batch sizes of QueryOptions (PROTOCOL.md §8): default and maximum 2,000,
// minimum 200.
const (
	minBatch    = 200
	maxBatch    = 2000
	maxRetrieve = 2000
	maxLocators = 10_000
	// maxLocatorRows bounds the rows all open cursors keep together, so
	// cursors over big results cannot exhaust memory; the oldest go first.
	maxLocatorRows = 2_000_000
	cursorPrefix   = "01g"
)

// source adapts the store to the SOQL engine. The caller holds s.mu for
// reading while the engine runs.
type source struct{ s *Server }

var _ soql.Source = source{}

func (src source) Object(name string) (*meta.Object, bool) { return src.s.sc().Object(name) }

func (src source) Records(object string) []meta.Record {
	t := src.s.data.tables[strings.ToLower(object)]
	if t == nil {
		return nil
	}
	return t.list()
}

func (src source) Get(id string) (string, meta.Record, bool) {
	id18, err := meta.To18(id)
	if err != nil {
		return "", nil, false
	}
	obj, ok := src.s.sc().ObjectForID(id18)
	if !ok {
		return "", nil, false
	}
	rec := src.s.data.get(obj.Name, id18)
	return obj.Name, rec, rec != nil
}

// batchSize reads QueryOptions/batchSize, clamped to [200, 2000].
func batchSize(c *call) int {
	v, ok := c.soapHeader("QueryOptions").value("batchSize")
	if !ok {
		return maxBatch
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return maxBatch
	}
	return min(max(n, minBatch), maxBatch)
}

// queryFault turns an engine error into the SOAP fault Salesforce sends.
func queryFault(err error) *Fault {
	var qe *soql.Error
	if errors.As(err, &qe) {
		return &Fault{Code: qe.Code, Type: qe.FaultType(), Message: qe.Message, Row: qe.Row, Column: qe.Column}
	}
	return unexpected("UNKNOWN_EXCEPTION", "%s", err.Error())
}

func (s *Server) opQuery(c *call) *Fault    { return s.queryCall(c, false) }
func (s *Server) opQueryAll(c *call) *Fault { return s.queryCall(c, true) }

// queryCall runs a query and writes its first page. The engine filters and
// sorts every record but builds rows only for the page (soql.Options.Defer);
// a cursor keeps the selected records and queryMore builds its page then.
// Both builds read the store, so they run under s.mu like the query itself.
func (s *Server) queryCall(c *call, all bool) *Fault {
	text, _ := c.body.value("queryString")
	if strings.TrimSpace(text) == "" {
		return newFault("MALFORMED_QUERY", ftMalformedQ, "unexpected token: <EOF>")
	}
	s.mu.RLock()
	res, err := soql.Run(text, source{s}, soql.Options{IncludeDeleted: all, Now: s.now(), Defer: true})
	var rows []*soql.Row
	if err == nil {
		rows = res.Page(0, min(batchSize(c), res.Len()))
	}
	s.mu.RUnlock()
	if err != nil {
		return queryFault(err)
	}
	s.writePage(c, res, 0, rows, "")
	return nil
}

func (s *Server) opQueryMore(c *call) *Fault {
	loc, _ := c.body.value("queryLocator")
	id, cur, off, ok := s.locators.find(loc, s.now())
	if !ok {
		return newFault("INVALID_QUERY_LOCATOR", ftInvalidQL, "invalid query locator")
	}
	end := min(off+batchSize(c), cur.Len())
	s.mu.RLock()
	rows := cur.Page(off, end)
	s.mu.RUnlock()
	s.writePage(c, cur, off, rows, id)
	return nil
}

// writePage writes one QueryResult page: rows, built from res starting at
// row off. When rows remain, the locator names the cursor (registered on
// the first page, the same one for every later page) and the next row.
func (s *Server) writePage(c *call, res *soql.Result, off int, rows []*soql.Row, cursorID string) {
	end := off + len(rows)
	locator := ""
	if end < res.Len() {
		if cursorID == "" {
			cursorID = s.locators.add(res, s.now(), s.cfg.LocatorLifetime)
		}
		locator = cursorID + "-" + strconv.Itoa(end)
	}
	if len(rows) > 0 && rows[0].Type == aggregateType {
		c.needXSD = true
	}
	w := &c.w
	w.openType("result", "QueryResult")
	writeQueryBody(w, res, rows, locator)
	w.close("result")
}

// writeQueryBody writes QueryResult's children: done, queryLocator,
// records…, size.
func writeQueryBody(w *xw, res *soql.Result, rows []*soql.Row, locator string) {
	w.boolElem("done", locator == "")
	w.opt("queryLocator", locator, locator != "")
	for _, r := range rows {
		writeRow(w, "records", r, false)
	}
	w.intElem("size", res.Size)
}

// aggregateType is the sObject type of aggregate query rows.
const aggregateType = "AggregateResult"

// writeRow writes one sObject: sf:type, the sObject's own sf:Id (nil
// unless Id was selected at this level, or forceID for retrieve), then the
// selected items in SELECT order.
func writeRow(w *xw, tag string, r *soql.Row, forceID bool) {
	w.openType(tag, "sf:sObject")
	w.elem("sf:type", r.Type)
	w.opt("sf:Id", r.ID, r.ID != "" && (r.IDSelected || forceID))
	for i := range r.Items {
		it := &r.Items[i]
		name := "sf:" + it.Name
		switch it.Kind {
		case soql.ItemParent:
			if it.Parent == nil {
				w.nilElem(name)
			} else {
				writeRow(w, name, it.Parent, false)
			}
		case soql.ItemChildren:
			if it.Children == nil || (len(it.Children.Rows) == 0 && !it.Children.Count) {
				w.nilElem(name)
			} else {
				w.openType(name, "QueryResult")
				writeQueryBody(w, it.Children, it.Children.Rows, "")
				w.close(name)
			}
		case soql.ItemCompound:
			if it.Compound == nil || it.Null {
				w.nilElem(name)
				continue
			}
			w.openType(name, it.Compound.Type)
			for _, cf := range it.Compound.Fields {
				w.opt(cf.Name, cf.Value, !cf.Null)
			}
			w.close(name)
		default:
			if r.Type == aggregateType && !it.Null {
				// Aggregate values are typed (COUNT is the only aggregate).
				w.openType(name, "xsd:int")
				w.text(it.Value)
				w.close(name)
				continue
			}
			w.opt(name, it.Value, !it.Null)
		}
	}
	w.close(tag)
}

// cursor is a query's answer kept for queryMore: for a record query the
// selected records, whose rows each page builds.
type cursor struct {
	res     *soql.Result
	expires time.Time
}

// locatorTable keeps query cursors. Locators are reusable until they
// expire (the API 56.0 rule: two days, no limit on open cursors); the table
// is bounded by evicting the oldest.
type locatorTable struct {
	mu    sync.Mutex
	m     map[string]*cursor
	order []string
	rows  int // rows held by the cursors in m
}

func (t *locatorTable) init() { t.m = make(map[string]*cursor) }

// add registers res and returns its cursor id; a locator is
// "<cursor id>-<row offset>", Salesforce's classic shape.
func (t *locatorTable) add(res *soql.Result, now time.Time, life time.Duration) string {
	id := meta.NewID(cursorPrefix)
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.order) > 0 && (len(t.order) >= maxLocators || t.rows+res.Len() > maxLocatorRows) {
		t.drop(t.order[0])
		t.order = t.order[1:]
	}
	t.m[id] = &cursor{res: res, expires: now.Add(life)}
	t.rows += res.Len()
	t.order = append(t.order, id)
	return id
}

// drop forgets a cursor; the caller holds t.mu and fixes t.order.
func (t *locatorTable) drop(id string) {
	if c, ok := t.m[id]; ok {
		t.rows -= c.res.Len()
		delete(t.m, id)
	}
}

// find resolves a locator to its cursor and row offset. A locator made up
// by the client with another offset inside the result is accepted too, as
// Salesforce does.
func (t *locatorTable) find(loc string, now time.Time) (string, *soql.Result, int, bool) {
	i := strings.LastIndexByte(loc, '-')
	if i < 0 {
		return "", nil, 0, false
	}
	off, err := strconv.Atoi(loc[i+1:])
	id, err18 := meta.To18(loc[:i])
	if err != nil || err18 != nil {
		return "", nil, 0, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[id]
	if !ok {
		return "", nil, 0, false
	}
	if !now.Before(c.expires) {
		t.drop(id) // its t.order entry goes when it reaches the front
		return "", nil, 0, false
	}
	if off <= 0 || off >= c.res.Len() {
		return "", nil, 0, false
	}
	return id, c.res, off, true
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
	t.order = nil
	t.rows = 0
	return n
}

func (s *Server) opRetrieve(c *call) *Fault {
	fieldList, _ := c.body.value("fieldList")
	typ, _ := c.body.value("sObjectType")
	ids := c.body.values("ids")
	if len(ids) > maxRetrieve {
		return unexpected("EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than %d records into this call", maxRetrieve)
	}
	obj, ok := s.sc().Object(typ)
	if !ok {
		return faultInvalidType(typ)
	}
	var fields []string
	for f := range strings.SplitSeq(fieldList, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		fd, ok := obj.Field(f)
		if !ok {
			return noSuchColumn(f, obj.Name)
		}
		fields = append(fields, fd.Name)
	}
	if len(fields) == 0 {
		return newFault("MALFORMED_QUERY", ftMalformedQ, "fieldList must not be empty")
	}
	want := make([]string, len(ids))
	var valid []string
	for i, raw := range ids {
		id, err := meta.To18(raw)
		if err != nil {
			return newFault("MALFORMED_ID", ftInvalidID, "malformed id %s", raw)
		}
		want[i] = id
		if meta.KeyPrefix(id) == obj.Prefix() {
			valid = append(valid, id)
		}
	}
	byID := map[string]*soql.Row{}
	if len(valid) > 0 {
		// The engine assembles the rows (compound fields and all) over just
		// the requested records, so a retrieve costs what it reads.
		s.mu.RLock()
		recs := make([]meta.Record, 0, len(valid))
		for _, id := range valid {
			if r := s.data.get(obj.Name, id); r != nil && !isDeleted(r) {
				recs = append(recs, r)
			}
		}
		res, err := soql.Run("SELECT "+strings.Join(fields, ", ")+" FROM "+obj.Name, pickSource{source{s}, obj.Name, recs}, soql.Options{Now: s.now()})
		s.mu.RUnlock()
		if err != nil {
			return queryFault(err)
		}
		for _, r := range res.Rows {
			byID[r.ID] = r
		}
	}
	for _, id := range want {
		if r, ok := byID[id]; ok {
			writeRow(&c.w, "result", r, true)
		} else {
			c.w.nilElem("result")
		}
	}
	return nil
}

// pickSource is the store with one object narrowed to chosen records.
type pickSource struct {
	source
	object string
	recs   []meta.Record
}

func (p pickSource) Records(object string) []meta.Record {
	if strings.EqualFold(object, p.object) {
		return p.recs
	}
	return p.source.Records(object)
}
