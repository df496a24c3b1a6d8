package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// request does one request and checks its answer's status.
type request func(ctx context.Context) error

// closedLoop runs n requests on conc workers, one after another on each,
// and returns the first error.
func closedLoop(ctx context.Context, n, conc int, do request) error {
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conc)
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				if err := do(ctx); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// perRequest is what one process spent per request.
type perRequest struct {
	cpu   time.Duration
	alloc int64 // bytes allocated on the heap
}

// measure runs n requests and returns the CPU time and heap allocation of
// the process p over them, divided by n.
func measure(ctx context.Context, p *child, n, conc int, do request) (perRequest, error) {
	cpu0, err := p.cpuTime()
	if err != nil {
		return perRequest{}, err
	}
	alloc0, err := p.allocated(ctx)
	if err != nil {
		return perRequest{}, err
	}
	if err := closedLoop(ctx, n, conc, do); err != nil {
		return perRequest{}, p.failed(err)
	}
	// Allocation first: reading it costs the process a little CPU.
	alloc1, err := p.allocated(ctx)
	if err != nil {
		return perRequest{}, err
	}
	cpu1, err := p.cpuTime()
	if err != nil {
		return perRequest{}, err
	}
	return perRequest{cpu: (cpu1 - cpu0) / time.Duration(n), alloc: (alloc1 - alloc0) / int64(n)}, nil
}

// openLoop sends rate requests a second for d on a fixed schedule, each on
// its own goroutine, and returns the latencies measured from when each was
// due (so a stalled server is charged for the requests that queue behind
// it, not only for the ones in flight).
func openLoop(ctx context.Context, rate int, d time.Duration, do request) ([]time.Duration, error) {
	n := int(d.Seconds() * float64(rate))
	interval := time.Second / time.Duration(rate)
	lat := make([]time.Duration, n)
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if w := time.Until(due); w > 0 {
			select {
			case <-time.After(w):
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		wg.Go(func() {
			if err := do(ctx); err != nil {
				failed.Add(1)
				once.Do(func() { firstErr = err })
			}
			lat[i] = time.Since(due)
		})
	}
	wg.Wait()
	if f := failed.Load(); f > 0 {
		return nil, fmt.Errorf("%d of %d requests failed, first: %w", f, n, firstErr)
	}
	return lat, nil
}

// percentile returns the p-th percentile (0 < p <= 100) by nearest rank.
func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

// median returns the middle value of vs (the mean of the two middle ones
// for an even count).
func median(vs []float64) float64 {
	if len(vs) == 0 {
		return 0
	}
	s := slices.Clone(vs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
