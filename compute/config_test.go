package compute

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
)

// platformDoc declares one workload of every kind, all valid.
const platformDoc = `{
  "web": {"kind": "alb", "certificateArn": "arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-aaaa-bbbb-cccc-123456789012",
          "routes": {"api": {"priority": 10, "hosts": ["api.example.com"], "target": "api"},
                     "admin": {"priority": 20, "paths": ["/admin/*"], "target": "legacy"}},
          "defaultTarget": "frontend"},
  "frontend": {"kind": "ecs", "image": "example/frontend:1.0", "cpu": 512, "memory": 1024},
  "api": {"kind": "ecs", "image": "example/api:2.3", "port": 9000, "internetEgress": true},
  "legacy": {"kind": "ec2", "minSize": 2, "maxSize": 4, "healthCheckPath": "/healthz", "ami": "ami-0abcdef1234567890"},
  "thumbs": {"kind": "lambda", "runtime": "python3.13", "handler": "app.handler", "code": {"s3Bucket": "artifacts", "s3Key": "thumbs.zip"}},
  "report": {"kind": "batch", "image": "example/report:1", "vcpu": 0.5, "memory": 2048, "command": ["report", "--daily"]},
  "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"},
  "sessions": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0"}
}`

func TestConfig_AFullPlatformIsValidInProduction(t *testing.T) {
	c := mustConfig(t, platformDoc, prodCtx)
	equal(t, "names", c.Names(), []string{"api", "db", "frontend", "legacy", "report", "sessions", "thumbs", "web"})
}

func TestConfig_SummariesGiveTheSecurityModelKindPortAndFlags(t *testing.T) {
	c := mustConfig(t, platformDoc, prodCtx)
	want := []Summary{
		{Name: "api", Kind: "ecs", Port: 9000, InternetEgress: true, Key: "platform:workloads.api"},
		{Name: "db", Kind: "aurora", Port: 5432, Key: "platform:workloads.db"},
		{Name: "frontend", Kind: "ecs", Port: 8080, Key: "platform:workloads.frontend"},
		{Name: "legacy", Kind: "ec2", Port: 8080, Key: "platform:workloads.legacy"},
		{Name: "report", Kind: "batch", Port: 0, Key: "platform:workloads.report"},
		{Name: "sessions", Kind: "cache", Port: 6379, Key: "platform:workloads.sessions"},
		{Name: "thumbs", Kind: "lambda", Port: 0, Key: "platform:workloads.thumbs"},
		{Name: "web", Kind: "alb", Port: 443, InternetFacing: true, Key: "platform:workloads.web"},
	}
	equal(t, "summaries", c.Summaries("platform:workloads"), want)
	equal(t, "kind of a missing workload", c.Kind("nope"), "")
	dev := mustConfig(t, `{"web": {"kind": "alb", "defaultTarget": "app"}, "app": {"kind": "ec2", "userData": "#!/bin/sh\nexec /opt/app"}}`, devCtx)
	equal(t, "port of a dev alb without certificate", dev.ServicePort("web"), 80)
	equal(t, "alb targets", c.ALBTargets("web"), map[string]Target{
		"api":      {Kind: KindECS, Port: 9000, HealthCheckPath: "/"},
		"frontend": {Kind: KindECS, Port: 8080, HealthCheckPath: "/"},
		"legacy":   {Kind: KindEC2, Port: 8080, HealthCheckPath: "/healthz"},
	})
	equal(t, "routed by", c.RoutedBy("legacy"), []string{"web"})
	equal(t, "not routed", c.RoutedBy("report"), []string(nil))
}

