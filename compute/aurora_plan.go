package compute

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// AuroraMove is a proposed schedule for an adopted cluster: its adopt block,
// over the migration's stages.
type AuroraMove struct {
	Adopt AuroraAdopt
	// Zones explains the order, for the generated file's comments.
	Zones []string
}

// PlanAuroraMove proposes how to move the snapshot's cluster into the
// isolated tier over the migration's stages (the first imports, the last is
// the contract), with as many new instances as it has old ones:
//
//	span      (the stage named data, else the second) the old subnets of
//	          zones without an old instance leave the group; the first new
//	          instance is created in the first such zone of the isolated tier
//	failover  (the stage named failover, else the next) after the printed
//	          failover to that instance, the old readers go
//	readers   (the next) the old readers' subnets leave; the other new
//	          instances come up in those zones (else in the free ones)
//	retire    (the stage named retire, else the next) the old writer, a
//	          reader since the failover, goes
//	contract  the last old subnets leave
//
// It needs one zone of the isolated tier where no old instance runs: where
// every zone holds one, a reader must go before anything new can come, which
// is a choice for whoever writes the schedule.
func PlanAuroraMove(snap *Snapshot, isolatedAZs []string, stages []string) (*AuroraMove, error) {
	id := snap.Cluster.DBClusterIdentifier
	last := len(stages) - 1
	pick := func(name string, after int) int {
		if j := slices.Index(stages, name); j > after && j < last {
			return j
		}
		return after + 1
	}
	si := pick("data", 0)
	fi := pick("failover", si)
	ri := fi + 1
	wi := pick("retire", ri)
	if wi >= last {
		return nil, fmt.Errorf("moving %s takes four stages between the first and the last (new instance, failover, new readers, old writer out); the stages %s have %d", id, strings.Join(stages, ", "), max(0, last-1))
	}
	span, failover, readers, retire, contract := stages[si], stages[fi], stages[ri], stages[wi], stages[last]
	azs := append([]string(nil), isolatedAZs...)
	sort.Strings(azs)
	used := map[string]bool{}
	for _, in := range snap.Instances {
		used[in.AvailabilityZone] = true
	}
	var free []string
	for _, z := range azs {
		if !used[z] {
			free = append(free, z)
		}
	}
	if len(free) == 0 {
		return nil, fmt.Errorf("every zone of the isolated tier (%s) holds an instance of %s, so no new instance can start in an isolated subnet before an old one goes; write its adopt schedule by hand (docs/migration.md, Moving an Aurora cluster)", strings.Join(azs, ", "), id)
	}
	m := &AuroraMove{}
	a := &m.Adopt
	a.ClusterIdentifier = id
	a.Instances = map[string]Until{}
	a.Subnets = map[string]Until{}
	writerZone := snap.Instances[snap.Writer].AvailabilityZone
	readerZones := map[string]bool{}
	for _, iid := range sortedKeys(snap.Instances) {
		if iid == snap.Writer {
			a.Instances[iid] = Until{retire}
			continue
		}
		a.Instances[iid] = Until{failover}
		readerZones[snap.Instances[iid].AvailabilityZone] = true
	}
	for _, sn := range snap.SubnetGroup.Subnets {
		z := sn.SubnetAvailabilityZone.Name
		switch {
		case z == writerZone:
			a.Subnets[sn.SubnetIdentifier] = Until{contract}
		case readerZones[z]:
			a.Subnets[sn.SubnetIdentifier] = Until{readers}
		default:
			a.Subnets[sn.SubnetIdentifier] = Until{span}
		}
	}
	a.NewInstances = append(a.NewInstances, NewInstance{AZ: free[0], From: span})
	m.Zones = append(m.Zones, fmt.Sprintf("%s holds no old instance: its old subnets leave first and %s starts there", free[0], AdoptedInstanceIdentifier(id, 1)))
	// The other new instances: in the old readers' zones, then the free ones.
	var later []string
	for _, z := range azs {
		if readerZones[z] && z != writerZone {
			later = append(later, z)
		}
	}
	for _, z := range free[1:] {
		if !slices.Contains(later, z) {
			later = append(later, z)
		}
	}
	if len(later) == 0 {
		later = free[:1]
	}
	for n := 2; n <= len(snap.Instances); n++ {
		z := later[(n-2)%len(later)]
		a.NewInstances = append(a.NewInstances, NewInstance{AZ: z, From: readers})
	}
	a.Failover = map[string]string{failover: AdoptedInstanceIdentifier(id, 1)}
	m.Zones = append(m.Zones, fmt.Sprintf("%s, the writer, runs in %s: it goes last, after the failover to %s, and its zone's old subnets leave at %s", snap.Writer, writerZone, AdoptedInstanceIdentifier(id, 1), contract))
	return m, nil
}
