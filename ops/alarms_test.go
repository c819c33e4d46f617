package ops

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/sim"
)

const (
	tKey    = "aws:kms/key:Key"
	tTopic  = "aws:sns/topic:Topic"
	tPolicy = "aws:sns/topicPolicy:TopicPolicy"
	tSub    = "aws:sns/topicSubscription:TopicSubscription"
	tAlarm  = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tRule   = "aws:cloudwatch/eventRule:EventRule"
)

var testEnv = awsenv.Env{Region: "us-east-1", AccountID: sim.AccountID, Partition: "aws"}

func testRefs() map[string]map[string]pulumi.StringInput {
	s := func(v string) pulumi.StringInput { return pulumi.String(v) }
	return map[string]map[string]pulumi.StringInput{
		"edge":    {"lb": s("app/edge/abc"), "tg:api": s("targetgroup/api/1"), "tg:web": s("targetgroup/web/2")},
		"web":     {"asg": s("web-asg")},
		"api":     {"cluster": s("prod-ecs"), "service": s("api")},
		"fn":      {"function": s("prod-fn")},
		"nightly": {"queue": s("arn:aws:batch:us-east-1:123456789012:job-queue/prod-nightly"), "dlq": s("prod-nightly-schedule-dlq")},
		"db":      {"cluster": s("prod-db")},
		"solo":    {"cluster": s("prod-solo")},
		"cache":   {"node:001": s("rg-001"), "node:002": s("rg-002"), "node:003": s("rg-003")},
		"single":  {"node:001": s("one-001")},
		"nat":     {"nat:us-east-1a": s("nat-a"), "nat:us-east-1b": s("nat-b")},
	}
}

func runAlarms(t *testing.T, c Config, refs map[string]map[string]pulumi.StringInput) (*sim.Graph, error) {
	t.Helper()
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewAlarms(ctx, "prod-alarms", &AlarmsArgs{Prefix: "prod", Config: c, Subjects: testSubjects, Refs: refs, Env: testEnv, Protect: true})
		return err
	}, pulumi.WithMocks("platform", "test", m))
	g, gerr := m.Graph()
	if gerr != nil {
		t.Fatal(gerr)
	}
	return g, err
}

func TestAlarms_EveryAlarmPagesTheStackTopicAndRecovers(t *testing.T) {
	c := Config{Subscriptions: []Subscription{{Email: "oncall@example.com"}, {TopicARN: "arn:aws:sns:us-east-1:111122223333:central"}}}
	g, err := runAlarms(t, c, testRefs())
	if err != nil {
		t.Fatal(err)
	}
	topics := g.OfType(tTopic)
	if len(topics) != 1 {
		t.Fatalf("%d topics", len(topics))
	}
	topicARN := topics[0].Outputs["arn"].(string)
	alarms := g.OfType(tAlarm)
	if want := len(Plan(c, testSubjects)); len(alarms) != want || want < 30 {
		t.Fatalf("%d alarms registered, %d planned", len(alarms), want)
	}
	for _, a := range alarms {
		for _, k := range []string{"alarmActions", "okActions"} {
			acts, _ := a.Inputs[k].([]any)
			if len(acts) != 2 || acts[0] != topicARN || acts[1] != "arn:aws:sns:us-east-1:111122223333:central" {
				t.Errorf("%s %s = %v, want the stack topic then the central one", a.Name, k, acts)
			}
		}
		if a.Inputs["actionsEnabled"] != true || a.Inputs["treatMissingData"] != "notBreaching" {
			t.Errorf("%s: actions %v, missing data %v", a.Name, a.Inputs["actionsEnabled"], a.Inputs["treatMissingData"])
		}
		if name, _ := a.Inputs["name"].(string); !strings.HasPrefix(name, "prod-") {
			t.Errorf("%s: alarm name %q lacks the stack prefix (names are unique per account and region)", a.Name, name)
		}
	}
	subs := g.OfType(tSub)
	if len(subs) != 1 || subs[0].Inputs["protocol"] != "email" || subs[0].Inputs["endpoint"] != "oncall@example.com" || subs[0].Inputs["topic"] != topicARN {
		t.Errorf("subscriptions: %+v (a topic ARN is an alarm action, not a subscription)", subs)
	}
}