func TestDecode_AppliesTheDocumentedDefaultsToAbsentKeys(t *testing.T) {
	c := mustConfig(t, `{
	  "web": {"kind": "alb", "defaultTarget": "app"},
	  "app": {"kind": "ec2", "container": {"image": "i"}},
	  "svc": {"kind": "ecs", "image": "i"},
	  "fn": {"kind": "lambda", "runtime": "nodejs22.x", "handler": "index.handler", "code": {"archive": "testdata/fn.zip"}},
	  "job": {"kind": "batch", "image": "i"},
	  "my-db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0"},
	  "kv": {"kind": "cache", "engine": "redis", "engineVersion": "7.1"},
	  "kv0": {"kind": "cache", "engine": "redis", "engineVersion": "7.1", "replicas": 0},
	  "kv6": {"kind": "cache", "engine": "redis", "engineVersion": "6.2"},
	  "vk71": {"kind": "cache", "engine": "valkey", "engineVersion": "7.1"}
	}`, devCtx)
	tests := []struct {
		name      string
		got, want any
	}{
		{"alb", *c["web"].ALB, ALBSpec{Kind: "alb", InternetFacing: true, AccessLogs: AccessLogs{Enabled: true, RetentionDays: 90}, DefaultTarget: "app", IdleTimeoutSeconds: 60}},
		{"ec2", *c["app"].EC2, EC2Spec{Kind: "ec2", Port: 8080, InstanceType: "t3.small", MinSize: 2, MaxSize: 4, DesiredCapacity: 2, RootVolumeGiB: 20, HealthCheckPath: "/",
			Container: &ContainerApp{Image: "i", Port: 8080}, MinHealthyPercentage: 100}},
		{"ecs", *c["svc"].ECS, ECSSpec{Kind: "ecs", Port: 8080, Image: "i", CPU: 256, Memory: 512, DesiredCount: 2, HealthCheckPath: "/", LogRetentionDays: 30}},
		{"lambda", *c["fn"].Lambda, LambdaSpec{Kind: "lambda", Runtime: "nodejs22.x", Handler: "index.handler", Code: LambdaCode{Archive: "testdata/fn.zip"}, MemoryMb: 256, TimeoutSeconds: 30, LogRetentionDays: 30}},
		{"batch", *c["job"].Batch, BatchSpec{Kind: "batch", Image: "i", Vcpu: 1, Memory: 2048, MaxVcpus: 16, LogRetentionDays: 30}},
		{"aurora", *c["my-db"].Aurora, AuroraSpec{Kind: "aurora", StoreSpec: StoreSpec{Auth: "secret"}, Engine: "aurora-mysql", EngineVersion: "8.0.mysql_aurora.3.08.0", InstanceClass: "db.r6g.large", Instances: 2, DatabaseName: "my_db", MasterUsername: "dbadmin", BackupRetentionDays: 14, Port: 3306, LogRetentionDays: 30, ApplyImmediately: true}},
		{"cache", *c["kv"].Cache, CacheSpec{Kind: "cache", StoreSpec: StoreSpec{Auth: "iam"}, Engine: "redis", EngineVersion: "7.1", NodeType: "cache.t4g.small", Replicas: 1, AutomaticFailover: true, SnapshotRetentionDays: 7, Port: 6379, ApplyImmediately: true}},
		{"cache without replicas has no failover", c["kv0"].Cache.AutomaticFailover, false},
		{"redis before 7.0 has no IAM authentication, so its default is the secret", c["kv6"].Cache.Auth, AuthSecret},
		{"valkey before 7.2 has no IAM authentication either", c["vk71"].Cache.Auth, AuthSecret},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { equal(t, tt.name, tt.got, tt.want) })
	}
}

