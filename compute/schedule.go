package compute

import (
	"encoding/json"
	"fmt"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/s3"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/scheduler"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sqs"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// SchedulerPrincipal is the service that assumes a schedule's role.
const SchedulerPrincipal = "scheduler.amazonaws.com"

// DLQRetentionSeconds keeps a failed start in the dead-letter queue for 14
// days, SQS's longest.
const DLQRetentionSeconds = 1209600

// Schedule is a workload's EventBridge Scheduler schedule: the role it starts
// the target with, the dead-letter queue of starts that kept failing and
// the queue's policy.
type Schedule struct {
	Role        *iam.Role
	Policy      *iam.RolePolicy
	DLQ         *sqs.Queue
	QueuePolicy *sqs.QueuePolicy
	Schedule    *scheduler.Schedule
}

// scheduleTarget is what a schedule starts, and the one statement that lets
// its role start exactly that.
type scheduleTarget struct {
	// ARN is the Scheduler target: the function (or its alias), or the
	// universal target of Batch's SubmitJob.
	ARN pulumi.StringInput
	// Input is the target's input (SubmitJob's parameters); nil for a function.
	Input pulumi.StringInput
	// Actions on Resources is all the role may do besides the DLQ.
	Actions   []string
	Resources []pulumi.StringInput
}

// BatchSubmitJobTarget is Scheduler's universal target for Batch SubmitJob.
func BatchSubmitJobTarget(partition string) string {
	return "arn:" + partition + ":scheduler:::aws-sdk:batch:submitJob"
}

// ScheduleARN is the ARN of a schedule in the default group.
func ScheduleARN(env awsenv.Env, name string) string {
	return env.ARN("scheduler", env.Region, "schedule/default/"+name)
}

// newSchedule registers the schedule of the workload named name (its
// component name, also the schedule's name) and everything it needs.
func newSchedule(ctx *pulumi.Context, name string, s ScheduleSpec, t scheduleTarget, env awsenv.Env, tg tags.Set, parent pulumi.ResourceOption) (*Schedule, error) {
	if len(name) > MaxScheduleNameLen {
		return nil, fmt.Errorf("schedule name %q is longer than Scheduler's %d characters", name, MaxScheduleNameLen)
	}
	out := &Schedule{}
	// The role is Scheduler's, acting for this account only (the
	// confused-deputy guard Scheduler documents). Its policy, not its trust,
	// limits it to this schedule's target and queue.
	trust, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{map[string]any{
			"Effect":    "Allow",
			"Principal": map[string]any{"Service": SchedulerPrincipal},
			"Action":    "sts:AssumeRole",
			"Condition": map[string]any{
				"StringEquals": map[string]any{"aws:SourceAccount": env.AccountID},
			},
		}},
	})
	if err != nil {
		return nil, err
	}
	out.Role, err = iam.NewRole(ctx, name+"-schedule", &iam.RoleArgs{
		Description:      pulumi.String("EventBridge Scheduler role of the schedule " + name + ": starts its target and writes its dead-letter queue, nothing else"),
		AssumeRolePolicy: pulumi.String(string(trust)),
		Tags:             tg.Named(name + "-schedule"),
	}, parent)
	if err != nil {
		return nil, err
	}
	out.DLQ, err = sqs.NewQueue(ctx, name+"-schedule-dlq", &sqs.QueueArgs{
		// A standard queue: Scheduler refuses a FIFO dead-letter queue.
		Name:                    pulumi.String(name + "-schedule-dlq"),
		SqsManagedSseEnabled:    pulumi.Bool(true),
		MessageRetentionSeconds: pulumi.Int(DLQRetentionSeconds),
		Tags:                    tg.Named(name + "-schedule-dlq"),
	}, parent)
	if err != nil {
		return nil, err
	}
	statements := []Statement{
		{Sid: "StartTheTarget", Actions: t.Actions, Resources: t.Resources},
		{Sid: "WriteTheDeadLetterQueue", Actions: []string{"sqs:SendMessage"}, Resources: []pulumi.StringInput{out.DLQ.Arn}},
	}
	out.Policy, err = iam.NewRolePolicy(ctx, name+"-schedule", &iam.RolePolicyArgs{
		Role:   out.Role.Name,
		Policy: Grant{Key: "schedule", Statements: statements}.document(),
	}, parent)
	if err != nil {
		return nil, err
	}
	queuePolicy := pulumi.All(out.DLQ.Arn, out.Role.Arn).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{
				map[string]any{
					"Sid": "TheScheduleWrites", "Effect": "Allow",
					"Principal": map[string]any{"AWS": v[1]},
					"Action":    "sqs:SendMessage", "Resource": v[0],
				},
				map[string]any{
					"Sid": "DenyInsecureTransport", "Effect": "Deny",
					"Principal": "*", "Action": "sqs:*", "Resource": v[0],
					"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				},
			},
		})
		return string(b), err
	}).(pulumi.StringOutput)
	out.QueuePolicy, err = sqs.NewQueuePolicy(ctx, name+"-schedule-dlq", &sqs.QueuePolicyArgs{
		QueueUrl: out.DLQ.Url,
		Policy:   queuePolicy,
	}, parent)
	if err != nil {
		return nil, err
	}

	window := &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("OFF")}
	if s.FlexibleWindowMinutes > 0 {
		window = &scheduler.ScheduleFlexibleTimeWindowArgs{Mode: pulumi.String("FLEXIBLE"), MaximumWindowInMinutes: pulumi.Int(s.FlexibleWindowMinutes)}
	}
	state := "ENABLED"
	if !s.On() {
		state = "DISABLED"
	}
	out.Schedule, err = scheduler.NewSchedule(ctx, name, &scheduler.ScheduleArgs{
		// Unique within the default group; the stack prefix keeps two stacks
		// of one account apart.
		Name:                       pulumi.String(name),
		GroupName:                  pulumi.String("default"),
		Description:                pulumi.String("Starts " + name + " on " + s.Expression + " (" + s.Zone() + ")"),
		ScheduleExpression:         pulumi.String(s.Expression),
		ScheduleExpressionTimezone: pulumi.String(s.Zone()),
		FlexibleTimeWindow:         window,
		State:                      pulumi.String(state),
		Target: &scheduler.ScheduleTargetArgs{
			Arn:     t.ARN,
			RoleArn: out.Role.Arn,
			Input:   t.Input,
			RetryPolicy: &scheduler.ScheduleTargetRetryPolicyArgs{
				MaximumRetryAttempts:     pulumi.Int(s.Retries()),
				MaximumEventAgeInSeconds: pulumi.Int(s.EventAge()),
			},
			DeadLetterConfig: &scheduler.ScheduleTargetDeadLetterConfigArgs{Arn: out.DLQ.Arn},
		},
	},
		parent,
		// The first start may come as soon as the schedule exists; the role's
		// policy and the queue's are not inputs of it, so nothing else makes
		// it wait for them.
		pulumi.DependsOn([]pulumi.Resource{out.Policy, out.QueuePolicy}))
	if err != nil {
		return nil, err
	}
	return out, nil
}

