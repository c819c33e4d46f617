package compute

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// Kind is what a workload is. It decides which spec the workload's config
// object is decoded into, which tier it lives in and what it may connect to.
type Kind string

// The workload kinds. The strings are the ones the security model uses.
const (
	KindALB    Kind = "alb"
	KindEC2    Kind = "ec2"
	KindECS    Kind = "ecs"
	KindLambda Kind = "lambda"
	KindBatch  Kind = "batch"
	KindAurora Kind = "aurora"
	KindCache  Kind = "cache"
)

// Kinds lists every kind in the order they are documented.
var Kinds = []Kind{KindALB, KindEC2, KindECS, KindLambda, KindBatch, KindAurora, KindCache}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// IsDataStore reports whether k lives in the isolated tier (aurora, cache).
func (k Kind) IsDataStore() bool { return k == KindAurora || k == KindCache }

// IsTarget reports whether an alb can forward to a workload of kind k.
func (k Kind) IsTarget() bool { return k == KindEC2 || k == KindECS }

// article is the kind with "a" or "an", for messages.
func (k Kind) article() string {
	if k != "" && strings.ContainsRune("aeiou", rune(k[0])) {
		return "an " + string(k)
	}
	return "a " + string(k)
}

// kindChoices is the list of kinds as a sentence, for messages.
const kindChoices = "alb, ec2, ecs, lambda, batch, aurora or cache"

// Config is the stack value `platform:workloads`: workloads by name. A name is
// lowercase letters, digits and single hyphens, starts with a letter and has
// at most MaxNameLen characters; it is the stable identity used in every
// resource name, so renaming a workload replaces its resources.
type Config map[string]Workload

// MaxNameLen bounds a workload name, so that `<prefix>-<name>-<suffix>` fits
// every AWS name limit the components rely on.
const MaxNameLen = 20

// Workload is one declared workload: its kind and the spec of that kind (the
// other spec pointers are nil).
type Workload struct {
	Kind   Kind
	ALB    *ALBSpec
	EC2    *EC2Spec
	ECS    *ECSSpec
	Lambda *LambdaSpec
	Batch  *BatchSpec
	Aurora *AuroraSpec
	Cache  *CacheSpec
}

// hasSpec reports whether the spec of the workload's kind is set (Decode
// always sets it; a Config built in Go might not).
func (w Workload) hasSpec() bool {
	switch w.Kind {
	case KindALB:
		return w.ALB != nil
	case KindEC2:
		return w.EC2 != nil
	case KindECS:
		return w.ECS != nil
	case KindLambda:
		return w.Lambda != nil
	case KindBatch:
		return w.Batch != nil
	case KindAurora:
		return w.Aurora != nil
	case KindCache:
		return w.Cache != nil
	}
	return false
}

// ALBSpec is an application load balancer (kind: alb). It terminates TLS and
// forwards to ec2 and ecs workloads.
type ALBSpec struct {
	Kind Kind `json:"kind"`
	// CertificateArn is the ACM certificate the HTTPS listener serves (the ARN of
	// a certificate in the stack's region). Required when platform:protect is
	// true. Without it (dev stacks only) there is no HTTPS listener: the HTTP
	// listener forwards plain HTTP to the targets and the run warns about it.
	CertificateArn string `json:"certificateArn,omitempty"`
	// InternetFacing puts the load balancer in the public subnets with a public
	// DNS name. Default true; false makes an internal load balancer in the
	// private subnets.
	InternetFacing bool `json:"internetFacing"`
	// AccessLogs writes the access logs to a private, encrypted S3 bucket.
	AccessLogs AccessLogs `json:"accessLogs"`
	// Routes maps a route name (lowercase letters, digits, hyphens) to a listener
	// rule; requests no route matches go to DefaultTarget.
	Routes map[string]Route `json:"routes,omitempty"`
	// DefaultTarget is the ec2 or ecs workload that gets every request no route
	// matches. Required.
	DefaultTarget string `json:"defaultTarget"`
	// IdleTimeoutSeconds closes idle connections; 1 to 4000, default 60.
	IdleTimeoutSeconds int `json:"idleTimeoutSeconds"`
}

// AccessLogs configures an alb's access logs.
type AccessLogs struct {
	// Enabled defaults to true; turning access logs off must be said explicitly.
	Enabled bool `json:"enabled"`
	// RetentionDays expires log objects after this many days; 1 to 3650, default 90.
	RetentionDays int `json:"retentionDays"`
}

// Route is one listener rule: requests matching any of Hosts (when given) and
// any of Paths (when given) go to Target.
type Route struct {
	// Priority orders the rules, lowest first; 1 to 50000, unique within the alb. Required.
	Priority int `json:"priority"`
	// Hosts are host-header patterns, e.g. api.example.com or *.example.com.
	Hosts []string `json:"hosts,omitempty"`
	// Paths are path patterns, e.g. /api/*. Hosts and paths together: 1 to 5 values.
	Paths []string `json:"paths,omitempty"`
	// Target is the ec2 or ecs workload the rule forwards to. Required.
	Target string `json:"target"`
}

// EC2Spec is an Auto Scaling group of instances in the private subnets (kind:
// ec2), reached only through Session Manager (no SSH key, no public IP).
type EC2Spec struct {
	Kind Kind `json:"kind"`
	// Port is the service port the instances listen on; default 8080.
	Port int `json:"port"`
	// InstanceType defaults to t3.small. Graviton types (t4g, m7g, ...) boot the
	// arm64 Amazon Linux 2023 image, every other type the x86_64 one.
	InstanceType string `json:"instanceType"`
	// MinSize is the fewest instances; default 2 (one per zone of a two-zone network), at least 1.
	MinSize int `json:"minSize"`
	// MaxSize is the most instances; default twice minSize.
	MaxSize int `json:"maxSize"`
	// DesiredCapacity is how many instances run; default minSize, between minSize and maxSize.
	DesiredCapacity int `json:"desiredCapacity"`
	// RootVolumeGiB sizes the encrypted gp3 root volume; default 20, 8 to 16384.
	RootVolumeGiB int `json:"rootVolumeGiB"`
	// HealthCheckPath is what an alb's health check requests; default "/".
	HealthCheckPath string `json:"healthCheckPath"`
	// InternetEgress lets the instances reach the internet on 443 through NAT; default false.
	InternetEgress bool `json:"internetEgress,omitempty"`
	// LegacySecurityGroups are security groups from before a migration, attached
	// beside the workload's own group while old and new run side by side, so
	// the new copy can reach what still admits only the old groups (an adopted
	// database, say). Remove them in the migration's contract stage. IDs like
	// sg-0a1b2c3d; at most 4, as an interface holds 5 groups.
	LegacySecurityGroups []string `json:"legacySecurityGroups,omitempty"`
	// UserData is the cloud-init script run at first boot (plain text; it is base64-encoded for you).
	UserData string `json:"userData,omitempty"`
}

