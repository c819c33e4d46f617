package compute

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/elasticache"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/secretsmanager"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// AuthTokenLength is the length of a cache's generated auth token
// (ElastiCache accepts 16 to 128 printable characters).
const AuthTokenLength = 64

// CacheArgs are the inputs of a cache workload.
type CacheArgs struct {
	// Workload is the config name (tags).
	Workload string
	Spec     CacheSpec
	// IsolatedSubnetIDs hold the nodes: the isolated tier, no route out.
	IsolatedSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the workload's own group, from the security package.
	SecurityGroupID pulumi.StringInput
	// Consumers are the workloads allowed to reach the cache. With auth: iam
	// each gets its own IAM-enabled ElastiCache user, and only they do.
	Consumers []string

	Env awsenv.Env
	// Protect keeps the replication group and its token's secret under pulumi
	// protect, gives the secret a 30-day recovery window and takes a final
	// snapshot on deletion.
	Protect bool
	Tags    map[string]string
	// RunningVersion is the engine version the group runs now, read from the
	// account before registration; "" when it does not exist yet.
	RunningVersion string

	// StorageKMSKeyARN encrypts the nodes' data at rest and the snapshots (the
	// stack's cache key); SecretKMSKeyARN the auth token's secret (the secrets
	// key). nil leaves AWS's managed keys. ElastiCache fixes the key at
	// creation: a new one replaces the group; a secret's key changes in place.
	StorageKMSKeyARN pulumi.StringInput
	SecretKMSKeyARN  pulumi.StringInput

	// Adopted is the existing replication group the spec's adopt block takes
	// over, resolved from the migration's snapshot; nil creates a new one.
	Adopted *AdoptedCache
	// IsolatedSubnetsByAZ are the isolated subnets by zone, for an adopted
	// group whose subnet group gains them zone by zone.
	IsolatedSubnetsByAZ map[string]pulumi.StringInput
	// OldGroupIDs are the imported old security groups by ID (an adopted
	// group keeps some while old workloads still use them).
	OldGroupIDs map[string]pulumi.StringInput
}

// ReplicationGroupID is the replication group's ID for workload component
// name: at most 40 characters, too few for <prefix>-<workload> plus Pulumi's
// random suffix, so it is explicit. The port replaces the group, so it is in
// the fingerprint; the engine is not, because redis to valkey is an in-place
// upgrade and must keep the ID.
func ReplicationGroupID(name string, s CacheSpec) string {
	fp := []string{fmt.Sprint(s.Port)}
	if s.Restore != nil {
		// A new snapshot to restore replaces the group: a new ID lets the new
		// group be created before the old one goes.
		fp = append(fp, s.Restore.Source())
	}
	if s.StorageKey != "" {
		// So does a new key (AWS fixes it at creation).
		fp = append(fp, "key "+s.StorageKey)
	}
	return physicalName(name, 40, fp...)
}

// cacheMajor is a cache version's major line: 7 for 7.1 and 7.1.0.
func cacheMajor(v string) string {
	if n := versionNumbers.FindString(v); n != "" {
		return n
	}
	return v
}

// Cache is a Redis OSS or Valkey replication group in the isolated subnets,
// encrypted in transit and at rest, with its auth token generated once and
// kept in Secrets Manager.
type Cache struct {
	pulumi.ResourceState

	SubnetGroup *elasticache.SubnetGroup
	// ParameterGroup is an adopted group's own (non-default) parameter
	// group, imported; nil otherwise.
	ParameterGroup *elasticache.ParameterGroup
	// Secret and SecretVersion hold the auth token (auth: secret only).
	Secret        *secretsmanager.Secret
	SecretVersion *secretsmanager.SecretVersion
	// Users are the consumers' ElastiCache users and DefaultUser the switched
	// off "default" every user group must hold; UserGroup binds them to the
	// replication group (auth: iam only).
	Users            map[string]*elasticache.User
	DefaultUser      *elasticache.User
	UserGroup        *elasticache.UserGroup
	ReplicationGroup *elasticache.ReplicationGroup

	// Auth is how clients authenticate: secret or iam.
	Auth string
	// ID is the replication group's ID, fixed before anything is created: its
	// nodes are <ID>-001, <ID>-002, ... (what CloudWatch's CacheClusterId
	// names), and it is the cache name an IAM token is signed for.
	ID              string
	ARN             pulumi.StringOutput
	PrimaryEndpoint pulumi.StringOutput
	ReaderEndpoint  pulumi.StringOutput
	// SecretARN is the secret holding the auth token (auth: secret only).
	SecretARN pulumi.StringOutput
	Port      int
	// TLS is what clients must do in this stage: required, or for an
	// adopted group moving to encryption in transit, preferred (TLS or
	// not) or off (plain connections only).
	TLS string
	// StorageKeyARN and SecretKeyARN are the customer-managed keys of the
	// data and of the token's secret; nil when AWS's managed key is used. A
	// workload reading the token needs kms:Decrypt on SecretKeyARN (through
	// Secrets Manager only).
	StorageKeyARN pulumi.StringInput
	SecretKeyARN  pulumi.StringInput
	// UserIDs and UserARNs are each consumer's ElastiCache user (auth: iam).
	UserIDs  map[string]string
	UserARNs map[string]pulumi.StringOutput

	memberIDs []string
}

