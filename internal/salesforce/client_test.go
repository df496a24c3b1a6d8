package salesforce

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

var (
	sObjectRE = regexp.MustCompile(`<sObjects>.*?</sObjects>`)
	nameRE    = regexp.MustCompile(`<sf:Name>([^<]*)</sf:Name>`)
	idsRE     = regexp.MustCompile(`<ids>([^<]*)</ids>`)
)

// TestChunkingKeepsOrder checks that large writes and reads are split at
// the API's limits and that results come back in input order.
func TestChunkingKeepsOrder(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, chunkingAnswer)
	c, _ := newTestClient(t, f, nil)
	checkCreateKeepsOrder(t, c)
	checkRetrieveKeepsOrder(t, c)
	checkDeleteKeepsOrder(t, c)
	checkDescribeKeepsOrder(t, c)

	// Calls made: create 200+200+50, retrieve 2000+2000+500, delete
	// 200+1, describeSObjects 100+100+50.
	want := map[string][]int{"create": {200, 200, 50}, "retrieve": {2000, 2000, 500}, "delete": {200, 1}, "describeSObjects": {100, 100, 50}}
	got2 := map[string][]int{}
	for _, r := range f.requests() {
		body := string(r.body)
		unit := map[string]string{"create": "<sObjects>", "retrieve": "<ids>", "delete": "<ids>", "describeSObjects": "<sObjectType>"}[r.op]
		n := strings.Count(body, unit)
		got2[r.op] = append(got2[r.op], n)
	}
	for op, sizes := range want {
		if fmt.Sprint(got2[op]) != fmt.Sprint(sizes) {
			t.Errorf("%s calls carried %v items, want %v", op, got2[op], sizes)
		}
	}
}

// chunkingAnswer is the fake of TestChunkingKeepsOrder: it answers every
// record with an id derived from its Name, and retrieve with nil for ids
// ending in "AAA" (even positions).
func chunkingAnswer(r fakeReq, _ int) (int, string) {
	body := string(r.body)
	var b strings.Builder
	switch r.op {
	case "create":
		for _, so := range sObjectRE.FindAllString(body, -1) {
			n := nameRE.FindStringSubmatch(so)[1]
			fmt.Fprintf(&b, `<result><id>ID-%s</id><success>true</success></result>`, n)
		}
	case "delete":
		for _, m := range idsRE.FindAllStringSubmatch(body, -1) {
			fmt.Fprintf(&b, `<result><id>%s</id><success>true</success></result>`, m[1])
		}
	case "retrieve":
		for _, m := range idsRE.FindAllStringSubmatch(body, -1) {
			if strings.HasSuffix(m[1], "AAA") {
				b.WriteString(`<result xsi:nil="true"/>`)
			} else {
				fmt.Fprintf(&b, `<result xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>%s</sf:Id></result>`, m[1])
			}
		}
	default:
		return minimalAnswer(r, 0)
	}
	return 200, answer(r.op, b.String())
}

func checkCreateKeepsOrder(t *testing.T, c *Client) {
	t.Helper()
	recs := make([]partner.Record, 450)
	for i := range recs {
		recs[i] = partner.Record{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: fmt.Sprint(i)}}}
	}
	res, err := c.Create(t.Context(), recs)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(recs) {
		t.Fatalf("%d results for %d records", len(res), len(recs))
	}
	for i, r := range res {
		if r.ID != fmt.Sprint("ID-", i) {
			t.Fatalf("result %d has id %s: order lost", i, r.ID)
		}
	}
}

