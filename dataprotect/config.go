package dataprotect

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

// Class is a kind of data a customer-managed key protects. Each class gets
// its own key, so that a key policy names only what reads that data.
type Class string

// The data classes.
const (
	// ClassDatabase: Aurora storage, its snapshots and Performance Insights.
	ClassDatabase Class = "database"
	// ClassCache: ElastiCache data at rest and its snapshots.
	ClassCache Class = "cache"
	// ClassSecrets: Secrets Manager secrets (Aurora's master password, cache tokens).
	ClassSecrets Class = "secrets"
	// ClassLogs: CloudWatch log groups of the workloads and stores.
	ClassLogs Class = "logs"
	// ClassBackup: the AWS Backup vault (and the DR vault's key in its region).
	ClassBackup Class = "backup"
)

// Classes lists every class in documentation order.
var Classes = []Class{ClassDatabase, ClassCache, ClassSecrets, ClassLogs, ClassBackup}

// Valid reports whether c is one of Classes.
func (c Class) Valid() bool {
	for _, v := range Classes {
		if c == v {
			return true
		}
	}
	return false
}

// UnmarshalText accepts the five class names only.
func (c *Class) UnmarshalText(b []byte) error {
	for _, v := range Classes {
		if string(b) == string(v) {
			*c = v
			return nil
		}
	}
	return fmt.Errorf("%q is not a data class; use database, cache, secrets, logs or backup", string(b))
}

// LockMode is how firmly the vault lock holds.
type LockMode string

const (
	// LockGovernance: recovery points cannot be deleted early, but a principal
	// with backup:DeleteBackupVaultLockConfiguration can remove the lock.
	LockGovernance LockMode = "governance"
	// LockCompliance: after changeableForDays the lock can never be removed or
	// loosened, not even by the account root, until the vault is empty.
	LockCompliance LockMode = "compliance"
)

// UnmarshalText accepts governance or compliance.
func (m *LockMode) UnmarshalText(b []byte) error {
	switch LockMode(b) {
	case LockGovernance, LockCompliance:
		*m = LockMode(b)
		return nil
	}
	return fmt.Errorf("%q is not a vault lock mode; use governance or compliance", string(b))
}

// Config is the stack value `platform:dataProtection`: the customer-managed
// keys of the data classes and the AWS Backup plan of the data stores.
type Config struct {
	Keys   KeysConfig   `json:"keys"`
	Backup BackupConfig `json:"backup"`
}

// KeysConfig configures the per-class keys.
type KeysConfig struct {
	// DeletionWindowDays is how long a deleted key can still be recovered: 7 to
	// 30 (AWS's limits), default 30. Data encrypted with a key whose deletion
	// completes is lost for good.
	DeletionWindowDays int `json:"deletionWindowDays"`
	// Existing maps a class to a key the stack uses instead of creating one: a
	// key ARN in the stack's region (arn:aws:kms:<region>:<account>:key/<id>).
	// Its key policy is not managed here and must allow what the created key's
	// policy allows (see `go run ./cmd/plan`).
	Existing map[Class]string `json:"existing,omitempty"`
	// Keep lists stores (aurora and cache workloads) that keep the keys they
	// were created with - AWS's managed aws/rds or aws/elasticache, say -
	// because AWS replaces a store whose key changes. Their key inputs are
	// left out, so AWS's current keys stand; the stack's keys reach them by
	// the staged path of docs/data-protection.md. Remove a store from the
	// list when it has moved.
	Keep []string `json:"keep,omitempty"`
}

// Keeps reports whether a store keeps the keys it was created with.
func (k KeysConfig) Keeps(store string) bool { return contains(k.Keep, store) }

// BackupConfig configures the AWS Backup vault, plan and copies.
type BackupConfig struct {
	// Enabled defaults to true: every Aurora cluster is in the plan. A stack
	// without stores creates no vault.
	Enabled bool `json:"enabled"`
	// Timezone is the IANA zone the rules' cron expressions are read in;
	// default Etc/UTC (AWS's default).
	Timezone string `json:"timezone"`
	// Rules are the plan's rules by name (1-50 letters, digits, '-', '_', '.').
	// Default: daily (05:00, kept 35 days) and monthly (05:00 on the 1st, kept 365 days).
	Rules map[string]Rule `json:"rules,omitempty"`
	// VaultLock locks the vault (and the DR vault): required in a protected stack.
	VaultLock *VaultLock `json:"vaultLock,omitempty"`
	// Copies send every recovery point (or those of the listed rules) to
	// another vault, by a stable name.
	Copies map[string]Copy `json:"copies,omitempty"`
	// CacheCopies takes a manual snapshot of every cache on the 1st of each
	// month and keeps twelve (AWS Backup does not cover ElastiCache, and its
	// automatic snapshots last 35 days at most and go with the group).
	// Default true.
	CacheCopies bool `json:"cacheCopies"`
}

