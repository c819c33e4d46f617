package change

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/platform/internal/sim"
)

// Small hand-built graphs. URNs follow the engine's shape; IDs are whatever
// the test says (a reference to another resource is its simulated ID).

type opt func(*sim.Resource)

func urnOf(typ, name string) string { return "urn:pulumi:test::platform::" + typ + "::" + name }

func res(typ, name string, inputs map[string]any, opts ...opt) sim.Resource {
	r := sim.Resource{URN: urnOf(typ, name), Type: typ, Name: name, Custom: true, ID: name + "-id", Inputs: inputs}
	for _, o := range opts {
		o(&r)
	}
	return r
}

// dep records that input prop was computed from the given resources.
func dep(prop string, on ...sim.Resource) opt {
	return func(r *sim.Resource) {
		if r.PropertyDependencies == nil {
			r.PropertyDependencies = map[string][]string{}
		}
		for _, o := range on {
			r.PropertyDependencies[prop] = append(r.PropertyDependencies[prop], o.URN)
			r.Dependencies = append(r.Dependencies, o.URN)
		}
	}
}

func protect(r *sim.Resource)    { r.Protect = true }
func ignore(props ...string) opt { return func(r *sim.Resource) { r.IgnoreChanges = props } }
func replaceOnChanges(props ...string) opt {
	return func(r *sim.Resource) { r.ReplaceOnChanges = props }
}
func alias(urns ...string) opt { return func(r *sim.Resource) { r.Aliases = urns } }
func graph(rs ...sim.Resource) *sim.Graph {
	return &sim.Graph{Project: "platform", Stack: "test", Resources: rs}
}
func component(typ, name string) sim.Resource {
	return sim.Resource{URN: urnOf(typ, name), Type: typ, Name: name}
}

const (
	tVpc     = "aws:ec2/vpc:Vpc"
	tSubnet  = "aws:ec2/subnet:Subnet"
	tRT      = "aws:ec2/routeTable:RouteTable"
	tRTA     = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tRoute   = "aws:ec2/route:Route"
	tIGW     = "aws:ec2/internetGateway:InternetGateway"
	tNAT     = "aws:ec2/natGateway:NatGateway"
	tEIP     = "aws:ec2/eip:Eip"
	tVpce    = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tSGIn    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tECSSvc  = "aws:ecs/service:Service"
	tTaskDef = "aws:ecs/taskDefinition:TaskDefinition"
	tRDS     = "aws:rds/cluster:Cluster"
	tFlowLog = "aws:ec2/flowLog:FlowLog"
	tKey     = "aws:kms/key:Key"
	tLogGrp  = "aws:cloudwatch/logGroup:LogGroup"
	tRole    = "aws:iam/role:Role"
	tRolePol = "aws:iam/rolePolicy:RolePolicy"
	tLB      = "aws:lb/loadBalancer:LoadBalancer"
	tRG      = "aws:elasticache/replicationGroup:ReplicationGroup"
	tAlarm   = "aws:cloudwatch/metricAlarm:MetricAlarm"
)

func mustEntry(t *testing.T, r *Report, typ, name string) Entry {
	t.Helper()
	e, ok := r.Get(urnOf(typ, name))
	if !ok {
		t.Fatalf("%s %s: not in the report (unchanged); report:\n%s", typ, name, r.Text())
	}
	return e
}

func wantKind(t *testing.T, r *Report, typ, name string, k Kind) Entry {
	t.Helper()
	e := mustEntry(t, r, typ, name)
	if e.Kind != k {
		t.Fatalf("%s %s: got %s, want %s; report:\n%s", typ, name, e.Kind, k, r.Text())
	}
	return e
}

func wantUnchanged(t *testing.T, r *Report, typ, name string) {
	t.Helper()
	if e, ok := r.Get(urnOf(typ, name)); ok {
		t.Fatalf("%s %s: got %s (%v), want unchanged; report:\n%s", typ, name, e.Kind, e.Props, r.Text())
	}
}

