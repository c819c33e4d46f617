package stack

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/legacy"
)

const migrationDescription = "Moving an existing account onto the platform, one reviewed stack file per stage: snapshot (the audit snapshot folder the migration adopts from, from the project's root), stages (every stage's name, in order; the last is the contract), stage (this file's), importOnly (the first stage registers only imports), routeTables, groups.<sg-id> {protect} (old security groups, imported as they are; bridges in platform:security.allow name them), workloads.<name> {kind: instances|alb|ecsService|lambda|batch, ids, reaches, protect} (old workloads, imported with the snapshot's values and protected; protect: false in a stage of its own, then the next stage leaves them out and deletes them, the load balancer first and the old groups last; every stage that keeps one needs a path to each store in reaches, an old group of the store admitting it or a bridge); privateDnsOff: [service...] or [\"*\"] (interface endpoints that come up without private DNS while old workloads still call AWS's public endpoints; the stack's compute then needs internetEgress; a later stage leaves them out, which turns private DNS on in place; refused in the contract stage)."

// validateMigration checks platform:migration against its snapshot and the
// rest of the stack: where this file stands, and what the temporary parts of
// the stack (bridges, imports) may do in it.
func (c *Config) validateMigration(p *problems.List) {
	key := Project + ":migration"
	m := c.Migration
	defer c.validateAdoptedAurora(p)
	if m == nil {
		for _, t := range sortedNames(c.Security.Allow) {
			for i, g := range c.Security.Allow[t] {
				if g.Until != "" {
					p.Add(fmt.Sprintf("%s:security.allow.%s[%d].until", Project, t, i), "a bridge belongs to a migration: set platform:migration with its stages, or remove the grant")
				}
			}
		}
		return
	}
	vc := legacy.ValidateContext{}
	if c.Network.Existing != nil {
		vc.VpcID = c.Network.Existing.VpcID
	}
	if m.Snapshot != "" {
		vc.Inventory, vc.LoadErr = legacy.LoadSnapshot(m.Snapshot)
		c.Snapshot = vc.Inventory
	}
	m.Validate(key, vc, p)

	for _, n := range m.WorkloadNames() {
		wk := key + ".workloads." + n
		if _, clash := c.Workloads[n]; clash {
			p.Add(wk, "%q is also a workload of the stack; give the old one another name (say %s-old)", n, n)
		}
		for i, r := range m.Workloads[n].Reaches {
			rk := fmt.Sprintf("%s.reaches[%d]", wk, i)
			switch kind := compute.Kind(c.Workloads.Kind(r)); {
			case kind == "":
				p.Add(rk, "%q is not a workload of the stack; an old workload reaches the data stores the stack adopted", r)
			case !kind.IsDataStore():
				p.Add(rk, "%q is %s workload: an old workload's paths to new compute go through the traffic shift, not the security groups; list the data stores it uses", r, articled(string(kind)))
			}
		}
	}
	c.validateBridgeStages(p)
	c.validateTraffic(p)
	if m.ImportOnly {
		c.validateImportOnly(p)
	}
}

// validateBridgeStages checks each bridge's stage: a bridge is gone from the
// stage it names on, and the contract stage keeps none.
func (c *Config) validateBridgeStages(p *problems.List) {
	m := c.Migration
	here := m.Index(m.Stage)
	for _, t := range sortedNames(c.Security.Allow) {
		for i, g := range c.Security.Allow[t] {
			if g.Until == "" {
				continue
			}
			k := fmt.Sprintf("%s:security.allow.%s[%d].until", Project, t, i)
			at := m.Index(g.Until)
			switch {
			case at < 0:
				p.Add(k, "%q is not one of platform:migration.stages (%s)", g.Until, strings.Join(m.Stages, ", "))
			case m.Contract():
				p.Add(k, "this is the contract stage (%s): no bridge to a legacy group survives it; remove this one (it was to go at stage %s)", m.Stage, g.Until)
			case here >= 0 && at <= here:
				p.Add(k, "this bridge is removed at stage %s, and this file is stage %s: remove it from this file", g.Until, m.Stage)
			}
		}
	}
}

