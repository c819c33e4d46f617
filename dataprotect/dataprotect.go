package dataprotect

import (
	"fmt"
	"regexp"
	"sort"

	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/backup"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/iam"
	"github.com/pulumi/pulumi-aws/sdk/v6/go/aws/kms"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/tags"
)

// component is the tag value of platform:component on everything this package creates.
const component = "dataprotect"

// Args are the inputs of NewDataProtection.
type Args struct {
	Config Config
	// Name is the stack's prefix (platform:name): aliases are alias/<Name>/<class>,
	// the vault <Name>-vault, the plan <Name>-plan.
	Name string
	Env  awsenv.Env
	// Classes are the data classes the stack holds; each gets a key (or uses
	// the existing one the config names).
	Classes []Class
	// Backup asks for the vault, the plan and the copies: the stack has a store
	// AWS Backup covers, and the config has backups enabled.
	Backup bool
	// DefaultTags are the stack's aws:defaultTags, given to the provider of a
	// disaster-recovery region so its resources carry them too.
	DefaultTags map[string]string
	// Protect keeps keys, vaults and vault locks under pulumi protect, and
	// keeps keys (retainOnDelete) when their class leaves the stack, so final
	// snapshots and recovery points stay readable.
	Protect bool
	Tags    map[string]string
}

// DataProtection is a stack's customer-managed keys, one per data class, and
// its AWS Backup vault, lock, plan and copies. Stores join the plan through
// Cover.
type DataProtection struct {
	pulumi.ResourceState

	Keys    map[Class]*kms.Key
	Aliases map[Class]*kms.Alias

	BackupRole  *iam.Role
	Attachments []pulumi.Resource
	Vault       *backup.Vault
	Lock        *backup.VaultLockConfiguration
	Plan        *backup.Plan
	// DR are the vaults this stack keeps in other regions, by copy name.
	DR map[string]*DRVault
	// Selections put one store each into the plan, by store name.
	Selections map[string]*backup.Selection
	// CacheCopies are the monthly snapshot copies of the caches (nil without caches).
	CacheCopies *CacheCopies

	name string
	args Args
	arns map[Class]pulumi.StringOutput
}

// DRVault is a copy destination this stack creates in another region.
type DRVault struct {
	Region   string
	Provider *aws.Provider
	Key      *kms.Key
	Alias    *kms.Alias
	Vault    *backup.Vault
	Lock     *backup.VaultLockConfiguration
}

// KeyAlias is the alias of a class's key: it names the stack and the class,
// which is what a person reads in the console and in CloudTrail.
func KeyAlias(name string, c Class) string { return "alias/" + name + "/" + string(c) }

// DRKeyAlias is the alias of a DR vault's key in its region: it names the
// copy too, so a stack of the same name in that region keeps its own aliases.
func DRKeyAlias(name, copyName string) string { return "alias/" + name + "/backup-" + copyName }

// VaultName is the name of a stack's backup vault (unique per account and region).
func VaultName(name string) string { return name + "-vault" }

// DRVaultName is the name of the vault a copy creates in its region.
func DRVaultName(name, copyName string) string { return name + "-" + copyName + "-vault" }

// PlanName is the name of a stack's backup plan.
func PlanName(name string) string { return name + "-plan" }

// aliasPattern: alias names are alias/ plus letters, digits, '/', '_', '-',
// at most 256 characters, and alias/aws/ is reserved for AWS managed keys.
var aliasPattern = regexp.MustCompile(`^alias/[a-zA-Z0-9/_-]{1,250}$`)

