package soql

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// realSource runs the engine over the emulator's real schema (describes
// captured from real orgs, loaded by meta.Load).
type realSource struct {
	schema  *meta.Schema
	records map[string][]meta.Record
	byID    map[string]meta.Record
	objOf   map[string]string
}

func newRealSource(t *testing.T) *realSource {
	t.Helper()
	schema, err := meta.Load()
	if err != nil {
		t.Fatalf("meta.Load: %v", err)
	}
	return &realSource{schema: schema, records: map[string][]meta.Record{}, byID: map[string]meta.Record{}, objOf: map[string]string{}}
}

func (s *realSource) add(t *testing.T, object string, r meta.Record) string {
	t.Helper()
	o, ok := s.schema.Object(object)
	if !ok || o.KeyPrefix == nil {
		t.Fatalf("no object %s with a key prefix", object)
	}
	id := meta.NewID(*o.KeyPrefix)
	r["Id"] = id
	if r["IsDeleted"] == "" {
		r["IsDeleted"] = "false"
	}
	s.records[o.Name] = append(s.records[o.Name], r)
	s.byID[canonID(id)] = r
	s.objOf[canonID(id)] = o.Name
	return id
}

func (s *realSource) Object(name string) (*meta.Object, bool) { return s.schema.Object(name) }
func (s *realSource) Records(object string) []meta.Record     { return s.records[object] }
func (s *realSource) Get(id string) (string, meta.Record, bool) {
	r, ok := s.byID[canonID(id)]
	return s.objOf[canonID(id)], r, ok
}

func TestRealDescribes(t *testing.T) {
	t.Parallel()
	src := newRealSource(t)
	owner := src.add(t, "User", meta.Record{"Name": "Olive Owner", "Username": "olive@sfsim.local"})
	acme := src.add(t, "Account", meta.Record{"Name": "Acme", "OwnerId": owner, "Industry": "Energy", "BillingCity": "Paris",
		"BillingCountry": "France", "BillingLatitude": "48.85", "Description": "long"})
	src.add(t, "Contact", meta.Record{"LastName": "Able", "FirstName": "Ann", "Name": "Ann Able", "AccountId": acme, "OwnerId": owner,
		"MailingStreet": "1 Rue", "Email": "ann@acme.test"})
	src.add(t, "Opportunity", meta.Record{"Name": "Big deal", "AccountId": acme, "Amount": "100000.50", "CloseDate": "2026-11-15", "StageName": "Prospecting", "OwnerId": owner})
	src.add(t, "Lead", meta.Record{"LastName": "Lee", "Name": "Lee", "Company": "Lee Co", "City": "Lyon", "OwnerId": owner})
	src.add(t, "Case", meta.Record{"Subject": "Broken", "AccountId": acme, "OwnerId": owner})
	src.add(t, "Invoice__c", meta.Record{"Name": "INV-1", "Account__c": acme, "Invoice_Number__c": "1", "Amount__c": "10.00", "Status__c": "Paid", "Key_Account__c": ""})
	src.add(t, "Invoice__c", meta.Record{"Name": "INV-2", "Account__c": acme, "Invoice_Number__c": "2", "Amount__c": "99.99", "Status__c": "Draft"})

	tests := []struct{ soql, want string }{
		{"SELECT Name, Owner.Name, BillingAddress, (SELECT LastName FROM Contacts), (SELECT Name FROM Opportunities) FROM Account",
			"Name=Acme Owner=(User Name=Olive Owner) BillingAddress={address latitude:48.85 city:Paris country:France} Contacts=[LastName=Able] Opportunities=[Name=Big deal]"},
		{"SELECT Name, Account.Owner.Name, MailingAddress FROM Contact WHERE Account.Industry = 'Energy' AND Email LIKE '%@acme.test'",
			"Name=Ann Able Account=(Account Owner=(User Name=Olive Owner)) MailingAddress={address street:1 Rue}"},
		{"SELECT Name, Amount FROM Opportunity WHERE CloseDate = THIS_MONTH AND Amount > 100000.49 ORDER BY Amount DESC",
			"Name=Big deal Amount=100000.50"},
		{"SELECT Name, Address FROM Lead", "Name=Lee Address={address city:Lyon}"},
		// Case.OwnerId is [Group, User] in the real describe: the parent is the Name entity.
		{"SELECT Subject, Owner.Name, Owner.Username, Owner.Type FROM Case", "Subject=Broken Owner=(Name Name=Olive Owner Username=olive@sfsim.local Type=User)"},
		{"SELECT COUNT() FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE Name = 'Acme')", "count=1"},
		{"SELECT Name, Account__r.Name, Account__r.Key_Account__c FROM Invoice__c WHERE Amount__c > 50 OR Status__c = 'Paid' ORDER BY Status__c",
			"Name=INV-2 Account__r=(Account Name=Acme Key_Account__c=false) | Name=INV-1 Account__r=(Account Name=Acme Key_Account__c=false)"},
		{"SELECT Name, (SELECT Invoice_Number__c FROM Invoices__r ORDER BY Invoice_Number__c DESC) FROM Account",
			"Name=Acme Invoices__r=[Invoice_Number__c=2; Invoice_Number__c=1]"},
	}
	for _, tt := range tests {
		res, err := Run(tt.soql, src, Options{Now: now})
		if err != nil {
			t.Errorf("Run(%q): %v", tt.soql, err)
			continue
		}
		if got := render(res); got != tt.want {
			t.Errorf("Run(%q)\n got: %s\nwant: %s", tt.soql, got, tt.want)
		}
	}

	errs := []struct{ soql, code, last string }{
		{"select adfId, Name, Account.Name from Contact", CodeInvalidField, "No such column 'adfId' on entity 'Contact'." + fieldHint},
		{"SELECT Id FROM Account WHERE Description = 'x'", CodeInvalidField, "field 'Description' can not be filtered in a query call"},
		{"SELECT Id FROM Opportunity WHERE CloseDate = '2026-01-01'", CodeInvalidField,
			"value of filter criterion for field 'CloseDate' must be of type date and should not be enclosed in quotes"},
		{"SELECT Owner.CompanyName FROM Case", CodeInvalidField, "No such column 'CompanyName' on entity 'Name'." + fieldHint},
		{"SELECT Id FROM Acount", CodeInvalidType, "sObject type 'Acount' is not supported." + typeHint},
	}
	for _, tt := range errs {
		_, err := Run(tt.soql, src, Options{Now: now})
		var se *Error
		if !errors.As(err, &se) {
			t.Errorf("Run(%q) = %v, want *Error", tt.soql, err)
			continue
		}
		lines := strings.Split(se.Message, "\n")
		if diff := cmp.Diff([]string{tt.code, tt.last}, []string{se.Code, lines[len(lines)-1]}); diff != "" {
			t.Errorf("Run(%q) (-want +got):\n%s", tt.soql, diff)
		}
	}
}
