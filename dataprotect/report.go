package dataprotect

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a reviewer reads about a stack's data protection: each
// store's keys, the backup rules with their retention, copies and recovery
// point objective, and what protects a store AWS Backup does not cover.
type Report struct {
	Stack  string
	Region string
	// Keys are the stack's data-class keys, in class order.
	Keys []KeyLine
	// DeletionWindowDays is the keys' deletion window.
	DeletionWindowDays int
	// Backup is nil when the stack has no backup plan.
	Backup *BackupLine
	Stores []StoreLine
	// Notes say what is not backed up, and why.
	Notes []string
}

// KeyLine is one class's key.
type KeyLine struct {
	Class Class
	// Alias is the created key's alias; Existing the ARN of a key the config names instead.
	Alias    string
	Existing string
	Encrypts string
}

// Name is how the report refers to the key.
func (k KeyLine) Name() string {
	if k.Existing != "" {
		return k.Existing + " (existing key; its policy is not managed here)"
	}
	return k.Alias
}

// BackupLine is the vault, its lock and the plan's rules.
type BackupLine struct {
	Plan     string
	Vault    string
	VaultKey string
	// Lock describes the vault lock ("" when none).
	Lock     string
	Timezone string
	Rules    []RuleLine
	// Copies are the destinations, by copy name.
	Copies []CopyLine
}

// RuleLine is one rule.
type RuleLine struct {
	Name          string
	Schedule      string
	RetentionDays int
	// RPO is the most data a restore from this rule loses: the longest gap
	// between two runs plus the start window.
	RPO time.Duration
	// Copies are "<copy>: <retention>d".
	Copies []string
}

// CopyLine is one copy destination.
type CopyLine struct {
	Name        string
	Destination string // "vault prod-dr-vault in us-west-2" or the vault ARN
	Rules       []string
}

// StoreLine is one store.
type StoreLine struct {
	Workload   string
	Kind       string // aurora | cache
	Identifier string
	StorageKey string
	SecretKey  string
	// Protection are the sentences saying what protects the store, with RPOs.
	Protection []string
	// Restore says where the store comes from, when it is a restore.
	Restore string
}

// RuleRPO is the recovery point objective a rule gives: the longest gap
// between two runs (over 2026-2027 in the rule's zone) plus the start window.
func RuleRPO(r Rule, timezone string) (time.Duration, error) {
	s, err := ParseSchedule(r.Schedule)
	if err != nil {
		return 0, err
	}
	loc, err := time.LoadLocation(timezone)
	if err != nil {
		return 0, err
	}
	_, longest, ok := s.Intervals(loc)
	if !ok {
		return 0, fmt.Errorf("%s does not recur", r.Schedule)
	}
	return longest + time.Duration(r.StartWindowMinutes)*time.Minute, nil
}

// BackupReport describes the plan of a validated config: vault, lock, rules
// with their RPO, copies; account is the stack's (a copy to another
// account's vault says what that account must allow).
func BackupReport(name, account string, c Config, keyName string) *BackupLine {
	b := c.Backup
	bl := &BackupLine{Plan: PlanName(name), Vault: VaultName(name), VaultKey: keyName, Timezone: b.Timezone}
	if l := b.VaultLock; l != nil {
		bl.Lock = fmt.Sprintf("%s lock, recovery points kept %d to %d days", l.Mode, l.MinRetentionDays, l.MaxRetentionDays)
		if l.Mode == LockCompliance {
			bl.Lock += fmt.Sprintf(", immutable %d days after it is first applied", l.ChangeableForDays)
		}
	}
	for _, rn := range sortedKeys(b.Rules) {
		r := b.Rules[rn]
		rpo, _ := RuleRPO(r, b.Timezone)
		rl := RuleLine{Name: rn, Schedule: r.Schedule, RetentionDays: r.RetentionDays, RPO: rpo}
		for _, cn := range sortedKeys(b.Copies) {
			if contains(b.copiedRules(cn), rn) {
				rl.Copies = append(rl.Copies, fmt.Sprintf("%s %dd", cn, b.CopyRetention(cn, rn)))
			}
		}
		bl.Rules = append(bl.Rules, rl)
	}
	for _, cn := range sortedKeys(b.Copies) {
		c := b.Copies[cn]
		dest := c.VaultArn
		if m := vaultARNPattern.FindStringSubmatch(c.VaultArn); m != nil && m[3] != account {
			dest += fmt.Sprintf(" (account %s: its vault's access policy must allow backup:CopyIntoBackupVault from account %s, both in one AWS Organization with cross-account backup turned on)", m[3], account)
		}
		if c.Region != "" {
			dest = fmt.Sprintf("vault %s in %s (created by this stack, own key %s, same lock)", DRVaultName(name, cn), c.Region, DRKeyAlias(name, cn))
		}
		bl.Copies = append(bl.Copies, CopyLine{Name: cn, Destination: dest, Rules: b.copiedRules(cn)})
	}
	return bl
}

// ShortestRPO is the best recovery point objective of the plan's rules.
func (b *BackupLine) ShortestRPO() time.Duration {
	var best time.Duration
	for _, r := range b.Rules {
		if r.RPO > 0 && (best == 0 || r.RPO < best) {
			best = r.RPO
		}
	}
	return best
}

