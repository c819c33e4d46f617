package stack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/legacy"
	"github.com/acme/platform/security"
)

// validateOldWorkloadPaths checks that every old workload still in this
// file can reach each data store it names in reaches: through an old group
// the store still carries and that admits it (the snapshot's rules, which
// the stack never edits), or through a bridge, a grant on the store from
// one of the workload's groups that this stage keeps. The old workload's own
// egress is its old groups' rules, also never edited: it reached the store
// before the move, so only the store's side can break.
func (c *Config) validateOldWorkloadPaths(p *problems.List) {
	m := c.Migration
	if m == nil || c.Snapshot == nil || m.Index(m.Stage) < 0 {
		return // an unknown stage is refused at its key; paths in it mean nothing
	}
	key := Project + ":migration"
	for _, n := range m.WorkloadNames() {
		w := m.Workloads[n]
		for i, store := range w.Reaches {
			if !compute.Kind(c.Workloads.Kind(store)).IsDataStore() {
				continue // refused at the reaches key
			}
			for _, id := range w.IDs {
				f, err := legacy.Find(c.Snapshot, w.Kind, id)
				if err != nil {
					continue // refused at the ids key
				}
				if c.oldPathOpen(f, store) {
					continue
				}
				port := c.Workloads.ServicePort(store)
				old := c.storeOldGroups(store)
				via := "it carries no old group"
				if len(old) > 0 {
					via = "none of its old groups still imported in this file (" + strings.Join(old, ", ") + ") admits it"
				}
				p.Add(fmt.Sprintf("%s.workloads.%s.reaches[%d]", key, n, i),
					"in stage %s the old workload %s (%s) has no path to %s on port %d: %s, and no bridge does (a bridge it uses stays until a stage after the one that removes %s); keep a bridge, platform:security.allow.%s: [{from: [%s], port: \"%d\", until: <a stage after the one that removes %s>}], or keep %s's old group until %s is removed",
					m.Stage, n, id, store, port, via, n, store, strings.Join(f.Groups, ", "), port, n, store, n)
			}
		}
	}
}

// oldPathOpen reports whether an old workload's resource reaches a store in
// this file: by a bridge on the store from one of its groups, or by an old
// group the store still carries that admits it.
func (c *Config) oldPathOpen(f legacy.Found, store string) bool {
	port := c.Workloads.ServicePort(store)
	if c.bridgeAdmits(store, f.Groups, port) != "" {
		return true
	}
	for _, g := range c.storeOldGroups(store) {
		if _, imported := c.Migration.Groups[g]; imported && legacy.Admits(c.Snapshot, g, f, port) {
			return true
		}
	}
	return false
}

// bridgeAdmits returns the old group of groups that a bridge on store (a
// grant with until) lets in on port, or "".
func (c *Config) bridgeAdmits(store string, groups []string, port int) string {
	for _, g := range c.Security.Allow[store] {
		if g.Until == "" {
			continue
		}
		if g.Port != "" {
			pp, err := security.ParsePort(string(g.Port))
			if err != nil || !pp.Contains(port) {
				continue
			}
		}
		for _, src := range g.From {
			if slices.Contains(groups, src) {
				return src
			}
		}
	}
	return ""
}

// storeOldGroups are the old security groups a data store of the stack
// still carries in this file (an adopted store keeps its old groups until a
// stage moves it onto its own).
func (c *Config) storeOldGroups(store string) []string {
	if a := c.AdoptedCache(store); a != nil {
		return a.OldGroupIDs
	}
	if snap := c.adoptedDBs[store]; snap != nil {
		if !c.auroraStage(store).OldGroups {
			return nil
		}
		var out []string
		for _, g := range snap.Cluster.VpcSecurityGroups {
			out = append(out, g.VpcSecurityGroupId)
		}
		return out
	}
	return c.Workloads.LegacyGroups(store)
}

