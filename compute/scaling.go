package compute

import (
	"fmt"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/appautoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/lambda"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Application Auto Scaling's names for what the platform scales.
const (
	ECSDesiredCount       = "ecs:service:DesiredCount"
	AuroraReadReplicas    = "rds:cluster:ReadReplicaCount"
	TargetTrackingScaling = "TargetTrackingScaling"
	// LiveAlias is the lambda alias that carries provisioned concurrency and
	// that schedules and triggers invoke.
	LiveAlias = "live"
)

// RequestLabel is the resource label of ALBRequestCountPerTarget for one
// target group: app/<lb name>/<lb id>/targetgroup/<tg name>/<tg id>, the ARN
// suffixes of the load balancer and the target group joined by a slash.
func RequestLabel(lbSuffix, tgSuffix pulumi.StringInput) pulumi.StringOutput {
	return pulumi.Sprintf("%s/%s", lbSuffix, tgSuffix)
}

// ECSResourceID is Application Auto Scaling's id of a service:
// service/<cluster name>/<service name>. Without the cluster's name it is the
// last part of its ARN (arn:...:cluster/<name>).
func ECSResourceID(clusterARN, clusterName, serviceName pulumi.StringInput) pulumi.StringOutput {
	if clusterName == nil {
		clusterName = pulumi.StringInput(clusterARN).ToStringOutput().ApplyT(func(arn string) string {
			return arn[strings.LastIndex(arn, "/")+1:]
		}).(pulumi.StringOutput)
	}
	return pulumi.Sprintf("service/%s/%s", clusterName, serviceName)
}

// newFleetScaling registers the fleet's target tracking policies: average CPU,
// and ALBRequestCountPerTarget for each load balancer that forwards to it
// (labels, by alb name). The group's min and max bound them.
func newFleetScaling(ctx *pulumi.Context, name string, group *autoscaling.Group, r Scaling, labels map[string]pulumi.StringInput, parent pulumi.ResourceOption) ([]*autoscaling.Policy, error) {
	var out []*autoscaling.Policy
	add := func(suffix, metric string, label pulumi.StringInput, target int) error {
		spec := &autoscaling.PolicyTargetTrackingConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String(metric),
		}
		if label != nil {
			spec.ResourceLabel = label
		}
		p, err := autoscaling.NewPolicy(ctx, name+"-"+suffix, &autoscaling.PolicyArgs{
			// Unique within the group, which is all AWS asks.
			Name:                    pulumi.String(name + "-" + suffix),
			AutoscalingGroupName:    group.Name,
			PolicyType:              pulumi.String(TargetTrackingScaling),
			EstimatedInstanceWarmup: pulumi.Int(r.WarmupSeconds),
			TargetTrackingConfiguration: &autoscaling.PolicyTargetTrackingConfigurationArgs{
				PredefinedMetricSpecification: spec,
				TargetValue:                   pulumi.Float64(float64(target)),
			},
		}, parent)
		if err == nil {
			out = append(out, p)
		}
		return err
	}
	if err := add("cpu", "ASGAverageCPUUtilization", nil, r.CPUTarget); err != nil {
		return nil, err
	}
	for _, alb := range sortedKeys(labels) {
		if err := add("requests-"+alb, "ALBRequestCountPerTarget", labels[alb], r.RequestsPerTarget); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// AppScaling is one Application Auto Scaling target and its policies.
type AppScaling struct {
	Target   *appautoscaling.Target
	Policies []*appautoscaling.Policy
}

// appPolicy is one target tracking policy on a scalable target.
type appPolicy struct {
	suffix, metric string
	label          pulumi.StringInput
	target         int
}

// newAppScaling registers a scalable target and its target tracking policies.
// The policies read the target's resource id, dimension and namespace, so
// they are created after it and deleted before it.
func newAppScaling(ctx *pulumi.Context, name, namespace, dimension string, resourceID pulumi.StringInput, r Scaling, policies []appPolicy, tags pulumi.StringMap, parent pulumi.ResourceOption, targetOpts ...pulumi.ResourceOption) (*AppScaling, error) {
	out := &AppScaling{}
	var err error
	out.Target, err = appautoscaling.NewTarget(ctx, name+"-scaling", &appautoscaling.TargetArgs{
		ServiceNamespace:  pulumi.String(namespace),
		ScalableDimension: pulumi.String(dimension),
		ResourceId:        resourceID,
		MinCapacity:       pulumi.Int(r.MinCount),
		MaxCapacity:       pulumi.Int(r.MaxCount),
		// No RoleArn: Application Auto Scaling uses its service-linked role
		// for ECS and Aurora, and creates it on first use.
		Tags: tags,
	}, append([]pulumi.ResourceOption{parent}, targetOpts...)...)
	if err != nil {
		return nil, err
	}
	for _, p := range policies {
		spec := &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs{
			PredefinedMetricType: pulumi.String(p.metric),
		}
		if p.label != nil {
			spec.ResourceLabel = p.label
		}
		pol, err := appautoscaling.NewPolicy(ctx, name+"-"+p.suffix, &appautoscaling.PolicyArgs{
			// Unique per scalable target, which is all AWS asks.
			Name:              pulumi.String(name + "-" + p.suffix),
			PolicyType:        pulumi.String(TargetTrackingScaling),
			ResourceId:        out.Target.ResourceId,
			ScalableDimension: out.Target.ScalableDimension,
			ServiceNamespace:  out.Target.ServiceNamespace,
			TargetTrackingScalingPolicyConfiguration: &appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs{
				PredefinedMetricSpecification: spec,
				TargetValue:                   pulumi.Float64(float64(p.target)),
				ScaleInCooldown:               pulumi.Int(r.ScaleInCooldownSeconds),
				ScaleOutCooldown:              pulumi.Int(r.ScaleOutCooldownSeconds),
			},
		}, parent)
		if err != nil {
			return nil, err
		}
		out.Policies = append(out.Policies, pol)
	}
	return out, nil
}

// servicePolicies are an ecs service's target tracking policies: CPU, memory
// and the request count per target of each alb that forwards to it.
func servicePolicies(r Scaling, labels map[string]pulumi.StringInput) []appPolicy {
	out := []appPolicy{
		{suffix: "cpu", metric: "ECSServiceAverageCPUUtilization", target: r.CPUTarget},
		{suffix: "memory", metric: "ECSServiceAverageMemoryUtilization", target: r.MemoryTarget},
	}
	for _, alb := range sortedKeys(labels) {
		out = append(out, appPolicy{suffix: "requests-" + alb, metric: "ALBRequestCountPerTarget", label: labels[alb], target: r.RequestsPerTarget})
	}
	return out
}

// readerPolicies is an aurora cluster's one reader policy: CPU or connections.
func readerPolicies(r Scaling) []appPolicy {
	if r.ConnectionsTarget > 0 {
		return []appPolicy{{suffix: "reader-connections", metric: "RDSReaderAverageDatabaseConnections", target: r.ConnectionsTarget}}
	}
	return []appPolicy{{suffix: "reader-cpu", metric: "RDSReaderAverageCPUUtilization", target: r.CPUTarget}}
}

// AuroraResourceID is Application Auto Scaling's id of a cluster: cluster:<identifier>.
func AuroraResourceID(clusterID pulumi.StringInput) pulumi.StringOutput {
	return pulumi.Sprintf("cluster:%s", clusterID)
}

// newProvisionedConcurrency publishes the function's versions behind the
// alias "live" and keeps r.ProvisionedConcurrency environments initialised on
// it. Provisioned concurrency is configured on an alias or a version, never
// on $LATEST.
func newProvisionedConcurrency(ctx *pulumi.Context, name string, fn *lambda.Function, r Scaling, parent pulumi.ResourceOption) (*lambda.Alias, *lambda.ProvisionedConcurrencyConfig, error) {
	alias, err := lambda.NewAlias(ctx, name+"-"+LiveAlias, &lambda.AliasArgs{
		Name:            pulumi.String(LiveAlias),
		Description:     pulumi.String("The published version that takes traffic, with provisioned concurrency"),
		FunctionName:    fn.Name,
		FunctionVersion: fn.Version,
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	pc, err := lambda.NewProvisionedConcurrencyConfig(ctx, name+"-"+LiveAlias, &lambda.ProvisionedConcurrencyConfigArgs{
		FunctionName:                    fn.Name,
		Qualifier:                       alias.Name,
		ProvisionedConcurrentExecutions: pulumi.Int(r.ProvisionedConcurrency),
	}, parent)
	if err != nil {
		return nil, nil, err
	}
	return alias, pc, nil
}

// scalingIgnore is the ignore-changes option of a resource whose count the
// scaler owns once scaling is on: without it the next `pulumi up` would set
// the count back to the config's starting value and fight the scaler.
func scalingIgnore(r Scaling, property string) []pulumi.ResourceOption {
	if !r.On {
		return nil
	}
	return []pulumi.ResourceOption{pulumi.IgnoreChanges([]string{property})}
}

func scalingErr(fn, name string, err error) error {
	return fmt.Errorf("compute.%s(%q): scaling: %w", fn, name, err)
}
