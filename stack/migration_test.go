package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// The seed account of examples/migration, from its snapshot.
const (
	seedSnapshot = "examples/migration/snapshot"
	seedVPC      = "vpc-050054c316fb6e16c"
	seedOldDB    = "sg-0828695f48c0404c4" // prod-aurora-sg
	seedOldWeb   = "sg-037e7fc910cc914d8" // launch-wizard-1: the old instances, the function and the database
	seedDefault  = "sg-074226822294c3530"
)

// seedGroups are the seed VPC's groups but its default one.
var seedGroups = []string{"sg-0b9c817fa3d58d859", seedOldWeb, seedOldDB, "sg-07a542d0d0467dcfa", "sg-0666f63c46cdff14f", "sg-01da313214bf111f2", "sg-094a0fc1a97371799"}

// migrationValues is the seed's adopt stage: its VPC as it is, the new tiers
// pinned, and platform:migration importing its route tables and groups.
func migrationValues(migration map[string]any) map[string]string {
	groups := map[string]any{}
	for _, g := range seedGroups {
		groups[g] = map[string]any{}
	}
	m := map[string]any{
		"snapshot": seedSnapshot, "stages": []string{"adopt", "expand", "data-groups", "contract"}, "stage": "adopt", "importOnly": true,
		"routeTables": []string{"rtb-0ad3fb9235b1535b8", "rtb-008c011c2e1a6e2ab"}, "groups": groups,
	}
	for k, v := range migration {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	b, _ := json.Marshal(m)
	return map[string]string{
		"aws:region":            "eu-west-1",
		"aws:allowedAccountIds": `["111122223333"]`,
		"aws:defaultTags":       `{"tags":{"project":"platform","stack":"test","owner":"platform"}}`,
		"platform:name":         "prod",
		"platform:protect":      "true",
		"platform:network": `{"cidr":"10.0.0.0/16","availabilityZones":["eu-west-1a","eu-west-1b","eu-west-1c"],"nat":"perAz",
			"tiers":{"private":{"prefixLength":20,"cidrs":{"eu-west-1a":"10.0.48.0/20","eu-west-1b":"10.0.64.0/20","eu-west-1c":"10.0.80.0/20"}},
				"isolated":{"prefixLength":24,"cidrs":{"eu-west-1a":"10.0.96.0/24","eu-west-1b":"10.0.97.0/24","eu-west-1c":"10.0.98.0/24"}}},
			"flowLogs":{"enabled":false},
			"existing":{"vpcId":"vpc-050054c316fb6e16c","internetGatewayId":"igw-00acd7adc08f14079","enableDnsHostnames":false,
				"subnets":[
					{"id":"subnet-01cae413a21acf452","cidr":"10.0.0.0/20","az":"eu-west-1a","public":true,"mapPublicIpOnLaunch":true},
					{"id":"subnet-0b908e3ee0e2bad72","cidr":"10.0.16.0/20","az":"eu-west-1b","public":true,"mapPublicIpOnLaunch":true},
					{"id":"subnet-0aa33ffb8c8b47a7e","cidr":"10.0.32.0/20","az":"eu-west-1c","public":true,"mapPublicIpOnLaunch":true}]}}`,
		"platform:migration": string(b),
	}
}

// problemsOf parses values and returns the problems, failing when there are none.
func problemsOf(t *testing.T, v map[string]string) []string {
	t.Helper()
	_, err := stack.Parse("test", v)
	if err == nil {
		t.Fatal("accepted")
	}
	return problems.Messages(err)
}

func wantProblem(t *testing.T, got []string, key, text string) {
	t.Helper()
	for _, m := range got {
		if strings.HasPrefix(m, key+": ") && strings.Contains(m, text) {
			return
		}
	}
	t.Errorf("want a problem at %s saying %q, got:\n  %s", key, text, strings.Join(got, "\n  "))
}

// The first stage of a migration registers imports and nothing else: the
// VPC, its gateway, subnets and route tables, and the old groups, each with
// the import ID, protected and with its tags left alone.
func TestMigration_TheImportOnlyStageRegistersImportsAndNothingElse(t *testing.T) {
	res, err := offline.Run(&stack.File{Path: "adopt", Stack: "test", Values: migrationValues(nil)})
	if err != nil {
		t.Fatal(err)
	}
	imports := 0
	for _, r := range res.Graph.Resources {
		if !r.Custom {
			continue
		}
		if r.ImportID == "" {
			t.Errorf("%s %s is created, not imported", r.Type, r.Name)
			continue
		}
		imports++
		if !r.Protect || strings.Join(r.IgnoreChanges, ",") != "tags,tagsAll" {
			t.Errorf("%s: protect %v, ignoreChanges %v", r.Name, r.Protect, r.IgnoreChanges)
		}
	}
	// VPC, gateway, 3 subnets, 2 route tables, 7 groups.
	if imports != 14 {
		t.Errorf("%d imports, want 14", imports)
	}
	// A group is imported with exactly its name, description and VPC.
	g := mustNamed(t, res.Graph, "aws:ec2/securityGroup:SecurityGroup", "prod-legacy-"+seedOldDB)
	if str(g, "name") != "prod-aurora-sg" || str(g, "description") != "Aurora cluster" || str(g, "vpcId") != seedVPC || len(g.Inputs) != 3 {
		t.Errorf("old database group imported with %v", g.Inputs)
	}
	if len(res.Graph.OfType("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup")) != 0 {
		t.Error("the import-only stage empties the default group")
	}
	if out := res.Graph.Exports["vpcId"]; out != seedVPC {
		t.Errorf("vpcId output %v", out)
	}
}

// The old groups a rule of another names are deleted after it: the
// referring group depends on the one it names (prod-ecs-tasks admits
// prod-alb-sg), and a group on its way out revokes its rules first.
func TestMigration_AnOldGroupNamedByAnothersRuleGoesLast(t *testing.T) {
	v := migrationValues(map[string]any{"importOnly": nil, "stage": "expand"})
	res, err := offline.Run(&stack.File{Path: "expand", Stack: "test", Values: withProtectOff(t, v, "sg-07a542d0d0467dcfa")})
	if err != nil {
		t.Fatal(err)
	}
	ecs := mustNamed(t, res.Graph, "aws:ec2/securityGroup:SecurityGroup", "prod-legacy-sg-07a542d0d0467dcfa")
	alb := mustNamed(t, res.Graph, "aws:ec2/securityGroup:SecurityGroup", "prod-legacy-sg-0b9c817fa3d58d859")
	if !contains(ecs.Dependencies, alb.URN) {
		t.Errorf("prod-ecs-tasks depends on %v, want prod-alb-sg", ecs.Dependencies)
	}
	if ecs.Protect || ecs.Inputs["revokeRulesOnDelete"] != true {
		t.Errorf("the unprotected group: protect %v, inputs %v", ecs.Protect, ecs.Inputs)
	}
	if !alb.Protect || alb.Inputs["revokeRulesOnDelete"] != nil {
		t.Errorf("a kept group: protect %v, inputs %v", alb.Protect, alb.Inputs)
	}
}

func withProtectOff(t *testing.T, v map[string]string, group string) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(v["platform:migration"]), &m); err != nil {
		t.Fatal(err)
	}
	m["groups"].(map[string]any)[group] = map[string]any{"protect": false}
	b, _ := json.Marshal(m)
	v["platform:migration"] = string(b)
	return v
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestMigration_RefusesAMigrationThatDoesNotMatchItsSnapshot(t *testing.T) {
	for _, tc := range []struct {
		name      string
		migration map[string]any
		key, text string
	}{
		{"no snapshot", map[string]any{"snapshot": nil}, "platform:migration.snapshot", "required"},
		{"a snapshot that is not there", map[string]any{"snapshot": "examples/migration/no-such-snapshot"}, "platform:migration.snapshot", "no such folder"},
		{"a snapshot that is a file", map[string]any{"snapshot": "examples/migration/snapshot/vpcs.json"}, "platform:migration.snapshot", "is a file"},
		{"no stages", map[string]any{"stages": nil}, "platform:migration.stages", "required"},
		{"a stage named twice", map[string]any{"stages": []string{"adopt", "adopt", "contract"}}, "platform:migration.stages[1]", "listed twice"},
		{"a stage of another plan", map[string]any{"stage": "move"}, "platform:migration.stage", "not one of stages"},
		{"import-only after the first stage", map[string]any{"stage": "expand"}, "platform:migration.importOnly", "would delete everything the stages before it created"},
		{"a route table the snapshot lacks", map[string]any{"routeTables": []string{"rtb-0123456789abcdef0"}}, "platform:migration.routeTables[0]", "not in the snapshot"},
		{"a group the snapshot lacks", map[string]any{"groups": map[string]any{"sg-0123456789abcdef0": map[string]any{}}}, "platform:migration.groups.sg-0123456789abcdef0", "not in the snapshot"},
		{"a group of another VPC", map[string]any{"groups": map[string]any{"sg-24ac41d0": map[string]any{}}}, "platform:migration.groups.sg-24ac41d0", "not to the adopted VPC"},
		{"the default group", map[string]any{"groups": map[string]any{seedDefault: map[string]any{}}}, "platform:migration.groups." + seedDefault, "manageDefaultSecurityGroup empties it"},
		{"an old workload of no kind", map[string]any{"workloads": map[string]any{"web-old": map[string]any{"kind": "vm", "ids": []string{"i-0cc2a66f99db185d2"}}}}, "platform:migration.workloads.web-old.kind", "not an old workload kind"},
		{"an old workload the snapshot lacks", map[string]any{"workloads": map[string]any{"web-old": map[string]any{"kind": "instances", "ids": []string{"i-0123456789abcdef0"}}}}, "platform:migration.workloads.web-old.ids[0]", "no running instance"},
		{"an old workload whose group is not imported", map[string]any{"groups": map[string]any{seedOldDB: map[string]any{}},
			"workloads": map[string]any{"web-old": map[string]any{"kind": "instances", "ids": []string{"i-0cc2a66f99db185d2"}}}}, "platform:migration.workloads.web-old.ids[0]", "which is not imported"},
		{"two resources for one old load balancer", map[string]any{"workloads": map[string]any{"alb-old": map[string]any{"kind": "alb", "ids": []string{"prod-web", "prod-web2"}}}}, "platform:migration.workloads.alb-old.ids", "names one resource"},
		{"an old workload reaching no workload", map[string]any{"workloads": map[string]any{"web-old": map[string]any{"kind": "instances", "ids": []string{"i-0cc2a66f99db185d2"}, "reaches": []string{"database"}}}}, "platform:migration.workloads.web-old.reaches[0]", "not a workload of the stack"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, problemsOf(t, migrationValues(tc.migration)), tc.key, tc.text)
		})
	}
}

