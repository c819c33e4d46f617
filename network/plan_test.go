package network_test

import (
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/acme/platform/network"
)

var update = flag.Bool("update", false, "rewrite golden files")

var mustPrefix = netip.MustParsePrefix

var prodSpecs = []network.TierSpec{
	{Tier: network.TierPublic, Bits: 24},
	{Tier: network.TierPrivate, Bits: 20},
	{Tier: network.TierIsolated, Bits: 24},
}

func TestPlan_ProdGolden(t *testing.T) {
	p := network.MustNewPlan(mustPrefix("10.0.0.0/16"), []string{"us-east-1a", "us-east-1b", "us-east-1c"}, prodSpecs)
	golden := filepath.Join("testdata", "prod.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(p.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./network -update)", err)
	}
	if got := p.String(); got != string(want) {
		t.Errorf("prod plan changed; a changed CIDR replaces a live subnet.\ngot:\n%s\nwant:\n%s", got, want)
	}
}

func TestNewPlan_Rejects(t *testing.T) {
	azs := []string{"us-east-1a", "us-east-1b"}
	tests := []struct {
		name    string
		vpc     string
		azs     []string
		specs   []network.TierSpec
		wantErr string
	}{
		{"subnet smaller than AWS allows", "10.0.0.0/16", azs, []network.TierSpec{{network.TierIsolated, 29}},
			`network.NewPlan("10.0.0.0/16"): tier isolated: /29 smaller than /28`},
		{"tier too big for its share", "10.0.0.0/16", azs, []network.TierSpec{{network.TierPrivate, 19}},
			`network.NewPlan("10.0.0.0/16"): tier private: /19 subnets do not fit; 10.0.0.0/16 leaves room for /20 or smaller per zone`},
		{"VPC too small for the tiers", "10.0.0.0/24", azs, []network.TierSpec{{network.TierPublic, 27}},
			`network.NewPlan("10.0.0.0/24"): tier public: /27 subnets do not fit; 10.0.0.0/24 leaves room for /29 or smaller per zone`},
		{"host bits set", "10.0.0.1/16", azs, prodSpecs,
			`network.NewPlan("10.0.0.1/16"): not a canonical prefix; did you mean 10.0.0.0/16?`},
		{"VPC larger than /16", "10.0.0.0/8", azs, prodSpecs,
			`network.NewPlan("10.0.0.0/8"): VPC block must be between /16 and /28`},
		{"IPv6 block", "fd00::/56", azs, prodSpecs,
			`network.NewPlan("fd00::/56"): VPC block must be IPv4`},
		{"tier twice", "10.0.0.0/16", azs, []network.TierSpec{{network.TierPublic, 24}, {network.TierPublic, 25}},
			`network.NewPlan("10.0.0.0/16"): tier public given twice`},
		{"zone letter beyond h", "10.0.0.0/16", []string{"us-east-1a", "us-east-1z"}, prodSpecs,
			`network.NewPlan("10.0.0.0/16"): availability zone "us-east-1z": name must end in a letter a-h`},
		{"two zones one letter", "10.0.0.0/16", []string{"us-east-1a", "us-west-2a"}, prodSpecs,
			`network.NewPlan("10.0.0.0/16"): availability zones "us-east-1a" and "us-west-2a" share slot 0`},
		{"no zones", "10.0.0.0/16", nil, prodSpecs,
			`network.NewPlan("10.0.0.0/16"): no availability zones`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := network.NewPlan(mustPrefix(tt.vpc), tt.azs, tt.specs)
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("got error %v\nwant        %s", err, tt.wantErr)
			}
		})
	}
}

// genPlanInput draws a VPC block, a set of zones and tier sizes that fit.
func genPlanInput(t *rapid.T) (netip.Prefix, []string, []network.TierSpec) {
	vpcBits := rapid.IntRange(16, 22).Draw(t, "vpcBits")
	base := rapid.Uint32().Draw(t, "base")
	vpc := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(base >> 16), byte(base >> 8), byte(base)}), vpcBits).Masked()
	letters := rapid.SliceOfNDistinct(rapid.SampledFrom([]byte("abcdefgh")), 1, 6, func(b byte) byte { return b }).Draw(t, "zones")
	var azs []string
	for _, l := range letters {
		azs = append(azs, "eu-west-1"+string(l))
	}
	var specs []network.TierSpec
	for _, tier := range network.Tiers {
		if rapid.Bool().Draw(t, "has "+tier.String()) || tier == network.TierPrivate {
			lo := network.MaxTierBits(vpc, tier)
			specs = append(specs, network.TierSpec{Tier: tier, Bits: rapid.IntRange(lo, 28).Draw(t, "bits "+tier.String())})
		}
	}
	return vpc, azs, specs
}

