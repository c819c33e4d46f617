package stack_test

// Tests for what a real account refuses or does on its own and the mock
// engine does not (issue 17, compute items). Each runs over the registered
// graph of every stack file in the repository: the stacks at the top and the
// migration stages under examples/.

import (
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

const (
	tRDSCluster  = "aws:rds/cluster:Cluster"
	tRDSInstance = "aws:rds/clusterInstance:ClusterInstance"
	tRG          = "aws:elasticache/replicationGroup:ReplicationGroup"
	tECSService  = "aws:ecs/service:Service"
	tLT          = "aws:ec2/launchTemplate:LaunchTemplate"
	tASG         = "aws:autoscaling/group:Group"
)

var (
	everyMu   sync.Mutex
	everyRuns map[string]*offline.Result
)

// everyStack runs the program on every stack file in the repository (cached)
// and returns the results by path.
func everyStack(t *testing.T) map[string]*offline.Result {
	t.Helper()
	everyMu.Lock()
	defer everyMu.Unlock()
	if everyRuns != nil {
		return everyRuns
	}
	var files []string
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasPrefix(d.Name(), "Pulumi.") && strings.HasSuffix(d.Name(), ".yaml") && d.Name() != "Pulumi.yaml" {
			files = append(files, path)
		}
		return nil
	})
	if err != nil || len(files) < 2 {
		t.Fatalf("stack files %v: %v", files, err)
	}
	out := map[string]*offline.Result{}
	for _, f := range files {
		res, err := offline.RunFile(f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out[f] = res
	}
	everyRuns = out
	return out
}

// ofEveryStack returns every resource of a type over every stack file, and
// fails when there is none (a loop over nothing proves nothing).
func ofEveryStack(t *testing.T, typ string) map[string][]sim.Resource {
	t.Helper()
	out := map[string][]sim.Resource{}
	n := 0
	for path, res := range everyStack(t) {
		if res.Platform.Design.Config.ImportOnly() {
			// An import-only stage takes the account as it is; what the
			// program would set is checked from the stage after it.
			continue
		}
		rs := res.Graph.OfType(typ)
		out[path] = rs
		n += len(rs)
	}
	if n == 0 {
		t.Fatalf("no %s in any stack file: the test checks nothing", typ)
	}
	return out
}

// auroraExclusive reads cfn-lint's rule of what an Aurora DB instance must not
// set (the properties that belong to the cluster), as CloudFormation names.
func auroraExclusive(t *testing.T) []string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatal("python3 is missing; install python3 and `pip install cfn-lint==1.51.*`")
	}
	out, err := exec.Command(py, "-c", "import cfnlint, os; print(os.path.dirname(cfnlint.__file__))").Output()
	if err != nil {
		t.Fatalf("cfn-lint is not installed (%v); install it with `pip install cfn-lint==1.51.*`", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "data", "schemas", "extensions", "aws_rds_dbinstance", "aurora_exclusive.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("cfn-lint's Aurora DB instance rule: %v", err)
	}
	var rule struct {
		Then struct {
			Not struct {
				Properties map[string]any `json:"properties"`
			} `json:"not"`
		} `json:"then"`
	}
	if err := json.Unmarshal(b, &rule); err != nil {
		t.Fatal(err)
	}
	var props []string
	for p := range rule.Then.Not.Properties {
		props = append(props, p)
	}
	if len(props) == 0 {
		t.Fatalf("%s lists no properties: its shape changed", path)
	}
	return props
}

// pulumiNames maps CloudFormation property names of AWS::RDS::DBInstance to
// the aws.rds.ClusterInstance inputs that set the same API field.
var pulumiNames = map[string][]string{
	"AllocatedStorage":                {"allocatedStorage"},
	"CopyTagsToSnapshot":              {"copyTagsToSnapshot"},
	"DeletionProtection":              {"deletionProtection"},
	"EnableIAMDatabaseAuthentication": {"iamDatabaseAuthenticationEnabled"},
	"MasterUserPassword":              {"password", "masterPassword"},
	"StorageEncrypted":                {"storageEncrypted"},
}

