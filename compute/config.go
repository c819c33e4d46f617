package compute

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
	"github.com/acme/platform/network"
)

// Kind is what a workload is. It decides which spec the workload's config
// object is decoded into, which tier it lives in and what it may connect to.
type Kind string

// The workload kinds. The strings are the ones the security model uses.
const (
	KindALB    Kind = "alb"
	KindEC2    Kind = "ec2"
	KindECS    Kind = "ecs"
	KindLambda Kind = "lambda"
	KindBatch  Kind = "batch"
	KindAurora Kind = "aurora"
	KindCache  Kind = "cache"
)

// Kinds lists every kind in the order they are documented.
var Kinds = []Kind{KindALB, KindEC2, KindECS, KindLambda, KindBatch, KindAurora, KindCache}

// Valid reports whether k is one of Kinds.
func (k Kind) Valid() bool {
	for _, v := range Kinds {
		if k == v {
			return true
		}
	}
	return false
}

// IsDataStore reports whether k lives in the isolated tier (aurora, cache).
func (k Kind) IsDataStore() bool { return k == KindAurora || k == KindCache }

// IsTarget reports whether an alb can forward to a workload of kind k.
func (k Kind) IsTarget() bool { return k == KindEC2 || k == KindECS }

// article is the kind with "a" or "an", for messages.
func (k Kind) article() string {
	if k != "" && strings.ContainsRune("aeiou", rune(k[0])) {
		return "an " + string(k)
	}
	return "a " + string(k)
}

// kindChoices is the list of kinds as a sentence, for messages.
const kindChoices = "alb, ec2, ecs, lambda, batch, aurora or cache"

// Config is the stack value `platform:workloads`: workloads by name. A name is
// lowercase letters, digits and single hyphens, starts with a letter and has
// at most MaxNameLen characters; it is the stable identity used in every
// resource name, so renaming a workload replaces its resources.
type Config map[string]Workload

// MaxNameLen bounds a workload name, so that `<prefix>-<name>-<suffix>` fits
// every AWS name limit the components rely on.
const MaxNameLen = 20

// Workload is one declared workload: its kind and the spec of that kind (the
// other spec pointers are nil).
type Workload struct {
	Kind   Kind
	ALB    *ALBSpec
	EC2    *EC2Spec
	ECS    *ECSSpec
	Lambda *LambdaSpec
	Batch  *BatchSpec
	Aurora *AuroraSpec
	Cache  *CacheSpec
}

// hasSpec reports whether the spec of the workload's kind is set (Decode
// always sets it; a Config built in Go might not).
func (w Workload) hasSpec() bool {
	switch w.Kind {
	case KindALB:
		return w.ALB != nil
	case KindEC2:
		return w.EC2 != nil
	case KindECS:
		return w.ECS != nil
	case KindLambda:
		return w.Lambda != nil
	case KindBatch:
		return w.Batch != nil
	case KindAurora:
		return w.Aurora != nil
	case KindCache:
		return w.Cache != nil
	}
	return false
}

// Defaults shared by several kinds.
const (
	DefaultServicePort      = 8080
	DefaultHealthCheckPath  = "/"
	DefaultLogRetentionDays = 30
)

var (
	namePattern = regexp.MustCompile(`^[a-z]([a-z0-9]|-[a-z0-9])*$`)
	envVarName  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
)

// Decode reads the raw `platform:workloads` object strictly: each workload's
// kind first, then the whole object into that kind's spec, so a key the kind
// does not know is reported at its full path. Keys that are absent get their
// documented defaults; keys that are present keep their value, even zero, for
// Validate to judge.
func Decode(key string, raw any, p *problems.List) Config {
	var objs map[string]any
	decode.Into(key, raw, &objs, p)
	c := Config{}
	for _, name := range sortedKeys(objs) {
		k := key + "." + name
		if objs[name] == nil {
			// `api:` with every line under it commented out: an empty
			// workload, as `api: {}` is, never one silently left out.
			p.Add(k+".kind", "required; use %s (or remove %s)", kindChoices, k)
			c[name] = Workload{}
			continue
		}
		var obj map[string]any
		decode.Into(k, objs[name], &obj, p)
		if obj == nil {
			continue
		}
		rawKind, ok := obj["kind"]
		if !ok {
			p.Add(k+".kind", "required; use %s", kindChoices)
			c[name] = Workload{}
			continue
		}
		var kindStr string
		decode.Into(k+".kind", rawKind, &kindStr, p)
		kind := Kind(kindStr)
		w := Workload{Kind: kind}
		has := func(path ...string) bool { return present(obj, path...) }
		switch kind {
		case KindALB:
			s := &ALBSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.ALB = s
		case KindEC2:
			s := &EC2Spec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.EC2 = s
		case KindECS:
			s := &ECSSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.ECS = s
		case KindLambda:
			s := &LambdaSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.Lambda = s
		case KindBatch:
			s := &BatchSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.Batch = s
		case KindAurora:
			s := &AuroraSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(name, has)
			w.Aurora = s
		case KindCache:
			s := &CacheSpec{}
			decode.Into(k, obj, s, p)
			s.defaults(has)
			w.Cache = s
		default:
			// A kind that is not a string was reported by decode.Into at this
			// key already; only the first problem at a key is kept.
			p.Add(k+".kind", "%s", unknownKind(kindStr))
		}
		c[name] = w
	}
	return c
}

