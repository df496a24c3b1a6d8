package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/e2eclient"
)

// TestE2EGeneratedClient drives the gateway with the client oapi-codegen
// generates from api/openapi.yaml: CRUD, structured and raw queries with
// cursor paging, and batches, each answer also validated against the
// document by the transport underneath.
func TestE2EGeneratedClient(t *testing.T) {
	t.Parallel()
	// 250 accounts: a raw query at page size 200 needs a second page.
	s := startStack(t, stackOptions{seedAccounts: 250})
	t.Run("crud", func(t *testing.T) { genCRUD(t, s) })
	t.Run("raw SOQL with cursor paging", func(t *testing.T) { genSOQLPaging(t, s) })
	t.Run("structured query ordered and limited", func(t *testing.T) { genOrderedQuery(t, s) })
	t.Run("batch", func(t *testing.T) { genBatch(t, s) })
}

// genCRUD creates, reads, updates, queries, upserts and deletes one
// Account through the generated client.
func genCRUD(t *testing.T, s *stack) {
	ctx, c := t.Context(), s.gen(t)
	name := uniq("E2E CRUD")
	// With an Idempotency-Key (a Structured Field string, as the draft
	// has it), so the generated header parameter is exercised: the repeat
	// is the same 201, replayed.
	key := `"` + uniq("gen-crud") + `"`
	create := func() *e2eclient.CreateRecordResponse {
		t.Helper()
		cr, err := c.CreateRecordWithResponse(ctx, "Account", &e2eclient.CreateRecordParams{IdempotencyKey: &key}, e2eclient.RecordInput{
			"Name": name, "AnnualRevenue": 1234567, "Key_Account__c": true, "Customer_Since__c": "2024-02-29",
		})
		if err != nil || cr.StatusCode() != http.StatusCreated || cr.JSON201 == nil {
			t.Fatalf("create: %v %d %s", err, cr.StatusCode(), cr.Body)
		}
		return cr
	}
	cr := create()
	id := cr.JSON201.Id
	if again := create(); again.JSON201.Id != id || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("create repeated with its key: id %s (first %s), Idempotent-Replayed %q", again.JSON201.Id, id, again.HTTPResponse.Header.Get("Idempotent-Replayed"))
	}
	if loc := cr.HTTPResponse.Header.Get("Location"); !strings.HasSuffix(loc, "/v1/sobjects/Account/records/"+id) {
		t.Errorf("create: Location %q does not name %s", loc, id)
	}

	fields := e2eclient.Fields{"Name", "AnnualRevenue", "Key_Account__c", "Customer_Since__c"}
	get := func() e2eclient.Record {
		t.Helper()
		g, err := c.GetRecordWithResponse(ctx, "Account", id, &e2eclient.GetRecordParams{Fields: &fields})
		if err != nil || g.StatusCode() != http.StatusOK || g.JSON200 == nil {
			t.Fatalf("get: %v %d %s", err, g.StatusCode(), g.Body)
		}
		return *g.JSON200
	}
	rec := get()
	want := map[string]any{"Id": id, "Name": name, "AnnualRevenue": 1234567.0, "Key_Account__c": true, "Customer_Since__c": "2024-02-29"}
	for k, v := range want {
		if rec[k] != v {
			t.Errorf("get after create: %s = %#v, want %#v (record %v)", k, rec[k], v, rec)
		}
	}

	up, err := c.UpdateRecordWithResponse(ctx, "Account", id, e2eclient.RecordInput{"Name": name + " v2", "AnnualRevenue": nil})
	if err != nil || up.StatusCode() != http.StatusNoContent {
		t.Fatalf("update: %v %d %s", err, up.StatusCode(), up.Body)
	}
	rec = get()
	if rec["Name"] != name+" v2" || rec["AnnualRevenue"] != nil {
		t.Errorf("get after update (null clears): %v", rec)
	}
	if _, present := rec["AnnualRevenue"]; !present {
		t.Errorf("get after update: a cleared field must be present as null, got %v", rec)
	}

	// The structured query finds it by name, with the parent nested.
	q, err := c.QueryRecordsWithResponse(ctx, "Account", e2eclient.StructuredQuery{
		Fields: []string{"Id", "Name", "Owner.Name"},
		Where:  cond(t, "Name", "=", name+" v2"),
	})
	if err != nil || q.StatusCode() != http.StatusOK || q.JSON200 == nil {
		t.Fatalf("structured query: %v %d %s", err, q.StatusCode(), q.Body)
	}
	if q.JSON200.TotalSize != 1 || len(q.JSON200.Records) != 1 || q.JSON200.Records[0]["Id"] != id {
		t.Fatalf("structured query by name: %s", q.Body)
	}
	if owner, ok := q.JSON200.Records[0]["Owner"].(map[string]any); !ok || owner["Name"] == nil || owner["Name"] == "" {
		t.Errorf("Owner.Name is not nested as an object with a name: %s", q.Body)
	}

	ext := fmt.Sprintf("E2E-%010x", randomBytes(t, 5))
	u1, err := c.UpsertRecordWithResponse(ctx, "Account", "External_Id__c", ext, nil, e2eclient.RecordInput{"Name": name + " upserted"})
	if err != nil || u1.StatusCode() != http.StatusCreated || u1.JSON201 == nil || !u1.JSON201.Created {
		t.Fatalf("first upsert: want 201 created: %v %d %s", err, u1.StatusCode(), u1.Body)
	}
	u2, err := c.UpsertRecordWithResponse(ctx, "Account", "External_Id__c", ext, nil, e2eclient.RecordInput{"Industry": "Energy"})
	if err != nil || u2.StatusCode() != http.StatusOK || u2.JSON200 == nil || u2.JSON200.Created || u2.JSON200.Id != u1.JSON201.Id {
		t.Fatalf("second upsert: want 200 updating %s: %v %d %s", u1.JSON201.Id, err, u2.StatusCode(), u2.Body)
	}

	for _, del := range []string{id, u1.JSON201.Id} {
		d, err := c.DeleteRecordWithResponse(ctx, "Account", del)
		if err != nil || d.StatusCode() != http.StatusNoContent {
			t.Fatalf("delete %s: %v %d %s", del, err, d.StatusCode(), d.Body)
		}
	}
	g, err := c.GetRecordWithResponse(ctx, "Account", id, nil)
	if err != nil || g.StatusCode() != http.StatusNotFound || g.ApplicationproblemJSON404 == nil {
		t.Fatalf("get after delete: want a 404 problem: %v %d %s", err, g.StatusCode(), g.Body)
	}
}

