package stack

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/acme/platform/access"
	"github.com/acme/platform/audit"
	"github.com/acme/platform/compute"
	"github.com/acme/platform/dataprotect"
	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/legacy"
	"github.com/acme/platform/network"
	"github.com/acme/platform/ops"
	"github.com/acme/platform/review"
	"github.com/acme/platform/security"
)

// Config is the whole typed, validated configuration of one stack.
type Config struct {
	Project string
	Stack   string

	// Region is aws:region.
	Region string
	// DefaultTags are aws:defaultTags.tags: every taggable resource carries them.
	DefaultTags map[string]string

	// Name prefixes every resource name (platform:name; default: the stack name).
	Name string
	// Protect marks a production stack (platform:protect): pulumi protect on the
	// resources whose loss is an outage, deletion protection, stricter checks.
	Protect bool

	Network   network.Config
	Security  security.Config
	Access    access.Config
	Workloads compute.Config
	// Compliance holds the controls this stack accepts failing, each with a reason.
	Compliance review.ComplianceConfig
	// AllowedAccountIDs is aws:allowedAccountIds: the accounts the provider may deploy into.
	AllowedAccountIDs []string
	// Alarms is who gets paged and when (platform:alarms).
	Alarms ops.Config
	// DataProtection holds the keys per data class and the backup plan.
	DataProtection dataprotect.Config
	// Quotas are account quotas that differ from AWS's defaults (platform:quotas).
	Quotas Quotas
	// Migration is where this stack file stands in moving an existing
	// account onto the platform (platform:migration), and Snapshot the audit
	// snapshot it adopts from (nil without a migration).
	Migration *legacy.Config
	Snapshot  *audit.Inventory
	// adoptedDBs are the adopted Aurora clusters as the snapshot shows them,
	// by workload name (see validateAdoptedAurora).
	adoptedDBs map[string]*compute.Snapshot

	// adopted are the adopted caches as this stage registers them, resolved
	// from the snapshot by validateCacheAdoption.
	adopted map[string]*compute.AdoptedCache

	set map[string]bool // keys the stack file sets
	raw map[string]any  // the platform values as the stack file wrote them, by key
}

// Key describes one config key the program reads. The table drives loading,
// unknown-key detection and the check that Pulumi.yaml documents every key.
type Key struct {
	Name        string // full key, e.g. "platform:network"
	Type        string // Pulumi.yaml schema type: string, boolean, integer, object, array
	Required    bool
	Description string
	load        func(c *Config, raw any, p *problems.List)
}

