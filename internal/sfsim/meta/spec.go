package meta

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Errors AddField and AddObject wrap, so the control API can choose a status.
var (
	// ErrNotFound: the object (or a lookup's target) does not exist.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: the name, relationship name or key prefix is taken.
	ErrDuplicate = errors.New("duplicate")
	// ErrInvalidSpec: the spec breaks one of Salesforce's rules.
	ErrInvalidSpec = errors.New("invalid spec")
)

// FieldSpec describes a custom field to add, in the shape of the control
// API's body (POST /_sim/sobjects/{sobject}/fields). Type uses the names of
// Setup's field types or of describe's: text/string, textarea,
// longtextarea, email, phone, url, number/double, int, currency, percent,
// checkbox/boolean, date, datetime, time, picklist, multipicklist,
// lookup/reference.
type FieldSpec struct {
	Name           string              `json:"name"`
	Type           string              `json:"type"`
	Label          string              `json:"label"`
	Length         int                 `json:"length"`
	Precision      int                 `json:"precision"`
	Scale          int                 `json:"scale"`
	PicklistValues []PicklistValueSpec `json:"picklistValues"`
	Restricted     bool                `json:"restricted"`
	Required       bool                `json:"required"`
	ExternalID     bool                `json:"externalId"`
	Unique         bool                `json:"unique"`
	CaseSensitive  bool                `json:"caseSensitive"`
	DefaultChecked bool                `json:"defaultChecked"`
	ReferenceTo    string              `json:"referenceTo"`
	// RelationshipName names the child relationship the lookup adds to
	// ReferenceTo ("Invoices" becomes "Invoices__r"), as Setup's "Child
	// Relationship Name". Default: the object's plural label.
	RelationshipName string `json:"relationshipName"`
	InlineHelpText   string `json:"inlineHelpText"`
}

// PicklistValueSpec is one value of a picklist spec. In JSON it is either a
// string or {"value": …, "label": …, "default": bool}.
type PicklistValueSpec struct {
	Value   string `json:"value"`
	Label   string `json:"label"`
	Default bool   `json:"default"`
}

// UnmarshalJSON accepts a bare string as well as an object.
func (p *PicklistValueSpec) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*p = PicklistValueSpec{Value: s}
		return nil
	}
	type plain PicklistValueSpec
	var v plain
	if err := json.Unmarshal(b, &v); err != nil {
		return fmt.Errorf("picklist value: want a string or an object: %w", err)
	}
	*p = PicklistValueSpec(v)
	return nil
}

// ObjectSpec describes a custom object to add (POST /_sim/sobjects). The
// object gets the standard fields of every custom object (Id, OwnerId,
// IsDeleted, Name, CreatedDate, CreatedById, LastModifiedDate,
// LastModifiedById, SystemModstamp, LastViewedDate, LastReferencedDate), then
// Fields in order.
type ObjectSpec struct {
	Name           string      `json:"name"`
	Label          string      `json:"label"`
	LabelPlural    string      `json:"labelPlural"`
	NameFieldLabel string      `json:"nameFieldLabel"`
	KeyPrefix      string      `json:"keyPrefix"`
	Fields         []FieldSpec `json:"fields"`
}

// Limits of Setup, as documented in Salesforce Help ("Custom Field Types",
// "Custom Field Attributes").
const (
	maxAPINameBase     = 40 // characters before "__c"
	maxLabel           = 40 // field label
	maxObjectLabel     = 40
	maxTextLength      = 255
	maxLongTextLength  = 131072
	defaultLongText    = 32768
	maxNumberPrecision = 18
	maxPicklistValue   = 255
	maxPicklistValues  = 1000
	multipicklistLen   = 4099 // length describe reports for every multipicklist
	// MaxCustomFields is the most custom fields one object takes
	// (Unlimited Edition's limit).
	MaxCustomFields = 800
	// MaxCustomObjects is the most custom objects the org takes.
	MaxCustomObjects = 2000
)

var apiNameBase = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidSpec, fmt.Sprintf(format, args...))
}

// customName checks a custom API name and returns it with a canonical
// lower-case suffix ("Tier__C" → "Tier__c").
func customName(name, what string) (string, error) {
	if len(name) < 4 || !strings.EqualFold(name[len(name)-3:], "__c") {
		return "", invalid("%s name %q must end with __c", what, name)
	}
	base := name[:len(name)-3]
	switch {
	case base == "":
		return "", invalid("%s name %q has nothing before __c", what, name)
	case len(base) > maxAPINameBase:
		return "", invalid("%s name %q is longer than %d characters before __c", what, name, maxAPINameBase)
	case !apiNameBase.MatchString(base):
		return "", invalid("%s name %q must begin with a letter and use only letters, digits and underscores", what, name)
	case strings.Contains(base, "__"):
		return "", invalid("%s name %q must not contain two consecutive underscores", what, name)
	case strings.HasSuffix(base, "_"):
		return "", invalid("%s name %q must not end with an underscore before __c", what, name)
	}
	return base + "__c", nil
}

