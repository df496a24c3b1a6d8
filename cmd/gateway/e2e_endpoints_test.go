package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/sfgate/sfgate/api"
)

// coverage records, per operation of api/openapi.yaml, the statuses the
// gateway answered, so a test can prove every endpoint was exercised with
// a success and an error.
type coverage struct {
	router routers.Router
	ops    []string // every operationId, sorted

	mu       sync.Mutex
	statuses map[string][]int
}

func newCoverage(t *testing.T) *coverage {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	doc.Servers = nil
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	c := &coverage{router: r, statuses: map[string][]int{}}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			c.ops = append(c.ops, op.OperationID)
		}
	}
	sort.Strings(c.ops)
	return c
}

// operation names the operation req is for; a request with a method the
// path does not take counts as an error answer of the path's GET or POST.
func (c *coverage) operation(req *http.Request) string {
	for _, m := range []string{req.Method, http.MethodGet, http.MethodPost} {
		r := req.Clone(req.Context())
		r.Method = m
		r.URL.Path, r.URL.RawPath = req.URL.EscapedPath(), ""
		if route, _, err := c.router.FindRoute(r); err == nil {
			return route.Operation.OperationID
		}
	}
	return ""
}

func (c *coverage) wrap(base http.RoundTripper) http.RoundTripper {
	return roundTrip(func(req *http.Request) (*http.Response, error) {
		resp, err := base.RoundTrip(req)
		if err == nil {
			if op := c.operation(req); op != "" {
				c.mu.Lock()
				c.statuses[op] = append(c.statuses[op], resp.StatusCode)
				c.mu.Unlock()
			}
		}
		return resp, err
	})
}

type roundTrip func(*http.Request) (*http.Response, error)

func (f roundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// want fails t unless a has the status and its body holds every string.
func want(t *testing.T, what string, a answer, status int, holds ...string) {
	t.Helper()
	if a.status != status {
		t.Errorf("%s: status %d, want %d: %s", what, a.status, status, a)
		return
	}
	for _, h := range holds {
		if !bytes.Contains(a.body, []byte(h)) {
			t.Errorf("%s: body lacks %s: %s", what, h, a)
		}
	}
}

// TestE2EEndpoints exercises every operation of api/openapi.yaml at least
// once with a success and once with an error, each answer validated
// against the document, and checks at the end, from the document's own
// list of operations, that none was missed.
func TestE2EEndpoints(t *testing.T) {
	t.Parallel()
	cov := newCoverage(t)
	s := startStack(t, stackOptions{seedAccounts: 250})
	s.cov = cov
	// The parts share one org and run one after another.
	for _, part := range []struct {
		name string
		run  func(t *testing.T, s *stack)
	}{
		{"operations", epOperational},
		{"request ids", epRequestIDs},
		{"sobjects", epSObjects},
		{"records", epRecords},
		{"batch with undelete", epBatchUndelete},
		{"merge", epMerge},
		{"convert lead", epConvertLead},
		{"search", epSearch},
		{"query and cursors", epQueryCursors},
		{"NDJSON streams every page", epNDJSON},
		{"limits", epLimits},
		{"admin cache invalidate", epInvalidate},
	} {
		t.Run(part.name, func(t *testing.T) { part.run(t, s) })
	}

	// A second gateway with caller keys and a strict rate limit: every /v1
	// operation refuses a caller without a key (401), the operational
	// endpoints need none, and a caller past its limit gets 429.
	t.Run("keys and rate limit", func(t *testing.T) { epKeysAndRateLimit(t, cov) })

	// Every operation of the document answered at least one success and
	// one error.
	cov.mu.Lock()
	defer cov.mu.Unlock()
	for _, op := range cov.ops {
		st := cov.statuses[op]
		ok := slices.ContainsFunc(st, func(c int) bool { return c >= 200 && c < 300 })
		bad := slices.ContainsFunc(st, func(c int) bool { return c >= 400 })
		if !ok || !bad {
			t.Errorf("operation %s answered only %v: want a success and an error", op, st)
		}
		if testing.Verbose() {
			slices.Sort(st)
			t.Logf("%-18s %v", op, slices.Compact(st))
		}
	}
}

// epKeysAndRateLimit boots a second gateway with caller keys and a strict
// rate limit: every /v1 operation refuses a caller without a key (401), the
// operational endpoints need none, and a caller past its limit gets 429.
func epKeysAndRateLimit(t *testing.T, cov *coverage) {
	key := fmt.Sprintf("%x", randomBytes(t, 16))
	k := startStack(t, stackOptions{seedAccounts: -1, env: map[string]string{
		"GATEWAY_API_KEYS": "e2e=" + key, "GATEWAY_RATE_LIMIT": "0.01", "GATEWAY_RATE_BURST": "1",
	}})
	k.cov = cov
	doc, err := openapi3.NewLoader().LoadFromData(api.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	params := strings.NewReplacer("{sobject}", "Account", "{id}", "001000000000001AAA", "{externalIdField}", "External_Id__c",
		"{value}", "x", "{cursor}", "AAAAAAAAAAAAAAAAAAAAAAAA")
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			p := params.Replace(path)
			var body any
			if op.RequestBody != nil {
				body = `{}`
			}
			if strings.HasPrefix(path, "/v1/") {
				for _, hdr := range [][]string{nil, {"Authorization", "Bearer not-the-key-0123456789"}} {
					a := k.do(t, method, p, body, hdr...)
					want(t, method+" "+path+" without a valid key", a, 401, `"UNAUTHORIZED"`)
					if a.header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s: 401 without WWW-Authenticate", method, path)
					}
				}
			} else if method == http.MethodGet {
				want(t, path+" without a key", k.do(t, method, p, nil), 200)
			}
		}
	}
	auth := []string{"Authorization", "Bearer " + key}
	want(t, "with the key", k.do(t, http.MethodGet, "/v1/limits", nil, auth...), 200)
	limited := k.do(t, http.MethodGet, "/v1/limits", nil, auth...)
	want(t, "past the rate limit", limited, 429, `"RATE_LIMITED"`)
	if limited.header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
}

