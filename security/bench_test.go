package security

import (
	"fmt"
	"testing"
)

// benchPlatform has n workloads (one in five an aurora cluster, the rest ecs
// services) and 10*n grant edges: every workload is reached by the next ten
// compute workloads, in two grants of five.
func benchPlatform(n int) ([]Workload, Config, Env) {
	ws := make([]Workload, n)
	var compute []int
	for i := range ws {
		ws[i] = Workload{Name: fmt.Sprintf("w%04d", i), Kind: KindECS, Port: AppHTTP, InternetEgress: i%3 == 0}
		if i%5 == 4 {
			ws[i] = Workload{Name: ws[i].Name, Kind: KindAurora, Port: Postgres}
		} else {
			compute = append(compute, i)
		}
	}
	cfg := Config{Allow: make(map[string][]Grant, n)}
	for i, w := range ws {
		var from []string
		for j := 0; len(from) < 10; j++ {
			if c := compute[(i+j)%len(compute)]; c != i {
				from = append(from, ws[c].Name)
			}
		}
		cfg.Allow[w.Name] = []Grant{{From: from[:5]}, {From: from[5:], Reason: "batch two"}}
	}
	return ws, cfg, Env{GatewayEndpoints: []string{"s3", "dynamodb"}}
}

func TestBenchmarkPlatformIsValid(t *testing.T) {
	ws, cfg, env := benchPlatform(200)
	g, err := Build(ws, cfg, env)
	if err != nil {
		t.Fatal(err)
	}
	grantEdges := 0
	for _, e := range g.Edges() {
		if !e.Implicit {
			grantEdges++
		}
	}
	if grantEdges != 2000 {
		t.Errorf("%d grant edges, want 2000", grantEdges)
	}
}

func BenchmarkBuildGraph(b *testing.B) {
	for _, n := range []int{50, 200, 800} {
		b.Run(fmt.Sprintf("workloads=%d", n), func(b *testing.B) {
			ws, cfg, env := benchPlatform(n)
			g, err := Build(ws, cfg, env)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Build(ws, cfg, env); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(g.Edges())), "edges")
			b.ReportMetric(float64(len(g.Rules())), "rules")
		})
	}
}
