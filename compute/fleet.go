package compute

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/autoscaling"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ssm"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// AMI parameters: the latest Amazon Linux 2023 image in AWS's public SSM
// parameters, the default image of a fleet. The program reads the parameter
// at deploy time and records the ID in the launch template (see imageID).
const (
	AMIParameterX86 = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"
	AMIParameterARM = "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64"
)

// SSMManagedPolicy is the only policy an instance role carries: Session Manager
// access, instead of SSH keys and open ports.
const SSMManagedPolicy = "AmazonSSMManagedInstanceCore"

// HealthCheckGraceSeconds is how long a new instance may boot before failing
// its load balancer health check counts.
const HealthCheckGraceSeconds = 300

// FleetArgs are the inputs of an ec2 workload.
type FleetArgs struct {
	// Workload is the config name (tags, the instance role's description).
	Workload string
	Spec     EC2Spec
	// PrivateSubnetIDs are where instances launch: the private tier.
	PrivateSubnetIDs pulumi.StringArrayInput
	// SecurityGroupID is the workload's own group, from the security package.
	SecurityGroupID pulumi.StringInput
	// TargetGroupARNs registers the instances with these target groups (one per
	// alb that routes to the workload); the group then uses the load
	// balancer's health check.
	TargetGroupARNs pulumi.StringArray
	// RequestLabels are the ALBRequestCountPerTarget labels of those target
	// groups, by alb name (LoadBalancer.RequestLabels): the fleet keeps its
	// requests per instance behind each of them.
	RequestLabels map[string]pulumi.StringInput
	// Grants are the instance role's permissions beyond Session Manager, one
	// inline policy each.
	Grants []Grant
	// Wiring is the instances' settings beyond the fleet's own environment:
	// where the stores it reaches are, and secrets' ARNs. With either, every
	// value becomes an SSM parameter under ConfigPath, the role may read that
	// path, and the instances load it at boot into /etc/platform/env.
	Wiring Wiring
	// ConfigPath is the SSM path of the settings, see compute.ConfigPath.
	ConfigPath string

	Env     awsenv.Env
	Protect bool
	Tags    map[string]string
	// DefaultTags are the provider's default tags (aws:defaultTags). The
	// provider applies them to the launch template and the group themselves,
	// but not to the template's tag specifications (what a launched instance,
	// its volumes and its network interfaces get) nor to the group's tags, so
	// the fleet writes them there itself.
	DefaultTags map[string]string
}

// Fleet is an Auto Scaling group of instances in the private subnets, from a
// launch template that enforces IMDSv2, encrypted volumes, no key pair and an
// instance role limited to Session Manager.
type Fleet struct {
	pulumi.ResourceState

	// Role is the instance role: Session Manager and FleetArgs.Grants.
	Role *iam.Role
	// Runtime owns the role and its grants.
	Runtime *Runtime
	// ConfigPath is where the instances' settings are in SSM ("" when none).
	ConfigPath      string
	InstanceProfile *iam.InstanceProfile
	LaunchTemplate  *ec2.LaunchTemplate
	Group           *autoscaling.Group
	// ScalingPolicies are the group's target tracking policies (none when the
	// fleet does not scale).
	ScalingPolicies []*autoscaling.Policy

	ASGName pulumi.StringOutput
	RoleARN pulumi.StringOutput
}

var graviton = regexp.MustCompile(`^(a1|[a-z]+[0-9]+[a-z]*g[a-z]*(-flex)?)\.`)

// AMIParameter is the SSM parameter of the image for an instance type: arm64
// for Graviton types (t4g, m7g, c7gn, ...), x86_64 for the rest.
func AMIParameter(instanceType string) string {
	if graviton.MatchString(instanceType) {
		return AMIParameterARM
	}
	return AMIParameterX86
}

