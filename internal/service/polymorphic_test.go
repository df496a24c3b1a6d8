package service

import (
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// polyObjects adds Case (Owner: Group or User, as the real describe in
// ../shared/salesforce/describe/Case.json says) and an Event whose What
// reaches Account or Opportunity.
func polyObjects() fixedObjects {
	objs := aggObjects()
	objs["case"] = metadata.NewObject(&partner.DescribeSObjectResult{Name: "Case", Fields: []partner.DescribeField{
		fld("Id", "id"), fld("Subject", "string"),
		fld("OwnerId", "reference", refTo("Owner", "Group", "User")),
		fld("AccountId", "reference", refTo("Account", "Account")),
	}})
	objs["event"] = metadata.NewObject(&partner.DescribeSObjectResult{Name: "Event", Fields: []partner.DescribeField{
		fld("Id", "id"), fld("Subject", "string"),
		fld("WhatId", "reference", refTo("What", "Account", "Opportunity", "Campaign")),
	}})
	return objs
}

func TestBuildPolymorphic(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, root string
		q          sfgate.StructuredQuery
		want       string
	}{
		{"Name fields through Owner", "case", sfgate.StructuredQuery{
			Fields: []string{"Id", "owner.type", "Owner.Name", "Owner.IsActive"},
			Where:  cmpq("Owner.Type", "=", "User"), OrderBy: []sfgate.OrderBy{{Field: "Owner.Name"}},
		}, "SELECT Id, Owner.Type, Owner.Name, Owner.IsActive FROM Case WHERE Owner.Type = 'User' ORDER BY Owner.Name"},
		{"typeOf with else", "event", sfgate.StructuredQuery{
			Fields: []string{"Subject"},
			TypeOf: []sfgate.TypeOf{{Relationship: "what", When: map[string][]string{
				"opportunity": {"Amount", "amount"}, "Account": {"Name", "Industry"},
			}, Else: []string{"name", "Email"}}},
		}, "SELECT Subject, TYPEOF What WHEN Account THEN Name, Industry WHEN Opportunity THEN Amount ELSE Name, Email END FROM Event"},
		{"typeOf alone", "case", sfgate.StructuredQuery{
			TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: map[string][]string{"User": {"Username", "Email"}}}},
		}, "SELECT TYPEOF Owner WHEN User THEN Username, Email END FROM Case"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantBuild(t, polyObjects(), polyObjects()[c.root], &c.q, c.want)
		})
	}
}

func TestBuildRefusesPolymorphic(t *testing.T) {
	t.Parallel()
	when := func(typ string, fields ...string) map[string][]string { return map[string][]string{typ: fields} }
	cases := []struct {
		name, root string
		q          sfgate.StructuredQuery
		field      string
		code       string
	}{
		// Account.Owner reaches User only (real describe: OwnerId
		// referenceTo [User]), and User has no field Type.
		{"Owner.Type on Account", "account", sfgate.StructuredQuery{Fields: []string{"Owner.Type"}}, "/fields/0", codeUnknownField},
		{"a User field outside Name", "case", sfgate.StructuredQuery{Fields: []string{"Owner.Username", "Owner.ManagerId"}}, "/fields/1", codeUnknownField},
		{"typeOf on a plain lookup", "case", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "Account", When: when("Account", "Name")}}}, "/typeOf/0/relationship", "INVALID_FIELD"},
		{"typeOf on no relationship", "case", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "Nope", When: when("User", "Name")}}}, "/typeOf/0/relationship", "INVALID_FIELD"},
		{"typeOf relationship also in fields", "case", sfgate.StructuredQuery{Fields: []string{"Owner.Name"}, TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: when("User", "Name")}}}, "/typeOf/0/relationship", "INVALID_FIELD"},
		{"typeOf twice", "case", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: when("User", "Name")}, {Relationship: "owner", When: when("User", "Email")}}}, "/typeOf/1/relationship", "INVALID_FIELD"},
		{"when type outside referenceTo", "case", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: when("Account", "Name")}}}, "/typeOf/0/when/Account", "INVALID_TYPE"},
		{"when type not describable", "event", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "What", When: when("Campaign", "Name")}}}, "/typeOf/0/when/Campaign", "INVALID_TYPE"},
		{"when type twice", "case", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "Owner", When: map[string][]string{"User": {"Name"}, "user": {"Email"}}}}}, "/typeOf/0/when/user", "DUPLICATE_TYPE"},
		{"when field unknown", "event", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "What", When: when("Opportunity", "Amount", "Phone")}}}, "/typeOf/0/when/Opportunity/1", codeUnknownField},
		{"else field outside Name", "event", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "What", When: when("Account", "Name"), Else: []string{"Industry"}}}}, "/typeOf/0/else/0", codeUnknownField},
		{"no when", "case", sfgate.StructuredQuery{TypeOf: []sfgate.TypeOf{{Relationship: "Owner", Else: []string{"Name"}}}}, "/typeOf/0/when", "minProperties"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			wantBuildProblem(t, polyObjects(), polyObjects()[c.root], &c.q, c.field, c.code)
		})
	}
}
