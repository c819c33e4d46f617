package dataprotect

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sfn"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/tags"
)

// AWS Backup does not cover ElastiCache. A cache keeps its daily automatic
// snapshots for snapshotRetentionDays (35 at most), and they go when the
// replication group goes. The cache copies add a manual snapshot on the 1st
// of every month, named after the month (<group id>-m01 ... -m12): the
// copy of a month replaces the one of the same month a year before, so
// twelve are kept, encrypted with the cache key, and they outlive the group.
// A Step Functions state machine does it with two calls (delete last year's
// snapshot of the month, create this month's), started by an EventBridge
// Scheduler schedule per cache: no code to run, patch or place in a VPC.

// CacheCopySchedule is when the monthly copy is taken (in the plan's timezone).
const CacheCopySchedule = "cron(0 6 1 * ? *)"

// CacheCopiesKept is how many monthly copies a cache keeps.
const CacheCopiesKept = 12

// CacheCopyName is the snapshot a month's copy of a replication group gets.
func CacheCopyName(replicationGroupID string, month int) string {
	return fmt.Sprintf("%s-m%02d", replicationGroupID, month)
}

// CacheCopies are the resources of the monthly cache copies.
type CacheCopies struct {
	Role           *iam.Role
	LogsPolicy     *iam.RolePolicy
	LogGroup       *cloudwatch.LogGroup
	StateMachine   *sfn.StateMachine
	SchedulerRole  *iam.Role
	StartPolicy    *iam.RolePolicy
	SnapshotPolicy map[string]*iam.RolePolicy
	Schedules      map[string]*scheduler.Schedule
}

// cacheCopyDefinition is the state machine: name the month's snapshot from
// the execution's start time (2026-03-01T06:00:00Z -> <id>-m03), delete the
// snapshot of that name (last year's; none the first year), wait for the
// deletion, create the new one.
func cacheCopyDefinition(partition string) (string, error) {
	sdk := func(action string) string { return "arn:" + partition + ":states:::aws-sdk:elasticache:" + action }
	def := map[string]any{
		"Comment": "Monthly copy of an ElastiCache replication group: one manual snapshot per calendar month, the same month's of last year replaced",
		"StartAt": "NameTheMonthsSnapshot",
		"States": map[string]any{
			"NameTheMonthsSnapshot": map[string]any{
				"Type": "Pass",
				"Parameters": map[string]any{
					"replicationGroupId.$": "$.replicationGroupId",
					"snapshotName.$":       "States.Format('{}-m{}', $.replicationGroupId, States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, '-'), 1))",
				},
				"Next": "DeleteLastYearsCopy",
			},
			"DeleteLastYearsCopy": map[string]any{
				"Type": "Task", "Resource": sdk("deleteSnapshot"),
				"Parameters": map[string]any{"SnapshotName.$": "$.snapshotName"},
				"ResultPath": nil,
				// No copy of this month yet (the first year): go straight on.
				"Catch": []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "ResultPath": nil, "Next": "CopyTheCache"}},
				"Next":  "WaitForTheDeletion",
			},
			"WaitForTheDeletion": map[string]any{"Type": "Wait", "Seconds": 600, "Next": "CopyTheCache"},
			"CopyTheCache": map[string]any{
				"Type": "Task", "Resource": sdk("createSnapshot"),
				"Parameters": map[string]any{
					"ReplicationGroupId.$": "$.replicationGroupId",
					"SnapshotName.$":       "$.snapshotName",
				},
				// The group may be busy (its own daily snapshot, a
				// modification): try again for an hour.
				"Retry": []any{map[string]any{"ErrorEquals": []string{"States.ALL"}, "IntervalSeconds": 600, "MaxAttempts": 6, "BackoffRate": 1}},
				"End":   true,
			},
		},
	}
	b, err := json.Marshal(def)
	return string(b), err
}

