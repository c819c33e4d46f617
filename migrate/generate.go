package migrate

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/network"
	"github.com/acme/platform/stack"
)

// Options choose what GenerateStack writes. Only StackName is required; every
// other field has a default taken from the inventory.
type Options struct {
	// VpcID is the VPC to adopt. Default: the VPC of the inventory whose
	// network interfaces include workloads (EC2, ECS, Batch, Lambda, RDS,
	// ElastiCache), or the only VPC there is.
	VpcID string
	// StackName is the Pulumi stack the file is for: Pulumi.<StackName>.yaml,
	// and the stack default tag. Required.
	StackName string
	// Name is platform:name, the prefix of every resource name. Default:
	// StackName. Every later stage must keep it, or each stage would create
	// new resources instead of updating these.
	Name string
	// Region is aws:region. Default: the region of the existing subnets' zones.
	Region string
	// Owner is the owner default tag. Default: the VPC's owner or team tag.
	Owner string
	// AvailabilityZones are the zones the new tiers use. Default: the zones the
	// existing subnets use, which must be at least two.
	AvailabilityZones []string
	// PrivatePrefixLength and IsolatedPrefixLength size the subnets of the new
	// tiers (20 for /20). Default: four and eight bits longer than the VPC
	// block (a /16 VPC gets /20 private and /24 isolated subnets), each made
	// smaller until the tiers fit in the free space.
	PrivatePrefixLength  int
	IsolatedPrefixLength int
	// NAT is how the new private tier reaches out: single or perAz (default).
	// none is refused: without NAT the program needs the Session Manager
	// interface endpoints, and those wait for DNS hostnames (stage 1).
	NAT network.NATMode
	// Protect sets platform:protect (a production stack). Adopted resources
	// are protected whatever it says.
	Protect bool
	// EnableDNSHostnames is the VPC's current enableDnsHostnames attribute,
	// which describe-vpcs does not show. Default false, the AWS default for a
	// VPC created outside the console wizard; the file says how to check.
	EnableDNSHostnames bool
	// Snapshot is the audit snapshot folder the file is generated from, as
	// the stack file names it (relative to the project's root, or absolute).
	// Set, the file is the import-only first stage of a migration: it carries
	// platform:migration and imports the VPC, its gateway, subnets, route
	// tables, security groups and old workloads, and creates nothing. Unset,
	// it is the older adopt stage that also creates the new tiers.
	Snapshot string
	// Stages names the migration's stages in order (platform:migration.stages).
	// Default DefaultStages. Only with Snapshot.
	Stages []string
	// AdoptAurora adopts every Aurora cluster of the VPC in the import-only
	// stage (Snapshot set): an aurora workload with adopt, imported with the
	// snapshot's values, and a schedule that moves it into the isolated tier
	// over Stages (compute.PlanAuroraMove). Every later stage file carries the
	// same workload (docs/migration.md, Moving an Aurora cluster).
	AdoptAurora bool
}

// draft is everything GenerateStack decided, ready to render.
type draft struct {
	opts      Options
	vpc       audit.VPC
	vpcCIDR   netip.Prefix
	region    string
	owner     string
	ownerFrom string
	name      string
	zones     []string
	zonesFrom string
	igw       string
	subnets   []audit.Subnet
	plan      network.Plan
	priv, iso int
	derived   bool // at least one prefix length was derived, not given
	nat       network.NATMode
	others    []otherNetwork
	notes     []string // things to check before the first preview
	inv       *audit.Inventory

	// The import-only stage's imports (Options.Snapshot set).
	stages       []string
	routeTables  []audit.RouteTable
	groups       []oldGroup
	oldWorkloads []oldWorkload
	clusters     []adoptedCluster // the Aurora clusters it adopts
	caches       []adoptedCache
}

type otherNetwork struct {
	cidr     netip.Prefix
	vpc      audit.VPC
	overlaps bool
}

// GenerateStack returns an adopt-mode stack file (Pulumi.<StackName>.yaml)
// for one VPC of the inventory: stage 0 of docs/migration.md. The file is
// validated with stack.Parse before it is returned.
func GenerateStack(inv *audit.Inventory, opts Options) ([]byte, error) {
	d, err := newDraft(inv, opts)
	if err != nil {
		return nil, err
	}
	out := d.render()
	values, err := stack.ParseStackYAML(out)
	if err != nil {
		return nil, fmt.Errorf("migrate: the generated stack file does not parse (a bug): %w", err)
	}
	if _, err := stack.Parse(opts.StackName, values); err != nil {
		return nil, fmt.Errorf("migrate: the stack file generated for %s is not valid:\n%w", d.vpc.ID, err)
	}
	return out, nil
}