// epOperational: health, readiness, the document, its rendering and
// metrics, and that they refuse DELETE.
func epOperational(t *testing.T, s *stack) {
	want(t, "healthz", s.do(t, http.MethodGet, "/healthz", nil), 200, `"status":"ok"`)
	ready := s.do(t, http.MethodGet, "/readyz", nil)
	want(t, "readyz", ready, 200, `"status":"ready"`, `"redis":"ok"`, `"draining":false`)
	spec := s.do(t, http.MethodGet, "/openapi.yaml", nil)
	if want(t, "openapi.yaml", spec, 200); !bytes.Equal(spec.body, api.OpenAPI) {
		t.Errorf("/openapi.yaml is not the embedded document (%d bytes, want %d)", len(spec.body), len(api.OpenAPI))
	}
	want(t, "docs", s.do(t, http.MethodGet, "/docs", nil), 200, "<html", "redoc.standalone.js")
	want(t, "docs script", s.do(t, http.MethodGet, "/docs/redoc.standalone.js", nil), 200)
	want(t, "metrics", s.do(t, http.MethodGet, "/metrics", nil), 200, "sfgate_http_requests_total{", `route="/readyz"`)
	for _, p := range []string{"/healthz", "/readyz", "/metrics", "/openapi.yaml", "/docs", "/docs/redoc.standalone.js"} {
		a := s.do(t, http.MethodDelete, p, nil)
		if a.status != http.StatusMethodNotAllowed && a.status != http.StatusNotFound {
			t.Errorf("DELETE %s: %s, want a 405 or 404 problem", p, a)
		}
	}
}

