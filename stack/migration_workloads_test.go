package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// The seed's old workloads, one of each kind.
var seedOldWorkloads = map[string]any{
	"web-old":     map[string]any{"kind": "instances", "ids": []string{"i-0cc2a66f99db185d2", "i-03a60ef54370bc120"}},
	"alb-old":     map[string]any{"kind": "alb", "ids": []string{"prod-web"}},
	"api-old":     map[string]any{"kind": "ecsService", "ids": []string{"prod-cluster/prod-api"}},
	"thumbs-old":  map[string]any{"kind": "lambda", "ids": []string{"prod-thumbnailer"}},
	"nightly-old": map[string]any{"kind": "batch", "ids": []string{"prod-nightly"}},
}

const (
	tOldInstance = "aws:ec2/instance:Instance"
	tOldLB       = "aws:lb/loadBalancer:LoadBalancer"
	tOldService  = "aws:ecs/service:Service"
	tOldFunction = "aws:lambda/function:Function"
	tOldEnv      = "aws:batch/computeEnvironment:ComputeEnvironment"
	tOldGroup    = "aws:ec2/securityGroup:SecurityGroup"
)

// rawSnapshot reads one describe-* file of the seed snapshot as plain JSON,
// independently of the audit package's types.
func rawSnapshotFile(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", seedSnapshot, file))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func strs(v any) []any {
	var out []any
	for _, x := range v.([]any) {
		out = append(out, x)
	}
	return out
}

func groupIDsOf(v any) []any {
	var out []any
	for _, g := range v.([]any) {
		out = append(out, g.(map[string]any)["GroupId"])
	}
	return out
}

func lastPart(s string) string { return s[strings.LastIndex(s, "/")+1:] }

// wantImport checks a registered import: its import ID, protect, and every
// input equal to what the snapshot says, with no input the test does not
// know about (an unexpected input is one Pulumi would compare too).
func wantImport(t *testing.T, r sim.Resource, importID string, want map[string]any) {
	t.Helper()
	if r.ImportID != importID {
		t.Errorf("%s: import ID %q, want %q", r.Name, r.ImportID, importID)
	}
	if !r.Protect {
		t.Errorf("%s: not protected", r.Name)
	}
	var keys []string
	for k := range r.Inputs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, ok := want[k]
		if !ok {
			t.Errorf("%s: input %s = %v is not a value of the snapshot", r.Name, k, r.Inputs[k])
			continue
		}
		if !reflect.DeepEqual(r.Inputs[k], w) {
			t.Errorf("%s: input %s = %#v, the snapshot has %#v", r.Name, k, r.Inputs[k], w)
		}
	}
	for k := range want {
		if _, ok := r.Inputs[k]; !ok {
			t.Errorf("%s: input %s missing (the snapshot has %v)", r.Name, k, want[k])
		}
	}
}

func oldWorkloadValues(t *testing.T, stage string, workloads map[string]any, importOnly bool) map[string]string {
	t.Helper()
	m := map[string]any{"workloads": workloads, "stage": stage}
	if !importOnly {
		m["importOnly"] = nil
	}
	v := migrationValues(m)
	if !importOnly {
		v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
	}
	return v
}

