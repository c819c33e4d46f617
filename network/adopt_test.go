package network_test

import (
	"net/netip"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/acme/platform/network"
)

// The seed's VPC: 10.0.0.0/16 with three public /24s at the bottom.
var seedTaken = []netip.Prefix{mustPrefix("10.0.0.0/24"), mustPrefix("10.0.1.0/24"), mustPrefix("10.0.2.0/24")}

func TestPlanInFreeSpace_PlacesNewTiersAroundExistingSubnets(t *testing.T) {
	p, err := network.PlanInFreeSpace(mustPrefix("10.0.0.0/16"), []string{"us-east-1b", "us-east-1a"},
		[]network.TierSpec{{Tier: network.TierPrivate, Bits: 20}, {Tier: network.TierIsolated, Bits: 24}}, seedTaken, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "vpc 10.0.0.0/16\n" +
		"private   us-east-1a        10.0.16.0/20\n" +
		"private   us-east-1b        10.0.32.0/20\n" +
		"isolated  us-east-1a        10.0.3.0/24\n" +
		"isolated  us-east-1b        10.0.4.0/24\n"
	if p.String() != want {
		t.Errorf("got\n%s\nwant\n%s", p, want)
	}
}

func TestPlanInFreeSpace_KeepsPinnedSubnets(t *testing.T) {
	pinned := map[string]netip.Prefix{"private-us-east-1a": mustPrefix("10.0.128.0/20")}
	p, err := network.PlanInFreeSpace(mustPrefix("10.0.0.0/16"), []string{"us-east-1a", "us-east-1b"},
		[]network.TierSpec{{Tier: network.TierPrivate, Bits: 20}}, seedTaken, pinned)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Tier(network.TierPrivate)[0].Prefix; got != pinned["private-us-east-1a"] {
		t.Errorf("pinned subnet moved to %s", got)
	}
}

func TestPlanInFreeSpace_Rejects(t *testing.T) {
	specs := []network.TierSpec{{Tier: network.TierPrivate, Bits: 20}}
	azs := []string{"us-east-1a", "us-east-1b"}
	tests := []struct {
		name   string
		vpc    string
		pinned map[string]netip.Prefix
		want   string
	}{
		{"pinned over an existing subnet", "10.0.0.0/16", map[string]netip.Prefix{"private-us-east-1a": mustPrefix("10.0.0.0/20")},
			`network.PlanInFreeSpace("10.0.0.0/16"): pinned subnet "private-us-east-1a": 10.0.0.0/20 overlaps 10.0.0.0/24`},
		{"pinned outside the VPC", "10.0.0.0/16", map[string]netip.Prefix{"private-us-east-1a": mustPrefix("10.9.0.0/20")},
			`network.PlanInFreeSpace("10.0.0.0/16"): pinned subnet "private-us-east-1a": 10.9.0.0/20 lies outside the VPC`},
		{"pinned with the wrong size", "10.0.0.0/16", map[string]netip.Prefix{"private-us-east-1a": mustPrefix("10.0.128.0/24")},
			`network.PlanInFreeSpace("10.0.0.0/16"): pinned subnet "private-us-east-1a": 10.0.128.0/24 is not a /20 like the rest of its tier`},
		{"no room left", "10.0.0.0/20", nil,
			`network.PlanInFreeSpace("10.0.0.0/20"): no free /20 left for private-us-east-1a; the existing subnets leave too little room (pin smaller tiers or add a secondary CIDR first)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := network.PlanInFreeSpace(mustPrefix(tt.vpc), azs, specs, seedTaken, tt.pinned)
			if err == nil || err.Error() != tt.want {
				t.Errorf("got %v\nwant %s", err, tt.want)
			}
		})
	}
}

// Adopting a VPC must never lay a new subnet over one that exists.
func TestPlanInFreeSpace_NeverOverlapsAnExistingSubnet(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		vpc := mustPrefix("10.20.0.0/16")
		// Existing subnets: random non-overlapping blocks of random sizes.
		var taken []netip.Prefix
		for i, n := 0, rapid.IntRange(0, 12).Draw(t, "existing"); i < n; i++ {
			bits := rapid.IntRange(18, 28).Draw(t, "bits")
			idx := rapid.IntRange(0, 1<<(bits-16)-1).Draw(t, "idx")
			addr := netip.AddrFrom4([4]byte{10, 20, 0, 0}).As4()
			v := uint32(addr[0])<<24 | uint32(addr[1])<<16 | uint32(idx)<<(32-bits)
			p := netip.PrefixFrom(netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), bits)
			clash := false
			for _, q := range taken {
				clash = clash || q.Overlaps(p)
			}
			if !clash {
				taken = append(taken, p)
			}
		}
		azs := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}[:rapid.IntRange(1, 3).Draw(t, "zones")]
		specs := []network.TierSpec{
			{Tier: network.TierPrivate, Bits: rapid.IntRange(20, 26).Draw(t, "private")},
			{Tier: network.TierIsolated, Bits: rapid.IntRange(22, 28).Draw(t, "isolated")},
		}
		p, err := network.PlanInFreeSpace(vpc, azs, specs, taken, nil)
		if err != nil {
			if strings.Contains(err.Error(), "no free") {
				return // a crowded VPC may truly be full
			}
			t.Fatal(err)
		}
		for i, s := range p.Subnets {
			if !vpc.Contains(s.Prefix.Addr()) || s.Prefix != s.Prefix.Masked() {
				t.Fatalf("%s outside the VPC or not canonical", s.Prefix)
			}
			for _, e := range taken {
				if e.Overlaps(s.Prefix) {
					t.Fatalf("%s (%s) overlaps existing %s", s.Key(), s.Prefix, e)
				}
			}
			for _, o := range p.Subnets[i+1:] {
				if o.Prefix.Overlaps(s.Prefix) {
					t.Fatalf("%s overlaps %s", s.Key(), o.Key())
				}
			}
		}
		again, _ := network.PlanInFreeSpace(vpc, azs, specs, taken, nil)
		if again.String() != p.String() {
			t.Fatal("not deterministic")
		}
	})
}
