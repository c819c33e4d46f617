package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/migrate"
)

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEmitStackWritesTheGeneratorsFileAndKeepsTheExitCode(t *testing.T) {
	out := filepath.Join(t.TempDir(), "Pulumi.legacy.yaml")
	code, stdout, stderr := runCLI("--dir", seed, "--emit-stack", "legacy", "--stack-out", out, "--name", "prod", "--protect")
	if code != 1 || !strings.Contains(stderr, "17 findings at severity medium or above") {
		t.Fatalf("exit %d, stderr %q: emitting must not change the audit's verdict", code, stderr)
	}
	_, plain, _ := runCLI("--dir", seed)
	if stdout != plain {
		t.Error("the report must be the same with --emit-stack")
	}
	inv, err := audit.Load(seed)
	if err != nil {
		t.Fatal(err)
	}
	// The file names the snapshot from the project's root, where pulumi runs.
	want, err := migrate.GenerateStack(inv, migrate.Options{StackName: "legacy", Name: "prod", Protect: true, Snapshot: "audit/testdata/seed-before"})
	if err != nil {
		t.Fatal(err)
	}
	if readFile(t, out) != string(want) {
		t.Error("--emit-stack wrote something else than migrate.GenerateStack")
	}
}

func TestEmitStackDefaultsToPulumiNameYamlInTheCurrentDirectory(t *testing.T) {
	abs, err := filepath.Abs(clean)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	t.Chdir(dir)
	if code, _, stderr := runCLI("--dir", abs, "--emit-stack", "clean"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(readFile(t, filepath.Join(dir, "Pulumi.clean.yaml")), "vpc-026db5a3cbf1c6ef8") {
		t.Error("Pulumi.clean.yaml does not adopt the clean VPC")
	}
}

func TestEmitImportWritesTheLegacyGroups(t *testing.T) {
	out := filepath.Join(t.TempDir(), "legacy.json")
	if code, _, stderr := runCLI("--dir", seed, "--max-findings", "100", "--emit-import", out, "--vpc", "vpc-050054c316fb6e16c"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	inv, _ := audit.Load(seed)
	want, _ := migrate.ImportFile(inv, "vpc-050054c316fb6e16c")
	if readFile(t, out) != string(want) {
		t.Error("--emit-import wrote something else than migrate.ImportFile")
	}
}

func TestEmitErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"generator flags need --emit-stack", []string{"--dir", seed, "--nat", "single"}, "--nat: only with --emit-stack"},
		{"--vpc needs an emitter", []string{"--dir", seed, "--vpc", "vpc-050054c316fb6e16c"}, "--vpc: only with --emit-stack (--vpc also with --emit-import)"},
		{"a stack the generator refuses", []string{"--dir", seed, "--emit-stack", "x", "--stack-out", filepath.Join(dir, "x.yaml"), "--nat", "none"}, "--emit-stack: migrate: nat none"},
		{"an unknown VPC", []string{"--dir", seed, "--emit-import", filepath.Join(dir, "i.json"), "--vpc", "vpc-0000000000000000f"}, "--emit-import: migrate: vpc-0000000000000000f is not in the inventory"},
		{"a stack file needs a whole snapshot folder", []string{"--vpcs", seed + "/" + audit.VPCsFile, "--subnets", seed + "/" + audit.SubnetsFile, "--emit-stack", "x"}, "--emit-stack: the stack file names the snapshot folder it adopts from"},
		{"a live read without --save", []string{"--region", "eu-west-1", "--emit-stack", "x"}, "add --save DIR to the live read"},
		{"stages the config refuses", []string{"--dir", seed, "--emit-stack", "x", "--stack-out", filepath.Join(dir, "x.yaml"), "--stages", "one,One"}, "platform:migration.stages[1]"},
		{"an unwritable file", []string{"--dir", seed, "--emit-stack", "x", "--stack-out", filepath.Join(dir, "missing", "x.yaml")}, "--emit-stack: open"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(tc.args...)
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
		})
	}
}

// The command examples/migration/README.md gives to regenerate the adopt
// stage of the seed account writes exactly the committed files.
func TestTheDocumentedCommandRegeneratesTheExample(t *testing.T) {
	dir := t.TempDir()
	stackOut, importOut := filepath.Join(dir, "Pulumi.adopt.yaml"), filepath.Join(dir, "legacy-groups.import.json")
	code, _, stderr := runCLI("--dir", filepath.Join("..", "..", "examples", "migration", "snapshot"), "--out", filepath.Join(dir, "audit.md"), "--max-findings", "100",
		"--emit-stack", "adopt", "--name", "prod", "--protect", "--adopt-aurora",
		"--stack-out", stackOut, "--emit-import", importOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	examples := filepath.Join("..", "..", "examples", "migration")
	for _, f := range []string{"Pulumi.adopt.yaml", "legacy-groups.import.json"} {
		if readFile(t, filepath.Join(dir, f)) != readFile(t, filepath.Join(examples, f)) {
			t.Errorf("examples/migration/%s differs from what the documented command writes; regenerate it (examples/migration/README.md)", f)
		}
	}
}

// --adopt-aurora adds the snapshot's Aurora cluster, adopted, to the emitted
// import-only stage; it needs --emit-stack.
func TestEmitStackAdoptsTheAuroraClusterWhenAsked(t *testing.T) {
	const whole = "../../examples/migration/snapshot"
	out := filepath.Join(t.TempDir(), "Pulumi.adopt.yaml")
	if code, _, stderr := runCLI("--dir", whole, "--max-findings", "1000", "--emit-stack", "adopt", "--stack-out", out,
		"--name", "prod", "--protect", "--adopt-aurora"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	got := readFile(t, out)
	if !strings.Contains(got, "clusterIdentifier: prod-aurora") || !strings.Contains(got, "kind: aurora") {
		t.Errorf("--adopt-aurora wrote no adopted cluster:\n%s", got)
	}
	if code, _, stderr := runCLI("--dir", whole, "--adopt-aurora"); code != 2 || !strings.Contains(stderr, "--adopt-aurora: only with --emit-stack") {
		t.Errorf("exit %d: %s", code, stderr)
	}
}
