package service

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// ListSObjects implements sfgate.DescribeService from the cached
// describeGlobal.
func (s *Service) ListSObjects(ctx context.Context, filter sfgate.SObjectFilter) (_ []sfgate.SObjectSummary, err error) {
	defer s.settle(&err)
	g, err := s.cfg.Metadata.DescribeGlobal(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe global: %w", err)
	}
	out := make([]sfgate.SObjectSummary, 0, len(g.SObjects))
	for _, o := range g.SObjects {
		if (filter.Custom != nil && o.Custom != *filter.Custom) || (filter.Queryable != nil && o.Queryable != *filter.Queryable) || !s.listed(ctx, o.Name) {
			continue
		}
		out = append(out, summary(o.Name, o.Label, o.LabelPlural, o.KeyPrefix, o.ObjectFlags))
	}
	return out, nil
}

// DescribeSObject implements sfgate.DescribeService from a describe
// revalidated against Salesforce (see metadata.Service.Revalidate):
// browsing an object must show a field an admin has just added, whereas
// records and queries keep the cached describe and refresh it only when a
// request names a field it lacks. An unknown object is not found.
func (s *Service) DescribeSObject(ctx context.Context, sobject string) (*sfgate.SObjectDescribe, error) {
	return s.describeFor(ctx, sobject, s.cfg.Metadata.Revalidate)
}

// CachedDescribe implements sfgate.CachedDescribeService: the describe
// that records and queries are typed with now (the cached one, loaded on a
// miss), with the fields denied to the caller left out. It costs no call
// while the describe is cached, so a document built from many objects does
// not cost one describeSObject each.
func (s *Service) CachedDescribe(ctx context.Context, sobject string) (*sfgate.SObjectDescribe, error) {
	return s.describeFor(ctx, sobject, s.cfg.Metadata.Describe)
}

// describeFor is the caller's view of the describe load returns.
func (s *Service) describeFor(ctx context.Context, sobject string, load func(context.Context, string) (*metadata.Object, error)) (_ *sfgate.SObjectDescribe, err error) {
	defer s.settle(&err)
	if err := s.allowDescribe(ctx, sobject); err != nil {
		return nil, err
	}
	o, err := load(ctx, sobject)
	if err != nil {
		return nil, describeErr(sobject, err)
	}
	return describeOf(s.visible(ctx, o)), nil
}

func describeOf(o *metadata.Object) *sfgate.SObjectDescribe {
	d := &sfgate.SObjectDescribe{
		SObjectSummary:     summary(o.Name, o.Label, o.LabelPlural, o.KeyPrefix, o.ObjectFlags),
		Fields:             make([]sfgate.FieldDescribe, 0, len(o.Fields)),
		ChildRelationships: make([]sfgate.ChildRelationship, 0, len(o.ChildRelationships)),
		RecordTypeInfos:    recordTypes(o.RecordTypeInfos),
	}
	for i := range o.Fields {
		d.Fields = append(d.Fields, fieldDescribe(&o.Fields[i]))
	}
	for _, c := range o.ChildRelationships {
		d.ChildRelationships = append(d.ChildRelationships, sfgate.ChildRelationship{
			RelationshipName: c.RelationshipName, ChildSObject: c.ChildSObject, Field: c.Field, CascadeDelete: c.CascadeDelete,
		})
	}
	return d
}

// recordTypes are the object's record types as describe sent them, in its
// order; never nil, so an object without any answers [].
func recordTypes(rts []partner.RecordTypeInfo) []sfgate.RecordTypeInfo {
	out := make([]sfgate.RecordTypeInfo, 0, len(rts))
	for _, r := range rts {
		rt := sfgate.RecordTypeInfo{Name: r.Name, DeveloperName: r.DeveloperName, Active: r.Active, Available: r.Available,
			DefaultRecordTypeMapping: r.DefaultRecordTypeMapping, Master: r.Master}
		if r.RecordTypeID != "" {
			id := r.RecordTypeID
			rt.RecordTypeID = &id
		}
		out = append(out, rt)
	}
	return out
}

