package review

import (
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// Resource type tokens the reports read (pulumi-aws v6).
const (
	tVpc          = "aws:ec2/vpc:Vpc"
	tSubnet       = "aws:ec2/subnet:Subnet"
	tDefaultSG    = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tSG           = "aws:ec2/securityGroup:SecurityGroup"
	tIngress      = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tLegacyRule   = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tFlowLog      = "aws:ec2/flowLog:FlowLog"
	tNAT          = "aws:ec2/natGateway:NatGateway"
	tEIP          = "aws:ec2/eip:Eip"
	tEndpoint     = "aws:ec2/vpcEndpoint:VpcEndpoint"
	tLaunchTmpl   = "aws:ec2/launchTemplate:LaunchTemplate"
	tInstance     = "aws:ec2/instance:Instance"
	tVPNEndpoint  = "aws:ec2clientvpn/endpoint:Endpoint"
	tVPNAssoc     = "aws:ec2clientvpn/networkAssociation:NetworkAssociation"
	tLB           = "aws:lb/loadBalancer:LoadBalancer"
	tALB          = "aws:alb/loadBalancer:LoadBalancer"
	tListener     = "aws:lb/listener:Listener"
	tALBListener  = "aws:alb/listener:Listener"
	tASG          = "aws:autoscaling/group:Group"
	tECSCluster   = "aws:ecs/cluster:Cluster"
	tECSService   = "aws:ecs/service:Service"
	tECSTaskDef   = "aws:ecs/taskDefinition:TaskDefinition"
	tECSTaskSet   = "aws:ecs/taskSet:TaskSet"
	tLambda       = "aws:lambda/function:Function"
	tLambdaPerm   = "aws:lambda/permission:Permission"
	tBatchCE      = "aws:batch/computeEnvironment:ComputeEnvironment"
	tRDSCluster   = "aws:rds/cluster:Cluster"
	tRDSClusterIn = "aws:rds/clusterInstance:ClusterInstance"
	tRDSInstance  = "aws:rds/instance:Instance"
	tCacheRG      = "aws:elasticache/replicationGroup:ReplicationGroup"
	tCacheCluster = "aws:elasticache/cluster:Cluster"
	tInstanceProf = "aws:iam/instanceProfile:InstanceProfile"
	tRole         = "aws:iam/role:Role"
	tRoleAttach   = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tKMSKey       = "aws:kms/key:Key"
	tLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
	tEgress       = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
)

// Load balancer types, as loadBalancerType spells them.
const (
	tApplicationLB = "application"
	tNetworkLB     = "network"
)

var (
	loadBalancerTypes = []string{tLB, tALB}
	listenerTypes     = []string{tListener, tALBListener}
)

// view indexes a graph for the checks. It never changes the graph.
type view struct {
	g      *sim.Graph
	byURN  map[string]sim.Resource
	byType map[string][]sim.Resource
	kids   map[string][]string
}

func newView(g *sim.Graph) *view {
	v := &view{g: g, byURN: map[string]sim.Resource{}, byType: map[string][]sim.Resource{}, kids: map[string][]string{}}
	if g == nil {
		return v
	}
	rs := append([]sim.Resource(nil), g.Resources...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].URN < rs[j].URN })
	for _, r := range rs {
		v.byURN[r.URN] = r
		v.byType[r.Type] = append(v.byType[r.Type], r)
		if r.Parent != "" {
			v.kids[r.Parent] = append(v.kids[r.Parent], r.URN)
		}
	}
	return v
}

