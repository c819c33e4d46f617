package stack

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
	"github.com/acme/platform/ops"
)

// natZones are the zones with a NAT gateway: the first zone with nat: single,
// every zone with perAz, none with nat: none.
func natZones(mode network.NATMode, zones []string) []string {
	z := append([]string(nil), zones...)
	sort.Strings(z)
	switch {
	case len(z) == 0 || mode == network.NATNone:
		return nil
	case mode == network.NATSingle:
		return z[:1]
	}
	return z
}

// configZones are the zones the config names, or else the first azCount
// zones of the region by letter: what validation knows before the region
// lists its zones.
func (c *Config) configZones() []string {
	if len(c.Network.AvailabilityZones) > 0 {
		return c.Network.AvailabilityZones
	}
	var out []string
	for i := 0; i < c.Network.AZCount && i < 26; i++ {
		out = append(out, fmt.Sprintf("%s%c", c.Region, 'a'+i))
	}
	return out
}

// alarmSubjects are what the alarms watch for this config and zones.
func (c *Config) alarmSubjects(zones []string) []ops.Subject {
	return ops.SubjectsOf(c.Workloads, natZones(c.Network.NAT, zones))
}

func (c *Config) validateAlarms(p *problems.List) {
	c.Alarms.Validate(Project+":alarms", ops.ValidateContext{Protect: c.Protect, Subjects: c.alarmSubjects(c.configZones())}, p)
}

// registerAlarms registers the alarm topic and the alarms of every workload
// and NAT gateway, pointed at the registered resources.
func registerAlarms(ctx *pulumi.Context, d *Design, pl *Platform) (*ops.Alarms, error) {
	cfg := d.Config
	w := pl.Workloads
	refs := map[string]map[string]pulumi.StringInput{}
	set := func(subject, ref string, v pulumi.StringInput) {
		if refs[subject] == nil {
			refs[subject] = map[string]pulumi.StringInput{}
		}
		refs[subject][ref] = v
	}
	for n, a := range w.LoadBalancers {
		set(n, "lb", a.LoadBalancer.ArnSuffix)
		for t, tg := range a.TargetGroups {
			set(n, "tg:"+t, tg.ArnSuffix)
		}
	}
	for n, f := range w.Fleets {
		set(n, "asg", f.ASGName)
	}
	for n, s := range w.Services {
		set(n, "cluster", w.Cluster.Name)
		set(n, "service", s.ServiceName)
	}
	for n, f := range w.Functions {
		set(n, "function", f.FunctionName)
	}
	for n, b := range w.Batch {
		set(n, "queue", b.JobQueueARN)
	}
	for n, db := range w.Databases {
		set(n, "cluster", db.Cluster.ID().ToStringOutput()) // the ID is the cluster identifier
	}
	for n, c := range w.Caches {
		for i := 1; i <= 1+cfg.Workloads[n].Cache.Replicas; i++ {
			// Members of a replication group without cluster mode are named
			// <replication group id>-001, -002, ...
			// <replication group id>-001, -002, ... The ID is fixed before the
			// group exists, so the alarms need not wait 15 minutes for it.
			set(n, fmt.Sprintf("node:%03d", i), pulumi.String(fmt.Sprintf("%s-%03d", c.ID, i)))
		}
	}
	var zones []string
	for az, nat := range pl.Vpc.NATGateways {
		zones = append(zones, az)
		set(ops.SubjectNAT, "nat:"+az, nat.ID().ToStringOutput())
	}
	sort.Strings(zones)
	return ops.NewAlarms(ctx, cfg.Name+"-alarms", &ops.AlarmsArgs{
		Prefix:   cfg.Name,
		Config:   cfg.Alarms,
		Subjects: ops.SubjectsOf(cfg.Workloads, zones),
		Refs:     refs,
		Env:      d.Env,
		Protect:  cfg.Protect,
	})
}

// opsExports adds the alarm topic to the stack outputs.
func (pl *Platform) opsExports(ex map[string]pulumi.Input) {
	if pl.Alarms != nil {
		ex["alarmTopicArn"] = pl.Alarms.TopicARN
	}
}
