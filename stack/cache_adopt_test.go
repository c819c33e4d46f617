package stack_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

const (
	tCacheSubnet = "aws:elasticache/subnetGroup:SubnetGroup"
	tCacheMember = "aws:elasticache/cluster:Cluster"
	tCacheParams = "aws:elasticache/parameterGroup:ParameterGroup"

	seedOldRedis = "sg-0666f63c46cdff14f" // prod-redis-sg
	oldSubnetA   = "subnet-01cae413a21acf452"
	oldSubnetB   = "subnet-0b908e3ee0e2bad72" // prod-redis-001, the primary
	oldSubnetC   = "subnet-0aa33ffb8c8b47a7e" // prod-redis-002
)

// cacheStages move the seed's Redis into the isolated tier: replicas in
// isolated subnets, a failover, the old members deleted, the old subnets and
// group let go.
var cacheStages = []string{"adopt", "expand", "cache-replica", "cache-failover", "cache-old-primary", "cache-subnets", "contract"}

// cacheMembers is the members' whole life, the same in every stage file.
var cacheMembers = map[string]any{
	"prod-redis-001": map[string]any{"until": "cache-old-primary"},
	"prod-redis-002": map[string]any{"until": "cache-replica"},
	"prod-redis-003": map[string]any{"az": "eu-west-1a", "since": "cache-replica"},
	"prod-redis-004": map[string]any{"az": "eu-west-1c", "since": "cache-failover"},
}

// cacheAdopt is the adopt block of every stage file: the old subnets leave
// after their members, the failover comes after the first new replica, the
// old group goes with the last old subnet.
var cacheAdopt = map[string]any{
	"replicationGroupId": "prod-redis",
	"members":            cacheMembers,
	"subnets": map[string]any{
		oldSubnetA: map[string]any{"until": "cache-replica"},
		oldSubnetC: map[string]any{"until": "cache-failover"},
		oldSubnetB: map[string]any{"until": "cache-subnets"},
	},
	"failover":    map[string]any{"cache-failover": "prod-redis-003"},
	"groupsUntil": "cache-subnets",
}

// cacheValues is the seed's stack file at a stage of cacheStages with the
// sessions cache adopting prod-redis; edit changes the adopt block and
// cache the workload (a nil value removes the key).
func cacheValues(stage string, edit map[string]any, cache map[string]any) map[string]string {
	mig := map[string]any{"stages": cacheStages, "stage": stage}
	if stage != "adopt" {
		mig["importOnly"] = nil
	}
	v := migrationValues(mig)
	adopt := map[string]any{}
	for k, x := range cacheAdopt {
		adopt[k] = x
	}
	for k, x := range edit {
		if x == nil {
			delete(adopt, k)
			continue
		}
		adopt[k] = x
	}
	w := map[string]any{"kind": "cache", "engine": "redis", "engineVersion": "7.1", "nodeType": "cache.t4g.medium", "adopt": adopt}
	for k, x := range cache {
		if x == nil {
			delete(w, k)
			continue
		}
		w[k] = x
	}
	b, _ := json.Marshal(map[string]any{"sessions": w})
	v["platform:workloads"] = string(b)
	return v
}

func runCacheStage(t *testing.T, stage string) *offline.Result {
	t.Helper()
	res, err := offline.Run(&stack.File{Path: stage, Stack: "test", Values: cacheValues(stage, nil, nil)})
	if err != nil {
		t.Fatalf("stage %s: %v", stage, err)
	}
	return res
}

// rawSnapshot reads one describe-* file of the seed's snapshot as plain JSON,
// apart from the audit package's types.
func rawSnapshot(t *testing.T, file, list string) []map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", seedSnapshot, file))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string][]map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc[list]
}

func sortedStrs(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, fmt.Sprint(x))
	}
	sort.Strings(out)
	return out
}

