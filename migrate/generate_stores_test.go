package migrate_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/migrate"
	"github.com/acme/platform/stack"
)

// The whole seed account, with its Aurora cluster and parameter values.
const (
	wholeSeedDir      = "../examples/migration/snapshot"
	wholeSeedFromRoot = "examples/migration/snapshot"
)

func generateMigration(t *testing.T) []byte {
	t.Helper()
	b, err := migrate.GenerateStack(load(t, wholeSeedDir), migrate.Options{
		StackName: "adopt", Name: "prod", Protect: true, Snapshot: wholeSeedFromRoot, AdoptAurora: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// With a snapshot to name, the generated file is the import-only first stage:
// the seed's cluster is adopted, and running it imports the cluster, its two
// instances, its DB subnet group and its parameter group (with the rest of
// the VPC) and creates nothing.
func TestGenerateStack_TheImportOnlyStageAdoptsTheAuroraCluster(t *testing.T) {
	if _, err := migrate.GenerateStack(load(t, wholeSeedDir), migrate.Options{StackName: "adopt", AdoptAurora: true}); err == nil {
		t.Error("AdoptAurora without a snapshot to name is accepted")
	}
	b := generateMigration(t)
	for _, want := range []string{
		"platform:migration:", "importOnly: true", "kind: aurora", "engineVersion: \"15.4\"", "clusterIdentifier: prod-aurora",
		"prod-aurora-a: {until: retire}", "prod-aurora-b: {until: failover}",
		"subnet-0aa33ffb8c8b47a7e: {until: data}", "- {az: eu-west-1c, from: data}", "subnet-0b908e3ee0e2bad72: {until: compute}",
		"subnet-01cae413a21acf452: {until: contract}", "- {az: eu-west-1b, from: compute}", "failover: prod-aurora-1",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the generated file lacks %q:\n%s", want, b)
		}
	}
	res, err := offline.RunFile(writeStack(t, "adopt", b))
	if err != nil {
		t.Fatal(err)
	}
	rds := 0
	for _, r := range res.Graph.Resources {
		if !r.Custom {
			continue
		}
		if r.ImportID == "" || !r.Protect {
			t.Errorf("%s %s: import %q protect %v; the first stage only imports", r.Type, r.Name, r.ImportID, r.Protect)
		}
		if strings.HasPrefix(r.Type, "aws:rds/") {
			rds++
		}
	}
	if rds != 5 {
		t.Errorf("%d RDS imports, want the cluster, 2 instances, the subnet group and the parameter group", rds)
	}
	cl, ok := res.Graph.Named("aws:rds/cluster:Cluster", "prod-prod-aurora")
	if !ok || cl.ImportID != "prod-aurora" || cl.Inputs["engineVersion"] != "15.4" || cl.Inputs["masterUsername"] != "appadmin" {
		t.Errorf("cluster %+v", cl)
	}
}

// The proposed schedule is one validation accepts in every stage: the
// generator's plan obeys the same rules as a hand-written one. (Only the
// workload's problems count here: what other stages need of the rest of the
// file is the stage files' business.)
func TestGenerateStack_TheProposedAuroraScheduleIsValidInEveryStage(t *testing.T) {
	values, err := stack.ParseStackYAML(generateMigration(t))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(values["platform:migration"]), &m); err != nil {
		t.Fatal(err)
	}
	stages := m["stages"].([]any)
	if len(stages) != len(migrate.DefaultStages) {
		t.Fatalf("stages %v", stages)
	}
	for _, st := range stages[1:] {
		v := map[string]string{}
		for k, x := range values {
			v[k] = x
		}
		m["stage"], m["importOnly"] = st, false
		b, _ := json.Marshal(m)
		v["platform:migration"] = string(b)
		v["platform:dataProtection"] = `{"backup":{"vaultLock":{"mode":"governance"}}}`
		_, err := stack.Parse("adopt", v)
		for _, msg := range problems.Messages(err) {
			if strings.HasPrefix(msg, "platform:workloads.prod-aurora") {
				t.Errorf("stage %s: %s", st, msg)
			}
		}
	}
}
