package security

import (
	"fmt"
	"net/netip"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// Config keys problems are reported at.
const (
	configKey  = "platform:security"
	allowKey   = configKey + ".allow"
	networkKey = "platform:network"
)

// Build checks the workloads, the security config and the network facts
// together and returns the allow graph, or an error listing every problem
// found (a *problems.Error), each at its full config key. Nothing is created:
// every invariant holds before any resource exists.
//
// Build runs in O(W + E log E) for W workloads and E edges: workloads are
// indexed by name and edges by identity, never scanned pairwise.
func Build(workloads []Workload, cfg Config, env Env) (*Graph, error) {
	n := 0
	for _, gs := range cfg.Allow {
		for _, g := range gs {
			n += len(g.From)
		}
	}
	b := &builder{
		byName: make(map[string]*Workload, len(workloads)),
		edges:  make(map[edgeID]*edgeAcc, n+len(workloads)*(3+len(env.GatewayEndpoints))),
	}
	b.limits(cfg)
	b.workloads(workloads)
	b.environment(env)
	b.implicitEdges()
	b.grants(cfg)
	g := b.assemble(cfg)
	if err := b.probs.Err(); err != nil {
		return nil, err
	}
	if err := g.verify(); err != nil {
		// A bug in Build, never a config problem: refuse rather than deploy it.
		return nil, fmt.Errorf("security: internal invariant broken: %w", err)
	}
	return g, nil
}

type edgeID struct {
	from, to Peer
	port     Port
}

type edgeAcc struct {
	reasons      map[string]bool // explicit reasons from grants
	implicitWhy  string          // set when Build added the edge itself
	grantDefault string          // set when a grant without a reason asked for it
	until        string          // set on a bridge to a legacy group: the stage that removes it
}

type builder struct {
	probs  problems.List
	lim    Limits
	list   []Workload // every named workload once (the first of duplicates), sorted by name
	byName map[string]*Workload
	env    Env
	vpnOn  bool
	gws    []string // gateway endpoints, sorted, deduplicated, supported only
	edges  map[edgeID]*edgeAcc
	names  string            // "api, database, ..." for messages, built lazily
	legacy map[string]string // legacy group ID -> name, the groups bridges may name
}

func (b *builder) limits(cfg Config) {
	b.lim = Limits{MaxRulesPerGroup: cfg.MaxRulesPerGroup, MaxGroupsPerInterface: cfg.MaxGroupsPerInterface}
	ok := true
	if b.lim.MaxRulesPerGroup == 0 {
		b.lim.MaxRulesPerGroup = DefaultMaxRulesPerGroup
	} else if b.lim.MaxRulesPerGroup < 1 || b.lim.MaxRulesPerGroup > maxRulesPerGroupCap {
		b.probs.Add(configKey+".maxRulesPerGroup",
			"must be between 1 and %d (the AWS quota of rules per security group), got %d; leave it out for the default %d",
			maxRulesPerGroupCap, b.lim.MaxRulesPerGroup, DefaultMaxRulesPerGroup)
		b.lim.MaxRulesPerGroup = DefaultMaxRulesPerGroup
		ok = false
	}
	if b.lim.MaxGroupsPerInterface == 0 {
		b.lim.MaxGroupsPerInterface = DefaultMaxGroupsPerInterface
	} else if b.lim.MaxGroupsPerInterface < 1 || b.lim.MaxGroupsPerInterface > maxGroupsPerInterfaceCap {
		b.probs.Add(configKey+".maxGroupsPerInterface",
			"must be between 1 and %d (the AWS quota of security groups per network interface), got %d; leave it out for the default %d",
			maxGroupsPerInterfaceCap, b.lim.MaxGroupsPerInterface, DefaultMaxGroupsPerInterface)
		b.lim.MaxGroupsPerInterface = DefaultMaxGroupsPerInterface
		ok = false
	}
	if n := b.lim.MaxRulesPerGroup * b.lim.MaxGroupsPerInterface; ok && n > maxRulesPerInterface {
		b.probs.Add(configKey+".maxRulesPerGroup",
			"%d rules per group times %d groups per interface is %d, over the AWS limit of %d rules per network interface; lower maxRulesPerGroup or maxGroupsPerInterface",
			b.lim.MaxRulesPerGroup, b.lim.MaxGroupsPerInterface, n, maxRulesPerInterface)
	}
}

func (b *builder) workloads(ws []Workload) {
	seen := make(map[string]string, len(ws)) // name -> key it was first declared at
	for i := range ws {
		w := ws[i]
		key := w.key()
		if w.Name == "" {
			if w.Key == "" {
				key = fmt.Sprintf("platform:compute[%d]", i)
			}
			b.probs.Add(key, "%s", checkName(w.Name))
			continue
		}
		if first, dup := seen[w.Name]; dup {
			b.probs.Add(key, "duplicate workload name %q (first declared at %s); every workload needs its own name and gets its own security group",
				w.Name, first)
			continue
		}
		seen[w.Name] = key
		b.list = append(b.list, w)
		b.checkWorkload(w, key)
	}
	sort.Slice(b.list, func(i, j int) bool { return b.list[i].Name < b.list[j].Name })
	for i := range b.list {
		b.byName[b.list[i].Name] = &b.list[i]
	}
}

func (b *builder) checkWorkload(w Workload, key string) {
	switch {
	case checkName(w.Name) != "":
		b.probs.Add(key, "%s", checkName(w.Name))
	case reservedNames[w.Name]:
		b.probs.Add(key, "%q is reserved for a rule peer (dynamodb, internet, internet6, s3, vpn-clients); rename the workload", w.Name)
	case (w.Name == string(KindEndpoints) || w.Name == string(KindVPN)) && w.Kind != Kind(w.Name):
		b.probs.Add(key, "%q is reserved for the built-in %s workload; rename the workload", w.Name, w.Name)
	}
	if !w.Kind.Valid() {
		b.probs.Add(key, "unknown kind %q; use one of %s", w.Kind, kindList(userKinds))
		return
	}
	if w.Kind.BuiltIn() && w.Name != string(w.Kind) {
		b.probs.Add(key, "a workload of kind %s must be named %q: it is built in and added by the stack", w.Kind, w.Kind)
	}
	switch {
	case !w.Kind.AcceptsConnections() && !w.Port.IsZero():
		b.probs.Add(key, "%s workload accepts no connections, so it has no service port; remove the port (%s)", w.Kind.article(), w.Port)
	case w.Port.IsZero() && w.Kind.needsPort():
		b.probs.Add(key, "%s workload needs a service port (for example %s)", w.Kind.article(), DefaultPort(w.Kind))
	case !w.Port.IsZero():
		if err := w.Port.Validate(); err != nil {
			b.probs.Add(key, "service port: %v", err)
		} else if f, bad := forbiddenIn(w.Port); bad {
			b.probs.Add(key, "service port %s includes %d (%s); SSH and RDP are never opened: %s", w.Port, f.Port.From, f.Name, f.Use)
		}
	}
	if w.InternetEgress && !w.Kind.IsCompute() {
		b.probs.Add(key, "internetEgress is only for compute workloads (batch, ec2, ecs, lambda), not %s; data stores, load balancers, endpoints and the vpn never reach the internet", w.Kind)
	}
	if w.InternetFacing && w.Kind != KindALB {
		b.probs.Add(key, "internetFacing is only for an alb, not %s; put an internet-facing alb in front of %q and allow the alb", w.Kind, w.Name)
	}
	if w.ExtraGroups < 0 {
		b.probs.Add(key, "extraGroups must be 0 or more, got %d", w.ExtraGroups)
	} else if n := 1 + w.ExtraGroups; n > b.lim.MaxGroupsPerInterface {
		b.probs.Add(key, "%q would have %d security groups on its network interfaces (its own and %d legacy), over the limit of %d; detach legacy groups, or raise the account quota and set %s.maxGroupsPerInterface",
			w.Name, n, w.ExtraGroups, b.lim.MaxGroupsPerInterface, configKey)
	}
}

func (b *builder) environment(env Env) {
	b.env = Env{InterfaceEndpoints: env.InterfaceEndpoints, Snapshot: env.Snapshot}
	b.legacy = map[string]string{}
	for id, name := range env.Legacy {
		if !groupIDPattern.MatchString(id) {
			b.probs.Add("platform:migration.groups", "legacy group %q is not a security group ID like sg-0a1b2c3d4e5f60718", id)
			continue
		}
		b.legacy[id] = name
	}
	if len(b.legacy) > 0 {
		b.env.Legacy = b.legacy
	}
	if env.VPNClientCIDR.IsValid() {
		c := env.VPNClientCIDR.Masked()
		if !c.Addr().Is4() || !privateOrShared(c) || c.Bits() < 12 || c.Bits() > 22 {
			b.probs.Add(networkKey, "the Client VPN client range %s must be a private IPv4 range from /12 to /22; it becomes a rule source and may never be a public range", env.VPNClientCIDR)
		} else {
			b.env.VPNClientCIDR = c
			b.vpnOn = true
		}
	}
	seen := map[string]bool{}
	for _, gw := range env.GatewayEndpoints {
		switch {
		case !gatewayServices[gw]:
			b.probs.Add(networkKey, "gateway endpoint %q is not supported; gateway endpoints exist for dynamodb and s3 only", gw)
		case !seen[gw]:
			seen[gw] = true
			b.gws = append(b.gws, gw)
		}
	}
	sort.Strings(b.gws)
	b.env.GatewayEndpoints = slices.Clone(b.gws)

	ep, hasEP := b.byName[string(KindEndpoints)]
	hasEP = hasEP && ep.Kind == KindEndpoints
	switch {
	case env.InterfaceEndpoints && !hasEP:
		b.probs.Add(networkKey, `interface endpoints are enabled but no "endpoints" workload (kind endpoints) was passed to security.Build; the stack must add it`)
	case !env.InterfaceEndpoints && hasEP:
		b.probs.Add(networkKey, `an "endpoints" workload was passed to security.Build but interface endpoints are disabled (Env.InterfaceEndpoints); the stack must not add it`)
	}
	vpn, hasVPN := b.byName[string(KindVPN)]
	hasVPN = hasVPN && vpn.Kind == KindVPN
	switch {
	case !env.VPNClientCIDR.IsValid() && hasVPN:
		b.probs.Add(networkKey, `a "vpn" workload was passed to security.Build but the Client VPN is disabled (Env.VPNClientCIDR is not set); the stack must not add it`)
	case env.VPNClientCIDR.IsValid() && !hasVPN:
		b.probs.Add(networkKey, `the Client VPN is enabled (client range %s) but no "vpn" workload (kind vpn) was passed to security.Build; the stack must add it`, env.VPNClientCIDR)
	}
}

func (b *builder) add(from, to Peer, port Port, implicitWhy, reason, grantDefault string) {
	id := edgeID{from, to, port}
	acc := b.edges[id]
	if acc == nil {
		acc = &edgeAcc{}
		b.edges[id] = acc
	}
	switch {
	case implicitWhy != "":
		acc.implicitWhy = implicitWhy
	case reason != "":
		if acc.reasons == nil {
			acc.reasons = map[string]bool{}
		}
		acc.reasons[reason] = true
	default:
		acc.grantDefault = grantDefault
	}
}

func (b *builder) implicitEdges() {
	ep, hasEP := b.byName[string(KindEndpoints)]
	hasEP = hasEP && ep.Kind == KindEndpoints && b.env.InterfaceEndpoints && !ep.Port.IsZero() && ep.Port.Validate() == nil
	for _, w := range b.list {
		me := groupPeer(w.Name)
		if w.Kind == KindALB && w.InternetFacing {
			b.add(internetPeer(), me, HTTPS, "HTTPS from the internet", "", "")
			b.add(internetPeer(), me, HTTP, "HTTP from the internet, only redirected to HTTPS", "", "")
		}
		if !w.Kind.IsCompute() {
			continue
		}
		if hasEP {
			b.add(me, groupPeer(ep.Name), ep.Port, "AWS APIs through the interface endpoints", "", "")
		}
		for _, gw := range b.gws {
			b.add(me, prefixListPeer(gw), HTTPS, gw+" through its gateway endpoint", "", "")
		}
		if w.InternetEgress {
			b.add(me, internetPeer(), HTTPS, "HTTPS to the internet through NAT", "", "")
		}
	}
}

func (b *builder) declared() string {
	if b.names == "" {
		names := make([]string, len(b.list))
		for i, w := range b.list {
			names[i] = w.Name
		}
		b.names = strings.Join(names, ", ")
	}
	return b.names
}

func (b *builder) grants(cfg Config) {
	targets := make([]string, 0, len(cfg.Allow))
	for t := range cfg.Allow {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		tk := allowKey + "." + t
		tw, ok := b.byName[t]
		if !ok && groupIDPattern.MatchString(t) {
			for i, g := range cfg.Allow[t] {
				b.bridgeTo(tk+"["+strconv.Itoa(i)+"]", t, g)
			}
			continue
		}
		switch {
		case !ok && (t == FromInternet || t == FromVPNClients):
			b.probs.Add(tk, "%q is a source keyword, not a workload; list it under from of the workload it may reach", t)
			continue
		case !ok:
			b.probs.Add(tk, "%q is not a workload; declared workloads are: %s", t, b.declared())
			continue
		case !tw.Kind.Valid():
			continue // reported at the workload
		case !tw.Kind.AcceptsConnections():
			b.probs.Add(tk, "%q is %s workload and accepts no connections; remove %s (it can still be a source in another workload's from list)", t, tw.Kind.article(), tk)
			continue
		case tw.Port.IsZero():
			b.probs.Add(tk, "%q has no service port, so it accepts no connections; give it a port or remove %s", t, tk)
			continue
		case tw.Port.Validate() != nil:
			continue // reported at the workload
		}
		for i, g := range cfg.Allow[t] {
			b.grant(tk+"["+strconv.Itoa(i)+"]", tw, g)
		}
	}
}

func (b *builder) grant(gk string, tw *Workload, g Grant) {
	port, explicit, portOK := tw.Port, g.Port != "", true
	if explicit {
		p, err := ParsePort(string(g.Port))
		switch {
		case err != nil:
			b.probs.Add(gk+".port", "%v", err)
			portOK = false
		default:
			port = p
			if f, bad := forbiddenIn(p); bad {
				b.probs.Add(gk+".port", "%s includes %d (%s); SSH and RDP are never opened: %s", p, f.Port.From, f.Name, f.Use)
				portOK = false
			} else if !p.Within(tw.Port) {
				b.probs.Add(gk+".port", "%s is not inside the service port of %q (%s); use a port within it, or leave port out to use it", p, tw.Name, tw.Port)
				portOK = false
			}
		}
	}
	if msg := checkReason(g.Reason); msg != "" {
		b.probs.Add(gk+".reason", "%s", msg)
	}
	if len(g.From) == 0 {
		b.probs.Add(gk+".from", `no sources; list workload names, "internet" or "vpn-clients", or remove the grant`)
	}
	bridges := false
	for _, src := range g.From {
		bridges = bridges || groupIDPattern.MatchString(src)
	}
	switch {
	case g.Until != "" && !bridges:
		b.probs.Add(gk+".until", "until is for bridges to legacy groups (a source written as sg-...); this grant names none, so it stays: remove until")
	case g.Until == "" && bridges:
		b.probs.Add(gk+".until", "required on a bridge to a legacy group: the migration stage that removes it (one of platform:migration.stages)")
	}
	to := groupPeer(tw.Name)
	for j, src := range g.From {
		fk := fromKey{gk, j}
		switch src {
		case FromInternet:
			if tw.Kind != KindALB || !tw.InternetFacing {
				b.probs.Add(fk.String(), `"internet" may only reach an internet-facing alb, and %q (%s) is not one; allow an internet-facing alb here instead`, tw.Name, tw.Kind)
			} else if portOK && port != HTTPS && port != HTTP {
				b.probs.Add(fk.String(), `"internet" may only reach %q on %s or %s, not %s`, tw.Name, HTTPS, HTTP, port)
			} else if portOK {
				b.add(internetPeer(), to, port, "", g.Reason, "internet to "+tw.Name)
			}
		case FromVPNClients:
			if !b.vpnOn {
				b.probs.Add(fk.String(), `"vpn-clients" needs the Client VPN, which is not enabled; enable it or remove "vpn-clients"`)
			} else if !explicit {
				b.probs.Add(fk.String(), `"vpn-clients" needs an explicit port on its grant, as an address range is never implied; add port: %q (or a narrower port)`, tw.Port.ConfigString())
			} else if portOK {
				b.add(vpnClientsPeer(b.env.VPNClientCIDR), to, port, "", g.Reason, "vpn-clients to "+tw.Name)
			}
		default:
			if groupIDPattern.MatchString(src) {
				if _, known := b.byName[src]; !known {
					if b.knownLegacy(fk.String(), src) && portOK {
						b.bridge(legacyPeer(src), to, port, g.Reason, g.Until, src+" ("+b.legacy[src]+") to "+tw.Name+" until "+g.Until)
					}
					continue
				}
			}
			sw, ok := b.byName[src]
			switch {
			case !ok && looksLikeAddress(src):
				b.probs.Add(fk.String(), `%q is an address range, and rules between workloads name security groups, never addresses; list the workload that lives there (only "internet" and "vpn-clients" stand for ranges)`, src)
			case !ok:
				b.probs.Add(fk.String(), "%q is not a workload; declared workloads are: %s", src, b.declared())
			case src == tw.Name:
				b.probs.Add(fk.String(), "%q cannot allow itself: with one group per workload a self rule opens the port between every member of the workload; remove it", src)
			case !sw.Kind.Valid():
				// reported at the workload
			case !sw.Kind.HasEgress():
				b.probs.Add(fk.String(), "%q (%s) has no egress: data stores and interface endpoints never open connections; remove it", src, sw.Kind)
			case portOK:
				b.add(groupPeer(src), to, port, "", g.Reason, src+" to "+tw.Name)
			}
		}
	}
}

// knownLegacy reports whether a group ID a bridge names is a legacy group of
// the stack, recording the problem at key when it is not.
func (b *builder) knownLegacy(key, id string) bool {
	if _, ok := b.legacy[id]; ok {
		return true
	}
	known := "none is imported"
	if len(b.legacy) > 0 {
		ids := make([]string, 0, len(b.legacy))
		for k := range b.legacy {
			ids = append(ids, k)
		}
		sort.Strings(ids)
		known = "imported: " + strings.Join(ids, ", ")
	}
	if name, ok := b.env.Snapshot[id]; ok {
		b.probs.Add(key, "%s (%s) is in the migration's snapshot but not imported (%s): a bridge names an imported group; add it under platform:migration.groups", id, name, known)
		return false
	}
	if b.env.Snapshot != nil {
		b.probs.Add(key, "%s is not in the migration's snapshot: no such group in the account (%s); check the ID", id, known)
		return false
	}
	b.probs.Add(key, "%s is not a legacy security group of this stack (%s): a bridge names a group platform:migration.groups imports from the snapshot; check the ID or import the group", id, known)
	return false
}

// bridgeTo reads a grant listed under a legacy group's ID: platform
// workloads reaching an old group during a migration.
func (b *builder) bridgeTo(gk, id string, g Grant) {
	if !b.knownLegacy(allowKey+"."+id, id) {
		return
	}
	if msg := checkReason(g.Reason); msg != "" {
		b.probs.Add(gk+".reason", "%s", msg)
	}
	if g.Until == "" {
		b.probs.Add(gk+".until", "required on a bridge to a legacy group: the migration stage that removes it (one of platform:migration.stages)")
	}
	if g.Port == "" {
		b.probs.Add(gk+".port", "required: a legacy group has no service port the platform knows; name the port the old workload listens on, e.g. \"5432\"")
		return
	}
	port, err := ParsePort(string(g.Port))
	if err != nil {
		b.probs.Add(gk+".port", "%v", err)
		return
	}
	if f, bad := forbiddenIn(port); bad {
		b.probs.Add(gk+".port", "%s includes %d (%s); SSH and RDP are never opened: %s", port, f.Port.From, f.Name, f.Use)
		return
	}
	if len(g.From) == 0 {
		b.probs.Add(gk+".from", "no sources; list the platform workloads that reach %s until %s", id, g.Until)
	}
	for j, src := range g.From {
		fk := fromKey{gk, j}
		sw, ok := b.byName[src]
		switch {
		case groupIDPattern.MatchString(src):
			b.probs.Add(fk.String(), "%s to %s: old groups reach each other through their own rules, which the stack never edits; a bridge joins a platform workload and an old group", src, id)
		case !ok:
			b.probs.Add(fk.String(), "%q is not a workload; declared workloads are: %s", src, b.declared())
		case !sw.Kind.Valid():
		case !sw.Kind.HasEgress():
			b.probs.Add(fk.String(), "%q (%s) has no egress: data stores and interface endpoints never open connections; remove it", src, sw.Kind)
		default:
			b.bridge(groupPeer(src), legacyPeer(id), port, g.Reason, g.Until, src+" to "+id+" ("+b.legacy[id]+") until "+g.Until)
		}
	}
}

// bridge adds a temporary edge between a platform workload and a legacy group.
func (b *builder) bridge(from, to Peer, port Port, reason, until, fallback string) {
	if reason == "" {
		reason = "migration bridge: " + fallback
	}
	b.add(from, to, port, "", reason, "")
	b.edges[edgeID{from, to, port}].until = until
}

func looksLikeAddress(s string) bool {
	if _, err := netip.ParsePrefix(s); err == nil {
		return true
	}
	_, err := netip.ParseAddr(s)
	return err == nil
}

// fromKey is the config key of one source of a grant, formatted only when a
// problem needs it.
type fromKey struct {
	grant string
	i     int
}

func (k fromKey) String() string { return k.grant + ".from[" + strconv.Itoa(k.i) + "]" }

const maxReasonLen = 255

// checkReason applies the AWS rules for a rule description.
func checkReason(r string) string {
	if len(r) > maxReasonLen {
		return fmt.Sprintf("reason is %d characters long; AWS accepts up to %d", len(r), maxReasonLen)
	}
	for _, c := range r {
		if !reasonChar(c) {
			return fmt.Sprintf("reason contains %q, which AWS does not accept in a rule description; use letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*", c)
		}
	}
	return ""
}

func reasonChar(c rune) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		strings.ContainsRune(" ._-:/()#,@[]+=&;{}!$*", c)
}

