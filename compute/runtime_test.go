package compute

import (
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

// readSecret is a grant as an allow edge to a data store produces it.
func readSecret(key string, execution bool) Grant {
	return Grant{Key: key, Execution: execution, Reason: "test",
		Statements: []Statement{{Sid: "ReadSecret", Actions: []string{"secretsmanager:GetSecretValue"},
			Resources: []pulumi.StringInput{pulumi.String("arn:aws:secretsmanager:us-east-1:123456789012:secret:" + key)}}}}
}

// kindUnderTest registers one workload of a compute kind with grants and
// names the resource that starts its code and the role that code runs as.
type kindUnderTest struct {
	kind     Kind
	starter  string // type token of the resource that starts the code
	role     string // logical name of the role the code runs as
	build    func(ctx *pulumi.Context, grants []Grant) error
	execRole string // "" when the kind has no execution role
}

func computeKinds(t *testing.T) []kindUnderTest {
	t.Helper()
	c := mustConfig(t, `{
	  "app": {"kind": "ec2"},
	  "api": {"kind": "ecs", "image": "example/api:1"},
	  "fn": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}},
	  "job": {"kind": "batch", "image": "example/job:1"}}`, devCtx)
	subnets, sg := ids(privateSubnets), pulumi.String("sg-1")
	return []kindUnderTest{
		{KindEC2, tASG, "p-app-role", func(ctx *pulumi.Context, g []Grant) error {
			_, err := NewFleet(ctx, "p-app", &FleetArgs{Workload: "app", Spec: *c["app"].EC2, PrivateSubnetIDs: subnets, SecurityGroupID: sg, Grants: g, Env: testEnv})
			return err
		}, ""},
		{KindECS, tService, "p-api-task", func(ctx *pulumi.Context, g []Grant) error {
			_, err := NewService(ctx, "p-api", &ServiceArgs{Workload: "api", Spec: *c["api"].ECS, ClusterARN: pulumi.String("arn:cluster"), PrivateSubnetIDs: subnets, SecurityGroupID: sg, Grants: g, Env: testEnv})
			return err
		}, "p-api-exec"},
		{KindLambda, tFunction, "p-fn-role", func(ctx *pulumi.Context, g []Grant) error {
			_, err := NewFunction(ctx, "p-fn", &FunctionArgs{Workload: "fn", Spec: *c["fn"].Lambda, PrivateSubnetIDs: subnets, SecurityGroupID: sg, Grants: g, Env: testEnv})
			return err
		}, ""},
		{KindBatch, tJobDef, "p-job-job", func(ctx *pulumi.Context, g []Grant) error {
			_, err := NewBatchJob(ctx, "p-job", &BatchJobArgs{Workload: "job", Spec: *c["job"].Batch, PrivateSubnetIDs: subnets, SecurityGroupID: sg, Grants: g, Env: testEnv})
			return err
		}, "p-job-exec"},
	}
}

// grantPolicies lists the inline policies of a graph that are not the kind's
// own (ECS Exec), by logical name.
func grantPolicies(g *sim.Graph) []string {
	var out []string
	for _, p := range g.OfType(tRolePolicy) {
		if !strings.HasSuffix(p.Name, "-task-exec") {
			out = append(out, p.Name)
		}
	}
	sort.Strings(out)
	return out
}

func TestRuntime_EveryComputeKindPutsEachGrantOnTheRoleItsCodeRunsAs(t *testing.T) {
	for _, k := range computeKinds(t) {
		t.Run(string(k.kind), func(t *testing.T) {
			g := run(t, func(ctx *pulumi.Context) error {
				return k.build(ctx, []Grant{readSecret("reach-db", false), readSecret("reach-cache", false)})
			})
			role := named(t, g, tRole, k.role)
			pols := grantPolicies(g)
			if len(pols) != 2 {
				t.Fatalf("want one policy per grant, got %v", pols)
			}
			starters := g.OfType(k.starter)
			if len(starters) != 1 {
				t.Fatalf("want one %s, got %d", k.starter, len(starters))
			}
			for _, name := range pols {
				p := named(t, g, tRolePolicy, name)
				if p.Inputs["role"] != role.Outputs["name"] {
					t.Errorf("%s is on role %v, want %s", name, p.Inputs["role"], k.role)
				}
				if !dependsOn(g, starters[0], tRolePolicy, name) {
					t.Errorf("%s %s starts code before its grant %s exists", k.starter, starters[0].Name, name)
				}
			}
			equal(t, "policy names", pols, []string{k.role + "-reach-cache", k.role + "-reach-db"})
			doc := jsonIn(t, named(t, g, tRolePolicy, k.role+"-reach-db").Inputs["policy"])
			equal(t, "document", doc, map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
				"Sid": "ReadSecret", "Effect": "Allow", "Action": []any{"secretsmanager:GetSecretValue"},
				"Resource": "arn:aws:secretsmanager:us-east-1:123456789012:secret:reach-db",
			}}})
		})
	}
}

