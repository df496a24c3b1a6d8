package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestShouldRetry(t *testing.T) {
	t.Parallel()
	p := DefaultRetryPolicy()
	fault := func(code string) error { return &Error{Op: "x", Kind: KindFault, Code: code} }
	dial := &Error{Kind: KindNetwork, Cause: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	dns := &Error{Kind: KindNetwork, Cause: &net.DNSError{Err: "no such host", Name: "x.invalid"}}
	reset := &Error{Kind: KindNetwork, Cause: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	eof := &Error{Kind: KindNetwork, Cause: io.ErrUnexpectedEOF}
	canceled := &Error{Kind: KindNetwork, Cause: context.Canceled}
	deadline := &Error{Kind: KindNetwork, Cause: fmt.Errorf("post: %w", context.DeadlineExceeded)}
	tests := []struct {
		name    string
		idem    Idempotency
		attempt int
		err     error
		want    bool
	}{
		{"lock row, idempotent", Idempotent, 1, fault(CodeUnableToLockRow), true},
		{"lock row, create", NotIdempotent, 1, fault(CodeUnableToLockRow), false},
		{"server unavailable, idempotent", Idempotent, 2, fault(CodeServerUnavailable), true},
		{"server unavailable, last attempt", Idempotent, 4, fault(CodeServerUnavailable), false},
		{"server unavailable, create", NotIdempotent, 1, fault(CodeServerUnavailable), false},
		{"daily limit", Idempotent, 1, fault(CodeRequestLimitExceeded), false},
		{"daily limit as transport", Idempotent, 1, &Error{Kind: KindTransport, Code: CodeRequestLimitExceeded, HTTPStatus: 500}, false},
		{"invalid field", Idempotent, 1, fault(CodeInvalidField), false},
		{"session id (handled apart)", Idempotent, 1, fault(CodeInvalidSessionID), false},
		{"soapenv:Server", Idempotent, 1, &Error{Kind: KindTransport, Code: "Server", HTTPStatus: 500}, true},
		{"soapenv:Client", Idempotent, 1, &Error{Kind: KindTransport, Code: "Client", HTTPStatus: 500}, false},
		{"HTTP 502 page", Idempotent, 1, &Error{Kind: KindTransport, HTTPStatus: 502}, true},
		{"HTTP 429 page", Idempotent, 1, &Error{Kind: KindTransport, HTTPStatus: 429}, true},
		{"HTTP 404 page", Idempotent, 1, &Error{Kind: KindTransport, HTTPStatus: 404}, false},
		{"HTTP 503 page, create", NotIdempotent, 1, &Error{Kind: KindTransport, HTTPStatus: 503}, false},
		{"dial refused, create", NotIdempotent, 1, dial, true},
		{"dns failure, create", NotIdempotent, 3, dns, true},
		{"dial refused, last attempt", NotIdempotent, 4, dial, false},
		{"reset, idempotent", Idempotent, 1, reset, true},
		{"reset, create", NotIdempotent, 1, reset, false},
		{"cut answer, idempotent", Idempotent, 1, eof, true},
		{"cut answer, create", NotIdempotent, 1, eof, false},
		{"cancelled", Idempotent, 1, canceled, false},
		{"deadline", Idempotent, 1, deadline, false},
		{"decode error", Idempotent, 1, &Error{Kind: KindDecode}, false},
		{"invalid input", Idempotent, 1, &Error{Kind: KindInvalidInput}, false},
		{"wrapped fault", Idempotent, 1, fmt.Errorf("chunk 2: %w", fault(CodeUnableToLockRow)), true},
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
	b := newBudget(2, 3, func() time.Time { return now })
	for i := range 3 {
		if !b.take() {
			t.Fatalf("take %d refused within the burst", i)
		}
	}
	if b.take() {
		t.Fatal("take allowed past the burst")
	}
	now = now.Add(500 * time.Millisecond) // one token back at 2/s
	if !b.take() || b.take() {
		t.Fatal("refill is not 2 per second")
	}
	now = now.Add(time.Hour)
	for range 3 {
		b.take()
	}
	if b.take() {
		t.Fatal("tokens grew past the burst")
	}
}

func TestNormalizeID(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"001D000000HS2PP", "001D000000HS2PPIA1", true},
		{"001D000000HS2PPIA1", "001D000000HS2PPIA1", true},
		{"001d000000hs2ppia1", "001D000000HS2PPIA1", true}, // case restored from the suffix
		{"0016F00002S4Wj0", "0016F00002S4Wj0QAF", true},
		{"0016f00002s4wj0qaf", "0016F00002S4Wj0QAF", true},
		{"005000000000000", "005000000000000AAA", true},
		{"ABCDEABCDEABCDE", "ABCDEABCDEABCDE555", true},
		{"001D000000HS2P", "", false},      // 14
		{"001D000000HS2PPIA", "", false},   // 17
		{"001D000000HS2PPIA12", "", false}, // 19
		{"", "", false},
		{"001D000000HS2P-", "", false},
		{"001D000000HS2PPIA!", "", false},
		{"001D000000HS2PP\x00A1", "", false},
		{"001D000000HS2PP999", "", false}, // suffix char outside the alphabet
		{"0010000000000005AA", "", false}, // suffix says upper-case letter where a digit is
	}
	for _, tc := range tests {
		got, err := NormalizeID(tc.in)
		if tc.ok {
			if err != nil || got != tc.want {
				t.Errorf("NormalizeID(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
			continue
		}
		var e *Error
		if !errors.As(err, &e) || e.Code != CodeMalformedID || e.Kind != KindInvalidInput {
			t.Errorf("NormalizeID(%q) = %q, %v; want MALFORMED_ID", tc.in, got, err)
		}
	}
	// Every 15-character id and its 18-character form agree both ways.
	for _, id := range []string{"a0B5e00000AbCdE", "zzzzzZZZZZzzzzz", "00Q2x00000AH981"} {
		n, err := NormalizeID(id)
		if err != nil || n[:15] != id {
			t.Fatalf("NormalizeID(%q) = %q, %v", id, n, err)
		}
		again, err := NormalizeID(strings.ToLower(n))
		if err != nil || again != n {
			t.Errorf("NormalizeID(lower %q) = %q, %v; want %q", n, again, err, n)
		}
	}
}

func TestErrorFormatting(t *testing.T) {
	t.Parallel()
	e := &Error{Op: "query", Kind: KindFault, Code: "INVALID_FIELD", Message: "\nNo such column 'x'", Row: 1, Column: 8}
	if got := e.Error(); got != "salesforce query: INVALID_FIELD: No such column 'x'" {
		t.Errorf("Error() = %q", got)
	}
	n := &Error{Op: "create", Kind: KindNetwork, Cause: io.ErrUnexpectedEOF}
	if got := n.Error(); got != "salesforce create: unexpected EOF" || !errors.Is(n, io.ErrUnexpectedEOF) {
		t.Errorf("Error() = %q", got)
	}
	if !IsCode(fmt.Errorf("wrapped: %w", e), "INVALID_FIELD") || IsCode(e, "OTHER") {
		t.Error("IsCode")
	}
	if s := fmt.Sprint(Secret("x")); s != "[redacted]" {
		t.Errorf("secret prints %q", s)
	}
}
