package stack

import (
	"fmt"
	"strings"
	"time"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/dataprotect"
)

// DrillRun is what the data-protection document needs to know about the
// restore-drill stack besides its design.
type DrillRun struct {
	// File is the drill's stack file, as the reader runs it.
	File string
	// Deploy is the estimated first `pulumi up` of the drill stack (the
	// review's critical path), before the restore's data-dependent time.
	Deploy time.Duration
}

// DataProtectionDoc renders docs/data-protection.md: what protects the
// production stack's data, who may use each key, the staged path to a new
// key, and the restore runbook with the real names of prod and the drill.
func DataProtectionDoc(prod *Design, drill *Design, run DrillRun) (string, error) {
	cfg := prod.Config
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Data protection\n\n")
	w("Generated from `Pulumi.%s.yaml` and `%s` (regenerate with `go test ./stack -run DataProtectionDoc -update`); change the code or the stack files, not this file.\n\n", cfg.Stack, run.File)

	w("## What protects %s's data\n\n", cfg.Stack)
	w("%s\n", prod.DataProtectionReport().Markdown())
	w("`go run ./cmd/plan --stack %s` prints the same, and prices it: $1 a key-month, backup storage per GB of data.\n\n", cfg.Stack)

	w("## Who may use each key\n\n")
	var copyAccounts []string
	for _, n := range sortedKeys(cfg.DataProtection.Backup.Copies) {
		if a := vaultAccount(cfg.DataProtection.Backup.Copies[n].VaultArn); a != "" {
			copyAccounts = append(copyAccounts, a)
		}
	}
	backupRole := "the stack's AWS Backup role (" + cfg.Name + "-data-backup-role)"
	for _, k := range prod.DataProtectionReport().Keys {
		users, err := dataprotect.KeyUsers(k.Class, prod.Env, backupRole, copyAccounts)
		if err != nil {
			return "", err
		}
		w("- `%s` (%s):\n", k.Name(), k.Encrypts)
		for _, u := range users {
			w("  - %s\n", u)
		}
	}
	w("\nA key named in `platform:dataProtection.keys.existing` is used as it is: its policy must allow what these statements allow (`dataprotect.KeyStatements` writes them).\n\n")

	db, dbSpec := firstAurora(cfg)
	w("## A store's key cannot change in place\n\n")
	w("AWS fixes the key of an Aurora cluster, of its Performance Insights and of its managed master secret, and of an ElastiCache replication group, when the store is created. A changed key is a new store: the change report (`go run ./cmd/plan --stack %s --against <older stack file>`) lists it as a replacement and, the stack being protected, refuses it (exit 3) with this path. Secrets' and log groups' keys change in place.\n\n", cfg.Stack)
	if db != "" {
		id := compute.ClusterIdentifier(cfg.Name+"-"+db, *dbSpec)
		w("For `%s` (cluster `%s`), the staged path - expand, verify, move, contract, as in [the migration](migration.md):\n\n", db, id)
		w("1. **Adopt the keys without touching the store.** A cluster created on AWS's `aws/rds` key first goes into `platform:dataProtection.keys.keep: [%s]`: its key inputs are left out, so the plan shows no replacement, while everything else moves to the stack's keys.\n", db)
		w("2. **Expand.** Take a snapshot (or use the newest recovery point of vault `%s`):\n\n", dataprotect.VaultName(cfg.Name))
		w("   ```sh\n   aws rds create-db-cluster-snapshot --db-cluster-identifier %s --db-cluster-snapshot-identifier %s-rekey-$(date +%%Y%%m%%d)\n   ```\n\n", id, id)
		w("   and add a workload `%s-v2` with `%s`'s settings, `restore: {snapshot: <the snapshot's ARN>}` and the same `platform:security.allow` entry (%s). `pulumi up` creates it encrypted with `%s` (the restore re-encrypts).\n", db, db, describeAllow(cfg, db), dataprotect.KeyAlias(cfg.Name, dataprotect.ClassDatabase))
		w("3. **Verify** the row counts of both clusters (the query of the drill, below) through `pulumi stack output portForwardCommands`.\n")
		w("4. **Move.** Stop the writers, take a last snapshot and restore it the same way if rows were written since (or replicate with PostgreSQL logical replication to avoid the pause), then point the applications at `%s-v2`.\n", db)
		w("5. **Contract.** Remove `%s` from `keys.keep` and from `platform:workloads`; `pulumi state unprotect` its cluster and instances after reading the preview, then `pulumi up` (its final snapshot stays).\n\n", db)
	}

	if drill != nil {
		writeDrill(&b, prod, drill, run, db, dbSpec)
	}
	return b.String(), nil
}

