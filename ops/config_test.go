package ops

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
)

var testSubjects = []Subject{
	{Name: "edge", Kind: compute.KindALB, Targets: []string{"api", "web"}},
	{Name: "web", Kind: compute.KindEC2},
	{Name: "api", Kind: compute.KindECS},
	{Name: "fn", Kind: compute.KindLambda, TimeoutSeconds: 60},
	{Name: "nightly", Kind: compute.KindBatch, Scheduled: true},
	{Name: "db", Kind: compute.KindAurora, Engine: compute.EngineAuroraPostgres, InstanceClass: "db.r6g.large", Instances: 3},
	{Name: "solo", Kind: compute.KindAurora, Engine: compute.EngineAuroraPostgres, InstanceClass: "db.t4g.medium", Instances: 1},
	{Name: "cache", Kind: compute.KindCache, Nodes: []string{"001", "002", "003"}},
	{Name: "single", Kind: compute.KindCache, Nodes: []string{"001"}},
	{Name: SubjectNAT, Kind: KindNAT, Zones: []string{"us-east-1a", "us-east-1b"}},
}

func parse(t *testing.T, doc string, protect bool) (Config, []string) {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	var p problems.List
	c := Decode("platform:alarms", raw, &p)
	c.Validate("platform:alarms", ValidateContext{Protect: protect, Subjects: testSubjects}, &p)
	return c, problems.Messages(p.Err())
}

func TestConfig_AcceptsSubscriptionsAndThresholdsInRange(t *testing.T) {
	c, msgs := parse(t, `{
		"subscriptions": [{"email": "oncall@example.com"}, {"https": "https://events.pagerduty.com/integration/abc/enqueue"},
			{"topicArn": "arn:aws:sns:us-east-1:111122223333:central-alarms"}],
		"thresholds": {"edge": {"elb5xxRate": 0.1, "targetResponseTime": 600}, "db": {"cpu": 10, "replicaLag": 10}, "cache": {"replicationLag": 3600}},
		"nat": {"portAllocationErrors": 5}
	}`, true)
	if len(msgs) > 0 {
		t.Fatalf("problems: %v", msgs)
	}
	if !c.On() || len(c.TopicARNs()) != 1 {
		t.Errorf("on %v, topics %v", c.On(), c.TopicARNs())
	}
}

func TestConfig_RejectsEachMistakeNamingTheKey(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		protect   bool
		want      string
	}{
		{"off in production", `{"enabled": false, "reason": "x"}`, true, "platform:alarms.enabled: a protected (production) stack cannot turn alarms off"},
		{"off without a reason", `{"enabled": false}`, false, "platform:alarms.reason: required with enabled: false"},
		{"a reason while on", `{"reason": "why"}`, false, "platform:alarms.reason: only for enabled: false"},
		{"two kinds in one subscription", `{"subscriptions": [{"email": "a@example.com", "https": "https://x.example.com/"}]}`, false, "platform:alarms.subscriptions[0]: set exactly one of email, https or topicArn"},
		{"empty subscription", `{"subscriptions": [{}]}`, false, "platform:alarms.subscriptions[0]: set exactly one"},
		{"bad email", `{"subscriptions": [{"email": "on call"}]}`, false, `platform:alarms.subscriptions[0].email: "on call" is not an email address`},
		{"named email", `{"subscriptions": [{"email": "On Call <oncall@example.com>"}]}`, false, "platform:alarms.subscriptions[0].email:"},
		{"plain http", `{"subscriptions": [{"https": "http://hooks.example.com/x"}]}`, false, `platform:alarms.subscriptions[0].https: "http://hooks.example.com/x" is not an https URL`},
		{"bad topic", `{"subscriptions": [{"topicArn": "arn:aws:sqs:us-east-1:111122223333:q"}]}`, false, "platform:alarms.subscriptions[0].topicArn: "},
		{"duplicate", `{"subscriptions": [{"email": "a@example.com"}, {"email": "A@example.com"}]}`, false, "platform:alarms.subscriptions[1]: the same email as subscriptions[0]"},
		{"unknown workload", `{"thresholds": {"edg": {"elb5xxRate": 2}}}`, false, `platform:alarms.thresholds.edg: "edg" is not a workload with alarms; did you mean "edge"?`},
		{"unknown alarm", `{"thresholds": {"edge": {"elb5xxRat": 2}}}`, false, `platform:alarms.thresholds.edge.elb5xxRat: "elb5xxRat" is not an alarm of an alb; did you mean "elb5xxRate"?`},
		{"alarm of another kind", `{"thresholds": {"web": {"memory": 50}}}`, false, `platform:alarms.thresholds.web.memory: "memory" is not an alarm of an ec2`},
		{"below the range", `{"thresholds": {"edge": {"elb5xxRate": 0.05}}}`, false, "platform:alarms.thresholds.edge.elb5xxRate: must be between 0.1 and 100 %, got 0.05"},
		{"above the range", `{"thresholds": {"db": {"cpu": 101}}}`, false, "platform:alarms.thresholds.db.cpu: must be between 10 and 100 %, got 101"},
		{"percent of timeout", `{"thresholds": {"fn": {"durationNearTimeout": 9}}}`, false, "platform:alarms.thresholds.fn.durationNearTimeout: must be between 10 and 100 % of timeout"},
		{"no replica, no lag", `{"thresholds": {"solo": {"replicaLag": 100}}}`, false, "platform:alarms.thresholds.solo.replicaLag: solo has no replicaLag alarm: it has one instance and so no replica"},
		{"no cache replica, no lag", `{"thresholds": {"single": {"replicationLag": 100}}}`, false, "platform:alarms.thresholds.single.replicationLag: single has no replicationLag alarm: it has no replica"},
		{"no schedule, no schedule alarm", `{"thresholds": {"fn": {"scheduleFailures": 2}}}`, false, "platform:alarms.thresholds.fn.scheduleFailures: fn has no scheduleFailures alarm: it has no schedule"},
		{"nat alarm name", `{"nat": {"portErrors": 1}}`, false, `platform:alarms.nat.portErrors: "portErrors" is not an alarm of a nat`},
		{"nat below range", `{"nat": {"portAllocationErrors": 0}}`, false, "platform:alarms.nat.portAllocationErrors: must be between 1 and 1000000000 errors, got 0"},
		{"unknown key", `{"subscription": []}`, false, "platform:alarms.subscription:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := parse(t, tc.doc, tc.protect)
			for _, m := range msgs {
				if strings.HasPrefix(m, tc.want) {
					return
				}
			}
			t.Errorf("want %q among %v", tc.want, msgs)
		})
	}
}

