package service

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// fld builds a describe field of type typ, nillable, createable and
// updateable unless mods say otherwise.
func fld(name, typ string, mods ...func(*partner.DescribeField)) partner.DescribeField {
	f := partner.DescribeField{Name: name, Label: name, Type: typ, Nillable: true, Createable: true, Updateable: true, Filterable: true, Sortable: true}
	for _, m := range mods {
		m(&f)
	}
	return f
}

func length(n int) func(*partner.DescribeField) {
	return func(f *partner.DescribeField) { f.Length = n }
}

func prec(p, s int) func(*partner.DescribeField) {
	return func(f *partner.DescribeField) { f.Precision, f.Scale = p, s }
}

func picklist(restricted bool, values ...string) func(*partner.DescribeField) {
	return func(f *partner.DescribeField) {
		f.RestrictedPicklist = restricted
		for _, v := range values {
			active := !strings.HasPrefix(v, "-")
			f.PicklistValues = append(f.PicklistValues, partner.PicklistEntry{Value: strings.TrimPrefix(v, "-"), Active: active})
		}
	}
}

func required(f *partner.DescribeField) { f.Nillable = false }

func readOnly(f *partner.DescribeField) { f.Createable, f.Updateable = false, false }

func createOnly(f *partner.DescribeField) { f.Updateable = false }

func notFilterable(f *partner.DescribeField) { f.Filterable, f.Sortable = false, false }

func refTo(rel string, objs ...string) func(*partner.DescribeField) {
	return func(f *partner.DescribeField) { f.RelationshipName, f.ReferenceTo = rel, objs }
}

func num(s string) json.Number { return json.Number(s) }

// toSalesforceCase is one value for one field: the text Salesforce takes,
// or the code of the refusal.
type toSalesforceCase struct {
	name  string
	field partner.DescribeField
	in    any
	want  string
	code  string
}

func runToSalesforce(t *testing.T, cases []toSalesforceCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got, e := toSalesforce(&c.field, c.in)
			gotCode := ""
			if e != nil {
				gotCode = e.code
			}
			if gotCode != c.code || got != c.want {
				t.Errorf("toSalesforce(%s %v) = %q, %v; want %q, code %q", c.field.Type, c.in, got, e, c.want, c.code)
			}
		})
	}
}

// TestToSalesforceIDs checks ids: normalised to 18 characters, refused with the reason.
func TestToSalesforceIDs(t *testing.T) {
	t.Parallel()
	runToSalesforce(t, []toSalesforceCase{
		{"id 18 chars kept", fld("Id", "id"), "001000000000001AAA", "001000000000001AAA", ""},
		{"id 15 chars normalised to 18", fld("Id", "id"), "001000000000001", "001000000000001AAA", ""},
		{"id 15 chars with case", fld("Id", "id"), "0015g00000AbCdE", "0015g00000AbCdEAAV", ""},
		{"id 18 lower-cased restored", fld("ParentId", "reference"), "0015g00000abcdeaav", "0015g00000AbCdEAAV", ""},
		{"id bad length", fld("Id", "id"), "001abc", "", codeMalformedID},
		{"id bad characters", fld("Id", "id"), "001000000000-01", "", codeMalformedID},
		{"id a number", fld("Id", "id"), num("1"), "", codeWrongType},
	})
}

