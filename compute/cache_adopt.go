// An adopted cache: an existing ElastiCache replication group the stack takes
// over during a migration, and the stages that move it into the isolated tier.

package compute

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/importopt"
	"github.com/acme/platform/internal/problems"
)

// AuthExisting is an adopted cache's authentication as it is: the auth token
// (if any) stays where the team keeps it and the stack never sees it, and
// the user groups (if any) stay attached. Consumers are given no secret.
const AuthExisting = "existing"

// CacheAdopt takes over an existing replication group (Redis OSS or Valkey,
// cluster mode disabled) instead of creating one. The first stage of the
// migration imports it with every input equal to the snapshot's; later
// stages rotate it into the isolated subnets without replacing it: replicas
// are created in isolated subnets, a failover (commands the plan prints, run
// by hand) makes one of them the primary, the old members are deleted and
// the old subnets leave the subnet group. The replication group, its ID and
// its primary endpoint stay. Like the stages, the block is the same in every
// stage file: each entry names the stage it takes effect in.
type CacheAdopt struct {
	// ReplicationGroupID is the group's ID in the snapshot. Required.
	ReplicationGroupID string `json:"replicationGroupId"`
	// Members are the group's cache clusters by ID: the snapshot's (each
	// listed, imported) and the new ones (az and since). A member lives from
	// its since stage (the first for the snapshot's) up to, not including,
	// its until stage, which deletes it. Default: the snapshot's, kept.
	Members map[string]CacheMember `json:"members,omitempty"`
	// Subnets are the snapshot subnet group's subnets, each with the stage
	// that takes it out of the group (until). ElastiCache refuses to remove a
	// subnet a member is in, so a subnet leaves at the earliest in the stage
	// after every old member of its zone was deleted. The isolated subnet of
	// every zone with no old subnet left joins the group. Default: all kept.
	Subnets map[string]CacheUntil `json:"subnets,omitempty"`
	// Failover names, per stage, the member that must be the primary before
	// that stage's `pulumi up`: the plan prints the commands to run first.
	// The stack never fails over by itself.
	Failover map[string]string `json:"failover,omitempty"`
	// GroupsUntil is the stage from which the group carries only its own
	// security group: until then it keeps the old groups it has (which
	// platform:migration.groups imports). Default: kept to the end.
	GroupsUntil string `json:"groupsUntil,omitempty"`
	// TransitEncryption turns encryption in transit on in place, for a group
	// that has none: mode preferred from one stage (clients may connect with
	// or without TLS), required from a later one (TLS only). ElastiCache does
	// this in place from Redis OSS 7.0.5 and Valkey 7.2; an older engine
	// would be replaced, which is refused.
	TransitEncryption *CacheTransit `json:"transitEncryption,omitempty"`
}

// CacheMember is one cache cluster of an adopted replication group.
type CacheMember struct {
	// AZ is where a new member is created: a zone whose old subnets are out
	// of the subnet group by its since stage, so it lands in the isolated
	// subnet. Required for a new member; a snapshot member's zone is the
	// snapshot's.
	AZ string `json:"az,omitempty"`
	// Since is the stage that creates a new member. Required for a new one.
	Since string `json:"since,omitempty"`
	// Until is the stage that deletes the member. It must be a replica by
	// then: the primary at that stage is another member.
	Until string `json:"until,omitempty"`
}

// CacheUntil is the stage an old subnet leaves the subnet group in.
type CacheUntil struct {
	Until string `json:"until"`
}

// CacheTransit is when an adopted group's encryption in transit goes
// preferred, then required.
type CacheTransit struct {
	Preferred string `json:"preferred"`
	Required  string `json:"required,omitempty"`
}

var (
	replicationGroupIDPattern = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,39}$`)
	cacheClusterIDPattern     = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,49}$`)
)