// AWS's resource schema for AWS::RDS::DBInstance refuses, for an Aurora
// engine, the properties that belong to the cluster: copyTagsToSnapshot among
// them (the cluster carries it).
func TestAurora_InstancesSetNothingThatBelongsToTheCluster(t *testing.T) {
	refused := auroraExclusive(t)
	for path, instances := range ofEveryStack(t, tRDSInstance) {
		for _, inst := range instances {
			for _, cfn := range refused {
				names, ok := pulumiNames[cfn]
				if !ok {
					t.Errorf("cfn-lint refuses %s on Aurora instances; map it to its ClusterInstance input in pulumiNames", cfn)
					continue
				}
				for _, n := range names {
					if _, set := inst.Inputs[n]; set {
						t.Errorf("%s: %s sets %s (%s), which AWS refuses on an Aurora instance", path, inst.Name, n, cfn)
					}
				}
			}
		}
	}
	for path, clusters := range ofEveryStack(t, tRDSCluster) {
		for _, c := range clusters {
			if c.Inputs["copyTagsToSnapshot"] != true {
				t.Errorf("%s: cluster %s does not copy its tags to snapshots", path, c.Name)
			}
		}
	}
}

// A rolling deployment whose new tasks never become healthy must fail
// `pulumi up`, not end green while the circuit breaker quietly rolls back.
func TestECS_DeploysWaitForSteadyState(t *testing.T) {
	for path, services := range ofEveryStack(t, tECSService) {
		for _, s := range services {
			if s.ImportID != "" {
				continue // an old service a migration imports to delete it: never deployed by the stack
			}
			if s.Inputs["waitForSteadyState"] != true {
				t.Errorf("%s: service %s does not wait for steady state", path, s.Name)
			}
			cb, _ := s.Inputs["deploymentCircuitBreaker"].(map[string]any)
			if cb["enable"] != true || cb["rollback"] != true {
				t.Errorf("%s: service %s has no circuit breaker with rollback: %v", path, s.Name, cb)
			}
		}
	}
}

// The provider's default tags do not reach what an Auto Scaling group
// launches: the launch template's tag specifications and the group's own tags
// must carry them, so every instance, volume and network interface does.
func TestFleet_InstancesVolumesAndInterfacesCarryTheDefaultTags(t *testing.T) {
	templates := ofEveryStack(t, tLT)
	groups := ofEveryStack(t, tASG)
	for path, res := range everyStack(t) {
		defaults := res.Platform.Design.Config.DefaultTags
		if len(templates[path]) > 0 && len(defaults) == 0 {
			t.Fatalf("%s has no aws:defaultTags: nothing to check", path)
		}
		for _, lt := range templates[path] {
			specs, _ := lt.Inputs["tagSpecifications"].([]any)
			kinds := map[string]bool{}
			for _, raw := range specs {
				spec, _ := raw.(map[string]any)
				kind, _ := spec["resourceType"].(string)
				kinds[kind] = true
				tags, _ := spec["tags"].(map[string]any)
				for k, v := range defaults {
					if tags[k] != v {
						t.Errorf("%s: %s tags launched %s resources %s=%v, want %q", path, lt.Name, kind, k, tags[k], v)
					}
				}
			}
			for _, kind := range []string{"instance", "volume", "network-interface"} {
				if !kinds[kind] {
					t.Errorf("%s: %s has no tag specification for %s", path, lt.Name, kind)
				}
			}
		}
		for _, g := range groups[path] {
			tags := map[string]any{}
			list, _ := g.Inputs["tags"].([]any)
			for _, raw := range list {
				tag, _ := raw.(map[string]any)
				tags[tag["key"].(string)] = tag["value"]
			}
			for k, v := range defaults {
				if tags[k] != v {
					t.Errorf("%s: group %s tag %s=%v, want %q", path, g.Name, k, tags[k], v)
				}
			}
		}
	}
}

var rdsIdentifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*(-[A-Za-z0-9]+)*$`)

// Final snapshots outlive their store and their identifiers are unique per
// account and region: none may be a constant, and each must follow RDS's
// identifier rules (ElastiCache's snapshot names follow the same ones).
func TestDataStores_FinalSnapshotIdentifiersAreValidAndNotConstant(t *testing.T) {
	check := func(path string, r sim.Resource, base string) {
		id, _ := r.Inputs["finalSnapshotIdentifier"].(string)
		switch {
		case !rdsIdentifier.MatchString(id) || len(id) > 255:
			t.Errorf("%s: %s final snapshot %q breaks the identifier rules", path, r.Name, id)
		case id == r.Name+"-final" || id == base+"-final" || !strings.HasPrefix(id, base+"-final-"):
			t.Errorf("%s: %s final snapshot %q is not unique per deletion", path, r.Name, id)
		}
		// The lifetime of the store is read from its subnet group's name.
		if len(r.PropertyDependencies["finalSnapshotIdentifier"]) == 0 {
			t.Errorf("%s: %s final snapshot depends on nothing that changes with a new store", path, r.Name)
		}
	}
	for path, clusters := range ofEveryStack(t, tRDSCluster) {
		for _, c := range clusters {
			id, _ := c.Inputs["clusterIdentifier"].(string)
			check(path, c, id)
		}
	}
	for path, groups := range ofEveryStack(t, tRG) {
		for _, g := range groups {
			if everyStack(t)[path].Platform.Design.Config.ImportOnly() {
				continue // an import carries only what AWS reports, and it reports no final snapshot name
			}
			if g.Protect {
				id, _ := g.Inputs["replicationGroupId"].(string)
				check(path, g, id)
			}
		}
	}
}

// RDS creates /aws/rds/cluster/<id>/<log> without retention the first time a
// cluster exports a log: every export has its group, with a retention, made
// before the cluster (whose identifier is therefore fixed in advance).
func TestAurora_ExportedLogsExpire(t *testing.T) {
	for path, clusters := range ofEveryStack(t, tRDSCluster) {
		g := everyStack(t)[path].Graph
		for _, c := range clusters {
			id, _ := c.Inputs["clusterIdentifier"].(string)
			if !rdsIdentifier.MatchString(id) || len(id) > 63 {
				t.Errorf("%s: cluster identifier %q", path, id)
			}
			exports, _ := c.Inputs["enabledCloudwatchLogsExports"].([]any)
			if len(exports) == 0 {
				t.Errorf("%s: %s exports no logs", path, c.Name)
			}
			for _, e := range exports {
				name := "/aws/rds/cluster/" + id + "/" + e.(string)
				var group *sim.Resource
				for _, lg := range g.OfType("aws:cloudwatch/logGroup:LogGroup") {
					if lg.Inputs["name"] == name {
						group = &lg
					}
				}
				switch {
				case group == nil:
					t.Errorf("%s: no log group %s", path, name)
				case group.Inputs["retentionInDays"] == nil || group.Inputs["retentionInDays"] == 0.0:
					t.Errorf("%s: %s never expires", path, name)
				case !slices.Contains(c.Dependencies, group.URN):
					t.Errorf("%s: the cluster is not created after %s", path, name)
				}
			}
		}
	}
}

// A stack file asking for an older major version than the cluster runs is
// refused before anything is registered: RDS cannot downgrade.
func TestAurora_ADowngradeOfTheRunningClusterIsRefusedBeforeRegistration(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	cl, _ := first.Graph.Named(tRDSCluster, "prod-database")
	id, _ := cl.Inputs["clusterIdentifier"].(string)
	res, err := offline.RunAgainst(f, map[string]string{id: "17.2"})
	if err == nil || !strings.Contains(err.Error(), "platform:workloads.database.engineVersion") || !strings.Contains(err.Error(), "older than the running 17.2") {
		t.Fatalf("err = %v", err)
	}
	if res != nil && res.Graph.Custom() > 0 {
		t.Errorf("%d resources registered", res.Graph.Custom())
	}
	if _, err := offline.RunAgainst(f, map[string]string{id: "16.6"}); err != nil {
		t.Errorf("AWS's minor upgrade is no error: %v", err)
	}
}

// Every fleet a load balancer routes to runs an application: a recorded image
// (never resolved anew at each launch), a container or user data; its role
// reads exactly the artifact it names, through one grant; the group rolls
// over with an instance refresh at the configured healthy share.
func TestFleet_EveryRoutedFleetRunsAnApplication(t *testing.T) {
	ami := regexp.MustCompile(`^ami-[0-9a-f]{8,17}$`)
	templates := ofEveryStack(t, tLT)
	for path, res := range everyStack(t) {
		cfg := res.Platform.Design.Config
		if cfg.ImportOnly() {
			continue // an import-only stage registers no workload
		}
		for n, f := range res.Platform.Workloads.Fleets {
			spec := cfg.Workloads[n].EC2
			var lt sim.Resource
			for _, r := range templates[path] {
				if r.Name == cfg.Name+"-"+n {
					lt = r
				}
			}
			image, _ := lt.Inputs["imageId"].(string)
			if !ami.MatchString(image) {
				t.Errorf("%s: %s boots %q: the image must be recorded, not resolved at launch", path, n, image)
			}
			if len(cfg.Workloads.RoutedBy(n)) > 0 && lt.Inputs["userData"] == nil && spec.AMI == "" && spec.AMIParameter == "" {
				t.Errorf("%s: %s is routed to and runs no application", path, n)
			}
			if spec.Container != nil || spec.Artifact != nil {
				// One grant for what the fleet runs, beside those of its edges
				// and settings.
				artifact := 0
				for _, g := range f.Runtime.Grants {
					if g.Key == "artifact" {
						artifact++
					}
				}
				if artifact != 1 {
					t.Errorf("%s: %s grants %+v, want one artifact grant", path, n, f.Runtime.Grants)
				}
			}
			asg, _ := res.Graph.Named(tASG, cfg.Name+"-"+n)
			ref, _ := asg.Inputs["instanceRefresh"].(map[string]any)
			prefs, _ := ref["preferences"].(map[string]any)
			if ref["strategy"] != "Rolling" || prefs["minHealthyPercentage"] != float64(spec.MinHealthyPercentage) {
				t.Errorf("%s: %s instance refresh %v", path, n, ref)
			}
		}
	}
}

// An ECR image is pulled through the ECR endpoints or NAT; any other image
// only through NAT.
func TestFleet_AContainerNeedsAWayToItsRegistry(t *testing.T) {
	for _, tt := range []struct {
		name, web, endpoints, want string
	}{
		{"ECR without its endpoints", `"container":{"image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1"}`, `["ssm","ssmmessages","ec2messages"]`,
			"platform:workloads.web.internetEgress: the instances of web cannot reach ecr.api (pulling the container image), ecr.dkr (pulling the container image): add ecr.api, ecr.dkr to platform:network.endpoints"},
		{"a public image without NAT", `"container":{"image":"nginx:1.27"}`, `["ssm","ssmmessages","ec2messages","ecr.api","ecr.dkr"]`,
			`platform:workloads.web.internetEgress: "nginx:1.27" is not in ECR`},
		{"ECR with its endpoints", `"container":{"image":"111122223333.dkr.ecr.us-east-1.amazonaws.com/web:1"}`, `["ssm","ssmmessages","ec2messages","ecr.api","ecr.dkr"]`, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var endpoints []any
			if err := json.Unmarshal([]byte(tt.endpoints), &endpoints); err != nil {
				t.Fatal(err)
			}
			v := withNetwork(t, func(n map[string]any) { n["endpoints"] = endpoints })
			v["platform:workloads"] = `{"web":{"kind":"ec2",` + tt.web + `}}`
			_, err := stack.Parse("test", v)
			got := strings.Join(problems.Messages(err), "\n")
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("problems %q, want %q", got, tt.want)
			}
		})
	}
}

// The plan says which data store changes wait for the maintenance window and
// which versions AWS moved on its own.
func TestDataStores_ThePlanNotesDeferredChangesAndAWSUpgrades(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	first, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range first.Platform.Warnings() {
		if strings.Contains(w, "applyImmediately") || strings.Contains(w, "minor upgrade") {
			t.Errorf("dev applies immediately and runs nothing yet: %s", w)
		}
	}
	cl, _ := first.Graph.Named(tRDSCluster, "dev-database")
	id, _ := cl.Inputs["clusterIdentifier"].(string)
	var workloads map[string]any
	if err := json.Unmarshal([]byte(f.Values["platform:workloads"]), &workloads); err != nil {
		t.Fatal(err)
	}
	workloads["cache"].(map[string]any)["applyImmediately"] = false
	b, _ := json.Marshal(workloads)
	f.Values["platform:workloads"] = string(b)
	res, err := offline.RunAgainst(f, map[string]string{id: "16.6"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(res.Platform.Warnings(), "\n")
	for _, want := range []string{
		"platform:workloads.database runs 16.6, newer than engineVersion 16.4",
		"platform:workloads.cache.applyImmediately is false: ElastiCache holds changes",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("warnings lack %q:\n%s", want, got)
		}
	}
}
