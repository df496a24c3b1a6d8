package soql

import (
	"math/big"
	"strings"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// compileSelect compiles the SELECT list of a record (not aggregate) query.
func (ex *exec) compileSelect(p *plan, depth int) *Error {
	q, obj := p.q, p.obj
	if q.ForUpdate && len(q.OrderBy) > 0 {
		// "You can't use the ORDER BY clause in any SOQL query that uses
		// locking" (SOQL and SOSL Reference, FOR UPDATE,
		// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_for_update.htm);
		// the wording of the refusal is the engine's.
		return errorAt(CodeMalformedQuery, q.text, q.OrderBy[0].Field.Off, "ORDER BY is not allowed in a query that uses FOR UPDATE")
	}
	seen := map[string]bool{}
	for i := range q.Select {
		it := &q.Select[i]
		switch it.Kind {
		case SelectField, SelectFunc:
			if it.Kind == SelectField && it.Alias != "" {
				// Only grouped queries alias plain fields; elsewhere the
				// alias is where FROM was expected.
				return errorAt(CodeMalformedQuery, q.text, it.AliasOff, "unexpected token: '"+it.Alias+"'")
			}
			ref, err := ex.resolve(q, obj, it.Field)
			if err != nil {
				return err
			}
			key := strings.ToLower(ref.path)
			if it.Alias != "" {
				key = "alias " + strings.ToLower(it.Alias)
			}
			if seen[key] {
				// Documented without a position (SOQL FIELDS() page);
				// FORMAT's page: "aliasing is required when the query
				// includes the same field multiple times".
				return plainError(CodeInvalidField, "duplicate field selected: "+ref.path)
			}
			seen[key] = true
			e := ex.place(p.root, ref)
			if it.Kind == SelectFunc {
				if err := checkFunc(q, it, ref.leaf); err != nil {
					return err
				}
				e.fn = it.Func
				if it.Alias != "" {
					e.name = it.Alias
				}
			}
		case SelectTypeOf:
			if err := ex.compileTypeOf(p, it.TypeOf, seen); err != nil {
				return err
			}
		case SelectSubquery:
			sp, err := ex.compileChild(q, obj, it.Sub, depth)
			if err != nil {
				return err
			}
			key := "(" + strings.ToLower(sp.relName)
			if seen[key] {
				return plainError(CodeInvalidField, "duplicate field selected: "+sp.relName)
			}
			seen[key] = true
			p.root.entries = append(p.root.entries, &entry{kind: ItemChildren, name: sp.relName, sub: sp})
		}
	}
	return nil
}

// checkFunc refuses a field function where Salesforce documents it does not
// apply. GROUPING belongs to aggregate queries (isAggregate routes those).
func checkFunc(q *Query, it *SelectItem, f *meta.Field) *Error {
	switch it.Func {
	case "CONVERTCURRENCY":
		if f.Type != "currency" {
			return errorAt(CodeInvalidField, q.text, it.Field.Off,
				"convertCurrency can only be applied to a currency field: "+f.Name)
		}
	case "FORMAT":
		switch f.Type {
		case "currency", "double", "int", "percent", "date", "datetime", "time":
		default:
			return errorAt(CodeInvalidField, q.text, it.Field.Off,
				"FORMAT can only be applied to a number, currency, date, time or dateTime field: "+f.Name)
		}
	}
	return nil
}

// applyFunc applies toLabel, FORMAT or convertCurrency to a stored value.
// The org has one currency and the en_US locale, so convertCurrency is the
// identity (SOQL and SOSL Reference, convertCurrency(): values convert to
// the user's currency, which is the org's only one) and FORMAT writes what
// the FORMAT() page shows for en_US: "$44,000.00", "4/10/2025, 3:31 PM"
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_format.htm).
// toLabel returns the picklist value's label (toLabel() page,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_tolabel.htm);
// on any other field the value is unchanged.
func (ex *exec) applyFunc(fn string, f *meta.Field, v string) string {
	switch fn {
	case "TOLABEL":
		for _, pv := range f.PicklistValues {
			if strings.EqualFold(pv.Value, v) && pv.Label != nil {
				return *pv.Label
			}
		}
	case "FORMAT":
		return ex.formatValue(f, v)
	}
	return v
}

// formatValue is FORMAT() in the en_US locale.
func (ex *exec) formatValue(f *meta.Field, v string) string {
	switch f.Type {
	case "date":
		if t, err := time.Parse(meta.DateLayout, v); err == nil {
			return t.Format("1/2/2006")
		}
	case "datetime":
		if t, ok := parseDateTime(v); ok {
			return t.In(ex.loc).Format("1/2/2006, 3:04 PM")
		}
	case "currency", "double", "int", "percent":
		r, ok := new(big.Rat).SetString(v)
		if !ok {
			return v
		}
		s := groupThousands(r.FloatString(f.Scale))
		switch f.Type {
		case "currency":
			if strings.HasPrefix(s, "-") {
				return "-$" + s[1:]
			}
			return "$" + s
		case "percent":
			return s + "%"
		}
		return s
	}
	return v
}