// TestToSalesforceText checks strings and picklists: characters XML can carry, lengths in characters, restricted values.
func TestToSalesforceText(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 6)
	runToSalesforce(t, []toSalesforceCase{
		{"string", fld("Name", "string", length(5)), "héllo", "héllo", ""},
		{"string counts characters not bytes", fld("Name", "string", length(5)), long, "", codeTooLong},
		{"string keeps XML specials for the encoder", fld("Name", "string"), `<a & "b">`, `<a & "b">`, ""},
		{"string tab newline CR allowed", fld("Name", "textarea"), "a\tb\nc\r", "a\tb\nc\r", ""},
		{"string control char refused", fld("Name", "string"), "a\x01b", "", codeInvalidCharacter},
		{"string NUL refused", fld("Name", "string"), "a\x00", "", codeInvalidCharacter},
		{"string U+FFFE refused", fld("Name", "string"), "a\uFFFE", "", codeInvalidCharacter},
		{"string invalid UTF-8 refused", fld("Name", "string"), "a\xffb", "", codeInvalidCharacter},
		{"string a number", fld("Name", "string"), num("5"), "", codeWrongType},
		{"string a bool", fld("Name", "string"), true, "", codeWrongType},
		{"textarea", fld("D", "textarea", length(32000)), "x", "x", ""},
		{"email", fld("E", "email", length(80)), "a@b.c", "a@b.c", ""},
		{"phone", fld("P", "phone", length(40)), "+33 1", "+33 1", ""},
		{"url", fld("U", "url", length(255)), "https://x", "https://x", ""},
		{"combobox takes any value", fld("C", "combobox", picklist(false, "a")), "zzz", "zzz", ""},
		{"encryptedstring", fld("S", "encryptedstring", length(175)), "secret", "secret", ""},
		{"picklist restricted ok", fld("Rating", "picklist", picklist(true, "Hot", "Cold")), "Hot", "Hot", ""},
		{"picklist restricted refuses other", fld("Rating", "picklist", picklist(true, "Hot", "Cold")), "Warm", "", codeBadPicklist},
		{"picklist restricted refuses inactive", fld("Rating", "picklist", picklist(true, "Hot", "-Old")), "Old", "", codeBadPicklist},
		{"picklist unrestricted takes other", fld("Rating", "picklist", picklist(false, "Hot")), "Warm", "Warm", ""},
		{"multipicklist array joined", fld("Tags", "multipicklist", picklist(true, "A", "B")), []any{"A", "B"}, "A;B", ""},
		{"multipicklist empty array", fld("Tags", "multipicklist"), []any{}, "", ""},
		{"multipicklist string refused", fld("Tags", "multipicklist"), "A;B", "", codeWrongType},
		{"multipicklist item with ;", fld("Tags", "multipicklist"), []any{"A;B"}, "", codeWrongType},
		{"multipicklist item not string", fld("Tags", "multipicklist"), []any{"A", num("1")}, "", codeWrongType},
		{"multipicklist restricted value", fld("Tags", "multipicklist", picklist(true, "A")), []any{"A", "Z"}, "", codeBadPicklist},
		{"multipicklist length", fld("Tags", "multipicklist", length(3)), []any{"AB", "CD"}, "", codeTooLong},
	})
}

