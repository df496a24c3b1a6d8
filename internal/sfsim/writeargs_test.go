package sfsim

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// jsforceEnvelope is a request as jsforce's SOAP class writes it
// (src/soap.ts): default namespace urn:partner.soap.sforce.com declared on
// Header and Body, no prefixes, so masterRecord's type, Id and fields are
// all in the partner namespace.
func jsforceEnvelope(sid, op, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<soapenv:Header xmlns="urn:partner.soap.sforce.com"><SessionHeader><sessionId>` + sid + `</sessionId></SessionHeader></soapenv:Header>` +
		`<soapenv:Body xmlns="urn:partner.soap.sforce.com"><` + op + `>` + body + `</` + op + `></soapenv:Body></soapenv:Envelope>`
}

// TestMergeAsClientsSendIt: a merge answers a MergeResult whatever the
// clients call the request element and whichever namespace masterRecord's
// type, Id and fields are in — never an empty mergeResponse.
func TestMergeAsClientsSendIt(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	for _, tc := range []struct {
		name  string
		build func(master, loser string) string
	}{
		{"jsforce: mergeRequests, partner namespace", func(m, l string) string {
			return jsforceEnvelope(s.sid, "merge", `<mergeRequests><masterRecord><type>Account</type><Id>`+m+`</Id><Description>by jsforce</Description></masterRecord><recordToMergeIds>`+l+`</recordToMergeIds></mergeRequests>`)
		}},
		{"WSDL: request, sObject namespace", func(m, l string) string {
			return envelope(s.sid, "", "merge", `<urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>`+m+`</urn1:Id><urn1:Description>by the WSDL</urn1:Description></urn:masterRecord><urn:recordToMergeIds>`+l+`</urn:recordToMergeIds></urn:request>`)
		}},
		{"salesforcer: mergeRequest with xsi:type", func(m, l string) string {
			return envelope(s.sid, "", "merge", `<urn:mergeRequest xsi:type="MergeRequest"><urn:masterRecord><urn:type>Account</urn:type><urn:Id>`+m+`</urn:Id><Description>by salesforcer</Description></urn:masterRecord><urn:recordToMergeIds>`+l+`</urn:recordToMergeIds></urn:mergeRequest>`)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			ids := s.create(sobj("Account", "Name", "M"), sobj("Account", "Name", "L"))
			r := s.post(s.version, tc.build(ids[0], ids[1]), "merge", nil).ok()
			xsdcheck.Validate(t, r.raw)
			res := r.results("merge")
			if len(res) != 1 {
				t.Fatalf("%d results, want 1:\n%s", len(res), r.raw)
			}
			if res[0].child("success").text != "true" || res[0].child("id").text != ids[0] || !slices.Equal(res[0].values("mergedRecordIds"), ids[1:]) {
				t.Fatalf("%s", r.raw)
			}
			desc := s.get("Account", ids[0], "Description").child("Description").text
			if !strings.HasPrefix(desc, "by ") {
				t.Errorf("master's field not taken: Description %q", desc)
			}
			if s.get("Account", ids[1], "IsDeleted").child("IsDeleted").text != "true" {
				t.Errorf("loser not deleted")
			}
		})
	}
}

// TestNoEmptyWriteResponse: a write call that names nothing to write is a
// fault, never an empty <opResponse/>.
func TestNoEmptyWriteResponse(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	for _, tc := range []struct{ op, body, element string }{
		{"create", "", "sObjects"},
		{"update", "", "sObjects"},
		{"upsert", "<urn:externalIDFieldName>Id</urn:externalIDFieldName>", "sObjects"},
		{"delete", "", "ids"},
		{"undelete", "", "ids"},
		{"emptyRecycleBin", "", "ids"},
		{"merge", "", "request"},
		{"merge", "<urn:somethingElse>x</urn:somethingElse>", "request"},
		{"convertLead", "", "leadConverts"},
	} {
		t.Run(tc.op+tc.body, func(t *testing.T) {
			s := s.as(t)
			r := s.do(tc.op, "", tc.body)
			msg := r.fault("sf:MISSING_ARGUMENT", "UnexpectedErrorFault")
			if want := fmt.Sprintf("MISSING_ARGUMENT: %s: no %s specified", tc.op, tc.element); msg != want {
				t.Errorf("faultstring %q, want %q", msg, want)
			}
			xsdcheck.Validate(t, r.raw)
		})
	}
}
