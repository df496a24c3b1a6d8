package meta

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// Real 18-character ids from the captures in ../shared/salesforce (file
// named beside each); their suffix was computed by Salesforce.
var realIDs = []struct{ id, source string }{
	{"0012x000005mqKuAAI", "samples/convertlead-response-wso2.xml"},
	{"0032x000006I2xYAAS", "samples/convertlead-response-wso2.xml"},
	{"0062x0000053r8FAAQ", "samples/convertlead-response-wso2.xml"},
	{"00Q2x00000AH981EAD", "samples/convertlead-response-wso2.xml"},
	{"0016F00002S4Wj0QAF", "samples/retrieve-response-wso2.xml"},
	{"0016F00002pUVTMQA4", "samples/upsert-response-limitinfo-wso2.xml"},
	{"0036F00002mdwl2QAA", "samples/create-response-limitinfo-wso2.xml"},
	{"001D000000HS2PMIA1", "samples/querymore-response-notdone-wiki-v10.xml"},
	{"01gD0000001vELkIAM", "samples/querymore-request-wiki-v10.xml"},
	{"0035000000km1ovAAA", "samples/query-response-child-subqueries-fragment-palominolabs.xml"},
	{"5005000000AaQxtAAF", "samples/query-response-child-subqueries-fragment-palominolabs.xml"},
	{"006A000000LbkT5IAJ", "samples/retrieve-response-soapforce.xml"},
	{"005600000045vWeAAI", "samples/login-response-sandbox-v34-gist.xml"},
	{"0056F000009wCJgQAM", "samples/getuserinfo-response-wso2.xml"},
	{"00D6F000002SofgUAC", "samples/getuserinfo-response-wso2.xml"},
	{"00DA0000000YpZ4MAK", "samples/getuserinfo-response-soapforce.xml"},
	{"00E84884800njJZEAY", "samples/login-response-v37-compact-www-salesforce.xml"},
	{"012000000000000AAA", "describe/Account.json (Master record type)"},
	{"012i00000015xjdAAA", "describe/Account.json"},
	{"0M01Y0000008QAhSAM", "describe/Account.json (actionOverrides)"},
}

func TestTo18RealIDs(t *testing.T) {
	t.Parallel()
	for _, tc := range realIDs {
		t.Run(tc.id, func(t *testing.T) {
			t.Parallel()
			got, err := To18(tc.id[:15])
			if err != nil {
				t.Fatalf("To18(%q): %v", tc.id[:15], err)
			}
			if got != tc.id {
				t.Errorf("To18(%q) = %q, want %q (from %s)", tc.id[:15], got, tc.id, tc.source)
			}
			if got, err := To18(tc.id); err != nil || got != tc.id {
				t.Errorf("To18(%q) = %q, %v; want it unchanged", tc.id, got, err)
			}
		})
	}
}

func TestTo18Rejects(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, id string }{
		{"empty", ""},
		{"too short", "001D000000HS2P"},
		{"16 characters", "001D000000HS2PMI"},
		{"17 characters", "001D000000HS2PMIA"},
		{"19 characters", "001D000000HS2PMIA1X"},
		{"punctuation", "001D000000HS2P-"},
		{"non-ASCII", "001D000000HS2Pé"},
		{"wrong suffix", "001D000000HS2PMAAA"},
		{"suffix of another id", "001D000000HS2PMIAA"},
		{"case changed in the body", "001d000000HS2PMIA1"},
		// Redacted ids in published samples whose suffix no longer matches.
		{"redacted sample id", "001140000000000AA4"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got, err := To18(tc.id); !errors.Is(err, ErrInvalidID) {
				t.Errorf("To18(%q) = %q, %v; want ErrInvalidID", tc.id, got, err)
			}
			if ValidID(tc.id) {
				t.Errorf("ValidID(%q) = true", tc.id)
			}
		})
	}
}

func TestTo18SuffixIgnoresCase(t *testing.T) {
	t.Parallel()
	got, err := To18("001D000000HS2PMia1")
	if err != nil || got != "001D000000HS2PMIA1" {
		t.Errorf("To18 with a lower-case suffix = %q, %v; want the canonical id", got, err)
	}
}

