package xsdcheck_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/sfgate/sfgate/internal/xsdcheck"
)

const samplesDir = "testdata/samples"

func readSample(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(samplesDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// edit is one textual repair applied to a real sample: every occurrence of
// old (a regular expression) is replaced by new.
type edit struct{ old, new string }

func apply(doc []byte, edits []edit) []byte {
	for _, e := range edits {
		doc = regexp.MustCompile(e.old).ReplaceAll(doc, []byte(e.new))
	}
	return doc
}

// Repairs shared by several samples. Each names what a v58.0 message has
// that the sample's older API version did not send, or what the person who
// published the sample cut out.
var (
	// GetUserInfoResult gained chatterExternal and orgDefaultCurrencyLocale
	// after the versions these samples were captured at; v58 requires both.
	userInfoV58 = []edit{
		{`</accessibilityMode>`, `$0<chatterExternal>false</chatterExternal>`},
		{`</orgDefaultCurrencyIsoCode>`, `$0<orgDefaultCurrencyLocale>en_US</orgDefaultCurrencyLocale>`},
	}
	// SearchResult.queryId is required in v58.
	searchV58 = []edit{{`<result>`, `$0<queryId>0Qz000000000001</queryId>`}, {`<result/>`, `<result><queryId>0Qz000000000001</queryId></result>`}}
	// DescribeGlobalSObjectResult elements v58 requires and old versions lacked.
	describeGlobalV58 = []edit{
		{`</activateable>`, `$0<associateEntityType xsi:nil="true"/><associateParentEntity xsi:nil="true"/>`},
		{`</customSetting>`, `$0<deepCloneable>false</deepCloneable>`},
		{`</feedEnabled>`, `$0<hasSubtypes>false</hasSubtypes><idEnabled>true</idEnabled><isInterface>false</isInterface><isSubtype>false</isSubtype>`},
		{`</mergeable>`, `$0<mruEnabled>false</mruEnabled>`},
	}
	// The doc author's "." lines standing for cut records.
	unelide = []edit{{`\n\s*\.\s*(?:\n\s*\.\s*)*\n`, "\n"}}
	// The palominolabs fragments start at queryResponse: put them in an
	// envelope that declares what a real response declares.
	wrapFragment = []edit{
		{`\A`, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"><soapenv:Body>`},
		{`\z`, `</soapenv:Body></soapenv:Envelope>`},
	}
)

type sampleRow struct {
	file    string
	failing string // "" = the sample validates as it is; else a substring of xmllint's message
	repair  []edit // after these edits the sample must validate (nil: not repairable here)
}

// sampleRows has one row per sample in testdata/samples: whether it
// validates as captured, and if not, why and how it is repaired.
var sampleRows = []sampleRow{
	// Complete envelopes that are valid v58 messages as captured.
	{file: "convertlead-response-wso2.xml"},
	{file: "create-response-error-fields-cumulusci.xml"},
	{file: "create-response-failure-soapforce.xml"},
	{file: "create-response-limitinfo-wso2.xml"},
	{file: "create-response-soapforce.xml"},
	{file: "delete-response-failure-malformed-id-soapforce.xml"},
	{file: "delete-response-wso2.xml"},
	{file: "describeglobal-request-template-wso2.xml"},
	{file: "describesobject-request-template-wso2.xml"},
	{file: "fault-client-content-type-www-salesforce-nb.xml"},
	{file: "fault-client-premature-eof-www-salesforce-nb.xml"},
	{file: "fault-invalid-field-www-salesforce.xml"},
	{file: "fault-invalid-login-www-salesforce-nb.xml"},
	{file: "fault-invalid-session-id-cumulusci.xml"},
	{file: "getdeleted-response-wso2.xml"},
	{file: "getuserinfo-request-template-wso2.xml"},
	{file: "login-request-bulk-quickstart-docs.xml"},
	{file: "login-request-template-wso2.xml"},
	{file: "login-request-wiki-v10.xml"},
	{file: "login-response-sandbox-v34-gist.xml"}, // no userInfo: minOccurs 0
	{file: "merge-response-failure-soapforce.xml"},
	{file: "merge-response-soapforce.xml"},
	{file: "merge-response-wso2.xml"},
	{file: "query-response-compact-www-salesforce.xml"},
	{file: "query-response-soapforce.xml"},
	{file: "queryall-response-parent-relationship-sfpytoolkit.xml"},
	{file: "querymore-request-wiki-v10.xml"},
	{file: "querymore-response-lastpage-soapforce.xml"},
	{file: "retrieve-response-soapforce.xml"},
	{file: "retrieve-response-wso2.xml"},
	{file: "search-request-template-wso2.xml"},
	{file: "update-response-failure-soapforce.xml"},
	{file: "upsert-response-limitinfo-wso2.xml"},
	{file: "upsert-response-soapforce.xml"},

	// Captured at older API versions: they lack elements v58 requires.
	{
		// Also: the author's scrub shortened userId to 15 characters;
		// Salesforce sends 18 (tns:ID has length 18).
		file:    "getuserinfo-response-soapforce.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}chatterExternal )",
		repair:  slices.Concat(userInfoV58, []edit{{`>005A000000AAAAY<`, `>005A000000AAAAYAAA<`}}),
	},
	{
		file:    "getuserinfo-response-wso2.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}chatterExternal )",
		repair:  userInfoV58,
	},
	{
		file:    "login-response-v28-soapforce.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}chatterExternal )",
		repair:  userInfoV58,
	},
	{
		// Also: userLanguage comes before userId, against the WSDL's
		// (alphabetical) order; the author scrambled this capture by
		// hand, no other sample has it.
		file:    "login-response-v37-compact-www-salesforce.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}chatterExternal )",
		repair:  slices.Concat(userInfoV58, []edit{{`(<userLanguage>[^<]*</userLanguage>)(<userId>[^<]*</userId>)`, `$2$1`}}),
	},
	{
		file:    "search-response-wso2.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}queryId )",
		repair:  searchV58,
	},
	{
		file:    "search-response-empty-soapforce.xml",
		failing: "Missing child element(s). Expected is ( {urn:partner.soap.sforce.com}queryId )",
		repair:  searchV58,
	},
	{
		file:    "describeglobal-response-trimmed-soapforce.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}associateEntityType )",
		repair:  describeGlobalV58,
	},

	// Shortened by their publishers with literal "." lines.
	{
		file:    "query-response-elided-wso2.xml",
		failing: "Character content other than whitespace is not allowed",
		repair:  unelide,
	},
	{
		file:    "describeglobal-response-elided-wso2.xml",
		failing: "Character content other than whitespace is not allowed",
		repair:  slices.Concat(unelide, describeGlobalV58),
	},
	{
		// Cut after the first childRelationships, and from an older
		// version: dozens of required v58 elements are missing.
		file:    "describesobject-response-elided-wso2.xml",
		failing: "Expected is ( {urn:partner.soap.sforce.com}associateEntityType )",
	},
	{
		// As published: "..." for cut records, and neither xsi nor sf
		// declared.
		file:    "querymore-response-notdone-wiki-v10.xml",
		failing: "Namespace prefix xsi for type on result is not defined",
		repair: []edit{
			{` \.\.\. `, ` `},
			{`xmlns="urn:partner.soap.sforce.com"`, `$0 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"`},
		},
	},

	// Fragments starting at queryResponse, prefixes undeclared.
	{
		file:    "query-response-child-subqueries-fragment-palominolabs.xml",
		failing: "No matching global declaration available for the validation root",
		repair:  wrapFragment,
	},
	{
		file:    "query-response-parent-owner-fragment-palominolabs.xml",
		failing: "No matching global declaration available for the validation root",
		repair:  wrapFragment,
	},

	// Requests.
	{
		file:    "query-request-template-wso2.xml",
		failing: "'%s(batchSize)' is not a valid value of the atomic type 'xs:int'",
		repair:  []edit{{`%s\(batchSize\)`, `200`}},
	},
	{
		// Field elements unqualified (the WSDL's <any> says
		// ##targetNamespace) and no sObject Id (required, nillable):
		// Salesforce accepts both (PROTOCOL.md §2). With the fields
		// qualified and a nil Id, the request is valid.
		file:    "upsert-request-externalid-wiki-v10.xml",
		failing: "Element 'External_Id__c': This element is not expected",
		repair: []edit{
			{`<(/?)(External_Id__c|Name|NumberOfEmployees)>`, `<${1}urn1:$2>`},
			{`</urn1:type>`, `$0<urn1:Id xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>`},
		},
	},
}

// TestRealSamples proves the harness on real Salesforce messages: every
// complete v58-compatible envelope validates; every other sample fails for
// the reason named, and validates once that reason is repaired. A sample
// added to testdata/samples without a row here fails the test.
func TestRealSamples(t *testing.T) {
	t.Parallel()

	files, err := filepath.Glob(filepath.Join(samplesDir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range sampleRows {
		listed = append(listed, filepath.Join(samplesDir, r.file))
	}
	slices.Sort(listed)
	if !slices.Equal(files, listed) {
		t.Fatalf("every sample needs exactly one row:\nfiles: %v\nrows:  %v", files, listed)
	}

	// One xmllint run for every document of the table.
	var docs [][]byte
	for _, r := range sampleRows {
		raw := readSample(t, r.file)
		docs = append(docs, raw)
		if r.repair != nil {
			docs = append(docs, apply(raw, r.repair))
		}
	}
	results, err := xsdcheck.ValidateAll(t.Context(), docs)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sampleRows {
		raw := results[0]
		results = results[1:]
		switch {
		case r.failing == "" && raw != nil:
			t.Errorf("%s: real sample does not validate: %v", r.file, raw)
		case r.failing != "" && raw == nil:
			t.Errorf("%s: validates, but the test expects it to fail with %q", r.file, r.failing)
		case r.failing != "" && !strings.Contains(raw.Error(), r.failing):
			t.Errorf("%s: fails, but not with %q:\n%v", r.file, r.failing, raw)
		}
		if r.repair != nil {
			if results[0] != nil {
				t.Errorf("%s: still invalid after the repair: %v", r.file, results[0])
			}
			results = results[1:]
		}
	}
}

type brokenEnvelope struct {
	name, sample string
	edits        []edit
	want         string // substring of xmllint's message
}

// brokenEnvelopes are the cases of TestBrokenEnvelopes: a valid real
// sample, one edit that breaks it, and the reason xmllint must give.
var brokenEnvelopes = []brokenEnvelope{
	{
		name: "wrong element order", sample: "create-response-soapforce.xml",
		edits: []edit{{`(<id>[^<]*</id>)\s*(<success>true</success>)`, `$2$1`}},
		want:  "Element '{urn:partner.soap.sforce.com}success': This element is not expected. Expected is one of ( {urn:partner.soap.sforce.com}errors, {urn:partner.soap.sforce.com}id )",
	},
	{
		name: "missing required element", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`<done>true</done>`, ``}},
		want:  "Expected is ( {urn:partner.soap.sforce.com}done )",
	},
	{
		name: "operation in the sObject namespace", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`queryResponse>`, `sf:queryResponse>`}},
		want:  "Element '{urn:sobject.partner.soap.sforce.com}queryResponse': No matching global element declaration available, but demanded by the strict wildcard",
	},
	{
		name: "sObject type in the partner namespace", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`<sf:type>Contact</sf:type>`, `<type>Contact</type>`}},
		want:  "Expected is ( {urn:sobject.partner.soap.sforce.com}type )",
	},
	{
		name: "fault detail in the sObject namespace", sample: "fault-invalid-field-www-salesforce.xml",
		edits: []edit{{`xmlns:sf="urn:fault.partner.soap.sforce.com"`, `xmlns:sf="urn:sobject.partner.soap.sforce.com"`}},
		want:  "{urn:sobject.partner.soap.sforce.com}InvalidFieldFault': No matching global element declaration available, but demanded by the strict wildcard",
	},
	{
		name: "unknown xsi:type", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`xsi:type="sf:sObject"`, `xsi:type="sf:SObject"`}},
		want:  "does not resolve to a type definition",
	},
	{
		name: "xsi:type not derived from the declared type", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`<records xsi:type="sf:sObject">`, `<records xsi:type="QueryResult">`}},
		want:  "specified by xsi:type, is blocked or not validly derived from the type definition of the element declaration",
	},
	{
		name: "xsi:nil on a non-nillable element", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`<done>true</done>`, `<done xsi:nil="true"/>`}},
		want:  "Element '{urn:partner.soap.sforce.com}done': The element is not 'nillable'",
	},
	{
		name: "status code outside the enumeration", sample: "create-response-failure-soapforce.xml",
		edits: []edit{{`INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY`, `NOT_A_STATUS_CODE`}},
		want:  "[facet 'enumeration'] The value 'NOT_A_STATUS_CODE' is not an element of the set",
	},
	{
		name: "exception code outside the enumeration", sample: "fault-invalid-session-id-cumulusci.xml",
		edits: []edit{{`<sf:exceptionCode>INVALID_SESSION_ID`, `<sf:exceptionCode>SESSION_GONE`}},
		want:  "The value 'SESSION_GONE' is not an element of the set",
	},
	{
		name: "undeclared fault element", sample: "fault-invalid-field-www-salesforce.xml",
		edits: []edit{{`<(/?)sf:InvalidFieldFault( |>)`, `<${1}sf:InvalidColumnFault$2`}},
		want:  "InvalidColumnFault': No matching global element declaration available, but demanded by the strict wildcard",
	},
	{
		name: "fault detail children out of order", sample: "fault-invalid-field-www-salesforce.xml",
		edits: []edit{{`(<sf:row>1</sf:row>)(<sf:column>8</sf:column>)`, `$2$1`}},
		want:  "Element '{urn:fault.partner.soap.sforce.com}column': This element is not expected. Expected is one of ( {urn:fault.partner.soap.sforce.com}extendedErrorDetails, {urn:fault.partner.soap.sforce.com}row )",
	},
	{
		name: "two fault details", sample: "fault-invalid-session-id-cumulusci.xml",
		edits: []edit{{`(?s)<sf:UnexpectedErrorFault.*</sf:UnexpectedErrorFault>`, `$0$0`}},
		want:  "Element '{urn:fault.partner.soap.sforce.com}UnexpectedErrorFault': This element is not expected",
	},
	{
		name: "qualified faultcode", sample: "fault-client-content-type-www-salesforce-nb.xml",
		edits: []edit{{`faultcode>`, `soapenv:faultcode>`}},
		want:  "Element '{http://schemas.xmlsoap.org/soap/envelope/}faultcode': This element is not expected. Expected is ( faultcode )",
	},
	{
		name: "faultcode prefix not declared", sample: "fault-invalid-field-www-salesforce.xml",
		edits: []edit{{`<faultcode>sf:`, `<faultcode>fns:`}},
		want:  "Element 'faultcode': The QName value 'fns:INVALID_FIELD' has no corresponding namespace declaration in scope",
	},
	{
		name: "ID of 15 characters", sample: "create-response-soapforce.xml",
		edits: []edit{{`006A000000LbiizIAB`, `006A000000Lbiiz`}},
		want:  "[facet 'length'] The value has a length of '15'; this differs from the allowed length of '18'",
	},
	{
		name: "undeclared response header", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`<soapenv:Header>`, `$0<LimitsHeader/>`}},
		want:  "LimitsHeader': No matching global element declaration available, but demanded by the strict wildcard",
	},
	{
		name: "header value of the wrong type", sample: "query-response-compact-www-salesforce.xml",
		edits: []edit{{`<current>22092</current>`, `<current>many</current>`}},
		want:  "'many' is not a valid value of the atomic type 'xs:int'",
	},
	{
		name: "unknown operation", sample: "create-response-soapforce.xml",
		edits: []edit{{`createResponse>`, `makeResponse>`}},
		want:  "makeResponse': No matching global element declaration available, but demanded by the strict wildcard",
	},
	{
		name: "two body entries", sample: "create-response-soapforce.xml",
		edits: []edit{{`(?s)<createResponse>.*</createResponse>`, `$0$0`}},
		want:  "Element '{urn:partner.soap.sforce.com}createResponse': This element is not expected",
	},
	{
		name: "empty body", sample: "create-response-soapforce.xml",
		edits: []edit{{`(?s)<createResponse>.*</createResponse>`, ``}},
		want:  "Missing child element(s)",
	},
	{
		name: "SOAP 1.2 envelope", sample: "create-response-soapforce.xml",
		edits: []edit{{`http://schemas.xmlsoap.org/soap/envelope/`, `http://www.w3.org/2003/05/soap-envelope`}},
		want:  "No matching global declaration available for the validation root",
	},
	{
		name: "not well-formed", sample: "create-response-soapforce.xml",
		edits: []edit{{`</success>`, `</succes>`}},
		want:  "Opening and ending tag mismatch: success",
	},
	{
		name: "child QueryResult without done", sample: "query-response-child-subqueries-fragment-palominolabs.xml",
		edits: slices.Concat(wrapFragment, []edit{{`(<sf:Contacts xsi:type="QueryResult">[^\n]*\n\s*)<done>true</done>`, `$1`}}),
		want:  "Expected is ( {urn:partner.soap.sforce.com}done )",
	},
}

