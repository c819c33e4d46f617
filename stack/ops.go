package stack

import (
	"fmt"
	"sort"
	"strings"
	"text/tabwriter"

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
	c.Alarms.Validate(Project+":alarms", ops.ValidateContext{Protect: c.Protect, Region: c.Region, Subjects: c.alarmSubjects(c.configZones())}, p)
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
		if f.Schedule != nil {
			set(n, "dlq", f.Schedule.DLQ.Name)
		}
	}
	for n, b := range w.Batch {
		set(n, "queue", b.JobQueueARN)
		if b.Schedule != nil {
			set(n, "dlq", b.Schedule.DLQ.Name)
		}
	}
	for n, db := range w.Databases {
		set(n, "cluster", db.Cluster.ID().ToStringOutput()) // the ID is the cluster identifier
	}
	for n, c := range w.Caches {
		// Members of a replication group the stack creates are named
		// <replication group id>-001, -002, ...; an adopted group's are its
		// members in this stage. The IDs are fixed before the group exists,
		// so the alarms need not wait 15 minutes for them.
		for key, id := range c.NodeIDs() {
			set(n, "node:"+key, pulumi.String(id))
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

// invocationWarnings name the workloads nothing starts: a lambda or batch
// workload with neither a schedule nor a trigger deploys and never runs.
func (pl *Platform) invocationWarnings() []string {
	var out []string
	w := pl.Design.Config.Workloads
	for _, n := range w.NeverInvoked() {
		out = append(out, fmt.Sprintf("%s is never invoked: no schedule, no trigger, no load balancer route; add platform:workloads.%s.schedule (or triggers, for a lambda), or remove it", n, n))
	}
	for _, n := range w.Unrouted() {
		out = append(out, fmt.Sprintf("%s receives no requests: no load balancer forwards to it (fine for a worker that pulls its work)", n))
	}
	return out
}

// Operations renders what keeps the platform running for the offline plan:
// scaling ranges, schedules and triggers, what is never invoked, and every
// alarm with its threshold and where it pages.
func (pl *Platform) Operations() string {
	var b strings.Builder
	cfg := pl.Design.Config
	w := cfg.Workloads
	b.WriteString("Operations:\n")

	b.WriteString("  Scaling:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	any := false
	for _, n := range w.Names() {
		if d := w.DescribeScaling(n); d != "" {
			fmt.Fprintf(tw, "    %s (%s)\t%s\n", n, w.Kind(n), d)
			any = true
		}
	}
	_ = tw.Flush()
	if !any {
		b.WriteString("    none\n")
	}

	b.WriteString("  Schedules and triggers:\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	any = false
	for _, n := range w.Names() {
		for _, line := range w.DescribeInvocations(n, cfg.Name) {
			fmt.Fprintf(tw, "    %s (%s)\t%s\n", n, w.Kind(n), line)
			any = true
		}
	}
	_ = tw.Flush()
	if !any {
		b.WriteString("    none\n")
	}
	b.WriteString("  DNS, TLS and WAF:\n")
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	any = false
	for _, n := range w.Names() {
		if w[n].ALB == nil {
			continue
		}
		for _, line := range describeEdge(cfg, n) {
			fmt.Fprintf(tw, "    %s (alb)\t%s\n", n, line)
			any = true
		}
	}
	_ = tw.Flush()
	if !any {
		b.WriteString("    none\n")
	}
	if never := w.NeverInvoked(); len(never) > 0 {
		fmt.Fprintf(&b, "  Never invoked (no schedule, trigger or load balancer route): %s\n", strings.Join(never, ", "))
	}

	a := pl.Alarms
	if a == nil {
		return b.String()
	}
	switch {
	case !cfg.Alarms.On():
		fmt.Fprintf(&b, "  Alarms: off (%s); topic %s stays\n", cfg.Alarms.Reason, ops.TopicName(cfg.Name))
		return b.String()
	}
	var who []string
	for _, s := range cfg.Alarms.Subscriptions {
		who = append(who, s.Protocol()+" "+s.Endpoint())
	}
	if len(who) == 0 {
		who = []string{"nobody (no subscription)"}
	}
	fmt.Fprintf(&b, "  Alarms (%d, to the KMS-encrypted topic %s, paging %s):\n", len(a.Planned), ops.TopicName(cfg.Name), strings.Join(who, ", "))
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "    ALARM\tFIRES WHEN\tFOR\tTHRESHOLD KEY")
	for _, al := range a.Planned {
		fmt.Fprintf(tw, "    %s\t%s %s\t%s\t%s\n", ops.AlarmName(cfg.Name, al), al.Title, ops.Condition(al), ops.Window(al), ops.ThresholdKey(al))
	}
	_ = tw.Flush()
	return b.String()
}
