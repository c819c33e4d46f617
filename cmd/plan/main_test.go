package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

func TestPlan_PrintsTreeSubnetsAndCountsForEveryStack(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"--stack", stack, "--dir", "../.."}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for _, want := range []string{
				"Resources by component:",
				"platform:network:Vpc",
				stack + "-vpc  aws:ec2/vpc:Vpc",
				"Subnets (VPC ",
				"private   us-east-1a    ",
				"Resources by type:",
				"total cloud resources",
				"Notes (the account's facts are simulated offline):",
				"zones: us-east-1a is use1-az",
			} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

func TestPlan_BadStackFileFailsWithEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := `config:
  aws:region: us-east-1
  aws:defaultTags:
    tags: {project: platform, stack: broken, owner: sre}
  platform:network:
    cidr: 10.0.0.0/33
    azCount: 9
    nat: sometimes
    tiers: {private: {prefixLength: 20}}
`
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.broken.yaml"), []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := run([]string{"--stack", "broken", "--dir", dir}, &out, &errb)
	if code == 0 {
		t.Fatal("a bad stack file must fail")
	}
	for _, want := range []string{
		`platform:network.cidr: "10.0.0.0/33" is not a CIDR`,
		`platform:network.azCount: 9 is out of range`,
		`platform:network.nat: "sometimes" is not a NAT mode`,
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	if out.Len() != 0 {
		t.Errorf("nothing should be planned, got:\n%s", out.String())
	}
}

func TestPlan_MissingStackFile(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "nope", "--dir", t.TempDir()}, &out, &errb); code == 0 || !strings.Contains(errb.String(), "Pulumi.nope.yaml") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

// writeStack copies the prod stack file into dir under the same stack name,
// with edits applied, so it can serve as "the older config".
func writeStack(t *testing.T, dir string, edit func(string) string) string {
	t.Helper()
	b, err := os.ReadFile("../../Pulumi.prod.yaml")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "Pulumi.prod.yaml")
	if err := os.WriteFile(path, []byte(edit(string(b))), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestPlan_AgainstAnOlderConfigListsOnlyAdditionsForANewZone(t *testing.T) {
	older := writeStack(t, t.TempDir(), func(s string) string { return strings.Replace(s, "azCount: 3", "azCount: 2", 1) })
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "prod", "--dir", "../..", "--against", older}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "0 to replace") || !strings.Contains(out.String(), "+ create   aws:ec2/subnet:Subnet") || !strings.Contains(out.String(), "prod-private-us-east-1c") {
		t.Errorf("report:\n%s", out.String())
	}
}

func TestPlan_AgainstRefusesReplacingProtectedResources(t *testing.T) {
	older := writeStack(t, t.TempDir(), func(s string) string { return strings.Replace(s, "cidr: 10.0.0.0/16", "cidr: 10.4.0.0/16", 1) })
	var out, errb bytes.Buffer
	code := run([]string{"--stack", "prod", "--dir", "../..", "--against", older}, &out, &errb)
	if code != 3 || !strings.Contains(errb.String(), "refused:") || !strings.Contains(out.String(), "replace") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
}

func TestPlan_AgainstASavedGraph(t *testing.T) {
	saved := filepath.Join(t.TempDir(), "prod-graph.json")
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "prod", "--dir", "../..", "--save-graph", saved}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	out.Reset()
	if code := run([]string{"--stack", "prod", "--dir", "../..", "--against", saved}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "0 to replace, 0 to create, 0 to delete, 0 to update") {
		t.Errorf("the same config against its own saved graph must change nothing:\n%s", out.String())
	}
}

func TestPlan_PrintsComplianceCostAndCriticalPathForEveryStack(t *testing.T) {
	for _, stack := range []string{"prod", "dev"} {
		t.Run(stack, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run([]string{"--stack", stack, "--dir", "../..", "--strict"}, &out, &errb); code != 0 {
				t.Fatalf("exit %d: %s", code, errb.String())
			}
			for _, want := range []string{"Compliance (", "EC2.2 ", "accepted", "Monthly fixed cost", "NAT gateways", "NAT line by mode", "Deploy critical path", "Longest chain"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("output lacks %q", want)
				}
			}
		})
	}
}

