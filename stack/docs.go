package stack

import (
	"net/netip"
	"strings"

	"github.com/acme/platform/access"
	"github.com/acme/platform/compute"
	"github.com/acme/platform/network"
	"github.com/acme/platform/security"
)

// RulesDoc renders docs/network-rules.md for a stack: the written rules of the
// network, every group's inbound and outbound rules and the operator paths,
// all from the same design that creates the resources, so the document cannot
// drift from what is deployed.
func (pl *Platform) RulesDoc() string {
	d := pl.Design
	var b strings.Builder
	b.WriteString(security.RenderMarkdown(d.Rules, "Network rules: stack "+d.Config.Stack))
	b.WriteString("\n")
	b.WriteString(d.AccessMarkdown())
	b.WriteString("\n")
	b.WriteString(access.OperatorPathsMarkdown(d.OperatorPaths()))
	return b.String()
}

// OperatorPaths describes how people reach the platform: shells and ECS Exec
// through Session Manager, port forwarding to the database through a fleet
// the database admits, and the Client VPN to the isolated tier.
func (d *Design) OperatorPaths() access.OperatorPaths {
	cfg := d.Config
	op := access.OperatorPaths{
		Region:          d.Env.Region,
		Sessions:        cfg.Access.SessionManager,
		SessionLogGroup: access.SessionLogGroupName(cfg.Name + "-sessions"),
		SessionKeyAlias: access.SessionKeyAlias(cfg.Name + "-sessions"),
	}
	var databases []string
	for _, n := range cfg.Workloads.Names() {
		switch compute.Kind(cfg.Workloads.Kind(n)) {
		case compute.KindEC2:
			op.Fleets = append(op.Fleets, n)
		case compute.KindECS:
			op.Tasks = append(op.Tasks, n)
		case compute.KindAurora:
			databases = append(databases, n)
		}
	}
	for _, db := range databases {
		for _, f := range op.Fleets {
			if cfg.allows(db, f) {
				op.Database = &access.DatabaseRoute{Workload: db, Port: cfg.Workloads.ServicePort(db), Via: f}
				break
			}
		}
		if op.Database != nil {
			break
		}
	}
	if vpn := cfg.Access.VPN(); vpn != nil {
		route := &access.VPNRoute{
			Config:             *vpn,
			VPC:                d.Plan.VPC,
			IsolatedCIDRs:      map[string]netip.Prefix{},
			ConnectionLogGroup: access.VPNLogGroupPrefix(cfg.Name+"-vpn") + "*",
		}
		for _, s := range d.Plan.Tier(network.TierIsolated) {
			route.IsolatedCIDRs[s.AZ] = s.Prefix
		}
		for _, g := range d.Rules.Groups() {
			for _, r := range g.Ingress {
				if r.Peer.Key() == "vpn" {
					route.Targets = append(route.Targets, access.Target{Workload: g.Workload, Port: r.Port.From})
				}
			}
		}
		op.VPN = route
	}
	return op
}
