package compute

import (
	"reflect"
	"strings"
	"testing"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/problems"
)

var adoptStages = []string{"adopt", "expand", "db-span", "db-failover", "db-new-b", "db-retire-a", "contract"}

func seedAdopt() *AuroraAdopt {
	return &AuroraAdopt{
		ClusterIdentifier: "prod-aurora",
		Instances:         map[string]Until{"prod-aurora-a": {"db-retire-a"}, "prod-aurora-b": {"db-failover"}},
		Subnets: map[string]Until{"subnet-0aa33ffb8c8b47a7e": {"db-span"}, "subnet-0b908e3ee0e2bad72": {"db-new-b"},
			"subnet-01cae413a21acf452": {"contract"}},
		NewInstances: []NewInstance{{AZ: "eu-west-1c", From: "db-span"}, {AZ: "eu-west-1b", From: "db-new-b"}},
		Failover:     map[string]string{"db-failover": "prod-aurora-1"},
	}
}

// The schedule, stage by stage: who is there, who is the writer, what the
// group holds.
func TestAuroraAdopt_TheScheduleResolvesEachStage(t *testing.T) {
	a := seedAdopt()
	type view struct {
		old, unprotected, subnets []string
		new                       []int
		writer, failover          string
		isolated, groups, tls     bool
	}
	want := []view{
		{old: []string{"prod-aurora-a", "prod-aurora-b"}, subnets: []string{"subnet-01cae413a21acf452", "subnet-0aa33ffb8c8b47a7e", "subnet-0b908e3ee0e2bad72"}, writer: "prod-aurora-a", groups: true},
		{old: []string{"prod-aurora-a", "prod-aurora-b"}, subnets: []string{"subnet-01cae413a21acf452", "subnet-0aa33ffb8c8b47a7e", "subnet-0b908e3ee0e2bad72"}, writer: "prod-aurora-a", isolated: true, groups: true, tls: true},
		{old: []string{"prod-aurora-a", "prod-aurora-b"}, unprotected: []string{"prod-aurora-b"}, subnets: []string{"subnet-01cae413a21acf452", "subnet-0b908e3ee0e2bad72"}, new: []int{1}, writer: "prod-aurora-a", isolated: true, groups: true, tls: true},
		{old: []string{"prod-aurora-a"}, subnets: []string{"subnet-01cae413a21acf452", "subnet-0b908e3ee0e2bad72"}, new: []int{1}, writer: "prod-aurora-1", failover: "prod-aurora-1", isolated: true, groups: true, tls: true},
		{old: []string{"prod-aurora-a"}, unprotected: []string{"prod-aurora-a"}, subnets: []string{"subnet-01cae413a21acf452"}, new: []int{1, 2}, writer: "prod-aurora-1", isolated: true, groups: true, tls: true},
		{subnets: []string{"subnet-01cae413a21acf452"}, new: []int{1, 2}, writer: "prod-aurora-1", isolated: true, groups: true, tls: true},
		{new: []int{1, 2}, writer: "prod-aurora-1", isolated: true, tls: true},
	}
	for i, w := range want {
		st := a.At(adoptStages, i, "prod-aurora-a")
		got := view{st.OldInstances, st.Unprotected, st.OldSubnets, st.NewInstances, st.Writer, st.FailoverTo, st.Isolated, st.OldGroups, st.TLS}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("stage %s:\n got %+v\nwant %+v", adoptStages[i], got, w)
		}
	}
}

