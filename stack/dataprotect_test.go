package stack_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/stack"
)

// prodWith returns Pulumi.prod.yaml's values with platform:dataProtection edited.
func prodWith(t *testing.T, edit func(dp map[string]any)) map[string]string {
	t.Helper()
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var dp map[string]any
	if err := json.Unmarshal([]byte(f.Values["platform:dataProtection"]), &dp); err != nil {
		t.Fatalf("prod has no platform:dataProtection object: %v", err)
	}
	edit(dp)
	b, _ := json.Marshal(dp)
	f.Values["platform:dataProtection"] = string(b)
	return f.Values
}

func backupOf(dp map[string]any) map[string]any { return dp["backup"].(map[string]any) }

// The bad data-protection inputs of the issue: each is a named problem at its
// key, and the run registers nothing.
func TestDataProtection_BadInputIsRefusedBeforeAnyResource(t *testing.T) {
	for _, tc := range []struct {
		name, at, words string
		edit            func(dp map[string]any)
	}{
		{"retention shorter than the vault lock minimum", "platform:dataProtection.backup.rules.daily.retentionDays", "shorter than the vault lock minimum",
			func(dp map[string]any) {
				backupOf(dp)["rules"].(map[string]any)["daily"].(map[string]any)["retentionDays"] = 7
			}},
		{"DR region equal to the stack's region", "platform:dataProtection.backup.copies.dr.region", "the stack's own region",
			func(dp map[string]any) {
				backupOf(dp)["copies"].(map[string]any)["dr"] = map[string]any{"region": "us-east-1"}
			}},
		{"malformed account vault ARN", "platform:dataProtection.backup.copies.backup-account.vaultArn", "not a backup vault ARN",
			func(dp map[string]any) {
				backupOf(dp)["copies"].(map[string]any)["backup-account"] = map[string]any{"vaultArn": "arn:aws:backup:us-east-1:444455556666:vault/central"}
			}},
		{"prod without a vault lock", "platform:dataProtection.backup.vaultLock", "protected stack locks",
			func(dp map[string]any) { delete(backupOf(dp), "vaultLock") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := offline.Run(&stack.File{Path: "prod (edited)", Stack: "prod", Values: prodWith(t, tc.edit)})
			msgs := problems.Messages(err)
			if len(msgs) != 1 || !strings.HasPrefix(msgs[0], tc.at+": ") || !strings.Contains(msgs[0], tc.words) {
				t.Errorf("got %q, want one problem at %s containing %q", msgs, tc.at, tc.words)
			}
			if res != nil && res.Graph != nil && len(res.Graph.Resources) != 0 {
				t.Errorf("%d resources registered for a rejected config", len(res.Graph.Resources))
			}
		})
	}
}

func TestDataProtection_KeepNamesStoresOnly(t *testing.T) {
	for _, tc := range []struct{ keep, words string }{
		{`["web"]`, "not an aurora or cache workload"},
		{`["nosuch"]`, "not an aurora or cache workload"},
		{`["database","database"]`, "listed twice"},
	} {
		values := prodWith(t, func(dp map[string]any) {
			var keep []any
			_ = json.Unmarshal([]byte(tc.keep), &keep)
			dp["keys"].(map[string]any)["keep"] = keep
		})
		_, err := stack.Parse("prod", values)
		msgs := problems.Messages(err)
		if len(msgs) != 1 || !strings.Contains(msgs[0], "platform:dataProtection.keys.keep[") || !strings.Contains(msgs[0], tc.words) {
			t.Errorf("keep %s: %q, want one problem containing %q", tc.keep, msgs, tc.words)
		}
	}
	values := prodWith(t, func(dp map[string]any) { dp["keys"].(map[string]any)["keep"] = []any{"database", "cache"} })
	if _, err := stack.Parse("prod", values); err != nil {
		t.Errorf("keeping both stores' keys: %v", err)
	}
}

