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
	if m == nil || c.Snapshot == nil {
		return
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
			pp, err := security.ParsePort(g.Port)
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