func (a *edgeAcc) reason() string {
	if len(a.reasons) > 0 {
		rs := make([]string, 0, len(a.reasons))
		for r := range a.reasons {
			rs = append(rs, r)
		}
		sort.Strings(rs)
		s := strings.Join(rs, "; ")
		if len(s) > maxReasonLen {
			s = s[:maxReasonLen-3] + "..."
		}
		return s
	}
	if a.implicitWhy != "" {
		return a.implicitWhy
	}
	return a.grantDefault
}

// assemble turns the edges into sorted rules and groups, and checks the
// per-group rule quota.
func (b *builder) assemble(cfg Config) *Graph {
	g := &Graph{
		workloads: b.list,
		index:     make(map[string]int, len(b.list)),
		env:       b.env,
		limits:    b.lim,
	}
	for i, w := range b.list {
		g.index[w.Name] = i
	}
	g.edges = make([]Edge, 0, len(b.edges))
	for id, acc := range b.edges {
		g.edges = append(g.edges, Edge{
			From: id.from, To: id.to, Port: id.port,
			Reason:   acc.reason(),
			Implicit: acc.implicitWhy != "" && len(acc.reasons) == 0 && acc.grantDefault == "",
			Until:    acc.until,
		})
	}
	slices.SortFunc(g.edges, compareEdges)

	nIn, nOut := make([]int, len(b.list)), make([]int, len(b.list))
	for _, e := range g.edges {
		if t := e.To.Workload(); t != "" {
			nIn[g.index[t]]++
		}
		if s := e.From.Workload(); s != "" {
			nOut[g.index[s]]++
		}
	}
	ingress := make([][]Rule, len(b.list))
	egress := make([][]Rule, len(b.list))
	for i := range b.list {
		ingress[i] = make([]Rule, 0, nIn[i])
		egress[i] = make([]Rule, 0, nOut[i])
	}
	legacy := map[string]*LegacyGroupSpec{}
	legacyOf := func(id string) *LegacyGroupSpec {
		if legacy[id] == nil {
			legacy[id] = &LegacyGroupSpec{ID: id, Name: b.legacy[id]}
		}
		return legacy[id]
	}
	for _, e := range g.edges {
		if t := e.To.Workload(); t != "" {
			i := g.index[t]
			ingress[i] = append(ingress[i], Rule{Name: ruleName(t, Ingress, e.From, e.Port), Group: t, Direction: Ingress, Peer: e.From, Port: e.Port, Reason: e.Reason, Until: e.Until})
		}
		if s := e.From.Workload(); s != "" {
			i := g.index[s]
			egress[i] = append(egress[i], Rule{Name: ruleName(s, Egress, e.To, e.Port), Group: s, Direction: Egress, Peer: e.To, Port: e.Port, Reason: e.Reason, Until: e.Until})
		}
		// A bridge is written on the old group's side too: the rules the stack
		// adds to an imported group, beside the ones it already has.
		if t := e.To.Legacy(); t != "" {
			l := legacyOf(t)
			l.Ingress = append(l.Ingress, Rule{Name: ruleName(t, Ingress, e.From, e.Port), Group: t, Direction: Ingress, Peer: e.From, Port: e.Port, Reason: e.Reason, Until: e.Until})
		}
		if s := e.From.Legacy(); s != "" {
			l := legacyOf(s)
			l.Egress = append(l.Egress, Rule{Name: ruleName(s, Egress, e.To, e.Port), Group: s, Direction: Egress, Peer: e.To, Port: e.Port, Reason: e.Reason, Until: e.Until})
		}
	}
	for _, id := range sortedIDs(legacy) {
		l := legacy[id]
		slices.SortFunc(l.Ingress, compareRules)
		slices.SortFunc(l.Egress, compareRules)
		g.legacy = append(g.legacy, *l)
	}
	g.groups = make([]GroupSpec, len(b.list))
	n := 0
	for i, w := range b.list {
		slices.SortFunc(ingress[i], compareRules)
		slices.SortFunc(egress[i], compareRules)
		g.groups[i] = GroupSpec{
			Workload: w.Name, Kind: w.Kind, Port: w.Port,
			InternetFacing: w.InternetFacing, InternetEgress: w.InternetEgress, ExtraGroups: w.ExtraGroups,
			Description: groupDescription(w),
			Ingress:     ingress[i], Egress: egress[i],
		}
		n += len(ingress[i]) + len(egress[i])
		if c := len(ingress[i]); c > b.lim.MaxRulesPerGroup {
			key := w.key()
			if _, ok := cfg.Allow[w.Name]; ok {
				key = allowKey + "." + w.Name
			}
			b.probs.Add(key, "%q would have %d ingress rules, over the limit of %d rules per group; merge grants into port ranges, or raise the account quota and set %s.maxRulesPerGroup",
				w.Name, c, b.lim.MaxRulesPerGroup, configKey)
		}
		if c := len(egress[i]); c > b.lim.MaxRulesPerGroup {
			b.probs.Add(w.key(), "%q would have %d egress rules, over the limit of %d rules per group; let fewer workloads be reached from it, or raise the account quota and set %s.maxRulesPerGroup",
				w.Name, c, b.lim.MaxRulesPerGroup, configKey)
		}
	}
	g.rules = make([]Rule, 0, n)
	for _, gs := range g.groups {
		g.rules = append(g.rules, gs.Ingress...)
		g.rules = append(g.rules, gs.Egress...)
	}
	for _, l := range g.legacy {
		g.rules = append(g.rules, l.Ingress...)
		g.rules = append(g.rules, l.Egress...)
	}
	slices.SortFunc(g.rules, compareRules)
	return g
}

func sortedIDs[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// groupDescription is the security group's description. AWS cannot change a
// group's description in place (it replaces the group), so it depends only on
// the workload's identity: its name and kind.
func groupDescription(w Workload) string {
	return fmt.Sprintf("Security group of the %s workload %s (platform:security, one group per workload)", w.Kind, w.Name)
}

// sharedSpace is RFC 6598's shared address space (carrier-grade NAT), no
// more routed on the internet than RFC 1918's ranges.
var sharedSpace = netip.MustParsePrefix("100.64.0.0/10")

// privateOrShared reports whether p lies in RFC 1918 or RFC 6598 space.
func privateOrShared(p netip.Prefix) bool {
	return p.Addr().IsPrivate() || (sharedSpace.Bits() <= p.Bits() && sharedSpace.Contains(p.Addr()))
}
