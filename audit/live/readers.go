package live

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/autoscaling"
	asgtypes "github.com/aws/aws-sdk-go-v2/service/autoscaling/types"
	"github.com/aws/aws-sdk-go-v2/service/batch"
	batchtypes "github.com/aws/aws-sdk-go-v2/service/batch/types"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/ecs"
	ecstypes "github.com/aws/aws-sdk-go-v2/service/ecs/types"
	"github.com/aws/aws-sdk-go-v2/service/elasticache"
	ectypes "github.com/aws/aws-sdk-go-v2/service/elasticache/types"
	elb "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2"
	elbtypes "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancingv2/types"
	"github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/rds"
	rdstypes "github.com/aws/aws-sdk-go-v2/service/rds/types"
	"github.com/aws/smithy-go"
)

// Every list asks for the largest page its API allows, so a large account
// takes as few round trips as it can: EC2's Describe calls take up to
// 1,000 items a page (route tables and prefix lists 100), load balancers
// 400, RDS, ElastiCache, ECS, Batch and Auto Scaling 100, Lambda 50.
const (
	ec2Page         = 1000
	ec2SmallPage    = 100
	elbPage         = 400
	rdsPage         = 100
	elastiCachePage = 100
	ecsPage         = 100
	batchPage       = 100
	asgPage         = 100
	lambdaPage      = 50
	ltPage          = 200 // DescribeLaunchTemplateVersions
)

// list runs one account-wide call and records its items under the call's
// file.
func list[T any](s *svc, service, op string, read func(context.Context) ([]T, error)) []T {
	c := s.call(service, op)
	items, err := read(s.ctx)
	s.record(c, err, map[string]any{c.File: items}, len(items))
	if err != nil {
		return nil
	}
	return items
}

func (s *svc) readEC2() {
	cl := ec2.NewFromConfig(s.cfg, func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, guard("ec2")) })
	concurrently(
		func() {
			list(s, "ec2", "DescribeVpcs", func(ctx context.Context) ([]ec2types.Vpc, error) {
				p := ec2.NewDescribeVpcsPaginator(cl, &ec2.DescribeVpcsInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeVpcsOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeVpcsOutput) []ec2types.Vpc { return o.Vpcs })
			})
		},
		func() {
			list(s, "ec2", "DescribeSubnets", func(ctx context.Context) ([]ec2types.Subnet, error) {
				p := ec2.NewDescribeSubnetsPaginator(cl, &ec2.DescribeSubnetsInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeSubnetsOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeSubnetsOutput) []ec2types.Subnet { return o.Subnets })
			})
		},
		func() {
			list(s, "ec2", "DescribeRouteTables", func(ctx context.Context) ([]ec2types.RouteTable, error) {
				p := ec2.NewDescribeRouteTablesPaginator(cl, &ec2.DescribeRouteTablesInput{MaxResults: aws.Int32(ec2SmallPage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeRouteTablesOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeRouteTablesOutput) []ec2types.RouteTable { return o.RouteTables })
			})
		},
		func() {
			list(s, "ec2", "DescribeSecurityGroups", func(ctx context.Context) ([]ec2types.SecurityGroup, error) {
				p := ec2.NewDescribeSecurityGroupsPaginator(cl, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeSecurityGroupsOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeSecurityGroupsOutput) []ec2types.SecurityGroup { return o.SecurityGroups })
			})
		},
		func() {
			list(s, "ec2", "DescribeNetworkInterfaces", func(ctx context.Context) ([]ec2types.NetworkInterface, error) {
				p := ec2.NewDescribeNetworkInterfacesPaginator(cl, &ec2.DescribeNetworkInterfacesInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeNetworkInterfacesOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeNetworkInterfacesOutput) []ec2types.NetworkInterface { return o.NetworkInterfaces })
			})
		},
		func() {
			list(s, "ec2", "DescribeInstances", func(ctx context.Context) ([]ec2types.Reservation, error) {
				p := ec2.NewDescribeInstancesPaginator(cl, &ec2.DescribeInstancesInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeInstancesOutput) []ec2types.Reservation { return o.Reservations })
			})
		},
		func() {
			list(s, "ec2", "DescribeNatGateways", func(ctx context.Context) ([]ec2types.NatGateway, error) {
				p := ec2.NewDescribeNatGatewaysPaginator(cl, &ec2.DescribeNatGatewaysInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeNatGatewaysOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeNatGatewaysOutput) []ec2types.NatGateway { return o.NatGateways })
			})
		},
		func() {
			list(s, "ec2", "DescribeVpcEndpoints", func(ctx context.Context) ([]ec2types.VpcEndpoint, error) {
				p := ec2.NewDescribeVpcEndpointsPaginator(cl, &ec2.DescribeVpcEndpointsInput{MaxResults: aws.Int32(ec2Page)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeVpcEndpointsOutput, error) { return p.NextPage(ctx) },
					func(o *ec2.DescribeVpcEndpointsOutput) []ec2types.VpcEndpoint { return o.VpcEndpoints })
			})
		},
		func() { s.readPrefixLists(cl) },
	)
}

