package compute

import (
	"strings"
	"testing"

	"github.com/acme/platform/internal/problems"
)

// A system with every consumer kind and both store kinds in both modes.
const connectDoc = `{
  "web":   {"kind": "ec2", "userData": "#!/bin/sh\ntrue\n"},
  "api":   {"kind": "ecs", "image": "i"},
  "fn":    {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}},
  "job":   {"kind": "batch", "image": "i"},
  "edge":  {"kind": "alb", "defaultTarget": "web"},
  "db":    {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"},
  "iamdb": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "iam", "envPrefix": "PG",
            "iamUsers": {"api": "api_rw"}},
  "kv":    {"kind": "cache", "engine": "valkey", "engineVersion": "8.0"},
  "tok":   {"kind": "cache", "engine": "redis", "engineVersion": "6.2"}
}`

func envOf(t *testing.T, conns []Connection, consumer, store string) map[string]EnvVar {
	t.Helper()
	for _, c := range conns {
		if c.Consumer == consumer && c.Store == store {
			out := map[string]EnvVar{}
			for _, e := range c.Env {
				out[e.Name] = e
			}
			return out
		}
	}
	t.Fatalf("no connection %s -> %s", consumer, store)
	return nil
}

func names(env map[string]EnvVar) []string { return sortedKeys(env) }

func TestConnections_GiveEachConsumerKindTheNamesItCanUse(t *testing.T) {
	c := mustConfig(t, connectDoc, devCtx)
	links := []Link{
		{"api", "db"}, {"fn", "db"}, {"web", "db"}, {"job", "db"},
		{"api", "iamdb"}, {"web", "iamdb"},
		{"api", "kv"}, {"web", "kv"},
		{"api", "tok"}, {"fn", "tok"},
	}
	conns := c.Connections("p", links)
	if len(conns) != len(links) {
		t.Fatalf("%d connections for %d links", len(conns), len(links))
	}
	base := []string{"_AUTH", "_HOST", "_NAME", "_PORT", "_READER_HOST", "_TLS"}
	with := func(prefix string, extra ...string) []string {
		var out []string
		for _, b := range base {
			out = append(out, prefix+b)
		}
		for _, e := range extra {
			out = append(out, prefix+e)
		}
		return sortedKeys(setOf(out))
	}
	withoutName := func(prefix string, extra ...string) []string {
		var out []string
		for _, n := range with(prefix, extra...) {
			if n != prefix+"_NAME" {
				out = append(out, n)
			}
		}
		return out
	}
	for _, tt := range []struct {
		consumer, store string
		want            []string
	}{
		// ECS and Batch have the secret injected; Lambda and EC2 fetch it by ARN.
		{"api", "db", with("DB", "_PASSWORD", "_USER")},
		{"job", "db", with("DB", "_PASSWORD", "_USER")},
		{"fn", "db", with("DB", "_SECRET_ARN")},
		{"web", "db", with("DB", "_SECRET_ARN")},
		// IAM: a user name and no secret at all; envPrefix renames every value.
		{"api", "iamdb", with("PG", "_USER")},
		{"web", "iamdb", with("PG", "_USER")},
		// A cache has no database name; with IAM it names itself for signing.
		{"api", "kv", with("KV", "_USER")},
		{"web", "kv", with("KV", "_USER")},
		{"api", "tok", withoutName("TOK", "_AUTH_TOKEN")},
		{"fn", "tok", withoutName("TOK", "_SECRET_ARN")},
	} {
		env := envOf(t, conns, tt.consumer, tt.store)
		equal(t, tt.consumer+" -> "+tt.store, names(env), tt.want)
		for _, e := range env {
			wantSecret := strings.HasSuffix(e.Name, "_PASSWORD") || strings.HasSuffix(e.Name, "_AUTH_TOKEN") ||
				(strings.HasSuffix(e.Name, "_USER") && tt.store == "db")
			if e.Secret != wantSecret {
				t.Errorf("%s -> %s: %s secret=%v", tt.consumer, tt.store, e.Name, e.Secret)
			}
		}
	}
	equal(t, "db password key", envOf(t, conns, "api", "db")["DB_PASSWORD"].JSONKey, "password")
	equal(t, "token is the whole secret", envOf(t, conns, "api", "tok")["TOK_AUTH_TOKEN"].JSONKey, "")
	for _, conn := range conns {
		switch {
		case conn.Consumer == "api" && conn.Store == "iamdb":
			equal(t, "configured db user", conn.User, "api_rw")
		case conn.Consumer == "web" && conn.Store == "iamdb":
			equal(t, "default db user", conn.User, "web")
		case conn.Consumer == "web" && conn.Store == "kv":
			equal(t, "cache user", conn.User, "p-kv-u-web")
		}
	}
}

