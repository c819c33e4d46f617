// An aurora workload that takes over an existing cluster (adopt:), and the
// stages that move it into the isolated tier.

package compute

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/problems"
)

// AuroraAdopt takes over an existing Aurora cluster instead of creating one,
// and moves it into the isolated tier in stages, the way AWS documents for
// Aurora (the DB subnet group spans old and new subnets, new instances join in
// the new subnets, a failover makes one of them the writer, the old instances
// go, the old subnets leave the group): the cluster, its endpoints and its
// data stay; no step replaces it.
//
// The block is the same in every stage file of the migration, like
// platform:migration.stages: each entry names the stage that does it, and
// platform:migration.stage says which of them this file is. In the first
// stage the cluster, its instances, its DB subnet group and its cluster
// parameter group are imported exactly as the snapshot has them, protected;
// nothing changes before the second stage.
type AuroraAdopt struct {
	// ClusterIdentifier is the existing cluster's identifier. Required; it
	// must be in the migration's snapshot.
	ClusterIdentifier string `json:"clusterIdentifier"`
	// Instances are the cluster's instances as the snapshot lists them, each
	// with the stage that deletes it (until). Every one must be listed. An
	// instance is protected until the stage before its until, where the
	// protection is lifted (a change of its own in review).
	Instances map[string]Until `json:"instances"`
	// Subnets are the subnets of the cluster's DB subnet group as the snapshot
	// lists them, each with the stage that takes it out of the group (until).
	// RDS refuses to take out a subnet an instance still runs in, so a subnet
	// leaves at the earliest in the stage after every old instance of its zone
	// was deleted.
	Subnets map[string]Until `json:"subnets"`
	// NewInstances are the cluster's instances in the isolated tier: entry n
	// is instance n+1, identifier <clusterIdentifier>-<n+1>, created in the
	// zone az by the stage from. RDS picks the subnet within a zone itself, so
	// every old subnet of that zone must be out of the group by then: the new
	// instance can only land in the isolated subnet.
	NewInstances []NewInstance `json:"newInstances"`
	// Failover names, per stage, the instance that must be the writer before
	// that stage's `pulumi up`: the plan prints the aws rds failover-db-cluster
	// command to run first. The writer is never moved by the stack itself.
	Failover map[string]string `json:"failover,omitempty"`
	// GroupsUntil is the stage from which the cluster carries only its own
	// security group: until then it keeps the old groups it has (which
	// platform:migration.groups imports). Default: the last stage.
	GroupsUntil string `json:"groupsUntil,omitempty"`
	// TLSFrom is the stage from which the cluster parameter group requires TLS
	// (rds.force_ssl=1 / require_secure_transport=ON), as every store of the
	// platform does. Clients that connect without TLS fail from then on.
	// Default: the second stage.
	TLSFrom string `json:"tlsFrom,omitempty"`
	// ManagePasswordFrom is the stage that turns on RDS's management of the
	// master password in Secrets Manager, for a cluster whose password was set
	// by hand. RDS does it in place and generates a new password: whoever
	// logs in as the master user must read the secret from then on. Unset,
	// the password stays as it is and the stack creates no secret.
	ManagePasswordFrom string `json:"managePasswordFrom,omitempty"`
}

// Until names the stage that removes something.
type Until struct {
	Until string `json:"until"`
}

// NewInstance is one instance an adopted cluster gets in the isolated tier.
type NewInstance struct {
	// AZ is the zone it runs in: one of the isolated tier's.
	AZ string `json:"az"`
	// From is the stage that creates it.
	From string `json:"from"`
}

// AdoptedInstanceIdentifier is the identifier of new instance n (from 1) of
// an adopted cluster: fixed, so the failover command can name it.
func AdoptedInstanceIdentifier(cluster string, n int) string {
	return fmt.Sprintf("%s-%d", cluster, n)
}

