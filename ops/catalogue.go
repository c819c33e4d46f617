package ops

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/compute"
)

// KindNAT marks the subject that stands for the network's NAT gateways.
const KindNAT compute.Kind = "nat"

// SubjectNAT is the NAT subject's name (in alarm names: <prefix>-nat-<zone>-...).
const SubjectNAT = "nat"

// Subject is one thing alarms watch: a workload, or the NAT gateways. It
// carries the plain facts the alarm set and its default thresholds depend on;
// the resource values the alarms point at (names, ARN suffixes) come later,
// as Refs, when the alarms are registered.
type Subject struct {
	Name string
	Kind compute.Kind

	// Targets are an alb's target workloads (one target group each).
	Targets []string
	// TimeoutSeconds is a lambda's timeout.
	TimeoutSeconds int
	// Engine, InstanceClass and Instances describe an aurora cluster;
	// Instances counts the most instances it can have (the writer and the
	// readers, reader auto scaling included).
	Engine        string
	InstanceClass string
	Instances     int
	// Nodes are a cache's nodes (the primary and its replicas) by their
	// keys (compute.CacheSpec.NodeKeys): one alarm each, named by the key.
	Nodes []string
	// Zones are the NAT gateways' zones.
	Zones []string
	// Scheduled is true for a batch or lambda workload with a schedule.
	Scheduled bool
}

// SubjectsOf lists the subjects of a stack: every workload with an alarm
// set, sorted by name, then the NAT gateways when natZones is not empty.
func SubjectsOf(c compute.Config, natZones []string) []Subject {
	var out []Subject
	for _, n := range c.Names() {
		w := c[n]
		s := Subject{Name: n, Kind: w.Kind}
		switch {
		case w.ALB != nil:
			s.Targets = w.ALB.TargetNames()
		case w.Lambda != nil:
			s.TimeoutSeconds, s.Scheduled = w.Lambda.TimeoutSeconds, w.Lambda.Schedule != nil
		case w.Aurora != nil:
			s.Engine, s.InstanceClass, s.Instances = w.Aurora.Engine, w.Aurora.InstanceClass, w.Aurora.Instances
			if r := w.Aurora.AuroraScaling(); r.On {
				// Auto scaling adds readers: count the most there can be.
				s.Instances = max(s.Instances, 1+r.MaxCount)
			}
		case w.Cache != nil:
			s.Nodes = w.Cache.NodeKeys()
		case w.Batch != nil:
			s.Scheduled = w.Batch.Schedule != nil
		case w.EC2 != nil, w.ECS != nil:
		default:
			continue
		}
		out = append(out, s)
	}
	if len(natZones) > 0 {
		z := append([]string(nil), natZones...)
		sort.Strings(z)
		out = append(out, Subject{Name: SubjectNAT, Kind: KindNAT, Zones: z})
	}
	return out
}

// Dimension is one CloudWatch dimension of an alarm's metric: a fixed Value,
// or Ref, the name of a resource value the stack supplies for the subject
// (see Refs).
type Dimension struct {
	Name  string
	Value string
	Ref   string
}

// Metric is one metric an alarm reads.
type Metric struct {
	// ID names the metric inside an expression ("" for a single-metric alarm).
	ID         string
	Namespace  string
	Name       string
	Dimensions []Dimension
	// Stat is a statistic (Average, Sum, Maximum, Minimum) or a percentile (p99).
	Stat string
}

// Alarm is one planned CloudWatch alarm.
type Alarm struct {
	// Subject and Item say what it watches: the workload (or "nat"), and the
	// target, node or zone when the subject has several ("" otherwise).
	Subject string
	Kind    compute.Kind
	Item    string
	// Key is the alarm's config name (platform:alarms.thresholds.<subject>.<key>).
	Key string
	// Name is the alarm name without the stack prefix: <subject>[-<item>]-<slug>.
	Name string
	// Title says what breaks in a few words; Description says it with the
	// threshold, and what to look at first.
	Title       string
	Description string
	// Threshold is in Unit, as configured; MetricThreshold is what CloudWatch
	// compares, in the metric's own unit.
	Threshold       float64
	Unit            string
	MetricThreshold float64
	Comparison      string
	// Metrics are what the alarm reads: one metric, or the inputs of
	// Expression (metric math), whose result is compared.
	Metrics    []Metric
	Expression string
	// Period is in seconds; the alarm fires when DatapointsToAlarm of the last
	// EvaluationPeriods periods breach.
	Period            int
	EvaluationPeriods int
	DatapointsToAlarm int
	// TreatMissingData is notBreaching for every alarm: a metric that is not
	// published (no traffic, no failed job) is not a failure.
	TreatMissingData string
	// Overridden is true when the stack set the threshold.
	Overridden bool
}

