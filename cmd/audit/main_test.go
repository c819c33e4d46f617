package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var (
	seed  = filepath.Join("..", "..", "audit", "testdata", "seed-before")
	clean = filepath.Join("..", "..", "audit", "testdata", "clean")
)

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(broken, []byte(`{"NetworkInterfaces": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The seed has 16 high, 1 medium, 7 low and 2 info findings (the low
	// ones include its two default groups with rules and an unused group).
	cases := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"the exposed account fails at the default threshold", []string{"--dir", seed}, 1, "17 findings at severity medium or above, 0 allowed"},
		{"the clean target passes at the default threshold", []string{"--dir", clean}, 0, ""},
		{"info findings never count, even with --fail-on low", []string{"--dir", clean, "--fail-on", "low"}, 0, ""},
		{"--max-findings tolerates up to N counted findings", []string{"--dir", seed, "--max-findings", "17"}, 0, ""},
		{"one more than --max-findings fails", []string{"--dir", seed, "--max-findings", "16"}, 1, ""},
		{"--fail-on high counts only high findings", []string{"--dir", seed, "--fail-on", "high", "--max-findings", "16"}, 0, ""},
		{"--fail-on low also counts low findings", []string{"--dir", seed, "--fail-on", "low", "--max-findings", "23"}, 1, "24 findings at severity low or above"},
		{"single-dash flags work too", []string{"-dir", seed, "-fail-on", "HIGH", "-max-findings", "16"}, 0, ""},
		{"malformed JSON exits 2 naming the file", []string{"--dir", seed, "--network-interfaces", broken}, 2, "broken.json: malformed JSON"},
		{"a missing snapshot file exits 2 naming it", []string{"--dir", dir}, 2, filepath.Join(dir, "vpcs.json")},
		{"no input at all exits 2", nil, 2, "nothing to audit"},
		{"an unknown format exits 2", []string{"--dir", seed, "--format", "html"}, 2, "unknown --format"},
		{"an unknown --fail-on exits 2", []string{"--dir", seed, "--fail-on", "critical"}, 2, "unknown --fail-on"},
		{"info is not a failure threshold", []string{"--dir", seed, "--fail-on", "info"}, 2, "unknown --fail-on"},
		{"a negative --max-findings exits 2", []string{"--dir", seed, "--max-findings", "-1"}, 2, "--max-findings"},
		{"a stray argument exits 2", []string{"--dir", seed, "extra"}, 2, "unexpected argument"},
		{"an unknown flag exits 2", []string{"--bogus"}, 2, "flag provided but not defined"},
		{"help exits 0", []string{"-h"}, 0, "-max-findings"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, _, stderr := runCLI(tc.args...)
			if code != tc.want {
				t.Fatalf("exit code %d, want %d; stderr:\n%s", code, tc.want, stderr)
			}
			if !strings.Contains(stderr, tc.wantStderr) {
				t.Errorf("stderr %q should contain %q", stderr, tc.wantStderr)
			}
		})
	}
}

func TestOutputMatchesTheGoldenReports(t *testing.T) {
	for _, tc := range []struct{ dir, format, golden string }{
		{seed, "markdown", "seed-before.golden.md"},
		{seed, "json", "seed-before.golden.json"},
		{clean, "markdown", "clean.golden.md"},
		{clean, "json", "clean.golden.json"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			_, stdout, _ := runCLI("--dir", tc.dir, "--format", tc.format)
			want, err := os.ReadFile(filepath.Join("..", "..", "audit", "testdata", tc.golden))
			if err != nil {
				t.Fatal(err)
			}
			if stdout != string(want) {
				t.Errorf("output differs from %s (regenerate with go test ./audit -update)", tc.golden)
			}
		})
	}
}

func TestMarkdownIsTheDefaultFormat(t *testing.T) {
	_, stdout, _ := runCLI("--dir", clean)
	if !strings.HasPrefix(stdout, "# Network audit: clean\n") {
		t.Fatalf("got:\n%s", stdout)
	}
}

func TestOutWritesTheReportToAFileInsteadOfStdout(t *testing.T) {
	out := filepath.Join(t.TempDir(), "report.json")
	code, stdout, _ := runCLI("--dir", clean, "--format", "json", "--out", out)
	if code != 0 || stdout != "" {
		t.Fatalf("exit %d, stdout %q", code, stdout)
	}
	data, err := os.ReadFile(out)
	if err != nil || !bytes.HasPrefix(data, []byte("{\n")) {
		t.Fatalf("report file: %v %q", err, data)
	}
}

func TestPerFileFlagsWorkWithoutDir(t *testing.T) {
	f := func(name string) string { return filepath.Join(seed, name) }
	code, stdout, stderr := runCLI(
		"--vpcs", f("vpcs.json"), "--subnets", f("subnets.json"), "--route-tables", f("route-tables.json"),
		"--security-groups", f("security-groups.json"), "--network-interfaces", f("network-interfaces.json"),
		"--title", "seed-before")
	if code != 1 {
		t.Fatalf("exit %d; stderr %s", code, stderr)
	}
	_, fromDir, _ := runCLI("--dir", seed)
	if stdout != fromDir {
		t.Error("per-file flags and --dir should give the same report")
	}
}

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/audit.md and the generated block of docs/migration.md")

// docs/audit.md shows exactly the commands and policy the code derives
// from audit.Calls.
func TestAuditDocShowsTheCommandsAndThePolicy(t *testing.T) {
	_, cmds, _ := runCLI("--print-commands")
	_, policy, _ := runCLI("--print-policy")
	doc := "# Auditing an account\n\n" +
		"Live: `go run ./cmd/audit --region R [--profile P] [--save DIR]`. Offline: `go run ./cmd/audit --dir DIR`.\n" +
		"Both give the same report for a folder written by `--save`. This page is checked against the code by `go test ./cmd/audit` (regenerate with `go test ./cmd/audit -update-docs`).\n\n" +
		"## Collecting the folder by hand (`--print-commands`)\n\n```sh\n" + cmds + "```\n\n" +
		"## Read-only IAM policy (`--print-policy`)\n\n```json\n" + policy + "```\n"
	path := filepath.Join("..", "..", "docs", "audit.md")
	if *updateDocs {
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil || string(got) != doc {
		t.Errorf("docs/audit.md is stale (go test ./cmd/audit -update-docs): %v", err)
	}
}

// The migration runbook's snapshot commands are the ones --print-commands
// prints: the block between its markers is generated, the rest of the page
// is prose.
func TestMigrationDocListsEveryCommandOfTheCallTable(t *testing.T) {
	_, cmds, _ := runCLI("--print-commands")
	if !strings.Contains(cmds, "aws autoscaling describe-auto-scaling-groups") || !strings.Contains(cmds, "aws ec2 describe-network-interfaces") {
		t.Fatalf("--print-commands lacks commands of the call table:\n%s", cmds)
	}
	const begin = "<!-- begin: go run ./cmd/audit --print-commands (regenerate with go test ./cmd/audit -update-docs) -->\n"
	const end = "<!-- end: go run ./cmd/audit --print-commands -->\n"
	block := "```sh\nmkdir -p snapshot && cd snapshot\n" + cmds + "cd .. && go run ./cmd/audit --dir snapshot        # exit 1 while there are findings\n```\n"
	path := filepath.Join("..", "..", "docs", "migration.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("docs/migration.md has lost its generated block's markers (%q ... %q)", begin, end)
	}
	if *updateDocs {
		doc = doc[:i+len(begin)] + block + doc[j:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if doc[i+len(begin):j] != block {
		t.Errorf("docs/migration.md's snapshot commands differ from --print-commands (go test ./cmd/audit -update-docs)")
	}
}

// README shows the read-only policy the live audit needs, as the code
// derives it: the block between its markers is generated.
func TestReadmeShowsTheAuditsReadOnlyPolicy(t *testing.T) {
	_, policy, _ := runCLI("--print-policy")
	if !strings.Contains(policy, "ec2:DescribeNetworkInterfaces") || strings.Contains(policy, ":Create") {
		t.Fatalf("--print-policy is not the read-only policy:\n%s", policy)
	}
	const begin = "<!-- begin: go run ./cmd/audit --print-policy (regenerate with go test ./cmd/audit -update-docs) -->\n"
	const end = "<!-- end: go run ./cmd/audit --print-policy -->\n"
	block := "```json\n" + policy + "```\n"
	path := filepath.Join("..", "..", "README.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has lost the policy block's markers (%q ... %q)", begin, end)
	}
	if *updateDocs {
		doc = doc[:i+len(begin)] + block + doc[j:]
		if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if doc[i+len(begin):j] != block {
		t.Errorf("README.md's audit policy differs from --print-policy (go test ./cmd/audit -update-docs)")
	}
}
