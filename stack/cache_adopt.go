package stack

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// MaxCacheMembers is the most cache clusters a replication group without
// cluster mode holds: a primary and five replicas.
const MaxCacheMembers = 6

// validateCacheAdoption checks every adopted cache against the migration's
// snapshot and stages, and resolves what this stage registers for it
// (c.adopted). A cache with a problem is not resolved.
func (c *Config) validateCacheAdoption(p *problems.List) {
	for _, n := range c.Workloads.Names() {
		w := c.Workloads[n]
		if w.Cache == nil || w.Cache.Adopt == nil {
			continue
		}
		k := Project + ":workloads." + n
		if c.Migration == nil {
			p.Add(k+".adopt", "adopting a replication group is a migration step: set platform:migration, whose snapshot holds the group's live settings, and its stages")
			continue
		}
		if c.Snapshot == nil || w.Cache.Adopt.ReplicationGroupID == "" {
			continue // reported at platform:migration.snapshot or adopt.replicationGroupId
		}
		if c.Migration.Index(c.Migration.Stage) < 0 {
			continue // reported at platform:migration.stage: where the group stands depends on it
		}
		for _, other := range c.Workloads.Names() {
			if o := c.Workloads[other].Cache; other < n && o != nil && o.Adopt != nil && o.Adopt.ReplicationGroupID == w.Cache.Adopt.ReplicationGroupID {
				p.Add(k+".adopt.replicationGroupId", "%s is adopted by %s too: one workload owns a replication group", o.Adopt.ReplicationGroupID, other)
			}
		}
		var local problems.List
		a := c.resolveCache(k, *w.Cache, &local)
		if err := local.Err(); err != nil {
			p.Merge("", err)
			continue
		}
		if c.adopted == nil {
			c.adopted = map[string]*compute.AdoptedCache{}
		}
		c.adopted[n] = a
		// What the group is in this stage, where the kind's own settings
		// would say otherwise (its count, its failover).
		w.Cache.Replicas = len(a.Members) - 1
		w.Cache.AdoptedMembers = nil
		for _, m := range a.Members {
			w.Cache.AdoptedMembers = append(w.Cache.AdoptedMembers, m.ID)
		}
		w.Cache.AutomaticFailover = a.AutomaticFailover
		w.Cache.SnapshotRetentionDays = a.SnapshotRetention
	}
}

// cacheSnapshot is what the snapshot says about one replication group.
type cacheSnapshot struct {
	rg      *audit.ReplicationGroup
	members map[string]*audit.CacheCluster
	primary string
	subnets *audit.CacheSubnetGroup
}

func findCache(inv *audit.Inventory, id string) (cacheSnapshot, bool) {
	var s cacheSnapshot
	for i := range inv.ReplicationGroups {
		if inv.ReplicationGroups[i].ReplicationGroupId == id {
			s.rg = &inv.ReplicationGroups[i]
		}
	}
	if s.rg == nil {
		return s, false
	}
	s.members = map[string]*audit.CacheCluster{}
	for i := range inv.CacheClusters {
		if cl := &inv.CacheClusters[i]; cl.ReplicationGroupId == id {
			s.members[cl.CacheClusterId] = cl
		}
	}
	for _, ng := range s.rg.NodeGroups {
		for _, m := range ng.NodeGroupMembers {
			if m.CurrentRole == "primary" {
				s.primary = m.CacheClusterId
			}
		}
	}
	var name string
	for _, m := range s.members {
		name = m.CacheSubnetGroupName
	}
	for i := range inv.CacheSubnetGroups {
		if inv.CacheSubnetGroups[i].CacheSubnetGroupName == name {
			s.subnets = &inv.CacheSubnetGroups[i]
		}
	}
	return s, true
}

// oldSubnetsIn lists the snapshot subnet group's subnets in a zone.
func (s cacheSnapshot) oldSubnetsIn(az string) []string {
	var out []string
	for _, sn := range s.subnets.Subnets {
		if sn.SubnetAvailabilityZone.Name == az {
			out = append(out, sn.SubnetIdentifier)
		}
	}
	return out
}

