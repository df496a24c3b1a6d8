package service

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/handlers"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
)

// ListSObjects implements sfgate.DescribeService from the cached
// describeGlobal. The JSON shaping is the handlers' own adapter's, so the
// two cannot drift.
func (s *Service) ListSObjects(ctx context.Context, filter sfgate.SObjectFilter) ([]sfgate.SObjectSummary, error) {
	return handlers.Metadata{Source: s.cfg.Metadata}.ListSObjects(ctx, filter)
}

// DescribeSObject implements sfgate.DescribeService; an unknown object
// is a 404.
func (s *Service) DescribeSObject(ctx context.Context, sobject string) (*sfgate.SObjectDescribe, error) {
	d, err := handlers.Metadata{Source: liveDescribes{s.cfg.Metadata}}.DescribeSObject(ctx, sobject)
	if err != nil {
		return nil, describeErr(sobject, err)
	}
	return d, nil
}

// InvalidateDescribe implements sfgate.CacheAdmin through the metadata
// service, which drops the describe on every replica.
func (s *Service) InvalidateDescribe(ctx context.Context, sobject string) error {
	if sobject == "" {
		return s.cfg.Metadata.InvalidateAll(ctx)
	}
	return s.cfg.Metadata.Invalidate(ctx, sobject)
}

// Limits implements sfgate.LimitsService from the client's last
// LimitInfoHeader; it makes no call.
func (s *Service) Limits(ctx context.Context) ([]sfgate.Limit, time.Time, error) {
	return handlers.ClientLimits{Source: s.cfg.Client}.Limits(ctx)
}

// idPattern is a 15- or 18-character Salesforce id.
const idPattern = "^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$"

// RecordSchema implements sfgate.SchemaService: a JSON Schema 2020-12
// document of the record as read, with $defs "create" and "update" for
// the bodies the gateway accepts, built from the live describe.
func (s *Service) RecordSchema(ctx context.Context, sobject string) (map[string]any, error) {
	o, err := s.cfg.Metadata.Revalidate(ctx, sobject)
	if err != nil {
		return nil, describeErr(sobject, err)
	}
	x := s.index(o.DescribeSObjectResult)
	read := map[string]any{}
	create := map[string]any{}
	update := map[string]any{}
	var required []string
	for i := range x.d.Fields {
		f := &x.d.Fields[i]
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
		"$id":                  "urn:sfgate:sobject:" + x.d.Name,
		"title":                x.d.Label,
		"description":          "A " + x.d.Name + " record as the gateway reads it; $defs/create and $defs/update are the bodies it accepts.",
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
func fieldSchema(f *salesforce.DescribeField) map[string]any {
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
			p["exclusiveMaximum"], p["exclusiveMinimum"] = bound, json.Number("-"+string(bound))
			if f.Scale > 0 {
				p["multipleOf"] = json.Number("0." + strings.Repeat("0", f.Scale-1) + "1")
			} else {
				p["multipleOf"] = json.Number("1")
			}
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

func activeValues(f *salesforce.DescribeField, withNull bool) []any {
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

// liveDescribes serves the describe endpoint from a describe revalidated
// against Salesforce (see metadata.Service.Revalidate): browsing an object
// must show a field an admin has just added, whereas records and queries
// keep the cached describe and refresh it only when a request names a field
// it lacks.
type liveDescribes struct{ Metadata }

func (l liveDescribes) Describe(ctx context.Context, object string) (*metadata.Object, error) {
	return l.Revalidate(ctx, object)
}
