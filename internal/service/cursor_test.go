package service

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// countingClient is a Client whose every call fails the test: cursor
// checks must refuse bad cursors before anything reaches Salesforce.
type countingClient struct {
	Client
	calls int
}

func (c *countingClient) QueryMore(context.Context, string, ...partner.Option) (*partner.QueryResult, error) {
	c.calls++
	return &partner.QueryResult{Done: true}, nil
}

type nopMetadata struct{ Metadata }

func cursorService(t *testing.T, key []byte, conn string, now func() time.Time) (*Service, *countingClient) {
	t.Helper()
	c := &countingClient{}
	s, err := New(Config{Client: c, Metadata: nopMetadata{}, Connection: conn, CursorKey: key, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s, _ := cursorService(t, key, "conn", func() time.Time { return now })
	raw := s.cursorFor(t.Context(), "01gD0000002HU6KIAW-2000", "Account", 500, true)
	if len(raw) < 16 || len(raw) > 2048 || strings.ContainsAny(raw, "+/=") {
		t.Fatalf("cursor %q does not fit the document's Cursor schema", raw)
	}
	c, err := s.readCursor(t.Context(), raw)
	if err != nil {
		t.Fatal(err)
	}
	want := cursor{Locator: "01gD0000002HU6KIAW-2000", Object: "Account", PageSize: 500, IncludeDeleted: true, Connection: "conn", Expires: now.Add(DefaultCursorTTL)}
	if !c.Expires.Equal(want.Expires) {
		t.Errorf("expires %v, want %v", c.Expires, want.Expires)
	}
	c.Expires = want.Expires
	if c != want {
		t.Errorf("got %+v, want %+v", c, want)
	}
	// A replica with the same key accepts it.
	other, _ := cursorService(t, key, "conn", func() time.Time { return now })
	if _, err := other.readCursor(t.Context(), raw); err != nil {
		t.Errorf("replica with the same key: %v", err)
	}
}

func TestCursorRefused(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	s, client := cursorService(t, key, "conn", clock)
	good := s.cursorFor(t.Context(), "01gD0000002HU6KIAW-2000", "Account", 2000, false)
	raw, _ := base64.RawURLEncoding.DecodeString(good)

	var bad []string
	// Every single bit flipped, anywhere.
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			bad = append(bad, base64.RawURLEncoding.EncodeToString(b))
		}
	}
	// Every truncation, of the bytes and of the text.
	for n := range len(raw) {
		bad = append(bad, base64.RawURLEncoding.EncodeToString(raw[:n]))
	}
	for n := 1; n < len(good); n++ {
		bad = append(bad, good[:n])
	}
	// Another key, another connection, expired, garbage.
	otherKey, _ := cursorService(t, bytes.Repeat([]byte{8}, 32), "conn", clock)
	otherConn, _ := cursorService(t, key, "other", clock)
	past, _ := cursorService(t, key, "conn", func() time.Time { return now.Add(-DefaultCursorTTL - time.Second) })
	bad = append(bad,
		otherKey.cursorFor(t.Context(), "01gD0000002HU6KIAW-2000", "Account", 2000, false),
		otherConn.cursorFor(t.Context(), "01gD0000002HU6KIAW-2000", "Account", 2000, false),
		past.cursorFor(t.Context(), "01gD0000002HU6KIAW-2000", "Account", 2000, false),
		good+"A", good+"==", "not a cursor", strings.Repeat("A", 3000), "",
		// A cursor forged by re-signing with a guessed (empty) key.
		sealCursor(nil, cursor{Locator: "x", Connection: "conn", Expires: now.Add(time.Hour)}),
	)
	for _, c := range bad {
		if c == good {
			continue
		}
		_, err := s.Query(t.Context(), sfgate.QueryInput{Cursor: c})
		var he *sfgate.Error
		if !errors.As(err, &he) || he.Kind != sfgate.KindInvalid {
			t.Fatalf("cursor %q: %v, want a 400", c, err)
		}
	}
	if client.calls != 0 {
		t.Errorf("%d calls reached Salesforce, want 0", client.calls)
	}
	// Expiry is named as such.
	_, err := past.readCursor(t.Context(), past.cursorFor(t.Context(), "L", "Account", 2000, false))
	if err != nil {
		t.Fatalf("fresh cursor of the past clock: %v", err)
	}
	_, err = s.readCursor(t.Context(), past.cursorFor(t.Context(), "L", "Account", 2000, false))
	var he *sfgate.Error
	if !errors.As(err, &he) || he.Errors[0].Code != "CURSOR_EXPIRED" {
		t.Errorf("expired: %v, want CURSOR_EXPIRED", err)
	}
	// The good one still works and costs one queryMore.
	if _, err := s.Query(t.Context(), sfgate.QueryInput{Cursor: good}); err != nil || client.calls != 1 {
		t.Errorf("good cursor: %v, %d calls", err, client.calls)
	}
}