func checkRetrieveKeepsOrder(t *testing.T, c *Client) {
	t.Helper()
	ids := make([]string, 4500)
	for i := range ids {
		// Two id shapes: 15-character ids normalise to ...AAA (nil answer),
		// the others keep their own suffix.
		if i%2 == 0 {
			ids[i] = fmt.Sprintf("001x0%010d", i)
		} else {
			ids[i], _ = partner.NormalizeID(fmt.Sprintf("001D0%09dX", i))
		}
	}
	got, err := c.Retrieve(t.Context(), []string{"Id"}, "Account", ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(ids) {
		t.Fatalf("%d retrieve results for %d ids", len(got), len(ids))
	}
	for i, r := range got {
		if i%2 == 0 {
			if r != nil {
				t.Fatalf("result %d: want nil for a missing record, got %+v", i, r)
			}
			continue
		}
		if r == nil || r.ID != ids[i] {
			t.Fatalf("result %d = %+v, want id %s", i, r, ids[i])
		}
	}
}

func checkDeleteKeepsOrder(t *testing.T, c *Client) {
	t.Helper()
	del := make([]string, 201)
	for i := range del {
		del[i] = fmt.Sprintf("001D0%010d", i)
	}
	dres, err := c.Delete(t.Context(), del)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range dres {
		if want, _ := partner.NormalizeID(del[i]); r.ID != want {
			t.Fatalf("delete result %d = %s, want %s", i, r.ID, want)
		}
	}
}

func checkDescribeKeepsOrder(t *testing.T, c *Client) {
	t.Helper()
	types := make([]string, 250)
	for i := range types {
		types[i] = fmt.Sprintf("Obj%d__c", i)
	}
	descs, err := c.DescribeSObjects(t.Context(), types)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range descs {
		if !strings.EqualFold(d.Name, types[i]) {
			t.Fatalf("describe result %d is %s, want %s", i, d.Name, types[i])
		}
	}
}

// TestChunkFailureReturnsDonePrefix checks that a fault in the second chunk
// returns the first chunk's results with the error.
func TestChunkFailureReturnsDonePrefix(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		if n == 2 {
			return 500, faultAnswer("INVALID_TYPE", "InvalidSObjectFault", "sObject type 'Nope' is not supported.")
		}
		return minimalAnswer(r, n)
	})
	c, _ := newTestClient(t, f, nil)
	recs := make([]partner.Record, 250)
	for i := range recs {
		recs[i] = partner.Record{Type: "Account"}
	}
	res, err := c.Create(t.Context(), recs)
	if !partner.IsCode(err, "INVALID_TYPE") {
		t.Fatalf("err = %v", err)
	}
	if len(res) != 200 {
		t.Errorf("%d results, want the 200 of the first call", len(res))
	}
}

// TestSessionRefresh checks INVALID_SESSION_ID: the rejected session is
// invalidated, a fresh one obtained and the call replayed; a replica that
// adopts a peer's session which is stale too replays a second time, and
// no call loops.
func TestSessionRefresh(t *testing.T) {
	t.Parallel()
	t.Run("refresh once and succeed", func(t *testing.T) {
		t.Parallel()
		f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
			if strings.HasSuffix(r.session, "-0") {
				return 500, faultAnswer(partner.CodeInvalidSessionID, "UnexpectedErrorFault", "Invalid Session ID found in SessionHeader: Illegal Session")
			}
			return minimalAnswer(r, n)
		})
		c, ss := newTestClient(t, f, nil)
		// A create: refreshing is safe even for non-idempotent calls, since
		// Salesforce rejected the call before running it.
		if _, err := c.Create(t.Context(), []partner.Record{{Type: "Account"}}); err != nil {
			t.Fatal(err)
		}
		reqs := f.requests()
		if len(reqs) != 2 || !strings.HasSuffix(reqs[1].session, "-1") {
			t.Fatalf("requests: %d, sessions %v", len(reqs), []string{reqs[0].session})
		}
		if len(ss.invalidated) != 1 || !strings.HasSuffix(ss.invalidated[0], "-0") {
			t.Errorf("invalidated %v, want exactly the rejected session", ss.invalidated)
		}
	})
	t.Run("second rejection is returned", func(t *testing.T) {
		t.Parallel()
		f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
			return 500, faultAnswer(partner.CodeInvalidSessionID, "UnexpectedErrorFault", "This session is not valid for use with the API")
		})
		c, ss := newTestClient(t, f, nil)
		_, err := c.Query(t.Context(), "SELECT Id FROM Account")
		if !partner.IsCode(err, partner.CodeInvalidSessionID) {
			t.Fatalf("err = %v", err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (two replays, no loop)", n)
		}
		if len(ss.invalidated) != 2 {
			t.Errorf("invalidated %d sessions, want 2", len(ss.invalidated))
		}
	})
	t.Run("adopted stale session then a fresh login", func(t *testing.T) {
		t.Parallel()
		// -0 is this replica's old session, -1 the peer's session it
		// adopts, also expired; -2 is the one a new login brings.
		f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
			if strings.HasSuffix(r.session, "-0") || strings.HasSuffix(r.session, "-1") {
				return 500, faultAnswer(partner.CodeInvalidSessionID, "UnexpectedErrorFault", "Invalid Session ID found in SessionHeader: Illegal Session")
			}
			return minimalAnswer(r, n)
		})
		c, ss := newTestClient(t, f, nil)
		if _, err := c.Query(t.Context(), "SELECT Id FROM Account"); err != nil {
			t.Fatalf("err = %v, want success on the third session", err)
		}
		if n := len(f.requests()); n != 3 || len(ss.invalidated) != 2 {
			t.Errorf("%d requests, %d invalidated; want 3 and 2", n, len(ss.invalidated))
		}
	})
	t.Run("the same session handed back is not replayed", func(t *testing.T) {
		t.Parallel()
		f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
			return 500, faultAnswer(partner.CodeInvalidSessionID, "UnexpectedErrorFault", "Invalid Session ID found in SessionHeader: Illegal Session")
		})
		c, err := New(Config{Sessions: stuckSessions{&sessions{instance: f.srv.URL}}, Retry: fastRetry})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Query(t.Context(), "SELECT Id FROM Account"); !partner.IsCode(err, partner.CodeInvalidSessionID) {
			t.Fatalf("err = %v", err)
		}
		if n := len(f.requests()); n != 2 {
			t.Errorf("%d requests, want 2: a replay with the session just rejected cannot help", n)
		}
	})
}

