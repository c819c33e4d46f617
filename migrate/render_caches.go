package migrate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/compute"
)

// adoptedCache is one ElastiCache replication group of the VPC the
// import-only stage adopts as a cache workload.
type adoptedCache struct {
	workload string
	rg       audit.ReplicationGroup
	primary  *audit.CacheCluster
	members  []*audit.CacheCluster
	subnets  *audit.CacheSubnetGroup
}

// findCaches lists the VPC's replication groups (cluster mode disabled), each
// as a cache workload named after its ID where that makes a workload name.
// taken are the workload names already used.
func (d *draft) findCaches(taken map[string]bool) {
	groups := map[string]*audit.CacheSubnetGroup{}
	for i := range d.inv.CacheSubnetGroups {
		g := &d.inv.CacheSubnetGroups[i]
		groups[g.CacheSubnetGroupName] = g
	}
	for _, rg := range d.inv.ReplicationGroups {
		c := adoptedCache{rg: rg}
		for i := range d.inv.CacheClusters {
			cl := &d.inv.CacheClusters[i]
			if cl.ReplicationGroupId != rg.ReplicationGroupId {
				continue
			}
			c.members = append(c.members, cl)
			if c.subnets == nil {
				c.subnets = groups[cl.CacheSubnetGroupName]
			}
		}
		for _, ng := range rg.NodeGroups {
			for _, m := range ng.NodeGroupMembers {
				for _, cl := range c.members {
					if m.CurrentRole == "primary" && cl.CacheClusterId == m.CacheClusterId {
						c.primary = cl
					}
				}
			}
		}
		switch {
		case c.subnets == nil || c.subnets.VpcId != d.vpc.ID:
			continue // another VPC's, or its subnet group was not read
		case (rg.ClusterEnabled != nil && *rg.ClusterEnabled) || len(rg.NodeGroups) != 1 || c.primary == nil:
			d.notes = append(d.notes, fmt.Sprintf("the replication group %s has cluster mode enabled or no primary in the snapshot: the cache kind does not adopt it; move it by hand", rg.ReplicationGroupId))
			continue
		}
		sort.Slice(c.members, func(i, j int) bool { return c.members[i].CacheClusterId < c.members[j].CacheClusterId })
		name := rg.ReplicationGroupId
		if !workloadNameText.MatchString(name) || len(name) > compute.MaxNameLen || taken[name] {
			name = fmt.Sprintf("cache-%d", len(d.caches)+1)
		}
		taken[name] = true
		c.workload = name
		d.caches = append(d.caches, c)
	}
	sort.Slice(d.caches, func(i, j int) bool { return d.caches[i].workload < d.caches[j].workload })
}

// renderCaches writes the cache workloads that adopt the VPC's replication
// groups, under an open platform:workloads key: the kind's settings equal
// to the snapshot's, and the adopt block with the group's ID. Its members,
// subnets and old groups default to the snapshot's, which is exactly what the
// import-only stage imports; the later stages add the schedule
// (docs/migration.md, Moving an ElastiCache replication group).
func (d *draft) renderCaches(w *yamlWriter) {
	if len(d.caches) > 0 {
		w.comment(2,
			"Each ElastiCache replication group of the VPC, adopted: imported with",
			"exactly the snapshot's values, then moved into the isolated tier stage by",
			"stage (docs/migration.md, Moving an ElastiCache replication group).")
	}
	for _, c := range d.caches {
		rg, p := c.rg, c.primary
		port := 0
		if len(p.CacheNodes) > 0 && p.CacheNodes[0].Endpoint != nil {
			port = p.CacheNodes[0].Endpoint.Port
		}
		w.key(2, c.workload)
		w.kv(3, "kind", "cache", "")
		w.kv(3, "engine", scalar(rg.Engine), "as the group runs; never normalised")
		w.kv(3, "engineVersion", fmt.Sprintf("%q", compute.ProviderCacheVersion(p.EngineVersion)), p.EngineVersion+", as the provider reads it back")
		w.kv(3, "nodeType", scalar(rg.CacheNodeType), "")
		w.kv(3, "port", fmt.Sprint(port), "")
		var auth []string
		if rg.AuthTokenEnabled != nil && *rg.AuthTokenEnabled {
			auth = append(auth, "an auth token the stack never sees")
		}
		if len(rg.UserGroupIds) > 0 {
			auth = append(auth, "user groups "+strings.Join(rg.UserGroupIds, ", "))
		}
		if len(auth) == 0 {
			auth = append(auth, "no authentication")
		}
		w.kv(3, "auth", "existing", "the group keeps "+strings.Join(auth, " and "))
		w.key(3, "adopt")
		var ms []string
		for _, m := range c.members {
			s := m.CacheClusterId + " in " + m.PreferredAvailabilityZone
			if m == p {
				s += " (primary)"
			}
			ms = append(ms, s)
		}
		var sn []string
		for _, s := range c.subnets.Subnets {
			sn = append(sn, s.SubnetIdentifier+" ("+s.SubnetAvailabilityZone.Name+")")
		}
		w.comment(4, wrap(fmt.Sprintf("Members %s; subnet group %s: %s. Imported as they are; the later stages add members, subnets, failover and groupsUntil, the same block in every file.",
			strings.Join(ms, ", "), c.subnets.CacheSubnetGroupName, strings.Join(sn, ", ")), 72)...)
		w.kv(4, "replicationGroupId", scalar(rg.ReplicationGroupId), "")
	}
}
