package dataprotect

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
)

const key = "platform:dataProtection"

var (
	devCtx  = ValidateContext{Region: "us-east-1"}
	prodCtx = ValidateContext{Region: "us-east-1", Protect: true, BackupStores: true}
)

// parse decodes and validates a platform:dataProtection value written as JSON.
func parse(t *testing.T, doc string, v ValidateContext) (Config, []string) {
	t.Helper()
	var raw any
	if doc != "" {
		if err := json.Unmarshal([]byte(doc), &raw); err != nil {
			t.Fatalf("bad test JSON: %v", err)
		}
	}
	var p problems.List
	c := Decode(key, raw, &p)
	c.Validate(key, v, &p)
	return c, problems.Messages(p.Err())
}

func mustParse(t *testing.T, doc string, v ValidateContext) Config {
	t.Helper()
	c, msgs := parse(t, doc, v)
	if len(msgs) > 0 {
		t.Fatalf("unexpected problems:\n%s", strings.Join(msgs, "\n"))
	}
	return c
}

// wantProblem asserts that exactly the one key is rejected, with the words.
func wantProblem(t *testing.T, doc string, v ValidateContext, atKey, words string) {
	t.Helper()
	_, msgs := parse(t, doc, v)
	if len(msgs) != 1 || !strings.HasPrefix(msgs[0], key+atKey+": ") || !strings.Contains(msgs[0], words) {
		t.Errorf("%s\n got %q\n want one problem at %s%s containing %q", doc, msgs, key, atKey, words)
	}
}

func TestDefaults_DailyAndMonthlyRulesUTCThirtyDayWindowBackupsOn(t *testing.T) {
	c := mustParse(t, "", devCtx)
	if c.Keys.DeletionWindowDays != 30 || !c.Backup.Enabled || c.Backup.Timezone != "Etc/UTC" || c.Backup.VaultLock != nil {
		t.Errorf("defaults: %+v", c)
	}
	if !reflect.DeepEqual(c.Backup.Rules, DefaultRules()) {
		t.Errorf("rules %+v, want %+v", c.Backup.Rules, DefaultRules())
	}
	// A rule without windows gets the defaults; one with a long start window
	// gets a completion window an hour longer.
	c = mustParse(t, `{"backup":{"rules":{"a":{"schedule":"cron(0 5 ? * * *)","retentionDays":7},
		"b":{"schedule":"cron(0 6 ? * * *)","retentionDays":7,"startWindowMinutes":600}}}}`, devCtx)
	if r := c.Backup.Rules["a"]; r.StartWindowMinutes != 60 || r.CompletionWindowMinutes != 480 {
		t.Errorf("rule a windows: %+v", r)
	}
	if r := c.Backup.Rules["b"]; r.CompletionWindowMinutes != 660 {
		t.Errorf("rule b windows: %+v", r)
	}
}

func TestDefaults_LockBoundsFollowTheRulesAndDRCopies(t *testing.T) {
	c := mustParse(t, `{"backup":{"vaultLock":{"mode":"compliance"},"copies":{"dr":{"region":"us-west-2"}}}}`, prodCtx)
	l := c.Backup.VaultLock
	if l.MinRetentionDays != 35 || l.MaxRetentionDays != 365 || l.ChangeableForDays != 3 {
		t.Errorf("lock %+v, want 35..365 changeable 3", l)
	}
	c = mustParse(t, `{"backup":{"vaultLock":{"mode":"governance"},"copies":{"dr":{"region":"us-west-2","retentionDays":400}}}}`, prodCtx)
	if l := c.Backup.VaultLock; l.MaxRetentionDays != 400 || l.ChangeableForDays != 0 {
		t.Errorf("lock %+v, want max 400 (the DR copy) and no cooling-off", l)
	}
}