func (s *svc) readPrefixLists(cl *ec2.Client) {
	lists := list(s, "ec2", "DescribeManagedPrefixLists", func(ctx context.Context) ([]ec2types.ManagedPrefixList, error) {
		p := ec2.NewDescribeManagedPrefixListsPaginator(cl, &ec2.DescribeManagedPrefixListsInput{MaxResults: aws.Int32(ec2SmallPage)})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeManagedPrefixListsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeManagedPrefixListsOutput) []ec2types.ManagedPrefixList { return o.PrefixLists })
	})
	entries := s.call("ec2", "GetManagedPrefixListEntries")
	if lists == nil {
		s.skip(entries, s.call("ec2", "DescribeManagedPrefixLists"))
		return
	}
	// The entries have no list call: one call per prefix list.
	perList, err := forEach(lists, func(pl ec2types.ManagedPrefixList) ([]ec2types.PrefixListEntry, error) {
		p := ec2.NewGetManagedPrefixListEntriesPaginator(cl, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: pl.PrefixListId, MaxResults: aws.Int32(ec2SmallPage)})
		return pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*ec2.GetManagedPrefixListEntriesOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.GetManagedPrefixListEntriesOutput) []ec2types.PrefixListEntry { return o.Entries })
	})
	files, count := map[string]any{}, 0
	for i, es := range perList {
		files[entries.File+aws.ToString(lists[i].PrefixListId)+".json"] = es
		count += len(es)
	}
	s.record(entries, err, files, count)
}

func (s *svc) readELB() {
	cl := elb.NewFromConfig(s.cfg, func(o *elb.Options) { o.APIOptions = append(o.APIOptions, guard("elbv2")) })
	lbs := list(s, "elbv2", "DescribeLoadBalancers", func(ctx context.Context) ([]elbtypes.LoadBalancer, error) {
		p := elb.NewDescribeLoadBalancersPaginator(cl, &elb.DescribeLoadBalancersInput{PageSize: aws.Int32(elbPage)})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elb.DescribeLoadBalancersOutput, error) { return p.NextPage(ctx) },
			func(o *elb.DescribeLoadBalancersOutput) []elbtypes.LoadBalancer { return o.LoadBalancers })
	})
	c := s.call("elbv2", "DescribeListeners")
	if lbs == nil {
		s.skip(c, s.call("elbv2", "DescribeLoadBalancers"))
		return
	}
	// DescribeListeners takes one load balancer at a time.
	perLB, err := forEach(lbs, func(lb elbtypes.LoadBalancer) ([]elbtypes.Listener, error) {
		p := elb.NewDescribeListenersPaginator(cl, &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn, PageSize: aws.Int32(elbPage)})
		return pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*elb.DescribeListenersOutput, error) { return p.NextPage(ctx) },
			func(o *elb.DescribeListenersOutput) []elbtypes.Listener { return o.Listeners })
	})
	all := []elbtypes.Listener{}
	for _, ls := range perLB {
		all = append(all, ls...)
	}
	s.record(c, err, map[string]any{c.File: all}, len(all))
}

