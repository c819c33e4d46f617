package compute_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/change"
	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/awsenv"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/internal/sim"
)

// These tests read the change report (package change, which imports
// compute), so they live outside package compute.

const (
	tRG        = "aws:elasticache/replicationGroup:ReplicationGroup"
	tSecretVer = "aws:secretsmanager/secretVersion:SecretVersion"
)

const cacheDoc = `{"sessions": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large",
  "replicas": 2, "snapshotRetentionDays": 5}}`

const tokenDoc = `{"sessions": {"kind": "cache", "auth": "secret", "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large",
  "replicas": 2, "snapshotRetentionDays": 5}}`

var devCtx = compute.ValidateContext{IsolatedAZs: 3, PrivateAZs: 3, HasPublicTier: true, HasIsolatedTier: true}

func runCache(t *testing.T, m *sim.Monitor, doc string, v compute.ValidateContext, consumers ...string) *sim.Graph {
	t.Helper()
	var raw any
	if err := json.Unmarshal([]byte(doc), &raw); err != nil {
		t.Fatal(err)
	}
	var p problems.List
	c := compute.Decode("platform:workloads", raw, &p)
	c.Validate("platform:workloads", v, &p)
	if err := p.Err(); err != nil {
		t.Fatal(err)
	}
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := compute.NewCache(ctx, "p-sessions", &compute.CacheArgs{
			Workload: "sessions", Spec: *c["sessions"].Cache,
			IsolatedSubnetIDs: pulumi.ToStringArray([]string{"subnet-isolated-a", "subnet-isolated-b"}),
			SecurityGroupID:   pulumi.String("sg-sessions"), Consumers: consumers,
			Env: awsenv.Env{Region: "us-east-1", AccountID: sim.AccountID, Partition: "aws"},
		})
		return err
	}, pulumi.WithMocks("platform", "test", m))
	if err != nil {
		t.Fatal(err)
	}
	g, err := m.Graph()
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func buildCache(t *testing.T, doc string, v compute.ValidateContext, consumers ...string) *sim.Graph {
	t.Helper()
	return runCache(t, sim.NewMonitor("platform", "test", "us-east-1"), doc, v, consumers...)
}

func named(t *testing.T, g *sim.Graph, typ, name string) sim.Resource {
	t.Helper()
	r, ok := g.Named(typ, name)
	if !ok {
		t.Fatalf("no %s named %q", typ, name)
	}
	return r
}

func secretString(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(*resource.Secret)
	if !ok || !s.Element.IsString() {
		t.Fatalf("want a secret string, got %#v", v)
	}
	return s.Element.StringValue()
}

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Errorf("%s: got %s, want %s", what, gb, wb)
	}
}

var _ = strings.Replace

// The cache and its secret must hold the same token on every run, and a
// replaced replication group must come back with that token, not a fresh
// one: a fresh password is drawn on each run (the salt), and only the first
// may ever reach either.
func TestCache_TokenStaysTheSameAcrossRunsAndAcrossAReplacement(t *testing.T) {
	first := sim.NewMonitor("platform", "test", "us-east-1")
	first.Salt = "run-1"
	g1 := runCache(t, first, tokenDoc, devCtx)
	token := secretString(t, named(t, g1, tSecretVer, "p-sessions-auth").Inputs["secretString"])

	second := sim.NewMonitor("platform", "test", "us-east-1")
	second.Salt, second.Prior = "run-2", g1
	g2 := runCache(t, second, tokenDoc, devCtx)

	replaced := sim.NewMonitor("platform", "test", "us-east-1")
	replaced.Salt, replaced.Prior = "run-3", g1
	g3 := runCache(t, replaced, strings.Replace(tokenDoc, `"replicas": 2`, `"replicas": 2, "port": 6380`, 1), devCtx)
	rep := change.Diff(g1, g3)
	e, ok := rep.Get(named(t, g3, tRG, "p-sessions").URN)
	if !ok || e.Kind != change.Replaced {
		t.Fatalf("changing the port must replace the replication group (else this test proves nothing); report:\n%s", rep.Text())
	}

	for _, run := range []struct {
		name string
		g    *sim.Graph
	}{{"second run", g2}, {"after replacing the group", g3}} {
		ver := named(t, run.g, tSecretVer, "p-sessions-auth")
		rg := named(t, run.g, tRG, "p-sessions")
		equal(t, run.name+": secret", secretString(t, ver.Outputs["secretString"]), token)
		equal(t, run.name+": cache", secretString(t, rg.Inputs["authToken"]), token)
	}
	if drawn := secretString(t, named(t, g2, tSecretVer, "p-sessions-auth").Inputs["secretString"]); drawn != token {
		t.Errorf("the second run's state kept %q, not the first token", drawn)
	}
	// Guard against a vacuous pass: each run really drew another password.
	fresh := sim.NewMonitor("platform", "test", "us-east-1")
	fresh.Salt = "run-2"
	if other := secretString(t, named(t, runCache(t, fresh, tokenDoc, devCtx), tSecretVer, "p-sessions-auth").Inputs["secretString"]); other == token {
		t.Fatal("the mock drew the same password twice; the test cannot tell runs apart")
	}
}

func TestCache_RemovingAConsumerRemovesOnlyItsUser(t *testing.T) {
	both := buildCache(t, cacheDoc, devCtx, "web", "api")
	one := buildCache(t, cacheDoc, devCtx, "web")
	rep := change.Diff(both, one)
	equal(t, "removed", rep.Named(change.Removed), []string{"aws:elasticache/user:User p-sessions-u-api"})
	equal(t, "replaced", rep.Named(change.Replaced), []string(nil))
	equal(t, "updated", rep.Named(change.Updated), []string{"aws:elasticache/userGroup:UserGroup p-sessions"})
}
