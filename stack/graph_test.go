package stack_test

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

// Runs are cached per stack file: each test reads the same registered graph.
var (
	runsMu sync.Mutex
	runs   = map[string]*offline.Result{}
)

func run(t testing.TB, stackName string) *offline.Result {
	t.Helper()
	runsMu.Lock()
	defer runsMu.Unlock()
	if r, ok := runs[stackName]; ok {
		return r
	}
	r, err := offline.RunFile("../Pulumi." + stackName + ".yaml")
	if err != nil {
		t.Fatalf("offline run of %s: %v", stackName, err)
	}
	runs[stackName] = r
	return r
}

func str(r sim.Resource, key string) string {
	s, _ := r.Inputs[key].(string)
	return s
}

func mustNamed(t *testing.T, g *sim.Graph, typ, name string) sim.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %s", typ, name)
	}
	return r
}

func byID(t *testing.T, g *sim.Graph, id string) sim.Resource {
	t.Helper()
	r, ok := g.ByID(id)
	if !ok {
		t.Fatalf("no resource with id %q", id)
	}
	return r
}

const (
	tVpc      = "aws:ec2/vpc:Vpc"
	tSubnet   = "aws:ec2/subnet:Subnet"
	tRT       = "aws:ec2/routeTable:RouteTable"
	tRoute    = "aws:ec2/route:Route"
	tRTA      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tNAT      = "aws:ec2/natGateway:NatGateway"
	tEIP      = "aws:ec2/eip:Eip"
	tIGW      = "aws:ec2/internetGateway:InternetGateway"
	tEndpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tFlowLog  = "aws:ec2/flowLog:FlowLog"
	tLogGroup = "aws:cloudwatch/logGroup:LogGroup"
	tDefSG    = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
)

var stacks = []struct {
	name  string
	azs   int
	nats  int
	prot  bool
	cidr  string
	retnt float64
}{
	{"prod", 3, 3, true, "10.0.0.0/16", 365},
	{"dev", 2, 1, false, "10.1.0.0/16", 30},
}

func TestNetwork_VPCHasDNSAndProtectionOnlyInProd(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			vpcs := g.OfType(tVpc)
			if len(vpcs) != 1 {
				t.Fatalf("%d VPCs", len(vpcs))
			}
			v := vpcs[0]
			if str(v, "cidrBlock") != s.cidr || v.Inputs["enableDnsSupport"] != true || v.Inputs["enableDnsHostnames"] != true {
				t.Errorf("vpc inputs %v", v.Inputs)
			}
			if v.Protect != s.prot {
				t.Errorf("vpc protect=%v, want %v", v.Protect, s.prot)
			}
		})
	}
}

func TestNetwork_ThreeTiersPerZoneAndNoSubnetGivesPublicIPs(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			perTier := map[string]int{}
			for _, sn := range g.OfType(tSubnet) {
				if sn.Inputs["mapPublicIpOnLaunch"] != false {
					t.Errorf("%s: mapPublicIpOnLaunch=%v, want false", sn.Name, sn.Inputs["mapPublicIpOnLaunch"])
				}
				tier := sn.Inputs["tags"].(map[string]any)["platform:tier"].(string)
				perTier[tier]++
				if !strings.HasSuffix(sn.Name, str(sn, "availabilityZone")) || !strings.Contains(sn.Name, "-"+tier+"-") {
					t.Errorf("subnet %s is not named by tier and zone", sn.Name)
				}
				if sn.Protect != s.prot {
					t.Errorf("%s protect=%v", sn.Name, sn.Protect)
				}
			}
			want := map[string]int{"public": s.azs, "private": s.azs, "isolated": s.azs}
			if fmt.Sprint(perTier) != fmt.Sprint(want) {
				t.Errorf("subnets per tier %v, want %v", perTier, want)
			}
		})
	}
}

// routesOf returns "destination -> target name" for the routes of a route table.
func routesOf(t *testing.T, g *sim.Graph, rt sim.Resource) []string {
	var out []string
	for _, r := range g.OfType(tRoute) {
		if str(r, "routeTableId") != rt.ID {
			continue
		}
		target := ""
		for _, k := range []string{"gatewayId", "natGatewayId", "transitGatewayId", "vpcPeeringConnectionId", "networkInterfaceId"} {
			if id := str(r, k); id != "" {
				target = byID(t, g, id).Name
			}
		}
		out = append(out, str(r, "destinationCidrBlock")+" -> "+target)
	}
	slices.Sort(out)
	return out
}

