package salesforce

import "github.com/sfgate/sfgate/internal/salesforce/partner"

// Decoders of describe results. Unknown elements (newer API versions add
// some every release) are skipped.

func (d *decoder) describeGlobal() *partner.DescribeGlobalResult {
	sc := d.sc
	var g *partner.DescribeGlobalResult
	d.results(func(bool) {
		if g != nil {
			sc.skip()
			return
		}
		g = &partner.DescribeGlobalResult{}
		for t, ok := sc.child(); ok; t, ok = sc.child() {
			switch t.local {
			case "encoding":
				g.Encoding = sc.text()
			case "maxBatchSize":
				g.MaxBatchSize = sc.integer()
			case "sobjects":
				g.SObjects = append(g.SObjects, d.globalSObject())
			default:
				sc.skip()
			}
		}
	})
	return g
}

func (d *decoder) globalSObject() partner.DescribeGlobalSObjectResult {
	sc := d.sc
	var o partner.DescribeGlobalSObjectResult
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "name":
			o.Name = sc.text()
		case "label":
			o.Label = sc.text()
		case "labelPlural":
			o.LabelPlural = sc.text()
		case "keyPrefix":
			o.KeyPrefix = sc.text()
		case "associateEntityType":
			o.AssociateEntityType = sc.text()
		case "associateParentEntity":
			o.AssociateParentEntity = sc.text()
		default:
			if p := objectFlag(&o.ObjectFlags, t.local); p != nil {
				*p = sc.boolean()
			} else {
				sc.skip()
			}
		}
	}
	return o
}

// objectFlag returns the field of o that the element name sets, or nil.
func objectFlag(o *partner.ObjectFlags, name string) *bool {
	switch name {
	case "activateable":
		return &o.Activateable
	case "createable":
		return &o.Createable
	case "custom":
		return &o.Custom
	case "customSetting":
		return &o.CustomSetting
	case "dataTranslationEnabled":
		return &o.DataTranslationEnabled
	case "deepCloneable":
		return &o.DeepCloneable
	case "deletable":
		return &o.Deletable
	case "deprecatedAndHidden":
		return &o.DeprecatedAndHidden
	case "feedEnabled":
		return &o.FeedEnabled
	case "hasSubtypes":
		return &o.HasSubtypes
	case "idEnabled":
		return &o.IDEnabled
	case "isInterface":
		return &o.IsInterface
	case "isSubtype":
		return &o.IsSubtype
	case "layoutable":
		return &o.Layoutable
	case "mergeable":
		return &o.Mergeable
	case "mruEnabled":
		return &o.MRUEnabled
	case "queryable":
		return &o.Queryable
	case "replicateable":
		return &o.Replicateable
	case "retrieveable":
		return &o.Retrieveable
	case "searchable":
		return &o.Searchable
	case "triggerable":
		return &o.Triggerable
	case "undeletable":
		return &o.Undeletable
	case "updateable":
		return &o.Updateable
	}
	return nil
}

func (d *decoder) describeSObjects() []partner.DescribeSObjectResult {
	var out []partner.DescribeSObjectResult
	d.results(func(isNil bool) {
		if isNil {
			d.sc.skip()
			return
		}
		out = append(out, d.describeSObject())
	})
	return out
}