// epRequestIDs: a caller's well-formed X-Request-Id is kept, echoed and
// put in the problem; a malformed one is replaced.
func epRequestIDs(t *testing.T, s *stack) {
	// A caller's well-formed X-Request-Id is kept, echoed and put in the
	// problem; a malformed one is replaced.
	a := s.do(t, http.MethodGet, "/v1/sobjects/NoSuch__c", nil, "X-Request-Id", "e2e-req.42:x")
	if a.header.Get("X-Request-Id") != "e2e-req.42:x" || a.json(t)["requestId"] != "e2e-req.42:x" {
		t.Errorf("caller's request id not kept: header %q, body %s", a.header.Get("X-Request-Id"), a.body)
	}
	a = s.do(t, http.MethodGet, "/v1/sobjects/NoSuch__c", nil, "X-Request-Id", "bad id\twith <stuff>")
	if id := a.header.Get("X-Request-Id"); id == "" || strings.ContainsAny(id, " <>\\") || a.json(t)["requestId"] != id {
		t.Errorf("malformed request id not replaced consistently: header %q, body %s", id, a.body)
	}
}

// epSObjects: listing, describe and JSON Schema, with their errors.
func epSObjects(t *testing.T, s *stack) {
	a := s.do(t, http.MethodGet, "/v1/sobjects?custom=true", nil)
	want(t, "list custom", a, 200, `"Invoice__c"`)
	var list struct {
		SObjects []struct {
			Name   string `json:"name"`
			Custom bool   `json:"custom"`
		} `json:"sobjects"`
	}
	if err := json.Unmarshal(a.body, &list); err != nil || len(list.SObjects) == 0 {
		t.Fatalf("list: %v %s", err, a)
	}
	for _, o := range list.SObjects {
		if !o.Custom {
			t.Errorf("?custom=true listed standard object %s", o.Name)
		}
	}
	want(t, "list all", s.do(t, http.MethodGet, "/v1/sobjects?queryable=true", nil), 200, `"Account"`, `"Invoice__c"`)
	want(t, "list bad flag", s.do(t, http.MethodGet, "/v1/sobjects?queryable=perhaps", nil), 400, `"query.queryable"`)
	want(t, "describe", s.do(t, http.MethodGet, "/v1/sobjects/Invoice__c", nil), 200, `"name":"Invoice__c"`, `"Paid_At__c"`, `"childRelationships"`)
	want(t, "describe unknown", s.do(t, http.MethodGet, "/v1/sobjects/NoSuch__c", nil), 404, `"code":"NOT_FOUND"`)
	sc := s.do(t, http.MethodGet, "/v1/sobjects/Account/schema", nil)
	want(t, "schema", sc, 200, `"https://json-schema.org/draft/2020-12/schema"`, `"Name"`)
	if ct := sc.header.Get("Content-Type"); ct != "application/schema+json" {
		t.Errorf("schema Content-Type %q", ct)
	}
	want(t, "schema unknown", s.do(t, http.MethodGet, "/v1/sobjects/NoSuch__c/schema", nil), 404, `"code":"NOT_FOUND"`)
}

