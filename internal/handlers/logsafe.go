package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate"
)

// maxLoggedFields bounds the field list of one log line: a failing batch
// of 10,000 records must not become a 10,000-entry line.
const maxLoggedFields = 20

// logFailure adds to ev what the log may say of err: its kind, code and
// the field names and codes of its errors, never record values. Neither an
// error's Detail nor its FieldErrors' messages are logged: Salesforce's
// messages echo values ("value too long for field Name: <value>"), and the
// validator's causes carry the body (kin-openapi's SchemaError prints the
// value it checked, a whole 5.7 MB batch). Those go to the caller only.
// The cause is logged only where it is the gateway's own or the
// transport's (Salesforce unreachable, an answer that could not be read),
// whose text names URLs and states, not the caller's data.
func logFailure(ev *zerolog.Event, err error) *zerolog.Event {
	var ge *sfgate.Error
	if !errors.As(err, &ge) {
		// Not a domain error: a bug of the gateway's own, whose text the
		// handlers wrote (object names and ids at most).
		return ev.Err(err)
	}
	ev = ev.Str("kind", ge.Kind.String())
	if ge.Salesforce {
		ev = ev.Str("sf_code", ge.Code)
	}
	if fields := loggedFields(ge.Errors); fields != "" {
		ev = ev.Str("fields", fields)
	}
	if ge.Err != nil && !ge.Salesforce {
		switch ge.Kind {
		case sfgate.KindUnavailable, sfgate.KindTimeout, sfgate.KindUpstream, sfgate.KindInternal:
			ev = ev.Str("cause", ge.Err.Error())
		}
	}
	return ev
}

// loggedFields renders errs as "[index]field:code" entries, at most
// maxLoggedFields of them, then how many more.
func loggedFields(errs []sfgate.FieldError) string {
	var b strings.Builder
	for i, fe := range errs {
		if i == maxLoggedFields {
			b.WriteString(" …+")
			b.WriteString(strconv.Itoa(len(errs) - i))
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		if fe.Index != nil {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(*fe.Index))
			b.WriteByte(']')
		}
		b.WriteString(fe.Field)
		b.WriteByte(':')
		b.WriteString(fe.Code)
	}
	return b.String()
}

// loggedPath is the request path for the access log: an upsert's
// external id value is a record value (an email, an order number), so it
// is logged as {value}; everything else in a path is an object name, a
// field name, an id or a cursor.
func loggedPath(r *http.Request) string {
	if !strings.HasSuffix(routePattern(r), "/{value}") {
		return r.URL.Path
	}
	// The escaped path: a "/" inside the value stays %2F there.
	p := r.URL.EscapedPath()
	return p[:strings.LastIndexByte(p, '/')+1] + "{value}"
}