// stuckSessions never changes its session, whatever is invalidated.
type stuckSessions struct{ *sessions }

func (s stuckSessions) Invalidate(ctx context.Context, sess Session) error { return nil }

// TestRetries checks the client applies the policy to real calls.
func TestRetries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		fail      func(n int) (int, string, bool) // answer for request n, or ok=false to succeed
		call      func(c *Client, ctx context.Context) error
		wantCalls int
		wantCode  string
	}{
		{
			name: "lock contention on a query is retried",
			fail: func(n int) (int, string, bool) {
				return 500, faultAnswer(partner.CodeUnableToLockRow, "UnexpectedErrorFault", "unable to obtain exclusive access to this record"), n <= 2
			},
			call: func(c *Client, ctx context.Context) error {
				_, err := c.Query(ctx, "SELECT Id FROM Account")
				return err
			},
			wantCalls: 3,
		},
		{
			name: "server unavailable on an update is retried",
			fail: func(n int) (int, string, bool) {
				return 500, faultAnswer(partner.CodeServerUnavailable, "UnexpectedErrorFault", "down"), n == 1
			},
			call: func(c *Client, ctx context.Context) error {
				_, err := c.Update(ctx, []partner.Record{{Type: "Account", ID: "001D000000HS2PP"}})
				return err
			},
			wantCalls: 2,
		},
		{
			name: "lock contention on a create is not retried",
			fail: func(n int) (int, string, bool) {
				return 500, faultAnswer(partner.CodeUnableToLockRow, "UnexpectedErrorFault", "locked"), true
			},
			call: func(c *Client, ctx context.Context) error {
				_, err := c.Create(ctx, []partner.Record{{Type: "Account"}})
				return err
			},
			wantCalls: 1,
			wantCode:  partner.CodeUnableToLockRow,
		},
		{
			name: "daily limit is never retried",
			fail: func(n int) (int, string, bool) {
				return 500, faultAnswer(partner.CodeRequestLimitExceeded, "UnexpectedErrorFault", "TotalRequests Limit exceeded."), true
			},
			call: func(c *Client, ctx context.Context) error {
				_, err := c.Query(ctx, "SELECT Id FROM Account")
				return err
			},
			wantCalls: 1,
			wantCode:  partner.CodeRequestLimitExceeded,
		},
		{
			name: "HTTP 503 page on a read is retried, up to MaxAttempts",
			fail: func(n int) (int, string, bool) {
				return 503, "<html>maintenance</html>", true
			},
			call:      func(c *Client, ctx context.Context) error { _, err := c.DescribeGlobal(ctx); return err },
			wantCalls: 4,
		},
		{
			name: "query faults are not retried",
			fail: func(n int) (int, string, bool) {
				return 500, faultAnswer("MALFORMED_QUERY", "MalformedQueryFault", "unexpected token: 'FORM'"), true
			},
			call: func(c *Client, ctx context.Context) error {
				_, err := c.Query(ctx, "SELECT Id FORM Account")
				return err
			},
			wantCalls: 1,
			wantCode:  "MALFORMED_QUERY",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
				if st, body, ok := tc.fail(n); ok {
					return st, body
				}
				return minimalAnswer(r, n)
			})
			c, _ := newTestClient(t, f, nil)
			err := tc.call(c, t.Context())
			if n := len(f.requests()); n != tc.wantCalls {
				t.Errorf("%d calls, want %d", n, tc.wantCalls)
			}
			if tc.wantCode != "" && !partner.IsCode(err, tc.wantCode) {
				t.Errorf("err = %v, want code %s", err, tc.wantCode)
			}
			if tc.wantCalls < 4 && tc.wantCode == "" && err != nil {
				t.Errorf("err = %v, want success after retries", err)
			}
		})
	}
}