// Text renders the report for the offline plan.
func (r Report) Text() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Data protection (platform:dataProtection):\n")
	if len(r.Keys) > 0 {
		fmt.Fprintf(&b, "  Keys, one per data class: rotated yearly, %d-day deletion window\n", r.DeletionWindowDays)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    CLASS\tKEY\tENCRYPTS")
		for _, k := range r.Keys {
			fmt.Fprintf(tw, "    %s\t%s\t%s\n", k.Class, k.Name(), k.Encrypts)
		}
		_ = tw.Flush()
	}
	if bk := r.Backup; bk != nil {
		fmt.Fprintf(&b, "  Backup plan %s into vault %s (key %s", bk.Plan, bk.Vault, bk.VaultKey)
		if bk.Lock != "" {
			fmt.Fprintf(&b, "; %s", bk.Lock)
		} else {
			b.WriteString("; no vault lock")
		}
		fmt.Fprintf(&b, "), schedules in %s:\n", bk.Timezone)
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "    RULE\tSCHEDULE\tKEPT\tRPO\tCOPIES (KEPT)")
		for _, rl := range bk.Rules {
			copies := strings.Join(rl.Copies, ", ")
			if copies == "" {
				copies = "-"
			}
			fmt.Fprintf(tw, "    %s\t%s\t%dd\t%s\t%s\n", rl.Name, rl.Schedule, rl.RetentionDays, HumanDuration(rl.RPO), copies)
		}
		_ = tw.Flush()
		for _, c := range bk.Copies {
			fmt.Fprintf(&b, "    copy %s: %s; rules %s\n", c.Name, c.Destination, strings.Join(c.Rules, ", "))
		}
		if len(bk.Copies) == 0 {
			b.WriteString("    no copies: every recovery point stays in this account and region\n")
		}
		b.WriteString("    RPO = the longest gap between two runs of the rule + its start window.\n")
	}
	if len(r.Stores) > 0 {
		b.WriteString("  Stores:\n")
		for _, s := range r.Stores {
			fmt.Fprintf(&b, "    %s (%s %s): storage key %s, secret key %s\n", s.Workload, s.Kind, s.Identifier, s.StorageKey, s.SecretKey)
			if s.Restore != "" {
				fmt.Fprintf(&b, "      restored from %s\n", s.Restore)
			}
			for _, p := range s.Protection {
				fmt.Fprintf(&b, "      - %s\n", p)
			}
		}
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "  Not backed up: %s\n", n)
	}
	return b.String()
}

// Markdown renders the report for docs and pull requests.
func (r Report) Markdown() string {
	var b strings.Builder
	if len(r.Keys) > 0 {
		fmt.Fprintf(&b, "Keys of stack `%s` (%s), one per data class, rotated yearly, deletion window %d days:\n\n", r.Stack, r.Region, r.DeletionWindowDays)
		b.WriteString("| Class | Key | Encrypts |\n|---|---|---|\n")
		for _, k := range r.Keys {
			fmt.Fprintf(&b, "| %s | `%s` | %s |\n", k.Class, k.Name(), k.Encrypts)
		}
		b.WriteString("\n")
	}
	if bk := r.Backup; bk != nil {
		lock := "no vault lock"
		if bk.Lock != "" {
			lock = bk.Lock
		}
		fmt.Fprintf(&b, "Backup plan `%s` writes to vault `%s` (key `%s`; %s). Schedules are in %s; the RPO is the longest gap between two runs plus the start window.\n\n", bk.Plan, bk.Vault, bk.VaultKey, lock, bk.Timezone)
		b.WriteString("| Rule | Schedule | Kept | RPO | Copies (kept) |\n|---|---|---:|---:|---|\n")
		for _, rl := range bk.Rules {
			copies := strings.Join(rl.Copies, ", ")
			if copies == "" {
				copies = "-"
			}
			fmt.Fprintf(&b, "| %s | `%s` | %d days | %s | %s |\n", rl.Name, rl.Schedule, rl.RetentionDays, HumanDuration(rl.RPO), copies)
		}
		b.WriteString("\n")
		for _, c := range bk.Copies {
			fmt.Fprintf(&b, "- Copy `%s`: %s; rules %s.\n", c.Name, c.Destination, strings.Join(c.Rules, ", "))
		}
		if len(bk.Copies) > 0 {
			b.WriteString("\n")
		}
	}
	if len(r.Stores) > 0 {
		b.WriteString("| Store | Kind | Identifier | Storage key | Secret key | Protected by |\n|---|---|---|---|---|---|\n")
		for _, s := range r.Stores {
			prot := strings.Join(s.Protection, "; ")
			if s.Restore != "" {
				prot = "restored from `" + s.Restore + "`; " + prot
			}
			fmt.Fprintf(&b, "| %s | %s | `%s` | `%s` | `%s` | %s |\n", s.Workload, s.Kind, s.Identifier, s.StorageKey, s.SecretKey, prot)
		}
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n")
		for _, n := range r.Notes {
			fmt.Fprintf(&b, "Not backed up: %s.\n", n)
		}
	}
	return b.String()
}