func trustFor(service, account string) string {
	b, _ := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect": "Allow", "Principal": map[string]any{"Service": service}, "Action": "sts:AssumeRole",
			// Only this account's state machines and schedules (confused deputy).
			"Condition": map[string]any{"StringEquals": map[string]any{"aws:SourceAccount": account}},
		}},
	})
	return string(b)
}

func policyDoc(statements ...map[string]any) string {
	st := make([]any, len(statements))
	for i, s := range statements {
		s["Effect"] = "Allow"
		st[i] = s
	}
	b, _ := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	return string(b)
}

// CacheCopyLogGroup is the state machine's log group.
func CacheCopyLogGroup(name string) string { return "/aws/vendedlogs/states/" + name + "-cache-copies" }

// newCacheCopies registers the shared part: the state machine, its role and
// log group, and the schedules' role.
func (d *DataProtection) newCacheCopies(ctx *pulumi.Context, logsKey pulumi.StringInput) (*CacheCopies, error) {
	a := d.args
	env := a.Env
	parent := pulumi.Parent(d)
	tg := tags.New(component, a.Tags)
	cc := &CacheCopies{SnapshotPolicy: map[string]*iam.RolePolicy{}, Schedules: map[string]*scheduler.Schedule{}}
	lname := d.name + "-cache-copies"
	var err error
	cc.Role, err = iam.NewRole(ctx, lname, &iam.RoleArgs{
		Description:      pulumi.String("Step Functions takes the monthly snapshot copies of the caches of " + a.Name),
		AssumeRolePolicy: pulumi.String(trustFor("states.amazonaws.com", env.AccountID)),
		Tags:             tg.Named(lname),
	}, parent)
	if err != nil {
		return nil, err
	}
	// Step Functions delivers its logs through CloudWatch's log delivery,
	// whose calls take no resource ARN.
	cc.LogsPolicy, err = iam.NewRolePolicy(ctx, lname+"-logs", &iam.RolePolicyArgs{
		Role: cc.Role.Name,
		Policy: pulumi.String(policyDoc(
			map[string]any{
				"Sid": "DeliverExecutionLogs",
				"Action": []string{"logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
					"logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies"},
				"Resource": "*",
			},
			map[string]any{
				"Sid": "FindTheLogGroup", "Action": "logs:DescribeLogGroups",
				"Resource": env.ARN("logs", env.Region, "log-group:*"),
			},
		)),
	}, parent)
	if err != nil {
		return nil, err
	}
	cc.LogGroup, err = cloudwatch.NewLogGroup(ctx, lname, &cloudwatch.LogGroupArgs{
		Name:            pulumi.String(CacheCopyLogGroup(a.Name)),
		RetentionInDays: pulumi.Int(90),
		KmsKeyId:        logsKey,
		Tags:            tg.Named(lname),
	}, parent)
	if err != nil {
		return nil, err
	}
	def, err := cacheCopyDefinition(env.Partition)
	if err != nil {
		return nil, err
	}
	cc.StateMachine, err = sfn.NewStateMachine(ctx, lname, &sfn.StateMachineArgs{
		Name:       pulumi.String(lname),
		Type:       pulumi.String("STANDARD"),
		RoleArn:    cc.Role.Arn,
		Definition: pulumi.String(def),
		LoggingConfiguration: &sfn.StateMachineLoggingConfigurationArgs{
			LogDestination:       pulumi.Sprintf("%s:*", cc.LogGroup.Arn),
			Level:                pulumi.String("ERROR"),
			IncludeExecutionData: pulumi.Bool(false),
		},
		Tags: tg.Named(lname),
	},
		parent,
		// CreateStateMachine checks the role may deliver the logs; the
		// policy is not an input of the state machine.
		pulumi.DependsOn([]pulumi.Resource{cc.LogsPolicy}))
	if err != nil {
		return nil, err
	}
	cc.SchedulerRole, err = iam.NewRole(ctx, lname+"-schedule", &iam.RoleArgs{
		Description:      pulumi.String("EventBridge Scheduler starts the monthly cache copies of " + a.Name),
		AssumeRolePolicy: pulumi.String(trustFor("scheduler.amazonaws.com", env.AccountID)),
		Tags:             tg.Named(lname + "-schedule"),
	}, parent)
	if err != nil {
		return nil, err
	}
	cc.StartPolicy, err = iam.NewRolePolicy(ctx, lname+"-schedule-start", &iam.RolePolicyArgs{
		Role: cc.SchedulerRole.Name,
		Policy: cc.StateMachine.Arn.ApplyT(func(arn string) string {
			return policyDoc(map[string]any{"Sid": "StartTheCopy", "Action": "states:StartExecution", "Resource": arn})
		}).(pulumi.StringOutput),
	}, parent)
	return cc, err
}