func TestNewIDShape(t *testing.T) {
	t.Parallel()
	for _, prefix := range []string{"001", "003", "00Q", "006", "500", "005", "a01"} {
		id := NewID(prefix)
		if len(id) != 18 || !strings.HasPrefix(id, prefix) {
			t.Errorf("NewID(%q) = %q, want 18 characters starting with the prefix", prefix, id)
		}
		if !ValidID(id) || !ValidID(id[:15]) {
			t.Errorf("NewID(%q) = %q is not valid", prefix, id)
		}
		if KeyPrefix(id) != prefix {
			t.Errorf("KeyPrefix(%q) = %q", id, KeyPrefix(id))
		}
	}
	if KeyPrefix("00") != "" {
		t.Errorf("KeyPrefix of a 2-character string is not empty")
	}
	if !strings.HasPrefix(OrgID, "00D") || mustTo18(OrgID[:15]) != OrgID {
		t.Errorf("OrgID = %q, want a valid 18-character 00D id", OrgID)
	}
}

func mustTo18(id string) string {
	s, err := To18(id)
	if err != nil {
		panic(err)
	}
	return s
}

func TestIDGeneratorSequence(t *testing.T) {
	t.Parallel()
	g := NewIDGenerator(0)
	if got, want := g.New("001"), mustTo18("0015g0000000001"); got != want {
		t.Errorf("first id = %q, want %q", got, want)
	}
	if got, want := g.New("001"), mustTo18("0015g0000000002"); got != want {
		t.Errorf("second id = %q, want %q", got, want)
	}
	g = NewIDGenerator(61)
	if got, want := g.New("003"), mustTo18("0035g0000000010"); got != want {
		t.Errorf("id after 61 = %q, want %q (base 62 carry)", got, want)
	}
	// The runtime generator starts beyond anything a seed generator reaches.
	if got := NewIDGenerator(RuntimeIDStart).New("001"); got[:15] != "0015g0100000001" {
		t.Errorf("first runtime id = %q, want 0015g0100000001…", got)
	}
}

func TestIDGeneratorPanicsOnBadPrefix(t *testing.T) {
	t.Parallel()
	for _, p := range []string{"", "01", "0011", "0-1"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("New(%q) did not panic", p)
				}
			}()
			NewIDGenerator(0).New(p)
		}()
	}
}

func TestNewIDConcurrentUnique(t *testing.T) {
	t.Parallel()
	const workers, each = 8, 2000
	g := NewIDGenerator(0)
	ids := make(chan string, workers*each)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				ids <- g.New("001")
			}
		})
	}
	wg.Wait()
	close(ids)
	seen := make(map[string]bool, workers*each)
	for id := range ids {
		// Unique ignoring case too: 18-character ids must survive
		// case-insensitive comparison.
		k := strings.ToLower(id)
		if seen[k] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[k] = true
	}
	if len(seen) != workers*each {
		t.Errorf("%d ids, want %d", len(seen), workers*each)
	}
}

func BenchmarkNewID(b *testing.B) {
	g := NewIDGenerator(0)
	b.ReportAllocs()
	for b.Loop() {
		g.New("001")
	}
}

// FuzzTo18 checks To18 never panics, accepts exactly the ids it can
// canonicalise, and agrees between the 15- and 18-character forms.
func FuzzTo18(f *testing.F) {
	for _, tc := range realIDs {
		f.Add(tc.id)
		f.Add(tc.id[:15])
	}
	f.Add("001140000000000AA4")
	f.Add("")
	f.Fuzz(func(t *testing.T, id string) {
		got, err := To18(id)
		if err != nil {
			if !errors.Is(err, ErrInvalidID) {
				t.Fatalf("To18(%q) error %v does not wrap ErrInvalidID", id, err)
			}
			return
		}
		if len(got) != 18 || got[:15] != id[:15] {
			t.Fatalf("To18(%q) = %q", id, got)
		}
		again, err := To18(got[:15])
		if err != nil || again != got {
			t.Fatalf("To18(%q) = %q, %v; want %q", got[:15], again, err, got)
		}
		wrong := got[:17] + string(checksumAlphabet[(strings.IndexByte(checksumAlphabet, got[17])+1)%32])
		if _, err := To18(wrong); err == nil {
			t.Fatalf("To18(%q) accepted a wrong checksum", wrong)
		}
	})
}
