package stack_test

import (
	"flag"
	"os"
	"testing"
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
