package compute

import (
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
)

// LambdaVPCPolicy is the only policy a function's role carries: its network
// interfaces in the VPC and its own logs.
const LambdaVPCPolicy = "service-role/AWSLambdaVPCAccessExecutionRole"

// FunctionArgs are the inputs of a lambda workload.
type FunctionArgs struct {
	// Workload is the config name (tags).
	Workload string
	Spec     LambdaSpec
	// PrivateSubnetIDs are where the function's interfaces live: the private tier.
	PrivateSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the workload's own group, from the security package.
	SecurityGroupID pulumi.StringInput
	// Grants are the role's permissions beyond VPC access and logs, one inline
	// policy each.
	Grants []Grant
	// LogKMSKeyARN encrypts the log group (the stack's logs key).
	LogKMSKeyARN pulumi.StringInput
	// Wiring is the function's environment beyond its own config: where the
	// stores it reaches are, and the ARNs of secrets it fetches itself
	// (Lambda injects none).
	Wiring Wiring

	Env     awsenv.Env
	Protect bool
	Tags    map[string]string
}

// Function is a Lambda function attached to the private subnets, with a role
// limited to VPC access and logging, and a log group with a retention.
type Function struct {
	pulumi.ResourceState

	// Role is the execution role: VPC access, logs and FunctionArgs.Grants.
	Role *iam.Role
	// Runtime owns the role, its grants and the log group.
	Runtime  *Runtime
	LogGroup *cloudwatch.LogGroup
	Function *lambda.Function
	// Alias ("live") and Provisioned carry the provisioned concurrency; nil
	// without a scaling block.
	Alias       *lambda.Alias
	Provisioned *lambda.ProvisionedConcurrencyConfig
	// Schedule and Triggers invoke the function; nil without them.
	Schedule *Schedule
	Triggers *Triggers

	// FunctionName is <name>: fixed, because the log group is named after it.
	FunctionName pulumi.StringOutput
	ARN          pulumi.StringOutput
	RoleARN      pulumi.StringOutput

	// InvokeARN is what schedules and triggers invoke: the alias "live" when
	// the function has provisioned concurrency, else the function.
	InvokeARN pulumi.StringOutput
}

