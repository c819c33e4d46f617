package migrate_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/network"
	"github.com/acme/platform/stack"
)

var (
	seedDir  = filepath.Join("..", "audit", "testdata", "seed-before")
	cleanDir = filepath.Join("..", "audit", "testdata", "clean")
	examples = filepath.Join("..", "examples", "migration")
)

// The seed account's facts, from audit/testdata/seed-before.
const (
	seedVPC = "vpc-050054c316fb6e16c"
	seedIGW = "igw-00acd7adc08f14079"
)

// seedOptions are the options of the adopt stage generated without a
// snapshot (no platform:migration: it also creates the new tiers).
var seedOptions = struct {
	StackName, Name string
	Protect         bool
}{"stage0-adopt", "prod", true}

const (
	tVpc      = "aws:ec2/vpc:Vpc"
	tIGW      = "aws:ec2/internetGateway:InternetGateway"
	tSubnet   = "aws:ec2/subnet:Subnet"
	tSG       = "aws:ec2/securityGroup:SecurityGroup"
	tDefSG    = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tEndpoint = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tFlowLog  = "aws:ec2/flowLog:FlowLog"
	tRTA      = "aws:ec2/routeTableAssociation:RouteTableAssociation"
	tRoute    = "aws:ec2/route:Route"
	tNAT      = "aws:ec2/natGateway:NatGateway"
)

var (
	invMu sync.Mutex
	invs  = map[string]*audit.Inventory{}
)

// load reads a snapshot once; tests must not modify the result.
func load(t testing.TB, dir string) *audit.Inventory {
	t.Helper()
	invMu.Lock()
	defer invMu.Unlock()
	if inv, ok := invs[dir]; ok {
		return inv
	}
	inv, err := audit.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	invs[dir] = inv
	return inv
}

// writeStack writes a generated stack file where offline.RunFile can read
// it: the stack name comes from the file name.
func writeStack(t testing.TB, stackName string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "Pulumi."+stackName+".yaml")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// parse reads a stack file's bytes into the typed config, failing the test
// on any problem.
func parse(t testing.TB, stackName string, b []byte) *stack.Config {
	t.Helper()
	values, err := stack.ParseStackYAML(b)
	if err != nil {
		t.Fatal(err)
	}
	c, err := stack.Parse(stackName, values)
	if err != nil {
		t.Fatalf("stack.Parse rejects the file:\n%v", err)
	}
	return c
}

// runAs runs a stack file under a given stack name (rewriting the stack
// default tag to match), so that files of different stages register the
// same URNs and can be diffed as successive versions of one stack.
func runAs(t testing.TB, path, stackName string) *sim.Graph {
	t.Helper()
	f, err := stack.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var dt map[string]map[string]string
	if err := json.Unmarshal([]byte(f.Values["aws:defaultTags"]), &dt); err != nil {
		t.Fatal(err)
	}
	dt["tags"]["stack"] = stackName
	b, _ := json.Marshal(dt)
	values := map[string]string{}
	for k, v := range f.Values {
		values[k] = v
	}
	values["aws:defaultTags"] = string(b)
	res, err := offline.Run(&stack.File{Path: path, Stack: stackName, Values: values})
	if err != nil {
		t.Fatalf("%s as stack %s: %v", path, stackName, err)
	}
	return res.Graph
}

func str(r sim.Resource, key string) string {
	s, _ := r.Inputs[key].(string)
	return s
}

// imported lists the resources a graph imports, by import ID.
func imported(g *sim.Graph) map[string]sim.Resource {
	out := map[string]sim.Resource{}
	for _, r := range g.Resources {
		if r.ImportID != "" {
			out[r.ImportID] = r
		}
	}
	return out
}

// interfaceEndpoints counts the graph's interface VPC endpoints.
func interfaceEndpoints(g *sim.Graph) int {
	n := 0
	for _, r := range g.OfType(tEndpoint) {
		if str(r, "vpcEndpointType") == "Interface" {
			n++
		}
	}
	return n
}

// vpcSubnets returns the inventory's subnets of one VPC.
func vpcSubnets(inv *audit.Inventory, vpcID string) []audit.Subnet {
	var out []audit.Subnet
	for _, s := range inv.Subnets {
		if s.VPCID == vpcID {
			out = append(out, s)
		}
	}
	return out
}

// planned returns the pinned subnets of a config as planner subnets.
func planned(c *stack.Config) []network.Subnet {
	var out []network.Subnet
	for name, tc := range c.Network.Tiers {
		tier, _ := network.ParseTier(name)
		for az, p := range tc.CIDRs {
			out = append(out, network.Subnet{Tier: tier, AZ: az, Prefix: p})
		}
	}
	return out
}

func auditGroup(id, name, vpc string) audit.SecurityGroup {
	return audit.SecurityGroup{ID: id, Name: name, VPCID: vpc}
}
