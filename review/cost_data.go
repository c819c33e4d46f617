package review

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/sim"
)

// AssumedGBPerStore is the data size the data-protection estimate is
// totalled at. Backup storage grows with the data, which no stack file
// states, so the report gives the price per GB and this worked example.
const AssumedGBPerStore = 100

// DataCost is the monthly cost of a stack's data protection: the keys (a
// fixed charge) and the backup storage of each store, per GB of its data.
type DataCost struct {
	Keys        int
	KeyMonth    Money
	KeysMonthly Money
	Stores      []StoreBackupCost
	// Monthly is the keys plus every store's backups at AssumedGBPerStore.
	Monthly Money
	// Assumptions say how the per-GB figures are counted.
	Assumptions []string
}

// StoreBackupCost is what one GB of a store's data costs a month in backups.
type StoreBackupCost struct {
	Store string // the cluster's or replication group's logical name
	Kind  string
	// Points are the recovery points (or snapshots) kept at once in the
	// stack's own vault; CopyPoints those kept in copy destinations.
	Points     int
	CopyPoints int
	// CopiesPerMonth is how many copies leave the region a month.
	CopiesPerMonth float64
	PerGBMonth     Money
}

// ruleFacts are the figures of one backup rule the estimate needs.
type ruleFacts struct {
	points         int     // kept at once: retention / interval
	runsPerMonth   float64 // how often it runs
	copyPoints     int
	copiesOutPerMo float64
}

// ruleFactsOf reads a plan rule: how many recovery points it keeps at once
// (retention over the average interval of its schedule) and what its copies add.
func ruleFactsOf(v *view, region string, rule map[string]any) (ruleFacts, bool) {
	sched, err := dataprotect.ParseSchedule(str(rule, "schedule"))
	if err != nil {
		return ruleFacts{}, false
	}
	loc, err := time.LoadLocation(str(rule, "scheduleExpressionTimezone"))
	if err != nil {
		loc = time.UTC
	}
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
	runs := len(sched.Runs(from, from.AddDate(1, 0, 0), loc))
	if runs == 0 {
		return ruleFacts{}, false
	}
	intervalDays := 365.0 / float64(runs)
	keep := func(days float64) int { return int(math.Ceil(days / intervalDays)) }
	retention, _ := number(val(rule, "lifecycle.deleteAfter"))
	f := ruleFacts{points: keep(retention), runsPerMonth: float64(runs) / 12}
	target := str(rule, "targetVaultName")
	for _, c := range sim.Lookup(rule, "copyActions[]") {
		cm, ok := c.(map[string]any)
		if !ok {
			continue
		}
		days, _ := number(val(cm, "lifecycle.deleteAfter"))
		if days == 0 {
			days = retention
		}
		f.copyPoints += keep(days)
		if leavesRegion(v, region, str(cm, "destinationVaultArn"), target) {
			f.copiesOutPerMo += f.runsPerMonth
		}
	}
	return f, true
}

// leavesRegion reports whether a copy goes to another region: a vault of the
// graph other than the rule's own (the stacks create vaults in other
// regions only), or a vault ARN naming another region than the stack's.
func leavesRegion(v *view, region, dest, target string) bool {
	for _, x := range v.of(tBackupVault) {
		if dest != "" && (dest == str(x.Outputs, "arn") || dest == x.ID) {
			return str(x.Inputs, "name") != target
		}
	}
	parts := strings.Split(dest, ":")
	return len(parts) > 3 && parts[3] != region
}

