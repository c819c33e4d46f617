package stack

import (
	"fmt"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/dataprotect"
)

// DataProtectionReport describes, from the design, what protects the
// stack's data: the keys per class, the backup plan with its RPOs and copies,
// and for each store its keys and everything that can bring its data back.
func (d *Design) DataProtectionReport() dataprotect.Report {
	cfg := d.Config
	dp := cfg.DataProtection
	r := dataprotect.Report{Stack: cfg.Stack, Region: cfg.Region, DeletionWindowDays: dp.Keys.DeletionWindowDays}
	backup := dp.Backup.Enabled && len(cfg.backupStores()) > 0
	classes := cfg.dataClasses()
	if backup {
		classes = append(classes, dataprotect.ClassBackup)
	}
	keyName := map[dataprotect.Class]string{}
	for _, c := range classes {
		k := dataprotect.KeyLine{Class: c, Alias: dataprotect.KeyAlias(cfg.Name, c), Existing: dp.Keys.Existing[c], Encrypts: dataprotect.ClassDescription(c)}
		r.Keys = append(r.Keys, k)
		keyName[c] = k.Alias
		if k.Existing != "" {
			keyName[c] = k.Existing
		}
	}
	if backup {
		r.Backup = dataprotect.BackupReport(cfg.Name, d.Env.AccountID, dp, keyName[dataprotect.ClassBackup])
	}
	for _, n := range cfg.Workloads.Names() {
		w := cfg.Workloads[n]
		name := cfg.Name + "-" + n
		switch {
		case w.Aurora != nil:
			s := dataprotect.StoreLine{Workload: n, Kind: "aurora", Identifier: compute.ClusterIdentifier(name, *w.Aurora),
				StorageKey: keyName[dataprotect.ClassDatabase], SecretKey: keyName[dataprotect.ClassSecrets]}
			if dp.Keys.Keeps(n) {
				s.StorageKey, s.SecretKey = keptKey, keptKey
			}
			if w.Aurora.Restore != nil {
				s.Restore = w.Aurora.Restore.Kind() + " " + w.Aurora.Restore.Source()
			}
			if backup {
				for _, rl := range r.Backup.Rules {
					line := fmt.Sprintf("AWS Backup rule %s: %s, kept %d days, RPO %s", rl.Name, rl.Schedule, rl.RetentionDays, dataprotect.HumanDuration(rl.RPO))
					if len(rl.Copies) > 0 {
						line += "; copied to " + joinList(rl.Copies)
					}
					s.Protection = append(s.Protection, line)
				}
			} else {
				s.Protection = append(s.Protection, "in no AWS Backup plan (platform:dataProtection.backup is off, or the stack has nothing for it)")
			}
			s.Protection = append(s.Protection,
				fmt.Sprintf("Aurora's continuous backup: point-in-time restore to any second of the last %d days (RPO about 5 minutes)", w.Aurora.BackupRetentionDays),
				"a final snapshot when the cluster is deleted")
			r.Stores = append(r.Stores, s)
		case w.Cache != nil:
			s := dataprotect.StoreLine{Workload: n, Kind: "cache", Identifier: compute.ReplicationGroupID(name, *w.Cache),
				StorageKey: keyName[dataprotect.ClassCache], SecretKey: keyName[dataprotect.ClassSecrets]}
			if dp.Keys.Keeps(n) {
				s.StorageKey = keptKey
			}
			if a := w.Cache.Adopt; a != nil {
				// Adopted: its ID and its key are what it was created with.
				s.Identifier, s.StorageKey = a.ReplicationGroupID, "the key it was created with (adopted)"
			}
			if w.Cache.Restore != nil {
				s.Restore = w.Cache.Restore.Kind() + " " + w.Cache.Restore.Source()
			}
			s.Protection = append(s.Protection, "AWS Backup does not cover ElastiCache")
			if days := w.Cache.SnapshotRetentionDays; days > 0 {
				s.Protection = append(s.Protection, fmt.Sprintf("daily ElastiCache snapshots kept %d days (RPO 24h)", days))
			} else {
				s.Protection = append(s.Protection, "no automatic snapshots (snapshotRetentionDays: 0): the data is not backed up")
			}
			if dp.Backup.Enabled && dp.Backup.CacheCopies {
				s.Protection = append(s.Protection, fmt.Sprintf("a manual snapshot copy on the 1st of every month (%s, %s), one per calendar month, %d kept (%s...%s), outliving the group: RPO about a month beyond the daily snapshots",
					dataprotect.CacheCopySchedule, dp.Backup.Timezone, dataprotect.CacheCopiesKept, dataprotect.CacheCopyName(s.Identifier, 1), dataprotect.CacheCopyName(s.Identifier, 12)))
			} else {
				s.Protection = append(s.Protection, "no monthly copies (platform:dataProtection.backup.cacheCopies is off)")
			}
			if cfg.Protect {
				s.Protection = append(s.Protection, "a final snapshot when the group is deleted")
			}
			r.Stores = append(r.Stores, s)
		case w.EC2 != nil:
			r.Notes = append(r.Notes, n+" (ec2) holds no data to back up: its instances are interchangeable members of an Auto Scaling group, rebuilt from the launch template")
		}
	}
	return r
}

// keptKey is what the report says of a store in keys.keep.
const keptKey = "the key it was created with (keys.keep; move it by the staged path)"

func joinList(items []string) string {
	out := ""
	for i, s := range items {
		if i > 0 {
			out += ", "
		}
		out += s
	}
	return out
}
