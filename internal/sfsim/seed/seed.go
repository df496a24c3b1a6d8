// Package seed generates the emulated org's demo data: one administrator,
// Accounts with their Contacts, Opportunities, Cases and Invoices, Leads,
// and the LeadStatus values. The data is realistic (values from the real
// picklists, plausible names, addresses and amounts), deterministic for a
// given Options, and cheap enough to generate hundreds of thousands of
// accounts in seconds.
package seed

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

const (
	// DefaultAccounts is the number of accounts when Options.Accounts is 0.
	DefaultAccounts = 25
	// MaxAccounts bounds Options.Accounts (about 8 records are made per
	// account).
	MaxAccounts = 2_000_000
	// NoAccounts, as Options.Accounts, seeds only the user and the lead
	// statuses.
	NoAccounts = -1
	// AdminUsername is the username of the org's only user, who owns and
	// created every record.
	AdminUsername = "admin@sfsim.local"
)

// The record numbers of ids (see meta.FormatID): block 0 holds the user and
// the lead statuses; account i uses block i+1, slot 0 for itself and the
// slots below for its children, so every id is a function of the account's
// index and generation can run in parallel.
const (
	blockSize       = 16
	slotContacts    = 1 // up to 3
	slotOpps        = 4 // up to 3
	slotCases       = 7 // up to 2
	slotInvoices    = 9 // up to 3
	slotLead        = 12
	adminNumber     = 1
	leadStatusFirst = 2
	profilePrefix   = "00e" // Profile, an object the emulator does not have
)

// AdminID is the id of the administrator Generate creates
// (meta.FormatID("005", 1); a test keeps them equal).
const AdminID = "0055g0000000001AAA"

// AdminProfileID is the administrator's ProfileId (a "System Administrator"
// profile; the emulator has no Profile object).
const AdminProfileID = "00e5g0000000001AAA"

// Options sizes and fixes the generated data.
type Options struct {
	// Accounts is the number of accounts; 0 means DefaultAccounts and
	// NoAccounts none.
	Accounts int
	// Rand seeds the pseudo-random generator: the same Options give the
	// same records, field for field.
	Rand uint64
	// Now is the moment the org is seeded: created dates lie up to two
	// years before it, close dates around it. The zero time means
	// time.Now(), which makes the output vary between runs.
	Now time.Time
}

// Object names in the result.
const (
	User        = "User"
	LeadStatus  = "LeadStatus"
	Account     = "Account"
	Contact     = "Contact"
	Opportunity = "Opportunity"
	Case        = "Case"
	Lead        = "Lead"
	Invoice     = "Invoice__c"
)

