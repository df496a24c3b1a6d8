package conformance_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// recorder sits between the gateway's client and sfsim and keeps every
// request envelope the client sends, decompressed.
type recorder struct {
	next http.Handler
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	path string
	body []byte
}

func (rec *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/services/Soap/") {
		raw, err := io.ReadAll(io.LimitReader(r.Body, 64<<20))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body := raw
		if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
			zr, err := gzip.NewReader(bytes.NewReader(raw))
			if err == nil {
				body, err = io.ReadAll(io.LimitReader(zr, 64<<20))
			}
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		rec.mu.Lock()
		rec.reqs = append(rec.reqs, recorded{r.URL.Path, body})
		rec.mu.Unlock()
		r.Body = io.NopCloser(bytes.NewReader(raw))
	}
	rec.next.ServeHTTP(w, r)
}

// loginSource is the smallest SessionSource: one SOAP login.
type loginSource struct {
	client       *salesforce.Client
	url, version string
	once         sync.Once
	sess         salesforce.Session
	err          error
}

func (l *loginSource) Session(ctx context.Context) (salesforce.Session, error) {
	l.once.Do(func() {
		lr, err := l.client.Login(ctx, l.url, l.version, sfsim.DemoUsername, salesforce.Secret(sfsim.DemoPassword+sfsim.DemoSecurityToken))
		if err != nil {
			l.err = err
			return
		}
		l.sess = salesforce.Session{ID: lr.SessionID, InstanceURL: lr.InstanceURL(), UserID: lr.UserID, Obtained: time.Now()}
	})
	return l.sess, l.err
}

func (l *loginSource) Invalidate(context.Context, salesforce.Session) error { return nil }

// TestGatewayClientRequests drives the gateway's own Salesforce client
// (internal/salesforce) against sfsim through every operation it has, with
// each header option, and validates every request envelope it sent against
// the WSDL's schemas: a client written from the WSDL must send what the
// WSDL describes. sfsim's answers are not re-checked here (the other tests
// do that); that each call succeeded shows sfsim understood the client.
func TestGatewayClientRequests(t *testing.T) {
	t.Parallel()
	srv, err := sfsim.New(sfsim.Config{SeedAccounts: 250})
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{next: srv.Handler()}
	hs := httptest.NewServer(rec)
	t.Cleanup(hs.Close)

	src := &loginSource{url: hs.URL, version: APIVersion}
	client, err := salesforce.New(salesforce.Config{Sessions: src, APIVersion: APIVersion, ClientName: "sfgate-conformance"})
	if err != nil {
		t.Fatal(err)
	}
	src.client = client
	ctx := t.Context()
	callReads(t, client)
	callWrites(t, client)

	rec.mu.Lock()
	reqs := rec.reqs
	rec.mu.Unlock()
	docs := make([][]byte, len(reqs))
	for i, r := range reqs {
		docs[i] = r.body
	}
	results, err := xsdcheck.ValidateAll(ctx, docs)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]bool{}
	for i, err := range results {
		op := bodyEntry(docs[i])
		ops[op] = true
		if err != nil {
			t.Errorf("the client's %s request is not valid against the WSDL:\n%v\n--- envelope ---\n%s", op, err, xsdcheck.Excerpt(docs[i]))
		}
	}
	for _, op := range []string{"login", "getUserInfo", "getServerTimestamp", "describeGlobal", "describeSObject", "describeSObjects",
		"query", "queryMore", "queryAll", "create", "retrieve", "update", "upsert", "search", "merge", "delete", "undelete", "convertLead"} {
		if !ops[op] {
			t.Errorf("no %s request recorded", op)
		}
	}
}