// The bad inputs the issue names, each a named problem at its own key.
func TestBadInput_NamedProblems(t *testing.T) {
	lock := `"vaultLock":{"mode":"governance","minRetentionDays":30,"maxRetentionDays":400}`
	for _, tc := range []struct {
		name, doc, at, words string
		v                    ValidateContext
	}{
		{"retention shorter than the lock minimum",
			`{"backup":{` + lock + `,"rules":{"daily":{"schedule":"cron(0 5 ? * * *)","retentionDays":29}}}}`,
			".backup.rules.daily.retentionDays", "shorter than the vault lock minimum of 30 days", prodCtx},
		{"retention longer than the lock maximum",
			`{"backup":{` + lock + `,"rules":{"yearly":{"schedule":"cron(0 5 1 1 ? *)","retentionDays":401}}}}`,
			".backup.rules.yearly.retentionDays", "longer than the vault lock maximum of 400 days", prodCtx},
		{"a DR copy shorter than the lock (the DR vault gets the same lock)",
			`{"backup":{` + lock + `,"rules":{"daily":{"schedule":"cron(0 5 ? * * *)","retentionDays":30}},"copies":{"dr":{"region":"us-west-2","retentionDays":7}}}}`,
			".backup.copies.dr.retentionDays", "shorter than the vault lock minimum", prodCtx},
		{"DR region equal to the stack's region",
			`{"backup":{"copies":{"dr":{"region":"us-east-1"}}}}`,
			".backup.copies.dr.region", "is the stack's own region", devCtx},
		{"DR region that is no region",
			`{"backup":{"copies":{"dr":{"region":"mars-1"}}}}`,
			".backup.copies.dr.region", "not an AWS region", devCtx},
		{"DR region in another partition",
			`{"backup":{"copies":{"dr":{"region":"cn-north-1"}}}}`,
			".backup.copies.dr.region", "another partition", devCtx},
		{"copy to a malformed account vault ARN",
			`{"backup":{"copies":{"vault-account":{"vaultArn":"arn:aws:backup:us-east-1:4444:backup-vault:central"}}}}`,
			".backup.copies.vault-account.vaultArn", "not a backup vault ARN", devCtx},
		{"copy to a vault ARN of another resource type",
			`{"backup":{"copies":{"acct":{"vaultArn":"arn:aws:backup:us-east-1:444455556666:backup-plan:central"}}}}`,
			".backup.copies.acct.vaultArn", "not a backup vault ARN", devCtx},
		{"copy naming both a region and a vault",
			`{"backup":{"copies":{"dr":{"region":"us-west-2","vaultArn":"arn:aws:backup:us-west-2:444455556666:backup-vault:dr"}}}}`,
			".backup.copies.dr", "either region", devCtx},
		{"copy naming neither",
			`{"backup":{"copies":{"dr":{"retentionDays":30}}}}`,
			".backup.copies.dr", "required: region", devCtx},
		{"copy of an unknown rule",
			`{"backup":{"copies":{"dr":{"region":"us-west-2","rules":["dialy"]}}}}`,
			".backup.copies.dr.rules[0]", `did you mean "daily"`, devCtx},
		{"protected stack without a vault lock",
			`{}`, ".backup.vaultLock", "protected stack locks its backup vault", prodCtx},
		{"lock without a mode",
			`{"backup":{"vaultLock":{"minRetentionDays":1}}}`, ".backup.vaultLock.mode", "required", devCtx},
		{"lock mode misspelt",
			`{"backup":{"vaultLock":{"mode":"strict"}}}`, ".backup.vaultLock.mode", "not a vault lock mode", devCtx},
		{"governance lock with a cooling-off period",
			`{"backup":{"vaultLock":{"mode":"governance","changeableForDays":3}}}`, ".backup.vaultLock.changeableForDays", "only a compliance lock", devCtx},
		{"compliance cooling-off under AWS's 3 days",
			`{"backup":{"vaultLock":{"mode":"compliance","changeableForDays":2}}}`, ".backup.vaultLock.changeableForDays", "at least 3 days", devCtx},
		{"lock minimum above maximum",
			`{"backup":{"vaultLock":{"mode":"governance","minRetentionDays":500,"maxRetentionDays":400},"rules":{"d":{"schedule":"cron(0 5 ? * * *)","retentionDays":450}}}}`,
			".backup.vaultLock.maxRetentionDays", "less than minRetentionDays", devCtx},
		{"deletion window under 7 days",
			`{"keys":{"deletionWindowDays":6}}`, ".keys.deletionWindowDays", "between 7 and 30", devCtx},
		{"deletion window over 30 days",
			`{"keys":{"deletionWindowDays":31}}`, ".keys.deletionWindowDays", "between 7 and 30", devCtx},
		{"existing key given as an alias",
			`{"keys":{"existing":{"database":"alias/aws/rds"}}}`, ".keys.existing.database", "not a KMS key ARN", devCtx},
		{"existing key in another region",
			`{"keys":{"existing":{"database":"arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}`,
			".keys.existing.database", "KMS keys are regional", devCtx},
		{"existing key of an unknown class",
			`{"keys":{"existing":{"disk":"arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"}}}`,
			".keys.existing.disk", "not a data class", devCtx},
		{"a schedule that is not cron",
			`{"backup":{"rules":{"daily":{"schedule":"rate(1 day)","retentionDays":7}}}}`, ".backup.rules.daily.schedule", "not a cron expression", devCtx},
		{"a schedule more often than hourly",
			`{"backup":{"rules":{"often":{"schedule":"cron(0/30 * ? * * *)","retentionDays":7}}}}`, ".backup.rules.often.schedule", "at most once an hour", devCtx},
		{"a schedule that never recurs",
			`{"backup":{"rules":{"once":{"schedule":"cron(0 5 1 1 ? 2024)","retentionDays":7}}}}`, ".backup.rules.once.schedule", "must recur", devCtx},
		{"a rule without a schedule",
			`{"backup":{"rules":{"daily":{"retentionDays":7}}}}`, ".backup.rules.daily.schedule", "required", devCtx},
		{"retention of zero",
			`{"backup":{"rules":{"daily":{"schedule":"cron(0 5 ? * * *)","retentionDays":0}}}}`, ".backup.rules.daily.retentionDays", "between 1 and 36500", devCtx},
		{"cold storage with less than 90 days after it",
			`{"backup":{"rules":{"m":{"schedule":"cron(0 5 1 * ? *)","retentionDays":119,"coldStorageAfterDays":30}}}}`, ".backup.rules.m.retentionDays", "coldStorageAfterDays + 90 (here 120)", devCtx},
		{"start window under an hour",
			`{"backup":{"rules":{"d":{"schedule":"cron(0 5 ? * * *)","retentionDays":7,"startWindowMinutes":59,"completionWindowMinutes":600}}}}`, ".backup.rules.d.startWindowMinutes", "at least 60", devCtx},
		{"completion window not an hour past the start window",
			`{"backup":{"rules":{"d":{"schedule":"cron(0 5 ? * * *)","retentionDays":7,"startWindowMinutes":120,"completionWindowMinutes":179}}}}`, ".backup.rules.d.completionWindowMinutes", "60 minutes longer", devCtx},
		{"no rules at all",
			`{"backup":{"rules":{}}}`, ".backup.rules", "at least one rule", devCtx},
		{"a rule name AWS refuses",
			`{"backup":{"rules":{"every day":{"schedule":"cron(0 5 ? * * *)","retentionDays":7}}}}`, ".backup.rules.every day", "not valid", devCtx},
		{"an unknown time zone",
			`{"backup":{"timezone":"Mars/Olympus"}}`, ".backup.timezone", "not an IANA time zone", devCtx},
		{"an unknown key",
			`{"backup":{"retention":30}}`, ".backup.retention", "unknown key", devCtx},
	} {
		t.Run(tc.name, func(t *testing.T) { wantProblem(t, tc.doc, tc.v, tc.at, tc.words) })
	}
}

