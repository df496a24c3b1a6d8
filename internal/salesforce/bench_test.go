package salesforce

import (
	"encoding/xml"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"unsafe"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// benchPage builds a compact queryResponse of n Account records with 20
// selected fields of mixed types (strings, an escaped name, picklists,
// numbers, booleans, dates, datetimes, long text with a line break, nil
// values, a parent relationship), the shape real answers have. It returns
// the document and the number of field elements per page (the Id twice,
// the parent relationship and its own fields included).
func benchPage(n int) ([]byte, int) {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com">`)
	b.WriteString(`<soapenv:Header><LimitInfoHeader><limitInfo><current>22092</current><limit>64000</limit><type>API REQUESTS</type></limitInfo></LimitInfoHeader></soapenv:Header>`)
	b.WriteString(`<soapenv:Body><queryResponse><result xsi:type="QueryResult"><done>false</done><queryLocator>01gD0000001vELkIAM-2000</queryLocator>`)
	industries := []string{"Energy", "Banking", "Retail", "Technology", "Healthcare"}
	for i := range n {
		id, _ := partner.NormalizeID(fmt.Sprintf("001D0%010d", i))
		owner, _ := partner.NormalizeID(fmt.Sprintf("005D0%010d", i%37))
		name := fmt.Sprintf("Account %d", i)
		if i%7 == 0 {
			name = fmt.Sprintf("Smith &amp; Sons %d", i)
		}
		fmt.Fprintf(&b, `<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>%s</sf:Id><sf:Id>%s</sf:Id>`, id, id)
		fmt.Fprintf(&b, `<sf:Name>%s</sf:Name>`, name)
		fmt.Fprintf(&b, `<sf:AccountNumber>CD%06d</sf:AccountNumber>`, i)
		b.WriteString(`<sf:Type>Customer - Direct</sf:Type>`)
		fmt.Fprintf(&b, `<sf:Industry>%s</sf:Industry>`, industries[i%len(industries)])
		fmt.Fprintf(&b, `<sf:AnnualRevenue>%d.0</sf:AnnualRevenue>`, 1000000+i*137)
		fmt.Fprintf(&b, `<sf:NumberOfEmployees>%d</sf:NumberOfEmployees>`, 10+i%5000)
		fmt.Fprintf(&b, `<sf:IsDeleted>%t</sf:IsDeleted>`, i%11 == 0)
		fmt.Fprintf(&b, `<sf:CreatedDate>2024-%02d-%02dT%02d:14:07.000Z</sf:CreatedDate>`, 1+i%12, 1+i%28, i%24)
		if i%3 == 0 {
			b.WriteString(`<sf:LastActivityDate xsi:nil="true"/>`)
		} else {
			fmt.Fprintf(&b, `<sf:LastActivityDate>2025-%02d-%02d</sf:LastActivityDate>`, 1+i%12, 1+i%28)
		}
		if i%4 == 0 {
			b.WriteString(`<sf:Description xsi:nil="true"/>`)
		} else {
			fmt.Fprintf(&b, `<sf:Description>Key account since 2019.
Renewal due in Q%d; contact the owner before any change.</sf:Description>`, 1+i%4)
		}
		fmt.Fprintf(&b, `<sf:Phone>(415) 555-%04d</sf:Phone>`, i%10000)
		fmt.Fprintf(&b, `<sf:Website>https://www.example%d.com</sf:Website>`, i)
		b.WriteString(`<sf:BillingCity>San Francisco</sf:BillingCity>`)
		fmt.Fprintf(&b, `<sf:BillingPostalCode>94%03d</sf:BillingPostalCode>`, i%1000)
		b.WriteString(`<sf:Rating xsi:nil="true"/>`)
		fmt.Fprintf(&b, `<sf:OwnerId>%s</sf:OwnerId>`, owner)
		fmt.Fprintf(&b, `<sf:Owner xsi:type="sf:sObject"><sf:type>User</sf:type><sf:Id xsi:nil="true"/><sf:Name>Owner %d</sf:Name></sf:Owner>`, i%37)
		fmt.Fprintf(&b, `<sf:Amount__c>%d.50</sf:Amount__c>`, i*3)
		fmt.Fprintf(&b, `<sf:Active__c>%t</sf:Active__c>`, i%2 == 0)
		b.WriteString(`</records>`)
	}
	fmt.Fprintf(&b, `<size>%d</size></result></queryResponse></soapenv:Body></soapenv:Envelope>`, n*3)
	// Per record: the Id field, 18 further fields, the Owner relationship
	// and its Name: 21 field elements (plus type and the structural Id).
	return []byte(b.String()), n * 21
}

const benchRecords = 2000

func decodeQueryPage(doc []byte) (*partner.QueryResult, *partner.Error) {
	d := newDecoder(doc, DefaultMaxDepth)
	var qr *partner.QueryResult
	fe := d.envelope("queryResponse", func() { qr = d.queryResponse() })
	return qr, fe
}

func BenchmarkDecodeQueryPage(b *testing.B) {
	doc, fields := benchPage(benchRecords)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := processCPU()
	b.ResetTimer()
	for b.Loop() {
		qr, fe := decodeQueryPage(doc)
		if fe != nil || len(qr.Records) != benchRecords {
			b.Fatalf("decode: %v", fe)
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/float64(fields), "allocs/field")
	// CPU time of the whole process (GC workers included) per page: the
	// fair figure on a shared machine, where ns/op also counts waiting.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// Plain structs for encoding/xml, the baseline: the same page decoded to
// the same values (strings, nil flags, the parent's name).
type stdEnvelope struct {
	XMLName xml.Name `xml:"http://schemas.xmlsoap.org/soap/envelope/ Envelope"`
	Header  struct {
		LimitInfo []struct {
			Current int64  `xml:"current"`
			Limit   int64  `xml:"limit"`
			Type    string `xml:"type"`
		} `xml:"urn:partner.soap.sforce.com LimitInfoHeader>limitInfo"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Header"`
	Body struct {
		Result stdQueryResult `xml:"urn:partner.soap.sforce.com queryResponse>result"`
	} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
}

type stdQueryResult struct {
	Done         bool        `xml:"done"`
	QueryLocator string      `xml:"queryLocator"`
	Records      []stdRecord `xml:"records"`
	Size         int         `xml:"size"`
}

type stdValue struct {
	Nil   string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
	Value string `xml:",chardata"`
}

type stdRecord struct {
	Type              string   `xml:"type"`
	ID                []string `xml:"Id"`
	Name              string   `xml:"Name"`
	AccountNumber     string   `xml:"AccountNumber"`
	AccountType       string   `xml:"Type"`
	Industry          string   `xml:"Industry"`
	AnnualRevenue     string   `xml:"AnnualRevenue"`
	NumberOfEmployees string   `xml:"NumberOfEmployees"`
	IsDeleted         string   `xml:"IsDeleted"`
	CreatedDate       string   `xml:"CreatedDate"`
	LastActivityDate  stdValue `xml:"LastActivityDate"`
	Description       stdValue `xml:"Description"`
	Phone             string   `xml:"Phone"`
	Website           string   `xml:"Website"`
	BillingCity       string   `xml:"BillingCity"`
	BillingPostalCode string   `xml:"BillingPostalCode"`
	Rating            stdValue `xml:"Rating"`
	OwnerID           string   `xml:"OwnerId"`
	Owner             struct {
		Type string   `xml:"type"`
		ID   stdValue `xml:"Id"`
		Name string   `xml:"Name"`
	} `xml:"Owner"`
	Amount string `xml:"Amount__c"`
	Active string `xml:"Active__c"`
}

func BenchmarkDecodeQueryPageStdlib(b *testing.B) {
	doc, fields := benchPage(benchRecords)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	cpu0 := processCPU()
	b.ResetTimer()
	for b.Loop() {
		var env stdEnvelope
		if err := xml.Unmarshal(doc, &env); err != nil || len(env.Body.Result.Records) != benchRecords {
			b.Fatalf("decode: %v (%d records)", err, len(env.Body.Result.Records))
		}
	}
	b.StopTimer()
	cpu := processCPU() - cpu0
	runtime.ReadMemStats(&ms1)
	b.ReportMetric(float64(ms1.Mallocs-ms0.Mallocs)/float64(b.N)/float64(fields), "allocs/field")
	// CPU time of the whole process (GC workers included) per page: the
	// fair figure on a shared machine, where ns/op also counts waiting.
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// TestBenchPagesAgree checks that both benchmarks decode the page to the
// same values, so the comparison is fair and the fast decoder is right.
func TestBenchPagesAgree(t *testing.T) {
	t.Parallel()
	doc, _ := benchPage(50)
	qr, fe := decodeQueryPage(doc)
	if fe != nil {
		t.Fatal(fe)
	}
	var env stdEnvelope
	if err := xml.Unmarshal(doc, &env); err != nil {
		t.Fatal(err)
	}
	std := env.Body.Result
	if qr.Done != std.Done || qr.QueryLocator != std.QueryLocator || qr.Size != std.Size || len(qr.Records) != len(std.Records) {
		t.Fatalf("page header differs: %+v vs done=%v loc=%q size=%d n=%d", qr, std.Done, std.QueryLocator, std.Size, len(std.Records))
	}
	for i, r := range qr.Records {
		s := std.Records[i]
		get := func(name string) partner.Field {
			f, ok := r.Get(name)
			if !ok {
				t.Fatalf("record %d: no field %s", i, name)
			}
			return f
		}
		checks := []struct {
			name string
			want string
			nil  bool
		}{
			{"Id", s.ID[1], false},
			{"Name", s.Name, false},
			{"AccountNumber", s.AccountNumber, false},
			{"Type", s.AccountType, false},
			{"Industry", s.Industry, false},
			{"AnnualRevenue", s.AnnualRevenue, false},
			{"NumberOfEmployees", s.NumberOfEmployees, false},
			{"IsDeleted", s.IsDeleted, false},
			{"CreatedDate", s.CreatedDate, false},
			{"LastActivityDate", s.LastActivityDate.Value, s.LastActivityDate.Nil == "true"},
			{"Description", s.Description.Value, s.Description.Nil == "true"},
			{"Phone", s.Phone, false},
			{"Website", s.Website, false},
			{"BillingCity", s.BillingCity, false},
			{"BillingPostalCode", s.BillingPostalCode, false},
			{"Rating", s.Rating.Value, s.Rating.Nil == "true"},
			{"OwnerId", s.OwnerID, false},
			{"Owner.Name", s.Owner.Name, false},
			{"Amount__c", s.Amount, false},
			{"Active__c", s.Active, false},
		}
		if r.Type != s.Type || r.ID != s.ID[0] {
			t.Errorf("record %d: type/id %q %q, want %q %q", i, r.Type, r.ID, s.Type, s.ID[0])
		}
		for _, c := range checks {
			f := get(c.name)
			if f.Value != c.want || f.Nil != c.nil {
				t.Errorf("record %d field %s = %q nil=%v, want %q nil=%v", i, c.name, f.Value, f.Nil, c.want, c.nil)
			}
		}
		if len(r.Fields) != 20 {
			t.Errorf("record %d has %d fields, want 20 (SELECT list)", i, len(r.Fields))
		}
	}
}

// TestFieldSize keeps Field at 64 bytes: decoding writes one per field of
// every page, so its size is most of a page's allocation.
func TestFieldSize(t *testing.T) {
	t.Parallel()
	if n := unsafe.Sizeof(partner.Field{}); n != 64 {
		t.Errorf("Field is %d bytes, want 64", n)
	}
}

// TestSubqueryAllocationBounded guards the page-size estimate: it applies
// to the page, never to child subqueries (which would reserve a page's
// worth of records each).
func TestSubqueryAllocationBounded(t *testing.T) {
	var b strings.Builder
	for i := range 500 {
		fmt.Fprintf(&b, `<records xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id xsi:nil="true"/><sf:Name>A%d</sf:Name>`+
			`<sf:Contacts xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><records xsi:type="sf:sObject"><sf:type>Contact</sf:type><sf:Id xsi:nil="true"/><sf:LastName>C</sf:LastName></records><size>1</size></sf:Contacts></records>`, i)
	}
	doc := []byte(env(`<queryResponse><result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/>` + b.String() + `<size>500</size></result></queryResponse>`))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	qr, fe := decodeQueryPage(doc)
	runtime.ReadMemStats(&after)
	if fe != nil || len(qr.Records) != 500 {
		t.Fatalf("decode: %v", fe)
	}
	if c := qr.Records[499].Fields[1].Children; c == nil || len(c.Records) != 1 || cap(c.Records) > 4 {
		t.Fatalf("subquery = %+v", c)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Errorf("decoding a %d-byte page allocated %d bytes", len(doc), n)
	}
}
