package security

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// PolicyType is the type token of the security component.
const PolicyType = "platform:security:Policy"

// PolicyArgs are the inputs of NewPolicy. The VPN client range and the limits
// come from the Graph, which Build already checked.
type PolicyArgs struct {
	VpcID pulumi.StringInput
	Graph *Graph
	// PrefixListIDs maps a gateway endpoint ("s3", "dynamodb") to its prefix
	// list ID (pl-...); it needs every key of Graph.PrefixLists().
	PrefixListIDs map[string]pulumi.StringInput
	// Tags are merged into every group and rule; the platform:* tags and Name
	// are ours and win.
	Tags map[string]string
	// LegacyGroupIDs maps a legacy group's ID to the imported group's ID
	// output (the same string), so that bridge rules depend on the import;
	// it needs every group of Graph.LegacyGroups().
	LegacyGroupIDs map[string]pulumi.StringInput
}

// LegacyType is the type token of the component holding the bridge rules the
// stack adds to one legacy group.
const LegacyType = "platform:security:LegacyGroup"

// Policy is the component that owns every security group of the stack: one
// Group child per workload, each with its own rules.
type Policy struct {
	pulumi.ResourceState

	name      string
	graph     *Graph
	groups    map[string]*Group
	ids       pulumi.StringMap
	legacyIDs map[string]pulumi.StringInput
}

// NewPolicy creates the groups and rules of args.Graph. Resource names are
// "<name>-<workload>" for a group (component and security group) and
// "<name>-<rule name>" for a rule, e.g. "prod-sg-database-in-api-tcp-5432",
// so they are unique in the stack and do not depend on config order.
func NewPolicy(ctx *pulumi.Context, name string, args *PolicyArgs, opts ...pulumi.ResourceOption) (*Policy, error) {
	if err := args.check(name); err != nil {
		return nil, err
	}
	p := &Policy{name: name, graph: args.Graph, groups: map[string]*Group{}, ids: pulumi.StringMap{}, legacyIDs: args.LegacyGroupIDs}
	if err := ctx.RegisterComponentResource(PolicyType, name, p, opts...); err != nil {
		return nil, err
	}
	specs := args.Graph.groups
	// All groups first: a rule needs the IDs of both of its sides.
	for _, s := range specs {
		g, err := newGroup(ctx, name, s, args.VpcID, args.Tags, p)
		if err != nil {
			return nil, err
		}
		p.groups[s.Workload] = g
		p.ids[s.Workload] = g.id()
	}
	for _, s := range specs {
		if err := p.groups[s.Workload].addRules(ctx, p, s, args.PrefixListIDs, args.Tags); err != nil {
			return nil, err
		}
	}
	// The old groups' side of the bridges: rules added beside the ones they
	// already have, which the stack never touches.
	for _, l := range args.Graph.legacy {
		c := &pulumi.ResourceState{}
		if err := ctx.RegisterComponentResource(LegacyType, name+"-"+l.ID, c, pulumi.Parent(p)); err != nil {
			return nil, err
		}
		if err := p.newRules(ctx, args.LegacyGroupIDs[l.ID], "legacy", "legacy", l.Ingress, l.Egress, args.PrefixListIDs, args.Tags, c); err != nil {
			return nil, err
		}
		if err := ctx.RegisterResourceOutputs(c, pulumi.Map{"securityGroupId": args.LegacyGroupIDs[l.ID], "name": pulumi.String(l.Name)}); err != nil {
			return nil, err
		}
	}
	if err := ctx.RegisterResourceOutputs(p, pulumi.Map{"groupIds": p.ids}); err != nil {
		return nil, err
	}
	return p, nil
}

func (a *PolicyArgs) check(name string) error {
	if a == nil {
		return errors.New("security: NewPolicy needs args")
	}
	var errs []string
	if name == "" {
		errs = append(errs, "a name")
	}
	if a.VpcID == nil {
		errs = append(errs, "args.VpcID")
	}
	if a.Graph == nil || a.Graph.index == nil {
		errs = append(errs, "args.Graph from security.Build")
	} else {
		var missing []string
		for _, pl := range a.Graph.PrefixLists() {
			if a.PrefixListIDs[pl] == nil {
				missing = append(missing, fmt.Sprintf("args.PrefixListIDs[%q] (the prefix list of the %s gateway endpoint)", pl, pl))
			}
		}
		for _, e := range a.Graph.edges {
			for _, id := range []string{e.From.Legacy(), e.To.Legacy()} {
				if id != "" && a.LegacyGroupIDs[id] == nil && !slices.Contains(missing, "args.LegacyGroupIDs[\""+id+"\"]") {
					missing = append(missing, "args.LegacyGroupIDs[\""+id+"\"]")
				}
			}
		}
		sort.Strings(missing)
		errs = append(errs, missing...)
	}
	if len(errs) > 0 {
		return fmt.Errorf("security: NewPolicy needs %s", strings.Join(errs, ", "))
	}
	return nil
}

// Group returns the group of a workload. Get its ID with Group.Claim.
func (p *Policy) Group(workload string) (*Group, bool) {
	g, ok := p.groups[workload]
	return g, ok
}

// Graph is the graph the policy was built from.
func (p *Policy) Graph() *Graph { return p.graph }

// GroupIDs maps every workload to its security group ID, for stack outputs
// (ctx.Export) and docs only. To attach a group, use Group.Claim: that is what
// keeps one group on one workload.
func (p *Policy) GroupIDs() pulumi.StringMapOutput { return p.ids.ToStringMapOutput() }
