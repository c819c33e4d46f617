package compute

import (
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/acme/platform/internal/problems"
)

// How a workload authenticates to a data store it may reach.
const (
	// AuthSecret: the store's credentials live in Secrets Manager (Aurora's
	// RDS-managed master secret, a cache's auth token) and each consumer may
	// read that one secret. Works with no step inside the database.
	AuthSecret = "secret"
	// AuthIAM: each consumer signs a short-lived token with its own role:
	// rds-db:connect as a database user it is granted (the user needs a
	// one-time GRANT rds_iam), or elasticache:Connect as an ElastiCache user
	// the stack creates for it (valkey 7.2+, redis 7.0+).
	AuthIAM = "iam"
)

// StoreSpec is what aurora and cache share about how consumers connect. Each
// data store's spec embeds it.
type StoreSpec struct {
	// Auth is secret or iam. Default: secret for aurora (IAM authentication
	// needs a GRANT inside the database first); iam for a cache whose engine
	// supports it (the stack creates every ElastiCache user it needs), else
	// secret.
	Auth string `json:"auth"`
	// EnvPrefix starts the names of the environment values consumers are given
	// (e.g. DB for DB_HOST). Default: the workload name in capitals, hyphens
	// as underscores (database -> DATABASE_HOST).
	EnvPrefix string `json:"envPrefix,omitempty"`

	// StorageKey is the key the store's data is encrypted with, as the
	// stack's config chooses it: "" for AWS's managed key, "stack" for the
	// stack's own key of the store's class, or the ARN of an existing key. It
	// is not read from the workload's config: the stack sets it from
	// platform:dataProtection. AWS fixes a store's key at creation, so a new
	// key is a new store, and the key is part of the store's identifier: the
	// new store can then be created before the old one goes, where a store
	// with the same identifier would collide.
	StorageKey string `json:"-"`
}