func TestPlan_SubnetsInsideVPCNeverOverlapAndAreCanonical(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vpc, azs, specs := genPlanInput(t)
		p, err := network.NewPlan(vpc, azs, specs)
		if err != nil {
			t.Fatalf("valid input rejected: %v", err)
		}
		if len(p.Subnets) != len(azs)*len(specs) {
			t.Fatalf("%d subnets for %d zones x %d tiers", len(p.Subnets), len(azs), len(specs))
		}
		for i, s := range p.Subnets {
			if s.Prefix != s.Prefix.Masked() {
				t.Fatalf("%s is not canonical", s.Prefix)
			}
			if !vpc.Contains(s.Prefix.Addr()) || s.Prefix.Bits() < vpc.Bits() {
				t.Fatalf("%s lies outside %s", s.Prefix, vpc)
			}
			for _, o := range p.Subnets[i+1:] {
				if s.Prefix.Overlaps(o.Prefix) {
					t.Fatalf("%s (%s) overlaps %s (%s)", s.Prefix, s.Key(), o.Prefix, o.Key())
				}
			}
			if want := specs[slices.IndexFunc(specs, func(x network.TierSpec) bool { return x.Tier == s.Tier })].Bits; s.Prefix.Bits() != want {
				t.Fatalf("%s is /%d, tier asks /%d", s.Key(), s.Prefix.Bits(), want)
			}
		}
	})
}

func TestPlan_IsDeterministicWhateverTheOrderOfZonesAndTiers(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vpc, azs, specs := genPlanInput(t)
		a := network.MustNewPlan(vpc, azs, specs)
		shuffledAZs := rapid.Permutation(azs).Draw(t, "azOrder")
		shuffledSpecs := rapid.Permutation(specs).Draw(t, "tierOrder")
		b := network.MustNewPlan(vpc, shuffledAZs, shuffledSpecs)
		if a.String() != b.String() {
			t.Fatalf("order changed the plan:\n%s\nvs\n%s", a, b)
		}
	})
}

// The property that keeps production safe: growing the plan only adds subnets.
func TestPlan_AddingAZOrTierNeverMovesAnExistingSubnet(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vpc, azs, specs := genPlanInput(t)
		small := network.MustNewPlan(vpc, azs, specs)

		bigAZs := append([]string(nil), azs...)
		for _, l := range "abcdefgh" {
			az := "eu-west-1" + string(l)
			if !slices.Contains(bigAZs, az) && len(bigAZs) < 8 && rapid.Bool().Draw(t, "add "+az) {
				bigAZs = append(bigAZs, az)
			}
		}
		bigSpecs := append([]network.TierSpec(nil), specs...)
		for _, tier := range network.Tiers {
			if !slices.ContainsFunc(bigSpecs, func(s network.TierSpec) bool { return s.Tier == tier }) {
				bigSpecs = append(bigSpecs, network.TierSpec{Tier: tier, Bits: rapid.IntRange(network.MaxTierBits(vpc, tier), 28).Draw(t, "new "+tier.String())})
			}
		}
		big := network.MustNewPlan(vpc, bigAZs, bigSpecs)
		after := map[string]netip.Prefix{}
		for _, s := range big.Subnets {
			after[s.Key()] = s.Prefix
		}
		for _, s := range small.Subnets {
			if after[s.Key()] != s.Prefix {
				t.Fatalf("%s moved from %s to %s", s.Key(), s.Prefix, after[s.Key()])
			}
		}
	})
}

func TestPlan_Contains(t *testing.T) {
	p := network.MustNewPlan(mustPrefix("10.0.0.0/16"), []string{"us-east-1a", "us-east-1b"}, prodSpecs)
	s, ok := p.Contains(netip.MustParseAddr("10.0.16.9"))
	if !ok || s.Key() != "private-us-east-1b" {
		t.Errorf("10.0.16.9 in %v %v, want private-us-east-1b", s.Key(), ok)
	}
	if _, ok := p.Contains(netip.MustParseAddr("10.0.100.1")); ok {
		t.Error("10.0.100.1 is in no subnet (unused zone slot)")
	}
}

func TestTier_TextRoundTrip(t *testing.T) {
	for _, tier := range network.Tiers {
		b, _ := tier.MarshalText()
		var back network.Tier
		if err := back.UnmarshalText(b); err != nil || back != tier {
			t.Errorf("%s: round trip gave %v, %v", tier, back, err)
		}
	}
	var bad network.Tier
	if err := bad.UnmarshalText([]byte("database")); err == nil || !strings.Contains(err.Error(), "use public, private or isolated") {
		t.Errorf("database accepted as a tier: %v", err)
	}
}

// The planner must stay pure: no pulumi (and so no cloud) in its imports.
func TestPlanner_ImportsNoPulumi(t *testing.T) {
	src, err := os.ReadFile("plan.go")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(src), "github.com/pulumi") {
		t.Error("plan.go imports pulumi; the planner must be plain Go")
	}
}

func ExampleNewPlan() {
	p, _ := network.NewPlan(netip.MustParsePrefix("10.0.0.0/16"), []string{"us-east-1b", "us-east-1a"}, []network.TierSpec{
		{Tier: network.TierPrivate, Bits: 20},
		{Tier: network.TierPublic, Bits: 24},
	})
	os.Stdout.WriteString(p.String())
	// Output:
	// vpc 10.0.0.0/16
	// public    us-east-1a        10.0.128.0/24
	// public    us-east-1b        10.0.136.0/24
	// private   us-east-1a        10.0.0.0/20
	// private   us-east-1b        10.0.16.0/20
}