// labelFrom derives a label from an API name: "Annual_Spend__c" → "Annual
// Spend".
func labelFrom(name string) string {
	base := strings.TrimSuffix(name, "__c")
	return strings.ReplaceAll(base, "_", " ")
}

func strPtr(s string) *string { return &s }

// AddField adds a custom field to an object and returns it. Adding a lookup
// also adds the child relationship to the target object. The spec is
// validated as Setup validates it; errors wrap ErrNotFound, ErrDuplicate or
// ErrInvalidSpec.
func (s *Schema) AddField(object string, spec FieldSpec) (*Field, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.byName[strings.ToLower(object)]
	if !ok {
		return nil, fmt.Errorf("%w: object %q", ErrNotFound, object)
	}
	if !o.Createable && !o.Updateable {
		return nil, invalid("object %s does not take custom fields", o.Name)
	}
	if customFieldCount(o) >= MaxCustomFields {
		return nil, invalid("object %s already has %d custom fields, the limit", o.Name, MaxCustomFields)
	}
	f, target, childRel, err := buildField(o, spec, s.objectLocked)
	if err != nil {
		return nil, err
	}
	c := o.clone()
	c.Fields = append(c.Fields, f)
	c.Index()
	if target != nil {
		if strings.EqualFold(target.Name, c.Name) {
			target = c // a self-lookup: add the relationship to the new copy
		} else {
			target = target.clone()
		}
		target.ChildRelationships = append(target.ChildRelationships, ChildRelationship{
			ChildSObject:        c.Name,
			Field:               f.Name,
			JunctionIDListNames: []string{},
			JunctionReferenceTo: []string{},
			RelationshipName:    &childRel,
		})
		sortChildRelationships(target.ChildRelationships)
		s.put(target)
	}
	s.put(c)
	added, _ := c.Field(f.Name)
	return added, nil
}

// objectLocked finds an object by name; the caller holds the lock.
func (s *Schema) objectLocked(name string) (*Object, bool) {
	o, ok := s.byName[strings.ToLower(name)]
	return o, ok
}

// buildField validates spec against o and returns the field and, for a
// lookup, the target object (found with lookup) and the child relationship
// name to add to it.
func buildField(o *Object, spec FieldSpec, lookup func(string) (*Object, bool)) (f Field, target *Object, childRel string, err error) {
	name, err := customName(spec.Name, "field")
	if err != nil {
		return Field{}, nil, "", err
	}
	if _, dup := o.Field(name); dup {
		return Field{}, nil, "", fmt.Errorf("%w: %s already has a field named %s", ErrDuplicate, o.Name, name)
	}
	label := spec.Label
	if label == "" {
		label = labelFrom(name)
	}
	if len(label) > maxLabel {
		return Field{}, nil, "", invalid("label %q is longer than %d characters", label, maxLabel)
	}
	f = newCustomField(name, label)
	if spec.InlineHelpText != "" {
		f.InlineHelpText = strPtr(spec.InlineHelpText)
	}
	kind := strings.ToLower(strings.TrimSpace(spec.Type))
	if target, childRel, err = setFieldType(&f, kind, o, spec, lookup); err != nil {
		return Field{}, nil, "", err
	}
	if err = checkKeyOptions(kind, spec); err != nil {
		return Field{}, nil, "", err
	}
	f.ExternalID = spec.ExternalID
	f.Unique = spec.Unique
	f.CaseSensitive = spec.CaseSensitive
	f.IDLookup = spec.ExternalID || spec.Unique
	if spec.Required {
		f.Nillable = false
	}
	return f, target, childRel, nil
}

