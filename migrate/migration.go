package migrate

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/acme/platform/audit"
	"github.com/acme/platform/legacy"
)

// DefaultStages are the stages GenerateStack writes when Options.Stages is
// empty: the order docs/migration.md walks through. Every stage file of the
// migration carries the same list; edit it here, once, before the first
// `pulumi up`, and copy it into every later file.
var DefaultStages = []string{"adopt", "expand", "data", "failover", "compute", "canary", "shift", "release", "retire", "contract"}

// oldWorkload is a workload of the snapshot the import-only stage imports so
// that a later stage removes it in review.
type oldWorkload struct {
	name string
	kind string
	ids  []string
	note string
}

// oldGroup is a security group of the VPC the stack imports.
type oldGroup struct {
	g    audit.SecurityGroup
	note string
}

var workloadNameText = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9]){0,31}$`)

// findLegacy collects what the import-only stage imports besides the VPC,
// its gateway and subnets: the route tables, the security groups but the
// default one, and the old workloads, each of the adopted VPC.
func (d *draft) findLegacy() {
	for _, rt := range d.inv.RouteTables {
		if rt.VPCID == d.vpc.ID {
			d.routeTables = append(d.routeTables, rt)
		}
	}
	sort.Slice(d.routeTables, func(i, j int) bool { return d.routeTables[i].ID < d.routeTables[j].ID })

	for _, g := range d.inv.SecurityGroups {
		if g.VPCID != d.vpc.ID || g.Name == "default" {
			continue
		}
		note := g.Name
		if owners := d.inv.AttachedKinds(g.ID); len(owners) > 0 {
			var kinds []string
			for _, k := range owners {
				kinds = append(kinds, string(k))
			}
			note += ": " + strings.Join(kinds, ", ")
		} else {
			note += ": attached to nothing"
		}
		d.groups = append(d.groups, oldGroup{g: g, note: note})
	}
	sort.Slice(d.groups, func(i, j int) bool { return d.groups[i].g.ID < d.groups[j].g.ID })

	var found []oldWorkload
	byName := map[string][]string{}
	var nameOrder []string
	for _, in := range d.inv.Instances {
		if in.VpcId != d.vpc.ID || !in.Running() || tag(in.Tags, "aws:autoscaling:groupName") != "" {
			// Instances of an Auto Scaling group come and go with it: the
			// group is what a migration removes, not its instances.
			continue
		}
		n := tag(in.Tags, "Name")
		if n == "" {
			n = in.InstanceId
		}
		if _, ok := byName[n]; !ok {
			nameOrder = append(nameOrder, n)
		}
		byName[n] = append(byName[n], in.InstanceId)
	}
	for _, n := range nameOrder {
		ids := byName[n]
		sort.Strings(ids)
		found = append(found, oldWorkload{name: n, kind: legacy.KindInstances, ids: ids, note: fmt.Sprintf("%d EC2 instance(s) named %s", len(ids), n)})
	}
	for _, lb := range d.inv.LoadBalancers {
		if lb.VpcId == d.vpc.ID && lb.Type == "application" {
			found = append(found, oldWorkload{name: lb.LoadBalancerName, kind: legacy.KindALB, ids: []string{lb.LoadBalancerName}, note: "application load balancer, " + lb.Scheme})
		}
	}
	for _, kind := range []string{legacy.KindECSService, legacy.KindLambda, legacy.KindBatch} {
		for _, id := range d.candidates(kind) {
			f, err := legacy.Find(d.inv, kind, id)
			if err != nil || f.VPC != d.vpc.ID {
				continue
			}
			base := id
			if kind == legacy.KindECSService {
				_, base, _ = strings.Cut(id, "/")
			}
			found = append(found, oldWorkload{name: base, kind: kind, ids: []string{id}, note: kindNote[kind]})
		}
	}
	d.oldWorkloads = d.nameOldWorkloads(found)
}

var kindNote = map[string]string{
	legacy.KindECSService: "ECS service",
	legacy.KindLambda:     "Lambda function in the VPC",
	legacy.KindBatch:      "Batch compute environment",
}

var kindSuffix = map[string]string{
	legacy.KindInstances:  "instances",
	legacy.KindALB:        "alb",
	legacy.KindECSService: "service",
	legacy.KindLambda:     "function",
	legacy.KindBatch:      "batch",
}

// candidates lists the snapshot's resources of an old-workload kind by the
// ID legacy.Find takes.
func (d *draft) candidates(kind string) []string {
	var out []string
	switch kind {
	case legacy.KindECSService:
		for _, s := range d.inv.ECSServices {
			c := s.ClusterArn
			if i := strings.LastIndex(c, "/"); i >= 0 {
				c = c[i+1:]
			}
			out = append(out, c+"/"+s.ServiceName)
		}
	case legacy.KindLambda:
		for _, f := range d.inv.LambdaFunctions {
			out = append(out, f.FunctionName)
		}
	case legacy.KindBatch:
		for _, ce := range d.inv.BatchComputeEnvironments {
			out = append(out, ce.ComputeEnvironmentName)
		}
	}
	sort.Strings(out)
	return out
}

// nameOldWorkloads gives each old workload a stack name: old- and its own
// name without the stack's prefix (prod-web -> old-web), with the kind added
// where two would share one. The old- prefix keeps them apart from the new
// workloads that replace them.
func (d *draft) nameOldWorkloads(found []oldWorkload) []oldWorkload {
	base := func(w oldWorkload) string {
		n := strings.ToLower(w.name)
		n = strings.TrimPrefix(n, strings.ToLower(d.name)+"-")
		n = nonName.ReplaceAllString(n, "-")
		n = strings.Trim(n, "-")
		return "old-" + n
	}
	count := map[string]int{}
	for _, w := range found {
		count[base(w)]++
	}
	taken := map[string]bool{}
	var out []oldWorkload
	for _, w := range found {
		n := base(w)
		if count[n] > 1 {
			n += "-" + kindSuffix[w.kind]
		}
		n = fitName(n)
		for i := 2; taken[n] || !workloadNameText.MatchString(n); i++ {
			n = fitName(fmt.Sprintf("old-%s-%d", kindSuffix[w.kind], i))
		}
		taken[n] = true
		w.name = n
		out = append(out, w)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

var nonName = regexp.MustCompile(`[^a-z0-9]+`)

// fitName cuts a name to the 32 characters a workload name may have.
func fitName(n string) string {
	if len(n) > 32 {
		n = strings.TrimRight(n[:32], "-")
	}
	return n
}

func tag(tags []audit.Tag, key string) string {
	for _, t := range tags {
		if t.Key == key {
			return t.Value
		}
	}
	return ""
}

// renderMigration writes platform:migration for the import-only stage.
func (d *draft) renderMigration(w *yamlWriter) {
	w.comment(1,
		"The move, one reviewed stack file per stage (docs/migration.md). Every stage",
		"file carries this block with the same snapshot and stages; this file is the",
		"first stage and imports only: pulumi up creates, changes and deletes nothing.")
	w.key(1, "platform:migration")
	w.comment(2, "The snapshot every ID below comes from, from the project's root.")
	w.kv(2, "snapshot", scalar(d.opts.Snapshot), "")
	w.comment(2, "Every stage in order, the same list in every stage file; the last is the",
		"contract, which nothing temporary survives.")
	w.key(2, "stages")
	for _, s := range d.stages {
		w.item(3, scalar(s), "")
	}
	w.kv(2, "stage", scalar(d.stages[0]), "")
	w.kv(2, "importOnly", "true", "")
	if len(d.routeTables) > 0 {
		w.comment(2, "The VPC's route tables, imported and protected; their routes and",
			"associations stay as they are.")
		w.key(2, "routeTables")
		for _, rt := range d.routeTables {
			note := rt.Name
			if rt.Main {
				note = strings.TrimPrefix(note+", the main table", ", ")
			}
			w.item(3, scalar(rt.ID), note)
		}
	}
	if len(d.groups) > 0 {
		w.comment(2, "The VPC's security groups but the default one, imported with their",
			"rules, which the stack never edits. Bridges in platform:security.allow may",
			"name them by ID while workloads move; the contract stage deletes them.")
		w.key(2, "groups")
		for _, g := range d.groups {
			w.kv(3, scalar(g.g.ID), "{}", g.note)
		}
	}
	if len(d.oldWorkloads) > 0 {
		w.comment(2, "The old workloads, imported as they are and protected, so that a later",
			"stage lifts protect (a change of its own, reviewed) and the next removes",
			"them: pulumi up deletes them in review, not by hand.")
		w.key(2, "workloads")
		for _, o := range d.oldWorkloads {
			w.comment(3, o.note)
			w.key(3, o.name)
			w.kv(4, "kind", o.kind, "")
			w.key(4, "ids")
			for _, id := range o.ids {
				w.item(5, scalar(id), "")
			}
		}
	}
}

func (d *draft) importOnly() bool { return d.opts.Snapshot != "" }

// importOnlyHeader says what the first `pulumi up` of the migration does:
// imports, and nothing else.
func (d *draft) importOnlyHeader(w *yamlWriter, vpcLabel, account string) {
	w.comment(0,
		fmt.Sprintf("Stage %s of the migration (import only): %s%s, %s.", d.stages[0], vpcLabel, account, d.region),
		"",
		"Generated by migrate.GenerateStack (audit --emit-stack) from the audit",
		"snapshot "+d.opts.Snapshot+". Generate it once, from a snapshot taken before",
		"the first `pulumi up`, and from then on change it in reviewed pull requests:",
		"a later snapshot also lists what the stack creates. The runbook is",
		"docs/migration.md.",
		"",
		"What `pulumi up` does with this file: it imports, and nothing else.",
		fmt.Sprintf("  - the VPC, %sits %d subnets, %s and %s,", igwPhrase(d.igw), len(d.subnets), plural(len(d.routeTables), "route table"), plural(len(d.groups), "security group")),
		fmt.Sprintf("    and %s, each with exactly the values below or in", plural(len(d.oldWorkloads), "old workload")),
		"    the snapshot, protected, tags left alone; if AWS disagrees with a",
		"    value, the import fails and nothing is changed;",
		"  - nothing is created, changed or deleted: `pulumi preview` lists imports",
		"    only. The new tiers are planned and pinned below so that the next stage",
		"    creates them exactly there.",
	)
}
