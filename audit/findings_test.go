package audit_test

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

// ruleCase is a single-rule scenario for the security group checks.
type ruleCase struct {
	name     string
	rule     audit.Rule
	attached []audit.OwnerKind
	want     []audit.Severity // one entry per expected finding; empty for none
}

func runRuleCases(t *testing.T, kind audit.FindingKind, cases []ruleCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := groupInventory([]audit.Rule{tc.rule}, tc.attached...)
			got := ofKind(inv.Findings(), kind)
			want := tc.want
			if want == nil {
				want = []audit.Severity{}
			}
			if !reflect.DeepEqual(severities(got), want) {
				t.Fatalf("%s findings for %s: got %v, want %v\n%+v", kind, tc.rule, severities(got), want, got)
			}
			for _, f := range got {
				if f.Resource != "sg-test" || f.Message == "" || f.Fix == "" || f.Detail != tc.rule.String() {
					t.Errorf("finding is missing its resource, message, fix or rule detail: %+v", f)
				}
			}
		})
	}
}

var (
	ec2Only = []audit.OwnerKind{audit.OwnerEC2}
	elbOnly = []audit.OwnerKind{audit.OwnerELB}
	high    = []audit.Severity{audit.SeverityHigh}
	medium  = []audit.Severity{audit.SeverityMedium}
	low     = []audit.Severity{audit.SeverityLow}
	info    = []audit.Severity{audit.SeverityInfo}
)

func TestIngressOpenToWorld(t *testing.T) {
	runRuleCases(t, audit.KindIngressOpenToWorld, []ruleCase{
		{"a world-open port on a workload group is high", tcp(8080, "0.0.0.0/0"), ec2Only, high},
		{"IPv6 ::/0 counts as the whole internet", tcp(8080, "::/0"), ec2Only, high},
		{"a database port open to the world is high", tcp(5432, "0.0.0.0/0"), []audit.OwnerKind{audit.OwnerRDS}, high},
		{"a load balancer on 443 from the world is info only", tcp(443, "0.0.0.0/0", "::/0"), elbOnly, info},
		{"a load balancer on 80 from the world is info only", tcp(80, "0.0.0.0/0"), elbOnly, info},
		{"a load balancer on another port is medium", tcp(8443, "0.0.0.0/0"), elbOnly, medium},
		{"a load balancer range spanning 80 to 443 is not the web exception", tcpRange(80, 443, "0.0.0.0/0"), elbOnly, medium},
		{"a load balancer group also attached to EC2 loses the exception", tcp(443, "0.0.0.0/0"), []audit.OwnerKind{audit.OwnerELB, audit.OwnerEC2}, high},
		{"a group attached to nothing is low", tcp(22, "0.0.0.0/0"), nil, low},
		{"ICMP from the world is low", rule("icmp", -1, -1, "0.0.0.0/0"), ec2Only, low},
		{"the VPC CIDR is not the world", tcp(8080, "10.0.0.0/16"), ec2Only, nil},
		{"group references are not the world", tcp(8080, "sg-alb"), ec2Only, nil},
	})
}

func TestIngressAllProtocols(t *testing.T) {
	runRuleCases(t, audit.KindIngressAllProtocols, []ruleCase{
		{"all traffic from the world is high", allTraffic("0.0.0.0/0"), ec2Only, high},
		{"all traffic from a CIDR is medium", allTraffic("10.0.0.0/16"), ec2Only, medium},
		{"all traffic from another group is low", allTraffic("sg-other"), ec2Only, low},
		{"the default group's self reference is low", allTraffic("sg-test"), nil, low},
		{"a single protocol and port is not reported", tcp(22, "0.0.0.0/0"), ec2Only, nil},
	})
}

