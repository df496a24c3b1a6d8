package salesforce_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/sfsim"
)

// Integration tests: the client against the emulator over real HTTP.

// loginSource is a minimal SessionSource for these tests: it logs in with
// the client's own Login and drops the session it is told was rejected.
type loginSource struct {
	c        *salesforce.Client
	url      string
	mu       sync.Mutex
	cur      *salesforce.Session
	logins   int
	rejected int
}

func (s *loginSource) Session(ctx context.Context) (salesforce.Session, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil {
		return *s.cur, nil
	}
	res, err := s.c.Login(ctx, s.url, "58.0", sfsim.DemoUsername, salesforce.Secret(sfsim.DemoPassword+sfsim.DemoSecurityToken))
	if err != nil {
		return salesforce.Session{}, err
	}
	s.logins++
	s.cur = &salesforce.Session{ID: res.SessionID, InstanceURL: res.InstanceURL(), UserID: res.UserID}
	return *s.cur, nil
}

func (s *loginSource) Invalidate(ctx context.Context, sess salesforce.Session) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected++
	if s.cur != nil && s.cur.ID == sess.ID {
		s.cur = nil
	}
	return nil
}

type simEnv struct {
	url string
	c   *salesforce.Client
	src *loginSource
}

func startSim(t *testing.T, cfg sfsim.Config) *simEnv {
	t.Helper()
	srv, err := sfsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	src := &loginSource{url: hs.URL}
	c, err := salesforce.New(salesforce.Config{Sessions: src, APIVersion: "58.0", GzipRequestsAbove: 8 << 10})
	if err != nil {
		t.Fatal(err)
	}
	src.c = c
	return &simEnv{url: hs.URL, c: c, src: src}
}