func network(vpcCIDR, subnetCIDR string, opts ...opt) []sim.Resource {
	vpc := res(tVpc, "vpc", map[string]any{"cidrBlock": vpcCIDR, "enableDnsSupport": true}, append([]opt{protect}, opts...)...)
	subnet := res(tSubnet, "private-a", map[string]any{"vpcId": vpc.ID, "cidrBlock": subnetCIDR, "availabilityZone": "us-east-1a"}, dep("vpcId", vpc), protect)
	igw := res(tIGW, "igw", map[string]any{"vpcId": vpc.ID}, dep("vpcId", vpc))
	rt := res(tRT, "private-a-rt", map[string]any{"vpcId": vpc.ID}, dep("vpcId", vpc))
	rta := res(tRTA, "private-a-rta", map[string]any{"subnetId": subnet.ID, "routeTableId": rt.ID}, dep("subnetId", subnet), dep("routeTableId", rt))
	route := res(tRoute, "private-a-default", map[string]any{"routeTableId": rt.ID, "destinationCidrBlock": "0.0.0.0/0", "gatewayId": igw.ID},
		dep("routeTableId", rt), dep("gatewayId", igw))
	return []sim.Resource{component("platform:network:Vpc", "net"), vpc, subnet, igw, rt, rta, route}
}

func TestAddedRemovedUnchanged(t *testing.T) {
	a := res(tEIP, "a", map[string]any{"domain": "vpc"})
	b := res(tEIP, "b", map[string]any{"domain": "vpc"})
	c := res(tEIP, "c", map[string]any{"domain": "vpc"})
	r := Diff(graph(a, b), graph(b, c))
	wantKind(t, r, tEIP, "a", Removed)
	wantUnchanged(t, r, tEIP, "b")
	wantKind(t, r, tEIP, "c", Added)
	if r.Counts[Added] != 1 || r.Counts[Removed] != 1 || r.Counts[Unchanged] != 1 || len(r.Entries) != 2 {
		t.Fatalf("counts %v, entries %d", r.Counts, len(r.Entries))
	}
	if len(r.Errors()) != 0 {
		t.Fatalf("unprotected removal must not be an error: %v", r.Errors())
	}
	if got := Diff(graph(a, b), graph(a, b)); !got.Empty() {
		t.Fatalf("identical graphs differ:\n%s", got.Text())
	}
}

func TestUpdatedInPlace(t *testing.T) {
	before := res(tSubnet, "s", map[string]any{"cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": false, "tags": map[string]any{"a": "1", "b": "2"}})
	after := res(tSubnet, "s", map[string]any{"cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": true, "tags": map[string]any{"b": "2", "a": "1"}})
	r := Diff(graph(before), graph(after))
	e := wantKind(t, r, tSubnet, "s", Updated)
	if !reflect.DeepEqual(e.Props, []string{"mapPublicIpOnLaunch"}) {
		t.Fatalf("props %v, want only mapPublicIpOnLaunch (tags compare by key)", e.Props)
	}
	after.Inputs["tags"] = map[string]any{"a": "1", "b": "3"}
	e = wantKind(t, Diff(graph(before), graph(after)), tSubnet, "s", Updated)
	if !reflect.DeepEqual(e.Props, []string{"mapPublicIpOnLaunch", "tags"}) {
		t.Fatalf("props %v", e.Props)
	}
}

func TestReplacedByForcingInput(t *testing.T) {
	before := res(tSubnet, "s", map[string]any{"cidrBlock": "10.0.0.0/24", "vpcId": "vpc-1"})
	after := res(tSubnet, "s", map[string]any{"cidrBlock": "10.0.1.0/24", "vpcId": "vpc-1"})
	e := wantKind(t, Diff(graph(before), graph(after)), tSubnet, "s", Replaced)
	if !reflect.DeepEqual(e.Forcing, []string{"cidrBlock"}) || !reflect.DeepEqual(e.Props, []string{"cidrBlock"}) {
		t.Fatalf("forcing %v props %v", e.Forcing, e.Props)
	}
	// Numbers compare as JSON numbers: an int and a float64 of one value are equal.
	n1 := res(tNAT, "n", map[string]any{"subnetId": "s", "secondaryPrivateIpAddressCount": 2})
	n2 := res(tNAT, "n", map[string]any{"subnetId": "s", "secondaryPrivateIpAddressCount": 2.0})
	wantUnchanged(t, Diff(graph(n1), graph(n2)), tNAT, "n")
}

func TestTypeChangeIsReplacement(t *testing.T) {
	before := res(tEIP, "x", map[string]any{"domain": "vpc"})
	after := res(tNAT, "x", map[string]any{"subnetId": "s"}, alias(before.URN))
	e := wantKind(t, Diff(graph(before), graph(after)), tNAT, "x", Replaced)
	if !reflect.DeepEqual(e.Forcing, []string{"type"}) {
		t.Fatalf("forcing %v", e.Forcing)
	}
}

