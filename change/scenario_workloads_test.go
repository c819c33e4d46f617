package change

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// Scenarios over the workloads, the allow graph and access: each an ordinary
// config change that must replace nothing that already exists.

// editJSON edits one JSON-valued config key in place.
func editJSON(t testing.TB, values map[string]string, key string, edit func(v map[string]any)) {
	t.Helper()
	v := map[string]any{}
	if raw, ok := values[key]; ok {
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("%s is not a JSON object: %v", key, err)
		}
	}
	edit(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	values[key] = string(b)
}

// undo diffs prod edited by edit against prod itself: the reverse change.
func undo(t testing.TB, edit func(values map[string]string)) *Report {
	t.Helper()
	before := prodValues(t)
	edit(before)
	r := Diff(runProgram(t, before), runProgram(t, prodValues(t)))
	t.Logf("\n%s", r.Text())
	return r
}

func allowOf(v map[string]any) map[string]any { return v["allow"].(map[string]any) }

// entriesOf lists "type name" of every entry of kind k.
func entriesOf(r *Report, k Kind) []string {
	var out []string
	for _, e := range r.Of(k) {
		out = append(out, e.Type+" "+e.Name)
	}
	return out
}

func TestScenarioAddAndRemoveOneWorkload(t *testing.T) {
	addResizer := func(v map[string]string) {
		editJSON(t, v, "platform:workloads", func(w map[string]any) {
			w["resizer"] = map[string]any{"kind": "lambda", "runtime": "python3.12", "handler": "resize.handler",
				"code": map[string]any{"s3Bucket": "acme-artifacts-111122223333", "s3Key": "resizer/1.0.0.zip"}}
		})
	}
	add := scenario(t, addResizer)
	wantNoReplacements(t, add)
	wantRemoved(t, add)
	for _, name := range entriesOf(add, Added) {
		if !strings.Contains(name, "resizer") {
			t.Errorf("adding a workload added %s", name)
		}
	}
	// The endpoints' group admits the new workload: exactly one new rule there.
	if got := entriesOf(add, Added); !slices.Contains(got, tIngressRule+" prod-sg-endpoints-in-resizer-tcp-443") {
		t.Errorf("added %v", got)
	}
	for _, e := range add.Of(Updated) {
		t.Errorf("adding a workload updated %s %s (%v)", e.Type, e.Name, e.Props)
	}

	remove := undo(t, addResizer)
	wantNoReplacements(t, remove)
	wantAdded(t, remove)
	if !slices.Equal(entriesOf(remove, Removed), entriesOf(add, Added)) {
		t.Errorf("removing the workload removes %v, adding it added %v", entriesOf(remove, Removed), entriesOf(add, Added))
	}
}

// An edge to a data store opens the port, grants the identity and wires the
// environment, and removing it takes all three back; nothing else changes.
func TestScenarioAddAndRemoveOneEdge(t *testing.T) {
	addEdge := func(v map[string]string) {
		editJSON(t, v, "platform:security", func(s map[string]any) {
			allow := allowOf(s)
			allow["cache"] = append(allow["cache"].([]any), map[string]any{"from": []any{"nightly"}, "reason": "job locks"})
		})
	}
	edge := []string{
		tIngressRule + " prod-sg-cache-in-nightly-tcp-6379", tEgressRule + " prod-sg-nightly-out-cache-tcp-6379",
		"aws:iam/rolePolicy:RolePolicy prod-nightly-job-reach-cache", "aws:elasticache/user:User prod-cache-u-nightly",
	}
	// A job definition is revisioned: its new environment (CACHE_HOST, ...)
	// is a new revision, which is what Batch calls an update.
	revision := []string{"aws:batch/jobDefinition:JobDefinition prod-nightly"}
	// The cache's user group gains or loses the job's user; the nightly
	// schedule and its role follow the job definition's new revision.
	members := []string{"aws:elasticache/userGroup:UserGroup prod-cache",
		"aws:iam/rolePolicy:RolePolicy prod-nightly-schedule", "aws:scheduler/schedule:Schedule prod-nightly"}

	add := scenario(t, addEdge)
	wantNamed(t, add, Replaced, revision...)
	wantNamed(t, add, Updated, members...)
	wantAdded(t, add, edge...)
	wantRemoved(t, add)

	remove := undo(t, addEdge)
	wantNamed(t, remove, Replaced, revision...)
	wantNamed(t, remove, Updated, members...)
	wantAdded(t, remove)
	wantRemoved(t, remove, edge...)
}

