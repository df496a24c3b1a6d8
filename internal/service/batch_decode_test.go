package service

import (
	"fmt"
	"testing"

	"github.com/sfgate/sfgate"
)

// TestBatchRecordErrorsFailTheirRecords checks that the problems the
// handlers found while decoding a batch (a JSON member named twice) fail
// those records alone, or the whole batch before any call with allOrNone,
// as the engine's own per-record problems do.
func TestBatchRecordErrorsFailTheirRecords(t *testing.T) {
	t.Parallel()
	st := newStack(t, -1)
	ctx := t.Context()
	one := 1
	dup := map[int][]sfgate.FieldError{1: {{Index: &one, Field: "Name", Code: sfgate.CodeDuplicateField, Message: "Name is named more than once"}}}
	recs := func(tag string) []Record {
		return []Record{rec(t, fmt.Sprintf(`{"Name":"%s 0"}`, tag)), rec(t, fmt.Sprintf(`{"Name":"%s 1"}`, tag)), rec(t, fmt.Sprintf(`{"Name":"%s 2"}`, tag))}
	}
	if _, err := st.svc.DescribeSObject(ctx, "Account"); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name      string
		allOrNone bool
		creates   int64
	}{
		{"alone", false, 1},
		{"allOrNone", true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := st.calls(t)
			res, err := st.svc.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", AllOrNone: tt.allOrNone, Records: recs("dup " + tt.name), RecordErrors: dup})
			if d := st.calls(t)["create"] - before["create"]; d != tt.creates {
				t.Errorf("%d create calls, want %d", d, tt.creates)
			}
			if tt.allOrNone {
				he := wantError(t, err, sfgate.KindUnprocessable, sfgate.CodeValidationFailed)
				if len(he.Errors) != 1 || he.Errors[0].Index == nil || *he.Errors[0].Index != 1 || he.Errors[0].Field != "Name" || he.Errors[0].Code != sfgate.CodeDuplicateField {
					t.Errorf("errors %+v, want record 1's Name DUPLICATE_FIELD", he.Errors)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.SuccessCount != 2 || res.FailureCount != 1 || !res.Results[0].Success || res.Results[1].Success || !res.Results[2].Success {
				t.Fatalf("results %+v", res)
			}
			e := res.Results[1].Errors
			if len(e) != 1 || e[0].Field != "Name" || e[0].Code != sfgate.CodeDuplicateField || e[0].Message != "Name is named more than once" {
				t.Errorf("record 1 errors %+v", e)
			}
		})
	}
}
