package service

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/metadata"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// pagedClient serves a query of total records in pages generated on
// demand, as Salesforce does: nothing but the page asked for exists, so
// any growth of the heap during a stream is the service's.
type pagedClient struct {
	Client
	total, pageSize int
	calls           atomic.Int64
}

func (c *pagedClient) page(from int) *partner.QueryResult {
	n := min(c.pageSize, c.total-from)
	res := &partner.QueryResult{Size: c.total, Records: make([]partner.Record, n)}
	for i := range n {
		id := fmt.Sprintf("001%012dAAA", from+i)
		res.Records[i] = partner.Record{Type: "Account", ID: id, Fields: []partner.Field{
			{Name: "Id", Value: id},
			{Name: "Name", Value: fmt.Sprintf("Account number %d of the heap test", from+i)},
			{Name: "AnnualRevenue", Value: "1.2345E7"},
			{Name: "NumberOfEmployees", Value: strconv.Itoa(i)},
			{Name: "Seen__c", Value: "2026-11-30T12:00:00.000Z"},
			{Name: "Owner", Parent: &partner.Record{Type: "User", Fields: []partner.Field{{Name: "Name", Value: "Sim Admin"}}}},
		}}
	}
	if from+n < c.total {
		res.QueryLocator = "01gLOCATOR-" + strconv.Itoa(from+n)
	} else {
		res.Done = true
	}
	return res
}

func (c *pagedClient) Query(_ context.Context, _ string, _ ...partner.Option) (*partner.QueryResult, error) {
	c.calls.Add(1)
	return c.page(0), nil
}

func (c *pagedClient) QueryMore(_ context.Context, locator string, _ ...partner.Option) (*partner.QueryResult, error) {
	c.calls.Add(1)
	from, err := strconv.Atoi(strings.TrimPrefix(locator, "01gLOCATOR-"))
	if err != nil {
		return nil, err
	}
	return c.page(from), nil
}

// fixedMetadata answers describes from fixed objects.
type fixedMetadata struct {
	Metadata
	objs fixedObjects
}

func (m fixedMetadata) Describe(_ context.Context, name string) (*metadata.Object, error) {
	x := m.objs[strings.ToLower(name)]
	if x == nil {
		return nil, &metadata.UnknownObjectError{Object: name}
	}
	return x, nil
}

func (m fixedMetadata) Revalidate(ctx context.Context, name string) (*metadata.Object, error) {
	return m.Describe(ctx, name)
}

func (m fixedMetadata) EnsureFields(ctx context.Context, name string, _ []string) (*metadata.Object, error) {
	return m.Describe(ctx, name)
}

// heapPeak streams in and returns the peak HeapInuse above the heap in use
// before the stream, read at every page (when both the page being written
// and the one fetched ahead are alive), and the number of records seen.
// written streams the records as JSON (StreamJSON, what NDJSON answers
// use), else as OrderedRecords encoded here.
func heapPeak(ctx context.Context, s *Service, in sfgate.QueryInput, written bool) (peak uint64, records int, err error) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	seen := func(n int) error {
		records += n
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > base {
			peak = max(peak, ms.HeapInuse-base)
		}
		return nil
	}
	if written {
		err = s.StreamJSON(ctx, in, func(page []sfgate.RecordJSON) error {
			for _, r := range page {
				if _, err := io.Discard.Write(r); err != nil {
					return err
				}
			}
			return seen(len(page))
		})
		return peak, records, err
	}
	enc := json.NewEncoder(io.Discard)
	err = s.Stream(ctx, in, func(page []sfgate.OrderedRecord) error {
		for _, r := range page {
			if err := enc.Encode(r); err != nil {
				return err
			}
		}
		return seen(len(page))
	})
	return peak, records, err
}

// TestStreamHeapFlat streams 5,000 and 200,000 records in pages of 2,000
// from a client that generates pages on demand, and checks that the peak
// heap does not grow with the result: an implementation that kept the
// records (200,000 typed maps are hundreds of MB) fails by far.
func TestStreamHeapFlat(t *testing.T) {
	// Not parallel: it measures the process's heap.
	for _, written := range []bool{false, true} {
		t.Run(fmt.Sprintf("written=%v", written), func(t *testing.T) { checkStreamHeapFlat(t, written) })
	}
}

func checkStreamHeapFlat(t *testing.T, written bool) {
	objs := testObjects()
	in := sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{
		Fields: []string{"Id", "Name", "AnnualRevenue", "NumberOfEmployees", "Seen__c", "Owner.Name"}, PageSize: 2000}}
	peaks := map[int]uint64{}
	for _, n := range []int{5000, 200_000} {
		client := &pagedClient{total: n, pageSize: 2000}
		s, err := New(Config{Client: client, Metadata: fixedMetadata{objs: objs}, Connection: "heap"})
		if err != nil {
			t.Fatal(err)
		}
		peak, seen, err := heapPeak(t.Context(), s, in, written)
		if err != nil {
			t.Fatal(err)
		}
		if seen != n || client.calls.Load() != int64((n+1999)/2000) {
			t.Fatalf("%d records: streamed %d in %d calls", n, seen, client.calls.Load())
		}
		peaks[n] = peak
		t.Logf("%7d records: peak HeapInuse %.1f MiB above the start", n, float64(peak)/(1<<20))
	}
	// Garbage collection timing makes the figures noisy; a stream that
	// kept its records would need well over 100 MiB more for 200,000.
	if limit := 3*peaks[5000] + 16<<20; peaks[200_000] > limit {
		t.Errorf("peak heap %d MiB for 200,000 records vs %d MiB for 5,000: it grows with the result",
			peaks[200_000]>>20, peaks[5000]>>20)
	}
}

