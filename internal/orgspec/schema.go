package orgspec

import (
	"slices"

	"go.yaml.in/yaml/v4"

	"github.com/sfgate/sfgate"
)

// idPattern is a 15- or 18-character Salesforce id, as the generic
// document's RecordId schema has it.
const idPattern = "^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$"

// kind is how the gateway types a field's value in JSON: the engine's own
// typing (sfgate.ValueKind), so the document says what the gateway really
// accepts and answers.
type kind sfgate.ValueKind

func kindOf(f *sfgate.FieldDescribe) kind { return kind(sfgate.ValueKindOf(f.Type, f.SoapType)) }

const (
	kString        = kind(sfgate.ValueString)
	kPicklist      = kind(sfgate.ValuePicklist)
	kMultiPicklist = kind(sfgate.ValueMultiPicklist)
	kID            = kind(sfgate.ValueID)
	kBool          = kind(sfgate.ValueBool)
	kInt           = kind(sfgate.ValueInt)
	kLong          = kind(sfgate.ValueLong)
	kNumber        = kind(sfgate.ValueDecimal)
	kDate          = kind(sfgate.ValueDate)
	kDateTime      = kind(sfgate.ValueDateTime)
	kTime          = kind(sfgate.ValueTime)
	kBase64        = kind(sfgate.ValueBase64)
	kAddress       = kind(sfgate.ValueAddress)
	kLocation      = kind(sfgate.ValueLocation)
	kAny           = kind(sfgate.ValueAny)
)

// writable reports whether a field of this kind can be sent at all:
// compound fields (address, location) are written through their
// components, which describe lists as fields of their own.
func (k kind) writable() bool { return k != kAddress && k != kLocation }

// fieldSchema is the OpenAPI 3.0 schema of one field's value. Nullability
// comes from nillable: a nillable field may be read as null and cleared
// with null. A restricted picklist lists its active values; null is left
// out of the enum, as nullable says it: oapi-codegen makes a constant
// "<nil>" of a null in an enum, and kin-openapi and openapi-typescript take
// nullable as admitting null either way.
func fieldSchema(f *sfgate.FieldDescribe) *yaml.Node {
	m := mapping()
	typ := "string"
	var extra []any
	switch k := kindOf(f); k {
	case kString, kPicklist:
		if f.Length > 0 {
			extra = append(extra, "maxLength", f.Length)
		}
		switch f.Type {
		case "email":
			extra = append(extra, "format", "email")
		case "url":
			extra = append(extra, "format", "uri")
		}
		if k == kPicklist && f.RestrictedPicklist {
			if e := enum(f); e != nil {
				extra = append(extra, "enum", e)
			}
		}
	case kMultiPicklist:
		typ = "array"
		items := mapping("type", "string", "minLength", 1, "pattern", "^[^;]+$")
		if f.RestrictedPicklist {
			if e := enum(f); e != nil {
				add(items, "enum", e)
			}
		}
		extra = append(extra, "items", items, "uniqueItems", true)
	case kID:
		extra = append(extra, "pattern", idPattern)
		if len(f.ReferenceTo) > 0 {
			extra = append(extra, "x-referenceTo", strings(f.ReferenceTo))
		}
	case kBool:
		typ = "boolean"
	case kInt:
		typ = "integer"
		extra = append(extra, "format", "int32")
	case kLong:
		typ = "integer"
		extra = append(extra, "format", "int64")
	case kNumber:
		// No bounds from precision and scale: Salesforce keeps decimal
		// places beyond the scale (see internal/service checkNumber), and
		// numbers travel as JSON numbers never rounded through a float.
		// format: double, or oapi-codegen makes the field a float32.
		typ = "number"
		extra = append(extra, "format", "double")
	case kDate:
		extra = append(extra, "format", "date")
	case kDateTime:
		extra = append(extra, "format", "date-time")
	case kTime:
		extra = append(extra, "format", "time", "pattern", `^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$`)
	case kBase64:
		extra = append(extra, "format", "byte")
	case kAddress:
		typ = "object"
		props := mapping()
		for _, c := range []string{"street", "city", "state", "stateCode", "postalCode", "country", "countryCode", "geocodeAccuracy"} {
			add(props, c, mapping("type", "string", "nullable", true))
		}
		add(props, "latitude", mapping("type", "number", "nullable", true))
		add(props, "longitude", mapping("type", "number", "nullable", true))
		extra = append(extra, "readOnly", true, "properties", props)
	case kLocation:
		typ = "object"
		extra = append(extra, "readOnly", true, "properties", mapping(
			"latitude", mapping("type", "number", "nullable", true),
			"longitude", mapping("type", "number", "nullable", true)))
	case kAny:
		// anyType holds a string, a number or a boolean; OpenAPI 3.0 says
		// "any value" by leaving the type out.
		typ = ""
	}
	if typ != "" {
		add(m, "type", typ)
		if f.Nillable {
			add(m, "nullable", true)
		}
	}
	add(m, "title", f.Label)
	add(m, extra...)
	add(m, "x-salesforce-type", f.Type)
	return m
}

