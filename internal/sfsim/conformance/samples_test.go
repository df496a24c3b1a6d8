package conformance_test

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/sfsim/conformance"
)

// allowance is one documented difference between a real sample and
// sfsim's v58 answer that is not a defect (docs/conformance.md lists them
// all). It must change something: an allowance that no longer applies
// fails the test, so none can outlive its reason.
type allowance struct {
	why    string
	sample bool // applies to the sample's structure; else to sfsim's
	apply  func(root *conformance.Node) int
}

// v58 marks elements the v58.0 WSDL has that a sample, captured at an
// older API version, lacks (the xsdcheck tests prove the sample validates
// once they are added).
func v58(why string, paths ...string) allowance {
	return allowance{why: "v58 elements the older sample lacks: " + why, apply: func(n *conformance.Node) int {
		total := 0
		for _, p := range paths {
			c := n.Drop(p)
			if c == 0 {
				return 0 // each path must still be needed
			}
			total += c
		}
		return total
	}}
}

// noHeader: the sample has no soapenv:Header. Salesforce sends
// LimitInfoHeader on every call but login (PROTOCOL.md §11); these
// captures were trimmed by their authors or taken by clients that drop it.
var noHeader = allowance{why: "sample captured without its soapenv:Header (LimitInfoHeader)", apply: func(n *conformance.Node) int {
	return n.Drop("Envelope/Header")
}}

// elided keeps, under path, only the first child of each name the sample
// shows: its publisher kept those and cut the rest.
func elided(path string, keep ...string) allowance {
	return allowance{why: "sample elided by its publisher under " + path, apply: func(n *conformance.Node) int {
		cut := 0
		for _, x := range n.Find(path) {
			before := len(x.Children)
			seen := map[string]bool{}
			x.Children = slices.DeleteFunc(x.Children, func(c *conformance.Node) bool {
				drop := !slices.Contains(keep, c.Local) || seen[c.Local]
				seen[c.Local] = true
				return drop
			})
			cut += before - len(x.Children)
		}
		return cut
	}}
}

// dataNil clears xsi:nil on the elements at path, on both sides: whether
// they are nil is data that differs between the sample's org and sfsim's
// (a keyPrefix, a role), not structure.
func dataNil(why, path string) []allowance {
	f := func(n *conformance.Node) int {
		c := 0
		for _, x := range n.Find(path) {
			if x.Nil {
				x.Nil = false
				c++
			}
		}
		return c
	}
	// Either side may have none; count the pair as applied if any changed.
	return []allowance{{why: "nil-ness is data: " + why, sample: true, apply: func(n *conformance.Node) int { f(n); return 1 }}, {why: "nil-ness is data: " + why, apply: func(n *conformance.Node) int { f(n); return 1 }}}
}

func rename(path, to, why string) allowance {
	return allowance{why: why, sample: true, apply: func(n *conformance.Node) int {
		xs := n.Find(path)
		for _, x := range xs {
			x.Local = to
		}
		return len(xs)
	}}
}

// userInfoV58 are the GetUserInfoResult elements added after the versions
// of the login and getUserInfo samples (API 28–37).
var userInfoV58 = []string{"userInfo/chatterExternal", "userInfo/orgDefaultCurrencyLocale"}

func uniq(prefix string) string {
	return prefix + " " + strconv.FormatInt(time.Now().UnixNano(), 36)
}

// structureCase pairs a real response sample with the call that makes
// sfsim give the same kind of answer.
type structureCase struct {
	file     string
	fragment bool // starts at the Body entry, prefixes undeclared
	repair   func([]byte) []byte
	call     func(t *testing.T, s *sim, clock *clock) *reply
	allow    []allowance
}

