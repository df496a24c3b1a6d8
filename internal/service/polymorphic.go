package service

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// Polymorphic relationships. A reference field whose referenceTo names more
// than one object (Case.Owner and Lead.Owner: Group or User; Task.What and
// Task.Who) reaches the Name object, whatever the parent really is: its
// fields are what a query may read through the relationship without TYPEOF,
// and Salesforce answers the parent with sf:type Name (SOQL and SOSL
// Reference, "Understanding Relationship Fields and Polymorphic Fields",
// https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_relationships_and_polymorph_keys.htm).

// nameEntity is the Name object's API name.
const nameEntity = "Name"

// staticName is the Name object as the Object Reference's "Name" page lists
// it (https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_name.htm,
// field table in the Salesforce Field Reference: https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-name.html).
// Salesforce does describe Name (the page lists describeSObjects() as its one
// call, and a real describeGlobal lists it, not queryable), so the org's own
// describe is used whenever it answers one; this list stands in when it
// does not (sfsim, or a user who may not describe it). The page marks
// every field Filter and Nillable and allows the fields in SELECT, WHERE
// and ORDER BY; grouping on them is not refused here (datetimes excepted),
// Salesforce being the judge. Its references (ProfileId, UserRoleId,
// RecordTypeId) carry no relationship name: a path through Name (Owner.
// Profile.Name) needs the org's describe of Name.
var staticName = func() *metadata.Object {
	fields := []struct{ name, typ, soap string }{
		{"Id", "id", "tns:ID"}, {"Alias", "string", "xsd:string"}, {"CommunityNickname", "string", "xsd:string"},
		{"Email", "email", "xsd:string"}, {"FirstName", "string", "xsd:string"}, {"IsActive", "boolean", "xsd:boolean"},
		{"LastName", "string", "xsd:string"}, {"LastReferencedDate", "datetime", "xsd:dateTime"},
		{"LastViewedDate", "datetime", "xsd:dateTime"}, {"MediumPhotoUrl", "url", "xsd:string"},
		{"Name", "string", "xsd:string"}, {"NameOrAlias", "string", "xsd:string"}, {"Phone", "phone", "xsd:string"},
		{"ProfileId", "reference", "tns:ID"}, {"RecordTypeId", "reference", "tns:ID"},
		{"SmallPhotoUrl", "url", "xsd:string"}, {"Title", "string", "xsd:string"}, {"Type", "picklist", "xsd:string"},
		{"UserRoleId", "reference", "tns:ID"}, {"Username", "string", "xsd:string"},
	}
	d := &partner.DescribeSObjectResult{Name: nameEntity, Label: "Name", LabelPlural: "Names"}
	for _, f := range fields {
		d.Fields = append(d.Fields, partner.DescribeField{
			Name: f.name, Label: f.name, Type: f.typ, SoapType: f.soap, Filterable: true, Sortable: true,
			Nillable: f.name != "Id", Groupable: f.typ != "datetime", Aggregatable: f.typ != "boolean",
		})
	}
	return metadata.NewObject(d)
}()

// isPolymorphic reports whether the reference field rf may point to more
// than one object.
func isPolymorphic(rf *partner.DescribeField) bool { return len(rf.ReferenceTo) > 1 }

// nameObject returns the org's describe of Name, or staticName when the org
// has none to give. find is how the caller looks objects up (nil, nil: the
// org has no such object).
func nameObject(ctx context.Context, find func(context.Context, string) (*metadata.Object, error)) (*metadata.Object, error) {
	x, err := find(ctx, nameEntity)
	if err != nil {
		return nil, err
	}
	if x == nil || len(x.Fields) == 0 {
		return staticName, nil
	}
	return x, nil
}

// describeName returns the org's describe of Name, or staticName when the
// org has none to give: Name missing from describeGlobal (then no describe
// is asked, and the global list is not refreshed for it), or unknown to
// describeSObject.
func (s *Service) describeName(ctx context.Context) (*metadata.Object, error) {
	g, err := s.cfg.Metadata.DescribeGlobal(ctx)
	if err != nil {
		return nil, fmt.Errorf("describe global: %w", err)
	}
	if _, ok := g.SObject(nameEntity); !ok {
		return staticName, nil
	}
	o, err := s.cfg.Metadata.Describe(ctx, nameEntity)
	switch {
	case err == nil && len(o.Fields) > 0:
		return o, nil
	case err == nil, errors.Is(err, metadata.ErrUnknownObject), partner.IsCode(err, partner.CodeInvalidType):
		return staticName, nil
	}
	return nil, fmt.Errorf("describe %s: %w", nameEntity, err)
}

// markType tells a caller the type of a polymorphic parent: Name (read
// without TYPEOF) or its real type (under TYPEOF). It is Salesforce REST's
// "attributes": {"type": …}, a key no field can have (REST answers carry it
// beside the fields of every record).
func markType(parent sfgate.OrderedRecord, typ string) sfgate.OrderedRecord {
	if parent == nil || typ == "" {
		return parent
	}
	out := make(sfgate.OrderedRecord, 0, len(parent)+1)
	out = append(out, sfgate.Member{Key: "attributes", Value: sfgate.OrderedRecord{{Key: "type", Value: typ}}})
	return append(out, parent...)
}

// parentHint is the describe to type a parent relationship's record with
// when the record carries no sf:type: the one object a plain lookup
// reaches. A polymorphic parent always carries its type.
func (r *reader) parentHint(ctx context.Context, x *metadata.Object, f *partner.Field) (*metadata.Object, bool, error) {
	if x == nil {
		return nil, false, nil
	}
	rf, _ := x.Parent(f.Name)
	return r.parentHintOf(ctx, rf, f)
}