// NewFleet registers an ec2 workload.
func NewFleet(ctx *pulumi.Context, name string, args *FleetArgs, opts ...pulumi.ResourceOption) (*Fleet, error) {
	if args == nil {
		return nil, fmt.Errorf("compute.NewFleet(%q): args are required", name)
	}
	if err := checkCommon("NewFleet", name, args.Workload, args.Env, false); err != nil {
		return nil, err
	}
	s := args.Spec
	switch {
	case args.PrivateSubnetIDs == nil || args.SecurityGroupID == nil:
		return nil, fmt.Errorf("compute.NewFleet(%q): PrivateSubnetIDs and SecurityGroupID are required", name)
	case s.MinSize < 1 || s.MaxSize < s.MinSize || s.DesiredCapacity < s.MinSize || s.DesiredCapacity > s.MaxSize || s.RootVolumeGiB < 8 || s.InstanceType == "":
		return nil, fmt.Errorf("compute.NewFleet(%q): the spec is not valid; run Config.Validate first", name)
	}
	if err := args.Wiring.check(KindEC2, s.Environment); err != nil {
		return nil, fmt.Errorf("compute.NewFleet(%q): %w", name, err)
	}
	settings := len(s.Environment)+len(args.Wiring.Env) > 0
	if settings && !strings.HasPrefix(args.ConfigPath, "/") {
		return nil, fmt.Errorf("compute.NewFleet(%q): ConfigPath is required with settings; see compute.ConfigPath", name)
	}
	f := &Fleet{}
	if err := ctx.RegisterComponentResource("platform:compute:Fleet", name, f, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(f)
	tg := workloadTags(args.Tags, args.Workload)

	// EC2 does not pass aws:SourceAccount when it assumes an instance role, so
	// the trust policy cannot carry that condition.
	grants := args.Grants
	if settings {
		grants = append(grants, configGrant(args.Env, args.ConfigPath))
	}
	rt, err := newRuntime(ctx, name, runtimeArgs{
		Workload: args.Workload, Kind: KindEC2, Service: "ec2.amazonaws.com",
		RoleSuffix:      "role",
		RoleDescription: "Instance role of " + args.Workload + ": Session Manager only; attach more to grant access",
		Managed:         map[string]string{"ssm": SSMManagedPolicy},
		Grants:          append(s.artifactGrant(args.Env), grants...),
		Env:             args.Env, Tags: tg,
	}, parent)
	if err != nil {
		return nil, err
	}
	f.Runtime, f.Role = rt, rt.Role
	f.InstanceProfile, err = iam.NewInstanceProfile(ctx, name+"-profile", &iam.InstanceProfileArgs{
		Role: f.Role.Name,
		Tags: tg.Named(name + "-profile"),
	}, parent)
	if err != nil {
		return nil, err
	}

	image, err := s.imageID(ctx)
	if err != nil {
		return nil, fmt.Errorf("compute.NewFleet(%q): %w", name, err)
	}
	var params []pulumi.Resource
	if settings {
		if params, err = settingParameters(ctx, name, args.ConfigPath, s.Environment, args.Wiring, tg, parent); err != nil {
			return nil, err
		}
		f.ConfigPath = args.ConfigPath
	}
	var userData pulumi.StringPtrInput
	script := s.userDataScript(settings)
	if settings {
		script = withEnvLoader(envLoader(args.Env.Region, args.ConfigPath), script)
	}
	if script != "" {
		userData = pulumi.String(base64.StdEncoding.EncodeToString([]byte(script)))
	}
	launchTags := withDefaults(args.DefaultTags, tg.Named(name))
	f.LaunchTemplate, err = ec2.NewLaunchTemplate(ctx, name, &ec2.LaunchTemplateArgs{
		Description:  pulumi.String("Instances of " + args.Workload),
		ImageId:      pulumi.String(image),
		InstanceType: pulumi.String(s.InstanceType),
		// No KeyName: nobody holds an SSH key; Session Manager is the way in.
		IamInstanceProfile: &ec2.LaunchTemplateIamInstanceProfileArgs{Arn: f.InstanceProfile.Arn},
		// No NetworkInterfaces block: the primary interface comes from the
		// group's private subnet, which never maps public IPs, and a block here
		// could only add a way to ask for one.
		VpcSecurityGroupIds: groupIDs(args.SecurityGroupID, args.Spec.LegacySecurityGroups),
		MetadataOptions: &ec2.LaunchTemplateMetadataOptionsArgs{
			HttpEndpoint: pulumi.String("enabled"),
			// IMDSv2 only. The hop limit is 1, so nothing in a container can
			// reach the instance's credentials, unless the fleet's application
			// is a container: it is what the role's grants are for (its
			// settings, its stores' secrets and IAM tokens), and behind Docker's
			// bridge it is one hop further away.
			HttpTokens:              pulumi.String("required"),
			HttpPutResponseHopLimit: pulumi.Int(metadataHopLimit(s)),
		},
		BlockDeviceMappings: ec2.LaunchTemplateBlockDeviceMappingArray{&ec2.LaunchTemplateBlockDeviceMappingArgs{
			DeviceName: pulumi.String("/dev/xvda"), // Amazon Linux 2023's root device
			Ebs: &ec2.LaunchTemplateBlockDeviceMappingEbsArgs{
				VolumeType:          pulumi.String("gp3"),
				VolumeSize:          pulumi.Int(s.RootVolumeGiB),
				Encrypted:           pulumi.String("true"),
				DeleteOnTermination: pulumi.String("true"),
			},
		}},
		UserData:             userData,
		UpdateDefaultVersion: pulumi.Bool(true),
		TagSpecifications: ec2.LaunchTemplateTagSpecificationArray{
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("instance"), Tags: launchTags},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("volume"), Tags: launchTags},
			&ec2.LaunchTemplateTagSpecificationArgs{ResourceType: pulumi.String("network-interface"), Tags: launchTags},
		},
		Tags: tg.Named(name),
	}, parent)
	if err != nil {
		return nil, err
	}

	scaling := s.EC2Scaling()
	healthCheck := "EC2"
	if len(args.TargetGroupARNs) > 0 {
		// Behind an alb, an instance whose application stopped answering is
		// replaced, not only one whose hardware failed.
		healthCheck = "ELB"
	}
	var groupTags autoscaling.GroupTagArray
	own := tg.With("Name", name)
	for k, v := range args.DefaultTags {
		if _, set := own[k]; !set {
			own = own.With(k, v)
		}
	}
	for _, k := range sortedKeys(own) {
		// Instances get their tags from the launch template; propagating these
		// too would tag them twice.
		groupTags = append(groupTags, &autoscaling.GroupTagArgs{
			Key: pulumi.String(k), Value: pulumi.String(own[k]), PropagateAtLaunch: pulumi.Bool(false),
		})
	}
	f.Group, err = autoscaling.NewGroup(ctx, name, &autoscaling.GroupArgs{
		VpcZoneIdentifiers: args.PrivateSubnetIDs,
		MinSize:            pulumi.Int(s.MinSize),
		MaxSize:            pulumi.Int(s.MaxSize),
		DesiredCapacity:    pulumi.Int(s.DesiredCapacity),
		LaunchTemplate: &autoscaling.GroupLaunchTemplateArgs{
			Id: f.LaunchTemplate.ID(),
			// The concrete latest version, not "$Latest": a new template version
			// is then a change of the group, which starts the instance refresh.
			Version: f.LaunchTemplate.LatestVersion.ApplyT(func(v int) string { return strconv.Itoa(v) }).(pulumi.StringOutput),
		},
		TargetGroupArns:        args.TargetGroupARNs,
		HealthCheckType:        pulumi.String(healthCheck),
		HealthCheckGracePeriod: pulumi.Int(HealthCheckGraceSeconds),
		InstanceRefresh: &autoscaling.GroupInstanceRefreshArgs{
			// Replace instances in batches whenever the launch template changes
			// (a new image, new user data), keeping minHealthyPercentage serving;
			// at 100 new instances start before old ones stop.
			Strategy: pulumi.String("Rolling"),
			Preferences: &autoscaling.GroupInstanceRefreshPreferencesArgs{
				MinHealthyPercentage: pulumi.Int(s.MinHealthyPercentage),
				MaxHealthyPercentage: pulumi.Int(maxHealthyPercentage(s.MinHealthyPercentage)),
				InstanceWarmup:       pulumi.String(strconv.Itoa(HealthCheckGraceSeconds)),
			},
		},
		Tags: groupTags,
	}, append([]pulumi.ResourceOption{
		parent,
		// Instances launch as soon as the group exists, register with Session
		// Manager, load their settings from SSM and use their grants at boot; the
		// launch template holds only the instance profile and the path, not the
		// role's policies or the parameters, so nothing else makes the group
		// wait for them.
		pulumi.DependsOn(append(rt.Ready(), params...))},
		// With scaling on, the scaler owns the instance count.
		scalingIgnore(scaling, "desiredCapacity")...)...)
	if err != nil {
		return nil, err
	}
	if scaling.On {
		if f.ScalingPolicies, err = newFleetScaling(ctx, name, f.Group, scaling, args.RequestLabels, parent); err != nil {
			return nil, scalingErr("NewFleet", name, err)
		}
	}
	f.ASGName = f.Group.Name
	f.RoleARN = f.Role.Arn
	if err := ctx.RegisterResourceOutputs(f, pulumi.Map{
		"asgName": f.ASGName,
		"roleArn": f.RoleARN,
	}); err != nil {
		return nil, err
	}
	return f, nil
}

