package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

func buildBatch(t *testing.T) *sim.Graph {
	t.Helper()
	c := mustConfig(t, `{"report": {"kind": "batch", "image": "example/report:1", "vcpu": 0.25, "memory": 1024,
	  "maxVcpus": 8, "command": ["report", "--daily"]}}`, devCtx)
	return run(t, func(ctx *pulumi.Context) error {
		_, err := NewBatchJob(ctx, "p-report", &BatchJobArgs{
			Workload: "report", Spec: *c["report"].Batch, PrivateSubnetIDs: ids(privateSubnets),
			SecurityGroupID: pulumi.String("sg-report"), Env: testEnv, Tags: testTags,
		})
		return err
	})
}

func TestBatchJob_ComputeEnvironmentIsFargateInThePrivateSubnets(t *testing.T) {
	g := buildBatch(t)
	ce := named(t, g, tCE, "p-report")
	equal(t, "type", ce.Inputs["type"], "MANAGED")
	equal(t, "resources", ce.Inputs["computeResources"], map[string]any{
		"type": "FARGATE", "maxVcpus": 8.0, "subnets": []any{"subnet-private-a", "subnet-private-b"}, "securityGroupIds": []any{"sg-report"},
	})
	if _, has := ce.Inputs["serviceRole"]; has {
		t.Error("a service role was set; the service-linked role is used")
	}
	q := named(t, g, tQueue, "p-report")
	equal(t, "queue", []any{q.Inputs["state"], q.Inputs["priority"]}, []any{"ENABLED", 1.0})
	equal(t, "order", q.Inputs["computeEnvironmentOrders"], []any{map[string]any{"computeEnvironment": ce.Outputs["arn"], "order": 1.0}})
	checkParentsAndNames(t, g, "p-report")
}

func TestBatchJob_JobDefinitionHasNoPublicIPAndSeparateRoles(t *testing.T) {
	g := buildBatch(t)
	jd := named(t, g, tJobDef, "p-report")
	equal(t, "type", jd.Inputs["type"], "container")
	equal(t, "platform", strs(jd.Inputs["platformCapabilities"]), []string{"FARGATE"})
	exec := named(t, g, tRole, "p-report-exec")
	job := named(t, g, tRole, "p-report-job")
	equal(t, "container", jsonIn(t, jd.Inputs["containerProperties"]), map[string]any{
		"image":   "example/report:1",
		"command": []any{"report", "--daily"},
		"resourceRequirements": []any{
			map[string]any{"type": "VCPU", "value": "0.25"}, map[string]any{"type": "MEMORY", "value": "1024"},
		},
		"executionRoleArn":             exec.Outputs["arn"],
		"jobRoleArn":                   job.Outputs["arn"],
		"networkConfiguration":         map[string]any{"assignPublicIp": "DISABLED"},
		"fargatePlatformConfiguration": map[string]any{"platformVersion": "LATEST"},
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{
			"awslogs-group": "/aws/batch/p-report", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "report",
		}},
	})
	equal(t, "execution policies", managedPolicies(g, exec), []string{"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"})
	equal(t, "job policies", len(managedPolicies(g, job))+len(inlinePolicies(t, g, job)), 0)
	equal(t, "execution trust", at(jsonIn(t, exec.Inputs["assumeRolePolicy"]), "Statement", 0, "Principal", "Service"), "ecs-tasks.amazonaws.com")
	equal(t, "job trust", at(jsonIn(t, job.Inputs["assumeRolePolicy"]), "Statement", 0, "Principal", "Service"), "ecs-tasks.amazonaws.com")
	equal(t, "log retention", named(t, g, tLogGroup, "p-report-logs").Inputs["retentionInDays"], 30.0)
	if !dependsOn(g, jd, tLogGroup, "p-report-logs") || !dependsOn(g, jd, tAttachment, "p-report-exec-ecr-logs") {
		t.Error("the job definition does not wait for its log group and its execution policy")
	}
}
