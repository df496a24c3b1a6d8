package sfsim

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func readSample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/samples/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// shape renders an element tree as its names, nil flags and nesting, to
// compare a response's structure with a real sample's.
func shape(n *node, depth int, b *strings.Builder) {
	b.WriteString(strings.Repeat(" ", depth) + n.local)
	if n.nilAttr {
		b.WriteString(" nil")
	}
	b.WriteString("\n")
	for _, c := range n.children {
		shape(c, depth+1, b)
	}
}

func shapeOf(n *node) string {
	var b strings.Builder
	if n != nil {
		shape(n, 0, &b)
	}
	return b.String()
}

func TestRequestRefusals(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	cases := []struct {
		name, method, version, ctype, body string
		status                             int
		sample                             string // compared byte for byte
		code, contains                     string
	}{
		{name: "wrong content type", method: "POST", version: "58.0", ctype: "application/x-www-form-urlencoded", body: "x",
			status: 500, sample: "fault-client-content-type-www-salesforce-nb.xml"},
		{name: "soap 1.2 media type", method: "POST", version: "58.0", ctype: "application/soap+xml", body: "x",
			status: 500, sample: "fault-client-content-type-www-salesforce-nb.xml"},
		{name: "empty body", method: "POST", version: "58.0", ctype: "text/xml", body: "",
			status: 500, sample: "fault-client-premature-eof-www-salesforce-nb.xml"},
		{name: "malformed xml", method: "POST", version: "58.0", ctype: "text/xml", body: "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'><soapenv:Body><a></b></soapenv:Body></soapenv:Envelope>",
			status: 500, code: "soapenv:Client"},
		{name: "unclosed element", method: "POST", version: "58.0", ctype: "text/xml", body: "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>",
			status: 500, code: "soapenv:Client", contains: "XML document structures must start and end within the same entity."},
		{name: "second root", method: "POST", version: "58.0", ctype: "text/xml", body: "<a/><b/>",
			status: 500, code: "soapenv:Client", contains: "The markup in the document following the root element must be well-formed."},
		{name: "text before the root", method: "POST", version: "58.0", ctype: "text/xml", body: "x<a/>",
			status: 500, code: "soapenv:Client", contains: "Content is not allowed in prolog."},
		{name: "unknown encoding", method: "POST", version: "58.0", ctype: "text/xml", body: `<?xml version="1.0" encoding="EBCDIC"?><a/>`,
			status: 500, code: "soapenv:Client", contains: `Invalid encoding name "EBCDIC".`},
		{name: "not an envelope", method: "POST", version: "58.0", ctype: "text/xml", body: "<login/>",
			status: 500, code: "soapenv:Client", contains: "envelope"},
		{name: "unknown operation", method: "POST", version: "58.0", ctype: "text/xml", body: envelope("", "", "frobnicate", ""),
			status: 500, code: "soapenv:Client", contains: "No operation available for request {urn:partner.soap.sforce.com}frobnicate"},
		{name: "enterprise namespace", method: "POST", version: "58.0", ctype: "text/xml",
			body:   `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body><login xmlns="urn:enterprise.soap.sforce.com"/></e:Body></e:Envelope>`,
			status: 500, code: "soapenv:Client", contains: "{urn:enterprise.soap.sforce.com}login"},
		{name: "retired version", method: "POST", version: "30.0", ctype: "text/xml", body: envelope("", "", "getUserInfo", ""),
			status: 500, code: "sf:UNSUPPORTED_API_VERSION"},
		{name: "future version", method: "POST", version: "67.0", ctype: "text/xml", body: envelope("", "", "getUserInfo", ""),
			status: 500, code: "sf:UNSUPPORTED_API_VERSION"},
		{name: "version without .0", method: "POST", version: "58", ctype: "text/xml", body: envelope("", "", "getUserInfo", ""),
			status: 500, code: "sf:UNSUPPORTED_API_VERSION"},
		{name: "GET", method: "GET", version: "58.0", status: 405, code: "soapenv:Client"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			t.Parallel()
			req, _ := http.NewRequestWithContext(t.Context(), tc.method, s.url+"/services/Soap/u/"+tc.version, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			r := s.send(req, "refusal")
			if r.status != tc.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tc.status, r.raw)
			}
			if tc.sample != "" {
				if want := bytes.TrimSpace(readSample(t, tc.sample)); !bytes.Equal(r.raw, want) {
					t.Fatalf("got\n%s\nwant (real sample)\n%s", r.raw, want)
				}
				return
			}
			if got := r.text("Body", "Fault", "faultcode"); got != tc.code {
				t.Fatalf("faultcode %q, want %q\n%s", got, tc.code, r.raw)
			}
			if !strings.Contains(r.text("Body", "Fault", "faultstring"), tc.contains) {
				t.Fatalf("faultstring %q lacks %q", r.text("Body", "Fault", "faultstring"), tc.contains)
			}
		})
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	r := s.call("64.0", "login", "", `<urn:username>`+DemoUsername+`</urn:username><urn:password>`+DemoPassword+DemoSecurityToken+`</urn:password>`).ok()
	if r.find("Header") != nil {
		t.Errorf("login carries a soapenv:Header; Salesforce sends LimitInfoHeader on every call but login")
	}
	res := r.find("Body", "loginResponse", "result")
	var names []string
	for _, c := range res.children {
		names = append(names, c.local)
	}
	if got, want := strings.Join(names, ","), "metadataServerUrl,passwordExpired,sandbox,serverUrl,sessionId,userId,userInfo"; got != want {
		t.Errorf("LoginResult elements %s, want %s", got, want)
	}
	org15 := s.srv.OrgID()[:15]
	if got, want := res.child("serverUrl").text, s.url+"/services/Soap/u/64.0/"+org15; got != want {
		t.Errorf("serverUrl %q, want %q", got, want)
	}
	if got, want := res.child("metadataServerUrl").text, s.url+"/services/Soap/m/64.0/"+org15; got != want {
		t.Errorf("metadataServerUrl %q, want %q", got, want)
	}
	if sid := res.child("sessionId").text; !regexp.MustCompile(`^` + org15 + `![A-Za-z0-9._]{60,}$`).MatchString(sid) {
		t.Errorf("sessionId %q is not <org15>!<token>", sid)
	}
	// userInfo has every element of v58's GetUserInfoResult, in order; the
	// real v28 sample lacks the two added since.
	var ui []string
	for _, c := range res.child("userInfo").children {
		ui = append(ui, c.local)
	}
	want := "accessibilityMode,chatterExternal,currencySymbol,orgAttachmentFileSizeLimit,orgDefaultCurrencyIsoCode,orgDefaultCurrencyLocale,orgDisallowHtmlAttachments,orgHasPersonAccounts,organizationId,organizationMultiCurrency,organizationName,profileId,roleId,sessionSecondsValid,userDefaultCurrencyIsoCode,userEmail,userFullName,userId,userLanguage,userLocale,userName,userTimeZone,userType,userUiSkin"
	if got := strings.Join(ui, ","); got != want {
		t.Errorf("userInfo elements\n%s\nwant\n%s", got, want)
	}
	if got := res.child("userInfo").child("sessionSecondsValid").text; got != "7200" {
		t.Errorf("sessionSecondsValid %s, want 7200", got)
	}
	// The real login samples declare the default namespace and xsi.
	if !bytes.HasPrefix(r.raw, []byte(`<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"`)) {
		t.Errorf("envelope start differs from the real samples:\n%.300s", r.raw)
	}
	if ct := r.header.Get("Content-Type"); ct != "text/xml; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	// Later calls go to serverUrl, which carries the org id.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", res.child("serverUrl").text, strings.NewReader(envelope(res.child("sessionId").text, "", "getUserInfo", "")))
	req.Header.Set("Content-Type", "text/xml")
	s.send(req, "getUserInfo").ok()
}

