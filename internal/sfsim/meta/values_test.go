package meta

import (
	"math"
	"testing"
	"time"
)

func TestFormatDouble(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   float64
		want string
	}{
		// The two examples of Salesforce knowledge article 000221617.
		{1234567, "1234567.0"},
		{12345678, "1.2345678E7"},
		{1e7, "1.0E7"},
		{9999999.99, "9999999.99"},
		{35000000, "3.5E7"},
		{12.5, "12.5"},
		{100, "100.0"},
		{-5, "-5.0"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.001, "0.001"},
		{0.0001, "1.0E-4"},
		{1.5e-10, "1.5E-10"},
		{-2.5e12, "-2.5E12"},
		{1e21, "1.0E21"},
		{math.Inf(1), "INF"},
		{math.Inf(-1), "-INF"},
		{math.NaN(), "NaN"},
	}
	for _, tc := range tests {
		if got := FormatDouble(tc.in); got != tc.want {
			t.Errorf("FormatDouble(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatDateTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 5, 6, 7, 890_000_000, time.FixedZone("CET", 3600))
	if got := FormatDateTime(at); got != "2026-03-04T04:06:07.890Z" {
		t.Errorf("FormatDateTime = %q", got)
	}
	for _, tc := range []time.Time{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2024, 2, 29, 7, 8, 9, 1_000_000, time.FixedZone("X", -9*3600-1800)),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Unix(1_800_000_000, 123_456_789),
	} {
		if got, want := FormatDateTime(tc), tc.UTC().Format(DateTimeLayout); got != want {
			t.Errorf("FormatDateTime(%v) = %q, want %q", tc, got, want)
		}
	}
	if got := FormatDate(at); got != "2026-03-04" {
		t.Errorf("FormatDate = %q", got)
	}
}
