package salesforce

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// minimalAnswers gives a schema-plausible answer for every operation, so
// the client's calls complete and their envelopes can be collected.
func minimalAnswer(r fakeReq, _ int) (int, string) {
	const save = `<result><id>001000000000001AAA</id><success>true</success></result>`
	switch r.op {
	case "login":
		return 200, answer("login", `<result><metadataServerUrl>https://x.my.salesforce.com/services/Soap/m/58.0/00D</metadataServerUrl><passwordExpired>false</passwordExpired><sandbox>false</sandbox><serverUrl>https://x.my.salesforce.com/services/Soap/u/58.0/00D</serverUrl><sessionId>00D!tok</sessionId><userId>005000000000001AAA</userId></result>`)
	case "describeGlobal":
		return 200, answer("describeGlobal", `<result><encoding>UTF-8</encoding><maxBatchSize>200</maxBatchSize></result>`)
	case "describeSObject":
		return 200, answer("describeSObject", `<result><name>Account</name></result>`)
	case "describeSObjects":
		// Echo the names, last first: the client must restore the order.
		names := regexp.MustCompile(`<sObjectType>([^<]*)</sObjectType>`).FindAllStringSubmatch(string(r.body), -1)
		var b strings.Builder
		for i := len(names) - 1; i >= 0; i-- {
			b.WriteString(`<result><name>` + strings.ToUpper(names[i][1]) + `</name></result>`)
		}
		return 200, answer("describeSObjects", b.String())
	case "query", "queryAll", "queryMore":
		return 200, answer(r.op, `<result xsi:type="QueryResult"><done>true</done><queryLocator xsi:nil="true"/><size>0</size></result>`)
	case "retrieve":
		n := strings.Count(string(r.body), "<ids>")
		return 200, answer("retrieve", strings.Repeat(`<result xsi:nil="true"/>`, n))
	case "search":
		return 200, answer("search", `<result/>`)
	case "create", "update":
		n := strings.Count(string(r.body), "<sObjects>")
		return 200, answer(r.op, strings.Repeat(save, n))
	case "upsert":
		n := strings.Count(string(r.body), "<sObjects>")
		return 200, answer(r.op, strings.Repeat(`<result><created>true</created><id>001000000000001AAA</id><success>true</success></result>`, n))
	case "delete", "undelete":
		n := strings.Count(string(r.body), "<ids>")
		return 200, answer(r.op, strings.Repeat(save, n))
	case "merge":
		n := strings.Count(string(r.body), "<request>")
		return 200, answer(r.op, strings.Repeat(save, n))
	case "convertLead":
		n := strings.Count(string(r.body), "<leadConverts>")
		return 200, answer(r.op, strings.Repeat(`<result><leadId>00Q000000000001AAA</leadId><success>true</success></result>`, n))
	case "getUserInfo":
		return 200, answer(r.op, `<result><userName>a@b.c</userName></result>`)
	case "getServerTimestamp":
		return 200, answer(r.op, `<result><timestamp>2026-01-02T03:04:05.678Z</timestamp></result>`)
	}
	return 500, faultAnswer("INVALID_OPERATION", "UnexpectedErrorFault", "unknown "+r.op)
}

// tricky holds every character class the encoder must escape or carry.
const tricky = "a<b>&c\"d'e\r\nf\tg ünïcödé 😀 ]]> &amp;"

// TestEnvelopesValidateAgainstWSDL drives every operation, with every
// option, through the client and validates each envelope it sent against
// the partner WSDL's schemas with xmllint.
func TestEnvelopesValidateAgainstWSDL(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, minimalAnswer)
	c, _ := newTestClient(t, f, func(cfg *Config) { cfg.ClientName = "sfgate/" + tricky })
	ctx := t.Context()
	callEveryOperation(t, c, f.srv.URL)

	reqs := f.requests()
	ops := map[string]bool{}
	docs := make([][]byte, len(reqs))
	for i, r := range reqs {
		ops[r.op] = true
		docs[i] = r.body
		if got := r.header.Get("SOAPAction"); got != `""` {
			t.Errorf("%s: SOAPAction %q, want \"\"", r.op, got)
		}
		if got := r.header.Get("Content-Type"); got != "text/xml; charset=UTF-8" {
			t.Errorf("%s: Content-Type %q", r.op, got)
		}
	}
	for _, op := range []string{"login", "describeGlobal", "describeSObject", "describeSObjects", "query", "queryAll",
		"queryMore", "retrieve", "search", "create", "update", "upsert", "delete", "undelete", "merge", "convertLead",
		"getUserInfo", "getServerTimestamp"} {
		if !ops[op] {
			t.Errorf("no %s envelope was sent", op)
		}
	}
	// A control that must fail: a create whose sObject lacks the Id the
	// schema requires. It proves the validator is really checking.
	var control []byte
	for _, r := range reqs {
		if r.op == "create" {
			control = bytes.Replace(r.body, []byte(`<sf:Id xsi:nil="true"/>`), nil, 1)
			break
		}
	}
	docs = append(docs, control)
	errs, err := xsdcheck.ValidateAll(ctx, docs)
	if err != nil {
		t.Fatalf("run the schema validator: %v", err)
	}
	if errs[len(errs)-1] == nil {
		t.Error("the control envelope (sObject without Id) validated: the check is not effective")
	}
	errs = errs[:len(errs)-1]
	for i, e := range errs {
		if e != nil {
			t.Errorf("%s envelope is not valid: %v\n%s", reqs[i].op, e, xsdcheck.Excerpt(reqs[i].body))
		}
	}
}

