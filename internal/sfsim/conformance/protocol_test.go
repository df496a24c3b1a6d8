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
	queryAll := `<urn:query><urn:queryString>SELECT Id FROM Account</urn:queryString></urn:query>`

	run(t, "LimitInfoHeader counts calls", func(t *testing.T) {
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

	run(t, "default batch is 2000", func(t *testing.T) {
		r := s.call("no QueryOptions", "", queryAll)
		r.wantOK(t)
		res := r.root.path("Body", "queryResponse", "result")
		if res.child("done").Text != "true" || len(res.all("records")) != 250 {
			t.Errorf("250 rows without QueryOptions: want one page (default 2000, §8), got done %s with %d records", res.child("done").Text, len(res.all("records")))
		}
	})

	run(t, "batch size clamped to 200", func(t *testing.T) {
		r := s.call("batchSize 50", `<urn:QueryOptions><urn:batchSize>50</urn:batchSize></urn:QueryOptions>`, queryAll)
		r.wantOK(t)
		if n := len(r.root.path("Body", "queryResponse", "result").all("records")); n != 200 {
			t.Errorf("batchSize 50: %d records, want 200 (clamped to [200, 2000], §8)", n)
		}
	})

	run(t, "locator reusable", func(t *testing.T) {
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

	run(t, "data call on the URL without org id", func(t *testing.T) {
		r := s.post("no org id", s.soapURL(APIVersion), "text/xml", envelope(sessionHeader(s.session), `<urn:getUserInfo/>`))
		r.wantOK(t)
	})

	run(t, "SOAPAction of any value", func(t *testing.T) {
		r := s.post("SOAPAction query", s.server, "text/xml", envelope(sessionHeader(s.session), `<urn:getUserInfo/>`), "SOAPAction", "getUserInfo")
		r.wantOK(t)
	})

	run(t, "unknown headers ignored", func(t *testing.T) {
		r := s.call("unknown header", `<urn:MruHeader><urn:updateMru>true</urn:updateMru></urn:MruHeader><x:Custom xmlns:x="urn:example">1</x:Custom>`, `<urn:getUserInfo/>`)
		r.wantOK(t)
	})

	run(t, "unknown operation", func(t *testing.T) {
		r := s.call("unknown operation", "", `<urn:frobnicate/>`)
		f := r.wantFault(t, "", "")
		if !strings.Contains(f.String, "frobnicate") {
			t.Errorf("faultstring %q does not name the operation", f.String)
		}
	})

	run(t, "retrieve of more than 2000 ids", func(t *testing.T) {
		ids := strings.Repeat("<urn:ids>001000000000000AAA</urn:ids>", 2001)
		r := s.call("retrieve 2001", "", `<urn:retrieve><urn:fieldList>Id</urn:fieldList><urn:sObjectType>Account</urn:sObjectType>`+ids+`</urn:retrieve>`)
		r.wantFault(t, "EXCEEDED_ID_LIMIT", "UnexpectedErrorFault")
	})

	run(t, "retrieve of a missing record", func(t *testing.T) {
		r := s.call("retrieve missing", "", `<urn:retrieve><urn:fieldList>Id</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>001000000000000AAA</urn:ids></urn:retrieve>`)
		r.wantOK(t)
		if res := results(r, "retrieve"); len(res) != 1 || !res[0].isNil() {
			t.Errorf("an id that cannot be returned: want one nil result (§7):\n%s", r.body)
		}
	})
}