// structureCases has one row per response sample in samplesDir.
var structureCases = []structureCase{
	{
		file: "convertlead-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			lead := s.create(t, sobject("Lead", "LastName", "Sample", "Company", uniq("Convert")))[0]
			return s.call("convertLead", "", convertLeadBody(lead, convertedStatus(t, s), false))
		},
	},
	{
		file: "create-response-error-fields-cumulusci.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("create without Name", "", `<urn:create><urn:sObjects>`+sobject("Account", "Phone", "1")+`</urn:sObjects></urn:create>`)
		},
	},
	{
		// The sample's error (insufficient access on a cross-reference)
		// needs a second user, which the demo org does not have. A
		// duplicate unique external id is the per-record error without a
		// field list closest to it; whether Salesforce lists the field
		// for DUPLICATE_VALUE is not attested by any real capture, so
		// errors/fields is not compared here (it is in the cumulusci
		// sample's row).
		file: "create-response-failure-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			ext := uniq("dup")
			s.create(t, sobject("Account", "Name", "first", "External_Id__c", ext))
			return s.call("create duplicate", "", `<urn:create><urn:sObjects>`+sobject("Account", "Name", "second", "External_Id__c", ext)+`</urn:sObjects></urn:create>`)
		},
		allow: []allowance{noHeader, {why: "unattested: whether DUPLICATE_VALUE lists fields", apply: func(n *conformance.Node) int { return n.Drop("errors/fields") }}},
	},
	{
		file: "create-response-limitinfo-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("create", "", `<urn:create><urn:sObjects>`+sobject("Account", "Name", uniq("Create"))+`</urn:sObjects></urn:create>`)
		},
	},
	{
		file: "create-response-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("create", "", `<urn:create><urn:sObjects>`+sobject("Account", "Name", uniq("Create"))+`</urn:sObjects></urn:create>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "delete-response-failure-malformed-id-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("delete malformed", "", `<urn:delete><urn:ids>006i000004DAKd</urn:ids></urn:delete>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "delete-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			id := s.create(t, sobject("Account", "Name", uniq("Delete")))[0]
			return s.call("delete", "", `<urn:delete><urn:ids>`+id+`</urn:ids></urn:delete>`)
		},
	},
	{
		file: "describeglobal-response-elided-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("describeGlobal", "", `<urn:describeGlobal/>`)
		},
		allow: append(dataNil("keyPrefix is nil for objects without records of their own", "sobjects/keyPrefix"),
			v58("DescribeGlobalSObjectResult", "sobjects/associateEntityType", "sobjects/associateParentEntity",
				"sobjects/deepCloneable", "sobjects/hasSubtypes", "sobjects/idEnabled", "sobjects/isInterface",
				"sobjects/isSubtype", "sobjects/mruEnabled")),
	},
	{
		file: "describeglobal-response-trimmed-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("describeGlobal", "", `<urn:describeGlobal/>`)
		},
		allow: append(dataNil("keyPrefix is nil for objects without records of their own", "sobjects/keyPrefix"),
			noHeader,
			v58("DescribeGlobalSObjectResult", "sobjects/associateEntityType", "sobjects/associateParentEntity",
				"sobjects/deepCloneable", "sobjects/hasSubtypes", "sobjects/idEnabled", "sobjects/isInterface",
				"sobjects/isSubtype", "sobjects/mruEnabled")),
	},
	{
		file: "describesobject-response-elided-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("describeSObject", "", `<urn:describeSObject><urn:sObjectType>Account</urn:sObjectType></urn:describeSObject>`)
		},
		allow: []allowance{
			elided("describeSObjectResponse/result", "activateable", "childRelationships"),
			v58("ChildRelationship", "childRelationships/restrictedDelete"),
		},
	},
	{
		file: "fault-client-content-type-www-salesforce-nb.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.post("wrong content type", s.soapURL(APIVersion), "application/json", envelope("", `<urn:getUserInfo/>`))
		},
	},
	{
		file: "fault-client-premature-eof-www-salesforce-nb.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.post("empty body", s.soapURL(APIVersion), "text/xml; charset=UTF-8", nil)
		},
	},
	{
		file: "fault-invalid-field-www-salesforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("invalid field", "", `<urn:query><urn:queryString>select adfId, Name, Account.Name from Contact</urn:queryString></urn:query>`)
		},
	},
	{
		file: "fault-invalid-login-www-salesforce-nb.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.post("invalid login", s.soapURL(APIVersion), "text/xml", envelope("",
				`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>wrong</urn:password></urn:login>`))
		},
	},
	{
		file: "fault-invalid-session-id-cumulusci.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.post("invalid session", s.server, "text/xml", envelope(sessionHeader(s.session[:16]+"forged"), `<urn:getUserInfo/>`))
		},
	},
	{
		file: "getdeleted-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			start := clock.Now().Add(-time.Minute)
			id := s.create(t, sobject("Account", "Name", uniq("GetDeleted")))[0]
			s.call("delete", "", `<urn:delete><urn:ids>`+id+`</urn:ids></urn:delete>`).wantOK(t)
			clock.Advance(2 * time.Minute)
			return s.call("getDeleted", "", `<urn:getDeleted><urn:sObjectType>Account</urn:sObjectType><urn:startDate>`+
				start.Format(time.RFC3339)+`</urn:startDate><urn:endDate>`+clock.Now().Format(time.RFC3339)+`</urn:endDate></urn:getDeleted>`)
		},
	},
	{
		file: "getuserinfo-response-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("getUserInfo", "", `<urn:getUserInfo/>`)
		},
		allow: append(dataNil("the demo user has no role and no personal currency", "result/roleId"),
			noHeader, v58("GetUserInfoResult", "result/chatterExternal", "result/orgDefaultCurrencyLocale")),
	},
	{
		file: "getuserinfo-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("getUserInfo", "", `<urn:getUserInfo/>`)
		},
		allow: append(dataNil("the demo user has no role and no personal currency", "result/roleId"),
			v58("GetUserInfoResult", "result/chatterExternal", "result/orgDefaultCurrencyLocale")),
	},
	{
		file:  "login-response-sandbox-v34-gist.xml",
		call:  func(t *testing.T, s *sim, clock *clock) *reply { return s.loginReply("login") },
		allow: []allowance{{why: "the gist's author cut userInfo", apply: func(n *conformance.Node) int { return n.Drop("result/userInfo") }}},
	},
	{
		file:  "login-response-v28-soapforce.xml",
		call:  func(t *testing.T, s *sim, clock *clock) *reply { return s.loginReply("login") },
		allow: append(dataNil("the demo user has no role and no personal currency", "userInfo/roleId"), v58("GetUserInfoResult", userInfoV58...)),
	},
	{
		file: "login-response-v37-compact-www-salesforce.xml",
		// The author scrambled this capture by hand and put userLanguage
		// before userId, against the WSDL's order (xsdcheck's tests show
		// it); put it back, so the rest is compared.
		repair: func(b []byte) []byte {
			return regexp.MustCompile(`(<userLanguage>[^<]*</userLanguage>)(<userId>[^<]*</userId>)`).ReplaceAll(b, []byte("$2$1"))
		},
		call: func(t *testing.T, s *sim, clock *clock) *reply { return s.loginReply("login") },
		allow: append(dataNil("the demo user has no role and no personal currency", "userInfo/roleId"),
			append(dataNil("the demo user has no personal currency", "userInfo/userDefaultCurrencyIsoCode"), v58("GetUserInfoResult", userInfoV58...))...),
	},
	{
		file: "merge-response-failure-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			id := s.create(t, sobject("Account", "Name", uniq("Merge")))[0]
			return s.call("merge malformed", "", `<urn:merge><urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>`+id+
				`</urn1:Id></urn:masterRecord><urn:recordToMergeIds>0011500000000</urn:recordToMergeIds></urn:request></urn:merge>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file:  "merge-response-soapforce.xml",
		call:  func(t *testing.T, s *sim, clock *clock) *reply { return s.mergeTwo(t) },
		allow: []allowance{noHeader},
	},
	{
		file: "merge-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply { return s.mergeTwo(t) },
	},
	{
		// The developer-org sample queried Tasks, an object sfsim does
		// not emulate; Opportunities is the empty child relationship
		// here.
		file: "query-response-child-subqueries-fragment-palominolabs.xml", fragment: true,
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			acct := s.create(t, sobject("Account", "Name", uniq("Parent")))[0]
			s.create(t, sobject("Contact", "LastName", "A", "FirstName", "Liz", "Email", "liz@example.com", "AccountId", acct),
				sobject("Contact", "LastName", "B", "FirstName", "Tom", "Email", "tom@example.com", "AccountId", acct))
			s.create(t, sobject("Case", "Subject", "One", "AccountId", acct), sobject("Case", "Subject", "Two", "AccountId", acct))
			return s.call("query subqueries", "", `<urn:query><urn:queryString>SELECT Id, Name, AnnualRevenue, `+
				`(SELECT Id, FirstName, Email FROM Contacts), (SELECT Id FROM Opportunities), (SELECT Id, Subject FROM Cases) `+
				`FROM Account WHERE Id = '`+acct+`'</urn:queryString></urn:query>`)
		},
		allow: []allowance{rename("records/Tasks", "Opportunities", "sfsim has no Task object; an empty Opportunities subquery stands in")},
	},
	{
		file: "query-response-compact-www-salesforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			last := uniq("Compact")
			s.create(t, sobject("Contact", "LastName", last), sobject("Contact", "LastName", last))
			return s.call("query contacts", "", `<urn:query><urn:queryString>SELECT Id, Name FROM Contact WHERE LastName = '`+last+`'</urn:queryString></urn:query>`)
		},
	},
	{
		file: "query-response-elided-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			name := uniq("Elided")
			s.create(t, sobject("Account", "Name", name), sobject("Account", "Name", name))
			return s.call("query accounts", "", `<urn:query><urn:queryString>SELECT Id, Name FROM Account WHERE Name = '`+name+`'</urn:queryString></urn:query>`)
		},
	},
	{
		file: "query-response-parent-owner-fragment-palominolabs.xml", fragment: true,
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			name := uniq("Owner")
			s.create(t, sobject("Account", "Name", name))
			return s.call("query owner", "", `<urn:query><urn:queryString>SELECT Owner.Name FROM Account WHERE Name = '`+name+`'</urn:queryString></urn:query>`)
		},
	},
	{
		file: "query-response-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			name := uniq("Opp")
			s.create(t, opportunity(name), opportunity(name))
			return s.call("query opportunities", "", `<urn:query><urn:queryString>SELECT Id, Name, StageName FROM Opportunity WHERE Name = '`+name+`'</urn:queryString></urn:query>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "queryall-response-parent-relationship-sfpytoolkit.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			acct := s.create(t, sobject("Account", "Name", uniq("Parent")))[0]
			last := uniq("Administrator")
			s.create(t, sobject("Contact", "LastName", last, "AccountId", acct))
			return s.call("queryAll parent", "", `<urn:queryAll><urn:queryString>SELECT Account.Name, FirstName, LastName FROM Contact WHERE LastName = '`+last+`'</urn:queryString></urn:queryAll>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "querymore-response-lastpage-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			name := uniq("Paged")
			recs := make([]string, 201)
			for i := range recs {
				recs[i] = opportunity(name)
			}
			s.create(t, recs[:200]...)
			s.create(t, recs[200:]...)
			opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
			first := s.call("query 201", opts, `<urn:query><urn:queryString>SELECT Id, Name, StageName FROM Opportunity WHERE Name = '`+name+`'</urn:queryString></urn:query>`)
			first.wantOK(t)
			loc := first.text("queryResponse", "result", "queryLocator")
			return s.call("queryMore last page", opts, `<urn:queryMore><urn:queryLocator>`+loc+`</urn:queryLocator></urn:queryMore>`)
		},
		allow: []allowance{noHeader},
	},
	{
		// As published, the page cut records with "..." and declared
		// neither xsi nor sf; declare them (text is not compared).
		file: "querymore-response-notdone-wiki-v10.xml",
		repair: func(b []byte) []byte {
			return []byte(strings.Replace(string(b), `xmlns="urn:partner.soap.sforce.com"`,
				`xmlns="urn:partner.soap.sforce.com" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.partner.soap.sforce.com"`, 1))
		},
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			name := uniq("Paged")
			for range 3 {
				recs := make([]string, 150)
				for i := range recs {
					recs[i] = sobject("Account", "Name", name)
				}
				s.create(t, recs...)
			}
			opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
			first := s.call("query 450", opts, `<urn:query><urn:queryString>SELECT Id, Name FROM Account WHERE Name = '`+name+`'</urn:queryString></urn:query>`)
			first.wantOK(t)
			loc := first.text("queryResponse", "result", "queryLocator")
			return s.call("queryMore middle page", opts, `<urn:queryMore><urn:queryLocator>`+loc+`</urn:queryLocator></urn:queryMore>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "retrieve-response-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			id := s.create(t, opportunity(uniq("Retrieve")))[0]
			return s.call("retrieve", "", `<urn:retrieve><urn:fieldList>Name, Description, StageName</urn:fieldList><urn:sObjectType>Opportunity</urn:sObjectType><urn:ids>`+id+`</urn:ids></urn:retrieve>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "retrieve-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			id := s.create(t, sobject("Account", "Name", uniq("Retrieve")))[0]
			return s.call("retrieve", "", `<urn:retrieve><urn:fieldList>Id, Name</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>`+id+`</urn:ids></urn:retrieve>`)
		},
	},
	{
		file: "search-response-empty-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			return s.call("search nothing", "", `<urn:search><urn:searchString>FIND {zzqxjnothing} IN ALL FIELDS RETURNING Account(Id, Name)</urn:searchString></urn:search>`)
		},
		allow: []allowance{noHeader, v58("SearchResult.queryId (required)", "result/queryId")},
	},
	{
		file: "search-response-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			name := uniq("Searchable")
			s.create(t, sobject("Account", "Name", name))
			return s.call("search", "", `<urn:search><urn:searchString>FIND {`+name+`} IN NAME FIELDS RETURNING Account(Id, Name)</urn:searchString></urn:search>`)
		},
		allow: []allowance{v58("SearchResult.queryId (required)", "result/queryId")},
	},
	{
		// The sample's error needs a second user; updating a deleted
		// record gives the same shape, an error without fields (Apex
		// shows it as "ENTITY_IS_DELETED, entity is deleted: []").
		file: "update-response-failure-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			id := s.create(t, sobject("Account", "Name", uniq("Update")))[0]
			s.call("delete", "", `<urn:delete><urn:ids>`+id+`</urn:ids></urn:delete>`).wantOK(t)
			return s.call("update deleted", "", `<urn:update><urn:sObjects>`+sobject("Account", "Id", id, "Name", "again")+`</urn:sObjects></urn:update>`)
		},
		allow: []allowance{noHeader},
	},
	{
		file: "upsert-response-limitinfo-wso2.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply { return s.upsertNew(t, 1) },
	},
	{
		file: "upsert-response-soapforce.xml",
		call: func(t *testing.T, s *sim, clock *clock) *reply {
			ext := uniq("ext")
			s.call("upsert (setup)", "", `<urn:upsert><urn:externalIDFieldName>External_Id__c</urn:externalIDFieldName><urn:sObjects>`+
				sobject("Account", "External_Id__c", ext, "Name", "old")+`</urn:sObjects></urn:upsert>`).wantOK(t)
			return s.call("upsert", "", `<urn:upsert><urn:externalIDFieldName>External_Id__c</urn:externalIDFieldName>`+
				`<urn:sObjects>`+sobject("Account", "External_Id__c", uniq("ext"), "Name", "new")+`</urn:sObjects>`+
				`<urn:sObjects>`+sobject("Account", "External_Id__c", ext, "Name", "updated")+`</urn:sObjects></urn:upsert>`)
		},
		allow: []allowance{noHeader},
	},
}

