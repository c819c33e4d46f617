package compute

import (
	"strings"
	"testing"
)

const (
	tASGPolicy = "aws:autoscaling/policy:Policy"
	tAppTarget = "aws:appautoscaling/target:Target"
	tAppPolicy = "aws:appautoscaling/policy:Policy"
	tAlias     = "aws:lambda/alias:Alias"
	tPC        = "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig"
)

// scalingDoc is platformDoc with scaling on every kind that has it.
const scalingDoc = `{
  "web": {"kind": "alb", "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012",
          "routes": {"api": {"priority": 10, "hosts": ["api.example.com"], "target": "api"},
                     "admin": {"priority": 20, "paths": ["/admin/*"], "target": "legacy"}},
          "defaultTarget": "frontend"},
  "frontend": {"kind": "ecs", "image": "example/frontend:1.0", "cpu": 512, "memory": 1024},
  "api": {"kind": "ecs", "image": "example/api:2.3", "port": 9000, "desiredCount": 3,
          "scaling": {"minCount": 2, "maxCount": 10, "cpuTarget": 60, "scaleInCooldownSeconds": 600}},
  "worker": {"kind": "ecs", "image": "example/worker:1", "scaling": {"maxCount": 5}},
  "legacy": {"kind": "ec2", "minSize": 2, "maxSize": 4, "healthCheckPath": "/healthz", "scaling": {"cpuTarget": 40}, "ami": "ami-0abcdef1234567890"},
  "fixed": {"kind": "ec2", "minSize": 2, "maxSize": 2},
  "thumbs": {"kind": "lambda", "runtime": "python3.13", "handler": "app.handler", "code": {"s3Bucket": "artifacts", "s3Key": "thumbs.zip"},
             "reservedConcurrency": 50, "scaling": {"provisionedConcurrency": 5}},
  "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 3,
         "scaling": {"maxCount": 6, "connectionsTarget": 500}}
}`

func TestScaling_DefaultsPerKind(t *testing.T) {
	c := mustConfig(t, scalingDoc, prodCtx)
	for name, want := range map[string]Scaling{
		"api": {On: true, MinCount: 2, MaxCount: 10, CPUTarget: 60, MemoryTarget: 75, RequestsPerTarget: 1000,
			ScaleInCooldownSeconds: 600, ScaleOutCooldownSeconds: 60},
		"worker": {On: true, MinCount: 2, MaxCount: 5, CPUTarget: 50, MemoryTarget: 75, RequestsPerTarget: 1000,
			ScaleInCooldownSeconds: 300, ScaleOutCooldownSeconds: 60},
		"legacy": {On: true, MinCount: 2, MaxCount: 4, CPUTarget: 40, RequestsPerTarget: 1000, WarmupSeconds: 300},
		"fixed":  {},
		// Without a block an ecs service keeps its desiredCount.
		"frontend": {},
		"thumbs":   {On: true, ProvisionedConcurrency: 5},
		"db": {On: true, MinCount: 2, MaxCount: 6, ConnectionsTarget: 500,
			ScaleInCooldownSeconds: 300, ScaleOutCooldownSeconds: 300},
	} {
		equal(t, name, c.ScalingOf(name), want)
	}
	// An ec2 fleet with room to move scales without a block.
	equal(t, "platformDoc legacy", mustConfig(t, platformDoc, prodCtx).ScalingOf("legacy").On, true)
	// Aurora defaults: the readers it has, two more.
	db := mustConfig(t, `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 3, "scaling": {}}}`, prodCtx)
	equal(t, "aurora defaults", db.ScalingOf("db"), Scaling{On: true, MinCount: 2, MaxCount: 4, CPUTarget: 70, ScaleInCooldownSeconds: 300, ScaleOutCooldownSeconds: 300})
	off := mustConfig(t, `{"w": {"kind": "ec2", "minSize": 1, "maxSize": 3, "scaling": {"enabled": false}}}`, devCtx)
	equal(t, "enabled false", off.ScalingOf("w").On, false)
}

