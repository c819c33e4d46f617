package stack_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/policy"
	"github.com/acme/platform/stack"
)

// The seed's cluster, its instances and its subnets, from the snapshot.
const (
	seedCluster = "prod-aurora"
	seedWriter  = "prod-aurora-a" // eu-west-1a
	seedReader  = "prod-aurora-b" // eu-west-1b
	seedSubnetA = "subnet-01cae413a21acf452"
	seedSubnetB = "subnet-0b908e3ee0e2bad72"
	seedSubnetC = "subnet-0aa33ffb8c8b47a7e"
)

// auroraStages is the move of the seed's cluster, one stage per step.
var auroraStages = []string{"adopt", "expand", "db-span", "db-failover", "db-new-b", "db-retire-a", "contract"}

// auroraAdopt is the schedule: the unused 1c subnet leaves first so that the
// first new instance can only land in the isolated 1c subnet; the old reader
// goes after the failover to it; then 1b; then the old writer; the contract
// takes the last old subnet out.
func auroraAdopt() map[string]any {
	return map[string]any{
		"clusterIdentifier": seedCluster,
		"instances": map[string]any{
			seedWriter: map[string]any{"until": "db-retire-a"},
			seedReader: map[string]any{"until": "db-failover"},
		},
		"subnets": map[string]any{
			seedSubnetC: map[string]any{"until": "db-span"},
			seedSubnetB: map[string]any{"until": "db-new-b"},
			seedSubnetA: map[string]any{"until": "contract"},
		},
		"newInstances": []any{
			map[string]any{"az": "eu-west-1c", "from": "db-span"},
			map[string]any{"az": "eu-west-1b", "from": "db-new-b"},
		},
		"failover": map[string]any{"db-failover": seedCluster + "-1"},
	}
}

// auroraValues is stage stage of the seed's move with the db workload
// adopting prod-aurora; edit changes the workload before it is written.
func auroraValues(t *testing.T, stage string, edit func(db, adopt map[string]any)) map[string]string {
	t.Helper()
	m := map[string]any{"stages": auroraStages, "stage": stage}
	if stage != auroraStages[0] {
		m["importOnly"] = nil
	}
	v := migrationValues(m)
	if stage != auroraStages[0] {
		v["platform:network"] = strings.Replace(v["platform:network"], `"flowLogs":{"enabled":false},`, "", 1)
		v["platform:dataProtection"] = `{"backup":{"vaultLock":{"mode":"governance"}}}`
	}
	adopt := auroraAdopt()
	db := map[string]any{"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "15.4", "instanceClass": "db.r6g.large", "adopt": adopt}
	if edit != nil {
		edit(db, adopt)
	}
	b, err := json.Marshal(map[string]any{"db": db})
	if err != nil {
		t.Fatal(err)
	}
	v["platform:workloads"] = string(b)
	return v
}

func runAurora(t *testing.T, stage string, edit func(db, adopt map[string]any)) *sim.Graph {
	t.Helper()
	res, err := offline.Run(&stack.File{Path: stage, Stack: "test", Values: auroraValues(t, stage, edit)})
	if err != nil {
		t.Fatalf("stage %s: %v", stage, err)
	}
	return res.Graph
}

// seedJSON reads one describe-* output of the seed's snapshot as plain JSON,
// so that the test's expectations come from the files, not from the code
// under test.
func seedJSON(t *testing.T, file, list string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", seedSnapshot, file))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc[list]) == 0 {
		t.Fatalf("%s holds no %s", file, list)
	}
	return doc[list]
}

func sortedStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			out = append(out, e.(string))
		}
	case []string:
		out = append(out, x...)
	}
	sort.Strings(out)
	return out
}

