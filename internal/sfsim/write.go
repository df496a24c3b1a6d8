package sfsim

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// maxWriteRecords is the per-call record cap of create, update, upsert,
// delete, undelete and emptyRecycleBin (PROTOCOL.md §9).
const maxWriteRecords = 200

// inField is one field element of a request sObject.
type inField struct {
	field  *meta.Field
	value  string
	nested *node // foreign key by external id: <Account><type>…</type><Ext__c>…</Ext__c></Account>
	parent *meta.Object
	ref    *meta.Field // the lookup field the nested element sets
}

// inRecord is a request sObject resolved against the schema.
type inRecord struct {
	obj    *meta.Object
	id     string
	hasID  bool
	toNull []*meta.Field
	fields []inField
}

// parseSObject resolves a request sObject. Unknown types and fields fail
// the whole call, as they do in Salesforce (the operation's declared
// InvalidSObjectFault and InvalidFieldFault).
func (s *Server) parseSObject(n *node) (*inRecord, *Fault) {
	typ, _ := n.value("type")
	if typ == "" {
		// Real wordings: jsforce/jsforce#950 (no type element) and
		// congaengr/soapforce#30 (a type Salesforce could not use).
		msg := "Must send a concrete entity type."
		if n.child("type") == nil {
			msg = "Missing entity type information. sObject requires a separate 'type' field be sent."
		}
		f := newFault("INVALID_TYPE", ftInvalidSObj, "%s", msg)
		f.Row, f.Column = -1, -1
		return nil, f
	}
	obj, ok := s.sc().Object(typ)
	if !ok {
		return nil, faultInvalidType(typ)
	}
	r := &inRecord{obj: obj}
	for _, c := range n.children {
		switch c.local {
		case "type":
			continue
		case "fieldsToNull":
			name := strings.TrimSpace(c.text)
			if name == "" {
				continue
			}
			f, ok := obj.Field(name)
			if !ok {
				return nil, noSuchColumn(name, obj.Name)
			}
			r.toNull = append(r.toNull, f)
			continue
		}
		if strings.EqualFold(c.local, "Id") {
			if !c.nilAttr {
				r.id, r.hasID = strings.TrimSpace(c.text), strings.TrimSpace(c.text) != ""
			}
			continue
		}
		if len(c.children) > 0 {
			ref, ok := obj.ParentRelationship(c.local)
			if !ok {
				return nil, noSuchColumn(c.local, obj.Name)
			}
			ptype, _ := c.value("type")
			parent, ok := s.sc().Object(ptype)
			if !ok || !slices.ContainsFunc(ref.ReferenceTo, func(t string) bool { return strings.EqualFold(t, ptype) }) {
				return nil, faultInvalidType(ptype)
			}
			r.fields = append(r.fields, inField{nested: c, parent: parent, ref: ref})
			continue
		}
		if c.nilAttr {
			continue // nil means "not sent"; fieldsToNull is how a field is cleared
		}
		f, ok := obj.Field(c.local)
		if !ok {
			return nil, noSuchColumn(c.local, obj.Name)
		}
		r.fields = append(r.fields, inField{field: f, value: c.text})
	}
	return r, nil
}

func noSuchColumn(field, object string) *Fault {
	f := newFault("INVALID_FIELD", ftInvalidField, "No such column '%s' on entity '%s'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", field, object)
	f.Row, f.Column = -1, -1
	return f
}

// writeCall carries one write call's options and undo journal.
type writeCall struct {
	s         *Server
	d         *store
	now       time.Time
	truncate  bool
	allOrNone bool
	dup       dupOptions // duplicate rules run (create, update, upsert)
	u         *undo
}

// beginWrite reads the write headers; the caller holds s.mu for writing.
func (s *Server) beginWrite(c *call) *writeCall {
	s.data.trimLog(s.now())
	return &writeCall{
		s:         s,
		d:         s.data,
		now:       s.now(),
		truncate:  c.soapHeader("AllowFieldTruncationHeader").boolValue("allowFieldTruncation", false),
		allOrNone: c.soapHeader("AllOrNoneHeader").boolValue("allOrNone", false),
		u:         s.data.begin(),
	}
}

// result is one per-record outcome of a write call.
type result struct {
	id      string
	created bool
	errs    []*recordError
}