// validateImportOnly refuses what an import-only stage would create.
func (c *Config) validateImportOnly(p *problems.List) {
	why := "the import-only stage (" + c.Migration.Stage + ") registers imports and nothing else"
	if c.Network.FlowLogs.On() {
		p.Add(Project+":network.flowLogs.enabled", "%s: set false here; a later stage turns flow logs on", why)
	}
	if e := c.Network.Existing; e != nil && e.ManageDefaultSecurityGroup {
		p.Add(Project+":network.existing.manageDefaultSecurityGroup", "%s: emptying the default group is a change; set false here", why)
	}
	if len(c.Network.Endpoints) > 0 {
		p.Add(Project+":network.endpoints", "%s: add interface endpoints in a later stage", why)
	}
	if c.Access.VPN() != nil {
		p.Add(Project+":access.clientVpn", "%s: add the Client VPN in a later stage", why)
	}
	if c.set[Project+":dataProtection"] {
		p.Add(Project+":dataProtection", "%s: keys and backups come in a later stage", why)
	}
	for _, t := range sortedNames(c.Security.Allow) {
		p.Add(Project+":security.allow."+t, "%s: no security group or rule is created; declare who reaches what in a later stage", why)
	}
	for _, n := range c.Workloads.Names() {
		if w := c.Workloads[n]; w.Cache != nil && w.Cache.Adopt != nil {
			continue // imported as it is (validateCacheAdoption)
		}
		if a := c.Workloads[n].Aurora; a != nil && a.Adopt != nil {
			continue // imported as it is (validateAdoptedAurora)
		}
		p.Add(Project+":workloads."+n, "%s: a new workload comes in a later stage", why)
	}
}

// LegacyGroupNames are the imported old groups, by ID, with their names from
// the snapshot: the groups bridges may name.
func (c *Config) LegacyGroupNames() map[string]string {
	if c.Migration == nil || len(c.Migration.Groups) == 0 {
		return nil
	}
	out := map[string]string{}
	for _, id := range c.Migration.GroupIDs() {
		name := id
		if c.Snapshot != nil {
			if g, ok := c.Snapshot.SecurityGroup(id); ok {
				name = g.Name
			}
		}
		out[id] = name
	}
	return out
}

// ImportOnly reports whether this stack file registers nothing but imports.
func (c *Config) ImportOnly() bool { return c.Migration != nil && c.Migration.ImportOnly }

func articled(s string) string {
	if s != "" && strings.ContainsRune("aeiou", rune(s[0])) {
		return "an " + s
	}
	return "a " + s
}

// registerLegacy imports what platform:migration names of the old account.
func registerLegacy(ctx *pulumi.Context, d *Design, pl *Platform) (*legacy.Account, error) {
	cfg := d.Config
	if cfg.Migration == nil {
		return nil, nil
	}
	return legacy.NewAccount(ctx, cfg.Name+"-legacy", &legacy.AccountArgs{
		Config: *cfg.Migration, Inventory: cfg.Snapshot, VpcID: pl.Vpc.VpcID.ToStringOutput(),
	})
}

// legacyGroupIDs are the imported old groups' IDs, for the bridge rules.
func (pl *Platform) legacyGroupIDs() map[string]pulumi.StringInput {
	if pl.Legacy == nil {
		return nil
	}
	out := map[string]pulumi.StringInput{}
	for id, g := range pl.Legacy.Groups {
		out[id] = g.ID().ToStringOutput()
	}
	return out
}

// importOnlyExports are the outputs of an import-only stage: what it adopted.
func (pl *Platform) importOnlyExports() map[string]pulumi.Input {
	ex := map[string]pulumi.Input{"vpcId": pl.Vpc.VpcID}
	// Which physical zone each zone name is, as every stage says: the
	// adopted subnets' zones are the account's, not a choice.
	if len(pl.Design.ZoneIDs) > 0 {
		ids := pulumi.StringMap{}
		for name, id := range pl.Design.ZoneIDs {
			ids[name] = pulumi.String(id)
		}
		ex["availabilityZoneIds"] = ids
	}
	return ex
}