// genSOQLPaging pages a raw SOQL query with cursors: every record once, in
// order, one query and one queryMore per further page.
func genSOQLPaging(t *testing.T, s *stack) {
	ctx, c := t.Context(), s.gen(t)
	before := s.simStats(t)
	pageSize := 200
	r, err := c.QuerySOQLWithResponse(ctx, e2eclient.SOQLQuery{Soql: "SELECT Id, Name FROM Account ORDER BY Id", PageSize: &pageSize})
	if err != nil || r.StatusCode() != http.StatusOK || r.JSON200 == nil {
		t.Fatalf("query: %v %d %s", err, r.StatusCode(), r.Body)
	}
	page := r.JSON200
	total := page.TotalSize
	if total < 250 || page.Done || page.NextCursor == nil || len(page.Records) != 200 {
		t.Fatalf("first page: totalSize %d, done %v, %d records, cursor %v", total, page.Done, len(page.Records), page.NextCursor != nil)
	}
	var ids []string
	pages := 1
	for {
		for _, rec := range page.Records {
			ids = append(ids, rec["Id"].(string))
		}
		if page.Done {
			if page.NextCursor != nil {
				t.Errorf("last page carries a cursor")
			}
			break
		}
		m, err := c.QueryMoreWithResponse(ctx, *page.NextCursor)
		if err != nil || m.StatusCode() != http.StatusOK || m.JSON200 == nil {
			t.Fatalf("queryMore: %v %d %s", err, m.StatusCode(), m.Body)
		}
		page = m.JSON200
		pages++
	}
	if len(ids) != total || !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != total {
		t.Errorf("pages hold %d ids (sorted %v), want %d distinct in order", len(ids), slices.IsSorted(ids), total)
	}
	after := s.simStats(t)
	wantPages := (total + 199) / 200
	if pages != wantPages || after["query"]-before["query"] != 1 || after["queryMore"]-before["queryMore"] != int64(wantPages-1) {
		t.Errorf("%d records in %d pages cost %d query and %d queryMore calls; want %d pages, 1 query, %d queryMore",
			total, pages, after["query"]-before["query"], after["queryMore"]-before["queryMore"], wantPages, wantPages-1)
	}
}

