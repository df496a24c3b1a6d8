package deploytest

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadEnvNames(t *testing.T) {
	t.Parallel()
	t.Run("the gateway reads DESIGN.md's variables", func(t *testing.T) {
		t.Parallel()
		names := gatewayEnv(t)
		for _, k := range append(append(slices.Clone(designEnv), secretEnv...), "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_TRACES_SAMPLER") {
			if !names[k] {
				t.Errorf("cmd/gateway does not read %s (found %v)", k, names)
			}
		}
	})
	t.Run("forms found and not found", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		src := `package main

import "os"

func env(k, def string) string { return def }

const (
	viaConst   = "VIA_CONST"
	rangeConst = "RANGED_CONST"
	notAString = 3
)

var viaVar = "VIA_VAR_IS_NOT_FOLLOWED"

func f(getenv func(string) string) {
	_ = env("VIA_ENV", "x")
	_ = getenv("VIA_GETENV")
	_ = os.Getenv("VIA_OS_GETENV")
	_, _ = os.LookupEnv("VIA_LOOKUPENV")
	_ = getenv(viaConst)
	_ = getenv(viaVar)
	for _, k := range []string{"RANGED_A", "RANGED_B", rangeConst} {
		_ = getenv(k)
	}
	for _, k := range []string{"RANGED_NOT_READ"} {
		_ = k
	}
	_ = env("lower_case_is_not_a_variable", "")
	_ = other("NOT_AN_ENV_READ")
	_ = "PLAIN_STRING"
}

func other(s string) string { return s }
`
		write := func(name, s string) {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write("main.go", src)
		write("main_test.go", "package main\n\nimport \"os\"\n\nvar _ = os.Getenv(\"ONLY_IN_TESTS\")\n")
		got, err := ReadEnvNames(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for k := range got {
			names = append(names, k)
		}
		slices.Sort(names)
		want := []string{"RANGED_A", "RANGED_B", "RANGED_CONST", "VIA_CONST", "VIA_ENV", "VIA_GETENV", "VIA_LOOKUPENV", "VIA_OS_GETENV"}
		if !slices.Equal(names, want) {
			t.Errorf("ReadEnvNames = %v, want %v", names, want)
		}
	})
	t.Run("a package that reads nothing is an error", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte("package a\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadEnvNames(dir); err == nil {
			t.Error("no error for a package without environment reads")
		}
	})
}