// Rule is one backup rule: when, how long the recovery point is kept.
type Rule struct {
	// Schedule is an AWS cron expression, e.g. cron(0 5 ? * * *). Required.
	Schedule string `json:"schedule"`
	// RetentionDays keeps each recovery point this long: 1 to 36500. Required.
	RetentionDays int `json:"retentionDays"`
	// ColdStorageAfterDays moves recovery points of resource types that support
	// it to cold storage; retention must then be at least 90 days longer.
	// Aurora recovery points stay warm (AWS Backup ignores it for them).
	ColdStorageAfterDays int `json:"coldStorageAfterDays,omitempty"`
	// StartWindowMinutes: a job that has not started this long after its
	// scheduled time is cancelled; at least 60, default 60.
	StartWindowMinutes int `json:"startWindowMinutes"`
	// CompletionWindowMinutes: a started job running longer is cancelled; at
	// least 60 more than the start window, default 480.
	CompletionWindowMinutes int `json:"completionWindowMinutes"`
}

// VaultLock is an AWS Backup Vault Lock.
type VaultLock struct {
	// Mode is governance or compliance. Required. Compliance cannot be undone
	// once changeableForDays have passed; choose governance when unsure.
	Mode LockMode `json:"mode"`
	// MinRetentionDays: recovery points kept shorter are refused; default the
	// shortest rule retention.
	MinRetentionDays int `json:"minRetentionDays"`
	// MaxRetentionDays: recovery points kept longer are refused; default the
	// longest retention of any rule or copy into a vault this stack creates.
	MaxRetentionDays int `json:"maxRetentionDays"`
	// ChangeableForDays is compliance mode's cooling-off period before the
	// lock becomes immutable: at least 3, default 3. Not for governance mode.
	ChangeableForDays int `json:"changeableForDays,omitempty"`
}

// Copy sends recovery points to another vault.
type Copy struct {
	// Region, for a disaster-recovery copy: the stack creates a vault there,
	// with its own key and the same lock. Not the stack's region.
	Region string `json:"region,omitempty"`
	// VaultArn names an existing vault instead, e.g. in a backup account:
	// arn:aws:backup:<region>:<account>:backup-vault:<name>. That vault's
	// access policy must allow backup:CopyIntoBackupVault from this account.
	VaultArn string `json:"vaultArn,omitempty"`
	// RetentionDays keeps each copy this long; default the source rule's.
	RetentionDays int `json:"retentionDays,omitempty"`
	// Rules limits the copy to these rules; default every rule.
	Rules []string `json:"rules,omitempty"`
}

// Defaults, named so that the docs and the code agree.
const (
	DefaultDeletionWindowDays = 30
	DefaultTimezone           = "Etc/UTC"
	DefaultStartWindow        = 60
	DefaultCompletionWindow   = 480
	DefaultChangeableForDays  = 3
)

// DefaultRules are the rules of a stack that sets none.
func DefaultRules() map[string]Rule {
	return map[string]Rule{
		"daily":   {Schedule: "cron(0 5 ? * * *)", RetentionDays: 35, StartWindowMinutes: DefaultStartWindow, CompletionWindowMinutes: DefaultCompletionWindow},
		"monthly": {Schedule: "cron(0 5 1 * ? *)", RetentionDays: 365, StartWindowMinutes: DefaultStartWindow, CompletionWindowMinutes: DefaultCompletionWindow},
	}
}