// finish applies AllOrNoneHeader: one failure rolls back the whole call
// and the records that had succeeded report ALL_OR_NONE_OPERATION_ROLLED_BACK.
func (wc *writeCall) finish(results []result) {
	if !wc.allOrNone {
		return
	}
	failed := slices.ContainsFunc(results, func(r result) bool { return len(r.errs) > 0 })
	if !failed {
		return
	}
	wc.u.rollback()
	for i := range results {
		if len(results[i].errs) == 0 {
			results[i].errs = []*recordError{recErr("ALL_OR_NONE_OPERATION_ROLLED_BACK", nil,
				"Record rolled back because not all records were valid and the request was using AllOrNone header")}
		}
		results[i].id = ""
		results[i].created = false
	}
}

// value converts and checks one field value, including reference
// integrity for lookups.
func (wc *writeCall) value(f *meta.Field, raw string) (string, *recordError) {
	if f.SoapType == "tns:ID" {
		return wc.reference(f, raw)
	}
	return convertValue(f, raw, wc.truncate)
}

func (wc *writeCall) reference(f *meta.Field, raw string) (string, *recordError) {
	id, err := meta.To18(raw)
	if err != nil {
		return "", recErr("MALFORMED_ID", []string{f.Name}, "%s: id value of incorrect type: %s", f.Label, raw)
	}
	target, ok := wc.s.sc().ObjectForID(id)
	if !ok || !slices.ContainsFunc(f.ReferenceTo, func(t string) bool { return strings.EqualFold(t, target.Name) }) {
		return "", recErr("FIELD_INTEGRITY_EXCEPTION", []string{f.Name}, "%s: id value of incorrect type: %s", f.Label, raw)
	}
	rec := wc.d.get(target.Name, id)
	if rec == nil || isDeleted(rec) {
		return "", recErr("INVALID_CROSS_REFERENCE_KEY", []string{f.Name}, "invalid cross reference id")
	}
	return id, nil
}

// resolveNested finds the parent a nested external-id element names.
func (wc *writeCall) resolveNested(in inField) (string, *recordError) {
	for _, c := range in.nested.children {
		if c.local == "type" {
			continue
		}
		f, ok := in.parent.Field(c.local)
		if !ok || !(f.ExternalID || f.Name == "Id") {
			return "", recErr("INVALID_FIELD", []string{in.ref.Name}, "Field name provided, %s is not an External ID or indexed field for %s", c.local, in.parent.Name)
		}
		val := strings.TrimSpace(c.text)
		if f.Name == "Id" {
			return wc.reference(in.ref, val)
		}
		ids := wc.findByField(in.parent, f, val)
		switch len(ids) {
		case 0:
			return "", recErr("INVALID_FIELD", []string{in.ref.Name}, "Foreign key external ID: %s not found for field %s in entity %s", val, f.Name, in.parent.Name)
		case 1:
			return ids[0], nil
		}
		return "", recErr("INVALID_FIELD", []string{in.ref.Name}, "Foreign key external ID: %s matches more than one record for field %s in entity %s", val, f.Name, in.parent.Name)
	}
	return "", recErr("INVALID_FIELD", []string{in.ref.Name}, "Foreign key external ID: no external ID field given for %s", in.parent.Name)
}

// findByField returns the live records whose field equals val, comparing
// case-insensitively unless the field is case-sensitive.
func (wc *writeCall) findByField(obj *meta.Object, f *meta.Field, val string) []string {
	var ids []string
	t := wc.d.tables[strings.ToLower(obj.Name)]
	if t == nil {
		return nil
	}
	t.each(func(r meta.Record) bool {
		if isDeleted(r) {
			return true
		}
		v, ok := r[f.Name]
		if ok && (v == val || (!f.CaseSensitive && strings.EqualFold(v, val))) {
			ids = append(ids, r["Id"])
		}
		return true
	})
	return ids
}

