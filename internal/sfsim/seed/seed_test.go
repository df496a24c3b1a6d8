package seed

import (
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

var schema = sync.OnceValues(meta.Load)

func mustSchema(t testing.TB) *meta.Schema {
	t.Helper()
	s, err := schema()
	if err != nil {
		t.Fatalf("meta.Load: %v", err)
	}
	return s
}

var testNow = time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)

func generate(t testing.TB, o Options) map[string][]meta.Record {
	t.Helper()
	out, err := Generate(mustSchema(t), o)
	if err != nil {
		t.Fatalf("Generate(%+v): %v", o, err)
	}
	return out
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	a := generate(t, Options{Accounts: 300, Rand: 7, Now: testNow})
	b := generate(t, Options{Accounts: 300, Rand: 7, Now: testNow})
	if d := cmp.Diff(a, b); d != "" {
		t.Fatalf("same options, different data (-first +second):\n%s", d)
	}
	c := generate(t, Options{Accounts: 300, Rand: 8, Now: testNow})
	if cmp.Equal(a[Account], c[Account]) {
		t.Errorf("a different Rand gave the same accounts")
	}
	// Account i does not depend on how many accounts are generated (nor on
	// the parallel chunking): a small org is a prefix of a large one.
	big := generate(t, Options{Accounts: 2*chunkSize + 5, Rand: 7, Now: testNow})
	for _, obj := range []string{Account, Contact, Opportunity, Case, Lead, Invoice, User, LeadStatus} {
		if len(big[obj]) < len(a[obj]) {
			t.Fatalf("%s: %d records in the big org, %d in the small one", obj, len(big[obj]), len(a[obj]))
		}
		if d := cmp.Diff(a[obj], big[obj][:len(a[obj])]); d != "" {
			t.Errorf("%s: the small org is not a prefix of the big one (-small +big):\n%s", obj, d)
		}
	}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	out, err := Generate(mustSchema(t), Options{Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(out[Account]); got != DefaultAccounts {
		t.Errorf("%d accounts by default, want %d", got, DefaultAccounts)
	}
	none, err := Generate(mustSchema(t), Options{Accounts: NoAccounts, Now: testNow})
	if err != nil {
		t.Fatal(err)
	}
	for obj, recs := range none {
		if want := map[string]int{User: 1, LeadStatus: 4}[obj]; len(recs) != want {
			t.Errorf("NoAccounts: %d %s records, want %d", len(recs), obj, want)
		}
	}
	if len(none) != 8 {
		t.Errorf("NoAccounts: %d objects in the result, want all 8", len(none))
	}
	for _, bad := range []int{-2, MaxAccounts + 1} {
		if _, err := Generate(mustSchema(t), Options{Accounts: bad}); err == nil {
			t.Errorf("Generate with %d accounts did not fail", bad)
		}
	}
	if _, err := Generate(nil, Options{}); err == nil {
		t.Errorf("Generate with a nil schema did not fail")
	}
	bare := meta.NewSchema(&meta.Object{Name: "Account"})
	if _, err := Generate(bare, Options{}); err == nil {
		t.Errorf("Generate with a schema lacking objects did not fail")
	}
}

// TestRecordsMatchSchema checks every seeded value against the describe:
// known field, wire form of its type, length, picklist membership, and
// references to existing records of the right type.
func TestRecordsMatchSchema(t *testing.T) {
	t.Parallel()
	s := mustSchema(t)
	out := generate(t, Options{Accounts: 400, Rand: 3, Now: testNow})
	byID := map[string]string{} // id → object
	for obj, recs := range out {
		o, ok := s.Object(obj)
		if !ok {
			t.Fatalf("seeded object %s is not in the schema", obj)
		}
		for _, r := range recs {
			id := r["Id"]
			if len(id) != 18 || !meta.ValidID(id) || meta.KeyPrefix(id) != o.Prefix() {
				t.Errorf("%s id %q is not a valid %s id", obj, id, o.Prefix())
			}
			if prev, dup := byID[strings.ToLower(id)]; dup {
				t.Errorf("id %s used by %s and %s", id, prev, obj)
			}
			byID[strings.ToLower(id)] = obj
		}
	}
	for obj, recs := range out {
		o, _ := s.Object(obj)
		for _, r := range recs {
			for _, f := range o.Fields {
				if !f.Nillable && f.Type != "address" && f.Type != "location" {
					if _, ok := r[f.Name]; !ok && !(obj == LeadStatus && f.Name != "Id") {
						t.Errorf("%s %s: non-nillable %s is missing", obj, r["Id"], f.Name)
					}
				}
			}
			for name, v := range r {
				f, ok := o.Field(name)
				if !ok {
					t.Errorf("%s %s: field %s is not in the describe", obj, r["Id"], name)
					continue
				}
				if f.Name != name {
					t.Errorf("%s: key %s is not in describe case %s", obj, name, f.Name)
				}
				if msg := checkValue(f, v, byID); msg != "" {
					t.Errorf("%s %s: %s = %q: %s", obj, r["Id"], name, v, msg)
				}
			}
		}
	}
}

func checkValue(f *meta.Field, v string, byID map[string]string) string {
	switch f.SoapType {
	case "xsd:string":
		if n := utf8.RuneCountInString(v); n > f.Length {
			return fmt.Sprintf("%d characters, field length %d", n, f.Length)
		}
		if v == "" {
			return "empty string instead of absent"
		}
	case "xsd:boolean":
		if v != "true" && v != "false" {
			return "not a boolean"
		}
	case "xsd:double":
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || meta.FormatDouble(x) != v {
			return "not a double in Salesforce's form"
		}
	case "xsd:int":
		if _, err := strconv.Atoi(v); err != nil {
			return "not an int"
		}
	case "xsd:date":
		if _, err := time.Parse(meta.DateLayout, v); err != nil {
			return "not a date"
		}
	case "xsd:dateTime":
		at, err := time.Parse(meta.DateTimeLayout, v)
		if err != nil {
			return "not a dateTime"
		}
		if at.After(testNow) && f.Name != "CloseDate" {
			return "in the future"
		}
	case "tns:ID":
		if !meta.ValidID(v) || len(v) != 18 {
			return "not an 18-character id"
		}
		if f.Type == "reference" {
			target, ok := byID[strings.ToLower(v)]
			if f.Name == "ProfileId" && meta.KeyPrefix(v) == "00e" {
				return "" // the emulator has no Profile object
			}
			if !ok {
				return "dangling reference"
			}
			if !slices.Contains(f.ReferenceTo, target) {
				return fmt.Sprintf("references a %s, want %v", target, f.ReferenceTo)
			}
		}
	default:
		return "unexpected soapType " + f.SoapType
	}
	switch f.Type {
	case "picklist":
		if !picklistHas(f, v) {
			return "not a value of the picklist"
		}
	case "multipicklist":
		for _, p := range strings.Split(v, ";") {
			if !picklistHas(f, p) {
				return "not values of the picklist"
			}
		}
	case "email":
		if !strings.Contains(v, "@") {
			return "not an email"
		}
	}
	return ""
}

func picklistHas(f *meta.Field, v string) bool {
	for _, p := range f.PicklistValues {
		if p.Value == v && p.Active {
			return true
		}
	}
	return false
}

func TestShape(t *testing.T) {
	t.Parallel()
	out := generate(t, Options{Accounts: 500, Rand: 11, Now: testNow})
	if len(out[User]) != 1 || out[User][0]["Username"] != AdminUsername || out[User][0]["Id"] != AdminID ||
		out[User][0]["IsActive"] != "true" || out[User][0]["ProfileId"] != AdminProfileID {
		t.Errorf("users = %v, want the one admin", out[User])
	}
	perAccount := map[string]int{}
	for _, c := range out[Contact] {
		perAccount[c["AccountId"]]++
		if c["Name"] != c["FirstName"]+" "+c["LastName"] {
			t.Errorf("contact Name %q is not FirstName LastName", c["Name"])
		}
	}
	for _, a := range out[Account] {
		if n := perAccount[a["Id"]]; n < 2 || n > 3 {
			t.Errorf("account %s has %d contacts, want 2 or 3", a["Id"], n)
		}
		for _, f := range []string{"Name", "Industry", "Type", "BillingCity", "BillingCountry", "Phone", "Website", "AnnualRevenue", "External_Id__c", "Tier__c"} {
			if a[f] == "" {
				t.Errorf("account %s lacks %s", a["Id"], f)
			}
		}
	}
	if AccountID(0) != out[Account][0]["Id"] || AccountID(499) != out[Account][499]["Id"] {
		t.Errorf("AccountID does not give the seeded ids")
	}
	unique := func(obj, field string) {
		seen := map[string]bool{}
		for _, r := range out[obj] {
			if seen[r[field]] {
				t.Errorf("%s.%s %q repeats", obj, field, r[field])
			}
			seen[r[field]] = true
		}
	}
	unique(Account, "External_Id__c")
	unique(Invoice, "Invoice_Number__c")
	unique(Case, "CaseNumber")
	if out[Case][0]["CaseNumber"] != "00001000" {
		t.Errorf("first CaseNumber = %q", out[Case][0]["CaseNumber"])
	}
	for _, o := range out[Opportunity] {
		st := stages[o["StageName"]]
		if o["IsClosed"] != strconv.FormatBool(st.closed) || o["IsWon"] != strconv.FormatBool(st.isWon) || o["ForecastCategory"] != st.forecast {
			t.Errorf("opportunity %s: stage %s with IsClosed %s IsWon %s ForecastCategory %s", o["Id"], o["StageName"], o["IsClosed"], o["IsWon"], o["ForecastCategory"])
		}
	}
	for _, c := range out[Case] {
		if (c["Status"] == "Closed") != (c["IsClosed"] == "true") || (c["ClosedDate"] != "") != (c["Status"] == "Closed") {
			t.Errorf("case %s: Status %s, IsClosed %s, ClosedDate %q", c["Id"], c["Status"], c["IsClosed"], c["ClosedDate"])
		}
	}
	for _, l := range out[Lead] {
		if l["IsConverted"] != "false" || l["Status"] == meta.ConvertedLeadStatus || l["ConvertedAccountId"] != "" {
			t.Errorf("lead %s looks converted", l["Id"])
		}
	}
	converted := 0
	for _, ls := range out[LeadStatus] {
		if ls["IsConverted"] == "true" {
			converted++
			if ls["MasterLabel"] != meta.ConvertedLeadStatus {
				t.Errorf("converted status is %q", ls["MasterLabel"])
			}
		}
	}
	if converted != 1 || len(out[LeadStatus]) != 4 {
		t.Errorf("%d lead statuses, %d converted; want 4 and 1", len(out[LeadStatus]), converted)
	}
	// Proportions a demo relies on: every object has records.
	for _, obj := range []string{Opportunity, Case, Lead, Invoice} {
		if len(out[obj]) < 100 {
			t.Errorf("only %d %s records for 500 accounts", len(out[obj]), obj)
		}
	}
}

// cpuTime is the CPU time (user and system) this process has used: unlike
// wall time it does not depend on what else runs on the machine.
func cpuTime(t *testing.T) time.Duration {
	t.Helper()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatalf("getrusage: %v", err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// TestScale generates a large org (the gateway's load tests use
// -seed-accounts 200000) and bounds CPU time and memory per account, with a
// wide margin over what this 2-core machine measures (see
// docs/sfsim-metadata.md).
func TestScale(t *testing.T) {
	n := 20_000
	if race {
		n = 2_000
	}
	s := mustSchema(t)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	cpu0, start := cpuTime(t), time.Now()
	out, err := Generate(s, Options{Accounts: n, Rand: 1, Now: testNow})
	took, cpu := time.Since(start), cpuTime(t)-cpu0
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	records := 0
	for _, recs := range out {
		records += len(recs)
	}
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%d accounts: %d records in %v wall, %v CPU; %d MiB live (%d bytes per record)",
		n, records, took, cpu, heap>>20, heap/int64(records))
	limit := 250 * time.Microsecond
	if race {
		limit *= 10
	}
	if per := cpu / time.Duration(n); per > limit {
		t.Errorf("%v CPU per account, want under %v", per, limit)
	}
	if per := heap / int64(n); per > 16<<10 && !race {
		t.Errorf("%d bytes per account, want under 16 KiB", per)
	}
	runtime.KeepAlive(out)
}

// BenchmarkGenerate measures generation per account; the "maps-only"
// baseline allocates and fills maps of the same sizes with constant
// strings, the floor a map-per-record representation imposes.
func BenchmarkGenerate(b *testing.B) {
	s := mustSchema(b)
	for _, n := range []int{DefaultAccounts, 2_000, 20_000} {
		out, err := Generate(s, Options{Accounts: n, Rand: 1, Now: testNow})
		if err != nil {
			b.Fatal(err)
		}
		var sizes []int
		for _, recs := range out {
			for _, r := range recs {
				sizes = append(sizes, len(r))
			}
		}
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Generate(s, Options{Accounts: n, Rand: 1, Now: testNow}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/account")
		})
		b.Run(strconv.Itoa(n)+"/maps-only", func(b *testing.B) {
			b.ReportAllocs()
			keys := make([]string, 128)
			for i := range keys {
				keys[i] = "Field" + strconv.Itoa(i)
			}
			for b.Loop() {
				recs := make([]meta.Record, len(sizes))
				for i, size := range sizes {
					r := make(meta.Record, size)
					for _, k := range keys[:size] {
						r[k] = "value"
					}
					recs[i] = r
				}
				runtime.KeepAlive(recs)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/account")
		})
	}
}