// TestSamplesStructure compares, for every real response sample, the
// structure of the sample (conformance.Parse: names, namespaces, prefixes,
// order, xsi:type, xsi:nil; no values, no repeat counts) with the
// structure of sfsim's answer to the same kind of call, set up so the data
// has the sample's shape (same fields selected, the same fields null).
func TestSamplesStructure(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := newSim(t, sfsim.Config{SeedAccounts: -1, Now: clock.Now})
	s.login()

	// Every response sample has a row; request samples are
	// TestRequestSamples'.
	files, err := filepath.Glob(filepath.Join(samplesDir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var want, got []string
	for _, f := range files {
		if b := filepath.Base(f); !strings.Contains(b, "-request-") {
			want = append(want, b)
		}
	}
	for _, c := range structureCases {
		got = append(got, c.file)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("every response sample needs exactly one row:\nsamples: %v\nrows:    %v", want, got)
	}

	for _, c := range structureCases {
		t.Run(strings.TrimSuffix(c.file, ".xml"), func(t *testing.T) {
			c.compare(t, s, clock)
		})
	}
}

// compare checks that sfsim's answer to c.call has the structure of c's
// sample once c's allowances are applied, and that each still applies.
func (c *structureCase) compare(t *testing.T, s *sim, clock *clock) {
	raw := readSample(t, c.file)
	if c.repair != nil {
		raw = c.repair(raw)
	}
	if c.fragment {
		raw = []byte(`<soapenv:Envelope xmlns:soapenv="` + conformance.NSSOAPEnv + `" xmlns="` + conformance.NSPartner +
			`" xmlns:xsi="` + conformance.NSXSI + `" xmlns:sf="` + conformance.NSSObject + `"><soapenv:Body>` + string(raw) + `</soapenv:Body></soapenv:Envelope>`)
	}
	sample, err := conformance.Parse(raw)
	if err != nil {
		t.Fatalf("sample: %v", err)
	}
	r := c.call(t, s, clock)
	actual, err := conformance.Parse(r.body)
	if err != nil {
		t.Fatalf("sfsim: %v\n%s", err, r.body)
	}
	if c.fragment {
		sample, actual = sample.Body(), actual.Body()
		if sample == nil || actual == nil {
			t.Fatalf("no Body entry:\n%s", r.body)
		}
	}
	for _, a := range c.allow {
		target := actual
		if a.sample {
			target = sample
		}
		if a.apply(target) == 0 {
			t.Errorf("allowance no longer applies (remove it, and from docs/conformance.md): %s", a.why)
		}
	}
	if d := cmp.Diff(sample.Lines(), actual.Lines()); d != "" {
		t.Errorf("sfsim's answer differs in structure from the real sample (-sample +sfsim):\n%s\nsfsim's answer:\n%s", d, r.body)
	}
}

func opportunity(name string) string {
	return sobject("Opportunity", "Name", name, "StageName", "Prospecting", "CloseDate", "2030-01-31")
}

func (s *sim) loginReply(name string) *reply {
	return s.post(name, s.soapURL(APIVersion), "text/xml; charset=UTF-8", envelope("",
		`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>`+
			sfsim.DemoPassword+sfsim.DemoSecurityToken+`</urn:password></urn:login>`))
}

func (s *sim) mergeTwo(t *testing.T) *reply {
	ids := s.create(t, sobject("Account", "Name", uniq("Master")), sobject("Account", "Name", uniq("Merged")))
	return s.call("merge", "", `<urn:merge><urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>`+ids[0]+
		`</urn1:Id></urn:masterRecord><urn:recordToMergeIds>`+ids[1]+`</urn:recordToMergeIds></urn:request></urn:merge>`)
}

func (s *sim) upsertNew(t *testing.T, n int) *reply {
	var b strings.Builder
	for i := range n {
		b.WriteString(`<urn:sObjects>` + sobject("Account", "External_Id__c", uniq("ext")+fmt.Sprint(i), "Name", "upserted") + `</urn:sObjects>`)
	}
	return s.call("upsert", "", `<urn:upsert><urn:externalIDFieldName>External_Id__c</urn:externalIDFieldName>`+b.String()+`</urn:upsert>`)
}

// TestSampleFaultTexts checks the words of the faults whose real text the
// samples give, for the same input: clients show them, and some match on
// them (PROTOCOL.md §2).
func TestSampleFaultTexts(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	s.login()
	cases := []struct {
		file string
		send func() *reply
	}{
		{"fault-invalid-field-www-salesforce.xml", func() *reply {
			return s.call("invalid field", "", `<urn:query><urn:queryString>select adfId, Name, Account.Name from Contact</urn:queryString></urn:query>`)
		}},
		{"fault-invalid-login-www-salesforce-nb.xml", func() *reply {
			return s.post("invalid login", s.soapURL(APIVersion), "text/xml", envelope("",
				`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>wrong</urn:password></urn:login>`))
		}},
		{"fault-invalid-session-id-cumulusci.xml", func() *reply {
			return s.post("invalid session", s.server, "text/xml", envelope(sessionHeader(s.session[:16]+"forged"), `<urn:getUserInfo/>`))
		}},
		{"fault-client-content-type-www-salesforce-nb.xml", func() *reply {
			return s.post("wrong content type", s.soapURL(APIVersion), "application/json", envelope("", `<urn:getUserInfo/>`))
		}},
		{"fault-client-premature-eof-www-salesforce-nb.xml", func() *reply {
			return s.post("empty body", s.soapURL(APIVersion), "text/xml", nil)
		}},
	}
	for _, c := range cases {
		t.Run(strings.TrimSuffix(c.file, ".xml"), func(t *testing.T) {
			want, err := parseElem(readSample(t, c.file))
			if err != nil {
				t.Fatal(err)
			}
			got := c.send().root
			for _, path := range [][]string{
				{"Body", "Fault", "faultcode"},
				{"Body", "Fault", "faultstring"},
			} {
				w, g := want.path(path...), got.path(path...)
				if g == nil || w.Text != g.Text {
					t.Errorf("%s: sfsim %q, the real sample %q", strings.Join(path, "/"), textOf(g), w.Text)
				}
			}
			wd, gd := want.path("Body", "Fault", "detail"), got.path("Body", "Fault", "detail")
			if wd == nil {
				return
			}
			if gd == nil || len(gd.Kids) == 0 {
				t.Fatalf("sfsim's fault has no detail; the real sample has %s", wd.Kids[0].XMLName.Local)
			}
			for _, field := range []string{"exceptionCode", "exceptionMessage", "row", "column"} {
				w, g := wd.Kids[0].child(field), gd.Kids[0].child(field)
				if w.Text != g.Text {
					t.Errorf("detail %s: sfsim %q, the real sample %q", field, g.Text, w.Text)
				}
			}
		})
	}
}

func textOf(e *elem) string {
	if e == nil {
		return "<absent>"
	}
	return e.Text
}