// Pulumi refuses an import whose inputs differ from the live resource and
// says little about which field (pulumi/pulumi#5260): every input the stage
// sets on the adopted group, its subnet group and its members equals the
// snapshot's value, and nothing else is set.
func TestCacheAdoption_ImportsTheGroupWithEveryInputEqualToTheSnapshot(t *testing.T) {
	res := runCacheStage(t, "adopt")
	rgRaw := rawSnapshot(t, "elasticache-replication-groups.json", "ReplicationGroups")[0]
	clusters := rawSnapshot(t, "elasticache-cache-clusters.json", "CacheClusters")
	subnetRaw := rawSnapshot(t, "elasticache-cache-subnet-groups.json", "CacheSubnetGroups")[0]
	if len(clusters) != 2 {
		t.Fatalf("the seed has %d cache clusters, want 2", len(clusters))
	}
	primary := clusters[0]
	version := strings.Join(strings.Split(primary["EngineVersion"].(string), ".")[:2], ".")
	var groups []any
	for _, g := range primary["SecurityGroups"].([]any) {
		groups = append(groups, g.(map[string]any)["SecurityGroupId"])
	}
	port := primary["CacheNodes"].([]any)[0].(map[string]any)["Endpoint"].(map[string]any)["Port"]

	rg := mustNamed(t, res.Graph, tRG, "prod-sessions")
	want := map[string]any{
		"replicationGroupId":       rgRaw["ReplicationGroupId"],
		"description":              rgRaw["Description"],
		"engine":                   rgRaw["Engine"],
		"engineVersion":            version, // 7.1.0 reads back as 7.1
		"nodeType":                 rgRaw["CacheNodeType"],
		"port":                     port,
		"automaticFailoverEnabled": rgRaw["AutomaticFailover"] == "enabled",
		"multiAzEnabled":           rgRaw["MultiAZ"] == "enabled",
		"atRestEncryptionEnabled":  rgRaw["AtRestEncryptionEnabled"],
		"transitEncryptionEnabled": rgRaw["TransitEncryptionEnabled"],
		"transitEncryptionMode":    rgRaw["TransitEncryptionMode"],
		"snapshotRetentionLimit":   rgRaw["SnapshotRetentionLimit"],
		"snapshotWindow":           rgRaw["SnapshotWindow"],
		"parameterGroupName":       primary["CacheParameterGroup"].(map[string]any)["CacheParameterGroupName"],
		"subnetGroupName":          primary["CacheSubnetGroupName"],
		"securityGroupIds":         groups,
	}
	if rg.ImportID != rgRaw["ReplicationGroupId"] || !rg.Protect {
		t.Errorf("the group: import %q, protect %v", rg.ImportID, rg.Protect)
	}
	for k, v := range want {
		if !reflect.DeepEqual(rg.Inputs[k], v) {
			t.Errorf("replication group input %s = %#v, the snapshot has %#v", k, rg.Inputs[k], v)
		}
	}
	for k := range rg.Inputs {
		if _, ok := want[k]; !ok {
			// authToken, userGroupIds, kmsKeyId, numCacheClusters, ...: the
			// snapshot has no value for them, so the import leaves them out.
			t.Errorf("replication group input %s = %v is set, and the snapshot has no value for it", k, rg.Inputs[k])
		}
	}

	sg := mustNamed(t, res.Graph, tCacheSubnet, "prod-sessions")
	var subnets []string
	for _, s := range subnetRaw["Subnets"].([]any) {
		subnets = append(subnets, s.(map[string]any)["SubnetIdentifier"].(string))
	}
	sort.Strings(subnets)
	if sg.ImportID != subnetRaw["CacheSubnetGroupName"] || str(sg, "name") != subnetRaw["CacheSubnetGroupName"] ||
		str(sg, "description") != subnetRaw["CacheSubnetGroupDescription"] || !reflect.DeepEqual(sortedStrs(sg.Inputs["subnetIds"]), subnets) || len(sg.Inputs) != 3 {
		t.Errorf("subnet group imported as %q with %v, the snapshot has %v", sg.ImportID, sg.Inputs, subnetRaw)
	}

	members := res.Graph.OfType(tCacheMember)
	if len(members) != len(clusters) {
		t.Fatalf("%d members registered, the snapshot has %d", len(members), len(clusters))
	}
	for _, cl := range clusters {
		id := cl["CacheClusterId"].(string)
		m := mustNamed(t, res.Graph, tCacheMember, "prod-sessions-"+id)
		w := map[string]any{"clusterId": id, "replicationGroupId": cl["ReplicationGroupId"], "availabilityZone": cl["PreferredAvailabilityZone"]}
		if m.ImportID != id || !reflect.DeepEqual(m.Inputs, w) {
			t.Errorf("member %s imported as %q with %v, want %v", id, m.ImportID, m.Inputs, w)
		}
	}
	if len(res.Graph.OfType(tCacheParams)) != 0 {
		t.Error("default.redis7 is AWS's own parameter group: it is named, never imported")
	}
	// Nothing but imports: the workload's own security group comes later.
	for _, r := range res.Graph.Resources {
		if r.Custom && r.ImportID == "" {
			t.Errorf("%s %s is created in the import-only stage", r.Type, r.Name)
		}
	}
}

