package handlers

import (
	"sync"
	"time"

	"github.com/sfgate/sfgate"
)

// Defaults of Options.MaxStreams and MaxStreamsPerCaller. An NDJSON stream
// holds a connection, a goroutine and a page being written (several MB
// with wide records) for as long as the reader takes, up to StreamTimeout.
const (
	DefaultMaxStreams          = 64
	DefaultMaxStreamsPerCaller = 8
)

// CodeTooManyStreams refuses a caller that already has its share of open
// streams on this replica.
const CodeTooManyStreams = "TOO_MANY_STREAMS"

// streamSlots counts the open NDJSON streams of this replica, in total
// and per caller.
type streamSlots struct {
	max, perCaller int
	mu             sync.Mutex
	open           int
	byCaller       map[string]int
}

func newStreamSlots(max, perCaller int) *streamSlots {
	if max <= 0 {
		max = DefaultMaxStreams
	}
	if perCaller <= 0 {
		perCaller = DefaultMaxStreamsPerCaller
	}
	return &streamSlots{max: max, perCaller: perCaller, byCaller: map[string]int{}}
}

// acquire opens a stream for caller, or says why not: the caller's own
// share is a 429 (it can fix that by closing one), the replica's total a
// 503 (another replica may have room).
func (s *streamSlots) acquire(caller string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.byCaller[caller] >= s.perCaller {
		return nil, &sfgate.Error{Kind: sfgate.KindRateLimited, Code: CodeTooManyStreams, RetryAfter: time.Second,
			Detail: "this caller already has its maximum of open NDJSON streams on this replica; finish one first"}
	}
	if s.open >= s.max {
		return nil, &sfgate.Error{Kind: sfgate.KindUnavailable, Code: sfgate.CodeOverloaded, RetryAfter: time.Second,
			Detail: "this replica has its maximum of open NDJSON streams"}
	}
	s.open++
	s.byCaller[caller]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.open--
			if s.byCaller[caller]--; s.byCaller[caller] <= 0 {
				delete(s.byCaller, caller)
			}
		})
	}, nil
}