// Each case is one mistake and the exact problem it must produce.
func TestValidate_RejectsEachMistakeWithItsExactMessage(t *testing.T) {
	const ecs = `"app": {"kind": "ecs", "image": "i"}`
	tests := []struct {
		name string
		doc  string
		ctx  ValidateContext
		want string
	}{
		{"a misspelt key of the kind", `{"web": {"kind": "ec2", "instanceTyp": "t3.micro"}}`, devCtx,
			`platform:workloads.web.instanceTyp: unknown key; did you mean "instanceType"?`},
		{"a key another kind has", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "testdata/a.zip"}, "port": 80}}`, devCtx,
			`platform:workloads.fn.port: unknown key; known keys: code, environment, handler, internetEgress, kind, legacySecurityGroups, logRetentionDays, memoryMb, permissions, reservedConcurrency, runtime, scaling, schedule, timeoutSeconds, triggers`},
		{"an unknown kind", `{"x": {"kind": "rds"}}`, devCtx,
			`platform:workloads.x.kind: "rds" is not a workload kind; use alb, ec2, ecs, lambda, batch, aurora or cache`},
		{"no kind", `{"x": {"image": "i"}}`, devCtx,
			`platform:workloads.x.kind: required; use alb, ec2, ecs, lambda, batch, aurora or cache`},
		{"a workload whose every line is commented out (null)", `{"x": null}`, devCtx,
			`platform:workloads.x.kind: required; use alb, ec2, ecs, lambda, batch, aurora or cache (or remove platform:workloads.x)`},
		{"a kind that is not a string", `{"x": {"kind": 5}}`, devCtx,
			`platform:workloads.x.kind: want a string, got the number 5; quote it in the stack file ("5")`},
		{"a workload that is not an object", `{"x": "ecs"}`, devCtx,
			`platform:workloads.x: want an object, got "ecs"`},
		{"a bad workload name", `{"Web_1": {"kind": "ecs", "image": "i"}}`, devCtx,
			`platform:workloads.Web_1: workload name "Web_1" is not valid; use 1 to 20 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. "api")`},
		{"a name too long", `{"a-very-long-workload-name": {"kind": "ecs", "image": "i"}}`, devCtx,
			`platform:workloads.a-very-long-workload-name: workload name "a-very-long-workload-name" is not valid; use 1 to 20 lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. "api")`},

		{"fargate memory the cpu does not take", `{"api": {"kind": "ecs", "image": "i", "cpu": 256, "memory": 4096}}`, devCtx,
			`platform:workloads.api.memory: Fargate does not run cpu 256 with memory 4096; cpu 256 accepts memory 512, 1024 or 2048 (MiB)`},
		{"fargate memory off the step", `{"api": {"kind": "ecs", "image": "i", "cpu": 1024, "memory": 3000}}`, devCtx,
			`platform:workloads.api.memory: Fargate does not run cpu 1024 with memory 3000; cpu 1024 accepts memory 2048 to 8192 in steps of 1024 (MiB)`},
		{"fargate memory above the range", `{"api": {"kind": "ecs", "image": "i", "cpu": 8192, "memory": 65536}}`, devCtx,
			`platform:workloads.api.memory: Fargate does not run cpu 8192 with memory 65536; cpu 8192 accepts memory 16384 to 61440 in steps of 4096 (MiB)`},
		{"a cpu fargate lacks", `{"api": {"kind": "ecs", "image": "i", "cpu": 300}}`, devCtx,
			`platform:workloads.api.cpu: 300 is not a Fargate cpu value; use 256, 512, 1024, 2048, 4096, 8192 or 16384 (1024 = 1 vCPU)`},
		{"an ecs service without image", `{"api": {"kind": "ecs"}}`, devCtx,
			`platform:workloads.api.image: required; set the container image, e.g. <account>.dkr.ecr.<region>.amazonaws.com/api:1.4.2`},
		{"no tasks", `{"api": {"kind": "ecs", "image": "i", "desiredCount": 0}}`, devCtx,
			`platform:workloads.api.desiredCount: must be at least 1, got 0`},
		{"a retention cloudwatch lacks", `{"api": {"kind": "ecs", "image": "i", "logRetentionDays": 8}}`, devCtx,
			`platform:workloads.api.logRetentionDays: 8 is not a retention CloudWatch accepts; use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653`},
		{"a bad environment variable name", `{"api": {"kind": "ecs", "image": "i", "environment": {"1BAD": "x"}}}`, devCtx,
			`platform:workloads.api.environment.1BAD: "1BAD" is not an environment variable name; use letters, digits and underscores, not starting with a digit`},
		{"a port out of range", `{"api": {"kind": "ecs", "image": "i", "port": 70000}}`, devCtx,
			`platform:workloads.api.port: must be a TCP port between 1 and 65535, got 70000`},

		{"a batch vcpu fargate lacks", `{"job": {"kind": "batch", "image": "i", "vcpu": 0.3}}`, devCtx,
			`platform:workloads.job.vcpu: 0.3 is not a Fargate vCPU value; use 0.25, 0.5, 1, 2, 4, 8 or 16`},
		{"batch memory the vcpu does not take", `{"job": {"kind": "batch", "image": "i", "vcpu": 0.25, "memory": 4096}}`, devCtx,
			`platform:workloads.job.memory: Fargate does not run vcpu 0.25 with memory 4096; vcpu 0.25 accepts memory 512, 1024 or 2048 (MiB)`},
		{"maxVcpus below one job", `{"job": {"kind": "batch", "image": "i", "vcpu": 4, "memory": 8192, "maxVcpus": 2}}`, devCtx,
			`platform:workloads.job.maxVcpus: maxVcpus 2 is less than one job's vcpu 4; no job could ever start`},
		{"maxVcpus zero", `{"job": {"kind": "batch", "image": "i", "maxVcpus": 0}}`, devCtx,
			`platform:workloads.job.maxVcpus: must be at least 1, got 0`},

		{"ec2 minSize zero", `{"app": {"kind": "ec2", "minSize": 0, "maxSize": 2, "desiredCapacity": 1}}`, devCtx,
			`platform:workloads.app.minSize: must be at least 1, got 0`},
		{"ec2 min above max", `{"app": {"kind": "ec2", "minSize": 3, "maxSize": 2}}`, devCtx,
			`platform:workloads.app.maxSize: maxSize 2 is less than minSize 3`},
		{"ec2 desired outside min and max", `{"app": {"kind": "ec2", "minSize": 1, "maxSize": 2, "desiredCapacity": 5}}`, devCtx,
			`platform:workloads.app.desiredCapacity: desiredCapacity 5 is outside minSize 1 to maxSize 2`},
		{"ec2 root volume too small", `{"app": {"kind": "ec2", "rootVolumeGiB": 4}}`, devCtx,
			`platform:workloads.app.rootVolumeGiB: must be between 8 and 16384 GiB (the Amazon Linux 2023 image needs 8), got 4`},
		{"ec2 health check path without slash", `{"app": {"kind": "ec2", "healthCheckPath": "health"}}`, devCtx,
			`platform:workloads.app.healthCheckPath: "health" is not a path; write one starting with /, e.g. /healthz`},

		{"lambda code from two places", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "testdata/a.zip", "s3Bucket": "b", "s3Key": "k"}}}`, devCtx,
			`platform:workloads.fn.code: set either s3Bucket and s3Key or archive, not both`},
		{"lambda without code", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h"}}`, devCtx,
			`platform:workloads.fn.code: required; set s3Bucket and s3Key (and optionally s3ObjectVersion) or archive (a local .zip file)`},
		{"lambda s3 code without key", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"s3Bucket": "b"}}}`, devCtx,
			`platform:workloads.fn.code.s3Key: required with s3Bucket; name the package's object key`},
		{"lambda archive that does not exist", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "build/missing.zip"}}}`, devCtx,
			`platform:workloads.fn.code.archive: "build/missing.zip" does not exist (paths are relative to the project directory, where Pulumi.yaml is); build the package first`},
		{"lambda archive not a zip", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "src/"}}}`, devCtx,
			`platform:workloads.fn.code.archive: "src/" is not a .zip or .jar file; Lambda takes a zip archive`},
		{"lambda negative reserved concurrency", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "testdata/a.zip"}, "reservedConcurrency": -1}}`, devCtx,
			`platform:workloads.fn.reservedConcurrency: must be 0 or more, got -1; leave it out for unreserved concurrency`},
		{"lambda unknown runtime", `{"fn": {"kind": "lambda", "runtime": "python", "handler": "h", "code": {"archive": "testdata/a.zip"}}}`, devCtx,
			`platform:workloads.fn.runtime: "python" is not a Lambda runtime; use one such as python3.13, nodejs22.x, java21, dotnet8, ruby3.3 or provided.al2023`},
		{"lambda memory too small", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "testdata/a.zip"}, "memoryMb": 0}}`, devCtx,
			`platform:workloads.fn.memoryMb: must be between 128 and 10240 MB, got 0`},
		{"lambda timeout too long", `{"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "testdata/a.zip"}, "timeoutSeconds": 901}}`, devCtx,
			`platform:workloads.fn.timeoutSeconds: must be between 1 and 900 seconds, got 901`},

		{"aurora with one isolated zone", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"}}`,
			ValidateContext{IsolatedAZs: 1, PrivateAZs: 2, HasPublicTier: true, HasIsolatedTier: true},
			`platform:workloads.db: a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has 1`},
		{"cache with one isolated zone", `{"kv": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0"}}`,
			ValidateContext{IsolatedAZs: 1, PrivateAZs: 2, HasPublicTier: true, HasIsolatedTier: true},
			`platform:workloads.kv: a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has 1`},
		{"aurora without an isolated tier", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"}}`,
			ValidateContext{PrivateAZs: 2, HasPublicTier: true},
			`platform:workloads.db: an aurora lives in the isolated tier (subnets with no route out) and the network has none; add platform:network.tiers.isolated`},
		{"cache without an isolated tier", `{"kv": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0"}}`,
			ValidateContext{PrivateAZs: 2, HasPublicTier: true},
			`platform:workloads.kv: a cache lives in the isolated tier (subnets with no route out) and the network has none; add platform:network.tiers.isolated`},
		{"aurora with one instance in production", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 1}}`, prodCtx,
			`platform:workloads.db.instances: a protected (production) stack needs at least 2 instances, a writer and a reader in another zone to fail over to; got 1`},
		{"aurora with no instance", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 0}}`, devCtx,
			`platform:workloads.db.instances: must be at least 1 (the writer), got 0`},
		{"aurora with more instances than a cluster holds", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 17}}`, devCtx,
			`platform:workloads.db.instances: must be at most 16 (the writer and Aurora's 15 readers), got 17`},
		{"aurora postgresql 10, past its end of life", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "10.21"}}`, devCtx,
			`platform:workloads.db.engineVersion: Aurora PostgreSQL 10 has reached its end of life and RDS creates no new cluster on it; use a current version, e.g. 16.4`},
		{"aurora postgresql 9.6, past its end of life", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "9.6"}}`, devCtx,
			`platform:workloads.db.engineVersion: Aurora PostgreSQL 9 has reached its end of life and RDS creates no new cluster on it; use a current version, e.g. 16.4`},
		{"aurora mysql version 1, past its end of life", `{"db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "5.6.mysql_aurora.1.22.2"}}`, devCtx,
			`platform:workloads.db.engineVersion: Aurora MySQL version 1 (MySQL 5.6) has reached its end of life and RDS creates no new cluster on it; use version 3, e.g. 8.0.mysql_aurora.3.08.0`},
		{"aurora instance class with a misspelt size", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instanceClass": "db.r6g.lrage"}}`, devCtx,
			`platform:workloads.db.instanceClass: "db.r6g.lrage" is not a DB instance class: "lrage" is not a size; did you mean db.r6g.large?`},
		{"aurora instance class without a size", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instanceClass": "db.r6g"}}`, devCtx,
			`platform:workloads.db.instanceClass: "db.r6g" is not a DB instance class: write <family>.<size> after the prefix, e.g. db.r6g.large`},
		{"cache node type with a misspelt size", `{"kv": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.lrage"}}`, devCtx,
			`platform:workloads.kv.nodeType: "cache.r7g.lrage" is not a cache node type: "lrage" is not a size; did you mean cache.r7g.large?`},
		{"aurora with a plain engine", `{"db": {"kind": "aurora", "engine": "postgres", "engineVersion": "16.4"}}`, devCtx,
			`platform:workloads.db.engine: "postgres" is not an Aurora engine; use aurora-postgresql or aurora-mysql`},
		{"aurora without version", `{"db": {"kind": "aurora", "engine": "aurora-postgresql"}}`, devCtx,
			`platform:workloads.db.engineVersion: required; set the version, e.g. 16.4`},
		{"aurora mysql version written like postgres", `{"db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "8.0"}}`, devCtx,
			`platform:workloads.db.engineVersion: "8.0" is not an aurora-mysql version; write it as 8.0.mysql_aurora.3.08.0`},
		{"aurora backups beyond 35 days", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "backupRetentionDays": 36}}`, devCtx,
			`platform:workloads.db.backupRetentionDays: must be between 1 and 35 days, got 36`},
		{"aurora TLS turned off", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "parameters": {"rds.force_ssl": "0"}}}`, devCtx,
			`platform:workloads.db.parameters.rds.force_ssl: TLS is required for every connection; remove this parameter (the platform sets rds.force_ssl=1)`},
		{"aurora mysql TLS turned off", `{"db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "8.0.mysql_aurora.3.08.0", "parameters": {"require_secure_transport": "OFF"}}}`, devCtx,
			`platform:workloads.db.parameters.require_secure_transport: TLS is required for every connection; remove this parameter (the platform sets require_secure_transport=ON)`},
		{"aurora bad database name", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "databaseName": "my-db"}}`, devCtx,
			`platform:workloads.db.databaseName: "my-db" is not a database name; use letters, digits and underscores, starting with a letter, at most 63 characters`},

		{"cache failover without a replica", `{"kv": {"kind": "cache", "engine": "redis", "engineVersion": "7.1", "replicas": 0, "automaticFailover": true}}`, devCtx,
			`platform:workloads.kv.automaticFailover: failover without a replica: automatic failover promotes a replica, and replicas is 0; add a replica or set automaticFailover: false`},
		{"cache with too many replicas", `{"kv": {"kind": "cache", "engine": "redis", "engineVersion": "7.1", "replicas": 6}}`, devCtx,
			`platform:workloads.kv.replicas: must be between 0 and 5 replicas per primary, got 6`},
		{"cache with memcached", `{"kv": {"kind": "cache", "engine": "memcached", "engineVersion": "1.6"}}`, devCtx,
			`platform:workloads.kv.engine: "memcached" is not a cache engine; use redis or valkey`},
		{"cache snapshots beyond 35 days", `{"kv": {"kind": "cache", "engine": "redis", "engineVersion": "7.1", "snapshotRetentionDays": 40}}`, devCtx,
			`platform:workloads.kv.snapshotRetentionDays: must be between 0 and 35 days, got 40`},

		{"production alb without certificate", `{"web": {"kind": "alb", "defaultTarget": "app"}, ` + ecs + `}`, prodCtx,
			`platform:workloads.web.certificateArn: required in a protected (production) stack: set the ARN of the ACM certificate for the site's domain, or dns.createCertificate: true; without one the alb cannot serve HTTPS`},
		{"alb certificate that is not an ACM ARN", `{"web": {"kind": "alb", "defaultTarget": "app", "certificateArn": "arn:aws:iam::123456789012:server-certificate/x"}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.certificateArn: "arn:aws:iam::123456789012:server-certificate/x" is not an ACM certificate ARN; write arn:aws:acm:<region>:<account>:certificate/<id>`},
		{"alb without default target", `{"web": {"kind": "alb"}}`, devCtx,
			`platform:workloads.web.defaultTarget: required; name the ec2 or ecs workload that gets every request no route matches`},
		{"alb default target that is not declared", `{"web": {"kind": "alb", "defaultTarget": "ap"}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.defaultTarget: "ap" is not a declared workload; did you mean "app"?`},
		{"alb default target far from any name", `{"web": {"kind": "alb", "defaultTarget": "frontend"}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.defaultTarget: "frontend" is not a declared workload; declare it under platform:workloads or fix the name`},
		{"alb default target of a kind it cannot forward to", `{"web": {"kind": "alb", "defaultTarget": "db"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"}}`, devCtx,
			`platform:workloads.web.defaultTarget: "db" is an aurora workload; an alb forwards only to ec2 or ecs workloads`},
		{"alb route to a lambda", `{"web": {"kind": "alb", "defaultTarget": "app", "routes": {"fn": {"priority": 1, "paths": ["/fn"], "target": "fn"}}}, ` + ecs + `,
		  "fn": {"kind": "lambda", "runtime": "python3.13", "handler": "h", "code": {"archive": "testdata/a.zip"}}}`, devCtx,
			`platform:workloads.web.routes.fn.target: "fn" is a lambda workload; an alb forwards only to ec2 or ecs workloads`},
		{"alb route to a missing workload", `{"web": {"kind": "alb", "defaultTarget": "app", "routes": {"api": {"priority": 1, "paths": ["/api/*"], "target": "apii"}}}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.routes.api.target: "apii" is not a declared workload; did you mean "app"?`},
		{"alb routes sharing a priority", `{"web": {"kind": "alb", "defaultTarget": "app", "routes": {
		    "a": {"priority": 5, "paths": ["/a"], "target": "app"}, "b": {"priority": 5, "paths": ["/b"], "target": "app"}}}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.routes.b.priority: priority 5 is already used by route "a"; every route of an alb needs its own priority`},
		{"alb route priority out of range", `{"web": {"kind": "alb", "defaultTarget": "app", "routes": {"a": {"priority": 50001, "paths": ["/a"], "target": "app"}}}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.routes.a.priority: must be between 1 and 50000, got 50001`},
		{"alb route matching nothing", `{"web": {"kind": "alb", "defaultTarget": "app", "routes": {"a": {"priority": 1, "target": "app"}}}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.routes.a: a route needs at least one of hosts or paths`},
		{"alb route with a bad path", `{"web": {"kind": "alb", "defaultTarget": "app", "routes": {"a": {"priority": 1, "paths": ["api"], "target": "app"}}}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.routes.a.paths[0]: "api" is not a path pattern; write a path such as /api/* (at most 128 characters)`},
		{"internet-facing alb without a public tier", `{"web": {"kind": "alb", "defaultTarget": "app"}, ` + ecs + `}`,
			ValidateContext{IsolatedAZs: 2, PrivateAZs: 2, HasIsolatedTier: true},
			`platform:workloads.web.internetFacing: an internet-facing alb lives in the public tier and the network has none; add platform:network.tiers.public or set internetFacing: false`},
		{"alb idle timeout zero", `{"web": {"kind": "alb", "defaultTarget": "app", "idleTimeoutSeconds": 0}, ` + ecs + `}`, devCtx,
			`platform:workloads.web.idleTimeoutSeconds: must be between 1 and 4000 seconds, got 0`},
		{"two albs naming one target group alike", `{"web": {"kind": "alb", "defaultTarget": "api-x"}, "web-api": {"kind": "alb", "defaultTarget": "x"},
		  "api-x": {"kind": "ecs", "image": "i"}, "x": {"kind": "ecs", "image": "i"}}`, devCtx,
			`platform:workloads.web-api: its target group for "x" would be named "web-api-x" like the one of alb "web"; rename one of the workloads`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, msgs := decodeJSON(t, tt.doc, tt.ctx)
			if !slices.Contains(msgs, tt.want) {
				t.Errorf("want problem\n  %s\ngot\n  %s", tt.want, strings.Join(msgs, "\n  "))
			}
		})
	}
}