// rotation is every stage of cacheStages run, and the change report between
// each and the one before.
func rotation(t *testing.T) (graphs []*sim.Graph, reports []*change.Report) {
	t.Helper()
	for i, s := range cacheStages {
		graphs = append(graphs, runCacheStage(t, s).Graph)
		if i > 0 {
			reports = append(reports, change.Diff(graphs[i-1], graphs[i]))
		}
	}
	return graphs, reports
}

// The rotation moves the group into the isolated tier stage by stage and
// never replaces or deletes it: replicas come in isolated subnets, the old
// members go only once they are replicas, the subnet group changes in place.
func TestCacheAdoption_RotationKeepsTheGroupAndMovesItsMembers(t *testing.T) {
	graphs, reports := rotation(t)
	rgURN := mustNamed(t, graphs[0], tRG, "prod-sessions").URN
	sgURN := mustNamed(t, graphs[0], tCacheSubnet, "prod-sessions").URN
	member := func(id string) string { return "prod-sessions-" + id }
	created := map[string]string{}
	removed := map[string]string{}
	for i, r := range reports {
		stage := cacheStages[i+1]
		if e, ok := r.Get(rgURN); ok && (e.Kind == change.Replaced || e.Kind == change.Removed) {
			t.Errorf("stage %s: the replication group is %s (%v)", stage, e.Kind, e.Reasons)
		}
		if e, ok := r.Get(sgURN); ok && e.Kind != change.Updated {
			t.Errorf("stage %s: the subnet group is %s, want updated in place", stage, e.Kind)
		}
		for _, e := range r.Entries {
			if e.Type != tCacheMember {
				continue
			}
			switch {
			case e.Kind == change.Updated && e.Protect == "lifted" && stage == "expand":
				// The import protects the old members; the next stage lifts it.
			case e.Kind == change.Added:
				created[e.Name] = stage
			case e.Kind == change.Removed && !e.Protected:
				removed[e.Name] = stage
			default:
				t.Errorf("stage %s: member %s is %s (%v)", stage, e.Name, e.Kind, e.Props)
			}
		}
	}
	wantCreated := map[string]string{member("prod-redis-003"): "cache-replica", member("prod-redis-004"): "cache-failover"}
	wantRemoved := map[string]string{member("prod-redis-002"): "cache-replica", member("prod-redis-001"): "cache-old-primary"}
	if !reflect.DeepEqual(created, wantCreated) || !reflect.DeepEqual(removed, wantRemoved) {
		t.Errorf("members created %v, removed %v; want %v and %v", created, removed, wantCreated, wantRemoved)
	}

	// A new member lands in the isolated subnet: its zone has no old subnet
	// left in the group when it is created.
	for name, stage := range wantCreated {
		g := graphs[indexOf(cacheStages, stage)]
		m := mustNamed(t, g, tCacheMember, name)
		sg := mustNamed(t, g, tCacheSubnet, "prod-sessions")
		isolated := isolatedSubnetIn(t, g, str(m, "availabilityZone"))
		subnets := sortedStrs(sg.Inputs["subnetIds"])
		if !contains(subnets, isolated) {
			t.Errorf("stage %s: %s is in %s, whose isolated subnet %s is not in the group %v", stage, name, str(m, "availabilityZone"), isolated, subnets)
		}
		for _, old := range []string{oldSubnetA, oldSubnetB, oldSubnetC} {
			if contains(subnets, old) && oldZone[old] == str(m, "availabilityZone") {
				t.Errorf("stage %s: %s's zone still holds the old subnet %s: ElastiCache may place it there", stage, name, old)
			}
		}
		if m.ImportID != "" || str(m, "replicationGroupId") != "prod-redis" {
			t.Errorf("%s: import %q, group %q", name, m.ImportID, str(m, "replicationGroupId"))
		}
	}
	// The old members are deleted as replicas: the declared primary is
	// another member by then.
	for name, stage := range wantRemoved {
		c, err := stack.Parse("test", cacheValues(stage, nil, nil))
		if err != nil {
			t.Fatal(err)
		}
		if id := strings.TrimPrefix(name, "prod-sessions-"); c.AdoptedCache("sessions").Primary == id {
			t.Errorf("stage %s deletes %s, the primary", stage, id)
		}
	}
	// At the end the group holds only isolated subnets and its own group.
	last := graphs[len(graphs)-1]
	for _, s := range sortedStrs(mustNamed(t, last, tCacheSubnet, "prod-sessions").Inputs["subnetIds"]) {
		if _, old := oldZone[s]; old {
			t.Errorf("the last stage keeps the old subnet %s", s)
		}
	}
	rg := mustNamed(t, last, tRG, "prod-sessions")
	if gs := sortedStrs(rg.Inputs["securityGroupIds"]); len(gs) != 1 || gs[0] == seedOldRedis {
		t.Errorf("the last stage's groups %v, want the workload's own only", gs)
	}
}

