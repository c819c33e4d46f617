package live

import (
	"context"

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
)

// list runs one account-wide call and records its items under the call's
// file.
func list[T any](r *reader, service, op string, read func(context.Context) ([]T, error)) []T {
	c := r.call(service, op)
	items, err := read(r.ctx)
	r.record(c, err, map[string]any{c.File: items}, len(items))
	if err != nil {
		return nil
	}
	return items
}

func (r *reader) readEC2() {
	cl := ec2.NewFromConfig(r.cfg, func(o *ec2.Options) { o.APIOptions = append(o.APIOptions, guard("ec2")) })
	list(r, "ec2", "DescribeVpcs", func(ctx context.Context) ([]ec2types.Vpc, error) {
		p := ec2.NewDescribeVpcsPaginator(cl, &ec2.DescribeVpcsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeVpcsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeVpcsOutput) []ec2types.Vpc { return o.Vpcs })
	})
	list(r, "ec2", "DescribeSubnets", func(ctx context.Context) ([]ec2types.Subnet, error) {
		p := ec2.NewDescribeSubnetsPaginator(cl, &ec2.DescribeSubnetsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeSubnetsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeSubnetsOutput) []ec2types.Subnet { return o.Subnets })
	})
	list(r, "ec2", "DescribeRouteTables", func(ctx context.Context) ([]ec2types.RouteTable, error) {
		p := ec2.NewDescribeRouteTablesPaginator(cl, &ec2.DescribeRouteTablesInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeRouteTablesOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeRouteTablesOutput) []ec2types.RouteTable { return o.RouteTables })
	})
	list(r, "ec2", "DescribeSecurityGroups", func(ctx context.Context) ([]ec2types.SecurityGroup, error) {
		p := ec2.NewDescribeSecurityGroupsPaginator(cl, &ec2.DescribeSecurityGroupsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeSecurityGroupsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeSecurityGroupsOutput) []ec2types.SecurityGroup { return o.SecurityGroups })
	})
	list(r, "ec2", "DescribeNetworkInterfaces", func(ctx context.Context) ([]ec2types.NetworkInterface, error) {
		p := ec2.NewDescribeNetworkInterfacesPaginator(cl, &ec2.DescribeNetworkInterfacesInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeNetworkInterfacesOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeNetworkInterfacesOutput) []ec2types.NetworkInterface { return o.NetworkInterfaces })
	})
	list(r, "ec2", "DescribeInstances", func(ctx context.Context) ([]ec2types.Reservation, error) {
		p := ec2.NewDescribeInstancesPaginator(cl, &ec2.DescribeInstancesInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeInstancesOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeInstancesOutput) []ec2types.Reservation { return o.Reservations })
	})
	list(r, "ec2", "DescribeNatGateways", func(ctx context.Context) ([]ec2types.NatGateway, error) {
		p := ec2.NewDescribeNatGatewaysPaginator(cl, &ec2.DescribeNatGatewaysInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeNatGatewaysOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeNatGatewaysOutput) []ec2types.NatGateway { return o.NatGateways })
	})
	list(r, "ec2", "DescribeVpcEndpoints", func(ctx context.Context) ([]ec2types.VpcEndpoint, error) {
		p := ec2.NewDescribeVpcEndpointsPaginator(cl, &ec2.DescribeVpcEndpointsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeVpcEndpointsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeVpcEndpointsOutput) []ec2types.VpcEndpoint { return o.VpcEndpoints })
	})
	lists := list(r, "ec2", "DescribeManagedPrefixLists", func(ctx context.Context) ([]ec2types.ManagedPrefixList, error) {
		p := ec2.NewDescribeManagedPrefixListsPaginator(cl, &ec2.DescribeManagedPrefixListsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*ec2.DescribeManagedPrefixListsOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.DescribeManagedPrefixListsOutput) []ec2types.ManagedPrefixList { return o.PrefixLists })
	})
	entries := r.call("ec2", "GetManagedPrefixListEntries")
	if lists == nil {
		r.skip(entries, r.call("ec2", "DescribeManagedPrefixLists"))
		return
	}
	files, count := map[string]any{}, 0
	var err error
	for _, pl := range lists {
		id := aws.ToString(pl.PrefixListId)
		p := ec2.NewGetManagedPrefixListEntriesPaginator(cl, &ec2.GetManagedPrefixListEntriesInput{PrefixListId: pl.PrefixListId})
		var es []ec2types.PrefixListEntry
		es, err = pages(r.ctx, p.HasMorePages, func(ctx context.Context) (*ec2.GetManagedPrefixListEntriesOutput, error) { return p.NextPage(ctx) },
			func(o *ec2.GetManagedPrefixListEntriesOutput) []ec2types.PrefixListEntry { return o.Entries })
		if err != nil {
			break
		}
		files[entries.File+id+".json"] = es
		count += len(es)
	}
	r.record(entries, err, files, count)
}

