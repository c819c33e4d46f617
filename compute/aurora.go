package compute

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/awsenv"
)

// DatabaseArgs are the inputs of an aurora workload.
type DatabaseArgs struct {
	// Workload is the config name (tags).
	Workload string
	Spec     AuroraSpec
	// IsolatedSubnetIDs hold the cluster: the isolated tier, no route out.
	IsolatedSubnetIDs pulumi.StringArrayInput
	// IsolatedAZs are the isolated tier's zones; instances are spread over them
	// round-robin in sorted order.
	IsolatedAZs []string
	// SecurityGroupID is the workload's own group, from the security package.
	SecurityGroupID pulumi.StringInput

	Env awsenv.Env
	// Protect turns on deletion protection and pulumi protect on the cluster
	// and its instances.
	Protect bool
	Tags    map[string]string
	// RunningVersion is the engine version the cluster runs now, read from
	// the account before registration; "" when it does not exist yet.
	RunningVersion string
	// LogKMSKeyARN, when set, encrypts the exported logs' groups.
	LogKMSKeyARN pulumi.StringInput

	// StorageKMSKeyARN encrypts the cluster's storage, its snapshots and
	// Performance Insights (the stack's database key); SecretKMSKeyARN the
	// master password's secret (the secrets key). nil leaves AWS's managed
	// keys (aws/rds, aws/secretsmanager), which cannot be shared with another
	// account and whose policy nobody controls. A cluster's storage key is
	// fixed at creation: a new one replaces the cluster.
	StorageKMSKeyARN pulumi.StringInput
	SecretKMSKeyARN  pulumi.StringInput

	// Adopt, with Spec.Adopt, takes over the existing cluster instead of
	// creating one; IsolatedSubnetIDs and SecurityGroupID may then be nil in
	// the stage that imports it.
	Adopt *AdoptedArgs
}

// Database is an Aurora cluster in the isolated subnets: encrypted, TLS only,
// IAM authentication on, master password in Secrets Manager, a final snapshot
// on deletion, and instances named by a stable number.
type Database struct {
	pulumi.ResourceState

	SubnetGroup    *rds.SubnetGroup
	ParameterGroup *rds.ClusterParameterGroup
	// LogGroups hold the logs the cluster exports, by log type, created
	// before the cluster with their retention.
	LogGroups map[string]*cloudwatch.LogGroup
	Cluster   *rds.Cluster
	// Identifier is the cluster's identifier in AWS.
	Identifier string
	// Instances[0] is instance 1, first in line to be the writer (promotion
	// tier 0); all are created at once.
	Instances []*rds.ClusterInstance
	// ReaderScaling adds and removes readers; nil when the cluster does not
	// scale. Readers it adds are not Pulumi's: they carry AWS's names and go
	// when it scales in.
	ReaderScaling *AppScaling

	Endpoint       pulumi.StringOutput
	ReaderEndpoint pulumi.StringOutput
	// SecretARN is the Secrets Manager secret RDS keeps the master password in.
	SecretARN pulumi.StringOutput
	Port      pulumi.IntOutput
	// ARN is the cluster's, for the backup selection.
	ARN pulumi.StringOutput
	// StorageKeyARN and SecretKeyARN are the customer-managed keys of the
	// storage and of the master secret; nil when AWS's managed key is used. A
	// workload reading the secret needs kms:Decrypt on SecretKeyARN (through
	// Secrets Manager only).
	StorageKeyARN pulumi.StringInput
	SecretKeyARN  pulumi.StringInput
	// ClusterResourceID names the cluster in rds-db:connect ARNs (IAM
	// authentication): the resource id, not the identifier.
	ClusterResourceID pulumi.StringOutput
	// DatabaseName and Auth are the spec's, for the consumers' environment.
	DatabaseName string
	Auth         string
}

// auroraParameters are the cluster parameters the platform always sets: TLS
// required, and for MySQL the logs the cluster exports actually written.
func auroraParameters(engine string) map[string]string {
	if engine == EngineAuroraMySQL {
		return map[string]string{
			"require_secure_transport": "ON",
			"server_audit_logging":     "1",
			"server_audit_events":      "CONNECT,QUERY_DCL,QUERY_DDL",
			"slow_query_log":           "1",
		}
	}
	return map[string]string{"rds.force_ssl": "1"}
}

// auroraLogExports are the logs the cluster sends to CloudWatch Logs.
func auroraLogExports(engine string) []string {
	if engine == EngineAuroraMySQL {
		return []string{"audit", "error", "slowquery"}
	}
	return []string{"postgresql"}
}

// PromotionTier is instance n's failover priority: n-1, capped at AWS's
// lowest priority, 15. Distinct tiers make the failover order deterministic
// (Aurora picks the lowest tier, and among equal tiers the largest instance,
// then an arbitrary one).
func PromotionTier(n int) int { return min(n-1, 15) }