func TestValidate_ReportsEveryProblemAtOnce(t *testing.T) {
	_, msgs := decodeJSON(t, `{
	  "web": {"kind": "alb", "defaultTarget": "db", "routes": {"r": {"priority": 0, "paths": ["/x"], "target": "ghost"}}},
	  "app": {"kind": "ec2", "instanceTyp": "t3.micro", "minSize": 3, "maxSize": 1},
	  "api": {"kind": "ecs", "image": "i", "cpu": 256, "memory": 4096},
	  "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 1},
	  "kv": {"kind": "cache", "engine": "redis", "engineVersion": "7.1", "replicas": 0, "automaticFailover": true},
	  "x": {"kind": "rds"}
	}`, ValidateContext{Protect: true, IsolatedAZs: 1, PrivateAZs: 2, HasPublicTier: true, HasIsolatedTier: true})
	want := []string{
		`platform:workloads.api.memory: Fargate does not run cpu 256 with memory 4096; cpu 256 accepts memory 512, 1024 or 2048 (MiB)`,
		`platform:workloads.app.instanceTyp: unknown key; did you mean "instanceType"?`,
		`platform:workloads.app.maxSize: maxSize 1 is less than minSize 3`,
		`platform:workloads.db: a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has 1`,
		`platform:workloads.db.instances: a protected (production) stack needs at least 2 instances, a writer and a reader in another zone to fail over to; got 1`,
		`platform:workloads.kv: a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has 1`,
		`platform:workloads.kv.automaticFailover: failover without a replica: automatic failover promotes a replica, and replicas is 0; add a replica or set automaticFailover: false`,
		`platform:workloads.web.certificateArn: required in a protected (production) stack: set the ARN of the ACM certificate for the site's domain, or dns.createCertificate: true; without one the alb cannot serve HTTPS`,
		`platform:workloads.web.defaultTarget: "db" is an aurora workload; an alb forwards only to ec2 or ecs workloads`,
		`platform:workloads.web.routes.r.priority: must be between 1 and 50000, got 0`,
		`platform:workloads.web.routes.r.target: "ghost" is not a declared workload; declare it under platform:workloads or fix the name`,
		`platform:workloads.x.kind: "rds" is not a workload kind; use alb, ec2, ecs, lambda, batch, aurora or cache`,
	}
	equal(t, "problems", msgs, want)
}

