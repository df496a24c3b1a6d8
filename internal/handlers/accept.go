package handlers

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/sfgate/sfgate"
)

// Content negotiation (RFC 9110 §12.5.1). Every /v1 operation can answer
// application/problem+json, and application/json unless it is a stream
// (its success answers declare another media type only); the document adds
// what else an operation offers (application/x-ndjson for the /stream
// operations, application/schema+json for a record schema). A JSON query
// operation also offers application/x-ndjson when the document names its
// stream twin (ExtNDJSONOperation): the older way to ask for a stream. A
// request whose Accept header admits none of them is refused with 406
// before the handler, so before any Salesforce call.

const (
	mediaJSON    = "application/json"
	mediaProblem = "application/problem+json"
	mediaNDJSON  = "application/x-ndjson"
)

// ExtNDJSONOperation is the operation extension by which a JSON query
// operation names its NDJSON twin (the twin's operationId): the JSON
// operation answers that twin's stream when Accept names
// application/x-ndjson.
const ExtNDJSONOperation = "x-ndjson-operation"

// offeredMedia lists the media types route answers with: problem details
// always, JSON unless the operation only streams, every content type its
// responses declare, and NDJSON when it names a stream twin.
func offeredMedia(route *routers.Route) []string {
	op := route.Operation
	offers := []string{mediaProblem}
	if !streamOnly(op) {
		offers = []string{mediaJSON, mediaProblem}
	}
	fixed := len(offers)
	add := func(mt string) {
		if mt = strings.ToLower(mt); !slices.Contains(offers, mt) {
			offers = append(offers, mt)
		}
	}
	if op == nil || op.Responses == nil {
		return offers
	}
	for _, ref := range op.Responses.Map() {
		if ref == nil || ref.Value == nil {
			continue
		}
		for mt := range ref.Value.Content {
			add(mt)
		}
	}
	if _, ok := op.Extensions[ExtNDJSONOperation]; ok {
		add(mediaNDJSON)
	}
	slices.Sort(offers[fixed:]) // map order must not show in messages
	return offers
}

// streamOnly reports whether every success answer op declares has a body
// and none of them is JSON: an NDJSON stream operation.
func streamOnly(op *openapi3.Operation) bool {
	if op == nil || op.Responses == nil {
		return false
	}
	seen := false
	for code, ref := range op.Responses.Map() {
		if !strings.HasPrefix(code, "2") || ref == nil || ref.Value == nil {
			continue
		}
		if len(ref.Value.Content) == 0 || ref.Value.Content.Get(mediaJSON) != nil {
			return false
		}
		seen = true
	}
	return seen
}

// mediaRange is one element of an Accept header.
type mediaRange struct {
	typ, sub string  // lower case; "*" for a wildcard
	q        float64 // 0 … 1
}

// parseAccept reads an Accept header's media ranges. Elements that are not
// a media range are ignored, as is a malformed q (taken as 1). ok is false
// when the header holds no media range at all, which is treated as if it
// were absent: anything is acceptable.
func parseAccept(header string) (ranges []mediaRange, ok bool) {
	for elem := range strings.SplitSeq(header, ",") {
		mt, params, _ := strings.Cut(elem, ";")
		typ, sub, found := strings.Cut(strings.TrimSpace(mt), "/")
		typ, sub = strings.ToLower(strings.TrimSpace(typ)), strings.ToLower(strings.TrimSpace(sub))
		if !found || typ == "" || sub == "" || (typ == "*" && sub != "*") {
			continue
		}
		mr := mediaRange{typ: typ, sub: sub, q: 1}
		for p := range strings.SplitSeq(params, ";") {
			k, v, _ := strings.Cut(p, "=")
			if !strings.EqualFold(strings.TrimSpace(k), "q") {
				continue
			}
			if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q >= 0 && q <= 1 {
				mr.q = q
			}
		}
		ranges = append(ranges, mr)
	}
	return ranges, len(ranges) > 0
}

// acceptQ is the quality ranges give media type mt ("type/subtype", lower
// case): that of the most specific range matching it (RFC 9110: a specific
// range overrides a wildcard), or 0 when none does. exact reports that the
// range named mt itself rather than a wildcard.
func acceptQ(ranges []mediaRange, mt string) (q float64, exact bool) {
	typ, sub, _ := strings.Cut(mt, "/")
	best := -1
	for _, r := range ranges {
		spec := -1
		switch {
		case r.typ == typ && r.sub == sub:
			spec = 2
		case r.typ == typ && r.sub == "*":
			spec = 1
		case r.typ == "*" && r.sub == "*":
			spec = 0
		}
		if spec > best {
			best, q = spec, r.q
		}
	}
	return q, best == 2
}

// acceptable reports whether the request's Accept header admits one of
// offers; a missing or empty header admits anything.
func acceptable(r *http.Request, offers []string) bool {
	ranges, ok := parseAccept(strings.Join(r.Header.Values("Accept"), ","))
	if !ok {
		return true
	}
	for _, mt := range offers {
		if q, _ := acceptQ(ranges, mt); q > 0 {
			return true
		}
	}
	return false
}

// notAcceptable is the 406 for a request acceptable refused.
func notAcceptable(r *http.Request, offers []string) *sfgate.Error {
	accept := strings.Join(r.Header.Values("Accept"), ", ")
	if len(accept) > 200 {
		accept = accept[:200] + "…"
	}
	return &sfgate.Error{
		Kind: sfgate.KindNotAcceptable, Code: sfgate.CodeNotAcceptable,
		Detail: "Accept: " + strconv.Quote(accept) + " admits none of " + strings.Join(offers, ", "),
		Errors: []sfgate.FieldError{{Field: "header.Accept", Code: "not-acceptable", Message: "must admit one of " + strings.Join(offers, ", ")}},
	}
}