func (s *svc) readRDS() {
	cl := rds.NewFromConfig(s.cfg, func(o *rds.Options) { o.APIOptions = append(o.APIOptions, guard("rds")) })
	concurrently(
		func() {
			list(s, "rds", "DescribeDBClusters", func(ctx context.Context) ([]rdstypes.DBCluster, error) {
				p := rds.NewDescribeDBClustersPaginator(cl, &rds.DescribeDBClustersInput{MaxRecords: aws.Int32(rdsPage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBClustersOutput, error) { return p.NextPage(ctx) },
					func(o *rds.DescribeDBClustersOutput) []rdstypes.DBCluster { return o.DBClusters })
			})
		},
		func() {
			list(s, "rds", "DescribeDBInstances", func(ctx context.Context) ([]rdstypes.DBInstance, error) {
				p := rds.NewDescribeDBInstancesPaginator(cl, &rds.DescribeDBInstancesInput{MaxRecords: aws.Int32(rdsPage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBInstancesOutput, error) { return p.NextPage(ctx) },
					func(o *rds.DescribeDBInstancesOutput) []rdstypes.DBInstance { return o.DBInstances })
			})
		},
		func() {
			list(s, "rds", "DescribeDBSubnetGroups", func(ctx context.Context) ([]rdstypes.DBSubnetGroup, error) {
				p := rds.NewDescribeDBSubnetGroupsPaginator(cl, &rds.DescribeDBSubnetGroupsInput{MaxRecords: aws.Int32(rdsPage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBSubnetGroupsOutput, error) { return p.NextPage(ctx) },
					func(o *rds.DescribeDBSubnetGroupsOutput) []rdstypes.DBSubnetGroup { return o.DBSubnetGroups })
			})
		},
		s.readClusterParameters(cl),
	)
}

// readClusterParameters reads the cluster parameter groups and, for each one
// a user made, the values set in it: what importing the group sends back.
func (s *svc) readClusterParameters(cl *rds.Client) func() {
	return func() {
		groups := list(s, "rds", "DescribeDBClusterParameterGroups", func(ctx context.Context) ([]rdstypes.DBClusterParameterGroup, error) {
			p := rds.NewDescribeDBClusterParameterGroupsPaginator(cl, &rds.DescribeDBClusterParameterGroupsInput{MaxRecords: aws.Int32(rdsPage)})
			return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBClusterParameterGroupsOutput, error) {
				return p.NextPage(ctx)
			},
				func(o *rds.DescribeDBClusterParameterGroupsOutput) []rdstypes.DBClusterParameterGroup {
					return o.DBClusterParameterGroups
				})
		})
		params := s.call("rds", "DescribeDBClusterParameters")
		if groups == nil {
			s.skip(params, s.call("rds", "DescribeDBClusterParameterGroups"))
			return
		}
		// A default group holds no value a user set (and cannot be changed):
		// importing a cluster refers to it by name.
		var own []rdstypes.DBClusterParameterGroup
		for _, g := range groups {
			if !strings.HasPrefix(aws.ToString(g.DBClusterParameterGroupName), "default.") {
				own = append(own, g)
			}
		}
		perGroup, err := forEach(own, func(g rdstypes.DBClusterParameterGroup) ([]rdstypes.Parameter, error) {
			p := rds.NewDescribeDBClusterParametersPaginator(cl, &rds.DescribeDBClusterParametersInput{
				DBClusterParameterGroupName: g.DBClusterParameterGroupName, Source: aws.String("user"), MaxRecords: aws.Int32(rdsPage),
			})
			return pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBClusterParametersOutput, error) { return p.NextPage(ctx) },
				func(o *rds.DescribeDBClusterParametersOutput) []rdstypes.Parameter { return o.Parameters })
		})
		files, count := map[string]any{}, 0
		for i, ps := range perGroup {
			files[params.File+aws.ToString(own[i].DBClusterParameterGroupName)+".json"] = ps
			count += len(ps)
		}
		s.record(params, err, files, count)
	}
}

