package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// TaskExecutionPolicy lets ECS pull the image and write the container's logs.
const TaskExecutionPolicy = "service-role/AmazonECSTaskExecutionRolePolicy"

// ExecActions are the only permissions a task role carries: the channels of
// ECS Exec (a Session Manager session into the container).
var ExecActions = []string{
	"ssmmessages:CreateControlChannel",
	"ssmmessages:CreateDataChannel",
	"ssmmessages:OpenControlChannel",
	"ssmmessages:OpenDataChannel",
}

// execChannelsGrant lets the task role open ECS Exec channels: Session
// Manager's ssmmessages API has no resource-level permissions, hence "*".
func execChannelsGrant() Grant {
	return Grant{Key: "exec", Reason: "ECS Exec sessions into the container",
		Statements: []Statement{{Sid: "ECSExecChannels", Actions: ExecActions, Resources: []pulumi.StringInput{pulumi.String("*")}}}}
}

// ClusterArgs are the inputs of the one ECS cluster every ecs workload runs in.
type ClusterArgs struct {
	Env     awsenv.Env
	Protect bool
	Tags    map[string]string

	// ExecLogGroupName, when set, sends ECS Exec session output to this
	// CloudWatch log group (encrypted delivery required).
	ExecLogGroupName pulumi.StringInput
	// ExecKMSKeyID, when set, encrypts ECS Exec sessions between the client and
	// the container with this KMS key (ID or ARN).
	ExecKMSKeyID pulumi.StringInput
}

// Cluster is the ECS cluster, with Container Insights on.
type Cluster struct {
	pulumi.ResourceState

	Cluster *ecs.Cluster
	ARN     pulumi.StringOutput
	Name    pulumi.StringOutput
}

// NewCluster registers the ECS cluster.
func NewCluster(ctx *pulumi.Context, name string, args *ClusterArgs, opts ...pulumi.ResourceOption) (*Cluster, error) {
	if args == nil {
		args = &ClusterArgs{}
	}
	c := &Cluster{}
	if err := ctx.RegisterComponentResource("platform:compute:Cluster", name, c, opts...); err != nil {
		return nil, err
	}
	var conf ecs.ClusterConfigurationPtrInput
	if args.ExecLogGroupName != nil || args.ExecKMSKeyID != nil {
		exec := &ecs.ClusterConfigurationExecuteCommandConfigurationArgs{
			KmsKeyId: args.ExecKMSKeyID,
			Logging:  pulumi.String("DEFAULT"),
		}
		if args.ExecLogGroupName != nil {
			exec.Logging = pulumi.String("OVERRIDE")
			exec.LogConfiguration = &ecs.ClusterConfigurationExecuteCommandConfigurationLogConfigurationArgs{
				CloudWatchLogGroupName:      args.ExecLogGroupName,
				CloudWatchEncryptionEnabled: pulumi.Bool(true),
			}
		}
		conf = &ecs.ClusterConfigurationArgs{ExecuteCommandConfiguration: exec}
	}
	var err error
	c.Cluster, err = ecs.NewCluster(ctx, name, &ecs.ClusterArgs{
		Settings: ecs.ClusterSettingArray{&ecs.ClusterSettingArgs{
			Name: pulumi.String("containerInsights"), Value: pulumi.String("enabled"),
		}},
		Configuration: conf,
		Tags:          tags.New(component, args.Tags).Named(name),
	}, pulumi.Parent(c))
	if err != nil {
		return nil, err
	}
	c.ARN = c.Cluster.Arn
	c.Name = c.Cluster.Name
	if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"arn": c.ARN, "name": c.Name}); err != nil {
		return nil, err
	}
	return c, nil
}

// ServiceArgs are the inputs of an ecs workload.
type ServiceArgs struct {
	// Workload is the config name; it also names the container.
	Workload string
	Spec     ECSSpec
	// ClusterARN is the Cluster's ARN.
	ClusterARN pulumi.StringInput
	// ClusterName is the Cluster's name, for the service's scaling target
	// (service/<cluster name>/<service name>); when nil it is read from the ARN.
	ClusterName pulumi.StringInput
	// PrivateSubnetIDs are where tasks run: the private tier.
	PrivateSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the workload's own group, from the security package.
	SecurityGroupID pulumi.StringInput
	// TargetGroupARNs registers the tasks with these target groups (one per alb
	// that routes to the workload), as LoadBalancer.TargetGroupARNs gives them.
	TargetGroupARNs pulumi.StringArray
	// RequestLabels are the ALBRequestCountPerTarget labels of those target
	// groups, by alb name (LoadBalancer.RequestLabels).
	RequestLabels map[string]pulumi.StringInput
	// Grants are the task role's (and execution role's) permissions beyond
	// ECS Exec, one inline policy each.
	Grants []Grant
	// LogKMSKeyARN encrypts the log group (the stack's logs key).
	LogKMSKeyARN pulumi.StringInput
	// Wiring is the container's environment beyond its own config: where the
	// stores it reaches are, and secrets ECS injects at start.
	Wiring Wiring

	Env     awsenv.Env
	Protect bool
	Tags    map[string]string
}

