package dataprotect

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/acme/platform/internal/awsenv"
)

// PolicyArgs are the facts a key policy is written against.
type PolicyArgs struct {
	Env awsenv.Env
	// BackupRoleARN is the role AWS Backup assumes to take and copy recovery
	// points ("" when the stack has no backup plan).
	BackupRoleARN string
	// CopyAccounts are the accounts whose vaults receive cross-account copies
	// (from copies[].vaultArn); they need the source key to copy a snapshot.
	CopyAccounts []string
}

// serviceUse is the statement that lets this account's principals use a key
// through one AWS service only, the way AWS's own managed keys are written:
// the service acts with the caller's identity and creates grants for the
// resources it encrypts. Direct use of the key is not allowed by it.
func serviceUse(sid, service string, env awsenv.Env) map[string]any {
	return map[string]any{
		"Sid": sid, "Effect": "Allow",
		"Principal": map[string]any{"AWS": "*"},
		"Action": []string{"kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*",
			"kms:CreateGrant", "kms:ListGrants", "kms:DescribeKey"},
		"Resource": "*",
		"Condition": map[string]any{"StringEquals": map[string]any{
			"kms:CallerAccount": env.AccountID,
			"kms:ViaService":    ServiceEndpoint(service, env.Region),
		}},
	}
}

// ServiceEndpoint is the kms:ViaService value of a service in a region.
func ServiceEndpoint(service, region string) string { return service + "." + region + ".amazonaws.com" }

// backupRoleUse names the backup role: it copies snapshots encrypted with the
// key (to the DR region or another account) and writes recovery points.
func backupRoleUse(roleARN string) []any {
	return []any{
		map[string]any{
			"Sid": "BackupRoleUsesKey", "Effect": "Allow",
			"Principal": map[string]any{"AWS": roleARN},
			"Action":    []string{"kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"},
			"Resource":  "*",
		},
		map[string]any{
			"Sid": "BackupRoleGrantsToServices", "Effect": "Allow",
			"Principal": map[string]any{"AWS": roleARN},
			"Action":    "kms:CreateGrant",
			"Resource":  "*",
			"Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": true}},
		},
	}
}

// copyDestinations lets the accounts receiving cross-account copies read the
// key: AWS Backup in the destination account copies a snapshot it can
// decrypt, which an AWS-managed key never allows.
func copyDestinations(env awsenv.Env, accounts []string) []any {
	var roots []string
	seen := map[string]bool{}
	for _, a := range accounts {
		if a != "" && a != env.AccountID && !seen[a] {
			seen[a] = true
			roots = append(roots, "arn:"+env.Partition+":iam::"+a+":root")
		}
	}
	if len(roots) == 0 {
		return nil
	}
	sort.Strings(roots)
	var principal any = roots
	if len(roots) == 1 {
		principal = roots[0]
	}
	return []any{
		map[string]any{
			"Sid": "CopyDestinationAccountsReadKey", "Effect": "Allow",
			"Principal": map[string]any{"AWS": principal},
			"Action":    []string{"kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKey*"},
			"Resource":  "*",
		},
		map[string]any{
			"Sid": "CopyDestinationAccountsGrantToServices", "Effect": "Allow",
			"Principal": map[string]any{"AWS": principal},
			"Action":    "kms:CreateGrant",
			"Resource":  "*",
			"Condition": map[string]any{"Bool": map[string]any{"kms:GrantIsForAWSResource": true}},
		},
	}
}

