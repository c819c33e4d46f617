package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// adoptedAurora lists the aurora workloads that adopt an existing cluster.
func (c *Config) adoptedAurora() []string {
	var out []string
	for _, n := range c.Workloads.Names() {
		if a := c.Workloads[n].Aurora; a != nil && a.Adopt != nil {
			out = append(out, n)
		}
	}
	return out
}

// validateAdoptedAurora checks every adopted cluster against the migration's
// snapshot and stages, and keeps what the snapshot says of it for Register.
func (c *Config) validateAdoptedAurora(p *problems.List) {
	names := c.adoptedAurora()
	if len(names) == 0 {
		return
	}
	if c.Migration == nil {
		for _, n := range names {
			p.Add(Project+":workloads."+n+".adopt", "adopting a cluster belongs to a migration: set platform:migration with the snapshot that shows the cluster and the stages that move it")
		}
		return
	}
	m := c.Migration
	vpc := ""
	if c.Network.Existing != nil {
		vpc = c.Network.Existing.VpcID
	}
	groups := map[string]bool{}
	for _, g := range m.GroupIDs() {
		groups[g] = true
	}
	var isolated []string
	if c.Network.HasTier(network.TierIsolated) {
		isolated = append(isolated, c.Network.AvailabilityZones...)
	}
	conns := c.Connections()
	if c.adoptedDBs == nil {
		c.adoptedDBs = map[string]*compute.Snapshot{}
	}
	for _, n := range names {
		spec := c.Workloads[n].Aurora
		var secret []string
		if spec.Auth == compute.AuthSecret {
			secret = compute.ConsumersOf(conns, n)
		}
		snap := spec.CheckAdopted(Project+":workloads."+n, compute.AdoptContext{
			Stages: m.Stages, Stage: m.Stage, StagesKey: Project + ":migration.stages",
			Inventory: c.Snapshot, VpcID: vpc, IsolatedAZs: isolated, Protect: c.Protect,
			Groups: groups, GroupsKey: Project + ":migration.groups", SecretConsumers: secret,
		}, p)
		if snap != nil {
			c.adoptedDBs[n] = snap
		}
	}
}

// auroraStage is where adopted workload n stands in this stack file.
func (c *Config) auroraStage(n string) compute.AuroraStage {
	snap := c.adoptedDBs[n]
	return c.Workloads[n].Aurora.Adopt.At(c.Migration.Stages, c.Migration.Index(c.Migration.Stage), snap.Writer)
}

// adoptionWarnings say what an operator must do by hand before `pulumi up`
// of this stage: the failovers the stage's writer needs.
func (c *Config) adoptionWarnings() []string {
	var out []string
	for _, n := range c.adoptedAurora() {
		if c.adoptedDBs[n] == nil {
			continue
		}
		st := c.auroraStage(n)
		if st.FailoverTo == "" {
			continue
		}
		id := c.Workloads[n].Aurora.Adopt.ClusterIdentifier
		out = append(out, fmt.Sprintf("%s:workloads.%s.adopt.failover.%s: before `pulumi up` of stage %s, make %s the writer of %s and check it took (the stack never fails over by itself): %s",
			Project, n, st.Name, st.Name, st.FailoverTo, id, compute.FailoverCommand(id, st.FailoverTo)))
	}
	return out
}

// adoptedArgs are the compute arguments of adopted workload n.
func (pl *Platform) adoptedArgs(n string) *compute.AdoptedArgs {
	cfg := pl.Design.Config
	snap := cfg.adoptedDBs[n]
	if snap == nil {
		return nil
	}
	return &compute.AdoptedArgs{Snapshot: snap, Stage: cfg.auroraStage(n), OldGroupIDs: pl.legacyGroupIDs()}
}

// registerImportedStores registers the adopted clusters of an import-only
// stage: imports, nothing else.
func registerImportedStores(ctx *pulumi.Context, d *Design, pl *Platform) error {
	cfg := d.Config
	for _, n := range cfg.adoptedAurora() {
		args := pl.adoptedArgs(n)
		if args == nil {
			return fmt.Errorf("%s:workloads.%s: the adopted cluster was not validated", Project, n)
		}
		if _, err := compute.NewDatabase(ctx, cfg.Name+"-"+n, &compute.DatabaseArgs{
			Workload: n, Spec: *cfg.Workloads[n].Aurora, Env: d.Env, Protect: cfg.Protect, Adopt: args,
		}); err != nil {
			return err
		}
	}
	return nil
}