// withDefaults adds the provider's default tags under a resource's own tags
// (its own win, as they do for the provider's default tags).
func withDefaults(defaults map[string]string, own pulumi.StringMap) pulumi.StringMap {
	out := pulumi.StringMap{}
	for k, v := range defaults {
		out[k] = pulumi.String(v)
	}
	for k, v := range own {
		out[k] = v
	}
	return out
}

// configGrant lets the instances read their settings: the path itself (for
// GetParametersByPath) and every parameter under it, nothing else.
func configGrant(env awsenv.Env, path string) Grant {
	base := env.ARN("ssm", env.Region, "parameter"+strings.TrimSuffix(path, "/"))
	return Grant{Key: "config", Reason: "read its settings under " + path,
		Statements: []Statement{{Sid: "ReadSettings",
			Actions:   []string{"ssm:GetParameter", "ssm:GetParameters", "ssm:GetParametersByPath"},
			Resources: []pulumi.StringInput{pulumi.String(base), pulumi.String(base + "/*")}}}}
}

// settingParameters writes each setting as a String parameter <path><NAME>.
// None is a secret: secrets stay in Secrets Manager and only their ARNs are
// settings.
func settingParameters(ctx *pulumi.Context, name, path string, own map[string]string, w Wiring, tg tags.Set, parent pulumi.ResourceOption) ([]pulumi.Resource, error) {
	values := map[string]pulumi.StringInput{}
	for k, v := range own {
		values[k] = pulumi.String(v)
	}
	for k, v := range w.Env {
		values[k] = v
	}
	var out []pulumi.Resource
	for _, k := range sortedKeys(values) {
		p, err := ssm.NewParameter(ctx, name+"-env-"+k, &ssm.ParameterArgs{
			Name:        pulumi.String(path + k),
			Type:        pulumi.String("String"),
			Tier:        pulumi.String("Standard"),
			Value:       values[k],
			Description: pulumi.String("Setting " + k + " of " + name),
			Tags:        tg.Named(path + k),
		}, parent)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// metadataHopLimit is 2 for a fleet whose application runs in a container
// (the IMDSv2 token response must cross Docker's bridge), 1 otherwise.
func metadataHopLimit(s EC2Spec) int {
	if s.Container != nil {
		return 2
	}
	return 1
}
