package conformance_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/sfsim"
	"github.com/sfgate/sfgate/internal/sfsim/conformance"
)

var (
	id18        = regexp.MustCompile(`^[a-zA-Z0-9]{18}$`)
	sessionRE   = regexp.MustCompile(`^00D[a-zA-Z0-9]{12}![A-Za-z0-9._]+$`) // PROTOCOL.md §4
	serverURLRE = regexp.MustCompile(`/services/Soap/u/` + regexp.QuoteMeta(APIVersion) + `/00D[a-zA-Z0-9]{12}$`)
)

// wantLimitInfo checks the LimitInfoHeader every call but login carries
// (PROTOCOL.md §11), and the HTTP headers of a SOAP answer (§3).
func wantLimitInfo(t *testing.T, r *reply, limit int) {
	t.Helper()
	li := r.root.path("Header", "LimitInfoHeader", "limitInfo")
	if li == nil {
		t.Errorf("%s: no LimitInfoHeader:\n%s", r.name, r.body)
		return
	}
	cur, err := strconv.Atoi(li.child("current").Text)
	if err != nil || cur < 1 {
		t.Errorf("%s: LimitInfoHeader current %q", r.name, li.child("current").Text)
	}
	if got := li.child("limit").Text; got != strconv.Itoa(limit) {
		t.Errorf("%s: LimitInfoHeader limit %q, want %d", r.name, got, limit)
	}
	if got := li.child("type").Text; got != "API REQUESTS" {
		t.Errorf("%s: LimitInfoHeader type %q", r.name, got)
	}
	if li.XMLName.Space != conformance.NSPartner {
		t.Errorf("%s: limitInfo in %q", r.name, li.XMLName.Space)
	}
}

// results returns the result elements of an operation's answer.
func results(r *reply, op string) []*elem {
	return r.root.path("Body", op+"Response").all("result")
}

func wantSuccess(t *testing.T, r *reply, op string, n int) []*elem {
	t.Helper()
	r.wantOK(t)
	res := results(r, op)
	if len(res) != n {
		t.Fatalf("%s: %d results, want %d:\n%s", r.name, len(res), n, r.body)
	}
	for i, e := range res {
		if e.child("success").Text != "true" {
			t.Errorf("%s: result %d not a success:\n%s", r.name, i, r.body)
		}
	}
	return res
}

// TestOperations calls every operation sfsim implements, in the order a
// client would, one subtest per step, and checks each answer: HTTP status,
// the values a client reads, the LimitInfoHeader. Every answer is
// validated against the WSDL's schemas when the test ends
// (harness_test.go). A step that depends on an earlier one fails with it.
func TestOperations(t *testing.T) {
	t.Parallel()
	clock := newClock()
	o := &operationsRun{
		s:     newSim(t, sfsim.Config{SeedAccounts: -1, Now: clock.Now}),
		clock: clock,
		limit: sfsim.DefaultDailyLimit,
		start: clock.Now().Add(-time.Minute),
		name:  "Conformance " + strconv.FormatInt(time.Now().UnixNano(), 36),
	}

	t.Run("login", o.login)
	if o.s.session == "" {
		t.Fatal("no session: the other steps cannot run")
	}
	t.Run("getUserInfo", o.getUserInfo)
	t.Run("getServerTimestamp", o.getServerTimestamp)
	t.Run("describeGlobal", o.describeGlobal)
	t.Run("describeSObject", o.describeSObject)
	t.Run("describeSObjects", o.describeSObjects)
	t.Run("create", o.create)
	if o.idA == "" {
		t.Fatal("no records created: the other steps cannot run")
	}
	t.Run("retrieve", o.retrieve)
	t.Run("update", o.update)
	t.Run("upsert", o.upsert)
	t.Run("query", o.query)
	t.Run("search", o.search)
	t.Run("delete", o.delete)
	t.Run("queryAll", o.queryAll)

	// getUpdated and getDeleted cover whole minutes that have ended
	// (latestDateCovered); let two pass on the emulator's clock.
	clock.Advance(2 * time.Minute)
	o.window = `<urn:sObjectType>Account</urn:sObjectType><urn:startDate>` + o.start.Format(time.RFC3339) +
		`</urn:startDate><urn:endDate>` + clock.Now().Format(time.RFC3339) + `</urn:endDate>`
	t.Run("getDeleted", o.getDeleted)
	t.Run("getUpdated", o.getUpdated)
	t.Run("undelete", o.undelete)
	t.Run("emptyRecycleBin", o.emptyRecycleBin)
	t.Run("merge", o.merge)
	t.Run("convertLead", o.convertLead)
	t.Run("logout", o.logout)
}

