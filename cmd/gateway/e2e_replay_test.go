package main

import (
	"encoding/json"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestE2EReplayedUpstream drives the whole program through a test upstream
// (front) that passes calls on to sfsim and replays real-shaped envelopes
// for what sfsim does not do; every answer is checked against the
// document.
func TestE2EReplayedUpstream(t *testing.T) {
	t.Parallel()
	f := &front{}
	s := startStack(t, stackOptions{front: f})
	t.Run("duplicate rule", func(t *testing.T) { replayDuplicates(t, s, f) })
	t.Run("numbers unrounded", func(t *testing.T) { replayNumbers(t, s, f) })
	t.Run("fields forms", func(t *testing.T) { fieldsForms(t, s) })
	t.Run("empty describe", func(t *testing.T) { replayEmptyDescribe(t, s, f) })
	t.Run("record types", func(t *testing.T) { describeRecordTypes(t, s) })
	// Last: the daily limit trips the API budget guard for the stack.
	t.Run("org limits", func(t *testing.T) { replayOrgLimits(t, s, f) })
}

// describeRecordTypes checks the describe answer carries the object's
// record types as sfsim describes them (one, the master, today).
func describeRecordTypes(t *testing.T, s *stack) {
	d := s.do(t, http.MethodGet, "/v1/sobjects/Account", nil).json(t)
	rts, _ := d["recordTypeInfos"].([]any)
	masters := 0
	for _, r := range rts {
		r := r.(map[string]any)
		if r["master"] == true {
			masters++
			if id, _ := r["recordTypeId"].(string); !strings.HasPrefix(id, "012") || r["name"] == "" || r["developerName"] == "" {
				t.Errorf("master record type %v", r)
			}
		}
	}
	if len(rts) == 0 || masters != 1 {
		t.Errorf("recordTypeInfos %v: want the master once", d["recordTypeInfos"])
	}
}

// replayEmptyDescribe checks a describe Salesforce answers without a name
// or fields is a 502 SALESFORCE_EMPTY_DESCRIBE, and is not cached: a
// record request right after asks Salesforce again and works.
func replayEmptyDescribe(t *testing.T, s *stack, f *front) {
	for _, inner := range []string{
		`<result><activateable>false</activateable><createable>true</createable><label>Opportunity</label></result>`, // no name, no fields
		`<result><activateable>false</activateable><name>Opportunity</name></result>`,                                // no fields
	} {
		f.arm("describeSObject", http.StatusOK, `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><describeSObjectResponse>`+inner+`</describeSObjectResponse></soapenv:Body></soapenv:Envelope>`)
		a := s.do(t, http.MethodGet, "/v1/sobjects/Opportunity", nil)
		f.disarm("describeSObject")
		if a.status != http.StatusBadGateway || a.json(t)["code"] != "SALESFORCE_EMPTY_DESCRIBE" {
			t.Errorf("empty describe: want 502 SALESFORCE_EMPTY_DESCRIBE: %s", a)
		}
		before := len(f.sentOf("describeSObject"))
		if a := s.do(t, http.MethodPost, "/v1/sobjects/Opportunity/query", map[string]any{"fields": []string{"Id", "Name"}, "limit": 1}); a.status != http.StatusOK {
			t.Errorf("query after an empty describe: %s", a)
		}
		if n := len(f.sentOf("describeSObject")) - before; n != 1 {
			t.Errorf("%d describeSObject calls after the empty answer, want 1 (it was not cached)", n)
		}
		s.do(t, http.MethodPost, "/v1/admin/cache/invalidate", map[string]any{"sobject": "Opportunity"})
	}
}

// replayOrgLimits checks Retry-After follows the limit REQUEST_LIMIT_EXCEEDED
// names, for faults worded as Salesforce words them.
func replayOrgLimits(t *testing.T, s *stack, f *front) {
	// The concurrent-request limits first: they free themselves within
	// seconds and do not trip the API budget guard; the daily one does.
	for _, c := range []struct{ msg, retry string }{
		{"ConcurrentPerOrgLongTxn Limit exceeded", "20"},
		{"ConcurrentRequests (Concurrent API Requests) Limit exceeded.", "20"},
		{"TotalRequests Limit exceeded.", "3600"},
	} {
		f.arm("query", http.StatusInternalServerError, limitFault(c.msg))
		a := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account LIMIT 1"})
		f.disarm("query")
		if a.status != http.StatusServiceUnavailable || a.header.Get("Retry-After") != c.retry || a.json(t)["code"] != "REQUEST_LIMIT_EXCEEDED" {
			t.Errorf("%s: want 503 REQUEST_LIMIT_EXCEEDED Retry-After %s: Retry-After %q %s", c.msg, c.retry, a.header.Get("Retry-After"), a)
		}
	}
	// Past the daily limit the guard holds the next request back, unsent.
	a := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account LIMIT 1"})
	if a.status != http.StatusServiceUnavailable || a.json(t)["code"] != "API_BUDGET_EXHAUSTED" {
		t.Errorf("after the daily limit: want 503 API_BUDGET_EXHAUSTED, got %s", a)
	}
}

// limitFault is Salesforce's REQUEST_LIMIT_EXCEEDED fault with msg.
func limitFault(msg string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:fault.partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault>` +
		`<faultcode>sf:REQUEST_LIMIT_EXCEEDED</faultcode><faultstring>REQUEST_LIMIT_EXCEEDED: ` + msg + `</faultstring><detail><sf:UnexpectedErrorFault xsi:type="sf:UnexpectedErrorFault">` +
		`<sf:exceptionCode>REQUEST_LIMIT_EXCEEDED</sf:exceptionCode><sf:exceptionMessage>` + msg + `</sf:exceptionMessage></sf:UnexpectedErrorFault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`
}

// duplicateEnvelope is a create refused by a duplicate rule
// (xsi:type="DuplicateError"), checked against the WSDL in
// internal/salesforce's TestDuplicateErrorDecoded.
func duplicateEnvelope(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../internal/salesforce/testdata/replay/create-duplicate-error.xml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// replayDuplicates checks a duplicate rule's refusal reaches the caller
// with the matched ids, for a single create, an update, an upsert and a
// batch record.
func replayDuplicates(t *testing.T, s *stack, f *front) {
	env := duplicateEnvelope(t)
	acc := "/v1/sobjects/Account/records"
	id := s.do(t, http.MethodPost, acc, map[string]any{"Name": uniq("E2E dup target")}).json(t)["id"].(string)
	asUpsert := strings.ReplaceAll(env, "createResponse>", "upsertResponse>")
	asUpsert = strings.Replace(asUpsert, "<errors xsi:type", "<created>false</created><errors xsi:type", 1)
	for _, c := range []struct {
		name, op, envelope, method, path string
		body                             any
	}{
		{"create", "create", env, http.MethodPost, acc, map[string]any{"Name": "Acme Duplicate Ltd"}},
		{"update", "update", strings.ReplaceAll(env, "createResponse>", "updateResponse>"), http.MethodPatch, acc + "/" + id, map[string]any{"Name": "Acme Duplicate Ltd"}},
		{"upsert", "upsert", asUpsert, http.MethodPut, acc + "/by/External_Id__c/DUP-1", map[string]any{"Name": "Acme Duplicate Ltd"}},
	} {
		f.arm(c.op, http.StatusOK, c.envelope)
		a := s.do(t, c.method, c.path, c.body)
		f.disarm(c.op)
		if a.status != http.StatusConflict || a.json(t)["code"] != "DUPLICATES_DETECTED" {
			t.Errorf("%s: want 409 DUPLICATES_DETECTED: %s", c.name, a)
			continue
		}
		checkDuplicateEntry(t, c.name, a.json(t)["errors"])
	}
	f.arm("create", http.StatusOK, env)
	a := s.do(t, http.MethodPost, acc+"/batch", map[string]any{"operation": "create", "records": []any{map[string]any{"Name": "Acme Duplicate Ltd"}}})
	f.disarm("create")
	if a.status != http.StatusOK {
		t.Fatalf("batch: %s", a)
	}
	res := a.json(t)["results"].([]any)[0].(map[string]any)
	if res["success"] != false {
		t.Errorf("batch result %v", res)
	}
	checkDuplicateEntry(t, "batch", res["errors"])
}

// checkDuplicateEntry checks errors holds one DUPLICATES_DETECTED entry
// naming the rule and both matched records.
func checkDuplicateEntry(t *testing.T, what string, errs any) {
	t.Helper()
	list, _ := errs.([]any)
	if len(list) != 1 {
		t.Fatalf("%s: errors %v", what, errs)
	}
	e := list[0].(map[string]any)
	d, _ := e["duplicate"].(map[string]any)
	if e["code"] != "DUPLICATES_DETECTED" || d == nil || d["rule"] != "Standard_Account_Duplicate_Rule" || d["entityType"] != "Account" || d["allowSave"] != false {
		t.Fatalf("%s: entry %v", what, e)
	}
	matches, _ := d["matches"].([]any)
	var got []string
	for _, m := range matches {
		m := m.(map[string]any)
		got = append(got, m["id"].(string)+" "+m["entityType"].(string)+" "+m["matchingRule"].(string)+" "+string(m["confidence"].(json.Number)))
	}
	want := "001Dn00000QdupAIAR Account Standard_Account_Match_Rule_v1_0 100|001Dn00000QdupBIAR Account Standard_Account_Match_Rule_v1_0 87.5"
	if strings.Join(got, "|") != want {
		t.Errorf("%s: matches %q, want %q", what, strings.Join(got, "|"), want)
	}
}

// replayNumbers checks decimals beyond a field's scale go to Salesforce
// exactly as the caller wrote them and come back as Salesforce wrote them,
// and that only the integer part is bounded. sfsim rounds what it stores
// today, so the envelope the gateway sends is read at the front, and the
// read is replayed.
func replayNumbers(t *testing.T, s *stack, f *front) {
	acc := "/v1/sobjects/Account/records"
	var id string
	for _, c := range []struct{ in, sent string }{
		{"1250000.50", "1250000.5"}, // the document's own example
		{"1250000.123456789", "1250000.123456789"},
		{"-0.000000001", "-0.000000001"},
	} {
		a := s.do(t, http.MethodPost, acc, `{"Name":"`+uniq("E2E number")+`","AnnualRevenue":`+c.in+`}`)
		if a.status != http.StatusCreated {
			t.Fatalf("create with %s: %s", c.in, a)
		}
		id = a.json(t)["id"].(string)
		if re := regexp.MustCompile(`AnnualRevenue[^>]*>([^<]*)<`); re.FindStringSubmatch(f.last("create")) == nil || re.FindStringSubmatch(f.last("create"))[1] != c.sent {
			t.Errorf("%s sent as %q, want %s", c.in, re.FindStringSubmatch(f.last("create")), c.sent)
		}
	}
	a := s.do(t, http.MethodPost, acc, `{"Name":"x","AnnualRevenue":1234567890123456789.5}`)
	if a.status != http.StatusUnprocessableEntity || !strings.Contains(string(a.body), `"code":"NUMBER_OUTSIDE_VALID_RANGE"`) ||
		!strings.Contains(string(a.body), "value outside of valid range on numeric field") {
		t.Errorf("19 integer digits: %s", a)
	}
	f.arm("retrieve", http.StatusOK, retrieveEnvelope(id, "1250000.123456789"))
	a = s.do(t, http.MethodGet, acc+"/"+id+"?fields=AnnualRevenue", nil)
	f.disarm("retrieve")
	if a.status != http.StatusOK || !strings.Contains(string(a.body), `"AnnualRevenue":1250000.123456789`) {
		t.Errorf("read back: %s", a)
	}
}

// retrieveEnvelope is a retrieve answer with one Account and its
// AnnualRevenue, the Id written twice as the partner API does.
func retrieveEnvelope(id, revenue string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com">` +
		`<soapenv:Body><retrieveResponse><result xsi:type="sf:sObject"><sf:type>Account</sf:type><sf:Id>` + id + `</sf:Id><sf:Id>` + id + `</sf:Id>` +
		`<sf:AnnualRevenue>` + revenue + `</sf:AnnualRevenue></result></retrieveResponse></soapenv:Body></soapenv:Envelope>`
}

// fieldsForms checks ?fields= repeated, comma-separated and mixed against
// sfsim: each returns every field named.
func fieldsForms(t *testing.T, s *stack) {
	acc := "/v1/sobjects/Account/records"
	id := s.do(t, http.MethodPost, acc, map[string]any{"Name": uniq("E2E fields"), "Industry": "Energy", "Phone": "+1 555 0100"}).json(t)["id"].(string)
	for _, q := range []string{"fields=Name,Industry,Phone", "fields=Name&fields=Industry&fields=Phone", "fields=Name,Industry&fields=Phone"} {
		rec := s.do(t, http.MethodGet, acc+"/"+id+"?"+q, nil).json(t)
		if rec["Name"] == nil || rec["Industry"] != "Energy" || rec["Phone"] != "+1 555 0100" {
			t.Errorf("?%s: %v", q, rec)
		}
	}
}

// TestE2ECursorLifetime checks GATEWAY_CURSOR_TTL reaches the cursors the
// gateway signs: with one second, a cursor works at once and is
// CURSOR_EXPIRED two seconds later.
func TestE2ECursorLifetime(t *testing.T) {
	t.Parallel()
	s := startStack(t, stackOptions{seedAccounts: 250, env: map[string]string{"GATEWAY_CURSOR_TTL": "1s"}})
	cursor := func() string {
		page := s.do(t, http.MethodPost, "/v1/query", map[string]any{"soql": "SELECT Id FROM Account", "pageSize": 200})
		c, _ := page.json(t)["nextCursor"].(string)
		if c == "" {
			t.Fatalf("no cursor: %s", page)
		}
		return c
	}
	if a := s.do(t, http.MethodGet, "/v1/query/"+cursor(), nil); a.status != http.StatusOK {
		t.Errorf("at once: %s", a)
	}
	late := cursor()
	time.Sleep(2 * time.Second)
	a := s.do(t, http.MethodGet, "/v1/query/"+late, nil)
	if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), `"CURSOR_EXPIRED"`) {
		t.Errorf("after the lifetime: want 400 CURSOR_EXPIRED: %s", a)
	}
}