// TestBrokenEnvelopes proves the harness rejects what it must: each case
// breaks one thing in a valid real sample and must fail for that reason.
func TestBrokenEnvelopes(t *testing.T) {
	t.Parallel()
	docs := make([][]byte, len(brokenEnvelopes))
	for i, c := range brokenEnvelopes {
		orig := readSample(t, c.sample)
		docs[i] = apply(orig, c.edits)
		if bytes.Equal(docs[i], orig) {
			t.Fatalf("%s: the edits changed nothing", c.name)
		}
	}
	results, err := xsdcheck.ValidateAll(t.Context(), docs)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range brokenEnvelopes {
		var inv *xsdcheck.Invalid
		switch err := results[i]; {
		case err == nil:
			t.Errorf("%s: validates, must not:\n%s", c.name, docs[i])
		case !errors.As(err, &inv):
			t.Errorf("%s: %T, want *xsdcheck.Invalid: %v", c.name, err, err)
		case !strings.Contains(inv.Messages, c.want):
			t.Errorf("%s: fails, but not with %q:\n%s", c.name, c.want, inv.Messages)
		}
	}
}

// recorder stands in for *testing.T to catch what Validate reports.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func TestValidateReports(t *testing.T) {
	t.Parallel()
	good := readSample(t, "create-response-soapforce.xml")
	bad := bytes.Replace(good, []byte("<success>true</success>"), nil, 1)

	r := &recorder{TB: t}
	xsdcheck.Validate(r, good)
	if len(r.errors) != 0 {
		t.Fatalf("valid envelope reported: %v", r.errors)
	}
	xsdcheck.Validate(r, bad)
	if len(r.errors) != 1 {
		t.Fatalf("invalid envelope: %d reports, want 1", len(r.errors))
	}
	msg := r.errors[0]
	for _, want := range []string{
		"Missing child element(s). Expected is ( {urn:partner.soap.sforce.com}success )", // xmllint's words
		"<id>006A000000LbiizIAB</id>", // the envelope
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("report lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, os.TempDir()) {
		t.Errorf("report names the temporary file:\n%s", msg)
	}
}