// submitJobInput is SubmitJob's parameters for the universal target.
func submitJobInput(name string, queueARN, definitionARN pulumi.StringInput) pulumi.StringOutput {
	return pulumi.All(queueARN, definitionARN).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]string{
			"JobName": name + "-scheduled", "JobQueue": v[0].(string), "JobDefinition": v[1].(string),
		})
		return string(b), err
	}).(pulumi.StringOutput)
}

// triggerGrants are the function role's permissions its triggers need: an
// SQS queue's messages (and its key), an S3 prefix's objects.
func triggerGrants(triggers map[string]TriggerSpec, partition string) []Grant {
	var out []Grant
	for _, n := range sortedKeys(triggers) {
		t := triggers[n]
		switch {
		case t.SQS != nil:
			// What Lambda's poller calls with the function's role, and nothing more.
			st := []Statement{{Sid: "ReadTheQueue", Actions: []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"},
				Resources: []pulumi.StringInput{pulumi.String(t.SQS.QueueARN)}}}
			if t.SQS.KMSKeyARN != "" {
				st = append(st, Statement{Sid: "DecryptTheMessages", Actions: []string{"kms:Decrypt"}, Resources: []pulumi.StringInput{pulumi.String(t.SQS.KMSKeyARN)}})
			}
			out = append(out, Grant{Key: "trigger-" + n, Reason: "the trigger " + n + " polls " + t.SQS.QueueARN, Statements: st})
		case t.S3 != nil:
			// The event names the object; the function reads it, and only
			// objects under the trigger's prefix.
			out = append(out, Grant{Key: "trigger-" + n, Reason: "the trigger " + n + " hands it objects of s3://" + t.S3.Bucket + "/" + t.S3.Prefix,
				Statements: []Statement{{Sid: "ReadTheTriggeringObjects", Actions: []string{"s3:GetObject"},
					Resources: []pulumi.StringInput{pulumi.String("arn:" + partition + ":s3:::" + t.S3.Bucket + "/" + t.S3.Prefix + "*")}}}})
		}
	}
	return out
}

