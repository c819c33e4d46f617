// Package policy checks a registered resource graph against the security rules
// of the platform. It reads only what the program registered (types and
// inputs), and shares no code with the packages that build the graph: a bug in
// the builder cannot hide itself from its own check.
package policy

import (
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/internal/sim"
)

// Violation is one broken rule on one resource.
type Violation struct {
	Rule     string
	Resource string // logical name
	Type     string
	Detail   string
}

func (v Violation) String() string {
	return fmt.Sprintf("%s: %s (%s): %s", v.Rule, v.Resource, v.Type, v.Detail)
}

// Rule names, stable for tests and reports.
const (
	RuleOwnGroup        = "one-group-per-workload"
	RuleCIDRIngress     = "no-cidr-ingress"
	RuleGroupReference  = "internal-rules-reference-groups"
	RuleNoInline        = "no-inline-rules"
	RuleDefaultGroup    = "default-group-empty"
	RuleAdminPorts      = "no-ssh-rdp"
	RuleAllTraffic      = "no-all-traffic"
	RuleInternetEgress  = "internet-egress-443-only"
	RuleNoKeyPair       = "no-key-pair"
	RuleNoPublicAddress = "no-public-address"
)

const (
	tSG         = "aws:ec2/securityGroup:SecurityGroup"
	tDefaultSG  = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
	tIngress    = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
	tEgress     = "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule"
	tLegacyRule = "aws:ec2/securityGroupRule:SecurityGroupRule"
	tLB         = "aws:lb/loadBalancer:LoadBalancer"
	tVPN        = "aws:ec2clientvpn/endpoint:Endpoint"
)

// attachPaths says where each attaching resource type lists its security groups.
var attachPaths = map[string][]string{
	tLB:                                     {"securityGroups"},
	"aws:ec2/launchTemplate:LaunchTemplate": {"vpcSecurityGroupIds", "networkInterfaces[].securityGroups"},
	"aws:ec2/instance:Instance":             {"vpcSecurityGroupIds", "securityGroups"},
	"aws:ecs/service:Service":               {"networkConfiguration.securityGroups"},
	"aws:lambda/function:Function":          {"vpcConfig.securityGroupIds"},
	"aws:batch/computeEnvironment:ComputeEnvironment":   {"computeResources.securityGroupIds"},
	"aws:rds/cluster:Cluster":                           {"vpcSecurityGroupIds"},
	"aws:rds/instance:Instance":                         {"vpcSecurityGroupIds"},
	"aws:elasticache/replicationGroup:ReplicationGroup": {"securityGroupIds"},
	"aws:elasticache/cluster:Cluster":                   {"securityGroupIds"},
	"aws:ec2/vpcEndpoint:VpcEndpoint":                   {"securityGroupIds"},
	tVPN:                                                {"securityGroupIds"},
	"aws:efs/mountTarget:MountTarget":                   {"securityGroups"},
}

// Attachments maps each security group ID to the resources that attach it.
func Attachments(g *sim.Graph) map[string][]sim.Resource {
	out := map[string][]sim.Resource{}
	for _, r := range g.Resources {
		for _, path := range attachPaths[r.Type] {
			for _, id := range lookupStrings(r.Inputs, path) {
				out[id] = append(out[id], r)
			}
		}
	}
	return out
}

// oldWorkloadTypes are the types a migration imports old workloads as.
var oldWorkloadTypes = map[string]bool{
	"aws:ec2/instance:Instance": true, "aws:ecs/service:Service": true, "aws:lambda/function:Function": true,
	"aws:batch/computeEnvironment:ComputeEnvironment": true, "aws:lb/loadBalancer:LoadBalancer": true,
}

