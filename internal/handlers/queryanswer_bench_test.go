package handlers

import (
	"context"
	"fmt"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/service"
)

// pageClient answers every query with one decoded page.
type pageClient struct {
	service.Client
	page *partner.QueryResult
}

func (c pageClient) Query(context.Context, string, ...partner.Option) (*partner.QueryResult, error) {
	return c.page, nil
}

// objectsMetadata answers describes from fixed objects.
type objectsMetadata struct {
	service.Metadata
	objs map[string]*metadata.Object
}

func (m objectsMetadata) Describe(_ context.Context, name string) (*metadata.Object, error) {
	if x := m.objs[name]; x != nil {
		return x, nil
	}
	return nil, &metadata.UnknownObjectError{Object: name}
}

func describeOf(name string, children []partner.ChildRelationship, fields ...partner.DescribeField) *metadata.Object {
	return metadata.NewObject(&partner.DescribeSObjectResult{Name: name, Fields: fields, ChildRelationships: children})
}

// benchAccounts is a decoded page of n Accounts as
// SELECT Id, Name, Type, Industry, AnnualRevenue, NumberOfEmployees,
// Phone, IsDeleted, CreatedDate, Owner.Name, (SELECT Id, LastName FROM
// Contacts) FROM Account answers it: strings, picklists, currency, an
// integer, a boolean, a date-time, a null, a parent and a child subquery
// of two contacts (ten fields and the two relationships).
func benchAccounts(n int) (*partner.QueryResult, objectsMetadata) {
	f := func(name, typ string) partner.DescribeField { return partner.DescribeField{Name: name, Type: typ} }
	owner := f("OwnerId", "reference")
	owner.RelationshipName, owner.ReferenceTo = "Owner", []string{"User"}
	md := objectsMetadata{objs: map[string]*metadata.Object{
		"Account": describeOf("Account", []partner.ChildRelationship{{ChildSObject: "Contact", Field: "AccountId", RelationshipName: "Contacts"}},
			f("Id", "id"), f("Name", "string"), f("Type", "picklist"), f("Industry", "picklist"), f("AnnualRevenue", "currency"),
			f("NumberOfEmployees", "int"), f("Phone", "phone"), f("IsDeleted", "boolean"), f("CreatedDate", "datetime"), owner),
		"User":    describeOf("User", nil, f("Id", "id"), f("Name", "string")),
		"Contact": describeOf("Contact", nil, f("Id", "id"), f("LastName", "string")),
	}}
	page := &partner.QueryResult{Done: true, Size: n}
	for i := range n {
		id := fmt.Sprintf("001000000000%03dAAA", i)
		kids := &partner.QueryResult{Done: true, Size: 2}
		for k := range 2 {
			kids.Records = append(kids.Records, partner.Record{Type: "Contact", ID: fmt.Sprintf("003000000000%03dAA%d", i, k), Fields: []partner.Field{
				{Name: "Id", Value: fmt.Sprintf("003000000000%03dAA%d", i, k)}, {Name: "LastName", Value: fmt.Sprintf("Contact %d-%d", i, k)}}})
		}
		page.Records = append(page.Records, partner.Record{Type: "Account", ID: id, Fields: []partner.Field{
			{Name: "Id", Value: id},
			{Name: "Name", Value: fmt.Sprintf("Account %d & Sons <Ltd>", i)},
			{Name: "Type", Value: "Customer - Direct"},
			{Name: "Industry", Value: "Manufacturing"},
			{Name: "AnnualRevenue", Value: fmt.Sprintf("%d.25", i*1000)},
			{Name: "NumberOfEmployees", Value: fmt.Sprint(i * 3)},
			{Name: "Phone", Nil: true},
			{Name: "IsDeleted", Value: "false"},
			{Name: "CreatedDate", Value: "2026-11-30T14:52:00.000Z"},
			{Name: "Owner", Parent: &partner.Record{Type: "User", Fields: []partner.Field{{Name: "Name", Value: "Ann Owner"}}}},
			{Name: "Contacts", Children: kids},
		}})
	}
	return page, md
}

// BenchmarkQueryAnswer types and writes a decoded 200-record page as the
// JSON answer of a query and as NDJSON lines: through OrderedRecords (the
// path before records were written straight to JSON, still Query's) and
// straight (QueryJSON). ns/op / 200 is the gateway's CPU per record after
// the decoder.
func BenchmarkQueryAnswer(b *testing.B) {
	const n = 200
	page, md := benchAccounts(n)
	svc, err := service.New(service.Config{Client: pageClient{page: page}, Metadata: md, Connection: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	in := sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id FROM Account"}}
	ctx := b.Context()
	typed := func(b *testing.B, html bool) []byte {
		p, err := svc.Query(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		buf := getBuf()
		defer putBuf(buf)
		if !html { // NDJSON lines
			out := *buf
			for _, r := range p.Records {
				if out, err = appendOrdered(out, r, false, 0); err != nil {
					b.Fatal(err)
				}
				out = append(out, '\n')
			}
			*buf = out
			return out
		}
		if *buf, err = appendJSON(*buf, p, true); err != nil {
			b.Fatal(err)
		}
		return *buf
	}
	written := func(b *testing.B, html bool) []byte {
		p, err := svc.QueryJSON(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		buf := getBuf()
		defer putBuf(buf)
		if !html {
			out := *buf
			for _, r := range p.Records {
				out = append(append(out, r...), '\n')
			}
			*buf = out
			return out
		}
		if *buf, err = appendJSON(*buf, &p, true); err != nil {
			b.Fatal(err)
		}
		return *buf
	}
	for _, mode := range []struct {
		name string
		html bool
	}{{"json", true}, {"ndjson", false}} {
		if want, got := string(typed(b, mode.html)), string(written(b, mode.html)); got != want {
			b.Fatalf("%s: the two paths differ:\n%.400s\n%.400s", mode.name, got, want)
		}
		for _, path := range []struct {
			name string
			run  func(*testing.B, bool) []byte
		}{{"typed", typed}, {"straight", written}} {
			b.Run(mode.name+"/"+path.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					path.run(b, mode.html)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
			})
		}
	}
}