// Decode reads the raw `platform:dataProtection` value strictly and fills
// the defaults of absent keys; present keys keep their value for Validate.
// A nil raw value (key not set) yields the defaults.
func Decode(key string, raw any, p *problems.List) Config {
	var c Config
	obj, _ := raw.(map[string]any)
	if raw != nil {
		decode.Into(key, raw, &c, p)
	}
	has := func(path ...string) bool { return present(obj, path...) }
	if !has("keys", "deletionWindowDays") {
		c.Keys.DeletionWindowDays = DefaultDeletionWindowDays
	}
	if !has("backup", "enabled") {
		c.Backup.Enabled = true
	}
	if !has("backup", "cacheCopies") {
		c.Backup.CacheCopies = true
	}
	if !has("backup", "timezone") {
		c.Backup.Timezone = DefaultTimezone
	}
	if !has("backup", "rules") {
		c.Backup.Rules = DefaultRules()
	}
	for n, r := range c.Backup.Rules {
		if !has("backup", "rules", n, "startWindowMinutes") {
			r.StartWindowMinutes = DefaultStartWindow
		}
		if !has("backup", "rules", n, "completionWindowMinutes") {
			r.CompletionWindowMinutes = max(DefaultCompletionWindow, r.StartWindowMinutes+60)
		}
		c.Backup.Rules[n] = r
	}
	if l := c.Backup.VaultLock; l != nil {
		if !has("backup", "vaultLock", "minRetentionDays") {
			l.MinRetentionDays = c.Backup.shortestRetention()
		}
		if !has("backup", "vaultLock", "maxRetentionDays") {
			l.MaxRetentionDays = c.Backup.longestLockedRetention()
		}
		if l.Mode == LockCompliance && !has("backup", "vaultLock", "changeableForDays") {
			l.ChangeableForDays = DefaultChangeableForDays
		}
	}
	return c
}