func (s *svc) readElastiCache() {
	cl := elasticache.NewFromConfig(s.cfg, func(o *elasticache.Options) { o.APIOptions = append(o.APIOptions, guard("elasticache")) })
	concurrently(
		func() {
			list(s, "elasticache", "DescribeReplicationGroups", func(ctx context.Context) ([]ectypes.ReplicationGroup, error) {
				p := elasticache.NewDescribeReplicationGroupsPaginator(cl, &elasticache.DescribeReplicationGroupsInput{MaxRecords: aws.Int32(elastiCachePage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elasticache.DescribeReplicationGroupsOutput, error) {
					return p.NextPage(ctx)
				},
					func(o *elasticache.DescribeReplicationGroupsOutput) []ectypes.ReplicationGroup {
						return o.ReplicationGroups
					})
			})
		},
		func() {
			list(s, "elasticache", "DescribeCacheClusters", func(ctx context.Context) ([]ectypes.CacheCluster, error) {
				p := elasticache.NewDescribeCacheClustersPaginator(cl, &elasticache.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true), MaxRecords: aws.Int32(elastiCachePage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elasticache.DescribeCacheClustersOutput, error) { return p.NextPage(ctx) },
					func(o *elasticache.DescribeCacheClustersOutput) []ectypes.CacheCluster { return o.CacheClusters })
			})
		},
		func() {
			list(s, "elasticache", "DescribeCacheSubnetGroups", func(ctx context.Context) ([]ectypes.CacheSubnetGroup, error) {
				p := elasticache.NewDescribeCacheSubnetGroupsPaginator(cl, &elasticache.DescribeCacheSubnetGroupsInput{MaxRecords: aws.Int32(elastiCachePage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elasticache.DescribeCacheSubnetGroupsOutput, error) {
					return p.NextPage(ctx)
				},
					func(o *elasticache.DescribeCacheSubnetGroupsOutput) []ectypes.CacheSubnetGroup {
						return o.CacheSubnetGroups
					})
			})
		},
	)
}

func (s *svc) readLambda() {
	cl := lambda.NewFromConfig(s.cfg, func(o *lambda.Options) { o.APIOptions = append(o.APIOptions, guard("lambda")) })
	list(s, "lambda", "ListFunctions", func(ctx context.Context) ([]lambdatypes.FunctionConfiguration, error) {
		p := lambda.NewListFunctionsPaginator(cl, &lambda.ListFunctionsInput{MaxItems: aws.Int32(lambdaPage)})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*lambda.ListFunctionsOutput, error) { return p.NextPage(ctx) },
			func(o *lambda.ListFunctionsOutput) []lambdatypes.FunctionConfiguration { return o.Functions })
	})
}

func (s *svc) readECS() {
	cl := ecs.NewFromConfig(s.cfg, func(o *ecs.Options) { o.APIOptions = append(o.APIOptions, guard("ecs")) })
	listClusters := s.call("ecs", "ListClusters")
	p := ecs.NewListClustersPaginator(cl, &ecs.ListClustersInput{MaxResults: aws.Int32(ecsPage)})
	arns, err := pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*ecs.ListClustersOutput, error) { return p.NextPage(ctx) },
		func(o *ecs.ListClustersOutput) []string { return o.ClusterArns })
	s.record(listClusters, err, nil, len(arns))
	if err != nil {
		for _, op := range []string{"DescribeClusters", "ListServices", "DescribeServices", "ListTasks", "DescribeTasks"} {
			s.skip(s.call("ecs", op), listClusters)
		}
		return
	}

	// Services and tasks are listed per cluster, then described in the
	// batches the API accepts (10 services, 100 tasks).
	perCluster := func(listOp, describeOp string, listIDs func(cluster string) ([]string, error), describeIDs func(cluster string, ids []string) ([]any, error), batch int) {
		lc, dc := s.call("ecs", listOp), s.call("ecs", describeOp)
		ids, listErr := forEach(arns, listIDs)
		if listErr != nil {
			s.record(lc, listErr, nil, 0)
			s.skip(dc, lc)
			return
		}
		type part struct {
			cluster string
			ids     []string
		}
		var parts []part
		listed := 0
		for i, cluster := range arns {
			listed += len(ids[i])
			for _, c := range chunks(ids[i], batch) {
				parts = append(parts, part{cluster, c})
			}
		}
		s.record(lc, nil, nil, listed)
		described, descErr := forEach(parts, func(p part) ([]any, error) { return describeIDs(p.cluster, p.ids) })
		all := []any{}
		for _, items := range described {
			all = append(all, items...)
		}
		s.record(dc, descErr, map[string]any{dc.File: all}, len(all))
	}
	concurrently(
		func() {
			describe := s.call("ecs", "DescribeClusters")
			described, err := forEach(chunks(arns, 100), func(ids []string) ([]ecstypes.Cluster, error) {
				out, err := cl.DescribeClusters(s.ctx, &ecs.DescribeClustersInput{Clusters: ids})
				if err != nil {
					return nil, err
				}
				return out.Clusters, nil
			})
			clusters := []ecstypes.Cluster{}
			for _, cs := range described {
				clusters = append(clusters, cs...)
			}
			s.record(describe, err, map[string]any{describe.File: clusters}, len(clusters))
		},
		func() {
			perCluster("ListServices", "DescribeServices",
				func(cluster string) ([]string, error) {
					p := ecs.NewListServicesPaginator(cl, &ecs.ListServicesInput{Cluster: aws.String(cluster), MaxResults: aws.Int32(ecsPage)})
					return pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*ecs.ListServicesOutput, error) { return p.NextPage(ctx) },
						func(o *ecs.ListServicesOutput) []string { return o.ServiceArns })
				},
				func(cluster string, ids []string) ([]any, error) {
					out, err := cl.DescribeServices(s.ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: ids})
					if err != nil {
						return nil, err
					}
					return anys(out.Services), nil
				}, 10)
		},
		func() {
			perCluster("ListTasks", "DescribeTasks",
				func(cluster string) ([]string, error) {
					p := ecs.NewListTasksPaginator(cl, &ecs.ListTasksInput{Cluster: aws.String(cluster), MaxResults: aws.Int32(ecsPage)})
					return pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*ecs.ListTasksOutput, error) { return p.NextPage(ctx) },
						func(o *ecs.ListTasksOutput) []string { return o.TaskArns })
				},
				func(cluster string, ids []string) ([]any, error) {
					out, err := cl.DescribeTasks(s.ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: ids})
					if err != nil {
						return nil, err
					}
					return anys(out.Tasks), nil
				}, 100)
		},
	)
}

