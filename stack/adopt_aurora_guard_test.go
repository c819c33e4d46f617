package stack_test

import (
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/stack"
)

// The schedule of the seed's move is accepted in every stage.
func TestAdoptAurora_TheSeedsScheduleIsValidInEveryStage(t *testing.T) {
	for _, st := range auroraStages {
		if _, err := stack.Parse("test", auroraValues(t, st, nil)); err != nil {
			t.Errorf("stage %s: %v", st, err)
		}
	}
}

// Each thing a user can get wrong in an adoption is refused before anything
// is registered, named by its key and, where it is about one, its stage.
func TestAdoptAurora_RefusesWhatAWSWouldRefuseOrTheSnapshotContradicts(t *testing.T) {
	const db = "platform:workloads.db"
	const ad = db + ".adopt"
	for _, tc := range []struct {
		name      string
		stage     string
		edit      func(db, adopt map[string]any)
		key, text string
	}{
		{"a cluster the snapshot lacks", "adopt", func(_, a map[string]any) { a["clusterIdentifier"] = "prod-aurora-2" },
			ad + ".clusterIdentifier", "prod-aurora-2 is not in the snapshot; its clusters are prod-aurora"},
		{"another engine version", "adopt", func(d, _ map[string]any) { d["engineVersion"] = "16.4" },
			db + ".engineVersion", `"16.4", but prod-aurora runs 15.4 in the snapshot`},
		{"another engine", "adopt", func(d, _ map[string]any) {
			d["engine"] = "aurora-mysql"
			d["engineVersion"] = "8.0.mysql_aurora.3.08.0"
		},
			db + ".engine", "runs aurora-postgresql in the snapshot"},
		{"another instance class", "adopt", func(d, _ map[string]any) { d["instanceClass"] = "db.r7g.large" },
			db + ".instanceClass", "prod-aurora-a is a db.r6g.large in the snapshot"},
		{"another master user", "adopt", func(d, _ map[string]any) { d["masterUsername"] = "dbadmin" },
			db + ".masterUsername", `has "appadmin" in the snapshot`},
		{"another port", "adopt", func(d, _ map[string]any) { d["port"] = 5433 },
			db + ".port", "listens on 5432 in the snapshot"},
		{"another identifier", "adopt", func(d, _ map[string]any) { d["clusterIdentifier"] = "prod-db" },
			db + ".clusterIdentifier", "an adopted cluster keeps its identifier"},
		{"an instance left out", "adopt", func(_, a map[string]any) { delete(a["instances"].(map[string]any), seedReader) },
			ad + ".instances", "prod-aurora-b is an instance of prod-aurora and is not listed"},
		{"an instance of another cluster", "adopt", func(_, a map[string]any) {
			a["instances"].(map[string]any)["prod-aurora-z"] = map[string]any{"until": "contract"}
		}, ad + ".instances.prod-aurora-z", "not an instance of prod-aurora"},
		{"a subnet left out", "adopt", func(_, a map[string]any) { delete(a["subnets"].(map[string]any), seedSubnetA) },
			ad + ".subnets", seedSubnetA + " (eu-west-1a) is in the DB subnet group prod-aurora-subnets and is not listed"},
		{"a stage that is not one", "adopt", func(_, a map[string]any) {
			a["instances"].(map[string]any)[seedWriter] = map[string]any{"until": "later"}
		},
			ad + ".instances." + seedWriter + ".until", `"later" is not one of platform:migration.stages`},
		{"a deletion in the import stage", "adopt", func(_, a map[string]any) {
			a["subnets"].(map[string]any)[seedSubnetC] = map[string]any{"until": "adopt"}
		},
			ad + ".subnets." + seedSubnetC + ".until", "is the first stage, which imports the cluster as it is"},
		{"an instance deleted while still protected", "adopt", func(_, a map[string]any) {
			a["instances"].(map[string]any)[seedReader] = map[string]any{"until": "expand"}
		}, ad + ".instances." + seedReader + ".until", "its protection is lifted in a stage of its own"},
		{"a subnet out while an instance runs in it", "expand", func(_, a map[string]any) {
			a["subnets"].(map[string]any)[seedSubnetB] = map[string]any{"until": "db-span"}
		}, ad + ".subnets." + seedSubnetB + ".until", "while prod-aurora-b, which runs in eu-west-1b, is deleted only in stage db-failover"},
		{"a subnet out in the stage that deletes its instance", "expand", func(_, a map[string]any) {
			a["subnets"].(map[string]any)[seedSubnetB] = map[string]any{"until": "db-failover"}
		}, ad + ".subnets." + seedSubnetB + ".until", "RDS refuses to take a subnet an instance uses out of its group"},
		{"a new instance where an old subnet remains", "expand", func(_, a map[string]any) {
			a["newInstances"].([]any)[0].(map[string]any)["az"] = "eu-west-1a"
		}, ad + ".newInstances[0].from", "while the old subnet " + seedSubnetA + " of that zone is still in the DB subnet group"},
		{"a new instance outside the isolated tier", "expand", func(_, a map[string]any) {
			a["newInstances"].([]any)[0].(map[string]any)["az"] = "eu-west-1d"
		}, ad + ".newInstances[0].az", `"eu-west-1d" is not a zone of the isolated tier`},
		{"the writer deleted without a failover", "expand", func(_, a map[string]any) { delete(a, "failover") },
			ad + ".instances." + seedWriter + ".until", "stage db-retire-a deletes prod-aurora-a, which is the writer in that stage: fail over to an instance that stays first"},
		{"the writer deleted", "expand", func(_, a map[string]any) {
			a["failover"] = map[string]any{"db-failover": seedReader}
		}, ad + ".failover.db-failover", "stage db-failover deletes prod-aurora-b, the instance it fails over to"},
		{"a failover to an instance its own stage creates", "expand", func(_, a map[string]any) {
			a["failover"] = map[string]any{"db-span": seedCluster + "-1"}
		}, ad + ".failover.db-span", "is created by stage db-span itself"},
		{"a failover to no instance", "expand", func(_, a map[string]any) {
			a["failover"] = map[string]any{"db-failover": "prod-aurora-q"}
		}, ad + ".failover.db-failover", `"prod-aurora-q" is not an instance of the cluster in stage db-failover`},
		{"the old writer deleted before the failover", "expand", func(_, a map[string]any) {
			a["instances"].(map[string]any)[seedWriter] = map[string]any{"until": "db-span"}
			a["subnets"].(map[string]any)[seedSubnetA] = map[string]any{"until": "contract"}
		}, ad + ".instances." + seedWriter + ".until", "stage db-span deletes prod-aurora-a, which is the writer in that stage"},
		{"a protected stack down to one instance", "expand", func(_, a map[string]any) {
			a["instances"].(map[string]any)[seedWriter] = map[string]any{"until": "db-failover"}
			a["subnets"].(map[string]any)[seedSubnetA] = map[string]any{"until": "db-new-b"}
		}, ad, "in stage db-failover the cluster has 1 instance"},
		{"more instances than listed", "expand", func(d, _ map[string]any) { d["instances"] = 3 },
			db + ".instances", "3, but adopt.newInstances lists 2"},
		{"scaling", "expand", func(d, _ map[string]any) { d["scaling"] = map[string]any{"minCount": 1, "maxCount": 2} },
			db + ".scaling", "an adopted cluster does not scale its readers"},
		{"a restore", "expand", func(d, _ map[string]any) {
			d["restore"] = map[string]any{"snapshot": "arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:x"}
		}, db + ".restore", "an adopted cluster already holds its data"},
		{"a subnet of no group", "adopt", func(_, a map[string]any) {
			a["subnets"].(map[string]any)["subnet-0123456789abcdef0"] = map[string]any{"until": "contract"}
		}, ad + ".subnets.subnet-0123456789abcdef0", "is not in the DB subnet group prod-aurora-subnets in the snapshot"},
		{"another database name", "adopt", func(d, _ map[string]any) { d["databaseName"] = "orders" },
			db + ".databaseName", `has "app" in the snapshot`},
		{"TLS from no stage", "adopt", func(_, a map[string]any) { a["tlsFrom"] = "soon" },
			ad + ".tlsFrom", `"soon" is not one of platform:migration.stages`},
		{"a failover in the import stage", "adopt", func(_, a map[string]any) { a["failover"] = map[string]any{"adopt": seedReader} },
			ad + ".failover.adopt", "is the first stage"},
		{"no identifier", "adopt", func(_, a map[string]any) { delete(a, "clusterIdentifier") },
			ad + ".clusterIdentifier", "required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, problemsOf(t, auroraValues(t, tc.stage, tc.edit)), tc.key, tc.text)
		})
	}
}