// operationsRun is the state TestOperations' steps share, one method per
// step: the emulator, its clock, and what earlier steps learnt or made.
type operationsRun struct {
	s      *sim
	clock  *clock
	limit  int
	start  time.Time // before the first write: getUpdated/getDeleted's window starts here
	name   string    // unique prefix of the records the run creates
	window string    // the getUpdated/getDeleted request elements

	idA, idB     string // two accounts created by create
	customObject string // a custom object describeGlobal lists
}

func (o *operationsRun) login(t *testing.T) {
	// No SessionHeader, no LimitInfoHeader.
	login := o.s.post("login", o.s.soapURL(APIVersion), "text/xml; charset=UTF-8", envelope("",
		`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>`+
			sfsim.DemoPassword+sfsim.DemoSecurityToken+`</urn:password></urn:login>`))
	login.wantOK(t)
	lr := login.root.path("Body", "loginResponse", "result")
	o.s.session, o.s.server = lr.child("sessionId").Text, lr.child("serverUrl").Text
	if !sessionRE.MatchString(o.s.session) {
		t.Errorf("login: sessionId does not have Salesforce's shape <orgId15>!<token>")
	}
	if !strings.HasPrefix(o.s.server, o.s.base) || !serverURLRE.MatchString(o.s.server) {
		t.Errorf("login: serverUrl %q, want %s/services/Soap/u/%s/<orgId15>", o.s.server, o.s.base, APIVersion)
	}
	if !id18.MatchString(lr.child("userId").Text) || !strings.HasPrefix(lr.child("userId").Text, "005") {
		t.Errorf("login: userId %q", lr.child("userId").Text)
	}
	if got := lr.path("userInfo", "userName"); got == nil || got.Text != sfsim.DemoUsername {
		t.Errorf("login: userInfo/userName missing or wrong:\n%s", login.body)
	}
	if login.root.path("Header") != nil {
		t.Errorf("login: answer has a Header; Salesforce sends no LimitInfoHeader on login")
	}
}

func (o *operationsRun) getUserInfo(t *testing.T) {
	r := o.s.call("getUserInfo", "", `<urn:getUserInfo/>`)
	r.wantOK(t)
	wantLimitInfo(t, r, o.limit)
	if got := r.text("getUserInfoResponse", "result", "userName"); got != sfsim.DemoUsername {
		t.Errorf("getUserInfo: userName %q", got)
	}
}

func (o *operationsRun) getServerTimestamp(t *testing.T) {
	r := o.s.call("getServerTimestamp", "", `<urn:getServerTimestamp/>`)
	r.wantOK(t)
	wantLimitInfo(t, r, o.limit)
	if ts, err := time.Parse(time.RFC3339, r.text("getServerTimestampResponse", "result", "timestamp")); err != nil || o.clock.Now().Sub(ts).Abs() > time.Second {
		t.Errorf("getServerTimestamp: %q (%v)", r.text("getServerTimestampResponse", "result", "timestamp"), err)
	}
}

func (o *operationsRun) describeGlobal(t *testing.T) {
	r := o.s.call("describeGlobal", "", `<urn:describeGlobal/>`)
	r.wantOK(t)
	wantLimitInfo(t, r, o.limit)
	dg := r.root.path("Body", "describeGlobalResponse", "result")
	if dg.child("encoding").Text != "UTF-8" || dg.child("maxBatchSize").Text != "200" {
		t.Errorf("describeGlobal: encoding %q maxBatchSize %q", dg.child("encoding").Text, dg.child("maxBatchSize").Text)
	}
	names := map[string]*elem{}
	for _, so := range dg.all("sobjects") {
		names[so.child("name").Text] = so
	}
	for _, want := range []string{"Account", "Contact", "Lead", "Opportunity", "Case", "User"} {
		if names[want] == nil {
			t.Errorf("describeGlobal: no %s", want)
		}
	}
	for n, so := range names {
		if strings.HasSuffix(n, "__c") && so.child("custom").Text == "true" {
			o.customObject = n
		}
	}
	if o.customObject == "" {
		t.Errorf("describeGlobal: no custom object (custom=true, name ending __c)")
	}
}

func (o *operationsRun) describeSObject(t *testing.T) {
	r := o.s.call("describeSObject", "", `<urn:describeSObject><urn:sObjectType>Account</urn:sObjectType></urn:describeSObject>`)
	r.wantOK(t)
	ds := r.root.path("Body", "describeSObjectResponse", "result")
	if ds.child("name").Text != "Account" || ds.child("keyPrefix").Text != "001" {
		t.Errorf("describeSObject: name %q keyPrefix %q", ds.child("name").Text, ds.child("keyPrefix").Text)
	}
	customField := false
	for _, f := range ds.all("fields") {
		if f.child("custom").Text == "true" && strings.HasSuffix(f.child("name").Text, "__c") {
			customField = true
		}
	}
	if !customField {
		t.Errorf("describeSObject Account: no custom field")
	}
}