func TestIgnoreChanges(t *testing.T) {
	before := res(tSubnet, "s", map[string]any{"cidrBlock": "10.0.0.0/24", "tags": map[string]any{"Name": "a", "team": "x"}})
	after := res(tSubnet, "s", map[string]any{"cidrBlock": "10.0.1.0/24", "tags": map[string]any{"Name": "a", "team": "y"}},
		ignore("cidrBlock", `tags["team"]`))
	wantUnchanged(t, Diff(graph(before), graph(after)), tSubnet, "s")

	// An ignored input does not carry a dependency's replacement either.
	vpc1 := res(tVpc, "v", map[string]any{"cidrBlock": "10.0.0.0/16"})
	vpc2 := res(tVpc, "v", map[string]any{"cidrBlock": "10.9.0.0/16"})
	sub1 := res(tSubnet, "s", map[string]any{"vpcId": vpc1.ID}, dep("vpcId", vpc1))
	sub2 := res(tSubnet, "s", map[string]any{"vpcId": vpc2.ID}, dep("vpcId", vpc2), ignore("vpcId"))
	r := Diff(graph(vpc1, sub1), graph(vpc2, sub2))
	wantKind(t, r, tVpc, "v", Replaced)
	wantUnchanged(t, r, tSubnet, "s")
}

func TestAliasMatchesRenamedResource(t *testing.T) {
	before := res(tSubnet, "old-name", map[string]any{"cidrBlock": "10.0.0.0/24"}, protect)
	after := res(tSubnet, "new-name", map[string]any{"cidrBlock": "10.0.0.0/24"}, alias(before.URN), protect)
	r := Diff(graph(before), graph(after))
	if !r.Empty() {
		t.Fatalf("a renamed resource with an alias must be unchanged:\n%s", r.Text())
	}
	// Without the alias it is a delete and a create, and the protected delete is an error.
	after.Aliases = nil
	r = Diff(graph(before), graph(after))
	wantKind(t, r, tSubnet, "old-name", Removed)
	wantKind(t, r, tSubnet, "new-name", Added)
	if len(r.Errors()) != 1 {
		t.Fatalf("errors %v", r.Errors())
	}
	// A name-only alias (the engine's alias spec) works too, and a change still shows.
	after = res(tSubnet, "new-name", map[string]any{"cidrBlock": "10.0.0.0/24", "mapPublicIpOnLaunch": true}, alias("name=old-name"))
	r = Diff(graph(before), graph(after))
	e := wantKind(t, r, tSubnet, "new-name", Updated)
	if e.OldURN != before.URN {
		t.Fatalf("old urn %q", e.OldURN)
	}
}

func TestPropagationThroughReplacedVPC(t *testing.T) {
	r := Diff(graph(network("10.0.0.0/16", "10.0.0.0/24")...), graph(network("10.8.0.0/16", "10.0.0.0/24")...))
	e := wantKind(t, r, tVpc, "vpc", Replaced)
	if !reflect.DeepEqual(e.Forcing, []string{"cidrBlock"}) {
		t.Fatalf("vpc forcing %v", e.Forcing)
	}
	// The subnet's own inputs did not change: it is replaced only because its
	// VPC gets a new ID, and the chain goes on to its association.
	s := wantKind(t, r, tSubnet, "private-a", Replaced)
	if !reflect.DeepEqual(s.Forcing, []string{"vpcId"}) || !strings.Contains(strings.Join(s.Reasons, ";"), "new ID of replaced aws:ec2/vpc:Vpc vpc") {
		t.Fatalf("subnet forcing %v reasons %v", s.Forcing, s.Reasons)
	}
	wantKind(t, r, tRT, "private-a-rt", Replaced)
	rta := wantKind(t, r, tRTA, "private-a-rta", Replaced)
	if !reflect.DeepEqual(rta.Forcing, []string{"subnetId"}) || !reflect.DeepEqual(rta.Props, []string{"routeTableId", "subnetId"}) {
		t.Fatalf("association forcing %v props %v", rta.Forcing, rta.Props)
	}
	wantKind(t, r, tRoute, "private-a-default", Replaced)
	// The internet gateway re-attaches in place: vpcId is not ForceNew.
	igw := wantKind(t, r, tIGW, "igw", Updated)
	if !reflect.DeepEqual(igw.Props, []string{"vpcId"}) {
		t.Fatalf("igw props %v", igw.Props)
	}
	wantUnchanged(t, r, "platform:network:Vpc", "net")

	// Both the VPC and the subnet are protected: both are errors, with the table's advice.
	errs := r.Errors()
	if len(errs) != 2 {
		t.Fatalf("errors: %v", errs)
	}
	joined := errs[0].Error() + "\n" + errs[1].Error()
	for _, want := range []string{"aws:ec2/subnet:Subnet private-a is protected and would be replaced (vpcId)",
		"aws:ec2/vpc:Vpc vpc is protected and would be replaced (cidrBlock): a VPC's primary range never changes in place"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors lack %q:\n%s", want, joined)
		}
	}
}