// ConfigKeys lists every platform key the program reads.
var ConfigKeys = []Key{
	{Name: Project + ":name", Type: "string", Description: "Prefix of every resource name (lowercase letters, digits, hyphens; at most 16 characters). Defaults to the stack name.",
		load: func(c *Config, raw any, p *problems.List) {
			decode.Into(Project+":name", raw, &c.Name, p)
		}},
	{Name: Project + ":protect", Type: "boolean", Description: "Production stack: pulumi protect and deletion protection on the resources whose loss is an outage, and stricter validation (NAT per AZ, certificates). Default false.",
		load: func(c *Config, raw any, p *problems.List) {
			decode.Into(Project+":protect", raw, &c.Protect, p)
		}},
	{Name: Project + ":network", Type: "object", Required: true, Description: "The VPC: cidr, azCount or availabilityZones (zone names or zone IDs such as use1-az1), tiers (public/private/isolated prefixLength), nat (none|single|perAz), endpoints (interface endpoint services), flowLogs {enabled, retentionDays}, otherNetworks.",
		load: func(c *Config, raw any, p *problems.List) {
			c.Network = network.Decode(Project+":network", raw, p)
		}},
	{Name: Project + ":security", Type: "object", Description: "The allow graph: allow.<target> is a list of grants {from: [workloads, internet, vpn-clients], port (defaults to the target's service port), reason}; maxRulesPerGroup (default 60), maxGroupsPerInterface (default 5).",
		load: func(c *Config, raw any, p *problems.List) {
			decode.Into(Project+":security", raw, &c.Security, p)
		}},
	{Name: Project + ":access", Type: "object", Description: "Operator access without SSH: sessionManager {preferences (own|adopt|none: who owns the account-wide SSM-SessionManagerRunShell; default none), accountPreferences {kmsKey, logGroup, s3Bucket} (with none/adopt), idleTimeoutMinutes, maxSessionMinutes, logRetentionDays, runAsUser}; clientVpn {enabled, clientCidr (/12-/22), serverCertificateArn, clientRootCertificateArn, samlProviderArn, logRetentionDays, sessionTimeoutHours, transportProtocol}.",
		load: func(c *Config, raw any, p *problems.List) {
			c.Access = access.Decode(Project+":access", raw, p)
		}},
	{Name: Project + ":workloads", Type: "object", Description: "The workloads, by name (the stable identity in every resource name): {kind: alb|ec2|ecs|lambda|batch|aurora|cache, ...kind settings}. Each gets its own security group; who may reach it is declared in platform:security.allow, and an edge to a data store also grants the consumer an identity on it (stores: auth secret|iam, envPrefix, iamUsers) and puts its address in the consumer's environment. Compute kinds also take environment and permissions (s3|sqs|sns|kms|dynamodb with access read|write|readWrite, or a raw statement with a reason). During a migration an aurora workload may adopt an existing cluster of the snapshot and move it into the isolated tier in stages: adopt {clusterIdentifier, instances.<id>.until and subnets.<subnet-id>.until (the stage that deletes the old instance / takes the old subnet out of the DB subnet group), newInstances [{az, from}] (<clusterIdentifier>-<n> in the isolated tier), failover.<stage>: <instance> (the writer before that stage's pulumi up; the plan prints the command), groupsUntil, tlsFrom, managePasswordFrom}; engine, engineVersion and instanceClass must equal the snapshot's (docs/migration.md, Moving an Aurora cluster). A cache may adopt an existing replication group the same way: adopt {replicationGroupId, members.<cluster id> {az, since, until}, subnets.<old subnet id> {until}, failover.<stage>: <member>, groupsUntil, transitEncryption {preferred, required}}, auth existing (default when adopting) or iam; engine, engineVersion, nodeType and port equal the snapshot's (docs/migration.md, Moving an ElastiCache replication group).",
		load: func(c *Config, raw any, p *problems.List) {
			c.Workloads = compute.Decode(Project+":workloads", raw, p)
		}},
	{Name: Project + ":dataProtection", Type: "object", Description: dataProtectionDescription,
		load: func(c *Config, raw any, p *problems.List) {
			c.DataProtection = dataprotect.Decode(Project+":dataProtection", raw, p)
		}},
	{Name: Project + ":compliance", Type: "object", Description: "Security Hub (AWS Foundational Security Best Practices) controls this stack accepts failing: accept.<control ID> is the written reason. Every other failing control fails the review.",
		load: func(c *Config, raw any, p *problems.List) {
			c.Compliance = review.DecodeCompliance(Project+":compliance", raw, p)
			c.Compliance.Validate(Project+":compliance", p)
		}},
	{Name: Project + ":migration", Type: "object", Description: migrationDescription,
		load: func(c *Config, raw any, p *problems.List) {
			m := legacy.Decode(Project+":migration", raw, p)
			c.Migration = &m
		}},
	{Name: Project + ":alarms", Type: "object", Description: "Alarms: enabled (default true; false needs a reason, and a protected stack cannot turn them off), reason, subscriptions [{email}|{https}|{topicArn}] of the stack's encrypted alarm topic (none pages nobody, and the plan warns), thresholds.<workload>.<alarm> and nat.<alarm> overriding default thresholds.",
		load: func(c *Config, raw any, p *problems.List) {
			c.Alarms = ops.Decode(Project+":alarms", raw, p)
		}},
	{Name: Project + ":quotas", Type: "object", Description: quotasDescription,
		load: func(c *Config, raw any, p *problems.List) {
			c.Quotas = decodeQuotas(Project+":quotas", raw, p)
		}},
}