func TestScaling_AnUnsetDesiredCountStartsInsideTheScalingRange(t *testing.T) {
	for _, tc := range []struct {
		name, service string
		desired       int
	}{
		{"a range above the default starts at minCount", `"scaling": {"minCount": 3, "maxCount": 12}`, 3},
		{"a range below the default starts at maxCount", `"scaling": {"maxCount": 1}`, 1},
		{"a range around the default starts at the default", `"scaling": {"minCount": 1, "maxCount": 4}`, 2},
		{"no scaling keeps the default", `"cpu": 256`, DefaultDesiredCount},
		{"scaling off keeps the default", `"scaling": {"enabled": false, "minCount": 3}`, DefaultDesiredCount},
		{"a desiredCount the stack sets is kept", `"desiredCount": 5, "scaling": {"minCount": 3, "maxCount": 12}`, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := mustConfig(t, `{"s": {"kind": "ecs", "image": "example/s:1", `+tc.service+`}}`, devCtx)
			equal(t, "desiredCount", c["s"].ECS.DesiredCount, tc.desired)
		})
	}
}

func TestScaling_RejectsEachMistakeNamingTheKey(t *testing.T) {
	ecs := func(scaling string) string {
		return `{"s": {"kind": "ecs", "image": "example/s:1", "desiredCount": 2, "scaling": ` + scaling + `}}`
	}
	aurora := func(scaling string) string {
		return `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 3, "scaling": ` + scaling + `}}`
	}
	for _, tc := range []struct{ name, doc, want string }{
		{"target below 10", ecs(`{"cpuTarget": 9}`), "platform:workloads.s.scaling.cpuTarget: must be between 10 and 90 %, got 9"},
		{"target above 90", ecs(`{"memoryTarget": 91}`), "platform:workloads.s.scaling.memoryTarget: must be between 10 and 90 %, got 91"},
		{"min above max", ecs(`{"minCount": 2, "maxCount": 1}`), "platform:workloads.s.scaling.maxCount: maxCount 1 is less than minCount 2"},
		{"no tasks", ecs(`{"minCount": 0, "maxCount": 3}`), "platform:workloads.s.scaling.minCount: must be at least 1, got 0"},
		{"too many tasks", ecs(`{"maxCount": 5001}`), "platform:workloads.s.scaling.maxCount: must be at most 5000 tasks, got 5001"},
		{"negative cooldown", ecs(`{"scaleInCooldownSeconds": -1}`), "platform:workloads.s.scaling.scaleInCooldownSeconds: must be between 0 and 3600 seconds, got -1"},
		{"cooldown above an hour", ecs(`{"scaleOutCooldownSeconds": 3601}`), "platform:workloads.s.scaling.scaleOutCooldownSeconds: must be between 0 and 3600 seconds, got 3601"},
		{"desired outside the range", ecs(`{"minCount": 3, "maxCount": 6}`), "platform:workloads.s.desiredCount: desiredCount 2 is outside the scaling range 3 to 6"},
		{"a key ecs does not use", ecs(`{"warmupSeconds": 60}`), "platform:workloads.s.scaling.warmupSeconds: an ecs workload does not use warmupSeconds; its scaling keys are enabled, minCount, maxCount, cpuTarget, memoryTarget, requestsPerTarget, scaleInCooldownSeconds and scaleOutCooldownSeconds"},
		{"requests without an alb", ecs(`{"requestsPerTarget": 100}`), "platform:workloads.s.scaling.requestsPerTarget: s is not the target of any alb"},
		{"ec2 counts come from minSize and maxSize", `{"w": {"kind": "ec2", "minSize": 1, "maxSize": 3, "scaling": {"maxCount": 5}}}`, "platform:workloads.w.scaling.maxCount: an ec2 workload does not use maxCount"},
		{"ec2 with nothing to scale", `{"w": {"kind": "ec2", "minSize": 2, "maxSize": 2, "scaling": {}}}`, "platform:workloads.w.maxSize: the fleet has a scaling block but minSize and maxSize are both 2"},
		{"ec2 warmup", `{"w": {"kind": "ec2", "minSize": 1, "maxSize": 3, "scaling": {"warmupSeconds": 4000}}}`, "platform:workloads.w.scaling.warmupSeconds: must be between 0 and 3600 seconds"},
		{"aurora cpu and connections", aurora(`{"cpuTarget": 50, "connectionsTarget": 100}`), "platform:workloads.db.scaling.connectionsTarget: set either cpuTarget or connectionsTarget"},
		{"aurora over 15 readers", aurora(`{"maxCount": 16}`), "platform:workloads.db.scaling.maxCount: must be at most 15 readers, got 16"},
		{"aurora below its readers", aurora(`{"minCount": 0, "maxCount": 1}`), "platform:workloads.db.scaling.maxCount: maxCount 1 is below the 2 readers the cluster always has"},
		{"aurora memory", aurora(`{"memoryTarget": 50}`), "platform:workloads.db.scaling.memoryTarget: an aurora workload does not use memoryTarget"},
		{"lambda without provisioned concurrency", `{"f": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}, "scaling": {}}}`, "platform:workloads.f.scaling.provisionedConcurrency: required and at least 1"},
		{"lambda over its reservation", `{"f": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}, "reservedConcurrency": 4, "scaling": {"provisionedConcurrency": 5}}}`, "platform:workloads.f.scaling.provisionedConcurrency: 5 is more than reservedConcurrency 4"},
		{"a kind without scaling", `{"c": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "scaling": {}}}`, "platform:workloads.c.scaling: unknown key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := decodeJSON(t, tc.doc, devCtx)
			for _, m := range msgs {
				if strings.HasPrefix(m, tc.want) {
					return
				}
			}
			t.Errorf("want %q among\n%s", tc.want, strings.Join(msgs, "\n"))
		})
	}
	// The boundaries themselves are fine.
	mustConfig(t, ecs(`{"cpuTarget": 10, "memoryTarget": 90, "minCount": 2, "maxCount": 2, "scaleInCooldownSeconds": 0, "scaleOutCooldownSeconds": 3600}`), devCtx)
	mustConfig(t, aurora(`{"minCount": 0, "maxCount": 15}`), devCtx)
}

