package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Every explicit pulumi.DependsOn must say, in a comment just above it, why
// the cloud needs the ordering: an unexplained dependency slows every deploy
// (it serialises work) and nobody dares remove it later.
func TestEveryExplicitDependsOnCarriesAComment(t *testing.T) {
	root := "../.."
	checked := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments)
		if err != nil {
			return err
		}
		commentEnds := map[int]bool{} // lines on which a comment ends
		for _, cg := range f.Comments {
			commentEnds[fset.Position(cg.End()).Line] = true
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "DependsOn" {
				return true
			}
			if id, ok := sel.X.(*ast.Ident); !ok || id.Name != "pulumi" {
				return true
			}
			checked++
			line := fset.Position(call.Pos()).Line
			if !commentEnds[line-1] && !commentEnds[line] {
				t.Errorf("%s:%d: pulumi.DependsOn without a comment saying why the cloud needs it", path, line)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("found no DependsOn at all: the walk checked nothing")
	}
}