// assign applies the request's fields to rec, for create (insert=true) or
// update.
func (wc *writeCall) assign(r *inRecord, rec meta.Record, insert bool) *recordError {
	var readOnly []string
	var missing []string
	allowed := func(f *meta.Field) bool {
		if insert {
			return f.Createable
		}
		return f.Updateable
	}
	clear := func(f *meta.Field) {
		if !allowed(f) {
			readOnly = append(readOnly, f.Name)
			return
		}
		if !f.Nillable && !(insert && f.DefaultedOnCreate) {
			missing = append(missing, f.Name)
			return
		}
		delete(rec, f.Name)
	}
	for _, f := range r.toNull {
		clear(f)
	}
	for _, in := range r.fields {
		if in.nested != nil {
			if !allowed(in.ref) {
				readOnly = append(readOnly, in.ref.Name)
				continue
			}
			id, e := wc.resolveNested(in)
			if e != nil {
				return e
			}
			rec[in.ref.Name] = id
			continue
		}
		f := in.field
		if !allowed(f) {
			readOnly = append(readOnly, f.Name)
			continue
		}
		raw := in.value
		if f.Type != "textarea" {
			raw = strings.TrimSpace(raw)
		}
		if raw == "" {
			// Salesforce stores an empty string as null.
			clear(f)
			continue
		}
		if f.Name == "RecordTypeId" {
			if e := wc.setRecordType(r.obj, rec, raw); e != nil {
				return e
			}
			continue
		}
		v, e := wc.value(f, raw)
		if e != nil {
			return e
		}
		rec[f.Name] = v
	}
	if len(readOnly) > 0 {
		return recErr("INVALID_FIELD_FOR_INSERT_UPDATE", readOnly,
			"Unable to create/update fields: %s. Please check the security settings of this field and verify that it is read/write for your profile or permission set.", strings.Join(readOnly, ", "))
	}
	if len(missing) > 0 {
		return recErr("REQUIRED_FIELD_MISSING", missing, "Required fields are missing: [%s]", strings.Join(missing, ", "))
	}
	return nil
}

// finishRecord fills defaults and derived fields, then checks required and
// unique fields.
func (wc *writeCall) finishRecord(obj *meta.Object, rec meta.Record, insert bool) *recordError {
	if insert {
		for i := range obj.Fields {
			f := &obj.Fields[i]
			if _, set := rec[f.Name]; set || f.Calculated {
				continue
			}
			switch {
			case f.Type == "boolean":
				rec[f.Name] = strconv.FormatBool(f.DefaultValue == true)
			case (f.Type == "picklist" || f.Type == "multipicklist") && f.DefaultedOnCreate:
				for _, p := range f.PicklistValues {
					if p.Active && p.DefaultValue {
						rec[f.Name] = p.Value
						break
					}
				}
			case f.AutoNumber:
				rec[f.Name] = wc.s.nextAutoNumber(obj.Name)
			}
		}
		if f, ok := obj.Field("OwnerId"); ok && rec[f.Name] == "" {
			rec["OwnerId"] = wc.s.usr().ID
		}
		var missing []string
		for i := range obj.Fields {
			f := &obj.Fields[i]
			if f.Createable && !f.Nillable && !f.DefaultedOnCreate && f.Type != "boolean" {
				if _, ok := rec[f.Name]; !ok {
					missing = append(missing, f.Name)
				}
			}
		}
		if len(missing) > 0 {
			return recErr("REQUIRED_FIELD_MISSING", missing, "Required fields are missing: [%s]", strings.Join(missing, ", "))
		}
	}
	derive(obj, rec)
	for i := range obj.Fields {
		f := &obj.Fields[i]
		if !f.Unique && !(f.ExternalID && f.Unique) {
			continue
		}
		v, ok := rec[f.Name]
		if !ok {
			continue
		}
		for _, id := range wc.findByField(obj, f, v) {
			if id != rec["Id"] {
				return recErr("DUPLICATE_VALUE", []string{f.Name}, "duplicate value found: %s duplicates value on record with id: %s", f.Name, id)
			}
		}
	}
	return nil
}

// derive maintains fields Salesforce computes: compound names, closed and
// won flags.
func derive(obj *meta.Object, rec meta.Record) {
	if f, ok := obj.Field("Name"); ok && !f.Createable && !f.Updateable {
		if _, hasLast := obj.Field("LastName"); hasLast {
			parts := []string{}
			for _, k := range []string{"FirstName", "MiddleName", "LastName", "Suffix"} {
				if v := rec[k]; v != "" {
					parts = append(parts, v)
				}
			}
			if len(parts) > 0 {
				rec["Name"] = strings.Join(parts, " ")
			} else {
				delete(rec, "Name")
			}
		}
	}
	switch obj.Name {
	case "Opportunity":
		stage := rec["StageName"]
		rec["IsClosed"] = strconv.FormatBool(strings.HasPrefix(stage, "Closed"))
		rec["IsWon"] = strconv.FormatBool(stage == "Closed Won")
	case "Case":
		rec["IsClosed"] = strconv.FormatBool(rec["Status"] == "Closed")
	}
}

