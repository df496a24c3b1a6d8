package soql

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func renderSearch(res *SearchResult) string {
	var parts []string
	for _, g := range res.Groups {
		rows := make([]string, len(g.Rows))
		for i, r := range g.Rows {
			rows[i] = renderRow(r)
		}
		parts = append(parts, g.Object+": "+strings.Join(rows, " | "))
	}
	return strings.Join(parts, " || ")
}

func TestSearch(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	tests := []struct {
		name, sosl, want string
	}{
		{"one object", "FIND {acme} RETURNING Account(Id, Name)", "Account: Id=001000000000001AAA Name=Acme"},
		{"all fields reach e-mail", "FIND {acme} RETURNING Account(Name), Contact(Name ORDER BY Name)",
			"Account: Name=Acme || Contact: Name=Ann Able | Name=Bob Baker"},
		{"name fields only", "find {ACME} in name fields returning Account(Name), Contact(Name)", "Account: Name=Acme"},
		{"trailing wildcard", "FIND {glo*} RETURNING Account(Name)", "Account: Name=globex"},
		{"single-character wildcard", "FIND {ac?e} RETURNING Account(Name)", "Account: Name=Acme"},
		{"phrase in order", `FIND {"ann able"} IN NAME FIELDS RETURNING Contact(Name)`, "Contact: Name=Ann Able"},
		{"phrase out of order", `FIND {"able ann"} IN NAME FIELDS RETURNING Contact(Name)`, ""},
		{"e-mail scope", "FIND {bob@acme.test} IN EMAIL FIELDS RETURNING Contact(Name)", "Contact: Name=Bob Baker"},
		{"phone digits", "FIND {4155550101} IN PHONE FIELDS RETURNING Contact(Name)", "Contact: Name=Ann Able"},
		{"OR", "FIND {acme OR globex} RETURNING Account(Name ORDER BY Name DESC)", "Account: Name=globex | Name=Acme"},
		{"AND NOT", "FIND {gold AND NOT partner} RETURNING Account(Name)", "Account: Name=Initech 50%_off"},
		{"WHERE in RETURNING", "FIND {Gold} RETURNING Account(Name WHERE Active__c = true ORDER BY Name)", "Account: Name=Acme | Name=Initech 50%_off"},
		{"per-object LIMIT", "FIND {Gold} RETURNING Account(Name ORDER BY Name LIMIT 1)", "Account: Name=Acme"},
		{"overall LIMIT", "FIND {acme} RETURNING Account(Name), Contact(Name ORDER BY Name) LIMIT 2", "Account: Name=Acme || Contact: Name=Ann Able"},
		{"no field list gives Id", "FIND {acme} RETURNING Account", "Account: Id=001000000000001AAA"},
		{"deleted rows are not found", "FIND {umbrella} RETURNING Account(Name)", ""},
		{"parent path in RETURNING", "FIND {globex} RETURNING Account(Name, Parent.Name)", "Account: Name=globex Parent=(Account Name=Acme)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := RunSearch(tt.sosl, src, Options{Now: now})
			if err != nil {
				t.Fatalf("RunSearch(%q): %v", tt.sosl, err)
			}
			if got := renderSearch(res); got != tt.want {
				t.Errorf("RunSearch(%q)\n got: %s\nwant: %s", tt.sosl, got, tt.want)
			}
		})
	}
}

func TestSearchRecordsKeepsReturningOrder(t *testing.T) {
	t.Parallel()
	res, err := RunSearch("FIND {acme} RETURNING Contact(Name ORDER BY Name DESC), Account(Name)", newMemSource(), Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range res.Records() {
		got = append(got, r.Type+":"+r.Items[0].Value)
	}
	want := []string{"Contact:Bob Baker", "Contact:Ann Able", "Account:Acme"}
	if !cmp.Equal(got, want) {
		t.Errorf("Records() = %v, want %v", got, want)
	}
}

// listing adds ObjectNames to the test org; only Account is searchable.
type listing struct{ *memSource }

func (l listing) ObjectNames() []string { return []string{"Contact", "Account", "User"} }

func TestSearchWithoutReturningUsesSearchableObjects(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	src.objects["account"].Searchable = true
	res, err := RunSearch("FIND {acme}", listing{src}, Options{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := renderSearch(res), "Account: Id=001000000000001AAA"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	res, err = RunSearch("FIND {acme}", src, Options{Now: now})
	if err != nil || len(res.Groups) != 0 {
		t.Errorf("without an ObjectLister: %v, %v; want no groups", renderSearch(res), err)
	}
}

func TestSearchErrors(t *testing.T) {
	t.Parallel()
	src := newMemSource()
	tests := []struct {
		name, sosl string
		want       *Error
	}{
		{"no braces", "FIND acme RETURNING Account", &Error{Code: CodeMalformedSearch,
			Message: "No search term found. The search term must be enclosed in braces."}},
		{"one character", "FIND {g} RETURNING Account", &Error{Code: CodeInvalidSearch,
			Message: "search term must be longer than one character: g"}},
		{"one character and a wildcard", "FIND {g*} RETURNING Account", &Error{Code: CodeInvalidSearch,
			Message: "search term must be longer than one character: g*"}},
		{"unknown object", "FIND {acme} RETURNING Acount(Id)", &Error{Code: CodeInvalidType,
			Message: "\nFIND {acme} RETURNING Acount(Id)\n                      ^\nERROR at Row:1:Column:23\nsObject type 'Acount' is not supported." + typeHint, Row: 1, Column: 23}},
		{"unknown field", "FIND {acme} RETURNING Account(Nmae)", &Error{Code: CodeInvalidField,
			Message: "\nFIND {acme} RETURNING Account(Nmae)\n                              ^\nERROR at Row:1:Column:31\nNo such column 'Nmae' on entity 'Account'." + fieldHint, Row: 1, Column: 31}},
		{"bad scope", "FIND {acme} IN BOGUS FIELDS", &Error{Code: CodeMalformedSearch,
			Message: "\nFIND {acme} IN BOGUS FIELDS\n               ^\nERROR at Row:1:Column:16\nunexpected token: 'BOGUS'", Row: 1, Column: 16}},
		{"unclosed field list", "FIND {acme} RETURNING Account(Id", &Error{Code: CodeMalformedSearch,
			Message: "\nFIND {acme} RETURNING Account(Id\n                                ^\nERROR at Row:1:Column:33\nunexpected token: <EOF>", Row: 1, Column: 33}},
		{"not FIND", "SELECT Id FROM Account", &Error{Code: CodeMalformedSearch,
			Message: "\nSELECT Id FROM Account\n^\nERROR at Row:1:Column:1\nunexpected token: 'SELECT'", Row: 1, Column: 1}},
		{"bad character after the term", "FIND {acme} RETURNING Account$", &Error{Code: CodeMalformedSearch,
			Message: "\nFIND {acme} RETURNING Account$\n                            ^\nERROR at Row:1:Column:29\nline 1:29 no viable alternative at character '$'", Row: 1, Column: 29}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := RunSearch(tt.sosl, src, Options{Now: now})
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("RunSearch(%q) = %v, want *Error", tt.sosl, err)
			}
			if diff := cmp.Diff(tt.want, se); diff != "" {
				t.Errorf("RunSearch(%q) (-want +got):\n%s", tt.sosl, diff)
			}
		})
	}
}
