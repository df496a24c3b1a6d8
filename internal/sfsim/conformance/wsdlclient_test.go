package conformance_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim"
)

// wsdlClientOut is what wsdlclient/client.js prints.
type wsdlClientOut struct {
	Steps        []string    `json:"steps"`
	InvalidLogin clientFault `json:"invalidLogin"`
	Login        struct {
		ServerURL           string `json:"serverUrl"`
		SessionIDShape      bool   `json:"sessionIdShape"`
		UserID              string `json:"userId"`
		PasswordExpired     bool   `json:"passwordExpired"`
		UserName            string `json:"userName"`
		SessionSecondsValid int    `json:"sessionSecondsValid"`
	} `json:"login"`
	UserInfo struct {
		UserName       string `json:"userName"`
		OrganizationID string `json:"organizationId"`
	} `json:"userInfo"`
	DescribeGlobal struct {
		MaxBatchSize int      `json:"maxBatchSize"`
		Names        []string `json:"names"`
	} `json:"describeGlobal"`
	DescribeSObject struct {
		Name       string `json:"name"`
		KeyPrefix  string `json:"keyPrefix"`
		FieldCount int    `json:"fieldCount"`
		Fields     []struct {
			Name     string `json:"name"`
			Type     string `json:"type"`
			SoapType string `json:"soapType"`
			Custom   bool   `json:"custom"`
		} `json:"fields"`
		ChildRelationships []string `json:"childRelationships"`
	} `json:"describeSObject"`
	Query struct {
		Pages []struct {
			Done    bool `json:"done"`
			Size    int  `json:"size"`
			Records int  `json:"records"`
			Locator bool `json:"locator"`
		} `json:"pages"`
		DistinctIDs int `json:"distinctIds"`
	} `json:"query"`
	Create struct {
		Success bool   `json:"success"`
		ID      string `json:"id"`
	} `json:"create"`
	Update   struct{ Success bool } `json:"update"`
	Retrieve struct {
		Type              string `json:"type"`
		ID                string `json:"Id"`
		Name              string `json:"Name"`
		NumberOfEmployees string `json:"NumberOfEmployees"`
	} `json:"retrieve"`
	CreateFailure struct {
		Success    bool     `json:"success"`
		StatusCode string   `json:"statusCode"`
		Fields     []string `json:"fields"`
	} `json:"createFailure"`
	Delete struct {
		Success bool   `json:"success"`
		ID      string `json:"id"`
	} `json:"delete"`
	InvalidField   clientFault `json:"invalidField"`
	MalformedQuery clientFault `json:"malformedQuery"`
	InvalidType    clientFault `json:"invalidType"`
	InvalidSession clientFault `json:"invalidSession"`
}

// clientFault is a SOAP fault as node-soap parsed it.
type clientFault struct {
	Parsed            bool   `json:"parsed"`
	UnexpectedSuccess string `json:"unexpectedSuccess"`
	Message           string `json:"message"`
	Status            int    `json:"status"`
	FaultCode         string `json:"faultcode"`
	FaultString       string `json:"faultstring"`
	DetailType        string `json:"detailType"`
	ExceptionCode     string `json:"exceptionCode"`
	Row               *int   `json:"row"`
	Column            *int   `json:"column"`
}

const wsdlClientDir = "wsdlclient"

// ensureNodeModules installs the client's locked dependencies (npm ci) when
// node_modules is missing or older than package-lock.json. .ci/run does the
// same before the tests; this makes `go test` work on a fresh checkout.
func ensureNodeModules(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: the WSDL-driven client (node-soap) needs Node.js >= 20.19 and npm (.ci/run installs them)", tool)
		}
	}
	out, err := exec.CommandContext(t.Context(), "node", "--version").Output()
	if err != nil {
		t.Fatalf("node --version: %v", err)
	}
	if m := regexp.MustCompile(`^v(\d+)\.(\d+)`).FindStringSubmatch(string(out)); m == nil {
		t.Fatalf("node --version printed %q", out)
	} else if major, _ := strconv.Atoi(m[1]); major < 20 {
		t.Fatalf("Node.js %s is too old: node-soap 1.13 needs >= 20.19", strings.TrimSpace(string(out)))
	}

	lock, err := os.Stat(filepath.Join(wsdlClientDir, "package-lock.json"))
	if err != nil {
		t.Fatal(err)
	}
	installed, err := os.Stat(filepath.Join(wsdlClientDir, "node_modules", ".package-lock.json"))
	if err == nil && !installed.ModTime().Before(lock.ModTime()) {
		if _, err := os.Stat(filepath.Join(wsdlClientDir, "node_modules", "soap", "package.json")); err == nil {
			return
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = wsdlClientDir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in %s: %v\n%s", wsdlClientDir, err, b)
	}
}