// CheckTransition checks the step from one migration stage file (before) to
// the next (after) for what no single file shows: an old workload or group
// removed while the earlier stage still protects it, named by its key and
// both stages. (A bridge removed while an old workload that needs it is
// still in the file is refused by that file itself, at the workload's
// reaches.)
func CheckTransition(before, after *Config) error {
	var p problems.List
	if before.Migration == nil || after.Migration == nil {
		return nil
	}
	key := Project + ":migration"
	legacy.CheckTransition(key, *before.Migration, *after.Migration, &p)
	return p.Err()
}

// privateDNSOff is the set of interface endpoint services that come up
// without private DNS in this stage.
func (c *Config) privateDNSOff(services []string) map[string]bool {
	out := map[string]bool{}
	if c.Migration == nil {
		return out
	}
	for _, s := range services {
		if c.Migration.PrivateDNSOffFor(s) {
			out[s] = true
		}
	}
	return out
}

// validatePrivateDNSOff checks platform:migration.privateDnsOff: services
// of platform:network.endpoints (or "*"), only while an old workload is in
// the file and never in the contract stage, and every compute workload of
// the stack able to reach AWS without the endpoints' names: through NAT.
func (c *Config) validatePrivateDNSOff(p *problems.List) {
	m := c.Migration
	if m == nil || len(m.PrivateDNSOff) == 0 {
		return
	}
	key := Project + ":migration.privateDnsOff"
	for i, s := range m.PrivateDNSOff {
		k := fmt.Sprintf("%s[%d]", key, i)
		switch {
		case s == "*" && len(m.PrivateDNSOff) > 1:
			p.Add(k, `"*" is every endpoint; list it alone or name the services`)
		case s != "*" && !slices.Contains(c.Network.Endpoints, s):
			p.Add(k, "%q is not one of platform:network.endpoints (%s)", s, strings.Join(c.Network.Endpoints, ", "))
		case slices.Index(m.PrivateDNSOff, s) < i:
			p.Add(k, "%s is listed twice", s)
		}
	}
	switch {
	case m.Contract():
		p.Add(key, "this is the contract stage (%s): no old workload is left to call AWS's public endpoints, so every interface endpoint has private DNS; remove privateDnsOff", m.Stage)
		return
	case len(m.Workloads) == 0:
		p.Add(key, "stage %s has no old workload (platform:migration.workloads): nothing needs AWS's public endpoints; remove privateDnsOff so the endpoints answer for AWS's names", m.Stage)
	}
	var off []string
	for _, s := range c.Network.Endpoints {
		if m.PrivateDNSOffFor(s) {
			off = append(off, s)
		}
	}
	if len(off) == 0 {
		return
	}
	for _, n := range c.Workloads.Names() {
		switch compute.Kind(c.Workloads.Kind(n)) {
		case compute.KindEC2, compute.KindECS, compute.KindLambda, compute.KindBatch:
		default:
			continue
		}
		if !c.Workloads.InternetEgress(n) {
			p.Add(Project+":workloads."+n+".internetEgress", "stage %s keeps private DNS off for the endpoints %s (platform:migration.privateDnsOff), so %s reaches those AWS services at their public addresses: set internetEgress: true (through NAT) until the stage that turns private DNS on", m.Stage, strings.Join(off, ", "), n)
		}
	}
}

// privateDNSNote says, for the plan, which endpoints have private DNS off
// and why.
func (c *Config) privateDNSNote(services []string) string {
	m := c.Migration
	off := c.privateDNSOff(services)
	if m == nil || len(off) == 0 {
		return ""
	}
	names := sortedNames(off)
	return fmt.Sprintf("interface endpoints without private DNS in stage %s: %s. The old workloads still in this file (%s) call AWS at its public names, and with private DNS on those names would resolve to the endpoints, whose group admits only this stack's workloads; the stack's workloads reach these services through NAT until a later stage turns private DNS on (an in-place update of each endpoint)",
		m.Stage, strings.Join(names, ", "), strings.Join(m.WorkloadNames(), ", "))
}
