package stack_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/acme/platform/change"
	"github.com/acme/platform/internal/offline"
	"github.com/acme/platform/internal/sim"
	"github.com/acme/platform/review"
	"github.com/acme/platform/stack"
)

// These tests read the registered graph of every stack file in the
// repository (the stacks, the migration stages, the restore drill) and
// prove the data-protection facts of issue 18 directly, the way a scanner
// would read the plan: every store, secret, Performance Insights and log
// group on a key the stack owns or names; every key rotated, with a policy
// that names who uses it; every Aurora cluster in the backup plan; copies to
// the configured vaults; a lock wherever production keeps a vault.

const (
	tKey       = "aws:kms/key:Key"
	tAlias     = "aws:kms/alias:Alias"
	tCluster   = "aws:rds/cluster:Cluster"
	tInstance  = "aws:rds/clusterInstance:ClusterInstance"
	tSecret    = "aws:secretsmanager/secret:Secret"
	tVault     = "aws:backup/vault:Vault"
	tLock      = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
	tPlan      = "aws:backup/plan:Plan"
	tSelection = "aws:backup/selection:Selection"
	tProvider  = "pulumi:providers:aws"
	tDBSubnets = "aws:rds/subnetGroup:SubnetGroup"
)

// keyOf returns the KMS key resource an input of r refers to (by the
// engine's dependency record), or the literal ARN when it names one.
func keyOf(g *sim.Graph, r sim.Resource, prop string) (key sim.Resource, literal string, ok bool) {
	for _, u := range r.PropertyDependencies[prop] {
		if k, found := g.Get(u); found && k.Type == tKey {
			return k, "", true
		}
	}
	if s, _ := r.Inputs[prop].(string); strings.HasPrefix(s, "arn:") && strings.Contains(s, ":kms:") {
		return sim.Resource{}, s, true
	}
	return sim.Resource{}, "", false
}

// aliasOf is the alias name pointing at a key, "" when none does.
func aliasOf(g *sim.Graph, key sim.Resource) string {
	for _, a := range g.OfType(tAlias) {
		for _, u := range a.PropertyDependencies["targetKeyId"] {
			if u == key.URN {
				return str(a, "name")
			}
		}
	}
	return ""
}

func TestData_EveryStoreSecretInsightsAndLogGroupUsesAKeyTheStackOwnsOrNames(t *testing.T) {
	checked := map[string]int{}
	for path, res := range everyStack(t) {
		g, cfg := res.Graph, res.Platform.Design.Config
		if cfg.ImportOnly() {
			continue // keys as found; the next stage names them
		}
		named := map[string]bool{}
		for _, arn := range cfg.DataProtection.Keys.Existing {
			named[arn] = true
		}
		kept := func(r sim.Resource) bool {
			for _, n := range cfg.DataProtection.Keys.Keep {
				if base := cfg.Name + "-" + n; r.Name == base || strings.HasPrefix(r.Name, base+"-") && r.Type == tInstance {
					return true
				}
			}
			return false
		}
		want := func(r sim.Resource, prop, class string) {
			t.Helper()
			if kept(r) {
				return // keeps the key it was created with, by name in the config
			}
			checked[r.Type]++
			key, literal, ok := keyOf(g, r, prop)
			switch {
			case !ok:
				t.Errorf("%s: %s %s: %s is not a key the stack owns or names (AWS's managed key)", path, r.Type, r.Name, prop)
			case literal != "" && !named[literal]:
				t.Errorf("%s: %s %s: %s is %s, which platform:dataProtection.keys.existing does not name", path, r.Type, r.Name, prop, literal)
			case literal == "" && class != "" && !named[literal]:
				if a := aliasOf(g, key); !strings.HasSuffix(a, "/"+class) {
					t.Errorf("%s: %s %s: %s is key %s (alias %q), not the stack's %s key", path, r.Type, r.Name, prop, key.Name, a, class)
				}
			}
		}
		for _, c := range g.OfType(tCluster) {
			if c.Inputs["storageEncrypted"] != true {
				t.Errorf("%s: %s is not encrypted", path, c.Name)
			}
			want(c, "kmsKeyId", "database")
			want(c, "masterUserSecretKmsKeyId", "secrets")
		}
		for _, i := range g.OfType(tInstance) {
			if i.Inputs["performanceInsightsEnabled"] == true {
				want(i, "performanceInsightsKmsKeyId", "database")
			}
		}
		for _, rg := range g.OfType(tRG) {
			if rg.ImportID != "" {
				// An adopted group keeps the key it was created with: AWS fixes
				// it at creation (the plan says so).
				continue
			}
			want(rg, "kmsKeyId", "cache")
		}
		for _, s := range g.OfType(tSecret) {
			want(s, "kmsKeyId", "secrets")
		}
		for _, lg := range g.OfType(tLogGroup) {
			want(lg, "kmsKeyId", "") // the logs key, the session key or the flow logs' own
		}
		for _, v := range g.OfType(tVault) {
			want(v, "kmsKeyArn", "")
		}
	}
	for _, typ := range []string{tCluster, tInstance, tRG, tSecret, tLogGroup, tVault} {
		if checked[typ] == 0 {
			t.Errorf("no %s in any stack file: nothing was checked", typ)
		}
	}
}

