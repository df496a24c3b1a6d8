// Package deploytest checks the deploy artifacts (Dockerfile, .dockerignore,
// docker-compose.yml and the Helm chart under helm/sfgate) against the code
// they deploy: the environment variables the gateway really reads, the
// binaries the image really builds, the probe paths it really serves. Its
// tests render the chart with a pinned Helm (docs/deploy.md).
package deploytest

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// envName is the shape of an environment variable the gateway reads.
var envName = regexp.MustCompile(`^[A-Z][A-Z0-9_]*$`)

// ReadEnvNames returns the environment variables read by the Go package in
// dir (non-test files only), found in its syntax rather than in a list kept
// by hand: the first argument of a call to a function named env, getenv,
// Getenv or LookupEnv when it is a string literal or a package-level string
// constant, and the elements of a []string literal ranged over by a loop
// whose body passes the loop variable to such a function.
func ReadEnvNames(dir string) (map[string]bool, error) {
	files, err := parsePackage(dir)
	if err != nil {
		return nil, fmt.Errorf("read env names: %w", err)
	}
	consts := stringDecls(files, token.CONST)
	names := map[string]bool{}
	for _, f := range files {
		ast.Inspect(f, func(node ast.Node) bool {
			switch node := node.(type) {
			case *ast.CallExpr:
				if isEnvReader(node.Fun) && len(node.Args) > 0 {
					if s, ok := stringValue(node.Args[0], consts); ok && envName.MatchString(s) {
						names[s] = true
					}
				}
			case *ast.RangeStmt:
				for _, s := range rangedEnvNames(node, consts) {
					names[s] = true
				}
			}
			return true
		})
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("read env names: no environment reads found in %s", dir)
	}
	return names, nil
}

func isEnvReader(fun ast.Expr) bool {
	var name string
	switch f := fun.(type) {
	case *ast.Ident:
		name = f.Name
	case *ast.SelectorExpr:
		name = f.Sel.Name
	default:
		return false
	}
	return slices.Contains([]string{"env", "getenv", "Getenv", "LookupEnv"}, name)
}

func stringLit(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// stringValue is a string literal's value, or a string constant's.
func stringValue(e ast.Expr, consts map[string]string) (string, bool) {
	if id, ok := e.(*ast.Ident); ok {
		s, ok := consts[id.Name]
		return s, ok
	}
	return stringLit(e)
}

// parsePackage parses the non-test Go files of the package in dir.
func parsePackage(dir string) ([]*ast.File, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	return files, nil
}

// stringDecls maps the package-level constants (tok CONST) or variables
// (tok VAR) whose value is a string literal to that value.
func stringDecls(files []*ast.File, tok token.Token) map[string]string {
	decls := map[string]string{}
	for _, f := range files {
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != tok {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if s, ok := stringLit(vs.Values[i]); ok {
							decls[n.Name] = s
						}
					}
				}
			}
		}
	}
	return decls
}

// rangedEnvNames handles `for _, k := range []string{"A", "B"} { … getenv(k) … }`.
func rangedEnvNames(r *ast.RangeStmt, consts map[string]string) []string {
	v, ok := r.Value.(*ast.Ident)
	if !ok {
		return nil
	}
	lit, ok := r.X.(*ast.CompositeLit)
	if !ok {
		return nil
	}
	reads := false
	ast.Inspect(r.Body, func(n ast.Node) bool {
		if c, ok := n.(*ast.CallExpr); ok && isEnvReader(c.Fun) && len(c.Args) > 0 {
			if id, ok := c.Args[0].(*ast.Ident); ok && id.Name == v.Name {
				reads = true
			}
		}
		return !reads
	})
	if !reads {
		return nil
	}
	var out []string
	for _, e := range lit.Elts {
		if s, ok := stringValue(e, consts); ok && envName.MatchString(s) {
			out = append(out, s)
		}
	}
	return out
}
