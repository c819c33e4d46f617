package ops

import (
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/sns"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// component is the tag value of platform:component on everything this package creates.
const component = "ops"

// AlarmsArgs are the inputs of the stack's alarms.
type AlarmsArgs struct {
	// Prefix starts every alarm name (platform:name): alarm names are unique
	// per account and region, so two stacks there must not share one.
	Prefix   string
	Config   Config
	Subjects []Subject
	// Refs are the resource values the alarms point at, per subject, by the
	// ref names of the catalogue: "lb", "tg:<target>", "asg", "cluster",
	// "service", "function", "queue" (a batch job queue's ARN), "node:<nnn>",
	// "nat:<zone>".
	Refs map[string]map[string]pulumi.StringInput

	Env     awsenv.Env
	Protect bool
	Tags    map[string]string
}

// Alarms is the stack's alarm topic, encrypted with its own key, its
// subscriptions and every workload's alarms.
type Alarms struct {
	pulumi.ResourceState

	Key           *kms.Key
	Alias         *kms.Alias
	Topic         *sns.Topic
	TopicPolicy   *sns.TopicPolicy
	Subscriptions []*sns.TopicSubscription
	// Rules are the EventBridge rules that turn batch job failures into a
	// metric, by workload.
	Rules map[string]*cloudwatch.EventRule
	// Alarms by planned name (Alarm.Name, without the prefix).
	Alarms map[string]*cloudwatch.MetricAlarm
	// Planned is what Plan returned; nil when alarms are off.
	Planned []Alarm

	TopicARN pulumi.StringOutput
}

// AlarmName is the full CloudWatch name of a planned alarm.
func AlarmName(prefix string, a Alarm) string { return prefix + "-" + a.Name }

// TopicName is the alarm topic's name.
func TopicName(prefix string) string { return prefix + "-alarms" }

// NewAlarms registers the topic and, when alarms are on, every alarm.
func NewAlarms(ctx *pulumi.Context, name string, args *AlarmsArgs, opts ...pulumi.ResourceOption) (*Alarms, error) {
	if args == nil {
		return nil, fmt.Errorf("ops.NewAlarms(%q): args are required", name)
	}
	env := args.Env
	if env.Region == "" || env.AccountID == "" || env.Partition == "" || args.Prefix == "" {
		return nil, fmt.Errorf("ops.NewAlarms(%q): Prefix and Env (region, account, partition) are required", name)
	}
	planned := Plan(args.Config, args.Subjects)
	for _, a := range planned {
		if err := args.check(a); err != nil {
			return nil, fmt.Errorf("ops.NewAlarms(%q): %w", name, err)
		}
	}

	al := &Alarms{Rules: map[string]*cloudwatch.EventRule{}, Alarms: map[string]*cloudwatch.MetricAlarm{}, Planned: planned}
	if err := ctx.RegisterComponentResource("platform:ops:Alarms", name, al, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(al)
	tg := tags.New(component, args.Tags)
	topicName := TopicName(args.Prefix)
	topicARN := env.ARN("sns", env.Region, topicName)
	alarmPattern := env.ARN("cloudwatch", env.Region, "alarm:"+args.Prefix+"-*")

	keyPolicy, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			env.KeyAdminStatement(),
			map[string]any{
				// CloudWatch publishes to an encrypted topic only with the key:
				// it generates the message's data key. Only for this stack's
				// alarms in this account.
				"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    []string{"kms:Decrypt", "kms:GenerateDataKey*"},
				"Resource":  "*",
				"Condition": sourceCondition(env, alarmPattern),
			},
		},
	})
	if err != nil {
		return nil, err
	}
	window := 7
	if args.Protect {
		window = 30
	}
	al.Key, err = kms.NewKey(ctx, name+"-key", &kms.KeyArgs{
		Description:          pulumi.String("Encrypts the alarm topic " + topicName),
		EnableKeyRotation:    pulumi.Bool(true),
		DeletionWindowInDays: pulumi.Int(window),
		Policy:               pulumi.String(string(keyPolicy)),
		Tags:                 tg.Named(name + "-key"),
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	al.Alias, err = kms.NewAlias(ctx, name+"-key", &kms.AliasArgs{
		Name:        pulumi.String("alias/" + topicName),
		TargetKeyId: al.Key.KeyId,
	}, parent)
	if err != nil {
		return nil, err
	}
	al.Topic, err = sns.NewTopic(ctx, name, &sns.TopicArgs{
		// A fixed name: the key and topic policies name it, and an on-call
		// engineer looks for it.
		Name:           pulumi.String(topicName),
		DisplayName:    pulumi.String("Alarms of " + args.Prefix),
		KmsMasterKeyId: al.Key.Arn,
		Tags:           tg.Named(topicName),
	}, parent, pulumi.Protect(args.Protect))
	if err != nil {
		return nil, err
	}
	topicPolicy, err := topicPolicyDocument(env, topicARN, alarmPattern)
	if err != nil {
		return nil, err
	}
	al.TopicPolicy, err = sns.NewTopicPolicy(ctx, name, &sns.TopicPolicyArgs{
		Arn:    al.Topic.Arn,
		Policy: pulumi.String(topicPolicy),
	}, parent)
	if err != nil {
		return nil, err
	}
	for _, s := range args.Config.Subscriptions {
		if s.TopicARN != "" {
			continue // an alarm action, not a subscription
		}
		sn := fmt.Sprintf("%s-%s-%s", name, s.Protocol(), shortHash(strings.ToLower(s.Endpoint())))
		sub, err := sns.NewTopicSubscription(ctx, sn, &sns.TopicSubscriptionArgs{
			Topic:    al.Topic.Arn,
			Protocol: pulumi.String(s.Protocol()),
			Endpoint: pulumi.String(s.Endpoint()),
		}, parent)
		if err != nil {
			return nil, err
		}
		al.Subscriptions = append(al.Subscriptions, sub)
	}

	actions := pulumi.Array{al.Topic.Arn}
	for _, arn := range args.Config.TopicARNs() {
		actions = append(actions, pulumi.String(arn))
	}
	for _, a := range planned {
		if a.Kind == compute.KindBatch {
			if _, done := al.Rules[a.Subject]; !done {
				rule, err := failedJobsRule(ctx, name, args, a.Subject, tg, parent)
				if err != nil {
					return nil, err
				}
				al.Rules[a.Subject] = rule
			}
		}
		m, err := newAlarm(ctx, name, args, a, al, actions, tg, parent)
		if err != nil {
			return nil, err
		}
		al.Alarms[a.Name] = m
	}

	al.TopicARN = al.Topic.Arn
	if err := ctx.RegisterResourceOutputs(al, pulumi.Map{
		"topicArn": al.TopicARN,
		"alarms":   pulumi.Int(len(planned)),
	}); err != nil {
		return nil, err
	}
	return al, nil
}

// check makes sure every ref a planned alarm needs was supplied.
func (args *AlarmsArgs) check(a Alarm) error {
	for _, m := range a.Metrics {
		for _, d := range m.Dimensions {
			if d.Ref == "" || d.Ref == ruleRef {
				continue
			}
			if args.Refs[a.Subject][d.Ref] == nil {
				return fmt.Errorf("alarm %s needs %q of %s in Refs", a.Name, d.Ref, a.Subject)
			}
		}
	}
	if a.Kind == compute.KindBatch && args.Refs[a.Subject]["queue"] == nil {
		return fmt.Errorf("alarm %s needs the job queue ARN (\"queue\") of %s in Refs", a.Name, a.Subject)
	}
	return nil
}

const ruleRef = "failed-jobs-rule"

// sourceCondition limits a service principal to this stack's alarms.
func sourceCondition(env awsenv.Env, alarmPattern string) map[string]any {
	return map[string]any{
		"StringEquals": map[string]any{"aws:SourceAccount": env.AccountID},
		"ArnLike":      map[string]any{"aws:SourceArn": alarmPattern},
	}
}

// topicPolicyDocument lets the account manage the topic, this stack's alarms
// publish to it, and refuses anything not sent over TLS.
func topicPolicyDocument(env awsenv.Env, topicARN, alarmPattern string) (string, error) {
	b, err := json.Marshal(map[string]any{
		"Version": "2012-10-17",
		"Statement": []any{
			map[string]any{
				"Sid": "AccountManages", "Effect": "Allow",
				"Principal": map[string]any{"AWS": env.RootARN()},
				"Action": []string{"sns:GetTopicAttributes", "sns:SetTopicAttributes", "sns:AddPermission", "sns:RemovePermission",
					"sns:DeleteTopic", "sns:Subscribe", "sns:ListSubscriptionsByTopic", "sns:Publish"},
				"Resource": topicARN,
			},
			map[string]any{
				"Sid": "CloudWatchAlarmsPublish", "Effect": "Allow",
				"Principal": map[string]any{"Service": "cloudwatch.amazonaws.com"},
				"Action":    "sns:Publish", "Resource": topicARN,
				"Condition": sourceCondition(env, alarmPattern),
			},
			map[string]any{
				"Sid": "DenyInsecureTransport", "Effect": "Deny",
				"Principal": "*", "Action": "sns:Publish", "Resource": topicARN,
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
			},
		},
	})
	return string(b), err
}

// failedJobsRule matches the FAILED state changes of one batch workload's
// job queue. Batch publishes no job metrics; the rule's MatchedEvents do.
func failedJobsRule(ctx *pulumi.Context, name string, args *AlarmsArgs, workload string, tg tags.Set, parent pulumi.ResourceOption) (*cloudwatch.EventRule, error) {
	queue := args.Refs[workload]["queue"]
	pattern := pulumi.All(queue).ApplyT(func(v []any) (string, error) {
		b, err := json.Marshal(map[string]any{
			"source":      []string{"aws.batch"},
			"detail-type": []string{"Batch Job State Change"},
			"detail":      map[string]any{"status": []string{"FAILED"}, "jobQueue": []string{v[0].(string)}},
		})
		return string(b), err
	}).(pulumi.StringOutput)
	rn := fmt.Sprintf("%s-%s-failed-jobs", args.Prefix, workload)
	return cloudwatch.NewEventRule(ctx, name+"-"+workload+"-failed-jobs", &cloudwatch.EventRuleArgs{
		// Fixed: the alarm reads the rule's metrics by its name.
		Name:         pulumi.String(rn),
		Description:  pulumi.String("Failed jobs of " + workload + ", counted for the alarm " + rn),
		EventPattern: pattern,
		Tags:         tg.Named(rn, "platform:workload", workload),
	}, parent)
}

func newAlarm(ctx *pulumi.Context, name string, args *AlarmsArgs, a Alarm, al *Alarms, actions pulumi.Array, tg tags.Set, parent pulumi.ResourceOption) (*cloudwatch.MetricAlarm, error) {
	dims := func(ds []Dimension) pulumi.StringMap {
		out := pulumi.StringMap{}
		for _, d := range ds {
			switch {
			case d.Ref == ruleRef:
				out[d.Name] = al.Rules[a.Subject].Name
			case d.Ref != "":
				out[d.Name] = args.Refs[a.Subject][d.Ref]
			default:
				out[d.Name] = pulumi.String(d.Value)
			}
		}
		return out
	}
	full := AlarmName(args.Prefix, a)
	ma := &cloudwatch.MetricAlarmArgs{
		Name:               pulumi.String(full),
		AlarmDescription:   pulumi.String(a.Description),
		ComparisonOperator: pulumi.String(a.Comparison),
		Threshold:          pulumi.Float64(a.MetricThreshold),
		EvaluationPeriods:  pulumi.Int(a.EvaluationPeriods),
		DatapointsToAlarm:  pulumi.Int(a.DatapointsToAlarm),
		TreatMissingData:   pulumi.String(a.TreatMissingData),
		ActionsEnabled:     pulumi.Bool(true),
		AlarmActions:       actions,
		// Recovery is news too: whoever was paged learns it is over.
		OkActions: actions,
		Tags:      tg.Named(full, "platform:workload", a.Subject, "platform:alarm", a.Key),
	}
	if a.Expression == "" {
		m := a.Metrics[0]
		ma.Namespace = pulumi.String(m.Namespace)
		ma.MetricName = pulumi.String(m.Name)
		ma.Period = pulumi.Int(a.Period)
		ma.Dimensions = dims(m.Dimensions)
		if strings.HasPrefix(m.Stat, "p") {
			ma.ExtendedStatistic = pulumi.String(m.Stat)
		} else {
			ma.Statistic = pulumi.String(m.Stat)
		}
	} else {
		qs := cloudwatch.MetricAlarmMetricQueryArray{&cloudwatch.MetricAlarmMetricQueryArgs{
			Id: pulumi.String("result"), Expression: pulumi.String(a.Expression),
			Label: pulumi.String(a.Title), ReturnData: pulumi.Bool(true),
		}}
		for _, m := range a.Metrics {
			qs = append(qs, &cloudwatch.MetricAlarmMetricQueryArgs{
				Id: pulumi.String(m.ID),
				Metric: &cloudwatch.MetricAlarmMetricQueryMetricArgs{
					Namespace: pulumi.String(m.Namespace), MetricName: pulumi.String(m.Name),
					Stat: pulumi.String(m.Stat), Period: pulumi.Int(a.Period), Dimensions: dims(m.Dimensions),
				},
				ReturnData: pulumi.Bool(false),
			})
		}
		ma.MetricQueries = qs
	}
	return cloudwatch.NewMetricAlarm(ctx, name+"-"+a.Name, ma, parent)
}

func shortHash(s string) string {
	h := fnv.New32a()
	h.Write([]byte(s))
	return fmt.Sprintf("%08x", h.Sum32())
}
