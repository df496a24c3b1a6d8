package service

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// childPagingClient answers a query of Accounts whose Contacts come in
// batches, as Salesforce pages a large child set: parent pages of one
// account each (locators P1, P2, …), the first child batch inside the
// parent row (size = the whole set, done=false, a locator), the rest on
// queryMore of the child locators (C<parent>-<batch>). Like Salesforce, a
// queryMore on the parent invalidates every child locator handed out
// before it. Each call is logged.
type childPagingClient struct {
	Client
	kids   []int // contacts of each account
	batch  int   // child rows per batch
	mu     sync.Mutex
	calls  []string
	dead   map[string]bool // child locators invalidated by a parent queryMore
	issued []string
}

func (c *childPagingClient) log(s string) {
	c.mu.Lock()
	c.calls = append(c.calls, s)
	c.mu.Unlock()
}

func contactRows(parent, from, n int) []partner.Record {
	out := make([]partner.Record, n)
	for i := range n {
		id := fmt.Sprintf("003%03d%09dAAA", parent, from+i)
		out[i] = partner.Record{Type: "Contact", ID: id, Fields: []partner.Field{
			{Name: "Id", Value: id}, {Name: "LastName", Value: fmt.Sprintf("Kid %d", from+i)},
		}}
	}
	return out
}

func (c *childPagingClient) parentPage(p int) *partner.QueryResult {
	id := fmt.Sprintf("001%012dAAA", p)
	n := c.kids[p]
	first := min(n, 2)
	kids := &partner.QueryResult{Size: n, Records: contactRows(p, 0, first), Done: first == n}
	if !kids.Done {
		kids.QueryLocator = fmt.Sprintf("C%d-%d", p, first)
		c.issued = append(c.issued, kids.QueryLocator)
	}
	res := &partner.QueryResult{Size: len(c.kids), Records: []partner.Record{{Type: "Account", ID: id, Fields: []partner.Field{
		{Name: "Id", Value: id}, {Name: "Name", Value: fmt.Sprintf("Parent %d", p)}, {Name: "Contacts", Children: kids},
	}}}}
	if p+1 < len(c.kids) {
		res.QueryLocator = fmt.Sprintf("P%d", p+1)
	} else {
		res.Done = true
	}
	return res
}

func (c *childPagingClient) Query(_ context.Context, soql string, _ ...partner.Option) (*partner.QueryResult, error) {
	c.log("query")
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.parentPage(0), nil
}

func (c *childPagingClient) QueryMore(_ context.Context, loc string, _ ...partner.Option) (*partner.QueryResult, error) {
	c.log("queryMore " + loc)
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.HasPrefix(loc, "P") {
		for _, l := range c.issued {
			c.dead[l] = true
		}
		var p int
		fmt.Sscanf(loc, "P%d", &p)
		return c.parentPage(p), nil
	}
	if c.dead[loc] {
		return nil, &partner.Error{Op: "queryMore", Kind: partner.KindFault, Code: partner.CodeInvalidQueryLocator, Message: "invalid query locator"}
	}
	var p, from int
	fmt.Sscanf(loc, "C%d-%d", &p, &from)
	n := min(c.batch, c.kids[p]-from)
	res := &partner.QueryResult{Size: c.kids[p], Records: contactRows(p, from, n), Done: from+n == c.kids[p]}
	if !res.Done {
		res.QueryLocator = fmt.Sprintf("C%d-%d", p, from+n)
		c.issued = append(c.issued, res.QueryLocator)
	}
	return res, nil
}

