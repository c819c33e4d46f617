package migrate_test

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/migrate"
	"github.com/acme/platform/network"
	"github.com/acme/platform/policy"
	"github.com/acme/platform/stack"
	"gopkg.in/yaml.v3"
)

// stages are the runbook's stage files in examples/migration, in order.
var stages = []string{"adopt", "expand", "compute"}

func stagePath(name string) string { return filepath.Join(examples, "Pulumi."+name+".yaml") }

func readStage(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(stagePath(name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	stageMu   sync.Mutex
	stageRuns = map[string]*offline.Result{}
)

// runStage runs a stage file as itself, once.
func runStage(t *testing.T, name string) *offline.Result {
	t.Helper()
	stageMu.Lock()
	defer stageMu.Unlock()
	if r, ok := stageRuns[name]; ok {
		return r
	}
	r, err := offline.RunFile(stagePath(name))
	if err != nil {
		t.Fatalf("%s does not run offline: %v", name, err)
	}
	stageRuns[name] = r
	return r
}

func TestAdopt_IsTheGeneratorsOutputForTheSeed(t *testing.T) {
	want, err := migrate.GenerateStack(load(t, "../"+wholeSeed), migrate.Options{StackName: "adopt", Name: "prod", Protect: true, Snapshot: wholeSeed})
	if err != nil {
		t.Fatal(err)
	}
	if string(want) != string(readStage(t, "adopt")) {
		t.Error("examples/migration/Pulumi.adopt.yaml is not what the generator writes for examples/migration/snapshot; regenerate it with the command in examples/migration/README.md")
	}
	imp, err := migrate.ImportFile(load(t, "../"+wholeSeed), "")
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(examples, "legacy-groups.import.json"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(imp) {
		t.Error("examples/migration/legacy-groups.import.json is not what ImportFile writes for the seed; regenerate it")
	}
}

func TestStages_AreValidAndRunOffline(t *testing.T) {
	for _, name := range stages {
		t.Run(name, func(t *testing.T) {
			c := parse(t, name, readStage(t, name))
			if c.Name != "prod" {
				t.Errorf("platform:name %q; every stage must keep prod, or it renames every resource", c.Name)
			}
			runStage(t, name)
		})
	}
}

// Every stage keeps the adopted VPC exactly: the same VPC, gateway and
// subnets (ID, range, zone, public), imported and protected, and the same
// pinned ranges for the new tiers.
func TestStages_KeepTheAdoptedVPCAndThePinnedRanges(t *testing.T) {
	base := parse(t, "adopt", readStage(t, "adopt"))
	for _, name := range stages {
		t.Run(name, func(t *testing.T) {
			c := parse(t, name, readStage(t, name))
			e, b := c.Network.Existing, base.Network.Existing
			if e.VpcID != b.VpcID || e.InternetGatewayID != b.InternetGatewayID || len(e.Subnets) != len(b.Subnets) {
				t.Fatalf("existing %+v differs from stage 0's %+v", e, b)
			}
			for i, s := range e.Subnets {
				o := b.Subnets[i]
				if s.ID != o.ID || s.CIDR != o.CIDR || s.AZ != o.AZ || s.Public != o.Public {
					t.Errorf("subnet %d is %+v, stage 0 adopted %+v", i, s, o)
				}
			}
			if !equalPins(c.Network.Pinned(), base.Network.Pinned()) {
				t.Errorf("pinned ranges %v, stage 0 pinned %v", c.Network.Pinned(), base.Network.Pinned())
			}
			g := runStage(t, name).Graph
			got := imported(g)
			for _, id := range append([]string{e.VpcID, e.InternetGatewayID}, subnetIDs(e.Subnets)...) {
				if r, ok := got[id]; !ok || !r.Protect {
					t.Errorf("%s is not imported with protect (%+v)", id, r)
				}
			}
		})
	}
}

// Each stage, applied to the stack the previous one built, replaces nothing
// and deletes nothing protected: the offline change report between the two
// files, run as one stack.
// cacheAlarms are the adopted cache's node alarms that move from the old
// members to the new ones in the compute file, and the group itself.
var cacheAlarms = func() []string {
	var out []string
	for _, n := range []string{"001", "002"} {
		for _, a := range []string{"engine-cpu-high", "evictions", "memory-high", "replication-lag"} {
			out = append(out, "prod-alarms-prod-redis-"+n+"-"+a)
		}
	}
	return append(out, "prod-prod-redis")
}()

func TestStages_EachTransitionIsSafeAndDoesWhatTheRunbookSays(t *testing.T) {
	type want struct {
		updated []string // names of the updated resources, sorted
		removed []string // types the removed resources may have
	}
	wants := map[string]want{
		// The adopted cache gets its own group beside its old one and its old
		// members' protect is lifted (expand), and
		// the compute file's schedule has its old members deleted as replicas
		// and new ones in the isolated tier, which its node alarms follow.
		"expand":  {updated: []string{"prod-prod-redis", "prod-prod-redis-prod-redis-001", "prod-prod-redis-prod-redis-002", "prod-vpc"}},
		"compute": {updated: cacheAlarms, removed: []string{"aws:elasticache/cluster:Cluster"}},
	}
	for i := 1; i < len(stages); i++ {
		before, after := stages[i-1], stages[i]
		t.Run(before+"->"+after, func(t *testing.T) {
			rep := change.Diff(runAs(t, stagePath(before), "prod"), runAs(t, stagePath(after), "prod"))
			for _, err := range rep.Errors() {
				t.Error(err)
			}
			if r := rep.Of(change.Replaced); len(r) > 0 {
				t.Errorf("replaces %v", names(r))
			}
			if u := rep.Of(change.Unknown); len(u) > 0 {
				t.Errorf("changes types without replacement rules: %v", names(u))
			}
			w := wants[after]
			if got := names(rep.Of(change.Updated)); !slices.Equal(got, w.updated) {
				t.Errorf("updates %v, want %v", got, w.updated)
			}
			for _, e := range rep.Of(change.Removed) {
				if !slices.Contains(w.removed, e.Type) || e.Protected {
					t.Errorf("deletes %s %s (protected %v)", e.Type, e.Name, e.Protected)
				}
			}
			if len(rep.Of(change.Added)) == 0 {
				t.Error("adds nothing")
			}
		})
	}
}

func TestStages_PassThePolicy(t *testing.T) {
	for _, name := range stages {
		t.Run(name, func(t *testing.T) {
			g := runStage(t, name).Graph
			for _, v := range policy.Check(g) {
				t.Error(v)
			}
		})
	}
	// The policy must have had something to check where the program creates
	// security groups: the workloads' from the compute stage on.
	for _, name := range []string{"compute"} {
		if n := len(runStage(t, name).Graph.OfType(tSG)); n == 0 {
			t.Errorf("%s creates no security group: the policy checked nothing", name)
		}
	}
}

func TestExpand_TurnsOnDNSHostnamesAndFlowLogsAndNothingThatCapturesOldTraffic(t *testing.T) {
	g := runStage(t, "expand").Graph
	if v := imported(g)[seedVPC]; v.Inputs["enableDnsHostnames"] != true {
		t.Error("stage 1 must turn on DNS hostnames")
	}
	if len(g.OfType(tFlowLog)) != 1 {
		t.Error("stage 1 must turn on the VPC's flow logs")
	}
	// Interface endpoints' private DNS would send the old workloads' AWS API
	// calls to endpoints whose group admits only the platform's workloads.
	for _, name := range []string{"expand", "compute"} {
		if n := interfaceEndpoints(runStage(t, name).Graph); n != 0 {
			t.Errorf("%s has %d interface endpoints while old workloads still run in the VPC", name, n)
		}
	}
}

func TestCompute_RunsTheNewComputeInThePrivateTierAndNoSecondDatabase(t *testing.T) {
	res := runStage(t, "compute")
	c := res.Platform.Design.Config
	private := map[string]bool{}
	for _, s := range res.Platform.Design.Plan.Tier(network.TierPrivate) {
		private[s.Prefix.String()] = true
	}
	g := res.Graph
	for _, typ := range []string{"aws:ec2/launchTemplate:LaunchTemplate", "aws:ecs/service:Service", "aws:lambda/function:Function"} {
		if len(g.OfType(typ)) == 0 {
			t.Errorf("no %s: the stage declares every compute workload", typ)
		}
	}
	for _, r := range g.OfType("aws:ecs/service:Service") {
		if r.ImportID != "" {
			continue // the old service, imported as it is until the contract deletes it
		}
		ids := lookupIDs(r.Inputs, "networkConfiguration", "subnets")
		if len(ids) == 0 {
			t.Errorf("%s has no subnets", r.Name)
		}
		for _, id := range ids {
			sn, ok := g.ByID(id)
			if !ok || !private[str(sn, "cidrBlock")] {
				t.Errorf("%s runs in %s, not a private subnet", r.Name, id)
			}
		}
	}
	for _, n := range c.Workloads.Names() {
		if w := c.Workloads[n]; w.Cache != nil && w.Cache.Adopt != nil {
			continue // the old cache itself, adopted and moved
		}
		if k := c.Workloads.Kind(n); k == "aurora" || k == "cache" {
			t.Errorf("%s is a %s workload: it would be a new, empty cluster, not the old one moved", n, k)
		}
	}
}

// The old groups are imported, never created: every stage's graph holds each
// one the seed VPC has but its default group, by import, and no stage
// declares a group of that name anew.
func TestStages_LegacyGroupsAreImportedNeverCreated(t *testing.T) {
	groups, err := migrate.LegacyGroups(load(t, "../"+wholeSeed), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 7 {
		t.Errorf("%d legacy groups, the seed VPC has 7 besides its default group", len(groups))
	}
	for _, name := range stages {
		g := runStage(t, name).Graph
		for _, lg := range groups {
			r, ok := g.ByID(lg.ID)
			if !ok || r.ImportID != lg.ID || !r.Protect {
				t.Errorf("%s: legacy group %s (%s) is not imported and protected: %+v", name, lg.ID, lg.Name, r)
			}
		}
		for _, r := range g.OfType(tSG) {
			if r.ImportID == "" && slices.ContainsFunc(groups, func(lg audit.SecurityGroup) bool { return lg.Name == str(r, "name") }) {
				t.Errorf("%s creates a group named %s, an old group's name", name, str(r, "name"))
			}
		}
	}
}

func equalPins(a, b map[string]netip.Prefix) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func subnetIDs(s []network.ExistingSubnetConfig) []string {
	var out []string
	for _, x := range s {
		out = append(out, x.ID)
	}
	return out
}

func names(es []change.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name)
	}
	slices.Sort(out)
	return out
}

// lookupIDs reads a string or a list of strings at a nested path of inputs.
func lookupIDs(in map[string]any, path ...string) []string {
	var cur any = in
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	switch v := cur.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, x := range v {
			if s, ok := x.(string); ok && strings.HasPrefix(s, "subnet-") {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// The changes the runbook calls refused: each would replace a protected
// resource, and the offline change report (like `pulumi preview`) refuses it.
func TestCompute_RefusesChangesThatWouldReplaceAProtectedResource(t *testing.T) {
	base := runAs(t, stagePath("compute"), "prod")
	for _, tc := range []struct {
		name, key string
		edit      func(m map[string]any)
		typ, res  string
	}{
		{"an adopted subnet's range", "platform:network", func(m map[string]any) {
			sub := m["existing"].(map[string]any)["subnets"].([]any)[0].(map[string]any)
			sub["cidr"] = "10.0.0.0/21"
		}, tSubnet, "prod-existing-subnet-01cae413a21acf452"},
		{"a pinned subnet's range", "platform:network", func(m map[string]any) {
			m["tiers"].(map[string]any)["private"].(map[string]any)["cidrs"].(map[string]any)["eu-west-1a"] = "10.0.112.0/20"
		}, tSubnet, "prod-private-eu-west-1a"},
		{"an internal load balancer", "platform:workloads", func(m map[string]any) {
			m["edge"].(map[string]any)["internetFacing"] = false
		}, "aws:lb/loadBalancer:LoadBalancer", "prod-edge"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := stack.ReadFile(stagePath("compute"))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(f.Values[tc.key]), &m); err != nil {
				t.Fatal(err)
			}
			tc.edit(m)
			b, _ := json.Marshal(m)
			f.Values[tc.key] = string(b)
			path := filepath.Join(t.TempDir(), "Pulumi.compute.yaml")
			writeValues(t, path, f.Values)
			rep := change.Diff(base, runAs(t, path, "prod"))
			var refused []string
			for _, err := range rep.Errors() {
				refused = append(refused, err.Error())
			}
			e, ok := rep.Get(urnOf(base, tc.typ, tc.res))
			if !ok || e.Kind != change.Replaced || !e.Protected {
				t.Errorf("%s %s: %+v, want a refused replacement", tc.typ, tc.res, e)
			}
			if len(refused) == 0 {
				t.Error("the change report refuses nothing")
			}
		})
	}
}

func urnOf(g *sim.Graph, typ, name string) string {
	if r, ok := g.Named(typ, name); ok {
		return r.URN
	}
	return ""
}

// writeValues writes config values back as a stack file.
func writeValues(t *testing.T, path string, values map[string]string) {
	t.Helper()
	doc := map[string]any{}
	for k, v := range values {
		var x any
		if err := json.Unmarshal([]byte(v), &x); err != nil {
			x = v
		}
		doc[k] = x
	}
	b, err := yaml.Marshal(map[string]any{"config": doc})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
