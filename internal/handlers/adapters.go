package handlers

import (
	"context"
	"fmt"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
)

// MetadataSource is what the describe adapter needs of the metadata
// service; *metadata.Service satisfies it.
type MetadataSource interface {
	DescribeGlobal(ctx context.Context) (*metadata.Global, error)
	Describe(ctx context.Context, object string) (*metadata.Object, error)
	Invalidate(ctx context.Context, object string) error
	InvalidateAll(ctx context.Context) error
}

// Metadata adapts the metadata service to DescribeService and CacheAdmin:
// it only reshapes describes into the document's JSON.
type Metadata struct{ Source MetadataSource }

var (
	_ sfgate.DescribeService = Metadata{}
	_ sfgate.CacheAdmin      = Metadata{}
)

// ListSObjects implements DescribeService.
func (m Metadata) ListSObjects(ctx context.Context, f sfgate.SObjectFilter) ([]sfgate.SObjectSummary, error) {
	g, err := m.Source.DescribeGlobal(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe global: %w", err)
	}
	out := make([]sfgate.SObjectSummary, 0, len(g.SObjects))
	for _, o := range g.SObjects {
		if (f.Custom != nil && o.Custom != *f.Custom) || (f.Queryable != nil && o.Queryable != *f.Queryable) {
			continue
		}
		out = append(out, sfgate.SObjectSummary{
			Name: o.Name, Label: o.Label, LabelPlural: o.LabelPlural, KeyPrefix: keyPrefix(o.KeyPrefix),
			Custom: o.Custom, Queryable: o.Queryable, Createable: o.Createable, Updateable: o.Updateable,
			Deletable: o.Deletable, Searchable: o.Searchable, Retrieveable: o.Retrieveable,
		})
	}
	return out, nil
}

// DescribeSObject implements DescribeService.
func (m Metadata) DescribeSObject(ctx context.Context, sobject string) (*sfgate.SObjectDescribe, error) {
	o, err := m.Source.Describe(ctx, sobject)
	if err != nil {
		return nil, err
	}
	d := &sfgate.SObjectDescribe{
		SObjectSummary: sfgate.SObjectSummary{
			Name: o.Name, Label: o.Label, LabelPlural: o.LabelPlural, KeyPrefix: keyPrefix(o.KeyPrefix),
			Custom: o.Custom, Queryable: o.Queryable, Createable: o.Createable, Updateable: o.Updateable,
			Deletable: o.Deletable, Searchable: o.Searchable, Retrieveable: o.Retrieveable,
		},
		Fields:             make([]sfgate.FieldDescribe, 0, len(o.Fields)),
		ChildRelationships: make([]sfgate.ChildRelationship, 0, len(o.ChildRelationships)),
	}
	for _, f := range o.Fields {
		d.Fields = append(d.Fields, fieldDescribe(f))
	}
	for _, c := range o.ChildRelationships {
		d.ChildRelationships = append(d.ChildRelationships, sfgate.ChildRelationship{
			RelationshipName: c.RelationshipName, ChildSObject: c.ChildSObject, Field: c.Field, CascadeDelete: c.CascadeDelete,
		})
	}
	return d, nil
}

func fieldDescribe(f salesforce.DescribeField) sfgate.FieldDescribe {
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

func keyPrefix(p string) *string {
	if p == "" {
		return nil
	}
	return &p
}

// InvalidateDescribe implements CacheAdmin.
func (m Metadata) InvalidateDescribe(ctx context.Context, sobject string) error {
	if sobject == "" {
		return m.Source.InvalidateAll(ctx)
	}
	return m.Source.Invalidate(ctx, sobject)
}

// LimitSource is what the limits adapter needs of the Salesforce client;
// *salesforce.Client satisfies it.
type LimitSource interface {
	Limits() salesforce.LimitInfo
}

// ClientLimits adapts the client's last LimitInfoHeader to LimitsService.
type ClientLimits struct{ Source LimitSource }

// Limits implements LimitsService.
func (c ClientLimits) Limits(ctx context.Context) ([]sfgate.Limit, time.Time, error) {
	li := c.Source.Limits()
	if li.Updated.IsZero() {
		return []sfgate.Limit{}, time.Time{}, nil
	}
	return []sfgate.Limit{{Type: li.Type, Current: li.Current, Limit: li.Limit}}, li.Updated, nil
}