func setOf(v []string) map[string]bool {
	out := map[string]bool{}
	for _, s := range v {
		out[s] = true
	}
	return out
}

func TestConnections_OnlyLinksFromComputeToStoresCarryIdentity(t *testing.T) {
	c := mustConfig(t, connectDoc, devCtx)
	conns := c.Connections("p", []Link{{"edge", "web"}, {"db", "kv"}, {"web", "api"}, {"kv", "web"}, {"web", "db"}, {"web", "db"}})
	if len(conns) != 1 || conns[0].Consumer != "web" || conns[0].Store != "db" {
		t.Errorf("got %+v; want only web -> db, once", conns)
	}
}

func validateLinks(t *testing.T, doc string, links []Link) []string {
	t.Helper()
	c, msgs := decodeJSON(t, doc, devCtx)
	if len(msgs) > 0 {
		t.Fatalf("the config itself is invalid: %v", msgs)
	}
	var p problems.List
	c.ValidateConnections("platform:workloads", "p", links, &p)
	return problems.Messages(p.Err())
}

func TestValidateConnections_RejectsEachMistakeWithItsKey(t *testing.T) {
	const stores = `"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"},
	  "kv": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0"}`
	lambda := func(extra string) string {
		return `"fn": {"kind": "lambda", "runtime": "python3.13", "handler": "a.h", "code": {"s3Bucket": "b", "s3Key": "k.zip"}` + extra + `}`
	}
	for _, tt := range []struct {
		name  string
		doc   string
		links []Link
		want  string
	}{
		{"own env collides with a generated name",
			`{"api": {"kind": "ecs", "image": "i", "environment": {"DB_HOST": "x"}}, ` + stores + `}`, []Link{{"api", "db"}},
			`platform:workloads.api.environment.DB_HOST: collides with DB_HOST, which the platform sets from the allow edge api -> db; remove it here or set platform:workloads.db.envPrefix`},
		{"two stores with one prefix",
			`{"api": {"kind": "ecs", "image": "i"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4"},
			  "kv": {"kind": "cache", "engine": "valkey", "engineVersion": "8.0", "envPrefix": "DB"}}`, nil,
			`platform:workloads.kv.envPrefix: DB is also the prefix of db; a consumer of both would get one set of names for two stores`},
		{"iamUsers for a workload without an edge",
			`{"api": {"kind": "ecs", "image": "i"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "iam", "iamUsers": {"web": "w"}}}`,
			[]Link{{"api", "db"}},
			`platform:workloads.db.iamUsers.web: web has no allow edge to db, so it gets no database identity; add it to platform:security.allow.db or remove this entry`},
		{"the master user as an IAM user",
			`{"api": {"kind": "ecs", "image": "i"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "iam", "iamUsers": {"api": "DBADMIN"}}}`,
			[]Link{{"api", "db"}},
			`platform:workloads.db.iamUsers.api: DBADMIN is the master user; granting it rds_iam would end its password logins (the way in when IAM fails); name another user`},
		{"a user RDS reserves",
			`{"api": {"kind": "ecs", "image": "i"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "iam", "iamUsers": {"api": "rdsadmin"}}}`,
			[]Link{{"api", "db"}}, `platform:workloads.db.iamUsers.api: rdsadmin is reserved by RDS; name another user`},
		{"a user name the database refuses",
			`{"api": {"kind": "ecs", "image": "i"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "iam", "iamUsers": {"api": "api-rw"}}}`,
			[]Link{{"api", "db"}}, `platform:workloads.db.iamUsers.api: "api-rw" is not a database user name; use letters, digits and underscores, starting with a letter, at most 63 characters`},
		{"two consumers as one user",
			`{"api": {"kind": "ecs", "image": "i"}, "web": {"kind": "ec2"}, "db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "iam", "iamUsers": {"web": "api"}}}`,
			[]Link{{"api", "db"}, {"web", "db"}},
			`platform:workloads.db.iamUsers.web: api and web would log in as the same database user api; give each its own in iamUsers`},
		{"a name Lambda reserves", `{` + lambda(`, "environment": {"AWS_REGION": "x"}`) + `}`, nil,
			`platform:workloads.fn.environment.AWS_REGION: Lambda sets AWS_REGION itself and refuses it in a function's configuration; use another name`},
		{"a one-letter Lambda name", `{` + lambda(`, "environment": {"X": "1"}`) + `}`, nil,
			`platform:workloads.fn.environment.X: "X" is not a name Lambda accepts: a letter, then letters, digits or underscores, at least two characters`},
		{"a Lambda environment over 4 KB", `{` + lambda(`, "environment": {"BIG": "`+strings.Repeat("x", LambdaEnvLimit-2)+`"}`) + `}`, nil,
			`platform:workloads.fn.environment: the function's environment may take up to about 4097 bytes, over Lambda's limit of 4096 for all names and values together (0 values are the platform's, for its connections, counted at up to 160 bytes each); move values to SSM parameters or S3`},
		{"connections push a Lambda environment over 4 KB", `{` + lambda(`, "environment": {"BIG": "`+strings.Repeat("x", LambdaEnvLimit-900)+`"}`) + `, ` + stores + `}`, []Link{{"fn", "db"}},
			`platform:workloads.fn.environment: the function's environment may take up to about`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := validateLinks(t, tt.doc, tt.links)
			if len(got) != 1 || !strings.HasPrefix(got[0], tt.want) {
				t.Errorf("got %q\nwant one problem starting %q", got, tt.want)
			}
		})
	}
	// At the limit exactly, Lambda accepts it.
	if got := validateLinks(t, `{`+lambda(`, "environment": {"BIG": "`+strings.Repeat("x", LambdaEnvLimit-3)+`"}`)+`}`, nil); len(got) != 0 {
		t.Errorf("4096 bytes are within Lambda's limit: %v", got)
	}
}

