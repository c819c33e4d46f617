package review

import (
	"math/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/acme/platform/internal/sim"
)

func chainNames(p Path) []string {
	var out []string
	for _, s := range p.Chain {
		out = append(out, s.Name)
	}
	return out
}

// smallDAG: vpc -> subnet -> cluster -> instance is the longest chain
// (5+5+300+600 = 910s); the NAT gateway (subnet -> nat, 130s) and the
// security group and its rule (10s) run alongside.
func smallDAG() *builder {
	b := newBuilder()
	b.add(tVpc, "vpc", "vpc-1", nil)
	b.add(tSubnet, "subnet", "subnet-1", obj{"vpcId": "vpc-1"}).link("subnet", "vpcId", "vpc")
	b.add(tNAT, "nat", "nat-1", obj{"subnetId": "subnet-1"}).link("nat", "subnetId", "subnet")
	b.add(tSG, "sg", "sg-1", obj{"vpcId": "vpc-1"}).link("sg", "vpcId", "vpc")
	b.add(tIngress, "rule", "sgr-1", obj{"securityGroupId": "sg-1"}).link("rule", "securityGroupId", "sg")
	b.add(tRDSCluster, "cluster", "db", obj{}).link("cluster", "vpcSecurityGroupIds", "sg").link("cluster", "dbSubnetGroupName", "subnet")
	b.add(tRDSClusterIn, "instance", "db-1", obj{"clusterIdentifier": "db"}).link("instance", "clusterIdentifier", "cluster")
	return b
}

func TestCriticalPath_SmallDAG(t *testing.T) {
	p := CriticalPath(smallDAG().graph())
	if p.Total != 910*time.Second {
		t.Errorf("total %s, want 15m10s", p.Total)
	}
	if got, want := chainNames(p), []string{"vpc", "subnet", "cluster", "instance"}; !reflect.DeepEqual(got, want) {
		t.Errorf("chain %v, want %v", got, want)
	}
	wantStarts := []time.Duration{0, 5 * time.Second, 10 * time.Second, 310 * time.Second}
	for i, s := range p.Chain {
		if s.Start != wantStarts[i] || s.Finish != s.Start+s.Duration {
			t.Errorf("step %d %s: start %s finish %s duration %s", i, s.Name, s.Start, s.Finish, s.Duration)
		}
	}
	if p.Resources != 7 || p.Serial != (5+5+120+3+2+300+600)*time.Second {
		t.Errorf("resources %d, serial %s", p.Resources, p.Serial)
	}
}

func TestCriticalPath_ADependencyOnAComponentWaitsForEverythingUnderIt(t *testing.T) {
	b := smallDAG()
	b.component("platform:compute:Database", "database", "")
	b.under("cluster", "database").under("instance", "database")
	b.component("platform:compute:Service", "api-component", "")
	b.add(tECSService, "api", "api", nil).under("api", "api-component").dependsOn("api", "database")
	p := CriticalPath(b.graph())
	if p.Total != (910+120)*time.Second {
		t.Errorf("total %s, want 17m10s", p.Total)
	}
	if got, want := chainNames(p), []string{"vpc", "subnet", "cluster", "instance", "api"}; !reflect.DeepEqual(got, want) {
		t.Errorf("chain %v, want %v", got, want)
	}
	if p.Resources != 8 {
		t.Errorf("components are not resources: %d", p.Resources)
	}
	if p.StoresReady != 910*time.Second {
		t.Errorf("stores ready at %s, want 15m10s (the instance)", p.StoresReady)
	}
	if text := RenderCriticalPath(p); !strings.Contains(text, "Data stores ready at 15m10s; what comes after is the start of the workloads wired to them") {
		t.Errorf("the text does not say when the stores are ready:\n%s", text)
	}

	// A dependency on an empty component waits for nothing.
	b = smallDAG()
	b.component("platform:network:Empty", "empty", "")
	b.add(tECSService, "api", "api", nil).dependsOn("api", "empty")
	if got := CriticalPath(b.graph()); got.Total != 910*time.Second {
		t.Errorf("total %s", got.Total)
	}
}

