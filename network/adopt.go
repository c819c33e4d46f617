package network

import (
	"fmt"
	"net/netip"
	"sort"
)

// adoptOrder is the order tiers are placed in free space when adopting a VPC:
// the tiers a migration adds first, largest first.
var adoptOrder = []Tier{TierPrivate, TierIsolated, TierPublic}

// PlanInFreeSpace lays out the requested tiers inside an existing VPC, around
// the ranges its current subnets already hold. A subnet named in pinned (by
// Subnet.Key(), e.g. "private-us-east-1a") keeps the given prefix; every other
// one takes the lowest free block of its size, tiers in the order private,
// isolated, public and zones by name.
//
// The free-space choice depends on what exists, so a stack that adopts a VPC
// should pin every planned subnet once it is deployed: the adopt-config
// generator writes the pinned prefixes, which keeps each subnet's range fixed
// however the VPC changes around it.
func PlanInFreeSpace(vpc netip.Prefix, azs []string, specs []TierSpec, taken []netip.Prefix, pinned map[string]netip.Prefix) (Plan, error) {
	fail := func(format string, args ...any) (Plan, error) {
		return Plan{}, fmt.Errorf("network.PlanInFreeSpace(%q): %s", vpc, fmt.Sprintf(format, args...))
	}
	if !vpc.IsValid() || !vpc.Addr().Is4() || vpc != vpc.Masked() {
		return fail("the VPC block must be a canonical IPv4 prefix")
	}
	if len(azs) == 0 {
		return fail("no availability zones")
	}
	zones := append([]string(nil), azs...)
	sort.Strings(zones)
	for i := 1; i < len(zones); i++ {
		if zones[i] == zones[i-1] {
			return fail("availability zone %q listed twice", zones[i])
		}
	}
	bits := map[Tier]int{}
	for _, s := range specs {
		if s.Tier < TierPublic || s.Tier > TierIsolated {
			return fail("invalid tier %d", s.Tier)
		}
		if _, dup := bits[s.Tier]; dup {
			return fail("tier %s given twice", s.Tier)
		}
		if s.Bits < vpc.Bits() || s.Bits > MaxSubnetBits {
			return fail("tier %s: /%d must be between /%d and /%d", s.Tier, s.Bits, vpc.Bits(), MaxSubnetBits)
		}
		bits[s.Tier] = s.Bits
	}

	used := append([]netip.Prefix(nil), taken...)
	overlapsUsed := func(p netip.Prefix) (netip.Prefix, bool) {
		for _, u := range used {
			if u.Overlaps(p) {
				return u, true
			}
		}
		return netip.Prefix{}, false
	}
	var out []Subnet

	// Pinned subnets first, so the free-space search steps around them.
	for _, key := range sortedPinned(pinned) {
		p := pinned[key]
		tier, az, ok := splitKey(key)
		if !ok {
			return fail("pinned subnet %q: want <tier>-<zone>", key)
		}
		b, planned := bits[tier]
		if !planned || !contains(zones, az) {
			return fail("pinned subnet %q is not a planned tier and zone", key)
		}
		switch {
		case p != p.Masked():
			return fail("pinned subnet %q: %s is not canonical", key, p)
		case p.Bits() != b:
			return fail("pinned subnet %q: %s is not a /%d like the rest of its tier", key, p, b)
		case !vpc.Contains(p.Addr()) || p.Bits() < vpc.Bits():
			return fail("pinned subnet %q: %s lies outside the VPC", key, p)
		}
		if u, clash := overlapsUsed(p); clash {
			return fail("pinned subnet %q: %s overlaps %s", key, p, u)
		}
		used = append(used, p)
		out = append(out, Subnet{Tier: tier, AZ: az, Prefix: p})
	}

	for _, tier := range adoptOrder {
		b, ok := bits[tier]
		if !ok {
			continue
		}
		for _, az := range zones {
			key := Subnet{Tier: tier, AZ: az}.Key()
			if _, done := pinned[key]; done {
				continue
			}
			p, found := firstFree(vpc, b, used)
			if !found {
				return fail("no free /%d left for %s; the existing subnets leave too little room (pin smaller tiers or add a secondary CIDR first)", b, key)
			}
			used = append(used, p)
			out = append(out, Subnet{Tier: tier, AZ: az, Prefix: p})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Tier != out[j].Tier {
			return out[i].Tier < out[j].Tier
		}
		return out[i].AZ < out[j].AZ
	})
	return Plan{VPC: vpc, Subnets: out}, nil
}

// firstFree returns the lowest aligned /bits block of vpc that overlaps nothing in used.
func firstFree(vpc netip.Prefix, bits int, used []netip.Prefix) (netip.Prefix, bool) {
	n := 1 << (bits - vpc.Bits())
	for i := 0; i < n; i++ {
		p, err := nthSubprefix(vpc, bits-vpc.Bits(), i)
		if err != nil {
			return netip.Prefix{}, false
		}
		clash := false
		for _, u := range used {
			if u.Overlaps(p) {
				clash = true
				// Skip past a larger used block in one step.
				if u.Bits() < p.Bits() {
					i += (1 << (p.Bits() - u.Bits())) - 1 - (i % (1 << (p.Bits() - u.Bits())))
				}
				break
			}
		}
		if !clash {
			return p, true
		}
	}
	return netip.Prefix{}, false
}

func splitKey(key string) (Tier, string, bool) {
	for _, t := range Tiers {
		prefix := t.String() + "-"
		if len(key) > len(prefix) && key[:len(prefix)] == prefix {
			return t, key[len(prefix):], true
		}
	}
	return 0, "", false
}

func sortedPinned(m map[string]netip.Prefix) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