// A restore source that is not a snapshot or recovery point ARN, and a point
// in time in the future, are named problems of the workload; nothing is registered.
func TestRestore_BadSourcesAreRefusedBeforeAnyResource(t *testing.T) {
	for _, tc := range []struct {
		restore   map[string]any
		at, words string
	}{
		{map[string]any{"snapshot": "prod-database-before-upgrade"}, "platform:workloads.database.restore.snapshot", "not an Aurora cluster snapshot ARN"},
		{map[string]any{"recoveryPoint": "arn:aws:backup:us-east-1:111122223333:recovery-point:1a2b3c"}, "platform:workloads.database.restore.recoveryPoint", "not an Aurora recovery point ARN"},
		{map[string]any{"pointInTime": map[string]any{"source": "prod-database-85d841", "time": "2999-01-01T00:00:00Z"}}, "platform:workloads.database.restore.pointInTime.time", "in the future"},
		{map[string]any{"recoveryPoint": "arn:aws:rds:us-west-2:111122223333:cluster-snapshot:awsbackup:copyjob-1"}, "platform:workloads.database.restore.recoveryPoint", "restore from the copy in this region"},
	} {
		f, err := stack.ReadFile("../Pulumi.prod.yaml")
		if err != nil {
			t.Fatal(err)
		}
		var w map[string]any
		_ = json.Unmarshal([]byte(f.Values["platform:workloads"]), &w)
		w["database"].(map[string]any)["restore"] = tc.restore
		b, _ := json.Marshal(w)
		f.Values["platform:workloads"] = string(b)
		res, err := offline.Run(f)
		msgs := problems.Messages(err)
		if len(msgs) != 1 || !strings.HasPrefix(msgs[0], tc.at+": ") || !strings.Contains(msgs[0], tc.words) {
			t.Errorf("restore %v: got %q, want one problem at %s containing %q", tc.restore, msgs, tc.at, tc.words)
		}
		if res != nil && res.Graph != nil && len(res.Graph.Resources) != 0 {
			t.Errorf("restore %v: %d resources registered for a rejected config", tc.restore, len(res.Graph.Resources))
		}
	}
}

// A copy to another account's vault says, in the plan, what that account must allow.
func TestDataProtectionReport_SaysWhatACopyAccountMustAllow(t *testing.T) {
	values := prodWith(t, func(dp map[string]any) {
		backupOf(dp)["copies"].(map[string]any)["backup-account"] = map[string]any{"vaultArn": "arn:aws:backup:us-east-1:111122223333:backup-vault:central"}
	})
	res, err := offline.Run(&stack.File{Path: "prod + account copy", Stack: "prod", Values: values})
	if err != nil {
		t.Fatal(err)
	}
	text := res.Platform.Design.DataProtectionReport().Text()
	if !strings.Contains(text, "copy backup-account: arn:aws:backup:us-east-1:111122223333:backup-vault:central; rules daily, monthly") {
		t.Errorf("same-account copy:\n%s", text)
	}
	values = prodWith(t, func(dp map[string]any) {
		backupOf(dp)["copies"].(map[string]any)["backup-account"] = map[string]any{"vaultArn": "arn:aws:backup:us-east-1:444455556666:backup-vault:central"}
	})
	c, err := stack.Parse("prod", values)
	if err != nil {
		t.Fatal(err)
	}
	d := &stack.Design{Config: c, Env: res.Platform.Design.Env}
	if text := d.DataProtectionReport().Text(); !strings.Contains(text, "must allow backup:CopyIntoBackupVault from account 111122223333") {
		t.Errorf("cross-account copy without its prerequisite:\n%s", text)
	}
}

// The backup plan holds Aurora clusters only, whose recovery points AWS
// Backup never moves to cold storage: a rule asking for it is told so.
func TestDataProtection_ColdStorageOnAuroraRecoveryPointsIsAWarning(t *testing.T) {
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	const want = "platform:dataProtection.backup.rules.monthly.coldStorageAfterDays: AWS Backup moves no Aurora recovery point to cold storage (it ignores the setting for Aurora), so they stay in warm storage, billed as such, for all 365 days; remove it"
	for _, cold := range []bool{false, true} {
		values := map[string]string{}
		for k, v := range f.Values {
			values[k] = v
		}
		if cold {
			values["platform:dataProtection"] = strings.Replace(values["platform:dataProtection"], `"retentionDays":365`, `"retentionDays":365,"coldStorageAfterDays":90`, 1)
		}
		res, err := offline.Run(&stack.File{Path: f.Path, Stack: f.Stack, Values: values})
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(res.Platform.Warnings(), "\n"); strings.Contains(got, want) != cold {
			t.Errorf("coldStorageAfterDays set %v: warnings\n%s", cold, got)
		}
	}
}
