package migrate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/network"
)

// adoptedCluster is one Aurora cluster of the VPC the stage adopts.
type adoptedCluster struct {
	workload string
	snap     *compute.Snapshot
	move     *compute.AuroraMove
}

var workloadName = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)

// findClusters lists the VPC's Aurora clusters with the schedule proposed for
// each, workload names taken from their identifiers where they make one.
func (d *draft) findClusters() error {
	var isolated []string
	for _, s := range d.plan.Tier(network.TierIsolated) {
		isolated = append(isolated, s.AZ)
	}
	var problems []string
	used := map[string]bool{}
	for _, c := range d.inv.DBClusters {
		snap, err := compute.FindAdopted(d.inv, c.DBClusterIdentifier)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		if snap.SubnetGroup.VpcId != d.vpc.ID {
			continue
		}
		name := c.DBClusterIdentifier
		if !workloadName.MatchString(name) || len(name) > compute.MaxNameLen || used[name] {
			name = fmt.Sprintf("db-%d", len(d.clusters)+1)
		}
		used[name] = true
		move, err := compute.PlanAuroraMove(snap, isolated, d.stages)
		if err != nil {
			problems = append(problems, err.Error())
			continue
		}
		d.clusters = append(d.clusters, adoptedCluster{workload: name, snap: snap, move: move})
	}
	sort.Slice(d.clusters, func(i, j int) bool { return d.clusters[i].workload < d.clusters[j].workload })
	if len(problems) > 0 {
		return fmt.Errorf("migrate: cannot adopt the data stores of %s:\n  %s", d.vpc.ID, strings.Join(problems, "\n  "))
	}
	return nil
}

// renderClusters writes the aurora workloads that adopt the VPC's clusters.
func (d *draft) renderClusters(w *yamlWriter) {
	if len(d.clusters) == 0 {
		return
	}
	w.comment(2,
		"Each Aurora cluster of the VPC, adopted: imported with exactly the",
		"snapshot's values, then moved into the isolated tier stage by stage",
		"(docs/migration.md, Moving an Aurora cluster). The schedule below is",
		"proposed from the snapshot; any order validation accepts will do.")
	for _, c := range d.clusters {
		cl, a := c.snap.Cluster, c.move.Adopt
		w.key(2, c.workload)
		w.kv(3, "kind", "aurora", "")
		w.kv(3, "engine", scalar(cl.Engine), "as the cluster runs; never normalised")
		w.kv(3, "engineVersion", fmt.Sprintf("%q", cl.EngineVersion), "")
		w.kv(3, "instanceClass", scalar(c.snap.Instances[c.snap.Writer].DBInstanceClass), "the new instances get the old ones' class")
		w.key(3, "adopt")
		w.comment(4, c.move.Zones...)
		w.kv(4, "clusterIdentifier", scalar(a.ClusterIdentifier), "")
		w.key(4, "instances")
		for _, id := range sortedKeys(a.Instances) {
			note := "a reader: deleted after the failover"
			if id == c.snap.Writer {
				note = "the writer now: deleted once it is a reader"
			}
			w.kv(5, id, "{until: "+a.Instances[id].Until+"}", c.snap.Instances[id].AvailabilityZone+", "+note)
		}
		w.key(4, "subnets")
		for _, sn := range c.snap.SubnetGroup.Subnets {
			w.kv(5, sn.SubnetIdentifier, "{until: "+a.Subnets[sn.SubnetIdentifier].Until+"}", sn.SubnetAvailabilityZone.Name)
		}
		w.key(4, "newInstances")
		for i, ni := range a.NewInstances {
			w.item(5, "{az: "+ni.AZ+", from: "+ni.From+"}", compute.AdoptedInstanceIdentifier(a.ClusterIdentifier, i+1))
		}
		w.key(4, "failover")
		for _, st := range sortedKeys(a.Failover) {
			w.kv(5, st, a.Failover[st], "run the command the plan of "+st+" prints before its pulumi up")
		}
	}
}
