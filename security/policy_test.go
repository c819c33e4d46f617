package security

import (
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"pgregory.net/rapid"
)

// mocks records every resource the program registers.
type mocks struct {
	mu  sync.Mutex
	res []recorded
}

type recorded struct {
	Type, Name string
	Inputs     map[string]any
	Parent     string // URN of the parent
}

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	parent := ""
	if args.RegisterRPC != nil {
		parent = args.RegisterRPC.GetParent()
	}
	m.mu.Lock()
	m.res = append(m.res, recorded{Type: args.TypeToken, Name: args.Name, Inputs: args.Inputs.Mappable(), Parent: parent})
	m.mu.Unlock()
	return args.Name + "_id", args.Inputs, nil
}

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

const (
	sgType      = "aws:ec2/securityGroup:SecurityGroup"
	ingressType = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	egressType  = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

func (m *mocks) ofType(typ string) []recorded {
	var out []recorded
	for _, r := range m.res {
		if r.Type == typ {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (m *mocks) named(name string) (recorded, bool) {
	for _, r := range m.res {
		if r.Name == name {
			return r, true
		}
	}
	return recorded{}, false
}

// urnName is the name part of a URN; urnType its full type chain.
func urnName(urn string) string { return urn[strings.LastIndex(urn, "::")+2:] }
func urnType(urn string) string {
	parts := strings.Split(urn, "::")
	return parts[len(parts)-2]
}

func policyArgs(g *Graph) *PolicyArgs {
	return &PolicyArgs{
		VpcID: pulumi.String("vpc-0abc"),
		Graph: g,
		PrefixListIDs: map[string]pulumi.StringInput{
			"s3":       pulumi.String("pl-63a5400a"),
			"dynamodb": pulumi.String("pl-02cd2c6b"),
		},
		Tags: map[string]string{"team": "platform", "platform:workload": "spoofed"},
	}
}

// deploy runs NewPolicy("prod-sg") under mocks, then body.
func deploy(t testing.TB, g *Graph, body func(ctx *pulumi.Context, p *Policy) error) *mocks {
	t.Helper()
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		p, err := NewPolicy(ctx, "prod-sg", policyArgs(g))
		if err != nil {
			return err
		}
		if body != nil {
			return body(ctx, p)
		}
		return nil
	}, pulumi.WithMocks("platform", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestPolicyIsOneComponentWithOneGroupComponentPerWorkload(t *testing.T) {
	g := refGraph(t)
	m := deploy(t, g, nil)

	policies := m.ofType(PolicyType)
	if len(policies) != 1 || policies[0].Name != "prod-sg" {
		t.Fatalf("policies: %+v", policies)
	}
	groups, sgs := m.ofType(GroupType), m.ofType(sgType)
	if len(groups) != len(g.Groups()) || len(sgs) != len(g.Groups()) {
		t.Fatalf("%d group components and %d security groups for %d workloads", len(groups), len(sgs), len(g.Groups()))
	}
	for i, s := range g.Groups() {
		name := "prod-sg-" + s.Workload
		if groups[i].Name != name || urnName(groups[i].Parent) != "prod-sg" || urnType(groups[i].Parent) != PolicyType {
			t.Errorf("group component %s parent %s", groups[i].Name, groups[i].Parent)
		}
		if sgs[i].Name != name || urnName(sgs[i].Parent) != name || !strings.HasSuffix(urnType(sgs[i].Parent), GroupType) {
			t.Errorf("security group %s parent %s", sgs[i].Name, sgs[i].Parent)
		}
	}
	if n := len(m.res); n != 1+2*len(g.Groups())+len(g.Rules()) {
		t.Errorf("%d resources for %d groups and %d rules", n, len(g.Groups()), len(g.Rules()))
	}
}

func TestEveryRuleIsItsOwnResourceParentedToTheGroupThatHoldsIt(t *testing.T) {
	g := refGraph(t)
	m := deploy(t, g, nil)
	for _, r := range g.Rules() {
		typ := ingressType
		if r.Direction == Egress {
			typ = egressType
		}
		res, ok := m.named("prod-sg-" + r.Name)
		if !ok || res.Type != typ {
			t.Errorf("rule %s: no %s named prod-sg-%s", r.Name, typ, r.Name)
			continue
		}
		if urnName(res.Parent) != "prod-sg-"+r.Group || !strings.HasSuffix(urnType(res.Parent), GroupType) {
			t.Errorf("rule %s is parented to %s, want the group of %s", r.Name, res.Parent, r.Group)
		}
		if res.Inputs["securityGroupId"] != "prod-sg-"+r.Group+"_id" {
			t.Errorf("rule %s is on %v", r.Name, res.Inputs["securityGroupId"])
		}
		if res.Inputs["description"] != r.Reason {
			t.Errorf("rule %s description %v, want %q", r.Name, res.Inputs["description"], r.Reason)
		}
	}
	for _, res := range m.res {
		if res.Type != PolicyType && !strings.HasPrefix(urnType(res.Parent), PolicyType) {
			t.Errorf("%s %s is not inside the policy: parent %q", res.Type, res.Name, res.Parent)
		}
	}
}

func TestDatabaseAcceptsPostgresOnlyFromAPIAndVPNResources(t *testing.T) {
	m := deploy(t, refGraph(t), nil)
	var got []string
	for _, r := range m.ofType(ingressType) {
		if r.Inputs["securityGroupId"] == "prod-sg-database_id" {
			got = append(got, fmt.Sprintf("%v %v-%v from %v cidr=%v", r.Inputs["ipProtocol"], r.Inputs["fromPort"], r.Inputs["toPort"],
				r.Inputs["referencedSecurityGroupId"], r.Inputs["cidrIpv4"]))
		}
	}
	want := []string{
		"tcp 5432-5432 from prod-sg-api_id cidr=<nil>",
		"tcp 5432-5432 from prod-sg-vpn_id cidr=<nil>",
	}
	if !slices.Equal(got, want) {
		t.Errorf("database ingress:\n got  %q\n want %q", got, want)
	}
	for _, r := range m.ofType(egressType) {
		if r.Inputs["securityGroupId"] == "prod-sg-database_id" {
			t.Errorf("database has egress %s", r.Name)
		}
	}
}

func TestEveryEdgeWritesBothSides(t *testing.T) {
	m := deploy(t, refGraph(t), nil)
	side := func(r recorded, reverse bool) string {
		a, b := r.Inputs["referencedSecurityGroupId"], r.Inputs["securityGroupId"]
		if reverse {
			a, b = b, a
		}
		return fmt.Sprintf("%v -> %v %v %v-%v %v", a, b, r.Inputs["ipProtocol"], r.Inputs["fromPort"], r.Inputs["toPort"], r.Inputs["description"])
	}
	in, out := map[string]bool{}, map[string]bool{}
	for _, r := range m.ofType(ingressType) {
		if r.Inputs["referencedSecurityGroupId"] != nil {
			in[side(r, false)] = true
		}
	}
	for _, r := range m.ofType(egressType) {
		if r.Inputs["referencedSecurityGroupId"] != nil {
			out[side(r, true)] = true
		}
	}
	if len(in) == 0 || !reflect.DeepEqual(in, out) {
		t.Errorf("ingress and egress between groups differ:\n in  %v\n out %v", in, out)
	}
}

func TestNoGroupHasInlineRules(t *testing.T) {
	m := deploy(t, refGraph(t), nil)
	for _, sg := range m.ofType(sgType) {
		for _, k := range []string{"ingress", "egress"} {
			if _, ok := sg.Inputs[k]; ok {
				t.Errorf("%s has inline %s", sg.Name, k)
			}
		}
		if sg.Inputs["revokeRulesOnDelete"] != true || sg.Inputs["vpcId"] != "vpc-0abc" {
			t.Errorf("%s inputs %v", sg.Name, sg.Inputs)
		}
	}
	api, _ := m.named("prod-sg-api")
	for _, r := range m.ofType(sgType) {
		if r.Name == "prod-sg-api" {
			api = r
		}
	}
	if d := api.Inputs["description"]; d != "Security group of the ecs workload api (platform:security, one group per workload)" {
		t.Errorf("description %q", d)
	}
	wantTags := map[string]any{
		"Name": "prod-sg-api", "team": "platform",
		"platform:component": "security", "platform:workload": "api", "platform:kind": "ecs",
	}
	if !reflect.DeepEqual(api.Inputs["tags"], wantTags) {
		t.Errorf("tags %v", api.Inputs["tags"])
	}
}

func TestNoRuleIsAllTrafficOrAnAddressRangeItShouldNotBe(t *testing.T) {
	m := deploy(t, refGraph(t), nil)
	var ranges []string
	for _, r := range append(m.ofType(ingressType), m.ofType(egressType)...) {
		if p := r.Inputs["ipProtocol"]; p != "tcp" && p != "udp" {
			t.Errorf("%s: protocol %v", r.Name, p)
		}
		from, _ := r.Inputs["fromPort"].(float64)
		to, _ := r.Inputs["toPort"].(float64)
		if from < 1 || to < from || (from <= 22 && 22 <= to) || (from <= 3389 && 3389 <= to) {
			t.Errorf("%s: ports %v-%v", r.Name, from, to)
		}
		peers := 0
		for _, k := range []string{"referencedSecurityGroupId", "cidrIpv4", "cidrIpv6", "prefixListId"} {
			if v, ok := r.Inputs[k]; ok {
				peers++
				if k != "referencedSecurityGroupId" {
					ranges = append(ranges, fmt.Sprintf("%s %s=%v", strings.TrimPrefix(r.Name, "prod-sg-"), k, v))
				}
			}
		}
		if peers != 1 {
			t.Errorf("%s names %d peers", r.Name, peers)
		}
	}
	sort.Strings(ranges)
	want := []string{
		"api-out-dynamodb-tcp-443 prefixListId=pl-02cd2c6b",
		"api-out-internet-tcp-443 cidrIpv4=0.0.0.0/0",
		"api-out-s3-tcp-443 prefixListId=pl-63a5400a",
		"cache-in-vpn-clients-tcp-6379 cidrIpv4=10.100.0.0/22",
		"edge-in-internet-tcp-443 cidrIpv4=0.0.0.0/0",
		"edge-in-internet-tcp-80 cidrIpv4=0.0.0.0/0",
		"jobs-out-dynamodb-tcp-443 prefixListId=pl-02cd2c6b",
		"jobs-out-internet-tcp-443 cidrIpv4=0.0.0.0/0",
		"jobs-out-s3-tcp-443 prefixListId=pl-63a5400a",
		"web-out-dynamodb-tcp-443 prefixListId=pl-02cd2c6b",
		"web-out-s3-tcp-443 prefixListId=pl-63a5400a",
		"worker-out-dynamodb-tcp-443 prefixListId=pl-02cd2c6b",
		"worker-out-s3-tcp-443 prefixListId=pl-63a5400a",
	}
	if !slices.Equal(ranges, want) {
		t.Errorf("rules that name no group:\n got  %q\n want %q", ranges, want)
	}
}

func TestASecondOwnerCannotClaimAGroup(t *testing.T) {
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		ids = map[string]string{}
	)
	record := func(key string, o pulumi.StringOutput) {
		wg.Add(1)
		o.ApplyT(func(s string) string {
			mu.Lock()
			ids[key] = s
			mu.Unlock()
			wg.Done()
			return s
		})
	}
	deploy(t, refGraph(t), func(ctx *pulumi.Context, p *Policy) error {
		api, ok := p.Group("api")
		if !ok || api.Workload() != "api" || api.Kind() != KindECS {
			return fmt.Errorf("no api group")
		}
		if _, ok := p.Group("jobz"); ok {
			return fmt.Errorf("a group for an unknown workload")
		}
		id, err := api.Claim("prod-api-service")
		if err != nil {
			return err
		}
		record("first", id)
		again, err := api.Claim("prod-api-service")
		if err != nil {
			return fmt.Errorf("the owner claims again: %w", err)
		}
		record("again", again)
		_, err = api.Claim("prod-worker-fn")
		want := `security: the "api" security group is already attached to "prod-api-service", so "prod-worker-fn" cannot attach it too; ` +
			`one security group per workload: declare "prod-worker-fn" as its own workload and allow it by group in platform:security.allow`
		if err == nil || err.Error() != want {
			return fmt.Errorf("second owner:\n got  %v\n want %s", err, want)
		}
		if api.Owner() != "prod-api-service" {
			return fmt.Errorf("owner %q", api.Owner())
		}
		if _, err := api.Claim(""); err == nil {
			return fmt.Errorf("a claim without an owner succeeded")
		}
		db, _ := p.Group("database")
		if _, err := db.Claim("prod-db-cluster"); err != nil {
			return fmt.Errorf("another workload's group is free: %w", err)
		}
		return nil
	})
	wg.Wait()
	if ids["first"] != "prod-sg-api_id" || ids["again"] != "prod-sg-api_id" {
		t.Errorf("claimed ids %v", ids)
	}
}

func TestGroupIDsAreExportedPerWorkload(t *testing.T) {
	var (
		wg  sync.WaitGroup
		got map[string]string
	)
	g := refGraph(t)
	deploy(t, g, func(ctx *pulumi.Context, p *Policy) error {
		wg.Add(1)
		p.GroupIDs().ApplyT(func(m map[string]string) map[string]string {
			got = m
			wg.Done()
			return m
		})
		ctx.Export("securityGroupIds", p.GroupIDs())
		if p.Graph() != g {
			return fmt.Errorf("graph not kept")
		}
		return nil
	})
	wg.Wait()
	want := map[string]string{}
	for _, s := range g.Groups() {
		want[s.Workload] = "prod-sg-" + s.Workload + "_id"
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("group ids %v, want %v", got, want)
	}
}

func TestNewPolicyRefusesIncompleteArgsBeforeCreatingAnything(t *testing.T) {
	g := refGraph(t)
	m := &mocks{}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		args := policyArgs(g)
		delete(args.PrefixListIDs, "s3")
		args.VpcID = nil
		_, err := NewPolicy(ctx, "prod-sg", args)
		return err
	}, pulumi.WithMocks("platform", "test", m))
	want := `security: NewPolicy needs args.VpcID, args.PrefixListIDs["s3"] (the prefix list of the s3 gateway endpoint)`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want %s", err, want)
	}
	if len(m.res) != 0 {
		t.Errorf("%d resources created", len(m.res))
	}
}

// snapshot is every resource as (type, name, inputs, parent name), sorted.
func snapshot(m *mocks) []string {
	out := make([]string, len(m.res))
	for i, r := range m.res {
		out[i] = fmt.Sprintf("%s %s %v parent=%s", r.Type, r.Name, r.Inputs, urnName(r.Parent))
	}
	sort.Strings(out)
	return out
}

func TestReorderingGrantsChangesNoResourceNameOrInput(t *testing.T) {
	want := snapshot(deploy(t, refGraph(t), nil))
	rapid.Check(t, func(rt *rapid.T) {
		ws, cfg, env := shuffled(rt, refWorkloads(), refConfig(), refEnv())
		g, err := Build(ws, cfg, env)
		if err != nil {
			rt.Fatal(err)
		}
		if got := snapshot(deploy(t, g, nil)); !slices.Equal(got, want) {
			for i := range got {
				if got[i] != want[i] {
					rt.Fatalf("resources changed:\n got  %s\n want %s", got[i], want[i])
				}
			}
		}
	})
}