func TestValidate_RejectsAGoBuiltWorkloadWithoutItsSpec(t *testing.T) {
	var p problems.List
	Config{"api": {Kind: KindECS}}.Validate("platform:workloads", devCtx, &p)
	equal(t, "problems", problems.Messages(p.Err()), []string{"platform:workloads.api: declares kind ecs but carries no ecs settings"})
}

func TestValidate_AcceptsEveryFargateSizeAWSLists(t *testing.T) {
	accepted := map[int][]int{
		256:   {512, 1024, 2048},
		512:   {1024, 2048, 3072, 4096},
		1024:  {2048, 3072, 4096, 5120, 6144, 7168, 8192},
		2048:  {4096, 16384},
		4096:  {8192, 30720},
		8192:  {16384, 20480, 61440},
		16384: {32768, 40960, 122880},
	}
	rejected := map[int][]int{
		256:   {256, 1536, 3072},
		512:   {512, 1536, 5120},
		1024:  {1024, 2560, 9216},
		2048:  {2048, 17408},
		4096:  {7168, 31744},
		8192:  {17408, 65536},
		16384: {36864, 131072},
	}
	for cpu, mems := range accepted {
		for _, m := range mems {
			if !FargateMemoryOK(cpu, m) {
				t.Errorf("cpu %d memory %d rejected", cpu, m)
			}
		}
	}
	for cpu, mems := range rejected {
		for _, m := range mems {
			if FargateMemoryOK(cpu, m) {
				t.Errorf("cpu %d memory %d accepted", cpu, m)
			}
		}
	}
}