// Check runs every rule over the graph; the result is sorted.
func Check(g *sim.Graph) []Violation {
	var out []Violation
	add := func(rule string, r sim.Resource, format string, args ...any) {
		out = append(out, Violation{Rule: rule, Resource: r.Name, Type: r.Type, Detail: fmt.Sprintf(format, args...)})
	}

	groups := map[string]sim.Resource{}
	for _, r := range g.OfType(tSG) {
		if r.ImportID != "" {
			// An old group a migration imported: the stack never edits its
			// rules or who carries it, and deletes it at the end. The rules
			// judge what the program builds; the audit judges the old.
			continue
		}
		groups[r.ID] = r
		for _, k := range []string{"ingress", "egress"} {
			if v, ok := r.Inputs[k].([]any); ok && len(v) > 0 {
				add(RuleNoInline, r, "declares %d inline %s rules; rules must be standalone resources", len(v), k)
			}
		}
	}
	for _, r := range g.OfType(tLegacyRule) {
		add(RuleNoInline, r, "uses the legacy aws_security_group_rule resource")
	}
	for _, r := range g.OfType(tDefaultSG) {
		for _, k := range []string{"ingress", "egress"} {
			if v, ok := r.Inputs[k].([]any); ok && len(v) > 0 {
				add(RuleDefaultGroup, r, "the VPC default group must have no rules, has %d %s", len(v), k)
			}
		}
	}

	// One group per workload: the resources that attach a platform group must
	// be one workload - the same kind of resource under the same component (the
	// interface endpoints, one per service, are one workload) - and no
	// attaching resource carries two platform groups.
	att := Attachments(g)
	for id, sg := range groups {
		owners := att[id]
		if len(owners) > 1 && !oneWorkload(owners) {
			var names []string
			for _, o := range owners {
				names = append(names, o.Name)
			}
			sort.Strings(names)
			add(RuleOwnGroup, sg, "attached to %d resources (%s); each workload needs its own group", len(owners), strings.Join(names, ", "))
		}
	}
	for _, r := range g.Resources {
		n := 0
		for _, path := range attachPaths[r.Type] {
			for _, id := range lookupStrings(r.Inputs, path) {
				// An imported group is an old one a migration keeps on the
				// resource for a while, not a second platform group.
				if sg, ours := groups[id]; ours && sg.ImportID == "" {
					n++
				}
			}
		}
		if n > 1 {
			add(RuleOwnGroup, r, "carries %d platform security groups; a workload has exactly one", n)
		}
	}

	// Who may receive CIDR ingress: internet-facing load balancers on 80/443
	// from anywhere, and anything from the Client VPN client range.
	internetFacing := map[string]bool{}
	for _, lb := range g.OfType(tLB) {
		if lb.Inputs["internal"] == true {
			continue
		}
		for _, id := range lookupStrings(lb.Inputs, "securityGroups") {
			internetFacing[id] = true
		}
	}
	vpnRanges := map[string]bool{}
	for _, v := range g.OfType(tVPN) {
		if c, ok := v.Inputs["clientCidrBlock"].(string); ok {
			vpnRanges[c] = true
		}
	}

	for _, r := range append(g.OfType(tIngress), g.OfType(tEgress)...) {
		ingress := r.Type == tIngress
		proto, _ := r.Inputs["ipProtocol"].(string)
		from, to := num(r.Inputs["fromPort"]), num(r.Inputs["toPort"])
		cidr4, _ := r.Inputs["cidrIpv4"].(string)
		cidr6, _ := r.Inputs["cidrIpv6"].(string)
		ref, _ := r.Inputs["referencedSecurityGroupId"].(string)
		pl, _ := r.Inputs["prefixListId"].(string)
		target, _ := r.Inputs["securityGroupId"].(string)

		if proto == "-1" || strings.EqualFold(proto, "all") || (proto != "tcp" && proto != "udp") {
			add(RuleAllTraffic, r, "protocol %q; only tcp and udp with explicit ports are allowed", proto)
			continue
		}
		for _, admin := range []int{22, 3389} {
			if from <= admin && admin <= to {
				add(RuleAdminPorts, r, "opens %d-%d, which includes %d; use Session Manager", from, to, admin)
			}
		}
		cidr := cidr4 + cidr6
		switch {
		case ingress && cidr != "":
			world := cidr == "0.0.0.0/0" || cidr == "::/0"
			webPort := from == to && (from == 80 || from == 443) && proto == "tcp"
			switch {
			case world && internetFacing[target] && webPort:
			case vpnRanges[cidr]:
			default:
				add(RuleCIDRIngress, r, "ingress from %s on %s %d-%d; only internet-facing load balancers (80/443) and the Client VPN range may be address sources", cidr, proto, from, to)
			}
		case ingress && ref == "":
			add(RuleGroupReference, r, "ingress that names neither a security group nor an allowed range")
		case !ingress && cidr != "":
			if !(cidr == "0.0.0.0/0" || cidr == "::/0") || from != 443 || to != 443 || proto != "tcp" {
				add(RuleInternetEgress, r, "egress to %s on %s %d-%d; only tcp 443 to the internet is allowed", cidr, proto, from, to)
			}
		case !ingress && ref == "" && pl == "":
			add(RuleGroupReference, r, "egress that names neither a security group nor a prefix list")
		}
	}

	for _, r := range g.Resources {
		if r.ImportID != "" && oldWorkloadTypes[r.Type] {
			// An old workload a migration imported as it is, to delete it
			// once traffic has moved: the stack cannot change what it is.
			continue
		}
		switch r.Type {
		case "aws:ec2/launchTemplate:LaunchTemplate", "aws:ec2/instance:Instance":
			if k, _ := r.Inputs["keyName"].(string); k != "" {
				add(RuleNoKeyPair, r, "has key pair %q; operators use Session Manager", k)
			}
			for _, v := range sim.Lookup(r.Inputs, "networkInterfaces[].associatePublicIpAddress") {
				if v == true || v == "true" {
					add(RuleNoPublicAddress, r, "associates a public IP address")
				}
			}
			if r.Inputs["associatePublicIpAddress"] == true {
				add(RuleNoPublicAddress, r, "associates a public IP address")
			}
		case "aws:ec2/subnet:Subnet":
			if r.Inputs["mapPublicIpOnLaunch"] == true && r.ImportID == "" {
				add(RuleNoPublicAddress, r, "maps public IPs on launch")
			}
		case "aws:ecs/service:Service":
			for _, v := range sim.Lookup(r.Inputs, "networkConfiguration.assignPublicIp") {
				if v == true {
					add(RuleNoPublicAddress, r, "assigns tasks a public IP")
				}
			}
		case "aws:rds/clusterInstance:ClusterInstance", "aws:rds/instance:Instance":
			// An adopted instance is imported as it is; the stage after the
			// import turns publiclyAccessible off.
			if r.Inputs["publiclyAccessible"] == true && r.ImportID == "" {
				add(RuleNoPublicAddress, r, "is publicly accessible")
			}
		}
	}

	checkIAM(g, add)

	sort.Slice(out, func(i, j int) bool {
		if out[i].Rule != out[j].Rule {
			return out[i].Rule < out[j].Rule
		}
		return out[i].Resource < out[j].Resource
	})
	return out
}

func oneWorkload(rs []sim.Resource) bool {
	for _, r := range rs[1:] {
		if r.Type != rs[0].Type || r.Parent != rs[0].Parent || r.Parent == "" {
			return false
		}
	}
	return true
}

func num(v any) int {
	switch x := v.(type) {
	case float64:
		return int(x)
	case int:
		return x
	}
	return -1
}

func lookupStrings(m map[string]any, path string) []string {
	var out []string
	for _, v := range sim.Lookup(m, path) {
		switch x := v.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}
