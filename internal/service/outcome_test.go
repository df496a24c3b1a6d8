package service

import (
	"errors"
	"io"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// TestBatchOutcomeUnknown checks that the records of a batch call whose
// answer was lost are reported OUTCOME_UNKNOWN (Salesforce may have written
// them), while those of a call that failed as a whole stay NOT_PROCESSED.
func TestBatchOutcomeUnknown(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"answer lost", &partner.Error{Op: "create", Kind: partner.KindNetwork, Cause: io.ErrUnexpectedEOF, OutcomeUnknown: true}, sfgate.CodeOutcomeUnknown},
		{"refused as a whole", &partner.Error{Op: "create", Kind: partner.KindFault, Code: "REQUEST_LIMIT_EXCEEDED"}, codeNotProcessed},
		{"never sent", &partner.Error{Op: "create", Kind: partner.KindNetwork, Cause: errors.New("refused"), Unsent: true}, codeNotProcessed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			chunks := []chunk{
				{start: 0, end: 1, done: []outcome{{success: true, id: "001000000000001AAA"}}},
				{start: 1, end: 2, err: tc.err},
			}
			res := answerBatch(make([]sfgate.BatchResult, 2), []int{0, 1}, chunks)
			if !res.Results[0].Success || res.SuccessCount != 1 || res.FailureCount != 1 {
				t.Fatalf("results = %+v", res)
			}
			if errs := res.Results[1].Errors; len(errs) != 1 || errs[0].Code != tc.want {
				t.Errorf("second record's errors = %+v, want code %s", errs, tc.want)
			}
		})
	}
}
