package change

import (
	"fmt"
	"strings"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/sim"
)

// What AWS and the provider do that a comparison of two programs' inputs
// does not show: the versions AWS moves data stores to on its own (read back
// into state by a refresh or any later update), the updates AWS refuses, and
// the ones it defers to a maintenance window.

const (
	typeRDSCluster  = "aws:rds/cluster:Cluster"
	typeRDSInstance = "aws:rds/clusterInstance:ClusterInstance"
	typeRDSParams   = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	typeCacheGroup  = "aws:elasticache/replicationGroup:ReplicationGroup"
)

// ReadBack is the state the provider holds for the resources of g once AWS
// runs the data stores in running (engine version by Aurora cluster
// identifier or replication group ID) and the provider has read them: what
// the next `pulumi up` diffs the program against. It follows the provider
// (terraform-provider-aws internal/service/rds/engine_version.go,
// compareActualEngineVersion; elasticache/engine_version.go,
// setEngineVersionValkey / setEngineVersionRedis): an RDS cluster keeps its
// configured engineVersion only while the running version merely adds
// numbers to it (16 for 16.6), else it takes the running one; an ElastiCache
// group reads major.minor of the running version (Redis OSS below 6: all of it).
func ReadBack(g *sim.Graph, running map[string]string) *sim.Graph {
	out := &sim.Graph{Project: g.Project, Stack: g.Stack, Exports: g.Exports}
	for _, r := range g.Resources {
		r.Inputs = copyMap(r.Inputs)
		switch r.Type {
		case typeRDSCluster:
			id, _ := r.Inputs["clusterIdentifier"].(string)
			if actual, ok := running[id]; ok {
				configured, _ := r.Inputs["engineVersion"].(string)
				if configured != actual && !strings.HasPrefix(actual, configured+".") {
					r.Inputs["engineVersion"] = actual
				}
			}
		case typeCacheGroup:
			id, _ := r.Inputs["replicationGroupId"].(string)
			if actual, ok := running[id]; ok {
				parts := strings.Split(actual, ".")
				if len(parts) >= 2 && !(r.Inputs["engine"] == "redis" && parts[0] < "6" && len(parts[0]) == 1) {
					actual = parts[0] + "." + parts[1]
				}
				r.Inputs["engineVersion"] = actual
			}
		}
		out.Resources = append(out.Resources, r)
	}
	return out
}

func copyMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// refusals lists why AWS would refuse the update of a resource from before
// to after (after is a resource of graph g).
func refusals(before, after sim.Resource, g *sim.Graph) []string {
	if after.Type != typeRDSCluster || before.Type != after.Type {
		return nil
	}
	ignored := func(p string) bool {
		for _, ig := range after.IgnoreChanges {
			if ig == p || ig == "*" {
				return true
			}
		}
		return false
	}
	engine, _ := after.Inputs["engine"].(string)
	old, _ := before.Inputs["engineVersion"].(string)
	now, _ := after.Inputs["engineVersion"].(string)
	if ignored("engineVersion") || old == "" || now == "" || old == now {
		return nil
	}
	var out []string
	if compute.CompareVersions(now, old) < 0 {
		out = append(out, fmt.Sprintf("engineVersion %s -> %s: RDS refuses to downgrade an engine (InvalidParameterCombination: Cannot upgrade %s from %s to %s)", old, now, engine, old, now))
		return out
	}
	family := compute.AuroraFamily(engine, now)
	if compute.AuroraFamily(engine, old) == family {
		return nil
	}
	if after.Inputs["allowMajorVersionUpgrade"] != true {
		out = append(out, fmt.Sprintf("engineVersion %s -> %s is a major upgrade: RDS refuses it unless the modify call carries allowMajorVersionUpgrade", old, now))
	}
	var groupFamily string
	for _, urn := range after.PropertyDependencies["dbClusterParameterGroupName"] {
		if pg, ok := g.Get(urn); ok && pg.Type == typeRDSParams {
			groupFamily, _ = pg.Inputs["family"].(string)
		}
	}
	if groupFamily != family {
		out = append(out, fmt.Sprintf("engineVersion %s -> %s needs a cluster parameter group of family %s in the same modify call; the cluster names one of family %q", old, now, family, groupFamily))
	}
	return out
}

// stateOnly are inputs whose change the provider keeps in state without
// calling AWS (rds/cluster.go resourceClusterUpdate: HasChangesExcept; the
// replication group's and instance's final snapshot and tags likewise).
var stateOnly = map[string]bool{
	"allowMajorVersionUpgrade": true, "applyImmediately": true, "deleteAutomatedBackups": true,
	"finalSnapshotIdentifier": true, "skipFinalSnapshot": true, "tags": true, "tagsAll": true,
}

// applies says when AWS applies an update of an RDS or ElastiCache resource:
// with applyImmediately false, RDS and ElastiCache hold changes such as an
// engine version or instance class until the next maintenance window, while
// `pulumi up` reports them done.
func applies(after sim.Resource, props []string) string {
	switch after.Type {
	case typeRDSCluster, typeRDSInstance, typeCacheGroup:
	default:
		return ""
	}
	real := false
	for _, p := range props {
		if !stateOnly[p] {
			real = true
		}
	}
	switch {
	case !real:
		return "state only: no call to AWS"
	case after.Inputs["applyImmediately"] == true:
		return "applies now (applyImmediately)"
	}
	window, _ := after.Inputs["preferredMaintenanceWindow"].(string)
	if window == "" {
		window = "AWS's weekly window"
	}
	return "waits for the next maintenance window (" + window + "): applyImmediately is false"
}

// RefusedError is an update AWS would refuse.
type RefusedError struct {
	Entry  Entry
	Reason string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Entry.Type, e.Entry.Name, e.Reason)
}