// ECSSpec is an ECS service on Fargate in the private subnets (kind: ecs),
// running one container.
type ECSSpec struct {
	Kind Kind `json:"kind"`
	// Port is the container port; default 8080.
	Port int `json:"port"`
	// Image is the container image, e.g. an ECR repository URI with a tag or digest. Required.
	Image string `json:"image"`
	// CPU is the task's CPU units (1024 = 1 vCPU): 256, 512, 1024, 2048, 4096, 8192 or 16384; default 256.
	CPU int `json:"cpu"`
	// Memory is the task's memory in MiB; it must be a value Fargate accepts for
	// CPU (256: 512, 1024 or 2048; 512: 1024-4096; 1024: 2048-8192; 2048:
	// 4096-16384; 4096: 8192-30720, in steps of 1024; 8192: 16384-61440 in steps
	// of 4096; 16384: 32768-122880 in steps of 8192). Default 512.
	Memory int `json:"memory"`
	// DesiredCount is how many tasks run; default 2, at least 1.
	DesiredCount int `json:"desiredCount"`
	// HealthCheckPath is what an alb's health check requests; default "/".
	HealthCheckPath string `json:"healthCheckPath"`
	// LogRetentionDays keeps the container logs; a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// Environment sets the container's environment variables (not for secrets).
	Environment map[string]string `json:"environment,omitempty"`
	// InternetEgress lets the tasks reach the internet on 443 through NAT; default false.
	InternetEgress bool `json:"internetEgress,omitempty"`
	// LegacySecurityGroups are security groups from before a migration, attached
	// beside the workload's own group while old and new run side by side, so
	// the new copy can reach what still admits only the old groups (an adopted
	// database, say). Remove them in the migration's contract stage. IDs like
	// sg-0a1b2c3d; at most 4, as an interface holds 5 groups.
	LegacySecurityGroups []string `json:"legacySecurityGroups,omitempty"`
}

// LambdaSpec is a Lambda function attached to the private subnets (kind: lambda).
type LambdaSpec struct {
	Kind Kind `json:"kind"`
	// Runtime is a Lambda runtime identifier such as python3.13, nodejs22.x,
	// java21, dotnet8, ruby3.3 or provided.al2023. Required.
	Runtime string `json:"runtime"`
	// Handler is the function entry point, e.g. app.handler. Required.
	Handler string `json:"handler"`
	// Code is where the deployment package comes from. Required.
	Code LambdaCode `json:"code"`
	// MemoryMb is the function's memory (and so CPU share); 128 to 10240, default 256.
	MemoryMb int `json:"memoryMb"`
	// TimeoutSeconds bounds one invocation; 1 to 900, default 30.
	TimeoutSeconds int `json:"timeoutSeconds"`
	// ReservedConcurrency reserves (and caps) concurrent executions; optional,
	// 0 or more (0 stops every invocation). Unset means unreserved.
	ReservedConcurrency *int `json:"reservedConcurrency,omitempty"`
	// LogRetentionDays keeps the function's logs; a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// InternetEgress lets the function reach the internet on 443 through NAT; default false.
	InternetEgress bool `json:"internetEgress,omitempty"`
	// LegacySecurityGroups are security groups from before a migration, attached
	// beside the workload's own group while old and new run side by side, so
	// the new copy can reach what still admits only the old groups (an adopted
	// database, say). Remove them in the migration's contract stage. IDs like
	// sg-0a1b2c3d; at most 4, as an interface holds 5 groups.
	LegacySecurityGroups []string `json:"legacySecurityGroups,omitempty"`
	// Environment sets the function's environment variables (not for secrets).
	Environment map[string]string `json:"environment,omitempty"`
}

// LambdaCode is the deployment package: an S3 object (s3Bucket and s3Key,
// optionally s3ObjectVersion) or a local zip file (archive), exactly one.
type LambdaCode struct {
	S3Bucket        string `json:"s3Bucket,omitempty"`
	S3Key           string `json:"s3Key,omitempty"`
	S3ObjectVersion string `json:"s3ObjectVersion,omitempty"`
	// Archive is a path to a .zip (or .jar) file, relative to the project directory.
	Archive string `json:"archive,omitempty"`
}

// BatchSpec is an AWS Batch job on Fargate in the private subnets (kind:
// batch): a compute environment, a job queue and a job definition.
type BatchSpec struct {
	Kind Kind `json:"kind"`
	// Image is the container image. Required.
	Image string `json:"image"`
	// Vcpu is one job's vCPUs: 0.25, 0.5, 1, 2, 4, 8 or 16; default 1.
	Vcpu float64 `json:"vcpu"`
	// Memory is one job's memory in MiB, a value Fargate accepts for Vcpu (see
	// the ecs memory table; 0.25 vCPU = cpu 256); default 2048.
	Memory int `json:"memory"`
	// MaxVcpus caps the vCPUs of all running jobs together; default 16, at least Vcpu.
	MaxVcpus int `json:"maxVcpus"`
	// Command overrides the image's command.
	Command []string `json:"command,omitempty"`
	// LogRetentionDays keeps the job logs; a CloudWatch retention value, default 30.
	LogRetentionDays int `json:"logRetentionDays"`
	// InternetEgress lets the jobs reach the internet on 443 through NAT; default
	// false. Without it the image must come from ECR through the VPC endpoints.
	InternetEgress bool `json:"internetEgress,omitempty"`
	// LegacySecurityGroups are security groups from before a migration, attached
	// beside the workload's own group while old and new run side by side, so
	// the new copy can reach what still admits only the old groups (an adopted
	// database, say). Remove them in the migration's contract stage. IDs like
	// sg-0a1b2c3d; at most 4, as an interface holds 5 groups.
	LegacySecurityGroups []string `json:"legacySecurityGroups,omitempty"`
}