// Service is an ECS service on Fargate in the private subnets, with a task
// execution role, a separate task role and a log group.
type Service struct {
	pulumi.ResourceState

	// ExecutionRole is what ECS uses to pull the image and write logs.
	ExecutionRole *iam.Role
	// TaskRole is what the application runs as: ECS Exec channels and the
	// grants given in ServiceArgs.Grants.
	TaskRole *iam.Role
	// Runtime owns both roles, their grants and the log group.
	Runtime        *Runtime
	LogGroup       *cloudwatch.LogGroup
	TaskDefinition *ecs.TaskDefinition
	Service        *ecs.Service
	// Scaling is the service's scalable target and policies; nil when it does
	// not scale.
	Scaling *AppScaling

	ServiceName pulumi.StringOutput
	TaskRoleARN pulumi.StringOutput
}

// NewService registers an ecs workload.
func NewService(ctx *pulumi.Context, name string, args *ServiceArgs, opts ...pulumi.ResourceOption) (*Service, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewService(%q): args are required", name)
	}
	if err := checkCommon("NewService", name, args.Workload, args.Env, true); err != nil {
		return nil, err
	}
	s := args.Spec
	switch {
	case args.ClusterARN == nil || args.PrivateSubnetIDs == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewService(%q): ClusterARN, PrivateSubnetIDs and SecurityGroupID are required", name)
	case s.Image == "" || !FargateMemoryOK(s.CPU, s.Memory) || s.DesiredCount < 1 || s.Port < 1:
		return nil, fmt.Errorf("compute.NewService(%q): the spec is not valid; run Config.Validate first", name)
	}
	if err := args.Wiring.check(KindECS, s.Environment); err != nil {
		return nil, fmt.Errorf("compute.NewService(%q): %w", name, err)
	}
	svc := &Service{}
	if err := ctx.RegisterComponentResource("platform:compute:Service", name, svc, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(svc)
	tg := workloadTags(args.Tags, args.Workload)
	env := args.Env

	rt, err := newRuntime(ctx, name, runtimeArgs{
		Workload: args.Workload, Kind: KindECS, Service: "ecs-tasks.amazonaws.com",
		RoleSuffix:      "task",
		RoleDescription: "Task role of " + args.Workload + ": what the application runs as",
		// Only tasks launched for this account may assume the task role (ECS
		// sends aws:SourceAccount for task roles).
		SourceAccount: true,
		Execution: &executionArgs{
			Description: "ECS task execution role of " + args.Workload + ": pulls the image, writes the logs",
			Managed:     map[string]string{"ecr-logs": TaskExecutionPolicy},
		},
		LogGroupName: "/ecs/" + name, LogRetentionDays: s.LogRetentionDays, LogKMSKeyARN: args.LogKMSKeyARN,
		Grants: append([]Grant{execChannelsGrant()}, args.Grants...),
		Env:    env, Tags: tg,
	}, parent)
	if err != nil {
		return nil, err
	}
	svc.Runtime = rt
	svc.ExecutionRole, svc.TaskRole, svc.LogGroup = rt.ExecutionRole, rt.Role, rt.LogGroup
	logGroupName := rt.LogGroupName

	containers := args.Wiring.resolve(s.Environment, nil, func(r resolved, _ []any) (string, error) {
		return containerDefinitions(args.Workload, s, env.Region, logGroupName, r)
	})
	svc.TaskDefinition, err = ecs.NewTaskDefinition(ctx, name, &ecs.TaskDefinitionArgs{
		Family:                  pulumi.String(name),
		RequiresCompatibilities: pulumi.StringArray{pulumi.String("FARGATE")},
		NetworkMode:             pulumi.String("awsvpc"),
		Cpu:                     pulumi.String(fmt.Sprint(s.CPU)),
		Memory:                  pulumi.String(fmt.Sprint(s.Memory)),
		ExecutionRoleArn:        svc.ExecutionRole.Arn,
		TaskRoleArn:             svc.TaskRole.Arn,
		ContainerDefinitions:    containers,
		Tags:                    tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}

	var lbs ecs.ServiceLoadBalancerArray
	for _, arn := range args.TargetGroupARNs {
		lbs = append(lbs, &ecs.ServiceLoadBalancerArgs{
			TargetGroupArn: arn,
			ContainerName:  pulumi.String(args.Workload),
			ContainerPort:  pulumi.Int(s.Port),
		})
	}
	scaling := s.ECSScaling()
	var grace pulumi.IntPtrInput
	if len(lbs) > 0 {
		grace = pulumi.Int(60)
	}
	svc.Service, err = ecs.NewService(ctx, name, &ecs.ServiceArgs{
		Cluster:         args.ClusterARN,
		TaskDefinition:  svc.TaskDefinition.Arn,
		DesiredCount:    pulumi.Int(s.DesiredCount),
		LaunchType:      pulumi.String("FARGATE"),
		PlatformVersion: pulumi.String("LATEST"),
		NetworkConfiguration: &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        args.PrivateSubnetIDs,
			SecurityGroups: groupIDs(args.SecurityGroupID, args.Spec.LegacySecurityGroups),
			AssignPublicIp: pulumi.Bool(false),
		},
		EnableExecuteCommand: pulumi.Bool(true),
		DeploymentCircuitBreaker: &ecs.ServiceDeploymentCircuitBreakerArgs{
			Enable: pulumi.Bool(true), Rollback: pulumi.Bool(true),
		},
		// `pulumi up` waits until the new tasks are running and healthy, so a
		// deployment the circuit breaker rolls back fails the update instead
		// of ending green with the old tasks still serving.
		WaitForSteadyState:              pulumi.Bool(true),
		DeploymentMinimumHealthyPercent: pulumi.Int(100),
		DeploymentMaximumPercent:        pulumi.Int(200),
		LoadBalancers:                   lbs,
		HealthCheckGracePeriodSeconds:   grace,
		PropagateTags:                   pulumi.String("SERVICE"),
		EnableEcsManagedTags:            pulumi.Bool(true),
		Tags:                            tg.Named(name),
	}, append([]pulumi.ResourceOption{
		parent,
		// Tasks start as soon as the service exists. Without the execution
		// role's policy they cannot pull the image (and the circuit breaker
		// rolls the first deployment back); without the log group awslogs fails
		// the task; without the task role's grants the ECS Exec agent in them
		// never starts and the application cannot reach what it was granted.
		// The task definition names the group as a plain string and no policy
		// is an input, so nothing else orders them.
		pulumi.DependsOn(rt.Ready())},
		// With scaling on, Application Auto Scaling owns the task count.
		scalingIgnore(scaling, "desiredCount")...)...)
	if err != nil {
		return nil, err
	}
	if scaling.On {
		svc.Scaling, err = newAppScaling(ctx, name, "ecs", ECSDesiredCount, ECSResourceID(args.ClusterARN, args.ClusterName, svc.Service.Name),
			scaling, servicePolicies(scaling, args.RequestLabels), tg.Named(name+"-scaling"), parent)
		if err != nil {
			return nil, scalingErr("NewService", name, err)
		}
	}
	svc.ServiceName = svc.Service.Name
	svc.TaskRoleARN = svc.TaskRole.Arn
	if err := ctx.RegisterResourceOutputs(svc, pulumi.Map{
		"serviceName": svc.ServiceName,
		"taskRoleArn": svc.TaskRoleARN,
	}); err != nil {
		return nil, err
	}
	return svc, nil
}

// containerDefinitions is the task's one container: the image, its port, its
// environment (its own and its connections'), the secrets ECS injects, and
// awslogs to the service's log group.
func containerDefinitions(container string, s ECSSpec, region, logGroup string, r resolved) (string, error) {
	def := map[string]any{
		"name":                   container,
		"image":                  s.Image,
		"essential":              true,
		"readonlyRootFilesystem": false,
		"portMappings":           []any{map[string]any{"containerPort": s.Port, "protocol": "tcp"}},
		// ECS Exec needs an init process to reap the sessions' child processes.
		"linuxParameters": map[string]any{"initProcessEnabled": true},
		"logConfiguration": map[string]any{
			"logDriver": "awslogs",
			"options": map[string]string{
				"awslogs-group":         logGroup,
				"awslogs-region":        region,
				"awslogs-stream-prefix": container,
			},
		},
	}
	if len(r.Env) > 0 {
		def["environment"] = pairs(r.Env, "value")
	}
	if len(r.Secrets) > 0 {
		// Fetched by the execution role when the task starts; only the
		// references are in the task definition.
		def["secrets"] = pairs(r.Secrets, "valueFrom")
	}
	b, err := json.Marshal([]any{def})
	return string(b), err
}
