package audit_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

// rule builds an ingress rule; sources starting with sg- are group
// references, pl- prefix lists, anything else a CIDR.
func rule(protocol string, from, to int, sources ...string) audit.Rule {
	r := audit.Rule{Protocol: protocol, FromPort: from, ToPort: to}
	for _, s := range sources {
		switch {
		case strings.HasPrefix(s, "sg-"):
			r.GroupIDs = append(r.GroupIDs, s)
		case strings.HasPrefix(s, "pl-"):
			r.PrefixListIDs = append(r.PrefixListIDs, s)
		default:
			r.CIDRs = append(r.CIDRs, s)
		}
	}
	return r
}

func tcp(port int, sources ...string) audit.Rule { return rule("tcp", port, port, sources...) }

func tcpRange(from, to int, sources ...string) audit.Rule {
	return rule("tcp", from, to, sources...)
}

func allTraffic(sources ...string) audit.Rule { return rule("-1", -1, -1, sources...) }

// groupInventory is a one-VPC inventory holding sg-test with the given
// ingress rules, attached to one interface per kind listed, all in a private
// subnet so only the security group checks can fire.
func groupInventory(rules []audit.Rule, attached ...audit.OwnerKind) *audit.Inventory {
	inv := &audit.Inventory{
		VPCs:           []audit.VPC{{ID: "vpc-1", CIDR: "10.0.0.0/16", CIDRs: []string{"10.0.0.0/16"}}},
		Subnets:        []audit.Subnet{{ID: "subnet-private", VPCID: "vpc-1", AZ: "eu-west-1a", CIDR: "10.0.1.0/24", Tier: audit.TierPrivate}},
		SecurityGroups: []audit.SecurityGroup{{ID: "sg-test", Name: "test", VPCID: "vpc-1", Ingress: rules}},
	}
	for i, k := range attached {
		inv.Interfaces = append(inv.Interfaces, audit.Interface{
			ID: fmt.Sprintf("eni-%02d", i), VPCID: "vpc-1", SubnetID: "subnet-private",
			GroupIDs: []string{"sg-test"}, Kind: k,
		})
	}
	return inv
}

// ofKind keeps the findings of one kind, so a focused test is not disturbed
// by the other checks firing on the same rule.
func ofKind(fs []audit.Finding, kind audit.FindingKind) []audit.Finding {
	var out []audit.Finding
	for _, f := range fs {
		if f.Kind == kind {
			out = append(out, f)
		}
	}
	return out
}

func severities(fs []audit.Finding) []audit.Severity {
	out := []audit.Severity{}
	for _, f := range fs {
		out = append(out, f.Severity)
	}
	return out
}

func loadFixture(t *testing.T, name string) *audit.Inventory {
	t.Helper()
	inv, err := audit.Load(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("loading fixture %s: %v", name, err)
	}
	return inv
}

// groupNamed finds a security group id by name, so tests do not hard-code
// the fixture's generated ids.
func groupNamed(t *testing.T, inv *audit.Inventory, vpcName, name string) string {
	t.Helper()
	vpcID := ""
	for _, v := range inv.VPCs {
		if v.Name == vpcName {
			vpcID = v.ID
		}
	}
	for _, g := range inv.SecurityGroups {
		if g.Name == name && g.VPCID == vpcID {
			return g.ID
		}
	}
	t.Fatalf("no security group %q in VPC %q", name, vpcName)
	return ""
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
