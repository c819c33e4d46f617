package audit_test

import (
	"strings"
	"testing"

	"github.com/acme/platform/audit"
)

// A cluster is reported when its cluster parameter group lets clients
// connect without TLS: by a value set in the account's own group, or by
// the engine's default (a default group, or a parameter the group leaves
// unset). The parameter files are in the shape the documented command
// writes: describe-db-cluster-parameters --source user.
func TestClustersWhoseParameterGroupDoesNotForceTLS(t *testing.T) {
	cases := []struct {
		name, engine, version, group string
		want                         string // what the message says, or "" for no finding
	}{
		{"Aurora PostgreSQL on its default group", "aurora-postgresql", "15.4", "default.aurora-postgresql15",
			"its cluster parameter group is RDS's default default.aurora-postgresql15, where rds.force_ssl is off by default for aurora-postgresql 15.4"},
		{"Aurora PostgreSQL with rds.force_ssl 0", "aurora-postgresql", "15.4", "pg-off", "its cluster parameter group pg-off sets rds.force_ssl to 0"},
		{"Aurora PostgreSQL with rds.force_ssl 1", "aurora-postgresql", "15.4", "pg-on", ""},
		{"Aurora PostgreSQL on its own group that leaves rds.force_ssl unset", "aurora-postgresql", "16.2", "pg-unset",
			"its cluster parameter group pg-unset leaves rds.force_ssl unset, and rds.force_ssl is off by default for aurora-postgresql 16.2"},
		{"Aurora MySQL on its default group", "aurora-mysql", "8.0.mysql_aurora.3.05.2", "default.aurora-mysql8.0",
			"its cluster parameter group is RDS's default default.aurora-mysql8.0, where require_secure_transport is off by default"},
		{"Aurora MySQL with require_secure_transport OFF", "aurora-mysql", "8.0.mysql_aurora.3.05.2", "my-off", "sets require_secure_transport to OFF"},
		{"Aurora MySQL with require_secure_transport ON", "aurora-mysql", "8.0.mysql_aurora.3.05.2", "my-on", ""},
		{"Aurora MySQL with require_secure_transport 1", "aurora-mysql", "8.0.mysql_aurora.3.05.2", "my-one", ""},
		{"a PostgreSQL Multi-AZ cluster 15 on its default group forces TLS by default", "postgres", "15.5", "default.postgres15", ""},
		{"a PostgreSQL Multi-AZ cluster 14 on its default group does not", "postgres", "14.10", "default.postgres14",
			"where rds.force_ssl is off by default for postgres 14.10"},
		{"a PostgreSQL Multi-AZ cluster 16 that sets rds.force_ssl 0", "postgres", "16.1", "pg-off", "sets rds.force_ssl to 0"},
		{"a group whose parameters were not read proves nothing", "aurora-postgresql", "15.4", "pg-unread", ""},
		{"a group that was not listed proves nothing", "aurora-postgresql", "15.4", "pg-missing", ""},
		{"an engine the audit does not know is left out", "neptune", "1.3.1.0", "default.neptune1.3", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, body := range map[string]string{
				"vpcs.json": `{"Vpcs": []}`, "subnets.json": `{"Subnets": []}`, "route-tables.json": `{"RouteTables": []}`,
				"security-groups.json": `{"SecurityGroups": []}`, "network-interfaces.json": `{"NetworkInterfaces": []}`,
				"rds-db-clusters.json": `{"DBClusters": [{"DBClusterIdentifier": "db", "Engine": "` + tc.engine + `", "EngineVersion": "` + tc.version + `",
					"DBClusterParameterGroup": "` + tc.group + `", "StorageEncrypted": true}]}`,
				"rds-db-cluster-parameter-groups.json": `{"DBClusterParameterGroups": [
					{"DBClusterParameterGroupName": "pg-off"}, {"DBClusterParameterGroupName": "pg-on"}, {"DBClusterParameterGroupName": "pg-unset"},
					{"DBClusterParameterGroupName": "my-off"}, {"DBClusterParameterGroupName": "my-on"}, {"DBClusterParameterGroupName": "my-one"},
					{"DBClusterParameterGroupName": "pg-unread"}]}`,
				"rds-db-cluster-parameters/pg-off.json":   `{"Parameters": [{"ParameterName": "rds.force_ssl", "ParameterValue": "0", "Source": "user"}]}`,
				"rds-db-cluster-parameters/pg-on.json":    `{"Parameters": [{"ParameterName": "rds.force_ssl", "ParameterValue": "1", "Source": "user"}]}`,
				"rds-db-cluster-parameters/pg-unset.json": `{"Parameters": [{"ParameterName": "log_min_duration_statement", "ParameterValue": "2000", "Source": "user"}]}`,
				"rds-db-cluster-parameters/my-off.json":   `{"Parameters": [{"ParameterName": "require_secure_transport", "ParameterValue": "OFF", "Source": "user"}]}`,
				"rds-db-cluster-parameters/my-on.json":    `{"Parameters": [{"ParameterName": "require_secure_transport", "ParameterValue": "ON", "Source": "user"}]}`,
				"rds-db-cluster-parameters/my-one.json":   `{"Parameters": [{"ParameterName": "require_secure_transport", "ParameterValue": "1", "Source": "user"}]}`,
			} {
				writeFile(t, dir, name, body)
			}
			inv, err := audit.Load(dir)
			if err != nil {
				t.Fatal(err)
			}
			got := ofKind(inv.Findings(), audit.KindUnencryptedInTransit)
			if tc.want == "" {
				if len(got) != 0 {
					t.Fatalf("no finding expected: %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Resource != "db" || got[0].Severity != audit.SeverityMedium || !strings.Contains(got[0].Message, tc.want) {
				t.Fatalf("want one medium finding on db saying %q, got %+v", tc.want, got)
			}
			if strings.HasPrefix(tc.group, "default.") != strings.Contains(got[0].Fix, "its own cluster parameter group") {
				t.Errorf("a default group cannot be changed, the cluster's own group can: %s", got[0].Fix)
			}
		})
	}
}