// groupThousands puts en_US thousands separators into a decimal string.
func groupThousands(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

// nameObject is the Name entity: what a polymorphic relationship (Case.Owner,
// Lead.Owner, Task.What/Who) reads, whatever the parent's real type. Its
// fields and types are those of the Object Reference's "Name" page
// (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_name.htm;
// field table: https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-name.html).
var nameObject = func() *meta.Object {
	fields := []struct{ name, typ string }{
		{"Id", "id"}, {"Alias", "string"}, {"CommunityNickname", "string"}, {"Email", "email"},
		{"FirstName", "string"}, {"IsActive", "boolean"}, {"LastName", "string"},
		{"LastReferencedDate", "datetime"}, {"LastViewedDate", "datetime"}, {"MediumPhotoUrl", "url"},
		{"Name", "string"}, {"NameOrAlias", "string"}, {"Phone", "phone"}, {"ProfileId", "reference"},
		{"RecordTypeId", "reference"}, {"SmallPhotoUrl", "url"}, {"Title", "string"}, {"Type", "picklist"},
		{"UserRoleId", "reference"}, {"Username", "string"},
	}
	o := &meta.Object{Name: "Name"}
	for _, f := range fields {
		o.Fields = append(o.Fields, meta.Field{Name: f.name, Type: f.typ, Filterable: true, Sortable: true, Groupable: f.typ != "datetime"})
	}
	return o
}()

// nameValue reads a Name entity field from the real parent record of type
// obj: Type is the parent's object name, NameOrAlias its Name, the rest the
// parent's field of the same name (empty where the type has none, as the
// Name page says: "This field contains a value only if the related record
// is a user").
func nameValue(obj string, rec meta.Record, field string) string {
	switch field {
	case "Type":
		return obj
	case "NameOrAlias":
		return rec["Name"]
	}
	return rec[field]
}

// compileTypeOf compiles TYPEOF rel WHEN T THEN fields … [ELSE fields] END
// (SOQL and SOSL Reference, TYPEOF,
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_typeof.htm):
// the parent comes back with its real type and the fields of the matching
// WHEN, or of ELSE.
func (ex *exec) compileTypeOf(p *plan, t *TypeOf, seen map[string]bool) *Error {
	q := p.q
	rel, ok := p.obj.ParentRelationship(t.Rel.Text)
	if !ok {
		return errorAt(CodeInvalidField, q.text, t.Rel.Off,
			"Didn't understand relationship '"+t.Rel.Text+"' in field path."+customRelationshipHint)
	}
	key := strings.ToLower(*rel.RelationshipName) + "."
	if seen[key] {
		// "typeOfField cannot reference a relationship field that is also
		// referenced in fieldList" (SOQL SELECT Syntax).
		return plainError(CodeInvalidField, "duplicate field selected: "+*rel.RelationshipName)
	}
	seen[key] = true
	e := &entry{kind: ItemParent, name: *rel.RelationshipName, field: rel, typeOf: map[string]*node{}}
	for _, w := range t.Whens {
		to := ""
		for _, r := range rel.ReferenceTo {
			if strings.EqualFold(r, w.Type.Text) {
				to = r
			}
		}
		if to == "" {
			return errorAt(CodeInvalidType, q.text, w.Type.Off,
				"sObject type '"+w.Type.Text+"' is not supported."+customObjectHint)
		}
		o, ok := ex.src.Object(to)
		if !ok {
			continue // a type the org does not hold: no parent can match
		}
		n, err := ex.typeOfFields(q, o, w.Fields)
		if err != nil {
			return err
		}
		e.typeOf[strings.ToLower(to)] = n
	}
	if len(t.Else) > 0 {
		n, err := ex.typeOfFields(q, nameObject, t.Else)
		if err != nil {
			return err
		}
		n.poly = true
		e.child = n
	}
	p.root.entries = append(p.root.entries, e)
	return nil
}

// typeOfFields compiles one WHEN or ELSE field list against obj.
func (ex *exec) typeOfFields(q *Query, obj *meta.Object, names []Name) (*node, *Error) {
	n := &node{}
	for _, name := range names {
		f, ok := obj.Field(name.Text)
		if !ok {
			return nil, errorAt(CodeInvalidField, q.text, name.Off,
				"No such column '"+name.Text+"' on entity '"+obj.Name+"'."+customFieldHint)
		}
		n.entries = append(n.entries, &entry{kind: ItemScalar, name: f.Name, field: f})
		if f.Name == "Id" {
			n.idSelected = true
		}
	}
	return n, nil
}

// buildParent builds a parent row: a TYPEOF picks the node of the parent's
// real type (or ELSE's, typed Name-like fields read from the record).
func (ex *exec) buildParent(e *entry, p parentRec) *Row {
	if e.typeOf == nil {
		return ex.buildRow(e.child, p.obj, p.rec)
	}
	if n, ok := e.typeOf[strings.ToLower(p.obj)]; ok {
		return ex.buildRow(n, p.obj, p.rec)
	}
	if e.child != nil {
		r := ex.buildRow(e.child, p.obj, p.rec)
		r.Type = p.obj // TYPEOF answers with the real type
		return r
	}
	return &Row{Type: p.obj, ID: p.rec["Id"]}
}
