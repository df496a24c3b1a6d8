package handlers

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sfgate/sfgate"
)

// grants is a test Access: "Object:action" strings, exact.
type grants map[string]bool

func (g grants) Allows(object string, action sfgate.Action) bool {
	return g[strings.ToLower(object)+":"+string(action)]
}
func (g grants) FieldDenied(string, string) bool { return false }

// fakeAuth knows a few credentials; "broken" is a refused token and
// "unreachable" an issuer whose keys cannot be fetched.
type fakeAuth struct{ callers map[string]*sfgate.Caller }

func (f fakeAuth) Authenticate(ctx context.Context, cred string) (*sfgate.Caller, error) {
	switch cred {
	case "broken":
		return nil, sfgate.NewError(sfgate.KindUnauthorized, sfgate.CodeUnauthorized, "the bearer token is not valid: it has expired")
	case "unreachable":
		return nil, sfgate.NewError(sfgate.KindUnavailable, sfgate.CodeUnavailable, "the token issuer's keys cannot be fetched")
	}
	return f.callers[cred], nil
}

// counting wraps the record, describe and cache fakes and counts calls
// that got through, with the caller each one saw.
type counting struct {
	fakeRecords
	fakeDescribe
	calls   atomic.Int32
	callers chan string
}

func (c *counting) saw(ctx context.Context) {
	c.calls.Add(1)
	select {
	case c.callers <- callerFrom(ctx):
	default:
	}
}

func (c *counting) Get(ctx context.Context, obj, id string, f []string) (sfgate.OrderedRecord, error) {
	c.saw(ctx)
	return c.fakeRecords.Get(ctx, obj, id, f)
}
func (c *counting) Delete(ctx context.Context, obj, id string) error { c.saw(ctx); return nil }
func (c *counting) Batch(ctx context.Context, obj string, req sfgate.BatchRequest) (sfgate.BatchResponse, error) {
	c.saw(ctx)
	return c.fakeRecords.Batch(ctx, obj, req)
}
func (c *counting) Merge(ctx context.Context, obj, id string, req sfgate.MergeRequest) (sfgate.MergeResult, error) {
	c.saw(ctx)
	return c.fakeRecords.Merge(ctx, obj, id, req)
}
func (c *counting) ConvertLead(ctx context.Context, req sfgate.LeadConvertRequest) (sfgate.LeadConvertResult, error) {
	c.saw(ctx)
	return c.fakeRecords.ConvertLead(ctx, req)
}
func (c *counting) DescribeSObject(ctx context.Context, name string) (*sfgate.SObjectDescribe, error) {
	c.saw(ctx)
	return c.fakeDescribe.DescribeSObject(ctx, name)
}
func (c *counting) InvalidateDescribe(ctx context.Context, s string) error { c.saw(ctx); return nil }

func callersServer(t *testing.T) (*testServer, *counting) {
	t.Helper()
	opts := fullOptions()
	c := &counting{callers: make(chan string, 64)}
	opts.Records, opts.Describe, opts.Cache = c, c, c
	opts.APIKeys = []APIKey{{Name: "ops", Key: "k-ops-0123456789abcdef"}}
	opts.Auth = fakeAuth{callers: map[string]*sfgate.Caller{
		"contacts": {Name: "contacts", Access: grants{"contact:read": true, "contact:query": true}},
		"bulk":     {Name: "bulk", Access: grants{"contact:bulk": true, "contact:update": true}},
	}}
	return newTestServer(t, opts), c
}

func TestAuthSchemesAndChallenges(t *testing.T) {
	t.Parallel()
	s, _ := callersServer(t)
	tests := []struct {
		name, auth string
		status     int
		challenge  string
	}{
		{"lower-case scheme", "bearer k-ops-0123456789abcdef", 200, ""},
		{"upper-case scheme", "BEARER k-ops-0123456789abcdef", 200, ""},
		{"extra spaces", "Bearer   k-ops-0123456789abcdef  ", 200, ""},
		{"authenticator's caller", "Bearer contacts", 200, ""},
		{"no credentials", "", 401, `Bearer realm="sfgate"`},
		{"another scheme", "Basic b3BzOm9wcw==", 401, `Bearer realm="sfgate"`},
		{"scheme alone", "Bearer", 401, `Bearer realm="sfgate"`},
		{"unknown key", "Bearer k-nobody-0123456789", 401, `Bearer realm="sfgate", error="invalid_token"`},
		{"refused token", "Bearer broken", 401, `Bearer realm="sfgate", error="invalid_token"`},
		{"issuer unreachable", "Bearer unreachable", 503, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.auth != "" {
				hdr = []string{"Authorization", tt.auth}
			}
			status, h, body := s.do("GET", "/v1/limits", "", hdr...)
			if status != tt.status || h.Get("WWW-Authenticate") != tt.challenge {
				t.Errorf("status %d WWW-Authenticate %q, want %d %q: %s", status, h.Get("WWW-Authenticate"), tt.status, tt.challenge, body)
			}
			if tt.name == "refused token" && !strings.Contains(body, "expired") {
				t.Errorf("the refusal does not say why: %s", body)
			}
		})
	}
}