// TestWSDLClient points node-soap, a SOAP client generated at run time from
// partner.wsdl and written by none of us, at sfsim with only the endpoint
// changed, and checks it can log in, describe, query and page, write, and
// receive the faults as parsed SOAP faults.
func TestWSDLClient(t *testing.T) {
	t.Parallel()
	ensureNodeModules(t)

	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	// More than two batches of 200, so the client pages twice.
	const rows = 450
	for range 3 {
		recs := make([]string, rows/3)
		for i := range recs {
			recs[i] = sobject("Account", "Name", uniq("Paged"))
		}
		s.create(t, recs...)
	}

	out := runWSDLClient(t, s)
	wantSteps := []string{"wsdl", "login", "getUserInfo", "describeGlobal", "describeSObject", "query", "create", "update", "createFailure", "delete", "faults"}
	if !slices.Equal(out.Steps, wantSteps) {
		t.Errorf("steps %v, want %v", out.Steps, wantSteps)
	}

	// Login, and the session header the library then sends.
	if !strings.HasPrefix(out.Login.ServerURL, s.base+"/services/Soap/u/"+APIVersion+"/") || !out.Login.SessionIDShape ||
		out.Login.UserName != sfsim.DemoUsername || out.Login.PasswordExpired || out.Login.SessionSecondsValid != 7200 || !id18.MatchString(out.Login.UserID) {
		t.Errorf("login as parsed by node-soap: %+v", out.Login)
	}
	if out.UserInfo.UserName != sfsim.DemoUsername || !id18.MatchString(out.UserInfo.OrganizationID) {
		t.Errorf("getUserInfo: %+v", out.UserInfo)
	}

	out.checkDescribe(t)
	out.checkQuery(t, rows)
	out.checkWrites(t)
	out.checkFaults(t)
}

// runWSDLClient runs client.js against s and returns what it reports.
func runWSDLClient(t *testing.T, s *sim) *wsdlClientOut {
	t.Helper()
	wsdl, err := filepath.Abs(filepath.Join("..", "..", "xsdcheck", "testdata", "partner.wsdl"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "client.js",
		"--wsdl", wsdl,
		"--endpoint", s.soapURL(APIVersion),
		"--username", sfsim.DemoUsername,
		"--password", sfsim.DemoPassword+sfsim.DemoSecurityToken)
	cmd.Dir = wsdlClientDir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("node client.js: %v\nstderr:\n%s\nstdout:\n%s", err, stderr.String(), stdout.String())
	}
	t.Logf("node-soap run: %v", time.Since(start).Round(time.Millisecond))

	var out wsdlClientOut
	if err := json.Unmarshal(stdout.Bytes(), &out); err != nil {
		t.Fatalf("client output: %v\n%s", err, stdout.String())
	}
	return &out
}

// checkDescribe checks describeGlobal and describeSObject as node-soap
// parsed them.
func (out *wsdlClientOut) checkDescribe(t *testing.T) {
	if out.DescribeGlobal.MaxBatchSize != 200 {
		t.Errorf("describeGlobal maxBatchSize %d", out.DescribeGlobal.MaxBatchSize)
	}
	for _, want := range []string{"Account", "Contact", "Lead", "Opportunity", "Case", "User"} {
		if !slices.Contains(out.DescribeGlobal.Names, want) {
			t.Errorf("describeGlobal: no %s in %v", want, out.DescribeGlobal.Names)
		}
	}
	ds := out.DescribeSObject
	if ds.Name != "Account" || ds.KeyPrefix != "001" || ds.FieldCount < 20 || len(ds.Fields) != ds.FieldCount || len(ds.ChildRelationships) == 0 {
		t.Errorf("describeSObject Account: name %q keyPrefix %q %d fields, child relationships %v", ds.Name, ds.KeyPrefix, ds.FieldCount, ds.ChildRelationships)
	}
	custom := false
	for _, f := range ds.Fields {
		custom = custom || (f.Custom && strings.HasSuffix(f.Name, "__c"))
		if f.Name == "Id" && (f.Type != "id" || f.SoapType != "tns:ID") {
			t.Errorf("describeSObject: Id field %+v", f)
		}
	}
	if !custom {
		t.Errorf("describeSObject: no custom field as node-soap read it")
	}
}

