package handlers

import (
	"context"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/orgspec"
)

// typedObjects returns the objects an org-typed document says it covers.
func typedObjects(t *testing.T, body string) []string {
	t.Helper()
	var doc struct {
		Info struct {
			Objects []string `yaml:"x-sfgate-sobjects"`
		} `yaml:"info"`
	}
	if err := yaml.Unmarshal([]byte(body), &doc); err != nil {
		t.Fatalf("the answer is not YAML: %v", err)
	}
	return doc.Info.Objects
}

func TestOrgSpecParameter(t *testing.T) {
	t.Parallel()
	var described atomic.Int32
	opts := fullOptions()
	d := &fakeDescribe{describe: func(ctx context.Context, name string) (*sfgate.SObjectDescribe, error) {
		described.Add(1)
		if strings.EqualFold(name, "Nope__c") {
			return nil, sfgate.NotFound("no object " + name)
		}
		return (&fakeDescribe{}).DescribeSObject(ctx, name)
	}}
	opts.Describe, opts.CachedDescribe = d, d
	s := newTestServer(t, opts)
	for _, tt := range []struct{ name, query string }{
		{"empty", "sobjects="},
		{"not a name", "sobjects=Account,Bad-Name"},
		{"star and names", "sobjects=*,Account"},
		{"unknown object", "sobjects=Account,Nope__c"},
		{"too many", "sobjects=" + manyNames(orgspec.MaxObjects+1)},
	} {
		status, _, body := s.do(http.MethodGet, "/openapi.yaml?"+tt.query, "")
		if status != http.StatusBadRequest || !strings.Contains(body, `"field":"query.sobjects"`) {
			t.Errorf("%s: %d %.300s, want 400 naming query.sobjects", tt.name, status, body)
		}
	}
	before := described.Load()
	status, h, body := s.do(http.MethodGet, "/openapi.yaml?sobjects=Account,account&sobjects=Invoice__c", "")
	if status != http.StatusOK || h.Get("Content-Type") != "application/yaml" {
		t.Fatalf("%d %s %.300s", status, h.Get("Content-Type"), body)
	}
	if got := typedObjects(t, body); strings.Join(got, ",") != "Account,Invoice__c" {
		t.Errorf("typed %v, want Account and Invoice__c once each", got)
	}
	if n := described.Load() - before; n != 2 {
		t.Errorf("%d describes for two objects", n)
	}
	if status, _, _ := s.do(http.MethodGet, "/openapi.yaml?sobjects=Account,Invoice__c", "", "If-None-Match", `"other", `+h.Get("ETag")); status != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: %d", status)
	}
}

func manyNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = "O" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
	}
	return strings.Join(names, ",")
}

func TestOrgSpecPermissions(t *testing.T) {
	t.Parallel()
	var described atomic.Int32
	opts := fullOptions()
	d := &fakeDescribe{
		list: func(ctx context.Context, f sfgate.SObjectFilter) ([]sfgate.SObjectSummary, error) {
			return []sfgate.SObjectSummary{{Name: "Account", Queryable: true}, {Name: "Contact", Queryable: true}}, nil
		},
		describe: func(ctx context.Context, name string) (*sfgate.SObjectDescribe, error) {
			described.Add(1)
			// Every operation allowed by the object: the caller's
			// permissions are what leaves some out.
			o, err := (&fakeDescribe{}).DescribeSObject(ctx, name)
			o.Createable, o.Updateable, o.Deletable, o.Retrieveable = true, true, true, true
			return o, err
		},
	}
	opts.Describe, opts.CachedDescribe = d, d
	opts.Auth = fakeAuth{callers: map[string]*sfgate.Caller{
		"contacts": {Name: "contacts", Access: grants{"contact:read": true, "contact:query": true}},
	}}
	s := newTestServer(t, opts)
	if status, _, _ := s.do(http.MethodGet, "/openapi.yaml?sobjects=Contact", ""); status != http.StatusUnauthorized {
		t.Errorf("no credentials: %d", status)
	}
	if status, _, _ := s.do(http.MethodGet, "/openapi.yaml", ""); status != http.StatusOK {
		t.Errorf("the generic document needs no credentials: %d", status)
	}
	auth := []string{"Authorization", "Bearer contacts"}
	status, _, body := s.do(http.MethodGet, "/openapi.yaml?sobjects=Contact,Account", "", auth...)
	if status != http.StatusForbidden || !strings.Contains(body, "Account:read") {
		t.Errorf("Account for a Contact-only caller: %d %.300s", status, body)
	}
	if n := described.Load(); n != 0 {
		t.Errorf("a refused request described %d objects", n)
	}
	status, _, body = s.do(http.MethodGet, "/openapi.yaml?sobjects=*", "", auth...)
	if status != http.StatusOK {
		t.Fatalf("*: %d %.300s", status, body)
	}
	if got := typedObjects(t, body); strings.Join(got, ",") != "Contact" {
		t.Errorf("* typed %v for a Contact-only caller", got)
	}
	for op, want := range map[string]bool{"queryContact": true, "getContact": true, "createContact": false, "updateContact": false, "deleteContact": false} {
		if got := strings.Contains(body, "operationId: "+op+"\n"); got != want {
			t.Errorf("operation %s offered: %v, want %v", op, got, want)
		}
	}
}

func TestOrgSpecWithoutService(t *testing.T) {
	t.Parallel()
	opts := fullOptions()
	opts.CachedDescribe = nil
	s := newTestServer(t, opts)
	if status, _, _ := s.do(http.MethodGet, "/openapi.yaml?sobjects=Account", ""); status != http.StatusNotImplemented {
		t.Errorf("%d, want 501", status)
	}
}