var oldZone = map[string]string{oldSubnetA: "eu-west-1a", oldSubnetB: "eu-west-1b", oldSubnetC: "eu-west-1c"}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// isolatedSubnetIn is the ID of the isolated tier's subnet in a zone.
func isolatedSubnetIn(t *testing.T, g *sim.Graph, az string) string {
	t.Helper()
	for _, r := range g.OfType("aws:ec2/subnet:Subnet") {
		if r.Inputs["availabilityZone"] == az && strings.Contains(r.Name, "isolated") {
			return r.ID
		}
	}
	t.Fatalf("no isolated subnet in %s", az)
	return ""
}

// Every way an adopt block can disagree with the snapshot, the stages or
// AWS's rules is refused at its key, naming the stage, before anything is
// registered.
func TestCacheAdoption_RefusesBadInputAtItsKey(t *testing.T) {
	const k = "platform:workloads.sessions"
	const ak = k + ".adopt"
	members := func(edit map[string]any) map[string]any {
		out := map[string]any{}
		for id, m := range cacheMembers {
			out[id] = m
		}
		for id, m := range edit {
			if m == nil {
				delete(out, id)
				continue
			}
			out[id] = m
		}
		return out
	}
	subnets := func(id, until string) map[string]any {
		out := map[string]any{}
		for k, x := range cacheAdopt["subnets"].(map[string]any) {
			out[k] = x
		}
		out[id] = map[string]any{"until": until}
		return out
	}
	for _, tc := range []struct {
		name, stage  string
		adopt, cache map[string]any
		key, text    string
	}{
		{"a group the snapshot lacks", "adopt", map[string]any{"replicationGroupId": "prod-cache"}, nil, ak + ".replicationGroupId", "prod-cache is not in the snapshot"},
		{"another engine", "adopt", nil, map[string]any{"engine": "valkey"}, k + ".engine", "differs from the snapshot's redis"},
		{"another engine version", "adopt", nil, map[string]any{"engineVersion": "7.2"}, k + ".engineVersion", `set engineVersion: "7.1"`},
		{"the node type left to its default", "adopt", nil, map[string]any{"nodeType": nil}, k + ".nodeType", "cache.t4g.small differs from the snapshot's cache.t4g.medium"},
		{"another port", "adopt", nil, map[string]any{"port": 6380}, k + ".port", "6380 differs from the snapshot's 6379"},
		{"a token the stack would make", "expand", nil, map[string]any{"auth": "secret"}, k + ".auth", "keeps the authentication it has"},
		{"users in the import-only stage", "adopt", nil, map[string]any{"auth": "iam"}, k + ".auth", "stage adopt imports only"},
		{"a restore", "expand", nil, map[string]any{"restore": map[string]any{"snapshot": "arn:aws:elasticache:eu-west-1:111122223333:snapshot:x"}}, k + ".restore", "keeps its data"},
		{"a snapshot member left out", "expand", map[string]any{"members": members(map[string]any{"prod-redis-002": nil})}, nil, ak + ".members", "prod-redis-002 is a member of prod-redis in the snapshot"},
		{"a new member without its stage", "expand", map[string]any{"members": members(map[string]any{"prod-redis-003": map[string]any{"az": "eu-west-1a"}})}, nil, ak + ".members.prod-redis-003", "needs since"},
		{"a snapshot member given a zone", "expand", map[string]any{"members": members(map[string]any{"prod-redis-002": map[string]any{"az": "eu-west-1a", "since": "expand"}})}, nil, ak + ".members.prod-redis-002", "exists from the start"},
		{"a member created at a stage that is not one", "expand", map[string]any{"members": members(map[string]any{"prod-redis-003": map[string]any{"az": "eu-west-1a", "since": "later"}})}, nil, ak + ".members.prod-redis-003.since", `"later" is not one of platform:migration.stages`},
		{"a member created by the import", "expand", map[string]any{"members": members(map[string]any{"prod-redis-003": map[string]any{"az": "eu-west-1a", "since": "adopt"}})}, nil, ak + ".members.prod-redis-003.since", "stage adopt is the first"},
		{"a member deleted before it is created", "expand", map[string]any{"members": members(map[string]any{"prod-redis-003": map[string]any{"az": "eu-west-1a", "since": "cache-replica", "until": "expand"}})}, nil, ak + ".members.prod-redis-003.until", "not after the stage that creates"},
		{"an old member deleted right after the import", "expand", map[string]any{"members": members(map[string]any{"prod-redis-002": map[string]any{"until": "expand"}})}, nil, ak + ".members.prod-redis-002.until", "the stage after the import lifts protect"},
		{"a member in a zone of no network", "expand", map[string]any{"members": members(map[string]any{"prod-redis-003": map[string]any{"az": "eu-west-1d", "since": "cache-replica"}})}, nil, ak + ".members.prod-redis-003.az", "not one of the network's zones"},
		{"the primary deleted", "expand", map[string]any{"failover": nil}, nil, ak + ".members.prod-redis-001.until", "prod-redis-001 is the primary in stage cache-old-primary, which deletes it"},
		{"a failover to a deleted member", "expand", map[string]any{"failover": map[string]any{"cache-failover": "prod-redis-002"}}, nil, ak + ".failover.cache-failover", "prod-redis-002 is deleted by stage cache-replica"},
		{"a failover to no member", "expand", map[string]any{"failover": map[string]any{"cache-failover": "prod-redis-009"}}, nil, ak + ".failover.cache-failover", "prod-redis-009 is not a member"},
		{"a failover to a member its stage creates", "expand", map[string]any{"failover": map[string]any{"cache-replica": "prod-redis-003"}}, nil, ak + ".failover.cache-replica", "prod-redis-003 is created in stage cache-replica"},
		{"a failover in the import-only stage", "expand", map[string]any{"failover": map[string]any{"adopt": "prod-redis-002"}}, nil, ak + ".failover.adopt", "stage adopt is the first"},
		{"the last replica deleted", "expand", map[string]any{"failover": nil, "members": members(map[string]any{"prod-redis-003": nil, "prod-redis-004": nil, "prod-redis-001": map[string]any{}})}, nil, ak + ".members", "refuses to delete its last replica"},
		{"too many members", "expand", map[string]any{"members": members(map[string]any{"prod-redis-005": map[string]any{"az": "eu-west-1a", "since": "cache-replica"},
			"prod-redis-006": map[string]any{"az": "eu-west-1a", "since": "cache-replica"}, "prod-redis-007": map[string]any{"az": "eu-west-1a", "since": "cache-replica"}, "prod-redis-002": map[string]any{}})}, nil, ak + ".members", "7 members live in stage cache-failover"},
		{"a subnet leaving while a member is in it", "expand", map[string]any{"subnets": subnets(oldSubnetC, "cache-replica")}, nil, ak + ".subnets." + oldSubnetC + ".until", "holds prod-redis-002 (in eu-west-1c) until stage cache-replica"},
		{"a subnet of no snapshot", "expand", map[string]any{"subnets": subnets("subnet-0123456789abcdef0", "cache-replica")}, nil, ak + ".subnets.subnet-0123456789abcdef0", "not in the subnet group prod-redis-subnets"},
		{"a subnet leaving at the import", "expand", map[string]any{"subnets": subnets(oldSubnetA, "adopt")}, nil, ak + ".subnets." + oldSubnetA + ".until", "stage adopt is the first"},
		{"a new member beside an old subnet", "expand", map[string]any{"subnets": subnets(oldSubnetA, "cache-failover")}, nil, ak + ".members.prod-redis-003.az", "still holds the old subnet " + oldSubnetA},
		{"groups let go at the import", "expand", map[string]any{"groupsUntil": "adopt"}, nil, ak + ".groupsUntil", "stage adopt is the first"},
		{"a file whose stage is not one of the stages (no panic)", "expnad", nil, nil, "platform:migration.stage", `"expnad" is not one of stages`},
		{"transit encryption it has", "expand", map[string]any{"transitEncryption": map[string]any{"preferred": "cache-replica", "required": "cache-failover"}}, nil, ak + ".transitEncryption", "already requires encryption in transit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, problemsOf(t, cacheValues(tc.stage, tc.adopt, tc.cache)), tc.key, tc.text)
		})
	}
}

