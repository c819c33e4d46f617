package policy_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/policy"
)

// stackFiles are every stack file in the repository - the stacks at the top
// and the examples (the migration stages) - all of which must pass the policy.
func stackFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), "Pulumi.") && strings.HasSuffix(d.Name(), ".yaml") && d.Name() != "Pulumi.yaml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil || len(files) < 2 {
		t.Fatalf("stack files %v: %v", files, err)
	}
	return files
}

func TestEveryStackFile_PassesThePolicy(t *testing.T) {
	groups := 0
	defer func() {
		if groups == 0 {
			t.Error("no security groups in any stack: the policy checked nothing")
		}
	}()
	for _, path := range stackFiles(t) {
		t.Run(path, func(t *testing.T) {
			res, err := offline.RunFile(path)
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range policy.Check(res.Graph) {
				t.Error(v)
			}
			groups += len(res.Graph.OfType("aws:ec2/securityGroup:SecurityGroup"))
			if res.Graph.Custom() == 0 {
				t.Error("the stack registered nothing: the policy checked nothing")
			}
		})
	}
}

// res builds a resource for the hand-made graphs below.
func res(typ, name, id string, inputs map[string]any) sim.Resource {
	return sim.Resource{URN: "urn:" + name, Type: typ, Name: name, ID: id, Custom: true, Inputs: inputs}
}

func rule(dir, name, sg string, extra map[string]any) sim.Resource {
	in := map[string]any{"securityGroupId": sg, "ipProtocol": "tcp", "fromPort": 443.0, "toPort": 443.0}
	for k, v := range extra {
		in[k] = v
	}
	typ := "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	if dir == "egress" {
		typ = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	}
	return res(typ, name, "sgr-"+name, in)
}

// The seed's mistakes, each as a graph: the checker must name every one.
func TestCheck_CatchesTheSeedsMistakes(t *testing.T) {
	base := []sim.Resource{
		res("aws:ec2/securityGroup:SecurityGroup", "web-sg", "sg-web", map[string]any{}),
		res("aws:ec2/securityGroup:SecurityGroup", "alb-sg", "sg-alb", map[string]any{}),
		res("aws:lb/loadBalancer:LoadBalancer", "alb", "alb-1", map[string]any{"internal": false, "securityGroups": []any{"sg-alb"}}),
	}
	tests := []struct {
		name  string
		extra []sim.Resource
		want  string
	}{
		{"all traffic from anywhere", []sim.Resource{rule("ingress", "all", "sg-web", map[string]any{"ipProtocol": "-1", "cidrIpv4": "0.0.0.0/0"})}, policy.RuleAllTraffic},
		{"http to an instance from anywhere", []sim.Resource{rule("ingress", "http", "sg-web", map[string]any{"fromPort": 80.0, "toPort": 80.0, "cidrIpv4": "0.0.0.0/0"})}, policy.RuleCIDRIngress},
		{"ssh from an office range", []sim.Resource{rule("ingress", "ssh", "sg-web", map[string]any{"fromPort": 22.0, "toPort": 22.0, "referencedSecurityGroupId": "sg-alb"})}, policy.RuleAdminPorts},
		{"rdp inside a range", []sim.Resource{rule("ingress", "wide", "sg-web", map[string]any{"fromPort": 3000.0, "toPort": 4000.0, "referencedSecurityGroupId": "sg-alb"})}, policy.RuleAdminPorts},
		{"one group on unrelated resources", []sim.Resource{
			res("aws:lambda/function:Function", "fn", "fn", map[string]any{"vpcConfig": map[string]any{"securityGroupIds": []any{"sg-web"}}}),
			res("aws:rds/cluster:Cluster", "db", "db", map[string]any{"vpcSecurityGroupIds": []any{"sg-web"}}),
		}, policy.RuleOwnGroup},
		{"one group on two functions of different components", []sim.Resource{
			{URN: "urn:f1", Type: "aws:lambda/function:Function", Name: "f1", Parent: "urn:a", Custom: true, Inputs: map[string]any{"vpcConfig": map[string]any{"securityGroupIds": []any{"sg-web"}}}},
			{URN: "urn:f2", Type: "aws:lambda/function:Function", Name: "f2", Parent: "urn:b", Custom: true, Inputs: map[string]any{"vpcConfig": map[string]any{"securityGroupIds": []any{"sg-web"}}}},
		}, policy.RuleOwnGroup},
		{"two platform groups on one workload", []sim.Resource{
			res("aws:ecs/service:Service", "svc", "svc", map[string]any{"networkConfiguration": map[string]any{"securityGroups": []any{"sg-web", "sg-alb"}}}),
		}, policy.RuleOwnGroup},
		{"inline rules", []sim.Resource{res("aws:ec2/securityGroup:SecurityGroup", "inline", "sg-inline", map[string]any{"ingress": []any{map[string]any{}}})}, policy.RuleNoInline},
		{"default group keeps rules", []sim.Resource{res("aws:ec2/defaultSecurityGroup:DefaultSecurityGroup", "def", "sg-def", map[string]any{"ingress": []any{map[string]any{}}})}, policy.RuleDefaultGroup},
		{"egress to the internet on all ports", []sim.Resource{rule("egress", "out", "sg-web", map[string]any{"fromPort": 0.0, "toPort": 65535.0, "cidrIpv4": "0.0.0.0/0"})}, policy.RuleInternetEgress},
		{"ingress naming nothing", []sim.Resource{rule("ingress", "bare", "sg-web", nil)}, policy.RuleGroupReference},
		{"key pair", []sim.Resource{res("aws:ec2/launchTemplate:LaunchTemplate", "lt", "lt", map[string]any{"keyName": "deployer"})}, policy.RuleNoKeyPair},
		{"public database", []sim.Resource{res("aws:rds/clusterInstance:ClusterInstance", "db-1", "db-1", map[string]any{"publiclyAccessible": true})}, policy.RuleNoPublicAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &sim.Graph{Resources: append(append([]sim.Resource(nil), base...), tt.extra...)}
			var rules []string
			for _, v := range policy.Check(g) {
				rules = append(rules, v.Rule)
			}
			if !strings.Contains(strings.Join(rules, ","), tt.want) {
				t.Errorf("violations %v, want %s", rules, tt.want)
			}
		})
	}
}