// summary is an object's entry of the list, and the head of its describe:
// describeGlobal and describeSObject share the object flags.
func summary(name, label, plural, keyPrefix string, f partner.ObjectFlags) sfgate.SObjectSummary {
	out := sfgate.SObjectSummary{
		Name: name, Label: label, LabelPlural: plural,
		Custom: f.Custom, Queryable: f.Queryable, Createable: f.Createable, Updateable: f.Updateable,
		Deletable: f.Deletable, Searchable: f.Searchable, Retrieveable: f.Retrieveable,
	}
	if keyPrefix != "" {
		out.KeyPrefix = &keyPrefix
	}
	return out
}

func fieldDescribe(f *partner.DescribeField) sfgate.FieldDescribe {
	fd := sfgate.FieldDescribe{
		Name: f.Name, Label: f.Label, Type: f.Type, SoapType: f.SoapType,
		Length: f.Length, ByteLength: f.ByteLength, Precision: f.Precision, Scale: f.Scale, Digits: f.Digits,
		Createable: f.Createable, Updateable: f.Updateable, Nillable: f.Nillable, Custom: f.Custom,
		ExternalID: f.ExternalID, IDLookup: f.IDLookup, Unique: f.Unique, Calculated: f.Calculated,
		DefaultedOnCreate: f.DefaultedOnCreate, RestrictedPicklist: f.RestrictedPicklist,
		CompoundFieldName: f.CompoundFieldName, RelationshipName: f.RelationshipName,
		ReferenceTo:    append([]string{}, f.ReferenceTo...),
		PicklistValues: make([]sfgate.PicklistValue, 0, len(f.PicklistValues)),
	}
	for _, p := range f.PicklistValues {
		fd.PicklistValues = append(fd.PicklistValues, sfgate.PicklistValue{Value: p.Value, Label: p.Label, Active: p.Active, DefaultValue: p.DefaultValue})
	}
	return fd
}

// InvalidateDescribe implements sfgate.CacheAdmin through the metadata
// service, which drops the describe on every replica.
func (s *Service) InvalidateDescribe(ctx context.Context, sobject string) (err error) {
	defer s.settle(&err)
	if err := s.allow(ctx, "", sfgate.ActionAdmin); err != nil {
		return err
	}
	if sobject == "" {
		return s.cfg.Metadata.InvalidateAll(ctx)
	}
	return s.cfg.Metadata.Invalidate(ctx, sobject)
}

// Limits implements sfgate.LimitsService from the client's last
// LimitInfoHeader; it makes no call. Before any answer there is none.
func (s *Service) Limits(ctx context.Context) ([]sfgate.Limit, time.Time, error) {
	li := s.cfg.Client.Limits()
	if li.Updated.IsZero() {
		return []sfgate.Limit{}, time.Time{}, nil
	}
	return []sfgate.Limit{{Type: li.Type, Current: li.Current, Limit: li.Limit}}, li.Updated, nil
}

// idPattern is a 15- or 18-character Salesforce id.
const idPattern = "^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"

// RecordSchema implements sfgate.SchemaService: a JSON Schema 2020-12
// document of the record as read, with $defs "create" and "update" for
// the bodies the gateway accepts, built from the live describe.
func (s *Service) RecordSchema(ctx context.Context, sobject string) (_ map[string]any, err error) {
	defer s.settle(&err)
	if err := s.allowDescribe(ctx, sobject); err != nil {
		return nil, err
	}
	o, err := s.cfg.Metadata.Revalidate(ctx, sobject)
	if err != nil {
		return nil, describeErr(sobject, err)
	}
	x := s.visible(ctx, o)
	read := map[string]any{}
	create := map[string]any{}
	update := map[string]any{}
	var required []string
	for i := range x.Fields {
		f := &x.Fields[i]
		p := fieldSchema(f)
		rp := clone(p)
		if !f.Createable && !f.Updateable {
			rp["readOnly"] = true
		}
		read[f.Name] = rp
		if f.Createable && kindOf(f) != kAddress && kindOf(f) != kLocation {
			create[f.Name] = p
			if requiredOnCreate(f) {
				required = append(required, f.Name)
			}
		}
		if f.Updateable && kindOf(f) != kAddress && kindOf(f) != kLocation {
			update[f.Name] = p
		}
	}
	if required == nil {
		required = []string{}
	}
	return map[string]any{
		"$schema":              "https://json-schema.org/draft/2020-12/schema",
		"$id":                  "urn:sfgate:sobject:" + x.Name,
		"title":                x.Label,
		"description":          "A " + x.Name + " record as the gateway reads it; $defs/create and $defs/update are the bodies it accepts.",
		"type":                 "object",
		"properties":           read,
		"additionalProperties": true,
		"$defs": map[string]any{
			"create": map[string]any{
				"type": "object", "properties": create, "required": required,
				"additionalProperties": false, "minProperties": 1,
			},
			"update": map[string]any{
				"description": "null clears a nillable field.",
				"type":        "object", "properties": update,
				"additionalProperties": false, "minProperties": 1,
			},
		},
	}, nil
}

