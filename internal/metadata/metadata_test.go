package metadata

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/testutil/fakeclock"
)

type fakeClock = fakeclock.Clock

// fakeOrg answers describes from a mutable schema and counts calls.
type fakeOrg struct {
	mu        sync.Mutex
	objects   map[string][]string // object → field names
	describes map[string]int
	globals   atomic.Int64
	delay     time.Duration
	// hollow makes the describe of an object lack its "name" or its
	// "fields", as a broken answer would.
	hollow map[string]string
}

func newOrg() *fakeOrg {
	return &fakeOrg{
		objects:   map[string][]string{"Account": {"Id", "Name", "Industry"}, "Contact": {"Id", "LastName", "AccountId"}},
		describes: map[string]int{},
	}
}

func (f *fakeOrg) addField(object, field string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.objects[object] = append(f.objects[object], field)
}

func (f *fakeOrg) count(object string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.describes[object]
}

func (f *fakeOrg) DescribeGlobal(ctx context.Context) (*partner.DescribeGlobalResult, error) {
	f.globals.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	r := &partner.DescribeGlobalResult{Encoding: "UTF-8", MaxBatchSize: 200}
	for name := range f.objects {
		r.SObjects = append(r.SObjects, partner.DescribeGlobalSObjectResult{Name: name, ObjectFlags: partner.ObjectFlags{Queryable: true}})
	}
	return r, nil
}

func (f *fakeOrg) DescribeSObject(ctx context.Context, name string) (*partner.DescribeSObjectResult, error) {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	for obj, fields := range f.objects {
		if strings.EqualFold(obj, name) {
			f.describes[obj]++
			r := &partner.DescribeSObjectResult{Name: obj, ObjectFlags: partner.ObjectFlags{Queryable: true}}
			for _, fl := range fields {
				r.Fields = append(r.Fields, partner.DescribeField{Name: fl, Type: "string"})
			}
			if obj == "Account" {
				r.RecordTypeInfos = []partner.RecordTypeInfo{
					{Name: "Partner", DeveloperName: "Partner_Account", RecordTypeID: "012000000000001AAA", Active: true, Available: true},
					{Name: "Master", DeveloperName: "Master", RecordTypeID: "012000000000000AAA", Active: true, Available: true, DefaultRecordTypeMapping: true, Master: true},
				}
			}
			switch f.hollow[obj] {
			case "name":
				r.Name = ""
			case "fields":
				r.Fields = nil
			}
			return r, nil
		}
	}
	return nil, &partner.Error{Op: "describeSObject", Kind: partner.KindFault, Code: "INVALID_TYPE", Message: "sObject type '" + name + "' is not supported."}
}