// genOrderedQuery runs a structured query with a where tree, orderBy with
// nulls last, and a limit.
func genOrderedQuery(t *testing.T, s *stack) {
	ctx, c := t.Context(), s.gen(t)
	limit := 7
	orderBy := []e2eclient.OrderBy{{Field: "Name", Direction: ptr(e2eclient.Desc), Nulls: ptr(e2eclient.Last)}}
	q, err := c.QueryRecordsWithResponse(ctx, "Account", e2eclient.StructuredQuery{
		Fields: []string{"Id", "Name", "AnnualRevenue"}, OrderBy: &orderBy, Limit: &limit,
		Where: node(t, e2eclient.AndCondition{And: []e2eclient.Condition{
			*cond(t, "Name", "like", "%"),
			*node(t, e2eclient.NotCondition{Not: *cond(t, "Name", "=", nil)}),
		}}),
	})
	if err != nil || q.StatusCode() != http.StatusOK || q.JSON200 == nil {
		t.Fatalf("query: %v %d %s", err, q.StatusCode(), q.Body)
	}
	var names []string
	for _, r := range q.JSON200.Records {
		names = append(names, r["Name"].(string))
	}
	if len(names) != limit || !slices.IsSortedFunc(names, func(a, b string) int { return strings.Compare(b, a) }) {
		t.Errorf("want %d names in descending order, got %q", limit, names)
	}
}

// genBatch creates 450 records in one batch (one refused alone), deletes
// them in one batch, and upserts by external id.
func genBatch(t *testing.T, s *stack) {
	ctx, c := t.Context(), s.gen(t)
	const n = 450
	tag := uniq("E2E batch")
	recs := make([]e2eclient.RecordInput, n)
	for i := range recs {
		recs[i] = e2eclient.RecordInput{"Name": fmt.Sprintf("%s %03d", tag, i), "NumberOfEmployees": i}
	}
	// A record the org refuses (Name too long for nobody: a restricted
	// picklist value) fails alone without allOrNone.
	recs[123]["Tier__c"] = "Unobtainium"
	before := s.simStats(t)
	b, err := c.BatchRecordsWithResponse(ctx, "Account", nil, e2eclient.BatchRequest{Operation: e2eclient.Create, Records: recs})
	if err != nil || b.StatusCode() != http.StatusOK || b.JSON200 == nil {
		t.Fatalf("batch create: %v %d %.2000s", err, b.StatusCode(), b.Body)
	}
	after := s.simStats(t)
	res := b.JSON200
	if len(res.Results) != n || res.SuccessCount != n-1 || res.FailureCount != 1 {
		t.Fatalf("batch create: %d results, %d ok, %d failed; want %d, %d, 1", len(res.Results), res.SuccessCount, res.FailureCount, n, n-1)
	}
	var ids []e2eclient.RecordInput
	for i, r := range res.Results {
		if r.Index != i {
			t.Fatalf("result %d has index %d: results are not in input order", i, r.Index)
		}
		if i == 123 {
			if r.Success || len(r.Errors) == 0 || r.Errors[0].Field == nil || *r.Errors[0].Field != "Tier__c" {
				t.Errorf("record 123 (bad picklist value) answered %+v, want a failure naming Tier__c", r)
			}
			continue
		}
		if !r.Success || r.Id == nil {
			t.Fatalf("record %d failed: %+v", i, r)
		}
		ids = append(ids, e2eclient.RecordInput{"Id": *r.Id})
	}
	// The gateway checks the picklist itself, so only 449 records go
	// out; in calls of at most 200 that is 3 calls either way.
	if got := after["create"] - before["create"]; got != 3 {
		t.Errorf("a batch of %d creates cost %d create calls, want 3", n, got)
	}
	if got := countSOQL(t, s, fmt.Sprintf("SELECT COUNT() FROM Account WHERE Name LIKE '%s%%'", tag)); got != n-1 {
		t.Errorf("the org holds %d of the batch's records, want %d", got, n-1)
	}

	before = s.simStats(t)
	d, err := c.BatchRecordsWithResponse(ctx, "Account", nil, e2eclient.BatchRequest{Operation: e2eclient.Delete, Records: ids})
	if err != nil || d.StatusCode() != http.StatusOK || d.JSON200 == nil || d.JSON200.SuccessCount != n-1 {
		t.Fatalf("batch delete: %v %d %.2000s", err, d.StatusCode(), d.Body)
	}
	after = s.simStats(t)
	if got := after["delete"] - before["delete"]; got != 3 {
		t.Errorf("a batch of %d deletes cost %d delete calls, want 3", n-1, got)
	}
	if got := countSOQL(t, s, fmt.Sprintf("SELECT COUNT() FROM Account WHERE Name LIKE '%s%%'", tag)); got != 0 {
		t.Errorf("%d of the batch's records remain after the batch delete", got)
	}

	// Upsert by external id: one new, one existing, in input order.
	ext := fmt.Sprintf("E2E-B-%08x", randomBytes(t, 4))
	up := func(want ...bool) []string {
		t.Helper()
		u, err := c.BatchRecordsWithResponse(ctx, "Account", nil, e2eclient.BatchRequest{
			Operation: e2eclient.Upsert, ExternalIdField: ptr("External_Id__c"),
			Records: []e2eclient.RecordInput{{"External_Id__c": ext + "a", "Name": tag + " ua"}, {"External_Id__c": ext + "b", "Name": tag + " ub"}},
		})
		if err != nil || u.StatusCode() != http.StatusOK || u.JSON200 == nil || len(u.JSON200.Results) != 2 {
			t.Fatalf("batch upsert: %v %d %s", err, u.StatusCode(), u.Body)
		}
		var got []string
		for i, r := range u.JSON200.Results {
			if !r.Success || r.Created == nil || *r.Created != want[i] || r.Id == nil {
				t.Errorf("batch upsert result %d: %+v, want created=%v", i, r, want[i])
				continue
			}
			got = append(got, *r.Id)
		}
		return got
	}
	first := up(true, true)
	second := up(false, false)
	if !slices.Equal(first, second) {
		t.Errorf("upserting the same external ids again touched other records: %v then %v", first, second)
	}
	var del []e2eclient.RecordInput
	for _, id := range second {
		del = append(del, e2eclient.RecordInput{"Id": id})
	}
	if d, err := c.BatchRecordsWithResponse(ctx, "Account", nil, e2eclient.BatchRequest{Operation: e2eclient.Delete, Records: del}); err != nil || d.StatusCode() != http.StatusOK {
		t.Fatalf("cleaning up: %v %s", err, d.Body)
	}
}