func knownKey(name string) (Key, bool) {
	for _, k := range ConfigKeys {
		if k.Name == name {
			return k, true
		}
	}
	return Key{}, false
}

// Source is where config values come from: the engine's context in a real run.
type Source interface {
	// Get returns a raw value the way the engine stores it (JSON for objects).
	Get(key string) (string, bool)
	// Object decodes an object or list value.
	Object(key string, out any) error
}

type ctxSource struct{ ctx *pulumi.Context }

func (s ctxSource) Get(key string) (string, bool) { return s.ctx.GetConfig(key) }

// Object uses TryObject: RequireObject would panic on a bad value, and a
// bad value must become one of the reported problems instead.
func (s ctxSource) Object(key string, out any) error { return config.TryObject(s.ctx, key, out) }

// Load reads and validates the stack's config. present lists every config key
// the stack sets, so that a misspelt key is an error rather than silently
// ignored. Every problem is reported at once; nothing is registered on error.
func Load(ctx *pulumi.Context, present []string) (*Config, error) {
	return load(ctxSource{ctx}, ctx.Project(), ctx.Stack(), present)
}

// Parse is Load over a plain map, for tools that read stack files.
func Parse(stack string, values map[string]string) (*Config, error) {
	return load(mapSource(values), Project, stack, Keys(values))
}

type mapSource map[string]string

func (m mapSource) Get(key string) (string, bool) { v, ok := m[key]; return v, ok }
func (m mapSource) Object(key string, out any) error {
	return json.Unmarshal([]byte(m[key]), out)
}

