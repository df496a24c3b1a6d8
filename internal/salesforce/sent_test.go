package salesforce

import (
	"context"
	"errors"
	"io"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// listenBehaving accepts connections on a loopback port and hands each to
// serve; it returns the address and the count of connections accepted.
func listenBehaving(t *testing.T, serve func(net.Conn)) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	var n atomic.Int32
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			n.Add(1)
			go serve(conn)
		}
	}()
	return ln.Addr().String(), &n
}

// readRequest reads until the end of the SOAP envelope, so the whole
// request has arrived before the test server misbehaves.
func readRequest(conn net.Conn) {
	var got []byte
	buf := make([]byte, 4096)
	for {
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil || len(got) > 0 && containsEnvelopeEnd(got) {
			return
		}
	}
}

func containsEnvelopeEnd(b []byte) bool {
	const end = "</soapenv:Envelope>"
	return len(b) >= len(end) && string(b[len(b)-len(end):]) == end
}

func networkErr(t *testing.T, err error) *partner.Error {
	t.Helper()
	var e *partner.Error
	if !errors.As(err, &e) || e.Kind != partner.KindNetwork {
		t.Fatalf("err = %v, want a network error", err)
	}
	return e
}

// TestOutcomeUnknown checks how the client tells "never sent" (safe to
// repeat) from "sent, no answer" (a create's outcome is unknown) and that
// it never repeats a create in the second case.
func TestOutcomeUnknown(t *testing.T) {
	t.Parallel()
	create := func(c *Client, ctx context.Context) error {
		_, err := c.Create(ctx, []partner.Record{{Type: "Account"}})
		return err
	}
	query := func(c *Client, ctx context.Context) error {
		_, err := c.Query(ctx, "SELECT Id FROM Account")
		return err
	}
	hangUp := func(conn net.Conn) { readRequest(conn); conn.Close() }
	stall := func(conn net.Conn) { readRequest(conn); io.Copy(io.Discard, conn); conn.Close() }
	tests := []struct {
		name         string
		serve        func(net.Conn) // nil: nothing listens
		call         func(*Client, context.Context) error
		timeout      time.Duration
		wantConns    int32
		wantUnknown  bool
		wantUnsent   bool
		wantAttempts int32 // sessions asked, when nothing listens
	}{
		{name: "refused create is retried, never sent", call: create, wantUnsent: true, wantAttempts: int32(fastRetry.MaxAttempts)},
		{name: "create cut after the request", serve: hangUp, call: create, wantConns: 1, wantUnknown: true},
		{name: "create past its deadline after the request", serve: stall, call: create, timeout: 150 * time.Millisecond, wantConns: 1, wantUnknown: true},
		{name: "query cut after the request is retried", serve: hangUp, call: query, wantConns: int32(fastRetry.MaxAttempts)},
		{name: "query past its deadline", serve: stall, call: query, timeout: 150 * time.Millisecond, wantConns: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var addr string
			var conns *atomic.Int32
			if tc.serve == nil {
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				addr = ln.Addr().String()
				ln.Close()
			} else {
				addr, conns = listenBehaving(t, tc.serve)
			}
			var attempts atomic.Int32
			c, err := New(Config{Sessions: countingSessions{&sessions{instance: "http://" + addr}, &attempts}, Retry: fastRetry})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if tc.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tc.timeout)
				defer cancel()
			}
			e := networkErr(t, tc.call(c, ctx))
			if e.OutcomeUnknown != tc.wantUnknown || e.Unsent != tc.wantUnsent {
				t.Errorf("OutcomeUnknown = %v, Unsent = %v; want %v, %v (%v)", e.OutcomeUnknown, e.Unsent, tc.wantUnknown, tc.wantUnsent, e)
			}
			if conns != nil && conns.Load() != tc.wantConns {
				t.Errorf("%d connections, want %d", conns.Load(), tc.wantConns)
			}
			if tc.wantAttempts > 0 && attempts.Load() != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", attempts.Load(), tc.wantAttempts)
			}
		})
	}
}