// Triggers are a function's event sources: SQS mappings and the S3 bucket
// notifications with their invoke permissions.
type Triggers struct {
	Mappings      map[string]*lambda.EventSourceMapping
	Permissions   map[string]*lambda.Permission
	Notifications map[string]*s3.BucketNotification
}

// newTriggers registers a function's triggers. invoke is what they invoke
// (the function, or its alias); qualifier is the alias name or "".
func newTriggers(ctx *pulumi.Context, name string, triggers map[string]TriggerSpec, fn *lambda.Function, invoke pulumi.StringInput, qualifier string, env awsenv.Env, parent pulumi.ResourceOption) (*Triggers, error) {
	out := &Triggers{Mappings: map[string]*lambda.EventSourceMapping{}, Permissions: map[string]*lambda.Permission{}, Notifications: map[string]*s3.BucketNotification{}}
	buckets := map[string][]string{} // bucket -> trigger names
	for _, n := range sortedKeys(triggers) {
		t := triggers[n]
		switch {
		case t.SQS != nil:
			args := &lambda.EventSourceMappingArgs{
				EventSourceArn: pulumi.String(t.SQS.QueueARN),
				FunctionName:   invoke,
				BatchSize:      pulumi.Int(t.SQS.Batch()),
				// A failed message goes back alone, not with its whole batch.
				FunctionResponseTypes: pulumi.StringArray{pulumi.String("ReportBatchItemFailures")},
			}
			if t.SQS.MaxBatchingWindowSeconds > 0 {
				args.MaximumBatchingWindowInSeconds = pulumi.Int(t.SQS.MaxBatchingWindowSeconds)
			}
			m, err := lambda.NewEventSourceMapping(ctx, name+"-"+n, args, parent)
			if err != nil {
				return nil, err
			}
			out.Mappings[n] = m
		case t.S3 != nil:
			bucketARN := "arn:" + env.Partition + ":s3:::" + t.S3.Bucket
			perm := &lambda.PermissionArgs{
				Action:    pulumi.String("lambda:InvokeFunction"),
				Function:  fn.Name,
				Principal: pulumi.String("s3.amazonaws.com"),
				SourceArn: pulumi.String(bucketARN),
				// Bucket names are global: only this account's bucket of that name.
				SourceAccount: pulumi.String(env.AccountID),
			}
			if qualifier != "" {
				perm.Qualifier = pulumi.String(qualifier)
			}
			p, err := lambda.NewPermission(ctx, name+"-"+n, perm, parent)
			if err != nil {
				return nil, err
			}
			out.Permissions[n] = p
			buckets[t.S3.Bucket] = append(buckets[t.S3.Bucket], n)
		}
	}
	for _, bucket := range sortedKeys(buckets) {
		var fns s3.BucketNotificationLambdaFunctionArray
		var perms []pulumi.Resource
		for _, n := range buckets[bucket] {
			s := triggers[n].S3
			f := &s3.BucketNotificationLambdaFunctionArgs{
				Id:                pulumi.String(name + "-" + n),
				LambdaFunctionArn: invoke,
				Events:            pulumi.ToStringArray(s.EventList()),
			}
			if s.Prefix != "" {
				f.FilterPrefix = pulumi.String(s.Prefix)
			}
			if s.Suffix != "" {
				f.FilterSuffix = pulumi.String(s.Suffix)
			}
			fns = append(fns, f)
			perms = append(perms, out.Permissions[n])
		}
		nt, err := s3.NewBucketNotification(ctx, name+"-"+bucket, &s3.BucketNotificationArgs{
			Bucket:          pulumi.String(bucket),
			LambdaFunctions: fns,
		},
			parent,
			// S3 tests that it may invoke the function when the notification is
			// written, and refuses it otherwise; the permission is not an input.
			pulumi.DependsOn(perms))
		if err != nil {
			return nil, err
		}
		out.Notifications[bucket] = nt
	}
	return out, nil
}
