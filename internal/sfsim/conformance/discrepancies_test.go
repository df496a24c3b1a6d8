package conformance_test

import (
	"os"
	"testing"
)

// knownDiscrepancies lists the checks that fail because sfsim does not yet
// do what Salesforce does, keyed by test name, each with what differs. The
// failing check stays in the suite; the entry only skips it so the tree
// stays green until sfsim is fixed. Remove an entry when sfsim is fixed:
// the check then runs again.
var knownDiscrepancies = map[string]string{}

// skipKnown skips t when it is a listed discrepancy, unless
// CONFORMANCE_NO_SKIP is set (to see which entries are still needed).
func skipKnown(t *testing.T) {
	t.Helper()
	if reason, ok := knownDiscrepancies[t.Name()]; ok && os.Getenv("CONFORMANCE_NO_SKIP") == "" {
		t.Skip("sfsim discrepancy: " + reason)
	}
}

// run is t.Run for a step that may be a listed discrepancy.
func run(t *testing.T, name string, fn func(t *testing.T)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		skipKnown(t)
		fn(t)
	})
}