// An import-only stage refuses, by key, whatever the stack file says it
// would create.
func TestMigration_TheImportOnlyStageRefusesWhatItWouldCreate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(v map[string]string)
		key  string
	}{
		{"flow logs", func(v map[string]string) {
			v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
		}, "platform:network.flowLogs.enabled"},
		{"interface endpoints", func(v map[string]string) {
			v["platform:network"] = strings.Replace(v["platform:network"], `"nat":"perAz",`, `"nat":"perAz","endpoints":["ssm","ssmmessages","ec2messages"],`, 1)
			v["platform:network"] = strings.Replace(v["platform:network"], `"enableDnsHostnames":false`, `"enableDnsHostnames":true`, 1)
		}, "platform:network.endpoints"},
		{"emptying the default group", func(v map[string]string) {
			v["platform:network"] = strings.Replace(v["platform:network"], `"enableDnsHostnames":false,`, `"enableDnsHostnames":false,"manageDefaultSecurityGroup":true,`, 1)
		}, "platform:network.existing.manageDefaultSecurityGroup"},
		{"a new workload", func(v map[string]string) {
			v["platform:workloads"] = `{"jobs":{"kind":"batch","image":"111122223333.dkr.ecr.eu-west-1.amazonaws.com/jobs:1","vcpu":1,"memory":2048,"maxVcpus":4,"internetEgress":true}}`
		}, "platform:workloads.jobs"},
		{"an allow edge", func(v map[string]string) {
			v["platform:security"] = `{"allow":{"` + seedOldDB + `":[{"from":["jobs"],"port":"5432","until":"expand"}]}}`
		}, "platform:security.allow." + seedOldDB},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := migrationValues(nil)
			tc.edit(v)
			wantProblem(t, problemsOf(t, v), tc.key, "registers imports and nothing else")
		})
	}
}