// BilledMetrics is what CloudWatch bills the alarm as: one per metric it reads.
func (a Alarm) BilledMetrics() int { return len(a.Metrics) }

// def is one entry of the catalogue: an alarm every subject of a kind gets.
type def struct {
	Key   string
	Slug  string
	Title string
	Unit  string
	// Min and Max bound a configured threshold.
	Min, Max float64
	Default  func(Subject) float64
	// Applies, when set, says whether a subject gets the alarm at all;
	// NotApplicable says why not, for the config error.
	Applies       func(Subject) bool
	NotApplicable string
	// Items, when set, gives one alarm per item (target, node, zone).
	Items func(Subject) []string
	// What is a sentence with the threshold (%s); Look is what to look at first.
	What func(s Subject, item, threshold string) string
	Look string
	// Build fills the metric part of the alarm for a threshold in Unit.
	Build func(a *Alarm, s Subject, item string, threshold float64)
	// Period, EvaluationPeriods and DatapointsToAlarm.
	Period, Evaluate, Datapoints int
}

func fixed(v float64) func(Subject) float64 { return func(Subject) float64 { return v } }

func single(ns, name, stat string, cmp string, dims ...Dimension) func(a *Alarm, s Subject, item string, t float64) {
	return func(a *Alarm, s Subject, item string, t float64) {
		a.Metrics = []Metric{{Namespace: ns, Name: name, Stat: stat, Dimensions: itemDims(dims, item)}}
		a.MetricThreshold, a.Comparison = t, cmp
	}
}

// itemDims replaces the item placeholder "*" in refs ("tg:*" -> "tg:web").
func itemDims(dims []Dimension, item string) []Dimension {
	out := make([]Dimension, len(dims))
	for i, d := range dims {
		d.Ref = strings.ReplaceAll(d.Ref, "*", item)
		out[i] = d
	}
	return out
}

const (
	gte = "GreaterThanOrEqualToThreshold"
	gt  = "GreaterThanThreshold"
	lt  = "LessThanThreshold"
)

var (
	lbDim      = Dimension{Name: "LoadBalancer", Ref: "lb"}
	tgDim      = Dimension{Name: "TargetGroup", Ref: "tg:*"}
	asgDim     = Dimension{Name: "AutoScalingGroupName", Ref: "asg"}
	clusterDim = Dimension{Name: "ClusterName", Ref: "cluster"}
	serviceDim = Dimension{Name: "ServiceName", Ref: "service"}
	fnDim      = Dimension{Name: "FunctionName", Ref: "function"}
	dbDim      = Dimension{Name: "DBClusterIdentifier", Ref: "cluster"}
	writerDim  = Dimension{Name: "Role", Value: "WRITER"}
	nodeDim    = Dimension{Name: "CacheClusterId", Ref: "node:*"}
	natDim     = Dimension{Name: "NatGatewayId", Ref: "nat:*"}
	ruleDim    = Dimension{Name: "RuleName", Ref: "failed-jobs-rule"}
	dlqDim     = Dimension{Name: "QueueName", Ref: "dlq"}
)

// rate is an alarm on 100 * part / whole, both summed per period.
func rate(ns, part, whole string, dims ...Dimension) func(a *Alarm, s Subject, item string, t float64) {
	return func(a *Alarm, s Subject, item string, t float64) {
		d := itemDims(dims, item)
		a.Metrics = []Metric{
			{ID: "part", Namespace: ns, Name: part, Stat: "Sum", Dimensions: d},
			{ID: "whole", Namespace: ns, Name: whole, Stat: "Sum", Dimensions: d},
		}
		// No requests gives no data point (0/0), which is not breaching.
		a.Expression = "100 * FILL(part, 0) / whole"
		a.MetricThreshold, a.Comparison = t, gt
	}
}

