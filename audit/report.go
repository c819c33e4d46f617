package audit

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// Report renders an audit. Findings is normally Inventory.Findings(); it is
// a field rather than computed so callers can filter or add to it first.
// Title, if set, names the snapshot (the command uses the folder name).
type Report struct {
	Title     string
	Inventory *Inventory
	Findings  []Finding
}

// Summary holds the counts shown at the top of a report.
type Summary struct {
	VPCs             int                              `json:"vpcs"`
	Subnets          int                              `json:"subnets"`
	SecurityGroups   int                              `json:"securityGroups"`
	Interfaces       int                              `json:"interfaces"`
	Findings         int                              `json:"findings"`
	BySeverity       map[Severity]int                 `json:"bySeverity"`
	ByKind           map[FindingKind]map[Severity]int `json:"byKind"`
	SubnetsByTier    map[Tier]int                     `json:"subnetsByTier"`
	InterfacesByKind map[OwnerKind]int                `json:"interfacesByKind"`
}

// AtLeast counts the findings of severity threshold or above.
func (s Summary) AtLeast(threshold Severity) int {
	n := 0
	for sev, c := range s.BySeverity {
		if sev >= threshold {
			n += c
		}
	}
	return n
}

// Summary counts findings and inventory. Every severity, finding kind and
// tier appears with a zero count when there is nothing to count, so JSON
// consumers can rely on the keys.
func (r Report) Summary() Summary {
	inv := r.inventory()
	s := Summary{
		VPCs:             len(inv.VPCs),
		Subnets:          len(inv.Subnets),
		SecurityGroups:   len(inv.SecurityGroups),
		Interfaces:       len(inv.Interfaces),
		Findings:         len(r.Findings),
		BySeverity:       map[Severity]int{},
		ByKind:           map[FindingKind]map[Severity]int{},
		SubnetsByTier:    map[Tier]int{},
		InterfacesByKind: map[OwnerKind]int{},
	}
	for _, sev := range severityOrder {
		s.BySeverity[sev] = 0
	}
	for _, k := range FindingKinds() {
		s.ByKind[k] = map[Severity]int{}
		for _, sev := range severityOrder {
			s.ByKind[k][sev] = 0
		}
	}
	for _, f := range r.Findings {
		s.BySeverity[f.Severity]++
		if s.ByKind[f.Kind] == nil {
			s.ByKind[f.Kind] = map[Severity]int{}
		}
		s.ByKind[f.Kind][f.Severity]++
	}
	for _, t := range tierOrder[:3] {
		s.SubnetsByTier[t] = 0
	}
	for _, sn := range inv.Subnets {
		s.SubnetsByTier[sn.Tier]++
	}
	for _, ifc := range inv.Interfaces {
		s.InterfacesByKind[ifc.Kind]++
	}
	return s
}

func (r Report) inventory() *Inventory {
	if r.Inventory == nil {
		return &Inventory{}
	}
	return r.Inventory
}

type jsonReport struct {
	Title          string       `json:"title,omitempty"`
	Region         string       `json:"region,omitempty"`
	VPCs           []jsonVPC    `json:"vpcs"`
	Subnets        []jsonSubnet `json:"subnets"`
	SecurityGroups []jsonGroup  `json:"securityGroups"`
	Owners         []Owner      `json:"owners"`
	Interfaces     []jsonIface  `json:"interfaces"`
	NotRead        []CallResult `json:"notRead"`
	Findings       []Finding    `json:"findings"`
	Summary        Summary      `json:"summary"`
}

// jsonIface says who owns an interface and how the audit knows.
type jsonIface struct {
	ID          string      `json:"id"`
	Subnet      string      `json:"subnet"`
	Kind        OwnerKind   `json:"kind"`
	Owner       string      `json:"owner,omitempty"`
	OwnerSource OwnerSource `json:"ownerSource"`
	Groups      []string    `json:"securityGroups"`
}