func TestCheck_AllowsTheLoadBalancersInternetIngress(t *testing.T) {
	g := &sim.Graph{Resources: []sim.Resource{
		res("aws:ec2/securityGroup:SecurityGroup", "alb-sg", "sg-alb", map[string]any{}),
		res("aws:lb/loadBalancer:LoadBalancer", "alb", "alb-1", map[string]any{"internal": false, "securityGroups": []any{"sg-alb"}}),
		rule("ingress", "https", "sg-alb", map[string]any{"cidrIpv4": "0.0.0.0/0"}),
		rule("ingress", "http", "sg-alb", map[string]any{"fromPort": 80.0, "toPort": 80.0, "cidrIpv4": "0.0.0.0/0"}),
	}}
	if v := policy.Check(g); len(v) != 0 {
		t.Errorf("unexpected %v", v)
	}
	// The same rules on an internal load balancer are a violation.
	g.Resources[1].Inputs["internal"] = true
	if v := policy.Check(g); len(v) != 2 {
		t.Errorf("internal load balancer open to the world: %v", v)
	}
}

// An old workload a migration imports as it is (key pair, public IP, one old
// group shared by several) is not the program's to fix: the rules judge what
// the program builds. The same resources created by the program are
// violations.
func TestCheck_LeavesImportedOldWorkloadsToTheAudit(t *testing.T) {
	build := func(imported bool) *sim.Graph {
		rs := []sim.Resource{
			res("aws:ec2/securityGroup:SecurityGroup", "old-sg", "sg-old", map[string]any{}),
			res("aws:ec2/instance:Instance", "web-1", "i-1", map[string]any{"keyName": "prod-deploy", "vpcSecurityGroupIds": []any{"sg-old"}}),
			res("aws:ecs/service:Service", "api", "api", map[string]any{"networkConfiguration": map[string]any{"assignPublicIp": true, "securityGroups": []any{"sg-old"}}}),
		}
		if imported {
			for i := range rs {
				rs[i].ImportID = rs[i].ID
			}
		}
		return &sim.Graph{Resources: rs}
	}
	if v := policy.Check(build(true)); len(v) != 0 {
		t.Errorf("imported old workloads: %v", v)
	}
	rules := map[string]bool{}
	for _, v := range policy.Check(build(false)) {
		rules[v.Rule] = true
	}
	for _, want := range []string{policy.RuleNoKeyPair, policy.RuleNoPublicAddress, policy.RuleOwnGroup} {
		if !rules[want] {
			t.Errorf("the same resources created by the program pass %s: %v", want, rules)
		}
	}
}

// During a migration an adopted store carries the old groups it came with
// beside its own; those are imported, not the platform's, and do not count.
// A second group the platform creates still does.
func TestCheck_AnImportedOldGroupBesideAWorkloadsOwnIsNotASecondPlatformGroup(t *testing.T) {
	old := res("aws:ec2/securityGroup:SecurityGroup", "legacy-db", "sg-old", map[string]any{})
	old.ImportID = "sg-old"
	g := &sim.Graph{Resources: []sim.Resource{
		res("aws:ec2/securityGroup:SecurityGroup", "db-sg", "sg-db", map[string]any{}),
		old,
		res("aws:rds/cluster:Cluster", "db", "db", map[string]any{"vpcSecurityGroupIds": []any{"sg-db", "sg-old"}}),
		res("aws:lambda/function:Function", "old-fn", "old-fn", map[string]any{"vpcConfig": map[string]any{"securityGroupIds": []any{"sg-old"}}}),
	}}
	for _, v := range policy.Check(g) {
		if v.Rule == policy.RuleOwnGroup {
			t.Errorf("%v", v)
		}
	}
	g.Resources = append(g.Resources, res("aws:ec2/securityGroup:SecurityGroup", "db-sg2", "sg-db2", map[string]any{}))
	g.Resources[2].Inputs["vpcSecurityGroupIds"] = []any{"sg-db", "sg-db2", "sg-old"}
	found := false
	for _, v := range policy.Check(g) {
		found = found || v.Rule == policy.RuleOwnGroup
	}
	if !found {
		t.Error("two groups the platform creates on one cluster pass")
	}
}
