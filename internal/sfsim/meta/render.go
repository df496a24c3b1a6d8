package meta

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// Describe rendering. The writers emit the content of a <result> element
// (the caller writes the wrapper and the envelope) in exactly the element
// set and order of the v58.0 partner WSDL's types, compact, partner elements
// unprefixed (the caller puts them in the default namespace
// urn:partner.soap.sforce.com). Nil values of nillable elements are written
// as xsi:nil="true"; optional (minOccurs="0") elements without a value are
// left out; required elements are always present. The envelope must declare
// the prefixes xsi (http://www.w3.org/2001/XMLSchema-instance) and xsd
// (http://www.w3.org/2001/XMLSchema), which xsi:nil and the xsi:type of
// Field.defaultValue use.

// MaxBatchSize is describeGlobal's maxBatchSize: the most records one write
// call takes.
const MaxBatchSize = 200

// WriteDescribeGlobal writes a DescribeGlobalResult listing objects, in the
// order given (Schema.Objects gives describeGlobal's order).
func WriteDescribeGlobal(b *bytes.Buffer, objects []*Object) {
	el(b, "encoding", "UTF-8")
	el(b, "maxBatchSize", strconv.Itoa(MaxBatchSize))
	for _, o := range objects {
		b.WriteString("<sobjects>")
		WriteDescribeGlobalSObject(b, o)
		b.WriteString("</sobjects>")
	}
}

// WriteDescribeGlobalSObject writes the content of one DescribeGlobalSObjectResult.
func WriteDescribeGlobalSObject(b *bytes.Buffer, o *Object) {
	boolEl(b, "activateable", o.Activateable)
	nillable(b, "associateEntityType", o.AssociateEntityType)
	nillable(b, "associateParentEntity", o.AssociateParentEntity)
	boolEl(b, "createable", o.Createable)
	boolEl(b, "custom", o.Custom)
	boolEl(b, "customSetting", o.CustomSetting)
	optBool(b, "dataTranslationEnabled", o.DataTranslationEnabled)
	boolEl(b, "deepCloneable", o.DeepCloneable)
	boolEl(b, "deletable", o.Deletable)
	boolEl(b, "deprecatedAndHidden", o.DeprecatedAndHidden)
	boolEl(b, "feedEnabled", o.FeedEnabled)
	boolEl(b, "hasSubtypes", o.HasSubtypes)
	boolEl(b, "idEnabled", o.IDEnabled)
	boolEl(b, "isInterface", o.IsInterface)
	boolEl(b, "isSubtype", o.IsSubtype)
	nillable(b, "keyPrefix", o.KeyPrefix)
	el(b, "label", o.Label)
	el(b, "labelPlural", o.LabelPlural)
	boolEl(b, "layoutable", o.Layoutable)
	boolEl(b, "mergeable", o.Mergeable)
	boolEl(b, "mruEnabled", o.MruEnabled)
	el(b, "name", o.Name)
	boolEl(b, "queryable", o.Queryable)
	boolEl(b, "replicateable", o.Replicateable)
	boolEl(b, "retrieveable", o.Retrieveable)
	boolEl(b, "searchable", o.Searchable)
	boolEl(b, "triggerable", o.Triggerable)
	boolEl(b, "undeletable", o.Undeletable)
	boolEl(b, "updateable", o.Updateable)
}

