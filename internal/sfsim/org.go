package sfsim

import (
	"fmt"
	"sync"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// The demo user's fixed ids, so sessions and records survive /_sim/reset.
var (
	demoUserID    = mustID("0055g00000AdMn1")
	demoProfileID = mustID("00e5g000000SyAd")
)

func mustID(id string) string {
	s, err := meta.To18(id)
	if err != nil {
		panic(err)
	}
	return s
}

// loadSchema parses the embedded describes once per process; every org
// works on its own Clone, which shares the immutable objects.
var loadSchema = sync.OnceValues(meta.Load)

// reset rebuilds the schema and the seeded data: the org as New made it.
func (s *Server) reset() error {
	base, err := loadSchema()
	if err != nil {
		return fmt.Errorf("load schema: %w", err)
	}
	schema := base.Clone()
	now := s.now()
	data := newStore(now)
	s.user = demoUser{
		ID: demoUserID, Username: DemoUsername, Password: DemoPassword, Token: DemoSecurityToken,
		Email: DemoUsername, FirstName: "Admin", LastName: "User", ProfileID: demoProfileID,
		TimeZone: "America/Los_Angeles",
	}
	ts := formatDateTime(now)
	data.put("User", meta.Record{
		"Id": s.user.ID, "Username": s.user.Username, "FirstName": s.user.FirstName, "LastName": s.user.LastName,
		"Name": s.user.fullName(), "Email": s.user.Email, "Alias": "admin", "IsActive": "true",
		"ProfileId": s.user.ProfileID, "TimeZoneSidKey": s.user.TimeZone, "LocaleSidKey": "en_US",
		"LanguageLocaleKey": "en_US", "EmailEncodingKey": "UTF-8", "UserType": "Standard",
		"CreatedDate": ts, "CreatedById": s.user.ID, "LastModifiedDate": ts, "LastModifiedById": s.user.ID,
		"SystemModstamp": ts, "IsDeleted": "false",
	})
	s.mu.Lock()
	s.schema.Store(schema)
	s.data = data
	s.mu.Unlock()
	return nil
}
