package dataprotect

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/acme/platform/internal/awsenv"
)

var env = awsenv.Env{Region: "us-east-1", AccountID: "123456789012", Partition: "aws"}

const roleARN = "arn:aws:iam::123456789012:role/prod-backup"

func statements(t *testing.T, c Class, a PolicyArgs) map[string]map[string]any {
	t.Helper()
	doc, err := KeyPolicy(c, a)
	if err != nil {
		t.Fatal(err)
	}
	var p struct{ Statement []map[string]any }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]any{}
	for _, s := range p.Statement {
		out[s["Sid"].(string)] = s
	}
	return out
}

func TestEveryKeyPolicyLetsTheAccountsIAMPoliciesGovernIt(t *testing.T) {
	for _, c := range Classes {
		st := statements(t, c, PolicyArgs{Env: env, BackupRoleARN: roleARN})
		admin := st["AccountAdministers"]
		if admin == nil || admin["Effect"] != "Allow" || admin["Action"] != "kms:*" ||
			admin["Principal"].(map[string]any)["AWS"] != "arn:aws:iam::123456789012:root" {
			t.Errorf("%s: no account statement (without it IAM grants do nothing and KMS's lockout check refuses the policy): %v", c, st)
		}
	}
}

func TestKeyPolicies_NameTheirServicesAndRoles(t *testing.T) {
	a := PolicyArgs{Env: env, BackupRoleARN: roleARN, CopyAccounts: []string{"444455556666", "123456789012"}}

	db := statements(t, ClassDatabase, a)
	if via := db["AccountUsesKeyThroughRDS"]["Condition"].(map[string]any)["StringEquals"].(map[string]any); via["kms:ViaService"] != "rds.us-east-1.amazonaws.com" || via["kms:CallerAccount"] != "123456789012" {
		t.Errorf("database key: RDS statement %v", via)
	}
	if db["BackupRoleUsesKey"]["Principal"].(map[string]any)["AWS"] != roleARN {
		t.Errorf("database key does not name the backup role: %v", db["BackupRoleUsesKey"])
	}
	// The stack's own account is not a copy destination; the backup account is.
	if got := db["CopyDestinationAccountsReadKey"]["Principal"].(map[string]any)["AWS"]; got != "arn:aws:iam::444455556666:root" {
		t.Errorf("database key copy destinations: %v", got)
	}

	cache := statements(t, ClassCache, a)
	if cache["AccountUsesKeyThroughElastiCache"]["Condition"].(map[string]any)["StringEquals"].(map[string]any)["kms:ViaService"] != "elasticache.us-east-1.amazonaws.com" {
		t.Errorf("cache key: %v", cache)
	}
	if _, ok := cache["BackupRoleUsesKey"]; ok {
		t.Error("the cache key names the backup role, which never touches the cache")
	}

	sec := statements(t, ClassSecrets, a)
	deny := sec["UseOnlyThroughSecretsManager"]
	if deny["Effect"] != "Deny" || deny["Condition"].(map[string]any)["StringNotEquals"].(map[string]any)["kms:ViaService"] != "secretsmanager.us-east-1.amazonaws.com" {
		t.Errorf("secrets key: %v", deny)
	}
	if len(sec) != 2 {
		t.Errorf("secrets key: only the account and the Secrets Manager statements, got %v", sec)
	}

	logs := statements(t, ClassLogs, a)
	if logs["LogsEncryptsThisAccountsGroups"]["Principal"].(map[string]any)["Service"] != "logs.us-east-1.amazonaws.com" {
		t.Errorf("logs key: %v", logs)
	}

	bk := statements(t, ClassBackup, a)
	for _, sid := range []string{"AccountUsesKeyThroughBackup", "BackupRoleUsesKey", "BackupRoleGrantsToServices", "CopyDestinationAccountsReadKey"} {
		if _, ok := bk[sid]; !ok {
			t.Errorf("backup key lacks %s", sid)
		}
	}
	if g := bk["BackupRoleGrantsToServices"]["Condition"].(map[string]any)["Bool"].(map[string]any); g["kms:GrantIsForAWSResource"] != true {
		t.Errorf("the backup role may create grants only for AWS resources: %v", g)
	}
}

func TestKeyPolicy_WithoutBackupNoRoleAndNoCopies(t *testing.T) {
	st := statements(t, ClassDatabase, PolicyArgs{Env: env})
	for sid := range st {
		if strings.HasPrefix(sid, "BackupRole") || strings.HasPrefix(sid, "CopyDestination") {
			t.Errorf("%s without a backup role or copy accounts", sid)
		}
	}
}

func TestKeyPolicy_Refusals(t *testing.T) {
	if _, err := KeyPolicy("disk", PolicyArgs{Env: env}); err == nil {
		t.Error("unknown class accepted")
	}
	if _, err := KeyPolicy(ClassLogs, PolicyArgs{Env: awsenv.Env{Region: "us-east-1"}}); err == nil {
		t.Error("a policy without the account accepted")
	}
}

// Every statement of every class's policy is said in words, and the words
// name the service, role or account the statement does.
func TestKeyUsers_SayEveryStatement(t *testing.T) {
	for _, c := range Classes {
		users, err := KeyUsers(c, env, "the backup role", []string{"444455556666"})
		if err != nil {
			t.Fatal(err)
		}
		text := strings.Join(users, "\n")
		if strings.Contains(text, "statement ") || !strings.Contains(text, "IAM policies") {
			t.Errorf("%s: %q", c, users)
		}
		for class, want := range map[Class]string{ClassDatabase: "rds.us-east-1.amazonaws.com", ClassCache: "elasticache.us-east-1", ClassSecrets: "nobody outside Secrets Manager",
			ClassLogs: "logs.us-east-1.amazonaws.com", ClassBackup: "444455556666"} {
			if class == c && !strings.Contains(text, want) {
				t.Errorf("%s: %q lacks %q", c, users, want)
			}
		}
	}
}
