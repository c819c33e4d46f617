// The `scaling` block a workload may carry: how an ec2 fleet, an ecs service
// or an aurora cluster's readers follow the load, and a lambda's provisioned
// concurrency.

package compute

import (
	"fmt"

	"github.com/acme/platform/internal/problems"
)

// Scaling defaults, named so that the docs and the code agree.
const (
	DefaultCPUTarget              = 50
	DefaultMemoryTarget           = 75
	DefaultAuroraCPUTarget        = 70
	DefaultRequestsPerTarget      = 1000
	DefaultScaleInCooldown        = 300
	DefaultScaleOutCooldown       = 60
	DefaultAuroraScaleOutCooldown = 300
	// MaxAuroraReaders is Aurora's limit: 15 replicas beside the writer.
	MaxAuroraReaders = 15
	// MaxServiceTasks is ECS's default quota of tasks per service.
	MaxServiceTasks = 5000
)

// ScalingSpec is a workload's `scaling` block. The keys a kind does not use
// are refused, so a value never silently does nothing.
//
//	ec2    cpuTarget, requestsPerTarget, warmupSeconds (range: minSize..maxSize)
//	ecs    minCount, maxCount, cpuTarget, memoryTarget, requestsPerTarget, cooldowns
//	aurora minCount, maxCount (readers), cpuTarget or connectionsTarget, cooldowns
//	lambda provisionedConcurrency
type ScalingSpec struct {
	// Enabled defaults to true; false keeps the block but turns scaling off.
	Enabled *bool `json:"enabled,omitempty"`
	// MinCount and MaxCount bound an ecs service's tasks (default desiredCount
	// and twice that) or an aurora cluster's readers (default the readers it
	// has, instances - 1, and two more, at most 15).
	MinCount *int `json:"minCount,omitempty"`
	MaxCount *int `json:"maxCount,omitempty"`
	// CPUTarget is the average CPU the scaling keeps, in percent: 10 to 90;
	// default 50 (ec2, ecs) or 70 (aurora readers).
	CPUTarget int `json:"cpuTarget,omitempty"`
	// MemoryTarget is an ecs service's average memory target, 10 to 90 %; default 75.
	MemoryTarget int `json:"memoryTarget,omitempty"`
	// RequestsPerTarget is the requests per target per minute the fleet or
	// service keeps behind each load balancer that forwards to it (target
	// tracking on ALBRequestCountPerTarget); default 1000, only for a workload
	// an alb forwards to.
	RequestsPerTarget int `json:"requestsPerTarget,omitempty"`
	// ConnectionsTarget scales aurora readers on their average connections
	// instead of CPU.
	ConnectionsTarget int `json:"connectionsTarget,omitempty"`
	// ScaleInCooldownSeconds and ScaleOutCooldownSeconds space scaling
	// activities (ecs, aurora): 0 to 3600; defaults 300 and 60 (aurora 300).
	ScaleInCooldownSeconds  *int `json:"scaleInCooldownSeconds,omitempty"`
	ScaleOutCooldownSeconds *int `json:"scaleOutCooldownSeconds,omitempty"`
	// WarmupSeconds is how long a new instance is left out of the fleet's
	// average (ec2): 0 to 3600, default 300.
	WarmupSeconds *int `json:"warmupSeconds,omitempty"`
	// ProvisionedConcurrency keeps this many lambda execution environments
	// initialised on the alias "live": 1 or more, at most reservedConcurrency.
	ProvisionedConcurrency int `json:"provisionedConcurrency,omitempty"`
}

// On reports whether the block turns scaling on.
func (s *ScalingSpec) On() bool { return s != nil && (s.Enabled == nil || *s.Enabled) }

// Resolved scaling of one workload: every default filled in. A zero value
// (On false) means the workload does not scale.
type Scaling struct {
	On                      bool
	MinCount, MaxCount      int
	CPUTarget               int
	MemoryTarget            int
	RequestsPerTarget       int
	ConnectionsTarget       int
	ScaleInCooldownSeconds  int
	ScaleOutCooldownSeconds int
	WarmupSeconds           int
	ProvisionedConcurrency  int
}

func orDefault(v *int, d int) int {
	if v != nil {
		return *v
	}
	return d
}

func orInt(v, d int) int {
	if v != 0 {
		return v
	}
	return d
}