func (r *reader) readELB() {
	cl := elb.NewFromConfig(r.cfg, func(o *elb.Options) { o.APIOptions = append(o.APIOptions, guard("elbv2")) })
	lbs := list(r, "elbv2", "DescribeLoadBalancers", func(ctx context.Context) ([]elbtypes.LoadBalancer, error) {
		p := elb.NewDescribeLoadBalancersPaginator(cl, &elb.DescribeLoadBalancersInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elb.DescribeLoadBalancersOutput, error) { return p.NextPage(ctx) },
			func(o *elb.DescribeLoadBalancersOutput) []elbtypes.LoadBalancer { return o.LoadBalancers })
	})
	c := r.call("elbv2", "DescribeListeners")
	if lbs == nil {
		r.skip(c, r.call("elbv2", "DescribeLoadBalancers"))
		return
	}
	all := []elbtypes.Listener{}
	var err error
	for _, lb := range lbs {
		p := elb.NewDescribeListenersPaginator(cl, &elb.DescribeListenersInput{LoadBalancerArn: lb.LoadBalancerArn})
		var ls []elbtypes.Listener
		ls, err = pages(r.ctx, p.HasMorePages, func(ctx context.Context) (*elb.DescribeListenersOutput, error) { return p.NextPage(ctx) },
			func(o *elb.DescribeListenersOutput) []elbtypes.Listener { return o.Listeners })
		if err != nil {
			break
		}
		all = append(all, ls...)
	}
	r.record(c, err, map[string]any{c.File: all}, len(all))
}

func (r *reader) readRDS() {
	cl := rds.NewFromConfig(r.cfg, func(o *rds.Options) { o.APIOptions = append(o.APIOptions, guard("rds")) })
	list(r, "rds", "DescribeDBClusters", func(ctx context.Context) ([]rdstypes.DBCluster, error) {
		p := rds.NewDescribeDBClustersPaginator(cl, &rds.DescribeDBClustersInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBClustersOutput, error) { return p.NextPage(ctx) },
			func(o *rds.DescribeDBClustersOutput) []rdstypes.DBCluster { return o.DBClusters })
	})
	list(r, "rds", "DescribeDBInstances", func(ctx context.Context) ([]rdstypes.DBInstance, error) {
		p := rds.NewDescribeDBInstancesPaginator(cl, &rds.DescribeDBInstancesInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBInstancesOutput, error) { return p.NextPage(ctx) },
			func(o *rds.DescribeDBInstancesOutput) []rdstypes.DBInstance { return o.DBInstances })
	})
	list(r, "rds", "DescribeDBSubnetGroups", func(ctx context.Context) ([]rdstypes.DBSubnetGroup, error) {
		p := rds.NewDescribeDBSubnetGroupsPaginator(cl, &rds.DescribeDBSubnetGroupsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*rds.DescribeDBSubnetGroupsOutput, error) { return p.NextPage(ctx) },
			func(o *rds.DescribeDBSubnetGroupsOutput) []rdstypes.DBSubnetGroup { return o.DBSubnetGroups })
	})
}