// estimateData prices the keys and the backups of the stores in the graph.
func estimateData(v *view, p Prices) *DataCost {
	region := p.Region
	keys := v.of(tKMSKey)
	d := &DataCost{Keys: len(keys), KeyMonth: p.KMSKeyMonth, KeysMonthly: Money(len(keys)) * p.KMSKeyMonth}
	for _, c := range v.of(tRDSCluster) {
		sc := StoreBackupCost{Store: c.Name, Kind: "Aurora, AWS Backup"}
		covered := false
		for _, s := range selectedBy(v, c) {
			for _, plan := range v.refs(s, "planId", tBackupPlan) {
				for _, r := range sim.Lookup(plan.Inputs, "rules[]") {
					rm, ok := r.(map[string]any)
					if !ok {
						continue
					}
					f, ok := ruleFactsOf(v, region, rm)
					if !ok {
						continue
					}
					covered = true
					sc.Points += f.points
					sc.CopyPoints += f.copyPoints
					sc.CopiesPerMonth += f.copiesOutPerMo
				}
			}
		}
		if !covered {
			continue
		}
		transfer := Money(math.Round(sc.CopiesPerMonth * float64(p.InterRegionTransferGB)))
		sc.PerGBMonth = Money(sc.Points+sc.CopyPoints)*p.AuroraBackupGBMonth + transfer
		d.Stores = append(d.Stores, sc)
	}
	for _, rg := range append(v.of(tCacheRG), standaloneCaches(v)...) {
		n, _ := number(val(rg.Inputs, "snapshotRetentionLimit"))
		if n < 1 {
			continue
		}
		sc := StoreBackupCost{Store: rg.Name, Kind: "ElastiCache snapshots", Points: int(n) + monthlyCopies(v, rg)}
		sc.PerGBMonth = Money(sc.Points) * p.ElastiCacheSnapshotGBMonth
		d.Stores = append(d.Stores, sc)
	}
	d.Monthly = d.KeysMonthly
	for _, s := range d.Stores {
		d.Monthly += s.PerGBMonth * AssumedGBPerStore
	}
	d.Assumptions = []string{
		"every recovery point kept is counted at the store's full size: an upper bound, as snapshots after the first share unchanged data",
		fmt.Sprintf("Aurora backups %s/GB-month in the vault and in each copy vault, %s/GB for each copy that leaves the region; ElastiCache snapshots %s/GB-month",
			p.AuroraBackupGBMonth.Rate(), p.InterRegionTransferGB.Rate(), p.ElastiCacheSnapshotGBMonth.Rate()),
		fmt.Sprintf("keys %s a month each, plus %s a month for each of the first two yearly rotations; requests %s per 10,000 not included",
			p.KMSKeyMonth.Rate(), p.KMSKeyMonth.Rate(), p.KMSRequests10k.Rate()),
		"Aurora's own automated backups within backupRetentionDays are free up to the cluster's size and not counted",
	}
	return d
}

// monthlyCopies is how many manual snapshot copies of a cache the stack
// keeps: a schedule whose input names the replication group starts a copy
// each month, and twelve are kept (dataprotect's cache copies).
func monthlyCopies(v *view, rg sim.Resource) int {
	id := str(rg.Inputs, "replicationGroupId")
	if id == "" {
		return 0
	}
	for _, s := range v.of(tSchedule) {
		if strings.Contains(str(s.Inputs, "target.input"), `"replicationGroupId":"`+id+`"`) {
			return dataprotect.CacheCopiesKept
		}
	}
	return 0
}

// Line returns the store's cost line, if any.
func (d *DataCost) Line(store string) (StoreBackupCost, bool) {
	for _, s := range d.Stores {
		if s.Store == store {
			return s, true
		}
	}
	return StoreBackupCost{}, false
}

func (s StoreBackupCost) text() string {
	out := fmt.Sprintf("%s (%s): %s kept", s.Store, s.Kind, plural(s.Points, "recovery point", "recovery points"))
	if s.Kind == "ElastiCache snapshots" {
		out = fmt.Sprintf("%s (%s): %s kept (daily and monthly)", s.Store, s.Kind, plural(s.Points, "snapshot", "snapshots"))
	}
	if s.CopyPoints > 0 {
		out += fmt.Sprintf(" + %d in copy vaults", s.CopyPoints)
	}
	if s.CopiesPerMonth > 0 {
		out += fmt.Sprintf(", %.0f copies out of the region a month", s.CopiesPerMonth)
	}
	return out + fmt.Sprintf(": %s per GB a month", s.PerGBMonth)
}

// renderData writes the data-protection lines of the cost report.
func renderData(b *strings.Builder, d *DataCost, md bool) {
	if d == nil || (d.Keys == 0 && len(d.Stores) == 0) {
		return
	}
	bullet := "  "
	if md {
		bullet = "- "
		b.WriteString("\n#### Data protection, monthly\n\n")
	} else {
		b.WriteString("Data protection, monthly (keys fixed; backups per GB of each store's data):\n")
	}
	fmt.Fprintf(b, "%sKMS customer-managed keys: %d x %s = %s\n", bullet, d.Keys, d.KeyMonth.Rate(), d.KeysMonthly)
	for _, s := range d.Stores {
		fmt.Fprintf(b, "%s%s\n", bullet, s.text())
	}
	fmt.Fprintf(b, "%sAt an assumed %d GB per store: %s a month, keys included\n", bullet, AssumedGBPerStore, d.Monthly)
	fmt.Fprintf(b, "%sAssumptions: %s.\n", bullet, strings.Join(d.Assumptions, "; "))
}
