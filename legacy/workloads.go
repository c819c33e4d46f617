package legacy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/batch"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ecs"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lb"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/importopt"
)

// OldWorkload is one imported old workload: the resources its IDs name.
type OldWorkload struct {
	Name string
	Kind string
	// Instances by instance ID (kind instances).
	Instances    map[string]*ec2.Instance
	LoadBalancer *lb.LoadBalancer
	// TargetGroups are the load balancer's, imported so that its removal
	// deletes them too.
	TargetGroups []*lb.TargetGroup
	Service      *ecs.Service
	Function     *lambda.Function
	Environment  *batch.ComputeEnvironment
	// JobQueues are the queues that send jobs to the environment, imported
	// so that its removal deletes them first.
	JobQueues []*batch.JobQueue
}

// Resources lists what the workload imported, in ID order.
func (w *OldWorkload) Resources() []pulumi.Resource {
	var out []pulumi.Resource
	for _, id := range sortedKeys(w.Instances) {
		out = append(out, w.Instances[id])
	}
	if w.LoadBalancer != nil {
		out = append(out, w.LoadBalancer)
	}
	if w.Service != nil {
		out = append(out, w.Service)
	}
	if w.Function != nil {
		out = append(out, w.Function)
	}
	if w.Environment != nil {
		out = append(out, w.Environment)
	}
	return out
}

// WorkloadResourceName is the resource name of an old workload's import:
// the workload's key, and the instance ID for instances (stable keys, never
// positions).
func WorkloadResourceName(account, workload, kind, id string) string {
	if kind == KindInstances {
		return account + "-" + workload + "-" + id
	}
	return account + "-" + workload
}

// Ignored lists, per kind, the inputs an imported old workload leaves to
// AWS: settings the snapshot does not carry (load balancer attributes, a
// service's deployment settings, a function's code and environment), which
// the provider would otherwise default and so refuse the import, and the
// tags. An ignored input takes the live value on import and is never
// changed by the stack. The stack only keeps these workloads until it
// deletes them; it never manages them.
var Ignored = map[string][]string{
	KindInstances: {"tags", "tagsAll", "userData", "userDataBase64"},
	KindALB: {"tags", "tagsAll", "accessLogs", "connectionLogs", "clientKeepAlive", "desyncMitigationMode",
		"dropInvalidHeaderFields", "enableCrossZoneLoadBalancing", "enableHttp2", "enableTlsVersionAndCipherSuiteHeaders",
		"enableWafFailOpen", "enableXffClientPort", "enableZonalShift", "idleTimeout", "preserveHostHeader",
		"xffHeaderProcessingMode"},
	// desiredCount: Application Auto Scaling may change it between stages,
	// and the stack must not scale an old service back.
	KindECSService: {"tags", "tagsAll", "alarms", "capacityProviderStrategies", "deploymentCircuitBreaker",
		"deploymentController", "deploymentMaximumPercent", "deploymentMinimumHealthyPercent", "desiredCount",
		"healthCheckGracePeriodSeconds", "iamRole", "loadBalancers", "orderedPlacementStrategies",
		"placementConstraints", "serviceConnectConfiguration", "serviceRegistries", "volumeConfiguration"},
	// The code: Lambda does not return where it came from, so the import
	// leaves code unset and these ignored; nothing is uploaded.
	KindLambda: {"tags", "tagsAll", "code", "codeSigningConfigArn", "deadLetterConfig", "environment",
		"fileSystemConfig", "imageConfig", "imageUri", "kmsKeyArn", "layers", "loggingConfig", "publish",
		"reservedConcurrentExecutions", "s3Bucket", "s3Key", "s3ObjectVersion", "snapStart", "sourceCodeHash",
		"vpcConfig.ipv6AllowedForDualStack"},
	KindBatch: {"tags", "tagsAll", "computeResources.ec2Configurations", "computeResources.launchTemplate",
		"computeResources.tags", "eksConfiguration", "updatePolicy"},
}