// EC2Scaling is a fleet's scaling: on by default whenever its range lets it
// move (maxSize > minSize), between minSize and maxSize.
func (s EC2Spec) EC2Scaling() Scaling {
	sc := s.Scaling
	if (sc == nil && s.MaxSize <= s.MinSize) || (sc != nil && !sc.On()) {
		return Scaling{}
	}
	if sc == nil {
		sc = &ScalingSpec{}
	}
	return Scaling{
		On: true, MinCount: s.MinSize, MaxCount: s.MaxSize,
		CPUTarget:         orInt(sc.CPUTarget, DefaultCPUTarget),
		RequestsPerTarget: orInt(sc.RequestsPerTarget, DefaultRequestsPerTarget),
		WarmupSeconds:     orDefault(sc.WarmupSeconds, HealthCheckGraceSeconds),
	}
}

// ECSScaling is a service's scaling, on when the block is present.
func (s ECSSpec) ECSScaling() Scaling {
	sc := s.Scaling
	if !sc.On() {
		return Scaling{}
	}
	minC := orDefault(sc.MinCount, s.DesiredCount)
	return Scaling{
		On: true, MinCount: minC, MaxCount: orDefault(sc.MaxCount, max(2*s.DesiredCount, minC)),
		CPUTarget:               orInt(sc.CPUTarget, DefaultCPUTarget),
		MemoryTarget:            orInt(sc.MemoryTarget, DefaultMemoryTarget),
		RequestsPerTarget:       orInt(sc.RequestsPerTarget, DefaultRequestsPerTarget),
		ScaleInCooldownSeconds:  orDefault(sc.ScaleInCooldownSeconds, DefaultScaleInCooldown),
		ScaleOutCooldownSeconds: orDefault(sc.ScaleOutCooldownSeconds, DefaultScaleOutCooldown),
	}
}

// AuroraScaling is a cluster's reader auto scaling, on when the block is present.
func (s AuroraSpec) AuroraScaling() Scaling {
	sc := s.Scaling
	if !sc.On() {
		return Scaling{}
	}
	readers := max(s.Instances-1, 0)
	minC := orDefault(sc.MinCount, readers)
	out := Scaling{
		On: true, MinCount: minC, MaxCount: orDefault(sc.MaxCount, min(max(readers, minC)+2, MaxAuroraReaders)),
		ConnectionsTarget:       sc.ConnectionsTarget,
		ScaleInCooldownSeconds:  orDefault(sc.ScaleInCooldownSeconds, DefaultScaleInCooldown),
		ScaleOutCooldownSeconds: orDefault(sc.ScaleOutCooldownSeconds, DefaultAuroraScaleOutCooldown),
	}
	if sc.ConnectionsTarget == 0 {
		out.CPUTarget = orInt(sc.CPUTarget, DefaultAuroraCPUTarget)
	}
	return out
}

// LambdaScaling is a function's provisioned concurrency, on when the block is present.
func (s LambdaSpec) LambdaScaling() Scaling {
	if !s.Scaling.On() {
		return Scaling{}
	}
	return Scaling{On: true, ProvisionedConcurrency: s.Scaling.ProvisionedConcurrency}
}

// scalingKeys are the keys each kind's scaling block takes.
var scalingKeys = map[Kind][]string{
	KindEC2:    {"enabled", "cpuTarget", "requestsPerTarget", "warmupSeconds"},
	KindECS:    {"enabled", "minCount", "maxCount", "cpuTarget", "memoryTarget", "requestsPerTarget", "scaleInCooldownSeconds", "scaleOutCooldownSeconds"},
	KindAurora: {"enabled", "minCount", "maxCount", "cpuTarget", "connectionsTarget", "scaleInCooldownSeconds", "scaleOutCooldownSeconds"},
	KindLambda: {"enabled", "provisionedConcurrency"},
}

// setKeys lists the keys the block sets, in the order of its fields.
func (s *ScalingSpec) setKeys() []string {
	var out []string
	add := func(set bool, k string) {
		if set {
			out = append(out, k)
		}
	}
	add(s.Enabled != nil, "enabled")
	add(s.MinCount != nil, "minCount")
	add(s.MaxCount != nil, "maxCount")
	add(s.CPUTarget != 0, "cpuTarget")
	add(s.MemoryTarget != 0, "memoryTarget")
	add(s.RequestsPerTarget != 0, "requestsPerTarget")
	add(s.ConnectionsTarget != 0, "connectionsTarget")
	add(s.ScaleInCooldownSeconds != nil, "scaleInCooldownSeconds")
	add(s.ScaleOutCooldownSeconds != nil, "scaleOutCooldownSeconds")
	add(s.WarmupSeconds != nil, "warmupSeconds")
	add(s.ProvisionedConcurrency != 0, "provisionedConcurrency")
	return out
}

