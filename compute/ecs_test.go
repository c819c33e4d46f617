package compute

import (
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

const ecsDoc = `{
  "api": {"kind": "ecs", "image": "example/api:2.3", "port": 9000, "cpu": 1024, "memory": 2048, "desiredCount": 3,
          "logRetentionDays": 90, "environment": {"MODE": "prod", "A_FIRST": "1"}},
  "worker": {"kind": "ecs", "image": "example/worker:1"}
}`

// buildECS registers the cluster and both services; api is routed.
func buildECS(t *testing.T, clusterArgs *ClusterArgs) *sim.Graph {
	t.Helper()
	c := mustConfig(t, ecsDoc, devCtx)
	return run(t, func(ctx *pulumi.Context) error {
		cl, err := NewCluster(ctx, "p-ecs", clusterArgs)
		if err != nil {
			return err
		}
		for _, n := range []string{"api", "worker"} {
			var tgs pulumi.StringArray
			if n == "api" {
				tgs = pulumi.StringArray{pulumi.String("arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/p-web-api/1")}
			}
			if _, err := NewService(ctx, "p-"+n, &ServiceArgs{
				Workload: n, Spec: *c[n].ECS, ClusterARN: cl.ARN,
				PrivateSubnetIDs: ids(privateSubnets), SecurityGroupID: pulumi.String("sg-" + n),
				TargetGroupARNs: tgs, Env: testEnv, Tags: testTags,
			}); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestCluster_HasContainerInsights(t *testing.T) {
	g := buildECS(t, &ClusterArgs{Env: testEnv})
	cl := named(t, g, tCluster, "p-ecs")
	equal(t, "settings", cl.Inputs["settings"], []any{map[string]any{"name": "containerInsights", "value": "enabled"}})
	if _, has := cl.Inputs["configuration"]; has {
		t.Error("no exec configuration was asked for")
	}
}

func TestCluster_SendsECSExecSessionsWhereAsked(t *testing.T) {
	g := buildECS(t, &ClusterArgs{Env: testEnv, ExecLogGroupName: pulumi.String("/platform/ecs-exec"), ExecKMSKeyID: pulumi.String("key-1")})
	cl := named(t, g, tCluster, "p-ecs")
	equal(t, "exec", at(cl.Inputs, "configuration", "executeCommandConfiguration"), map[string]any{
		"kmsKeyId": "key-1", "logging": "OVERRIDE",
		"logConfiguration": map[string]any{"cloudWatchLogGroupName": "/platform/ecs-exec", "cloudWatchEncryptionEnabled": true},
	})
}

func TestService_ExecutionAndTaskRolesAreSeparateAndMinimal(t *testing.T) {
	g := buildECS(t, nil)
	exec := named(t, g, tRole, "p-api-exec")
	task := named(t, g, tRole, "p-api-task")
	td := named(t, g, tTaskDef, "p-api")
	equal(t, "execution role", td.Inputs["executionRoleArn"], exec.Outputs["arn"])
	equal(t, "task role", td.Inputs["taskRoleArn"], task.Outputs["arn"])
	if exec.Outputs["arn"] == task.Outputs["arn"] {
		t.Fatal("one role for both")
	}
	equal(t, "execution trust", at(jsonIn(t, exec.Inputs["assumeRolePolicy"]), "Statement", 0, "Principal", "Service"), "ecs-tasks.amazonaws.com")
	equal(t, "execution policies", managedPolicies(g, exec), []string{"arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"})
	equal(t, "execution inline", len(inlinePolicies(t, g, exec)), 0)

	equal(t, "task trust", at(jsonIn(t, task.Inputs["assumeRolePolicy"]), "Statement", 0), map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole",
		"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": sim.AccountID}},
	})
	equal(t, "task managed", len(managedPolicies(g, task)), 0)
	equal(t, "task inline", inlinePolicies(t, g, task), []any{map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Sid": "ECSExecChannels", "Effect": "Allow", "Resource": "*",
			"Action": []any{"ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel", "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"},
		}},
	}})
}