// TestToSalesforceNumbers checks booleans and numbers: exact decimal text, never rounded, within range; a decimal's integer part within precision − scale, its decimal places unbounded.
func TestToSalesforceNumbers(t *testing.T) {
	t.Parallel()
	runToSalesforce(t, []toSalesforceCase{
		{"boolean true", fld("B", "boolean"), true, "true", ""},
		{"boolean false", fld("B", "boolean"), false, "false", ""},
		{"boolean a string", fld("B", "boolean"), "true", "", codeWrongType},
		{"int", fld("N", "int"), num("42"), "42", ""},
		{"int exponent", fld("N", "int"), num("1e3"), "1000", ""},
		{"int .0 is whole", fld("N", "int"), num("4.0"), "4", ""},
		{"int fraction", fld("N", "int"), num("4.5"), "", codeWrongType},
		{"int min", fld("N", "int"), num("-2147483648"), "-2147483648", ""},
		{"int overflow", fld("N", "int"), num("2147483648"), "", codeOutOfRange},
		{"int a string", fld("N", "int"), "42", "", codeWrongType},
		{"long max", fld("N", "long"), num("9223372036854775807"), "9223372036854775807", ""},
		{"long overflow", fld("N", "long"), num("9223372036854775808"), "", codeOutOfRange},
		{"long min", fld("N", "long"), num("-9223372036854775808"), "-9223372036854775808", ""},
		{"double exact 18 digits", fld("D", "double", prec(18, 2)), num("1234567890123456.78"), "1234567890123456.78", ""},
		{"double huge decimal kept exact (no precision)", fld("D", "double"), num("12345678901234567.89"), "12345678901234567.89", ""},
		{"double huge decimal over precision", fld("D", "double", prec(18, 2)), num("12345678901234567.89"), "", codeOutOfRange},
		{"double decimals beyond the scale kept", fld("D", "double", prec(18, 2)), num("1.234"), "1.234", ""},
		{"double 16 integer digits and many decimals", fld("D", "double", prec(18, 2)), num("1234567890123456.123456789"), "1234567890123456.123456789", ""},
		{"double 17 integer digits refused", fld("D", "double", prec(18, 2)), num("12345678901234567"), "", codeOutOfRange},
		{"double trailing zeros are not scale", fld("D", "double", prec(18, 2)), num("1.2300"), "1.23", ""},
		{"double exponent", fld("D", "double", prec(18, 2)), num("1e2"), "100", ""},
		{"double negative exponent", fld("D", "double", prec(18, 2)), num("1e-2"), "0.01", ""},
		{"double negative exponent beyond the scale", fld("D", "double", prec(18, 2)), num("1e-3"), "0.001", ""},
		{"double a string", fld("D", "double"), "1.5", "", codeWrongType},
		{"currency", fld("C", "currency", prec(18, 0)), num("-123456789012345678"), "-123456789012345678", ""},
		{"currency scale 0 keeps cents (the spec's example)", fld("C", "currency", prec(18, 0)), num("1250000.50"), "1250000.5", ""},
		{"currency many decimals sent exactly", fld("C", "currency", prec(18, 0)), num("1250000.123456789"), "1250000.123456789", ""},
		{"currency 19 integer digits refused", fld("C", "currency", prec(18, 0)), num("1234567890123456789.5"), "", codeOutOfRange},
		{"negative integer part bounded too", fld("C", "currency", prec(18, 2)), num("-12345678901234567.5"), "", codeOutOfRange},
		{"percent", fld("P", "percent", prec(5, 2)), num("99.99"), "99.99", ""},
		{"percent over", fld("P", "percent", prec(5, 2)), num("1000"), "", codeOutOfRange},
	})
}

// TestNumberRangeMessage checks the refusal of an integer part too long
// for precision − scale speaks Salesforce's words and never echoes the value.
func TestNumberRangeMessage(t *testing.T) {
	t.Parallel()
	f := fld("AnnualRevenue", "currency", prec(18, 2))
	_, e := toSalesforce(&f, num("98765432109876543.25"))
	if e == nil || e.code != codeOutOfRange {
		t.Fatalf("got %v, want %s", e, codeOutOfRange)
	}
	if !strings.HasPrefix(e.msg, "value outside of valid range on numeric field") || strings.Contains(e.msg, "98765") {
		t.Errorf("message %q: want Salesforce's wording without the value", e.msg)
	}
}

// TestToSalesforceTimes checks dates, date-times (sent in UTC) and times.
func TestToSalesforceTimes(t *testing.T) {
	t.Parallel()
	runToSalesforce(t, []toSalesforceCase{
		{"date", fld("D", "date"), "2024-02-29", "2024-02-29", ""},
		{"date not a day", fld("D", "date"), "2023-02-29", "", codeBadDate},
		{"date short form", fld("D", "date"), "2024-2-1", "", codeBadDate},
		{"date with time", fld("D", "date"), "2024-01-01T00:00:00Z", "", codeBadDate},
		{"date a number", fld("D", "date"), num("20240101"), "", codeWrongType},
		{"datetime offset to UTC", fld("T", "datetime"), "2024-05-01T12:30:00+02:00", "2024-05-01T10:30:00.000Z", ""},
		{"datetime fraction", fld("T", "datetime"), "2024-05-01T12:30:00.5Z", "2024-05-01T12:30:00.500Z", ""},
		{"datetime date only", fld("T", "datetime"), "2024-05-01", "", codeBadDate},
		{"datetime space", fld("T", "datetime"), "2024-05-01 12:30:00Z", "", codeBadDate},
		{"datetime no zone", fld("T", "datetime"), "2024-05-01T12:30:00", "", codeBadDate},
		{"time short", fld("T", "time"), "12:30", "12:30:00.000Z", ""},
		{"time fraction", fld("T", "time"), "12:30:15.5Z", "12:30:15.500Z", ""},
		{"time bad hour", fld("T", "time"), "25:00", "", codeBadDate},
		{"time junk", fld("T", "time"), "noon", "", codeBadDate},
	})
}