// AuroraStage is what an adopted cluster is in one stage of the migration.
type AuroraStage struct {
	// Index is the stage's position; 0 is the stage that imports the cluster
	// as it is.
	Index int
	Name  string
	// OldInstances are the adopted instances still there, sorted; Unprotected
	// those of them whose protection is lifted here (deleted next stage).
	OldInstances []string
	Unprotected  []string
	// NewInstances are the numbers (from 1) of the new instances there.
	NewInstances []int
	// OldSubnets are the old subnets still in the group, sorted.
	OldSubnets []string
	// Isolated is true when the isolated subnets are in the group.
	Isolated bool
	// Writer is the instance that is the writer while this stage deploys;
	// FailoverTo is set when it became so by a failover run just before.
	Writer     string
	FailoverTo string
	// OldGroups: the cluster still carries its old security groups.
	OldGroups bool
	// TLS: the parameter group requires TLS.
	TLS bool
	// ManagePassword: the stack turns RDS's master password management on
	// (it is on when the snapshot shows a master secret).
	ManagePassword bool
}

// Imports reports whether this is the stage that imports the cluster as it
// is, changing nothing.
func (s AuroraStage) Imports() bool { return s.Index == 0 }

// At resolves the schedule for stage i of stages; writer is the snapshot's
// writer. Stage names not in stages count as never.
func (a AuroraAdopt) At(stages []string, i int, writer string) AuroraStage {
	idx := func(s string, dflt int) int {
		if s == "" {
			return dflt
		}
		if j := slices.Index(stages, s); j >= 0 {
			return j
		}
		return len(stages) + 1 // never
	}
	st := AuroraStage{Index: i, Isolated: i >= 1, Writer: writer}
	if i >= 0 && i < len(stages) {
		st.Name = stages[i]
	}
	for _, id := range sortedKeys(a.Instances) {
		u := idx(a.Instances[id].Until, len(stages)+1)
		if i < u {
			st.OldInstances = append(st.OldInstances, id)
			if i == u-1 && i >= 1 {
				st.Unprotected = append(st.Unprotected, id)
			}
		}
	}
	for n, ni := range a.NewInstances {
		if i >= idx(ni.From, len(stages)+1) {
			st.NewInstances = append(st.NewInstances, n+1)
		}
	}
	for _, id := range sortedKeys(a.Subnets) {
		if i < idx(a.Subnets[id].Until, len(stages)+1) {
			st.OldSubnets = append(st.OldSubnets, id)
		}
	}
	for j := 1; j <= i && j < len(stages); j++ {
		if to, ok := a.Failover[stages[j]]; ok {
			st.Writer = to
			if j == i {
				st.FailoverTo = to
			}
		}
	}
	st.OldGroups = i < idx(a.GroupsUntil, len(stages)-1)
	st.TLS = i >= idx(a.TLSFrom, 1) && i >= 1
	st.ManagePassword = a.ManagePasswordFrom != "" && i >= idx(a.ManagePasswordFrom, len(stages)+1)
	return st
}

// Has reports whether the instance (an adopted identifier or a new one's)
// exists in the stage.
func (s AuroraStage) Has(cluster, id string) bool {
	if slices.Contains(s.OldInstances, id) {
		return true
	}
	for _, n := range s.NewInstances {
		if AdoptedInstanceIdentifier(cluster, n) == id {
			return true
		}
	}
	return false
}

// Count is how many instances the cluster has in the stage.
func (s AuroraStage) Count() int { return len(s.OldInstances) + len(s.NewInstances) }

// FailoverCommand is what an operator runs before `pulumi up` of a stage
// whose writer is another instance than the stage before's, and how to see
// that it took.
func FailoverCommand(cluster, target string) string {
	return fmt.Sprintf("aws rds failover-db-cluster --db-cluster-identifier %s --target-db-instance-identifier %s", cluster, target) +
		fmt.Sprintf(" && aws rds describe-db-clusters --db-cluster-identifier %s --query 'DBClusters[0].DBClusterMembers[?IsClusterWriter].DBInstanceIdentifier' --output text", cluster)
}