func TestNetwork_RoutesPerTier(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			p := s.name
			pub := mustNamed(t, g, tRT, p+"-public-rt")
			if got := routesOf(t, g, pub); fmt.Sprint(got) != fmt.Sprint([]string{"0.0.0.0/0 -> " + p + "-igw"}) {
				t.Errorf("public routes %v", got)
			}
			iso := mustNamed(t, g, tRT, p+"-isolated-rt")
			if got := routesOf(t, g, iso); len(got) != 0 {
				t.Errorf("isolated tier must have no route out of the VPC, has %v", got)
			}
			if routes, ok := iso.Inputs["routes"].([]any); ok && len(routes) > 0 {
				t.Errorf("isolated table has inline routes %v", routes)
			}
			for _, sn := range g.OfType(tSubnet) {
				az := str(sn, "availabilityZone")
				if !strings.Contains(sn.Name, "-private-") {
					continue
				}
				rt := mustNamed(t, g, tRT, p+"-private-"+az+"-rt")
				natAZ := az
				if s.nats == 1 {
					natAZ = "us-east-1a"
				}
				want := []string{"0.0.0.0/0 -> " + p + "-nat-" + natAZ}
				if got := routesOf(t, g, rt); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s routes %v, want %v", rt.Name, got, want)
				}
			}
		})
	}
}

func TestNetwork_EverySubnetIsAssociatedWithItsTiersRouteTable(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			assoc := map[string]string{}
			for _, a := range g.OfType(tRTA) {
				sn := byID(t, g, str(a, "subnetId"))
				if _, dup := assoc[sn.Name]; dup {
					t.Errorf("%s associated twice", sn.Name)
				}
				assoc[sn.Name] = byID(t, g, str(a, "routeTableId")).Name
			}
			for _, sn := range g.OfType(tSubnet) {
				want := map[bool]string{true: s.name + "-private-" + str(sn, "availabilityZone") + "-rt"}[strings.Contains(sn.Name, "-private-")]
				if want == "" {
					tier := sn.Inputs["tags"].(map[string]any)["platform:tier"].(string)
					want = s.name + "-" + tier + "-rt"
				}
				if assoc[sn.Name] != want {
					t.Errorf("%s -> %q, want %q", sn.Name, assoc[sn.Name], want)
				}
			}
		})
	}
}

func TestNetwork_NATGatewaysSitInPublicSubnetsWithTheirOwnAddress(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			nats := g.OfType(tNAT)
			if len(nats) != s.nats || len(g.OfType(tEIP)) != s.nats {
				t.Fatalf("%d NAT gateways, %d EIPs; want %d", len(nats), len(g.OfType(tEIP)), s.nats)
			}
			igw := g.OfType(tIGW)[0]
			for _, n := range nats {
				sn := byID(t, g, str(n, "subnetId"))
				if !strings.Contains(sn.Name, "-public-") {
					t.Errorf("%s sits in %s", n.Name, sn.Name)
				}
				if eip := byID(t, g, str(n, "allocationId")); eip.Inputs["domain"] != "vpc" {
					t.Errorf("%s EIP domain %v", n.Name, eip.Inputs["domain"])
				}
				if !slices.Contains(n.Dependencies, igw.URN) {
					t.Errorf("%s must wait for the internet gateway", n.Name)
				}
			}
			if ips := run(t, s.name).Graph.Exports["natPublicIps"].([]any); len(ips) != s.nats {
				t.Errorf("natPublicIps %v", ips)
			}
		})
	}
}

func TestNetwork_GatewayEndpointsServePrivateAndIsolatedTablesOnly(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			for _, svc := range []string{"s3", "dynamodb"} {
				ep := mustNamed(t, g, tEndpoint, s.name+"-vpce-"+svc)
				if ep.Inputs["vpcEndpointType"] != "Gateway" || str(ep, "serviceName") != "com.amazonaws.us-east-1."+svc {
					t.Errorf("%s: %v", ep.Name, ep.Inputs)
				}
				var tables []string
				for _, id := range ep.Inputs["routeTableIds"].([]any) {
					tables = append(tables, byID(t, g, id.(string)).Name)
				}
				if len(tables) != s.azs+1 {
					t.Errorf("%s on %v, want each private table and the isolated one", svc, tables)
				}
				for _, name := range tables {
					if strings.Contains(name, "public") {
						t.Errorf("%s on public table %s", svc, name)
					}
				}
			}
		})
	}
}

func TestNetwork_FlowLogsCaptureAllTrafficIntoAnEncryptedGroup(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			fls := g.OfType(tFlowLog)
			if len(fls) != 1 {
				t.Fatalf("%d flow logs", len(fls))
			}
			fl := fls[0]
			vpc := g.OfType(tVpc)[0]
			if fl.Inputs["trafficType"] != "ALL" || str(fl, "vpcId") != vpc.ID || fl.Inputs["logDestinationType"] != "cloud-watch-logs" {
				t.Errorf("flow log inputs %v", fl.Inputs)
			}
			lg := byIDorARN(t, g, str(fl, "logDestination"))
			if !strings.HasPrefix(str(lg, "kmsKeyId"), "arn:aws:kms:") || lg.Inputs["retentionInDays"] != s.retnt {
				t.Errorf("log group not encrypted or wrong retention: %v", lg.Inputs)
			}
			role := byIDorARN(t, g, str(fl, "iamRoleArn"))
			if !strings.Contains(str(role, "assumeRolePolicy"), "vpc-flow-logs.amazonaws.com") {
				t.Errorf("flow log role trust %s", str(role, "assumeRolePolicy"))
			}
			policy := mustNamed(t, g, "aws:iam/rolePolicy:RolePolicy", s.name+"-flow-logs-write")
			if !slices.Contains(fl.Dependencies, policy.URN) {
				t.Error("flow log must wait for its role's write permission")
			}
		})
	}
}

