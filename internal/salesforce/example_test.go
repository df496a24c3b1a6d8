package salesforce_test

import (
	"context"
	"fmt"
	"net/http/httptest"

	"github.com/sfgate/sfgate/internal/salesforce"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/sfsim"
)

// staticSession hands out one session; a real deployment uses the session
// manager (internal/session), which also refreshes rejected sessions.
type staticSession struct{ s salesforce.Session }

func (s *staticSession) Session(context.Context) (salesforce.Session, error)  { return s.s, nil }
func (s *staticSession) Invalidate(context.Context, salesforce.Session) error { return nil }

// Example logs in to the emulator, reads every page of a query (queryMore
// until done) and creates records.
func Example() {
	ctx := context.Background()
	sim, _ := sfsim.New(sfsim.Config{SeedAccounts: 5})
	srv := httptest.NewServer(sim.Handler())
	defer srv.Close()

	src := &staticSession{}
	c, _ := salesforce.New(salesforce.Config{Sessions: src})
	login, err := c.Login(ctx, srv.URL, "58.0", sfsim.DemoUsername, salesforce.Secret(sfsim.DemoPassword+sfsim.DemoSecurityToken))
	if err != nil {
		fmt.Println(err)
		return
	}
	src.s = salesforce.Session{ID: login.SessionID, InstanceURL: login.InstanceURL()}

	n := 0
	page, err := c.Query(ctx, "SELECT Id, Name, Owner.Name FROM Account")
	for ; err == nil; page, err = c.QueryMore(ctx, page.QueryLocator) {
		for _, rec := range page.Records {
			if owner, ok := rec.Get("Owner.Name"); ok && owner.Value != "" {
				n++
			}
		}
		if page.Done {
			break
		}
	}
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(n, "accounts with an owner")

	res, err := c.Create(ctx, []partner.Record{
		{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "Acme & Sons"}}},
		{Type: "Account"}, // no Name: fails on its own, the first is saved
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res[0].Success, res[1].Success, res[1].Errors[0].StatusCode)

	_, err = c.Delete(ctx, []string{"not-an-id"})
	fmt.Println(partner.IsCode(err, partner.CodeMalformedID))
	// Output:
	// 5 accounts with an owner
	// true false REQUIRED_FIELD_MISSING
	// true
}
