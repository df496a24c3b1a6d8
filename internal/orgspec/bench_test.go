package orgspec

import (
	"fmt"
	"testing"

	"github.com/sfgate/sfgate/api"
)

// BenchmarkRender renders documents of a real Account's size (250 fields):
// one object (the baseline, what a client generator usually asks) and 200
// (the most the gateway allows in one document).
func BenchmarkRender(b *testing.B) {
	acc := realAccount(b)
	for _, n := range []int{1, MaxObjects} {
		objs := make([]Object, n)
		for i := range objs {
			d := *acc
			d.Name = fmt.Sprintf("Object%d__c", i)
			objs[i] = Object{Describe: &d, Ops: Ops{Create: true, Read: true, Update: true, Delete: true, Query: true}}
		}
		b.Run(fmt.Sprintf("%d objects", n), func(b *testing.B) {
			b.ReportAllocs()
			var size int
			for b.Loop() {
				out, err := Render(api.OpenAPI, objs)
				if err != nil {
					b.Fatal(err)
				}
				size = len(out)
			}
			b.ReportMetric(float64(size)/1e6, "MB/doc")
		})
	}
}
