package salesforce

import (
	"errors"
	"strings"

	"github.com/rs/zerolog"

	"github.com/sfgate/sfgate/internal/salesforce/partner"
)

// logCallError adds to ev what the log may say of a failed call: the
// operation's error kind, Salesforce's code and the fields it named. A
// fault's message is not logged: Salesforce echoes values in it
// ("Account Name: data value too large: <the value> (max length=255)"),
// and record values never reach the log; the caller gets the message in
// the answer. Errors of the transport, the network or decoding are the
// client's own text about what arrived, not what it contained (client.go),
// so they are logged whole.
func logCallError(ev *zerolog.Event, err error) *zerolog.Event {
	if err == nil {
		return ev
	}
	var se *partner.Error
	if !errors.As(err, &se) {
		return ev.Err(err)
	}
	ev = ev.Str("sf_code", se.Code).Str("sf_error_kind", se.Kind.String())
	if len(se.Fields) > 0 {
		ev = ev.Str("sf_fields", strings.Join(se.Fields, ","))
	}
	switch {
	case se.Kind == partner.KindNetwork, se.Kind == partner.KindDecode,
		se.Kind == partner.KindTransport && se.Code == "":
		return ev.Err(err)
	}
	return ev
}