// Adopting is a migration step, and auth: existing belongs to adopting; the
// group's old security group must be imported.
func TestCacheAdoption_RefusesAdoptingWithoutAMigration(t *testing.T) {
	v := cacheValues("expand", nil, nil)
	var m map[string]any
	if err := json.Unmarshal([]byte(v["platform:migration"]), &m); err != nil {
		t.Fatal(err)
	}
	delete(m["groups"].(map[string]any), seedOldRedis)
	b, _ := json.Marshal(m)
	v["platform:migration"] = string(b)
	wantProblem(t, problemsOf(t, v), "platform:workloads.sessions.adopt.groupsUntil", seedOldRedis+", which is not imported")

	v = cacheValues("expand", nil, nil)
	delete(v, "platform:migration")
	wantProblem(t, problemsOf(t, v), "platform:workloads.sessions.adopt", "set platform:migration")
	v = cacheValues("expand", nil, map[string]any{"adopt": nil, "auth": "existing"})
	wantProblem(t, problemsOf(t, v), "platform:workloads.sessions.auth", "existing is for an adopted cache")
}

// The plan prints the failover a person runs before the stage that declares
// a new primary (Multi-AZ off, promote, Multi-AZ on), the members the stage
// deletes, and nothing about a failover where the primary stays.
func TestCacheAdoption_ThePlanPrintsTheFailoverToRunBeforeItsStage(t *testing.T) {
	notes := func(stage string) string { return strings.Join(runCacheStage(t, stage).Platform.Notes(), "\n") }
	n := notes("cache-failover")
	for _, want := range []string{
		"aws elasticache modify-replication-group --replication-group-id prod-redis --no-multi-az-enabled --apply-immediately; aws elasticache wait replication-group-available --replication-group-id prod-redis; " +
			"aws elasticache modify-replication-group --replication-group-id prod-redis --primary-cluster-id prod-redis-003 --apply-immediately; aws elasticache wait replication-group-available --replication-group-id prod-redis; " +
			"aws elasticache modify-replication-group --replication-group-id prod-redis --multi-az-enabled --apply-immediately",
		"stage cache-failover needs prod-redis-003 as the primary of prod-redis",
		"members prod-redis-001, prod-redis-003 (primary), prod-redis-004 (in the isolated subnet of eu-west-1c)",
	} {
		if !strings.Contains(n, want) {
			t.Errorf("cache-failover's notes lack %q:\n%s", want, n)
		}
	}
	if n := notes("cache-replica"); strings.Contains(n, "--primary-cluster-id") || !strings.Contains(n, "the member prod-redis-002 is deleted in this stage") {
		t.Errorf("cache-replica's notes:\n%s", n)
	}
}

