package handlers

import (
	"context"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
)

// TestCharsetAndUTF8: a body in another charset is 415, invalid UTF-8 is
// 400 naming the byte, and neither reaches the service; UTF-8 under any
// accepted spelling passes.
func TestCharsetAndUTF8(t *testing.T) {
	t.Parallel()
	var created []string
	opts := fullOptions()
	opts.Records = &fakeRecords{create: func(ctx context.Context, obj string, rec sfgate.Record) (string, error) {
		created = append(created, rec["Name"].(string))
		return "001000000000001AAA", nil
	}}
	s := newTestServer(t, opts)
	tests := []struct {
		name, contentType, body string
		status                  int
		want                    []string // substrings of the answer
	}{
		{"latin-1 declared", "application/json; charset=iso-8859-1", "{\"Name\":\"Caf\xe9\"}", 415, []string{`"code":"UNSUPPORTED_MEDIA_TYPE"`, `"field":"header.Content-Type"`, `"code":"charset"`}},
		{"windows-1252 declared", "application/json;charset=\"windows-1252\"", `{"Name":"x"}`, 415, []string{"UNSUPPORTED_MEDIA_TYPE"}},
		{"utf-16 declared", "application/json; charset=utf-16", `{"Name":"x"}`, 415, []string{"UNSUPPORTED_MEDIA_TYPE"}},
		{"invalid UTF-8 undeclared", "application/json", "{\"Name\":\"Caf\xe9\"}", 400, []string{`"code":"utf-8"`, `"field":"body"`, "byte 12"}},
		{"invalid UTF-8 declared UTF-8", "application/json; charset=UTF-8", "{\"Name\":\"a\xff\xfe\"}", 400, []string{`"code":"utf-8"`, "byte 10"}},
		{"truncated sequence", "application/json", "{\"Name\":\"\xe2\x82\"}", 400, []string{`"code":"utf-8"`}},
		{"utf-8 lower case", "application/json; charset=utf-8", `{"Name":"Café"}`, 201, nil},
		{"UTF-8 upper case", "application/json; charset=UTF-8", `{"Name":"Zoë"}`, 201, nil},
		{"utf8 alias", "application/json; charset=utf8", `{"Name":"Ærø"}`, 201, nil},
		{"no charset", "application/json", `{"Name":"naïve €"}`, 201, nil},
		{"a real U+FFFD is fine", "application/json", `{"Name":"` + "\uFFFD" + `"}`, 201, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(created)
			status, _, body := s.do("POST", "/v1/sobjects/Account/records", tt.body, "Content-Type", tt.contentType)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("answer lacks %s: %s", w, body)
				}
			}
			if status != 201 && len(created) != n {
				t.Errorf("a refused body reached the service")
			}
			if status == 201 && strings.ContainsRune(created[len(created)-1], '\uFFFD') != strings.Contains(tt.body, "\uFFFD") {
				t.Errorf("the service got %q", created[len(created)-1])
			}
		})
	}
}

// TestOtherMediaTypesStillRefusedByTheValidator: NDJSON or CSV sent to a
// JSON endpoint is the validator's 400 content-type, also in UTF-8; a
// foreign charset on them is 415 first.
func TestOtherMediaTypesStillRefusedByTheValidator(t *testing.T) {
	t.Parallel()
	s := newTestServer(t, fullOptions())
	for _, ct := range []string{"application/x-ndjson", "text/csv; charset=utf-8"} {
		status, _, body := s.do("POST", "/v1/sobjects/Account/records", `{"Name":"x"}`, "Content-Type", ct)
		if status != 400 || !strings.Contains(body, `"code":"content-type"`) {
			t.Errorf("%s: %d %s", ct, status, body)
		}
	}
	status, _, body := s.do("POST", "/v1/sobjects/Account/records", "Name\nCaf\xe9\n", "Content-Type", "text/csv; charset=iso-8859-1")
	if status != 415 {
		t.Errorf("CSV in latin-1: %d %s", status, body)
	}
	status, _, body = s.do("POST", "/v1/sobjects/Account/records", "{\"Name\":\"Caf\xe9\"}\n", "Content-Type", "application/x-ndjson")
	if status != 400 || !strings.Contains(body, `"code":"utf-8"`) {
		t.Errorf("NDJSON with invalid UTF-8: %d %s", status, body)
	}
}
