package stack_test

import (
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/stack"
)

// BenchmarkProdGraph runs the whole prod program under the simulated engine.
// Run: go test ./stack -run '^$' -bench ProdGraph -benchmem
func BenchmarkProdGraph(b *testing.B) {
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		b.Fatal(err)
	}
	var n int
	for b.Loop() {
		res, err := offline.Run(f)
		if err != nil {
			b.Fatal(err)
		}
		n = res.Graph.Custom()
	}
	b.ReportMetric(float64(n), "resources")
}
