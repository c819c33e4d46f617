package stack

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/edge"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/legacy"
)

var hostedZoneID = regexp.MustCompile(`^Z[A-Z0-9]{1,31}$`)

// validateTraffic checks platform:migration.traffic: the name, the two load
// balancers and the weights of every stage.
func (c *Config) validateTraffic(p *problems.List) {
	m := c.Migration
	t := m.Traffic
	if t == nil {
		return
	}
	key := Project + ":migration.traffic"
	if !hostedZoneID.MatchString(t.ZoneID) {
		p.Add(key+".zoneId", "%q is not a hosted zone ID like Z0123456789ABCDEFGHIJ: the public zone that holds %s (aws route53 list-hosted-zones-by-name)", t.ZoneID, orNone(t.Name))
	}
	zone := strings.TrimSuffix(strings.ToLower(t.ZoneName), ".")
	name := strings.TrimSuffix(strings.ToLower(t.Name), ".")
	switch {
	case zone == "":
		p.Add(key+".zoneName", "required: the zone's domain, e.g. example.com")
	case name == "":
		p.Add(key+".name", "required: the name users resolve, e.g. www.%s", zone)
	case name != zone && !strings.HasSuffix(name, "."+zone):
		p.Add(key+".name", "%s is not in the zone %s: Route 53 refuses a record outside its zone", t.Name, t.ZoneName)
	}
	if c.Workloads.Kind(t.New) != "alb" {
		p.Add(key+".new", "%q is not an alb workload of the stack: name the load balancer that takes over the site", t.New)
	}
	old, oldHere := m.Workloads[t.Old]
	if oldHere && old.Kind != legacy.KindALB {
		p.Add(key+".old", "%s is a %s old workload; the traffic moves from an old load balancer (kind alb)", t.Old, old.Kind)
	}
	if t.Old == "" {
		p.Add(key+".old", "required: the old load balancer (an alb under platform:migration.workloads) that serves %s today", orNone(t.Name))
	}
	if len(t.Weights) == 0 {
		p.Add(key+".weights", "required: the weights per stage, e.g. {compute: {old: 100, new: 0}, canary: {old: 90, new: 10}, shift: {old: 0, new: 100}}")
	}
	for _, st := range sortedNames(t.Weights) {
		w, wk := t.Weights[st], key+".weights."+st
		if m.Index(st) < 0 {
			p.Add(wk, "%q is not one of platform:migration.stages (%s)", st, strings.Join(m.Stages, ", "))
		}
		for _, x := range []struct {
			side string
			v    int
		}{{"old", w.Old}, {"new", w.New}} {
			if x.v < 0 || x.v > legacy.MaxWeight {
				p.Add(wk+"."+x.side, "%d at stage %s: Route 53 weights are 0 to %d", x.v, st, legacy.MaxWeight)
			}
		}
		if w.Old+w.New <= 0 {
			p.Add(wk, "old %d and new %d at stage %s: the weights must sum to a positive number (with both 0 Route 53 answers with both alike; say which one serves)", w.Old, w.New, st)
		}
	}
	here := m.Index(m.Stage)
	w, ok := t.At(m.Stages, here)
	switch {
	case here < 0:
	case !ok:
		p.Add(key+".weights", "no weights at or before stage %s: list this stage or an earlier one", m.Stage)
	case !oldHere && w.Old > 0:
		p.Add(key+".weights", "at stage %s the old load balancer %s is no longer in platform:migration.workloads (retired), but its record still gets weight %d: give it 0 in the stage before it goes, so no user is sent to a deleted load balancer", m.Stage, t.Old, w.Old)
	}
}

func orNone(s string) string {
	if s == "" {
		return "the site's name"
	}
	return s
}

// trafficNote says, in the plan, who answers the site's name in this stage.
func (c *Config) trafficNote() string {
	m := c.Migration
	if m == nil || m.Traffic == nil {
		return ""
	}
	t := m.Traffic
	w, _ := t.At(m.Stages, m.Index(m.Stage))
	if _, oldHere := m.Workloads[t.Old]; !oldHere {
		return fmt.Sprintf("platform:migration.traffic: %s answers with %s alone at stage %s (weight %d); the old load balancer %s is retired", t.Name, t.New, m.Stage, w.New, t.Old)
	}
	sum := w.Old + w.New
	return fmt.Sprintf("platform:migration.traffic: at stage %s %s sends %d%% of answers to the old load balancer %s (weight %d) and %d%% to %s (weight %d); rolling back is the weights of the stage before", m.Stage, t.Name, w.Old*100/sum, t.Old, w.Old, w.New*100/sum, t.New, w.New)
}

// registerTraffic registers the weighted records of the stage.
func registerTraffic(ctx *pulumi.Context, d *Design, pl *Platform) error {
	cfg := d.Config
	m := cfg.Migration
	if m == nil || m.Traffic == nil || cfg.ImportOnly() {
		return nil
	}
	t := m.Traffic
	w, _ := t.At(m.Stages, m.Index(m.Stage))
	lb, ok := pl.Workloads.LoadBalancers[t.New]
	if !ok {
		return fmt.Errorf("traffic: %s has no load balancer", t.New)
	}
	targets := map[string]edge.Target{"new": {DNSName: lb.DNSName, ZoneID: lb.ZoneID, Weight: w.New}}
	if old, here := m.Workloads[t.Old]; here && cfg.Snapshot != nil {
		f, err := legacy.Find(cfg.Snapshot, old.Kind, old.IDs[0])
		if err != nil || f.LB == nil {
			return fmt.Errorf("traffic: the old load balancer %s: %v", t.Old, err)
		}
		targets["old"] = edge.Target{DNSName: pulumi.String(f.LB.DNSName), ZoneID: pulumi.String(f.LB.CanonicalHostedZoneId), Weight: w.Old}
	}
	_, err := edge.NewTrafficShift(ctx, cfg.Name+"-traffic", &edge.ShiftArgs{ZoneID: t.ZoneID, Name: t.Name, Targets: targets})
	return err
}