// protectedOnly are ignored while the workload is protected and set false
// in the stage that lifts protection, so that the delete after it is not
// refused by AWS: a load balancer with deletion protection cannot be
// deleted, nor an instance with termination protection.
var protectedOnly = map[string][]string{
	KindALB:       {"enableDeletionProtection"},
	KindInstances: {"disableApiTermination"},
}

// IgnoredWhile lists the ignored inputs of a kind while protected or not.
func IgnoredWhile(kind string, protected bool) []string {
	out := append([]string(nil), Ignored[kind]...)
	if protected {
		out = append(out, protectedOnly[kind]...)
	}
	slices.Sort(out)
	return out
}

// importWorkloads registers every old workload the config names, each
// resource imported with the snapshot's values. An old workload's group
// inputs name the imported groups' resources, so a removal deletes the
// workload before its groups; the load balancers depend on the other old
// workloads, so the entry point closes before what is behind it.
func (a *Account) importWorkloads(ctx *pulumi.Context, name string, parent pulumi.ResourceOption, inv *audit.Inventory, cfg Config) error {
	var compute []pulumi.Resource
	var albs []string
	for _, n := range cfg.WorkloadNames() {
		w := cfg.Workloads[n]
		if w.Kind == KindALB {
			albs = append(albs, n)
			continue
		}
		ow, err := a.importWorkload(ctx, name, parent, inv, n, w, nil)
		if err != nil {
			return err
		}
		compute = append(compute, ow.Resources()...)
	}
	for _, n := range albs {
		if _, err := a.importWorkload(ctx, name, parent, inv, n, cfg.Workloads[n], compute); err != nil {
			return err
		}
	}
	return nil
}

func (a *Account) importWorkload(ctx *pulumi.Context, name string, parent pulumi.ResourceOption, inv *audit.Inventory, n string, w Workload, after []pulumi.Resource) (*OldWorkload, error) {
	ow := &OldWorkload{Name: n, Kind: w.Kind, Instances: map[string]*ec2.Instance{}}
	a.Workloads[n] = ow
	protect := w.Protected()
	for _, id := range w.IDs {
		f, err := Find(inv, w.Kind, id)
		if err != nil {
			return nil, fmt.Errorf("legacy.NewAccount(%q): workload %s: %w", name, n, err)
		}
		rn := WorkloadResourceName(name, n, w.Kind, id)
		opts := importopt.Options(parent, ImportID(f), protect, IgnoredWhile(w.Kind, protect)...)
		if len(after) > 0 {
			// The load balancer depends on the compute behind it, so a stage
			// that removes them deletes it first: no user is sent to a target
			// that is already gone.
			opts = append(opts, pulumi.DependsOn(after))
		}
		switch w.Kind {
		case KindInstances:
			ow.Instances[id], err = ec2.NewInstance(ctx, rn, a.instanceArgs(f.Instance, protect), opts...)
		case KindALB:
			// The target groups its listeners forward to are imported too:
			// AWS keeps them when the load balancer goes, and refuses to delete
			// one a listener still uses, so the load balancer depends on them
			// and a removal deletes it (with its listeners) first.
			var groups []pulumi.Resource
			for _, arn := range targetGroupsOf(f.LB) {
				tg, err := lb.NewTargetGroup(ctx, rn+"-"+TargetGroupName(arn), &lb.TargetGroupArgs{
					Name: pulumi.String(TargetGroupName(arn)), VpcId: pulumi.String(f.LB.VpcId),
				}, importopt.Options(parent, arn, protect, targetGroupIgnored...)...)
				if err != nil {
					return nil, err
				}
				ow.TargetGroups = append(ow.TargetGroups, tg)
				groups = append(groups, tg)
			}
			if len(groups) > 0 {
				// Deleted after the load balancer that forwards to them.
				opts = append(opts, pulumi.DependsOn(groups))
			}
			ow.LoadBalancer, err = lb.NewLoadBalancer(ctx, rn, a.loadBalancerArgs(f.LB, protect), opts...)
		case KindECSService:
			ow.Service, err = ecs.NewService(ctx, rn, a.serviceArgs(f.Service), opts...)
		case KindLambda:
			ow.Function, err = lambda.NewFunction(ctx, rn, a.functionArgs(f.Function), opts...)
		case KindBatch:
			ow.Environment, err = batch.NewComputeEnvironment(ctx, rn, a.environmentArgs(f.Environment), opts...)
			if err != nil {
				return nil, err
			}
			// AWS refuses to delete a compute environment a job queue
			// uses: its queues are imported with it and depend on it, so a
			// removal deletes them first (the provider disables a queue
			// before it deletes it).
			for _, q := range inv.BatchJobQueues {
				if !q.Uses(f.Environment.ComputeEnvironmentArn) {
					continue
				}
				var orders batch.JobQueueComputeEnvironmentOrderArray
				for _, o := range q.ComputeEnvironmentOrder {
					orders = append(orders, batch.JobQueueComputeEnvironmentOrderArgs{
						Order: pulumi.Int(o.Order), ComputeEnvironment: pulumi.String(o.ComputeEnvironment),
					})
				}
				jq, err := batch.NewJobQueue(ctx, rn+"-"+q.JobQueueName, &batch.JobQueueArgs{
					Name: pulumi.String(q.JobQueueName), State: pulumi.String(q.State), Priority: pulumi.Int(q.Priority),
					ComputeEnvironmentOrders: orders,
				}, append(importopt.Options(parent, q.JobQueueArn, protect, "schedulingPolicyArn", "jobStateTimeLimitActions", "computeEnvironments"),
					// Deleted before the compute environment it sends jobs to.
					pulumi.DependsOn([]pulumi.Resource{ow.Environment}))...)
				if err != nil {
					return nil, err
				}
				ow.JobQueues = append(ow.JobQueues, jq)
			}
		}
		if err != nil {
			return nil, err
		}
	}
	return ow, nil
}

