package compute

import (
	"regexp"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/internal/sim"
)

func buildCache(t *testing.T, doc string, v ValidateContext, consumers ...string) *sim.Graph {
	t.Helper()
	return runCache(t, sim.NewMonitor("platform", "test", "us-east-1"), doc, v, consumers...)
}

// runCache registers the sessions cache under the monitor m, which may carry
// an earlier run's state.
func runCache(t *testing.T, m *sim.Monitor, doc string, v ValidateContext, consumers ...string) *sim.Graph {
	t.Helper()
	c := mustConfig(t, doc, v)
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		_, err := NewCache(ctx, "p-sessions", &CacheArgs{
			Workload: "sessions", Spec: *c["sessions"].Cache, IsolatedSubnetIDs: ids(isolatedSubnets),
			SecurityGroupID: pulumi.String("sg-sessions"), Consumers: consumers, Env: testEnv, Protect: v.Protect, Tags: testTags,
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

const cacheDoc = `{"sessions": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large",
  "replicas": 2, "snapshotRetentionDays": 5}}`

// tokenDoc is the same cache authenticating with one shared auth token.
const tokenDoc = `{"sessions": {"kind": "cache", "auth": "secret", "engine": "valkey", "engineVersion": "8.0", "nodeType": "cache.r7g.large",
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
	g := buildCache(t, tokenDoc, devCtx)
	secret := named(t, g, tSecret, "p-sessions-auth")
	ver := named(t, g, tSecretVer, "p-sessions-auth")
	rg := named(t, g, tRG, "p-sessions")
	equal(t, "secret", ver.Inputs["secretId"], secret.ID)
	token := secretString(t, ver.Inputs["secretString"])
	equal(t, "token length", len(token), AuthTokenLength)
	equal(t, "same token", secretString(t, rg.Inputs["authToken"]), token)
	equal(t, "version ignores", ver.IgnoreChanges, []string{"secretString"})
	equal(t, "the cache takes its token from the secret version, so nothing of it is ignored", rg.IgnoreChanges, []string(nil))
	if !dependsOn(g, rg, tSecretVer, "p-sessions-auth") {
		t.Error("the replication group does not take its token from the secret version")
	}
	if len(g.OfType(tCacheUser)) != 0 || len(g.OfType(tCacheUserGroup)) != 0 {
		t.Error("auth: secret must create no ElastiCache users")
	}
}

func TestCache_IAMAuthGivesEachConsumerItsOwnUserAndNoToken(t *testing.T) {
	g := buildCache(t, cacheDoc, devCtx, "web", "api")
	rg := named(t, g, tRG, "p-sessions")
	if _, has := rg.Inputs["authToken"]; has {
		t.Error("an IAM-authenticated cache has no auth token")
	}
	if len(g.OfType(tSecret)) != 0 || len(g.OfType(tSecretVer)) != 0 {
		t.Error("an IAM-authenticated cache keeps no secret")
	}
	users := map[string]sim.Resource{}
	for _, u := range g.OfType(tCacheUser) {
		users[u.Inputs["userName"].(string)] = u
	}
	if len(users) != 3 {
		t.Fatalf("want the default user and one per consumer, got %v", users)
	}
	def := users["default"]
	equal(t, "default user is switched off", def.Inputs["accessString"], "off -@all")
	if def.Inputs["userId"] == "default" {
		t.Error("the group's default user must not be the account's own user id default")
	}
	for _, cons := range []string{"api", "web"} {
		id := CacheUserID("p", "sessions", cons)
		u, ok := users[id]
		if !ok {
			t.Fatalf("no user %s for %s", id, cons)
		}
		equal(t, cons+" user id equals its name (IAM auth needs it)", u.Inputs["userId"], id)
		equal(t, cons+" authentication", u.Inputs["authenticationMode"], map[string]any{"type": "iam"})
		equal(t, cons+" engine", u.Inputs["engine"], "valkey")
	}
	grp := named(t, g, tCacheUserGroup, "p-sessions")
	equal(t, "group members", strs(grp.Inputs["userIds"]), []string{"p-sessions-default", "p-sessions-u-api", "p-sessions-u-web"})
	equal(t, "group bound to the cache", rg.Inputs["userGroupIds"], []any{grp.Inputs["userGroupId"]})
	equal(t, "transit encryption (IAM auth needs it)", rg.Inputs["transitEncryptionEnabled"], true)
}

func TestCacheIdentifiersFollowElastiCacheRules(t *testing.T) {
	valid := regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	for _, base := range []string{"p-sessions-u-api", "prod--cache-u-x", "a-very-long-stack-name-with-a-long-cache-u-and-a-long-consumer", "x-"} {
		id := cacheIdentifier(base)
		if len(id) > 40 || !valid.MatchString(id) {
			t.Errorf("cacheIdentifier(%q) = %q: ElastiCache wants 1 to 40 characters, a letter first, single hyphens, none at the end", base, id)
		}
	}
	long1 := cacheIdentifier("prod-cache-u-" + strings.Repeat("a", 30) + "-one")
	long2 := cacheIdentifier("prod-cache-u-" + strings.Repeat("a", 30) + "-two")
	if long1 == long2 {
		t.Errorf("two long ids collapsed into %q", long1)
	}
}

func TestCacheSupportsIAM_FromValkey72AndRedis70(t *testing.T) {
	for _, tt := range []struct {
		engine, version string
		want            bool
	}{
		{"valkey", "7.2", true}, {"valkey", "7.1", false}, {"valkey", "8.0", true},
		{"redis", "7.0", true}, {"redis", "6.2", false}, {"redis", "7.1", true},
		{"redis", "x", false}, {"memcached", "1.6", false},
	} {
		if got := CacheSupportsIAM(tt.engine, tt.version); got != tt.want {
			t.Errorf("%s %s: got %v", tt.engine, tt.version, got)
		}
	}
}

func TestCache_ProtectionFollowsTheStack(t *testing.T) {
	for _, tt := range []struct {
		name     string
		ctx      ValidateContext
		recovery float64
	}{{"production", prodCtx, 30}, {"dev", devCtx, 0}} {
		t.Run(tt.name, func(t *testing.T) {
			g := buildCache(t, tokenDoc, tt.ctx)
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

// A node's key is what AWS appended to the group's ID for its member, and the
// whole member ID when it was named otherwise; a group the stack creates has
// keys 001 to replicas+1, an adopted one its members' keys in this stage.
func TestCacheNodeKeys_FollowTheMembersNames(t *testing.T) {
	for _, c := range []struct{ group, member, want string }{
		{"prod-redis", "prod-redis-001", "001"},
		{"prod-redis", "prod-redis-004", "004"},
		{"prod-redis", "sessions-a", "sessions-a"},
		{"prod-redis", "prod-redis-", "prod-redis-"},
		{"prod-redis", "prod-redisx-001", "prod-redisx-001"},
		{"", "-001", "-001"},
	} {
		if got := NodeKey(c.group, c.member); got != c.want {
			t.Errorf("NodeKey(%q, %q) = %q, want %q", c.group, c.member, got, c.want)
		}
	}
	created := CacheSpec{Replicas: 2}
	if got := created.NodeKeys(); strings.Join(got, " ") != "001 002 003" {
		t.Errorf("a created group's keys: %v", got)
	}
	adopted := CacheSpec{Replicas: 1, Adopt: &CacheAdopt{ReplicationGroupID: "prod-redis"},
		AdoptedMembers: []string{"prod-redis-004", "prod-redis-002"}}
	if got := adopted.NodeKeys(); strings.Join(got, " ") != "002 004" {
		t.Errorf("an adopted group's keys: %v", got)
	}
}
