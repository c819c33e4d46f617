package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/batch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
)

// BatchJobArgs are the inputs of a batch workload.
type BatchJobArgs struct {
	// Workload is the config name (tags, the log stream prefix).
	Workload string
	Spec     BatchSpec
	// PrivateSubnetIDs are where jobs run: the private tier.
	PrivateSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the workload's own group, from the security package.
	SecurityGroupID pulumi.StringInput
	// Grants are the job's permissions, one inline policy each.
	Grants []Grant
	// LogKMSKeyARN encrypts the log group (the stack's logs key).
	LogKMSKeyARN pulumi.StringInput
	// Wiring is the job's environment beyond its own config: where the stores
	// it reaches are, and secrets Batch injects at start.
	Wiring Wiring

	Env     awsenv.Env
	Protect bool
	Tags    map[string]string
}

// BatchJob is a Fargate compute environment in the private subnets, a job
// queue on it and a job definition whose containers get no public IP.
type BatchJob struct {
	pulumi.ResourceState

	// ExecutionRole pulls the image and writes logs; JobRole is what the job
	// runs as (BatchJobArgs.Grants only).
	ExecutionRole *iam.Role
	JobRole       *iam.Role
	// Runtime owns both roles, their grants and the log group.
	Runtime            *Runtime
	LogGroup           *cloudwatch.LogGroup
	ComputeEnvironment *batch.ComputeEnvironment
	JobQueue           *batch.JobQueue
	JobDefinition      *batch.JobDefinition

	// Schedule submits the job on its expression; nil without a schedule.
	Schedule *Schedule

	JobQueueARN      pulumi.StringOutput
	JobDefinitionARN pulumi.StringOutput
}

