package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfgate/sfgate/api"
)

// exampleSObject names the object an example of an operation on
// /v1/sobjects/{sobject}/… is written for, when it is not the parameter's
// own example (Account); keyed by "operationId/example name".
var exampleSObject = map[string]string{
	"queryRecords/polymorphic": "Case",
	"queryRecords/typeOf":      "Case",
	"queryRecords/aggregate":   "Opportunity",
}

// exampleRecord is the least a record of each object needs to be created
// when an example names one by id.
var exampleRecord = map[string]func(n int) map[string]any{
	"Account": func(n int) map[string]any { return map[string]any{"Name": fmt.Sprintf("Example account %d", n)} },
	"Contact": func(n int) map[string]any { return map[string]any{"LastName": fmt.Sprintf("Example %d", n)} },
	"Lead": func(n int) map[string]any {
		return map[string]any{"LastName": fmt.Sprintf("Example %d", n), "Company": fmt.Sprintf("Example company %d", n)}
	},
}

var recordIDPattern = regexp.MustCompile(`^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$`)

// TestE2ESpecExamplesAccepted sends every request body example of
// api/openapi.yaml to the gateway in front of the demo org, each answer
// validated against the document, and wants a 2xx for each: an example a
// reader copies must work. Record ids in an example (path or body) are
// replaced by records created for it first, of the object their key prefix
// names; the other path parameters take their declared example.
func TestE2ESpecExamplesAccepted(t *testing.T) {
	t.Parallel()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	s := startStack(t, stackOptions{})
	byPrefix := map[string]string{}
	var list struct {
		SObjects []struct {
			Name      string `json:"name"`
			KeyPrefix string `json:"keyPrefix"`
		} `json:"sobjects"`
	}
	if err := json.Unmarshal(s.do(t, http.MethodGet, "/v1/sobjects", nil).body, &list); err != nil {
		t.Fatal(err)
	}
	for _, o := range list.SObjects {
		byPrefix[o.KeyPrefix] = o.Name
	}

	sent := 0
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			mt := op.RequestBody.Value.Content.Get("application/json")
			if mt == nil {
				t.Errorf("%s %s takes no application/json body", method, path)
				continue
			}
			examples := map[string]any{}
			if mt.Example != nil {
				examples[""] = mt.Example
			}
			for name, ex := range mt.Examples {
				examples[name] = ex.Value.Value
			}
			if len(examples) == 0 {
				t.Errorf("%s %s has no request body example", method, path)
			}
			names := make([]string, 0, len(examples))
			for name := range examples {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				key := op.OperationID + "/" + name
				t.Run(strings.TrimSuffix(key, "/"), func(t *testing.T) {
					ids := idResolver{t: t, s: s, byPrefix: byPrefix, made: map[string]string{}}
					target := ids.path(path, append(item.Parameters, op.Parameters...), exampleSObject[key])
					body := ids.body(examples[name])
					a := s.do(t, method, target, body)
					if a.status < 200 || a.status > 299 {
						t.Errorf("%s %s with the example %q: %s", method, target, name, a)
					}
				})
				sent++
			}
		}
	}
	if sent < 15 {
		t.Errorf("sent %d examples; the document has more than that", sent)
	}
}

// idResolver swaps the record ids of one example for records it creates.
type idResolver struct {
	t        *testing.T
	s        *stack
	byPrefix map[string]string // key prefix → object name
	made     map[string]string // example id → created id
}

// id returns the created record standing for the example's id.
func (r *idResolver) id(example string) string {
	r.t.Helper()
	if id, ok := r.made[example]; ok {
		return id
	}
	obj := r.byPrefix[example[:3]]
	rec := exampleRecord[obj]
	if rec == nil {
		r.t.Fatalf("the example names a record %s of %q, which this test cannot create: add it to exampleRecord", example, obj)
	}
	a := r.s.do(r.t, http.MethodPost, "/v1/sobjects/"+obj+"/records", rec(len(r.made)+1))
	if a.status != http.StatusCreated {
		r.t.Fatalf("creating a %s for the example: %s", obj, a)
	}
	id, _ := a.json(r.t)["id"].(string)
	r.made[example] = id
	return id
}

// path fills path's parameters from their examples, record ids resolved;
// sobject, when set, overrides the object's.
func (r *idResolver) path(path string, params openapi3.Parameters, sobject string) string {
	r.t.Helper()
	for _, p := range params {
		pv := p.Value
		if pv.In != openapi3.ParameterInPath {
			continue
		}
		v := fmt.Sprint(pv.Example)
		switch {
		case pv.Name == "sobject" && sobject != "":
			v = sobject
		case pv.Example == nil:
			r.t.Fatalf("path parameter %s of %s has no example", pv.Name, path)
		case pv.Name == "id":
			v = r.id(v)
		}
		path = strings.ReplaceAll(path, "{"+pv.Name+"}", v)
	}
	return path
}

// body returns a copy of v with every record id resolved.
func (r *idResolver) body(v any) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = r.body(e)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = r.body(e)
		}
		return out
	case string:
		if recordIDPattern.MatchString(x) && r.byPrefix[x[:3]] != "" {
			return r.id(x)
		}
	}
	return v
}
