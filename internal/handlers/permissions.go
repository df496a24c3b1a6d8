package handlers

import (
	"net/http"

	"github.com/sfgate/sfgate"
)

// codeForbidden is a known caller without the permission a request needs.
const codeForbidden = "FORBIDDEN"

// forbidden names the permission that is missing, so the caller's owner
// knows what to ask for.
func forbidden(object string, action sfgate.Action) error {
	perm := object + ":" + string(action)
	if action == sfgate.ActionAdmin {
		perm = "*:admin"
	}
	return sfgate.NewError(sfgate.KindForbidden, codeForbidden, "this caller needs the permission "+perm)
}

// need refuses the request unless its caller may do action on object.
func need(r *http.Request, object string, action sfgate.Action) error {
	if !sfgate.CallerFrom(r.Context()).Allows(object, action) {
		return forbidden(object, action)
	}
	return nil
}

// permission is what a route needs of its caller before anything is read
// or called: action on the object its path names ({sobject}), or on a
// fixed object. Routes whose objects are in the body (batch records,
// SOQL, SOSL, cursors) are checked where the body is understood.
type permission struct {
	action sfgate.Action
	object string // "" for the path's {sobject}
}

// require is the route's permission check, installed after auth and
// before validation, so a caller without the permission learns nothing
// from the validator about the object and costs no Salesforce call.
func (h *Handlers) require(p permission) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			obj := p.object
			if obj == "" && p.action != sfgate.ActionAdmin {
				obj = pathParam(r, "sobject")
			}
			if err := need(r, obj, p.action); err != nil {
				h.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// batchActions maps a batch operation to the action it needs besides
// ActionBulk. Undelete restores records from the Recycle Bin that delete()
// or merge() put there (SOAP API Developer Guide, undelete():
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_undelete.htm);
// there is no action of its own, and the gateway asks for delete: whoever
// may remove an object's records may take the removal back.
var batchActions = map[string]sfgate.Action{
	"create": sfgate.ActionCreate, "update": sfgate.ActionUpdate, "upsert": sfgate.ActionUpsert,
	"delete": sfgate.ActionDelete, "undelete": sfgate.ActionDelete,
}

// needBatch checks a batch: bulk, and the operation's own action, on the
// path's object.
func needBatch(r *http.Request, object, operation string) error {
	if err := need(r, object, sfgate.ActionBulk); err != nil {
		return err
	}
	if a, ok := batchActions[operation]; ok {
		return need(r, object, a)
	}
	// The validator has refused any other operation.
	return nil
}