func TestRuntime_RemovingAGrantRemovesExactlyItsPolicy(t *testing.T) {
	for _, k := range computeKinds(t) {
		both := grantPolicies(run(t, func(ctx *pulumi.Context) error {
			return k.build(ctx, []Grant{readSecret("reach-db", false), readSecret("reach-cache", false)})
		}))
		one := grantPolicies(run(t, func(ctx *pulumi.Context) error {
			return k.build(ctx, []Grant{readSecret("reach-db", false)})
		}))
		none := grantPolicies(run(t, func(ctx *pulumi.Context) error { return k.build(ctx, nil) }))
		equal(t, string(k.kind)+" with one grant", one, []string{k.role + "-reach-db"})
		equal(t, string(k.kind)+" with none", none, []string(nil))
		if len(both) != 2 {
			t.Errorf("%s with two grants: %v", k.kind, both)
		}
	}
}

func TestRuntime_ExecutionGrantsLandOnTheExecutionRole(t *testing.T) {
	for _, k := range computeKinds(t) {
		if k.execRole == "" {
			continue
		}
		g := run(t, func(ctx *pulumi.Context) error {
			return k.build(ctx, []Grant{readSecret("inject-db", true)})
		})
		p := named(t, g, tRolePolicy, k.execRole+"-inject-db")
		if p.Inputs["role"] != named(t, g, tRole, k.execRole).Outputs["name"] {
			t.Errorf("%s: execution grant on %v", k.kind, p.Inputs["role"])
		}
	}
}

func TestRuntime_RefusesGrantsAWSWouldRefuseOrTheReviewCouldNotRead(t *testing.T) {
	ok := readSecret("reach-db", false)
	star := ok
	star.Statements = []Statement{{Sid: "All", Actions: []string{"*"}, Resources: ok.Statements[0].Resources}}
	badSid := ok
	badSid.Statements = []Statement{{Sid: "read-secret", Actions: ok.Statements[0].Actions, Resources: ok.Statements[0].Resources}}
	noRes := ok
	noRes.Statements = []Statement{{Sid: "X", Actions: ok.Statements[0].Actions}}
	empty := ok
	empty.Statements = nil
	for _, tc := range []struct {
		name   string
		kind   int // index into computeKinds
		grants []Grant
		want   string
	}{
		{"key with capitals", 0, []Grant{readSecret("Reach-DB", false)}, `grant key "Reach-DB": use 1 to 48 lowercase letters`},
		{"key too long", 0, []Grant{readSecret("r"+strings.Repeat("x", 48), false)}, `use 1 to 48 lowercase letters`},
		{"key used twice", 1, []Grant{readSecret("reach-db", false), readSecret("reach-db", true)}, `grant key "reach-db" is used twice`},
		{"wildcard action", 2, []Grant{star}, `action "*"; name the actions`},
		{"sid with hyphen", 3, []Grant{badSid}, `statement id "read-secret" must be letters and digits only`},
		{"no resources", 1, []Grant{noRes}, `statement "X" needs actions and resources`},
		{"no statements", 1, []Grant{empty}, `grant "reach-db": no statements`},
		{"execution grant on lambda", 2, []Grant{readSecret("inject-db", true)}, `grant "inject-db": this kind has no execution role`},
		{"execution grant on ec2", 0, []Grant{readSecret("inject-db", true)}, `this kind has no execution role`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := computeKinds(t)[tc.kind]
			m := sim.NewMonitor("platform", "test", "us-east-1")
			err := pulumi.RunErr(func(ctx *pulumi.Context) error { return k.build(ctx, tc.grants) }, pulumi.WithMocks("platform", "test", m))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
			g, _ := m.Graph()
			for _, r := range g.Resources {
				if r.Type == tRole || r.Type == tRolePolicy {
					t.Errorf("a refused grant still registered %s %s", r.Type, r.Name)
				}
			}
		})
	}
	// The longest key allowed is accepted: the bound is 48, not 47.
	k := computeKinds(t)[0]
	g := run(t, func(ctx *pulumi.Context) error {
		return k.build(ctx, []Grant{readSecret("r"+strings.Repeat("x", 47), false)})
	})
	if len(grantPolicies(g)) != 1 {
		t.Error("a 48-character key was refused")
	}
}