func TestStoreAndRuntimeConfig_RejectsEachMistake(t *testing.T) {
	for _, tt := range []struct{ name, doc, want string }{
		{"IAM on a cache engine without it", `{"kv": {"kind": "cache", "engine": "redis", "engineVersion": "6.2", "auth": "iam"}}`,
			`platform:workloads.kv.auth: redis 6.2 has no IAM authentication (it needs valkey 7.2 or later, or redis 7.0 or later); upgrade the engine or use auth: secret`},
		{"an unknown mode", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": "password"}}`,
			`platform:workloads.db.auth: "password" is not an authentication mode; use secret or iam`},
		{"an empty mode", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "auth": ""}}`,
			`platform:workloads.db.auth: required; use secret or iam`},
		{"a lowercase prefix", `{"db": {"kind": "aurora", "engine": "aurora-postgresql", "engineVersion": "16.4", "envPrefix": "db"}}`,
			`platform:workloads.db.envPrefix: "db" is not an environment name prefix; use 1 to 32 capital letters, digits and underscores, starting with a letter (e.g. DB)`},
		{"an empty setting on ec2", `{"web": {"kind": "ec2", "environment": {"MODE": ""}}}`,
			`platform:workloads.web.environment.MODE: an empty value; an ec2 fleet's settings are SSM parameters, which cannot be empty: leave it out or give it a value`},
		{"a name Batch reserves", `{"job": {"kind": "batch", "image": "i", "environment": {"AWS_BATCH_X": "1"}}}`,
			`platform:workloads.job.environment.AWS_BATCH_X: AWS Batch reserves names starting with AWS_BATCH for the values it sets; use another name`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, got := decodeJSON(t, tt.doc, devCtx)
			if len(got) != 1 || got[0] != tt.want {
				t.Errorf("got %q\nwant %q", got, tt.want)
			}
		})
	}
}

// A store's identifier changes with its key, and only then; a store on AWS's
// managed key ("") keeps the identifier it had before keys were chosen.
func TestStoreIdentifiers_FollowTheStorageKey(t *testing.T) {
	a := AuroraSpec{Engine: EngineAuroraPostgres, MasterUsername: "dbadmin", DatabaseName: "app"}
	c := CacheSpec{Port: 6379}
	managed := ClusterIdentifier("p-db", a)
	if managed != strings.ToLower(physicalName("p-db", 63, a.Engine, a.MasterUsername, a.DatabaseName)) {
		t.Errorf("a store on AWS's key changed its identifier: %s", managed)
	}
	if ReplicationGroupID("p-kv", c) != physicalName("p-kv", 40, "6379") {
		t.Error("a cache on AWS's key changed its identifier")
	}
	seen := map[string]string{}
	for _, key := range []string{"", "stack", "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"} {
		a.StorageKey, c.StorageKey = key, key
		id := ClusterIdentifier("p-db", a) + " " + ReplicationGroupID("p-kv", c)
		if other, dup := seen[id]; dup {
			t.Errorf("keys %q and %q give one identifier %s", other, key, id)
		}
		seen[id] = key
	}
}
