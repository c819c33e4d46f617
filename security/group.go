package security

import (
	"fmt"
	"sync"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/vpc"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// GroupType is the type token of the per-workload component.
const GroupType = "platform:security:Group"

// Group is the component of one workload's security group. It holds the
// aws.ec2.SecurityGroup and the group's own rules: the ingress rules that let
// others reach the workload and the egress rules that let it reach others.
//
// Why the ID is behind Claim: the incident this package answers had the EC2
// instances' group also attached to a Lambda function and to the RDS cluster,
// so opening a port for one opened it for all three, and nobody could tell
// from a rule who it was for. A rule here is written for exactly one workload,
// so the group must be attached to exactly one thing. The only way to get the
// group's ID for attaching it (launch template, ECS service, Lambda VPC
// config, RDS cluster, endpoint, Client VPN) is Claim, and a second, different
// owner is refused. The read-only exception is Policy.GroupIDs, for stack
// outputs.
type Group struct {
	pulumi.ResourceState

	workload string
	kind     Kind
	sg       *ec2.SecurityGroup

	mu    sync.Mutex
	owner string
}

// Workload is the name of the workload the group belongs to.
func (g *Group) Workload() string { return g.workload }

// Kind is the kind of that workload.
func (g *Group) Kind() Kind { return g.kind }

// Owner is who claimed the group, or "" while unclaimed.
func (g *Group) Owner() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.owner
}