// epRecords: create, get, update, upsert and delete of one record, and
// each refused.
func epRecords(t *testing.T, s *stack) {
	acc := "/v1/sobjects/Account/records"
	a := s.do(t, http.MethodPost, acc, map[string]any{"Name": uniq("E2E endpoints"), "Regions__c": []string{"EMEA", "APAC"}, "Health_Score__c": 87.25})
	want(t, "create", a, 201)
	id, _ := a.json(t)["id"].(string)
	want(t, "create refused", s.do(t, http.MethodPost, acc, map[string]any{"Name": "x", "IsDeleted": true}), 422, `"IsDeleted"`)
	want(t, "get", s.do(t, http.MethodGet, acc+"/"+id+"?fields=Regions__c,Health_Score__c", nil), 200, `"Regions__c":["EMEA","APAC"]`, `"Health_Score__c":87.25`)
	// ?fields= reaches the engine whole whichever form carries it:
	// comma-separated, repeated (what generated clients send), or both.
	for _, q := range []string{"fields=Name,Industry,Phone", "fields=Name&fields=Industry&fields=Phone", "fields=Name,Industry&fields=Phone"} {
		got := slices.Sorted(maps.Keys(s.do(t, http.MethodGet, acc+"/"+id+"?"+q, nil).json(t)))
		if want := []string{"Id", "Industry", "Name", "Phone"}; !slices.Equal(got, want) {
			t.Errorf("get ?%s: keys %q, want %q", q, got, want)
		}
	}
	want(t, "update", s.do(t, http.MethodPatch, acc+"/"+id, map[string]any{"Regions__c": []string{"LATAM"}, "Health_Score__c": nil}), 204)
	want(t, "get updated", s.do(t, http.MethodGet, acc+"/"+id+"?fields=Regions__c,Health_Score__c", nil), 200, `"Regions__c":["LATAM"]`, `"Health_Score__c":null`)
	ext := fmt.Sprintf("E2E-EP-%x", randomBytes(t, 4))
	want(t, "upsert new", s.do(t, http.MethodPut, acc+"/by/External_Id__c/"+ext, map[string]any{"Name": uniq("E2E upsert")}), 201, `"created":true`)
	up := s.do(t, http.MethodPut, acc+"/by/External_Id__c/"+ext, map[string]any{"Rating": "Hot"})
	want(t, "upsert existing", up, 200, `"created":false`)
	want(t, "upsert refused", s.do(t, http.MethodPut, acc+"/by/External_Id__c/"+ext, map[string]any{"Rating": 5}), 422, `"Rating"`)
	want(t, "delete", s.do(t, http.MethodDelete, acc+"/"+id, nil), 204)
	want(t, "delete upserted", s.do(t, http.MethodDelete, acc+"/"+up.json(t)["id"].(string), nil), 204)
	want(t, "get deleted", s.do(t, http.MethodGet, acc+"/"+id, nil), 404)
	want(t, "update deleted", s.do(t, http.MethodPatch, acc+"/"+id, map[string]any{"Name": "x"}), 404)
	want(t, "delete deleted", s.do(t, http.MethodDelete, acc+"/"+id, nil), 404)
}

// epBatchUndelete: a batch create, delete and undelete.
func epBatchUndelete(t *testing.T, s *stack) {
	b := "/v1/sobjects/Account/records/batch"
	tag := uniq("E2E undelete")
	a := s.do(t, http.MethodPost, b, map[string]any{"operation": "create", "records": []any{map[string]any{"Name": tag + " 1"}, map[string]any{"Name": tag + " 2"}}})
	want(t, "batch create", a, 200, `"successCount":2`)
	var res struct {
		Results []struct {
			ID string `json:"id"`
		} `json:"results"`
	}
	if err := json.Unmarshal(a.body, &res); err != nil || len(res.Results) != 2 {
		t.Fatalf("batch create: %s", a)
	}
	ids := []any{map[string]any{"Id": res.Results[0].ID}, map[string]any{"Id": res.Results[1].ID}}
	want(t, "batch delete", s.do(t, http.MethodPost, b, map[string]any{"operation": "delete", "records": ids}), 200, `"successCount":2`)
	if n := countSOQL(t, s, "SELECT COUNT() FROM Account WHERE Name LIKE '"+tag+"%'"); n != 0 {
		t.Errorf("%d records left after the batch delete", n)
	}
	want(t, "batch undelete", s.do(t, http.MethodPost, b, map[string]any{"operation": "undelete", "allOrNone": true, "records": ids}), 200, `"successCount":2`)
	if n := countSOQL(t, s, "SELECT COUNT() FROM Account WHERE Name LIKE '"+tag+"%'"); n != 2 {
		t.Errorf("%d records back after the batch undelete, want 2", n)
	}
	want(t, "batch refused", s.do(t, http.MethodPost, b, map[string]any{"operation": "create"}), 400, `"/records"`)
}

