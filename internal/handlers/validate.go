package handlers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/go-chi/chi/v5"

	"github.com/sfgate/sfgate"
	"github.com/sfgate/sfgate/api"
)

// LoadSpec parses and checks the embedded OpenAPI document. Its servers
// are dropped: routing is chi's job, and the document must match whatever
// host and port the gateway is reached on.
func LoadSpec(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPI)
	if err != nil {
		return nil, fmt.Errorf("load api/openapi.yaml: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("api/openapi.yaml is not valid: %w", err)
	}
	doc.Servers = nil
	return doc, nil
}

// Route returns the document's route for method and path template (the
// document's own template, e.g. "/v1/sobjects/{sobject}"); tests use it to
// validate answers.
func Route(doc *openapi3.T, method, path string) (*routers.Route, error) {
	item := doc.Paths.Find(path)
	if item == nil {
		return nil, fmt.Errorf("api/openapi.yaml has no path %s", path)
	}
	op := item.GetOperation(method)
	if op == nil {
		return nil, fmt.Errorf("api/openapi.yaml has no %s %s", method, path)
	}
	return &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op}, nil
}

// validator enforces the document on one route's requests.
type validator struct {
	route *routers.Route
	opts  *openapi3filter.Options
	// offers are the media types the operation answers with (accept.go).
	offers []string
	// batch, on the batch operation, checks the body in kin-openapi's
	// place (batchshape.go).
	batch *batchShape
}

func newValidator(doc *openapi3.T, method, path string) (*validator, error) {
	route, err := Route(doc, method, path)
	if err != nil {
		return nil, err
	}
	v := &validator{route: route, offers: offeredMedia(route), opts: &openapi3filter.Options{
		MultiError: true,
		// Caller auth is the auth middleware's job, done before this.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// Never rewrite the body: kin-openapi would decode numbers as
		// float64 and re-encode them, rounding values like 12345678901234567.89.
		SkipSettingDefaults: true,
	}}
	if rb := route.Operation.RequestBody; rb != nil && rb.Value != nil && isBatchBody(rb.Value) {
		if v.batch, err = newBatchShape(doc); err != nil {
			return nil, err
		}
		v.opts.ExcludeRequestBody = true
	}
	return v, nil
}

// isBatchBody reports whether an operation takes a BatchRequest.
func isBatchBody(rb *openapi3.RequestBody) bool {
	mt := rb.Content.Get(mediaJSON)
	return mt != nil && mt.Schema != nil && mt.Schema.Ref == "#/components/schemas/BatchRequest"
}