func TestIngressWidePortRange(t *testing.T) {
	if audit.WidePortSpan != 1 {
		t.Fatalf("cases below assume WidePortSpan = 1, got %d", audit.WidePortSpan)
	}
	runRuleCases(t, audit.KindIngressWidePortRange, []ruleCase{
		{"a single port is fine", tcp(8080, "sg-alb"), ec2Only, nil},
		{"two ports exceed the threshold", tcpRange(8080, 8081, "sg-alb"), ec2Only, low},
		{"every port from another group is still medium", tcpRange(0, 65535, "sg-alb"), ec2Only, medium},
		{"every port from 1 counts as every port", tcpRange(1, 65535, "sg-alb"), ec2Only, medium},
		{"every port from the world is high", tcpRange(0, 65535, "0.0.0.0/0"), ec2Only, high},
		{"a range from a CIDR is medium", tcpRange(3000, 3010, "10.0.0.0/16"), ec2Only, medium},
		{"the ECS dynamic port range from the load balancer group is accepted", tcpRange(32768, 65535, "sg-alb"), ec2Only, nil},
		{"the ECS dynamic port range from a CIDR is still reported", tcpRange(32768, 65535, "10.0.0.0/16"), ec2Only, medium},
		{"UDP ranges count too", rule("udp", 60000, 61000, "10.0.0.0/8"), ec2Only, medium},
		{"all-protocol rules are left to ingress-all-protocols", allTraffic("0.0.0.0/0"), ec2Only, nil},
		{"ICMP type ranges are not ports", rule("icmp", 0, 255, "10.0.0.0/8"), ec2Only, nil},
	})
}

func TestIngressAdminPort(t *testing.T) {
	runRuleCases(t, audit.KindIngressAdminPort, []ruleCase{
		{"SSH from the world is high", tcp(22, "0.0.0.0/0"), ec2Only, high},
		{"RDP from the world over IPv6 is high", tcp(3389, "::/0"), ec2Only, high},
		{"a range containing 22 counts", tcpRange(20, 25, "0.0.0.0/0"), ec2Only, high},
		{"all traffic covers the admin ports", allTraffic("203.0.113.0/24"), ec2Only, medium},
		{"SSH from a public office CIDR is medium", tcp(22, "198.51.100.7/32"), ec2Only, medium},
		{"SSH from a private CIDR is low", tcp(22, "10.20.0.0/16"), ec2Only, low},
		{"the worst source decides", tcp(22, "10.20.0.0/16", "0.0.0.0/0"), ec2Only, high},
		{"a supernet of a private range is not private", tcp(22, "8.0.0.0/6"), ec2Only, medium},
		{"SSH from a security group is not reported", tcp(22, "sg-bastion"), ec2Only, nil},
		{"UDP 22 is not SSH", rule("udp", 22, 22, "0.0.0.0/0"), ec2Only, nil},
		{"a range without admin ports is not reported", tcpRange(8000, 8100, "0.0.0.0/0"), ec2Only, nil},
	})
}

func TestAdminPortMessageNamesThePorts(t *testing.T) {
	inv := groupInventory([]audit.Rule{allTraffic("0.0.0.0/0")}, audit.OwnerEC2)
	fs := ofKind(inv.Findings(), audit.KindIngressAdminPort)
	if len(fs) != 1 || !strings.Contains(fs[0].Message, "SSH (22)") || !strings.Contains(fs[0].Message, "RDP (3389)") {
		t.Fatalf("want one finding naming SSH (22) and RDP (3389), got %+v", fs)
	}
}