// adopt belongs to a migration; its old groups must be imported by it.
func TestAdoptAurora_NeedsAMigrationThatImportsItsGroups(t *testing.T) {
	v := auroraValues(t, "adopt", nil)
	delete(v, "platform:migration")
	wantProblem(t, problemsOf(t, v), "platform:workloads.db.adopt", "adopting a cluster belongs to a migration")

	v = auroraValues(t, "adopt", nil)
	v["platform:migration"] = strings.Replace(v["platform:migration"], `"`+seedOldDB+`":{},`, "", 1)
	wantProblem(t, problemsOf(t, v), "platform:workloads.db.adopt.clusterIdentifier", "uses the security group "+seedOldDB+", which is not imported: add it under platform:migration.groups")
}

// The failover is the operator's, run before the stage that needs it: the
// plan of that stage, and only that one, prints the command.
func TestAdoptAurora_ThePlanOfTheFailoverStagePrintsTheCommand(t *testing.T) {
	cmd := "aws rds failover-db-cluster --db-cluster-identifier prod-aurora --target-db-instance-identifier prod-aurora-1"
	for _, st := range auroraStages[1:] {
		res, err := offline.Run(&stack.File{Path: st, Stack: "test", Values: auroraValues(t, st, nil)})
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		got := strings.Join(res.Platform.Warnings(), "\n")
		if has := strings.Contains(got, cmd); has != (st == "db-failover") {
			t.Errorf("stage %s: failover command printed %v:\n%s", st, has, got)
		}
		if st == "db-failover" && !strings.Contains(got, "platform:workloads.db.adopt.failover.db-failover: before `pulumi up` of stage db-failover") {
			t.Errorf("the warning does not name its key and stage:\n%s", got)
		}
	}
}
