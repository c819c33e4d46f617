// Package awsseed builds, through the AWS SDK against moto, an account
// shaped like the one the project's story starts from, for the live audit's
// tests. It holds test helpers only.
package awsseed

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/batch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"

	"github.com/acme/platform/internal/motoserver"
)

// Seed holds the ids of the seed-like account built in moto.
type Seed struct {
	Region                            string
	VPC                               string
	PubA, PubB, Priv, Iso             string
	Shared, SSH, App, Cache, ALB, Old string
	WideSplit, ViaPrefixList          string
	PrefixList                        string
	// Subnets public only through routes that together cover the
	// internet (two halves of IPv4, a prefix list, 2000::/3), and one
	// with half of IPv4 to the gateway, which is not the internet.
	Halves, ListRouted, V6, HalfOnly string
	// Groups only Auto Scaling groups use, through a launch template
	// (Fleet, JobsFleet) or a launch configuration (LegacyFleet), and the
	// instance prod-web-asg launched.
	Fleet, JobsFleet, LegacyFleet, ASGInstance string
	// SplitRules opens tcp 8080 to the internet only through two rules
	// together (8000-8100 from one half, 8080 from the other).
	SplitRules  string
	Web, Worker string // EC2 instances: public, private
	LBName      string
	ENIs        map[string]string // what the seed created in place of AWS
}

// seedError carries a failed seeding call to Build's recover.
type seedError struct{ err error }

// must stops the seeding on an error; Build turns it into a test failure.
func must[T any](v T, err error) T {
	if err != nil {
		panic(seedError{err})
	}
	return v
}

func fatalOnSeedError(t testing.TB) {
	if r := recover(); r != nil {
		se, ok := r.(seedError)
		if !ok {
			panic(r)
		}
		t.Fatalf("seeding the account in moto: %v", se.err)
	}
}

// Config is an SDK configuration for moto at endpoint, with fake credentials.
func Config(t testing.TB, endpoint, region string) aws.Config {
	t.Helper()
	motoserver.Env(t)
	defer fatalOnSeedError(t)
	return must(config.LoadDefaultConfig(context.Background(), config.WithRegion(region), config.WithBaseEndpoint(endpoint)))
}

func perm(proto string, from, to int32, cidrs ...string) ec2types.IpPermission {
	p := ec2types.IpPermission{IpProtocol: aws.String(proto)}
	if proto != "-1" {
		p.FromPort, p.ToPort = aws.Int32(from), aws.Int32(to)
	}
	for _, c := range cidrs {
		switch {
		case len(c) > 3 && c[:3] == "sg-":
			p.UserIdGroupPairs = append(p.UserIdGroupPairs, ec2types.UserIdGroupPair{GroupId: aws.String(c)})
		case len(c) > 3 && c[:3] == "pl-":
			p.PrefixListIds = append(p.PrefixListIds, ec2types.PrefixListId{PrefixListId: aws.String(c)})
		case bytes.ContainsRune([]byte(c), ':'):
			p.Ipv6Ranges = append(p.Ipv6Ranges, ec2types.Ipv6Range{CidrIpv6: aws.String(c)})
		default:
			p.IpRanges = append(p.IpRanges, ec2types.IpRange{CidrIp: aws.String(c)})
		}
	}
	return p
}

