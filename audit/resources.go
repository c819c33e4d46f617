package audit

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
)

// The types below are the workloads, load balancers, data stores and
// plumbing the audit reads beyond the network itself. Unlike the network
// types they keep AWS's own member names, and decode straight from what the
// CLI prints (or the live reader saves): a migration that imports these
// resources needs their exact live values, and a field named as in the API
// reference cannot be mistaken for a derived one. The data stores also keep
// the whole object as read (Raw), so a consumer that needs a field not
// listed here reads it from there instead of waiting for this package.

// Tag is an EC2, RDS, ELB or Auto Scaling tag.
type Tag struct {
	Key   string
	Value string
}

// TagValue returns the value of the tag with the given key.
func TagValue(tags []Tag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// Instance is one EC2 instance of describe-instances.
type Instance struct {
	InstanceId        string
	InstanceType      string
	ImageId           string
	KeyName           string
	State             struct{ Name string }
	VpcId             string
	SubnetId          string
	Placement         struct{ AvailabilityZone string }
	PrivateIpAddress  string
	PublicIpAddress   string
	SecurityGroups    []struct{ GroupId, GroupName string }
	NetworkInterfaces []struct {
		NetworkInterfaceId string
		SubnetId           string
		Groups             []struct{ GroupId string }
		Association        *struct{ PublicIp string }
		Ipv6Addresses      []struct{ Ipv6Address string }
	}
	MetadataOptions *struct {
		HttpTokens   string
		HttpEndpoint string
	}
	IamInstanceProfile *struct{ Arn string }
	// EbsOptimized, SourceDestCheck and Monitoring are what importing the
	// instance must repeat: the provider defaults them (source/dest check
	// on) or reads them back, and an import whose inputs differ is refused.
	EbsOptimized    bool
	SourceDestCheck *bool
	Monitoring      *struct{ State string }
	Tags            []Tag
}

// Running reports whether the instance exists in a state that uses its
// network interfaces (anything but terminated or shutting down).
func (i Instance) Running() bool {
	return i.State.Name != "terminated" && i.State.Name != "shutting-down"
}

// IMDSv1 reports whether the instance metadata service answers requests
// without a session token. AWS's default, when MetadataOptions is absent or
// HttpTokens is "optional", is to answer them.
func (i Instance) IMDSv1() bool {
	if i.MetadataOptions == nil {
		return true
	}
	return i.MetadataOptions.HttpEndpoint != "disabled" && i.MetadataOptions.HttpTokens != "required"
}

// PublicIPs lists the instance's public IPv4 addresses.
func (i Instance) PublicIPs() []string {
	var out []string
	if i.PublicIpAddress != "" {
		out = append(out, i.PublicIpAddress)
	}
	for _, n := range i.NetworkInterfaces {
		if n.Association != nil && n.Association.PublicIp != "" && n.Association.PublicIp != i.PublicIpAddress {
			out = append(out, n.Association.PublicIp)
		}
	}
	return out
}

// NATGateway is one entry of describe-nat-gateways.
type NATGateway struct {
	NatGatewayId        string
	VpcId               string
	SubnetId            string
	State               string
	ConnectivityType    string
	NatGatewayAddresses []struct {
		NetworkInterfaceId string
		PublicIp           string
		PrivateIp          string
	}
	Tags []Tag
}

// VPCEndpoint is one entry of describe-vpc-endpoints.
type VPCEndpoint struct {
	VpcEndpointId       string
	VpcEndpointType     string
	ServiceName         string
	VpcId               string
	State               string
	SubnetIds           []string
	Groups              []struct{ GroupId string }
	NetworkInterfaceIds []string
	RouteTableIds       []string
	PrivateDnsEnabled   *bool
	Tags                []Tag
}

// PrefixList is one managed prefix list with its entries
// (get-managed-prefix-list-entries).
type PrefixList struct {
	PrefixListId   string
	PrefixListName string
	AddressFamily  string
	OwnerId        string
	State          string
	MaxEntries     *int
	Tags           []Tag
	// Entries holds the CIDRs of the list; EntriesRead is false when they
	// could not be read, so nothing is concluded from an empty list.
	Entries     []string `json:"-"`
	EntriesRead bool     `json:"-"`
}

// LoadBalancer is one entry of elbv2 describe-load-balancers, with its
// listeners attached.
type LoadBalancer struct {
	LoadBalancerArn  string
	LoadBalancerName string
	// CanonicalHostedZoneId is the zone an alias record to the load
	// balancer names beside its DNS name.
	CanonicalHostedZoneId string
	Type                  string // application, network, gateway
	Scheme                string // internet-facing, internal
	VpcId                 string
	IpAddressType         string
	DNSName               string
	State                 struct{ Code string }
	AvailabilityZones     []struct {
		ZoneName string
		SubnetId string
	}
	SecurityGroups []string
	Listeners      []Listener `json:"-"`
}

// InternetFacing reports whether the load balancer has public addresses.
func (lb LoadBalancer) InternetFacing() bool { return lb.Scheme == "internet-facing" }

// SubnetIDs lists the load balancer's subnets.
func (lb LoadBalancer) SubnetIDs() []string {
	var out []string
	for _, z := range lb.AvailabilityZones {
		if z.SubnetId != "" {
			out = append(out, z.SubnetId)
		}
	}
	return out
}

// Listener is one entry of elbv2 describe-listeners.
type Listener struct {
	ListenerArn     string
	LoadBalancerArn string
	Port            int
	Protocol        string
	SslPolicy       string
	DefaultActions  []struct {
		Type string
		// TargetGroupArn is where a forward action sends requests.
		TargetGroupArn string
		RedirectConfig *struct {
			Protocol   string
			Port       string
			StatusCode string
		}
	}
}

// TargetGroups lists the target groups the listener's default actions
// forward to, in order, each once.
func (l Listener) TargetGroups() []string {
	var out []string
	for _, a := range l.DefaultActions {
		if a.TargetGroupArn != "" && !slices.Contains(out, a.TargetGroupArn) {
			out = append(out, a.TargetGroupArn)
		}
	}
	return out
}

// RedirectsToHTTPS reports whether every default action of the listener
// redirects to HTTPS, which is the one acceptable use of a plain-HTTP
// listener on the internet.
func (l Listener) RedirectsToHTTPS() bool {
	if len(l.DefaultActions) == 0 {
		return false
	}
	for _, a := range l.DefaultActions {
		if !strings.EqualFold(a.Type, "redirect") || a.RedirectConfig == nil || a.RedirectConfig.Protocol != "HTTPS" {
			return false
		}
	}
	return true
}

// DBCluster is one entry of rds describe-db-clusters. The fields are the
// ones importing the cluster needs; Raw holds the rest.
type DBCluster struct {
	DBClusterIdentifier              string
	DBClusterArn                     string
	DbClusterResourceId              string
	Engine                           string
	EngineVersion                    string
	EngineMode                       string
	Status                           string
	DBSubnetGroup                    string // the subnet group's name
	DBClusterParameterGroup          string
	DBClusterInstanceClass           string
	VpcSecurityGroups                []struct{ VpcSecurityGroupId, Status string }
	Port                             *int
	MasterUsername                   string
	DatabaseName                     string
	StorageEncrypted                 bool
	KmsKeyId                         string
	StorageType                      string
	AllocatedStorage                 *int
	AvailabilityZones                []string
	BackupRetentionPeriod            *int
	PreferredBackupWindow            string
	PreferredMaintenanceWindow       string
	DeletionProtection               *bool
	IAMDatabaseAuthenticationEnabled *bool
	CopyTagsToSnapshot               *bool
	EnabledCloudwatchLogsExports     []string
	Endpoint                         string
	ReaderEndpoint                   string
	PubliclyAccessible               *bool
	NetworkType                      string
	DBClusterMembers                 []struct {
		DBInstanceIdentifier string
		IsClusterWriter      bool
		PromotionTier        *int
	}
	ServerlessV2ScalingConfiguration *struct {
		MinCapacity *float64
		MaxCapacity *float64
	}
	MasterUserSecret *struct{ SecretArn, KmsKeyId string }
	TagList          []Tag
	Raw              json.RawMessage `json:"-"`
}

// GroupIDs lists the cluster's VPC security groups.
func (c DBCluster) GroupIDs() []string {
	var out []string
	for _, g := range c.VpcSecurityGroups {
		out = append(out, g.VpcSecurityGroupId)
	}
	return out
}

// DBInstance is one entry of rds describe-db-instances: an Aurora cluster
// member or a standalone instance (DBClusterIdentifier empty).
type DBInstance struct {
	DBInstanceIdentifier string
	DBInstanceArn        string
	DbiResourceId        string
	DBClusterIdentifier  string
	DBInstanceClass      string
	Engine               string
	EngineVersion        string
	DBInstanceStatus     string
	AvailabilityZone     string
	MultiAZ              bool
	DBSubnetGroup        *struct {
		DBSubnetGroupName string
		VpcId             string
		Subnets           []DBSubnet
	}
	DBParameterGroups []struct {
		DBParameterGroupName string
		ParameterApplyStatus string
	}
	OptionGroupMemberships           []struct{ OptionGroupName string }
	VpcSecurityGroups                []struct{ VpcSecurityGroupId, Status string }
	PubliclyAccessible               bool
	StorageEncrypted                 bool
	KmsKeyId                         string
	StorageType                      string
	AllocatedStorage                 *int
	PromotionTier                    *int
	AutoMinorVersionUpgrade          *bool
	CACertificateIdentifier          string
	MonitoringInterval               *int
	MonitoringRoleArn                string
	PerformanceInsightsEnabled       *bool
	PerformanceInsightsKMSKeyId      string
	PreferredBackupWindow            string
	PreferredMaintenanceWindow       string
	CopyTagsToSnapshot               *bool
	DeletionProtection               *bool
	IAMDatabaseAuthenticationEnabled *bool
	Endpoint                         *struct {
		Address string
		Port    int
	}
	TagList []Tag
	Raw     json.RawMessage `json:"-"`
}

// GroupIDs lists the instance's VPC security groups.
func (i DBInstance) GroupIDs() []string {
	var out []string
	for _, g := range i.VpcSecurityGroups {
		out = append(out, g.VpcSecurityGroupId)
	}
	return out
}

// ParameterGroupNames lists the instance's DB parameter groups.
func (i DBInstance) ParameterGroupNames() []string {
	var out []string
	for _, p := range i.DBParameterGroups {
		out = append(out, p.DBParameterGroupName)
	}
	return out
}

// DBSubnet is one subnet of a DB subnet group.
type DBSubnet struct {
	SubnetIdentifier       string
	SubnetAvailabilityZone struct{ Name string }
	SubnetStatus           string
}

// DBSubnetGroup is one entry of rds describe-db-subnet-groups.
type DBSubnetGroup struct {
	DBSubnetGroupName        string
	DBSubnetGroupDescription string
	DBSubnetGroupArn         string
	VpcId                    string
	SubnetGroupStatus        string
	Subnets                  []DBSubnet
	Raw                      json.RawMessage `json:"-"`
}

// DBClusterParameterGroup is one entry of rds
// describe-db-cluster-parameter-groups, with the values a user set in it
// (describe-db-cluster-parameters --source user).
type DBClusterParameterGroup struct {
	DBClusterParameterGroupName string
	DBParameterGroupFamily      string
	Description                 string
	DBClusterParameterGroupArn  string
	// Parameters are the values set in the group, by name; ParametersRead
	// is false when they were not read, so nothing is concluded from none.
	Parameters     []DBParameter   `json:"-"`
	ParametersRead bool            `json:"-"`
	Raw            json.RawMessage `json:"-"`
}

// Default reports whether the group is one RDS provides (default.*): it
// cannot be modified, so it is referred to by name, never imported.
func (g DBClusterParameterGroup) Default() bool {
	return strings.HasPrefix(g.DBClusterParameterGroupName, "default.")
}

// DBParameter is one parameter of describe-db-cluster-parameters.
type DBParameter struct {
	ParameterName  string
	ParameterValue string
	ApplyMethod    string
	ApplyType      string
	Source         string
}

// ReplicationGroup is one entry of elasticache describe-replication-groups.
type ReplicationGroup struct {
	ReplicationGroupId string
	ARN                string
	Description        string
	Status             string
	Engine             string
	CacheNodeType      string
	MemberClusters     []string
	NodeGroups         []struct {
		NodeGroupId      string
		PrimaryEndpoint  *Endpoint
		ReaderEndpoint   *Endpoint
		NodeGroupMembers []struct {
			CacheClusterId            string
			CacheNodeId               string
			PreferredAvailabilityZone string
			CurrentRole               string
		}
	}
	ConfigurationEndpoint    *Endpoint
	AutomaticFailover        string
	MultiAZ                  string
	ClusterEnabled           *bool
	AtRestEncryptionEnabled  *bool
	TransitEncryptionEnabled *bool
	TransitEncryptionMode    string
	AuthTokenEnabled         *bool
	UserGroupIds             []string
	KmsKeyId                 string
	SnapshotRetentionLimit   *int
	SnapshotWindow           string
	NetworkType              string
	IpDiscovery              string
	DataTiering              string
	Raw                      json.RawMessage `json:"-"`
}

// Endpoint is an ElastiCache address and port.
type Endpoint struct {
	Address string
	Port    int
}

// CacheCluster is one entry of elasticache describe-cache-clusters: a
// member of a replication group or a standalone cluster (memcached, or
// Redis OSS without replication).
type CacheCluster struct {
	CacheClusterId            string
	ARN                       string
	ReplicationGroupId        string
	CacheClusterStatus        string
	Engine                    string
	EngineVersion             string
	CacheNodeType             string
	NumCacheNodes             int
	PreferredAvailabilityZone string
	CacheSubnetGroupName      string
	CacheParameterGroup       *struct{ CacheParameterGroupName string }
	SecurityGroups            []struct{ SecurityGroupId, Status string }
	ConfigurationEndpoint     *Endpoint
	CacheNodes                []struct {
		CacheNodeId string
		Endpoint    *Endpoint
	}
	AtRestEncryptionEnabled  *bool
	TransitEncryptionEnabled *bool
	TransitEncryptionMode    string
	AuthTokenEnabled         *bool
	SnapshotRetentionLimit   *int
	Raw                      json.RawMessage `json:"-"`
}

// GroupIDs lists the cluster's security groups.
func (c CacheCluster) GroupIDs() []string {
	var out []string
	for _, g := range c.SecurityGroups {
		out = append(out, g.SecurityGroupId)
	}
	return out
}

// CacheSubnetGroup is one entry of elasticache describe-cache-subnet-groups.
type CacheSubnetGroup struct {
	CacheSubnetGroupName        string
	CacheSubnetGroupDescription string
	ARN                         string
	VpcId                       string
	Subnets                     []struct {
		SubnetIdentifier       string
		SubnetAvailabilityZone struct{ Name string }
	}
	Raw json.RawMessage `json:"-"`
}

// LambdaFunction is one entry of lambda list-functions.
type LambdaFunction struct {
	FunctionName string
	FunctionArn  string
	Runtime      string
	Role         string
	Handler      string
	PackageType  string
	// Description, MemorySize, Timeout, Architectures, EphemeralStorage and
	// TracingConfig are what importing the function must repeat (the
	// provider defaults memory to 128 MB and the timeout to 3 s).
	Description      string
	MemorySize       int
	Timeout          int
	Architectures    []string
	EphemeralStorage *struct{ Size int }
	TracingConfig    *struct{ Mode string }
	VpcConfig        *struct {
		VpcId            string
		SubnetIds        []string
		SecurityGroupIds []string
	}
}

// ECSCluster is one entry of ecs describe-clusters.
type ECSCluster struct {
	ClusterArn  string
	ClusterName string
	Status      string
}

// AwsVpcConfiguration is the network configuration of an ECS service or
// task set in awsvpc mode.
type AwsVpcConfiguration struct {
	Subnets        []string
	SecurityGroups []string
	AssignPublicIp string
}

// ECSService is one entry of ecs describe-services.
type ECSService struct {
	ServiceArn           string
	ServiceName          string
	ClusterArn           string
	Status               string
	LaunchType           string
	DesiredCount         int
	TaskDefinition       string
	PlatformVersion      string
	NetworkConfiguration *struct {
		AwsvpcConfiguration *AwsVpcConfiguration
	}
	// SchedulingStrategy, PropagateTags, EnableECSManagedTags and
	// EnableExecuteCommand are what importing the service must repeat.
	SchedulingStrategy   string
	PropagateTags        string
	EnableECSManagedTags bool
	EnableExecuteCommand bool
}

// ECSTask is one entry of ecs describe-tasks.
type ECSTask struct {
	TaskArn     string
	ClusterArn  string
	Group       string // "service:<name>" for a service's tasks
	LastStatus  string
	Attachments []struct {
		Type    string
		Details []struct{ Name, Value string }
	}
}

// InterfaceIDs lists the network interfaces ECS attached to the task.
func (t ECSTask) InterfaceIDs() []string {
	var out []string
	for _, a := range t.Attachments {
		for _, d := range a.Details {
			if d.Name == "networkInterfaceId" && d.Value != "" {
				out = append(out, d.Value)
			}
		}
	}
	return out
}

// BatchJobQueue is one entry of batch describe-job-queues.
type BatchJobQueue struct {
	JobQueueName            string
	JobQueueArn             string
	State                   string
	Priority                int
	ComputeEnvironmentOrder []struct {
		Order              int
		ComputeEnvironment string
	}
}

// Uses reports whether the queue sends jobs to the compute environment (by ARN).
func (q BatchJobQueue) Uses(environmentARN string) bool {
	for _, o := range q.ComputeEnvironmentOrder {
		if o.ComputeEnvironment == environmentARN {
			return true
		}
	}
	return false
}

// BatchComputeEnvironment is one entry of batch describe-compute-environments.
type BatchComputeEnvironment struct {
	ComputeEnvironmentName string
	ComputeEnvironmentArn  string
	Type                   string
	State                  string
	EcsClusterArn          string
	ServiceRole            string
	ComputeResources       *struct {
		Type             string
		MaxvCpus         int
		Subnets          []string
		SecurityGroupIds []string
		// The EC2 and Spot settings (absent for Fargate), which importing
		// such an environment must repeat.
		MinvCpus           *int
		DesiredvCpus       *int
		InstanceTypes      []string
		InstanceRole       string
		AllocationStrategy string
		Ec2KeyPair         string
		BidPercentage      *int
		SpotIamFleetRole   string
		ImageId            string
		PlacementGroup     string
	}
}

// AutoScalingGroup is one entry of autoscaling describe-auto-scaling-groups.
// Its security groups live in what it launches from: a launch template
// version (LaunchTemplate, or the templates of a MixedInstancesPolicy) or a
// launch configuration.
type AutoScalingGroup struct {
	AutoScalingGroupName    string
	AutoScalingGroupARN     string
	VPCZoneIdentifier       string
	MinSize                 int
	MaxSize                 int
	DesiredCapacity         int
	Instances               []struct{ InstanceId string }
	LaunchTemplate          *LaunchTemplateSpecification
	LaunchConfigurationName string
	MixedInstancesPolicy    *struct {
		LaunchTemplate *struct {
			LaunchTemplateSpecification *LaunchTemplateSpecification
			Overrides                   []struct {
				LaunchTemplateSpecification *LaunchTemplateSpecification
			}
		}
	}
}

// SubnetIDs lists the subnets the group launches into.
func (g AutoScalingGroup) SubnetIDs() []string {
	var out []string
	for _, s := range strings.Split(g.VPCZoneIdentifier, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Templates lists every launch template the group may launch from: its
// own, or its mixed instances policy's and their per-type overrides.
func (g AutoScalingGroup) Templates() []LaunchTemplateSpecification {
	var out []LaunchTemplateSpecification
	if g.LaunchTemplate != nil {
		out = append(out, *g.LaunchTemplate)
	}
	if m := g.MixedInstancesPolicy; m != nil && m.LaunchTemplate != nil {
		if m.LaunchTemplate.LaunchTemplateSpecification != nil {
			out = append(out, *m.LaunchTemplate.LaunchTemplateSpecification)
		}
		for _, o := range m.LaunchTemplate.Overrides {
			if o.LaunchTemplateSpecification != nil {
				out = append(out, *o.LaunchTemplateSpecification)
			}
		}
	}
	return out
}

// LaunchTemplateSpecification names a launch template and the version an
// Auto Scaling group launches: a number, "$Latest" or "$Default" (also
// when empty).
type LaunchTemplateSpecification struct {
	LaunchTemplateId   string
	LaunchTemplateName string
	Version            string
}

// LaunchTemplateVersion is one entry of ec2
// describe-launch-template-versions.
type LaunchTemplateVersion struct {
	LaunchTemplateId   string
	LaunchTemplateName string
	VersionNumber      int64
	DefaultVersion     bool
	LaunchTemplateData struct {
		ImageId           string
		InstanceType      string
		SecurityGroupIds  []string
		SecurityGroups    []string // names, for the default VPC
		NetworkInterfaces []struct {
			DeviceIndex              *int
			Groups                   []string
			AssociatePublicIpAddress *bool
		}
		MetadataOptions *struct{ HttpTokens, HttpEndpoint string }
	}
}

// LaunchConfiguration is one entry of autoscaling
// describe-launch-configurations.
type LaunchConfiguration struct {
	LaunchConfigurationName  string
	LaunchConfigurationARN   string
	ImageId                  string
	InstanceType             string
	SecurityGroups           []string // ids, or names in the default VPC
	AssociatePublicIpAddress *bool
	MetadataOptions          *struct{ HttpTokens, HttpEndpoint string }
}

// LaunchTemplateVersion returns the version a specification resolves to
// among the versions read: the number it names, the template's default for
// "$Default" (or no version), its highest for "$Latest".
func (inv *Inventory) LaunchTemplateVersion(spec LaunchTemplateSpecification) (*LaunchTemplateVersion, bool) {
	var found *LaunchTemplateVersion
	for i := range inv.LaunchTemplateVersions {
		v := &inv.LaunchTemplateVersions[i]
		if spec.LaunchTemplateId != "" && v.LaunchTemplateId != spec.LaunchTemplateId ||
			spec.LaunchTemplateId == "" && v.LaunchTemplateName != spec.LaunchTemplateName {
			continue
		}
		switch spec.Version {
		case "", "$Default":
			if v.DefaultVersion {
				return v, true
			}
		case "$Latest":
			if found == nil || v.VersionNumber > found.VersionNumber {
				found = v
			}
		default:
			if strconv.FormatInt(v.VersionNumber, 10) == spec.Version {
				return v, true
			}
		}
	}
	return found, found != nil
}