func TestLenientRequests(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	login := `<n:login xmlns:n="urn:partner.soap.sforce.com"><n:username>` + DemoUsername + `</n:username><n:password>` + DemoPassword + DemoSecurityToken + `</n:password></n:login>`
	cases := []struct{ name, body string }{
		{"byte order mark", "\ufeff<?xml version=\"1.0\" encoding=\"UTF-8\"?><e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body>" + login + "</e:Body></e:Envelope>"},
		{"jsforce style default namespace and empty header", `<se:Envelope xmlns:se="http://schemas.xmlsoap.org/soap/envelope/"><se:Header/><se:Body><login xmlns="urn:partner.soap.sforce.com"><username>` + DemoUsername + `</username><password>` + DemoPassword + DemoSecurityToken + `</password></login></se:Body></se:Envelope>`},
		{"unknown headers and comments", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header><x:Whatever xmlns:x="urn:other"><x:a>1</x:a></x:Whatever><CallOptions xmlns="urn:partner.soap.sforce.com"><client>RestForce</client><defaultNamespace>sf</defaultNamespace></CallOptions></e:Header><!-- hi --><e:Body>` + login + `</e:Body></e:Envelope>`},
		{"latin-1 declaration", `<?xml version="1.0" encoding="ISO-8859-1"?><e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Body>` + login + `</e:Body></e:Envelope>`},
		{"this org's login scope", `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header><LoginScopeHeader xmlns="urn:partner.soap.sforce.com"><organizationId>` + s.srv.OrgID()[:15] + `</organizationId></LoginScopeHeader></e:Header><e:Body>` + login + `</e:Body></e:Envelope>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := s.as(t)
			r := s.post("64.0", tc.body, "login", http.Header{"Soapaction": {"anything"}, "Charset": {"UTF-8"}})
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.raw)
			}
		})
	}
	t.Run("another org's login scope", func(t *testing.T) {
		t.Parallel()
		s := s.as(t)
		body := `<e:Envelope xmlns:e="http://schemas.xmlsoap.org/soap/envelope/"><e:Header><LoginScopeHeader xmlns="urn:partner.soap.sforce.com"><organizationId>00D000000000062</organizationId></LoginScopeHeader></e:Header><e:Body>` + login + `</e:Body></e:Envelope>`
		s.post("64.0", body, "login", nil).fault("sf:INVALID_LOGIN", "LoginFault")
	})
}

