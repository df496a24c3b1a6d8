package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfgate/sfgate/api"
	"github.com/sfgate/sfgate/internal/handlers/spectest"
)

// The org-typed document (docs/org-spec.md) end to end: a custom field
// added live through sfsim reaches the document once the describe cache
// drops Account, a TypeScript client generated from it with
// openapi-typescript compiles a program that uses the field and rejects
// programs that misuse it, and the caller's permissions shape it.

// orgDoc fetches the org-typed document and validates it with kin-openapi
// (examples included).
func orgDoc(t *testing.T, s *stack, query string, hdr ...string) (*openapi3.T, answer) {
	t.Helper()
	a := s.do(t, http.MethodGet, "/openapi.yaml?sobjects="+query, nil, hdr...)
	if a.status != http.StatusOK {
		t.Fatalf("GET /openapi.yaml?sobjects=%s: %s", query, a)
	}
	doc, err := openapi3.NewLoader().LoadFromData(a.body)
	if err != nil {
		t.Fatalf("load the org-typed document: %v", err)
	}
	if err := doc.Validate(t.Context()); err != nil {
		t.Fatalf("the org-typed document is not valid OpenAPI: %v", err)
	}
	return doc, a
}

// tsClientDir pins openapi-typescript and tsc for this test.
const tsClientDir = "../../tools/openapi-ts"

// tsTools returns the pinned openapi-typescript and tsc (tools/openapi-ts),
// installing them with npm ci when missing rather than skipping.
func tsTools(t *testing.T) (gen, tsc string) {
	t.Helper()
	dir, err := filepath.Abs(tsClientDir)
	if err != nil {
		t.Fatal(err)
	}
	gen, tsc = filepath.Join(dir, "node_modules", ".bin", "openapi-typescript"), filepath.Join(dir, "node_modules", ".bin", "tsc")
	if _, err := os.Stat(gen); err == nil {
		return gen, tsc
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Fatalf("npm is needed to generate the TypeScript client (apt-get install npm; test.sh installs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", dir, err, out)
	}
	return gen, tsc
}

// The programs type-checked against the generated client. good uses the
// live field on the create body and reads it from the read type; each
// misuse must be refused by tsc with the error code given.
const tsGood = `import type { components, paths } from "./org";

type Account = components["schemas"]["Account"];
type AccountCreate = paths["/v1/sobjects/Account/records"]["post"]["requestBody"]["content"]["application/json"];
type AccountUpdate = components["schemas"]["AccountUpdate"];
type Fetched = paths["/v1/sobjects/Account/records/{id}"]["get"]["responses"]["200"]["content"]["application/json"];

const create: AccountCreate = { Name: "Acme", Support_Tier__c: "Gold", NumberOfEmployees: 12 };
const update: AccountUpdate = { Support_Tier__c: null };
declare const got: Fetched;
const tier: "Bronze" | "Silver" | "Gold" | null | undefined = got.Support_Tier__c;
const asRead: Account = got;
export const used = [create, update, tier, asRead];
`

var tsMisuses = []struct{ name, code, want string }{
	{"wrong type", `const c: components["schemas"]["AccountCreate"] = { Name: "Acme", Support_Tier__c: 42 };`, "TS2322"},
	{"wrong picklist value", `const c: components["schemas"]["AccountCreate"] = { Name: "Acme", Support_Tier__c: "Platinum" };`, "TS2322"},
	{"unknown field", `const c: components["schemas"]["AccountCreate"] = { Name: "Acme", Tier_Typo__c: "Gold" };`, "TS2353"},
	{"read-only field in an update", `const c: components["schemas"]["AccountUpdate"] = { CreatedDate: "2026-01-01T00:00:00Z" };`, "TS2353"},
	{"read type read wrong", `declare const a: components["schemas"]["Account"]; const n: number | null | undefined = a.Support_Tier__c;`, "TS2322"},
}