// epMerge: merging records, and a merge refused.
func epMerge(t *testing.T, s *stack) {
	acc := "/v1/sobjects/Account/records"
	tag := uniq("E2E merge")
	var ids []string
	for i := range 3 {
		a := s.do(t, http.MethodPost, acc, map[string]any{"Name": fmt.Sprintf("%s %d", tag, i)})
		want(t, "create", a, 201)
		ids = append(ids, a.json(t)["id"].(string))
	}
	c := s.do(t, http.MethodPost, "/v1/sobjects/Contact/records", map[string]any{"LastName": "Merged", "AccountId": ids[1]})
	want(t, "create contact", c, 201)
	contact := c.json(t)["id"].(string)
	m := s.do(t, http.MethodPost, acc+"/"+ids[0]+"/merge", map[string]any{"mergeIds": ids[1:], "fields": map[string]any{"Description": "merged <&>"}})
	want(t, "merge", m, 200, ids[1], ids[2], contact)
	want(t, "merged away", s.do(t, http.MethodGet, acc+"/"+ids[1], nil), 404)
	master := s.do(t, http.MethodGet, acc+"/"+ids[0]+"?fields=Description", nil)
	if want(t, "master", master, 200); master.json(t)["Description"] != "merged <&>" {
		t.Errorf("merge did not set the master's fields: %s", master)
	}
	want(t, "contact re-parented", s.do(t, http.MethodGet, "/v1/sobjects/Contact/records/"+contact+"?fields=AccountId", nil), 200, ids[0])
	bad := s.do(t, http.MethodPost, acc+"/"+ids[0]+"/merge", map[string]any{"mergeIds": []string{ids[1]}})
	if bad.status < 400 || bad.status > 499 {
		t.Errorf("merging a record merged away already: %s, want a 4xx", bad)
	}
}

// epConvertLead: converting a lead, and a conversion refused.
func epConvertLead(t *testing.T, s *stack) {
	lead := s.soqlAll(t, "SELECT Id FROM Lead WHERE IsConverted = false ORDER BY Id LIMIT 1")[0]["Id"].(string)
	body := map[string]any{"leadId": lead, "convertedStatus": "Closed - Converted", "doNotCreateOpportunity": true}
	a := s.do(t, http.MethodPost, "/v1/leads/convert", body)
	want(t, "convert", a, 200, lead, `"opportunityId":null`)
	r := a.json(t)
	want(t, "converted account", s.do(t, http.MethodGet, "/v1/sobjects/Account/records/"+r["accountId"].(string)+"?fields=Name", nil), 200)
	want(t, "converted contact", s.do(t, http.MethodGet, "/v1/sobjects/Contact/records/"+r["contactId"].(string)+"?fields=LastName", nil), 200)
	again := s.do(t, http.MethodPost, "/v1/leads/convert", body)
	if again.status < 400 || again.status > 499 {
		t.Errorf("converting a converted lead: %s, want a 4xx", again)
	}
	want(t, "convert with a status that does not convert", s.do(t, http.MethodPost, "/v1/leads/convert", map[string]any{"leadId": lead, "convertedStatus": "Open - Not Contacted"}), 422)
}

// epSearch: SOSL, and a search refused.
func epSearch(t *testing.T, s *stack) {
	token := fmt.Sprintf("Zq%x", randomBytes(t, 4))
	a := s.do(t, http.MethodPost, "/v1/sobjects/Account/records", map[string]any{"Name": "E2E search " + token})
	want(t, "create", a, 201)
	id := a.json(t)["id"].(string)
	want(t, "search", s.do(t, http.MethodPost, "/v1/search", map[string]any{"sosl": "FIND {" + token + "} IN NAME FIELDS RETURNING Account(Id, Name)"}), 200, `"sobject":"Account"`, id)
	want(t, "malformed search", s.do(t, http.MethodPost, "/v1/search", map[string]any{"sosl": "FIND " + token}), 400, `"MALFORMED_SEARCH"`)
}