// TestPermissions: a caller allowed Contact:read and Contact:query reaches
// Contact, and is refused, with the permission named and no service
// called, everywhere else a path or body names an object.
func TestPermissions(t *testing.T) {
	t.Parallel()
	s, svc := callersServer(t)
	const id = "003000000000001AAA"
	tests := []struct {
		name, key, method, path, body string
		status                        int
		needs                         string
	}{
		{"describe Contact", "contacts", "GET", "/v1/sobjects/Contact", "", 200, ""},
		{"get Contact", "contacts", "GET", "/v1/sobjects/contact/records/" + id, "", 200, ""},
		{"describe Account", "contacts", "GET", "/v1/sobjects/Account", "", 403, "Account:read"},
		{"schema of Account", "contacts", "GET", "/v1/sobjects/Account/schema", "", 403, "Account:read"},
		{"get Account", "contacts", "GET", "/v1/sobjects/Account/records/001000000000001AAA", "", 403, "Account:read"},
		{"create Account", "contacts", "POST", "/v1/sobjects/Account/records", `{"Name":"x"}`, 403, "Account:create"},
		{"update Contact", "contacts", "PATCH", "/v1/sobjects/Contact/records/" + id, `{"LastName":"x"}`, 403, "Contact:update"},
		{"delete Contact", "contacts", "DELETE", "/v1/sobjects/Contact/records/" + id, "", 403, "Contact:delete"},
		{"upsert Contact", "contacts", "PUT", "/v1/sobjects/Contact/records/by/Ext__c/1", `{"LastName":"x"}`, 403, "Contact:upsert"},
		{"batch Account", "contacts", "POST", "/v1/sobjects/Account/records/batch", `{"operation":"create","records":[{"Name":"x"}]}`, 403, "Account:bulk"},
		{"batch Contact without bulk", "contacts", "POST", "/v1/sobjects/Contact/records/batch", `{"operation":"update","records":[{"Id":"` + id + `"}]}`, 403, "Contact:bulk"},
		{"bulk caller, update batch", "bulk", "POST", "/v1/sobjects/Contact/records/batch", `{"operation":"update","records":[{"Id":"` + id + `","LastName":"x"}]}`, 200, ""},
		{"bulk caller, delete batch", "bulk", "POST", "/v1/sobjects/Contact/records/batch", `{"operation":"delete","records":[{"Id":"` + id + `"}]}`, 403, "Contact:delete"},
		{"bulk caller, undelete batch", "bulk", "POST", "/v1/sobjects/Contact/records/batch", `{"operation":"undelete","records":[{"Id":"` + id + `"}]}`, 403, "Contact:delete"},
		{"merge Account", "contacts", "POST", "/v1/sobjects/Account/records/001000000000001AAA/merge", `{"mergeIds":["001000000000002AAA"]}`, 403, "Account:merge"},
		{"structured query Account", "contacts", "POST", "/v1/sobjects/Account/query", `{"fields":["Id"]}`, 403, "Account:query"},
		{"structured query Contact", "contacts", "POST", "/v1/sobjects/Contact/query", `{"fields":["Id"]}`, 200, ""},
		{"convert a lead", "contacts", "POST", "/v1/leads/convert", `{"leadId":"00Q000000000001AAA","convertedStatus":"Closed - Converted"}`, 403, "Lead:convert"},
		{"admin", "contacts", "POST", "/v1/admin/cache/invalidate", `{}`, 403, "*:admin"},
		{"admin by a full-access key", "k-ops-0123456789abcdef", "POST", "/v1/admin/cache/invalidate", `{}`, 200, ""},
		{"full-access key deletes", "k-ops-0123456789abcdef", "DELETE", "/v1/sobjects/Account/records/001000000000001AAA", "", 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := svc.calls.Load()
			status, _, body := s.do(tt.method, tt.path, tt.body, "Authorization", "Bearer "+tt.key)
			if status != tt.status {
				t.Fatalf("status %d, want %d: %s", status, tt.status, body)
			}
			if tt.needs == "" {
				return
			}
			if !strings.Contains(body, `"code":"FORBIDDEN"`) || !strings.Contains(body, "needs the permission "+tt.needs) {
				t.Errorf("the 403 does not name %s: %s", tt.needs, body)
			}
			if n := svc.calls.Load() - before; n != 0 {
				t.Errorf("%d service calls for a refused request", n)
			}
		})
	}
}

// TestCallerReachesEngine: the engine sees the caller (sfgate.CallerFrom).
func TestCallerReachesEngine(t *testing.T) {
	t.Parallel()
	s, svc := callersServer(t)
	if status, _, body := s.do("GET", "/v1/sobjects/Contact", "", "Authorization", "Bearer contacts"); status != 200 {
		t.Fatalf("%d %s", status, body)
	}
	if got := <-svc.callers; got != "contacts" {
		t.Errorf("the service saw caller %q", got)
	}
}