func TestScaling_FleetPoliciesTrackCPUAndEachLoadBalancersRequests(t *testing.T) {
	g := buildPlatform(t, scalingDoc, prodCtx)
	asg := named(t, g, tASG, "p-legacy")
	equal(t, "min", asg.Inputs["minSize"], 2.0)
	equal(t, "max", asg.Inputs["maxSize"], 4.0)
	equal(t, "the scaler owns the capacity", asg.IgnoreChanges, []string{"desiredCapacity"})
	cpu := named(t, g, tASGPolicy, "p-legacy-cpu")
	equal(t, "bound to its own group", cpu.Inputs["autoscalingGroupName"], asg.Outputs["name"])
	equal(t, "policy type", cpu.Inputs["policyType"], "TargetTrackingScaling")
	equal(t, "cpu metric", at(cpu.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification", "predefinedMetricType"), "ASGAverageCPUUtilization")
	equal(t, "cpu target", at(cpu.Inputs, "targetTrackingConfiguration", "targetValue"), 40.0)
	equal(t, "warmup", cpu.Inputs["estimatedInstanceWarmup"], 300.0)
	req := named(t, g, tASGPolicy, "p-legacy-requests-web")
	lb := named(t, g, tLB, "p-web")
	tg := named(t, g, tTargetGroup, "p-web-legacy")
	equal(t, "request label", at(req.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification", "resourceLabel"),
		lb.Outputs["arnSuffix"].(string)+"/"+tg.Outputs["arnSuffix"].(string))
	equal(t, "request metric", at(req.Inputs, "targetTrackingConfiguration", "predefinedMetricSpecification", "predefinedMetricType"), "ALBRequestCountPerTarget")
	if !strings.HasPrefix(req.Inputs["targetTrackingConfiguration"].(map[string]any)["predefinedMetricSpecification"].(map[string]any)["resourceLabel"].(string), "app/") {
		t.Error("the label must be app/<lb>/<id>/targetgroup/<tg>/<id>")
	}
	// A fleet without room to move gets no policy and keeps its count.
	for _, p := range g.OfType(tASGPolicy) {
		if strings.HasPrefix(p.Name, "p-fixed") {
			t.Errorf("fixed fleet has policy %s", p.Name)
		}
	}
	equal(t, "fixed keeps its desired capacity", named(t, g, tASG, "p-fixed").IgnoreChanges, []string(nil))
}

func TestScaling_ServiceTargetIsItsOwnServiceBetweenMinAndMax(t *testing.T) {
	g := buildPlatform(t, scalingDoc, prodCtx)
	svc := named(t, g, tService, "p-api")
	equal(t, "desiredCount is ignored once scaling is on", svc.IgnoreChanges, []string{"desiredCount"})
	equal(t, "the service starts at desiredCount", svc.Inputs["desiredCount"], 3.0)
	cluster := named(t, g, tCluster, "p-ecs")
	target := named(t, g, tAppTarget, "p-api-scaling")
	equal(t, "resource id", target.Inputs["resourceId"], "service/"+cluster.Outputs["name"].(string)+"/"+svc.Outputs["name"].(string))
	equal(t, "dimension", target.Inputs["scalableDimension"], "ecs:service:DesiredCount")
	equal(t, "namespace", target.Inputs["serviceNamespace"], "ecs")
	equal(t, "min", target.Inputs["minCapacity"], 2.0)
	equal(t, "max", target.Inputs["maxCapacity"], 10.0)
	metrics := map[string]float64{}
	for _, p := range g.OfType(tAppPolicy) {
		if !strings.HasPrefix(p.Name, "p-api-") {
			continue
		}
		equal(t, p.Name+" resource", p.Inputs["resourceId"], target.Inputs["resourceId"])
		equal(t, p.Name+" dimension", p.Inputs["scalableDimension"], "ecs:service:DesiredCount")
		cfg := p.Inputs["targetTrackingScalingPolicyConfiguration"]
		equal(t, p.Name+" scale-in cooldown", at(cfg, "scaleInCooldown"), 600.0)
		metrics[at(cfg, "predefinedMetricSpecification", "predefinedMetricType").(string)] = at(cfg, "targetValue").(float64)
	}
	equal(t, "api policies", metrics, map[string]float64{
		"ECSServiceAverageCPUUtilization": 60, "ECSServiceAverageMemoryUtilization": 75, "ALBRequestCountPerTarget": 1000,
	})
	// The worker has no load balancer: no request policy.
	for _, p := range g.OfType(tAppPolicy) {
		if strings.HasPrefix(p.Name, "p-worker-requests") {
			t.Errorf("worker has %s", p.Name)
		}
	}
	// frontend has no scaling block: no target, and its count stays managed.
	for _, tgt := range g.OfType(tAppTarget) {
		if tgt.Name == "p-frontend-scaling" {
			t.Error("frontend scales without a block")
		}
	}
	equal(t, "frontend keeps desiredCount", named(t, g, tService, "p-frontend").IgnoreChanges, []string(nil))
}

func TestScaling_AuroraReadersScaleOnTheirClusterAfterItsInstances(t *testing.T) {
	g := buildPlatform(t, scalingDoc, prodCtx)
	cl := named(t, g, tDBCluster, "p-db")
	target := named(t, g, tAppTarget, "p-db-scaling")
	equal(t, "resource id", target.Inputs["resourceId"], "cluster:"+cl.ID)
	equal(t, "dimension", target.Inputs["scalableDimension"], "rds:cluster:ReadReplicaCount")
	equal(t, "namespace", target.Inputs["serviceNamespace"], "rds")
	equal(t, "min", target.Inputs["minCapacity"], 2.0)
	equal(t, "max", target.Inputs["maxCapacity"], 6.0)
	for _, n := range []string{"p-db-1", "p-db-2", "p-db-3"} {
		if !dependsOn(g, target, tDBInstance, n) {
			t.Errorf("the scalable target does not wait for %s", n)
		}
	}
	p := named(t, g, tAppPolicy, "p-db-reader-connections")
	equal(t, "metric", at(p.Inputs, "targetTrackingScalingPolicyConfiguration", "predefinedMetricSpecification", "predefinedMetricType"), "RDSReaderAverageDatabaseConnections")
	equal(t, "target", at(p.Inputs, "targetTrackingScalingPolicyConfiguration", "targetValue"), 500.0)
}

func TestScaling_LambdaProvisionedConcurrencyOnThePublishedAlias(t *testing.T) {
	g := buildPlatform(t, scalingDoc, prodCtx)
	fn := named(t, g, tFunction, "p-thumbs")
	equal(t, "publishes versions", fn.Inputs["publish"], true)
	alias := named(t, g, tAlias, "p-thumbs-live")
	equal(t, "alias name", alias.Inputs["name"], "live")
	equal(t, "alias function", alias.Inputs["functionName"], fn.Outputs["name"])
	pc := named(t, g, tPC, "p-thumbs-live")
	equal(t, "qualifier", pc.Inputs["qualifier"], "live")
	equal(t, "function", pc.Inputs["functionName"], fn.Outputs["name"])
	equal(t, "executions", pc.Inputs["provisionedConcurrentExecutions"], 5.0)
	equal(t, "reserved stays", fn.Inputs["reservedConcurrentExecutions"], 50.0)
	plain := mustConfig(t, platformDoc, prodCtx)
	equal(t, "no block, no alias", plain.ScalingOf("thumbs").On, false)
}