// TestRetryBudget checks the token bucket stops retries across calls.
func TestRetryBudget(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		return 500, faultAnswer(partner.CodeServerUnavailable, "UnexpectedErrorFault", "down")
	})
	now := time.Unix(1e9, 0) // frozen: no refill
	c, _ := newTestClient(t, f, func(cfg *Config) {
		// Starts with 3 tokens (a tenth of the cap); each call earns 0.5.
		cfg.Retry = RetryPolicy{MaxAttempts: 10, BaseDelay: time.Microsecond, MaxDelay: time.Microsecond,
			BudgetRatio: 0.5, BudgetFloorPerSecond: 1, BudgetMax: 30}
		cfg.Now = func() time.Time { return now }
	})
	for range 4 {
		c.Query(t.Context(), "SELECT Id FROM Account")
	}
	// 4 first attempts plus the 3 + 4×0.5 = 5 retries the budget allowed.
	if n := len(f.requests()); n != 9 {
		t.Errorf("%d requests, want 9", n)
	}
}

// TestBackoffHonoursContext checks a cancelled caller is not kept waiting.
func TestBackoffHonoursContext(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		return 500, faultAnswer(partner.CodeServerUnavailable, "UnexpectedErrorFault", "down")
	})
	c, _ := newTestClient(t, f, func(cfg *Config) {
		cfg.Retry = RetryPolicy{MaxAttempts: 5, BaseDelay: time.Hour, MaxDelay: time.Hour, BudgetRatio: 1, BudgetMax: 50}
	})
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Query(ctx, "SELECT Id FROM Account")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's error", err)
	}
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("returned after %v", el)
	}
}

// TestNetworkErrors checks dial failures (nothing sent) are retried even
// for creates, and that an answer cut short is not retried for creates.
func TestNetworkErrors(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: connections are refused
	var attempts atomic.Int32
	ss := &sessions{instance: "http://" + addr}
	c, err := New(Config{Sessions: countingSessions{ss, &attempts}, Retry: fastRetry})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Create(t.Context(), []partner.Record{{Type: "Account"}})
	var e *partner.Error
	if !errors.As(err, &e) || e.Kind != partner.KindNetwork {
		t.Fatalf("err = %v, want a network error", err)
	}
	if n := attempts.Load(); n != int32(fastRetry.MaxAttempts) {
		t.Errorf("%d attempts, want %d: a refused connection sent nothing", n, fastRetry.MaxAttempts)
	}

	// A server that hangs up after reading the request: the create may
	// have run, so it must not be repeated.
	hang, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hang.Close() })
	var accepted atomic.Int32
	go func() {
		for {
			conn, err := hang.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			buf := make([]byte, 1<<16)
			conn.Read(buf)
			conn.Close()
		}
	}()
	ss2 := &sessions{instance: "http://" + hang.Addr().String()}
	c2, _ := New(Config{Sessions: ss2, Retry: fastRetry})
	if _, err := c2.Create(t.Context(), []partner.Record{{Type: "Account"}}); err == nil {
		t.Fatal("want an error")
	}
	if n := accepted.Load(); n != 1 {
		t.Errorf("create sent %d times after a cut answer, want 1", n)
	}
	if _, err := c2.Query(t.Context(), "SELECT Id FROM Account"); err == nil {
		t.Fatal("want an error")
	}
	if n := accepted.Load(); n != 1+int32(fastRetry.MaxAttempts) {
		t.Errorf("query sent %d times, want %d (idempotent: retried)", n-1, fastRetry.MaxAttempts)
	}
}