// setFieldType gives f the type kind (spec.Type in lower case) with its
// type's options from spec; for a lookup it returns the target object and
// the child relationship name to add to it.
func setFieldType(f *Field, kind string, o *Object, spec FieldSpec, lookup func(string) (*Object, bool)) (target *Object, childRel string, err error) {
	switch kind {
	case "text", "string":
		err = textField(f, "string", spec, maxTextLength)
	case "email":
		err = fixedTextField(f, "email", spec, 80)
	case "phone":
		err = fixedTextField(f, "phone", spec, 40)
	case "url":
		err = fixedTextField(f, "url", spec, 255)
	case "textarea":
		err = fixedTextField(f, "textarea", spec, 255)
		f.ExtraTypeInfo = strPtr("plaintextarea")
	case "longtextarea":
		if spec.Length == 0 {
			spec.Length = defaultLongText
		}
		if spec.Length < 256 || spec.Length > maxLongTextLength {
			return nil, "", invalid("a long text area's length must be between 256 and %d, not %d", maxLongTextLength, spec.Length)
		}
		setText(f, "textarea", spec.Length)
		f.ExtraTypeInfo = strPtr("plaintextarea")
		f.Filterable, f.Groupable, f.Sortable = false, false, false
	case "number", "double":
		err = numberField(f, "double", spec, 18, 0)
	case "currency":
		err = numberField(f, "currency", spec, 18, 2)
		f.Groupable = false
	case "percent":
		err = numberField(f, "percent", spec, 18, 2)
		f.Groupable = false
	case "int":
		f.Type, f.SoapType, f.Digits = "int", "xsd:int", 9
		if spec.Precision != 0 || spec.Scale != 0 || spec.Length != 0 {
			return nil, "", invalid("an int field takes no length, precision or scale")
		}
	case "checkbox", "boolean":
		f.Type, f.SoapType = "boolean", "xsd:boolean"
		f.Nillable, f.DefaultedOnCreate, f.DefaultValue = false, true, spec.DefaultChecked
		f.Aggregatable = false
		if spec.Required {
			return nil, "", invalid("a checkbox cannot be required: it is never null")
		}
	case "date":
		f.Type, f.SoapType = "date", "xsd:date"
	case "datetime":
		f.Type, f.SoapType = "datetime", "xsd:dateTime"
		f.Groupable = false
	case "time":
		f.Type, f.SoapType = "time", "xsd:time"
		f.Groupable, f.Aggregatable = false, false
	case "picklist", "multipicklist":
		err = picklistField(f, kind, spec)
	case "lookup", "reference":
		target, childRel, err = lookupField(f, o, spec, lookup)
	case "":
		return nil, "", invalid("field %s has no type", f.Name)
	default:
		return nil, "", invalid("field type %q is not supported", spec.Type)
	}
	return target, childRel, err
}

// checkKeyOptions refuses the external id, unique and case-sensitive
// options on the field types that cannot take them.
func checkKeyOptions(kind string, spec FieldSpec) error {
	if kind != "text" && kind != "string" && kind != "email" && kind != "number" && kind != "double" && kind != "int" {
		if spec.ExternalID {
			return invalid("only text, number and email fields can be external ids, not %s", spec.Type)
		}
		if spec.Unique {
			return invalid("only text, number and email fields can be unique, not %s", spec.Type)
		}
	}
	if spec.CaseSensitive && !spec.Unique {
		return invalid("caseSensitive applies only to a unique field")
	}
	return nil
}

// newCustomField returns the attributes every custom field shares.
func newCustomField(name, label string) Field {
	return Field{
		Aggregatable:   true,
		Createable:     true,
		Custom:         true,
		Filterable:     true,
		Groupable:      true,
		Label:          label,
		Name:           name,
		Nillable:       true,
		Permissionable: true,
		ReferenceTo:    []string{},
		PicklistValues: []PicklistEntry{},
		Sortable:       true,
		Updateable:     true,
	}
}

func setText(f *Field, typ string, length int) {
	f.Type, f.SoapType = typ, "xsd:string"
	f.Length, f.ByteLength = length, 3*length
}

func textField(f *Field, typ string, spec FieldSpec, maxLen int) error {
	if spec.Precision != 0 || spec.Scale != 0 {
		return invalid("a %s field takes no precision or scale", spec.Type)
	}
	n := spec.Length
	if n == 0 {
		n = maxLen
	}
	if n < 1 || n > maxLen {
		return invalid("a text field's length must be between 1 and %d, not %d", maxLen, spec.Length)
	}
	setText(f, typ, n)
	return nil
}

// fixedTextField is for the text types whose length Setup fixes.
func fixedTextField(f *Field, typ string, spec FieldSpec, length int) error {
	if spec.Length != 0 && spec.Length != length {
		return invalid("a %s field always has length %d, not %d", spec.Type, length, spec.Length)
	}
	if spec.Precision != 0 || spec.Scale != 0 {
		return invalid("a %s field takes no precision or scale", spec.Type)
	}
	setText(f, typ, length)
	return nil
}

func numberField(f *Field, typ string, spec FieldSpec, defPrecision, defScale int) error {
	if spec.Length != 0 {
		return invalid("a %s field takes precision and scale, not length", spec.Type)
	}
	p, sc := spec.Precision, spec.Scale
	if p == 0 {
		p, sc = defPrecision, defScale
		if spec.Scale != 0 {
			sc = spec.Scale
		}
	}
	if p < 1 || p > maxNumberPrecision {
		return invalid("precision must be between 1 and %d, not %d", maxNumberPrecision, p)
	}
	if sc < 0 || sc > p {
		return invalid("scale must be between 0 and the precision %d, not %d", p, sc)
	}
	f.Type, f.SoapType = typ, "xsd:double"
	f.Precision, f.Scale = p, sc
	return nil
}

