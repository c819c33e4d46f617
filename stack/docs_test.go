package stack_test

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/review"
	"github.com/acme/platform/stack"
)

var update = flag.Bool("update", false, "rewrite generated files (docs/network-rules.md)")

// docs/network-rules.md is generated from the prod graph; a stale copy fails
// here. Regenerate with: go run ./cmd/plan --stack prod --rules-doc docs/network-rules.md
// (or go test ./stack -update).
func TestNetworkRulesDoc_IsUpToDateForProd(t *testing.T) {
	want := run(t, "prod").Platform.RulesDoc()
	const path = "../docs/network-rules.md"
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale; regenerate it with `go run ./cmd/plan --stack prod --rules-doc docs/network-rules.md` and commit the result", path)
	}
}

// docs/data-protection.md is generated from the prod stack and the restore
// drill; a stale copy fails here. Regenerate with go test ./stack -run DataProtectionDoc -update.
func TestDataProtectionDoc_IsUpToDate(t *testing.T) {
	const drillFile = "examples/restore-drill/Pulumi.restore-drill.yaml"
	drill, err := offline.RunFile("../" + drillFile)
	if err != nil {
		t.Fatal(err)
	}
	want, err := stack.DataProtectionDoc(run(t, "prod").Platform.Design, drill.Platform.Design,
		stack.DrillRun{File: drillFile, Deploy: review.CriticalPath(drill.Graph).Total})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"prod-vault", "alias/prod/database", "pulumi up --stack restore-drill", "drill-counts.txt", "keys.keep: [database]", "restore: {pointInTime:"} {
		if !strings.Contains(want, s) {
			t.Errorf("the document lacks %q", s)
		}
	}
	const path = "../docs/data-protection.md"
	if *update {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is stale; regenerate it with `go test ./stack -run DataProtectionDoc -update` and commit the result", path)
	}
}
