package stack_test

import (
	"encoding/json"
	"fmt"
	"strings"
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

// syntheticStack is a dev-sized network with n ECS services, each allowed
// into the next one: n workloads, n security groups, about 2n edges with the
// endpoint and prefix-list egress.
func syntheticStack(n int) *stack.File {
	v := validValues()
	workloads := map[string]any{}
	allow := map[string]any{}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc%03d", i)
		workloads[name] = map[string]any{"kind": "ecs", "image": "111122223333.dkr.ecr.us-east-1.amazonaws.com/app:1", "port": 8080}
		if i > 0 {
			allow[name] = []any{map[string]any{"from": []any{fmt.Sprintf("svc%03d", i-1)}, "reason": "chain"}}
		}
	}
	b, _ := json.Marshal(workloads)
	v["platform:workloads"] = string(b)
	v["platform:network"] = strings.Replace(v["platform:network"], `"endpoints":["ssm","logs"]`, `"endpoints":["ssm","logs","ecr.api","ecr.dkr","ssmmessages","kms"]`, 1)
	// Every compute workload reaches the endpoints' group, one rule each: past
	// 60 workloads that group needs the raised rules-per-group quota.
	b, _ = json.Marshal(map[string]any{"allow": allow, "maxRulesPerGroup": 1000, "maxGroupsPerInterface": 1})
	v["platform:security"] = string(b)
	return &stack.File{Path: "synthetic", Stack: "test", Values: v}
}

// BenchmarkWorkloads runs the whole program with 10, 50 and 200 workloads;
// time and allocations per workload should stay flat (linear growth).
// Run: go test ./stack -run '^$' -bench Workloads -benchmem
func BenchmarkWorkloads(b *testing.B) {
	for _, n := range []int{10, 50, 200} {
		f := syntheticStack(n)
		b.Run(fmt.Sprintf("workloads=%d", n), func(b *testing.B) {
			var res *offline.Result
			var err error
			for b.Loop() {
				if res, err = offline.Run(f); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Graph.Custom()), "resources")
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/workload")
		})
	}
}

// The synthetic stacks are valid programs, so the benchmark measures real work.
func TestSyntheticStack_Runs(t *testing.T) {
	res, err := offline.Run(syntheticStack(10))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(res.Graph.OfType("aws:ecs/service:Service")); got != 10 {
		t.Errorf("%d services", got)
	}
}