func writeDrill(b *strings.Builder, prod, drill *Design, run DrillRun, db string, dbSpec *compute.AuroraSpec) {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	pc, dc := prod.Config, drill.Config
	ddb, ddbSpec := firstAurora(dc)
	if ddb == "" || db == "" {
		return
	}
	did := compute.ClusterIdentifier(dc.Name+"-"+ddb, *ddbSpec)
	vault := dataprotect.VaultName(pc.Name)
	w("## Restore drill\n\n")
	w("A drill is `pulumi up` of a stack whose store is a restore; `%s` restores `%s`'s recovery point into cluster `%s` in its own isolated tier, admitting only the `%s` instance it is checked from, encrypted with the drill's own keys.\n\n",
		run.File, db, did, strings.Join(allowSources(dc, ddb), ", "))
	w("1. **Pick the recovery point** (the newest of vault `%s`):\n\n", vault)
	w("   ```sh\n   aws backup list-recovery-points-by-backup-vault --backup-vault-name %s --by-resource-type Aurora \\\n     --query 'sort_by(RecoveryPoints,&CreationDate)[-1].[RecoveryPointArn,CreationDate]'\n   ```\n\n", vault)
	w("   Put the ARN in `platform:workloads.%s.restore.recoveryPoint` (a copy in the DR vault restores in its region: run the drill there), and check the file offline: `go run ./cmd/plan --file %s --strict`.\n", ddb, run.File)
	w("2. **Run it** from the project directory (a stack file sits beside `Pulumi.yaml`):\n\n")
	w("   ```sh\n   cp %s .\n   pulumi stack init %s\n   pulumi up --stack %s\n   ```\n\n", run.File, dc.Stack, dc.Stack)
	w("   It takes about %s for the stack's resources (the plan's critical path), plus the time RDS needs to load the recovery point's data, which grows with its size: follow it with `aws rds describe-db-clusters --db-cluster-identifier %s --query 'DBClusters[0].Status'` and write the figure into the drill's record.\n", dataprotect.HumanDuration(run.Deploy.Round(time.Minute)), did)
	user, dbname := "dbadmin", ""
	if dbSpec != nil {
		user, dbname = dbSpec.MasterUsername, dbSpec.DatabaseName
	}
	w("3. **Check the row counts.** Forward the copy to localhost and count every table (the master user and database come from `%s`: `%s` and `%s`):\n\n", db, user, dbname)
	w("   ```sh\n   $(pulumi stack output portForwardCommands --stack %s --json | jq -r .%s) &\n", dc.Stack, ddb)
	w("   export PGPASSWORD=$(aws secretsmanager get-secret-value --secret-id \"$(pulumi stack output auroraSecretArn --stack %s)\" --query SecretString --output text | jq -r .password)\n", dc.Stack)
	w("   psql \"host=localhost port=%d user=%s dbname=%s sslmode=require\" -At <<'SQL' > drill-counts.txt\n", pc.Workloads.ServicePort(db), user, dbname)
	w("   SELECT format('SELECT %%L, count(*) FROM %%I.%%I', schemaname || '.' || relname, schemaname, relname)\n     FROM pg_stat_user_tables ORDER BY 1 \\gexec\n   SQL\n   ```\n\n")
	w("   Run the same against `%s` (its `portForwardCommands.%s`, stack `%s`) into `prod-counts.txt` and `diff` them. Every table must be there; counts may only fall short by rows written after the recovery point's creation time. A missing or empty table fails the drill.\n", db, db, pc.Stack)
	w("4. **End it:** `pulumi destroy --stack %s && pulumi stack rm %s`. The copy's final snapshot stays; delete it with `aws rds delete-db-cluster-snapshot` once the drill is recorded.\n\n", dc.Stack, dc.Stack)

	id := compute.ClusterIdentifier(pc.Name+"-"+db, *dbSpec)
	w("## A real recovery, and the cut-over\n\n")
	w("A recovery is a reviewed change of `Pulumi.%s.yaml`, made the way the drill rehearses it:\n\n", pc.Stack)
	w("1. Add a workload `%s-restored` with `%s`'s settings, the same `platform:security.allow` entry (%s) and one of\n", db, db, describeAllow(pc, db))
	w("   - `restore: {pointInTime: {source: %s, time: <the last good moment, RFC 3339, UTC>}}` - any second of the last %d days (Aurora's own continuous backup);\n", id, dbSpec.BackupRetentionDays)
	w("   - `restore: {recoveryPoint: <ARN>}` from vault `%s` (older points; `aws backup list-recovery-points-by-backup-vault --backup-vault-name %s`);\n", vault, vault)
	for _, cn := range sortedKeys(pc.DataProtection.Backup.Copies) {
		if c := pc.DataProtection.Backup.Copies[cn]; c.Region != "" {
			w("   - when %s itself is lost: the copy in vault `%s` of %s, restored by a stack in %s (the same files with `aws:region: %s`).\n", pc.Region, dataprotect.DRVaultName(pc.Name, cn), c.Region, c.Region, c.Region)
		}
	}
	w("2. Review `go run ./cmd/plan --stack %s --against <the file before>`: it only creates. `pulumi up`.\n", pc.Stack)
	w("3. Check the row counts as in the drill, through `portForwardCommands.%s-restored`.\n", db)
	w("4. **Cut over:** let the applications reach `%s-restored` instead (move the allow entries and their connection settings to it), deploy, and watch the errors settle.\n", db)
	w("5. **Contract** as for a key change: unprotect and remove the damaged `%s`; keep the restore block of `%s-restored` (a `pointInTime` source replaces the cluster when removed; a snapshot or recovery point may go).\n", db, db)
}

// firstAurora returns the first aurora workload of a config by name.
func firstAurora(c *Config) (string, *compute.AuroraSpec) {
	for _, n := range c.Workloads.Names() {
		if s := c.Workloads[n].Aurora; s != nil {
			return n, s
		}
	}
	return "", nil
}

// allowSources lists who the allow graph lets reach a workload.
func allowSources(c *Config, target string) []string {
	var out []string
	for _, g := range c.Security.Allow[target] {
		out = append(out, g.From...)
	}
	return out
}

func describeAllow(c *Config, target string) string {
	src := allowSources(c, target)
	if len(src) == 0 {
		return "none"
	}
	return "from " + strings.Join(src, ", ")
}

// vaultAccount is the account of a backup vault ARN, "" for anything else.
func vaultAccount(arn string) string {
	parts := strings.Split(arn, ":")
	if len(parts) == 7 && parts[2] == "backup" {
		return parts[4]
	}
	return ""
}