func seedInventory(t *testing.T) *audit.Inventory {
	t.Helper()
	inv, err := audit.Load("../examples/migration/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func checkSeed(t *testing.T, inv *audit.Inventory, stage string, edit func(*AuroraSpec, *AdoptContext)) []string {
	t.Helper()
	s := &AuroraSpec{Kind: KindAurora, Engine: EngineAuroraPostgres, EngineVersion: "15.4", InstanceClass: "db.r6g.large", Instances: 2, Adopt: seedAdopt()}
	s.Auth = AuthSecret
	c := AdoptContext{Stages: adoptStages, Stage: stage, StagesKey: "platform:migration.stages", Inventory: inv,
		VpcID: "vpc-050054c316fb6e16c", IsolatedAZs: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, Protect: true,
		Groups: map[string]bool{"sg-0828695f48c0404c4": true, "sg-037e7fc910cc914d8": true}, GroupsKey: "platform:migration.groups"}
	if edit != nil {
		edit(s, &c)
	}
	var p problems.List
	s.CheckAdopted("platform:workloads.db", c, &p)
	return problems.Messages(p.Err())
}

// Values the spec leaves out come from the snapshot: nothing is normalised.
func TestAuroraAdopt_UnsetSettingsTakeTheClustersOwn(t *testing.T) {
	s := &AuroraSpec{Engine: EngineAuroraPostgres, EngineVersion: "15.4", Instances: 2, Adopt: seedAdopt()}
	var p problems.List
	s.CheckAdopted("k", AdoptContext{Stages: adoptStages, Stage: "adopt", Inventory: seedInventory(t), IsolatedAZs: []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"},
		Groups: map[string]bool{"sg-0828695f48c0404c4": true, "sg-037e7fc910cc914d8": true}}, &p)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	if s.MasterUsername != "appadmin" || s.DatabaseName != "app" || s.Port != 5432 || s.BackupRetentionDays != 7 || s.InstanceClass != "db.r6g.large" {
		t.Errorf("filled %+v", s)
	}
}

// A cluster whose password was set by hand has no secret: consumers that log
// in with it need the stage that turns management on first.
func TestAuroraAdopt_SecretConsumersNeedTheManagedPassword(t *testing.T) {
	inv := seedInventory(t)
	inv.DBClusters[0].MasterUserSecret = nil
	consumers := func(_ *AuroraSpec, c *AdoptContext) { c.SecretConsumers = []string{"api"} }
	got := strings.Join(checkSeed(t, inv, "expand", consumers), "\n")
	if !strings.Contains(got, "platform:workloads.db.auth: api logs in with the master secret, but prod-aurora has none in stage expand") {
		t.Errorf("got %s", got)
	}
	managed := func(s *AuroraSpec, c *AdoptContext) { consumers(s, c); s.Adopt.ManagePasswordFrom = "expand" }
	if got := checkSeed(t, inv, "expand", managed); len(got) != 0 {
		t.Errorf("with managePasswordFrom: %v", got)
	}
	if got := checkSeed(t, seedInventory(t), "expand", consumers); len(got) != 0 {
		t.Errorf("a cluster with a managed secret: %v", got)
	}
}

// Aurora cannot encrypt a cluster in place: adopting an unencrypted one
// would keep it so.
func TestAuroraAdopt_AnUnencryptedClusterIsRefused(t *testing.T) {
	inv := seedInventory(t)
	inv.DBClusters[0].StorageEncrypted = false
	got := strings.Join(checkSeed(t, inv, "adopt", nil), "\n")
	if !strings.Contains(got, "platform:workloads.db.adopt.clusterIdentifier: prod-aurora is not encrypted") {
		t.Errorf("got %s", got)
	}
	if got := checkSeed(t, seedInventory(t), "adopt", nil); len(got) != 0 {
		t.Errorf("the seed: %v", got)
	}
}

// A new instance's identifier is fixed; one the account already has would
// collide.
func TestAuroraAdopt_ANewInstanceIdentifierMustBeFree(t *testing.T) {
	inv := seedInventory(t)
	inv.DBInstances = append(inv.DBInstances, audit.DBInstance{DBInstanceIdentifier: "prod-aurora-2"})
	got := strings.Join(checkSeed(t, inv, "adopt", nil), "\n")
	if !strings.Contains(got, "platform:workloads.db.adopt.newInstances[1]: its identifier prod-aurora-2 is taken") {
		t.Errorf("got %s", got)
	}
}

// The snapshot must hold the values set in a custom parameter group: an
// import without them would reset them.
func TestAuroraAdopt_TheParameterGroupsValuesMustHaveBeenRead(t *testing.T) {
	inv := seedInventory(t)
	for i := range inv.DBClusterParameterGroups {
		inv.DBClusterParameterGroups[i].ParametersRead = false
	}
	got := strings.Join(checkSeed(t, inv, "adopt", nil), "\n")
	if !strings.Contains(got, "the values set in the cluster parameter group prod-aurora-pg15 of prod-aurora were not read") {
		t.Errorf("got %s", got)
	}
}

// The proposed schedule of a cluster is one its own validation accepts,
// whatever zones its instances run in, as long as one isolated zone is free.
func TestAuroraAdopt_TheProposedScheduleIsValid(t *testing.T) {
	zones := []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}
	for _, tc := range []struct {
		name  string
		edit  func(inv *audit.Inventory)
		first string
	}{
		{"the seed", func(*audit.Inventory) {}, "eu-west-1c"},
		{"writer and reader in one zone", func(inv *audit.Inventory) { inv.DBInstances[1].AvailabilityZone = "eu-west-1a" }, "eu-west-1b"},
		{"the writer alone", func(inv *audit.Inventory) {
			inv.DBInstances = inv.DBInstances[:1]
			inv.DBClusters[0].DBClusterMembers = inv.DBClusters[0].DBClusterMembers[:1]
		}, "eu-west-1b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inv := seedInventory(t)
			tc.edit(inv)
			snap, err := FindAdopted(inv, "prod-aurora")
			if err != nil {
				t.Fatal(err)
			}
			stages := []string{"adopt", "expand", "data", "failover", "compute", "shift", "release", "retire", "contract"}
			m, err := PlanAuroraMove(snap, zones, stages)
			if err != nil {
				t.Fatal(err)
			}
			if m.Adopt.NewInstances[0].AZ != tc.first || len(m.Adopt.NewInstances) != len(snap.Instances) {
				t.Errorf("new instances %+v", m.Adopt.NewInstances)
			}
			for _, st := range stages {
				s := &AuroraSpec{Kind: KindAurora, Engine: EngineAuroraPostgres, EngineVersion: "15.4", Instances: len(m.Adopt.NewInstances), Adopt: &m.Adopt}
				var p problems.List
				s.CheckAdopted("k", AdoptContext{Stages: stages, Stage: st, Inventory: inv, IsolatedAZs: zones, Protect: true,
					Groups: map[string]bool{"sg-0828695f48c0404c4": true, "sg-037e7fc910cc914d8": true}}, &p)
				if err := p.Err(); err != nil {
					t.Errorf("stage %s: %v", st, err)
				}
			}
		})
	}
}

// Where every isolated zone holds an old instance, no new one can start in
// an isolated subnet first: the planner says so instead of guessing.
func TestAuroraAdopt_NoFreeZoneIsLeftToTheUser(t *testing.T) {
	snap, err := FindAdopted(seedInventory(t), "prod-aurora")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := PlanAuroraMove(snap, []string{"eu-west-1a", "eu-west-1b", "eu-west-1c"}, []string{"adopt", "expand", "data", "contract"}); err == nil || !strings.Contains(err.Error(), "takes four stages between the first and the last") {
		t.Errorf("too few stages: %v", err)
	}
	if _, err := PlanAuroraMove(snap, []string{"eu-west-1a", "eu-west-1b"}, adoptStages); err == nil || !strings.Contains(err.Error(), "write its adopt schedule by hand") {
		t.Errorf("got %v", err)
	}
}
