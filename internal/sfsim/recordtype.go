package sfsim

import (
	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// setRecordType checks a RecordTypeId sent on create or update against
// the object's record types: it must be one the user may use (active and
// available in describe's recordTypeInfos), else Salesforce answers
// INVALID_CROSS_REFERENCE_KEY "Record Type ID: this ID value isn't valid
// for the user: <id>" on [RecordTypeId] — the wording real orgs give, for
// the Master id as for any other (mbotos/SmartFactory-for-Force.com#25,
// CoderDojo/community-platform#888). The Master record type has no id of
// its own (Salesforce Help 000005125), so choosing it stores null.
func (wc *writeCall) setRecordType(obj *meta.Object, rec meta.Record, raw string) *recordError {
	f, _ := obj.Field("RecordTypeId")
	id, err := meta.To18(raw)
	if err != nil {
		return recErr("MALFORMED_ID", []string{f.Name}, "%s: id value of incorrect type: %s", f.Label, raw)
	}
	rt, ok := obj.RecordType(id)
	if !ok || !rt.Active || !rt.Available {
		return recErr("INVALID_CROSS_REFERENCE_KEY", []string{f.Name}, "Record Type ID: this ID value isn't valid for the user: %s", raw)
	}
	if rt.Master {
		delete(rec, f.Name)
		return nil
	}
	rec[f.Name] = *rt.RecordTypeID
	return nil
}

// defaultRecordType gives a record created without RecordTypeId the
// user's default record type (describe's defaultRecordTypeMapping). The
// rule as Salesforce's docs state it: "If you don't pass the recordType,
// the record is created using the default recordType for the profile"
// (Open CTI, saveLog()); UI API's create defaults: "If not provided, the
// default record type is used". Master as the default leaves the field
// null.
func defaultRecordType(r *inRecord, rec meta.Record) {
	if _, ok := r.obj.Field("RecordTypeId"); !ok {
		return
	}
	for _, in := range r.fields {
		if in.field != nil && in.field.Name == "RecordTypeId" {
			return
		}
	}
	rt, ok := r.obj.DefaultRecordType()
	if !ok || rt.Master || rt.RecordTypeID == nil {
		return
	}
	rec["RecordTypeId"] = *rt.RecordTypeID
}