// callEveryOperation makes every call of the client, with every option
// and tricky values, against loginURL and the client's session.
func callEveryOperation(t *testing.T, c *Client, loginURL string) {
	t.Helper()
	ctx := t.Context()
	yes := true
	rec := partner.Record{Type: "Account", Fields: []partner.Field{
		{Name: "Name", Value: tricky},
		{Name: "Description", Nil: true},
		{Name: "Industry", Nil: true},
		{Name: "NumberOfEmployees", Value: "42"},
		{Name: "Parent", Parent: &partner.Record{Type: "Account", Fields: []partner.Field{{Name: "Ext_Id__c", Value: "E-1"}}}},
	}}
	upd := rec
	upd.ID = "001D000000HS2PP"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.Login(ctx, loginURL, "58.0", "user@example.com"+tricky, Secret("pa<ss>&"+tricky))
	must(err)
	_, err = c.DescribeGlobal(ctx)
	must(err)
	_, err = c.DescribeSObject(ctx, "Account")
	must(err)
	_, err = c.DescribeSObjects(ctx, []string{"Account", "Contact"})
	must(err)
	_, err = c.Query(ctx, "SELECT Id FROM Account WHERE Name = '"+tricky+"'", partner.BatchSize(500))
	must(err)
	_, err = c.QueryAll(ctx, "SELECT Id FROM Account", partner.BatchSize(10))
	must(err)
	_, err = c.QueryMore(ctx, "01gD0000001vELkIAM-400", partner.BatchSize(5000))
	must(err)
	_, err = c.Retrieve(ctx, []string{"Id", "Name"}, "Account", []string{"001D000000HS2PP", "001D000000HS2PPIA1"}, partner.BatchSize(200))
	must(err)
	_, err = c.Search(ctx, "FIND {"+tricky+"}")
	must(err)
	all := []partner.Option{partner.AllOrNone(true), partner.AllowFieldTruncation(true), partner.AssignmentRule("01Q000000000001"),
		partner.WithDuplicateRule(partner.DuplicateRule{AllowSave: true, IncludeRecordDetails: true})}
	_, err = c.Create(ctx, []partner.Record{rec, rec}, all...)
	must(err)
	_, err = c.Create(ctx, []partner.Record{rec}, partner.DefaultAssignmentRule(true))
	must(err)
	_, err = c.Update(ctx, []partner.Record{upd}, all...)
	must(err)
	_, err = c.Upsert(ctx, "Ext_Id__c", []partner.Record{rec, upd}, all...)
	must(err)
	_, err = c.Delete(ctx, []string{"001D000000HS2PP"}, all...)
	must(err)
	_, err = c.Undelete(ctx, []string{"001D000000HS2PPIA1"}, partner.AllOrNone(false))
	must(err)
	_, err = c.Merge(ctx, []partner.MergeRequest{{MasterRecord: upd, RecordToMergeIDs: []string{"001D000000HS2PM", "001D000000HS2PN"}}}, all...)
	must(err)
	_, err = c.ConvertLead(ctx, []partner.LeadConvert{
		{LeadID: "00Q2x00000AH981", ConvertedStatus: "Closed - Converted"},
		{LeadID: "00Q2x00000AH981EAD", ConvertedStatus: tricky, AccountID: "0012x000005mqKu", ContactID: "0032x000006I2xY",
			OpportunityName: tricky, OwnerID: "005000000000001", DoNotCreateOpportunity: true, OverwriteLeadSource: true,
			SendNotificationEmail: true, BypassAccountDedupeCheck: &yes, BypassContactDedupeCheck: &yes},
	}, partner.AllowFieldTruncation(false), partner.WithDuplicateRule(partner.DuplicateRule{}))
	must(err)
	_, err = c.GetUserInfo(ctx)
	must(err)
	_, err = c.GetServerTimestamp(ctx)
	must(err)
}

