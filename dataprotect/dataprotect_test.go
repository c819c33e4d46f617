package dataprotect

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/sim"
)

const (
	tKey       = "aws:kms/key:Key"
	tAlias     = "aws:kms/alias:Alias"
	tVault     = "aws:backup/vault:Vault"
	tLock      = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
	tPlan      = "aws:backup/plan:Plan"
	tSelection = "aws:backup/selection:Selection"
	tRole      = "aws:iam/role:Role"
	tAttach    = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
	tProvider  = "pulumi:providers:aws"
)

var simEnv = awsenv.Env{Region: "us-east-1", AccountID: sim.AccountID, Partition: "aws"}

const prodDoc = `{"backup":{
	"vaultLock":{"mode":"compliance"},
	"copies":{
		"dr":{"region":"us-west-2"},
		"vault-account":{"vaultArn":"arn:aws:backup:us-east-1:444455556666:backup-vault:central","retentionDays":90,"rules":["monthly"]}
	}}}`

// build registers a DataProtection for cfg and covers the named stores.
func build(t *testing.T, cfg Config, protect bool, classes []Class, stores ...string) *sim.Graph {
	t.Helper()
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		d, err := NewDataProtection(ctx, "prod-data", &Args{
			Config: cfg, Name: "prod", Env: simEnv, Classes: classes, Backup: cfg.Backup.Enabled,
			DefaultTags: map[string]string{"stack": "prod"}, Protect: protect,
		})
		if err != nil {
			return err
		}
		for _, s := range stores {
			if err := d.Cover(ctx, s, pulumi.String("arn:aws:rds:us-east-1:123456789012:cluster:"+s)); err != nil {
				return err
			}
		}
		return nil
	}, pulumi.WithMocks("platform", "test", m))
	if err != nil {
		t.Fatalf("program failed: %v", err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func mustNamed(t *testing.T, g *sim.Graph, typ, name string) sim.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		var have []string
		for _, x := range g.OfType(typ) {
			have = append(have, x.Name)
		}
		t.Fatalf("no %s %q; have %v", typ, name, have)
	}
	return r
}

// refersTo reports whether input prop of r depends on the resource target.
func refersTo(r sim.Resource, prop string, target sim.Resource) bool {
	for _, u := range r.PropertyDependencies[prop] {
		if u == target.URN {
			return true
		}
	}
	return false
}

func TestKeys_OnePerClassRotatedAliasedWithTheConfiguredWindow(t *testing.T) {
	cfg := mustParse(t, `{"keys":{"deletionWindowDays":14}}`+"", devCtx)
	g := build(t, cfg, true, []Class{ClassDatabase, ClassCache, ClassSecrets, ClassLogs})
	keys := g.OfType(tKey)
	if len(keys) != 5 {
		t.Fatalf("%d keys, want one per class (database, cache, secrets, logs, backup)", len(keys))
	}
	for _, k := range keys {
		in := k.Inputs
		if in["enableKeyRotation"] != true || in["customerMasterKeySpec"] != "SYMMETRIC_DEFAULT" || in["keyUsage"] != "ENCRYPT_DECRYPT" || in["deletionWindowInDays"] != 14.0 {
			t.Errorf("%s: rotation %v spec %v usage %v window %v", k.Name, in["enableKeyRotation"], in["customerMasterKeySpec"], in["keyUsage"], in["deletionWindowInDays"])
		}
		if !k.Protect || !k.RetainOnDelete {
			t.Errorf("%s: a protected stack protects and retains its keys", k.Name)
		}
		var doc struct{ Statement []map[string]any }
		if err := json.Unmarshal([]byte(in["policy"].(string)), &doc); err != nil || len(doc.Statement) < 2 {
			t.Errorf("%s: policy %v (%v)", k.Name, in["policy"], err)
		}
	}
	var aliases []string
	for _, a := range g.OfType(tAlias) {
		aliases = append(aliases, a.Inputs["name"].(string))
		key := mustNamed(t, g, tKey, strings.TrimSuffix(a.Name, "-alias")+"-key")
		if !refersTo(a, "targetKeyId", key) {
			t.Errorf("%s does not point at %s", a.Name, key.Name)
		}
	}
	sort.Strings(aliases)
	want := []string{"alias/prod/backup", "alias/prod/cache", "alias/prod/database", "alias/prod/logs", "alias/prod/secrets"}
	if strings.Join(aliases, " ") != strings.Join(want, " ") {
		t.Errorf("aliases %v, want %v", aliases, want)
	}
	// The database and backup keys name the backup role; it exists first.
	role := g.OfType(tRole)[0]
	for _, c := range []string{"database", "backup"} {
		k := mustNamed(t, g, tKey, "prod-data-"+c+"-key")
		if !refersTo(k, "policy", role) || !strings.Contains(k.Inputs["policy"].(string), role.Outputs["arn"].(string)) {
			t.Errorf("%s key policy does not name the backup role", c)
		}
	}
}

