package sfgate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestSecretNeverPrints(t *testing.T) {
	t.Parallel()
	s := Secret("hunter2")
	b, err := json.Marshal(struct{ Key Secret }{s})
	if err != nil {
		t.Fatal(err)
	}
	for _, got := range []string{fmt.Sprint(s), fmt.Sprintf("%v %+v %s", s, s, s), fmt.Sprintf("%#v", s), string(b)} {
		if strings.Contains(got, "hunter2") || !strings.Contains(got, "[redacted]") {
			t.Errorf("secret printed as %q", got)
		}
	}
	if s.Reveal() != "hunter2" {
		t.Errorf("Reveal() = %q", s.Reveal())
	}
}

func TestErrorKindsAreNamed(t *testing.T) {
	t.Parallel()
	seen := map[string]ErrorKind{}
	for k := KindInternal; k <= KindConflict; k++ {
		name := k.String()
		if name == "" || strings.HasPrefix(name, "kind(") {
			t.Errorf("kind %d has no name", k)
		}
		if other, dup := seen[name]; dup {
			t.Errorf("kinds %d and %d are both %q", other, k, name)
		}
		seen[name] = k
	}
	if got := (KindConflict + 1).String(); got != "kind(14)" {
		t.Errorf("an unknown kind prints %q", got)
	}
}

func TestErrorCarriesItsCause(t *testing.T) {
	t.Parallel()
	cause := errors.New("dial tcp: refused")
	e := &Error{Kind: KindUnavailable, Code: CodeUnavailable, Detail: "Salesforce could not be reached", Err: cause}
	if got, want := e.Error(), "unavailable SALESFORCE_UNAVAILABLE: Salesforce could not be reached: dial tcp: refused"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	var got *Error
	if !errors.As(fmt.Errorf("wrapped: %w", e), &got) || !errors.Is(got, cause) {
		t.Error("the error does not unwrap to itself and its cause")
	}
	if e := Invalid("bad", FieldError{Field: "x", Code: "c", Message: "m"}); e.Kind != KindInvalid || e.Code != CodeValidationFailed || len(e.Errors) != 1 {
		t.Errorf("Invalid = %+v", e)
	}
	if e := Unprocessable("bad"); e.Kind != KindUnprocessable || e.Code != CodeValidationFailed {
		t.Errorf("Unprocessable = %+v", e)
	}
	if e := NotFound("gone"); e.Kind != KindNotFound || e.Code != CodeNotFound || e.Detail != "gone" {
		t.Errorf("NotFound = %+v", e)
	}
	if e := NewError(KindUnavailable, "X", "later"); e.Kind != KindUnavailable || e.Detail != "later" || e.Code != "X" {
		t.Errorf("NewError = %+v", e)
	}
}

func TestOrderedRecordJSON(t *testing.T) {
	t.Parallel()
	r := OrderedRecord{
		{"Name", "A <&> B\u2028"}, {"Id", "001000000000001AAA"}, {"AnnualRevenue", json.Number("12345678901234567.89")},
		{"Owner", OrderedRecord{{"Name", "Zoë"}, {"Alias", nil}}},
		{"Contacts", []OrderedRecord{{{"LastName", "x"}, {"Email", "a@b"}}}},
		{"Cases", []OrderedRecord{}}, {"Tags__c", []any{"A", "B"}}, {"Active", true},
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"Name":"A \u003c\u0026\u003e B\u2028","Id":"001000000000001AAA","AnnualRevenue":12345678901234567.89,` +
		`"Owner":{"Name":"Zoë","Alias":null},"Contacts":[{"LastName":"x","Email":"a@b"}],"Cases":[],"Tags__c":["A","B"],"Active":true}`
	if string(b) != want {
		t.Errorf("Marshal\n got %s\nwant %s", b, want)
	}
	// The values are those of the same record as a map: only the order
	// of keys differs.
	m, err := json.Marshal(r.Map())
	if err != nil {
		t.Fatal(err)
	}
	var a, c any
	if json.Unmarshal(b, &a) != nil || json.Unmarshal(m, &c) != nil || fmt.Sprint(a) != fmt.Sprint(c) {
		t.Errorf("ordered %s\nmap     %s", b, m)
	}
	var sb strings.Builder
	enc := json.NewEncoder(&sb)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r); err != nil || !strings.HasPrefix(sb.String(), `{"Name":"A <&> B\u2028"`) {
		t.Errorf("Encoder without HTML escaping: %s %v", sb.String(), err)
	}
	if v, ok := r.Get("AnnualRevenue"); !ok || v != json.Number("12345678901234567.89") {
		t.Errorf("Get = %v %v", v, ok)
	}
	if _, ok := r.Get("annualrevenue"); ok {
		t.Error("Get is case-sensitive, like the API names it holds")
	}
	if got := fmt.Sprint(r.Keys()); got != "[Name Id AnnualRevenue Owner Contacts Cases Tags__c Active]" {
		t.Errorf("Keys = %s", got)
	}
	if b, _ := json.Marshal(OrderedRecord(nil)); string(b) != "null" {
		t.Errorf("nil record = %s", b)
	}
}

func TestCallCount(t *testing.T) {
	t.Parallel()
	CountCall(context.Background()) // no count in ctx: nothing to do, no panic
	ctx, c := WithCallCount(context.Background())
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { CountCall(ctx) })
	}
	wg.Wait()
	if got := c.Load(); got != 10 {
		t.Fatalf("count = %d, want 10", got)
	}
	inner, c2 := WithCallCount(ctx)
	CountCall(inner)
	if c.Load() != 10 || c2.Load() != 1 {
		t.Fatalf("an inner count must not add to the outer one: outer %d, inner %d", c.Load(), c2.Load())
	}
}
