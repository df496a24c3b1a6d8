package sfsim

import (
	"net/http"
	"strconv"
)

// apiVersion is one entry of GET /services/data/.
type apiVersion struct {
	Label   string `json:"label"`
	URL     string `json:"url"`
	Version string `json:"version"`
}

// releaseLabel names the release that introduced an API version. Salesforce
// ships three releases a year, one API version each, counting from Winter '11
// = 20.0: so 31.0 is Summer '14, 58.0 Summer '23 and 66.0 Spring '26 (the
// docs' version pickers print exactly these pairs).
func releaseLabel(major int) string {
	i := major - 20
	season := [...]string{"Winter", "Spring", "Summer"}[i%3]
	year := 11 + i/3
	return season + " '" + strconv.Itoa(year)
}

func (s *Server) versions() []apiVersion {
	var out []apiVersion
	for v := int(OldestVersion); v <= int(s.cfg.NewestVersion); v++ {
		ver := strconv.Itoa(v) + ".0"
		out = append(out, apiVersion{Label: releaseLabel(v), URL: "/services/data/v" + ver, Version: ver})
	}
	return out
}

// serveVersions lists the supported versions, oldest first, as Salesforce's
// REST root does. It needs no authentication.
func (s *Server) serveVersions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.versions())
}
