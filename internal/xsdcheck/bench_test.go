package xsdcheck_test

import (
	"testing"

	"github.com/sfgate/sfgate/internal/xsdcheck"
)

// BenchmarkValidate compares one xmllint run per document (the baseline)
// with one run per batch: the schemas are compiled once per run, so
// batching is the speed-up xmllint allows (it cannot load precompiled
// schemas). Reported per document.
func BenchmarkValidate(b *testing.B) {
	doc := readSample(b, "query-response-compact-www-salesforce.xml")
	b.Run("one run per document", func(b *testing.B) {
		for b.Loop() {
			if err := xsdcheck.ValidateBytes(b.Context(), doc); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("batch of 64", func(b *testing.B) {
		docs := make([][]byte, 64)
		for i := range docs {
			docs[i] = doc
		}
		n := 0
		for b.Loop() {
			errs, err := xsdcheck.ValidateAll(b.Context(), docs)
			if err != nil || errs[0] != nil {
				b.Fatal(err, errs[0])
			}
			n += len(docs)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/doc")
	})
}