type countingSessions struct {
	*sessions
	n *atomic.Int32
}

func (c countingSessions) Session(ctx context.Context) (Session, error) {
	c.n.Add(1)
	return c.sessions.Session(ctx)
}

// TestGzipBothWays checks large requests are compressed and compressed
// answers decoded.
func TestGzipBothWays(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, minimalAnswer)
	f.gzipOut = true
	c, _ := newTestClient(t, f, func(cfg *Config) { cfg.GzipRequestsAbove = 1024 })
	if _, err := c.Query(t.Context(), "SELECT Id FROM Account"); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 4096)
	if _, err := c.Create(t.Context(), []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Description", Value: big}}}}); err != nil {
		t.Fatal(err)
	}
	reqs := f.requests()
	if reqs[0].gzipped || !reqs[1].gzipped {
		t.Errorf("gzipped: small %v, large %v; want false, true", reqs[0].gzipped, reqs[1].gzipped)
	}
	if !strings.Contains(string(reqs[1].body), big) {
		t.Error("compressed body does not hold the value")
	}
	if c.Limits().Current != 17 {
		t.Errorf("limits not read from a gzipped answer: %+v", c.Limits())
	}
}

// TestAnswerCaps checks the size and depth caps.
func TestAnswerCaps(t *testing.T) {
	t.Parallel()
	deep := answer("query", `<result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>A</sf:type><sf:Id xsi:nil="true"/>`+
		strings.Repeat(`<sf:P xsi:type="sf:sObject"><sf:type>A</sf:type>`, 80)+strings.Repeat(`</sf:P>`, 80)+`</records><size>1</size></result>`)
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		if strings.Contains(string(r.body), "deep") {
			return 200, deep
		}
		return 200, answer("query", `<result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><size>0</size></result>`+strings.Repeat(" ", 4096))
	})
	c, _ := newTestClient(t, f, func(cfg *Config) { cfg.MaxResponseBytes = 2048 })
	_, err := c.Query(t.Context(), "SELECT big FROM Account")
	var e *partner.Error
	if !errors.As(err, &e) || e.Kind != partner.KindDecode || !strings.Contains(e.Message, "2048") {
		t.Errorf("oversized answer: err = %v", err)
	}
	c2, _ := newTestClient(t, f, nil)
	_, err = c2.Query(t.Context(), "SELECT deep FROM Account")
	if !errors.As(err, &e) || e.Kind != partner.KindDecode || !errors.Is(e.Cause, errDepth) {
		t.Errorf("too deep: err = %v", err)
	}
}

// TestLimitsAndLogs checks LimitInfoHeader is recorded and that neither
// logs nor errors ever carry the session id.
func TestLimitsAndLogs(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		if n == 2 {
			return 500, faultAnswer("INVALID_FIELD", "InvalidFieldFault", "No such column 'x'")
		}
		return minimalAnswer(r, n)
	})
	c, _ := newTestClient(t, f, nil)
	var logs bytes.Buffer
	ctx := zerolog.New(&logs).Level(zerolog.DebugLevel).WithContext(t.Context())
	if got := c.Limits(); !got.Updated.IsZero() {
		t.Errorf("limits before any call: %+v", got)
	}
	if _, err := c.Query(ctx, "SELECT Id FROM Account"); err != nil {
		t.Fatal(err)
	}
	l := c.Limits()
	if l.Current != 17 || l.Limit != 15000 || l.Type != "API REQUESTS" || l.Updated.IsZero() {
		t.Errorf("limits = %+v", l)
	}
	_, err := c.Query(ctx, "SELECT x FROM Account")
	if err == nil {
		t.Fatal("want an error")
	}
	secret := "SECRET-0"
	if strings.Contains(logs.String(), secret) || strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprintf("%+v", err), secret) {
		t.Errorf("session id leaked:\nlogs: %s\nerr: %v", logs.String(), err)
	}
	if !strings.Contains(logs.String(), `"sf_op":"query"`) || !strings.Contains(logs.String(), `"sf_code":"INVALID_FIELD"`) {
		t.Errorf("logs lack the call: %s", logs.String())
	}
}