// Generate returns the seeded records per object name (User, LeadStatus,
// Account, Contact, Opportunity, Case, Lead, Invoice__c), each slice in id
// order. Values are in Salesforce's wire form (meta.Record); booleans and
// defaulted picklists of the schema are filled as a create would fill them.
// It fails when the schema lacks an object or field it needs.
func Generate(schema *meta.Schema, opts Options) (map[string][]meta.Record, error) {
	if schema == nil {
		return nil, errNoSchema
	}
	n := opts.Accounts
	switch {
	case n == 0:
		n = DefaultAccounts
	case n == NoAccounts:
		n = 0
	case n < 0 || n > MaxAccounts:
		return nil, fmt.Errorf("seed: %d accounts: want 0 to %d", n, MaxAccounts)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	g, err := newGenerator(schema, opts.Rand, now.UTC().Truncate(time.Millisecond))
	if err != nil {
		return nil, err
	}
	out := map[string][]meta.Record{
		User:       {g.admin()},
		LeadStatus: g.leadStatuses(),
	}
	for _, obj := range []string{Account, Contact, Opportunity, Case, Lead, Invoice} {
		out[obj] = []meta.Record{}
	}
	for _, part := range g.accounts(n) {
		for name, recs := range part {
			out[name] = append(out[name], recs...)
		}
	}
	g.numberSequentially(out)
	return out, nil
}

// generator holds what every account needs: the schema's picklists and
// the per-object defaults. It is read-only once built.
type generator struct {
	seed      uint64
	now       time.Time
	objects   map[string]*meta.Object
	defaults  map[string][]fieldDefault
	pick      map[string][]string // "Object.Field" → active picklist values
	owned     map[string]bool     // objects with OwnerId
	deletable map[string]bool     // objects with IsDeleted
	adminTS   string
}

type fieldDefault struct{ name, value string }

func newGenerator(schema *meta.Schema, seed uint64, now time.Time) (*generator, error) {
	g := &generator{
		seed: seed, now: now,
		objects:   map[string]*meta.Object{},
		defaults:  map[string][]fieldDefault{},
		pick:      map[string][]string{},
		owned:     map[string]bool{},
		deletable: map[string]bool{},
	}
	for _, name := range []string{User, LeadStatus, Account, Contact, Opportunity, Case, Lead, Invoice} {
		o, ok := schema.Object(name)
		if !ok {
			return nil, fmt.Errorf("seed: the schema has no %s", name)
		}
		g.objects[name] = o
		_, g.owned[name] = o.Field("OwnerId")
		_, g.deletable[name] = o.Field("IsDeleted")
		for _, f := range o.Fields {
			if d, ok := defaultOf(&f); ok {
				g.defaults[name] = append(g.defaults[name], fieldDefault{f.Name, d})
			}
			if len(f.PicklistValues) > 0 {
				var vals []string
				for _, p := range f.PicklistValues {
					if p.Active {
						vals = append(vals, p.Value)
					}
				}
				g.pick[name+"."+f.Name] = vals
			}
		}
	}
	for _, need := range []string{
		"Account.Industry", "Account.Type", "Account.Ownership", "Account.Rating", "Account.AccountSource",
		"Account.Tier__c", "Account.Regions__c", "Contact.LeadSource", "Contact.Salutation", "Lead.Salutation", "Opportunity.StageName",
		"Opportunity.Type", "Opportunity.LeadSource", "Case.Status", "Case.Origin", "Case.Priority",
		"Case.Type", "Case.Reason", "Lead.Status", "Lead.LeadSource", "Lead.Industry",
		"Invoice__c.Status__c",
	} {
		if len(g.pick[need]) == 0 {
			return nil, fmt.Errorf("seed: the schema has no picklist values for %s", need)
		}
	}
	g.adminTS = meta.FormatDateTime(now.AddDate(-2, 0, -1))
	return g, nil
}

// defaultOf returns what a create stores in a field left out: booleans get
// their default (false unless stated), defaulted picklists their default.
func defaultOf(f *meta.Field) (string, bool) {
	if !f.Createable && f.Type != "boolean" {
		return "", false
	}
	switch f.Type {
	case "boolean":
		if b, ok := f.DefaultValue.(bool); ok && b {
			return "true", true
		}
		return "false", true
	case "picklist", "multipicklist":
		if s, ok := f.DefaultValue.(string); ok && s != "" && f.DefaultedOnCreate {
			return s, true
		}
	}
	return "", false
}

// finish fills defaults and the system fields of a record.
func (g *generator) finish(object string, r meta.Record, created, modified string) meta.Record {
	for _, d := range g.defaults[object] {
		if _, ok := r[d.name]; !ok {
			r[d.name] = d.value
		}
	}
	if g.deletable[object] {
		r["IsDeleted"] = "false"
	}
	r["CreatedDate"] = created
	r["CreatedById"] = AdminID
	r["LastModifiedDate"] = modified
	r["LastModifiedById"] = AdminID
	r["SystemModstamp"] = modified
	if g.owned[object] {
		r["OwnerId"] = AdminID
	}
	return r
}

func (g *generator) admin() meta.Record {
	r := meta.Record{
		"Id":                meta.FormatID("005", adminNumber),
		"Username":          AdminUsername,
		"FirstName":         "Sim",
		"LastName":          "Admin",
		"Name":              "Sim Admin",
		"Alias":             "sadmin",
		"CommunityNickname": "sim.admin",
		"Email":             AdminUsername,
		"CompanyName":       "sfsim",
		"Title":             "System Administrator",
		"Department":        "IT",
		"IsActive":          "true",
		"TimeZoneSidKey":    "America/Los_Angeles",
		"LocaleSidKey":      "en_US",
		"EmailEncodingKey":  "UTF-8",
		"LanguageLocaleKey": "en_US",
		"ProfileId":         meta.FormatID(profilePrefix, adminNumber),
		"UserType":          "Standard",
		"City":              "San Francisco",
		"State":             "CA",
		"Country":           "United States",
		"LastLoginDate":     meta.FormatDateTime(g.now.Add(-time.Hour)),
	}
	return g.finish(User, r, g.adminTS, g.adminTS)
}

// leadStatuses are the LeadStatus records behind the Lead.Status picklist.
func (g *generator) leadStatuses() []meta.Record {
	lead := g.objects[Lead]
	status, _ := lead.Field("Status")
	out := make([]meta.Record, 0, len(status.PicklistValues))
	for i, p := range status.PicklistValues {
		r := meta.Record{
			"Id":          meta.FormatID("01J", uint64(leadStatusFirst+i)),
			"MasterLabel": p.Value,
			"ApiName":     p.Value,
			"SortOrder":   strconv.Itoa(i + 1),
			"IsDefault":   strconv.FormatBool(p.DefaultValue),
			"IsConverted": strconv.FormatBool(p.Value == meta.ConvertedLeadStatus),
		}
		out = append(out, g.finish(LeadStatus, r, g.adminTS, g.adminTS))
	}
	return out
}

// chunkSize is how many accounts one worker generates at a time.
const chunkSize = 1024

// accounts generates n accounts and their children, in parallel chunks
// whose results come back in account order.
func (g *generator) accounts(n int) []map[string][]meta.Record {
	chunks := (n + chunkSize - 1) / chunkSize
	parts := make([]map[string][]meta.Record, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), chunks) {
		wg.Go(func() {
			src := &rand.PCG{}
			rng := rand.New(src)
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				lo, hi := c*chunkSize, min((c+1)*chunkSize, n)
				part := map[string][]meta.Record{}
				for i := lo; i < hi; i++ {
					// A fresh, index-derived stream per account: account
					// i's data depends on neither n nor the chunking.
					src.Seed(splitmix64(g.seed^splitmix64(uint64(i))), splitmix64(uint64(i)+0x5eed))
					g.account(rng, i, part)
				}
				parts[c] = part
			}
		})
	}
	wg.Wait()
	return parts
}

