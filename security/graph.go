package security

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"sort"
)

// Graph is the checked allow graph: one group per workload and every rule of
// every group. It is immutable; accessors return copies.
type Graph struct {
	workloads []Workload // sorted by name
	index     map[string]int
	groups    []GroupSpec // same order as workloads
	rules     []Rule      // sorted: by group, ingress before egress, peer, port
	edges     []Edge      // sorted: by from, to, port
	env       Env
	limits    Limits
	legacy    []LegacyGroupSpec // sorted by ID: the old groups bridges add rules to
}

// LegacyGroupSpec is a legacy group's side of the bridges: the rules the
// stack adds to an old group it imported, each removed at its Until stage.
type LegacyGroupSpec struct {
	ID      string
	Name    string
	Ingress []Rule
	Egress  []Rule
}

// LegacyGroups returns the legacy groups that bridges touch, sorted by ID.
func (g *Graph) LegacyGroups() []LegacyGroupSpec {
	out := make([]LegacyGroupSpec, len(g.legacy))
	for i, l := range g.legacy {
		l.Ingress, l.Egress = slices.Clone(l.Ingress), slices.Clone(l.Egress)
		out[i] = l
	}
	return out
}

// Bridges returns the temporary edges: those between a platform workload and
// a legacy group, each removed at its Until stage.
func (g *Graph) Bridges() []Edge {
	var out []Edge
	for _, e := range g.edges {
		if e.Until != "" {
			out = append(out, e)
		}
	}
	return out
}

// GroupSpec is one workload's security group and its rules.
type GroupSpec struct {
	Workload       string
	Kind           Kind
	Port           Port
	InternetFacing bool
	InternetEgress bool
	ExtraGroups    int
	Description    string // the group description; it never changes for a workload
	Ingress        []Rule // sorted
	Egress         []Rule // sorted
}

func (s GroupSpec) clone() GroupSpec {
	s.Ingress = slices.Clone(s.Ingress)
	s.Egress = slices.Clone(s.Egress)
	return s
}

// Groups returns every group, sorted by workload name.
func (g *Graph) Groups() []GroupSpec {
	out := make([]GroupSpec, len(g.groups))
	for i, s := range g.groups {
		out[i] = s.clone()
	}
	return out
}

// Group returns the group of one workload.
func (g *Graph) Group(workload string) (GroupSpec, bool) {
	i, ok := g.index[workload]
	if !ok {
		return GroupSpec{}, false
	}
	return g.groups[i].clone(), true
}

// Rules returns every rule, sorted by group, then ingress before egress, then
// peer and port.
func (g *Graph) Rules() []Rule { return slices.Clone(g.rules) }

// Edges returns every allowed flow, each once, sorted by source, target, port.
func (g *Graph) Edges() []Edge { return slices.Clone(g.edges) }

// Workloads returns the workloads, sorted by name.
func (g *Graph) Workloads() []Workload { return slices.Clone(g.workloads) }

// Env returns the network facts the graph was built with (gateway endpoints
// sorted and deduplicated, the VPN range masked).
func (g *Graph) Env() Env {
	e := g.env
	e.GatewayEndpoints = slices.Clone(e.GatewayEndpoints)
	if e.Legacy != nil {
		e.Legacy = maps.Clone(e.Legacy)
	}
	return e
}

// VPNClientCIDR is the Client VPN client range, or the zero Prefix.
func (g *Graph) VPNClientCIDR() netip.Prefix { return g.env.VPNClientCIDR }

// Limits returns the quotas the graph was checked against.
func (g *Graph) Limits() Limits { return g.limits }

// PrefixLists returns the gateway endpoints some rule reaches, sorted: the
// keys PolicyArgs.PrefixListIDs must have.
func (g *Graph) PrefixLists() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range g.rules {
		if r.Peer.kind == PeerPrefixList && !seen[r.Peer.key] {
			seen[r.Peer.key] = true
			out = append(out, r.Peer.key)
		}
	}
	sort.Strings(out)
	return out
}

func (g *Graph) workload(name string) (Workload, bool) {
	i, ok := g.index[name]
	if !ok {
		return Workload{}, false
	}
	return g.workloads[i], true
}