// AuroraLogGroupName is where RDS writes a cluster's exported log.
func AuroraLogGroupName(clusterID, logType string) string {
	return "/aws/rds/cluster/" + clusterID + "/" + logType
}

// NewDatabase registers an aurora workload.
func NewDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewDatabase(%q): args are required", name)
	}
	if err := checkCommon("NewDatabase", name, args.Workload, args.Env, false); err != nil {
		return nil, err
	}
	s := args.Spec
	if args.Adopt != nil {
		return newAdoptedDatabase(ctx, name, args, opts...)
	}
	switch {
	case args.IsolatedSubnetIDs == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewDatabase(%q): IsolatedSubnetIDs and SecurityGroupID are required", name)
	case len(args.IsolatedAZs) < 2:
		return nil, fmt.Errorf("compute.NewDatabase(%q): a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has %d", name, len(args.IsolatedAZs))
	case (s.Engine != EngineAuroraPostgres && s.Engine != EngineAuroraMySQL) || s.EngineVersion == "" || s.Instances < 1 || s.Port < 1:
		return nil, fmt.Errorf("compute.NewDatabase(%q): the spec is not valid; run Config.Validate first", name)
	}
	id := ClusterIdentifier(name, s)
	if why := badDBIdentifier(id, 63); why != "" {
		return nil, fmt.Errorf("compute.NewDatabase(%q): cluster identifier %q %s; set clusterIdentifier", name, id, why)
	}
	version, err := chooseVersion(s.EngineVersion, args.RunningVersion, func(v string) string { return AuroraFamily(s.Engine, v) })
	if err != nil {
		return nil, fmt.Errorf("compute.NewDatabase(%q): %w", name, err)
	}
	d := &Database{Identifier: id, LogGroups: map[string]*cloudwatch.LogGroup{},
		StorageKeyARN: args.StorageKMSKeyARN, SecretKeyARN: args.SecretKMSKeyARN}
	if err := ctx.RegisterComponentResource("platform:compute:Database", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	protect := pulumi.Protect(args.Protect)
	tg := workloadTags(args.Tags, args.Workload)

	d.SubnetGroup, err = rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		Description: pulumi.String("Isolated subnets of " + args.Workload),
		SubnetIds:   args.IsolatedSubnetIDs,
		Tags:        tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}

	params := auroraParameters(s.Engine)
	for k, v := range s.Parameters {
		params[k] = v // validation refused anything that would turn TLS off
	}
	var pgParams rds.ClusterParameterGroupParameterArray
	for _, k := range sortedKeys(params) {
		pgParams = append(pgParams, &rds.ClusterParameterGroupParameterArgs{
			Name:  pulumi.String(k),
			Value: pulumi.String(params[k]),
			// Accepted for static and dynamic parameters alike; a new cluster
			// starts with every value, and a later change applies at the next
			// reboot rather than failing for static ones.
			ApplyMethod: pulumi.String("pending-reboot"),
		})
	}
	family := AuroraFamily(s.Engine, s.EngineVersion)
	d.ParameterGroup, err = rds.NewClusterParameterGroup(ctx, name, &rds.ClusterParameterGroupArgs{
		// Auto-named: a new major version needs a new family, which replaces the
		// group, and a fresh name lets Pulumi create it before deleting the old.
		Family:      pulumi.String(family),
		Description: pulumi.String("Cluster parameters of " + args.Workload + " (" + family + ")"),
		Parameters:  pgParams,
		Tags:        tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}

	// RDS creates /aws/rds/cluster/<id>/<log> with no retention the first
	// time the cluster exports a log; created here first, the group has a
	// retention and the logs key. Its name is RDS's, fixed by the cluster
	// identifier, so it is not retained on delete: a kept group would make
	// the next cluster of that identifier fail with "already exists".
	var logGroups []pulumi.Resource
	for _, logType := range auroraLogExports(s.Engine) {
		lg, err := cloudwatch.NewLogGroup(ctx, name+"-log-"+logType, &cloudwatch.LogGroupArgs{
			Name:            pulumi.String(AuroraLogGroupName(id, logType)),
			RetentionInDays: pulumi.Int(s.LogRetentionDays),
			KmsKeyId:        args.LogKMSKeyARN,
			Tags:            tg.Named(name + "-log-" + logType),
		}, parent)
		if err != nil {
			return nil, err
		}
		d.LogGroups[logType] = lg
		logGroups = append(logGroups, lg)
	}

	clusterOpts := []pulumi.ResourceOption{
		parent, protect,
		// The exported logs' groups must exist before the cluster first
		// writes to them, or RDS creates them itself, without retention; the
		// cluster names them only through its identifier, so nothing else
		// orders them.
		pulumi.DependsOn(logGroups),
	}
	ignore := []string{
		// AWS fills availabilityZones in from the subnet group (and may list
		// more zones later); the provider treats a change of it as a
		// replacement, so a diff there would recreate the cluster.
		"availabilityZones",
	}
	if version.ignore {
		// AWS moved the cluster to a newer minor version of the configured
		// major (autoMinorVersionUpgrade): the provider reads that version
		// back, and asking for the configured one would be a downgrade RDS
		// refuses. The running version stands.
		ignore = append(ignore, "engineVersion")
	}
	clusterOpts = append(clusterOpts, pulumi.IgnoreChanges(ignore))

	clusterArgs := &rds.ClusterArgs{
		ClusterIdentifier: pulumi.String(id),
		Engine:            pulumi.String(s.Engine),
		EngineVersion:     pulumi.String(version.version),
		// A major version change is only ever the reviewed config change of
		// engineVersion; RDS refuses one unless the modify call carries this.
		AllowMajorVersionUpgrade:         pulumi.Bool(true),
		ApplyImmediately:                 pulumi.Bool(s.ApplyImmediately),
		DatabaseName:                     pulumi.String(s.DatabaseName),
		MasterUsername:                   pulumi.String(s.MasterUsername),
		ManageMasterUserPassword:         pulumi.Bool(true), // RDS generates and rotates it in Secrets Manager
		MasterUserSecretKmsKeyId:         args.SecretKMSKeyARN,
		IamDatabaseAuthenticationEnabled: pulumi.Bool(true),
		StorageEncrypted:                 pulumi.Bool(true),
		KmsKeyId:                         args.StorageKMSKeyARN,
		BackupRetentionPeriod:            pulumi.Int(s.BackupRetentionDays),
		CopyTagsToSnapshot:               pulumi.Bool(true),
		SkipFinalSnapshot:                pulumi.Bool(false),
		FinalSnapshotIdentifier:          finalSnapshotID(id, 255, d.SubnetGroup.Name, args.SecurityGroupID, pulumi.String(s.Engine+"/"+s.MasterUsername+"/"+s.DatabaseName)),
		DeletionProtection:               pulumi.Bool(args.Protect),
		DbSubnetGroupName:                d.SubnetGroup.Name,
		DbClusterParameterGroupName:      d.ParameterGroup.Name,
		VpcSecurityGroupIds:              pulumi.StringArray{args.SecurityGroupID},
		Port:                             pulumi.Int(s.Port),
		EnabledCloudwatchLogsExports:     pulumi.ToStringArray(auroraLogExports(s.Engine)),
		Tags:                             tg.Named(name),
	}
	restoreCluster(clusterArgs, s.Restore)
	d.Cluster, err = rds.NewCluster(ctx, name, clusterArgs, clusterOpts...)
	if err != nil {
		return nil, err
	}

	azs := append([]string(nil), args.IsolatedAZs...)
	sort.Strings(azs)
	for n := 1; n <= s.Instances; n++ {
		iname := fmt.Sprintf("%s-%d", name, n)
		iopts := []pulumi.ResourceOption{
			parent, protect,
			// The zone is chosen once, when the instance is created: a later change
			// of the zone list (one more zone) must not move, that is replace, a
			// running database instance.
			pulumi.IgnoreChanges([]string{"availabilityZone"}),
		}
		// Every instance is created at once, beside the others: the first
		// deploy then takes the cluster plus one instance, not one instance
		// after another. Which instance AWS makes the writer at creation is a
		// race nothing in the platform depends on (clients use the cluster
		// endpoint, alarms the WRITER role); what AWS honours is the promotion
		// tier on every failover: instance 1 (tier 0) first, then 2, 3, ... in
		// order, so the next writer is always known. docs/performance.md has
		// the reasoning and the one command that makes instance 1 the writer.
		promotion := PromotionTier(n)
		inst, err := rds.NewClusterInstance(ctx, iname, &rds.ClusterInstanceArgs{
			ClusterIdentifier:          d.Cluster.ID(),
			Engine:                     pulumi.String(s.Engine),
			InstanceClass:              pulumi.String(s.InstanceClass),
			AvailabilityZone:           pulumi.String(azs[(n-1)%len(azs)]),
			DbSubnetGroupName:          d.SubnetGroup.Name,
			PubliclyAccessible:         pulumi.Bool(false),
			PerformanceInsightsEnabled: pulumi.Bool(true),
			// The storage key covers Performance Insights too. AWS refuses to
			// change an instance's Performance Insights key once it is set.
			PerformanceInsightsKmsKeyId: args.StorageKMSKeyARN,
			AutoMinorVersionUpgrade:     pulumi.Bool(true),
			ApplyImmediately:            pulumi.Bool(s.ApplyImmediately),
			PromotionTier:               pulumi.Int(promotion),
			// No CopyTagsToSnapshot: AWS refuses it on an Aurora instance (the
			// cluster's setting governs its snapshots).
			Tags: tg.Named(iname, "platform:instance", fmt.Sprint(n)),
		}, iopts...)
		if err != nil {
			return nil, err
		}
		d.Instances = append(d.Instances, inst)
	}

	if scaling := s.AuroraScaling(); scaling.On {
		var instances []pulumi.Resource
		for _, in := range d.Instances {
			instances = append(instances, in)
		}
		d.ReaderScaling, err = newAppScaling(ctx, name, "rds", AuroraReadReplicas, AuroraResourceID(d.Cluster.ID()),
			scaling, readerPolicies(scaling), tg.Named(name+"-scaling"), parent,
			// Aurora Auto Scaling needs the cluster available with its writer;
			// the readers it adds copy the writer's class, at promotion tier 15.
			pulumi.DependsOn(instances))
		if err != nil {
			return nil, scalingErr("NewDatabase", name, err)
		}
	}

	return d, d.finish(ctx, s)
}