func (o *operationsRun) describeSObjects(t *testing.T) {
	if o.customObject == "" {
		t.Fatal("no custom object from describeGlobal")
	}
	r := o.s.call("describeSObjects", "", `<urn:describeSObjects><urn:sObjectType>Contact</urn:sObjectType><urn:sObjectType>`+o.customObject+`</urn:sObjectType></urn:describeSObjects>`)
	r.wantOK(t)
	if res := results(r, "describeSObjects"); len(res) != 2 || res[0].child("name").Text != "Contact" || res[1].child("name").Text != o.customObject {
		t.Errorf("describeSObjects: want Contact then %s in request order:\n%.400s", o.customObject, r.body)
	}
}

func (o *operationsRun) create(t *testing.T) {
	// Fields in the sObject namespace, in the partner namespace and
	// unqualified, all matched by local name (PROTOCOL.md §2).
	r := o.s.call("create", "", `<urn:create>`+
		`<urn:sObjects>`+sobject("Account", "Name", o.name+" A", "NumberOfEmployees", "12")+`</urn:sObjects>`+
		`<urn:sObjects><urn1:type>Account</urn1:type><urn:Name>`+o.name+` B</urn:Name><Phone>555-0100</Phone></urn:sObjects>`+
		`</urn:create>`)
	res := wantSuccess(t, r, "create", 2)
	wantLimitInfo(t, r, o.limit)
	o.idA, o.idB = res[0].child("id").Text, res[1].child("id").Text
	for _, id := range []string{o.idA, o.idB} {
		if !id18.MatchString(id) || !strings.HasPrefix(id, "001") {
			t.Fatalf("create: id %q is not an 18-character Account id", id)
		}
	}
}

func (o *operationsRun) retrieve(t *testing.T) {
	r := o.s.call("retrieve", "", `<urn:retrieve><urn:fieldList>Id, Name, NumberOfEmployees, Phone</urn:fieldList><urn:sObjectType>Account</urn:sObjectType>`+
		`<urn:ids>`+o.idB+`</urn:ids><urn:ids>`+o.idA[:15]+`</urn:ids></urn:retrieve>`)
	r.wantOK(t)
	rs := results(r, "retrieve")
	if len(rs) != 2 {
		t.Fatalf("retrieve: %d results, want 2", len(rs))
	}
	if rs[0].attr(conformance.NSXSI, "type") != "sf:sObject" || rs[0].child("Name").Text != o.name+" B" || rs[1].child("Name").Text != o.name+" A" {
		t.Errorf("retrieve: want B then A (a 15-character id accepted), typed sf:sObject:\n%s", r.body)
	}
	if got := rs[1].child("Id").Text; got != o.idA {
		t.Errorf("retrieve: Id %q for a 15-character request id, want the 18-character %q", got, o.idA)
	}
	if !rs[0].child("NumberOfEmployees").isNil() {
		t.Errorf("retrieve: unset NumberOfEmployees is not xsi:nil:\n%s", r.body)
	}
}

func (o *operationsRun) update(t *testing.T) {
	r := o.s.call("update", "", `<urn:update><urn:sObjects>`+
		`<urn1:type>Account</urn1:type><urn1:fieldsToNull>Phone</urn1:fieldsToNull><urn1:Id>`+o.idB+`</urn1:Id><urn1:Name>`+o.name+` B2</urn1:Name>`+
		`</urn:sObjects></urn:update>`)
	if res := wantSuccess(t, r, "update", 1); res[0].child("id").Text != o.idB {
		t.Errorf("update: id %q, want %q", res[0].child("id").Text, o.idB)
	}
}

func (o *operationsRun) upsert(t *testing.T) {
	ext := "conf-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	r := o.s.call("upsert", "", `<urn:upsert><urn:externalIDFieldName>External_Id__c</urn:externalIDFieldName>`+
		`<urn:sObjects>`+sobject("Account", "External_Id__c", ext, "Name", o.name+" U")+`</urn:sObjects></urn:upsert>`)
	up := wantSuccess(t, r, "upsert", 1)
	if up[0].child("created").Text != "true" {
		t.Errorf("upsert of a new external id: created %q", up[0].child("created").Text)
	}
	r = o.s.call("upsert again", "", `<urn:upsert><urn:externalIDFieldName>External_Id__c</urn:externalIDFieldName>`+
		`<urn:sObjects>`+sobject("Account", "External_Id__c", ext, "Name", o.name+" U2")+`</urn:sObjects></urn:upsert>`)
	up2 := wantSuccess(t, r, "upsert", 1)
	if up2[0].child("created").Text != "false" || up2[0].child("id").Text != up[0].child("id").Text {
		t.Errorf("upsert of an existing external id: created %q id %q, want false and %q", up2[0].child("created").Text, up2[0].child("id").Text, up[0].child("id").Text)
	}
}

