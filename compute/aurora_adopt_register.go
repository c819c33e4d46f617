package compute

import (
	"fmt"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/cloudwatch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/rds"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/importopt"
)

// AdoptedArgs are what registering an adopted cluster needs besides the spec.
type AdoptedArgs struct {
	// Snapshot is the cluster as the migration's snapshot shows it.
	Snapshot *Snapshot
	// Stage is this stack file's stage of the cluster's schedule.
	Stage AuroraStage
	// OldGroupIDs are the old security groups platform:migration imports, by
	// ID, as the imported resources' IDs (so a group's deletion waits for the
	// cluster to let go of it).
	OldGroupIDs map[string]pulumi.StringInput
}

// adoptDatabase registers an adopted cluster in its stage: in the first, the
// cluster, its instances, its DB subnet group and its cluster parameter group
// imported with exactly the snapshot's values; in later ones the same
// resources moving into the isolated tier, owned like a created cluster.
func adoptDatabase(ctx *pulumi.Context, name string, args *DatabaseArgs, d *Database, parent pulumi.ResourceOption) error {
	s, ad := args.Spec, args.Adopt
	snap, st := ad.Snapshot, ad.Stage
	cl := snap.Cluster
	imports := st.Imports()
	if !imports && (args.IsolatedSubnetIDs == nil || args.SecurityGroupID == nil) {
		return fmt.Errorf("compute.NewDatabase(%q): an adopted cluster needs IsolatedSubnetIDs and SecurityGroupID after its import stage", name)
	}

	// The DB subnet group keeps its name (the cluster's dbSubnetGroupName
	// cannot change in place); its subnets change in place.
	sg := snap.SubnetGroup
	var subnets pulumi.StringArray
	for _, sn := range sg.Subnets {
		if contains(st.OldSubnets, sn.SubnetIdentifier) {
			subnets = append(subnets, pulumi.String(sn.SubnetIdentifier))
		}
	}
	subnetIDs := subnets.ToStringArrayOutput()
	if st.Isolated {
		subnetIDs = pulumi.All(subnets, args.IsolatedSubnetIDs).ApplyT(func(v []any) []string {
			out := append([]string(nil), v[0].([]string)...)
			return append(out, v[1].([]string)...)
		}).(pulumi.StringArrayOutput)
	}
	var err error
	d.SubnetGroup, err = rds.NewSubnetGroup(ctx, name, &rds.SubnetGroupArgs{
		Name:        pulumi.String(sg.DBSubnetGroupName),
		Description: pulumi.String(sg.DBSubnetGroupDescription),
		SubnetIds:   subnetIDs,
	}, importopt.Options(parent, sg.DBSubnetGroupName, true)...)
	if err != nil {
		return err
	}

	// The cluster parameter group: a custom one is imported with the values
	// set in it; a default one (default.*) belongs to RDS and is named only,
	// until the stage that requires TLS gives the cluster a group of its own.
	pgName := pulumi.String(cl.DBClusterParameterGroup).ToStringOutput()
	params := adoptedParameters(snap, s, st)
	if pg := snap.ParameterGroup; pg != nil {
		d.ParameterGroup, err = rds.NewClusterParameterGroup(ctx, name, &rds.ClusterParameterGroupArgs{
			Name:        pulumi.String(pg.DBClusterParameterGroupName),
			Family:      pulumi.String(pg.DBParameterGroupFamily),
			Description: pulumi.String(pg.Description),
			Parameters:  params,
		}, importopt.Options(parent, pg.DBClusterParameterGroupName, true)...)
		if err != nil {
			return err
		}
		pgName = d.ParameterGroup.Name
	} else if len(params) > 0 {
		family := AuroraFamily(s.Engine, s.EngineVersion)
		d.ParameterGroup, err = rds.NewClusterParameterGroup(ctx, name, &rds.ClusterParameterGroupArgs{
			Family:      pulumi.String(family),
			Description: pulumi.String("Cluster parameters of " + args.Workload + " (" + family + ")"),
			Parameters:  params,
			Tags:        workloadTags(args.Tags, args.Workload).Named(name),
		}, parent)
		if err != nil {
			return err
		}
		pgName = d.ParameterGroup.Name
	}

	clusterArgs := &rds.ClusterArgs{
		ClusterIdentifier:           pulumi.String(cl.DBClusterIdentifier),
		Engine:                      pulumi.String(cl.Engine),
		EngineVersion:               pulumi.String(cl.EngineVersion),
		MasterUsername:              pulumi.String(cl.MasterUsername),
		StorageEncrypted:            pulumi.Bool(cl.StorageEncrypted),
		DbSubnetGroupName:           d.SubnetGroup.Name,
		DbClusterParameterGroupName: pgName,
		PreferredBackupWindow:       optString(cl.PreferredBackupWindow),
		PreferredMaintenanceWindow:  optString(cl.PreferredMaintenanceWindow),
		KmsKeyId:                    optString(cl.KmsKeyId),
		EngineMode:                  optString(cl.EngineMode),
	}
	clusterArgs.DatabaseName = importopt.Value(cl.DatabaseName)
	if cl.Port != nil {
		clusterArgs.Port = pulumi.Int(*cl.Port)
	}
	if cl.BackupRetentionPeriod != nil {
		clusterArgs.BackupRetentionPeriod = pulumi.Int(*cl.BackupRetentionPeriod)
	}
	if cl.MasterUserSecret != nil {
		// RDS keeps the password already; its secret's key cannot change.
		clusterArgs.ManageMasterUserPassword = pulumi.Bool(true)
		clusterArgs.MasterUserSecretKmsKeyId = optString(cl.MasterUserSecret.KmsKeyId)
	}
	var logGroups []pulumi.Resource
	ignore := []string{"availabilityZones"}
	if imports {
		// Exactly the snapshot's values: an import whose inputs differ fails.
		var groups pulumi.StringArray
		for _, g := range cl.GroupIDs() {
			groups = append(groups, pulumi.String(g))
		}
		clusterArgs.VpcSecurityGroupIds = groups
		clusterArgs.DeletionProtection = pulumi.Bool(boolOf(cl.DeletionProtection))
		clusterArgs.IamDatabaseAuthenticationEnabled = pulumi.Bool(boolOf(cl.IAMDatabaseAuthenticationEnabled))
		clusterArgs.CopyTagsToSnapshot = pulumi.Bool(boolOf(cl.CopyTagsToSnapshot))
		if len(cl.EnabledCloudwatchLogsExports) > 0 {
			clusterArgs.EnabledCloudwatchLogsExports = pulumi.ToStringArray(cl.EnabledCloudwatchLogsExports)
		}
		// The provider's import sets skipFinalSnapshot true (no API returns
		// it); the next stage sets it false with a final snapshot name.
		clusterArgs.SkipFinalSnapshot = pulumi.Bool(true)
	} else {
		version, err := chooseVersion(cl.EngineVersion, args.RunningVersion, func(v string) string { return AuroraFamily(s.Engine, v) })
		if err != nil {
			return fmt.Errorf("compute.NewDatabase(%q): %w", name, err)
		}
		clusterArgs.EngineVersion = pulumi.String(version.version)
		if version.ignore {
			ignore = append(ignore, "engineVersion")
		}
		groups := pulumi.StringArray{args.SecurityGroupID}
		if st.OldGroups {
			for _, g := range cl.GroupIDs() {
				if id, ok := ad.OldGroupIDs[g]; ok {
					groups = append(groups, id)
				} else {
					groups = append(groups, pulumi.String(g))
				}
			}
		}
		clusterArgs.VpcSecurityGroupIds = groups
		// Deletion protection is only ever turned on.
		clusterArgs.DeletionProtection = pulumi.Bool(args.Protect || boolOf(cl.DeletionProtection))
		clusterArgs.IamDatabaseAuthenticationEnabled = pulumi.Bool(true)
		clusterArgs.CopyTagsToSnapshot = pulumi.Bool(true)
		clusterArgs.BackupRetentionPeriod = pulumi.Int(s.BackupRetentionDays)
		clusterArgs.ApplyImmediately = pulumi.Bool(s.ApplyImmediately)
		clusterArgs.AllowMajorVersionUpgrade = pulumi.Bool(true)
		clusterArgs.SkipFinalSnapshot = pulumi.Bool(false)
		clusterArgs.FinalSnapshotIdentifier = finalSnapshotID(cl.DBClusterIdentifier, 255, d.SubnetGroup.Name, pulumi.String(cl.Engine+"/"+cl.MasterUsername+"/"+cl.DatabaseName))
		if cl.MasterUserSecret == nil && st.ManagePassword {
			// RDS turns management on in place, with a new password in a
			// secret encrypted by the stack's secrets key.
			clusterArgs.ManageMasterUserPassword = pulumi.Bool(true)
			clusterArgs.MasterUserSecretKmsKeyId = args.SecretKMSKeyARN
		}
		exports := auroraLogExports(s.Engine)
		tg := workloadTags(args.Tags, args.Workload)
		for _, logType := range exports {
			lg, err := cloudwatch.NewLogGroup(ctx, name+"-log-"+logType, &cloudwatch.LogGroupArgs{
				Name:            pulumi.String(AuroraLogGroupName(cl.DBClusterIdentifier, logType)),
				RetentionInDays: pulumi.Int(s.LogRetentionDays),
				KmsKeyId:        args.LogKMSKeyARN,
				Tags:            tg.Named(name + "-log-" + logType),
			}, parent)
			if err != nil {
				return err
			}
			d.LogGroups[logType] = lg
			logGroups = append(logGroups, lg)
		}
		clusterArgs.EnabledCloudwatchLogsExports = pulumi.ToStringArray(exports)
	}
	copts := importopt.Options(parent, cl.DBClusterIdentifier, true, ignore...)
	if len(logGroups) > 0 {
		// RDS creates a missing /aws/rds/cluster/<id>/<log> group itself,
		// unencrypted and never expiring, on the first export: the stack's
		// groups must exist before the cluster starts exporting.
		copts = append(copts, pulumi.DependsOn(logGroups))
	}
	d.Cluster, err = rds.NewCluster(ctx, name, clusterArgs, copts...)
	if err != nil {
		return err
	}

	// The old instances, as they are; after the import stage no longer
	// reachable from the internet and last in line for a failover.
	for _, id := range st.OldInstances {
		in := snap.Instances[id]
		ia := &rds.ClusterInstanceArgs{
			Identifier:              pulumi.String(in.DBInstanceIdentifier),
			ClusterIdentifier:       d.Cluster.ID(),
			Engine:                  pulumi.String(in.Engine),
			InstanceClass:           pulumi.String(in.DBInstanceClass),
			AvailabilityZone:        optString(in.AvailabilityZone),
			DbSubnetGroupName:       d.SubnetGroup.Name,
			PubliclyAccessible:      pulumi.Bool(in.PubliclyAccessible && imports),
			AutoMinorVersionUpgrade: pulumi.Bool(in.AutoMinorVersionUpgrade == nil || *in.AutoMinorVersionUpgrade),
			CaCertIdentifier:        optString(in.CACertificateIdentifier),
			PreferredBackupWindow:   optString(in.PreferredBackupWindow),
			// The provider lower-cases the maintenance window it reads.
			PreferredMaintenanceWindow: optString(strings.ToLower(in.PreferredMaintenanceWindow)),
			MonitoringInterval:         pulumi.Int(intOf(in.MonitoringInterval)),
			MonitoringRoleArn:          optString(in.MonitoringRoleArn),
			// CopyTagsToSnapshot is the cluster's on Aurora: AWS refuses it on
			// an instance, so it is left unset and its value as read ignored.
		}
		if names := in.ParameterGroupNames(); len(names) > 0 {
			ia.DbParameterGroupName = pulumi.String(names[0])
		}
		if in.PerformanceInsightsEnabled != nil {
			ia.PerformanceInsightsEnabled = pulumi.Bool(*in.PerformanceInsightsEnabled)
			if *in.PerformanceInsightsEnabled {
				ia.PerformanceInsightsKmsKeyId = optString(in.PerformanceInsightsKMSKeyId)
			}
		}
		if imports {
			ia.PromotionTier = pulumi.Int(intOf(in.PromotionTier))
		} else {
			ia.PromotionTier = pulumi.Int(PromotionTierLast)
			ia.ApplyImmediately = pulumi.Bool(true)
		}
		protect := !contains(st.Unprotected, id)
		inst, err := rds.NewClusterInstance(ctx, name+"-"+id, ia, importopt.Options(parent, id, protect, "copyTagsToSnapshot")...)
		if err != nil {
			return err
		}
		d.Instances = append(d.Instances, inst)
	}

	// The new instances, in the isolated subnets: each zone holds only its
	// isolated subnet of the group when the instance is created (the
	// schedule's check), so RDS has one place to put it.
	tg := workloadTags(args.Tags, args.Workload)
	for _, n := range st.NewInstances {
		ni := s.Adopt.NewInstances[n-1]
		iname := fmt.Sprintf("%s-%d", name, n)
		inst, err := rds.NewClusterInstance(ctx, iname, &rds.ClusterInstanceArgs{
			Identifier:                  pulumi.String(AdoptedInstanceIdentifier(cl.DBClusterIdentifier, n)),
			ClusterIdentifier:           d.Cluster.ID(),
			Engine:                      pulumi.String(s.Engine),
			InstanceClass:               pulumi.String(s.InstanceClass),
			AvailabilityZone:            pulumi.String(ni.AZ),
			DbSubnetGroupName:           d.SubnetGroup.Name,
			PubliclyAccessible:          pulumi.Bool(false),
			PerformanceInsightsEnabled:  pulumi.Bool(true),
			PerformanceInsightsKmsKeyId: optString(cl.KmsKeyId),
			AutoMinorVersionUpgrade:     pulumi.Bool(true),
			ApplyImmediately:            pulumi.Bool(s.ApplyImmediately),
			PromotionTier:               pulumi.Int(PromotionTier(n)),
			Tags:                        tg.Named(iname, "platform:instance", fmt.Sprint(n)),
		}, parent, pulumi.Protect(args.Protect), pulumi.IgnoreChanges([]string{"availabilityZone"}))
		if err != nil {
			return err
		}
		d.Instances = append(d.Instances, inst)
	}
	return nil
}

