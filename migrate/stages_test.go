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
var stages = migrate.DefaultStages

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
	want, err := migrate.GenerateStack(load(t, "../"+wholeSeed), migrate.Options{StackName: "adopt", Name: "prod", Protect: true, Snapshot: wholeSeed, AdoptAurora: true})
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
	// calls to endpoints whose group admits only the platform's workloads:
	// while an old workload is in the file, every endpoint has it off; from
	// the stage that retires them, on.
	checked := 0
	for _, name := range stages {
		c := parse(t, name, readStage(t, name))
		old := c.Migration != nil && len(c.Migration.Workloads) > 0
		for _, r := range runStage(t, name).Graph.OfType(tEndpoint) {
			if r.Inputs["vpcEndpointType"] != "Interface" {
				continue
			}
			checked++
			if on, _ := r.Inputs["privateDnsEnabled"].(bool); on == old {
				t.Errorf("%s: %s has private DNS %v while old workloads are in the file: %v", name, r.Name, on, old)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no stage has an interface endpoint")
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
		if k := c.Workloads.Kind(n); (k == "aurora" || k == "cache") && len(res.Graph.OfType(map[string]string{"aurora": tCluster, "cache": tReplGroup}[k])) != 1 {
			t.Errorf("%s is a %s workload beside the adopted one: a second cluster", n, k)
		}
	}
}

// The old groups are imported, never created: every stage but the contract
// holds each one the seed VPC has but its default group, by import,
// protected until the release stage lifts it; the contract deletes them; no
// stage creates a group of an old group's name.
func TestStages_LegacyGroupsAreImportedNeverCreated(t *testing.T) {
	groups, err := migrate.LegacyGroups(load(t, "../"+wholeSeed), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(groups) != 7 {
		t.Errorf("%d legacy groups, the seed VPC has 7 besides its default group", len(groups))
	}
	release := slices.Index(stages, "release")
	for i, name := range stages {
		g := runStage(t, name).Graph
		for _, lg := range groups {
			r, ok := g.ByID(lg.ID)
			switch {
			case name == "contract":
				if ok {
					t.Errorf("contract keeps the old group %s (%s)", lg.ID, lg.Name)
				}
			case !ok || r.ImportID != lg.ID:
				t.Errorf("%s: legacy group %s (%s) is not imported", name, lg.ID, lg.Name)
			case r.Protect != (i < release):
				t.Errorf("%s: legacy group %s protect %v", name, lg.ID, r.Protect)
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