// mustCall stops the test when the client call named what failed.
func mustCall(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// callReads makes every read call of the client: user info, server time,
// describes and queries (two pages over the 250 seeded accounts).
func callReads(t *testing.T, client *salesforce.Client) {
	t.Helper()
	ctx := t.Context()
	_, err := client.GetUserInfo(ctx)
	mustCall(t, "GetUserInfo", err)
	_, err = client.GetServerTimestamp(ctx)
	mustCall(t, "GetServerTimestamp", err)
	_, err = client.DescribeGlobal(ctx)
	mustCall(t, "DescribeGlobal", err)
	_, err = client.DescribeSObject(ctx, "Account")
	mustCall(t, "DescribeSObject", err)
	_, err = client.DescribeSObjects(ctx, []string{"Contact", "Lead"})
	mustCall(t, "DescribeSObjects", err)

	q, err := client.Query(ctx, "SELECT Id, Name, (SELECT Id FROM Contacts) FROM Account", partner.BatchSize(200))
	mustCall(t, "Query", err)
	if q.Done || q.QueryLocator == "" {
		t.Fatalf("Query over 250 accounts with batch 200: done %t", q.Done)
	}
	_, err = client.QueryMore(ctx, q.QueryLocator, partner.BatchSize(200))
	mustCall(t, "QueryMore", err)
	_, err = client.QueryAll(ctx, "SELECT Id FROM Account WHERE IsDeleted = true")
	mustCall(t, "QueryAll", err)
}

// callWrites makes every write call of the client on records it creates,
// and converts a lead.
func callWrites(t *testing.T, client *salesforce.Client) {
	t.Helper()
	ctx := t.Context()
	name := uniq("Client")
	created, err := client.Create(ctx, []partner.Record{
		{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: name}, {Name: "NumberOfEmployees", Value: "5"}}},
		{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: name + " 2"}}},
	}, partner.AllOrNone(true), partner.AllowFieldTruncation(true),
		partner.WithDuplicateRule(partner.DuplicateRule{AllowSave: true}))
	mustCall(t, "Create", err)
	if len(created) != 2 || !created[0].Success || !created[1].Success {
		t.Fatalf("Create: %+v", created)
	}
	ids := []string{created[0].ID, created[1].ID}

	_, err = client.Retrieve(ctx, []string{"Id", "Name"}, "Account", ids)
	mustCall(t, "Retrieve", err)
	_, err = client.Update(ctx, []partner.Record{{Type: "Account", ID: ids[0], Fields: []partner.Field{
		{Name: "Name", Value: name + " updated"}, {Name: "NumberOfEmployees", Nil: true},
	}}})
	mustCall(t, "Update", err)
	_, err = client.Upsert(ctx, "External_Id__c", []partner.Record{{Type: "Account", Fields: []partner.Field{
		{Name: "External_Id__c", Value: uniq("ext")}, {Name: "Name", Value: name + " upserted"},
	}}})
	mustCall(t, "Upsert", err)
	_, err = client.Search(ctx, "FIND {"+name+"} IN NAME FIELDS RETURNING Account(Id, Name)")
	mustCall(t, "Search", err)
	_, err = client.Merge(ctx, []partner.MergeRequest{{MasterRecord: partner.Record{Type: "Account", ID: ids[0]}, RecordToMergeIDs: []string{ids[1]}}})
	mustCall(t, "Merge", err)
	_, err = client.Delete(ctx, ids[:1])
	mustCall(t, "Delete", err)
	_, err = client.Undelete(ctx, ids[:1])
	mustCall(t, "Undelete", err)

	leads, err := client.Create(ctx, []partner.Record{{Type: "Lead", Fields: []partner.Field{{Name: "LastName", Value: "Client"}, {Name: "Company", Value: name}}}},
		partner.DefaultAssignmentRule(true))
	mustCall(t, "Create Lead", err)
	status, err := client.Query(ctx, "SELECT MasterLabel FROM LeadStatus WHERE IsConverted = true")
	mustCall(t, "Query LeadStatus", err)
	if len(status.Records) == 0 || len(leads) != 1 {
		t.Fatalf("no converted lead status or no lead")
	}
	label, _ := status.Records[0].Get("MasterLabel")
	_, err = client.ConvertLead(ctx, []partner.LeadConvert{{LeadID: leads[0].ID, ConvertedStatus: label.Value, OpportunityName: "Client deal"}})
	mustCall(t, "ConvertLead", err)
}

// bodyEntry names the operation element of a request envelope.
func bodyEntry(doc []byte) string {
	e, err := parseElem(doc)
	if err != nil {
		return "(not XML)"
	}
	if b := e.path("Body"); b != nil && len(b.Kids) > 0 {
		return b.Kids[0].XMLName.Local
	}
	return "(no body entry)"
}