// resolveCache checks one adopted cache against the snapshot and the stages
// and returns what this stage registers for it.
func (c *Config) resolveCache(k string, spec compute.CacheSpec, p *problems.List) *compute.AdoptedCache {
	m, ad := c.Migration, spec.Adopt
	ak := k + ".adopt"
	snap, ok := findCache(c.Snapshot, ad.ReplicationGroupID)
	if !ok {
		p.Add(ak+".replicationGroupId", "%s is not in the snapshot %s (elasticache describe-replication-groups); check the ID or take a fresh snapshot", ad.ReplicationGroupID, m.Snapshot)
		return nil
	}
	rg := snap.rg
	switch {
	case (rg.ClusterEnabled != nil && *rg.ClusterEnabled) || len(rg.NodeGroups) != 1:
		p.Add(ak+".replicationGroupId", "%s has cluster mode enabled (%d shards): the cache kind adopts replication groups without cluster mode", rg.ReplicationGroupId, len(rg.NodeGroups))
		return nil
	case snap.primary == "" || snap.members[snap.primary] == nil:
		p.Add(ak+".replicationGroupId", "the snapshot shows no primary of %s among its cache clusters (describe-cache-clusters --show-cache-node-info); take a fresh snapshot while the group is available", rg.ReplicationGroupId)
		return nil
	case snap.subnets == nil:
		p.Add(ak+".replicationGroupId", "the snapshot lacks the cache subnet group of %s (describe-cache-subnet-groups); take a fresh snapshot", rg.ReplicationGroupId)
		return nil
	}
	prim := snap.members[snap.primary]
	here, first := m.Index(m.Stage), m.ImportOnly

	// The kind's own settings must be the group's: an import whose inputs
	// differ is refused, and nothing is normalised on the way in.
	if spec.Engine != rg.Engine {
		p.Add(k+".engine", "%s differs from the snapshot's %s for %s: an adopted group is imported as it is; set engine: %s", spec.Engine, rg.Engine, rg.ReplicationGroupId, rg.Engine)
	}
	version := compute.ProviderCacheVersion(prim.EngineVersion)
	if spec.EngineVersion != version && spec.EngineVersion != prim.EngineVersion {
		p.Add(k+".engineVersion", "%s differs from the snapshot's %s for %s: set engineVersion: %q (what the provider reads back); upgrade after the move", spec.EngineVersion, prim.EngineVersion, rg.ReplicationGroupId, version)
	}
	if spec.NodeType != rg.CacheNodeType {
		p.Add(k+".nodeType", "%s differs from the snapshot's %s for %s: set nodeType: %s (the default is %s)", spec.NodeType, rg.CacheNodeType, rg.ReplicationGroupId, rg.CacheNodeType, compute.DefaultNodeType)
	}
	port := 0
	if len(prim.CacheNodes) > 0 && prim.CacheNodes[0].Endpoint != nil {
		port = prim.CacheNodes[0].Endpoint.Port
	}
	if port != 0 && spec.Port != port {
		p.Add(k+".port", "%d differs from the snapshot's %d for %s: the port is fixed at creation; set port: %d", spec.Port, port, rg.ReplicationGroupId, port)
	}

	a := &compute.AdoptedCache{
		ID: rg.ReplicationGroupId, Description: rg.Description, Engine: rg.Engine, EngineVersion: version,
		NodeType: rg.CacheNodeType, Port: port, AtRestEncryption: isTrue(rg.AtRestEncryptionEnabled), KMSKeyID: rg.KmsKeyId,
		TransitEncryption: isTrue(rg.TransitEncryptionEnabled), TransitMode: rg.TransitEncryptionMode,
		UserGroupIDs: rg.UserGroupIds, SnapshotWindow: rg.SnapshotWindow,
		AutomaticFailover: rg.AutomaticFailover == "enabled", MultiAZ: rg.MultiAZ == "enabled",
		SubnetGroupName: snap.subnets.CacheSubnetGroupName, SubnetGroupDescription: snap.subnets.CacheSubnetGroupDescription,
		ImportOnly: first,
	}
	if rg.SnapshotRetentionLimit != nil {
		a.SnapshotRetention = *rg.SnapshotRetentionLimit
	}
	if prim.CacheParameterGroup != nil {
		a.ParameterGroupName = prim.CacheParameterGroup.CacheParameterGroupName
		a.ParameterGroupFamily = compute.CacheFamily(rg.Engine, prim.EngineVersion)
	}

	// The lifecycle, checked over every stage (the block is the same in every
	// file): members live from since up to, not including, until; old
	// subnets stay up to their until; the primary is the snapshot's until a
	// failover names another.
	last := len(m.Stages)
	stage := func(key, s string) int {
		i := m.Index(s)
		switch {
		case i < 0:
			p.Add(key, "%q is not one of platform:migration.stages (%s)", s, strings.Join(m.Stages, ", "))
		case i == 0:
			p.Add(key, "stage %s is the first: it imports the group as it is; name a later stage", s)
			i = -1
		}
		return i
	}
	type life struct {
		from, until int
		az          string
		old         bool
	}
	members := map[string]life{}
	for id, cl := range snap.members {
		members[id] = life{from: 0, until: last, az: cl.PreferredAvailabilityZone, old: true}
	}
	if ad.Members != nil {
		for id := range snap.members {
			if _, ok := ad.Members[id]; !ok {
				p.Add(ak+".members", "%s is a member of %s in the snapshot: list every member, with until: <stage> for the one that deletes it", id, rg.ReplicationGroupId)
			}
		}
	}
	for _, id := range sortedNames(ad.Members) {
		mm, mk := ad.Members[id], ak+".members."+id
		l, old := members[id]
		switch {
		case old && (mm.Since != "" || mm.AZ != ""):
			p.Add(mk, "%s is a member in the snapshot: it exists from the start, in %s; remove since and az", id, l.az)
			continue
		case !old && (mm.Since == "" || mm.AZ == ""):
			p.Add(mk, "%s is not a member of %s in the snapshot: a new member needs since (the stage that creates it) and az (the zone it is created in)", id, rg.ReplicationGroupId)
			continue
		case !old:
			l = life{from: stage(mk+".since", mm.Since), until: last, az: mm.AZ}
			if azs := c.Network.AvailabilityZones; len(azs) > 0 && !slices.Contains(azs, mm.AZ) {
				p.Add(mk+".az", "%s is not one of the network's zones (%s)", mm.AZ, strings.Join(azs, ", "))
			}
		}
		if mm.Until != "" {
			switch l.until = stage(mk+".until", mm.Until); {
			case l.until >= 0 && l.until <= l.from:
				p.Add(mk+".until", "stage %s is not after the stage that creates %s (%s)", mm.Until, id, mm.Since)
			case l.until == 1 && old:
				p.Add(mk+".until", "stage %s comes right after the import, which protects %s: the stage after the import lifts protect (a change of its own), a later one deletes it", mm.Until, id)
			}
		}
		if l.from < 0 || l.until < 0 {
			return nil
		}
		members[id] = l
	}
	alive := func(id string, i int) bool { l, ok := members[id]; return ok && i >= l.from && i < l.until }

	// The primary at each stage, and the guards on it.
	failoverAt := map[int]string{}
	for _, s := range sortedNames(ad.Failover) {
		fk, id := ak+".failover."+s, ad.Failover[s]
		i := stage(fk, s)
		if i < 0 {
			return nil
		}
		l, ok := members[id]
		switch {
		case !ok:
			p.Add(fk, "%s is not a member of %s (members: %s)", id, rg.ReplicationGroupId, strings.Join(sortedNames(members), ", "))
			return nil
		case l.from >= i:
			p.Add(fk, "%s is created in stage %s, and the failover runs before that stage's pulumi up: fail over in a stage after the one that creates it", id, m.Stages[l.from])
		case l.until <= i:
			p.Add(fk, "%s is deleted by stage %s, before this failover", id, m.Stages[l.until])
		}
		failoverAt[i] = id
	}
	primaryAt := make([]string, last)
	for i, cur := 0, snap.primary; i < last; i++ {
		if id, ok := failoverAt[i]; ok {
			cur = id
		}
		primaryAt[i] = cur
	}
	for _, id := range sortedNames(members) {
		l := members[id]
		if l.until < last && primaryAt[l.until] == id {
			p.Add(ak+".members."+id+".until", "%s is the primary in stage %s, which deletes it: ElastiCache refuses to delete the primary; fail over to a replica first (failover: {<stage>: <member>}), in that stage or before", id, m.Stages[l.until])
		}
	}
	for i := range m.Stages {
		n := 0
		for id := range members {
			if alive(id, i) {
				n++
			}
		}
		switch {
		case n > MaxCacheMembers:
			p.Add(ak+".members", "%d members live in stage %s; a replication group holds at most %d (a primary and five replicas)", n, m.Stages[i], MaxCacheMembers)
		case n < 2 && a.MultiAZ:
			p.Add(ak+".members", "only %d member lives in stage %s, and %s has Multi-AZ enabled: ElastiCache refuses to delete its last replica; create the new replica in an earlier stage", n, m.Stages[i], rg.ReplicationGroupId)
		}
	}

	// Old subnets: each leaves only after the members in its zone are gone
	// (deletions run after the subnet group's update, so a member deleted in
	// the same stage still holds its subnet).
	snapSubnets := map[string]string{}
	for _, sn := range snap.subnets.Subnets {
		snapSubnets[sn.SubnetIdentifier] = sn.SubnetAvailabilityZone.Name
	}
	subnetUntil := map[string]int{}
	for id := range snapSubnets {
		subnetUntil[id] = last
	}
	for _, id := range sortedNames(ad.Subnets) {
		sk := ak + ".subnets." + id
		az, ok := snapSubnets[id]
		if !ok {
			p.Add(sk, "%s is not in the subnet group %s in the snapshot (%s): only old subnets leave it", id, snap.subnets.CacheSubnetGroupName, strings.Join(sortedNames(snapSubnets), ", "))
			continue
		}
		u := stage(sk+".until", ad.Subnets[id].Until)
		if u < 0 {
			return nil
		}
		subnetUntil[id] = u
		for _, mid := range sortedNames(members) {
			if l := members[mid]; l.old && l.az == az && l.until >= u {
				p.Add(sk+".until", "%s holds %s (in %s) until stage %s: ElastiCache refuses to remove a subnet in use; take it out in a stage after the one that deletes %s", id, mid, az, stageName(m.Stages, l.until, "the end"), mid)
			}
		}
	}
	for _, id := range sortedNames(members) {
		l := members[id]
		if l.old {
			continue
		}
		for _, sn := range snap.oldSubnetsIn(l.az) {
			if subnetUntil[sn] > l.from {
				p.Add(ak+".members."+id+".az", "%s still holds the old subnet %s in stage %s, which creates %s: ElastiCache chooses the subnet within the zone, maybe the old one; take %s out of the group (subnets.%s.until) by that stage", l.az, sn, m.Stages[l.from], id, sn, sn)
			}
		}
		if iz := c.isolatedZones(); len(iz) > 0 && !slices.Contains(iz, l.az) {
			p.Add(ak+".members."+id+".az", "%s has no isolated subnet (the isolated tier's zones: %s)", l.az, strings.Join(iz, ", "))
		}
	}

	// This stage.
	a.Primary = primaryAt[here]
	kept := map[string]bool{}
	for _, id := range sortedNames(snapSubnets) {
		if here < subnetUntil[id] {
			a.OldSubnetIDs = append(a.OldSubnetIDs, id)
			kept[snapSubnets[id]] = true
		}
	}
	if !first {
		for _, az := range c.isolatedZones() {
			if !kept[az] {
				a.IsolatedAZs = append(a.IsolatedAZs, az)
			}
		}
	}
	for _, id := range sortedNames(members) {
		if l := members[id]; alive(id, here) {
			a.Members = append(a.Members, compute.AdoptedMember{ID: id, AZ: l.az, Imported: l.old})
		}
	}

	// Security groups: the old ones stay up to groupsUntil, each imported.
	var snapGroups []string
	for _, cl := range snap.members {
		for _, g := range cl.GroupIDs() {
			if !slices.Contains(snapGroups, g) {
				snapGroups = append(snapGroups, g)
			}
		}
	}
	sort.Strings(snapGroups)
	groupsUntil := last
	if ad.GroupsUntil != "" {
		if groupsUntil = stage(ak+".groupsUntil", ad.GroupsUntil); groupsUntil < 0 {
			return nil
		}
	}
	// Imported while the group carries them; from groupsUntil on the cache
	// lets go of them and the migration may delete them.
	for _, g := range snapGroups {
		if _, ok := m.Groups[g]; !ok && here < groupsUntil {
			p.Add(ak+".groupsUntil", "%s carries the old group %s, which is not imported: list it under platform:migration.groups, so that the stack knows it and deletes it after the cache lets go of it", rg.ReplicationGroupId, g)
		}
	}
	if here < groupsUntil {
		a.OldGroupIDs = snapGroups
	}

	c.resolveTransit(k, spec, snap, a, p)
	if spec.Auth == compute.AuthIAM {
		switch {
		case first:
			p.Add(k+".auth", "stage %s imports only: the group keeps its authentication (existing); move to iam in a later stage", m.Stage)
		case !compute.CacheSupportsIAM(rg.Engine, prim.EngineVersion):
			p.Add(k+".auth", "%s %s has no IAM authentication: keep auth: existing", rg.Engine, prim.EngineVersion)
		case !a.TransitEncryption:
			p.Add(k+".auth", "ElastiCache users need encryption in transit, which %s does not have in stage %s: set adopt.transitEncryption first", rg.ReplicationGroupId, m.Stage)
		}
	}
	return a
}