// TestE2EOrgSpec adds Support_Tier__c to Account live (the demo org has a
// Tier__c already), and follows it into the document and a generated
// TypeScript client.
func TestE2EOrgSpec(t *testing.T) {
	t.Parallel()
	gen, tsc := tsTools(t)
	s := startStack(t, stackOptions{})

	before, first := orgDoc(t, s, "Account")
	if before.Components.Schemas["Account"].Value.Properties["Support_Tier__c"] != nil {
		t.Fatal("Support_Tier__c is in the document before it was added")
	}
	s.simCall(t, http.MethodPost, "/_sim/sobjects/Account/fields", map[string]any{"name": "Support_Tier__c", "type": "picklist", "label": "Support Tier",
		"picklistValues": []string{"Bronze", "Silver", "Gold"}, "restricted": true}, nil)

	// Cached per describe: until the describe cache lets Account go, the
	// document is the one already rendered, and costs Salesforce nothing.
	calls := s.simStats(t)
	if _, again := orgDoc(t, s, "Account"); again.header.Get("ETag") != first.header.Get("ETag") || !bytes.Equal(again.body, first.body) {
		t.Error("the document changed while the cached describe did not")
	}
	if d := s.simStats(t)["describeSObject"] - calls["describeSObject"]; d != 0 {
		t.Errorf("a cached document cost %d describeSObject calls", d)
	}
	if a := s.do(t, http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{"sobject": "Account"}); a.status != http.StatusOK {
		t.Fatalf("invalidate Account: %s", a)
	}
	doc, a := orgDoc(t, s, "Account")
	if a.header.Get("ETag") == first.header.Get("ETag") {
		t.Error("the ETag did not change with the describe")
	}
	tier := doc.Components.Schemas["AccountCreate"].Value.Properties["Support_Tier__c"]
	if tier == nil {
		t.Fatal("AccountCreate lacks Support_Tier__c after the describe cache dropped Account")
	}
	if got := tier.Value.Enum; !slices.Equal(got, []any{"Bronze", "Silver", "Gold"}) || !tier.Value.Nullable {
		t.Errorf("Support_Tier__c: enum %v, nullable %v", got, tier.Value.Nullable)
	}
	if a := s.do(t, http.MethodGet, "/openapi.yaml?sobjects=Account", nil, "If-None-Match", a.header.Get("ETag")); a.status != http.StatusNotModified {
		t.Errorf("If-None-Match with the current ETag: %s", a)
	}
	// The body the program sends fits AccountCreate and the gateway takes
	// it; one outside the picklist fits neither.
	create := doc.Components.Schemas["AccountCreate"].Value
	good := map[string]any{"Name": uniq("E2E typed"), "Support_Tier__c": "Gold", "NumberOfEmployees": 12.0}
	if err := create.VisitJSON(good); err != nil {
		t.Errorf("the typed program's create body against AccountCreate: %v", err)
	}
	if a := s.do(t, http.MethodPost, "/v1/sobjects/Account/records", good); a.status != http.StatusCreated {
		t.Errorf("the typed program's create body: %s", a)
	}
	good["Support_Tier__c"] = "Platinum"
	if create.VisitJSON(good) == nil {
		t.Error("AccountCreate admits a value outside the restricted picklist")
	}
	if a := s.do(t, http.MethodPost, "/v1/sobjects/Account/records", good); a.status != http.StatusUnprocessableEntity {
		t.Errorf("a value outside the picklist: %s, want 422", a)
	}

	t.Run("TypeScript client", func(t *testing.T) { typeCheckClient(t, gen, tsc, a.body) })
	t.Run("Go client", func(t *testing.T) { goCheckClient(t, a.body) })
	orgSpecAnswers(t, s)
}

// orgSpecAnswers checks *, the refusals and that the
// generic document stays as it is.
func orgSpecAnswers(t *testing.T, s *stack) {
	t.Run("every queryable object", func(t *testing.T) {
		doc, _ := orgDoc(t, s, "*")
		objects := []string{"Account", "Contact", "Lead", "Opportunity", "Case", "Invoice__c"}
		for _, o := range objects {
			if doc.Components.Schemas[o] == nil || doc.Paths.Find("/v1/sobjects/"+o+"/query") == nil {
				t.Errorf("* lacks %s", o)
			}
		}
		typedReads(t, s, doc, objects)
	})
	t.Run("refused", func(t *testing.T) {
		var many []string
		for i := range 201 {
			many = append(many, fmt.Sprintf("Obj%d__c", i))
		}
		for _, q := range []string{"Nope__c", "Account,Bad-Name", "", "*,Account", strings.Join(many, ",")} {
			a := s.do(t, http.MethodGet, "/openapi.yaml?sobjects="+q, nil)
			if a.status != http.StatusBadRequest || !bytes.Contains(a.body, []byte(`"query.sobjects"`)) {
				t.Errorf("sobjects=%.40s: %s, want 400 naming query.sobjects", q, a)
			}
		}
	})
	t.Run("generic document unchanged", func(t *testing.T) {
		a := s.do(t, http.MethodGet, "/openapi.yaml", nil)
		if a.status != http.StatusOK || !bytes.Equal(a.body, api.OpenAPI) {
			t.Errorf("GET /openapi.yaml: %.200s", a)
		}
	})
}

