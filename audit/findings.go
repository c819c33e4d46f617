package audit

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
)

// Severity ranks findings. The zero value is not a valid severity, so a
// Finding built without one stands out in tests.
type Severity int

const (
	// SeverityInfo is for things that are exposed on purpose, such as an
	// internet-facing load balancer listening on 80/443. They are listed so
	// a reviewer sees the whole attack surface, but never fail a build.
	SeverityInfo Severity = iota + 1
	// SeverityLow is for exposure that is narrow or dormant today (a rule
	// on a group attached to nothing, a port range open to other groups
	// only).
	SeverityLow
	// SeverityMedium is for exposure limited to known networks or to other
	// groups but broader than the workload needs.
	SeverityMedium
	// SeverityHigh is for anything the internet can reach, or that puts a
	// workload one mistake away from it.
	SeverityHigh
)

var severityNames = map[Severity]string{
	SeverityInfo:   "info",
	SeverityLow:    "low",
	SeverityMedium: "medium",
	SeverityHigh:   "high",
}

// severityOrder lists severities from most to least severe, the order
// reports show them in.
var severityOrder = []Severity{SeverityHigh, SeverityMedium, SeverityLow, SeverityInfo}

func (s Severity) String() string {
	if n, ok := severityNames[s]; ok {
		return n
	}
	return "severity(" + strconv.Itoa(int(s)) + ")"
}

