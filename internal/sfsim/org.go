package sfsim

import (
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
	"github.com/sfgate/sfgate/internal/sfsim/seed"
)

// loadSchema parses the embedded describes once per process; every org
// works on its own Clone, which shares the immutable objects.
var loadSchema = sync.OnceValues(meta.Load)

// reset rebuilds the schema and the seeded data: the org as New made it.
// Sessions survive it (expire them with /_sim/sessions/expire).
func (s *Server) reset() error {
	base, err := loadSchema()
	if err != nil {
		return fmt.Errorf("load schema: %w", err)
	}
	schema := base.Clone()
	now := s.now()
	accounts := s.cfg.SeedAccounts
	if accounts < 0 {
		accounts = 1 // the user and lead statuses are kept, the accounts dropped below
	}
	recs, err := seed.Generate(schema, seed.Options{Accounts: accounts, Rand: uint64(s.cfg.SeedValue), Now: now})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	data := newStore(now)
	for object, rows := range recs {
		if s.cfg.SeedAccounts < 0 && object != seed.User && object != seed.LeadStatus {
			continue
		}
		obj, ok := schema.Object(object)
		if !ok {
			return fmt.Errorf("seed: object %s is not in the schema", object)
		}
		for _, r := range rows {
			data.put(obj.Name, r)
		}
		for i := range obj.Fields {
			if f := &obj.Fields[i]; f.AutoNumber {
				data.autoFormat[strings.ToLower(obj.Name)] = lastAutoNumber(rows, f.Name)
			}
		}
	}
	admin := data.get(seed.User, seed.AdminID)
	if admin == nil {
		return fmt.Errorf("seed: no administrator %s", seed.AdminID)
	}
	user := demoUser{
		ID: admin["Id"], Username: admin["Username"], Password: DemoPassword, Token: DemoSecurityToken,
		Email: admin["Email"], FirstName: admin["FirstName"], LastName: admin["LastName"],
		ProfileID: admin["ProfileId"], TimeZone: admin["TimeZoneSidKey"],
	}
	s.mu.Lock()
	s.schema.Store(schema)
	s.data = data
	s.user.Store(&user)
	s.mu.Unlock()
	return nil
}

// autoNumber is the display format of an auto-number field, learned from
// the seeded values ("00001024", "INV-000042"): the text before the
// digits, the digit count and the last number handed out.
type autoNumber struct {
	prefix string
	width  int
	last   int
}

func lastAutoNumber(rows []meta.Record, field string) autoNumber {
	a := autoNumber{width: 8, last: seed.FirstCaseNumber - 1}
	for _, r := range rows {
		v := r[field]
		i := len(v)
		for i > 0 && v[i-1] >= '0' && v[i-1] <= '9' {
			i--
		}
		n, err := strconv.Atoi(v[i:])
		if err != nil {
			continue
		}
		if n > a.last || a.prefix == "" {
			a = autoNumber{prefix: v[:i], width: len(v) - i, last: max(n, a.last)}
		}
	}
	return a
}

// nextAutoNumber hands out the next display number of the object's
// auto-number field (Case.CaseNumber: 00001000, 00001001, …).
func (s *Server) nextAutoNumber(object string) string {
	k := strings.ToLower(object)
	a, ok := s.data.autoFormat[k]
	if !ok {
		a = autoNumber{width: 8, last: seed.FirstCaseNumber - 1}
	}
	a.last++
	s.data.autoFormat[k] = a
	return a.prefix + padNumber(a.last, a.width)
}
