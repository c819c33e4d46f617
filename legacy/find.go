package legacy

import (
	"fmt"
	"strings"

	"github.com/acme/platform/audit"
)

// Found is an old workload's resource as the snapshot has it.
type Found struct {
	Kind string
	ID   string
	// VPC, Subnets and Groups are where it runs and the security groups it
	// carries.
	VPC     string
	Subnets []string
	Groups  []string
	// PublicAddress says whether it has addresses on the internet (an
	// instance's public IP, an internet-facing load balancer, a service
	// that assigns public IPs).
	PublicAddress bool

	Instance    *audit.Instance
	LB          *audit.LoadBalancer
	Service     *audit.ECSService
	Function    *audit.LambdaFunction
	Environment *audit.BatchComputeEnvironment
}

// Find looks an old workload's resource up in the snapshot.
func Find(inv *audit.Inventory, kind, id string) (Found, error) {
	f := Found{Kind: kind, ID: id}
	switch kind {
	case KindInstances:
		for i := range inv.Instances {
			in := &inv.Instances[i]
			if in.InstanceId != id || !in.Running() {
				continue
			}
			f.Instance, f.VPC, f.PublicAddress = in, in.VpcId, len(in.PublicIPs()) > 0
			if in.SubnetId != "" {
				f.Subnets = []string{in.SubnetId}
			}
			for _, g := range in.SecurityGroups {
				f.Groups = append(f.Groups, g.GroupId)
			}
			return f, nil
		}
		return f, fmt.Errorf("no running instance %s", id)
	case KindALB:
		for i := range inv.LoadBalancers {
			lb := &inv.LoadBalancers[i]
			if lb.LoadBalancerName != id {
				continue
			}
			if lb.Type != "application" {
				return f, fmt.Errorf("%s is a %s load balancer; only application load balancers are imported", id, lb.Type)
			}
			f.LB, f.VPC, f.Subnets, f.Groups, f.PublicAddress = lb, lb.VpcId, lb.SubnetIDs(), lb.SecurityGroups, lb.InternetFacing()
			return f, nil
		}
		return f, fmt.Errorf("no load balancer named %s", id)
	case KindECSService:
		cluster, service, ok := strings.Cut(id, "/")
		if !ok {
			return f, fmt.Errorf("%q is not <cluster name>/<service name>", id)
		}
		for i := range inv.ECSServices {
			s := &inv.ECSServices[i]
			if s.ServiceName != service || clusterName(s.ClusterArn) != cluster {
				continue
			}
			f.Service = s
			if nc := s.NetworkConfiguration; nc != nil && nc.AwsvpcConfiguration != nil {
				f.Subnets, f.Groups = nc.AwsvpcConfiguration.Subnets, nc.AwsvpcConfiguration.SecurityGroups
				f.PublicAddress = nc.AwsvpcConfiguration.AssignPublicIp == "ENABLED"
			}
			f.VPC = subnetVPC(inv, f.Subnets)
			return f, nil
		}
		return f, fmt.Errorf("no service %s in cluster %s", service, cluster)
	case KindLambda:
		for i := range inv.LambdaFunctions {
			fn := &inv.LambdaFunctions[i]
			if fn.FunctionName != id {
				continue
			}
			if fn.VpcConfig == nil || len(fn.VpcConfig.SubnetIds) == 0 {
				return f, fmt.Errorf("function %s runs outside any VPC: nothing of it moves", id)
			}
			f.Function, f.VPC, f.Subnets, f.Groups = fn, fn.VpcConfig.VpcId, fn.VpcConfig.SubnetIds, fn.VpcConfig.SecurityGroupIds
			return f, nil
		}
		return f, fmt.Errorf("no function %s", id)
	case KindBatch:
		for i := range inv.BatchComputeEnvironments {
			ce := &inv.BatchComputeEnvironments[i]
			if ce.ComputeEnvironmentName != id {
				continue
			}
			if ce.ComputeResources == nil {
				return f, fmt.Errorf("compute environment %s is unmanaged: it has no subnets to move", id)
			}
			f.Environment, f.Subnets, f.Groups = ce, ce.ComputeResources.Subnets, ce.ComputeResources.SecurityGroupIds
			f.VPC = subnetVPC(inv, f.Subnets)
			return f, nil
		}
		return f, fmt.Errorf("no compute environment %s", id)
	}
	return f, fmt.Errorf("unknown kind %q", kind)
}

// clusterName is the last part of an ECS cluster ARN.
func clusterName(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func subnetVPC(inv *audit.Inventory, subnets []string) string {
	for _, s := range subnets {
		if sn, ok := inv.Subnet(s); ok {
			return sn.VPCID
		}
	}
	return ""
}