// TestToSalesforceOtherTypes checks base64, compounds (read-only), anyType, and a type known only by its soapType.
func TestToSalesforceOtherTypes(t *testing.T) {
	t.Parallel()
	runToSalesforce(t, []toSalesforceCase{
		{"base64", fld("B", "base64"), "aGVsbG8=", "aGVsbG8=", ""},
		{"base64 bad", fld("B", "base64"), "not base64!", "", codeWrongType},
		{"address read-only", fld("BillingAddress", "address"), map[string]any{"city": "x"}, "", codeReadOnlyCompound},
		{"location read-only", fld("Loc__c", "location"), map[string]any{"latitude": num("1")}, "", codeReadOnlyCompound},
		{"anyType string", fld("V", "anyType"), "x", "x", ""},
		{"anyType number", fld("V", "anyType"), num("1.50"), "1.5", ""},
		{"anyType bool", fld("V", "anyType"), true, "true", ""},
		{"anyType object", fld("V", "anyType"), map[string]any{}, "", codeWrongType},
		{"unknown type by soapType", fld("X", "futuretype", func(f *partner.DescribeField) { f.SoapType = "xsd:int" }), num("7"), "7", ""},
	})
}

func TestFromSalesforce(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		field partner.DescribeField
		in    string
		want  any
	}{
		{"boolean true", fld("B", "boolean"), "true", true},
		{"boolean false", fld("B", "boolean"), "false", false},
		{"int", fld("N", "int"), "42", num("42")},
		{"long", fld("N", "long"), "9223372036854775807", num("9223372036854775807")},
		{"double Java exponent", fld("D", "double"), "5.59335E8", num("559335000")},
		{"currency beyond its scale read unrounded", fld("C", "currency", prec(18, 0)), "1250000.123456789", num("1250000.123456789")},
		{"double 18 significant digits read exactly", fld("D", "double", prec(18, 2)), "1234567890123456.78", num("1234567890123456.78")},
		{"double Java .0", fld("D", "double"), "350000.0", num("350000")},
		{"double small exponent", fld("D", "double"), "1.0E-4", num("0.0001")},
		{"currency huge exact", fld("C", "currency"), "12345678901234567.89", num("12345678901234567.89")},
		{"percent negative", fld("P", "percent"), "-12.50", num("-12.5")},
		{"number garbage passed on", fld("N", "int"), "abc", "abc"},
		{"multipicklist", fld("M", "multipicklist"), "a;b;c", []any{"a", "b", "c"}},
		{"datetime to RFC 3339", fld("T", "datetime"), "2026-11-30T12:00:00.000Z", "2026-11-30T12:00:00Z"},
		{"datetime ms kept", fld("T", "datetime"), "2026-11-30T12:00:00.123Z", "2026-11-30T12:00:00.123Z"},
		{"date", fld("D", "date"), "2024-02-29", "2024-02-29"},
		{"time", fld("T", "time"), "12:30:00.000Z", "12:30:00.000Z"},
		{"id", fld("Id", "id"), "001000000000001AAA", "001000000000001AAA"},
		{"string with XML specials", fld("S", "string"), "<&>", "<&>"},
		{"base64", fld("B", "base64"), "aGk=", "aGk="},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := fromSalesforce(&c.field, c.in)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("fromSalesforce(%s %q) (-want +got):\n%s", c.field.Type, c.in, diff)
			}
		})
	}
}

