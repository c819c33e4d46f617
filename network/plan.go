package network

import (
	"fmt"
	"net/netip"
	"sort"
	"strings"
)

// Tier is a subnet tier: what may live in it and how it reaches the internet.
// The zero value is not a tier.
type Tier uint8

const (
	// TierPublic holds only the load balancer and the NAT gateways; it routes to the internet gateway.
	TierPublic Tier = iota + 1
	// TierPrivate holds compute (EC2, ECS tasks, Lambda ENIs, Batch) and the interface
	// endpoints; its default route, if any, goes to a NAT gateway.
	TierPrivate
	// TierIsolated holds the data stores; it has no route out of the VPC at all.
	TierIsolated
)

// Tiers lists every tier in display order.
var Tiers = []Tier{TierPublic, TierPrivate, TierIsolated}

func (t Tier) String() string {
	switch t {
	case TierPublic:
		return "public"
	case TierPrivate:
		return "private"
	case TierIsolated:
		return "isolated"
	}
	return fmt.Sprintf("Tier(%d)", uint8(t))
}

// ParseTier reads a tier name as written in config and tags.
func ParseTier(s string) (Tier, error) {
	for _, t := range Tiers {
		if t.String() == s {
			return t, nil
		}
	}
	return 0, fmt.Errorf("%q is not a tier; use public, private or isolated", s)
}