func picklistField(f *Field, kind string, spec FieldSpec) error {
	if spec.Length != 0 || spec.Precision != 0 || spec.Scale != 0 {
		return invalid("a %s field takes no length, precision or scale", kind)
	}
	if len(spec.PicklistValues) == 0 {
		return invalid("a %s field needs at least one value", kind)
	}
	if len(spec.PicklistValues) > maxPicklistValues {
		return invalid("a %s field has at most %d values", kind, maxPicklistValues)
	}
	seen := make(map[string]bool, len(spec.PicklistValues))
	defaults := 0
	f.PicklistValues = make([]PicklistEntry, 0, len(spec.PicklistValues))
	for _, v := range spec.PicklistValues {
		val := strings.TrimSpace(v.Value)
		switch {
		case val == "":
			return invalid("a picklist value is empty")
		case len(val) > maxPicklistValue:
			return invalid("picklist value %q is longer than %d characters", val, maxPicklistValue)
		case kind == "multipicklist" && strings.Contains(val, ";"):
			return invalid("multi-select picklist value %q contains a semicolon", val)
		case seen[strings.ToLower(val)]:
			return fmt.Errorf("%w: picklist value %q appears twice", ErrDuplicate, val)
		}
		seen[strings.ToLower(val)] = true
		label := v.Label
		if label == "" {
			label = val
		}
		if v.Default {
			defaults++
			f.DefaultValue = val
			f.DefaultedOnCreate = true
		}
		f.PicklistValues = append(f.PicklistValues, PicklistEntry{Active: true, DefaultValue: v.Default, Label: strPtr(label), Value: val})
	}
	if kind == "picklist" && defaults > 1 {
		return invalid("a picklist has at most one default value")
	}
	if kind == "multipicklist" {
		setText(f, "multipicklist", multipicklistLen)
		f.Groupable, f.Sortable = false, false
		if defaults > 1 {
			vals := []string{}
			for _, p := range f.PicklistValues {
				if p.DefaultValue {
					vals = append(vals, p.Value)
				}
			}
			f.DefaultValue = strings.Join(vals, ";")
		}
	} else {
		setText(f, "picklist", 255)
	}
	f.RestrictedPicklist = spec.Restricted
	return nil
}

// lookupField fills a lookup's attributes and returns its target and the
// name of the child relationship to add to it. The lookup's own relationship
// name (the parent path used in SOQL) is the field name with __r; the child
// relationship is spec.RelationshipName with __r.
func lookupField(f *Field, o *Object, spec FieldSpec, lookup func(string) (*Object, bool)) (*Object, string, error) {
	if spec.ReferenceTo == "" {
		return nil, "", invalid("a lookup needs referenceTo")
	}
	if spec.Length != 0 || spec.Precision != 0 || spec.Scale != 0 {
		return nil, "", invalid("a lookup takes no length, precision or scale")
	}
	target, ok := lookup(spec.ReferenceTo)
	if !ok {
		return nil, "", fmt.Errorf("%w: lookup target object %q", ErrNotFound, spec.ReferenceTo)
	}
	if !target.Createable || !target.Queryable || target.KeyPrefix == nil {
		return nil, "", invalid("object %s cannot be the target of a lookup", target.Name)
	}
	rel := strings.TrimSuffix(f.Name, "__c") + "__r"
	if _, dup := o.ParentRelationship(rel); dup {
		return nil, "", fmt.Errorf("%w: %s already has a relationship named %s", ErrDuplicate, o.Name, rel)
	}
	child := spec.RelationshipName
	if child == "" {
		child = strings.ReplaceAll(o.LabelPlural, " ", "_")
	}
	if len(child) > 3 && strings.EqualFold(child[len(child)-3:], "__r") {
		child = child[:len(child)-3]
	}
	if len(child) > maxAPINameBase || !apiNameBase.MatchString(child) || strings.Contains(child, "__") || strings.HasSuffix(child, "_") {
		return nil, "", invalid("child relationship name %q must begin with a letter and use only letters, digits and single underscores", child)
	}
	child += "__r"
	if _, dup := target.ChildRelationship(child); dup {
		return nil, "", fmt.Errorf("%w: %s already has a child relationship named %s", ErrDuplicate, target.Name, child)
	}
	f.Type, f.SoapType = "reference", "tns:ID"
	f.Length, f.ByteLength = 18, 18
	f.ReferenceTo = []string{target.Name}
	f.RelationshipName = strPtr(rel)
	return target, child, nil
}

func customFieldCount(o *Object) int {
	n := 0
	for i := range o.Fields {
		if o.Fields[i].Custom {
			n++
		}
	}
	return n
}