// NotRead lists the calls whose output the inventory lacks, in the order of
// Calls.
func (inv *Inventory) NotRead() []CallResult {
	var out []CallResult
	for _, r := range inv.Reads {
		if r.Status != StatusRead {
			out = append(out, r)
		}
	}
	return out
}

// Incomplete reports whether a call was denied, failed or skipped: the
// audit then cannot vouch for what it did not see. Calls a hand-collected
// folder simply lacks do not count.
func (inv *Inventory) Incomplete() bool {
	for _, r := range inv.Reads {
		if r.Status == StatusDenied || r.Status == StatusFailed || r.Status == StatusSkipped {
			return true
		}
	}
	return false
}

type jsonVPC struct {
	ID        string       `json:"id"`
	Name      string       `json:"name,omitempty"`
	Owner     string       `json:"owner,omitempty"`
	CIDR      string       `json:"cidr"`
	CIDRs     []string     `json:"cidrs"`
	IPv6CIDRs []string     `json:"ipv6Cidrs,omitempty"`
	Default   bool         `json:"default"`
	AZs       []string     `json:"azs"`
	Subnets   map[Tier]int `json:"subnets"`
}

type jsonSubnet struct {
	ID           string            `json:"id"`
	Name         string            `json:"name,omitempty"`
	VPC          string            `json:"vpc"`
	AZ           string            `json:"az"`
	AZID         string            `json:"azId,omitempty"`
	CIDR         string            `json:"cidr"`
	IPv6CIDRs    []string          `json:"ipv6Cidrs,omitempty"`
	Tier         Tier              `json:"tier"`
	RouteTable   string            `json:"routeTable,omitempty"`
	ViaMainTable bool              `json:"viaMainTable"`
	DefaultRoute string            `json:"defaultRoute,omitempty"`
	InternetForm string            `json:"internetForm,omitempty"`
	MapPublicIP  bool              `json:"mapPublicIpOnLaunch"`
	Workloads    map[OwnerKind]int `json:"workloads"`
}

type jsonGroup struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	VPC        string      `json:"vpc"`
	AttachedTo []OwnerKind `json:"attachedTo"`
	// Owners are the objects whose own description names the group.
	Owners     []string `json:"owners"`
	Interfaces []string `json:"interfaces"`
}

