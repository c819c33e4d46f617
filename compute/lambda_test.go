package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

const lambdaDoc = `{
  "thumbs": {"kind": "lambda", "runtime": "python3.13", "handler": "app.handler", "memoryMb": 512, "timeoutSeconds": 60,
             "reservedConcurrency": 5, "environment": {"BUCKET": "images"},
             "code": {"s3Bucket": "artifacts", "s3Key": "thumbs.zip", "s3ObjectVersion": "v7"}},
  "hooks": {"kind": "lambda", "runtime": "nodejs22.x", "handler": "index.handler", "code": {"archive": "testdata/hooks.zip"}},
  "cron": {"kind": "lambda", "runtime": "provided.al2023", "handler": "bootstrap", "reservedConcurrency": 0,
           "logRetentionDays": 7, "code": {"s3Bucket": "artifacts", "s3Key": "cron.zip"}}
}`

func buildLambdas(t *testing.T) *sim.Graph {
	t.Helper()
	c := mustConfig(t, lambdaDoc, devCtx)
	return run(t, func(ctx *pulumi.Context) error {
		for _, n := range c.Names() {
			if _, err := NewFunction(ctx, "p-"+n, &FunctionArgs{
				Workload: n, Spec: *c[n].Lambda, PrivateSubnetIDs: ids(privateSubnets),
				SecurityGroupID: pulumi.String("sg-" + n), Env: testEnv, Tags: testTags,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestFunction_RoleHasOnlyTheVPCAccessPolicy(t *testing.T) {
	g := buildLambdas(t)
	role := named(t, g, tRole, "p-thumbs-role")
	equal(t, "trust", at(jsonIn(t, role.Inputs["assumeRolePolicy"]), "Statement", 0, "Principal", "Service"), "lambda.amazonaws.com")
	equal(t, "managed", managedPolicies(g, role), []string{"arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"})
	equal(t, "inline", len(inlinePolicies(t, g, role)), 0)
	equal(t, "function role", named(t, g, tFunction, "p-thumbs").Inputs["role"], role.Outputs["arn"])
}

func TestFunction_RunsInThePrivateSubnetsWithItsGroup(t *testing.T) {
	g := buildLambdas(t)
	fn := named(t, g, tFunction, "p-thumbs")
	equal(t, "vpc", fn.Inputs["vpcConfig"], map[string]any{
		"subnetIds": []any{"subnet-private-a", "subnet-private-b"}, "securityGroupIds": []any{"sg-thumbs"},
	})
	equal(t, "name", fn.Inputs["name"], "p-thumbs")
	equal(t, "runtime", fn.Inputs["runtime"], "python3.13")
	equal(t, "handler", fn.Inputs["handler"], "app.handler")
	equal(t, "memory", fn.Inputs["memorySize"], 512.0)
	equal(t, "timeout", fn.Inputs["timeout"], 60.0)
	equal(t, "reserved", fn.Inputs["reservedConcurrentExecutions"], 5.0)
	equal(t, "environment", fn.Inputs["environment"], map[string]any{"variables": map[string]any{"BUCKET": "images"}})
}

func TestFunction_CodeComesFromS3OrALocalArchive(t *testing.T) {
	g := buildLambdas(t)
	s3 := named(t, g, tFunction, "p-thumbs")
	equal(t, "s3", []any{s3.Inputs["s3Bucket"], s3.Inputs["s3Key"], s3.Inputs["s3ObjectVersion"]}, []any{"artifacts", "thumbs.zip", "v7"})
	if _, has := s3.Inputs["code"]; has {
		t.Error("S3 code also has an archive")
	}
	zip := named(t, g, tFunction, "p-hooks")
	if _, has := zip.Inputs["code"]; !has {
		t.Error("the archive is not the code")
	}
	if _, has := zip.Inputs["s3Bucket"]; has {
		t.Error("archive code also names a bucket")
	}
	if _, has := zip.Inputs["reservedConcurrentExecutions"]; has {
		t.Error("unset reserved concurrency was set")
	}
	equal(t, "reserved zero", named(t, g, tFunction, "p-cron").Inputs["reservedConcurrentExecutions"], 0.0)
}

func TestFunction_LogGroupExistsBeforeTheFunction(t *testing.T) {
	g := buildLambdas(t)
	for _, tt := range []struct {
		fn        string
		retention float64
	}{{"p-thumbs", 30}, {"p-cron", 7}} {
		lg := named(t, g, tLogGroup, tt.fn+"-logs")
		equal(t, tt.fn+" log group", lg.Inputs["name"], "/aws/lambda/"+tt.fn)
		equal(t, tt.fn+" retention", lg.Inputs["retentionInDays"], tt.retention)
		fn := named(t, g, tFunction, tt.fn)
		if !dependsOn(g, fn, tLogGroup, tt.fn+"-logs") {
			t.Errorf("%s does not wait for its log group", tt.fn)
		}
		if !dependsOn(g, fn, tAttachment, tt.fn+"-role-vpc") {
			t.Errorf("%s does not wait for its VPC access policy", tt.fn)
		}
	}
}

func TestFunction_ThreeFunctionsCoexistWithoutNameCollisions(t *testing.T) {
	g := buildLambdas(t)
	equal(t, "functions", len(g.OfType(tFunction)), 3)
	equal(t, "roles", len(g.OfType(tRole)), 3)
	equal(t, "log groups", len(g.OfType(tLogGroup)), 3)
	names := map[any]bool{}
	for _, f := range g.OfType(tFunction) {
		names[f.Inputs["name"]] = true
	}
	equal(t, "function names", len(names), 3)
}