func TestCriticalPath_IsDeterministic(t *testing.T) {
	b := smallDAG()
	// Two equally long branches: ties go to the first URN.
	b.add(tRDSCluster, "cluster2", "db2", obj{}).link("cluster2", "dbSubnetGroupName", "subnet")
	b.add(tRDSClusterIn, "instance2", "db2-1", obj{}).link("instance2", "clusterIdentifier", "cluster2")
	g := b.graph()
	want := CriticalPath(g)
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 10; i++ {
		s := &sim.Graph{Resources: append([]sim.Resource(nil), g.Resources...)}
		rng.Shuffle(len(s.Resources), func(i, j int) { s.Resources[i], s.Resources[j] = s.Resources[j], s.Resources[i] })
		if got := CriticalPath(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("got %v, want %v", chainNames(got), chainNames(want))
		}
	}
	if got := chainNames(want); got[len(got)-1] != "instance" {
		t.Errorf("tie broken towards %v; want the first URN (instance)", got)
	}
}

func TestCriticalPath_CyclesAndEmptyGraphs(t *testing.T) {
	b := newBuilder()
	b.add(tSubnet, "a", "a", nil).add(tSubnet, "b", "b", nil)
	b.dependsOn("a", "b").dependsOn("b", "a")
	p := CriticalPath(b.graph())
	if p.Total != 10*time.Second || len(p.Chain) != 2 {
		t.Errorf("a cycle is broken at one edge: %s %v", p.Total, chainNames(p))
	}
	if p := CriticalPath(&sim.Graph{}); p.Total != 0 || p.Chain != nil || len(p.Finish) != 0 {
		t.Errorf("empty graph: %+v", p)
	}
	if !strings.Contains(RenderCriticalPath(Path{}), "takes about 0s") {
		t.Error("an empty path still renders")
	}
}

func TestCreateTime(t *testing.T) {
	for _, tc := range []struct {
		r    sim.Resource
		want time.Duration
	}{
		{sim.Resource{Type: tEndpoint, Custom: true, Inputs: obj{"vpcEndpointType": "Interface"}}, 120 * time.Second},
		{sim.Resource{Type: tEndpoint, Custom: true, Inputs: obj{"vpcEndpointType": "Gateway"}}, 10 * time.Second},
		{sim.Resource{Type: tLambda, Custom: true, Inputs: obj{"vpcConfig": obj{"subnetIds": list("s")}}}, 60 * time.Second},
		{sim.Resource{Type: tLambda, Custom: true, Inputs: obj{}}, 5 * time.Second},
		{sim.Resource{Type: tCacheRG, Custom: true}, 900 * time.Second},
		{sim.Resource{Type: tVPNAssoc, Custom: true}, 600 * time.Second},
		{sim.Resource{Type: "aws:sns/topic:Topic", Custom: true}, 5 * time.Second},
		{sim.Resource{Type: "platform:network:Vpc"}, 0},
		{sim.Resource{Type: "pulumi:providers:aws", Custom: true}, 0},
	} {
		if got := CreateTime(tc.r); got != tc.want {
			t.Errorf("%s %v: %s, want %s", tc.r.Type, tc.r.Inputs, got, tc.want)
		}
	}
}

func TestRenderCriticalPath(t *testing.T) {
	p := CriticalPath(smallDAG().graph())
	text := RenderCriticalPath(p)
	for _, want := range []string{
		"Deploy critical path: a first `pulumi up` takes about 15m10s with unlimited parallelism",
		"7 resources, 17m15s one at a time",
		"5m10s  10m00s  instance  aws:rds/clusterInstance:ClusterInstance",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	if md := RenderCriticalPathMarkdown(p); !strings.Contains(md, "| 5m10s | 10m00s | `instance` | `aws:rds/clusterInstance:ClusterInstance` |") {
		t.Errorf("markdown:\n%s", md)
	}
	storeless := newBuilder()
	storeless.add(tVpc, "vpc", "vpc-1", nil)
	if p := CriticalPath(storeless.graph()); p.StoresReady != 0 || strings.Contains(RenderCriticalPath(p), "Data stores ready") {
		t.Errorf("a graph without stores: ready at %s\n%s", p.StoresReady, RenderCriticalPath(p))
	}
	if got := fmtDuration(3725 * time.Second); got != "1h02m05s" {
		t.Errorf("fmtDuration %s", got)
	}
}
