package handlers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
)

// stdlibJSON is the reference: what the gateway wrote before appendJSON,
// json.Marshal for answers and an Encoder without HTML escaping for NDJSON.
func stdlibJSON(v any, html bool) ([]byte, error) {
	if html {
		return json.Marshal(v)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// checkSameJSON fails t unless appendJSON writes exactly what encoding/json
// writes for v, in both escaping modes, or both fail with the same message.
func checkSameJSON(t testing.TB, v any) {
	t.Helper()
	for _, html := range []bool{true, false} {
		want, wantErr := stdlibJSON(v, html)
		got, gotErr := appendJSON([]byte("prefix:"), v, html)
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("escapeHTML=%v: error %v, encoding/json's %v for %#v", html, gotErr, wantErr, v)
		}
		if wantErr != nil {
			// Through an OrderedRecord's MarshalJSON, encoding/json wraps
			// the same message ("error calling MarshalJSON for type …").
			if gotErr.Error() != wantErr.Error() && !strings.Contains(wantErr.Error(), gotErr.Error()) {
				t.Fatalf("escapeHTML=%v: error %q, encoding/json's %q", html, gotErr, wantErr)
			}
			continue
		}
		if !bytes.HasPrefix(got, []byte("prefix:")) {
			t.Fatalf("escapeHTML=%v: did not append to dst: %q", html, got)
		}
		if got = got[len("prefix:"):]; !bytes.Equal(got, want) {
			t.Fatalf("escapeHTML=%v: for %#v\n got %q\nwant %q", html, v, got, want)
		}
	}
}

// checkPageJSON fails t unless page's records, written ahead as the engine
// writes them (RecordJSON, no HTML escaping), make the bytes
// encoding/json writes for page, in both escaping modes; and an NDJSON
// line is the record as it was written.
func checkPageJSON(t testing.TB, page sfgate.QueryPage) {
	t.Helper()
	pj := sfgate.QueryPageJSON{TotalSize: page.TotalSize, Done: page.Done, NextCursor: page.NextCursor}
	if page.Records != nil {
		pj.Records = []sfgate.RecordJSON{}
	}
	for _, r := range page.Records {
		b, err := stdlibJSON(r, false)
		if err != nil {
			t.Fatal(err)
		}
		pj.Records = append(pj.Records, b)
	}
	for _, html := range []bool{true, false} {
		want, err := stdlibJSON(page, html)
		if err != nil {
			t.Fatal(err)
		}
		got, err := appendJSON(nil, &pj, html)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("escapeHTML=%v:\n got %q\nwant %q", html, got, want)
		}
		if viaStdlib, err := stdlibJSON(pj, html); err != nil || !bytes.Equal(viaStdlib, want) {
			t.Fatalf("escapeHTML=%v: encoding/json writes the page %q (%v), want %q", html, viaStdlib, err, want)
		}
	}
}

// ord builds an OrderedRecord from key, value pairs.
func ord(kv ...any) sfgate.OrderedRecord {
	r := make(sfgate.OrderedRecord, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		r = append(r, sfgate.Member{Key: kv[i].(string), Value: kv[i+1]})
	}
	return r
}

type htmlMarshaler struct{}

