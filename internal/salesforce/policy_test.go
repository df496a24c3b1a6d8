package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

func TestShouldRetry(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	fault := func(code string) error { return &partner.Error{Op: "x", Kind: partner.KindFault, Code: code} }
	dial := &partner.Error{Kind: partner.KindNetwork, Cause: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	dns := &partner.Error{Kind: partner.KindNetwork, Cause: &net.DNSError{Err: "no such host", Name: "x.invalid"}}
	reset := &partner.Error{Kind: partner.KindNetwork, Cause: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	eof := &partner.Error{Kind: partner.KindNetwork, Cause: io.ErrUnexpectedEOF}
	canceled := &partner.Error{Kind: partner.KindNetwork, Cause: context.Canceled}
	deadline := &partner.Error{Kind: partner.KindNetwork, Cause: fmt.Errorf("post: %w", context.DeadlineExceeded)}
	tests := []struct {
		name    string
		idem    Idempotency
		attempt int
		err     error
		want    bool
	}{
		{"lock row, idempotent", Idempotent, 1, fault(partner.CodeUnableToLockRow), true},
		{"lock row, create", NotIdempotent, 1, fault(partner.CodeUnableToLockRow), false},
		{"server unavailable, idempotent", Idempotent, 2, fault(partner.CodeServerUnavailable), true},
		{"server unavailable, last attempt", Idempotent, 4, fault(partner.CodeServerUnavailable), false},
		{"server unavailable, create", NotIdempotent, 1, fault(partner.CodeServerUnavailable), false},
		{"daily limit", Idempotent, 1, fault(partner.CodeRequestLimitExceeded), false},
		{"daily limit as transport", Idempotent, 1, &partner.Error{Kind: partner.KindTransport, Code: partner.CodeRequestLimitExceeded, HTTPStatus: 500}, false},
		{"invalid field", Idempotent, 1, fault(partner.CodeInvalidField), false},
		{"session id (handled apart)", Idempotent, 1, fault(partner.CodeInvalidSessionID), false},
		{"soapenv:Server", Idempotent, 1, &partner.Error{Kind: partner.KindTransport, Code: "Server", HTTPStatus: 500}, true},
		{"soapenv:Client", Idempotent, 1, &partner.Error{Kind: partner.KindTransport, Code: "Client", HTTPStatus: 500}, false},
		{"HTTP 502 page", Idempotent, 1, &partner.Error{Kind: partner.KindTransport, HTTPStatus: 502}, true},
		{"HTTP 429 page", Idempotent, 1, &partner.Error{Kind: partner.KindTransport, HTTPStatus: 429}, true},
		{"HTTP 404 page", Idempotent, 1, &partner.Error{Kind: partner.KindTransport, HTTPStatus: 404}, false},
		{"HTTP 503 page, create", NotIdempotent, 1, &partner.Error{Kind: partner.KindTransport, HTTPStatus: 503}, false},
		{"dial refused, create", NotIdempotent, 1, dial, true},
		{"dns failure, create", NotIdempotent, 3, dns, true},
		{"dial refused, last attempt", NotIdempotent, 4, dial, false},
		{"reset, idempotent", Idempotent, 1, reset, true},
		{"reset, create", NotIdempotent, 1, reset, false},
		{"cut answer, idempotent", Idempotent, 1, eof, true},
		{"cut answer, create", NotIdempotent, 1, eof, false},
		{"write failed before the whole request left, create", NotIdempotent, 1, &partner.Error{Kind: partner.KindNetwork, Cause: io.ErrUnexpectedEOF, Unsent: true}, true},
		{"outcome unknown, create", NotIdempotent, 1, &partner.Error{Kind: partner.KindNetwork, Cause: io.ErrUnexpectedEOF, OutcomeUnknown: true}, false},
		{"cancelled", Idempotent, 1, canceled, false},
		{"deadline", Idempotent, 1, deadline, false},
		{"decode error", Idempotent, 1, &partner.Error{Kind: partner.KindDecode}, false},
		{"invalid input", Idempotent, 1, &partner.Error{Kind: partner.KindInvalidInput}, false},
		{"wrapped fault", Idempotent, 1, fmt.Errorf("chunk 2: %w", fault(partner.CodeUnableToLockRow)), true},
		{"foreign error", Idempotent, 1, errors.New("boom"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := p.ShouldRetry(tc.idem, tc.attempt, tc.err); got != tc.want {
				t.Errorf("ShouldRetry = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	p := RetryPolicy{MaxAttempts: 10, BaseDelay: 100 * time.Millisecond, MaxDelay: time.Second}
	tests := []struct {
		attempt  int
		r        float64
		min, max time.Duration
	}{
		{1, 0, 50 * time.Millisecond, 50 * time.Millisecond},
		{1, 0.999, 99 * time.Millisecond, 100 * time.Millisecond},
		{2, 0, 100 * time.Millisecond, 100 * time.Millisecond},
		{3, 0.5, 300 * time.Millisecond, 300 * time.Millisecond},
		{5, 0, 500 * time.Millisecond, 500 * time.Millisecond}, // capped at 1s, half fixed
		{5, 0.999, 999 * time.Millisecond, time.Second},
		{80, 0.999, 999 * time.Millisecond, time.Second}, // no overflow
	}
	for _, tc := range tests {
		if d := p.Backoff(tc.attempt, tc.r); d < tc.min || d > tc.max {
			t.Errorf("Backoff(%d, %v) = %v, want in [%v, %v]", tc.attempt, tc.r, d, tc.min, tc.max)
		}
	}
}

func TestBudget(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	b := newBudget(RetryPolicy{BudgetRatio: 0.1, BudgetFloorPerSecond: 2, BudgetMax: 30}, func() time.Time { return now })
	for i := range 3 { // a tenth of the cap to start with
		if !b.take() {
			t.Fatalf("take %d refused within the starting tokens", i)
		}
	}
	if b.take() {
		t.Fatal("take allowed past the starting tokens")
	}
	for range 10 { // ten calls earn one retry
		b.earn()
	}
	if !b.take() || b.take() {
		t.Fatal("ten calls at ratio 0.1 did not earn exactly one retry")
	}
	now = now.Add(500 * time.Millisecond) // the floor: one token back at 2/s
	if !b.take() || b.take() {
		t.Fatal("the floor does not refill 2 per second")
	}
	now = now.Add(time.Hour)
	for range 1000 {
		b.earn()
	}
	for range 30 {
		b.take()
	}
	if b.take() {
		t.Fatal("tokens grew past the cap")
	}
}

// TestBudgetRatioAtNinePercentFaults simulates the load: 10,000
// calls of which 9% fail once, on a frozen clock (no floor refill). With
// the old fixed budget (20, then 2 per second) most failures went
// unretried; a budget of 0.1 retry per call retries all but a handful.
func TestBudgetRatioAtNinePercentFaults(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	b := newBudget(DefaultRetryPolicy(), func() time.Time { return now })
	failed, retried := 0, 0
	for i := range 10000 {
		b.earn()
		if i%100 < 9 { // 9 of every 100 calls fail once
			failed++
			if b.take() {
				retried++
			}
		}
	}
	if failed-retried > failed/100 {
		t.Errorf("%d of %d retryable failures retried, want all but 1%%", retried, failed)
	}
}

// TestDailyLimitExceeded checks that only the daily allowance trips the
// API budget guard: the concurrent-request limits share its code.
func TestDailyLimitExceeded(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{&partner.Error{Code: partner.CodeRequestLimitExceeded, Message: "TotalRequests Limit exceeded."}, true},
		{&partner.Error{Code: partner.CodeRequestLimitExceeded, Message: "ConcurrentPerOrgLongTxn Limit exceeded"}, false},
		{&partner.Error{Code: partner.CodeRequestLimitExceeded, Message: "ConcurrentRequests (Concurrent API Requests) Limit exceeded."}, false},
		{&partner.Error{Code: partner.CodeInvalidField, Message: "TotalRequests"}, false},
		{nil, false},
	} {
		if got := dailyLimitExceeded(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}