// AuroraSpec is an Aurora cluster in the isolated subnets (kind: aurora),
// encrypted, TLS-only, with its master password managed by Secrets Manager.
type AuroraSpec struct {
	Kind Kind `json:"kind"`
	// Engine is aurora-postgresql or aurora-mysql. Required.
	Engine string `json:"engine"`
	// EngineVersion, e.g. 16.4 (aurora-postgresql) or 8.0.mysql_aurora.3.08.0
	// (aurora-mysql). Required: upgrades are deliberate.
	EngineVersion string `json:"engineVersion"`
	// InstanceClass of every instance; default db.r6g.large.
	InstanceClass string `json:"instanceClass"`
	// Instances counts the writer and the readers; at least 1, default 2.
	// platform:protect needs at least 2 so that losing a zone fails over.
	Instances int `json:"instances"`
	// DatabaseName is the database created with the cluster; default the
	// workload name with hyphens turned into underscores.
	DatabaseName string `json:"databaseName"`
	// MasterUsername; default dbadmin. The password is generated and kept in
	// Secrets Manager by RDS, never in config or state.
	MasterUsername string `json:"masterUsername"`
	// BackupRetentionDays keeps automated backups; 1 to 35, default 14.
	BackupRetentionDays int `json:"backupRetentionDays"`
	// Port; default 5432 for aurora-postgresql, 3306 for aurora-mysql.
	Port int `json:"port"`
	// Parameters are cluster parameter group values. TLS is always required
	// (rds.force_ssl=1 / require_secure_transport=ON) and cannot be turned off here.
	Parameters map[string]string `json:"parameters,omitempty"`
}

// CacheSpec is an ElastiCache replication group (Redis OSS or Valkey) in the
// isolated subnets (kind: cache), encrypted in transit and at rest, with an
// auth token kept in Secrets Manager.
type CacheSpec struct {
	Kind Kind `json:"kind"`
	// Engine is redis or valkey. Required.
	Engine string `json:"engine"`
	// EngineVersion, e.g. 7.1 (redis) or 8.0 (valkey). Required.
	EngineVersion string `json:"engineVersion"`
	// NodeType; default cache.t4g.small.
	NodeType string `json:"nodeType"`
	// Replicas per primary; 0 to 5, default 1.
	Replicas int `json:"replicas"`
	// AutomaticFailover promotes a replica when the primary fails (and spreads
	// the nodes over zones); default true when replicas > 0. It needs a replica.
	AutomaticFailover bool `json:"automaticFailover"`
	// SnapshotRetentionDays keeps daily snapshots; 0 (none) to 35, default 7.
	SnapshotRetentionDays int `json:"snapshotRetentionDays"`
	// Port; default 6379.
	Port int `json:"port"`
}

// Defaults, named so that the docs and the code agree.
const (
	DefaultIdleTimeoutSeconds    = 60
	DefaultAccessLogDays         = 90
	DefaultServicePort           = 8080
	DefaultInstanceType          = "t3.small"
	DefaultMinSize               = 2
	DefaultRootVolumeGiB         = 20
	DefaultHealthCheckPath       = "/"
	DefaultCPU                   = 256
	DefaultMemory                = 512
	DefaultDesiredCount          = 2
	DefaultLogRetentionDays      = 30
	DefaultLambdaMemoryMb        = 256
	DefaultLambdaTimeoutSeconds  = 30
	DefaultBatchVcpu             = 1.0
	DefaultBatchMemory           = 2048
	DefaultMaxVcpus              = 16
	DefaultInstanceClass         = "db.r6g.large"
	DefaultAuroraInstances       = 2
	DefaultMasterUsername        = "dbadmin"
	DefaultBackupRetentionDays   = 14
	DefaultNodeType              = "cache.t4g.small"
	DefaultCacheReplicas         = 1
	DefaultSnapshotRetentionDays = 7
	DefaultCachePort             = 6379
)

// Aurora engines.
const (
	EngineAuroraPostgres = "aurora-postgresql"
	EngineAuroraMySQL    = "aurora-mysql"
)

// Decode reads the raw `platform:workloads` object strictly: each workload's
// kind first, then the whole object into that kind's spec, so a key the kind
// does not know is reported at its full path. Keys that are absent get their
// documented defaults; keys that are present keep their value, even zero, for
// Validate to judge.
func Decode(key string, raw any, p *problems.List) Config {
	var objs map[string]any
	decode.Into(key, raw, &objs, p)
	c := Config{}
	for _, name := range sortedKeys(objs) {
		k := key + "." + name
		var obj map[string]any
		decode.Into(k, objs[name], &obj, p)
		if obj == nil {
			continue
		}
		rawKind, ok := obj["kind"]
		if !ok {
			p.Add(k+".kind", "required; use %s", kindChoices)
			c[name] = Workload{}
			continue
		}
		var kindStr string
		decode.Into(k+".kind", rawKind, &kindStr, p)
		kind := Kind(kindStr)
		w := Workload{Kind: kind}
		has := func(path ...string) bool { return present(obj, path...) }
		switch kind {
		case KindALB:
			s := &ALBSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.ALB = s
		case KindEC2:
			s := &EC2Spec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.EC2 = s
		case KindECS:
			s := &ECSSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.ECS = s
		case KindLambda:
			s := &LambdaSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.Lambda = s
		case KindBatch:
			s := &BatchSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.Batch = s
		case KindAurora:
			s := &AuroraSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(name, has)
			w.Aurora = s
		case KindCache:
			s := &CacheSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.Cache = s
		default:
			// A kind that is not a string was reported by decode.Into at this
			// key already; only the first problem at a key is kept.
			p.Add(k+".kind", "%s", unknownKind(kindStr))
		}
		c[name] = w
	}
	return c
}