// NewFunction registers a lambda workload.
func NewFunction(ctx *pulumi.Context, name string, args *FunctionArgs, opts ...pulumi.ResourceOption) (*Function, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewFunction(%q): args are required", name)
	}
	if err := checkCommon("NewFunction", name, args.Workload, args.Env, false); err != nil {
		return nil, err
	}
	s := args.Spec
	c := s.Code
	switch {
	case args.PrivateSubnetIDs == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewFunction(%q): PrivateSubnetIDs and SecurityGroupID are required", name)
	case s.Runtime == "" || s.Handler == "" || (c.Archive == "") == (c.S3Bucket == "" || c.S3Key == "") || s.MemoryMb < 128 || s.TimeoutSeconds < 1:
		return nil, fmt.Errorf("compute.NewFunction(%q): the spec is not valid; run Config.Validate first", name)
	case len(name) > 64:
		return nil, fmt.Errorf("compute.NewFunction(%q): a function name has at most 64 characters", name)
	}
	if err := args.Wiring.check(KindLambda, s.Environment); err != nil {
		return nil, fmt.Errorf("compute.NewFunction(%q): %w", name, err)
	}
	fn := &Function{}
	if err := ctx.RegisterComponentResource("platform:compute:Function", name, fn, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(fn)
	tg := workloadTags(args.Tags, args.Workload)

	// No aws:SourceAccount condition: Lambda's execution-role trust is
	// documented without one, and a condition the service does not satisfy
	// would stop every invocation.
	rt, err := newRuntime(ctx, name, runtimeArgs{
		Workload: args.Workload, Kind: KindLambda, Service: "lambda.amazonaws.com",
		RoleSuffix:      "role",
		RoleDescription: "Execution role of " + args.Workload + ": VPC interfaces and logs only; attach more to grant access",
		Managed:         map[string]string{"vpc": LambdaVPCPolicy},
		// Fixed, not derived from the function: the function's name is fixed to
		// match it (Lambda writes to /aws/lambda/<function name>).
		LogGroupName: "/aws/lambda/" + name, LogRetentionDays: s.LogRetentionDays, LogKMSKeyARN: args.LogKMSKeyARN,
		Grants: append(append([]Grant(nil), args.Grants...), triggerGrants(s.Triggers, args.Env.Partition)...),
		Env:    args.Env, Tags: tg,
	}, parent)
	if err != nil {
		return nil, err
	}
	fn.Runtime, fn.Role, fn.LogGroup = rt, rt.Role, rt.LogGroup

	fa := &lambda.FunctionArgs{
		// Fixed, not auto-named: the log group above must carry this exact name.
		Name:        pulumi.String(name),
		Description: pulumi.String("Workload " + args.Workload),
		Role:        fn.Role.Arn,
		Runtime:     pulumi.String(s.Runtime),
		Handler:     pulumi.String(s.Handler),
		PackageType: pulumi.String("Zip"),
		MemorySize:  pulumi.Int(s.MemoryMb),
		Timeout:     pulumi.Int(s.TimeoutSeconds),
		VpcConfig: &lambda.FunctionVpcConfigArgs{
			SubnetIds:        args.PrivateSubnetIDs,
			SecurityGroupIds: groupIDs(args.SecurityGroupID, args.Spec.LegacySecurityGroups),
		},
		Tags: tg.Named(name),
	}
	if c.Archive != "" {
		fa.Code = pulumi.NewFileArchive(c.Archive)
	} else {
		fa.S3Bucket = pulumi.String(c.S3Bucket)
		fa.S3Key = pulumi.String(c.S3Key)
		if c.S3ObjectVersion != "" {
			fa.S3ObjectVersion = pulumi.String(c.S3ObjectVersion)
		}
	}
	scaling := s.LambdaScaling()
	if scaling.On {
		// Provisioned concurrency lives on a published version: every code or
		// configuration change publishes one, and the alias moves to it.
		fa.Publish = pulumi.Bool(true)
	}
	if s.ReservedConcurrency != nil {
		fa.ReservedConcurrentExecutions = pulumi.Int(*s.ReservedConcurrency)
	}
	if vars := functionEnvironment(s.Environment, args.Wiring); len(vars) > 0 {
		fa.Environment = &lambda.FunctionEnvironmentArgs{Variables: vars}
	}
	fn.Function, err = lambda.NewFunction(ctx, name, fa,
		parent,
		// The log group first: a function that runs before it exists creates
		// the group itself, with no retention and no tags, and creating ours
		// then fails because the name is taken. The role's policies first:
		// Lambda checks at creation that the role may create network interfaces
		// in the VPC and refuses the function otherwise, and a first invocation
		// without its grants fails.
		pulumi.DependsOn(rt.Ready()))
	if err != nil {
		return nil, err
	}
	fn.InvokeARN = fn.Function.Arn
	if scaling.On {
		fn.Alias, fn.Provisioned, err = newProvisionedConcurrency(ctx, name, fn.Function, scaling, parent)
		if err != nil {
			return nil, scalingErr("NewFunction", name, err)
		}
		fn.InvokeARN = fn.Alias.Arn
	}
	qualifier := ""
	if fn.Alias != nil {
		qualifier = LiveAlias
	}
	if len(s.Triggers) > 0 {
		if fn.Triggers, err = newTriggers(ctx, name, s.Triggers, fn.Function, fn.InvokeARN, qualifier, args.Env, parent); err != nil {
			return nil, fmt.Errorf("compute.NewFunction(%q): triggers: %w", name, err)
		}
	}
	if s.Schedule != nil {
		// The role may invoke exactly what the schedule targets.
		fn.Schedule, err = newSchedule(ctx, ScheduleName(name), *s.Schedule, scheduleTarget{
			ARN: fn.InvokeARN, Actions: []string{"lambda:InvokeFunction"}, Resources: []pulumi.StringInput{fn.InvokeARN},
		}, args.Env, tg, parent)
		if err != nil {
			return nil, fmt.Errorf("compute.NewFunction(%q): schedule: %w", name, err)
		}
	}
	fn.FunctionName = fn.Function.Name
	fn.ARN = fn.Function.Arn
	fn.RoleARN = fn.Role.Arn
	if err := ctx.RegisterResourceOutputs(fn, pulumi.Map{
		"functionName": fn.FunctionName,
		"arn":          fn.ARN,
		"roleArn":      fn.RoleARN,
	}); err != nil {
		return nil, err
	}
	return fn, nil
}

// functionEnvironment is the function's own environment and its wiring.
func functionEnvironment(own map[string]string, w Wiring) pulumi.StringMap {
	vars := pulumi.StringMap{}
	for k, v := range own {
		vars[k] = pulumi.String(v)
	}
	for k, v := range w.Env {
		vars[k] = v
	}
	return vars
}