func (r *reader) readElastiCache() {
	cl := elasticache.NewFromConfig(r.cfg, func(o *elasticache.Options) { o.APIOptions = append(o.APIOptions, guard("elasticache")) })
	list(r, "elasticache", "DescribeReplicationGroups", func(ctx context.Context) ([]ectypes.ReplicationGroup, error) {
		p := elasticache.NewDescribeReplicationGroupsPaginator(cl, &elasticache.DescribeReplicationGroupsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elasticache.DescribeReplicationGroupsOutput, error) {
			return p.NextPage(ctx)
		},
			func(o *elasticache.DescribeReplicationGroupsOutput) []ectypes.ReplicationGroup {
				return o.ReplicationGroups
			})
	})
	list(r, "elasticache", "DescribeCacheClusters", func(ctx context.Context) ([]ectypes.CacheCluster, error) {
		p := elasticache.NewDescribeCacheClustersPaginator(cl, &elasticache.DescribeCacheClustersInput{ShowCacheNodeInfo: aws.Bool(true)})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elasticache.DescribeCacheClustersOutput, error) { return p.NextPage(ctx) },
			func(o *elasticache.DescribeCacheClustersOutput) []ectypes.CacheCluster { return o.CacheClusters })
	})
	list(r, "elasticache", "DescribeCacheSubnetGroups", func(ctx context.Context) ([]ectypes.CacheSubnetGroup, error) {
		p := elasticache.NewDescribeCacheSubnetGroupsPaginator(cl, &elasticache.DescribeCacheSubnetGroupsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*elasticache.DescribeCacheSubnetGroupsOutput, error) {
			return p.NextPage(ctx)
		},
			func(o *elasticache.DescribeCacheSubnetGroupsOutput) []ectypes.CacheSubnetGroup {
				return o.CacheSubnetGroups
			})
	})
}

func (r *reader) readLambda() {
	cl := lambda.NewFromConfig(r.cfg, func(o *lambda.Options) { o.APIOptions = append(o.APIOptions, guard("lambda")) })
	list(r, "lambda", "ListFunctions", func(ctx context.Context) ([]lambdatypes.FunctionConfiguration, error) {
		p := lambda.NewListFunctionsPaginator(cl, &lambda.ListFunctionsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*lambda.ListFunctionsOutput, error) { return p.NextPage(ctx) },
			func(o *lambda.ListFunctionsOutput) []lambdatypes.FunctionConfiguration { return o.Functions })
	})
}