// Build creates, through the SDK, an account shaped like the one in
// the story: a VPC whose workloads sit in public subnets (one of them public
// only through the main route table), a NAT-routed private subnet, a group
// open on all ports to 0.0.0.0/0 shared by an EC2 instance, a publicly
// accessible Aurora instance and a Lambda function, SSH and ::/0 from
// anywhere, the whole internet spelt as two halves and as a prefix list, a
// group reachable only by group id, and an unused group.
func Build(t testing.TB, endpoint, region string) Seed {
	t.Helper()
	ctx := context.Background()
	cfg := Config(t, endpoint, region)
	defer fatalOnSeedError(t)
	e := ec2.NewFromConfig(cfg)
	s := Seed{Region: region, ENIs: map[string]string{}}
	az := func(x string) *string { return aws.String(region + x) }

	s.VPC = *must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16"),
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeVpc, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("prod-vpc")}}}}})).Vpc.VpcId
	subnet := func(cidr, zone, name string) string {
		return *must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &s.VPC, CidrBlock: aws.String(cidr), AvailabilityZone: az(zone),
			TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeSubnet, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String(name)}}}}})).Subnet.SubnetId
	}
	s.PubA = subnet("10.0.0.0/20", "a", "prod-public-a")
	s.PubB = subnet("10.0.16.0/20", "b", "prod-public-b")
	s.Priv = subnet("10.0.32.0/20", "a", "prod-private-a")
	s.Iso = subnet("10.0.48.0/20", "b", "prod-isolated-b")

	igw := *must(e.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	must(e.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &s.VPC}))
	// pubA: its own table with a default route to the gateway.
	pubRT := *must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &s.VPC})).RouteTable.RouteTableId
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &pubRT, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}))
	must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &pubRT, SubnetId: &s.PubA}))
	// pubB: no association, so the main table decides, and the main table
	// reaches the gateway.
	mains := must(e.DescribeRouteTables(ctx, &ec2.DescribeRouteTablesInput{Filters: []ec2types.Filter{
		{Name: aws.String("vpc-id"), Values: []string{s.VPC}}, {Name: aws.String("association.main"), Values: []string{"true"}}}}))
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: mains.RouteTables[0].RouteTableId, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}))
	// priv: a NAT gateway in pubA.
	eip := must(e.AllocateAddress(ctx, &ec2.AllocateAddressInput{Domain: ec2types.DomainTypeVpc}))
	nat := *must(e.CreateNatGateway(ctx, &ec2.CreateNatGatewayInput{SubnetId: &s.PubA, AllocationId: eip.AllocationId})).NatGateway.NatGatewayId
	privRT := *must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &s.VPC})).RouteTable.RouteTableId
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &privRT, DestinationCidrBlock: aws.String("0.0.0.0/0"), NatGatewayId: &nat}))
	must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &privRT, SubnetId: &s.Priv}))
	// iso: a table with only the local route.
	isoRT := *must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &s.VPC})).RouteTable.RouteTableId
	must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &isoRT, SubnetId: &s.Iso}))

	s.PrefixList = *must(e.CreateManagedPrefixList(ctx, &ec2.CreateManagedPrefixListInput{PrefixListName: aws.String("everyone"), AddressFamily: aws.String("IPv4"), MaxEntries: aws.Int32(5),
		Entries: []ec2types.AddPrefixListEntry{{Cidr: aws.String("0.0.0.0/1")}, {Cidr: aws.String("128.0.0.0/1")}}})).PrefixList.PrefixListId
	// The internet without a default route: each subnet has its own table
	// whose routes to the gateway together cover the whole address space.
	routed := func(cidr, zone, name string, routes ...ec2.CreateRouteInput) string {
		id := subnet(cidr, zone, name)
		rt := *must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &s.VPC})).RouteTable.RouteTableId
		for _, r := range routes {
			r.RouteTableId, r.GatewayId = &rt, &igw
			must(e.CreateRoute(ctx, &r))
		}
		must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &rt, SubnetId: &id}))
		return id
	}
	s.Halves = routed("10.0.64.0/20", "a", "prod-edge-halves",
		ec2.CreateRouteInput{DestinationCidrBlock: aws.String("0.0.0.0/1")}, ec2.CreateRouteInput{DestinationCidrBlock: aws.String("128.0.0.0/1")})
	s.ListRouted = routed("10.0.80.0/20", "b", "prod-edge-list", ec2.CreateRouteInput{DestinationPrefixListId: &s.PrefixList})
	s.V6 = routed("10.0.96.0/20", "a", "prod-edge-v6", ec2.CreateRouteInput{DestinationIpv6CidrBlock: aws.String("2000::/3")})
	s.HalfOnly = routed("10.0.112.0/20", "b", "prod-partner",
		ec2.CreateRouteInput{DestinationCidrBlock: aws.String("0.0.0.0/1")}, ec2.CreateRouteInput{DestinationCidrBlock: aws.String("203.0.113.0/24")})

	group := func(name string, perms ...ec2types.IpPermission) string {
		id := *must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{GroupName: aws.String(name), Description: aws.String(name), VpcId: &s.VPC})).GroupId
		if len(perms) > 0 {
			must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &id, IpPermissions: perms}))
		}
		return id
	}
	s.Shared = group("launch-wizard-1", perm("-1", 0, 0, "0.0.0.0/0"))
	s.SSH = group("ssh-anywhere", perm("tcp", 22, 22, "0.0.0.0/0"))
	s.App = group("prod-api", perm("tcp", 8080, 8080, "::/0"))
	s.Cache = group("prod-redis", perm("tcp", 6379, 6379, s.App))
	s.ALB = group("prod-alb", perm("tcp", 80, 80, "0.0.0.0/0"), perm("tcp", 443, 443, "0.0.0.0/0"))
	s.Old = group("old-batch")
	s.WideSplit = group("partner-halves", perm("tcp", 5000, 5000, "0.0.0.0/1", "128.0.0.0/1"))
	s.ViaPrefixList = group("partner-list", perm("tcp", 6000, 6000, s.PrefixList))
	s.SplitRules = group("partner-split", perm("tcp", 8000, 8100, "0.0.0.0/1"), perm("tcp", 8080, 8080, "128.0.0.0/1"))

	// EC2: a public web instance (public IP, IMDSv1 allowed) sharing the
	// wide-open group, and a private worker done right.
	web := must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro,
		NetworkInterfaces: []ec2types.InstanceNetworkInterfaceSpecification{{DeviceIndex: aws.Int32(0), SubnetId: &s.PubA,
			AssociatePublicIpAddress: aws.Bool(true), Groups: []string{s.Shared, s.SSH, s.WideSplit, s.ViaPrefixList}}},
		MetadataOptions:   &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateOptional},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("prod-web")}}}}}))
	s.Web = *web.Instances[0].InstanceId
	worker := must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), MinCount: aws.Int32(1), MaxCount: aws.Int32(1),
		InstanceType: ec2types.InstanceTypeT3Micro, SubnetId: &s.Priv, SecurityGroupIds: []string{s.App},
		MetadataOptions: &ec2types.InstanceMetadataOptionsRequest{HttpTokens: ec2types.HttpTokensStateRequired}}))
	s.Worker = *worker.Instances[0].InstanceId

	// eni stands in for an interface AWS would have created and moto does
	// not: moto models RDS, ElastiCache, Lambda, ELB and ECS tasks without
	// network interfaces.
	eni := func(key, subnet, description string, groups ...string) {
		s.ENIs[key] = *must(e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &subnet, Description: &description, Groups: groups})).NetworkInterface.NetworkInterfaceId
	}

	// Aurora: publicly accessible, unencrypted, in the public subnets, with
	// the wide-open group.
	r := rds.NewFromConfig(cfg)
	must(r.CreateDBSubnetGroup(ctx, &rds.CreateDBSubnetGroupInput{DBSubnetGroupName: aws.String("prod-aurora-subnets"), DBSubnetGroupDescription: aws.String("aurora"), SubnetIds: []string{s.PubA, s.PubB}}))
	// Its own cluster parameter group, with TLS not required: a migration
	// imports the group with the values set in it.
	must(r.CreateDBClusterParameterGroup(ctx, &rds.CreateDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("prod-aurora-pg15"),
		DBParameterGroupFamily: aws.String("aurora-postgresql15"), Description: aws.String("Aurora cluster parameters")}))
	must(r.ModifyDBClusterParameterGroup(ctx, &rds.ModifyDBClusterParameterGroupInput{DBClusterParameterGroupName: aws.String("prod-aurora-pg15"),
		Parameters: []rdstypes.Parameter{
			{ParameterName: aws.String("rds.force_ssl"), ParameterValue: aws.String("0"), ApplyMethod: rdstypes.ApplyMethodImmediate},
			{ParameterName: aws.String("log_min_duration_statement"), ParameterValue: aws.String("2000"), ApplyMethod: rdstypes.ApplyMethodImmediate},
		}}))
	must(r.CreateDBCluster(ctx, &rds.CreateDBClusterInput{DBClusterIdentifier: aws.String("prod-aurora"), Engine: aws.String("aurora-postgresql"), EngineVersion: aws.String("15.4"),
		DBClusterParameterGroupName: aws.String("prod-aurora-pg15"),
		MasterUsername:              aws.String("app"), MasterUserPassword: aws.String("not-a-secret-1"), DBSubnetGroupName: aws.String("prod-aurora-subnets"),
		VpcSecurityGroupIds: []string{s.Shared}, StorageEncrypted: aws.Bool(false)}))
	must(r.CreateDBInstance(ctx, &rds.CreateDBInstanceInput{DBInstanceIdentifier: aws.String("prod-aurora-a"), DBClusterIdentifier: aws.String("prod-aurora"),
		Engine: aws.String("aurora-postgresql"), DBInstanceClass: aws.String("db.r6g.large"), PubliclyAccessible: aws.Bool(true),
		DBSubnetGroupName: aws.String("prod-aurora-subnets"), AvailabilityZone: az("a")}))
	eni("rds", s.PubA, "RDSNetworkInterface", s.Shared)

	// ElastiCache: a Redis replication group without encryption or auth,
	// reachable only from the api group.
	ec := elasticache.NewFromConfig(cfg)
	must(ec.CreateCacheSubnetGroup(ctx, &elasticache.CreateCacheSubnetGroupInput{CacheSubnetGroupName: aws.String("prod-redis-subnets"), CacheSubnetGroupDescription: aws.String("redis"), SubnetIds: []string{s.PubB}}))
	must(ec.CreateReplicationGroup(ctx, &elasticache.CreateReplicationGroupInput{ReplicationGroupId: aws.String("prod-redis"), ReplicationGroupDescription: aws.String("sessions"),
		Engine: aws.String("redis"), CacheNodeType: aws.String("cache.t3.micro"), NumCacheClusters: aws.Int32(1), CacheSubnetGroupName: aws.String("prod-redis-subnets"), SecurityGroupIds: []string{s.Cache}}))
	must(ec.CreateCacheCluster(ctx, &elasticache.CreateCacheClusterInput{CacheClusterId: aws.String("prod-redis-001"), ReplicationGroupId: aws.String("prod-redis"),
		Engine: aws.String("redis"), CacheNodeType: aws.String("cache.t3.micro"), NumCacheNodes: aws.Int32(1), CacheSubnetGroupName: aws.String("prod-redis-subnets"), SecurityGroupIds: []string{s.Cache}}))
	eni("cache", s.PubB, "ElastiCache prod-redis-001", s.Cache)

	// Lambda in the VPC, in a public subnet with the wide-open group.
	role := *must(iam.NewFromConfig(cfg).CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("thumbnailer"),
		AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)})).Role.Arn
	var code bytes.Buffer
	zw := zip.NewWriter(&code)
	f, _ := zw.Create("index.py")
	fmt.Fprintln(f, "def handler(event, context): return None")
	zw.Close()
	must(lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("prod-thumbnailer"), Runtime: lambdatypes.RuntimePython312,
		Role: &role, Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: code.Bytes()},
		VpcConfig: &lambdatypes.VpcConfig{SubnetIds: []string{s.PubA}, SecurityGroupIds: []string{s.Shared}}}))
	eni("lambda", s.PubA, "AWS Lambda VPC ENI-prod-thumbnailer-73888ec6-41e0-49c6-af12-329b64768932", s.Shared)
	// A second function, in the subnet public through two halves, behind
	// the group whose rules open 8080 only together.
	must(lambda.NewFromConfig(cfg).CreateFunction(ctx, &lambda.CreateFunctionInput{FunctionName: aws.String("prod-resizer"), Runtime: lambdatypes.RuntimePython312,
		Role: &role, Handler: aws.String("index.handler"), Code: &lambdatypes.FunctionCode{ZipFile: code.Bytes()},
		VpcConfig: &lambdatypes.VpcConfig{SubnetIds: []string{s.Halves}, SecurityGroupIds: []string{s.SplitRules}}}))

	// An internet-facing load balancer serving plain HTTP.
	lb := elb.NewFromConfig(cfg)
	s.LBName = "prod-web"
	lbOut := must(lb.CreateLoadBalancer(ctx, &elb.CreateLoadBalancerInput{Name: &s.LBName, Subnets: []string{s.PubA, s.PubB}, SecurityGroups: []string{s.ALB},
		Scheme: elbtypes.LoadBalancerSchemeEnumInternetFacing, Type: elbtypes.LoadBalancerTypeEnumApplication}))
	lbArn := lbOut.LoadBalancers[0].LoadBalancerArn
	tg := must(lb.CreateTargetGroup(ctx, &elb.CreateTargetGroupInput{Name: aws.String("prod-web"), Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80), VpcId: &s.VPC}))
	must(lb.CreateListener(ctx, &elb.CreateListenerInput{LoadBalancerArn: lbArn, Protocol: elbtypes.ProtocolEnumHttp, Port: aws.Int32(80),
		DefaultActions: []elbtypes.Action{{Type: elbtypes.ActionTypeEnumForward, TargetGroupArn: tg.TargetGroups[0].TargetGroupArn}}}))
	arnSuffix := (*lbArn)[bytes.LastIndex([]byte(*lbArn), []byte("loadbalancer/"))+len("loadbalancer/"):]
	eni("elb-a", s.PubA, "ELB "+arnSuffix, s.ALB)
	eni("elb-b", s.PubB, "ELB "+arnSuffix, s.ALB)

	// ECS: a Fargate service in a public subnet with public IPs. RunTask in
	// awsvpc mode fails in moto, so the task's interface is created here.
	ecsc := ecs.NewFromConfig(cfg)
	must(ecsc.CreateCluster(ctx, &ecs.CreateClusterInput{ClusterName: aws.String("prod")}))
	must(ecsc.RegisterTaskDefinition(ctx, &ecs.RegisterTaskDefinitionInput{Family: aws.String("api"), NetworkMode: ecstypes.NetworkModeAwsvpc,
		RequiresCompatibilities: []ecstypes.Compatibility{ecstypes.CompatibilityFargate}, Cpu: aws.String("256"), Memory: aws.String("512"),
		ContainerDefinitions: []ecstypes.ContainerDefinition{{Name: aws.String("api"), Image: aws.String("nginx"), Memory: aws.Int32(128)}}}))
	must(ecsc.CreateService(ctx, &ecs.CreateServiceInput{Cluster: aws.String("prod"), ServiceName: aws.String("api"), TaskDefinition: aws.String("api"),
		DesiredCount: aws.Int32(1), LaunchType: ecstypes.LaunchTypeFargate,
		NetworkConfiguration: &ecstypes.NetworkConfiguration{AwsvpcConfiguration: &ecstypes.AwsVpcConfiguration{Subnets: []string{s.PubB}, SecurityGroups: []string{s.App}, AssignPublicIp: ecstypes.AssignPublicIpEnabled}}}))
	eni("ecs", s.PubB, "arn:aws:ecs:"+region+":123456789012:attachment/ce17cb13-58e3-45da-a23e-4edf466afcb8", s.App)

	// Batch: a Fargate compute environment in the private subnet. Jobs
	// need docker in moto, so no job runs and no interface is created.
	must(batch.NewFromConfig(cfg).CreateComputeEnvironment(ctx, &batch.CreateComputeEnvironmentInput{ComputeEnvironmentName: aws.String("prod-jobs"),
		Type: batchtypes.CETypeManaged, State: batchtypes.CEStateEnabled, ServiceRole: &role,
		ComputeResources: &batchtypes.ComputeResource{Type: batchtypes.CRTypeFargate, MaxvCpus: aws.Int32(4), Subnets: []string{s.Priv}, SecurityGroupIds: []string{s.App}}}))

	// Auto Scaling groups and what they launch from. prod-web-asg launches
	// version 1 of its template, into the public subnets; version 2 (the
	// latest, not the default) names the unused group, which must stay
	// unused. prod-jobs-asg launches its template's $Latest, and
	// prod-legacy-asg a launch configuration; neither runs an instance.
	s.Fleet = group("prod-web-fleet", perm("tcp", 80, 80, s.ALB))
	s.JobsFleet = group("prod-jobs-fleet")
	s.LegacyFleet = group("prod-legacy-fleet")
	lt := must(e.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("prod-web"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{s.Fleet}}})).LaunchTemplate
	must(e.CreateLaunchTemplateVersion(ctx, &ec2.CreateLaunchTemplateVersionInput{LaunchTemplateId: lt.LaunchTemplateId,
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{s.Old}}}))
	as := autoscaling.NewFromConfig(cfg)
	must(as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("prod-web-asg"),
		LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateId: lt.LaunchTemplateId, Version: aws.String("1")}, MinSize: aws.Int32(1), MaxSize: aws.Int32(2), DesiredCapacity: aws.Int32(1),
		VPCZoneIdentifier: aws.String(s.PubA + "," + s.PubB)}))
	asg := must(as.DescribeAutoScalingGroups(ctx, &autoscaling.DescribeAutoScalingGroupsInput{AutoScalingGroupNames: []string{"prod-web-asg"}}))
	if len(asg.AutoScalingGroups) != 1 || len(asg.AutoScalingGroups[0].Instances) != 1 {
		panic(seedError{fmt.Errorf("prod-web-asg runs %+v, want one instance", asg.AutoScalingGroups)})
	}
	s.ASGInstance = *asg.AutoScalingGroups[0].Instances[0].InstanceId
	// moto launches the group's instance with the VPC's default group, not
	// the template's SecurityGroupIds as AWS does: give it what AWS would.
	must(e.ModifyInstanceAttribute(ctx, &ec2.ModifyInstanceAttributeInput{InstanceId: &s.ASGInstance, Groups: []string{s.Fleet}}))
	jobs := must(e.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("prod-jobs"),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro, SecurityGroupIds: []string{s.JobsFleet}}})).LaunchTemplate
	must(as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("prod-jobs-asg"),
		LaunchTemplate: &asgtypes.LaunchTemplateSpecification{LaunchTemplateName: jobs.LaunchTemplateName, Version: aws.String("$Latest")}, MinSize: aws.Int32(0), MaxSize: aws.Int32(2), DesiredCapacity: aws.Int32(0),
		VPCZoneIdentifier: aws.String(s.Priv)}))
	must(as.CreateLaunchConfiguration(ctx, &autoscaling.CreateLaunchConfigurationInput{LaunchConfigurationName: aws.String("prod-legacy"), ImageId: aws.String("ami-12c6146b"),
		InstanceType: aws.String("t3.micro"), SecurityGroups: []string{s.LegacyFleet}}))
	must(as.CreateAutoScalingGroup(ctx, &autoscaling.CreateAutoScalingGroupInput{AutoScalingGroupName: aws.String("prod-legacy-asg"),
		LaunchConfigurationName: aws.String("prod-legacy"), MinSize: aws.Int32(0), MaxSize: aws.Int32(1), DesiredCapacity: aws.Int32(0),
		VPCZoneIdentifier: aws.String(s.Priv)}))
	return s
}
