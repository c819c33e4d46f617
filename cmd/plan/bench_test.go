package main

import (
	"io"
	"testing"
)

// BenchmarkPlanProd is `go run ./cmd/plan --stack prod` without the build:
// the program under the simulated engine, then the compliance review, the
// cost estimate and the critical path, rendered as text.
// Run: go test ./cmd/plan -run '^$' -bench PlanProd -benchmem -count=5
func BenchmarkPlanProd(b *testing.B) {
	for b.Loop() {
		if code := run([]string{"--stack", "prod", "--dir", "../.."}, io.Discard, io.Discard); code != 0 {
			b.Fatalf("exit %d", code)
		}
	}
}
