package sfsim

import (
	"strings"

	"github.com/sfgate/sfgate/internal/sfsim/meta"
	"github.com/sfgate/sfgate/internal/sfsim/soql"
)

// ObjectNames lets a SOSL FIND without RETURNING search every object.
func (src source) ObjectNames() []string {
	objs := src.s.sc().Objects()
	names := make([]string, len(objs))
	for i, o := range objs {
		names[i] = o.Name
	}
	return names
}

var _ soql.ObjectLister = source{}

// opSearch runs SOSL. The v58 WSDL requires SearchResult.queryId, so it is
// always written, even for no hits (the older real samples show a bare
// <result/>; see docs/sfsim.md).
func (s *Server) opSearch(c *call) *Fault {
	text, _ := c.body.value("searchString")
	if strings.TrimSpace(text) == "" {
		return newFault("MALFORMED_SEARCH", ftMalformedS, "No search term found. The search term must be enclosed in braces.")
	}
	s.mu.RLock()
	res, err := soql.RunSearch(text, source{s}, soql.Options{Now: s.now()})
	s.mu.RUnlock()
	if err != nil {
		return queryFault(err)
	}
	w := &c.w
	w.open("result")
	w.elem("queryId", meta.NewID("0Xs"))
	for _, r := range res.Records() {
		w.open("searchRecords")
		writeRow(w, "record", r, false)
		w.close("searchRecords")
	}
	w.close("result")
	return nil
}