func TestLoginRequestSamplesAccepted(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	for _, name := range []string{"login-request-bulk-quickstart-docs.xml", "login-request-template-wso2.xml", "login-request-wiki-v10.xml"} {
		body := string(readSample(t, name))
		for _, ph := range []string{"your_username", "%s(username)", "user@domain.com"} {
			body = strings.ReplaceAll(body, ph, DemoUsername)
		}
		for _, ph := range []string{"your_password", "%s(password)", "secret"} {
			body = strings.ReplaceAll(body, ph, DemoPassword+DemoSecurityToken)
		}
		r := s.post("43.0", body, "login", http.Header{"Soapaction": {"login"}})
		if r.status != 200 || r.text("Body", "loginResponse", "result", "sessionId") == "" {
			t.Errorf("%s refused:\n%s", name, r.raw)
		}
	}
}

func TestLoginFaults(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, version, user, pass string
		cfg                       Config
		code, detail, msg         string
	}{
		{"wrong password", "64.0", DemoUsername, "nope", Config{}, "sf:INVALID_LOGIN", "LoginFault",
			"INVALID_LOGIN: Invalid username, password, security token; or user locked out."},
		{"password without token", "64.0", DemoUsername, DemoPassword, Config{}, "sf:INVALID_LOGIN", "LoginFault", ""},
		{"unknown user", "64.0", "who@example.com", DemoPassword + DemoSecurityToken, Config{}, "sf:INVALID_LOGIN", "LoginFault", ""},
		{"api 65.0", "65.0", DemoUsername, DemoPassword + DemoSecurityToken, Config{}, "sf:INVALID_OPERATION", "UnexpectedErrorFault",
			"INVALID_OPERATION: The SOAP Login operation is not available in the API version specified (65.0). Refer to the documentation for supported versions."},
		{"soap login off", "64.0", DemoUsername, DemoPassword + DemoSecurityToken, Config{DisableSOAPLogin: true}, "sf:INVALID_OPERATION", "UnexpectedErrorFault",
			"INVALID_OPERATION: SOAP API login() is disabled by default in this org. Contact the org administrator to enable SOAP API login()."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, tc.cfg)
			r := s.call(tc.version, "login", "", `<urn:username>`+tc.user+`</urn:username><urn:password>`+tc.pass+`</urn:password>`)
			msg := r.fault(tc.code, tc.detail)
			if tc.msg != "" && msg != tc.msg {
				t.Errorf("faultstring %q, want %q", msg, tc.msg)
			}
		})
	}
	t.Run("matches the real sample", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{})
		r := s.call("64.0", "login", "", `<urn:username>x</urn:username><urn:password>y</urn:password>`)
		if want := bytes.TrimSpace(readSample(t, "fault-invalid-login-www-salesforce-nb.xml")); !bytes.Equal(r.raw, want) {
			t.Fatalf("got\n%s\nwant\n%s", r.raw, want)
		}
	})
}