func newService(t *testing.T, org *fakeOrg) (*Service, *fakeClock) {
	t.Helper()
	clk := fakeclock.New(time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC))
	tc := cache.NewTiered(cache.TieredOptions{Local: cache.NewMemory(cache.MemoryOptions{Now: clk.Now})})
	s, err := New(Config{Connection: "m", Client: org, Cache: tc, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	return s, clk
}

func TestDescribeIsCachedAndCoalesced(t *testing.T) {
	t.Parallel()
	org := newOrg()
	org.delay = 20 * time.Millisecond
	s, clk := newService(t, org)
	var wg sync.WaitGroup
	for i := range 200 {
		wg.Go(func() {
			name := []string{"Account", "account", "ACCOUNT", "Contact"}[i%4]
			o, err := s.Describe(t.Context(), name)
			if err != nil {
				t.Error(err)
				return
			}
			if !strings.EqualFold(o.Name, name) {
				t.Errorf("Describe(%s) = %s", name, o.Name)
			}
		})
	}
	wg.Wait()
	if a, c := org.count("Account"), org.count("Contact"); a != 1 || c != 1 {
		t.Fatalf("describes: Account %d, Contact %d; want 1 each", a, c)
	}
	if g := org.globals.Load(); g != 1 {
		t.Fatalf("describeGlobal calls = %d, want 1", g)
	}
	// Hot path: the same decoded object, no decode per call.
	o1, _ := s.Describe(t.Context(), "Account")
	o2, _ := s.Describe(t.Context(), "account")
	if o1 != o2 {
		t.Error("hot path decoded the describe again")
	}
	// DESCRIBE_TTL: one more describe after it.
	clk.Advance(DefaultTTL - time.Second)
	_, _ = s.Describe(t.Context(), "Account")
	if n := org.count("Account"); n != 1 {
		t.Fatalf("before TTL: %d describes", n)
	}
	clk.Advance(2 * time.Second)
	_, _ = s.Describe(t.Context(), "Account")
	if n := org.count("Account"); n != 2 {
		t.Fatalf("after TTL: %d describes, want 2", n)
	}
}

func TestUnknownFieldRefreshesOnce(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// junkFirst names a junk field (one refresh) before the field is
		// added, so the next refresh is gated.
		junkFirst     bool
		wait          time.Duration
		addField      bool
		wantDescribes int
		wantErr       bool
	}{
		{"new field right after the first describe", false, 0, true, 2, false},
		{"junk field: one refresh, then unknown", false, 0, false, 2, true},
		{"new field just after a junk refresh is gated", true, DefaultMinRefreshAge - time.Millisecond, true, 2, true},
		{"new field after the gate", true, DefaultMinRefreshAge, true, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			org := newOrg()
			s, clk := newService(t, org)
			if _, err := s.Describe(t.Context(), "Account"); err != nil {
				t.Fatal(err)
			}
			if tt.junkFirst {
				if _, err := s.Field(t.Context(), "Account", "Junk__c"); !errors.Is(err, ErrUnknownField) {
					t.Fatalf("junk: %v", err)
				}
			}
			clk.Advance(tt.wait)
			if tt.addField {
				org.addField("Account", "Tier__c")
			}
			var wg sync.WaitGroup
			errs := make([]error, 50)
			for i := range errs {
				wg.Go(func() { _, errs[i] = s.Field(t.Context(), "Account", "tier__c") })
			}
			wg.Wait()
			for _, err := range errs {
				if tt.wantErr {
					var ue *UnknownFieldError
					if !errors.As(err, &ue) || !errors.Is(err, ErrUnknownField) || ue.Fields[0] != "tier__c" {
						t.Fatalf("err = %v, want UnknownFieldError", err)
					}
				} else if err != nil {
					t.Fatal(err)
				}
			}
			if n := org.count("Account"); n != tt.wantDescribes {
				t.Fatalf("describes = %d, want %d", n, tt.wantDescribes)
			}
			// Junk names right after a refresh cost nothing more.
			for i := range 20 {
				_, _ = s.Field(t.Context(), "Account", fmt.Sprintf("Junk%d__c", i))
			}
			if n := org.count("Account"); n != tt.wantDescribes {
				t.Fatalf("junk storm: describes = %d, want %d", n, tt.wantDescribes)
			}
		})
	}
}

func TestEnsureFieldsListsAllMissing(t *testing.T) {
	t.Parallel()
	s, clk := newService(t, newOrg())
	clk.Advance(time.Hour)
	o, err := s.EnsureFields(t.Context(), "Contact", []string{"LastName", "accountid"})
	if err != nil || o.Name != "Contact" {
		t.Fatalf("EnsureFields: %v", err)
	}
	_, err = s.EnsureFields(t.Context(), "Contact", []string{"Nope__c", "LastName", "Nada__c", "Nope__c"})
	var ue *UnknownFieldError
	if !errors.As(err, &ue) || strings.Join(ue.Fields, ",") != "Nope__c,Nada__c" || ue.Object != "Contact" {
		t.Fatalf("err = %v", err)
	}
}

func TestUnknownObjectCostsNoDescribe(t *testing.T) {
	t.Parallel()
	org := newOrg()
	s, clk := newService(t, org)
	for i := range 30 {
		_, err := s.Describe(t.Context(), fmt.Sprintf("Junk%d__c", i))
		if !errors.Is(err, ErrUnknownObject) {
			t.Fatalf("err = %v", err)
		}
	}
	// One load and one early refresh; the refresh gates the rest.
	if g := org.globals.Load(); g != 2 {
		t.Fatalf("describeGlobal calls = %d, want 2", g)
	}
	if n := len(org.describes); n != 0 {
		t.Fatalf("junk object names cost %d describeSObject calls", n)
	}
	// A custom object created later is found after the gate.
	org.mu.Lock()
	org.objects["Invoice__c"] = []string{"Id", "Name"}
	org.mu.Unlock()
	clk.Advance(DefaultMinRefreshAge)
	if _, err := s.Describe(t.Context(), "Invoice__c"); err != nil {
		t.Fatal(err)
	}
	if g := org.globals.Load(); g != 3 {
		t.Fatalf("describeGlobal calls = %d, want 3", g)
	}
}

