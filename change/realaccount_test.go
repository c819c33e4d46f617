package change

import (
	"strings"
	"testing"

	"github.com/acme/platform/internal/sim"
)

func cluster(version string, extra map[string]any) sim.Resource {
	in := map[string]any{"engine": "aurora-postgresql", "engineVersion": version, "clusterIdentifier": "db-1"}
	for k, v := range extra {
		in[k] = v
	}
	return sim.Resource{URN: "urn:c", Type: typeRDSCluster, Name: "db", Custom: true, Inputs: in,
		PropertyDependencies: map[string][]string{"dbClusterParameterGroupName": {"urn:pg"}}}
}

func paramGroup(family string) sim.Resource {
	return sim.Resource{URN: "urn:pg", Type: typeRDSParams, Name: "pg", Custom: true, Inputs: map[string]any{"family": family}}
}

func TestRefusals_EachRuleAWSApplies(t *testing.T) {
	allow := map[string]any{"allowMajorVersionUpgrade": true}
	for _, tt := range []struct {
		name        string
		old, now    string
		extra       map[string]any
		family      string
		want        string // "" = accepted
		wantRefused int
	}{
		{"minor upgrade", "16.4", "16.6", nil, "aurora-postgresql16", "", 0},
		{"downgrade", "16.6", "16.4", allow, "aurora-postgresql16", "RDS refuses to downgrade", 1},
		{"major without the flag", "16.6", "17.4", nil, "aurora-postgresql17", "unless the modify call carries allowMajorVersionUpgrade", 1},
		{"major with the old family", "16.6", "17.4", allow, "aurora-postgresql16", "family aurora-postgresql17", 1},
		{"major done right", "16.6", "17.4", allow, "aurora-postgresql17", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			g := &sim.Graph{Resources: []sim.Resource{cluster(tt.now, tt.extra), paramGroup(tt.family)}}
			got := refusals(cluster(tt.old, nil), cluster(tt.now, tt.extra), g)
			if len(got) != tt.wantRefused || (tt.want != "" && !strings.Contains(strings.Join(got, "\n"), tt.want)) {
				t.Errorf("refusals %q, want %d containing %q", got, tt.wantRefused, tt.want)
			}
		})
	}
	ignored := cluster("16.4", nil)
	ignored.IgnoreChanges = []string{"engineVersion"}
	if got := refusals(cluster("16.6", nil), ignored, &sim.Graph{}); got != nil {
		t.Errorf("an ignored engineVersion is never sent: %q", got)
	}
}

func TestDiff_CacheUpgradesInPlaceDowngradesReplace(t *testing.T) {
	rg := func(engine, version string) *sim.Graph {
		return &sim.Graph{Resources: []sim.Resource{{URN: "urn:rg", Type: typeCacheGroup, Name: "rg", Custom: true,
			Inputs: map[string]any{"engine": engine, "engineVersion": version}}}}
	}
	for _, tt := range []struct {
		name     string
		from, to *sim.Graph
		want     Kind
	}{
		{"minor upgrade", rg("valkey", "8.0"), rg("valkey", "8.1"), Updated},
		{"minor downgrade", rg("valkey", "8.1"), rg("valkey", "8.0"), Replaced},
		{"redis to valkey", rg("redis", "7.1"), rg("valkey", "8.0"), Updated},
		{"valkey to redis", rg("valkey", "8.0"), rg("redis", "8.0"), Replaced},
	} {
		if e, _ := Diff(tt.from, tt.to).Get("urn:rg"); e.Kind != tt.want {
			t.Errorf("%s: %s, want %s (%v)", tt.name, e.Kind, tt.want, e.Reasons)
		}
	}
}

func TestReadBack_FollowsTheProvider(t *testing.T) {
	g := &sim.Graph{Resources: []sim.Resource{
		{Type: typeRDSCluster, Inputs: map[string]any{"clusterIdentifier": "a", "engineVersion": "16"}},
		{Type: typeRDSCluster, Inputs: map[string]any{"clusterIdentifier": "b", "engineVersion": "16.4"}},
		{Type: typeCacheGroup, Inputs: map[string]any{"replicationGroupId": "c", "engine": "valkey", "engineVersion": "8.0"}},
		{Type: typeCacheGroup, Inputs: map[string]any{"replicationGroupId": "d", "engine": "redis", "engineVersion": "5.0.6"}},
	}}
	got := ReadBack(g, map[string]string{"a": "16.6", "b": "16.6", "c": "8.1.2", "d": "5.0.6"})
	for i, want := range []string{"16", "16.6", "8.1", "5.0.6"} {
		if v := got.Resources[i].Inputs["engineVersion"]; v != want {
			t.Errorf("resource %d reads back %v, want %s", i, v, want)
		}
	}
	if g.Resources[1].Inputs["engineVersion"] != "16.4" {
		t.Error("ReadBack changed its argument")
	}
}

func TestApplies_SaysWhenADataStoreChangeHappens(t *testing.T) {
	rs := func(typ string, in map[string]any) sim.Resource { return sim.Resource{Type: typ, Inputs: in} }
	for _, tt := range []struct {
		name  string
		r     sim.Resource
		props []string
		want  string
	}{
		{"now", rs(typeRDSInstance, map[string]any{"applyImmediately": true}), []string{"instanceClass"}, "applies now"},
		{"window", rs(typeRDSCluster, map[string]any{"preferredMaintenanceWindow": "sun:05:00-sun:06:00"}), []string{"engineVersion"}, "waits for the next maintenance window (sun:05:00-sun:06:00)"},
		{"AWS's window", rs(typeCacheGroup, map[string]any{"applyImmediately": false}), []string{"nodeType"}, "waits for the next maintenance window (AWS's weekly window)"},
		{"state only", rs(typeRDSCluster, map[string]any{}), []string{"finalSnapshotIdentifier", "tags"}, "state only"},
		{"not a data store", rs("aws:ec2/vpc:Vpc", map[string]any{}), []string{"tags"}, ""},
	} {
		if got := applies(tt.r, tt.props); !strings.HasPrefix(got, tt.want) || (tt.want == "" && got != "") {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
