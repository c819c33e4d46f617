package stack

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
	"github.com/acme/platform/review"
)

// A NAT gateway is billed by the hour whether or not anything uses it. The
// private tier's security groups let a workload out to the internet only with
// internetEgress; without any, the gateways carry no workload traffic and
// every path runs through the endpoints. Then nat: none keeps every path
// working - if every AWS service a workload needs or may call has an endpoint
// - and the plan says so, with the money.

// IdleNAT describes NAT gateways that carry no workload traffic.
type IdleNAT struct {
	Mode     network.NATMode
	Gateways int
	// Monthly is what the gateways and their Elastic IPs cost a month (the
	// cost estimate's NAT line for the current mode).
	Monthly review.Money
	// Missing are the interface endpoints nat: none would also need, with
	// why, and MissingMonthly their cost a month in the private tier's zones.
	Missing        map[string]string
	MissingMonthly review.Money
	// PerGB is NAT data processing, saved as well.
	PerGB review.Money
	// Priced is false when the cost model has no prices for Region.
	Priced bool
	Region string
	// Blocked lists what else stops nat: none in this stack, as the config
	// check words it ("" when the endpoints are all it takes).
	Blocked []string
}

// IdleNAT returns the stack's idle NAT gateways, or nil when it has none or
// a workload goes out through them.
func (pl *Platform) IdleNAT() (*IdleNAT, error) {
	d := pl.Design
	cfg := d.Config
	if cfg.Network.NAT == network.NATNone {
		return nil, nil
	}
	for _, n := range cfg.Workloads.Names() {
		if cfg.Workloads.InternetEgress(n) {
			return nil, nil
		}
	}
	gateways := len(network.NATZones(d.Plan, cfg.Network.NAT))
	if gateways == 0 {
		return nil, nil
	}
	zones := len(d.Plan.Tier(network.TierPrivate))
	idle := &IdleNAT{Mode: cfg.Network.NAT, Gateways: gateways, Missing: map[string]string{}, Region: d.Env.Region}
	// A region the cost model has no prices for still gets the advice, unpriced.
	prices, err := review.PricesFor(d.Env.Region)
	if err == nil {
		modes, err := review.NATModeComparison(len(d.AZs), d.Env.Region)
		if err != nil {
			return nil, err
		}
		idle.Priced, idle.PerGB = true, prices.NATGatewayPerGB
		for _, m := range modes {
			if m.Mode == string(cfg.Network.NAT) {
				idle.Monthly = m.Monthly
			}
		}
	}

	// What nat: none would require: the same rule the config is checked with.
	none := *cfg
	none.Network.NAT = network.NATNone
	have := map[string]bool{}
	for _, e := range cfg.Network.Endpoints {
		have[e] = true
	}
	for svc, why := range none.requiredEndpoints() {
		if !have[svc] {
			idle.Missing[svc] = why
		}
	}
	// And what the workloads' roles may call at run time (a secret, a queue):
	// each is an API behind an endpoint or the internet.
	for n, svcs := range pl.Workloads.calledServices() {
		for _, svc := range svcs {
			if !have[svc] && !gateway(svc) {
				if _, ok := idle.Missing[svc]; !ok {
					idle.Missing[svc] = "the role of " + n + " may call it"
				}
			}
		}
	}
	if idle.Priced {
		idle.MissingMonthly = review.Money(len(idle.Missing)*zones) * prices.InterfaceEndpointZoneHour * review.HoursPerMonth
	}
	// The whole config must still hold with nat: none and those endpoints
	// (an adopted VPC needs DNS hostnames for endpoints, say): check it the
	// way the stack file would be checked.
	if _, err := cfg.withNATNone(sortedKeys(idle.Missing)); err != nil {
		idle.Blocked = problems.Messages(err)
	}
	return idle, nil
}