var envPrefixPattern = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,31}$`)

// Link is an allow edge from a compute workload to a data store: the network
// path that also carries the consumer's identity and connection settings.
type Link struct {
	Consumer string
	Store    string
}

// EnvVar is one value a connection puts in the consumer's environment.
type EnvVar struct {
	Name string
	// What the value is: host, readerHost, port, database, tls, auth, user,
	// cacheName, secretArn (a plain value); or, for ECS and Batch, which
	// inject secrets at start, username, password, authToken (taken from the
	// secret by the execution role, never written anywhere).
	What string
	// Secret is true for values ECS or Batch inject from Secrets Manager.
	Secret bool
	// JSONKey picks a key of a JSON secret ("" for the whole secret string).
	JSONKey string
}

// Connection is everything one link gives its consumer: an identity on the
// store and the environment that says where the store is.
type Connection struct {
	Consumer     string
	ConsumerKind Kind
	Store        string
	StoreKind    Kind
	Port         int
	Auth         string
	// User is who the consumer logs in as with IAM authentication: the
	// database user (aurora) or the ElastiCache user id (cache).
	User string
	Env  []EnvVar
}

// Identity says in words what the consumer authenticates with.
func (c Connection) Identity() string {
	switch {
	case c.Auth == AuthIAM && c.StoreKind == KindAurora:
		return "IAM: rds-db:connect as database user " + c.User
	case c.Auth == AuthIAM:
		return "IAM: elasticache:Connect as ElastiCache user " + c.User
	case c.StoreKind == KindAurora:
		return "secret: the cluster's RDS-managed master secret"
	case c.Auth == AuthExisting:
		return "existing: the adopted cache's own authentication, as it was before the migration (the stack holds no token)"
	}
	return "secret: the cache's auth token"
}

// EnvNames lists the connection's environment names, in order.
func (c Connection) EnvNames() []string {
	out := make([]string, len(c.Env))
	for i, e := range c.Env {
		out[i] = e.Name
	}
	return out
}

// injects reports whether a kind's platform injects secrets into the
// environment at start (ECS and Batch do, with the execution role); the
// others are given the secret's ARN and fetch it themselves.
func injects(k Kind) bool { return k == KindECS || k == KindBatch }

// EnvPrefix is the start of a store's environment names.
func (c Config) EnvPrefix(store string) string {
	if ss := c[store].storeSpec(); ss != nil && ss.EnvPrefix != "" {
		return ss.EnvPrefix
	}
	return strings.ToUpper(strings.ReplaceAll(store, "-", "_"))
}

// Auth is a store's authentication mode, "" for other kinds.
func (c Config) Auth(store string) string {
	if ss := c[store].storeSpec(); ss != nil {
		return ss.Auth
	}
	return ""
}

func (w Workload) storeSpec() *StoreSpec {
	switch {
	case w.Aurora != nil:
		return &w.Aurora.StoreSpec
	case w.Cache != nil:
		return &w.Cache.StoreSpec
	}
	return nil
}

// DBUser is the database user a consumer logs in as with IAM authentication:
// the store's iamUsers entry, or the consumer's name with underscores.
func (c Config) DBUser(store, consumer string) string {
	if a := c[store].Aurora; a != nil {
		if u := a.IAMUsers[consumer]; u != "" {
			return u
		}
	}
	return strings.ReplaceAll(consumer, "-", "_")
}

// Connections turns the links between declared workloads into connections,
// sorted by consumer then store. Links that do not join a compute workload
// to a data store carry no identity and are left out.
func (c Config) Connections(prefix string, links []Link) []Connection {
	var out []Connection
	seen := map[Link]bool{}
	for _, l := range links {
		cons, store := c[l.Consumer], c[l.Store]
		if seen[l] || cons.runtimeSpec() == nil || store.storeSpec() == nil {
			continue
		}
		seen[l] = true
		conn := Connection{
			Consumer: l.Consumer, ConsumerKind: cons.Kind, Store: l.Store, StoreKind: store.Kind,
			Port: c.ServicePort(l.Store), Auth: c.Auth(l.Store),
		}
		p := c.EnvPrefix(l.Store) + "_"
		env := func(name, what string) { conn.Env = append(conn.Env, EnvVar{Name: p + name, What: what}) }
		secret := func(name, what, key string) {
			conn.Env = append(conn.Env, EnvVar{Name: p + name, What: what, Secret: true, JSONKey: key})
		}
		env("HOST", "host")
		env("READER_HOST", "readerHost")
		env("PORT", "port")
		if store.Kind == KindAurora {
			env("NAME", "database")
		}
		env("TLS", "tls")
		env("AUTH", "auth")
		switch {
		case conn.Auth == AuthIAM && store.Kind == KindAurora:
			conn.User = c.DBUser(l.Store, l.Consumer)
			env("USER", "user")
		case conn.Auth == AuthIAM:
			conn.User = CacheUserID(prefix, l.Store, l.Consumer)
			env("USER", "user")
			env("NAME", "cacheName")
		case conn.Auth == AuthExisting:
			// The stack knows no token of an adopted cache: none is passed on.
		case injects(cons.Kind) && store.Kind == KindAurora:
			secret("USER", "username", "username")
			secret("PASSWORD", "password", "password")
		case injects(cons.Kind):
			secret("AUTH_TOKEN", "authToken", "")
		default:
			env("SECRET_ARN", "secretArn")
		}
		sort.Slice(conn.Env, func(i, j int) bool { return conn.Env[i].Name < conn.Env[j].Name })
		out = append(out, conn)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Consumer != out[j].Consumer {
			return out[i].Consumer < out[j].Consumer
		}
		return out[i].Store < out[j].Store
	})
	return out
}

// ConsumersOf lists the consumers of a store among the connections, sorted.
func ConsumersOf(conns []Connection, store string) []string {
	var out []string
	for _, c := range conns {
		if c.Store == store {
			out = append(out, c.Consumer)
		}
	}
	sort.Strings(out)
	return out
}

// ConnectionsOf lists the connections of one consumer.
func ConnectionsOf(conns []Connection, consumer string) []Connection {
	var out []Connection
	for _, c := range conns {
		if c.Consumer == consumer {
			out = append(out, c)
		}
	}
	return out
}

// lambdaReservedEnv are the environment keys Lambda sets itself and refuses
// in a function's configuration.
var lambdaReservedEnv = map[string]bool{
	"_HANDLER": true, "_X_AMZN_TRACE_ID": true, "AWS_DEFAULT_REGION": true, "AWS_REGION": true,
	"AWS_EXECUTION_ENV": true, "AWS_LAMBDA_FUNCTION_NAME": true, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": true,
	"AWS_LAMBDA_FUNCTION_VERSION": true, "AWS_LAMBDA_INITIALIZATION_TYPE": true, "AWS_LAMBDA_LOG_GROUP_NAME": true,
	"AWS_LAMBDA_LOG_STREAM_NAME": true, "AWS_ACCESS_KEY": true, "AWS_ACCESS_KEY_ID": true,
	"AWS_SECRET_ACCESS_KEY": true, "AWS_SESSION_TOKEN": true, "AWS_LAMBDA_RUNTIME_API": true,
	"LAMBDA_TASK_ROOT": true, "LAMBDA_RUNTIME_DIR": true,
}

// lambdaEnvName is Lambda's rule for an environment key: a letter, then
// letters, digits and underscores, two characters at least.
var lambdaEnvName = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_]+$`)

