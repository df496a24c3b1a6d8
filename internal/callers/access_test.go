package callers

import (
	"strings"
	"testing"

	"github.com/sfgate/sfgate"
)

func TestAccessAllows(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		perms  []string
		object string
		action sfgate.Action
		want   bool
	}{
		{"exact", []string{"Contact:read"}, "Contact", sfgate.ActionRead, true},
		{"object case-insensitive", []string{"contact:read"}, "CONTACT", sfgate.ActionRead, true},
		{"action case-insensitive in the permission", []string{"Contact:READ"}, "Contact", sfgate.ActionRead, true},
		{"other action", []string{"Contact:read"}, "Contact", sfgate.ActionDelete, false},
		{"other object", []string{"Contact:read", "Contact:query"}, "Account", sfgate.ActionRead, false},
		{"any action", []string{"Contact:*"}, "Contact", sfgate.ActionMerge, true},
		{"any action is not admin", []string{"Contact:*"}, "", sfgate.ActionAdmin, false},
		{"any object", []string{"*:query"}, "Custom__c", sfgate.ActionQuery, true},
		{"any object, other action", []string{"*:query"}, "Account", sfgate.ActionCreate, false},
		{"everything", []string{"*:*"}, "Lead", sfgate.ActionConvert, true},
		{"everything includes admin", []string{"*:*"}, "", sfgate.ActionAdmin, true},
		{"admin", []string{"*:admin"}, "", sfgate.ActionAdmin, true},
		{"admin is no object action", []string{"*:admin"}, "Account", sfgate.ActionRead, false},
		{"no permissions", nil, "Account", sfgate.ActionRead, false},
		{"custom object", []string{"ns__Thing__c:bulk"}, "NS__THING__C", sfgate.ActionBulk, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a, err := NewAccess(tt.perms, nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := a.Allows(tt.object, tt.action); got != tt.want {
				t.Errorf("Allows(%q, %q) = %v, want %v", tt.object, tt.action, got, tt.want)
			}
			c := &sfgate.Caller{Name: "x", Access: a}
			if got := c.Allows(tt.object, tt.action); got != tt.want {
				t.Errorf("Caller.Allows = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestAccessFieldDenied(t *testing.T) {
	t.Parallel()
	a, err := NewAccess([]string{"*:read"}, []string{"User.Email", "*.SSN__c"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		object, field string
		want          bool
	}{
		{"User", "Email", true}, {"user", "EMAIL", true}, {"User", "Username", false},
		{"Contact", "Email", false}, {"Contact", "ssn__c", true}, {"Account", "SSN__c", true},
	} {
		if got := a.FieldDenied(tt.object, tt.field); got != tt.want {
			t.Errorf("FieldDenied(%q, %q) = %v, want %v", tt.object, tt.field, got, tt.want)
		}
	}
}

func TestNewAccessRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		perms, fields []string
		want          string
	}{
		{"no colon", []string{"Contact"}, nil, "is not Object:action"},
		{"empty action", []string{"Contact:"}, nil, "is not Object:action"},
		{"unknown action", []string{"Contact:write"}, nil, `unknown action "write"`},
		{"partial wildcard", []string{"Con*:read"}, nil, "no partial wildcards"},
		{"admin on an object", []string{"Account:admin"}, nil, "grant it as *:admin"},
		{"two colons", []string{"Contact:read:x"}, nil, "unknown action"},
		{"field without object", nil, []string{"Email"}, "is not Object.Field"},
		{"field wildcard", nil, []string{"User.*"}, "no wildcards"},
		{"object not a name", nil, []string{"Us-er.Email"}, "not an API name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewAccess(tt.perms, tt.fields)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want one saying %q", err, tt.want)
			}
		})
	}
}

// A nil Access and a nil Caller allow everything (auth off, simple keys).
func TestNilAccess(t *testing.T) {
	t.Parallel()
	var a *Access
	if !a.Allows("Account", sfgate.ActionDelete) || a.FieldDenied("User", "Email") {
		t.Error("nil *Access must allow everything")
	}
	var c *sfgate.Caller
	if !c.Allows("Account", sfgate.ActionAdmin) || c.FieldDenied("User", "Email") {
		t.Error("nil *Caller must allow everything")
	}
}