func TestFromXSIType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		t    partner.XSIType
		in   string
		want any
	}{
		{partner.TypeInt, "3", num("3")},
		{partner.TypeDouble, "2.5E1", num("25")},
		{partner.TypeBoolean, "true", true},
		{partner.TypeString, "x", "x"},
		{partner.TypeNone, "x", "x"},
	} {
		if got := fromXSIType(c.t, c.in); !cmp.Equal(got, c.want) {
			t.Errorf("fromXSIType(%v, %q) = %#v, want %#v", c.t, c.in, got, c.want)
		}
	}
}

func TestParseDecimal(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"0", "0", true},
		{"-0", "0", true},
		{"-0.000", "0", true},
		{"007", "7", true},
		{"12345678901234567.89", "12345678901234567.89", true},
		{"99999999999999999999999999999.000000000000000000001", "99999999999999999999999999999.000000000000000000001", true},
		{"1E400", "1" + strings.Repeat("0", 400), true},
		{"1E401", "", false},
		{"1.5e-3", "0.0015", true},
		{"-5.59335E8", "-559335000", true},
		{"1.", "", false},
		{".5", "", false},
		{"1e", "", false},
		{"1x", "", false},
		{"", "", false},
		{"NaN", "", false},
		{"Infinity", "", false},
	} {
		d, ok := parseDecimal(c.in)
		if ok != c.ok || (ok && d.String() != c.want) {
			t.Errorf("parseDecimal(%q) = %q, %v; want %q, %v", c.in, d.String(), ok, c.want, c.ok)
		}
	}
}

// account is a describe with one field of each kind that matters to
// writes.
func account() *metadata.Object {
	return metadata.NewObject(&partner.DescribeSObjectResult{Name: "Account", KeyPrefix: "001", ObjectFlags: partner.ObjectFlags{Queryable: true}, Fields: []partner.DescribeField{
		fld("Id", "id", readOnly, required),
		fld("Name", "string", required, length(255)),
		fld("Industry", "picklist", picklist(false, "Energy", "Banking")),
		fld("Rating", "picklist", picklist(true, "Hot", "Cold")),
		fld("Tags__c", "multipicklist", picklist(true, "A", "B", "C")),
		fld("AnnualRevenue", "currency", prec(18, 0)),
		fld("Score__c", "double", prec(18, 2)),
		fld("NumberOfEmployees", "int"),
		fld("Active__c", "boolean", required),
		fld("Founded__c", "date"),
		fld("Seen__c", "datetime"),
		fld("Description", "textarea", length(32000), notFilterable),
		fld("OwnerId", "reference", required, refTo("Owner", "User"), func(f *partner.DescribeField) { f.DefaultedOnCreate = true }),
		fld("ParentId", "reference", refTo("Parent", "Account")),
		fld("Code__c", "string", required, createOnly, length(10), func(f *partner.DescribeField) { f.ExternalID = true }),
		fld("CreatedDate", "datetime", readOnly, required, func(f *partner.DescribeField) { f.DefaultedOnCreate = true }),
		fld("BillingAddress", "address", readOnly),
		fld("BillingCity", "string", length(40)),
	}})
}