// A stack that stops accepting a control it fails is refused under --strict.
func TestPlan_StrictFailsOnAnUnacceptedControl(t *testing.T) {
	dir := t.TempDir()
	writeStack(t, dir, func(s string) string {
		return strings.Replace(s, "      ECS.5: ", "      # ECS.5: ", 1)
	})
	var out, errb bytes.Buffer
	code := run([]string{"--stack", "prod", "--dir", dir, "--strict"}, &out, &errb)
	if code != 4 || !strings.Contains(errb.String(), "ECS.5") {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
}

func TestPlan_WarnsAboutADevLoadBalancerWithoutCertificate(t *testing.T) {
	// Dev without its dns block has no certificate and serves plain HTTP.
	b, err := os.ReadFile("../../Pulumi.dev.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dev := string(b)
	i := strings.Index(dev, "      dns:\n")
	j := strings.Index(dev, "        createCertificate: true\n") + len("        createCertificate: true\n")
	if i < 0 || j < i {
		t.Fatal("Pulumi.dev.yaml has no dns block with createCertificate")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "Pulumi.dev.yaml"), []byte(dev[:i]+dev[j:]), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "dev", "--dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "edge: no certificateArn, so the load balancer serves plain HTTP") {
		t.Errorf("no warning about plain HTTP in dev without a certificate")
	}
	out.Reset()
	run([]string{"--stack", "dev", "--dir", "../.."}, &out, &errb)
	if strings.Contains(out.String(), "plain HTTP") {
		t.Errorf("dev answers on its own HTTPS name; no plain-HTTP warning expected")
	}
	out.Reset()
	run([]string{"--stack", "prod", "--dir", "../.."}, &out, &errb)
	// Prod's warnings are its idle NAT gateways (no workload has
	// internetEgress) and its Lambda reservation a new account cannot grant:
	// nothing about certificates.
	_, warnings, _ := strings.Cut(out.String(), "Warnings:\n")
	warnings, _, _ = strings.Cut(warnings, "\n\n")
	if strings.Count(warnings, "\n  - ") != 1 || !strings.Contains(warnings, "platform:workloads.thumbnails.reservedConcurrency: the Lambda functions take 20 concurrent executions") || !strings.Contains(warnings, "platform:network.nat is perAz, but no workload has internetEgress: the 3 NAT gateway(s) carry no workload traffic and cost $109.50 a month") ||
		!strings.Contains(warnings, "nat: none keeps every path working and saves $109.50 a month") {
		t.Errorf("prod warnings:\n%s", warnings)
	}
}

// The plan simulates the account the stack file is pinned to, or the one
// --account names; every ARN in the file is checked against it.
func TestPlan_SimulatesTheStacksOwnAccount(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "prod", "--dir", "../.."}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "account 111122223333 simulated, from aws:allowedAccountIds") {
		t.Errorf("header: %s", strings.SplitN(out.String(), "\n", 2)[0])
	}
	out.Reset()
	errb.Reset()
	// Another account than the one the file allows: refused, as the provider would.
	if code := run([]string{"--stack", "prod", "--dir", "../..", "--account", "444455556666"}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "aws:allowedAccountIds: the credentials are for account 444455556666, which is not listed (111122223333)") {
		t.Errorf("exit %d, stderr %s", code, errb.String())
	}
	for _, bad := range []string{"12345678901", "1234567890123", "abc"} {
		errb.Reset()
		if code := run([]string{"--stack", "prod", "--dir", "../..", "--account", bad}, &out, &errb); code != 2 {
			t.Errorf("--account %s: exit %d", bad, code)
		}
	}
}

// Every pending change of a data store says whether it applies now or waits
// for the maintenance window.
func TestPlan_AgainstSaysWhenDataStoreChangesApply(t *testing.T) {
	older := writeStack(t, t.TempDir(), func(s string) string {
		return strings.Replace(s, "instanceClass: db.r6g.large", "instanceClass: db.r6g.xlarge", 1)
	})
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "prod", "--dir", "../..", "--against", older}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	n := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if strings.Contains(line, "aws:rds/clusterInstance:ClusterInstance") {
			n++
			if !strings.Contains(line, "[applies now (applyImmediately)]") {
				t.Errorf("no timing: %s", line)
			}
		}
	}
	if n == 0 {
		t.Errorf("no instance change listed:\n%s", out.String())
	}
}

// The on-call view of a stack: scaling ranges, schedules, triggers and every
// alarm with its threshold, where it pages and where to change it.
func TestPlan_ShowsScalingSchedulesAndAlarms(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "prod", "--dir", "../.."}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"Operations:",
		"web (ec2)          instances 3 to 6: CPU 50%, 1000 requests per target per minute",
		"api (ecs)          tasks 3 to 12: CPU 50%, memory 75%",
		"database (aurora)  readers 2 to 4: reader CPU 70%",
		"schedule cron(0 2 * * ? *) America/New_York, on time: submits a job of prod-nightly; 3 retries within 3600s, then the queue prod-nightly-schedule-dlq",
		"trigger uploads: s3://acme-uploads-111122223333/uploads/* on s3:ObjectCreated:*",
		"to the KMS-encrypted topic prod-alarms, paging email oncall@example.com",
		"prod-edge-elb-5xx-rate", "load balancer 5xx rate > 1%", "platform:alarms.thresholds.edge.elb5xxRate",
		"prod-database-writer-memory-low", "writer freeable memory < 1638 MiB",
		"prod-nat-us-east-1c-port-allocation-errors",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(out.String(), "Never invoked") {
		t.Error("prod's lambda and batch workloads are all invoked")
	}
}

// A lambda nothing invokes deploys and never runs: the plan says so.
func TestPlan_WarnsAboutAWorkloadNeverInvoked(t *testing.T) {
	dir := t.TempDir()
	writeStack(t, dir, func(s string) string {
		i := strings.Index(s, "      triggers:\n        uploads:\n")
		j := strings.Index(s[i:], "prefix: uploads/\n") + len("prefix: uploads/\n")
		return s[:i] + s[i+j:]
	})
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "prod", "--dir", dir}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{"Never invoked (no schedule, trigger or load balancer route): thumbnails", "thumbnails is never invoked: no schedule, no trigger"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
}