// NewDataProtection registers the keys, then the backup vault, lock, plan and
// copy destinations.
func NewDataProtection(ctx *pulumi.Context, name string, args *Args, opts ...pulumi.ResourceOption) (*DataProtection, error) {
	if args == nil {
		return nil, fmt.Errorf("dataprotect.NewDataProtection(%q): args are required", name)
	}
	env := args.Env
	if env.Region == "" || env.AccountID == "" || env.Partition == "" {
		return nil, fmt.Errorf("dataprotect.NewDataProtection(%q): Env needs region, account and partition", name)
	}
	if args.Name == "" {
		return nil, fmt.Errorf("dataprotect.NewDataProtection(%q): Name (the stack prefix) is required", name)
	}
	for _, c := range args.Classes {
		if !c.Valid() {
			return nil, fmt.Errorf("dataprotect.NewDataProtection(%q): %q is not a data class", name, c)
		}
		if a := KeyAlias(args.Name, c); !aliasPattern.MatchString(a) {
			return nil, fmt.Errorf("dataprotect.NewDataProtection(%q): %q is not a valid KMS alias", name, a)
		}
	}
	if args.Backup && !args.Config.Backup.Enabled {
		return nil, fmt.Errorf("dataprotect.NewDataProtection(%q): Backup is set but the config has backups disabled", name)
	}
	d := &DataProtection{
		Keys: map[Class]*kms.Key{}, Aliases: map[Class]*kms.Alias{}, DR: map[string]*DRVault{},
		Selections: map[string]*backup.Selection{}, name: name, args: *args, arns: map[Class]pulumi.StringOutput{},
	}
	if err := ctx.RegisterComponentResource("platform:dataprotect:DataProtection", name, d, opts...); err != nil {
		return nil, err
	}
	parent := pulumi.Parent(d)
	tg := tags.New(component, args.Tags)

	// The backup role comes first: the database and backup keys name it.
	roleARN := pulumi.StringOutput{}
	if args.Backup {
		trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"backup.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
		var err error
		d.BackupRole, err = iam.NewRole(ctx, name+"-backup-role", &iam.RoleArgs{
			Description:      pulumi.String("AWS Backup takes, copies and restores the recovery points of " + args.Name),
			AssumeRolePolicy: pulumi.String(trust),
			Tags:             tg.Named(name + "-backup-role"),
		}, parent)
		if err != nil {
			return nil, err
		}
		for _, suffix := range []string{"backup", "restores"} {
			policy := map[string]string{"backup": "AWSBackupServiceRolePolicyForBackup", "restores": "AWSBackupServiceRolePolicyForRestores"}[suffix]
			a, err := iam.NewRolePolicyAttachment(ctx, name+"-backup-role-"+suffix, &iam.RolePolicyAttachmentArgs{
				Role:      d.BackupRole.Name,
				PolicyArn: pulumi.String(env.ManagedPolicy("service-role/" + policy)),
			}, parent)
			if err != nil {
				return nil, err
			}
			d.Attachments = append(d.Attachments, a)
		}
		roleARN = d.BackupRole.Arn
	}

	copyAccounts := args.Config.Backup.copyAccounts()
	classes := append([]Class(nil), args.Classes...)
	if args.Backup {
		classes = appendClass(classes, ClassBackup)
	}
	sort.Slice(classes, func(i, j int) bool { return classIndex(classes[i]) < classIndex(classes[j]) })
	for _, c := range classes {
		if arn, ok := args.Config.Keys.Existing[c]; ok {
			d.arns[c] = pulumi.String(arn).ToStringOutput()
			continue
		}
		key, alias, err := d.newKey(ctx, name+"-"+string(c), KeyAlias(args.Name, c), c, env, roleARN, copyAccounts, tg, parent)
		if err != nil {
			return nil, err
		}
		d.Keys[c], d.Aliases[c], d.arns[c] = key, alias, key.Arn
	}

	if args.Backup {
		if err := d.registerBackup(ctx, tg, parent); err != nil {
			return nil, err
		}
	}

	outputs := pulumi.Map{}
	for c, arn := range d.arns {
		outputs[string(c)+"KeyArn"] = arn
	}
	if d.Vault != nil {
		outputs["vaultName"] = d.Vault.Name
	}
	if err := ctx.RegisterResourceOutputs(d, outputs); err != nil {
		return nil, err
	}
	return d, nil
}

func appendClass(cs []Class, c Class) []Class {
	for _, x := range cs {
		if x == c {
			return cs
		}
	}
	return append(cs, c)
}

func classIndex(c Class) int {
	for i, x := range Classes {
		if x == c {
			return i
		}
	}
	return len(Classes)
}

// newKey registers a symmetric key with rotation and its alias. env decides
// the region (a DR vault's key lives in the DR region).
func (d *DataProtection) newKey(ctx *pulumi.Context, lname, aliasName string, c Class, env awsenv.Env, roleARN pulumi.StringOutput,
	copyAccounts []string, tg tags.Set, opts ...pulumi.ResourceOption,
) (*kms.Key, *kms.Alias, error) {
	var policy pulumi.StringInput
	if d.BackupRole != nil && (c == ClassDatabase || c == ClassBackup) {
		policy = roleARN.ApplyT(func(role string) (string, error) {
			return KeyPolicy(c, PolicyArgs{Env: env, BackupRoleARN: role, CopyAccounts: copyAccounts})
		}).(pulumi.StringOutput)
	} else {
		doc, err := KeyPolicy(c, PolicyArgs{Env: env, CopyAccounts: copyAccounts})
		if err != nil {
			return nil, nil, err
		}
		policy = pulumi.String(doc)
	}
	keyOpts := append([]pulumi.ResourceOption{
		pulumi.Protect(d.args.Protect),
		// A class that leaves the stack leaves its final snapshots and
		// recovery points behind, still encrypted with this key.
		pulumi.RetainOnDelete(d.args.Protect),
	}, opts...)
	key, err := kms.NewKey(ctx, lname+"-key", &kms.KeyArgs{
		Description: pulumi.String(fmt.Sprintf("%s: %s (%s)", d.args.Name, ClassDescription(c), env.Region)),
		// Rotation exists for symmetric keys only, so the spec is explicit.
		CustomerMasterKeySpec: pulumi.String("SYMMETRIC_DEFAULT"),
		KeyUsage:              pulumi.String("ENCRYPT_DECRYPT"),
		EnableKeyRotation:     pulumi.Bool(true),
		DeletionWindowInDays:  pulumi.Int(d.args.Config.Keys.DeletionWindowDays),
		Policy:                policy,
		Tags:                  tg.Named(lname, "platform:data-class", string(c)),
	}, keyOpts...)
	if err != nil {
		return nil, nil, err
	}
	alias, err := kms.NewAlias(ctx, lname+"-alias", &kms.AliasArgs{
		Name:        pulumi.String(aliasName),
		TargetKeyId: key.KeyId,
	}, opts...)
	if err != nil {
		return nil, nil, err
	}
	return key, alias, nil
}