// Each guard holds at its boundary: the value just inside is accepted.
func TestBoundaries_Accepted(t *testing.T) {
	for _, doc := range []string{
		`{"keys":{"deletionWindowDays":7}}`,
		`{"keys":{"deletionWindowDays":30}}`,
		`{"backup":{"vaultLock":{"mode":"compliance","changeableForDays":3}}}`,
		`{"backup":{"vaultLock":{"mode":"governance","minRetentionDays":35,"maxRetentionDays":365}}}`,
		`{"backup":{"rules":{"m":{"schedule":"cron(0 5 1 * ? *)","retentionDays":120,"coldStorageAfterDays":30}}}}`,
		`{"backup":{"rules":{"h":{"schedule":"cron(0 * ? * * *)","retentionDays":1,"startWindowMinutes":60,"completionWindowMinutes":120}}}}`,
		`{"backup":{"copies":{"dr":{"region":"us-west-2","retentionDays":36500}}}}`,
		`{"backup":{"copies":{"acct":{"vaultArn":"arn:aws:backup:us-east-1:444455556666:backup-vault:central","rules":["monthly"]}}}}`,
		`{"keys":{"existing":{"backup":"arn:aws:kms:us-east-1:111122223333:key/mrk-1234567890abcdef1234567890abcdef"}}}`,
		`{"backup":{"enabled":false,"copies":{"dr":{"region":"us-east-1"}}}}`, // off: its settings are not judged
	} {
		if _, msgs := parse(t, doc, devCtx); len(msgs) > 0 {
			t.Errorf("%s: %q", doc, msgs)
		}
	}
}

func TestVaultLock_RequiredOnlyWhereThereIsAVault(t *testing.T) {
	if _, msgs := parse(t, `{}`, ValidateContext{Region: "us-east-1", Protect: true}); len(msgs) > 0 {
		t.Errorf("a protected stack without Aurora has no vault to lock: %q", msgs)
	}
	if _, msgs := parse(t, `{}`, ValidateContext{Region: "us-east-1", BackupStores: true}); len(msgs) > 0 {
		t.Errorf("an unprotected stack may leave its vault unlocked: %q", msgs)
	}
}

func TestEveryProblemIsReportedAtOnce(t *testing.T) {
	_, msgs := parse(t, `{"keys":{"deletionWindowDays":1},"backup":{"copies":{"dr":{"region":"us-east-1"},"x":{"vaultArn":"nope"}}}}`, prodCtx)
	if len(msgs) != 4 {
		t.Errorf("want 4 problems (window, DR region, vault ARN, missing lock), got %q", msgs)
	}
}

func TestCopyRetentionDefaultsToTheRule(t *testing.T) {
	c := mustParse(t, `{"backup":{"copies":{"dr":{"region":"us-west-2"},"acct":{"vaultArn":"arn:aws:backup:us-east-1:444455556666:backup-vault:central","retentionDays":90}}}}`, devCtx)
	if got := c.Backup.CopyRetention("dr", "monthly"); got != 365 {
		t.Errorf("dr monthly copy kept %d days, want the rule's 365", got)
	}
	if got := c.Backup.CopyRetention("acct", "monthly"); got != 90 {
		t.Errorf("account copy kept %d days, want 90", got)
	}
	if got := c.Backup.copyAccounts(); !reflect.DeepEqual(got, []string{"444455556666"}) {
		t.Errorf("copy accounts %v", got)
	}
}