// snapshotWith copies the seed's snapshot into a folder of the test's and
// lets edit change the replication group and its cache clusters as plain
// JSON; it returns the folder (absolute, so the stack reads it as is).
func snapshotWith(t *testing.T, edit func(rg map[string]any, clusters []map[string]any)) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join("..", seedSnapshot)
	entries, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			continue // parameter values per group: not read for caches
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rgs := rawSnapshot(t, "elasticache-replication-groups.json", "ReplicationGroups")
	clusters := rawSnapshot(t, "elasticache-cache-clusters.json", "CacheClusters")
	edit(rgs[0], clusters)
	for file, doc := range map[string]any{
		"elasticache-replication-groups.json": map[string]any{"ReplicationGroups": rgs},
		"elasticache-cache-clusters.json":     map[string]any{"CacheClusters": clusters},
	} {
		b, _ := json.Marshal(doc)
		if err := os.WriteFile(filepath.Join(dir, file), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// withSnapshot points a stack file's migration at another snapshot folder.
func withSnapshot(t *testing.T, v map[string]string, dir string) map[string]string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(v["platform:migration"]), &m); err != nil {
		t.Fatal(err)
	}
	m["snapshot"] = dir
	b, _ := json.Marshal(m)
	v["platform:migration"] = string(b)
	return v
}

// plainRedis is the seed's group without encryption in transit.
func plainRedis(rg map[string]any, clusters []map[string]any) {
	for _, o := range append([]map[string]any{rg}, clusters...) {
		o["TransitEncryptionEnabled"] = false
		delete(o, "TransitEncryptionMode")
	}
}