// ClassDescription says what a class's key encrypts.
func ClassDescription(c Class) string {
	switch c {
	case ClassDatabase:
		return "Aurora storage, snapshots and Performance Insights"
	case ClassCache:
		return "ElastiCache data at rest and snapshots"
	case ClassSecrets:
		return "Secrets Manager secrets of the data stores"
	case ClassLogs:
		return "CloudWatch log groups of the workloads and stores"
	case ClassBackup:
		return "AWS Backup vault"
	}
	return string(c)
}

// copyAccounts are the accounts of the existing vaults copies go to.
func (b BackupConfig) copyAccounts() []string {
	var out []string
	for _, n := range sortedKeys(b.Copies) {
		if m := vaultARNPattern.FindStringSubmatch(b.Copies[n].VaultArn); m != nil {
			out = append(out, m[3])
		}
	}
	return out
}

func (d *DataProtection) registerBackup(ctx *pulumi.Context, tg tags.Set, parent pulumi.ResourceOption) error {
	a := d.args
	cfg := a.Config.Backup
	protect := pulumi.Protect(a.Protect)
	var err error
	d.Vault, d.Lock, err = newVault(ctx, d.name, VaultName(a.Name), d.arns[ClassBackup], cfg.VaultLock, a.Protect, tg, parent, protect)
	if err != nil {
		return err
	}

	dests := map[string]pulumi.StringInput{}
	for _, cn := range sortedKeys(cfg.Copies) {
		c := cfg.Copies[cn]
		if c.VaultArn != "" {
			dests[cn] = pulumi.String(c.VaultArn)
			continue
		}
		dr, err := d.newDRVault(ctx, cn, c.Region, tg, parent)
		if err != nil {
			return err
		}
		d.DR[cn] = dr
		dests[cn] = dr.Vault.Arn
	}

	var rules backup.PlanRuleArray
	for _, rn := range sortedKeys(cfg.Rules) {
		r := cfg.Rules[rn]
		lc := &backup.PlanRuleLifecycleArgs{DeleteAfter: pulumi.Int(r.RetentionDays)}
		if r.ColdStorageAfterDays > 0 {
			lc.ColdStorageAfter = pulumi.Int(r.ColdStorageAfterDays)
		}
		var copies backup.PlanRuleCopyActionArray
		for _, cn := range sortedKeys(cfg.Copies) {
			if !contains(cfg.copiedRules(cn), rn) {
				continue
			}
			copies = append(copies, &backup.PlanRuleCopyActionArgs{
				DestinationVaultArn: dests[cn],
				Lifecycle:           &backup.PlanRuleCopyActionLifecycleArgs{DeleteAfter: pulumi.Int(cfg.CopyRetention(cn, rn))},
			})
		}
		rules = append(rules, &backup.PlanRuleArgs{
			RuleName:                   pulumi.String(rn),
			TargetVaultName:            d.Vault.Name,
			Schedule:                   pulumi.String(r.Schedule),
			ScheduleExpressionTimezone: pulumi.String(cfg.Timezone),
			StartWindow:                pulumi.Int(r.StartWindowMinutes),
			CompletionWindow:           pulumi.Int(r.CompletionWindowMinutes),
			Lifecycle:                  lc,
			CopyActions:                copies,
			RecoveryPointTags:          pulumi.StringMap{"platform:stack": pulumi.String(a.Name), "platform:rule": pulumi.String(rn)},
		})
	}
	d.Plan, err = backup.NewPlan(ctx, d.name+"-plan", &backup.PlanArgs{
		Name:  pulumi.String(PlanName(a.Name)),
		Rules: rules,
		Tags:  tg.Named(PlanName(a.Name)),
	}, parent)
	return err
}