func (htmlMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"<a&b>"`), nil }

func TestAppendJSONMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cyclic := map[string]any{"Name": "loop"}
	cyclic["Parent"] = cyclic
	cursor := sfgate.QueryPage{TotalSize: 3, Done: false, Records: []sfgate.OrderedRecord{ord("Id", "001")}, NextCursor: "c<&>"}
	tests := []struct {
		name string
		v    any
	}{
		{"nil", nil},
		{"nil record", sfgate.Record(nil)},
		{"empty record", sfgate.Record{}},
		{"ascii string", "Acme Corp"},
		{"json escapes", "quote\" back\\ nl\n cr\r tab\t bs\b ff\f"},
		{"control characters", "\x00\x01\x1f\x7f"},
		{"html characters", "<script>&amp;</script>"},
		{"line and paragraph separators", "a\u2028b\u2029c"},
		{"invalid utf-8", "bad \xff \xc3 \xed\xa0\x80 end\xe2\x82"},
		{"multi-byte", "Zürich 東京 🚀"},
		{"numbers", []any{json.Number("0"), json.Number("-12.5e+3"), json.Number("1E9"), json.Number("123456789012345678901234567890.125")}},
		{"empty number", json.Number("")},
		{"invalid number", sfgate.Record{"AnnualRevenue": json.Number("1.")}},
		{"number with spaces", json.Number(" 1")},
		{"leading zero number", json.Number("01")},
		{"bools and null", sfgate.Record{"a": true, "b": false, "c": nil}},
		{"keys sorted bytewise with escapes", sfgate.Record{"b": 1, "B": 2, "<k>": 3, "é": 4, "a\u2028": 5, "\xff": 6, "": 7}},
		{"parent and child subquery", sfgate.Record{
			"Id": "001", "Owner": sfgate.Record{"Name": "Ann", "Email": "a@b.c"},
			"Contacts": []any{sfgate.Record{"Id": "003", "Tags": []any{"x", "y"}}, sfgate.Record{}},
			"Empty":    []any{}, "NilList": []any(nil), "NilParent": sfgate.Record(nil),
		}},
		{"fallback values", sfgate.Record{
			"int": 42, "float": 1.5, "strings": []string{"<a>"}, "time": time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC),
			"marshaler": htmlMarshaler{}, "typedMap": map[string]string{"z": "&", "a": "b"},
		}},
		{"unsupported value", sfgate.Record{"ch": make(chan int)}},
		{"cycle", cyclic},
		{"nil ordered record", sfgate.OrderedRecord(nil)},
		{"empty ordered record", sfgate.OrderedRecord{}},
		{"ordered keys in their order with escapes", ord("b", 1, "B", 2, "<k>", 3, "é", 4, "a\u2028", 5, "\xff", 6, "", 7)},
		{"ordered parent, child subquery, compound", ord(
			"Id", "001", "Owner", ord("Name", "Ann", "Email", "a@b.c"),
			"Contacts", []sfgate.OrderedRecord{ord("Id", "003", "Tags", []any{"x", "y"}), {}},
			"BillingAddress", ord("street", "1 <Main> & Co", "latitude", json.Number("48.85"), "city", nil),
			"Empty", []sfgate.OrderedRecord{}, "NilList", []sfgate.OrderedRecord(nil), "NilParent", sfgate.OrderedRecord(nil),
		)},
		{"ordered fallback values", ord("int", 42, "marshaler", htmlMarshaler{}, "typedMap", map[string]string{"z": "&", "a": "b"})},
		{"ordered invalid number", ord("AnnualRevenue", json.Number("1."))},
		{"ordered unsupported value", ord("ch", make(chan int))},
		{"page", sfgate.QueryPage{TotalSize: 2, Done: true, Records: []sfgate.OrderedRecord{ord("Id", "1"), ord("Id", "2", "Name", "<x>")}}},
		{"page with cursor", cursor},
		{"page pointer", &cursor},
		{"nil page pointer", (*sfgate.QueryPage)(nil)},
		{"page with nil records", sfgate.QueryPage{Done: true}},
		{"page with negative total", sfgate.QueryPage{TotalSize: -7}},
		{"record list", []sfgate.OrderedRecord{ord("a", "b"), nil}},
		{"nil record list", []sfgate.OrderedRecord(nil)},
		{"search answer", map[string]any{"results": []sfgate.SearchHit{{SObject: "Account", Record: ord("Id", "1", "Name", "<&>")}, {SObject: "Lead&"}}}},
		{"nil search hits", []sfgate.SearchHit(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkSameJSON(t, tt.v)
		})
	}
}

// TestHandWrittenShapes fails when a struct that appendJSON writes by hand
// changes, so its JSON cannot drift from encoding/json's.
func TestHandWrittenShapes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		typ  reflect.Type
		want []string // field name, type and tag
	}{
		{"QueryPage", reflect.TypeFor[sfgate.QueryPage](), []string{
			`TotalSize int json:"totalSize"`,
			`Done bool json:"done"`,
			`Records []sfgate.OrderedRecord json:"records"`,
			`NextCursor string json:"nextCursor,omitempty"`,
		}},
		{"QueryPageJSON", reflect.TypeFor[sfgate.QueryPageJSON](), []string{
			`TotalSize int json:"totalSize"`,
			`Done bool json:"done"`,
			`Records []sfgate.RecordJSON json:"records"`,
			`NextCursor string json:"nextCursor,omitempty"`,
		}},
		{"SearchHit", reflect.TypeFor[sfgate.SearchHit](), []string{
			`SObject string json:"sobject"`,
			`Record sfgate.OrderedRecord json:"record"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for f := range tt.typ.Fields() {
				got = append(got, fmt.Sprintf("%s %s %s", f.Name, f.Type, f.Tag))
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("%s changed; update appendJSON's hand-written encoding, then this test:\n got %q\nwant %q", tt.name, got, tt.want)
			}
		})
	}
}

