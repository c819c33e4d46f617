package stack_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/stack"
)

const (
	tAlarm     = "aws:cloudwatch/metricAlarm:MetricAlarm"
	tTopic     = "aws:sns/topic:Topic"
	tEventRule = "aws:cloudwatch/eventRule:EventRule"
)

// alarmMetrics lists the metrics an alarm reads: its own, or its queries'.
func alarmMetrics(a sim.Resource) []string {
	out := []string{}
	if m := str(a, "metricName"); m != "" {
		out = append(out, m)
	}
	for _, q := range sim.Lookup(a.Inputs, "metricQueries[].metric.metricName") {
		out = append(out, fmt.Sprint(q))
	}
	return out
}

// alarmDims merges an alarm's dimensions with its queries'.
func alarmDims(a sim.Resource) map[string]string {
	out := map[string]string{}
	for _, d := range append(sim.Lookup(a.Inputs, "dimensions"), sim.Lookup(a.Inputs, "metricQueries[].metric.dimensions")...) {
		if m, ok := d.(map[string]any); ok {
			for k, v := range m {
				out[k] = fmt.Sprint(v)
			}
		}
	}
	return out
}

// The metrics each kind must be watched on, written from the list,
// not from the alarm catalogue.
var mustWatch = map[string][]string{
	"alb":    {"HTTPCode_ELB_5XX_Count", "HTTPCode_Target_5XX_Count", "UnHealthyHostCount", "TargetResponseTime"},
	"ec2":    {"CPUUtilization", "StatusCheckFailed"},
	"ecs":    {"CPUUtilization", "MemoryUtilization", "RunningTaskCount"},
	"lambda": {"Errors", "Throttles", "Duration"},
	// A scheduled job also has its schedule's dead-letter queue watched.
	"batch":  {"MatchedEvents", "ApproximateNumberOfMessagesVisible"},
	"aurora": {"CPUUtilization", "FreeableMemory", "DatabaseConnections"},
	"cache":  {"EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "Evictions"},
}

func TestAlarms_EveryWorkloadKindGetsItsAlarmSetPointedAtTheStackTopic(t *testing.T) {
	for _, s := range stacks {
		t.Run(s.name, func(t *testing.T) {
			res := run(t, s.name)
			g := res.Graph
			topics := g.OfType(tTopic)
			if len(topics) != 1 {
				t.Fatalf("%d alarm topics", len(topics))
			}
			topicARN := fmt.Sprint(topics[0].Outputs["arn"])
			if str(topics[0], "kmsMasterKeyId") == "" {
				t.Error("the alarm topic is not encrypted with a KMS key")
			}
			alarms := g.OfType(tAlarm)
			if len(alarms) < 20 {
				t.Fatalf("only %d alarms", len(alarms))
			}
			watched := map[string][]string{}
			for _, a := range alarms {
				w := fmt.Sprint(lookup(a.Inputs, "tags", "platform:workload"))
				watched[w] = append(watched[w], alarmMetrics(a)...)
				acts := strList(a.Inputs["alarmActions"])
				if !slices.Contains(acts, topicARN) || !slices.Contains(strList(a.Inputs["okActions"]), topicARN) {
					t.Errorf("%s does not notify the stack topic: %v", a.Name, acts)
				}
				if !strings.HasPrefix(str(a, "name"), s.name+"-") || !strings.Contains(str(a, "alarmDescription"), "Look first at:") {
					t.Errorf("%s: name %q, description %q", a.Name, str(a, "name"), str(a, "alarmDescription"))
				}
			}
			cfg := res.Platform.Design.Config
			for _, n := range cfg.Workloads.Names() {
				kind := cfg.Workloads.Kind(n)
				for _, m := range mustWatch[kind] {
					if !slices.Contains(watched[n], m) {
						t.Errorf("%s %s has no alarm on %s (it has %v)", kind, n, m, watched[n])
					}
				}
			}
			if n := len(g.OfType("aws:ec2/natGateway:NatGateway")); n != s.nats || len(watched["nat"]) != s.nats {
				t.Errorf("%d NAT gateways, %d NAT alarms", n, len(watched["nat"]))
			}
		})
	}
}

func TestAlarms_EachAlarmReadsItsOwnWorkloadsResources(t *testing.T) {
	g := run(t, "prod").Graph
	byName := map[string]sim.Resource{}
	for _, a := range g.OfType(tAlarm) {
		byName[str(a, "name")] = a
	}
	asg := mustNamed(t, g, "aws:autoscaling/group:Group", "prod-web")
	svc := mustNamed(t, g, "aws:ecs/service:Service", "prod-api")
	fn := mustNamed(t, g, "aws:lambda/function:Function", "prod-thumbnails")
	lb := mustNamed(t, g, "aws:lb/loadBalancer:LoadBalancer", "prod-edge")
	tg := mustNamed(t, g, "aws:lb/targetGroup:TargetGroup", "prod-edge-web")
	db := mustNamed(t, g, "aws:rds/cluster:Cluster", "prod-database")
	rg := mustNamed(t, g, "aws:elasticache/replicationGroup:ReplicationGroup", "prod-cache")
	nat := mustNamed(t, g, "aws:ec2/natGateway:NatGateway", "prod-nat-us-east-1b")
	for name, want := range map[string]map[string]any{
		"prod-web-cpu-high":                          {"AutoScalingGroupName": asg.Outputs["name"]},
		"prod-api-memory-high":                       {"ServiceName": svc.Outputs["name"]},
		"prod-thumbnails-throttles":                  {"FunctionName": fn.Outputs["name"]},
		"prod-edge-web-unhealthy-hosts":              {"LoadBalancer": lb.Outputs["arnSuffix"], "TargetGroup": tg.Outputs["arnSuffix"]},
		"prod-edge-elb-5xx-rate":                     {"LoadBalancer": lb.Outputs["arnSuffix"]},
		"prod-database-writer-cpu-high":              {"DBClusterIdentifier": db.ID, "Role": "WRITER"},
		"prod-cache-003-memory-high":                 {"CacheClusterId": fmt.Sprint(str(rg, "replicationGroupId"), "-003")},
		"prod-nat-us-east-1b-port-allocation-errors": {"NatGatewayId": nat.ID},
	} {
		a, ok := byName[name]
		if !ok {
			t.Errorf("no alarm %s", name)
			continue
		}
		dims := alarmDims(a)
		for k, v := range want {
			if dims[k] != fmt.Sprint(v) || dims[k] == "" || dims[k] == "<nil>" {
				t.Errorf("%s: %s = %q, want %q", name, k, dims[k], v)
			}
		}
	}
	rule := mustNamed(t, g, tEventRule, "prod-alarms-nightly-failed-jobs")
	queue := mustNamed(t, g, "aws:batch/jobQueue:JobQueue", "prod-nightly")
	if !strings.Contains(str(rule, "eventPattern"), fmt.Sprint(queue.Outputs["arn"])) {
		t.Errorf("the failed-jobs rule does not match the nightly queue %v: %s", queue.Outputs["arn"], str(rule, "eventPattern"))
	}
}

func TestAlarms_TurningAlarmsOffRemovesThem(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"enabled": false, "reason": "dev: nobody is on call"})
	f.Values["platform:alarms"] = string(b)
	res, err := offline.Run(f)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(res.Graph.OfType(tAlarm)) + len(res.Graph.OfType(tEventRule)); n != 0 {
		t.Errorf("%d alarms and rules with alarms off", n)
	}
	if len(run(t, "dev").Graph.OfType(tAlarm)) == 0 {
		t.Fatal("the unedited dev stack has no alarms, so this test proves nothing")
	}
}
