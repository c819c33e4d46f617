package audit

import (
	"os"
	"path/filepath"
	"testing"
)

// A cluster parameter group carries the values a user set in it and no
// others: an import of the group sends exactly those back. A file written
// without --source user (every parameter, engine defaults included) gives the
// same result, and a group whose values were not read says so.
func TestClusterParameterGroupsKeepOnlyTheValuesAUserSet(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"vpcs.json":               `{"Vpcs": []}`,
		"subnets.json":            `{"Subnets": []}`,
		"route-tables.json":       `{"RouteTables": []}`,
		"security-groups.json":    `{"SecurityGroups": []}`,
		"network-interfaces.json": `{"NetworkInterfaces": []}`,
		"rds-db-cluster-parameter-groups.json": `{"DBClusterParameterGroups": [
			{"DBClusterParameterGroupName": "default.aurora-postgresql15", "DBParameterGroupFamily": "aurora-postgresql15", "Description": "Default"},
			{"DBClusterParameterGroupName": "app-pg", "DBParameterGroupFamily": "aurora-postgresql15", "Description": "App"},
			{"DBClusterParameterGroupName": "unread", "DBParameterGroupFamily": "aurora-postgresql15", "Description": "Unread"}]}`,
		"rds-db-cluster-parameters/app-pg.json": `{"Parameters": [
			{"ParameterName": "rds.force_ssl", "ParameterValue": "0", "Source": "user", "ApplyMethod": "immediate"},
			{"ParameterName": "work_mem", "ParameterValue": "4096", "Source": "engine-default"}]}`,
	} {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	inv, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.DBClusterParameterGroups) != 3 {
		t.Fatalf("%d groups, want 3", len(inv.DBClusterParameterGroups))
	}
	byName := map[string]DBClusterParameterGroup{}
	for _, g := range inv.DBClusterParameterGroups {
		byName[g.DBClusterParameterGroupName] = g
	}
	app := byName["app-pg"]
	if !app.ParametersRead || len(app.Parameters) != 1 || app.Parameters[0].ParameterName != "rds.force_ssl" || app.Parameters[0].ParameterValue != "0" || app.Default() {
		t.Errorf("app-pg: %+v", app)
	}
	if g := byName["unread"]; g.ParametersRead || len(g.Parameters) != 0 {
		t.Errorf("unread: %+v", g)
	}
	if !byName["default.aurora-postgresql15"].Default() {
		t.Error("default.aurora-postgresql15 is RDS's default group")
	}
}