func byIDorARN(t *testing.T, g *sim.Graph, arn string) sim.Resource {
	for _, r := range g.Resources {
		if r.Outputs["arn"] == arn {
			return r
		}
	}
	t.Fatalf("no resource with arn %s", arn)
	return sim.Resource{}
}

func TestNetwork_DefaultSecurityGroupIsAdoptedWithNoRules(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			d := g.OfType(tDefSG)
			if len(d) != 1 {
				t.Fatalf("%d default groups", len(d))
			}
			for _, k := range []string{"ingress", "egress"} {
				if v, ok := d[0].Inputs[k]; ok && len(v.([]any)) > 0 {
					t.Errorf("default group has %s rules %v", k, v)
				}
			}
		})
	}
}

func TestGraph_EveryCloudResourceHasAComponentParent(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			g := run(t, s.name).Graph
			for _, r := range g.Resources {
				if r.Custom {
					p, ok := g.Get(r.Parent)
					if !ok || p.Custom || !strings.HasPrefix(p.Type, "platform:") {
						t.Errorf("%s (%s) is not parented to a platform component (parent %q)", r.Name, r.Type, r.Parent)
					}
					continue
				}
				if parts := strings.Split(r.Type, ":"); len(parts) != 3 || parts[0] != "platform" {
					t.Errorf("component %s has type %s, want platform:<package>:<Kind>", r.Name, r.Type)
				}
				if !strings.HasPrefix(r.Name, s.name) {
					t.Errorf("component %s is not prefixed with the stack name", r.Name)
				}
			}
		})
	}
}

func TestGraph_ExportsTheNetworkOutputs(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			ex := run(t, s.name).Graph.Exports
			if id, _ := ex["vpcId"].(string); !strings.HasPrefix(id, "vpc-") {
				t.Errorf("vpcId %v", ex["vpcId"])
			}
			for _, k := range []string{"publicSubnetIds", "privateSubnetIds", "isolatedSubnetIds"} {
				ids, _ := ex[k].([]any)
				if len(ids) != s.azs {
					t.Errorf("%s %v, want %d ids", k, ex[k], s.azs)
				}
			}
			// The flow-log group's name has a suffix fixed at creation: the output says it.
			if lg, _ := ex["flowLogGroup"].(string); !strings.HasPrefix(lg, "/platform/"+s.name+"-flow-logs-") {
				t.Errorf("flowLogGroup %v", ex["flowLogGroup"])
			}
		})
	}
}

func TestRun_BadStackRegistersNothing(t *testing.T) {
	v := validValues()
	v["platform:network"] = `{"cidr":"10.0.0.0/33","azCount":2,"nat":"perAz","tiers":{"private":{"prefixLength":20}}}`
	res, err := offline.Run(&stack.File{Path: "Pulumi.test.yaml", Stack: "test", Values: v})
	if err == nil || !strings.Contains(err.Error(), `platform:network.cidr: "10.0.0.0/33" is not a CIDR`) {
		t.Fatalf("got %v", err)
	}
	if n := len(res.Graph.Resources); n != 0 {
		t.Errorf("a rejected config registered %d resources", n)
	}
}

// Pinned: the isolated tier never gets a route out of the VPC, whatever the
// NAT mode; only the local route and the gateway endpoints' routes reach it.
func TestNetwork_IsolatedTablesHoldOnlyLocalAndGatewayEndpointRoutesInEveryNATMode(t *testing.T) {
	for _, mode := range []string{"none", "single", "perAz"} {
		t.Run(mode, func(t *testing.T) {
			v := withNetwork(t, func(n map[string]any) { n["nat"] = mode; delete(n, "endpoints") })
			res, err := offline.Run(&stack.File{Path: "nat-" + mode, Stack: "test", Values: v})
			if err != nil {
				t.Fatal(err)
			}
			g := res.Graph
			iso := mustNamed(t, g, tRT, "test-isolated-rt")
			if got := routesOf(t, g, iso); len(got) != 0 {
				t.Errorf("isolated routes %v", got)
			}
			if routes, ok := iso.Inputs["routes"].([]any); ok && len(routes) > 0 {
				t.Errorf("isolated inline routes %v", routes)
			}
			for _, svc := range []string{"s3", "dynamodb"} {
				ep := mustNamed(t, g, tEndpoint, "test-vpce-"+svc)
				if !slices.Contains(ep.Inputs["routeTableIds"].([]any), any(iso.ID)) {
					t.Errorf("%s gateway endpoint does not serve the isolated table", svc)
				}
			}
		})
	}
}
