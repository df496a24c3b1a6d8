package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"--version", "-version"} {
		var out bytes.Buffer
		if err := run(t.Context(), []string{arg}, envFrom(nil), &out); err != nil {
			t.Fatalf("run %s: %v", arg, err)
		}
		if got, want := out.String(), "gateway "+version+" (commit "+commit+")\n"; got != want {
			t.Errorf("run %s printed %q, want %q", arg, got, want)
		}
	}
}

// TestStartupLogsVersion: the configuration line logged at start names the
// build.
func TestStartupLogsVersion(t *testing.T) {
	t.Parallel()
	_, logs, _ := boot(t, []string{"--demo"}, map[string]string{})
	for _, line := range strings.Split(logs.text(), "\n") {
		var entry map[string]any
		if json.Unmarshal([]byte(line), &entry) != nil || entry["message"] != "configuration" {
			continue
		}
		if entry["version"] != version || entry["commit"] != commit {
			t.Errorf("configuration log has version %v, commit %v; want %s, %s", entry["version"], entry["commit"], version, commit)
		}
		return
	}
	t.Errorf("no configuration line logged:\n%s", logs.text())
}
