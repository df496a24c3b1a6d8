package service

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"time"

	"github.com/sfgate/sfgate"
)

// cursor is what a nextCursor carries: everything needed to fetch the next
// page, signed so a caller can neither forge nor alter it.
type cursor struct {
	Locator        string
	Object         string // the queried object, "" when unknown (raw SOQL with no rows)
	PageSize       int
	IncludeDeleted bool
	Connection     string
	// Caller is the name of the caller that ran the query: a cursor pages
	// for its caller only.
	Caller  string
	Expires time.Time // whole seconds
}

// cursorVersion is the first byte of every cursor; a layout change bumps it.
const cursorVersion = 2

// maxCursorField bounds each string of a cursor; Salesforce locators are
// about 25 characters, object names at most 40.
const maxCursorField = 512

// Wire layout, before base64url (no padding):
//
//	version(1) | uvarint len, locator | uvarint len, object |
//	uvarint len, connection | uvarint len, caller | uvarint pageSize | flags(1: includeDeleted) |
//	expiry unix seconds (8, big endian) | HMAC-SHA256 of all of the above (32)
func sealCursor(key []byte, c cursor) string {
	b := make([]byte, 0, 64+len(c.Locator)+len(c.Object)+len(c.Connection)+len(c.Caller))
	b = append(b, cursorVersion)
	for _, s := range []string{c.Locator, c.Object, c.Connection, c.Caller} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = binary.AppendUvarint(b, uint64(c.PageSize))
	var flags byte
	if c.IncludeDeleted {
		flags |= 1
	}
	b = append(b, flags)
	b = binary.BigEndian.AppendUint64(b, uint64(c.Expires.Unix()))
	m := hmac.New(sha256.New, key)
	m.Write(b)
	b = m.Sum(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

var (
	errCursorMalformed = errors.New("malformed")
	errCursorForged    = errors.New("signature does not match")
)

// openCursor verifies and decodes s. The signature is checked, in
// constant time, before any field is read.
func openCursor(key []byte, s string) (cursor, error) {
	var c cursor
	// The document's Cursor pattern bounds what arrives over HTTP too; this
	// bound stays because it is the decoder's own: it caps the base64 and
	// HMAC work for any caller of the service before a byte is trusted.
	if len(s) > 2048 {
		return c, errCursorMalformed
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil || len(b) < 1+sha256.Size {
		return c, errCursorMalformed
	}
	body, mac := b[:len(b)-sha256.Size], b[len(b)-sha256.Size:]
	m := hmac.New(sha256.New, key)
	m.Write(body)
	if !hmac.Equal(mac, m.Sum(nil)) {
		return c, errCursorForged
	}
	if body[0] != cursorVersion {
		return c, errCursorMalformed
	}
	rest := body[1:]
	str := func() (string, bool) {
		n, k := binary.Uvarint(rest)
		if k <= 0 || n > maxCursorField || uint64(len(rest)-k) < n {
			return "", false
		}
		v := string(rest[k : k+int(n)])
		rest = rest[k+int(n):]
		return v, true
	}
	var ok1, ok2, ok3, ok4 bool
	c.Locator, ok1 = str()
	c.Object, ok2 = str()
	c.Connection, ok3 = str()
	c.Caller, ok4 = str()
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return c, errCursorMalformed
	}
	ps, k := binary.Uvarint(rest)
	if k <= 0 || ps > 100000 {
		return c, errCursorMalformed
	}
	c.PageSize = int(ps)
	rest = rest[k:]
	if len(rest) != 1+8 {
		return c, errCursorMalformed
	}
	c.IncludeDeleted = rest[0]&1 != 0
	c.Expires = time.Unix(int64(binary.BigEndian.Uint64(rest[1:])), 0)
	return c, nil
}

// callerName is the identity of the caller ctx carries, "" without one
// or when authentication is off (an address is no identity).
func callerName(ctx context.Context) string {
	return sfgate.CallerFrom(ctx).Identity()
}

// cursorFor seals the cursor of the page after locator, bound to the
// caller ctx carries.
func (s *Service) cursorFor(ctx context.Context, locator, object string, pageSize int, includeDeleted bool) string {
	return sealCursor(s.cfg.CursorKey, cursor{
		Locator: locator, Object: object, PageSize: pageSize, IncludeDeleted: includeDeleted,
		Connection: s.cfg.Connection, Caller: callerName(ctx), Expires: s.cfg.Now().Add(s.cfg.CursorTTL).Truncate(time.Second),
	})
}

// readCursor verifies a caller's cursor: forged, altered, truncated,
// expired or another connection's cursors are a 400, and never reach
// Salesforce. Another caller's cursor is not found: to this caller it does
// not exist, and saying more would confirm that someone else's query is in
// progress. A caller that may no longer query the cursor's object (the
// callers file changed) is refused.
func (s *Service) readCursor(ctx context.Context, raw string) (cursor, error) {
	c, err := openCursor(s.cfg.CursorKey, raw)
	bad := func(code, msg string) error {
		return sfgate.Invalid("the cursor is not valid", sfgate.FieldError{Field: "path.cursor", Code: code, Message: msg})
	}
	switch {
	case err != nil:
		return c, bad("INVALID_CURSOR", "the cursor is not one this gateway issued, or it was altered or truncated")
	case c.Connection != s.cfg.Connection:
		return c, bad("INVALID_CURSOR", "the cursor belongs to another Salesforce connection")
	case c.Caller != callerName(ctx):
		return c, sfgate.NotFound("no such cursor")
	case !s.cfg.Now().Before(c.Expires):
		return c, bad("CURSOR_EXPIRED", "the cursor has expired; run the query again")
	case c.Object != "" && !sfgate.CallerFrom(ctx).Allows(c.Object, sfgate.ActionQuery):
		return c, sfgate.NewError(sfgate.KindForbidden, "FORBIDDEN", "this caller needs the permission "+c.Object+":query")
	}
	return c, nil
}