func TestKeys_AnExistingKeyReplacesTheCreatedOne(t *testing.T) {
	const existing = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	cfg := mustParse(t, `{"keys":{"existing":{"backup":"`+existing+`"}}}`, devCtx)
	g := build(t, cfg, false, []Class{ClassDatabase})
	if _, ok := g.Named(tKey, "prod-data-backup-key"); ok {
		t.Error("a backup key was created although the config names one")
	}
	if v := mustNamed(t, g, tVault, "prod-data-vault"); v.Inputs["kmsKeyArn"] != existing {
		t.Errorf("vault key %v, want the existing key", v.Inputs["kmsKeyArn"])
	}
}

func TestBackup_VaultLockPlanCopiesAndSelections(t *testing.T) {
	cfg := mustParse(t, prodDoc, prodCtx)
	g := build(t, cfg, true, []Class{ClassDatabase}, "database", "reports")

	vault := mustNamed(t, g, tVault, "prod-data-vault")
	bkey := mustNamed(t, g, tKey, "prod-data-backup-key")
	if vault.Inputs["name"] != "prod-vault" || !refersTo(vault, "kmsKeyArn", bkey) || vault.Inputs["forceDestroy"] != false || !vault.Protect {
		t.Errorf("vault: %v protect %v", vault.Inputs, vault.Protect)
	}
	lock := mustNamed(t, g, tLock, "prod-data-vault-lock")
	if lock.Inputs["changeableForDays"] != 3.0 || lock.Inputs["minRetentionDays"] != 35.0 || lock.Inputs["maxRetentionDays"] != 365.0 || !lock.Protect {
		t.Errorf("lock: %v", lock.Inputs)
	}

	dr := mustNamed(t, g, tVault, "prod-data-dr-us-west-2-vault")
	prov := mustNamed(t, g, tProvider, "prod-data-dr-us-west-2-provider")
	if prov.Inputs["region"] != "us-west-2" || dr.Inputs["name"] != "prod-dr-vault" {
		t.Errorf("DR vault %v in provider %v", dr.Inputs, prov.Inputs)
	}
	drKey := mustNamed(t, g, tKey, "prod-data-dr-us-west-2-key")
	if !refersTo(dr, "kmsKeyArn", drKey) || !strings.Contains(drKey.Inputs["policy"].(string), "backup.us-west-2.amazonaws.com") {
		t.Errorf("DR vault key: %v", drKey.Inputs["policy"])
	}
	if a := mustNamed(t, g, tAlias, "prod-data-dr-us-west-2-alias"); a.Inputs["name"] != "alias/prod/backup-dr" {
		t.Errorf("DR alias %v", a.Inputs["name"])
	}
	mustNamed(t, g, tLock, "prod-data-dr-us-west-2-vault-lock")

	plan := mustNamed(t, g, tPlan, "prod-data-plan")
	rules := plan.Inputs["rules"].([]any)
	if len(rules) != 2 {
		t.Fatalf("rules %v", rules)
	}
	daily, monthly := rules[0].(map[string]any), rules[1].(map[string]any)
	if daily["ruleName"] != "daily" || daily["schedule"] != "cron(0 5 ? * * *)" || daily["scheduleExpressionTimezone"] != "Etc/UTC" ||
		daily["lifecycle"].(map[string]any)["deleteAfter"] != 35.0 || daily["startWindow"] != 60.0 || daily["completionWindow"] != 480.0 {
		t.Errorf("daily rule %v", daily)
	}
	if !refersTo(plan, "rules", vault) || !refersTo(plan, "rules", dr) {
		t.Error("the plan does not target the vault and copy to the DR vault")
	}
	copiesOf := func(r map[string]any) map[string]float64 {
		out := map[string]float64{}
		for _, c := range r["copyActions"].([]any) {
			cm := c.(map[string]any)
			dest, _ := cm["destinationVaultArn"].(string)
			out[dest] = cm["lifecycle"].(map[string]any)["deleteAfter"].(float64)
		}
		return out
	}
	drARN := dr.Outputs["arn"].(string)
	const acct = "arn:aws:backup:us-east-1:444455556666:backup-vault:central"
	if got := copiesOf(daily); len(got) != 1 || got[drARN] != 35 {
		t.Errorf("daily copies %v, want the DR vault for 35 days only", got)
	}
	if got := copiesOf(monthly); len(got) != 2 || got[drARN] != 365 || got[acct] != 90 {
		t.Errorf("monthly copies %v, want DR 365 days and the account vault 90", got)
	}

	role := mustNamed(t, g, tRole, "prod-data-backup-role")
	if !strings.Contains(role.Inputs["assumeRolePolicy"].(string), "backup.amazonaws.com") {
		t.Errorf("role trust %v", role.Inputs["assumeRolePolicy"])
	}
	var policies []string
	for _, a := range g.OfType(tAttach) {
		policies = append(policies, a.Inputs["policyArn"].(string))
	}
	sort.Strings(policies)
	if strings.Join(policies, " ") != "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores" {
		t.Errorf("backup role policies %v", policies)
	}
	// The database key lets the backup account read it (cross-account copies).
	if !strings.Contains(mustNamed(t, g, tKey, "prod-data-database-key").Inputs["policy"].(string), "arn:aws:iam::444455556666:root") {
		t.Error("the database key does not let the copy's account read it")
	}

	sels := g.OfType(tSelection)
	if len(sels) != 2 {
		t.Fatalf("%d selections, want one per covered store", len(sels))
	}
	for _, s := range sels {
		store := strings.TrimPrefix(s.Name, "prod-data-")
		if got := s.Inputs["resources"].([]any); len(got) != 1 || got[0] != "arn:aws:rds:us-east-1:123456789012:cluster:"+store ||
			!refersTo(s, "planId", plan) || !refersTo(s, "iamRoleArn", role) || s.Inputs["name"] != "prod-"+store {
			t.Errorf("selection %s: %v", s.Name, s.Inputs)
		}
		if len(s.Dependencies) == 0 {
			t.Errorf("selection %s does not wait for the role's policies", s.Name)
		}
	}
}

