package change

import (
	"errors"
	"strings"
	"testing"

	"github.com/acme/platform/internal/sim"
)

// Scenarios over data protection (issue 18): a store's key is fixed at
// creation, so a key change on an existing store is a replacement, which
// protection refuses with the staged path; the keys of secrets and log
// groups change in place; the backup plan grows without replacing anything.

const (
	tCluster   = "aws:rds/cluster:Cluster"
	tCacheRG   = "aws:elasticache/replicationGroup:ReplicationGroup"
	tSecret    = "aws:secretsmanager/secret:Secret"
	tSelection = "aws:backup/selection:Selection"
)

// A key the stores were created with before the stack had its own (say, one
// the team made by hand); the stack's keys replace it.
const handMadeKey = "arn:aws:kms:us-east-1:111122223333:key/0d9c8b7a-6f5e-4d3c-2b1a-0f9e8d7c6b5a"

func withExistingKeys(t testing.TB, classes ...string) func(map[string]string) {
	return func(v map[string]string) {
		editJSON(t, v, "platform:dataProtection", func(dp map[string]any) {
			keys, _ := dp["keys"].(map[string]any)
			if keys == nil {
				keys = map[string]any{}
				dp["keys"] = keys
			}
			existing := map[string]any{}
			for _, c := range classes {
				existing[c] = handMadeKey
			}
			keys["existing"] = existing
		})
	}
}

// wantRefusedKeyChange checks that the entry replaces the store because of
// its key, is protected, and that the refusal carries the staged path.
func wantRefusedKeyChange(t *testing.T, r *Report, typ, name string) {
	t.Helper()
	var entry Entry
	for _, e := range r.Of(Replaced) {
		if e.Type == typ && e.Name == name {
			entry = e
		}
	}
	if entry.URN == "" {
		t.Fatalf("%s %s is not replaced; replaced: %v", typ, name, r.Named(Replaced))
	}
	if !contains(entry.Forcing, "kmsKeyId") || !entry.Protected {
		t.Errorf("%s %s: forcing %v protected %v, want kmsKeyId and protected", typ, name, entry.Forcing, entry.Protected)
	}
	refused := false
	for _, err := range r.Errors() {
		var pe *ProtectedError
		if errors.As(err, &pe) && pe.Entry.URN == entry.URN {
			refused = true
			if msg := err.Error(); !strings.Contains(msg, "restore") || !strings.Contains(msg, "docs/data-protection.md") {
				t.Errorf("refusal without the staged path: %s", msg)
			}
		}
	}
	if !refused {
		t.Errorf("%s %s: the replacement of a protected store is not refused", typ, name)
	}
}

func TestScenarioKeyChangeOnAnExistingClusterIsARefusedReplacement(t *testing.T) {
	r := scenarioPair(t, withExistingKeys(t, "database", "cache", "secrets", "logs"), func(v map[string]string) {
		editJSON(t, v, "platform:dataProtection", func(dp map[string]any) { delete(dp["keys"].(map[string]any), "existing") })
	})
	wantRefusedKeyChange(t, r, tCluster, "prod-database")
	wantRefusedKeyChange(t, r, tCacheRG, "prod-cache")
	// The keys of secrets and log groups are updated in place; only the
	// groups of the new cluster's exported logs are new, as its identifier is.
	for _, e := range r.Of(Replaced) {
		if strings.HasPrefix(e.Name, "prod-database-log-") {
			continue
		}
		if e.Type == tSecret || e.Type == tLogGrp {
			t.Errorf("%s %s replaced by a key change (%s); AWS re-keys it in place", e.Type, e.Name, strings.Join(e.Reasons, "; "))
		}
	}
	updated := 0
	for _, e := range r.Of(Updated) {
		if (e.Type == tSecret || e.Type == tLogGrp) && contains(e.Props, "kmsKeyId") {
			updated++
		}
	}
	if updated == 0 {
		t.Error("no secret or log group re-keyed in place")
	}
}

// A store created with AWS's managed key (no kmsKeyId: aws/rds) moves to the
// stack's key only by replacement: the report says so and protection refuses.
func TestScenarioAWSManagedKeyToTheStacksKeyIsARefusedReplacement(t *testing.T) {
	after := runProgram(t, prodValues(t))
	before := &sim.Graph{Project: after.Project, Stack: after.Stack, Exports: after.Exports}
	for _, res := range after.Resources {
		if res.Type == tCluster || res.Type == tCacheRG {
			in := map[string]any{}
			for k, v := range res.Inputs {
				in[k] = v
			}
			delete(in, "kmsKeyId")
			res.Inputs = in
			res.PropertyDependencies = withoutProp(res.PropertyDependencies, "kmsKeyId")
		}
		before.Resources = append(before.Resources, res)
	}
	r := Diff(before, after)
	t.Logf("\n%s", r.Text())
	wantRefusedKeyChange(t, r, tCluster, "prod-database")
	wantRefusedKeyChange(t, r, tCacheRG, "prod-cache")
}

func withoutProp(pd map[string][]string, prop string) map[string][]string {
	out := map[string][]string{}
	for k, v := range pd {
		if k != prop {
			out[k] = v
		}
	}
	return out
}

