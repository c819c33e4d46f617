package stack_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

const tRecord = "aws:route53/record:Record"

// exampleStage reads a stage of the example migration, its traffic block
// edited by edit (nil leaves it).
func exampleStage(t *testing.T, stage string, edit func(tr map[string]any)) *stack.File {
	t.Helper()
	f, err := stack.ReadFile(filepath.Join("..", "examples", "migration", "Pulumi."+stage+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(f.Values["platform:migration"]), &m); err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(m["traffic"].(map[string]any))
	}
	b, _ := json.Marshal(m)
	f.Values["platform:migration"] = string(b)
	f.Stack = "prod"
	var dt map[string]map[string]string
	_ = json.Unmarshal([]byte(f.Values["aws:defaultTags"]), &dt)
	dt["tags"]["stack"] = "prod"
	b, _ = json.Marshal(dt)
	f.Values["aws:defaultTags"] = string(b)
	return f
}

// runExample runs a stage file under the simulated engine.
func runExample(t *testing.T, f *stack.File) *sim.Graph {
	t.Helper()
	res, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	return res.Graph
}

func weights(g map[string]any, stage string, old, new int) {
	g["weights"].(map[string]any)[stage] = map[string]any{"old": old, "new": new}
}

// The canary stage answers the site's name with both load balancers, each by
// a weighted alias record whose target health Route 53 evaluates; rolling
// back to the stage before is an in-place update of the weights.
func TestTraffic_WeightedRecordsPerStageAndRollbackIsAnUpdate(t *testing.T) {
	canary := runExample(t, exampleStage(t, "canary", nil))
	recs := canary.OfType(tRecord)
	got := map[string]float64{}
	for _, r := range recs {
		if r.Inputs["name"] != "www.example.com" {
			continue
		}
		pol := r.Inputs["weightedRoutingPolicies"].([]any)[0].(map[string]any)
		got[r.Inputs["setIdentifier"].(string)] = pol["weight"].(float64)
		alias := r.Inputs["aliases"].([]any)[0].(map[string]any)
		if alias["evaluateTargetHealth"] != true || r.Inputs["zoneId"] != "Z04517273AF3DDQ3V6NQJ" || r.Inputs["type"] != "A" {
			t.Errorf("%s: %v", r.Name, r.Inputs)
		}
	}
	if got["old"] != 90 || got["new"] != 10 || len(got) != 2 {
		t.Fatalf("canary weights %v, want old 90 and new 10", got)
	}
	// The old record aliases the old load balancer as the snapshot has it.
	old, ok := canary.Named(tRecord, "prod-traffic-old")
	if !ok || old.Inputs["aliases"].([]any)[0].(map[string]any)["zoneId"] == "" {
		t.Fatalf("no old record: %+v", old)
	}

	back := runExample(t, exampleStage(t, "canary", func(tr map[string]any) { weights(tr, "canary", 100, 0) }))
	rep := change.Diff(canary, back)
	if len(rep.Of(change.Replaced)) > 0 || len(rep.Of(change.Removed)) > 0 || len(rep.Of(change.Added)) > 0 {
		t.Errorf("rolling back is not only updates:\n%s", rep.Text())
	}
	if n := len(rep.Of(change.Updated)); n != 2 {
		t.Errorf("%d updates, want the two records':\n%s", n, rep.Text())
	}

	// Once the old load balancer is retired, only the new record answers.
	retire := runExample(t, exampleStage(t, "retire", nil))
	if _, ok := retire.Named(tRecord, "prod-traffic-old"); ok {
		t.Error("the retire stage keeps a record for the deleted load balancer")
	}
	if _, ok := retire.Named(tRecord, "prod-traffic-new"); !ok {
		t.Error("the retire stage drops the site's record")
	}
}

