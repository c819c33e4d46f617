package stack_test

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// adoptValues adopts the seed's VPC: three public /24s, everything else to add.
func adoptValues() map[string]string {
	v := validValues()
	v["platform:network"] = `{"cidr":"10.0.0.0/16","azCount":2,"nat":"single","endpoints":["ssm"],
		"tiers":{"private":{"prefixLength":20},"isolated":{"prefixLength":24}},
		"existing":{"vpcId":"vpc-0a1b2c3d4e5f60718","internetGatewayId":"igw-0a1b2c3d4e5f60718","enableDnsHostnames":true,
			"subnets":[
				{"id":"subnet-0aaaaaaaaaaaaaaa1","cidr":"10.0.0.0/24","az":"us-east-1a","public":true,"mapPublicIpOnLaunch":true},
				{"id":"subnet-0aaaaaaaaaaaaaaa2","cidr":"10.0.1.0/24","az":"us-east-1b","public":true,"mapPublicIpOnLaunch":true}]}}`
	return v
}

func TestAdopt_ImportsTheVPCItsGatewayAndSubnetsProtectedAndAsTheyAre(t *testing.T) {
	res, err := offline.Run(&stack.File{Path: "adopt", Stack: "test", Values: adoptValues()})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	want := map[string]string{
		"test-vpc":                               "vpc-0a1b2c3d4e5f60718",
		"test-igw":                               "igw-0a1b2c3d4e5f60718",
		"test-existing-subnet-0aaaaaaaaaaaaaaa1": "subnet-0aaaaaaaaaaaaaaa1",
		"test-existing-subnet-0aaaaaaaaaaaaaaa2": "subnet-0aaaaaaaaaaaaaaa2",
	}
	imported := 0
	for _, r := range g.Resources {
		if r.ImportID == "" {
			continue
		}
		imported++
		if want[r.Name] != r.ImportID {
			t.Errorf("%s imports %q", r.Name, r.ImportID)
		}
		if !r.Protect {
			t.Errorf("adopted %s is not protected", r.Name)
		}
		if strings.Join(r.IgnoreChanges, ",") != "tags,tagsAll" {
			t.Errorf("adopted %s ignores %v; its existing tags must be left as they are", r.Name, r.IgnoreChanges)
		}
	}
	if imported != len(want) {
		t.Errorf("%d resources imported, want %d", imported, len(want))
	}
	sn := mustNamed(t, g, tSubnet, "test-existing-subnet-0aaaaaaaaaaaaaaa1")
	if sn.Inputs["mapPublicIpOnLaunch"] != true || str(sn, "cidrBlock") != "10.0.0.0/24" {
		t.Errorf("existing subnet must be imported exactly as found: %v", sn.Inputs)
	}
	if len(g.OfType(tDefSG)) != 0 {
		t.Error("the default group of an adopted VPC must be left alone until the contract stage")
	}
	nat := g.OfType(tNAT)
	if len(nat) != 1 || byID(t, g, str(nat[0], "subnetId")).Name != "test-existing-subnet-0aaaaaaaaaaaaaaa1" {
		t.Errorf("the single NAT gateway belongs in the existing public subnet of us-east-1a")
	}
	existing := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("10.0.1.0/24")}
	for _, s := range g.OfType(tSubnet) {
		if s.ImportID != "" {
			continue
		}
		p := netip.MustParsePrefix(str(s, "cidrBlock"))
		for _, e := range existing {
			if p.Overlaps(e) {
				t.Errorf("new subnet %s %s overlaps existing %s", s.Name, p, e)
			}
		}
	}
}

func TestAdopt_RejectsIncompleteExistingVPC(t *testing.T) {
	v := adoptValues()
	v["platform:network"] = strings.Replace(v["platform:network"], `"internetGatewayId":"igw-0a1b2c3d4e5f60718",`, "", 1)
	v["platform:network"] = strings.Replace(v["platform:network"], `"enableDnsHostnames":true`, `"enableDnsHostnames":false`, 1)
	v["platform:network"] = strings.Replace(v["platform:network"], `"10.0.1.0/24"`, `"10.1.1.0/24"`, 1)
	_, err := stack.Parse("test", v)
	got := strings.Join(problems.Messages(err), "\n")
	for _, want := range []string{
		`platform:network.existing.enableDnsHostnames: interface endpoints need DNS hostnames for their private DNS names; set true (an in-place update of the adopted VPC) or drop the endpoints`,
		`platform:network.existing.internetGatewayId: required: public subnets route to an internet gateway, and a VPC holds only one; import it`,
		`platform:network.existing.subnets[1].cidr: 10.1.1.0/24 is not inside the VPC block 10.0.0.0/16`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in\n%s", want, got)
		}
	}
}

// An adopted VPC with nat: none gets the Session Manager endpoints, whose
// private DNS needs DNS hostnames: the check sees the endpoints it will get.
func TestAdopt_NATNoneNeedsDNSHostnamesForTheEndpointsItAdds(t *testing.T) {
	v := adoptValues()
	v["platform:network"] = strings.Replace(v["platform:network"], `"nat":"single","endpoints":["ssm"],`, `"nat":"none",`, 1)
	v["platform:network"] = strings.Replace(v["platform:network"], `"enableDnsHostnames":true`, `"enableDnsHostnames":false`, 1)
	_, err := stack.Parse("test", v)
	if !strings.Contains(strings.Join(problems.Messages(err), "\n"), "platform:network.existing.enableDnsHostnames: interface endpoints need DNS hostnames") {
		t.Errorf("got %v", err)
	}
}

// preferences: adopt imports the document the console saved, changing
// nothing in it (content and tags ignored, so the import matches whatever is
// there), and leaves it in the account if the stack goes.
func TestAdopt_ImportsAnExistingSessionPreferencesDocument(t *testing.T) {
	v := adoptValues()
	v["platform:access"] = `{"sessionManager":{"preferences":"adopt"}}`
	res, err := offline.Run(&stack.File{Path: "adopt", Stack: "test", Values: v})
	if err != nil {
		t.Fatal(err)
	}
	doc := res.Graph.OfType("aws:ssm/document:Document")[0]
	if doc.ImportID != "SSM-SessionManagerRunShell" || strings.Join(doc.IgnoreChanges, ",") != "content,tags,tagsAll" || !doc.RetainOnDelete {
		t.Errorf("preferences document import %q, ignoreChanges %v, retained %v", doc.ImportID, doc.IgnoreChanges, doc.RetainOnDelete)
	}
}

// The old switch is named and replaced, not silently ignored.
func TestAdopt_ImportPreferencesIsReplacedByPreferencesAdopt(t *testing.T) {
	v := adoptValues()
	v["platform:access"] = `{"sessionManager":{"importPreferences":true}}`
	_, err := stack.Parse("test", v)
	want := "platform:access.sessionManager.importPreferences: replaced by preferences: adopt"
	if got := strings.Join(problems.Messages(err), "\n"); !strings.Contains(got, want) {
		t.Errorf("got %q", got)
	}
}