// Stage one imports the cluster, both instances, the DB subnet group and the
// cluster parameter group with inputs equal, field by field, to what
// describe-db-* shows: Pulumi refuses an import whose inputs differ and does
// not say which field (pulumi/pulumi#5260). Each is protected, its tags left
// alone, and nothing else is registered for the workload.
func TestAdoptAurora_TheImportStageImportsEachPartWithTheSnapshotsValues(t *testing.T) {
	g := runAurora(t, "adopt", nil)
	cl := seedJSON(t, "rds-db-clusters.json", "DBClusters")[0]
	sg := seedJSON(t, "rds-db-subnet-groups.json", "DBSubnetGroups")[0]

	c := mustNamed(t, g, "aws:rds/cluster:Cluster", "prod-db")
	var groups []string
	for _, vg := range cl["VpcSecurityGroups"].([]any) {
		groups = append(groups, vg.(map[string]any)["VpcSecurityGroupId"].(string))
	}
	secret := cl["MasterUserSecret"].(map[string]any)
	want := map[string]any{
		"clusterIdentifier":                cl["DBClusterIdentifier"],
		"engine":                           cl["Engine"],
		"engineVersion":                    cl["EngineVersion"],
		"engineMode":                       cl["EngineMode"],
		"databaseName":                     cl["DatabaseName"],
		"masterUsername":                   cl["MasterUsername"],
		"port":                             cl["Port"],
		"storageEncrypted":                 cl["StorageEncrypted"],
		"kmsKeyId":                         cl["KmsKeyId"],
		"backupRetentionPeriod":            cl["BackupRetentionPeriod"],
		"preferredBackupWindow":            cl["PreferredBackupWindow"],
		"preferredMaintenanceWindow":       cl["PreferredMaintenanceWindow"],
		"deletionProtection":               cl["DeletionProtection"],
		"iamDatabaseAuthenticationEnabled": cl["IAMDatabaseAuthenticationEnabled"],
		"copyTagsToSnapshot":               cl["CopyTagsToSnapshot"],
		"dbSubnetGroupName":                cl["DBSubnetGroup"],
		"dbClusterParameterGroupName":      cl["DBClusterParameterGroup"],
		"manageMasterUserPassword":         true,
		"masterUserSecretKmsKeyId":         secret["KmsKeyId"],
		// Not an AWS value: the provider's import sets it (rds/cluster.go resourceClusterImport).
		"skipFinalSnapshot": true,
	}
	checkInputs(t, c, want, map[string][]string{"vpcSecurityGroupIds": groups})
	if c.ImportID != seedCluster {
		t.Errorf("cluster imported as %q", c.ImportID)
	}

	s := mustNamed(t, g, "aws:rds/subnetGroup:SubnetGroup", "prod-db")
	var subnets []string
	for _, sn := range sg["Subnets"].([]any) {
		subnets = append(subnets, sn.(map[string]any)["SubnetIdentifier"].(string))
	}
	checkInputs(t, s, map[string]any{"name": sg["DBSubnetGroupName"], "description": sg["DBSubnetGroupDescription"]}, map[string][]string{"subnetIds": subnets})
	if s.ImportID != sg["DBSubnetGroupName"] {
		t.Errorf("subnet group imported as %q", s.ImportID)
	}

	var pg map[string]any
	for _, x := range seedJSON(t, "rds-db-cluster-parameter-groups.json", "DBClusterParameterGroups") {
		if x["DBClusterParameterGroupName"] == cl["DBClusterParameterGroup"] {
			pg = x
		}
	}
	p := mustNamed(t, g, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "prod-db")
	rest := p
	rest.Inputs = map[string]any{}
	for k, v := range p.Inputs {
		if k != "parameters" { // compared below
			rest.Inputs[k] = v
		}
	}
	checkInputs(t, rest, map[string]any{"name": pg["DBClusterParameterGroupName"], "family": pg["DBParameterGroupFamily"], "description": pg["Description"]}, nil)
	var wantParams, gotParams []string
	for _, x := range seedJSON(t, "rds-db-cluster-parameters/"+pg["DBClusterParameterGroupName"].(string)+".json", "Parameters") {
		wantParams = append(wantParams, x["ParameterName"].(string)+"="+x["ParameterValue"].(string)+" "+strings.ToLower(x["ApplyMethod"].(string)))
	}
	for _, x := range p.Inputs["parameters"].([]any) {
		m := x.(map[string]any)
		gotParams = append(gotParams, m["name"].(string)+"="+m["value"].(string)+" "+m["applyMethod"].(string))
	}
	sort.Strings(wantParams)
	sort.Strings(gotParams)
	if !reflect.DeepEqual(gotParams, wantParams) {
		t.Errorf("parameters %v, the snapshot has %v", gotParams, wantParams)
	}

	instances := seedJSON(t, "rds-db-instances.json", "DBInstances")
	for _, in := range instances {
		id := in["DBInstanceIdentifier"].(string)
		r := mustNamed(t, g, "aws:rds/clusterInstance:ClusterInstance", "prod-db-"+id)
		want := map[string]any{
			"identifier":                 id,
			"clusterIdentifier":          in["DBClusterIdentifier"],
			"engine":                     in["Engine"],
			"instanceClass":              in["DBInstanceClass"],
			"availabilityZone":           in["AvailabilityZone"],
			"dbSubnetGroupName":          in["DBSubnetGroup"].(map[string]any)["DBSubnetGroupName"],
			"dbParameterGroupName":       in["DBParameterGroups"].([]any)[0].(map[string]any)["DBParameterGroupName"],
			"publiclyAccessible":         in["PubliclyAccessible"],
			"promotionTier":              in["PromotionTier"],
			"autoMinorVersionUpgrade":    in["AutoMinorVersionUpgrade"],
			"performanceInsightsEnabled": in["PerformanceInsightsEnabled"],
			"monitoringInterval":         in["MonitoringInterval"],
			"caCertIdentifier":           in["CACertificateIdentifier"],
			"preferredBackupWindow":      in["PreferredBackupWindow"],
			"preferredMaintenanceWindow": in["PreferredMaintenanceWindow"],
		}
		checkInputs(t, r, want, nil)
		// AWS refuses CopyTagsToSnapshot on an Aurora instance (the
		// cluster's setting): unset, and the value read back ignored.
		if _, set := r.Inputs["copyTagsToSnapshot"]; set || !contains(r.IgnoreChanges, "copyTagsToSnapshot") {
			t.Errorf("%s: copyTagsToSnapshot %v, ignoreChanges %v", id, r.Inputs["copyTagsToSnapshot"], r.IgnoreChanges)
		}
		if r.ImportID != id {
			t.Errorf("%s imported as %q", id, r.ImportID)
		}
	}

	n := 0
	for _, r := range g.Resources {
		if !strings.HasPrefix(r.Type, "aws:rds/") {
			continue
		}
		n++
		if r.ImportID == "" || !r.Protect || !contains(r.IgnoreChanges, "tags") || !contains(r.IgnoreChanges, "tagsAll") {
			t.Errorf("%s %s: import %q, protect %v, ignoreChanges %v", r.Type, r.Name, r.ImportID, r.Protect, r.IgnoreChanges)
		}
	}
	if n != 3+len(instances) {
		t.Errorf("%d RDS resources, want the cluster, its subnet group, its parameter group and %d instances", n, len(instances))
	}
	if len(g.OfType("aws:cloudwatch/logGroup:LogGroup")) != 0 {
		t.Error("the import stage creates the cluster's log groups")
	}
}

