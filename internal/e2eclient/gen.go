// Package e2eclient is a client of sfgate's HTTP API generated from
// api/openapi.yaml by oapi-codegen, the way an internal app would generate
// one. cmd/gateway's end-to-end tests drive the real gateway with it, so a
// spec that a standard generator cannot turn into a working client fails
// there. Regenerate with `go generate ./internal/e2eclient`; a test checks
// that the committed file is what the generator makes.
package e2eclient

//go:generate go run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@v2.8.2 -config oapi-codegen.yaml ../../api/openapi.yaml