func TestEncode(t *testing.T) {
	t.Parallel()
	idx := func(i int) *int { return &i }
	cases := []struct {
		name      string
		mode      writeMode
		in        string
		want      []partner.Field
		errs      []sfgate.FieldError
		malformed bool
	}{
		{
			name: "create typed, sorted, null dropped",
			mode: modeCreate,
			in:   `{"Name":"Acme","Code__c":"A1","Score__c":1234567890123456.78,"Tags__c":["A","C"],"Active__c":true,"ParentId":"001000000000001","Industry":null}`,
			want: []partner.Field{{Name: "Active__c", Value: "true"}, {Name: "Code__c", Value: "A1"}, {Name: "Name", Value: "Acme"},
				{Name: "ParentId", Value: "001000000000001AAA"}, {Name: "Score__c", Value: "1234567890123456.78"}, {Name: "Tags__c", Value: "A;C"}},
		},
		{
			name: "field names are case-insensitive and canonicalised",
			mode: modeCreate,
			in:   `{"name":"Acme","CODE__C":"A1"}`,
			want: []partner.Field{{Name: "Code__c", Value: "A1"}, {Name: "Name", Value: "Acme"}},
		},
		{
			name: "create: each problem named",
			mode: modeCreate,
			in:   `{"Nope__c":1,"CreatedDate":"2024-01-01T00:00:00Z","Rating":"Warm","NumberOfEmployees":"5","BillingAddress":{"city":"x"}}`,
			errs: []sfgate.FieldError{
				{Field: "BillingAddress", Code: codeReadOnlyCompound},
				{Field: "CreatedDate", Code: codeNotCreateable},
				{Field: "Nope__c", Code: codeUnknownField},
				{Field: "NumberOfEmployees", Code: codeWrongType},
				{Field: "Rating", Code: codeBadPicklist},
				{Field: "Name", Code: codeRequired},
				{Field: "Code__c", Code: codeRequired},
			},
		},
		{
			name: "update: null becomes fieldsToNull",
			mode: modeUpdate,
			in:   `{"Industry":null,"Name":"B"}`,
			want: []partner.Field{{Name: "Industry", Nil: true}, {Name: "Name", Value: "B"}},
		},
		{
			name: "update: null on a required field, a create-only field",
			mode: modeUpdate,
			in:   `{"Name":null,"Code__c":"X"}`,
			errs: []sfgate.FieldError{{Field: "Code__c", Code: codeNotUpdateable}, {Field: "Name", Code: codeNotNillable}},
		},
		{
			name: "same field twice in two spellings",
			mode: modeUpdate,
			in:   `{"Name":"a","name":"b"}`,
			errs: []sfgate.FieldError{{Field: "Name", Code: "DUPLICATE_FIELD"}},
		},
		{
			name:      "invalid XML makes it malformed",
			mode:      modeUpdate,
			in:        `{"Name":"a\u0000b","NumberOfEmployees":true}`,
			errs:      []sfgate.FieldError{{Field: "Name", Code: codeInvalidCharacter}, {Field: "NumberOfEmployees", Code: codeWrongType}},
			malformed: true,
		},
		{
			name: "upsert: createable or updateable",
			mode: modeUpsert,
			in:   `{"Code__c":"K","CreatedDate":"2024-01-01T00:00:00Z"}`,
			errs: []sfgate.FieldError{{Field: "CreatedDate", Code: codeNotCreateable}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var p problems
			got := encode(account(), c.mode, rec(t, c.in), nil, idx(3), &p)
			var codes []sfgate.FieldError
			for _, e := range p.errs {
				if e.Index == nil || *e.Index != 3 || e.Message == "" {
					t.Errorf("error %+v: want index 3 and a message", e)
				}
				codes = append(codes, sfgate.FieldError{Field: e.Field, Code: e.Code})
			}
			if diff := cmp.Diff(c.errs, codes); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if p.malformed != c.malformed {
				t.Errorf("malformed = %v, want %v", p.malformed, c.malformed)
			}
			if c.errs == nil {
				if diff := cmp.Diff(c.want, got.Fields); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
				if got.Type != "Account" {
					t.Errorf("type %q", got.Type)
				}
			}
		})
	}
}

func TestProblemsStatus(t *testing.T) {
	t.Parallel()
	var p problems
	p.addf(nil, "A", codeWrongType, "x")
	if e := p.err("d").(*sfgate.Error); e.Kind != sfgate.KindUnprocessable || e.Code != sfgate.CodeValidationFailed {
		t.Errorf("describe refusal: %s %s, want unprocessable", e.Kind, e.Code)
	}
	p.add(nil, "B", checkXML("\x02"))
	if e := p.err("d").(*sfgate.Error); e.Kind != sfgate.KindInvalid || len(e.Errors) != 2 {
		t.Errorf("with an invalid character: %s with %d errors, want invalid naming both", e.Kind, len(e.Errors))
	}
}