// stamp sets the audit fields of a record being written.
func (wc *writeCall) stamp(obj *meta.Object, rec meta.Record, insert bool) {
	ts := formatDateTime(wc.now)
	set := func(name, v string) {
		if _, ok := obj.Field(name); ok {
			rec[name] = v
		}
	}
	if insert {
		rec["Id"] = meta.NewID(obj.Prefix())
		set("CreatedDate", ts)
		set("CreatedById", wc.s.usr().ID)
		rec["IsDeleted"] = "false"
	}
	set("LastModifiedDate", ts)
	set("LastModifiedById", wc.s.usr().ID)
	set("SystemModstamp", ts)
}

// insert creates one record.
func (wc *writeCall) insert(r *inRecord) (string, *recordError) {
	if !r.obj.Createable {
		return "", recErr("INVALID_TYPE", nil, "entity type %s does not support insert", r.obj.Name)
	}
	if r.hasID {
		return "", recErr("INVALID_FIELD_FOR_INSERT_UPDATE", []string{"Id"}, "cannot specify Id in an insert call")
	}
	return wc.store(r, meta.Record{}, true)
}

// store applies r's values to rec (a new record, or a copy of the current
// one), validates and stamps it, and saves it with undo and change log.
func (wc *writeCall) store(r *inRecord, rec meta.Record, create bool) (string, *recordError) {
	if e := wc.assign(r, rec, create); e != nil {
		return "", e
	}
	if create {
		defaultRecordType(r, rec)
	}
	wc.stamp(r.obj, rec, create)
	if e := wc.finishRecord(r.obj, rec, create); e != nil {
		return "", e
	}
	if e := wc.checkDuplicates(r.obj, rec); e != nil {
		return "", e
	}
	wc.u.save(r.obj.Name, rec["Id"])
	wc.d.put(r.obj.Name, rec)
	wc.d.record(r.obj.Name, rec["Id"], changeUpsert, wc.now)
	return rec["Id"], nil
}

// live finds a record by a 15- or 18-character id for update-like calls.
func (wc *writeCall) live(obj *meta.Object, raw string) (meta.Record, *recordError) {
	id, err := meta.To18(raw)
	if err != nil || meta.KeyPrefix(id) != obj.Prefix() {
		return nil, recErr("MALFORMED_ID", []string{"Id"}, "%s ID: id value of incorrect type: %s", obj.Label, raw)
	}
	rec := wc.d.get(obj.Name, id)
	if rec == nil {
		return nil, recErr("INVALID_CROSS_REFERENCE_KEY", nil, "invalid cross reference id")
	}
	if isDeleted(rec) {
		return nil, recErr("ENTITY_IS_DELETED", nil, "entity is deleted")
	}
	if obj.Name == "Lead" && rec["IsConverted"] == "true" {
		return nil, recErr("CANNOT_UPDATE_CONVERTED_LEAD", nil, "cannot reference converted lead")
	}
	return rec, nil
}

// modify updates one existing record.
func (wc *writeCall) modify(r *inRecord, cur meta.Record) (string, *recordError) {
	if !r.obj.Updateable {
		return "", recErr("INVALID_TYPE", nil, "entity type %s does not support update", r.obj.Name)
	}
	return wc.store(r, maps.Clone(cur), false)
}

func (wc *writeCall) update(r *inRecord) (string, *recordError) {
	if !r.hasID {
		return "", recErr("MISSING_ARGUMENT", nil, "Id not specified in an update call")
	}
	cur, e := wc.live(r.obj, r.id)
	if e != nil {
		return "", e
	}
	return wc.modify(r, cur)
}

// parseWriteRecords resolves the sObjects of a create/update/upsert call.
func (s *Server) parseWriteRecords(c *call) ([]*inRecord, *Fault) {
	nodes := c.body.all("sObjects")
	if len(nodes) > maxWriteRecords {
		return nil, faultIDLimit()
	}
	if len(nodes) == 0 {
		return nil, noItems(c.op, "sObjects")
	}
	out := make([]*inRecord, 0, len(nodes))
	for _, n := range nodes {
		r, f := s.parseSObject(n)
		if f != nil {
			return nil, f
		}
		out = append(out, r)
	}
	return out, nil
}

func (s *Server) opCreate(c *call) *Fault {
	return s.saveCall(c, (*writeCall).insert)
}

func (s *Server) opUpdate(c *call) *Fault {
	return s.saveCall(c, (*writeCall).update)
}