func anys[T any](items []T) []any {
	out := make([]any, len(items))
	for i := range items {
		out[i] = items[i]
	}
	return out
}

func (s *svc) readBatch() {
	cl := batch.NewFromConfig(s.cfg, func(o *batch.Options) { o.APIOptions = append(o.APIOptions, guard("batch")) })
	list(s, "batch", "DescribeComputeEnvironments", func(ctx context.Context) ([]batchtypes.ComputeEnvironmentDetail, error) {
		p := batch.NewDescribeComputeEnvironmentsPaginator(cl, &batch.DescribeComputeEnvironmentsInput{MaxResults: aws.Int32(batchPage)})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*batch.DescribeComputeEnvironmentsOutput, error) { return p.NextPage(ctx) },
			func(o *batch.DescribeComputeEnvironmentsOutput) []batchtypes.ComputeEnvironmentDetail {
				return o.ComputeEnvironments
			})
	})
	list(s, "batch", "DescribeJobQueues", func(ctx context.Context) ([]batchtypes.JobQueueDetail, error) {
		p := batch.NewDescribeJobQueuesPaginator(cl, &batch.DescribeJobQueuesInput{MaxResults: aws.Int32(batchPage)})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*batch.DescribeJobQueuesOutput, error) { return p.NextPage(ctx) },
			func(o *batch.DescribeJobQueuesOutput) []batchtypes.JobQueueDetail {
				return o.JobQueues
			})
	})
}