// CoverCache schedules the monthly copy of one cache: a schedule of its own
// and the state machine's permission on its snapshots, so a cache added
// later adds both and replaces nothing. A snapshot of an encrypted group is
// encrypted with the group's key (the cache key); logsKey encrypts the state
// machine's log group.
func (d *DataProtection) CoverCache(ctx *pulumi.Context, store, replicationGroupID string, logsKey pulumi.StringInput) error {
	if !d.args.Config.Backup.Enabled || !d.args.Config.Backup.CacheCopies {
		return fmt.Errorf("dataprotect: cache copies are off for %s", d.name)
	}
	if d.CacheCopies == nil {
		cc, err := d.newCacheCopies(ctx, logsKey)
		if err != nil {
			return err
		}
		d.CacheCopies = cc
	}
	cc := d.CacheCopies
	if _, dup := cc.Schedules[store]; dup {
		return fmt.Errorf("dataprotect: the copies of %q are already scheduled", store)
	}
	env := d.args.Env
	parent := pulumi.Parent(d)
	ec := func(res string) string { return env.ARN("elasticache", env.Region, res) }
	lname := d.name + "-cache-copies-" + store
	pol, err := iam.NewRolePolicy(ctx, lname, &iam.RolePolicyArgs{
		Role: cc.Role.Name,
		Policy: pulumi.String(policyDoc(
			map[string]any{
				"Sid": "SnapshotTheCache", "Action": "elasticache:CreateSnapshot",
				"Resource": []string{ec("replicationgroup:" + replicationGroupID), ec("cluster:" + replicationGroupID + "-*"), ec("snapshot:" + replicationGroupID + "-m*")},
			},
			map[string]any{
				"Sid": "ReplaceLastYearsCopy", "Action": "elasticache:DeleteSnapshot",
				"Resource": ec("snapshot:" + replicationGroupID + "-m*"),
			},
		)),
	}, parent)
	if err != nil {
		return err
	}
	cc.SnapshotPolicy[store] = pol
	input, err := json.Marshal(map[string]string{"replicationGroupId": replicationGroupID})
	if err != nil {
		return err
	}
	sched, err := scheduler.NewSchedule(ctx, lname, &scheduler.ScheduleArgs{
		// Unique within the default group; the stack prefix keeps stacks apart.
		Name:                       pulumi.String(d.args.Name + "-" + store + "-copy"),
		GroupName:                  pulumi.String("default"),
		Description:                pulumi.String("Monthly snapshot copy of cache " + store + " (" + replicationGroupID + "), kept 12 months"),
		ScheduleExpression:         pulumi.String(CacheCopySchedule),
		ScheduleExpressionTimezone: pulumi.String(d.args.Config.Backup.Timezone),
		FlexibleTimeWindow:         &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")},
		State:                      pulumi.String("ENABLED"),
		Target: &scheduler.ScheduleTargetArgs{
			Arn:     cc.StateMachine.Arn,
			RoleArn: cc.SchedulerRole.Arn,
			Input:   pulumi.String(string(input)),
		},
	},
		parent,
		// A start needs the schedule's permission to start the state machine
		// and the state machine's on this cache; neither is an input here.
		pulumi.DependsOn([]pulumi.Resource{cc.StartPolicy, pol}))
	if err != nil {
		return err
	}
	cc.Schedules[store] = sched
	return nil
}