// WriteDescribeSObject writes a DescribeSObjectResult. instanceURL (for
// example "https://127.0.0.1:8081") is the base of urlDetail, urlEdit and
// urlNew; with "" (or for an object without layouts) they are nil.
func WriteDescribeSObject(b *bytes.Buffer, o *Object, instanceURL string) {
	for i := range o.ActionOverrides {
		a := &o.ActionOverrides[i]
		b.WriteString("<actionOverrides>")
		nillable(b, "formFactor", a.FormFactor)
		boolEl(b, "isAvailableInTouch", a.IsAvailableInTouch)
		el(b, "name", a.Name)
		el(b, "pageId", a.PageID)
		nillable(b, "url", a.URL)
		b.WriteString("</actionOverrides>")
	}
	boolEl(b, "activateable", o.Activateable)
	nillable(b, "associateEntityType", o.AssociateEntityType)
	nillable(b, "associateParentEntity", o.AssociateParentEntity)
	for i := range o.ChildRelationships {
		b.WriteString("<childRelationships>")
		writeChildRelationship(b, &o.ChildRelationships[i])
		b.WriteString("</childRelationships>")
	}
	boolEl(b, "compactLayoutable", o.CompactLayoutable)
	boolEl(b, "createable", o.Createable)
	boolEl(b, "custom", o.Custom)
	boolEl(b, "customSetting", o.CustomSetting)
	optBool(b, "dataTranslationEnabled", o.DataTranslationEnabled)
	boolEl(b, "deepCloneable", o.DeepCloneable)
	nillable(b, "defaultImplementation", o.DefaultImplementation)
	boolEl(b, "deletable", o.Deletable)
	boolEl(b, "deprecatedAndHidden", o.DeprecatedAndHidden)
	boolEl(b, "feedEnabled", o.FeedEnabled)
	for i := range o.Fields {
		b.WriteString("<fields>")
		WriteField(b, &o.Fields[i])
		b.WriteString("</fields>")
	}
	boolEl(b, "hasSubtypes", o.HasSubtypes)
	boolEl(b, "idEnabled", o.IDEnabled)
	nillable(b, "implementedBy", o.ImplementedBy)
	nillable(b, "implementsInterfaces", o.ImplementsInterfaces)
	boolEl(b, "isInterface", o.IsInterface)
	boolEl(b, "isSubtype", o.IsSubtype)
	nillable(b, "keyPrefix", o.KeyPrefix)
	el(b, "label", o.Label)
	el(b, "labelPlural", o.LabelPlural)
	boolEl(b, "layoutable", o.Layoutable)
	boolEl(b, "mergeable", o.Mergeable)
	boolEl(b, "mruEnabled", o.MruEnabled)
	el(b, "name", o.Name)
	for _, n := range o.NamedLayoutInfos {
		b.WriteString("<namedLayoutInfos>")
		el(b, "name", n.Name)
		b.WriteString("</namedLayoutInfos>")
	}
	nillable(b, "networkScopeFieldName", o.NetworkScopeFieldName)
	boolEl(b, "queryable", o.Queryable)
	for i := range o.RecordTypeInfos {
		r := &o.RecordTypeInfos[i]
		b.WriteString("<recordTypeInfos>")
		boolEl(b, "active", r.Active)
		boolEl(b, "available", r.Available)
		boolEl(b, "defaultRecordTypeMapping", r.DefaultRecordTypeMapping)
		el(b, "developerName", r.DeveloperName)
		boolEl(b, "master", r.Master)
		el(b, "name", r.Name)
		nillable(b, "recordTypeId", r.RecordTypeID)
		b.WriteString("</recordTypeInfos>")
	}
	boolEl(b, "replicateable", o.Replicateable)
	boolEl(b, "retrieveable", o.Retrieveable)
	optBool(b, "searchLayoutable", o.SearchLayoutable)
	boolEl(b, "searchable", o.Searchable)
	for _, sc := range o.SupportedScopes {
		b.WriteString("<supportedScopes>")
		el(b, "label", sc.Label)
		el(b, "name", sc.Name)
		b.WriteString("</supportedScopes>")
	}
	boolEl(b, "triggerable", o.Triggerable)
	boolEl(b, "undeletable", o.Undeletable)
	boolEl(b, "updateable", o.Updateable)
	var detail, edit, create *string
	if instanceURL != "" && o.Layoutable && o.KeyPrefix != nil {
		detail = strPtr(instanceURL + "/{ID}")
		edit = strPtr(instanceURL + "/{ID}/e")
		create = strPtr(instanceURL + "/" + *o.KeyPrefix + "/e")
	}
	nillable(b, "urlDetail", detail)
	nillable(b, "urlEdit", edit)
	nillable(b, "urlNew", create)
}

