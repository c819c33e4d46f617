package network

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// FlowLogsArgs configure a VPC's flow logs.
type FlowLogsArgs struct {
	VpcID         pulumi.IDInput
	RetentionDays int
	Env           awsenv.Env
	Protect       bool
	Tags          map[string]string
}

// FlowLogs records every accepted and rejected flow of a VPC into a KMS-encrypted
// CloudWatch log group, written through a role that can do nothing else.
type FlowLogs struct {
	pulumi.ResourceState

	Key      *kms.Key
	LogGroup *cloudwatch.LogGroup
	Role     *iam.Role
	FlowLog  *ec2.FlowLog
}

// FlowLogGroupPrefix is the name prefix of the log group of a FlowLogs named name.
func FlowLogGroupPrefix(name string) string { return "/platform/" + name + "-" }

// NewFlowLogs registers the flow log, its log group, key and role.
func NewFlowLogs(ctx *pulumi.Context, name string, args *FlowLogsArgs, opts ...pulumi.ResourceOption) (*FlowLogs, error) {
	if args == nil || args.VpcID == nil {
		return nil, fmt.Errorf("network.NewFlowLogs(%q): VpcID is required", name)
	}
	if !ValidRetention(args.RetentionDays) {
		return nil, fmt.Errorf("network.NewFlowLogs(%q): %d is not a CloudWatch retention", name, args.RetentionDays)
	}
	f := &FlowLogs{}
	if err := ctx.RegisterComponentResource("platform:network:FlowLogs", name, f, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(f)
	tg := tags.New("network", args.Tags)
	env := args.Env
	// The group outlives the stack when flow logs are turned off (retained
	// in a protected stack), and log group names are unique per account and
	// region: a fixed name would make turning flow logs on again fail with
	// ResourceAlreadyExistsException. A prefix gives every lifetime its own
	// name, fixed at creation and kept in the state (stack output flowLogGroup).
	logGroupPrefix := FlowLogGroupPrefix(name)

	keyPolicy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			env.KeyAdminStatement(),
			env.LogsKeyStatement(),
		},
	})
	if err != nil {
		return nil, err
	}
	f.Key, err = kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:       pulumi.String("Encrypts the VPC flow logs of " + name),
		EnableKeyRotation: pulumi.Bool(true),
		// Thirty days, the maximum, to recover from a mistaken deletion.
		DeletionWindowInDays: pulumi.Int(30),
		Policy:               pulumi.String(string(keyPolicy)),
		Tags:                 tg.Named(name),
	},
		parent,
		// Turning flow logs off removes the flow log, not the evidence: in a
		// protected stack the key and the log group stay in the account, so the
		// logs already written remain readable for their retention period.
		pulumi.RetainOnDelete(args.Protect))
	if err != nil {
		return nil, err
	}
	f.LogGroup, err = cloudwatch.NewLogGroup(ctx, name+"-logs", &cloudwatch.LogGroupArgs{
		NamePrefix:      pulumi.String(logGroupPrefix),
		RetentionInDays: pulumi.Int(args.RetentionDays),
		KmsKeyId:        f.Key.Arn,
		Tags:            tg.Named(name),
	}, parent, pulumi.RetainOnDelete(args.Protect))
	if err != nil {
		return nil, err
	}

	trust, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": "vpc-flow-logs.amazonaws.com"},
			"Action":    "sts:AssumeRole",
			// Only flow logs of this account may use the role (confused deputy).
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": env.AccountID}},
		}},
	})
	if err != nil {
		return nil, err
	}
	f.Role, err = iam.NewRole(ctx, name+"-role", &iam.RoleArgs{
		Description:      pulumi.String("Lets VPC flow logs write to " + logGroupPrefix + "*"),
		AssumeRolePolicy: pulumi.String(string(trust)),
		Tags:             tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}
	policy := f.LogGroup.Arn.ApplyT(func(arn string) (string, error) {
		b, err := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Effect":   "Allow",
				"Action":   []string{"logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"},
				"Resource": []string{arn, arn + ":*"},
			}},
		})
		return string(b), err
	}).(pulumi.StringOutput)
	write, err := iam.NewRolePolicy(ctx, name+"-write", &iam.RolePolicyArgs{
		Role:   f.Role.ID(),
		Policy: policy,
	}, parent)
	if err != nil {
		return nil, err
	}
	f.FlowLog, err = ec2.NewFlowLog(ctx, name, &ec2.FlowLogArgs{
		VpcId:                  args.VpcID.ToIDOutput().ToStringOutput(),
		TrafficType:            pulumi.String("ALL"),
		LogDestinationType:     pulumi.String("cloud-watch-logs"),
		LogDestination:         f.LogGroup.Arn,
		IamRoleArn:             f.Role.Arn,
		MaxAggregationInterval: pulumi.Int(60),
		Tags:                   tg.Named(name),
	},
		parent,
		// The flow log starts delivering as soon as it exists; without the role's
		// write permission its first records fail with an access error.
		pulumi.DependsOn([]pulumi.Resource{write}))
	if err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(f, pulumi.Map{"logGroupName": f.LogGroup.Name}); err != nil {
		return nil, err
	}
	return f, nil
}
