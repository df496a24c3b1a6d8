package sfsim

import (
	"errors"
	"strconv"
	"strings"

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
	batch := batchSize(c)
	s.mu.RLock()
	res, err := soql.Run(text, source{s}, soql.Options{IncludeDeleted: all, Now: s.now(), Defer: true})
	var rows []*soql.Row
	if err == nil && !res.Aggregate {
		rows = fitBatch(res.Page(0, min(batch, res.Len())), batch)
	}
	s.mu.RUnlock()
	if err != nil {
		return queryFault(err)
	}
	if res.Aggregate {
		if res.Len() > batch {
			// An aggregate result is never paged: "In SOAP API, queries
			// that include a GROUP BY clause can't use the queryMore() call"
			// (SOQL and SOSL Reference, Considerations for GROUP BY,
			// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_group_by_considerations.htm).
			// Salesforce refuses the query with this code and wording
			// (restforce/restforce#726, SalesforceLabs/OrgCheck#46).
			return unexpected("EXCEEDED_ID_LIMIT", "Aggregate query does not support queryMore(), use LIMIT to restrict the results to a single batch")
		}
		rows = res.Rows
	}
	s.writePage(c, res, 0, rows, "", s.locators.newFamily())
	return nil
}

func (s *Server) opQueryMore(c *call) *Fault {
	loc, _ := c.body.value("queryLocator")
	f, ok := s.locators.find(loc, s.now())
	if !ok {
		return newFault("INVALID_QUERY_LOCATOR", ftInvalidQL, "invalid query locator")
	}
	batch := batchSize(c)
	if f.cur.child {
		// Counted apart so tests can see a client follow child locators.
		s.stats.add(statChildQueryMore)
	} else {
		s.locators.invalidateChildren(f.cur.family)
	}
	end := min(f.off+batch, f.cur.res.Len())
	s.mu.RLock()
	rows := fitBatch(f.cur.res.Page(f.off, end), batch)
	s.mu.RUnlock()
	s.writePage(c, f.cur.res, f.off, rows, f.id, f.cur.family)
	return nil
}

// statChildQueryMore is the /_sim/stats key counting queryMore calls on a
// child relationship's locator (they are also counted under "queryMore").
const statChildQueryMore = "queryMore:childLocator"

// writePage writes one QueryResult page: rows, built from res starting at
// row off. When rows remain, the locator names the cursor (registered on
// the first page, the same one for every later page) and the next row.
// Child sets too big for the page get cursors of the query's family.
func (s *Server) writePage(c *call, res *soql.Result, off int, rows []*soql.Row, cursorID string, family uint64) {
	end := off + len(rows)
	locator := ""
	if end < res.Len() {
		if cursorID == "" {
			cursorID = s.locators.add(res, s.now(), s.cfg.LocatorLifetime, family, false)
		}
		locator = cursorID + "-" + strconv.Itoa(end)
	}
	if len(rows) > 0 && rows[0].Type == aggregateType {
		c.needXSD = true
	}
	w := &c.w
	w.openType("result", "QueryResult")
	p := &pager{s: s, family: family}
	p.writeQueryBody(w, res, rows, locator)
	w.close("result")
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