// WorkloadVPC returns the VPC GenerateStack and ImportFile adopt by default:
// the one VPC whose interfaces include workloads, or the only VPC there is.
func WorkloadVPC(inv *audit.Inventory) (string, error) {
	if inv == nil || len(inv.VPCs) == 0 {
		return "", errors.New("migrate: the inventory has no VPC; collect aws ec2 describe-vpcs")
	}
	if len(inv.VPCs) == 1 {
		return inv.VPCs[0].ID, nil
	}
	var withWorkloads []string
	for _, v := range inv.VPCs {
		for _, ifc := range inv.Interfaces {
			if ifc.VPCID == v.ID && ifc.Kind.IsWorkload() {
				withWorkloads = append(withWorkloads, v.ID)
				break
			}
		}
	}
	switch len(withWorkloads) {
	case 1:
		return withWorkloads[0], nil
	case 0:
		return "", fmt.Errorf("migrate: none of the %d VPCs (%s) runs workloads; name the one to adopt", len(inv.VPCs), strings.Join(vpcIDs(inv), ", "))
	}
	sort.Strings(withWorkloads)
	return "", fmt.Errorf("migrate: %d VPCs run workloads (%s); name the one to adopt, one stack per VPC", len(withWorkloads), strings.Join(withWorkloads, ", "))
}

func vpcIDs(inv *audit.Inventory) []string {
	var ids []string
	for _, v := range inv.VPCs {
		ids = append(ids, v.ID)
	}
	sort.Strings(ids)
	return ids
}

// pickVPC resolves a VPC ID, "" meaning WorkloadVPC.
func pickVPC(inv *audit.Inventory, id string) (audit.VPC, error) {
	if inv == nil {
		return audit.VPC{}, errors.New("migrate: no inventory")
	}
	if id == "" {
		var err error
		if id, err = WorkloadVPC(inv); err != nil {
			return audit.VPC{}, err
		}
	}
	v, ok := inv.VPC(id)
	if !ok {
		return audit.VPC{}, fmt.Errorf("migrate: %s is not in the inventory (VPCs: %s)", id, strings.Join(vpcIDs(inv), ", "))
	}
	return *v, nil
}

// tierTag is the tag the network package puts on the subnets it creates.
const tierTag = "platform:tier"