// verify re-checks the structural invariants on the finished graph. Build's
// config checks make these impossible; verify is the belt to those braces and
// the oracle of the property tests.
func (g *Graph) verify() error {
	var errs []error
	bad := func(r Rule, format string, args ...any) {
		errs = append(errs, fmt.Errorf("rule %s: %s", r.Name, fmt.Sprintf(format, args...)))
	}
	names := make(map[string]bool, len(g.rules))
	type side struct {
		a, b string
		port Port
	}
	in := make(map[side]bool, len(g.rules)/2)
	out := make(map[side]bool, len(g.rules)/2)
	for _, s := range g.groups {
		if len(s.Ingress) > g.limits.MaxRulesPerGroup || len(s.Egress) > g.limits.MaxRulesPerGroup {
			errs = append(errs, fmt.Errorf("group %s: over %d rules", s.Workload, g.limits.MaxRulesPerGroup))
		}
		if 1+s.ExtraGroups > g.limits.MaxGroupsPerInterface {
			errs = append(errs, fmt.Errorf("group %s: over %d groups per interface", s.Workload, g.limits.MaxGroupsPerInterface))
		}
	}
	for _, r := range g.rules {
		if names[r.Name] {
			bad(r, "duplicate name")
		}
		names[r.Name] = true
		if r.Name != ruleName(r.Group, r.Direction, r.Peer, r.Port) {
			bad(r, "name does not match its identity")
		}
		if err := r.Port.Validate(); err != nil {
			bad(r, "%v", err)
		}
		if r.Until != "" && r.Peer.kind != PeerLegacy && g.env.Legacy[r.Group] == "" {
			if _, old := g.env.Legacy[r.Group]; !old {
				bad(r, "temporary, but it names no legacy group")
			}
		}
		if f, ok := forbiddenIn(r.Port); ok {
			bad(r, "contains %s", f.Name)
		}
		if _, old := g.env.Legacy[r.Group]; old {
			p, ok := g.workload(r.Peer.Workload())
			switch {
			case r.Until == "":
				bad(r, "a rule on a legacy group that is not temporary")
			case !ok:
				bad(r, "a rule on a legacy group must name a platform workload")
			case r.Direction == Ingress && !p.Kind.HasEgress():
				bad(r, "source %s has no egress", p.Kind)
			case r.Direction == Egress && !p.Kind.AcceptsConnections():
				bad(r, "target %s accepts nothing", p.Kind)
			}
			if r.Direction == Ingress {
				in[side{r.Peer.key, r.Group, r.Port}] = true
			} else {
				out[side{r.Group, r.Peer.key, r.Port}] = true
			}
			continue
		}
		w, ok := g.workload(r.Group)
		if !ok {
			bad(r, "group of unknown workload")
			continue
		}
		if r.Direction == Ingress && !w.Kind.AcceptsConnections() {
			bad(r, "ingress on a %s workload", w.Kind)
		}
		if r.Direction == Egress && !w.Kind.HasEgress() {
			bad(r, "egress on a %s workload", w.Kind)
		}
		switch r.Peer.kind {
		case PeerGroup:
			p, ok := g.workload(r.Peer.key)
			switch {
			case !ok:
				bad(r, "peer is an unknown workload")
			case p.Name == w.Name:
				bad(r, "self rule")
			case r.Direction == Ingress && !p.Kind.HasEgress():
				bad(r, "source %s has no egress", p.Kind)
			case r.Direction == Egress && !p.Kind.AcceptsConnections():
				bad(r, "target %s accepts nothing", p.Kind)
			}
			target := w
			if r.Direction == Egress {
				target = p
			}
			if !r.Port.Within(target.Port) {
				bad(r, "port wider than the service port %s", target.Port)
			}
			if r.Direction == Ingress {
				in[side{r.Peer.key, r.Group, r.Port}] = true
			} else {
				out[side{r.Group, r.Peer.key, r.Port}] = true
			}
		case PeerCIDR:
			internetIn := r.Direction == Ingress && w.Kind == KindALB && w.InternetFacing &&
				(r.Peer.CIDR == anyIPv4 || r.Peer.CIDR == anyIPv6) && (r.Port == HTTPS || r.Port == HTTP)
			internetOut := r.Direction == Egress && w.Kind.IsCompute() && w.InternetEgress &&
				r.Peer.CIDR == anyIPv4 && r.Port == HTTPS
			vpn := r.Direction == Ingress && g.env.VPNClientCIDR.IsValid() && r.Peer.key == FromVPNClients &&
				r.Peer.CIDR == g.env.VPNClientCIDR && w.Kind != KindVPN && r.Port.Within(w.Port)
			if !internetIn && !internetOut && !vpn {
				bad(r, "address range %s is not allowed here", r.Peer.CIDR)
			}
		case PeerPrefixList:
			if r.Direction != Egress || !w.Kind.IsCompute() || r.Port != HTTPS || !gatewayServices[r.Peer.key] {
				bad(r, "prefix list %s not allowed here", r.Peer.key)
			}
		case PeerLegacy:
			_, known := g.env.Legacy[r.Peer.key]
			switch {
			case !known:
				bad(r, "legacy group %s is not one of the stack's", r.Peer.key)
			case r.Until == "":
				bad(r, "a bridge without the stage that removes it")
			case r.Direction == Ingress && !r.Port.Within(w.Port):
				bad(r, "port wider than the service port %s", w.Port)
			case r.Direction == Egress && !w.Kind.HasEgress():
				bad(r, "egress from %s", w.Kind)
			}
			if r.Direction == Ingress {
				in[side{r.Peer.key, r.Group, r.Port}] = true
			} else {
				out[side{r.Group, r.Peer.key, r.Port}] = true
			}
		default:
			bad(r, "peer of unknown kind %q", r.Peer.kind)
		}
	}
	for s := range in {
		if !out[s] {
			errs = append(errs, fmt.Errorf("%s to %s on %s: ingress without egress", s.a, s.b, s.port))
		}
	}
	for s := range out {
		if !in[s] {
			errs = append(errs, fmt.Errorf("%s to %s on %s: egress without ingress", s.a, s.b, s.port))
		}
	}
	return errors.Join(errs...)
}