// PromotionTierLast is the failover priority of an adopted cluster's old
// instances once the move starts: last in line, so an unplanned failover
// picks a new instance when there is one.
const PromotionTierLast = 15

// adoptedParameters are the cluster parameter group's values in a stage: in
// the import stage exactly those set in the snapshot's group (name, value,
// apply method); later the same with the spec's and, from tlsFrom, TLS
// required. A changed dynamic value applies immediately, a static one or a
// new one at the next reboot (the failovers of the move reboot every
// instance that stays).
func adoptedParameters(snap *Snapshot, s AuroraSpec, st AuroraStage) rds.ClusterParameterGroupParameterArray {
	type param struct{ value, method string }
	live := map[string]param{}
	apply := map[string]string{}
	if pg := snap.ParameterGroup; pg != nil {
		for _, p := range pg.Parameters {
			live[p.ParameterName] = param{p.ParameterValue, strings.ToLower(p.ApplyMethod)}
			apply[p.ParameterName] = p.ApplyType
		}
	}
	want := map[string]param{}
	for k, v := range live {
		want[k] = v
	}
	if !st.Imports() {
		set := func(k, v string) {
			old, ok := live[k]
			switch {
			case ok && old.value == v:
			case ok && apply[k] == "dynamic":
				want[k] = param{v, "immediate"}
			default:
				want[k] = param{v, "pending-reboot"}
			}
		}
		for _, k := range sortedKeys(s.Parameters) {
			set(k, s.Parameters[k])
		}
		if st.TLS {
			tls := auroraParameters(s.Engine)
			for _, k := range sortedKeys(tls) {
				set(k, tls[k])
			}
		}
	}
	names := make([]string, 0, len(want))
	for k := range want {
		names = append(names, k)
	}
	sort.Strings(names)
	var out rds.ClusterParameterGroupParameterArray
	for _, k := range names {
		out = append(out, &rds.ClusterParameterGroupParameterArgs{
			Name: pulumi.String(k), Value: pulumi.String(want[k].value), ApplyMethod: optString(want[k].method),
		})
	}
	return out
}

func optString(s string) pulumi.StringPtrInput {
	if s == "" {
		return nil
	}
	return pulumi.StringPtr(s)
}

func boolOf(b *bool) bool { return b != nil && *b }

func intOf(i *int) int {
	if i == nil {
		return 0
	}
	return *i
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