// newAdoptedDatabase registers an aurora workload that adopts an existing
// cluster (Spec.Adopt, Adopt).
func newAdoptedDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, opts ...pulumi.ResourceOption) (*Database, error) {
	s := args.Spec
	if args.Adopt.Snapshot == nil || s.Adopt == nil {
		return nil, fmt.Errorf("compute.NewDatabase(%q): an adopted cluster needs Spec.Adopt and Adopt.Snapshot", name)
	}
	d := &Database{Identifier: args.Adopt.Snapshot.Cluster.DBClusterIdentifier, LogGroups: map[string]*cloudwatch.LogGroup{},
		StorageKeyARN: pulumi.String(args.Adopt.Snapshot.Cluster.KmsKeyId), SecretKeyARN: args.SecretKMSKeyARN}
	if ms := args.Adopt.Snapshot.Cluster.MasterUserSecret; ms != nil {
		d.SecretKeyARN = pulumi.String(ms.KmsKeyId)
	}
	if err := ctx.RegisterComponentResource("platform:compute:Database", name, d, opts...); err != nil {
		return nil, err
	}
	if err := adoptDatabase(ctx, name, args, d, pulumi.Parent(d)); err != nil {
		return nil, err
	}
	return d, d.finish(ctx, s)
}

// finish sets the outputs and registers them.
func (d *Database) finish(ctx *pulumi.Context, s AuroraSpec) error {
	d.Endpoint = d.Cluster.Endpoint
	d.ReaderEndpoint = d.Cluster.ReaderEndpoint
	d.Port = d.Cluster.Port
	d.ARN = d.Cluster.Arn
	d.SecretARN = d.Cluster.MasterUserSecrets.Index(pulumi.Int(0)).SecretArn().Elem()
	d.ClusterResourceID = d.Cluster.ClusterResourceId
	d.DatabaseName, d.Auth = s.DatabaseName, s.Auth
	return ctx.RegisterResourceOutputs(d, pulumi.Map{
		"endpoint":       d.Endpoint,
		"readerEndpoint": d.ReaderEndpoint,
		"port":           d.Port,
		"secretArn":      d.SecretARN,
		"arn":            d.ARN,
	})
}