// BenchmarkStreamHeap streams N accounts from an emulated org in its own
// process (so the org's memory is not counted) over real HTTP, and reports
// the gateway's peak heap above its start for N = 5,000, 50,000 and
// 200,000. The
// org is created with -seed-accounts 0 and filled by batch creates.
//
//	go test -run XXX -bench StreamHeap -benchtime 1x ./internal/service/
func BenchmarkStreamHeap(b *testing.B) {
	bin := buildSim(b)
	for _, n := range []int{5000, 50_000, 200_000} {
		b.Run(fmt.Sprintf("records=%d", n), func(b *testing.B) {
			url := startSimProcess(b, bin, 0)
			st := newStackAt(b, url)
			ctx := b.Context()
			for done := 0; done < n; {
				batch := make([]Record, min(sfgate.MaxBatchRecords, n-done))
				for i := range batch {
					batch[i] = Record{"Name": fmt.Sprintf("Account %06d", done+i), "NumberOfEmployees": json.Number(strconv.Itoa(i))}
				}
				res, err := st.svc.Batch(ctx, "Account", sfgate.BatchRequest{Operation: "create", Records: batch})
				if err != nil || res.SuccessCount != len(batch) {
					b.Fatalf("fill: %v (%d failed)", err, res.FailureCount)
				}
				done += len(batch)
			}
			in := sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{
				Fields: []string{"Id", "Name", "NumberOfEmployees", "CreatedDate", "Owner.Name"}, PageSize: 2000}}
			var peak uint64
			b.ResetTimer()
			for range b.N {
				before := st.calls(b)
				p, seen, err := heapPeak(ctx, st.svc, in, true)
				if err != nil || seen != n {
					b.Fatalf("stream: %d records, %v", seen, err)
				}
				after := st.calls(b)
				if q, m := after["query"]-before["query"], after["queryMore"]-before["queryMore"]; q != 1 || m != int64((n-1)/2000) {
					b.Fatalf("stream cost %d query + %d queryMore", q, m)
				}
				peak = max(peak, p)
			}
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(n), "records")
		})
	}
}

// buildSim builds the emulator's binary, to run in its own process.
func buildSim(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "sfsim")
	build := exec.Command("go", "build", "-o", bin, "github.com/sfgate/sfgate/cmd/sfsim")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		b.Fatalf("build sfsim: %v", err)
	}
	return bin
}

// startSimProcess runs the emulator binary on a free port with accounts
// seeded accounts and returns its URL; it is killed when b ends.
func startSimProcess(b *testing.B, bin string, accounts int) string {
	b.Helper()
	cmd := exec.Command(bin, "-addr", "127.0.0.1:0", "-seed-accounts", strconv.Itoa(accounts))
	out, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, rest, ok := strings.Cut(sc.Text(), "listening on "); ok {
				lines <- strings.Fields(rest)[0]
			}
		}
	}()
	select {
	case u := <-lines:
		return u
	case <-time.After(30 * time.Second):
		b.Fatal("sfsim did not start")
	}
	return ""
}

// gatedClient is a pagedClient that reports each queryMore as it starts.
type gatedClient struct {
	*pagedClient
	started chan int // page number (1-based) whose queryMore began
}

func (c *gatedClient) QueryMore(ctx context.Context, locator string, opts ...partner.Option) (*partner.QueryResult, error) {
	from, _ := strconv.Atoi(strings.TrimPrefix(locator, "01gLOCATOR-"))
	c.started <- from/c.pageSize + 1
	return c.pagedClient.QueryMore(ctx, locator, opts...)
}

// TestStreamLooksAheadOnePage checks the overlap and its bound: while the
// first page is being written the second is fetched, and the third is not
// fetched before the first has been written.
func TestStreamLooksAheadOnePage(t *testing.T) {
	t.Parallel()
	client := &gatedClient{pagedClient: &pagedClient{total: 5 * 200, pageSize: 200}, started: make(chan int, 10)}
	s, err := New(Config{Client: client, Metadata: fixedMetadata{objs: testObjects()}, Connection: "ahead"})
	if err != nil {
		t.Fatal(err)
	}
	in := sfgate.QueryInput{SObject: "Account", Structured: &sfgate.StructuredQuery{Fields: []string{"Id", "Name"}, PageSize: 200}}
	pages := 0
	err = s.Stream(t.Context(), in, func(recs []sfgate.OrderedRecord) error {
		pages++
		if pages == 1 {
			select {
			case p := <-client.started:
				if p != 2 {
					return fmt.Errorf("while writing page 1, page %d was fetched", p)
				}
			case <-time.After(10 * time.Second):
				return fmt.Errorf("page 2 was not fetched while page 1 was being written")
			}
			select {
			case p := <-client.started:
				return fmt.Errorf("page %d was fetched while page 1 was still being written", p)
			case <-time.After(100 * time.Millisecond):
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if pages != 5 {
		t.Errorf("%d pages, want 5", pages)
	}
}