// resolveTransit applies adopt.transitEncryption: preferred, then required,
// in place, in the stages it names.
func (c *Config) resolveTransit(k string, spec compute.CacheSpec, snap cacheSnapshot, a *compute.AdoptedCache, p *problems.List) {
	t, m := spec.Adopt.TransitEncryption, c.Migration
	if t == nil {
		return
	}
	tk := k + ".adopt.transitEncryption"
	rg := snap.rg
	prim := snap.members[snap.primary]
	switch {
	case isTrue(rg.TransitEncryptionEnabled) && rg.TransitEncryptionMode != "preferred":
		p.Add(tk, "%s already requires encryption in transit: remove transitEncryption", rg.ReplicationGroupId)
		return
	case !compute.TransitInPlace(rg.Engine, prim.EngineVersion):
		p.Add(tk, "%s %s cannot turn encryption in transit on in place (Redis OSS 7.0.5 and Valkey 7.2 can); the provider would replace the group. Upgrade the engine first", rg.Engine, prim.EngineVersion)
		return
	}
	here := m.Index(m.Stage)
	pref, req := -1, len(m.Stages)
	if t.Preferred != "" {
		if pref = m.Index(t.Preferred); pref < 0 {
			p.Add(tk+".preferred", "%q is not one of platform:migration.stages (%s)", t.Preferred, strings.Join(m.Stages, ", "))
		} else if pref == 0 {
			p.Add(tk+".preferred", "stage %s imports only: turn encryption in transit on in a later stage", t.Preferred)
		}
	} else if !isTrue(rg.TransitEncryptionEnabled) {
		p.Add(tk+".preferred", "required: %s has no encryption in transit, and ElastiCache goes to required through preferred, in separate modifications", rg.ReplicationGroupId)
	}
	if t.Required != "" {
		if req = m.Index(t.Required); req < 0 {
			p.Add(tk+".required", "%q is not one of platform:migration.stages (%s)", t.Required, strings.Join(m.Stages, ", "))
		} else if req <= pref {
			p.Add(tk+".required", "stage %s is not after preferred (%s): clients move to TLS while both are accepted", t.Required, t.Preferred)
		}
	}
	switch {
	case req >= 0 && here >= req:
		a.TransitEncryption, a.TransitMode = true, "required"
	case pref >= 0 && here >= pref:
		a.TransitEncryption, a.TransitMode = true, "preferred"
	}
}

