package legacy

import (
	"fmt"
	"slices"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/ec2"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/internal/importopt"
)

// AccountType is the type token of the component holding the imports.
const AccountType = "platform:legacy:Account"

// AccountArgs are the inputs of NewAccount.
type AccountArgs struct {
	Config Config
	// Inventory is the snapshot Config.Snapshot names.
	Inventory *audit.Inventory
	// VpcID is the adopted VPC's ID, from its imported resource.
	VpcID pulumi.StringInput
}

// Account is the old account's resources the stack took over.
type Account struct {
	pulumi.ResourceState

	// RouteTables and Groups by ID.
	RouteTables map[string]*ec2.RouteTable
	Groups      map[string]*ec2.SecurityGroup
	// Workloads are the old workloads, by config name.
	Workloads map[string]*OldWorkload
}

// GroupName is the resource name of an imported group, under the account
// component named name.
func GroupName(name, id string) string { return name + "-" + id }

// NewAccount imports the route tables, security groups and old workloads the
// config names, each with exactly the inputs the snapshot shows.
func NewAccount(ctx *pulumi.Context, name string, args *AccountArgs, opts ...pulumi.ResourceOption) (*Account, error) {
	if args == nil || args.Inventory == nil || args.VpcID == nil {
		return nil, fmt.Errorf("legacy.NewAccount(%q): Inventory and VpcID are required", name)
	}
	a := &Account{RouteTables: map[string]*ec2.RouteTable{}, Groups: map[string]*ec2.SecurityGroup{}, Workloads: map[string]*OldWorkload{}}
	if err := ctx.RegisterComponentResource(AccountType, name, a, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(a)
	inv, cfg := args.Inventory, args.Config

	for _, id := range cfg.RouteTables {
		// Routes and associations are left out: the provider then leaves
		// them as they are (they are computed, not managed, when unset).
		rt, err := ec2.NewRouteTable(ctx, name+"-"+id, &ec2.RouteTableArgs{
			VpcId: args.VpcID,
		}, importopt.Options(parent, id, true)...)
		if err != nil {
			return nil, err
		}
		a.RouteTables[id] = rt
	}

	order := deleteOrder(inv, cfg.GroupIDs())
	for _, id := range order {
		g, _ := inv.SecurityGroup(id)
		kept := cfg.Groups[id]
		gopts := importopt.Options(parent, id, kept.Protected())
		// A group another group's rule names cannot be deleted first: the
		// referring group depends on it, so a removal deletes the referring
		// group before it.
		var deps []pulumi.Resource
		for _, ref := range references(*g) {
			if r, ok := a.Groups[ref]; ok {
				deps = append(deps, r)
			}
		}
		if len(deps) > 0 {
			// AWS refuses to delete a group while another group's rule names
			// it (DependencyViolation): deletes run dependents first.
			gopts = append(gopts, pulumi.DependsOn(deps))
		}
		sgArgs := &ec2.SecurityGroupArgs{
			Name:        pulumi.String(g.Name),
			Description: pulumi.String(g.Description),
			VpcId:       args.VpcID,
			// The rules are left out: unset, the provider leaves the group's
			// rules as they are, and the stack never manages them.
		}
		if !kept.Protected() {
			// On its way out: revoke its rules before deleting it, so two
			// old groups naming each other can both go.
			sgArgs.RevokeRulesOnDelete = pulumi.Bool(true)
		}
		sg, err := ec2.NewSecurityGroup(ctx, GroupName(name, id), sgArgs, gopts...)
		if err != nil {
			return nil, err
		}
		a.Groups[id] = sg
	}
	if err := a.importWorkloads(ctx, name, parent, inv, cfg); err != nil {
		return nil, err
	}
	if err := ctx.RegisterResourceOutputs(a, pulumi.Map{}); err != nil {
		return nil, err
	}
	return a, nil
}

// references lists the groups a group's rules name, sorted.
func references(g audit.SecurityGroup) []string {
	var out []string
	for _, rules := range [][]audit.Rule{g.Ingress, g.Egress} {
		for _, r := range rules {
			for _, ref := range r.GroupIDs {
				if ref != g.ID && !slices.Contains(out, ref) {
					out = append(out, ref)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// deleteOrder sorts the groups so that a group comes after every group its
// rules name (referenced first), which lets each depend on those registered
// before it. Groups naming each other keep their sorted order; their rules
// are revoked before deletion.
func deleteOrder(inv *audit.Inventory, ids []string) []string {
	var out []string
	done := map[string]bool{}
	visiting := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if done[id] || visiting[id] {
			return
		}
		visiting[id] = true
		if g, ok := inv.SecurityGroup(id); ok {
			for _, ref := range references(*g) {
				if slices.Contains(ids, ref) {
					visit(ref)
				}
			}
		}
		visiting[id] = false
		done[id] = true
		out = append(out, id)
	}
	for _, id := range ids {
		visit(id)
	}
	return out
}