// targetGroupIgnored are a target group's settings the snapshot does not
// read (describe-target-groups is not in it): the import takes AWS's values
// and the stack never changes them before it deletes the group.
var targetGroupIgnored = []string{"tags", "tagsAll", "port", "protocol", "protocolVersion", "targetType", "healthCheck",
	"stickiness", "deregistrationDelay", "slowStart", "loadBalancingAlgorithmType", "loadBalancingCrossZoneEnabled",
	"ipAddressType", "lambdaMultiValueHeadersEnabled", "proxyProtocolV2", "preserveClientIp", "connectionTermination",
	"targetFailovers", "targetHealthStates", "targetGroupHealth", "loadBalancingAnomalyMitigation", "namePrefix"}

// targetGroupsOf lists the target groups the load balancer's listeners
// forward to, sorted.
func targetGroupsOf(l *audit.LoadBalancer) []string {
	var out []string
	for _, li := range l.Listeners {
		for _, arn := range li.TargetGroups() {
			if !slices.Contains(out, arn) {
				out = append(out, arn)
			}
		}
	}
	slices.Sort(out)
	return out
}

// TargetGroupName is a target group's name, from its ARN
// (...:targetgroup/<name>/<id>).
func TargetGroupName(arn string) string {
	_, rest, _ := strings.Cut(arn, ":targetgroup/")
	name, _, _ := strings.Cut(rest, "/")
	return name
}

// ImportID is what the provider's importer takes for an old workload's
// resource: a load balancer by its ARN, the others as the config names them
// (instance ID, <cluster name>/<service name>, function name, compute
// environment name).
func ImportID(f Found) string {
	if f.LB != nil {
		return f.LB.LoadBalancerArn
	}
	return f.ID
}