// MarshalText makes Tier usable as a JSON/YAML value and map key.
func (t Tier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText is the inverse of MarshalText.
func (t *Tier) UnmarshalText(b []byte) error {
	v, err := ParseTier(string(b))
	if err != nil {
		return err
	}
	*t = v
	return nil
}

// Address layout. Each tier owns a fixed share of the VPC block, and inside it
// every availability zone owns a fixed slot chosen by the zone's letter. Neither
// depends on which other tiers or zones exist, so adding a zone or a tier never
// renumbers an existing subnet: in AWS a renumbered subnet is a replaced subnet,
// and everything in it goes with it.
//
//	private   first half of the VPC block   (compute needs the most addresses)
//	public    third quarter
//	isolated  fourth quarter
//
// A tier's share is split into SlotsPerTier equal slots; a subnet is the first
// prefix of its configured length inside its zone's slot.
const (
	// SlotsPerTier is how many zone slots each tier reserves: zone letters a..h.
	SlotsPerTier = 8
	slotBits     = 3

	// MinSubnetBits and MaxSubnetBits bound a subnet's prefix length (AWS allows /16 to /28).
	MinSubnetBits = 16
	MaxSubnetBits = 28
	// MinVPCBits and MaxVPCBits bound the VPC block (AWS allows /16 to /28).
	MinVPCBits = 16
	MaxVPCBits = 28
)

// share returns the position of the tier's block inside the VPC block: the
// extra prefix bits and the index at that depth.
func (t Tier) share() (bits, index int) {
	switch t {
	case TierPrivate:
		return 1, 0
	case TierPublic:
		return 2, 2
	case TierIsolated:
		return 2, 3
	}
	panic("network: share of invalid tier")
}

// TierSpec asks for one subnet per zone in a tier, each Bits long (e.g. 20 for /20).
type TierSpec struct {
	Tier Tier
	Bits int
}

// Subnet is one planned subnet.
type Subnet struct {
	Tier   Tier
	AZ     string
	Prefix netip.Prefix
}

// Key is the subnet's stable identity, "<tier>-<az>", used in resource names.
func (s Subnet) Key() string { return s.Tier.String() + "-" + s.AZ }

// Plan is the address plan of one VPC.
type Plan struct {
	VPC     netip.Prefix
	Subnets []Subnet // sorted by tier, then zone
	// Existing holds the subnets of an adopted VPC, which the plan steps around
	// and never changes. Empty for a VPC this program creates.
	Existing []ExistingSubnet
}

// ExistingSubnet is a subnet that was there before the platform adopted its VPC.
type ExistingSubnet struct {
	ID     string
	AZ     string
	Prefix netip.Prefix
	// Public means it routes to the internet gateway; during a migration it can
	// hold the NAT gateways and the load balancer until a public tier exists.
	Public bool
	// MapPublicIPOnLaunch is its current setting, kept as found so that adopting
	// it changes nothing; the migration's contract stage turns it off.
	MapPublicIPOnLaunch bool
}

// PublicAZs returns the zones with a public subnet, planned or existing, sorted.
func (p Plan) PublicAZs() []string {
	seen := map[string]bool{}
	for _, s := range p.Tier(TierPublic) {
		seen[s.AZ] = true
	}
	for _, e := range p.Existing {
		if e.Public {
			seen[e.AZ] = true
		}
	}
	out := make([]string, 0, len(seen))
	for az := range seen {
		out = append(out, az)
	}
	sort.Strings(out)
	return out
}

// ZoneSlot returns the slot an availability zone occupies in every tier: its
// final letter (us-east-1a -> 0). Using the letter, not the zone's position in a
// list, keeps the plan the same whatever order the zones come in.
func ZoneSlot(az string) (int, error) {
	if az == "" {
		return 0, fmt.Errorf("empty availability zone name")
	}
	c := az[len(az)-1]
	if c < 'a' || c >= 'a'+SlotsPerTier {
		return 0, fmt.Errorf("availability zone %q: name must end in a letter a-h", az)
	}
	return int(c - 'a'), nil
}

// TierBlock is the block of the VPC reserved for a tier, whether or not the tier is used.
func TierBlock(vpc netip.Prefix, t Tier) (netip.Prefix, error) {
	bits, index := t.share()
	return nthSubprefix(vpc, bits, index)
}

// MaxTierBits returns the largest subnet (smallest prefix length) a tier can have in vpc.
func MaxTierBits(vpc netip.Prefix, t Tier) int {
	bits, _ := t.share()
	return vpc.Bits() + bits + slotBits
}

// NewPlan lays out one subnet per zone for every spec. The result depends only
// on its arguments, never on their order.
func NewPlan(vpc netip.Prefix, azs []string, specs []TierSpec) (Plan, error) {
	fail := func(format string, args ...any) (Plan, error) {
		return Plan{}, fmt.Errorf("network.NewPlan(%q): %s", vpc, fmt.Sprintf(format, args...))
	}
	if !vpc.IsValid() {
		return fail("invalid VPC prefix")
	}
	if !vpc.Addr().Is4() {
		return fail("VPC block must be IPv4")
	}
	if vpc != vpc.Masked() {
		return fail("not a canonical prefix; did you mean %s?", vpc.Masked())
	}
	if vpc.Bits() < MinVPCBits || vpc.Bits() > MaxVPCBits {
		return fail("VPC block must be between /%d and /%d", MinVPCBits, MaxVPCBits)
	}
	if len(azs) == 0 {
		return fail("no availability zones")
	}
	slots := map[int]string{}
	for _, az := range azs {
		slot, err := ZoneSlot(az)
		if err != nil {
			return fail("%v", err)
		}
		if other, dup := slots[slot]; dup {
			return fail("availability zones %q and %q share slot %d", other, az, slot)
		}
		slots[slot] = az
	}
	seen := map[Tier]bool{}
	var out []Subnet
	for _, spec := range specs {
		if spec.Tier < TierPublic || spec.Tier > TierIsolated {
			return fail("invalid tier %d", spec.Tier)
		}
		if seen[spec.Tier] {
			return fail("tier %s given twice", spec.Tier)
		}
		seen[spec.Tier] = true
		if spec.Bits > MaxSubnetBits {
			return fail("tier %s: /%d smaller than /%d", spec.Tier, spec.Bits, MaxSubnetBits)
		}
		if maxBits := MaxTierBits(vpc, spec.Tier); spec.Bits < maxBits {
			return fail("tier %s: /%d subnets do not fit; %s leaves room for /%d or smaller per zone", spec.Tier, spec.Bits, vpc, maxBits)
		}
		block, err := TierBlock(vpc, spec.Tier)
		if err != nil {
			return fail("tier %s: %v", spec.Tier, err)
		}
		for slot, az := range slots {
			slotPrefix, err := nthSubprefix(block, slotBits, slot)
			if err != nil {
				return fail("tier %s: %v", spec.Tier, err)
			}
			out = append(out, Subnet{Tier: spec.Tier, AZ: az, Prefix: netip.PrefixFrom(slotPrefix.Addr(), spec.Bits)})
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

// MustNewPlan is NewPlan for tests with hard-coded inputs; it panics on error.
func MustNewPlan(vpc netip.Prefix, azs []string, specs []TierSpec) Plan {
	p, err := NewPlan(vpc, azs, specs)
	if err != nil {
		panic(err)
	}
	return p
}

// Tier returns the tier's subnets, sorted by zone.
func (p Plan) Tier(t Tier) []Subnet {
	var out []Subnet
	for _, s := range p.Subnets {
		if s.Tier == t {
			out = append(out, s)
		}
	}
	return out
}

// Has reports whether the plan has any subnet in the tier.
func (p Plan) Has(t Tier) bool { return len(p.Tier(t)) > 0 }

// Contains returns the subnet that holds addr, if any.
func (p Plan) Contains(addr netip.Addr) (Subnet, bool) {
	for _, s := range p.Subnets {
		if s.Prefix.Contains(addr) {
			return s, true
		}
	}
	return Subnet{}, false
}

// AZs returns the plan's zones, sorted.
func (p Plan) AZs() []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range p.Subnets {
		if !seen[s.AZ] {
			seen[s.AZ] = true
			out = append(out, s.AZ)
		}
	}
	sort.Strings(out)
	return out
}

// String renders the plan as an aligned table, one subnet a line.
func (p Plan) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "vpc %s\n", p.VPC)
	for _, s := range p.Subnets {
		fmt.Fprintf(&b, "%-8s  %-16s  %s\n", s.Tier, s.AZ, s.Prefix)
	}
	return b.String()
}

// nthSubprefix returns the index-th prefix of length p.Bits()+bits inside p.
func nthSubprefix(p netip.Prefix, bits, index int) (netip.Prefix, error) {
	newBits := p.Bits() + bits
	if newBits > 32 {
		return netip.Prefix{}, fmt.Errorf("%s cannot be split %d more bits", p, bits)
	}
	if index < 0 || index >= 1<<bits {
		return netip.Prefix{}, fmt.Errorf("index %d out of range", index)
	}
	base := p.Masked().Addr().As4()
	v := uint32(base[0])<<24 | uint32(base[1])<<16 | uint32(base[2])<<8 | uint32(base[3])
	v += uint32(index) << (32 - newBits)
	addr := netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
	return netip.PrefixFrom(addr, newBits), nil
}
