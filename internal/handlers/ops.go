package handlers

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"

	"github.com/sfgate/sfgate/api"
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

func (h *Handlers) metricsPage(w http.ResponseWriter, r *http.Request) error {
	var b bytes.Buffer
	if err := h.metrics.write(&b); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, err := w.Write(b.Bytes())
	return err
}

// openapi serves the generic document, or with ?sobjects= the org-typed
// one (orgspec.go).
func (h *Handlers) openapi(w http.ResponseWriter, r *http.Request) error {
	if r.URL.Query().Has("sobjects") {
		h.orgSpec.ServeHTTP(w, r)
		return nil
	}
	w.Header().Set("Content-Type", "application/yaml")
	_, err := w.Write(api.OpenAPI)
	return err
}

// Redoc 2.5.4's standalone bundle, vendored whole from the npm package with
// its licence (static/redoc/), so /docs works without any CDN.
//
//go:embed static/redoc/redoc.standalone.js
var redocJS []byte

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