func (s *Server) saveCall(c *call, do func(*writeCall, *inRecord) (string, *recordError)) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	recs, f := s.parseWriteRecords(c)
	if f != nil {
		return f
	}
	wc := s.beginWrite(c)
	wc.dup = dupOptionsOf(c)
	results := make([]result, len(recs))
	for i, r := range recs {
		id, e := do(wc, r)
		results[i] = result{id: id}
		if e != nil {
			results[i].errs = []*recordError{e}
		}
	}
	wc.finish(results)
	writeSaveResults(&c.w, results, false)
	return nil
}

// writeSaveResults renders SaveResult (or UpsertResult with created).
func writeSaveResults(w *xw, results []result, upsert bool) {
	for _, r := range results {
		w.open("result")
		if upsert {
			w.boolElem("created", r.created && len(r.errs) == 0)
		}
		writeErrors(w, r.errs)
		w.opt("id", r.id, r.id != "" && len(r.errs) == 0)
		w.boolElem("success", len(r.errs) == 0)
		w.close("result")
	}
}

func (s *Server) opUpsert(c *call) *Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	extName, _ := c.body.value("externalIDFieldName")
	recs, f := s.parseWriteRecords(c)
	if f != nil {
		return f
	}
	wc := s.beginWrite(c)
	wc.dup = dupOptionsOf(c)
	results := make([]result, len(recs))
	// The external id value of each record, to spot repeats within the call.
	keys := make([]string, len(recs))
	seen := map[string]int{}
	for i, r := range recs {
		ext, ok := r.obj.Field(extName)
		if !ok || !(ext.ExternalID || ext.Name == "Id") {
			bad := newFault("INVALID_FIELD", ftInvalidField, "Field name provided, %s is not an External ID or indexed field for %s", extName, r.obj.Name)
			bad.Row, bad.Column = -1, -1
			return bad
		}
		if ext.Name == "Id" {
			if id, err := meta.To18(r.id); err == nil {
				keys[i] = r.obj.Name + "\x00" + id
			}
			continue
		}
		for _, in := range r.fields {
			if in.field == ext {
				keys[i] = r.obj.Name + "\x00" + strings.ToLower(strings.TrimSpace(in.value))
			}
		}
		if keys[i] != "" {
			seen[keys[i]]++
		}
	}
	for i, r := range recs {
		ext, _ := r.obj.Field(extName)
		res := &results[i]
		if keys[i] != "" && seen[keys[i]] > 1 {
			res.errs = []*recordError{recErr("DUPLICATE_EXTERNAL_ID", []string{ext.Name}, "Duplicate external id specified: %s", keys[i][strings.IndexByte(keys[i], 0)+1:])}
			continue
		}
		id, created, e := wc.upsertOne(r, ext)
		res.id, res.created = id, created
		if e != nil {
			res.errs = []*recordError{e}
		}
	}
	wc.finish(results)
	writeSaveResults(&c.w, results, true)
	return nil
}

func (wc *writeCall) upsertOne(r *inRecord, ext *meta.Field) (string, bool, *recordError) {
	if ext.Name == "Id" {
		if !r.hasID {
			id, e := wc.insert(r)
			return id, e == nil, e
		}
		cur, e := wc.live(r.obj, r.id)
		if e != nil {
			return "", false, e
		}
		r.hasID = false
		id, e := wc.modify(r, cur)
		return id, false, e
	}
	var val string
	found := false
	for _, in := range r.fields {
		if in.field == ext {
			val, found = strings.TrimSpace(in.value), true
		}
	}
	if !found || val == "" {
		return "", false, recErr("MISSING_ARGUMENT", []string{ext.Name}, "%s not specified", ext.Name)
	}
	ids := wc.findByField(r.obj, ext, val)
	switch len(ids) {
	case 0:
		if r.hasID {
			return "", false, recErr("INVALID_FIELD_FOR_INSERT_UPDATE", []string{"Id"}, "cannot specify Id in an insert call")
		}
		id, e := wc.insert(r)
		return id, e == nil, e
	case 1:
		cur := wc.d.get(r.obj.Name, ids[0])
		id, e := wc.modify(r, cur)
		return id, false, e
	}
	return "", false, recErr("DUPLICATE_EXTERNAL_ID", []string{ext.Name}, "%s: more than one record found for external id field: [%s]", r.obj.Name, strings.Join(ids, ", "))
}

// lookupAny finds a record by id in whatever object its prefix names.
func (s *Server) lookupAny(raw string) (*meta.Object, meta.Record, bool) {
	id, err := meta.To18(raw)
	if err != nil {
		return nil, nil, false
	}
	obj, ok := s.sc().ObjectForID(id)
	if !ok {
		return nil, nil, true
	}
	return obj, s.data.get(obj.Name, id), true
}

