package handlers

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// TestFailuresLogCodesNotValues: what the services return carries values
// in its detail, its field messages and its cause; the log line of the
// failure has the code, the kind and the fields, and none of the values.
func TestFailuresLogCodesNotValues(t *testing.T) {
	t.Parallel()
	idx := 3
	const value = "QZX-secret-record-value"
	errs := map[string]error{
		"salesforce fault": &sfgate.Error{Kind: sfgate.KindUpstream, Code: "STRING_TOO_LONG", Salesforce: true,
			Detail: "Account Name: data value too large: " + value,
			Errors: []sfgate.FieldError{{Index: &idx, Field: "Name", Code: "STRING_TOO_LONG", Message: "data value too large: " + value}},
			Err:    errors.New("salesforce create: STRING_TOO_LONG: data value too large: " + value)},
		"validation": &sfgate.Error{Kind: sfgate.KindInvalid, Code: sfgate.CodeValidationFailed, Detail: "/records/0/Name: " + value,
			Errors: []sfgate.FieldError{{Field: "/records/0/Name", Code: "type", Message: "value " + value}},
			Err:    errors.New(`Error at "/records/0/Name": Value: "` + value + `"`)},
	}
	for name, err := range errs {
		t.Run(name, func(t *testing.T) {
			var logs syncBuffer
			opts := fullOptions()
			opts.Logger = zerolog.New(&logs)
			opts.Records = &fakeRecords{create: func(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
				return "", err
			}}
			s := newTestServer(t, opts)
			status, _, body := s.do("POST", "/v1/sobjects/Account/records", `{"Name":"`+value+`"}`)
			if status < 400 || !strings.Contains(body, value) {
				t.Fatalf("the caller should still get the message: %d %s", status, body)
			}
			out := logs.String()
			if strings.Contains(out, value) {
				t.Errorf("the log holds the value:\n%s", out)
			}
			var ge *sfgate.Error
			errors.As(err, &ge)
			if !strings.Contains(out, `"code":"`+ge.Code+`"`) || !strings.Contains(out, `"fields":"`) {
				t.Errorf("the log lacks the code or the fields:\n%s", out)
			}
		})
	}
}

func TestLoggedFieldsAreBounded(t *testing.T) {
	t.Parallel()
	var errs []sfgate.FieldError
	for i := range 100 {
		errs = append(errs, sfgate.FieldError{Index: &i, Field: "Name", Code: "REQUIRED_FIELD_MISSING"})
	}
	got := loggedFields(errs)
	if !strings.HasPrefix(got, "[0]Name:REQUIRED_FIELD_MISSING [1]Name") || !strings.HasSuffix(got, "…+80") {
		t.Errorf("loggedFields = %q", got)
	}
}

// TestUpsertValueNotInAccessLog: an upsert's external id value is a record
// value; the access log shows {value}, also when it holds an encoded "/".
func TestUpsertValueNotInAccessLog(t *testing.T) {
	t.Parallel()
	var logs syncBuffer
	opts := fullOptions()
	opts.Logger = zerolog.New(&logs)
	s := newTestServer(t, opts)
	s.do("PUT", "/v1/sobjects/Account/records/by/Ext__c/QZXleft%2FQZXright", `{"Name":"x"}`)
	out := logs.String()
	if strings.Contains(out, "QZX") {
		t.Errorf("the access log holds the external id value:\n%s", out)
	}
	if !strings.Contains(out, `"path":"/v1/sobjects/Account/records/by/Ext__c/{value}"`) {
		t.Errorf("access log path:\n%s", out)
	}
}