// catalogue is every alarm, per kind, in the order the plan lists them.
var catalogue = map[compute.Kind][]def{
	compute.KindALB: {
		{Key: "elb5xxRate", Slug: "elb-5xx-rate", Title: "load balancer 5xx rate", Unit: "%", Min: 0.1, Max: 100, Default: fixed(1),
			What: func(s Subject, _, t string) string {
				return "load balancer " + s.Name + " itself answers more than " + t + " of requests with 5xx (no healthy target, or targets refusing or timing out)"
			},
			Look:  "the unhealthy-hosts alarms of its target groups, then elb_status_code and target_status_code in the access logs",
			Build: rate("AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count", "RequestCount", lbDim), Period: 60, Evaluate: 5, Datapoints: 3},
		{Key: "target5xxRate", Slug: "target-5xx-rate", Title: "targets' 5xx rate", Unit: "%", Min: 0.1, Max: 100, Default: fixed(5),
			What: func(s Subject, _, t string) string {
				return "the targets behind " + s.Name + " answer more than " + t + " of requests with 5xx"
			},
			Look:  "the target workloads' logs and their most recent deploy",
			Build: rate("AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", "RequestCount", lbDim), Period: 60, Evaluate: 5, Datapoints: 3},
		{Key: "unhealthyHosts", Slug: "unhealthy-hosts", Title: "unhealthy targets", Unit: "targets", Min: 1, Max: 1000, Default: fixed(1),
			Items: func(s Subject) []string { return s.Targets },
			What: func(s Subject, item, t string) string {
				return "at least " + t + " of " + item + "'s targets behind " + s.Name + " fail the health check"
			},
			Look:  "the health check reason of the unhealthy targets (aws elbv2 describe-target-health), then " + "the workload's logs around its health check path",
			Build: single("AWS/ApplicationELB", "UnHealthyHostCount", "Maximum", gte, tgDim, lbDim), Period: 60, Evaluate: 3, Datapoints: 3},
		{Key: "targetResponseTime", Slug: "target-response-time", Title: "p99 target response time", Unit: "s", Min: 0.01, Max: 600, Default: fixed(2),
			What: func(s Subject, _, t string) string {
				return "the 99th percentile of the targets' response time behind " + s.Name + " is above " + t
			},
			Look:  "the targets' CPU and the database's CPU and connections, then slow requests in the access logs (target_processing_time)",
			Build: single("AWS/ApplicationELB", "TargetResponseTime", "p99", gt, lbDim), Period: 60, Evaluate: 5, Datapoints: 5},
	},
	compute.KindEC2: {
		{Key: "cpu", Slug: "cpu-high", Title: "fleet CPU", Unit: "%", Min: 10, Max: 100, Default: fixed(85),
			What: func(s Subject, _, t string) string {
				return "the instances of " + s.Name + " average more than " + t + " CPU for 15 minutes, past what scaling absorbs"
			},
			Look:  "whether the Auto Scaling group is at maxSize, then the busiest instances (Session Manager, top)",
			Build: single("AWS/EC2", "CPUUtilization", "Average", gt, asgDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "statusCheckFailed", Slug: "status-check-failed", Title: "instance status checks", Unit: "instances", Min: 1, Max: 1000, Default: fixed(1),
			What: func(s Subject, _, t string) string {
				return "at least " + t + " instance of " + s.Name + " fails its EC2 status checks"
			},
			Look:  "the instance's status checks and system log in the EC2 console; the group replaces it if the failure persists",
			Build: single("AWS/EC2", "StatusCheckFailed", "Maximum", gte, asgDim), Period: 300, Evaluate: 2, Datapoints: 2},
	},
	compute.KindECS: {
		{Key: "cpu", Slug: "cpu-high", Title: "service CPU", Unit: "%", Min: 10, Max: 100, Default: fixed(85),
			What: func(s Subject, _, t string) string {
				return "the tasks of " + s.Name + " average more than " + t + " of their CPU for 15 minutes, past what scaling absorbs"
			},
			Look:  "whether the service runs maxCount tasks, then the container logs",
			Build: single("AWS/ECS", "CPUUtilization", "Average", gt, clusterDim, serviceDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "memory", Slug: "memory-high", Title: "service memory", Unit: "%", Min: 10, Max: 100, Default: fixed(85),
			What: func(s Subject, _, t string) string {
				return "the tasks of " + s.Name + " average more than " + t + " of their memory for 15 minutes; the next step is tasks killed out of memory"
			},
			Look:  "stopped tasks with OutOfMemoryError (aws ecs describe-tasks) and the service's memory graph since its last deploy",
			Build: single("AWS/ECS", "MemoryUtilization", "Average", gt, clusterDim, serviceDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "runningTasks", Slug: "tasks-below-desired", Title: "running tasks below desired", Unit: "tasks", Min: 1, Max: 1000, Default: fixed(1),
			What: func(s Subject, _, t string) string {
				return s.Name + " runs at least " + t + " task fewer than it wants, for 10 minutes"
			},
			Look: "the service's events and stopped tasks' stop reasons (image pull, health check, out of memory)",
			Build: func(a *Alarm, s Subject, _ string, t float64) {
				d := []Dimension{clusterDim, serviceDim}
				a.Metrics = []Metric{
					{ID: "desired", Namespace: "ECS/ContainerInsights", Name: "DesiredTaskCount", Stat: "Maximum", Dimensions: d},
					{ID: "running", Namespace: "ECS/ContainerInsights", Name: "RunningTaskCount", Stat: "Minimum", Dimensions: d},
				}
				a.Expression = "desired - running"
				a.MetricThreshold, a.Comparison = t, gte
			}, Period: 300, Evaluate: 2, Datapoints: 2},
	},
	compute.KindLambda: {
		{Key: "errorRate", Slug: "error-rate", Title: "function error rate", Unit: "%", Min: 0.1, Max: 100, Default: fixed(5),
			What: func(s Subject, _, t string) string {
				return "more than " + t + " of the invocations of " + s.Name + " fail"
			},
			Look:  "the errors in the function's log group (/aws/lambda/<name>), then its most recent deploy",
			Build: rate("AWS/Lambda", "Errors", "Invocations", fnDim), Period: 300, Evaluate: 1, Datapoints: 1},
		scheduleFailures,
		{Key: "throttles", Slug: "throttles", Title: "function throttles", Unit: "invocations", Min: 1, Max: 1e6, Default: fixed(1),
			What: func(s Subject, _, t string) string {
				return "at least " + t + " invocation of " + s.Name + " is throttled in 5 minutes"
			},
			Look:  "its reserved concurrency and the account's concurrency (ConcurrentExecutions), then what is calling it more than usual",
			Build: single("AWS/Lambda", "Throttles", "Sum", gte, fnDim), Period: 300, Evaluate: 1, Datapoints: 1},
		{Key: "durationNearTimeout", Slug: "duration-near-timeout", Title: "duration near the timeout", Unit: "% of timeout", Min: 10, Max: 100, Default: fixed(80),
			What: func(s Subject, _, t string) string {
				return "an invocation of " + s.Name + " runs longer than " + t + " of its " + strconv.Itoa(s.TimeoutSeconds) + " s timeout"
			},
			Look: "the slow invocations' REPORT lines and what they wait on (database, an API across the NAT gateway)",
			Build: func(a *Alarm, s Subject, _ string, t float64) {
				a.Metrics = []Metric{{Namespace: "AWS/Lambda", Name: "Duration", Stat: "Maximum", Dimensions: []Dimension{fnDim}}}
				a.MetricThreshold, a.Comparison = math.Round(t/100*float64(s.TimeoutSeconds)*1000), gte
			}, Period: 300, Evaluate: 1, Datapoints: 1},
	},
	compute.KindBatch: {
		{Key: "failedJobs", Slug: "failed-jobs", Title: "failed jobs", Unit: "jobs", Min: 1, Max: 1e6, Default: fixed(1),
			What: func(s Subject, _, t string) string {
				return "at least " + t + " job of " + s.Name + " ends FAILED in 5 minutes"
			},
			Look: "the failed job's status reason and its log stream in /aws/batch/<name> (aws batch describe-jobs)",
			// Batch publishes no job metrics: an EventBridge rule matches the
			// queue's FAILED state changes, and its MatchedEvents count them.
			Build: single("AWS/Events", "MatchedEvents", "Sum", gte, ruleDim), Period: 300, Evaluate: 1, Datapoints: 1},
		scheduleFailures,
	},
	compute.KindAurora: {
		{Key: "cpu", Slug: "writer-cpu-high", Title: "writer CPU", Unit: "%", Min: 10, Max: 100, Default: fixed(80),
			What: func(s Subject, _, t string) string {
				return "the writer of " + s.Name + " averages more than " + t + " CPU for 15 minutes"
			},
			Look:  "Performance Insights' top SQL on the writer, then whether reads can move to the reader endpoint",
			Build: single("AWS/RDS", "CPUUtilization", "Average", gt, dbDim, writerDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "freeableMemory", Slug: "writer-memory-low", Title: "writer freeable memory", Unit: "MiB", Min: 64, Max: 4 << 20, Default: defaultFreeableMiB,
			What: func(s Subject, _, t string) string {
				return "the writer of " + s.Name + " has less than " + t + " of freeable memory"
			},
			Look: "connections and their memory (work_mem, large sorts) in Performance Insights; the class may be too small",
			Build: func(a *Alarm, s Subject, _ string, t float64) {
				a.Metrics = []Metric{{Namespace: "AWS/RDS", Name: "FreeableMemory", Stat: "Minimum", Dimensions: []Dimension{dbDim, writerDim}}}
				a.MetricThreshold, a.Comparison = t*1024*1024, lt
			}, Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "replicaLag", Slug: "replica-lag", Title: "replica lag", Unit: "ms", Min: 10, Max: 600000, Default: fixed(2000),
			Applies:       func(s Subject) bool { return s.Instances > 1 },
			NotApplicable: "it has one instance and so no replica",
			What: func(s Subject, _, t string) string {
				return "a reader of " + s.Name + " lags the writer by more than " + t
			},
			Look:  "write bursts on the writer (WriteIOPS, CommitThroughput) and long-running queries on the lagging reader",
			Build: single("AWS/RDS", "AuroraReplicaLagMaximum", "Maximum", gt, dbDim, writerDim), Period: 60, Evaluate: 5, Datapoints: 5},
		{Key: "connections", Slug: "writer-connections-high", Title: "writer connections", Unit: "connections", Min: 1, Max: 100000, Default: defaultConnections,
			What: func(s Subject, _, t string) string {
				return "the writer of " + s.Name + " holds more than " + t + " connections (80% of the class's default max_connections)"
			},
			Look:  "which clients hold the connections (pg_stat_activity / SHOW PROCESSLIST): a leak after a deploy, or more tasks than the pool sizes allow",
			Build: single("AWS/RDS", "DatabaseConnections", "Maximum", gt, dbDim, writerDim), Period: 300, Evaluate: 2, Datapoints: 2},
	},
	compute.KindCache: {
		{Key: "cpu", Slug: "engine-cpu-high", Title: "engine CPU", Unit: "%", Min: 10, Max: 100, Default: fixed(80),
			Items: nodes,
			What: func(s Subject, item, t string) string {
				return "the engine thread of node " + item + " of " + s.Name + " is busier than " + t + " for 15 minutes"
			},
			Look:  "the slow log (SLOWLOG GET) and hot keys; the engine runs commands on one thread",
			Build: single("AWS/ElastiCache", "EngineCPUUtilization", "Average", gt, nodeDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "memory", Slug: "memory-high", Title: "memory used", Unit: "%", Min: 10, Max: 100, Default: fixed(80),
			Items: nodes,
			What: func(s Subject, item, t string) string {
				return "node " + item + " of " + s.Name + " uses more than " + t + " of its memory for data"
			},
			Look:  "keys without a TTL and the biggest keys (redis-cli --bigkeys); evictions follow",
			Build: single("AWS/ElastiCache", "DatabaseMemoryUsagePercentage", "Maximum", gt, nodeDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "evictions", Slug: "evictions", Title: "evictions", Unit: "keys", Min: 1, Max: 1e9, Default: fixed(1),
			Items: nodes,
			What: func(s Subject, item, t string) string {
				return "node " + item + " of " + s.Name + " evicts at least " + t + " keys every 5 minutes for 15 minutes"
			},
			Look:  "the memory-used alarm and the eviction policy; the node type may be too small for the data",
			Build: single("AWS/ElastiCache", "Evictions", "Sum", gte, nodeDim), Period: 300, Evaluate: 3, Datapoints: 3},
		{Key: "replicationLag", Slug: "replication-lag", Title: "replication lag", Unit: "s", Min: 1, Max: 3600, Default: fixed(10),
			Items:         nodes,
			Applies:       func(s Subject) bool { return len(s.Nodes) > 1 },
			NotApplicable: "it has no replica",
			What: func(s Subject, item, t string) string {
				return "node " + item + " of " + s.Name + ", as a replica, lags the primary by more than " + t
			},
			Look: "the primary's write rate and network (NetworkBytesOut) and whether a full resync is running",
			// Only replicas publish ReplicationLag, and which node is primary
			// changes on failover: every node has the alarm, a primary reports no data.
			Build: single("AWS/ElastiCache", "ReplicationLag", "Maximum", gt, nodeDim), Period: 60, Evaluate: 5, Datapoints: 5},
	},
	KindNAT: {
		{Key: "portAllocationErrors", Slug: "port-allocation-errors", Title: "NAT port allocation errors", Unit: "errors", Min: 1, Max: 1e9, Default: fixed(1),
			Items: func(s Subject) []string { return s.Zones },
			What: func(s Subject, item, t string) string {
				return "the NAT gateway in " + item + " fails at least " + t + " new connection in 5 minutes: it ran out of source ports to one destination"
			},
			Look:  "which workload opens many connections to one destination (flow logs), and connection reuse in its client; a second gateway address adds ports",
			Build: single("AWS/NATGateway", "ErrorPortAllocation", "Sum", gte, natDim), Period: 300, Evaluate: 1, Datapoints: 1},
	},
}

// scheduleFailures is the alarm of a scheduled workload's dead-letter queue:
// a start Scheduler gave up on is a run that never happened, which no other
// alarm sees (the job never failed: it never began).
var scheduleFailures = def{Key: "scheduleFailures", Slug: "schedule-failures", Title: "schedule could not start it", Unit: "starts", Min: 1, Max: 1e6, Default: fixed(1),
	Applies:       func(s Subject) bool { return s.Scheduled },
	NotApplicable: "it has no schedule",
	What: func(s Subject, _, t string) string {
		return "at least " + t + " scheduled start of " + s.Name + " failed every retry and waits in its dead-letter queue"
	},
	Look:  "the message in the schedule's dead-letter queue (<name>-schedule-dlq): it carries the error Scheduler got (permissions, throttling, a missing job definition or function)",
	Build: single("AWS/SQS", "ApproximateNumberOfMessagesVisible", "Maximum", gte, dlqDim), Period: 300, Evaluate: 1, Datapoints: 1}

func nodes(s Subject) []string { return s.Nodes }

func defOf(k compute.Kind, key string) (def, bool) {
	for _, d := range catalogue[k] {
		if d.Key == key {
			return d, true
		}
	}
	return def{}, false
}

// AlarmKeys lists the alarm keys of a kind, in plan order.
func AlarmKeys(k compute.Kind) []string {
	var out []string
	for _, d := range catalogue[k] {
		out = append(out, d.Key)
	}
	return out
}

// Plan lists every alarm of the subjects under the config's thresholds, in
// subject order, then catalogue order, then item order. With alarms off it
// returns nothing.
func Plan(c Config, subjects []Subject) []Alarm {
	if !c.On() {
		return nil
	}
	var out []Alarm
	for _, s := range subjects {
		overrides := c.Thresholds[s.Name]
		if s.Kind == KindNAT {
			overrides = c.NAT
		}
		for _, d := range catalogue[s.Kind] {
			if d.Applies != nil && !d.Applies(s) {
				continue
			}
			t, set := overrides[d.Key]
			if !set {
				t = d.Default(s)
			}
			items := []string{""}
			if d.Items != nil {
				items = d.Items(s)
			}
			for _, item := range items {
				a := Alarm{
					Subject: s.Name, Kind: s.Kind, Item: item, Key: d.Key, Title: d.Title,
					Threshold: t, Unit: d.Unit, Overridden: set,
					Period: d.Period, EvaluationPeriods: d.Evaluate, DatapointsToAlarm: d.Datapoints,
					TreatMissingData: "notBreaching",
				}
				a.Name = s.Name
				if item != "" {
					a.Name += "-" + item
				}
				a.Name += "-" + d.Slug
				d.Build(&a, s, item, t)
				a.Description = fmt.Sprintf("%s: %s (%s). Look first at: %s. Threshold key: %s.",
					capitalize(d.Title), d.What(s, item, fmtThreshold(t, d.Unit)), window(a), d.Look, thresholdKey(s, d.Key))
				out = append(out, a)
			}
		}
	}
	return out
}

// ThresholdKey is where the stack overrides the alarm's threshold.
func ThresholdKey(a Alarm) string {
	return thresholdKey(Subject{Name: a.Subject, Kind: a.Kind}, a.Key)
}

// Window says when the alarm fires, e.g. "3 of 5 one-minute periods".
func Window(a Alarm) string { return window(a) }

// Condition is the comparison and threshold in the configured unit: "> 1%",
// ">= 1 targets", "< 1638 MiB".
func Condition(a Alarm) string {
	op := map[string]string{gt: ">", gte: ">=", lt: "<"}[a.Comparison]
	switch a.Unit {
	case "%", "% of timeout":
		return op + " " + fmtNum(a.Threshold) + a.Unit
	}
	return op + " " + fmtNum(a.Threshold) + " " + a.Unit
}

// thresholdKey is where the stack overrides an alarm's threshold.
func thresholdKey(s Subject, key string) string {
	if s.Kind == KindNAT {
		return "platform:alarms.nat." + key
	}
	return "platform:alarms.thresholds." + s.Name + "." + key
}

// window describes when the alarm fires, e.g. "3 of 5 one-minute periods".
func window(a Alarm) string {
	p := "one-minute"
	if a.Period != 60 {
		p = fmt.Sprintf("%d-minute", a.Period/60)
	}
	if a.EvaluationPeriods == 1 {
		return "in one " + p + " period"
	}
	return fmt.Sprintf("%d of %d %s periods", a.DatapointsToAlarm, a.EvaluationPeriods, p)
}

// fmtThreshold renders a threshold for a sentence: "1%", "2 s", "512 MiB";
// counts go bare ("at least 1 task").
func fmtThreshold(v float64, unit string) string {
	switch unit {
	case "%", "% of timeout":
		return fmtNum(v) + "%"
	case "s", "ms", "MiB":
		return fmtNum(v) + " " + unit
	}
	return fmtNum(v)
}

func fmtNum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// classMemoryGiB is the memory of the Aurora instance classes whose size the
// defaults know, by size suffix; the burstable t classes are listed whole.
var classMemoryGiB = map[string]float64{
	"db.t3.medium": 4, "db.t3.large": 8, "db.t4g.medium": 4, "db.t4g.large": 8,
}

// memoryOf returns the memory of an Aurora instance class in GiB: r-family
// classes have 8 GiB per vCPU (large: 2 vCPUs), x2g 16.
func memoryOf(class string) (float64, bool) {
	if m, ok := classMemoryGiB[class]; ok {
		return m, true
	}
	parts := strings.Split(class, ".")
	if len(parts) != 3 || parts[0] != "db" {
		return 0, false
	}
	perVCPU := 0.0
	switch fam := parts[1]; {
	case strings.HasPrefix(fam, "x2"):
		perVCPU = 16
	case len(fam) >= 2 && fam[0] == 'r' && fam[1] >= '5' && fam[1] <= '8':
		perVCPU = 8
	default:
		return 0, false
	}
	vcpus := 0.0
	switch size := parts[2]; {
	case size == "large":
		vcpus = 2
	case size == "xlarge":
		vcpus = 4
	case strings.HasSuffix(size, "xlarge"):
		n, err := strconv.Atoi(strings.TrimSuffix(size, "xlarge"))
		if err != nil || n < 2 {
			return 0, false
		}
		vcpus = float64(4 * n)
	default:
		return 0, false
	}
	return perVCPU * vcpus, true
}

// defaultFreeableMiB is a tenth of the class's memory, or 512 MiB for a class
// the table does not know.
func defaultFreeableMiB(s Subject) float64 {
	if gib, ok := memoryOf(s.InstanceClass); ok {
		return math.Round(gib * 1024 / 10)
	}
	return 512
}

// defaultConnections is 80% of the engine's default max_connections for the
// class: aurora-postgresql LEAST(DBInstanceClassMemory/9531392, 5000);
// aurora-mysql from AWS's table (90 for 4 GiB up to 7000), approximated by
// memory. For a class the table does not know it is 400.
func defaultConnections(s Subject) float64 {
	gib, ok := memoryOf(s.InstanceClass)
	if !ok {
		return 400
	}
	var max float64
	if s.Engine == compute.EngineAuroraMySQL {
		switch {
		case gib <= 4:
			max = 90
		case gib <= 8:
			max = 135
		case gib <= 16:
			max = 1000
		case gib <= 32:
			max = 2000
		case gib <= 64:
			max = 3000
		case gib <= 128:
			max = 4000
		case gib <= 256:
			max = 5000
		case gib <= 512:
			max = 6000
		default:
			max = 7000
		}
	} else {
		max = math.Min(math.Floor(gib*1024*1024*1024/9531392), 5000)
	}
	return math.Floor(max * 0.8)
}