func unknownKind(k string) string {
	return fmt.Sprintf("%q is not a workload kind; use %s", k, kindChoices)
}

// present reports whether obj has a value at the nested path.
func present(obj map[string]any, path ...string) bool {
	var cur any = obj
	for _, k := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[k]; !ok {
			return false
		}
	}
	return true
}

// ValidateContext is what Validate needs to know about the rest of the stack.
type ValidateContext struct {
	// Protect is platform:protect: a production stack.
	Protect bool
	// IsolatedAZs and PrivateAZs count the zones of those tiers (0 when unknown).
	IsolatedAZs int
	PrivateAZs  int
	// HasPublicTier and HasIsolatedTier say which tiers the network has.
	HasPublicTier   bool
	HasIsolatedTier bool
	// Region is aws:region ("" when unknown): a store restored from a snapshot
	// must name one of this region, and so must a queue a lambda polls; ARNs
	// in permissions must be in its partition.
	Region string
	// Now is when a restore's point in time must not be after; zero means the
	// clock's time.
	Now time.Time
}

func (v ValidateContext) now() time.Time {
	if v.Now.IsZero() {
		return time.Now()
	}
	return v.Now
}

// Names returns the workload names, sorted.
func (c Config) Names() []string { return sortedKeys(c) }

// Kind returns the kind of a workload as the security model spells it
// ("alb", "ec2", ...), or "" if there is no such workload.
func (c Config) Kind(name string) string { return string(c[name].Kind) }

// ServicePort returns the TCP port a workload accepts connections on: 443 for
// an alb (80 for a dev alb without a certificate, which listens on HTTP
// only), the configured port for ec2, ecs, aurora and cache, and 0 for lambda
// and batch, which accept none.
func (c Config) ServicePort(name string) int {
	w := c[name]
	switch {
	case w.ALB != nil && !w.ALB.ServesHTTPS():
		return 80
	case w.ALB != nil:
		return 443
	case w.EC2 != nil:
		return w.EC2.Port
	case w.ECS != nil:
		return w.ECS.Port
	case w.Aurora != nil:
		return w.Aurora.Port
	case w.Cache != nil:
		return w.Cache.Port
	}
	return 0
}

// InternetEgress reports whether a compute workload asked for internet egress.
func (c Config) InternetEgress(name string) bool {
	if rs := c[name].runtimeSpec(); rs != nil {
		return rs.InternetEgress
	}
	return false
}

// LegacyGroups returns the legacy security group IDs a compute workload carries.
func (c Config) LegacyGroups(name string) []string {
	if rs := c[name].runtimeSpec(); rs != nil {
		return rs.LegacySecurityGroups
	}
	return nil
}

// Environment returns a compute workload's own environment values.
func (c Config) Environment(name string) map[string]string {
	if rs := c[name].runtimeSpec(); rs != nil {
		return rs.Environment
	}
	return nil
}

// Permissions returns the AWS resources a compute workload declares it uses.
func (c Config) Permissions(name string) map[string]Permission {
	if rs := c[name].runtimeSpec(); rs != nil {
		return rs.Permissions
	}
	return nil
}

// InternetFacing reports whether a workload is an internet-facing alb.
func (c Config) InternetFacing(name string) bool {
	w := c[name]
	return w.ALB != nil && w.ALB.InternetFacing
}

// Summary is what the security model needs to know about one workload.
type Summary struct {
	Name           string
	Kind           string
	Port           int // 0: accepts no connections
	InternetEgress bool
	InternetFacing bool
	Key            string // full config key, e.g. platform:workloads.api
}