func (o *operationsRun) query(t *testing.T) {
	r := o.s.call("query", "", `<urn:query><urn:queryString>SELECT Id, Name, Phone FROM Account WHERE Name LIKE '`+o.name+` B%'</urn:queryString></urn:query>`)
	r.wantOK(t)
	qr := r.root.path("Body", "queryResponse", "result")
	if qr.attr(conformance.NSXSI, "type") != "QueryResult" || qr.child("done").Text != "true" || !qr.child("queryLocator").isNil() || qr.child("size").Text != "1" {
		t.Errorf("query: want QueryResult done, nil locator, size 1:\n%s", r.body)
	}
	if recs := qr.all("records"); len(recs) != 1 || len(recs[0].all("Id")) != 2 || recs[0].child("Name").Text != o.name+" B2" || !recs[0].child("Phone").isNil() {
		t.Errorf("query: want one record with sf:Id twice, the updated Name and a nil Phone:\n%s", r.body)
	}
}

func (o *operationsRun) search(t *testing.T) {
	r := o.s.call("search", "", `<urn:search><urn:searchString>FIND {`+o.name+`} IN NAME FIELDS RETURNING Account(Id, Name)</urn:searchString></urn:search>`)
	r.wantOK(t)
	if recs := r.root.path("Body", "searchResponse", "result").all("searchRecords"); len(recs) < 2 {
		t.Errorf("search: %d searchRecords, want the accounts named %q:\n%s", len(recs), o.name, r.body)
	}
}

func (o *operationsRun) delete(t *testing.T) {
	r := o.s.call("delete", "", `<urn:delete><urn:ids>`+o.idA+`</urn:ids></urn:delete>`)
	if res := wantSuccess(t, r, "delete", 1); res[0].child("id").Text != o.idA {
		t.Errorf("delete: id %q", res[0].child("id").Text)
	}
}

func (o *operationsRun) queryAll(t *testing.T) {
	r := o.s.call("queryAll", "", `<urn:queryAll><urn:queryString>SELECT Id, IsDeleted FROM Account WHERE Id = '`+o.idA+`'</urn:queryString></urn:queryAll>`)
	r.wantOK(t)
	if recs := r.root.path("Body", "queryAllResponse", "result").all("records"); len(recs) != 1 || recs[0].child("IsDeleted").Text != "true" {
		t.Errorf("queryAll: want the deleted record with IsDeleted true:\n%s", r.body)
	}
}

func (o *operationsRun) getDeleted(t *testing.T) {
	r := o.s.call("getDeleted", "", `<urn:getDeleted>`+o.window+`</urn:getDeleted>`)
	r.wantOK(t)
	found := false
	for _, d := range r.root.path("Body", "getDeletedResponse", "result").all("deletedRecords") {
		found = found || d.child("id").Text == o.idA
	}
	if !found {
		t.Errorf("getDeleted: %s not listed:\n%s", o.idA, r.body)
	}
}

func (o *operationsRun) getUpdated(t *testing.T) {
	r := o.s.call("getUpdated", "", `<urn:getUpdated>`+o.window+`</urn:getUpdated>`)
	r.wantOK(t)
	found := false
	for _, id := range r.root.path("Body", "getUpdatedResponse", "result").all("ids") {
		found = found || id.Text == o.idB
	}
	if !found {
		t.Errorf("getUpdated: %s not listed:\n%s", o.idB, r.body)
	}
}

func (o *operationsRun) undelete(t *testing.T) {
	r := o.s.call("undelete", "", `<urn:undelete><urn:ids>`+o.idA+`</urn:ids></urn:undelete>`)
	wantSuccess(t, r, "undelete", 1)
}

func (o *operationsRun) emptyRecycleBin(t *testing.T) {
	o.s.call("delete again", "", `<urn:delete><urn:ids>`+o.idA+`</urn:ids></urn:delete>`).wantOK(t)
	r := o.s.call("emptyRecycleBin", "", `<urn:emptyRecycleBin><urn:ids>`+o.idA+`</urn:ids></urn:emptyRecycleBin>`)
	wantSuccess(t, r, "emptyRecycleBin", 1)
}