func TestAuroraFamily_FollowsEngineAndMajorVersion(t *testing.T) {
	for _, tt := range []struct{ engine, version, want string }{
		{"aurora-postgresql", "16.4", "aurora-postgresql16"},
		{"aurora-postgresql", "13.12", "aurora-postgresql13"},
		{"aurora-mysql", "8.0.mysql_aurora.3.08.0", "aurora-mysql8.0"},
		{"aurora-mysql", "5.7.mysql_aurora.2.12.1", "aurora-mysql5.7"},
	} {
		equal(t, tt.engine+" "+tt.version, AuroraFamily(tt.engine, tt.version), tt.want)
	}
}

func TestAMIParameter_GravitonTypesBootTheArmImage(t *testing.T) {
	for typ, want := range map[string]string{
		"t3.small": AMIParameterX86, "m7i-flex.large": AMIParameterX86, "g5.xlarge": AMIParameterX86, "c7a.large": AMIParameterX86,
		"t4g.small": AMIParameterARM, "m7g.large": AMIParameterARM, "c7gn.large": AMIParameterARM, "r8g.large": AMIParameterARM,
		"g5g.xlarge": AMIParameterARM, "a1.medium": AMIParameterARM,
	} {
		equal(t, typ, AMIParameter(typ), want)
	}
}

