package handlers

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce"
)

type fakeMetadata struct {
	invalidated []string
}

func (f *fakeMetadata) DescribeGlobal(ctx context.Context) (*metadata.Global, error) {
	return &metadata.Global{DescribeGlobalResult: &salesforce.DescribeGlobalResult{SObjects: []salesforce.DescribeGlobalSObjectResult{
		{Name: "Account", Label: "Account", KeyPrefix: "001", ObjectFlags: salesforce.ObjectFlags{Queryable: true, Createable: true}},
		{Name: "Invoice__c", Label: "Invoice", KeyPrefix: "a01", ObjectFlags: salesforce.ObjectFlags{Custom: true, Queryable: true}},
		{Name: "AccountHistory", Label: "Account History"},
	}}}, nil
}

func (f *fakeMetadata) Describe(ctx context.Context, object string) (*metadata.Object, error) {
	if object != "Account" {
		return nil, fmt.Errorf("describe: %w", &metadata.UnknownObjectError{Object: object})
	}
	return &metadata.Object{DescribeSObjectResult: &salesforce.DescribeSObjectResult{
		Name: "Account", Label: "Account", KeyPrefix: "001", ObjectFlags: salesforce.ObjectFlags{Queryable: true},
		Fields: []salesforce.DescribeField{
			{Name: "Id", Label: "Account ID", Type: "id", SoapType: "tns:ID", Length: 18, IDLookup: true},
			{Name: "Rating", Label: "Rating", Type: "picklist", Createable: true, Updateable: true, Nillable: true,
				PicklistValues: []salesforce.PicklistEntry{{Value: "Hot", Label: "Hot", Active: true}}},
			{Name: "ParentId", Type: "reference", ReferenceTo: []string{"Account"}, RelationshipName: "Parent"},
		},
		ChildRelationships: []salesforce.ChildRelationship{{ChildSObject: "Contact", Field: "AccountId", RelationshipName: "Contacts", CascadeDelete: true}},
	}}, nil
}

func (f *fakeMetadata) Invalidate(ctx context.Context, object string) error {
	f.invalidated = append(f.invalidated, object)
	return nil
}

func (f *fakeMetadata) InvalidateAll(ctx context.Context) error {
	f.invalidated = append(f.invalidated, "*")
	return nil
}

type fakeLimitSource struct{ li salesforce.LimitInfo }

func (f fakeLimitSource) Limits() salesforce.LimitInfo { return f.li }

func TestMetadataAdapterThroughTheAPI(t *testing.T) {
	t.Parallel()
	src := &fakeMetadata{}
	s := newTestServer(t, Options{Describe: Metadata{Source: src}, Cache: Metadata{Source: src}, Logger: zerolog.Nop(),
		Limits: ClientLimits{Source: fakeLimitSource{salesforce.LimitInfo{Type: "API REQUESTS", Current: 5, Limit: 100, Updated: time.Unix(1700000000, 0)}}}})

	status, _, body := s.do("GET", "/v1/sobjects?queryable=true&custom=false", "")
	if status != 200 || !strings.Contains(body, `"Account"`) || strings.Contains(body, "Invoice__c") || strings.Contains(body, "AccountHistory") {
		t.Fatalf("filtered list: %d %s", status, body)
	}
	status, _, body = s.do("GET", "/v1/sobjects/Account", "")
	if status != 200 {
		t.Fatalf("describe: %d %s", status, body)
	}
	for _, want := range []string{`"picklistValues":[{"value":"Hot","label":"Hot","active":true}]`, `"referenceTo":["Account"]`, `"relationshipName":"Contacts"`, `"keyPrefix":"001"`} {
		if !strings.Contains(body, want) {
			t.Errorf("describe lacks %s", want)
		}
	}
	if status, _, body = s.do("GET", "/v1/sobjects/Nope__c", ""); status != 404 || !strings.Contains(body, "no object Nope__c") {
		t.Errorf("unknown object: %d %s", status, body)
	}
	s.do("POST", "/v1/admin/cache/invalidate", `{"sobject":"Account"}`)
	s.do("POST", "/v1/admin/cache/invalidate", `{}`)
	if diff := cmp.Diff([]string{"Account", "*"}, src.invalidated); diff != "" {
		t.Errorf("invalidations (-want +got):\n%s", diff)
	}
	if status, _, body = s.do("GET", "/v1/limits", ""); status != 200 || !strings.Contains(body, `"reportedAt":"2023-11-14T22:13:20Z"`) {
		t.Errorf("limits: %d %s", status, body)
	}
}

func TestLimitsBeforeAnyAnswer(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, Options{Limits: ClientLimits{Source: fakeLimitSource{}}, Logger: zerolog.Nop()})
	if status, _, body := s.do("GET", "/v1/limits", ""); status != 200 || body != `{"limits":[],"reportedAt":null}`+"\n" {
		t.Errorf("limits: %d %q", status, body)
	}
}

func TestUnknownFieldIs422NamingEachField(t *testing.T) {
	t.Parallel()
	c := classify(t.Context(), fmt.Errorf("get: %w", &metadata.UnknownFieldError{Object: "Account", Fields: []string{"Nope__c", "Bad"}}))
	if c.status != 422 || len(c.errors) != 2 || c.errors[0].Field != "Nope__c" || c.errors[1].Field != "Bad" {
		t.Errorf("%+v", c)
	}
}
