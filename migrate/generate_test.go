package migrate_test

import (
	"net/netip"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/migrate"
	"github.com/acme/platform/network"
	"github.com/acme/platform/policy"
)

func generateSeed(t *testing.T) []byte {
	t.Helper()
	b, err := migrate.GenerateStack(load(t, seedDir), migrate.Options{
		StackName: seedOptions.StackName, Name: seedOptions.Name, Protect: seedOptions.Protect,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateStack_SeedIsAValidAdoptStackThatRunsOffline(t *testing.T) {
	b := generateSeed(t)
	c := parse(t, "stage0-adopt", b)
	if c.Network.Existing == nil || c.Network.Existing.VpcID != seedVPC {
		t.Fatalf("adopts %+v, want %s", c.Network.Existing, seedVPC)
	}
	if c.Region != "eu-west-1" || c.Name != "prod" || !c.Protect || c.DefaultTags["owner"] != "platform" || c.DefaultTags["stack"] != "stage0-adopt" {
		t.Errorf("region %q name %q protect %v tags %v", c.Region, c.Name, c.Protect, c.DefaultTags)
	}
	res, err := offline.RunFile(writeStack(t, "stage0-adopt", b))
	if err != nil {
		t.Fatalf("the generated adopt stack does not run offline: %v", err)
	}
	if v := policy.Check(res.Graph); len(v) > 0 {
		t.Errorf("policy violations: %v", v)
	}
}

func TestGenerateStack_ListsEveryExistingSubnetExactlyAsFound(t *testing.T) {
	inv := load(t, seedDir)
	c := parse(t, "stage0-adopt", generateSeed(t))
	e := c.Network.Existing
	if e.InternetGatewayID != seedIGW {
		t.Errorf("internetGatewayId %q, want %s", e.InternetGatewayID, seedIGW)
	}
	if e.EnableDNSHostnames || e.ManageDefaultSecurityGroup {
		t.Errorf("enableDnsHostnames %v, manageDefaultSecurityGroup %v: both must start false", e.EnableDNSHostnames, e.ManageDefaultSecurityGroup)
	}
	want := vpcSubnets(inv, seedVPC)
	if len(e.Subnets) != len(want) {
		t.Fatalf("%d existing subnets listed, the VPC has %d", len(e.Subnets), len(want))
	}
	zones := map[string]bool{}
	for _, s := range want {
		zones[s.AZ] = true
		i := slices.IndexFunc(e.Subnets, func(x network.ExistingSubnetConfig) bool { return x.ID == s.ID })
		if i < 0 {
			t.Errorf("%s is not listed", s.ID)
			continue
		}
		got := e.Subnets[i]
		if got.CIDR.String() != s.CIDR || got.AZ != s.AZ || got.Public != (s.Tier == audit.TierPublic) || got.MapPublicIPOnLaunch != s.MapPublicIPOnLaunch {
			t.Errorf("%s listed as %+v, found as cidr %s az %s tier %s mapPublicIpOnLaunch %v", s.ID, got, s.CIDR, s.AZ, s.Tier, s.MapPublicIPOnLaunch)
		}
	}
	if got, wantZones := c.Network.AvailabilityZones, sortedKeys(zones); !slices.Equal(got, wantZones) {
		t.Errorf("zones %v, want the existing subnets' zones %v", got, wantZones)
	}
	if len(c.Network.Endpoints) != 0 {
		t.Errorf("interface endpoints %v in the adopt stage; they need DNS hostnames", c.Network.Endpoints)
	}
	if c.Network.NAT != network.NATPerAZ {
		t.Errorf("nat %s, want the default perAz", c.Network.NAT)
	}
	if got := c.Network.OtherNetworks; len(got) != 1 || got[0].String() != "172.31.0.0/16" {
		t.Errorf("otherNetworks %v, want the default VPC's 172.31.0.0/16", got)
	}
}

func TestGenerateStack_PinsEveryPlannedSubnetOutsideEveryExistingOne(t *testing.T) {
	for _, dir := range []string{seedDir, cleanDir} {
		t.Run(dir, func(t *testing.T) {
			inv := load(t, dir)
			vpcID, err := migrate.WorkloadVPC(inv)
			if err != nil {
				t.Fatal(err)
			}
			b, err := migrate.GenerateStack(inv, migrate.Options{StackName: "adopt"})
			if err != nil {
				t.Fatal(err)
			}
			c := parse(t, "adopt", b)
			subs := planned(c)
			zones := c.Network.AvailabilityZones
			if len(subs) != 2*len(zones) {
				t.Fatalf("%d pinned subnets, want private and isolated in each of %v", len(subs), zones)
			}
			for _, tier := range []string{"private", "isolated"} {
				tc := c.Network.Tiers[tier]
				for _, az := range zones {
					p, ok := tc.CIDRs[az]
					if !ok {
						t.Errorf("%s-%s is not pinned", tier, az)
						continue
					}
					if p.Bits() != tc.PrefixLength {
						t.Errorf("%s-%s pinned to %s, not a /%d", tier, az, p, tc.PrefixLength)
					}
				}
			}
			for i, s := range subs {
				if !c.Network.CIDR.Contains(s.Prefix.Addr()) {
					t.Errorf("%s %s is outside the VPC %s", s.Key(), s.Prefix, c.Network.CIDR)
				}
				for _, e := range vpcSubnets(inv, vpcID) {
					if s.Prefix.Overlaps(netip.MustParsePrefix(e.CIDR)) {
						t.Errorf("planned %s %s overlaps existing %s %s", s.Key(), s.Prefix, e.ID, e.CIDR)
					}
				}
				for _, o := range subs[i+1:] {
					if s.Prefix.Overlaps(o.Prefix) {
						t.Errorf("planned %s %s overlaps planned %s %s", s.Key(), s.Prefix, o.Key(), o.Prefix)
					}
				}
			}
			// The offline run plans with the pins: the registered subnets are the pinned ones.
			res, err := offline.RunFile(writeStack(t, "adopt", b))
			if err != nil {
				t.Fatal(err)
			}
			pins := c.Network.Pinned()
			for _, s := range res.Platform.Design.Plan.Subnets {
				if pins[s.Key()] != s.Prefix {
					t.Errorf("the program plans %s at %s, the file pins %s", s.Key(), s.Prefix, pins[s.Key()])
				}
			}
		})
	}
}

func TestGenerateStack_AdoptStageImportsTheVPCGatewayAndSubnetsProtected(t *testing.T) {
	inv := load(t, seedDir)
	res, err := offline.RunFile(writeStack(t, "stage0-adopt", generateSeed(t)))
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	want := map[string]string{seedVPC: tVpc, seedIGW: tIGW}
	for _, s := range vpcSubnets(inv, seedVPC) {
		want[s.ID] = tSubnet
	}
	got := imported(g)
	if len(got) != len(want) {
		t.Errorf("%d resources imported, want %d (the VPC, its gateway and %d subnets)", len(got), len(want), len(want)-2)
	}
	for id, typ := range want {
		r, ok := got[id]
		switch {
		case !ok:
			t.Errorf("%s is not imported", id)
		case r.Type != typ:
			t.Errorf("%s is imported as a %s, want %s", id, r.Type, typ)
		case !r.Protect:
			t.Errorf("%s (%s) is imported without protect", id, r.Name)
		}
	}
	for _, s := range vpcSubnets(inv, seedVPC) {
		r := got[s.ID]
		if str(r, "cidrBlock") != s.CIDR || str(r, "availabilityZone") != s.AZ || r.Inputs["mapPublicIpOnLaunch"] != s.MapPublicIPOnLaunch {
			t.Errorf("%s is imported with %v, found as %s %s %v", s.ID, r.Inputs, s.CIDR, s.AZ, s.MapPublicIPOnLaunch)
		}
	}
	if v := got[seedVPC]; v.Inputs["enableDnsHostnames"] != false {
		t.Errorf("the VPC is imported with enableDnsHostnames %v; it must be imported as found (assumed false)", v.Inputs["enableDnsHostnames"])
	}
	// Nothing else touches what exists: no default group, no interface
	// endpoints, no flow log, and routes and associations only on new tables
	// and subnets.
	if n := len(g.OfType(tDefSG)); n != 0 {
		t.Errorf("%d default security groups; the default group is left alone until stage 3", n)
	}
	if n := interfaceEndpoints(g); n != 0 {
		t.Errorf("%d interface endpoints in the adopt stage", n)
	}
	if n := len(g.OfType(tFlowLog)); n != 0 {
		t.Errorf("%d flow logs in the adopt stage; they come in stage 1", n)
	}
	for _, r := range g.OfType(tRTA) {
		if sn, ok := g.ByID(str(r, "subnetId")); !ok || sn.ImportID != "" {
			t.Errorf("%s associates a route table with an existing subnet", r.Name)
		}
	}
	for _, r := range g.OfType(tNAT) {
		sn, ok := g.ByID(str(r, "subnetId"))
		if !ok || sn.ImportID == "" {
			t.Errorf("NAT gateway %s is not in an existing public subnet", r.Name)
		}
	}
}

func TestGenerateStack_CleanFixtureGeneratesToo(t *testing.T) {
	inv := load(t, cleanDir)
	b, err := migrate.GenerateStack(inv, migrate.Options{StackName: "clean"})
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, "clean", b)
	if n := len(c.Network.Existing.Subnets); n != 9 {
		t.Errorf("%d existing subnets, the clean VPC has 9", n)
	}
	public := 0
	for _, s := range c.Network.Existing.Subnets {
		if s.Public {
			public++
		}
	}
	if public != 3 {
		t.Errorf("%d existing subnets public, want the 3 routed to the internet gateway", public)
	}
	if !strings.Contains(string(b), "the VPC already has 3 private and 3 isolated subnets") {
		t.Error("the file should say the VPC already has private and isolated subnets")
	}
	if _, err := offline.RunFile(writeStack(t, "clean", b)); err != nil {
		t.Fatal(err)
	}
}

func TestGenerateStack_OptionsAreHonoured(t *testing.T) {
	inv := load(t, seedDir)
	b, err := migrate.GenerateStack(inv, migrate.Options{
		VpcID: seedVPC, StackName: "legacy", Owner: "web team", NAT: network.NATSingle,
		PrivatePrefixLength: 22, IsolatedPrefixLength: 26, EnableDNSHostnames: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, "legacy", b)
	switch {
	case c.Name != "legacy":
		t.Errorf("name %q, want the stack name", c.Name)
	case c.DefaultTags["owner"] != "web team":
		t.Errorf("owner %q", c.DefaultTags["owner"])
	case c.Network.NAT != network.NATSingle || c.Protect:
		t.Errorf("nat %s protect %v", c.Network.NAT, c.Protect)
	case c.Network.Tiers["private"].PrefixLength != 22 || c.Network.Tiers["isolated"].PrefixLength != 26:
		t.Errorf("tiers %+v", c.Network.Tiers)
	case !c.Network.Existing.EnableDNSHostnames:
		t.Error("enableDnsHostnames should be true as given")
	}
}

// tight is a /20 VPC whose subnets leave a /23 free: the derived /24
// private subnets do not fit in two zones, so they shrink to /25.
func tight() *audit.Inventory {
	inv := &audit.Inventory{
		VPCs: []audit.VPC{{ID: "vpc-0123456789abcdef0", CIDR: "10.9.0.0/20", CIDRs: []string{"10.9.0.0/20"}, Tags: map[string]string{"owner": "ops"}}},
		RouteTables: []audit.RouteTable{{ID: "rtb-0123456789abcdef0", VPCID: "vpc-0123456789abcdef0", Main: true,
			Routes: []audit.Route{{Destination: "10.9.0.0/20", Target: "local"}, {Destination: "0.0.0.0/0", Target: "igw-0123456789abcdef0"}}}},
	}
	for _, s := range []struct{ id, cidr, az string }{
		{"subnet-0000000000000000a", "10.9.0.0/21", "us-east-1a"},
		{"subnet-0000000000000000b", "10.9.8.0/22", "us-east-1b"},
		{"subnet-0000000000000000c", "10.9.12.0/23", "us-east-1a"},
	} {
		inv.Subnets = append(inv.Subnets, audit.Subnet{ID: s.id, VPCID: "vpc-0123456789abcdef0", CIDR: s.cidr, AZ: s.az})
	}
	inv.Classify()
	return inv
}

func TestGenerateStack_DerivedPrefixLengthsShrinkUntilTheTiersFit(t *testing.T) {
	b, err := migrate.GenerateStack(tight(), migrate.Options{StackName: "tight"})
	if err != nil {
		t.Fatal(err)
	}
	c := parse(t, "tight", b)
	if p, i := c.Network.Tiers["private"].PrefixLength, c.Network.Tiers["isolated"].PrefixLength; p != 25 || i != 28 {
		t.Errorf("private /%d isolated /%d, want /25 and /28 (the /24 and /28 derived from a /20 do not fit)", p, i)
	}
	if _, err := migrate.GenerateStack(tight(), migrate.Options{StackName: "tight", PrivatePrefixLength: 24}); err == nil || !strings.Contains(err.Error(), "do not fit") {
		t.Errorf("a given prefix length that does not fit must be an error, got %v", err)
	}
}

func TestGenerateStack_RefusesWhatItCannotAdopt(t *testing.T) {
	seed := load(t, seedDir)
	oneZone := tight()
	oneZone.Subnets = oneZone.Subnets[:1]
	tagged := tight()
	tagged.Subnets[1].Tags = map[string]string{"platform:tier": "private"}
	noOwner := tight()
	noOwner.VPCs[0].Tags = nil
	private := tight()
	private.RouteTables[0].Routes = private.RouteTables[0].Routes[:1]
	private.Classify()
	twoVPCs := tight()
	twoVPCs.VPCs = append(twoVPCs.VPCs, audit.VPC{ID: "vpc-0fedcba9876543210", CIDR: "10.8.0.0/16"})
	for _, tc := range []struct {
		name string
		inv  *audit.Inventory
		opts migrate.Options
		want string
	}{
		{"no stack name", seed, migrate.Options{}, "StackName is required"},
		{"unknown VPC", seed, migrate.Options{StackName: "x", VpcID: "vpc-0000000000000000f"}, "vpc-0000000000000000f is not in the inventory"},
		{"nat none", seed, migrate.Options{StackName: "x", NAT: network.NATNone}, "nat none is not possible while adopting"},
		{"bad nat", seed, migrate.Options{StackName: "x", NAT: "everywhere"}, `"everywhere" is not a NAT mode`},
		{"single nat in production", seed, migrate.Options{StackName: "x", NAT: network.NATSingle, Protect: true}, "platform:network.nat"},
		{"region of other zones", seed, migrate.Options{StackName: "x", Region: "us-east-1"}, "is not in aws:region us-east-1"},
		{"bad stack name as prefix", seed, migrate.Options{StackName: "Prod_Stack"}, "platform:name"},
		{"one zone", oneZone, migrate.Options{StackName: "x"}, "use 1 zone"},
		{"snapshot after stage 0", tagged, migrate.Options{StackName: "x"}, "platform:tier=private tag"},
		{"no owner", noOwner, migrate.Options{StackName: "x"}, "no owner or team tag"},
		{"no public subnet", private, migrate.Options{StackName: "x"}, "has no public subnet"},
		{"no VPC runs workloads", twoVPCs, migrate.Options{StackName: "x"}, "none of the 2 VPCs"},
		{"no inventory", nil, migrate.Options{StackName: "x"}, "no inventory"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := migrate.GenerateStack(tc.inv, tc.opts)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestGenerateStack_IsDeterministic(t *testing.T) {
	a, b := generateSeed(t), generateSeed(t)
	if string(a) != string(b) {
		t.Error("two runs on the same snapshot differ")
	}
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