func TestBackup_GovernanceLockHasNoCoolingOffAndDevEmptiesItsVault(t *testing.T) {
	cfg := mustParse(t, `{"backup":{"vaultLock":{"mode":"governance"}}}`, devCtx)
	g := build(t, cfg, false, []Class{ClassDatabase})
	if l := mustNamed(t, g, tLock, "prod-data-vault-lock"); l.Inputs["changeableForDays"] != nil {
		t.Errorf("governance lock with changeableForDays %v (that would make it compliance)", l.Inputs["changeableForDays"])
	}
	if v := mustNamed(t, g, tVault, "prod-data-vault"); v.Inputs["forceDestroy"] != true || v.Protect {
		t.Errorf("dev vault: forceDestroy %v protect %v", v.Inputs["forceDestroy"], v.Protect)
	}
	if len(g.OfType(tProvider)) != 0 {
		t.Error("a provider without a DR copy")
	}
}

func TestBackup_OffMeansNoVaultNoRoleNoBackupKey(t *testing.T) {
	cfg := mustParse(t, `{"backup":{"enabled":false}}`, devCtx)
	g := build(t, cfg, false, []Class{ClassDatabase, ClassSecrets})
	for _, typ := range []string{tVault, tPlan, tRole, tLock} {
		if n := len(g.OfType(typ)); n != 0 {
			t.Errorf("%d %s with backups off", n, typ)
		}
	}
	if len(g.OfType(tKey)) != 2 {
		t.Errorf("keys %d, want database and secrets only", len(g.OfType(tKey)))
	}
}

func TestNewDataProtection_RefusesBadArguments(t *testing.T) {
	cfg := mustParse(t, `{"backup":{"enabled":false}}`, devCtx)
	for name, args := range map[string]*Args{
		"nil":            nil,
		"no account":     {Config: cfg, Name: "prod", Env: awsenv.Env{Region: "us-east-1", Partition: "aws"}},
		"no name":        {Config: cfg, Env: simEnv},
		"unknown class":  {Config: cfg, Name: "prod", Env: simEnv, Classes: []Class{"disk"}},
		"bad alias":      {Config: cfg, Name: "prod stack", Env: simEnv, Classes: []Class{ClassLogs}},
		"backup but off": {Config: cfg, Name: "prod", Env: simEnv, Backup: true},
	} {
		m := sim.NewMonitor("platform", "test", "us-east-1")
		err := pulumi.RunErr(func(ctx *pulumi.Context) error {
			_, err := NewDataProtection(ctx, "x", args)
			return err
		}, pulumi.WithMocks("platform", "test", m))
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

const (
	tStateMachine = "aws:sfn/stateMachine:StateMachine"
	tSchedule     = "aws:scheduler/schedule:Schedule"
	tRolePolicy   = "aws:iam/rolePolicy:RolePolicy"
	tLogGroup     = "aws:cloudwatch/logGroup:LogGroup"
)

// coverCaches registers a DataProtection and the monthly copies of caches.
func coverCaches(t *testing.T, cfg Config, caches map[string]string) (*sim.Graph, error) {
	t.Helper()
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		d, err := NewDataProtection(ctx, "prod-data", &Args{Config: cfg, Name: "prod", Env: simEnv, Classes: []Class{ClassCache, ClassLogs}})
		if err != nil {
			return err
		}
		for _, store := range sortedKeys(caches) {
			if err := d.CoverCache(ctx, store, caches[store], pulumi.String("arn:aws:kms:us-east-1:123456789012:key/logs")); err != nil {
				return err
			}
		}
		return nil
	}, pulumi.WithMocks("platform", "test", m))
	if err != nil {
		return nil, err
	}
	return m.Graph()
}