func TestConfig_NATThresholdsNeedNATGateways(t *testing.T) {
	var p problems.List
	c := Config{NAT: map[string]float64{"portAllocationErrors": 2}}
	c.Validate("platform:alarms", ValidateContext{Subjects: testSubjects[:1]}, &p)
	if msgs := problems.Messages(p.Err()); len(msgs) != 1 || !strings.HasPrefix(msgs[0], "platform:alarms.nat: the network has no NAT gateway") {
		t.Errorf("got %v", msgs)
	}
}

func TestConfig_NoSubscriptionIsValidButPagesNobody(t *testing.T) {
	c, msgs := parse(t, `{}`, true)
	if len(msgs) > 0 || !c.PagesNobody() {
		t.Errorf("problems %v, pages nobody %v", msgs, c.PagesNobody())
	}
	c, _ = parse(t, `{"subscriptions": [{"email": "a@example.com"}]}`, true)
	if c.PagesNobody() {
		t.Error("an email subscription pages someone")
	}
}

func TestConfig_OffWithAReasonIsValidOutsideProduction(t *testing.T) {
	c, msgs := parse(t, `{"enabled": false, "reason": "dev: nobody is on call"}`, false)
	if len(msgs) > 0 || c.On() {
		t.Errorf("on %v, problems %v", c.On(), msgs)
	}
}

func TestConfig_TopicSubscriptionMustBeInTheStacksRegion(t *testing.T) {
	for _, tc := range []struct {
		name, topic, region string
		want                string // "" when valid
	}{
		{"same region", "arn:aws:sns:us-east-1:111122223333:central", "us-east-1", ""},
		{"another region", "arn:aws:sns:eu-west-1:111122223333:central", "us-east-1",
			"platform:alarms.subscriptions[0].topicArn: the topic is in eu-west-1 and the alarms in us-east-1; CloudWatch refuses an alarm action on a topic of another region; name a topic in us-east-1"},
		{"another account, same region", "arn:aws:sns:us-east-1:444455556666:central", "us-east-1", ""},
		{"region unknown", "arn:aws:sns:eu-west-1:111122223333:central", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p problems.List
			c := Config{Subscriptions: []Subscription{{TopicARN: tc.topic}}}
			c.Validate("platform:alarms", ValidateContext{Region: tc.region, Subjects: testSubjects}, &p)
			msgs := problems.Messages(p.Err())
			switch {
			case tc.want == "" && len(msgs) > 0:
				t.Errorf("want no problem, got %v", msgs)
			case tc.want != "" && (len(msgs) != 1 || msgs[0] != tc.want):
				t.Errorf("want [%s], got %v", tc.want, msgs)
			}
		})
	}
}
