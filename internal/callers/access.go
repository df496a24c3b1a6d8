package callers

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sfgate/sfgate"
)

// Actions lists every action a permission may name, besides "*".
var Actions = []sfgate.Action{
	sfgate.ActionRead, sfgate.ActionQuery, sfgate.ActionSearch, sfgate.ActionCreate,
	sfgate.ActionUpdate, sfgate.ActionUpsert, sfgate.ActionDelete, sfgate.ActionMerge,
	sfgate.ActionConvert, sfgate.ActionBulk, sfgate.ActionAdmin,
}

// wildcard matches every object, or every action, in a permission.
const wildcard = "*"

type grant struct {
	object string        // lower case, or "*"
	action sfgate.Action // or "*"
}

// Access is a set of permissions ("Object:action", "*" for any object or
// any action) and denied fields ("Object.Field"). It implements
// sfgate.Access. Object and field names compare case-insensitively, as
// Salesforce's API names do.
type Access struct {
	grants []grant
	// deny maps a lower-case object ("*" for all) to its denied lower-case
	// fields.
	deny map[string]map[string]bool
}

var _ sfgate.Access = (*Access)(nil)

// NewAccess parses permissions and denied fields; an error names the first
// entry that breaks a rule, and the rule.
func NewAccess(permissions, denyFields []string) (*Access, error) {
	a := &Access{}
	for _, p := range permissions {
		g, err := parseGrant(p)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(a.grants, g) {
			a.grants = append(a.grants, g)
		}
	}
	for _, d := range denyFields {
		obj, field, ok := strings.Cut(strings.TrimSpace(d), ".")
		switch {
		case !ok:
			return nil, fmt.Errorf("denied field %q is not Object.Field", d)
		case obj != wildcard && !isAPIName(obj):
			return nil, fmt.Errorf("denied field %q: the object is not an API name or *", d)
		case !isAPIName(field):
			return nil, fmt.Errorf("denied field %q: the field is not an API name (no wildcards: take away the object's permissions instead)", d)
		}
		if a.deny == nil {
			a.deny = map[string]map[string]bool{}
		}
		o := strings.ToLower(obj)
		if a.deny[o] == nil {
			a.deny[o] = map[string]bool{}
		}
		a.deny[o][strings.ToLower(field)] = true
	}
	return a, nil
}

// parseGrant parses one "Object:action".
func parseGrant(p string) (grant, error) {
	obj, act, ok := strings.Cut(strings.TrimSpace(p), ":")
	if !ok || obj == "" || act == "" {
		return grant{}, fmt.Errorf("permission %q is not Object:action", p)
	}
	if obj != wildcard && !isAPIName(obj) {
		return grant{}, fmt.Errorf("permission %q: the object is not an API name or * (no partial wildcards)", p)
	}
	action := sfgate.Action(strings.ToLower(act))
	if action != wildcard && !slices.Contains(Actions, action) {
		return grant{}, fmt.Errorf("permission %q: unknown action %q (one of %s, or *)", p, act, actionList())
	}
	if action == sfgate.ActionAdmin && obj != wildcard {
		return grant{}, fmt.Errorf("permission %q: admin concerns no object; grant it as *:admin", p)
	}
	return grant{object: strings.ToLower(obj), action: action}, nil
}

func actionList() string {
	names := make([]string, len(Actions))
	for i, a := range Actions {
		names[i] = string(a)
	}
	return strings.Join(names, ", ")
}

// isAPIName reports whether s is shaped like a Salesforce API name: a
// letter, then letters, digits and underscores (namespace__Object__c).
func isAPIName(s string) bool {
	if s == "" || len(s) > 255 {
		return false
	}
	for i, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '_'):
		default:
			return false
		}
	}
	return true
}

// Allows implements sfgate.Access. ActionAdmin is granted only by a
// permission on every object ("*:admin" or "*:*"): "Account:*" gives every
// action on Account, never the gateway's administration.
func (a *Access) Allows(object string, action sfgate.Action) bool {
	if a == nil {
		return true
	}
	obj := strings.ToLower(object)
	for _, g := range a.grants {
		if g.action != wildcard && g.action != action {
			continue
		}
		if g.object == wildcard || (action != sfgate.ActionAdmin && g.object == obj) {
			return true
		}
	}
	return false
}

// FieldDenied implements sfgate.Access.
func (a *Access) FieldDenied(object, field string) bool {
	if a == nil || a.deny == nil {
		return false
	}
	f := strings.ToLower(field)
	return a.deny[strings.ToLower(object)][f] || a.deny[wildcard][f]
}

// Permissions returns the grants as "Object:action" strings, objects lower
// case, for logs and tests.
func (a *Access) Permissions() []string {
	out := make([]string, len(a.grants))
	for i, g := range a.grants {
		out[i] = g.object + ":" + string(g.action)
	}
	return out
}