// epQueryCursors: structured and raw queries paged with cursors.
func epQueryCursors(t *testing.T, s *stack) {
	want(t, "structured", s.do(t, http.MethodPost, "/v1/sobjects/Contact/query", map[string]any{
		"fields": []string{"Id", "LastName", "Account.Name", "Account.Owner.Name"}, "where": map[string]any{"field": "Account.Name", "op": "!=", "value": nil}, "limit": 5,
	}), 200, `"Account":{`, `"Owner":{`)
	want(t, "structured with children", s.do(t, http.MethodPost, "/v1/query", map[string]any{
		"soql": "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account WHERE Id IN (SELECT AccountId FROM Contact) LIMIT 2",
	}), 200, `"Contacts":[{`)
	want(t, "structured refused", s.do(t, http.MethodPost, "/v1/sobjects/Account/query", map[string]any{"fields": []string{"Nope__c"}}), 422, `"UNKNOWN_FIELD"`)
	want(t, "malformed SOQL", s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELEKT Id FROM Account"}), 400, `"MALFORMED_QUERY"`)
	first := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account", "pageSize": 200})
	want(t, "first page", first, 200, `"done":false`, `"nextCursor"`)
	cursor := first.json(t)["nextCursor"].(string)
	want(t, "next page", s.do(t, http.MethodGet, "/v1/query/"+cursor, nil), 200, `"done":true`)
	want(t, "forged cursor", s.do(t, http.MethodGet, "/v1/query/"+tamper(cursor), nil), 400, `"INVALID_CURSOR"`)
	// includeDeleted pages with queryAll and keeps doing so through
	// the cursor: the records deleted above come back, flagged.
	live := countSOQL(t, s, "SELECT COUNT() FROM Account")
	page := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id, IsDeleted FROM Account ORDER BY Id", "includeDeleted": true, "pageSize": 200})
	all, deleted := 0, 0
	for pages := 1; ; pages++ {
		want(t, "includeDeleted page", page, 200)
		m := page.json(t)
		for _, r := range m["records"].([]any) {
			all++
			if r.(map[string]any)["IsDeleted"] == true {
				deleted++
			}
		}
		if m["done"] == true || pages > 10 {
			break
		}
		page = s.do(t, http.MethodGet, "/v1/query/"+m["nextCursor"].(string), nil)
	}
	if deleted < 2 || all != live+deleted {
		t.Errorf("includeDeleted paged %d records, %d deleted; want the %d live ones plus at least the 2 deleted above", all, deleted, live)
	}
	// A locator Salesforce has forgotten is a 404.
	second := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account", "pageSize": 200}).json(t)["nextCursor"].(string)
	s.simCall(t, http.MethodPost, "/_sim/locators/expire", nil, nil)
	want(t, "expired cursor", s.do(t, http.MethodGet, "/v1/query/"+second, nil), 404, `"INVALID_QUERY_LOCATOR"`)
}

// epNDJSON: an NDJSON answer streams every page, one record per line,
// from the /stream operations and, the older way, from the JSON ones
// asked with Accept.
func epNDJSON(t *testing.T, s *stack) {
	total := countSOQL(t, s, "SELECT COUNT() FROM Account")
	structured := map[string]any{"fields": []string{"Id", "Name", "Owner.Name"}, "pageSize": 200}
	soql := map[string]any{"soql": "SELECT Id, Name, Owner.Name FROM Account", "pageSize": 200}
	for _, tc := range []struct {
		name, path string
		body       map[string]any
		header     []string
	}{
		{"structured", "/v1/sobjects/Account/query/stream", structured, nil},
		{"raw SOQL", "/v1/query/stream", soql, nil},
		{"structured, asked with Accept", "/v1/sobjects/Account/query", structured, []string{"Accept", "application/x-ndjson"}},
		{"raw SOQL, asked with Accept", "/v1/query", soql, []string{"Accept", "application/x-ndjson"}},
	} {
		before := s.simStats(t)
		a := s.do(t, http.MethodPost, tc.path, tc.body, tc.header...)
		after := s.simStats(t)
		if ct := a.header.Get("Content-Type"); a.status != 200 || !strings.HasPrefix(ct, "application/x-ndjson") {
			t.Fatalf("%s: %d %s", tc.name, a.status, ct)
		}
		ids := map[string]bool{}
		sc := bufio.NewScanner(bytes.NewReader(a.body))
		for sc.Scan() {
			var rec map[string]any
			if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
				t.Fatalf("%s: line %d is not one JSON record: %v: %q", tc.name, len(ids)+1, err, sc.Text())
			}
			owner, _ := rec["Owner"].(map[string]any)
			if rec["Id"] == nil || owner == nil || owner["Name"] == nil {
				t.Fatalf("%s: line %d lacks Id or the nested Owner.Name: %q", tc.name, len(ids)+1, sc.Text())
			}
			ids[rec["Id"].(string)] = true
		}
		wantPages := (total + 199) / 200
		if len(ids) != total || after["query"]-before["query"] != 1 || after["queryMore"]-before["queryMore"] != int64(wantPages-1) {
			t.Errorf("%s: %d distinct records streamed of %d, with %d query and %d queryMore calls (want 1 and %d)",
				tc.name, len(ids), total, after["query"]-before["query"], after["queryMore"]-before["queryMore"], wantPages-1)
		}
	}
	// The rest of a query from its cursor: the second page on.
	first := s.do(t, http.MethodPost, "/v1/query", soql).json(t)
	cursor, _ := first["nextCursor"].(string)
	if cursor == "" {
		t.Fatalf("no cursor after the first page of %d records", total)
	}
	a := s.do(t, http.MethodGet, "/v1/query/"+cursor+"/stream", nil)
	if n := bytes.Count(a.body, []byte("\n")); a.status != 200 || n != total-200 {
		t.Errorf("cursor stream: %d with %d lines, want 200 with %d: %.300s", a.status, n, total-200, a.body)
	}
	want(t, "forged cursor stream", s.do(t, http.MethodGet, "/v1/query/"+strings.Repeat("A", 40)+"/stream", nil), 400)
	// A refused streamed query is a problem, not a stream.
	for _, r := range []struct {
		path   string
		header []string
	}{
		{"/v1/sobjects/Account/query/stream", nil},
		{"/v1/sobjects/Account/query", []string{"Accept", "application/x-ndjson"}},
	} {
		a := s.do(t, http.MethodPost, r.path, map[string]any{"fields": []string{"Nope__c"}}, r.header...)
		want(t, "refused stream "+r.path, a, 422)
		if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("refused stream %s: Content-Type %q", r.path, ct)
		}
	}
	want(t, "raw SOQL stream refused", s.do(t, http.MethodPost, "/v1/query/stream", map[string]any{"soql": "SELECT Nope__c FROM Account"}), 400)
}

