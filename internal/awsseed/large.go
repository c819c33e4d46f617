package awsseed

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// Large describes the account BuildLarge made.
type Large struct {
	Region     string
	VPC        string
	Subnets    []string
	Groups     []string // the groups BuildLarge created (not the default ones)
	Instances  int      // instances launched, one interface each
	Interfaces int      // every interface in the VPC: instances' and standalone
}

// largeWorkers bounds the calls BuildLarge has in flight: moto serves them
// on threads, and a few at once hide the round trips without queueing
// hundreds of requests behind its interpreter lock.
const largeWorkers = 8

// BuildLarge creates, through the SDK, a VPC with the given number of
// security groups and network interfaces, for the live read's benchmark.
// Nothing in the SDK creates security groups or interfaces in bulk, so
// those calls run a few at a time; interfaces come in bulk where AWS
// allows it: RunInstances launches up to 100 instances, one interface
// each, per call. Of the interfaces, two fifths belong to instances and
// the rest are standalone, described like the ones Lambda, RDS and load
// balancers create.
func BuildLarge(t testing.TB, endpoint, region string, groups, interfaces int) Large {
	t.Helper()
	ctx := context.Background()
	cfg := Config(t, endpoint, region)
	defer fatalOnSeedError(t)
	e := ec2.NewFromConfig(cfg)
	l := Large{Region: region}
	l.VPC = *must(e.CreateVpc(ctx, &ec2.CreateVpcInput{CidrBlock: aws.String("10.0.0.0/16")})).Vpc.VpcId
	// Eight /20 subnets (4,091 usable addresses each) in three zones: half
	// routed to an internet gateway, half through the main table, which
	// reaches nothing outside the VPC.
	igw := *must(e.CreateInternetGateway(ctx, &ec2.CreateInternetGatewayInput{})).InternetGateway.InternetGatewayId
	must(e.AttachInternetGateway(ctx, &ec2.AttachInternetGatewayInput{InternetGatewayId: &igw, VpcId: &l.VPC}))
	pub := *must(e.CreateRouteTable(ctx, &ec2.CreateRouteTableInput{VpcId: &l.VPC})).RouteTable.RouteTableId
	must(e.CreateRoute(ctx, &ec2.CreateRouteInput{RouteTableId: &pub, DestinationCidrBlock: aws.String("0.0.0.0/0"), GatewayId: &igw}))
	for i := range 8 {
		id := *must(e.CreateSubnet(ctx, &ec2.CreateSubnetInput{VpcId: &l.VPC, CidrBlock: aws.String(fmt.Sprintf("10.0.%d.0/20", i*16)),
			AvailabilityZone: aws.String(region + string(rune('a'+i%3)))})).Subnet.SubnetId
		if i%2 == 0 {
			must(e.AssociateRouteTable(ctx, &ec2.AssociateRouteTableInput{RouteTableId: &pub, SubnetId: &id}))
		}
		l.Subnets = append(l.Subnets, id)
	}

	// Groups: each allows its predecessor by id and one CIDR (every tenth
	// the whole internet), in one AuthorizeSecurityGroupIngress call.
	l.Groups = make([]string, groups)
	parallel(groups, func(i int) {
		l.Groups[i] = *must(e.CreateSecurityGroup(ctx, &ec2.CreateSecurityGroupInput{VpcId: &l.VPC,
			GroupName: aws.String(fmt.Sprintf("bench-%03d", i)), Description: aws.String("benchmark")})).GroupId
	})
	parallel(groups, func(i int) {
		src := fmt.Sprintf("10.%d.%d.0/24", 1+i/250, i%250)
		if i%10 == 0 {
			src = "0.0.0.0/0"
		}
		perms := []ec2types.IpPermission{perm("tcp", int32(1000+i), int32(1000+i), src)}
		if i > 0 {
			perms = append(perms, perm("tcp", 443, 443, l.Groups[i-1]))
		}
		must(e.AuthorizeSecurityGroupIngress(ctx, &ec2.AuthorizeSecurityGroupIngressInput{GroupId: &l.Groups[i], IpPermissions: perms}))
	})

	// Instances in batches of 100 (RunInstances' MaxCount), each batch in
	// its own subnet with its own pair of groups.
	l.Instances = interfaces * 2 / 5
	batches := (l.Instances + 99) / 100
	parallel(batches, func(b int) {
		n := min(100, l.Instances-b*100)
		must(e.RunInstances(ctx, &ec2.RunInstancesInput{ImageId: aws.String("ami-12c6146b"), InstanceType: ec2types.InstanceTypeT3Micro,
			MinCount: aws.Int32(int32(n)), MaxCount: aws.Int32(int32(n)), SubnetId: &l.Subnets[b%len(l.Subnets)],
			SecurityGroupIds: []string{l.Groups[(2*b)%groups], l.Groups[(2*b+1)%groups]}}))
	})
	descriptions := []string{"AWS Lambda VPC ENI-fn-%d", "RDSNetworkInterface", "ELB app/lb-%d/0123456789abcdef", "ElastiCache cache-%d-001"}
	standalone := interfaces - l.Instances
	parallel(standalone, func(i int) {
		d := descriptions[i%len(descriptions)]
		if d != "RDSNetworkInterface" {
			d = fmt.Sprintf(d, i)
		}
		must(e.CreateNetworkInterface(ctx, &ec2.CreateNetworkInterfaceInput{SubnetId: &l.Subnets[i%len(l.Subnets)],
			Description: &d, Groups: []string{l.Groups[i%groups]}}))
	})
	l.Interfaces = interfaces
	return l
}

// parallel runs fn(0..n-1) on largeWorkers goroutines. A seeding error
// panics inside fn; it is carried to the caller's goroutine, where
// BuildLarge's recover turns it into a test failure.
func parallel(n int, fn func(int)) {
	next := make(chan int)
	var wg sync.WaitGroup
	var once sync.Once
	var failure any
	for range min(largeWorkers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				func() {
					defer func() {
						if r := recover(); r != nil {
							once.Do(func() { failure = r })
						}
					}()
					fn(i)
				}()
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	if failure != nil {
		panic(failure)
	}
}