// isolatedZones are the zones of the isolated tier, in the network's order.
func (c *Config) isolatedZones() []string {
	if !c.Network.HasTier(network.TierIsolated) {
		return nil
	}
	return c.Network.AvailabilityZones
}

// AdoptedCache is what this stage registers for an adopted cache workload,
// nil for one the stack creates.
func (c *Config) AdoptedCache(name string) *compute.AdoptedCache { return c.adopted[name] }

// cacheAdoptionNotes say, per adopted cache, what this stage does to it and
// what only a person can do: the failover before the stage, and what a
// later stage may change in place.
func (c *Config) cacheAdoptionNotes() []string {
	var out []string
	for _, n := range sortedNames(c.adopted) {
		a, key := c.adopted[n], Project+":workloads."+n
		snap, _ := findCache(c.Snapshot, a.ID)
		var ms []string
		for _, mm := range a.Members {
			s := mm.ID
			switch {
			case mm.ID == a.Primary:
				s += " (primary)"
			case !mm.Imported:
				s += " (in the isolated subnet of " + mm.AZ + ")"
			}
			ms = append(ms, s)
		}
		subnets := append([]string(nil), a.OldSubnetIDs...)
		for _, az := range a.IsolatedAZs {
			subnets = append(subnets, "the isolated subnet of "+az)
		}
		out = append(out, fmt.Sprintf("%s adopts the replication group %s (imported and protected; never replaced): members %s; subnet group %s holds %s",
			key, a.ID, strings.Join(ms, ", "), a.SubnetGroupName, strings.Join(subnets, ", ")))
		if id, ok := c.Workloads[n].Cache.Adopt.Failover[c.Migration.Stage]; ok {
			out = append(out, key+": "+FailoverCommands(a.ID, id, c.Migration.Stage, a.MultiAZ))
		}
		for _, id := range sortedNames(c.Workloads[n].Cache.Adopt.Members) {
			if c.Workloads[n].Cache.Adopt.Members[id].Until == c.Migration.Stage {
				out = append(out, fmt.Sprintf("%s: the member %s is deleted in this stage (a replica: the primary is %s)", key, id, a.Primary))
			}
		}
		for _, id := range sortedNames(c.Workloads[n].Cache.Adopt.Subnets) {
			if c.Workloads[n].Cache.Adopt.Subnets[id].Until == c.Migration.Stage {
				out = append(out, fmt.Sprintf("%s: the old subnet %s leaves the subnet group %s in this stage (in place)", key, id, a.SubnetGroupName))
			}
		}
		if a.KMSKeyID == "" {
			out = append(out, fmt.Sprintf("%s: %s is encrypted at rest with AWS's managed key, fixed at creation: a key of the stack's needs a new group restored from a snapshot (restore), after the move", key, a.ID))
		}
		if !a.TransitEncryption || a.TransitMode == "preferred" {
			out = append(out, fmt.Sprintf("%s: %s accepts connections without TLS; adopt.transitEncryption {preferred: <stage>, required: <later stage>} turns encryption in transit on in place (ElastiCache does it in place from Redis OSS 7.0.5 and Valkey 7.2)", key, a.ID))
		}
		if c.Workloads[n].Cache.Auth == compute.AuthExisting && len(a.UserGroupIDs) == 0 && !isTrue(snap.rg.AuthTokenEnabled) {
			out = append(out, fmt.Sprintf("%s: %s accepts connections without authentication; auth: iam in a later stage adds an ElastiCache user per consumer and a user group, in place (it needs encryption in transit)", key, a.ID))
		}
	}
	return out
}