func (s *Server) opDelete(c *call) *Fault {
	ids, f := idArgs(c)
	if f != nil {
		return f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wc := s.beginWrite(c)
	results := make([]result, len(ids))
	for i, raw := range ids {
		id, e := wc.delete(raw)
		results[i] = result{id: id}
		if e != nil {
			results[i].errs = []*recordError{e}
		}
	}
	wc.finish(results)
	writeSaveResults(&c.w, results, false)
	return nil
}

func (wc *writeCall) delete(raw string) (string, *recordError) {
	obj, rec, wellFormed := wc.s.lookupAny(raw)
	if !wellFormed {
		return "", recErr("MALFORMED_ID", nil, "bad id %s", raw)
	}
	if rec == nil || isDeleted(rec) {
		return "", recErr("ENTITY_IS_DELETED", nil, "entity is deleted")
	}
	if !obj.Deletable {
		return "", recErr("INSUFFICIENT_ACCESS_OR_READONLY", nil, "insufficient access rights on object id")
	}
	wc.softDelete(obj, rec, 0)
	return rec["Id"], nil
}

// softDelete moves a record and its cascade-delete children to the
// recycle bin.
func (wc *writeCall) softDelete(obj *meta.Object, rec meta.Record, depth int) {
	id := rec["Id"]
	wc.u.save(obj.Name, id)
	nrec := maps.Clone(rec)
	nrec["IsDeleted"] = "true"
	wc.stamp(obj, nrec, false)
	wc.d.put(obj.Name, nrec)
	wc.d.record(obj.Name, id, changeDelete, wc.now)
	if depth > 4 {
		return
	}
	for _, cr := range obj.ChildRelationships {
		if !cr.CascadeDelete {
			continue
		}
		child, ok := wc.s.sc().Object(cr.ChildSObject)
		if !ok {
			continue
		}
		t := wc.d.tables[strings.ToLower(child.Name)]
		if t == nil {
			continue
		}
		var hits []meta.Record
		t.each(func(r meta.Record) bool {
			if r[cr.Field] == id && !isDeleted(r) {
				hits = append(hits, r)
			}
			return true
		})
		for _, r := range hits {
			wc.softDelete(child, r, depth+1)
		}
	}
}

func (s *Server) opUndelete(c *call) *Fault {
	ids, f := idArgs(c)
	if f != nil {
		return f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	wc := s.beginWrite(c)
	results := make([]result, len(ids))
	for i, raw := range ids {
		obj, rec, ok := s.lookupAny(raw)
		switch {
		case !ok:
			results[i].errs = []*recordError{recErr("MALFORMED_ID", nil, "bad id %s", raw)}
		case rec == nil || !isDeleted(rec):
			results[i].errs = []*recordError{recErr("UNDELETE_FAILED", nil, "Entity is not in the recycle bin")}
		case !obj.Undeletable:
			results[i].errs = []*recordError{recErr("UNDELETE_FAILED", nil, "Entity type %s cannot be undeleted", obj.Name)}
		default:
			wc.u.save(obj.Name, rec["Id"])
			nrec := maps.Clone(rec)
			nrec["IsDeleted"] = "false"
			wc.stamp(obj, nrec, false)
			wc.d.put(obj.Name, nrec)
			wc.d.record(obj.Name, rec["Id"], changeUpsert, wc.now)
			results[i].id = rec["Id"]
		}
	}
	wc.finish(results)
	writeSaveResults(&c.w, results, false)
	return nil
}

func (s *Server) opEmptyRecycleBin(c *call) *Fault {
	ids, f := idArgs(c)
	if f != nil {
		return f
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	results := make([]result, len(ids))
	for i, raw := range ids {
		obj, rec, ok := s.lookupAny(raw)
		switch {
		case !ok:
			results[i].errs = []*recordError{recErr("MALFORMED_ID", nil, "bad id %s", raw)}
		case rec == nil || !isDeleted(rec):
			results[i].errs = []*recordError{recErr("INVALID_ID_FIELD", nil, "Entity is not in the recycle bin")}
		default:
			s.data.remove(obj.Name, rec["Id"])
			results[i].id = rec["Id"]
		}
	}
	writeSaveResults(&c.w, results, false)
	return nil
}

func padNumber(n, width int) string {
	v := strconv.Itoa(n)
	if len(v) >= width {
		return v
	}
	return strings.Repeat("0", width-len(v)) + v
}