func (e *simEnv) control(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequestWithContext(t.Context(), method, e.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

func (e *simEnv) calls(t *testing.T, op string) int {
	t.Helper()
	st := e.control(t, "GET", "/_sim/stats", nil)
	calls, _ := st["calls"].(map[string]any)
	n, _ := calls[op].(float64)
	return int(n)
}

func get(t *testing.T, r *partner.Record, name string) partner.Field {
	t.Helper()
	f, ok := r.Get(name)
	if !ok {
		t.Fatalf("%s record has no field %s (fields %v)", r.Type, name, r.Fields)
	}
	return f
}

func TestSimLoginAndInfo(t *testing.T) {
	t.Parallel()
	e := startSim(t, sfsim.Config{})
	ctx := t.Context()
	res, err := e.c.Login(ctx, e.url, "58.0", sfsim.DemoUsername, salesforce.Secret(sfsim.DemoPassword+sfsim.DemoSecurityToken))
	if err != nil {
		t.Fatal(err)
	}
	if res.InstanceURL() != e.url || !strings.Contains(res.ServerURL, "/services/Soap/u/58.0") || res.UserInfo == nil || len(res.UserID) != 18 {
		t.Errorf("login result %+v", res)
	}
	_, err = e.c.Login(ctx, e.url, "58.0", sfsim.DemoUsername, salesforce.Secret("wrong"))
	if !partner.IsCode(err, partner.CodeInvalidLogin) {
		t.Errorf("bad password: %v", err)
	}
	if strings.Contains(fmt.Sprint(err), "wrong") {
		t.Errorf("error echoes the password: %v", err)
	}
	ui, err := e.c.GetUserInfo(ctx)
	if err != nil || ui.UserName != sfsim.DemoUsername {
		t.Errorf("getUserInfo = %+v, %v", ui, err)
	}
	ts, err := e.c.GetServerTimestamp(ctx)
	if err != nil || ts.IsZero() {
		t.Errorf("getServerTimestamp = %v, %v", ts, err)
	}
	if l := e.c.Limits(); l.Limit == 0 || l.Current == 0 {
		t.Errorf("limits not recorded: %+v", l)
	}
}

func TestSimDescribe(t *testing.T) {
	t.Parallel()
	e := startSim(t, sfsim.Config{})
	ctx := t.Context()
	g, err := e.c.DescribeGlobal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]partner.DescribeGlobalSObjectResult{}
	for _, o := range g.SObjects {
		names[o.Name] = o
	}
	if a, ok := names["Account"]; !ok || a.KeyPrefix != "001" || !a.Queryable || !a.Createable {
		t.Errorf("describeGlobal Account = %+v", a)
	}
	if inv, ok := names["Invoice__c"]; !ok || !inv.Custom {
		t.Errorf("describeGlobal Invoice__c = %+v", inv)
	}
	d, err := e.c.DescribeSObject(ctx, "Account")
	if err != nil {
		t.Fatal(err)
	}
	name, ok := d.Field("Name")
	if !ok || name.Type != "string" || name.SoapType != "xsd:string" || name.Length == 0 || !name.NameField || !name.Createable {
		t.Errorf("Account.Name = %+v", name)
	}
	ext, ok := d.Field("External_Id__c")
	if !ok || !ext.ExternalID || !ext.Custom || !ext.IDLookup {
		t.Errorf("Account.External_Id__c = %+v", ext)
	}
	owner, ok := d.Field("OwnerId")
	if !ok || owner.Type != "reference" || owner.RelationshipName != "Owner" || len(owner.ReferenceTo) == 0 {
		t.Errorf("Account.OwnerId = %+v", owner)
	}
	tier, ok := d.Field("Tier__c")
	if !ok || tier.Type != "picklist" || len(tier.PicklistValues) == 0 {
		t.Errorf("Account.Tier__c = %+v", tier)
	}
	if len(d.ChildRelationships) == 0 {
		t.Error("no child relationships")
	}
	many, err := e.c.DescribeSObjects(ctx, []string{"Contact", "Account"})
	if err != nil || len(many) != 2 || many[0].Name != "Contact" || many[1].Name != "Account" {
		t.Errorf("describeSObjects: %v", err)
	}
	_, err = e.c.DescribeSObject(ctx, "NoSuchThing__c")
	if !partner.IsCode(err, partner.CodeInvalidType) {
		t.Errorf("unknown type: %v", err)
	}
}

func TestSimQueryPaging(t *testing.T) {
	t.Parallel()
	e := startSim(t, sfsim.Config{SeedAccounts: 450})
	ctx := t.Context()
	pages, total, size := 0, 0, 0
	seen := map[string]bool{}
	p, err := e.c.Query(ctx, "SELECT Id, Name, Owner.Name, (SELECT LastName FROM Contacts) FROM Account", partner.BatchSize(200))
	for ; err == nil; p, err = e.c.QueryMore(ctx, p.QueryLocator, partner.BatchSize(200)) {
		pages++
		size = p.Size
		for i := range p.Records {
			r := &p.Records[i]
			if r.ID == "" || seen[r.ID] {
				t.Fatalf("record %d of page %d: id %q repeated or empty", i, pages, r.ID)
			}
			seen[r.ID] = true
			if get(t, r, "Id").Value != r.ID {
				t.Errorf("selected Id differs from the sObject Id")
			}
			if get(t, r, "Owner.Name").Value == "" {
				t.Errorf("parent Owner.Name empty")
			}
			if c := get(t, r, "Contacts"); !c.Nil && c.Children == nil {
				t.Errorf("Contacts neither nil nor a QueryResult")
			}
		}
		total += len(p.Records)
		if p.Done {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	if total != 450 || size != 450 {
		t.Errorf("%d records, size %d; want 450", total, size)
	}
	if pages < 3 || e.calls(t, "queryMore") < 2 {
		t.Errorf("%d pages, %d queryMore calls: the batch size was not honoured", pages, e.calls(t, "queryMore"))
	}

	all, err := e.c.QueryAll(ctx, "SELECT Id FROM Account")
	if err != nil || all.Size != 450 {
		t.Fatalf("queryAll: size %v, %v", all, err)
	}

	_, err = e.c.Query(ctx, "SELECT adfId, Name FROM Contact")
	var se *partner.Error
	if !partner.IsCode(err, partner.CodeInvalidField) || !errorsAs(err, &se) || se.Row != 1 || se.Column == 0 || se.HTTPStatus != 500 {
		t.Errorf("invalid field fault: %+v", se)
	}
	_, err = e.c.QueryMore(ctx, "0r8xx00000BogusAAA")
	if !partner.IsCode(err, partner.CodeInvalidQueryLocator) {
		t.Errorf("bad locator: %v", err)
	}
}

func TestSimCRUD(t *testing.T) {
	t.Parallel()
	e := startSim(t, sfsim.Config{})
	ctx := t.Context()
	recs := []partner.Record{
		{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "Acme <&> \"Rockets\""}, {Name: "Phone", Value: "555-0100"}}},
		{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "Zeta"}, {Name: "External_Id__c", Value: "IT-ZETA"}}},
		{Type: "Account"}, // no Name: a per-record failure
	}
	res, err := e.c.Create(ctx, recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 || !res[0].Success || !res[1].Success || res[2].Success || len(res[2].Errors) == 0 {
		t.Fatalf("create results %+v", res)
	}
	if res[2].Errors[0].StatusCode != "REQUIRED_FIELD_MISSING" {
		t.Errorf("missing Name: %+v", res[2].Errors[0])
	}
	id0, id1 := res[0].ID, res[1].ID

	got, err := e.c.Retrieve(ctx, []string{"Id", "Name", "Phone"}, "Account", []string{id0[:15], id1, "001000000000000AAA"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] == nil || got[0].ID != id0 || get(t, got[0], "Name").Value != "Acme <&> \"Rockets\"" || got[2] != nil {
		t.Fatalf("retrieve = %+v", got)
	}

	upd, err := e.c.Update(ctx, []partner.Record{{Type: "Account", ID: id0[:15], Fields: []partner.Field{
		{Name: "Description", Value: "line one\r\nline two"}, {Name: "Phone", Nil: true}}}})
	if err != nil || !upd[0].Success {
		t.Fatalf("update: %+v, %v", upd, err)
	}
	got, err = e.c.Retrieve(ctx, []string{"Description", "Phone"}, "Account", []string{id0})
	if err != nil {
		t.Fatal(err)
	}
	if !get(t, got[0], "Phone").Nil || get(t, got[0], "Description").Value != "line one\r\nline two" {
		t.Errorf("after update: %+v", got[0].Fields)
	}

	ups, err := e.c.Upsert(ctx, "External_Id__c", []partner.Record{
		{Type: "Account", Fields: []partner.Field{{Name: "External_Id__c", Value: "IT-ZETA"}, {Name: "Name", Value: "Zeta 2"}}},
		{Type: "Account", Fields: []partner.Field{{Name: "External_Id__c", Value: "IT-NEW"}, {Name: "Name", Value: "New"}}},
	})
	if err != nil || len(ups) != 2 || ups[0].Created || ups[0].ID != id1 || !ups[1].Created || !ups[1].Success {
		t.Fatalf("upsert: %+v, %v", ups, err)
	}

	// A contact whose Account is set by external id, then read back with
	// its parent.
	cres, err := e.c.Create(ctx, []partner.Record{{Type: "Contact", Fields: []partner.Field{
		{Name: "LastName", Value: "Doe"},
		{Name: "Account", Parent: &partner.Record{Type: "Account", Fields: []partner.Field{{Name: "External_Id__c", Value: "IT-ZETA"}}}},
	}}})
	if err != nil || !cres[0].Success {
		t.Fatalf("create contact: %+v, %v", cres, err)
	}
	q, err := e.c.Query(ctx, "SELECT Id, LastName, Account.Name FROM Contact WHERE Id = '"+cres[0].ID+"'")
	if err != nil || len(q.Records) != 1 || get(t, &q.Records[0], "Account.Name").Value != "Zeta 2" {
		t.Fatalf("contact with parent: %+v, %v", q, err)
	}

	del, err := e.c.Delete(ctx, []string{id0, "001000000000000AAA"})
	if err != nil || !del[0].Success || del[1].Success {
		t.Fatalf("delete: %+v, %v", del, err)
	}
	q, err = e.c.QueryAll(ctx, "SELECT Id, IsDeleted FROM Account WHERE Id = '"+id0+"'")
	if err != nil || len(q.Records) != 1 || get(t, &q.Records[0], "IsDeleted").Value != "true" {
		t.Fatalf("queryAll deleted: %+v, %v", q, err)
	}
	und, err := e.c.Undelete(ctx, []string{id0})
	if err != nil || !und[0].Success {
		t.Fatalf("undelete: %+v, %v", und, err)
	}

	m, err := e.c.Merge(ctx, []partner.MergeRequest{{MasterRecord: partner.Record{Type: "Account", ID: id0}, RecordToMergeIDs: []string{ups[1].ID}}})
	if err != nil || !m[0].Success || len(m[0].MergedRecordIDs) != 1 {
		t.Fatalf("merge: %+v, %v", m, err)
	}

	_, err = e.c.Search(ctx, "FIND {Zeta} IN NAME FIELDS RETURNING Account(Id, Name)")
	if err != nil {
		t.Errorf("search: %v", err)
	}

	lq, err := e.c.Query(ctx, "SELECT Id FROM Lead WHERE IsConverted = false LIMIT 1")
	if err != nil || len(lq.Records) != 1 {
		t.Fatalf("lead: %+v, %v", lq, err)
	}
	st, err := e.c.Query(ctx, "SELECT MasterLabel FROM LeadStatus WHERE IsConverted = true LIMIT 1")
	if err != nil || len(st.Records) != 1 {
		t.Fatalf("lead status: %+v, %v", st, err)
	}
	conv, err := e.c.ConvertLead(ctx, []partner.LeadConvert{{LeadID: lq.Records[0].ID, ConvertedStatus: get(t, &st.Records[0], "MasterLabel").Value, DoNotCreateOpportunity: true}})
	if err != nil || !conv[0].Success || conv[0].AccountID == "" || conv[0].ContactID == "" {
		t.Fatalf("convertLead: %+v, %v", conv, err)
	}
}

func TestSimSessionRefresh(t *testing.T) {
	t.Parallel()
	e := startSim(t, sfsim.Config{})
	ctx := t.Context()
	if _, err := e.c.Query(ctx, "SELECT Id FROM Account LIMIT 1"); err != nil {
		t.Fatal(err)
	}
	e.control(t, "POST", "/_sim/sessions/expire", nil)
	if _, err := e.c.Query(ctx, "SELECT Id FROM Account LIMIT 1"); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if e.src.logins != 2 || e.src.rejected != 1 || e.calls(t, "login") != 2 {
		t.Errorf("logins %d (sim %d), rejected %d; want 2, 1", e.src.logins, e.calls(t, "login"), e.src.rejected)
	}
}

func TestSimFaultInjection(t *testing.T) {
	t.Parallel()
	e := startSim(t, sfsim.Config{})
	ctx := t.Context()
	if _, err := e.c.GetUserInfo(ctx); err != nil { // log in first
		t.Fatal(err)
	}
	e.control(t, "POST", "/_sim/faults", map[string]any{"operation": "query", "fault": "UNABLE_TO_LOCK_ROW", "count": 2})
	if _, err := e.c.Query(ctx, "SELECT Id FROM Account LIMIT 1"); err != nil {
		t.Errorf("query after 2 lock faults: %v", err)
	}
	e.control(t, "POST", "/_sim/faults", map[string]any{"operation": "create", "fault": "SERVER_UNAVAILABLE", "count": 1})
	before := e.calls(t, "create")
	_, err := e.c.Create(ctx, []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "x"}}}})
	if !partner.IsCode(err, partner.CodeServerUnavailable) {
		t.Errorf("create: %v", err)
	}
	if n := e.calls(t, "create") - before; n != 1 {
		t.Errorf("create sent %d times, want 1 (never retried blindly)", n)
	}
	e.control(t, "POST", "/_sim/faults", map[string]any{"operation": "describeGlobal", "fault": "http500", "count": 1})
	if _, err := e.c.DescribeGlobal(ctx); err != nil {
		t.Errorf("describeGlobal after an HTML 500 page: %v", err)
	}
	e.control(t, "POST", "/_sim/faults", map[string]any{"operation": "getServerTimestamp", "fault": "timeout", "count": 1})
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	start := time.Now()
	_, err = e.c.GetServerTimestamp(tctx)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 10*time.Second {
		t.Errorf("stalled call: %v after %v, want the context's deadline", err, time.Since(start))
	}
	e.control(t, "POST", "/_sim/faults", map[string]any{"operation": "query", "fault": "REQUEST_LIMIT_EXCEEDED", "count": 1})
	before = e.calls(t, "query")
	_, err = e.c.Query(ctx, "SELECT Id FROM Account LIMIT 1")
	if !partner.IsCode(err, partner.CodeRequestLimitExceeded) {
		t.Errorf("query: %v", err)
	}
	if n := e.calls(t, "query") - before; n != 1 {
		t.Errorf("daily-limit fault retried: %d calls", n)
	}
}

func errorsAs(err error, target **partner.Error) bool { return errors.As(err, target) }
