package archtest

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Size limits that keep the code readable by a newcomer: a file can be read
// in one sitting and a function on one or two screens. The exceptions are
// the two hand-written parsers, whose state machines read best whole.
const (
	maxFileLines = 800
	maxFuncLines = 100
)

// sizeExempt reports whether the file at rel (slash-separated, from the
// repository root) may exceed the limits: the streaming XML scanner of the
// Salesforce client, and the emulator's SOQL/SOSL parser and compiler
// (non-test files only).
func sizeExempt(rel string) bool {
	if rel == "internal/salesforce/scanner.go" {
		return true
	}
	return strings.HasPrefix(rel, "internal/sfsim/soql/") && !strings.HasSuffix(rel, "_test.go")
}

// generated reports whether src carries Go's "Code generated … DO NOT EDIT."
// marker (https://go.dev/s/generatedcode).
func generated(src []byte) bool {
	for line := range bytes.Lines(src) {
		if bytes.HasPrefix(line, []byte("package ")) {
			return false
		}
		if bytes.HasPrefix(line, []byte("// Code generated ")) && bytes.Contains(line, []byte("DO NOT EDIT.")) {
			return true
		}
	}
	return false
}

func TestFileAndFunctionSizes(t *testing.T) {
	t.Parallel()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", "node_modules", "testdata":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if generated(src) || sizeExempt(rel) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		checked++
		if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
			t.Errorf("%s has %d lines, more than %d: split it at its own concerns", rel, n, maxFileLines)
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok {
				continue
			}
			if n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1; n > maxFuncLines {
				t.Errorf("%s: %s has %d lines, more than %d: split it into named steps", rel, fn.Name.Name, n, maxFuncLines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("checked only %d Go files: the walk did not start at the repository root", checked)
	}
}
