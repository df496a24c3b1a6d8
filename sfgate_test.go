package sfgate

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
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