// present reports whether obj has a value at the nested path.
func present(obj map[string]any, path ...string) bool {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

func (b BackupConfig) shortestRetention() int {
	out := 0
	for _, r := range b.Rules {
		if r.RetentionDays > 0 && (out == 0 || r.RetentionDays < out) {
			out = r.RetentionDays
		}
	}
	return max(out, 1)
}

// longestLockedRetention is the longest retention of anything written to a
// locked vault: the rules, and copies into the DR vault (which gets the lock).
func (b BackupConfig) longestLockedRetention() int {
	out := 1
	for _, r := range b.Rules {
		out = max(out, r.RetentionDays)
	}
	for _, c := range b.Copies {
		if c.Region != "" {
			out = max(out, c.RetentionDays)
		}
	}
	return out
}

// ValidateContext is what Validate needs to know about the rest of the stack.
type ValidateContext struct {
	Region  string
	Protect bool
	// BackupStores reports whether the stack has a store AWS Backup covers
	// (an Aurora cluster): only then is there a vault to lock.
	BackupStores bool
}

var (
	ruleNamePattern = regexp.MustCompile(`^[0-9A-Za-z_.-]{1,50}$`)
	copyNamePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,19}$`)
	regionPattern   = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$`)
	keyARNPattern   = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):kms:([a-z0-9-]+):([0-9]{12}):key/(mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
	vaultARNPattern = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):backup:([a-z0-9-]+):([0-9]{12}):backup-vault:([A-Za-z0-9_-]{2,50})$`)
)

// MaxRetentionDays is AWS Backup's limit on any retention (100 years).
const MaxRetentionDays = 36500

// Validate records every problem under key.
func (c Config) Validate(key string, v ValidateContext, p *problems.List) {
	if d := c.Keys.DeletionWindowDays; d < 7 || d > 30 {
		p.Add(key+".keys.deletionWindowDays", "must be between 7 and 30 days (AWS KMS's limits), got %d", d)
	}
	for _, cl := range sortedKeys(c.Keys.Existing) {
		k := key + ".keys.existing." + string(cl)
		arn := c.Keys.Existing[cl]
		m := keyARNPattern.FindStringSubmatch(arn)
		switch {
		case !cl.Valid():
			p.Add(k, "%q is not a data class; use database, cache, secrets, logs or backup", cl)
		case m == nil:
			p.Add(k, "%q is not a KMS key ARN; write arn:aws:kms:<region>:<account>:key/<key id> (an alias or a bare key id is not enough: the vault and the key policies need the ARN)", arn)
		case v.Region != "" && m[2] != v.Region:
			p.Add(k, "the key is in %s but the stack deploys to %s; KMS keys are regional, so use a key (or a multi-Region replica) in %s", m[2], v.Region, v.Region)
		}
	}
	if c.Backup.Enabled {
		c.Backup.validate(key+".backup", v, p)
	}
}

func (b BackupConfig) validate(key string, v ValidateContext, p *problems.List) {
	loc, err := time.LoadLocation(b.Timezone)
	if b.Timezone == "" || err != nil {
		p.Add(key+".timezone", "%q is not an IANA time zone; use one such as Etc/UTC or Europe/Berlin", b.Timezone)
		loc = time.UTC
	}
	if len(b.Rules) == 0 {
		p.Add(key+".rules", "a backup plan needs at least one rule; leave rules out for the default daily and monthly rules, or set backup.enabled: false")
	}
	for _, n := range sortedKeys(b.Rules) {
		b.Rules[n].validate(key+".rules."+n, n, loc, p)
	}
	if l := b.VaultLock; l != nil {
		l.validate(key+".vaultLock", p)
		// An inconsistent lock is reported by itself; judging the retentions
		// against it would only add noise.
		if l.consistent() {
			for _, n := range sortedKeys(b.Rules) {
				r := b.Rules[n]
				checkLocked(p, key+".rules."+n+".retentionDays", r.RetentionDays, *l, "the vault")
			}
		}
	} else if v.Protect && v.BackupStores {
		p.Add(key+".vaultLock", "a protected stack locks its backup vault so that nobody can delete recovery points early; set vaultLock.mode to governance (removable by a privileged principal) or compliance (immutable after changeableForDays)")
	}
	for _, n := range sortedKeys(b.Copies) {
		b.validateCopy(key+".copies."+n, n, v, p)
	}
}

// checkLocked reports a retention a vault lock would refuse.
func checkLocked(p *problems.List, k string, days int, l VaultLock, vault string) {
	switch {
	case days < 1:
		return // reported as out of range already
	case l.MinRetentionDays > 0 && days < l.MinRetentionDays:
		p.Add(k, "%d days is shorter than the vault lock minimum of %d days: AWS Backup would refuse every job writing to %s; raise the retention or lower vaultLock.minRetentionDays", days, l.MinRetentionDays, vault)
	case l.MaxRetentionDays > 0 && days > l.MaxRetentionDays:
		p.Add(k, "%d days is longer than the vault lock maximum of %d days: AWS Backup would refuse every job writing to %s; lower the retention or raise vaultLock.maxRetentionDays", days, l.MaxRetentionDays, vault)
	}
}

func (r Rule) validate(k, name string, loc *time.Location, p *problems.List) {
	if !ruleNamePattern.MatchString(name) {
		p.Add(k, "rule name %q is not valid; use 1 to 50 letters, digits, hyphens, underscores and periods", name)
	}
	if r.Schedule == "" {
		p.Add(k+".schedule", "required; an AWS cron expression such as cron(0 5 ? * * *) (05:00 every day)")
	} else if s, err := ParseSchedule(r.Schedule); err != nil {
		p.Add(k+".schedule", "%v", err)
	} else if shortest, _, ok := s.Intervals(loc); !ok {
		p.Add(k+".schedule", "%q runs less than twice in 2026-2027; a backup rule must recur", r.Schedule)
	} else if shortest < time.Hour {
		p.Add(k+".schedule", "%q starts a backup %s after the previous one; AWS Backup runs a rule at most once an hour", r.Schedule, HumanDuration(shortest))
	}
	if r.RetentionDays < 1 || r.RetentionDays > MaxRetentionDays {
		p.Add(k+".retentionDays", "must be between 1 and %d days, got %d", MaxRetentionDays, r.RetentionDays)
	}
	if r.ColdStorageAfterDays < 0 {
		p.Add(k+".coldStorageAfterDays", "must be 0 (never) or more, got %d", r.ColdStorageAfterDays)
	} else if r.ColdStorageAfterDays > 0 && r.RetentionDays < r.ColdStorageAfterDays+90 {
		p.Add(k+".retentionDays", "%d days leaves less than 90 days in cold storage after day %d; AWS Backup needs retentionDays >= coldStorageAfterDays + 90 (here %d)", r.RetentionDays, r.ColdStorageAfterDays, r.ColdStorageAfterDays+90)
	}
	if r.StartWindowMinutes < 60 {
		p.Add(k+".startWindowMinutes", "must be at least 60 minutes (AWS Backup refuses less), got %d", r.StartWindowMinutes)
	}
	if r.CompletionWindowMinutes < r.StartWindowMinutes+60 {
		p.Add(k+".completionWindowMinutes", "must be at least 60 minutes longer than the start window (%d), got %d", r.StartWindowMinutes, r.CompletionWindowMinutes)
	}
}

// consistent reports whether the lock's bounds are usable: both in range, min <= max.
func (l VaultLock) consistent() bool {
	return l.MinRetentionDays >= 1 && l.MaxRetentionDays <= MaxRetentionDays && l.MinRetentionDays <= l.MaxRetentionDays
}

func (l VaultLock) validate(k string, p *problems.List) {
	switch l.Mode {
	case LockGovernance:
		if l.ChangeableForDays != 0 {
			p.Add(k+".changeableForDays", "only a compliance lock has a cooling-off period (setting it is what makes AWS apply compliance mode); remove it or set mode: compliance")
		}
	case LockCompliance:
		if l.ChangeableForDays < 3 {
			p.Add(k+".changeableForDays", "must be at least 3 days (AWS's minimum cooling-off before a compliance lock becomes immutable), got %d", l.ChangeableForDays)
		}
	case "":
		p.Add(k+".mode", "required; governance (a privileged principal can remove the lock) or compliance (immutable after changeableForDays); choose governance when unsure")
	}
	if l.MinRetentionDays < 1 || l.MinRetentionDays > MaxRetentionDays {
		p.Add(k+".minRetentionDays", "must be between 1 and %d days, got %d", MaxRetentionDays, l.MinRetentionDays)
	}
	if l.MaxRetentionDays < 1 || l.MaxRetentionDays > MaxRetentionDays {
		p.Add(k+".maxRetentionDays", "must be between 1 and %d days, got %d", MaxRetentionDays, l.MaxRetentionDays)
	} else if l.MinRetentionDays > l.MaxRetentionDays {
		p.Add(k+".maxRetentionDays", "%d is less than minRetentionDays %d", l.MaxRetentionDays, l.MinRetentionDays)
	}
}

func (b BackupConfig) validateCopy(k, name string, v ValidateContext, p *problems.List) {
	c := b.Copies[name]
	if !copyNamePattern.MatchString(name) {
		p.Add(k, "copy name %q is not valid; use 1 to 20 lowercase letters, digits and hyphens, starting with a letter", name)
	}
	switch {
	case c.Region != "" && c.VaultArn != "":
		p.Add(k, "set either region (the stack creates a vault there) or vaultArn (an existing vault), not both")
	case c.Region == "" && c.VaultArn == "":
		p.Add(k, "required: region (a disaster-recovery vault the stack creates) or vaultArn (an existing vault, e.g. in a backup account)")
	case c.Region != "":
		switch {
		case !regionPattern.MatchString(c.Region):
			p.Add(k+".region", "%q is not an AWS region; write one such as us-west-2", c.Region)
		case c.Region == v.Region:
			p.Add(k+".region", "%s is the stack's own region; a disaster-recovery copy must leave the region: pick another one, e.g. us-west-2", c.Region)
		case awsenv.PartitionOf(c.Region) != awsenv.PartitionOf(v.Region):
			p.Add(k+".region", "%s is in another partition than %s; AWS Backup copies only within a partition", c.Region, v.Region)
		}
	default:
		m := vaultARNPattern.FindStringSubmatch(c.VaultArn)
		switch {
		case m == nil:
			p.Add(k+".vaultArn", "%q is not a backup vault ARN; write arn:aws:backup:<region>:<12-digit account>:backup-vault:<name> (2-50 letters, digits, hyphens, underscores)", c.VaultArn)
		case m[1] != awsenv.PartitionOf(v.Region):
			p.Add(k+".vaultArn", "the vault is in partition %s and the stack in %s; AWS Backup copies only within a partition", m[1], awsenv.PartitionOf(v.Region))
		}
	}
	if c.RetentionDays < 0 || c.RetentionDays > MaxRetentionDays {
		p.Add(k+".retentionDays", "must be between 1 and %d days (or left out for the source rule's retention), got %d", MaxRetentionDays, c.RetentionDays)
	}
	for i, r := range c.Rules {
		if _, ok := b.Rules[r]; !ok {
			msg := fmt.Sprintf("%q is not a rule of this plan", r)
			if best := decode.Closest(r, sortedKeys(b.Rules)); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			} else {
				msg += "; rules: " + strings.Join(sortedKeys(b.Rules), ", ")
			}
			p.Add(fmt.Sprintf("%s.rules[%d]", k, i), "%s", msg)
		}
	}
	// The DR vault carries the same lock, so its copies must fit it too (a
	// copy without its own retention keeps the rule's, checked above).
	if l := b.VaultLock; l != nil && l.consistent() && c.Region != "" && c.RetentionDays > 0 {
		checkLocked(p, k+".retentionDays", c.RetentionDays, *l, "the DR vault in "+c.Region)
	}
}

// copiedRules lists the rules whose recovery points a copy receives, sorted.
func (b BackupConfig) copiedRules(copyName string) []string {
	c := b.Copies[copyName]
	if len(c.Rules) == 0 {
		return sortedKeys(b.Rules)
	}
	out := append([]string(nil), c.Rules...)
	sort.Strings(out)
	return out
}

func sortedKeys[K ~string, V any](m map[K]V) []K {
	out := make([]K, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}