func TestSessions(t *testing.T) {
	t.Parallel()
	t.Run("missing or unknown session", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{})
		r := s.do("getUserInfo", "", "")
		msg := r.fault("sf:INVALID_SESSION_ID", "UnexpectedErrorFault")
		if msg != "INVALID_SESSION_ID: Invalid Session ID found in SessionHeader: Illegal Session" {
			t.Errorf("faultstring %q", msg)
		}
		s.sid = s.srv.OrgID()[:15] + "!bogus"
		s.do("getUserInfo", "", "").fault("sf:INVALID_SESSION_ID", "UnexpectedErrorFault")
		// Same structure as the real sample.
		want, _ := parseXML(bytes.NewReader(readSample(t, "fault-invalid-session-id-cumulusci.xml")))
		if g, w := shapeOf(r.root), shapeOf(want); g != w {
			t.Errorf("shape\n%s\nwant\n%s", g, w)
		}
	})
	t.Run("idle timeout resets on each call", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{}).login()
		for range 3 {
			s.clock.Advance(119 * time.Minute)
			s.do("getServerTimestamp", "", "").ok()
		}
		s.clock.Advance(2*time.Hour + time.Second)
		s.do("getServerTimestamp", "", "").fault("sf:INVALID_SESSION_ID", "UnexpectedErrorFault")
	})
	t.Run("configured timeout", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{SessionTimeout: 15 * time.Minute}).login()
		if got := s.do("getUserInfo", "", "").text("Body", "getUserInfoResponse", "result", "sessionSecondsValid"); got != "900" {
			t.Errorf("sessionSecondsValid %s, want 900", got)
		}
		s.clock.Advance(16 * time.Minute)
		s.do("getUserInfo", "", "").fault("sf:INVALID_SESSION_ID", "")
	})
	t.Run("logout", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{}).login()
		s.do("logout", "", "").ok()
		s.do("getUserInfo", "", "").fault("sf:INVALID_SESSION_ID", "")
	})
	t.Run("control api expires all", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{}).login()
		s.do("getUserInfo", "", "").ok()
		if st, body := s.control("POST", "/_sim/sessions/expire", ""); st != 200 || !strings.Contains(body, `"expired":1`) {
			t.Fatalf("expire: %d %s", st, body)
		}
		s.do("getUserInfo", "", "").fault("sf:INVALID_SESSION_ID", "")
	})
	t.Run("session works on any version", func(t *testing.T) {
		t.Parallel()
		s := newSim(t, Config{}).login()
		for _, v := range []string{"31.0", "58.0", "66.0"} {
			s.call(v, "getServerTimestamp", "", "").ok()
		}
	})
}

func TestUserInfoAndTimestamp(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	r := s.do("getUserInfo", "", "").ok()
	res := r.find("Body", "getUserInfoResponse", "result")
	if res.child("userName").text != DemoUsername || res.child("organizationId").text != s.srv.OrgID() {
		t.Errorf("userInfo %s", r.raw)
	}
	if res.child("roleId") == nil || !res.child("roleId").nilAttr {
		t.Errorf("roleId should be nil")
	}
	ts := s.do("getServerTimestamp", "", "").ok().text("Body", "getServerTimestampResponse", "result", "timestamp")
	if ts != "2026-11-30T12:00:00.000Z" {
		t.Errorf("timestamp %q", ts)
	}
}

func TestLimitInfo(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{DailyLimit: 3, SessionTimeout: 48 * time.Hour}).login()
	for i := 1; i <= 3; i++ {
		r := s.do("getServerTimestamp", "", "").ok()
		li := r.find("Header", "LimitInfoHeader", "limitInfo")
		if li.child("current").text != strconv.Itoa(i) || li.child("limit").text != "3" || li.child("type").text != "API REQUESTS" {
			t.Fatalf("call %d: LimitInfoHeader %s", i, r.raw)
		}
	}
	msg := s.do("getServerTimestamp", "", "").fault("sf:REQUEST_LIMIT_EXCEEDED", "UnexpectedErrorFault")
	if msg != "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded." {
		t.Errorf("faultstring %q", msg)
	}
	// login still works: it does not count against the allowance.
	s.login()
	// The allowance is a rolling 24 hours.
	s.clock.Advance(23 * time.Hour)
	s.do("getServerTimestamp", "", "").fault("sf:REQUEST_LIMIT_EXCEEDED", "")
	s.clock.Advance(time.Hour + time.Second)
	r := s.do("getServerTimestamp", "", "").ok()
	if got := r.text("Header", "LimitInfoHeader", "limitInfo", "current"); got != "1" {
		t.Errorf("after a day current = %s, want 1", got)
	}
}

