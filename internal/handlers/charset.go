package handlers

import (
	"fmt"
	"mime"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/sfgate/sfgate"
)

// codeUnsupportedMediaType is the code of a 415: a body in a character
// encoding the gateway does not take.
const codeUnsupportedMediaType = "UNSUPPORTED_MEDIA_TYPE"

// checkCharset refuses with 415 a body whose Content-Type names a charset
// other than UTF-8. JSON exchanged between systems "MUST be encoded using
// UTF-8" (RFC 8259 §8.1, https://www.rfc-editor.org/rfc/rfc8259#section-8.1);
// application/json defines no charset parameter (§11), so one naming UTF-8
// is tolerated and any other is a caller whose bytes would otherwise be
// decoded as the wrong characters (ISO-8859-1's é silently became U+FFFD).
// The same holds for the text formats (NDJSON, CSV, text/*). "utf8" is
// accepted beside "utf-8": the WHATWG Encoding Standard
// (https://encoding.spec.whatwg.org/#names-and-labels) lists it as a label
// of UTF-8, and clients send it. A Content-Type that does not parse is left
// to the validator, which names it.
func checkCharset(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return nil
	}
	cs, ok := params["charset"]
	if !ok || isUTF8Label(cs) {
		return nil
	}
	return &statusError{status: http.StatusUnsupportedMediaType, err: &sfgate.Error{
		Kind: sfgate.KindInvalid, Code: codeUnsupportedMediaType,
		Detail: "request bodies must be UTF-8 (RFC 8259 §8.1); Content-Type names charset " + quoteLabel(cs),
		Errors: []sfgate.FieldError{{Field: "header.Content-Type", Code: "charset",
			Message: "the only charset taken is utf-8 (RFC 8259 §8.1: JSON between systems is UTF-8)"}},
	}}
}

func isUTF8Label(cs string) bool {
	return strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

// quoteLabel quotes a charset label for a message, shortened: it is the
// caller's header, not a record value, but it is not trusted either.
func quoteLabel(s string) string {
	if len(s) > 40 {
		s = s[:40] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// textual reports whether a body of media type mt is text the gateway
// decodes (JSON, NDJSON, CSV, text/*), so must be valid UTF-8.
func textual(mt string) bool {
	switch {
	case mt == "application/json", strings.HasSuffix(mt, "+json"),
		mt == "application/x-ndjson", mt == "application/ndjson", mt == "application/jsonl",
		mt == "text/csv", strings.HasPrefix(mt, "text/"):
		return true
	}
	return false
}

// checkUTF8 refuses with 400 a textual body that is not valid UTF-8,
// naming the offset of the first bad byte. Go's JSON decoder would turn
// such bytes into U+FFFD without a word, and the record would be saved
// with characters the caller never sent. A body the Content-Type does not
// call textual is left to the validator (which refuses its media type).
func checkUTF8(r *http.Request, body []byte) error {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !textual(mt) || utf8.Valid(body) {
		return nil
	}
	off := 0
	for off < len(body) {
		c, size := utf8.DecodeRune(body[off:])
		if c == utf8.RuneError && size <= 1 {
			break
		}
		off += size
	}
	return sfgate.Invalid(fmt.Sprintf("the body is not valid UTF-8 (byte %d); JSON between systems must be UTF-8 (RFC 8259 §8.1)", off),
		sfgate.FieldError{Field: "body", Code: "utf-8",
			Message: fmt.Sprintf("byte %d (counted from 0) does not begin a valid UTF-8 sequence", off)})
}