func (o *operationsRun) merge(t *testing.T) {
	ids := o.s.create(t, sobject("Account", "Name", o.name+" M1"), sobject("Account", "Name", o.name+" M2"))
	r := o.s.call("merge", "", `<urn:merge><urn:request><urn:masterRecord><urn1:type>Account</urn1:type><urn1:Id>`+ids[0]+
		`</urn1:Id></urn:masterRecord><urn:recordToMergeIds>`+ids[1]+`</urn:recordToMergeIds></urn:request></urn:merge>`)
	mr := wantSuccess(t, r, "merge", 1)
	if mr[0].child("id").Text != ids[0] || mr[0].child("mergedRecordIds").Text != ids[1] {
		t.Errorf("merge: id %q mergedRecordIds %q, want %s and %s", mr[0].child("id").Text, mr[0].child("mergedRecordIds").Text, ids[0], ids[1])
	}
}

func (o *operationsRun) convertLead(t *testing.T) {
	status := convertedStatus(t, o.s)
	lead := o.s.create(t, sobject("Lead", "LastName", "Conformance", "Company", o.name+" L"))[0]
	r := o.s.call("convertLead", "", convertLeadBody(lead, status, false))
	cl := wantSuccess(t, r, "convertLead", 1)
	if cl[0].child("leadId").Text != lead || !strings.HasPrefix(cl[0].child("accountId").Text, "001") ||
		!strings.HasPrefix(cl[0].child("contactId").Text, "003") || !strings.HasPrefix(cl[0].child("opportunityId").Text, "006") {
		t.Errorf("convertLead: want leadId, a new Account, Contact and Opportunity:\n%s", r.body)
	}
}

func (o *operationsRun) logout(t *testing.T) {
	r := o.s.call("logout", "", `<urn:logout/>`)
	r.wantOK(t)
	r = o.s.call("getUserInfo after logout", "", `<urn:getUserInfo/>`)
	r.wantFault(t, "INVALID_SESSION_ID", "UnexpectedErrorFault")
}

// convertedStatus asks the org, as a client must, for a converted lead
// status.
func convertedStatus(t *testing.T, s *sim) string {
	t.Helper()
	r := s.call("query LeadStatus", "", `<urn:query><urn:queryString>SELECT MasterLabel FROM LeadStatus WHERE IsConverted = true</urn:queryString></urn:query>`)
	r.wantOK(t)
	recs := r.root.path("Body", "queryResponse", "result").all("records")
	if len(recs) == 0 {
		t.Fatalf("no LeadStatus with IsConverted = true: convertLead cannot be called\n%s", r.body)
	}
	return recs[0].child("MasterLabel").Text
}

// convertLeadBody is a convertLead request with every LeadConvert element
// the WSDL requires (nillable ones nil), as WSDL-generated clients send it.
func convertLeadBody(lead, status string, noOpportunity bool) string {
	return `<urn:convertLead><urn:leadConverts>` +
		`<urn:accountId xsi:nil="true"/><urn:accountRecord xsi:nil="true"/>` +
		`<urn:bypassAccountDedupeCheck xsi:nil="true"/><urn:bypassContactDedupeCheck xsi:nil="true"/>` +
		`<urn:contactId xsi:nil="true"/><urn:contactRecord xsi:nil="true"/>` +
		`<urn:convertedStatus>` + xmlEscape(status) + `</urn:convertedStatus>` +
		`<urn:doNotCreateOpportunity>` + strconv.FormatBool(noOpportunity) + `</urn:doNotCreateOpportunity>` +
		`<urn:leadId>` + lead + `</urn:leadId>` +
		`<urn:opportunityId xsi:nil="true"/><urn:opportunityName>Conformance deal</urn:opportunityName><urn:opportunityRecord xsi:nil="true"/>` +
		`<urn:overwriteLeadSource>false</urn:overwriteLeadSource><urn:ownerId xsi:nil="true"/>` +
		`<urn:relatedPersonAccountId xsi:nil="true"/><urn:relatedPersonAccountRecord xsi:nil="true"/>` +
		`<urn:sendNotificationEmail>false</urn:sendNotificationEmail>` +
		`</urn:leadConverts></urn:convertLead>`
}