func TestInvalidateAndRefreshOnInvalidField(t *testing.T) {
	t.Parallel()
	org := newOrg()
	s, clk := newService(t, org)
	_, _ = s.Describe(t.Context(), "Account")
	_, _ = s.Describe(t.Context(), "Contact")
	if err := s.Invalidate(t.Context(), "ACCOUNT"); err != nil {
		t.Fatal(err)
	}
	_, _ = s.Describe(t.Context(), "Account")
	_, _ = s.Describe(t.Context(), "Contact")
	if a, c := org.count("Account"), org.count("Contact"); a != 2 || c != 1 {
		t.Fatalf("after Invalidate(Account): %d, %d", a, c)
	}
	if err := s.InvalidateAll(t.Context()); err != nil {
		t.Fatal(err)
	}
	_, _ = s.Describe(t.Context(), "Contact")
	if c, g := org.count("Contact"), org.globals.Load(); c != 2 || g != 2 {
		t.Fatalf("after InvalidateAll: Contact %d, global %d", c, g)
	}
	// INVALID_FIELD from Salesforce: refresh once; a second report right
	// after is gated, a later one refreshes again.
	for i, want := range []int{3, 3} {
		if _, err := s.RefreshOnInvalidField(t.Context(), "Contact"); err != nil {
			t.Fatal(err)
		}
		if c := org.count("Contact"); c != want {
			t.Fatalf("RefreshOnInvalidField #%d: describes = %d, want %d", i+1, c, want)
		}
	}
	clk.Advance(DefaultMinRefreshAge)
	if _, err := s.RefreshOnInvalidField(t.Context(), "Contact"); err != nil {
		t.Fatal(err)
	}
	if c := org.count("Contact"); c != 4 {
		t.Fatalf("RefreshOnInvalidField after the gate: describes = %d, want 4", c)
	}
}

