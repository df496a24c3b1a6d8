package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// TestDomainErrors checks what the errors of the layers below become at
// the service's boundary; internal/handlers' TestErrorsMapThroughTheTables
// checks how those are answered.
func TestDomainErrors(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := &Service{cfg: Config{Now: func() time.Time { return now }}}
	fault := func(code, msg string, fields ...string) error {
		return &partner.Error{Op: "create", Kind: partner.KindFault, Code: code, Message: msg, Fields: fields}
	}
	tests := []struct {
		name       string
		err        error
		kind       sfgate.ErrorKind
		code       string
		salesforce bool
		retryAfter time.Duration
		detailHas  string
	}{
		{"fault keeps Salesforce's code", fault("DUPLICATE_VALUE", " duplicate value found: Ext__c "), sfgate.KindUpstream, "DUPLICATE_VALUE", true, 0, "duplicate value found"},
		{"daily allowance waits an hour", fault("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."), sfgate.KindUpstream, "REQUEST_LIMIT_EXCEEDED", true, time.Hour, "Limit exceeded"},
		{"concurrent long requests wait seconds", fault("REQUEST_LIMIT_EXCEEDED", "ConcurrentPerOrgLongTxn Limit exceeded"), sfgate.KindUpstream, "REQUEST_LIMIT_EXCEEDED", true, 20 * time.Second, "Limit exceeded"},
		{"concurrent API requests wait seconds", fault("REQUEST_LIMIT_EXCEEDED", "ConcurrentRequests (Concurrent API Requests) Limit exceeded."), sfgate.KindUpstream, "REQUEST_LIMIT_EXCEEDED", true, 20 * time.Second, "Limit exceeded"},
		{"empty describe is Salesforce failing", fmt.Errorf("describe: %w", &metadata.EmptyDescribeError{Object: "Account", Missing: "fields"}), sfgate.KindUpstream, sfgate.CodeEmptyDescribe, false, 0, "Account without fields"},
		{"another org limit waits five minutes", fault("REQUEST_LIMIT_EXCEEDED", "Limit exceeded"), sfgate.KindUpstream, "REQUEST_LIMIT_EXCEEDED", true, 5 * time.Minute, "Limit exceeded"},
		{"credentials hide the message", fault("INVALID_LOGIN", "Invalid username, password, security token; or user locked out."), sfgate.KindUpstream, "INVALID_LOGIN", true, 0, "gateway's own credentials"},
		{"session still rejected does not blame the credentials", fault("INVALID_SESSION_ID", "Invalid Session ID found in SessionHeader: Illegal Session"), sfgate.KindUpstream, "INVALID_SESSION_ID", true, 0, "credentials were accepted at login"},
		{"local refusal is invalid", &partner.Error{Op: "retrieve", Kind: partner.KindInvalidInput, Code: "MALFORMED_ID", Message: "bad id"}, sfgate.KindInvalid, "MALFORMED_ID", true, 0, "bad id"},
		{"unreachable", &partner.Error{Op: "query", Kind: partner.KindNetwork, Cause: errors.New("dial tcp: connection refused")}, sfgate.KindUnavailable, sfgate.CodeUnavailable, false, 0, "could not be reached"},
		{"network timeout", &partner.Error{Op: "query", Kind: partner.KindNetwork, Message: "timeout", Cause: context.DeadlineExceeded}, sfgate.KindTimeout, sfgate.CodeUnavailable, false, 0, "in time"},
		{"create sent, no answer", &partner.Error{Op: "create", Kind: partner.KindNetwork, Message: "call abandoned", Cause: context.DeadlineExceeded, OutcomeUnknown: true}, sfgate.KindUpstream, sfgate.CodeOutcomeUnknown, false, 0, "query for the record"},
		{"maintenance page", &partner.Error{Op: "query", Kind: partner.KindTransport, HTTPStatus: 503}, sfgate.KindUnavailable, sfgate.CodeUnavailable, false, 0, "unavailable"},
		{"too many requests", &partner.Error{Op: "query", Kind: partner.KindTransport, HTTPStatus: 429}, sfgate.KindUnavailable, sfgate.CodeUnavailable, false, 0, "unavailable"},
		{"proxy error", &partner.Error{Op: "query", Kind: partner.KindTransport, HTTPStatus: 500}, sfgate.KindUpstream, sfgate.CodeUpstream, false, 0, "cannot use"},
		{"undecodable", &partner.Error{Op: "query", Kind: partner.KindDecode}, sfgate.KindUpstream, sfgate.CodeUpstream, false, 0, "could not be read"},
		{"login credentials rejected", fmt.Errorf("salesforce query: get session: %w", &partner.LoginError{Code: "invalid_client", Message: "invalid client credentials for user x@y", Kind: partner.LoginCredentials}), sfgate.KindUpstream, "invalid_client", false, 0, "gateway's own credentials"},
		{"login rate exceeded", &partner.LoginError{Code: "LOGIN_RATE_EXCEEDED", Kind: partner.LoginRateLimited}, sfgate.KindUnavailable, "LOGIN_RATE_EXCEEDED", false, 0, "for a while"},
		{"login rate exceeded until a time", &partner.LoginError{Code: "LOGIN_RATE_EXCEEDED", Kind: partner.LoginRateLimited, RetryAt: now.Add(90 * time.Second)}, sfgate.KindUnavailable, "LOGIN_RATE_EXCEEDED", false, 90 * time.Second, ""},
		{"login retry at least a second", &partner.LoginError{Kind: partner.LoginTransient, RetryAt: now.Add(-time.Minute)}, sfgate.KindUnavailable, sfgate.CodeUnavailable, false, time.Second, "could not log in"},
		{"login unreachable", &partner.LoginError{Kind: partner.LoginTransient, Err: errors.New("dial tcp: connection refused")}, sfgate.KindUnavailable, sfgate.CodeUnavailable, false, 0, "could not log in"},
		{"unknown object", fmt.Errorf("describe: %w", &metadata.UnknownObjectError{Object: "Nope__c"}), sfgate.KindNotFound, sfgate.CodeNotFound, false, 0, `no object "Nope__c"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := s.domainError(fmt.Errorf("call: %w", tt.err))
			var e *sfgate.Error
			if !errors.As(err, &e) {
				t.Fatalf("%v is not an *sfgate.Error", err)
			}
			if e.Kind != tt.kind || e.Code != tt.code || e.Salesforce != tt.salesforce || e.RetryAfter != tt.retryAfter {
				t.Errorf("got %s %s salesforce=%v retry=%s, want %s %s salesforce=%v retry=%s", e.Kind, e.Code, e.Salesforce, e.RetryAfter, tt.kind, tt.code, tt.salesforce, tt.retryAfter)
			}
			if !strings.Contains(e.Detail, tt.detailHas) {
				t.Errorf("detail %q lacks %q", e.Detail, tt.detailHas)
			}
			shown := fmt.Sprint(e.Detail, e.Errors)
			for _, leak := range []string{"connection refused", "Invalid username", "x@y"} {
				if strings.Contains(shown, leak) {
					t.Errorf("shown %q leaks %q", shown, leak)
				}
			}
			if !errors.Is(err, tt.err) {
				t.Error("the original error is not kept as the cause")
			}
		})
	}
}

func TestDomainErrorsNameFields(t *testing.T) {
	t.Parallel()
	s := &Service{cfg: Config{Now: time.Now}}
	var e *sfgate.Error
	err := s.domainError(&partner.Error{Kind: partner.KindFault, Code: "STRING_TOO_LONG", Message: "too long", Fields: []string{"Name", "Site"}})
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	want := []sfgate.FieldError{{Field: "Name", Code: "STRING_TOO_LONG", Message: "too long"}, {Field: "Site", Code: "STRING_TOO_LONG", Message: "too long"}}
	if diff := cmp.Diff(want, e.Errors); diff != "" {
		t.Error(diff)
	}
	err = s.domainError(fmt.Errorf("get: %w", &metadata.UnknownFieldError{Object: "Account", Fields: []string{"Nope__c", "Bad"}}))
	if !errors.As(err, &e) || e.Kind != sfgate.KindUnprocessable || len(e.Errors) != 2 || e.Errors[0].Field != "Nope__c" || e.Errors[1].Field != "Bad" {
		t.Errorf("unknown fields: %+v", e)
	}
	// What the service decided itself, and what nobody knows, pass as is.
	own := sfgate.NotFound("no such record")
	if got := s.domainError(own); got != error(own) {
		t.Errorf("own error became %v", got)
	}
	plain := errors.New("internal")
	if got := s.domainError(plain); got != plain {
		t.Errorf("plain error became %v", got)
	}
}

// limitsClient reports a fixed LimitInfoHeader.
type limitsClient struct {
	Client
	li partner.LimitInfo
}

func (c limitsClient) Limits() partner.LimitInfo { return c.li }

func TestLimits(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Client: limitsClient{}, Metadata: fixedMetadata{objs: testObjects()}, Connection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	ls, at, err := s.Limits(t.Context())
	if err != nil || ls == nil || len(ls) != 0 || !at.IsZero() {
		t.Errorf("before any answer: %v %v %v, want an empty list and no time", ls, at, err)
	}
	seen := time.Unix(1700000000, 0)
	s.cfg.Client = limitsClient{li: partner.LimitInfo{Type: "API REQUESTS", Current: 5, Limit: 100, Updated: seen}}
	ls, at, err = s.Limits(t.Context())
	if err != nil || !at.Equal(seen) || len(ls) != 1 || ls[0] != (sfgate.Limit{Type: "API REQUESTS", Current: 5, Limit: 100}) {
		t.Errorf("after an answer: %v %v %v", ls, at, err)
	}
}

func TestDescribeShape(t *testing.T) {
	t.Parallel()
	s, err := New(Config{Client: limitsClient{}, Metadata: fixedMetadata{objs: testObjects()}, Connection: "c"})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.DescribeSObject(t.Context(), "Account")
	if err != nil {
		t.Fatal(err)
	}
	if d.KeyPrefix == nil || *d.KeyPrefix != "001" || !d.Queryable || d.ChildRelationships == nil {
		t.Errorf("summary %+v", d.SObjectSummary)
	}
	byName := map[string]sfgate.FieldDescribe{}
	for _, f := range d.Fields {
		if f.ReferenceTo == nil || f.PicklistValues == nil {
			t.Errorf("%s: nil lists would answer null", f.Name)
		}
		byName[f.Name] = f
	}
	if diff := cmp.Diff([]sfgate.PicklistValue{{Value: "Hot", Active: true}, {Value: "Cold", Active: true}}, byName["Rating"].PicklistValues); diff != "" {
		t.Errorf("picklist (-want +got):\n%s", diff)
	}
	if p := byName["ParentId"]; p.RelationshipName != "Parent" || len(p.ReferenceTo) != 1 || p.ReferenceTo[0] != "Account" {
		t.Errorf("reference %+v", p)
	}
	_, err = s.DescribeSObject(t.Context(), "Nope__c")
	var e *sfgate.Error
	if !errors.As(err, &e) || e.Kind != sfgate.KindNotFound {
		t.Errorf("unknown object: %v, want not found", err)
	}
}