func TestProtectedReplacementExplained(t *testing.T) {
	before := res(tRDS, "db", map[string]any{"engine": "aurora-postgresql", "dbSubnetGroupName": "old"}, protect)
	after := res(tRDS, "db", map[string]any{"engine": "aurora-postgresql", "dbSubnetGroupName": "new"}, protect)
	r := Diff(graph(before), graph(after))
	e := wantKind(t, r, tRDS, "db", Replaced)
	if !e.Protected {
		t.Fatal("not marked protected")
	}
	errs := r.Errors()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "Aurora cannot move subnet groups in place") {
		t.Fatalf("errors %v", errs)
	}
	if !strings.Contains(r.Text(), "~ replace  aws:rds/cluster:Cluster  db  (dbSubnetGroupName)  PROTECTED: Aurora cannot move subnet groups in place") {
		t.Fatalf("text:\n%s", r.Text())
	}
	if !strings.Contains(r.Markdown(), "**Blocked:** 1 protected resource") {
		t.Fatalf("markdown:\n%s", r.Markdown())
	}
	// Protection is read from the before state: unprotecting in the same change does not help.
	after.Protect = false
	if len(Diff(graph(before), graph(after)).Errors()) != 1 {
		t.Fatal("protect of the before state must count")
	}
	// An unprotected replacement is reported but is not an error.
	before.Protect = false
	if errs := Diff(graph(before), graph(after)).Errors(); len(errs) != 0 {
		t.Fatalf("errors %v", errs)
	}
}

func TestUnknownTypeIsReported(t *testing.T) {
	before := res("aws:foo/bar:Bar", "x", map[string]any{"size": 1})
	after := res("aws:foo/bar:Bar", "x", map[string]any{"size": 2})
	r := Diff(graph(before), graph(after))
	e := wantKind(t, r, "aws:foo/bar:Bar", "x", Unknown)
	if !strings.Contains(strings.Join(e.Reasons, ";"), "unknown replacement rules for aws:foo/bar:Bar") {
		t.Fatalf("reasons %v", e.Reasons)
	}
	if !strings.Contains(r.Text(), "? unknown  aws:foo/bar:Bar  x  (size)") || !strings.Contains(r.Text(), "unknown replacement rules") {
		t.Fatalf("text:\n%s", r.Text())
	}
	// Unchanged, added and removed resources of unknown types need no rules.
	if got := Diff(graph(before), graph(before)); !got.Empty() {
		t.Fatal("unchanged unknown type reported")
	}
	// A dependent of a replaced resource whose type is unknown is unknown too.
	vpc1 := res(tVpc, "v", map[string]any{"cidrBlock": "10.0.0.0/16"})
	vpc2 := res(tVpc, "v", map[string]any{"cidrBlock": "10.9.0.0/16"})
	x1 := res("aws:foo/bar:Bar", "y", map[string]any{"vpc": vpc1.ID}, dep("vpc", vpc1))
	x2 := res("aws:foo/bar:Bar", "y", map[string]any{"vpc": vpc2.ID}, dep("vpc", vpc2))
	wantKind(t, Diff(graph(vpc1, x1), graph(vpc2, x2)), "aws:foo/bar:Bar", "y", Unknown)
}

func TestSetsIgnoreOrderListsDoNot(t *testing.T) {
	a := res(tVpce, "s3", map[string]any{"vpcId": "v", "routeTableIds": []any{"rtb-1", "rtb-2"}, "policy": []any{"x", "y"}})
	b := res(tVpce, "s3", map[string]any{"vpcId": "v", "routeTableIds": []any{"rtb-2", "rtb-1"}, "policy": []any{"x", "y"}})
	wantUnchanged(t, Diff(graph(a), graph(b)), tVpce, "s3")
	c := res(tVpce, "s3", map[string]any{"vpcId": "v", "routeTableIds": []any{"rtb-2", "rtb-1", "rtb-3"}, "policy": []any{"y", "x"}})
	e := wantKind(t, Diff(graph(a), graph(c)), tVpce, "s3", Updated)
	if !reflect.DeepEqual(e.Props, []string{"policy", "routeTableIds"}) {
		t.Fatalf("props %v", e.Props)
	}
}

