package legacy

import (
	"net/netip"
	"slices"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/problems"
)

// Admits reports whether an old group's rules, as the snapshot has them,
// let an old workload in on a TCP port: a rule for the port (or all
// traffic) whose source is one of the workload's groups, or an address
// range holding every subnet the workload runs in. The stack never edits an
// old group's rules, so what the snapshot shows holds in every stage that
// keeps the group.
func Admits(inv *audit.Inventory, groupID string, f Found, port int) bool {
	g, ok := inv.SecurityGroup(groupID)
	if !ok {
		return false
	}
	for _, r := range g.Ingress {
		if !rulePort(r, port) {
			continue
		}
		for _, src := range r.GroupIDs {
			if slices.Contains(f.Groups, src) {
				return true
			}
		}
		if len(f.Subnets) > 0 && slices.ContainsFunc(r.CIDRs, func(c string) bool { return holdsSubnets(inv, c, f.Subnets) }) {
			return true
		}
	}
	return false
}

func rulePort(r audit.Rule, port int) bool {
	switch r.Protocol {
	case "-1", "all":
		return true
	case "tcp", "6":
		return r.FromPort == -1 || (r.FromPort <= port && port <= r.ToPort)
	}
	return false
}

func holdsSubnets(inv *audit.Inventory, cidr string, subnets []string) bool {
	outer, err := netip.ParsePrefix(cidr)
	if err != nil {
		return false
	}
	for _, id := range subnets {
		s, ok := inv.Subnet(id)
		if !ok {
			return false
		}
		p, err := netip.ParsePrefix(s.CIDR)
		if err != nil || !outer.Contains(p.Addr()) || p.Bits() < outer.Bits() {
			return false
		}
	}
	return true
}

// WorkloadGroups lists the security groups an old workload's resources carry in
// the snapshot, sorted, each once.
func (c Config) WorkloadGroups(inv *audit.Inventory, name string) []string {
	var out []string
	w := c.Workloads[name]
	for _, id := range w.IDs {
		f, err := Find(inv, w.Kind, id)
		if err != nil {
			continue
		}
		for _, g := range f.Groups {
			if !slices.Contains(out, g) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

// CheckTransition checks the step from one stage file's platform:migration
// (before) to the next (after), recording under key what Pulumi would
// refuse or what would happen unreviewed: an old workload or group that the
// earlier stage still protects and the later one removes. Pulumi refuses to
// delete a protected resource; the contract is that protection is lifted in
// a stage of its own (protect: false), reviewed, before the stage that
// removes the resource from the file.
func CheckTransition(key string, before, after Config, p *problems.List) {
	for _, n := range before.WorkloadNames() {
		if _, kept := after.Workloads[n]; kept || !before.Workloads[n].Protected() {
			continue
		}
		p.Add(key+".workloads."+n, "stage %s removes the old workload %s, which stage %s still protects: set protect: false on it in a stage of its own first (Pulumi refuses to delete a protected resource, and the removal must be a reviewed step)", after.Stage, n, before.Stage)
	}
	// While the old load balancer still answers for part of the site, what
	// may serve behind it stays: the snapshot does not say which instances
	// and services its target groups reach, so every old one counts.
	if t := after.Traffic; t != nil {
		if w, ok := t.At(after.Stages, after.Index(after.Stage)); ok && w.Old > 0 {
			if _, lbHere := after.Workloads[t.Old]; lbHere {
				for _, n := range before.WorkloadNames() {
					k := before.Workloads[n].Kind
					if _, kept := after.Workloads[n]; kept || (k != KindInstances && k != KindECSService) {
						continue
					}
					p.Add(key+".workloads."+n, "stage %s removes the old workload %s (%s) while the old load balancer %s still gets weight %d of %s: if %s serves behind it, those users get errors; remove it in a stage where the old weight is 0",
						after.Stage, n, k, t.Old, w.Old, t.Name, n)
				}
			}
		}
	}
	for _, id := range before.GroupIDs() {
		if _, kept := after.Groups[id]; kept || !before.Groups[id].Protected() {
			continue
		}
		p.Add(key+".groups."+id, "stage %s removes the old group %s, which stage %s still protects: set protect: false on it in a stage of its own first", after.Stage, id, before.Stage)
	}
	if len(before.Stages) > 0 && len(after.Stages) > 0 && !slices.Equal(before.Stages, after.Stages) {
		// Which stage comes after which decides when protection may be lifted
		// and a workload removed: two files with two lists can skip a step.
		p.Add(key+".stages", "stage %s lists the stages %s, stage %s lists %s: the stage files of one migration share one list; change it in every file at once",
			before.Stage, strings.Join(before.Stages, ", "), after.Stage, strings.Join(after.Stages, ", "))
	}
	if before.Stage != "" && after.Stage != "" && len(after.Stages) > 0 {
		b, a := after.Index(before.Stage), after.Index(after.Stage)
		if b >= 0 && a >= 0 && a < b {
			p.Add(key+".stage", "stage %s comes before stage %s in stages; compare a stage with the one before it", after.Stage, before.Stage)
		}
	}
}