// restoreCluster makes the cluster a restore of the spec's source, when it
// has one: a snapshot or an AWS Backup recovery point (for Aurora, a cluster
// snapshot in the vault) through snapshotIdentifier, or another cluster's
// point in time through restoreToPointInTime. The database name and master
// user come from the source, so they are left out: set, they would differ
// from what AWS reads back and force a replacement on the next run. The
// rest - subnets, security group, keys (the restore re-encrypts with the
// stack's key), parameters, log exports - is the same as a new cluster's.
func restoreCluster(a *rds.ClusterArgs, r *dataprotect.Restore) {
	if r == nil {
		return
	}
	switch r.Kind() {
	case dataprotect.RestoreSnapshot, dataprotect.RestoreRecoveryPoint:
		a.SnapshotIdentifier = pulumi.String(r.Source())
	case dataprotect.RestorePointInTime:
		pit := &rds.ClusterRestoreToPointInTimeArgs{
			SourceClusterIdentifier: pulumi.String(r.PointInTime.Source),
			// A full copy: a copy-on-write clone would keep sharing storage
			// (and its fate) with the source.
			RestoreType: pulumi.String("full-copy"),
		}
		if r.PointInTime.Time == dataprotect.LatestRestorableTime {
			pit.UseLatestRestorableTime = pulumi.Bool(true)
		} else {
			pit.RestoreToTime = pulumi.String(r.PointInTime.Time)
		}
		a.RestoreToPointInTime = pit
	default:
		return
	}
	a.DatabaseName, a.MasterUsername = nil, nil
}