// statement is a key policy statement as the tests read it.
type statement struct {
	Sid       string
	Effect    string
	Principal map[string]any
	Action    any
	Condition map[string]map[string]any
}

func TestData_EveryKeyRotatesAndItsPolicyNamesItsUsers(t *testing.T) {
	keys := 0
	for path, res := range everyStack(t) {
		for _, k := range res.Graph.OfType(tKey) {
			keys++
			if k.Inputs["enableKeyRotation"] != true {
				t.Errorf("%s: key %s does not rotate", path, k.Name)
			}
			if spec, ok := k.Inputs["customerMasterKeySpec"].(string); ok && spec != "SYMMETRIC_DEFAULT" {
				t.Errorf("%s: key %s is %s; rotation exists for symmetric keys only", path, k.Name, spec)
			}
			if w, _ := k.Inputs["deletionWindowInDays"].(float64); w < 7 || w > 30 {
				t.Errorf("%s: key %s deletion window %v outside AWS's 7-30 days", path, k.Name, k.Inputs["deletionWindowInDays"])
			}
			var doc struct{ Statement []statement }
			if err := json.Unmarshal([]byte(str(k, "policy")), &doc); err != nil {
				t.Errorf("%s: key %s policy: %v", path, k.Name, err)
				continue
			}
			account, users := false, 0
			for _, s := range doc.Statement {
				p, _ := s.Principal["AWS"].(string)
				switch {
				case s.Effect == "Allow" && s.Action == "kms:*" && strings.HasSuffix(p, ":root"):
					account = true
				case s.Principal["Service"] != nil:
					users++ // a service principal (CloudWatch Logs)
				case s.Condition["StringEquals"]["kms:ViaService"] != nil || s.Condition["StringNotEquals"]["kms:ViaService"] != nil:
					users++ // a service the key is used through
				case strings.Contains(p, ":role/") || strings.HasSuffix(p, ":root"):
					users++ // a role or a copy destination account
				}
			}
			if !account {
				t.Errorf("%s: key %s has no account statement: IAM policies could not grant its use, and KMS's lockout check would refuse it", path, k.Name)
			}
			if users == 0 {
				t.Errorf("%s: key %s's policy names nobody who uses it", path, k.Name)
			}
		}
	}
	if keys == 0 {
		t.Fatal("no keys in any stack file")
	}
}

// selected returns the clusters (by URN) each selection of g puts in the plan.
func selected(g *sim.Graph) map[string][]string {
	out := map[string][]string{}
	for _, s := range g.OfType(tSelection) {
		for _, u := range s.PropertyDependencies["resources"] {
			out[u] = append(out[u], s.Name)
		}
	}
	return out
}