func load(src Source, project, stack string, present []string) (*Config, error) {
	var p problems.List
	c := &Config{Project: project, Stack: stack, set: map[string]bool{}, raw: map[string]any{}}

	var known []string
	for _, k := range ConfigKeys {
		known = append(known, k.Name)
	}
	for _, k := range present {
		if !strings.HasPrefix(k, Project+":") {
			continue
		}
		if _, ok := knownKey(k); !ok {
			msg := "unknown key"
			if best := decode.Closest(k, known); best != "" {
				msg += fmt.Sprintf("; did you mean %q?", best)
			} else {
				msg += "; known keys: " + strings.Join(known, ", ")
			}
			p.Add(k, "%s", msg)
		}
	}

	if v, ok := src.Get("aws:region"); ok && v != "" {
		c.Region = v
	} else {
		p.Add("aws:region", "required; set it with `pulumi config set aws:region us-east-1`")
	}
	c.DefaultTags = loadDefaultTags(src, stack, &p)
	c.AllowedAccountIDs = loadAllowedAccounts(src, &p)

	for _, k := range ConfigKeys {
		s, ok := src.Get(k.Name)
		if !ok {
			if k.Required {
				p.Add(k.Name, "required; %s", k.Description)
			}
			continue
		}
		var raw any
		if k.Type == "string" {
			raw = s
		} else if err := src.Object(k.Name, &raw); err != nil {
			p.Add(k.Name, "want %s %s, got %q", article(k.Type), k.Type, s)
			continue
		}
		c.set[k.Name] = true
		c.raw[k.Name] = raw
		k.load(c, raw, &p)
	}

	c.validate(&p)
	if err := p.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// zoneCount is how many zones a tier spans once planned.
func (c *Config) zoneCount(t network.Tier) int {
	if !c.Network.HasTier(t) {
		return 0
	}
	if n := len(c.Network.AvailabilityZones); n > 0 {
		return n
	}
	return c.Network.AZCount
}

// validateWorkloadEdges checks what the workloads need from the allow graph
// and the network: a load balancer must be allowed into every target it
// forwards to (else every health check fails), and a workload that asks for
// the internet needs a NAT gateway to get there.
func (c *Config) validateWorkloadEdges(p *problems.List) {
	for _, alb := range c.Workloads.Names() {
		w := c.Workloads[alb]
		if w.ALB == nil {
			continue
		}
		for _, target := range w.ALB.TargetNames() {
			if c.Workloads.Kind(target) == "" {
				continue // compute reports the missing workload
			}
			if !c.allows(target, alb) {
				p.Add(Project+":security.allow."+target, "%s forwards to %s, but nothing lets %s in; add {from: [%s], reason: \"load balancer to %s\"}", alb, target, alb, alb, target)
			}
		}
	}
	c.validateWayOut(p)
	if c.Network.NAT == network.NATNone {
		for _, n := range c.Workloads.Names() {
			if c.Workloads.InternetEgress(n) {
				p.Add(Project+":workloads."+n+".internetEgress", "the network has nat: none, so there is no way to the internet; use nat: single or perAz, or reach AWS through endpoints")
			}
		}
	}
}

// validateAllowNames reports every name in platform:security.allow that is
// no workload, beside the config's other problems. The security model finds
// the same when it is built, but only once the rest of the config is valid:
// without this, renaming a workload takes one run for its route and a second
// for its allow edges. Only names shaped like a workload's are judged here;
// group IDs, keywords and address ranges are left to the security model.
func (c *Config) validateAllowNames(p *problems.List) {
	declared := map[string]bool{}
	if ws, ok := c.raw[Project+":workloads"].(map[string]any); ok {
		for n := range ws {
			declared[n] = true
		}
	}
	if len(c.Network.Endpoints) > 0 {
		declared["endpoints"] = true
	}
	if c.Access.VPN() != nil {
		declared["vpn"] = true
	}
	names := make([]string, 0, len(declared))
	for n := range declared {
		names = append(names, n)
	}
	sort.Strings(names)
	unknown := func(n string) bool {
		return !declared[n] && n != "" && n[0] >= 'a' && n[0] <= 'z' && !strings.HasPrefix(n, "sg-") &&
			n != security.FromInternet && n != security.FromVPNClients
	}
	why := func(n string) string {
		if n == "vpn" {
			return `"vpn" is the Client VPN endpoint's group, and platform:access.clientVpn is not enabled; enable it or remove vpn here`
		}
		return fmt.Sprintf("%q is not a workload; declared workloads are: %s", n, strings.Join(names, ", "))
	}
	key := Project + ":security.allow"
	targets := make([]string, 0, len(c.Security.Allow))
	for t := range c.Security.Allow {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		if unknown(t) {
			p.Add(key+"."+t, "%s", why(t))
			continue
		}
		for i, g := range c.Security.Allow[t] {
			for j, src := range g.From {
				if unknown(src) {
					p.Add(fmt.Sprintf("%s.%s[%d].from[%d]", key, t, i, j), "%s", why(src))
				}
			}
		}
	}
}

// allows reports whether platform:security.allow lets source reach target.
func (c *Config) allows(target, source string) bool {
	for _, g := range c.Security.Allow[target] {
		for _, f := range g.From {
			if f == source {
				return true
			}
		}
	}
	return false
}

// validateEndpoints adds the required endpoints when the stack lists none, and
// rejects a list that leaves one out: an explicit list is taken as complete.
func (c *Config) validateEndpoints(p *problems.List) {
	req := c.requiredEndpoints()
	if len(req) == 0 {
		return
	}
	if c.Network.Endpoints == nil {
		for e := range req {
			c.Network.Endpoints = append(c.Network.Endpoints, e)
		}
		sort.Strings(c.Network.Endpoints)
		return
	}
	have := map[string]bool{}
	for _, e := range c.Network.Endpoints {
		have[e] = true
	}
	var missing []string
	for e := range req {
		if !have[e] {
			missing = append(missing, e)
		}
	}
	sort.Strings(missing)
	for _, e := range missing {
		p.Add(Project+":network.endpoints", "%s is required for %s; add %s, or leave endpoints out to get every required one", e, req[e], strings.Join(missing, ", "))
		return
	}
}

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,15}$`)

// validate runs every package's own checks and the checks across packages.
func (c *Config) validate(p *problems.List) {
	if c.Name == "" {
		c.Name = c.Stack
		if !namePattern.MatchString(c.Name) {
			p.Add(Project+":name", "the stack name %q cannot prefix resource names; set platform:name to lowercase letters, digits and hyphens, at most 16 characters", c.Stack)
		}
	} else if !namePattern.MatchString(c.Name) {
		p.Add(Project+":name", "%q: use lowercase letters, digits and hyphens, starting with a letter, at most 16 characters", c.Name)
	}
	// Required endpoints are filled in first, so the network's own checks (DNS
	// hostnames of an adopted VPC, for one) see the endpoints that will exist.
	c.validateEndpoints(p)
	if c.set[Project+":network"] {
		c.Network.Validate(Project+":network", c.Region, c.Protect, p)
	}
	c.Access.Validate(Project+":access", access.ValidateContext{
		VPC: c.Network.CIDR, OtherNetworks: c.Network.OtherNetworks, Protect: c.Protect, Region: c.Region,
	}, p)
	if c.set[Project+":network"] {
		c.Workloads.Validate(Project+":workloads", compute.ValidateContext{
			Protect:         c.Protect,
			IsolatedAZs:     c.zoneCount(network.TierIsolated),
			PrivateAZs:      c.zoneCount(network.TierPrivate),
			HasPublicTier:   c.Network.HasTier(network.TierPublic) || c.Network.HasExistingPublic(),
			HasIsolatedTier: c.Network.HasTier(network.TierIsolated),
			Region:          c.Region,
		}, p)
		c.validateWorkloadEdges(p)
		c.validateAllowNames(p)
		c.Workloads.ValidateConnections(Project+":workloads", c.Name, c.links(), p)
	}
	c.validateAlarms(p)
	c.validateDataProtection(p)
	c.validateQuotas(p)
	c.validateMigration(p)
	c.validateCacheAdoption(p)
	// After the adoptions: which old groups a store keeps in this stage.
	c.validateOldWorkloadPaths(p)
	c.validatePrivateDNSOff(p)
	if c.Access.VPN() != nil && c.set[Project+":network"] && !c.Network.HasTier(network.TierIsolated) {
		p.Add(Project+":access.clientVpn.enabled", "the Client VPN reaches only the isolated tier, which this network lacks; add tiers.isolated or disable the VPN")
	}
}

// RequiredTags are the aws:defaultTags every stack must set, so every resource
// in the account says which project, stack and team it belongs to.
var RequiredTags = []string{"owner", "project", "stack"}

func loadDefaultTags(src Source, stack string, p *problems.List) map[string]string {
	const key = "aws:defaultTags"
	if _, ok := src.Get(key); !ok {
		p.Add(key, "required; set tags %s so every resource names its owner", strings.Join(RequiredTags, ", "))
		return nil
	}
	var raw any
	if err := src.Object(key, &raw); err != nil {
		p.Add(key, "want an object {tags: {...}}")
		return nil
	}
	var dt struct {
		Tags map[string]string `json:"tags"`
	}
	decode.Into(key, raw, &dt, p)
	for _, t := range RequiredTags {
		if dt.Tags[t] == "" {
			p.Add(key+".tags."+t, "required; every resource must say its %s", t)
		}
	}
	if s := dt.Tags["stack"]; s != "" && s != stack {
		p.Add(key+".tags.stack", "%q does not match the stack name %q; was this file copied from another stack?", s, stack)
	}
	return dt.Tags
}

func article(t string) string {
	if strings.IndexAny(t[:1], "aeiou") == 0 {
		return "an"
	}
	return "a"
}