func TestAlarms_TopicIsEncryptedWithAKeyCloudWatchMayUseForThisStacksAlarmsOnly(t *testing.T) {
	g, err := runAlarms(t, Config{Subscriptions: []Subscription{{Email: "oncall@example.com"}}}, testRefs())
	if err != nil {
		t.Fatal(err)
	}
	keys := g.OfType(tKey)
	topic := g.OfType(tTopic)[0]
	if len(keys) != 1 || topic.Inputs["kmsMasterKeyId"] != keys[0].Outputs["arn"] {
		t.Fatalf("topic key %v, keys %d", topic.Inputs["kmsMasterKeyId"], len(keys))
	}
	if keys[0].Inputs["enableKeyRotation"] != true || !keys[0].Protect || !topic.Protect {
		t.Errorf("rotation %v, key protected %v, topic protected %v", keys[0].Inputs["enableKeyRotation"], keys[0].Protect, topic.Protect)
	}
	var doc struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(keys[0].Inputs["policy"].(string)), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range doc.Statement {
		p, _ := st["Principal"].(map[string]any)
		if p["Service"] != "cloudwatch.amazonaws.com" {
			continue
		}
		found = true
		b, _ := json.Marshal(st)
		for _, want := range []string{`"kms:Decrypt"`, `"kms:GenerateDataKey*"`, `"aws:SourceAccount":"123456789012"`, `"aws:SourceArn":"arn:aws:cloudwatch:us-east-1:123456789012:alarm:prod-*"`} {
			if !strings.Contains(string(b), want) {
				t.Errorf("cloudwatch key statement lacks %s: %s", want, b)
			}
		}
	}
	if !found {
		t.Error("no key statement lets CloudWatch use the key: alarms would never reach the encrypted topic")
	}
	pol := g.OfType(tPolicy)
	if len(pol) != 1 || !strings.Contains(pol[0].Inputs["policy"].(string), `"aws:SecureTransport":"false"`) ||
		!strings.Contains(pol[0].Inputs["policy"].(string), `"Service":"cloudwatch.amazonaws.com"`) {
		t.Errorf("topic policy: %v", pol)
	}
}

func TestAlarms_DimensionsPointAtTheirOwnWorkload(t *testing.T) {
	g, err := runAlarms(t, Config{}, testRefs())
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]map[string]any{
		"prod-alarms-edge-web-unhealthy-hosts":              {"TargetGroup": "targetgroup/web/2", "LoadBalancer": "app/edge/abc"},
		"prod-alarms-web-cpu-high":                          {"AutoScalingGroupName": "web-asg"},
		"prod-alarms-db-writer-cpu-high":                    {"DBClusterIdentifier": "prod-db", "Role": "WRITER"},
		"prod-alarms-cache-002-memory-high":                 {"CacheClusterId": "rg-002"},
		"prod-alarms-nat-us-east-1b-port-allocation-errors": {"NatGatewayId": "nat-b"},
		"prod-alarms-nightly-failed-jobs":                   {"RuleName": "prod-nightly-failed-jobs"},
		"prod-alarms-nightly-schedule-failures":             {"QueueName": "prod-nightly-schedule-dlq"},
	} {
		r, ok := g.Named(tAlarm, name)
		if !ok {
			t.Errorf("no alarm %s", name)
			continue
		}
		got, _ := r.Inputs["dimensions"].(map[string]any)
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: dimension %s = %v, want %v", name, k, got[k], v)
			}
		}
	}
	rule, ok := g.Named(tRule, "prod-alarms-nightly-failed-jobs")
	if !ok || !strings.Contains(rule.Inputs["eventPattern"].(string), `"jobQueue":["arn:aws:batch:us-east-1:123456789012:job-queue/prod-nightly"]`) ||
		!strings.Contains(rule.Inputs["eventPattern"].(string), `"status":["FAILED"]`) {
		t.Errorf("failed-jobs rule: %+v", rule.Inputs)
	}
	// A rate alarm is metric math: its queries read the load balancer's metrics.
	r, _ := g.Named(tAlarm, "prod-alarms-edge-elb-5xx-rate")
	qs, _ := r.Inputs["metricQueries"].([]any)
	if len(qs) != 3 || r.Inputs["metricName"] != nil {
		t.Fatalf("metric queries %v", qs)
	}
	b, _ := json.Marshal(qs)
	for _, want := range []string{`"HTTPCode_ELB_5XX_Count"`, `"RequestCount"`, `"LoadBalancer":"app/edge/abc"`, `"expression":"100 * FILL(part, 0) / whole"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("queries lack %s: %s", want, b)
		}
	}
}

func TestAlarms_TurningAlarmsOffRemovesThemButKeepsTheTopic(t *testing.T) {
	off := false
	g, err := runAlarms(t, Config{Enabled: &off, Reason: "dev"}, testRefs())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g.OfType(tAlarm)) + len(g.OfType(tRule)); n != 0 {
		t.Errorf("%d alarms and rules with alarms off", n)
	}
	if len(g.OfType(tTopic)) != 1 {
		t.Error("the topic stays, so subscriptions need not be confirmed again")
	}
}

func TestAlarms_AMissingRefIsAnErrorNotAnAlarmOnNothing(t *testing.T) {
	refs := testRefs()
	delete(refs["cache"], "node:003")
	_, err := runAlarms(t, Config{}, refs)
	if err == nil || !strings.Contains(err.Error(), `alarm cache-003-engine-cpu-high needs "node:003" of cache in Refs`) {
		t.Errorf("got %v", err)
	}
	refs = testRefs()
	delete(refs["nightly"], "queue")
	if _, err := runAlarms(t, Config{}, refs); err == nil || !strings.Contains(err.Error(), "job queue ARN") {
		t.Errorf("got %v", err)
	}
}