func newDraft(inv *audit.Inventory, opts Options) (*draft, error) {
	if opts.StackName == "" {
		return nil, errors.New("migrate: Options.StackName is required (the file is Pulumi.<StackName>.yaml)")
	}
	vpc, err := pickVPC(inv, opts.VpcID)
	if err != nil {
		return nil, err
	}
	d := &draft{opts: opts, vpc: vpc, inv: inv, name: opts.Name}
	if d.name == "" {
		d.name = opts.StackName
	}
	d.vpcCIDR, err = netip.ParsePrefix(vpc.CIDR)
	if err != nil {
		return nil, fmt.Errorf("migrate: %s has no usable IPv4 block (%q)", vpc.ID, vpc.CIDR)
	}

	for _, s := range inv.Subnets {
		if s.VPCID == vpc.ID {
			d.subnets = append(d.subnets, s)
		}
	}
	if len(d.subnets) == 0 {
		return nil, fmt.Errorf("migrate: %s has no subnets in the inventory; collect aws ec2 describe-subnets", vpc.ID)
	}
	sort.Slice(d.subnets, func(i, j int) bool {
		a, b := d.subnets[i], d.subnets[j]
		if a.AZ != b.AZ {
			return a.AZ < b.AZ
		}
		return comparePrefix(a.CIDR, b.CIDR) < 0
	})
	var problems []string
	var taken []netip.Prefix
	igws := map[string]bool{}
	zoneSet := map[string]bool{}
	hasPublic := false
	for _, s := range d.subnets {
		if v, ok := s.Tags[tierTag]; ok {
			problems = append(problems, fmt.Sprintf("%s carries the %s=%s tag: the platform program created it, so this snapshot was taken after stage 0; generate from a snapshot taken before the first pulumi up, or edit the stack file you already have", s.ID, tierTag, v))
		}
		p, err := netip.ParsePrefix(s.CIDR)
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s has no usable IPv4 range (%q)", s.ID, s.CIDR))
			continue
		}
		taken = append(taken, p)
		switch s.Tier {
		case audit.TierUnknown:
			problems = append(problems, fmt.Sprintf("%s: no route table applies, so whether it is public is unknown; collect aws ec2 describe-route-tables", s.ID))
		case audit.TierPublic:
			hasPublic = true
			if strings.HasPrefix(s.DefaultRoute, "igw-") {
				igws[s.DefaultRoute] = true
			}
		}
		zoneSet[s.AZ] = true
	}
	// An internet gateway the public subnets do not use is still attached to
	// the VPC (at most one is): find it in any of the VPC's route tables.
	for _, rt := range inv.RouteTables {
		if rt.VPCID != vpc.ID {
			continue
		}
		for _, r := range rt.Routes {
			if strings.HasPrefix(r.Target, "igw-") && !r.Blackhole {
				igws[r.Target] = true
			}
		}
	}
	switch ids := sortedKeys(igws); len(ids) {
	case 0:
	case 1:
		d.igw = ids[0]
	default:
		problems = append(problems, fmt.Sprintf("routes of %s lead to %d internet gateways (%s); a VPC has at most one attached, so the snapshot is inconsistent", vpc.ID, len(ids), strings.Join(ids, ", ")))
	}
	if !hasPublic {
		problems = append(problems, fmt.Sprintf("%s has no public subnet (none routes to an internet gateway), so there is nowhere to put the NAT gateways the new private tier needs; add a public subnet by hand first", vpc.ID))
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("migrate: cannot adopt %s:\n  %s", vpc.ID, strings.Join(problems, "\n  "))
	}

	// Region: from the zones, unless given.
	regions := map[string]bool{}
	for az := range zoneSet {
		regions[regionOf(az)] = true
	}
	d.region = opts.Region
	if d.region == "" {
		rs := sortedKeys(regions)
		if len(rs) != 1 {
			return nil, fmt.Errorf("migrate: the subnets of %s are in zones of %d regions (%s); set the region", vpc.ID, len(rs), strings.Join(rs, ", "))
		}
		d.region = rs[0]
	}

	// Zones: those the existing subnets use, unless given.
	if len(opts.AvailabilityZones) > 0 {
		d.zones = slices.Clone(opts.AvailabilityZones)
		sort.Strings(d.zones)
		d.zonesFrom = "chosen when the file was generated"
	} else {
		d.zones = sortedKeys(zoneSet)
		d.zonesFrom = "the zones the existing subnets use"
		if len(d.zones) < network.MinAZs {
			return nil, fmt.Errorf("migrate: the subnets of %s use %d zone (%s); the platform needs at least %d, so name the zones to use (the existing one and another)", vpc.ID, len(d.zones), strings.Join(d.zones, ", "), network.MinAZs)
		}
	}

	// Owner: given, or the VPC's owner or team tag.
	d.owner, d.ownerFrom = opts.Owner, ""
	if d.owner == "" {
		for _, k := range []string{"owner", "Owner", "team", "Team"} {
			if v := strings.TrimSpace(vpc.Tags[k]); v != "" {
				d.owner, d.ownerFrom = v, k
				break
			}
		}
	}
	if d.owner == "" {
		return nil, fmt.Errorf("migrate: %s has no owner or team tag; say who owns the stack (Options.Owner, --owner)", vpc.ID)
	}

	d.nat = opts.NAT
	switch d.nat {
	case "":
		d.nat = network.NATPerAZ
	case network.NATNone:
		return nil, errors.New("migrate: nat none is not possible while adopting: without NAT the program adds the Session Manager interface endpoints, whose private DNS needs DNS hostnames, which stage 1 turns on; adopt with perAz (or single), and drop NAT later if you want")
	case network.NATSingle, network.NATPerAZ:
	default:
		return nil, fmt.Errorf("migrate: %q is not a NAT mode; use single or perAz", d.nat)
	}

	if err := d.planTiers(taken); err != nil {
		return nil, err
	}
	d.findOthers()
	d.collectNotes()
	if opts.Snapshot != "" {
		d.stages = opts.Stages
		if len(d.stages) == 0 {
			d.stages = DefaultStages
		}
		d.findLegacy()
		if opts.AdoptAurora {
			if err := d.findClusters(); err != nil {
				return nil, err
			}
		}
		taken := map[string]bool{}
		for _, o := range d.oldWorkloads {
			taken[o.name] = true
		}
		for _, c := range d.clusters {
			taken[c.workload] = true
		}
		d.findCaches(taken)
	} else if opts.AdoptAurora {
		return nil, errors.New("migrate: Options.AdoptAurora needs Options.Snapshot: clusters are adopted by the import-only stage")
	} else if len(opts.Stages) > 0 {
		return nil, errors.New("migrate: Options.Stages needs Options.Snapshot: only the import-only stage carries platform:migration")
	}
	return d, nil
}