// checkInputs asserts that r's inputs are exactly want (numbers compared as
// numbers) plus the sets, and nothing else.
func checkInputs(t *testing.T, r sim.Resource, want map[string]any, sets map[string][]string) {
	t.Helper()
	for k, w := range want {
		got, ok := r.Inputs[k]
		if !ok {
			t.Errorf("%s: %s is not set, the snapshot has %v", r.Name, k, w)
			continue
		}
		if gf, ok := got.(float64); ok {
			if wf, ok := w.(float64); ok && gf == wf {
				continue
			}
		}
		if !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %s = %#v, the snapshot has %#v", r.Name, k, got, w)
		}
	}
	for k, w := range sets {
		sort.Strings(w)
		if got := sortedStrings(r.Inputs[k]); !reflect.DeepEqual(got, w) {
			t.Errorf("%s: %s = %v, the snapshot has %v", r.Name, k, got, w)
		}
	}
	for k := range r.Inputs {
		if _, ok := want[k]; ok {
			continue
		}
		if _, ok := sets[k]; ok {
			continue
		}
		t.Errorf("%s: the import also sets %s = %v, which the snapshot does not show", r.Name, k, r.Inputs[k])
	}
}

// stageReport is the change report from one stage to the next.
func stageReport(t *testing.T, before, after string, edit func(db, adopt map[string]any)) (*change.Report, *sim.Graph) {
	t.Helper()
	b := runAurora(t, before, edit)
	a := runAurora(t, after, edit)
	return change.Diff(b, a), a
}