// validateAdopt checks the adopt block on its own (the snapshot and the
// stages are checked by the stack, which has them).
func (s CacheSpec) validateAdopt(k string, p *problems.List) {
	a := s.Adopt
	if a == nil {
		if s.Auth == AuthExisting {
			p.Add(k+".auth", "existing is for an adopted cache (adopt.replicationGroupId), whose authentication the stack leaves as it is; use secret or iam")
		}
		return
	}
	ak := k + ".adopt"
	if s.Auth == AuthSecret {
		p.Add(k+".auth", "an adopted cache keeps the authentication it has (existing, the default) or moves to iam in a later stage (in place); secret would set a token the stack made on a group whose clients use another")
	}
	switch {
	case a.ReplicationGroupID == "":
		p.Add(ak+".replicationGroupId", "required: the ID of the replication group to adopt, as in the snapshot (elasticache describe-replication-groups)")
	case !replicationGroupIDPattern.MatchString(a.ReplicationGroupID):
		p.Add(ak+".replicationGroupId", "%q is not a replication group ID: ElastiCache's are 1 to 40 lowercase letters, digits and single hyphens, starting with a letter", a.ReplicationGroupID)
	}
	for _, id := range sortedKeys(a.Members) {
		if !cacheClusterIDPattern.MatchString(id) {
			p.Add(ak+".members."+id, "%q is not a cache cluster ID: 1 to 50 lowercase letters, digits and single hyphens, starting with a letter", id)
		}
	}
	if s.Restore != nil {
		p.Add(k+".restore", "an adopted cache keeps its data: remove restore, or remove adopt to create a new cache from the snapshot")
	}
}

// AdoptedCache is an adopted replication group as the snapshot shows it and
// as this stage wants it: every value the stack sets on the imported
// resources. The stack resolves it from the snapshot (stack.resolveCache).
type AdoptedCache struct {
	ID          string
	Description string
	Engine      string
	// EngineVersion is the version as the provider reads it back: major.minor
	// from 6 on (7.1 for 7.1.0), the full version before.
	EngineVersion      string
	NodeType           string
	Port               int
	ParameterGroupName string
	// ParameterGroupFamily is the family a non-default parameter group is
	// imported with (its other inputs are left as they are).
	ParameterGroupFamily string
	AtRestEncryption     bool
	KMSKeyID             string
	// TransitEncryption and TransitMode are this stage's (the snapshot's
	// unless adopt.transitEncryption moves them); TransitMode is "" when the
	// snapshot reports none.
	TransitEncryption bool
	TransitMode       string
	UserGroupIDs      []string
	SnapshotWindow    string
	SnapshotRetention int
	AutomaticFailover bool
	MultiAZ           bool

	SubnetGroupName        string
	SubnetGroupDescription string
	// OldSubnetIDs are the snapshot's subnets kept in this stage, IsolatedAZs
	// the zones whose isolated subnet joins the group.
	OldSubnetIDs []string
	IsolatedAZs  []string
	// OldGroupIDs are the old security groups kept in this stage.
	OldGroupIDs []string
	// Members are the cache clusters alive in this stage, sorted by ID.
	Members []AdoptedMember
	Primary string
	// ImportOnly is the migration's first stage: only imports, no own
	// security group, nothing created.
	ImportOnly bool
}

// AdoptedMember is one cache cluster of an adopted group in this stage.
type AdoptedMember struct {
	ID string
	AZ string
	// Imported is a snapshot member; the others are created.
	Imported bool
}

// ProviderCacheVersion is an ElastiCache engine version as the provider
// reads it back into engineVersion: major.minor from major 6 on (7.1.0 reads
// 7.1, 6.2.6 reads 6.2), the whole version before 6 (5.0.6).
func ProviderCacheVersion(v string) string {
	major, minor, ok := majorMinor(v)
	if !ok || major < 6 {
		return v
	}
	return fmt.Sprintf("%d.%d", major, minor)
}

// CacheFamily is the parameter group family of an engine version: redis7,
// redis6.x, redis5.0, valkey7, valkey8.
func CacheFamily(engine, v string) string {
	major, minor, _ := majorMinor(v)
	switch {
	case engine == "valkey":
		return fmt.Sprintf("valkey%d", major)
	case major >= 7:
		return fmt.Sprintf("redis%d", major)
	case major == 6:
		return "redis6.x"
	}
	return fmt.Sprintf("redis%d.%d", major, minor)
}

