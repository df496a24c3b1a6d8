package handlers

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sfgate/sfgate/api"
)

// TestServedSpecServers checks that /openapi.yaml names the server
// GATEWAY_PUBLIC_URL gives, and is otherwise the embedded document; without
// it the server stays relative.
func TestServedSpecServers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, publicURL, want string
	}{
		{"default stays relative", "", "/"},
		{"public URL", "https://api.example.com/sfgate", "https://api.example.com/sfgate"},
		{"URL that YAML would misread", "https://h.example/a: #b", "https://h.example/a: #b"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts := fullOptions()
			opts.PublicURL = tt.publicURL
			s := newTestServer(t, opts)
			status, _, body := s.do(http.MethodGet, "/openapi.yaml", "")
			if status != http.StatusOK {
				t.Fatalf("status %d", status)
			}
			doc, err := openapi3.NewLoader().LoadFromData([]byte(body))
			if err != nil {
				t.Fatalf("served document does not load: %v", err)
			}
			if err := doc.Validate(t.Context()); err != nil {
				t.Fatalf("served document is not valid: %v", err)
			}
			if len(doc.Servers) != 1 || doc.Servers[0].URL != tt.want {
				t.Errorf("servers %+v, want the one server %q", doc.Servers, tt.want)
			}
			// Only the servers block differs from the embedded document.
			tail := api.OpenAPI[bytes.Index(api.OpenAPI, []byte("\nsecurity:\n")):]
			if !bytes.HasSuffix([]byte(body), tail) || !bytes.HasPrefix([]byte(body), api.OpenAPI[:bytes.Index(api.OpenAPI, []byte("\nservers:\n"))]) {
				t.Error("the served document differs from the embedded one beyond servers")
			}
		})
	}
}
