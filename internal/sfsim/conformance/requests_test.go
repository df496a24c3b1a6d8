package conformance_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// TestRequestSamples sends every real request sample, with its own
// prefixes, whitespace, comments and HTTP headers, changing only what must
// be live (credentials, session id, query locator, template
// placeholders), and checks sfsim accepts it: HTTP 200 and the operation's
// response.
func TestRequestSamples(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	s.login()
	// Rows for the queryMore sample: more than one batch of 200.
	name := uniq("RequestSample")
	recs := make([]string, 201)
	for i := range recs {
		recs[i] = sobject("Account", "Name", name)
	}
	s.create(t, recs[:200]...)
	s.create(t, recs[200:]...)
	first := s.call("query for a locator", `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`,
		`<urn:query><urn:queryString>SELECT Id FROM Account WHERE Name = '`+name+`'</urn:queryString></urn:query>`)
	first.wantOK(t)
	locator := first.text("queryResponse", "result", "queryLocator")
	if locator == "" {
		t.Fatalf("no queryLocator over 201 rows with batchSize 200:\n%s", first.body)
	}
	password := sfsim.DemoPassword + sfsim.DemoSecurityToken

	cases := []struct {
		file        string
		login       bool     // sent to the login URL, not serverUrl
		contentType string   // as the sample's source sends it
		soapAction  string   // idem
		replace     []string // old, new pairs
		response    string   // the response element expected
	}{
		{file: "describeglobal-request-template-wso2.xml", contentType: "text/xml", soapAction: `""`,
			replace: []string{"%s(session)", s.session}, response: "describeGlobalResponse"},
		{file: "describesobject-request-template-wso2.xml", contentType: "text/xml", soapAction: `""`,
			replace: []string{"%s(session)", s.session, "%s(sobject)", "Account"}, response: "describeSObjectResponse"},
		{file: "getuserinfo-request-template-wso2.xml", contentType: "text/xml", soapAction: `""`,
			replace: []string{"%s(session)", s.session}, response: "getUserInfoResponse"},
		// Bulk API quickstart: env:/n1: prefixes, SOAPAction: login.
		{file: "login-request-bulk-quickstart-docs.xml", login: true, contentType: "text/xml; charset=UTF-8", soapAction: "login",
			replace: []string{"your_username", sfsim.DemoUsername, "your_password", password}, response: "loginResponse"},
		{file: "login-request-template-wso2.xml", login: true, contentType: "text/xml", soapAction: `""`,
			replace: []string{"%s(username)", sfsim.DemoUsername, "%s(password)", password}, response: "loginResponse"},
		{file: "login-request-wiki-v10.xml", login: true, contentType: "text/xml; charset=utf-8", soapAction: `""`,
			replace: []string{"user@domain.com", sfsim.DemoUsername, "secret", password}, response: "loginResponse"},
		{file: "query-request-template-wso2.xml", contentType: "text/xml", soapAction: `""`,
			replace:  []string{"%s(session)", s.session, "%s(batchSize)", "200", "%s(queryString)", "SELECT Id, Name FROM Account WHERE Name = '" + name + "'"},
			response: "queryResponse"},
		// One line, whitespace between every element.
		{file: "querymore-request-wiki-v10.xml", contentType: "text/xml; charset=utf-8", soapAction: `""`,
			replace: []string{"QwWsHJyTPW.1pd0_jXlNKOSU", s.session, "01gD0000001vELkIAM-200", locator}, response: "queryMoreResponse"},
		{file: "search-request-template-wso2.xml", contentType: "text/xml", soapAction: `""`,
			replace:  []string{"%s(session)", s.session, "%s(searchString)", "FIND {" + name + "} IN NAME FIELDS RETURNING Account(Id, Name)"},
			response: "searchResponse"},
		// Fields unqualified, type in the sObject namespace, soapUI comments.
		{file: "upsert-request-externalid-wiki-v10.xml", contentType: "text/xml; charset=utf-8", soapAction: `""`,
			replace: []string{"QwWsHJyTPW.1pd0_jXlNKOSU", s.session}, response: "upsertResponse"},
	}

	files, err := filepath.Glob(filepath.Join(samplesDir, "*-request-*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, f := range files {
		want = append(want, filepath.Base(f))
	}
	for _, c := range cases {
		got = append(got, c.file)
	}
	if !slices.Equal(got, want) {
		t.Errorf("every request sample needs exactly one row:\nsamples: %v\nrows:    %v", want, got)
	}

	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".xml"), func(t *testing.T) {
			body := string(readSample(t, c.file))
			for i := 0; i+1 < len(c.replace); i += 2 {
				if !strings.Contains(body, c.replace[i]) {
					t.Fatalf("sample has no %q to replace", c.replace[i])
				}
				body = strings.ReplaceAll(body, c.replace[i], xmlEscape(c.replace[i+1]))
			}
			url := s.server
			if c.login {
				url = s.soapURL(APIVersion)
			}
			r := s.post(c.file, url, c.contentType, []byte(body), "SOAPAction", c.soapAction)
			r.wantOK(t)
			if r.root.path("Body", c.response) == nil {
				t.Errorf("answer has no %s:\n%s", c.response, r.body)
			}
			if c.file == "upsert-request-externalid-wiki-v10.xml" {
				res := results(r, "upsert")
				if len(res) != 2 || res[0].child("created").Text != "true" || res[1].child("created").Text != "true" {
					t.Errorf("upsert of two new external ids: want two created results:\n%s", r.body)
				}
			}
		})
	}
}
