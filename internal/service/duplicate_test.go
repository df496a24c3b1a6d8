package service

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// dupErr is a DuplicateError as the client decodes it: one matching rule,
// two records found.
func dupErr() partner.StatusError {
	return partner.StatusError{StatusCode: "DUPLICATES_DETECTED", Message: "Use one of these records?", Duplicate: &partner.DuplicateResult{
		DuplicateRule: "Std_Rule", DuplicateRuleEntityType: "Account",
		MatchResults: []partner.MatchResult{{EntityType: "Account", MatchEngine: "FuzzyMatchEngine", Rule: "Match_v1", Size: 2, Success: true,
			MatchRecords: []partner.MatchRecord{
				{MatchConfidence: "100.0", Record: partner.Record{Type: "Account", ID: "001Dn00000QdupAIAR"}},
				{MatchConfidence: "8.75E1", Record: partner.Record{ID: "001Dn00000QdupBIAR"}},
			}}},
	}}
}

var wantDup = &sfgate.Duplicate{Rule: "Std_Rule", EntityType: "Account", Matches: []sfgate.DuplicateMatch{
	{ID: "001Dn00000QdupAIAR", EntityType: "Account", MatchingRule: "Match_v1", MatchEngine: "FuzzyMatchEngine", Confidence: json.Number("100")},
	// No sObject type on the record: the match result's entity type.
	{ID: "001Dn00000QdupBIAR", EntityType: "Account", MatchingRule: "Match_v1", MatchEngine: "FuzzyMatchEngine", Confidence: json.Number("87.5")},
}}

// TestDuplicateInErrors checks a batch record's errors carry what the
// duplicate rule matched, and other errors carry nothing more.
func TestDuplicateInErrors(t *testing.T) {
	t.Parallel()
	got := fieldErrors([]partner.StatusError{dupErr(), {StatusCode: "REQUIRED_FIELD_MISSING", Message: "missing", Fields: []string{"Name"}}})
	want := []sfgate.FieldError{
		{Code: "DUPLICATES_DETECTED", Message: "Use one of these records?", Duplicate: wantDup},
		{Field: "Name", Code: "REQUIRED_FIELD_MISSING", Message: "missing"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestDuplicateSingleRecord checks a single-record save refused by a
// duplicate rule is Salesforce's DUPLICATES_DETECTED with the matches in
// its errors, through the boundary every method returns by.
func TestDuplicateSingleRecord(t *testing.T) {
	t.Parallel()
	s := &Service{}
	err := s.domainError(recordErr("create", []partner.StatusError{dupErr()}, false))
	var de *sfgate.Error
	if !errors.As(err, &de) {
		t.Fatalf("got %T %v", err, err)
	}
	if de.Code != "DUPLICATES_DETECTED" || !de.Salesforce || de.Detail != "Use one of these records?" {
		t.Errorf("code %s salesforce %v detail %q", de.Code, de.Salesforce, de.Detail)
	}
	if len(de.Errors) != 1 || !cmp.Equal(de.Errors[0].Duplicate, wantDup) {
		t.Errorf("errors %+v", de.Errors)
	}
}