// enum is the active values of a picklist; nil when none is active (an
// empty enum is not a valid schema).
func enum(f *sfgate.FieldDescribe) *yaml.Node {
	var vals []string
	for _, v := range f.PicklistValues {
		if v.Active && !slices.Contains(vals, v.Value) {
			vals = append(vals, v.Value)
		}
	}
	if len(vals) == 0 {
		return nil
	}
	return strings(vals)
}

// requiredOnCreate is Salesforce's rule for a field a create must name:
// createable, not nillable, and not given a value by Salesforce itself.
func requiredOnCreate(f *sfgate.FieldDescribe) bool {
	return f.Createable && !f.Nillable && !f.DefaultedOnCreate && kindOf(f).writable()
}

// recordSchemas returns the read, create and update schemas of d's record.
// The read schema lists every field (all optional: a get or a query
// answers the fields it was asked for) and admits other keys, where parent
// relationships and child subqueries nest; create and update list the
// fields describe lets the gateway's user write, and nothing else, as the
// gateway refuses unknown and read-only fields.
func recordSchemas(d *sfgate.SObjectDescribe, read, create, update string) (r, c, u *yaml.Node) {
	rp, cp, up := mapping(), mapping(), mapping()
	var required []string
	for i := range d.Fields {
		f := &d.Fields[i]
		s := fieldSchema(f)
		rs := clone(s)
		if !f.Createable && !f.Updateable && kindOf(f).writable() {
			add(rs, "readOnly", true)
		}
		add(rp, f.Name, rs)
		if !kindOf(f).writable() {
			continue
		}
		if f.Createable {
			add(cp, f.Name, s)
			if requiredOnCreate(f) {
				required = append(required, f.Name)
			}
		}
		if f.Updateable {
			add(up, f.Name, clone(s))
		}
	}
	label := d.Label
	if label == "" {
		label = d.Name
	}
	r = mapping("title", label,
		"description", "A "+d.Name+" record as the gateway answers it: the fields asked for, typed from describe; parent relationships nest as objects and child subqueries as arrays.",
		"type", "object", "properties", rp, "additionalProperties", true, "x-sobject", d.Name)
	c = mapping("title", label+" (create)",
		"description", "The body of a "+d.Name+" create: the fields describe marks createable; required are those neither nillable nor defaulted on create.",
		"type", "object")
	if len(required) > 0 {
		add(c, "required", strings(required))
	}
	add(c, "properties", cp, "additionalProperties", false, "minProperties", 1, "x-sobject", d.Name)
	u = mapping("title", label+" (update)",
		"description", "The body of a "+d.Name+" update: the fields describe marks updateable; only those present change, and null clears a nillable field.",
		"type", "object", "properties", up, "additionalProperties", false, "minProperties", 1, "x-sobject", d.Name)
	return r, c, u
}
