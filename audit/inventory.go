package audit

import (
	"slices"
	"strings"
)

// Tier says how a subnet reaches the internet, which is what decides what may
// run in it.
type Tier string

const (
	// TierPublic subnets have a default route to an internet gateway: an
	// interface with a public IP in them is reachable from the internet.
	TierPublic Tier = "public"
	// TierPrivate subnets have a default route to something that is not an
	// internet gateway (NAT gateway, transit gateway, firewall appliance...):
	// they can call out but cannot be called from the internet.
	TierPrivate Tier = "private"
	// TierIsolated subnets have no default route at all: only the VPC (and
	// whatever the more specific routes reach) can talk to them.
	TierIsolated Tier = "isolated"
	// TierUnknown is used when no route table applies to the subnet, which
	// only happens when describe-route-tables was not collected or is
	// incomplete. It is never treated as public.
	TierUnknown Tier = "unknown"
)

// tierOrder is the order tiers are listed in reports: outside in.
var tierOrder = []Tier{TierPublic, TierPrivate, TierIsolated, TierUnknown}

func tierRank(t Tier) int {
	if i := slices.Index(tierOrder, t); i >= 0 {
		return i
	}
	return len(tierOrder)
}

// Inventory is the parsed snapshot of an account's network. Load and
// LoadFiles fill it from describe-* output and call Classify; code that
// builds or edits an Inventory by hand calls Classify itself.
type Inventory struct {
	VPCs           []VPC
	Subnets        []Subnet
	RouteTables    []RouteTable
	SecurityGroups []SecurityGroup
	Interfaces     []Interface

	// What runs in the network and the plumbing around it, each empty
	// when its call was not read (see Reads).
	Instances                []Instance
	NATGateways              []NATGateway
	VPCEndpoints             []VPCEndpoint
	PrefixLists              []PrefixList
	LoadBalancers            []LoadBalancer
	DBClusters               []DBCluster
	DBInstances              []DBInstance
	DBSubnetGroups           []DBSubnetGroup
	DBClusterParameterGroups []DBClusterParameterGroup
	ReplicationGroups        []ReplicationGroup
	CacheClusters            []CacheCluster
	CacheSubnetGroups        []CacheSubnetGroup
	LambdaFunctions          []LambdaFunction
	ECSClusters              []ECSCluster
	ECSServices              []ECSService
	ECSTasks                 []ECSTask
	BatchComputeEnvironments []BatchComputeEnvironment
	BatchJobQueues           []BatchJobQueue
	AutoScalingGroups        []AutoScalingGroup
	LaunchTemplateVersions   []LaunchTemplateVersion
	LaunchConfigurations     []LaunchConfiguration

	// Region is the region the live reader read, empty for a
	// hand-collected snapshot.
	Region string
	// Reads says, for every call of Calls, whether its output is in the
	// inventory. Nil for an inventory built by hand.
	Reads []CallResult

	// Owners are the workloads and plumbing that use the network, derived
	// by Classify from the objects above; interfaces and groups point at
	// them.
	Owners []Owner
}

// VPC is one entry of describe-vpcs.
type VPC struct {
	ID      string
	Name    string // the Name tag, if any
	OwnerID string
	// CIDR is the primary IPv4 block; CIDRs lists every associated IPv4
	// block, primary first, because new subnets may be carved from any.
	CIDR      string
	CIDRs     []string
	IPv6CIDRs []string
	IsDefault bool
	Tags      map[string]string
}

// Subnet is one entry of describe-subnets plus what Classify derived from
// the route tables.
type Subnet struct {
	ID                  string
	Name                string
	VPCID               string
	AZ                  string
	AZID                string
	CIDR                string
	IPv6CIDRs           []string
	MapPublicIPOnLaunch bool
	AvailableIPs        int
	Tags                map[string]string

	// RouteTableID is the table that routes this subnet. ViaMainTable is
	// true when that is the VPC's main table because the subnet has no
	// explicit association: such subnets silently change tier whenever
	// someone edits the main table.
	RouteTableID string
	ViaMainTable bool
	// DefaultRoute is the target (igw-..., nat-..., tgw-...) of the default
	// route that decided the tier, empty for isolated subnets.
	DefaultRoute string
	// InternetForm names how the routes that decided the tier cover the
	// whole internet: "0.0.0.0/0 (all of IPv4)", "0.0.0.0/1 + 128.0.0.0/1
	// (together all of IPv4)", a prefix list... Empty for isolated subnets.
	InternetForm string
	Tier         Tier
}

// RouteTable is one entry of describe-route-tables.
type RouteTable struct {
	ID        string
	Name      string
	VPCID     string
	Main      bool
	SubnetIDs []string // explicit associations only
	Routes    []Route
}

