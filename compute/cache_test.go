package compute

import (
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

func buildCache(t *testing.T, doc string, v ValidateContext) *sim.Graph {
	t.Helper()
	c := mustConfig(t, doc, v)
	return run(t, func(ctx *pulumi.Context) error {
		_, err := NewCache(ctx, "p-sessions", &CacheArgs{
			Workload: "sessions", Spec: *c["sessions"].Cache, IsolatedSubnetIDs: ids(isolatedSubnets),
			SecurityGroupID: pulumi.String("sg-sessions"), Env: testEnv, Protect: v.Protect, Tags: testTags,
		})
		return err
	})
}

const cacheDoc = `{"sessions": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large",
  "replicas": 2, "snapshotRetentionDays": 5}}`

func TestCache_LivesInTheIsolatedSubnetsEncryptedInTransitAndAtRest(t *testing.T) {
	g := buildCache(t, cacheDoc, devCtx)
	sg := named(t, g, tCacheSubnets, "p-sessions")
	equal(t, "subnets", strs(sg.Inputs["subnetIds"]), isolatedSubnets)
	rg := named(t, g, tRG, "p-sessions")
	want := map[string]any{
		"engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large", "numCacheClusters": 3.0,
		"automaticFailoverEnabled": true, "multiAzEnabled": true,
		"transitEncryptionEnabled": true, "atRestEncryptionEnabled": true,
		"subnetGroupName": sg.Outputs["name"], "securityGroupIds": []any{"sg-sessions"},
		"snapshotRetentionLimit": 5.0, "port": 6379.0,
	}
	for k, v := range want {
		equal(t, k, rg.Inputs[k], v)
	}
	if id := rg.Inputs["replicationGroupId"].(string); len(id) > 40 || !strings.HasPrefix(id, "p-sessions-") {
		t.Errorf("replication group id %q", id)
	}
	checkParentsAndNames(t, g, "p-sessions")
}

func TestCache_AuthTokenIsGeneratedOnceAndKeptInSecretsManager(t *testing.T) {
	g := buildCache(t, cacheDoc, devCtx)
	secret := named(t, g, tSecret, "p-sessions-auth")
	ver := named(t, g, tSecretVer, "p-sessions-auth")
	rg := named(t, g, tRG, "p-sessions")
	equal(t, "secret", ver.Inputs["secretId"], secret.ID)
	token := secretString(t, ver.Inputs["secretString"])
	equal(t, "token length", len(token), AuthTokenLength)
	equal(t, "same token", secretString(t, rg.Inputs["authToken"]), token)
	equal(t, "version ignores", ver.IgnoreChanges, []string{"secretString"})
	equal(t, "group ignores", rg.IgnoreChanges, []string{"authToken"})
}

func TestCache_ProtectionFollowsTheStack(t *testing.T) {
	for _, tt := range []struct {
		name     string
		ctx      ValidateContext
		recovery float64
	}{{"production", prodCtx, 30}, {"dev", devCtx, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			g := buildCache(t, cacheDoc, tt.ctx)
			rg := named(t, g, tRG, "p-sessions")
			secret := named(t, g, tSecret, "p-sessions-auth")
			equal(t, "group protect", rg.Protect, tt.ctx.Protect)
			equal(t, "secret protect", secret.Protect, tt.ctx.Protect)
			equal(t, "recovery window", secret.Inputs["recoveryWindowInDays"], tt.recovery)
			_, final := rg.Inputs["finalSnapshotIdentifier"]
			equal(t, "final snapshot", final, tt.ctx.Protect)
		})
	}
}

func TestCache_WithoutReplicasHasNoFailover(t *testing.T) {
	g := buildCache(t, `{"sessions": {"kind": "cache", "engine": "redis", "engineVersion": "7.1", "replicas": 0}}`, devCtx)
	rg := named(t, g, tRG, "p-sessions")
	equal(t, "nodes", rg.Inputs["numCacheClusters"], 1.0)
	equal(t, "failover", rg.Inputs["automaticFailoverEnabled"], false)
	equal(t, "multi-az", rg.Inputs["multiAzEnabled"], false)
}

// secretString unwraps a value the engine received marked secret, failing if
// it was sent in the clear.
func secretString(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(*resource.Secret)
	if !ok || !s.Element.IsString() {
		t.Fatalf("want a secret string, got %#v", v)
	}
	return s.Element.StringValue()
}
