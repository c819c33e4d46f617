package change

import (
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// Scenarios of what AWS does to the data stores on its own (minor version
// upgrades) and of deliberate upgrades, through the change report between
// the state the provider holds and what the program registers.

// runAgainst runs the program on prod edited by edit, in an account where the
// data stores already run the given versions.
func runAgainst(t *testing.T, edit func(map[string]string), running map[string]string) *sim.Graph {
	t.Helper()
	v := prodValues(t)
	if edit != nil {
		edit(v)
	}
	res, err := offline.RunAgainst(&stack.File{Path: "Pulumi.prod.yaml (edited)", Stack: "prod", Values: v}, running)
	if err != nil {
		t.Fatalf("offline run: %v", err)
	}
	return res.Graph
}

// storeIDs are the AWS identifiers of prod's Aurora cluster and replication group.
func storeIDs(t *testing.T, g *sim.Graph) (cluster, cache string) {
	t.Helper()
	cl, ok := g.Named(typeRDSCluster, "prod-database")
	if !ok {
		t.Fatal("no prod-database cluster")
	}
	rg, ok := g.Named(typeCacheGroup, "prod-cache")
	if !ok {
		t.Fatal("no prod-cache replication group")
	}
	cluster, _ = cl.Inputs["clusterIdentifier"].(string)
	cache, _ = rg.Inputs["replicationGroupId"].(string)
	if cluster == "" || cache == "" {
		t.Fatalf("the cluster (%q) and the replication group (%q) need identifiers known before they exist", cluster, cache)
	}
	return cluster, cache
}

func auroraVersion(t *testing.T, version string) func(map[string]string) {
	return func(v map[string]string) {
		editJSON(t, v, "platform:workloads", func(w map[string]any) { w["database"].(map[string]any)["engineVersion"] = version })
	}
}

// AWS moves Aurora from 16.4 to 16.6 and valkey from 8.0 to 8.1 on its own;
// after a refresh the provider holds the new versions. The next `pulumi up`
// must plan nothing: not a downgrade RDS refuses, not a replaced cache.
func TestScenarioAWSMinorUpgradesPlanNothing(t *testing.T) {
	created := runProgram(t, prodValues(t))
	cluster, cache := storeIDs(t, created)
	running := map[string]string{cluster: "16.6", cache: "8.1.0"}
	state := ReadBack(created, running)
	if cl, _ := state.Named(typeRDSCluster, "prod-database"); cl.Inputs["engineVersion"] != "16.6" {
		t.Fatalf("the provider reads 16.6 back, the model says %v", cl.Inputs["engineVersion"])
	}
	r := Diff(state, runAgainst(t, nil, running))
	t.Logf("\n%s", r.Text())
	if !r.Empty() || len(r.Errors()) > 0 {
		t.Errorf("AWS's minor upgrades must plan nothing:\n%s", r.Text())
	}
	// Without a refresh the state still says 16.4 / 8.0: nothing either.
	if r := Diff(created, runAgainst(t, nil, running)); !r.Empty() {
		t.Errorf("unrefreshed state:\n%s", r.Text())
	}
}

// 16.x -> 17.4 in the stack file is an in-place update that carries
// allowMajorVersionUpgrade and names a parameter group of the new family,
// created before the cluster is updated and deleted only after.
func TestScenarioAuroraMajorUpgradeIsAnUpdateAWSAccepts(t *testing.T) {
	cluster, cache := storeIDs(t, runProgram(t, prodValues(t)))
	running := map[string]string{cluster: "16.6", cache: "8.0.1"}
	state := ReadBack(runAgainst(t, nil, running), running)
	after := runAgainst(t, auroraVersion(t, "17.4"), running)
	r := Diff(state, after)
	t.Logf("\n%s", r.Text())
	if errs := r.Errors(); len(errs) > 0 {
		t.Fatalf("refused or blocked: %v", errs)
	}
	cl, ok := r.Get(mustURN(t, r, typeRDSCluster, "prod-database"))
	if !ok || cl.Kind != Updated || !slices.Contains(cl.Props, "engineVersion") || !slices.Contains(cl.Props, "dbClusterParameterGroupName") {
		t.Fatalf("cluster: %+v", cl)
	}
	for _, e := range r.Entries {
		if e.Kind == Replaced && e.Type != typeRDSParams {
			t.Errorf("replaced %s %s (%v)", e.Type, e.Name, e.Forcing)
		}
		if e.Kind == Removed || e.Kind == Added {
			t.Errorf("%s %s %s", e.Kind, e.Type, e.Name)
		}
	}
	newCluster, _ := after.Named(typeRDSCluster, "prod-database")
	if newCluster.Inputs["engineVersion"] != "17.4" || newCluster.Inputs["allowMajorVersionUpgrade"] != true {
		t.Errorf("cluster inputs: %v", newCluster.Inputs)
	}
	pg, _ := after.Named(typeRDSParams, "prod-database")
	pgEntry, _ := r.Get(pg.URN)
	switch {
	case pg.Inputs["family"] != "aurora-postgresql17":
		t.Errorf("parameter group family %v", pg.Inputs["family"])
	case pgEntry.Kind != Replaced:
		t.Errorf("parameter group: %+v", pgEntry)
	case pg.DeleteBeforeReplace || pg.Inputs["name"] != nil:
		// An explicit name would force delete-before-replace: the group the
		// cluster uses would go first.
		t.Error("the parameter group must be auto-named and replaced create-before-delete")
	case !slices.Contains(newCluster.PropertyDependencies["dbClusterParameterGroupName"], pg.URN):
		t.Error("the cluster update does not wait for the new parameter group")
	}
}

// The same change without what AWS needs is reported as refused.
func TestScenarioAuroraMajorUpgradeWithoutTheFlagIsRefused(t *testing.T) {
	cluster, cache := storeIDs(t, runProgram(t, prodValues(t)))
	running := map[string]string{cluster: "16.6", cache: "8.0.1"}
	after := runAgainst(t, auroraVersion(t, "17.4"), running)
	for i, r := range after.Resources {
		if r.Type == typeRDSCluster {
			in := copyMap(r.Inputs)
			delete(in, "allowMajorVersionUpgrade")
			after.Resources[i].Inputs = in
		}
	}
	r := Diff(ReadBack(runAgainst(t, nil, running), running), after)
	if !strings.Contains(r.Text(), "REFUSED by AWS: engineVersion 16.6 -> 17.4 is a major upgrade") || len(r.Errors()) == 0 {
		t.Errorf("not refused:\n%s", r.Text())
	}
}

// A replaced cluster leaves its final snapshot under another identifier than
// its replacement will: the second deletion does not collide with the first.
func TestScenarioReplacedStoresGetANewFinalSnapshotIdentifier(t *testing.T) {
	before := prodValues(t)
	unprotected(before)
	after := prodValues(t)
	unprotected(after)
	editJSON(t, after, "platform:workloads", func(w map[string]any) {
		w["database"].(map[string]any)["masterUsername"] = "owner"
	})
	bg, ag := runProgram(t, before), runProgram(t, after)
	r := Diff(bg, ag)
	e, _ := r.Get(mustURN(t, r, typeRDSCluster, "prod-database"))
	if e.Kind != Replaced {
		t.Fatalf("a new master user replaces the cluster: %+v", e)
	}
	b, _ := bg.Named(typeRDSCluster, "prod-database")
	a, _ := ag.Named(typeRDSCluster, "prod-database")
	bid, _ := b.Inputs["finalSnapshotIdentifier"].(string)
	aid, _ := a.Inputs["finalSnapshotIdentifier"].(string)
	if bid == "" || bid == aid || bid == "prod-database-final" {
		t.Errorf("final snapshot identifiers: old %q, new %q", bid, aid)
	}
	rg, _ := runProgram(t, prodValues(t)).Named(typeCacheGroup, "prod-cache") // protected: it keeps a final snapshot
	if id, _ := rg.Inputs["finalSnapshotIdentifier"].(string); id == "" || id == "prod-cache-final" {
		t.Errorf("cache final snapshot %q", id)
	}
}

// Every pending change of a data store says when it applies.
func TestScenarioDataStoreChangesSayWhenTheyApply(t *testing.T) {
	class := func(immediately bool) func(map[string]string) {
		return func(v map[string]string) {
			editJSON(t, v, "platform:workloads", func(w map[string]any) {
				db := w["database"].(map[string]any)
				db["instanceClass"] = "db.r7g.large"
				db["applyImmediately"] = immediately
			})
		}
	}
	for _, tt := range []struct {
		immediately bool
		want        string
	}{{true, "applies now"}, {false, "waits for the next maintenance window"}} {
		base := func(v map[string]string) {
			editJSON(t, v, "platform:workloads", func(w map[string]any) { w["database"].(map[string]any)["applyImmediately"] = tt.immediately })
		}
		r := scenarioPair(t, base, class(tt.immediately))
		n := 0
		for _, e := range r.Of(Updated) {
			if e.Type != typeRDSInstance {
				continue
			}
			n++
			if !strings.HasPrefix(e.Applies, tt.want) || !strings.Contains(r.Text(), e.Applies) {
				t.Errorf("%s: applies %q, want %q", e.Name, e.Applies, tt.want)
			}
		}
		if n != 3 {
			t.Errorf("%d instances updated, want 3:\n%s", n, r.Text())
		}
	}
}

// A new release of the web image is a launch template change (new user
// data, a new template version the group rolls out with an instance
// refresh); nothing is replaced.
func TestScenarioNewWebImageRollsTheFleet(t *testing.T) {
	r := scenario(t, func(v map[string]string) {
		editJSON(t, v, "platform:workloads", func(w map[string]any) {
			w["web"].(map[string]any)["container"].(map[string]any)["image"] = "111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1.43.0"
		})
	})
	wantNoReplacements(t, r)
	wantAdded(t, r)
	wantRemoved(t, r)
	var updated []string
	for _, e := range r.Of(Updated) {
		updated = append(updated, e.Type+" "+e.Name+" "+strings.Join(e.Props, ","))
	}
	if want := []string{"aws:ec2/launchTemplate:LaunchTemplate prod-web userData"}; !slices.Equal(updated, want) {
		t.Errorf("updated %q, want %q", updated, want)
	}
	asg, _ := runProgram(t, prodValues(t)).Named("aws:autoscaling/group:Group", "prod-web")
	lt, _ := runProgram(t, prodValues(t)).Named("aws:ec2/launchTemplate:LaunchTemplate", "prod-web")
	if !slices.Contains(asg.PropertyDependencies["launchTemplate"], lt.URN) || asg.Inputs["instanceRefresh"] == nil {
		t.Error("the group must follow the template's version with an instance refresh")
	}
}