// JSON renders the report for machines: inventory, findings and summary,
// indented and with a trailing newline so it diffs well.
func (r Report) JSON() ([]byte, error) {
	inv := r.inventory()
	doc := jsonReport{
		Title:          r.Title,
		Region:         inv.Region,
		VPCs:           []jsonVPC{},
		Subnets:        []jsonSubnet{},
		SecurityGroups: []jsonGroup{},
		Owners:         nonNil(inv.Owners),
		Interfaces:     []jsonIface{},
		NotRead:        nonNil(inv.NotRead()),
		Findings:       r.Findings,
		Summary:        r.Summary(),
	}
	for _, ifc := range sortedInterfaces(inv) {
		doc.Interfaces = append(doc.Interfaces, jsonIface{
			ID: ifc.ID, Subnet: ifc.SubnetID, Kind: ifc.Kind, Owner: ifc.Owner,
			OwnerSource: ifc.OwnerSource, Groups: nonNil(ifc.GroupIDs),
		})
	}
	if doc.Findings == nil {
		doc.Findings = []Finding{}
	}
	for _, v := range sortedVPCs(inv) {
		jv := jsonVPC{
			ID: v.ID, Name: v.Name, Owner: v.OwnerID, CIDR: v.CIDR,
			CIDRs: nonNil(v.CIDRs), IPv6CIDRs: v.IPv6CIDRs, Default: v.IsDefault,
			AZs: []string{}, Subnets: map[Tier]int{},
		}
		for _, t := range tierOrder[:3] {
			jv.Subnets[t] = 0
		}
		for _, s := range inv.Subnets {
			if s.VPCID != v.ID {
				continue
			}
			jv.Subnets[s.Tier]++
			if !slices.Contains(jv.AZs, s.AZ) {
				jv.AZs = append(jv.AZs, s.AZ)
			}
		}
		slices.Sort(jv.AZs)
		doc.VPCs = append(doc.VPCs, jv)
	}
	for _, s := range sortedSubnets(inv) {
		doc.Subnets = append(doc.Subnets, jsonSubnet{
			ID: s.ID, Name: s.Name, VPC: s.VPCID, AZ: s.AZ, AZID: s.AZID, CIDR: s.CIDR,
			IPv6CIDRs: s.IPv6CIDRs, Tier: s.Tier, RouteTable: s.RouteTableID,
			ViaMainTable: s.ViaMainTable, DefaultRoute: s.DefaultRoute, InternetForm: s.InternetForm,
			MapPublicIP: s.MapPublicIPOnLaunch, Workloads: inv.Workloads(s.ID),
		})
	}
	for _, g := range sortedGroups(inv) {
		doc.SecurityGroups = append(doc.SecurityGroups, jsonGroup{
			ID: g.ID, Name: g.Name, VPC: g.VPCID,
			AttachedTo: nonNil(inv.AttachedKinds(g.ID)),
			Owners:     ownerNames(inv.GroupOwners(g.ID)),
			Interfaces: nonNil(inv.InterfacesInGroup(g.ID)),
		})
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

func ownerNames(os []Owner) []string {
	out := []string{}
	for _, o := range os {
		out = append(out, o.Type+" "+o.ID)
	}
	return out
}

func sortedInterfaces(inv *Inventory) []Interface {
	is := slices.Clone(inv.Interfaces)
	slices.SortFunc(is, func(a, b Interface) int { return cmp.Compare(a.ID, b.ID) })
	return is
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// Markdown renders the report for people: summary, one section per finding
// kind, then the subnet and security group inventories that explain them.
func (r Report) Markdown() string {
	inv := r.inventory()
	sum := r.Summary()
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	if r.Title != "" {
		p("# Network audit: %s\n\n", r.Title)
	} else {
		p("# Network audit\n\n")
	}
	p("Audited %s, %s, %s and %s.\n\n",
		plural(sum.VPCs, "VPC"), plural(sum.Subnets, "subnet"),
		plural(sum.SecurityGroups, "security group"), plural(sum.Interfaces, "network interface"))
	if sum.Findings == 0 {
		p("**No findings.**\n\n")
	} else {
		var parts []string
		for _, sev := range severityOrder {
			if n := sum.BySeverity[sev]; n > 0 {
				parts = append(parts, fmt.Sprintf("%d %s", n, sev))
			}
		}
		p("**%s: %s.**\n\n", plural(sum.Findings, "finding"), strings.Join(parts, ", "))
	}

	if nr := inv.NotRead(); len(nr) > 0 {
		p("## Not read\n\n")
		if inv.Incomplete() {
			p("**The audit is incomplete:** findings that depend on these calls are missing.\n\n")
		} else {
			p("These outputs were not collected; the audit works without them, with less to go on.\n\n")
		}
		p("| Call | Status | Needs | Detail |\n|---|---|---|---|\n")
		for _, r := range nr {
			c, _ := CallFor(r.Service, r.Operation)
			p("| `aws %s` | %s | `%s` | %s |\n", c.Name(), r.Status, c.Action(), cell(orText(r.Error, "-")))
		}
		p("\n")
	}

	p("## Summary\n\n")
	p("| Finding | High | Medium | Low | Info | Total |\n")
	p("|---|--:|--:|--:|--:|--:|\n")
	for _, k := range FindingKinds() {
		c := sum.ByKind[k]
		p("| `%s` | %d | %d | %d | %d | %d |\n", k,
			c[SeverityHigh], c[SeverityMedium], c[SeverityLow], c[SeverityInfo],
			c[SeverityHigh]+c[SeverityMedium]+c[SeverityLow]+c[SeverityInfo])
	}
	p("| **Total** | %d | %d | %d | %d | %d |\n\n",
		sum.BySeverity[SeverityHigh], sum.BySeverity[SeverityMedium],
		sum.BySeverity[SeverityLow], sum.BySeverity[SeverityInfo], sum.Findings)

	p("## VPCs\n\n")
	if len(inv.VPCs) == 0 {
		p("No VPCs in the input.\n\n")
	} else {
		p("| VPC | Name | CIDR | Default | Public | Private | Isolated | AZs |\n")
		p("|---|---|---|---|--:|--:|--:|---|\n")
		for _, v := range sortedVPCs(inv) {
			tiers := map[Tier]int{}
			var azs []string
			for _, s := range inv.Subnets {
				if s.VPCID == v.ID {
					tiers[s.Tier]++
					if !slices.Contains(azs, s.AZ) {
						azs = append(azs, s.AZ)
					}
				}
			}
			slices.Sort(azs)
			p("| `%s` | %s | %s | %s | %d | %d | %d | %s |\n", v.ID, cell(v.Name),
				cell(strings.Join(append(slices.Clone(v.CIDRs), v.IPv6CIDRs...), ", ")), yesNo(v.IsDefault),
				tiers[TierPublic], tiers[TierPrivate], tiers[TierIsolated], cell(strings.Join(azs, ", ")))
		}
		p("\n")
	}

	p("## Findings\n\n")
	if len(r.Findings) == 0 {
		p("Nothing to report.\n\n")
	}
	for _, k := range FindingKinds() {
		var fs []Finding
		for _, f := range r.Findings {
			if f.Kind == k {
				fs = append(fs, f)
			}
		}
		if len(fs) == 0 {
			continue
		}
		info := kindInfo[k]
		p("### %s (`%s`)\n\n%s\n\n", info.title, k, info.why)
		var fixes []string
		for _, f := range fs {
			if !slices.Contains(fixes, f.Fix) {
				fixes = append(fixes, f.Fix)
			}
		}
		// One fix for the whole section reads better below the table than
		// repeated on every row.
		if len(fixes) == 1 {
			p("| Severity | Resource | Finding |\n|---|---|---|\n")
			for _, f := range fs {
				p("| %s | `%s` | %s |\n", f.Severity, f.Resource, cell(f.Message))
			}
			p("\n**Fix:** %s.\n\n", fixes[0])
		} else {
			p("| Severity | Resource | Finding | Fix |\n|---|---|---|---|\n")
			for _, f := range fs {
				p("| %s | `%s` | %s | %s |\n", f.Severity, f.Resource, cell(f.Message), cell(f.Fix))
			}
			p("\n")
		}
	}

	if len(inv.Owners) > 0 {
		p("## What uses the network\n\n")
		p("Read from each service's own API. Interfaces are attributed to these first: ")
		p("listed by the object itself, or matched to it by name or by subnet and groups; ")
		p("only interfaces no object claims are classified by their description.\n\n")
		p("| Kind | Resource | VPC | Subnets | Security groups | Interfaces |\n|---|---|---|---|---|--:|\n")
		for _, o := range inv.Owners {
			p("| %s | %s | %s | %s | %s | %d |\n", o.Kind.Label(), cell(o.Label()), cell(orText(o.VPC, "-")),
				cell(orText(strings.Join(o.Subnets, ", "), "-")), cell(orText(strings.Join(o.Groups, ", "), "-")), len(o.Interfaces))
		}
		p("\n")
	}
	if len(inv.Interfaces) > 0 {
		bySource := map[OwnerSource]int{}
		for _, ifc := range inv.Interfaces {
			bySource[ifc.OwnerSource]++
		}
		p("Network interfaces by how their owner is known: %d listed by their owner, %d matched to an owner, %d by description only, %d unknown.\n\n",
			bySource[SourceListed], bySource[SourceMatched], bySource[SourceDescription], bySource[SourceNone])
	}

	p("## Subnet inventory\n\n")
	if len(inv.Subnets) == 0 {
		p("No subnets in the input.\n\n")
	} else {
		p("| Subnet | Name | VPC | Tier | AZ | CIDR | Default route | What sits there |\n")
		p("|---|---|---|---|---|---|---|---|\n")
		for _, s := range sortedSubnets(inv) {
			p("| `%s` | %s | `%s` | %s | %s | %s | %s | %s |\n", s.ID, cell(s.Name), s.VPCID, s.Tier,
				cell(s.AZ), cell(s.CIDR), cell(routeText(s)), cell(orNothing(describeCounts(inv.Workloads(s.ID)))))
		}
		p("\n")
	}

	p("## Security groups\n\n")
	if len(inv.SecurityGroups) == 0 {
		p("No security groups in the input.\n")
	} else {
		p("| Group | Name | VPC | Attached to | Interfaces | Ingress rules |\n")
		p("|---|---|---|---|--:|---|\n")
		for _, g := range sortedGroups(inv) {
			var rules []string
			for _, rule := range g.Ingress {
				rules = append(rules, rule.String())
			}
			p("| `%s` | %s | `%s` | %s | %d | %s |\n", g.ID, cell(g.Name), g.VPCID,
				cell(orNothing(joinAnd(kindLabels(inv.AttachedKinds(g.ID))))),
				len(inv.InterfacesInGroup(g.ID)), cell(orText(strings.Join(rules, "; "), "none")))
		}
	}
	return b.String()
}

func routeText(s Subnet) string {
	if s.RouteTableID == "" {
		return "no route table found"
	}
	table := s.RouteTableID
	if s.ViaMainTable {
		table += " (main)"
	}
	if s.DefaultRoute == "" {
		return "none, via " + table
	}
	text := s.DefaultRoute + " via " + table
	if !strings.HasPrefix(s.InternetForm, "0.0.0.0/0 ") && !strings.HasPrefix(s.InternetForm, "::/0 ") {
		// Not a literal default route: say which routes make it one.
		text += ", by " + s.InternetForm
	}
	return text
}

func sortedVPCs(inv *Inventory) []VPC {
	vs := slices.Clone(inv.VPCs)
	slices.SortFunc(vs, func(a, b VPC) int { return cmp.Compare(a.ID, b.ID) })
	return vs
}

// sortedSubnets orders subnets the way a network diagram reads: per VPC,
// outside in (public, private, isolated), then by AZ and address.
func sortedSubnets(inv *Inventory) []Subnet {
	ss := slices.Clone(inv.Subnets)
	slices.SortFunc(ss, func(a, b Subnet) int {
		return cmp.Or(
			cmp.Compare(a.VPCID, b.VPCID),
			cmp.Compare(tierRank(a.Tier), tierRank(b.Tier)),
			cmp.Compare(a.AZ, b.AZ),
			comparePrefixes(a.CIDR, b.CIDR),
			cmp.Compare(a.ID, b.ID),
		)
	})
	return ss
}

func comparePrefixes(a, b string) int {
	pa, errA := netip.ParsePrefix(a)
	pb, errB := netip.ParsePrefix(b)
	if errA != nil || errB != nil {
		return cmp.Compare(a, b)
	}
	return cmp.Or(pa.Addr().Compare(pb.Addr()), cmp.Compare(pa.Bits(), pb.Bits()))
}

func sortedGroups(inv *Inventory) []SecurityGroup {
	gs := slices.Clone(inv.SecurityGroups)
	slices.SortFunc(gs, func(a, b SecurityGroup) int {
		return cmp.Or(cmp.Compare(a.VPCID, b.VPCID), cmp.Compare(a.ID, b.ID))
	})
	return gs
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	s = strings.ReplaceAll(s, "\n", " ")
	return s
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orNothing(s string) string { return orText(s, "nothing") }

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
