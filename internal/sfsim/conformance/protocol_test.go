package conformance_test

import (
	"strconv"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// TestProtocolDetails checks the smaller wire rules of PROTOCOL.md that
// clients rely on.
func TestProtocolDetails(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: 250})
	s.login()

	t.Run("LimitInfoHeader counts calls", func(t *testing.T) {
		var last int
		for i := range 3 {
			r := s.call("count "+strconv.Itoa(i), "", `<urn:getServerTimestamp/>`)
			r.wantOK(t)
			n, err := strconv.Atoi(r.root.path("Header", "LimitInfoHeader", "limitInfo").child("current").Text)
			if err != nil || (i > 0 && n <= last) {
				t.Errorf("current %d after %d: want it to grow with every call (§11)", n, last)
			}
			last = n
		}
	})

	runQueryBatchSubtests(t, s)

	t.Run("data call on the URL without org id", func(t *testing.T) {
		r := s.post("no org id", s.soapURL(APIVersion), "text/xml", envelope(sessionHeader(s.session), `<urn:getUserInfo/>`))
		r.wantOK(t)
	})

	t.Run("SOAPAction of any value", func(t *testing.T) {
		r := s.post("SOAPAction query", s.server, "text/xml", envelope(sessionHeader(s.session), `<urn:getUserInfo/>`), "SOAPAction", "getUserInfo")
		r.wantOK(t)
	})

	t.Run("unknown headers ignored", func(t *testing.T) {
		r := s.call("unknown header", `<urn:MruHeader><urn:updateMru>true</urn:updateMru></urn:MruHeader><x:Custom xmlns:x="urn:example">1</x:Custom>`, `<urn:getUserInfo/>`)
		r.wantOK(t)
	})

	t.Run("unknown operation", func(t *testing.T) {
		r := s.call("unknown operation", "", `<urn:frobnicate/>`)
		f := r.wantFault(t, "", "")
		if !strings.Contains(f.String, "frobnicate") {
			t.Errorf("faultstring %q does not name the operation", f.String)
		}
	})

	t.Run("retrieve of more than 2000 ids", func(t *testing.T) {
		ids := strings.Repeat("<urn:ids>001000000000000AAA</urn:ids>", 2001)
		r := s.call("retrieve 2001", "", `<urn:retrieve><urn:fieldList>Id</urn:fieldList><urn:sObjectType>Account</urn:sObjectType>`+ids+`</urn:retrieve>`)
		r.wantFault(t, "EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
	})

	runClientLoginSubtests(t, s)

	t.Run("retrieve of a missing record", func(t *testing.T) {
		r := s.call("retrieve missing", "", `<urn:retrieve><urn:fieldList>Id</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>001000000000000AAA</urn:ids></urn:retrieve>`)
		r.wantOK(t)
		if res := results(r, "retrieve"); len(res) != 1 || !res[0].isNil() {
			t.Errorf("an id that cannot be returned: want one nil result (§7):\n%s", r.body)
		}
	})
}

// runQueryBatchSubtests checks QueryOptions batchSize: its default, its
// clamping, and reusable locators, over the 250 seeded accounts.
func runQueryBatchSubtests(t *testing.T, s *sim) {
	queryAll := `<urn:query><urn:queryString>SELECT Id FROM Account</urn:queryString></urn:query>`

	t.Run("default batch is 2000", func(t *testing.T) {
		r := s.call("no QueryOptions", "", queryAll)
		r.wantOK(t)
		res := r.root.path("Body", "queryResponse", "result")
		if res.child("done").Text != "true" || len(res.all("records")) != 250 {
			t.Errorf("250 rows without QueryOptions: want one page (default 2000, §8), got done %s with %d records", res.child("done").Text, len(res.all("records")))
		}
	})

	t.Run("batch size clamped to 200", func(t *testing.T) {
		r := s.call("batchSize 50", `<urn:QueryOptions><urn:batchSize>50</urn:batchSize></urn:QueryOptions>`, queryAll)
		r.wantOK(t)
		if n := len(r.root.path("Body", "queryResponse", "result").all("records")); n != 200 {
			t.Errorf("batchSize 50: %d records, want 200 (clamped to [200, 2000], §8)", n)
		}
	})

	t.Run("locator reusable", func(t *testing.T) {
		opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
		r := s.call("query", opts, queryAll)
		r.wantOK(t)
		loc := r.text("queryResponse", "result", "queryLocator")
		for i := range 2 {
			m := s.call("queryMore "+strconv.Itoa(i), opts, `<urn:queryMore><urn:queryLocator>`+loc+`</urn:queryLocator></urn:queryMore>`)
			m.wantOK(t)
			if n := len(m.root.path("Body", "queryMoreResponse", "result").all("records")); n != 50 {
				t.Errorf("queryMore #%d on the same locator: %d records, want the same 50 (locators are reusable since API 56.0, §8)", i+1, n)
			}
		}
	})
}

// runClientLoginSubtests logs in as the clients in PROTOCOL.md §4 send it,
// at the oldest and newest versions that still have login().
func runClientLoginSubtests(t *testing.T, s *sim) {
	pw := xmlEscape(sfsim.DemoPassword + sfsim.DemoSecurityToken)
	for _, c := range []struct{ name, version, contentType, soapAction, body string }{
		{"jsforce", "64.0", "text/xml", `""`,
			`<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>` +
				sfsim.DemoUsername + `</username><password>` + pw + `</password></login></se:Body></se:Envelope>`},
		{"simple-salesforce", "31.0", "text/xml", "login",
			`<?xml version="1.0" encoding="utf-8" ?><env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ` +
				`xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:urn="urn:partner.soap.sforce.com"><env:Header><urn:CallOptions><urn:client>RestForce</urn:client>` +
				`<urn:defaultNamespace>sf</urn:defaultNamespace></urn:CallOptions></env:Header><env:Body><n1:login xmlns:n1="urn:partner.soap.sforce.com"><n1:username>` +
				sfsim.DemoUsername + `</n1:username><n1:password>` + pw + `</n1:password></n1:login></env:Body></env:Envelope>`},
	} {
		t.Run("login as "+c.name+" at "+c.version, func(t *testing.T) {
			r := s.post("login "+c.name, s.soapURL(c.version), c.contentType, []byte(c.body), "SOAPAction", c.soapAction, "charset", "UTF-8")
			r.wantOK(t)
			if u := r.text("loginResponse", "result", "serverUrl"); !strings.Contains(u, "/services/Soap/u/"+c.version+"/") {
				t.Errorf("serverUrl %q is not at the version logged in with", u)
			}
		})
	}
}