// A bridge names the stage that removes it: it is refused in that stage and
// after, in the contract stage whatever it names, and without a migration.
func TestMigration_BridgesGoAtTheirStageAndNoneSurvivesTheContract(t *testing.T) {
	bridge := func(until string) string {
		return `{"allow":{"` + seedOldDB + `":[{"from":["jobs"],"port":"5432","until":"` + until + `"}]}}`
	}
	jobs := `{"jobs":{"kind":"batch","image":"111122223333.dkr.ecr.eu-west-1.amazonaws.com/jobs:1","vcpu":1,"memory":2048,"maxVcpus":4,"internetEgress":true}}`
	at := func(stage, until string) map[string]string {
		v := migrationValues(map[string]any{"importOnly": nil, "stage": stage})
		v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
		v["platform:workloads"] = jobs
		v["platform:security"] = bridge(until)
		return v
	}
	key := "platform:security.allow." + seedOldDB + "[0].until"
	if _, err := stack.Parse("test", at("expand", "data-groups")); err != nil {
		t.Fatalf("a bridge before its stage is refused: %v", err)
	}
	wantProblem(t, problemsOf(t, at("data-groups", "data-groups")), key, "removed at stage data-groups, and this file is stage data-groups")
	wantProblem(t, problemsOf(t, at("data-groups", "expand")), key, "removed at stage expand, and this file is stage data-groups")
	wantProblem(t, problemsOf(t, at("expand", "later")), key, `"later" is not one of platform:migration.stages`)
	wantProblem(t, problemsOf(t, at("contract", "contract")), key, "this is the contract stage")
	v := at("expand", "data-groups")
	delete(v, "platform:migration")
	wantProblem(t, problemsOf(t, v), key, "a bridge belongs to a migration")
}