func TestValidateAllBatches(t *testing.T) {
	t.Parallel()
	good := readSample(t, "create-response-soapforce.xml")
	bad := bytes.Replace(good, []byte("<success>true</success>"), nil, 1)
	// More than one batch, alternating good and bad, so misattributed
	// results show.
	docs := make([][]byte, xsdcheck.MaxBatch+3)
	for i := range docs {
		docs[i] = good
		if i%3 == 1 {
			docs[i] = bad
		}
	}
	results, err := xsdcheck.ValidateAll(t.Context(), docs)
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(docs) {
		t.Fatalf("%d results for %d documents", len(results), len(docs))
	}
	for i, err := range results {
		if (err != nil) != (i%3 == 1) {
			t.Errorf("document %d: got %v", i, err)
		}
	}
}

func TestValidatorMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := xsdcheck.ValidateBytes(t.Context(), readSample(t, "create-response-soapforce.xml"))
	var inv *xsdcheck.Invalid
	if err == nil || errors.As(err, &inv) || !strings.Contains(err.Error(), "libxml2-utils") {
		t.Fatalf("got %v, want an error naming the missing tool", err)
	}
}

func TestDocumentTooLarge(t *testing.T) {
	t.Parallel()
	err := xsdcheck.ValidateBytes(t.Context(), make([]byte, xsdcheck.MaxDocumentSize+1))
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("got %v", err)
	}
}
