package sfsim

import (
	"strconv"

	"github.com/sfgate/sfgate/internal/sfsim/soql"
)

// childBatch is how many rows of one child relationship a query result
// carries for a parent row. Salesforce pages large child sets: the child
// QueryResult then has done=false, its own queryLocator and size = all
// the child rows, and queryMore(childLocator) returns the rest (SOAP API
// Developer Guide, queryMore() and QueryResult,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_querymore_queryresult.htm;
// jsforce/jsforce#577 and PR #1752 are a client fixing the truncation this
// causes). The documents give no number; 200 is the batch clients report
// seeing and the minimum QueryOptions batch size.
const childBatch = 200

// aggregateType is the sObject type of aggregate query rows.
const aggregateType = "AggregateResult"

// pager writes the rows of one page and registers a cursor for each
// child set that does not fit: all of them belong to the page's query
// family, so the parent's next queryMore can drop them. A nil pager writes
// child sets whole (retrieve and search have none).
type pager struct {
	s      *Server
	family uint64
}

// fitBatch cuts a page so that its rows, child rows included, stay within
// batch: "child objects count toward the number of records for the batch
// size" (SOAP API Developer Guide, QueryOptions header,
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_header_queryoptions.htm).
// A page always keeps its first row, whatever its children weigh.
func fitBatch(rows []*soql.Row, batch int) []*soql.Row {
	n := 0
	for i, r := range rows {
		n += weight(r)
		if n > batch && i > 0 {
			return rows[:i]
		}
	}
	return rows
}

// weight is one row plus the child rows the page writes for it.
func weight(r *soql.Row) int {
	n := 1
	for i := range r.Items {
		it := &r.Items[i]
		if it.Kind == soql.ItemChildren && it.Children != nil {
			rows := it.Children.Rows
			if len(rows) > childBatch {
				rows = rows[:childBatch]
			}
			for _, c := range rows {
				n += weight(c)
			}
		}
	}
	return n
}

// writeQueryBody writes QueryResult's children: done, queryLocator,
// records…, size.
func (p *pager) writeQueryBody(w *xw, res *soql.Result, rows []*soql.Row, locator string) {
	w.boolElem("done", locator == "")
	w.opt("queryLocator", locator, locator != "")
	for _, r := range rows {
		p.writeRow(w, "records", r, false)
	}
	w.intElem("size", res.Size)
}

// writeChildren writes a child relationship's QueryResult: the first
// childBatch rows, and when there are more a locator of a new child cursor.
func (p *pager) writeChildren(w *xw, name string, res *soql.Result) {
	rows, locator := res.Rows, ""
	if p != nil && len(rows) > childBatch {
		rows = rows[:childBatch]
		id := p.s.locators.add(res, p.s.now(), p.s.cfg.LocatorLifetime, p.family, true)
		locator = id + "-" + strconv.Itoa(childBatch)
	}
	w.openType(name, "QueryResult")
	p.writeQueryBody(w, res, rows, locator)
	w.close(name)
}

// writeRow writes one sObject: sf:type, the sObject's own sf:Id (nil
// unless Id was selected at this level, or forceID for retrieve), then the
// selected items in SELECT order.
func (p *pager) writeRow(w *xw, tag string, r *soql.Row, forceID bool) {
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
				p.writeRow(w, name, it.Parent, false)
			}
		case soql.ItemChildren:
			if it.Children == nil || (len(it.Children.Rows) == 0 && !it.Children.Count) {
				w.nilElem(name)
			} else {
				p.writeChildren(w, name, it.Children)
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
			if it.XSIType != "" && !it.Null {
				// AggregateResult has no schema, so its values name their
				// type (xsd:int for counts, …; see soql.Item.XSIType).
				w.openType(name, it.XSIType)
				w.text(it.Value)
				w.close(name)
				continue
			}
			w.opt(name, it.Value, !it.Null)
		}
	}
	w.close(tag)
}

// writeRow writes a row that has no child sets to page.
func writeRow(w *xw, tag string, r *soql.Row, forceID bool) {
	var p *pager
	p.writeRow(w, tag, r, forceID)
}