// cond builds a comparison node of a where tree with the generated types:
// the operator picks the comparison's branch of the oneOf, as a typed
// client's caller would.
func cond(t *testing.T, field, op string, value any) *e2eclient.Condition {
	t.Helper()
	var cmp e2eclient.Comparison
	var err error
	switch op {
	case "=", "!=":
		c := e2eclient.EqualityComparison{Field: field, Op: e2eclient.EqualityComparisonOp(op)}
		if value != nil {
			var v e2eclient.NullableScalar
			switch x := value.(type) {
			case string:
				err = v.FromNullableScalar0(x)
			case bool:
				err = v.FromNullableScalar2(x)
			default:
				t.Fatalf("cond: unsupported value %T", value)
			}
			c.Value = &v
		}
		if err == nil {
			err = cmp.FromEqualityComparison(c)
		}
	case "like":
		err = cmp.FromLikeComparison(e2eclient.LikeComparison{Field: field, Op: e2eclient.Like, Value: value.(string)})
	default:
		t.Fatalf("cond: unsupported operator %s", op)
	}
	if err != nil {
		t.Fatal(err)
	}
	return node(t, cmp)
}

// node wraps one branch of the where tree's oneOf as a Condition.
func node(t *testing.T, branch any) *e2eclient.Condition {
	t.Helper()
	var c e2eclient.Condition
	var err error
	switch b := branch.(type) {
	case e2eclient.AndCondition:
		err = c.FromAndCondition(b)
	case e2eclient.NotCondition:
		err = c.FromNotCondition(b)
	case e2eclient.Comparison:
		err = c.FromComparison(b)
	default:
		t.Fatalf("node: unsupported branch %T", branch)
	}
	if err != nil {
		t.Fatal(err)
	}
	return &c
}

// countSOQL runs a COUNT() query through the gateway.
func countSOQL(t *testing.T, s *stack, soql string) int {
	t.Helper()
	a := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": soql})
	if a.status != http.StatusOK {
		t.Fatalf("count %q: %s", soql, a)
	}
	var n int
	if _, err := fmt.Sscan(fmt.Sprint(a.json(t)["totalSize"]), &n); err != nil {
		t.Fatalf("count %q: %v: %s", soql, err, a)
	}
	return n
}

func ptr[T any](v T) *T { return &v }
