package stack

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/problems"
)

const dataProtectionDescription = "Customer-managed keys and backups: keys {deletionWindowDays (7-30, default 30), existing.<database|cache|secrets|logs|backup>: key ARN, keep: [stores that keep the keys they were created with]}; backup {enabled (default true), timezone, rules.<name> {schedule: cron(...), retentionDays, coldStorageAfterDays, startWindowMinutes, completionWindowMinutes}, vaultLock {mode: governance|compliance, minRetentionDays, maxRetentionDays, changeableForDays} (required when protect is on), copies.<name> {region | vaultArn, retentionDays, rules}, cacheCopies (default true: a monthly manual snapshot of every cache, twelve kept)}."

// validateDataProtection fills the defaults of an absent platform:dataProtection
// and checks it against the rest of the stack.
func (c *Config) validateDataProtection(p *problems.List) {
	const key = Project + ":dataProtection"
	if !c.set[key] {
		c.DataProtection = dataprotect.Decode(key, nil, p)
	}
	c.DataProtection.Validate(key, dataprotect.ValidateContext{
		// An import-only stage backs nothing up: an adopted cluster gets its
		// backup plan in a later stage.
		Region: c.Region, Protect: c.Protect, BackupStores: len(c.backupStores()) > 0 && !c.ImportOnly(),
	}, p)
	seen := map[string]bool{}
	for i, n := range c.DataProtection.Keys.Keep {
		k := fmt.Sprintf("%s.keys.keep[%d]", key, i)
		w, ok := c.Workloads[n]
		switch {
		case seen[n]:
			p.Add(k, "%q is listed twice", n)
		case !ok || (w.Aurora == nil && w.Cache == nil):
			p.Add(k, "%q is not an aurora or cache workload; keep names the data stores that keep the keys they were created with", n)
		case (w.Aurora != nil && w.Aurora.Restore != nil) || (w.Cache != nil && w.Cache.Restore != nil):
			p.Add(k, "%q is a restore, created with the stack's keys; remove it from keep", n)
		}
		seen[n] = true
	}
	c.setStorageKeys()
}

// setStorageKeys tells every store which key its data is on, so that its
// identifier changes with the key (see compute.StoreSpec.StorageKey).
func (c *Config) setStorageKeys() {
	for _, n := range c.Workloads.Names() {
		w := c.Workloads[n]
		var ss *compute.StoreSpec
		class := dataprotect.ClassDatabase
		switch {
		case w.Aurora != nil:
			ss = &w.Aurora.StoreSpec
		case w.Cache != nil:
			ss, class = &w.Cache.StoreSpec, dataprotect.ClassCache
		default:
			continue
		}
		switch {
		case c.DataProtection.Keys.Keeps(n):
			ss.StorageKey = ""
		case c.DataProtection.Keys.Existing[class] != "":
			ss.StorageKey = c.DataProtection.Keys.Existing[class]
		default:
			ss.StorageKey = "stack"
		}
	}
}

// backupStores lists the workloads AWS Backup covers: Aurora clusters.
// ElastiCache is not covered (its own snapshots are), and an EC2 fleet is an
// Auto Scaling group of interchangeable instances with no state to keep.
func (c *Config) backupStores() []string {
	var out []string
	for _, n := range c.Workloads.Names() {
		if compute.Kind(c.Workloads.Kind(n)) == compute.KindAurora {
			out = append(out, n)
		}
	}
	return out
}

// dataClasses are the classes of data the stack holds, each of which gets a
// key: database storage (with Performance Insights), cache data, the stores'
// secrets, and the workloads' log groups.
func (c *Config) dataClasses() []dataprotect.Class {
	has := map[compute.Kind]bool{}
	for _, n := range c.Workloads.Names() {
		has[compute.Kind(c.Workloads.Kind(n))] = true
	}
	var out []dataprotect.Class
	if has[compute.KindAurora] {
		out = append(out, dataprotect.ClassDatabase)
	}
	if has[compute.KindCache] {
		out = append(out, dataprotect.ClassCache)
	}
	if has[compute.KindAurora] || has[compute.KindCache] {
		out = append(out, dataprotect.ClassSecrets)
	}
	// Aurora's exported logs have log groups too.
	copies := c.DataProtection.Backup.Enabled && c.DataProtection.Backup.CacheCopies && has[compute.KindCache]
	if has[compute.KindECS] || has[compute.KindLambda] || has[compute.KindBatch] || has[compute.KindAurora] || copies {
		out = append(out, dataprotect.ClassLogs)
	}
	return out
}

// registerDataProtection creates the keys of the stack's data classes and,
// when it has a store AWS Backup covers, the vault, plan and copies.
func registerDataProtection(ctx *pulumi.Context, d *Design) (*dataprotect.DataProtection, error) {
	cfg := d.Config
	classes := cfg.dataClasses()
	backup := cfg.DataProtection.Backup.Enabled && len(cfg.backupStores()) > 0
	if len(classes) == 0 && !backup {
		return nil, nil
	}
	return dataprotect.NewDataProtection(ctx, cfg.Name+"-data", &dataprotect.Args{
		Config: cfg.DataProtection, Name: cfg.Name, Env: d.Env, Classes: classes, Backup: backup,
		DefaultTags: cfg.DefaultTags, Protect: cfg.Protect,
	})
}

// dataKey is the key of a class as a resource input, or nil when the stack
// has none (the resource then keeps AWS's managed key).
func (pl *Platform) dataKey(c dataprotect.Class) pulumi.StringInput {
	if pl.Data == nil {
		return nil
	}
	arn, ok := pl.Data.KeyARN(c)
	if !ok {
		return nil
	}
	return arn
}

// storeKey is the key of a class for one store: nil when the store keeps
// the keys it was created with (platform:dataProtection.keys.keep).
func (pl *Platform) storeKey(store string, c dataprotect.Class) pulumi.StringInput {
	if pl.Design.Config.DataProtection.Keys.Keeps(store) {
		return nil
	}
	return pl.dataKey(c)
}

// logsKey is the key of the log groups: the stack's logs key, or the
// session key (whose policy admits CloudWatch Logs as well) in a stack
// without one.
func (pl *Platform) logsKey() pulumi.StringInput {
	if k := pl.dataKey(dataprotect.ClassLogs); k != nil {
		return k
	}
	return pl.Sessions.KeyARN
}

// coverStores puts every Aurora cluster into the backup plan, one selection
// each, and schedules the monthly copies of every cache: a store added to
// the stack is covered by the same run.
func coverStores(ctx *pulumi.Context, pl *Platform) error {
	if pl.Data == nil {
		return nil
	}
	if pl.Data.Plan != nil {
		for _, n := range sortedNames(pl.Workloads.Databases) {
			if err := pl.Data.Cover(ctx, n, pl.Workloads.Databases[n].ARN); err != nil {
				return err
			}
		}
	}
	if b := pl.Design.Config.DataProtection.Backup; b.Enabled && b.CacheCopies {
		for _, n := range sortedNames(pl.Workloads.Caches) {
			if err := pl.Data.CoverCache(ctx, n, pl.Workloads.Caches[n].ID, pl.logsKey()); err != nil {
				return err
			}
		}
	}
	return nil
}