func TestKinds_AreTheSecurityModelsStrings(t *testing.T) {
	var got []string
	for _, k := range Kinds {
		got = append(got, string(k))
	}
	equal(t, "kinds", got, []string{"alb", "ec2", "ecs", "lambda", "batch", "aurora", "cache"})
	if reflect.TypeOf(Config{}).Kind() != reflect.Map {
		t.Error("Config is a map by workload name")
	}
}

func TestValidate_AFleetSizeThatIsWrongIsReportedOnlyAtItsOwnKey(t *testing.T) {
	for _, tc := range []struct{ name, fleet, want string }{
		{"minSize written as a string", `"minSize": "3", "maxSize": 6`, `platform:workloads.w.minSize: want a whole number, got "3"`},
		{"minSize 0", `"minSize": 0, "maxSize": 6`, "platform:workloads.w.minSize: must be at least 1, got 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, msgs := decodeJSON(t, `{"w": {"kind": "ec2", "ami": "ami-0abcdef1234567890", `+tc.fleet+`}}`, devCtx)
			if len(msgs) != 1 || msgs[0] != tc.want {
				t.Errorf("want only [%s], got %v", tc.want, msgs)
			}
		})
	}
}

// AWS's instance classes and node types of every shape pass: sizes from
// micro to 48xlarge and metal, families with suffixes, Aurora Serverless v2,
// and a cluster of the writer and 15 readers.
func TestValidate_AcceptsEveryShapeOfInstanceClassAndNodeType(t *testing.T) {
	for _, class := range []string{"db.t4g.medium", "db.r6g.large", "db.r7g.16xlarge", "db.x2iedn.32xlarge", "db.r6id.metal", "db.serverless"} {
		mustConfig(t, `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 16, "instanceClass": "`+class+`"}}`, devCtx)
	}
	for _, node := range []string{"cache.t4g.micro", "cache.r7g.large", "cache.m7g.16xlarge", "cache.r6gd.xlarge"} {
		mustConfig(t, `{"kv": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "nodeType": "`+node+`"}}`, devCtx)
	}
}