func TestSecurityGroupRuleSourceSwitch(t *testing.T) {
	base := map[string]any{"securityGroupId": "sg-1", "ipProtocol": "tcp", "fromPort": 443, "toPort": 443}
	with := func(k, v string) map[string]any {
		m := map[string]any{k: v}
		for kk, vv := range base {
			m[kk] = vv
		}
		return m
	}
	cidr := res(tSGIn, "r", with("cidrIpv4", "10.0.0.0/8"))
	cidr2 := res(tSGIn, "r", with("cidrIpv4", "10.1.0.0/16"))
	peer := res(tSGIn, "r", with("referencedSecurityGroupId", "sg-2"))
	wantKind(t, Diff(graph(cidr), graph(cidr2)), tSGIn, "r", Updated)
	e := wantKind(t, Diff(graph(cidr), graph(peer)), tSGIn, "r", Replaced)
	if !strings.Contains(strings.Join(e.Reasons, ";"), "source switches from cidrIpv4 to referencedSecurityGroupId") {
		t.Fatalf("reasons %v", e.Reasons)
	}
	// A rule that references a replaced group by ID is updated in place (ModifySecurityGroupRules)...
	sgA := res("aws:ec2/securityGroup:SecurityGroup", "a", map[string]any{"vpcId": "v", "description": "old"})
	sgA2 := res("aws:ec2/securityGroup:SecurityGroup", "a", map[string]any{"vpcId": "v", "description": "new"})
	ref1 := res(tSGIn, "ref", with("referencedSecurityGroupId", sgA.ID), dep("referencedSecurityGroupId", sgA))
	ref2 := res(tSGIn, "ref", with("referencedSecurityGroupId", sgA2.ID), dep("referencedSecurityGroupId", sgA2))
	r := Diff(graph(sgA, ref1), graph(sgA2, ref2))
	wantKind(t, r, "aws:ec2/securityGroup:SecurityGroup", "a", Replaced)
	wantKind(t, r, tSGIn, "ref", Updated)
	// ...while a rule that belongs to it is replaced.
	own1 := res(tSGIn, "own", with("cidrIpv4", "10.0.0.0/8"), dep("securityGroupId", sgA))
	own2 := res(tSGIn, "own", with("cidrIpv4", "10.0.0.0/8"), dep("securityGroupId", sgA2))
	wantKind(t, Diff(graph(sgA, own1), graph(sgA2, own2)), tSGIn, "own", Replaced)
}

func TestNestedForcingPath(t *testing.T) {
	svc := func(ctrl string, desired int) sim.Resource {
		return res(tECSSvc, "web", map[string]any{"cluster": "c", "desiredCount": desired,
			"deploymentController": map[string]any{"type": ctrl}})
	}
	wantKind(t, Diff(graph(svc("ECS", 2)), graph(svc("ECS", 3))), tECSSvc, "web", Updated)
	e := wantKind(t, Diff(graph(svc("ECS", 2)), graph(svc("CODE_DEPLOY", 2))), tECSSvc, "web", Replaced)
	if !reflect.DeepEqual(e.Forcing, []string{"deploymentController.type"}) {
		t.Fatalf("forcing %v", e.Forcing)
	}
}

func TestRevisionedTypesReplaceOnAnyChange(t *testing.T) {
	td := func(cpu string, tags map[string]any) sim.Resource {
		return res(tTaskDef, "app", map[string]any{"family": "app", "cpu": cpu, "tags": tags})
	}
	wantKind(t, Diff(graph(td("256", nil)), graph(td("512", nil))), tTaskDef, "app", Replaced)
	wantKind(t, Diff(graph(td("256", map[string]any{"a": "1"})), graph(td("256", map[string]any{"a": "2"}))), tTaskDef, "app", Updated)
	// The service that runs it updates in place and rolls to the new revision.
	t1, t2 := td("256", nil), td("512", nil)
	s1 := res(tECSSvc, "web", map[string]any{"taskDefinition": t1.ID}, dep("taskDefinition", t1))
	s2 := res(tECSSvc, "web", map[string]any{"taskDefinition": t2.ID}, dep("taskDefinition", t2))
	wantKind(t, Diff(graph(t1, s1), graph(t2, s2)), tECSSvc, "web", Updated)
}

func TestConditionalForcingReportsCondition(t *testing.T) {
	a := res(tRDS, "db", map[string]any{"engine": "aurora-postgresql", "storageType": ""})
	b := res(tRDS, "db", map[string]any{"engine": "aurora-postgresql", "storageType": "aurora-iopt1"})
	e := wantKind(t, Diff(graph(a), graph(b)), tRDS, "db", Replaced)
	if !strings.Contains(strings.Join(e.Reasons, ";"), "storageType (unless the engine is aurora*") {
		t.Fatalf("reasons %v", e.Reasons)
	}
}

