package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

func buildDatabase(t *testing.T, doc string, v ValidateContext) (*sim.Graph, map[string]any) {
	t.Helper()
	c := mustConfig(t, doc, v)
	outs := map[string]any{}
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		d, err := NewDatabase(ctx, "p-db", &DatabaseArgs{
			Workload: "db", Spec: *c["db"].Aurora, IsolatedSubnetIDs: ids(isolatedSubnets), IsolatedAZs: isolatedAZs,
			SecurityGroupID: pulumi.String("sg-db"), Env: testEnv, Protect: v.Protect, Tags: testTags,
		})
		if err != nil {
			return err
		}
		ctx.Export("secretArn", d.SecretARN)
		d.SecretARN.ApplyT(func(s string) string { m.RecordExport("secretArn", s); return s })
		d.Endpoint.ApplyT(func(s string) string { m.RecordExport("endpoint", s); return s })
		return nil
	}, pulumi.WithMocks("platform", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range g.Exports {
		outs[k] = v
	}
	return g, outs
}

const pgDoc = `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 4,
  "databaseName": "app", "masterUsername": "owner", "backupRetentionDays": 21, "instanceClass": "db.r7g.large",
  "parameters": {"log_min_duration_statement": "500"}}}`

func TestDatabase_LivesInTheIsolatedSubnetsEncryptedWithTLSRequired(t *testing.T) {
	g, outs := buildDatabase(t, pgDoc, devCtx)
	sg := named(t, g, tDBSubnets, "p-db")
	equal(t, "subnets", strs(sg.Inputs["subnetIds"]), isolatedSubnets)
	pg := named(t, g, tDBParams, "p-db")
	equal(t, "family", pg.Inputs["family"], "aurora-postgresql16")
	equal(t, "parameters", pg.Inputs["parameters"], []any{
		map[string]any{"name": "log_min_duration_statement", "value": "500", "applyMethod": "pending-reboot"},
		map[string]any{"name": "rds.force_ssl", "value": "1", "applyMethod": "pending-reboot"},
	})
	cl := named(t, g, tDBCluster, "p-db")
	want := map[string]any{
		"engine": "aurora-postgresql", "engineVersion": "16.4", "databaseName": "app", "masterUsername": "owner",
		"manageMasterUserPassword": true, "iamDatabaseAuthenticationEnabled": true, "storageEncrypted": true,
		"backupRetentionPeriod": 21.0, "copyTagsToSnapshot": true, "skipFinalSnapshot": false,
		"deletionProtection": false, "allowMajorVersionUpgrade": true, "applyImmediately": true,
		"dbSubnetGroupName": sg.Outputs["name"], "dbClusterParameterGroupName": pg.Outputs["name"],
		"vpcSecurityGroupIds": []any{"sg-db"}, "port": 5432.0, "enabledCloudwatchLogsExports": []any{"postgresql"},
	}
	for k, v := range want {
		equal(t, "cluster "+k, cl.Inputs[k], v)
	}
	if _, has := cl.Inputs["masterPassword"]; has {
		t.Error("a master password is in config or state")
	}
	equal(t, "ignore changes", cl.IgnoreChanges, []string{"availabilityZones"})
	equal(t, "secret ARN", outs["secretArn"], at(cl.Outputs, "masterUserSecrets", 0, "secretArn"))
	equal(t, "endpoint", outs["endpoint"], cl.Outputs["endpoint"])
	checkParentsAndNames(t, g, "p-db")
}

func TestDatabase_InstancesAreNumberedAndSpreadOverTheZones(t *testing.T) {
	g, _ := buildDatabase(t, pgDoc, devCtx)
	cl := named(t, g, tDBCluster, "p-db")
	wantAZ := []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-east-1a"}
	equal(t, "instances", len(g.OfType(tDBInstance)), 4)
	for i, az := range wantAZ {
		name := "p-db-" + string(rune('1'+i))
		in := named(t, g, tDBInstance, name)
		equal(t, name+" zone", in.Inputs["availabilityZone"], az)
		equal(t, name+" cluster", in.Inputs["clusterIdentifier"], cl.ID)
		equal(t, name+" public", in.Inputs["publiclyAccessible"], false)
		equal(t, name+" insights", in.Inputs["performanceInsightsEnabled"], true)
		equal(t, name+" class", in.Inputs["instanceClass"], "db.r7g.large")
		equal(t, name+" minor upgrades", in.Inputs["autoMinorVersionUpgrade"], true)
		// Created at once: no instance waits for another.
		for j := range wantAZ {
			if other := "p-db-" + string(rune('1'+j)); j != i && dependsOn(g, in, tDBInstance, other) {
				t.Errorf("%s waits for %s: the first deploy would take one instance after another", name, other)
			}
		}
		equal(t, name+" promotion tier", in.Inputs["promotionTier"], float64(i))
	}
}

func TestDatabase_MySQLGetsItsFamilyPortTLSAndLogs(t *testing.T) {
	g, _ := buildDatabase(t, `{"db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"}}`, devCtx)
	pg := named(t, g, tDBParams, "p-db")
	equal(t, "family", pg.Inputs["family"], "aurora-mysql8.0")
	found := false
	for _, p := range pg.Inputs["parameters"].([]any) {
		if at(p, "name") == "require_secure_transport" {
			found = at(p, "value") == "ON"
		}
	}
	equal(t, "require_secure_transport=ON", found, true)
	cl := named(t, g, tDBCluster, "p-db")
	equal(t, "port", cl.Inputs["port"], 3306.0)
	equal(t, "logs", strs(cl.Inputs["enabledCloudwatchLogsExports"]), []string{"audit", "error", "slowquery"})
	equal(t, "database name", cl.Inputs["databaseName"], "db")
}

func TestDatabase_ProtectionFollowsTheStack(t *testing.T) {
	for _, tt := range []struct {
		name string
		ctx  ValidateContext
	}{{"production", prodCtx}, {"dev", devCtx}} {
		t.Run(tt.name, func(t *testing.T) {
			g, _ := buildDatabase(t, pgDoc, tt.ctx)
			cl := named(t, g, tDBCluster, "p-db")
			equal(t, "deletion protection", cl.Inputs["deletionProtection"], tt.ctx.Protect)
			equal(t, "cluster protect", cl.Protect, tt.ctx.Protect)
			for _, in := range g.OfType(tDBInstance) {
				equal(t, in.Name+" protect", in.Protect, tt.ctx.Protect)
			}
		})
	}
}
