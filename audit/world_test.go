package audit_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

// Prefix lists the route and rule tests refer to: one whose entries cover
// IPv4, one that holds only the upper half, one whose entries could not be
// read, and one for the global IPv6 space.
func prefixLists() []audit.PrefixList {
	return []audit.PrefixList{
		{PrefixListId: "pl-all", PrefixListName: "everyone", Entries: []string{"0.0.0.0/1", "128.0.0.0/1"}, EntriesRead: true},
		{PrefixListId: "pl-upper", PrefixListName: "upper", Entries: []string{"128.0.0.0/1"}, EntriesRead: true},
		{PrefixListId: "pl-lower", Entries: []string{"0.0.0.0/1"}, EntriesRead: true},
		{PrefixListId: "pl-unread", PrefixListName: "unread"},
		{PrefixListId: "pl-v6", Entries: []string{"2000::/4", "3000::/4"}, EntriesRead: true},
	}
}

func TestRoutesThatTogetherCoverTheInternetDecideTheTier(t *testing.T) {
	local := audit.Route{Destination: "10.0.0.0/16", Target: "local"}
	r := func(dst, target string) audit.Route { return audit.Route{Destination: dst, Target: target} }
	cases := []struct {
		name   string
		routes []audit.Route
		tier   audit.Tier
		target string
		form   string
	}{
		{"the literal default route to the gateway", []audit.Route{local, r("0.0.0.0/0", "igw-1")},
			audit.TierPublic, "igw-1", "0.0.0.0/0 (all of IPv4)"},
		{"two halves of IPv4 to the gateway", []audit.Route{local, r("0.0.0.0/1", "igw-1"), r("128.0.0.0/1", "igw-1")},
			audit.TierPublic, "igw-1", "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)"},
		{"four quarters, one more specific than needed", []audit.Route{r("0.0.0.0/2", "igw-1"), r("64.0.0.0/2", "igw-1"), r("128.0.0.0/2", "igw-1"), r("192.0.0.0/2", "igw-1"), r("203.0.113.0/24", "igw-1")},
			audit.TierPublic, "igw-1", "0.0.0.0/2 + 64.0.0.0/2 + 128.0.0.0/2 + 192.0.0.0/2 + 203.0.113.0/24 (together all of IPv4)"},
		{"one half to the gateway is not the internet", []audit.Route{local, r("0.0.0.0/1", "igw-1")},
			audit.TierIsolated, "", ""},
		{"a half blackholed is not the internet", []audit.Route{r("0.0.0.0/1", "igw-1"), {Destination: "128.0.0.0/1", Target: "igw-1", Blackhole: true}},
			audit.TierIsolated, "", ""},
		{"half through the gateway and half through NAT is private, named by the NAT", []audit.Route{r("0.0.0.0/1", "igw-1"), r("128.0.0.0/1", "nat-1")},
			audit.TierPrivate, "nat-1", "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)"},
		{"halves through NAT are private", []audit.Route{r("0.0.0.0/1", "nat-1"), r("128.0.0.0/1", "nat-1")},
			audit.TierPrivate, "nat-1", "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)"},
		{"::/0 to the gateway", []audit.Route{r("0.0.0.0/0", "nat-1"), r("::/0", "igw-1")},
			audit.TierPublic, "igw-1", "::/0 (all of IPv6)"},
		{"2000::/3, every global IPv6 address, to the gateway", []audit.Route{r("2000::/3", "igw-1")},
			audit.TierPublic, "igw-1", "2000::/3 (every global IPv6 address)"},
		{"two halves of 2000::/3 to the gateway", []audit.Route{r("2000::/4", "igw-1"), r("3000::/4", "igw-1")},
			audit.TierPublic, "igw-1", "2000::/4 + 3000::/4 (together every global IPv6 address)"},
		{"one IPv6 network to the gateway is not the internet", []audit.Route{r("2001:db8::/32", "igw-1")},
			audit.TierIsolated, "", ""},
		{"a prefix list covering IPv4 to the gateway", []audit.Route{local, r("pl-all", "igw-1")},
			audit.TierPublic, "igw-1", "prefix list pl-all (everyone) (its entries cover all of IPv4)"},
		{"a prefix list and a CIDR that cover IPv4 together", []audit.Route{r("0.0.0.0/1", "igw-1"), r("pl-upper", "igw-1")},
			audit.TierPublic, "igw-1", "0.0.0.0/1 + prefix list pl-upper (upper) (together all of IPv4)"},
		{"two prefix lists that cover IPv4 together", []audit.Route{r("pl-lower", "igw-1"), r("pl-upper", "igw-1")},
			audit.TierPublic, "igw-1", "prefix list pl-lower + prefix list pl-upper (upper) (together all of IPv4)"},
		{"a prefix list of global IPv6 to the gateway", []audit.Route{r("pl-v6", "igw-1")},
			audit.TierPublic, "igw-1", "prefix list pl-v6 (its entries cover every global IPv6 address)"},
		{"a prefix list that covers only half is not the internet", []audit.Route{r("pl-upper", "igw-1")},
			audit.TierIsolated, "", ""},
		{"a prefix list whose entries were not read proves nothing", []audit.Route{r("0.0.0.0/1", "igw-1"), r("pl-unread", "igw-1")},
			audit.TierIsolated, "", ""},
		{"a prefix list covering IPv4 through NAT is private", []audit.Route{r("pl-all", "nat-1")},
			audit.TierPrivate, "nat-1", "prefix list pl-all (everyone) (its entries cover all of IPv4)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			inv := &audit.Inventory{
				Subnets:     []audit.Subnet{{ID: "subnet-1", VPCID: "vpc-1"}},
				RouteTables: []audit.RouteTable{{ID: "rtb-1", VPCID: "vpc-1", SubnetIDs: []string{"subnet-1"}, Routes: tc.routes}},
				PrefixLists: prefixLists(),
			}
			inv.Classify()
			s := inv.Subnets[0]
			if s.Tier != tc.tier || s.DefaultRoute != tc.target || s.InternetForm != tc.form {
				t.Fatalf("got %s via %q by %q, want %s via %q by %q", s.Tier, s.DefaultRoute, s.InternetForm, tc.tier, tc.target, tc.form)
			}
		})
	}
}