func TestReplaceOnChangesOption(t *testing.T) {
	a := res(tLB, "alb", map[string]any{"internal": true, "idleTimeout": 60})
	b := res(tLB, "alb", map[string]any{"internal": true, "idleTimeout": 120}, replaceOnChanges("idleTimeout"))
	e := wantKind(t, Diff(graph(a), graph(b)), tLB, "alb", Replaced)
	if !strings.Contains(strings.Join(e.Reasons, ";"), "idleTimeout (replaceOnChanges)") {
		t.Fatalf("reasons %v", e.Reasons)
	}
}

func TestPropagationReachesFixedPoint(t *testing.T) {
	// key -> log group (kmsKeyId, in place) ; role (name forced) -> policy (role) -> flow log (iamRoleArn)
	key := res(tKey, "k", map[string]any{"keyUsage": "ENCRYPT_DECRYPT"})
	key2 := res(tKey, "k", map[string]any{"keyUsage": "SIGN_VERIFY"})
	lg := func(k sim.Resource) sim.Resource {
		return res(tLogGrp, "lg", map[string]any{"name": "/x", "kmsKeyId": k.ID}, dep("kmsKeyId", k))
	}
	role := res(tRole, "role", map[string]any{"name": "a"})
	role2 := res(tRole, "role", map[string]any{"name": "b"})
	pol := func(r sim.Resource) sim.Resource {
		return res(tRolePol, "pol", map[string]any{"role": r.ID}, dep("role", r))
	}
	fl := func(r, l, p sim.Resource) sim.Resource {
		return res(tFlowLog, "fl", map[string]any{"iamRoleArn": "arn:" + r.ID, "logDestination": "arn:" + l.ID},
			dep("iamRoleArn", r), dep("logDestination", l), func(x *sim.Resource) { x.Dependencies = append(x.Dependencies, p.URN) })
	}
	rep := Diff(graph(key, lg(key), role, pol(role), fl(role, lg(key), pol(role))),
		graph(key2, lg(key2), role2, pol(role2), fl(role2, lg(key2), pol(role2))))
	wantKind(t, rep, tKey, "k", Replaced)
	wantKind(t, rep, tLogGrp, "lg", Updated)
	wantKind(t, rep, tRole, "role", Replaced)
	wantKind(t, rep, tRolePol, "pol", Replaced)
	wantKind(t, rep, tFlowLog, "fl", Replaced)
}