func TestService_TaskDefinitionIsFargateWithLogsToItsGroup(t *testing.T) {
	g := buildECS(t, nil)
	lg := named(t, g, tLogGroup, "p-api-logs")
	equal(t, "log group", lg.Inputs["name"], "/ecs/p-api")
	equal(t, "retention", lg.Inputs["retentionInDays"], 90.0)
	td := named(t, g, tTaskDef, "p-api")
	equal(t, "family", td.Inputs["family"], "p-api")
	equal(t, "compat", strs(td.Inputs["requiresCompatibilities"]), []string{"FARGATE"})
	equal(t, "network", td.Inputs["networkMode"], "awsvpc")
	equal(t, "size", []any{td.Inputs["cpu"], td.Inputs["memory"]}, []any{"1024", "2048"})
	equal(t, "container", at(jsonIn(t, td.Inputs["containerDefinitions"]), 0), map[string]any{
		"name": "api", "image": "example/api:2.3", "essential": true, "readonlyRootFilesystem": false,
		"portMappings":    []any{map[string]any{"containerPort": 9000.0, "protocol": "tcp"}},
		"linuxParameters": map[string]any{"initProcessEnabled": true},
		"environment":     []any{map[string]any{"name": "A_FIRST", "value": "1"}, map[string]any{"name": "MODE", "value": "prod"}},
		"logConfiguration": map[string]any{"logDriver": "awslogs", "options": map[string]any{
			"awslogs-group": "/ecs/p-api", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "api",
		}},
	})
}

func TestService_RunsInThePrivateSubnetsWithoutPublicIP(t *testing.T) {
	g := buildECS(t, nil)
	svc := named(t, g, tService, "p-api")
	equal(t, "network", svc.Inputs["networkConfiguration"], map[string]any{
		"subnets": []any{"subnet-private-a", "subnet-private-b"}, "securityGroups": []any{"sg-api"}, "assignPublicIp": false,
	})
	equal(t, "launch type", svc.Inputs["launchType"], "FARGATE")
	equal(t, "cluster", svc.Inputs["cluster"], named(t, g, tCluster, "p-ecs").Outputs["arn"])
	equal(t, "exec", svc.Inputs["enableExecuteCommand"], true)
	equal(t, "circuit breaker", svc.Inputs["deploymentCircuitBreaker"], map[string]any{"enable": true, "rollback": true})
	equal(t, "desired", svc.Inputs["desiredCount"], 3.0)
	equal(t, "propagate tags", svc.Inputs["propagateTags"], "SERVICE")
	equal(t, "load balancer", svc.Inputs["loadBalancers"], []any{map[string]any{
		"targetGroupArn": "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/p-web-api/1", "containerName": "api", "containerPort": 9000.0,
	}})
	if len(svc.IgnoreChanges) != 0 {
		t.Errorf("ignores %v without autoscaling", svc.IgnoreChanges)
	}
	for _, dep := range []struct{ typ, name string }{{tAttachment, "p-api-exec-ecr-logs"}, {tRolePolicy, "p-api-task-exec"}, {tLogGroup, "p-api-logs"}} {
		if !dependsOn(g, svc, dep.typ, dep.name) {
			t.Errorf("the service does not wait for %s", dep.name)
		}
	}
	worker := named(t, g, tService, "p-worker")
	if _, has := worker.Inputs["loadBalancers"]; has {
		t.Error("an unrouted service has a load balancer")
	}
}

func TestService_TwoServicesCoexistWithoutNameCollisions(t *testing.T) {
	g := buildECS(t, nil) // a collision would fail the run (duplicate URN)
	equal(t, "services", len(g.OfType(tService)), 2)
	equal(t, "task definitions", len(g.OfType(tTaskDef)), 2)
	equal(t, "roles", len(g.OfType(tRole)), 4)
	equal(t, "clusters", len(g.OfType(tCluster)), 1)
	families := map[any]bool{}
	for _, td := range g.OfType(tTaskDef) {
		families[td.Inputs["family"]] = true
	}
	equal(t, "families", len(families), 2)
	equal(t, "worker group", at(named(t, g, tService, "p-worker").Inputs, "networkConfiguration", "securityGroups"), []any{"sg-worker"})
}
