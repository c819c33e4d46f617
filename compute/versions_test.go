package compute

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"pgregory.net/rapid"

	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
)

func TestCompareVersions_ReadsNumbersNotText(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want int
	}{
		{"16.4", "16.4", 0},
		{"16.4", "16.6", -1},
		{"16.10", "16.9", 1},
		{"17.1", "16.9", 1},
		{"8.0", "8.0.1", -1},
		{"8.0.mysql_aurora.3.08.0", "8.0.mysql_aurora.3.10.0", -1},
		{"8.0.mysql_aurora.3.08.0", "8.0.mysql_aurora.3.08.0", 0},
	} {
		if got := compareVersions(tt.a, tt.b); got != tt.want {
			t.Errorf("compareVersions(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestChooseVersion_MinorDriftStandsMajorUpgradesGoThroughDowngradesAreRefused(t *testing.T) {
	pg := func(v string) string { return AuroraFamily(EngineAuroraPostgres, v) }
	for _, tt := range []struct {
		name, configured, running string
		want                      versionChoice
		err                       string
	}{
		{"new cluster", "16.4", "", versionChoice{version: "16.4"}, ""},
		{"running the configured version", "16.4", "16.4", versionChoice{version: "16.4", ignore: true}, ""},
		{"AWS upgraded the minor", "16.4", "16.6", versionChoice{version: "16.4", ignore: true}, ""},
		{"deliberate minor upgrade", "16.8", "16.6", versionChoice{version: "16.8"}, ""},
		{"deliberate major upgrade", "17.4", "16.6", versionChoice{version: "17.4"}, ""},
		{"major downgrade", "15.8", "16.6", versionChoice{}, "older than the running 16.6"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := chooseVersion(tt.configured, tt.running, pg)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	// The cache's major line is its first number: valkey 8.0 -> 8.1 is drift
	// or a deliberate minor upgrade, 7.2 -> 8.0 a major one.
	if got, _ := chooseVersion("8.0", "8.1.0", cacheMajor); !got.ignore {
		t.Error("cache: AWS's upgrade to 8.1 must stand")
	}
	if got, _ := chooseVersion("8.0", "7.2.4", cacheMajor); got.ignore || got.version != "8.0" {
		t.Errorf("cache 7.2 -> 8.0: %+v", got)
	}
	if _, err := chooseVersion("7.1", "8.0.1", cacheMajor); err == nil {
		t.Error("cache 8.0 -> 7.1 is a downgrade")
	}
}

var rdsIdentifierRule = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$`)

func TestFinalSnapshotID_FollowsRDSRulesAndChangesWithEveryLifetime(t *testing.T) {
	resolve := func(base string, max int, parts ...string) string {
		var in []pulumi.StringInput
		for _, p := range parts {
			in = append(in, pulumi.String(p))
		}
		ch := make(chan string, 1)
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			finalSnapshotID(base, max, in...).ApplyT(func(s string) string { ch <- s; return s })
			return nil
		}, pulumi.WithMocks("p", "s", sim.NewMonitor("p", "s", "us-east-1")))
		if err != nil {
			t.Fatal(err)
		}
		return <-ch
	}
	rapid.Check(t, func(rt *rapid.T) {
		base := rapid.StringMatching(`[a-z][a-z0-9]{0,10}(-[a-z0-9]{1,10}){0,4}`).Draw(rt, "base")
		max := rapid.IntRange(len(base)+1, 255).Draw(rt, "max")
		if max < 20 {
			max = 20
		}
		id := resolve(base, max, "subnets-1", "sg-1")
		if len(id) > max || !rdsIdentifierRule.MatchString(id) {
			rt.Fatalf("%q (max %d) breaks RDS's identifier rules", id, max)
		}
		if id == resolve(base, max, "subnets-2", "sg-1") || id == resolve(base, max, "subnets-1", "sg-2") {
			rt.Fatalf("%q does not change with a new lifetime", id)
		}
		if id != resolve(base, max, "subnets-1", "sg-1") {
			rt.Fatal("not stable from run to run")
		}
	})
}

func TestClusterIdentifier_IsCheckedAgainstRDSRules(t *testing.T) {
	for _, tt := range []struct{ id, want string }{
		{"prod-db", ""},
		{strings.Repeat("a", 63), ""},
		{strings.Repeat("a", 64), "1 to 63 characters"},
		{"1db", "starting with a letter"},
		{"db_main", "letters, digits and hyphens"},
		{"db--main", "two consecutive hyphens"},
		{"db-", "end with a hyphen"},
	} {
		t.Run(tt.id, func(t *testing.T) {
			var p problems.List
			s := AuroraSpec{StoreSpec: StoreSpec{Auth: AuthSecret}, Engine: EngineAuroraPostgres, EngineVersion: "16.4", InstanceClass: "db.r6g.large", Instances: 2,
				DatabaseName: "app", MasterUsername: "dbadmin", BackupRetentionDays: 7, Port: 5432, LogRetentionDays: 30, ClusterIdentifier: tt.id}
			s.validate("k", ValidateContext{}, &p)
			err := p.Err()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), "k.clusterIdentifier") || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("got %v, want %q at k.clusterIdentifier", err, tt.want)
			}
		})
	}
	if id := ClusterIdentifier("prod-database", AuroraSpec{Engine: EngineAuroraPostgres, MasterUsername: "a", DatabaseName: "b"}); badDBIdentifier(id, 63) != "" || !strings.HasPrefix(id, "prod-database-") {
		t.Errorf("default identifier %q", id)
	}
	if a, b := ClusterIdentifier("p", AuroraSpec{MasterUsername: "a"}), ClusterIdentifier("p", AuroraSpec{MasterUsername: "b"}); a == b {
		t.Error("a setting that replaces the cluster must give the replacement a new identifier")
	}
}

func buildDatabaseRunning(t *testing.T, doc, running string) *sim.Graph {
	t.Helper()
	c := mustConfig(t, doc, devCtx)
	return run(t, func(ctx *pulumi.Context) error {
		_, err := NewDatabase(ctx, "p-db", &DatabaseArgs{
			Workload: "db", Spec: *c["db"].Aurora, IsolatedSubnetIDs: ids(isolatedSubnets), IsolatedAZs: isolatedAZs,
			SecurityGroupID: pulumi.String("sg-db"), Env: testEnv, RunningVersion: running,
		})
		return err
	})
}

func TestDatabase_EngineVersionFollowsWhatAWSRuns(t *testing.T) {
	ignored := func(g *sim.Graph) bool {
		return slices.Contains(named(t, g, tDBCluster, "p-db").IgnoreChanges, "engineVersion")
	}
	if ignored(buildDatabaseRunning(t, pgDoc, "")) {
		t.Error("a new cluster is created at the configured version")
	}
	if !ignored(buildDatabaseRunning(t, pgDoc, "16.6")) {
		t.Error("AWS's minor upgrade to 16.6 must not be undone")
	}
	major := buildDatabaseRunning(t, strings.Replace(pgDoc, `"16.4"`, `"17.4"`, 1), "16.6")
	cl := named(t, major, tDBCluster, "p-db")
	if ignored(major) || cl.Inputs["engineVersion"] != "17.4" || cl.Inputs["allowMajorVersionUpgrade"] != true {
		t.Errorf("a major upgrade: %v", cl.Inputs)
	}
	equal(t, "new family", named(t, major, tDBParams, "p-db").Inputs["family"], "aurora-postgresql17")
}

func TestDatabase_ExportedLogsHaveTheirGroupsBeforeTheCluster(t *testing.T) {
	for _, tt := range []struct{ doc, want string }{
		{pgDoc, "postgresql"},
		{`{"db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0", "logRetentionDays": 90}}`, "audit error slowquery"},
	} {
		g := buildDatabaseRunning(t, tt.doc, "")
		cl := named(t, g, tDBCluster, "p-db")
		id, _ := cl.Inputs["clusterIdentifier"].(string)
		if badDBIdentifier(id, 63) != "" {
			t.Fatalf("identifier %q", id)
		}
		var got []string
		for _, lg := range g.OfType(tLogGroup) {
			logType := strings.TrimPrefix(lg.Name, "p-db-log-")
			got = append(got, logType)
			equal(t, lg.Name+" name", lg.Inputs["name"], "/aws/rds/cluster/"+id+"/"+logType)
			if !slices.Contains(cl.Dependencies, lg.URN) {
				t.Errorf("the cluster does not wait for %s", lg.Name)
			}
		}
		if strings.Join(got, " ") != tt.want {
			t.Errorf("log groups %v, want %s", got, tt.want)
		}
		exports := strs(cl.Inputs["enabledCloudwatchLogsExports"])
		slices.Sort(exports)
		equal(t, "every export has its group", strings.Join(exports, " "), tt.want)
	}
}

func TestCache_EngineVersionFollowsWhatAWSRuns(t *testing.T) {
	c := mustConfig(t, cacheDoc, devCtx)
	build := func(running string) (*sim.Graph, error) {
		m := sim.NewMonitor("platform", "test", "us-east-1")
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			_, err := NewCache(ctx, "p-sessions", &CacheArgs{
				Workload: "sessions", Spec: *c["sessions"].Cache, IsolatedSubnetIDs: ids(isolatedSubnets),
				SecurityGroupID: pulumi.String("sg-sessions"), Env: testEnv, RunningVersion: running,
			})
			return err
		}, pulumi.WithMocks("platform", "test", m))
		g, _ := m.Graph()
		return g, err
	}
	g, err := build("8.1.0")
	if err != nil || !slices.Contains(named(t, g, tRG, "p-sessions").IgnoreChanges, "engineVersion") {
		t.Errorf("AWS's upgrade to 8.1 must stand: %v", err)
	}
	if g, _ := build(""); slices.Contains(named(t, g, tRG, "p-sessions").IgnoreChanges, "engineVersion") {
		t.Error("a new group is created at the configured version")
	}
	if _, err := build("9.0.0"); err == nil || !strings.Contains(err.Error(), "older than the running 9.0.0") {
		t.Errorf("a downgrade: %v", err)
	}
}

func TestAurora_LogRetentionIsOneCloudWatchAccepts(t *testing.T) {
	for _, tt := range []struct {
		days int
		ok   bool
	}{{30, true}, {365, true}, {0, false}, {31, false}} {
		var p problems.List
		s := AuroraSpec{StoreSpec: StoreSpec{Auth: AuthSecret}, Engine: EngineAuroraPostgres, EngineVersion: "16.4", InstanceClass: "db.r6g.large", Instances: 2,
			DatabaseName: "app", MasterUsername: "dbadmin", BackupRetentionDays: 7, Port: 5432, LogRetentionDays: tt.days}
		s.validate("k", ValidateContext{}, &p)
		if got := p.Err() == nil; got != tt.ok {
			t.Errorf("logRetentionDays %d: accepted %v, want %v (%v)", tt.days, got, tt.ok, p.Err())
		}
	}
}