func TestEveryTokenOfTheBriefHasARule(t *testing.T) {
	tokens := strings.Fields(`aws:ec2/vpc:Vpc aws:ec2/subnet:Subnet aws:ec2/routeTable:RouteTable aws:ec2/route:Route
	aws:ec2/routeTableAssociation:RouteTableAssociation aws:ec2/natGateway:NatGateway aws:ec2/eip:Eip
	aws:ec2/internetGateway:InternetGateway aws:ec2/vpcEndpoint:VpcEndpoint aws:ec2/flowLog:FlowLog
	aws:ec2/defaultSecurityGroup:DefaultSecurityGroup aws:ec2/securityGroup:SecurityGroup
	aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule
	aws:ec2/launchTemplate:LaunchTemplate aws:autoscaling/group:Group aws:iam/role:Role aws:iam/rolePolicy:RolePolicy
	aws:iam/policy:Policy aws:iam/rolePolicyAttachment:RolePolicyAttachment aws:iam/instanceProfile:InstanceProfile
	aws:kms/key:Key aws:kms/alias:Alias aws:cloudwatch/logGroup:LogGroup aws:cloudwatch/logStream:LogStream
	aws:lb/loadBalancer:LoadBalancer aws:lb/targetGroup:TargetGroup aws:lb/listener:Listener aws:lb/listenerRule:ListenerRule
	aws:ecs/cluster:Cluster aws:ecs/service:Service aws:ecs/taskDefinition:TaskDefinition aws:lambda/function:Function
	aws:batch/computeEnvironment:ComputeEnvironment aws:batch/jobQueue:JobQueue aws:batch/jobDefinition:JobDefinition
	aws:rds/cluster:Cluster aws:rds/clusterInstance:ClusterInstance aws:rds/subnetGroup:SubnetGroup
	aws:rds/clusterParameterGroup:ClusterParameterGroup aws:elasticache/replicationGroup:ReplicationGroup
	aws:elasticache/subnetGroup:SubnetGroup aws:secretsmanager/secret:Secret aws:secretsmanager/secretVersion:SecretVersion
	aws:s3/bucketV2:BucketV2 aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock
	aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2
	aws:s3/bucketOwnershipControls:BucketOwnershipControls aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2
	aws:s3/bucketPolicy:BucketPolicy aws:ssm/document:Document aws:ec2clientvpn/endpoint:Endpoint
	aws:ec2clientvpn/networkAssociation:NetworkAssociation aws:ec2clientvpn/authorizationRule:AuthorizationRule
	aws:sns/topic:Topic aws:sns/topicSubscription:TopicSubscription aws:sns/topicPolicy:TopicPolicy
	aws:cloudwatch/metricAlarm:MetricAlarm aws:cloudwatch/eventRule:EventRule
	aws:autoscaling/policy:Policy aws:appautoscaling/target:Target aws:appautoscaling/policy:Policy
	aws:lambda/alias:Alias aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig
	aws:backup/vault:Vault aws:backup/vaultLockConfiguration:VaultLockConfiguration aws:backup/plan:Plan
	aws:backup/selection:Selection pulumi:providers:aws aws:sfn/stateMachine:StateMachine
	aws:scheduler/schedule:Schedule aws:sqs/queue:Queue aws:sqs/queuePolicy:QueuePolicy
	aws:lambda/eventSourceMapping:EventSourceMapping aws:lambda/permission:Permission aws:s3/bucketNotification:BucketNotification
	aws:elasticache/user:User aws:elasticache/userGroup:UserGroup aws:ssm/parameter:Parameter
	aws:elasticache/cluster:Cluster aws:elasticache/parameterGroup:ParameterGroup

	aws:route53/record:Record aws:acm/certificate:Certificate aws:acm/certificateValidation:CertificateValidation
	aws:wafv2/webAcl:WebAcl aws:wafv2/webAclAssociation:WebAclAssociation aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration

	aws:ec2/instance:Instance`)
	for _, tok := range tokens {
		r, ok := RuleFor(tok)
		if !ok {
			t.Errorf("no rule for %s", tok)
			continue
		}
		if r.Source == "" {
			t.Errorf("%s: no source file", tok)
		}
	}
	if len(Rules) != len(tokens) {
		t.Errorf("%d rules, %d tokens in the brief", len(Rules), len(tokens))
	}
	// Spot checks of the facts the platform leans on.
	for tok, props := range map[string][]string{
		tSubnet:    {"cidrBlock", "availabilityZone", "vpcId"},
		tRTA:       {"subnetId"},
		tRoute:     {"routeTableId", "destinationCidrBlock"},
		tNAT:       {"subnetId", "allocationId"},
		tRDS:       {"dbSubnetGroupName", "storageEncrypted", "kmsKeyId"},
		tRG:        {"subnetGroupName", "atRestEncryptionEnabled", "port"},
		tLB:        {"internal"},
		tFlowLog:   {"vpcId", "logDestination", "maxAggregationInterval"},
		tTaskDef:   {"containerDefinitions", "cpu"},
		tVpce:      {"serviceName", "vpcEndpointType"},
		tSGIn:      {"securityGroupId"},
		tRolePol:   {"role"},
		tKey:       {"keyUsage"},
		tIGW + "?": nil,
	} {
		for _, p := range props {
			if !Rules[tok].Forces(p) {
				t.Errorf("%s.%s should force replacement", tok, p)
			}
		}
	}
	for tok, props := range map[string][]string{
		tRoute:                            {"natGatewayId", "gatewayId"},
		tRTA:                              {"routeTableId"},
		tIGW:                              {"vpcId"},
		tVpce:                             {"routeTableIds", "subnetIds", "securityGroupIds", "privateDnsEnabled" + "?"},
		"aws:rds/subnetGroup:SubnetGroup": {"subnetIds"},
		"aws:elasticache/subnetGroup:SubnetGroup": {"subnetIds"},
		tLB:     {"subnets", "securityGroups"},
		tECSSvc: {"taskDefinition", "networkConfiguration", "loadBalancers"},
		tLogGrp: {"retentionInDays", "kmsKeyId"},
		tKey:    {"policy", "description", "enableKeyRotation"},
	} {
		for _, p := range props {
			if strings.HasSuffix(p, "?") {
				continue
			}
			if Rules[tok].Forces(p) {
				t.Errorf("%s.%s should update in place", tok, p)
			}
		}
	}
	// Every protected-data store entry the brief names explains the staged change.
	for tok, props := range map[string][]string{
		tRDS:    {"dbSubnetGroupName"},
		tSubnet: {"cidrBlock"},
		tVpc:    {"cidrBlock"},
		tRG:     {"subnetGroupName", "atRestEncryptionEnabled", "port"},
		tLB:     {"internal"},
	} {
		for _, p := range props {
			if _, ok := Rules[tok].Advice[p]; !ok {
				t.Errorf("%s.%s: no staged-change advice", tok, p)
			}
		}
	}
}