// Reordering every list a stack file holds changes nothing at all.
func TestScenarioReorderEveryList(t *testing.T) {
	r := scenario(t, func(v map[string]string) {
		editJSON(t, v, "platform:security", func(s map[string]any) {
			for _, grants := range allowOf(s) {
				gs := grants.([]any)
				slices.Reverse(gs)
				for _, g := range gs {
					slices.Reverse(g.(map[string]any)["from"].([]any))
				}
			}
		})
		editNetwork(t, v, func(n map[string]any) {
			slices.Reverse(n["endpoints"].([]any))
			slices.Reverse(n["otherNetworks"].([]any))
		})
	})
	if !r.Empty() {
		t.Errorf("reordering lists changed:\n%s", r.Text())
	}
}

func TestScenarioClientVPNOffAndOn(t *testing.T) {
	off := func(v map[string]string) {
		editJSON(t, v, "platform:access", func(a map[string]any) { a["clientVpn"].(map[string]any)["enabled"] = false })
		editJSON(t, v, "platform:security", func(s map[string]any) {
			allow := allowOf(s)
			allow["database"] = allow["database"].([]any)[:1] // drop the {from: [vpn]} grant
		})
	}
	r := scenario(t, off)
	wantNoReplacements(t, r)
	wantAdded(t, r)
	if errs := r.Errors(); len(errs) != 0 {
		t.Errorf("turning the VPN off is refused: %v", errs)
	}
	for _, name := range entriesOf(r, Removed) {
		if !strings.Contains(name, "vpn") {
			t.Errorf("turning the VPN off removed %s", name)
		}
	}
	if len(r.Of(Removed)) == 0 {
		t.Error("nothing removed")
	}

	on := undo(t, off)
	wantNoReplacements(t, on)
	wantRemoved(t, on)
	if !slices.Equal(entriesOf(on, Added), entriesOf(r, Removed)) {
		t.Errorf("turning it on adds %v, off removed %v", entriesOf(on, Added), entriesOf(r, Removed))
	}
}

// Adding the isolated tier to a stack that has no data stores yet.
func TestScenarioAddIsolatedTierToAStackWithoutDataStores(t *testing.T) {
	noData := func(v map[string]string) {
		editJSON(t, v, "platform:access", func(a map[string]any) { delete(a, "clientVpn") })
		editJSON(t, v, "platform:workloads", func(w map[string]any) { delete(w, "database"); delete(w, "cache") })
		editJSON(t, v, "platform:security", func(s map[string]any) {
			allow := allowOf(s)
			delete(allow, "database")
			delete(allow, "cache")
		})
		editNetwork(t, v, func(n map[string]any) { delete(n["tiers"].(map[string]any), "isolated") })
	}
	tiers := map[string]any{}
	editNetwork(t, prodValues(t), func(n map[string]any) { tiers = n["tiers"].(map[string]any) })
	r := scenarioPair(t, noData, func(v map[string]string) {
		editNetwork(t, v, func(n map[string]any) { n["tiers"].(map[string]any)["isolated"] = tiers["isolated"] })
	})
	wantNoReplacements(t, r)
	wantRemoved(t, r)
	wantNetwork(t, r, Added, "isolated", tierResources("isolated")...)
	// The gateway endpoints now also serve the isolated route table: an update.
	for _, e := range r.Of(Updated) {
		if e.Type != tVpce || !slices.Equal(e.Props, []string{"routeTableIds"}) {
			t.Errorf("unexpected update %s %s (%v)", e.Type, e.Name, e.Props)
		}
	}
}

const (
	tIngressRule = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgressRule  = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// Dropping the legacy groups at the end of a migration updates the workloads
// in place: nothing is replaced.
func TestScenarioDropLegacyGroups(t *testing.T) {
	withLegacy := func(v map[string]string) {
		editJSON(t, v, "platform:workloads", func(w map[string]any) {
			for _, n := range []string{"web", "api", "thumbnails", "nightly"} {
				w[n].(map[string]any)["legacySecurityGroups"] = []any{"sg-0a9f4c61e25b7d3e8"}
			}
		})
	}
	r := undo(t, withLegacy)
	wantNoReplacements(t, r)
	wantAdded(t, r)
	wantRemoved(t, r)
	var updated []string
	for _, e := range r.Of(Updated) {
		updated = append(updated, e.Type+" "+e.Name)
	}
	want := []string{
		"aws:batch/computeEnvironment:ComputeEnvironment prod-nightly",
		"aws:ec2/launchTemplate:LaunchTemplate prod-web",
		"aws:ecs/service:Service prod-api",
		"aws:lambda/function:Function prod-thumbnails",
	}
	slices.Sort(updated)
	if !slices.Equal(updated, want) {
		t.Errorf("updated %v, want %v", updated, want)
	}
}