// Route is one route of a route table, flattened to a destination and a
// single target id.
type Route struct {
	// Destination is an IPv4 or IPv6 CIDR, or a prefix list id (pl-...) for
	// gateway endpoint routes.
	Destination string
	// Target is the id of the next hop: "local", igw-..., nat-..., tgw-...,
	// pcx-..., eni-..., vpce-..., eigw-... and so on.
	Target string
	// Blackhole routes point at a target that was deleted; traffic matching
	// them is dropped, so they are ignored when classifying.
	Blackhole bool
}

// SecurityGroup is one entry of describe-security-groups.
type SecurityGroup struct {
	ID          string
	Name        string
	Description string
	VPCID       string
	OwnerID     string
	Tags        map[string]string
	Ingress     []Rule
	Egress      []Rule
}

// Rule is one IpPermissions entry. AWS groups several sources under one
// protocol and port range; the audit keeps that grouping so a finding points
// at the rule as the console shows it.
type Rule struct {
	// Protocol is IpProtocol as AWS prints it: "-1" for all traffic, "tcp",
	// "udp", "icmp", "icmpv6" or an IP protocol number.
	Protocol string
	// FromPort and ToPort are -1 when AWS omits them (all traffic) or means
	// "all" (ICMP types).
	FromPort int
	ToPort   int
	// CIDRs holds IPv4 then IPv6 ranges.
	CIDRs         []string
	GroupIDs      []string
	PrefixListIDs []string

	// world holds the forms in which the sources reach the whole internet,
	// set by Findings.
	world []string
	// parts are the rules a synthetic rule combines (combinedRules).
	parts []Rule
}

// Interface is one entry of describe-network-interfaces. Kind is derived by
// Classify from the other fields.
type Interface struct {
	ID               string
	Type             string // InterfaceType: interface, lambda, nat_gateway, ...
	Description      string
	RequesterID      string
	RequesterManaged bool
	Status           string
	VPCID            string
	SubnetID         string
	AZ               string
	PrivateIP        string
	PublicIP         string
	InstanceID       string
	GroupIDs         []string
	Tags             map[string]string

	Kind OwnerKind
	// Owner is the ID of the Owner the interface belongs to, empty when no
	// object read claims it; OwnerSource says how that was decided.
	Owner       string
	OwnerSource OwnerSource
}

// Classify derives each subnet's route table, default route and tier, and
// each interface's owner kind, overwriting whatever those fields held. It is
// idempotent. Tests and tools that set Tier and Kind by hand on a partial
// inventory (no route tables, say) should not call it.
func (inv *Inventory) Classify() {
	mainTable := map[string]*RouteTable{}
	explicit := map[string]*RouteTable{}
	for i := range inv.RouteTables {
		rt := &inv.RouteTables[i]
		if rt.Main {
			mainTable[rt.VPCID] = rt
		}
		for _, id := range rt.SubnetIDs {
			explicit[id] = rt
		}
	}
	for i := range inv.Subnets {
		s := &inv.Subnets[i]
		rt, viaMain := explicit[s.ID], false
		if rt == nil {
			rt, viaMain = mainTable[s.VPCID], true
		}
		if rt == nil {
			s.RouteTableID, s.ViaMainTable, s.DefaultRoute, s.InternetForm, s.Tier = "", false, "", "", TierUnknown
			continue
		}
		s.RouteTableID, s.ViaMainTable = rt.ID, viaMain
		s.Tier, s.DefaultRoute, s.InternetForm = inv.routeTier(rt.Routes)
	}
	for i := range inv.Interfaces {
		inv.Interfaces[i].Kind = ClassifyInterface(inv.Interfaces[i])
		inv.Interfaces[i].Owner, inv.Interfaces[i].OwnerSource = "", SourceDescription
		if inv.Interfaces[i].Kind == OwnerOther {
			inv.Interfaces[i].OwnerSource = SourceNone
		}
	}
	inv.classifyOwners()
}

// TierOf classifies a set of routes. Routes to an internet gateway whose
// destinations together cover the whole internet (0.0.0.0/0, ::/0, two
// halves, 2000::/3...) make the subnet public, on either address family,
// because IPv6 addresses are globally reachable through it just as public
// IPv4 ones are. Otherwise routes that together cover it through anything
// else (NAT, transit gateway, appliance, or a mix with the gateway) make it
// private; without either it is isolated. TierOf cannot see into prefix
// lists; Classify, which has the inventory's, does.
func TierOf(routes []Route) (tier Tier, defaultRoute string) {
	tier, defaultRoute, _ = (&Inventory{}).routeTier(routes)
	return tier, defaultRoute
}