// validateScaling checks a workload's scaling block at k (the workload's key)
// against its kind and its resolved values.
func validateScaling(k string, kind Kind, sc *ScalingSpec, r Scaling, p *problems.List) {
	if sc == nil {
		return
	}
	sk := k + ".scaling"
	allowed := map[string]bool{}
	for _, key := range scalingKeys[kind] {
		allowed[key] = true
	}
	for _, key := range sc.setKeys() {
		if !allowed[key] {
			p.Add(sk+"."+key, "%s workload does not use %s; its scaling keys are %s", kind.article(), key, joinWords(scalingKeys[kind]))
		}
	}
	if !r.On {
		return
	}
	target := func(key string, v int) {
		if v != 0 && (v < 10 || v > 90) {
			p.Add(sk+"."+key, "must be between 10 and 90 %%, got %d; near 100 the workload is saturated before it scales, below 10 it never scales in", v)
		}
	}
	target("cpuTarget", sc.CPUTarget)
	target("memoryTarget", sc.MemoryTarget)
	if sc.RequestsPerTarget < 0 || sc.RequestsPerTarget > 1000000 {
		p.Add(sk+".requestsPerTarget", "must be between 1 and 1000000 requests per target per minute, got %d", sc.RequestsPerTarget)
	}
	if sc.ConnectionsTarget < 0 || sc.ConnectionsTarget > 100000 {
		p.Add(sk+".connectionsTarget", "must be between 1 and 100000 connections per reader, got %d", sc.ConnectionsTarget)
	}
	if sc.ConnectionsTarget != 0 && sc.CPUTarget != 0 {
		p.Add(sk+".connectionsTarget", "set either cpuTarget or connectionsTarget: Aurora scales readers on one metric")
	}
	for key, v := range map[string]*int{"scaleInCooldownSeconds": sc.ScaleInCooldownSeconds, "scaleOutCooldownSeconds": sc.ScaleOutCooldownSeconds, "warmupSeconds": sc.WarmupSeconds} {
		if v != nil && (*v < 0 || *v > 3600) {
			p.Add(sk+"."+key, "must be between 0 and 3600 seconds, got %d", *v)
		}
	}
	switch kind {
	case KindECS, KindAurora:
		limit, what := MaxServiceTasks, "tasks"
		lowest := 1
		if kind == KindAurora {
			limit, what, lowest = MaxAuroraReaders, "readers", 0
		}
		switch {
		case r.MinCount < lowest:
			p.Add(sk+".minCount", "must be at least %d, got %d", lowest, r.MinCount)
		case r.MaxCount > limit:
			p.Add(sk+".maxCount", "must be at most %d %s, got %d", limit, what, r.MaxCount)
		case r.MaxCount < 1:
			p.Add(sk+".maxCount", "must be at least 1, got %d; with no %s to add, leave scaling out", r.MaxCount, what)
		case r.MinCount > r.MaxCount:
			p.Add(sk+".maxCount", "maxCount %d is less than minCount %d", r.MaxCount, r.MinCount)
		}
	case KindLambda:
		if sc.ProvisionedConcurrency < 1 {
			p.Add(sk+".provisionedConcurrency", "required and at least 1 with a lambda scaling block, got %d", sc.ProvisionedConcurrency)
		}
	}
}

func joinWords(keys []string) string {
	out := ""
	for i, k := range keys {
		switch {
		case i == 0:
		case i == len(keys)-1:
			out += " and "
		default:
			out += ", "
		}
		out += k
	}
	return out
}