// CopyRetention is how long a copy keeps the recovery points of a rule.
func (b BackupConfig) CopyRetention(copyName, rule string) int {
	if n := b.Copies[copyName].RetentionDays; n > 0 {
		return n
	}
	return b.Rules[rule].RetentionDays
}

func newVault(ctx *pulumi.Context, lname, vaultName string, keyARN pulumi.StringOutput, lock *VaultLock, protect bool,
	tg tags.Set, opts ...pulumi.ResourceOption,
) (*backup.Vault, *backup.VaultLockConfiguration, error) {
	vault, err := backup.NewVault(ctx, lname+"-vault", &backup.VaultArgs{
		Name:      pulumi.String(vaultName),
		KmsKeyArn: keyARN,
		// A disposable stack's `pulumi destroy` empties its vault; a protected
		// one never does.
		ForceDestroy: pulumi.Bool(!protect),
		Tags:         tg.Named(vaultName),
	}, opts...)
	if err != nil || lock == nil {
		return vault, nil, err
	}
	la := &backup.VaultLockConfigurationArgs{
		BackupVaultName:  vault.Name,
		MinRetentionDays: pulumi.Int(lock.MinRetentionDays),
		MaxRetentionDays: pulumi.Int(lock.MaxRetentionDays),
	}
	if lock.Mode == LockCompliance {
		// Setting a cooling-off period is what makes AWS apply compliance mode.
		la.ChangeableForDays = pulumi.Int(lock.ChangeableForDays)
	}
	l, err := backup.NewVaultLockConfiguration(ctx, lname+"-vault-lock", la, opts...)
	return vault, l, err
}

// newDRVault creates the key, alias, vault and lock of a copy destination in
// another region, through a provider for that region.
func (d *DataProtection) newDRVault(ctx *pulumi.Context, copyName, region string, tg tags.Set, parent pulumi.ResourceOption) (*DRVault, error) {
	a := d.args
	env := awsenv.Env{Region: region, AccountID: a.Env.AccountID, Partition: awsenv.PartitionOf(region)}
	// Named after the region too: a copy moved to another region is then a
	// new vault (and the old one a removal the change report shows), as it is
	// in AWS, where a provider's new region replaces everything it manages.
	lname := d.name + "-" + copyName + "-" + region
	pargs := &aws.ProviderArgs{Region: pulumi.String(region)}
	if len(a.DefaultTags) > 0 {
		pargs.DefaultTags = &aws.ProviderDefaultTagsArgs{Tags: pulumi.ToStringMap(a.DefaultTags)}
	}
	prov, err := aws.NewProvider(ctx, lname+"-provider", pargs, parent)
	if err != nil {
		return nil, err
	}
	in := pulumi.Provider(prov)
	dr := &DRVault{Region: region, Provider: prov}
	var role pulumi.StringOutput
	if d.BackupRole != nil {
		role = d.BackupRole.Arn
	}
	tgr := tg.With("platform:copy", copyName)
	dr.Key, dr.Alias, err = d.newKey(ctx, lname, DRKeyAlias(a.Name, copyName), ClassBackup, env, role, nil, tgr, parent, in)
	if err != nil {
		return nil, err
	}
	dr.Vault, dr.Lock, err = newVault(ctx, lname, DRVaultName(a.Name, copyName), dr.Key.Arn, a.Config.Backup.VaultLock, a.Protect, tgr,
		parent, in, pulumi.Protect(a.Protect))
	return dr, err
}

// KeyARN returns the key of a class: the one created, or the existing key the
// config names. ok is false when the stack has no key for the class.
func (d *DataProtection) KeyARN(c Class) (pulumi.StringOutput, bool) {
	arn, ok := d.arns[c]
	return arn, ok
}

// Cover puts one store into the backup plan: a selection of its own, so a
// store added later adds a selection and replaces nothing.
func (d *DataProtection) Cover(ctx *pulumi.Context, store string, resourceARN pulumi.StringInput) error {
	if d.Plan == nil {
		return fmt.Errorf("dataprotect: %s has no backup plan to put %q in", d.name, store)
	}
	if _, dup := d.Selections[store]; dup {
		return fmt.Errorf("dataprotect: %q is already in the backup plan", store)
	}
	sel, err := backup.NewSelection(ctx, d.name+"-"+store, &backup.SelectionArgs{
		Name:       pulumi.String(d.args.Name + "-" + store),
		PlanId:     d.Plan.ID(),
		IamRoleArn: d.BackupRole.Arn,
		Resources:  pulumi.StringArray{resourceARN},
	},
		pulumi.Parent(d),
		// CreateBackupSelection checks that AWS Backup can use the role (assume
		// it, read the resource's tags); before its policies are attached it fails.
		pulumi.DependsOn(d.Attachments))
	if err != nil {
		return err
	}
	d.Selections[store] = sel
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
