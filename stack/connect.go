package stack

import (
	"sort"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/acme/platform/compute"
	"github.com/acme/platform/internal/awsenv"
)

// links lists the allow edges that join a compute workload to a data store.
// The edge that opens the store's port is also the one that gives the
// workload an identity on the store and tells it where the store is: no edge,
// no grant and no wiring.
func (c *Config) links() []compute.Link {
	var out []compute.Link
	for _, store := range sortedNames(c.Security.Allow) {
		if !compute.Kind(c.Workloads.Kind(store)).IsDataStore() {
			continue
		}
		for _, g := range c.Security.Allow[store] {
			for _, from := range g.From {
				switch compute.Kind(c.Workloads.Kind(from)) {
				case compute.KindEC2, compute.KindECS, compute.KindLambda, compute.KindBatch:
					out = append(out, compute.Link{Consumer: from, Store: store})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Consumer != out[j].Consumer {
			return out[i].Consumer < out[j].Consumer
		}
		return out[i].Store < out[j].Store
	})
	return out
}

// Connections are the identities and wiring the allow graph gives compute
// workloads on the data stores they may reach.
func (c *Config) Connections() []compute.Connection {
	return c.Workloads.Connections(c.Name, c.links())
}

// stores are the registered data stores a consumer's grants and wiring come from.
type stores struct {
	databases map[string]*compute.Database
	caches    map[string]*compute.Cache
}

// access turns one consumer's connections and declared permissions into its
// grants and wiring.
func (s stores) access(env awsenv.Env, kind compute.Kind, conns []compute.Connection, perms map[string]compute.Permission) ([]compute.Grant, compute.Wiring) {
	w := compute.Wiring{Env: map[string]pulumi.StringInput{}}
	var grants []compute.Grant
	for _, conn := range conns {
		var (
			host, reader, secretARN pulumi.StringInput
			secretKey               pulumi.StringInput
			tls                     = "required"
			statements              []compute.Statement
			name                    string
		)
		fetchesSecret := conn.Auth == compute.AuthSecret
		switch conn.StoreKind {
		case compute.KindAurora:
			db := s.databases[conn.Store]
			host, reader, secretARN, secretKey = db.Endpoint, db.ReaderEndpoint, db.SecretARN, db.SecretKeyARN
			name = db.DatabaseName
			if conn.Auth == compute.AuthIAM {
				// rds-db:connect names the cluster by its resource id (cluster-...),
				// not by its identifier, and the user the consumer logs in as.
				statements = append(statements, compute.Statement{Sid: "ConnectAsDatabaseUser",
					Actions: []string{"rds-db:connect"},
					Resources: []pulumi.StringInput{pulumi.Sprintf("arn:%s:rds-db:%s:%s:dbuser:%s/%s",
						env.Partition, env.Region, env.AccountID, db.ClusterResourceID, conn.User)}})
			}
		case compute.KindCache:
			cache := s.caches[conn.Store]
			host, reader, secretARN, secretKey = cache.PrimaryEndpoint, cache.ReaderEndpoint, cache.SecretARN, cache.SecretKeyARN
			name, tls = cache.ID, cache.TLS
			if conn.Auth == compute.AuthIAM {
				// IAM authentication signs for the cache and for the user: both ARNs.
				statements = append(statements, compute.Statement{Sid: "ConnectAsCacheUser",
					Actions:   []string{"elasticache:Connect"},
					Resources: []pulumi.StringInput{cache.ARN, cache.UserARNs[conn.Consumer]}})
			}
		}
		if fetchesSecret {
			statements = append(statements, compute.Statement{Sid: "ReadStoreSecret",
				Actions: []string{"secretsmanager:GetSecretValue"}, Resources: []pulumi.StringInput{secretARN}})
			if secretKey != nil {
				statements = append(statements, compute.Statement{Sid: "DecryptStoreSecret",
					Actions: []string{"kms:Decrypt"}, Resources: []pulumi.StringInput{secretKey},
					Condition: map[string]map[string]any{"StringEquals": {"kms:ViaService": "secretsmanager." + env.Region + ".amazonaws.com"}}})
			}
		}
		// An adopted cache's own authentication (existing) needs no AWS
		// permission: the path is the security groups' alone.
		if len(statements) > 0 {
			grants = append(grants, compute.Grant{
				Key: "reach-" + conn.Store,
				// ECS and Batch inject the secret with the execution role; the code
				// itself never reads it.
				Execution:  fetchesSecret && (kind == compute.KindECS || kind == compute.KindBatch),
				Reason:     conn.Identity(),
				Statements: statements,
			})
		}
		for _, e := range conn.Env {
			if e.Secret {
				w.Secrets = append(w.Secrets, compute.SecretRef{Name: e.Name, SecretARN: secretARN, JSONKey: e.JSONKey})
				continue
			}
			var v pulumi.StringInput
			switch e.What {
			case "host":
				v = host
			case "readerHost":
				v = reader
			case "port":
				v = pulumi.String(strconv.Itoa(conn.Port))
			case "database", "cacheName":
				v = pulumi.String(name)
			case "tls":
				v = pulumi.String(tls)
			case "auth":
				v = pulumi.String(conn.Auth)
			case "user":
				v = pulumi.String(conn.User)
			case "secretArn":
				v = secretARN
			}
			w.Env[e.Name] = v
		}
	}
	grants = append(grants, compute.PermissionGrants(perms, env)...)
	return grants, w
}
