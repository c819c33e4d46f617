package review_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/review"
	stackpkg "github.com/acme/platform/stack"
)

// inherentChain is what no program can make shorter: the VPC, one subnet,
// the DB subnet group, the Aurora cluster and one of its instances, one
// after the other, each at review.CreateTime; then, because a workload that
// is told a store's address (its environment names the endpoint) cannot
// start before the store exists, the slowest such workload's own start and
// the alarm that watches it.
func inherentChain(t *rapid.T, g *sim.Graph) time.Duration {
	return storeChain(t, g) + wiredStart(g)
}

// storeChain is the inherent chain of the data tier: the VPC, one
// subnet, the DB subnet group, the cluster and one instance.
func storeChain(t *rapid.T, g *sim.Graph) time.Duration {
	var total time.Duration
	for _, typ := range []string{"aws:ec2/vpc:Vpc", "aws:ec2/subnet:Subnet", "aws:rds/subnetGroup:SubnetGroup",
		"aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance"} {
		rs := g.OfType(typ)
		if len(rs) == 0 {
			t.Fatalf("the graph has no %s", typ)
		}
		total += review.CreateTime(rs[0])
	}
	return total
}

// wiredStart is the longest start of a workload wired to a store: an ECS
// task definition and service (then its scaling target and a policy), a
// launch template and Auto Scaling group (then a policy), a function or a job
// definition, plus one alarm on it when the stack has alarms.
func wiredStart(g *sim.Graph) time.Duration {
	one := func(typ string) time.Duration {
		if rs := g.OfType(typ); len(rs) > 0 {
			return review.CreateTime(rs[0])
		}
		return 0
	}
	var longest time.Duration
	for _, start := range [][]string{
		{"aws:ecs/taskDefinition:TaskDefinition", "aws:ecs/service:Service", "aws:appautoscaling/target:Target", "aws:appautoscaling/policy:Policy"},
		{"aws:ec2/launchTemplate:LaunchTemplate", "aws:autoscaling/group:Group", "aws:autoscaling/policy:Policy"},
		{"aws:lambda/function:Function"},
		{"aws:batch/jobDefinition:JobDefinition"},
	} {
		var d time.Duration
		for _, typ := range start {
			d += one(typ)
		}
		longest = max(longest, d)
	}
	return longest + one("aws:cloudwatch/metricAlarm:MetricAlarm")
}

// prodWith is the prod stack file with the database's instance count and the
// network's zone count set; one instance needs platform:protect off (prod
// refuses a single instance).
func prodWith(t *rapid.T, instances, zones int) *stackpkg.File {
	f, err := stackpkg.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edit := func(key string, change func(m map[string]any)) {
		var m map[string]any
		if err := json.Unmarshal([]byte(f.Values[key]), &m); err != nil {
			t.Fatal(err)
		}
		change(m)
		b, _ := json.Marshal(m)
		f.Values[key] = string(b)
	}
	edit("platform:workloads", func(m map[string]any) { m["database"].(map[string]any)["instances"] = instances })
	edit("platform:network", func(m map[string]any) { m["azCount"] = zones })
	if instances < 2 {
		f.Values["platform:protect"] = "false"
	}
	return f
}

// The first deploy of prod with 1 to 5 Aurora instances, in two or three
// zones, is estimated at no more than 5% over the inherent chain: the
// instances are created beside each other, not one after another.
func TestCriticalPath_StaysWithinFivePercentOfTheInherentChain(t *testing.T) {
	seen := map[string]bool{}
	runs := map[[2]int]*offline.Result{} // the domain is small: run each point once
	rapid.Check(t, func(t *rapid.T) {
		instances := rapid.IntRange(1, 5).Draw(t, "instances")
		zones := rapid.IntRange(2, 3).Draw(t, "zones")
		res, ok := runs[[2]int{instances, zones}]
		if !ok {
			var err error
			if res, err = offline.Run(prodWith(t, instances, zones)); err != nil {
				t.Fatal(err)
			}
			runs[[2]int{instances, zones}] = res
		}
		if got := len(res.Graph.OfType("aws:rds/clusterInstance:ClusterInstance")); got != instances {
			t.Fatalf("%d instances registered, want %d", got, instances)
		}
		p := review.CriticalPath(res.Graph)
		inherent := inherentChain(t, res.Graph)
		if limit := inherent * 105 / 100; p.Total > limit {
			t.Fatalf("%d instances, %d zones: estimated %s, more than 1.05 x the inherent %s (%s):\n%s",
				instances, zones, p.Total, inherent, limit, review.RenderCriticalPath(p))
		}
		if stores := storeChain(t, res.Graph); p.StoresReady > stores*105/100 {
			t.Fatalf("%d instances, %d zones: the stores are ready at %s, more than 1.05 x the chain VPC, subnet, DB subnet group, cluster, one instance (%s)",
				instances, zones, p.StoresReady, stores)
		}
		seen[fmt.Sprint(instances)] = true
	})
	if len(seen) < 5 {
		t.Errorf("only instance counts %v were drawn", seen)
	}
}