func entry(t *testing.T, r *change.Report, g *sim.Graph, typ, name string) (change.Entry, bool) {
	t.Helper()
	for _, e := range r.Entries {
		if e.Type == typ && e.Name == name {
			return e, true
		}
	}
	return change.Entry{}, false
}

// Every step of the move, as the change report between consecutive stage
// files shows it: the cluster is never replaced or deleted; new instances
// come up in isolated subnets; the old ones stop being public in place and
// go only after the writer moved; the subnet group changes in place.
func TestAdoptAurora_EachStepOfTheMoveIsInPlaceAndInOrder(t *testing.T) {
	const tc, ti, tsg = "aws:rds/cluster:Cluster", "aws:rds/clusterInstance:ClusterInstance", "aws:rds/subnetGroup:SubnetGroup"
	for i := 1; i < len(auroraStages); i++ {
		before, after := auroraStages[i-1], auroraStages[i]
		r, g := stageReport(t, before, after, nil)
		for _, e := range r.Entries {
			if !strings.HasPrefix(e.Type, "aws:rds/") {
				continue
			}
			if e.Kind == change.Replaced || (e.Type == tc && e.Kind == change.Removed) || (e.Type == tsg && e.Kind == change.Removed) {
				t.Errorf("%s -> %s: %s %s is %s (%v)", before, after, e.Type, e.Name, e.Kind, e.Forcing)
			}
			if e.Kind == change.Removed && e.Protected {
				t.Errorf("%s -> %s: protected %s would be deleted", before, after, e.Name)
			}
		}
		cl := mustNamed(t, g, tc, "prod-db")
		if cl.ID != seedCluster || cl.ImportID != seedCluster {
			t.Errorf("%s: the cluster is %s (import %s)", after, cl.ID, cl.ImportID)
		}
		isolated := map[string]string{}
		for _, s := range g.OfType("aws:ec2/subnet:Subnet") {
			if strings.Contains(s.Name, "isolated") {
				isolated[s.ID] = str(s, "availabilityZone")
			}
		}
		if len(isolated) != 3 {
			t.Fatalf("%s: %d isolated subnets", after, len(isolated))
		}
		sg := mustNamed(t, g, tsg, "prod-db")
		for id := range isolated {
			if !contains(sortedStrings(sg.Inputs["subnetIds"]), id) {
				t.Errorf("%s: the subnet group lacks isolated %s", after, id)
			}
		}
		for _, in := range g.OfType(ti) {
			if in.Inputs["publiclyAccessible"] != false {
				t.Errorf("%s: %s is publicly accessible", after, in.Name)
			}
		}
	}

	// Stage by stage, what the report must hold.
	r, _ := stageReport(t, "adopt", "expand", nil)
	for _, id := range []string{seedWriter, seedReader} {
		e, ok := entry(t, r, nil, "aws:rds/clusterInstance:ClusterInstance", "prod-db-"+id)
		if !ok || e.Kind != change.Updated || !contains(e.Props, "publiclyAccessible") {
			t.Errorf("expand: %s %+v, want publiclyAccessible updated in place", id, e)
		}
	}
	if e, ok := entry(t, r, nil, tsg, "prod-db"); !ok || e.Kind != change.Updated || !contains(e.Props, "subnetIds") {
		t.Errorf("expand: subnet group %+v, want subnetIds updated in place (old and isolated subnets)", e)
	}
	if e, ok := entry(t, r, nil, tc, "prod-db"); !ok || e.Kind != change.Updated || !contains(e.Props, "vpcSecurityGroupIds") {
		t.Errorf("expand: cluster %+v, want its own group added in place", e)
	}
	if e, ok := entry(t, r, nil, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "prod-db"); !ok || e.Kind != change.Updated {
		t.Errorf("expand: parameter group %+v, want TLS required in place", e)
	}
	if got := forceSSL(t, runAurora(t, "expand", nil)); got != "1 immediate" {
		t.Errorf("expand: rds.force_ssl %s, want 1 applied immediately (a dynamic parameter)", got)
	}
	late := func(_, a map[string]any) { a["tlsFrom"] = "db-retire-a" }
	if got := forceSSL(t, runAurora(t, "expand", late)); got != "0 immediate" {
		t.Errorf("expand with tlsFrom db-retire-a: rds.force_ssl %s, want the cluster's own 0", got)
	}

	r, g := stageReport(t, "expand", "db-span", nil)
	if got := r.Named(change.Added); !contains(got, ti+" prod-db-1") {
		t.Errorf("db-span adds %v, want the first new instance", got)
	}
	n1 := mustNamed(t, g, ti, "prod-db-1")
	if str(n1, "availabilityZone") != "eu-west-1c" || str(n1, "identifier") != seedCluster+"-1" || n1.Inputs["publiclyAccessible"] != false {
		t.Errorf("new instance 1: %v", n1.Inputs)
	}
	sg := mustNamed(t, g, tsg, "prod-db")
	if contains(sortedStrings(sg.Inputs["subnetIds"]), seedSubnetC) {
		t.Error("db-span: the old 1c subnet is still in the group when the 1c instance is created")
	}
	if !contains(n1.Dependencies, sg.URN) {
		t.Error("the new instance does not wait for the subnet group's update")
	}
	if e, _ := entry(t, r, nil, ti, "prod-db-"+seedReader); e.Protect != "lifted" {
		t.Errorf("db-span: the old reader's protection %q, want lifted the stage before its deletion", e.Protect)
	}

	r, _ = stageReport(t, "db-span", "db-failover", nil)
	if got := r.Named(change.Removed); !reflect.DeepEqual(got, []string{ti + " prod-db-" + seedReader}) {
		t.Errorf("db-failover removes %v, want only the old reader", got)
	}

	r, g = stageReport(t, "db-failover", "db-new-b", nil)
	sg = mustNamed(t, g, tsg, "prod-db")
	if contains(sortedStrings(sg.Inputs["subnetIds"]), seedSubnetB) || !contains(sortedStrings(sg.Inputs["subnetIds"]), seedSubnetA) {
		t.Errorf("db-new-b: subnet group %v", sg.Inputs["subnetIds"])
	}
	if n2 := mustNamed(t, g, ti, "prod-db-2"); str(n2, "availabilityZone") != "eu-west-1b" {
		t.Errorf("new instance 2 in %s", str(n2, "availabilityZone"))
	}

	r, _ = stageReport(t, "db-new-b", "db-retire-a", nil)
	if got := r.Named(change.Removed); !reflect.DeepEqual(got, []string{ti + " prod-db-" + seedWriter}) {
		t.Errorf("db-retire-a removes %v, want only the old writer (no longer the writer)", got)
	}

	r, g = stageReport(t, "db-retire-a", "contract", nil)
	sg = mustNamed(t, g, tsg, "prod-db")
	for _, id := range sortedStrings(sg.Inputs["subnetIds"]) {
		if id == seedSubnetA || id == seedSubnetB || id == seedSubnetC {
			t.Errorf("contract: old subnet %s still in the group", id)
		}
	}
	cl := mustNamed(t, g, tc, "prod-db")
	if len(sortedStrings(cl.Inputs["vpcSecurityGroupIds"])) != 1 {
		t.Errorf("contract: the cluster keeps %v", cl.Inputs["vpcSecurityGroupIds"])
	}
}