// routeTier is TierOf with the inventory's prefix lists, and the form in
// which the deciding routes cover the internet.
func (inv *Inventory) routeTier(routes []Route) (tier Tier, target, form string) {
	var gateway, out []Route
	for _, r := range routes {
		if r.Blackhole || r.Target == "" || r.Target == "local" {
			continue
		}
		out = append(out, r)
		if strings.HasPrefix(r.Target, "igw-") {
			gateway = append(gateway, r)
		}
	}
	if forms := inv.routeForms(gateway); len(forms) > 0 {
		return TierPublic, targetOf(gateway), forms[0]
	}
	if forms := inv.routeForms(out); len(forms) > 0 {
		// Part of the internet goes through the gateway, the rest does
		// not: name the other hop, which is what keeps the subnet private.
		rest := slices.DeleteFunc(slices.Clone(out), func(r Route) bool { return strings.HasPrefix(r.Target, "igw-") })
		return TierPrivate, targetOf(rest), forms[0]
	}
	return TierIsolated, "", ""
}

// routeForms is worldForms over the routes' destinations.
func (inv *Inventory) routeForms(routes []Route) []string {
	var cidrs, lists []string
	for _, r := range routes {
		if strings.HasPrefix(r.Destination, "pl-") {
			lists = append(lists, r.Destination)
		} else {
			cidrs = append(cidrs, r.Destination)
		}
	}
	return inv.worldForms(cidrs, lists)
}

// targetOf names the next hop of a set of routes that covers the internet:
// the target of its default route (0.0.0.0/0 first, then ::/0), or else of
// its first route.
func targetOf(routes []Route) string {
	for _, dst := range []string{"0.0.0.0/0", "::/0"} {
		for _, r := range routes {
			if r.Destination == dst {
				return r.Target
			}
		}
	}
	return routes[0].Target
}

// VPC returns the VPC with the given id.
func (inv *Inventory) VPC(id string) (*VPC, bool) {
	for i := range inv.VPCs {
		if inv.VPCs[i].ID == id {
			return &inv.VPCs[i], true
		}
	}
	return nil, false
}

// Subnet returns the subnet with the given id.
func (inv *Inventory) Subnet(id string) (*Subnet, bool) {
	for i := range inv.Subnets {
		if inv.Subnets[i].ID == id {
			return &inv.Subnets[i], true
		}
	}
	return nil, false
}

// SecurityGroup returns the security group with the given id.
func (inv *Inventory) SecurityGroup(id string) (*SecurityGroup, bool) {
	for i := range inv.SecurityGroups {
		if inv.SecurityGroups[i].ID == id {
			return &inv.SecurityGroups[i], true
		}
	}
	return nil, false
}

// AttachedKinds lists, in report order, the kinds of the interfaces that use
// the security group. An empty result means the group is attached to
// nothing.
func (inv *Inventory) AttachedKinds(groupID string) []OwnerKind {
	var kinds []OwnerKind
	for _, o := range inv.Owners {
		if slices.Contains(o.Groups, groupID) && !slices.Contains(kinds, o.Kind) {
			kinds = append(kinds, o.Kind)
		}
	}
	for _, ifc := range inv.Interfaces {
		if slices.Contains(ifc.GroupIDs, groupID) && !slices.Contains(kinds, ifc.Kind) {
			kinds = append(kinds, ifc.Kind)
		}
	}
	sortKinds(kinds)
	return kinds
}

// GroupOwners lists the owners whose own description names the security
// group, in report order.
func (inv *Inventory) GroupOwners(groupID string) []Owner {
	var out []Owner
	for _, o := range inv.Owners {
		if slices.Contains(o.Groups, groupID) {
			out = append(out, o)
		}
	}
	return out
}

// InterfacesInGroup lists the ids of the interfaces that use the security
// group, sorted.
func (inv *Inventory) InterfacesInGroup(groupID string) []string {
	var ids []string
	for _, ifc := range inv.Interfaces {
		if slices.Contains(ifc.GroupIDs, groupID) {
			ids = append(ids, ifc.ID)
		}
	}
	slices.Sort(ids)
	return ids
}

// Workloads counts the interfaces in a subnet per owner kind. The map is
// empty, never nil, for an empty subnet.
func (inv *Inventory) Workloads(subnetID string) map[OwnerKind]int {
	counts := map[OwnerKind]int{}
	for _, ifc := range inv.Interfaces {
		if ifc.SubnetID == subnetID {
			counts[ifc.Kind]++
		}
	}
	return counts
}
