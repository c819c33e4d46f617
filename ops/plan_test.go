package ops

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"pgregory.net/rapid"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
)

func keysOf(alarms []Alarm, subject string) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range alarms {
		if a.Subject == subject && !seen[a.Key] {
			seen[a.Key] = true
			out = append(out, a.Key)
		}
	}
	return out
}

func TestPlan_EveryKindGetsTheAlarmSetTheIssueLists(t *testing.T) {
	alarms := Plan(Config{}, testSubjects)
	for subject, want := range map[string][]string{
		"edge":    {"elb5xxRate", "target5xxRate", "unhealthyHosts", "targetResponseTime"},
		"web":     {"cpu", "statusCheckFailed"},
		"api":     {"cpu", "memory", "runningTasks"},
		"fn":      {"errorRate", "throttles", "durationNearTimeout"},
		"nightly": {"failedJobs", "scheduleFailures"},
		"db":      {"cpu", "freeableMemory", "replicaLag", "connections"},
		"solo":    {"cpu", "freeableMemory", "connections"},
		"cache":   {"cpu", "memory", "evictions", "replicationLag"},
		"single":  {"cpu", "memory", "evictions"},
		"nat":     {"portAllocationErrors"},
	} {
		if got := keysOf(alarms, subject); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v, want %v", subject, got, want)
		}
	}
}

func TestPlan_PerItemAlarmsCoverEveryTargetNodeAndZone(t *testing.T) {
	alarms := Plan(Config{}, testSubjects)
	var names []string
	for _, a := range alarms {
		names = append(names, a.Name)
	}
	for _, want := range []string{
		"edge-api-unhealthy-hosts", "edge-web-unhealthy-hosts",
		"cache-001-engine-cpu-high", "cache-003-replication-lag",
		"nat-us-east-1a-port-allocation-errors", "nat-us-east-1b-port-allocation-errors",
		"db-writer-cpu-high", "nightly-failed-jobs",
	} {
		if !contains(names, want) {
			t.Errorf("no alarm %s in %v", want, names)
		}
	}
	for _, a := range alarms {
		if a.Name == "edge-api-unhealthy-hosts" {
			if got := a.Metrics[0].Dimensions; got[0].Ref != "tg:api" || got[1].Ref != "lb" {
				t.Errorf("target group alarm dimensions %+v", got)
			}
		}
	}
}

func TestPlan_ThresholdsConvertToTheMetricsUnit(t *testing.T) {
	c := Config{Thresholds: map[string]map[string]float64{"fn": {"durationNearTimeout": 50}, "db": {"freeableMemory": 1024}}}
	byName := map[string]Alarm{}
	for _, a := range Plan(c, testSubjects) {
		byName[a.Name] = a
	}
	if a := byName["fn-duration-near-timeout"]; a.MetricThreshold != 30000 || !a.Overridden || a.Comparison != gte {
		t.Errorf("50%% of a 60 s timeout is 30000 ms: %+v", a)
	}
	if a := byName["db-writer-memory-low"]; a.MetricThreshold != 1024*1024*1024 || a.Comparison != lt {
		t.Errorf("1024 MiB in bytes, below: %+v", a)
	}
	// Defaults follow the instance class: db.r6g.large has 16 GiB.
	if a := byName["db-writer-connections-high"]; a.Threshold != 1441 || a.Overridden {
		t.Errorf("80%% of LEAST(16 GiB/9531392, 5000) = 1441: %+v", a)
	}
	if a := byName["solo-writer-memory-low"]; a.Threshold != 410 {
		t.Errorf("a tenth of db.t4g.medium's 4 GiB: %v", a.Threshold)
	}
	if a := byName["edge-elb-5xx-rate"]; a.Expression != "100 * FILL(part, 0) / whole" || len(a.Metrics) != 2 || a.BilledMetrics() != 2 {
		t.Errorf("a rate is metric math over two metrics: %+v", a)
	}
}

func TestPlan_DescriptionsSayWhatBrokeTheThresholdAndWhereToLook(t *testing.T) {
	for _, a := range Plan(Config{}, testSubjects) {
		for _, want := range []string{"Look first at: ", "Threshold key: platform:alarms."} {
			if !strings.Contains(a.Description, want) {
				t.Errorf("%s: %q lacks %q", a.Name, a.Description, want)
			}
		}
		if !strings.Contains(a.Description, a.Subject) {
			t.Errorf("%s: the description does not name %s: %q", a.Name, a.Subject, a.Description)
		}
		if len(a.Description) > 1024 {
			t.Errorf("%s: CloudWatch takes descriptions up to 1024 characters, got %d", a.Name, len(a.Description))
		}
	}
}

func TestPlan_AlarmsOffPlansNothing(t *testing.T) {
	off := false
	if got := Plan(Config{Enabled: &off, Reason: "dev"}, testSubjects); len(got) != 0 {
		t.Errorf("%d alarms with alarms off", len(got))
	}
}