// withNATNone parses this stack's values again with nat: none and the extra
// interface endpoints: the config a reviewer would write to take the advice.
func (c *Config) withNATNone(extra []string) (*Config, error) {
	values := map[string]string{"aws:region": c.Region}
	if b, err := json.Marshal(map[string]any{"tags": c.DefaultTags}); err == nil {
		values["aws:defaultTags"] = string(b)
	}
	if len(c.AllowedAccountIDs) > 0 {
		b, _ := json.Marshal(c.AllowedAccountIDs)
		values["aws:allowedAccountIds"] = string(b)
	}
	for k, raw := range c.raw {
		if k == Project+":network" {
			net, _ := raw.(map[string]any)
			edited := map[string]any{}
			for nk, nv := range net {
				edited[nk] = nv
			}
			edited["nat"] = string(network.NATNone)
			if eps, ok := net["endpoints"].([]any); ok {
				all := append([]any(nil), eps...)
				for _, e := range extra {
					all = append(all, e)
				}
				edited["endpoints"] = all
			}
			raw = edited
		}
		if s, ok := raw.(string); ok {
			values[k] = s
			continue
		}
		b, err := json.Marshal(raw)
		if err != nil {
			return nil, err
		}
		values[k] = string(b)
	}
	return Parse(c.Stack, values)
}

// Warning is the sentence for the plan and the preview.
func (n *IdleNAT) Warning() string {
	head := fmt.Sprintf("platform:network.nat is %s, but no workload has internetEgress: the %d NAT gateway(s) carry no workload traffic", n.Mode, n.Gateways)
	if n.Priced {
		head += fmt.Sprintf(" and cost %s a month (gateways and their Elastic IPs) plus %s per GB processed", n.Monthly, n.PerGB.Rate())
	} else {
		head += fmt.Sprintf(" (the cost estimate has no prices for %s)", n.Region)
	}
	var need []string
	for _, svc := range sortedKeys(n.Missing) {
		need = append(need, svc+" ("+n.Missing[svc]+")")
	}
	switch {
	case len(n.Blocked) > 0:
		return head + "; nat: none would take more than endpoints here: " + strings.Join(n.Blocked, "; ")
	case len(need) == 0 && n.Priced:
		return head + fmt.Sprintf("; every AWS service the workloads need has an endpoint here, so nat: none keeps every path working and saves %s a month", n.Monthly)
	case len(need) == 0:
		return head + "; every AWS service the workloads need has an endpoint here, so nat: none keeps every path working"
	case !n.Priced:
		return head + "; nat: none keeps every path working once platform:network.endpoints also lists " + strings.Join(need, ", ")
	case n.MissingMonthly >= n.Monthly:
		return head + fmt.Sprintf("; nat: none would also need endpoints for %s, about %s a month, which costs more than the gateways: keep them", strings.Join(need, ", "), n.MissingMonthly)
	}
	return head + fmt.Sprintf("; nat: none keeps every path working once platform:network.endpoints also lists %s (about %s a month), and saves %s a month",
		strings.Join(need, ", "), n.MissingMonthly, n.Monthly-n.MissingMonthly)
}

// calledServices lists, per workload, the endpoint services its roles'
// grants may call (s3:GetObject -> s3, secretsmanager:... -> secretsmanager).
func (w *Workloads) calledServices() map[string][]string {
	out := map[string][]string{}
	if w == nil {
		return out
	}
	add := func(n string, rt *compute.Runtime) {
		if rt == nil {
			return
		}
		set := map[string]bool{}
		for _, g := range rt.Grants {
			for _, st := range g.Statements {
				for _, a := range st.Actions {
					if svc := endpointService(a); svc != "" {
						set[svc] = true
					}
				}
			}
		}
		for s := range set {
			out[n] = append(out[n], s)
		}
		sort.Strings(out[n])
	}
	for n, f := range w.Fleets {
		add(n, f.Runtime)
	}
	for n, s := range w.Services {
		add(n, s.Runtime)
	}
	for n, f := range w.Functions {
		add(n, f.Runtime)
	}
	for n, b := range w.Batch {
		add(n, b.Runtime)
	}
	return out
}

// endpointService maps an IAM action to the VPC endpoint service its API is
// behind, or "" for an action that is no API call from the VPC (rds-db:connect
// and elasticache:Connect authorize a database connection).
func endpointService(action string) string {
	prefix, name, ok := strings.Cut(action, ":")
	if !ok {
		return ""
	}
	switch {
	case prefix == "rds-db", prefix == "elasticache" && name == "Connect":
		return ""
	}
	switch prefix {
	case "ecr":
		return "ecr.api"
	case "cloudwatch":
		return "monitoring"
	}
	return prefix
}