// NewCache registers a cache workload.
func NewCache(ctx *pulumi.Context, name string, args *CacheArgs, opts ...pulumi.ResourceOption) (*Cache, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewCache(%q): args are required", name)
	}
	if err := checkCommon("NewCache", name, args.Workload, args.Env, false); err != nil {
		return nil, err
	}
	s := args.Spec
	if args.Adopted != nil {
		return newAdopted(ctx, name, args, opts...)
	}
	switch {
	case args.IsolatedSubnetIDs == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewCache(%q): IsolatedSubnetIDs and SecurityGroupID are required", name)
	case (s.Engine != "redis" && s.Engine != "valkey") || s.EngineVersion == "" || s.Replicas < 0 || s.Replicas > 5 || s.Port < 1:
		return nil, fmt.Errorf("compute.NewCache(%q): the spec is not valid; run Config.Validate first", name)
	case s.AutomaticFailover && s.Replicas == 0:
		return nil, fmt.Errorf("compute.NewCache(%q): failover without a replica", name)
	case s.Auth != AuthSecret && s.Auth != AuthIAM:
		return nil, fmt.Errorf("compute.NewCache(%q): the spec is not valid; run Config.Validate first", name)
	case s.Auth == AuthIAM && !CacheSupportsIAM(s.Engine, s.EngineVersion):
		return nil, fmt.Errorf("compute.NewCache(%q): %s %s has no IAM authentication", name, s.Engine, s.EngineVersion)
	}
	version, err := chooseVersion(s.EngineVersion, args.RunningVersion, cacheMajor)
	if err != nil {
		return nil, fmt.Errorf("compute.NewCache(%q): %w", name, err)
	}
	c := &Cache{Port: s.Port, ID: ReplicationGroupID(name, s), Auth: s.Auth, TLS: "required",
		StorageKeyARN: args.StorageKMSKeyARN, SecretKeyARN: args.SecretKMSKeyARN,
		UserIDs: map[string]string{}, UserARNs: map[string]pulumi.StringOutput{}, Users: map[string]*elasticache.User{}}
	if err := ctx.RegisterComponentResource("platform:compute:Cache", name, c, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(c)
	protect := pulumi.Protect(args.Protect)
	tg := workloadTags(args.Tags, args.Workload)

	c.SubnetGroup, err = elasticache.NewSubnetGroup(ctx, name, &elasticache.SubnetGroupArgs{
		Description: pulumi.String("Isolated subnets of " + args.Workload),
		SubnetIds:   args.IsolatedSubnetIDs,
		Tags:        tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}

	var authToken pulumi.StringPtrInput
	var userGroups pulumi.StringArrayInput
	if s.Auth == AuthSecret {
		if authToken, err = c.tokenSecret(ctx, name, args, tg, parent, protect); err != nil {
			return nil, err
		}
	} else {
		if err := c.iamUsers(ctx, name, args, tg, parent); err != nil {
			return nil, err
		}
		userGroups = pulumi.StringArray{c.UserGroup.UserGroupId}
	}

	failover := s.AutomaticFailover && s.Replicas > 0
	var finalSnapshot pulumi.StringPtrInput
	if args.Protect {
		// ElastiCache snapshot names follow RDS's identifier rules; unique per
		// deletion, as for Aurora (see finalSnapshotID).
		finalSnapshot = finalSnapshotID(c.ID, 255, c.SubnetGroup.Name, args.SecurityGroupID)
	}
	var ignore []string
	if version.ignore {
		// AWS moved the group to a newer version of the configured major
		// (automatic minor upgrades); the provider reads major.minor back, and
		// the configured, older one would be a downgrade, which the provider
		// plans as a replacement. The running version stands.
		ignore = append(ignore, "engineVersion")
	}
	rgArgs := &elasticache.ReplicationGroupArgs{
		ReplicationGroupId:       pulumi.String(c.ID),
		Description:              pulumi.String("Cache " + args.Workload),
		Engine:                   pulumi.String(s.Engine),
		EngineVersion:            pulumi.String(version.version),
		ApplyImmediately:         pulumi.Bool(s.ApplyImmediately),
		NodeType:                 pulumi.String(s.NodeType),
		NumCacheClusters:         pulumi.Int(1 + s.Replicas),
		AutomaticFailoverEnabled: pulumi.Bool(failover),
		MultiAzEnabled:           pulumi.Bool(failover), // needs automatic failover
		TransitEncryptionEnabled: pulumi.Bool(true),
		AtRestEncryptionEnabled:  pulumi.Bool(true),
		KmsKeyId:                 args.StorageKMSKeyARN,
		AuthToken:                authToken,
		UserGroupIds:             userGroups,
		SubnetGroupName:          c.SubnetGroup.Name,
		SecurityGroupIds:         pulumi.StringArray{args.SecurityGroupID},
		SnapshotRetentionLimit:   pulumi.Int(s.SnapshotRetentionDays),
		FinalSnapshotIdentifier:  finalSnapshot,
		Port:                     pulumi.Int(s.Port),
		AutoMinorVersionUpgrade:  pulumi.Bool(true),
		Tags:                     tg.Named(name),
	}
	if r := s.Restore; r != nil && r.Kind() == dataprotect.RestoreSnapshot {
		// Restored from a snapshot of this account and region (by name) or an
		// exported .rdb file; the data is re-encrypted with the group's key.
		snapshot, rdb := r.CacheSnapshot()
		if snapshot != "" {
			rgArgs.SnapshotName = pulumi.String(snapshot)
		}
		if len(rdb) > 0 {
			rgArgs.SnapshotArns = pulumi.ToStringArray(rdb)
		}
	}
	c.ReplicationGroup, err = elasticache.NewReplicationGroup(ctx, name, rgArgs, parent, protect, pulumi.IgnoreChanges(ignore))
	if err != nil {
		return nil, err
	}
	for i := 0; i <= s.Replicas; i++ {
		c.memberIDs = append(c.memberIDs, fmt.Sprintf("%s-%03d", c.ID, i+1))
	}
	return c, c.finish(ctx)
}

// finish sets the endpoints and registers the outputs.
func (c *Cache) finish(ctx *pulumi.Context) error {
	c.PrimaryEndpoint = c.ReplicationGroup.PrimaryEndpointAddress
	c.ReaderEndpoint = c.ReplicationGroup.ReaderEndpointAddress
	c.ARN = c.ReplicationGroup.Arn
	outs := pulumi.Map{
		"primaryEndpoint": c.PrimaryEndpoint,
		"readerEndpoint":  c.ReaderEndpoint,
		"auth":            pulumi.String(c.Auth),
	}
	if c.Secret != nil {
		c.SecretARN = c.Secret.Arn
		outs["secretArn"] = c.SecretARN
	}
	return ctx.RegisterResourceOutputs(c, outs)
}

// newAdopted registers a cache that takes over an existing replication group.
func newAdopted(ctx *pulumi.Context, name string, args *CacheArgs, opts ...pulumi.ResourceOption) (*Cache, error) {
	a, s := args.Adopted, args.Spec
	switch {
	case a.ID == "" || len(a.Members) == 0 || a.Primary == "":
		return nil, fmt.Errorf("compute.NewCache(%q): the adopted group is not resolved; run Config.Validate first", name)
	case !a.ImportOnly && args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewCache(%q): SecurityGroupID is required after the import-only stage", name)
	case s.Auth != AuthExisting && s.Auth != AuthIAM:
		return nil, fmt.Errorf("compute.NewCache(%q): an adopted cache authenticates as it did (existing) or with iam", name)
	}
	tls := "off"
	switch {
	case a.TransitEncryption && a.TransitMode == "preferred":
		tls = "preferred"
	case a.TransitEncryption:
		tls = "required"
	}
	c := &Cache{Port: a.Port, ID: a.ID, Auth: s.Auth, TLS: tls, UserIDs: map[string]string{}, UserARNs: map[string]pulumi.StringOutput{},
		Users: map[string]*elasticache.User{}}
	if err := ctx.RegisterComponentResource("platform:compute:Cache", name, c, opts...); err != nil {
		return nil, err
	}
	if err := newAdoptedCache(ctx, name, args, c, a); err != nil {
		return nil, err
	}
	return c, c.finish(ctx)
}

// tokenSecret keeps the auth token in Secrets Manager and returns it for the
// replication group. The token is drawn once: the secret version keeps the
// value it was created with (a fresh draw on a later run is ignored), and the
// cache takes its token from that version's state, not from the draw. So the
// secret and the cache hold the same token on every run, and a replaced
// replication group (a new port, say) is created with that same token.
func (c *Cache) tokenSecret(ctx *pulumi.Context, name string, args *CacheArgs, tg tags.Set, parent, protect pulumi.ResourceOption) (pulumi.StringPtrInput, error) {
	recovery := 0 // a dev stack can be torn down and recreated at once
	if args.Protect {
		recovery = 30
	}
	var err error
	c.Secret, err = secretsmanager.NewSecret(ctx, name+"-auth", &secretsmanager.SecretArgs{
		Description:          pulumi.String("Auth token of the " + args.Workload + " cache"),
		RecoveryWindowInDays: pulumi.Int(recovery),
		KmsKeyId:             args.SecretKMSKeyARN,
		Tags:                 tg.Named(name + "-auth"),
	}, parent, protect)
	if err != nil {
		return nil, err
	}
	// No punctuation: ElastiCache refuses several symbols in a token.
	pw, err := secretsmanager.GetRandomPassword(ctx, &secretsmanager.GetRandomPasswordArgs{
		PasswordLength:     pulumi.IntRef(AuthTokenLength),
		ExcludePunctuation: pulumi.BoolRef(true),
	})
	if err != nil {
		return nil, fmt.Errorf("compute.NewCache(%q): generating the auth token: %w", name, err)
	}
	c.SecretVersion, err = secretsmanager.NewSecretVersion(ctx, name+"-auth", &secretsmanager.SecretVersionArgs{
		SecretId:     c.Secret.ID(),
		SecretString: pulumi.ToSecret(pulumi.String(pw.RandomPassword)).(pulumi.StringOutput),
	},
		parent,
		// A password is drawn on every run; the one stored at creation stays.
		pulumi.IgnoreChanges([]string{"secretString"}))
	if err != nil {
		return nil, err
	}
	return pulumi.ToSecret(c.SecretVersion.SecretString).(pulumi.StringPtrOutput), nil
}

// CacheAccessString is what every consumer's ElastiCache user may do: all
// keys and commands. The allow edge is the boundary between workloads; a
// narrower string would be per application.
const CacheAccessString = "on ~* &* +@all"

// iamUsers creates one IAM-enabled user per consumer, the switched-off
// "default" user every user group must hold, and the user group.
func (c *Cache) iamUsers(ctx *pulumi.Context, name string, args *CacheArgs, tg tags.Set, parent pulumi.ResourceOption) error {
	engine := args.Spec.Engine
	var err error
	// Its name is "default" (AWS requires a user of that name in each group);
	// its id must not be "default", the account's own default user. Off, it
	// lets nobody in: connections that do not authenticate are refused.
	defaultID := cacheIdentifier(name + "-default")
	c.DefaultUser, err = elasticache.NewUser(ctx, name+"-default", &elasticache.UserArgs{
		UserId:             pulumi.String(defaultID),
		UserName:           pulumi.String("default"),
		Engine:             pulumi.String(engine),
		AccessString:       pulumi.String("off -@all"),
		AuthenticationMode: &elasticache.UserAuthenticationModeArgs{Type: pulumi.String("no-password-required")},
		Tags:               tg.Named(defaultID),
	}, parent)
	if err != nil {
		return err
	}
	ids := pulumi.StringArray{c.DefaultUser.UserId}
	consumers := append([]string(nil), args.Consumers...)
	sort.Strings(consumers)
	for _, cons := range consumers {
		id := cacheIdentifier(name + "-u-" + cons)
		// IAM authentication needs the user name to equal the user id.
		u, err := elasticache.NewUser(ctx, name+"-u-"+cons, &elasticache.UserArgs{
			UserId:             pulumi.String(id),
			UserName:           pulumi.String(id),
			Engine:             pulumi.String(engine),
			AccessString:       pulumi.String(CacheAccessString),
			AuthenticationMode: &elasticache.UserAuthenticationModeArgs{Type: pulumi.String("iam")},
			Tags:               tg.Named(id, "platform:consumer", cons),
		}, parent)
		if err != nil {
			return err
		}
		c.Users[cons] = u
		c.UserIDs[cons] = id
		c.UserARNs[cons] = u.Arn
		ids = append(ids, u.UserId)
	}
	groupID := cacheIdentifier(name)
	c.UserGroup, err = elasticache.NewUserGroup(ctx, name, &elasticache.UserGroupArgs{
		UserGroupId: pulumi.String(groupID),
		Engine:      pulumi.String(engine),
		UserIds:     ids,
		Tags:        tg.Named(groupID),
	}, parent)
	return err
}