// Which table applies is decided as for the literal default route: the
// explicit association, else the VPC's main table.
func TestCoveringRoutesFollowTheMainTableAndExplicitAssociations(t *testing.T) {
	halves := []audit.Route{{Destination: "0.0.0.0/1", Target: "igw-1"}, {Destination: "128.0.0.0/1", Target: "igw-1"}}
	inv := &audit.Inventory{
		Subnets: []audit.Subnet{{ID: "subnet-main", VPCID: "vpc-1"}, {ID: "subnet-iso", VPCID: "vpc-1"}},
		RouteTables: []audit.RouteTable{
			{ID: "rtb-main", VPCID: "vpc-1", Main: true, Routes: halves},
			{ID: "rtb-iso", VPCID: "vpc-1", SubnetIDs: []string{"subnet-iso"}, Routes: []audit.Route{{Destination: "10.0.0.0/16", Target: "local"}}},
		},
	}
	inv.Classify()
	if s, _ := inv.Subnet("subnet-main"); s.Tier != audit.TierPublic || !s.ViaMainTable || s.InternetForm != "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)" {
		t.Errorf("a subnet without association takes the main table's covering routes: %+v", s)
	}
	if s, _ := inv.Subnet("subnet-iso"); s.Tier != audit.TierIsolated || s.ViaMainTable {
		t.Errorf("an explicit association to a table without them wins over the main table: %+v", s)
	}
}