func runValues(t *testing.T, name string, v map[string]string) *offline.Result {
	t.Helper()
	res, err := offline.Run(&stack.File{Path: name, Stack: "test", Values: v})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// Each old workload is imported with inputs equal to the snapshot's values,
// field by field (Pulumi refuses an import whose inputs differ and does not
// say which field; pulumi/pulumi#5260), protected, in the import-only stage.
func TestMigration_OldWorkloadsAreImportedWithTheSnapshotsValues(t *testing.T) {
	res := runValues(t, "adopt", oldWorkloadValues(t, "adopt", seedOldWorkloads, true))
	g := res.Graph

	n := 0
	for _, resv := range rawSnapshotFile(t, "instances.json")["Reservations"].([]any) {
		for _, x := range resv.(map[string]any)["Instances"].([]any) {
			in := x.(map[string]any)
			id := in["InstanceId"].(string)
			n++
			want := map[string]any{
				"ami": in["ImageId"], "instanceType": in["InstanceType"], "subnetId": in["SubnetId"],
				"vpcSecurityGroupIds": groupIDsOf(in["SecurityGroups"]), "keyName": in["KeyName"],
				"ebsOptimized": in["EbsOptimized"], "sourceDestCheck": in["SourceDestCheck"],
				"monitoring": in["Monitoring"].(map[string]any)["State"] == "enabled",
			}
			wantImport(t, mustNamed(t, g, tOldInstance, "prod-legacy-web-old-"+id), id, want)
		}
	}
	if n != 2 {
		t.Fatalf("the seed snapshot has %d instances, want 2", n)
	}

	lbs := rawSnapshotFile(t, "elbv2-load-balancers.json")["LoadBalancers"].([]any)
	l := lbs[0].(map[string]any)
	var subnets []any
	for _, z := range l["AvailabilityZones"].([]any) {
		subnets = append(subnets, z.(map[string]any)["SubnetId"])
	}
	wantImport(t, mustNamed(t, g, tOldLB, "prod-legacy-alb-old"), l["LoadBalancerArn"].(string), map[string]any{
		"name": l["LoadBalancerName"], "internal": l["Scheme"] != "internet-facing", "loadBalancerType": l["Type"],
		"subnets": subnets, "securityGroups": strs(l["SecurityGroups"]), "ipAddressType": l["IpAddressType"],
	})

	s := rawSnapshotFile(t, "ecs-services.json")["services"].([]any)[0].(map[string]any)
	vpc := s["networkConfiguration"].(map[string]any)["awsvpcConfiguration"].(map[string]any)
	wantImport(t, mustNamed(t, g, tOldService, "prod-legacy-api-old"), "prod-cluster/prod-api", map[string]any{
		"name": s["serviceName"], "cluster": s["clusterArn"],
		// The provider reads an imported service's task definition back as family:revision.
		"taskDefinition": lastPart(s["taskDefinition"].(string)),
		"desiredCount":   s["desiredCount"], "launchType": s["launchType"], "platformVersion": s["platformVersion"],
		"schedulingStrategy": s["schedulingStrategy"], "propagateTags": s["propagateTags"],
		"enableEcsManagedTags": s["enableECSManagedTags"], "enableExecuteCommand": s["enableExecuteCommand"],
		"networkConfiguration": map[string]any{
			"subnets": strs(vpc["subnets"]), "securityGroups": strs(vpc["securityGroups"]), "assignPublicIp": vpc["assignPublicIp"] == "ENABLED",
		},
	})

	f := rawSnapshotFile(t, "lambda-functions.json")["Functions"].([]any)[0].(map[string]any)
	fv := f["VpcConfig"].(map[string]any)
	wantImport(t, mustNamed(t, g, tOldFunction, "prod-legacy-thumbs-old"), "prod-thumbnailer", map[string]any{
		"name": f["FunctionName"], "role": f["Role"], "handler": f["Handler"], "runtime": f["Runtime"],
		"packageType": f["PackageType"], "description": f["Description"], "memorySize": f["MemorySize"],
		"timeout": f["Timeout"], "architectures": strs(f["Architectures"]),
		"ephemeralStorage": map[string]any{"size": f["EphemeralStorage"].(map[string]any)["Size"]},
		"tracingConfig":    map[string]any{"mode": f["TracingConfig"].(map[string]any)["Mode"]},
		"vpcConfig":        map[string]any{"subnetIds": strs(fv["SubnetIds"]), "securityGroupIds": strs(fv["SecurityGroupIds"])},
	})

	ce := rawSnapshotFile(t, "batch-compute-environments.json")["computeEnvironments"].([]any)[0].(map[string]any)
	cr := ce["computeResources"].(map[string]any)
	wantImport(t, mustNamed(t, g, tOldEnv, "prod-legacy-nightly-old"), "prod-nightly", map[string]any{
		"computeEnvironmentName": ce["computeEnvironmentName"], "type": ce["type"], "serviceRole": ce["serviceRole"], "state": ce["state"],
		"computeResources": map[string]any{"type": cr["type"], "maxVcpus": cr["maxvCpus"], "subnets": strs(cr["subnets"]), "securityGroupIds": strs(cr["securityGroupIds"])},
	})
}

// What the snapshot does not carry is left to AWS: ignored, so the import
// takes the live value and the stack never changes it. The function's code
// is never uploaded: no code input, and every code property ignored.
func TestMigration_OldWorkloadsLeaveWhatTheSnapshotLacksToAWS(t *testing.T) {
	g := runValues(t, "adopt", oldWorkloadValues(t, "adopt", seedOldWorkloads, true)).Graph
	for _, tc := range []struct {
		typ, name string
		ignored   []string
	}{
		{tOldInstance, "prod-legacy-web-old-i-0cc2a66f99db185d2", []string{"tags", "tagsAll", "userData", "disableApiTermination"}},
		{tOldLB, "prod-legacy-alb-old", []string{"tags", "idleTimeout", "accessLogs", "enableHttp2", "enableDeletionProtection", "dropInvalidHeaderFields"}},
		{tOldService, "prod-legacy-api-old", []string{"tags", "loadBalancers", "deploymentMaximumPercent", "deploymentMinimumHealthyPercent", "desiredCount"}},
		{tOldFunction, "prod-legacy-thumbs-old", []string{"tags", "code", "sourceCodeHash", "s3Bucket", "s3Key", "imageUri", "environment", "reservedConcurrentExecutions", "publish"}},
		{tOldEnv, "prod-legacy-nightly-old", []string{"tags", "updatePolicy", "computeResources.launchTemplate"}},
	} {
		r := mustNamed(t, g, tc.typ, tc.name)
		for _, want := range tc.ignored {
			if !contains(r.IgnoreChanges, want) {
				t.Errorf("%s ignores %v, not %s", tc.name, r.IgnoreChanges, want)
			}
		}
	}
	fn := mustNamed(t, g, tOldFunction, "prod-legacy-thumbs-old")
	for _, k := range []string{"code", "s3Bucket", "imageUri", "sourceCodeHash"} {
		if _, set := fn.Inputs[k]; set {
			t.Errorf("the old function's %s is set: an import would upload or compare code", k)
		}
	}
}

// Removing them deletes the workloads before the old groups they use (their
// group inputs name the imported groups), and the load balancer before the
// compute behind it (it depends on every other old workload).
func TestMigration_OldWorkloadsGoBeforeTheirGroupsAndTheLoadBalancerFirst(t *testing.T) {
	g := runValues(t, "expand", oldWorkloadValues(t, "expand", seedOldWorkloads, false)).Graph
	web := mustNamed(t, g, tOldGroup, "prod-legacy-"+seedOldWeb)
	for _, tc := range []struct{ typ, name, prop string }{
		{tOldInstance, "prod-legacy-web-old-i-0cc2a66f99db185d2", "vpcSecurityGroupIds"},
		{tOldFunction, "prod-legacy-thumbs-old", "vpcConfig"},
	} {
		r := mustNamed(t, g, tc.typ, tc.name)
		if !contains(r.PropertyDependencies[tc.prop], web.URN) {
			t.Errorf("%s's %s depends on %v, not on the old group %s", tc.name, tc.prop, r.PropertyDependencies[tc.prop], web.URN)
		}
	}
	api := mustNamed(t, g, tOldService, "prod-legacy-api-old")
	if !contains(api.PropertyDependencies["networkConfiguration"], mustNamed(t, g, tOldGroup, "prod-legacy-sg-07a542d0d0467dcfa").URN) {
		t.Errorf("the old service does not depend on its group: %v", api.PropertyDependencies)
	}
	lbr := mustNamed(t, g, tOldLB, "prod-legacy-alb-old")
	if !contains(lbr.PropertyDependencies["securityGroups"], mustNamed(t, g, tOldGroup, "prod-legacy-sg-0b9c817fa3d58d859").URN) {
		t.Errorf("the old load balancer does not depend on its group: %v", lbr.PropertyDependencies)
	}
	behind := []sim.Resource{
		mustNamed(t, g, tOldInstance, "prod-legacy-web-old-i-0cc2a66f99db185d2"), mustNamed(t, g, tOldInstance, "prod-legacy-web-old-i-03a60ef54370bc120"),
		api, mustNamed(t, g, tOldFunction, "prod-legacy-thumbs-old"), mustNamed(t, g, tOldEnv, "prod-legacy-nightly-old"),
	}
	for _, r := range behind {
		if !contains(lbr.Dependencies, r.URN) {
			t.Errorf("the old load balancer is not deleted before %s: depends on %v", r.Name, lbr.Dependencies)
		}
	}
}

func withOld(names ...string) map[string]any {
	out := map[string]any{}
	for _, n := range names {
		out[n] = seedOldWorkloads[n]
	}
	return out
}

func unprotected(w any) map[string]any {
	m := map[string]any{}
	for k, v := range w.(map[string]any) {
		m[k] = v
	}
	m["protect"] = false
	return m
}

// The contract in three stages: kept (protected), protect lifted in a stage
// of its own (an update that changes nothing else but the two deletion
// guards AWS would refuse a delete on), then removed from the file, which
// deletes them. Removing a still-protected workload is refused, naming the
// workload's key and both stages.
func TestMigration_OldWorkloadsAreLiftedThenRemovedInStagesOfTheirOwn(t *testing.T) {
	all := []string{"web-old", "alb-old", "api-old", "thumbs-old", "nightly-old"}
	keptV := oldWorkloadValues(t, "expand", withOld(all...), false)
	lift := map[string]any{}
	for _, n := range all {
		lift[n] = unprotected(seedOldWorkloads[n])
	}
	liftV := oldWorkloadValues(t, "data-groups", lift, false)
	goneV := oldWorkloadValues(t, "data-groups", nil, false)

	kept, lifted, gone := runValues(t, "s", keptV).Graph, runValues(t, "s", liftV).Graph, runValues(t, "s", goneV).Graph
	r := change.Diff(kept, lifted)
	if errs := r.Errors(); len(errs) != 0 {
		t.Fatalf("lifting protection is refused: %v", errs)
	}
	lifts := 0
	for _, e := range r.Entries {
		if !strings.Contains(e.Name, "-old") {
			continue
		}
		if e.Kind != change.Updated || e.Protect != "lifted" {
			t.Errorf("%s %s: %s, protect %q; want an update lifting protection", e.Type, e.Name, e.Kind, e.Protect)
		}
		lifts++
		for _, p := range e.Props {
			if p != "enableDeletionProtection" && p != "disableApiTermination" {
				t.Errorf("%s: lifting protection changes %s", e.Name, p)
			}
		}
	}
	// Two instances, the load balancer and its target group, the service,
	// the function, the compute environment and its job queue.
	if lifts != 8 {
		t.Errorf("%d old workload resources lifted, want 8:\n%s", lifts, r.Text())
	}
	if !strings.Contains(r.Text(), "[protect lifted]") {
		t.Errorf("the report does not say protect lifted:\n%s", r.Text())
	}
	lb := mustNamed(t, lifted, tOldLB, "prod-legacy-alb-old")
	if lb.Inputs["enableDeletionProtection"] != false || contains(lb.IgnoreChanges, "enableDeletionProtection") {
		t.Errorf("the lifted load balancer does not turn deletion protection off: %v / %v", lb.Inputs["enableDeletionProtection"], lb.IgnoreChanges)
	}

	r = change.Diff(lifted, gone)
	if errs := r.Errors(); len(errs) != 0 {
		t.Errorf("removing lifted workloads is refused: %v", errs)
	}
	removed := 0
	for _, e := range r.Entries {
		if e.Kind == change.Removed && strings.Contains(e.Name, "-old") {
			removed++
		}
	}
	if removed != 8 {
		t.Errorf("%d removed, want 8:\n%s", removed, r.Text())
	}
	if errs := change.Diff(kept, gone).Errors(); len(errs) != 8 {
		t.Errorf("removing protected workloads: %d refusals, want 8", len(errs))
	}

	parse := func(v map[string]string) *stack.Config {
		c, err := stack.Parse("test", v)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	err := stack.CheckTransition(parse(keptV), parse(goneV))
	for _, n := range all {
		wantProblem(t, problems.Messages(err), "platform:migration.workloads."+n, "stage data-groups removes the old workload "+n+", which stage expand still protects")
	}
	if err := stack.CheckTransition(parse(liftV), parse(goneV)); err != nil {
		t.Errorf("removing lifted workloads is refused: %v", err)
	}
	if err := stack.CheckTransition(parse(keptV), parse(liftV)); err != nil {
		t.Errorf("lifting protection is refused: %v", err)
	}
}

// webOldReaching is the cache stages' file with the old instances in it,
// reaching the adopted sessions cache, and the given grants on sessions.
func webOldReaching(stage string, grants string) map[string]string {
	v := cacheValues(stage, nil, nil)
	var m map[string]any
	_ = json.Unmarshal([]byte(v["platform:migration"]), &m)
	m["workloads"] = map[string]any{"web-old": map[string]any{"kind": "instances", "ids": []string{"i-0cc2a66f99db185d2"}, "reaches": []string{"sessions"}}}
	b, _ := json.Marshal(m)
	v["platform:migration"] = string(b)
	if grants != "" {
		v["platform:security"] = `{"allow":{"sessions":` + grants + `}}`
	}
	return v
}

const webOldBridge = `[{"from":["` + seedOldWeb + `"],"port":"6379","until":"contract","reason":"old web servers to the sessions cache while they run"}]`

// An old workload keeps a path to each store it reaches in every stage it is
// in: the cache's old group admits it (10.0.0.0/16 on 6379) until the stage
// the cache lets go of its old groups; from then on only a bridge does, and
// without one the stage is refused at the workload's reaches key, naming the
// stage.
func TestMigration_AnOldWorkloadKeepsAPathToTheStoresItReaches(t *testing.T) {
	if _, err := stack.Parse("test", webOldReaching("expand", "")); err != nil {
		t.Errorf("the old group admits the old instances in stage expand, and the stage is refused: %v", err)
	}
	key := "platform:migration.workloads.web-old.reaches[0]"
	wantProblem(t, problemsOf(t, webOldReaching("cache-subnets", "")), key, "in stage cache-subnets the old workload web-old (i-0cc2a66f99db185d2) has no path to sessions on port 6379")
	if _, err := stack.Parse("test", webOldReaching("cache-subnets", webOldBridge)); err != nil {
		t.Errorf("a bridge from the old instances' group keeps the path, and the stage is refused: %v", err)
	}
	// A bridge on another port, or from a group the old workload does not
	// carry, keeps nothing open.
	wrongPort := strings.Replace(webOldBridge, `"port":"6379"`, `"port":"6380"`, 1)
	wantProblem(t, problemsOf(t, webOldReaching("cache-subnets", wrongPort)), key, "has no path to sessions")
	wrongSource := strings.Replace(webOldBridge, seedOldWeb, "sg-0b9c817fa3d58d859", 1)
	wantProblem(t, problemsOf(t, webOldReaching("cache-subnets", wrongSource)), key, "has no path to sessions")
	// The stage that drops the bridge while the old workload is still in
	// the file is refused the same way: the bridge's until must come after
	// the stage that removes the old workload.
	wantProblem(t, problemsOf(t, webOldReaching("contract", "")), key, "in stage contract the old workload web-old")
	// A file whose stage is none of the stages is refused at that key alone:
	// no path is judged in a stage that does not exist.
	typo := problemsOf(t, webOldReaching("cache-subnetz", ""))
	wantProblem(t, typo, "platform:migration.stage", "cache-subnetz")
	for _, m := range typo {
		if strings.Contains(m, "has no path") {
			t.Errorf("a path judged in an unknown stage: %s", m)
		}
	}
}

// The same holds for an adopted Aurora cluster: its old group (open to the
// world on 5432 in the seed) admits the old function until adopt.groupsUntil,
// and from that stage on only a bridge keeps the path.
func TestMigration_AnOldWorkloadReachesAnAdoptedClusterThroughItsOldGroupOrABridge(t *testing.T) {
	at := func(stage, grants string) map[string]string {
		v := auroraValues(t, stage, func(_, adopt map[string]any) { adopt["groupsUntil"] = "db-new-b" })
		var m map[string]any
		_ = json.Unmarshal([]byte(v["platform:migration"]), &m)
		m["workloads"] = map[string]any{"thumbs-old": map[string]any{"kind": "lambda", "ids": []string{"prod-thumbnailer"}, "reaches": []string{"db"}}}
		b, _ := json.Marshal(m)
		v["platform:migration"] = string(b)
		if grants != "" {
			v["platform:security"] = `{"allow":{"db":` + grants + `}}`
		}
		return v
	}
	if _, err := stack.Parse("test", at("db-span", "")); err != nil {
		t.Errorf("the cluster's old group admits the old function in stage db-span, and the stage is refused: %v", err)
	}
	wantProblem(t, problemsOf(t, at("db-new-b", "")), "platform:migration.workloads.thumbs-old.reaches[0]", "in stage db-new-b the old workload thumbs-old (prod-thumbnailer) has no path to db on port 5432")
	bridge := `[{"from":["` + seedOldWeb + `"],"port":"5432","until":"contract","reason":"the old thumbnailer to the database while it runs"}]`
	if _, err := stack.Parse("test", at("db-new-b", bridge)); err != nil {
		t.Errorf("a bridge keeps the path, and the stage is refused: %v", err)
	}
}