// Summaries lists every workload, sorted by name; key is the config key the
// workloads were decoded at (normally "platform:workloads").
func (c Config) Summaries(key string) []Summary {
	var out []Summary
	for _, n := range c.Names() {
		out = append(out, Summary{
			Name: n, Kind: c.Kind(n), Port: c.ServicePort(n),
			InternetEgress: c.InternetEgress(n), InternetFacing: c.InternetFacing(n),
			Key: key + "." + n,
		})
	}
	return out
}

// Validate checks every workload on its own and against the others and the
// network, recording every problem under key (normally "platform:workloads").
func (c Config) Validate(key string, v ValidateContext, p *problems.List) {
	for _, name := range c.Names() {
		w := c[name]
		k := key + "." + name
		if len(name) > MaxNameLen || !namePattern.MatchString(name) {
			p.Add(k, "workload name %q is not valid; use 1 to %d lowercase letters, digits and single hyphens, starting with a letter and not ending with a hyphen (e.g. \"api\")", name, MaxNameLen)
		}
		switch {
		case w.Kind == "":
			p.Add(k+".kind", "required; use %s", kindChoices)
			continue
		case !w.Kind.Valid():
			p.Add(k+".kind", "%s", unknownKind(string(w.Kind)))
			continue
		case !w.hasSpec():
			p.Add(k, "declares kind %s but carries no %s settings", w.Kind, w.Kind)
			continue
		}
		if w.Kind.IsDataStore() {
			switch {
			case !v.HasIsolatedTier:
				p.Add(k, "%s lives in the isolated tier (subnets with no route out) and the network has none; add platform:network.tiers.isolated", w.Kind.article())
			case v.IsolatedAZs > 0 && v.IsolatedAZs < 2:
				p.Add(k, "a DB subnet group needs subnets in at least 2 availability zones; the isolated tier has %d", v.IsolatedAZs)
			}
		}
		if rs := w.runtimeSpec(); rs != nil {
			rs.validate(k, w.Kind, v, p)
		}
		switch {
		case w.ALB != nil:
			c.validateALB(k, *w.ALB, v, p)
		case w.EC2 != nil:
			w.EC2.validate(k, p)
			if routed := c.RoutedBy(name); len(routed) > 0 && !w.EC2.HasOwnApplication() {
				p.Add(k, "%s routes traffic here, but the instances run no application: stock Amazon Linux answers no health check and the group replaces them forever; set container (an image run by systemd), userData, ami or amiParameter", strings.Join(routed, ", "))
			}
		case w.ECS != nil:
			w.ECS.validate(k, p)
		case w.Lambda != nil:
			w.Lambda.validate(k, p)
		case w.Batch != nil:
			w.Batch.validate(k, p)
		case w.Aurora != nil:
			w.Aurora.validate(k, v, p)
		case w.Cache != nil:
			w.Cache.validate(k, v, p)
		}
		validateScaling(k, w.Kind, w.scalingSpec(), c.ScalingOf(name), p)
		switch {
		case w.Batch != nil:
			validateSchedule(k, w.Batch.Schedule, p)
		case w.Lambda != nil:
			validateSchedule(k, w.Lambda.Schedule, p)
			validateTriggers(k, w.Lambda.Triggers, v.Region, p)
		}
	}
	c.validateNameCollisions(key, p)
	c.validateScalingAcross(key, p)
	c.validateInvocations(key, p)
}

func checkPort(p *problems.List, k string, port int) {
	if port < 1 || port > 65535 {
		p.Add(k, "must be a TCP port between 1 and 65535, got %d", port)
	}
}

func checkHealthPath(p *problems.List, k, path string) {
	if !strings.HasPrefix(path, "/") || len(path) > 1024 {
		p.Add(k, "%q is not a path; write one starting with /, e.g. /healthz", path)
	}
}

func checkRetention(p *problems.List, k string, days int) {
	if !network.ValidRetention(days) {
		p.Add(k, "%d is not a retention CloudWatch accepts; use one of %s", days, joinInts(network.RetentionDays))
	}
}

func checkEnvironment(p *problems.List, k string, env map[string]string) {
	for _, n := range sortedKeys(env) {
		if !envVarName.MatchString(n) {
			p.Add(k+"."+n, "%q is not an environment variable name; use letters, digits and underscores, not starting with a digit", n)
		}
	}
}

func atLeastOne(p *problems.List, k string, n int) {
	if n < 1 {
		p.Add(k, "must be at least 1, got %d", n)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