func TestTraffic_RefusesBadWeightsAndNamesAtTheirKeyAndStage(t *testing.T) {
	key := "platform:migration.traffic"
	for _, tc := range []struct {
		name, stage string
		edit        func(tr map[string]any)
		key, text   string
	}{
		{"weights that sum to zero", "canary", func(tr map[string]any) { weights(tr, "canary", 0, 0) }, key + ".weights.canary", "must sum to a positive number"},
		{"a weight above Route 53's", "canary", func(tr map[string]any) { weights(tr, "canary", 256, 0) }, key + ".weights.canary.old", "0 to 255"},
		{"a negative weight", "canary", func(tr map[string]any) { weights(tr, "canary", 10, -1) }, key + ".weights.canary.new", "0 to 255"},
		{"a stage that does not exist", "canary", func(tr map[string]any) { weights(tr, "later", 0, 1) }, key + ".weights.later", "not one of platform:migration.stages"},
		{"a name outside the zone", "canary", func(tr map[string]any) { tr["name"] = "www.example.org" }, key + ".name", "not in the zone example.com"},
		{"a zone ID that is none", "canary", func(tr map[string]any) { tr["zoneId"] = "example.com" }, key + ".zoneId", "not a hosted zone ID"},
		{"a new side that is no load balancer", "canary", func(tr map[string]any) { tr["new"] = "api" }, key + ".new", "not an alb workload"},
		{"an old side that is no load balancer", "canary", func(tr map[string]any) { tr["old"] = "old-api" }, key + ".old", "kind alb"},
		{"no weights yet at this stage", "compute", func(tr map[string]any) {
			delete(tr["weights"].(map[string]any), "compute")
		}, key + ".weights", "no weights at or before stage compute"},
		{"retiring the old load balancer while it still gets users", "retire", func(tr map[string]any) { weights(tr, "shift", 10, 90) }, key + ".weights", "still gets weight 10"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := exampleStage(t, tc.stage, tc.edit)
			wantProblem(t, problemsOf(t, f.Values), tc.key, tc.text)
		})
	}
}

// The old load balancer's target groups are imported with it (AWS keeps
// them when the load balancer goes, and refuses to delete one a listener
// uses): protected like it, the load balancer depending on them so that
// the retire stage deletes it first and them after.
func TestMigration_AnOldLoadBalancersTargetGroupsLeaveWithIt(t *testing.T) {
	const arn = "arn:aws:elasticloadbalancing:eu-west-1:111122223333:targetgroup/prod-web/3c2b1a0f9e8d7c6b"
	shift := runExample(t, exampleStage(t, "shift", nil))
	var tg, alb *struct{ urn string }
	for _, r := range shift.OfType("aws:lb/targetGroup:TargetGroup") {
		if r.ImportID == arn {
			tg = &struct{ urn string }{r.URN}
			if r.Inputs["name"] != "prod-web" || r.Inputs["vpcId"] != "vpc-050054c316fb6e16c" || !r.Protect {
				t.Errorf("old target group imported with %v, protect %v", r.Inputs, r.Protect)
			}
		}
	}
	for _, r := range shift.OfType("aws:lb/loadBalancer:LoadBalancer") {
		if r.ImportID != "" {
			alb = &struct{ urn string }{r.URN}
			if tg != nil && !contains(r.Dependencies, tg.urn) {
				t.Errorf("the old load balancer does not depend on its target group: %v", r.Dependencies)
			}
		}
	}
	if tg == nil || alb == nil {
		t.Fatalf("no old target group (%v) or load balancer (%v) in the shift stage", tg, alb)
	}
	rep := change.Diff(runExample(t, exampleStage(t, "release", nil)), runExample(t, exampleStage(t, "retire", nil)))
	e, ok := rep.Get(tg.urn)
	if !ok || e.Kind != change.Removed || e.Protected {
		t.Errorf("retire: the old target group is %+v, want deleted unprotected", e)
	}
}

// An old Batch environment's job queues are imported with it (AWS refuses to
// delete an environment a queue uses) and depend on it, so the retire stage
// deletes them first.
func TestMigration_AnOldBatchEnvironmentsJobQueuesLeaveBeforeIt(t *testing.T) {
	const arn = "arn:aws:batch:eu-west-1:111122223333:job-queue/prod-nightly-queue"
	shift := runExample(t, exampleStage(t, "shift", nil))
	var queue, env string
	for _, r := range shift.OfType("aws:batch/computeEnvironment:ComputeEnvironment") {
		if r.ImportID == "prod-nightly" {
			env = r.URN
		}
	}
	for _, r := range shift.OfType("aws:batch/jobQueue:JobQueue") {
		if r.ImportID != arn {
			continue
		}
		queue = r.URN
		orders, _ := r.Inputs["computeEnvironmentOrders"].([]any)
		if r.Inputs["name"] != "prod-nightly-queue" || r.Inputs["state"] != "ENABLED" || r.Inputs["priority"] != 1.0 || len(orders) != 1 || !r.Protect {
			t.Errorf("old job queue imported with %v, protect %v", r.Inputs, r.Protect)
		}
		if !contains(r.Dependencies, env) {
			t.Errorf("the old job queue does not depend on its compute environment %s: %v", env, r.Dependencies)
		}
	}
	if queue == "" || env == "" {
		t.Fatalf("no old job queue (%q) or compute environment (%q) in the shift stage", queue, env)
	}
	rep := change.Diff(runExample(t, exampleStage(t, "release", nil)), runExample(t, exampleStage(t, "retire", nil)))
	if e, ok := rep.Get(queue); !ok || e.Kind != change.Removed || e.Protected {
		t.Errorf("retire: the old job queue is %+v, want deleted unprotected", e)
	}
}
