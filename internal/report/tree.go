// Package report renders an offline run for people: the resource tree, the
// subnet table and the resource counts the plan command prints.
package report

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/network"
)

// Tree writes the resources as a tree under their components.
func Tree(w io.Writer, g *sim.Graph) {
	children := map[string][]sim.Resource{}
	present := map[string]bool{}
	for _, r := range g.Resources {
		present[r.URN] = true
	}
	var roots []sim.Resource
	for _, r := range g.Resources {
		if r.Parent == "" || !present[r.Parent] {
			roots = append(roots, r)
			continue
		}
		children[r.Parent] = append(children[r.Parent], r)
	}
	sortResources(roots)
	fmt.Fprintf(w, "%s-%s (pulumi:pulumi:Stack)\n", g.Project, g.Stack)
	for i, r := range roots {
		treeNode(w, r, children, "", i == len(roots)-1)
	}
}

func sortResources(rs []sim.Resource) {
	sort.Slice(rs, func(i, j int) bool {
		// Components first, so each group's sub-components lead its leaves.
		if rs[i].Custom != rs[j].Custom {
			return !rs[i].Custom
		}
		if rs[i].Type != rs[j].Type {
			return rs[i].Type < rs[j].Type
		}
		return rs[i].Name < rs[j].Name
	})
}

func treeNode(w io.Writer, r sim.Resource, children map[string][]sim.Resource, indent string, last bool) {
	branch, next := "├─ ", "│  "
	if last {
		branch, next = "└─ ", "   "
	}
	var flags []string
	if r.Protect {
		flags = append(flags, "protect")
	}
	if r.ImportID != "" {
		flags = append(flags, "import "+r.ImportID)
	}
	if len(r.IgnoreChanges) > 0 {
		flags = append(flags, "ignoreChanges "+strings.Join(r.IgnoreChanges, ","))
	}
	suffix := ""
	if len(flags) > 0 {
		suffix = "  [" + strings.Join(flags, "; ") + "]"
	}
	fmt.Fprintf(w, "%s%s%s  %s%s\n", indent, branch, r.Name, r.Type, suffix)
	kids := children[r.URN]
	sortResources(kids)
	for i, c := range kids {
		treeNode(w, c, children, indent+next, i == len(kids)-1)
	}
}

// Counts writes how many cloud resources of each type the run registers.
func Counts(w io.Writer, g *sim.Graph) {
	counts := g.CountByType()
	types := make([]string, 0, len(counts))
	for t := range counts {
		types = append(types, t)
	}
	sort.Strings(types)
	width := 0
	for _, t := range types {
		width = max(width, len(t))
	}
	for _, t := range types {
		fmt.Fprintf(w, "  %-*s  %4d\n", width, t, counts[t])
	}
	fmt.Fprintf(w, "  %-*s  %4d\n", width, "total cloud resources", g.Custom())
}

// Subnets writes one line per planned subnet with where its default route goes.
func Subnets(w io.Writer, plan network.Plan, nat network.NATMode, name string) {
	fmt.Fprintf(w, "  %-8s  %-12s  %-16s  %s\n", "TIER", "AZ", "CIDR", "DEFAULT ROUTE")
	for _, s := range plan.Subnets {
		fmt.Fprintf(w, "  %-8s  %-12s  %-16s  %s\n", s.Tier, s.AZ, s.Prefix, RouteTarget(plan, nat, name, s))
	}
}

// RouteTarget says in words where a subnet's traffic for the internet goes.
func RouteTarget(plan network.Plan, nat network.NATMode, name string, s network.Subnet) string {
	switch s.Tier {
	case network.TierPublic:
		return name + "-igw (internet gateway)"
	case network.TierPrivate:
		if az := network.NATFor(plan, nat, s.AZ); az != "" {
			return name + "-nat-" + az + " (NAT gateway)"
		}
		return "none: AWS services through VPC endpoints only"
	}
	return "none: local and S3/DynamoDB gateway endpoints only"
}

// Exports writes the stack outputs, one per line, maps expanded by key.
func Exports(w io.Writer, ex map[string]any) {
	keys := make([]string, 0, len(ex))
	for k := range ex {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := ex[k].(type) {
		case map[string]any:
			sub := make([]string, 0, len(v))
			for s := range v {
				sub = append(sub, s)
			}
			sort.Strings(sub)
			fmt.Fprintf(w, "  %s:\n", k)
			for _, s := range sub {
				fmt.Fprintf(w, "    %s: %v\n", s, v[s])
			}
		default:
			fmt.Fprintf(w, "  %s: %v\n", k, v)
		}
	}
}