func (s *svc) readAutoScaling() {
	cl := autoscaling.NewFromConfig(s.cfg, func(o *autoscaling.Options) { o.APIOptions = append(o.APIOptions, guard("autoscaling")) })
	concurrently(
		func() {
			groups := list(s, "autoscaling", "DescribeAutoScalingGroups", func(ctx context.Context) ([]asgtypes.AutoScalingGroup, error) {
				p := autoscaling.NewDescribeAutoScalingGroupsPaginator(cl, &autoscaling.DescribeAutoScalingGroupsInput{MaxRecords: aws.Int32(asgPage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
					return p.NextPage(ctx)
				},
					func(o *autoscaling.DescribeAutoScalingGroupsOutput) []asgtypes.AutoScalingGroup {
						return o.AutoScalingGroups
					})
			})
			s.readLaunchTemplateVersions(groups)
		},
		func() {
			list(s, "autoscaling", "DescribeLaunchConfigurations", func(ctx context.Context) ([]asgtypes.LaunchConfiguration, error) {
				p := autoscaling.NewDescribeLaunchConfigurationsPaginator(cl, &autoscaling.DescribeLaunchConfigurationsInput{MaxRecords: aws.Int32(asgPage)})
				return pages(ctx, p.HasMorePages, func(ctx context.Context) (*autoscaling.DescribeLaunchConfigurationsOutput, error) {
					return p.NextPage(ctx)
				},
					func(o *autoscaling.DescribeLaunchConfigurationsOutput) []asgtypes.LaunchConfiguration {
						return o.LaunchConfigurations
					})
			})
		},
	)
}

// readLaunchTemplateVersions reads the launch template versions the Auto
// Scaling groups launch from (groups is nil when they could not be read).
// One call, without a template, returns every template's $Latest and
// $Default versions; numbered versions take one call per template, all of
// its numbers at once. A template deleted since a group named it is left
// out, as AWS does when the group next launches.
func (s *svc) readLaunchTemplateVersions(groups []asgtypes.AutoScalingGroup) {
	c := s.call("ec2", "DescribeLaunchTemplateVersions")
	if groups == nil {
		s.skip(c, s.call("autoscaling", "DescribeAutoScalingGroups"))
		return
	}
	cl := ec2.NewFromConfig(s.cfg, func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, guard("ec2")) })
	var special []string
	numbered := map[string][]string{} // template id, or "name:" + name -> versions
	var templates []string
	for _, g := range groups {
		var specs []asgtypes.LaunchTemplateSpecification
		if g.LaunchTemplate != nil {
			specs = append(specs, *g.LaunchTemplate)
		}
		if m := g.MixedInstancesPolicy; m != nil && m.LaunchTemplate != nil {
			if m.LaunchTemplate.LaunchTemplateSpecification != nil {
				specs = append(specs, *m.LaunchTemplate.LaunchTemplateSpecification)
			}
			for _, o := range m.LaunchTemplate.Overrides {
				if o.LaunchTemplateSpecification != nil {
					specs = append(specs, *o.LaunchTemplateSpecification)
				}
			}
		}
		for _, spec := range specs {
			v := aws.ToString(spec.Version)
			if v == "" {
				v = "$Default"
			}
			if v == "$Latest" || v == "$Default" {
				if !slices.Contains(special, v) {
					special = append(special, v)
				}
				continue
			}
			key := aws.ToString(spec.LaunchTemplateId)
			if key == "" {
				key = "name:" + aws.ToString(spec.LaunchTemplateName)
			}
			if !slices.Contains(templates, key) {
				templates = append(templates, key)
			}
			if !slices.Contains(numbered[key], v) {
				numbered[key] = append(numbered[key], v)
			}
		}
	}
	read := func(in *ec2.DescribeLaunchTemplateVersionsInput) ([]ec2types.LaunchTemplateVersion, error) {
		in.MaxResults = aws.Int32(ltPage)
		p := ec2.NewDescribeLaunchTemplateVersionsPaginator(cl, in)
		vs, err := pages(s.ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeLaunchTemplateVersionsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeLaunchTemplateVersionsOutput) []ec2types.LaunchTemplateVersion {
				return o.LaunchTemplateVersions
			})
		if notFound(err) {
			return nil, nil
		}
		return vs, err
	}
	var inputs []*ec2.DescribeLaunchTemplateVersionsInput
	if len(special) > 0 {
		inputs = append(inputs, &ec2.DescribeLaunchTemplateVersionsInput{Versions: special})
	}
	for _, key := range templates {
		in := &ec2.DescribeLaunchTemplateVersionsInput{Versions: numbered[key]}
		if name, ok := strings.CutPrefix(key, "name:"); ok {
			in.LaunchTemplateName = aws.String(name)
		} else {
			in.LaunchTemplateId = aws.String(key)
		}
		inputs = append(inputs, in)
	}
	perCall, err := forEach(inputs, read)
	all := []ec2types.LaunchTemplateVersion{}
	for _, vs := range perCall {
		all = append(all, vs...)
	}
	s.record(c, err, map[string]any{c.File: all}, len(all))
}

// notFound reports an answer that the resource asked for does not exist.
func notFound(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(ae.ErrorCode(), "NotFound")
}
