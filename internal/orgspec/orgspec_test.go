package orgspec

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"
	"go.yaml.in/yaml/v4"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/api"
)

// realAccount is a complete describe of Account from a real org (API 59.0,
// Person Accounts and NPSP: 250 fields, 148 custom), captured by
// SFDO-Tooling/CumulusCI (BSD-3-Clause) and copied from
// ../shared/salesforce/describe/more/ (README.md there says where from).
// Its REST JSON keys are the domain's describe keys.
func realAccount(t testing.TB) *sfgate.SObjectDescribe {
	t.Helper()
	b, err := os.ReadFile("testdata/Account.personaccounts-npsp-v59.json")
	if err != nil {
		t.Fatal(err)
	}
	var d sfgate.SObjectDescribe
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	return &d
}

func field(t *testing.T, d *sfgate.SObjectDescribe, name string) *sfgate.FieldDescribe {
	t.Helper()
	i := slices.IndexFunc(d.Fields, func(f sfgate.FieldDescribe) bool { return f.Name == name })
	if i < 0 {
		t.Fatalf("the describe has no %s", name)
	}
	return &d.Fields[i]
}

// decode turns a node into plain Go values for comparison.
func decode(t *testing.T, n *yaml.Node) any {
	t.Helper()
	var v any
	if err := n.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestFieldSchemaRealDescribe maps one field of each Salesforce type the
// real describe holds, plus the types no captured describe has (long, time,
// base64, location, anyType, combobox), to the schema a client is
// generated from.
func TestFieldSchemaRealDescribe(t *testing.T) {
	t.Parallel()
	acc := realAccount(t)
	m := func(kv ...any) map[string]any {
		out := map[string]any{}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	nullable := func(typ, title, sfType string, kv ...any) map[string]any {
		return m(append([]any{"type", typ, "nullable", true, "title", title, "x-salesforce-type", sfType}, kv...)...)
	}
	tests := []struct {
		name  string
		field *sfgate.FieldDescribe
		want  map[string]any
	}{
		{"id", field(t, acc, "Id"), m("type", "string", "title", "Account ID", "pattern", idPattern, "x-salesforce-type", "id")},
		{"boolean, not nillable", field(t, acc, "IsDeleted"), m("type", "boolean", "title", "Deleted", "x-salesforce-type", "boolean")},
		{"reference", field(t, acc, "MasterRecordId"), nullable("string", "Master Record ID", "reference", "pattern", idPattern, "x-referenceTo", []any{"Account"})},
		{"string", field(t, acc, "Name"), nullable("string", "Account Name", "string", "maxLength", 255)},
		{"picklist, unrestricted", field(t, acc, "Salutation"), nullable("string", "Salutation", "picklist", "maxLength", 40)},
		{"picklist, restricted", field(t, acc, "CleanStatus"), nullable("string", "Clean Status", "picklist", "maxLength", 40,
			"enum", []any{"Matched", "Different", "Acknowledged", "NotFound", "Inactive", "Pending", "SelectMatch", "Skipped"})},
		{"textarea", field(t, acc, "BillingStreet"), nullable("string", "Billing Street", "textarea", "maxLength", 255)},
		{"double", field(t, acc, "BillingLatitude"), nullable("number", "Billing Latitude", "double", "format", "double")},
		{"address", field(t, acc, "BillingAddress"), nullable("object", "Billing Address", "address", "readOnly", true, "properties", m(
			"street", m("type", "string", "nullable", true), "city", m("type", "string", "nullable", true),
			"state", m("type", "string", "nullable", true), "stateCode", m("type", "string", "nullable", true),
			"postalCode", m("type", "string", "nullable", true), "country", m("type", "string", "nullable", true),
			"countryCode", m("type", "string", "nullable", true), "geocodeAccuracy", m("type", "string", "nullable", true),
			"latitude", m("type", "number", "nullable", true), "longitude", m("type", "number", "nullable", true)))},
		{"phone", field(t, acc, "Phone"), nullable("string", "Account Phone", "phone", "maxLength", 40)},
		{"url", field(t, acc, "Website"), nullable("string", "Website", "url", "maxLength", 255, "format", "uri")},
		{"currency", field(t, acc, "AnnualRevenue"), nullable("number", "Annual Revenue", "currency", "format", "double")},
		{"int", field(t, acc, "NumberOfEmployees"), nullable("integer", "Employees", "int", "format", "int32")},
		{"datetime, not nillable", field(t, acc, "CreatedDate"), m("type", "string", "title", "Created Date", "format", "date-time", "x-salesforce-type", "datetime")},
		{"date", field(t, acc, "LastActivityDate"), nullable("string", "Last Activity", "date", "format", "date")},
		{"email", field(t, acc, "PersonEmail"), nullable("string", "Email", "email", "maxLength", 80, "format", "email")},
		{"multipicklist", field(t, acc, "npo02__SYSTEM_CUSTOM_NAMING__c"), nullable("array", "_SYSTEM: CUSTOM NAMING", "multipicklist",
			"items", m("type", "string", "minLength", 1, "pattern", "^[^;]+$"), "uniqueItems", true)},
		{"percent", field(t, acc, "npsp__Matching_Gift_Percent__c"), nullable("number", "Matching Gift Percent", "percent", "format", "double")},
		{"long", &sfgate.FieldDescribe{Name: "Big__c", Label: "Big", Type: "long"}, m("type", "integer", "title", "Big", "format", "int64", "x-salesforce-type", "long")},
		{"time", &sfgate.FieldDescribe{Name: "At__c", Label: "At", Type: "time", Nillable: true}, nullable("string", "At", "time",
			"format", "time", "pattern", `^\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?Z?$`)},
		{"base64", &sfgate.FieldDescribe{Name: "Body", Label: "Body", Type: "base64"}, m("type", "string", "title", "Body", "format", "byte", "x-salesforce-type", "base64")},
		{"location", &sfgate.FieldDescribe{Name: "Spot__c", Label: "Spot", Type: "location", Nillable: true}, nullable("object", "Spot", "location",
			"readOnly", true, "properties", m("latitude", m("type", "number", "nullable", true), "longitude", m("type", "number", "nullable", true)))},
		{"anyType has no type", &sfgate.FieldDescribe{Name: "NewValue", Label: "New Value", Type: "anyType", Nillable: true}, m("title", "New Value", "x-salesforce-type", "anyType")},
		{"combobox", &sfgate.FieldDescribe{Name: "Subject", Label: "Subject", Type: "combobox", Length: 255, Nillable: true}, nullable("string", "Subject", "combobox", "maxLength", 255)},
		{"unknown type, by soapType", &sfgate.FieldDescribe{Name: "N__c", Label: "N", Type: "complexvalue", SoapType: "xsd:double"}, m("type", "number", "title", "N", "format", "double", "x-salesforce-type", "complexvalue")},
		{"restricted multipicklist", &sfgate.FieldDescribe{Name: "Colours__c", Label: "Colours", Type: "multipicklist", RestrictedPicklist: true, Length: 100,
			PicklistValues: []sfgate.PicklistValue{{Value: "Red", Active: true}, {Value: "Old", Active: false}, {Value: "Blue", Active: true}}},
			m("type", "array", "title", "Colours", "x-salesforce-type", "multipicklist", "uniqueItems", true,
				"items", m("type", "string", "minLength", 1, "pattern", "^[^;]+$", "enum", []any{"Red", "Blue"}))},
		{"restricted picklist without active values has no enum", &sfgate.FieldDescribe{Name: "P__c", Label: "P", Type: "picklist", RestrictedPicklist: true, Length: 10,
			PicklistValues: []sfgate.PicklistValue{{Value: "Gone"}}}, m("type", "string", "title", "P", "maxLength", 10, "x-salesforce-type", "picklist")},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.field.Type] = true
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tt.want, decode(t, fieldSchema(tt.field))); diff != "" {
				t.Errorf("schema of %s (-want +got):\n%s", tt.field.Name, diff)
			}
		})
	}
	for _, f := range acc.Fields {
		if !seen[f.Type] {
			t.Errorf("no case covers the type %s (field %s) of the real describe", f.Type, f.Name)
		}
	}
}