// typedReads reads records of each object, every field, through a client
// that checks each answer against the org-typed document (its generic
// record and query paths taken out, so the typed ones route): the typed
// read schemas must hold for what the gateway really answers, field types,
// formats and nulls included.
func typedReads(t *testing.T, s *stack, doc *openapi3.T, objects []string) {
	t.Helper()
	for _, p := range []string{"/v1/sobjects/{sobject}/records", "/v1/sobjects/{sobject}/records/{id}", "/v1/sobjects/{sobject}/query"} {
		doc.Paths.Delete(p)
	}
	client := &http.Client{Transport: spectest.NewFor(t, doc).Transport(t, s.tr), Timeout: time.Minute}
	send := func(method, path string, body any) []byte {
		t.Helper()
		var rd *bytes.Reader
		if body == nil {
			rd = bytes.NewReader(nil)
		} else {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(t.Context(), method, s.base+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %.500s", method, path, resp.StatusCode, b.Bytes())
		}
		return b.Bytes()
	}
	for _, o := range objects {
		var fields []string
		for name, p := range doc.Components.Schemas[o].Value.Properties {
			if !p.Value.Type.Is("object") { // compound fields come through their components
				fields = append(fields, name)
			}
		}
		slices.Sort(fields)
		var page struct {
			Records []map[string]any `json:"records"`
		}
		if err := json.Unmarshal(send(http.MethodPost, "/v1/sobjects/"+o+"/query", map[string]any{"fields": fields, "limit": 20}), &page); err != nil {
			t.Fatal(err)
		}
		if len(page.Records) == 0 {
			t.Errorf("no %s records to check the read schema on", o)
		}
		for _, r := range page.Records[:min(3, len(page.Records))] {
			send(http.MethodGet, "/v1/sobjects/"+o+"/records/"+r["Id"].(string), nil)
		}
	}
}

// typeCheckClient generates a TypeScript client from doc and type-checks
// the good program (must compile) and each misuse (must not).
func typeCheckClient(t *testing.T, gen, tsc string, doc []byte) {
	dir := t.TempDir()
	spec := filepath.Join(dir, "org.yaml")
	if err := os.WriteFile(spec, doc, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, gen, spec, "-o", filepath.Join(dir, "org.ts")).CombinedOutput(); err != nil {
		t.Fatalf("openapi-typescript: %v\n%s", err, out)
	}
	check := func(name, program string) (string, error) {
		f := filepath.Join(dir, name+".ts")
		if err := os.WriteFile(f, []byte(program), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.CommandContext(ctx, tsc, "--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", f)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	if out, err := check("good", tsGood); err != nil {
		t.Fatalf("tsc refused the program using Support_Tier__c: %v\n%s", err, out)
	}
	for i, m := range tsMisuses {
		t.Run(m.name, func(t *testing.T) {
			prog := "import type { components } from \"./org\";\n" + m.code + "\nexport {};\n"
			out, err := check("misuse"+string(rune('a'+i)), prog)
			if err == nil {
				t.Fatalf("tsc accepted a misuse:\n%s", prog)
			}
			if !strings.Contains(out, m.want) {
				t.Errorf("tsc refused it, but not with %s:\n%s", m.want, out)
			}
		})
	}

}

// TestE2EOrgSpecCallers: the document covers what the caller may read, and
// offers the operations it may do.
func TestE2EOrgSpecCallers(t *testing.T) {
	t.Parallel()
	s, keys := callersStack(t, newIDP(t))
	contacts := []string{"Authorization", "Bearer " + keys["contacts"]}
	if a := s.do(t, http.MethodGet, "/openapi.yaml?sobjects=Contact", nil); a.status != http.StatusUnauthorized {
		t.Errorf("without a key: %s", a)
	}
	if a := s.do(t, http.MethodGet, "/openapi.yaml", nil); a.status != http.StatusOK {
		t.Errorf("the generic document needs no key: %s", a)
	}
	if a := s.do(t, http.MethodGet, "/openapi.yaml?sobjects=Contact,Account", nil, contacts...); a.status != http.StatusForbidden || !bytes.Contains(a.body, []byte("Account:read")) {
		t.Errorf("Account for a Contact-only caller: %s, want 403 naming Account:read", a)
	}
	doc, _ := orgDoc(t, s, "*", contacts...)
	var typed []string
	for _, sc := range doc.Components.Schemas {
		if x, ok := sc.Value.Extensions["x-sobject"].(string); ok && !slices.Contains(typed, x) {
			typed = append(typed, x)
		}
	}
	if !slices.Equal(typed, []string{"Contact"}) {
		t.Errorf("* for a Contact-only caller typed %v", typed)
	}
	if doc.Paths.Find("/v1/sobjects/Contact/query") == nil || doc.Paths.Find("/v1/sobjects/Contact/records/{id}").Get == nil {
		t.Error("the caller's read and query operations are missing")
	}
	if doc.Paths.Find("/v1/sobjects/Contact/records") != nil || doc.Paths.Find("/v1/sobjects/Contact/records/{id}").Patch != nil {
		t.Error("create or update offered to a caller without those permissions")
	}
}