// planTiers lays out the private and isolated tiers in the free space,
// shrinking derived prefix lengths until they fit.
func (d *draft) planTiers(taken []netip.Prefix) error {
	vb := d.vpcCIDR.Bits()
	clamp := func(b int) int { return min(max(b, network.MinSubnetBits), network.MaxSubnetBits) }
	d.priv, d.iso = d.opts.PrivatePrefixLength, d.opts.IsolatedPrefixLength
	autoPriv, autoIso := d.priv == 0, d.iso == 0
	d.derived = autoPriv || autoIso
	if autoPriv {
		d.priv = clamp(vb + 4)
	}
	if autoIso {
		d.iso = max(clamp(vb+8), d.priv)
	}
	for {
		specs := []network.TierSpec{{Tier: network.TierPrivate, Bits: d.priv}, {Tier: network.TierIsolated, Bits: d.iso}}
		plan, err := network.PlanInFreeSpace(d.vpcCIDR, d.zones, specs, taken, nil)
		if err == nil {
			d.plan = plan
			return nil
		}
		grew := false
		if autoPriv && d.priv < network.MaxSubnetBits {
			d.priv++
			grew = true
		}
		if autoIso && d.iso < network.MaxSubnetBits {
			d.iso++
			grew = true
		}
		if !grew {
			return fmt.Errorf("migrate: the new tiers do not fit in %s (%s): %w", d.vpc.ID, d.vpcCIDR, err)
		}
	}
}

// findOthers lists the other VPCs' blocks: ranges this VPC must never overlap.
func (d *draft) findOthers() {
	for _, v := range d.inv.VPCs {
		if v.ID == d.vpc.ID {
			continue
		}
		blocks := v.CIDRs
		if len(blocks) == 0 && v.CIDR != "" {
			blocks = []string{v.CIDR}
		}
		for _, c := range blocks {
			p, err := netip.ParsePrefix(c)
			if err != nil || !p.Addr().Is4() {
				continue
			}
			d.others = append(d.others, otherNetwork{cidr: p.Masked(), vpc: v, overlaps: p.Overlaps(d.vpcCIDR)})
		}
	}
	sort.Slice(d.others, func(i, j int) bool { return comparePrefix(d.others[i].cidr.String(), d.others[j].cidr.String()) < 0 })
}

// collectNotes lists what the program cannot express and the import would
// trip over, so the operator checks it before the first preview.
func (d *draft) collectNotes() {
	if len(d.vpc.IPv6CIDRs) > 0 {
		d.notes = append(d.notes, fmt.Sprintf("%s has IPv6 blocks (%s); the program does not manage IPv6, so expect the VPC import to report a difference and fail until it does", d.vpc.ID, strings.Join(d.vpc.IPv6CIDRs, ", ")))
	}
	for _, c := range d.vpc.CIDRs {
		if c != d.vpc.CIDR {
			d.notes = append(d.notes, fmt.Sprintf("%s also has the secondary block %s; the program plans only in the primary block %s", d.vpc.ID, c, d.vpc.CIDR))
		}
	}
	tiers := map[audit.Tier]int{}
	for _, s := range d.subnets {
		tiers[s.Tier]++
	}
	if tiers[audit.TierPrivate]+tiers[audit.TierIsolated] > 0 {
		d.notes = append(d.notes, fmt.Sprintf("the VPC already has %d private and %d isolated subnets; the program cannot take an existing subnet as one of its tiers, so it adds its own beside them and they are listed under existing like the public ones: move their workloads like the others, or keep them and skip stage 2 for them", tiers[audit.TierPrivate], tiers[audit.TierIsolated]))
	}
	for _, s := range d.subnets {
		if len(s.IPv6CIDRs) > 0 {
			d.notes = append(d.notes, fmt.Sprintf("%s has an IPv6 range (%s); the program does not manage IPv6, so expect its import to report a difference", s.ID, strings.Join(s.IPv6CIDRs, ", ")))
		}
	}
}

// regionOf strips the zone letter: eu-west-1a -> eu-west-1.
func regionOf(az string) string {
	if n := len(az); n > 1 && az[n-1] >= 'a' && az[n-1] <= 'z' {
		return az[:n-1]
	}
	return az
}

func comparePrefix(a, b string) int {
	pa, ea := netip.ParsePrefix(a)
	pb, eb := netip.ParsePrefix(b)
	if ea != nil || eb != nil {
		return strings.Compare(a, b)
	}
	if c := pa.Addr().Compare(pb.Addr()); c != 0 {
		return c
	}
	return pa.Bits() - pb.Bits()
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