// TestRecordSchemas checks which fields the read, create and update
// schemas list, and which create requires.
func TestRecordSchemas(t *testing.T) {
	t.Parallel()
	d := &sfgate.SObjectDescribe{SObjectSummary: sfgate.SObjectSummary{Name: "Invoice__c", Label: "Invoice"}, Fields: []sfgate.FieldDescribe{
		{Name: "Id", Type: "id", Label: "Record ID", DefaultedOnCreate: true},
		{Name: "Name", Type: "string", Label: "Invoice Name", Length: 80, Createable: true, Updateable: true},
		{Name: "Paid__c", Type: "boolean", Label: "Paid", Createable: true, Updateable: true, DefaultedOnCreate: true},
		{Name: "Due__c", Type: "date", Label: "Due", Createable: true, Updateable: true, Nillable: true},
		{Name: "Account__c", Type: "reference", Label: "Account", Createable: true, ReferenceTo: []string{"Account"}},
		{Name: "Total__c", Type: "currency", Label: "Total", Calculated: true, Nillable: true},
		{Name: "Where__c", Type: "location", Label: "Where", Createable: true, Updateable: true, Nillable: true},
	}}
	r, c, u := recordSchemas(d, "Invoice__c", "Invoice__cCreate", "Invoice__cUpdate")
	keys := func(n *yaml.Node) []string {
		var out []string
		p := get(n, "properties")
		for i := 0; i < len(p.Content); i += 2 {
			out = append(out, p.Content[i].Value)
		}
		return out
	}
	if diff := cmp.Diff([]string{"Id", "Name", "Paid__c", "Due__c", "Account__c", "Total__c", "Where__c"}, keys(r)); diff != "" {
		t.Errorf("read properties (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Name", "Paid__c", "Due__c", "Account__c"}, keys(c)); diff != "" {
		t.Errorf("create properties (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Name", "Paid__c", "Due__c"}, keys(u)); diff != "" {
		t.Errorf("update properties (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]any{"Name", "Account__c"}, decode(t, get(c, "required"))); diff != "" {
		t.Errorf("create requires (-want +got):\n%s", diff)
	}
	if get(u, "required") != nil || get(r, "required") != nil {
		t.Error("read or update schema requires a field")
	}
	if got := decode(t, get(get(get(r, "properties"), "Total__c"), "readOnly")); got != true {
		t.Errorf("a calculated field is not readOnly in the read schema: %v", got)
	}
	if get(c, "additionalProperties").Value != "false" || get(u, "additionalProperties").Value != "false" || get(r, "additionalProperties").Value != "true" {
		t.Error("create and update must refuse unknown fields; read must admit relationships")
	}
}

// load validates a rendered document with kin-openapi, examples included.
func load(t *testing.T, doc []byte) *openapi3.T {
	t.Helper()
	l := openapi3.NewLoader()
	d, err := l.LoadFromData(doc)
	if err != nil {
		t.Fatalf("load the rendered document: %v", err)
	}
	if err := d.Validate(t.Context()); err != nil {
		t.Fatalf("the rendered document is not valid OpenAPI: %v", err)
	}
	return d
}

func TestRenderIsValidAndTyped(t *testing.T) {
	t.Parallel()
	acc := realAccount(t)
	inv := &sfgate.SObjectDescribe{SObjectSummary: sfgate.SObjectSummary{Name: "Invoice__c", Label: "Invoice", Custom: true}, Fields: []sfgate.FieldDescribe{
		{Name: "Id", Type: "id", Label: "Record ID"},
		{Name: "Name", Type: "string", Label: "Invoice Name", Length: 80, Createable: true, Updateable: true},
	}}
	all := Ops{Create: true, Read: true, Update: true, Delete: true, Query: true}
	out, err := Render(api.OpenAPI, []Object{{Describe: acc, Ops: all}, {Describe: inv, Ops: Ops{Read: true, Query: true}}})
	if err != nil {
		t.Fatal(err)
	}
	d := load(t, out)
	for _, s := range []string{"Account", "AccountCreate", "AccountUpdate", "Invoice__c", "Invoice__cCreate", "Invoice__cUpdate", "Record", "RecordInput"} {
		if d.Components.Schemas[s] == nil {
			t.Errorf("no schema %s", s)
		}
	}
	ops := map[string]string{}
	for p, item := range d.Paths.Map() {
		for m, op := range item.Operations() {
			if prev, dup := ops[op.OperationID]; dup {
				t.Errorf("operationId %s on %s %s and %s", op.OperationID, m, p, prev)
			}
			ops[op.OperationID] = m + " " + p
		}
	}
	want := map[string]string{
		"createAccount": "POST /v1/sobjects/Account/records", "getAccount": "GET /v1/sobjects/Account/records/{id}",
		"updateAccount": "PATCH /v1/sobjects/Account/records/{id}", "deleteAccount": "DELETE /v1/sobjects/Account/records/{id}",
		"queryAccount":  "POST /v1/sobjects/Account/query",
		"getInvoice__c": "GET /v1/sobjects/Invoice__c/records/{id}", "queryInvoice__c": "POST /v1/sobjects/Invoice__c/query",
		"createRecord": "POST /v1/sobjects/{sobject}/records",
	}
	for id, where := range want {
		if ops[id] != where {
			t.Errorf("operation %s is at %q, want %q", id, ops[id], where)
		}
	}
	for _, id := range []string{"createInvoice__c", "updateInvoice__c", "deleteInvoice__c"} {
		if _, ok := ops[id]; ok {
			t.Errorf("%s is offered although the object's operations leave it out", id)
		}
	}
	item := d.Paths.Find("/v1/sobjects/Account/records")
	if ref := item.Post.RequestBody.Value.Content["application/json"].Schema.Ref; ref != "#/components/schemas/AccountCreate" {
		t.Errorf("createAccount body is %q", ref)
	}
	for _, p := range append(item.Parameters, item.Post.Parameters...) {
		if p.Value.Name == "sobject" {
			t.Error("the typed path keeps the sobject parameter")
		}
	}
	idItem := d.Paths.Find("/v1/sobjects/Account/records/{id}")
	if ref := idItem.Patch.RequestBody.Value.Content["application/json"].Schema.Ref; ref != "#/components/schemas/AccountUpdate" {
		t.Errorf("updateAccount body is %q", ref)
	}
	if ref := idItem.Get.Responses.Value("200").Value.Content["application/json"].Schema.Ref; ref != "#/components/schemas/Account" {
		t.Errorf("getAccount answers %q", ref)
	}
	// The query answer reaches Record through a response and a schema:
	// both get typed copies, and the generic ones stay as they were.
	q := d.Paths.Find("/v1/sobjects/Account/query").Post.Responses.Value("200")
	if q.Ref != "#/components/responses/AccountQueryAnswer" {
		t.Errorf("queryAccount answers %q", q.Ref)
	}
	if items := q.Value.Content["application/json"].Schema.Value.Properties["records"].Value.Items.Ref; items != "#/components/schemas/Account" {
		t.Errorf("queryAccount's records are %q", items)
	}
	if items := d.Components.Schemas["QueryResult"].Value.Properties["records"].Value.Items.Ref; items != "#/components/schemas/Record" {
		t.Errorf("the generic QueryResult now holds %q", items)
	}
	// Tier-like check on a custom field of the real describe.
	p := d.Components.Schemas["AccountCreate"].Value.Properties["npsp__Matching_Gift_Percent__c"]
	if p == nil || !p.Value.Type.Is("number") || !p.Value.Nullable {
		t.Errorf("a custom percent field in AccountCreate: %+v", p)
	}
	if d.Components.Schemas["AccountCreate"].Value.Properties["BillingAddress"] != nil || d.Components.Schemas["AccountCreate"].Value.Properties["Id"] != nil {
		t.Error("AccountCreate offers a compound or read-only field")
	}
}

func TestRenderRefusesAClash(t *testing.T) {
	t.Parallel()
	d := &sfgate.SObjectDescribe{SObjectSummary: sfgate.SObjectSummary{Name: "Record"}}
	if _, err := Render(api.OpenAPI, []Object{{Describe: d, Ops: Ops{Read: true}}}); err == nil {
		t.Error("an object named like a generic schema was rendered")
	}
}

func TestCacheKeysOnDescribe(t *testing.T) {
	t.Parallel()
	small, err := Render(api.OpenAPI, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Room for two documents of about this size, not three.
	c := NewCache(api.OpenAPI, int64(5*len(small)/2))
	d := &sfgate.SObjectDescribe{SObjectSummary: sfgate.SObjectSummary{Name: "Invoice__c"}, Fields: []sfgate.FieldDescribe{{Name: "Id", Type: "id"}}}
	objs := []Object{{Describe: d, Ops: Ops{Read: true}}}
	a, err := c.Get(t.Context(), objs)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := c.Get(t.Context(), objs); b != a {
		t.Error("the same describes rendered twice")
	}
	if tag, err := c.ETag(objs); err != nil || tag != a.ETag {
		t.Errorf("ETag without a render: %q, %v; the document's is %q", tag, err, a.ETag)
	}
	d2 := *d
	d2.Fields = append(slices.Clone(d.Fields), sfgate.FieldDescribe{Name: "Tier__c", Type: "string", Length: 10, Createable: true, Nillable: true})
	b, err := c.Get(t.Context(), []Object{{Describe: &d2, Ops: Ops{Read: true}}})
	if err != nil {
		t.Fatal(err)
	}
	if b.ETag == a.ETag || slices.Equal(a.YAML, b.YAML) {
		t.Error("a field added to the describe left the document as it was")
	}
	if c3, _ := c.Get(t.Context(), []Object{{Describe: d, Ops: Ops{Read: true, Query: true}}}); c3.ETag == a.ETag {
		t.Error("other operations, same document")
	}
	if c.Len() != 2 {
		t.Errorf("the cache holds %d documents, want the two its bound admits", c.Len())
	}
	tiny := NewCache(api.OpenAPI, 10)
	if d, err := tiny.Get(t.Context(), objs); err != nil || len(d.YAML) == 0 || tiny.Len() != 0 {
		t.Errorf("a document larger than the bound: %v, kept %d", err, tiny.Len())
	}
}

// minimalGeneric is a generic document of another shape than
// api/openapi.yaml (as the generic contract evolves): a JSON query whose
// NDJSON twin is an operation of its own, named by x-ndjson-operation, and
// answers reaching Record only through responses components.
const minimalGeneric = `openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /v1/sobjects/{sobject}/query:
    parameters:
      - {name: sobject, in: path, required: true, schema: {type: string}}
    post:
      operationId: queryRecords
      x-ndjson-operation: streamQueryRecords
      responses:
        '200': {$ref: '#/components/responses/Page'}
  /v1/sobjects/{sobject}/query/stream:
    parameters:
      - {name: sobject, in: path, required: true, schema: {type: string}}
    post:
      operationId: streamQueryRecords
      responses:
        '200':
          description: lines
          content:
            application/x-ndjson:
              schema: {$ref: '#/components/schemas/Record'}
              example: {Id: 001000000000001AAA, Bogus__c: 1}
  /v1/sobjects/{sobject}/records/{id}:
    parameters:
      - {name: sobject, in: path, required: true, schema: {type: string}}
      - {name: id, in: path, required: true, schema: {type: string}}
    get:
      operationId: getRecord
      x-ndjson-operation: nowhere
      responses:
        '200':
          description: one
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Record'}
components:
  responses:
    Page:
      description: a page
      content:
        application/json:
          schema:
            type: object
            properties:
              records: {type: array, items: {$ref: '#/components/schemas/Record'}}
  schemas:
    Record: {type: object, additionalProperties: true}
`

func TestRenderFollowsTheGenericDocument(t *testing.T) {
	t.Parallel()
	d := &sfgate.SObjectDescribe{SObjectSummary: sfgate.SObjectSummary{Name: "Invoice__c"}, Fields: []sfgate.FieldDescribe{{Name: "Id", Type: "id"}}}
	out, err := Render([]byte(minimalGeneric), []Object{{Describe: d, Ops: Ops{Read: true, Query: true}}})
	if err != nil {
		t.Fatal(err)
	}
	doc := load(t, out)
	q := doc.Paths.Find("/v1/sobjects/Invoice__c/query").Post
	if q.OperationID != "queryInvoice__c" || q.Extensions["x-ndjson-operation"] != "streamQueryInvoice__c" {
		t.Errorf("typed query %s links %v, want its typed stream twin", q.OperationID, q.Extensions["x-ndjson-operation"])
	}
	if ref := q.Responses.Value("200").Ref; ref != "#/components/responses/Invoice__cPage" {
		t.Errorf("typed query answers %s", ref)
	}
	st := doc.Paths.Find("/v1/sobjects/Invoice__c/query/stream").Post.Responses.Value("200").Value.Content["application/x-ndjson"]
	if st.Schema.Ref != "#/components/schemas/Invoice__c" || st.Example != nil {
		t.Errorf("typed stream line %s, example %v (the generic example does not fit the object)", st.Schema.Ref, st.Example)
	}
	if _, ok := doc.Paths.Find("/v1/sobjects/Invoice__c/records/{id}").Get.Extensions["x-ndjson-operation"]; ok {
		t.Error("a link to an operation without a typed copy was kept")
	}
	if g := doc.Paths.Find("/v1/sobjects/{sobject}/query").Post; g.Extensions["x-ndjson-operation"] != "streamQueryRecords" {
		t.Errorf("the generic query's link changed to %v", g.Extensions["x-ndjson-operation"])
	}
}

func TestCacheWaitEndsWithContext(t *testing.T) {
	t.Parallel()
	c := NewCache(api.OpenAPI, 1<<20)
	c.render <- struct{}{} // another render under way
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	d := &sfgate.SObjectDescribe{SObjectSummary: sfgate.SObjectSummary{Name: "Invoice__c"}}
	if _, err := c.Get(ctx, []Object{{Describe: d}}); !errors.Is(err, context.Canceled) {
		t.Errorf("waiting behind a render with a cancelled context: %v", err)
	}
	<-c.render
	if _, err := c.Get(t.Context(), []Object{{Describe: d}}); err != nil {
		t.Errorf("once the render is done: %v", err)
	}
}