// splitmix64 scrambles x, so that neighbouring account indexes seed
// unrelated random streams.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func id(prefix string, account, slot int) string {
	return meta.FormatID(prefix, uint64((account+1)*blockSize+slot))
}

// AccountID returns the id Generate gives account i (from 0), so tests and
// tools can find a seeded account without a query.
func AccountID(i int) string { return id("001", i, 0) }

func oneOf[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

// between returns a moment uniformly between a and b.
func between(rng *rand.Rand, a, b time.Time) time.Time {
	d := b.Sub(a)
	if d <= 0 {
		return a
	}
	return a.Add(time.Duration(rng.Int64N(int64(d)))).Truncate(time.Second)
}

// money returns a round amount between lo and hi, in steps of step.
func money(rng *rand.Rand, lo, hi, step int) float64 {
	return float64(lo + rng.IntN((hi-lo)/step+1)*step)
}

func phone(rng *rand.Rand, p place) string {
	n := fmt.Sprintf("555-01%02d", rng.IntN(100))
	if p.country == "United States" || p.country == "Canada" {
		return "(" + p.phoneArea + ") " + n
	}
	return "+" + countryCode(p.country) + " " + p.phoneArea + " " + n
}

func countryCode(country string) string {
	switch country {
	case "United Kingdom":
		return "44"
	case "Ireland":
		return "353"
	case "Germany":
		return "49"
	case "France":
		return "33"
	case "Netherlands":
		return "31"
	case "Australia":
		return "61"
	case "Singapore":
		return "65"
	case "Japan":
		return "81"
	}
	return "1"
}

// domainOf makes a web domain from a company name: "Blue Ridge Logistics
// Inc." → "blueridgelogistics.com".
func domainOf(first, second string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(first + second) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	b.WriteString(".com")
	return b.String()
}

func emailLocal(first, last string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(first + "." + last) {
		switch {
		case r >= 'a' && r <= 'z', r == '.':
			b.WriteRune(r)
		case r == 'ü':
			b.WriteString("ue")
		}
	}
	return b.String()
}

// stages pairs each Opportunity stage with Salesforce's default
// probability and forecast category for it.
var stages = map[string]struct {
	probability   float64
	forecast      string
	forecastName  string
	closed, isWon bool
}{
	"Prospecting":          {10, "Pipeline", "Pipeline", false, false},
	"Qualification":        {10, "Pipeline", "Pipeline", false, false},
	"Needs Analysis":       {20, "Pipeline", "Pipeline", false, false},
	"Value Proposition":    {50, "Pipeline", "Pipeline", false, false},
	"Id. Decision Makers":  {60, "Pipeline", "Pipeline", false, false},
	"Perception Analysis":  {70, "Pipeline", "Pipeline", false, false},
	"Proposal/Price Quote": {75, "Pipeline", "Pipeline", false, false},
	"Negotiation/Review":   {90, "Pipeline", "Pipeline", false, false},
	"Closed Won":           {100, "Closed", "Closed", true, true},
	"Closed Lost":          {0, "Omitted", "Omitted", true, false},
}

// Map size hints. A Go map's memory grows in steps (up to 8 entries, 28,
// 56, …), so child records are kept to at most childHint fields — derived
// read-only fields such as ExpectedRevenue or Fiscal, which the emulator
// would also have to maintain on every write, are left out — and the
// account, one per block, to accountHint.
const (
	childHint   = 28
	accountHint = 48
)

// account generates account i and its children into part. The order of
// the steps, like the order of the draws inside each, is the seed's
// format: changing it changes every org seeded.
func (g *generator) account(rng *rand.Rand, i int, part map[string][]meta.Record) {
	acc := g.accountRecord(rng, i, part)
	g.contacts(rng, &acc, part)
	g.opportunities(rng, &acc, part)
	g.cases(rng, &acc, part)
	g.invoices(rng, &acc, part)
	// A lead for every other account slot, never converted.
	if rng.IntN(2) == 0 {
		g.lead(rng, i, part)
	}
}

// accountSeed is what an account's children take from it.
type accountSeed struct {
	i                 int
	id, name, domain  string
	place             place
	street            string
	created, modified time.Time
	// The contacts, set by contacts.
	contactIDs, contactEmails, contactPhones []string
}

// accountRecord generates the Account record of account i.
func (g *generator) accountRecord(rng *rand.Rand, i int, part map[string][]meta.Record) accountSeed {
	first, second := oneOf(rng, companyFirst), oneOf(rng, companySecond)
	name := first + " " + second + " " + oneOf(rng, companySuffix)
	domain := domainOf(first, second)
	p := oneOf(rng, places)
	street := strconv.Itoa(1+rng.IntN(9899)) + " " + oneOf(rng, streetNames)
	created := between(rng, g.now.AddDate(-2, 0, 0), g.now.AddDate(0, 0, -7))
	modified := between(rng, created, g.now)
	createdS, modifiedS := meta.FormatDateTime(created), meta.FormatDateTime(modified)
	accountID := id("001", i, 0)
	employees := 5 + rng.IntN(20000)

	a := make(meta.Record, accountHint)
	a["Id"] = accountID
	a["Name"] = name
	a["Type"] = oneOf(rng, g.pick["Account.Type"])
	a["Industry"] = oneOf(rng, g.pick["Account.Industry"])
	a["BillingStreet"] = street
	a["BillingCity"] = p.city
	if p.state != "" {
		a["BillingState"] = p.state
	}
	a["BillingPostalCode"] = p.postalCode
	a["BillingCountry"] = p.country
	a["BillingLatitude"] = meta.FormatDouble(p.lat)
	a["BillingLongitude"] = meta.FormatDouble(p.lon)
	if rng.IntN(3) == 0 {
		a["ShippingStreet"] = street
		a["ShippingCity"] = p.city
		if p.state != "" {
			a["ShippingState"] = p.state
		}
		a["ShippingPostalCode"] = p.postalCode
		a["ShippingCountry"] = p.country
	}
	a["Phone"] = phone(rng, p)
	a["Website"] = "https://www." + domain
	a["AccountNumber"] = fmt.Sprintf("CD%06d", 100000+i)
	a["AnnualRevenue"] = meta.FormatDouble(float64(employees) * money(rng, 80_000, 400_000, 5_000))
	a["NumberOfEmployees"] = strconv.Itoa(employees)
	a["Ownership"] = oneOf(rng, g.pick["Account.Ownership"])
	a["Rating"] = oneOf(rng, g.pick["Account.Rating"])
	a["AccountSource"] = oneOf(rng, g.pick["Account.AccountSource"])
	if i > 0 && rng.IntN(10) == 0 {
		a["ParentId"] = id("001", rng.IntN(i), 0)
	}
	a["External_Id__c"] = fmt.Sprintf("EXT-%08d", i+1)
	a["Tier__c"] = oneOf(rng, g.pick["Account.Tier__c"])
	regions := g.pick["Account.Regions__c"]
	r1 := rng.IntN(len(regions))
	a["Regions__c"] = regions[r1]
	if len(regions) > 1 && rng.IntN(3) == 0 {
		// Salesforce keeps a multi-select value in picklist order.
		r2 := (r1 + 1 + rng.IntN(len(regions)-1)) % len(regions)
		a["Regions__c"] = regions[min(r1, r2)] + ";" + regions[max(r1, r2)]
	}
	a["Number_of_Locations__c"] = meta.FormatDouble(float64(1 + rng.IntN(120)))
	a["Key_Account__c"] = strconv.FormatBool(rng.IntN(5) == 0)
	a["Customer_Since__c"] = meta.FormatDate(created.AddDate(-rng.IntN(10), 0, 0))
	a["Health_Score__c"] = meta.FormatDouble(float64(3000+rng.IntN(7001)) / 100)
	part[Account] = append(part[Account], g.finish(Account, a, createdS, modifiedS))
	return accountSeed{i: i, id: accountID, name: name, domain: domain, place: p, street: street, created: created, modified: modified}
}

// contacts generates 2 or 3 contacts, the first one the others report to.
func (g *generator) contacts(rng *rand.Rand, acc *accountSeed, part map[string][]meta.Record) {
	nContacts := 2 + rng.IntN(2)
	acc.contactIDs = make([]string, nContacts)
	acc.contactEmails = make([]string, nContacts)
	acc.contactPhones = make([]string, nContacts)
	for k := range nContacts {
		fn, ln := oneOf(rng, firstNames), oneOf(rng, lastNames)
		cid := id("003", acc.i, slotContacts+k)
		acc.contactIDs[k] = cid
		c := make(meta.Record, childHint)
		c["Id"] = cid
		c["AccountId"] = acc.id
		c["Salutation"] = oneOf(rng, g.pick["Contact.Salutation"])
		c["FirstName"] = fn
		c["LastName"] = ln
		c["Name"] = fn + " " + ln
		c["Title"] = oneOf(rng, titles)
		if rng.IntN(2) == 0 {
			c["Department"] = oneOf(rng, departments)
		}
		acc.contactEmails[k] = emailLocal(fn, ln) + "@" + acc.domain
		c["Email"] = acc.contactEmails[k]
		acc.contactPhones[k] = phone(rng, acc.place)
		c["Phone"] = acc.contactPhones[k]
		if rng.IntN(2) == 0 {
			c["MobilePhone"] = phone(rng, acc.place)
		}
		c["LeadSource"] = oneOf(rng, g.pick["Contact.LeadSource"])
		c["MailingStreet"] = acc.street
		c["MailingCity"] = acc.place.city
		if acc.place.state != "" {
			c["MailingState"] = acc.place.state
		}
		c["MailingPostalCode"] = acc.place.postalCode
		c["MailingCountry"] = acc.place.country
		if rng.IntN(3) == 0 {
			c["Birthdate"] = meta.FormatDate(time.Date(1960+rng.IntN(40), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC))
		}
		if k > 0 {
			c["ReportsToId"] = acc.contactIDs[0]
		}
		cc := between(rng, acc.created, acc.modified)
		part[Contact] = append(part[Contact], g.finish(Contact, c, meta.FormatDateTime(cc), meta.FormatDateTime(between(rng, cc, g.now))))
	}
}

// opportunities generates 0 to 3 opportunities.
func (g *generator) opportunities(rng *rand.Rand, acc *accountSeed, part map[string][]meta.Record) {
	stageNames := g.pick["Opportunity.StageName"]
	for k := range rng.IntN(4) {
		stage := oneOf(rng, stageNames)
		st := stages[stage]
		amount := money(rng, 5_000, 500_000, 500)
		oc := between(rng, acc.created, g.now.AddDate(0, 0, -1))
		var closeDate time.Time
		if st.closed {
			closeDate = between(rng, oc, g.now)
		} else {
			closeDate = between(rng, g.now, g.now.AddDate(0, 9, 0))
		}
		o := make(meta.Record, childHint)
		o["Id"] = id("006", acc.i, slotOpps+k)
		o["AccountId"] = acc.id
		o["Name"] = acc.name + " - " + oneOf(rng, products)
		o["StageName"] = stage
		o["Amount"] = meta.FormatDouble(amount)
		o["Probability"] = meta.FormatDouble(st.probability)
		o["CloseDate"] = meta.FormatDate(closeDate)
		o["Type"] = oneOf(rng, g.pick["Opportunity.Type"])
		o["LeadSource"] = oneOf(rng, g.pick["Opportunity.LeadSource"])
		o["IsClosed"] = strconv.FormatBool(st.closed)
		o["IsWon"] = strconv.FormatBool(st.isWon)
		o["ForecastCategory"] = st.forecast
		o["ForecastCategoryName"] = st.forecastName
		o["ContactId"] = acc.contactIDs[rng.IntN(len(acc.contactIDs))]
		if !st.closed {
			o["NextStep"] = "Follow up call"
		}
		part[Opportunity] = append(part[Opportunity], g.finish(Opportunity, o, meta.FormatDateTime(oc), meta.FormatDateTime(between(rng, oc, g.now))))
	}
}

// cases generates 0 to 2 recent cases.
func (g *generator) cases(rng *rand.Rand, acc *accountSeed, part map[string][]meta.Record) {
	for k := range rng.IntN(3) {
		status := oneOf(rng, g.pick["Case.Status"])
		ct := rng.IntN(len(acc.contactIDs))
		cc := between(rng, maxTime(acc.created, g.now.AddDate(0, 0, -90)), g.now.Add(-time.Hour))
		c := make(meta.Record, childHint)
		c["Id"] = id("500", acc.i, slotCases+k)
		c["AccountId"] = acc.id
		c["ContactId"] = acc.contactIDs[ct]
		c["ContactEmail"] = acc.contactEmails[ct]
		c["ContactPhone"] = acc.contactPhones[ct]
		c["Subject"] = oneOf(rng, caseSubjects)
		c["Description"] = "Reported by the customer: " + strings.ToLower(c["Subject"]) + "."
		c["Status"] = status
		c["Origin"] = oneOf(rng, g.pick["Case.Origin"])
		c["Priority"] = oneOf(rng, g.pick["Case.Priority"])
		c["Type"] = oneOf(rng, g.pick["Case.Type"])
		c["Reason"] = oneOf(rng, g.pick["Case.Reason"])
		c["IsClosed"] = strconv.FormatBool(status == "Closed")
		c["IsEscalated"] = strconv.FormatBool(status == "Escalated")
		modified := between(rng, cc, g.now)
		if status == "Closed" {
			c["ClosedDate"] = meta.FormatDateTime(modified)
		}
		part[Case] = append(part[Case], g.finish(Case, c, meta.FormatDateTime(cc), meta.FormatDateTime(modified)))
	}
}

// invoices generates 0 to 3 invoices.
func (g *generator) invoices(rng *rand.Rand, acc *accountSeed, part map[string][]meta.Record) {
	for k := range rng.IntN(4) {
		issued := between(rng, acc.created, g.now).Truncate(24 * time.Hour)
		due := issued.AddDate(0, 0, 30)
		status := oneOf(rng, g.pick["Invoice__c.Status__c"])
		v := make(meta.Record, childHint)
		v["Id"] = id("a01", acc.i, slotInvoices+k)
		v["Account__c"] = acc.id
		v["Amount__c"] = meta.FormatDouble(money(rng, 100, 250_000, 1) + float64(rng.IntN(100))/100)
		v["Status__c"] = status
		v["Issue_Date__c"] = meta.FormatDate(issued)
		v["Due_Date__c"] = meta.FormatDate(due)
		if status == "Paid" {
			v["Paid_At__c"] = meta.FormatDateTime(between(rng, issued, maxTime(issued, minTime(due, g.now))))
		}
		if rng.IntN(4) == 0 {
			v["Notes__c"] = oneOf(rng, invoiceNotes)
		}
		part[Invoice] = append(part[Invoice], g.finish(Invoice, v, meta.FormatDateTime(issued), meta.FormatDateTime(between(rng, issued, g.now))))
	}
}

// lead generates the lead of account slot i.
func (g *generator) lead(rng *rand.Rand, i int, part map[string][]meta.Record) {
	fn, ln := oneOf(rng, firstNames), oneOf(rng, lastNames)
	lf, ls := oneOf(rng, companyFirst), oneOf(rng, companySecond)
	lp := oneOf(rng, places)
	var statuses []string
	for _, s := range g.pick["Lead.Status"] {
		if s != meta.ConvertedLeadStatus {
			statuses = append(statuses, s)
		}
	}
	lc := between(rng, g.now.AddDate(0, -6, 0), g.now.Add(-time.Hour))
	l := make(meta.Record, childHint)
	l["Id"] = id("00Q", i, slotLead)
	l["Salutation"] = oneOf(rng, g.pick["Lead.Salutation"])
	l["FirstName"] = fn
	l["LastName"] = ln
	l["Name"] = fn + " " + ln
	l["Company"] = lf + " " + ls + " " + oneOf(rng, companySuffix)
	l["Title"] = oneOf(rng, titles)
	l["Email"] = emailLocal(fn, ln) + "@" + domainOf(lf, ls)
	l["Phone"] = phone(rng, lp)
	l["Street"] = strconv.Itoa(1+rng.IntN(9899)) + " " + oneOf(rng, streetNames)
	l["City"] = lp.city
	if lp.state != "" {
		l["State"] = lp.state
	}
	l["PostalCode"] = lp.postalCode
	l["Country"] = lp.country
	l["Status"] = oneOf(rng, statuses)
	l["LeadSource"] = oneOf(rng, g.pick["Lead.LeadSource"])
	l["Industry"] = oneOf(rng, g.pick["Lead.Industry"])
	le := 5 + rng.IntN(5000)
	l["NumberOfEmployees"] = strconv.Itoa(le)
	l["AnnualRevenue"] = meta.FormatDouble(float64(le) * money(rng, 50_000, 300_000, 5_000))
	l["IsConverted"] = "false"
	l["IsUnreadByOwner"] = strconv.FormatBool(rng.IntN(3) == 0)
	part[Lead] = append(part[Lead], g.finish(Lead, l, meta.FormatDateTime(lc), meta.FormatDateTime(between(rng, lc, g.now))))
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// numberSequentially gives the auto-numbered and sequential names their
// values in id order, with no gaps: CaseNumber (Case's autonumber, 8
// digits from 00001000) and the invoices' Name and Invoice_Number__c.
func (g *generator) numberSequentially(out map[string][]meta.Record) {
	for k, c := range out[Case] {
		c["CaseNumber"] = fmt.Sprintf("%08d", FirstCaseNumber+k)
	}
	for k, v := range out[Invoice] {
		n := fmt.Sprintf("INV-%06d", k+1)
		v["Name"] = n
		v["Invoice_Number__c"] = n
	}
}

// FirstCaseNumber is the CaseNumber of the first seeded case; the next one
// a create gives is FirstCaseNumber + len(cases).
const FirstCaseNumber = 1000

// errNoSchema is returned for a nil schema.
var errNoSchema = errors.New("seed: nil schema")