// groupIDs names groups by their imported resources where the stack
// imported them (the default group, never imported, by its ID).
func (a *Account) groupIDs(ids []string) pulumi.StringArray {
	out := pulumi.StringArray{}
	for _, id := range ids {
		if g, ok := a.Groups[id]; ok {
			out = append(out, g.ID().ToStringOutput())
		} else {
			out = append(out, pulumi.String(id))
		}
	}
	return out
}

func (a *Account) instanceArgs(in *audit.Instance, protect bool) *ec2.InstanceArgs {
	var groups []string
	for _, g := range in.SecurityGroups {
		groups = append(groups, g.GroupId)
	}
	args := &ec2.InstanceArgs{
		// ami, subnetId and keyName force a new instance when they differ.
		Ami:                 pulumi.String(in.ImageId),
		InstanceType:        pulumi.String(in.InstanceType),
		SubnetId:            pulumi.String(in.SubnetId),
		VpcSecurityGroupIds: a.groupIDs(groups),
		// ebsOptimized forces a new instance too, and the provider reads
		// back true on types optimised by default.
		EbsOptimized: pulumi.Bool(in.EbsOptimized),
		// The provider defaults sourceDestCheck to true.
		SourceDestCheck: pulumi.Bool(in.SourceDestCheck == nil || *in.SourceDestCheck),
		Monitoring:      pulumi.Bool(in.Monitoring != nil && (in.Monitoring.State == "enabled" || in.Monitoring.State == "pending")),
	}
	args.KeyName = importopt.Value(in.KeyName)
	if in.IamInstanceProfile != nil && in.IamInstanceProfile.Arn != "" {
		// The provider reads the profile back by name.
		args.IamInstanceProfile = pulumi.String(ProfileName(in.IamInstanceProfile.Arn))
	}
	if !protect {
		args.DisableApiTermination = pulumi.Bool(false)
	}
	return args
}