// A cache whose engine or version is itself wrong is reported at that key
// alone: what IAM authentication needs is said of a real engine and version.
func TestValidate_AWrongCacheEngineOrVersionIsNotAlsoAnAuthProblem(t *testing.T) {
	for _, tt := range []struct {
		doc  string
		want []string
	}{
		{`{"kv": {"kind": "cache", "engine": "valkey", "engineVersion": 8, "auth": "iam"}}`,
			[]string{`platform:workloads.kv.engineVersion: want a string, got the number 8; write the version in quotes, e.g. "8.0": YAML reads an unquoted 8.0 as the number 8`}},
		{`{"kv": {"kind": "cache", "engine": "memcached", "engineVersion": "1.6", "auth": "iam"}}`,
			[]string{`platform:workloads.kv.engine: "memcached" is not a cache engine; use redis or valkey`}},
		{`{"kv": {"kind": "cache", "engine": "redis", "engineVersion": "6.2", "auth": "iam"}}`,
			[]string{`platform:workloads.kv.auth: redis 6.2 has no IAM authentication (it needs valkey 7.2 or later, or redis 7.0 or later); upgrade the engine or use auth: secret`}},
	} {
		_, msgs := decodeJSON(t, tt.doc, devCtx)
		equal(t, tt.doc, msgs, tt.want)
	}
}

// Every size AWS names a class with passes: small ones, <n>xlarge and the
// metal ones; a misspelt or missing size does not.
func TestClassSizes_AcceptWhatAWSNamesAndNothingElse(t *testing.T) {
	for _, c := range []struct {
		class string
		ok    bool
	}{
		{"db.t4g.micro", true}, {"db.r6g.large", true}, {"db.r7g.16xlarge", true}, {"db.x2iedn.24xlarge", true},
		{"db.m7i.metal-48xl", true}, {"db.r6gd.metal", true}, {"cache.t4g.micro", true}, {"cache.r6gd.xlarge", true},
		{"db.r6g.lrage", false}, {"cache.r7g", false}, {"db.r6g.0xlarge", false}, {"db.m7i.metal-xl", false},
	} {
		if got := badClassSize(c.class) == ""; got != c.ok {
			t.Errorf("%s: accepted %v, want %v (%s)", c.class, got, c.ok, badClassSize(c.class))
		}
	}
}

// The oldest versions RDS still creates clusters on pass: PostgreSQL 11 (the
// first under RDS Extended Support) and Aurora MySQL version 2.
func TestValidate_TheOldestCreatableAuroraVersionsPass(t *testing.T) {
	for _, doc := range []string{
		`{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "11.21"}}`,
		`{"db": {"kind": "aurora", "engine": "aurora-mysql", "engineVersion": "5.7.mysql_aurora.2.12.4"}}`,
	} {
		c := mustConfig(t, doc, devCtx)
		if c["db"].Aurora == nil {
			t.Errorf("%s: no aurora spec", doc)
		}
	}
}

// An adopted cluster runs what it runs: its version is not refused for age
// (the import must match it), only a cluster the stack creates is.
func TestValidate_AnAdoptedClusterKeepsAVersionPastItsEndOfLife(t *testing.T) {
	for _, adopt := range []bool{false, true} {
		s := AuroraSpec{Engine: EngineAuroraPostgres, EngineVersion: "10.21", InstanceClass: "db.r6g.large", Instances: 2}
		if adopt {
			s.Adopt = &AuroraAdopt{}
		}
		var p problems.List
		s.validate("platform:workloads.db", devCtx, &p)
		refused := strings.Contains(strings.Join(problems.Messages(p.Err()), "\n"), "has reached its end of life")
		if refused == adopt {
			t.Errorf("adopted %v: refused for its age %v", adopt, refused)
		}
	}
}
