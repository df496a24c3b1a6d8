package handlers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// BenchmarkBatchRequest measures a 10,000-record batch through the whole
// middleware chain (body cap, validation against the document, decoding)
// against the baseline of decoding the same body alone, to show what the
// OpenAPI validation costs on the largest request the API takes.
func BenchmarkBatchRequest(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"operation":"create","records":[`)
	for i := range sfgate.MaxBatchRecords {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Name":"Account %d","AnnualRevenue":%d.25,"Active__c":true,"Description":"%s"}`, i, i*1000, strings.Repeat("d", 100))
	}
	sb.WriteString(`]}`)
	body := sb.String()
	b.Logf("body: %d bytes", len(body))

	b.Run("baseline: decode only", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var req sfgate.BatchRequest
			dec := json.NewDecoder(strings.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("through the handlers", func(b *testing.B) {
		opts := fullOptions()
		opts.Logger = zerolog.Nop()
		h, err := New(b.Context(), opts)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			req := httptest.NewRequest("POST", "/v1/sobjects/Account/records/batch", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				b.Fatalf("status %d: %.300s", rec.Code, rec.Body.String())
			}
		}
	})
}

// BenchmarkBatchDecode compares decoding a 10,000-record batch body the
// way the handlers do (a scan for members named twice, then encoding/json)
// against the baseline of encoding/json alone, which cannot see them.
func BenchmarkBatchDecode(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"operation":"create","records":[`)
	for i := range sfgate.MaxBatchRecords {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"Name":"Account %d","AnnualRevenue":%d.25,"Active__c":true,"Description":"%s"}`, i, i*1000, strings.Repeat("d", 100))
	}
	sb.WriteString(`]}`)
	body := sb.String()

	b.Run("baseline: encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			var req sfgate.BatchRequest
			dec := json.NewDecoder(strings.NewReader(body))
			dec.UseNumber()
			if err := dec.Decode(&req); err != nil {
				b.Fatal(err)
			}
		}
	})
	held := []byte(body)
	b.Run("decodeBatch: scan for duplicates, then encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportAllocs()
		for b.Loop() {
			r := httptest.NewRequest("POST", "/v1/sobjects/Account/records/batch", nil)
			r.Body = newHeldBody(held) // as bodyCap leaves it
			req, err := decodeBatch(r)
			if err != nil || len(req.Records) != sfgate.MaxBatchRecords || req.RecordErrors != nil {
				b.Fatal(err, len(req.Records))
			}
		}
	})
}
