package integration

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sfgate/sfgate/internal/cache"
	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/session"
	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/testutil/redistest"
)

func sharedRedis(t *testing.T) stackOptions {
	t.Helper()
	addr, prefix := redistest.Shared(t)
	return stackOptions{redisURL: "redis://" + addr, prefix: prefix, keys: newKeys(t)}
}

func threeStacks(t *testing.T, s *sim, f flow, o stackOptions) []*stack {
	t.Helper()
	return []*stack{newStack(t, s, f, o), newStack(t, s, f, o), newStack(t, s, f, o)}
}

// runCalls runs n calls spread over the stacks, all at once, and returns
// the errors.
func runCalls(ctx context.Context, stacks []*stack, n int) []error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	for i := range n {
		wg.Go(func() {
			if err := stacks[i%len(stacks)].call(ctx, i/len(stacks)); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errs
}

func requireNoErrors(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if i == 5 {
			t.Errorf("… and %d more", len(errs)-5)
			break
		}
		t.Errorf("call failed: %v", err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
}

// The tests run one after the other, not in parallel: each already runs
// hundreds of concurrent calls, and on a 2-core CI machine parallel tests
// would only add scheduling noise to figures that must be exact.

// TestThreeStacksOneLoginOneDescribePerObject: three replicas, 300
// concurrent calls, exactly one login and one describeSObject per object.
func TestThreeStacksOneLoginOneDescribePerObject(t *testing.T) {
	for _, f := range []flow{oauthFlow, jwtFlow, soapFlow} {
		t.Run(f.name, func(t *testing.T) {
			s := startSim(t)
			stacks := threeStacks(t, s, f, sharedRedis(t))
			before := s.stats(t)
			requireNoErrors(t, runCalls(t.Context(), stacks, 300))
			after := s.stats(t)
			if n := delta(after, before, f.statKey); n != 1 {
				t.Errorf("%s logins = %d, want 1", f.statKey, n)
			}
			// Every object was described (the calls succeeded), so a
			// total equal to the number of objects is one each.
			if n := delta(after, before, "describeSObject"); n != int64(len(objects)) {
				t.Errorf("describeSObject calls = %d for %d objects, want one each", n, len(objects))
			}
			if n := delta(after, before, "describeGlobal"); n != 1 {
				t.Errorf("describeGlobal calls = %d, want 1", n)
			}
			if n := delta(after, before, "query"); n != 300 {
				t.Errorf("query calls = %d, want 300", n)
			}
			t.Logf("%s: 300 calls over 3 stacks: %d login, %d describeSObject (%d objects), %d describeGlobal, %d query",
				f.name, delta(after, before, f.statKey), delta(after, before, "describeSObject"), len(objects),
				delta(after, before, "describeGlobal"), delta(after, before, "query"))
		})
	}
}

// TestExpireSessionsMidFlight: every session expires while 100 calls are
// in flight; none fails, and exactly one new login happens.
func TestExpireSessionsMidFlight(t *testing.T) {
	for _, f := range []flow{oauthFlow, soapFlow} {
		t.Run(f.name, func(t *testing.T) {
			s := startSim(t)
			stacks := threeStacks(t, s, f, sharedRedis(t))
			requireNoErrors(t, runCalls(t.Context(), stacks, 30)) // warm: logged in, described
			before := s.stats(t)

			// Each of the 100 workers makes a call, then (once sessions
			// are expired) two more; the expiry lands while the first
			// calls of the slower workers are still in flight.
			var wg sync.WaitGroup
			var failed atomic.Int64
			var firstDone atomic.Int64
			expired := make(chan struct{})
			var mu sync.Mutex
			var errs []error
			record := func(err error) {
				if err != nil {
					failed.Add(1)
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
			for i := range 100 {
				wg.Go(func() {
					st := stacks[i%3]
					record(st.call(t.Context(), i))
					firstDone.Add(1)
					<-expired
					record(st.call(t.Context(), i+1))
					record(st.call(t.Context(), i+2))
				})
			}
			for firstDone.Load() < 40 {
				time.Sleep(time.Millisecond)
			}
			inFlight := 100 - firstDone.Load()
			s.post(t, "/_sim/sessions/expire", nil)
			close(expired)
			wg.Wait()
			requireNoErrors(t, errs)
			after := s.stats(t)
			if n := delta(after, before, f.statKey); n != 1 {
				t.Errorf("new logins after expiry = %d, want 1", n)
			}
			t.Logf("%s: sessions expired with %d of 100 first calls in flight; %d calls failed; %d new login; %d calls answered",
				f.name, inFlight, failed.Load(), delta(after, before, f.statKey), delta(after, before, "query"))
		})
	}
}

// TestRedisOutage: with Redis stopped, calls keep succeeding from the
// in-process level (and the loader); when Redis returns, sharing resumes
// without a restart.
func TestRedisOutage(t *testing.T) {
	srv := redistest.Start(t)
	s := startSim(t)
	o := stackOptions{redisURL: srv.URL(), prefix: "outage:", keys: newKeys(t)}
	stacks := threeStacks(t, s, oauthFlow, o)
	requireNoErrors(t, runCalls(t.Context(), stacks, 60))
	if n := s.stats(t)[oauthFlow.statKey]; n != 1 {
		t.Fatalf("logins before the outage = %d, want 1", n)
	}

	srv.Stop()
	before := s.stats(t)
	requireNoErrors(t, runCalls(t.Context(), stacks, 150))
	during := s.stats(t)
	if n := delta(during, before, oauthFlow.statKey); n != 0 {
		t.Errorf("logins during the outage with valid sessions = %d, want 0 (in-process sessions)", n)
	}
	if n := delta(during, before, "describeSObject"); n != 0 {
		t.Errorf("describes during the outage = %d, want 0 (in-process describes)", n)
	}
	// A session expiring during the outage: each stack logs in on its own
	// (no shared lock to be had) and calls still succeed.
	s.post(t, "/_sim/sessions/expire", nil)
	requireNoErrors(t, runCalls(t.Context(), stacks, 60))
	degradedLogins := delta(s.stats(t), during, oauthFlow.statKey)
	if degradedLogins < 1 || degradedLogins > 3 {
		t.Errorf("logins after expiry during the outage = %d, want 1 to 3 (one per stack at most)", degradedLogins)
	}

	srv.Restart() // empty: no persistence
	// No restart of the stacks: each finds Redis again by itself. go-redis
	// keeps answering its last dial error for up to a second after Redis
	// is back, so "back" means a command through each stack's own pool
	// works and its cache has left degraded mode.
	start := time.Now()
	deadline := start.Add(15 * time.Second)
	for _, st := range stacks {
		for {
			_, err := st.redis.Get(t.Context(), "probe")
			if errors.Is(err, cache.ErrNotFound) && !st.tiered.Degraded() {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("stack still cut off from Redis 15s after it returned (err %v, degraded %v)", err, st.tiered.Degraded())
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	resumedAfter := time.Since(start)
	// Sharing has resumed. Describes: Redis came back empty and the
	// in-process levels were dropped on recovery, so the three stacks
	// describe each object once between them.
	back := s.stats(t)
	ctx := testLogger(t).WithContext(t.Context())
	requireNoErrors(t, runCalls(ctx, stacks, 150))
	mid := s.stats(t)
	if n := delta(mid, back, "describeSObject"); n != int64(len(objects)) {
		t.Errorf("describes after Redis returned = %d, want one per object (%d): shared again", n, len(objects))
	}
	if n := delta(mid, back, oauthFlow.statKey); n != 0 {
		t.Errorf("logins after Redis returned with valid sessions = %d, want 0", n)
	}
	// Sessions: an expiry now costs one login for all three stacks.
	s.post(t, "/_sim/sessions/expire", nil)
	requireNoErrors(t, runCalls(ctx, stacks, 150))
	after := s.stats(t)
	if n := delta(after, mid, oauthFlow.statKey); n != 1 {
		t.Errorf("logins for an expiry after Redis returned = %d, want 1: shared again", n)
	}
	t.Logf("outage: 0 logins and 0 describes while Redis was down with valid sessions; %d logins for an expiry during the outage; sharing resumed %v after Redis returned: %d describeSObject for %d objects, then 1 expiry → %d login",
		degradedLogins, resumedAfter.Round(time.Millisecond), delta(mid, back, "describeSObject"), len(objects), delta(after, mid, oauthFlow.statKey))
}

// TestCustomFieldUsableAtOnce: a field added through the control API is
// usable in the very next call that names it, on every stack, with one
// describe.
func TestCustomFieldUsableAtOnce(t *testing.T) {
	s := startSim(t)
	stacks := threeStacks(t, s, oauthFlow, sharedRedis(t))
	requireNoErrors(t, runCalls(t.Context(), stacks, 30))
	for _, st := range stacks {
		// Describe, not Field: the check must not spend the refresh.
		o, err := st.meta.Describe(t.Context(), "Account")
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := o.Field("Loyalty_Level__c"); ok {
			t.Fatal("the org already has Account.Loyalty_Level__c")
		}
	}
	s.post(t, "/_sim/sobjects/Account/fields", map[string]any{
		"name": "Loyalty_Level__c", "type": "picklist", "label": "Loyalty level",
		"picklistValues": []map[string]any{{"value": "Gold"}, {"value": "Silver"}},
	})
	before := s.stats(t)
	var wg sync.WaitGroup
	for i, st := range stacks {
		wg.Go(func() {
			f, err := st.meta.Field(t.Context(), "Account", "Loyalty_Level__c")
			if err != nil {
				t.Errorf("stack %d: %v", i, err)
				return
			}
			if f.Type != "picklist" || len(f.PicklistValues) != 2 {
				t.Errorf("stack %d: field = %+v", i, f)
			}
			if _, err := st.client.Query(t.Context(), "SELECT Id, Name, Loyalty_Level__c FROM Account LIMIT 3"); err != nil {
				t.Errorf("stack %d: query naming the new field: %v", i, err)
			}
		})
	}
	wg.Wait()
	after := s.stats(t)
	if n := delta(after, before, "describeSObject"); n != 1 {
		t.Errorf("describes to pick up the new field on 3 stacks = %d, want 1", n)
	}
	t.Logf("new field usable at once on 3 stacks with %d describeSObject", delta(after, before, "describeSObject"))
}

// TestNoSessionIDInRedis scans the raw value of every key the stacks wrote.
func TestNoSessionIDInRedis(t *testing.T) {
	s := startSim(t)
	o := sharedRedis(t)
	stacks := threeStacks(t, s, oauthFlow, o)
	requireNoErrors(t, runCalls(t.Context(), stacks, 30))
	// One more session after an expiry, so two ids were stored.
	s.post(t, "/_sim/sessions/expire", nil)
	requireNoErrors(t, runCalls(t.Context(), stacks, 30))
	var ids [][]byte
	for _, st := range stacks {
		sess, err := st.sessions.Session(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, []byte(sess.ID.Reveal()))
	}
	addr := strings.TrimPrefix(o.redisURL, "redis://")
	keys := redistest.Keys(t, addr, o.prefix)
	if len(keys) == 0 {
		t.Fatal("no keys under the test prefix: nothing was shared")
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	sessionKeys := 0
	for _, k := range keys {
		raw, err := c.Get(t.Context(), k).Bytes()
		if errors.Is(err, redis.Nil) {
			continue
		}
		if err != nil {
			t.Fatalf("GET %s: %v", k, err)
		}
		if strings.HasSuffix(k, ":session") {
			sessionKeys++
		}
		for _, id := range ids {
			// The whole id, and its secret part after the org id prefix.
			secret := id[bytes.IndexByte(id, '!')+1:]
			if bytes.Contains(raw, id) || bytes.Contains(raw, secret) {
				t.Errorf("key %s holds the session id in clear text", k)
			}
		}
	}
	if sessionKeys != 1 {
		t.Errorf("found %d session entries, want 1", sessionKeys)
	}
	t.Logf("scanned %d keys, %d session entry, no session id in clear text", len(keys), sessionKeys)
}

// TestBadCredentialsNoLoginStorm: wrong credentials on three stacks under
// 150 concurrent calls cost one refused login in all, every call gets a
// clear error without the secret, and the backoff holds.
func TestBadCredentialsNoLoginStorm(t *testing.T) {
	bad := []flow{
		{"wrong client secret", sfsim.StatOAuthClientCredentials, func(s *sim) session.Config {
			return session.Config{ClientID: sfsim.DemoClientID, ClientSecret: "not-the-secret-Xq7"}
		}},
		{"wrong password", "login", func(s *sim) session.Config {
			lc, _ := salesforce.New(salesforce.Config{})
			return session.Config{Username: sfsim.DemoUsername, Password: "not-the-password-Xq7", SecurityToken: sfsim.DemoSecurityToken, SOAPLogin: lc}
		}},
	}
	for _, f := range bad {
		t.Run(f.name, func(t *testing.T) {
			s := startSim(t)
			stacks := threeStacks(t, s, f, sharedRedis(t))
			before := s.stats(t)
			errs := runCalls(t.Context(), stacks, 150)
			errs = append(errs, runCalls(t.Context(), stacks, 30)...)
			if len(errs) != 180 {
				t.Fatalf("%d of 180 calls failed, want all", len(errs))
			}
			for _, err := range errs {
				var le *partner.LoginError
				if !errors.As(err, &le) || !errors.Is(err, partner.ErrLoginCredentials) {
					t.Fatalf("err = %v, want a credentials LoginError", err)
				}
				if strings.Contains(err.Error(), "Xq7") {
					t.Fatalf("error holds the secret: %v", err)
				}
			}
			if n := delta(s.stats(t), before, f.statKey); n != 1 {
				t.Errorf("login attempts = %d, want 1 across the three stacks", n)
			}
			t.Logf("%s: 180 calls on 3 stacks: 1 login attempt; error: %v", f.name, errs[0])
		})
	}
}

// TestAPIVersionDiscovery: without SF_API_VERSION the newest version the
// org lists is used; SOAP login() still happens at 64.0 at most, which
// sfsim enforces by refusing login at 65.0 and later.
func TestAPIVersionDiscovery(t *testing.T) {
	s := startSim(t)
	for _, f := range []flow{oauthFlow, soapFlow} {
		t.Run(f.name, func(t *testing.T) {
			cfg := f.config(s)
			cfg.Name, cfg.LoginURL = "disc-"+strings.ReplaceAll(f.name, " ", "-"), s.url
			m, err := session.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			v, err := m.APIVersion(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("%.1f", float64(sfsim.DefaultNewestVersion)); v != want {
				t.Fatalf("APIVersion = %s, want %s", v, want)
			}
		})
	}
}

// TestInvalidateAcrossReplicas: an invalidation on one stack reaches the
// in-process copies of the others (pub/sub), and the reload is shared.
func TestInvalidateAcrossReplicas(t *testing.T) {
	s := startSim(t)
	stacks := threeStacks(t, s, oauthFlow, sharedRedis(t))
	requireNoErrors(t, runCalls(t.Context(), stacks, 30))
	tests := []struct {
		name       string
		field      string
		invalidate func(ctx context.Context, st *stack) error
	}{
		{"one object", "Segment__c", func(ctx context.Context, st *stack) error { return st.meta.Invalidate(ctx, "account") }},
		{"all", "Region_Code__c", func(ctx context.Context, st *stack) error { return st.meta.InvalidateAll(ctx) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Added behind the caches' back; Describe (unlike Field) never
			// refreshes by itself, so only the invalidation can reveal it.
			s.post(t, "/_sim/sobjects/Account/fields", map[string]any{"name": tt.field, "type": "text", "label": tt.field, "length": 20})
			before := s.stats(t)
			if err := tt.invalidate(t.Context(), stacks[0]); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(5 * time.Second)
			for i, st := range stacks {
				for {
					o, err := st.meta.Describe(t.Context(), "Account")
					if err != nil {
						t.Fatal(err)
					}
					if _, ok := o.Field(tt.field); ok {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("stack %d still serves the old describe 5s after the invalidation", i)
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			if n := delta(s.stats(t), before, "describeSObject"); n != 1 {
				t.Errorf("describes after the invalidation = %d, want 1 shared by the 3 stacks", n)
			}
		})
	}
}