// The plan shows, per store, its keys, the backup rules with retention, RPO
// and copies, and what covers a store AWS Backup does not.
func TestPlan_ShowsEachStoresKeysBackupsCopiesAndRPO(t *testing.T) {
	var out, errb strings.Builder
	if code := run([]string{"--stack", "prod", "--dir", "../.."}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	for _, want := range []string{
		"database  alias/prod/database  Aurora storage, snapshots and Performance Insights",
		"Backup plan prod-plan into vault prod-vault (key alias/prod/backup; governance lock, recovery points kept 35 to 365 days)",
		"daily    cron(0 5 ? * * *)  35d   25h    dr 35d",
		"monthly  cron(0 5 1 * ? *)  365d  31d1h  dr 365d",
		"copy dr: vault prod-dr-vault in us-west-2",
		"storage key alias/prod/database, secret key alias/prod/secrets",
		"AWS Backup does not cover ElastiCache",
		"a manual snapshot copy on the 1st of every month (cron(0 6 1 * ? *), Etc/UTC), one per calendar month, 12 kept",
		"KMS customer-managed keys: 9 x $1.00 = $9.00",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the plan lacks %q", want)
		}
	}
}

// Two stage files of a migration: removing an old workload the earlier
// stage still protects is refused by name and stage, besides the change
// report's own refusal of deleting a protected resource.
func TestAgainstAnEarlierStageRefusesRemovingAProtectedOldWorkload(t *testing.T) {
	before := "../../examples/migration/Pulumi.adopt.yaml"
	b, err := os.ReadFile(before)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	mig := doc["config"].(map[string]any)["platform:migration"].(map[string]any)
	old, _ := mig["workloads"].(map[string]any)
	if len(old) == 0 {
		t.Fatal("the adopt stage imports no old workload: the test checks nothing")
	}
	delete(mig, "workloads")
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	after := filepath.Join(t.TempDir(), "Pulumi.adopt.yaml")
	if err := os.WriteFile(after, out, 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr strings.Builder
	if code := run([]string{"--file", after, "--against", before}, &stdout, &stderr); code != 3 {
		t.Fatalf("exit %d, want 3; stderr:\n%s", code, stderr.String())
	}
	for n := range old {
		if !strings.Contains(stderr.String(), "refused: platform:migration.workloads."+n+": stage adopt removes the old workload "+n) {
			t.Errorf("stderr does not name %s:\n%s", n, stderr.String())
		}
	}
}

// docs/migration.md compares a stage file with the file of the stage before
// (`--file <stage N+1> --against <stage N file>`): the two files are one
// stack's successive versions, so the change is the stage's own, not every
// resource deleted under one stack name and created under another.
func TestAgainstTheFileOfThePreviousStageComparesAsTheSameStack(t *testing.T) {
	var stdout, stderr strings.Builder
	code := run([]string{"--file", "../../examples/migration/Pulumi.shift.yaml", "--dir", "../..", "--against", "../../examples/migration/Pulumi.canary.yaml"}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	if !strings.Contains(out, `compared as an earlier version of stack "shift"`) || !strings.Contains(out, "Change: 0 to replace") {
		t.Errorf("report:\n%s", out)
	}
	if strings.Contains(out, "delete   aws:kms/key:Key") || strings.Contains(out, "urn:pulumi:canary::") {
		t.Errorf("the stage's unchanged resources are reported as deleted:\n%s", out)
	}
}

// An account and region have one SSM-SessionManagerRunShell: a stack that
// says own beside another stack file of the project that owns it too is
// refused at the key, with the owner's key and log group as the fix; stage
// files of one migration (one platform:name) are one stack.
func TestPlan_RefusesASecondStackOwningTheSessionPreferences(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"Pulumi.prod.yaml", "Pulumi.dev.yaml"} {
		b, err := os.ReadFile(filepath.Join("../..", name))
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if name == "Pulumi.dev.yaml" {
			s = strings.Replace(s, "preferences: none", "preferences: own", 1)
			s = strings.Replace(s, "      accountPreferences:\n        kmsKey: alias/prod-sessions\n        logGroup: /platform/prod-sessions\n", "", 1)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	if code := run([]string{"--stack", "dev", "--dir", dir}, &out, &errb); code != 1 ||
		!strings.Contains(errb.String(), "platform:access.sessionManager.preferences: own, but stack prod (") ||
		!strings.Contains(errb.String(), "set preferences: none here with accountPreferences {kmsKey: alias/prod-sessions, logGroup: /platform/prod-sessions}") {
		t.Errorf("exit %d\nstderr:\n%s", code, errb.String())
	}
	out.Reset()
	errb.Reset()
	if code := run([]string{"--file", "../../examples/migration/Pulumi.shift.yaml", "--dir", "../../examples/migration"}, &out, &errb); code != 0 {
		t.Errorf("a stage file beside the other stages of its stack: exit %d\n%s", code, errb.String())
	}
}