// Claim hands out the group's ID to owner, the one resource that attaches the
// group (name it by its resource name, e.g. "prod-api-service"). Claiming
// again with the same owner returns the same ID; any other owner gets an
// error, because a group belongs to one workload and is attached once.
func (g *Group) Claim(owner string) (pulumi.StringOutput, error) {
	if owner == "" {
		return pulumi.StringOutput{}, fmt.Errorf("security: claiming the %q security group needs an owner: the name of the resource that attaches it", g.workload)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.owner != "" && g.owner != owner {
		return pulumi.StringOutput{}, fmt.Errorf("security: the %q security group is already attached to %q, so %q cannot attach it too; "+
			"one security group per workload: declare %q as its own workload and allow it by group in platform:security.allow",
			g.workload, g.owner, owner, owner)
	}
	g.owner = owner
	return g.sg.ID().ToStringOutput(), nil
}

func (g *Group) id() pulumi.StringOutput { return g.sg.ID().ToStringOutput() }

// newGroup registers the component and its security group. The group has no
// inline ingress or egress: all rules are standalone resources, so no two
// resources ever manage the same rule, and the provider removes the default
// allow-all egress AWS puts on a new group, which keeps egress explicit.
func newGroup(ctx *pulumi.Context, policy string, s GroupSpec, vpcID pulumi.StringInput, extra map[string]string, parent pulumi.Resource) (*Group, error) {
	name := policy + "-" + s.Workload
	g := &Group{workload: s.Workload, kind: s.Kind}
	if err := ctx.RegisterComponentResource(GroupType, name, g, pulumi.Parent(parent)); err != nil {
		return nil, err
	}
	sg, err := ec2.NewSecurityGroup(ctx, name, &ec2.SecurityGroupArgs{
		VpcId:               vpcID,
		Description:         pulumi.String(s.Description),
		RevokeRulesOnDelete: pulumi.Bool(true),
		Tags:                tagMap(extra, name, s.Workload, s.Kind),
	}, pulumi.Parent(g))
	if err != nil {
		return nil, err
	}
	g.sg = sg
	return g, nil
}

// rulePeer is where a rule points, resolved to inputs.
type rulePeer struct {
	group, cidr4, cidr6, prefixList pulumi.StringPtrInput
}

func (p *Policy) resolve(r Rule, prefixLists map[string]pulumi.StringInput) rulePeer {
	switch r.Peer.Kind() {
	case PeerGroup:
		return rulePeer{group: p.groups[r.Peer.Key()].id().ToStringPtrOutput()}
	case PeerLegacy:
		return rulePeer{group: p.legacyIDs[r.Peer.Key()].ToStringOutput().ToStringPtrOutput()}
	case PeerCIDR:
		if r.Peer.CIDR.Addr().Is4() {
			return rulePeer{cidr4: pulumi.String(r.Peer.CIDR.String())}
		}
		return rulePeer{cidr6: pulumi.String(r.Peer.CIDR.String())}
	default:
		return rulePeer{prefixList: prefixLists[r.Peer.Key()].ToStringOutput().ToStringPtrOutput()}
	}
}

// addRules creates the group's own rules, each parented to the group.
func (g *Group) addRules(ctx *pulumi.Context, p *Policy, s GroupSpec, prefixLists map[string]pulumi.StringInput, extra map[string]string) error {
	if err := p.newRules(ctx, g.id(), s.Workload, s.Kind, s.Ingress, s.Egress, prefixLists, extra, g); err != nil {
		return err
	}
	return ctx.RegisterResourceOutputs(g, pulumi.Map{
		"securityGroupId": g.id(),
		"workload":        pulumi.String(s.Workload),
		"kind":            pulumi.String(string(s.Kind)),
		"ingressRules":    pulumi.Int(len(s.Ingress)),
		"egressRules":     pulumi.Int(len(s.Egress)),
	})
}

// newRules registers rules on one group (a workload's, or a legacy group's
// bridge side), parented to parent.
func (p *Policy) newRules(ctx *pulumi.Context, groupID pulumi.StringInput, workload string, kind Kind, ingress, egress []Rule, prefixLists map[string]pulumi.StringInput, extra map[string]string, parent pulumi.Resource) error {
	for _, r := range ingress {
		peer := p.resolve(r, prefixLists)
		name := p.name + "-" + r.Name
		if _, err := vpc.NewSecurityGroupIngressRule(ctx, name, &vpc.SecurityGroupIngressRuleArgs{
			SecurityGroupId:           groupID,
			IpProtocol:                pulumi.String(string(r.Port.Protocol)),
			FromPort:                  pulumi.Int(r.Port.From),
			ToPort:                    pulumi.Int(r.Port.To),
			Description:               pulumi.String(r.Reason),
			ReferencedSecurityGroupId: peer.group,
			CidrIpv4:                  peer.cidr4,
			CidrIpv6:                  peer.cidr6,
			PrefixListId:              peer.prefixList,
			Tags:                      ruleTags(extra, name, workload, kind, r),
		}, pulumi.Parent(parent)); err != nil {
			return err
		}
	}
	for _, r := range egress {
		peer := p.resolve(r, prefixLists)
		name := p.name + "-" + r.Name
		if _, err := vpc.NewSecurityGroupEgressRule(ctx, name, &vpc.SecurityGroupEgressRuleArgs{
			SecurityGroupId:           groupID,
			IpProtocol:                pulumi.String(string(r.Port.Protocol)),
			FromPort:                  pulumi.Int(r.Port.From),
			ToPort:                    pulumi.Int(r.Port.To),
			Description:               pulumi.String(r.Reason),
			ReferencedSecurityGroupId: peer.group,
			CidrIpv4:                  peer.cidr4,
			CidrIpv6:                  peer.cidr6,
			PrefixListId:              peer.prefixList,
			Tags:                      ruleTags(extra, name, workload, kind, r),
		}, pulumi.Parent(parent)); err != nil {
			return err
		}
	}
	return nil
}

// ruleTags are a rule's tags; a bridge also says the stage that removes it.
func ruleTags(extra map[string]string, name, workload string, kind Kind, r Rule) pulumi.StringMap {
	m := tagMap(extra, name, workload, kind)
	if r.Until != "" {
		m["platform:temporary-until"] = pulumi.String(r.Until)
	}
	return m
}

// tagMap merges the caller's tags with ours; ours win, so a stack cannot
// mislabel which workload a group or rule belongs to.
func tagMap(extra map[string]string, name, workload string, kind Kind) pulumi.StringMap {
	m := make(pulumi.StringMap, len(extra)+4)
	for k, v := range extra {
		m[k] = pulumi.String(v)
	}
	m["Name"] = pulumi.String(name)
	m["platform:component"] = pulumi.String("security")
	m["platform:workload"] = pulumi.String(workload)
	m["platform:kind"] = pulumi.String(string(kind))
	return m
}