func writeChildRelationship(b *bytes.Buffer, c *ChildRelationship) {
	boolEl(b, "cascadeDelete", c.CascadeDelete)
	el(b, "childSObject", c.ChildSObject)
	boolEl(b, "deprecatedAndHidden", c.DeprecatedAndHidden)
	el(b, "field", c.Field)
	for _, n := range c.JunctionIDListNames {
		el(b, "junctionIdListNames", n)
	}
	for _, n := range c.JunctionReferenceTo {
		el(b, "junctionReferenceTo", n)
	}
	optString(b, "relationshipName", c.RelationshipName)
	boolEl(b, "restrictedDelete", c.RestrictedDelete)
}

// WriteField writes the content of one Field element.
func WriteField(b *bytes.Buffer, f *Field) {
	boolEl(b, "aggregatable", f.Aggregatable)
	boolEl(b, "aiPredictionField", f.AIPredictionField)
	boolEl(b, "autoNumber", f.AutoNumber)
	el(b, "byteLength", strconv.Itoa(f.ByteLength))
	boolEl(b, "calculated", f.Calculated)
	optString(b, "calculatedFormula", f.CalculatedFormula)
	boolEl(b, "cascadeDelete", f.CascadeDelete)
	boolEl(b, "caseSensitive", f.CaseSensitive)
	optString(b, "compoundFieldName", f.CompoundFieldName)
	optString(b, "controllerName", f.ControllerName)
	boolEl(b, "createable", f.Createable)
	boolEl(b, "custom", f.Custom)
	optBool(b, "dataTranslationEnabled", f.DataTranslationEnabled)
	writeDefaultValue(b, f.DefaultValue)
	optString(b, "defaultValueFormula", f.DefaultValueFormula)
	boolEl(b, "defaultedOnCreate", f.DefaultedOnCreate)
	boolEl(b, "dependentPicklist", f.DependentPicklist)
	boolEl(b, "deprecatedAndHidden", f.DeprecatedAndHidden)
	el(b, "digits", strconv.Itoa(f.Digits))
	boolEl(b, "displayLocationInDecimal", f.DisplayLocationInDecimal)
	boolEl(b, "encrypted", f.Encrypted)
	boolEl(b, "externalId", f.ExternalID)
	optString(b, "extraTypeInfo", f.ExtraTypeInfo)
	boolEl(b, "filterable", f.Filterable)
	// filteredLookupInfo: no emulated field has a lookup filter.
	boolEl(b, "formulaTreatNullNumberAsZero", f.FormulaTreatNullNumberAsZero)
	boolEl(b, "groupable", f.Groupable)
	boolEl(b, "highScaleNumber", f.HighScaleNumber)
	boolEl(b, "htmlFormatted", f.HTMLFormatted)
	boolEl(b, "idLookup", f.IDLookup)
	optString(b, "inlineHelpText", f.InlineHelpText)
	el(b, "label", f.Label)
	el(b, "length", strconv.Itoa(f.Length))
	optString(b, "mask", f.Mask)
	optString(b, "maskType", f.MaskType)
	el(b, "name", f.Name)
	boolEl(b, "nameField", f.NameField)
	boolEl(b, "namePointing", f.NamePointing)
	boolEl(b, "nillable", f.Nillable)
	boolEl(b, "permissionable", f.Permissionable)
	for i := range f.PicklistValues {
		p := &f.PicklistValues[i]
		b.WriteString("<picklistValues>")
		boolEl(b, "active", p.Active)
		boolEl(b, "defaultValue", p.DefaultValue)
		nillable(b, "label", p.Label)
		optString(b, "validFor", p.ValidFor)
		el(b, "value", p.Value)
		b.WriteString("</picklistValues>")
	}
	boolEl(b, "polymorphicForeignKey", f.PolymorphicForeignKey)
	el(b, "precision", strconv.Itoa(f.Precision))
	boolEl(b, "queryByDistance", f.QueryByDistance)
	optString(b, "referenceTargetField", f.ReferenceTargetField)
	for _, r := range f.ReferenceTo {
		el(b, "referenceTo", r)
	}
	optString(b, "relationshipName", f.RelationshipName)
	if f.RelationshipOrder != nil {
		el(b, "relationshipOrder", strconv.Itoa(*f.RelationshipOrder))
	}
	boolEl(b, "restrictedDelete", f.RestrictedDelete)
	boolEl(b, "restrictedPicklist", f.RestrictedPicklist)
	el(b, "scale", strconv.Itoa(f.Scale))
	boolEl(b, "searchPrefilterable", f.SearchPrefilterable)
	el(b, "soapType", f.SoapType)
	boolEl(b, "sortable", f.Sortable)
	el(b, "type", f.Type)
	boolEl(b, "unique", f.Unique)
	boolEl(b, "updateable", f.Updateable)
	boolEl(b, "writeRequiresMasterRead", f.WriteRequiresMasterRead)
}