func (d *decoder) describeSObject() partner.DescribeSObjectResult {
	sc := d.sc
	var o partner.DescribeSObjectResult
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "name":
			o.Name = sc.text()
		case "label":
			o.Label = sc.text()
		case "labelPlural":
			o.LabelPlural = sc.text()
		case "keyPrefix":
			o.KeyPrefix = sc.text()
		case "associateEntityType":
			o.AssociateEntityType = sc.text()
		case "associateParentEntity":
			o.AssociateParentEntity = sc.text()
		case "defaultImplementation":
			o.DefaultImplementation = sc.text()
		case "implementedBy":
			o.ImplementedBy = sc.text()
		case "implementsInterfaces":
			o.ImplementsInterfaces = sc.text()
		case "networkScopeFieldName":
			o.NetworkScopeFieldName = sc.text()
		case "urlDetail":
			o.URLDetail = sc.text()
		case "urlEdit":
			o.URLEdit = sc.text()
		case "urlNew":
			o.URLNew = sc.text()
		case "fields":
			if t.nil {
				sc.skip()
				continue
			}
			o.Fields = append(o.Fields, d.describeField())
		case "childRelationships":
			o.ChildRelationships = append(o.ChildRelationships, d.childRelationship())
		case "recordTypeInfos":
			o.RecordTypeInfos = append(o.RecordTypeInfos, d.recordTypeInfo())
		case "namedLayoutInfos":
			for t, ok := sc.child(); ok; t, ok = sc.child() {
				if t.local == "name" {
					o.NamedLayoutInfos = append(o.NamedLayoutInfos, sc.text())
				} else {
					sc.skip()
				}
			}
		case "supportedScopes":
			if t.nil {
				sc.skip()
				continue
			}
			var s partner.ScopeInfo
			for t, ok := sc.child(); ok; t, ok = sc.child() {
				switch t.local {
				case "label":
					s.Label = sc.text()
				case "name":
					s.Name = sc.text()
				default:
					sc.skip()
				}
			}
			o.SupportedScopes = append(o.SupportedScopes, s)
		default:
			if p := sobjectFlag(&o, t.local); p != nil {
				*p = sc.boolean()
			} else {
				sc.skip()
			}
		}
	}
	return o
}

func sobjectFlag(o *partner.DescribeSObjectResult, name string) *bool {
	switch name {
	case "compactLayoutable":
		return &o.CompactLayoutable
	case "searchLayoutable":
		return &o.SearchLayoutable
	}
	return objectFlag(&o.ObjectFlags, name)
}

func (d *decoder) describeField() partner.DescribeField {
	sc := d.sc
	var f partner.DescribeField
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "name":
			f.Name = sc.text()
		case "label":
			f.Label = sc.text()
		case "type":
			f.Type = sc.text()
		case "soapType":
			f.SoapType = sc.text()
		case "length":
			f.Length = sc.integer()
		case "byteLength":
			f.ByteLength = sc.integer()
		case "precision":
			f.Precision = sc.integer()
		case "scale":
			f.Scale = sc.integer()
		case "digits":
			f.Digits = sc.integer()
		case "relationshipOrder":
			f.HasRelationshipOrder = !t.nil
			f.RelationshipOrder = sc.integer()
		case "calculatedFormula":
			f.CalculatedFormula = sc.text()
		case "compoundFieldName":
			f.CompoundFieldName = sc.text()
		case "controllerName":
			f.ControllerName = sc.text()
		case "defaultValue":
			f.HasDefaultValue = !t.nil
			f.DefaultValueType = t.xsiType
			f.DefaultValue = sc.text()
		case "defaultValueFormula":
			f.DefaultValueFormula = sc.text()
		case "extraTypeInfo":
			f.ExtraTypeInfo = sc.text()
		case "inlineHelpText":
			f.InlineHelpText = sc.text()
		case "mask":
			f.Mask = sc.text()
		case "maskType":
			f.MaskType = sc.text()
		case "referenceTargetField":
			f.ReferenceTargetField = sc.text()
		case "relationshipName":
			f.RelationshipName = sc.text()
		case "referenceTo":
			if t.nil {
				sc.skip()
				continue
			}
			f.ReferenceTo = append(f.ReferenceTo, sc.text())
		case "picklistValues":
			if t.nil {
				sc.skip()
				continue
			}
			f.PicklistValues = append(f.PicklistValues, d.picklistEntry())
		case "filteredLookupInfo":
			if t.nil {
				sc.skip()
				continue
			}
			fl := &partner.FilteredLookupInfo{}
			for t, ok := sc.child(); ok; t, ok = sc.child() {
				switch t.local {
				case "controllingFields":
					fl.ControllingFields = append(fl.ControllingFields, sc.text())
				case "dependent":
					fl.Dependent = sc.boolean()
				case "optionalFilter":
					fl.OptionalFilter = sc.boolean()
				default:
					sc.skip()
				}
			}
			f.FilteredLookupInfo = fl
		default:
			if p := fieldFlag(&f, t.local); p != nil {
				*p = sc.boolean()
			} else {
				sc.skip()
			}
		}
	}
	return f
}