// middleware refuses, before it reaches the handler, a request whose
// Accept header admits none of the operation's media types (406), and with
// one 400 listing every problem a request that breaks the document.
func (v *validator) middleware(h *Handlers) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !acceptable(r, v.offers) {
				h.fail(w, r, notAcceptable(r, v.offers))
				return
			}
			params := map[string]string{}
			if rc := chi.RouteContext(r.Context()); rc != nil {
				for i, k := range rc.URLParams.Keys {
					v := rc.URLParams.Values[i]
					if u, err := url.PathUnescape(v); err == nil {
						v = u // validate what the handler will see
					}
					params[k] = v
				}
			}
			in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: v.route, Options: v.opts}
			var errs []sfgate.FieldError
			err := openapi3filter.ValidateRequest(r.Context(), in)
			if err != nil {
				errs = requestFieldErrors(err)
			} else if v.batch != nil {
				errs, err = v.checkBatch(r)
				if err != nil {
					h.fail(w, r, err)
					return
				}
			}
			if len(errs) > 0 {
				detail := fmt.Sprintf("%d problem(s) in the request", len(errs))
				if len(errs) == 1 {
					detail = errs[0].Field + ": " + errs[0].Message
				}
				h.fail(w, r, &sfgate.Error{Kind: sfgate.KindInvalid, Code: sfgate.CodeValidationFailed, Detail: detail, Errors: errs, Err: err})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// requestFieldErrors flattens kin-openapi's errors into one FieldError per
// problem: Field names the parameter ("query.pageSize") or a JSON pointer
// into the body ("/records/3/Name"; "body" for the body as a whole), Code
// the rule broken ("maximum", "pattern", "required", "type", …).
func requestFieldErrors(err error) []sfgate.FieldError {
	var out []sfgate.FieldError
	var walk func(err error, field string)
	walk = func(err error, field string) {
		// Direct type checks, outermost first: errors.As would reach through a
		// RequestError into its MultiError and lose the parameter's name.
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, e := range e {
				walk(e, field)
			}
			return
		case *openapi3filter.RequestError:
			switch {
			case e.Parameter != nil:
				field = e.Parameter.In + "." + e.Parameter.Name
			case e.RequestBody != nil:
				field = "body"
			}
			switch {
			case e.Err == nil:
				out = append(out, sfgate.FieldError{Field: field, Code: reasonCode(e.Reason), Message: e.Reason})
			case strings.HasPrefix(e.Reason, "failed to decode"):
				out = append(out, sfgate.FieldError{Field: field, Code: "malformed", Message: e.Reason + ": " + decodeMessage(e.Err)})
			case errors.Is(e.Err, openapi3filter.ErrInvalidRequired):
				out = append(out, sfgate.FieldError{Field: field, Code: "required", Message: "a value is required"})
			default:
				walk(e.Err, field)
			}
			return
		case *openapi3.SchemaError:
			// oneOf only says that no branch matched; the branch the value
			// was meant for (the Condition tree's and, or, not or
			// comparison) names the rule broken inside it.
			if e.SchemaField == "oneOf" {
				if branch := intendedBranch(e); branch != nil {
					walk(branch, field)
					return
				}
			}
			// allOf only says that some subschema failed; the subschemas'
			// own errors (in Origin) name the rule broken. The document uses
			// allOf: [$ref] to describe a property beside its $ref.
			if e.SchemaField == "allOf" && e.Origin != nil {
				n := len(out)
				walk(e.Origin, field)
				if len(out) > n && !slices.ContainsFunc(out[n:], func(fe sfgate.FieldError) bool { return fe.Code == "invalid" }) {
					return
				}
				out = out[:n]
			}
			out = append(out, schemaFieldError(e, field))
			return
		case *openapi3filter.ParseError:
			out = append(out, sfgate.FieldError{Field: field, Code: "malformed", Message: e.Error()})
			return
		}
		if u := errors.Unwrap(err); u != nil {
			walk(u, field)
			return
		}
		out = append(out, sfgate.FieldError{Field: field, Code: "invalid", Message: err.Error()})
	}
	walk(err, "")
	sort.SliceStable(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	// The branches of a oneOf can report the same problem more than once.
	return slices.CompactFunc(out, func(a, b sfgate.FieldError) bool { return a == b })
}

// intendedBranch picks, from a oneOf that no branch matched, the branch
// the value was meant for: a branch that finds missing from the value
// itself a property it requires, or the discriminator property, is told
// apart by that property and so was not meant. nil when no branch or
// more than one is left: then the oneOf error itself names the value.
func intendedBranch(e *openapi3.SchemaError) error {
	branches, ok := errors.Unwrap(errors.Unwrap(e.Origin)).(openapi3.MultiError)
	if !ok {
		return nil
	}
	depth := len(e.JSONPointer())
	var left []error
	for _, b := range branches {
		if !missesOwnKey(b, depth) {
			left = append(left, b)
		}
	}
	if len(left) != 1 {
		return nil
	}
	return left[0]
}

// missesOwnKey reports whether err says that the value at depth lacks a
// property that its schema requires or discriminates on.
func missesOwnKey(err error, depth int) bool {
	switch e := err.(type) {
	case openapi3.MultiError:
		return slices.ContainsFunc(e, func(err error) bool { return missesOwnKey(err, depth) })
	case *openapi3.SchemaError:
		n := len(e.JSONPointer())
		return (e.SchemaField == "required" && n == depth+1) ||
			(e.SchemaField == "discriminator" && n == depth && strings.Contains(e.Reason, "does not contain"))
	}
	return false
}

// unsupportedProperty matches kin-openapi's reason for a property that
// additionalProperties: false refuses; the pointer then names the object,
// so the property is added to it.
var unsupportedProperty = regexp.MustCompile(`^property "(.+)" is unsupported$`)

func schemaFieldError(se *openapi3.SchemaError, field string) sfgate.FieldError {
	ptr := se.JSONPointer()
	code := se.SchemaField
	if m := unsupportedProperty.FindStringSubmatch(se.Reason); m != nil && code == "properties" {
		code = "additionalProperties"
		ptr = append(ptr, m[1])
	}
	if code == "discriminator" && se.Schema != nil && se.Schema.Discriminator != nil {
		// The discriminator property itself is what is missing or wrong.
		ptr = append(ptr, se.Schema.Discriminator.PropertyName)
		code = "enum"
		if strings.Contains(se.Reason, "does not contain") {
			code = "required"
		}
	}
	if code == "" {
		code = "schema"
	}
	f := field
	if len(ptr) > 0 {
		if field == "body" {
			f = jsonPointer(ptr)
		} else {
			f = field + jsonPointer(ptr)
		}
	}
	return sfgate.FieldError{Field: f, Code: code, Message: se.Reason}
}

// reasonCode names the rule for errors that come with a reason only.
func reasonCode(reason string) string {
	switch {
	case strings.Contains(reason, "Content-Type"):
		return "content-type"
	case strings.Contains(reason, "required"):
		return "required"
	}
	return "invalid"
}

// decodeMessage keeps a JSON syntax error's message without echoing the
// body back.
func decodeMessage(err error) string {
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) && pe.Cause != nil {
		return pe.Cause.Error()
	}
	return err.Error()
}

// jsonPointer renders path as an RFC 6901 pointer.
func jsonPointer(path []string) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		p = strings.ReplaceAll(p, "~", "~0")
		b.WriteString(strings.ReplaceAll(p, "/", "~1"))
	}
	return b.String()
}