// LambdaEnvLimit is the most bytes Lambda accepts for all of a function's
// environment keys and values together.
const LambdaEnvLimit = 4096

// generatedValueBound bounds the length of a generated value (an endpoint
// host name, a secret ARN, a port) for the size check made before the values
// exist: RDS and ElastiCache host names and Secrets Manager ARNs stay under it.
const generatedValueBound = 160

// ValidateConnections checks what the links add to each consumer's
// environment and identity against the consumer's own settings and AWS's
// limits, recording problems under key (normally "platform:workloads").
func (c Config) ValidateConnections(key, prefix string, links []Link, p *problems.List) {
	conns := c.Connections(prefix, links)
	for _, n := range c.Names() {
		rs := c[n].runtimeSpec()
		if rs == nil {
			continue
		}
		k := key + "." + n
		owner := map[string]string{} // generated name -> the store it comes from
		size := 0
		for _, conn := range ConnectionsOf(conns, n) {
			for _, e := range conn.Env {
				if other, dup := owner[e.Name]; dup {
					p.Add(key+"."+conn.Store+".envPrefix", "%s would be set for %s by both %s and %s; give one of them its own envPrefix", e.Name, n, other, conn.Store)
					continue
				}
				owner[e.Name] = conn.Store
				size += len(e.Name) + generatedValueBound
			}
		}
		for _, name := range sortedKeys(rs.Environment) {
			size += len(name) + len(rs.Environment[name])
			if store, dup := owner[name]; dup {
				p.Add(k+".environment."+name, "collides with %s, which the platform sets from the allow edge %s -> %s; remove it here or set platform:workloads.%s.envPrefix", name, n, store, store)
			}
		}
		if c[n].Kind == KindLambda {
			for _, name := range append(sortedKeys(rs.Environment), sortedKeys(owner)...) {
				switch {
				case lambdaReservedEnv[name]:
					p.Add(k+".environment."+name, "Lambda sets %s itself and refuses it in a function's configuration; use another name", name)
				case !lambdaEnvName.MatchString(name):
					p.Add(k+".environment."+name, "%q is not a name Lambda accepts: a letter, then letters, digits or underscores, at least two characters", name)
				}
			}
			if size > LambdaEnvLimit {
				p.Add(k+".environment", "the function's environment may take up to about %d bytes, over Lambda's limit of %d for all names and values together (%d values are the platform's, for its connections, counted at up to %d bytes each); move values to SSM parameters or S3", size, LambdaEnvLimit, len(owner), generatedValueBound)
			}
		}
	}
	for _, store := range c.Names() {
		a := c[store].Aurora
		if a == nil {
			continue
		}
		consumers := map[string]bool{}
		for _, cons := range ConsumersOf(conns, store) {
			consumers[cons] = true
		}
		for _, cons := range sortedKeys(a.IAMUsers) {
			uk := key + "." + store + ".iamUsers." + cons
			if !consumers[cons] {
				p.Add(uk, "%s has no allow edge to %s, so it gets no database identity; add it to platform:security.allow.%s or remove this entry", cons, store, store)
			}
		}
		if a.Auth != AuthIAM {
			continue
		}
		users := map[string]string{}
		for _, cons := range ConsumersOf(conns, store) {
			u := c.DBUser(store, cons)
			uk := key + "." + store + ".iamUsers." + cons
			switch {
			case strings.EqualFold(u, a.MasterUsername):
				p.Add(uk, "%s is the master user; granting it rds_iam would end its password logins (the way in when IAM fails); name another user", u)
			case reservedDBUsers[strings.ToLower(u)]:
				p.Add(uk, "%s is reserved by RDS; name another user", u)
			case !dbIdentifier.MatchString(u) || len(u) > 63:
				p.Add(uk, "%q is not a database user name; use letters, digits and underscores, starting with a letter, at most 63 characters", u)
			}
			if other, dup := users[strings.ToLower(u)]; dup {
				p.Add(uk, "%s and %s would log in as the same database user %s; give each its own in iamUsers", other, cons, u)
			}
			users[strings.ToLower(u)] = cons
		}
	}
	envPrefixes := map[string]string{}
	for _, store := range c.Names() {
		if c[store].storeSpec() == nil {
			continue
		}
		pre := c.EnvPrefix(store)
		if other, dup := envPrefixes[pre]; dup {
			p.Add(key+"."+store+".envPrefix", "%s is also the prefix of %s; a consumer of both would get one set of names for two stores", pre, other)
		}
		envPrefixes[pre] = store
	}
}

