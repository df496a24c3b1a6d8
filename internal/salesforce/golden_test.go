package salesforce

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

var update = flag.Bool("update", false, "rewrite golden files")

// sampleOps maps a sample's file-name prefix to the operation whose answer
// it is.
var sampleOps = []struct{ prefix, op string }{
	{"convertlead-", "convertLead"},
	{"create-", "create"},
	{"delete-", "delete"},
	{"describeglobal-", "describeGlobal"},
	{"describesobject-", "describeSObject"},
	{"fault-", "query"},
	{"getdeleted-", "getDeleted"},
	{"getuserinfo-", "getUserInfo"},
	{"login-", "login"},
	{"merge-", "merge"},
	{"queryall-", "queryAll"},
	{"querymore-", "queryMore"},
	{"query-", "query"},
	{"retrieve-", "retrieve"},
	{"search-", "search"},
	{"update-", "update"},
	{"upsert-", "upsert"},
}

func sampleOp(name string) string {
	for _, p := range sampleOps {
		if strings.HasPrefix(name, p.prefix) {
			return p.op
		}
	}
	return ""
}

// fragmentEnvelope wraps a sample that is only a Body entry (its authors
// cut the envelope off) in the envelope real answers have, declaring the
// namespaces the fragment uses.
func fragmentEnvelope(frag []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"><soapenv:Body>`)
	b.Write(frag)
	b.WriteString(`</soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// decoded is what a sample decodes to, in the golden files.
type decoded struct {
	Op     string
	Limit  *partner.LimitInfo `json:",omitempty"`
	Fault  *partner.Error     `json:",omitempty"`
	Result any                `json:",omitempty"`
}

// decodeAnswer decodes an answer of op the way Client.post does.
func decodeAnswer(t *testing.T, op string, doc []byte) decoded {
	t.Helper()
	d := newDecoder(doc, DefaultMaxDepth)
	out := decoded{Op: op}
	fe := d.envelope(op+"Response", func() {
		switch op {
		case "convertLead":
			out.Result = d.leadConvertResults()
		case "create", "update":
			out.Result = d.saveResults()
		case "delete":
			out.Result = d.deleteResults()
		case "undelete":
			out.Result = d.undeleteResults()
		case "upsert":
			out.Result = d.upsertResults()
		case "merge":
			out.Result = d.mergeResults()
		case "describeGlobal":
			out.Result = d.describeGlobal()
		case "describeSObject":
			out.Result = d.describeSObjects()
		case "getUserInfo":
			out.Result = d.userInfoResponse()
		case "login":
			out.Result = d.loginResponse()
		case "query", "queryAll", "queryMore":
			out.Result = d.queryResponse()
		case "retrieve":
			out.Result = d.retrieveResults()
		case "search":
			out.Result = d.searchResult()
		default:
			// An operation the client does not offer: only the envelope
			// and its headers are decoded.
			d.sc.skip()
		}
	})
	if fe != nil {
		fe.Op = op
		out.Fault = fe
	}
	if d.limit != nil {
		// Updated is the arrival time: left out of golden files.
		out.Limit = &partner.LimitInfo{Current: d.limit.Current, Limit: d.limit.Limit, Type: d.limit.Type}
	}
	return out
}

func responseSamples(t *testing.T) []string {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "samples", "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, n := range names {
		b := filepath.Base(n)
		if strings.Contains(b, "-response-") || strings.HasPrefix(b, "fault-") {
			out = append(out, b)
		}
	}
	if len(out) != 39 {
		t.Fatalf("found %d response samples, want the 39 of ../shared/salesforce/samples", len(out))
	}
	return out
}

func loadSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "samples", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(name, "-fragment-") {
		b = fragmentEnvelope(b)
	}
	return b
}

// TestGoldenSamples decodes every real answer in testdata/samples and
// compares the result with testdata/golden/<sample>.json (-update rewrites
// them; review the diff).
func TestGoldenSamples(t *testing.T) {
	t.Parallel()
	for _, name := range responseSamples(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			op := sampleOp(name)
			if op == "" {
				t.Fatalf("no operation known for sample %s", name)
			}
			got := decodeAnswer(t, op, loadSample(t, name))
			if got.Fault != nil && got.Fault.Kind == partner.KindDecode {
				t.Fatalf("decode failed: %v", got.Fault)
			}
			js, err := json.MarshalIndent(got, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			js = append(js, '\n')
			golden := filepath.Join("testdata", "golden", strings.TrimSuffix(name, ".xml")+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, js, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -run TestGoldenSamples -update)", err)
			}
			if !bytes.Equal(js, want) {
				t.Errorf("decoded %s differs from %s:\n%s", name, golden, js)
			}
		})
	}
}