// MarshalText makes severities read as words in JSON, including as map keys.
func (s Severity) MarshalText() ([]byte, error) {
	if _, ok := severityNames[s]; !ok {
		return nil, fmt.Errorf("invalid severity %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText accepts the words MarshalText produces.
func (s *Severity) UnmarshalText(b []byte) error {
	v, err := ParseSeverity(string(b))
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseSeverity parses "info", "low", "medium" or "high" (any case).
func ParseSeverity(name string) (Severity, error) {
	for s, n := range severityNames {
		if strings.EqualFold(name, n) {
			return s, nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want high, medium, low or info)", name)
}

// FindingKind is the stable id of a check. Ids are part of the JSON output
// and may be used in suppressions or dashboards: never rename one.
type FindingKind string

const (
	KindPublicSubnetWorkload FindingKind = "public-subnet-workload"
	KindPublicOnlyVPC        FindingKind = "public-only-vpc"
	KindIngressOpenToWorld   FindingKind = "ingress-open-to-world"
	KindIngressAllProtocols  FindingKind = "ingress-all-protocols"
	KindIngressWidePortRange FindingKind = "ingress-wide-port-range"
	KindIngressAdminPort     FindingKind = "ingress-admin-port"
	KindSharedSecurityGroup  FindingKind = "shared-security-group"
	KindDBPubliclyAccessible FindingKind = "db-publicly-accessible"
	KindUnencryptedAtRest    FindingKind = "store-unencrypted-at-rest"
	KindUnencryptedInTransit FindingKind = "store-unencrypted-in-transit"
	KindCacheWithoutAuth     FindingKind = "cache-without-auth"
	KindLBPlainHTTP          FindingKind = "lb-plain-http"
	KindInstancePublicIP     FindingKind = "instance-public-ip"
	KindInstanceIMDSv1       FindingKind = "instance-imdsv1"
	KindUnusedSecurityGroup  FindingKind = "unused-security-group"
	KindDefaultGroupRules    FindingKind = "default-group-has-rules"
)

// FindingKinds lists every kind, sorted by id, which is the order findings
// and report sections use.
func FindingKinds() []FindingKind {
	kinds := make([]FindingKind, 0, len(kindInfo))
	for k := range kindInfo {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return kinds
}

// kindInfo holds the text shown once per section in reports.
var kindInfo = map[FindingKind]struct{ title, why string }{
	KindPublicSubnetWorkload: {
		"Workloads in public subnets",
		"A subnet routed to an internet gateway makes every interface with a public IP reachable from the internet, so a single permissive rule is enough to expose the workload.",
	},
	KindPublicOnlyVPC: {
		"VPCs without private subnets",
		"With only public subnets there is nowhere private to run a workload: everything is one security group away from the internet.",
	},
	KindIngressOpenToWorld: {
		"Ingress open to the whole internet",
		"A 0.0.0.0/0 or ::/0 source lets anyone on the internet reach the port, and scanners find it within minutes.",
	},
	KindIngressAllProtocols: {
		"Ingress on all protocols",
		"An IpProtocol -1 rule opens every port of every protocol, including ones nobody knew the instance was listening on.",
	},
	KindIngressWidePortRange: {
		"Ingress on wide port ranges",
		"A workload listens on a handful of ports; a range opens every other service that happens to run on the host.",
	},
	KindIngressAdminPort: {
		"Administration ports reachable by CIDR",
		"SSH and RDP are the most attacked ports on the internet; reaching them by address range rather than through Session Manager or a bastion group invites brute force.",
	},
	KindSharedSecurityGroup: {
		"Security groups shared by unrelated services",
		"A group shared by different kinds of service gives each the union of their rules: opening a port for one opens it for all, and rules by group id can no longer tell them apart.",
	},
}

// Finding is one problem found by the audit.
type Finding struct {
	Kind     FindingKind `json:"kind"`
	Severity Severity    `json:"severity"`
	// Resource is the id of the thing to fix (subnet, VPC or security group).
	Resource string `json:"resource"`
	// Related lists the ids of the other resources involved: the
	// interfaces in a subnet or behind a group, the subnets of a VPC.
	Related []string `json:"related,omitempty"`
	// Detail tells findings on the same resource apart (the rule, for
	// ingress findings) and is the last sort key.
	Detail string `json:"detail,omitempty"`
	// Form names how a source reaches the whole internet, for findings
	// about the internet: "0.0.0.0/0 (all of IPv4)", "::/0 (all of IPv6)",
	// "0.0.0.0/1 + 128.0.0.0/1 (together all of IPv4)", a prefix list...
	Form    string `json:"form,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// WidePortSpan is the largest number of ports one ingress rule may open
// before it is reported. A service listens on one port; anything wider is
// either a leftover from debugging or a range nobody could justify port by
// port. Ranges genuinely needed wide are listed in wellKnownRanges instead
// of raising this threshold for everyone.
const WidePortSpan = 1

// wellKnownRanges are port ranges a service needs wide. They are accepted
// when every source is another security group or a prefix list; from a
// CIDR they are still reported.
var wellKnownRanges = []struct {
	protocol string
	from, to int
}{
	// ECS tasks in bridge network mode get a random host port from the
	// Linux ephemeral range; the load balancer's group must reach all of it.
	{"tcp", 32768, 65535},
}

// adminPorts are the remote administration ports ingress-admin-port looks
// for, with the name used in messages.
var adminPorts = []struct {
	port int
	name string
}{
	{22, "SSH"},
	{3389, "RDP"},
}

// privateRanges are the address blocks that cannot be routed on the
// internet. An admin port open to one of them is reachable only from inside
// the network (VPC, VPN, peered networks), which lowers the severity.
var privateRanges = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("fc00::/7"),
}

// Findings runs every check and returns the findings sorted by kind, then
// resource id, then detail, so reports and golden files are stable.
func (inv *Inventory) Findings() []Finding {
	var out []Finding
	out = append(out, inv.publicSubnetWorkloads()...)
	out = append(out, inv.publicOnlyVPCs()...)
	out = append(out, inv.ownedFindings()...)
	for _, g := range inv.SecurityGroups {
		kinds := inv.AttachedKinds(g.ID)
		ifaces := inv.InterfacesInGroup(g.ID)
		for _, r := range g.Ingress {
			r.world = inv.worldForms(r.CIDRs, r.PrefixListIDs)
			for _, check := range ruleChecks {
				if f, ok := check(g, r, kinds); ok {
					f.Resource = g.ID
					f.Related = slices.Clone(ifaces)
					f.Detail = r.String()
					out = append(out, f)
				}
			}
		}
		// What the rules open to the internet only together.
		for _, r := range inv.combinedRules(g) {
			for _, check := range []func(SecurityGroup, Rule, []OwnerKind) (Finding, bool){checkOpenToWorld, checkAdminPort} {
				if f, ok := check(g, r, kinds); ok {
					f.Resource = g.ID
					f.Related = slices.Clone(ifaces)
					f.Detail = r.String() + " (together: " + r.partsText() + ")"
					f.Message += "; no one rule does, these do together: " + r.partsText()
					out = append(out, f)
				}
			}
		}
		if f, ok := sharedGroup(g, kinds, ifaces); ok {
			out = append(out, f)
		}
	}
	SortFindings(out)
	return out
}

// SortFindings sorts in the order Findings returns.
func SortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Kind, b.Kind),
			cmp.Compare(a.Resource, b.Resource),
			cmp.Compare(a.Detail, b.Detail),
			cmp.Compare(a.Message, b.Message),
		)
	})
}

func (inv *Inventory) publicSubnetWorkloads() []Finding {
	var out []Finding
	for _, s := range inv.Subnets {
		if s.Tier != TierPublic {
			continue
		}
		counts := map[OwnerKind]int{}
		var ids []string
		withPublicIP := 0
		for _, ifc := range inv.Interfaces {
			// Interfaces of an object read from its API are reported with
			// their owner (ownedFindings); these are the rest.
			if ifc.SubnetID != s.ID || !ifc.Kind.IsWorkload() || ifc.Owner != "" {
				continue
			}
			counts[ifc.Kind]++
			ids = append(ids, ifc.ID)
			if ifc.PublicIP != "" {
				withPublicIP++
			}
		}
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		what := describeCounts(counts)
		msg := fmt.Sprintf("public subnet %s (%s) hosts %s", s.ID, subnetPlace(s), what) + routesText([]string{s.InternetForm})
		if withPublicIP > 0 {
			msg += fmt.Sprintf("; %d of them with a public IP", withPublicIP)
		}
		out = append(out, Finding{
			Kind:     KindPublicSubnetWorkload,
			Severity: SeverityHigh,
			Resource: s.ID,
			Related:  ids,
			Detail:   what,
			Form:     s.InternetForm,
			Message:  msg,
			Fix:      "move compute (EC2, ECS, Batch, Lambda) to private subnets behind a NAT gateway and data stores (RDS, ElastiCache) to isolated subnets; leave only load balancers and NAT gateways in public subnets",
		})
	}
	return out
}

// routesText says how subnets are public when it is not a default route,
// which a reader would otherwise look for in vain.
func routesText(forms []string) string {
	var odd []string
	for _, f := range forms {
		if f != "" && !strings.HasPrefix(f, "0.0.0.0/0 ") && !strings.HasPrefix(f, "::/0 ") {
			odd = append(odd, f)
		}
	}
	if len(odd) == 0 {
		return ""
	}
	return " (public through the routes " + strings.Join(odd, "; ") + ")"
}

func subnetPlace(s Subnet) string {
	parts := []string{}
	if s.Name != "" {
		parts = append(parts, s.Name)
	}
	if s.AZ != "" {
		parts = append(parts, s.AZ)
	}
	if s.CIDR != "" {
		parts = append(parts, s.CIDR)
	}
	return strings.Join(parts, ", ")
}

func (inv *Inventory) publicOnlyVPCs() []Finding {
	subnetsOf := map[string][]Subnet{}
	for _, s := range inv.Subnets {
		subnetsOf[s.VPCID] = append(subnetsOf[s.VPCID], s)
	}
	var out []Finding
	for vpcID, subnets := range subnetsOf {
		ids := make([]string, 0, len(subnets))
		allPublic := true
		for _, s := range subnets {
			ids = append(ids, s.ID)
			allPublic = allPublic && s.Tier == TierPublic
		}
		if !allPublic {
			continue
		}
		slices.Sort(ids)
		workloads := 0
		for _, ifc := range inv.Interfaces {
			if ifc.VPCID == vpcID && ifc.Kind.IsWorkload() {
				workloads++
			}
		}
		name := vpcID
		if v, ok := inv.VPC(vpcID); ok && v.Name != "" {
			name = fmt.Sprintf("%s (%s)", vpcID, v.Name)
		}
		f := Finding{
			Kind:     KindPublicOnlyVPC,
			Resource: vpcID,
			Related:  ids,
			Detail:   fmt.Sprintf("%d public subnets", len(ids)),
			Fix:      "add private subnets (default route to a NAT gateway) and isolated subnets (no default route) in every AZ, then move workloads into them",
		}
		if workloads > 0 {
			// Workloads have nowhere else to go until the VPC grows private
			// subnets, which makes this the root cause of the other findings.
			f.Severity = SeverityHigh
			f.Message = fmt.Sprintf("VPC %s has only public subnets (%d) and runs %d workload interfaces in them", name, len(ids), workloads)
		} else {
			// Typically an untouched default VPC: harmless until someone
			// launches into it, which is exactly what the default does.
			f.Severity = SeverityLow
			f.Message = fmt.Sprintf("VPC %s has only public subnets (%d); it runs no workloads yet, but anything launched into it lands in a public subnet", name, len(ids))
			f.Fix = "delete the VPC if it is unused (typically the default VPC), or add private and isolated subnets before using it"
		}
		out = append(out, f)
	}
	return out
}

// ruleChecks run on every ingress rule of every group. Each looks at one
// property of the rule, so a single bad rule (all traffic from 0.0.0.0/0)
// yields one finding per problem, each with its own fix.
var ruleChecks = []func(g SecurityGroup, r Rule, kinds []OwnerKind) (Finding, bool){
	checkOpenToWorld,
	checkAllProtocols,
	checkWidePortRange,
	checkAdminPort,
}

func checkOpenToWorld(g SecurityGroup, r Rule, kinds []OwnerKind) (Finding, bool) {
	world := r.worldCIDRs()
	if len(world) == 0 {
		return Finding{}, false
	}
	f := Finding{
		Kind:    KindIngressOpenToWorld,
		Form:    world[0],
		Message: fmt.Sprintf("%s allows %s from the internet: %s%s", groupLabel(g), r.Ports(), strings.Join(world, ", "), attachedText(kinds)),
		Fix:     "replace the world-wide source with the security group of the caller (the load balancer's group for web traffic), or with a VPN or partner CIDR",
	}
	switch {
	case r.isICMP():
		// Ping and path-MTU discovery from anywhere leak little and are often
		// wanted; still worth a look.
		f.Severity = SeverityLow
	case len(kinds) == 0:
		f.Severity = SeverityLow
		f.Fix = "delete the rule (or the group if unused): attaching this group later would expose whatever it is attached to"
	case onlyKind(kinds, OwnerELB) && r.onlyWebPorts():
		// An internet-facing load balancer has to accept 80/443 from
		// everyone: this is the one world-open rule the target design keeps.
		// It is reported at info so the public surface stays visible.
		f.Severity = SeverityInfo
		f.Fix = "none needed for an internet-facing load balancer; keep the group to 80 and 443 and redirect 80 to 443 at the listener"
	case onlyKind(kinds, OwnerELB):
		f.Severity = SeverityMedium
		f.Fix = "keep only the listener ports (80, 443) open to the world on the load balancer's group"
	default:
		f.Severity = SeverityHigh
	}
	return f, true
}

func checkAllProtocols(g SecurityGroup, r Rule, kinds []OwnerKind) (Finding, bool) {
	if r.Protocol != "-1" {
		return Finding{}, false
	}
	f := Finding{
		Kind:    KindIngressAllProtocols,
		Message: fmt.Sprintf("%s allows all traffic from %s%s", groupLabel(g), r.Sources(), attachedText(kinds)),
		Fix:     "allow only the protocol and ports the workload serves, from the security groups of its callers",
	}
	switch {
	case len(r.worldCIDRs()) > 0:
		f.Severity = SeverityHigh
	case len(r.CIDRs) > 0:
		f.Severity = SeverityMedium
	default:
		// Only groups or prefix lists: the stock default-group self rule
		// looks like this. Members can reach each other on every port,
		// which matters once unrelated services share the group.
		f.Severity = SeverityLow
		if slices.Equal(r.GroupIDs, []string{g.ID}) && len(r.PrefixListIDs) == 0 {
			f.Fix = "remove the self-referencing all-traffic rule unless members really must reach each other on every port (the default group ships with it; CIS recommends removing it)"
		}
	}
	return f, true
}

func checkWidePortRange(g SecurityGroup, r Rule, kinds []OwnerKind) (Finding, bool) {
	if !r.isTCP() && !r.isUDP() {
		return Finding{}, false
	}
	span := r.ToPort - r.FromPort + 1
	if span <= WidePortSpan {
		return Finding{}, false
	}
	everyPort := r.FromPort <= 1 && r.ToPort >= 65535
	if !everyPort && len(r.CIDRs) == 0 && r.wellKnownRange() {
		return Finding{}, false
	}
	f := Finding{
		Kind:    KindIngressWidePortRange,
		Message: fmt.Sprintf("%s opens %d ports (%s) to %s%s", groupLabel(g), span, r.Ports(), r.Sources(), attachedText(kinds)),
		Fix:     "open only the ports the service listens on, one rule per port",
	}
	switch {
	case everyPort && len(r.worldCIDRs()) > 0:
		f.Severity = SeverityHigh
	case everyPort, len(r.CIDRs) > 0:
		f.Severity = SeverityMedium
	default:
		f.Severity = SeverityLow
	}
	return f, true
}

func checkAdminPort(g SecurityGroup, r Rule, kinds []OwnerKind) (Finding, bool) {
	if (len(r.CIDRs) == 0 && len(r.world) == 0) || (r.Protocol != "-1" && !r.isTCP()) {
		return Finding{}, false
	}
	var names []string
	for _, p := range adminPorts {
		if r.Protocol == "-1" || (r.FromPort <= p.port && p.port <= r.ToPort) {
			names = append(names, fmt.Sprintf("%s (%d)", p.name, p.port))
		}
	}
	if len(names) == 0 {
		return Finding{}, false
	}
	f := Finding{
		Kind:    KindIngressAdminPort,
		Message: fmt.Sprintf("%s exposes %s to %s%s", groupLabel(g), strings.Join(names, " and "), r.Sources(), attachedText(kinds)),
		Fix:     "close the port and use SSM Session Manager (no inbound rule needed); if a bastion is unavoidable, allow it by security group id",
	}
	f.Severity = SeverityLow
	for _, c := range r.CIDRs {
		if !isPrivate(c) {
			f.Severity = max(f.Severity, SeverityMedium)
		}
	}
	if len(r.world) > 0 {
		f.Severity, f.Form = SeverityHigh, r.world[0]
	}
	return f, true
}

func sharedGroup(g SecurityGroup, kinds []OwnerKind, ifaces []string) (Finding, bool) {
	if len(kinds) < 2 {
		return Finding{}, false
	}
	labels := kindLabels(kinds)
	f := Finding{
		Kind:     KindSharedSecurityGroup,
		Severity: SeverityMedium,
		Resource: g.ID,
		Related:  ifaces,
		Detail:   strings.Join(labels, ", "),
		Message:  fmt.Sprintf("%s is attached to %s interfaces (%d interfaces)", groupLabel(g), joinAnd(labels), len(ifaces)),
		Fix:      "create one security group per workload and allow traffic between them by group id; then detach this group from all but one of them",
	}
	if slices.ContainsFunc(kinds, OwnerKind.IsDataStore) {
		// Sharing with compute means the database accepts whatever the
		// compute tier was opened to, and vice versa.
		f.Severity = SeverityHigh
	}
	return f, true
}

func groupLabel(g SecurityGroup) string {
	if g.Name == "" {
		return g.ID
	}
	return fmt.Sprintf("%s (%s)", g.ID, g.Name)
}

func attachedText(kinds []OwnerKind) string {
	if len(kinds) == 0 {
		return " (group attached to nothing)"
	}
	return " on " + joinAnd(kindLabels(kinds))
}

func kindLabels(kinds []OwnerKind) []string {
	labels := make([]string, len(kinds))
	for i, k := range kinds {
		labels[i] = k.Label()
	}
	return labels
}

func joinAnd(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

// describeCounts renders {ec2:2, rds:1} as "2 EC2, 1 RDS" in report order.
func describeCounts(counts map[OwnerKind]int) string {
	kinds := make([]OwnerKind, 0, len(counts))
	for k, n := range counts {
		if n > 0 {
			kinds = append(kinds, k)
		}
	}
	sortKinds(kinds)
	parts := make([]string, len(kinds))
	for i, k := range kinds {
		parts[i] = fmt.Sprintf("%d %s", counts[k], k.Label())
	}
	return strings.Join(parts, ", ")
}

func onlyKind(kinds []OwnerKind, k OwnerKind) bool {
	return len(kinds) == 1 && kinds[0] == k
}

func isPrivate(cidr string) bool {
	p, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	for _, r := range privateRanges {
		if r.Bits() <= p.Bits() && r.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// String renders the rule as "<ports> from <sources>", the detail that sets
// findings on the same group apart.
func (r Rule) String() string {
	return r.Ports() + " from " + r.Sources()
}

// Ports renders the protocol and ports the way the console does: "all
// traffic", "tcp 22", "tcp 8000-8100", "icmp".
func (r Rule) Ports() string {
	switch {
	case r.Protocol == "-1":
		return "all traffic"
	case r.isTCP() || r.isUDP():
		proto := "tcp"
		if r.isUDP() {
			proto = "udp"
		}
		if r.FromPort == r.ToPort {
			return fmt.Sprintf("%s %d", proto, r.FromPort)
		}
		return fmt.Sprintf("%s %d-%d", proto, r.FromPort, r.ToPort)
	case r.isICMP():
		return strings.ToLower(r.Protocol)
	default:
		return "protocol " + r.Protocol
	}
}

// Sources lists CIDRs, then groups, then prefix lists.
func (r Rule) Sources() string {
	var s []string
	s = append(s, r.CIDRs...)
	s = append(s, r.GroupIDs...)
	s = append(s, r.PrefixListIDs...)
	if len(s) == 0 {
		return "nowhere"
	}
	return strings.Join(s, ", ")
}

func (r Rule) isTCP() bool { p := strings.ToLower(r.Protocol); return p == "tcp" || p == "6" }
func (r Rule) isUDP() bool { p := strings.ToLower(r.Protocol); return p == "udp" || p == "17" }
func (r Rule) isICMP() bool {
	switch strings.ToLower(r.Protocol) {
	case "icmp", "1", "icmpv6", "58":
		return true
	}
	return false
}

// worldCIDRs lists the forms in which the rule's sources reach the whole
// internet, as Findings computed them (Inventory.worldForms).
func (r Rule) worldCIDRs() []string { return r.world }

// onlyWebPorts reports whether the rule opens nothing but 80 and/or 443 over
// TCP, the ports a public web load balancer listens on.
func (r Rule) onlyWebPorts() bool {
	if !r.isTCP() {
		return false
	}
	return (r.FromPort == 80 || r.FromPort == 443) && r.ToPort == r.FromPort
}

func (r Rule) wellKnownRange() bool {
	proto := "tcp"
	if r.isUDP() {
		proto = "udp"
	}
	for _, k := range wellKnownRanges {
		if k.protocol == proto && k.from <= r.FromPort && r.ToPort <= k.to {
			return true
		}
	}
	return false
}