// forceSSL is rds.force_ssl's value and apply method in the parameter group.
func forceSSL(t *testing.T, g *sim.Graph) string {
	t.Helper()
	p := mustNamed(t, g, "aws:rds/clusterParameterGroup:ClusterParameterGroup", "prod-db")
	for _, x := range p.Inputs["parameters"].([]any) {
		if m := x.(map[string]any); m["name"] == "rds.force_ssl" {
			return m["value"].(string) + " " + m["applyMethod"].(string)
		}
	}
	return "unset"
}

// The policy suite passes in every stage: the import stage's publicly
// accessible instances are the account as it is (imported, changed by the
// next stage), and no stage creates one.
func TestAdoptAurora_EveryStagePassesThePolicy(t *testing.T) {
	for _, st := range auroraStages {
		g := runAurora(t, st, nil)
		if v := policy.Check(g); len(v) > 0 {
			t.Errorf("stage %s: %v", st, v)
		}
	}
	// A created instance that is publicly accessible still fails it.
	g := runAurora(t, "db-span", nil)
	for i, r := range g.Resources {
		if r.Name == "prod-db-1" && r.Type == "aws:rds/clusterInstance:ClusterInstance" {
			g.Resources[i].Inputs["publiclyAccessible"] = true
		}
	}
	if v := policy.Check(g); len(v) == 0 {
		t.Error("a created publicly accessible instance passes the policy")
	}
}