// of returns the resources of the given types, in URN order.
func (v *view) of(types ...string) []sim.Resource {
	var out []sim.Resource
	for _, t := range types {
		out = append(out, v.byType[t]...)
	}
	if len(types) > 1 {
		sort.SliceStable(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	}
	return out
}

// refs returns the resources of the wanted types that r's input at path
// refers to. The engine's record of property dependencies decides first
// (keyed by the path's top-level property); without one, a string value at
// the path that equals a resource's ID, ARN or name counts.
func (v *view) refs(r sim.Resource, path string, want ...string) []sim.Resource {
	top := strings.TrimSuffix(strings.SplitN(path, ".", 2)[0], "[]")
	seen := map[string]bool{}
	var out []sim.Resource
	add := func(x sim.Resource) {
		if !seen[x.URN] && x.URN != r.URN {
			seen[x.URN] = true
			out = append(out, x)
		}
	}
	for _, u := range r.PropertyDependencies[top] {
		if x, ok := v.byURN[u]; ok && oneOf(x.Type, want) {
			add(x)
		}
	}
	if len(out) == 0 {
		vals := map[string]bool{}
		for _, x := range sim.Lookup(r.Inputs, path) {
			for _, s := range deepStrings(x) {
				vals[s] = true
			}
		}
		if len(vals) > 0 {
			for _, t := range want {
				for _, x := range v.byType[t] {
					if vals[x.ID] || vals[str(x.Outputs, "arn")] || vals[str(x.Inputs, "name")] || vals[str(x.Outputs, "name")] {
						add(x)
					}
				}
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].URN < out[j].URN })
	return out
}

// refersTo reports whether r's input at path refers to target.
func (v *view) refersTo(r sim.Resource, path string, target sim.Resource) bool {
	for _, x := range v.refs(r, path, target.Type) {
		if x.URN == target.URN {
			return true
		}
	}
	return false
}

// zones returns the distinct availability zones of the subnets r's input at
// path names, and how many subnet values the input holds. A subnet the graph
// does not know (or that names no zone) counts only in the second figure.
func (v *view) zones(r sim.Resource, path string) (zones []string, subnets int) {
	subnets = len(strs(r.Inputs, path))
	set := map[string]bool{}
	sn := v.refs(r, path, tSubnet)
	if len(sn) > subnets {
		subnets = len(sn)
	}
	for _, s := range sn {
		if az := str(s.Inputs, "availabilityZone"); az != "" {
			set[az] = true
		}
	}
	for az := range set {
		zones = append(zones, az)
	}
	sort.Strings(zones)
	return zones, subnets
}

// multiAZ reports whether the subnets at path span two zones or more: by
// their zones when the graph knows them, else by their count.
func (v *view) multiAZ(r sim.Resource, path string) (bool, string) {
	zones, n := v.zones(r, path)
	switch {
	case len(zones) >= 2:
		return true, ""
	case len(zones) == 1 && n <= 1:
		return false, "one subnet, in " + zones[0]
	case len(zones) == 1:
		return false, "every subnet is in " + zones[0]
	case n >= 2:
		return true, "" // zones unknown: distinct subnets are taken as distinct zones
	case n == 1:
		return false, "one subnet"
	}
	return false, "no subnets"
}

func oneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// val is the single value at path, or nil.
func val(m map[string]any, path string) any {
	if vs := sim.Lookup(m, path); len(vs) > 0 {
		return vs[0]
	}
	return nil
}

// str is the string at path, or "".
func str(m map[string]any, path string) string {
	s, _ := val(m, path).(string)
	return s
}

// strs returns every string at path, flattening lists.
func strs(m map[string]any, path string) []string {
	var out []string
	for _, x := range sim.Lookup(m, path) {
		switch t := x.(type) {
		case string:
			if t != "" {
				out = append(out, t)
			}
		case []any:
			for _, e := range t {
				if s, ok := e.(string); ok && s != "" {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

// deepStrings returns every non-empty string in a plain JSON value.
func deepStrings(x any) []string {
	switch t := x.(type) {
	case string:
		if t != "" {
			return []string{t}
		}
	case []any:
		var out []string
		for _, e := range t {
			out = append(out, deepStrings(e)...)
		}
		return out
	case map[string]any:
		var out []string
		for _, k := range sortedKeys(t) {
			out = append(out, deepStrings(t[k])...)
		}
		return out
	}
	return nil
}

// truth reads a boolean input that the provider may type as a bool or as a
// string ("true"/"false"). set is false when the input is absent or neither.
func truth(x any) (value, set bool) {
	switch t := x.(type) {
	case bool:
		return t, true
	case string:
		if b, err := strconv.ParseBool(t); err == nil {
			return b, true
		}
	}
	return false, false
}

// isTrue reports whether the input at path is explicitly true.
func isTrue(m map[string]any, path string) bool {
	b, ok := truth(val(m, path))
	return ok && b
}

// isFalse reports whether the input at path is explicitly false.
func isFalse(m map[string]any, path string) bool {
	b, ok := truth(val(m, path))
	return ok && !b
}

// number reads a numeric input (float64 from JSON, or a numeric string).
func number(x any) (float64, bool) {
	switch t := x.(type) {
	case float64:
		return t, true
	case int:
		return float64(t), true
	case int64:
		return float64(t), true
	case string:
		if f, err := strconv.ParseFloat(t, 64); err == nil {
			return f, true
		}
	}
	return 0, false
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