func (r *reader) readECS() {
	cl := ecs.NewFromConfig(r.cfg, func(o *ecs.Options) { o.APIOptions = append(o.APIOptions, guard("ecs")) })
	listClusters := r.call("ecs", "ListClusters")
	p := ecs.NewListClustersPaginator(cl, &ecs.ListClustersInput{})
	arns, err := pages(r.ctx, p.HasMorePages, func(ctx context.Context) (*ecs.ListClustersOutput, error) { return p.NextPage(ctx) },
		func(o *ecs.ListClustersOutput) []string { return o.ClusterArns })
	r.record(listClusters, err, nil, len(arns))
	if err != nil {
		for _, op := range []string{"DescribeClusters", "ListServices", "DescribeServices", "ListTasks", "DescribeTasks"} {
			r.skip(r.call("ecs", op), listClusters)
		}
		return
	}

	describe := r.call("ecs", "DescribeClusters")
	clusters := []ecstypes.Cluster{}
	err = nil
	for _, ids := range chunks(arns, 100) {
		var out *ecs.DescribeClustersOutput
		if out, err = cl.DescribeClusters(r.ctx, &ecs.DescribeClustersInput{Clusters: ids}); err != nil {
			break
		}
		clusters = append(clusters, out.Clusters...)
	}
	r.record(describe, err, map[string]any{describe.File: clusters}, len(clusters))

	// Services and tasks are listed per cluster, then described in the
	// batches the API accepts (10 services, 100 tasks).
	perCluster := func(listOp, describeOp string, listIDs func(cluster string) ([]string, error), describeIDs func(cluster string, ids []string) ([]any, error), batch int) {
		lc, dc := r.call("ecs", listOp), r.call("ecs", describeOp)
		var listErr, descErr error
		all, listed := []any{}, 0
		for _, cluster := range arns {
			ids, err := listIDs(cluster)
			if err != nil {
				listErr = err
				break
			}
			listed += len(ids)
			for _, part := range chunks(ids, batch) {
				items, err := describeIDs(cluster, part)
				if err != nil {
					descErr = err
					break
				}
				all = append(all, items...)
			}
			if descErr != nil {
				break
			}
		}
		r.record(lc, listErr, nil, listed)
		if listErr != nil {
			r.skip(dc, lc)
			return
		}
		r.record(dc, descErr, map[string]any{dc.File: all}, len(all))
	}
	perCluster("ListServices", "DescribeServices",
		func(cluster string) ([]string, error) {
			p := ecs.NewListServicesPaginator(cl, &ecs.ListServicesInput{Cluster: aws.String(cluster)})
			return pages(r.ctx, p.HasMorePages, func(ctx context.Context) (*ecs.ListServicesOutput, error) { return p.NextPage(ctx) },
				func(o *ecs.ListServicesOutput) []string { return o.ServiceArns })
		},
		func(cluster string, ids []string) ([]any, error) {
			out, err := cl.DescribeServices(r.ctx, &ecs.DescribeServicesInput{Cluster: aws.String(cluster), Services: ids})
			if err != nil {
				return nil, err
			}
			return anys(out.Services), nil
		}, 10)
	perCluster("ListTasks", "DescribeTasks",
		func(cluster string) ([]string, error) {
			p := ecs.NewListTasksPaginator(cl, &ecs.ListTasksInput{Cluster: aws.String(cluster)})
			return pages(r.ctx, p.HasMorePages, func(ctx context.Context) (*ecs.ListTasksOutput, error) { return p.NextPage(ctx) },
				func(o *ecs.ListTasksOutput) []string { return o.TaskArns })
		},
		func(cluster string, ids []string) ([]any, error) {
			out, err := cl.DescribeTasks(r.ctx, &ecs.DescribeTasksInput{Cluster: aws.String(cluster), Tasks: ids})
			if err != nil {
				return nil, err
			}
			return anys(out.Tasks), nil
		}, 100)
}

func anys[T any](items []T) []any {
	out := make([]any, len(items))
	for i := range items {
		out[i] = items[i]
	}
	return out
}

func (r *reader) readBatch() {
	cl := batch.NewFromConfig(r.cfg, func(o *batch.Options) { o.APIOptions = append(o.APIOptions, guard("batch")) })
	list(r, "batch", "DescribeComputeEnvironments", func(ctx context.Context) ([]batchtypes.ComputeEnvironmentDetail, error) {
		p := batch.NewDescribeComputeEnvironmentsPaginator(cl, &batch.DescribeComputeEnvironmentsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*batch.DescribeComputeEnvironmentsOutput, error) { return p.NextPage(ctx) },
			func(o *batch.DescribeComputeEnvironmentsOutput) []batchtypes.ComputeEnvironmentDetail {
				return o.ComputeEnvironments
			})
	})
}

func (r *reader) readAutoScaling() {
	cl := autoscaling.NewFromConfig(r.cfg, func(o *autoscaling.Options) { o.APIOptions = append(o.APIOptions, guard("autoscaling")) })
	list(r, "autoscaling", "DescribeAutoScalingGroups", func(ctx context.Context) ([]asgtypes.AutoScalingGroup, error) {
		p := autoscaling.NewDescribeAutoScalingGroupsPaginator(cl, &autoscaling.DescribeAutoScalingGroupsInput{})
		return pages(ctx, p.HasMorePages, func(ctx context.Context) (*autoscaling.DescribeAutoScalingGroupsOutput, error) {
			return p.NextPage(ctx)
		},
			func(o *autoscaling.DescribeAutoScalingGroupsOutput) []asgtypes.AutoScalingGroup {
				return o.AutoScalingGroups
			})
	})
}