// ProfileName is an instance profile's name from its ARN
// (arn:aws:iam::123456789012:instance-profile/path/name).
func ProfileName(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func (a *Account) loadBalancerArgs(l *audit.LoadBalancer, protect bool) *lb.LoadBalancerArgs {
	args := &lb.LoadBalancerArgs{
		// name, internal and the type force a new load balancer.
		Name:             pulumi.String(l.LoadBalancerName),
		Internal:         pulumi.Bool(!l.InternetFacing()),
		LoadBalancerType: pulumi.String(l.Type),
		Subnets:          pulumi.ToStringArray(l.SubnetIDs()),
		SecurityGroups:   a.groupIDs(l.SecurityGroups),
	}
	args.IpAddressType = importopt.Value(l.IpAddressType)
	if !protect {
		args.EnableDeletionProtection = pulumi.Bool(false)
	}
	return args
}

// TaskDefinitionRef is how the provider reads an imported service's task
// definition back: family:revision, from the ARN describe-services gives.
func TaskDefinitionRef(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func (a *Account) serviceArgs(s *audit.ECSService) *ecs.ServiceArgs {
	args := &ecs.ServiceArgs{
		Name: pulumi.String(s.ServiceName),
		// The provider's importer sets the cluster's ARN.
		Cluster:              pulumi.String(s.ClusterArn),
		TaskDefinition:       pulumi.String(TaskDefinitionRef(s.TaskDefinition)),
		DesiredCount:         pulumi.Int(s.DesiredCount),
		EnableEcsManagedTags: pulumi.Bool(s.EnableECSManagedTags),
		EnableExecuteCommand: pulumi.Bool(s.EnableExecuteCommand),
	}
	args.LaunchType = importopt.Value(s.LaunchType)
	args.PlatformVersion = importopt.Value(s.PlatformVersion)
	args.SchedulingStrategy = importopt.Value(s.SchedulingStrategy)
	args.PropagateTags = importopt.Value(s.PropagateTags)
	if nc := s.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
		v := nc.AwsvpcConfiguration
		args.NetworkConfiguration = &ecs.ServiceNetworkConfigurationArgs{
			Subnets:        pulumi.ToStringArray(v.Subnets),
			SecurityGroups: a.groupIDs(v.SecurityGroups),
			AssignPublicIp: pulumi.Bool(v.AssignPublicIp == "ENABLED"),
		}
	}
	return args
}

func (a *Account) functionArgs(f *audit.LambdaFunction) *lambda.FunctionArgs {
	args := &lambda.FunctionArgs{
		Name: pulumi.String(f.FunctionName),
		Role: pulumi.String(f.Role),
	}
	args.PackageType = importopt.Value(f.PackageType)
	args.Handler = importopt.Value(f.Handler)
	args.Runtime = importopt.Value(f.Runtime)
	args.Description = importopt.Value(f.Description)
	// The provider defaults memory to 128 MB and the timeout to 3 s.
	if f.MemorySize > 0 {
		args.MemorySize = pulumi.Int(f.MemorySize)
	}
	if f.Timeout > 0 {
		args.Timeout = pulumi.Int(f.Timeout)
	}
	if len(f.Architectures) > 0 {
		args.Architectures = pulumi.ToStringArray(f.Architectures)
	}
	if f.EphemeralStorage != nil && f.EphemeralStorage.Size > 0 {
		args.EphemeralStorage = &lambda.FunctionEphemeralStorageArgs{Size: pulumi.Int(f.EphemeralStorage.Size)}
	}
	if f.TracingConfig != nil && f.TracingConfig.Mode != "" {
		args.TracingConfig = &lambda.FunctionTracingConfigArgs{Mode: pulumi.String(f.TracingConfig.Mode)}
	}
	if v := f.VpcConfig; v != nil {
		args.VpcConfig = &lambda.FunctionVpcConfigArgs{
			SubnetIds:        pulumi.ToStringArray(v.SubnetIds),
			SecurityGroupIds: a.groupIDs(v.SecurityGroupIds),
		}
	}
	return args
}

func (a *Account) environmentArgs(ce *audit.BatchComputeEnvironment) *batch.ComputeEnvironmentArgs {
	args := &batch.ComputeEnvironmentArgs{
		ComputeEnvironmentName: pulumi.String(ce.ComputeEnvironmentName),
		Type:                   pulumi.String(ce.Type),
	}
	args.ServiceRole = importopt.Value(ce.ServiceRole)
	args.State = importopt.Value(ce.State)
	if r := ce.ComputeResources; r != nil {
		cr := &batch.ComputeEnvironmentComputeResourcesArgs{
			Type:             pulumi.String(r.Type),
			MaxVcpus:         pulumi.Int(r.MaxvCpus),
			Subnets:          pulumi.ToStringArray(r.Subnets),
			SecurityGroupIds: a.groupIDs(r.SecurityGroupIds),
		}
		if r.MinvCpus != nil {
			cr.MinVcpus = pulumi.Int(*r.MinvCpus)
		}
		if r.DesiredvCpus != nil {
			cr.DesiredVcpus = pulumi.Int(*r.DesiredvCpus)
		}
		if len(r.InstanceTypes) > 0 {
			cr.InstanceTypes = pulumi.ToStringArray(r.InstanceTypes)
		}
		cr.InstanceRole = importopt.Value(r.InstanceRole)
		cr.AllocationStrategy = importopt.Value(r.AllocationStrategy)
		if r.Ec2KeyPair != "" {
			cr.Ec2KeyPair = pulumi.String(r.Ec2KeyPair)
		}
		if r.BidPercentage != nil {
			cr.BidPercentage = pulumi.Int(*r.BidPercentage)
		}
		cr.SpotIamFleetRole = importopt.Value(r.SpotIamFleetRole)
		cr.ImageId = importopt.Value(r.ImageId)
		cr.PlacementGroup = importopt.Value(r.PlacementGroup)
		args.ComputeResources = cr
	}
	return args
}
