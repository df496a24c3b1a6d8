package handlers

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"

	"github.com/sfgate/sfgate"
)

func (h *Handlers) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

type readiness struct {
	Status string          `json:"status"`
	Checks readinessChecks `json:"checks"`
}

type readinessChecks struct {
	Draining   bool   `json:"draining"`
	Config     string `json:"config"`
	Redis      string `json:"redis"`
	Salesforce string `json:"salesforce"`
}

// readyz is ready unless the pod is draining. The configuration was
// validated before the server started, and a Redis outage degrades to the
// in-process cache rather than failing; Salesforce's state is reported but
// never fails readiness, so an outage there does not drain every pod.
func (h *Handlers) readyz(w http.ResponseWriter, r *http.Request) error {
	res := readiness{Status: "ready", Checks: readinessChecks{Config: "ok", Redis: "disabled", Salesforce: "unknown"}}
	if h.opts.Ready != nil {
		res.Checks.Redis = h.opts.Ready.Redis(r.Context())
		res.Checks.Salesforce = h.opts.Ready.Salesforce(r.Context())
	}
	status := http.StatusOK
	if h.draining.Load() {
		res.Status, res.Checks.Draining, status = "draining", true, http.StatusServiceUnavailable
	}
	w.Header().Set("Cache-Control", "no-store")
	return writeJSON(w, status, res)
}

// metricsPage hands /metrics to the exporter's handler, or answers 404 when
// metrics are served on a listener of their own.
func (h *Handlers) metricsPage(w http.ResponseWriter, r *http.Request) error {
	if h.opts.Metrics == nil {
		return sfgate.NotFound("no such endpoint: /metrics is served on the metrics listener (GATEWAY_METRICS_ADDR)")
	}
	h.opts.Metrics.ServeHTTP(w, r)
	return nil
}

// openapi serves the generic document, or with ?sobjects= the org-typed
// one (orgspec.go).
func (h *Handlers) openapi(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("sobjects") {
		h.orgSpec.ServeHTTP(w, r)
		return nil
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, err := w.Write(h.specYAML)
	return err
}

// servedSpec is doc with its top-level servers replaced by publicURL, or
// doc itself when publicURL is empty. The replacement is textual so that
// the served document stays the embedded one byte for byte elsewhere.
func servedSpec(doc []byte, publicURL string) ([]byte, error) {
	if publicURL == "" {
		return doc, nil
	}
	start := bytes.Index(doc, []byte("\nservers:\n"))
	if start < 0 {
		return nil, errors.New("api/openapi.yaml has no top-level servers to replace with GATEWAY_PUBLIC_URL")
	}
	start++
	end := start + len("servers:\n")
	for end < len(doc) && (doc[end] == ' ' || doc[end] == '\n') {
		if i := bytes.IndexByte(doc[end:], '\n'); i >= 0 {
			end += i + 1
		} else {
			end = len(doc)
		}
	}
	u, err := json.Marshal(publicURL) // a JSON string is a YAML double-quoted scalar
	if err != nil {
		return nil, err
	}
	out := append([]byte{}, doc[:start]...)
	out = append(out, "servers:\n  - url: "...)
	out = append(out, u...)
	out = append(out, "\n    description: This gateway (GATEWAY_PUBLIC_URL).\n"...)
	return append(out, doc[end:]...), nil
}

// Redoc 2.5.4's standalone bundle, vendored whole from the npm package with
// its licence (static/redoc/), so /docs works without any CDN.
//
//go:embed static/redoc/redoc.standalone.js
var redocBundle []byte

// redocJS is the bundle as served: the one URL off the gateway it loads,
// the Redocly logo in the menu's footer (no option turns it off), is
// replaced by an empty data: URL. The image then fails to decode and
// Redoc's own onError drops it, so the page asks nothing of a CDN (and
// breaks no rule of docsCSP). Redoc loads no web font: its theme names
// fonts the browser has or falls back.
var redocJS = bytes.Replace(redocBundle, []byte(redocLogoURL), []byte("data:,"), 1)

const redocLogoURL = "https://cdn.redoc.ly/redoc/logo-mini.svg"

var docsTmpl = template.Must(template.New("docs").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>sfgate API reference</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body { margin: 0; padding: 0; }</style>
</head>
<body>
<redoc spec-url="{{.SpecURL}}" disable-search="false" hide-download-button="false"></redoc>
<script src="{{.ScriptURL}}"></script>
</body>
</html>
`))

// docsCSP lets the reference page work and nothing else: the page's one
// script is the vendored Redoc bundle (same origin, no inline script, no
// eval: Redoc compiles no schema validator while rendering a spec), it
// fetches /openapi.yaml, styled-components injects <style> elements (so
// inline styles), and search runs in a Worker made from a blob: URL.
const docsCSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; font-src 'self' data:; connect-src 'self'; worker-src blob:; child-src blob:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func (h *Handlers) docsPage(w http.ResponseWriter, r *http.Request) error {
	var b bytes.Buffer
	if err := docsTmpl.Execute(&b, map[string]string{"SpecURL": "/openapi.yaml", "ScriptURL": "/docs/redoc.standalone.js"}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", docsCSP)
	_, err := w.Write(b.Bytes())
	return err
}

func (h *Handlers) docsScript(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/javascript")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err := w.Write(redocJS)
	return err
}