func unknownKind(k string) string {
	return fmt.Sprintf("%q is not a workload kind; use %s", k, kindChoices)
}

// present reports whether obj has a value at the nested path.
func present(obj map[string]any, path ...string) bool {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

func (s *ALBSpec) defaults(has func(...string) bool) {
	if !has("internetFacing") {
		s.InternetFacing = true
	}
	if !has("accessLogs", "enabled") {
		s.AccessLogs.Enabled = true
	}
	if !has("accessLogs", "retentionDays") {
		s.AccessLogs.RetentionDays = DefaultAccessLogDays
	}
	if !has("idleTimeoutSeconds") {
		s.IdleTimeoutSeconds = DefaultIdleTimeoutSeconds
	}
}

func (s *EC2Spec) defaults(has func(...string) bool) {
	if !has("port") {
		s.Port = DefaultServicePort
	}
	if !has("instanceType") {
		s.InstanceType = DefaultInstanceType
	}
	if !has("minSize") {
		s.MinSize = DefaultMinSize
	}
	if !has("maxSize") {
		s.MaxSize = 2 * s.MinSize
		if s.MaxSize < 1 {
			s.MaxSize = 1
		}
	}
	if !has("desiredCapacity") {
		s.DesiredCapacity = s.MinSize
	}
	if !has("rootVolumeGiB") {
		s.RootVolumeGiB = DefaultRootVolumeGiB
	}
	if !has("healthCheckPath") {
		s.HealthCheckPath = DefaultHealthCheckPath
	}
}

func (s *ECSSpec) defaults(has func(...string) bool) {
	if !has("port") {
		s.Port = DefaultServicePort
	}
	if !has("cpu") {
		s.CPU = DefaultCPU
	}
	if !has("memory") {
		s.Memory = DefaultMemory
	}
	if !has("desiredCount") {
		s.DesiredCount = DefaultDesiredCount
	}
	if !has("healthCheckPath") {
		s.HealthCheckPath = DefaultHealthCheckPath
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
}

func (s *LambdaSpec) defaults(has func(...string) bool) {
	if !has("memoryMb") {
		s.MemoryMb = DefaultLambdaMemoryMb
	}
	if !has("timeoutSeconds") {
		s.TimeoutSeconds = DefaultLambdaTimeoutSeconds
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
}

func (s *BatchSpec) defaults(has func(...string) bool) {
	if !has("vcpu") {
		s.Vcpu = DefaultBatchVcpu
	}
	if !has("memory") {
		s.Memory = DefaultBatchMemory
	}
	if !has("maxVcpus") {
		s.MaxVcpus = DefaultMaxVcpus
	}
	if !has("logRetentionDays") {
		s.LogRetentionDays = DefaultLogRetentionDays
	}
}

func (s *AuroraSpec) defaults(name string, has func(...string) bool) {
	if !has("instanceClass") {
		s.InstanceClass = DefaultInstanceClass
	}
	if !has("instances") {
		s.Instances = DefaultAuroraInstances
	}
	if !has("databaseName") {
		s.DatabaseName = strings.ReplaceAll(name, "-", "_")
	}
	if !has("masterUsername") {
		s.MasterUsername = DefaultMasterUsername
	}
	if !has("backupRetentionDays") {
		s.BackupRetentionDays = DefaultBackupRetentionDays
	}
	if !has("port") {
		s.Port = DefaultAuroraPort(s.Engine)
	}
}

// DefaultAuroraPort is the engine's conventional port: 3306 for aurora-mysql,
// 5432 otherwise.
func DefaultAuroraPort(engine string) int {
	if engine == EngineAuroraMySQL {
		return 3306
	}
	return 5432
}

func (s *CacheSpec) defaults(has func(...string) bool) {
	if !has("nodeType") {
		s.NodeType = DefaultNodeType
	}
	if !has("replicas") {
		s.Replicas = DefaultCacheReplicas
	}
	if !has("automaticFailover") {
		s.AutomaticFailover = s.Replicas > 0
	}
	if !has("snapshotRetentionDays") {
		s.SnapshotRetentionDays = DefaultSnapshotRetentionDays
	}
	if !has("port") {
		s.Port = DefaultCachePort
	}
}

// ValidateContext is what Validate needs to know about the rest of the stack.
type ValidateContext struct {
	// Protect is platform:protect: a production stack.
	Protect bool
	// IsolatedAZs and PrivateAZs count the zones of those tiers (0 when unknown).
	IsolatedAZs int
	PrivateAZs  int
	// HasPublicTier and HasIsolatedTier say which tiers the network has.
	HasPublicTier   bool
	HasIsolatedTier bool
}

// Names returns the workload names, sorted.
func (c Config) Names() []string { return sortedKeys(c) }

// Kind returns the kind of a workload as the security model spells it
// ("alb", "ec2", ...), or "" if there is no such workload.
func (c Config) Kind(name string) string { return string(c[name].Kind) }

// ServicePort returns the TCP port a workload accepts connections on: 443 for
// an alb (80 for a dev alb without a certificate, which listens on HTTP
// only), the configured port for ec2, ecs, aurora and cache, and 0 for lambda
// and batch, which accept none.
func (c Config) ServicePort(name string) int {
	w := c[name]
	switch {
	case w.ALB != nil && w.ALB.CertificateArn == "":
		return 80
	case w.ALB != nil:
		return 443
	case w.EC2 != nil:
		return w.EC2.Port
	case w.ECS != nil:
		return w.ECS.Port
	case w.Aurora != nil:
		return w.Aurora.Port
	case w.Cache != nil:
		return w.Cache.Port
	}
	return 0
}

// InternetEgress reports whether a compute workload asked for internet egress.
func (c Config) InternetEgress(name string) bool {
	w := c[name]
	switch {
	case w.EC2 != nil:
		return w.EC2.InternetEgress
	case w.ECS != nil:
		return w.ECS.InternetEgress
	case w.Lambda != nil:
		return w.Lambda.InternetEgress
	case w.Batch != nil:
		return w.Batch.InternetEgress
	}
	return false
}

// LegacyGroups returns the legacy security group IDs a compute workload carries.
func (c Config) LegacyGroups(name string) []string {
	w := c[name]
	switch {
	case w.EC2 != nil:
		return w.EC2.LegacySecurityGroups
	case w.ECS != nil:
		return w.ECS.LegacySecurityGroups
	case w.Lambda != nil:
		return w.Lambda.LegacySecurityGroups
	case w.Batch != nil:
		return w.Batch.LegacySecurityGroups
	}
	return nil
}

var legacyGroupPattern = regexp.MustCompile(`^sg-[0-9a-f]{8,17}$`)

// validateLegacyGroups checks the IDs; how many fit on an interface is the
// security model's check (it counts them with the workload's own group).
func validateLegacyGroups(k string, ids []string, p *problems.List) {
	seen := map[string]bool{}
	for i, id := range ids {
		ik := fmt.Sprintf("%s.legacySecurityGroups[%d]", k, i)
		switch {
		case !legacyGroupPattern.MatchString(id):
			p.Add(ik, "%q is not a security group ID like sg-0a1b2c3d4e5f60718", id)
		case seen[id]:
			p.Add(ik, "%s is listed twice", id)
		}
		seen[id] = true
	}
}

// InternetFacing reports whether a workload is an internet-facing alb.
func (c Config) InternetFacing(name string) bool {
	w := c[name]
	return w.ALB != nil && w.ALB.InternetFacing
}

// Summary is what the security model needs to know about one workload.
type Summary struct {
	Name           string
	Kind           string
	Port           int // 0: accepts no connections
	InternetEgress bool
	InternetFacing bool
	Key            string // full config key, e.g. platform:workloads.api
}

// Summaries lists every workload, sorted by name; key is the config key the
// workloads were decoded at (normally "platform:workloads").
func (c Config) Summaries(key string) []Summary {
	var out []Summary
	for _, n := range c.Names() {
		out = append(out, Summary{
			Name: n, Kind: c.Kind(n), Port: c.ServicePort(n),
			InternetEgress: c.InternetEgress(n), InternetFacing: c.InternetFacing(n),
			Key: key + "." + n,
		})
	}
	return out
}

// Target is what an alb needs to know about a workload it forwards to.
type Target struct {
	Kind            Kind // ec2 or ecs
	Port            int
	HealthCheckPath string
}

// TargetNames returns the workloads an alb forwards to (its default target and
// every route's target), sorted and without duplicates.
func (s ALBSpec) TargetNames() []string {
	set := map[string]bool{}
	if s.DefaultTarget != "" {
		set[s.DefaultTarget] = true
	}
	for _, r := range s.Routes {
		if r.Target != "" {
			set[r.Target] = true
		}
	}
	return sortedKeys(set)
}

// ALBTargets returns the targets of the alb named name, ready for LoadBalancerArgs.Targets.
func (c Config) ALBTargets(name string) map[string]Target {
	out := map[string]Target{}
	w := c[name]
	if w.ALB == nil {
		return out
	}
	for _, t := range w.ALB.TargetNames() {
		switch tw := c[t]; {
		case tw.EC2 != nil:
			out[t] = Target{Kind: KindEC2, Port: tw.EC2.Port, HealthCheckPath: tw.EC2.HealthCheckPath}
		case tw.ECS != nil:
			out[t] = Target{Kind: KindECS, Port: tw.ECS.Port, HealthCheckPath: tw.ECS.HealthCheckPath}
		}
	}
	return out
}

// RoutedBy returns the albs that forward to the workload name, sorted: an ec2
// or ecs workload registers with each of their target groups.
func (c Config) RoutedBy(name string) []string {
	var out []string
	for _, n := range c.Names() {
		if a := c[n].ALB; a != nil {
			for _, t := range a.TargetNames() {
				if t == name {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

var (
	namePattern  = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	envVarName   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	runtimeName  = regexp.MustCompile(`^(nodejs[0-9]+\.x|python3\.[0-9]+|java[0-9]+(\.al2)?|dotnet[0-9]+|ruby[0-9]+\.[0-9]+|provided(\.al2|\.al2023)?)$`)
	pgVersion    = regexp.MustCompile(`^[0-9]+\.[0-9]+$`)
	mysqlVersion = regexp.MustCompile(`^[0-9]+\.[0-9]+\.mysql_aurora\.[0-9]+\.[0-9]+\.[0-9]+$`)
	cacheVersion = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	dbIdentifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	acmARN       = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`)
)

// MaxRouteNameLen bounds a route name, which becomes part of a listener rule's name.
const MaxRouteNameLen = 32

// Validate checks every workload on its own and against the others and the
// network, recording every problem under key (normally "platform:workloads").
func (c Config) Validate(key string, v ValidateContext, p *problems.List) {
	for _, name := range c.Names() {
		w := c[name]
		k := key + "." + name
		if len(name) > MaxNameLen || !namePattern.MatchString(name) {
			p.Add(k, "workload name %q is not valid; use 1 to %d lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. \"api\")", name, MaxNameLen)
		}
		switch {
		case w.Kind == "":
			p.Add(k+".kind", "required; use %s", kindChoices)
			continue
		case !w.Kind.Valid():
			p.Add(k+".kind", "%s", unknownKind(string(w.Kind)))
			continue
		case !w.hasSpec():
			p.Add(k, "declares kind %s but carries no %s settings", w.Kind, w.Kind)
			continue
		}
		if w.Kind.IsDataStore() {
			switch {
			case !v.HasIsolatedTier:
				p.Add(k, "%s lives in the isolated tier (subnets with no route out) and the network has none; add platform:network.tiers.isolated", w.Kind.article())
			case v.IsolatedAZs > 0 && v.IsolatedAZs < 2:
				p.Add(k, "a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has %d", v.IsolatedAZs)
			}
		}
		validateLegacyGroups(k, c.LegacyGroups(name), p)
		switch {
		case w.ALB != nil:
			c.validateALB(k, *w.ALB, v, p)
		case w.EC2 != nil:
			w.EC2.validate(k, p)
		case w.ECS != nil:
			w.ECS.validate(k, p)
		case w.Lambda != nil:
			w.Lambda.validate(k, p)
		case w.Batch != nil:
			w.Batch.validate(k, p)
		case w.Aurora != nil:
			w.Aurora.validate(k, v, p)
		case w.Cache != nil:
			w.Cache.validate(k, p)
		}
	}
	c.validateNameCollisions(key, p)
}

func (c Config) validateALB(k string, s ALBSpec, v ValidateContext, p *problems.List) {
	switch {
	case s.CertificateArn == "" && v.Protect:
		p.Add(k+".certificateArn", "required in a protected (production) stack: set the ARN of the ACM certificate for the site's domain; without it the alb cannot serve HTTPS")
	case s.CertificateArn != "" && !acmARN.MatchString(s.CertificateArn):
		p.Add(k+".certificateArn", "%q is not an ACM certificate ARN; write arn:aws:acm:<region>:<account>:certificate/<id>", s.CertificateArn)
	}
	if s.InternetFacing && !v.HasPublicTier {
		p.Add(k+".internetFacing", "an internet-facing alb lives in the public tier and the network has none; add platform:network.tiers.public or set internetFacing: false")
	}
	if v.PrivateAZs > 0 && v.PrivateAZs < 2 {
		p.Add(k, "an alb needs subnets in at least 2 availability zones; the network has %d", v.PrivateAZs)
	}
	if s.IdleTimeoutSeconds < 1 || s.IdleTimeoutSeconds > 4000 {
		p.Add(k+".idleTimeoutSeconds", "must be between 1 and 4000 seconds, got %d", s.IdleTimeoutSeconds)
	}
	if s.AccessLogs.Enabled && (s.AccessLogs.RetentionDays < 1 || s.AccessLogs.RetentionDays > 3650) {
		p.Add(k+".accessLogs.retentionDays", "must be between 1 and 3650 days, got %d", s.AccessLogs.RetentionDays)
	}
	if s.DefaultTarget == "" {
		p.Add(k+".defaultTarget", "required; name the ec2 or ecs workload that gets every request no route matches")
	} else {
		c.checkTarget(k+".defaultTarget", s.DefaultTarget, p)
	}
	priorities := map[int]string{}
	for _, rn := range sortedKeys(s.Routes) {
		r := s.Routes[rn]
		rk := k + ".routes." + rn
		if len(rn) > MaxRouteNameLen || !namePattern.MatchString(rn) {
			p.Add(rk, "route name %q is not valid; use 1 to %d lowercase letters, digits and single hyphens, starting with a letter", rn, MaxRouteNameLen)
		}
		switch {
		case r.Priority < 1 || r.Priority > 50000:
			p.Add(rk+".priority", "must be between 1 and 50000, got %d", r.Priority)
		case priorities[r.Priority] != "":
			p.Add(rk+".priority", "priority %d is already used by route %q; every route of an alb needs its own priority", r.Priority, priorities[r.Priority])
		default:
			priorities[r.Priority] = rn
		}
		switch n := len(r.Hosts) + len(r.Paths); {
		case n == 0:
			p.Add(rk, "a route needs at least one of hosts or paths")
		case n > 5:
			p.Add(rk, "a route matches at most 5 values (hosts and paths together), got %d; split it into more routes", n)
		}
		for i, h := range r.Hosts {
			if h == "" || len(h) > 128 || strings.ContainsAny(h, " /") {
				p.Add(fmt.Sprintf("%s.hosts[%d]", rk, i), "%q is not a host pattern; write a host name such as api.example.com or *.example.com", h)
			}
		}
		for i, path := range r.Paths {
			if path == "" || len(path) > 128 || !(strings.HasPrefix(path, "/") || strings.HasPrefix(path, "*")) {
				p.Add(fmt.Sprintf("%s.paths[%d]", rk, i), "%q is not a path pattern; write a path such as /api/* (at most 128 characters)", path)
			}
		}
		if r.Target == "" {
			p.Add(rk+".target", "required; name the ec2 or ecs workload the route forwards to")
		} else {
			c.checkTarget(rk+".target", r.Target, p)
		}
	}
}

// checkTarget reports a target that is not a declared ec2 or ecs workload.
func (c Config) checkTarget(k, target string, p *problems.List) {
	w, ok := c[target]
	if !ok {
		msg := fmt.Sprintf("%q is not a declared workload", target)
		if best := decode.Closest(target, c.Names()); best != "" {
			msg += fmt.Sprintf("; did you mean %q?", best)
		} else {
			msg += "; declare it under platform:workloads or fix the name"
		}
		p.Add(k, "%s", msg)
		return
	}
	if w.Kind.Valid() && !w.Kind.IsTarget() {
		p.Add(k, "%q is %s workload; an alb forwards only to ec2 or ecs workloads", target, w.Kind.article())
	}
}

// validateNameCollisions rejects two albs whose target groups or listener
// rules would get one name: alb "web" with target "api-x" and alb "web-api"
// with target "x" both name a target group "web-api-x".
func (c Config) validateNameCollisions(key string, p *problems.List) {
	tgs := map[string]string{}
	rules := map[string]string{}
	for _, n := range c.Names() {
		a := c[n].ALB
		if a == nil {
			continue
		}
		for _, t := range a.TargetNames() {
			id := n + "-" + t
			if other, dup := tgs[id]; dup {
				p.Add(key+"."+n, "its target group for %q would be named %q like the one of %s; rename one of the workloads", t, id, other)
			}
			tgs[id] = fmt.Sprintf("alb %q", n)
		}
		for _, r := range sortedKeys(a.Routes) {
			id := n + "-" + r
			if other, dup := rules[id]; dup {
				p.Add(key+"."+n+".routes."+r, "its listener rule would be named %q like the one of %s; rename the route", id, other)
			}
			rules[id] = fmt.Sprintf("alb %q", n)
		}
	}
}

func checkPort(p *problems.List, k string, port int) {
	if port < 1 || port > 65535 {
		p.Add(k, "must be a TCP port between 1 and 65535, got %d", port)
	}
}

func checkHealthPath(p *problems.List, k, path string) {
	if !strings.HasPrefix(path, "/") || len(path) > 1024 {
		p.Add(k, "%q is not a path; write one starting with /, e.g. /healthz", path)
	}
}

func checkRetention(p *problems.List, k string, days int) {
	if !network.ValidRetention(days) {
		p.Add(k, "%d is not a retention CloudWatch accepts; use one of %s", days, joinInts(network.RetentionDays))
	}
}

func checkEnvironment(p *problems.List, k string, env map[string]string) {
	for _, n := range sortedKeys(env) {
		if !envVarName.MatchString(n) {
			p.Add(k+"."+n, "%q is not an environment variable name; use letters, digits and underscores, not starting with a digit", n)
		}
	}
}

func atLeastOne(p *problems.List, k string, n int) {
	if n < 1 {
		p.Add(k, "must be at least 1, got %d", n)
	}
}

func (s EC2Spec) validate(k string, p *problems.List) {
	checkPort(p, k+".port", s.Port)
	if s.InstanceType == "" || !strings.Contains(s.InstanceType, ".") {
		p.Add(k+".instanceType", "%q is not an instance type; write one such as %s", s.InstanceType, DefaultInstanceType)
	}
	atLeastOne(p, k+".minSize", s.MinSize)
	atLeastOne(p, k+".maxSize", s.MaxSize)
	atLeastOne(p, k+".desiredCapacity", s.DesiredCapacity)
	if s.MinSize >= 1 && s.MaxSize >= 1 && s.MinSize > s.MaxSize {
		p.Add(k+".maxSize", "maxSize %d is less than minSize %d", s.MaxSize, s.MinSize)
	} else if s.DesiredCapacity >= 1 && s.MinSize >= 1 && s.MaxSize >= 1 && (s.DesiredCapacity < s.MinSize || s.DesiredCapacity > s.MaxSize) {
		p.Add(k+".desiredCapacity", "desiredCapacity %d is outside minSize %d to maxSize %d", s.DesiredCapacity, s.MinSize, s.MaxSize)
	}
	if s.RootVolumeGiB < 8 || s.RootVolumeGiB > 16384 {
		p.Add(k+".rootVolumeGiB", "must be between 8 and 16384 GiB (the Amazon Linux 2023 image needs 8), got %d", s.RootVolumeGiB)
	}
	checkHealthPath(p, k+".healthCheckPath", s.HealthCheckPath)
	if len(s.UserData) > 16*1024*3/4 {
		p.Add(k+".userData", "is %d bytes; EC2 accepts 16 KiB after base64 encoding (about 12 KiB of script); fetch larger scripts from S3", len(s.UserData))
	}
}

func (s ECSSpec) validate(k string, p *problems.List) {
	checkPort(p, k+".port", s.Port)
	if strings.TrimSpace(s.Image) == "" {
		p.Add(k+".image", "required; set the container image, e.g. <account>.dkr.ecr.<region>.amazonaws.com/api:1.4.2")
	}
	checkFargate(p, k+".cpu", k+".memory", "cpu", fmt.Sprint(s.CPU), s.CPU, s.Memory)
	atLeastOne(p, k+".desiredCount", s.DesiredCount)
	checkHealthPath(p, k+".healthCheckPath", s.HealthCheckPath)
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
	checkEnvironment(p, k+".environment", s.Environment)
}

func (s LambdaSpec) validate(k string, p *problems.List) {
	switch {
	case s.Runtime == "":
		p.Add(k+".runtime", "required; set a Lambda runtime such as python3.13 or nodejs22.x")
	case !runtimeName.MatchString(s.Runtime):
		p.Add(k+".runtime", "%q is not a Lambda runtime; use one such as python3.13, nodejs22.x, java21, dotnet8, ruby3.3 or provided.al2023", s.Runtime)
	}
	if s.Handler == "" {
		p.Add(k+".handler", "required; set the entry point, e.g. app.handler")
	}
	c := s.Code
	s3 := c.S3Bucket != "" || c.S3Key != "" || c.S3ObjectVersion != ""
	switch {
	case s3 && c.Archive != "":
		p.Add(k+".code", "set either s3Bucket and s3Key or archive, not both")
	case !s3 && c.Archive == "":
		p.Add(k+".code", "required; set s3Bucket and s3Key (and optionally s3ObjectVersion) or archive (a local .zip file)")
	case s3 && c.S3Bucket == "":
		p.Add(k+".code.s3Bucket", "required with s3Key; name the bucket that holds the package")
	case s3 && c.S3Key == "":
		p.Add(k+".code.s3Key", "required with s3Bucket; name the package's object key")
	case c.Archive != "" && !(strings.HasSuffix(c.Archive, ".zip") || strings.HasSuffix(c.Archive, ".jar")):
		p.Add(k+".code.archive", "%q is not a .zip or .jar file; Lambda takes a zip archive", c.Archive)
	case c.Archive != "":
		// Pulumi reads the archive when it deploys; a missing file would only
		// surface then, after other resources have changed.
		if info, err := os.Stat(c.Archive); err != nil || info.IsDir() {
			p.Add(k+".code.archive", "%q does not exist (paths are relative to the project directory, where Pulumi.yaml is); build the package first", c.Archive)
		}
	}
	if s.MemoryMb < 128 || s.MemoryMb > 10240 {
		p.Add(k+".memoryMb", "must be between 128 and 10240 MB, got %d", s.MemoryMb)
	}
	if s.TimeoutSeconds < 1 || s.TimeoutSeconds > 900 {
		p.Add(k+".timeoutSeconds", "must be between 1 and 900 seconds, got %d", s.TimeoutSeconds)
	}
	if s.ReservedConcurrency != nil && *s.ReservedConcurrency < 0 {
		p.Add(k+".reservedConcurrency", "must be 0 or more, got %d; leave it out for unreserved concurrency", *s.ReservedConcurrency)
	}
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
	checkEnvironment(p, k+".environment", s.Environment)
}

func (s BatchSpec) validate(k string, p *problems.List) {
	if strings.TrimSpace(s.Image) == "" {
		p.Add(k+".image", "required; set the container image")
	}
	units, ok := batchVcpuUnits[s.Vcpu]
	if !ok {
		p.Add(k+".vcpu", "%v is not a Fargate vCPU value; use 0.25, 0.5, 1, 2, 4, 8 or 16", s.Vcpu)
	} else {
		checkFargate(p, k+".vcpu", k+".memory", "vcpu", formatVcpu(s.Vcpu), units, s.Memory)
	}
	atLeastOne(p, k+".maxVcpus", s.MaxVcpus)
	if s.MaxVcpus >= 1 && float64(s.MaxVcpus) < s.Vcpu {
		p.Add(k+".maxVcpus", "maxVcpus %d is less than one job's vcpu %v; no job could ever start", s.MaxVcpus, s.Vcpu)
	}
	for i, a := range s.Command {
		if a == "" && len(s.Command) == 1 {
			p.Add(fmt.Sprintf("%s.command[%d]", k, i), "an empty command; leave command out to run the image's own")
		}
	}
	checkRetention(p, k+".logRetentionDays", s.LogRetentionDays)
}

func (s AuroraSpec) validate(k string, v ValidateContext, p *problems.List) {
	switch s.Engine {
	case EngineAuroraPostgres:
		if s.EngineVersion == "" {
			p.Add(k+".engineVersion", "required; set the version, e.g. 16.4")
		} else if !pgVersion.MatchString(s.EngineVersion) {
			p.Add(k+".engineVersion", "%q is not an aurora-postgresql version; write major.minor, e.g. 16.4", s.EngineVersion)
		}
	case EngineAuroraMySQL:
		if s.EngineVersion == "" {
			p.Add(k+".engineVersion", "required; set the version, e.g. 8.0.mysql_aurora.3.08.0")
		} else if !mysqlVersion.MatchString(s.EngineVersion) {
			p.Add(k+".engineVersion", "%q is not an aurora-mysql version; write it as 8.0.mysql_aurora.3.08.0", s.EngineVersion)
		}
	case "":
		p.Add(k+".engine", "required; use aurora-postgresql or aurora-mysql")
	default:
		p.Add(k+".engine", "%q is not an Aurora engine; use aurora-postgresql or aurora-mysql", s.Engine)
	}
	if !strings.HasPrefix(s.InstanceClass, "db.") {
		p.Add(k+".instanceClass", "%q is not a DB instance class; write one such as %s", s.InstanceClass, DefaultInstanceClass)
	}
	switch {
	case s.Instances < 1:
		p.Add(k+".instances", "must be at least 1 (the writer), got %d", s.Instances)
	case v.Protect && s.Instances < 2:
		p.Add(k+".instances", "a protected (production) stack needs at least 2 instances, a writer and a reader in another zone to fail over to; got %d", s.Instances)
	}
	if !dbIdentifier.MatchString(s.DatabaseName) || len(s.DatabaseName) > 63 {
		p.Add(k+".databaseName", "%q is not a database name; use letters, digits and underscores, starting with a letter, at most 63 characters", s.DatabaseName)
	}
	if !dbIdentifier.MatchString(s.MasterUsername) || len(s.MasterUsername) > 16 {
		p.Add(k+".masterUsername", "%q is not a user name; use letters, digits and underscores, starting with a letter, at most 16 characters", s.MasterUsername)
	}
	if s.BackupRetentionDays < 1 || s.BackupRetentionDays > 35 {
		p.Add(k+".backupRetentionDays", "must be between 1 and 35 days, got %d", s.BackupRetentionDays)
	}
	checkPort(p, k+".port", s.Port)
	for _, n := range sortedKeys(s.Parameters) {
		pk := k + ".parameters." + n
		val := strings.TrimSpace(s.Parameters[n])
		switch {
		case n == "rds.force_ssl" && val != "1":
			p.Add(pk, "TLS is required for every connection; remove this parameter (the platform sets rds.force_ssl=1)")
		case n == "require_secure_transport" && !strings.EqualFold(val, "ON") && val != "1":
			p.Add(pk, "TLS is required for every connection; remove this parameter (the platform sets require_secure_transport=ON)")
		}
	}
}

func (s CacheSpec) validate(k string, p *problems.List) {
	switch s.Engine {
	case "redis", "valkey":
	case "":
		p.Add(k+".engine", "required; use redis or valkey")
	default:
		p.Add(k+".engine", "%q is not a cache engine; use redis or valkey", s.Engine)
	}
	switch {
	case s.EngineVersion == "":
		p.Add(k+".engineVersion", "required; set the version, e.g. 7.1 (redis) or 8.0 (valkey)")
	case !cacheVersion.MatchString(s.EngineVersion):
		p.Add(k+".engineVersion", "%q is not an engine version; write major.minor, e.g. 7.1", s.EngineVersion)
	}
	if !strings.HasPrefix(s.NodeType, "cache.") {
		p.Add(k+".nodeType", "%q is not a cache node type; write one such as %s", s.NodeType, DefaultNodeType)
	}
	switch {
	case s.Replicas < 0 || s.Replicas > 5:
		p.Add(k+".replicas", "must be between 0 and 5 replicas per primary, got %d", s.Replicas)
	case s.AutomaticFailover && s.Replicas == 0:
		p.Add(k+".automaticFailover", "failover without a replica: automatic failover promotes a replica, and replicas is 0; add a replica or set automaticFailover: false")
	}
	if s.SnapshotRetentionDays < 0 || s.SnapshotRetentionDays > 35 {
		p.Add(k+".snapshotRetentionDays", "must be between 0 and 35 days, got %d", s.SnapshotRetentionDays)
	}
	checkPort(p, k+".port", s.Port)
}

// AuroraFamily is the parameter group family of an engine and version:
// aurora-postgresql16 for 16.4, aurora-mysql8.0 for 8.0.mysql_aurora.3.08.0.
func AuroraFamily(engine, version string) string {
	parts := strings.Split(version, ".")
	if engine == EngineAuroraMySQL {
		if len(parts) >= 2 {
			return engine + parts[0] + "." + parts[1]
		}
		return engine + version
	}
	major := parts[0]
	// Before 10, PostgreSQL's major version had two parts (9.6).
	if len(parts) >= 2 && major == "9" {
		major += "." + parts[1]
	}
	return engine + major
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