// A cluster whose master password was set by hand (no MasterUserSecret in
// the snapshot) is imported without one - nothing is invented - and the
// stage managePasswordFrom names turns RDS's management on in place, with the
// stack's secrets key.
func TestAdoptAurora_AHandSetPasswordStaysUntilItsStageTurnsManagementOn(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join("..", seedSnapshot)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := os.CopyFS(filepath.Join(dir, e.Name()), os.DirFS(filepath.Join(src, e.Name()))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "rds-db-clusters.json" {
			var doc map[string][]map[string]any
			if err := json.Unmarshal(b, &doc); err != nil {
				t.Fatal(err)
			}
			delete(doc["DBClusters"][0], "MasterUserSecret")
			b, _ = json.Marshal(doc)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	at := func(stage string) *sim.Graph {
		v := auroraValues(t, stage, func(_, a map[string]any) { a["managePasswordFrom"] = "db-span" })
		v["platform:migration"] = strings.Replace(v["platform:migration"], `"snapshot":"`+seedSnapshot+`"`, `"snapshot":"`+filepath.ToSlash(dir)+`"`, 1)
		res, err := offline.Run(&stack.File{Path: stage, Stack: "test", Values: v})
		if err != nil {
			t.Fatalf("%s: %v", stage, err)
		}
		return res.Graph
	}
	for _, st := range []string{"adopt", "expand"} {
		c := mustNamed(t, at(st), "aws:rds/cluster:Cluster", "prod-db")
		if _, ok := c.Inputs["manageMasterUserPassword"]; ok {
			t.Errorf("%s: manageMasterUserPassword %v on a cluster with a hand-set password", st, c.Inputs["manageMasterUserPassword"])
		}
		if _, ok := c.Inputs["masterUserSecretKmsKeyId"]; ok {
			t.Errorf("%s: a secret key is set", st)
		}
	}
	before, after := at("expand"), at("db-span")
	c := mustNamed(t, after, "aws:rds/cluster:Cluster", "prod-db")
	if c.Inputs["manageMasterUserPassword"] != true || str(c, "masterUserSecretKmsKeyId") == "" {
		t.Errorf("db-span: %v / %v, want management on with the stack's secrets key", c.Inputs["manageMasterUserPassword"], c.Inputs["masterUserSecretKmsKeyId"])
	}
	r := change.Diff(before, after)
	if e, ok := entry(t, r, after, "aws:rds/cluster:Cluster", "prod-db"); !ok || e.Kind != change.Updated || !contains(e.Props, "manageMasterUserPassword") {
		t.Errorf("db-span: the cluster %+v, want manageMasterUserPassword turned on in place", e)
	}
}