// A group without encryption in transit gets it in place, preferred in one
// stage and required in a later one; the clients are told which (TLS).
func TestCacheAdoption_TurnsEncryptionInTransitOnInPlaceInTwoStages(t *testing.T) {
	dir := snapshotWith(t, plainRedis)
	transit := map[string]any{"transitEncryption": map[string]any{"preferred": "cache-replica", "required": "cache-failover"}}
	var graphs []*sim.Graph
	for _, s := range []string{"adopt", "expand", "cache-replica", "cache-failover"} {
		v := withSnapshot(t, cacheValues(s, transit, nil), dir)
		res, err := offline.Run(&stack.File{Path: s, Stack: "test", Values: v})
		if err != nil {
			t.Fatalf("%s: %v", s, err)
		}
		graphs = append(graphs, res.Graph)
	}
	want := []struct {
		enabled bool
		mode    any
	}{{false, nil}, {false, nil}, {true, "preferred"}, {true, "required"}}
	for i, g := range graphs {
		rg := mustNamed(t, g, tRG, "prod-sessions")
		if rg.Inputs["transitEncryptionEnabled"] != want[i].enabled || rg.Inputs["transitEncryptionMode"] != want[i].mode {
			t.Errorf("stage %s: transit %v, mode %v; want %v, %v", cacheStages[i], rg.Inputs["transitEncryptionEnabled"], rg.Inputs["transitEncryptionMode"], want[i].enabled, want[i].mode)
		}
		if i == 0 {
			continue
		}
		e, _ := change.Diff(graphs[i-1], g).Get(rg.URN)
		if e.Kind == change.Replaced || e.Kind == change.Removed {
			t.Errorf("stage %s: the group is %s by %v", cacheStages[i], e.Kind, e.Forcing)
		}
	}
}

// What a snapshot can say that the seed does not: an old engine, cluster
// mode, no encryption in transit with users wanted.
func TestCacheAdoption_RefusesWhatTheGroupCannotDoInPlace(t *testing.T) {
	const k = "platform:workloads.sessions"
	old := snapshotWith(t, func(rg map[string]any, clusters []map[string]any) {
		plainRedis(rg, clusters)
		for _, c := range clusters {
			c["EngineVersion"] = "7.0.4"
		}
	})
	plain := snapshotWith(t, plainRedis)
	sharded := snapshotWith(t, func(rg map[string]any, _ []map[string]any) { rg["ClusterEnabled"] = true })
	for _, tc := range []struct {
		name, dir   string
		adopt, spec map[string]any
		key, text   string
	}{
		{"transit on an engine that replaces the group", old, map[string]any{"transitEncryption": map[string]any{"preferred": "cache-replica"}}, map[string]any{"engineVersion": "7.0"},
			k + ".adopt.transitEncryption", "redis 7.0.4 cannot turn encryption in transit on in place"},
		{"required without preferred", plain, map[string]any{"transitEncryption": map[string]any{"required": "cache-failover"}}, nil,
			k + ".adopt.transitEncryption.preferred", "goes to required through preferred"},
		{"required before preferred", plain, map[string]any{"transitEncryption": map[string]any{"preferred": "cache-failover", "required": "cache-replica"}}, nil,
			k + ".adopt.transitEncryption.required", "not after preferred"},
		{"users without encryption in transit", plain, nil, map[string]any{"auth": "iam"}, k + ".auth", "need encryption in transit"},
		{"cluster mode", sharded, nil, nil, k + ".adopt.replicationGroupId", "cluster mode enabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantProblem(t, problemsOf(t, withSnapshot(t, cacheValues("expand", tc.adopt, tc.spec), tc.dir)), tc.key, tc.text)
		})
	}
	// One group, one owner.
	v := cacheValues("expand", nil, nil)
	var w map[string]any
	_ = json.Unmarshal([]byte(v["platform:workloads"]), &w)
	w["cache2"] = w["sessions"]
	b, _ := json.Marshal(w)
	v["platform:workloads"] = string(b)
	wantProblem(t, problemsOf(t, v), k+".adopt.replicationGroupId", "prod-redis is adopted by cache2 too")
}

