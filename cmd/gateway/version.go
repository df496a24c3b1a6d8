package main

import (
	"fmt"
	"io"
)

// version and commit identify the build. The Dockerfile stamps them with
// -ldflags "-X main.version=… -X main.commit=…"; a plain go build keeps
// these defaults.
var (
	version = "dev"
	commit  = "unknown"
)

// isVersionRequest reports whether the command line asks only for the
// version.
func isVersionRequest(args []string) bool {
	return len(args) == 1 && (args[0] == "--version" || args[0] == "-version")
}

// printVersion writes the version line `gateway --version` prints.
func printVersion(w io.Writer) error {
	_, err := fmt.Fprintf(w, "gateway %s (commit %s)\n", version, commit)
	return err
}