// TestQueryPaging pages a query of more than one batch with QueryOptions
// batchSize 200 through queryMore to the end.
func TestQueryPaging(t *testing.T) {
	t.Parallel()
	const rows = 450
	s := newSim(t, sfsim.Config{SeedAccounts: rows})
	opts := `<urn:QueryOptions><urn:batchSize>200</urn:batchSize></urn:QueryOptions>`
	r := s.call("query batch 200", opts, `<urn:query><urn:queryString>SELECT Id, Name FROM Account</urn:queryString></urn:query>`)
	r.wantOK(t)
	seen := map[string]bool{}
	total := -1
	for page := 0; ; page++ {
		res := r.root.path("Body", "queryResponse", "result")
		if page > 0 {
			res = r.root.path("Body", "queryMoreResponse", "result")
		}
		if res == nil {
			t.Fatalf("page %d: no result:\n%s", page, r.body)
		}
		size, _ := strconv.Atoi(res.child("size").Text)
		if total < 0 {
			total = size
			if total < rows {
				t.Fatalf("size %d, want at least the %d seeded accounts", total, rows)
			}
		} else if size != total {
			t.Errorf("page %d: size %d, want the query's total %d on every page (PROTOCOL.md §8)", page, size, total)
		}
		recs := res.all("records")
		for _, rec := range recs {
			seen[rec.child("Id").Text] = true
		}
		done := res.child("done").Text == "true"
		loc := res.child("queryLocator")
		if done {
			if !loc.isNil() {
				t.Errorf("page %d: done with a non-nil queryLocator", page)
			}
			break
		}
		if len(recs) != 200 {
			t.Errorf("page %d: %d records, want the batch size 200", page, len(recs))
		}
		if loc.isNil() || loc.Text == "" {
			t.Fatalf("page %d: not done and no queryLocator", page)
		}
		if page > total/200+1 {
			t.Fatalf("queryMore does not end")
		}
		r = s.call(fmt.Sprintf("queryMore page %d", page+1), opts, `<urn:queryMore><urn:queryLocator>`+loc.Text+`</urn:queryLocator></urn:queryMore>`)
		r.wantOK(t)
	}
	if len(seen) != total {
		t.Errorf("paged through %d distinct records, want %d", len(seen), total)
	}
}

// faultCase is one whole-call fault of TestFaults: the request send makes,
// and what its fault must say.
type faultCase struct {
	name, op, code, detail string
	send                   func(s *sim) *reply
	row, column            string // "" = not checked
}

// manySObjects and manyIDs are one over the 200 records or ids a write
// call takes.
var (
	manySObjects = strings.Repeat("<urn:sObjects>"+sobject("Account", "Name", "x")+"</urn:sObjects>", 201)
	manyIDs      = strings.Repeat("<urn:ids>001000000000000AAA</urn:ids>", 201)
)