func TestSharedSecurityGroup(t *testing.T) {
	cases := []struct {
		name     string
		attached []audit.OwnerKind
		want     []audit.Severity
		detail   string
	}{
		{"EC2, Lambda and RDS sharing one group is high", []audit.OwnerKind{audit.OwnerEC2, audit.OwnerLambda, audit.OwnerRDS, audit.OwnerEC2}, high, "EC2, Lambda, RDS"},
		{"a cache sharing with compute is high", []audit.OwnerKind{audit.OwnerElastiCache, audit.OwnerECS}, high, "ECS, ElastiCache"},
		{"two compute kinds sharing is medium", []audit.OwnerKind{audit.OwnerEC2, audit.OwnerECS}, medium, "EC2, ECS"},
		{"many interfaces of one kind are not sharing", []audit.OwnerKind{audit.OwnerEC2, audit.OwnerEC2, audit.OwnerEC2}, nil, ""},
		{"an unattached group is not shared", nil, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := groupInventory(nil, tc.attached...)
			got := ofKind(inv.Findings(), audit.KindSharedSecurityGroup)
			want := tc.want
			if want == nil {
				want = []audit.Severity{}
			}
			if !reflect.DeepEqual(severities(got), want) {
				t.Fatalf("got %v, want %v: %+v", severities(got), want, got)
			}
			if len(got) == 1 {
				if got[0].Detail != tc.detail {
					t.Errorf("detail: got %q, want %q", got[0].Detail, tc.detail)
				}
				if len(got[0].Related) != len(tc.attached) {
					t.Errorf("related should list every interface in the group, got %v", got[0].Related)
				}
			}
		})
	}
}

// placed builds an inventory with one subnet of the given tier holding one
// interface per kind.
func placed(tier audit.Tier, kinds ...audit.OwnerKind) *audit.Inventory {
	inv := &audit.Inventory{
		VPCs:    []audit.VPC{{ID: "vpc-1", Name: "prod"}},
		Subnets: []audit.Subnet{{ID: "subnet-1", Name: "web-a", VPCID: "vpc-1", AZ: "eu-west-1a", CIDR: "10.0.0.0/24", Tier: tier}},
	}
	for i, k := range kinds {
		ifc := audit.Interface{ID: "eni-" + string(rune('a'+i)), VPCID: "vpc-1", SubnetID: "subnet-1", Kind: k}
		if k == audit.OwnerEC2 {
			ifc.PublicIP = "203.0.113.10"
		}
		inv.Interfaces = append(inv.Interfaces, ifc)
	}
	return inv
}

func TestPublicSubnetWorkload(t *testing.T) {
	cases := []struct {
		name    string
		inv     *audit.Inventory
		want    int
		message []string
	}{
		{"workloads in a public subnet are reported once per subnet, naming each kind",
			placed(audit.TierPublic, audit.OwnerEC2, audit.OwnerRDS, audit.OwnerEC2, audit.OwnerLambda, audit.OwnerELB),
			1, []string{"subnet-1", "2 EC2, 1 Lambda, 1 RDS", "2 of them with a public IP"}},
		{"every workload kind counts", placed(audit.TierPublic, audit.OwnerECS, audit.OwnerBatch, audit.OwnerElastiCache),
			1, []string{"1 ECS, 1 Batch, 1 ElastiCache"}},
		{"load balancers and NAT gateways are expected in public subnets", placed(audit.TierPublic, audit.OwnerELB, audit.OwnerNAT), 0, nil},
		{"endpoints, VPN and unknown interfaces are not workloads", placed(audit.TierPublic, audit.OwnerVPCEndpoint, audit.OwnerClientVPN, audit.OwnerOther), 0, nil},
		{"workloads in a private subnet are fine", placed(audit.TierPrivate, audit.OwnerEC2), 0, nil},
		{"data stores in an isolated subnet are fine", placed(audit.TierIsolated, audit.OwnerRDS), 0, nil},
		{"a subnet of unknown tier is not assumed public", placed(audit.TierUnknown, audit.OwnerEC2), 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ofKind(tc.inv.Findings(), audit.KindPublicSubnetWorkload)
			if len(got) != tc.want {
				t.Fatalf("got %d findings, want %d: %+v", len(got), tc.want, got)
			}
			for _, f := range got {
				if f.Severity != audit.SeverityHigh || f.Resource != "subnet-1" {
					t.Errorf("want a high finding on subnet-1, got %+v", f)
				}
				for _, m := range tc.message {
					if !strings.Contains(f.Message, m) {
						t.Errorf("message %q should mention %q", f.Message, m)
					}
				}
			}
		})
	}
}