func fieldFlag(f *partner.DescribeField, name string) *bool {
	switch name {
	case "aggregatable":
		return &f.Aggregatable
	case "aiPredictionField":
		return &f.AIPredictionField
	case "autoNumber":
		return &f.AutoNumber
	case "calculated":
		return &f.Calculated
	case "cascadeDelete":
		return &f.CascadeDelete
	case "caseSensitive":
		return &f.CaseSensitive
	case "createable":
		return &f.Createable
	case "custom":
		return &f.Custom
	case "dataTranslationEnabled":
		return &f.DataTranslationEnabled
	case "defaultedOnCreate":
		return &f.DefaultedOnCreate
	case "dependentPicklist":
		return &f.DependentPicklist
	case "deprecatedAndHidden":
		return &f.DeprecatedAndHidden
	case "displayLocationInDecimal":
		return &f.DisplayLocationInDecimal
	case "encrypted":
		return &f.Encrypted
	case "externalId":
		return &f.ExternalID
	case "filterable":
		return &f.Filterable
	case "formulaTreatNullNumberAsZero":
		return &f.FormulaTreatNullNumberAsZero
	case "groupable":
		return &f.Groupable
	case "highScaleNumber":
		return &f.HighScaleNumber
	case "htmlFormatted":
		return &f.HTMLFormatted
	case "idLookup":
		return &f.IDLookup
	case "nameField":
		return &f.NameField
	case "namePointing":
		return &f.NamePointing
	case "nillable":
		return &f.Nillable
	case "permissionable":
		return &f.Permissionable
	case "polymorphicForeignKey":
		return &f.PolymorphicForeignKey
	case "queryByDistance":
		return &f.QueryByDistance
	case "restrictedDelete":
		return &f.RestrictedDelete
	case "restrictedPicklist":
		return &f.RestrictedPicklist
	case "searchPrefilterable":
		return &f.SearchPrefilterable
	case "sortable":
		return &f.Sortable
	case "unique":
		return &f.Unique
	case "updateable":
		return &f.Updateable
	case "writeRequiresMasterRead":
		return &f.WriteRequiresMasterRead
	}
	return nil
}

func (d *decoder) picklistEntry() partner.PicklistEntry {
	sc := d.sc
	var p partner.PicklistEntry
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "active":
			p.Active = sc.boolean()
		case "defaultValue":
			p.DefaultValue = sc.boolean()
		case "label":
			p.Label = sc.text()
		case "validFor":
			p.ValidFor = sc.text()
		case "value":
			p.Value = sc.text()
		default:
			sc.skip()
		}
	}
	return p
}

func (d *decoder) childRelationship() partner.ChildRelationship {
	sc := d.sc
	var c partner.ChildRelationship
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "cascadeDelete":
			c.CascadeDelete = sc.boolean()
		case "childSObject":
			c.ChildSObject = sc.text()
		case "deprecatedAndHidden":
			c.DeprecatedAndHidden = sc.boolean()
		case "field":
			c.Field = sc.text()
		case "junctionIdListNames":
			if t.nil {
				sc.skip()
				continue
			}
			c.JunctionIDListNames = append(c.JunctionIDListNames, sc.text())
		case "junctionReferenceTo":
			if t.nil {
				sc.skip()
				continue
			}
			c.JunctionReferenceTo = append(c.JunctionReferenceTo, sc.text())
		case "relationshipName":
			c.RelationshipName = sc.text()
		case "restrictedDelete":
			c.RestrictedDelete = sc.boolean()
		default:
			sc.skip()
		}
	}
	return c
}

func (d *decoder) recordTypeInfo() partner.RecordTypeInfo {
	sc := d.sc
	var r partner.RecordTypeInfo
	for t, ok := sc.child(); ok; t, ok = sc.child() {
		switch t.local {
		case "active":
			r.Active = sc.boolean()
		case "available":
			r.Available = sc.boolean()
		case "defaultRecordTypeMapping":
			r.DefaultRecordTypeMapping = sc.boolean()
		case "developerName":
			r.DeveloperName = sc.text()
		case "master":
			r.Master = sc.boolean()
		case "name":
			r.Name = sc.text()
		case "recordTypeId":
			r.RecordTypeID = sc.text()
		default:
			sc.skip()
		}
	}
	return r
}
