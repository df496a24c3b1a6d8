//go:build unix

package service

import (
	"syscall"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/jsonw"
)

// processCPU is the CPU time (user + system, GC workers included) this
// process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkQueryPageCPU is the gateway's side of a 200-record query page
// read from an emulator in its own process, over HTTP: the SOAP call, the
// decoder, typing and writing the records as the JSON answer does (HTML
// characters escaped), in this process's CPU time per record; only the
// HTTP server in front is left out. "typed" is Query, which stops at the
// OrderedRecords, for comparison.
//
//	go test -run XXX -bench QueryPageCPU ./internal/service/
func BenchmarkQueryPageCPU(b *testing.B) {
	const n = 200
	st := newStackAt(b, startSimProcess(b, buildSim(b), n))
	in := sfgate.QueryInput{SOQL: &sfgate.SOQLQuery{PageSize: n, SOQL: "SELECT Id, Name, Type, Industry, AnnualRevenue, NumberOfEmployees, Phone, " +
		"CreatedDate, BillingCity, Owner.Name FROM Account LIMIT 200"}}
	ctx := b.Context()
	straight := func(b *testing.B, buf []byte) []byte {
		p, err := st.svc.QueryJSON(ctx, in)
		if err != nil || len(p.Records) != n {
			b.Fatalf("%d records, %v", len(p.Records), err)
		}
		for _, r := range p.Records {
			buf = append(jsonw.AppendHTMLEscaped(buf, r), ',')
		}
		return buf
	}
	typed := func(b *testing.B, buf []byte) []byte {
		p, err := st.svc.Query(ctx, in)
		if err != nil || len(p.Records) != n {
			b.Fatalf("%d records, %v", len(p.Records), err)
		}
		return buf
	}
	for _, path := range []struct {
		name string
		run  func(*testing.B, []byte) []byte
	}{{"straight", straight}, {"typed", typed}} {
		b.Run(path.name, func(b *testing.B) {
			buf := path.run(b, nil) // describes cached, connections open
			b.ReportAllocs()
			cpu := processCPU(b)
			for b.Loop() {
				buf = path.run(b, buf[:0])
			}
			b.ReportMetric(float64((processCPU(b)-cpu).Nanoseconds())/float64(b.N*n), "cpu-ns/record")
		})
	}
}