// writeDefaultValue writes defaultValue (xsd:anyType) with the xsi:type of
// its value, or nothing when there is none.
func writeDefaultValue(b *bytes.Buffer, v any) {
	var typ, text string
	switch x := v.(type) {
	case nil:
		return
	case bool:
		typ, text = "xsd:boolean", strconv.FormatBool(x)
	case string:
		typ, text = "xsd:string", x
	case float64:
		typ, text = "xsd:double", strconv.FormatFloat(x, 'f', -1, 64)
	case int:
		typ, text = "xsd:int", strconv.Itoa(x)
	default:
		return
	}
	b.WriteString(`<defaultValue xsi:type="`)
	b.WriteString(typ)
	b.WriteString(`">`)
	escape(b, text)
	b.WriteString("</defaultValue>")
}

func el(b *bytes.Buffer, name, value string) {
	b.WriteByte('<')
	b.WriteString(name)
	b.WriteByte('>')
	escape(b, value)
	b.WriteString("</")
	b.WriteString(name)
	b.WriteByte('>')
}

func boolEl(b *bytes.Buffer, name string, v bool) {
	if v {
		el(b, name, "true")
	} else {
		el(b, name, "false")
	}
}

// nillable writes a nillable element: its value, or xsi:nil when nil.
func nillable(b *bytes.Buffer, name string, v *string) {
	if v == nil {
		b.WriteByte('<')
		b.WriteString(name)
		b.WriteString(` xsi:nil="true"/>`)
		return
	}
	el(b, name, *v)
}

// optString writes an optional element, or nothing when nil.
func optString(b *bytes.Buffer, name string, v *string) {
	if v != nil {
		el(b, name, *v)
	}
}

func optBool(b *bytes.Buffer, name string, v *bool) {
	if v != nil {
		boolEl(b, name, *v)
	}
}

// escape writes s as XML character data: &, < and > as entities, a
// carriage return as &#xD; (a parser would turn a raw one into a line
// feed), quotes as they are (element content needs no escaping for them),
// and characters XML 1.0 cannot carry (most controls, U+FFFE, U+FFFF,
// invalid UTF-8) as U+FFFD. Values that need none of this are copied as
// they are.
func escape(b *bytes.Buffer, s string) {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '<' || c == '>' || c == '&' || c < 0x20 || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		b.WriteString(s)
		return
	}
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' || r == '\n':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune(utf8.RuneError)
		case r == utf8.RuneError:
			// A real U+FFFD or a byte of invalid UTF-8: both come out as
			// U+FFFD.
			b.WriteRune(utf8.RuneError)
		default:
			b.WriteRune(r)
		}
	}
}