// validateScalingAcross checks what depends on other workloads and on the
// kind's own settings: a request target needs a load balancer, an ecs
// service's desired count sits inside its range, provisioned concurrency fits
// the reserved concurrency, readers fit the cluster.
func (c Config) validateScalingAcross(key string, p *problems.List) {
	for _, n := range c.Names() {
		w := c[n]
		k := key + "." + n
		var sc *ScalingSpec
		switch {
		case w.EC2 != nil:
			sc = w.EC2.Scaling
			if sc.On() && w.EC2.MinSize == w.EC2.MaxSize {
				p.Add(k+".maxSize", "the fleet has a scaling block but minSize and maxSize are both %d, so it can never scale; raise maxSize or drop the block", w.EC2.MinSize)
			}
		case w.ECS != nil:
			sc = w.ECS.Scaling
			if r := w.ECS.ECSScaling(); r.On && r.MinCount <= r.MaxCount && (w.ECS.DesiredCount < r.MinCount || w.ECS.DesiredCount > r.MaxCount) {
				p.Add(k+".desiredCount", "desiredCount %d is outside the scaling range %d to %d; the service starts at desiredCount", w.ECS.DesiredCount, r.MinCount, r.MaxCount)
			}
		case w.Lambda != nil:
			if r := w.Lambda.LambdaScaling(); r.On && w.Lambda.ReservedConcurrency != nil && r.ProvisionedConcurrency > *w.Lambda.ReservedConcurrency {
				p.Add(k+".scaling.provisionedConcurrency", "%d is more than reservedConcurrency %d; provisioned environments count against the reservation", r.ProvisionedConcurrency, *w.Lambda.ReservedConcurrency)
			}
		case w.Aurora != nil:
			if r := w.Aurora.AuroraScaling(); r.On && r.MaxCount <= MaxAuroraReaders && r.MaxCount < w.Aurora.Instances-1 {
				p.Add(k+".scaling.maxCount", "maxCount %d is below the %d readers the cluster always has (instances - 1); auto scaling would never add one", r.MaxCount, w.Aurora.Instances-1)
			}
		}
		if sc != nil && sc.RequestsPerTarget != 0 && len(c.RoutedBy(n)) == 0 {
			p.Add(k+".scaling.requestsPerTarget", "%s is not the target of any alb, so it has no request count per target to follow; remove it or route an alb to %s", n, n)
		}
	}
}

// scalingSpec returns the workload's scaling block, if its kind has one.
func (w Workload) scalingSpec() *ScalingSpec {
	switch {
	case w.EC2 != nil:
		return w.EC2.Scaling
	case w.ECS != nil:
		return w.ECS.Scaling
	case w.Aurora != nil:
		return w.Aurora.Scaling
	case w.Lambda != nil:
		return w.Lambda.Scaling
	}
	return nil
}

// ScalingOf returns a workload's resolved scaling (Scaling.On false when it does not scale).
func (c Config) ScalingOf(name string) Scaling {
	w := c[name]
	switch {
	case w.EC2 != nil:
		return w.EC2.EC2Scaling()
	case w.ECS != nil:
		return w.ECS.ECSScaling()
	case w.Aurora != nil:
		return w.Aurora.AuroraScaling()
	case w.Lambda != nil:
		return w.Lambda.LambdaScaling()
	}
	return Scaling{}
}

// describeScaling renders a workload's scaling for the plan.
func describeScaling(kind Kind, r Scaling, targets int) string {
	switch kind {
	case KindEC2:
		s := fmt.Sprintf("instances %d to %d: CPU %d%%", r.MinCount, r.MaxCount, r.CPUTarget)
		if targets > 0 {
			s += fmt.Sprintf(", %d requests per target per minute", r.RequestsPerTarget)
		}
		return s + fmt.Sprintf("; warmup %ds", r.WarmupSeconds)
	case KindECS:
		s := fmt.Sprintf("tasks %d to %d: CPU %d%%, memory %d%%", r.MinCount, r.MaxCount, r.CPUTarget, r.MemoryTarget)
		if targets > 0 {
			s += fmt.Sprintf(", %d requests per target per minute", r.RequestsPerTarget)
		}
		return s + fmt.Sprintf("; cooldown in %ds / out %ds", r.ScaleInCooldownSeconds, r.ScaleOutCooldownSeconds)
	case KindAurora:
		metric := fmt.Sprintf("reader CPU %d%%", r.CPUTarget)
		if r.ConnectionsTarget > 0 {
			metric = fmt.Sprintf("%d connections per reader", r.ConnectionsTarget)
		}
		return fmt.Sprintf("readers %d to %d: %s; cooldown in %ds / out %ds", r.MinCount, r.MaxCount, metric, r.ScaleInCooldownSeconds, r.ScaleOutCooldownSeconds)
	case KindLambda:
		return fmt.Sprintf("%d provisioned concurrent executions on alias %s", r.ProvisionedConcurrency, LiveAlias)
	}
	return ""
}

// DescribeScaling is one line about a workload's scaling for the plan, or ""
// when it does not scale.
func (c Config) DescribeScaling(name string) string {
	r := c.ScalingOf(name)
	if !r.On {
		return ""
	}
	return describeScaling(c[name].Kind, r, len(c.RoutedBy(name)))
}