func childTestService(t *testing.T, c Client, maxRows int) *Service {
	t.Helper()
	acc := metadata.NewObject(&partner.DescribeSObjectResult{Name: "Account", KeyPrefix: "001", ObjectFlags: partner.ObjectFlags{Queryable: true},
		Fields:             []partner.DescribeField{fld("Id", "id"), fld("Name", "string")},
		ChildRelationships: []partner.ChildRelationship{{ChildSObject: "Contact", Field: "AccountId", RelationshipName: "Contacts"}}})
	con := metadata.NewObject(&partner.DescribeSObjectResult{Name: "Contact", KeyPrefix: "003", ObjectFlags: partner.ObjectFlags{Queryable: true},
		Fields: []partner.DescribeField{fld("Id", "id"), fld("LastName", "string"), fld("AccountId", "reference", refTo("Account", "Account"))}})
	s, err := New(Config{Client: c, Metadata: fixedMetadata{objs: fixedObjects{"account": acc, "contact": con}}, Connection: "test", MaxPageRows: maxRows})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// wantContacts checks that rec holds n contacts, numbered in order.
func wantContacts(t *testing.T, row sfgate.OrderedRecord, n int) {
	t.Helper()
	rec := row.Map()
	kids, ok := rec["Contacts"].([]any)
	if !ok || len(kids) != n {
		t.Fatalf("%v has %d contacts, want %d", rec["Name"], len(kids), n)
	}
	for i, k := range kids {
		if got, want := k.(Record)["LastName"], fmt.Sprintf("Kid %d", i); got != want {
			t.Fatalf("contact %d is %v, want %s", i, got, want)
		}
	}
}

// TestChildSetsDrainedBeforeParentMoves: a child set of 257 rows sent as 2
// with a locator comes back whole, through Query and its cursor as through
// Stream, and every child queryMore of a page runs before the parent's
// next queryMore (which, as at Salesforce, would invalidate them).
func TestChildSetsDrainedBeforeParentMoves(t *testing.T) {
	t.Parallel()
	wantCalls := []string{"query", "queryMore C0-2", "queryMore C0-202", "queryMore P1", "queryMore C1-2", "queryMore P2"}
	in := sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account"}}

	t.Run("stream", func(t *testing.T) {
		t.Parallel()
		c := &childPagingClient{kids: []int{257, 3, 1}, batch: 200, dead: map[string]bool{}}
		s := childTestService(t, c, 0)
		var got []sfgate.OrderedRecord
		err := s.Stream(t.Context(), in, func(page []sfgate.OrderedRecord) error {
			got = append(got, page...)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 {
			t.Fatalf("%d parents, want 3", len(got))
		}
		for i, n := range c.kids {
			wantContacts(t, got[i], n)
		}
		if fmt.Sprint(c.calls) != fmt.Sprint(wantCalls) {
			t.Errorf("calls %v\nwant  %v", c.calls, wantCalls)
		}
	})
	t.Run("pages and cursors", func(t *testing.T) {
		t.Parallel()
		c := &childPagingClient{kids: []int{257, 3, 1}, batch: 200, dead: map[string]bool{}}
		s := childTestService(t, c, 0)
		page, err := s.Query(t.Context(), in)
		for i := 0; ; i++ {
			if err != nil {
				t.Fatal(err)
			}
			if len(page.Records) != 1 {
				t.Fatalf("page %d has %d records", i, len(page.Records))
			}
			wantContacts(t, page.Records[0], c.kids[i])
			if page.Done {
				break
			}
			page, err = s.Query(t.Context(), sfgate.QueryInput{Cursor: page.NextCursor})
		}
		if fmt.Sprint(c.calls) != fmt.Sprint(wantCalls) {
			t.Errorf("calls %v\nwant  %v", c.calls, wantCalls)
		}
	})
}

// TestChildSetsOverTheBound: a page whose child sets would exceed
// MaxPageRows fails with a problem naming the bound (before spending the
// calls when the set's size says so), rather than coming back short.
func TestChildSetsOverTheBound(t *testing.T) {
	t.Parallel()
	in := sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT Id, Name, (SELECT Id, LastName FROM Contacts) FROM Account"}}
	c := &childPagingClient{kids: []int{257}, batch: 200, dead: map[string]bool{}}
	s := childTestService(t, c, 250)
	_, err := s.Query(t.Context(), in)
	e := wantError(t, err, sfgate.KindUnprocessable, CodePageTooLarge)
	if !strings.Contains(e.Detail, "250") || !strings.Contains(e.Detail, "Contacts") {
		t.Errorf("detail %q names neither the bound nor the set", e.Detail)
	}
	if fmt.Sprint(c.calls) != "[query]" {
		t.Errorf("calls %v: the set's size already said it cannot fit", c.calls)
	}
	err = s.Stream(t.Context(), in, func([]sfgate.OrderedRecord) error { t.Error("a page was emitted"); return nil })
	wantError(t, err, sfgate.KindUnprocessable, CodePageTooLarge)

	// Exactly at the bound it fits: 1 parent + 257 contacts.
	c = &childPagingClient{kids: []int{257}, batch: 200, dead: map[string]bool{}}
	page, err := childTestService(t, c, 258).Query(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	wantContacts(t, page.Records[0], 257)
}

// brokenChildClient sends a child set that is not done and has no locator.
type brokenChildClient struct{ Client }

func (brokenChildClient) Query(context.Context, string, ...partner.Option) (*partner.QueryResult, error) {
	kids := &partner.QueryResult{Size: 5, Records: contactRows(0, 0, 2)}
	return &partner.QueryResult{Done: true, Size: 1, Records: []partner.Record{{Type: "Account", ID: "001000000000000AAA",
		Fields: []partner.Field{{Name: "Contacts", Children: kids}}}}}, nil
}

// TestChildSetWithoutLocator: a child set that says it is not done but
// gives no way to read the rest is an upstream error, never a short list.
func TestChildSetWithoutLocator(t *testing.T) {
	t.Parallel()
	s := childTestService(t, brokenChildClient{}, 0)
	_, err := s.Query(t.Context(), sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{SOQL: "SELECT (SELECT Id FROM Contacts) FROM Account"}})
	wantError(t, err, sfgate.KindUpstream, sfgate.CodeUpstream)
}