func TestGzip(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	io.WriteString(zw, envelope(s.sid, "", "getUserInfo", ""))
	zw.Close()
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.url+"/services/Soap/u/58.0", &zb)
	req.Header.Set("Content-Type", "text/xml; charset=UTF-8")
	req.Header.Set("Content-Encoding", "gzip")
	req.Header.Set("Accept-Encoding", "gzip")
	// A transport that does not transparently decompress, to see the wire.
	res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("status %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(zr)
	if !bytes.Contains(body, []byte("<userName>"+DemoUsername+"</userName>")) {
		t.Errorf("body %s", body)
	}
	if res.Header.Get("Vary") != "Accept-Encoding" {
		t.Errorf("Vary %q", res.Header.Get("Vary"))
	}
}

func TestRequestSizeCap(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{MaxRequestBytes: 4096}).login()
	big := strings.Repeat("x", 8000)
	r := s.do("query", "", "<urn:queryString>SELECT Id FROM Account WHERE Name = '"+big+"'</urn:queryString>")
	r.fault("sf:EXCEEDED_MAX_SIZE_REQUEST", "UnexpectedErrorFault")
	// A gzip bomb is cut at the same size after decompression.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	io.WriteString(zw, envelope(s.sid, "", "query", "<urn:queryString>"+strings.Repeat(" ", 1<<20)+"</urn:queryString>"))
	zw.Close()
	r = s.post("58.0", zb.String(), "query", http.Header{"Content-Encoding": {"gzip"}})
	r.fault("sf:EXCEEDED_MAX_SIZE_REQUEST", "UnexpectedErrorFault")
}

func TestVersions(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	res, err := http.Get(s.url + "/services/data/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var got []apiVersion
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 36 {
		t.Fatalf("%d versions, want 31.0…66.0", len(got))
	}
	want := map[string]string{"31.0": "Summer '14", "32.0": "Winter '15", "58.0": "Summer '23", "62.0": "Winter '25", "64.0": "Summer '25", "65.0": "Winter '26", "66.0": "Spring '26"}
	for _, v := range got {
		if l, ok := want[v.Version]; ok && l != v.Label {
			t.Errorf("%s labelled %q, want %q", v.Version, v.Label, l)
		}
		if v.URL != "/services/data/v"+v.Version {
			t.Errorf("url %q", v.URL)
		}
	}
	if got[0].Version != "31.0" || got[len(got)-1].Version != "66.0" {
		t.Errorf("range %s…%s", got[0].Version, got[len(got)-1].Version)
	}
}

func TestLoginSizeCap(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{})
	pad := strings.Repeat(" ", 11<<10)
	body := envelope("", "", "login", "<urn:username>"+DemoUsername+"</urn:username>"+pad+"<urn:password>"+DemoPassword+DemoSecurityToken+"</urn:password>")
	// Chunked, so the cap cannot rely on Content-Length.
	req, _ := http.NewRequestWithContext(t.Context(), "POST", s.url+"/services/Soap/u/64.0", io.MultiReader(strings.NewReader(body)))
	req.Header.Set("Content-Type", "text/xml")
	s.send(req, "login").fault("sf:EXCEEDED_MAX_SIZE_REQUEST", "UnexpectedErrorFault")
}

// TestRequestSamplesAccepted sends every real request sample (templates
// filled in) and expects a normal answer.
func TestRequestSamplesAccepted(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{SeedAccounts: 150}).login()
	loc := s.do("query", `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`, "<urn:queryString>SELECT Id FROM Contact</urn:queryString>").ok().text("Body", "queryResponse", "result", "queryLocator")
	fill := strings.NewReplacer(
		"%s(session)", s.sid, "QwWsHJyTPW.1pd0_jXlNKOSU", s.sid,
		"%s(sobject)", "Account", "%s(batchSize)", "200",
		"%s(queryString)", "SELECT Id, Name FROM Account",
		"%s(searchString)", "FIND {Acme} RETURNING Account(Name)",
		"01gD0000001vELkIAM-200", loc, // the seeded org has External_Id__c on Account
	)
	for _, name := range []string{"describeglobal-request-template-wso2.xml", "describesobject-request-template-wso2.xml",
		"getuserinfo-request-template-wso2.xml", "query-request-template-wso2.xml", "querymore-request-wiki-v10.xml",
		"search-request-template-wso2.xml", "upsert-request-externalid-wiki-v10.xml"} {
		t.Run(name, func(t *testing.T) {
			s := s.as(t)
			body := fill.Replace(string(readSample(t, name)))
			if loc == "" && strings.Contains(name, "querymore") {
				t.Fatal("no locator to page with: seed more contacts")
			}
			r := s.post("58.0", body, name, nil)
			if r.status != 200 {
				t.Fatalf("%s refused: %d\n%s", name, r.status, r.raw)
			}
		})
	}
}