// TestEscapingRoundTrip parses what the client sent with encoding/xml and
// checks every value arrives exactly as given, carriage returns included.
func TestEscapingRoundTrip(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, minimalAnswer)
	c, _ := newTestClient(t, f, nil)
	if _, err := c.Create(t.Context(), []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: tricky}}}}); err != nil {
		t.Fatal(err)
	}
	body := f.requests()[0].body
	var env struct {
		Body struct {
			Create struct {
				SObjects []struct {
					Type string `xml:"urn:sobject.partner.soap.sforce.com type"`
					Name string `xml:"urn:sobject.partner.soap.sforce.com Name"`
					ID   struct {
						Nil string `xml:"http://www.w3.org/2001/XMLSchema-instance nil,attr"`
					} `xml:"urn:sobject.partner.soap.sforce.com Id"`
				} `xml:"urn:partner.soap.sforce.com sObjects"`
			} `xml:"urn:partner.soap.sforce.com create"`
		} `xml:"http://schemas.xmlsoap.org/soap/envelope/ Body"`
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		t.Fatalf("sent envelope is not XML: %v\n%s", err, body)
	}
	got := env.Body.Create.SObjects
	if len(got) != 1 || got[0].Type != "Account" || got[0].Name != tricky || got[0].ID.Nil != "true" {
		t.Fatalf("round trip: %+v, want Name %q", got, tricky)
	}
	if bytes.Contains(body, []byte("\r")) {
		t.Error("a raw carriage return was sent; parsers would turn it into a line feed")
	}
}

// TestInvalidCharactersRefused checks that values XML 1.0 cannot carry
// are refused locally, with an error naming the field, and nothing is sent.
func TestInvalidCharactersRefused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, value string
	}{
		{"NUL", "a\x00b"},
		{"escape", "\x1b[31mred"},
		{"form feed", "page\x0c"},
		{"U+FFFE", "x\uFFFEy"},
		{"U+FFFF", "x\uFFFF"},
		{"invalid UTF-8", "caf\xe9"},
		{"encoded surrogate", "\xed\xa0\x80"},
		{"truncated rune", "\xf0\x9f\x98"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFakeSF(t, minimalAnswer)
			c, _ := newTestClient(t, f, nil)
			_, err := c.Create(t.Context(), []partner.Record{
				{Type: "Account", Fields: []partner.Field{{Name: "Name", Value: "fine"}}},
				{Type: "Account", Fields: []partner.Field{{Name: "Description", Value: tc.value}}},
			})
			var e *partner.Error
			if !errors.As(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			if e.Kind != partner.KindInvalidInput || e.Code != partner.CodeInvalidCharacter || e.Op != "create" {
				t.Errorf("err = %+v", e)
			}
			if len(e.Fields) != 1 || e.Fields[0] != "records[1].Description" || !strings.Contains(e.Error(), "records[1].Description") {
				t.Errorf("error does not name the field: %v (fields %v)", e, e.Fields)
			}
			if n := len(f.requests()); n != 0 {
				t.Errorf("%d requests sent, want none", n)
			}
		})
	}
	t.Run("in a query", func(t *testing.T) {
		t.Parallel()
		f := newFakeSF(t, minimalAnswer)
		c, _ := newTestClient(t, f, nil)
		_, err := c.Query(t.Context(), "SELECT Id FROM Account WHERE Name = '\x01'")
		if !partner.IsCode(err, partner.CodeInvalidCharacter) || !strings.Contains(err.Error(), "queryString") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("in the password, not echoed", func(t *testing.T) {
		t.Parallel()
		f := newFakeSF(t, minimalAnswer)
		c, _ := newTestClient(t, f, nil)
		_, err := c.Login(t.Context(), f.srv.URL, "58.0", "u", Secret("hunter2\x00"))
		if !partner.IsCode(err, partner.CodeInvalidCharacter) || strings.Contains(err.Error(), "hunter2") {
			t.Errorf("err = %v", err)
		}
	})
}

// TestInvalidNamesRefused checks names that would break the XML or the
// request's meaning are refused locally.
func TestInvalidNamesRefused(t *testing.T) {
	t.Parallel()
	f := newFakeSF(t, minimalAnswer)
	c, _ := newTestClient(t, f, nil)
	ctx := t.Context()
	cases := []struct {
		name string
		err  error
	}{}
	add := func(name string, err error) {
		cases = append(cases, struct {
			name string
			err  error
		}{name, err})
	}
	_, err := c.Create(ctx, []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Na<me", Value: "x"}}}})
	add("field name with markup", err)
	_, err = c.Create(ctx, []partner.Record{{Type: "Acc ount"}})
	add("type with space", err)
	_, err = c.Create(ctx, []partner.Record{{Type: "Account", Fields: []partner.Field{{Name: "Id", Value: "001D000000HS2PP"}}}})
	add("Id as a field", err)
	_, err = c.DescribeSObject(ctx, "Account/../x")
	add("describe type", err)
	_, err = c.Retrieve(ctx, []string{"Name, (SELECT"}, "Account", []string{"001D000000HS2PP"})
	add("retrieve field", err)
	_, err = c.Upsert(ctx, "Ext Id", nil)
	add("external id field", err)
	_, err = c.Update(ctx, []partner.Record{{Type: "Account"}})
	add("update without id", err)
	_, err = c.Create(ctx, make([]partner.Record, 201), partner.AllOrNone(true))
	add("allOrNone over 200", err)
	for _, tc := range cases {
		var e *partner.Error
		if !errors.As(tc.err, &e) || e.Kind != partner.KindInvalidInput {
			t.Errorf("%s: err = %v, want a local refusal", tc.name, tc.err)
		}
	}
	if n := len(f.requests()); n != 0 {
		t.Errorf("%d requests sent, want none", n)
	}
	_ = fmt.Sprint
}
