// The alb kind's config: an application load balancer, its listeners' routes
// and the checks that every route ends at an ec2 or ecs workload.

package compute

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/acme/platform/internal/decode"
	"github.com/acme/platform/internal/problems"
)

// Defaults of the kind, named so that the docs and the code agree.
const (
	DefaultIdleTimeoutSeconds = 60
	DefaultAccessLogDays      = 90
)

var (
	acmARN = regexp.MustCompile(`^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate/[A-Za-z0-9-]+$`)
)

// ALBSpec is an application load balancer (kind: alb). It terminates TLS and
// forwards to ec2 and ecs workloads.
type ALBSpec struct {
	Kind Kind `json:"kind"`
	// CertificateArn is the ACM certificate the HTTPS listener serves (the ARN of
	// a certificate in the stack's region). Required when platform:protect is
	// true. Without it (dev stacks only) there is no HTTPS listener: the HTTP
	// listener forwards plain HTTP to the targets and the run warns about it.
	CertificateArn string `json:"certificateArn,omitempty"`
	// InternetFacing puts the load balancer in the public subnets with a public
	// DNS name. Default true; false makes an internal load balancer in the
	// private subnets.
	InternetFacing bool `json:"internetFacing"`
	// AccessLogs writes the access logs to a private, encrypted S3 bucket.
	AccessLogs AccessLogs `json:"accessLogs"`
	// Routes maps a route name (lowercase letters, digits, hyphens) to a listener
	// rule; requests no route matches go to DefaultTarget.
	Routes map[string]Route `json:"routes,omitempty"`
	// DefaultTarget is the ec2 or ecs workload that gets every request no route
	// matches. Required.
	DefaultTarget string `json:"defaultTarget"`
	// IdleTimeoutSeconds closes idle connections; 1 to 4000, default 60.
	IdleTimeoutSeconds int `json:"idleTimeoutSeconds"`
	// DNS, when present, gives the alb names in an existing Route 53 zone
	// and, with createCertificate, an ACM certificate validated there.
	DNS *DNSSpec `json:"dns,omitempty"`
	// WAF is the web ACL in front of the alb: on by default for an
	// internet-facing alb of a protected stack.
	WAF *WAFSpec `json:"waf,omitempty"`
}

// AccessLogs configures an alb's access logs.
type AccessLogs struct {
	// Enabled defaults to true; turning access logs off must be said explicitly.
	Enabled bool `json:"enabled"`
	// RetentionDays expires log objects after this many days; 1 to 3650, default 90.
	RetentionDays int `json:"retentionDays"`
}

// Route is one listener rule: requests matching any of Hosts (when given) and
// any of Paths (when given) go to Target.
type Route struct {
	// Priority orders the rules, lowest first; 1 to 50000, unique within the alb. Required.
	Priority int `json:"priority"`
	// Hosts are host-header patterns, e.g. api.example.com or *.example.com.
	Hosts []string `json:"hosts,omitempty"`
	// Paths are path patterns, e.g. /api/*. Hosts and paths together: 1 to 5 values.
	Paths []string `json:"paths,omitempty"`
	// Target is the ec2 or ecs workload the rule forwards to. Required.
	Target string `json:"target"`
}

func (s *ALBSpec) defaults(has func(...string) bool) {
	if !has("internetFacing") {
		s.InternetFacing = true
	}
	if !has("accessLogs", "enabled") {
		s.AccessLogs.Enabled = true
	}
	if !has("accessLogs", "retentionDays") {
		s.AccessLogs.RetentionDays = DefaultAccessLogDays
	}
	if !has("idleTimeoutSeconds") {
		s.IdleTimeoutSeconds = DefaultIdleTimeoutSeconds
	}
}

// Target is what an alb needs to know about a workload it forwards to.
type Target struct {
	Kind            Kind // ec2 or ecs
	Port            int
	HealthCheckPath string
}

// TargetNames returns the workloads an alb forwards to (its default target and
// every route's target), sorted and without duplicates.
func (s ALBSpec) TargetNames() []string {
	set := map[string]bool{}
	if s.DefaultTarget != "" {
		set[s.DefaultTarget] = true
	}
	for _, r := range s.Routes {
		if r.Target != "" {
			set[r.Target] = true
		}
	}
	return sortedKeys(set)
}

// ALBTargets returns the targets of the alb named name, ready for LoadBalancerArgs.Targets.
func (c Config) ALBTargets(name string) map[string]Target {
	out := map[string]Target{}
	w := c[name]
	if w.ALB == nil {
		return out
	}
	for _, t := range w.ALB.TargetNames() {
		switch tw := c[t]; {
		case tw.EC2 != nil:
			out[t] = Target{Kind: KindEC2, Port: tw.EC2.Port, HealthCheckPath: tw.EC2.HealthCheckPath}
		case tw.ECS != nil:
			out[t] = Target{Kind: KindECS, Port: tw.ECS.Port, HealthCheckPath: tw.ECS.HealthCheckPath}
		}
	}
	return out
}

// RoutedBy returns the albs that forward to the workload name, sorted: an ec2
// or ecs workload registers with each of their target groups.
func (c Config) RoutedBy(name string) []string {
	var out []string
	for _, n := range c.Names() {
		if a := c[n].ALB; a != nil {
			for _, t := range a.TargetNames() {
				if t == name {
					out = append(out, n)
				}
			}
		}
	}
	return out
}

// MaxRouteNameLen bounds a route name, which becomes part of a listener rule's name.
const MaxRouteNameLen = 32

