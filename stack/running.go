package stack

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
)

// readRunning asks the account which engine version each data store that
// already exists runs, by workload name. AWS upgrades minor versions on its
// own (automatic minor upgrades are on), so the version in the stack file
// is a floor, not what runs: the data store builders need the running
// version to tell AWS's minor upgrade (left alone) from a deliberate
// upgrade (made) and a downgrade (refused here, before anything is
// registered). A store that does not exist yet is absent from the map.
func readRunning(ctx *pulumi.Context, cfg *Config) (map[string]string, error) {
	out := map[string]string{}
	for _, n := range cfg.Workloads.Names() {
		w := cfg.Workloads[n]
		name := cfg.Name + "-" + n
		switch {
		case w.Aurora != nil:
			id := compute.ClusterIdentifier(name, *w.Aurora)
			found, err := rds.GetClusters(ctx, &rds.GetClustersArgs{
				Filters: []rds.GetClustersFilter{{Name: "db-cluster-id", Values: []string{id}}},
			})
			if err != nil {
				return nil, fmt.Errorf("looking up the Aurora cluster %s: %w", id, err)
			}
			if !contains(found.ClusterIdentifiers, id) {
				continue
			}
			c, err := rds.LookupCluster(ctx, &rds.LookupClusterArgs{ClusterIdentifier: id})
			if err != nil {
				return nil, fmt.Errorf("reading the Aurora cluster %s: %w", id, err)
			}
			out[n] = c.EngineVersion
		case w.Cache != nil && w.Cache.Adopt != nil:
			// An adopted group's version is the snapshot's (validateCacheAdoption).
		case w.Cache != nil:
			id := compute.ReplicationGroupID(name, *w.Cache)
			rg, err := elasticache.LookupReplicationGroup(ctx, &elasticache.LookupReplicationGroupArgs{ReplicationGroupId: id})
			if err != nil {
				if notFound(err) {
					continue
				}
				return nil, fmt.Errorf("looking up the replication group %s: %w", id, err)
			}
			if len(rg.MemberClusters) == 0 {
				continue
			}
			// The group reports no version; its nodes do, all the same one.
			node, err := elasticache.LookupCluster(ctx, &elasticache.LookupClusterArgs{ClusterId: rg.MemberClusters[0]})
			if err != nil {
				return nil, fmt.Errorf("reading the cache node %s: %w", rg.MemberClusters[0], err)
			}
			out[n] = node.EngineVersion
		}
	}
	return out, nil
}

// notFound recognises the provider's answer for a replication group that
// does not exist (ReplicationGroupNotFoundFault, "couldn't find resource").
func notFound(err error) bool {
	s := strings.ToLower(err.Error())
	return strings.Contains(s, "notfound") || strings.Contains(s, "not found") || strings.Contains(s, "couldn't find resource")
}

// checkRunning rejects a configured engine version that the running store
// cannot move to in place.
func checkRunning(cfg *Config, running map[string]string) error {
	var p problems.List
	for _, n := range cfg.Workloads.Names() {
		v, ok := running[n]
		if !ok {
			continue
		}
		w := cfg.Workloads[n]
		var err error
		switch {
		case w.Aurora != nil:
			err = w.Aurora.CheckRunning(v)
		case w.Cache != nil:
			err = w.Cache.CheckRunning(v)
		}
		if err != nil {
			p.Add(Project+":workloads."+n+".engineVersion", "%v", err)
		}
	}
	return p.Err()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// dataStoreNotes are what a reviewer should know about the data stores'
// versions and change timing: a version AWS moved on its own (left alone),
// and a store whose changes wait for the maintenance window.
func dataStoreNotes(cfg *Config, running map[string]string) []string {
	var out []string
	for _, n := range cfg.Workloads.Names() {
		w := cfg.Workloads[n]
		key := Project + ":workloads." + n
		var configured, service string
		var immediately bool
		switch {
		case w.Aurora != nil:
			configured, immediately, service = w.Aurora.EngineVersion, w.Aurora.ApplyImmediately, "RDS"
		case w.Cache != nil:
			configured, immediately, service = w.Cache.EngineVersion, w.Cache.ApplyImmediately, "ElastiCache"
		default:
			continue
		}
		if v, ok := running[n]; ok && compute.CompareVersions(v, configured) > 0 {
			out = append(out, fmt.Sprintf("%s runs %s, newer than engineVersion %s (AWS's automatic minor upgrade): the running version is left as it is", key, v, configured))
		}
		if !immediately {
			out = append(out, fmt.Sprintf("%s.applyImmediately is false: %s holds changes such as the engine version or instance class until the next maintenance window, after `pulumi up` reports them done", key, service))
		}
	}
	return out
}