// Changing a rule's retention or schedule, or adding a copy, updates the plan
// in place and replaces no store, vault or selection.
func TestScenarioBackupRuleChangesUpdateThePlanInPlace(t *testing.T) {
	r := scenario(t, func(v map[string]string) {
		editJSON(t, v, "platform:dataProtection", func(dp map[string]any) {
			rules := dp["backup"].(map[string]any)["rules"].(map[string]any)
			rules["daily"].(map[string]any)["retentionDays"] = 60
			rules["weekly"] = map[string]any{"schedule": "cron(0 6 ? * SUN *)", "retentionDays": 90}
		})
	})
	wantNoReplacements(t, r)
	if !contains(entriesOf(r, Updated), "aws:backup/plan:Plan prod-data-plan") {
		t.Errorf("the plan is not updated in place: %v", entriesOf(r, Updated))
	}
}

// Moving the disaster-recovery copy to another region is a new DR vault; the
// old one (protected, holding recovery points) is refused as a removal.
func TestScenarioMovingTheDRCopyToAnotherRegionKeepsTheOldVault(t *testing.T) {
	r := scenario(t, func(v map[string]string) {
		editJSON(t, v, "platform:dataProtection", func(dp map[string]any) {
			dp["backup"].(map[string]any)["copies"].(map[string]any)["dr"] = map[string]any{"region": "us-east-2"}
		})
	})
	refused := false
	for _, err := range r.Errors() {
		var pe *ProtectedError
		if errors.As(err, &pe) && pe.Entry.Type == "aws:backup/vault:Vault" && pe.Entry.Kind == Removed {
			refused = true
		}
	}
	if !refused {
		t.Errorf("removing the us-west-2 DR vault is not refused: %v", r.Named(Removed))
	}
	if !contains(entriesOf(r, Added), "aws:backup/vault:Vault prod-data-dr-us-east-2-vault") {
		t.Errorf("no new DR vault in us-east-2: %v", entriesOf(r, Added))
	}
}

// keys.keep lets a stack adopt its keys without touching stores created with
// AWS's managed keys: their key inputs are left out, so nothing is replaced.
func TestScenarioKeepingTheStoresKeysReplacesNothing(t *testing.T) {
	keep := prodValues(t)
	editJSON(t, keep, "platform:dataProtection", func(dp map[string]any) {
		dp["keys"].(map[string]any)["keep"] = []any{"database", "cache"}
	})
	after := runProgram(t, keep)
	kept := 0
	for _, res := range after.Resources {
		switch res.Type {
		case tCluster, tCacheRG, "aws:rds/clusterInstance:ClusterInstance":
			kept++
			for _, k := range []string{"kmsKeyId", "masterUserSecretKmsKeyId", "performanceInsightsKmsKeyId"} {
				if res.Inputs[k] != nil {
					t.Errorf("%s %s keeps its keys but sets %s", res.Type, res.Name, k)
				}
			}
		}
	}
	if kept == 0 {
		t.Fatal("no store in prod")
	}
	// As deployed before the stack had keys: the stores on AWS's managed keys.
	before := &sim.Graph{Project: after.Project, Stack: after.Stack, Resources: after.Resources}
	r := Diff(before, after)
	wantNoReplacements(t, r)
	// And without keep the same deployment is refused (the stack's keys
	// would replace both stores).
	refused := Diff(before, runProgram(t, prodValues(t)))
	if len(refused.Errors()) < 2 {
		t.Errorf("moving the kept stores to the stack's keys is not refused: %v", refused.Errors())
	}
}

// In a stack without protect, a store's new key is a new store, created
// before the old one goes (Pulumi's default): that works only if the new
// store has another identifier, which the key is part of.
func TestScenarioANewKeyGivesTheReplacementStoreANewIdentifier(t *testing.T) {
	keep := func(v map[string]string) {
		v["platform:protect"] = "false"
		editJSON(t, v, "platform:dataProtection", func(dp map[string]any) {
			keys, _ := dp["keys"].(map[string]any)
			if keys == nil {
				keys = map[string]any{}
				dp["keys"] = keys
			}
			keys["keep"] = []any{"cache", "database"}
		})
		// A dev-like stack: no vault lock is required without protect.
	}
	r := scenarioPair(t, keep, func(v map[string]string) {
		editJSON(t, v, "platform:dataProtection", func(dp map[string]any) { delete(dp["keys"].(map[string]any), "keep") })
	})
	for _, s := range []struct{ typ, name, id string }{
		{tCluster, "prod-database", "clusterIdentifier"},
		{tCacheRG, "prod-cache", "replicationGroupId"},
	} {
		var entry Entry
		for _, e := range r.Of(Replaced) {
			if e.Type == s.typ && e.Name == s.name {
				entry = e
			}
		}
		if entry.URN == "" {
			t.Fatalf("%s is not replaced by its new key; replaced: %v", s.name, r.Named(Replaced))
		}
		if !contains(entry.Forcing, "kmsKeyId") || !contains(entry.Forcing, s.id) {
			t.Errorf("%s: forcing %v; want kmsKeyId and a new %s", s.name, entry.Forcing, s.id)
		}
		if entry.Protected || strings.Contains(entry.Advice, "clusterIdentifier existed") {
			t.Errorf("%s: protected %v, advice %q; want the key's staged path", s.name, entry.Protected, entry.Advice)
		}
	}
}