func (c Config) validateALB(k string, s ALBSpec, v ValidateContext, p *problems.List) {
	switch {
	case !s.ServesHTTPS() && v.Protect:
		p.Add(k+".certificateArn", "required in a protected (production) stack: set the ARN of the ACM certificate for the site's domain, or dns.createCertificate: true; without one the alb cannot serve HTTPS")
	case s.CertificateArn != "" && !acmARN.MatchString(s.CertificateArn):
		p.Add(k+".certificateArn", "%q is not an ACM certificate ARN; write arn:aws:acm:<region>:<account>:certificate/<id>", s.CertificateArn)
	}
	validateEdge(k, s, p)
	if s.InternetFacing && !v.HasPublicTier {
		p.Add(k+".internetFacing", "an internet-facing alb lives in the public tier and the network has none; add platform:network.tiers.public or set internetFacing: false")
	}
	if v.PrivateAZs > 0 && v.PrivateAZs < 2 {
		p.Add(k, "an alb needs subnets in at least 2 availability zones; the network has %d", v.PrivateAZs)
	}
	if s.IdleTimeoutSeconds < 1 || s.IdleTimeoutSeconds > 4000 {
		p.Add(k+".idleTimeoutSeconds", "must be between 1 and 4000 seconds, got %d", s.IdleTimeoutSeconds)
	}
	if s.AccessLogs.Enabled && (s.AccessLogs.RetentionDays < 1 || s.AccessLogs.RetentionDays > 3650) {
		p.Add(k+".accessLogs.retentionDays", "must be between 1 and 3650 days, got %d", s.AccessLogs.RetentionDays)
	}
	if s.DefaultTarget == "" {
		p.Add(k+".defaultTarget", "required; name the ec2 or ecs workload that gets every request no route matches")
	} else {
		c.checkTarget(k+".defaultTarget", s.DefaultTarget, p)
	}
	priorities := map[int]string{}
	for _, rn := range sortedKeys(s.Routes) {
		r := s.Routes[rn]
		rk := k + ".routes." + rn
		if len(rn) > MaxRouteNameLen || !namePattern.MatchString(rn) {
			p.Add(rk, "route name %q is not valid; use 1 to %d lowercase letters, digits and single hyphens, starting with a letter", rn, MaxRouteNameLen)
		}
		switch {
		case r.Priority < 1 || r.Priority > 50000:
			p.Add(rk+".priority", "must be between 1 and 50000, got %d", r.Priority)
		case priorities[r.Priority] != "":
			p.Add(rk+".priority", "priority %d is already used by route %q; every route of an alb needs its own priority", r.Priority, priorities[r.Priority])
		default:
			priorities[r.Priority] = rn
		}
		switch n := len(r.Hosts) + len(r.Paths); {
		case n == 0:
			p.Add(rk, "a route needs at least one of hosts or paths")
		case n > 5:
			p.Add(rk, "a route matches at most 5 values (hosts and paths together), got %d; split it into more routes", n)
		}
		for i, h := range r.Hosts {
			if h == "" || len(h) > 128 || strings.ContainsAny(h, " /") {
				p.Add(fmt.Sprintf("%s.hosts[%d]", rk, i), "%q is not a host pattern; write a host name such as api.example.com or *.example.com", h)
			}
		}
		for i, path := range r.Paths {
			if path == "" || len(path) > 128 || !(strings.HasPrefix(path, "/") || strings.HasPrefix(path, "*")) {
				p.Add(fmt.Sprintf("%s.paths[%d]", rk, i), "%q is not a path pattern; write a path such as /api/* (at most 128 characters)", path)
			}
		}
		if r.Target == "" {
			p.Add(rk+".target", "required; name the ec2 or ecs workload the route forwards to")
		} else {
			c.checkTarget(rk+".target", r.Target, p)
		}
	}
}

// checkTarget reports a target that is not a declared ec2 or ecs workload.
func (c Config) checkTarget(k, target string, p *problems.List) {
	w, ok := c[target]
	if !ok {
		msg := fmt.Sprintf("%q is not a declared workload", target)
		if best := decode.Closest(target, c.Names()); best != "" {
			msg += fmt.Sprintf("; did you mean %q?", best)
		} else {
			msg += "; declare it under platform:workloads or fix the name"
		}
		p.Add(k, "%s", msg)
		return
	}
	if w.Kind.Valid() && !w.Kind.IsTarget() {
		p.Add(k, "%q is %s workload; an alb forwards only to ec2 or ecs workloads", target, w.Kind.article())
	}
}

// validateNameCollisions rejects two albs whose target groups or listener
// rules would get one name: alb "web" with target "api-x" and alb "web-api"
// with target "x" both name a target group "web-api-x".
func (c Config) validateNameCollisions(key string, p *problems.List) {
	tgs := map[string]string{}
	rules := map[string]string{}
	for _, n := range c.Names() {
		a := c[n].ALB
		if a == nil {
			continue
		}
		for _, t := range a.TargetNames() {
			id := n + "-" + t
			if other, dup := tgs[id]; dup {
				p.Add(key+"."+n, "its target group for %q would be named %q like the one of %s; rename one of the workloads", t, id, other)
			}
			tgs[id] = fmt.Sprintf("alb %q", n)
		}
		for _, r := range sortedKeys(a.Routes) {
			id := n + "-" + r
			if other, dup := rules[id]; dup {
				p.Add(key+"."+n+".routes."+r, "its listener rule would be named %q like the one of %s; rename the route", id, other)
			}
			rules[id] = fmt.Sprintf("alb %q", n)
		}
	}
}
