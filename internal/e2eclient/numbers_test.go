package e2eclient

import (
	"encoding/json"
	"testing"
)

// TestConditionValuesKeepTheirDigits sends filter values through the
// generated union types: a number must reach the wire as written, not
// rounded to float32 (which a `type: number` without `format: double`
// makes oapi-codegen generate).
func TestConditionValuesKeepTheirDigits(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		v    float64
		want string
	}{
		{"currency", 12345678.91, "12345678.91"},
		{"beyond 2^24", 16777217, "16777217"},
		{"small fraction", 0.1, "0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var eq NullableScalar
			if err := eq.FromNullableScalar1(NullableScalar1(tt.v)); err != nil {
				t.Fatal(err)
			}
			if got := marshal(t, eq); got != tt.want {
				t.Errorf("= value %s, want %s", got, tt.want)
			}
			var rng RangeComparison_Value
			if err := rng.FromRangeComparisonValue1(RangeComparisonValue1(tt.v)); err != nil {
				t.Fatal(err)
			}
			if got := marshal(t, rng); got != tt.want {
				t.Errorf("< value %s, want %s", got, tt.want)
			}
			var item Scalar
			if err := item.FromScalar1(Scalar1(tt.v)); err != nil {
				t.Fatal(err)
			}
			if got := marshal(t, item); got != tt.want {
				t.Errorf("in item %s, want %s", got, tt.want)
			}
		})
	}
}

func marshal(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