func clone(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// fieldSchema is the JSON Schema of one field's value.
func fieldSchema(f *partner.DescribeField) map[string]any {
	p := map[string]any{"title": f.Label, "x-salesforce-type": f.Type}
	if f.InlineHelpText != "" {
		p["description"] = f.InlineHelpText
	}
	typ := "string"
	switch k := kindOf(f); k {
	case kString, kPicklist:
		if f.Length > 0 {
			p["maxLength"] = f.Length
		}
		switch f.Type {
		case "email":
			p["format"] = "email"
		case "url":
			p["format"] = "uri"
		}
		if k == kPicklist && f.RestrictedPicklist {
			p["enum"] = activeValues(f, f.Nillable)
		}
	case kMultiPicklist:
		typ = "array"
		items := map[string]any{"type": "string", "minLength": 1, "pattern": "^[^;]+$"}
		if f.RestrictedPicklist {
			items["enum"] = activeValues(f, false)
		}
		p["items"] = items
		p["uniqueItems"] = true
	case kID:
		p["pattern"] = idPattern
		if len(f.ReferenceTo) > 0 {
			p["x-referenceTo"] = f.ReferenceTo
		}
	case kBool:
		typ = "boolean"
	case kInt:
		typ = "integer"
		p["minimum"], p["maximum"] = json.Number("-2147483648"), json.Number("2147483647")
	case kLong:
		typ = "integer"
		p["minimum"], p["maximum"] = json.Number("-9223372036854775808"), json.Number("9223372036854775807")
	case kDecimal:
		typ = "number"
		if f.Precision > 0 {
			bound := json.Number("1" + strings.Repeat("0", f.Precision-f.Scale))
			// No multipleOf: Salesforce's API keeps decimal places beyond
			// the scale (see checkNumber), so the scale bounds nothing.
			p["exclusiveMaximum"], p["exclusiveMinimum"] = bound, json.Number("-"+string(bound))
		}
	case kDate:
		p["format"] = "date"
	case kDateTime:
		p["format"] = "date-time"
	case kTime:
		p["format"] = "time"
	case kBase64:
		p["contentEncoding"] = "base64"
	case kAddress:
		typ = "object"
		p["readOnly"] = true
		props := map[string]any{}
		for _, c := range []string{"street", "city", "state", "stateCode", "postalCode", "country", "countryCode", "geocodeAccuracy"} {
			props[c] = map[string]any{"type": []string{"string", "null"}}
		}
		props["latitude"] = map[string]any{"type": []string{"number", "null"}}
		props["longitude"] = map[string]any{"type": []string{"number", "null"}}
		p["properties"] = props
	case kLocation:
		typ = "object"
		p["readOnly"] = true
		p["properties"] = map[string]any{
			"latitude":  map[string]any{"type": []string{"number", "null"}},
			"longitude": map[string]any{"type": []string{"number", "null"}},
		}
	case kAny:
		if f.Nillable {
			p["type"] = []string{"string", "number", "boolean", "null"}
		} else {
			p["type"] = []string{"string", "number", "boolean"}
		}
		return p
	}
	if f.Nillable {
		p["type"] = []string{typ, "null"}
	} else {
		p["type"] = typ
	}
	return p
}

func activeValues(f *partner.DescribeField, withNull bool) []any {
	var vals []any
	for _, v := range f.PicklistValues {
		if v.Active {
			vals = append(vals, v.Value)
		}
	}
	if withNull {
		vals = append(vals, nil)
	}
	if vals == nil {
		vals = []any{}
	}
	return vals
}