var faultCases = []faultCase{
	{
		name: "INVALID_LOGIN", op: "login", code: "INVALID_LOGIN", detail: "LoginFault",
		send: func(s *sim) *reply {
			return s.post("login wrong password", s.soapURL(APIVersion), "text/xml", envelope("",
				`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>wrong</urn:password></urn:login>`))
		},
	},
	{
		name: "INVALID_SESSION_ID", op: "getUserInfo", code: "INVALID_SESSION_ID", detail: "UnexpectedErrorFault",
		send: func(s *sim) *reply {
			return s.post("bad session", s.server, "text/xml", envelope(sessionHeader(s.session[:16]+"forged"), `<urn:getUserInfo/>`))
		},
	},
	{
		name: "no SessionHeader", op: "query", code: "INVALID_SESSION_ID", detail: "UnexpectedErrorFault",
		send: func(s *sim) *reply {
			return s.post("no session", s.server, "text/xml", envelope("", `<urn:query><urn:queryString>SELECT Id FROM Account</urn:queryString></urn:query>`))
		},
	},
	{
		name: "INVALID_FIELD", op: "query", code: "INVALID_FIELD", detail: "InvalidFieldFault", row: "1", column: "8",
		send: func(s *sim) *reply {
			return s.call("query bad field", "", `<urn:query><urn:queryString>select adfId, Name, Account.Name from Contact</urn:queryString></urn:query>`)
		},
	},
	{
		name: "MALFORMED_QUERY", op: "query", code: "MALFORMED_QUERY", detail: "MalformedQueryFault", row: "1", column: "11",
		send: func(s *sim) *reply {
			return s.call("malformed query", "", `<urn:query><urn:queryString>SELECT Id FORM Account</urn:queryString></urn:query>`)
		},
	},
	{
		name: "INVALID_TYPE in a query", op: "query", code: "INVALID_TYPE", detail: "InvalidSObjectFault", row: "1", column: "16",
		send: func(s *sim) *reply {
			return s.call("query bad type", "", `<urn:query><urn:queryString>SELECT Id FROM Acount</urn:queryString></urn:query>`)
		},
	},
	{
		name: "INVALID_TYPE in describeSObject", op: "describeSObject", code: "INVALID_TYPE", detail: "InvalidSObjectFault",
		send: func(s *sim) *reply {
			return s.call("describe bad type", "", `<urn:describeSObject><urn:sObjectType>Acount</urn:sObjectType></urn:describeSObject>`)
		},
	},
	{
		name: "INVALID_QUERY_LOCATOR", op: "queryMore", code: "INVALID_QUERY_LOCATOR", detail: "InvalidQueryLocatorFault",
		send: func(s *sim) *reply {
			return s.call("queryMore bad locator", "", `<urn:queryMore><urn:queryLocator>01gD0000001vELkIAM-200</urn:queryLocator></urn:queryMore>`)
		},
	},
	{
		name: "MALFORMED_ID in retrieve", op: "retrieve", code: "MALFORMED_ID", detail: "InvalidIdFault",
		send: func(s *sim) *reply {
			return s.call("retrieve bad id", "", `<urn:retrieve><urn:fieldList>Id</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>bad</urn:ids></urn:retrieve>`)
		},
	},
	{
		name: "INVALID_FIELD in retrieve", op: "retrieve", code: "INVALID_FIELD", detail: "InvalidFieldFault",
		send: func(s *sim) *reply {
			return s.call("retrieve bad field", "", `<urn:retrieve><urn:fieldList>Id, Nope__c</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>001000000000000AAA</urn:ids></urn:retrieve>`)
		},
	},
	{
		name: "EXCEEDED_ID_LIMIT in create", op: "create", code: "EXCEEDED_ID_LIMIT", detail: "UnexpectedErrorFault",
		send: func(s *sim) *reply { return s.call("create 201", "", `<urn:create>`+manySObjects+`</urn:create>`) },
	},
	{
		name: "EXCEEDED_ID_LIMIT in delete", op: "delete", code: "EXCEEDED_ID_LIMIT", detail: "UnexpectedErrorFault",
		send: func(s *sim) *reply { return s.call("delete 201", "", `<urn:delete>`+manyIDs+`</urn:delete>`) },
	},
	{
		name: "UNSUPPORTED_API_VERSION", op: "login", code: "UNSUPPORTED_API_VERSION", detail: "UnexpectedErrorFault",
		send: func(s *sim) *reply {
			return s.post("login 30.0", s.soapURL("30.0"), "text/xml", envelope("",
				`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>`+sfsim.DemoPassword+sfsim.DemoSecurityToken+`</urn:password></urn:login>`))
		},
	},
}

// TestFaults provokes each whole-call fault and checks it as clients read
// it (PROTOCOL.md §10): HTTP 500, faultcode sf:CODE bound to the fault
// namespace, faultstring "CODE: message", the typed detail with xsi:type,
// exceptionCode, row and column where the WSDL has them, and a detail
// element the WSDL declares for that operation.
func TestFaults(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	s.login()
	faults, err := declaredFaults()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range faultCases {
		t.Run(c.name, func(t *testing.T) {
			r := c.send(s)
			f := r.wantFault(t, c.code, c.detail)
			if !faults[c.op][f.DetailType] {
				t.Errorf("%s: detail %s is not among the faults the WSDL declares for %s: %v", r.name, f.DetailType, c.op, faults[c.op])
			}
			if c.row != "" && (f.Row != c.row || f.Column != c.column) {
				t.Errorf("%s: row %q column %q, want %s and %s", r.name, f.Row, f.Column, c.row, c.column)
			}
			if c.row != "" && !strings.Contains(f.Message, "ERROR at Row:"+c.row+":Column:"+c.column) {
				t.Errorf("%s: message lacks Salesforce's ERROR at Row:%s:Column:%s line: %q", r.name, c.row, c.column, f.Message)
			}
		})
	}

	// Login at 65.0 and later: refused (PROTOCOL.md §0; the exact code is
	// unverified, UNSUPPORTED_API_VERSION or INVALID_OPERATION stand in).
	t.Run("login at 65.0", func(t *testing.T) {
		r := s.post("login 65.0", s.soapURL("65.0"), "text/xml", envelope("",
			`<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>`+sfsim.DemoPassword+sfsim.DemoSecurityToken+`</urn:password></urn:login>`))
		code := strings.TrimPrefix(r.root.path("Body", "Fault").child("faultcode").Text, "sf:")
		if code != "UNSUPPORTED_API_VERSION" && code != "INVALID_OPERATION" {
			t.Errorf("login at 65.0: faultcode %q, want sf:UNSUPPORTED_API_VERSION or sf:INVALID_OPERATION:\n%s", code, r.body)
			return
		}
		r.wantFault(t, code, "UnexpectedErrorFault")
	})
}

