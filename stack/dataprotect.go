package stack

import (
	"github.com/acme/platform/compute"
	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/problems"
)

const dataProtectionDescription = "Customer-managed keys and backups: keys {deletionWindowDays (7-30, default 30), existing.<database|cache|secrets|logs|backup>: key ARN}; backup {enabled (default true), timezone, rules.<name> {schedule: cron(...), retentionDays, coldStorageAfterDays, startWindowMinutes, completionWindowMinutes}, vaultLock {mode: governance|compliance, minRetentionDays, maxRetentionDays, changeableForDays} (required when protect is on), copies.<name> {region | vaultArn, retentionDays, rules}}."

// validateDataProtection fills the defaults of an absent platform:dataProtection
// and checks it against the rest of the stack.
func (c *Config) validateDataProtection(p *problems.List) {
	const key = Project + ":dataProtection"
	if !c.set[key] {
		c.DataProtection = dataprotect.Decode(key, nil, p)
	}
	c.DataProtection.Validate(key, dataprotect.ValidateContext{
		Region: c.Region, Protect: c.Protect, BackupStores: len(c.backupStores()) > 0,
	}, p)
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