// NewBatchJob registers a batch workload.
func NewBatchJob(ctx *pulumi.Context, name string, args *BatchJobArgs, opts ...pulumi.ResourceOption) (*BatchJob, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewBatchJob(%q): args are required", name)
	}
	if err := checkCommon("NewBatchJob", name, args.Workload, args.Env, false); err != nil {
		return nil, err
	}
	s := args.Spec
	units, ok := batchVcpuUnits[s.Vcpu]
	switch {
	case args.PrivateSubnetIDs == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewBatchJob(%q): PrivateSubnetIDs and SecurityGroupID are required", name)
	case s.Image == "" || !ok || !FargateMemoryOK(units, s.Memory) || float64(s.MaxVcpus) < s.Vcpu:
		return nil, fmt.Errorf("compute.NewBatchJob(%q): the spec is not valid; run Config.Validate first", name)
	}
	if err := args.Wiring.check(KindBatch, s.Environment); err != nil {
		return nil, fmt.Errorf("compute.NewBatchJob(%q): %w", name, err)
	}
	b := &BatchJob{}
	if err := ctx.RegisterComponentResource("platform:compute:BatchJob", name, b, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(b)
	tg := workloadTags(args.Tags, args.Workload)
	env := args.Env

	// The tasks Batch launches assume these roles; unlike ECS services, Batch
	// does not document passing aws:SourceAccount, so the trust has no condition.
	rt, err := newRuntime(ctx, name, runtimeArgs{
		Workload: args.Workload, Kind: KindBatch, Service: "ecs-tasks.amazonaws.com",
		RoleSuffix:      "job",
		RoleDescription: "Job role of " + args.Workload + ": what the job runs as",
		Execution: &executionArgs{
			Description: "Batch job execution role of " + args.Workload + ": pulls the image, writes the logs",
			Managed:     map[string]string{"ecr-logs": TaskExecutionPolicy},
		},
		LogGroupName: "/aws/batch/" + name, LogRetentionDays: s.LogRetentionDays, LogKMSKeyARN: args.LogKMSKeyARN,
		Grants: args.Grants,
		Env:    env, Tags: tg,
	}, parent)
	if err != nil {
		return nil, err
	}
	b.Runtime, b.ExecutionRole, b.JobRole, b.LogGroup = rt, rt.ExecutionRole, rt.Role, rt.LogGroup
	logGroupName := rt.LogGroupName

	// No ServiceRole: Batch then uses its service-linked role
	// (AWSServiceRoleForBatch), which it creates on first use.
	b.ComputeEnvironment, err = batch.NewComputeEnvironment(ctx, name, &batch.ComputeEnvironmentArgs{
		Type: pulumi.String("MANAGED"),
		ComputeResources: &batch.ComputeEnvironmentComputeResourcesArgs{
			Type:             pulumi.String("FARGATE"),
			MaxVcpus:         pulumi.Int(s.MaxVcpus),
			Subnets:          args.PrivateSubnetIDs,
			SecurityGroupIds: groupIDs(args.SecurityGroupID, args.Spec.LegacySecurityGroups),
		},
		Tags: tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}
	b.JobQueue, err = batch.NewJobQueue(ctx, name, &batch.JobQueueArgs{
		State:    pulumi.String("ENABLED"),
		Priority: pulumi.Int(1),
		ComputeEnvironmentOrders: batch.JobQueueComputeEnvironmentOrderArray{&batch.JobQueueComputeEnvironmentOrderArgs{
			ComputeEnvironment: b.ComputeEnvironment.Arn,
			Order:              pulumi.Int(1),
		}},
		Tags: tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}

	props := args.Wiring.resolve(s.Environment, []any{b.ExecutionRole.Arn, b.JobRole.Arn}, func(r resolved, roles []any) (string, error) {
		return containerProperties(args.Workload, s, env.Region, logGroupName, roles[0].(string), roles[1].(string), r)
	})
	b.JobDefinition, err = batch.NewJobDefinition(ctx, name, &batch.JobDefinitionArgs{
		Type:                 pulumi.String("container"),
		PlatformCapabilities: pulumi.StringArray{pulumi.String("FARGATE")},
		ContainerProperties:  props,
		PropagateTags:        pulumi.Bool(true),
		Tags:                 tg.Named(name),
	},
		parent,
		// Jobs can be submitted once the definition exists. awslogs fails a job
		// whose log group is missing (the definition names it only as text);
		// without the execution role's policy the job cannot pull its image, and
		// without the job role's grants it cannot reach what it was granted (the
		// definition holds the roles' ARNs, not their policies).
		pulumi.DependsOn(rt.Ready()))
	if err != nil {
		return nil, err
	}
	b.JobQueueARN = b.JobQueue.Arn
	b.JobDefinitionARN = b.JobDefinition.Arn
	if s.Schedule != nil {
		// The role may submit jobs of exactly this definition (revision
		// included) to exactly this queue.
		b.Schedule, err = newSchedule(ctx, ScheduleName(name), *s.Schedule, scheduleTarget{
			ARN:       pulumi.String(BatchSubmitJobTarget(env.Partition)),
			Input:     submitJobInput(name, b.JobQueueARN, b.JobDefinitionARN),
			Actions:   []string{"batch:SubmitJob"},
			Resources: []pulumi.StringInput{b.JobQueueARN, b.JobDefinitionARN},
		}, env, tg, parent)
		if err != nil {
			return nil, fmt.Errorf("compute.NewBatchJob(%q): schedule: %w", name, err)
		}
	}
	if err := ctx.RegisterResourceOutputs(b, pulumi.Map{
		"jobQueueArn":      b.JobQueueARN,
		"jobDefinitionArn": b.JobDefinitionARN,
	}); err != nil {
		return nil, err
	}
	return b, nil
}

// containerProperties is the job definition's container: image, command,
// size, roles, no public IP, the latest Fargate platform and awslogs.
func containerProperties(workload string, s BatchSpec, region, logGroup, execRole, jobRole string, r resolved) (string, error) {
	p := map[string]any{
		"image": s.Image,
		"resourceRequirements": []any{
			map[string]string{"type": "VCPU", "value": formatVcpu(s.Vcpu)},
			map[string]string{"type": "MEMORY", "value": fmt.Sprint(s.Memory)},
		},
		"executionRoleArn":             execRole,
		"jobRoleArn":                   jobRole,
		"networkConfiguration":         map[string]string{"assignPublicIp": "DISABLED"},
		"fargatePlatformConfiguration": map[string]string{"platformVersion": "LATEST"},
		"logConfiguration": map[string]any{
			"logDriver": "awslogs",
			"options": map[string]string{
				"awslogs-group":         logGroup,
				"awslogs-region":        region,
				"awslogs-stream-prefix": workload,
			},
		},
	}
	if len(s.Command) > 0 {
		p["command"] = s.Command
	}
	if len(r.Env) > 0 {
		p["environment"] = pairs(r.Env, "value")
	}
	if len(r.Secrets) > 0 {
		// Fetched by the execution role when the job starts.
		p["secrets"] = pairs(r.Secrets, "valueFrom")
	}
	b, err := json.Marshal(p)
	return string(b), err
}
