// Package api holds sfgate's OpenAPI document, embedded so that the binary
// serves and enforces exactly the document it was built with.
package api

import _ "embed"

// OpenAPI is api/openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPI []byte