// checkQuery checks the pages of a query with batchSize 200 over rows
// accounts or more.
func (out *wsdlClientOut) checkQuery(t *testing.T, rows int) {
	pages := out.Query.Pages
	if len(pages) < 3 {
		t.Fatalf("query paged %d times, want at least 3 pages of at most 200 over %d rows: %+v", len(pages), rows, pages)
	}
	total := pages[0].Size
	sum := 0
	for i, p := range pages {
		last := i == len(pages)-1
		sum += p.Records
		if p.Size != total || p.Done != last || p.Locator == last || (!last && p.Records != 200) {
			t.Errorf("page %d of %d: %+v (size %d on every page, 200 records and a locator until the last)", i, len(pages), p, total)
		}
	}
	if total < rows || sum != total || out.Query.DistinctIDs != total {
		t.Errorf("query: size %d, %d records over the pages, %d distinct ids; want %d or more, all of them", total, sum, out.Query.DistinctIDs, rows)
	}
}

// checkWrites checks create, update then retrieve, a failing create and
// delete.
func (out *wsdlClientOut) checkWrites(t *testing.T) {
	if !out.Create.Success || !strings.HasPrefix(out.Create.ID, "001") || !id18.MatchString(out.Create.ID) {
		t.Errorf("create: %+v", out.Create)
	}
	if !out.Update.Success || out.Retrieve.Type != "Account" || out.Retrieve.ID != out.Create.ID ||
		!strings.HasSuffix(out.Retrieve.Name, "(updated)") || out.Retrieve.NumberOfEmployees != "12" {
		t.Errorf("update, then retrieve: %+v %+v", out.Update, out.Retrieve)
	}
	if out.CreateFailure.Success || out.CreateFailure.StatusCode != "REQUIRED_FIELD_MISSING" || !slices.Equal(out.CreateFailure.Fields, []string{"Name"}) {
		t.Errorf("create without Name: %+v", out.CreateFailure)
	}
	if !out.Delete.Success || out.Delete.ID != out.Create.ID {
		t.Errorf("delete: %+v", out.Delete)
	}
}

// checkFaults checks the faults, each parsed by node-soap from an HTTP
// 500.
func (out *wsdlClientOut) checkFaults(t *testing.T) {
	for _, c := range []struct {
		name        string
		f           clientFault
		code, typ   string
		row, column int
	}{
		{"invalid login", out.InvalidLogin, "INVALID_LOGIN", "LoginFault", 0, 0},
		{"invalid field", out.InvalidField, "INVALID_FIELD", "InvalidFieldFault", 1, 8},
		{"malformed query", out.MalformedQuery, "MALFORMED_QUERY", "MalformedQueryFault", 1, 29},
		{"invalid type", out.InvalidType, "INVALID_TYPE", "InvalidSObjectFault", 0, 0},
		{"invalid session", out.InvalidSession, "INVALID_SESSION_ID", "UnexpectedErrorFault", 0, 0},
	} {
		f := c.f
		if !f.Parsed || f.Status != 500 || f.FaultCode != "sf:"+c.code || f.DetailType != c.typ || f.ExceptionCode != c.code ||
			!strings.HasPrefix(f.FaultString, c.code+": ") {
			t.Errorf("%s: node-soap saw %+v, want a parsed HTTP 500 fault sf:%s with detail %s", c.name, f, c.code, c.typ)
		}
		if c.row != 0 && (f.Row == nil || f.Column == nil || *f.Row != c.row || *f.Column != c.column) {
			t.Errorf("%s: row/column %v/%v, want %d/%d", c.name, f.Row, f.Column, c.row, c.column)
		}
	}
}