// A workload in a subnet made public by covering routes is reported, and
// the finding names the form: by subnet for interfaces no object claims,
// by owner for objects read from their API.
func TestPublicSubnetFindingsNameTheFormOfTheRoutes(t *testing.T) {
	inv := &audit.Inventory{
		VPCs: []audit.VPC{{ID: "vpc-1"}},
		Subnets: []audit.Subnet{
			{ID: "subnet-pl", VPCID: "vpc-1"}, {ID: "subnet-private", VPCID: "vpc-1"},
		},
		RouteTables: []audit.RouteTable{
			{ID: "rtb-pl", VPCID: "vpc-1", SubnetIDs: []string{"subnet-pl"}, Routes: []audit.Route{{Destination: "pl-all", Target: "igw-1"}}},
			{ID: "rtb-private", VPCID: "vpc-1", SubnetIDs: []string{"subnet-private"}, Routes: []audit.Route{{Destination: "pl-all", Target: "nat-1"}}},
		},
		PrefixLists: prefixLists(),
		Interfaces: []audit.Interface{
			{ID: "eni-unclaimed", SubnetID: "subnet-pl", VPCID: "vpc-1", Type: "lambda", Description: "AWS Lambda VPC ENI-gone", GroupIDs: []string{"sg-gone"}},
			{ID: "eni-private", SubnetID: "subnet-private", VPCID: "vpc-1", Type: "lambda", Description: "AWS Lambda VPC ENI-other"},
		},
		LambdaFunctions: []audit.LambdaFunction{{FunctionName: "fn"}},
	}
	inv.LambdaFunctions[0].VpcConfig = &struct {
		VpcId            string
		SubnetIds        []string
		SecurityGroupIds []string
	}{VpcId: "vpc-1", SubnetIds: []string{"subnet-pl", "subnet-private"}}
	inv.Classify()
	want := "prefix list pl-all (everyone) (its entries cover all of IPv4)"
	var got []string
	for _, f := range ofKind(inv.Findings(), audit.KindPublicSubnetWorkload) {
		got = append(got, f.Resource+": "+f.Form)
		if !strings.Contains(f.Message, "public through the routes "+want) {
			t.Errorf("the message should say which routes make the subnet public: %s", f.Message)
		}
	}
	if !slices.Equal(got, []string{"fn: " + want, "subnet-pl: " + want}) {
		t.Errorf("public-subnet-workload findings: %q", got)
	}
}

// combined runs the ingress checks on a group with the given rules and
// keeps the findings of one kind whose detail says they combine rules.
func combined(rules []audit.Rule, kind audit.FindingKind, attached ...audit.OwnerKind) []audit.Finding {
	inv := groupInventory(rules, attached...)
	inv.PrefixLists = prefixLists()
	var out []audit.Finding
	for _, f := range ofKind(inv.Findings(), kind) {
		if strings.Contains(f.Detail, "(together: ") {
			out = append(out, f)
		}
	}
	return out
}