// reservedDBUsers are user names RDS keeps for itself.
var reservedDBUsers = map[string]bool{"rdsadmin": true, "rdsrepladmin": true, "rds_superuser": true, "rds_iam": true, "postgres": true}

// validate checks a store's connection settings.
func (s StoreSpec) validate(k string, kind Kind, engine, version string, p *problems.List) {
	switch s.Auth {
	case AuthSecret:
	case AuthIAM:
		// An unknown engine or a missing or malformed version is reported at
		// its own key; what IAM needs is said of a real engine and version.
		known := (engine == "redis" || engine == "valkey") && cacheVersion.MatchString(version)
		if kind == KindCache && known && !CacheSupportsIAM(engine, version) {
			p.Add(k+".auth", "%s %s has no IAM authentication (it needs valkey 7.2 or later, or redis 7.0 or later); upgrade the engine or use auth: secret", engine, version)
		}
	case "":
		p.Add(k+".auth", "required; use secret or iam")
	default:
		p.Add(k+".auth", "%q is not an authentication mode; use secret or iam", s.Auth)
	}
	if s.EnvPrefix != "" && !envPrefixPattern.MatchString(s.EnvPrefix) {
		p.Add(k+".envPrefix", "%q is not an environment name prefix; use 1 to 32 capital letters, digits and underscores, starting with a letter (e.g. DB)", s.EnvPrefix)
	}
}

// CacheSupportsIAM reports whether an ElastiCache engine version accepts IAM
// authentication: valkey from 7.2, redis OSS from 7.0.
func CacheSupportsIAM(engine, version string) bool {
	major, minor, ok := majorMinor(version)
	if !ok {
		return false
	}
	switch engine {
	case "valkey":
		return major > 7 || (major == 7 && minor >= 2)
	case "redis":
		return major >= 7
	}
	return false
}

func majorMinor(v string) (int, int, bool) {
	parts := strings.SplitN(v, ".", 3)
	major, err := strconv.Atoi(parts[0])
	if err != nil {
		return 0, 0, false
	}
	minor := 0
	if len(parts) > 1 {
		if minor, err = strconv.Atoi(parts[1]); err != nil {
			return 0, 0, false
		}
	}
	return major, minor, true
}

// CacheUserID is the ElastiCache user a consumer of a cache connects as with
// IAM authentication; for IAM users the user name must equal it.
func CacheUserID(prefix, store, consumer string) string {
	return cacheIdentifier(prefix + "-" + store + "-u-" + consumer)
}

// cacheIdentifier makes an ElastiCache user or user group id from base: at
// most 40 characters, a letter first, letters, digits and single hyphens, no
// hyphen at the end. Longer bases are cut and end in a hash, so two long
// names stay distinct.
func cacheIdentifier(base string) string {
	for strings.Contains(base, "--") {
		base = strings.ReplaceAll(base, "--", "-")
	}
	base = strings.Trim(base, "-")
	if len(base) <= 40 {
		return base
	}
	return physicalName(base, 40)
}