func TestData_TheBackupSelectionCoversEveryAuroraCluster(t *testing.T) {
	clusters := 0
	for path, res := range everyStack(t) {
		g, cfg := res.Graph, res.Platform.Design.Config
		// An import-only stage creates nothing, backups included: the stage
		// after it does.
		if !cfg.DataProtection.Backup.Enabled || cfg.ImportOnly() {
			continue
		}
		sel := selected(g)
		for _, c := range g.OfType(tCluster) {
			clusters++
			if n := len(sel[c.URN]); n != 1 {
				t.Errorf("%s: cluster %s is in %d backup selections, want 1", path, c.Name, n)
			}
		}
		for _, s := range g.OfType(tSelection) {
			inPlan := false
			for _, u := range s.PropertyDependencies["planId"] {
				if p, ok := g.Get(u); ok && p.Type == tPlan {
					inPlan = true
				}
			}
			if !inPlan {
				t.Errorf("%s: selection %s is in no plan of the stack", path, s.Name)
			}
		}
	}
	if clusters == 0 {
		t.Fatal("no backed-up Aurora cluster in any stack file")
	}
}

// Adding a cluster to a stack adds its selection in the same run and
// replaces nothing: the plan covers it from its first day.
func TestData_AddAClusterAndItIsCovered(t *testing.T) {
	before := run(t, "prod").Graph
	values := prodValuesEdited(t, func(v map[string]string) {
		var w map[string]any
		_ = json.Unmarshal([]byte(v["platform:workloads"]), &w)
		w["reports"] = map[string]any{"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "instances": 2}
		b, _ := json.Marshal(w)
		v["platform:workloads"] = string(b)
	})
	res, err := offline.Run(&stack.File{Path: "prod + reports", Stack: "prod", Values: values})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	reports := mustNamed(t, g, tCluster, "prod-reports")
	if sel := selected(g)[reports.URN]; !slices.Equal(sel, []string{"prod-data-reports"}) {
		t.Errorf("the new cluster is in selections %v, want [prod-data-reports]", sel)
	}
	rep := change.Diff(before, g)
	for _, e := range rep.Of(change.Replaced) {
		t.Errorf("adding a cluster replaces %s %s (%s)", e.Type, e.Name, strings.Join(e.Reasons, "; "))
	}
	added := map[string]bool{}
	for _, n := range rep.Named(change.Added) {
		added[n] = true
	}
	if !added[tSelection+" prod-data-reports"] {
		t.Errorf("the report does not add the new selection: %v", rep.Named(change.Added))
	}
}

// prodValuesEdited returns Pulumi.prod.yaml's values after edit.
func prodValuesEdited(t *testing.T, edit func(map[string]string)) map[string]string {
	t.Helper()
	f, err := stack.ReadFile("../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	edit(f.Values)
	return f.Values
}

// copyDestinations returns, per rule name, the destination vault of each
// copy action: the URN of a vault in the graph, or the literal ARN.
func copyDestinations(g *sim.Graph, plan sim.Resource) map[string][]string {
	vaults := map[string]string{}
	for _, v := range g.OfType(tVault) {
		if arn, _ := v.Outputs["arn"].(string); arn != "" {
			vaults[arn] = v.Name
		}
	}
	out := map[string][]string{}
	rules, _ := plan.Inputs["rules"].([]any)
	for _, r := range rules {
		rm := r.(map[string]any)
		copies, _ := rm["copyActions"].([]any)
		for _, c := range copies {
			dest, _ := c.(map[string]any)["destinationVaultArn"].(string)
			if name, ok := vaults[dest]; ok {
				dest = "vault " + name
			}
			out[rm["ruleName"].(string)] = append(out[rm["ruleName"].(string)], dest)
		}
	}
	return out
}

func TestData_CopyActionsPointAtTheConfiguredVaults(t *testing.T) {
	const acct = "arn:aws:backup:us-east-1:111122223333:backup-vault:central"
	values := prodValuesEdited(t, func(v map[string]string) {
		var dp map[string]any
		_ = json.Unmarshal([]byte(v["platform:dataProtection"]), &dp)
		dp["backup"].(map[string]any)["copies"].(map[string]any)["backup-account"] = map[string]any{"vaultArn": acct, "retentionDays": 90, "rules": []any{"monthly"}}
		b, _ := json.Marshal(dp)
		v["platform:dataProtection"] = string(b)
	})
	res, err := offline.Run(&stack.File{Path: "prod + backup account", Stack: "prod", Values: values})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	plan := mustNamed(t, g, tPlan, "prod-data-plan")
	got := copyDestinations(g, plan)
	const dr = "vault prod-data-dr-us-west-2-vault"
	if !slices.Equal(got["daily"], []string{dr}) || !slices.Equal(got["monthly"], []string{acct, dr}) {
		t.Errorf("copy destinations %v, want daily -> the DR vault, monthly -> the account vault and the DR vault", got)
	}
	// The DR vault is created in the configured region, through its provider.
	prov := mustNamed(t, g, tProvider, "prod-data-dr-us-west-2-provider")
	if str(prov, "region") != "us-west-2" {
		t.Errorf("DR provider region %q", str(prov, "region"))
	}
	// The unedited prod copies every rule to the DR vault only.
	base := copyDestinations(run(t, "prod").Graph, mustNamed(t, run(t, "prod").Graph, tPlan, "prod-data-plan"))
	if !slices.Equal(base["daily"], []string{dr}) || !slices.Equal(base["monthly"], []string{dr}) {
		t.Errorf("prod copy destinations %v", base)
	}
}

func TestData_ProductionLocksEveryVault(t *testing.T) {
	locked := 0
	for path, res := range everyStack(t) {
		g, cfg := res.Graph, res.Platform.Design.Config
		for _, v := range g.OfType(tVault) {
			var lock *sim.Resource
			for _, l := range g.OfType(tLock) {
				for _, u := range l.PropertyDependencies["backupVaultName"] {
					if u == v.URN {
						l := l
						lock = &l
					}
				}
			}
			if cfg.Protect && lock == nil {
				t.Errorf("%s: vault %s has no vault lock in a protected stack", path, v.Name)
			}
			if lock != nil {
				locked++
				want := cfg.DataProtection.Backup.VaultLock
				if lock.Inputs["minRetentionDays"] != float64(want.MinRetentionDays) || lock.Inputs["maxRetentionDays"] != float64(want.MaxRetentionDays) || !lock.Protect {
					t.Errorf("%s: lock of %s: %v (protect %v), want %+v", path, v.Name, lock.Inputs, lock.Protect, *want)
				}
			}
		}
	}
	if locked == 0 {
		t.Fatal("no vault lock in any stack file")
	}
}

// isolatedSubnetsOf returns the tiers of the subnets a cluster's subnet group holds.
func clusterTiers(t *testing.T, g *sim.Graph, c sim.Resource) []string {
	t.Helper()
	tiers := tierOfSubnet(g)
	var out []string
	for _, u := range c.PropertyDependencies["dbSubnetGroupName"] {
		sg, ok := g.Get(u)
		if !ok || sg.Type != tDBSubnets {
			continue
		}
		for _, id := range strList(sg.Inputs["subnetIds"]) {
			out = append(out, tiers[id])
		}
	}
	return out
}

// A restore is a store like any other: in the isolated tier, behind its own
// group with exactly the rules the allow graph gives it.
func TestRestore_TheRestoredClusterIsIsolatedWithTheSameRules(t *testing.T) {
	const point = "arn:aws:rds:us-east-1:111122223333:cluster-snapshot:awsbackup:job-0a1b2c3d-4e5f-6a7b-8c9d-0e1f2a3b4c5d"
	prod := run(t, "prod").Graph
	values := prodValuesEdited(t, func(v map[string]string) {
		var w map[string]any
		_ = json.Unmarshal([]byte(v["platform:workloads"]), &w)
		w["database"].(map[string]any)["restore"] = map[string]any{"recoveryPoint": point}
		b, _ := json.Marshal(w)
		v["platform:workloads"] = string(b)
	})
	res, err := offline.Run(&stack.File{Path: "prod, database restored", Stack: "prod", Values: values})
	if err != nil {
		t.Fatal(err)
	}
	g := res.Graph
	c := mustNamed(t, g, tCluster, "prod-database")
	if str(c, "snapshotIdentifier") != point || c.Inputs["masterUsername"] != nil || c.Inputs["databaseName"] != nil {
		t.Errorf("restored cluster: snapshotIdentifier %v masterUsername %v databaseName %v", c.Inputs["snapshotIdentifier"], c.Inputs["masterUsername"], c.Inputs["databaseName"])
	}
	tiers := clusterTiers(t, g, c)
	if len(tiers) < 2 || slices.ContainsFunc(tiers, func(s string) bool { return s != "isolated" }) {
		t.Errorf("restored cluster's subnets are in tiers %v, want isolated only (2 or more)", tiers)
	}
	if got, want := ingressFrom(t, g, "prod", "database"), ingressFrom(t, prod, "prod", "database"); !slices.Equal(got, want) {
		t.Errorf("restored database ingress %v, want the unrestored one's %v", got, want)
	}
	if k, _, ok := keyOf(g, c, "kmsKeyId"); !ok || aliasOf(g, k) != "alias/prod/database" {
		t.Errorf("restored cluster not re-encrypted with the stack's database key")
	}

	// The drill stack: its restored copy is isolated and admits only the checker.
	drill := everyStack(t)["../examples/restore-drill/Pulumi.restore-drill.yaml"]
	if drill == nil {
		t.Fatal("no examples/restore-drill/Pulumi.restore-drill.yaml")
	}
	dg := drill.Graph
	dc := mustNamed(t, dg, tCluster, "drill-database")
	if str(dc, "snapshotIdentifier") == "" {
		t.Error("the drill's cluster is not a restore")
	}
	if tiers := clusterTiers(t, dg, dc); len(tiers) < 2 || slices.ContainsFunc(tiers, func(s string) bool { return s != "isolated" }) {
		t.Errorf("drill cluster tiers %v", tiers)
	}
	if got := ingressFrom(t, dg, "drill", "database"); !slices.Equal(got, []string{"checker tcp/5432-5432"}) {
		t.Errorf("drill database ingress %v, want only the checker on 5432", got)
	}
}

// The drill is a stack file like any other: it passes every compliance
// control or accepts it with a written reason.
func TestRestoreDrill_PassesOrAcceptsEveryControl(t *testing.T) {
	drill := everyStack(t)["../examples/restore-drill/Pulumi.restore-drill.yaml"]
	if drill == nil {
		t.Fatal("no examples/restore-drill/Pulumi.restore-drill.yaml")
	}
	for _, r := range review.Failed(review.Evaluate(drill.Graph, drill.Platform.Design.Config.Compliance)) {
		t.Errorf("%s %s fails and is not accepted: %v", r.ID, r.Title, r.Findings)
	}
}

// AWS Backup does not cover ElastiCache: every cache of a stack with backups
// has its monthly copy scheduled, through the stack's state machine.
func TestData_EveryCacheHasItsMonthlyCopyScheduled(t *testing.T) {
	caches := 0
	for path, res := range everyStack(t) {
		g, cfg := res.Graph, res.Platform.Design.Config
		if !cfg.DataProtection.Backup.Enabled || !cfg.DataProtection.Backup.CacheCopies || cfg.ImportOnly() {
			continue // (an import-only stage creates no schedule)
		}
		for _, rg := range g.OfType(tRG) {
			caches++
			id := str(rg, "replicationGroupId")
			found := 0
			for _, s := range g.OfType("aws:scheduler/schedule:Schedule") {
				target, _ := s.Inputs["target"].(map[string]any)
				input, _ := target["input"].(string)
				if strings.Contains(input, `"replicationGroupId":"`+id+`"`) {
					found++
					sm := false
					for _, u := range s.PropertyDependencies["target"] {
						if r, ok := g.Get(u); ok && r.Type == "aws:sfn/stateMachine:StateMachine" {
							sm = true
						}
					}
					if !sm {
						t.Errorf("%s: the copy schedule of %s starts no state machine of the stack", path, id)
					}
				}
			}
			if found != 1 {
				t.Errorf("%s: cache %s has %d monthly copy schedules, want 1", path, id, found)
			}
		}
	}
	if caches == 0 {
		t.Fatal("no cache with copies in any stack file")
	}
}