func TestNewRefusesShortKey(t *testing.T) {
	t.Parallel()
	_, err := New(Config{Client: &countingClient{}, Metadata: nopMetadata{}, Connection: "c", CursorKey: []byte("short")})
	if err == nil {
		t.Fatal("a 5-byte cursor key was accepted")
	}
}

// TestCursorLifetime checks a configured lifetime: a cursor works until
// it, not after, and a lifetime longer than Salesforce keeps a query
// locator (two days) is refused.
func TestCursorLifetime(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	issued := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	now := issued
	s, err := New(Config{Client: &countingClient{}, Metadata: nopMetadata{}, Connection: "conn", CursorKey: key, CursorTTL: 36 * time.Hour,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	raw := s.cursorFor(t.Context(), "01gD0000002HU6KIAW-2000", "Account", 500, false)
	now = issued.Add(36*time.Hour - time.Second)
	if _, err := s.readCursor(t.Context(), raw); err != nil {
		t.Errorf("a second before the end: %v", err)
	}
	now = issued.Add(36 * time.Hour)
	_, err = s.readCursor(t.Context(), raw)
	var de *sfgate.Error
	if !errors.As(err, &de) || len(de.Errors) != 1 || de.Errors[0].Code != "CURSOR_EXPIRED" {
		t.Errorf("at the end: %v, want CURSOR_EXPIRED", err)
	}
	if _, err := New(Config{Client: &countingClient{}, Metadata: nopMetadata{}, Connection: "conn", CursorKey: key, CursorTTL: MaxCursorTTL + time.Second}); err == nil {
		t.Error("a cursor lifetime beyond the locator's two days was accepted")
	}
	if DefaultCursorTTL != 24*time.Hour || MaxCursorTTL != 48*time.Hour {
		t.Errorf("default %s, max %s; want 24h and 48h", DefaultCursorTTL, MaxCursorTTL)
	}
}

// denyAll is an Access that allows nothing.
type denyAll struct{}

func (denyAll) Allows(string, sfgate.Action) bool { return false }
func (denyAll) FieldDenied(string, string) bool   { return true }

func TestCursorBoundToCaller(t *testing.T) {
	t.Parallel()
	key := bytes.Repeat([]byte{7}, 32)
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s, client := cursorService(t, key, "conn", func() time.Time { return now })
	billing := sfgate.WithCaller(t.Context(), &sfgate.Caller{Name: "billing"})
	raw := s.cursorFor(billing, "L", "Account", 2000, false)
	if c, err := s.readCursor(billing, raw); err != nil || c.Caller != "billing" {
		t.Fatalf("its own caller: %+v, %v", c, err)
	}
	for name, ctx := range map[string]context.Context{
		"another caller":       sfgate.WithCaller(t.Context(), &sfgate.Caller{Name: "crm"}),
		"no caller":            t.Context(),
		"name differs by case": sfgate.WithCaller(t.Context(), &sfgate.Caller{Name: "Billing"}),
	} {
		_, err := s.readCursor(ctx, raw)
		var e *sfgate.Error
		if !errors.As(err, &e) || e.Kind != sfgate.KindNotFound {
			t.Errorf("%s: %v, want not found", name, err)
		}
		if _, err := s.Query(ctx, sfgate.QueryInput{Cursor: raw}); err == nil {
			t.Errorf("%s: Query accepted another caller's cursor", name)
		}
	}
	revoked := sfgate.WithCaller(t.Context(), &sfgate.Caller{Name: "billing", Access: denyAll{}})
	_, err := s.readCursor(revoked, raw)
	var e *sfgate.Error
	if !errors.As(err, &e) || e.Kind != sfgate.KindForbidden || !strings.Contains(e.Detail, "Account:query") {
		t.Errorf("caller without Account:query: %v, want forbidden naming it", err)
	}
	if client.calls != 0 {
		t.Errorf("refused cursors made %d calls", client.calls)
	}
}