// TestClientFaults checks the transport-level refusals: soapenv:Client,
// no detail, HTTP 500 (samples fault-client-*).
func TestClientFaults(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	login := envelope("", `<urn:login><urn:username>`+sfsim.DemoUsername+`</urn:username><urn:password>x</urn:password></urn:login>`)
	cases := []struct {
		name, contentType string
		body              []byte
		want              string // faultstring; "" = any
	}{
		{"JSON content type", "application/json", login, "content-type of the request should be text/xml"},
		{"SOAP 1.2 content type", "application/soap+xml; charset=utf-8", login, "content-type of the request should be text/xml"},
		{"no content type", "", login, "content-type of the request should be text/xml"},
		{"empty body", "text/xml; charset=UTF-8", nil, "Premature end of file."},
		{"not XML", "text/xml", []byte("this is not XML"), ""},
		{"unclosed envelope", "text/xml", login[:len(login)-20], ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.post(c.name, s.soapURL(APIVersion), c.contentType, c.body)
			r.wantFault(t, c.want, "")
		})
	}
}

// TestPerRecordErrors checks failures inside results: HTTP 200, success
// false, a nil id, and Error with statusCode, message and fields.
func TestPerRecordErrors(t *testing.T) {
	t.Parallel()
	s := newSim(t, sfsim.Config{SeedAccounts: -1})
	cases := []struct {
		name, op, body string
		status         string
		fields         []string // nil: not checked (no real sample or doc shows them)
	}{
		{"create without a required field", "create", `<urn:create><urn:sObjects>` + sobject("Account", "Phone", "1") + `</urn:sObjects></urn:create>`, "REQUIRED_FIELD_MISSING", []string{"Name"}},
		{"update a malformed id", "update", `<urn:update><urn:sObjects>` + sobject("Account", "Id", "001bad", "Name", "x") + `</urn:sObjects></urn:update>`, "MALFORMED_ID", nil},
		// The real sample's message and shape: no fields, nil id.
		{"delete a malformed id", "delete", `<urn:delete><urn:ids>006i000004DAKd</urn:ids></urn:delete>`, "MALFORMED_ID", []string{}},
		{"restricted picklist", "create", `<urn:create><urn:sObjects>` + sobject("Account", "Name", "x", "Tier__c", "Diamond") + `</urn:sObjects></urn:create>`, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", []string{"Tier__c"}},
		{"string too long", "create", `<urn:create><urn:sObjects>` + sobject("Account", "Name", strings.Repeat("n", 256)) + `</urn:sObjects></urn:create>`, "STRING_TOO_LONG", []string{"Name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := s.call(c.name, "", c.body)
			r.wantOK(t)
			res := results(r, c.op)
			if len(res) != 1 {
				t.Fatalf("%d results:\n%s", len(res), r.body)
			}
			e := res[0].child("errors")
			if res[0].child("success").Text != "false" || e.child("statusCode").Text != c.status || e.child("message").Text == "" {
				t.Errorf("want success false with statusCode %s and a message:\n%s", c.status, r.body)
			}
			if !res[0].child("id").isNil() {
				t.Errorf("failed %s: id is not xsi:nil:\n%s", c.op, r.body)
			}
			var fields []string
			for _, f := range e.all("fields") {
				fields = append(fields, f.Text)
			}
			if c.fields != nil && strings.Join(fields, ",") != strings.Join(c.fields, ",") {
				t.Errorf("fields %v, want %v", fields, c.fields)
			}
		})
	}

	// Partial success: good records are saved beside the bad one.
	r := s.call("partial success", "", `<urn:create><urn:sObjects>`+sobject("Account", "Name", "good")+`</urn:sObjects><urn:sObjects>`+sobject("Account", "Phone", "1")+`</urn:sObjects></urn:create>`)
	r.wantOK(t)
	if res := results(r, "create"); len(res) != 2 || res[0].child("success").Text != "true" || res[1].child("success").Text != "false" {
		t.Errorf("partial success: want true then false:\n%s", r.body)
	}
	// All or none: the good record is rolled back too.
	r = s.call("all or none", `<urn:AllOrNoneHeader><urn:allOrNone>true</urn:allOrNone></urn:AllOrNoneHeader>`,
		`<urn:create><urn:sObjects>`+sobject("Account", "Name", "good")+`</urn:sObjects><urn:sObjects>`+sobject("Account", "Phone", "1")+`</urn:sObjects></urn:create>`)
	r.wantOK(t)
	if res := results(r, "create"); len(res) != 2 || res[0].child("success").Text != "false" || !res[0].child("id").isNil() || res[1].child("success").Text != "false" {
		t.Errorf("allOrNone: want both failed with nil ids:\n%s", r.body)
	}
}
