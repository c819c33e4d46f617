package stack_test

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"

	"github.com/acme/platform/stack"
)

// Pulumi.yaml must pass Pulumi's own project schema and declare, with a type and
// a description, exactly the keys the program reads.
func TestPulumiYAML_DocumentsEveryKeyTheProgramReads(t *testing.T) {
	proj, err := workspace.LoadProject("../Pulumi.yaml")
	if err != nil {
		t.Fatalf("Pulumi.yaml is not a valid project file: %v", err)
	}
	if proj.Name != stack.Project || proj.Runtime.Name() != "go" || proj.Description == nil || *proj.Description == "" {
		t.Errorf("project name %q runtime %q description %v", proj.Name, proj.Runtime.Name(), proj.Description)
	}
	declared := map[string]bool{}
	for key, decl := range proj.Config {
		full := key
		if !strings.Contains(full, ":") {
			full = stack.Project + ":" + key
		}
		declared[full] = true
		if decl.Description == "" {
			t.Errorf("Pulumi.yaml config %s has no description", key)
		}
		k, ok := findKey(full)
		if !ok {
			t.Errorf("Pulumi.yaml declares %s, which the program does not read", key)
			continue
		}
		if decl.Type == nil || *decl.Type != k.Type {
			t.Errorf("Pulumi.yaml types %s as %v, the program reads %q", key, decl.Type, k.Type)
		}
	}
	for _, k := range stack.ConfigKeys {
		if !declared[k.Name] {
			t.Errorf("the program reads %s but Pulumi.yaml does not declare it", k.Name)
		}
	}
}

func findKey(name string) (stack.Key, bool) {
	for _, k := range stack.ConfigKeys {
		if k.Name == name {
			return k, true
		}
	}
	return stack.Key{}, false
}

// Every stack file in the repository is complete and valid on its own.
func TestStackFiles_AreValid(t *testing.T) {
	files, err := stack.StackFiles("..")
	if err != nil || len(files) < 2 {
		t.Fatalf("stack files %v, %v", files, err)
	}
	for _, path := range files {
		f, err := stack.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Run(f.Stack, func(t *testing.T) {
			if _, err := stack.Parse(f.Stack, f.Values); err != nil {
				t.Error(err)
			}
		})
	}
}
