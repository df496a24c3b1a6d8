package soql

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// benchSource is the test org plus 2,000 accounts spread over 50 owners.
func benchSource() *memSource {
	s := newMemSource()
	s.records["Account"] = nil
	for u := 0; u < 50; u++ {
		s.add("User", meta.Record{"Id": fmt.Sprintf("0050000001%05dAAA", u), "Name": fmt.Sprintf("Owner %02d", u), "IsActive": "true"})
	}
	for i := 0; i < 2000; i++ {
		s.add("Account", meta.Record{
			"Id": fmt.Sprintf("0010000001%05dAAA", i), "IsDeleted": "false", "Name": fmt.Sprintf("Account %04d", i),
			"AnnualRevenue": fmt.Sprintf("%d.%02d", 1000+i*37%5000, i%100), "OwnerId": fmt.Sprintf("0050000001%05dAAA", i%50),
			"CreatedDate": fmt.Sprintf("2026-%02d-%02dT10:00:00.000Z", 1+i%12, 1+i%28), "Industry": []string{"Energy", "Banking", ""}[i%3],
		})
	}
	return s
}

const benchQuery = "SELECT Id, Name, Owner.Name, AnnualRevenue, CreatedDate FROM Account WHERE AnnualRevenue > 10 AND Name LIKE 'Account%' ORDER BY AnnualRevenue DESC, Name LIMIT 2000"

func TestBenchQueryReturns2000Rows(t *testing.T) {
	t.Parallel()
	res, err := Run(benchQuery, benchSource(), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if res.Size != 2000 || len(res.Rows) != 2000 {
		t.Fatalf("got %d rows, want 2000", res.Size)
	}
	want := baselineQuery(benchSource())
	for i, r := range res.Rows {
		if r.ID != want[i].ID || r.Items[2].Parent.Items[0].Value != want[i].Items[2].Parent.Items[0].Value {
			t.Fatalf("row %d: engine %s, baseline %s", i, r.ID, want[i].ID)
		}
	}
}

// baselineQuery is benchQuery written by hand against the records, with
// shortcuts only valid for this fixture (float revenues): about the least
// work any engine must do (filter, sort, shape rows), to show what the
// generic engine costs on top.
func baselineQuery(s *memSource) []*Row {
	type keyed struct {
		rec  meta.Record
		pos  int
		f    float64
		name string
	}
	var ks []keyed
	for i, r := range s.records["Account"] {
		f, err := strconv.ParseFloat(r["AnnualRevenue"], 64)
		if r["IsDeleted"] == "true" || err != nil || f <= 10 || !strings.HasPrefix(strings.ToLower(r["Name"]), "account") {
			continue
		}
		ks = append(ks, keyed{r, i, f, strings.ToLower(r["Name"])})
	}
	// Floats suffice here: no two revenues in the fixture tie as floats
	// without tying exactly.
	slices.SortFunc(ks, func(a, b keyed) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		return a.pos - b.pos
	})
	owners := map[string]meta.Record{}
	rows := make([]*Row, len(ks))
	for i, k := range ks {
		r := k.rec
		owner, ok := owners[r["OwnerId"]]
		if !ok {
			_, owner, _ = s.Get(r["OwnerId"])
			owners[r["OwnerId"]] = owner
		}
		rows[i] = &Row{Type: "Account", ID: r["Id"], IDSelected: true, Items: []Item{
			{Kind: ItemScalar, Name: "Id", Value: r["Id"]},
			{Kind: ItemScalar, Name: "Name", Value: r["Name"]},
			{Kind: ItemParent, Name: "Owner", Parent: &Row{Type: "User", ID: owner["Id"], Items: []Item{{Kind: ItemScalar, Name: "Name", Value: owner["Name"]}}}},
			{Kind: ItemScalar, Name: "AnnualRevenue", Value: r["AnnualRevenue"]},
			{Kind: ItemScalar, Name: "CreatedDate", Value: r["CreatedDate"]},
		}}
	}
	return rows
}

// BenchmarkQuery2000 compares parse+execute of a 2,000-row result with the
// hand-written baseline over the same records.
func BenchmarkQuery2000(b *testing.B) {
	src := benchSource()
	b.Run("baseline-hand-written", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if len(baselineQuery(src)) != 2000 {
				b.Fatal("wrong row count")
			}
		}
	})
	b.Run("parse+execute", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			res, err := Run(benchQuery, src, Options{Now: now})
			if err != nil || res.Size != 2000 {
				b.Fatal(err)
			}
		}
	})
	b.Run("parse-only", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(benchQuery); err != nil {
				b.Fatal(err)
			}
		}
	})
}