// TestAppendJSONStaysOnFastPath shows records never reach encoding/json:
// with room in dst, writing one allocates nothing, where json.Marshal
// allocates for every value.
func TestAppendJSONStaysOnFastPath(t *testing.T) {
	rec := append(benchRecord(7), sfgate.Member{Key: "Tags", Value: []any{"a", json.Number("1"), true, nil}},
		sfgate.Member{Key: "Contacts", Value: []sfgate.OrderedRecord{ord("LastName", "x")}})
	dst := make([]byte, 0, 64<<10)
	var err error
	allocs := testing.AllocsPerRun(100, func() {
		dst, err = appendOrdered(dst[:0], rec, true, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
	if allocs != 0 && !raceEnabled {
		t.Fatalf("%v allocations per record, want 0: a value fell back to encoding/json", allocs)
	}
	checkSameJSON(t, rec)
}

// byteSource feeds genValue: random bytes in the property test, the
// fuzzer's input in FuzzRecordJSON (zeros once it runs out).
type byteSource interface{ next() byte }

type randSource struct{ r *rand.Rand }

func (s randSource) next() byte { return byte(s.r.UintN(256)) }

type fuzzSource struct{ b []byte }

func (s *fuzzSource) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	c := s.b[0]
	s.b = s.b[1:]
	return c
}

// genPieces are what generated strings are made of: plain text, every
// class of character encoding/json escapes, multi-byte runes and invalid
// UTF-8.
var genPieces = []string{
	"a", "Z", "0", " ", "Name", "__c", ".", "-",
	"\"", "\\", "/", "\n", "\r", "\t", "\b", "\f", "\x00", "\x1f", "\x7f",
	"<", ">", "&", "\u2028", "\u2029",
	"é", "ß", "東", "🚀", "\u00a0", "\ufeff", "\ufffd",
	"\xff", "\xc3", "\xe2\x82", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc0\xaf",
}

func genString(s byteSource) string {
	n := int(s.next() % 12)
	var sb strings.Builder
	for range n {
		sb.WriteString(genPieces[int(s.next())%len(genPieces)])
	}
	return sb.String()
}

var genNumbers = []string{"0", "-0", "1", "-1", "0.5", "1e10", "1E-7", "2.5e+3", "9223372036854775808", "1.0000000000000000000001"}

func genNumber(s byteSource) json.Number {
	switch s.next() % 8 {
	case 0:
		return json.Number(genNumbers[int(s.next())%len(genNumbers)])
	case 1: // usually invalid: both encoders must refuse it alike
		return json.Number(genString(s))
	default:
		n := int64(s.next())<<16 | int64(s.next())<<8 | int64(s.next())
		if s.next()%2 == 0 {
			n = -n
		}
		if s.next()%2 == 0 {
			return json.Number(strconv.FormatInt(n, 10))
		}
		return json.Number(strconv.FormatInt(n, 10) + "." + strconv.Itoa(int(s.next())))
	}
}

func genValue(s byteSource, depth int) any {
	k := s.next() % 16
	if depth >= 3 && k >= 10 {
		k %= 10
	}
	switch k {
	case 0, 1, 2, 3:
		return genString(s)
	case 4, 5:
		return genNumber(s)
	case 6:
		return s.next()%2 == 0
	case 7:
		return nil
	case 8: // a value only encoding/json writes
		switch s.next() % 4 {
		case 0:
			return int(int8(s.next()))
		case 1:
			return float64(s.next()) / 8
		case 2:
			return []string{genString(s)}
		default:
			return htmlMarshaler{}
		}
	case 9:
		return json.Number("")
	case 10:
		return genRecord(s, depth+1)
	case 11, 12:
		if r := genOrdered(s, depth+1); r != nil || s.next()%2 == 0 {
			return r
		}
		n := int(s.next() % 3)
		list := make([]sfgate.OrderedRecord, n)
		for i := range list {
			list[i] = genOrdered(s, depth+1)
		}
		return list
	default:
		n := int(s.next() % 4)
		if n == 3 && s.next()%2 == 0 {
			return []any(nil)
		}
		list := make([]any, n)
		for i := range list {
			list[i] = genValue(s, depth+1)
		}
		return list
	}
}

func genRecord(s byteSource, depth int) sfgate.Record {
	if s.next()%16 == 0 {
		return nil
	}
	n := int(s.next() % 12)
	rec := make(sfgate.Record, n)
	for range n {
		rec[genString(s)] = genValue(s, depth)
	}
	return rec
}

// genOrdered is a record in the order its keys were drawn (a key may come
// twice: both writers must then write it twice alike).
func genOrdered(s byteSource, depth int) sfgate.OrderedRecord {
	if s.next()%16 == 0 {
		return nil
	}
	n := int(s.next() % 12)
	rec := make(sfgate.OrderedRecord, 0, n)
	for range n {
		rec = append(rec, sfgate.Member{Key: genString(s), Value: genValue(s, depth)})
	}
	return rec
}

// TestAppendJSONProperty compares appendJSON with encoding/json on many
// generated records and pages of them.
func TestAppendJSONProperty(t *testing.T) {
	t.Parallel()
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	src := randSource{rand.New(rand.NewPCG(seed, 0x5f6a7e))}
	for i := range 3000 {
		checkSameJSON(t, genRecord(src, 0))
		checkSameJSON(t, genOrdered(src, 0))
		if i%100 == 0 {
			page := sfgate.QueryPage{TotalSize: i, Done: i%200 == 0, NextCursor: genString(src)}
			for range 20 {
				page.Records = append(page.Records, genOrdered(src, 0))
			}
			checkSameJSON(t, page)
			// The engine writes only records that encode (numbers it
			// wrote itself): the page without the generated others.
			valid := page
			valid.Records = slices.DeleteFunc(slices.Clone(page.Records), func(r sfgate.OrderedRecord) bool {
				_, err := stdlibJSON(r, false)
				return err != nil
			})
			checkPageJSON(t, valid)
		}
	}
}

func FuzzRecordJSON(f *testing.F) {
	for _, seed := range []string{
		"",
		"\x05\x03\x01\x02\x03\x04\x05\x06\x07",
		"\x0b\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a\x0a",
		"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8\xf7\xf6\xf5\xf4\xf3\xf2\xf1",
		"\x01\x0c\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x20\x21\x22\x23\x24\x25",
		strings.Repeat("\x0d\x02\x0a\x04", 30),
	} {
		f.Add([]byte(seed), "key\xff<&>\u2028", "value")
	}
	f.Fuzz(func(t *testing.T, data []byte, key, value string) {
		rec := genRecord(&fuzzSource{b: data}, 0)
		if rec == nil {
			rec = sfgate.Record{}
		}
		rec[key] = value
		rec[value] = json.Number(key)
		checkSameJSON(t, rec)
		ordered := append(genOrdered(&fuzzSource{b: data}, 0), sfgate.Member{Key: key, Value: value}, sfgate.Member{Key: value, Value: json.Number(key)})
		checkSameJSON(t, ordered)
		if _, err := stdlibJSON(ordered, false); err == nil {
			checkPageJSON(t, sfgate.QueryPage{Records: []sfgate.OrderedRecord{ordered}, NextCursor: key})
		}
	})
}

// benchRecord is one Account as the gateway's overhead benchmark reads it:
// ten fields and the owner as a parent.
func benchRecord(i int) sfgate.OrderedRecord {
	return ord(
		"Id", fmt.Sprintf("001000000000%03dAAA", i),
		"Name", fmt.Sprintf("Account %d & Sons <Ltd>", i),
		"AccountNumber", fmt.Sprintf("AN-%05d", i),
		"Type", "Customer - Direct",
		"Industry", "Manufacturing",
		"AnnualRevenue", json.Number(fmt.Sprintf("%d.25", i*1000)),
		"NumberOfEmployees", json.Number(strconv.Itoa(i*3)),
		"Phone", nil,
		"BillingCity", "Zürich",
		"CreatedDate", "2026-11-30T14:52:00.000Z",
		"Owner", ord("Name", "Ann Owner", "Email", "ann@example.com"),
	)
}

// BenchmarkEncodePage writes a 200-record query page both ways; the
// ratio of stdlib to fast is what appendJSON saves per page.
func BenchmarkEncodePage(b *testing.B) {
	page := sfgate.QueryPage{TotalSize: 200, Done: true}
	for i := range 200 {
		page.Records = append(page.Records, benchRecord(i))
	}
	want, err := json.Marshal(page)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("stdlib", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		for b.Loop() {
			if _, err := json.Marshal(page); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fast", func(b *testing.B) {
		b.SetBytes(int64(len(want)))
		for b.Loop() {
			buf := getBuf()
			got, err := appendJSON(*buf, page, true)
			if err != nil {
				b.Fatal(err)
			}
			if len(got) != len(want) {
				b.Fatalf("%d bytes, want %d", len(got), len(want))
			}
			*buf = got
			putBuf(buf)
		}
	})
}

// TestAnswersThroughHandlers checks the wiring: a query page answered as
// JSON and as NDJSON is byte for byte what encoding/json wrote before.
func TestAnswersThroughHandlers(t *testing.T) {
	t.Parallel()
	pages := [][]sfgate.OrderedRecord{
		{benchRecord(1), ord("Id", "001000000000002AAA", "Name", "a\u2028b \xff", "Contacts", []sfgate.OrderedRecord{ord("LastName", "<O'Brien & Co>")})},
		{},
		{ord("Id", "001000000000003AAA", "Tags", []any{"x;y", json.Number("-1.5e3")}, "Owner", nil)},
	}
	fake := &fakeQueries{
		query: func(ctx context.Context, in sfgate.QueryInput) (sfgate.QueryPage, error) {
			return sfgate.QueryPage{TotalSize: 2, Done: false, Records: pages[0], NextCursor: "c2Vjb25kLXBhZ2UtY3Vyc29y"}, nil
		},
		stream: func(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.OrderedRecord) error) error {
			for _, p := range pages {
				if err := emit(p); err != nil {
					return err
				}
			}
			return nil
		},
	}
	// The same pages answered as OrderedRecords and as records the
	// engine wrote as JSON (what the service does).
	for name, queries := range map[string]sfgate.QueryService{"ordered": fake, "written": jsonQueries{t, fake}} {
		t.Run(name, func(t *testing.T) {
			opts := fullOptions()
			opts.Queries = queries
			checkQueryAnswers(t, newTestServer(t, opts), pages)
		})
	}
}

// checkQueryAnswers fails t unless the JSON and NDJSON answers of a query
// are what encoding/json writes for pages.
func checkQueryAnswers(t *testing.T, s *testServer, pages [][]sfgate.OrderedRecord) {

	want, err := json.Marshal(sfgate.QueryPage{TotalSize: 2, Done: false, Records: pages[0], NextCursor: "c2Vjb25kLXBhZ2UtY3Vyc29y"})
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := s.do("POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`); status != 200 || body != string(want)+"\n" {
		t.Fatalf("JSON answer: status %d\n got %q\nwant %q", status, body, string(want)+"\n")
	}

	var nd bytes.Buffer
	enc := json.NewEncoder(&nd)
	enc.SetEscapeHTML(false)
	for _, p := range pages {
		for _, rec := range p {
			if err := enc.Encode(rec); err != nil {
				t.Fatal(err)
			}
		}
	}
	if status, _, body := s.do("POST", "/v1/query", `{"soql":"SELECT Id FROM Account"}`, "Accept", "application/x-ndjson"); status != 200 || body != nd.String() {
		t.Fatalf("NDJSON answer: status %d\n got %q\nwant %q", status, body, nd.String())
	}
}

// jsonQueries answers the pages of a fakeQueries as records written as
// JSON, as the engine writes them (an Encoder without HTML escaping).
type jsonQueries struct {
	t testing.TB
	*fakeQueries
}

func (q jsonQueries) written(recs []sfgate.OrderedRecord) []sfgate.RecordJSON {
	out := make([]sfgate.RecordJSON, 0, len(recs))
	for _, r := range recs {
		b, err := stdlibJSON(r, false)
		if err != nil {
			q.t.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func (q jsonQueries) QueryJSON(ctx context.Context, in sfgate.QueryInput) (sfgate.QueryPageJSON, error) {
	p, err := q.Query(ctx, in)
	return sfgate.QueryPageJSON{TotalSize: p.TotalSize, Done: p.Done, Records: q.written(p.Records), NextCursor: p.NextCursor}, err
}

func (q jsonQueries) StreamJSON(ctx context.Context, in sfgate.QueryInput, emit func([]sfgate.RecordJSON) error) error {
	return q.Stream(ctx, in, func(recs []sfgate.OrderedRecord) error { return emit(q.written(recs)) })
}