// parentHintOf is parentHint for the reference field rf of the parent
// relationship f (nil when the object has none).
func (r *reader) parentHintOf(ctx context.Context, rf *partner.DescribeField, f *partner.Field) (*metadata.Object, bool, error) {
	if rf == nil {
		return nil, false, nil
	}
	if isPolymorphic(rf) {
		return nil, true, nil
	}
	if len(rf.ReferenceTo) == 1 && f.Parent.Type == "" {
		ph, err := r.object(ctx, rf.ReferenceTo[0])
		return ph, false, err
	}
	return nil, false, nil
}

// targets is the object a parent relationship reaches in a path: its one
// referenceTo object, or Name for a polymorphic one (none: the object
// cannot be described).
func (b *builder) targets(ctx context.Context, rel *partner.DescribeField) ([]*metadata.Object, error) {
	if isPolymorphic(rel) {
		n, err := nameObject(ctx, b.objs.object)
		if err != nil {
			return nil, err
		}
		return []*metadata.Object{n}, nil
	}
	if len(rel.ReferenceTo) == 0 {
		return nil, nil
	}
	x, err := b.objs.object(ctx, rel.ReferenceTo[0])
	if err != nil || x == nil {
		return nil, err
	}
	return []*metadata.Object{x}, nil
}

// ---- TYPEOF in a structured query ----

// typeOf writes one TYPEOF expression: the relationship must be a
// polymorphic parent of the root not otherwise selected, each WHEN type one
// of its referenceTo objects with fields of that object's describe, ELSE
// fields of Name's. The SOQL and SOSL Reference, "TYPEOF"
// (https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_typeof.htm):
// "typeOfField cannot reference a relationship field that is also
// referenced in the fieldList".
func (b *builder) typeOf(ctx context.Context, w *strings.Builder, where string, t *sfgate.TypeOf, selected map[string]bool) error {
	rf, ok := b.root.Parent(t.Relationship)
	if !ok {
		b.p.addf(nil, where+"/relationship", "INVALID_FIELD", "%s has no parent relationship %s", b.root.Name, t.Relationship)
		return nil
	}
	if !isPolymorphic(rf) {
		b.p.addf(nil, where+"/relationship", "INVALID_FIELD", "%s is not polymorphic: it reaches %s only, select its fields as %s.<field>",
			rf.RelationshipName, strings.Join(rf.ReferenceTo, ", "), rf.RelationshipName)
		return nil
	}
	rel := strings.ToLower(rf.RelationshipName)
	if selected[rel] {
		b.p.addf(nil, where+"/relationship", "INVALID_FIELD", "%s is also selected in fields or another typeOf; a TYPEOF relationship cannot be", rf.RelationshipName)
		return nil
	}
	selected[rel] = true
	if len(t.When) == 0 {
		b.p.addf(nil, where+"/when", "minProperties", "names no type: TYPEOF takes at least one WHEN")
		return nil
	}
	fmt.Fprintf(w, "TYPEOF %s", rf.RelationshipName)
	types := make([]string, 0, len(t.When))
	for typ := range t.When {
		types = append(types, typ)
	}
	slices.Sort(types) // a stable SOQL text; the order of WHENs means nothing
	seen := make(map[string]bool, len(types))
	for _, typ := range types {
		wh := where + "/when/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(typ) // RFC 6901
		canon := ""
		for _, r := range rf.ReferenceTo {
			if strings.EqualFold(r, typ) {
				canon = r
			}
		}
		if canon == "" {
			b.p.addf(nil, wh, "INVALID_TYPE", "is not a type %s can point to (%s)", rf.RelationshipName, strings.Join(rf.ReferenceTo, ", "))
			continue
		}
		if seen[strings.ToLower(canon)] {
			b.p.addf(nil, wh, "DUPLICATE_TYPE", "names %s twice (type names are case-insensitive)", canon)
			continue
		}
		seen[strings.ToLower(canon)] = true
		x, err := b.objs.object(ctx, canon)
		if err != nil {
			return err
		}
		if x == nil {
			b.p.addf(nil, wh, "INVALID_TYPE", "%s cannot be described in this org", canon)
			continue
		}
		list, err := b.fieldList(ctx, wh, x, t.When[typ])
		if err != nil {
			return err
		}
		fmt.Fprintf(w, " WHEN %s THEN %s", canon, list)
	}
	if len(t.Else) > 0 {
		n, err := nameObject(ctx, b.objs.object)
		if err != nil {
			return err
		}
		list, err := b.fieldList(ctx, where+"/else", n, t.Else)
		if err != nil {
			return err
		}
		w.WriteString(" ELSE " + list)
	}
	w.WriteString(" END")
	return nil
}

// fieldList checks names against x and returns them in its spelling,
// comma-separated, duplicates dropped.
func (b *builder) fieldList(ctx context.Context, where string, x *metadata.Object, names []string) (string, error) {
	out := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for i, name := range names {
		df, ok := x.Field(name)
		if !ok && x != staticName {
			nx, err := b.objs.refreshed(ctx, x, name)
			if err != nil {
				return "", err
			}
			df, ok = nx.Field(name)
		}
		if !ok {
			b.p.addf(nil, fmt.Sprintf("%s/%d", where, i), codeUnknownField, "%s has no field %s", x.Name, name)
			continue
		}
		if !seen[strings.ToLower(df.Name)] {
			seen[strings.ToLower(df.Name)] = true
			out = append(out, df.Name)
		}
	}
	return strings.Join(out, ", "), nil
}
