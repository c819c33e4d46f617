package security

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
)

// Hop is one leg of a Path: From opens a connection to To on Port, admitted by
// the ingress rule Rule. The leg from "vpn-clients" into the "vpn" workload is
// the VPN tunnel itself: it has no Port and no Rule.
type Hop struct {
	From, To string
	Port     Port
	Rule     string
}

// Path is one way a source reaches a workload: a direct edge, or through an
// alb (the alb forwards what it receives), or through the Client VPN (the
// people behind "vpn-clients" arrive as the "vpn" workload).
type Path struct {
	Source string   // a workload name, "internet", "vpn-clients"
	Via    []string // the workloads the traffic passes through, in order; empty for a direct edge
	Hops   []Hop    // first hop leaves Source, last hop enters the target
	How    string   // "direct", "through alb edge", "through the Client VPN", "from the Client VPN client range"
}

// Target is the workload the path ends at.
func (p Path) Target() string { return p.Hops[len(p.Hops)-1].To }

// Port is the port the path arrives on at the target.
func (p Path) Port() Port { return p.Hops[len(p.Hops)-1].Port }

// Direct reports whether the path is a single edge.
func (p Path) Direct() bool { return len(p.Hops) == 1 }

// String draws the path: "internet --tcp-443--> edge --tcp-8080--> web".
func (p Path) String() string {
	var b strings.Builder
	b.WriteString(p.Source)
	for _, h := range p.Hops {
		if h.Port.IsZero() {
			b.WriteString(" ==vpn tunnel==> ")
		} else {
			b.WriteString(" --" + h.Port.String() + "--> ")
		}
		b.WriteString(h.To)
	}
	return b.String()
}

// WhoCanReach lists every source that can reach workload, with the port and
// the path: each ingress rule of the workload is a direct path; a source of an
// alb that forwards to the workload reaches it through the alb; "vpn-clients"
// reach whatever the vpn workload reaches. Paths are sorted by source, then
// shortest first, then by drawing.
func (g *Graph) WhoCanReach(workload string) ([]Path, error) {
	if _, ok := g.index[workload]; !ok {
		names := make([]string, len(g.workloads))
		for i, w := range g.workloads {
			names[i] = w.Name
		}
		return nil, fmt.Errorf("%q is not a workload; declared workloads are: %s", workload, strings.Join(names, ", "))
	}
	var out []Path
	g.reach(workload, nil, map[string]bool{workload: true}, &out)
	for i := range out {
		p := &out[i]
		var how []string
		if p.Source == FromVPNClients {
			if p.Hops[0].Port.IsZero() {
				how = append(how, "the Client VPN")
			} else {
				how = append(how, "the Client VPN client range")
			}
		}
		for _, h := range p.Hops[1:] {
			p.Via = append(p.Via, h.From)
			if w, _ := g.workload(h.From); w.Kind == KindALB {
				how = append(how, "alb "+w.Name)
			}
		}
		switch {
		case len(how) == 0:
			p.How = "direct"
		case p.Source == FromVPNClients && !p.Hops[0].Port.IsZero():
			p.How = "from " + strings.Join(how, ", then ")
		default:
			p.How = "through " + strings.Join(how, ", then ")
		}
	}
	slices.SortFunc(out, comparePaths)
	return out, nil
}

func comparePaths(a, b Path) int {
	if c := strings.Compare(a.Source, b.Source); c != 0 {
		return c
	}
	if len(a.Hops) != len(b.Hops) {
		return len(a.Hops) - len(b.Hops)
	}
	for i := range a.Hops {
		x, y := a.Hops[i], b.Hops[i]
		if c := strings.Compare(x.To, y.To); c != 0 {
			return c
		}
		if c := x.Port.compare(y.Port); c != 0 {
			return c
		}
	}
	return 0
}

func (g *Graph) reach(node string, after []Hop, seen map[string]bool, out *[]Path) {
	for _, r := range g.groups[g.index[node]].Ingress {
		hops := append([]Hop{{From: r.Peer.key, To: node, Port: r.Port, Rule: r.Name}}, after...)
		*out = append(*out, Path{Source: r.Peer.key, Hops: hops})
		p, ok := g.workload(r.Peer.Workload())
		if !ok || seen[p.Name] {
			continue
		}
		switch p.Kind {
		case KindALB:
			seen[p.Name] = true
			g.reach(p.Name, hops, seen, out)
			delete(seen, p.Name)
		case KindVPN:
			tunnel := append([]Hop{{From: FromVPNClients, To: p.Name}}, hops...)
			*out = append(*out, Path{Source: FromVPNClients, Hops: tunnel})
		}
	}
}

// RenderReach formats paths as a table for a terminal.
func RenderReach(paths []Path) string {
	if len(paths) == 0 {
		return "nothing can reach this workload\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "who can reach %s:\n", paths[0].Target())
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tPORT\tHOW\tPATH")
	for _, p := range paths {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Source, p.Port(), p.How, p)
	}
	tw.Flush()
	return b.String()
}