// TransitInPlace reports whether ElastiCache turns encryption in transit on
// for an existing group of this engine and version (Redis OSS 7.0.5 and
// later, Valkey 7.2 and later); before, the provider replaces the group.
func TransitInPlace(engine, version string) bool {
	if engine == "valkey" {
		return CompareVersions(version, "7.2") >= 0
	}
	return CompareVersions(version, "7.0.5") >= 0
}

// NodeIDs are the cache clusters of this stage (what CloudWatch's
// CacheClusterId names) by their NodeKey.
func (c *Cache) NodeIDs() map[string]string {
	out := make(map[string]string, len(c.memberIDs))
	for _, id := range c.memberIDs {
		out[NodeKey(c.ID, id)] = id
	}
	return out
}

// newAdoptedCache registers an adopted replication group: its subnet group,
// non-default parameter group, the group itself and its member clusters,
// the snapshot's imported with inputs equal to the snapshot's and
// protected.
func newAdoptedCache(ctx *pulumi.Context, name string, args *CacheArgs, c *Cache, a *AdoptedCache) error {
	parent := pulumi.Parent(c)
	s := args.Spec
	c.ID = a.ID
	subnets := pulumi.StringArray{}
	for _, id := range a.OldSubnetIDs {
		subnets = append(subnets, pulumi.String(id))
	}
	for _, az := range a.IsolatedAZs {
		id, ok := args.IsolatedSubnetsByAZ[az]
		if !ok {
			return fmt.Errorf("compute.NewCache(%q): no isolated subnet in %s", name, az)
		}
		subnets = append(subnets, id)
	}
	var err error
	c.SubnetGroup, err = elasticache.NewSubnetGroup(ctx, name, &elasticache.SubnetGroupArgs{
		Name:        pulumi.String(a.SubnetGroupName),
		Description: pulumi.String(a.SubnetGroupDescription),
		SubnetIds:   subnets,
	}, importopt.Options(parent, a.SubnetGroupName, true)...)
	if err != nil {
		return err
	}
	if a.ParameterGroupName != "" && !strings.HasPrefix(a.ParameterGroupName, "default.") {
		// The snapshot names the group but not its description or values:
		// those are left as they are (ignored), so the import matches and
		// the stack never edits the parameters.
		c.ParameterGroup, err = elasticache.NewParameterGroup(ctx, name, &elasticache.ParameterGroupArgs{
			Name:   pulumi.String(a.ParameterGroupName),
			Family: pulumi.String(a.ParameterGroupFamily),
		}, importopt.Options(parent, a.ParameterGroupName, true, "description", "family", "parameters")...)
		if err != nil {
			return err
		}
	}

	groups := pulumi.StringArray{}
	if !a.ImportOnly {
		groups = append(groups, args.SecurityGroupID)
	}
	for _, id := range a.OldGroupIDs {
		if ref, ok := args.OldGroupIDs[id]; ok {
			// The imported old group's resource: the group leaves the
			// replication group before the group itself is deleted.
			groups = append(groups, ref)
		} else {
			groups = append(groups, pulumi.String(id))
		}
	}
	rgArgs := &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:       pulumi.String(a.ID),
		Description:              pulumi.String(a.Description),
		Engine:                   pulumi.String(a.Engine),
		EngineVersion:            pulumi.String(a.EngineVersion),
		NodeType:                 pulumi.String(a.NodeType),
		Port:                     pulumi.Int(a.Port),
		AutomaticFailoverEnabled: pulumi.Bool(a.AutomaticFailover),
		MultiAzEnabled:           pulumi.Bool(a.MultiAZ),
		AtRestEncryptionEnabled:  pulumi.Bool(a.AtRestEncryption),
		TransitEncryptionEnabled: pulumi.Bool(a.TransitEncryption),
		SubnetGroupName:          c.SubnetGroup.Name,
		SecurityGroupIds:         groups,
		SnapshotRetentionLimit:   pulumi.Int(a.SnapshotRetention),
	}
	if a.ParameterGroupName != "" {
		rgArgs.ParameterGroupName = pulumi.String(a.ParameterGroupName)
		if c.ParameterGroup != nil {
			rgArgs.ParameterGroupName = c.ParameterGroup.Name
		}
	}
	rgArgs.KmsKeyId = importopt.Value(a.KMSKeyID)
	rgArgs.TransitEncryptionMode = importopt.Value(a.TransitMode)
	rgArgs.SnapshotWindow = importopt.Value(a.SnapshotWindow)
	var userGroups pulumi.StringArray
	for _, id := range a.UserGroupIDs {
		userGroups = append(userGroups, pulumi.String(id))
	}
	if s.Auth == AuthIAM && !a.ImportOnly {
		if err := c.iamUsers(ctx, name, args, workloadTags(args.Tags, args.Workload), parent); err != nil {
			return err
		}
		// The stack's user group replaces the snapshot's (in place:
		// user-group-ids-to-add and -to-remove).
		userGroups = pulumi.StringArray{c.UserGroup.UserGroupId}
	}
	if len(userGroups) > 0 {
		rgArgs.UserGroupIds = userGroups
	}
	if !a.ImportOnly {
		// Changes the stages make (subnets, groups, transit encryption,
		// users) apply when `pulumi up` runs, not at the maintenance window.
		rgArgs.ApplyImmediately = pulumi.Bool(true)
		// A deletion (once protect is lifted) leaves a final snapshot, as for
		// a group the stack creates. Not in the import: AWS does not report
		// it, so the import's inputs would differ.
		rgArgs.FinalSnapshotIdentifier = finalSnapshotID(a.ID, 255, c.SubnetGroup.Name, args.SecurityGroupID)
	}
	// numCacheClusters is left out: the members are resources of their own
	// (the provider then leaves the count as it is), and an auth token is
	// never set: the stack does not know it and must not change it.
	c.ReplicationGroup, err = elasticache.NewReplicationGroup(ctx, name, rgArgs, importopt.Options(parent, a.ID, true, "numCacheClusters")...)
	if err != nil {
		return err
	}

	for _, m := range a.Members {
		c.memberIDs = append(c.memberIDs, m.ID)
		// A member's group-wide settings (snapshots, notifications, version)
		// are the replication group's: the member resource leaves them
		// alone, as the provider reads them back on a member too.
		ignore := []string{"snapshotRetentionLimit", "snapshotWindow", "notificationTopicArn", "autoMinorVersionUpgrade",
			"logDeliveryConfigurations", "finalSnapshotIdentifier", "applyImmediately"}
		margs := &elasticache.ClusterArgs{
			ClusterId:          pulumi.String(m.ID),
			ReplicationGroupId: c.ReplicationGroup.ReplicationGroupId,
			AvailabilityZone:   pulumi.String(m.AZ),
		}
		var opts []pulumi.ResourceOption
		if m.Imported {
			// Protected by the import; from the next stage on, not: deleting
			// an old member is how the group leaves the old subnets, the lift
			// is a reviewed change of its own, and validation keeps the
			// primary and puts no deletion in the stage right after the import.
			opts = importopt.Options(parent, m.ID, a.ImportOnly, ignore...)
		} else {
			margs.Tags = workloadTags(args.Tags, args.Workload).Named(m.ID)
			// A new member is added to the group after the subnet group holds
			// its zone's isolated subnet.
			opts = []pulumi.ResourceOption{parent, pulumi.DependsOn([]pulumi.Resource{c.SubnetGroup}), pulumi.IgnoreChanges(ignore)}
		}
		if _, err := elasticache.NewCluster(ctx, name+"-"+m.ID, margs, opts...); err != nil {
			return err
		}
	}
	sort.Strings(c.memberIDs)
	return nil
}
