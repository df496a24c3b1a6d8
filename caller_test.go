package sfgate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
)

// onlyContactRead grants Contact:read and hides Contact.Email.
type onlyContactRead struct{}

func (onlyContactRead) Allows(object string, a sfgate.Action) bool {
	return strings.EqualFold(object, "Contact") && a == sfgate.ActionRead
}
func (onlyContactRead) FieldDenied(object, field string) bool {
	return strings.EqualFold(object, "Contact") && strings.EqualFold(field, "Email")
}

func TestCallerAccess(t *testing.T) {
	var none *sfgate.Caller
	if !none.Allows("Account", sfgate.ActionDelete) || none.FieldDenied("Account", "Name") {
		t.Error("no caller (auth off) must allow everything")
	}
	full := &sfgate.Caller{Name: "etl"}
	if !full.Allows("Account", sfgate.ActionAdmin) {
		t.Error("nil Access must allow everything")
	}
	c := &sfgate.Caller{Name: "crm-ui", Access: onlyContactRead{}}
	if !c.Allows("contact", sfgate.ActionRead) || c.Allows("Account", sfgate.ActionRead) || c.Allows("Contact", sfgate.ActionDelete) {
		t.Error("Access not consulted")
	}
	if !c.FieldDenied("Contact", "email") || c.FieldDenied("Contact", "Name") {
		t.Error("FieldDenied not consulted")
	}
	ctx := sfgate.WithCaller(context.Background(), c)
	if sfgate.CallerFrom(ctx) != c || sfgate.CallerFrom(context.Background()) != nil {
		t.Error("caller does not travel in the context")
	}
	if sfgate.KindForbidden.String() != "forbidden" || sfgate.KindConflict.String() != "conflict" {
		t.Error("new kinds unnamed")
	}
}

func TestCallerIdentity(t *testing.T) {
	var none *sfgate.Caller
	if none.Identity() != "" || (&sfgate.Caller{Name: "10.0.0.7", Anonymous: true}).Identity() != "" {
		t.Error("no caller, or an anonymous one, has an identity")
	}
	if (&sfgate.Caller{Name: "billing"}).Identity() != "billing" {
		t.Error("an authenticated caller's identity is its name")
	}
}