// KeyStatements returns the key policy statements of a class. Every policy
// starts with the account statement: it is what lets IAM policies grant use
// of the key (a consumer's kms:Decrypt through Secrets Manager, a deploy
// role's grants) and what KMS's lockout check requires, since without it a
// policy mistake leaves the key unmanageable.
func KeyStatements(class Class, a PolicyArgs) ([]any, error) {
	env := a.Env
	if env.AccountID == "" || env.Region == "" || env.Partition == "" {
		return nil, fmt.Errorf("dataprotect: a key policy needs the account, region and partition")
	}
	st := []any{env.KeyAdminStatement()}
	switch class {
	case ClassDatabase:
		// Aurora storage, its snapshots and Performance Insights: RDS uses the
		// key through grants it creates with the caller's identity.
		st = append(st, serviceUse("AccountUsesKeyThroughRDS", "rds", env))
		if a.BackupRoleARN != "" {
			st = append(st, backupRoleUse(a.BackupRoleARN)...)
		}
		st = append(st, copyDestinations(env, a.CopyAccounts)...)
	case ClassCache:
		st = append(st, serviceUse("AccountUsesKeyThroughElastiCache", "elasticache", env))
	case ClassSecrets:
		// No allow beyond the account statement: a workload reads a secret only
		// when its IAM policy grants kms:Decrypt (through Secrets Manager) on
		// this key. And nobody, administrators included, decrypts with it
		// outside Secrets Manager.
		st = append(st, map[string]any{
			"Sid": "UseOnlyThroughSecretsManager", "Effect": "Deny",
			"Principal": map[string]any{"AWS": "*"},
			"Action":    []string{"kms:Decrypt", "kms:Encrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*"},
			"Resource":  "*",
			"Condition": map[string]any{"StringNotEquals": map[string]any{
				"kms:ViaService": ServiceEndpoint("secretsmanager", env.Region),
			}},
		})
	case ClassLogs:
		st = append(st, env.LogsKeyStatement())
	case ClassBackup:
		st = append(st, serviceUse("AccountUsesKeyThroughBackup", "backup", env))
		if a.BackupRoleARN != "" {
			st = append(st, backupRoleUse(a.BackupRoleARN)...)
		}
		st = append(st, copyDestinations(env, a.CopyAccounts)...)
	default:
		return nil, fmt.Errorf("dataprotect: no key policy for class %q", class)
	}
	return st, nil
}

// KeyPolicy renders KeyStatements as a policy document.
func KeyPolicy(class Class, a PolicyArgs) (string, error) {
	st, err := KeyStatements(class, a)
	if err != nil {
		return "", err
	}
	b, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": st})
	return string(b), err
}

// KeyUsers says, one sentence per statement of the class's key policy, who
// may use the key and how: the key policy read back in words, for the docs.
// backupRole names the backup role as the reader should see it.
func KeyUsers(class Class, env awsenv.Env, backupRole string, copyAccounts []string) ([]string, error) {
	st, err := KeyStatements(class, PolicyArgs{Env: env, BackupRoleARN: backupRole, CopyAccounts: copyAccounts})
	if err != nil {
		return nil, err
	}
	var out []string
	for _, s := range st {
		m := s.(map[string]any)
		sid, _ := m["Sid"].(string)
		switch sid {
		case "AccountAdministers":
			out = append(out, "the account's IAM policies: administrators and the deploy role manage it, and a workload uses it only where its own IAM policy grants it (the account statement, which KMS's lockout check also requires)")
		case "AccountUsesKeyThroughRDS", "AccountUsesKeyThroughElastiCache", "AccountUsesKeyThroughBackup":
			svc := m["Condition"].(map[string]any)["StringEquals"].(map[string]any)["kms:ViaService"]
			out = append(out, fmt.Sprintf("principals of account %s, only through %s (kms:ViaService): the service encrypts with it for them and holds grants for the resources it encrypts", env.AccountID, svc))
		case "BackupRoleUsesKey":
			out = append(out, fmt.Sprintf("%s: takes, copies and restores recovery points (grants only for AWS resources)", backupRole))
		case "BackupRoleGrantsToServices", "CopyDestinationAccountsGrantToServices":
			// said with the statement before it
		case "CopyDestinationAccountsReadKey":
			out = append(out, fmt.Sprintf("the accounts copies go to (%s): they read the snapshots they copy", strings.Join(otherAccounts(env, copyAccounts), ", ")))
		case "UseOnlyThroughSecretsManager":
			out = append(out, fmt.Sprintf("nobody outside Secrets Manager: encrypting or decrypting with the key other than through %s is denied to every principal; a workload reads a secret with kms:Decrypt through Secrets Manager, granted by its own IAM policy", m["Condition"].(map[string]any)["StringNotEquals"].(map[string]any)["kms:ViaService"]))
		case "LogsEncryptsThisAccountsGroups":
			out = append(out, fmt.Sprintf("CloudWatch Logs (logs.%s.amazonaws.com), for log groups of account %s only", env.Region, env.AccountID))
		default:
			out = append(out, "statement "+sid)
		}
	}
	return out, nil
}

func otherAccounts(env awsenv.Env, accounts []string) []string {
	var out []string
	for _, a := range accounts {
		if a != env.AccountID && !contains(out, a) {
			out = append(out, a)
		}
	}
	sort.Strings(out)
	return out
}