func TestCacheCopies_AMonthlySnapshotPerCacheKeptTwelveMonths(t *testing.T) {
	cfg := mustParse(t, `{"backup":{"timezone":"Europe/Berlin"}}`, devCtx)
	g, err := coverCaches(t, cfg, map[string]string{"cache": "prod-cache-3489ee", "sessions": "prod-sessions-1a2b3c"})
	if err != nil {
		t.Fatal(err)
	}
	sm := mustNamed(t, g, tStateMachine, "prod-data-cache-copies")
	if sm.Inputs["type"] != "STANDARD" || sm.Inputs["loggingConfiguration"].(map[string]any)["level"] != "ERROR" {
		t.Errorf("state machine: %v", sm.Inputs)
	}
	def := sm.Inputs["definition"].(string)
	for _, want := range []string{"arn:aws:states:::aws-sdk:elasticache:deleteSnapshot", "arn:aws:states:::aws-sdk:elasticache:createSnapshot",
		"States.Format('{}-m{}', $.replicationGroupId, States.ArrayGetItem(States.StringSplit($$.Execution.StartTime, '-'), 1))"} {
		if !strings.Contains(def, want) {
			t.Errorf("definition lacks %s:\n%s", want, def)
		}
	}
	var parsed map[string]any
	if err := json.Unmarshal([]byte(def), &parsed); err != nil || parsed["StartAt"] != "NameTheMonthsSnapshot" {
		t.Errorf("definition: %v %v", err, parsed["StartAt"])
	}
	if lg := mustNamed(t, g, tLogGroup, "prod-data-cache-copies"); lg.Inputs["kmsKeyId"] != "arn:aws:kms:us-east-1:123456789012:key/logs" || lg.Inputs["name"] != "/aws/vendedlogs/states/prod-cache-copies" {
		t.Errorf("log group: %v", lg.Inputs)
	}
	scheds := g.OfType(tSchedule)
	if len(scheds) != 2 {
		t.Fatalf("%d schedules, want one per cache", len(scheds))
	}
	for _, s := range scheds {
		target := s.Inputs["target"].(map[string]any)
		if s.Inputs["scheduleExpression"] != CacheCopySchedule || s.Inputs["scheduleExpressionTimezone"] != "Europe/Berlin" || !refersTo(s, "target", sm) {
			t.Errorf("schedule %s: %v", s.Name, s.Inputs)
		}
		if !strings.Contains(target["input"].(string), `"replicationGroupId":"prod-`) {
			t.Errorf("schedule %s input %v", s.Name, target["input"])
		}
	}
	// The state machine may snapshot only these groups, and delete only their copies.
	pol := mustNamed(t, g, tRolePolicy, "prod-data-cache-copies-cache")
	doc := pol.Inputs["policy"].(string)
	for _, want := range []string{"replicationgroup:prod-cache-3489ee", "snapshot:prod-cache-3489ee-m*", "elasticache:DeleteSnapshot"} {
		if !strings.Contains(doc, want) {
			t.Errorf("policy lacks %s: %s", want, doc)
		}
	}
	if strings.Contains(doc, "prod-sessions") {
		t.Error("one cache's policy names another's snapshots")
	}
	if CacheCopyName("prod-cache-3489ee", 3) != "prod-cache-3489ee-m03" {
		t.Error(CacheCopyName("prod-cache-3489ee", 3))
	}
}

func TestCacheCopies_OffOrTwiceIsRefused(t *testing.T) {
	off := mustParse(t, `{"backup":{"cacheCopies":false}}`, devCtx)
	if _, err := coverCaches(t, off, map[string]string{"cache": "c-1"}); err == nil {
		t.Error("copies scheduled with cacheCopies off")
	}
	cfg := mustParse(t, `{}`, devCtx)
	m := sim.NewMonitor("platform", "test", "us-east-1")
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		d, err := NewDataProtection(ctx, "prod-data", &Args{Config: cfg, Name: "prod", Env: simEnv, Classes: []Class{ClassCache}})
		if err != nil {
			return err
		}
		if err := d.CoverCache(ctx, "cache", "c-1", nil); err != nil {
			return err
		}
		return d.CoverCache(ctx, "cache", "c-1", nil)
	}, pulumi.WithMocks("platform", "test", m))
	if err == nil {
		t.Error("one cache scheduled twice")
	}
}