// epLimits: the API usage Salesforce last reported.
func epLimits(t *testing.T, s *stack) {
	a := s.do(t, http.MethodGet, "/v1/limits", nil)
	want(t, "limits", a, 200, `"type":"API REQUESTS"`, `"limit":15000`)
	if a.json(t)["reportedAt"] == nil {
		t.Errorf("limits: reportedAt is null after Salesforce answered: %s", a)
	}
}

// epInvalidate: warm, change the org, invalidate, and see the change.
func epInvalidate(t *testing.T, s *stack) {
	// Warm, change the org, invalidate, and see the change.
	want(t, "describe", s.do(t, http.MethodGet, "/v1/sobjects/Invoice__c", nil), 200)
	s.simCall(t, http.MethodPost, "/_sim/sobjects/Invoice__c/fields", map[string]any{"name": "Memo__c", "type": "text", "length": 50}, nil)
	want(t, "invalidate one", s.do(t, http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{"sobject": "Invoice__c"}), 200, `"invalidated":"Invoice__c"`)
	want(t, "describe after invalidation", s.do(t, http.MethodGet, "/v1/sobjects/Invoice__c", nil), 200, `"Memo__c"`)
	want(t, "invalidate all", s.do(t, http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{}), 200, `"invalidated":"*"`)
	want(t, "invalidate refused", s.do(t, http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{"object": "Account"}), 400, `"additionalProperties"`)
}
