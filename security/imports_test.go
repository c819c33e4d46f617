package security

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// pulumiFiles are the only files of the package that may import Pulumi.
var pulumiFiles = []string{"group.go", "policy.go"}

// The pure layer (graph, invariants, docs) must build and be reasoned about
// without Pulumi: its files import only the standard library and
// internal/problems. This is what lets cmd/plan and the docs generator stay
// fast and lets the invariants be tested without mocks.
func TestThePureLayerImportsOnlyTheStandardLibraryAndProblems(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	pure := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		ast, err := parser.ParseFile(fset, f, src, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if len(ast.Comments) > 0 && strings.HasPrefix(ast.Comments[0].Text(), "go:build") {
			t.Errorf("%s has a build constraint; the pure layer must be one tag-free file set", f)
		}
		if slices.Contains(pulumiFiles, f) {
			continue
		}
		pure++
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			std := !strings.Contains(strings.SplitN(path, "/", 2)[0], ".")
			if !std && path != "github.com/acme/platform/internal/problems" {
				t.Errorf("%s imports %s; the pure layer may import only the standard library and internal/problems", f, path)
			}
		}
	}
	if pure < 5 {
		t.Errorf("only %d pure files found", pure)
	}
}
