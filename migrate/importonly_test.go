package migrate_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/migrate"
)

// wholeSeed is the whole seed account (EC2, RDS, ElastiCache, ECS, Lambda,
// Batch, load balancers), as the stack files of the migration name it.
const wholeSeed = "examples/migration/snapshot"

func generateImportOnly(t *testing.T, stages []string) []byte {
	t.Helper()
	b, err := migrate.GenerateStack(load(t, "../"+wholeSeed), migrate.Options{
		StackName: "stage0-adopt", Name: "prod", Protect: true, Snapshot: wholeSeed, Stages: stages,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGenerateStack_FromASnapshotTheFirstStageImportsEverythingAndCreatesNothing(t *testing.T) {
	b := generateImportOnly(t, nil)
	c := parse(t, "stage0-adopt", b)
	m := c.Migration
	if m == nil || !m.ImportOnly || m.Snapshot != wholeSeed || m.Stage != migrate.DefaultStages[0] || !slices.Equal(m.Stages, migrate.DefaultStages) {
		t.Fatalf("platform:migration %+v: want the import-only first stage of %v from %s", m, migrate.DefaultStages, wholeSeed)
	}
	inv := load(t, "../"+wholeSeed)
	var tables, groups []string
	for _, rt := range inv.RouteTables {
		if rt.VPCID == seedVPC {
			tables = append(tables, rt.ID)
		}
	}
	for _, g := range inv.SecurityGroups {
		if g.VPCID == seedVPC && g.Name != "default" {
			groups = append(groups, g.ID)
		}
	}
	slices.Sort(tables)
	if len(tables) == 0 || len(groups) == 0 {
		t.Fatalf("the seed has %d route tables and %d groups in %s", len(tables), len(groups), seedVPC)
	}
	if !slices.Equal(m.RouteTables, tables) {
		t.Errorf("route tables %v, want every one of the VPC: %v", m.RouteTables, tables)
	}
	slices.Sort(groups)
	if got := m.GroupIDs(); !slices.Equal(got, groups) {
		t.Errorf("groups %v, want every group of the VPC but default: %v", got, groups)
	}

	// Every old workload of the seed, named apart from the new ones.
	want := map[string]string{
		"old-web-instances": "instances:i-03a60ef54370bc120,i-0cc2a66f99db185d2",
		"old-web-alb":       "alb:prod-web",
		"old-api":           "ecsService:prod-cluster/prod-api",
		"old-thumbnailer":   "lambda:prod-thumbnailer",
		"old-nightly":       "batch:prod-nightly",
	}
	got := map[string]string{}
	for _, n := range m.WorkloadNames() {
		w := m.Workloads[n]
		got[n] = w.Kind + ":" + strings.Join(w.IDs, ",")
		if !w.Protected() {
			t.Errorf("old workload %s is not protected", n)
		}
	}
	for n, v := range want {
		if got[n] != v {
			t.Errorf("old workload %s = %q, want %q", n, got[n], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("old workloads %v, want %v", got, want)
	}

	res, err := offline.RunFile(writeStack(t, "stage0-adopt", b))
	if err != nil {
		t.Fatalf("the import-only stage does not run offline: %v", err)
	}
	imports := 0
	for _, r := range res.Graph.Resources {
		if !r.Custom {
			continue
		}
		if r.ImportID == "" {
			t.Errorf("%s %s is created by the import-only stage", r.Type, r.Name)
			continue
		}
		imports++
	}
	// At least the VPC, its gateway, 3 subnets, the route tables and groups.
	if min := 5 + len(tables) + len(groups); imports < min {
		t.Errorf("%d imports, want at least %d", imports, min)
	}
}

func TestGenerateStack_StagesAreTheUsersAndAreChecked(t *testing.T) {
	c := parse(t, "stage0-adopt", generateImportOnly(t, []string{"start", "middle", "end"}))
	if c.Migration.Stage != "start" || !slices.Equal(c.Migration.Stages, []string{"start", "middle", "end"}) {
		t.Errorf("stages %v, stage %q", c.Migration.Stages, c.Migration.Stage)
	}
	_, err := migrate.GenerateStack(load(t, "../"+wholeSeed), migrate.Options{
		StackName: "stage0-adopt", Snapshot: wholeSeed, Stages: []string{"Start", "end"},
	})
	if err == nil || !strings.Contains(err.Error(), "platform:migration.stages[0]") {
		t.Errorf("a stage name the config refuses: %v", err)
	}
	_, err = migrate.GenerateStack(load(t, "../"+wholeSeed), migrate.Options{StackName: "x", Stages: []string{"a", "b"}})
	if err == nil || !strings.Contains(err.Error(), "needs Options.Snapshot") {
		t.Errorf("stages without a snapshot: %v", err)
	}
}

func TestGenerateStack_IsDeterministicFromASnapshot(t *testing.T) {
	a, b := generateImportOnly(t, nil), generateImportOnly(t, nil)
	if string(a) != string(b) {
		t.Error("two runs on one snapshot differ")
	}
}