func TestSubjectsOf_ReadsTheWorkloadsAndTheNATZones(t *testing.T) {
	c := compute.Config{
		"edge": {Kind: compute.KindALB, ALB: &compute.ALBSpec{DefaultTarget: "web", Routes: map[string]compute.Route{"r": {Target: "api"}}}},
		"fn":   {Kind: compute.KindLambda, Lambda: &compute.LambdaSpec{TimeoutSeconds: 30}},
		"kv":   {Kind: compute.KindCache, Cache: &compute.CacheSpec{Replicas: 2}},
		"db":   {Kind: compute.KindAurora, Aurora: &compute.AuroraSpec{Engine: "aurora-mysql", InstanceClass: "db.r6g.xlarge", Instances: 2}},
	}
	got := SubjectsOf(c, []string{"us-east-1b", "us-east-1a"})
	want := []Subject{
		{Name: "db", Kind: compute.KindAurora, Engine: "aurora-mysql", InstanceClass: "db.r6g.xlarge", Instances: 2},
		{Name: "edge", Kind: compute.KindALB, Targets: []string{"api", "web"}},
		{Name: "fn", Kind: compute.KindLambda, TimeoutSeconds: 30},
		{Name: "kv", Kind: compute.KindCache, Nodes: []string{"001", "002", "003"}},
		{Name: "nat", Kind: KindNAT, Zones: []string{"us-east-1a", "us-east-1b"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if d := defaultConnections(got[0]); d != 1600 {
		t.Errorf("aurora-mysql db.r6g.xlarge (32 GiB) allows 2000 connections; 80%% is 1600, got %v", d)
	}
}

func TestMemoryOf(t *testing.T) {
	for class, want := range map[string]float64{
		"db.r6g.large": 16, "db.r7i.xlarge": 32, "db.r8g.2xlarge": 64, "db.r6g.16xlarge": 512,
		"db.x2g.large": 32, "db.t4g.medium": 4, "db.t3.large": 8,
	} {
		if got, ok := memoryOf(class); !ok || got != want {
			t.Errorf("%s: %v %v, want %v", class, got, ok, want)
		}
	}
	for _, class := range []string{"db.serverless", "db.m5.large", "db.r6g.1xlarge", "cache.r6g.large", "db.r4.large"} {
		if _, ok := memoryOf(class); ok {
			t.Errorf("%s should be unknown", class)
		}
	}
}

// Whatever the stack declares, every planned alarm has a name unique in the
// stack and within CloudWatch's 255 characters, a threshold inside its
// configured range, and one alarm per item of a per-item alarm.
func TestPlan_NamesAreUniqueAndThresholdsInRange(t *testing.T) {
	kinds := []compute.Kind{compute.KindALB, compute.KindEC2, compute.KindECS, compute.KindLambda, compute.KindBatch, compute.KindAurora, compute.KindCache}
	rapid.Check(t, func(t *rapid.T) {
		n := rapid.IntRange(1, 12).Draw(t, "workloads")
		var subjects []Subject
		seen := map[string]bool{}
		for i := 0; i < n; i++ {
			name := rapid.StringMatching(`[a-z]([a-z0-9]|-[a-z0-9]){0,19}`).Draw(t, "name")
			if seen[name] || name == SubjectNAT {
				continue
			}
			seen[name] = true
			s := Subject{Name: name, Kind: rapid.SampledFrom(kinds).Draw(t, "kind"),
				TimeoutSeconds: rapid.IntRange(1, 900).Draw(t, "timeout"),
				Instances:      rapid.IntRange(1, 15).Draw(t, "instances"), Nodes: []string{"001", "002", "003", "004", "005", "006"}[:rapid.IntRange(1, 6).Draw(t, "nodes")],
				InstanceClass: rapid.SampledFrom([]string{"db.r6g.large", "db.t4g.medium", "db.x9.huge"}).Draw(t, "class")}
			if s.Kind == compute.KindALB {
				s.Targets = []string{"a", "b"}[:rapid.IntRange(1, 2).Draw(t, "targets")]
			}
			subjects = append(subjects, s)
		}
		sort.Slice(subjects, func(i, j int) bool { return subjects[i].Name < subjects[j].Name })
		subjects = append(subjects, Subject{Name: SubjectNAT, Kind: KindNAT, Zones: []string{"us-east-1a", "us-east-1b", "us-east-1c"}})
		var p problems.List
		Config{}.Validate("platform:alarms", ValidateContext{Subjects: subjects}, &p)
		if p.Len() > 0 {
			// A collision the config check refuses (a cache "c" and a workload "c-001").
			return
		}
		names := map[string]bool{}
		for _, a := range Plan(Config{}, subjects) {
			full := AlarmName("prod-platform-xyz", a)
			if names[full] || len(full) > 255 {
				t.Fatalf("alarm name %q repeated or too long", full)
			}
			names[full] = true
			d, ok := defOf(a.Kind, a.Key)
			if !ok || a.Threshold < d.Min || a.Threshold > d.Max {
				t.Fatalf("%s: default threshold %v outside %v..%v", a.Name, a.Threshold, d.Min, d.Max)
			}
			if len(a.Metrics) == 0 || a.EvaluationPeriods < a.DatapointsToAlarm || a.Period%60 != 0 {
				t.Fatalf("%s: malformed %+v", a.Name, a)
			}
		}
	})
}

func TestConfig_RejectsWorkloadsWhoseAlarmNamesCollide(t *testing.T) {
	var p problems.List
	Config{}.Validate("platform:alarms", ValidateContext{Subjects: []Subject{
		{Name: "c", Kind: compute.KindCache, Nodes: []string{"001"}}, {Name: "c-001", Kind: compute.KindECS},
	}}, &p)
	msgs := problems.Messages(p.Err())
	if len(msgs) != 1 || !strings.Contains(msgs[0], `workloads "c" and "c-001" would both own the alarm "c-001-memory-high"`) {
		t.Errorf("got %v", msgs)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