func TestRulesOfAGroupThatTogetherOpenAPortToTheInternet(t *testing.T) {
	cases := []struct {
		name     string
		rules    []audit.Rule
		attached []audit.OwnerKind
		want     []string // "severity detail | form"
	}{
		{"every port from one half and 443 from the other open 443",
			[]audit.Rule{tcpRange(0, 65535, "0.0.0.0/1"), tcp(443, "128.0.0.0/1")}, ec2Only,
			[]string{"high tcp 443 from 0.0.0.0/1, 128.0.0.0/1 (together: tcp 0-65535 from 0.0.0.0/1; tcp 443 from 128.0.0.0/1) | 0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)"}},
		{"overlapping ranges open only their overlap",
			[]audit.Rule{tcpRange(1000, 2000, "0.0.0.0/1"), tcpRange(1500, 3000, "128.0.0.0/1")}, ec2Only,
			[]string{"high tcp 1500-2000 from 0.0.0.0/1, 128.0.0.0/1 (together: tcp 1000-2000 from 0.0.0.0/1; tcp 1500-3000 from 128.0.0.0/1) | 0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)"}},
		{"protocol numbers and names are one protocol",
			[]audit.Rule{rule("6", 443, 443, "0.0.0.0/1"), tcp(443, "128.0.0.0/1")}, ec2Only,
			[]string{"high tcp 443 from 0.0.0.0/1, 128.0.0.0/1 (together: tcp 443 from 0.0.0.0/1; tcp 443 from 128.0.0.0/1) | 0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)"}},
		{"a prefix list in one rule and a CIDR in another",
			[]audit.Rule{tcp(8443, "pl-upper"), tcpRange(8000, 9000, "0.0.0.0/1")}, ec2Only,
			[]string{"high tcp 8443 from 0.0.0.0/1, pl-upper (together: tcp 8443 from pl-upper; tcp 8000-9000 from 0.0.0.0/1) | 0.0.0.0/1 + prefix list pl-upper (upper) (together all of IPv4, across 2 rules)"}},
		{"two all-traffic halves are one finding, not one per protocol or port",
			[]audit.Rule{allTraffic("0.0.0.0/1"), allTraffic("128.0.0.0/1"), tcp(22, "10.0.0.0/8"), rule("udp", 53, 53, "10.0.0.0/8")}, ec2Only,
			[]string{"high all traffic from 0.0.0.0/1, 128.0.0.0/1 (together: all traffic from 0.0.0.0/1; all traffic from 128.0.0.0/1) | 0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)"}},
		{"an all-traffic half and a tcp half open the tcp port",
			[]audit.Rule{allTraffic("0.0.0.0/1"), tcp(8080, "128.0.0.0/1")}, ec2Only,
			[]string{"high tcp 8080 from 0.0.0.0/1, 128.0.0.0/1 (together: all traffic from 0.0.0.0/1; tcp 8080 from 128.0.0.0/1) | 0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)"}},
		{"IPv6 halves across rules",
			[]audit.Rule{tcp(443, "2000::/4"), tcp(443, "3000::/4")}, ec2Only,
			[]string{"high tcp 443 from 2000::/4, 3000::/4 (together: tcp 443 from 2000::/4; tcp 443 from 3000::/4) | 2000::/4 + 3000::/4 (together every global IPv6 address, across 2 rules)"}},
		{"a load balancer's 443 in halves is info, as in one rule",
			[]audit.Rule{tcp(443, "0.0.0.0/1"), tcp(443, "128.0.0.0/1")}, elbOnly,
			[]string{"info tcp 443 from 0.0.0.0/1, 128.0.0.0/1 (together: tcp 443 from 0.0.0.0/1; tcp 443 from 128.0.0.0/1) | 0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)"}},

		{"ranges that do not meet on a port open nothing together",
			[]audit.Rule{tcp(80, "0.0.0.0/1"), tcp(443, "128.0.0.0/1")}, ec2Only, nil},
		{"the same port on different protocols opens nothing together",
			[]audit.Rule{tcp(53, "0.0.0.0/1"), rule("udp", 53, 53, "128.0.0.0/1")}, ec2Only, nil},
		{"halves that leave a gap are not the internet",
			[]audit.Rule{tcp(443, "0.0.0.0/1"), tcp(443, "128.0.0.0/2")}, ec2Only, nil},
		{"a prefix list whose entries were not read proves nothing",
			[]audit.Rule{tcp(443, "0.0.0.0/1"), tcp(443, "pl-unread")}, ec2Only, nil},
		{"a rule already open to the world alone is reported on its own, not again combined",
			[]audit.Rule{tcp(443, "0.0.0.0/0"), tcpRange(0, 65535, "10.0.0.0/8")}, ec2Only, nil},
		{"one rule holding both halves is reported on its own, not again combined",
			[]audit.Rule{tcp(443, "0.0.0.0/1", "128.0.0.0/1"), tcpRange(400, 500, "10.0.0.0/8")}, ec2Only, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, f := range combined(tc.rules, audit.KindIngressOpenToWorld, tc.attached...) {
				got = append(got, fmt.Sprintf("%s %s | %s", f.Severity, f.Detail, f.Form))
				if !strings.Contains(f.Message, "no one rule does") {
					t.Errorf("the message does not say the rules combine: %s", f.Message)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

// SSH from two halves in two rules is SSH from the internet: high, where
// each rule alone is only medium (a public range).
func TestAdminPortOpenToTheInternetAcrossRulesIsHigh(t *testing.T) {
	rules := []audit.Rule{tcpRange(0, 1023, "0.0.0.0/1"), tcp(22, "128.0.0.0/1")}
	got := combined(rules, audit.KindIngressAdminPort, audit.OwnerEC2)
	if len(got) != 1 || got[0].Severity != audit.SeverityHigh || got[0].Form != "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4, across 2 rules)" {
		t.Errorf("combined admin-port findings: %+v", got)
	}
	if got := combined([]audit.Rule{tcpRange(0, 1023, "0.0.0.0/1"), tcp(22, "128.0.0.0/2")}, audit.KindIngressAdminPort, audit.OwnerEC2); len(got) != 0 {
		t.Errorf("halves with a gap are not the internet: %+v", got)
	}
}