// The bridge's rules are registered: on the job's group and on the imported
// old group, which they depend on.
func TestMigration_ABridgeLandsOnTheImportedGroup(t *testing.T) {
	v := migrationValues(map[string]any{"importOnly": nil, "stage": "expand"})
	v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
	v["platform:workloads"] = `{"jobs":{"kind":"batch","image":"111122223333.dkr.ecr.eu-west-1.amazonaws.com/jobs:1","vcpu":1,"memory":2048,"maxVcpus":4,"internetEgress":true}}`
	v["platform:security"] = `{"allow":{"` + seedOldDB + `":[{"from":["jobs"],"port":"5432","until":"data-groups"}]}}`
	res, err := offline.Run(&stack.File{Path: "expand", Stack: "test", Values: v})
	if err != nil {
		t.Fatal(err)
	}
	old := mustNamed(t, res.Graph, "aws:ec2/securityGroup:SecurityGroup", "prod-legacy-"+seedOldDB)
	in := mustNamed(t, res.Graph, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", "prod-sg-"+seedOldDB+"-in-jobs-tcp-5432")
	if str(in, "securityGroupId") != old.ID || !contains(in.PropertyDependencies["securityGroupId"], old.URN) {
		t.Errorf("the bridge's ingress rule is on %s (deps %v), want the imported %s", str(in, "securityGroupId"), in.PropertyDependencies, old.ID)
	}
	out := mustNamed(t, res.Graph, "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule", "prod-sg-jobs-out-"+seedOldDB+"-tcp-5432")
	if str(out, "referencedSecurityGroupId") != old.ID {
		t.Errorf("the bridge's egress rule names %s", str(out, "referencedSecurityGroupId"))
	}
}
