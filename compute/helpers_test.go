package compute

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
)

// Resource type tokens the tests read.
const (
	tRole           = "aws:iam/role:Role"
	tAttachment     = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tRolePolicy     = "aws:iam/rolePolicy:RolePolicy"
	tProfile        = "aws:iam/instanceProfile:InstanceProfile"
	tLogGroup       = "aws:cloudwatch/logGroup:LogGroup"
	tLB             = "aws:lb/loadBalancer:LoadBalancer"
	tListener       = "aws:lb/listener:Listener"
	tTargetGroup    = "aws:lb/targetGroup:TargetGroup"
	tRule           = "aws:lb/listenerRule:ListenerRule"
	tBucket         = "aws:s3/bucketV2:BucketV2"
	tPAB            = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
	tSSE            = "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"
	tOwnership      = "aws:s3/bucketOwnershipControls:BucketOwnershipControls"
	tLifecycle      = "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"
	tBucketPolicy   = "aws:s3/bucketPolicy:BucketPolicy"
	tLT             = "aws:ec2/launchTemplate:LaunchTemplate"
	tASG            = "aws:autoscaling/group:Group"
	tCluster        = "aws:ecs/cluster:Cluster"
	tTaskDef        = "aws:ecs/taskDefinition:TaskDefinition"
	tService        = "aws:ecs/service:Service"
	tFunction       = "aws:lambda/function:Function"
	tCE             = "aws:batch/computeEnvironment:ComputeEnvironment"
	tQueue          = "aws:batch/jobQueue:JobQueue"
	tJobDef         = "aws:batch/jobDefinition:JobDefinition"
	tDBSubnets      = "aws:rds/subnetGroup:SubnetGroup"
	tDBParams       = "aws:rds/clusterParameterGroup:ClusterParameterGroup"
	tDBCluster      = "aws:rds/cluster:Cluster"
	tDBInstance     = "aws:rds/clusterInstance:ClusterInstance"
	tCacheSubnets   = "aws:elasticache/subnetGroup:SubnetGroup"
	tRG             = "aws:elasticache/replicationGroup:ReplicationGroup"
	tSecret         = "aws:secretsmanager/secret:Secret"
	tSecretVer      = "aws:secretsmanager/secretVersion:SecretVersion"
	tCacheUser      = "aws:elasticache/user:User"
	tCacheUserGroup = "aws:elasticache/userGroup:UserGroup"
	tParameter      = "aws:ssm/parameter:Parameter"
)

var (
	testEnv         = awsenv.Env{Region: "us-east-1", AccountID: sim.AccountID, Partition: "aws"}
	publicSubnets   = []string{"subnet-public-a", "subnet-public-b"}
	privateSubnets  = []string{"subnet-private-a", "subnet-private-b"}
	isolatedSubnets = []string{"subnet-isolated-a", "subnet-isolated-b", "subnet-isolated-c"}
	// Deliberately unsorted: the database sorts the zones itself.
	isolatedAZs = []string{"us-east-1c", "us-east-1a", "us-east-1b"}
	testTags    = map[string]string{"team": "web"}
)

func ids(v []string) pulumi.StringArray { return pulumi.ToStringArray(v) }

// run executes program under the simulated engine and returns what it registered.
func run(t *testing.T, program func(ctx *pulumi.Context) error) *sim.Graph {
	t.Helper()
	m := sim.NewMonitor("platform", "test", "us-east-1")
	if err := pulumi.RunErr(program, pulumi.WithMocks("platform", "test", m)); err != nil {
		t.Fatalf("program failed: %v", err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

// decodeJSON decodes a workloads object written as JSON (what `pulumi config`
// hands the program) and validates it, returning the config and the problems.
func decodeJSON(t *testing.T, doc string, v ValidateContext) (Config, []string) {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatalf("bad test JSON: %v", err)
	}
	var p problems.List
	c := Decode("platform:workloads", raw, &p)
	c.Validate("platform:workloads", v, &p)
	return c, problems.Messages(p.Err())
}

// devCtx and prodCtx are a three-zone network with every tier.
var (
	devCtx  = ValidateContext{IsolatedAZs: 3, PrivateAZs: 3, HasPublicTier: true, HasIsolatedTier: true}
	prodCtx = ValidateContext{Protect: true, IsolatedAZs: 3, PrivateAZs: 3, HasPublicTier: true, HasIsolatedTier: true}
)

// mustConfig decodes a config that must be valid.
func mustConfig(t *testing.T, doc string, v ValidateContext) Config {
	t.Helper()
	c, msgs := decodeJSON(t, doc, v)
	if len(msgs) > 0 {
		t.Fatalf("unexpected problems:\n%s", strings.Join(msgs, "\n"))
	}
	return c
}

// named returns the resource or fails the test.
func named(t *testing.T, g *sim.Graph, typ, name string) sim.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		var have []string
		for _, x := range g.OfType(typ) {
			have = append(have, x.Name)
		}
		t.Fatalf("no %s named %q; have %v", typ, name, have)
	}
	return r
}

// at walks nested inputs: map keys and slice indexes.
func at(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			s, ok := v.([]any)
			if !ok || k >= len(s) {
				return nil
			}
			v = s[k]
		}
	}
	return v
}

// jsonIn parses a JSON document held in a string input.
func jsonIn(t *testing.T, v any) any {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("want a JSON string, got %#v", v)
	}
	var out any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return out
}

// strs turns an []any of strings into a []string.
func strs(v any) []string {
	l, _ := v.([]any)
	out := make([]string, 0, len(l))
	for _, x := range l {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// managedPolicies lists the managed policy ARNs attached to the role, sorted.
func managedPolicies(g *sim.Graph, role sim.Resource) []string {
	var out []string
	for _, a := range g.OfType(tAttachment) {
		if a.Inputs["role"] == role.Outputs["name"] {
			out = append(out, a.Inputs["policyArn"].(string))
		}
	}
	sort.Strings(out)
	return out
}

// inlinePolicies returns the inline policy documents of the role.
func inlinePolicies(t *testing.T, g *sim.Graph, role sim.Resource) []any {
	var out []any
	for _, p := range g.OfType(tRolePolicy) {
		if p.Inputs["role"] == role.Outputs["name"] {
			out = append(out, jsonIn(t, p.Inputs["policy"]))
		}
	}
	return out
}

// dependsOn reports whether r lists the resource of typ and name among its dependencies.
func dependsOn(g *sim.Graph, r sim.Resource, typ, name string) bool {
	d, ok := g.Named(typ, name)
	if !ok {
		return false
	}
	for _, u := range r.Dependencies {
		if u == d.URN {
			return true
		}
	}
	return false
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %#v, want %#v", what, got, want)
	}
}

// childrenOf checks every custom resource of the graph has a component parent
// and a name starting with prefix.
func checkParentsAndNames(t *testing.T, g *sim.Graph, prefix string) {
	t.Helper()
	for _, r := range g.Resources {
		if !r.Custom {
			continue
		}
		if r.Parent == "" || strings.HasSuffix(r.Parent, "pulumi:pulumi:Stack::platform-test") {
			t.Errorf("%s %s has no component parent", r.Type, r.Name)
		}
		if !strings.HasPrefix(r.Name, prefix) {
			t.Errorf("%s %q is not named %s...", r.Type, r.Name, prefix)
		}
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