// FailoverCommands is the failover a person runs before the stage that
// declares a new primary: ElastiCache promotes a chosen replica only while
// Multi-AZ is off, so it is switched off and on around the promotion.
func FailoverCommands(id, primary, stage string, multiAZ bool) string {
	rg := "aws elasticache modify-replication-group --replication-group-id " + id
	wait := "aws elasticache wait replication-group-available --replication-group-id " + id
	steps := []string{}
	if multiAZ {
		steps = append(steps, rg+" --no-multi-az-enabled --apply-immediately", wait)
	}
	steps = append(steps, rg+" --primary-cluster-id "+primary+" --apply-immediately", wait)
	if multiAZ {
		steps = append(steps, rg+" --multi-az-enabled --apply-immediately", wait)
	}
	return fmt.Sprintf("stage %s needs %s as the primary of %s, and the stack never fails over by itself. Before `pulumi up`, unless describe-replication-groups already shows %s as primary, run: %s",
		stage, primary, id, primary, strings.Join(steps, "; "))
}

// registerAdoptedCaches imports the adopted caches in the import-only stage,
// where nothing else of the workloads is registered.
func registerAdoptedCaches(ctx *pulumi.Context, d *Design, pl *Platform) error {
	cfg := d.Config
	for _, n := range sortedNames(cfg.adopted) {
		_, err := compute.NewCache(ctx, cfg.Name+"-"+n, &compute.CacheArgs{
			Workload: n, Spec: *cfg.Workloads[n].Cache, Env: d.Env, Protect: true,
			Adopted: cfg.adopted[n], OldGroupIDs: pl.legacyGroupIDs(),
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// isolatedByAZ are the isolated subnets' IDs by zone.
func (pl *Platform) isolatedByAZ() map[string]pulumi.StringInput {
	out := map[string]pulumi.StringInput{}
	for _, s := range pl.Design.Plan.Tier(network.TierIsolated) {
		if sn, ok := pl.Vpc.Subnets[s.Key()]; ok {
			out[s.AZ] = sn.ID().ToStringOutput()
		}
	}
	return out
}

// stageName is stages[i], or end past the last stage.
func stageName(stages []string, i int, end string) string {
	if i >= 0 && i < len(stages) {
		return stages[i]
	}
	return end
}

func isTrue(b *bool) bool { return b != nil && *b }