// TestQueryMorePaging checks that queryMore follows the locator and carries
// the batch size of the first call, and that a bad locator is Salesforce's
// fault.
func TestQueryMorePaging(t *testing.T) {
	t.Parallel()
	page := func(n int, done bool) string {
		var b strings.Builder
		loc := `<queryLocator xsi:nil="true"/>`
		if !done {
			loc = fmt.Sprintf(`<queryLocator>LOC-%d</queryLocator>`, n)
		}
		fmt.Fprintf(&b, `<result xsi:type="QueryResult"><done>%t</done>%s`, done, loc)
		for i := range 3 {
			fmt.Fprintf(&b, `<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id xsi:nil="true"/><sf:Name>p%d-r%d</sf:Name></records>`, n, i)
		}
		b.WriteString(`<size>9</size></result>`)
		return b.String()
	}
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		body := string(r.body)
		switch {
		case r.op == "queryAll":
			return 200, answer("queryAll", page(1, false))
		case strings.Contains(body, "LOC-1"):
			return 200, answer("queryMore", page(2, false))
		case strings.Contains(body, "LOC-2"):
			return 200, answer("queryMore", page(3, true))
		}
		return 500, faultAnswer(partner.CodeInvalidQueryLocator, "InvalidQueryLocatorFault", "invalid query locator")
	})
	c, _ := newTestClient(t, f, nil)
	ctx := t.Context()
	var names []string
	p, err := c.QueryAll(ctx, "SELECT Name FROM Account", partner.BatchSize(200))
	for err == nil {
		for _, r := range p.Records {
			f, _ := r.Get("Name")
			names = append(names, f.Value)
		}
		if p.Done {
			break
		}
		p, err = c.QueryMore(ctx, p.QueryLocator, partner.BatchSize(200))
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 9 || names[8] != "p3-r2" {
		t.Errorf("names %v", names)
	}
	if n := len(f.requests()); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	for _, r := range f.requests()[1:] {
		if !strings.Contains(string(r.body), "<batchSize>200</batchSize>") {
			t.Errorf("queryMore without the batch size")
		}
	}
	if _, err := c.QueryMore(ctx, "LOC-bad"); !partner.IsCode(err, partner.CodeInvalidQueryLocator) {
		t.Errorf("bad locator: %v", err)
	}
}

// TestConcurrentUse runs calls from many goroutines on one Client (run
// with -race): the client shares its transport, budget and limits.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	// Every third query fails once with a lock fault, then succeeds.
	var mu sync.Mutex
	failed := map[string]bool{}
	f := newFakeSF(t, func(r fakeReq, n int) (int, string) {
		q := string(r.body)
		mu.Lock()
		defer mu.Unlock()
		if strings.Contains(q, "0</queryString>") || strings.Contains(q, "3</queryString>") || strings.Contains(q, "6</queryString>") {
			if !failed[q] {
				failed[q] = true
				return 500, faultAnswer(partner.CodeUnableToLockRow, "UnexpectedErrorFault", "locked")
			}
		}
		return minimalAnswer(r, n)
	})
	c, _ := newTestClient(t, f, nil)
	ctx := t.Context()
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for g := range 20 {
		wg.Go(func() {
			for i := range 10 {
				if _, err := c.Query(ctx, fmt.Sprintf("SELECT Id FROM Account LIMIT %d", g*10+i)); err != nil {
					errs <- err
				}
				_ = c.Limits()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("query: %v", err)
	}
	if c.Limits().Current != 17 {
		t.Errorf("limits = %+v", c.Limits())
	}
}
