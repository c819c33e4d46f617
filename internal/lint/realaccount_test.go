package lint

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/real-account.md promises, item by item, an AWS rule, what the program
// does and the tests that prove it. Every item carries the three parts, and
// every test it names exists, so the list cannot drift from the code.
func TestRealAccountDocNamesTestsThatExist(t *testing.T) {
	b, err := os.ReadFile("../../docs/real-account.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	sections := strings.Split(doc, "\n## ")[1:]
	if len(sections) < 7 {
		t.Fatalf("%d items", len(sections))
	}
	for _, sec := range sections {
		title, _, _ := strings.Cut(sec, "\n")
		for _, part := range []string{"**AWS rule.**", "**What the program does.**", "**Tests.**"} {
			if !strings.Contains(sec, part) {
				t.Errorf("%q lacks %s", title, part)
			}
		}
	}

	defined := map[string]bool{}
	decl := regexp.MustCompile(`(?m)^func (Test[A-Za-z0-9_]+)\(`)
	err = filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range decl.FindAllStringSubmatch(string(src), -1) {
			defined[m[1]] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	named := regexp.MustCompile("`(?:[a-z/]+\\.)?(Test[A-Za-z0-9_]+)`")
	found := 0
	for _, m := range named.FindAllStringSubmatch(doc, -1) {
		found++
		if !defined[m[1]] {
			t.Errorf("docs/real-account.md names %s, which no test file defines", m[1])
		}
	}
	if found == 0 {
		t.Error("the document names no test")
	}
}