func TestLoadGraphRoundTrip(t *testing.T) {
	g := graph(network("10.0.0.0/16", "10.0.0.0/24")...)
	b, err := g.JSON()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "graph.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	loaded, err := LoadGraph(path)
	if err != nil {
		t.Fatal(err)
	}
	if r := Diff(g, loaded); !r.Empty() {
		t.Fatalf("a saved graph differs from itself:\n%s", r.Text())
	}
	if _, ok := loaded.Get(urnOf(tVpc, "vpc")); !ok {
		t.Fatal("loaded graph cannot look up by URN")
	}
	if err := os.WriteFile(path, []byte(`{"resources":[{"name":"x"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadGraph(path); err == nil {
		t.Fatal("a graph without URNs must be rejected")
	}
	if _, err := LoadGraph(filepath.Join(t.TempDir(), "missing.json")); err == nil {
		t.Fatal("missing file must be an error")
	}
}

func TestTextAndMarkdown(t *testing.T) {
	before := graph(network("10.0.0.0/16", "10.0.0.0/24")...)
	afterRes := network("10.0.0.0/16", "10.0.0.0/24")
	afterRes[1].Inputs = map[string]any{"cidrBlock": "10.0.0.0/16", "enableDnsSupport": false} // vpc: in-place
	afterRes = afterRes[:6]                                                                    // drop the route
	afterRes = append(afterRes, res(tEIP, "nat-b", map[string]any{"domain": "vpc"}))
	r := Diff(before, graph(afterRes...))
	text := r.Text()
	for _, want := range []string{
		"Change: 0 to replace, 1 to create, 1 to delete, 1 to update, 0 unknown, 5 unchanged",
		"+ create   aws:ec2/eip:Eip",
		"- delete   aws:ec2/route:Route",
		"~ update   aws:ec2/vpc:Vpc",
		"(enableDnsSupport)",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%s", want, text)
		}
	}
	md := r.Markdown()
	for _, want := range []string{"### Offline change report", "| update | `aws:ec2/vpc:Vpc` | `vpc` | `enableDnsSupport` |", "| create | `aws:ec2/eip:Eip` | `nat-b` |"} {
		if !strings.Contains(md, want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if got := Diff(before, before).Markdown(); !strings.Contains(got, "No resource changes.") {
		t.Errorf("empty markdown:\n%s", got)
	}
}

// Lifting protect is a change of the stack's state that Pulumi shows as an
// update: the report lists it, so the stage that does only that is visible
// in review, and the removal after it is not blocked.
func TestProtectLiftedIsAnUpdateAndThenTheRemovalPasses(t *testing.T) {
	kept := res(tSubnet, "old", map[string]any{"cidrBlock": "10.0.0.0/24"}, protect)
	lifted := res(tSubnet, "old", map[string]any{"cidrBlock": "10.0.0.0/24"})
	r := Diff(graph(kept), graph(lifted))
	e := wantKind(t, r, tSubnet, "old", Updated)
	if e.Protect != "lifted" || len(e.Props) != 0 || !strings.Contains(r.Text(), "[protect lifted]") {
		t.Errorf("entry %+v, report:\n%s", e, r.Text())
	}
	if r := Diff(graph(lifted), graph()); len(r.Errors()) != 0 {
		t.Errorf("removing an unprotected resource is refused: %v", r.Errors())
	}
	if r := Diff(graph(kept), graph()); len(r.Errors()) != 1 {
		t.Errorf("removing a protected resource is not refused: %v", r.Errors())
	}
	if e := wantKind(t, Diff(graph(lifted), graph(kept)), tSubnet, "old", Updated); e.Protect != "set" {
		t.Errorf("protect set again: %+v", e)
	}
}

// An added resource that is imported says so: it is taken over, not created.
func TestAnImportIsShownAsOne(t *testing.T) {
	imp := res(tSubnet, "adopted", map[string]any{"cidrBlock": "10.0.0.0/24"}, func(r *sim.Resource) { r.ImportID = "subnet-0a1b2c3d" })
	r := Diff(graph(), graph(imp))
	if e := wantKind(t, r, tSubnet, "adopted", Added); e.Import != "subnet-0a1b2c3d" || !strings.Contains(r.Text(), "[import subnet-0a1b2c3d]") {
		t.Errorf("entry %+v, report:\n%s", e, r.Text())
	}
}