// AdoptContext is what checking an adopted cluster needs from the rest of
// the stack.
type AdoptContext struct {
	// Stages and Stage are platform:migration's; StagesKey its key.
	Stages    []string
	Stage     string
	StagesKey string
	// Inventory is the migration's snapshot; nil when it could not be read
	// (the migration reports why).
	Inventory *audit.Inventory
	// VpcID is the adopted VPC.
	VpcID string
	// IsolatedAZs are the zones of the isolated tier.
	IsolatedAZs []string
	// Protect is platform:protect.
	Protect bool
	// Groups are the old groups platform:migration imports, and GroupsKey
	// where they are listed.
	Groups    map[string]bool
	GroupsKey string
	// SecretConsumers are the workloads that log in with the master secret
	// (auth: secret), sorted.
	SecretConsumers []string
}

// Snapshot finds the adopted cluster and what belongs to it in a snapshot.
type Snapshot struct {
	Cluster        audit.DBCluster
	Instances      map[string]audit.DBInstance
	SubnetGroup    audit.DBSubnetGroup
	ParameterGroup *audit.DBClusterParameterGroup // nil for a default group
	Writer         string
}

// FindAdopted returns the cluster of id and what belongs to it; the error
// says what is missing from the snapshot.
func FindAdopted(inv *audit.Inventory, id string) (*Snapshot, error) {
	var s Snapshot
	found := false
	for _, c := range inv.DBClusters {
		if c.DBClusterIdentifier == id {
			s.Cluster, found = c, true
		}
	}
	if !found {
		var ids []string
		for _, c := range inv.DBClusters {
			ids = append(ids, c.DBClusterIdentifier)
		}
		sort.Strings(ids)
		if len(ids) == 0 {
			return nil, fmt.Errorf("%s is not in the snapshot, which holds no DB cluster (aws rds describe-db-clusters)", id)
		}
		return nil, fmt.Errorf("%s is not in the snapshot; its clusters are %s", id, strings.Join(ids, ", "))
	}
	s.Instances = map[string]audit.DBInstance{}
	for _, m := range s.Cluster.DBClusterMembers {
		if m.IsClusterWriter {
			s.Writer = m.DBInstanceIdentifier
		}
		for _, in := range inv.DBInstances {
			if in.DBInstanceIdentifier == m.DBInstanceIdentifier {
				s.Instances[in.DBInstanceIdentifier] = in
			}
		}
	}
	var missing []string
	for _, m := range s.Cluster.DBClusterMembers {
		if _, ok := s.Instances[m.DBInstanceIdentifier]; !ok {
			missing = append(missing, m.DBInstanceIdentifier)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the snapshot lists %s as members of %s but not their instances (aws rds describe-db-instances)", strings.Join(missing, ", "), id)
	}
	if s.Writer == "" {
		return nil, fmt.Errorf("%s has no writer in the snapshot; take it while the cluster is available", id)
	}
	found = false
	for _, g := range inv.DBSubnetGroups {
		if g.DBSubnetGroupName == s.Cluster.DBSubnetGroup {
			s.SubnetGroup, found = g, true
		}
	}
	if !found {
		return nil, fmt.Errorf("the subnet group %s of %s is not in the snapshot (aws rds describe-db-subnet-groups)", s.Cluster.DBSubnetGroup, id)
	}
	if pg := s.Cluster.DBClusterParameterGroup; !strings.HasPrefix(pg, "default.") {
		for i := range inv.DBClusterParameterGroups {
			if g := inv.DBClusterParameterGroups[i]; g.DBClusterParameterGroupName == pg {
				s.ParameterGroup = &g
			}
		}
		if s.ParameterGroup == nil {
			return nil, fmt.Errorf("the cluster parameter group %s of %s is not in the snapshot (aws rds describe-db-cluster-parameter-groups)", pg, id)
		}
		if !s.ParameterGroup.ParametersRead {
			return nil, fmt.Errorf("the values set in the cluster parameter group %s of %s were not read (aws rds describe-db-cluster-parameters --source user); an import must carry them", pg, id)
		}
	}
	return &s, nil
}

// SubnetAZ is the zone of a subnet of the group, or "".
func (s *Snapshot) SubnetAZ(id string) string {
	for _, sn := range s.SubnetGroup.Subnets {
		if sn.SubnetIdentifier == id {
			return sn.SubnetAvailabilityZone.Name
		}
	}
	return ""
}

// validateAdoptShape checks the adopt block on its own, at k (the workload's
// key); CheckAdopted checks it against the snapshot and the stages.
func (s AuroraSpec) validateAdoptShape(k string, p *problems.List) {
	a := s.Adopt
	ak := k + ".adopt"
	if a.ClusterIdentifier == "" {
		p.Add(ak+".clusterIdentifier", "required: the identifier of the cluster to adopt, as aws rds describe-db-clusters shows it")
	} else if why := badDBIdentifier(a.ClusterIdentifier, 63); why != "" {
		p.Add(ak+".clusterIdentifier", "%q %s", a.ClusterIdentifier, why)
	}
	if s.ClusterIdentifier != "" && s.ClusterIdentifier != a.ClusterIdentifier {
		p.Add(k+".clusterIdentifier", "%q differs from adopt.clusterIdentifier %q: an adopted cluster keeps its identifier; remove clusterIdentifier", s.ClusterIdentifier, a.ClusterIdentifier)
	}
	if s.Restore != nil {
		p.Add(k+".restore", "an adopted cluster already holds its data; remove restore or adopt")
	}
	if s.Scaling != nil {
		// Readers Aurora Auto Scaling adds could land in an old subnet while
		// one is in the DB subnet group, and would hold up its removal.
		p.Add(k+".scaling", "an adopted cluster does not scale its readers: list the instances it needs under adopt.newInstances")
	}
	if len(a.NewInstances) != s.Instances {
		p.Add(k+".instances", "%d, but adopt.newInstances lists %d: instances counts the cluster's instances in the isolated tier; leave it out or make them agree", s.Instances, len(a.NewInstances))
	}
}

// CheckAdopted checks an adopted cluster against the snapshot and the
// migration's stages, recording every problem under k (the workload's key),
// and fills the settings the spec leaves to the snapshot. It returns the
// snapshot's view of the cluster, or nil when there is none to register.
func (s *AuroraSpec) CheckAdopted(k string, c AdoptContext, p *problems.List) *Snapshot {
	a := s.Adopt
	ak := k + ".adopt"
	stage := slices.Index(c.Stages, c.Stage)

	// Stage names first: the rest reads the schedule.
	stageOK := func(key, name, what string) bool {
		switch j := slices.Index(c.Stages, name); {
		case name == "":
			p.Add(key, "required: the stage that %s, one of %s", what, c.StagesKey)
		case j < 0:
			p.Add(key, "%q is not one of %s (%s)", name, c.StagesKey, strings.Join(c.Stages, ", "))
		case j == 0:
			p.Add(key, "%q is the first stage, which imports the cluster as it is and changes nothing; name a later stage", name)
		default:
			return true
		}
		return false
	}
	for _, id := range sortedKeys(a.Instances) {
		if stageOK(ak+".instances."+id+".until", a.Instances[id].Until, "deletes the instance") {
			if slices.Index(c.Stages, a.Instances[id].Until) == 1 {
				p.Add(ak+".instances."+id+".until", "%q is the stage right after the import: an imported instance is protected there, and its protection is lifted in a stage of its own before the one that deletes it; name a later stage", a.Instances[id].Until)
			}
		}
	}
	for _, id := range sortedKeys(a.Subnets) {
		stageOK(ak+".subnets."+id+".until", a.Subnets[id].Until, "takes the subnet out of the cluster's DB subnet group")
	}
	for i, ni := range a.NewInstances {
		stageOK(fmt.Sprintf("%s.newInstances[%d].from", ak, i), ni.From, "creates the instance")
	}
	for _, st := range sortedKeys(a.Failover) {
		stageOK(ak+".failover."+st, st, "fails over")
	}
	for _, opt := range []struct{ key, name, what string }{
		{ak + ".groupsUntil", a.GroupsUntil, "drops the old security groups"},
		{ak + ".tlsFrom", a.TLSFrom, "requires TLS"},
		{ak + ".managePasswordFrom", a.ManagePasswordFrom, "turns on the managed master password"},
	} {
		if opt.name != "" {
			stageOK(opt.key, opt.name, opt.what)
		}
	}
	for i, ni := range a.NewInstances {
		if !slices.Contains(c.IsolatedAZs, ni.AZ) {
			p.Add(fmt.Sprintf("%s.newInstances[%d].az", ak, i), "%q is not a zone of the isolated tier (%s)", ni.AZ, strings.Join(c.IsolatedAZs, ", "))
		}
	}

	if c.Inventory == nil || a.ClusterIdentifier == "" {
		return nil
	}
	snap, err := FindAdopted(c.Inventory, a.ClusterIdentifier)
	if err != nil {
		p.Add(ak+".clusterIdentifier", "%v", err)
		return nil
	}
	cl := snap.Cluster

	// What the stack says must be what AWS has: nothing is normalised.
	if cl.Engine != s.Engine {
		p.Add(k+".engine", "%q, but %s runs %s in the snapshot: an adopted cluster keeps its engine; write engine: %s", s.Engine, cl.DBClusterIdentifier, cl.Engine, cl.Engine)
	}
	if cl.EngineVersion != s.EngineVersion {
		p.Add(k+".engineVersion", "%q, but %s runs %s in the snapshot: write engineVersion: %q for the adoption, and upgrade in a later, reviewed change", s.EngineVersion, cl.DBClusterIdentifier, cl.EngineVersion, cl.EngineVersion)
	}
	if s.InstanceClass == "" {
		s.InstanceClass = snap.Instances[snap.Writer].DBInstanceClass
	}
	for _, id := range sortedKeys(snap.Instances) {
		if in := snap.Instances[id]; in.DBInstanceClass != s.InstanceClass {
			p.Add(k+".instanceClass", "%q, but %s is a %s in the snapshot: the new instances replace the old ones as they are; write instanceClass: %s and change the class in a later, reviewed change", s.InstanceClass, id, in.DBInstanceClass, in.DBInstanceClass)
			break
		}
	}
	if cl.EngineMode != "" && cl.EngineMode != "provisioned" {
		p.Add(ak+".clusterIdentifier", "%s is an Aurora %s cluster; the platform adopts provisioned clusters only", cl.DBClusterIdentifier, cl.EngineMode)
	}
	if !cl.StorageEncrypted {
		p.Add(ak+".clusterIdentifier", "%s is not encrypted, and Aurora cannot encrypt a cluster in place: restore a snapshot into an encrypted cluster (restore: {snapshot: <ARN>}) instead of adopting it", cl.DBClusterIdentifier)
	}
	fill := func(key, have, live string, set func(string)) {
		switch {
		case have == "":
			set(live)
		case have != live:
			p.Add(k+"."+key, "%q, but %s has %q in the snapshot: leave it out (the adopted value is kept) or write %q", have, cl.DBClusterIdentifier, live, live)
		}
	}
	fill("masterUsername", s.MasterUsername, cl.MasterUsername, func(v string) { s.MasterUsername = v })
	fill("databaseName", s.DatabaseName, cl.DatabaseName, func(v string) { s.DatabaseName = v })
	if cl.Port != nil {
		if s.Port == 0 {
			s.Port = *cl.Port
		} else if s.Port != *cl.Port {
			p.Add(k+".port", "%d, but %s listens on %d in the snapshot: a port change is its own step; leave it out or write %d", s.Port, cl.DBClusterIdentifier, *cl.Port, *cl.Port)
		}
	}
	if s.BackupRetentionDays == 0 && cl.BackupRetentionPeriod != nil {
		s.BackupRetentionDays = *cl.BackupRetentionPeriod
	}
	if c.VpcID != "" && snap.SubnetGroup.VpcId != "" && snap.SubnetGroup.VpcId != c.VpcID {
		p.Add(ak+".clusterIdentifier", "%s runs in %s, not in the adopted VPC %s", cl.DBClusterIdentifier, snap.SubnetGroup.VpcId, c.VpcID)
	}
	// The old groups must be imported while the cluster carries them; from
	// groupsUntil (default the contract) on it lets go of them, and the
	// migration may delete them.
	here, until := slices.Index(c.Stages, c.Stage), slices.Index(c.Stages, s.Adopt.GroupsUntil)
	if until < 0 {
		until = len(c.Stages) - 1
	}
	for _, g := range cl.GroupIDs() {
		if here < until && !c.Groups[g] {
			p.Add(ak+".clusterIdentifier", "%s uses the security group %s, which is not imported: add it under %s", cl.DBClusterIdentifier, g, c.GroupsKey)
		}
	}

	// Every instance and subnet the snapshot shows is listed, and nothing else.
	for _, id := range sortedKeys(snap.Instances) {
		if _, ok := a.Instances[id]; !ok {
			p.Add(ak+".instances", "%s is an instance of %s and is not listed: add %s: {until: <the stage that deletes it>}", id, cl.DBClusterIdentifier, id)
		}
	}
	for _, id := range sortedKeys(a.Instances) {
		if _, ok := snap.Instances[id]; !ok {
			p.Add(ak+".instances."+id, "%s is not an instance of %s in the snapshot; remove it", id, cl.DBClusterIdentifier)
		}
	}
	for _, sn := range snap.SubnetGroup.Subnets {
		if _, ok := a.Subnets[sn.SubnetIdentifier]; !ok {
			p.Add(ak+".subnets", "%s (%s) is in the DB subnet group %s and is not listed: add %s: {until: <the stage that takes it out>}", sn.SubnetIdentifier, sn.SubnetAvailabilityZone.Name, snap.SubnetGroup.DBSubnetGroupName, sn.SubnetIdentifier)
		}
	}
	for _, id := range sortedKeys(a.Subnets) {
		if snap.SubnetAZ(id) == "" {
			p.Add(ak+".subnets."+id, "%s is not in the DB subnet group %s in the snapshot; remove it", id, snap.SubnetGroup.DBSubnetGroupName)
		}
	}
	taken := map[string]bool{}
	for id := range snap.Instances {
		taken[id] = true
	}
	for _, in := range c.Inventory.DBInstances {
		taken[in.DBInstanceIdentifier] = true
	}
	for i := range a.NewInstances {
		id := AdoptedInstanceIdentifier(a.ClusterIdentifier, i+1)
		if taken[id] {
			p.Add(fmt.Sprintf("%s.newInstances[%d]", ak, i), "its identifier %s is taken by an instance in the snapshot; instance identifiers are unique per account and region", id)
		}
		if len(id) > 63 {
			p.Add(fmt.Sprintf("%s.newInstances[%d]", ak, i), "its identifier %s is longer than 63 characters", id)
		}
	}

	s.checkSchedule(k, c, snap, p)
	if stage >= 0 {
		st := a.At(c.Stages, stage, snap.Writer)
		if cl.MasterUserSecret == nil && !st.ManagePassword && len(c.SecretConsumers) > 0 {
			p.Add(k+".auth", "%s logs in with the master secret, but %s has none in stage %s (its password was set by hand): set adopt.managePasswordFrom to this stage or an earlier one, or use auth: iam", strings.Join(c.SecretConsumers, ", "), cl.DBClusterIdentifier, c.Stage)
		}
	}
	return snap
}

// checkSchedule walks every stage and refuses an order AWS would refuse or
// that would leave the cluster without a writer.
func (s AuroraSpec) checkSchedule(k string, c AdoptContext, snap *Snapshot, p *problems.List) {
	a := s.Adopt
	ak := k + ".adopt"
	idx := func(st string) int { return slices.Index(c.Stages, st) }
	// An old subnet leaves after every old instance of its zone is gone:
	// deletes run last in a `pulumi up`, and RDS refuses to take a subnet an
	// instance runs in out of the group. Where a zone has two old subnets the
	// snapshot does not say which one holds the instance: both wait.
	for _, sid := range sortedKeys(a.Subnets) {
		su := idx(a.Subnets[sid].Until)
		az := snap.SubnetAZ(sid)
		if su < 0 || az == "" {
			continue
		}
		for _, iid := range sortedKeys(a.Instances) {
			in, ok := snap.Instances[iid]
			iu := idx(a.Instances[iid].Until)
			if !ok || iu < 0 || in.AvailabilityZone != az {
				continue
			}
			if su <= iu {
				p.Add(ak+".subnets."+sid+".until", "stage %s takes %s (%s) out of the DB subnet group while %s, which runs in %s, is deleted only in stage %s: RDS refuses to take a subnet an instance uses out of its group; name a stage after %s", a.Subnets[sid].Until, sid, az, iid, az, a.Instances[iid].Until, a.Instances[iid].Until)
			}
		}
	}
	// A new instance lands in the isolated subnet only when no old subnet of
	// its zone is left in the group: RDS chooses among a zone's subnets itself.
	for i, ni := range a.NewInstances {
		f := idx(ni.From)
		if f < 0 {
			continue
		}
		for _, sid := range sortedKeys(a.Subnets) {
			if snap.SubnetAZ(sid) != ni.AZ {
				continue
			}
			if su := idx(a.Subnets[sid].Until); su < 0 || su > f {
				p.Add(fmt.Sprintf("%s.newInstances[%d].from", ak, i), "stage %s creates %s in %s while the old subnet %s of that zone is still in the DB subnet group (until %s): RDS could place the instance in either subnet; create it in or after the stage that takes %s out", ni.From, AdoptedInstanceIdentifier(a.ClusterIdentifier, i+1), ni.AZ, sid, a.Subnets[sid].Until, sid)
			}
		}
	}
	// A failover's target exists before the stage's `pulumi up` (when the
	// command runs) and stays through it.
	for _, st := range sortedKeys(a.Failover) {
		j := idx(st)
		if j < 1 {
			continue
		}
		to := a.Failover[st]
		before, after := a.At(c.Stages, j-1, snap.Writer), a.At(c.Stages, j, snap.Writer)
		switch {
		case !before.Has(a.ClusterIdentifier, to) && !after.Has(a.ClusterIdentifier, to):
			p.Add(ak+".failover."+st, "%q is not an instance of the cluster in stage %s; name one of %s", to, st, strings.Join(instanceIDs(a.ClusterIdentifier, before), ", "))
		case !before.Has(a.ClusterIdentifier, to):
			p.Add(ak+".failover."+st, "%s is created by stage %s itself, and the failover runs before that stage's pulumi up: fail over in a later stage", to, st)
		case !after.Has(a.ClusterIdentifier, to):
			p.Add(ak+".failover."+st, "stage %s deletes %s, the instance it fails over to", st, to)
		}
	}
	// Every stage keeps its writer and, protected, a reader to fail over to
	// (one the cluster had).
	floor := min(2, len(snap.Instances))
	for j := range c.Stages {
		st := a.At(c.Stages, j, snap.Writer)
		if !st.Has(a.ClusterIdentifier, st.Writer) {
			key := ak + ".failover." + c.Stages[j]
			if u, ok := a.Instances[st.Writer]; ok && u.Until == c.Stages[j] {
				key = ak + ".instances." + st.Writer + ".until"
			}
			p.Add(key, "stage %s deletes %s, which is the writer in that stage: fail over to an instance that stays first (adopt.failover.%s: <instance>), and delete %s in that stage or a later one", c.Stages[j], st.Writer, c.Stages[j], st.Writer)
			break
		}
		if c.Protect && j > 0 && st.Count() < floor {
			p.Add(ak, "in stage %s the cluster has %d instance: a protected stack keeps a reader to fail over to in every stage, as the cluster has now; delete the old instances after the new ones exist", c.Stages[j], st.Count())
			break
		}
	}
}

func instanceIDs(cluster string, st AuroraStage) []string {
	out := append([]string(nil), st.OldInstances...)
	for _, n := range st.NewInstances {
		out = append(out, AdoptedInstanceIdentifier(cluster, n))
	}
	return out
}
