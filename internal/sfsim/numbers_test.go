package sfsim

import (
	"math/big"
	"slices"
	"testing"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
)

// TestNumbersUnrounded: numbers are stored as sent, beyond the field's
// scale, and come back unrounded (Salesforce Help 000212661, 000387302);
// only the integer part is bounded by precision − scale.
func TestNumbersUnrounded(t *testing.T) {
	t.Parallel()
	s := newSim(t, Config{}).login()
	for _, tc := range []struct {
		name, field, sent, want, code string
	}{
		{"currency 18,0 with cents", "AnnualRevenue", "1250000.50", "1250000.5", ""},
		{"currency 18,0 with nine decimals", "AnnualRevenue", "1250000.123456789", "1250000.123456789", ""},
		{"more digits than a double holds", "AnnualRevenue", "1250000.12345678901234", "1250000.12345678901234", ""},
		{"ten million in Java's form", "AnnualRevenue", "12500000", "1.25E7", ""},
		{"big with decimals", "AnnualRevenue", "12345678.9", "1.23456789E7", ""},
		{"eighteen integer digits fit", "AnnualRevenue", "123456789012345678", "1.23456789012345678E17", ""},
		{"nineteen integer digits do not", "AnnualRevenue", "1234567890123456789", "", "NUMBER_OUTSIDE_VALID_RANGE"},
		{"percent 5,2 keeps decimals beyond 2", "Health_Score__c", "99.125", "99.125", ""},
		{"percent 5,2: three integer digits fit", "Health_Score__c", "999.999", "999.999", ""},
		{"percent 5,2: four do not", "Health_Score__c", "1000", "", "NUMBER_OUTSIDE_VALID_RANGE"},
		{"negative", "Health_Score__c", "-12.3456", "-12.3456", ""},
		{"small", "Health_Score__c", "0.0001", "1.0E-4", ""},
		{"exponent input", "AnnualRevenue", "1.5e3", "1500.0", ""},
		{"not a number", "AnnualRevenue", "0x10", "", "INVALID_TYPE_ON_FIELD_IN_RECORD"},
		{"infinity", "AnnualRevenue", "Infinity", "", "INVALID_TYPE_ON_FIELD_IN_RECORD"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := s.as(t)
			res := s.saves("create", "", sobj("Account", "Name", "N "+tc.name, tc.field, tc.sent))[0]
			if tc.code != "" {
				if res.success || !slices.Equal(res.codes, []string{tc.code}) || !slices.Equal(res.fields, []string{tc.field}) {
					t.Fatalf("got %+v, want %s on %s", res, tc.code, tc.field)
				}
				if tc.code == "NUMBER_OUTSIDE_VALID_RANGE" && res.msgs[0] == "" {
					t.Errorf("no message")
				}
				return
			}
			if !res.success {
				t.Fatalf("create failed: %v %v", res.codes, res.msgs)
			}
			if got := s.get("Account", res.id, tc.field).child(tc.field).text; got != tc.want {
				t.Errorf("query: %s = %q, want %q", tc.field, got, tc.want)
			}
			r := s.do("retrieve", "", "<urn:fieldList>"+tc.field+"</urn:fieldList><urn:sObjectType>Account</urn:sObjectType><urn:ids>"+res.id+"</urn:ids>").ok()
			if got := r.text("Body", "retrieveResponse", "result", tc.field); got != tc.want {
				t.Errorf("retrieve: %s = %q, want %q", tc.field, got, tc.want)
			}
		})
	}
	// An update keeps the value unrounded too, and WHERE compares it.
	id := s.create(sobj("Account", "Name", "Upd"))[0]
	if res := s.saves("update", "", sobj("Account", "Id", id, "AnnualRevenue", "2000000.75"))[0]; !res.success {
		t.Fatalf("update: %+v", res)
	}
	r := s.do("query", "", "<urn:queryString>SELECT AnnualRevenue FROM Account WHERE AnnualRevenue > 2000000.5 AND Id = '"+id+"'</urn:queryString>").ok()
	if got := r.text("Body", "queryResponse", "result", "records", "AnnualRevenue"); got != "2000000.75" {
		t.Errorf("after update and WHERE: %q\n%s", got, r.raw)
	}
}

func TestFormatDecimalMatchesFormatDouble(t *testing.T) {
	t.Parallel()
	// Where a double holds the decimal exactly enough, both spell it alike.
	for _, s := range []string{"0", "1", "-1", "350000", "1234567.5", "9999999", "10000000", "0.001", "0.000999", "123.456", "-0.5", "1e21", "5.59335e8"} {
		r, _ := new(big.Rat).SetString(s)
		f, _ := r.Float64()
		if got, want := meta.FormatDecimal(r), meta.FormatDouble(f); got != want {
			t.Errorf("FormatDecimal(%s) = %q, FormatDouble = %q", s, got, want)
		}
	}
}