func TestDescribeGlobal(t *testing.T) {
	t.Parallel()
	org := newOrg()
	s, _ := newService(t, org)
	g, err := s.DescribeGlobal(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.SObject("contact"); !ok || len(g.SObjects) != 2 {
		t.Fatalf("global = %+v", g.DescribeGlobalResult)
	}
	_, _ = s.DescribeGlobal(t.Context())
	if n := org.globals.Load(); n != 1 {
		t.Fatalf("describeGlobal calls = %d", n)
	}
}

func TestRevalidateShowsNewFieldsAndLeavesRefreshUngated(t *testing.T) {
	t.Parallel()
	org := newOrg()
	s, clk := newService(t, org)

	// A cold revalidation is one describe, not two.
	if _, err := s.Revalidate(t.Context(), "Account"); err != nil {
		t.Fatal(err)
	}
	if n := org.count("Account"); n != 1 {
		t.Fatalf("cold revalidate: describes = %d, want 1", n)
	}

	// A field added since is in the very next revalidation; concurrent
	// revalidations share one describe.
	clk.Advance(time.Millisecond)
	org.addField("Account", "Tier__c")
	var wg sync.WaitGroup
	objs := make([]*Object, 20)
	errs := make([]error, len(objs))
	for i := range objs {
		wg.Go(func() { objs[i], errs[i] = s.Revalidate(t.Context(), "Account") })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := objs[i].Field("Tier__c"); !ok {
			t.Fatalf("revalidation %d lacks the new field", i)
		}
	}
	if n := org.count("Account"); n != 2 {
		t.Fatalf("concurrent revalidations: describes = %d, want 2", n)
	}

	// Revalidating does not gate the refresh a write naming a newer field
	// needs.
	clk.Advance(time.Millisecond)
	org.addField("Account", "Region__c")
	if _, err := s.Field(t.Context(), "Account", "Region__c"); err != nil {
		t.Fatalf("field added after a revalidation: %v", err)
	}
	if n := org.count("Account"); n != 3 {
		t.Fatalf("describes = %d, want 3", n)
	}
}

func TestObjectIndex(t *testing.T) {
	o := NewObject(&partner.DescribeSObjectResult{Name: "Contact",
		Fields: []partner.DescribeField{
			{Name: "Id", Type: "id"},
			{Name: "AccountId", Type: "reference", RelationshipName: "Account", ReferenceTo: []string{"Account"}},
			{Name: "Dangling__c", Type: "reference", RelationshipName: "Dangling__r"}, // no target: not a parent
		},
		ChildRelationships: []partner.ChildRelationship{{ChildSObject: "Case", Field: "ContactId", RelationshipName: "Cases"}, {ChildSObject: "X", Field: "Y"}},
	})
	if f, ok := o.Field("accountid"); !ok || f.Name != "AccountId" {
		t.Errorf("Field(accountid) = %v, %v", f, ok)
	}
	if f, ok := o.Parent("ACCOUNT"); !ok || f.Name != "AccountId" {
		t.Errorf("Parent(ACCOUNT) = %v, %v", f, ok)
	}
	if _, ok := o.Parent("Dangling__r"); ok {
		t.Error("a reference without a target is a parent")
	}
	if c, ok := o.Child("cases"); !ok || c.ChildSObject != "Case" {
		t.Errorf("Child(cases) = %v, %v", c, ok)
	}
	for _, name := range []string{"", "Nope", "Accöunt", "AccountId.Name"} {
		if _, ok := o.Field(name); ok {
			t.Errorf("Field(%q) found", name)
		}
	}
	// Not parallel: AllocsPerRun needs the test to itself. The race
	// detector allocates on its own, so the count means nothing under it.
	if n := testing.AllocsPerRun(100, func() { _, _ = o.Field("AccountId") }); n != 0 && !raceEnabled {
		t.Errorf("a field lookup allocates %v times", n)
	}
}

// TestEmptyDescribeRefusedNotCached checks a describe without a name or
// without fields is refused as Salesforce's failure and never cached: every
// call asks again, and once Salesforce answers properly the describe is
// used and cached.
func TestEmptyDescribeRefusedNotCached(t *testing.T) {
	t.Parallel()
	for _, missing := range []string{"name", "fields"} {
		t.Run(missing, func(t *testing.T) {
			t.Parallel()
			org := newOrg()
			org.hollow = map[string]string{"Account": missing}
			s, _ := newService(t, org)
			for i := range 3 {
				_, err := s.Describe(t.Context(), "Account")
				var ed *EmptyDescribeError
				if !errors.As(err, &ed) || !errors.Is(err, ErrEmptyDescribe) || ed.Object != "Account" || ed.Missing != missing {
					t.Fatalf("call %d: %v, want an EmptyDescribeError missing %s", i, err, missing)
				}
			}
			if _, err := s.Revalidate(t.Context(), "Account"); !errors.Is(err, ErrEmptyDescribe) {
				t.Errorf("revalidate: %v", err)
			}
			if n := org.count("Account"); n != 4 {
				t.Errorf("%d describeSObject calls, want 4: an empty answer must not be cached", n)
			}
			org.mu.Lock()
			org.hollow = nil
			org.mu.Unlock()
			for range 2 {
				if o, err := s.Describe(t.Context(), "Account"); err != nil || o.Name != "Account" {
					t.Fatalf("after a proper answer: %v", err)
				}
			}
			if n := org.count("Account"); n != 5 {
				t.Errorf("%d describeSObject calls, want 5: the proper answer is cached", n)
			}
		})
	}
}

// TestRecordTypesCached checks record types survive the cache's encoding:
// every describe the service hands out is decoded from the stored bytes.
func TestRecordTypesCached(t *testing.T) {
	t.Parallel()
	org := newOrg()
	s, _ := newService(t, org)
	for range 2 {
		o, err := s.Describe(t.Context(), "Account")
		if err != nil {
			t.Fatal(err)
		}
		if len(o.RecordTypeInfos) != 2 || o.RecordTypeInfos[0].DeveloperName != "Partner_Account" || o.RecordTypeInfos[0].RecordTypeID != "012000000000001AAA" ||
			!o.RecordTypeInfos[1].Master || !o.RecordTypeInfos[1].DefaultRecordTypeMapping {
			t.Errorf("record types %+v", o.RecordTypeInfos)
		}
	}
	if n := org.count("Account"); n != 1 {
		t.Errorf("%d describes, want 1 (the second from the cache)", n)
	}
}