func TestPublicOnlyVPC(t *testing.T) {
	withSubnets := func(tiers ...audit.Tier) *audit.Inventory {
		inv := &audit.Inventory{VPCs: []audit.VPC{{ID: "vpc-1", IsDefault: true}}}
		for i, tier := range tiers {
			inv.Subnets = append(inv.Subnets, audit.Subnet{ID: "subnet-" + string(rune('a'+i)), VPCID: "vpc-1", Tier: tier})
		}
		return inv
	}
	withWorkload := func(inv *audit.Inventory) *audit.Inventory {
		inv.Interfaces = append(inv.Interfaces, audit.Interface{ID: "eni-1", VPCID: "vpc-1", SubnetID: "subnet-a", Kind: audit.OwnerECS})
		return inv
	}
	cases := []struct {
		name string
		inv  *audit.Inventory
		want []audit.Severity
	}{
		{"a VPC with only public subnets running workloads is high", withWorkload(withSubnets(audit.TierPublic, audit.TierPublic)), high},
		{"an unused public-only VPC, like the default VPC, is low", withSubnets(audit.TierPublic, audit.TierPublic, audit.TierPublic), low},
		{"one private subnet is enough", withWorkload(withSubnets(audit.TierPublic, audit.TierPrivate)), nil},
		{"one isolated subnet is enough", withSubnets(audit.TierPublic, audit.TierIsolated), nil},
		{"a VPC without subnets is not reported", withSubnets(), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := ofKind(tc.inv.Findings(), audit.KindPublicOnlyVPC)
			want := tc.want
			if want == nil {
				want = []audit.Severity{}
			}
			if !reflect.DeepEqual(severities(got), want) {
				t.Fatalf("got %v, want %v: %+v", severities(got), want, got)
			}
			if len(got) == 1 && (got[0].Resource != "vpc-1" || len(got[0].Related) != len(tc.inv.Subnets)) {
				t.Errorf("want the VPC as resource and its subnets as related, got %+v", got[0])
			}
		})
	}
}

func TestFindingsAreSortedByKindThenResourceWhateverTheInputOrder(t *testing.T) {
	base := loadFixture(t, "seed-before")
	want := base.Findings()
	if !slices.IsSortedFunc(want, func(a, b audit.Finding) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Resource, b.Resource)
	}) {
		t.Fatal("findings are not sorted by kind, then resource")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range 20 {
		inv := *base
		inv.VPCs = slices.Clone(base.VPCs)
		inv.Subnets = slices.Clone(base.Subnets)
		inv.SecurityGroups = slices.Clone(base.SecurityGroups)
		inv.Interfaces = slices.Clone(base.Interfaces)
		rng.Shuffle(len(inv.VPCs), func(i, j int) { inv.VPCs[i], inv.VPCs[j] = inv.VPCs[j], inv.VPCs[i] })
		rng.Shuffle(len(inv.Subnets), func(i, j int) { inv.Subnets[i], inv.Subnets[j] = inv.Subnets[j], inv.Subnets[i] })
		rng.Shuffle(len(inv.SecurityGroups), func(i, j int) {
			inv.SecurityGroups[i], inv.SecurityGroups[j] = inv.SecurityGroups[j], inv.SecurityGroups[i]
		})
		rng.Shuffle(len(inv.Interfaces), func(i, j int) { inv.Interfaces[i], inv.Interfaces[j] = inv.Interfaces[j], inv.Interfaces[i] })
		if got := inv.Findings(); !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffle %d changed the findings", i)
		}
	}
}

func TestSeverityNamesRoundTrip(t *testing.T) {
	for _, s := range []audit.Severity{audit.SeverityInfo, audit.SeverityLow, audit.SeverityMedium, audit.SeverityHigh} {
		got, err := audit.ParseSeverity(strings.ToUpper(s.String()))
		if err != nil || got != s {
			t.Errorf("ParseSeverity(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := audit.ParseSeverity("critical"); err == nil {
		t.Error("unknown severities must be rejected")
	}
	if !(audit.SeverityHigh > audit.SeverityMedium && audit.SeverityMedium > audit.SeverityLow && audit.SeverityLow > audit.SeverityInfo) {
		t.Error("severities must order info < low < medium < high")
	}
}