// A group with its own parameter group, a customer key and an auth token is
// imported with that parameter group (its values left alone), that key and
// no token: the stack never learns or sets it.
func TestCacheAdoption_ImportsItsOwnParameterGroupKeyAndTokenAsTheyAre(t *testing.T) {
	const key = "arn:aws:kms:eu-west-1:111122223333:key/0b7c3a4e-1111-2222-3333-444455556666"
	dir := snapshotWith(t, func(rg map[string]any, clusters []map[string]any) {
		rg["KmsKeyId"], rg["AuthTokenEnabled"] = key, true
		for _, c := range clusters {
			c["CacheParameterGroup"] = map[string]any{"CacheParameterGroupName": "prod-redis7-tuned"}
			c["AuthTokenEnabled"] = true
		}
	})
	res, err := offline.Run(&stack.File{Path: "adopt", Stack: "test", Values: withSnapshot(t, cacheValues("adopt", nil, nil), dir)})
	if err != nil {
		t.Fatal(err)
	}
	pg := mustNamed(t, res.Graph, tCacheParams, "prod-sessions")
	if pg.ImportID != "prod-redis7-tuned" || !pg.Protect || str(pg, "name") != "prod-redis7-tuned" || str(pg, "family") != "redis7" {
		t.Errorf("parameter group imported as %q with %v", pg.ImportID, pg.Inputs)
	}
	for _, ig := range []string{"description", "family", "parameters"} {
		if !contains(pg.IgnoreChanges, ig) {
			t.Errorf("the parameter group's %s is not left alone: ignoreChanges %v", ig, pg.IgnoreChanges)
		}
	}
	rg := mustNamed(t, res.Graph, tRG, "prod-sessions")
	if str(rg, "parameterGroupName") != "prod-redis7-tuned" || str(rg, "kmsKeyId") != key {
		t.Errorf("the group names parameter group %q and key %q", str(rg, "parameterGroupName"), str(rg, "kmsKeyId"))
	}
	if _, ok := rg.Inputs["authToken"]; ok {
		t.Error("the import sets an auth token")
	}
}

// A later stage moves the adopted group to IAM users in place: the stack's
// user group replaces whatever the group had, and the group stays.
func TestCacheAdoption_MovesToIAMUsersInPlace(t *testing.T) {
	before := runCacheStage(t, "expand")
	res, err := offline.Run(&stack.File{Path: "expand", Stack: "test", Values: cacheValues("expand", nil, map[string]any{"auth": "iam"})})
	if err != nil {
		t.Fatal(err)
	}
	ug := mustNamed(t, res.Graph, "aws:elasticache/userGroup:UserGroup", "prod-sessions")
	rg := mustNamed(t, res.Graph, tRG, "prod-sessions")
	if got := sortedStrs(rg.Inputs["userGroupIds"]); len(got) != 1 || got[0] != str(ug, "userGroupId") {
		t.Errorf("the group's user groups %v, want the stack's %s", got, str(ug, "userGroupId"))
	}
	e, _ := change.Diff(before.Graph, res.Graph).Get(rg.URN)
	if e.Kind != change.Updated || !contains(e.Props, "userGroupIds") {
		t.Errorf("moving to iam: the group is %s (%v)", e.Kind, e.Props)
	}
}

// A consumer of an adopted cache is told where it is, whether TLS is on in
// this stage, and that authentication is the cache's own: no secret is
// passed on, as the stack holds none.
func TestCacheAdoption_ConsumersLearnTheGroupsTLSAndGetNoSecret(t *testing.T) {
	withAPI := func(v map[string]string) map[string]string {
		var w map[string]any
		_ = json.Unmarshal([]byte(v["platform:workloads"]), &w)
		w["api"] = map[string]any{"kind": "lambda", "runtime": "python3.12", "handler": "app.handler",
			"code": map[string]any{"s3Bucket": "code-111122223333-eu-west-1", "s3Key": "api.zip"}}
		b, _ := json.Marshal(w)
		v["platform:workloads"] = string(b)
		v["platform:security"] = `{"allow":{"sessions":[{"from":["api"],"reason":"sessions"}]}}`
		return v
	}
	env := func(v map[string]string) map[string]any {
		res, err := offline.Run(&stack.File{Path: "expand", Stack: "test", Values: v})
		if err != nil {
			t.Fatal(err)
		}
		fn := mustNamed(t, res.Graph, "aws:lambda/function:Function", "prod-api")
		vars, _ := lookup(fn.Inputs, "environment", "variables").(map[string]any)
		return vars
	}
	got := env(withAPI(cacheValues("expand", nil, nil)))
	if got["SESSIONS_TLS"] != "required" || got["SESSIONS_AUTH"] != "existing" || got["SESSIONS_HOST"] == nil {
		t.Errorf("the consumer's environment %v", got)
	}
	for k := range got {
		if strings.Contains(k, "SECRET") || strings.Contains(k, "TOKEN") {
			t.Errorf("the consumer is given %s for a cache whose token the stack never holds", k)
		}
	}
	plain := snapshotWith(t, plainRedis)
	if got := env(withAPI(withSnapshot(t, cacheValues("expand", nil, nil), plain))); got["SESSIONS_TLS"] != "off" {
		t.Errorf("a group without encryption in transit: SESSIONS_TLS %v", got["SESSIONS_TLS"])
	}
}
